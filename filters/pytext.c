/*
 * pytext.c - Python str semantics over valid UTF-8 (see pytext.h).
 */
#include "pytext.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include "bytes_sse.h"
#endif

#include "error.h"
#include "text_tables.h"
#include "utf8.h"

void pt_spans_release(struct pt_spans *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int pt_spans_grow_(struct pt_spans *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct pt_span *v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return SL_ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

uint32_t pt_prev(const char *s, size_t end, size_t *start)
{
	size_t i = end - 1, j;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	*start = i;
	j = i;
	return pt_next(s, end, &j);
}

/* Python's len(): code points, which utf8_count counts 16 bytes at a
 * time. */
size_t pt_len(const char *s, size_t n)
{
	return utf8_count(s, n);
}

int pt_isspace(uint32_t c)
{
	if (c < 0x80)
		return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
	switch (c) {
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	}
	return c >= 0x2000 && c <= 0x200a;
}

/* The table of pytext.h's PT_SMALL code points (the Basic Multilingual
 * Plane: nearly every character of web text), built once (about a
 * millisecond): general category and flags. */
unsigned char pt_small_[PT_SMALL];
int pt_small_ready_;
static pthread_once_t small_once = PTHREAD_ONCE_INIT;


static void small_init(void)
{
	uint32_t c;
	size_t ip = 0, np = sizeof(pt_punctuation_set) / sizeof(pt_punctuation_set[0]);
	for (c = 0; c < PT_SMALL; c++) {
		/* one property look-up per code point (utf8proc_category's), and
		 * utf8proc_tolower only where a lowercase mapping exists */
		const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)c);
		int cat = (int)pr->category;
		unsigned f = (unsigned)cat & PT_F_CAT;
		switch (cat) {
		case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
		case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
		case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SO:
			f |= PT_F_PS;
			break;
		default:
			break;
		}
		while (ip < np && pt_punctuation_set[ip] < c) /* the sorted set, walked along */
			ip++;
		if (ip < np && pt_punctuation_set[ip] == c)
			f |= PT_F_PSET;
		if (c >= 0x80 && (c == 0x130 || (pr->lowercase_seqindex != UINT16_MAX &&
						 utf8proc_tolower((utf8proc_int32_t)c) != (utf8proc_int32_t)c)))
			f |= PT_F_LOWERS;
		pt_small_[c] = (unsigned char)f;
	}
	__atomic_store_n(&pt_small_ready_, 1, __ATOMIC_RELEASE);
}

void pt_small_init_(void)
{
	pthread_once(&small_once, small_init);
}

static inline int category(uint32_t c)
{
	if (c < PT_SMALL)
		return (int)(pt_small(c) & PT_F_CAT);
	return (int)utf8proc_category((utf8proc_int32_t)c);
}

int pt_islinebreak(uint32_t c)
{
	return (c >= 0x0a && c <= 0x0d) || (c >= 0x1c && c <= 0x1e) || c == 0x85 ||
	       c == 0x2028 || c == 0x2029;
}

int pt_isalpha(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	switch (category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
		return 1;
	default:
		return 0;
	}
}

int pt_isword(uint32_t c)
{
	if (c < 0x80)
		return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '_';
	if (pt_isalpha(c))
		return 1;
	switch (category(c)) {
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

int pt_is_punct(uint32_t c)
{
	int cat;
	if (c < 0x80)
		return c > 0x20 && c < 0x7f && strchr("!\"#%&'()*,-./:;?@[\\]_{}", (int)c) != NULL;
	cat = category(c);
	return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

int pt_is_punct_or_symbol(uint32_t c)
{
	if (c < 0x80)
		return c > 0x20 && c < 0x7f && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		       !(c >= '0' && c <= '9');
	if (c < PT_SMALL)
		return (pt_small(c) & PT_F_PS) != 0;
	switch (category(c)) {
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SC: case UTF8PROC_CATEGORY_SO:
		return 1;
	default:
		return 0;
	}
}

int pt_in_sorted(const uint32_t *v, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < c)
			lo = mid + 1;
		else if (v[mid] > c)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

int pt_in_punctuation_set(uint32_t c)
{
	if (c < PT_SMALL)
		return (pt_small(c) & PT_F_PSET) != 0;
	return pt_in_sorted(pt_punctuation_set, sizeof(pt_punctuation_set) / sizeof(pt_punctuation_set[0]), c);
}

int pt_is_terminal_punct(uint32_t c)
{
	if (c < 128)
		return c == '!' || c == '.' || c == '?';
	return pt_in_sorted(pt_terminal_punct, sizeof(pt_terminal_punct) / sizeof(pt_terminal_punct[0]), c);
}

size_t pt_lstrip(const char *s, size_t n)
{
	size_t i = 0, j;
	while (i < n) {
		j = i;
		if (!pt_isspace(pt_next(s, n, &j)))
			break;
		i = j;
	}
	return i;
}

size_t pt_rstrip(const char *s, size_t n)
{
	size_t start;
	while (n > 0) {
		if (!pt_isspace(pt_prev(s, n, &start)))
			break;
		n = start;
	}
	return n;
}

void pt_strip(const char *s, size_t n, size_t *off, size_t *len)
{
	size_t a = pt_lstrip(s, n);
	size_t b = a < n ? a + pt_rstrip(s + a, n - a) : a;
	*off = a;
	*len = b - a;
}

/* The first i >= from that may start a line break (or n): a control byte,
 * or 0xc2 / 0xe2, the lead bytes of U+0085 and U+2028 / U+2029 (in valid
 * UTF-8 these bytes only ever lead a character). */
static size_t skip_to_break(const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
#if defined(__SSE2__)
	for (; i + 16 <= n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		__m128i ctl = le_epu8(b, 0x1f);
		__m128i lead = _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xc2)),
					    _mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xe2)));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, lead));
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && u[i] >= 0x20 && u[i] != 0xc2 && u[i] != 0xe2)
		i++;
	return i;
}

