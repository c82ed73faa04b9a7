#!/usr/bin/env bash
# sluice quality: per-rule rejection counts over the real documents (golden
# file, see tests/cli/quality-golden.sh), signals, rewriting, per-language
# configs, usage errors and bad input with conserved counts.
. "$(dirname "$0")/lib.sh"
need_data
set -e

# --- golden per-rule counts over ../shared/data/jsonl
SLUICE="$SLUICE" SLUICE_SHARED_DATA="$DATA" bash "$(dirname "$0")/quality-golden.sh" > "$T/counts.txt"
check "per-rule counts match tests/cli/golden/quality-counts.txt" \
	diff -u "$SLUICE_SOURCE_ROOT/tests/cli/golden/quality-counts.txt" "$T/counts.txt"

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"

# --- Python as the oracle for everything that does not depend on the word
# splitter: line/paragraph/character/punctuation signals of gopher,
# gopher-rep and fineweb, and C4's rewritten texts, over every real document
ORACLE="$(dirname "$0")/quality_oracle.py"
"$SLUICE" cat -q --add-id "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz > "$T/all.jsonl"
"$SLUICE" quality -q --rules gopher,gopher-rep,fineweb --signals --annotate-only "$T/all.jsonl" > "$T/sig.jsonl"
check "signals equal Python's over $(grep -c . "$T/all.jsonl") documents" \
	python3 "$ORACLE" signals "$T/all.jsonl" "$T/sig.jsonl" "$DATA/reference-datatrove-text.json"
python3 "$ORACLE" c4 "$T/all.jsonl" > "$T/c4.want"
"$SLUICE" quality -q --rules c4 --set c4.min_num_sentences=-1 --annotate-only "$T/all.jsonl" | python3 -c "
import json, sys
for l in sys.stdin:
    d = json.loads(l); r = d.get('metadata', {}).get('rejected_by', '')
    print(json.dumps('REJECT:' + r.split(':')[1] if r else d['text'], ensure_ascii=False))" > "$T/c4.got"
check "C4 rewrites every document as Python does" cmp -s "$T/c4.want" "$T/c4.got"
# --- conservation, --rejects, --annotate-only, --signals
run "$SLUICE" quality -q --rules gopher,c4 --stats "$T/s.json" --rejects "$T/rej.jsonl" "$DOLMA"
eq "exit 0" "$rc" 0
eq "conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'] and j['docs_in'] == 697")" True
eq "rejects file holds the rejected" "$(grep -c . "$T/rej.jsonl")" "$(json "$T/s.json" "j['docs_rejected']")"
eq "rejected_by names the rule" "$(python3 -c "import json,sys; print(sorted({json.loads(l)['metadata']['rejected_by'].split('_')[0] for l in open(sys.argv[1])}))" "$T/rej.jsonl")" "['quality:curly', 'quality:gopher', 'quality:too']"
eq "output valid" "$(valid_jsonl "$T/out")" "$(json "$T/s.json" "j['docs_out']")"
run "$SLUICE" quality -q --rules fineweb --signals --annotate-only "$DOLMA"
eq "annotate keeps all" "$(grep -c . "$T/out")" 697
eq "signals on every document" "$(python3 -c "
import json,sys
n=0
for l in open(sys.argv[1]):
    s=json.loads(l)['metadata']['quality_signals']
    n+= set(s) == {'line_punct_ratio','short_line_ratio','char_dup_ratio','list_ratio'} or s == {}
print(n)" "$T/out")" 697

# --- c4 rewrites the text
printf '%s\n' '{"id":"1","text":"Keep this first line.\nmenu home about\nAnother kept line here.\nPlease enable javascript now.\nThird good line here!\nFourth good line here?\nFifth good line here.\nSee our privacy policy here."}' > "$T/c4.jsonl"
run "$SLUICE" quality --rules c4 --stats "$T/s.json" "$T/c4.jsonl"
eq "c4 text" "$(python3 -c "import json,sys; print(repr(json.loads(open(sys.argv[1]).read())['text']))" "$T/out")" "'Keep this first line.\\nAnother kept line here.\\nThird good line here!\\nFourth good line here?\\nFifth good line here.'"
eq "rewritten counted" "$(json "$T/s.json" "j['texts_rewritten']")" 1
run "$SLUICE" quality --rules c4 --set c4.min_num_sentences=6 "$T/c4.jsonl"
eq "c4 too few sentences" "$(cat "$T/out")" ""

# --- --set overrides and usage errors
run "$SLUICE" quality -q --rules gopher --set gopher.min_doc_words=5 --set gopher.min_stop_words=none --set gopher.max_non_alpha_words_ratio=0 --stats "$T/s.json" "$DOLMA"
eq "--set changes decisions" "$(json "$T/s.json" "j['rejected_by'].get('gopher_short_doc', 0) < 165 and 'gopher_enough_stop_words' not in j['rejected_by']")" True
run "$SLUICE" quality --set gopher.nope=1 "$DOLMA"
eq "unknown key exit" "$rc" 2
check "unknown key message" has "$T/err" "sluice quality: --set: unknown threshold or bad value 'gopher.nope=1'"
run "$SLUICE" quality --set gopher.min_doc_words "$DOLMA"
eq "missing value exit" "$rc" 2
run "$SLUICE" quality --rules gopher,bogus "$DOLMA"
eq "unknown rule exit" "$rc" 2
check "unknown rule message" has "$T/err" "unknown rule set 'bogus'"
run "$SLUICE" quality --lang-config /nonexistent "$DOLMA"
eq "bad config dir" "$rc" 2

