#!/usr/bin/env python3
"""datatrove's PIIFormatter (src/datatrove/pipeline/formatters/pii.py) in plain
Python `re`, as REFERENCE.md 4.5 gives it: the e-mail and IPv4 regexes,
is_global for only_remove_public_ips, fake values cycled round-robin across
documents (e-mails first, then IPs).  The reference point for `sluice pii
--types email,ip --public-ips-only --replace fake` in tests and bench.

  pii_datatrove.py [--bounded] [--count] FILE...   (JSONL, .gz; writes id+text JSONL)

--bounded adds sluice's one deliberate change: an IPv4 must not sit inside a
longer run of digits and dots ("version 8.0.1.27165" is not 8.0.1.27).
--count only counts matches (for the benchmark).
"""
import gzip, ipaddress, json, re, sys

args = [a for a in sys.argv[1:] if not a.startswith('--')]
bounded = '--bounded' in sys.argv
EMAIL = (r"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*"
         r"[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}"
         r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])")
IP = r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
if bounded:
    IP = r"(?<![\w.])" + IP + r"(?!\w|\.\d)"
er, ir = re.compile(EMAIL), re.compile(IP)
EMAILS = ("email@example.com", "firstname.lastname@example.org")
IPS = ("22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11", "18.104.22.168")
state = {'e': 0, 'i': 0}

def fake_email(m):
    r = EMAILS[state['e']]
    state['e'] = (state['e'] + 1) % len(EMAILS)
    return r

def fake_ip(m):
    try:
        ok = ipaddress.ip_address(m.group(0)).is_global
    except ValueError:
        ok = False
    if not ok:
        return m.group(0)
    r = IPS[state['i']]
    state['i'] = (state['i'] + 1) % len(IPS)
    return r

out = sys.stdout
n = 0
for f in args:
    op = gzip.open if f.endswith('.gz') else open
    with op(f, 'rt', encoding='utf-8') as fh:
        for line in fh:
            d = json.loads(line)
            if '--count' in sys.argv:
                n += sum(1 for _ in er.finditer(d['text'])) + sum(1 for _ in ir.finditer(d['text']))
                continue
            t = ir.sub(fake_ip, er.sub(fake_email, d['text']))
            out.write(json.dumps({'id': d['id'], 'text': t}, ensure_ascii=False) + '\n')
if '--count' in sys.argv:
    print(n)
