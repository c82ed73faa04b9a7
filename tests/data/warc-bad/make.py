#!/usr/bin/env python3
"""Generate the broken-WARC fixtures of tests/unit/test_warc.c.

Usage: make.py [SHARED_DATA_DIR]   (default: $SLUICE_SHARED_DATA or
../../../../shared/data relative to this script, i.e. the shared data
next to the source tree).  Writes the fixtures and EXPECTED.tsv next to
this script.  Deterministic: running it again gives the same bytes (gzip
mtime 0, zstd from the zstd CLI at level 3; the .zst fixtures are skipped
when the CLI is missing).

EXPECTED.tsv columns: file, max_header_bytes, max_body_bytes (0: reader
default), records the reader must return, and the problems it must report
in order as CODE@decoded_offset (or "-").  Expected values are computed
here from the plain bytes with an independent, simple parser.
"""
import gzip
import os
import shutil
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
WET = "npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet"
WARCGZ = "npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz"
WHIRL = "cc-whirlwind-CC-MAIN-2024-22.warc.gz"


def shared_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    env = os.environ.get("SLUICE_SHARED_DATA")
    if env:
        return env
    return os.path.join(HERE, "..", "..", "..", "..", "shared", "data")


def records(data):
    """Split plain WARC bytes into whole records (header+block+CRLFCRLF)."""
    out, pos = [], 0
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos) + 4
        cl = None
        for line in data[pos:end].split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                cl = int(line.split(b":", 1)[1])
        rec_end = end + cl + 4
        assert data[end + cl:rec_end] == b"\r\n\r\n"
        out.append(data[pos:rec_end])
        pos = rec_end
    return out


def members(gz):
    """Split a multi-member gzip file into its raw members."""
    out, pos = [], 0
    while pos < len(gz):
        d = zlib.decompressobj(31)
        d.decompress(gz[pos:])
        used = len(gz) - pos - len(d.unused_data)
        out.append(gz[pos:pos + used])
        pos += used
    return out


