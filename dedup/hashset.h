/*
 * hashset.h - the bounded in-memory indexes of the dedup stages.
 *
 * dd_hashset: open addressing (linear probing, load <= 1/2) from 64-bit
 * keys (already hashes) to 32-bit values, 12 bytes a slot.
 * dd_idlist: the ids (raw JSON values) of kept documents, by number.
 * Both charge their allocations to a struct dd_budget and refuse to grow
 * past it with SL_ETOOBIG, so a stage fails with a clear message instead
 * of swapping or being killed.
 * Not thread safe.
 */
#ifndef SLUICE_DEDUP_HASHSET_H
#define SLUICE_DEDUP_HASHSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct dd_budget {
	size_t used, max;
};

struct dd_hashset {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;        /* cap: a power of two, or 0 */
	int has_zero;         /* key 0 marks empty slots; kept aside */
	uint32_t zero_val;
	struct dd_budget *budget;
};

void dd_hashset_init(struct dd_hashset *h, struct dd_budget *budget);
void dd_hashset_release(struct dd_hashset *h);

/* 1 with *val set when key is present, 0 when absent. */
int dd_hashset_get(const struct dd_hashset *h, uint64_t key, uint32_t *val);

/* Insert key -> val unless key is present.  1 (present; *old set, may be
 * NULL), 0 (inserted), SL_ETOOBIG (the budget would be exceeded),
 * SL_ENOMEM. */
int dd_hashset_put(struct dd_hashset *h, uint64_t key, uint32_t val, uint32_t *old);

struct dd_idlist {
	struct buf ids;       /* raw JSON values, concatenated */
	uint64_t *off;        /* n + 1 offsets into ids */
	size_t n, cap;
	struct dd_budget *budget;
};

void dd_idlist_init(struct dd_idlist *l, struct dd_budget *budget);
void dd_idlist_release(struct dd_idlist *l);
/* Append an id; *index receives its number.  0, SL_ETOOBIG, SL_ENOMEM
 * (also SL_ETOOBIG past 2^32 - 1 ids). */
int dd_idlist_add(struct dd_idlist *l, const char *id, size_t n, uint32_t *index);
static inline const char *dd_idlist_get(const struct dd_idlist *l, uint32_t i, size_t *n)
{
	*n = (size_t)(l->off[i + 1] - l->off[i]);
	return l->ids.ptr + l->off[i];
}

#endif
