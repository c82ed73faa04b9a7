#!/usr/bin/env bash
# The outputs of stages: no output may be an input (-o, --rejects, --stats,
# dedup lines --save, dedup minhash --signatures, ppl -o); --save and
# --signatures go through the output layer (devices and symlinks written
# through, .gz by name, - is stdout, nothing under the final name after a
# failure); the line set and the signatures are published only with the
# documents; a failed run publishes no output at all (-o, --rejects), and
# the folders of the outputs are checked before any input is read.
#
# Devices are copies made with mknod in $T (never the real /dev nodes: the
# code under test might replace them with regular files).
. "$(dirname "$0")/lib.sh"
need_data
set -e

zcat "$DATA/jsonl/dolma-cc_en_head-0091.jsonl.gz" | head -40 > "$T/t.jsonl"
cat "$T/t.jsonl" "$T/t.jsonl" > "$T/twice.jsonl"
head -5 "$T/t.jsonl" > "$T/t5.jsonl"
# (made again before each part, so that a part that replaced one with a
# regular file does not hide what the next part checks)
devs() {
	rm -rf "$T/dev"
	mkdir -p "$T/dev"
	mknod "$T/dev/full" c 1 7
	mknod "$T/dev/null" c 1 3
}
devs
ndocs=$(grep -c . "$T/t.jsonl")

# nothing but the files named is left in a folder: no temporaries
no_temps() { ! ls -a "$1" | grep -q '\.tmp-'; }

# --- bug 1: an output that is an input is a usage error, and the input stays
fresh() { cp "$T/t.jsonl" "$T/u.jsonl"; }
same_input() { # DESC WANT-MESSAGE CMD...
	local desc=$1 want=$2
	shift 2
	fresh
	run "$@"
	eq "$desc: exit 2" "$rc" 2
	check "$desc: said" has "$T/err" "$want"
	check "$desc: the input is intact" cmp -s "$T/u.jsonl" "$T/t.jsonl"
}
same_input "--stats is the input" "sluice quality: --stats '$T/u.jsonl' is also an input" \
	"$SLUICE" quality "$T/u.jsonl" --stats "$T/u.jsonl"
same_input "--stats is the second input (a glob after --stats)" "--stats '$T/u.jsonl' is also an input" \
	"$SLUICE" cat --stats "$T/u.jsonl" "$T/t5.jsonl" "$T/u.jsonl"
# --stats *.jsonl: the shell makes the first data file --stats' value, and
# sluice cannot see it is an input; it is not a --stats file, so it stays
same_input "--stats is data the glob put first" "--stats '$T/u.jsonl' exists and is not a sluice --stats file: not replaced" \
	"$SLUICE" quality --stats "$T/u.jsonl" "$T/t5.jsonl"
"$SLUICE" cat -q --stats "$T/again.json" "$T/t5.jsonl" > /dev/null
run "$SLUICE" cat -q --stats "$T/again.json" "$T/t5.jsonl"
eq "--stats replaces an earlier run's --stats" "$rc:$(json "$T/again.json" "j['docs_in']")" "0:$(grep -c . "$T/t5.jsonl")"
: > "$T/empty.json"
run "$SLUICE" cat -q --stats "$T/empty.json" "$T/t5.jsonl"
eq "--stats replaces an empty file" "$rc" 0
same_input "--rejects is the input" "--rejects '$T/u.jsonl' is also an input" \
	"$SLUICE" cat "$T/u.jsonl" --rejects "$T/u.jsonl"
same_input "-o is the input" "-o '$T/u.jsonl' is also an input" \
	"$SLUICE" cat "$T/u.jsonl" -o "$T/u.jsonl"
ln -s u.jsonl "$T/link.jsonl"
same_input "-o is a symlink to the input" "-o '$T/link.jsonl' is also an input ('$T/u.jsonl')" \
	"$SLUICE" cat "$T/u.jsonl" -o "$T/link.jsonl"
same_input "-o is the input by another name" "-o '$T/./u.jsonl' is also an input" \
	"$SLUICE" cat "$T/u.jsonl" -o "$T/./u.jsonl"
