/*
 * bytes_sse.h - classes of 16 bytes at a time (SSE2), for the scanners of
 * filters/: each gives 0xff in the bytes of the class, 0 elsewhere.
 * Include only where __SSE2__ is defined.
 */
#ifndef SLUICE_BYTES_SSE_H
#define SLUICE_BYTES_SSE_H

#include <emmintrin.h>

/* x <= lim, unsigned. */
static inline __m128i le_epu8(__m128i x, int lim)
{
	return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8((char)lim)), x);
}

/* ASCII letters, either case. */
static inline __m128i ascii_letters(__m128i v)
{
	return le_epu8(_mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a')), 25);
}

/* ASCII capitals. */
static inline __m128i ascii_upper(__m128i v)
{
	return le_epu8(_mm_sub_epi8(v, _mm_set1_epi8('A')), 25);
}

static inline __m128i ascii_digits(__m128i v)
{
	return le_epu8(_mm_sub_epi8(v, _mm_set1_epi8('0')), 9);
}

/* The ASCII whitespace of Python's str.split(): 0x09-0x0d, 0x1c-0x20. */
static inline __m128i ascii_spaces(__m128i v)
{
	return _mm_or_si128(le_epu8(_mm_sub_epi8(v, _mm_set1_epi8(0x09)), 4),
			    le_epu8(_mm_sub_epi8(v, _mm_set1_epi8(0x1c)), 4));
}

/* The bytes that may lead a non-ASCII space (U+0085, U+00A0: 0xc2;
 * U+1680, U+2000-U+205F, U+3000: 0xe1-0xe3). */
static inline __m128i space_leads(__m128i v)
{
	return _mm_or_si128(le_epu8(_mm_sub_epi8(v, _mm_set1_epi8((char)0xe1)), 2),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xc2)));
}

#endif
