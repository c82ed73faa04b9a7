#!/usr/bin/env bash
# sluice dedup exact|minhash: kept sets against Python on real documents,
# duplicate_of, --normalize, the memory bound, MinHash signatures equal to
# the reference arithmetic (numpy), near-duplicate families against the LSH
# S-curve, and bad input.
. "$(dirname "$0")/lib.sh"
need_data
set -e
PY=/usr/bin/python3
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! $PY -c 'import numpy, regex, xxhash' 2>/dev/null; then
	echo "FAIL: Debian's python3-numpy, python3-regex and python3-xxhash are needed (tools/install-deps.sh)" >&2
	exit 1
fi
export SLUICE_SHARED_DATA="$DATA"

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
for f in "$DATA"/jsonl/dolma-*.jsonl.gz; do zcat "$f"; done > "$T/dolma.jsonl"
"$SLUICE" cat --add-id "$DATA"/jsonl/datajuicer-*.jsonl > "$T/dj.jsonl"
# UDHR in 533 languages: scripts, digits, diacritics, Greek sigma, Turkish I
$PY - "$DATA/langid/udhr_txt" "$T/udhr.jsonl" <<'PY'
import json, os, sys
d = sys.argv[1]
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    for n in sorted(os.listdir(d)):
        t = open(os.path.join(d, n), encoding='utf-8', errors='replace').read()
        f.write(json.dumps({'id': n, 'text': t}, ensure_ascii=False) + '\n')
    for i, t in enumerate(["ΟΔΟΣ ΟΔΟΣ. Σ ΑΣ İSTANBUL İi ǅ 1,5 ١٢٣ ₃ ² x y z",
                           "a \u0301 b \u0301\u0301 c d e f g\u0301 h\u2028i\u3000j",
                           "ﬁve words ＡＢＣ ﬀ ẞ ß ǰ ΐ 10,000.5 ١٫٥ ①②", "  ", ""]):
        f.write(json.dumps({'id': 'x%d' % i, 'text': t}, ensure_ascii=False) + '\n')
PY

# --- exact: the kept set is the first document of each distinct text
cat "$T/dolma.jsonl" "$T/dolma.jsonl" > "$T/twice.jsonl"
$PY - "$T/twice.jsonl" "$T/renamed.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], 'w') as f:
    for i, l in enumerate(open(sys.argv[1])):
        d = json.loads(l); d['id'] = 'copy%d' % i
        f.write(json.dumps(d) + '\n')
PY
want_exact() {
	$PY - "$@" <<'PY'
import json, sys
first, out = {}, []
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l)
    if d['text'] not in first:
        first[d['text']] = d['id']
    out.append('%s %s' % (d['id'], '-' if first[d['text']] == d['id'] else first[d['text']]))
print('\n'.join(out))
PY
}
ids_and_dups() {
	$PY -c "
import json, sys
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l); m = d.get('metadata', {})
    print(d['id'], m['duplicate_of'] if 'duplicate_of' in m else '-')" "$1"
}
run "$SLUICE" dedup exact --annotate-only --stats "$T/s.json" "$T/renamed.jsonl"
eq "exact exit" "$rc" 0
eq "exact: every duplicate names the first copy (annotate-only)" "$(ids_and_dups "$T/out")" "$(want_exact "$T/renamed.jsonl")"
kept=$(want_exact "$T/renamed.jsonl" | grep -c ' -$')
total=$(grep -c . "$T/renamed.jsonl")
run "$SLUICE" dedup exact --stats "$T/s.json" --rejects "$T/rej.jsonl" "$T/renamed.jsonl"
eq "exact: kept count" "$(grep -c . "$T/out")" "$kept"
eq "exact: distinct in stats" "$(json "$T/s.json" "j['distinct']")" "$kept"
eq "exact: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'] and j['docs_in'] == $total")" True
eq "exact: rejects carry the reason" "$(json "$T/s.json" "j['rejected_by']")" "{'exact_duplicate': $((total - kept))}"
check "exact: rejects name the stage" has "$T/rej.jsonl" '"rejected_by":"dedup:exact_duplicate"'
# numeric ids are recorded as numbers
printf '%s\n' '{"id":7,"text":"same"}' '{"id":"b","text":"same"}' > "$T/num.jsonl"
run "$SLUICE" dedup exact --annotate-only "$T/num.jsonl"
check "exact: numeric kept id" has "$T/out" '"duplicate_of":7'

