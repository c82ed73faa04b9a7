#!/usr/bin/env bash
# sluice tok: token ids equal to the npm tiktoken package (r50k, p50k,
# cl100k, o200k) and to the npm tokenizers package (Llama 3's
# tokenizer.json, GPT-2's files) over real data (every JSONL document in
# ../shared/data/jsonl, every UDHR text, text extracted from the WARC
# samples) and edge cases; decode round trips; bad vocabularies; options.
. "$(dirname "$0")/lib.sh"
need_data
set -e
TOKD="$DATA/tokenizers"
export SLUICE_MODELS="$TOKD"
HERE="$SLUICE_SOURCE_ROOT/tests/cli"

# --- the corpus: real data + edge cases
for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	"$SLUICE" cat -q --add-id "$f" >> "$T/real.jsonl"
done
python3 "$HERE/tok_corpus.py" udhr "$DATA/langid/udhr_txt" "$T/udhr.jsonl"
"$SLUICE" warc -q "$DATA"/warc/*.warc.gz "$DATA"/warc/*.wet.gz >> "$T/real.jsonl" 2>/dev/null || true
cat "$T/udhr.jsonl" >> "$T/real.jsonl"
python3 "$HERE/tok_corpus.py" edge "$T/edge.jsonl"
python3 "$HERE/tok_corpus.py" long "$T/long.jsonl"
cat "$T/real.jsonl" "$T/edge.jsonl" > "$T/all.jsonl"
ndocs=$(grep -c . "$T/all.jsonl")
check "corpus has documents from every source" test "$ndocs" -gt 1350

# the "tokens" array of each output line (sluice appends it last)
ids() { sed 's/.*"tokens":\(\[[0-9,]*\]\)}$/\1/' "$1"; }

# compare NAME REF-FILE SLUICE-ARGS...: sluice's ids equal the reference's
compare() {
	local name=$1 ref=$2 in=$3
	shift 3
	run "$SLUICE" tok -q "$@" --stats "$T/s.json" "$in"
	eq "$name: exit" "$rc" 0
	ids "$T/out" > "$T/got"
	if cmp -s "$T/got" "$ref"; then
		pass
	else
		fail "$name: token ids differ from the reference"
		python3 - "$T/got" "$ref" "$in" <<'PY' >&2
import json, sys
g = open(sys.argv[1]).read().splitlines(); w = open(sys.argv[2]).read().splitlines()
d = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
print("    %d vs %d lines" % (len(g), len(w)))
bad = [i for i in range(min(len(g), len(w))) if g[i] != w[i]]
print("    %d documents differ" % len(bad))
for i in bad[:3]:
    a, b = json.loads(g[i]), json.loads(w[i])
    k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
    print("    doc %s: first difference at token %d: got %s want %s" % (d[i]["id"], k, a[k:k+5], b[k:k+5]))
PY
	fi
	eq "$name: tokens counted" "$(json "$T/s.json" "j['tokens']")" "$(awk -F, '$0 != "[]" { n += NF } END { print n + 0 }' "$ref")"
}

# ref KIND ARG INPUT: the reference ids, cached by the hash of everything
# they depend on (the sanitizer run of the suite reuses the normal run's)
cache="$SLUICE_SOURCE_ROOT/.cache/tok-ref"
ref() {
	local key
	key=$(cat "$HERE/tok_ref.js" "$NODE_PATH/tiktoken/package.json" "$NODE_PATH/tokenizers/package.json" "$3" |
	      { cat; [ -f "$2" ] && cat "$2"; echo "$1 $(basename "$2")"; } | sha256sum | cut -c1-32)
	if [ ! -f "$cache/$key" ]; then
		mkdir -p "$cache"
		node "$HERE/tok_ref.js" "$1" "$2" "$3" > "$cache/$key.tmp$$"
		mv "$cache/$key.tmp$$" "$cache/$key"
	fi
	cat "$cache/$key"
}

if [ -z "${SLUICE_NPM:-}" ]; then SLUICE_NPM="$SLUICE_SOURCE_ROOT/.cache/npm/node_modules"; fi
if command -v node >/dev/null && [ -d "$SLUICE_NPM/tiktoken" ] && [ -d "$SLUICE_NPM/tokenizers" ]; then
	export NODE_PATH="$SLUICE_NPM"
	for enc in r50k_base p50k_base cl100k_base o200k_base; do
		ref tiktoken "$enc" "$T/all.jsonl" > "$T/ref"
		compare "$enc" "$T/ref" "$T/all.jsonl" --tokenizer "$enc"
	done
	ref hf "$TOKD/llama3-tokenizer.json" "$T/all.jsonl" > "$T/ref"
	compare "llama3 tokenizer.json" "$T/ref" "$T/all.jsonl" --tokenizer llama3
	ref hf "$TOKD/llama3-tokenizer.json" "$T/long.jsonl" > "$T/ref"
	compare "llama3 long runs" "$T/ref" "$T/long.jsonl" --tokenizer "$TOKD/llama3-tokenizer.json"
	node "$HERE/tok_ref.js" gpt2json "$TOKD/gpt2-encoder.json" "$TOKD/gpt2-vocab.bpe" "$T/gpt2-tokenizer.json"
	ref hf "$T/gpt2-tokenizer.json" "$T/all.jsonl" > "$T/ref"
	compare "gpt2 encoder.json+vocab.bpe" "$T/ref" "$T/all.jsonl" --tokenizer "$TOKD/gpt2-encoder.json"
	compare "gpt2 tokenizer.json" "$T/ref" "$T/all.jsonl" --tokenizer "$T/gpt2-tokenizer.json"
	ref hf "$T/gpt2-tokenizer.json" "$T/long.jsonl" > "$T/ref"
	compare "gpt2 long runs" "$T/ref" "$T/long.jsonl" --tokenizer "$T/gpt2-tokenizer.json"
	# ByteLevel add_prefix_space, as some GPT-2 style tokenizer.json files have it
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); j["pre_tokenizer"]["add_prefix_space"] = True
json.dump(j, open(sys.argv[2], "w"))' "$T/gpt2-tokenizer.json" "$T/gpt2-prefix.json"
	ref hf "$T/gpt2-prefix.json" "$T/edge.jsonl" > "$T/ref"
	compare "add_prefix_space" "$T/ref" "$T/edge.jsonl" --tokenizer "$T/gpt2-prefix.json"
	# GPT-2's files and r50k_base are the same vocabulary
	ref tiktoken r50k_base "$T/edge.jsonl" > "$T/ref"
	compare "gpt2 files = r50k_base" "$T/ref" "$T/edge.jsonl" --tokenizer "$TOKD/gpt2-encoder.json"
else
	echo "SKIP: npm tiktoken/tokenizers not installed (tools/npm-deps.sh); reference comparison skipped" >&2
	missing_npm=1
fi

# --- long runs of one character are not quadratic (tiktoken's are)
start=$(date +%s%N)
run "$SLUICE" tok -q --tokenizer cl100k_base "$T/long.jsonl"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
eq "long runs: exit" "$rc" 0
check "long runs take under 5 s (took ${ms} ms)" test "$ms" -lt 5000

# --- decode round trip: the text comes back (valid UTF-8 input)
for t in cl100k_base llama3; do
	"$SLUICE" tok -q --tokenizer "$t" "$T/real.jsonl" > "$T/tok.jsonl"
	"$SLUICE" tok decode -q --tokenizer "$t" "$T/tok.jsonl" > "$T/dec.jsonl"
	eq "decode $t round trip" "$(python3 -c '
import json, sys
a = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
print(a == b and len(a))' "$T/real.jsonl" "$T/dec.jsonl")" "$(grep -c . "$T/real.jsonl")"
done

# --- --bos / --eos, --threads keeps the output identical
printf '%s\n' '{"id":"a","text":"Hello world"}' '{"id":"b","text":""}' > "$T/hw.jsonl"
eq "cl100k --eos" "$("$SLUICE" tok -q --tokenizer cl100k_base --eos "$T/hw.jsonl" | ids /dev/stdin | tr '\n' ' ')" "[9906,1917,100257] [100257] "
eq "llama3 --bos --eos" "$("$SLUICE" tok -q --tokenizer llama3 --bos --eos "$T/hw.jsonl" | ids /dev/stdin | tr '\n' ' ')" "[128000,9906,1917,128001] [128000,128001] "
run "$SLUICE" tok --tokenizer cl100k_base --bos "$T/hw.jsonl"
eq "no BOS in cl100k: exit" "$rc" 1
eq "no BOS in cl100k: message" "$(cat "$T/err")" "sluice tok: tokenizer 'cl100k_base' has no beginning-of-text token"
"$SLUICE" tok -q --tokenizer o200k_base "$T/all.jsonl" > "$T/t1"
"$SLUICE" tok -q --tokenizer o200k_base --threads 3 "$T/all.jsonl" > "$T/t3"
check "--threads 3 writes the same bytes as one thread" cmp -s "$T/t1" "$T/t3"
check "other members pass through" sh -c "head -c 20000 '$T/t1' | head -1 | grep -q '\"tokens\":\['"
"$SLUICE" cat -q "$T/all.jsonl" > "$T/plain"
eq "documents conserved" "$(grep -c . "$T/t1")" "$(grep -c . "$T/plain")"

# --- the cache of compiled vocabularies
VC="$T/vc"
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer llama3 "$T/real.jsonl" > "$T/c1"
eq "cache: one compiled file written" "$(ls "$VC" | grep -c '\.slbpe$')" 1
f=$(ls "$VC"/*.slbpe)
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer llama3 "$T/real.jsonl" > "$T/c2"
SLUICE_CACHE_DIR= "$SLUICE" tok -q --tokenizer llama3 "$T/real.jsonl" > "$T/c0"
check "cache: the same ids from the compiled file" sh -c "cmp -s '$T/c0' '$T/c1' && cmp -s '$T/c0' '$T/c2'"
size=$(wc -c < "$f")
head -c $((size / 2)) "$f" > "$T/half" && cp "$T/half" "$f"
run env SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer llama3 "$T/real.jsonl"
check "cache: a truncated file is rebuilt, same ids" cmp -s "$T/c0" "$T/out"
eq "cache: no message about it" "$(cat "$T/err")" ""
eq "cache: rewritten whole" "$(wc -c < "$f")" "$size"
printf 'garbage' | dd of="$f" bs=1 seek=100000 conv=notrunc 2> /dev/null
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer llama3 "$T/real.jsonl" > "$T/c3"
check "cache: a damaged file is rebuilt, same ids" cmp -s "$T/c0" "$T/c3"
# a vocabulary changed in place: a file for each version, up to four
mkdir -p "$T/m1" "$T/m2"
cp "$TOKD/llama3-tokenizer.json" "$T/m1/tokenizer.json"
cp "$TOKD/llama3-tokenizer.json" "$T/m2/tokenizer.json"
touch "$VC/other-1.slbpe" "$VC/tokenizer.json-decoy.slbpe"
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer "$T/m1/tokenizer.json" "$T/hw.jsonl" > /dev/null
m1=$(ls "$VC" | grep '^tokenizer\.json-[0-9a-f]*-[0-9a-f]*\.slbpe$')
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer "$T/m2/tokenizer.json" "$T/hw.jsonl" > /dev/null
eq "cache: two tokenizer.json in two folders keep a file each" "$(ls "$VC" | grep -c '^tokenizer\.json-[0-9a-f]*-[0-9a-f]*\.slbpe$')" 2
printf ' ' >> "$T/m1/tokenizer.json"
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer "$T/m1/tokenizer.json" "$T/real.jsonl" > "$T/c4"
check "cache: a changed tokenizer.json is read again, same ids" cmp -s "$T/c0" "$T/c4"
check "cache: its older file is kept (another build may use it)" test -e "$VC/$m1"
m1b=$(ls -t "$VC" | grep "^${m1%-*}-" | head -1)
# three more versions, with the first one used again between them: four
# files of one vocabulary are kept, and the least recently used one goes
# (a second apart: some file systems keep times to the second)
vc_tok() { sleep 1.05; SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer "$T/m1/tokenizer.json" "$T/hw.jsonl" > /dev/null; }
printf ' ' >> "$T/m1/tokenizer.json" && vc_tok
cp "$T/m1/tokenizer.json" "$T/m1.v2" && cp "$T/m2/tokenizer.json" "$T/m1/tokenizer.json" && vc_tok
cp "$T/m1.v2" "$T/m1/tokenizer.json"
printf ' ' >> "$T/m1/tokenizer.json" && vc_tok
printf ' ' >> "$T/m1/tokenizer.json" && vc_tok
eq "cache: four files of one vocabulary kept" "$(ls "$VC" | grep "^${m1%-*}-" | grep -c '\.slbpe$')" 4
check "cache: the first, used again, stays" test -e "$VC/$m1"
check "cache: the least recently used is removed" test ! -e "$VC/$m1b"
eq "cache: the other files stay" "$(ls "$VC" | grep -c '\.slbpe$')" 8
# what is at a cache file's name is not followed or waited on
rm -rf "$VC" && mkdir -m 700 "$VC"
SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer cl100k_base "$T/hw.jsonl" > /dev/null
f=$(ls "$VC"/cl100k_base-*.slbpe)
rm "$f" && echo keep > "$T/target" && ln -s "$T/target" "$f"
run env SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer cl100k_base "$T/hw.jsonl"
eq "cache: a symbolic link at the name: exit 0" "$rc" 0
eq "cache: the link's target is left alone" "$(cat "$T/target")" keep
rm -f "$f" && mkfifo "$f"
run timeout 20 env SLUICE_CACHE_DIR="$VC" "$SLUICE" tok -q --tokenizer cl100k_base "$T/hw.jsonl"
eq "cache: a FIFO at the name is not waited on" "$rc" 0
# a folder that others can write is not used
mkdir -m 775 "$T/shared"
chmod 775 "$T/shared"
SLUICE_CACHE_DIR="$T/shared" "$SLUICE" tok -q --tokenizer cl100k_base "$T/hw.jsonl" > /dev/null
eq "cache: a group-writable folder is not used" "$(ls "$T/shared" | wc -l)" 0
touch "$T/afile"
run env SLUICE_CACHE_DIR="$T/afile/sub" "$SLUICE" tok -q --tokenizer cl100k_base "$T/hw.jsonl"
eq "cache: a folder that cannot be made: exit 0" "$rc" 0
eq "cache: a folder that cannot be made: no message" "$(cat "$T/err")" ""

# --- vocabularies that are missing, truncated or garbage
run "$SLUICE" tok --tokenizer nosuch_base "$T/hw.jsonl"
eq "missing vocabulary: exit" "$rc" 1
check "missing vocabulary: says how to get it" has "$T/err" "run tools/get-models.sh"
run "$SLUICE" tok --tokenizer "$T/nope.tiktoken" "$T/hw.jsonl"
eq "no such file: exit" "$rc" 2
head -c 100000 "$TOKD/cl100k_base.tiktoken" > "$T/cut.tiktoken"
printf 'AAB= 5\n' > "$T/r50k_base.tiktoken"
run "$SLUICE" tok --tokenizer "$T/r50k_base.tiktoken" "$T/hw.jsonl"
eq "bad base64: exit" "$rc" 1
eq "bad base64: message" "$(cat "$T/err")" "sluice tok: '$T/r50k_base.tiktoken': line 1: malformed base64"
printf 'IQ== 0\nIg== x\n' > "$T/r50k_base.tiktoken"
run "$SLUICE" tok --tokenizer "$T/r50k_base.tiktoken" "$T/hw.jsonl"
eq "bad rank: message" "$(cat "$T/err")" "sluice tok: '$T/r50k_base.tiktoken': line 2: rank is not a number"
head -c 1000 "$TOKD/r50k_base.tiktoken" | head -n -1 > "$T/r50k_base.tiktoken"
run "$SLUICE" tok --tokenizer "$T/r50k_base.tiktoken" "$T/hw.jsonl"
eq "truncated rank file: message" "$(cat "$T/err")" "sluice tok: '$T/r50k_base.tiktoken': not every byte has a token"
run "$SLUICE" tok --tokenizer "$T/cut.tiktoken" "$T/hw.jsonl"
eq "unknown name, no meta.json: exit" "$rc" 1
check "unknown name, no meta.json: message" has "$T/err" "no split pattern"
head -c 3000000 "$TOKD/llama3-tokenizer.json" | iconv -c -f utf-8 -t utf-8 > "$T/cut.json" || true
run "$SLUICE" tok --tokenizer "$T/cut.json" "$T/hw.jsonl"
eq "truncated tokenizer.json: exit" "$rc" 1
eq "truncated tokenizer.json: message" "$(cat "$T/err")" "sluice tok: '$T/cut.json': not a JSON object"
head -c 5000 /dev/urandom > "$T/garbage.json"
run "$SLUICE" tok --tokenizer "$T/garbage.json" "$T/hw.jsonl"
eq "garbage tokenizer.json: exit" "$rc" 1
python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); j["model"]["merges"][5] = "zzzq qqqz"
json.dump(j, open(sys.argv[2], "w"))' "$TOKD/llama3-tokenizer.json" "$T/badmerge.json"
run "$SLUICE" tok --tokenizer "$T/badmerge.json" "$T/hw.jsonl"
eq "merge of unknown tokens: message" "$(cat "$T/err")" "sluice tok: '$T/badmerge.json': merge of a token missing from the vocabulary"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); j["normalizer"] = {"type": "NFC"}
json.dump(j, open(sys.argv[2], "w"))' "$TOKD/llama3-tokenizer.json" "$T/norm.json"
run "$SLUICE" tok --tokenizer "$T/norm.json" "$T/hw.jsonl"
eq "unsupported normalizer: message" "$(cat "$T/err")" "sluice tok: '$T/norm.json': unsupported normalizer"
head -c 2000 "$TOKD/gpt2-vocab.bpe" > "$T/v.bpe"; printf 'onlyone\n' >> "$T/v.bpe"
cp "$TOKD/gpt2-encoder.json" "$T/x-encoder.json"; cp "$T/v.bpe" "$T/x-vocab.bpe"
run "$SLUICE" tok --tokenizer "$T/x-encoder.json" "$T/hw.jsonl"
check "bad vocab.bpe: names the line" has "$T/err" "x-vocab.bpe': line "
run "$SLUICE" tok "$T/hw.jsonl"
eq "no --tokenizer: exit" "$rc" 2

# --- decode of bad token arrays: counted as unreadable, not a crash
printf '%s\n' '{"id":"a","text":"","tokens":[9906,1917]}' '{"id":"b","text":"","tokens":[99999999]}' '{"id":"c","text":""}' '{"id":"d","text":"","tokens":"x"}' > "$T/d.jsonl"
run "$SLUICE" tok decode --tokenizer cl100k_base --stats "$T/s.json" "$T/d.jsonl"
eq "decode: exit" "$rc" 0
eq "decode: good one" "$(head -1 "$T/out")" '{"id":"a","text":"Hello world","tokens":[9906,1917]}'
eq "decode: unreadable" "$(json "$T/s.json" "j['unreadable_by']")" "{'unknown_token': 1, 'no_tokens': 2}"
check "decode: messages name the file and line" has "$T/err" "'$T/d.jsonl': line 2: token 99999999 is not in the vocabulary; skipped"

done_testing
[ -z "${missing_npm:-}" ] || exit 77
