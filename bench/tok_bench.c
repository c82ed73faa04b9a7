/*
 * tok_bench.c - sluice's BPE encoder alone, one thread, on the texts of a
 * JSONL file held in memory: the counterpart of bench/tok_bench.js, which
 * times the npm packages' encode calls alone (reading and JSON parsing not
 * counted on either side).  Each round encodes every text once with a fresh
 * per-thread cache, as `sluice tok` starts; prints
 * "<median CPU seconds> <min CPU seconds> <text bytes> <tokens>".
 *
 *   tok_bench VOCAB FILE.jsonl [ROUNDS]
 *
 * VOCAB: a .tiktoken file of a named encoding (r50k_base, p50k_base,
 * cl100k_base, o200k_base: its pattern is built in) or a tokenizer.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "texts.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int load(struct bpe **b, const char *path)
{
	struct bpe_err err = { 0 };
	size_t n = strlen(path);
	int rc;
	if (n > 9 && !strcmp(path + n - 9, ".tiktoken")) {
		const char *base = strrchr(path, '/');
		char stem[256];
		const struct bpe_named *nm;
		size_t ns = 0;
		base = base ? base + 1 : path;
		snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(base) - 9), base);
		if (!(nm = bpe_named(stem))) {
			fprintf(stderr, "tok_bench: %s: not a named encoding\n", stem);
			return 1;
		}
		while (nm->special_text[ns])
			ns++;
		rc = bpe_load_tiktoken(b, path, nm->pattern, nm->special_text, nm->special_id, ns, &err);
	} else {
		rc = bpe_load_hf(b, path, &err);
	}
	if (rc)
		fprintf(stderr, "tok_bench: %s: %s\n", path, err.msg ? err.msg : "cannot load");
	return rc != 0;
}

int main(int argc, char **argv)
{
	struct bpe *b;
	struct bench_texts tx;
	struct bpe_ids ids = { 0 };
	size_t i, ntok = 0;
	int rounds = argc > 3 ? atoi(argv[3]) : 7, r;
	double *t;

	if (argc < 3 || rounds < 1) {
		fprintf(stderr, "usage: tok_bench VOCAB FILE.jsonl [ROUNDS]\n");
		return 2;
	}
	if (load(&b, argv[1]))
		return 1;
	if (bench_texts_load(argv[2], &tx)) {
		perror(argv[2]);
		return 1;
	}
	if (!(t = calloc((size_t)rounds, sizeof(*t))))
		return 1;
	for (r = 0; r < rounds; r++) {
		struct bpe_work *w;
		double t0;
		size_t k = 0;
		if (bpe_work_new(b, &w))
			return 1;
		t0 = bench_cpu_seconds();
		for (i = 0; i < tx.n; i++) {
			ids.n = 0;
			if (bpe_encode(b, w, tx.s[i], tx.len[i], &ids))
				return 1;
			k += ids.n;
		}
		t[r] = bench_cpu_seconds() - t0;
		ntok = k;
		bpe_work_free(w);
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
	printf("%.4f %.4f %zu %zu\n", t[rounds / 2], t[0], tx.bytes, ntok);
	bench_texts_free(&tx);
	free(t);
	bpe_ids_release(&ids);
	bpe_free(b);
	return 0;
}
