#!/usr/bin/env bash
# A corrupt member in a multi-member gzip file (JSONL chunks gzipped
# separately, WARC parts): its decoded bytes must never reach the output.
# The member is skipped whole and counted, reading goes on with the next
# member, and the message names the member's start offset and length.
# All inputs are built here from the real data in ../shared/data.
. "$(dirname "$0")/lib.sh"
need_data
set -e

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
zcat "$DOLMA" | head -200 > "$T/good.jsonl"
sed -n 1,70p "$T/good.jsonl" | gzip > "$T/m1.gz"
sed -n 71,140p "$T/good.jsonl" | gzip > "$T/m2.gz"
sed -n 141,200p "$T/good.jsonl" | gzip > "$T/m3.gz"
{ sed -n 1,70p "$T/good.jsonl"; sed -n 141,200p "$T/good.jsonl"; } > "$T/want.jsonl"
M1=$(stat -c %s "$T/m1.gz")
M2=$(stat -c %s "$T/m2.gz")

# corrupt CASE: m2.gz with some bytes flipped
#   mid:   200 bytes a third of the way in (deflate data)
#   end:   20 bytes just before the trailer (the last deflate bytes)
#   crc:   one byte of the CRC-32 only (the data decodes cleanly)
#   isize: one byte of the length only
corrupt() {
	python3 - "$T/m2.gz" "$T/m2bad.gz" "$1" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
case = sys.argv[3]
if case == 'mid':
    i = len(b) // 3; k = 200
elif case == 'end':
    i = len(b) - 8 - 20; k = 20
elif case == 'crc':
    i = len(b) - 7; k = 1
else:
    i = len(b) - 3; k = 1
b[i:i + k] = bytes(x ^ 0x55 for x in b[i:i + k])
open(sys.argv[2], 'wb').write(b)
PY
	cat "$T/m1.gz" "$T/m2bad.gz" "$T/m3.gz" > "$T/bad.jsonl.gz"
}

for case in mid end crc isize; do
	corrupt "$case"
	for mode in skip fail; do
		run "$SLUICE" cat -q --on-error "$mode" --stats "$T/s.json" "$T/bad.jsonl.gz"
		eq "$case/$mode: exit" "$rc" 0
		check "$case/$mode: exactly the 130 good documents, unchanged" cmp -s "$T/out" "$T/want.jsonl"
		check "$case/$mode: message names the member's start and length" has "$T/err" \
			"'$T/bad.jsonl.gz': skipped 1 corrupt gzip member(s) ($M2 bytes; the first starts at byte $M1 and is $M2 bytes long)"
		eq "$case/$mode: no other message" "$(grep -c . "$T/err")" 1
		eq "$case/$mode: counted" "$(json "$T/s.json" "j['corrupt_compressed_members'], j['docs_in'], j['docs_out'], j['docs_unreadable']")" "1 130 130 0"
	done
	# from a pipe (no seeking back: the member's bytes are kept to rescan)
	run bash -c 'cat "$2" | "$1" cat -q -' _ "$SLUICE" "$T/bad.jsonl.gz"
	eq "$case/pipe: exit" "$rc" 0
	check "$case/pipe: exactly the 130 good documents" cmp -s "$T/out" "$T/want.jsonl"
	check "$case/pipe: message" has "$T/err" "'-': skipped 1 corrupt gzip member(s) ($M2 bytes; the first starts at byte $M1 and is $M2 bytes long)"
done

# two corrupt members in a row, then a good one: both skipped, the sum named
corrupt mid
cp "$T/m2bad.gz" "$T/m2bad1.gz"
corrupt crc
cat "$T/m1.gz" "$T/m2bad1.gz" "$T/m2bad.gz" "$T/m3.gz" > "$T/bad2.jsonl.gz"
run "$SLUICE" cat -q --stats "$T/s.json" "$T/bad2.jsonl.gz"
eq "two bad: exit" "$rc" 0
check "two bad: the good documents" cmp -s "$T/out" "$T/want.jsonl"
check "two bad: message" has "$T/err" "skipped 2 corrupt gzip member(s) ($((2 * M2)) bytes; the first starts at byte $M1 and is $M2 bytes long)"

# --- WARC: three parts of a real CommonCrawl WARC, each gzipped whole (many
# records in one member), the middle one corrupt.  No record may be made up
# from its bytes: docs_in and the output equal those of parts 1 and 3 alone.
W="$DATA/warc/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz"
python3 - "$W" "$T" <<'PY'
import gzip, sys, zlib
raw = open(sys.argv[1], 'rb').read()
t = sys.argv[2]
recs = []
while raw:                          # one record per member in the original
    d = zlib.decompressobj(31)
    recs.append(d.decompress(raw))
    raw = d.unused_data
