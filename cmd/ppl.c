/*
 * ppl.c - n-gram language-model perplexity: score and filter or bucket
 * documents (cc_net's head/middle/tail), train a modified Kneser-Ney model,
 * convert ARPA to the memory-mapped .slm format, calibrate cut-offs.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpe.h"
#include "array.h"
#include "builtin.h"
#include "error.h"
#include "json.h"
#include "lm.h"
#include "lmtext.h"
#include "lmtrain.h"
#include "models.h"
#include "msg.h"
#include "outstream.h"
#include "pmap.h"
#include "pytext.h"
#include "stage.h"

#define PPL_MODEL_NAME "en-brown.slm"
#define PPL_MODEL_ENV "SLUICE_PPL_MODEL"
#define PPL_HINT "give --model PATH, set " PPL_MODEL_ENV \
	", or run tools/get-ppl-model.sh to build " PPL_MODEL_NAME " into models/"
#define MAX_BUCKETS 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- text units ---- */

struct prep {
	int normalize;      /* cc_net's normalization (default on) */
	int whole_doc;      /* --unit doc: the document is one sentence */
	struct buf norm, tmp, pieces;
	struct pt_spans words;
	const char *wbase;  /* the words are spans of this */
	/* --units bpe:NAME: the words are the decimal ids of BPE tokens */
	struct bpe *bpe;
	struct bpe_work *work;
	struct bpe_ids ids;
};

static void prep_init(struct prep *p)
{
	memset(p, 0, sizeof(*p));
	p->normalize = 1;
	buf_init(&p->norm, (size_t)1 << 31);
	buf_init(&p->tmp, (size_t)1 << 31);
	buf_init(&p->pieces, (size_t)1 << 31);
}

/* "words" (the default) or "bpe:NAME|PATH" (sluice tok's vocabularies):
 * 0, or an exit status after a message. */
static int prep_units(struct prep *p, const char *units)
{
	int rc;

	if (!units || strcmp(units, "words") == 0)
		return 0;
	if (strncmp(units, "bpe:", 4) != 0 || !units[4])
		return usage_error("--units must be words or bpe:VOCABULARY, not '%s'", units);
	if (strlen(units) >= LM_UNITS_MAX)
		return usage_error("--units: the name is too long (at most %d bytes)", LM_UNITS_MAX - 1);
	if ((rc = open_tokenizer(&p->bpe, units + 4)))
		return rc;
	if (bpe_work_new(p->bpe, &p->work)) {
		msg_code(SL_ENOMEM, "--units");
		return 1;
	}
	return 0;
}

static void prep_release(struct prep *p)
{
	buf_release(&p->norm);
	buf_release(&p->tmp);
	buf_release(&p->pieces);
	pt_spans_release(&p->words);
	bpe_ids_release(&p->ids);
	if (p->work)
		bpe_work_free(p->work);
	if (p->bpe)
		bpe_free(p->bpe);
}

/* The words of one sentence into p->words (spans of p->norm). */
static int prep_sentence(struct prep *p, const char *s, size_t n)
{
	int rc;

	buf_reset(&p->norm);
	p->words.n = 0;
	if (p->normalize)
		rc = lmtext_normalize(&p->norm, &p->tmp, s, n);
	else
		rc = buf_add(&p->norm, s, n);
	if (rc)
		return SL_ENOMEM;
	p->wbase = p->norm.ptr;
	if (p->bpe) {
		p->ids.n = 0;
		buf_reset(&p->pieces);
		if ((rc = bpe_encode(p->bpe, p->work, p->norm.ptr, p->norm.len, &p->ids)))
			return rc;
		for (size_t i = 0; i < p->ids.n; i++)
			if (buf_addf(&p->pieces, i ? " %u" : "%u", p->ids.v[i]))
				return SL_ENOMEM;
		p->wbase = p->pieces.ptr;
		return pt_split_ws(p->pieces.ptr, p->pieces.len, &p->words) ? SL_ENOMEM : 0;
	}
	return pt_split_ws(p->norm.ptr, p->norm.len, &p->words) ? SL_ENOMEM : 0;
}

/* Call fn on each sentence of the text: lines split at '\n' (cc_net's
 * content.split("\n")), or the whole text with --unit doc. */
typedef int sentence_fn(void *ctx, struct prep *p);

static int each_sentence(struct prep *p, const char *t, size_t n, sentence_fn *fn, void *ctx)
{
	size_t i = 0;
	int rc;

	if (p->whole_doc) {
		if ((rc = prep_sentence(p, t, n)))
			return rc;
		return p->words.n ? fn(ctx, p) : 0;
	}
	while (i <= n) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - t) : n;

		if ((rc = prep_sentence(p, t + i, end - i)))
			return rc;
		if (p->words.n && (rc = fn(ctx, p)))
			return rc;
		if (!nl)
			break;
		i = end + 1;
	}
	return 0;
}

