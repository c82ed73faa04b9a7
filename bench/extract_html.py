#!/usr/bin/env python3
"""Write the HTML bodies of the HTTP 200 text/html responses in WARC files
to OUT/NNNN.html (with the Content-Type value in NNNN.html.ct), for
html_bench and the lxml comparison.  A plain reader, independent of sluice.

usage: extract_html.py OUT FILE.warc[.gz]...
"""
import gzip
import os
import re
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
n = 0
for path in sys.argv[2:]:
    data = gzip.open(path).read() if path.endswith('.gz') else open(path, 'rb').read()
    pos = 0
    while True:
        i = data.find(b'WARC/', pos)
        if i < 0:
            break
        hend = data.find(b'\r\n\r\n', i)
        if hend < 0:
            break
        head = data[i:hend].decode('latin-1')
        m = re.search(r'(?im)^Content-Length:\s*(\d+)', head)
        clen = int(m.group(1)) if m else 0
        block = data[hend + 4:hend + 4 + clen]
        pos = hend + 4 + clen
        if not re.search(r'(?im)^WARC-Type:\s*response', head):
            continue
        he = block.find(b'\r\n\r\n')
        if he < 0 or not block.startswith(b'HTTP/') or b' 200' not in block[:16]:
            continue
        http = block[:he].decode('latin-1')
        ct = re.search(r'(?im)^Content-Type:\s*([^\r\n]*)', http)
        if not ct or 'html' not in ct.group(1).lower():
            continue
        if re.search(r'(?im)^(transfer-encoding:\s*chunked|content-encoding:\s*(gzip|br|deflate))', http):
            continue
        name = os.path.join(out, '%04d.html' % n)
        open(name, 'wb').write(block[he + 4:])
        open(name + '.ct', 'w').write(ct.group(1))
        n += 1
print(n)
