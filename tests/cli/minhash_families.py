#!/usr/bin/python3
"""Known near-duplicate families built from real documents, run through
`sluice dedup minhash`, with measured recall and precision compared to the
LSH S-curve P(s) = 1 - (1 - s^r)^b at each pair's true Jaccard similarity s
(over the sets of 5-word shingles of datatrove's simplified text).

usage: minhash_families.py SLUICE DOCS.jsonl TMPDIR [--bases N]
Prints a table; exits 1 when a measured rate is outside what the S-curve
allows (3 standard deviations plus 0.02), when an exact copy is missed, or
when precision falls below 0.98.
"""
import argparse, json, math, os, random, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minhash_ref import simplify_text  # noqa: E402

B, R, N = 14, 8, 5


def shingles(text):
    w = simplify_text(text).split()
    return {" ".join(w[i:i + N]) for i in range(len(w) - N + 1)}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def scurve(s):
    return 1 - (1 - s ** R) ** B


def run(sluice, docs, path):
    with open(path, 'w', encoding='utf-8') as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + '\n')
    out = subprocess.run([sluice, 'dedup', 'minhash', '-q', '--annotate-only', path],
                         check=True, capture_output=True).stdout.decode()
    res = {}
    for line in out.split('\n')[:-1]:
        d = json.loads(line)
        m = d.get('metadata', {})
        res[d['id']] = m.get('duplicate_of') if m.get('rejected_by') == 'dedup:minhash_duplicate' else None
    return res


def edit(words, rate, vocab, rng):
    w = list(words)
    for i in rng.sample(range(len(w)), round(rate * len(w))):
        w[i] = rng.choice(vocab)
    return " ".join(w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sluice')
    ap.add_argument('docs')
    ap.add_argument('tmp')
    ap.add_argument('--bases', type=int, default=250)
    a = ap.parse_args()
    rng = random.Random(20240522)
    docs = [json.loads(l) for l in open(a.docs, encoding='utf-8')]
    docs = [d for d in docs if len(d['text'].split()) >= 150]
    # bases: no two of them near-duplicates of each other already
    kept = run(a.sluice, docs, os.path.join(a.tmp, 'bases.jsonl'))
    bases = [d for d in docs if kept[d['id']] is None]
    boiler_src, bases = bases[0], bases[1:a.bases + 1]
    vocab = sorted({w for d in bases for w in d['text'].split()})
    sh = {d['id']: shingles(d['text']) for d in bases}
    ok = True
    print('%-12s %5s %7s %9s %9s %9s' % ('family', 'pairs', 'mean_J', 'expected', 'recall', 'precision'))
    for name, rate in (('copy', 0.0), ('edit_2%', 0.02), ('edit_5%', 0.05), ('edit_10%', 0.10), ('edit_30%', 0.30)):
        variants, exp = [], []
        for d in bases:
            text = d['text'] if rate == 0 else edit(d['text'].split(), rate, vocab, rng)
            v = {'id': d['id'] + '~' + name, 'text': text}
            variants.append(v)
            exp.append(scurve(jaccard(sh[d['id']], shingles(text))) if rate else 1.0)
        res = run(a.sluice, bases + variants, os.path.join(a.tmp, name + '.jsonl'))
        tp = sum(1 for v, d in zip(variants, bases) if res[v['id']] == d['id'])
        flagged = sum(1 for x in res.values() if x is not None)
        n = len(variants)
        recall, expected = tp / n, sum(exp) / n
        sd = math.sqrt(sum(p * (1 - p) for p in exp)) / n
        precision = tp / flagged if flagged else 1.0
        mean_j = sum(jaccard(sh[d['id']], shingles(v['text'])) for d, v in zip(bases, variants)) / n
        print('%-12s %5d %7.3f %9.3f %9.3f %9.3f' % (name, n, mean_j, expected, recall, precision))
        if abs(recall - expected) > 3 * sd + 0.02 or precision < 0.98 or (rate == 0 and recall != 1.0):
            ok = False
            print('  ^ outside the S-curve band (+-%.3f) or precision too low' % (3 * sd + 0.02))
    # boilerplate-only overlap: different bodies between the same long header
    # and footer; every document is distinct, flags are false positives
    bw = boiler_src['text'].split()
    head, foot = " ".join(bw[:40]), " ".join(bw[40:80])
    wrapped = [{'id': d['id'] + '~boiler', 'text': head + '\n' + d['text'] + '\n' + foot} for d in bases]
    wsh = [shingles(d['text']) for d in wrapped]
    exp = []
    for i in range(len(wrapped)):
        miss = 1.0
        for j in range(i):
            miss *= 1 - scurve(jaccard(wsh[i], wsh[j]))
        exp.append(1 - miss)
    res = run(a.sluice, wrapped, os.path.join(a.tmp, 'boiler.jsonl'))
    fp = sum(1 for x in res.values() if x is not None)
    n = len(wrapped)
    sd = math.sqrt(sum(p * (1 - p) for p in exp))
    print('%-12s %5d %7s %9.3f %9.3f %9s  (false-positive rate)' % ('boilerplate', n, '-', sum(exp) / n, fp / n, '-'))
    if fp > sum(exp) + 3 * sd + 0.02 * n:
        ok = False
        print('  ^ more false positives than the S-curve allows')
    sys.exit(0 if ok else 1)


main()
