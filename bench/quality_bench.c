/*
 * quality_bench - CPU time of sluice quality's pieces on the texts of a
 * JSONL file: the word split alone, then each rule set alone on every text
 * (each after the split, its words shared as in sluice quality), and the
 * four together in sluice quality's order (a text stops at its first
 * failing rule set).  Medians of ROUNDS rounds (default 5), in ns per
 * token of the split and MB/s of text.  Not run by the tests.
 *
 *   build/bench/quality_bench bench/out/quality-20.jsonl [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quality.h"
#include "texts.h"
#include "words.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct bench_texts t;
	struct quality q;
	struct qparams p;
	struct qresult r;
	struct pt_spans w = { 0 };
	struct words_facts f = { 0 };
	int rounds = argc > 2 ? atoi(argv[2]) : 5, k, rule;
	double tm[7][64];
	size_t i, ntok = 0;
	static const char *const names[7] = { "split only", "gopher", "gopher-rep", "c4", "fineweb",
		"split + all four", "(rule sets minus split)" };

	if (argc < 2 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: quality_bench FILE.jsonl [ROUNDS (1-64)]\n");
		return 2;
	}
	if (bench_texts_load(argv[1], &t)) {
		fprintf(stderr, "quality_bench: cannot read %s\n", argv[1]);
		return 1;
	}
	quality_init(&q);
	if (qparams_init(&p))
		return 1;
	for (k = 0; k < rounds; k++) {
		double t0 = bench_cpu_seconds();
		ntok = 0;
		for (i = 0; i < t.n; i++) {
			w.n = 0;
			if (words_split_facts(t.s[i], t.len[i], &w, &f))
				return 1;
			ntok += w.n;
		}
		tm[0][k] = bench_cpu_seconds() - t0;
		for (rule = 0; rule < Q_NRULES; rule++) {
			t0 = bench_cpu_seconds();
			for (i = 0; i < t.n; i++) {
				quality_new_text(&q);
				if (quality_eval(&q, (enum qrule)rule, &p, t.s[i], t.len[i], &r))
					return 1;
			}
			tm[1 + rule][k] = bench_cpu_seconds() - t0;
		}
		t0 = bench_cpu_seconds();
		for (i = 0; i < t.n; i++) {
			const char *s = t.s[i];
			size_t n = t.len[i];
			quality_new_text(&q);
			for (rule = 0; rule < Q_NRULES; rule++) {
				if (quality_eval(&q, (enum qrule)rule, &p, s, n, &r))
					return 1;
				if (r.reason)
					break;
				if (r.rewritten) { /* C4's text: the next rule sets read it */
					s = q.out.ptr;
					n = q.out.len;
					quality_new_text(&q);
				}
			}
		}
		tm[5][k] = bench_cpu_seconds() - t0;
		tm[6][k] = tm[5][k] - tm[0][k];
	}
	printf("%zu texts, %.1f MB, %zu tokens; medians of %d rounds, CPU seconds\n", t.n, (double)t.bytes / 1e6,
	       ntok, rounds);
	for (k = 0; k < 7; k++) {
		double m = median(tm[k], rounds);
		printf("  %-24s %7.3f s  %7.1f MB/s  %6.1f ns/token\n", names[k], m, (double)t.bytes / 1e6 / m,
		       m * 1e9 / (double)ntok);
	}
	qparams_release(&p);
	quality_release(&q);
	free(w.v);
	free(f.v);
	bench_texts_free(&t);
	return 0;
}
