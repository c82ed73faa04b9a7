#!/usr/bin/env bash
# sluice against its baselines, on the same data, in the same run.
#
#   bench/run.sh [BUILD_DIR]        (default: build)
#
# Builds its inputs under bench/out/ from ../shared/data (real CommonCrawl
# and Dolma files, repeated to a measurable size), runs every pair of
# commands interleaved ROUNDS times (machines here are noisy), and prints
# median seconds, MB/s and the ratio.  Nothing here runs in the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-7}
mkdir -p "$O"

# -- inputs
if [ ! -f "$O/big.wet.gz" ]; then
	python3 - "$DATA/warc" "$O/big.wet.gz" <<'PY'
import sys
d, out = sys.argv[1], sys.argv[2]
a = open(d + '/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz', 'rb').read()
b = open(d + '/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz', 'rb').read()
with open(out, 'wb') as f:
    for _ in range(12000):     # ~120 MB of WET, one gzip member per record
        f.write(a + b)
PY
fi
if [ ! -f "$O/big.jsonl" ]; then
	zcat "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" > "$O/dolma.jsonl"
	for _ in $(seq 60); do cat "$O/dolma.jsonl"; done > "$O/big.jsonl"   # ~200 MB
fi
if [ ! -d "$O/html" ]; then
	python3 bench/extract_html.py "$O/html" "$DATA/warc/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz" \
		"$DATA/warc/dolma-wget-sample-0000.warc.gz" "$DATA/warc/dolma-wget-sample-0001.warc.gz" >/dev/null
fi

# -- timing: median wall seconds of ROUNDS interleaved runs of each command
python3 - "$ROUNDS" "$S" "$O" "$B" <<'PY'
import os, statistics, subprocess, sys, time
rounds, S, O, B = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0

def compare(title, size, pairs):
    times = {name: [] for name, _ in pairs}
    for _ in range(rounds):
        for name, cmd in pairs:
            times[name].append(timed(cmd))
    med = {n: statistics.median(t) for n, t in times.items()}
    print(f"\n{title} ({size / 1e6:.0f} MB, median of {rounds})")
    base = pairs[0][0]
    for name, _ in pairs:
        print(f"  {name:<34} {med[name]:7.3f} s  {size / med[name] / 1e6:8.1f} MB/s  "
              f"x{med[base] / med[name]:.2f} vs {base}" if name != base else
              f"  {name:<34} {med[name]:7.3f} s  {size / med[name] / 1e6:8.1f} MB/s")

wet = f"{O}/big.wet.gz"
wet_size = int(subprocess.run(f"zcat {wet} | wc -c", shell=True, capture_output=True, text=True).stdout)
compare("WET reading: decompressed bytes per second", wet_size, [
    ("zcat FILE > /dev/null", f"zcat {wet} > /dev/null"),
    ("sluice warc FILE > /dev/null", f"{S} warc {wet} > /dev/null"),
])

js = f"{O}/big.jsonl"
compare("JSONL passthrough: uncompressed input", os.path.getsize(js), [
    ("python3 json.loads+dumps", f"python3 -c \"import json,sys\nw=sys.stdout.write\nfor l in open('{js}', encoding='utf-8'): w(json.dumps(json.loads(l), ensure_ascii=False)+'\\n')\" > /dev/null"),
    ("sluice cat FILE > /dev/null", f"{S} cat {js} > /dev/null"),
    ("sluice cat FILE -o x.jsonl.zst", f"{S} cat {js} -o {O}/x.jsonl.zst"),
])
PY

# -- HTML extraction: the library in a loop, against lxml on the same pages
echo
echo "HTML text extraction ($(ls "$O"/html/*.html | wc -l) real pages)"
printf '  %-34s %8s MB/s\n' "sluice html_extract (one core)" \
	"$("$B/bench/html_bench" -n 200 "$O"/html/*.html | sed -n 's/.*html_extract: *\([0-9.]*\) MB\/s.*/\1/p')"
PY3=python3
python3 -c 'import lxml' 2>/dev/null || PY3=/usr/bin/python3   # Debian's python3-lxml
if $PY3 -c 'import lxml' 2>/dev/null; then
	printf '  %-34s %8s MB/s\n' "lxml fromstring+text_content" "$($PY3 bench/lxml_text.py 20 "$O"/html/*.html)"
else
	echo "  (lxml not installed: apt-get install python3-lxml for the comparison)"
fi
