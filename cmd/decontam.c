/*
 * decontam.c - `sluice decontam`: drop (or annotate) documents that share
 * an n-gram of normalized words with evaluation sets, GPT-3 style.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "error.h"
#include "hashset.h"
#include "instream.h"
#include "jsonl.h"
#include "minhash.h"
#include "msg.h"
#include "mhpool.h"
#include "pmap.h"
#include "stage.h"

/* Read one evaluation file: every n-gram of every document goes into the
 * index with the document's id.  0 or 1 (reported). */
static int load_eval(const char *path, struct dd_minhash *m, struct dd_hashset *hs,
		     struct dd_idlist *ids, struct dd_budget *bg, uint64_t *ndocs, uint64_t *nshort)
{
	struct instream *in;
	struct jsonl_reader r;
	struct doc d;
	struct json_err e;
	const char *line, *t, *id;
	size_t len, tn, idn, i;
	uint32_t v;
	int rc, reported = 0;

	if ((rc = instream_open(&in, path))) {
		msg_code(rc, "cannot open '%s'", path);
		return 1;
	}
	if ((rc = jsonl_reader_init(&r, in, 0, UINT64_MAX, 0))) {
		msg_code(rc, "cannot read '%s'", path);
		instream_free(in);
		return 1;
	}
	doc_init(&d);
	while ((rc = jsonl_next(&r, &line, &len)) > 0) {
		if (!len)
			continue;
		if ((rc = doc_parse(&d, line, len, (size_t)1 << 30, DOC_ID_OPTIONAL, &e)) ||
		    (rc = doc_text(&d, &t, &tn))) {
			msg("'%s': line %" PRIu64 ": not an evaluation document (%s)", path, r.line_no,
			    rc == SL_EJSON ? e.msg : sl_strerror(rc));
			reported = 1;
			break;
		}
		if ((rc = dd_minhash_shingles(m, t, tn))) {
			msg_code(rc, "'%s': line %" PRIu64, path, r.line_no);
			reported = 1;
			break;
		}
		(*ndocs)++;
		if (!m->nsh) {
			(*nshort)++;
			continue;
		}
		if (d.i_id >= 0) {
			id = doc_get_raw(&d, "id", &idn);
		} else {
			static char name[64];
			snprintf(name, sizeof(name), "\"line %" PRIu64 "\"", r.line_no);
			id = name;
			idn = strlen(name);
		}
		if ((rc = dd_idlist_add(ids, id, idn, &v)))
			break;
		for (i = 0; i < m->nsh; i++)
			if ((rc = dd_hashset_put(hs, m->sh[i], v, NULL)) < 0)
				break;
		if (rc < 0)
			break;
		rc = 0;
	}
	if (reported) {
		;
	} else if (rc == SL_ETOOBIG || rc == SL_ENOMEM) {
		char mx[32];
		opt_format_size(bg->max, mx, sizeof(mx));
		msg("the n-grams of '%s' would exceed --max-memory %s", path, mx);
	} else if (rc < 0) {
		msg_code(rc, "cannot read '%s'", path);
	}
	doc_release(&d);
	jsonl_reader_release(&r);
	instream_free(in);
	return rc ? 1 : 0;
}

/* On the threads of pmap.c: each shingles with its own scratch (mhpool.h)
 * and looks in the (read-only) index; the calling thread writes in input
 * order. */
struct dc_ctx {
	struct mh_pool pool;          /* (only the shingles are used) */
	const struct dd_hashset *hs;
	const struct dd_idlist *ids;
	int *hit;                     /* per slot: found */
	uint32_t *of;                 /* per slot: the evaluation document found */
};

static int dc_doc(void *arg, int t, struct pmap_item *x)
{
	struct dc_ctx *c = arg;
	struct dd_minhash *m = &c->pool.mh[t];
	const char *text;
	size_t n, k;
	int rc, hit = 0;
	uint32_t v = 0;
	x->what = "cannot read a document's words";
	if ((rc = doc_text(&x->d, &text, &n)) || (rc = dd_minhash_shingles(m, text, n)))
		return rc;
	for (k = 0; k < m->nsh && !hit; k++)
		hit = dd_hashset_get(c->hs, m->sh[k], &v);
	mh_pool_trim(&c->pool, t, n);
	c->hit[x->slot] = hit;
	c->of[x->slot] = v;
	return 0;
}

static int dc_write(void *arg, struct stage *st, struct pmap_item *x)
{
	struct dc_ctx *c = arg;
	const char *id;
	size_t idn;
	int rc;
	if (!c->hit[x->slot])
		return stage_emit(st, &x->d);
	id = dd_idlist_get(c->ids, c->of[x->slot], &idn);
	if ((rc = doc_meta_set_raw(&x->d, "contaminated_by", id, idn))) {
		msg_code(rc, "internal error");
		st->failed = 1;
		return -1;
	}
	return stage_reject(st, &x->d, "contaminated");
}

