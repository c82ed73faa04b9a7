#!/usr/bin/env bash
# sluice tok --format: the ids go straight into shards, and every file
# (shards and manifest) equals what `sluice tok | sluice shard` writes, for
# every format, three vocabularies (uint16 and 32-bit ids), --bos/--eos,
# split shards, --shuffle and --threads, on real documents with edge cases
# and unreadable lines among them; resumption after kill -9; bad input and
# options.  In the "threads" suite too (ThreadSanitizer).
. "$(dirname "$0")/lib.sh"
need_data
set -e
export SLUICE_MODELS="$DATA/tokenizers"
HERE="$SLUICE_SOURCE_ROOT/tests/cli"
TSAN=0
[ "${SLUICE_SANITIZED:-}" != thread ] || TSAN=1

for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	"$SLUICE" cat -q --add-id "$f" >> "$T/real.jsonl"
done
python3 "$HERE/tok_corpus.py" edge "$T/edge.jsonl"
# every document and the edge cases (an empty text among them)
cat "$T/real.jsonl" "$T/edge.jsonl" > "$T/all.jsonl"
[ $TSAN = 0 ] || { head -300 "$T/real.jsonl"; cat "$T/edge.jsonl"; } > "$T/all.jsonl"
ndocs=$(grep -c . "$T/all.jsonl")

# same_set A B [SED]: every file of set A (shards, manifest) equals set B's
# (the manifest but for the names of the files, and after SED on B's)
same_set() {
	local a=$1 b=$2 ed=${3:-} x n=0
	for x in "$a"_*; do
		[ -e "$x" ] || return 1
		cmp -s "$x" "$b${x#"$a"}" || { echo "differs: $x" >&2; return 1; }
		n=$((n + 1))
	done
	# (the fingerprints of the input differ: text in one, ids in the other)
	local nofp='s/, "input_xxh3": "[0-9a-f]*"//; /^  "input_xxh3": /d'
	sed "s|\"${b##*/}_|\"${a##*/}_|g; $ed; $nofp" "$b.manifest.json" | cmp -s - <(sed "$nofp" "$a.manifest.json") ||
		{ echo "differs: $a.manifest.json" >&2; return 1; }
	[ "$(ls "$b"_* | wc -l)" -eq "$n" ] && [ $n -gt 0 ]
}

# --- every format and vocabulary: the same files as the pipe
mkdir -p "$T/a" "$T/b"
for tk in gpt2:50257:50256 cl100k_base:100277:100257 llama3:128256:128001; do
	IFS=: read -r name vs eos <<< "$tk"
	"$SLUICE" tok -q --on-error skip --tokenizer "$name" "$T/all.jsonl" > "$T/t-$name.jsonl"
	"$SLUICE" tok -q --on-error skip --tokenizer "$name" --eos "$T/all.jsonl" > "$T/te-$name.jsonl"
	for f in megatron nanogpt llmc datatrove jsonl; do
		"$SLUICE" tok -q --on-error skip --tokenizer "$name" --eos --format $f -o "$T/a/$f-$name" \
			--stats "$T/a/$f-$name.st" "$T/all.jsonl"
		if [ $f = jsonl ]; then
			"$SLUICE" shard -q --format $f --vocab-size "$vs" --tokenizer "$name" -o "$T/b/$f-$name" \
				"$T/te-$name.jsonl"
		else
			"$SLUICE" shard -q --format $f --vocab-size "$vs" --eos "$eos" --tokenizer "$name" \
				-o "$T/b/$f-$name" "$T/t-$name.jsonl"
		fi
		# (jsonl: tok also records the EOS id, which sluice shard cannot know)
		ed=
		[ $f != jsonl ] || ed="s|\"eos\": null|\"eos\": $eos|"
		check "$f $name: the same files as tok | shard" same_set "$T/a/$f-$name" "$T/b/$f-$name" "$ed"
	done
	check "$name: shard verify" "$SLUICE" shard verify "$T/a/megatron-$name"
	# the documents that come back are the text encoded
	"$SLUICE" shard cat "$T/a/datatrove-$name" | sed 's/.*"tokens"://' > "$T/back"
	sed 's/.*"tokens":\(\[[0-9,]*\]\)}$/\1/' "$T/te-$name.jsonl" | grep -v '^\[\]$' > "$T/want" || true
	sed 's/.*"tokens"://; s/}$//' "$T/back" > "$T/got"
	check "$name: shard cat gives back the ids" cmp -s "$T/got" "$T/want"