same_input "dedup lines --save is the input" "sluice dedup lines: --save '$T/u.jsonl' is also an input" \
	"$SLUICE" dedup lines "$T/u.jsonl" --save "$T/u.jsonl" -o /dev/null
same_input "dedup minhash --signatures is the input" "sluice dedup minhash: --signatures '$T/u.jsonl' is also an input" \
	"$SLUICE" dedup minhash "$T/u.jsonl" --signatures "$T/u.jsonl"
same_input "dedup minhash --signatures is the input (--shard)" "--signatures '$T/u.jsonl' is also an input" \
	"$SLUICE" dedup minhash --shard 1/2 "$T/t5.jsonl" "$T/u.jsonl" --signatures "$T/u.jsonl" -o /dev/null
same_input "ppl train -o is the input" "sluice ppl train: -o '$T/u.jsonl' is also an input" \
	"$SLUICE" ppl train "$T/u.jsonl" -o "$T/u.jsonl"
same_input "shard --stats is the input" "--stats '$T/u.jsonl' is also an input" \
	"$SLUICE" shard --format jsonl -o "$T/sh/k" --stats "$T/u.jsonl" "$T/u.jsonl"
check "shard --stats is the input: no shard set begun" test ! -e "$T/sh"
# --save/--signatures against the other outputs
run "$SLUICE" dedup minhash "$T/t.jsonl" -o "$T/o.jsonl" --signatures "$T/o.jsonl"
eq "--signatures is -o: exit 2" "$rc" 2
check "--signatures is -o: said" has "$T/err" "--signatures '$T/o.jsonl' is also the output of -o"
run "$SLUICE" dedup minhash "$T/t.jsonl" --signatures -
eq "--signatures - with the documents on stdout: exit 2" "$rc" 2
run "$SLUICE" dedup lines "$T/t.jsonl" -o "$T/o.jsonl" --stats "$T/s.json" --save "$T/s.json"
eq "--save is --stats: exit 2" "$rc" 2
check "refused: nothing written" test ! -e "$T/o.jsonl" -a ! -e "$T/s.json"
# devices and pipes are not compared: /dev/null in, /dev/null out
run "$SLUICE" cat "$T/dev/null" -o "$T/dev/null" --stats "$T/dev/null" --rejects "$T/dev/null"
eq "/dev/null as input and every output: exit 0" "$rc" 0
check "/dev/null stays a device" test -c "$T/dev/null"
run "$SLUICE" dedup lines "$T/t.jsonl" -o "$T/dev/null" --save "$T/dev/null"
eq "dedup lines: -o and --save /dev/null: exit 0" "$rc" 0

devs
# --- bug 5: dedup lines --save through the output layer
"$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/set" -o "$T/lines.jsonl"
eq "--save: a line set" "$(head -c 16 "$T/set")" "SLUICE-LINESET01"
run "$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/dev/full" -o "$T/o.jsonl"
eq "--save to a full device: exit 1" "$rc" 1
check "--save to a full device: said" has "$T/err" "cannot write '$T/dev/full': No space left on device"
check "--save to a full device: still a device" test -c "$T/dev/full"
check "--save to a full device: no output published" test ! -e "$T/o.jsonl"
run "$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/dev/null" -o "$T/o.jsonl"
eq "--save to /dev/null: exit 0" "$rc" 0
check "--save to /dev/null: still a device" test -c "$T/dev/null"
rm -f "$T/o.jsonl"
ln -s target.lines "$T/setlink"
run "$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/setlink" -o /dev/null
eq "--save through a symlink: exit 0" "$rc" 0
check "--save through a symlink: still a link" test -L "$T/setlink"
check "--save through a symlink: the target written" cmp -s "$T/target.lines" "$T/set"
"$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/set.gz" -o /dev/null
check "--save x.gz: gzip" gzip -t "$T/set.gz"
check "--save x.gz: the set" sh -c "zcat '$T/set.gz' | cmp -s - '$T/set'"
"$SLUICE" dedup lines -q --load "$T/set.gz" "$T/t.jsonl" --stats "$T/s.json" > /dev/null
eq "--load x.gz: every line known" "$(json "$T/s.json" "j['units'] == j['units_removed'] > 0")" True
(cd "$T" && "$SLUICE" dedup lines -q twice.jsonl --save - -o /dev/null > stdout.lines)
check "--save -: the set on stdout" cmp -s "$T/stdout.lines" "$T/set"
check "--save -: no file named -" test ! -e "$T/-"
check "--save: no temporaries" no_temps "$T"

