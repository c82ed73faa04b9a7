#!/usr/bin/python3
"""Test-only reimplementation of datatrove's MinHash arithmetic (REFERENCE.md
§5.1), the oracle for `sluice dedup minhash --signatures`.

simplify_text is datatrove's code path (regex, unicodedata, str.translate);
words are str.split() tokens of the simplified text (sluice's documented
tokenizer); the permutation is numpy uint64 arithmetic exactly as
MinhashDedupSignature.get_signature runs it.  Needs Debian's python3-numpy,
python3-regex and python3-xxhash.

usage: minhash_ref.py DOCS.jsonl SIGS.jsonl [--ngram N] [--seed S]
       [--buckets B --rows R] [--hash xxh64|sha1] [--shingle words|chars]
prints "<docs> <with signature> <equal> <different>", details on stderr.
"""
import argparse, hashlib, json, os, re, struct, sys, unicodedata

import numpy as np
import regex
import xxhash

ref = json.load(open(os.environ.get('SLUICE_SHARED_DATA', '../shared/data') +
                     '/reference-datatrove-text.json', encoding='utf-8'))
PUNCTUATION_TRANS = str.maketrans(ref['PUNCTUATION'], ' ' * len(ref['PUNCTUATION']))
NUMBERS_PATTERN = regex.compile(ref['NUMBERS_PATTERN'], regex.VERBOSE | regex.UNICODE)
WHITESPACE_PATTERN = re.compile(ref['WHITESPACE_PATTERN'])


def simplify_text(text):
    text = text.lower()
    text = NUMBERS_PATTERN.sub("0", text)
    text = text.translate(PUNCTUATION_TRANS)
    text = WHITESPACE_PATTERN.sub(" ", text.strip())
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('docs')
    ap.add_argument('sigs')
    ap.add_argument('--ngram', type=int, default=5)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--buckets', type=int, default=14)
    ap.add_argument('--rows', type=int, default=8)
    ap.add_argument('--hash', default='xxh64')
    ap.add_argument('--shingle', default='words')
    a = ap.parse_args()
    P = np.uint64((1 << 61) - 1)
    n = a.buckets * a.rows
    gen = np.random.RandomState(a.seed)
    pa = gen.randint(1, P, dtype=np.uint64, size=(1, n))
    pb = gen.randint(0, P, dtype=np.uint64, size=(1, n))
    if a.hash == 'sha1':
        hf = lambda s: struct.unpack('<Q', hashlib.sha1(s.encode('utf-8')).digest()[:8])[0]
    else:
        hf = xxhash.xxh64_intdigest
    docs = sigd = same = diff = 0
    with open(a.docs, encoding='utf-8') as fd, open(a.sigs, encoding='utf-8') as fs:
        for ld, ls in zip(fd, fs):
            d, s = json.loads(ld), json.loads(ls)
            assert d['id'] == s['id'], (d['id'], s['id'])
            docs += 1
            simple = simplify_text(d['text'])
            if a.shingle == 'words':
                w = simple.split()
                grams = [" ".join(w[i:i + a.ngram]) for i in range(len(w) - a.ngram + 1)]
            else:
                t = " ".join(simple.split())
                grams = [t[i:i + a.ngram] for i in range(len(t) - a.ngram + 1)]
            if not grams:
                want = None
            else:
                sh = np.fromiter([hf(g) for g in grams], dtype=np.uint64).reshape((-1, 1))
                with np.errstate(over='ignore'):
                    want = np.min((sh * pa + pb) % P, axis=0).tolist()
                sigd += 1
            if want == s['signature']:
                same += 1
            else:
                diff += 1
                if diff <= 5:
                    print('different signature for id %r: simplified text starts %r' %
                          (d['id'], simple[:200]), file=sys.stderr)
    print(docs, sigd, same, diff)


if __name__ == '__main__':
    main()
