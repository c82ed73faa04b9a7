/*
 * sha1.c - a small, portable SHA-1.
 */
#include <string.h>

#include "sha1.h"

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6u;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d; d = c; c = rol(b, 30); b = a; a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void dd_sha1(const void *data, size_t n, unsigned char digest[20])
{
	const unsigned char *p = data;
	uint32_t h[5] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u };
	unsigned char tail[128];
	size_t rest, tl, i;
	uint64_t bits = (uint64_t)n * 8;

	for (i = 0; i + 64 <= n; i += 64)
		block(h, p + i);
	rest = n - i;
	memcpy(tail, p + i, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	memset(tail + rest + 1, 0, tl - rest - 1);
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(h, tail);
	if (tl == 128)
		block(h, tail + 64);
	for (i = 0; i < 5; i++) {
		digest[4 * i] = (unsigned char)(h[i] >> 24);
		digest[4 * i + 1] = (unsigned char)(h[i] >> 16);
		digest[4 * i + 2] = (unsigned char)(h[i] >> 8);
		digest[4 * i + 3] = (unsigned char)h[i];
	}
}

uint64_t dd_sha1_64(const void *data, size_t n)
{
	unsigned char d[20];
	uint64_t v = 0;
	int i;

	dd_sha1(data, n, d);
	for (i = 7; i >= 0; i--)
		v = v << 8 | d[i];
	return v;
}