static int parse_unit(const char *unit, struct prep *p)
{
	if (!unit || strcmp(unit, "line") == 0)
		p->whole_doc = 0;
	else if (strcmp(unit, "doc") == 0)
		p->whole_doc = 1;
	else
		return usage_error("--unit must be line or doc, not '%s'", unit);
	return 0;
}

/* ---- models ---- */

static struct lm_model *open_model(const char *path, int *from_default)
{
	char tmp[PATH_MAX + 64];
	struct lm_model *m;
	const char *why = NULL;
	uint64_t line = 0;
	int rc;

	*from_default = 0;
	if (!path) {
		path = find_model_file(PPL_MODEL_NAME, PPL_MODEL_ENV, tmp, sizeof(tmp));
		if (!path) {
			msg("no language model: " PPL_HINT);
			return NULL;
		}
		*from_default = 1;
	}
	rc = lm_load(path, &m, &why, &line);
	if (rc) {
		if (why && line)
			msg("'%s': line %llu: %s", path, (unsigned long long)line, why);
		else if (why)
			msg("'%s': %s", path, why);
		else
			msg_code(rc, "cannot load '%s'", path);
		return NULL;
	}
	return m;
}

/* ---- scoring ---- */

struct scorer {
	const struct lm_model *m;
	uint32_t *ids;
	uint64_t *hash;
	size_t cap;
	double logp;        /* sum of log10 p over the document */
	uint64_t tokens;    /* predictions: words + </s> per sentence */
	uint64_t oov, lines;
	uint64_t lookups;   /* n-gram table look-ups, all documents */
	double t_core;      /* seconds in the scoring core (ids to log10 p) */
};

static int score_sentence(void *ctx, struct prep *p)
{
	struct scorer *s = ctx;
	size_t i, n = p->words.n;

	if (n > s->cap) {
		uint32_t *ids = realloc(s->ids, n * 2 * sizeof(*ids));
		uint64_t *hash;
		if (!ids)
			return SL_ENOMEM;
		s->ids = ids;
		hash = realloc(s->hash, n * 2 * sizeof(*hash));
		if (!hash)
			return SL_ENOMEM;
		s->hash = hash;
		s->cap = n * 2;
	}
	/* hash every word first (fetching its vocabulary slot), then resolve */
	for (i = 0; i < n; i++) {
		const struct pt_span *w = &p->words.v[i];
		s->hash[i] = lm_word_hash(s->m, p->wbase + w->off, w->len);
	}
	for (i = 0; i < n; i++) {
		s->ids[i] = lm_word_id_hashed(s->m, s->hash[i]);
		s->oov += s->ids[i] == s->m->unk;
	}
	{
		double t0 = now();
		s->logp += lm_score_ids_counted(s->m, s->ids, n, 1, 1, &s->lookups);
		s->t_core += now() - t0;
	}
	s->tokens += n + 1;
	s->lines++;
	return 0;
}

struct bucket {
	char name[32];
	double below;       /* perplexity < below; INFINITY for the last */
	uint64_t docs;
};

static int parse_buckets(const char *arg, struct bucket *b, int *nb)
{
	const char *p = arg;
	double prev = -INFINITY;

	*nb = 0;
	while (*p) {
		size_t n = strcspn(p, ","), k;
		const char *colon = memchr(p, ':', n);
		size_t namelen = colon ? (size_t)(colon - p) : n;
		char num[64], *end;

		if (*nb == MAX_BUCKETS - 1)
			return usage_error("--buckets: at most %d buckets", MAX_BUCKETS);
		if (namelen == 0 || namelen >= sizeof(b->name))
			return usage_error("--buckets: a bucket needs a name of 1 to 31 characters");
		for (k = 0; k < namelen; k++)
			if (!(p[k] == '_' || p[k] == '-' || (p[k] >= 'a' && p[k] <= 'z') ||
			      (p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= '0' && p[k] <= '9')))
				return usage_error("--buckets: names are letters, digits, '_' and '-'");
		memcpy(b[*nb].name, p, namelen);
		b[*nb].name[namelen] = '\0';
		b[*nb].docs = 0;
		if (colon) {
			size_t nl = n - namelen - 1;
			if (nl == 0 || nl >= sizeof(num))
				return usage_error("--buckets: expected NAME:PERPLEXITY");
			memcpy(num, colon + 1, nl);
			num[nl] = '\0';
			b[*nb].below = strtod(num, &end);
			if (*end || !(b[*nb].below > prev) || !isfinite(b[*nb].below))
				return usage_error("--buckets: cut-offs must be increasing numbers ('%s')", num);
			prev = b[*nb].below;
		} else {
			if (p[n] != '\0')
				return usage_error("--buckets: only the last bucket may omit its cut-off");
			b[*nb].below = INFINITY;
		}
		(*nb)++;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*nb == 0)
		return usage_error("--buckets: give at least one NAME:PERPLEXITY");
	if (isfinite(b[*nb - 1].below)) {
		snprintf(b[*nb].name, sizeof(b->name), "tail");
		b[*nb].below = INFINITY;
		b[*nb].docs = 0;
		(*nb)++;
	}
	return 0;
}

