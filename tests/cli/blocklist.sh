#!/usr/bin/env bash
# sluice blocklist: bad words compared with Python's re (C4's regex, the
# reference semantics) over whole real files, URL checks against the real
# UT1 lists and datatrove's word lists, usage errors and bad input.
. "$(dirname "$0")/lib.sh"
need_data
set -e
F="$DATA/filters"
DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
zcat "$DOLMA" > "$T/dolma.jsonl"

# --- words: the same documents as C4's regex in Python, per list
cat > "$T/oracle.py" <<'PY'
import json, re, sys
lang = sys.argv[3]
words = {line.strip() for line in open(sys.argv[1], encoding="utf-8")}
words.discard("")
words -= {"sm", "グロ", "女の子", "性"}   # datatrove removes the whole allowlist from every list
alt = "|".join(re.escape(w) for w in words)
rx = re.compile(alt if lang in ("ja", "th", "zh") else r"(?:\W|^)({})(?:\W|$)".format(alt))
for line in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(line)
    if rx.search(d["text"].lower()):
        print(d["id"])
PY
ids() { python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['id'] for l in open(sys.argv[1]))))" "$1"; }
for lang in en de fr es; do
	python3 "$T/oracle.py" "$F/ldnoobw/$lang" "$T/dolma.jsonl" "$lang" | sort > "$T/want"
	"$SLUICE" blocklist -q --words "$F/ldnoobw/$lang" --rejects "$T/rej.jsonl" "$T/dolma.jsonl" > /dev/null
	eq "words $lang: same documents as Python's re ($(grep -c . "$T/want" || true))" "$(ids "$T/rej.jsonl")" "$(cat "$T/want")"
done
# languages without word boundaries, chosen by metadata.language from the directory
python3 - "$T/dolma.jsonl" "$T/zh.jsonl" <<'PY'
import json, sys
out = open(sys.argv[2], "w")
extra = ["这是性别平等的文章", "他妈的", "女の子が好き", "エロティック", "普通の文章です"]
for i, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    if i >= 100: break
    d = json.loads(line)
    d["text"] = d["text"][:200] + extra[i % 5]
    d.setdefault("metadata", {})["language"] = "zh" if i % 5 < 2 else "ja"
    out.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
for lang in zh ja; do
	python3 - "$T/zh.jsonl" "$lang" > "$T/one.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if json.loads(line)["metadata"]["language"] == sys.argv[2]:
        sys.stdout.write(line)
PY
	python3 "$T/oracle.py" "$F/ldnoobw/$lang" "$T/one.jsonl" "$lang" | sort > "$T/want"
	"$SLUICE" blocklist -q --words "$F/ldnoobw" --rejects "$T/rej.jsonl" "$T/one.jsonl" > /dev/null
	eq "words $lang (no boundaries, allowlist): same as Python's re" "$(ids "$T/rej.jsonl")" "$(cat "$T/want")"
done
run "$SLUICE" blocklist --words "$F/ldnoobw" --stats "$T/s.json" "$T/zh.jsonl"
eq "zh: 性 alone is allowed, 他妈的 is not" "$(json "$T/s.json" "j['rejected_by']")" "{'document_removed_with_badwords': 40}"

# --- thresholds: --max-matches and --max-fraction
printf '%s\n' '{"id":"1","text":"an anus here"}' '{"id":"2","text":"anus and anus"}' '{"id":"3","text":"Anus, anus; ANUS! '"$(printf 'word %.0s' $(seq 2000))"'"}' '{"id":"4","text":"janus is fine"}' > "$T/m.jsonl"
"$SLUICE" blocklist -q --words "$F/ldnoobw/en" "$T/m.jsonl" > "$T/out"
eq "default: any match removes" "$(ids "$T/out")" "4"
"$SLUICE" blocklist -q --words "$F/ldnoobw/en" --max-matches 1 "$T/m.jsonl" > "$T/out"
eq "--max-matches 1" "$(ids "$T/out")" "$(printf '1\n4')"
"$SLUICE" blocklist -q --words "$F/ldnoobw/en" --max-fraction 0.01 "$T/m.jsonl" > "$T/out"
eq "--max-fraction 0.01 keeps the long document" "$(ids "$T/out")" "$(printf '3\n4')"

