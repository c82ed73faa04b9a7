#!/usr/bin/env bash
# sluice ppl: scoring speed on real web text, model loading, training, and
# (when a KenLM build is given) the comparison with KenLM's query and lmplz.
# Nothing here runs in the tests.
#
#   bench/ppl.sh [BUILD_DIR]              (default: build)
#   KENLM_BIN=/path/to/kenlm/build/bin bench/ppl.sh
#
# 1. scoring: the Dolma CommonCrawl sample (697 real web documents) repeated
#    REPEAT times, with the bundled model (models/en-brown.slm, 5-gram),
#    median of ROUNDS runs: documents/s, words/s and n-gram look-ups/s
#    (sluice ppl's --stats; one look-up per context length tried).
# 2. loading: an unpruned 6-gram Brown model (~150 MB .slm): what --stats
#    reports as model_load_seconds (open, mmap, validation), median.
# 3. training: sluice ppl train on the Brown Corpus (57,340 sentences).
# 4. with KENLM_BIN: bench/ppl_kenlm.py (same n-grams and probabilities as
#    lmplz, same perplexities as query, speed ratio against query).
# 5. the ranking of the cc_net samples (dolma-cc_en_head-*, which carry
#    cc_net's perplexity) by the bundled model: Spearman's rho.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-20}
PY=/usr/bin/python3
mkdir -p "$O"
tools/get-ppl-model.sh "$S" >/dev/null
BROWN=.cache/npm-brown/brown.jsonl
WEB="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"

for i in $(seq "$REPEAT"); do gzip -dc "$WEB"; done > "$O/ppl-web.jsonl"

$PY - "$S" "$O" "$ROUNDS" "$BROWN" <<'PY'
import json, statistics, subprocess, sys, time
S, O, rounds, brown = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
web = O + "/ppl-web.jsonl"
runs = []
for _ in range(rounds):
    t0 = time.time()
    subprocess.run([S, "ppl", "-q", "--annotate-only", "--stats", O + "/ppl-stats.json", web],
                   stdout=subprocess.DEVNULL, check=True)
    runs.append((time.time() - t0, json.load(open(O + "/ppl-stats.json"))))
runs.sort(key=lambda r: r[0])
t, st = runs[len(runs) // 2]
def report(name, t, st):
    print(f"score ({name}): {st['docs_in']} documents, {st['tokens']} words+</s> in {t:.2f} s (median of {rounds}): "
          f"{st['docs_in'] / t:,.0f} documents/s, {st['tokens'] / t / 1e6:.2f} M words/s end to end; "
          f"core (ids to log10 p): {st['core_words_per_second'] / 1e6:.1f} M words/s, "
          f"{st['lookups'] / st['tokens']:.2f} table look-ups per word, {st['lookups_per_second'] / 1e6:.1f} M look-ups/s; "
          f"OOV {st['oov_tokens'] / st['tokens']:.1%}")
report("bundled 5-gram, 23 MB", t, st)

# training and a large model
t0 = time.time()
subprocess.run([S, "ppl", "train", "-q", "--order", "6", brown, "-o", O + "/brown6.arpa"], check=True)
t_train = time.time() - t0
subprocess.run([S, "ppl", "build", O + "/brown6.arpa", "-o", O + "/brown6.slm"], check=True,
               stderr=subprocess.DEVNULL)
import os
size = os.path.getsize(O + "/brown6.slm")
loads = []
for _ in range(max(rounds, 5)):
    subprocess.run([S, "ppl", "-q", "--model", O + "/brown6.slm", "--stats", O + "/ppl-load.json"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    loads.append(json.load(open(O + "/ppl-load.json"))["model_load_seconds"])
print(f"train: order-6 Brown model (unpruned) in {t_train:.1f} s; load of its {size / 1e6:.0f} MB .slm: "
      f"{statistics.median(loads) * 1000:.2f} ms (median; mmap, pages come in as they are used)")
runs = []
for _ in range(rounds):
    t0 = time.time()
    subprocess.run([S, "ppl", "-q", "--annotate-only", "--model", O + "/brown6.slm", "--stats",
                    O + "/ppl-stats6.json", web], stdout=subprocess.DEVNULL, check=True)
    runs.append((time.time() - t0, json.load(open(O + "/ppl-stats6.json"))))
runs.sort(key=lambda r: r[0])
report(f"unpruned 6-gram, {size / 1e6:.0f} MB", *runs[len(runs) // 2])
PY

if [ -n "${KENLM_BIN:-}" ]; then
	$PY bench/ppl_kenlm.py --kenlm "$KENLM_BIN" --sluice "$S" --train "$BROWN" --score "$O/ppl-web.jsonl" || true
fi

"$S" ppl -q --annotate-only "$DATA"/jsonl/dolma-cc_en_head-0*.jsonl.gz > "$O/ppl-ccnet.jsonl"
"$S" ppl -q --annotate-only --unit doc "$DATA"/jsonl/dolma-cc_en_head-0*.jsonl.gz > "$O/ppl-ccnet-doc.jsonl"
$PY - "$DATA" "$O" <<'PY'
import gzip, json, sys, glob
import numpy as np
data, O = sys.argv[1], sys.argv[2]
orig = []
for f in sorted(glob.glob(data + "/jsonl/dolma-cc_en_head-0*.jsonl.gz")):
    orig += [json.loads(l)["metadata"]["perplexity"] for l in gzip.open(f, "rt")]
def rank(x):
    x = np.asarray(x, dtype=float)
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    for v in np.unique(x):
        i = np.where(x == v)[0]
        r[i] = r[i].mean()
    return r
for name, f in (("per line", O + "/ppl-ccnet.jsonl"), ("whole document", O + "/ppl-ccnet-doc.jsonl")):
    mine = [json.loads(l)["metadata"]["perplexity"] for l in open(f)]
    rho = np.corrcoef(rank(orig), rank(mine))[0, 1]
    print(f"cc_net samples ({len(orig)} documents, all in cc_net's head bucket, cc_net perplexity "
          f"{min(orig)}-{max(orig)}): Spearman rho with the bundled model ({name}) = {rho:.2f}")
PY
