#!/usr/bin/env bash
# sluice ppl: KenLM's scores on kenlm's test.arpa through the command line,
# ARPA = .slm, filtering and cc_net buckets with conserved counts, training
# (spills give the same model as none, pruning, discount failures), the
# bundled Brown model, calibration against numpy's percentiles, and broken
# models and input.
. "$(dirname "$0")/lib.sh"
need_data
set -e

ARPA="$DATA/arpa/kenlm-test.arpa"
CC=("$DATA"/jsonl/dolma-cc_en_head-0091.jsonl.gz "$DATA"/jsonl/dolma-cc_en_head-0174.jsonl.gz)
WEB="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"

# --- scores: "looking on a little" as one line, by hand from test.arpa
printf '%s\n' '{"id":"1","text":"Looking on a little"}' '{"id":"2","text":"  "}' \
	'{"id":"3","text":"looking on a little\n\nlooking on a little"}' > "$T/k.jsonl"
run "$SLUICE" ppl -q --model "$ARPA" "$T/k.jsonl"
eq "ppl on test.arpa exits 0" "$rc" 0
want=$(python3 -c '
s = -0.4846522 - 0.348837 - 0.0155266 - 0.00306122 + (-1.029493 - 0.69897 - 0.69897 - 0.4771212 - 0.4771212)
print("%.1f" % round(10 ** (-s / 5), 1))')
eq "perplexity = KenLM's by hand" "$(sed -n 1p "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["perplexity"])')" "$want"
eq "two equal lines, same perplexity (blank line skipped)" \
	"$(sed -n 3p "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["perplexity"])')" "$want"
eq "a document without words has no perplexity" \
	"$(sed -n 2p "$T/out" | python3 -c 'import json,sys; print("perplexity" in json.load(sys.stdin).get("metadata", {}))')" False

