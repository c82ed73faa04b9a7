#!/usr/bin/env bash
# sluice cat, and through it the stage frame: formats, bad input, --shard,
# --stats, conservation of counts, exit codes and messages.
. "$(dirname "$0")/lib.sh"
need_data
set -e

DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
zcat "$DOLMA" > "$T/dolma.jsonl"

# --- real data: byte-for-byte passthrough from gzip, zstd, plain, stdin
run "$SLUICE" cat "$DOLMA"
eq "cat gz exit" "$rc" 0
check "cat gz reproduces the decompressed bytes" cmp -s "$T/out" "$T/dolma.jsonl"
eq "697 documents" "$(valid_jsonl "$T/out")" 697
zstd -q -c "$T/dolma.jsonl" > "$T/dolma.jsonl.zst"
run "$SLUICE" cat - < "$T/dolma.jsonl.zst"
check "cat zstd from stdin" cmp -s "$T/out" "$T/dolma.jsonl"
# (RedPajama samples have no "id": --add-id names them "<file>:<offset>")
for f in "$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz; do
	run "$SLUICE" cat --add-id --stats "$T/s.json" "$f"
	eq "cat $(basename "$f")" "$rc" 0
	n=$(zcat -f "$f" | grep -c .)
	eq "$(basename "$f") docs_in" "$(json "$T/s.json" "j['docs_in']")" "$n"
	eq "$(basename "$f") docs_out" "$(json "$T/s.json" "j['docs_out']")" "$n"
	eq "$(basename "$f") bytes_out" "$(json "$T/s.json" "j['bytes_out']")" "$(wc -c < "$T/out")"
done

run "$SLUICE" cat "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl"
eq "no id: exit" "$rc" 1
eq "no id: message" "$(cat "$T/err")" "sluice cat: '$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl': line 1: not a document: missing \"id\" member (use --on-error skip to skip such lines)"
"$SLUICE" cat --add-id "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl" > "$T/ids"
eq "--add-id names" "$(python3 -c "import json,sys; print([json.loads(l)['id'] for l in open(sys.argv[1])][:2])" "$T/ids")" "['$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl:0', '$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl:1414']"

# --- compressed output by extension, read back
"$SLUICE" cat "$DOLMA" -o "$T/o.jsonl.gz"
"$SLUICE" cat "$DOLMA" -o "$T/o.jsonl.zst"
check "gzip output is gzip" sh -c "gzip -t '$T/o.jsonl.gz'"
check "zstd output is zstd" sh -c "zstd -q -t '$T/o.jsonl.zst'"
check "gzip output round-trips" sh -c "zcat '$T/o.jsonl.gz' | cmp -s - '$T/dolma.jsonl'"
check "zstd output round-trips" sh -c "zstd -q -d -c '$T/o.jsonl.zst' | cmp -s - '$T/dolma.jsonl'"
check "no temporary files left" sh -c "! ls '$T' | grep -q tmp-"
# zstd output carries a content checksum (as the zstd tool writes), so a
# damaged byte that still decodes is caught, not passed on as text: one
# flipped bit at each of 30 places, every one reported (read on past
# lines it breaks, to the frame's end)
check "zstd output has a checksum" sh -c "zstd -lv '$T/o.jsonl.zst' 2>&1 | grep -q 'Check: XXH64'"
eq "zstd output: 30 flipped bits, 30 reported" "$(python3 - "$SLUICE" "$T/o.jsonl.zst" "$T/flip.zst" <<'PY'
import random, subprocess, sys
b0 = open(sys.argv[2], 'rb').read()
random.seed(7)
caught = 0
for _ in range(30):
    b = bytearray(b0)
    b[random.randrange(20, len(b) - 4)] ^= 1 << random.randrange(8)
    open(sys.argv[3], 'wb').write(b)
    r = subprocess.run([sys.argv[1], 'cat', '-q', '--on-error', 'skip', '--stats', sys.argv[3] + '.json', sys.argv[3]], capture_output=True)
    import json
    j = json.load(open(sys.argv[3] + '.json'))
    caught += j['corrupt_compressed_members'] > 0 or j['truncated_inputs'] > 0
print(caught)
PY
)" 30

