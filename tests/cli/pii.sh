#!/usr/bin/env bash
# sluice pii: datatrove-compatible fake replacement over whole files, Dolma's
# e-mail spans, annotate-only spans (bytes and code points), hash pseudonyms,
# bad input, usage errors, conservation of counts.
. "$(dirname "$0")/lib.sh"
need_data
set -e
HERE="$SLUICE_SOURCE_ROOT/tests/cli"
J="$DATA/jsonl"
DOLMA=("$J/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$J/dolma-cc_en_head-0091.jsonl.gz"
       "$J/dolma-cc_en_head-0174.jsonl.gz" "$J/dolma-provided-documents-000.json.gz")
idtext() { python3 -c "
import json, sys
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l); print(json.dumps({'id': d['id'], 'text': d['text']}, ensure_ascii=False))" "$1"; }

# --- datatrove's PIIFormatter (e-mails, public IPv4, fake values cycled
# across documents): the same text, whole files, with the one deliberate
# change (an IPv4 is not cut out of a longer run of digits and dots)
run "$SLUICE" pii --types email,ip --public-ips-only --replace fake --stats "$T/s.json" "${DOLMA[@]}"
eq "fake: exit" "$rc" 0
idtext "$T/out" > "$T/sluice.jsonl"
python3 "$HERE/pii_datatrove.py" --bounded "${DOLMA[@]}" > "$T/datatrove.jsonl"
check "fake replacement equals datatrove's (bounded IPv4), all documents" cmp -s "$T/sluice.jsonl" "$T/datatrove.jsonl"
eq "fake: documents" "$(grep -c . "$T/sluice.jsonl")" "$(zcat -f "${DOLMA[@]}" | grep -c .)"
check "fake: some e-mails were replaced" test "$(json "$T/s.json" "j['pii']['email']")" -gt 40
python3 "$HERE/pii_datatrove.py" "${DOLMA[@]}" > "$T/datatrove-exact.jsonl"
eq "unbounded datatrove differs only in version strings (2 documents)" \
	"$(diff "$T/sluice.jsonl" "$T/datatrove-exact.jsonl" | grep -c '^<')" 2

# --- --public-ips-only is Python's ipaddress is_global: the first, last and
# neighbouring addresses of every network in its tables, and random ones
/usr/bin/python3 - "$T/ips.jsonl" <<'PY'
import ipaddress, json, random, sys
r = random.Random(6)
C4, C6 = ipaddress._IPv4Constants, ipaddress._IPv6Constants
nets = (C4._private_networks + C4._private_networks_exceptions + [C4._public_network] +
        C6._private_networks + C6._private_networks_exceptions + [C6._multicast_network, C6._linklocal_network])
addrs = set()
for n in nets:
    for a in (int(n.network_address), int(n.broadcast_address)):
        for d in (-1, 0, 1):
            v = a + d
            if 0 <= v < (1 << n.max_prefixlen):
                addrs.add(ipaddress.ip_address(v) if n.version == 4 else ipaddress.IPv6Address(v))
for _ in range(3000):
    addrs.add(ipaddress.IPv4Address(r.getrandbits(32)))
    addrs.add(ipaddress.IPv6Address(r.choice([0x2000, 0x2001, 0x2002, 0xfc00, 0xfe80, 0, 0x100, 0x64]) << 112 | r.getrandbits(r.choice([16, 48, 96, 112]))))
with open(sys.argv[1], 'w') as f:
    for i, a in enumerate(sorted(addrs, key=lambda a: (a.version, int(a)))):
        t = a.exploded if a.version == 6 else str(a)
        f.write(json.dumps({'id': i, 'text': 'at ' + t + ' now', 'addr': t, 'global': a.is_global}) + '\n')
PY
run "$SLUICE" pii --types ip --public-ips-only --annotate-only "$T/ips.jsonl"
eq "is_global: every address" "$(python3 -c "
import json, sys
n = bad = 0
for l in open(sys.argv[1]):
    d = json.loads(l)
    n += 1
    found = d.get('metadata', {}).get('pii', {}).get('ip', 0) == 1
    if found != d['global']:
        bad += 1
        if bad < 5: print(d['addr'], d['global'], file=sys.stderr)
print(n > 6000, bad)" "$T/out")" "True 0"

# --- Dolma's PII tagger spans (code points) over its provided documents:
# the e-mails it scores >= 0.5 are found exactly; "@LearnonScreen" (0.1) is not
run "$SLUICE" pii --annotate-only --spans --types email "$J/dolma-provided-documents-000.json.gz"
eq "dolma: exit" "$rc" 0
eq "dolma e-mail spans" "$(python3 - "$T/out" "$DATA/pii/dolma-attributes-pii-000.json.gz" <<'PY'
import gzip, json, sys
ours = {}
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l)
    ours[d['id']] = {(s['cp_start'], s['cp_end']) for s in d.get('metadata', {}).get('pii_spans', [])}
good = bad = 0
for l in gzip.open(sys.argv[2], 'rt'):
    a = json.loads(l)
    for s, e, score in a['attributes'].get('pii', {}).get('email', []):
        hit = (s, e) in ours[a['id']]
        if (score >= 0.5) == hit:
            good += 1
        else:
            bad += 1
