#!/usr/bin/env bash
# sluice tok against npm tiktoken (WASM) and npm tokenizers (native), one
# thread, on the same real text: every document of ../shared/data/jsonl,
# every UDHR text (hundreds of scripts) and the WARC samples' text.
#
#   bench/tok.sh [BUILD_DIR]      (default: build; ROUNDS=5, THREADS="1 2")
#   BASE=/path/to/older/sluice bench/tok.sh   also times that binary in the
#                                             same rounds (before/after)
#
# MB/s = UTF-8 bytes of the texts / CPU seconds (user + system; the
# machines here are shared, wall time is noisy and is printed too).  sluice
# is timed end to end (loading the vocabulary, reading and writing JSONL),
# and on encoding alone by bench/tok_bench.c, as bench/tok_bench.js times
# the npm tokenizers (the texts in memory, reading and JSON not counted):
# "encode alone" compares like with like.  Also to Megatron shards:
# `sluice tok --format megatron` against `sluice tok | sluice shard`.
# Medians of ROUNDS interleaved runs.  Then --threads
# scaling of sluice (cl100k_base, wall time, end to end) for each count in
# THREADS, on the same text twice over.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/sluice"
TB="$B/bench/tok_bench"
DATA=${SLUICE_SHARED_DATA:-../shared/data}
O=bench/out
ROUNDS=${ROUNDS:-5}
export SLUICE_MODELS=$DATA/tokenizers NODE_PATH=$PWD/.cache/npm/node_modules RAYON_NUM_THREADS=1
tools/npm-deps.sh
mkdir -p "$O"
if [ ! -f "$O/tok.jsonl" ]; then
	for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do "$S" cat -q --add-id "$f"; done > "$O/tok.jsonl"
	"$S" warc -q "$DATA"/warc/*.warc.gz >> "$O/tok.jsonl" 2>/dev/null || true
	python3 tests/cli/tok_corpus.py udhr "$DATA/langid/udhr_txt" "$O/udhr.jsonl"
	cat "$O/udhr.jsonl" >> "$O/tok.jsonl"
fi
echo '{"id":"1","text":"x"}' > "$O/one.jsonl"

# each binary its own vocabulary cache folder (builds older than 4ef8a09
# kept one file per vocabulary: two of them sharing a folder evicted each
# other's files and rebuilt at every start)
export SLUICE_CACHE_DIR=$PWD/$O/cache
mkdir -p -m 700 "$O/cache" "$O/cache-base"

cpu() { # prints user+sys seconds of the command
	/usr/bin/time -f '%U %S %e' -o "$O/time" "$@" > /dev/null
	awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$O/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for pair in "cl100k_base tiktoken cl100k_base" "o200k_base tiktoken o200k_base" "llama3 hf $DATA/tokenizers/llama3-tokenizer.json"; do
	set -- $pair
	name=$1 kind=$2 model=$3
	: > "$O/s"; : > "$O/s1"; : > "$O/r"; : > "$O/b"; : > "$O/b1"; : > "$O/e"; : > "$O/f"; : > "$O/p"
	vocab=$model
	[ "$kind" = hf ] || vocab="$DATA/tokenizers/$name.tiktoken"
	for _ in $(seq "$ROUNDS"); do
		cpu "$S" tok -q --tokenizer "$name" "$O/tok.jsonl" >> "$O/s"
		cpu "$S" tok -q --tokenizer "$name" "$O/one.jsonl" >> "$O/s1"
		if [ -n "${BASE:-}" ]; then
			cpu env SLUICE_CACHE_DIR="$PWD/$O/cache-base" "$BASE" tok -q --tokenizer "$name" "$O/tok.jsonl" >> "$O/b"
			cpu env SLUICE_CACHE_DIR="$PWD/$O/cache-base" "$BASE" tok -q --tokenizer "$name" "$O/one.jsonl" >> "$O/b1"
		fi
		node bench/tok_bench.js "$kind" "$model" "$O/tok.jsonl" >> "$O/r"
		"$TB" "$vocab" "$O/tok.jsonl" 1 >> "$O/e"
		cpu "$S" tok -q --tokenizer "$name" --eos --format megatron --restart -o "$O/shards/$name" \
			"$O/tok.jsonl" >> "$O/f"
		cpu sh -c "'$S' tok -q --tokenizer '$name' --eos '$O/tok.jsonl' |
			'$S' shard -q --format megatron --vocab-size 200019 --restart -o '$O/shards/pipe-$name'" >> "$O/p"
	done
	bytes=$(tail -1 "$O/r" | cut -d' ' -f3)
	s=$(cut -d' ' -f1 "$O/s" | median); s1=$(cut -d' ' -f1 "$O/s1" | median)
	r=$(cut -d' ' -f1 "$O/r" | median); rw=$(cut -d' ' -f2 "$O/r" | median); sw=$(cut -d' ' -f2 "$O/s" | median)
	e=$(cut -d' ' -f1 "$O/e" | median)
	f=$(cut -d' ' -f1 "$O/f" | median); p=$(cut -d' ' -f1 "$O/p" | median)
	python3 - "$name" "$kind" "$bytes" "$s" "$s1" "$r" "$sw" "$rw" "$e" "$f" "$p" <<'PY'
import sys
name, kind, nb = sys.argv[1], sys.argv[2], int(sys.argv[3])
s, s1, r, sw, rw, e, f, p = map(float, sys.argv[4:])
mb = nb / 1e6
ref = "npm tiktoken 1.0.22" if kind == "tiktoken" else "npm tokenizers 0.23.2"
print(f"{name:12s} {mb:.1f} MB  encode alone: sluice {mb/e:6.1f} MB/s, {ref} {mb/r:5.2f} MB/s, ratio {r/e:5.1f}x;  "
      f"sluice tok end to end {mb/s:6.1f} MB/s ({r/s:5.1f}x), less start-up {mb/(s-s1):6.1f} ({r/(s-s1):5.1f}x)  "
      f"[wall: sluice {sw:.2f}s, ref {rw:.2f}s]")
print(f"{name:12s} to Megatron shards: sluice tok --format megatron {mb/f:6.1f} MB/s ({r/f:5.1f}x the npm encoder), "
      f"sluice tok | sluice shard {mb/p:6.1f} MB/s: {p/f:.2f}x less CPU")
PY
	if [ -n "${BASE:-}" ]; then
		b=$(cut -d' ' -f1 "$O/b" | median); b1=$(cut -d' ' -f1 "$O/b1" | median)
		awk -v n="$name" -v nb="$bytes" -v s="$s" -v s1="$s1" -v b="$b" -v b1="$b1" 'BEGIN {
			mb = nb / 1e6
			printf "%-12s before (BASE) %6.1f MB/s end to end (%6.1f encode), now %6.1f (%6.1f): %.2fx (%.2fx encode)\n",
				n, mb / b, mb / (b - b1), mb / s, mb / (s - s1), b / s, (b - b1) / (s - s1) }'
	fi
done

# --threads scaling: wall time on the text twice over (interleaved medians)
cat "$O/tok.jsonl" "$O/tok.jsonl" > "$O/tok2.jsonl"
THREADS=${THREADS:-1 2}
for t in $THREADS; do : > "$O/t$t"; done
for _ in $(seq "$ROUNDS"); do
	for t in $THREADS; do
		cpu "$S" tok -q --tokenizer cl100k_base --threads "$t" "$O/tok2.jsonl" >> "$O/t$t"
	done
done
mb=$(stat -c %s "$O/tok2.jsonl")
base=
for t in $THREADS; do
	w=$(cut -d' ' -f2 "$O/t$t" | median); c=$(cut -d' ' -f1 "$O/t$t" | median)
	base=${base:-$w}
	awk -v t="$t" -v w="$w" -v c="$c" -v b="$base" -v mb="$mb" -v n="$(nproc)" 'BEGIN {
		printf "cl100k_base --threads %-3s %.1f MB of JSONL: wall %.2fs (%.1f MB/s), cpu %.2fs, speed-up %.2fx (%d cores)\n",
			t, mb / 1e6, w, mb / 1e6 / w, c, b / w, n }'
done
