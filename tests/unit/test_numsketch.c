/* test_numsketch.c - the quantile sketch against exact nearest-rank
 * quantiles of the same numbers (uniform, log-normal, with zeros and
 * negatives, few distinct values), a sketch merged bucket by bucket against
 * one of all the numbers, and the edges: empty, one number, the extreme
 * doubles, numbers that are not finite. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "numsketch.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const double ps[] = { 0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 };

/* Every quantile of s within the accuracy of the exact one of v[0, n). */
static int within(const struct numsketch *s, double *v, size_t n)
{
	int bad = 0;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		size_t r = (size_t)ceil(ps[k] * (double)n);
		double exact = v[(r ? r : 1) - 1], got = numsketch_quantile(s, ps[k]);
		if (fabs(got - exact) > NUMSKETCH_ACCURACY * fabs(exact) * (1 + 1e-9)) {
			fprintf(stderr, "p %g: %.17g, exact %.17g\n", ps[k], got, exact);
			bad = 1;
		}
	}
	return !bad;
}

#define N 20000

int main(void)
{
	static double v[N];
	int dist;

	for (dist = 0; dist < 5; dist++) {
		struct numsketch s, a, b, m;
		size_t i;
		double sum = 0;
		numsketch_init(&s);
		numsketch_init(&a);
		numsketch_init(&b);
		for (i = 0; i < N; i++) {
			double x;
			switch (dist) {
			case 0: x = unif(); break;                                   /* ratios */
			case 1: x = exp(8 * unif() - 4) * 1000; break;              /* counts, spread */
			case 2: x = unif() < 0.4 ? 0 : unif() * 0.3; break;          /* many zeros */
			case 3: x = unif() < 0.5 ? -exp(6 * unif()) : exp(6 * unif()); break; /* both signs */
			default: x = (double)(int)(unif() * 5); break;               /* few values */
			}
			v[i] = x;
			sum += x;
			CHECK_INT(numsketch_add(&s, x), 0);
			CHECK_INT(numsketch_add(i % 3 ? &a : &b, x), 0);
		}
		CHECK(s.count == N);
		CHECK(fabs(s.sum - sum) <= 1e-9 * fabs(sum) + 1e-9);
		CHECK(within(&s, v, N));
		/* a merge: a's and b's buckets into m, as stats --merge adds them */
		numsketch_init(&m);
		CHECK_INT(numsketch_add_bucket(&m, 0, 0, a.zero + b.zero), 0);
		for (int side = 0; side < 2; side++)
			for (int t = 0; t < 2; t++) {
				const struct numsketch_side *d = side ? (t ? &b.neg : &a.neg) : (t ? &b.pos : &a.pos);
				for (size_t k = 0; k < d->n; k++)
					if (d->c[k])
						CHECK_INT(numsketch_add_bucket(&m, side ? -1 : 1, d->lo + (int32_t)k, d->c[k]), 0);
			}
		m.min = a.min < b.min ? a.min : b.min;
		m.max = a.max > b.max ? a.max : b.max;
		CHECK(m.count == N);
		for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
			CHECK(numsketch_quantile(&m, ps[k]) == numsketch_quantile(&s, ps[k]));
		numsketch_release(&s);
		numsketch_release(&a);
		numsketch_release(&b);
		numsketch_release(&m);
	}

	/* nearest rank: of 1, 2, 3 the rank ceil(p * 3) */
	{
		struct numsketch s;
		numsketch_init(&s);
		for (int x = 3; x >= 1; x--)
			CHECK_INT(numsketch_add(&s, x), 0);
		CHECK(fabs(numsketch_quantile(&s, 0.33) - 1) <= 0.01);
		CHECK(fabs(numsketch_quantile(&s, 0.34) - 2) <= 0.02);
		CHECK(fabs(numsketch_quantile(&s, 0.5) - 2) <= 0.02);
		CHECK(fabs(numsketch_quantile(&s, 0.67) - 3) <= 0.03);
		numsketch_release(&s);
	}

	/* edges */
	{
		struct numsketch s;
		numsketch_init(&s);
		CHECK(isnan(numsketch_quantile(&s, 0.5)));
		CHECK_INT(numsketch_add(&s, NAN), SL_EINVAL);
		CHECK_INT(numsketch_add(&s, INFINITY), SL_EINVAL);
		CHECK(s.count == 0);
		CHECK_INT(numsketch_add(&s, 0.3333), 0); /* one number: itself (min = max) */
		CHECK(numsketch_quantile(&s, 0) == 0.3333 && numsketch_quantile(&s, 1) == 0.3333);
		CHECK_INT(numsketch_add(&s, DBL_MAX), 0);
		CHECK_INT(numsketch_add(&s, -DBL_MAX), 0);
		CHECK_INT(numsketch_add(&s, DBL_TRUE_MIN), 0);
		CHECK_INT(numsketch_add(&s, -DBL_MIN), 0);
		CHECK(s.count == 5);
		CHECK(numsketch_quantile(&s, 0) == -DBL_MAX && numsketch_quantile(&s, 1) == DBL_MAX);
		CHECK(fabs(numsketch_quantile(&s, 0.4) + DBL_MIN) <= NUMSKETCH_ACCURACY * DBL_MIN);
		CHECK(numsketch_quantile(&s, 0.6) > 0 && numsketch_quantile(&s, 0.6) < 1e-300);
		CHECK_INT(numsketch_add_bucket(&s, 1, 1 << 20, 1), SL_EINVAL); /* no double's bucket */
		/* bucket i holds (g^(i-1), g^i] and stands for a value within
		 * the accuracy of both ends */
		{
			int bad = 0;
			double lg = log((1 + NUMSKETCH_ACCURACY) / (1 - NUMSKETCH_ACCURACY));
			for (int32_t i = -35000; i <= 35000; i += 997) {
				double top = exp((double)i * lg), bottom = exp((double)(i - 1) * lg), r = numsketch_value(i);
				bad |= numsketch_index(top * (1 - 1e-9)) != i || numsketch_index(bottom * (1 + 1e-9)) != i;
				bad |= r < top * (1 - NUMSKETCH_ACCURACY) * (1 - 1e-12) ||
				       r > bottom * (1 + NUMSKETCH_ACCURACY) * (1 + 1e-12);
			}
			CHECK(!bad);
		}
		numsketch_release(&s);
	}
	return check_done();
}
