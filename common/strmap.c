/*
 * strmap.c - interned byte strings (see strmap.h).
 */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "error.h"
#include "strmap.h"

void strmap_init(struct strmap *m, size_t max_bytes)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->bytes, max_bytes);
}

void strmap_release(struct strmap *m)
{
	buf_release(&m->bytes);
	free(m->off);
	free(m->len);
	free(m->slot);
	m->off = m->len = m->slot = NULL;
	m->n = m->cap = m->mask = 0;
}

/* Twice the strings, and a table of twice that many slots (at most 3/8
 * full). */
static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024, i;
	uint32_t *off = realloc(m->off, cap * sizeof(*off)), *len, *slot;

	if (!off)
		return SL_ENOMEM;
	m->off = off;
	if (!(len = realloc(m->len, cap * sizeof(*len))))
		return SL_ENOMEM;
	m->len = len;
	if (!(slot = calloc(cap * 2, sizeof(*slot))))
		return SL_ENOMEM;
	free(m->slot);
	m->slot = slot;
	m->mask = cap * 2 - 1;
	m->cap = cap;
	for (i = 0; i < m->n; i++) {
		size_t j = XXH3_64bits(m->bytes.ptr + m->off[i], m->len[i]) & m->mask;
		while (m->slot[j])
			j = (j + 1) & m->mask;
		m->slot[j] = (uint32_t)i + 1;
	}
	return 0;
}

int64_t strmap_get(struct strmap *m, const void *s, size_t n, int add, int *added)
{
	size_t j;

	if (added)
		*added = 0;
	if (m->n + 1 > m->cap * 3 / 4 && grow(m))
		return SL_ENOMEM;
	j = XXH3_64bits(s, n) & m->mask;
	while (m->slot[j]) {
		uint32_t i = m->slot[j] - 1;
		if (m->len[i] == n && memcmp(m->bytes.ptr + m->off[i], s, n) == 0)
			return i;
		j = (j + 1) & m->mask;
	}
	if (!add)
		return STRMAP_ABSENT;
	if (m->n >= UINT32_MAX / 2 || m->bytes.len >= UINT32_MAX - n - 1)
		return SL_ETOOBIG;
	m->off[m->n] = (uint32_t)m->bytes.len;
	m->len[m->n] = (uint32_t)n;
	if (buf_add(&m->bytes, s, n) || buf_addch(&m->bytes, '\0'))
		return SL_ENOMEM;
	m->slot[j] = (uint32_t)m->n + 1;
	if (added)
		*added = 1;
	return (int64_t)m->n++;
}