# --- concatenated gzip members (as cat a.gz b.gz > c.gz makes)
cat "$DOLMA" "$DOLMA" > "$T/twice.jsonl.gz"
"$SLUICE" cat "$T/twice.jsonl.gz" --stats "$T/s.json" > "$T/out"
eq "two gzip members read" "$(json "$T/s.json" "j['docs_out']")" 1394

# --- malformed JSON: fail (exit 1, message with file and line) or skip
printf '%s\n' '{"id":"a","text":"one"}' '{"id":"b","text":"two"' '{"id":"c","text":"three"}' > "$T/bad.jsonl"
run "$SLUICE" cat "$T/bad.jsonl" -o "$T/never.jsonl"
eq "malformed JSON fails" "$rc" 1
eq "malformed JSON message" "$(cat "$T/err")" "sluice cat: '$T/bad.jsonl': line 2: malformed JSON: unterminated object at column 23 (use --on-error skip to skip such lines)"
check "a failed stage publishes no output file" test ! -e "$T/never.jsonl"
run "$SLUICE" cat --on-error skip --stats "$T/s.json" "$T/bad.jsonl"
eq "skip exit" "$rc" 0
eq "skip keeps the others" "$(grep -c . "$T/out")" 2
eq "skip message" "$(cat "$T/err")" "sluice cat: '$T/bad.jsonl': line 2: malformed JSON: unterminated object at column 23; skipped"
eq "conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True
eq "unreadable reason" "$(json "$T/s.json" "j['unreadable_by']")" "{'malformed_json': 1}"

# --- missing members, wrong types, NUL bytes, garbage
printf '%s\n' '{"id":"a"}' '{"text":"x"}' '{"id":"a","text":1}' '[1,2]' 'garbage' > "$T/notdocs.jsonl"
printf '{"id":"n","text":"nul\0byte"}\n' >> "$T/notdocs.jsonl"
printf '{"id":"ok","text":"fine"}\n' >> "$T/notdocs.jsonl"
run "$SLUICE" cat --on-error skip --stats "$T/s.json" "$T/notdocs.jsonl"
eq "only the document survives" "$(cat "$T/out")" '{"id":"ok","text":"fine"}'
eq "not-a-document count" "$(json "$T/s.json" "j['unreadable_by'].get('not_a_document')")" 3
eq "malformed count" "$(json "$T/s.json" "j['unreadable_by'].get('malformed_json')")" 3
check "messages name the lines" has "$T/err" "line 6: malformed JSON: control character in string at column 22"

# --- invalid UTF-8 is replaced and counted; output is valid UTF-8 JSON
printf '{"id":"u","text":"caf\xe9 \xff\xfe ok \xe2\x82"}\n' > "$T/latin.jsonl"
run "$SLUICE" cat --stats "$T/s.json" "$T/latin.jsonl"
eq "invalid UTF-8 accepted" "$rc" 0
eq "replaced" "$(json "$T/s.json" "j['invalid_utf8_replaced']")" 4
eq "output valid" "$(valid_jsonl "$T/out")" 1
eq "replacement characters" "$(python3 -c "import json,sys; print(ascii(json.loads(open(sys.argv[1]).read())['text']))" "$T/out")" "'caf\\ufffd \\ufffd\\ufffd ok \\ufffd'"

# lone surrogate escapes: written as \ufffd (strict readers refuse them),
# counted with the invalid bytes; a pair stays
printf '%s\n' '{"id":"s","text":"x \ud800 y \ud83d\ude00","url":"\udfff"}' > "$T/sur.jsonl"
run "$SLUICE" cat --stats "$T/s.json" "$T/sur.jsonl"
eq "lone surrogates: written as U+FFFD" "$(cat "$T/out")" '{"id":"s","text":"x \ufffd y \ud83d\ude00","url":"\ufffd"}'
eq "lone surrogates: counted" "$(json "$T/s.json" "j['invalid_utf8_replaced']")" 2
printf '%s\n' '{"id":"s","text":"x \ud800 y"}' | SLUICE_MODELS="$DATA/tokenizers" "$SLUICE" tok -q --tokenizer cl100k_base > "$T/tsur.jsonl"
printf '%s\n' '{"id":"s","text":"x \ufffd y"}' | SLUICE_MODELS="$DATA/tokenizers" "$SLUICE" tok -q --tokenizer cl100k_base > "$T/tfffd.jsonl"
check "lone surrogates: tok's text and tokens agree" cmp -s "$T/tsur.jsonl" "$T/tfffd.jsonl"
printf '%s\n' '{"id":"1","text":"a","metadata":{"x":"\ud800","y":"b"}}' > "$T/sur2.jsonl"
run "$SLUICE" stats --field metadata.y "$T/sur2.jsonl"
eq "surrogate escape in a field looked up by path: exit 0" "$rc" 0

