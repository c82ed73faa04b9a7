/*
 * numsketch.h - the distribution of a stream of numbers in bounded memory,
 * mergeable across tasks: the count, the sum, the exact minimum and
 * maximum, and quantiles within a relative accuracy.
 *
 * The buckets are DDSketch's (Masson, Rim and Lee, VLDB 2019): with
 * g = (1 + a) / (1 - a), bucket i holds the magnitudes in (g^(i-1), g^i]
 * and stands for 2 g^i / (g + 1), which is within a (relatively) of every
 * magnitude in it.  Zero is counted exactly, negative numbers by their
 * magnitude.  The buckets of a side are one array over the indices seen
 * (a double's magnitudes span fewer than 2^16 buckets at a = 0.01), so two
 * sketches merge by adding their buckets, with the same answers as one
 * sketch of all the numbers.
 */
#ifndef SLUICE_NUMSKETCH_H
#define SLUICE_NUMSKETCH_H

#include <stddef.h>
#include <stdint.h>

#define NUMSKETCH_ACCURACY 0.01

struct numsketch_side {
	int32_t lo;      /* the index of c[0] */
	uint64_t *c;
	size_t n;
};

struct numsketch {
	uint64_t count, zero;
	double sum, min, max;   /* min, max: of the numbers added by numsketch_add */
	struct numsketch_side pos, neg;
};

void numsketch_init(struct numsketch *s);
void numsketch_release(struct numsketch *s);

/* Add a finite number.  0, or SL_EINVAL (not finite: nothing added),
 * SL_ENOMEM. */
int numsketch_add(struct numsketch *s, double x);

/* The bucket of a magnitude > 0, and the magnitude a bucket stands for. */
int32_t numsketch_index(double magnitude);
double numsketch_value(int32_t idx);

/* Add n numbers to bucket idx of one side (sign > 0 positive, < 0
 * negative, 0: zero, idx unused), as a merge does: count goes up by n;
 * sum, min and max are the caller's.  0, SL_EINVAL (an index no double
 * has), SL_ENOMEM. */
int numsketch_add_bucket(struct numsketch *s, int sign, int32_t idx, uint64_t n);

/* The nearest-rank quantile: the number of rank max(1, ceil(p * count))
 * in ascending order, as its bucket stands for it (within the accuracy),
 * kept within [min, max].  0 <= p <= 1; NAN when the sketch is empty. */
double numsketch_quantile(const struct numsketch *s, double p);

#endif
