#!/usr/bin/env bash
# refresh.sh - keep a dataset fresh from CommonCrawl; made to run from cron.
#
#   examples/cron/refresh.sh ROOT
#
# crontab line (every day at 03:17; a run with nothing new exits at once,
# a run that finds another one still working exits with 75):
#
#   17 3 * * *  /opt/sluice/examples/cron/refresh.sh /data/cc >>/data/cc/refresh.log 2>&1
#
# For each crawl not processed yet: fetch its files (sluice fetch, which
# resumes), run the pipeline into a new version directory, verify it, then
# publish it and switch ROOT/current to it atomically.  ROOT/state/CRAWL
# records the steps done, so a refresh that was killed resumes at the step
# it was in; a half-built version is never published.  flock on ROOT/.lock
# keeps a second refresh out (the lock is inherited by the sluice processes
# started, so an orphaned fetch still holds it until it exits).
#
# Settings: the environment, or ROOT/refresh.conf (sourced when present;
# it may also redefine the shell functions pipeline and verify below):
#   SLUICE      the sluice binary (default: sluice from PATH)
#   BASE_URL    where the crawls are (default https://data.commoncrawl.org/)
#   CRAWLS      crawl ids to consider, space separated; default: the ids
#               (CC-MAIN-YYYY-WW) found in CRAWLS_URL
#   CRAWLS_URL  default https://index.commoncrawl.org/collinfo.json
#   SINCE       process every crawl from this id on; default: only the
#               newest crawl (the first run does not pull ten years)
#   KIND        wet (default), warc or wat
#   FIRST       fetch only the first N files of each crawl (default: all)
#   FETCH_OPTS  more options for sluice fetch (e.g. "-j 8 --retries 20")
#
# Layout under ROOT:
#   raw/crawl-data/CRAWL/...  the downloads (sluice fetch -o ROOT/raw)
#   versions/CRAWL/           published versions, one per crawl, each with
#                             its MANIFEST.sha256
#   versions/.CRAWL.tmp/      the version being built
#   current -> versions/CRAWL the newest published version
#   state/CRAWL, state/done   steps done per crawl; crawls done
set -euo pipefail

ROOT=${1:?usage: refresh.sh ROOT}
mkdir -p "$ROOT/state" "$ROOT/versions" "$ROOT/raw"
ROOT=$(cd "$ROOT" && pwd)
SLUICE=${SLUICE:-sluice}
BASE_URL=${BASE_URL:-https://data.commoncrawl.org/}
CRAWLS_URL=${CRAWLS_URL:-https://index.commoncrawl.org/collinfo.json}
KIND=${KIND:-wet}
FIRST=${FIRST:-}
SINCE=${SINCE:-}
FETCH_OPTS=${FETCH_OPTS:-}

log() { echo "refresh: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >&2; }

# The pipeline: input files as arguments, writes its output into $OUT.
# The default is the README's, without tokenizing; redefine it in
# refresh.conf for yours.
pipeline() {
	"$SLUICE" warc "$@" |
		"$SLUICE" lang --keep en |
		"$SLUICE" quality --rules gopher,gopher-rep,c4,fineweb |
		"$SLUICE" dedup minhash |
		"$SLUICE" pii -o "$OUT/docs.jsonl.zst"
}

# Checks of a built version beyond its manifest (run inside it).
verify() {
	local f
	for f in *.jsonl*; do
		[ -e "$f" ] || continue
		"$SLUICE" stats "$f" >/dev/null
	done
}

# Test hook: die (as kill -9 would) right after the named step's work.
die_at() {
	if [ "${REFRESH_DIE_AT:-}" = "$1" ]; then
		kill -9 $$
	fi
}

[ -f "$ROOT/refresh.conf" ] && . "$ROOT/refresh.conf"

exec 9>>"$ROOT/.lock"
if ! flock -n 9; then
	log "another refresh is running (lock $ROOT/.lock held); exiting"
	exit 75
fi

has_step() { [ -f "$ROOT/state/$1" ] && grep -qx "$2" "$ROOT/state/$1"; }
mark() { printf '%s\n' "$2" >> "$ROOT/state/$1"; }

# --- which crawls
if [ -z "${CRAWLS:-}" ]; then
	CRAWLS=$(curl -fsS --retry 5 --max-time 120 "$CRAWLS_URL" |
		grep -o 'CC-MAIN-[0-9]\{4\}-[0-9]\{2\}' | sort -u)
fi
CRAWLS=$(printf '%s\n' $CRAWLS | sort -u)
if [ -n "$SINCE" ]; then
	todo=$(printf '%s\n' $CRAWLS | awk -v s="$SINCE" '$0 >= s')
else
	todo=$(printf '%s\n' $CRAWLS | tail -n 1)
fi
touch "$ROOT/state/done"

for crawl in $todo; do
	grep -qx "$crawl" "$ROOT/state/done" && continue
	log "$crawl: starting"
	tmp="$ROOT/versions/.$crawl.tmp"
	final="$ROOT/versions/$crawl"
	listing="$ROOT/raw/crawl-data/$crawl/$KIND.paths.gz"

	# 1. fetch (sluice fetch itself skips what is complete)
	if ! has_step "$crawl" fetched; then
		# shellcheck disable=SC2086
		"$SLUICE" fetch "$crawl" --kind "$KIND" ${FIRST:+--first "$FIRST"} \
			--base-url "$BASE_URL" -o "$ROOT/raw" $FETCH_OPTS
		die_at fetch
		mark "$crawl" fetched
		log "$crawl: fetched"
	fi

	# 2. build a new version beside the published ones
	if ! has_step "$crawl" built; then
		rm -rf "$tmp"
		mkdir -p "$tmp"
		mapfile -t files < <(zcat "$listing" | { if [ -n "$FIRST" ]; then head -n "$FIRST"; else cat; fi; } |
			sed "s|^|$ROOT/raw/|")
		OUT=$tmp pipeline "${files[@]}"
		die_at build
		(cd "$tmp" && find . -type f ! -name MANIFEST.sha256 -print0 | sort -z |
			xargs -0 -r sha256sum > "$ROOT/state/$crawl.manifest" && mv "$ROOT/state/$crawl.manifest" MANIFEST.sha256)
		mark "$crawl" built
		log "$crawl: built"
	fi

	# 3. verify it (a version that fails is built again by the next run)
	if ! has_step "$crawl" verified && [ ! -d "$final" ]; then
		if ! (cd "$tmp" && [ -s MANIFEST.sha256 ] && sha256sum --quiet -c MANIFEST.sha256 && verify); then
			log "$crawl: the new version did not verify; it will be built again"
			sed -i '/^built$/d' "$ROOT/state/$crawl"
			exit 1
		fi
		die_at verify
		mark "$crawl" verified
		log "$crawl: verified"
	fi

	# 4. publish: one rename makes the version appear whole
	if [ ! -d "$final" ]; then
		mv -T "$tmp" "$final"
		die_at publish
	fi
	mark "$crawl" published

	# 5. switch current: a new link renamed over the old one
	ln -sfn "versions/$crawl" "$ROOT/.current.new"
	mv -T "$ROOT/.current.new" "$ROOT/current"
	die_at switch
	echo "$crawl" >> "$ROOT/state/done"
	log "$crawl: published; current -> versions/$crawl"
done
