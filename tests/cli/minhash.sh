#!/usr/bin/env bash
# sluice minhash sign|buckets|cluster|filter: the sharded steps keep the same
# documents as streaming `sluice dedup minhash`; the signature files hold the
# same signatures in datatrove's layout; steps can be re-run after a kill;
# damaged files and usage errors.
. "$(dirname "$0")/lib.sh"
need_data
set -e
PY=/usr/bin/python3
S="$SLUICE"
for f in "$DATA"/jsonl/dolma-*.jsonl.gz; do zcat "$f"; done > "$T/dolma.jsonl"
# real documents, exact copies and 3 %-edited copies under new ids
$PY - "$T/dolma.jsonl" "$T/in.jsonl" <<'PY'
import json, random, sys
rng = random.Random(3)
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
out = list(docs)
for i, d in enumerate(rng.sample(docs, 300)):
    w = d['text'].split()
    if i % 2:
        for k in rng.sample(range(len(w)), len(w) * 3 // 100):
            w[k] = 'edited'
    out.append({'id': 'copy%d' % i, 'text': ' '.join(w)})
rng.shuffle(out)
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    for d in out:
        f.write(json.dumps(d, ensure_ascii=False) + '\n')
PY
gzip -c "$T/in.jsonl" > "$T/in.jsonl.gz"

sharded() {   # sharded N DIR FILES...: the four steps, filter outputs concatenated
	local n=$1 d=$2 i
	shift 2
	for i in $(seq 0 $((n - 1))); do "$S" minhash sign -q --dir "$d/sigs" --shard "$i/$n" "$@"; done
	"$S" minhash buckets --dir "$d/sigs" --out "$d/dups" --shard 0/2
	"$S" minhash buckets --dir "$d/sigs" --out "$d/dups" --shard 1/2
	"$S" minhash cluster --dir "$d/dups" --out "$d/rem"
	for i in $(seq 0 $((n - 1))); do "$S" minhash filter -q --dir "$d/rem" --shard "$i/$n" "$@"; done
}
"$S" dedup minhash -q "$T/in.jsonl" > "$T/stream.jsonl"
check "streaming removes copies" test "$(grep -c . "$T/stream.jsonl")" -lt "$(($(grep -c . "$T/in.jsonl") - 250))"
sharded 3 "$T/a" "$T/in.jsonl" > "$T/sharded.jsonl"
check "3 byte-range shards keep what streaming keeps" cmp -s "$T/sharded.jsonl" "$T/stream.jsonl"
sharded 1 "$T/b" "$T/in.jsonl" > "$T/one.jsonl"
check "1 shard keeps what streaming keeps" cmp -s "$T/one.jsonl" "$T/stream.jsonl"
cp "$T/in.jsonl.gz" "$T/in2.jsonl.gz"
sharded 2 "$T/c" "$T/in.jsonl.gz" "$T/in2.jsonl.gz" > "$T/twofiles.jsonl"
"$S" dedup minhash -q "$T/in.jsonl.gz" "$T/in2.jsonl.gz" > "$T/stream2.jsonl"
check "whole-file shards keep what streaming keeps" cmp -s "$T/twofiles.jsonl" "$T/stream2.jsonl"

# --- the signature files: datatrove's <8QI> records, sorted, same signatures
"$S" dedup minhash -q --signatures "$T/sig.jsonl" "$T/in.jsonl" > /dev/null
eq "bucket files hold the streaming signatures, sorted" "$($PY - "$T/b/sigs" "$T/sig.jsonl" <<'PY'
import json, os, struct, sys
sigs = [json.loads(l)['signature'] for l in open(sys.argv[2])]
bad = 0
for b in range(14):
    data = open(os.path.join(sys.argv[1], 'bucket_%03d' % b, '00000.minhash.sig'), 'rb').read()
    assert len(data) % 68 == 0
    recs = [struct.unpack_from('<8QI', data, i) for i in range(0, len(data), 68)]
    bad += recs != sorted(recs)
    want = sorted(tuple(s[8 * b:8 * b + 8]) + (i,) for i, s in enumerate(sigs) if s)
    bad += recs != want
print(bad)
PY
)" 0

