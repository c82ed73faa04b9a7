/*
 * stats.c - describe a document stream: counts, bytes, text lengths and
 * the values of chosen fields (metadata.language, source, ...), as JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "builtin.h"
#include "error.h"
#include "msg.h"
#include "stage.h"
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
		"",
		"With --merge, the arguments are instead --stats files of the tasks of one",
		"sharded run (or outputs of sluice stats): counters are added up, minima",
		"and maxima kept, means recomputed, and \"tasks\" says how many were merged.",
		"Stats of different stages, stage stats with sluice stats outputs, and a key",
		"whose JSON type differs between files are refused.",
		"",
		"  sluice stats docs.jsonl.gz",
		"  sluice warc crawl.warc.wet.gz | sluice stats --field source --field url --top 5",
		"  sluice stats --merge work/stats/quality-*.json -o quality.json",
		NULL
	};
	struct stage_opts o = { 0 };
	struct opt_list fields = { 0 };
	int top = 20, merge = 0;
	struct option opts[] = {
		OPT_FLAG(0, "merge", &merge, "merge --stats JSON files (the arguments) into one"),
		OPT_LIST('f', "field", &fields, "PATH", "count the values of this field (dotted path; repeatable; default metadata.language and source)"),
		OPT_INT(0, "top", &top, "N", "list the N most common values of each field (default 20)"),
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
	if (merge) {
		free(fields.items);
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
	buf_addstr(&b, "  }\n}\n");
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
	return stage_end(&st);
}
