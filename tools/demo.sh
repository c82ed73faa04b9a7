#!/usr/bin/env bash
# The demo pipeline on real data bundled in tests/data/demo (CommonCrawl WARC
# and WET excerpts, Dolma CommonCrawl documents): install what is needed,
# build, then read, filter, deduplicate, scrub, tokenize and shard, printing
# what each stage kept.  Idempotent: every run starts demo-out/ afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="$PATH:/usr/local/cuda/bin"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
tools/get-ppl-model.sh build/sluice >/dev/null
S=build/sluice
D=tests/data/demo
O=demo-out
rm -rf "$O"
mkdir -p "$O"

set -x
{ $S warc -q $D/*.warc.gz $D/*.wet.gz --stats $O/warc.json
  $S cat -q $D/*.jsonl.gz --stats $O/cat.json; } \
	| $S lang -q --keep en --rejects $O/rejected-lang.jsonl --stats $O/lang.json \
	| $S quality -q --rules gopher,gopher-rep,c4,fineweb --rejects $O/rejected-quality.jsonl --stats $O/quality.json \
	| $S ppl -q --buckets head:1000,middle:2500 --stats $O/ppl.json \
	| $S dedup minhash -q --stats $O/dedup.json \
	| $S pii -q --stats $O/pii.json \
	| $S tok -q --tokenizer cl100k_base --eos --format megatron -o $O/shards/cc --stats $O/tok.json
$S shard verify $O/shards/cc
set +x

python3 - "$O" <<'PY'
import json, os, sys
o = sys.argv[1]
print("\nstage       in    out  rejected  unreadable  reasons")
for stage in ("warc", "cat", "lang", "quality", "ppl", "dedup", "pii", "tok"):
    j = json.load(open(os.path.join(o, stage + ".json")))
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(j.get("rejected_by", {}).items(), key=lambda kv: -kv[1])[:4])
    print(f"{stage:<9} {j.get('docs_in', 0):5} {j.get('docs_out', 0):6} {j.get('docs_rejected', 0):9} "
          f"{j.get('docs_unreadable', 0):11}  {reasons}")
print(f"\nshards: {o}/shards/ (Megatron .bin/.idx + manifest); rejects with reasons: {o}/rejected-*.jsonl")
PY