# --- re-running a step after a kill: files appear whole or not at all
cp -r "$T/a" "$T/a0"
"$S" minhash sign -q --dir "$T/a/sigs" --shard 1/3 "$T/in.jsonl"
check "sign again: the same bytes" diff -r "$T/a/sigs" "$T/a0/sigs"
: > "$T/a/sigs/bucket_000/00001.minhash.sig.tmp-999"      # what a kill leaves
: > "$T/a/dups/00003_00.dups.tmp-999"
rm -r "$T/a/rem"
"$S" minhash buckets --dir "$T/a/sigs" --out "$T/a/dups"
"$S" minhash cluster --dir "$T/a/dups" --out "$T/a/rem"
check "left-over temporary files are ignored" diff -r "$T/a/rem" "$T/a0/rem"
rm "$T/a/rem/done"
run "$S" minhash filter --dir "$T/a/rem" "$T/in.jsonl"
eq "filter refuses an unfinished cluster step" "$rc" 1
check "unfinished message" has "$T/err" "is not a finished \`sluice minhash cluster\` output"

# --- kill -9 at random points of every step, then run the step again: the
# result equals an uninterrupted run (files are published whole or not at all)
for _ in 1 2 3 4 5 6; do cat "$T/in.jsonl"; done > "$T/big.jsonl"
"$S" minhash sign -q --dir "$T/k0/sigs" "$T/big.jsonl"
"$S" minhash buckets --dir "$T/k0/sigs" --out "$T/k0/dups"
"$S" minhash cluster --dir "$T/k0/dups" --out "$T/k0/rem"
"$S" minhash filter -q --dir "$T/k0/rem" "$T/big.jsonl" -o "$T/k0/kept.jsonl"
killed=0
for round in 1 2 3 4 5 6; do
	rm -rf "$T/k"
	for step in sign buckets cluster filter; do
		case $step in
		sign) args=(sign -q --dir "$T/k/sigs" "$T/big.jsonl") ;;
		buckets) args=(buckets --dir "$T/k/sigs" --out "$T/k/dups") ;;
		cluster) args=(cluster --dir "$T/k/dups" --out "$T/k/rem") ;;
		filter) args=(filter -q --dir "$T/k/rem" "$T/big.jsonl" -o "$T/k/kept.jsonl") ;;
		esac
		"$S" minhash "${args[@]}" & pid=$!
		sleep "0.0$(( (RANDOM % 9) + round ))"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" 2>/dev/null || true
		"$S" minhash "${args[@]}"
	done
	# a killed step may leave a temporary file behind; readers ignore them
	check "round $round: killed and rerun steps give the uninterrupted result" \
		sh -c "cmp -s '$T/k/kept.jsonl' '$T/k0/kept.jsonl' && diff -r -x '*.tmp-*' '$T/k' '$T/k0' >/dev/null"
done
echo "minhash: kill -9 reached $killed of 24 steps before they were reaped" >&2

