/* test_aho.c - the Aho-Corasick automaton against a naive search: random
 * patterns (shared prefixes and suffixes, bytes >= 0x80 and NUL, repeats)
 * over random texts, with and without ASCII folding; and its memory cap. */
#include <stdlib.h>
#include <string.h>

#include "aho.h"
#include "check.h"
#include "error.h"

struct hit {
	uint32_t id;
	size_t start, end;
};

struct hits {
	struct hit *h;
	size_t n, cap;
};

static int on_hit(uint32_t id, size_t start, size_t end, void *ctx)
{
	struct hits *h = ctx;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->h = realloc(h->h, h->cap * sizeof(*h->h));
		if (!h->h)
			abort();
	}
	h->h[h->n++] = (struct hit){ id, start, end };
	return 0;
}

/* stops the scan at the third occurrence */
static int stop_at_3(uint32_t id, size_t start, size_t end, void *ctx)
{
	size_t *n = ctx;
	(void)id;
	(void)start;
	(void)end;
	return ++*n == 3 ? 7 : 0;
}

static int cmp_hit(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* got, sorted, holds the hits of want (sorted) */
static int same_hits(struct hits *got, const struct hits *want)
{
	size_t j;
	if (got->n)
		qsort(got->h, got->n, sizeof(*got->h), cmp_hit);
	for (j = 0; j < got->n && j < want->n && !cmp_hit(&got->h[j], &want->h[j]); j++)
		;
	return got->n == want->n && j == got->n;
}

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* a random byte from one of a few alphabets */
static unsigned char rbyte(int alpha)
{
	static const unsigned char small[] = { 'a', 'b', 'A', 0x80, 0xff, 0x00, 0xc3 };
	switch (alpha) {
	case 0: return small[rnd(sizeof(small))];
	case 1: return (unsigned char)('a' + rnd(3));
	default: return (unsigned char)rnd(256);
	}
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

#define MAXP 60
#define PLEN 12

int main(void)
{
	int round;
	size_t failures = 0;

	for (round = 0; round < 400; round++) {
		char pat[MAXP][PLEN];
		/* texts up to 3000 bytes: aho_scan_any's lanes from ~110 */
		size_t plen[MAXP], np = 1 + rnd(MAXP), tn = rnd(round % 2 ? 400 : 3000), i, j, k;
		int alpha = round % 3, folded = round % 4 == 3;
		char text[3000];
		struct aho *a = aho_new();
		struct hits got = { 0 }, any = { 0 }, want = { 0 };
		CHECK(a != NULL);
		for (i = 0; i < np; i++) {
			plen[i] = 1 + rnd(PLEN);
			if (i && rnd(3) == 0) { /* share a prefix or a suffix with an earlier one */
				size_t o = rnd((unsigned)i), m = plen[o] < plen[i] ? plen[o] : plen[i];
				for (k = 0; k < plen[i]; k++)
					pat[i][k] = (char)rbyte(alpha);
				if (rnd(2))
					memcpy(pat[i], pat[o], m);
				else
					memcpy(pat[i] + plen[i] - m, pat[o] + plen[o] - m, m);
			} else if (i && rnd(8) == 0) { /* the same pattern again */
				size_t o = rnd((unsigned)i);
				plen[i] = plen[o];
				memcpy(pat[i], pat[o], plen[o]);
			} else {
				for (k = 0; k < plen[i]; k++)
					pat[i][k] = (char)rbyte(alpha);
			}
			CHECK(aho_add(a, pat[i], plen[i], (uint32_t)i) == 0);
		}
		CHECK_INT(aho_patterns(a), np);
		CHECK(aho_build(a) == 0);
		if (folded)
			aho_fold_ascii(a);
		for (j = 0; j < tn; j++) /* text: random bytes and pieces of patterns */
			if (rnd(4) == 0 && j + PLEN < tn) {
				i = rnd((unsigned)np);
				memcpy(text + j, pat[i], plen[i]);
				j += plen[i] - 1;
			} else {
				text[j] = (char)rbyte(alpha);
			}
		CHECK(aho_scan(a, text, tn, on_hit, &got) == 0);
		CHECK(aho_scan_any(a, text, tn, on_hit, &any) == 0);
		for (j = 0; j < tn; j++) /* naive: every pattern at every start */
			for (i = 0; i < np; i++) {
				if (j + plen[i] > tn)
					continue;
				for (k = 0; k < plen[i]; k++) {
					unsigned char t = (unsigned char)text[j + k];
					if ((folded ? fold(t) : t) != (unsigned char)pat[i][k])
						break;
				}
				if (k == plen[i])
					on_hit((uint32_t)i, j, j + plen[i], &want);
			}
		/* aho_scan: in the order of the ends */
		for (j = 1; j < got.n && got.h[j - 1].end <= got.h[j].end; j++)
			;
		if (j < got.n) {
			failures++;
			fprintf(stderr, "round %d: hit %zu ends before the one before it\n", round, j);
		}
		if (want.n)
			qsort(want.h, want.n, sizeof(*want.h), cmp_hit);
		if (!same_hits(&got, &want)) {
			failures++;
			fprintf(stderr, "round %d: %zu hits, naive %zu\n", round, got.n, want.n);
		}
		if (!same_hits(&any, &want)) {
			failures++;
			fprintf(stderr, "round %d: aho_scan_any %zu hits, naive %zu\n", round, any.n, want.n);
		}
		{ /* a nonzero return stops either scan, after that call */
			size_t n1 = 0, n2 = 0;
			int rc1 = aho_scan(a, text, tn, stop_at_3, &n1), rc2 = aho_scan_any(a, text, tn, stop_at_3, &n2);
			size_t calls = want.n < 3 ? want.n : 3;
			if (rc1 != (want.n >= 3 ? 7 : 0) || rc2 != rc1 || n1 != calls || n2 != calls) {
				failures++;
				fprintf(stderr, "round %d: stopping: %d %d, %zu %zu calls\n", round, rc1, rc2, n1, n2);
			}
		}
		free(got.h);
		free(any.h);
		free(want.h);
		aho_free(a);
	}
	CHECK_INT(failures, 0);

	/* the cap: a pattern that would take the automaton past it adds nothing */
	{
		struct aho *a = aho_new();
		char w[8];
		size_t added = 0, before;
		int rc = 0;
		aho_set_limit(a, 256 * 1024);
		while (rc == 0 && added < 100000) {
			for (size_t k = 0; k < sizeof(w); k++)
				w[k] = (char)('a' + rnd(26));
			before = aho_bytes(a);
			rc = aho_add(a, w, sizeof(w), (uint32_t)added);
			if (rc == 0)
				added++;
		}
		CHECK_INT(rc, SL_ETOOBIG);
		CHECK(aho_bytes(a) == before && before <= 256 * 1024);
		CHECK_INT(aho_patterns(a), added);
		CHECK(added > 100);
		CHECK(aho_build(a) == 0); /* what was added still works */
		{
			struct hits h = { 0 };
			CHECK(aho_scan(a, w, sizeof(w), on_hit, &h) == 0);
			CHECK_INT(h.n, 0); /* the refused one was not added */
			free(h.h);
		}
		aho_free(a);
	}
	return check_done();
}
