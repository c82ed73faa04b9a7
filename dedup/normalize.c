/*
 * normalize.c - datatrove's simplify_text over arrays of code points.
 */
#include <stdlib.h>
#include <utf8proc.h>

#include "error.h"
#include "normalize.h"
#include "utf8.h"

/* datatrove PUNCTUATION (data/reference-datatrove-text.json, 129 code
 * points): a bitmap below 256 and a sorted list above. */
static const uint32_t punct_latin1[8] = {
	0xfffff9ffu, 0xfc00fffeu, 0xf8000001u, 0xf8000001u,
	0xffffffffu, 0x08100800u, 0x00000000u, 0x00000000u,
};
static const uint32_t punct_high[] = {
	0x2013, 0x2014, 0x2019, 0x201c, 0x201d, 0x201e, 0x2026, 0x2236, 0x2501, 0x25ba,
	0x3001, 0x3002, 0x3008, 0x3009, 0x300a, 0x300b, 0x300c, 0x300d, 0x3010, 0x3011,
	0xff01, 0xff05, 0xff08, 0xff09, 0xff0c, 0xff0e, 0xff11, 0xff1a, 0xff1b, 0xff1f,
	0xff5e,
};

static inline int is_punct(uint32_t c)
{
	size_t lo = 0, hi = sizeof(punct_high) / sizeof(punct_high[0]);

	if (c < 256)
		return (punct_latin1[c >> 5] >> (c & 31)) & 1;
	if (c < 0x2013 || c > 0xff5e)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (punct_high[mid] == c)
			return 1;
		if (punct_high[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static inline int is_space(uint32_t c)
{
	if (c < 128)
		return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
	return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int dd_is_space(uint32_t c)
{
	return is_space(c);
}

static inline int is_digit(uint32_t c)
{
	if (c < 128)
		return c >= '0' && c <= '9';
	return utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND;
}

static int is_decimal_sep(uint32_t c)
{
	return c == '.' || c == ',' || c == 0x060c || c == 0x066b || (c >= 0x2396 && c <= 0x2398);
}

/* Python's "cased" and "case-ignorable", approximated with categories. */
static int is_cased(uint32_t c)
{
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT;
}

static int is_case_ignorable(uint32_t c)
{
	utf8proc_category_t k;

	switch (c) {
	case '\'': case '.': case ':': case '^': case '`': case 0xb7: case 0x387: case 0x55f:
	case 0x5f4: case 0x2018: case 0x2019: case 0x2024: case 0x2027: case 0xfe13:
	case 0xfe52: case 0xfe55: case 0xff07: case 0xff0e: case 0xff1a:
		return 1;
	}
	k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
	       k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK;
}

static uint32_t sigma(const uint32_t *s, size_t n, size_t i)
{
	size_t j;
	int fin;

	for (j = i; j > 0 && is_case_ignorable(s[j - 1]); j--)
		;
	fin = j > 0 && is_cased(s[j - 1]);
	if (fin) {
		for (j = i + 1; j < n && is_case_ignorable(s[j]); j++)
			;
		fin = j == n || !is_cased(s[j]);
	}
	return fin ? 0x3c2 : 0x3c3;
}

void dd_norm_init(struct dd_norm *w)
{
	w->a = w->b = NULL;
	w->cap = 0;
}

void dd_norm_release(struct dd_norm *w)
{
	free(w->a);
	free(w->b);
	dd_norm_init(w);
}

static int reserve(struct dd_norm *w, size_t need)
{
	uint32_t *a, *b;
	size_t cap;

	if (need <= w->cap)
		return 0;
	cap = w->cap ? w->cap : 1024;
	while (cap < need)
		cap *= 2;
	a = realloc(w->a, cap * sizeof(*a));
	if (!a)
		return SL_ENOMEM;
	w->a = a;
	b = realloc(w->b, cap * sizeof(*b));
	if (!b)
		return SL_ENOMEM;
	w->b = b;
	w->cap = cap;
	return 0;
}

int dd_simplify(struct dd_norm *w, const char *s, size_t n, unsigned flags, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, na, nb, len;
	int rc;

	/* 1. decode into b (at most n code points; 2n after lowercasing) */
	if ((rc = reserve(w, 2 * n + 16)))
		return rc;
	for (i = 0, nb = 0; i < n;) {
		uint32_t c;
		if (p[i] < 0x80) {
			c = p[i++];
		} else {
			size_t k = utf8_decode(p + i, n - i, &c);
			if (!k) { /* not expected: documents are valid UTF-8 */
				c = 0xfffd;
				k = utf8_invalid_len(p + i, n - i);
			}
			i += k;
		}
		w->b[nb++] = c;
	}
	/* lowercase b -> a */
	for (i = 0, na = 0; i < nb; i++) {
		uint32_t c = w->b[i];
		if (c < 0x80) {
			w->a[na++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		} else if (c == 0x130) {
			w->a[na++] = 'i';
			w->a[na++] = 0x307;
		} else if (c == 0x3a3) {
			w->a[na++] = sigma(w->b, nb, i);
		} else {
			w->a[na++] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
		}
	}
	/* 2, 3 and 4 in one pass, a -> b: numbers to "0", punctuation and
	 * whitespace runs to one " ", stripped */
	for (i = 0, nb = 0; i < na;) {
		uint32_t c = w->a[i];
		if (is_digit(c)) {
			while (i < na && is_digit(w->a[i]))
				i++;
			if (i + 1 < na && is_decimal_sep(w->a[i]) && is_digit(w->a[i + 1])) {
				i++;
				while (i < na && is_digit(w->a[i]))
					i++;
			}
			w->b[nb++] = '0';
			continue;
		}
		i++;
		if (is_punct(c) || is_space(c)) {
			if (nb && w->b[nb - 1] != ' ')
				w->b[nb++] = ' ';
		} else {
			w->b[nb++] = c;
		}
	}
	if (nb && w->b[nb - 1] == ' ')
		nb--;
	/* 5. NFD without Mn, encoded into out; strip again */
	if ((rc = buf_grow(out, 4 * nb + 4)))
		return rc;
	len = out->len;
	{
		char *o = out->ptr + out->len;
		int collapse = flags & DD_NORM_COLLAPSE;

		for (i = 0; i < nb; i++) {
			uint32_t c = w->b[i];
			utf8proc_int32_t d[32];
			utf8proc_ssize_t k, j;
			int boundclass = 0;

			if (c < 0x80) {
				if (c == ' ' && collapse && (o == out->ptr + len || o[-1] == ' '))
					continue;
				*o++ = (char)c;
				continue;
			}
			if (c < 0xc0) {
				d[0] = (utf8proc_int32_t)c;
				k = 1;
			} else {
				k = utf8proc_decompose_char((utf8proc_int32_t)c, d, 32, UTF8PROC_DECOMPOSE, &boundclass);
				if (k < 1 || k > 32) {
					d[0] = (utf8proc_int32_t)c;
					k = 1;
				}
			}
			for (j = 0; j < k; j++) {
				uint32_t e = (uint32_t)d[j];
				if (e >= 0x300 && utf8proc_category(d[j]) == UTF8PROC_CATEGORY_MN)
					continue;
				if (collapse && is_space(e)) {
					if (o > out->ptr + len && o[-1] != ' ')
						*o++ = ' ';
					continue;
				}
				if ((size_t)(o - out->ptr) + 4 > out->cap - 1) {
					/* decompositions grew past 4 bytes a code point */
					buf_setlen(out, (size_t)(o - out->ptr));
					if ((rc = buf_grow(out, 4 * (nb - i) + 4 * (size_t)k + 4)))
						return rc;
					o = out->ptr + out->len;
				}
				o += utf8_encode(e, o);
			}
		}
		buf_setlen(out, (size_t)(o - out->ptr));
	}
	/* strip both ends (whitespace may have been uncovered by dropping Mn) */
	{
		size_t start = len, end = out->len, k;
		while (start < end) {
			uint32_t c;
			size_t m = utf8_decode((const unsigned char *)out->ptr + start, end - start, &c);
			if (!m || !is_space(c))
				break;
			start += m;
		}
		while (end > start) {
			size_t b = end - 1;
			uint32_t c;
			while (b > start && ((unsigned char)out->ptr[b] & 0xc0) == 0x80)
				b--;
			if (!utf8_decode((const unsigned char *)out->ptr + b, end - b, &c) || !is_space(c))
				break;
			end = b;
		}
		if (start > len) {
			for (k = 0; start + k < end; k++)
				out->ptr[len + k] = out->ptr[start + k];
			end -= start - len;
		}
		buf_setlen(out, end);
	}
	return 0;
}
