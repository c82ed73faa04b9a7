#!/usr/bin/env bash
# Scale check of the sharded MinHash steps: N generated documents
# (bench/dedup_corpus.py), SHARDS sign/filter processes run one after the
# other (as on one small machine), peak memory (max RSS) and CPU time of
# every step, plus the streaming command on the same input.
#
#   N=100000 SHARDS=4 bench/minhash_scale.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
N=${N:-100000}
SHARDS=${SHARDS:-4}
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out/scale-$N
mkdir -p "$O"
[ -f "$O/corpus.jsonl" ] || python3 bench/dedup_corpus.py "$N" "$O/corpus.jsonl" --source "$DATA"/jsonl/dolma-*.jsonl.gz
rm -rf "$O/sigs" "$O/dups" "$O/rem"
echo "corpus: $N documents, $(du -m "$O/corpus.jsonl" | cut -f1) MB"
t() {   # t LABEL CMD...: max RSS and CPU seconds
	local label=$1
	shift
	/usr/bin/time -f "%M %U %S" -o "$O/time" "$@"
	read -r kb u s < "$O/time"
	printf '  %-28s peak %7.1f MB   cpu %6.2f s\n' "$label" "$(echo "$kb / 1024" | bc -l)" "$(echo "$u + $s" | bc -l)"
}
for i in $(seq 0 $((SHARDS - 1))); do t "sign $i/$SHARDS" "$S" minhash sign -q --dir "$O/sigs" --shard "$i/$SHARDS" "$O/corpus.jsonl"; done
t "buckets" "$S" minhash buckets --dir "$O/sigs" --out "$O/dups"
t "cluster" "$S" minhash cluster --dir "$O/dups" --out "$O/rem"
for i in $(seq 0 $((SHARDS - 1))); do t "filter $i/$SHARDS" "$S" minhash filter -q --dir "$O/rem" --shard "$i/$SHARDS" "$O/corpus.jsonl" -o "$O/kept-$i.jsonl"; done
cat "$O"/kept-*.jsonl > "$O/kept-sharded.jsonl"
t "dedup minhash (streaming)" "$S" dedup minhash -q "$O/corpus.jsonl" -o "$O/kept-stream.jsonl"
echo "  kept: sharded $(wc -l < "$O/kept-sharded.jsonl"), streaming $(wc -l < "$O/kept-stream.jsonl"), families $(grep -o '"f[0-9]*-' "$O/corpus.jsonl" | sort -u | wc -l)"
cmp -s "$O/kept-sharded.jsonl" "$O/kept-stream.jsonl" && echo "  sharded and streaming keep the same documents" || echo "  sharded and streaming differ"
