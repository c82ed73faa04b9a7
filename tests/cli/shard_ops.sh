#!/usr/bin/env bash
# Shard sets under operation (sluice shard and sluice tok --format): one
# writer per prefix (PREFIX.lock), the --stats of a resumed run equal to an
# uninterrupted run's, and prefixes without a name refused.
. "$(dirname "$0")/lib.sh"
need_data
set -e
export SLUICE_MODELS="$DATA/tokenizers"

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
# real documents with ids (crc32 of each word: any deterministic scheme will
# do), and among them malformed lines (the stage frame's unreadable),
# documents without "tokens" or with bad ones (shard's unreadable) and
# empty ones (rejected)
python3 - "$DOLMA" "$T/tok.jsonl" "$T/mixed.jsonl" <<'PY'
import gzip, json, sys, zlib
src, tok, mixed = sys.argv[1:]
with gzip.open(src, 'rt', encoding='utf-8') as f:
    lines = [json.loads(l) for l in f]
out, mix = [], []
for i, d in enumerate(lines):
    d['tokens'] = [zlib.crc32(w.encode()) % 50257 for w in d['text'].split()]
    out.append(json.dumps(d) + '\n')
    mix.append(out[-1])
    if i % 50 == 10: mix.append('{"id": "cut short\n')
    if i % 70 == 20: mix.append('{"id":"nt%d","text":"no tokens"}\n' % i)
    if i % 90 == 30: mix.append('{"id":"bt%d","text":"x","tokens":[1,"a"]}\n' % i)
    if i % 40 == 5: mix.append('{"id":"e%d","text":"","tokens":[]}\n' % i)
open(tok, 'w').writelines(out)
open(mixed, 'w').writelines(mix)
PY
OPTS=(--format megatron --vocab-size 50257 --max-tokens-per-file 20000)

