#!/usr/bin/env bash
# sluice tok train against the npm `tokenizers` BpeTrainer (0.23.2, native):
# the same corpus (lines of the Dolma CommonCrawl sample, repeated REPEAT
# times with a suffix per copy so the pieces are not all repeats), the same
# pre-tokenization (ByteLevel's GPT-2 regex), the trainer's defaults (vocab
# 30000, alphabet as seen); ROUNDS runs interleaved, medians of wall and
# CPU time, and a check that both learned the same merges.
#   bench/tok_train.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-4}
mkdir -p "$O"
export NODE_PATH=${SLUICE_NPM:-.cache/npm/node_modules}
python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$O" "$REPEAT" <<'PY'
import gzip, json, sys
src, o, rep = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
for l in gzip.open(src, "rt", encoding="utf-8"):
    lines += json.loads(l)["text"].replace("\r", "").splitlines(keepends=True)
lines = [x if x.endswith("\n") else x + "\n" for x in lines]
out = [x[:-1] + (" copy%d\n" % r if r else "\n") for r in range(rep) for x in lines]
open(o + "/tt-corpus.txt", "w", encoding="utf-8").write("".join(out))
with open(o + "/tt-corpus.jsonl", "w", encoding="utf-8") as f:
    for i, x in enumerate(out):
        f.write(json.dumps({"id": str(i), "text": x}, ensure_ascii=False) + "\n")
print(f"corpus: {len(out)} lines, {sum(len(x.encode()) for x in out) / 1e6:.1f} MB")
PY
python3 - "$S" "$O" "$ROUNDS" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
S, O, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.time() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
sl, hf = [], []
for _ in range(rounds):
    sl.append(run([S, "tok", "train", "-q", "--alphabet", "seen", "--vocab-size", "30000",
                   O + "/tt-corpus.jsonl", "-o", O + "/tt-sl"]))
    hf.append(run(["node", "tests/cli/tok_train_ref.js", "train", O + "/tt-corpus.txt", O + "/tt-hf.json"]))
med = lambda v, i: statistics.median(x[i] for x in v)
h = json.load(open(O + "/tt-hf.json"))["model"]
s = json.load(open(O + "/tt-sl-tokenizer.json"))["model"]
same = h["vocab"] == s["vocab"] and [tuple(m) for m in h["merges"]] == [tuple(m) for m in s["merges"]]
print(f"sluice tok train: {med(sl, 0):.2f} s wall, {med(sl, 1):.2f} s CPU; npm tokenizers: "
      f"{med(hf, 0):.2f} s wall, {med(hf, 1):.2f} s CPU (node start-up included); "
      f"ratio {med(hf, 0) / med(sl, 0):.1f}x wall, {med(hf, 1) / med(sl, 1):.1f}x CPU; same merges: {same}")
PY
