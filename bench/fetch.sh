#!/usr/bin/env bash
# sluice fetch against curl, downloading the same files from the same local
# server (tests/cli/fetch_server.py on 127.0.0.1) in the same run: median
# wall seconds of ROUNDS interleaved rounds and the ratios.
#   - curl, one process per file, one after another (a shell loop);
#   - curl, one process for all files (one config file: connection reused);
#   - the curl loop followed by `gzip -t` of each file (the check sluice makes);
#   - sluice fetch -j 1 and -j 4 (gzip members of every file checked),
#     and -j 4 --no-gzip-check.
# Then memory: the peak RSS of sluice fetch with 50 and with 5000 (small)
# files listed.
#
#   bench/fetch.sh [BUILD_DIR]        (default: build)
#   FILES=40 MB_PER_FILE=4 ROUNDS=3 SMALL=5000
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$PWD/$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O="$PWD/bench/out/fetch"
ROUNDS=${ROUNDS:-3}
FILES=${FILES:-40}
MB=${MB_PER_FILE:-4}
SMALL=${SMALL:-5000}
mkdir -p "$O"

# FILES files of about MB MB each: the real multi-member WARC.gz files
# concatenated (still valid gzip, as a crawl file is)
W="$O/www"
if [ ! -f "$W/big.paths" ] || [ "$(wc -l < "$W/big.paths")" != "$FILES" ]; then
	rm -rf "$W"
	mkdir -p "$W/big"
	cat "$DATA"/warc/*.warc.gz > "$O/one.gz"
	n=$(( MB * 1048576 / $(stat -c %s "$O/one.gz") + 1 ))
	for _ in $(seq "$n"); do cat "$O/one.gz"; done > "$O/block.gz"
	for i in $(seq -w 1 "$FILES"); do
		cp "$O/block.gz" "$W/big/file-$i.warc.gz"
		printf 'big/file-%s.warc.gz\n' "$i"
	done > "$W/big.paths"
	mkdir -p "$W/small"
	for i in $(seq -w 1 "$SMALL"); do
		ln "$DATA/warc/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz" "$W/small/s-$i.warc.wet.gz" 2>/dev/null ||
			cp "$DATA/warc/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz" "$W/small/s-$i.warc.wet.gz"
		printf 'small/s-%s.warc.wet.gz\n' "$i"
	done > "$W/small.paths"
	head -n 50 "$W/small.paths" > "$W/small50.paths"
fi

rm -f "$O/port"
python3 tests/cli/fetch_server.py --root "$W" --port-file "$O/port" &
SPID=$!
trap 'kill $SPID 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$O/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$O/port")/"

python3 - "$ROUNDS" "$S" "$URL" "$W" "$O" <<'PY'
import os, shutil, statistics, subprocess, sys, time
rounds, S, url, W, O = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
paths = open(os.path.join(W, 'big.paths')).read().split()
total = sum(os.path.getsize(os.path.join(W, p)) for p in paths)
out = os.path.join(O, 'dl')
cfg = os.path.join(O, 'curl.cfg')
with open(cfg, 'w') as f:
    for p in paths:
        f.write('url = "%s%s"\noutput = "%s/%s"\n' % (url, p, out, p))
loop = ' ; '.join('curl -sSf --create-dirs -o %s/%s %s%s' % (out, p, url, p) for p in paths)
tools = {
    'curl, a loop (one process per file)': 'set -e; ' + loop,
    'curl, one process (-K config)': 'curl -sSf --create-dirs -K %s' % cfg,
    'curl loop, then gzip -t each file': 'set -e; ' + loop + ' ; ' + ' ; '.join('gzip -t %s/%s' % (out, p) for p in paths),
    'sluice fetch -j 1': '%s fetch -q -j 1 --paths %s/big.paths --base-url %s -o %s' % (S, W, url, out),
    'sluice fetch -j 4': '%s fetch -q -j 4 --paths %s/big.paths --base-url %s -o %s' % (S, W, url, out),
    'sluice fetch -j 4 --no-gzip-check': '%s fetch -q -j 4 --no-gzip-check --paths %s/big.paths --base-url %s -o %s' % (S, W, url, out),
}
times = {k: [] for k in tools}
for r in range(rounds):
    for name, cmd in tools.items():
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, shell=True, check=True, stderr=subprocess.DEVNULL)
        times[name].append(time.perf_counter() - t0)
        for p in paths[:3] + paths[-1:]:
            assert open(os.path.join(out, p), 'rb').read() == open(os.path.join(W, p), 'rb').read(), (name, p)
shutil.rmtree(out, ignore_errors=True)
print('%d files, %.1f MB, local server, median of %d rounds' % (len(paths), total / 1e6, rounds))
base = statistics.median(times['curl, a loop (one process per file)'])
base1 = statistics.median(times['curl, one process (-K config)'])
for name, ts in times.items():
    m = statistics.median(ts)
    print('  %-36s %7.3f s  %7.1f MB/s  x%.2f vs the curl loop, x%.2f vs one curl' % (name, m, total / 1e6 / m, base / m, base1 / m))

def peak_rss(listing):
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(['/usr/bin/time', '-f', '%M', S, 'fetch', '-q', '-j', '4', '--paths', listing,
                        '--base-url', url, '-o', out], stderr=subprocess.PIPE, text=True, check=True)
    n = len(open(listing).read().split())
    return n, int(r.stderr.strip().splitlines()[-1])

if os.path.exists('/usr/bin/time'):
    for listing in ('small50.paths', 'small.paths'):
        n, kb = peak_rss(os.path.join(W, listing))
        print('  peak RSS, %5d files listed: %6.1f MB' % (n, kb / 1024))
    shutil.rmtree(out, ignore_errors=True)
PY
