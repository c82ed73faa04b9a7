/*
 * lmtrain.h - estimate an interpolated modified Kneser-Ney n-gram model, as
 * KenLM's lmplz does, and write it as ARPA text.
 *
 * The estimate (Chen & Goodman 1998; lmplz's choices where they differ):
 *
 *   - every sentence is <s> w1 .. wn </s>; n-grams are counted with <s>
 *     padding, so "<s> w1" and "<s> w1 w2" are ordinary lower-order n-grams
 *   - adjusted counts: the highest order keeps raw counts; a lower-order
 *     n-gram's count is the number of distinct words seen to its left, except
 *     that n-grams beginning with <s> keep their raw counts
 *   - three discounts per order from the counts of counts t1..t4 of the
 *     adjusted counts: Y = t1/(t1+2 t2), Dk = k - (k+1) Y t(k+1)/tk; an order
 *     whose discounts are undefined or out of range is an error unless
 *     fallback discounts are allowed (0.5, 1, 1.5, lmplz's defaults)
 *   - p(w|h) = (a(hw) - D(a(hw))) / sum_v a(hv) + gamma(h) p(w|h'), with
 *     gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3 N3+(h.)) / sum_v a(hv); the
 *     unigrams interpolate with the uniform distribution over the vocabulary
 *     (counting <unk>, not <s>), so <unk> gets gamma / |V|
 *   - pruning (threshold per order, lmplz's --prune): an n-gram of order >= 2
 *     whose adjusted count is at most the threshold is dropped unless a kept
 *     longer n-gram needs it as its context or suffix; its whole count goes
 *     to gamma(h), so every context still sums to 1
 *   - ARPA: log10 probabilities, back-off log10 gamma(h) on every n-gram that
 *     is a context (0 otherwise), <s> with log10 probability 0 (as lmplz writes it; it is never predicted)
 *
 * Memory: the highest-order counts live in a hash table of at most
 * `memory` bytes; when it fills, it is sorted and spilled to a temporary
 * file, and the runs are merged at the end.  The distinct n-grams of all
 * orders (about the size of the model written) are then held in memory
 * for the estimate.
 */
#ifndef SLUICE_LMTRAIN_H
#define SLUICE_LMTRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "lm.h"

struct outstream;

struct lmt_opts {
	int order;                         /* 2..LM_MAX_ORDER */
	uint64_t prune[LM_MAX_ORDER + 1];  /* per order; 0 keeps everything */
	size_t memory;                     /* bytes for the count table */
	const char *tmpdir;                /* spills go here */
	int discount_fallback;
	const char *units;                 /* recorded before \data\ unless "words" */
};

struct lmt_report {
	uint64_t sentences, tokens, spills;
	uint64_t counts[LM_MAX_ORDER + 1]; /* n-grams written per order */
	float discount[LM_MAX_ORDER + 1][4];
	int fallback[LM_MAX_ORDER + 1];
};

struct lmtrain;

int lmt_new(struct lmtrain **out, const struct lmt_opts *o);
/* Add a sentence of n words (pointers and byte lengths). */
int lmt_add(struct lmtrain *t, const char *const *w, const size_t *len, size_t n);
/* Estimate and write ARPA text.  *why gets a reason on SL_EFORMAT. */
int lmt_finish(struct lmtrain *t, struct outstream *out, struct lmt_report *rep, const char **why);
void lmt_free(struct lmtrain *t);

#endif
