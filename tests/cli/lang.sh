#!/usr/bin/env bash
# sluice lang and sluice classify against Debian's `fasttext predict-prob`:
# lid.176.ftz on every UDHR line and every shared JSONL document, models
# this test trains itself (.bin and quantized .ftz; softmax, hierarchical
# softmax, one-vs-all; char and word n-grams, pruning, quantized norms and
# output), keep/classify decisions; then broken models, odd text, bad usage.
. "$(dirname "$0")/lib.sh"
need_data
set -e
if ! command -v fasttext >/dev/null; then
	echo "SKIP: Debian's fasttext is not installed (tools/install-deps.sh installs it)" >&2
	exit 77
fi

LID="$DATA/langid/lid.176.ftz"
UDHR="$DATA/langid/udhr_txt"
JSONL=("$DATA"/jsonl/*.jsonl "$DATA"/jsonl/*.gz)

# compare WHAT ARGS...: ft_compare.py must report no mismatch
compare() {
	local what=$1
	shift
	run python3 "$SLUICE_SOURCE_ROOT/tests/cli/ft_compare.py" "$@"
	if [ "$rc" -eq 0 ]; then
		pass
		echo "$what: $(tail -1 "$T/out")"
	else
		fail "$what = fasttext predict-prob"
		cat "$T/out" "$T/err" >&2
	fi
}

# --- lid.176.ftz: labels and probabilities on whole files
compare "lid.176 udhr (top 3)" "$SLUICE" "$LID" 3 "$T" "$UDHR"/*.txt
compare "lid.176 jsonl (top 5)" "$SLUICE" "$LID" 5 "$T" "${JSONL[@]}"
compare "lid.176 --keep en,de" --keep en,de --min-score 0.65 "$SLUICE" "$LID" 2 "$T" "${JSONL[@]}" "$UDHR"/[d-e]*.txt
compare "lid.176 --keep fr,de low threshold" --keep fr,de --min-score 0.2 "$SLUICE" "$LID" 2 "$T" "$UDHR"/[f-g]*.txt

# --- models trained here, tiny and fast
: > "$T/train6.txt"
for l in eng deu_1996 fra ita nld spa; do
	sed "s/^/__label__${l%%_*} /" "$UDHR/$l.txt" >> "$T/train6.txt"
done
: > "$T/train533.txt"
for f in "$UDHR"/*.txt; do
	b=$(basename "$f" .txt)
	head -6 "$f" | sed "s/^/__label__$b /" >> "$T/train533.txt"
done
ft() { fasttext "$@" -thread 1 -verbose 0 >/dev/null 2>&1; }
# softmax with char and word n-grams; quantized with pruning and norms
ft supervised -input "$T/train6.txt" -output "$T/sm" -dim 8 -epoch 5 -minn 2 -maxn 4 -wordNgrams 2 -bucket 20000 -seed 1
ft quantize -input "$T/train6.txt" -output "$T/sm" -qnorm -cutoff 500 -retrain -epoch 1 -dsub 2
# hierarchical softmax over 533 labels; quantized output (needs >= 256 rows)
ft supervised -input "$T/train533.txt" -output "$T/hs" -dim 8 -epoch 3 -minn 3 -maxn 5 -bucket 2000 -minCount 3 -loss hs -seed 1
ft quantize -input "$T/train533.txt" -output "$T/hs" -qnorm -qout -dsub 4
# one-vs-all, word trigrams, no char n-grams
ft supervised -input "$T/train6.txt" -output "$T/ova" -dim 8 -epoch 5 -wordNgrams 3 -bucket 20000 -minn 0 -maxn 0 -loss ova -seed 1
for m in sm.bin sm.ftz hs.bin hs.ftz ova.bin; do
	check "trained $m" test -s "$T/$m"
done
SOME=("$UDHR"/[a-c]*.txt "$DATA"/jsonl/*.gz)
compare "trained softmax .bin" "$SLUICE" "$T/sm.bin" 6 "$T" "${SOME[@]}"
compare "trained softmax .ftz (pruned, qnorm)" "$SLUICE" "$T/sm.ftz" 6 "$T" "${SOME[@]}"
compare "trained hs .bin (533 labels)" "$SLUICE" "$T/hs.bin" 5 "$T" "${SOME[@]}"
compare "trained hs .ftz (qnorm, qout)" "$SLUICE" "$T/hs.ftz" 5 "$T" "${SOME[@]}"
compare "trained ova .bin" "$SLUICE" "$T/ova.bin" 6 "$T" "${SOME[@]}"
compare "classify softmax .bin" --classify __label__eng --min-score 0.3 "$SLUICE" "$T/sm.bin" 1 "$T" "$UDHR"/[d-f]*.txt
compare "classify softmax .ftz" --classify __label__deu --min-score 0.5 "$SLUICE" "$T/sm.ftz" 1 "$T" "$UDHR"/[d-f]*.txt
compare "classify hs .ftz" --classify __label__eng --min-score 0.01 "$SLUICE" "$T/hs.ftz" 1 "$T" "$UDHR"/[d-f]*.txt
compare "classify ova .bin" --classify __label__fra --min-score 0.6 "$SLUICE" "$T/ova.bin" 1 "$T" "$UDHR"/[d-f]*.txt

# --- the stage: metadata, rejects, stats, conservation
DOLMA="$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
run "$SLUICE" lang --model "$LID" --keep en --rejects "$T/rej.jsonl" --stats "$T/s.json" "$DOLMA"
eq "lang exit" "$rc" 0
eq "conservation" "$(json "$T/s.json" "j['docs_in'] == j['docs_out'] + j['docs_rejected'] + j['docs_unreadable'] == 697")" True
eq "languages in --stats" "$(json "$T/s.json" "sum(j['languages'].values()) == 697 and j['languages']['en'] >= j['docs_out']")" True
eq "kept + rejected files" "$(( $(grep -c . "$T/out") + $(grep -c . "$T/rej.jsonl") ))" 697
eq "kept are English" "$(python3 -c "import json,sys; print(all(json.loads(l)['metadata']['language'] == 'en' and json.loads(l)['metadata']['language_score'] > 0.65 for l in open(sys.argv[1])))" "$T/out")" True
eq "rejected reasons" "$(python3 -c "import json,sys; print(sorted({json.loads(l)['metadata']['rejected_by'] for l in open(sys.argv[1])} - {'lang:other_language', 'lang:low_score'}))" "$T/rej.jsonl")" "[]"
check "some rejected" test -s "$T/rej.jsonl"
run "$SLUICE" classify --model "$T/sm.ftz" --label eng --field quality.eng --min-score 0 --stats "$T/s.json" "$DOLMA"
eq "classify keeps all at 0" "$(json "$T/s.json" "j['docs_out']")" 697
eq "classify --field" "$(head -1 "$T/out" | python3 -c "import json,sys; print(type(json.load(sys.stdin)['metadata']['quality.eng']).__name__)")" float
# the default model through the environment
SLUICE_LID_MODEL="$LID" "$SLUICE" lang --annotate-only --top-k 2 "$DOLMA" > "$T/env.jsonl"
"$SLUICE" lang --model "$LID" --annotate-only --top-k 2 "$DOLMA" > "$T/opt.jsonl"
check "\$SLUICE_LID_MODEL = --model" cmp -s "$T/env.jsonl" "$T/opt.jsonl"
# ... and models/lid.176.ftz of the current directory
mkdir -p "$T/cwd/models"
cp "$LID" "$T/cwd/models/lid.176.ftz"
(cd "$T/cwd" && env -u SLUICE_LID_MODEL "$SLUICE" lang --annotate-only --top-k 2 "$DOLMA" > "$T/cwd.jsonl")
check "models/lid.176.ftz = --model" cmp -s "$T/cwd.jsonl" "$T/opt.jsonl"

# --- empty, whitespace-only and non-UTF-8 text
printf '%s\n' '{"id":"e","text":""}' '{"id":"w","text":" \n\t "}' > "$T/odd.jsonl"
printf '{"id":"u","text":"caf\xe9 \xff\xfe na\xefve"}\n' >> "$T/odd.jsonl"
printf '{"id":"z","text":"nul\\u0000byte </s> after"}\n' >> "$T/odd.jsonl"
run "$SLUICE" lang --model "$LID" --annotate-only --top-k 3 --stats "$T/s.json" "$T/odd.jsonl"
eq "odd text exit" "$rc" 0
eq "odd text docs" "$(valid_jsonl "$T/out")" 4
eq "empty text as fasttext sees an empty line" \
	"$(head -1 "$T/out" | python3 -c "import json,sys; print(json.load(sys.stdin)['metadata']['language'])")" \
	"$(printf '\n' | fasttext predict "$LID" - 1 | sed 's/__label__//')"
eq "invalid UTF-8 counted" "$(json "$T/s.json" "j['invalid_utf8_replaced']")" 4

# --- broken models: a clear message, exit 1, never a crash
printf '{"id":1,"text":"hello"}\n' > "$T/one.jsonl"
: > "$T/empty.ftz"
head -c 5000 "$LID" > "$T/trunc.ftz"
head -c 938000 "$LID" > "$T/trunc-end.ftz"
head -c 100000 /dev/urandom > "$T/garbage.ftz"
bad_model() {
	run "$SLUICE" lang --model "$1" "$T/one.jsonl"
	eq "$3: exit" "$rc" 1
	eq "$3: message" "$(cat "$T/err")" "$2"
	check "$3: no output" test ! -s "$T/out"
}
bad_model "$T/empty.ftz" "sluice lang: '$T/empty.ftz': not a usable fastText model: truncated (empty file)" "zero-length model"
bad_model "$T/trunc.ftz" "sluice lang: '$T/trunc.ftz': not a usable fastText model: truncated (dictionary entries)" "truncated model"
bad_model "$T/trunc-end.ftz" "sluice lang: '$T/trunc-end.ftz': not a usable fastText model: truncated (matrix data)" "truncated at the end"
bad_model "$T/garbage.ftz" "sluice lang: '$T/garbage.ftz': not a usable fastText model: not a fastText model (wrong magic number)" "garbage model"
bad_model "$T/missing.ftz" "sluice lang: cannot read model '$T/missing.ftz': No such file or directory" "missing model"
bad_model "$T" "sluice lang: cannot read model '$T': Is a directory" "directory as model"
bad_model "$T/sm.vec" "sluice lang: '$T/sm.vec': not a usable fastText model: not a fastText model (wrong magic number)" "text file"
run env SLUICE_LID_MODEL="$T/nowhere.ftz" "$SLUICE" lang "$T/one.jsonl"
eq "default model missing: exit" "$rc" 1
eq "default model missing: how to get it" "$(cat "$T/err")" "sluice lang: no language model at '$T/nowhere.ftz' (from \$SLUICE_LID_MODEL): give --model PATH, set SLUICE_LID_MODEL, or run tools/get-lid-model.sh to put lid.176.ftz into models/"
# random damage to a quantized model: any exit but a crash
crashes=0
for i in $(seq 1 40); do
	python3 - "$T/sm.ftz" "$T/dmg.ftz" "$i" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(int(sys.argv[3]))
for _ in range(r.randint(1, 8)):
    data[r.randrange(len(data))] = r.randrange(256)
if r.random() < 0.3:
    data = data[:r.randrange(len(data))]
open(sys.argv[2], 'wb').write(data)
PY
	set +e
	"$SLUICE" lang --model "$T/dmg.ftz" --min-score 0 "$DOLMA" >/dev/null 2>&1
	r=$?
	set -e
	[ "$r" -le 1 ] || crashes=$((crashes + 1))
done
eq "damaged models never crash" "$crashes" 0

# --- usage errors: exit 2
usage_err() {
	run "$SLUICE" "$@" "$T/one.jsonl"
	eq "usage: $*" "$rc" 2
	check "usage message: $*" has "$T/err" "try 'sluice $1 --help'"
}
usage_err lang --model "$LID" --top-k -1
usage_err lang --model "$LID" --min-score 1.5
usage_err lang --model "$LID" --min-score nan
usage_err lang --model "$LID" --keep xx
usage_err lang --model "$LID" --keep ,
usage_err classify --label hq
usage_err classify --model "$T/sm.bin"
usage_err classify --model "$T/sm.bin" --label nope
usage_err classify --model "$T/sm.bin" --label eng --field 'a"b'
run "$SLUICE" lang --model "$LID" --keep xx "$T/one.jsonl"
eq "unknown language message" "$(head -1 "$T/err")" "sluice lang: --keep: 'xx' is not a label of the model '$LID'"
run "$SLUICE" lang --help
eq "help exit" "$rc" 0
check "help lists --keep" has "$T/out" "--keep"
run "$SLUICE" classify --help
eq "classify help exit" "$rc" 0

done_testing
