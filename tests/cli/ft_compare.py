#!/usr/bin/env python3
"""Compare `sluice lang --top-k K` (or classify) with `fasttext predict-prob`.

usage: ft_compare.py SLUICE MODEL K WORKDIR SOURCE...
SOURCE: a .txt file (every line is a document) or a JSONL file (.gz ok; the
"text" member is the document).  Documents become one line each for
fasttext with newlines as spaces, the way datatrove feeds the model.
Prints "N documents, N label mismatches, N probability mismatches, max
difference D" and exits 1 on any mismatch.
"""
import gzip, json, os, subprocess, sys

sluice, model, k, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = []
for src in sys.argv[5:]:
    opener = gzip.open if src.endswith('.gz') else open
    with opener(src, 'rb') as f:
        data = f.read()
    if src.endswith('.txt'):
        for line in data.split(b'\n'):
            texts.append(line.decode('utf-8', 'replace'))
        if texts and texts[-1] == '' and data.endswith(b'\n'):
            texts.pop()
    else:
        for line in data.decode('utf-8').split('\n'):
            if line.strip():
                texts.append(json.loads(line)['text'])
# A literal "</s>" ends a line early in fastText, and the rest would become
# a line of its own in predict-prob's output: such documents cannot be
# compared line for line.
texts = [t for t in texts if '</s>' not in t.replace('\n', ' ').split()]
jl = os.path.join(work, 'cmp.jsonl')
ft = os.path.join(work, 'cmp.txt')
with open(jl, 'w', encoding='utf-8') as f:
    for i, t in enumerate(texts):
        f.write(json.dumps({'id': i, 'text': t}, ensure_ascii=False) + '\n')
with open(ft, 'wb') as f:
    for t in texts:
        f.write(t.replace('\n', ' ').encode('utf-8') + b'\n')

ref = subprocess.run(['fasttext', 'predict-prob', model, ft, str(k)],
                     check=True, capture_output=True).stdout.decode('utf-8').split('\n')
got = subprocess.run([sluice, 'lang', '--model', model, '--top-k', str(k), '--annotate-only', '-q', jl],
                     check=True, capture_output=True).stdout.decode('utf-8').split('\n')[:-1]
assert len(got) == len(texts), (len(got), len(texts))
bad_labels = bad_probs = 0
maxdiff = 0.0
for i, t in enumerate(texts):
    r = ref[i].split()
    want = [(r[j][len('__label__'):], float(r[j + 1])) for j in range(0, len(r), 2)]
    meta = json.loads(got[i])['metadata']
    have = list(meta.get('language_topk', {}).items())
    if [w[0] for w in want] != [h[0] for h in have]:
        bad_labels += 1
        if bad_labels <= 5:
            print('labels differ on document %d: %r vs fasttext %r' % (i, have, want), file=sys.stderr)
        continue
    for (_, wp), (_, hp) in zip(want, have):
        # fasttext prints 6 significant digits
        d = abs(wp - hp)
        maxdiff = max(maxdiff, d)
        if d > 1e-5:
            bad_probs += 1
            if bad_probs <= 5:
                print('probability differs on document %d: %r vs fasttext %r' % (i, have, want), file=sys.stderr)
            break
    if want and (meta['language'], meta['language_score']) != have[0]:
        bad_labels += 1
print('%d documents, %d label mismatches, %d probability mismatches, max difference %.2g'
      % (len(texts), bad_labels, bad_probs, maxdiff))
sys.exit(1 if bad_labels or bad_probs or not texts else 0)
