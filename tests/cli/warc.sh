#!/usr/bin/env bash
# sluice warc over every real WARC/WET/WAT file in ../shared/data/warc, and
# over broken ones: record counts, byte-exact WET text, HTML extraction,
# messages, conservation of counts.
. "$(dirname "$0")/lib.sh"
need_data
set -e
W="$DATA/warc"
BAD="$TDATA/warc-bad"

# --- every real file: record counts and types as INVENTORY.tsv lists them
while IFS=$'\t' read -r file bytes members records version types crawl first; do
	[ "$file" = file ] && continue
	run "$SLUICE" warc --stats "$T/s.json" "$W/$file"
	eq "$file: exit" "$rc" 0
	eq "$file: no problem reported" "$(cat "$T/err")" ""
	eq "$file: records" "$(json "$T/s.json" "j['records']")" "$records"
	want=$(python3 -c "
import sys
t = dict(kv.split(':') for kv in sys.argv[1].split())
print(' '.join(f'{k}:{t[k]}' for k in sorted(t)))" "$types")
	got=$(json "$T/s.json" "' '.join(f'{k}:{v}' for k, v in sorted(j['records_by_type'].items()) if v)")
	eq "$file: record types" "$got" "$want"
	eq "$file: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'] and j['records'] == j['docs_in'] + j['records_not_documents']")" True
	eq "$file: output is valid JSONL" "$(valid_jsonl "$T/out")" "$(json "$T/s.json" "j['docs_out']")"
	if [ "$crawl" != "-" ] && [ "$(json "$T/s.json" "j['docs_out']")" -gt 0 ]; then
		# (a file with several warcinfo records lists each crawl, comma-separated)
		eq "$file: source is the crawl" "$(python3 -c "import json,sys; print(all(json.loads(l)['source'] in sys.argv[2].split(',') for l in open(sys.argv[1])))" "$T/out" "$crawl")" True
	fi
done < "$W/INVENTORY.tsv"

# --- WET: the text is the conversion block, byte for byte (parsed here
# independently of sluice, with Python)
wet_check() {
	python3 - "$1" "$T/out" <<'PY'
import gzip, json, sys
raw = open(sys.argv[1], 'rb').read()
if raw[:2] == b'\x1f\x8b':
    raw = gzip.decompress(raw)
want, pos = [], 0
while pos < len(raw):
    end = raw.index(b'\r\n\r\n', pos)
    head = raw[pos:end].decode('utf-8').split('\r\n')
    fields = dict(h.split(': ', 1) for h in head[1:])
    n = int(fields['Content-Length'])
    block = raw[end + 4:end + 4 + n]
    if fields['WARC-Type'] == 'conversion':
        want.append((fields['WARC-Record-ID'], fields['WARC-Target-URI'], fields['WARC-Date'], block))
    pos = end + 4 + n + 4
got = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
assert len(got) == len(want), (len(got), len(want))
for g, (rid, uri, date, block) in zip(got, want):
    assert g['id'] == rid and g['url'] == uri and g['date'] == date, g['id']
    assert g['text'].encode('utf-8') == block, rid
print(len(got))
PY
}
for f in cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz \
	 npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet \
	 npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz; do
	"$SLUICE" warc "$W/$f" > "$T/out"
	check "$f: WET text equals the record block" wet_check "$W/$f"
done
# the same WET through zstd and through stdin
zcat "$W/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz" | zstd -q > "$T/w.wet.zst"
"$SLUICE" warc - < "$T/w.wet.zst" > "$T/out"
check "WET via zstd on stdin" wet_check "$W/cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz"

# --- the same WARC as one gzip member per record, whole-file gzip, zstd and
# plain gives the same documents
R="$W/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz"
"$SLUICE" warc "$R" > "$T/per-record"
zcat "$R" > "$T/r.warc"
gzip -c "$T/r.warc" > "$T/r-whole.warc.gz"
zstd -q -c "$T/r.warc" > "$T/r.warc.zst"
for f in r.warc r-whole.warc.gz r.warc.zst; do
	"$SLUICE" warc --source CC-MAIN-2020-34 "$T/$f" > "$T/layout"
	check "layout $f gives the same documents" cmp -s "$T/layout" "$T/per-record"
done

# --- HTML: real CommonCrawl pages in several charsets become clean text
"$SLUICE" warc "$W/resiliparse-CC-MAIN-2020-34-excerpt.warc.gz" > "$T/out"
python3 - "$T/out" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
assert len(docs) == 16, len(docs)
by_url = {d['url']: d for d in docs}
spb = by_url['http://01spb.ru/company/']
assert spb['metadata']['charset'] == 'windows-1251', spb['metadata']
assert spb['metadata']['title'] == 'О компании - Стратегия пожарной безопасности', spb['metadata']['title']
assert 'Огнетушители углекислотные' in spb['text']
for d in docs:
    t = d['text']
    assert t and t == t.strip(' \t\n\r\f'), d['url']  # (U+3000 and friends are kept)
    assert '<script' not in t.lower() and '</div>' not in t.lower() and 'function(' not in t, d['url']
    assert '\n\n\n' not in t, d['url']
    assert d['source'] == 'CC-MAIN-2020-34' and d['metadata']['http_status'] == 200
print('ok')
PY
pass

