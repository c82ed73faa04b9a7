/*
 * array.h - growing a malloc'ed array, the one way every module does it.
 *
 *   if ((rc = ARRAY_GROW(v, cap, n + 1)))
 *           return rc;            // v and cap untouched on failure
 *   v[n++] = x;
 *
 * Capacity is counted in elements and grows geometrically (at least 8,
 * then doubling), so appending is amortized O(1).  Sizes are checked for
 * overflow.  ARRAY_GROW evaluates to 0 or SL_ENOMEM (a GNU statement
 * expression, as the project builds with gnu11).
 */
#ifndef SLUICE_ARRAY_H
#define SLUICE_ARRAY_H

#include <stddef.h>

#include "error.h"

/* p with room for at least need elements (cap updated), or NULL with p and
 * *cap untouched. */
void *array_grow_(void *p, size_t *cap, size_t need, size_t elem);

#define ARRAY_GROW(p, cap, need) \
	({ \
		void *q_ = array_grow_((p), &(cap), (need), sizeof(*(p))); \
		if (q_) \
			(p) = q_; \
		q_ ? 0 : SL_ENOMEM; \
	})

#endif
