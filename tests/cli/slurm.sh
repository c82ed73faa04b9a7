#!/usr/bin/env bash
# Scale-out on a live Slurm: a single-node cluster (munged, slurmctld,
# slurmd) started under the test's directory, the pipeline submitted as job
# arrays (examples/slurm/submit.sh, N=3), its documents compared with one
# process running the same stages; a resubmission skips every task; a lost
# task is redone by resubmitting.  Skips (exit 77) where the daemons cannot
# run: not root, Slurm not installed (tools/install-deps.sh installs it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"
need_data
if [ -n "${SLUICE_SANITIZED:-}" ]; then
	# the daemons and scripts are what this test is about; the sanitizer
	# build runs the same sluice commands in tests/cli/scale.sh
	echo "SKIP: the live Slurm test runs in the normal build only (this is the $SLUICE_SANITIZED build)" >&2
	exit 77
fi
set -e
CL="$SLUICE_SOURCE_ROOT/tests/slurm/cluster.sh"
EX="$SLUICE_SOURCE_ROOT/examples"
set +e
conf=$("$CL" start "$T/cluster")
rc=$?
set -e
if [ $rc -ne 0 ]; then
	[ $rc -eq 77 ] && exit 77
	echo "FAIL: could not start the test cluster" >&2
	exit 1
fi
trap '"$CL" stop "$T/cluster"; rm -rf "$T"' EXIT
export SLURM_CONF=$conf
echo "slurm: $(sinfo -h -o '%P %D %t %c CPUs' | head -1)"

mkdir -p "$T/in"
mapfile -t IN < <(make_inputs "$T/in")
reference "$T/ref" "${IN[@]}"
docs "$T/ref" > "$T/ref.docs"

SLUICE="$SLUICE" run timeout 600 "$EX/slurm/submit.sh" -n 3 -w "$T/w" -o "$T/o" --wait "${IN[@]}"
eq "slurm N=3: the pipeline finished" "$rc" 0
[ "$rc" = 0 ] || { cat "$T/out" "$T/err" >&2; tail -5 "$T"/w/logs/*.log >&2 || true; }
check "one log per task" test "$(ls "$T/w/logs" | wc -l)" -eq $((3 * 4 + 2))
docs "$T/o" > "$T/o.docs"
check "slurm N=3: the same documents as one process" cmp "$T/ref.docs" "$T/o.docs"
eq "merged stats cover the three tasks" "$(json "$T/o/stats/quality.json" '[j["tasks"], j["docs_in"]]')" \
	"$(json "$T/ref/quality.json" '[3, j["docs_in"]]')"

SLUICE="$SLUICE" run timeout 600 "$EX/slurm/submit.sh" -n 3 -w "$T/w" -o "$T/o" --wait "${IN[@]}"
eq "resubmitted: exit 0" "$rc" 0
eq "resubmitted: every task skipped" "$(cat "$T"/w/logs/*.log | grep -c 'already done')" $((3 * 4 + 2))
rm "$T/w/done/write-00002" "$T/o"/part-00002*
SLUICE="$SLUICE" run timeout 600 "$EX/slurm/submit.sh" -n 3 -w "$T/w" -o "$T/o" --wait "${IN[@]}"
eq "a lost task, resubmitted: exit 0" "$rc" 0
docs "$T/o" > "$T/o2.docs"
check "resubmitted: the same documents" cmp "$T/ref.docs" "$T/o2.docs"

# a failing task cancels the arrays after it, and says so
printf '%s\n' "$T/in/missing.jsonl" > /dev/null
SLUICE="$SLUICE" run timeout 600 "$EX/slurm/submit.sh" -n 2 -w "$T/wf" -o "$T/of" --wait "$T/in/does-not-exist.jsonl"
eq "a failing filter task: exit 1" "$rc" 1
check "points at the logs" has "$T/err" "did not finish"
check "nothing after it ran" test ! -e "$T/wf/done/sign-00000"

done_testing