# --- URLs: real UT1 lists, datatrove's word lists, the public suffix list
python3 - > "$T/u.jsonl" <<'PY'
import json
urls = [
    ("ok", "https://example.org/page"),
    ("domain", "http://www.10bet.co.uk/promo"),            # gambling: registered domain
    ("domain2", "https://shop.000-online-casino.com/x"),
    ("url", "astrolabio.net/casino/"),                      # exact URL, no scheme
    ("url2", "http://astrolabio.net/casino/"),              # exact once the scheme is dropped
    ("notdomain", "https://10bet.co.uk.example.org/"),
    ("hard", "https://example.org/zoophilia/page"),
    ("hardcase", "https://example.org/Zoophilia/page"),     # tokens are case-sensitive
    ("soft2", "https://example.org/anus-asshole"),
    ("soft1", "https://example.org/anus"),
    ("sub", "https://example.org/xalabamahotpocketx"),
]
for i, u in urls:
    print(json.dumps({"id": i, "text": "x", "metadata": {"url": u}}))
print(json.dumps({"id": "nourl", "text": "x"}))
PY
run "$SLUICE" blocklist --urls "$F/ut1_blacklists" --categories gambling --url-words "$F/datatrove-banned_words.txt" \
	--url-soft-words "$F/datatrove-soft_banned_words.txt" --url-subwords "$F/datatrove-banned_subwords.txt" \
	--annotate-only --stats "$T/s.json" "$T/u.jsonl"
eq "url exit" "$rc" 0
eq "url reasons" "$(python3 -c "
import json,sys
print(' '.join('%s=%s' % (d['id'], d.get('metadata',{}).get('rejected_by','-').replace('blocklist:','')) for d in map(json.loads, open(sys.argv[1]))))" "$T/out")" \
	"ok=- domain=domain domain2=domain url=url url2=url notdomain=- hard=hard_blacklisted hardcase=- soft2=soft_blacklisted soft1=- sub=blacklisted_subword nourl=-"
eq "no_url counted" "$(json "$T/s.json" "j['no_url']")" 1
eq "lists loaded" "$(json "$T/s.json" "j['lists']['domains'] > 30000 and j['lists']['categories'] == 1")" True
run "$SLUICE" blocklist --urls "$F/ut1_blacklists" --categories all --stats "$T/s.json" "$DOLMA"
eq "all categories load fast" "$(json "$T/s.json" "j['lists']['load_seconds'] < 3 and j['lists']['domains'] > 300000")" True
# a category that is not there (a typo) is an error, not an empty list
run "$SLUICE" blocklist --urls "$F/ut1_blacklists" --categories adult,gamblign "$DOLMA"
eq "unknown category: exit 1" "$rc" 1
has "$T/err" "--categories: '$F/ut1_blacklists' has no category 'gamblign'" && pass ||
	fail "unknown category: said: $(cat "$T/err")"
eq "unknown category: no output" "$(wc -c < "$T/out")" 0
# a category that is a symlink to another is followed when named
mkdir -p "$T/ut1"
cp -r "$F/ut1_blacklists/gambling" "$T/ut1/gambling"
ln -s gambling "$T/ut1/casino"
run "$SLUICE" blocklist --urls "$T/ut1" --categories casino --stats "$T/s2.json" "$DOLMA"
eq "symlinked category: loaded" "$rc:$(json "$T/s2.json" "j['lists']['categories'] == 1 and j['lists']['domains'] > 30000")" 0:True
eq "conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True

# --- usage errors and bad input
run "$SLUICE" blocklist "$DOLMA"
eq "nothing to do" "$rc" 2
run "$SLUICE" blocklist --words /nonexistent "$DOLMA"
eq "missing list" "$rc" 2
check "missing list message" has "$T/err" "sluice blocklist: --words: cannot read '/nonexistent'"
run "$SLUICE" blocklist --urls /nonexistent "$DOLMA"
eq "missing url dir" "$rc" 2
printf '%s\n' '{"id":"a","text":"fine"}' '{"id":"b",' > "$T/bad.jsonl"
run "$SLUICE" blocklist --words "$F/ldnoobw/en" "$T/bad.jsonl"
eq "malformed fails" "$rc" 1
check "malformed message" has "$T/err" "sluice blocklist: '$T/bad.jsonl': line 2: malformed JSON"
printf '{"id":"u","text":"caf\xe9 \xff anus"}\n' > "$T/latin.jsonl"
run "$SLUICE" blocklist --words "$F/ldnoobw/en" --stats "$T/s.json" "$T/latin.jsonl"
eq "non-UTF-8 text still matched" "$(json "$T/s.json" "(j['docs_rejected'], j['invalid_utf8_replaced'])")" "(1, 2)"
: > "$T/empty.jsonl"
run "$SLUICE" blocklist --words "$F/ldnoobw/en" "$T/empty.jsonl"
eq "empty input" "$rc:$(cat "$T/out")" "0:"

done_testing
