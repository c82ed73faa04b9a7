#!/usr/bin/env bash
# sluice stats --numbers: the distribution of sluice quality's --signals on
# real documents against exact nearest-rank quantiles computed in Python
# (within the sketch's 1%; count, min and max exact); two halves merged
# with --merge against the whole; numbers that are not there, not numbers
# or not finite; sketches of another accuracy refused by --merge.
. "$(dirname "$0")/lib.sh"
need_data
set -e
zcat "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" > "$T/d.jsonl"
"$SLUICE" quality -q --signals --annotate-only "$T/d.jsonl" > "$T/q.jsonl"
head -300 "$T/q.jsonl" > "$T/a.jsonl"
tail -n +301 "$T/q.jsonl" > "$T/b.jsonl"
N=metadata.quality_signals
run "$SLUICE" stats -q --numbers $N "$T/q.jsonl"
eq "signals: exit" "$rc" 0
cp "$T/out" "$T/all.json"

# against Python: every signal, every quantile
eq "signals against exact quantiles" "$(python3 - "$T/q.jsonl" "$T/all.json" <<'PY'
import json, math, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
st = json.load(open(sys.argv[2]))['numbers']
bad, nq = [], 0
names = set()
for d in docs:
    names |= set(d['metadata'].get('quality_signals', {}))
if set(k.split('.', 2)[2] for k in st) != names:
    bad.append('paths')
for path, s in st.items():
    key = path.split('.', 2)[2]
    xs = sorted(d['metadata']['quality_signals'][key] for d in docs
                if isinstance(d['metadata'].get('quality_signals', {}).get(key), (int, float)))
    if (s['count'], s['other'], s['absent']) != (len(xs), 0, len(docs) - len(xs)):
        bad.append(path + ' counts')
    if s['min'] != xs[0] or s['max'] != xs[-1] or abs(s['mean'] - sum(xs) / len(xs)) > 1e-5 * max(1, abs(s['mean'])):
        bad.append(path + ' min/max/mean')
    for q, v in s['quantiles'].items():
        exact = xs[max(1, math.ceil(float(q[1:]) / 100 * len(xs))) - 1]
        nq += 1
        if abs(v - exact) > 0.01 * abs(exact) + 1e-12:
            bad.append(f'{path} {q} {v} {exact}')
print(len(st) >= 20, nq, bad)
PY
)" "True $(( $(json "$T/all.json" "len(j['numbers'])") * 9 )) []"

# same_summaries A B [GROUP-FIELD]: the summaries of two stats outputs
# agree (to the 6 significant digits printed): prints "True []"
cat > "$T/same.py" <<'PY'
import json, sys
def groups(path):
    j = json.load(open(path))
    if len(sys.argv) > 3:
        return j['numbers_by'][sys.argv[3]]
    return {'': dict(j['numbers'], docs=j['docs'])}
a, m = groups(sys.argv[1]), groups(sys.argv[2])
close = lambda x, y: abs(x - y) <= 1e-5 * max(abs(x), abs(y)) + 1e-9
bad = []
for g, ga in a.items():
    gm = m[g]
    if ga['docs'] != gm['docs'] or sorted(ga) != sorted(gm):
        bad.append(f'{g} docs or paths')
        continue
    for path, s in ga.items():
        if path == 'docs':
            continue
        t = gm[path]
        for k in ('count', 'other', 'absent', 'min', 'max', 'mean'):
            if not close(s[k], t[k]):
                bad.append(f'{g} {path} {k} {s[k]} {t[k]}')
        for q in s['quantiles']:
            if not close(s['quantiles'][q], t['quantiles'][q]):
                bad.append(f'{g} {path} {q}')
print(sorted(a) == sorted(m), bad)
PY
same_summaries() { python3 "$T/same.py" "$@"; }

# two halves, merged: the whole's counts, extremes and quantiles
"$SLUICE" stats -q --numbers $N "$T/a.jsonl" > "$T/sa.json"
"$SLUICE" stats -q --numbers $N "$T/b.jsonl" > "$T/sb.json"
run "$SLUICE" stats --merge "$T/sa.json" "$T/sb.json"
eq "halves merged: exit" "$rc" 0
eq "halves merged = whole" "$(same_summaries "$T/all.json" "$T/out")" "True []"

# --group-by: per language (lid.176 on the Dolma sample and the UDHR texts),
# each group against Python; halves merged against the whole
python3 - "$DATA/langid/udhr_txt" "$T/udhr.jsonl" <<'PY'
import glob, json, sys
with open(sys.argv[2], 'w') as f:
    for i, p in enumerate(sorted(glob.glob(sys.argv[1] + '/*.txt'))):
        f.write(json.dumps({'id': 'u%d' % i, 'text': open(p, encoding='utf-8', errors='replace').read()}) + '\n')
PY
cat "$T/d.jsonl" "$T/udhr.jsonl" | "$SLUICE" lang -q --annotate-only | "$SLUICE" quality -q --signals --annotate-only > "$T/ml.jsonl"
printf '%s\n' '{"id": "x", "text": "no language here", "metadata": {"quality_signals": {"gopher_words": 3}}}' >> "$T/ml.jsonl"
run "$SLUICE" stats -q --numbers $N --group-by metadata.language "$T/ml.jsonl"
eq "grouped: exit" "$rc" 0
eq "grouped against exact quantiles" "$(python3 - "$T/ml.jsonl" "$T/out" <<'PY'
import collections, json, math, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
g = json.load(open(sys.argv[2]))['numbers_by']['metadata.language']
by = collections.defaultdict(list)
for d in docs:
    by[d['metadata'].get('language', '(none)')].append(d)
