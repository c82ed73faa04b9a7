#!/usr/bin/env bash
# sluice decontam: the removed set equals a Python reference of the n-gram
# rule on real documents; contaminated_by names an overlapping evaluation
# document; bad evaluation files and usage errors.
. "$(dirname "$0")/lib.sh"
need_data
set -e
PY=/usr/bin/python3
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! $PY -c 'import regex' 2>/dev/null; then
	echo "FAIL: Debian's python3-regex is needed (tools/install-deps.sh)" >&2
	exit 1
fi
export SLUICE_SHARED_DATA="$DATA"
for f in "$DATA"/jsonl/dolma-*.jsonl.gz; do zcat "$f"; done > "$T/docs.jsonl"
# evaluation items: 40-word windows of 25 real documents, reworded a little
# (case, punctuation), one too short, one without an id
$PY - "$T/docs.jsonl" "$T/eval.jsonl" <<'PY'
import json, random, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
rng = random.Random(7)
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    for i, d in enumerate(rng.sample([d for d in docs if len(d['text'].split()) > 80], 25)):
        w = d['text'].split()
        s = rng.randrange(len(w) - 40)
        f.write(json.dumps({'id': 'eval-%d' % i, 'text': ' '.join(w[s:s + 40]).upper().replace(',', ' ;')}, ensure_ascii=False) + '\n')
    f.write(json.dumps({'id': 'short', 'text': 'only a few words'}) + '\n')
    f.write(json.dumps({'text': 'an evaluation item without an id but with more than thirteen words in it for sure'}) + '\n')
PY
$PY - "$T/docs.jsonl" >> "$T/docs.jsonl" <<'PY'
import json, sys
print(json.dumps({'id': 'has-noid-item', 'text': 'prefix words then AN EVALUATION ITEM without an id, but with more than thirteen words in it for sure. suffix'}))
PY

run "$SLUICE" decontam --against "$T/eval.jsonl" --stats "$T/s.json" --rejects "$T/rej.jsonl" "$T/docs.jsonl"
eq "decontam exit" "$rc" 0
eq "removed set equals the reference" "$($PY - "$T/docs.jsonl" "$T/eval.jsonl" "$T/rej.jsonl" "$HERE" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
from minhash_ref import simplify_text
def grams(t):
    w = simplify_text(t).split()
    return {" ".join(w[i:i + 13]) for i in range(len(w) - 12)}
ev = {}
for n, l in enumerate(open(sys.argv[2], encoding='utf-8'), 1):
    d = json.loads(l)
    ev[json.dumps(d.get('id', 'line %d' % n))] = grams(d['text'])
allg = set().union(*ev.values())
want = {d['id'] for d in map(json.loads, open(sys.argv[1], encoding='utf-8')) if grams(d['text']) & allg}
got, bad = set(), 0
for l in open(sys.argv[3], encoding='utf-8'):
    d = json.loads(l)
    got.add(d['id'])
    by = json.dumps(d['metadata']['contaminated_by'])
    if not (grams(d['text']) & ev.get(by, set())):
        bad += 1
print(len(want) > 20, got == want, bad)
PY
)" "True True 0"
eq "counts" "$(json "$T/s.json" "j['eval_docs'], j['eval_too_short'], j['docs_in'] == j['docs_out'] + j['docs_rejected'], j['rejected_by']['contaminated'] == j['docs_rejected']")" "27 1 True True"
check "an item without an id is named by its line" has "$T/rej.jsonl" '"contaminated_by":"line 27"'
run "$SLUICE" decontam --annotate-only --against "$T/eval.jsonl" "$T/docs.jsonl"
eq "annotate-only keeps all" "$(grep -c . "$T/out")" "$(grep -c . "$T/docs.jsonl")"
run "$SLUICE" decontam --ngram 50 --against "$T/eval.jsonl" --stats "$T/s.json" "$T/docs.jsonl"
eq "--ngram longer than every item: nothing matches" "$(json "$T/s.json" "j['docs_rejected'], j['eval_too_short']")" "0 27"

# --- bad input
run "$SLUICE" decontam "$T/docs.jsonl"
eq "no --against" "$rc:$(head -1 "$T/err")" "2:sluice decontam: --against EVAL.jsonl is required"
run "$SLUICE" decontam --against "$T/none.jsonl" "$T/docs.jsonl"
eq "missing eval file" "$rc:$(cat "$T/err")" "1:sluice decontam: cannot open '$T/none.jsonl': No such file or directory"
printf '%s\n' '{"id":"a","text":"fine"}' '{"id":"b","text":' > "$T/badeval.jsonl"
run "$SLUICE" decontam --against "$T/badeval.jsonl" -o "$T/never.jsonl" "$T/docs.jsonl"
eq "malformed eval exit" "$rc" 1
check "malformed eval message" has "$T/err" "'$T/badeval.jsonl': line 2: not an evaluation document"
check "no output on failure" test ! -e "$T/never.jsonl"
run "$SLUICE" decontam --against "$T/eval.jsonl" --max-memory 1k "$T/docs.jsonl"
eq "max-memory" "$rc:$(grep -c 'would exceed --max-memory' "$T/err")" "1:1"
printf '%s\n' '{"id":"a","text":"x"}' 'garbage' > "$T/bad.jsonl"
run "$SLUICE" decontam --on-error skip --against "$T/eval.jsonl" --stats "$T/s.json" "$T/bad.jsonl"
eq "bad training line skipped and counted" "$rc:$(json "$T/s.json" "j['docs_in'], j['docs_out'], j['docs_unreadable']")" "0:2 1 1"
: > "$T/empty.jsonl"
run "$SLUICE" decontam --against "$T/empty.jsonl" "$T/bad.jsonl" --on-error skip
eq "empty eval set: nothing removed" "$rc:$(grep -c . "$T/out")" "0:1"

done_testing
