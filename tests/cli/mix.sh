#!/usr/bin/env bash
# sluice mix: weights by tokens and documents, up- and down-sampling,
# determinism, realized proportions, bad arguments.
. "$(dirname "$0")/lib.sh"
need_data
set -e

# two sources from real documents with token ids added (crc32 of words)
python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$T" <<'PY'
import gzip, json, sys, zlib
src, t = sys.argv[1], sys.argv[2]
with gzip.open(src, 'rt', encoding='utf-8') as f:
    docs = [json.loads(l) for l in f]
for d in docs:
    d['tokens'] = [zlib.crc32(w.encode()) % 50257 for w in d['text'].split()]
with open(t + '/web.jsonl', 'w') as a, open(t + '/small.jsonl', 'w') as b:
    for i, d in enumerate(docs):
        (a if i < 600 else b).write(json.dumps(d) + '\n')
PY
tok() { python3 -c "import json,sys; print(sum(len(json.loads(l)['tokens']) for l in open(sys.argv[1])))" "$1"; }
web_tok=$(tok "$T/web.jsonl")
small_tok=$(tok "$T/small.jsonl")

# --- by tokens: the small source is repeated, the large one sampled
want=$((web_tok / 2))
run "$SLUICE" mix --source "$T/web.jsonl:0.6" --source "$T/small.jsonl:0.4" --tokens "$want" --seed 5 --stats "$T/s.json" -o "$T/mix.jsonl"
eq "mix by tokens: exit" "$rc" 0
eq "mix: realized total within 2% of the request" "$(json "$T/s.json" "abs(j['realized'] - $want) / $want < 0.02")" True
eq "mix: proportions within 0.02 of the weights" "$(json "$T/s.json" "all(abs(s['proportion'] - s['weight']) < 0.02 for s in j['sources'])")" True
check "mix: the small source is up-sampled" test "$(json "$T/s.json" "int(j['sources'][1]['repeats'] > 1)")" -eq 1
check "mix: the large source is down-sampled" test "$(json "$T/s.json" "int(j['sources'][0]['repeats'] < 1)")" -eq 1
eq "mix: the stats count what was written" "$(json "$T/s.json" "j['realized']")" "$(tok "$T/mix.jsonl")"
has "$T/err" "realized" && pass || fail "mix reports the proportions on stderr"
# every output line is an input line, repeated at most ceil(repeats) times
eq "mix: documents come from the sources, repeated as planned" "$(python3 -c "
import collections, json, sys
src = collections.Counter(open(sys.argv[1]).read().splitlines() + open(sys.argv[2]).read().splitlines())
out = collections.Counter(open(sys.argv[3]).read().splitlines())
j = json.load(open(sys.argv[4]))
rep = max(s['repeats'] for s in j['sources'])
print(all(l in src and n <= int(rep) + 1 for l, n in out.items()))" "$T/web.jsonl" "$T/small.jsonl" "$T/mix.jsonl" "$T/s.json")" True
# deterministic for a seed; another seed, another sample
"$SLUICE" mix -q --source "$T/web.jsonl:0.6" --source "$T/small.jsonl:0.4" --tokens "$want" --seed 5 > "$T/mix2.jsonl"
check "mix: same seed, same bytes" cmp -s "$T/mix.jsonl" "$T/mix2.jsonl"
"$SLUICE" mix -q --source "$T/web.jsonl:0.6" --source "$T/small.jsonl:0.4" --tokens "$want" --seed 6 > "$T/mix3.jsonl"
check "mix: another seed, another sample" sh -c "! cmp -s '$T/mix.jsonl' '$T/mix3.jsonl'"

# --- by documents: exact counts when the sample is whole documents
run "$SLUICE" mix --source "$T/web.jsonl:1" --source "$T/small.jsonl:1" --documents 200 --stats "$T/s.json" -o "$T/m.jsonl"
eq "mix by documents: 100 + 100" "$(json "$T/s.json" "[s['documents'] for s in j['sources']]")" "[100, 100]"
eq "mix by documents: lines written" "$(grep -c . "$T/m.jsonl")" 200
# counts with a suffix, as --help shows them (powers of 1000)
run "$SLUICE" mix --source "$T/web.jsonl:1" --source "$T/small.jsonl:1" --documents 0.2k --stats "$T/s2.json" -o "$T/m2.jsonl"
eq "mix --documents 0.2k: exit" "$rc" 0
check "mix --documents 0.2k: same as 200" cmp -s "$T/m.jsonl" "$T/m2.jsonl"
run "$SLUICE" mix --source "$T/web.jsonl:1" --tokens 0.002M --stats "$T/s3.json" -o "$T/m3.jsonl"
eq "mix --tokens 0.002M: exit" "$rc" 0
eq "mix --tokens 0.002M: 2000 requested" "$(json "$T/s3.json" "j['requested']")" 2000
for bad in 12x 1.5 0 -3 ''; do
	run "$SLUICE" mix --source "$T/web.jsonl:1" --documents "$bad"
	eq "mix --documents '$bad': usage" "$rc" 2