# --- rejects: non-HTML and non-200 responses are counted and can be kept
run "$SLUICE" warc --rejects "$T/rej.jsonl" --stats "$T/s.json" "$W/ia-IAH-urls-wget.warc.gz"
eq "rejected by reason" "$(json "$T/s.json" "j['rejected_by']")" "{'http_status': 9, 'not_html': 8}"
eq "rejects file" "$(grep -c . "$T/rej.jsonl")" 17
eq "rejected_by recorded" "$(python3 -c "import json,sys; print(sorted({json.loads(l)['metadata']['rejected_by'] for l in open(sys.argv[1])}))" "$T/rej.jsonl")" "['warc:http_status', 'warc:not_html']"
run "$SLUICE" warc --annotate-only --stats "$T/s.json" "$W/ia-IAH-urls-wget.warc.gz"
eq "annotate-only keeps all" "$(grep -c . "$T/out")" 19

# --- the bodies stored decoded under a Content-Encoding header (CC 2014)
run "$SLUICE" warc --stats "$T/s.json" "$W/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz"
eq "decoded bodies under Content-Encoding: gzip" "$(json "$T/s.json" "j['docs_out']")" 3

# --- broken input: each record that can be read is; problems are named and counted
while IFS=$'\t' read -r file maxh maxb records problems; do
	case "$file" in '#'*) continue ;; esac
	opts=()
	[ "$maxb" != 0 ] && opts+=(--max-doc-bytes "$maxb")
	[ "$maxh" != 0 ] && continue   # header limits are a library setting, tested in test_warc
	if [[ $problems == EFORMAT@0* ]]; then
		# not a WARC file at all: stops the stage like a malformed line
		run "$SLUICE" warc "${opts[@]}" --stats "$T/s.json" "$BAD/$file"
		eq "$file: not WARC: exit 1" "$rc" 1
		check "$file: not WARC: says how to skip" has "$T/err" "(use --on-error skip to skip such files)"
		opts+=(--on-error skip)
	fi
	run "$SLUICE" warc "${opts[@]}" --stats "$T/s.json" "$BAD/$file"
	eq "$file: exit" "$rc" 0
	eq "$file: records" "$(json "$T/s.json" "j['records'] - j['records_broken']")" "$records"
	nprob=0
	[ "$problems" != - ] && nprob=$(echo "$problems" | tr ',' '\n' | grep -c .)
	eq "$file: broken records counted" "$(json "$T/s.json" "j['records_broken']")" "$nprob"
	eq "$file: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True
	if [ "$nprob" -gt 0 ]; then
		check "$file: a message names the file" has "$T/err" "sluice warc: '$BAD/$file'"
	fi
	eq "$file: output valid" "$(valid_jsonl "$T/out")" "$(json "$T/s.json" "j['docs_out']")"
done < "$BAD/EXPECTED.tsv"

# a corrupt gzip member in the middle of a real CommonCrawl file
run "$SLUICE" warc --stats "$T/s.json" "$BAD/corrupt-mid.warc.gz"
check "corrupt member message" has "$T/err" "corrupt gzip member"

# a 10 MB header line: refused with a message, the next records still read
python3 - "$W/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet" "$T/bighead.warc" <<'PY'
import sys
raw = open(sys.argv[1], 'rb').read()
first = raw.index(b'WARC/1.0', 10)
evil = b'WARC/1.0\r\nX-Evil: ' + b'a' * (10 << 20) + b'\r\nContent-Length: 0\r\n\r\n\r\n\r\n'
open(sys.argv[2], 'wb').write(raw[:first] + evil + raw[first:])
PY
run "$SLUICE" warc --stats "$T/s.json" "$T/bighead.warc"
eq "10 MB header: exit" "$rc" 0
eq "10 MB header: the 3 documents survive" "$(json "$T/s.json" "j['docs_out']")" 3
eq "10 MB header: counted" "$(json "$T/s.json" "j['records_broken']")" 1
check "10 MB header: message" has "$T/err" "bighead.warc': byte"

# a document larger than --max-doc-bytes is skipped, the rest read
run "$SLUICE" warc --max-doc-bytes 1k --stats "$T/s.json" "$W/npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz"
eq "max-doc-bytes: exit" "$rc" 0
eq "max-doc-bytes: unreadable" "$(json "$T/s.json" "j['unreadable_by'].get('too_large', 0) > 0")" True
eq "max-doc-bytes: conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable']")" True

# --shard over several files: whole files, each once
files=("$W"/*.warc.gz)
"$SLUICE" warc "${files[@]}" > "$T/whole"
: > "$T/parts"
for i in 0 1 2; do "$SLUICE" warc --shard "$i/3" "${files[@]}" >> "$T/parts"; done
check "--shard over WARC files covers each once" cmp -s "$T/parts" "$T/whole"

# --- an empty file, a missing file, a non-WARC file
: > "$T/empty.warc"
run "$SLUICE" warc "$T/empty.warc"
eq "empty WARC" "$rc:$(cat "$T/out")$(cat "$T/err")" "0:"
run "$SLUICE" warc "$T/missing.warc.gz"
eq "missing file" "$rc" 1
run "$SLUICE" warc "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl" "$T/empty.warc"
eq "not a WARC: exit 1" "$rc" 1
check "not a WARC: message" has "$T/err" "'$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl': not a warc file: no record found in"
# a saved error page where a crawl file should be, among real files
echo '<html><body>503 Service Unavailable</body></html>' | gzip > "$T/error-page.warc.gz"
run "$SLUICE" warc --stats "$T/s.json" "$W/$(ls "$W" | grep -m1 'warc.gz$')" "$T/error-page.warc.gz"
eq "error page among WARC files: exit 1" "$rc" 1
run "$SLUICE" warc --on-error skip --stats "$T/s.json" "$DATA/jsonl/datajuicer-redpajama-c4-refined.jsonl"
eq "not a WARC, --on-error skip: exit 0" "$rc" 0
eq "not a WARC, --on-error skip: counted" "$(json "$T/s.json" "j['records_broken'], j['docs_unreadable']")" "1 1"

done_testing
