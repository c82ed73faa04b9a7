/*
 * mhpool.c - MinHash on the threads of pmap.c (mhpool.h).
 */
#include "mhpool.h"

#include <stdlib.h>

#include "error.h"

int mh_pool_init(struct mh_pool *p, const struct dd_minhash_cfg *cfg, const struct pmap *pm)
{
	size_t nslots = pmap_slots(pm);
	int i, rc;

	p->nperm = (size_t)cfg->buckets * (size_t)cfg->rows;
	p->sig = NULL;
	p->has = NULL;
	if (!(p->mh = calloc((size_t)pm->nthreads, sizeof(*p->mh)))) {
		p->nthreads = 0;
		return SL_ENOMEM;
	}
	p->nthreads = pm->nthreads; /* (released whole or zeroed: both safe) */
	for (i = 0; i < pm->nthreads; i++)
		if ((rc = dd_minhash_init(&p->mh[i], cfg)))
			return rc;
	if (!(p->sig = malloc(nslots * p->nperm * sizeof(*p->sig))) || !(p->has = calloc(nslots, 1)))
		return SL_ENOMEM;
	return 0;
}

void mh_pool_release(struct mh_pool *p)
{
	int i;
	for (i = 0; p->mh && i < p->nthreads; i++)
		dd_minhash_release(&p->mh[i]);
	free(p->mh);
	free(p->sig);
	free(p->has);
	p->mh = NULL;
	p->sig = NULL;
	p->has = NULL;
	p->nthreads = 0;
}

void mh_pool_trim(struct mh_pool *p, int t, size_t n)
{
	if (n > PMAP_BIG_DOC)
		dd_minhash_trim(&p->mh[t]);
}

int mh_pool_sign(void *arg, int t, struct pmap_item *x)
{
	struct mh_pool *p = arg;
	const char *text;
	size_t n;
	int rc;

	x->what = "cannot compute a signature";
	if ((rc = doc_text(&x->d, &text, &n)))
		return rc;
	rc = dd_minhash_sign(&p->mh[t], text, n, p->sig + (size_t)x->slot * p->nperm);
	mh_pool_trim(p, t, n);
	if (rc < 0)
		return rc;
	p->has[x->slot] = (unsigned char)rc;
	return 0;
}

const uint64_t *mh_pool_sig(const struct mh_pool *p, const struct pmap_item *x)
{
	return p->has[x->slot] ? p->sig + (size_t)x->slot * p->nperm : NULL;
}
