/*
 * lang.c - `sluice lang` (fastText language identification, as datatrove's
 * LanguageFilter) and `sluice classify` (any fastText classifier as a
 * quality filter, DCLM style).  Both read a fastText .bin/.ftz model with
 * filters/fasttext.c and predict on the document text with its newlines as
 * spaces, giving the labels and probabilities `fasttext predict-prob` gives.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "config.h"
#include "error.h"
#include "fasttext.h"
#include "json.h"
#include "models.h"
#include "msg.h"
#include "pmap.h"
#include "stage.h"

#define LID_MODEL_NAME "lid.176.ftz"
#define LID_MODEL_ENV "SLUICE_LID_MODEL"

/* Shortest decimal that reads back as the same float (9 digits always do,
 * and if p digits do, so do p + 1: a binary search). */
static int fmt_float(char *out, size_t n, float v)
{
	int lo = 1, hi = 9;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(out, n, "%.*g", mid, (double)v);
		if (strtof(out, NULL) == v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return snprintf(out, n, "%.*g", lo, (double)v);
}

static int meta_set_float(struct doc *d, const char *key, float v)
{
	char tmp[32];
	if (v != v)
		return doc_meta_set_raw(d, key, "null", 4);
	return doc_meta_set_raw(d, key, tmp, (size_t)fmt_float(tmp, sizeof(tmp), v));
}

static const char *strip_label(const char *l)
{
	return strncmp(l, "__label__", 9) ? l : l + 9;
}

#define LID_HINT "give --model PATH, set " LID_MODEL_ENV \
	", or run tools/get-lid-model.sh to put " LID_MODEL_NAME " into models/"

static struct ft_model *open_model(const char *path, int is_default)
{
	struct ft_model *m;
	const char *why = NULL;
	int rc = ft_load(path, &m, &why);
	if (rc == SL_EOPEN && errno == ENOENT && is_default)
		msg("no language model at '%s' (from $" LID_MODEL_ENV "): " LID_HINT, path);
	else if (rc == SL_EOPEN || rc == SL_EIO)
		msg_code(rc, "cannot read model '%s'", path);
	else if (rc == SL_ETRUNC && why)
		msg("'%s': not a usable fastText model: truncated (%s)", path, why);
	else if (rc && why)
		msg("'%s': not a usable fastText model: %s", path, why);
	else if (rc)
		msg_code(rc, "'%s': not a usable fastText model", path);
	return rc ? NULL : m;
}

/* A worker's own scratch, on a line of its own. */
struct ft_thread {
	struct ft_state s;
	struct ft_pred *preds; /* room for every label */
	struct buf meta;
} __attribute__((aligned(128)));

/* What the work on a document found, for writing it in order. */
struct ft_slot {
	const char *reason;    /* NULL: kept */
	int label;             /* the best label, -1 when none */
};

/* The part of a stage both commands share: the model, the threads' scratch
 * and the slots, and what each command needs to decide. */
struct classifier {
	struct ft_model *m;
	int nthreads;
	struct ft_thread *th;
	struct ft_slot *slot;
	/* lang */
	int *keep, nkeep, k, top_k, sums_to_one;
	double min_score;
	uint64_t *counts;      /* per label: documents it was best for (written ones) */
	/* classify */
	int want;
	const char *field;
};

static int classifier_open(struct classifier *c, const char *path, int is_default)
{
	memset(c, 0, sizeof(*c));
	c->m = open_model(path, is_default);
	return c->m ? 0 : 1;
}

/* The threads' scratch and the slots for pm (nthreads set). */
static int classifier_threads(struct classifier *c, const struct pmap *pm)
{
	int i;
	if (pmap_alloc(pm, sizeof(*c->th), (void **)&c->th, sizeof(*c->slot), (void **)&c->slot))
		return SL_ENOMEM;
	c->nthreads = pm->nthreads;
	for (i = 0; i < pm->nthreads; i++) {
		buf_init(&c->th[i].meta, 0);
		c->th[i].preds = malloc(sizeof(*c->th[i].preds) * (size_t)ft_nlabels(c->m));
		if (!c->th[i].preds || ft_state_init(&c->th[i].s, c->m))
			return SL_ENOMEM;
	}
	return 0;
}

static void classifier_close(struct classifier *c)
{
	int i;
	for (i = 0; c->th && i < c->nthreads; i++) {
		ft_state_release(&c->th[i].s);
		free(c->th[i].preds);
		buf_release(&c->th[i].meta);
	}
	free(c->th);
	free(c->slot);
	free(c->keep);
	free(c->counts);
	ft_free(c->m);
}

/* In input order, on the calling thread: keep or reject the document
 * (a failed one has stopped the run: pmap.failed is NULL). */
static int classifier_emit(void *arg, struct stage *st, struct pmap_item *x)
{
	struct classifier *c = arg;
	struct ft_slot *sl = &c->slot[x->slot];
	if (c->counts && sl->label >= 0)
		c->counts[sl->label]++;
	return sl->reason ? stage_reject(st, &x->d, sl->reason) : stage_emit(st, &x->d);
}

/* --stats: how many documents each language was best for, most first */
static uint64_t *lang_counts_;
static int cmp_count(const void *a, const void *b)
{
	uint64_t x = lang_counts_[*(const int *)a], y = lang_counts_[*(const int *)b];
	if (x != y)
		return x > y ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

static void put_lang_counts(struct buf *extra, const struct ft_model *m, uint64_t *counts)
{
	int n = ft_nlabels(m), i, *order = malloc(sizeof(int) * (size_t)n), first = 1;
	if (!order)
		return;
	for (i = 0; i < n; i++)
		order[i] = i;
	lang_counts_ = counts;
	qsort(order, (size_t)n, sizeof(int), cmp_count);
	buf_addstr(extra, ",\n  \"languages\": {");
	for (i = 0; i < n && counts[order[i]]; i++) {
		const char *l = strip_label(ft_label(m, order[i]));
		buf_addstr(extra, first ? "" : ", ");
		json_string_encode(extra, l, strlen(l));
		buf_addf(extra, ": %llu", (unsigned long long)counts[order[i]]);
		first = 0;
	}
	buf_addch(extra, '}');
	free(order);
}

/* After a document of n bytes of text (whose work returned rc): when it
 * was large, a fresh state, so that the thread does not keep the memory
 * of the largest one.  rc, or SL_ENOMEM when the state cannot be made. */
static int ft_thread_trim(struct classifier *c, struct ft_thread *th, struct pmap_item *x, size_t n, int rc)
{
	if (n <= PMAP_BIG_DOC)
		return rc;
	ft_state_release(&th->s);
	buf_release(&th->meta);
	if (ft_state_init(&th->s, c->m) && !rc) {
		x->what = "identifying the language";
		return SL_ENOMEM;
	}
	return rc;
}

/* Identify one document's language (on thread t). */
static int lang_doc_(void *arg, int t, struct pmap_item *x)
{
	struct classifier *c = arg;
	struct ft_thread *th = &c->th[t];
	struct ft_slot *sl = &c->slot[x->slot];
	struct doc *d = &x->d;
	const char *text;
	size_t n;
	int np, i, best_kept = 0;
	float best;

	sl->reason = NULL;
	sl->label = -1;
	x->what = "identifying the language";
	if (doc_text(d, &text, &n) || (np = ft_predict(c->m, &th->s, text, n, c->k, 0.0f, th->preds)) < 0)
		return SL_ENOMEM;
	x->what = "writing the language";
	if (np == 0) {
		/* the model has nothing to go on (no known token) */
		sl->reason = "low_score";
		return 0;
	}
	best = th->preds[0].prob;
	sl->label = th->preds[0].label;
	if (doc_meta_set_str(d, "language", strip_label(ft_label(c->m, th->preds[0].label)),
			     strlen(strip_label(ft_label(c->m, th->preds[0].label)))) ||
	    meta_set_float(d, "language_score", best))
		goto nomem;
	if (c->top_k > 0) {
		struct buf *meta = &th->meta;
		buf_reset(meta);
		if (buf_addch(meta, '{'))
			goto nomem;
		for (i = 0; i < np; i++) {
			const char *l = strip_label(ft_label(c->m, th->preds[i].label));
			char num[32];
			if ((i && buf_addch(meta, ',')) || json_string_encode(meta, l, strlen(l)) ||
			    buf_addch(meta, ':') ||
			    buf_add(meta, num, (size_t)fmt_float(num, sizeof(num), th->preds[i].prob)))
				goto nomem;
		}
		if (buf_addch(meta, '}') || doc_meta_set_raw(d, "language_topk", meta->ptr, meta->len))
			goto nomem;
	}
	if (!c->nkeep) {
		if (!(best > c->min_score))
			sl->reason = "low_score";
	} else {
		for (i = 0; i < c->nkeep; i++)
			best_kept |= c->keep[i] == th->preds[0].label;
		if (best_kept) {
			if (!(best > c->min_score))
				sl->reason = "low_score";
		} else if (c->sums_to_one && c->min_score >= 0.501) {
			/* no other language can score above one half */
			sl->reason = "other_language";
		} else {
			int all = ft_predict(c->m, &th->s, text, n, 0, 0.0f, th->preds), j, pass = 0;
			if (all < 0)
				goto nomem;
			for (j = 0; j < all && !pass; j++)
				for (i = 0; i < c->nkeep; i++)
					if (c->keep[i] == th->preds[j].label && th->preds[j].prob > c->min_score)
						pass = 1;
			if (!pass)
				sl->reason = "other_language";
		}
	}
	return 0;
nomem:
	return SL_ENOMEM;
}

static int lang_doc(void *arg, int t, struct pmap_item *x)
{
	struct classifier *c = arg;
	return ft_thread_trim(c, &c->th[t], x, x->d.text.len, lang_doc_(arg, t, x));
}

int cmd_lang(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice lang [<options>] [<file>...]",
		"",
		"Identify each document's language with a fastText model (lid.176 by",
		"default) on its text with newlines as spaces, as datatrove's",
		"LanguageFilter does: metadata.language and metadata.language_score are",
		"the best label and its probability, exactly as `fasttext predict-prob`",
		"reports them.  A document is kept when one of the --keep languages scores",
		"above --min-score (without --keep: when the best one does); others are",
		"rejected as other_language or low_score.",
		"",
		"The model: --model, else $" LID_MODEL_ENV ", else models/" LID_MODEL_NAME,
		"(tools/get-lid-model.sh puts it there).",
		"",
		"  sluice lang --keep en,de docs.jsonl.zst -o en-de.jsonl.zst",
		"  sluice lang --annotate-only --top-k 3 docs.jsonl | sluice stats",
		"  sluice lang --threads 8 --keep en docs.jsonl.zst -o en.jsonl.zst",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *model_path = NULL, *keep_arg = NULL;
	double min_score = 0.65;
	int top_k = 0, nthreads = 1;
	struct option opts[] = {
		OPT_STRING(0, "keep", &keep_arg, "LANGS", "comma-separated languages to keep (e.g. en,de); default: any"),
		OPT_DOUBLE(0, "min-score", &min_score, "X", "keep when the language's probability is above X (default 0.65)"),
		OPT_STRING(0, "model", &model_path, "PATH", "fastText language model (.bin or .ftz)"),
		OPT_INT(0, "top-k", &top_k, "N", "also write the N best languages as metadata.language_topk"),
		OPT_INT('j', "threads", &nthreads, "N", "identify on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	char tmp[PATH_MAX + 64];
	struct classifier c;
	struct stage st;
	struct pmap pm = { 0 };
	int nargs, rc, from_default = 0;
	uint64_t unused;
	struct ft_info info;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (top_k < 0)
		return usage_error("--top-k must be 0 or more");
	if (!(min_score >= 0 && min_score <= 1))
		return usage_error("--min-score must be between 0 and 1");
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	if (!model_path) {
		model_path = find_model_file(LID_MODEL_NAME, LID_MODEL_ENV, tmp, sizeof(tmp));
		if (!model_path) {
			msg("no language model: " LID_HINT);
			return 1;
		}
		from_default = 1;
	}
	if (classifier_open(&c, model_path, from_default))
		return 1;
	ft_get_info(c.m, &info);
	/* hs and softmax probabilities sum to one; one-vs-all ones need not */
	c.sums_to_one = info.loss == 1 || info.loss == 3;
	c.min_score = min_score;
	c.top_k = top_k;
	if (keep_arg) {
		const char *p = keep_arg;
		c.keep = calloc(strlen(keep_arg) + 1, sizeof(*c.keep));
		if (!c.keep) {
			classifier_close(&c);
			msg_code(SL_ENOMEM, "--keep");
			return 1;
		}
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n) {
				char name[256];
				int idx;
				if (n > 200) {
					classifier_close(&c);
					return usage_error("--keep: language name too long");
				}
				snprintf(name, sizeof(name), "%s%.*s",
					 strncmp(p, "__label__", 9) ? "__label__" : "", (int)n, p);
				idx = ft_label_index(c.m, name);
				if (idx < 0) {
					rc = usage_error("--keep: '%.*s' is not a label of the model '%s'",
							 (int)n, p, model_path);
					classifier_close(&c);
					return rc;
				}
				c.keep[c.nkeep++] = idx;
			}
			p += n + (p[n] == ',');
		}
		if (!c.nkeep) {
			classifier_close(&c);
			return usage_error("--keep: no languages given");
		}
	}
	c.k = top_k > 0 ? top_k : 1;
	if (c.k > ft_nlabels(c.m))
		c.k = ft_nlabels(c.m);
	pm.nthreads = nthreads;
	pm.work = lang_doc;
	pm.emit = classifier_emit;
	pm.arg = &c;
	if (!(c.counts = calloc((size_t)ft_nlabels(c.m), sizeof(*c.counts))) || classifier_threads(&c, &pm)) {
		classifier_close(&c);
		msg_code(SL_ENOMEM, "loading '%s'", model_path);
		return 1;
	}

	rc = stage_begin(&st, "lang", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		classifier_close(&c);
		return rc;
	}
	pmap_run(&st, &pm, &unused);
	put_lang_counts(&st.extra, c.m, c.counts);
	classifier_close(&c);
	return stage_end(&st);
}

/* Score one document (on thread t). */
static int classify_doc_(void *arg, int t, struct pmap_item *x)
{
	struct classifier *c = arg;
	struct ft_thread *th = &c->th[t];
	struct ft_slot *sl = &c->slot[x->slot];
	const char *text;
	size_t n;
	int np, i;
	float score = 0.0f;

	sl->reason = NULL;
	sl->label = -1;
	x->what = "classifying";
	if (doc_text(&x->d, &text, &n) || (np = ft_predict(c->m, &th->s, text, n, 0, 0.0f, th->preds)) < 0)
		return SL_ENOMEM;
	for (i = 0; i < np; i++)
		if (th->preds[i].label == c->want)
			score = th->preds[i].prob;
	if (meta_set_float(&x->d, c->field, score))
		return SL_ENOMEM;
	if (!(score >= c->min_score))
		sl->reason = "low_score";
	return 0;
}

static int classify_doc(void *arg, int t, struct pmap_item *x)
{
	struct classifier *c = arg;
	return ft_thread_trim(c, &c->th[t], x, x->d.text.len, classify_doc_(arg, t, x));
}

int cmd_classify(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice classify --model PATH --label LABEL [<options>] [<file>...]",
		"",
		"Score each document with a fastText classifier (a DCLM-style quality",
		"model, or any other) on its text with newlines as spaces: the",
		"probability of --label, as `fasttext predict-prob` reports it (0 when",
		"the model gives it less than 1e-5), goes to metadata.classifier_score",
		"(or --field).  Documents scoring at least --min-score are kept; the",
		"others are rejected as low_score.",
		"",
		"  sluice classify --model dclm_hq.bin --label __label__hq --min-score 0.018 docs.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *model_path = NULL, *label = NULL, *field = "classifier_score";
	double min_score = 0.5;
	int nthreads = 1;
	struct option opts[] = {
		OPT_STRING(0, "model", &model_path, "PATH", "fastText classifier (.bin or .ftz); required"),
		OPT_STRING(0, "label", &label, "LABEL", "the label whose probability is the score (e.g. __label__hq); required"),
		OPT_DOUBLE(0, "min-score", &min_score, "X", "keep documents scoring at least X (default 0.5)"),
		OPT_STRING(0, "field", &field, "NAME", "metadata key for the score (default classifier_score)"),
		OPT_INT('j', "threads", &nthreads, "N", "score on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct classifier c;
	struct stage st;
	struct pmap pm = { 0 };
	uint64_t unused;
	int nargs, rc, want;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!model_path)
		return usage_error("--model is required");
	if (!label || !*label)
		return usage_error("--label is required");
	if (!*field || strspn(field, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(field))
		return usage_error("--field: use letters, digits, '_', '.' and '-'");
	if (!(min_score >= 0 && min_score <= 1))
		return usage_error("--min-score must be between 0 and 1");
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	if (classifier_open(&c, model_path, 0))
		return 1;
	want = ft_label_index(c.m, label);
	if (want < 0 && strncmp(label, "__label__", 9)) {
		char name[512];
		snprintf(name, sizeof(name), "__label__%s", label);
		want = ft_label_index(c.m, name);
	}
	if (want < 0) {
		rc = usage_error("--label: '%s' is not a label of the model '%s'", label, model_path);
		classifier_close(&c);
		return rc;
	}

	c.want = want;
	c.field = field;
	c.min_score = min_score;
	pm.nthreads = nthreads;
	pm.work = classify_doc;
	pm.emit = classifier_emit;
	pm.arg = &c;
	if (classifier_threads(&c, &pm)) {
		classifier_close(&c);
		msg_code(SL_ENOMEM, "loading '%s'", model_path);
		return 1;
	}

	rc = stage_begin(&st, "classify", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		classifier_close(&c);
		return rc;
	}
	pmap_run(&st, &pm, &unused);
	classifier_close(&c);
	return stage_end(&st);
}