# --- huge perplexities (a model without <unk>: -100 a word it lacks) are
# valid JSON, written as Python writes the float, and decided on in full
printf '%s\n' '{"id":"1","text":"aa bb"}' '{"id":"2","text":"a b"}' > "$T/oov.jsonl"
run "$SLUICE" ppl -q --model "$DATA/arpa/kenlm-test_nounk.arpa" --annotate-only "$T/oov.jsonl"
eq "no <unk>: exit 0" "$rc" 0
eq "no <unk>: valid JSON, full value" "$(python3 -c '
import json, sys
v = [json.loads(l)["metadata"]["perplexity"] for l in open(sys.argv[1])]
print(all(x > 1e30 for x in v), [repr(x) == t.split(chr(34) + "perplexity" + chr(34) + ":")[1].split("}")[0] for x, t in zip(v, open(sys.argv[1]))])' "$T/out")" "True [True, True]"
big=$(sed -n 1p "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["perplexity"])')
run "$SLUICE" ppl -q --model "$DATA/arpa/kenlm-test_nounk.arpa" --max-perplexity "$(python3 -c "print($big * 0.999)")" "$T/oov.jsonl"
check "no <unk>: --max-perplexity just below it rejects it" sh -c "! grep -q '\"id\":\"1\"' '$T/out'"
run "$SLUICE" ppl -q --model "$DATA/arpa/kenlm-test_nounk.arpa" --max-perplexity "$(python3 -c "print($big * 1.001)")" "$T/oov.jsonl"
check "no <unk>: --max-perplexity just above it keeps it" grep -q '"id":"1"' "$T/out"

# --- build: the .slm gives the same output as the ARPA text, on real text
run "$SLUICE" ppl build "$ARPA" -o "$T/test.slm"
eq "ppl build exits 0" "$rc" 0
check "build reports the counts" has "$T/err" "n-grams per order: 37 47 11 6 4 (+8 missing suffixes added as blanks)"
for m in "$ARPA" "$T/test.slm"; do
	"$SLUICE" ppl -q --annotate-only --model "$m" "${CC[@]}" "$WEB" > "$T/out-$(basename "$m").jsonl"
done
check "ARPA and .slm score whole files identically" cmp "$T/out-kenlm-test.arpa.jsonl" "$T/out-test.slm.jsonl"

# --- the bundled model (tools/get-ppl-model.sh builds it; tools/test.sh runs that)
BUNDLED="$SLUICE_SOURCE_ROOT/models/en-brown.slm"
if [ ! -f "$BUNDLED" ]; then
	fail "the bundled model $BUNDLED is missing: run tools/get-ppl-model.sh"
else
	SLUICE_PPL_MODEL= run "$SLUICE" ppl -q --max-perplexity 1000 --rejects "$T/rej.jsonl" \
		--stats "$T/st.json" "${CC[@]}" "$WEB"
	eq "bundled model: exit 0" "$rc" 0
	[ "$rc" = 0 ] || cat "$T/err" >&2
	n_in=$(json "$T/st.json" 'j["docs_in"]')
	eq "counts conserved" "$(json "$T/st.json" 'j["docs_out"] + j["docs_rejected"] + j["docs_unreadable"]')" "$n_in"
	eq "kept documents are at most 1000" \
		"$(python3 -c 'import json,sys; print(all(json.loads(l)["metadata"]["perplexity"] <= 1000 for l in open(sys.argv[1])))' "$T/out")" True
	eq "rejected ones are above (high_perplexity) or have no words (no_words)" "$(python3 -c '
import json,sys
ok = True
for m in (json.loads(l)["metadata"] for l in open(sys.argv[1])):
    ok &= m["rejected_by"] == "ppl:high_perplexity" and m["perplexity"] > 1000 or \
        m["rejected_by"] == "ppl:no_words" and "perplexity" not in m
print(ok)' "$T/rej.jsonl")" True
	check "some kept, some rejected" test "$(json "$T/st.json" 'j["docs_out"] > 0 and j["docs_rejected"] > 0')" = True
	# the same through SLUICE_PPL_MODEL and through --model
	SLUICE_PPL_MODEL="$BUNDLED" "$SLUICE" ppl -q --annotate-only "${CC[@]}" > "$T/env.jsonl"
	"$SLUICE" ppl -q --annotate-only --model "$BUNDLED" "${CC[@]}" > "$T/arg.jsonl"
	check "SLUICE_PPL_MODEL = --model" cmp "$T/env.jsonl" "$T/arg.jsonl"
	# clean prose scores lower than keyword spam and shuffled words
	printf '%s\n' '{"id":"a","text":"It was a cold night, and the old man sat by the fire reading a letter from his son."}' \
		'{"id":"b","text":"buy cheap pills online pharmacy best price free shipping casino poker bonus"}' \
		'{"id":"c","text":"man night old letter the cold fire by a son his reading sat was and it from"}' > "$T/abc.jsonl"
	"$SLUICE" ppl -q --model "$BUNDLED" "$T/abc.jsonl" > "$T/abc.out"
	eq "prose < shuffled < spam" "$(/usr/bin/python3 -c '
import json,sys
p = {d["id"]: d["metadata"]["perplexity"] for d in map(json.loads, open(sys.argv[1]))}
print(p["a"] < p["c"] < p["b"])' "$T/abc.out")" True
fi

# --- buckets, as cc_net's PerplexityBucket
run "$SLUICE" ppl -q --model "$T/test.slm" --buckets head:3000,middle:6000 --stats "$T/b.json" "${CC[@]}" "$T/k.jsonl"
eq "buckets: exit 0" "$rc" 0
eq "bucket by cut-offs (below head, below middle, else tail; no words: all)" "$(/usr/bin/python3 -c '
import json,sys
ok = True
for d in map(json.loads, open(sys.argv[1])):
    m = d["metadata"]; p = m.get("perplexity")
    want = "all" if p is None else "head" if p < 3000 else "middle" if p < 6000 else "tail"
    ok &= m["bucket"] == want
print(ok)' "$T/out")" True
eq "bucket counts in --stats" "$(json "$T/b.json" 'sum(j["buckets"].values())')" "$(json "$T/b.json" 'j["docs_in"]')"
run "$SLUICE" ppl --model "$T/test.slm" --buckets head:500,middle:400 "$T/k.jsonl"
eq "decreasing cut-offs: usage error" "$rc" 2

# --- calibrate: numpy's percentiles of metadata.perplexity
"$SLUICE" ppl -q --annotate-only --model "$T/test.slm" "${CC[@]}" "$WEB" > "$T/scored.jsonl"
run "$SLUICE" ppl calibrate -q "$T/scored.jsonl"
eq "calibrate: exit 0" "$rc" 0
eq "calibrate = numpy.percentile" "$(/usr/bin/python3 -c '
import json,sys,numpy
v = [d["metadata"]["perplexity"] for d in map(json.loads, open(sys.argv[1])) if "perplexity" in d["metadata"]]
print("head:%.1f,middle:%.1f,tail" % tuple(numpy.percentile(v, [30, 60])))' "$T/scored.jsonl")" \
	"$(json "$T/out" 'j["buckets"]')"
run "$SLUICE" ppl calibrate -q --model "$T/test.slm" "${CC[@]}"
eq "calibrate scores documents itself when needed (same cut-offs as their metadata)" "$rc" 0

# --- train: the same model whether or not counts spill to disk
"$SLUICE" cat -q "$WEB" > "$T/web.jsonl"
run "$SLUICE" ppl train -q --order 4 "$T/web.jsonl" -o "$T/a.arpa" --stats "$T/ta.json"
eq "train: exit 0" "$rc" 0
run "$SLUICE" ppl train -q --order 4 --memory 1M --temp-dir "$T" "$T/web.jsonl" -o "$T/b.arpa" --stats "$T/tb.json"
eq "train with spills: exit 0" "$rc" 0
check "it spilled" test "$(json "$T/tb.json" 'j["spills"]')" -gt 1
check "spilled and in-memory estimates are identical" cmp "$T/a.arpa" "$T/b.arpa"
check "no spill files left" test -z "$(ls "$T" | grep sluice-lmtrain || true)"
eq "the ARPA header counts what it lists" "$(/usr/bin/python3 -c '
import sys
lines = open(sys.argv[1]).read().split("\n")
want = {int(l.split()[1].split("=")[0]): int(l.split("=")[1]) for l in lines if l.startswith("ngram ")}
got, n = {}, 0
for l in lines:
    if l.startswith("\\") and l.endswith("-grams:"): n = int(l[1:-7]); got[n] = 0
    elif l.startswith("\\"): n = 0
    elif l and n: got[n] += 1
print(got == want)' "$T/a.arpa")" True
run "$SLUICE" ppl train -q --order 4 --prune 0,0,1 "$T/web.jsonl" -o "$T/p.arpa.gz"
eq "pruned train: exit 0" "$rc" 0
run "$SLUICE" ppl build "$T/p.arpa.gz" -o "$T/p.slm"
eq "a compressed ARPA builds" "$rc" 0
eq "pruning keeps fewer 3- and 4-grams" "$(/usr/bin/python3 -c '
import gzip,sys
def counts(f):
    return [int(l.split("=")[1]) for l in f.read().split("\n") if l.startswith("ngram ")]
a = counts(open(sys.argv[1])); p = counts(gzip.open(sys.argv[2], "rt"))
print(a[:2] == p[:2] and p[2] < a[2] and p[3] < a[3])' "$T/a.arpa" "$T/p.arpa.gz")" True
"$SLUICE" ppl -q --annotate-only --model "$T/p.slm" "${CC[@]}" > "$T/p.out"
check "the trained model scores" test "$(wc -l < "$T/p.out")" -eq 20

# BPE units: token ids of a sluice tok vocabulary, recorded in the model
run "$SLUICE" ppl train -q --order 3 --units bpe:cl100k_base "$T/web.jsonl" -o "$T/bpe.arpa"
eq "train on cl100k_base tokens: exit 0" "$rc" 0
eq "the ARPA records the units before \\data\\" "$(head -1 "$T/bpe.arpa")" "sluice-units: bpe:cl100k_base"
"$SLUICE" ppl build "$T/bpe.arpa" -o "$T/bpe.slm" 2>/dev/null
run "$SLUICE" ppl -q --model "$T/bpe.slm" --stats "$T/bs.json" "${CC[@]}"
eq "the .slm scores with the recorded units" "$rc" 0
check "BPE units leave few unknown words" test "$(json "$T/bs.json" 'j["oov_tokens"] * 20 < j["tokens"]')" = True
run "$SLUICE" ppl -q --model "$T/bpe.slm" --units words "${CC[@]}"
eq "other units than the model's: exit 1" "$rc" 1
check "says which units" has "$T/err" "trained on units 'bpe:cl100k_base'"
run "$SLUICE" ppl -q --model "$T/test.slm" --units sentencepiece "${CC[@]}"
eq "unknown units: usage error" "$rc" 2

# too little data for Kneser-Ney discounts: a clear error, then the fallback
printf '%s\n' '{"id":"1","text":"a b c"}' > "$T/tiny.jsonl"
run "$SLUICE" ppl train -q "$T/tiny.jsonl" -o "$T/tiny.arpa"
eq "tiny corpus: exit 1" "$rc" 1
check "names the problem and the fallback" has "$T/err" "--discount-fallback"
check "no partial output" test ! -e "$T/tiny.arpa"
run "$SLUICE" ppl train -q --discount-fallback "$T/tiny.jsonl" -o "$T/tiny.arpa"
eq "with --discount-fallback: exit 0" "$rc" 0
run "$SLUICE" ppl train -q "$T/empty.jsonl" -o "$T/e.arpa"
eq "missing input: exit 1" "$rc" 1
# a full disk names the model file (a copy of /dev/full: never the real node)
if mknod "$T/full" c 1 7 2>/dev/null; then
	run "$SLUICE" ppl train -q --order 3 "$T/web.jsonl" -o "$T/full"
	eq "disk full: exit 1" "$rc" 1
	check "disk full: names the model file" has "$T/err" "cannot write '$T/full': No space left on device"
fi
: > "$T/empty.jsonl"
run "$SLUICE" ppl train -q "$T/empty.jsonl" -o "$T/e.arpa"
eq "empty input: exit 1" "$rc" 1
check "says there is no text" has "$T/err" "no text to train on"
run "$SLUICE" ppl train "$T/web.jsonl"
eq "train without -o: usage error" "$rc" 2
run "$SLUICE" ppl train --order 9 -o "$T/x.arpa" "$T/web.jsonl"
eq "order 9: usage error" "$rc" 2
run "$SLUICE" ppl train --prune 1,0 -o "$T/x.arpa" "$T/web.jsonl"
eq "pruning unigrams: usage error" "$rc" 2

# --- broken models: clear messages, exit 1
run "$SLUICE" ppl --model "$T/nope.slm" "$T/k.jsonl"
eq "missing model: exit 1" "$rc" 1
check "names the file" has "$T/err" "nope.slm"
head -c 1000 "$T/test.slm" > "$T/trunc.slm"
run "$SLUICE" ppl --model "$T/trunc.slm" "$T/k.jsonl"
eq "truncated .slm: exit 1" "$rc" 1
check "says truncated" has "$T/err" "truncated"
sed 's/^-0.2922095\twould also$/-0.29x\twould also/' "$ARPA" > "$T/bad.arpa"
run "$SLUICE" ppl --model "$T/bad.arpa" "$T/k.jsonl"
eq "bad number in ARPA: exit 1" "$rc" 1
check "gives the line" has "$T/err" "line $(grep -n -P '^-0.29x\twould also' "$T/bad.arpa" | cut -d: -f1): expected a log10 probability"
head -c 1500 "$ARPA" > "$T/cut.arpa"
run "$SLUICE" ppl --model "$T/cut.arpa" "$T/k.jsonl"
eq "truncated ARPA: exit 1" "$rc" 1
gzip -c "$ARPA" | head -c 700 > "$T/cut.arpa.gz"
run "$SLUICE" ppl --model "$T/cut.arpa.gz" "$T/k.jsonl"
eq "truncated compressed ARPA: exit 1" "$rc" 1
SLUICE_PPL_MODEL="$T/none.slm" run "$SLUICE" ppl "$T/k.jsonl"
eq "SLUICE_PPL_MODEL pointing nowhere: exit 1" "$rc" 1

# --- broken input: truncated, corrupt, non-UTF-8, oversized, empty
gzip -c "$T/web.jsonl" | head -c 20000 > "$T/trunc.jsonl.gz"
run "$SLUICE" ppl -q --model "$T/test.slm" --stats "$T/s.json" "$T/trunc.jsonl.gz"
eq "truncated gzip: exit 0 (what could be read is kept)" "$rc" 0
check "reports the truncation" has "$T/err" "truncated gzip stream"
eq "truncated: counted" "$(json "$T/s.json" 'j["truncated_inputs"]')" 1
eq "truncated: what was read is conserved" \
	"$(json "$T/s.json" 'j["docs_out"] + j["docs_rejected"] + j["docs_unreadable"]')" "$(json "$T/s.json" 'j["docs_in"]')"
printf '%s\n' '{"id":"1","text":"looking on"}' '{"id":"2","text":' '{"id":"3","text":"a little"}' > "$T/corrupt.jsonl"
run "$SLUICE" ppl -q --model "$T/test.slm" --on-error skip --stats "$T/s.json" "$T/corrupt.jsonl"
eq "corrupt line skipped: exit 0" "$rc" 0
eq "corrupt line counted unreadable" "$(json "$T/s.json" 'j["docs_unreadable"]')" 1
eq "the others scored" "$(wc -l < "$T/out")" 2
printf '{"id":"1","text":"caf\xe9 \xff\xfe looking"}\n' > "$T/latin1.jsonl"
run "$SLUICE" ppl -q --model "$T/test.slm" "$T/latin1.jsonl"
eq "invalid UTF-8: exit 0" "$rc" 0
eq "invalid UTF-8: scored" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["perplexity"] > 0)' "$T/out")" True
python3 -c 'import json; print(json.dumps({"id": "big", "text": "looking on a little " * 200000}))' > "$T/big.jsonl"
run "$SLUICE" ppl -q --model "$T/test.slm" --max-doc-bytes 1M --stats "$T/s.json" "$T/big.jsonl"
eq "oversized: exit 0" "$rc" 0
eq "oversized: counted unreadable" "$(json "$T/s.json" 'j["docs_unreadable"]')" 1
run "$SLUICE" ppl -q --model "$T/test.slm" --max-perplexity 5 "$T/k.jsonl" --rejects "$T/r.jsonl"
eq "no words under --max-perplexity: rejected as no_words" \
	"$(python3 -c 'import json,sys; print(sorted(json.loads(l)["metadata"]["rejected_by"] for l in open(sys.argv[1])))' "$T/r.jsonl")" \
	"['ppl:high_perplexity', 'ppl:high_perplexity', 'ppl:no_words']"
run "$SLUICE" ppl -q --model "$T/test.slm" < /dev/null
eq "empty stdin: exit 0" "$rc" 0
eq "empty stdin: no output" "$(wc -c < "$T/out")" 0
run "$SLUICE" ppl --model "$T/test.slm" --unit words "$T/k.jsonl"
eq "bad --unit: usage error" "$rc" 2
run "$SLUICE" ppl --help
eq "--help: exit 0" "$rc" 0
check "--help names the subcommands" has "$T/out" "train|build|calibrate"

done_testing
