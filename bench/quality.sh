#!/usr/bin/env bash
# sluice quality and sluice blocklist against sluice cat, on the same real web
# text (Dolma's CommonCrawl sample, repeated), in the same run, interleaved.
#
#   bench/quality.sh [BUILD_DIR]     (default: build; ROUNDS=5 REPEAT=20)
#   BASE=path/to/other/sluice bench/quality.sh   (also that binary's gopher-rep
#                                    and four rule sets, in the same rounds:
#                                    before/after)
#
# Prints median wall seconds, MB/s of uncompressed JSONL and CPU seconds
# (user+sys, which a busy shared machine disturbs less than wall time), and
# each command's ratio to `sluice cat` (with --threads N, N = the cores, the
# wall time is the one to read).  Targets (issue 3): all four rule
# sets >= 100 MB/s per core and <= 3x cat; blocklist with the UT1 lists
# >= 200 MB/s, lists loaded in < 1 s.  Not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
F="$DATA/filters"
O=bench/out
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-20}
mkdir -p "$O"
if [ ! -f "$O/quality-$REPEAT.jsonl" ]; then
	zcat "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" > "$O/dolma.jsonl"
	for _ in $(seq "$REPEAT"); do cat "$O/dolma.jsonl"; done > "$O/quality-$REPEAT.jsonl"
fi
IN="$O/quality-$REPEAT.jsonl"
base_rows=()
if [ -n "${BASE:-}" ]; then
	base_rows=("quality gopher-rep, BASE|$BASE quality -q --rules gopher-rep $IN"
		   "quality all four, BASE|$BASE quality -q --rules gopher,gopher-rep,c4,fineweb $IN"
		   "quality all four --signals, BASE|$BASE quality -q --signals --annotate-only $IN")
fi
python3 - "$ROUNDS" "$IN" \
	"cat|$S cat -q $IN" \
	"quality gopher|$S quality -q --rules gopher $IN" \
	"quality gopher-rep|$S quality -q --rules gopher-rep $IN" \
	"quality c4|$S quality -q --rules c4 $IN" \
	"quality fineweb|$S quality -q --rules fineweb $IN" \
	"quality all four|$S quality -q --rules gopher,gopher-rep,c4,fineweb $IN" \
	"quality all four --threads $(nproc)|$S quality -q --threads $(nproc) $IN" \
	"${base_rows[@]}" \
	"quality all four --signals|$S quality -q --signals --annotate-only $IN" \
	"blocklist words (LDNOOBW en)|$S blocklist -q --words $F/ldnoobw/en $IN" \
	"blocklist UT1 all + URL words|$S blocklist -q --urls $F/ut1_blacklists --categories all --url-words $F/datatrove-banned_words.txt --url-soft-words $F/datatrove-soft_banned_words.txt --url-subwords $F/datatrove-banned_subwords.txt $IN" \
	"blocklist words + UT1 all|$S blocklist -q --words $F/ldnoobw --urls $F/ut1_blacklists --categories all $IN" \
	"blocklist start-up (UT1 all, empty input)|$S blocklist -q --words $F/ldnoobw/en --urls $F/ut1_blacklists --categories all /dev/null" \
	<<'PY'
import os, resource, statistics, subprocess, sys, time
rounds, path = int(sys.argv[1]), sys.argv[2]
cmds = [a.split("|", 1) for a in sys.argv[3:]]
size = os.path.getsize(path)
wall = {n: [] for n, _ in cmds}
cpu = {n: [] for n, _ in cmds}
for _ in range(rounds):
    for n, c in cmds:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(c, shell=True, check=False, stdout=subprocess.DEVNULL)
        wall[n].append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[n].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
print(f"input: {path} ({size / 1e6:.0f} MB), median of {rounds} interleaved runs")
cw, cc = statistics.median(wall["cat"]), statistics.median(cpu["cat"])
print(f"  {'command':<42} {'wall s':>7} {'MB/s':>7} {'cpu s':>7} {'MB/cpu-s':>9} {'x cat (wall)':>12}")
for n, _ in cmds:
    w, c = statistics.median(wall[n]), statistics.median(cpu[n])
    rate = size / w / 1e6 if "start-up" not in n else float("nan")
    crate = size / c / 1e6 if c and "start-up" not in n else float("nan")
    print(f"  {n:<42} {w:7.3f} {rate:7.1f} {c:7.3f} {crate:9.1f} {w / cw:12.2f}")
PY