bad, nq = [], 0
if sorted(g) != sorted(by) or list(g)[0] != max(by, key=lambda k: len(by[k])):
    bad.append('groups')
for lang, ds in by.items():
    if g[lang]['docs'] != len(ds):
        bad.append(lang + ' docs')
    for path, s in g[lang].items():
        if path == 'docs':
            continue
        key = path.split('.', 2)[2]
        xs = sorted(d['metadata']['quality_signals'][key] for d in ds if key in d['metadata'].get('quality_signals', {}))
        if (s['count'], s['absent']) != (len(xs), len(ds) - len(xs)) or s['min'] != xs[0] or s['max'] != xs[-1]:
            bad.append(f'{lang} {path}')
        for q, v in s['quantiles'].items():
            exact = xs[max(1, math.ceil(float(q[1:]) / 100 * len(xs))) - 1]
            nq += 1
            if abs(v - exact) > 0.01 * abs(exact) + 1e-12:
                bad.append(f'{lang} {path} {q}')
print(len(g) > 20, g['(none)']['docs'], nq > 5000, bad)
PY
)" "True 1 True []"
head -700 "$T/ml.jsonl" > "$T/m1.jsonl"
tail -n +701 "$T/ml.jsonl" > "$T/m2.jsonl"
"$SLUICE" stats -q --numbers $N --group-by metadata.language "$T/m1.jsonl" > "$T/g1.json"
"$SLUICE" stats -q --numbers $N --group-by metadata.language "$T/m2.jsonl" > "$T/g2.json"
run "$SLUICE" stats --merge "$T/g1.json" "$T/g2.json"
cp "$T/out" "$T/gm.json"
run "$SLUICE" stats -q --numbers $N --group-by metadata.language "$T/ml.jsonl"
eq "grouped halves merged = whole" "$(same_summaries "$T/out" "$T/gm.json" metadata.language)" "True []"
run "$SLUICE" stats -q --group-by metadata.language "$T/ml.jsonl"
eq "--group-by without --numbers" "$rc:$(head -1 "$T/err")" \
	"2:sluice stats: --group-by needs --numbers (the numbers to summarize per group)"

# not there, not numbers, not finite; a number straight at the path; negatives
cat > "$T/odd.jsonl" <<'EOF'
{"id": "1", "text": "a", "metadata": {"s": {"x": 1, "y": "2"}, "n": 5}}
{"id": "2", "text": "b", "metadata": {"s": {"x": null, "z": -3.5}, "n": "five"}}
{"id": "3", "text": "c", "metadata": {"s": {"x": 1e400, "z": -0.0}}}
{"id": "4", "text": "d", "metadata": {"s": 7, "n": -2}}
{"id": "5", "text": "e"}
EOF
run "$SLUICE" stats -q --numbers metadata.s --numbers metadata.n "$T/odd.jsonl"
eq "odd numbers: exit" "$rc" 0
eq "odd numbers" "$(json "$T/out" "[(k, v['count'], v['other'], v['absent'], v.get('min'), v.get('max')) for k, v in j['numbers'].items()]")" \
	"[('metadata.s.x', 1, 2, 2, 1, 1), ('metadata.s.y', 0, 1, 4, None, None), ('metadata.n', 2, 1, 2, -2, 5), ('metadata.s.z', 2, 0, 3, -3.5, 0), ('metadata.s', 1, 0, 4, 7, 7)]"
eq "odd numbers: quantiles" "$(json "$T/out" "[abs(j['numbers']['metadata.s.z']['quantiles'][q] - w) <= 0.035 for q, w in (('p1', -3.5), ('p50', -3.5), ('p99', 0))]")" \
	"[True, True, True]"

# a member's key with escapes: decoded in the path, matched as written
printf '%s\n' '{"id": "1", "text": "a", "metadata": {"s": {"caf\u00e9": 1, "q\"t": 2}}}' \
	'{"id": "2", "text": "b", "metadata": {"s": {"caf\u00e9": 3}}}' > "$T/esc.jsonl"
run "$SLUICE" stats -q --numbers metadata.s "$T/esc.jsonl"
eq "escaped keys" "$rc:$(json "$T/out" "[(k, v['count'], v['max']) for k, v in j['numbers'].items()]")" \
	"0:[('metadata.s.café', 2, 3), ('metadata.s.q\"t', 1, 2)]"

# an object with ever new keys: 10,000 summaries, the other values counted
python3 -c '
import json
for d in range(3):
    print(json.dumps({"id": str(d), "text": "x", "metadata": {"s": {"k%d_%d" % (d, i): i for i in range(6000)}}}))
' > "$T/many.jsonl"
run "$SLUICE" stats -q --numbers metadata.s "$T/many.jsonl"
eq "many keys" "$rc:$(json "$T/out" "(len(j['numbers']), j['numbers_skipped'])")" "0:(10000, 8000)"

# empty input: no numbers
run "$SLUICE" stats -q --numbers $N /dev/null
eq "empty input" "$rc:$(json "$T/out" "j['numbers']")" "0:{}"

# a sketch of another accuracy (another build's) does not merge
python3 - "$T/sa.json" "$T/other.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for s in j['numbers'].values():
    s['sketch']['relative_accuracy'] = 0.02
json.dump(j, open(sys.argv[2], 'w'))
PY
run "$SLUICE" stats --merge "$T/sa.json" "$T/other.json"
eq "other accuracy: exit" "$rc:$(wc -c < "$T/out")" "1:0"
eq "other accuracy: message" "$(cat "$T/err")" \
	"sluice stats: '$T/other.json': sketches of different relative accuracy cannot be merged"
done_testing