/* The perplexity as JSON: rounded to one decimal as cc_net does, written
 * as Python writes a float (fixed below 1e16, else the shortest exponent
 * form that reads back the same: 1.4065476757366651e+62, as a model
 * without <unk> gives); beyond a double, 1e999 (JSON readers take it as
 * infinity).  out has room for 32 bytes at least; returns the length. */
static int fmt_ppl(char *out, size_t n, double v)
{
	double r = round(v * 10.0) / 10.0;
	int p, k;
	if (!isfinite(r))
		return snprintf(out, n, "1e999");
	if (r < 1e16)
		return snprintf(out, n, "%.1f", r);
	for (p = 0; p < 16; p++) {
		k = snprintf(out, n, "%.*e", p, r);
		if (strtod(out, NULL) == r)
			return k;
	}
	return snprintf(out, n, "%.16e", r);
}

/* ---- scoring on the threads of pmap.c ---- */

/* A worker's own scratch, on a line of its own: its text units (sharing
 * the tokenizer of --units bpe:, with a work area of its own) and scorer. */
struct ppl_thread {
	struct prep prep;
	struct scorer sc;
	double t_score;     /* seconds scoring documents */
} __attribute__((aligned(128)));

/* What the work on a document found, for writing it in order. */
struct ppl_slot {
	const char *reason;  /* NULL: kept */
	int bucket;          /* its bucket, -1 when it has no words */
	uint64_t tokens, oov, lines;
};

struct ppl_ctx {
	struct ppl_thread *th;
	struct ppl_slot *slot;
	const struct bucket *buckets;
	int nb;
	double max_ppl;
	/* counted as documents are written */
	uint64_t no_words, docs_scored, all_tokens, all_oov, all_lines, bucket_docs[MAX_BUCKETS];
};

static int ppl_doc(void *arg, int t, struct pmap_item *x)
{
	struct ppl_ctx *c = arg;
	struct ppl_thread *th = &c->th[t];
	struct ppl_slot *sl = &c->slot[x->slot];
	struct scorer *sc = &th->sc;
	const char *text;
	size_t n;
	double t0 = now();
	int rc, b;

	memset(sl, 0, sizeof(*sl));
	sl->bucket = -1;
	if ((rc = doc_text(&x->d, &text, &n)))
		return rc;
	sc->logp = 0;
	sc->tokens = sc->oov = sc->lines = 0;
	if ((rc = each_sentence(&th->prep, text, n, score_sentence, sc)))
		return rc;
	th->t_score += now() - t0;
	if (n > PMAP_BIG_DOC) {
		/* a large document: the thread does not keep its memory */
		buf_release(&th->prep.norm);
		buf_release(&th->prep.tmp);
		buf_release(&th->prep.pieces);
		pt_spans_release(&th->prep.words);
		bpe_ids_release(&th->prep.ids);
		bpe_work_trim(th->prep.work);
		free(sc->ids);
		free(sc->hash);
		sc->ids = NULL;
		sc->hash = NULL;
		sc->cap = 0;
	}
	sl->tokens = sc->tokens;
	sl->oov = sc->oov;
	sl->lines = sc->lines;
	if (sc->tokens == 0) {
		if (c->nb && (rc = doc_meta_set_str(&x->d, "bucket", "all", 3)))
			return rc;
		if (c->max_ppl > 0)
			sl->reason = "no_words";
	} else {
		double ppl = pow(10.0, -sc->logp / (double)sc->tokens);
		char num[64];

		if ((rc = doc_meta_set_raw(&x->d, "perplexity", num, (size_t)fmt_ppl(num, sizeof(num), ppl))))
			return rc;
		ppl = strtod(num, NULL); /* decide on the value written */
		for (b = 0; b < c->nb; b++)
			if (ppl < c->buckets[b].below)
				break;
		if (c->nb) {
			sl->bucket = b;
			if ((rc = doc_meta_set_str(&x->d, "bucket", c->buckets[b].name, strlen(c->buckets[b].name))))
				return rc;
		} else {
			sl->bucket = 0;
		}
		if (c->max_ppl > 0 && ppl > c->max_ppl)
			sl->reason = "high_perplexity";
	}
	return 0;
}

/* In input order, on the calling thread: count, keep or reject (a failed
 * document has stopped the run: pmap.failed is NULL). */
static int ppl_emit(void *arg, struct stage *st, struct pmap_item *x)
{
	struct ppl_ctx *c = arg;
	struct ppl_slot *sl = &c->slot[x->slot];
	c->all_tokens += sl->tokens;
	c->all_oov += sl->oov;
	c->all_lines += sl->lines;
	if (sl->bucket < 0) {
		c->no_words++;
	} else {
		c->docs_scored++;
		if (c->nb)
			c->bucket_docs[sl->bucket]++;
	}
	return sl->reason ? stage_reject(st, &x->d, sl->reason) : stage_emit(st, &x->d);
}

