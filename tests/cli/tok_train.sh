#!/usr/bin/env bash
# sluice tok train: the same vocabulary and merges as the npm `tokenizers`
# BpeTrainer on real web text; the trained vocabulary encodes identically
# through its rank file, its tokenizer.json in sluice, and that tokenizer.json
# in the npm package; bad input and usage.
. "$(dirname "$0")/lib.sh"
need_data
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
WEB="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
if [ -z "${SLUICE_NPM:-}" ]; then SLUICE_NPM="$SLUICE_SOURCE_ROOT/.cache/npm/node_modules"; fi
ref=0
if command -v node >/dev/null && [ -d "$SLUICE_NPM/tokenizers" ]; then
	export NODE_PATH="$SLUICE_NPM"
	ref=1
else
	echo "SKIP: npm tokenizers not installed (tools/npm-deps.sh): reference comparisons skipped" >&2
fi

# The corpus as the npm trainer reads a file: one sequence per line, "\n" kept.
python3 - "$WEB" "$T" <<'PY'
import gzip, json, sys
src, t = sys.argv[1], sys.argv[2]
lines = []
for l in gzip.open(src, "rt", encoding="utf-8"):
    lines += json.loads(l)["text"].replace("\r", "").splitlines(keepends=True)
lines = [x if x.endswith("\n") else x + "\n" for x in lines][:20000]
open(t + "/corpus.txt", "w", encoding="utf-8").write("".join(lines))
with open(t + "/corpus.jsonl", "w", encoding="utf-8") as f:
    for i, x in enumerate(lines):
        f.write(json.dumps({"id": str(i), "text": x}, ensure_ascii=False) + "\n")
PY

run "$SLUICE" tok train -q --alphabet seen --vocab-size 30000 "$T/corpus.jsonl" -o "$T/sl" --stats "$T/st.json"
eq "train: exit 0" "$rc" 0
check "writes the rank file, meta.json and tokenizer.json" test -s "$T/sl.tiktoken" -a -s "$T/sl.meta.json" -a -s "$T/sl-tokenizer.json"
if [ $ref = 1 ]; then
	node "$HERE/tok_train_ref.js" train "$T/corpus.txt" "$T/hf.json" 2>/dev/null
	eq "vocabulary and merges = npm tokenizers' BpeTrainer" "$(python3 - "$T/hf.json" "$T/sl-tokenizer.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["model"]
s = json.load(open(sys.argv[2]))["model"]
hm = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in h["merges"]]
sm = [tuple(m) for m in s["merges"]]
print(h["vocab"] == s["vocab"], hm == sm, len(sm) > 1000)
PY
)" "True True True"
fi

# --- a vocabulary for every text: all 256 bytes, cl100k's pattern, a special token
"$SLUICE" cat -q "$WEB" > "$T/web.jsonl"
python3 - "$DATA/langid/udhr_txt" "$T/udhr.jsonl" <<'PY'
import json, os, sys
d, out = sys.argv[1], sys.argv[2]
with open(out, "w", encoding="utf-8") as f:
    for n in sorted(os.listdir(d))[::7]:
        f.write(json.dumps({"id": n, "text": open(os.path.join(d, n), encoding="utf-8", errors="replace").read()}, ensure_ascii=False) + "\n")
PY
run "$SLUICE" tok train -q --vocab-size 3000 --pattern cl100k_base --special '<|endoftext|>' "$T/web.jsonl" -o "$T/v"
eq "train (cl100k pattern, all bytes): exit 0" "$rc" 0
eq "the special token is id 0 in meta.json" "$(json "$T/v.meta.json" 'j["special_tokens"]["<|endoftext|>"]')" 0
eq "3000 tokens" "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(len(t["model"]["vocab"]) + len(t["added_tokens"]))' "$T/v-tokenizer.json")" 3000
cat "$T/web.jsonl" "$T/udhr.jsonl" > "$T/docs.jsonl"
"$SLUICE" tok -q --tokenizer "$T/v.tiktoken" "$T/docs.jsonl" | python3 -c 'import json,sys; [print(json.dumps(json.loads(l)["tokens"], separators=(",", ":"))) for l in sys.stdin]' > "$T/a.ids"
"$SLUICE" tok -q --tokenizer "$T/v-tokenizer.json" "$T/docs.jsonl" | python3 -c 'import json,sys; [print(json.dumps(json.loads(l)["tokens"], separators=(",", ":"))) for l in sys.stdin]' > "$T/b.ids"
check "rank file and tokenizer.json encode every document the same" cmp "$T/a.ids" "$T/b.ids"
eq "every document encoded" "$(wc -l < "$T/a.ids")" "$(wc -l < "$T/docs.jsonl")"
if [ $ref = 1 ]; then
	node "$HERE/tok_train_ref.js" encode "$T/v-tokenizer.json" "$T/docs.jsonl" > "$T/c.ids"
	check "npm tokenizers loads the tokenizer.json and encodes the same ids" cmp "$T/b.ids" "$T/c.ids"
fi
run "$SLUICE" tok train -q --vocab-size 3000 --pattern cl100k_base --special '<|endoftext|>' "$T/web.jsonl" -o "$T/v2"
check "training is deterministic" cmp "$T/v.tiktoken" "$T/v2.tiktoken"