# --- damaged files and usage errors
head -c 100 "$T/a0/sigs/bucket_002/00000.minhash.sig" > "$T/a/sigs/bucket_002/00000.minhash.sig"
run "$S" minhash buckets --dir "$T/a/sigs" --out "$T/a/dups2"
eq "damaged signature file" "$rc" 1
check "damaged signature message" has "$T/err" "damaged"
printf 'abc' > "$T/a/dups/00001_00.dups"
run "$S" minhash cluster --dir "$T/a/dups" --out "$T/a/rem2"
eq "damaged pair file" "$rc:$(cat "$T/err")" "1:sluice minhash cluster: '$T/a/dups/00001_00.dups': not a whole number of 16-byte pairs"
run "$S" minhash sign "$T/in.jsonl"
eq "sign without --dir" "$rc" 2
run "$S" minhash buckets --dir "$T/none" --out "$T/x"
eq "buckets on a missing dir" "$rc" 1
run "$S" minhash merge
eq "unknown step" "$rc" 2
printf '%s\n' '{"id":"a","text":"one two three four five six"}' 'garbage' '{"id":"b","text":"one two three four five six"}' > "$T/bad.jsonl"
run "$S" minhash sign --dir "$T/d/sigs" --on-error skip --stats "$T/s.json" "$T/bad.jsonl"
eq "sign counts what it could not read" "$rc:$(json "$T/s.json" "j['docs_in'], j['docs_out'], j['docs_unreadable']")" "0:3 2 1"
"$S" minhash buckets --dir "$T/d/sigs" --out "$T/d/dups"
"$S" minhash cluster --dir "$T/d/dups" --out "$T/d/rem"
run "$S" minhash filter --dir "$T/d/rem" --on-error skip --stats "$T/s.json" "$T/bad.jsonl"
eq "filter: same positions despite a bad line" "$rc:$(cut -c1-9 "$T/out"):$(json "$T/s.json" "j['docs_rejected']")" '0:{"id":"a":1'

# --- a directory reused by a later run: no step reads files of the earlier
# one (stale .remove lists, signatures of a larger N, pairs of more bands)
"$S" dedup minhash -q "$T/in.jsonl" > "$T/uniq.jsonl"          # no near-duplicates left
steps() {   # steps N BANDS BUCKET-TASKS DIR FILE: the four steps; filter's output in DIR.out
	local n=$1 bands=$2 bt=$3 d=$4 f=$5 i
	for i in $(seq 0 $((n - 1))); do "$S" minhash sign -q --buckets "$bands" --dir "$d/sigs" --shard "$i/$n" "$f"; done
	for i in $(seq 0 $((bt - 1))); do "$S" minhash buckets --buckets "$bands" --dir "$d/sigs" --out "$d/dups" --shard "$i/$bt"; done
	"$S" minhash cluster --dir "$d/dups" --out "$d/rem"
	for i in $(seq 0 $((n - 1))); do "$S" minhash filter -q --dir "$d/rem" --shard "$i/$n" "$f"; done > "$d.out"
}
steps 2 14 2 "$T/fresh" "$T/uniq.jsonl"
check "control: nothing to remove from the deduplicated documents" cmp -s "$T/fresh.out" "$T/uniq.jsonl"
steps 2 14 2 "$T/r1" "$T/in.jsonl"
check "the first run removes copies" test "$(grep -c . "$T/r1.out")" -lt "$(($(grep -c . "$T/in.jsonl") - 250))"
steps 2 14 2 "$T/r1" "$T/uniq.jsonl"
check "reused directories: filter removes nothing from documents without copies" cmp -s "$T/r1.out" "$T/uniq.jsonl"
check "reused directories: the same files as fresh ones" diff -r "$T/r1" "$T/fresh"
# an earlier run with more shards, more bands and more bucket tasks; foreign files stay
steps 3 20 3 "$T/r2" "$T/in.jsonl"
echo keep > "$T/r2/sigs/notes.txt"; echo keep > "$T/r2/sigs/bucket_019/notes.txt"
echo keep > "$T/r2/dups/notes.txt"; echo keep > "$T/r2/rem/notes.txt"
steps 2 14 2 "$T/r2" "$T/uniq.jsonl"
check "fewer shards and bands: filter removes nothing" cmp -s "$T/r2.out" "$T/uniq.jsonl"
diff -r "$T/r2" "$T/fresh" | sort > "$T/r2.diff" || true
eq "fewer shards and bands: the same files as fresh directories (and the foreign ones)" "$(cat "$T/r2.diff")" \
	"$(printf '%s\n' "Only in $T/r2/dups: notes.txt" "Only in $T/r2/rem: notes.txt" "Only in $T/r2/sigs: bucket_019" "Only in $T/r2/sigs: notes.txt" | sort)"
