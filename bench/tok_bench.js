// tok_bench.js - one-thread throughput of the npm reference tokenizers on
// the texts of a JSONL file: encode time only (loading and JSON parsing are
// not counted).  Prints "<cpu seconds> <wall seconds> <text bytes>".
//   node tok_bench.js tiktoken cl100k_base docs.jsonl
//   node tok_bench.js hf tokenizer.json docs.jsonl
'use strict';
const fs = require('fs');
const [kind, model, path] = process.argv.slice(2);
const texts = fs.readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
let bytes = 0;
for (const t of texts) bytes += Buffer.byteLength(t);

function report(c0, w0) {
	const c = process.cpuUsage(c0), w = Number(process.hrtime.bigint() - w0) / 1e9;
	console.log(((c.user + c.system) / 1e6).toFixed(3), w.toFixed(3), bytes);
}

(async () => {
	if (kind === 'tiktoken') {
		const { get_encoding } = require('tiktoken');
		const enc = get_encoding(model);
		const c0 = process.cpuUsage(), w0 = process.hrtime.bigint();
		for (const t of texts) enc.encode_ordinary(t);
		report(c0, w0);
	} else {
		const { Tokenizer } = require('tokenizers');
		const j = JSON.parse(fs.readFileSync(model, 'utf8'));
		j.added_tokens = [];
		const tok = Tokenizer.fromString(JSON.stringify(j));
		const c0 = process.cpuUsage(), w0 = process.hrtime.bigint();
		// one call at a time: one thread (RAYON_NUM_THREADS=1 as well)
		for (const t of texts) await tok.encode(t, null, { addSpecialTokens: false });
		report(c0, w0);
	}
})();