done

# --- bad arguments and input
run "$SLUICE" mix --source "$T/web.jsonl:0.5" --tokens 1e6 --documents 5
eq "both --tokens and --documents: usage" "$rc" 2
run "$SLUICE" mix --source "$T/web.jsonl" --tokens 1e6
eq "no weight: usage" "$rc" 2
run "$SLUICE" mix --source "-:1" --tokens 1e6
eq "stdin source: usage" "$rc" 2
run "$SLUICE" mix --source "$T/web.jsonl:-1" --tokens 1e6
eq "negative weight: usage" "$rc" 2
run "$SLUICE" mix --source "$T/nothing.jsonl:1" --tokens 1e6
eq "missing source: exit 1" "$rc" 1
has "$T/err" "cannot open '$T/nothing.jsonl': No such file or directory" && pass || fail "missing source message"
printf '%s\n' '{"id":"1","text":"a","tokens":[1,2]}' '{"id":"2","text":"no tokens"}' 'not json' > "$T/bad.jsonl"
run "$SLUICE" mix --source "$T/bad.jsonl:1" --tokens 4 -o "$T/b.jsonl"
eq "malformed line: exit 1" "$rc" 1
has "$T/err" "'$T/bad.jsonl': line 3: malformed JSON" && pass || fail "malformed line: message names file and line"
check "malformed line: no output file" test ! -e "$T/b.jsonl"
run "$SLUICE" mix --source "$T/bad.jsonl:1" --tokens 4 --on-error skip --stats "$T/s.json" -o "$T/b.jsonl"
eq "bad documents skipped: exit 0" "$rc" 0
eq "bad documents: counted" "$(json "$T/s.json" "j['sources'][0]['unreadable']")" 2
eq "bad documents: reasons" "$(json "$T/s.json" "sorted(j['unreadable_by'].items())")" "[('malformed_json', 1), ('no_tokens', 1)]"
has "$T/err" "line 2: no \"tokens\" member; skipped" && pass || fail "no tokens message"
eq "bad documents: the good one twice" "$(grep -c '"id":"1"' "$T/b.jsonl")" 2

# --- the shared input checks: invalid UTF-8, documents without id, --max-doc-bytes
printf '{"id":"1","text":"a\xff b"}\n{"text":"no id here"}\n{"id":"3","text":"ok"}\n' > "$T/u.jsonl"
run "$SLUICE" mix --source "$T/u.jsonl:1" --documents 4 -o "$T/u-out.jsonl"
eq "document without id: exit 1" "$rc" 1
has "$T/err" "'$T/u.jsonl': line 2: not a document" && pass || fail "document without id: message"
run "$SLUICE" mix --source "$T/u.jsonl:1" --documents 4 --on-error skip --stats "$T/s.json" -o "$T/u-out.jsonl"
eq "--on-error skip: exit 0" "$rc" 0
eq "without id: counted unreadable" "$(json "$T/s.json" "(j['docs_unreadable'], j['unreadable_by'])")" "(1, {'not_a_document': 1})"
check "invalid UTF-8: output is valid UTF-8" python3 -c "open('$T/u-out.jsonl', 'rb').read().decode('utf-8')"
eq "invalid UTF-8: replaced with U+FFFD" "$(grep -c $'a\xef\xbf\xbd b' "$T/u-out.jsonl")" 2
eq "invalid UTF-8: counted once (the counting pass)" "$(json "$T/s.json" "j['invalid_utf8_replaced']")" 1
check "no document without id in the output" sh -c "! grep -q 'no id here' '$T/u-out.jsonl'"
eq "stats: conservation (in = available + unreadable; out = written)" "$(json "$T/s.json" "(j['docs_in'] == sum(s['available_documents'] for s in j['sources']) + j['docs_unreadable'], j['docs_out'] == sum(s['documents'] for s in j['sources']), j['docs_in'], j['docs_out'])")" "(True, True, 3, 4)"
eq "stats: bytes_in counts each source once" "$(json "$T/s.json" "j['bytes_in']")" "$(wc -c < "$T/u.jsonl")"
eq "stats: bytes_out is what was written" "$(json "$T/s.json" "j['bytes_out']")" "$(wc -c < "$T/u-out.jsonl")"
printf '{"id":"1","text":"%s"}\n{"id":"2","text":"short"}\n' "$(head -c 300 /dev/zero | tr '\0' x)" > "$T/big.jsonl"
run "$SLUICE" mix --source "$T/big.jsonl:1" --documents 2 --max-doc-bytes 100 --stats "$T/s.json" -o "$T/big-out.jsonl"
eq "--max-doc-bytes: exit 0" "$rc" 0
eq "--max-doc-bytes: too large counted" "$(json "$T/s.json" "(j['unreadable_by'], j['sources'][0]['available_documents'])")" "({'too_large': 1}, 1)"
eq "--max-doc-bytes: the small one twice" "$(grep -c '"id":"2"' "$T/big-out.jsonl")" 2
run "$SLUICE" mix --source "$T/u.jsonl:1" --documents 4 --on-error maybe
eq "bad --on-error: usage" "$rc" 2

