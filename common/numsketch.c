/*
 * numsketch.c - quantiles within a relative accuracy (see numsketch.h).
 */
#include "numsketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* g = (1 + a) / (1 - a); every double's magnitude has its bucket in
 * [-IDX_MAX, IDX_MAX] (about +-37 300 at a = 0.01). */
#define GAMMA ((1 + NUMSKETCH_ACCURACY) / (1 - NUMSKETCH_ACCURACY))
#define IDX_MAX 40000

static double log_gamma(void)
{
	return log(GAMMA); /* (a constant the compiler folds) */
}

void numsketch_init(struct numsketch *s)
{
	memset(s, 0, sizeof(*s));
	s->min = INFINITY;
	s->max = -INFINITY;
}

void numsketch_release(struct numsketch *s)
{
	free(s->pos.c);
	free(s->neg.c);
	numsketch_init(s);
}

int32_t numsketch_index(double magnitude)
{
	double i = ceil(log(magnitude) / log_gamma());
	return (int32_t)(i < -IDX_MAX ? -IDX_MAX : i > IDX_MAX ? IDX_MAX : i);
}

double numsketch_value(int32_t idx)
{
	return 2 * exp((double)idx * log_gamma()) / (GAMMA + 1);
}

/* Room for bucket idx in side d (its array grown to cover it, with some
 * slack on the side it grew). */
static int side_cover(struct numsketch_side *d, int32_t idx)
{
	int32_t lo, hi;
	uint64_t *c;
	if (d->n && idx >= d->lo && idx < d->lo + (int32_t)d->n)
		return 0;
	if (!d->n) {
		lo = idx - 32;
		hi = idx + 32;
	} else {
		int32_t slack = (int32_t)(d->n / 2 < 64 ? 64 : d->n / 2);
		lo = idx < d->lo ? idx - slack : d->lo;
		hi = idx >= d->lo + (int32_t)d->n ? idx + slack : d->lo + (int32_t)d->n - 1;
	}
	if (lo < -IDX_MAX)
		lo = -IDX_MAX;
	if (hi > IDX_MAX)
		hi = IDX_MAX;
	c = calloc((size_t)(hi - lo + 1), sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	if (d->n)
		memcpy(c + (d->lo - lo), d->c, d->n * sizeof(*c));
	free(d->c);
	d->c = c;
	d->lo = lo;
	d->n = (size_t)(hi - lo + 1);
	return 0;
}

int numsketch_add_bucket(struct numsketch *s, int sign, int32_t idx, uint64_t n)
{
	struct numsketch_side *d = sign > 0 ? &s->pos : &s->neg;
	int rc;
	if (sign == 0) {
		s->zero += n;
		s->count += n;
		return 0;
	}
	if (idx < -IDX_MAX || idx > IDX_MAX)
		return SL_EINVAL;
	if ((rc = side_cover(d, idx)))
		return rc;
	d->c[idx - d->lo] += n;
	s->count += n;
	return 0;
}

int numsketch_add(struct numsketch *s, double x)
{
	int rc;
	if (!isfinite(x))
		return SL_EINVAL;
	if (x == 0)
		rc = numsketch_add_bucket(s, 0, 0, 1);
	else
		rc = numsketch_add_bucket(s, x > 0 ? 1 : -1, numsketch_index(fabs(x)), 1);
	if (rc)
		return rc;
	s->sum += x;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	return 0;
}

static double clamp(const struct numsketch *s, double v)
{
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

double numsketch_quantile(const struct numsketch *s, double p)
{
	uint64_t total = s->zero, rank, cum = 0;
	size_t k;
	for (k = 0; k < s->pos.n; k++)
		total += s->pos.c[k];
	for (k = 0; k < s->neg.n; k++)
		total += s->neg.c[k];
	if (!total)
		return NAN;
	p = p < 0 ? 0 : p > 1 ? 1 : p;
	rank = (uint64_t)ceil(p * (double)total);
	if (rank < 1)
		rank = 1;
	/* ascending: the negatives from the largest magnitude, zero, the positives */
	for (k = s->neg.n; k-- > 0;)
		if ((cum += s->neg.c[k]) >= rank)
			return clamp(s, -numsketch_value(s->neg.lo + (int32_t)k));
	if ((cum += s->zero) >= rank)
		return clamp(s, 0);
	for (k = 0; k < s->pos.n; k++)
		if ((cum += s->pos.c[k]) >= rank)
			return clamp(s, numsketch_value(s->pos.lo + (int32_t)k));
	return s->max; /* (not reached: the ranks add up to total) */
}
