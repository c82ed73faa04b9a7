/*
 * stats.c - describe a document stream: counts, bytes, text lengths and
 * the values of chosen fields (metadata.language, source, ...), as JSON.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "array.h"
#include "builtin.h"
#include "error.h"
#include "msg.h"
#include "numsketch.h"
#include "stage.h"
#include "strmap.h"
#include "utf8.h"

/* Distinct values remembered per field; the rest are counted as "(other)". */
#define MAX_DISTINCT 100000
#define NBUCKETS 32

struct value_count {
	char *val; /* raw JSON value */
	size_t len;
	uint64_t n;
	uint64_t hash;
};

struct field_stats {
	const char *path;
	struct value_count *tab; /* open addressing, power-of-two size */
	size_t cap, used;
	uint64_t present, absent, other;
};

static int field_add(struct field_stats *f, const char *val, size_t len)
{
	uint64_t h = XXH3_64bits(val, len);
	size_t i;

	if (f->used * 2 >= f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64, j;
		struct value_count *t;
		if (f->used >= MAX_DISTINCT) {
			/* known values still count; only new ones overflow */
			for (i = h & (f->cap - 1); f->tab[i].val; i = (i + 1) & (f->cap - 1))
				if (f->tab[i].hash == h && f->tab[i].len == len && !memcmp(f->tab[i].val, val, len)) {
					f->tab[i].n++;
					return 0;
				}
			f->other++;
			return 0;
		}
		t = calloc(nc, sizeof(*t));
		if (!t)
			return SL_ENOMEM;
		for (j = 0; j < f->cap; j++) {
			if (!f->tab[j].val)
				continue;
			for (i = f->tab[j].hash & (nc - 1); t[i].val; i = (i + 1) & (nc - 1))
				;
			t[i] = f->tab[j];
		}
		free(f->tab);
		f->tab = t;
		f->cap = nc;
	}
	for (i = h & (f->cap - 1); f->tab[i].val; i = (i + 1) & (f->cap - 1))
		if (f->tab[i].hash == h && f->tab[i].len == len && !memcmp(f->tab[i].val, val, len)) {
			f->tab[i].n++;
			return 0;
		}
	f->tab[i].val = malloc(len + 1);
	if (!f->tab[i].val)
		return SL_ENOMEM;
	memcpy(f->tab[i].val, val, len);
	f->tab[i].val[len] = '\0';
	f->tab[i].len = len;
	f->tab[i].n = 1;
	f->tab[i].hash = h;
	f->used++;
	return 0;
}

/* The numbers at a --numbers PATH, or at one member of the object there
 * (the members in the order first seen). */
struct num_stats {
	size_t parent;          /* which --numbers PATH */
	char *path;             /* PATH, or PATH.member (the key decoded) */
	char *key;              /* the member's raw key (NULL: PATH itself) */
	size_t keylen;
	struct numsketch s;
	uint64_t other;         /* there, but not a finite number */
};

/* At most this many summaries in a list, and in all lists (the groups'
 * too): the values of members past them (an object with ever new keys)
 * are counted as skipped, not summarized, so memory stays bounded (a
 * summary takes about 1 KB). */
#define MAX_NUM_PATHS 10000
#define MAX_NUM_TOTAL 100000
static size_t num_total;

struct num_list {
	struct num_stats *v;    /* in the order first seen */
	size_t n, cap;
	size_t hint;            /* the entry after the last one found */
	struct strmap ids;      /* "parent:key" -> index in v (ids_ok: made) */
	int ids_ok;
	struct buf tmp;
	uint64_t skipped;
};

static int num_match(const struct num_stats *e, size_t parent, const char *key, size_t keylen)
{
	return e->parent == parent && (key ? e->key && e->keylen == keylen && !memcmp(e->key, key, keylen) : !e->key);
}

/* The entry of member key (raw; NULL: the path itself) of --numbers
 * paths[parent] in *out, made when new (NULL: past MAX_NUM_PATHS, counted
 * as skipped).  0 or SL_ENOMEM. */