# a UTF-8 byte order mark at the start of a file is skipped (plain, gzip,
# standard input, and by part 0 of --shard); elsewhere it is not a document
printf '\357\273\277{"id":"1","text":"a"}\n{"id":"2","text":"b"}\n' > "$T/bom.jsonl"
gzip -c "$T/bom.jsonl" > "$T/bom.jsonl.gz"
run "$SLUICE" cat "$T/bom.jsonl"
eq "BOM: exit 0" "$rc" 0
eq "BOM: both documents" "$(cat "$T/out")" '{"id":"1","text":"a"}
{"id":"2","text":"b"}'
run "$SLUICE" cat "$T/bom.jsonl.gz"
eq "BOM, gzip: both documents" "$(grep -c '"id"' "$T/out")" 2
eq "BOM, stdin: both documents" "$("$SLUICE" cat - < "$T/bom.jsonl" | grep -c '"id"')" 2
eq "BOM, --shard 0/2 + 1/2: both documents" "$( ("$SLUICE" cat --shard 0/2 "$T/bom.jsonl"; "$SLUICE" cat --shard 1/2 "$T/bom.jsonl") | grep -c '"id"')" 2
printf '{"id":"1","text":"a"}\n\357\273\277{"id":"2","text":"b"}\n' > "$T/bom2.jsonl"
run "$SLUICE" cat "$T/bom2.jsonl"
eq "BOM in the middle: malformed" "$rc" 1

# --- empty input, blank lines, no trailing newline, CRLF
: > "$T/empty.jsonl"
run "$SLUICE" cat "$T/empty.jsonl"
eq "empty input ok" "$rc:$(wc -c < "$T/out")" "0:0"
printf '\n\r\n{"id":1,"text":"a"}\r\n\n{"id":2,"text":"b"}' > "$T/crlf.jsonl"
run "$SLUICE" cat "$T/crlf.jsonl"
eq "crlf and last line" "$(cat "$T/out")" '{"id":1,"text":"a"}
{"id":2,"text":"b"}'

# --- oversized documents: skipped with a message, counted, never buffered whole
python3 -c "
import json
print(json.dumps({'id': 'small', 'text': 'x'}))
print(json.dumps({'id': 'huge', 'text': 'y' * 3000000}))
print(json.dumps({'id': 'after', 'text': 'z'}))" > "$T/huge.jsonl"
run "$SLUICE" cat --max-doc-bytes 1M --stats "$T/s.json" "$T/huge.jsonl"
eq "oversized exit" "$rc" 0
eq "oversized skipped" "$(grep -c . "$T/out")" 2
eq "oversized counted" "$(json "$T/s.json" "j['unreadable_by']")" "{'too_large': 1}"
check "oversized message" has "$T/err" "line 2: document larger than --max-doc-bytes (1048576 bytes); skipped"

