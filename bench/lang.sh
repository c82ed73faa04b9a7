#!/usr/bin/env bash
# sluice lang against `fasttext predict-prob` (Debian's fastText 0.9.2): the
# same model (lid.176.ftz) on the same documents, one thread each, in one
# run, interleaved ROUNDS times; prints median seconds, documents per second
# and the ratio.  Nothing here runs in the tests.
#
#   bench/lang.sh [BUILD_DIR]       (default: build)
#
# Input: the Dolma CommonCrawl sample (697 real web documents) repeated to
# REPEAT copies; for fasttext each document is one line, newlines as spaces
# (what datatrove feeds it); sluice reads the JSONL itself and writes the
# annotated documents, so it does more work than fasttext, not less.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
MODEL=${MODEL:-$DATA/langid/lid.176.ftz}
O=bench/out
ROUNDS=${ROUNDS:-7}
REPEAT=${REPEAT:-20}
mkdir -p "$O"
command -v fasttext >/dev/null || { echo "bench/lang.sh: apt-get install fasttext" >&2; exit 1; }

python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$O/lang.jsonl" "$O/lang.txt" "$REPEAT" <<'PY'
import gzip, json, sys
src, jl, txt, rep = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lines = gzip.open(src, 'rb').read().decode('utf-8').split('\n')
docs = [json.loads(l) for l in lines if l.strip()]
with open(jl, 'w', encoding='utf-8') as a, open(txt, 'wb') as b:
    for r in range(rep):
        for d in docs:
            a.write(json.dumps({'id': '%s-%d' % (d['id'], r), 'text': d['text']}, ensure_ascii=False) + '\n')
            b.write(d['text'].replace('\n', ' ').encode('utf-8') + b'\n')
PY

python3 - "$ROUNDS" "$S" "$MODEL" "$O" <<'PY'
import os, resource, statistics, subprocess, sys, time
rounds, S, M, O = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ndocs = sum(1 for _ in open(O + '/lang.txt', 'rb'))
size = os.path.getsize(O + '/lang.txt')
pairs = [
    ('fasttext predict-prob (k=1)', f"fasttext predict-prob {M} {O}/lang.txt 1"),
    ('sluice lang --annotate-only', f"{S} lang -q --model {M} --annotate-only {O}/lang.jsonl"),
    ('sluice lang --keep en', f"{S} lang -q --model {M} --keep en {O}/lang.jsonl"),
    ('fasttext predict-prob (k=-1)', f"fasttext predict-prob {M} {O}/lang.txt -1"),
    ('sluice lang --top-k 176', f"{S} lang -q --model {M} --top-k 176 --annotate-only {O}/lang.jsonl"),
]
# wall seconds, and CPU seconds (user + system: steadier on a shared machine)
times = {n: [] for n, _ in pairs}
cpu = {n: [] for n, _ in pairs}
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
for _ in range(rounds):
    for n, cmd in pairs:
        t0, c0 = time.perf_counter(), used()
        subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
        times[n].append(time.perf_counter() - t0)
        cpu[n].append(used() - c0)
print(f"language ID, lid.176.ftz, {ndocs} documents ({size / 1e6:.0f} MB of text), median of {rounds}")
for label, tt in (('wall', times), ('cpu', cpu)):
    med = {n: statistics.median(t) for n, t in tt.items()}
    for n, _ in pairs:
        base = pairs[3][0] if 'k=-1' in n or 'top-k' in n else pairs[0][0]
        print(f"  {label:<4} {n:<30} {med[n]:7.3f} s  {ndocs / med[n]:9.0f} docs/s  {size / med[n] / 1e6:6.1f} MB/s"
              + ("" if n == base else f"  x{med[base] / med[n]:.2f} vs {base}"))
PY
