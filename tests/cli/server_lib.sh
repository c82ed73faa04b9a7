# server_lib.sh - the local HTTP server of the fetch tests (sourced after
# lib.sh): fetch_server.py serving $SERVER_ROOT on a port the OS gives,
# stopped when the test exits.
#   start_server [--fault SUBSTR=F,F,...]...   a fresh server and empty log; sets $URL
#   stop_server
SPID=
stop_server() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
	fi
	SPID=
}
trap 'stop_server; rm -rf "$T"' EXIT
start_server() {
	stop_server
	rm -f "$T/port"
	: > "$T/log"
	python3 "$(dirname "${BASH_SOURCE[0]}")/fetch_server.py" --root "$SERVER_ROOT" --port-file "$T/port" \
		--log "$T/log" "$@" &
	SPID=$!
	for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
	URL="http://127.0.0.1:$(cat "$T/port")/"
}
