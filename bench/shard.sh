#!/usr/bin/env bash
# sluice shard against sluice cat on the same tokenized JSONL, in the same run.
#
#   bench/shard.sh [BUILD_DIR]        (default: build)
#
# Builds bench/out/tok.jsonl (~200 MB): the real Dolma documents of
# ../shared/data with "tokens" added (crc32 of each word modulo 50257, a
# stand-in for a tokenizer: the stage only sees ids), repeated.  Runs each
# command ROUNDS times, interleaved, and prints median seconds, MB/s of
# input and the ratio to `sluice cat > /dev/null`.  Not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-7}
mkdir -p "$O/shards"

if [ ! -f "$O/tok.jsonl" ]; then
	python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$O/tok.jsonl" <<'PY'
import gzip, json, sys, zlib
lines = []
with gzip.open(sys.argv[1], 'rt', encoding='utf-8') as f:
    for l in f:
        d = json.loads(l)
        d['tokens'] = [zlib.crc32(w.encode()) % 50257 for w in d['text'].split()]
        lines.append(json.dumps(d) + '\n')
block = ''.join(lines)
with open(sys.argv[2], 'w') as o:
    while o.tell() < 200e6:
        o.write(block)
PY
fi

python3 - "$ROUNDS" "$S" "$O" <<'PY'
import os, statistics, subprocess, sys, time
rounds, S, O = int(sys.argv[1]), sys.argv[2], sys.argv[3]
js = f"{O}/tok.jsonl"
size = os.path.getsize(js)
sh = f"{S} shard -q --restart --vocab-size 50257 --max-tokens-per-file 100M"
pairs = [
    ("sluice cat FILE > /dev/null", f"{S} cat {js} > /dev/null"),
    ("sluice cat FILE -o x.jsonl", f"{S} cat {js} -o {O}/shards/cat.jsonl"),
    ("sluice shard --format megatron", f"{sh} --format megatron -o {O}/shards/m {js}"),
    ("sluice shard --format datatrove", f"{sh} --format datatrove -o {O}/shards/d {js}"),
    ("sluice shard --format llmc --eos", f"{sh} --format llmc --eos 50256 -o {O}/shards/l {js}"),
] + ([("shard --format megatron -o /dev/shm", f"{sh} --format megatron -o /dev/shm/sluice-bench-m {js}")]
       if os.path.isdir("/dev/shm") else []) + [
    ("sluice shard --format megatron --shuffle", f"{sh} --format megatron --shuffle --seed 1 -o {O}/shards/s {js}"),
    ("sluice shard --format jsonl (zst)", f"{S} shard -q --restart --format jsonl --max-bytes-per-file 1G -o {O}/shards/j {js}"),
]
times = {n: [] for n, _ in pairs}
for _ in range(rounds):
    for n, c in pairs:
        t0 = time.perf_counter()
        subprocess.run(c, shell=True, check=True)
        times[n].append(time.perf_counter() - t0)
med = {n: statistics.median(t) for n, t in times.items()}
base = pairs[0][0]
print(f"writing shards from tokenized JSONL ({size / 1e6:.0f} MB, median of {rounds})")
for n, _ in pairs:
    print(f"  {n:<36} {med[n]:7.3f} s  {size / med[n] / 1e6:8.1f} MB/s  "
          f"x{med[base] / med[n]:.2f} of cat's throughput")
for f in os.listdir("/dev/shm") if os.path.isdir("/dev/shm") else []:
    if f.startswith("sluice-bench-m"):
        os.unlink("/dev/shm/" + f)
PY
# memory of the shuffle (one bucket of ~input/256 held at a time)
/usr/bin/time -f "  shard --shuffle: max RSS %M KB" "$S" shard -q --restart --format megatron --vocab-size 50257 \
	--shuffle --seed 1 --stats "$O/shards/s.stats.json" -o "$O/shards/s" "$O/tok.jsonl"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(f\"  ({j['tokens']} tokens, largest bucket {j['shuffle_peak_bucket_bytes']} bytes)\")" "$O/shards/s.stats.json"
