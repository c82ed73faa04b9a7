/*
 * statsmerge.c - `sluice stats --merge`: one JSON from the --stats files of
 * the tasks of a sharded run (or from `sluice stats` outputs), so a Slurm
 * array or a GNU parallel run reports like one process.
 *
 * Rules, applied member by member (objects recursively, members in the
 * order they first appear):
 *   numbers         summed (counters, bytes, seconds: total task time);
 *                   keys ending in "min" / "max" take the minimum / maximum;
 *                   "X_mean" becomes X / docs when both are present
 *   "distinct"      beside "values": the number of merged values
 *   booleans        "complete": all of them; any other: any of them
 *   strings         kept when they agree, else null ("stage" must agree)
 *   arrays          numbers element by element when the lengths agree, else
 *                   the first file's
 *   "tasks"         added at the top: how many files were merged
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "error.h"
#include "json.h"
#include "msg.h"
#include "options.h"
#include "outstream.h"

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jt t;
	int is_int, b;
	long long i;
	double d;
	char *raw;              /* strings and arrays: the raw JSON */
	size_t rawn;
	char **keys;            /* objects */
	size_t *keyn;
	struct jnode **vals;
	size_t n;
};

static void jfree(struct jnode *j)
{
	if (!j)
		return;
	for (size_t k = 0; k < j->n; k++) {
		free(j->keys[k]);
		jfree(j->vals[k]);
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

static struct jnode *jparse(const char *p, size_t n, int depth)
{
	struct jnode *j = calloc(1, sizeof(*j));
	struct json_err e;

	if (!j || depth > 64)
		goto fail;
	while (n && is_ws(*p)) {
		p++;
		n--;
	}
	while (n && is_ws(p[n - 1]))
		n--;
	if (n == 0)
		goto fail;
	if (*p == '{') {
		struct json_iter it;
		struct json_member m;
		int rc;
		j->t = J_OBJ;
		if (json_object_begin(&it, p, p + n, &e))
			goto fail;
		while ((rc = json_object_next(&it, &m, &e)) == 1) {
			if (j->n % 16 == 0) {
				char **k = realloc(j->keys, (j->n + 16) * sizeof(*k));
				size_t *kn;
				struct jnode **v;
				if (!k)
					goto fail;
				j->keys = k;
				if (!(kn = realloc(j->keyn, (j->n + 16) * sizeof(*kn))))
					goto fail;
				j->keyn = kn;
				if (!(v = realloc(j->vals, (j->n + 16) * sizeof(*v))))
					goto fail;
				j->vals = v;
			}
			j->keys[j->n] = strndup(m.key, m.key_len);
			j->keyn[j->n] = m.key_len;
			j->vals[j->n] = jparse(m.val, m.val_len, depth + 1);
			if (!j->keys[j->n] || !j->vals[j->n]) {
				free(j->keys[j->n]);
				jfree(j->vals[j->n]);
				goto fail;
			}
			j->n++;
		}
		if (rc < 0)
			goto fail;
		return j;
	}
	if (*p == '"' || *p == '[') {
		const char *after;
		if (json_scan_value(p, p, p + n, &after, &e) || after != p + n)
			goto fail;
		j->t = *p == '"' ? J_STR : J_ARR;
		j->raw = strndup(p, n);
		j->rawn = n;
		return j->raw ? j : (jfree(j), NULL);
	}
	if (n == 4 && !memcmp(p, "null", 4)) {
		j->t = J_NULL;
		return j;
	}
	if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5))) {
		j->t = J_BOOL;
		j->b = n == 4;
		return j;
	}
	{
		char tmp[64], *end;
		if (n >= sizeof(tmp))
			goto fail;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		j->t = J_NUM;
		j->is_int = !strpbrk(tmp, ".eE");
		if (j->is_int)
			j->i = strtoll(tmp, &end, 10);
		else
			j->d = strtod(tmp, &end);
		if (*end)
			goto fail;
		return j;
	}
fail:
	jfree(j);
	return NULL;
}

static int key_ends(const char *k, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && !memcmp(k + n - m, suffix, m);
}

static double num(const struct jnode *j)
{
	return j->is_int ? (double)j->i : j->d;
}

