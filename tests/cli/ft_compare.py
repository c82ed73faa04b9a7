#!/usr/bin/env python3
"""Compare `sluice lang --top-k K` (or classify) with `fasttext predict-prob`.

usage: ft_compare.py [--keep LANGS --min-score X | --classify LABEL --min-score X]
                     SLUICE MODEL K WORKDIR SOURCE...
SOURCE: a .txt file (every line is a document) or a JSONL file (.gz ok; the
"text" member is the document).  Documents become one line each for
fasttext with newlines as spaces, the way datatrove feeds the model.
With --keep, also checks `sluice lang --keep` decisions against the rule
datatrove applies to fasttext's output (any kept language > X); with
--classify, `sluice classify` scores against fasttext's probability of
LABEL over all labels (and its decisions, score >= X).
Prints "N documents, N label mismatches, N probability mismatches, max
difference D" and exits 1 on any mismatch.
"""
import gzip, json, os, subprocess, sys

args = sys.argv[1:]
opt = {}
while args[0].startswith('--'):
    opt[args[0]] = args[1]
    args = args[2:]
sluice, model, k, work = args[0], args[1], int(args[2]), args[3]
texts = []
for src in args[4:]:
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
bad_decisions = 0
if '--keep' in opt or '--classify' in opt:
    ms = float(opt['--min-score'])
    allp = subprocess.run(['fasttext', 'predict-prob', model, ft, '-1'],
                          check=True, capture_output=True).stdout.decode('utf-8').split('\n')
    if '--keep' in opt:
        cmd = [sluice, 'lang', '--model', model, '--keep', opt['--keep'], '--min-score', opt['--min-score']]
    else:
        cmd = [sluice, 'classify', '--model', model, '--label', opt['--classify'], '--min-score', opt['--min-score']]
    out = subprocess.run(cmd + ['--annotate-only', '-q', jl], check=True,
                         capture_output=True).stdout.decode('utf-8').split('\n')[:-1]
    assert len(out) == len(texts)
    for i in range(len(texts)):
        r = allp[i].split()
        probs = {r[j]: float(r[j + 1]) for j in range(0, len(r), 2)}
        meta = json.loads(out[i])['metadata']
        if '--keep' in opt:
            keep = any(probs.get('__label__' + l, 0) > ms for l in opt['--keep'].split(','))
        else:
            p = probs.get(opt['--classify'], 0.0)
            if abs(meta['classifier_score'] - p) > 1e-5:
                bad_probs += 1
            keep = p >= ms
        if keep != ('rejected_by' not in meta):
            # a probability printed within 1e-5 of the threshold may round either way
            if bad_decisions < 5:
                print('decision differs on document %d: %r' % (i, meta), file=sys.stderr)
            bad_decisions += 1
    print('%d decisions differ' % bad_decisions)
print('%d documents, %d label mismatches, %d probability mismatches, max difference %.2g'
      % (len(texts), bad_labels, bad_probs, maxdiff))
sys.exit(1 if bad_labels or bad_probs or bad_decisions or not texts else 0)
