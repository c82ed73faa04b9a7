#!/usr/bin/env bash
# Scale-out with GNU parallel (examples/parallel/run.sh over examples/steps.sh):
# N = 1, 2, 3, 7 tasks give the same documents as one process running the
# same stages; a killed task rerun gives the same output; merged stats add up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scale_lib.sh"
need_data
set -e
if ! command -v parallel >/dev/null; then
	echo "SKIP: GNU parallel is not installed (tools/install-deps.sh installs it)" >&2
	exit 77
fi
EX="$SLUICE_SOURCE_ROOT/examples"
mkdir -p "$T/in"
mapfile -t IN < <(make_inputs "$T/in")
reference "$T/ref" "${IN[@]}"
docs "$T/ref" > "$T/ref.docs"
check "the reference run kept documents" test "$(wc -l < "$T/ref.docs")" -gt 50
check "MinHash removed copies" test "$(json "$T/ref/dedup.json" 'j["docs_rejected"]')" -gt 10

for n in 1 2 3 7; do
	SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n $n -j 2 -w "$T/w$n" -o "$T/o$n" "${IN[@]}"
	eq "parallel N=$n: exit 0" "$rc" 0
	[ "$rc" = 0 ] || cat "$T/err" >&2
	docs "$T/o$n" > "$T/o$n.docs"
	check "parallel N=$n: the same documents as one process" cmp "$T/ref.docs" "$T/o$n.docs"
	eq "parallel N=$n: merged quality stats = the single run's" \
		"$(json "$T/o$n/stats/quality.json" '[j["tasks"], j["docs_in"], j["docs_out"], j["rejected_by"]]')" \
		"$(json "$T/ref/quality.json" '['$n', j["docs_in"], j["docs_out"], j["rejected_by"]]')"
done

# a rerun does nothing; a task that died (no marker, no output) is redone
before=$(find "$T/o3" -type f -newer "$T/w3/inputs.txt" | sort | xargs md5sum)
SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n 3 -j 2 -w "$T/w3" -o "$T/o3" "${IN[@]}"
eq "rerun: exit 0" "$rc" 0
eq "rerun: every task skipped" "$(grep -c 'already done' "$T/out")" $((3 * 4 + 2))
rm "$T/w3/done/write-00001" "$T/o3"/part-00001*
SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n 3 -j 2 -w "$T/w3" -o "$T/o3" "${IN[@]}"
eq "resumed after a lost task: exit 0" "$rc" 0
docs "$T/o3" > "$T/o3b.docs"
check "resumed: the same documents" cmp "$T/ref.docs" "$T/o3b.docs"
SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n 3 -j 2 -w "$T/w3" -o "$T/o3" "${IN[0]}"
eq "other inputs into a started work directory: refused" "$rc" 1
SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n 3 -w "$T/w9"
eq "no inputs: usage error" "$rc" 2

done_testing
