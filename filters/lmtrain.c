/*
 * lmtrain.c - modified Kneser-Ney estimation; see lmtrain.h.
 *
 * Three phases:
 *   1. count: highest-order n-grams (with <s> padding) in a bounded hash
 *      table, spilled as sorted runs when it fills;
 *   2. adjust: the runs merged in suffix order (last word first) feed a
 *      cascade of group-bys that yields every lower order's adjusted counts
 *      in one pass (the n-grams sharing a suffix are adjacent);
 *   3. estimate: per order, sorted by context, the discounts, gamma and
 *      interpolated probabilities, then ARPA text.
 */
#include "lmtrain.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "error.h"
#include "outstream.h"
#include "strmap.h"

#define ID_UNK 0u
#define ID_BOS 1u
#define ID_EOS 2u

/* ---- vocabulary ---- */

/* The index of word w[0, n), added when new. */
static int vocab_id(struct strmap *v, const char *w, size_t n, uint32_t *id)
{
	int64_t i = strmap_get(v, w, n, 1, NULL);
	*id = 0;
	if (i < 0)
		return (int)i;
	*id = (uint32_t)i;
	return 0;
}

/* ---- records: uint32 ids[n], then a uint64 count, 8-byte aligned ---- */

static size_t rec_stride(int n)
{
	return (((size_t)n * 4 + 7) & ~(size_t)7) + 8;
}

static inline uint64_t *rec_count(unsigned char *r, int n)
{
	return (uint64_t *)(r + (((size_t)n * 4 + 7) & ~(size_t)7));
}

static inline const uint32_t *rec_ids(const unsigned char *r)
{
	return (const uint32_t *)r;
}

