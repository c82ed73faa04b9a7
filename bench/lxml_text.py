#!/usr/bin/env python3
"""Reference point for HTML text extraction: lxml (libxml2's HTML parser)
text_content() over the same pages html_bench reads, ROUNDS times.
Prints MB/s of input HTML (parse + text only; files are read first).

usage: lxml_text.py ROUNDS FILE.html...
"""
import sys
import time

import lxml.html

rounds = int(sys.argv[1])
pages = [open(p, 'rb').read() for p in sys.argv[2:]]
total = sum(len(p) for p in pages)
t0 = time.perf_counter()
for _ in range(rounds):
    for p in pages:
        try:
            doc = lxml.html.fromstring(p)
            for bad in doc.xpath('//script|//style|//noscript|//template|//svg|//head'):
                bad.drop_tree()
            doc.text_content()
        except Exception:
            pass
dt = time.perf_counter() - t0
print(f"{total * rounds / dt / 1e6:.1f}")
