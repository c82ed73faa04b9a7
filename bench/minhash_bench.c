/*
 * minhash_bench.c - MinHash signatures per second on one core, over the
 * documents of a JSONL file held in memory (see bench/dedup.sh):
 *   full:   dd_minhash_sign (simplify_text, shingles, xxh64, 112 permutations)
 *   kernel: dd_minhash_signature over precomputed shingle hashes
 *
 *   minhash_bench FILE.jsonl [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minhash.h"
#include "texts.h"

int main(int argc, char **argv)
{
	struct dd_minhash_cfg cfg = DD_MINHASH_DEFAULTS;
	struct dd_minhash m;
	struct bench_texts tx;
	size_t n, i, bytes, nsig = 0, nsh = 0;
	char **texts;
	size_t *lens;
	uint64_t **sh = NULL, sig[112], sink = 0;
	size_t *shn = NULL;
	double secs = argc > 2 ? atof(argv[2]) : 3, t0, t, full_rate, kern_rate;
	long rounds;

	if (argc < 2) {
		fprintf(stderr, "usage: minhash_bench FILE.jsonl [SECONDS]\n");
		return 2;
	}
	if (bench_texts_load(argv[1], &tx)) {
		perror(argv[1]);
		return 1;
	}
	texts = tx.s;
	lens = tx.len;
	n = tx.n;
	bytes = tx.bytes;
	dd_minhash_init(&m, &cfg);
	sh = calloc(n, sizeof(*sh));
	shn = calloc(n, sizeof(*shn));
	for (i = 0; i < n; i++) {
		dd_minhash_shingles(&m, texts[i], lens[i]);
		shn[i] = m.nsh;
		sh[i] = malloc((m.nsh + 1) * sizeof(uint64_t));
		memcpy(sh[i], m.sh, m.nsh * sizeof(uint64_t));
		nsh += m.nsh;
		nsig += m.nsh > 0;
	}
	t0 = bench_cpu_seconds();
	for (rounds = 0; (t = bench_cpu_seconds() - t0) < secs || rounds == 0; rounds++)
		for (i = 0; i < n; i++)
			if (dd_minhash_sign(&m, texts[i], lens[i], sig) > 0)
				sink += sig[0];
	full_rate = (double)rounds * nsig / t;
	printf("full   %zu docs (%zu with a signature), %.1f MB of text: %.0f signatures/s, %.1f MB/s\n",
	       n, nsig, bytes / 1e6, full_rate, rounds * bytes / t / 1e6);
	t0 = bench_cpu_seconds();
	for (rounds = 0; (t = bench_cpu_seconds() - t0) < secs || rounds == 0; rounds++)
		for (i = 0; i < n; i++)
			if (shn[i]) {
				dd_minhash_signature(&m, sh[i], shn[i], sig);
				sink += sig[1];
			}
	kern_rate = (double)rounds * nsig / t;
	printf("kernel %zu shingles: %.0f signatures/s, %.1f M shingles x 112 permutations/s\n",
	       nsh, kern_rate, rounds * nsh / t / 1e6);
	fprintf(stderr, "(%llu)\n", (unsigned long long)(sink & 1));
	return 0;
}