# --- per-language configs: French stop words from fra_Latn.yml
CFG="$DATA/filters/fineweb2_configs"
python3 - "$T/fr.jsonl" <<'PY'
import json, sys
text = " ".join(["le chat est dans la maison avec une souris et des fromages"] * 6)
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "fr", "text": text, "metadata": {"language": "fra_Latn"}}) + "\n")
    f.write(json.dumps({"id": "xx", "text": text, "metadata": {"language": "xxx_Zzzz"}}) + "\n")
PY
run "$SLUICE" quality --rules gopher --set gopher-rep.dup_line_frac=0.5 --stats "$T/s.json" "$T/fr.jsonl"
eq "English stop words reject French" "$(json "$T/s.json" "j['rejected_by']")" "{'gopher_enough_stop_words': 2}"
run "$SLUICE" quality --rules gopher --lang-config "$CFG" --stats "$T/s.json" "$T/fr.jsonl"
eq "fra_Latn stop words keep it" "$(json "$T/s.json" "(j['docs_out'], j['rejected_by'], j['lang_config_missing'])")" "(1, {'gopher_enough_stop_words': 1}, 1)"
# lid.176's labels ("fr", as sluice lang writes them) find FineWeb-2's
# files (fra_Latn.yml) too, straight from sluice lang
python3 - "$T/fr2.jsonl" <<'PY'
import json, sys
text = " ".join(["le chat est dans la maison avec une souris et des fromages"] * 6)
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"id": "fr", "text": text}) + "\n")
PY
"$SLUICE" lang -q --model "$DATA/langid/lid.176.ftz" --annotate-only "$T/fr2.jsonl" > "$T/fr2l.jsonl"
eq "sluice lang labels it fr" "$(json "$T/fr2l.jsonl" "j['metadata']['language']")" fr
run "$SLUICE" quality --rules gopher --lang-config "$CFG" --stats "$T/s.json" "$T/fr2l.jsonl"
eq "lid.176 label fr: fra_Latn's stop words keep it" "$(json "$T/s.json" "(j['docs_out'], j['lang_config_missing'])")" "(1, 0)"
# a file named by the label itself comes first
mkdir -p "$T/cfgfr" && printf 'stopwords:\n- "zzz"\n' > "$T/cfgfr/fr.yml" && cp "$CFG/fra_Latn.yml" "$T/cfgfr/"
run "$SLUICE" quality --rules gopher --lang-config "$T/cfgfr" --stats "$T/s.json" "$T/fr2l.jsonl"
eq "fr.yml before fra_Latn.yml" "$(json "$T/s.json" "j['rejected_by']")" "{'gopher_enough_stop_words': 1}"
# every name of the built-in table is a file of FineWeb-2's configs
missing=0
for name in $(sed -n 's/^\t{ "[a-z_]*", "\([a-zA-Z_]*\)" },$/\1/p' "$SLUICE_SOURCE_ROOT/filters/lid_fineweb2.h"); do
	[ -f "$CFG/$name.yml" ] || { missing=$((missing + 1)); echo "no $CFG/$name.yml"; }
done
eq "the lid.176 table names FineWeb-2 files" "$missing" 0
check "the table has most of lid.176's labels" test "$(grep -c '^	{ "' "$SLUICE_SOURCE_ROOT/filters/lid_fineweb2.h")" -ge 170
printf 'stopwords:\n- "\\xZZ"\n' > "$T/bad_Latn.yml"
printf '{"id":"1","text":"x","metadata":{"language":"bad_Latn"}}\n' > "$T/bad.jsonl"
run "$SLUICE" quality --lang-config "$T" "$T/bad.jsonl"
eq "broken config exit" "$rc" 1
check "broken config message" has "$T/err" "bad_Latn.yml': line 2:"

# --- bad input: malformed, empty, non-UTF-8, empty text
printf '%s\n' '{"id":"a","text":"one"}' '{"id":"b","text":' > "$T/bad.jsonl"
run "$SLUICE" quality "$T/bad.jsonl"
eq "malformed fails" "$rc" 1
check "malformed message" has "$T/err" "sluice quality: '$T/bad.jsonl': line 2: malformed JSON"
run "$SLUICE" quality --on-error skip --stats "$T/s.json" "$T/bad.jsonl"
eq "skip: conservation" "$(json "$T/s.json" "(j['docs_in'], j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'])")" "(2, 2)"
: > "$T/empty.jsonl"
run "$SLUICE" quality "$T/empty.jsonl"
eq "empty input" "$rc:$(cat "$T/out")" "0:"
printf '{"id":"u","text":"caf\xe9 \xff\xfe\\n\\n\\n"}\n{"id":"e","text":""}\n' > "$T/latin.jsonl"
run "$SLUICE" quality --signals --annotate-only "$T/latin.jsonl"
eq "non-UTF-8 and empty texts" "$rc" 0
eq "both annotated" "$(python3 -c "import json,sys; print([json.loads(l)['metadata']['rejected_by'] for l in open(sys.argv[1])])" "$T/out")" "['quality:gopher_short_doc', 'quality:gopher_short_doc']"
head -c 3000 "$DOLMA" > "$T/trunc.jsonl.gz"
run "$SLUICE" quality --stats "$T/s.json" "$T/trunc.jsonl.gz"
eq "truncated gzip: kept what was readable" "$rc" 0
check "truncated gzip: said so" has "$T/err" "truncated gzip stream"
eq "truncated: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True

done_testing
