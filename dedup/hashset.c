/*
 * hashset.c - open-addressing hash set and id list with a memory budget.
 */
#include <stdlib.h>

#include "error.h"
#include "hashset.h"

void dd_hashset_init(struct dd_hashset *h, struct dd_budget *budget)
{
	memset(h, 0, sizeof(*h));
	h->budget = budget;
}

void dd_hashset_release(struct dd_hashset *h)
{
	if (h->budget)
		h->budget->used -= h->cap * (sizeof(uint64_t) + sizeof(uint32_t));
	free(h->keys);
	free(h->vals);
	dd_hashset_init(h, h->budget);
}

static inline size_t slot(uint64_t key, size_t cap)
{
	/* keys are hashes already; the multiply spreads any structure */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (cap - 1);
}

int dd_hashset_get(const struct dd_hashset *h, uint64_t key, uint32_t *val)
{
	size_t i;

	if (!key) {
		if (h->has_zero)
			*val = h->zero_val;
		return h->has_zero;
	}
	if (!h->cap)
		return 0;
	for (i = slot(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->keys[i] == key) {
			*val = h->vals[i];
			return 1;
		}
		if (!h->keys[i])
			return 0;
	}
}

static int rehash(struct dd_hashset *h, size_t cap)
{
	size_t bytes = cap * (sizeof(uint64_t) + sizeof(uint32_t));
	size_t old = h->cap * (sizeof(uint64_t) + sizeof(uint32_t));
	uint64_t *keys;
	uint32_t *vals;
	size_t i, j;

	/* old and new tables live together while rehashing */
	if (h->budget && h->budget->used + bytes > h->budget->max)
		return SL_ETOOBIG;
	keys = calloc(cap, sizeof(*keys));
	vals = malloc(cap * sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return SL_ENOMEM;
	}
	for (i = 0; i < h->cap; i++) {
		if (!h->keys[i])
			continue;
		for (j = slot(h->keys[i], cap); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = h->keys[i];
		vals[j] = h->vals[i];
	}
	free(h->keys);
	free(h->vals);
	h->keys = keys;
	h->vals = vals;
	h->cap = cap;
	if (h->budget)
		h->budget->used = h->budget->used + bytes - old;
	return 0;
}

int dd_hashset_put(struct dd_hashset *h, uint64_t key, uint32_t val, uint32_t *old)
{
	size_t i;
	int rc;

	if (!key) {
		if (h->has_zero) {
			if (old)
				*old = h->zero_val;
			return 1;
		}
		h->has_zero = 1;
		h->zero_val = val;
		return 0;
	}
	if (h->cap) {
		for (i = slot(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
			if (h->keys[i] == key) {
				if (old)
					*old = h->vals[i];
				return 1;
			}
			if (!h->keys[i])
				break;
		}
	}
	if (2 * (h->n + 1) > h->cap) {
		if ((rc = rehash(h, h->cap ? 2 * h->cap : 1024)))
			return rc;
	}
	for (i = slot(key, h->cap); h->keys[i]; i = (i + 1) & (h->cap - 1))
		;
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
	return 0;
}

void dd_idlist_init(struct dd_idlist *l, struct dd_budget *budget)
{
	memset(l, 0, sizeof(*l));
	buf_init(&l->ids, (size_t)1 << 40);
	l->budget = budget;
}

void dd_idlist_release(struct dd_idlist *l)
{
	if (l->budget)
		l->budget->used -= l->ids.cap + l->cap * sizeof(uint64_t);
	buf_release(&l->ids);
	free(l->off);
	dd_idlist_init(l, l->budget);
}

int dd_idlist_add(struct dd_idlist *l, const char *id, size_t n, uint32_t *index)
{
	size_t oldcap = l->ids.cap;
	int rc;

	if (l->n >= UINT32_MAX - 1)
		return SL_ETOOBIG;
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		uint64_t *off;
		if (l->budget && l->budget->used + (cap - l->cap) * sizeof(uint64_t) > l->budget->max)
			return SL_ETOOBIG;
		off = realloc(l->off, cap * sizeof(*off));
		if (!off)
			return SL_ENOMEM;
		if (!l->cap)
			off[0] = 0;
		if (l->budget)
			l->budget->used += (cap - l->cap) * sizeof(uint64_t);
		l->off = off;
		l->cap = cap;
	}
	if (l->budget && l->ids.len + n + 1 > l->ids.cap &&
	    l->budget->used + 2 * (l->ids.len + n + 1) > l->budget->max + oldcap)
		return SL_ETOOBIG;
	if ((rc = buf_add(&l->ids, id, n)))
		return rc;
	if (l->budget)
		l->budget->used += l->ids.cap - oldcap;
	l->off[++l->n] = l->ids.len;
	*index = (uint32_t)(l->n - 1);
	return 0;
}