# same_files A B: every shard file of set A equals set B's
same_files() {
	local a=$1 b=$2 x n=0
	for x in "$a"_*; do
		[ -e "$x" ] || return 1
		cmp -s "$x" "$b${x#"$a"}" || { echo "differs: $x" >&2; return 1; }
		n=$((n + 1))
	done
	[ "$(ls "$b"_* | wc -l)" -eq "$n" ] && [ $n -gt 0 ]
}
# same_set A B: the shard files and the manifests (but for the names)
same_set() {
	same_files "$1" "$2" || return 1
	sed "s|\"${2##*/}_|\"${1##*/}_|g" "$2.manifest.json" | cmp -s - "$1.manifest.json" ||
		{ echo "differs: $1.manifest.json" >&2; return 1; }
}
# wait_for CONDITION...: up to 60 s
wait_for() {
	local i
	for i in $(seq 600); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# the counters of a --stats file that an uninterrupted run and a resumed one
# share (all but docs_resumed and seconds)
counters() { python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
for k in ('docs_resumed', 'seconds'): j.pop(k)
print(json.dumps(j, sort_keys=True))" "$1"; }

mkdir -p "$T/ref"
"$SLUICE" shard -q "${OPTS[@]}" -o "$T/ref/k" "$T/tok.jsonl"
check "no lock file left after a run" test ! -e "$T/ref/k.lock"

# --- one writer per prefix: a second sluice on a set being written is
# refused and touches nothing (the first's temporary files stay, its set is
# whole); the first is held after 100 documents until the second has tried
mkdir -p "$T/l"
{ head -100 "$T/tok.jsonl"; wait_for test -e "$T/go"; tail -n +101 "$T/tok.jsonl"; } |
	"$SLUICE" shard -q "${OPTS[@]}" --stats "$T/a.json" -o "$T/l/k" - 2>"$T/a.err" &
apid=$!
check "first writer: the lock is taken" wait_for test -s "$T/l/k.lock"
check "first writer: a shard is being written" wait_for sh -c "ls '$T/l' | grep -q tmp-"
run "$SLUICE" shard -q "${OPTS[@]}" -o "$T/l/k" "$T/tok.jsonl"
eq "second writer: exit 1" "$rc" 1
eq "second writer: message" "$(cat "$T/err")" \
	"sluice shard: '$T/l/k' is being written by another sluice (pid $(cat "$T/l/k.lock"), lock '$T/l/k.lock'); not touched"
run "$SLUICE" shard -q "${OPTS[@]}" --restart -o "$T/l/k" "$T/tok.jsonl"
eq "second writer with --restart: exit 1" "$rc" 1
check "second writer with --restart: the manifest stays" test -e "$T/l/k.manifest.json"
run "$SLUICE" shard -q "${OPTS[@]}" --shuffle -o "$T/l/k" "$T/tok.jsonl"
eq "second writer with other options: exit 1" "$rc" 1
has "$T/err" "is being written by another sluice" && pass || fail "other options: the lock comes first: $(cat "$T/err")"
run "$SLUICE" tok --tokenizer cl100k_base --format megatron -o "$T/l/k" "$T/tok.jsonl"
eq "tok --format on the same set: exit 1" "$rc" 1
has "$T/err" "sluice tok: '$T/l/k' is being written by another sluice" && pass || fail "tok --format message: $(cat "$T/err")"
check "the first writer's temporary file stays" sh -c "ls '$T/l' | grep -q tmp-"
touch "$T/go"
set +e
wait $apid
rc=$?
set -e
eq "first writer: exit 0" "$rc" 0
eq "first writer: no message" "$(cat "$T/a.err")" ""
"$SLUICE" shard verify "$T/l/k" >/dev/null && pass || fail "first writer: the set verifies"
check "first writer: the set equals a single run's" same_set "$T/l/k" "$T/ref/k"
eq "first writer: every document" "$(json "$T/a.json" "(j['docs_in'], j['docs_resumed'])")" "($(grep -c . "$T/tok.jsonl"), 0)"
check "first writer: the lock file is removed" test ! -e "$T/l/k.lock"
# a lock file left behind (a killed run) holds nothing; shard verify and
# shard cat read the set with the lock file there
echo 99999999 > "$T/l/k.lock"
"$SLUICE" shard verify "$T/l/k" >/dev/null && pass || fail "verify with a lock file there"
"$SLUICE" shard cat "$T/l/k" | cmp -s - <("$SLUICE" shard cat "$T/ref/k") && pass || fail "cat with a lock file there"
run "$SLUICE" shard "${OPTS[@]}" --restart -o "$T/l/k" "$T/tok.jsonl"
eq "a stale lock file: --restart runs" "$rc" 0
check "a stale lock file: the set is written" same_set "$T/l/k" "$T/ref/k"
check "a stale lock file: removed" test ! -e "$T/l/k.lock"
# a complete set: what a run killed after completing it left (a --shuffle
# run's buckets) is removed, the set stays
mkdir -p "$T/l/k.shuffle-999999"
: > "$T/l/k.shuffle-999999/bucket-00000"
: > "$T/l/k.manifest.json.tmp-999999"
run "$SLUICE" shard "${OPTS[@]}" -o "$T/l/k" "$T/tok.jsonl"
has "$T/err" "is complete (" && pass || fail "complete set: said: $(cat "$T/err")"
eq "complete set: a killed run's leftovers removed" "$(ls -A "$T/l" | grep -c 'shuffle-\|tmp-')" 0
check "complete set: the set stays" same_set "$T/l/k" "$T/ref/k"
# another set whose name starts with this one's and "_" (k_20240101 beside
# k): its files, temporaries included, are not this set's to clean up
for f in k_20240101_00000.bin.tmp-999999 k_20240101_00000.idx k_20240101.manifest.json.tmp-999999 \
	k_20240101_00007.bin k_123456_00000.bin.tmp-999999 k_00000.bin.tmp-x k_000123.bin; do
	: > "$T/l/$f"
done
: > "$T/l/k_00042.bin.tmp-999999"
run "$SLUICE" shard "${OPTS[@]}" -o "$T/l/k" "$T/tok.jsonl"
eq "another set's files stay" "$(cd "$T/l" && ls k_20240101_00000.bin.tmp-999999 k_20240101_00000.idx \
	k_20240101.manifest.json.tmp-999999 k_20240101_00007.bin k_123456_00000.bin.tmp-999999 k_00000.bin.tmp-x \
	k_000123.bin 2>&1 | grep -c '^k_')" 7
check "this set's own stale temporary is removed" test ! -e "$T/l/k_00042.bin.tmp-999999"
rm -f "$T/l"/k_20240101* "$T/l"/k_123456* "$T/l"/k_00000.bin.tmp-x "$T/l"/k_000123.bin
# a lock held by another process (flock(1)) refuses sluice tok --format too
if command -v flock >/dev/null; then
	# (a shell that takes the lock and becomes the sleep holding it, so
	# that killing it lets go)
	(exec 9>"$T/l/k.lock" >/dev/null 2>&1; flock -x 9; exec sleep 60) &
	fpid=$!
	wait_for sh -c "! flock -xn '$T/l/k.lock' true"
	run "$SLUICE" tok --tokenizer cl100k_base --format megatron --restart -o "$T/l/k" "$T/tok.jsonl"
	eq "flock(1) holds the lock: tok --format exit 1" "$rc" 1
	has "$T/err" "(lock '$T/l/k.lock'); not touched" && pass || fail "flock(1): message: $(cat "$T/err")"
	check "flock(1) holds the lock: the set stays" same_set "$T/l/k" "$T/ref/k"
	kill $fpid
	wait $fpid 2>/dev/null || true
fi
# a lock file that cannot be made: a clear error
mkdir -p "$T/l/d.lock"
run "$SLUICE" shard -q "${OPTS[@]}" -o "$T/l/d" "$T/tok.jsonl"
eq "lock file cannot be made: exit 1" "$rc" 1
has "$T/err" "cannot lock '$T/l/d.lock'" && pass || fail "lock file error: $(cat "$T/err")"

# --- a resumed run's --stats: kill -9 after some shards, rerun; every
# counter (in, out, rejected, unreadable, by reason, tokens...) equals an
# uninterrupted run's, and so do the files
MOPTS=("${OPTS[@]}" --on-error skip)
mkdir -p "$T/r"
"$SLUICE" shard -q "${MOPTS[@]}" --stats "$T/clean.json" -o "$T/r/c" "$T/mixed.jsonl" 2>/dev/null
check "clean run: documents of every kind" test "$(json "$T/clean.json" \
	"min(j['docs_rejected'], j['unreadable_by']['malformed_json'], j['unreadable_by']['no_tokens'], j['unreadable_by']['bad_tokens'])")" -gt 0
mkfifo "$T/fifo"
{ head -400 "$T/mixed.jsonl"; wait_for test -e "$T/never"; } > "$T/fifo" &
fpid=$!
"$SLUICE" shard -q "${MOPTS[@]}" -o "$T/r/k" - < "$T/fifo" 2>/dev/null &
kpid=$!
has_shards() { [ "$(json "$1" "len(j['shards'])" 2>/dev/null || echo 0)" -ge "$2" ]; }
check "killed run: shards written" wait_for has_shards "$T/r/k.manifest.json" 3
kill -9 $kpid
wait $kpid 2>/dev/null || true
kill $fpid 2>/dev/null || true
wait $fpid 2>/dev/null || true
check "killed run: incomplete" test "$(json "$T/r/k.manifest.json" "j['complete']")" = False
cp "$T/r/k.manifest.json" "$T/killed.manifest.json"
run "$SLUICE" shard -q "${MOPTS[@]}" --stats "$T/res.json" -o "$T/r/k" "$T/mixed.jsonl"
eq "resumed: exit" "$rc" 0
check "resumed: it did resume" test "$(json "$T/res.json" "j['docs_resumed']")" -gt 0
eq "resumed: the counters of an uninterrupted run" "$(counters "$T/res.json")" "$(counters "$T/clean.json")"
eq "resumed: conservation" "$(json "$T/res.json" "j['docs_in'] - j['docs_out'] - j['docs_rejected'] - j['docs_unreadable']")" 0
check "resumed: the files of an uninterrupted run" same_set "$T/r/k" "$T/r/c"
# a manifest from before the counts were kept: resumed as before (every
# document of the kept shards' input counted as written), and said
for p in o t; do
	cp "$T/r/c.manifest.json" "$T/r/$p.manifest.json"
	for x in "$T"/r/c_*; do cp "$x" "$T/r/$p${x#"$T/r/c"}"; done
done
python3 - "$T/killed.manifest.json" "$T/r/o.manifest.json" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
n = len(m['shards'])
for s in m['shards']:
    s.pop('rejected', None); s.pop('unreadable', None); s.pop('input_xxh3', None)
    for f in s['files']: f['name'] = 'o' + f['name'][1:]
open(sys.argv[2], 'w').write(json.dumps(m, indent=2))
PY
n=$(json "$T/r/o.manifest.json" "len(j['shards'])")
for x in "$T"/r/o_*; do
	i=${x##*/o_}
	[ "${i%%.*}" -lt "$n" ] || rm "$x"
done
run "$SLUICE" shard -q "${MOPTS[@]}" --stats "$T/old.json" -o "$T/r/o" "$T/mixed.jsonl"
eq "old manifest: exit" "$rc" 0
has "$T/err" "note: the manifest of '$T/r/o' has no counts of the documents its shards did not take" && pass ||
	fail "old manifest: said: $(cat "$T/err")"
eq "old manifest: conservation" "$(json "$T/old.json" "j['docs_in'] - j['docs_out'] - j['docs_rejected'] - j['docs_unreadable']")" 0
check "old manifest: the files of an uninterrupted run" same_files "$T/r/o" "$T/r/c"
eq "old manifest: counts kept for the shards written since" \
	"$(json "$T/r/o.manifest.json" "[('rejected' in s, 'unreadable' in s) == ((s['index'] >= $n),) * 2 for s in j['shards']].count(False)")" 0
# a resumed run given other input than the killed one: said
python3 - "$T/killed.manifest.json" "$T/r/t.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for s in m['shards']:
    for f in s['files']: f['name'] = 't' + f['name'][1:]
open(sys.argv[2], 'w').write(json.dumps(m, indent=2))
PY
cp -r "$T/r" "$T/r-before"
run "$SLUICE" shard -q "${MOPTS[@]}" -o "$T/r/t" "$T/tok.jsonl"
eq "other input: exit 1" "$rc" 1
has "$T/err" "'$T/r/t' was written from other input: the input's first" && pass ||
	fail "other input: said: $(cat "$T/err")"
check "other input: its manifest as it was" cmp "$T/r-before/t.manifest.json" "$T/r/t.manifest.json"
for x in $(json "$T/r/t.manifest.json" "' '.join(f['name'] for s in j['shards'] for f in s['files'])"); do
	check "other input: kept $x as it was" cmp "$T/r-before/$x" "$T/r/$x"
done
# ... and an older manifest (no fingerprints): resumed, with the warning
python3 - "$T/r/t.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for s in m['shards']: s.pop('input_xxh3', None)
open(sys.argv[1], 'w').write(json.dumps(m, indent=2))
PY
run "$SLUICE" shard -q "${MOPTS[@]}" -o "$T/r/t" "$T/tok.jsonl"
has "$T/err" "was it the same input?" && pass || fail "other input, older manifest: said: $(cat "$T/err")"
# a killed run's input cut short: the kept shards took more than it has
python3 - "$T/killed.manifest.json" "$T/r/u.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for s in m['shards']:
    for f in s['files']: f['name'] = 'u' + f['name'][1:]
open(sys.argv[2], 'w').write(json.dumps(m, indent=2))
PY
for x in "$T"/r/k_*; do cp "$x" "$T/r/u${x#"$T/r/k"}"; done
head -30 "$T/mixed.jsonl" > "$T/short.jsonl"
run "$SLUICE" shard -q "${MOPTS[@]}" -o "$T/r/u" "$T/short.jsonl"
eq "input cut short: exit 1" "$rc" 1
has "$T/err" "was written from other input" && pass || fail "input cut short: said: $(cat "$T/err")"
check "input cut short: the set is not marked complete" test "$(json "$T/r/u.manifest.json" "j['complete']")" = False

# --- a complete set run again: its input is compared with the one it was
# written from (the manifest's fingerprint): the same says nothing to do,
# other input (other documents, one more, one fewer) fails and touches
# nothing; a set written by older sluice (no fingerprint) is left alone
mkdir -p "$T/v"
"$SLUICE" shard -q "${MOPTS[@]}" -o "$T/v/s" "$T/mixed.jsonl" 2>/dev/null
check "complete: fingerprint recorded" test "$(json "$T/v/s.manifest.json" "len(j['input_xxh3'])")" = 16
cp -r "$T/v" "$T/v-before"
run "$SLUICE" shard "${MOPTS[@]}" --stats "$T/v.json" -o "$T/v/s" "$T/mixed.jsonl"
eq "complete, same input: exit 0" "$rc" 0
has "$T/err" "'$T/v/s' is complete (" && has "$T/err" "written from this input; nothing to do" && pass ||
	fail "complete, same input: said: $(cat "$T/err")"
check "complete, same input: nothing written" diff -r "$T/v-before" "$T/v"
run "$SLUICE" shard -q "${MOPTS[@]}" -o "$T/v/s" "$T/mixed.jsonl"
eq "complete, same input, -q: exit 0" "$rc" 0
has "$T/err" "nothing to do" && fail "complete, same input, -q: said: $(cat "$T/err")" || pass
{ cat "$T/mixed.jsonl"; tail -1 "$T/tok.jsonl"; } > "$T/more.jsonl"
head -n -1 "$T/mixed.jsonl" > "$T/fewer.jsonl"
python3 - "$T/mixed.jsonl" "$T/changed.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).readlines()
for i, l in enumerate(lines):  # one token of the last good document
    try:
        d = json.loads(l)
    except ValueError:
        continue
    if isinstance(d.get('tokens'), list) and d['tokens']:
        k = i
d = json.loads(lines[k]); d['tokens'][0] = (d['tokens'][0] + 1) % 50000
lines[k] = json.dumps(d) + '\n'
open(sys.argv[2], 'w').writelines(lines)
PY
cmp -s "$T/mixed.jsonl" "$T/changed.jsonl" && fail "complete: changed input is the same" || pass
for other in more fewer changed tok; do
	run "$SLUICE" shard -q "${MOPTS[@]}" -o "$T/v/s" "$T/$other.jsonl"
	eq "complete, $other input: exit 1" "$rc" 1
	has "$T/err" "'$T/v/s' is complete and was written from other input" && pass ||
		fail "complete, $other input: said: $(cat "$T/err")"
	check "complete, $other input: nothing written or removed" diff -r "$T/v-before" "$T/v"
done
python3 - "$T/v/s.manifest.json" "$T/v/o.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
del m['input_xxh3']
for s in m['shards']:
    s.pop('input_xxh3', None)
    for f in s['files']: f['name'] = 'o' + f['name'][1:]
open(sys.argv[2], 'w').write(json.dumps(m, indent=2))
PY
for x in "$T"/v/s_*; do cp "$x" "$T/v/o${x#"$T/v/s"}"; done
run "$SLUICE" shard "${MOPTS[@]}" -o "$T/v/o" "$T/tok.jsonl"
eq "complete, older manifest: exit 0" "$rc" 0
has "$T/err" "'$T/v/o' is complete (" && has "$T/err" "and verified; nothing to do" && pass ||
	fail "complete, older manifest: said: $(cat "$T/err")"
# shuffled: the same, the fingerprint in input order
"$SLUICE" shard -q "${MOPTS[@]}" --shuffle --seed 3 -o "$T/v/h" "$T/mixed.jsonl" 2>/dev/null
cp -r "$T/v" "$T/v-before2"
run "$SLUICE" shard "${MOPTS[@]}" --shuffle --seed 3 -o "$T/v/h" "$T/mixed.jsonl"
eq "complete shuffled, same input: exit 0" "$rc" 0
has "$T/err" "written from this input; nothing to do" && pass || fail "complete shuffled, same input: said: $(cat "$T/err")"
run "$SLUICE" shard -q "${MOPTS[@]}" --shuffle --seed 3 -o "$T/v/h" "$T/changed.jsonl"
eq "complete shuffled, changed input: exit 1" "$rc" 1
has "$T/err" "'$T/v/h' is complete and was written from other input" && pass ||
	fail "complete shuffled, changed input: said: $(cat "$T/err")"
check "complete shuffled: nothing written or removed" diff -r "$T/v-before2" "$T/v"
# a shuffled run killed after its last shard, before the manifest said
# complete: every record is a kept shard's, checked at the end of the input
python3 - "$T/v/h.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m['complete'] = False; del m['input_documents']; del m['input_xxh3']
open(sys.argv[1], 'w').write(json.dumps(m, indent=2))
PY
run "$SLUICE" shard -q "${MOPTS[@]}" --shuffle --seed 3 -o "$T/v/h" "$T/mixed.jsonl"
eq "shuffled, killed after its last shard: exit 0" "$rc" 0
eq "shuffled, killed after its last shard: complete" "$(json "$T/v/h.manifest.json" "j['complete']")" True
check "shuffled, killed after its last shard: the same shards" cmp "$T/v-before2/h_00000.bin" "$T/v/h_00000.bin"

# the same with sluice tok --format: empty documents rejected, resumed
# counters equal
python3 - "$DOLMA" "$T/text.jsonl" <<'PY'
import gzip, json, sys
with gzip.open(sys.argv[1], 'rt', encoding='utf-8') as f, open(sys.argv[2], 'w') as o:
    for i, l in enumerate(f):
        if i >= 300: break
        o.write(l)
        if i % 30 == 3: o.write(json.dumps({'id': 'e%d' % i, 'text': ''}) + '\n')
        if i % 45 == 7: o.write('{"id": "cut\n')
PY
TOPTS=(tok --tokenizer cl100k_base --format megatron --max-tokens-per-file 30000 --on-error skip -q)
"$SLUICE" "${TOPTS[@]}" --stats "$T/tclean.json" -o "$T/r/tc" "$T/text.jsonl" 2>/dev/null
check "tok --format: empty documents rejected" test "$(json "$T/tclean.json" "j['rejected_by']['empty']")" -gt 0
python3 - "$T/r/tc.manifest.json" "$T/r/tk.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m['shards'] = m['shards'][:4]; m['complete'] = False; del m['input_documents']
for s in m['shards']:
    for f in s['files']: f['name'] = 'tk' + f['name'][2:]
open(sys.argv[2], 'w').write(json.dumps(m, indent=2))
PY
for x in "$T"/r/tc_0000[0-3].*; do cp "$x" "$T/r/tk${x#"$T/r/tc"}"; done
run "$SLUICE" "${TOPTS[@]}" --stats "$T/tres.json" -o "$T/r/tk" "$T/text.jsonl"
eq "tok --format resumed: exit" "$rc" 0
check "tok --format resumed: it did resume" test "$(json "$T/tres.json" "j['docs_resumed']")" -gt 0
eq "tok --format resumed: the counters of an uninterrupted run" "$(counters "$T/tres.json")" "$(counters "$T/tclean.json")"
check "tok --format resumed: the files of an uninterrupted run" same_set "$T/r/tk" "$T/r/tc"
python3 - "$T/text.jsonl" "$T/text2.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).readlines()
d = json.loads(lines[0]); d['text'] = 'x' + d['text']
lines[0] = json.dumps(d) + '\n'
open(sys.argv[2], 'w').writelines(lines)
PY
cmp -s "$T/text.jsonl" "$T/text2.jsonl" && fail "tok --format: changed text is the same" || pass
run "$SLUICE" "${TOPTS[@]}" -o "$T/r/tk" "$T/text2.jsonl"
eq "tok --format complete, changed input: exit 1" "$rc" 1
has "$T/err" "is complete and was written from other input" && pass ||
	fail "tok --format complete, changed input: said: $(cat "$T/err")"
run "$SLUICE" "${TOPTS[@]}" -o "$T/r/tk" "$T/text.jsonl"
eq "tok --format complete, same input: exit 0" "$rc" 0
run "$SLUICE" tok --tokenizer cl100k_base --format megatron --annotate-only -o "$T/r/ta" "$T/text.jsonl"
eq "tok --format --annotate-only: usage error" "$rc" 2
has "$T/err" "empty documents are left out and counted as rejected" && pass || fail "--annotate-only message: $(cat "$T/err")"
"$SLUICE" tok --help | tr '\n' ' ' | grep -qF "Empty documents (no ids) are left out and counted as rejected" && pass ||
	fail "tok --help: empty documents rejected"

# --- a prefix must end in a name: "dir/", "." and ".." are usage errors,
# nothing is written
mkdir -p "$T/p/so"
cd "$T/p/so"
for pre in "$T/p/so/" "$T/p/so/." "$T/p/so/.." . ..; do
	run "$SLUICE" shard "${OPTS[@]}" -o "$pre" "$T/tok.jsonl"
	eq "shard -o '$pre': exit 2" "$rc" 2
	has "$T/err" "-o '$pre': PREFIX needs a name after its folder" && pass || fail "shard -o '$pre': message: $(cat "$T/err")"
	run "$SLUICE" tok --tokenizer cl100k_base --format nanogpt -o "$pre" "$T/tok.jsonl"
	eq "tok --format -o '$pre': exit 2" "$rc" 2
	has "$T/err" "-o '$pre': PREFIX needs a name after its folder" && pass || fail "tok -o '$pre': message: $(cat "$T/err")"
done
eq "bad prefixes: nothing written" "$(find "$T/p" -mindepth 1)" "$T/p/so"
eq "shard -o so/: the message" "$("$SLUICE" shard "${OPTS[@]}" -o "$T/p/so/" "$T/tok.jsonl" 2>&1 | head -1)" \
	"sluice shard: -o '$T/p/so/': PREFIX needs a name after its folder, not '' (the set is PREFIX.manifest.json and PREFIX_NNNNN.*: e.g. -o '$T/p/so/web')"
run "$SLUICE" shard "${OPTS[@]}" -o "$T/p/so/.web" "$T/tok.jsonl"
eq "a name starting with a dot is a name" "$rc" 0

# --- a file system without file locks (flock fails with ENOSYS, as on
# Lustre without the flock mount option; simulated with a preloaded flock):
# the run goes on unlocked and says so (not with a sanitizer build, whose
# runtime must come first)
if command -v cc >/dev/null && ! ldd "$SLUICE" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	printf '%s\n' '#include <errno.h>' 'int flock(int fd, int op) { (void)fd; (void)op; errno = ENOSYS; return -1; }' > "$T/noflock.c"
	if cc -shared -fPIC -o "$T/noflock.so" "$T/noflock.c" 2>/dev/null; then
		run env LD_PRELOAD="$T/noflock.so" "$SLUICE" shard "${OPTS[@]}" -o "$T/nl/k" "$T/tok.jsonl"
		eq "no file locks: exit 0" "$rc" 0
		check "no file locks: says so" has "$T/err" "this file system has no file locks: one writer per set is not enforced here"
		check "no file locks: the set equals a single run's" same_set "$T/nl/k" "$T/ref/k"
		check "no file locks: no lock file left" test ! -e "$T/nl/k.lock"
	fi
fi

done_testing
