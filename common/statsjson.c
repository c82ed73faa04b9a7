/*
 * statsjson.c - parse, merge and write --stats JSON (see statsjson.h).
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "numsketch.h"
#include "statsjson.h"

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct statsjson {
	enum jt t;
	int is_int, b;
	long long i;
	double d;
	char *raw;              /* strings and arrays: the raw JSON, NUL-terminated */
	size_t rawn;
	char **keys;            /* objects */
	size_t *keyn;
	struct statsjson **vals;
	size_t n, cap;
	int src;                /* the input that gave the merge this member: 0 the first */
	int merges;             /* the root of a merge: how many inputs merged into it */
	int was_str;            /* a null that was a string (for the messages) */
};

void statsjson_free(struct statsjson *j)
{
	if (!j)
		return;
	for (size_t k = 0; k < j->n; k++) {
		free(j->keys[k]);
		statsjson_free(j->vals[k]);
	}
	free(j->keys);
	free(j->keyn);
	free(j->vals);
	free(j->raw);
	free(j);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Room for one more member of o. */
static int members_grow(struct statsjson *o)
{
	size_t cap = o->cap ? o->cap * 2 : 16;
	char **k;
	size_t *kn;
	struct statsjson **v;
	if (o->n < o->cap)
		return 0;
	if (!(k = realloc(o->keys, cap * sizeof(*k))))
		return SL_ENOMEM;
	o->keys = k;
	if (!(kn = realloc(o->keyn, cap * sizeof(*kn))))
		return SL_ENOMEM;
	o->keyn = kn;
	if (!(v = realloc(o->vals, cap * sizeof(*v))))
		return SL_ENOMEM;
	o->vals = v;
	o->cap = cap;
	return 0;
}

/* Append the member (k, kn) = v to o, which takes v (freed on failure). */
static int member_add(struct statsjson *o, const char *k, size_t kn, struct statsjson *v)
{
	char *key;
	if (members_grow(o) || !(key = malloc(kn + 1))) {
		statsjson_free(v);
		return SL_ENOMEM;
	}
	memcpy(key, k, kn);
	key[kn] = '\0';
	o->keys[o->n] = key;
	o->keyn[o->n] = kn;
	o->vals[o->n] = v;
	o->n++;
	return 0;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int parse(const char *p, size_t n, int depth, struct statsjson **out, const char **why)
{
	struct statsjson *j;
	struct json_err e;
	const char *after;
	int rc;

	*out = NULL;
	if (depth > STATSJSON_MAX_DEPTH) {
		*why = "objects nested too deep";
		return SL_EFORMAT;
	}
	while (n && is_ws(*p)) {
		p++;
		n--;
	}
	while (n && is_ws(p[n - 1]))
		n--;
	/* one whole JSON value, nothing after it (checked once, at the top:
	 * the members' values are spans of it) */
	if (n == 0 || (depth == 0 && (json_scan_value(p, p, p + n, &after, &e) || after != p + n))) {
		*why = "not valid JSON";
		return SL_EFORMAT;
	}
	if (!(j = calloc(1, sizeof(*j))))
		return SL_ENOMEM;
	if (*p == '{') {
		struct json_iter it;
		struct json_member m;
		j->t = J_OBJ;
		if (json_object_begin(&it, p, p + n, &e)) {
			*why = "not valid JSON";
			rc = SL_EFORMAT;
			goto fail;
		}
		while ((rc = json_object_next(&it, &m, &e)) == 1) {
			struct statsjson *v;
			if ((rc = parse(m.val, m.val_len, depth + 1, &v, why)))
				goto fail;
			if ((rc = member_add(j, m.key, m.key_len, v)))
				goto fail;
		}
		if (rc < 0) {
			*why = "not valid JSON";
			rc = SL_EFORMAT;
			goto fail;
		}
	} else if (*p == '"' || *p == '[') {
		j->t = *p == '"' ? J_STR : J_ARR;
		if (!(j->raw = dup_n(p, n))) {
			rc = SL_ENOMEM;
			goto fail;
		}
		j->rawn = n;
	} else if (*p == 'n') {
		j->t = J_NULL;
	} else if (*p == 't' || *p == 'f') {
		j->t = J_BOOL;
		j->b = *p == 't';
	} else {
		/* a number (json_scan_value checked its syntax) */
		char small[64], *tmp = small, *end;
		/* JSON numbers have no length limit (the %.6f of a large sum
		 * is 300 digits long) */
		if (n >= sizeof(small) && !(tmp = malloc(n + 1))) {
			rc = SL_ENOMEM;
			goto fail;
		}
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		j->t = J_NUM;
		j->is_int = !strpbrk(tmp, ".eE");
		if (j->is_int) {
			j->i = strtoll(tmp, &end, 10);
			/* beyond long long: a double */
			if (j->i == LLONG_MAX || j->i == LLONG_MIN) {
				j->is_int = 0;
				j->d = strtod(tmp, &end);
			}
		} else {
			j->d = strtod(tmp, &end);
		}
		rc = *end || (!j->is_int && !isfinite(j->d));
		if (tmp != small)
			free(tmp);
		if (rc) {
			*why = "a number out of range";
			rc = SL_EFORMAT;
			goto fail;
		}
	}
	*out = j;
	return 0;
fail:
	statsjson_free(j);
	return rc;
}

int statsjson_parse(const char *p, size_t n, struct statsjson **out, const char **why)
{
	int rc = parse(p, n, 0, out, why);
	if (!rc && (*out)->t != J_OBJ) {
		statsjson_free(*out);
		*out = NULL;
		*why = "not a JSON object";
		return SL_EFORMAT;
	}
	return rc;
}

static int key_ends(const char *k, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && !memcmp(k + n - m, suffix, m);
}

static double num(const struct statsjson *j)
{
	return j->is_int ? (double)j->i : j->d;
}

static struct statsjson *find(const struct statsjson *o, const char *k, size_t n)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->keyn[i] == n && !memcmp(o->keys[i], k, n))
			return o->vals[i];
	return NULL;
}

