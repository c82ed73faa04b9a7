#!/usr/bin/python3
"""Test-only reference for `sluice dedup lines`: the same rules in Python
(units = non-blank lines or runs of them; datatrove simplify_text; first
occurrence kept; gaps before kept units kept).  Prints the expected output
JSONL (id, text, lines_removed, rejected) for comparison.

usage: lines_ref.py DOCS.jsonl [--unit lines|paragraphs] [--min-length N]
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minhash_ref import simplify_text  # noqa: E402


def blank(s):
    return s.strip(' \t\r\v\f') == ''


def spans(text, paragraphs):
    lines, p = [], 0
    while True:
        q = text.find('\n', p)
        q = len(text) if q < 0 else q
        lines.append((p, q))
        if q == len(text):
            break
        p = q + 1
    out = []
    for s, e in lines:
        if blank(text[s:e]):
            continue
        if paragraphs and out and out[-1][2] and out[-1][1] == s - 1:
            out[-1] = (out[-1][0], e, True)
        else:
            out.append((s, e, True))
    return [(s, e) for s, e, _ in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('docs')
    ap.add_argument('--unit', default='lines')
    ap.add_argument('--min-length', type=int, default=0)
    a = ap.parse_args()
    seen = set()
    for l in open(a.docs, encoding='utf-8'):
        d = json.loads(l)
        t = d['text']
        out, nrem, kept, last_end, first = [], 0, 0, 0, True
        sp = spans(t, a.unit == 'paragraphs')
        for s, e in sp:
            n = simplify_text(t[s:e])
            dup = False
            if n and len(n) >= a.min_length:
                dup = n in seen
                seen.add(n)
            if dup:
                nrem += 1
            else:
                frm = (s if nrem else 0) if first else last_end
                out.append(t[frm:s] + t[s:e])
                first = False
                kept += 1
            last_end = e
            last_kept = not dup
        if nrem and last_kept:
            out.append(t[last_end:])
        text = ''.join(out) if nrem and kept else t
        print(json.dumps({'id': d['id'], 'text': text, 'lines_removed': nrem,
                          'rejected': bool(nrem and not kept)}, ensure_ascii=False))


main()
