#!/usr/bin/env bash
# One task of the sharded sluice pipeline, the same for Slurm job arrays
# (examples/slurm/submit.sh) and GNU parallel (examples/parallel/run.sh):
#
#   examples/steps.sh STEP I N
#
#   filter   read part I of N of the inputs, language ID, quality rules,
#            perplexity buckets, PII -> WORK/filtered/part-IIIII.jsonl.zst
#   sign     MinHash signatures of part I of N of the filtered parts
#   buckets  LSH bands, part I of N of them
#   cluster  union-find over all duplicate pairs (one task)
#   write    drop the duplicates of part I, tokenize, write shards
#            -> OUT/part-IIIII_*.bin/.idx (Megatron)
#   report   merge every task's --stats per stage -> OUT/stats/STAGE.json
#
# Configuration, from the environment (submit.sh and run.sh pass it on):
#   SLUICE        the binary (default: sluice on PATH)
#   WORK, OUT     the work and output directories (shared storage)
#   INPUTS        a file listing the inputs, one path per line (JSONL, JSONL.gz
#                 / .zst, or WARC/WET files, which go through sluice warc)
#   TOKENIZER     default cl100k_base (its vocabulary size picks the shards' dtype)
#   LANGS         default en
#   THREADS       --threads of each stage that has it (default: Slurm's
#                 --cpus-per-task, else 1); the output does not change
#
# Resumable: a task that finished leaves WORK/done/STEP-I; running it again
# does nothing, so a resubmitted array or a rerun only does what is missing.
# Every file sluice writes appears complete or not at all.
set -euo pipefail
step=${1:?STEP}
i=${2:?I}
n=${3:?N}
: "${WORK:?WORK must be set}" "${OUT:?OUT must be set}" "${INPUTS:?INPUTS must be set}"
S=${SLUICE:-sluice}
TOKENIZER=${TOKENIZER:-cl100k_base}
LANGS=${LANGS:-en}
THREADS=${THREADS:-${SLURM_CPUS_PER_TASK:-1}}
J=(--threads "$THREADS")
part=$(printf '%05d' "$i")
done_marker="$WORK/done/$step-$part"
mkdir -p "$WORK/done" "$WORK/stats" "$WORK/filtered" "$OUT/stats"

if [ -e "$done_marker" ]; then
	echo "steps.sh: $step $i/$n already done ($done_marker)"
	exit 0
fi

st() { echo "$WORK/stats/$1-$part.json"; }

case "$step" in
filter)
	mapfile -t all < "$INPUTS"
	warc=() jsonl=()
	for f in "${all[@]}"; do
		case "$f" in
		*.warc|*.warc.gz|*.wet|*.wet.gz|*.warc.wet.gz|*.warc.zst|*.wet.zst) warc+=("$f") ;;
		*) jsonl+=("$f") ;;
		esac
	done
	{
		if [ ${#jsonl[@]} -gt 0 ]; then "$S" cat -q --shard "$i/$n" --stats "$(st read-jsonl)" "${jsonl[@]}"; fi
		if [ ${#warc[@]} -gt 0 ]; then "$S" warc -q --shard "$i/$n" --stats "$(st read-warc)" "${warc[@]}"; fi
	} | "$S" lang -q "${J[@]}" --keep "$LANGS" --stats "$(st lang)" \
	  | "$S" quality -q "${J[@]}" --rules gopher,gopher-rep,c4,fineweb --stats "$(st quality)" \
	  | "$S" ppl -q "${J[@]}" --buckets head:1000,middle:2500 --stats "$(st ppl)" \
	  | "$S" pii -q "${J[@]}" --stats "$(st pii)" -o "$WORK/filtered/part-$part.jsonl.zst"
	;;
sign)
	"$S" minhash sign -q "${J[@]}" --dir "$WORK/sigs" --shard "$i/$n" --stats "$(st sign)" "$WORK"/filtered/part-*.jsonl.zst
	;;
buckets)
	"$S" minhash buckets --dir "$WORK/sigs" --out "$WORK/dups" --shard "$i/$n"
	;;
cluster)
	"$S" minhash cluster --dir "$WORK/dups" --out "$WORK/remove"
	;;
write)
	"$S" minhash filter -q --dir "$WORK/remove" --shard "$i/$n" --stats "$(st dedup)" "$WORK"/filtered/part-*.jsonl.zst \
	  | "$S" tok -q "${J[@]}" --tokenizer "$TOKENIZER" --eos --format megatron -o "$OUT/part-$part" --stats "$(st tok)"
	;;
report)
	for f in "$WORK"/stats/*-00000.json; do
		name=$(basename "$f" -00000.json)
		"$S" stats --merge "$WORK"/stats/"$name"-*.json -o "$OUT/stats/$name.json"
	done
	;;
*)
	echo "steps.sh: unknown step '$step' (filter, sign, buckets, cluster, write, report)" >&2
	exit 2
	;;
esac
touch "$done_marker"
