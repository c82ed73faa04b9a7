#!/usr/bin/env bash
# Regenerate or print the per-rule rejection counts of sluice quality over
# the real documents in ../shared/data/jsonl (used by tests/cli/quality.sh).
set -eu
SLUICE=${SLUICE:?}
DATA=${SLUICE_SHARED_DATA:?}
echo "# sluice quality over ../shared/data/jsonl, one rule set at a time with the defaults:"
echo "# file rule docs_in docs_out rejected_by (reasons sorted).  The counts come from"
echo "# sluice's own tokenizer approximation (see README), not from datatrove; a change"
echo "# here means a rule or the word splitter changed behaviour: check it, then rerun"
echo "# tests/cli/quality-golden.sh > tests/cli/golden/quality-counts.txt"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	"$SLUICE" cat -q --add-id "$f" > "$T/in.jsonl"
	for r in gopher gopher-rep c4 fineweb gopher,gopher-rep,c4,fineweb; do
		"$SLUICE" quality -q --rules "$r" --stats "$T/s.json" "$T/in.jsonl" > /dev/null
		python3 -c "
import json,sys
j=json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], j['docs_in'], j['docs_out'], ' '.join('%s=%d' % kv for kv in sorted(j['rejected_by'].items())))
" "$T/s.json" "$(basename "$f")" "$r"
	done
done
