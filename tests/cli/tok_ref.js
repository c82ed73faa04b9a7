// tok_ref.js - reference token ids from the npm packages sluice tok must
// equal: tiktoken (the WASM build of OpenAI's Rust core) and Hugging Face
// tokenizers (native).  One output line per input document: a JSON array.
//
//   node tok_ref.js tiktoken NAME          in.jsonl > ids   (encode_ordinary)
//   node tok_ref.js hf tokenizer.json      in.jsonl > ids
//   node tok_ref.js gpt2json encoder.json vocab.bpe out-tokenizer.json
//
// Hugging Face: the added tokens are removed so that special-token text is
// encoded as ordinary text, and no special tokens are added.  gpt2json builds
// the tokenizer.json GPT-2 has on the Hugging Face hub from encoder.json and
// vocab.bpe, for the hf reference and for sluice.
// The module folder comes from NODE_PATH (tools/npm-deps.sh installs it).
'use strict';
const fs = require('fs');

function docs(path) {
	const out = [];
	for (const line of fs.readFileSync(path, 'utf8').split('\n'))
		if (line) out.push(JSON.parse(line).text);
	return out;
}

async function hf(json, texts) {
	const { Tokenizer } = require('tokenizers');
	const j = JSON.parse(json);
	j.added_tokens = [];
	const tok = Tokenizer.fromString(JSON.stringify(j));
	const lines = [];
	for (let i = 0; i < texts.length; i += 64) {
		const batch = texts.slice(i, i + 64);
		const enc = await Promise.all(batch.map((t) => tok.encode(t, null, { addSpecialTokens: false })));
		for (const e of enc) lines.push(JSON.stringify(Array.from(e.getIds())));
	}
	return lines;
}

async function main() {
	const [kind, ...args] = process.argv.slice(2);
	let lines = [];
	if (kind === 'tiktoken') {
		const { get_encoding } = require('tiktoken');
		const enc = get_encoding(args[0]);
		for (const t of docs(args[1])) lines.push(JSON.stringify(Array.from(enc.encode_ordinary(t))));
		enc.free();
	} else if (kind === 'hf') {
		lines = await hf(fs.readFileSync(args[0], 'utf8'), docs(args[1]));
	} else if (kind === 'gpt2json') {
		const vocab = JSON.parse(fs.readFileSync(args[0], 'utf8'));
		const merges = fs.readFileSync(args[1], 'utf8').split('\n').filter((l, i) => l && !(i === 0 && l.startsWith('#')));
		const j = {
			version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
			pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
			post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
			model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
				 fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
		};
		fs.writeFileSync(args[2], JSON.stringify(j));
	} else {
		throw new Error('unknown kind ' + kind);
	}
	process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
}
main().catch((e) => { console.error(e); process.exit(1); });