devs
# --- bug 6: --signatures through the output layer
"$SLUICE" dedup minhash -q "$T/t.jsonl" --signatures "$T/sig.jsonl" -o /dev/null
eq "--signatures: one line a document" "$(grep -c '"signature"' "$T/sig.jsonl")" "$ndocs"
"$SLUICE" dedup minhash -q "$T/t.jsonl" --signatures "$T/sig.jsonl.gz" -o /dev/null
check "--signatures x.gz: gzip" gzip -t "$T/sig.jsonl.gz"
check "--signatures x.gz: the same lines" sh -c "zcat '$T/sig.jsonl.gz' | cmp -s - '$T/sig.jsonl'"
(cd "$T" && "$SLUICE" dedup minhash -q t.jsonl --signatures - -o o.jsonl > sig.stdout)
check "--signatures -: on stdout" cmp -s "$T/sig.stdout" "$T/sig.jsonl"
check "--signatures -: no file named -" test ! -e "$T/-"
check "--signatures -: documents in -o" test -s "$T/o.jsonl"
rm -f "$T/o.jsonl"
run "$SLUICE" dedup minhash -q "$T/twice.jsonl" --signatures "$T/sig2.jsonl" -o "$T/dev/full"
eq "--signatures, failed run: exit 1" "$rc" 1
check "--signatures, failed run: nothing under the final name" test ! -e "$T/sig2.jsonl"
run "$SLUICE" dedup minhash -q "$T/twice.jsonl" --signatures "$T/sig2.jsonl" --max-memory 1k -o "$T/o.jsonl"
eq "--signatures, index over --max-memory: exit 1" "$rc" 1
check "--signatures, index over --max-memory: nothing under the final name" test ! -e "$T/sig2.jsonl"
check "--signatures: no temporaries" no_temps "$T"

devs
# --- bug 7: the line set is published only with the documents
"$SLUICE" dedup lines -q "$T/t5.jsonl" --save "$T/month" > /dev/null
cp "$T/month" "$T/month.before"
run "$SLUICE" dedup lines -q --load "$T/month" --save "$T/month" "$T/twice.jsonl" -o "$T/dev/full" --stats "$T/s.json"
eq "--load X --save X, output fails: exit 1" "$rc" 1
check "--load X --save X, output fails: X unchanged" cmp -s "$T/month" "$T/month.before"
eq "--load X --save X, output fails: stats say incomplete" "$(json "$T/s.json" "j['complete']")" False
run "$SLUICE" dedup lines -q "$T/twice.jsonl" --save "$T/new.lines" -o "$T/o.jsonl" --rejects "$T/dev/full"
eq "--save, rejects fail: exit 1" "$rc" 1
check "--save, rejects fail: no set published" test ! -e "$T/new.lines"
check "--save, rejects fail: no output published" test ! -e "$T/o.jsonl"
run "$SLUICE" dedup lines -q --load "$T/month" --save "$T/month" "$T/twice.jsonl" -o "$T/o.jsonl"
eq "--load X --save X: exit 0" "$rc" 0
check "--load X --save X: X updated" test "$(stat -c %s "$T/month")" -gt "$(stat -c %s "$T/month.before")"
rm -f "$T/o.jsonl"
check "--save: no temporaries" no_temps "$T"

