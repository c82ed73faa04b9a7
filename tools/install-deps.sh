#!/usr/bin/env bash
# Install what sluice needs to build and test, from Debian 12 packages.
# Idempotent: does nothing when everything is already there.  Run as root
# (or with sudo).
set -euo pipefail

pkgs=(build-essential meson ninja-build pkg-config
      zlib1g-dev libzstd-dev libpcre2-dev libxxhash-dev libcurl4-openssl-dev libutf8proc-dev
      python3 zstd gzip ca-certificates
      python3-numpy python3-regex python3-xxhash)  # dedup tests: the MinHash reference arithmetic

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
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
