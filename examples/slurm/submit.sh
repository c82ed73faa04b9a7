#!/usr/bin/env bash
# The sharded sluice pipeline as Slurm job arrays: filter (N tasks) ->
# MinHash sign (N) -> buckets (N) -> cluster (1) -> dedup, tokenize, shard
# (N) -> merged stats (1), each array starting when the previous one ended
# well (--dependency=afterok; a failed array cancels the ones after it).
# WORK and OUT must be on storage every node sees.  Resubmit the same
# command after a failure: finished tasks are skipped (examples/steps.sh).
#
#   examples/slurm/submit.sh -n N -w WORK -o OUT [--wait] [-- SBATCH_OPTION...] INPUT...
#   SLUICE=$PWD/build/sluice examples/slurm/submit.sh -n 64 -w /shared/work -o /shared/shards \
#       -- --partition=cpu --time=4:00:00 -- /shared/crawl/*.warc.wet.gz
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=1 work= out= wait=0 sbopts=()
usage() { echo "usage: $0 -n N -w WORK -o OUT [--wait] [-- SBATCH_OPTION... --] INPUT..." >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	-w) work=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	--wait) wait=1; shift ;;
	--) shift
	    while [ $# -gt 0 ] && [ "$1" != -- ]; do sbopts+=("$1"); shift; done
	    [ $# -gt 0 ] && shift
	    break ;;
	-*) usage ;;
	*) break ;;
	esac
done
{ [ -n "$work" ] && [ -n "$out" ] && [ $# -gt 0 ] && [ "$n" -ge 1 ]; } 2>/dev/null || usage
command -v sbatch >/dev/null || { echo "$0: sbatch not found (is this a Slurm login node?)" >&2; exit 1; }
mkdir -p "$work/logs" "$out"
WORK=$(cd "$work" && pwd)
OUT=$(cd "$out" && pwd)
if [ -e "$WORK/inputs.txt" ]; then
	printf '%s\n' "$@" | cmp -s - "$WORK/inputs.txt" ||
		{ echo "$0: $WORK was started with other inputs (see $WORK/inputs.txt)" >&2; exit 1; }
else
	printf '%s\n' "$@" > "$WORK/inputs.txt"
fi
SLUICE=$(command -v "${SLUICE:-sluice}") || { echo "$0: no sluice binary (set SLUICE)" >&2; exit 1; }
export WORK OUT SLUICE INPUTS=$WORK/inputs.txt SLUICE_EXAMPLES=$here

submit() { # submit NAME TASKS DEPENDENCY
	local dep=()
	[ -n "$3" ] && dep=(--dependency="afterok:$3" --kill-on-invalid-dep=yes)
	sbatch --parsable --job-name="sluice-$1" --array="0-$(($2 - 1))" \
		--output="$WORK/logs/%x-%a.log" --export=ALL "${dep[@]}" "${sbopts[@]}" \
		"$here/slurm/task.sbatch" "$1" "$2" | cut -d';' -f1
}
j1=$(submit filter "$n" "")
j2=$(submit sign "$n" "$j1")
j3=$(submit buckets "$n" "$j2")
j4=$(submit cluster 1 "$j3")
j5=$(submit write "$n" "$j4")
j6=$(submit report 1 "$j5")
echo "submit.sh: jobs $j1 (filter) $j2 (sign) $j3 (buckets) $j4 (cluster) $j5 (write) $j6 (report); logs in $WORK/logs"
[ $wait = 1 ] || exit 0
while [ -n "$(squeue -h -j "$j1,$j2,$j3,$j4,$j5,$j6" 2>/dev/null)" ]; do
	sleep 2
done
if [ -e "$WORK/done/report-00000" ]; then
	echo "submit.sh: done: $OUT"
	exit 0
fi
echo "submit.sh: the pipeline did not finish; see $WORK/logs and resubmit to resume" >&2
exit 1
