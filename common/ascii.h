/*
 * ascii.h - locale-independent ASCII helpers for protocol text (WARC and
 * HTTP header names, media types, charset labels).  Pure and thread safe.
 */
#ifndef SLUICE_ASCII_H
#define SLUICE_ASCII_H

#include <stddef.h>

static inline int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* a[0, alen) equals the NUL-terminated b, ASCII case-insensitively. */
static inline int ascii_ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (!b[i] || ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return 0;
	return b[alen] == '\0';
}

#endif
