/*
 * nprandom.h - numpy's legacy np.random.RandomState(seed), bit for bit, for
 * the one use MinHash needs: randint(low, high, size, dtype=uint64).
 *
 * MT19937 seeded as numpy does for an integer seed (init_genrand, the
 * "mt19937_seed" of numpy/random/src/mt19937), 64-bit draws as two 32-bit
 * outputs (high word first), and RandomState's bounded integers: masked
 * rejection sampling, with single 32-bit draws when the range fits in 32
 * bits (numpy's random_bounded_uint64_fill with use_masked).
 */
#ifndef SLUICE_DEDUP_NPRANDOM_H
#define SLUICE_DEDUP_NPRANDOM_H

#include <stddef.h>
#include <stdint.h>

struct np_mt19937 {
	uint32_t key[624];
	int pos;
};

/* RandomState(seed) for 0 <= seed < 2^32. */
void np_mt19937_seed(struct np_mt19937 *st, uint32_t seed);
uint32_t np_mt19937_next32(struct np_mt19937 *st);
uint64_t np_mt19937_next64(struct np_mt19937 *st);

/* randint(low, high, size=n, dtype=np.uint64): n values in [low, high);
 * high > low. */
void np_randint_u64(struct np_mt19937 *st, uint64_t low, uint64_t high, size_t n, uint64_t *out);

#endif