# --- corrupt and truncated gzip: keep what can be read, say what was lost
python3 - "$T" <<'PY'
import gzip, sys, zlib
t = sys.argv[1]
def member(s):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(s) + c.flush()
docs = [b'{"id":"%d","text":"document number %d with some text to compress"}\n' % (i, i) for i in range(30)]
ms = [member(d) for d in docs]
bad = bytearray(ms[10]); bad[12] ^= 0xff; bad[13] ^= 0xff; bad[14] ^= 0xff
open(t + '/corrupt.jsonl.gz', 'wb').write(b''.join(ms[:10]) + bytes(bad) + b''.join(ms[11:]))
whole = b''.join(ms)
open(t + '/trunc.jsonl.gz', 'wb').write(whole[:len(whole) - 30])
PY
run "$SLUICE" cat --on-error skip --stats "$T/s.json" "$T/corrupt.jsonl.gz"
eq "corrupt member: exit" "$rc" 0
eq "corrupt member: the other 29 documents" "$(grep -c . "$T/out")" 29
check "corrupt member: message" has "$T/err" "skipped 1 corrupt gzip member(s)"
eq "corrupt member: counted" "$(json "$T/s.json" "j['corrupt_compressed_members']")" 1
run "$SLUICE" cat --stats "$T/s.json" "$T/trunc.jsonl.gz"
eq "truncated: exit" "$rc" 0
eq "truncated: the complete documents" "$(grep -c . "$T/out")" 29
check "truncated: message" has "$T/err" "truncated gzip stream"
eq "truncated: counted" "$(json "$T/s.json" "j['truncated_inputs']")" 1

# --- --shard I/N: every document exactly once, in order, for any N
for n in 1 2 3 7 50; do
	: > "$T/parts"
	rm -f "$T"/part-*.st
	for i in $(seq 0 $((n - 1))); do
		"$SLUICE" cat --add-id --shard "$i/$n" --stats "$T/part-$i.st" "$T/dolma.jsonl" "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl" "$DOLMA" >> "$T/parts"
	done
	"$SLUICE" cat --add-id --stats "$T/whole.st" "$T/dolma.jsonl" "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl" "$DOLMA" > "$T/whole"
	check "--shard i/$n covers everything once" cmp -s "$T/parts" "$T/whole"
	# the parts' bytes_in add up to the whole's (each counts its own lines)
	"$SLUICE" stats --merge "$T"/part-*.st > "$T/merged.st"
	eq "--shard i/$n: bytes_in adds up" "$(json "$T/merged.st" "j['bytes_in']")" "$(json "$T/whole.st" "j['bytes_in']")"
done
run "$SLUICE" cat --shard 3/3 "$T/dolma.jsonl"
eq "--shard out of range is a usage error" "$rc" 2
run "$SLUICE" cat --shard 0/2
eq "--shard on stdin is a usage error" "$rc" 2
run "$SLUICE" cat --shard 0/2 "$T/dolma.jsonl" http://127.0.0.1:9/x.jsonl
eq "--shard with a URL is a usage error" "$rc" 2
check "--shard with a URL: said" has "$T/err" "a URL ('http://127.0.0.1:9/x.jsonl') is read as a stream and cannot be split"

# --- usage and runtime errors: exit codes and messages
run "$SLUICE" cat --no-such-option
eq "unknown option exit" "$rc" 2
eq "unknown option message" "$(head -1 "$T/err")" "sluice cat: unknown option '--no-such-option'"
run "$SLUICE" cat "$T/does-not-exist.jsonl"
eq "missing file exit" "$rc" 1
eq "missing file message" "$(cat "$T/err")" "sluice cat: cannot open '$T/does-not-exist.jsonl': No such file or directory"
run "$SLUICE" cat --on-error maybe "$T/dolma.jsonl"
eq "bad --on-error" "$rc" 2
# one file for two outputs: a usage error, and nothing written
run "$SLUICE" cat -o "$T/same.jsonl" --rejects "$T/./same.jsonl" "$T/dolma.jsonl"
eq "-o and --rejects the same file: exit 2" "$rc" 2
check "-o and --rejects the same file: said" has "$T/err" "is the output too"
check "-o and --rejects the same file: nothing written" test ! -e "$T/same.jsonl"
run "$SLUICE" cat --rejects - "$T/dolma.jsonl"
eq "--rejects - with the output on stdout: exit 2" "$rc" 2
run "$SLUICE" cat -o "$T/o.jsonl" --rejects "$T/r.jsonl" --stats "$T/r.jsonl" "$T/dolma.jsonl"
eq "--stats on the rejects: exit 2" "$rc" 2
run "$SLUICE" cat -o /nonexistent-dir/x.jsonl "$T/dolma.jsonl"
eq "unwritable output exit" "$rc" 1
check "unwritable output message" has "$T/err" "cannot open '/nonexistent-dir/x.jsonl'"
run "$SLUICE" cat --help
eq "--help exit" "$rc" 0
check "--help shows the usage" has "$T/out" "usage: sluice cat"
check "--help lists --shard" has "$T/out" "--shard=I/N"
run "$SLUICE" nosuchcommand
eq "unknown command exit" "$rc" 2
run "$SLUICE" --version
check "--version" has "$T/out" "sluice 0."

