#!/usr/bin/env bash
# The sharded sluice pipeline on one machine with GNU parallel: every step
# of examples/steps.sh as N tasks (JOBS at a time), the steps one after the
# other.  Rerun the same command after a failure or a kill: finished tasks
# are skipped.
#
#   examples/parallel/run.sh -n N [-j JOBS] -w WORK -o OUT INPUT...
#   SLUICE=build/sluice examples/parallel/run.sh -n 8 -w work -o shards crawl/*.warc.wet.gz
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=1 jobs=$(nproc) work= out=
while getopts n:j:w:o: opt; do
	case $opt in
	n) n=$OPTARG ;;
	j) jobs=$OPTARG ;;
	w) work=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 -n N [-j JOBS] -w WORK -o OUT INPUT..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$work" ] || [ -z "$out" ] || [ $# -eq 0 ] || ! [ "$n" -ge 1 ] 2>/dev/null; then
	echo "usage: $0 -n N [-j JOBS] -w WORK -o OUT INPUT..." >&2
	exit 2
fi
command -v parallel >/dev/null || { echo "$0: GNU parallel is needed (apt-get install parallel)" >&2; exit 1; }
mkdir -p "$work" "$out"
export WORK=$(cd "$work" && pwd) OUT=$(cd "$out" && pwd)
export SLUICE=${SLUICE:-sluice}
if [ -e "$WORK/inputs.txt" ]; then
	# a rerun must see the same inputs, or the shards would not line up
	printf '%s\n' "$@" | cmp -s - "$WORK/inputs.txt" ||
		{ echo "$0: $WORK was started with other inputs (see $WORK/inputs.txt)" >&2; exit 1; }
else
	printf '%s\n' "$@" > "$WORK/inputs.txt"
fi
export INPUTS=$WORK/inputs.txt
for step in filter sign buckets cluster write report; do
	tasks=$n
	[ $step = cluster ] || [ $step = report ] && tasks=1
	parallel --will-cite --halt now,fail=1 -j "$jobs" "$here/steps.sh" $step {} "$tasks" ::: $(seq 0 $((tasks - 1)))
done
echo "run.sh: $OUT ($(ls "$OUT" | grep -c '\.bin$') shards); merged stats in $OUT/stats/"
