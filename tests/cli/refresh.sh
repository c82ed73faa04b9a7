#!/usr/bin/env bash
# examples/cron/refresh.sh against a local server (fetch_server.py) serving
# two crawls laid out as CommonCrawl does: a refresh killed at each step
# and restarted publishes exactly one complete version; two refreshes
# started together do not both run; a new crawl becomes the new version.
. "$(dirname "$0")/lib.sh"
need_data
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REFRESH="$SLUICE_SOURCE_ROOT/examples/cron/refresh.sh"
command -v flock >/dev/null || { echo "SKIP: flock (util-linux) not installed" >&2; exit 77; }
SERVER_ROOT="$T/www"
. "$HERE/server_lib.sh"

# two crawls of four real WARC files each
for c in CC-MAIN-2024-10 CC-MAIN-2024-22; do
	d="$T/www/crawl-data/$c/segments/1/wet"
	mkdir -p "$d"
	for f in dolma-wget-sample-0000 jwarc-cc resiliparse-CC-MAIN-2020-34-excerpt warcio-example; do
		cp "$DATA/warc/$f.warc.gz" "$d/$c-$f.warc.gz"
	done
	(cd "$T/www" && find "crawl-data/$c/segments" -type f | sort | gzip > "crawl-data/$c/wet.paths.gz")
done
collinfo() { # the crawls the index lists
	python3 -c 'import json,sys; print(json.dumps([{"id": c, "name": c} for c in sys.argv[1:]]))' "$@" \
		> "$T/www/collinfo.json"
}
collinfo CC-MAIN-2024-22 CC-MAIN-2024-10
start_server

# conf ROOT: a refresh.conf with a model-free pipeline (warc only)
conf() {
	mkdir -p "$1"
	cat > "$1/refresh.conf" <<EOF
SLUICE='$SLUICE'
BASE_URL='$URL'
CRAWLS_URL='${URL}collinfo.json'
FETCH_OPTS='-q --timeout 2 --backoff 0.05'
pipeline() {
	"\$SLUICE" warc "\$@" -o "\$OUT/docs.jsonl.zst"
	die_at build-mid
	"\$SLUICE" stats "\$OUT/docs.jsonl.zst" > "\$OUT/stats.json"
	if [ -n "\${REFRESH_SLOW:-}" ]; then sleep "\$REFRESH_SLOW"; fi
}
EOF
}