done
# shard cat | tok decode: the texts back (shard cat writes no "text")
printf '%s\n' '{"id":"a","text":"Hello world, caf\u00e9"}' '{"id":"b","text":"a second one\n"}' > "$T/rt.jsonl"
"$SLUICE" tok -q --tokenizer cl100k_base --format megatron -o "$T/a/rt" "$T/rt.jsonl"
"$SLUICE" shard cat "$T/a/rt" | "$SLUICE" tok decode -q --tokenizer cl100k_base > "$T/rt.out"
eq "shard cat | tok decode: the texts" "$(python3 -c '
import json, sys
print([json.loads(l)["text"] for l in open(sys.argv[1])] == [json.loads(l)["text"] for l in open(sys.argv[2])])' "$T/rt.out" "$T/rt.jsonl")" True
eq "uint16 for gpt2" "$(json "$T/a/megatron-gpt2.st" "j['dtype']")" uint16
eq "int32 for cl100k_base (Megatron)" "$(json "$T/a/megatron-cl100k_base.st" "j['dtype']")" int32
eq "uint32 for llama3 (datatrove)" "$(json "$T/a/datatrove-llama3.st" "j['dtype']")" uint32
st="$T/a/megatron-cl100k_base.st"
eq "--stats: every document out" "$(json "$st" "j['docs_out']")" "$ndocs"
eq "--stats: documents out = shard documents" "$(json "$st" "j['docs_out'] == j['shard_documents']")" True
eq "--stats: tokens = the pipe's" "$(json "$st" "j['tokens']")" \
	"$(python3 -c 'import json,sys; print(sum(len(json.loads(l)["tokens"]) for l in open(sys.argv[1])))' "$T/te-cl100k_base.jsonl")"

# --- without --eos an empty document is rejected as sluice shard rejects it
"$SLUICE" tok -q --on-error skip --tokenizer cl100k_base --format nanogpt -o "$T/a/noeos" \
	--rejects "$T/rej.jsonl" --stats "$T/noeos.st" "$T/all.jsonl"
"$SLUICE" shard -q --format nanogpt --vocab-size 100277 --tokenizer cl100k_base -o "$T/b/noeos" "$T/t-cl100k_base.jsonl"
check "no --eos: the same files as the pipe" same_set "$T/a/noeos" "$T/b/noeos"
eq "no --eos: empty documents rejected" "$(json "$T/noeos.st" "j['rejected_by']")" "{'empty': $(grep -c '"tokens":\[\]' "$T/t-cl100k_base.jsonl")}"
check "no --eos: the rejects say why" has "$T/rej.jsonl" '"rejected_by":"tok:empty"'

# --- lines that are not documents (skipped): the same shards; the
# manifest's input numbers count them, as they are this command's input
{
	head -50 "$T/all.jsonl"
	printf '%s\n' '{"id":"nt"}' 'not json' '{"id":"n5","text":5}'
	sed -n 51,100p "$T/all.jsonl"
} > "$T/holes.jsonl"
"$SLUICE" tok -q --on-error skip --tokenizer gpt2 --format megatron --stats "$T/holes.st" -o "$T/a/holes" \
	"$T/holes.jsonl" 2> /dev/null
"$SLUICE" tok -q --on-error skip --tokenizer gpt2 "$T/holes.jsonl" 2> /dev/null |
	"$SLUICE" shard -q --format megatron --vocab-size 50257 --tokenizer gpt2 -o "$T/b/holes"
check "unreadable lines: the same shards" sh -c "cmp -s '$T/a/holes_00000.bin' '$T/b/holes_00000.bin' &&
	cmp -s '$T/a/holes_00000.idx' '$T/b/holes_00000.idx'"
