#!/usr/bin/env bash
# --threads N against one thread for the per-document stages that take it
# (quality, blocklist, lang, ppl, dedup minhash, pii), on the same real web text
# (Dolma's CommonCrawl sample repeated), in one run, interleaved ROUNDS times.
# Prints median wall and CPU seconds and the wall-time speed-up; the outputs
# of the two are compared byte for byte.  Nothing here runs in the tests.
#
#   bench/threads.sh [BUILD_DIR]     (default: build; ROUNDS=5 REPEAT=20,
#                                     THREADS=the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
F="$DATA/filters"
O=bench/out
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-20}
N=${THREADS:-$(nproc)}
mkdir -p "$O"
if [ ! -f "$O/quality-$REPEAT.jsonl" ]; then
	zcat "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" > "$O/dolma.jsonl"
	for _ in $(seq "$REPEAT"); do cat "$O/dolma.jsonl"; done > "$O/quality-$REPEAT.jsonl"
fi
IN="$O/quality-$REPEAT.jsonl"
python3 - "$ROUNDS" "$IN" "$N" "$O" \
	"quality, all four rule sets|$S quality -q $IN" \
	"blocklist, LDNOOBW + UT1 all|$S blocklist -q --words $F/ldnoobw --urls $F/ut1_blacklists --categories all $IN" \
	"lang, lid.176|$S lang -q --model $DATA/langid/lid.176.ftz --annotate-only $IN" \
	"ppl, default model, buckets|$S ppl -q --buckets head:300,middle:600 $IN" \
	"dedup minhash|$S dedup minhash -q $IN" \
	"pii, all detectors|$S pii -q $IN" \
	<<'PY'
import hashlib, os, resource, statistics, subprocess, sys, time
rounds, path, n, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
cmds = [a.split("|", 1) for a in sys.argv[5:]]
size = os.path.getsize(path)
runs = [(name, t, f"{c} --threads {t}") for name, c in cmds for t in (1, n)]
wall = {r[:2]: [] for r in runs}
cpu = {r[:2]: [] for r in runs}
digest = {}
for _ in range(rounds):
    for name, t, c in runs:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(c, shell=True, check=True, stdout=subprocess.PIPE)
        wall[name, t].append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name, t].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        digest.setdefault((name, t), set()).add(hashlib.sha256(p.stdout).hexdigest())
print(f"input: {path} ({size / 1e6:.0f} MB), {os.cpu_count()} cores, median of {rounds} interleaved runs")
print(f"  {'stage':<32} {'threads':>7} {'wall s':>7} {'MB/s':>7} {'cpu s':>7} {'speed-up':>8}  output")
for name, _ in cmds:
    w1 = statistics.median(wall[name, 1])
    for t in (1, n):
        w, c = statistics.median(wall[name, t]), statistics.median(cpu[name, t])
        same = "same" if digest[name, t] == digest[name, 1] and len(digest[name, t]) == 1 else "DIFFERS"
        print(f"  {name:<32} {t:>7} {w:7.3f} {size / w / 1e6:7.1f} {c:7.3f} {w1 / w:7.2f}x  {same}")
PY