# --- exact --normalize: case, punctuation, numbers and accents do not count
$PY - "$T/dolma.jsonl" "$T/variants.jsonl" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')][:50]
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    for d in docs:
        f.write(json.dumps(d, ensure_ascii=False) + '\n')
    for d in docs:
        t = d['text'].upper().replace('.', ' !! ').replace('e', 'é').replace('E', 'É')
        f.write(json.dumps({'id': d['id'] + '-v', 'text': '  ' + t + '\n'}, ensure_ascii=False) + '\n')
PY
head -50 "$T/variants.jsonl" > "$T/first50.jsonl"
d50=$(want_exact "$T/first50.jsonl" | grep -c ' -$')
dnorm=$($PY -c "
import json, sys
sys.path.insert(0, sys.argv[2])
from minhash_ref import simplify_text
print(len({simplify_text(json.loads(l)['text']) for l in open(sys.argv[1], encoding='utf-8')}))" "$T/variants.jsonl" "$HERE")
run "$SLUICE" dedup exact --stats "$T/s.json" "$T/variants.jsonl"
eq "without --normalize the variants stay" "$(json "$T/s.json" "j['docs_out']")" "$((d50 + 50))"
run "$SLUICE" dedup exact --normalize --stats "$T/s.json" "$T/variants.jsonl"
eq "--normalize keeps one per distinct simplify_text" "$(json "$T/s.json" "j['docs_out']")" "$dnorm"
check "--normalize removes most variants" test "$dnorm" -lt $((d50 + 25))

# --- the memory bound: a clear error, exit 1, no output file
run "$SLUICE" dedup exact --max-memory 16k -o "$T/never.jsonl" "$T/renamed.jsonl"
eq "max-memory exit" "$rc" 1
check "max-memory message" has "$T/err" "would exceed --max-memory"
check "max-memory: no output published" test ! -e "$T/never.jsonl"
run "$SLUICE" dedup minhash --max-memory 64k "$T/dolma.jsonl"
eq "minhash max-memory exit" "$rc" 1
check "minhash max-memory message" has "$T/err" "would exceed --max-memory"

# --- MinHash signatures bit-equal to datatrove's arithmetic (numpy)
for f in "$T/dolma.jsonl" "$T/dj.jsonl" "$T/udhr.jsonl"; do
	n=$(grep -c . "$f")
	"$SLUICE" dedup minhash -q --signatures "$T/sig.jsonl" "$f" > /dev/null
	eq "signatures equal numpy: $(basename "$f")" "$($PY "$HERE/minhash_ref.py" "$f" "$T/sig.jsonl" | awk '{print $1, $3, $4}')" "$n $n 0"
done
tail -150 "$T/udhr.jsonl" > "$T/udhr150.jsonl"
"$SLUICE" dedup minhash -q --shingle chars --hash sha1 --seed 42 --buckets 20 --rows 13 --signatures "$T/sig.jsonl" "$T/udhr150.jsonl" > /dev/null
eq "signatures equal numpy: 24-char shingles, sha1, seed 42, 20x13" \
	"$($PY "$HERE/minhash_ref.py" "$T/udhr150.jsonl" "$T/sig.jsonl" --shingle chars --ngram 24 --hash sha1 --seed 42 --buckets 20 --rows 13 | awk '{print $3, $4}')" "150 0"
"$SLUICE" dedup minhash -q --seed 4294967295 --signatures "$T/sig.jsonl" "$T/udhr150.jsonl" > /dev/null
eq "signatures equal numpy: the largest seed" \
	"$($PY "$HERE/minhash_ref.py" "$T/udhr150.jsonl" "$T/sig.jsonl" --seed 4294967295 | awk '{print $3, $4}')" "150 0"
run "$SLUICE" dedup minhash --seed 4294967296 "$T/udhr150.jsonl"
eq "seed out of numpy's range" "$rc:$(head -1 "$T/err")" "2:sluice dedup minhash: --seed must be an integer from 0 to 4294967295 (numpy's range), not '4294967296'"
"$SLUICE" dedup minhash -q --ngram 1 --seed 0 --signatures "$T/sig.jsonl" "$T/udhr150.jsonl" > /dev/null
eq "signatures equal numpy: 1-word shingles, seed 0" \
	"$($PY "$HERE/minhash_ref.py" "$T/udhr150.jsonl" "$T/sig.jsonl" --ngram 1 --seed 0 | awk '{print $3, $4}')" "150 0"

# --- MinHash dedup: duplicate_of, short documents kept, exact copies caught
cat "$T/dolma.jsonl" "$T/renamed.jsonl" > "$T/both.jsonl"
run "$SLUICE" dedup minhash --annotate-only --stats "$T/s.json" "$T/both.jsonl"
eq "minhash exit" "$rc" 0
eq "minhash: every renamed copy is flagged" "$($PY -c "
import json, sys
sys.path.insert(0, sys.argv[2])
from minhash_ref import simplify_text
n = 0
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l)
    if d['id'].startswith('copy') and len(simplify_text(d['text']).split()) >= 5 and 'duplicate_of' not in d.get('metadata', {}):
        n += 1