int cmd_decontam(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice decontam --against EVAL.jsonl [<options>] [<file>...]",
		"",
		"Remove documents that share an n-gram of words (default 13, GPT-3 style)",
		"with any document of the evaluation sets.  Words are the whitespace tokens",
		"of datatrove's simplify_text (lowercase, no punctuation, numbers as 0, no",
		"diacritics), as for MinHash.  A removed document is rejected as",
		"contaminated with metadata.contaminated_by = the evaluation document's id",
		"(\"line N\" when it has none).  Evaluation documents shorter than --ngram",
		"words are counted (eval_too_short in --stats) and cannot match.",
		"",
		"  sluice decontam --against mmlu.jsonl --against hellaswag.jsonl docs.jsonl.zst -o clean.jsonl.zst",
		"  sluice decontam --threads 8 --against mmlu.jsonl docs.jsonl.zst -o clean.jsonl.zst",
		NULL
	};
	struct stage_opts o = { 0 };
	struct opt_list against = { 0 };
	int ngram = 13, nthreads = 1;
	size_t max_memory = (size_t)4 << 30;
	struct option opts[] = {
		OPT_GROUP("Decontamination:"),
		OPT_LIST(0, "against", &against, "FILE", "an evaluation set (JSONL with \"text\"; repeatable; required)"),
		OPT_INT(0, "ngram", &ngram, "N", "words per n-gram (default 13)"),
		OPT_SIZE(0, "max-memory", &max_memory, "SIZE", "the most memory the n-gram index may use (default 4G)"),
		OPT_INT('j', "threads", &nthreads, "N", "look up documents on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct dd_minhash_cfg cfg = DD_MINHASH_DEFAULTS;
	struct dd_minhash m;
	struct dd_budget bg;
	struct dd_hashset hs;
	struct dd_idlist ids;
	struct stage st;
	struct dc_ctx c = { 0 };
	struct pmap pm = { 0 };
	uint64_t eval_docs = 0, eval_short = 0, unused;
	int nargs, rc;
	size_t i, nslots;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!against.n) {
		free(against.items);
		return usage_error("--against EVAL.jsonl is required");
	}
	if (ngram < 1 || ngram > 1000) {
		free(against.items);
		return usage_error("--ngram must be between 1 and 1000");
	}
	if (nthreads < 1 || nthreads > 1024) {
		free(against.items);
		return usage_error("--threads must be between 1 and 1024");
	}
	cfg.ngram = ngram;
	cfg.buckets = cfg.rows = 1;  /* only the shingles are used */
	rc = stage_begin(&st, "decontam", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		free(against.items);
		return rc;
	}
	bg.used = 0;
	bg.max = max_memory;
	dd_hashset_init(&hs, &bg);
	dd_idlist_init(&ids, &bg);
	if ((rc = dd_minhash_init(&m, &cfg))) {
		msg_code(rc, "cannot set up");
		st.failed = 1;
		goto out;
	}
	for (i = 0; i < against.n; i++)
		if (load_eval(against.items[i], &m, &hs, &ids, &bg, &eval_docs, &eval_short)) {
			st.failed = 1;
			goto out;
		}
	pm.nthreads = nthreads;
	pm.work = dc_doc;
	pm.emit = dc_write;
	pm.arg = &c;
	nslots = pmap_slots(&pm);
	c.hs = &hs;
	c.ids = &ids;
	if ((rc = mh_pool_init(&c.pool, &cfg, &pm)) || (!(c.hit = calloc(nslots, sizeof(*c.hit))) && (rc = SL_ENOMEM)) ||
	    (!(c.of = calloc(nslots, sizeof(*c.of))) && (rc = SL_ENOMEM))) {
		msg_code(rc, "cannot set up");
		st.failed = 1;
		goto out;
	}
	pmap_run(&st, &pm, &unused);
out:
	buf_addf(&st.extra, ",\n  \"eval_docs\": %" PRIu64 ",\n  \"eval_too_short\": %" PRIu64
		 ",\n  \"eval_ngrams\": %zu,\n  \"index_bytes\": %zu",
		 eval_docs, eval_short, hs.n + (size_t)hs.has_zero, bg.used);
	free(against.items);
	dd_minhash_release(&m);
	mh_pool_release(&c.pool);
	free(c.hit);
	free(c.of);
	dd_hashset_release(&hs);
	dd_idlist_release(&ids);
	return stage_end(&st);
}
