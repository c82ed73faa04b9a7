#!/usr/bin/env bash
# Run libFuzzer sessions over the fuzz targets (tests/fuzz/README.md).
#
#   tests/fuzz/run.sh [--seconds N] [--total N] [--keep] [TARGET...]
#
# Builds build-fuzz/ (clang, ASan + UBSan, -Dfuzz=true) when needed, then
# runs each target (default: every row of tests/fuzz/meson.build) for N
# seconds (default 20), one process at a time, niced, with the policy
# limits: -rss_limit_mb=2048 -timeout=2 and the table's -max_len.  Inputs
# that find new coverage go to build-fuzz/fuzz-work/TARGET/corpus (kept
# across runs, never committed); the committed seeds and regression inputs
# are read-only extra corpus folders.  --total N stops starting new targets
# once N seconds have passed.  --keep carries on after a crash.
#
# Prints one line per target (executions, coverage, result), appends them
# to build-fuzz/fuzz-work/stats.tsv, and a summary line
# "fuzz: N targets, N crashed".  Exit 1 when any target crashed (the
# input is saved as build-fuzz/fuzz-work/TARGET/crash-*; copy it to
# tests/fuzz/regress/TARGET/ once the bug is fixed), 77 when clang or
# libFuzzer is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=20
total=0
keep=0
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--total) total=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1"); shift ;;
	esac
done

cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
	echo "fuzz: no $cc; fuzz sessions skipped"
	exit 77
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"$cc" -x c -fsanitize=fuzzer,address -o /dev/null - 2>/dev/null; then
	echo "fuzz: $cc cannot link libFuzzer (Debian: libclang-rt-dev); fuzz sessions skipped"
	exit 77
fi

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	CC=$cc meson setup "$dir" -Dfuzz=true -Dcuda=disabled -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false \
		"-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >/dev/null || exit 1
fi

# the table: rows "['name', max_len]," of tests/fuzz/meson.build
declare -A maxlen
all=()
while read -r name len; do
	maxlen[$name]=$len
	all+=("$name")
done < <(sed -n "s/^ *\['\([a-z0-9_]*\)', *\([0-9]*\)\],.*/\1 \2/p" tests/fuzz/meson.build)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
	if [ -z "${maxlen[$t]:-}" ]; then
		echo "fuzz: no target '$t' in tests/fuzz/meson.build" >&2
		exit 2
	fi
done
# only the fuzz binaries (not the whole project)
nice -n 19 ninja -C "$dir" -j2 "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null ||
	{ echo "fuzz: build failed"; exit 1; }

work=$dir/fuzz-work
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$(date +%s)
ran=0
crashed=0
for t in "${targets[@]}"; do
	if [ "$total" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$total" ]; then
		echo "fuzz $t: not run (--total $total s reached)"
		continue
	fi
	mkdir -p "$work/$t/corpus"
	dict=()
	[ -f "tests/fuzz/dict/$t.dict" ] && dict=("-dict=tests/fuzz/dict/$t.dict")
	# this process's own log (two sessions of one target at once must not
	# write one file: the counts read from it would mix), kept as last.log
	log=$work/$t/last.$$.log
	t0=$(date +%s)
	nice -n 19 "$dir/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=2 \
		-max_len="${maxlen[$t]}" -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$work/$t/" "$work/$t/corpus" \
		"tests/fuzz/corpus/$t" $( [ -d "tests/fuzz/regress/$t" ] && echo "tests/fuzz/regress/$t" ) \
		>"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	ran=$((ran + 1))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	art=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
	if [ $rc -ne 0 ] && [ -n "$art" ] && [ "${art##*/timeout-}" != "$art" ] &&
		"$dir/tests/fuzz/fuzz-$t" -timeout=2 -rss_limit_mb=2048 -runs=3 "$art" >"$log.rerun" 2>&1; then
		# -timeout is wall-clock time: a process at nice 19 on a busy
		# machine can miss it while the input itself is fast.  A real
		# hang times out again when the input is run on its own.
		rc=0
		result="ok (a timeout that did not reproduce: $art runs in time alone)"
	elif [ $rc -eq 0 ]; then
		result=ok
	else
		crashed=$((crashed + 1))
		result="CRASH (exit $rc${art:+, input $art}; log $work/$t/last.log)"
	fi
	printf 'fuzz %s: %s execs in %s s, cov %s, ft %s, %s\n' "$t" "${execs:-?}" "$secs" "${cov:-?}" "${ft:-?}" "$result"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${execs:-0}" "$secs" "${cov:-}" "${ft:-}" "${result%% *}" >>"$work/stats.tsv"
	[ $rc -ne 0 ] && grep -E "ERROR|SUMMARY|^    #[0-9]" "$log" | head -15 | sed 's/^/    /'
	mv -f "$log" "$work/$t/last.log"
	rm -f "$log.rerun"
	[ $rc -ne 0 ] && [ $keep -eq 0 ] && break
done
echo "fuzz: $ran targets, $crashed crashed"
[ $crashed -eq 0 ]