/* A deep copy of j, from input src. */
static int copy(const struct statsjson *j, int src, struct statsjson **out)
{
	struct statsjson *c = calloc(1, sizeof(*c));
	int rc;
	*out = NULL;
	if (!c)
		return SL_ENOMEM;
	c->t = j->t;
	c->is_int = j->is_int;
	c->b = j->b;
	c->i = j->i;
	c->d = j->d;
	c->src = src;
	c->was_str = j->was_str;
	if (j->raw) {
		if (!(c->raw = dup_n(j->raw, j->rawn))) {
			statsjson_free(c);
			return SL_ENOMEM;
		}
		c->rawn = j->rawn;
	}
	for (size_t k = 0; k < j->n; k++) {
		struct statsjson *v;
		if ((rc = copy(j->vals[k], src, &v)) || (rc = member_add(c, j->keys[k], j->keyn[k], v))) {
			statsjson_free(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

/* Numeric arrays of one length add up element by element; anything else
 * keeps a's. */
static int merge_arrays(struct statsjson *a, const struct statsjson *b)
{
	struct buf out = BUF_INIT;
	const char *pa = a->raw + 1, *pb = b->raw + 1;
	int rc = 0;
	if (buf_addch(&out, '['))
		return SL_ENOMEM;
	for (int first = 1;; first = 0) {
		char *ea, *eb;
		double x, y, s;
		while (is_ws(*pa) || *pa == ',')
			pa++;
		while (is_ws(*pb) || *pb == ',')
			pb++;
		if (*pa == ']' && *pb == ']')
			break;
		/* the raw text is valid JSON: only numbers start with - or a digit */
		if (!(*pa == '-' || (*pa >= '0' && *pa <= '9')) || !(*pb == '-' || (*pb >= '0' && *pb <= '9')))
			goto keep;
		x = strtod(pa, &ea);
		y = strtod(pb, &eb);
		s = x + y;
		if (ea == pa || eb == pb || !isfinite(s))
			goto keep;
		if (x == floor(x) && y == floor(y) && fabs(s) < 9e15)
			rc = buf_addf(&out, "%s%.0f", first ? "" : ", ", s);
		else
			rc = buf_addf(&out, "%s%.6g", first ? "" : ", ", s);
		if (rc)
			goto done;
		pa = ea;
		pb = eb;
	}
	if ((rc = buf_addch(&out, ']')))
		goto done;
	free(a->raw);
	a->raw = buf_detach(&out, &a->rawn);
	if (!a->raw)
		rc = SL_ENOMEM;
	goto done;
keep:
	rc = 0;
done:
	buf_release(&out);
	return rc;
}

static const char *type_name(const struct statsjson *j)
{
	static const char *const names[] = { "null", "a boolean", "a number", "a string", "an array", "an object" };
	return j->t == J_NULL && j->was_str ? "a string" : names[j->t];
}

/* Strings in a member that only some inputs have become null, as strings
 * that differ do (nested objects too). */
static void strings_to_null(struct statsjson *j)
{
	if (j->t == J_STR) {
		free(j->raw);
		j->raw = NULL;
		j->rawn = 0;
		j->t = J_NULL;
		j->was_str = 1;
	}
	for (size_t k = 0; j->t == J_OBJ && k < j->n; k++)
		strings_to_null(j->vals[k]);
}

static int is_stage_key(const char *key, size_t keyn)
{
	return key && keyn == 5 && !memcmp(key, "stage", 5);
}

/* Merge b, the input numbered src, into a. */
static int merge(struct statsjson *a, const struct statsjson *b, int src, const char *key, size_t keyn,
		 const char **why, struct statsjson_conflict *c)
{
	if (a->t != b->t) {
		/* null is a string that differed between earlier inputs */
		if ((a->t == J_NULL && b->t == J_STR) || (a->t == J_STR && b->t == J_NULL)) {
			if (is_stage_key(key, keyn)) {
				*why = "the files are the stats of different stages";
				return SL_EFORMAT;
			}
			strings_to_null(a);
			return 0;
		}
		*why = "a member has a different JSON type in another file";
		if (c) {
			c->had = type_name(a);
			c->got = type_name(b);
			c->file = a->src;
		}
		return SL_EFORMAT;
	}
	switch (a->t) {
	case J_NUM: {
		long long sum;
		if (key && keyn == 17 && !memcmp(key, "relative_accuracy", 17)) {
			/* a sketch's parameter: the buckets add up only when it agrees */
			if (num(a) != num(b)) {
				*why = "sketches of different relative accuracy cannot be merged";
				return SL_EFORMAT;
			}
		} else if (key && (key_ends(key, keyn, "min") || key_ends(key, keyn, "max"))) {
			int is_min = key_ends(key, keyn, "min");
			if ((is_min && num(b) < num(a)) || (!is_min && num(b) > num(a))) {
				a->is_int = b->is_int;
				a->i = b->i;
				a->d = b->d;
			}
		} else if (a->is_int && b->is_int && !__builtin_add_overflow(a->i, b->i, &sum)) {
			a->i = sum;
		} else {
			double s = num(a) + num(b);
			/* two finite doubles can still add up to infinity */
			a->d = isfinite(s) ? s : s > 0 ? DBL_MAX : -DBL_MAX;
			a->is_int = 0;
		}
		return 0;
	}
	case J_BOOL:
		if (key && keyn == 8 && !memcmp(key, "complete", 8))
			a->b = a->b && b->b;
		else
			a->b = a->b || b->b;
		return 0;
	case J_STR:
		if (a->rawn != b->rawn || memcmp(a->raw, b->raw, a->rawn)) {
			if (is_stage_key(key, keyn)) {
				*why = "the files are the stats of different stages";
				return SL_EFORMAT;
			}
			/* differing strings (each task's "shard"): none stands for all */
			strings_to_null(a);
		}
		return 0;
	case J_ARR:
		return merge_arrays(a, b);
	case J_OBJ: {
		size_t had = a->n;
		for (size_t i = 0; i < b->n; i++) {
			struct statsjson *x = find(a, b->keys[i], b->keyn[i]), *cp;
			int rc;
			if (x) {
				rc = merge(x, b->vals[i], src, b->keys[i], b->keyn[i], why, c);
				if (rc == SL_EFORMAT && c) {
					/* the dotted path, built from the member outwards
					 * (best effort: only text for the message) */
					struct buf tmp = BUF_INIT;
					buf_add(&tmp, b->keys[i], b->keyn[i]);
					if (c->key.len && !buf_addch(&tmp, '.'))
						(void)buf_add(&tmp, c->key.ptr, c->key.len);
					buf_release(&c->key);
					c->key = tmp;
				}
			} else if (!(rc = copy(b->vals[i], src, &cp))) {
				strings_to_null(cp); /* the inputs before b lack it */
				rc = member_add(a, b->keys[i], b->keyn[i], cp); /* a member only b has */
			}
			if (rc)
				return rc;
		}
		for (size_t i = 0; i < had; i++) /* members b lacks */
			if (!find(b, a->keys[i], a->keyn[i]))
				strings_to_null(a->vals[i]);
		return 0;
	}
	default:
		return 0;
	}
}

static const struct statsjson *stage_of(const struct statsjson *j)
{
	return j->t == J_OBJ ? find(j, "stage", 5) : NULL;
}

const char *statsjson_stage(const struct statsjson *j, size_t *n)
{
	const struct statsjson *s = stage_of(j);
	if (!s || s->t != J_STR)
		return NULL;
	*n = s->rawn;
	return s->raw;
}

int statsjson_merge_ex(struct statsjson *acc, const struct statsjson *b, const char **why,
		       struct statsjson_conflict *c)
{
	int rc;
	if (c) {
		buf_reset(&c->key);
		c->had = c->got = NULL;
		c->file = 0;
	}
	/* a `sluice stats` output (no "stage") and a stage's --stats (with one)
	 * share no counter: merged, they would be a mix of both */
	if (!stage_of(acc) != !stage_of(b)) {
		*why = "a stage's --stats and a `sluice stats` output cannot be merged";
		return SL_EFORMAT;
	}
	/* members only b has are marked as the next input's (for the messages) */
	rc = merge(acc, b, acc->merges + 1, NULL, 0, why, c);
	if (!rc)
		acc->merges++;
	return rc;
}

int statsjson_merge(struct statsjson *acc, const struct statsjson *b, const char **why)
{
	return statsjson_merge_ex(acc, b, why, NULL);
}

/* A summary of numbers (sluice stats --numbers): its "mean" and
 * "quantiles" again, from the merged "sum", "count" and "sketch" (the
 * buckets added up), as one sketch of all the numbers would give them. */
static void fix_numbers(struct statsjson *o, const struct statsjson *sk)
{
	struct statsjson *count = find(o, "count", 5), *sum = find(o, "sum", 3), *mean = find(o, "mean", 4);
	struct statsjson *min = find(o, "min", 3), *max = find(o, "max", 3), *q = find(o, "quantiles", 9);
	const struct statsjson *acc = find(sk, "relative_accuracy", 17), *zero = find(sk, "zero", 4);
	struct numsketch s;
	int ok = 1;

	if (mean && mean->t == J_NUM && sum && sum->t == J_NUM && count && count->t == J_NUM && num(count) > 0) {
		mean->is_int = 0;
		mean->d = num(sum) / num(count);
	}
	if (!q || q->t != J_OBJ || !acc || acc->t != J_NUM || num(acc) != NUMSKETCH_ACCURACY || !min ||
	    min->t != J_NUM || !max || max->t != J_NUM)
		return; /* (another sketch than this build's: its quantiles stay as summed) */
	numsketch_init(&s);
	/* (untrusted: counts must be whole numbers a uint64_t holds) */
#define COUNT_OK(x) ((x) >= 0 && (x) < 1.8e19 && (x) == floor(x))
	if (zero && (zero->t != J_NUM || !COUNT_OK(num(zero))))
		ok = 0;
	else if (zero && num(zero) > 0)
		ok = !numsketch_add_bucket(&s, 0, 0, (uint64_t)num(zero));
	for (int side = 0; side < 2 && ok; side++) {
		const struct statsjson *d = find(sk, side ? "negative" : "positive", 8);
		for (size_t k = 0; ok && d && d->t == J_OBJ && k < d->n; k++) {
			char key[32], *end;
			long idx;
			if (d->keyn[k] >= sizeof(key) || d->vals[k]->t != J_NUM || !COUNT_OK(num(d->vals[k]))) {
				ok = 0;
				break;
			}
			memcpy(key, d->keys[k], d->keyn[k]);
			key[d->keyn[k]] = '\0';
			idx = strtol(key, &end, 10);
			ok = *end == '\0' && end != key && idx >= -1000000 && idx <= 1000000 &&
			     !numsketch_add_bucket(&s, side ? -1 : 1, (int32_t)idx, (uint64_t)num(d->vals[k]));
		}
	}
	s.min = num(min);
	s.max = num(max);
	for (size_t k = 0; ok && k < q->n; k++) {
		/* "pN": the N-th percentile */
		char key[32], *end;
		double p, v;
		if (q->keyn[k] < 2 || q->keyn[k] >= sizeof(key) || q->keys[k][0] != 'p' || q->vals[k]->t != J_NUM)
			continue;
		memcpy(key, q->keys[k] + 1, q->keyn[k] - 1);
		key[q->keyn[k] - 1] = '\0';
		p = strtod(key, &end);
		if (*end || !(p >= 0 && p <= 100) || !isfinite(v = numsketch_quantile(&s, p / 100)))
			continue;
		q->vals[k]->is_int = 0;
		q->vals[k]->d = v;
	}
	numsketch_release(&s);
#undef COUNT_OK
}

/* Derived members: X_mean = X / docs, distinct = |values|, and the mean
 * and quantiles of summaries of numbers. */
static void fix_derived(struct statsjson *o)
{
	struct statsjson *docs, *values, *sk;

	if (o->t != J_OBJ)
		return;
	if ((sk = find(o, "sketch", 6)) && sk->t == J_OBJ)
		fix_numbers(o, sk);
	docs = find(o, "docs", 4);
	values = find(o, "values", 6);
	for (size_t i = 0; i < o->n; i++) {
		struct statsjson *v = o->vals[i];
		if (v->t == J_OBJ) {
			fix_derived(v);
		} else if (v->t == J_NUM && key_ends(o->keys[i], o->keyn[i], "_mean") && docs && docs->t == J_NUM) {
			struct statsjson *tot = find(o, o->keys[i], o->keyn[i] - 5);
			if (tot && tot->t == J_NUM && num(docs) > 0) {
				double m = round(num(tot) / num(docs) * 10) / 10;
				if (isfinite(m)) {
					v->is_int = 0;
					v->d = m;
				}
			}
		} else if (v->t == J_NUM && o->keyn[i] == 8 && !memcmp(o->keys[i], "distinct", 8) && values &&
			   values->t == J_OBJ) {
			v->is_int = 1;
			v->i = (long long)values->n;
		}
	}
}

static int write_value(struct buf *out, const struct statsjson *j, int indent)
{
	int rc = 0;

	switch (j->t) {
	case J_NULL:
		return buf_addstr(out, "null");
	case J_BOOL:
		return buf_addstr(out, j->b ? "true" : "false");
	case J_NUM:
		if (j->is_int)
			return buf_addf(out, "%lld", j->i);
		if (j->d != 0 && fabs(j->d) < 1) {
			/* (ratios, their quantiles: as few digits as read back as
			 * the same double, where 6 decimals would lose them) */
			char tmp[JSON_DOUBLE_MAX];
			return buf_add(out, tmp, (size_t)json_fmt_double(tmp, j->d));
		}
		return buf_addf(out, "%.6f", j->d);
	case J_STR:
	case J_ARR:
		return buf_add(out, j->raw, j->rawn);
	case J_OBJ:
		rc = buf_addch(out, '{');
		for (size_t i = 0; i < j->n && !rc; i++) {
			rc = buf_addf(out, "%s\n%*s\"", i ? "," : "", indent + 2, "");
			rc = rc ? rc : buf_add(out, j->keys[i], j->keyn[i]);
			rc = rc ? rc : buf_addstr(out, "\": ");
			rc = rc ? rc : write_value(out, j->vals[i], indent + 2);
		}
		if (!rc)
			rc = j->n ? buf_addf(out, "\n%*s}", indent, "") : buf_addch(out, '}');
		return rc;
	}
	return 0;
}

int statsjson_write(struct statsjson *acc, int tasks, struct buf *out)
{
	int rc;
	fix_derived(acc);
	rc = buf_addf(out, "{\n  \"tasks\": %d", tasks);
	for (size_t k = 0; k < acc->n && !rc; k++) {
		if (acc->keyn[k] == 5 && !memcmp(acc->keys[k], "tasks", 5))
			continue;
		rc = buf_addstr(out, ",\n  \"");
		rc = rc ? rc : buf_add(out, acc->keys[k], acc->keyn[k]);
		rc = rc ? rc : buf_addstr(out, "\": ");
		rc = rc ? rc : write_value(out, acc->vals[k], 2);
	}
	return rc ? rc : buf_addstr(out, "\n}\n");
}