eq "unreadable lines: counted" "$(json "$T/holes.st" "(j['docs_in'], j['docs_out'] + j['docs_rejected'], j['docs_unreadable'])")" "(103, 100, 3)"
eq "unreadable lines: in the manifest's input count" "$(json "$T/a/holes.manifest.json" "j['input_documents']")" 103

# --- --bos, split shards, --threads, --shuffle
kopts=(--format megatron --max-tokens-per-file 30000)
"$SLUICE" tok -q --on-error skip --tokenizer llama3 --bos --eos "$T/all.jsonl" > "$T/tbe.jsonl"
"$SLUICE" shard -q "${kopts[@]}" --vocab-size 128256 --tokenizer llama3 -o "$T/b/split" "$T/tbe.jsonl"
for t in 1 3; do
	"$SLUICE" tok -q --on-error skip --tokenizer llama3 --bos --threads $t "${kopts[@]}" -o "$T/a/split$t" \
		--eos "$T/all.jsonl"
done
# (the pipe has no --eos for shard: the manifest differs there only)
check "--bos --eos, split shards: the same shards as the pipe" sh -c \
	"for x in '$T/b/split'_*; do cmp -s \"\$x\" '$T/a/split1'\"\${x#$T/b/split}\" || exit 1; done"
check "--bos --eos: many shards" test "$(ls "$T/a/split1"_*.bin | wc -l)" -gt 5
check "--threads 3: the same files as one thread" same_set "$T/a/split1" "$T/a/split3"
"$SLUICE" tok -q --on-error skip --tokenizer gpt2 --eos --format datatrove --shuffle --seed 5 \
	--max-tokens-per-file 50000 -o "$T/a/shuf" "$T/all.jsonl"
"$SLUICE" shard -q --format datatrove --vocab-size 50257 --eos 50256 --tokenizer gpt2 --shuffle --seed 5 \
	--max-tokens-per-file 50000 -o "$T/b/shuf" "$T/t-gpt2.jsonl"
check "--shuffle: the same files as the pipe" same_set "$T/a/shuf" "$T/b/shuf"
check "--shuffle: no buckets left" sh -c "! ls '$T/a' | grep -q shuffle-"
"$SLUICE" tok -q --on-error skip --tokenizer gpt2 --eos --format datatrove --shuffle --seed 5 --threads 2 \
	--max-tokens-per-file 50000 -o "$T/a/shuf2" "$T/all.jsonl"
check "--shuffle --threads 2: the same files" same_set "$T/a/shuf" "$T/a/shuf2"

# --- a complete set is left alone; other options are refused
run "$SLUICE" tok --on-error skip --tokenizer gpt2 --eos --format datatrove --shuffle --seed 5 \
	--max-tokens-per-file 50000 -o "$T/a/shuf" "$T/all.jsonl"
eq "complete set: exit 0" "$rc" 0
check "complete set: nothing to do" has "$T/err" "is complete"
run "$SLUICE" tok --on-error skip --tokenizer gpt2 --format datatrove -o "$T/a/shuf" "$T/all.jsonl"
eq "other options: exit 1" "$rc" 1
check "other options: --restart named" has "$T/err" "use --restart to replace it"
cp "$T/a/shuf.manifest.json" "$T/manifest.before"
run "$SLUICE" tok -q --on-error skipp --tokenizer gpt2 --format datatrove --restart -o "$T/a/shuf" "$T/all.jsonl"
eq "--restart, bad --on-error: exit 2" "$rc" 2
check "--restart, bad --on-error: the manifest stays" cmp -s "$T/manifest.before" "$T/a/shuf.manifest.json"
run "$SLUICE" tok -q --on-error skip --tokenizer gpt2 --format datatrove --restart -o "$T/a/shuf" "$T/all.jsonl"
eq "--restart: exit 0" "$rc" 0
check "--restart: a verified set" "$SLUICE" shard verify "$T/a/shuf"

