#!/usr/bin/env bash
# --threads of sluice quality, blocklist, lang and classify (cmd/pmap.c;
# tok's is tok_threads.sh): the output, rejects, messages and --stats of 2
# and 8 threads equal one thread's on real documents, with more documents
# than the ring holds (1024): every rule set and every signal, C4's
# rewrites, per-language configs and word lists loaded by whichever thread
# meets a language first (533 UDHR texts labelled by sluice lang), a
# configuration or list that cannot be loaded in the middle of the input,
# language identification with --keep and --top-k, a pipe closed early.
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
{
	cat "$T/real.jsonl" "$T/udhr_l.jsonl"
	printf '%s\n' '{"id":"nt"}' 'not json' '{"id":"n5","text":5}' '{"id":"e","text":""}'
	cat "$T/real.jsonl"
} > "$T/many.jsonl"
check "more documents than the ring holds" test "$(grep -c . "$T/many.jsonl")" -gt 1024
check "UDHR texts in many languages" test "$(grep -o '"language":"[a-z]*"' "$T/udhr_l.jsonl" | sort -u | wc -l)" -gt 40

# one run per thread count; $1: a name, the rest: options; the --stats
# compared without the lines matching $SKIP
SKIP='"seconds"'
CMD=quality
same() {
	local name=$1 t
	shift
	for t in 1 2 8; do
		"$SLUICE" $CMD --threads $t --stats "$T/st$t.json" --rejects "$T/rj$t.jsonl" "$@" \
			> "$T/o$t" 2> "$T/e$t" || echo "exit $?" >> "$T/e$t"
		grep -v "$SKIP" "$T/st$t.json" > "$T/st$t"
	done
	check "$name: --threads 2 and 8 write the same bytes as one thread" \
		sh -c "cmp -s '$T/o1' '$T/o2' && cmp -s '$T/o1' '$T/o8'"
	check "$name: the same rejects" sh -c "cmp -s '$T/rj1.jsonl' '$T/rj2.jsonl' && cmp -s '$T/rj1.jsonl' '$T/rj8.jsonl'"
	check "$name: the same messages and exit" sh -c "cmp -s '$T/e1' '$T/e2' && cmp -s '$T/e1' '$T/e8'"
	check "$name: the same --stats" sh -c "cmp -s '$T/st1' '$T/st2' && cmp -s '$T/st1' '$T/st8'"
}

same "all four rule sets" --on-error skip "$T/many.jsonl"
check "some documents kept, some rejected" sh -c "test -s '$T/o8' && test -s '$T/rj8.jsonl'"
check "C4 rewrote texts" python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["texts_rewritten"] == 0)' "$T/st8.json"
same "--signals --annotate-only" --on-error skip --signals --annotate-only "$T/many.jsonl"
eq "every document out with its signals" "$(grep -c quality_signals "$T/o8")" "$(($(grep -c . "$T/many.jsonl") - 3))"
same "--lang-config" --on-error skip --lang-config "$CFG" --signals "$T/many.jsonl"
check "--lang-config: languages without a file counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["lang_config_missing"] == 0)' "$T/st8.json"

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
same "a broken configuration" --annotate-only --lang-config "$T/cfg" "$T/badcfg.jsonl"
eq "a broken configuration: exit 1" "$(tail -1 "$T/e8")" "exit 1"
eq "a broken configuration: the documents before it written" "$(grep -c . "$T/o8")" 1000
eq "a broken configuration: named once" "$(grep -c "bad_Latn.yml': line 2:" "$T/e8")" 1

# --- blocklist: word lists per language, URL lists
CMD=blocklist
SKIP='seconds"' # (and "load_seconds")
F="$DATA/filters"
same "blocklist --words DIR" --on-error skip --words "$F/ldnoobw" "$T/many.jsonl"
check "blocklist: some documents rejected" test -s "$T/rj8.jsonl"
check "blocklist: languages without a list counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["missing_badwords_lang"] == 0)' "$T/st8.json"
same "blocklist --max-fraction" --on-error skip --words "$F/ldnoobw/en" --max-matches 1 --max-fraction 0.001 "$T/many.jsonl"
same "blocklist --urls" --on-error skip --urls "$F/ut1_blacklists" --categories all --url-words "$F/datatrove-banned_words.txt" \
	--url-soft-words "$F/datatrove-soft_banned_words.txt" --url-subwords "$F/datatrove-banned_subwords.txt" "$T/many.jsonl"
check "blocklist --urls: documents without a URL counted" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["no_url"] == 0)' "$T/st8.json"
# a list that cannot be loaded (a word over 1024 bytes) after 1 000 documents
mkdir -p "$T/words"
cp "$F"/ldnoobw/* "$T/words/"
python3 -c 'print("x" * 2000)' > "$T/words/bad_Latn"
SKIP='seconds"\|"docs_in"\|"bytes_in"'
same "blocklist, a broken list" --annotate-only --words "$T/words" "$T/badcfg.jsonl"
eq "blocklist, a broken list: exit 1" "$(tail -1 "$T/e8")" "exit 1"
eq "blocklist, a broken list: the documents before it written" "$(grep -c . "$T/o8")" 1000
eq "blocklist, a broken list: named once" "$(grep -c "bad_Latn': line 1: a word of 2000 bytes" "$T/e8")" 1
# --- lang and classify (lid.176 as the classifier)
M="$DATA/langid/lid.176.ftz"
CMD=lang
SKIP='seconds"'
same "lang" --on-error skip --model "$M" "$T/many.jsonl"
check "lang: languages counted" grep -q '"fr": ' "$T/st8.json"
same "lang --keep --top-k" --on-error skip --model "$M" --keep en,fr,de --top-k 3 --min-score 0.3 "$T/many.jsonl"
check "lang --keep: other languages rejected" grep -q other_language "$T/rj8.jsonl"
CMD=classify
same "classify" --on-error skip --model "$M" --label de --min-score 0.2 "$T/many.jsonl"
check "classify: scores written" grep -q classifier_score "$T/o8"
CMD=quality

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
