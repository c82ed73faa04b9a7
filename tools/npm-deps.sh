#!/usr/bin/env bash
# Install the npm packages the tokenizer tests and benchmark compare sluice
# with (tiktoken's WASM build and Hugging Face's native tokenizers) into the
# git-ignored .cache/npm.  Idempotent.  Without npm (and without root to
# install it) it says so and exits 0: those tests then skip (exit 77).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.cache/npm
want="tiktoken@1.0.22 tokenizers@0.23.2"
if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$want" ]; then
	exit 0
fi
if ! command -v npm >/dev/null; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null ||
			{ echo "npm-deps: cannot install nodejs/npm; tokenizer reference tests will be skipped" >&2; exit 0; }
	else
		echo "npm-deps: npm not found; tokenizer reference tests will be skipped" >&2
		exit 0
	fi
fi
mkdir -p "$dir"
echo "npm-deps: installing $want into $dir" >&2
# shellcheck disable=SC2086
if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error $want >/dev/null; then
	echo "npm-deps: npm install failed; tokenizer reference tests will be skipped" >&2
	exit 0
fi
echo "$want" > "$dir/.installed"
