#!/usr/bin/env bash
# Longer fuzz sessions on demand (not run by the tests or CI):
#
#   bench/fuzz-long.sh [MINUTES_PER_TARGET] [TARGET...]     # default 10 minutes, every target
#
# One target at a time, niced, with the same limits as CI's short sessions
# (tests/fuzz/run.sh); the coverage corpus grows in build-fuzz/fuzz-work/
# across runs, and build-fuzz/fuzz-work/stats.tsv keeps every session's
# executions, so the totals per target add up over time:
#
#   awk -F'\t' '{n[$2]+=$3} END {for (t in n) print t, n[t]}' build-fuzz/fuzz-work/stats.tsv
#
# A crash stops nothing (--keep): every target gets its turn, and the
# summary says which crashed and where the input is.
set -uo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
tests/fuzz/run.sh --keep --seconds $((minutes * 60)) "$@"
status=$?
if [ -f build-fuzz/fuzz-work/stats.tsv ]; then
	echo "executions per target over all recorded sessions:"
	awk -F'\t' '{n[$2]+=$3} END {for (t in n) printf "  %-16s %d\n", t, n[t]}' build-fuzz/fuzz-work/stats.tsv | sort
fi
exit $status
