#!/usr/bin/env bash
# sluice fetch and URL input, against a local HTTP server (fetch_server.py)
# that serves the real WARC/WET/WAT files of ../shared/data/warc laid out
# as a crawl and injects faults: resets, 503 + Retry-After, stalls, short
# bodies, corrupt gzip members, no Range support.  Every fault must end with
# every file byte-identical to its source, or a failure naming the file.
. "$(dirname "$0")/lib.sh"
need_data
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
SERVER_ROOT="$T/root"
. "$HERE/server_lib.sh"

# --- a crawl: the real files under crawl-data/CC-TEST-2024-01/segments/...
C=CC-TEST-2024-01
mkdir -p "$T/root/crawl-data/$C/segments/1/wet" "$T/root/crawl-data/$C/segments/1/warc"
for f in "$DATA"/warc/*.gz; do
	case "$f" in *.paths.gz) continue ;; esac
	cp "$f" "$T/root/crawl-data/$C/segments/1/wet/"
done
cp "$DATA"/warc/*.warc.gz "$T/root/crawl-data/$C/segments/1/warc/"
(cd "$T/root" && find "crawl-data/$C/segments/1/wet" -type f | sort | gzip > "crawl-data/$C/wet.paths.gz")
(cd "$T/root" && find "crawl-data/$C/segments/1/warc" -type f | sort | gzip > "crawl-data/$C/warc.paths.gz")
NWET=$(zcat "$T/root/crawl-data/$C/wet.paths.gz" | wc -l)
BIG="crawl-data/$C/segments/1/wet/dolma-wget-sample-0001.warc.gz"
SMALL="crawl-data/$C/segments/1/wet/jwarc-cc.warc.gz"
FAST=(--timeout 0.5 --backoff 0.05 --max-backoff 0.2 -q)

# all_same DIR [KIND]: every listed file is byte-identical, no .part is left
all_same() {
	local kind=${2:-wet} p bad=0
	for p in $(zcat "$T/root/crawl-data/$C/$kind.paths.gz"); do
		cmp -s "$T/root/$p" "$1/$p" || { echo "    differs: $p" >&2; bad=1; }
	done
	[ -z "$(find "$1" -name '*.part')" ] || { echo "    .part left" >&2; bad=1; }
	return $bad
}

# --- a clean download, then a rerun that does nothing
start_server
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/a"
eq "clean: exit" "$rc" 0
check "clean: every file identical" all_same "$T/a"
check "clean: the listing is kept" cmp -s "$T/root/crawl-data/$C/wet.paths.gz" "$T/a/crawl-data/$C/wet.paths.gz"
eq "clean: summary" "$(grep -o '[0-9]* files: [0-9]* downloaded, [0-9]* already complete, [0-9]* failed' "$T/err")" \
	"$NWET files: $NWET downloaded, 0 already complete, 0 failed"
eq "clean: one request per file and the listing" "$(wc -l < "$T/log")" $((NWET + 1))
: > "$T/log"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/a"
eq "rerun: exit" "$rc" 0
eq "rerun: nothing downloaded" "$(grep -o '[0-9]* downloaded, [0-9]* already complete' "$T/err")" "0 downloaded, $NWET already complete"
eq "rerun: no request at all" "$(wc -l < "$T/log")" 0
run "$SLUICE" fetch "$C" --kind warc --base-url "$URL" -o "$T/a"
eq "--kind warc: exit" "$rc" 0
check "--kind warc: identical" all_same "$T/a" warc
# one writer per file: a .part locked by another process (an overlapping
# run) is left alone and named; the other files are fetched; once the lock
# is gone, a rerun completes the set
mkdir -p "$(dirname "$T/l/$SMALL")"
: > "$T/l/$SMALL.part"
flock -o "$T/l/$SMALL.part" sleep 60 &
lockpid=$!
for i in $(seq 50); do flock -n "$T/l/$SMALL.part" true || break; sleep 0.1; done
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/l"
eq "locked .part: exit 1" "$rc" 1
check "locked .part: named" has "$T/err" "'$T/l/$SMALL' is being downloaded by another process (its .part is locked)"
eq "locked .part: left alone" "$(stat -c %s "$T/l/$SMALL.part"),$(test -e "$T/l/$SMALL" && echo published || echo absent)" "0,absent"
eq "locked .part: the other files fetched" "$(find "$T/l" -name '*.gz' ! -name '*.paths.gz' | wc -l)" $((NWET - 1))
pkill -P "$lockpid" sleep || true; kill "$lockpid" 2>/dev/null || true; wait "$lockpid" 2>/dev/null || true
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/l"
eq "lock gone: exit 0" "$rc" 0
check "lock gone: every file identical" all_same "$T/l"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/n1/n2/n3"
eq "-o with missing parents: exit" "$rc" 0
check "-o with missing parents: every file identical" all_same "$T/n1/n2/n3"

# --- each fault alone, on the largest file
# fault_case NAME FAULTS GREP-IN-LOG
fault_case() {
	local name=$1 faults=$2 want=$3
	start_server --fault "dolma-wget-sample-0001=$faults"
	rm -rf "$T/f"
	run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/f" "${FAST[@]}"
	eq "$name: exit" "$rc" 0
	check "$name: every file identical" all_same "$T/f"
	check "$name: the log shows '$want'" grep -qE -- "$want" "$T/log"
}
fault_case "reset mid-body" drop "$BIG bytes=[0-9]+- 206"
fault_case "short body" short "$BIG bytes=[0-9]+- 206"
fault_case "stall" stall:3 "$BIG bytes=[0-9]+- 206"
fault_case "corrupt gzip member" corrupt "$BIG - 200 corrupt"
check "corrupt gzip member: the file started again" \
	sh -c "grep -F '$BIG' '$T/log' | tail -1 | grep -q '^/$BIG - 200 -$'"
fault_case "no Range support" norange,drop,short "$BIG bytes=[0-9]+- 200"
fault_case "503 then success" 503:1 "$BIG - 503 503:1"
start_server --fault "dolma-wget-sample-0001=503:1"
rm -rf "$T/f"
t0=$(date +%s.%N)
"$SLUICE" fetch "$C" --base-url "$URL" -o "$T/f" "${FAST[@]}" 2>/dev/null
t1=$(date +%s.%N)
check "Retry-After: 1 is honoured (waited >= 1 s, not the 0.05 s back-off)" \
	python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.0 else 1)"

# --- all faults at once, on different files, four transfers at a time
start_server --fault "dolma-wget-sample-0000=norange,drop,stall:2,short" \
	--fault "dolma-wget-sample-0001=503:0,corrupt,drop" \
	--fault "resiliparse=short,short,short,stall:2" \
	--fault "ia-IAH=drop,corrupt" --fault "jwarc-cc=500,500"
rm -rf "$T/f"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/f" -j 4 --timeout 0.5 --backoff 0.05 --max-backoff 0.2
eq "all faults: exit" "$rc" 0
check "all faults: every file identical" all_same "$T/f"
check "all faults: retries are reported, naming the file" has "$T/err" "sluice fetch: 'crawl-data/$C/segments/1/wet/ia-IAH-urls-wget.warc.gz': corrupt gzip member at byte"
check "all faults: the summary counts the retries" grep -qE '; (1[0-9]|[2-9][0-9]) retries' "$T/err"

# --- failures: the retry budget, errors that are not retried, a bad file
start_server --fault "jwarc-cc=500,500,500,500,500,500,500,500"
rm -rf "$T/f"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/f" --retries 2 "${FAST[@]}"
eq "budget: exit 1" "$rc" 1
check "budget: message names the file" has "$T/err" "sluice fetch: '$SMALL': failed: HTTP 500 (gave up after 3 tries)"
eq "budget: three tries" "$(grep -c "jwarc-cc.warc.gz - 500" "$T/log")" 3
check "budget: no file under the final name" test ! -e "$T/f/$SMALL"
check "budget: the others complete" has "$T/err" "$NWET files: $((NWET - 1)) downloaded, 0 already complete, 1 failed"
start_server --fault "jwarc-cc=404"
rm -rf "$T/f"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/f" "${FAST[@]}"
eq "404: exit 1" "$rc" 1
check "404: message" has "$T/err" "sluice fetch: '$SMALL': failed: HTTP 404"
eq "404: not retried" "$(grep -c "jwarc-cc.warc.gz" "$T/log")" 1
# a file that is broken at the source: length right, gzip truncated
head -c 100000 "$DATA/warc/dolma-wget-sample-0001.warc.gz" > "$T/root/crawl-data/$C/cut.warc.gz"
echo "crawl-data/$C/cut.warc.gz" > "$T/cut.paths"
start_server
run "$SLUICE" fetch --paths "$T/cut.paths" --base-url "$URL" -o "$T/f" --retries 1 "${FAST[@]}"
eq "truncated source: exit 1" "$rc" 1
check "truncated source: message" has "$T/err" "sluice fetch: 'crawl-data/$C/cut.warc.gz': failed: the gzip data ends inside a member at byte 100000; starting the file again (gave up after 2 tries)"
check "truncated source: not published" test ! -e "$T/f/crawl-data/$C/cut.warc.gz"
run "$SLUICE" fetch --paths "$T/cut.paths" --base-url "$URL" -o "$T/g" --no-gzip-check -q
eq "--no-gzip-check: only the length" "$rc" 0
printf '/etc/passwd\ncrawl-data/../../x.gz\n' > "$T/evil.paths"
: > "$T/log"
run "$SLUICE" fetch --paths "$T/evil.paths" --base-url "$URL" -o "$T/f" -q
eq "paths outside the directory: exit 1" "$rc" 1
check "paths outside the directory: message" has "$T/err" "sluice fetch: '/etc/passwd': failed: not a relative path inside the crawl"
eq "paths outside the directory: no request" "$(wc -l < "$T/log")" 0

# --- resume across runs: a .part from an earlier run is continued
start_server
rm -rf "$T/r"
mkdir -p "$T/r/$(dirname "$BIG")"
head -c 123456 "$T/root/$BIG" > "$T/r/$BIG.part"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/r" -q
eq "resume: exit" "$rc" 0
check "resume: identical" all_same "$T/r"
check "resume: one Range request from byte 123456" grep -q "^/$BIG bytes=123456- 206" "$T/log"
eq "resume: only once" "$(grep -c "$BIG" "$T/log")" 1
# a .part that holds the whole file (stopped before the rename): 416, done
rm -f "$T/r/$BIG"
cp "$T/root/$BIG" "$T/r/$BIG.part"
: > "$T/log"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/r" -q
eq "complete .part: exit" "$rc" 0
check "complete .part: identical" all_same "$T/r"
check "complete .part: 416 and no body" grep -q "^/$BIG bytes=[0-9]*- 416" "$T/log"
# a .part with damaged bytes is started again
rm -f "$T/r/$BIG"
head -c 50000 /dev/urandom > "$T/r/$BIG.part"
: > "$T/log"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/r" -q
eq "damaged .part: exit" "$rc" 0
check "damaged .part: identical" all_same "$T/r"
check "damaged .part: fetched from byte 0" grep -q "^/$BIG - 200" "$T/log"

# --- killed in the middle (kill -9 during a stalled transfer), then rerun
start_server --fault "dolma-wget-sample-0001=stall:30"
rm -rf "$T/k"
"$SLUICE" fetch "$C" --base-url "$URL" -o "$T/k" --timeout 20 -q 2>/dev/null &
kpid=$!
for _ in $(seq 100); do grep -q "stall" "$T/log" && break; sleep 0.05; done
sleep 0.2
kill -9 $kpid
wait $kpid 2>/dev/null || true
check "killed: the stalled file is a .part" test -s "$T/k/$BIG.part"
check "killed: not under its final name" test ! -e "$T/k/$BIG"
start_server
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/k" -q
eq "killed, rerun: exit" "$rc" 0
check "killed, rerun: identical" all_same "$T/k"
check "killed, rerun: the .part resumed" grep -q "^/$BIG bytes=[0-9]*- 206" "$T/log"

# --- --first and --shard select from the listing
start_server
rm -rf "$T/s"
run "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/s" --first 3 -q
eq "--first 3" "$(find "$T/s/crawl-data/$C/segments" -type f | wc -l)" 3
rm -rf "$T/s"
: > "$T/log"
for i in 0 1 2; do "$SLUICE" fetch "$C" --base-url "$URL" -o "$T/s" --shard $i/3 -q 2>/dev/null; done
check "--shard 0/3 1/3 2/3 together: every file" all_same "$T/s"
eq "--shard: each file once" "$(grep -c "/segments/" "$T/log")" "$NWET"
rm -rf "$T/s"
"$SLUICE" fetch "$C" --base-url "$URL" -o "$T/s" --shard 1/3 -q 2>/dev/null
eq "--shard 1/3: lines 1, 4, 7, ..." "$(cd "$T/s" && find crawl-data/$C/segments -type f | sort | tr '\n' ' ')" \
	"$(zcat "$T/root/crawl-data/$C/wet.paths.gz" | awk 'NR % 3 == 2' | sort | tr '\n' ' ')"

# --- a path listed twice is fetched once
rm -rf "$T/s"
printf '%s\n' "$BIG" "$BIG" "$SMALL" "$BIG" > "$T/twice.paths"
: > "$T/log"
run "$SLUICE" fetch --paths "$T/twice.paths" --base-url "$URL" -o "$T/s" -q
eq "listed twice: exit" "$rc" 0
check "listed twice: identical" cmp -s "$T/root/$BIG" "$T/s/$BIG"
eq "listed twice: one request" "$(grep -c "$BIG" "$T/log")" 1

# --- the listing from a URL; progress lines
rm -rf "$T/s"
run "$SLUICE" fetch --paths "${URL}crawl-data/$C/wet.paths.gz" --base-url "$URL" -o "$T/s" --progress 0.001
eq "--paths URL: exit" "$rc" 0
check "--paths URL: every file" all_same "$T/s"
check "--paths URL: the listing is not saved" test ! -e "$T/s/crawl-data/$C/wet.paths.gz"
check "progress lines on stderr" grep -q "^sluice fetch: [0-9]* files done, [0-9]* skipped, [0-9]* running, " "$T/err"

# --- usage errors and a missing crawl
run "$SLUICE" fetch "$C"
eq "no -o: exit 2" "$rc" 2
run "$SLUICE" fetch "$C" --kind foo -o "$T/x"
eq "bad --kind: exit 2" "$rc" 2
eq "bad --kind: message" "$(head -1 "$T/err")" "sluice fetch: --kind is wet, warc or wat, not 'foo'"
run "$SLUICE" fetch CC-NONE --base-url "$URL" -o "$T/x" -q
eq "unknown crawl: exit 1" "$rc" 1
check "unknown crawl: message" has "$T/err" "sluice fetch: cannot get the listing 'crawl-data/CC-NONE/wet.paths.gz' from '$URL'"

# --- URL input: sluice warc / cat read a remote file without saving it
start_server
"$SLUICE" warc "$T/root/$BIG" > "$T/local.jsonl"
run "$SLUICE" warc "$URL$BIG"
eq "warc URL: exit" "$rc" 0
check "warc URL: same documents as the local file" cmp -s "$T/out" "$T/local.jsonl"
export SLUICE_HTTP_TIMEOUT=0.5 SLUICE_HTTP_BACKOFF=0.05
for faults in drop short stall:2 norange,drop 503:0 norange,short; do
	start_server --fault "dolma-wget-sample-0001=$faults"
	run "$SLUICE" warc "$URL$BIG"
	eq "warc URL with $faults: exit" "$rc" 0
	check "warc URL with $faults: same documents" cmp -s "$T/out" "$T/local.jsonl"
done
start_server --fault "dolma-wget-sample-0001=drop,drop,drop,drop"
SLUICE_HTTP_RETRIES=0 run "$SLUICE" warc "$URL$BIG"
eq "warc URL broken off: exit 1" "$rc" 1
check "warc URL broken off: message" grep -q "sluice warc: .*$BIG.*: Connection reset by peer" "$T/err"
run "$SLUICE" warc "${URL}crawl-data/none.warc.gz"
eq "warc URL 404: exit 1" "$rc" 1
eq "warc URL 404: message" "$(cat "$T/err")" "sluice warc: cannot open '${URL}crawl-data/none.warc.gz': No such file or directory"
gzip -c "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl" > "$T/root/docs.jsonl.gz"
"$SLUICE" cat --add-id "$T/root/docs.jsonl.gz" | sed 's/"id":"[^"]*"//' > "$T/local.cat"
"$SLUICE" cat --add-id "${URL}docs.jsonl.gz" | sed 's/"id":"[^"]*"//' > "$T/url.cat"
check "cat URL: same documents" cmp -s "$T/local.cat" "$T/url.cat"
unset SLUICE_HTTP_TIMEOUT SLUICE_HTTP_BACKOFF

done_testing