# one_version ROOT CRAWL: exactly one complete version, current points to it
one_version() {
	local root=$1 crawl=$2
	[ "$(ls -A "$root/versions")" = "$crawl" ] || { echo "    versions: $(ls -A "$root/versions" | tr '\n' ' ')" >&2; return 1; }
	[ "$(readlink "$root/current")" = "versions/$crawl" ] || { echo "    current -> $(readlink "$root/current")" >&2; return 1; }
	(cd "$root/current" && sha256sum --quiet -c MANIFEST.sha256) || return 1
	zstd -q -d -c "$root/current/docs.jsonl.zst" | cmp -s - "$T/want.jsonl" || { echo "    documents differ" >&2; return 1; }
	[ "$(grep -cx "$crawl" "$root/state/done")" = 1 ]
}
"$SLUICE" warc "$T"/www/crawl-data/CC-MAIN-2024-22/segments/1/wet/*.gz > "$T/want.jsonl" 2>/dev/null

# --- one run, from nothing: the newest crawl only
conf "$T/a"
run "$REFRESH" "$T/a"
eq "first run: exit" "$rc" 0
check "first run: one complete version of the newest crawl" one_version "$T/a" CC-MAIN-2024-22
check "first run: the files were fetched" test -s "$T/a/raw/crawl-data/CC-MAIN-2024-22/segments/1/wet/CC-MAIN-2024-22-jwarc-cc.warc.gz"
: > "$T/log"
run "$REFRESH" "$T/a"
eq "nothing new: exit" "$rc" 0
eq "nothing new: only the crawl list is read" "$(cut -d' ' -f1 "$T/log")" "/collinfo.json"
check "nothing new: still one version" one_version "$T/a" CC-MAIN-2024-22

# --- killed right after each step (as kill -9 would), then restarted
for point in fetch build-mid build verify publish switch; do
	r="$T/k-$point"
	conf "$r"
	REFRESH_DIE_AT=$point run "$REFRESH" "$r"
	eq "killed after $point: died" "$rc" 137
	if [ -L "$r/current" ]; then
		check "killed after $point: whatever current shows is complete" \
			sh -c "cd '$r/current' && sha256sum --quiet -c MANIFEST.sha256"
	else
		pass
	fi
	check "killed after $point: no partial version published" \
		sh -c "! ls '$r/versions' | grep -qv '^CC-MAIN-2024-22$' && { [ ! -d '$r/versions/CC-MAIN-2024-22' ] || (cd '$r/versions/CC-MAIN-2024-22' && sha256sum --quiet -c MANIFEST.sha256); }"
	run "$REFRESH" "$r"
	eq "killed after $point, restarted: exit" "$rc" 0
	check "killed after $point, restarted: exactly one complete version" one_version "$r" CC-MAIN-2024-22
done

# --- killed from outside while fetching (the whole process group), restarted
start_server --fault "CC-MAIN-2024-22-resiliparse=stall:30"
r="$T/k-outside"
conf "$r"
sed -i "s/--timeout 2/--timeout 20/" "$r/refresh.conf"
setsid "$REFRESH" "$r" 2>/dev/null &
kpid=$!
for _ in $(seq 200); do grep -q "stall" "$T/log" && break; sleep 0.05; done
sleep 0.2
kill -9 -- -"$kpid" 2>/dev/null || kill -9 "$kpid"
wait "$kpid" 2>/dev/null || true
check "killed while fetching: nothing published" test ! -e "$r/current"
check "killed while fetching: a .part was left" \
	test -e "$r/raw/crawl-data/CC-MAIN-2024-22/segments/1/wet/CC-MAIN-2024-22-resiliparse-CC-MAIN-2020-34-excerpt.warc.gz.part"
start_server
sed -i "s|^BASE_URL=.*|BASE_URL='$URL'|; s|^CRAWLS_URL=.*|CRAWLS_URL='${URL}collinfo.json'|" "$r/refresh.conf"
run "$REFRESH" "$r"
eq "killed while fetching, restarted: exit" "$rc" 0
check "killed while fetching, restarted: exactly one complete version" one_version "$r" CC-MAIN-2024-22
check "killed while fetching, restarted: the .part was resumed" grep -q "resiliparse.* bytes=[0-9]*- 206" "$T/log"

# --- two refreshes started together: one runs, the other leaves at once
r="$T/two"
conf "$r"
REFRESH_SLOW=1 "$REFRESH" "$r" 2>"$T/err1" & p1=$!
REFRESH_SLOW=1 "$REFRESH" "$r" 2>"$T/err2" & p2=$!
set +e
wait $p1; r1=$?
wait $p2; r2=$?
set -e
eq "two at once: one ran, one exited 75" "$(printf '%s\n' $r1 $r2 | sort | tr '\n' ' ')" "0 75 "
check "two at once: the message" grep -q "another refresh is running" "$T/err1" "$T/err2"
check "two at once: one complete version" one_version "$r" CC-MAIN-2024-22

# --- a new crawl appears: it becomes the new version; SINCE takes older ones
collinfo CC-MAIN-2024-10
r="$T/new"
conf "$r"
run "$REFRESH" "$r"
eq "older crawl: exit" "$rc" 0
eq "older crawl: current" "$(readlink "$r/current")" "versions/CC-MAIN-2024-10"
collinfo CC-MAIN-2024-10 CC-MAIN-2024-22
run "$REFRESH" "$r"
eq "new crawl: exit" "$rc" 0
eq "new crawl: current" "$(readlink "$r/current")" "versions/CC-MAIN-2024-22"
eq "new crawl: both versions kept" "$(ls "$r/versions" | tr '\n' ' ')" "CC-MAIN-2024-10 CC-MAIN-2024-22 "
r="$T/since"
conf "$r"
SINCE=CC-MAIN-2024-01 run "$REFRESH" "$r"
eq "SINCE: exit" "$rc" 0
eq "SINCE: every crawl from it on, in order" "$(tr '\n' ' ' < "$r/state/done")" "CC-MAIN-2024-10 CC-MAIN-2024-22 "
eq "SINCE: current is the newest" "$(readlink "$r/current")" "versions/CC-MAIN-2024-22"

done_testing
