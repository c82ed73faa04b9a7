# scale_lib.sh - shared by tests/cli/scale.sh and tests/cli/slurm.sh (sourced
# after lib.sh): the inputs of the sharded pipeline and the single-process
# reference run of the same stages.

# lid.176.ftz from the shared data, so the tests do not depend on models/
# (sluice ppl's default model does come from models/: tools/get-ppl-model.sh)
export SLUICE_LID_MODEL=${SLUICE_LID_MODEL:-$DATA/langid/lid.176.ftz}

# make_inputs DIR: real documents with exact and near copies (so MinHash has
# work) plus the demo's WARC/WET files; prints the input paths.
make_inputs() {
	local d=$1
	python3 - "$DATA/jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz" "$d" <<'PY'
import gzip, json, random, sys
src, d = sys.argv[1], sys.argv[2]
docs = [json.loads(l) for l in gzip.open(src, "rt", encoding="utf-8")]
rng = random.Random(7)
with open(d + "/a.jsonl", "w", encoding="utf-8") as f:
    for x in docs[:400]:
        f.write(json.dumps({"id": x["id"], "text": x["text"]}, ensure_ascii=False) + "\n")
with open(d + "/b.jsonl", "w", encoding="utf-8") as f:
    for x in docs[400:]:
        f.write(json.dumps({"id": x["id"], "text": x["text"]}, ensure_ascii=False) + "\n")
    for k, x in enumerate(docs[:120]):
        words = x["text"].split(" ")
        if k % 2 and len(words) > 50:
            for _ in range(len(words) // 60):
                words[rng.randrange(len(words))] = "changed"
        f.write(json.dumps({"id": x["id"] + "-copy", "text": " ".join(words)}, ensure_ascii=False) + "\n")
PY
	gzip -c "$d/b.jsonl" > "$d/b.jsonl.gz"
	rm "$d/b.jsonl"
	printf '%s\n' "$d/a.jsonl" "$d/b.jsonl.gz" "$SLUICE_SOURCE_ROOT"/tests/data/demo/*.warc.gz \
		"$SLUICE_SOURCE_ROOT"/tests/data/demo/*.wet.gz
}

# reference OUTDIR INPUT...: the same stages as examples/steps.sh, one process
# each, no sharding, streaming MinHash dedup.
reference() {
	local o=$1
	shift
	local jsonl=() warc=()
	for f in "$@"; do
		case "$f" in *.warc.gz|*.wet.gz) warc+=("$f") ;; *) jsonl+=("$f") ;; esac
	done
	mkdir -p "$o"
	{ "$SLUICE" cat -q "${jsonl[@]}"; "$SLUICE" warc -q "${warc[@]}"; } \
	  | "$SLUICE" lang -q --keep en \
	  | "$SLUICE" quality -q --rules gopher,gopher-rep,c4,fineweb --stats "$o/quality.json" \
	  | "$SLUICE" ppl -q --buckets head:1000,middle:2500 \
	  | "$SLUICE" pii -q \
	  | "$SLUICE" dedup minhash -q --stats "$o/dedup.json" \
	  | "$SLUICE" tok -q --tokenizer cl100k_base --eos \
	  | "$SLUICE" shard -q --format megatron --vocab-size 100277 -o "$o/ref"
}

# docs DIR: the token ids of every document of the shards under DIR, one
# document a line, sorted (Megatron shards keep no ids, so documents are
# compared by content)
docs() {
	local m
	for m in "$1"/*.manifest.json; do
		"$SLUICE" shard cat "${m%.manifest.json}"
	done | python3 -c '
import json, sys
print("\n".join(sorted(json.dumps(json.loads(l)["tokens"]) for l in sys.stdin)))'
}