# --- bad input and usage
: > "$T/empty.jsonl"
run "$SLUICE" tok train -q --vocab-size 500 "$T/empty.jsonl" -o "$T/e"
eq "empty input: exit 1" "$rc" 1
check "says there is no text" has "$T/err" "no text to train on"
check "writes nothing" test ! -e "$T/e.tiktoken"
printf '{"id":"1","text":"caf\xe9 \xff abc abc abc"}\n{"id":"2","text":' > "$T/bad.jsonl"
run "$SLUICE" tok train -q --vocab-size 300 --on-error skip "$T/bad.jsonl" -o "$T/b" --stats "$T/bs.json"
eq "invalid UTF-8 and a truncated line: exit 0 with --on-error skip" "$rc" 0
eq "the truncated line is counted" "$(json "$T/bs.json" 'j["docs_unreadable"]')" 1
run "$SLUICE" tok train -q --vocab-size 300 --pattern '(' "$T/web.jsonl" -o "$T/x"
eq "a pattern that does not compile: usage error" "$rc" 2
run "$SLUICE" tok train -q --vocab-size 300 "$T/web.jsonl"
eq "no -o: usage error" "$rc" 2
run "$SLUICE" tok train -q -o "$T/x" "$T/web.jsonl"
eq "no --vocab-size: usage error" "$rc" 2
run "$SLUICE" tok train -q --vocab-size 300 --alphabet some -o "$T/x" "$T/web.jsonl"
eq "bad --alphabet: usage error" "$rc" 2
run "$SLUICE" tok train --help
eq "--help: exit 0" "$rc" 0

# --- no output may be an input
cp "$T/web.jsonl" "$T/in.tiktoken"
run "$SLUICE" tok train -q --vocab-size 300 "$T/in.tiktoken" -o "$T/in"
eq "an output is an input: usage error" "$rc" 2
check "an output is an input: named" has "$T/err" "-o '$T/in.tiktoken' is also an input"
check "an output is an input: the input is intact" cmp -s "$T/web.jsonl" "$T/in.tiktoken"

# --- the three files are published all or nothing, and a failure names the file
run "$SLUICE" tok train -q --vocab-size 300 "$T/web.jsonl" -o "$T/nodir/v"
eq "a missing directory: exit 1" "$rc" 1
check "a missing directory: the message names the file" has "$T/err" "cannot open '$T/nodir/v.tiktoken': No such file or directory"
mkdir "$T/p"
"$SLUICE" tok train -q --vocab-size 300 "$T/web.jsonl" -o "$T/p/v"
cp "$T/p/v.tiktoken" "$T/old.tiktoken"; cp "$T/p/v.meta.json" "$T/old.meta.json"; cp "$T/p/v-tokenizer.json" "$T/old-tokenizer.json"
unchanged() {   # the files of the first run, none replaced, no temporary left
	cmp -s "$T/p/v.tiktoken" "$T/old.tiktoken" && cmp -s "$T/p/v-tokenizer.json" "$T/old-tokenizer.json" &&
		[ -z "$(find "$T/p" -name '*.tmp-*')" ] && { [ ! -f "$T/p/v.meta.json" ] || cmp -s "$T/p/v.meta.json" "$T/old.meta.json"; }
}
# the last file cannot be written (a directory in its place)
mv "$T/p/v-tokenizer.json" "$T/p/keep.json"; mkdir "$T/p/v-tokenizer.json"
run "$SLUICE" tok train -q --vocab-size 400 "$T/web.jsonl" -o "$T/p/v"
eq "tokenizer.json cannot be written: exit 1" "$rc" 1
check "tokenizer.json cannot be written: the message names it" has "$T/err" "cannot write '$T/p/v-tokenizer.json'"
rmdir "$T/p/v-tokenizer.json"; mv "$T/p/keep.json" "$T/p/v-tokenizer.json"
check "tokenizer.json cannot be written: nothing replaced" unchanged
# the second file fails on a full device (a copy of /dev/full, never the real one)
rm "$T/p/v.meta.json"
if mknod "$T/p/v.meta.json" c 1 7 2>/dev/null && [ -c "$T/p/v.meta.json" ]; then
	run "$SLUICE" tok train -q --vocab-size 400 "$T/web.jsonl" -o "$T/p/v"
	eq "meta.json on a full device: exit 1" "$rc" 1
	check "meta.json on a full device: the message names it" has "$T/err" "cannot write '$T/p/v.meta.json'"
	check "meta.json on a full device: nothing replaced" unchanged
	check "meta.json on a full device: still a device" test -c "$T/p/v.meta.json"
	rm "$T/p/v.meta.json"
else
	echo "SKIP: cannot create a device node (not root?): the full-device case" >&2
fi
run "$SLUICE" tok train -q --vocab-size 400 "$T/web.jsonl" -o "$T/p/v"
eq "then a run that succeeds: exit 0" "$rc" 0
check "then a run that succeeds: all three replaced" sh -c "! cmp -s '$T/p/v.tiktoken' '$T/old.tiktoken' && ! cmp -s '$T/p/v-tokenizer.json' '$T/old-tokenizer.json' && test -s '$T/p/v.meta.json'"
check "then a run that succeeds: no temporary left" test -z "$(find "$T/p" -name '*.tmp-*')"
# through a symlink: the file it points at is replaced, the link stays
ln -s v.tiktoken "$T/p/w.tiktoken"
run "$SLUICE" tok train -q --vocab-size 300 "$T/web.jsonl" -o "$T/p/w"
check "a symlinked output: the link stays and its target holds the new file" \
	sh -c "test -L '$T/p/w.tiktoken' && cmp -s '$T/p/v.tiktoken' '$T/old.tiktoken'"

done_testing