def gz_member(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def deflate_start(member):
    """Offset of the deflate data inside a gzip member (after its header)."""
    flg = member[3]
    pos = 10
    if flg & 4:
        pos += 2 + member[10] | (member[11] << 8)
    if flg & 8:
        pos = member.index(b"\0", pos) + 1
    if flg & 16:
        pos = member.index(b"\0", pos) + 1
    if flg & 2:
        pos += 2
    return pos


def partial_inflate(member):
    """Bytes a streaming inflater gets out of member before an error,
    and whether it failed."""
    d = zlib.decompressobj(31)
    got = b""
    for i in range(len(member)):
        try:
            got += d.decompress(member[i:i + 1])
        except zlib.error:
            return got, True
    return got, not d.eof


expected = []


def emit(name, data, recs, problems, max_header=0, max_body=0):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    probs = ",".join("%s@%d" % p for p in problems) or "-"
    expected.append("%s\t%d\t%d\t%d\t%s" % (name, max_header, max_body, recs, probs))


def offsets(recs):
    offs, o = [], 0
    for r in recs:
        offs.append(o)
        o += len(r)
    return offs


def set_length(rec, delta):
    head, rest = rec.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(b"content-length:"):
            lines[i] = b"Content-Length: %d" % (int(line.split(b":", 1)[1]) + delta)
    return b"\r\n".join(lines) + b"\r\n\r\n" + rest


def zstd_cli(data):
    exe = shutil.which("zstd")
    if not exe:
        return None
    return subprocess.run([exe, "-q", "-3", "-c", "--no-progress"], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def main():
    src = shared_dir()
    wet = open(os.path.join(src, "warc", WET), "rb").read()
    wr = records(wet)
    wo = offsets(wr)
    assert len(wr) == 4

    # empty inputs
    emit("empty.warc", b"", 0, [])
    emit("empty.warc.gz", gz_member(b""), 0, [])

    # not WARC at all: one problem, then the end
    emit("not-warc.txt", b"hello\nthis is not a warc file\nWARC/x\n" * 20, 0,
         [("EFORMAT", 0)])

    # garbage at the start and between records 2 and 3
    g1 = b"garbage before the first record\r\nWARC/ is not enough\r\n"
    g2 = b"HTTP/1.1 200 OK\r\nstray bytes\x00\x01\xff\r\nxWARC/1.0 inside a line\r\n"
    data = g1 + wr[0] + wr[1] + g2 + wr[2] + wr[3]
    emit("garbage.warc", data, 4,
         [("EWARC", 0), ("EWARC", len(g1) + len(wr[0]) + len(wr[1]))])

    # wrong Content-Length in record 2 (index 1) of a plain WARC
    for name, delta in (("cl-small.warc", -10), ("cl-large.warc", 100),
                        ("cl-huge.warc", 1000000)):
        bad = set_length(wr[1], delta)
        emit(name, wr[0] + bad + wr[2] + wr[3], 3, [("EWARC", wo[1])])
    # too large on the last record: nothing after it, so "truncated"
    emit("cl-last-large.warc", wr[0] + wr[1] + wr[2] + set_length(wr[3], 100), 3,
         [("ETRUNC", wo[3])])

    # plain file cut in the middle of record 3's block
    cut = wo[2] + len(wr[2]) // 2
    emit("trunc.warc", wet[:cut], 2, [("ETRUNC", wo[2])])

    # NUL byte in a header value of record 2
    nul = wr[1].replace(b"WARC-Target-URI: http://", b"WARC-Target-URI: http://\x00", 1)
    assert nul != wr[1]
    emit("nul-header.warc", wr[0] + nul + wr[2] + wr[3], 3, [("EWARC", wo[1])])

    # blocks larger than max_body_bytes: skipped by streaming
    limit = 700
    probs = [("ETOOBIG", wo[i]) for i, r in enumerate(wr)
             if len(r) - (r.index(b"\r\n\r\n") + 4) - 4 > limit]
    assert 0 < len(probs) < 4
    emit("big-body.warc", wet, 4 - len(probs), probs, max_body=limit)
    emit("big-body.warc.gz", b"".join(gz_member(r) for r in wr), 4 - len(probs),
         probs, max_body=limit)

    # a header block over max_header_bytes (the 10 MB case is built by the test)
    probs = [("ETOOBIG", wo[i]) for i, r in enumerate(wr) if r.index(b"\r\n\r\n") + 4 > 400]
    assert 0 < len(probs) < 4
    emit("big-header.warc", wet, 4 - len(probs), probs, max_header=400)

    # garbage between gzip members: instream skips it, a gap before record 3
    gzr = [gz_member(r) for r in wr]
    emit("garbage-member.warc.gz", gzr[0] + gzr[1] + b"junk between members" * 3
         + gzr[2] + gzr[3], 4, [("EGZIP", wo[2])])

    # a CommonCrawl-style per-record gzip, with damage
    wgz = open(os.path.join(src, "warc", WARCGZ), "rb").read()
    mem = members(wgz)
    dec = [zlib.decompress(m, 31) for m in mem]
    doff = offsets(dec)
    assert len(mem) == 13

    # corrupt member 6 (index 5): invalid deflate block type right away
    k = 5
    m = bytearray(mem[k])
    ds = deflate_start(m)
    m[ds] |= 0x07  # BFINAL=1, BTYPE=11 (reserved): inflate fails at once
    assert partial_inflate(bytes(m)) == (b"", True)
    emit("corrupt-member.warc.gz", b"".join(mem[:k]) + bytes(m) + b"".join(mem[k + 1:]),
         12, [("EGZIP", doff[k])])

    # corrupt member 8 (index 7) in the middle of its deflate data: inflate
    # may emit part of the record first; either way the record is lost
    k = 7
    m = bytearray(mem[k])
    ds = deflate_start(m)
    for pos in range(ds + (len(m) - ds) // 5, len(m) - 8):
        t = bytearray(m)
        for j in range(6):
            t[pos + j] ^= 0xA5
        got, failed = partial_inflate(bytes(t))
        if failed and len(got) < len(dec[k]) - 4:
            m = t
            break
    else:
        raise SystemExit("no corrupting position found")
    emit("corrupt-mid.warc.gz", b"".join(mem[:k]) + bytes(m) + b"".join(mem[k + 1:]),
         12, [("EGZIP", doff[k])])

    # cut in the middle of a member (whirlwind: 4 records, 4 members)
    whirl = open(os.path.join(src, "warc", WHIRL), "rb").read()
    wm = members(whirl)
    wd = [zlib.decompress(x, 31) for x in wm]
    # the member of the response record (index 2) is the big one
    k = 2
    cutlen = len(wm[k]) // 2
    got, failed = partial_inflate(wm[k][:cutlen])
    assert got and failed and len(got) < len(wd[k])
    emit("trunc-member.warc.gz", b"".join(wm[:k]) + wm[k][:cutlen], 2,
         [("ETRUNC", len(wd[0]) + len(wd[1]))])

    # zstd: whole file, and one frame per record with frame 2 broken
    z = zstd_cli(wet)
    if z is not None:
        emit("wet.warc.zst", z, 4, [])
        frames = [zstd_cli(r) for r in wr]
        f = bytearray(frames[1])
        fhd = f[4]
        single = (fhd >> 5) & 1
        fcs = [single, 2, 4, 8][fhd >> 6]
        did = [0, 1, 2, 4][fhd & 3]
        bh = 5 + (0 if single else 1) + did + fcs
        f[bh] |= 0x06  # Block_Type 3 (reserved): fails at once
        emit("corrupt-frame.warc.zst", frames[0] + bytes(f) + frames[2] + frames[3], 3,
             [("EZSTD", wo[1])])

    with open(os.path.join(HERE, "EXPECTED.tsv"), "w") as f:
        f.write("# file\tmax_header\tmax_body\trecords\tproblems (CODE@offset)\n")
        f.write("\n".join(expected) + "\n")


main()