print(n)" "$T/out" "$HERE")" 0
eq "minhash: no_signature counts the short ones" "$(json "$T/s.json" "j['no_signature']")" "$($PY -c "
import json, sys
sys.path.insert(0, sys.argv[2])
from minhash_ref import simplify_text
print(sum(1 for l in open(sys.argv[1], encoding='utf-8') if len(simplify_text(json.loads(l)['text']).split()) < 5))" "$T/both.jsonl" "$HERE")"
eq "minhash: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True

# --- near-duplicate families against the S-curve
run $PY "$HERE/minhash_families.py" "$SLUICE" "$T/dolma.jsonl" "$T" --bases 120
eq "families within the S-curve" "$rc" 0
cat "$T/out"

# --- lines: whole outputs equal the Python reference of the same rules
for u in lines paragraphs; do
	for f in "$T/dolma.jsonl" "$T/udhr150.jsonl"; do
		"$SLUICE" dedup lines -q --unit $u --min-length 3 --rejects "$T/lrej.jsonl" "$f" > "$T/lout.jsonl"
		$PY "$HERE/lines_ref.py" "$f" --unit $u --min-length 3 > "$T/lwant.jsonl"
		eq "lines --unit $u equals the reference: $(basename "$f")" \
			"$($PY "$HERE/lines_cmp.py" "$T/lout.jsonl" "$T/lrej.jsonl" "$T/lwant.jsonl")" "$(grep -c . "$f") 0"
	done
done
run "$SLUICE" dedup lines --stats "$T/s.json" "$T/dolma.jsonl"
check "lines: real boilerplate lines are removed" test "$(json "$T/s.json" "j['units_removed']")" -gt 1000
eq "lines: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True
run "$SLUICE" dedup lines --annotate-only "$T/dolma.jsonl"
eq "lines --annotate-only leaves every text alone" "$($PY -c "
import json, sys
a = [json.loads(l)['text'] for l in open(sys.argv[1], encoding='utf-8')]
b = [json.loads(l)['text'] for l in open(sys.argv[2], encoding='utf-8')]
print(a == b)" "$T/out" "$T/dolma.jsonl")" True
# save, then load: two runs over halves give what one run over the whole does
head -350 "$T/dolma.jsonl" > "$T/h1.jsonl"
tail -n +351 "$T/dolma.jsonl" > "$T/h2.jsonl"
"$SLUICE" dedup lines -q "$T/dolma.jsonl" > "$T/whole.jsonl"
"$SLUICE" dedup lines -q --save "$T/set1" "$T/h1.jsonl" > "$T/p1.jsonl"
"$SLUICE" dedup lines -q --load "$T/set1" --save "$T/set2" "$T/h2.jsonl" > "$T/p2.jsonl"
check "lines: --save then --load continues the same dedup" sh -c "cat '$T/p1.jsonl' '$T/p2.jsonl' | cmp -s - '$T/whole.jsonl'"
check "lines: no temporary set files left" sh -c "! ls '$T' | grep -q 'set.*tmp-'"
run "$SLUICE" dedup lines --load "$T/set2" --stats "$T/s.json" "$T/dolma.jsonl"
eq "lines: a loaded set removes every recorded line" "$(json "$T/s.json" "j['distinct_units'] == $(json "$T/s.json" "j['distinct_units']") and j['units_removed'] > 0 and j['docs_out'] < 697")" True
head -c 1000 "$T/set2" > "$T/trunc.set"
run "$SLUICE" dedup lines --load "$T/trunc.set" "$T/num.jsonl"
eq "lines: truncated set exit" "$rc" 1
check "lines: truncated set message" has "$T/err" "cannot load '$T/trunc.set'"
printf 'not a set at all, just some text......\n' > "$T/junk.set"
run "$SLUICE" dedup lines --load "$T/junk.set" "$T/num.jsonl"
eq "lines: junk set" "$rc:$(cat "$T/err")" "1:sluice dedup lines: '$T/junk.set': not a sluice line set, or a damaged one"
run "$SLUICE" dedup lines --load "$T/no-such.set" "$T/num.jsonl"
eq "lines: missing set exit" "$rc" 1
run "$SLUICE" dedup lines --max-memory 16k "$T/dolma.jsonl"
eq "lines: max-memory exit" "$rc:$(grep -c 'would exceed --max-memory' "$T/err")" "1:1"
run "$SLUICE" dedup lines --unit words "$T/num.jsonl"
eq "lines: bad --unit" "$rc" 2