# --- --bos and --eos are recorded: a set is not resumed or left alone
# under other ones
head -200 "$T/few.jsonl" > "$T/few.jsonl"
"$SLUICE" tok -q --tokenizer llama3 --bos --eos --format megatron -o "$T/a/bos" "$T/few.jsonl"
eq "--bos recorded" "$(json "$T/a/bos.manifest.json" "(j['bos'], j['eos'])")" "(128000, 128001)"
run "$SLUICE" tok --tokenizer llama3 --eos --format megatron -o "$T/a/bos" "$T/few.jsonl"
eq "no --bos on a --bos set: exit 1" "$rc" 1
check "no --bos on a --bos set: said" has "$T/err" "(BOS id 128000, not none); use --restart"
sed -i 's/"complete": true/"complete": false/' "$T/a/bos.manifest.json"
run "$SLUICE" tok --tokenizer llama3 --bos --format megatron -o "$T/a/bos" "$T/few.jsonl"
eq "no --eos on an unfinished --eos set: exit 1" "$rc" 1
check "no --eos: said" has "$T/err" "(EOS id 128001, not none)"
"$SLUICE" tok -q --tokenizer gpt2 --eos --format jsonl -o "$T/a/je" "$T/few.jsonl"
run "$SLUICE" tok --tokenizer gpt2 --format jsonl -o "$T/a/je" "$T/few.jsonl"
eq "jsonl: no --eos on an --eos set: exit 1" "$rc" 1
check "jsonl: the EOS id recorded" has "$T/err" "(EOS id 50256, not none)"
run "$SLUICE" shard --format megatron --vocab-size 128256 -o "$T/a/bos" "$T/few.jsonl"
eq "sluice shard on a tok --bos set: exit 1" "$rc" 1

# --- kill -9 at random points, then rerun: the same set every time
if [ $TSAN = 0 ]; then
	K=$(mktemp -d /dev/shm/sluice-tokshard.XXXXXX 2>/dev/null || mktemp -d "$T/k.XXXXXX")
	trap 'rm -rf "$T" "$K"' EXIT
	head -1200 "$T/real.jsonl" > "$T/kill.jsonl"
	kopts=(--tokenizer cl100k_base --eos --format datatrove --max-tokens-per-file 20000)
	"$SLUICE" tok -q "${kopts[@]}" -o "$K/ref/x" "$T/kill.jsonl"
	check "kill: the reference has many shards" test "$(ls "$K/ref" | wc -l)" -gt 60
	python3 "$HERE/kill_rerun.py" "$T/kill.jsonl" "$K/kill" "$K/ref" "${TOK_KILL_ROUNDS:-12}" \
		"$SLUICE" tok "${kopts[@]}" --threads 2 && pass || fail "kill -9 and rerun"
fi

