#!/usr/bin/env bash
# sluice dedup against datatrove's MinHash arithmetic (numpy), same data,
# same run, one core:
#   1. signatures/s: bench/minhash_bench (C) vs bench/minhash_numpy.py, over
#      the Dolma sample held in memory (whole path and kernel only);
#   2. `sluice dedup minhash` / `exact` streaming MB/s over Dolma x8.
# Times are CPU seconds (the machines here are shared), medians of ROUNDS.
#
#   bench/dedup.sh [BUILD_DIR]      (needs python3-numpy/-regex/-xxhash)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
DATA=${SLUICE_SHARED_DATA:-../shared/data}
export SLUICE_SHARED_DATA=$DATA
O=bench/out
ROUNDS=${ROUNDS:-3}
mkdir -p "$O"
ninja -C "$B" bench/minhash_bench >/dev/null
if [ ! -f "$O/dolma-all.jsonl" ]; then
	for f in "$DATA"/jsonl/dolma-*.jsonl.gz; do zcat "$f"; done > "$O/dolma-all.jsonl"
	for _ in $(seq 8); do cat "$O/dolma-all.jsonl"; done > "$O/dolma8.jsonl"
fi

/usr/bin/python3 - "$ROUNDS" "$B" "$O" <<'PY'
import re, resource, statistics, subprocess, sys
rounds, B, O = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def rates(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    full = float(re.search(r'full .*?: (\d+) signatures/s', out).group(1))
    kern = float(re.search(r'kernel .*?: (\d+) signatures/s', out).group(1))
    return full, kern

c, p = [], []
for _ in range(rounds):
    c.append(rates([B + '/bench/minhash_bench', O + '/dolma-all.jsonl', '3']))
    p.append(rates(['/usr/bin/python3', 'bench/minhash_numpy.py', O + '/dolma-all.jsonl', '3']))
for i, what in enumerate(('whole path (text -> signature)', 'kernel (shingles -> signature)')):
    cs, ps = statistics.median(x[i] for x in c), statistics.median(x[i] for x in p)
    print(f"{what:<34} sluice {cs:9.0f} sig/s   numpy {ps:7.0f} sig/s   x{cs / ps:.1f}")

def cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

import os
size = os.path.getsize(O + '/dolma8.jsonl')
cmds = [('sluice cat', [B + '/sluice', 'cat', '-q', O + '/dolma8.jsonl']),
        ('sluice dedup exact', [B + '/sluice', 'dedup', 'exact', '-q', O + '/dolma8.jsonl']),
        ('sluice dedup lines', [B + '/sluice', 'dedup', 'lines', '-q', O + '/dolma8.jsonl']),
        ('sluice dedup minhash', [B + '/sluice', 'dedup', 'minhash', '-q', O + '/dolma8.jsonl']),
        ('sluice dedup minhash --annotate-only', [B + '/sluice', 'dedup', 'minhash', '-q', '--annotate-only', O + '/dolma8.jsonl'])]
times = {n: [] for n, _ in cmds}
for _ in range(max(rounds, 5)):
    for n, cmd in cmds:
        times[n].append(cpu(cmd))
print(f"\nstreaming over {size / 1e6:.0f} MB of JSONL (Dolma x8), CPU seconds, median of {max(rounds, 5)}")
for n, _ in cmds:
    m = statistics.median(times[n])
    print(f"  {n:<38} {m:7.3f} s  {size / m / 1e6:8.1f} MB/s")
PY