print(good, bad)
PY
)" "4 0"

# --- annotate-only: text untouched; counts match spans; byte and
# code-point offsets cut the same strings out of the text
run "$SLUICE" pii --annotate-only --spans --stats "$T/s.json" "${DOLMA[0]}"
eq "annotate: exit" "$rc" 0
check "annotate-only keeps every text" cmp -s <(idtext "$T/out") <(zcat "${DOLMA[0]}" | python3 -c "
import json, sys
for l in sys.stdin:
    d = json.loads(l); print(json.dumps({'id': d['id'], 'text': d['text']}, ensure_ascii=False))")
eq "annotate: spans consistent" "$(python3 - "$T/out" <<'PY'
import json, sys
n = bad = 0
for l in open(sys.argv[1], encoding='utf-8'):
    d = json.loads(l)
    m = d.get('metadata', {})
    t, b = d['text'], d['text'].encode()
    sp = m.get('pii_spans', [])
    counts = {}
    for s in sp:
        n += 1
        counts[s['type']] = counts.get(s['type'], 0) + 1
        if b[s['start']:s['end']].decode() != t[s['cp_start']:s['cp_end']]:
            bad += 1
    if counts != m.get('pii', {}):
        bad += 1
print(n > 50, bad)
PY
)" "True 0"
eq "annotate: stats count documents with PII" "$(json "$T/s.json" "j['docs_with_pii'] > 20 and j['docs_in'] == j['docs_out'] == 697")" True

# --- tags, hash pseudonyms (stable across documents, keyed by the salt)
printf '%s\n' '{"id":"a","text":"mail bob@example.com or call (814) 360 8593 from 8.8.8.8"}' \
	'{"id":"b","text":"again: bob@example.com; card 4929-3813-3266-4295, SSN 514-14-8905"}' > "$T/p.jsonl"
run "$SLUICE" pii "$T/p.jsonl"
eq "tags" "$(idtext "$T/out")" '{"id": "a", "text": "mail <EMAIL> or call <PHONE_NUMBER> from <IP_ADDRESS>"}
{"id": "b", "text": "again: <EMAIL>; card <CREDIT_CARD>, SSN <SSN>"}'
run "$SLUICE" pii --replace hash --salt k1 "$T/p.jsonl"
h1=$(python3 -c "import json,sys,re; print(' '.join(re.findall(r'<EMAIL:[0-9a-f]{8}>', open(sys.argv[1]).read())))" "$T/out")
eq "hash: the same e-mail, the same token" "$(echo "$h1" | tr ' ' '\n' | sort -u | wc -l)" 1
run "$SLUICE" pii --replace hash --salt k2 "$T/p.jsonl"
check "hash: another salt, another token" sh -c "! grep -qF '${h1%% *}' '$T/out'"
run "$SLUICE" pii --types email,ssn "$T/p.jsonl"
check "--types selects" has "$T/out" "call (814) 360 8593 from 8.8.8.8"

# --- bad input: malformed JSON, invalid UTF-8, empty input, conservation
printf '{"id":"a","text":"x@example.com"}\n{"id":"b","text":\n{"id":"c","text":"caf\xe9 y@example.com"}\n' > "$T/bad.jsonl"
run "$SLUICE" pii "$T/bad.jsonl"
eq "malformed JSON fails" "$rc" 1
check "malformed JSON message" has "$T/err" "sluice pii: '$T/bad.jsonl': line 2: malformed JSON"
run "$SLUICE" pii --on-error skip --stats "$T/s.json" "$T/bad.jsonl"
eq "skip: exit" "$rc" 0
eq "skip: output valid" "$(valid_jsonl "$T/out")" 2
check "invalid UTF-8 replaced, e-mail still found" has "$T/out" "$(printf 'caf\xef\xbf\xbd <EMAIL>')"
eq "conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'] == 3")" True
: > "$T/empty.jsonl"
run "$SLUICE" pii "$T/empty.jsonl"
eq "empty input" "$rc:$(wc -c < "$T/out")" "0:0"
# a hostile document: 8 MB of digits and '@' through the whole stage
python3 -c "print('{\"id\":\"h\",\"text\":\"' + '1' * 4000000 + '@' * 4000000 + ' a@b.com\"}')" > "$T/hostile.jsonl"
run timeout 60 "$SLUICE" pii "$T/hostile.jsonl"
eq "hostile document: exit" "$rc" 0
check "hostile document: the e-mail at the end" has "$T/out" '@ <EMAIL>"'

# --- usage errors
run "$SLUICE" pii --types email,phones "$T/p.jsonl"
eq "unknown type: exit" "$rc" 2
eq "unknown type: message" "$(head -1 "$T/err")" "sluice pii: unknown type 'phones' in --types (known: email, ip, phone, card, iban, ssn, secret, url_credentials, all)"
run "$SLUICE" pii --replace hash "$T/p.jsonl"
eq "hash without salt" "$rc" 2
run "$SLUICE" pii --replace mask "$T/p.jsonl"
eq "unknown mode" "$rc" 2
run "$SLUICE" pii --annotate-only --replace fake "$T/p.jsonl"
eq "annotate-only with --replace" "$rc" 2
run "$SLUICE" pii "$T/missing.jsonl"
eq "missing file" "$rc" 1
done_testing
