/*
 * pytext.h - Python str semantics over valid UTF-8, for rules that must
 * decide exactly as the Python reference (datatrove) does.
 *
 *   len(s)          pt_len: code points, not bytes
 *   s.splitlines()  pt_splitlines: breaks on \n \r \r\n \v \f \x1c \x1d \x1e
 *                   \x85 \u2028 \u2029; a final break adds no empty line
 *   s.split()       pt_split_ws: runs of Unicode whitespace (str.isspace)
 *   s.strip()       pt_lstrip / pt_rstrip: the same whitespace set
 *   c.isalpha()     pt_isalpha: general category L* (utf8proc's tables)
 *   re \w           pt_isword: L*, N* or '_' (Python's str.isalnum() + '_')
 *   s.lower()       pt_lower: utf8proc simple lowercase, plus U+0130 -> "i\u0307"
 *                   (Python's one special case that matters; final sigma is
 *                   not contextual here, which no rule depends on)
 *   s.count(sub)    pt_count: non-overlapping, left to right
 *
 * The Unicode version of utf8proc may differ from the reference Python's
 * for characters assigned recently; that is the only source of drift here.
 * Pure functions over caller memory; thread safe.
 */
#ifndef SLUICE_PYTEXT_H
#define SLUICE_PYTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct pt_span {
	size_t off, len; /* bytes */
};

struct pt_spans {
	struct pt_span *v;
	size_t n, cap;
};

void pt_spans_release(struct pt_spans *s);
int pt_spans_grow_(struct pt_spans *s);
static inline int pt_spans_add(struct pt_spans *s, size_t off, size_t len)
{
	if (s->n == s->cap && pt_spans_grow_(s))
		return -1; /* SL_ENOMEM */
	s->v[s->n].off = off;
	s->v[s->n].len = len;
	s->n++;
	return 0;
}

/* Decode the code point at s[*i] (s valid UTF-8, *i < n) and advance *i. */
static inline uint32_t pt_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	uint32_t c = p[0];
	(void)n;
	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c < 0xe0) {
		*i += 2;
		return ((c & 0x1f) << 6) | (p[1] & 0x3f);
	}
	if (c < 0xf0) {
		*i += 3;
		return ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
	}
	*i += 4;
	return ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
}

/* Below PT_SMALL (the Basic Multilingual Plane: nearly every character of web text),
 * one byte per code point, built once on first use: the general category
 * (utf8proc's number) and flags, for the inline tests of the hot loops.
 * pt_small(c) needs c < PT_SMALL. */
#define PT_SMALL 0x10000
enum { PT_F_CAT = 0x1f, PT_F_LOWERS = 0x20 /* lower() changes it */,
       PT_F_PS = 0x40 /* punctuation or symbol (P*, Sc, So) */,
       PT_F_PSET = 0x80 /* in datatrove's PUNCTUATION_SET */ };
extern unsigned char pt_small_[PT_SMALL];
extern int pt_small_ready_;
void pt_small_init_(void);
static inline unsigned pt_small(uint32_t c)
{
	if (!__atomic_load_n(&pt_small_ready_, __ATOMIC_ACQUIRE))
		pt_small_init_();
	return pt_small_[c];
}

/* The code point that ends at s[end) (end > 0) and where it starts. */
uint32_t pt_prev(const char *s, size_t end, size_t *start);

size_t pt_len(const char *s, size_t n);
int pt_isspace(uint32_t c);
int pt_islinebreak(uint32_t c);
int pt_isalpha(uint32_t c);
int pt_isword(uint32_t c);
/* Unicode punctuation (P*): Python's unicodedata.category(c)[0] == "P",
 * spaCy's Token.is_punct. */
int pt_is_punct(uint32_t c);
/* Unicode punctuation (P*), currency (Sc) or other symbol (So). */
int pt_is_punct_or_symbol(uint32_t c);
/* Whether c is among v[0, n), sorted ascending (a binary search). */
int pt_in_sorted(const uint32_t *v, size_t n, uint32_t c);
/* datatrove's PUNCTUATION_SET (what makes a token a "symbol" for Gopher). */
int pt_in_punctuation_set(uint32_t c);
/* datatrove's TERMINAL_PUNCTUATION (159 sentence-final marks). */
int pt_is_terminal_punct(uint32_t c);

size_t pt_lstrip(const char *s, size_t n);           /* offset of the first kept byte */
size_t pt_rstrip(const char *s, size_t n);           /* length after stripping */
/* s.strip() as a span of s. */
void pt_strip(const char *s, size_t n, size_t *off, size_t *len);

/* Append the spans (appending to out, which is not reset). */
int pt_splitlines(const char *s, size_t n, struct pt_spans *out);
int pt_split_ws(const char *s, size_t n, struct pt_spans *out);

int pt_lower(struct buf *out, const char *s, size_t n);
/* Whether pt_lower(s) is s with only its ASCII capitals lowered (no other
 * character changes), so matching can read s case-folded instead. */
int pt_lower_is_ascii_fold(const char *s, size_t n);
size_t pt_count(const char *s, size_t n, const char *sub, size_t m);
int pt_startswith(const char *s, size_t n, const char *p);
int pt_endswith(const char *s, size_t n, const char *p);

#endif