static int num_entry(struct num_list *l, const char *const *paths, size_t parent, const char *key, size_t keylen,
		     struct num_stats **out)
{
	struct num_stats *e;
	struct buf path = BUF_INIT;
	int64_t id;
	int added = 0;
	/* members come in the same order in most documents: the next one first */
	if (l->hint < l->n && num_match(&l->v[l->hint], parent, key, keylen)) {
		*out = &l->v[l->hint++];
		return 0;
	}
	if (!l->ids_ok) {
		strmap_init(&l->ids, 0);
		buf_init(&l->tmp, 0);
		l->ids_ok = 1;
	}
	buf_reset(&l->tmp);
	if (buf_addf(&l->tmp, "%zu:%c", parent, key ? 'k' : 'n') || (key && buf_add(&l->tmp, key, keylen)))
		return SL_ENOMEM;
	id = strmap_get(&l->ids, l->tmp.ptr, l->tmp.len, l->n < MAX_NUM_PATHS && num_total < MAX_NUM_TOTAL, &added);
	if (id == STRMAP_ABSENT) {
		l->skipped++;
		*out = NULL;
		return 0;
	}
	if (id < 0)
		return SL_ENOMEM;
	if (!added) {
		l->hint = (size_t)id + 1;
		*out = &l->v[id];
		return 0;
	}
	/* (a new id is the next index: ids and entries are made together) */
	if (ARRAY_GROW(l->v, l->cap, l->n + 1))
		return SL_ENOMEM;
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if (buf_addstr(&path, paths[parent]) ||
	    (key && (buf_addch(&path, '.') || json_string_decode(&path, key, keylen, NULL))) ||
	    (key && !(e->key = malloc(keylen + 1)))) {
		buf_release(&path);
		return SL_ENOMEM;
	}
	if (key) {
		memcpy(e->key, key, keylen);
		e->keylen = keylen;
	}
	e->path = buf_detach(&path, NULL);
	if (!e->path) {
		free(e->key);
		return SL_ENOMEM;
	}
	e->parent = parent;
	numsketch_init(&e->s);
	l->hint = ++l->n;
	num_total++;
	*out = e;
	return 0;
}

/* A raw JSON value into e (NULL: skipped): a finite number into its
 * sketch, else other. */
static int num_value(struct num_stats *e, const char *v, size_t vl)
{
	if (!e)
		return 0;
	if (vl && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) {
		char *end;
		double x = strtod(v, &end);
		if (end == v + vl && isfinite(x))
			return numsketch_add(&e->s, x);
	}
	e->other++;
	return 0;
}

/* One value (member key, or NULL: the path itself) into the lists l[0, nl). */
static int num_add(struct num_list *const *l, int nl, const char *const *paths, size_t k, const char *key,
		   size_t keylen, const char *v, size_t vl)
{
	struct num_stats *e;
	int rc;
	for (int i = 0; i < nl; i++)
		if ((rc = num_entry(l[i], paths, k, key, keylen, &e)) || (rc = num_value(e, v, vl)))
			return rc;
	return 0;
}

/* The value at --numbers paths[k] of a document, into the lists l[0, nl)
 * (all documents', and its group's): a number, or an object whose members
 * are each summarized (read once for all the lists). */
static int num_doc(struct num_list *const *l, int nl, const char *const *paths, size_t k, const char *v, size_t vl)
{
	if (vl && v[0] == '{') {
		struct json_iter it;
		struct json_member m;
		struct json_err je;
		int rc;
		if (json_object_begin(&it, v, v + vl, &je))
			return 0; /* (the document was read whole: cannot happen) */
		while ((rc = json_object_next(&it, &m, &je)) == 1)
			if ((rc = num_add(l, nl, paths, k, m.key, m.key_len, m.val, m.val_len)))
				return rc;
		return 0;
	}
	return num_add(l, nl, paths, k, NULL, 0, v, vl);
}

/* A number as JSON: integral ones without a fraction, others with digits
 * significant digits (0: as few as read back as the same double). */
static void put_num(struct buf *b, double x, int digits)
{
	char tmp[JSON_DOUBLE_MAX];
	if (x == floor(x) && fabs(x) < 1e15)
		buf_addf(b, "%.0f", x);
	else if (!digits)
		buf_add(b, tmp, (size_t)json_fmt_double(tmp, x));
	else
		buf_addf(b, "%.*g", digits, x);
}