static struct jnode *find(const struct jnode *o, const char *k, size_t n)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->keyn[i] == n && !memcmp(o->keys[i], k, n))
			return o->vals[i];
	return NULL;
}

/* Merge b into a (a keeps the result).  0, or -1 with *why set. */
static int jmerge(struct jnode *a, const struct jnode *b, const char *key, size_t keyn, const char **why)
{
	if (a->t != b->t)
		return 0; /* keep the first file's */
	switch (a->t) {
	case J_NUM:
		if (key && (key_ends(key, keyn, "min") || key_ends(key, keyn, "max"))) {
			int is_min = key_ends(key, keyn, "min");
			if ((is_min && num(b) < num(a)) || (!is_min && num(b) > num(a))) {
				a->is_int = b->is_int;
				a->i = b->i;
				a->d = b->d;
			}
		} else if (a->is_int && b->is_int) {
			a->i += b->i;
		} else {
			a->d = num(a) + num(b);
			a->is_int = 0;
		}
		return 0;
	case J_BOOL:
		if (key && keyn == 8 && !memcmp(key, "complete", 8))
			a->b = a->b && b->b;
		else
			a->b = a->b || b->b;
		return 0;
	case J_STR:
		if (a->rawn != b->rawn || memcmp(a->raw, b->raw, a->rawn)) {
			if (key && keyn == 5 && !memcmp(key, "stage", 5)) {
				*why = "the files are the stats of different stages";
				return -1;
			}
			/* differing strings (each task's "shard"): none stands for all */
			free(a->raw);
			a->raw = NULL;
			a->t = J_NULL;
		}
		return 0;
	case J_ARR: {
		/* numeric arrays of one length add up element by element */
		struct buf out = BUF_INIT;
		const char *pa = a->raw + 1, *pb = b->raw + 1;
		int ok = 1;
		if (buf_addch(&out, '['))
			return -1;
		for (int first = 1; ok; first = 0) {
			char *ea, *eb;
			double x, y;
			while (is_ws(*pa) || *pa == ',')
				pa++;
			while (is_ws(*pb) || *pb == ',')
				pb++;
			if (*pa == ']' && *pb == ']')
				break;
			x = strtod(pa, &ea);
			y = strtod(pb, &eb);
			if (ea == pa || eb == pb) {
				ok = 0;
				break;
			}
			if (x == floor(x) && y == floor(y) && fabs(x + y) < 9e15)
				buf_addf(&out, "%s%.0f", first ? "" : ", ", x + y);
			else
				buf_addf(&out, "%s%.6g", first ? "" : ", ", x + y);
			pa = ea;
			pb = eb;
		}
		if (ok && !buf_addch(&out, ']')) {
			free(a->raw);
			a->raw = buf_detach(&out, &a->rawn);
		}
		buf_release(&out);
		return 0;
	}
	case J_OBJ:
		for (size_t i = 0; i < b->n; i++) {
			struct jnode *x = find(a, b->keys[i], b->keyn[i]);
			if (x) {
				if (jmerge(x, b->vals[i], b->keys[i], b->keyn[i], why))
					return -1;
			} else {
				/* a member only b has: move a copy in */
				char **k = realloc(a->keys, (a->n + 1) * sizeof(*k));
				size_t *kn;
				struct jnode **v;
				if (!k)
					return -1;
				a->keys = k;
				if (!(kn = realloc(a->keyn, (a->n + 1) * sizeof(*kn))))
					return -1;
				a->keyn = kn;
				if (!(v = realloc(a->vals, (a->n + 1) * sizeof(*v))))
					return -1;
				a->vals = v;
				a->keys[a->n] = strndup(b->keys[i], b->keyn[i]);
				a->keyn[a->n] = b->keyn[i];
				a->vals[a->n] = calloc(1, sizeof(struct jnode));
				if (!a->keys[a->n] || !a->vals[a->n])
					return -1;
				*a->vals[a->n] = *b->vals[i];
				/* deep copy of the parts that own memory */
				a->vals[a->n]->raw = b->vals[i]->raw ? strndup(b->vals[i]->raw, b->vals[i]->rawn) : NULL;
				a->vals[a->n]->keys = NULL;
				a->vals[a->n]->keyn = NULL;
				a->vals[a->n]->vals = NULL;
				a->vals[a->n]->n = 0;
				if (b->vals[i]->t == J_OBJ) {
					a->vals[a->n]->t = J_OBJ;
					if (jmerge(a->vals[a->n], b->vals[i], b->keys[i], b->keyn[i], why))
						return -1;
				}
				a->n++;
			}
		}
		return 0;
	default:
		return 0;
	}
}