# --- bad input
printf '%s\n' '{"id":"a","text":"one"}' 'broken' '{"id":"c","text":"three"}' > "$T/bad.jsonl"
run "$SLUICE" tok --tokenizer gpt2 --format megatron -o "$T/a/bad" "$T/bad.jsonl"
eq "malformed line: exit 1" "$rc" 1
check "malformed line: named" has "$T/err" "line 2: malformed JSON"
check "malformed line: no complete set" sh -c "! grep -q '\"complete\": true' '$T/a/bad.manifest.json' 2>/dev/null"
run "$SLUICE" tok --on-error skip --tokenizer gpt2 --format megatron -o "$T/a/bad" "$T/bad.jsonl"
eq "malformed line skipped: exit 0 (and the unfinished set resumed)" "$rc" 0
run "$SLUICE" shard cat "$T/a/bad"
eq "malformed line skipped: two documents" "$(grep -c . "$T/out")" 2
printf '{"id":"u","text":"caf\xe9 \xff"}\n' > "$T/utf.jsonl"
run "$SLUICE" tok --tokenizer gpt2 --format nanogpt --stats "$T/utf.st" -o "$T/a/utf" "$T/utf.jsonl"
eq "invalid UTF-8 in the line: exit 0" "$rc" 0
eq "invalid UTF-8: the replacements counted" "$(json "$T/utf.st" "j['invalid_utf8_replaced']")" 2
printf '{"id":"u","text":"caf\\ufffd \\ufffd"}\n' | "$SLUICE" tok -q --tokenizer gpt2 --format nanogpt -o "$T/b/utf"
check "invalid UTF-8: encoded as U+FFFD" cmp -s "$T/a/utf_00000.bin" "$T/b/utf_00000.bin"
head -c 2000 "$T/real.jsonl" | gzip -c | head -c 700 > "$T/trunc.jsonl.gz"
run "$SLUICE" tok --tokenizer gpt2 --format nanogpt -o "$T/a/trunc" "$T/trunc.jsonl.gz"
eq "truncated input: exit 0 (what was read is kept)" "$rc" 0
check "truncated input: said" has "$T/err" "truncated gzip stream"
check "truncated input: a verified set" "$SLUICE" shard verify "$T/a/trunc"
: > "$T/empty.jsonl"
run "$SLUICE" tok --tokenizer gpt2 --format megatron -o "$T/a/empty" "$T/empty.jsonl"
eq "empty input: exit 0" "$rc" 0
check "empty input: a complete, empty set" "$SLUICE" shard verify "$T/a/empty"
python3 -c 'import json; print(json.dumps({"id": "big", "text": "x" * 3000000}))' > "$T/big.jsonl"
run "$SLUICE" tok --tokenizer gpt2 --format nanogpt --max-doc-bytes 1M --stats "$T/big.st" -o "$T/a/big" "$T/big.jsonl"
eq "oversized document: exit 0" "$rc" 0
eq "oversized document: counted" "$(json "$T/big.st" "j['docs_unreadable']")" 1

# --- options
run "$SLUICE" tok --tokenizer gpt2 --format megatron "$T/bad.jsonl"
eq "--format without -o: usage" "$rc" 2
check "--format without -o: said" has "$T/err" "--format needs -o PREFIX"
run "$SLUICE" tok --tokenizer gpt2 --dtype uint16 "$T/bad.jsonl"
eq "--dtype without --format: usage" "$rc" 2
check "--dtype without --format: said" has "$T/err" "--dtype goes with --format"
run "$SLUICE" tok --tokenizer cl100k_base --format nanogpt --dtype uint16 -o "$T/a/x" "$T/bad.jsonl"
eq "ids past the dtype: usage" "$rc" 2
check "ids past the dtype: said" has "$T/err" "a vocabulary of 100277 ids does not fit in uint16"
run "$SLUICE" tok --tokenizer cl100k_base --format nanogpt --vocab-size 50000 -o "$T/a/x" "$T/bad.jsonl"
eq "--vocab-size below the tokenizer's: usage" "$rc" 2
check "--vocab-size below the tokenizer's: said" has "$T/err" "has ids up to 100276, more than --vocab-size holds"
run "$SLUICE" tok --tokenizer gpt2 --format parquet -o "$T/a/x" "$T/bad.jsonl"
eq "unknown format: usage" "$rc" 2
run "$SLUICE" tok --tokenizer no-such-vocabulary --format parquet -o "$T/a/x" "$T/bad.jsonl"
eq "unknown format: usage before the tokenizer is looked for" "$rc" 2
run "$SLUICE" tok --tokenizer gpt2 --shuffle-buckets 9 "$T/bad.jsonl"
check "--shuffle-buckets without --format: said" has "$T/err" "--shuffle-buckets goes with --format"
run "$SLUICE" tok --tokenizer gpt2 --format jsonl --annotate-only -o "$T/a/x" "$T/bad.jsonl"
eq "--annotate-only: usage" "$rc" 2
check "no set left by usage errors" sh -c "! ls '$T/a' | grep -q '^x'"
"$SLUICE" tok --help > "$T/help"
check "--help shows --format" has "$T/help" "--format=FORMAT"
check "--help shows an example" has "$T/help" "sluice tok --tokenizer gpt2 --eos --format megatron -o shards/web"

done_testing