static const struct { const char *name; double p; } quantiles[] = {
	{ "p1", 0.01 }, { "p5", 0.05 }, { "p10", 0.10 }, { "p25", 0.25 }, { "p50", 0.50 },
	{ "p75", 0.75 }, { "p90", 0.90 }, { "p95", 0.95 }, { "p99", 0.99 },
};

static void put_side(struct buf *b, const struct numsketch_side *d)
{
	int first = 1;
	buf_addch(b, '{');
	for (size_t k = 0; k < d->n; k++) {
		if (!d->c[k])
			continue;
		buf_addf(b, "%s\"%ld\": %" PRIu64, first ? "" : ", ", (long)(d->lo + (int32_t)k), d->c[k]);
		first = 0;
	}
	buf_addch(b, '}');
}

/* One summary, its lines indented by ind spaces (its members' by ind + 2). */
static void put_numbers(struct buf *b, const struct num_stats *e, uint64_t docs, int ind)
{
	const struct numsketch *s = &e->s;
	uint64_t seen = s->count + e->other;
	buf_addf(b, "%*s", ind, "");
	json_string_encode(b, e->path, strlen(e->path));
	buf_addf(b, ": {\n%*s\"count\": %" PRIu64 ", \"other\": %" PRIu64 ", \"absent\": %" PRIu64, ind + 2, "",
		 s->count, e->other, docs > seen ? docs - seen : 0);
	if (s->count) {
		buf_addstr(b, ", \"sum\": ");
		put_num(b, s->sum, 15);
		buf_addstr(b, ", \"min\": ");
		put_num(b, s->min, 0);
		buf_addstr(b, ", \"max\": ");
		put_num(b, s->max, 0);
		buf_addstr(b, ", \"mean\": ");
		put_num(b, s->sum / (double)s->count, 6);
		buf_addf(b, ",\n%*s\"quantiles\": {", ind + 2, "");
		for (size_t q = 0; q < sizeof(quantiles) / sizeof(quantiles[0]); q++) {
			buf_addf(b, "%s\"%s\": ", q ? ", " : "", quantiles[q].name);
			put_num(b, numsketch_quantile(s, quantiles[q].p), 6);
		}
		buf_addch(b, '}');
	}
	buf_addf(b, ",\n%*s\"sketch\": {\"relative_accuracy\": %g, \"zero\": %" PRIu64 ", \"positive\": ",
		 ind + 2, "", NUMSKETCH_ACCURACY, s->zero);
	put_side(b, &s->pos);
	buf_addstr(b, ", \"negative\": ");
	put_side(b, &s->neg);
	buf_addf(b, "}\n%*s}", ind, "");
}

static void put_num_list(struct buf *b, const struct num_list *l, uint64_t docs, int ind)
{
	for (size_t i = 0; i < l->n; i++) {
		put_numbers(b, &l->v[i], docs, ind);
		buf_addstr(b, i + 1 < l->n ? ",\n" : "\n");
	}
}

static void num_list_release(struct num_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].key);
		numsketch_release(&l->v[i].s);
	}
	free(l->v);
	if (l->ids_ok) {
		strmap_release(&l->ids);
		buf_release(&l->tmp);
	}
}

/* --group-by: the documents' groups (the decoded string at FIELD, else its
 * JSON text; "(none)" without one; past MAX_GROUPS, "(other)"), each with
 * its documents and summaries. */
#define MAX_GROUPS 10000
struct group {
	struct num_list l;
	uint64_t docs;
};

struct groups {
	struct strmap names;
	struct group *v;        /* by the name's index */
	size_t cap;
};

