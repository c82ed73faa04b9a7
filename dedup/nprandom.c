/*
 * nprandom.c - numpy's MT19937 and RandomState.randint(dtype=uint64).
 */
#include "nprandom.h"

#define MT_N 624
#define MT_M 397

void np_mt19937_seed(struct np_mt19937 *st, uint32_t seed)
{
	int i;

	for (i = 0; i < MT_N; i++) {
		st->key[i] = seed;
		seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1;
	}
	st->pos = MT_N;
}

static void mt_refill(struct np_mt19937 *st)
{
	uint32_t *k = st->key, y;
	int i;

	for (i = 0; i < MT_N - MT_M; i++) {
		y = (k[i] & 0x80000000u) | (k[i + 1] & 0x7fffffffu);
		k[i] = k[i + MT_M] ^ (y >> 1) ^ (-(y & 1) & 0x9908b0dfu);
	}
	for (; i < MT_N - 1; i++) {
		y = (k[i] & 0x80000000u) | (k[i + 1] & 0x7fffffffu);
		k[i] = k[i + (MT_M - MT_N)] ^ (y >> 1) ^ (-(y & 1) & 0x9908b0dfu);
	}
	y = (k[MT_N - 1] & 0x80000000u) | (k[0] & 0x7fffffffu);
	k[MT_N - 1] = k[MT_M - 1] ^ (y >> 1) ^ (-(y & 1) & 0x9908b0dfu);
	st->pos = 0;
}

uint32_t np_mt19937_next32(struct np_mt19937 *st)
{
	uint32_t y;

	if (st->pos == MT_N)
		mt_refill(st);
	y = st->key[st->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

uint64_t np_mt19937_next64(struct np_mt19937 *st)
{
	uint64_t hi = np_mt19937_next32(st);
	return hi << 32 | np_mt19937_next32(st);
}

/* The smallest all-ones mask covering max (numpy's gen_mask). */
static uint64_t gen_mask(uint64_t max)
{
	uint64_t mask = max;
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	mask |= mask >> 8;
	mask |= mask >> 16;
	mask |= mask >> 32;
	return mask;
}

void np_randint_u64(struct np_mt19937 *st, uint64_t low, uint64_t high, size_t n, uint64_t *out)
{
	uint64_t rng = high - 1 - low, mask = gen_mask(rng), v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rng == 0) {
			out[i] = low;
		} else if (rng <= 0xffffffffu) {
			if (rng == 0xffffffffu) {
				out[i] = low + np_mt19937_next32(st);
			} else {
				do
					v = np_mt19937_next32(st) & mask;
				while (v > rng);
				out[i] = low + v;
			}
		} else if (rng == UINT64_MAX) {
			out[i] = low + np_mt19937_next64(st);
		} else {
			do
				v = np_mt19937_next64(st) & mask;
			while (v > rng);
			out[i] = low + v;
		}
	}
}