/* Derived members: X_mean = X / docs, distinct = |values|. */
static void fix_derived(struct jnode *o)
{
	struct jnode *docs, *values;

	if (o->t != J_OBJ)
		return;
	docs = find(o, "docs", 4);
	values = find(o, "values", 6);
	for (size_t i = 0; i < o->n; i++) {
		struct jnode *v = o->vals[i];
		if (v->t == J_OBJ) {
			fix_derived(v);
		} else if (v->t == J_NUM && key_ends(o->keys[i], o->keyn[i], "_mean") && docs && docs->t == J_NUM) {
			struct jnode *tot = find(o, o->keys[i], o->keyn[i] - 5);
			if (tot && tot->t == J_NUM && num(docs) > 0) {
				v->is_int = 0;
				v->d = round(num(tot) / num(docs) * 10) / 10;
			}
		} else if (v->t == J_NUM && o->keyn[i] == 8 && !memcmp(o->keys[i], "distinct", 8) && values &&
			   values->t == J_OBJ) {
			v->is_int = 1;
			v->i = (long long)values->n;
		}
	}
}

static int jwrite(struct buf *out, const struct jnode *j, int indent)
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
			rc = rc ? rc : jwrite(out, j->vals[i], indent + 2);
		}
		if (!rc)
			rc = j->n ? buf_addf(out, "\n%*s}", indent, "") : buf_addch(out, '}');
		return rc;
	}
	return 0;
}

static int read_all(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return SL_EOPEN;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(b, tmp, n)) {
			fclose(f);
			return SL_ENOMEM;
		}
	n = ferror(f);
	fclose(f);
	return n ? SL_EIO : 0;
}

int stats_merge(const char *out_path, char **files, int nfiles)
{
	struct jnode *acc = NULL;
	struct buf b = BUF_INIT;
	struct outstream *out;
	const char *why = NULL;
	int i, rc = 0;

	if (nfiles < 1)
		return usage_error("--merge needs the stats files to merge");
	for (i = 0; i < nfiles; i++) {
		struct jnode *j;
		buf_reset(&b);
		if ((rc = read_all(files[i], &b))) {
			msg_code(rc, "cannot read '%s'", files[i]);
			goto fail;
		}
		j = jparse(b.ptr, b.len, 0);
		if (!j || j->t != J_OBJ) {
			msg("'%s': not a JSON object of stats", files[i]);
			jfree(j);
			goto fail;
		}
		if (!acc) {
			acc = j;
			continue;
		}
		rc = jmerge(acc, j, NULL, 0, &why);
		jfree(j);
		if (rc) {
			msg("'%s': %s", files[i], why ? why : "cannot merge");
			goto fail;
		}
	}
	fix_derived(acc);
	buf_reset(&b);
	rc = buf_addf(&b, "{\n  \"tasks\": %d", nfiles);
	for (size_t k = 0; k < acc->n && !rc; k++) {
		if (acc->keyn[k] == 5 && !memcmp(acc->keys[k], "tasks", 5))
			continue;
		rc = buf_addstr(&b, ",\n  \"");
		rc = rc ? rc : buf_add(&b, acc->keys[k], acc->keyn[k]);
		rc = rc ? rc : buf_addstr(&b, "\": ");
		rc = rc ? rc : jwrite(&b, acc->vals[k], 2);
	}
	rc = rc ? rc : buf_addstr(&b, "\n}\n");
	if (!rc)
		rc = outstream_open(&out, out_path ? out_path : "-", -1);
	if (!rc) {
		rc = outstream_write(out, b.ptr, b.len);
		if (outstream_close(out, rc == 0) && !rc)
			rc = SL_EIO;
	}
	if (rc) {
		msg_code(rc, "cannot write '%s'", out_path ? out_path : "-");
		goto fail;
	}
	jfree(acc);
	buf_release(&b);
	return 0;
fail:
	jfree(acc);
	buf_release(&b);
	return 1;
}