devs
# --- bug 8: all outputs or none
run "$SLUICE" dedup exact "$T/twice.jsonl" -o "$T/o.jsonl" --rejects "$T/dev/full" --stats "$T/s.json"
eq "rejects fail at the end: exit 1" "$rc" 1
check "rejects fail at the end: said" has "$T/err" "cannot write '$T/dev/full': No space left on device"
check "rejects fail at the end: no output published" test ! -e "$T/o.jsonl"
eq "rejects fail at the end: stats say incomplete" "$(json "$T/s.json" "j['complete']")" False
rm -f "$T/s.json"
run "$SLUICE" dedup exact "$T/twice.jsonl" -o "$T/o.jsonl" --rejects "$T/r.jsonl" --stats "$T/dev/full"
eq "stats fail: exit 1" "$rc" 1
check "stats fail: said" has "$T/err" "cannot write '$T/dev/full'"
check "stats fail: no output published" test ! -e "$T/o.jsonl"
check "stats fail: no rejects published" test ! -e "$T/r.jsonl"
run "$SLUICE" quality "$T/t.jsonl" -o "$T/o.jsonl" --stats "$T/nodir/s.json"
eq "--stats in a missing folder: exit 1" "$rc" 1
eq "--stats in a missing folder: said, before reading" "$(cat "$T/err")" \
	"sluice quality: cannot open '$T/nodir/s.json': No such file or directory"
check "--stats in a missing folder: no output" test ! -e "$T/o.jsonl"
run "$SLUICE" cat "$T/t.jsonl" -o "$T/o.jsonl" --stats "$T/t.jsonl/s.json"
eq "--stats under a file: exit 1" "$rc" 1
check "--stats under a file: said" has "$T/err" "cannot open '$T/t.jsonl/s.json': Not a directory"
ln -s nodir/x.json "$T/dangling.json"
run "$SLUICE" cat "$T/t.jsonl" -o "$T/o.jsonl" --stats "$T/dangling.json"
eq "--stats a link into a missing folder: exit 1" "$rc" 1
check "--stats a link into a missing folder: no output" test ! -e "$T/o.jsonl"
mkfifo "$T/fifo"
run timeout 20 "$SLUICE" cat "$T/fifo" -o "$T/o.jsonl" --stats "$T/nodir/s.json"
eq "--stats in a missing folder, input a FIFO nobody writes: exit 1 at once" "$rc" 1
run "$SLUICE" dedup exact "$T/twice.jsonl" -o "$T/o.jsonl" --rejects "$T/r.jsonl" --stats "$T/s.json"
eq "all outputs fine: exit 0" "$rc" 0
eq "all outputs fine: out + rejected" "$(( $(grep -c . "$T/o.jsonl") + $(grep -c . "$T/r.jsonl") ))" "$((2 * ndocs))"
eq "all outputs fine: stats complete" "$(json "$T/s.json" "j['complete']")" True
check "no temporaries" no_temps "$T"

# --- the reader of a side output going away (--rejects - | head) stops the
# run: a failure, and -o is not published incomplete
python3 -c "
import json, sys
with open(sys.argv[1], 'w') as f:
    for i in range(60000):
        f.write(json.dumps({'id': str(i), 'text': 'doc number %d with some words' % (i // 2)}) + '\n')
" "$T/dup.jsonl"
run bash -c '"$1" dedup exact -q --rejects - -o "$2" "$3" | head -1 > /dev/null; exit "${PIPESTATUS[0]}"' _ "$SLUICE" "$T/eo.jsonl" "$T/dup.jsonl"
eq "--rejects reader gone: exit 1" "$rc" 1
check "--rejects reader gone: says so" has "$T/err" "cannot write '-': broken pipe"
check "--rejects reader gone: -o not published" test ! -e "$T/eo.jsonl"
run bash -c '"$1" dedup minhash -q --signatures - -o "$2" "$3" | head -1 > /dev/null; exit "${PIPESTATUS[0]}"' _ "$SLUICE" "$T/mo.jsonl" "$T/dup.jsonl"
eq "--signatures reader gone: exit 1" "$rc" 1
check "--signatures reader gone: -o not published" test ! -e "$T/mo.jsonl"
# the main output's reader going is the reader's choice: quiet, exit 0
run bash -c '"$1" dedup exact -q "$2" | head -1 > /dev/null; exit "${PIPESTATUS[0]}"' _ "$SLUICE" "$T/dup.jsonl"
eq "stdout reader gone: exit 0" "$rc" 0
eq "stdout reader gone: quiet" "$(cat "$T/err")" ""

done_testing