static int ppl_score(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice ppl [--model M] [--max-perplexity X | --buckets B] [<options>] [<file>...]",
		"   or: sluice ppl train|build|calibrate ...   (see 'sluice ppl train --help')",
		"",
		"Score each document with an n-gram language model as cc_net does: every",
		"line is normalized (lower case, accents removed, digits to 0, Unicode",
		"punctuation to ASCII, controls removed), split at whitespace and scored",
		"with <s> ... </s> (KenLM's semantics); the document's perplexity",
		"10^(-sum log10 p / (words + lines)) goes to metadata.perplexity, rounded",
		"to one decimal.  --max-perplexity keeps documents at most X (others are",
		"rejected as high_perplexity); --buckets writes metadata.bucket, cc_net's",
		"head/middle/tail split.  Documents without words get no perplexity:",
		"bucket \"all\", or rejected as no_words under --max-perplexity.",
		"",
		"The model (--model: ARPA text, plain or compressed, or the .slm binary",
		"from 'sluice ppl build') defaults to $" PPL_MODEL_ENV ", else models/" PPL_MODEL_NAME,
		"(English, trained on the Brown Corpus by tools/get-ppl-model.sh).",
		"",
		"  sluice ppl --max-perplexity 1000 docs.jsonl.gz > kept.jsonl",
		"  sluice ppl --buckets head:340,middle:520 --model en.slm docs.jsonl",
		"  sluice ppl --annotate-only --unit doc docs.jsonl | sluice stats",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *model_path = NULL, *buckets_arg = NULL, *unit = NULL, *units = NULL;
	double max_ppl = -1;
	int no_normalize = 0, nthreads = 1;
	struct option opts[] = {
		OPT_STRING(0, "model", &model_path, "PATH", "ARPA or .slm model (default: models/en-brown.slm, which tools/get-ppl-model.sh builds)"),
		OPT_STRING(0, "units", &units, "words|bpe:VOCAB", "what the model's words are (default: what the model records, else words)"),
		OPT_DOUBLE(0, "max-perplexity", &max_ppl, "X", "keep documents whose perplexity is at most X"),
		OPT_STRING(0, "buckets", &buckets_arg, "NAME:X,...", "metadata.bucket: the first NAME whose cut-off the perplexity is below; the rest are \"tail\" (or a last NAME without :X)"),
		OPT_STRING(0, "unit", &unit, "line|doc", "score each line as a sentence (default), or the whole document as one, as cc_net's pipeline does"),
		OPT_FLAG(0, "no-normalize", &no_normalize, "score the text as it is (only split at whitespace)"),
		OPT_INT('j', "threads", &nthreads, "N", "score on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct bucket buckets[MAX_BUCKETS];
	struct prep prep;
	struct stage st;
	struct lm_model *m;
	struct ppl_ctx c = { 0 };
	struct pmap pm = { 0 };
	uint64_t lookups = 0, unused;
	double t_load, t_score = 0, t_core = 0;
	int nargs, rc, nb = 0, from_default, b, i, bpe_failed = 0;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	prep_init(&prep);
	prep.normalize = !no_normalize;
	if ((rc = parse_unit(unit, &prep)))
		goto early;
	if (buckets_arg && (rc = parse_buckets(buckets_arg, buckets, &nb)))
		goto early;
	if (max_ppl != -1 && !(max_ppl > 0)) {
		rc = usage_error("--max-perplexity must be a positive number");
		goto early;
	}
	if (nthreads < 1 || nthreads > 1024) {
		rc = usage_error("--threads must be between 1 and 1024");
		goto early;
	}
	t_load = now();
	m = open_model(model_path, &from_default);
	if (!m) {
		rc = 1;
		goto early;
	}
	t_load = now() - t_load;
	if (units && strcmp(m->units, "words") != 0 && strcmp(units, m->units) != 0) {
		msg("the model was trained on units '%s', not '%s'", m->units, units);
		lm_free(m);
		rc = 1;
		goto early;
	}
	if ((rc = prep_units(&prep, units ? units : m->units))) {
		lm_free(m);
		goto early;
	}
	c.buckets = buckets;
	c.nb = nb;
	c.max_ppl = max_ppl;
	pm.nthreads = nthreads;
	pm.work = ppl_doc;
	pm.emit = ppl_emit;
	pm.what = "scoring a document";
	pm.arg = &c;
	rc = pmap_alloc(&pm, sizeof(*c.th), (void **)&c.th, sizeof(*c.slot), (void **)&c.slot);
	if (c.th) {
		for (i = 0; i < nthreads; i++) {
			/* the options and the tokenizer of prep (which owns it) */
			prep_init(&c.th[i].prep);
			c.th[i].prep.normalize = prep.normalize;
			c.th[i].prep.whole_doc = prep.whole_doc;
			c.th[i].sc.m = m;
		}
		for (i = 0; i < nthreads && prep.bpe && !bpe_failed; i++) {
			c.th[i].prep.bpe = prep.bpe;
			bpe_failed = bpe_work_new(prep.bpe, &c.th[i].prep.work) != 0;
		}
	}
	if (rc || bpe_failed) {
		msg_code(SL_ENOMEM, "setting up");
		rc = 1;
		goto out;
	}
	rc = stage_begin(&st, "ppl", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		goto out;
	pmap_run(&st, &pm, &unused);
	for (i = 0; i < nthreads; i++) {
		lookups += c.th[i].sc.lookups;
		t_core += c.th[i].sc.t_core;
		t_score += c.th[i].t_score;
	}
	for (b = 0; b < nb; b++)
		buckets[b].docs = c.bucket_docs[b];
	buf_addf(&st.extra, ",\n  \"model_load_seconds\": %.4f", t_load);
	buf_addf(&st.extra, ",\n  \"docs_scored\": %llu,\n  \"docs_without_words\": %llu",
		 (unsigned long long)c.docs_scored, (unsigned long long)c.no_words);
	buf_addf(&st.extra, ",\n  \"sentences\": %llu,\n  \"tokens\": %llu,\n  \"oov_tokens\": %llu",
		 (unsigned long long)c.all_lines, (unsigned long long)c.all_tokens, (unsigned long long)c.all_oov);
	/* the core (ids to probabilities) and the whole (text to perplexity) */
	buf_addf(&st.extra, ",\n  \"lookups\": %llu,\n  \"core_seconds\": %.3f,\n  \"lookups_per_second\": %.0f"
		 ",\n  \"core_words_per_second\": %.0f,\n  \"words_per_second\": %.0f",
		 (unsigned long long)lookups, t_core, t_core > 0 ? (double)lookups / t_core : 0.0,
		 t_core > 0 ? (double)c.all_tokens / t_core : 0.0,
		 t_score > 0 ? (double)c.all_tokens / t_score : 0.0);
	if (nb) {
		buf_addstr(&st.extra, ",\n  \"buckets\": {");
		for (b = 0; b < nb; b++)
			buf_addf(&st.extra, "%s\"%s\": %llu", b ? ", " : "", buckets[b].name,
				 (unsigned long long)buckets[b].docs);
		buf_addf(&st.extra, "%s\"all\": %llu}", nb ? ", " : "", (unsigned long long)c.no_words);
	}
	rc = stage_end(&st);
out:
	for (i = 0; c.th && i < nthreads; i++) {
		c.th[i].prep.bpe = NULL; /* (prep's) */
		prep_release(&c.th[i].prep);
		free(c.th[i].sc.ids);
		free(c.th[i].sc.hash);
	}
	free(c.th);
	free(c.slot);
	lm_free(m);
early:
	prep_release(&prep);
	return rc;
}

/* ---- train ---- */

struct trainer {
	struct lmtrain *t;
	const char **w;
	size_t *len;
	size_t cap;
};

static int train_sentence(void *ctx, struct prep *p)
{
	struct trainer *tr = ctx;
	size_t n = p->words.n, i;

	if (n > tr->cap) {
		const char **w = realloc(tr->w, n * 2 * sizeof(*w));
		size_t *len;
		if (!w)
			return SL_ENOMEM;
		tr->w = w;
		len = realloc(tr->len, n * 2 * sizeof(*len));
		if (!len)
			return SL_ENOMEM;
		tr->len = len;
		tr->cap = n * 2;
	}
	for (i = 0; i < n; i++) {
		tr->w[i] = p->wbase + p->words.v[i].off;
		tr->len[i] = p->words.v[i].len;
	}
	return lmt_add(tr->t, tr->w, tr->len, n);
}

static int parse_prune(const char *arg, struct lmt_opts *lo)
{
	const char *p = arg;
	int n = 1;
	uint64_t last = 0;

	while (*p) {
		char *end;
		unsigned long long v;

		if (n > LM_MAX_ORDER)
			return usage_error("--prune: at most %d thresholds", LM_MAX_ORDER);
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno || (*end && *end != ','))
			return usage_error("--prune: expected counts like 0,0,1 ('%s')", arg);
		if (n == 1 && v)
			return usage_error("--prune: unigrams are never pruned (the first threshold must be 0)");
		if (v < last)
			return usage_error("--prune: thresholds may not decrease with the order");
		lo->prune[n++] = last = v;
		p = *end ? end + 1 : end;
	}
	for (; n <= LM_MAX_ORDER; n++)
		lo->prune[n] = last;
	return 0;
}

static int ppl_train(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice ppl train [--order N] [--prune LIST] -o MODEL.arpa [<options>] [<file>...]",
		"",
		"Estimate an interpolated modified Kneser-Ney n-gram model from the",
		"documents' text, as KenLM's lmplz does, and write it as ARPA text",
		"(-o MODEL.arpa.gz compresses).  The text is prepared as 'sluice ppl'",
		"prepares what it scores: each line normalized as cc_net does and split",
		"at whitespace, one sentence per line (or per document with --unit doc).",
		"--prune 0,0,1 drops 3-grams and longer seen once (lmplz's --prune): their",
		"probability mass backs off, so the model still sums to one.  Counting",
		"spills sorted runs to --temp-dir when the --memory budget is reached.",
		"",
		"  sluice ppl train --order 5 --prune 0,0,1 corpus.jsonl.gz -o en.arpa",
		"  sluice ppl build en.arpa -o en.slm",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *out_path = NULL, *prune = NULL, *unit = NULL, *tmpdir = NULL, *units = NULL;
	int order = 5, no_normalize = 0, fallback = 0;
	size_t memory = (size_t)1 << 30;
	struct option opts[] = {
		OPT_STRING('o', "output", &out_path, "FILE", "the ARPA file to write (required; .gz/.zst compress)"),
		OPT_INT(0, "order", &order, "N", "n-gram order, 2 to 8 (default 5)"),
		OPT_STRING(0, "prune", &prune, "LIST", "per-order count thresholds, e.g. 0,0,1 (default: keep all)"),
		OPT_SIZE(0, "memory", &memory, "SIZE", "memory for n-gram counts before spilling to disk (default 1G)"),
		OPT_STRING(0, "temp-dir", &tmpdir, "DIR", "where spilled counts go (default $TMPDIR or /tmp)"),
		OPT_FLAG(0, "discount-fallback", &fallback, "use discounts 0.5 1 1.5 where the data cannot give them"),
		OPT_STRING(0, "unit", &unit, "line|doc", "one sentence per line (default) or per document"),
		OPT_STRING(0, "units", &units, "words|bpe:VOCAB", "model words (default) or BPE tokens of a sluice tok vocabulary (recorded in the model)"),
		OPT_FLAG(0, "no-normalize", &no_normalize, "train on the text as it is (only split at whitespace)"),
		OPT_GROUP("Input:"),
		OPT_STRING(0, "stats", &o.stats, "FILE", "write counters as JSON"),
		STAGE_INPUT_OPTIONS(&o),
		OPT_END(),
	};
	struct lmt_opts lo = { 0 };
	struct lmt_report rep;
	struct trainer tr = { 0 };
	struct outstream *out = NULL;
	struct prep prep;
	struct stage st;
	struct doc d;
	const char *why = NULL;
	int nargs, rc;
	double t0 = now();

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!out_path)
		return usage_error("-o MODEL.arpa is required");
	if (order < 2 || order > LM_MAX_ORDER)
		return usage_error("--order must be between 2 and %d", LM_MAX_ORDER);
	if (memory < ((size_t)1 << 20))
		return usage_error("--memory must be at least 1M");
	lo.order = order;
	lo.memory = memory;
	lo.tmpdir = tmpdir ? tmpdir : getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	lo.discount_fallback = fallback;
	if (prune && (rc = parse_prune(prune, &lo)))
		return rc;
	prep_init(&prep);
	prep.normalize = !no_normalize;
	if ((rc = parse_unit(unit, &prep)) || (rc = prep_units(&prep, units))) {
		prep_release(&prep);
		return rc;
	}
	lo.units = units;
	if ((rc = lmt_new(&tr.t, &lo))) {
		prep_release(&prep);
		msg_code(rc, "cannot start training");
		return 1;
	}
	o.output = "/dev/null";
	stage_also_writes(&o, "-o", out_path);
	if ((rc = stage_begin(&st, "ppl train", STAGE_SPLIT_JSONL, &o, argv + 1, nargs))) {
		lmt_free(tr.t);
		prep_release(&prep);
		return rc;
	}
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *t;
		size_t n;

		if ((rc = doc_text(&d, &t, &n)) || (rc = each_sentence(&prep, t, n, train_sentence, &tr))) {
			if (rc == SL_EOPEN || rc == SL_EIO)
				msg_code(rc, "cannot spill counts to '%s'", lo.tmpdir);
			else
				msg_code(rc, "counting n-grams");
			st.failed = 1;
			break;
		}
		st.docs_out++;
	}
	if (!st.failed) {
		rc = outstream_open(&out, out_path, -1);
		if (rc) {
			msg_code(rc, "cannot write '%s'", out_path);
			st.failed = 1;
		}
	}
	if (!st.failed) {
		rc = lmt_finish(tr.t, out, &rep, &why);
		if (rc) {
			if (why)
				msg("%s", why);
			else if (outstream_error(out))
				msg_code(outstream_error(out), "cannot write '%s'", out_path);
			else
				msg_code(rc, "cannot estimate the model");
			st.failed = 1;
		}
		rc = outstream_close(out, !st.failed);
		if (rc && !st.failed) {
			msg_code(rc, "cannot write '%s'", out_path);
			st.failed = 1;
		}
	}
	if (!st.failed) {
		char line[256];
		size_t k = 0;

		for (int n = 1; n <= order; n++)
			k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%llu", n > 1 ? " " : "",
					       (unsigned long long)rep.counts[n]);
		if (!o.quiet)
			msg("%llu sentences, %llu words; n-grams per order: %s; %llu spill%s; %.1f s",
			    (unsigned long long)rep.sentences, (unsigned long long)rep.tokens, line,
			    (unsigned long long)rep.spills, rep.spills == 1 ? "" : "s", now() - t0);
		buf_addf(&st.extra, ",\n  \"sentences\": %llu,\n  \"words\": %llu,\n  \"spills\": %llu,\n  \"ngrams\": [",
			 (unsigned long long)rep.sentences, (unsigned long long)rep.tokens,
			 (unsigned long long)rep.spills);
		for (int n = 1; n <= order; n++)
			buf_addf(&st.extra, "%s%llu", n > 1 ? ", " : "", (unsigned long long)rep.counts[n]);
		buf_addstr(&st.extra, "],\n  \"discounts\": [");
		for (int n = 1; n <= order; n++)
			buf_addf(&st.extra, "%s[%.6g, %.6g, %.6g]", n > 1 ? ", " : "", rep.discount[n][1],
				 rep.discount[n][2], rep.discount[n][3]);
		buf_addstr(&st.extra, "]");
	}
	free(tr.w);
	free(tr.len);
	lmt_free(tr.t);
	doc_release(&d);
	prep_release(&prep);
	return stage_end(&st);
}