/* The group of a document: its index, or -1 when out of memory. */
static int64_t group_of(struct groups *g, const struct doc *d, const char *field, struct buf *tmp)
{
	size_t vl;
	const char *v = doc_get_path(d, field, &vl);
	int64_t k;
	buf_reset(tmp);
	if (!v) {
		if (buf_addstr(tmp, "(none)"))
			return -1;
	} else if (json_is_string(v, vl)) {
		if (json_string_decode(tmp, v + 1, vl - 2, NULL))
			return -1;
	} else if (buf_add(tmp, v, vl)) {
		return -1;
	}
	k = strmap_get(&g->names, tmp->ptr, tmp->len, g->names.n < MAX_GROUPS, NULL);
	if (k == STRMAP_ABSENT)
		k = strmap_get(&g->names, "(other)", 7, 1, NULL);
	if (k < 0)
		return -1;
	if ((size_t)k >= g->cap) {
		size_t old = g->cap;
		if (ARRAY_GROW(g->v, g->cap, (size_t)k + 1))
			return -1;
		memset(g->v + old, 0, (g->cap - old) * sizeof(*g->v));
	}
	g->v[k].docs++;
	return k;
}

static const struct groups *sort_groups;
static int by_docs(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_groups->v[x].docs != sort_groups->v[y].docs)
		return sort_groups->v[x].docs < sort_groups->v[y].docs ? 1 : -1;
	return strcmp(strmap_str(&sort_groups->names, x), strmap_str(&sort_groups->names, y));
}

/* "numbers_by": {FIELD: {group: {"docs": n, summaries...}, ...}}, the
 * groups with the most documents first. */
static void put_groups(struct buf *b, const struct groups *g, const char *field)
{
	size_t n = g->names.n < g->cap ? g->names.n : g->cap, i; /* (a group whose lists could not grow: none) */
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return;
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sort_groups = g;
	qsort(order, n, sizeof(*order), by_docs);
	buf_addstr(b, ",\n  \"numbers_by\": {");
	json_string_encode(b, field, strlen(field));
	buf_addstr(b, ": {\n");
	for (i = 0; i < n; i++) {
		uint32_t k = order[i];
		const char *name = strmap_str(&g->names, k);
		buf_addstr(b, "    ");
		json_string_encode(b, name, g->names.len[k]);
		buf_addf(b, ": {\n      \"docs\": %" PRIu64 "%s", g->v[k].docs, g->v[k].l.n ? ",\n" : "\n");
		put_num_list(b, &g->v[k].l, g->v[k].docs, 6);
		buf_addstr(b, i + 1 < n ? "    },\n" : "    }\n");
	}
	buf_addstr(b, "  }}");
	free(order);
}

static int by_count(const void *a, const void *b)
{
	const struct value_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	{
		int c = memcmp(x->val, y->val, x->len < y->len ? x->len : y->len);
		if (c)
			return c;
	}
	return (x->len > y->len) - (x->len < y->len);
}

static void put_field(struct buf *b, struct field_stats *f, int top)
{
	struct value_count *v = malloc((f->used ? f->used : 1) * sizeof(*v));
	size_t n = 0, i;
	uint64_t rest = f->other;

	if (!v)
		return;
	for (i = 0; i < f->cap; i++)
		if (f->tab[i].val)
			v[n++] = f->tab[i];
	qsort(v, n, sizeof(*v), by_count);
	buf_addstr(b, "    ");
	json_string_encode(b, f->path, strlen(f->path));
	/* "distinct" is exact unless more than MAX_DISTINCT values were seen */
	buf_addf(b, ": {\"present\": %" PRIu64 ", \"absent\": %" PRIu64 ", \"distinct\": %zu, "
		 "\"distinct_capped\": %s, \"values\": {",
		 f->present, f->absent, n, f->other ? "true" : "false");
	for (i = 0; i < n; i++) {
		if ((int)i >= top) {
			rest += v[i].n;
			continue;
		}
		buf_addstr(b, i ? ", " : "");
		if (v[i].val[0] == '"')
			buf_add(b, v[i].val, v[i].len);
		else
			json_string_encode(b, v[i].val, v[i].len);
		buf_addf(b, ": %" PRIu64, v[i].n);
	}
	if (rest)
		buf_addf(b, "%s\"(other)\": %" PRIu64, n ? ", " : "", rest);
	buf_addstr(b, "}}");
	free(v);
}