# --- bad input: counted, messages, conservation
printf '%s\n' '{"id":"a","text":"one two three four five six"}' '{"id":"b","text":"two"' \
	'{"id":"c","text":"one two three four five six"}' '{"id":"d"}' > "$T/bad.jsonl"
printf '{"id":"u","text":"caf\xe9 one two three four five six"}\n' >> "$T/bad.jsonl"
$PY -c "import json; print(json.dumps({'id': 'huge', 'text': 'w ' * 600000}))" >> "$T/bad.jsonl"
for kind in exact lines minhash; do
	run "$SLUICE" dedup $kind "$T/bad.jsonl"
	eq "$kind: malformed JSON fails" "$rc" 1
	check "$kind: message names the line" has "$T/err" "sluice dedup $kind: '$T/bad.jsonl': line 2: malformed JSON"
	run "$SLUICE" dedup $kind --on-error skip --max-doc-bytes 1M --stats "$T/s.json" "$T/bad.jsonl"
	eq "$kind: skip exit" "$rc" 0
	eq "$kind: kept" "$(cut -c1-12 "$T/out")" '{"id":"a","t
{"id":"u","t'
	eq "$kind: counts" "$(json "$T/s.json" "j['docs_in'], j['docs_out'], j['docs_rejected'], j['docs_unreadable'], j['invalid_utf8_replaced']")" "6 2 1 3 1"
	: > "$T/empty.jsonl"
	run "$SLUICE" dedup $kind "$T/empty.jsonl"
	eq "$kind: empty input" "$rc:$(wc -c < "$T/out")" "0:0"
	run "$SLUICE" dedup $kind - < "$DOLMA"
	eq "$kind: gzip on stdin" "$rc" 0
done
run "$SLUICE" dedup
eq "no kind: usage" "$rc" 2
run "$SLUICE" dedup fuzzy
eq "unknown kind" "$rc:$(cat "$T/err")" "2:sluice dedup: 'fuzzy' is not a kind of dedup (exact, lines, minhash); see 'sluice dedup --help'"
run "$SLUICE" dedup minhash --shingle bytes "$T/empty.jsonl"
eq "bad --shingle" "$rc:$(head -1 "$T/err")" "2:sluice dedup minhash: --shingle must be words or chars, not 'bytes'"
run "$SLUICE" dedup minhash --hash md5 "$T/empty.jsonl"
eq "bad --hash" "$rc" 2
run "$SLUICE" dedup minhash --buckets 0 "$T/empty.jsonl"
eq "bad --buckets" "$rc" 2
run "$SLUICE" dedup minhash --signatures /nonexistent-dir/s.jsonl "$T/num.jsonl"
eq "unwritable --signatures" "$rc" 1
run "$SLUICE" dedup exact --help
eq "help exit" "$rc" 0
check "help lists --normalize" has "$T/out" "--normalize"

done_testing
