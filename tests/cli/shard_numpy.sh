#!/usr/bin/env bash
# sluice shard against a reader written independently of the writer:
# numpy (Debian's python3-numpy) following the format descriptions of
# Megatron-LM's IndexedDataset and datatrove's .ds/.ds.index, over real
# documents, agreeing on every document.
. "$(dirname "$0")/lib.sh"
need_data
set -e
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy' 2>/dev/null; then
	echo "SKIP: Debian's python3-numpy is not installed (tools/install-deps.sh installs it)" >&2
	exit 77
fi

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
# token ids from real text: UTF-8 bytes (vocabulary 256) or crc32 of words
"$PY" - "$DOLMA" "$T" <<'PY'
import gzip, json, sys, zlib
src, t = sys.argv[1], sys.argv[2]
with gzip.open(src, 'rt', encoding='utf-8') as f:
    docs = [json.loads(l) for l in f]
for name, fn in (('bytes', lambda s: list(s.encode())),
                 ('words', lambda s: [zlib.crc32(w.encode()) % 200003 for w in s.split()])):
    with open(f'{t}/{name}.jsonl', 'w') as o:
        for d in docs:
            d['tokens'] = fn(d['text'])
            o.write(json.dumps(d) + '\n')
PY

# READER FORMAT PREFIX INPUT EOS: every document of the input (with EOS
# appended when not -1, empty ones dropped when there is no EOS) equals the
# shards' documents in order
reader() {
	"$PY" - "$@" <<'PY'
import glob, json, sys
import numpy as np
fmt, prefix, inp, eos = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
want = []
for l in open(inp):
    t = json.loads(l)['tokens']
    if eos >= 0:
        t = t + [eos]
    if t:
        want.append(t)
got = []
if fmt == 'megatron':
    codes = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}
    for idx in sorted(glob.glob(prefix + '_*.idx')):
        raw = open(idx, 'rb').read()
        assert raw[:9] == b'MMIDIDX\x00\x00', 'magic'
        assert np.frombuffer(raw, '<u8', 1, 9)[0] == 1, 'version'
        dt = np.dtype(codes[raw[17]]).newbyteorder('<')
        s = int(np.frombuffer(raw, '<u8', 1, 18)[0]); d = int(np.frombuffer(raw, '<u8', 1, 26)[0])
        lengths = np.frombuffer(raw, '<i4', s, 34)
        pointers = np.frombuffer(raw, '<i8', s, 34 + 4 * s)
        doc_idx = np.frombuffer(raw, '<i8', d, 34 + 12 * s)
        assert len(raw) == 34 + 12 * s + 8 * d, 'idx size'
        assert len(lengths) == doc_idx[-1] == s, 'Megatron reader assertion'
        assert (pointers == np.concatenate([[0], np.cumsum(lengths.astype(np.int64) * dt.itemsize)[:-1]])).all(), 'pointers'
        binf = np.memmap(idx[:-4] + '.bin', dtype=dt, mode='r')
        assert binf.nbytes == int(lengths.astype(np.int64).sum()) * dt.itemsize, 'bin size'
        for i in range(s):
            got.append(np.frombuffer(binf, dt, int(lengths[i]), int(pointers[i])).tolist())
else:
    for ds in sorted(glob.glob(prefix + '_*.ds')):
        meta = open(ds + '.metadata').read().split('\n')
        ts = int(meta[0].rsplit('|', 1)[1])
        toks = np.fromfile(ds, dtype='<u2' if ts == 2 else '<u4')
        ends = np.fromfile(ds + '.index', dtype='<u8')
        assert int(meta[1]) == len(toks) and (len(ends) == 0 or ends[-1] == len(toks)), 'metadata/index'
        start = 0
        for e in ends:
            got.append(toks[start:int(e)].tolist()); start = int(e)
print(len(got) == len(want) and all(a == b for a, b in zip(got, want)), len(got))
PY
}

n_nonempty() { "$PY" -c "import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)['tokens']))" "$1"; }
mkdir -p "$T/o"
for spec in "megatron bytes 256 -1" "megatron bytes 256 0" "megatron words 200003 -1" "megatron words 200003 7" \
	    "datatrove bytes 256 -1" "datatrove words 200003 -1" "datatrove words 200003 5"; do
	set -- $spec
	name="$1-$2-$4"
	args=(--format "$1" --vocab-size "$3" --max-tokens-per-file 50000)
	[ "$4" != -1 ] && args+=(--eos "$4")
	"$SLUICE" shard "${args[@]}" -q -o "$T/o/$name" "$T/$2.jsonl"
	want=$([ "$4" != -1 ] && grep -c . "$T/$2.jsonl" || n_nonempty "$T/$2.jsonl")
	eq "$name: the numpy reader agrees on every document" "$(reader "$1" "$T/o/$name" "$T/$2.jsonl" "$4")" "True $want"
done
# and with a dtype forced wider than the vocabulary needs
"$SLUICE" shard --format megatron --dtype int32 -q -o "$T/o/m-forced" "$T/bytes.jsonl"
eq "megatron --dtype int32: numpy agrees" "$(reader megatron "$T/o/m-forced" "$T/bytes.jsonl" -1)" "True $(n_nonempty "$T/bytes.jsonl")"
eq "megatron --dtype int32: code 4" "$(od -An -tx1 -j17 -N1 "$T/o/m-forced_00000.idx" | tr -d ' ')" 04

done_testing
