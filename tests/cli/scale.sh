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

# one large WARC file split between tasks at record boundaries (--index)
# THREADS (--threads of every stage that has it) changes nothing
THREADS=2 SLUICE="$SLUICE" run "$EX/parallel/run.sh" -n 2 -j 1 -w "$T/wt" -o "$T/ot" "${IN[@]}"
eq "parallel N=2, THREADS=2: exit 0" "$rc" 0
docs "$T/ot" > "$T/ot.docs"
check "parallel N=2, THREADS=2: the same documents as one process" cmp "$T/ref.docs" "$T/ot.docs"
check "parallel N=2, THREADS=2: the same shards as one thread" \
	sh -c "cd '$T/o2' && for f in part-*.bin part-*.idx; do cmp -s \"\$f\" '$T/ot/'\"\$f\" || exit 1; done"

mkdir -p "$T/warc"
W=("$DATA/warc/dolma-wget-sample-0000.warc.gz" "$DATA/warc/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz"
   "$DATA/warc/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz")
cp "${W[@]}" "$T/warc/"
W=("$T"/warc/*.gz)
"$SLUICE" warc -q "${W[@]}" > "$T/warc.ref" 2>/dev/null
run "$SLUICE" warc --index "${W[@]}"
eq "warc --index: exit 0" "$rc" 0
check "warc --index: reports the records" has "$T/err" "48 records"
for n in 2 3 7; do
	: > "$T/warc.$n"
	parts=()
	for i in $(seq 0 $((n - 1))); do
		"$SLUICE" warc -q --shard "$i/$n" "${W[@]}" 2>/dev/null > "$T/warc.$n.$i"
		cat "$T/warc.$n.$i" >> "$T/warc.$n"
		parts+=("$(wc -l < "$T/warc.$n.$i")")
	done
	check "indexed WARC, N=$n: the parts in order = the whole" cmp "$T/warc.ref" "$T/warc.$n"
	check "indexed WARC, N=$n: no part is empty (files are split)" test "$(printf '%s\n' "${parts[@]}" | grep -cx 0)" -eq 0
done
"$SLUICE" warc -q --shard 1/7 "$T/warc/dolma-wget-sample-0000.warc.gz" > "$T/one.1" 2>/dev/null
check "one indexed file alone is split too" test "$(wc -l < "$T/one.1")" -gt 0
# a stale index (the file changed) is ignored: the file goes whole to one part
printf 'x' | cat "$T/warc/dolma-wget-sample-0000.warc.gz" - > "$T/stale.warc.gz"
cp "$T/warc/dolma-wget-sample-0000.warc.gz.offsets" "$T/stale.warc.gz.offsets"
"$SLUICE" warc -q --shard 1/7 "$T/stale.warc.gz" > "$T/stale.1" 2>/dev/null || true
eq "stale index: not split" "$(wc -l < "$T/stale.1")" 0
run "$SLUICE" warc --index "$DATA/warc/CC-MAIN-2024-22.warc.paths.gz"
eq "--index on a file that is not a WARC: exit 1" "$rc" 1
check "says why" has "$T/err" "no gzip member starts a WARC record"

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
