/*
 * strmap.h - interned byte strings: each distinct string gets the next
 * index (0, 1, ...), kept in one buffer, NUL-terminated (so a string
 * without NUL bytes can be printed with %s).  Open addressing on XXH3;
 * compared byte for byte.  The training code of the n-gram model (words)
 * and of BPE (pieces, tokens) use it.  Not thread safe.
 */
#ifndef SLUICE_STRMAP_H
#define SLUICE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct strmap {
	struct buf bytes;     /* the strings, each followed by a NUL */
	uint32_t *off, *len;  /* by index */
	uint32_t *slot;       /* index + 1; 0: empty */
	size_t n, cap, mask;
};

/* max_bytes caps the strings' buffer (buf_init's limit). */
void strmap_init(struct strmap *m, size_t max_bytes);
void strmap_release(struct strmap *m);

/* The index of s[0, n): when absent, added if add (*added = 1, added may
 * be NULL), else STRMAP_ABSENT (below every SL_E* code).  SL_ENOMEM, or
 * SL_ETOOBIG past 2^31 strings or 4 GB of bytes. */
#define STRMAP_ABSENT (-1000)
int64_t strmap_get(struct strmap *m, const void *s, size_t n, int add, int *added);

static inline const char *strmap_str(const struct strmap *m, uint32_t i)
{
	return m->bytes.ptr + m->off[i];
}

#endif