/* ---- build ---- */

static int write_out(void *ctx, const void *p, size_t n)
{
	return outstream_write(ctx, p, n);
}

static int ppl_build(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice ppl build MODEL.arpa -o MODEL.slm",
		"",
		"Convert an ARPA model (plain, .gz or .zst) to sluice's binary format: hash",
		"tables that 'sluice ppl' memory-maps and checks in milliseconds, with the",
		"same scores as the ARPA text.  Prints the model's sizes.",
		"",
		"  sluice ppl build en.arpa.gz -o en.slm",
		NULL
	};
	const char *out_path = NULL;
	struct option opts[] = {
		OPT_STRING('o', "output", &out_path, "FILE", "the .slm file to write (required)"),
		OPT_END(),
	};
	struct lm_model *m;
	struct outstream *out;
	int nargs, rc, from_default;
	double t0 = now();

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (nargs != 1)
		return usage_error("give one ARPA file");
	if (!out_path)
		return usage_error("-o MODEL.slm is required");
	m = open_model(argv[1], &from_default);
	if (!m)
		return 1;
	rc = outstream_open(&out, out_path, 0);
	if (rc) {
		msg_code(rc, "cannot write '%s'", out_path);
		lm_free(m);
		return 1;
	}
	rc = lm_write_binary(m, write_out, out);
	rc = outstream_close(out, rc == 0) ? (rc ? rc : SL_EIO) : rc;
	if (rc) {
		msg_code(rc, "cannot write '%s'", out_path);
		lm_free(m);
		return 1;
	}
	{
		char line[256];
		size_t k = 0;
		uint64_t blanks = 0;
		for (int n = 1; n <= m->order; n++) {
			k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%llu", n > 1 ? " " : "",
					       (unsigned long long)(m->counts[n] - m->blanks[n]));
			blanks += m->blanks[n];
		}
		msg("'%s': order %d, n-grams per order: %s (+%llu missing suffixes added as blanks); %.2f s",
		    out_path, m->order, line, (unsigned long long)blanks, now() - t0);
	}
	lm_free(m);
	return 0;
}

