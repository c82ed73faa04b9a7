#!/usr/bin/env bash
# Install the dependencies, build sluice and run every test (meson test).
#   tools/test.sh                 # build/ , the normal build
#   tools/test.sh --sanitize      # build-asan/, with AddressSanitizer and UBSan
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
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "${opts[@]}"
fi
ninja -C "$dir"
# sluice ppl's default model is trained by sluice itself (Brown Corpus, npm)
tools/get-ppl-model.sh "$dir/sluice"
meson test -C "$dir" --print-errorlogs
