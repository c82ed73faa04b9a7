#include "utf8.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "error.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		*cp = ((c & 0x1fu) << 6) | (s[1] & 0x3fu);
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0; /* overlong / surrogate */
		*cp = ((c & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		return 3;
	}
	if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
		return 0;
	if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	*cp = ((c & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
	return 4;
}

size_t utf8_invalid_len(const unsigned char *s, size_t n)
{
	/* The maximal subpart: the lead byte plus the continuation bytes that
	 * could still have been part of a valid sequence. */
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0xc2 || c > 0xf4)
		return 1;
	need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	if (c == 0xe0) lo = 0xa0;
	else if (c == 0xed) hi = 0x9f;
	else if (c == 0xf0) lo = 0x90;
	else if (c == 0xf4) hi = 0x8f;
	for (i = 1; i <= need && i < n; i++) {
		unsigned b = s[i];
		if (b < lo || b > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

size_t utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		size_t k;
		while (i + 8 <= n && !(load64(s + i) & 0x8080808080808080ull))
			i += 8;
		while (i < n && p[i] < 0x80)
			i++;
		if (i >= n)
			break;
		k = utf8_decode(p + i, n - i, &cp);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

int utf8_sanitize(struct buf *out, const char *s, size_t n, size_t *replaced)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		size_t ok = utf8_valid_prefix(s + i, n - i);
		if ((rc = buf_add(out, s + i, ok)))
			return rc;
		i += ok;
		if (i < n) {
			if ((rc = buf_add(out, "\xef\xbf\xbd", 3)))
				return rc;
			i += utf8_invalid_len((const unsigned char *)s + i, n - i);
			if (replaced)
				(*replaced)++;
		}
	}
	return 0;
}

size_t utf8_encode(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every byte that is not a continuation byte (0x80-0xbf, below -64 as a
 * signed byte) starts a code point: counted 16 bytes at a time, the byte
 * counters summed every 255 blocks, before they can wrap. */
size_t utf8_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;

#if defined(__SSE2__)
	while (i + 16 <= n) {
		__m128i acc = _mm_setzero_si128();
		size_t stop = n - i >= 255 * 16 ? i + 255 * 16 : i + ((n - i) & ~(size_t)15);
		for (; i < stop; i += 16) {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			acc = _mm_sub_epi8(acc, _mm_cmpgt_epi8(b, _mm_set1_epi8(-65)));
		}
		acc = _mm_sad_epu8(acc, _mm_setzero_si128());
		count += (size_t)_mm_cvtsi128_si32(acc) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
	}
#endif
	for (; i < n; i++)
		count += ((unsigned char)s[i] & 0xc0) != 0x80;
	return count;
}