assert len(recs) == 50, len(recs)
parts = [b''.join(recs[:17]), b''.join(recs[17:34]), b''.join(recs[34:])]
gz = [gzip.compress(p, 6) for p in parts]
bad = bytearray(gz[1])
i = len(bad) // 2
bad[i:i + 64] = bytes(x ^ 0x55 for x in bad[i:i + 64])
open(t + '/good13.warc.gz', 'wb').write(gz[0] + gz[2])
open(t + '/badmid.warc.gz', 'wb').write(gz[0] + bytes(bad) + gz[2])
open(t + '/p1len', 'w').write('%d %d\n' % (len(gz[0]), len(gz[1])))
whole = bytearray(gzip.compress(b''.join(parts), 6))
open(t + '/whole.warc.gz', 'wb').write(gzip.compress(b''.join(parts), 6))
i = len(whole) // 2
whole[i:i + 64] = bytes(x ^ 0x55 for x in whole[i:i + 64])
open(t + '/wholebad.warc.gz', 'wb').write(whole)
PY
read -r P1 P2 < "$T/p1len"
run "$SLUICE" warc --stats "$T/good.s.json" "$T/good13.warc.gz"
eq "warc parts 1+3: exit" "$rc" 0
cp "$T/out" "$T/good13.out"
run "$SLUICE" warc --stats "$T/s.json" "$T/badmid.warc.gz"
eq "warc corrupt part: exit" "$rc" 0
# (the lost part is one broken record, counted as one unreadable document)
eq "warc corrupt part: documents as without it" "$(json "$T/s.json" "j['docs_out'], j['docs_in'] - j['docs_unreadable'], j['unreadable_by']")" \
	"$(json "$T/good.s.json" "j['docs_out'], j['docs_in'], {'broken_record': 1}")"
eq "warc corrupt part: records as without it" "$(json "$T/s.json" "j['records'] - j['records_broken'], j['records_broken'], j['records_by_type']")" \
	"$(json "$T/good.s.json" "j['records'], 1, j['records_by_type']")"
check "warc corrupt part: the same documents" cmp -s "$T/out" "$T/good13.out"
check "warc corrupt part: message" has "$T/err" "skipped 1 corrupt gzip member(s) ($P2 bytes; the first starts at byte $P1 and is $P2 bytes long)"
eq "warc corrupt part: counted" "$(json "$T/s.json" "j['corrupt_compressed_members']")" 1

# one member for the whole file, corrupt in the middle: nothing comes out
# (the file is far below the hold budget), rc 0, the member is named
run "$SLUICE" warc --stats "$T/s.json" "$T/whole.warc.gz"
eq "whole-file warc: exit" "$rc" 0
GOOD_ALL=$(json "$T/s.json" "j['docs_in']")
check "whole-file warc: has documents" test "$GOOD_ALL" -gt 0
run "$SLUICE" warc --stats "$T/s.json" "$T/wholebad.warc.gz"
eq "whole-file warc corrupt: exit" "$rc" 0
eq "whole-file warc corrupt: no records made up" "$(json "$T/s.json" "j['docs_in'], j['records'], j['docs_out']")" "0 0 0"
eq "whole-file warc corrupt: no output" "$(wc -c < "$T/out")" 0
check "whole-file warc corrupt: message" has "$T/err" \
	"skipped 1 corrupt gzip member(s) ($(stat -c %s "$T/wholebad.warc.gz") bytes; the first starts at byte 0 and is $(stat -c %s "$T/wholebad.warc.gz") bytes long)"

# --- a corrupt member that stores a whole gzip member inside it (a .gz
# payload, uncompressed blocks): the rescan for the next member finds the
# inner one, which ends before the point of failure, so it is part of the
# corrupt member and dropped, not read as documents; with the damage only
# in the CRC and with a bad block
python3 - "$T" <<'PY'
import sys, zlib, struct
def member(data, level=6, badcrc=False):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    crc = zlib.crc32(data) ^ (1 if badcrc else 0)
    return b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff' + body + struct.pack('<II', crc, len(data) & 0xffffffff)
inner = member(b'{"id":"evil","text":"injected"}\n')
outer = member(b'{"id":"a","text":"x"}\n' + inner + b'\n', level=0, badcrc=True)
open(sys.argv[1] + '/embed.gz', 'wb').write(member(b'{"id":"0","text":"ok"}\n') + outer + member(b'{"id":"1","text":"ok"}\n'))
PY
run "$SLUICE" cat -q --on-error skip --stats "$T/s.json" "$T/embed.gz"
eq "inner member: exit" "$rc" 0
eq "inner member: only the good members" "$(cat "$T/out")" '{"id":"0","text":"ok"}
{"id":"1","text":"ok"}'
eq "inner member: counted once" "$(json "$T/s.json" "j['corrupt_compressed_members'], j['docs_unreadable']")" "1 0"
run bash -c 'cat "$2" | "$1" cat -q --on-error skip -' _ "$SLUICE" "$T/embed.gz"
eq "inner member, from a pipe: only the good members" "$(grep -c '"ok"' "$T/out"),$(grep -c evil "$T/out")" "2,0"