int cmd_stats(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice stats [<options>] [<file>...]",
		"",
		"Describe a document stream as JSON: document count, bytes, the text's",
		"length in bytes (total, min, max, mean, a power-of-two histogram) and in",
		"characters (total), and the most common values of chosen fields.",
		"With --numbers, the distribution of the numbers at a path (or of each",
		"numeric member of the object there, such as the metadata.quality_signals",
		"of sluice quality --signals): count, sum, exact min and max, mean, and the",
		"quantiles p1 p5 p10 p25 p50 p75 p90 p95 p99 within 1% of the exact ones",
		"(from a DDSketch, which --merge adds up, so merged quantiles are those of",
		"all the tasks' numbers).  \"other\" counts values there that are not",
		"numbers, \"absent\" the documents without one.  With --group-by FIELD",
		"(e.g. metadata.language), \"numbers_by\" has them again for each value",
		"of FIELD, as FineWeb-2 sets its thresholds per language.",
		"",
		"With --merge, the arguments are instead --stats files of the tasks of one",
		"sharded run (or outputs of sluice stats): counters are added up, minima",
		"and maxima kept, means recomputed, and \"tasks\" says how many were merged.",
		"Stats of different stages, stage stats with sluice stats outputs, and a key",
		"whose JSON type differs between files are refused.",
		"",
		"  sluice stats docs.jsonl.gz",
		"  sluice warc crawl.warc.wet.gz | sluice stats --field source --field url --top 5",
		"  sluice quality --signals --annotate-only docs.jsonl | sluice stats --numbers metadata.quality_signals",
		"  sluice stats --merge work/stats/quality-*.json -o quality.json",
		NULL
	};
	struct stage_opts o = { 0 };
	struct opt_list fields = { 0 }, numbers = { 0 };
	struct num_list nums = { 0 };
	struct groups groups = { 0 };
	struct buf gtmp = BUF_INIT;
	const char *group_by = NULL;
	int top = 20, merge = 0;
	struct option opts[] = {
		OPT_FLAG(0, "merge", &merge, "merge --stats JSON files (the arguments) into one"),
		OPT_LIST('f', "field", &fields, "PATH", "count the values of this field (dotted path; repeatable; default metadata.language and source)"),
		OPT_INT(0, "top", &top, "N", "list the N most common values of each field (default 20)"),
		OPT_LIST(0, "numbers", &numbers, "PATH", "the distribution of the numbers at this path, or of each numeric member of the object there (repeatable)"),
		OPT_STRING(0, "group-by", &group_by, "FIELD", "with --numbers: also one distribution per value of FIELD (e.g. metadata.language)"),
		OPT_GROUP("Input and output:"),
		OPT_STRING('o', "output", &o.output, "FILE", "write the JSON to FILE; default stdout"),
		STAGE_INPUT_OPTIONS(&o),
		OPT_END(),
	};
	static const char *default_fields[] = { "metadata.language", "source" };
	struct field_stats *fs;
	size_t nf, i;
	struct stage st;
	struct doc d;
	uint64_t hist[NBUCKETS] = { 0 }, text_bytes = 0, text_chars = 0, min = UINT64_MAX, max = 0, raw = 0;
	struct buf b = BUF_INIT;
	int nargs, rc;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (top < 0)
		return usage_error("--top must not be negative");
	if (group_by && !numbers.n) {
		free(fields.items);
		return usage_error("--group-by needs --numbers (the numbers to summarize per group)");
	}
	if (merge) {
		free(fields.items);
		free(numbers.items);
		return stats_merge(o.output, argv + 1, nargs);
	}
	nf = fields.n ? fields.n : 2;
	fs = calloc(nf, sizeof(*fs));
	if (!fs)
		return 1;
	for (i = 0; i < nf; i++)
		fs[i].path = fields.n ? fields.items[i] : default_fields[i];
	if ((rc = stage_begin(&st, "stats", STAGE_SPLIT_JSONL, &o, argv + 1, nargs))) {
		free(fs);
		return rc;
	}
	strmap_init(&groups.names, 0);
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *t;
		size_t tl;
		int k = 0;

		if (doc_text(&d, &t, &tl)) {
			st.failed = 1;
			break;
		}
		raw += d.raw.len + 1;
		text_bytes += tl;
		text_chars += utf8_count(t, tl);
		if (tl < min)
			min = tl;
		if (tl > max)
			max = tl;
		while (k < NBUCKETS - 1 && ((uint64_t)64 << k) <= tl)
			k++;
		hist[k]++;
		for (i = 0; i < nf; i++) {
			size_t vl;
			const char *v = doc_get_path(&d, fs[i].path, &vl);
			if (!v) {
				fs[i].absent++;
				continue;
			}
			fs[i].present++;
			if (field_add(&fs[i], v, vl)) {
				msg("out of memory");
				st.failed = 1;
				break;
			}
		}
		{
			int64_t g = group_by ? group_of(&groups, &d, group_by, &gtmp) : 0;
			struct num_list *lists[2] = { &nums, NULL }; /* all documents', its group's */
			if (g < 0) {
				msg("out of memory");
				st.failed = 1;
			} else if (group_by) {
				lists[1] = &groups.v[g].l;
			}
			for (i = 0; i < numbers.n && !st.failed; i++) {
				size_t vl;
				const char *v = doc_get_path(&d, numbers.items[i], &vl);
				if (v && num_doc(lists, group_by ? 2 : 1, (const char *const *)numbers.items, i, v, vl)) {
					msg("out of memory");
					st.failed = 1;
				}
			}
		}
		if (st.failed)
			break;
		st.docs_out++;
	}
	doc_release(&d);

	buf_addf(&b, "{\n  \"docs\": %" PRIu64 ",\n  \"unreadable\": %" PRIu64 ",\n  \"bytes\": %" PRIu64
		 ",\n  \"text_bytes\": %" PRIu64 ",\n  \"text_chars\": %" PRIu64,
		 st.docs_out, st.docs_unreadable, raw, text_bytes, text_chars);
	buf_addf(&b, ",\n  \"text_bytes_min\": %" PRIu64 ",\n  \"text_bytes_max\": %" PRIu64
		 ",\n  \"text_bytes_mean\": %.1f",
		 st.docs_out ? min : 0, max, st.docs_out ? (double)text_bytes / (double)st.docs_out : 0.0);
	buf_addstr(&b, ",\n  \"text_bytes_histogram\": {");
	for (i = 0; i < NBUCKETS; i++) {
		uint64_t lo = i ? (uint64_t)64 << (i - 1) : 0, hi = (uint64_t)64 << i;
		if (!hist[i])
			continue;
		if (b.ptr[b.len - 1] != '{')
			buf_addstr(&b, ", ");
		if (i == NBUCKETS - 1)
			buf_addf(&b, "\"%" PRIu64 "+\": %" PRIu64, lo, hist[i]);
		else
			buf_addf(&b, "\"%" PRIu64 "-%" PRIu64 "\": %" PRIu64, lo, hi - 1, hist[i]);
	}
	buf_addstr(&b, "},\n  \"fields\": {\n");
	for (i = 0; i < nf; i++) {
		put_field(&b, &fs[i], top);
		buf_addstr(&b, i + 1 < nf ? ",\n" : "\n");
	}
	buf_addstr(&b, "  }");
	if (numbers.n) {
		buf_addstr(&b, ",\n  \"numbers\": {\n");
		put_num_list(&b, &nums, st.docs_out, 4);
		buf_addstr(&b, "  }");
	}
	if (group_by)
		put_groups(&b, &groups, group_by);
	{
		uint64_t skipped = nums.skipped;
		for (i = 0; i < groups.cap; i++)
			skipped += groups.v[i].l.skipped;
		if (skipped) /* (an object with more than MAX_NUM_PATHS members seen) */
			buf_addf(&b, ",\n  \"numbers_skipped\": %" PRIu64, skipped);
	}
	buf_addstr(&b, "\n}\n");
	if (!st.failed && outstream_write(st.out, b.ptr, b.len)) {
		msg("cannot write '%s'", o.output ? o.output : "-");
		st.failed = 1;
	}
	buf_release(&b);
	for (i = 0; i < nf; i++) {
		for (size_t j = 0; j < fs[i].cap; j++)
			free(fs[i].tab[j].val);
		free(fs[i].tab);
	}
	free(fs);
	free(fields.items);
	num_list_release(&nums);
	for (i = 0; i < groups.cap; i++)
		num_list_release(&groups.v[i].l);
	free(groups.v);
	strmap_release(&groups.names);
	buf_release(&gtmp);
	free(numbers.items);
	return stage_end(&st);
}
