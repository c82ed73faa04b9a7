#!/usr/bin/env bash
# The demo pipeline on the real CommonCrawl sample bundled in tests/data/demo:
# install what is needed, build, read the WARC and WET files into documents,
# write them compressed, and describe the result.  Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="$PATH:/usr/local/cuda/bin"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
S=build/sluice
mkdir -p demo-out

set -x
$S warc tests/data/demo/*.warc.gz tests/data/demo/*.wet.gz --stats demo-out/warc-stats.json \
	| $S cat -o demo-out/docs.jsonl.zst
$S stats demo-out/docs.jsonl.zst --field source --field metadata.charset
set +x
echo "demo: documents in demo-out/docs.jsonl.zst; reader counts in demo-out/warc-stats.json" >&2