/* ---- calibrate ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* numpy.percentile's default (linear interpolation between ranks). */
static double percentile(const double *v, size_t n, double q)
{
	double pos = q / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;

	return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

static int ppl_calibrate(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice ppl calibrate [--percentiles 30,60] [--names head,middle,tail] [<file>...]",
		"",
		"Compute perplexity cut-offs from a sample, as cc_net computed its",
		"cutoff.csv: the given percentiles (numpy's linear interpolation) of the",
		"documents' perplexities, taken from metadata.perplexity when present and",
		"otherwise scored with --model.  Prints JSON with the cut-offs and the",
		"--buckets argument that uses them.",
		"",
		"  sluice ppl calibrate sample.jsonl.gz",
		"  sluice ppl --buckets \"$(sluice ppl calibrate sample.jsonl | jq -r .buckets)\" crawl.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *model_path = NULL, *pcts = "30,60", *names = "head,middle,tail", *unit = NULL, *out_path = NULL;
	int no_normalize = 0;
	struct option opts[] = {
		OPT_STRING(0, "percentiles", &pcts, "LIST", "increasing percentiles (default 30,60)"),
		OPT_STRING(0, "names", &names, "LIST", "bucket names, one more than percentiles (default head,middle,tail)"),
		OPT_STRING(0, "model", &model_path, "PATH", "model for documents without metadata.perplexity"),
		OPT_STRING(0, "unit", &unit, "line|doc", "as for 'sluice ppl'"),
		OPT_FLAG(0, "no-normalize", &no_normalize, "as for 'sluice ppl'"),
		OPT_STRING('o', "output", &out_path, "FILE", "write the JSON to FILE; default stdout"),
		OPT_GROUP("Input:"),
		STAGE_INPUT_OPTIONS(&o),
		OPT_END(),
	};
	double q[MAX_BUCKETS], *v = NULL;
	char name[MAX_BUCKETS][32];
	size_t nv = 0, cap = 0;
	int nq = 0, nn = 0, nargs, rc, from_default;
	struct lm_model *m = NULL;
	struct scorer sc = { 0 };
	struct prep prep;
	struct stage st;
	struct doc d;
	struct buf js = BUF_INIT;
	const char *p;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	for (p = pcts; *p;) {
		char *end;
		if (nq == MAX_BUCKETS - 1)
			return usage_error("--percentiles: at most %d", MAX_BUCKETS - 1);
		q[nq] = strtod(p, &end);
		if (end == p || (*end && *end != ',') || !(q[nq] > 0 && q[nq] < 100) || (nq && q[nq] <= q[nq - 1]))
			return usage_error("--percentiles: increasing numbers between 0 and 100 ('%s')", pcts);
		nq++;
		p = *end ? end + 1 : end;
	}
	for (p = names; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= 32 || nn == MAX_BUCKETS)
			return usage_error("--names: 1 to 31 characters each");
		memcpy(name[nn], p, n);
		name[nn++][n] = '\0';
		p += n + (p[n] == ',');
	}
	if (nn != nq + 1)
		return usage_error("--names must give one more name than --percentiles");
	prep_init(&prep);
	prep.normalize = !no_normalize;
	if ((rc = parse_unit(unit, &prep))) {
		prep_release(&prep);
		return rc;
	}
	o.output = "/dev/null";
	stage_also_writes(&o, "-o", out_path);
	if ((rc = stage_begin(&st, "ppl calibrate", STAGE_SPLIT_JSONL, &o, argv + 1, nargs))) {
		prep_release(&prep);
		return rc;
	}
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		size_t n;
		const char *raw = doc_get_path(&d, "metadata.perplexity", &n);
		double x = NAN;

		if (raw && n < 64) {
			char tmp[64], *end;
			memcpy(tmp, raw, n);
			tmp[n] = '\0';
			x = strtod(tmp, &end);
			if (*end)
				x = NAN;
		} else {
			const char *t;
			if (!m) {
				m = open_model(model_path, &from_default);
				if (!m || (rc = prep_units(&prep, m->units))) {
					st.failed = 1;
					break;
				}
				sc.m = m;
			}
			sc.logp = 0;
			sc.tokens = 0;
			if ((rc = doc_text(&d, &t, &n)) || (rc = each_sentence(&prep, t, n, score_sentence, &sc))) {
				msg_code(rc, "scoring a document");
				st.failed = 1;
				break;
			}
			if (sc.tokens)
				x = pow(10.0, -sc.logp / (double)sc.tokens);
		}
		st.docs_out++;
		if (!isfinite(x))
			continue;
		if (ARRAY_GROW(v, cap, nv + 1)) {
			msg_code(SL_ENOMEM, "holding the perplexities");
			st.failed = 1;
			break;
		}
		v[nv++] = x;
	}
	if (!st.failed && nv == 0) {
		msg("no document has a perplexity: nothing to calibrate");
		st.failed = 1;
	}
	if (!st.failed) {
		struct outstream *out;
		qsort(v, nv, sizeof(*v), cmp_double);
		buf_addf(&js, "{\"docs\": %zu, \"percentiles\": {", nv);
		for (int i = 0; i < nq; i++)
			buf_addf(&js, "%s\"%g\": %.1f", i ? ", " : "", q[i], percentile(v, nv, q[i]));
		buf_addstr(&js, "}, \"buckets\": \"");
		for (int i = 0; i < nq; i++)
			buf_addf(&js, "%s%s:%.1f", i ? "," : "", name[i], percentile(v, nv, q[i]));
		buf_addf(&js, ",%s\"}\n", name[nq]);
		rc = outstream_open(&out, out_path ? out_path : "-", -1);
		if (!rc) {
			rc = outstream_write(out, js.ptr, js.len);
			rc = outstream_close(out, rc == 0) ? (rc ? rc : SL_EIO) : rc;
		}
		if (rc) {
			msg_code(rc, "cannot write '%s'", out_path ? out_path : "-");
			st.failed = 1;
		}
	}
	buf_release(&js);
	free(v);
	free(sc.ids);
	free(sc.hash);
	lm_free(m);
	doc_release(&d);
	prep_release(&prep);
	return stage_end(&st);
}

int cmd_ppl(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "train", ppl_train },
		{ "build", ppl_build },
		{ "calibrate", ppl_calibrate },
		{ NULL, NULL },
	};

	if (argc > 1) {
		for (const struct subcommand *s = subs; s->name; s++)
			if (strcmp(argv[1], s->name) == 0)
				return run_subcommand("ppl", "ppl command", subs, NULL, argc, argv);
	}
	return ppl_score(argc, argv);
}
