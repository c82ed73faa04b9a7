#!/usr/bin/env bash
# sluice shard: golden bytes per format, dtype choice, round trips through
# shard cat on real documents, bad input, resumption after kill -9, a full
# disk.  The independent numpy reader is in shard_numpy.sh.
. "$(dirname "$0")/lib.sh"
need_data
set -e

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"

# tokenized input made from real documents: one id per word, crc32 of the
# word modulo a vocabulary size (any deterministic scheme will do; the
# stages under test only see ids)
mktok() { # VOCAB OUT
	python3 - "$DOLMA" "$1" "$2" <<'PY'
import gzip, json, sys, zlib
src, vocab, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with gzip.open(src, 'rt', encoding='utf-8') as f, open(out, 'w') as o:
    for line in f:
        d = json.loads(line)
        d['tokens'] = [zlib.crc32(w.encode()) % vocab for w in d['text'].split()]
        o.write(json.dumps(d) + '\n')
PY
}
mktok 50257 "$T/tok16.jsonl"
mktok 128256 "$T/tok32.jsonl"

# the token lists of an input or of shard cat output, one JSON list a line
tokens_of() { python3 -c "
import json, sys
eos = None if sys.argv[2] == '-' else int(sys.argv[2])
for l in open(sys.argv[1]):
    t = json.loads(l)['tokens']
    if eos is not None: t = t + [eos]
    if t: print(json.dumps(t))
" "$1" "${2:--}"; }

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# --- golden bytes: REFERENCE.md §7.1's 82-byte Megatron example
printf '%s\n' '{"id":"a","text":"x","tokens":[10,11,12]}' '{"id":"b","text":"y","tokens":[13,14]}' > "$T/two.jsonl"
# a folder that cannot be made is an error (a file stands in the way)
: > "$T/g"
run "$SLUICE" shard --format megatron --vocab-size 50257 -o "$T/g/m" "$T/two.jsonl"
eq "megatron: an impossible folder is an error" "$rc" 1
rm "$T/g"
run "$SLUICE" shard --format megatron --vocab-size 50257 -o "$T/g/m" "$T/two.jsonl"
eq "megatron golden exit" "$rc" 0
# magic | version 1 | dtype 8 | sequence_count 2 | document_count 3 | lengths 3,2 | pointers 0,6 | document_indices 0,1,2
eq "megatron golden .idx (82 bytes)" "$(hex "$T/g/m_00000.idx")" \
"4d4d49444944580000""0100000000000000""08""0200000000000000""0300000000000000""03000000""02000000"\
"0000000000000000""0600000000000000""0000000000000000""0100000000000000""0200000000000000"
eq "megatron golden .bin" "$(hex "$T/g/m_00000.bin")" "0a000b000c000d000e00"
eq "megatron .idx size = 34 + 20N + 8" "$(stat -c %s "$T/g/m_00000.idx")" 82
# int32 (code 4) from the vocabulary size, as Megatron's optimal_dtype picks it
"$SLUICE" shard --format megatron --vocab-size 65500 -o "$T/g/m32" "$T/two.jsonl"
eq "megatron vocab 65500 -> int32 code 4" "$(od -An -tx1 -j17 -N1 "$T/g/m32_00000.idx" | tr -d ' ')" 04
eq "megatron int32 .bin" "$(hex "$T/g/m32_00000.bin")" "0a0000000b0000000c0000000d0000000e000000"
"$SLUICE" shard --format megatron --vocab-size 65499 -o "$T/g/m16" "$T/two.jsonl"
eq "megatron vocab 65499 -> uint16 code 8" "$(od -An -tx1 -j17 -N1 "$T/g/m16_00000.idx" | tr -d ' ')" 08
# datatrove: .ds, the §7.2 index example, metadata
"$SLUICE" shard --format datatrove --vocab-size 65536 --tokenizer gpt2 -o "$T/g/d" "$T/two.jsonl"
eq "datatrove .ds" "$(hex "$T/g/d_00000.ds")" "0a000b000c000d000e00"
eq "datatrove .ds.index" "$(hex "$T/g/d_00000.ds.index")" "03000000000000000500000000000000"
eq "datatrove .ds.metadata" "$(cat "$T/g/d_00000.ds.metadata"; echo .)" "gpt2|2
5
5.00 T."
"$SLUICE" shard --format datatrove --vocab-size 65537 -o "$T/g/d32" "$T/two.jsonl"
eq "datatrove vocab 65537 -> uint32" "$(hex "$T/g/d32_00000.ds")" "0a0000000b0000000c0000000d0000000e000000"
eq "datatrove default tokenizer name" "$(head -1 "$T/g/d32_00000.ds.metadata")" "Unknown Tokenizer|4"
# nanoGPT: raw tokens, EOS appended per document
"$SLUICE" shard --format nanogpt --vocab-size 50257 --eos 50256 -o "$T/g/n" "$T/two.jsonl"
eq "nanogpt .bin with EOS" "$(hex "$T/g/n_00000.bin")" "0a000b000c0050c40d000e0050c4"
# llm.c: 1024-byte header, magic/version/count
"$SLUICE" shard --format llmc --vocab-size 50257 -o "$T/g/l" "$T/two.jsonl"
eq "llmc v1 header" "$(head -c 12 "$T/g/l_00000.bin" | od -An -v -tx1 | tr -d ' \n')" "88d83401""01000000""05000000"
eq "llmc size" "$(stat -c %s "$T/g/l_00000.bin")" $((1024 + 10))
eq "llmc rest of header is zero" "$(head -c 1024 "$T/g/l_00000.bin" | tail -c 1012 | tr -d '\0' | wc -c)" 0
"$SLUICE" shard --format llmc --vocab-size 128256 -o "$T/g/l7" "$T/two.jsonl"
eq "llmc v7 header (uint32)" "$(head -c 12 "$T/g/l7_00000.bin" | od -An -v -tx1 | tr -d ' \n')" "a1d93401""07000000""05000000"
eq "llmc v7 size" "$(stat -c %s "$T/g/l7_00000.bin")" $((1024 + 20))
# --dtype forces the width
"$SLUICE" shard --format nanogpt --dtype uint32 -o "$T/g/n32" "$T/two.jsonl"
eq "nanogpt --dtype uint32" "$(stat -c %s "$T/g/n32_00000.bin")" 20
run "$SLUICE" shard --format megatron --dtype uint32 -o "$T/g/bad" "$T/two.jsonl"
eq "megatron has no uint32: usage error" "$rc" 2
run "$SLUICE" shard --format megatron -o "$T/g/bad" "$T/two.jsonl"
eq "no vocab and no dtype: usage error" "$rc" 2
has "$T/err" "--vocab-size or --dtype is required" && pass || fail "no dtype message"
run "$SLUICE" shard --format nanogpt --vocab-size 70000 --dtype uint16 -o "$T/g/bad" "$T/two.jsonl"
eq "vocab larger than the dtype: usage error" "$rc" 2
run "$SLUICE" shard --format nanogpt --vocab-size 100 --eos 100 -o "$T/g/bad" "$T/two.jsonl"
eq "EOS outside the vocabulary: usage error" "$rc" 2

# --- real documents, every format: verify, and shard cat gives the tokens back
tokens_of "$T/tok16.jsonl" > "$T/want16"
tokens_of "$T/tok16.jsonl" 50256 > "$T/want16e"
tokens_of "$T/tok32.jsonl" > "$T/want32"
ndocs=$(grep -c . "$T/tok16.jsonl")
mkdir -p "$T/r"
for spec in "megatron 50257 none 16" "megatron 128256 none 32" "datatrove 50257 none 16" "datatrove 128256 none 32" \
	    "nanogpt 50257 50256 16e" "llmc 50257 50256 16e" "megatron 50257 50256 16e" "jsonl 50257 none 16"; do
	set -- $spec
	name="$1-$2-$3"
	args=(--format "$1" --vocab-size "$2")
	[ "$3" != none ] && args+=(--eos "$3")
	run "$SLUICE" shard "${args[@]}" --max-tokens-per-file 20000 --stats "$T/s.json" -o "$T/r/$name" "$T/tok${4%e}.jsonl"
	eq "$name: exit" "$rc" 0
	# (documents without words have no tokens: rejected as empty unless an EOS is appended)
	eq "$name: all documents written" "$(json "$T/s.json" "(j['docs_out'], j['docs_in'])")" "($(grep -c . "$T/want$4"), $ndocs)"
	n=$(json "$T/r/$name.manifest.json" "len(j['shards'])")
	check "$name: several shards ($n)" test "$n" -gt 3
	eq "$name: every shard within the limit" \
		"$(json "$T/r/$name.manifest.json" "all(s['tokens'] <= 20000 or s['documents'] == 1 for s in j['shards'])")" True
	run "$SLUICE" shard verify "$T/r/$name"
	eq "$name: verify" "$rc" 0
	if [ "$1" = nanogpt ] || [ "$1" = llmc ]; then
		# documents come back split at EOS; crc32 ids may contain 50256 too,
		# so compare the concatenated streams
		"$SLUICE" shard cat "$T/r/$name" > "$T/cat"
		eq "$name: token stream round trip" "$(python3 -c "
import json,sys
a=[t for l in open(sys.argv[1]) for t in json.loads(l)]
b=[t for l in open(sys.argv[2]) for t in json.loads(l)['tokens']]
print(a==b, len(a))" "$T/want$4" "$T/cat")" "True $(json "$T/r/$name.manifest.json" "j['tokens']")"
	else
		"$SLUICE" shard cat "$T/r/$name" > "$T/cat"
		tokens_of "$T/cat" > "$T/got"
		check "$name: shard cat gives every document back" cmp -s "$T/got" "$T/want$4"
	fi
done
# jsonl shards keep the documents byte for byte
python3 -c "
import json, sys
for l in open(sys.argv[1]):
    if json.loads(l)['tokens']: sys.stdout.write(l)" "$T/tok16.jsonl" > "$T/tok16ne.jsonl"
zstd -q -d -c "$T"/r/jsonl-50257-none*.jsonl.zst | cmp -s - "$T/tok16ne.jsonl" && pass || fail "jsonl shards hold the input lines"
"$SLUICE" shard --format jsonl --compress gz --max-bytes-per-file 1M -o "$T/r/jgz" "$T/tok16.jsonl"
zcat "$T"/r/jgz_*.jsonl.gz | cmp -s - "$T/tok16ne.jsonl" && pass || fail "jsonl .gz shards hold the input lines"
check "jsonl: several 1M shards" test "$(ls "$T"/r/jgz_*.jsonl.gz | wc -l)" -gt 1
check "jsonl: each under 1M uncompressed" sh -c "for f in '$T'/r/jgz_*.jsonl.gz; do [ \$(zcat \$f | wc -c) -le 1048576 ] || exit 1; done"
# --max-bytes-per-file for binary shards: data bytes of the .bin
"$SLUICE" shard --format megatron --vocab-size 50257 --max-bytes-per-file 64k -o "$T/r/mb" "$T/tok16.jsonl"
check "megatron: every .bin within 64k" sh -c "for f in '$T'/r/mb_*.bin; do [ \$(stat -c %s \$f) -le 65536 ] || exit 1; done"
check "no temporary files left" sh -c "! ls '$T/r' | grep -q tmp-"

# --- verify finds damage
cp "$T/r/megatron-50257-none_00001.bin" "$T/keep.bin"
printf '\x01' | dd of="$T/r/megatron-50257-none_00001.bin" bs=1 seek=3 conv=notrunc 2>/dev/null
run "$SLUICE" shard verify "$T/r/megatron-50257-none"
eq "verify: a flipped byte fails" "$rc" 1
has "$T/err" "megatron-50257-none_00001.bin': xxh64 checksum does not match the manifest" && pass || fail "verify names the file"
# a rerun rewrites the damaged shard and everything after it, identically
cp "$T/r/megatron-50257-none_00002.idx" "$T/keep2.idx"
run "$SLUICE" shard --format megatron --vocab-size 50257 --max-tokens-per-file 20000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "rerun over a damaged set" "$rc" 0
check "damaged shard rewritten" cmp -s "$T/keep.bin" "$T/r/megatron-50257-none_00001.bin"
check "later shards identical" cmp -s "$T/keep2.idx" "$T/r/megatron-50257-none_00002.idx"
run "$SLUICE" shard verify "$T/r/megatron-50257-none"
eq "verify after repair" "$rc" 0
# a complete set: nothing to do; other options: refused
run "$SLUICE" shard --format megatron --vocab-size 50257 --max-tokens-per-file 20000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "complete set: exit 0" "$rc" 0
has "$T/err" "is complete" && pass || fail "complete set message"
run "$SLUICE" shard --format megatron --vocab-size 50257 --max-tokens-per-file 30000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "other options refused" "$rc" 1
has "$T/err" "was written with other options (--max-tokens-per-file 20000, not 30000); use --restart" && pass || fail "options message: $(cat "$T/err")"
# a mistyped stage option is a usage error before the set is looked at: not
# "nothing to do" for a complete set, and --restart removes nothing
run "$SLUICE" shard --on-error skp --format megatron --vocab-size 50257 --max-tokens-per-file 20000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "complete set, bad --on-error: exit 2" "$rc" 2
check "complete set, bad --on-error: said" has "$T/err" "--on-error expects 'fail' or 'skip', not 'skp'"
cp "$T/r/megatron-50257-none.manifest.json" "$T/manifest.before"
run "$SLUICE" shard --restart --shard 2/2 --format megatron --vocab-size 50257 --max-tokens-per-file 30000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "--restart, bad --shard: exit 2" "$rc" 2
check "--restart, bad --shard: the manifest stays" cmp -s "$T/manifest.before" "$T/r/megatron-50257-none.manifest.json"
run "$SLUICE" shard --restart --format megatron --vocab-size 50257 --max-tokens-per-file 30000 -o "$T/r/megatron-50257-none" "$T/tok16.jsonl"
eq "--restart" "$rc" 0
"$SLUICE" shard verify "$T/r/megatron-50257-none" > /dev/null && pass || fail "verify after --restart"
check "--restart removed the old shards" test "$(ls "$T"/r/megatron-50257-none_*.idx | wc -l)" -eq "$(json "$T/r/megatron-50257-none.manifest.json" "len(j['shards'])")"

# --- bad input: counted, with messages; conservation
printf '%s\n' '{"id":"1","text":"a","tokens":[1,2]}' \
	'{"id":"2","text":"no tokens"}' \
	'{"id":"3","text":"b","tokens":[1,2.5]}' \
	'{"id":"4","text":"c","tokens":[1,-2]}' \
	'{"id":"5","text":"d","tokens":"1 2"}' \
	'{"id":"6","text":"e","tokens":[1,"2"]}' \
	'{"id":"7","text":"f","tokens":[]}' \
	'{"id":"8","text":"g","tokens":[1, 2' \
	'{"id":"9","text":"h","tokens":[3,4]}' > "$T/bad.jsonl"
run "$SLUICE" shard --format megatron --vocab-size 100 --on-error skip --stats "$T/s.json" -o "$T/g/bad" "$T/bad.jsonl"
eq "bad input: exit" "$rc" 0
eq "bad input: conservation" "$(json "$T/s.json" "(j['docs_in'], j['docs_out'], j['docs_rejected'], j['docs_unreadable'])")" "(9, 2, 1, 6)"
eq "bad input: reasons" "$(json "$T/s.json" "sorted(j['unreadable_by'].items())")" "[('bad_tokens', 4), ('malformed_json', 1), ('no_tokens', 1)]"
has "$T/err" "bad.jsonl': line 2: no \"tokens\" member (tokenize first: sluice tok); skipped" && pass || fail "no tokens message"
has "$T/err" "line 3: token 1 is not an integer; skipped" && pass || fail "non-integer message"
has "$T/err" "line 4: token 1 is negative; skipped" && pass || fail "negative message"
has "$T/err" "line 5: \"tokens\" is not an array; skipped" && pass || fail "not an array message"
eq "bad input: the good ones written" "$("$SLUICE" shard cat "$T/g/bad" | tokens_of /dev/stdin | tr '\n' ' ')" "[1, 2] [3, 4] "
# without --on-error skip, the malformed line stops the stage and nothing is published
run "$SLUICE" shard --format megatron --vocab-size 100 -o "$T/g/bad2" "$T/bad.jsonl"
eq "malformed JSON stops" "$rc" 1
check "a stopped run publishes no shard" test ! -e "$T/g/bad2_00000.bin"
# an id out of range for the vocabulary/dtype: a clear error
printf '%s\n' '{"id":"1","text":"a","tokens":[1,2]}' '{"id":"2","text":"b","tokens":[1,70000]}' > "$T/range.jsonl"
run "$SLUICE" shard --format nanogpt --vocab-size 50257 -o "$T/g/rng" "$T/range.jsonl"
eq "out of range: exit 1" "$rc" 1
eq "out of range: message" "$(cat "$T/err")" "sluice shard: '$T/range.jsonl': line 2: token 1 (70000) is out of range (larger than 50256) for uint16 and --vocab-size (check --vocab-size/--dtype, or --on-error skip)"
run "$SLUICE" shard --format nanogpt --dtype uint16 -o "$T/g/rng" "$T/range.jsonl"
has "$T/err" "token 1 (70000) is out of range (larger than 65535) for uint16 (check" && pass || fail "dtype range message: $(cat "$T/err")"
run "$SLUICE" shard --format nanogpt --dtype uint16 --on-error skip --stats "$T/s.json" -o "$T/g/rng" "$T/range.jsonl"
eq "out of range skipped" "$(json "$T/s.json" "j['unreadable_by']")" "{'token_out_of_range': 1}"
# a huge document: one shard of its own even past the limit; --max-doc-bytes applies
python3 -c "
import json
print(json.dumps({'id':'s','text':'x','tokens':[1]*10}))
print(json.dumps({'id':'big','text':'x','tokens':list(range(60000))*20}))
print(json.dumps({'id':'t','text':'x','tokens':[2]*10}))" > "$T/huge.jsonl"
run "$SLUICE" shard --format megatron --vocab-size 65000 --max-tokens-per-file 1000 -o "$T/g/huge" "$T/huge.jsonl"
eq "huge document: exit" "$rc" 0
eq "huge document: own shard" "$(json "$T/g/huge.manifest.json" "[s['tokens'] for s in j['shards']]")" "[10, 1200000, 10]"
run "$SLUICE" shard --format megatron --vocab-size 65000 --max-doc-bytes 1M --on-error skip --stats "$T/s.json" -o "$T/g/huge2" "$T/huge.jsonl"
eq "huge document past --max-doc-bytes: skipped" "$(json "$T/s.json" "j['unreadable_by']")" "{'too_large': 1}"
# empty input: an empty, complete set
: > "$T/empty.jsonl"
"$SLUICE" shard --format megatron --vocab-size 100 -o "$T/g/empty" "$T/empty.jsonl"
eq "empty input verifies" "$("$SLUICE" shard verify "$T/g/empty")" "ok: 0 shards, 0 documents, 0 tokens (megatron, uint16)"
# verify of a set that does not exist; a damaged manifest
run "$SLUICE" shard verify "$T/g/nothing"
eq "verify: no manifest" "$rc" 1
has "$T/err" "cannot read '$T/g/nothing.manifest.json': No such file or directory" && pass || fail "no manifest message"
echo '{"format": "megatron", "dtype": "uint16", "shards": [{"index": 0}]}' > "$T/g/broken.manifest.json"
run "$SLUICE" shard verify "$T/g/broken"
has "$T/err" "not a shard manifest: shard 0: malformed entry" && pass || fail "broken manifest message: $(cat "$T/err")"

# --- kill -9 at random points, then rerun: the same final set every time
# (in /dev/shm when there is one: fsync costs nothing there and the test stays fast)
K=$(mktemp -d /dev/shm/sluice-shard.XXXXXX 2>/dev/null || mktemp -d "$T/k.XXXXXX")
trap 'rm -rf "$T" "$K"' EXIT
mkdir -p "$K/ref"
head -700 "$T/tok16.jsonl" > "$T/kill.jsonl"
# kill_test INPUT DIR REF ROUNDS SHARD-OPTIONS...: kill -9 at random points,
# rerun, compare with REF (kill_rerun.py)
kill_test() {
	local inp=$1 dir=$2 ref=$3 rounds=$4
	shift 4
	python3 "$SLUICE_SOURCE_ROOT/tests/cli/kill_rerun.py" "$inp" "$dir" "$ref" "$rounds" "$SLUICE" shard "$@"
}
KOPTS=(--format datatrove --vocab-size 50257 --eos 50256 --max-tokens-per-file 2500)
"$SLUICE" shard "${KOPTS[@]}" -o "$K/ref/x" "$T/kill.jsonl"
nref=$(ls "$K/ref" | wc -l)
check "reference set has many shards" test "$nref" -gt 150
kill_test "$T/kill.jsonl" "$K/kill" "$K/ref" "${SHARD_KILL_ROUNDS:-30}" "${KOPTS[@]}" && pass || fail "kill -9 and rerun"
"$SLUICE" shard verify "$K/kill/x" >/dev/null && pass || fail "verify after kills"

# --- --shuffle --seed: a permutation of the documents, the same for a seed,
# resumable after kill -9, memory bounded by the bucket size
mkdir -p "$T/sh"
run "$SLUICE" shard --format megatron --vocab-size 50257 --shuffle --seed 7 --max-tokens-per-file 20000 --stats "$T/s.json" -o "$T/sh/a" "$T/tok16.jsonl"
eq "shuffle: exit" "$rc" 0
"$SLUICE" shard cat "$T/sh/a" | tokens_of /dev/stdin > "$T/shuf"
check "shuffle: a different order" sh -c "! cmp -s '$T/shuf' '$T/want16'"
eq "shuffle: the same documents" "$(sort "$T/shuf" | md5sum)" "$(sort "$T/want16" | md5sum)"
"$SLUICE" shard --format megatron --vocab-size 50257 --shuffle --seed 7 --max-tokens-per-file 20000 -o "$T/sh/b" "$T/tok16.jsonl"
"$SLUICE" shard --format megatron --vocab-size 50257 --shuffle --seed 8 --max-tokens-per-file 20000 -o "$T/sh/c" "$T/tok16.jsonl"
check "shuffle: same seed, same bytes" cmp -s "$T/sh/a_00003.bin" "$T/sh/b_00003.bin"
check "shuffle: another seed, another order" sh -c "! cmp -s '$T/sh/a_00000.bin' '$T/sh/c_00000.bin'"
eq "shuffle: one bucket held at a time (under a tenth of the whole)" \
	"$(json "$T/s.json" "j['shuffle_peak_bucket_bytes'] * 10 < j['tokens'] * 4 + j['shard_documents'] * 8")" True
check "shuffle: buckets removed" sh -c "! ls '$T/sh' | grep -q shuffle-"
run "$SLUICE" shard --format megatron --vocab-size 50257 --shuffle --seed 9 --max-tokens-per-file 20000 -o "$T/sh/a" "$T/tok16.jsonl"
has "$T/err" "(--seed 7 --shuffle-buckets 256, not 9 and 256)" && pass || fail "shuffle: another seed refused: $(cat "$T/err")"
mkdir -p "$K/sref"
"$SLUICE" shard "${KOPTS[@]}" --shuffle --seed 3 -o "$K/sref/x" "$T/kill.jsonl"
kill_test "$T/kill.jsonl" "$K/skill" "$K/sref" "${SHARD_KILL_ROUNDS_SHUFFLE:-10}" "${KOPTS[@]}" --shuffle --seed 3 && pass || fail "shuffle: kill -9 and rerun"
check "shuffle: no buckets left after a killed run's rerun" sh -c "! ls '$K/skill' | grep -q shuffle-"

# --- a full disk: a clear error, nothing corrupt, and a rerun with room completes
# (a file size limit, RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG)
mkdir -p "$T/full"
run bash -c "ulimit -f 16; trap '' XFSZ; exec '$SLUICE' shard --format megatron --vocab-size 50257 --max-tokens-per-file 20000 -o '$T/full/x' '$T/tok16.jsonl'"
eq "size-limited file: exit 1" "$rc" 1
has "$T/err" "cannot write '$T/full/x_0000" && pass || fail "full disk message: $(cat "$T/err")"
has "$T/err" "File too large" && pass || fail "full disk reason: $(cat "$T/err")"
check "full disk: no temporary file left" sh -c "! ls '$T/full' | grep -q tmp-"
eq "full disk: nothing published (the first shard did not fit)" "$(ls -A "$T/full")" ""
"$SLUICE" shard --format megatron --vocab-size 50257 --max-tokens-per-file 20000 -o "$T/full/x" "$T/tok16.jsonl"
"$SLUICE" shard verify "$T/full/x" > /dev/null && pass || fail "full disk: rerun completes"
# a real full filesystem when a small tmpfs can be mounted (root, CI)
if mkdir -p "$T/tmpfs" && mount -t tmpfs -o size=256k tmpfs "$T/tmpfs" 2>/dev/null; then
	run "$SLUICE" shard --format datatrove --vocab-size 50257 --max-tokens-per-file 20000 -o "$T/tmpfs/x" "$T/tok16.jsonl"
	eq "tmpfs full: exit 1" "$rc" 1
	has "$T/err" "No space left on device" && pass || fail "tmpfs message: $(cat "$T/err")"
	check "tmpfs: no temporary file left" sh -c "! ls '$T/tmpfs' | grep -q tmp-"
	run "$SLUICE" shard verify "$T/tmpfs/x"
	has "$T/err" "the set is incomplete" && pass || fail "tmpfs: set marked incomplete: $(cat "$T/err")"
	eq "tmpfs: the shards listed are intact" "$(grep -vc incomplete "$T/err")" 0
	check "tmpfs: some shards were completed" test "$(json "$T/tmpfs/x.manifest.json" "len(j['shards'])")" -gt 0
	echo "tmpfs full-disk check ran" >&2
	umount "$T/tmpfs"
else
	echo "note: cannot mount a tmpfs here; the full-disk check used a file size limit only" >&2
fi

# -o in folders that do not exist yet creates them (mkdir -p)
run "$SLUICE" shard -q --format megatron --vocab-size 50257 -o "$T/new/sub/web" "$T/tok16.jsonl"
eq "missing folders are created" "$rc" 0
check "shards in the new folder" test -f "$T/new/sub/web_00000.idx"

done_testing
