#!/usr/bin/python3
"""Compare `sluice dedup lines` output + rejects with lines_ref.py: prints
"<documents> <different>"."""
import json, sys
out = {}
for f, rej in ((sys.argv[1], False), (sys.argv[2], True)):
    for l in open(f, encoding='utf-8').read().split('\n')[:-1]:
        d = json.loads(l); m = d.get('metadata', {})
        out[d['id']] = {'id': d['id'], 'text': d['text'], 'lines_removed': m.get('lines_removed', 0), 'rejected': 'rejected_by' in m}
bad = 0
for l in open(sys.argv[3], encoding='utf-8').read().split('\n')[:-1]:
    w = json.loads(l)
    if out.get(w['id']) != w:
        bad += 1
        if bad < 3: print('differs:', w['id'], repr(out.get(w['id']))[:300], repr(w)[:300], file=sys.stderr)
print(len(out), bad)
