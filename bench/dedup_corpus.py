#!/usr/bin/python3
"""Generate a corpus of N documents with near-duplicate families from real
text, for scale runs of `sluice minhash` / `sluice dedup` (bench/minhash_scale.sh).

Each family starts from a window of 150-400 words of a real document (Dolma
sample, windows taken at random offsets, words shuffled between documents so
families are distinct); a family has 1-5 members: the original and copies
with 0 %, 2 %, 5 %, 10 % or 30 % of words replaced.  Ids: f<family>-<member>.

usage: dedup_corpus.py N OUT.jsonl [--seed S] [--source FILE.jsonl.gz ...]
"""
import argparse, gzip, json, random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('n', type=int)
    ap.add_argument('out')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--source', nargs='+', required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = []
    for s in a.source:
        with gzip.open(s, 'rt', encoding='utf-8') if s.endswith('.gz') else open(s, encoding='utf-8') as f:
            for l in f:
                words.extend(json.loads(l)['text'].split())
    vocab = words
    rates = [0.0, 0.02, 0.05, 0.10, 0.30]
    n = fam = 0
    with open(a.out, 'w', encoding='utf-8') as f:
        while n < a.n:
            k = rng.randint(150, 400)
            s = rng.randrange(len(words) - k)
            base = words[s:s + k]
            # perturb the window so windows that overlap in the source differ
            for i in rng.sample(range(k), k // 3):
                base[i] = rng.choice(vocab)
            members = rng.randint(1, 5)
            for m in range(members):
                w = list(base)
                if m:
                    for i in rng.sample(range(k), int(rates[rng.randrange(5)] * k)):
                        w[i] = rng.choice(vocab)
                f.write(json.dumps({'id': 'f%d-%d' % (fam, m), 'text': ' '.join(w)}, ensure_ascii=False) + '\n')
                n += 1
                if n == a.n:
                    break
            fam += 1


main()
