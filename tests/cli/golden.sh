#!/usr/bin/env bash
# Golden CLI tests: each tests/cli/golden/NAME.cmd is a command line run from
# the source root (with $SLUICE the binary); its stdout must equal
# NAME.out byte for byte, its stderr NAME.err (when present), and its exit
# status NAME.rc (default 0).  To bless a changed output after checking it:
#   SLUICE=build/sluice GOLDEN_UPDATE=1 bash tests/cli/golden.sh
. "$(dirname "$0")/lib.sh"
cd "$SLUICE_SOURCE_ROOT"
for cmd in tests/cli/golden/*.cmd; do
	name=${cmd%.cmd}
	run bash -c "$(cat "$cmd")"
	want_rc=$(cat "$name.rc" 2>/dev/null || echo 0)
	if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$T/out" "$name.out"
		[ -s "$T/err" ] && cp "$T/err" "$name.err"
		[ "$rc" != 0 ] && echo "$rc" > "$name.rc"
		continue
	fi
	eq "$(basename "$name"): exit status" "$rc" "$want_rc"
	if cmp -s "$T/out" "$name.out"; then pass; else
		fail "$(basename "$name"): stdout differs from $name.out"
		diff "$name.out" "$T/out" | head -20 >&2 || true
	fi
	if [ -f "$name.err" ]; then
		if cmp -s "$T/err" "$name.err"; then pass; else
			fail "$(basename "$name"): stderr differs from $name.err"
			diff "$name.err" "$T/err" | head -10 >&2 || true
		fi
	else
		eq "$(basename "$name"): no stderr" "$(cat "$T/err")" ""
	fi
done
done_testing