int pt_splitlines(const char *s, size_t n, struct pt_spans *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, j;
	int rc;
	for (;;) {
		unsigned char b;
		i = skip_to_break(s, i, n);
		if (i >= n)
			break;
		b = u[i];
		j = i + 1;
		if (b < 0x20) {
			if (!((b >= 0x0a && b <= 0x0d) || (b >= 0x1c && b <= 0x1e))) {
				i = j;
				continue;
			}
			if (b == '\r' && j < n && u[j] == '\n')
				j++;
		} else if (b == 0xc2) {
			if (!(j < n && u[j] == 0x85)) {
				i = j;
				continue;
			}
			j++;
		} else {
			if (!(j + 1 < n && u[j] == 0x80 && (u[j + 1] == 0xa8 || u[j + 1] == 0xa9))) {
				i = j;
				continue;
			}
			j += 2;
		}
		if ((rc = pt_spans_add(out, start, i - start)))
			return rc;
		start = i = j;
	}
	if (start < n)
		return pt_spans_add(out, start, n - start);
	return 0;
}

static inline int ascii_space(unsigned char b)
{
	return (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x20);
}

int pt_split_ws(const char *s, size_t n, struct pt_spans *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j, start;
	int rc;

	for (;;) {
		/* skip whitespace */
		while (i < n) {
			if (u[i] < 0x80) {
				if (!ascii_space(u[i]))
					break;
				i++;
				continue;
			}
			j = i;
			if (!pt_isspace(pt_next(s, n, &j)))
				break;
			i = j;
		}
		if (i >= n)
			return 0;
		/* a word: printable ASCII runs quickly, the rest by code point */
		start = i;
		while (i < n) {
			while (i < n && u[i] > 0x20 && u[i] < 0x80)
				i++;
			if (i >= n)
				break;
			if (u[i] < 0x80) {
				if (ascii_space(u[i]))
					break;
				i++;
				continue;
			}
			j = i;
			if (pt_isspace(pt_next(s, n, &j)))
				break;
			i = j;
		}
		if ((rc = pt_spans_add(out, start, i - start)))
			return rc;
	}
}

int pt_lower(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int rc = buf_grow(out, n + 8);
	if (rc)
		return rc;
	while (i < n) {
		unsigned char b = u[i];
		if (b < 0x80) {
			/* an ASCII run, lowered straight into the buffer (the
			 * room for all the rest: 16-byte stores while 16 bytes
			 * of text are left) */
			size_t j = i;
			char *dst;
			if ((rc = buf_grow(out, n - i)))
				return rc;
			dst = out->ptr + out->len;
#if defined(__SSE2__)
			while (j + 16 <= n) {
				__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + j));
				unsigned hi = (unsigned)_mm_movemask_epi8(v);
				v = _mm_or_si128(v, _mm_and_si128(ascii_upper(v), _mm_set1_epi8(0x20)));
				_mm_storeu_si128((__m128i *)(void *)(dst + (j - i)), v);
				if (hi) {
					j += (size_t)__builtin_ctz(hi);
					break;
				}
				j += 16;
			}
#endif
			for (; j < n && u[j] < 0x80; j++)
				dst[j - i] = (char)((unsigned)(u[j] - 'A') < 26u ? u[j] | 0x20 : u[j]);
			buf_setlen(out, out->len + (j - i));
			i = j;
		} else {
			size_t i0 = i;
			uint32_t c = pt_next(s, n, &i);
			char enc[8];
			size_t k;
			if (c < PT_SMALL && !(pt_small(c) & PT_F_LOWERS)) { /* (most): as it is */
				if ((rc = buf_add(out, s + i0, i - i0)))
					return rc;
				continue;
			}
			if (c == 0x130) {
				if ((rc = buf_add(out, "i\xcc\x87", 3)))
					return rc;
				continue;
			}
			c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
			k = utf8_encode(c, enc);
			if ((rc = buf_add(out, enc, k)))
				return rc;
		}
	}
	return 0;
}

int pt_lower_is_ascii_fold(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t c;
#if defined(__SSE2__)
		if (i + 16 <= n) {
			unsigned hi = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(u + i)));
			if (!hi) {
				i += 16;
				continue;
			}
			i += (size_t)__builtin_ctz(hi); /* (the first non-ASCII byte) */
		}
#else
		if (i + 8 <= n) {
			uint64_t x;
			memcpy(&x, u + i, 8);
			if (!(x & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
#endif
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		c = pt_next(s, n, &i);
		if (c < PT_SMALL ? (pt_small(c) & PT_F_LOWERS) != 0
				 : utf8proc_tolower((utf8proc_int32_t)c) != (utf8proc_int32_t)c)
			return 0;
	}
	return 1;
}

size_t pt_count(const char *s, size_t n, const char *sub, size_t m)
{
	size_t k = 0;
	const char *p = s, *end = s + n;
	if (m == 0)
		return pt_len(s, n) + 1;
	while ((size_t)(end - p) >= m) {
		const char *q = memmem(p, (size_t)(end - p), sub, m);
		if (!q)
			break;
		k++;
		p = q + m;
	}
	return k;
}

int pt_startswith(const char *s, size_t n, const char *p)
{
	size_t m = strlen(p);
	return n >= m && memcmp(s, p, m) == 0;
}

int pt_endswith(const char *s, size_t n, const char *p)
{
	size_t m = strlen(p);
	return n >= m && memcmp(s + n - m, p, m) == 0;
}
