#!/usr/bin/env bash
# sluice pii against `sluice cat` and against datatrove's PIIFormatter in
# Python `re` (tests/cli/pii_datatrove.py), on the same real web text in the
# same run: median wall seconds of ROUNDS interleaved runs, MB/s of
# uncompressed JSONL, ratios.  One process each, so MB/s is per core.
#
#   bench/pii.sh [BUILD_DIR]        (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-20}
mkdir -p "$O"

# ~70 MB: the four Dolma CommonCrawl samples, decompressed, repeated
if [ ! -f "$O/pii-$REPEAT.jsonl" ]; then
	zcat "$DATA"/jsonl/dolma-CC-MAIN-*.jsonl.gz "$DATA"/jsonl/dolma-cc_en_head-*.jsonl.gz \
		"$DATA"/jsonl/dolma-provided-documents-000.json.gz > "$O/pii-once.jsonl"
	for _ in $(seq "$REPEAT"); do cat "$O/pii-once.jsonl"; done > "$O/pii-$REPEAT.jsonl"
fi
IN="$O/pii-$REPEAT.jsonl"

python3 - "$ROUNDS" "$S" "$IN" <<'PY'
import os, resource, statistics, subprocess, sys, time
rounds, S, js = int(sys.argv[1]), sys.argv[2], sys.argv[3]
size = os.path.getsize(js)

def timed(cmd):
    """wall seconds and CPU seconds (user+sys of the children): on a shared,
    loaded machine the CPU time is the per-core measure"""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t1 - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

pairs = [
    ("sluice cat", f"{S} cat -q {js}"),
    ("sluice pii (all detectors, tags)", f"{S} pii -q {js}"),
    ("sluice pii --annotate-only --spans", f"{S} pii -q --annotate-only --spans {js}"),
    ("sluice pii datatrove mode", f"{S} pii -q --types email,ip --public-ips-only --replace fake {js}"),
    ("python re: datatrove PIIFormatter", f"python3 tests/cli/pii_datatrove.py {js}"),
]
wall = {n: [] for n, _ in pairs}
cpu = {n: [] for n, _ in pairs}
for _ in range(rounds):
    for n, c in pairs:
        w, u = timed(c)
        wall[n].append(w)
        cpu[n].append(u)
mw = {n: statistics.median(t) for n, t in wall.items()}
mc = {n: statistics.median(t) for n, t in cpu.items()}
print(f"PII on real web text: {size / 1e6:.0f} MB of Dolma JSONL, median of {rounds}, one process each")
print(f"  {'':<36} {'wall s':>7} {'MB/s':>8} {'cpu s':>7} {'MB/s/core':>10} {'vs python':>9}")
ref = "python re: datatrove PIIFormatter"
for n, _ in pairs:
    print(f"  {n:<36} {mw[n]:7.3f} {size / mw[n] / 1e6:8.1f} {mc[n]:7.3f} {size / mc[n] / 1e6:10.1f} "
          f"x{mc[ref] / mc[n]:8.1f}")
scan = mc["sluice pii (all detectors, tags)"] - mc["sluice cat"]
if scan > 0:
    print(f"  detectors and rewrite alone (pii - cat, cpu): {size / scan / 1e6:.1f} MB/s/core")
PY
