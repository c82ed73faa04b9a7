/*
 * mhpool.h - MinHash on the threads of pmap.c: one dd_minhash (its scratch)
 * per thread and a signature per ring slot, for `dedup minhash`, `minhash
 * sign` and `decontam` (which uses only the shingles).
 */
#ifndef SLUICE_MHPOOL_H
#define SLUICE_MHPOOL_H

#include <stdint.h>

#include "minhash.h"
#include "pmap.h"

struct mh_pool {
	struct dd_minhash *mh;        /* one per thread */
	int nthreads;
	size_t nperm;
	uint64_t *sig;                /* nperm per slot */
	unsigned char *has;           /* per slot: the document has a signature
					 (enough words) */
};

/* For pm (nthreads set) and cfg: 0, or SL_ENOMEM; release it either way. */
int mh_pool_init(struct mh_pool *p, const struct dd_minhash_cfg *cfg, const struct pmap *pm);
void mh_pool_release(struct mh_pool *p);

/* The work of thread t on a document: its signature into its slot (none
 * when it is too short).  0, or an SL_ code (x->what says what failed).
 * As pmap.work, arg is the struct mh_pool (or a struct that begins with
 * one). */
int mh_pool_sign(void *arg, int t, struct pmap_item *x);

/* The signature of a signed document, NULL when it has none. */
const uint64_t *mh_pool_sig(const struct mh_pool *p, const struct pmap_item *x);

/* After thread t's work on a document of n bytes of text: a large one's
 * scratch is released (PMAP_BIG_DOC). */
void mh_pool_trim(struct mh_pool *p, int t, size_t n);

#endif