# --- a member whose damage makes inflate read on to the end of the file: a
# stored block's length grown to 65535 (LEN and NLEN both changed) copies
# the members after it as if they were its text, and the input ends inside
# it.  It is not a truncated file: members decode back to back from a magic
# after its start up to the end, so it is dropped and they are read.  A file
# really cut short inside a member still keeps what decoded; so does one
# whose cut member stores a .gz payload (the payload is followed by the
# member's own data, not by a member or the end).
python3 - "$T" <<'PY'
import sys, zlib, struct
def member(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff' + body + struct.pack('<II', zlib.crc32(data), len(data))
def stored(data, fake_len=None):
    n = len(data) if fake_len is None else fake_len
    body = b'\x00' + struct.pack('<HH', n, n ^ 0xffff) + data + b'\x01\x00\x00\xff\xff'
    return b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff' + body + struct.pack('<II', zlib.crc32(data), len(data))
t = sys.argv[1]
lines = [b'{"id":"%d","text":"member %d"}\n' % (i, i) for i in range(6)]
bad = stored(lines[1], 65535)
open(t + '/readon.gz', 'wb').write(member(lines[0]) + bad + b''.join(member(l) for l in lines[2:]))
open(t + '/readon.want', 'wb').write(lines[0] + b''.join(lines[2:]))
open(t + '/readon.len', 'w').write('%d %d\n' % (len(member(lines[0])), len(bad)))
# cut short inside a member (no damage), and cut short inside a member that
# stores a whole gzip member
whole = member(lines[0]) + member(lines[1] + lines[2] + lines[3], 0)
open(t + '/cut.gz', 'wb').write(whole[:-30])
inner = member(b'{"id":"evil","text":"injected"}\n')
outer = member(b'{"id":"a","text":"x"}\n' + inner + b'{"id":"b","text":"y"}\n' * 20, 0)
open(t + '/cutembed.gz', 'wb').write(member(lines[0]) + outer[:-40])
PY
read -r R1 R2 < "$T/readon.len"
run "$SLUICE" cat -q --stats "$T/s.json" "$T/readon.gz"
eq "read on to the end: exit" "$rc" 0
check "read on to the end: the good members, nothing of the bad one" cmp -s "$T/out" "$T/readon.want"
check "read on to the end: message names the member" has "$T/err" \
	"skipped 1 corrupt gzip member(s) ($R2 bytes; the first starts at byte $R1 and is $R2 bytes long)"
eq "read on to the end: counted, not truncated" "$(json "$T/s.json" "j['corrupt_compressed_members'], j['truncated_inputs'], j['docs_in']")" "1 0 5"
run bash -c 'cat "$2" | "$1" cat -q -' _ "$SLUICE" "$T/readon.gz"
check "read on to the end, from a pipe: the good members" cmp -s "$T/out" "$T/readon.want"
run "$SLUICE" cat -q --on-error skip --stats "$T/s.json" "$T/cut.gz"
eq "cut short: exit" "$rc" 0
eq "cut short: what decoded is kept" "$(json "$T/s.json" "j['truncated_inputs'], j['corrupt_compressed_members'], j['docs_out']")" "1 0 3"
run "$SLUICE" cat -q --on-error skip --stats "$T/s.json" "$T/cutembed.gz"
eq "cut short around a payload: kept, the payload not read as a member" \
	"$(json "$T/s.json" "j['truncated_inputs'], j['corrupt_compressed_members']"),$(grep -c evil "$T/out"),$(grep -c '"b"' "$T/out")" "1 0,0,17"

# --- a member over the hold budget (64 MiB of output) streams; if it then
# fails its check, the message says how much had already gone out
python3 - "$T/big.jsonl.gz" <<'PY'
import gzip, sys
line = b'{"id":"x","text":"' + b'a' * 1000 + b'"}\n'
data = line * (70 * 1024 * 1024 // len(line))
b = bytearray(gzip.compress(data, 1))
b[-7] ^= 0x55                       # the CRC-32 only
open(sys.argv[1], 'wb').write(b)
PY
run "$SLUICE" cat -q --stats "$T/s.json" "$T/big.jsonl.gz"
eq "over budget: exit" "$rc" 0
check "over budget: the last line is cut short, said so" has "$T/err" "line cut short by corrupt or truncated compressed data; skipped"
check "over budget: message says what was passed on" has "$T/err" "had already been passed on (a member over 64 MiB"
check "over budget: the first 64 MiB went out" test "$(wc -c < "$T/out")" -ge $((64 * 1024 * 1024 - 2000))
eq "over budget: counted" "$(json "$T/s.json" "j['corrupt_compressed_members']")" 1

done_testing
