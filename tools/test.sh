#!/usr/bin/env bash
# Install the dependencies, build sluice and run every test (meson test).
#   tools/test.sh                 # build/ , the normal build
#   tools/test.sh --sanitize      # build-asan/, with AddressSanitizer and UBSan
#   tools/test.sh --tsan          # build-tsan/, ThreadSanitizer: the suite
#                                 # "threads" (the tests of threaded code)
# Idempotent: reuses the build folder.  Exit status is meson test's.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
# nvcc lives outside PATH in NVIDIA's packages; meson finds it through PATH
if [ -x /usr/local/cuda/bin/nvcc ]; then
	export PATH="$PATH:/usr/local/cuda/bin"
fi

dir=build
opts=()
if [ "${1:-}" = "--sanitize" ]; then
	dir=build-asan
	# CUDA objects are not instrumented; the kernels are checked in the
	# normal build, and every one has a CPU twin tested here.
	opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized -Dcuda=disabled)
fi
if [ "${1:-}" = "--tsan" ]; then
	opts=(-Db_sanitize=thread -Dbuildtype=debugoptimized -Dcuda=disabled)
	if [ ! -f build-tsan/build.ninja ]; then
		meson setup build-tsan "${opts[@]}"
	fi
	# only the binary: the suite runs sluice's commands
	ninja -C build-tsan sluice
	exec meson test -C build-tsan --suite threads --no-rebuild --print-errorlogs
fi
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "${opts[@]}"
fi
ninja -C "$dir"
# sluice ppl's default model is trained by sluice itself (Brown Corpus, npm)
tools/get-ppl-model.sh "$dir/sluice"
meson test -C "$dir" --print-errorlogs
