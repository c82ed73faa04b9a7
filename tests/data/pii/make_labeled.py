#!/usr/bin/env python3
"""Write labeled.txt: the labeled PII cases test_pii carries (see README).

One case per line; each PII span is wrapped in <type>...</type> with the
type names of `sluice pii --types`.  A line without tags is a negative: any
detection in it is a false positive.  Deterministic (fixed seed); rerun and
commit the output when adding cases.  Real lines are appended verbatim from
real_lines.txt (hand-labeled).
"""
import random, os

rnd = random.Random(20261130)
here = os.path.dirname(os.path.abspath(__file__))
out = []

def luhn_complete(prefix, length):
    d = [int(c) for c in prefix]
    while len(d) < length - 1:
        d.append(rnd.randrange(10))
    for c in range(10):
        x = d + [c]
        s = 0
        for i, v in enumerate(reversed(x)):
            if i % 2:
                v *= 2
                v = v - 9 if v > 9 else v
            s += v
        if s % 10 == 0:
            return ''.join(map(str, x))

def luhn_bad(num):
    last = (int(num[-1]) + 1 + rnd.randrange(8)) % 10
    return num[:-1] + str(last)

def group(num, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(num[i:i + s]); i += s
    return sep.join(out)

def iban(cc, bban):
    rearr = bban + cc + '00'
    n = int(''.join(str(int(c, 36)) for c in rearr))
    return cc + '%02d' % (98 - n % 97) + bban

ctx = ["Contact: {}", "Please write to {} for details.", "{}", "Send it to {} today.",
       "Kontakt: {}.", "E-mail me ({}) if needed", "email: {} | tel.", "Reach us at {}!"]
def put(tag, val):
    out.append(rnd.choice(ctx).format('<%s>%s</%s>' % (tag, val, tag)))
def neg(text):
    out.append(text)

# ---- e-mail
users = ['john.doe', 'info', 'j_smith', 'sales-team', 'a.b.c', 'first+tag', 'x99', 'marie.curie', "o'neil", 'support']
hosts = ['example.com', 'mail.example.org', 'uni-bonn.de', 'gov.uk', 'sub.domain.co.jp', 'company.io', 'bufvc.ac.uk', 'web.fr']
for i in range(45):
    u, h = rnd.choice(users), rnd.choice(hosts)
    if i % 5 == 0:
        u = u.upper()
    put('email', '%s@%s' % (u, h))
for t in ['logo@2x.png', 'icon@3x.jpg', 'Twitter: @LearnonScreen', 'user@localhost', 'foo@bar',
          'a @ b.com', '@media screen', 'price: 5@10 each', 'git@ notes', 'x@y.z', 'name at example dot com',
          'sprite@2x.svg', 'reply @john.doe please', '@@@ @@', 'me@', '@example.com']:
    neg('see %s here' % t)

# ---- IP addresses
for i in range(30):
    ip = '%d.%d.%d.%d' % (rnd.choice([8, 23, 45, 66, 81, 104, 151, 185, 203, 212]), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
    put('ip', ip)
for ip in ['10.0.0.1', '192.168.1.254', '127.0.0.1', '172.16.5.4', '2001:db8::1', 'fe80::1ff:fe23:4567:890a',
           '2a00:1450:4001:82b::200e', '2606:4700:4700::1111', '::ffff:192.0.2.128', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']:
    put('ip', ip)
for t in ['version 1.2.3', 'v1.2.3.4', '1.2.3.4.5', '256.1.1.1', '999.10.10.10', '12:30:45', 'std::vector',
          'a::b', '1.2.3', '3.14159', '00:1A:2B:3C:4D:5E', 'Section 4.2.1.3.7', 'ratio 16:9', '1234.5678.9.1',
          'http://', 'Note: ::', '10.5 10.6 10.7']:
    neg('the value is %s ok' % t)

# ---- phones
def nanp():
    return '%d%02d' % (rnd.randrange(2, 10), rnd.randrange(100)), '%d%02d' % (rnd.randrange(2, 10), rnd.randrange(100)), '%04d' % rnd.randrange(10000)
for i in range(40):
    a, b, c = nanp()
    f = i % 8
    v = ['(%s) %s-%s', '%s-%s-%s', '%s.%s.%s', '+1 %s %s %s', '+1-%s-%s-%s', '1-%s-%s-%s', '(%s) %s %s', '%s %s %s'][f] % (a, b, c)
    put('phone', v)
for v in ['+44 20 7946 0958', '+49 30 12345678', '+33 1 23 45 67 89', '+32 (0)2 790 75 85', '+420 777 098 098',
          '+48 89 742 14 05', '+39 06 1234 5678', '+31 20 123 4567', '+34 912 345 678', '+46 8 123 456 78',
          '020 7946 0958', '030 12345678', '01 23 45 67 89', '06 12 34 56 78', '089/1234567', '0800 123 4567',
          '0161 496 0000', '+41 44 668 18 00', '+353 1 234 5678', '+45 32 12 34 56', '+49 (0)30 1234567',
          '+12312322334', '+441904929220', '06-12345678', '02.45486217']:
    put('phone', v)
# local layouts (no trunk 0) count only after a word such as tel, fax, 电话
for v in ['Tel. <phone>21 234 56 78</phone>', 'tel. <phone>22 123 45 67</phone>', 'Fax: <phone>972 613 100</phone>',
          '电话：<phone>13701664517</phone>', 'тел. <phone>8 800 555-35-35</phone>', 'Phone: <phone>345 67 89</phone>',
          'Call <phone>2345 6789</phone> now', 'Hotline <phone>1800 123 456</phone>', 'Mob. <phone>601 234 567</phone>',
          'WhatsApp <phone>98765 43210</phone>']:
    out.append(v)
for t in ['Hotel Astoria, rooms 101 102 103', 'tel. 2019', 'Call 911', 'fax 12 34', 'phone 1999-2004',
          'Tel. 2019-05-06', 'cell 3.5 x 4.5', 'Intel 8086 80286 80386', 'call 01.02.2023 14:00']:
    neg(t)
for t in ['2023-01-15', '01.02.2023', '15/08/2019 14:30', 'ISBN 978-3-16-148410-0', 'ISBN 0-306-40615-2',
          'v10.2.3', '1234567890123456789012345', 'pages 123-456', '1999-2004', '12 345', 'Room 101',
          'year 2019', 'Call 911', '100 200 300', 'order #12345678', '3.5 x 4.5', '+5 points', '1 2 3 4 5',
          'score 12-10', 'lat 52.520008 lon 13.404954', '0.5 0.25 0.125', '$1,234,567.89', 'page 04/09/2009 08:45',
          'ZIP 90210', 'ref 2019/04/12', '30-40%']:
    neg('found: %s here' % t)

# ---- payment cards
cards = [('4', 16, [4, 4, 4, 4]), ('4', 13, [13]), ('51', 16, [4, 4, 4, 4]), ('55', 16, [16]), ('2221', 16, [4, 4, 4, 4]),
         ('34', 15, [4, 6, 5]), ('37', 15, [15]), ('6011', 16, [4, 4, 4, 4]), ('65', 16, [4, 4, 4, 4]),
         ('3530', 16, [4, 4, 4, 4]), ('36', 14, [4, 6, 4]), ('62', 16, [4, 4, 4, 4])]
goods = []
for i in range(36):
    pre, n, g = cards[i % len(cards)]
    num = luhn_complete(pre, n)
    goods.append(num)
    sep = rnd.choice([' ', '-']) if len(g) > 1 else ''
    put('card', group(num, g, sep))
for num in goods[:14]:
    neg('number %s here' % group(luhn_bad(num), [len(num)], ''))
for t in ['1234 5678 9012 3456', '0000 0000 0000 0000', '9999-9999-9999-9995', '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
          'tracking 12345678901234', 'ISBN 9783161484100']:
    neg('value %s ok' % t)

# ---- IBAN
bbans = [('DE', '370400440532013000'), ('GB', 'WEST12345698765432'), ('FR', '20041010050500013M02606'),
         ('NL', 'ABNA0417164300'), ('ES', '21000418450200051332'), ('IT', 'X0542811101000000123456'),
         ('BE', '539007547034'), ('CH', '00762011623852957'), ('AT', '1904300234573201'), ('PL', '109010140000071219812874'),
         ('SE', '50000000058398257466'), ('NO', '86011117947'), ('DK', '00400440116243'), ('FI', '21421000000000')]
for i in range(28):
    cc, b = bbans[i % len(bbans)]
    if i >= len(bbans):
        b = ''.join(rnd.choice('0123456789') for _ in b) if b.isdigit() else b[:4] + ''.join(rnd.choice('0123456789') for _ in b[4:])
    v = iban(cc, b)
    if i % 2:
        v = ' '.join(v[k:k + 4] for k in range(0, len(v), 4))
    put('iban', v)
for t in ['DE89 3704 0044 0532 0130 01', 'GB82WEST12345698765433', 'DE8937040044053201300', 'XX89370400440532013000',
          'ISO 9001', 'AB12 CD34', 'DE12345', 'NL91ABNA0417164301', 'FR76 3000 6000 0112 3456 7890 188']:
    neg('account %s here' % t)

# ---- SSN
for i in range(22):
    a = rnd.choice([x for x in range(1, 900) if x != 666])
    put('ssn', '%03d-%02d-%04d' % (a, rnd.randrange(1, 100), rnd.randrange(1, 10000)))
for t in ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000', '123-456-789', '12-345-6789']:
    neg('id %s here' % t)

# ---- secrets
alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
for i in range(6):
    put('secret', 'AKIA' + ''.join(rnd.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') for _ in range(16)))
    put('secret', rnd.choice(['ghp_', 'gho_', 'ghs_']) + ''.join(rnd.choice(alnum) for _ in range(36)))
    put('secret', 'xoxb-%d-%d-%s' % (rnd.randrange(10**11, 10**12), rnd.randrange(10**12, 10**13), ''.join(rnd.choice(alnum) for _ in range(24))))
    put('secret', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ' + ''.join(rnd.choice(alnum) for _ in range(30)) + '.' + ''.join(rnd.choice(alnum + '-_') for _ in range(43)))
for t in ['AKIA1234', 'AKIAIOSFODNN7EXAMPLEX', 'ghp_short', 'xoxb-abc', 'eyJhbGciOiJIUzI1NiJ9', '-----BEGIN PUBLIC KEY-----',
          'github_pat_', 'THE AKIA PROJECT']:
    neg('token %s here' % t)

# ---- URL credentials
for i in range(10):
    put('url_credentials', '%s://%s:%s@%s' % (rnd.choice(['https', 'http', 'ftp', 'postgres', 'mongodb+srv']),
        rnd.choice(['admin', 'bob', 'user1', 'deploy']), ''.join(rnd.choice(alnum) for _ in range(10)),
        rnd.choice(['db.example.com', 'ftp.example.org', '10.0.0.5', 'cluster0.ab1cd.mongodb.net'])))
for t in ['https://example.com/a:b@c', 'https://example.com/users/@john', 'https://example.com:8080/x', 'mailto:x']:
    neg('link %s here' % t)

with open(os.path.join(here, 'real_lines.txt')) as f:
    real = [l.rstrip('\n') for l in f if l.strip() and not l.startswith('#')]
with open(os.path.join(here, 'labeled.txt'), 'w') as f:
    f.write('# generated by make_labeled.py (synthetic cases) + real_lines.txt (real text); do not edit\n')
    for l in out + real:
        f.write(l + '\n')
print(len(out) + len(real), 'cases')
