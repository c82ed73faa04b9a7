#!/usr/bin/env bash
# sluice stats --merge over real stats: `sluice stats` outputs and a stage's
# --stats files are not mixed; a member whose JSON type differs between the
# files is refused (the key and both files named); a string that only some
# files have (--shard's "shard") becomes null.
. "$(dirname "$0")/lib.sh"
need_data
set -e
zcat "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" | head -200 > "$T/d.jsonl"
head -80 "$T/d.jsonl" > "$T/a.jsonl"
"$SLUICE" stats "$T/d.jsonl" > "$T/so1.json"
"$SLUICE" stats "$T/a.jsonl" > "$T/so2.json"
"$SLUICE" cat -q --stats "$T/cat.json" "$T/d.jsonl" > /dev/null
"$SLUICE" cat -q --stats "$T/cat2.json" "$T/a.jsonl" > /dev/null
"$SLUICE" cat -q --shard 0/2 --stats "$T/s0.json" "$T/d.jsonl" > /dev/null
"$SLUICE" cat -q --shard 1/2 --stats "$T/s1.json" "$T/d.jsonl" > /dev/null

# what merges: outputs with outputs, stages with stages
run "$SLUICE" stats --merge "$T/so1.json" "$T/so2.json"
eq "stats outputs merge" "$rc:$(json "$T/out" "(j['tasks'], j['docs'])")" "0:(2, 280)"
run "$SLUICE" stats --merge "$T/cat.json" "$T/cat2.json"
eq "cat stats merge" "$rc:$(json "$T/out" "(j['tasks'], j['docs_in'], j['stage'])")" "0:(2, 280, 'cat')"
run "$SLUICE" stats --merge "$T/s0.json" "$T/s1.json"
eq "shards merge, their shard strings differ" "$rc:$(json "$T/out" "(j['docs_in'], j['shard'])")" "0:(200, None)"

# a `sluice stats` output with a stage's --stats: refused, in both orders
for order in "so1 cat" "cat so1"; do
	set -- $order
	run "$SLUICE" stats --merge "$T/$1.json" "$T/$2.json"
	eq "stats output + cat stats ($order): exit" "$rc:$(wc -c < "$T/out")" "1:0"
	eq "stats output + cat stats ($order): message" "$(cat "$T/err")" \
		"sluice stats: '$T/cat.json' is the --stats of stage \"cat\", '$T/so1.json' a \`sluice stats\` output: they cannot be merged"
done

# a counter of another type: refused, the key and both files named
printf '{"stage": "cat", "docs_in": "x"}\n' > "$T/bad.json"
run "$SLUICE" stats --merge "$T/cat.json" "$T/bad.json"
eq "docs_in a string: exit" "$rc" 1
eq "docs_in a string: message" "$(cat "$T/err")" \
	"sluice stats: '$T/bad.json': \"docs_in\" is a string, but a number in '$T/cat.json': they cannot be merged"
printf '{"stage": "cat", "rejected_by": {"r": [1]}}\n' > "$T/bad2.json"
printf '{"stage": "cat", "rejected_by": {"r": 2}}\n' > "$T/bad3.json"
run "$SLUICE" stats --merge "$T/cat.json" "$T/bad2.json" "$T/bad3.json"
eq "nested member of another type: message" "$(cat "$T/err")" \
	"sluice stats: '$T/bad3.json': \"rejected_by.r\" is a number, but an array in '$T/bad2.json': they cannot be merged"

# "shard" in one file only: null, whichever comes first
eq "a plain cat stats has no shard" "$(json "$T/cat.json" "'shard' in j")" False
for order in "s0 cat" "cat s0"; do
	set -- $order
	run "$SLUICE" stats --merge "$T/$1.json" "$T/$2.json"
	eq "shard in one file ($order): null" "$rc:$(json "$T/out" "j['shard']")" "0:None"
done
# a merged file merged again keeps it null
"$SLUICE" stats --merge "$T/s0.json" "$T/s1.json" > "$T/m.json"
run "$SLUICE" stats --merge "$T/m.json" "$T/s0.json"
eq "merged again: shard null" "$rc:$(json "$T/out" "(j['shard'], j['docs_in'])")" "0:(None, $((200 + $(json "$T/s0.json" "j['docs_in']"))))"

done_testing