# sign tasks of an array run at once into a directory of a larger N: none removes another's output
steps 5 14 1 "$T/r3" "$T/in.jsonl"
for i in 0 1; do "$S" minhash sign -q --dir "$T/r3/sigs" --shard "$i/2" "$T/uniq.jsonl" & done; wait
check "concurrent sign tasks: the signatures of fresh ones" diff -r "$T/r3/sigs" "$T/fresh/sigs"

# a step refuses what is not one whole run of the step before
cp -r "$T/fresh" "$T/m"
rm "$T/m/sigs/sign-00001.manifest"
run "$S" minhash buckets --dir "$T/m/sigs" --out "$T/m/dups"
eq "buckets: a sign task did not finish" "$rc:$(cat "$T/err")" "1:sluice minhash buckets: '$T/m/sigs': \`sluice minhash sign --shard 1/2\` did not finish (no '$T/m/sigs/sign-00001.manifest'); run it"
run "$S" minhash cluster --dir "$T/m/dups" --out "$T/m/rem"
eq "cluster: a buckets task did not finish (its manifest went first)" "$rc" 1
check "cluster: no done and no remove lists after a failed run" test ! -e "$T/m/rem/done"
run "$S" minhash filter --dir "$T/m/rem" "$T/uniq.jsonl"
eq "filter refuses after a failed cluster" "$rc" 1
"$S" minhash sign -q --seed 2 --dir "$T/m/sigs" --shard 1/2 "$T/uniq.jsonl"
run "$S" minhash buckets --dir "$T/m/sigs" --out "$T/m/dups"
eq "buckets: sign tasks of different runs" "$rc" 1
check "different runs message" has "$T/err" "come from different \`sluice minhash sign\` runs"
run "$S" minhash buckets --buckets 20 --dir "$T/fresh/sigs" --out "$T/m/dups2"
eq "buckets: --buckets does not match the signatures" "$rc" 2
run "$S" minhash filter --dir "$T/fresh/rem" --shard 0/3 "$T/uniq.jsonl"
eq "filter: --shard N must be sign's" "$rc" 2
run "$S" minhash buckets --dir "$T/d" --out "$T/m/dups3"
eq "buckets: a directory without signatures" "$rc:$(cat "$T/err")" "1:sluice minhash buckets: '$T/d' holds no finished \`sluice minhash sign\` output (no sign-*.manifest): run that step first"

# --- filter reads the documents sign read: its lists name them by position,
# so sign records how many it read and a fingerprint of their texts, buckets
# and cluster pass them on, and filter compares
check "sign manifests record their input" grep -q '^input_xxh3 [0-9a-f]\{16\}$' "$T/fresh/sigs/sign-00000.manifest"
eq "done carries every sign task's input" "$(grep -c '^sign_input ' "$T/fresh/rem/done")" 2
n=$(grep -c . "$T/in.jsonl")
$PY - "$T/in.jsonl" "$T/mh" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
def put(name, ds):
    with open(sys.argv[2] + name, 'w', encoding='utf-8') as f:
        for d in ds:
            f.write(json.dumps(d, ensure_ascii=False) + '\n')
