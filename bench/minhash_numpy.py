#!/usr/bin/python3
"""datatrove's MinHash signature path, as datatrove runs it (numpy, one
core): simplify_text -> words -> 5-grams -> xxhash.xxh64_intdigest ->
(shingles * a + b) % (2^61-1) as an (N,1)x(1,112) uint64 matrix -> min.
Words are str.split() (datatrove's default spaCy tokenizer is slower).

usage: minhash_numpy.py FILE.jsonl [SECONDS]   (Debian python3-numpy,
python3-regex, python3-xxhash; OPENBLAS/OMP threads irrelevant: no BLAS)
"""
import json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'cli'))
import numpy as np  # noqa: E402
import xxhash  # noqa: E402
from minhash_ref import simplify_text  # noqa: E402

P = np.uint64((1 << 61) - 1)
gen = np.random.RandomState(1)
A = gen.randint(1, P, dtype=np.uint64, size=(1, 112))
B = gen.randint(0, P, dtype=np.uint64, size=(1, 112))


def shingles(text):
    w = simplify_text(text).split()
    return np.fromiter([xxhash.xxh64_intdigest(" ".join(w[i:i + 5])) for i in range(len(w) - 4)],
                       dtype=np.uint64).reshape((-1, 1))


def signature(sh):
    return np.min((sh * A + B) % P, axis=0)


def main():
    texts = [json.loads(l)['text'] for l in open(sys.argv[1], encoding='utf-8')]
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3
    nbytes = sum(len(t.encode('utf-8')) for t in texts)
    t0, rounds, nsig = time.process_time(), 0, 0
    while rounds == 0 or time.process_time() - t0 < secs:
        for t in texts:
            sh = shingles(t)
            if sh.size:
                signature(sh)
                nsig += 1
        rounds += 1
    t = time.process_time() - t0
    print('full   %d docs, %.1f MB of text: %.0f signatures/s, %.2f MB/s' %
          (len(texts), nbytes / 1e6, nsig / t, rounds * nbytes / t / 1e6))
    shs = [s for s in (shingles(t) for t in texts) if s.size]
    nsh = sum(s.size for s in shs)
    t0, rounds = time.process_time(), 0
    while rounds == 0 or time.process_time() - t0 < secs:
        for s in shs:
            signature(s)
        rounds += 1
    t = time.process_time() - t0
    print('kernel %d shingles: %.0f signatures/s, %.1f M shingles x 112 permutations/s' %
          (nsh, rounds * len(shs) / t, rounds * nsh / t / 1e6))


with np.errstate(over='ignore'):
    main()