# --- progress: drawn on stderr when it is a terminal, never on stdout, and
# silenced by --quiet (script(1) gives the command a terminal)
if command -v script >/dev/null; then
	for _ in 1 2 3 4 5 6 7 8; do cat "$T/dolma.jsonl"; done > "$T/eight.jsonl"
	script -qec "'$SLUICE' cat '$T/eight.jsonl' -o '$T/prog.jsonl'" "$T/typescript" > /dev/null
	check "progress shown on a terminal" grep -q "docs/s" "$T/typescript"
	check "progress does not touch the data" cmp -s "$T/prog.jsonl" "$T/eight.jsonl"
	script -qec "'$SLUICE' cat --quiet '$T/eight.jsonl' -o '$T/prog.jsonl'" "$T/typescript" > /dev/null
	check "--quiet silences progress" sh -c "! grep -q 'docs/s' '$T/typescript'"
	run "$SLUICE" cat "$T/eight.jsonl" -o "$T/prog.jsonl"
	eq "no progress when stderr is not a terminal" "$(cat "$T/err")" ""
fi

# --- a closed pipe downstream ends the stage quietly
run sh -c "'$SLUICE' cat '$T/dolma.jsonl' '$T/dolma.jsonl' '$T/dolma.jsonl' | head -c 100 > /dev/null"
eq "EPIPE exit" "$rc" 0
eq "EPIPE is quiet" "$(cat "$T/err")" ""

# --- closed standard descriptors: with stderr closed, the messages must not
# go into the output file (it would get fd 2); closed stdin/stdout still fail
printf '%s\n' '{"id":"a","text":"x"}' 'bad' '{"id":"b","text":"y"}' > "$T/b3.jsonl"
"$SLUICE" cat --on-error skip "$T/b3.jsonl" -o "$T/o3.jsonl" 2>&-
eq "stderr closed: exit" "$?" 0
eq "stderr closed: only the documents in the output" "$(cat "$T/o3.jsonl")" '{"id":"a","text":"x"}
{"id":"b","text":"y"}'
"$SLUICE" cat --on-error skip -o "$T/o4.jsonl" 2>&- < "$T/b3.jsonl"
eq "stderr closed, stdin input: only the documents" "$(grep -c id "$T/o4.jsonl"),$(grep -c sluice "$T/o4.jsonl")" "2,0"
run sh -c "'$SLUICE' cat '$T/b3.jsonl' --on-error skip >&-"
eq "stdout closed: exit 1" "$rc" 1
has "$T/err" "cannot write '-': Bad file descriptor" && pass || fail "stdout closed: message"
run sh -c "'$SLUICE' cat --on-error skip <&-"
eq "stdin closed: exit 1" "$rc" 1
has "$T/err" "cannot open '-': Bad file descriptor" && pass || fail "stdin closed: message"

# --- a run that fails while writing to stdout: the documents it counted as
# written reach the reader whole (the last buffer is not cut off mid-line)
head -c 1500000 "$T/dolma.jsonl" > "$T/cut.jsonl"
run sh -c "'$SLUICE' cat --stats '$T/cs.json' < '$T/cut.jsonl'"
eq "failed run to stdout: exit 1" "$rc" 1
eq "failed run to stdout: the documents counted are the lines written" "$(grep -c . "$T/out")" "$(json "$T/cs.json" "j['docs_out']")"
eq "failed run to stdout: every line whole" "$(valid_jsonl "$T/out")" "$(json "$T/cs.json" "j['docs_out']")"
eq "failed run to stdout: the bytes counted are the bytes written" "$(wc -c < "$T/out")" "$(json "$T/cs.json" "j['bytes_out']")"

# --- a full disk is an error, not silence
if [ -w /dev/full ]; then
	run sh -c "'$SLUICE' cat '$T/dolma.jsonl' > /dev/full"
	eq "write error exit" "$rc" 1
	check "write error message" has "$T/err" "No space left on device"
fi

done_testing
