# lib.sh - helpers for the shell-level CLI tests (sourced, not run).
#
# Each tests/cli/*.sh script sources this, runs sluice on real and broken
# input, and checks exit status, stdout and stderr.  The environment comes
# from meson: SLUICE (the binary), SLUICE_SHARED_DATA (../shared/data),
# SLUICE_SOURCE_ROOT.  A script ends with `done_testing`, which prints
# "N passed, N failed" and exits 1 when anything failed.

set -u
: "${SLUICE:?SLUICE must name the sluice binary}"
: "${SLUICE_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SLUICE_SHARED_DATA:=$SLUICE_SOURCE_ROOT/../shared/data}"
DATA="$SLUICE_SHARED_DATA"
TDATA="$SLUICE_SOURCE_ROOT/tests/data"
T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# check DESC CONDITION-COMMAND...
check() {
	local desc=$1
	shift
	if "$@" >/dev/null; then pass; else fail "$desc"; fi
}

# eq DESC GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1"
		printf '    got:  %s\n    want: %s\n' "$2" "$3" >&2
	fi
}

# run CMD... : runs with stdout in $T/out, stderr in $T/err, status in $rc
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

# has_line FILE TEXT: FILE contains a line with TEXT
has() { grep -qF -- "$2" "$1"; }

# json_field FILE EXPR: evaluate a Python expression over the JSON in FILE (as j)
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Every line of FILE is a JSON object with string id/text: prints the count.
valid_jsonl() {
	python3 - "$1" <<'PY'
import json, sys
n = 0
with open(sys.argv[1], 'rb') as f:
    for raw in f:
        line = raw.decode('utf-8')          # strict: fails on invalid UTF-8
        d = json.loads(line)
        assert isinstance(d, dict) and isinstance(d['text'], str) and 'id' in d, line[:200]
        n += 1
print(n)
PY
}

need_data() {
	if [ ! -d "$DATA" ]; then
		echo "SKIP: shared data not found at $DATA" >&2
		exit 77
	fi
}

done_testing() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
