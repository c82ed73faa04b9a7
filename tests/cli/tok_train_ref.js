// The npm `tokenizers` package as the reference for `sluice tok train`:
//   node tok_train_ref.js train CORPUS.txt OUT.json     BpeTrainer's defaults
//                                                       (vocab 30000, alphabet
//                                                       seen), ByteLevel split
//   node tok_train_ref.js encode TOKENIZER.json DOCS.jsonl   ids per document,
//                                                       one JSON array a line
const fs = require('fs');
const { Tokenizer, BPE, byteLevelPreTokenizer } = require('tokenizers');
const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'train') {
  const tok = new Tokenizer(BPE.empty());
  tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
  const t0 = process.hrtime.bigint();
  tok.train([a]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  tok.save(b);
  process.stderr.write(`train ms ${ms.toFixed(1)}\n`);
} else if (cmd === 'encode') {
  const tok = Tokenizer.fromFile(a);
  const out = [];
  (async () => {
    for (const line of fs.readFileSync(b, 'utf8').split('\n')) {
      if (!line) continue;
      const d = JSON.parse(line);
      const e = await tok.encode(d.text, null, { addSpecialTokens: false });
      out.push(JSON.stringify(e.getIds()));
    }
    process.stdout.write(out.join('\n') + '\n');
  })();
} else {
  process.stderr.write('usage: tok_train_ref.js train|encode ...\n');
  process.exit(2);
}
