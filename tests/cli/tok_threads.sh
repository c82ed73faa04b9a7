#!/usr/bin/env bash
# sluice tok --threads (cmd/pmap.c, the ordered parallel map): the output,
# messages and --stats of 2, 3 and 8 threads equal one thread's on real
# documents, with more documents than the ring holds (1024), lines that are
# not documents among them, documents past its 32 MB of raw JSON, and a
# pipe closed early.  Also run under ThreadSanitizer (tools/test.sh --tsan,
# suite "threads"), where any data race fails the run.
. "$(dirname "$0")/lib.sh"
need_data
set -e
export SLUICE_MODELS="$DATA/tokenizers"
HERE="$SLUICE_SOURCE_ROOT/tests/cli"

for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	"$SLUICE" cat -q --add-id "$f" >> "$T/real.jsonl"
done
python3 "$HERE/tok_corpus.py" edge "$T/edge.jsonl"
for i in 1 2; do
	cat "$T/real.jsonl" "$T/edge.jsonl"
	printf '%s\n' '{"id":"nt"}' 'not json' '{"id":"n5","text":5}'
done > "$T/many.jsonl"
ngood=$(( $(grep -c . "$T/real.jsonl") * 2 + $(grep -c . "$T/edge.jsonl") * 2 ))
check "more documents than the ring holds" test "$ngood" -gt 1024
# 43 MB of documents, past the ring's byte bound (not under ThreadSanitizer,
# where it costs a minute and the bound is the reading thread's alone)
nbig=9
[ "${SLUICE_SANITIZED:-}" != thread ] || nbig=0
python3 -c '
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "big%d" % i, "text": ("word%d " % i) * 800000}))' $nbig >> "$T/many.jsonl"
printf '%s\n' '{"id":"a","text":"Hello world"}' '{"id":"b","text":""}' >> "$T/many.jsonl"

for t in 1 2 8; do
	"$SLUICE" tok --on-error skip --tokenizer cl100k_base --eos --threads $t --stats "$T/st$t.json" \
		"$T/many.jsonl" > "$T/m$t" 2> "$T/e$t"
	grep -v '"seconds"' "$T/st$t.json" > "$T/st$t"
done
check "--threads 2 and 8 write the same bytes as one thread" sh -c "cmp -s '$T/m1' '$T/m2' && cmp -s '$T/m1' '$T/m8'"
check "--threads: the same messages" sh -c "cmp -s '$T/e1' '$T/e2' && cmp -s '$T/e1' '$T/e8'"
check "--threads: the same --stats" sh -c "cmp -s '$T/st1' '$T/st2' && cmp -s '$T/st1' '$T/st8'"
eq "--threads: every document out" "$(grep -c . "$T/m8")" "$((ngood + nbig + 2))"
eq "--threads: unreadable lines counted" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["docs_unreadable"])' "$T/st8.json")" 6
check "--threads: a line names the skipped input" has "$T/e8" "line $(grep -n '^not json$' "$T/many.jsonl" | head -1 | cut -d: -f1): malformed JSON"

# a Hugging Face vocabulary and o200k_base on 3 threads
head -400 "$T/real.jsonl" > "$T/few.jsonl"
for tk in llama3 o200k_base; do
	"$SLUICE" tok -q --tokenizer $tk --eos "$T/few.jsonl" > "$T/f1"
	"$SLUICE" tok -q --tokenizer $tk --eos --threads 3 "$T/few.jsonl" > "$T/f3"
	check "$tk --threads 3 writes the same bytes as one thread" cmp -s "$T/f1" "$T/f3"
done

# downstream goes away: exit 0, no message, no hang
cat "$T/real.jsonl" "$T/real.jsonl" > "$T/twice.jsonl"
"$SLUICE" tok -q --tokenizer cl100k_base --threads 4 "$T/twice.jsonl" 2> "$T/err" | head -1 > /dev/null
eq "--threads, output closed early: exit 0" "${PIPESTATUS[0]}" 0
eq "--threads, output closed early: no message" "$(cat "$T/err")" ""
# downstream goes away with a malformed line read ahead of it: still exit 0
# (within the 1024 documents read ahead)
head -500 "$T/real.jsonl" > "$T/late.jsonl"
echo 'broken' >> "$T/late.jsonl"
"$SLUICE" tok -q --tokenizer cl100k_base --threads 4 "$T/late.jsonl" 2> /dev/null | head -1 > /dev/null
eq "--threads, output closed before a bad line: exit 0" "${PIPESTATUS[0]}" 0
# no documents; fewer documents than threads
: > "$T/empty.jsonl"
run "$SLUICE" tok --tokenizer cl100k_base --threads 4 --stats "$T/se.json" "$T/empty.jsonl"
eq "--threads, empty input: exit 0" "$rc" 0
eq "--threads, empty input: no output" "$(wc -c < "$T/out")" 0
check "--threads, empty input: stats complete" grep -q '"complete": true' "$T/se.json"
head -2 "$T/real.jsonl" > "$T/two.jsonl"
"$SLUICE" tok -q --tokenizer cl100k_base "$T/two.jsonl" > "$T/two1"
"$SLUICE" tok -q --tokenizer cl100k_base --threads 8 "$T/two.jsonl" > "$T/two8"
check "--threads 8 on 2 documents: the same bytes" cmp -s "$T/two1" "$T/two8"
# a fatal input error: what came before it is handled as one thread does
printf '%s\n' '{"id":"a","text":"x"}' 'broken' '{"id":"c","text":"y"}' > "$T/bad.jsonl"
run "$SLUICE" tok --tokenizer cl100k_base --threads 3 "$T/bad.jsonl"
eq "--threads, malformed line: exit 1" "$rc" 1
check "--threads, malformed line: named" has "$T/err" "'$T/bad.jsonl': line 2: malformed JSON"
run "$SLUICE" tok --tokenizer cl100k_base --threads 0 "$T/bad.jsonl"
eq "--threads 0: usage error" "$rc" 2

done_testing