# --- sources are read twice (counted, then written): a pipe, FIFO or
# device is refused up front; a source that changes in between fails
for src in "/dev/stdin" "<(...)"; do
	set +e
	if [ "$src" = "/dev/stdin" ]; then
		"$SLUICE" mix --source "/dev/stdin:1" --documents 10 -o "$T/p.jsonl" < <(cat "$T/small.jsonl") > "$T/out" 2> "$T/err"
		rc=$?
		name=/dev/stdin
	else
		"$SLUICE" mix --source "$T/web.jsonl:1" --source <(cat "$T/small.jsonl"):1 --documents 10 -o "$T/p.jsonl" > "$T/out" 2> "$T/err"
		rc=$?
		name=$(grep -o "'/dev/fd/[0-9]*'" "$T/err" || true)
	fi
	set -e
	eq "a pipe as source ($src): usage error" "$rc" 2
	has "$T/err" "is not a regular file" && has "$T/err" "$name" && pass || fail "a pipe as source ($src): the message names it"
	check "a pipe as source ($src): no output" test ! -e "$T/p.jsonl"
done
mkfifo "$T/fifo"
(cat "$T/small.jsonl" > "$T/fifo" &) 2>/dev/null
run timeout 20 "$SLUICE" mix --source "$T/fifo:1" --documents 10 -o "$T/p.jsonl"
eq "a FIFO as source: usage error naming it" "$rc:$(head -1 "$T/err")" \
	"2:sluice mix: --source '$T/fifo' is not a regular file (a pipe, FIFO, device or directory); a source is read more than once: save it to a file first"
exec 3<> "$T/fifo"; exec 3>&-          # let the writer go
run "$SLUICE" mix --source "$T:1" --documents 10
eq "a directory as source: usage error" "$rc" 2
# a source that shrinks between the passes: a local server hands out the
# second source and, on the first request (the counting pass), cuts the first
cp "$T/small.jsonl" "$T/shrinks.jsonl"
cat > "$T/srv.py" <<'PY'
import http.server, os, sys
shrink, serve, portfile = sys.argv[1:4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not os.path.exists(shrink + '.cut'):
            lines = open(shrink, 'rb').readlines()
            open(shrink, 'wb').writelines(lines[:len(lines) // 2])
            open(shrink + '.cut', 'w').close()
        data = open(serve, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(portfile, 'w').write(str(s.server_port))
s.serve_forever()
PY
python3 "$T/srv.py" "$T/shrinks.jsonl" "$T/small.jsonl" "$T/srvport" & srv=$!
for _ in $(seq 200); do [ -s "$T/srvport" ] && break; sleep 0.05; done
run "$SLUICE" mix --source "$T/shrinks.jsonl:1" --source "http://127.0.0.1:$(cat "$T/srvport")/small.jsonl:1" \
	--documents 400 -o "$T/shrunk.jsonl"
kill "$srv"; wait "$srv" 2>/dev/null || true
check "the source was cut between the passes" test -e "$T/shrinks.jsonl.cut"
eq "a source that changed between the passes: exit 1" "$rc" 1
has "$T/err" "'$T/shrinks.jsonl' changed while mixing: read $(grep -c . "$T/shrinks.jsonl") documents" && pass || fail "changed source: message"
check "a source that changed between the passes: no output" test ! -e "$T/shrunk.jsonl"

done_testing