/* suffix order: compare the last word first */
static int cmp_suffix(const void *a, const void *b, void *arg)
{
	const uint32_t *x = a, *y = b;
	int n = *(const int *)arg;

	for (int i = n - 1; i >= 0; i--)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* context (prefix) order */
static int cmp_prefix(const void *a, const void *b, void *arg)
{
	const uint32_t *x = a, *y = b;
	int n = *(const int *)arg;

	for (int i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* ---- phase 1: counting ---- */

struct counter {
	int n;
	size_t stride;
	unsigned char *rec;
	size_t nrec, caprec, maxrec;
	uint32_t *index;     /* record + 1 */
	size_t mask;
};

struct lmtrain {
	struct lmt_opts o;
	struct strmap v;
	struct counter c;
	uint32_t *sent;
	size_t sent_cap;
	char **runs;
	size_t nruns;
	struct lmt_report rep;
};

static int counter_init(struct counter *c, int n, size_t memory)
{
	size_t per = rec_stride(n) + 2 * sizeof(uint32_t);
	size_t cap = memory / per, slots = 1024;

	if (cap < 1024)
		cap = 1024;
	if (cap > UINT32_MAX / 4)
		cap = UINT32_MAX / 4;
	c->n = n;
	c->stride = rec_stride(n);
	c->maxrec = cap;
	c->caprec = cap < 65536 ? cap : 65536;
	while (slots < c->caprec * 2)
		slots <<= 1;
	c->rec = malloc(c->caprec * c->stride);
	c->index = calloc(slots, sizeof(uint32_t));
	c->mask = slots - 1;
	c->nrec = 0;
	return c->rec && c->index ? 0 : SL_ENOMEM;
}

static int spill(struct lmtrain *t)
{
	struct counter *c = &t->c;
	char path[4096];
	char **runs;
	FILE *f;
	int fd;

	if (c->nrec == 0)
		return 0;
	qsort_r(c->rec, c->nrec, c->stride, cmp_suffix, &c->n);
	snprintf(path, sizeof(path), "%s/sluice-lmtrain-XXXXXX", t->o.tmpdir ? t->o.tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return SL_EOPEN;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(path);
		return SL_EIO;
	}
	if (fwrite(c->rec, c->stride, c->nrec, f) != c->nrec) {
		fclose(f);
		unlink(path);
		return SL_EIO;
	}
	if (fclose(f)) {
		unlink(path);
		return SL_EIO;
	}
	runs = realloc(t->runs, (t->nruns + 1) * sizeof(*runs));
	if (!runs) {
		unlink(path);
		return SL_ENOMEM;
	}
	t->runs = runs;
	t->runs[t->nruns] = strdup(path);
	if (!t->runs[t->nruns]) {
		unlink(path);
		return SL_ENOMEM;
	}
	t->nruns++;
	t->rep.spills++;
	c->nrec = 0;
	memset(c->index, 0, (c->mask + 1) * sizeof(uint32_t));
	return 0;
}

/* Double the table (records and index) while under the memory budget. */
static int counter_grow(struct counter *c)
{
	size_t cap = c->caprec * 2, slots = (c->mask + 1) * 2, i;
	unsigned char *rec;
	uint32_t *index;

	if (cap > c->maxrec)
		cap = c->maxrec;
	while (slots < cap * 2)
		slots <<= 1;
	rec = realloc(c->rec, cap * c->stride);
	if (!rec)
		return SL_ENOMEM;
	c->rec = rec;
	index = calloc(slots, sizeof(uint32_t));
	if (!index)
		return SL_ENOMEM;
	free(c->index);
	c->index = index;
	c->mask = slots - 1;
	c->caprec = cap;
	for (i = 0; i < c->nrec; i++) {
		size_t j = XXH3_64bits(c->rec + i * c->stride, (size_t)c->n * 4) & c->mask;
		while (c->index[j])
			j = (j + 1) & c->mask;
		c->index[j] = (uint32_t)i + 1;
	}
	return 0;
}

static int count_ngram(struct lmtrain *t, const uint32_t *ids)
{
	struct counter *c = &t->c;
	size_t bytes = (size_t)c->n * 4, j = XXH3_64bits(ids, bytes) & c->mask;
	unsigned char *r;
	int rc;

	while (c->index[j]) {
		r = c->rec + (size_t)(c->index[j] - 1) * c->stride;
		if (memcmp(r, ids, bytes) == 0) {
			(*rec_count(r, c->n))++;
			return 0;
		}
		j = (j + 1) & c->mask;
	}
	if (c->nrec == c->caprec) {
		if (c->caprec < c->maxrec) {
			if ((rc = counter_grow(c)))
				return rc;
		} else if ((rc = spill(t))) {
			return rc;
		}
		j = XXH3_64bits(ids, bytes) & c->mask;
		while (c->index[j])
			j = (j + 1) & c->mask;
	}
	r = c->rec + c->nrec * c->stride;
	memset(r, 0, c->stride);
	memcpy(r, ids, bytes);
	*rec_count(r, c->n) = 1;
	c->index[j] = (uint32_t)++c->nrec;
	return 0;
}

int lmt_new(struct lmtrain **out, const struct lmt_opts *o)
{
	struct lmtrain *t;
	uint32_t id;
	int rc;

	*out = NULL;
	if (o->order < 2 || o->order > LM_MAX_ORDER)
		return SL_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return SL_ENOMEM;
	t->o = *o;
	strmap_init(&t->v, (size_t)1 << 32);
	if ((rc = vocab_id(&t->v, "<unk>", 5, &id)) || (rc = vocab_id(&t->v, "<s>", 3, &id)) ||
	    (rc = vocab_id(&t->v, "</s>", 4, &id)) ||
	    (rc = counter_init(&t->c, o->order, o->memory ? o->memory : (size_t)1 << 30))) {
		lmt_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int lmt_add(struct lmtrain *t, const char *const *w, const size_t *len, size_t n)
{
	int N = t->o.order, rc;
	size_t total = n + (size_t)N, i;

	if (total > t->sent_cap) {
		size_t cap = total * 2;
		uint32_t *s = realloc(t->sent, cap * sizeof(*s));
		if (!s)
			return SL_ENOMEM;
		t->sent = s;
		t->sent_cap = cap;
	}
	for (i = 0; i < (size_t)N - 1; i++)
		t->sent[i] = ID_BOS;
	for (i = 0; i < n; i++) {
		uint32_t id;
		if ((len[i] == 3 && memcmp(w[i], "<s>", 3) == 0) ||
		    (len[i] == 4 && memcmp(w[i], "</s>", 4) == 0) ||
		    (len[i] == 5 && memcmp(w[i], "<unk>", 5) == 0))
			id = ID_UNK; /* the markers are not words of the text */
		else if ((rc = vocab_id(&t->v, w[i], len[i], &id)))
			return rc;
		t->sent[N - 1 + i] = id;
	}
	t->sent[N - 1 + n] = ID_EOS;
	for (i = 0; i <= n; i++)
		if ((rc = count_ngram(t, t->sent + i)))
			return rc;
	t->rep.sentences++;
	t->rep.tokens += n;
	return 0;
}

/* ---- phase 2: merge runs, adjusted counts ---- */

struct order {
	int n;
	size_t stride;
	unsigned char *rec;  /* ids + adjusted count */
	size_t nrec, caprec;
	double *p;           /* interpolated probability */
	float *gamma;        /* as a context; 1 when not a context */
	unsigned char *keep;
	uint64_t *hkey;      /* index: key -> record + 1 */
	uint32_t *hval;
	size_t hmask;
};

static int order_append(struct order *o, const uint32_t *ids, uint64_t count)
{
	unsigned char *r;

	if (o->nrec == o->caprec) {
		size_t cap = o->caprec ? o->caprec * 2 : 4096;
		unsigned char *rec = realloc(o->rec, cap * o->stride);
		if (!rec)
			return SL_ENOMEM;
		o->rec = rec;
		o->caprec = cap;
	}
	if (o->nrec >= UINT32_MAX - 1)
		return SL_ETOOBIG;
	r = o->rec + o->nrec * o->stride;
	memset(r, 0, o->stride);
	memcpy(r, ids, (size_t)o->n * 4);
	*rec_count(r, o->n) = count;
	o->nrec++;
	return 0;
}

/* Real n-grams carry <s> only in their first position. */
static int is_real(const uint32_t *ids, int n)
{
	for (int i = 1; i < n; i++)
		if (ids[i] == ID_BOS)
			return 0;
	return 1;
}

struct group {
	int active;
	uint32_t key[LM_MAX_ORDER];
	uint64_t sum, members;
};

struct cascade {
	int N;
	struct order *ord;          /* [1..N] */
	struct group g[LM_MAX_ORDER + 1]; /* g[n]: the n-gram being gathered */
};

static int cascade_push(struct cascade *cs, int n, const uint32_t *ids, uint64_t value);

/* Emit the finished group of level n (an n-gram and its adjusted count). */
static int cascade_flush(struct cascade *cs, int n)
{
	struct group *g = &cs->g[n];
	uint64_t a;

	if (!g->active)
		return 0;
	g->active = 0;
	a = g->key[0] == ID_BOS ? g->sum : g->members;
	return cascade_push(cs, n, g->key, a);
}

/* An n-gram with its (adjusted) count arrives in suffix order. */
static int cascade_push(struct cascade *cs, int n, const uint32_t *ids, uint64_t value)
{
	int rc;

	if (is_real(ids, n) && (rc = order_append(&cs->ord[n], ids, value)))
		return rc;
	if (n > 1) {
		struct group *g = &cs->g[n - 1];
		if (g->active && memcmp(g->key, ids + 1, (size_t)(n - 1) * 4) != 0 &&
		    (rc = cascade_flush(cs, n - 1)))
			return rc;
		if (!g->active) {
			g->active = 1;
			memcpy(g->key, ids + 1, (size_t)(n - 1) * 4);
			g->sum = g->members = 0;
		}
		g->sum += value;
		g->members++;
	}
	return 0;
}

struct run {
	FILE *f;
	unsigned char *cur;
	int live;
};

static int run_next(struct run *r, size_t stride)
{
	size_t got = fread(r->cur, 1, stride, r->f);

	if (got == stride)
		return 1;
	r->live = 0;
	if (got != 0 || ferror(r->f))
		return SL_EIO;
	return 0;
}

static int heap_less(struct run *runs, const uint32_t *heap, size_t a, size_t b, int *n)
{
	return cmp_suffix(runs[heap[a]].cur, runs[heap[b]].cur, n) < 0;
}

static void heap_down(struct run *runs, uint32_t *heap, size_t len, size_t i, int *n)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < len && heap_less(runs, heap, l, m, n))
			m = l;
		if (r < len && heap_less(runs, heap, r, m, n))
			m = r;
		if (m == i)
			return;
		uint32_t tmp = heap[i];
		heap[i] = heap[m];
		heap[m] = tmp;
		i = m;
	}
}

/* Feed the merged highest-order counts, equal n-grams summed. */
static int merge_runs(struct lmtrain *t, struct cascade *cs)
{
	int N = t->o.order, rc = 0;
	size_t stride = rec_stride(N), k, len = 0;
	struct run *runs = calloc(t->nruns, sizeof(*runs));
	uint32_t *heap = calloc(t->nruns, sizeof(*heap));
	unsigned char *acc = malloc(stride);
	int have = 0;

	if (!runs || !heap || !acc) {
		rc = SL_ENOMEM;
		goto out;
	}
	for (k = 0; k < t->nruns; k++) {
		runs[k].f = fopen(t->runs[k], "rb");
		runs[k].cur = malloc(stride);
		if (!runs[k].f || !runs[k].cur) {
			rc = runs[k].f ? SL_ENOMEM : SL_EOPEN;
			goto out;
		}
		runs[k].live = 1;
		rc = run_next(&runs[k], stride);
		if (rc < 0)
			goto out;
		if (rc)
			heap[len++] = (uint32_t)k;
	}
	rc = 0;
	for (k = len / 2; k-- > 0;)
		heap_down(runs, heap, len, k, &N);
	while (len) {
		struct run *r = &runs[heap[0]];

		if (have && cmp_suffix(acc, r->cur, &N) == 0) {
			*rec_count(acc, N) += *rec_count(r->cur, N);
		} else {
			if (have && (rc = cascade_push(cs, N, rec_ids(acc), *rec_count(acc, N))))
				goto out;
			memcpy(acc, r->cur, stride);
			have = 1;
		}
		rc = run_next(r, stride);
		if (rc < 0)
			goto out;
		if (!rc)
			heap[0] = heap[--len];
		rc = 0;
		heap_down(runs, heap, len, 0, &N);
	}
	if (have)
		rc = cascade_push(cs, N, rec_ids(acc), *rec_count(acc, N));
out:
	if (runs)
		for (k = 0; k < t->nruns; k++) {
			if (runs[k].f)
				fclose(runs[k].f);
			free(runs[k].cur);
		}
	free(runs);
	free(heap);
	free(acc);
	return rc;
}

/* ---- phase 3: estimate ---- */

static uint64_t ids_key(const uint32_t *ids, int n)
{
	uint64_t k = lm_key_start(ids[n - 1]);

	for (int i = n - 2; i >= 0; i--)
		k = lm_key_extend(k, ids[i]);
	return k;
}

static int order_index(struct order *o)
{
	size_t slots = 16, i;

	while (slots < o->nrec * 2 + 1)
		slots <<= 1;
	o->hkey = calloc(slots, sizeof(uint64_t));
	o->hval = calloc(slots, sizeof(uint32_t));
	if (!o->hkey || !o->hval)
		return SL_ENOMEM;
	o->hmask = slots - 1;
	for (i = 0; i < o->nrec; i++) {
		uint64_t k = ids_key(rec_ids(o->rec + i * o->stride), o->n);
		size_t j = k & o->hmask;
		while (o->hkey[j]) {
			if (o->hkey[j] == k)
				return SL_EFORMAT; /* 64-bit key collision */
			j = (j + 1) & o->hmask;
		}
		o->hkey[j] = k;
		o->hval[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* Index of the n-gram ids[0..n) in its order, or SIZE_MAX. */
static size_t order_find(const struct order *o, const uint32_t *ids)
{
	uint64_t k = ids_key(ids, o->n);
	size_t j = k & o->hmask;

	while (o->hkey[j]) {
		if (o->hkey[j] == k)
			return o->hval[j] - 1;
		j = (j + 1) & o->hmask;
	}
	return SIZE_MAX;
}

static int discounts(const struct order *o, int n, const struct lmt_opts *opt,
		     struct lmt_report *rep, float d[4], const char **why)
{
	static char msg[160];
	uint64_t t[5] = { 0 };
	size_t i;
	float y;

	for (i = 0; i < o->nrec; i++) {
		const unsigned char *r = o->rec + i * o->stride;
		uint64_t a = *rec_count((unsigned char *)r, o->n);
		if (n == 1 && (rec_ids(r)[0] == ID_BOS || rec_ids(r)[0] == ID_UNK))
			continue;
		if (a >= 1 && a <= 4)
			t[a]++;
	}
	d[0] = 0;
	for (int j = 1; j <= 3; j++)
		if (t[j] == 0)
			goto bad;
	y = (float)t[1] / ((float)t[1] + 2.0f * (float)t[2]);
	for (int j = 1; j <= 3; j++) {
		d[j] = (float)j - (float)(j + 1) * y * (float)t[j + 1] / (float)t[j];
		if (d[j] < 0 || d[j] > (float)j)
			goto bad;
	}
	return 0;
bad:
	if (!opt->discount_fallback) {
		snprintf(msg, sizeof(msg),
			 "could not estimate the Kneser-Ney discounts of the %d-grams (counts of counts "
			 "%llu %llu %llu %llu): too little or artificial data; --discount-fallback uses 0.5 1 1.5",
			 n, (unsigned long long)t[1], (unsigned long long)t[2], (unsigned long long)t[3],
			 (unsigned long long)t[4]);
		*why = msg;
		return SL_EFORMAT;
	}
	d[0] = 0;
	d[1] = 0.5f;
	d[2] = 1.0f;
	d[3] = 1.5f;
	rep->fallback[n] = 1;
	return 0;
}

static float disc(const float d[4], uint64_t a)
{
	return d[a >= 3 ? 3 : a];
}

/* Sort an order by context, then fill p (and the context's gamma into the
 * order below).  Orders below n are already estimated and indexed. */
static int estimate(struct lmtrain *t, struct order *ord, int n, const float d[4])
{
	struct order *o = &ord[n];
	size_t i = 0, vocab = t->v.n - 1; /* |V| counts <unk>, not <s> */

	o->p = malloc((o->nrec ? o->nrec : 1) * sizeof(double));
	o->gamma = malloc((o->nrec ? o->nrec : 1) * sizeof(float));
	if (!o->p || !o->gamma)
		return SL_ENOMEM;
	for (size_t k = 0; k < o->nrec; k++)
		o->gamma[k] = 1.0f;

	if (n == 1) {
		double denom = 0, num = 0, gamma;
		uint64_t c[4] = { 0 };
		for (i = 0; i < o->nrec; i++) {
			unsigned char *r = o->rec + i * o->stride;
			uint32_t w = rec_ids(r)[0];
			uint64_t a = *rec_count(r, 1);
			if (w == ID_BOS || w == ID_UNK)
				continue;
			denom += (double)a;
			c[a >= 3 ? 3 : a]++;
		}
		for (int j = 1; j <= 3; j++)
			num += (double)d[j] * (double)c[j];
		gamma = denom > 0 ? num / denom : 1.0;
		for (i = 0; i < o->nrec; i++) {
			unsigned char *r = o->rec + i * o->stride;
			uint32_t w = rec_ids(r)[0];
			uint64_t a = *rec_count(r, 1);
			if (w == ID_BOS)
				o->p[i] = 0; /* written as -99 */
			else if (w == ID_UNK || denom == 0)
				o->p[i] = gamma / (double)vocab;
			else
				o->p[i] = ((double)a - disc(d, a)) / denom + gamma / (double)vocab;
		}
		return 0;
	}

	while (i < o->nrec) {
		const uint32_t *ctx = rec_ids(o->rec + i * o->stride);
		size_t j = i, k, hi;
		double denom = 0, num = 0, gamma;
		uint64_t c[4] = { 0 };

		while (j < o->nrec && memcmp(rec_ids(o->rec + j * o->stride), ctx, (size_t)(n - 1) * 4) == 0) {
			unsigned char *r = o->rec + j * o->stride;
			uint64_t a = *rec_count(r, n);
			denom += (double)a;
			if (o->keep[j])
				c[a >= 3 ? 3 : a]++;
			else
				num += (double)a; /* pruned: its whole count backs off */
			j++;
		}
		for (int q = 1; q <= 3; q++)
			num += (double)d[q] * (double)c[q];
		gamma = num / denom;
		hi = order_find(&ord[n - 1], ctx);
		if (hi == SIZE_MAX)
			return SL_EFORMAT; /* a context missing below: cannot happen */
		ord[n - 1].gamma[hi] = (float)gamma;
		for (k = i; k < j; k++) {
			unsigned char *r = o->rec + k * o->stride;
			const uint32_t *ids = rec_ids(r);
			uint64_t a = *rec_count(r, n);
			size_t lo = order_find(&ord[n - 1], ids + 1);
			if (lo == SIZE_MAX)
				return SL_EFORMAT;
			o->p[k] = (o->keep[k] ? ((double)a - disc(d, a)) / denom : 0) + gamma * ord[n - 1].p[lo];
		}
		i = j;
	}
	return 0;
}

/* Decide what pruning keeps, from the highest order down. */
static int prune(struct lmtrain *t, struct order *ord)
{
	int N = t->o.order;

	for (int n = N; n >= 1; n--) {
		struct order *o = &ord[n];
		if (!o->keep) {
			o->keep = malloc(o->nrec ? o->nrec : 1);
			if (!o->keep)
				return SL_ENOMEM;
			memset(o->keep, 0, o->nrec ? o->nrec : 1);
		}
		for (size_t i = 0; i < o->nrec; i++) {
			unsigned char *r = o->rec + i * o->stride;
			uint64_t a = *rec_count(r, n);
			if (n == 1 || t->o.prune[n] == 0 || a > t->o.prune[n])
				o->keep[i] = 1;
			if (o->keep[i] && n > 1) {
				/* its context and its suffix must stay */
				struct order *lo = &ord[n - 1];
				size_t c = order_find(lo, rec_ids(r)), s = order_find(lo, rec_ids(r) + 1);
				if (!lo->keep) {
					lo->keep = calloc(lo->nrec ? lo->nrec : 1, 1);
					if (!lo->keep)
						return SL_ENOMEM;
				}
				if (c == SIZE_MAX || s == SIZE_MAX)
					return SL_EFORMAT;
				lo->keep[c] = lo->keep[s] = 1;
			}
		}
	}
	return 0;
}

static int write_arpa(struct lmtrain *t, struct order *ord, struct outstream *out)
{
	int N = t->o.order, rc;
	struct buf b = BUF_INIT;

	if (t->o.units && strcmp(t->o.units, "words") != 0 &&
	    (rc = buf_addf(&b, "sluice-units: %s\n\n", t->o.units)))
		goto out;
	if ((rc = buf_addstr(&b, "\\data\\\n")))
		goto out;
	for (int n = 1; n <= N; n++) {
		uint64_t kept = 0;
		for (size_t i = 0; i < ord[n].nrec; i++)
			kept += ord[n].keep[i];
		t->rep.counts[n] = kept;
		if ((rc = buf_addf(&b, "ngram %d=%llu\n", n, (unsigned long long)kept)))
			goto out;
	}
	for (int n = 1; n <= N; n++) {
		struct order *o = &ord[n];
		if ((rc = buf_addf(&b, "\n\\%d-grams:\n", n)))
			goto out;
		for (size_t i = 0; i < o->nrec; i++) {
			const uint32_t *ids = rec_ids(o->rec + i * o->stride);
			if (!o->keep[i])
				continue;
			if (n == 1 && ids[0] == ID_BOS)
				rc = buf_addstr(&b, "0"); /* lmplz: p(<s>) = 1, never predicted */
			else
				rc = buf_addf(&b, "%.7g", log10(o->p[i]));
			for (int j = 0; !rc && j < n; j++)
				rc = buf_addf(&b, "%c%s", j ? ' ' : '\t', strmap_str(&t->v, ids[j]));
			if (!rc && n < N)
				rc = buf_addf(&b, "\t%.7g", o->gamma[i] == 1.0f ? 0.0 : log10((double)o->gamma[i]));
			if (!rc)
				rc = buf_addch(&b, '\n');
			if (rc)
				goto out;
			if (b.len > (1 << 20)) {
				if ((rc = outstream_write(out, b.ptr, b.len)))
					goto out;
				buf_reset(&b);
			}
		}
	}
	if ((rc = buf_addstr(&b, "\n\\end\\\n")) || (rc = outstream_write(out, b.ptr, b.len)))
		goto out;
out:
	buf_release(&b);
	return rc;
}

/* Unigrams sorted by id: <unk>, <s>, </s>, then the words as first seen. */
static int fill_unigrams(struct lmtrain *t, struct order *o)
{
	size_t n = t->v.n, i;
	uint64_t *a = calloc(n, sizeof(uint64_t));
	unsigned char *have = calloc(n, 1);
	int rc = 0;

	if (!a || !have) {
		rc = SL_ENOMEM;
		goto out;
	}
	for (i = 0; i < o->nrec; i++) {
		unsigned char *r = o->rec + i * o->stride;
		a[rec_ids(r)[0]] = *rec_count(r, 1);
		have[rec_ids(r)[0]] = 1;
	}
	o->nrec = 0;
	for (i = 0; i < n; i++) {
		uint32_t id = (uint32_t)i;
		if ((rc = order_append(o, &id, i == ID_BOS ? 0 : a[i])))
			goto out;
	}
out:
	free(a);
	free(have);
	return rc;
}

int lmt_finish(struct lmtrain *t, struct outstream *out, struct lmt_report *rep, const char **why)
{
	int N = t->o.order, rc, n;
	struct order ord[LM_MAX_ORDER + 1];
	struct cascade cs;
	float d[LM_MAX_ORDER + 1][4];
	static const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(ord, 0, sizeof(ord));
	memset(&cs, 0, sizeof(cs));
	for (n = 1; n <= N; n++) {
		ord[n].n = n;
		ord[n].stride = rec_stride(n);
	}
	if (t->rep.tokens == 0 && t->rep.sentences == 0) {
		*why = "no text to train on";
		rc = SL_EFORMAT;
		goto out;
	}
	cs.N = N;
	cs.ord = ord;
	if (t->nruns == 0) {
		/* everything fit: sort the table in place */
		struct counter *c = &t->c;
		qsort_r(c->rec, c->nrec, c->stride, cmp_suffix, &c->n);
		for (size_t i = 0; i < c->nrec; i++) {
			unsigned char *r = c->rec + i * c->stride;
			if ((rc = cascade_push(&cs, N, rec_ids(r), *rec_count(r, N))))
				goto out;
		}
	} else {
		/* the last table becomes one more run */
		if ((rc = spill(t)))
			goto out;
		free(t->c.index);
		t->c.index = NULL;
		if ((rc = merge_runs(t, &cs)))
			goto out;
	}
	free(t->c.rec);
	free(t->c.index);
	t->c.rec = NULL;
	t->c.index = NULL;
	for (n = N - 1; n >= 1; n--)
		if ((rc = cascade_flush(&cs, n)))
			goto out;
	if ((rc = fill_unigrams(t, &ord[1])))
		goto out;
	for (n = 1; n <= N; n++) {
		qsort_r(ord[n].rec, ord[n].nrec, ord[n].stride, cmp_prefix, &ord[n].n);
		if ((rc = order_index(&ord[n]))) {
			*why = "two n-grams share a 64-bit key";
			goto out;
		}
	}
	if ((rc = prune(t, ord)))
		goto out;
	for (n = 1; n <= N; n++) {
		if ((rc = discounts(&ord[n], n, &t->o, &t->rep, d[n], why)))
			goto out;
		memcpy(t->rep.discount[n], d[n], sizeof(d[n]));
		if ((rc = estimate(t, ord, n, d[n])))
			goto out;
	}
	rc = write_arpa(t, ord, out);
out:
	for (n = 1; n <= N; n++) {
		free(ord[n].rec);
		free(ord[n].p);
		free(ord[n].gamma);
		free(ord[n].keep);
		free(ord[n].hkey);
		free(ord[n].hval);
	}
	if (rep)
		*rep = t->rep;
	return rc;
}

void lmt_free(struct lmtrain *t)
{
	if (!t)
		return;
	for (size_t k = 0; k < t->nruns; k++) {
		unlink(t->runs[k]);
		free(t->runs[k]);
	}
	free(t->runs);
	free(t->c.rec);
	free(t->c.index);
	free(t->sent);
	strmap_release(&t->v);
	free(t);
}