edited = [dict(d) for d in docs]
edited[len(docs) // 2]['text'] += ' (edited)'
put('-edited.jsonl', edited)
put('-longer.jsonl', docs + [{'id': 'new', 'text': 'a document that came later'}])
put('-shorter.jsonl', docs[:-1])
put('-swapped.jsonl', [docs[1], docs[0]] + docs[2:])
put('-meta.jsonl', [dict(d, metadata={'language': 'en'}) for d in docs])
PY
for v in edited longer shorter swapped; do
	run "$S" minhash filter --dir "$T/b/rem" "$T/mh-$v.jsonl" -o "$T/mh-$v.out"
	eq "filter, $v input: exit 1" "$rc" 1
	check "filter, $v input: says so" has "$T/err" "this input is not the one \`minhash sign --shard 0/1\` signed"
	check "filter, $v input: no output file" test ! -e "$T/mh-$v.out"
done
run "$S" minhash filter -q --dir "$T/b/rem" "$T/mh-longer.jsonl"
check "filter, a longer input: stops at the document sign did not read" has "$T/err" "more than its $n documents"
eq "filter, a longer input: what came before it written" "$(grep -c . "$T/out")" "$(grep -c . "$T/one.jsonl")"
run "$S" minhash filter --dir "$T/b/rem" "$T/mh-shorter.jsonl"
check "filter, a shorter input: counts" has "$T/err" "it has $((n - 1)) documents, not $n"
run "$S" minhash filter --dir "$T/b/rem" "$T/mh-edited.jsonl"
check "filter, an edited text: the same number, other texts" has "$T/err" "the same number of documents ($n), other texts"
run "$S" minhash filter -q --dir "$T/b/rem" "$T/in.jsonl.gz"
eq "filter, the same texts compressed: exit 0" "$rc" 0
check "filter, the same texts compressed: the same documents" cmp -s "$T/out" "$T/one.jsonl"
run "$S" minhash filter -q --dir "$T/b/rem" "$T/mh-meta.jsonl"
eq "filter, the same texts with other metadata: exit 0" "$rc" 0
eq "filter, the same texts with other metadata: the same documents" \
	"$($PY -c 'import json,sys; print([json.loads(l)["id"] for l in open(sys.argv[1])] == [json.loads(l)["id"] for l in open(sys.argv[2])])' "$T/out" "$T/one.jsonl")" True
# the second of two shards: an edit that keeps every byte offset (so the
# documents stay in their shards) is found by the fingerprint alone
$PY - "$T/uniq.jsonl" "$T/uniq-same-len.jsonl" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
k = len(lines) * 3 // 4
while ' the ' not in lines[k][lines[k].index('"text"'):]:
    k += 1
i = lines[k].index(' the ', lines[k].index('"text"'))
lines[k] = lines[k][:i] + ' thy ' + lines[k][i + 5:]
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
PY
eq "the edit keeps the size" "$(wc -c < "$T/uniq-same-len.jsonl")" "$(wc -c < "$T/uniq.jsonl")"
run "$S" minhash filter -q --dir "$T/fresh/rem" --shard 1/2 "$T/uniq.jsonl"
eq "filter --shard 1/2, the signed input: exit 0" "$rc" 0
run "$S" minhash filter -q --dir "$T/fresh/rem" --shard 1/2 "$T/uniq-same-len.jsonl"
eq "filter --shard 1/2, one letter changed: exit 1" "$rc" 1
check "filter --shard 1/2, one letter changed: says so" has "$T/err" "not the one \`minhash sign --shard 1/2\` signed"
run "$S" minhash filter -q --dir "$T/fresh/rem" --shard 0/2 "$T/uniq-same-len.jsonl"
eq "filter --shard 0/2, the change in the other shard: exit 0" "$rc" 0
# the output closing early is not a mismatch
"$S" minhash filter -q --dir "$T/b/rem" "$T/in.jsonl" 2> "$T/err" | head -1 > /dev/null
eq "filter | head: exit 0" "${PIPESTATUS[0]}" 0
eq "filter | head: no message" "$(cat "$T/err")" ""
# a REMDIR of a run before fingerprints: filter cannot tell, and does not
cp -r "$T/b/rem" "$T/old-rem"
grep -v '^sign_input ' "$T/b/rem/done" > "$T/old-rem/done"
run "$S" minhash filter -q --dir "$T/old-rem" "$T/mh-edited.jsonl"
eq "filter, done of an older run: no check" "$rc" 0
# buckets tasks that saw other sign runs' inputs are not one run
cp -r "$T/fresh" "$T/mx"
sed -i 's/^\(sign_input 1 [0-9]*\) [0-9a-f]*$/\1 0123456789abcdef/' "$T/mx/dups/buckets-00001.manifest"
run "$S" minhash cluster --dir "$T/mx/dups" --out "$T/mx/rem2"
eq "cluster: buckets tasks with other sign inputs" "$rc" 1
check "cluster: says they are different runs" has "$T/err" "come from different \`sluice minhash buckets\` runs (other --shard N, parameters or input)"

done_testing
