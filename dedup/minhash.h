/*
 * minhash.h - MinHash signatures compatible with datatrove's
 * MinhashDedupSignature (REFERENCE.md §5.1), bit for bit with the default
 * settings:
 *
 *   text -> dd_simplify -> words (whitespace-separated tokens) -> n-grams of
 *   n words joined by " " -> xxh64 (seed 0) of the UTF-8 bytes, or the
 *   first 8 bytes of SHA-1 little-endian -> for each permutation j:
 *   (h * a[j] + b[j]) mod (2^61 - 1), the product and sum wrapping mod 2^64
 *   first as numpy's uint64 arithmetic does -> column-wise minimum.
 *
 * a and b come from np.random.RandomState(seed): randint(1, 2^61-1, n)
 * then randint(0, 2^61-1, n).  A document with fewer than n words (or
 * characters, for character shingles) has no signature.
 *
 * The work per document is one pass over the shingles with the signature
 * in cache: no shingles x permutations matrix is ever built.
 * Thread safety: one struct dd_minhash per thread.
 */
#ifndef SLUICE_DEDUP_MINHASH_H
#define SLUICE_DEDUP_MINHASH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "normalize.h"

#define DD_MERSENNE61 ((UINT64_C(1) << 61) - 1)

enum dd_shingle { DD_SHINGLE_WORDS, DD_SHINGLE_CHARS };
enum dd_hash { DD_HASH_XXH64, DD_HASH_SHA1 };

struct dd_minhash_cfg {
	int ngram;            /* words or characters per shingle (5) */
	enum dd_shingle shingle;
	int buckets, rows;    /* bands x hashes per band (14 x 8) */
	uint32_t seed;        /* RandomState seed (1) */
	enum dd_hash hash;
};

#define DD_MINHASH_DEFAULTS { 5, DD_SHINGLE_WORDS, 14, 8, 1, DD_HASH_XXH64 }

struct dd_minhash {
	struct dd_minhash_cfg cfg;
	size_t nperm;         /* buckets * rows */
	uint64_t *a, *b;
	struct dd_norm norm;
	struct buf text;      /* the normalized text of the last document */
	size_t *off;          /* token / code point offsets */
	size_t offcap;
	uint64_t *sh;         /* shingle hashes */
	size_t nsh, shcap;
};

/* 0, SL_EINVAL for out-of-range settings, SL_ENOMEM. */
int dd_minhash_init(struct dd_minhash *m, const struct dd_minhash_cfg *cfg);
void dd_minhash_release(struct dd_minhash *m);
/* Free the scratch that grows with the documents (the permutations stay):
 * after a large document, so that it does not keep that memory. */
void dd_minhash_trim(struct dd_minhash *m);

/* The shingle hashes of s[0, n) (valid UTF-8) into m->sh / m->nsh (in
 * document order, repeats kept).  0 or a negative SL_E* code. */
int dd_minhash_shingles(struct dd_minhash *m, const char *s, size_t n);

/* sig[nperm] = the column-wise minimum over h[0, nh) (nh > 0). */
void dd_minhash_signature(const struct dd_minhash *m, const uint64_t *h, size_t nh, uint64_t *sig);

/* Both: 1 with sig filled, 0 when the text is too short for one shingle,
 * or a negative SL_E* code. */
int dd_minhash_sign(struct dd_minhash *m, const char *s, size_t n, uint64_t *sig);

#endif
