/*
 * quality.c - sluice quality: Gopher, Gopher repetition, C4 and FineWeb
 * rules with datatrove's defaults and reason names (filters/quality.h).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "builtin.h"
#include "error.h"
#include "json.h"
#include "langcfg.h"
#include "msg.h"
#include "pmap.h"
#include "quality.h"
#include "stage.h"

struct langent {
	char *lang;
	struct qparams *p;   /* NULL: no config for this language */
	int bad;             /* its config could not be loaded */
	char *err;           /* (bad) why, printed at the first document in the
				language that is written; NULL: out of memory */
};

/* A worker's own scratch, on a line of its own. */
struct qthread {
	struct quality q;
	struct buf cur, sigs, lang;
} __attribute__((aligned(128)));

/* What the work on a document found, for writing it in order. */
struct qslot {
	const char *reason;  /* NULL: kept */
	int changed;         /* c4 rewrote the text */
	int missing;         /* --lang-config has no file for its language */
};

struct qctx {
	struct qparams base;
	const char *cfgdir;
	struct opt_list *sets;
	enum qrule rules[16];
	int nrules, signals;
	struct qthread *th;
	struct qslot *slot;
	uint64_t rewritten;
	/* the per-language parameters, loaded as languages come (by any
	 * thread: under mu) */
	pthread_mutex_t mu;
	struct langent *langs;
	size_t nlangs, caplangs;
	uint64_t missing;    /* documents evaluated with base for want of a file */
};

static int apply_sets(struct qparams *p, const struct opt_list *sets)
{
	size_t k;
	for (k = 0; k < sets->n; k++) {
		const char *eq = strchr(sets->items[k], '=');
		char key[128];
		size_t klen;
		if (!eq || (klen = (size_t)(eq - sets->items[k])) >= sizeof(key))
			return usage_error("--set wants RULE.NAME=VALUE, not '%s'", sets->items[k]);
		memcpy(key, sets->items[k], klen);
		key[klen] = 0;
		if (qparams_set(p, key, eq + 1))
			return usage_error("--set: unknown threshold or bad value '%s' (see sluice quality --help)",
					   sets->items[k]);
	}
	return 0;
}

/* The parameters for a language: from DIR/<lang>.yml, or for a label of
 * lid.176 from the file of FineWeb-2's name for it (DIR/deu_Latn.yml for
 * "de"), cached; else base (*missing set).  NULL when the language's file
 * cannot be loaded (*err: why, for printing in input order) or memory ran
 * out (*err NULL).  Under c->mu. */
static const struct qparams *params_for_locked(struct qctx *c, const char *lang, size_t n, const char **err,
					       int *missing)
{
	size_t k;
	char path[4096];
	struct qparams *p;
	int line, rc;

	if (!c->cfgdir || !n)
		return &c->base;
	for (k = 0; k < c->nlangs; k++)
		if (strlen(c->langs[k].lang) == n && !memcmp(c->langs[k].lang, lang, n)) {
			if (c->langs[k].bad) {
				*err = c->langs[k].err;
				return NULL;
			}
			if (!c->langs[k].p)
				*missing = 1;
			return c->langs[k].p ? c->langs[k].p : &c->base;
		}
	if (ARRAY_GROW(c->langs, c->caplangs, c->nlangs + 1))
		return NULL;
	c->langs[c->nlangs].lang = strndup(lang, n);
	c->langs[c->nlangs].p = NULL;
	c->langs[c->nlangs].bad = 0;
	c->langs[c->nlangs].err = NULL;
	if (!c->langs[c->nlangs].lang)
		return NULL;
	c->nlangs++;
	if (memchr(lang, '/', n) || memchr(lang, '\0', n) || n > 200 || lang[0] == '.') {
		*missing = 1;
		return &c->base;
	}
	snprintf(path, sizeof(path), "%s/%.*s.yml", c->cfgdir, (int)n, lang);
	if (access(path, F_OK) != 0) {
		/* a lid.176 label ("de"): FineWeb-2's name for it ("deu_Latn") */
		const char *fw = langcfg_fineweb2_name(lang, n);
		if (fw)
			snprintf(path, sizeof(path), "%s/%s.yml", c->cfgdir, fw);
		if (!fw || access(path, F_OK) != 0) {
			*missing = 1;
			return &c->base;
		}
	}
	p = malloc(sizeof(*p));
	if (!p || (rc = qparams_copy(p, &c->base))) {
		if (p)
			qparams_release(p);
		free(p);
		goto bad; /* (out of memory) */
	}
	rc = langcfg_load(path, p, &line);
	if (rc == SL_EFORMAT)
		c->langs[c->nlangs - 1].err = msg_text(0, "'%s': line %d: not a configuration this reader understands",
						       path, line);
	else if (rc)
		c->langs[c->nlangs - 1].err = msg_text(rc, "'%s'", path);
	if (rc || apply_sets(p, c->sets)) {
		qparams_release(p);
		free(p);
		goto bad;
	}
	c->langs[c->nlangs - 1].p = p;
	return p;
bad:
	c->langs[c->nlangs - 1].bad = 1;
	*err = c->langs[c->nlangs - 1].err;
	return NULL;
}

static const struct qparams *params_for(struct qctx *c, const char *lang, size_t n, const char **err,
					int *missing)
{
	const struct qparams *p;
	*missing = 0;
	*err = NULL;
	if (!c->cfgdir || !n)
		return &c->base;
	pthread_mutex_lock(&c->mu);
	p = params_for_locked(c, lang, n, err, missing);
	pthread_mutex_unlock(&c->mu);
	return p;
}

/* Evaluate the rule sets on one document (on thread t): its reason, the
 * signals and the rewritten text go into the document and its slot.  An
 * error stops the run there (pmap.failed is NULL). */
static int quality_doc(void *arg, int t, struct pmap_item *x)
{
	struct qctx *c = arg;
	struct qthread *th = &c->th[t];
	struct qslot *sl = &c->slot[x->slot];
	struct quality *q = &th->q;
	const char *text, *raw;
	size_t n, rn;
	const struct qparams *p;
	struct qresult r;
	int first = 1, big, k, rc;

	memset(sl, 0, sizeof(*sl));
	x->what = "document";
	if ((rc = doc_text(&x->d, &text, &n)))
		return rc;
	big = n > PMAP_BIG_DOC;
	buf_reset(&th->lang);
	raw = doc_get_path(&x->d, "metadata.language", &rn);
	if (c->cfgdir && raw && json_is_string(raw, rn) &&
	    (rc = json_string_decode(&th->lang, raw + 1, rn - 2, NULL))) {
		x->what = "metadata.language";
		return rc;
	}
	if (!(p = params_for(c, th->lang.ptr, th->lang.len, &x->err, &sl->missing))) {
		x->what = "language configuration"; /* (x->err: why its file could not be loaded) */
		return SL_ENOMEM;
	}
	buf_reset(&th->sigs);
	quality_new_text(q);
	for (k = 0; k < c->nrules; k++) {
		int i;
		/* the document's text until a rule rewrites it, then cur */
		if ((rc = quality_eval(q, c->rules[k], p, text, n, &r))) {
			x->what = "evaluating rules";
			return rc;
		}
		for (i = 0; c->signals && i < r.nsig; i++) {
			if ((rc = buf_addf(&th->sigs, "%s\"%s\":%.6g", first ? "{" : ",", r.sig[i].name, r.sig[i].v)))
				return rc;
			first = 0;
		}
		if (r.reason && !sl->reason)
			sl->reason = r.reason;
		if (sl->reason && !c->signals)
			break;
		if (!r.reason && r.rewritten && !sl->reason) {
			buf_reset(&th->cur);
			if ((rc = buf_add(&th->cur, q->out.ptr, q->out.len)))
				return rc;
			text = th->cur.ptr ? th->cur.ptr : "";
			n = th->cur.len;
			sl->changed = 1;
			quality_new_text(q);
		}
	}
	if (c->signals && ((rc = buf_addstr(&th->sigs, first ? "{}" : "}")) ||
			   (rc = doc_meta_set_raw(&x->d, "quality_signals", th->sigs.ptr, th->sigs.len))))
		return rc;
	if (sl->changed && !sl->reason && (rc = doc_set_text(&x->d, th->cur.ptr, th->cur.len)))
		return rc;
	if (th->cur.cap > PMAP_SLOT_KEEP)
		buf_release(&th->cur);
	if (big) {
		quality_release(q);
		quality_init(q);
		q->all_signals = c->signals;
		buf_release(&th->sigs);
	}
	return 0;
}

/* In input order, on the calling thread: keep or reject the document. */
static int quality_emit(void *arg, struct stage *st, struct pmap_item *x)
{
	struct qctx *c = arg;
	struct qslot *sl = &c->slot[x->slot];
	if (sl->changed && !sl->reason)
		c->rewritten++;
	c->missing += (uint64_t)sl->missing;
	return sl->reason ? stage_reject(st, &x->d, sl->reason) : stage_emit(st, &x->d);
}

int cmd_quality(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice quality [<options>] [<file>...]",
		"",
		"Apply the statistic quality rules of Gopher, C4 and FineWeb with datatrove's",
		"defaults and reason names; rejected documents carry metadata.rejected_by =",
		"\"quality:<reason>\" (gopher_short_doc, dup_line_frac, top_2_gram,",
		"too_few_sentences, line_punct_ratio, ...).  c4 rewrites the text: it removes",
		"lines (no terminal punctuation, fewer than 3 words, javascript, policy",
		"notices, citations).  Rules run in the order given; each sees the text the",
		"previous one left.  Words and sentences are split by the rules of spaCy's",
		"English tokenizer and sentencizer (its special cases, prefixes, suffixes,",
		"infixes and matcher), checked token for token against spaCy's own rule data",
		"(README: \"How close it is\").  Other languages use the same rules.",
		"",
		"Thresholds (--set RULE.NAME=VALUE; 'none' disables):",
		"  gopher: min_doc_words=50 max_doc_words=100000 min_avg_word_length=3",
		"    max_avg_word_length=10 max_symbol_word_ratio=0.1 max_bullet_lines_ratio=0.9",
		"    max_ellipsis_lines_ratio=0.3 max_non_alpha_words_ratio=0.8 min_stop_words=2",
		"  gopher-rep: dup_para_frac=0.3 dup_para_char_frac=0.2 dup_line_frac=0.3",
		"    dup_line_char_frac=0.2 top_N_gram (N=1..10; 2:0.2 3:0.18 4:0.16)",
		"    duplicated_N_n_grams (N=1..10; 5:0.15 6:0.14 7:0.13 8:0.12 9:0.11 10:0.1)",
		"  c4: remove_citations=1 filter_no_terminal_punct=1 min_num_sentences=5",
		"    min_words_per_line=3 max_word_length=1000 filter_lorem_ipsum=1",
		"    filter_javascript=1 filter_curly_bracket=1 filter_policy=1",
		"  fineweb: line_punct_thr=0.12 line_punct_exclude_zero=0 short_line_thr=0.67",
		"    short_line_length=30 char_duplicates_ratio=0.01 new_line_ratio=0.3",
		"",
		"  sluice quality --rules gopher,gopher-rep,c4,fineweb docs.jsonl.zst -o good.jsonl.zst",
		"  sluice quality --rules c4 --set c4.filter_no_terminal_punct=false in.jsonl",
		"  sluice quality --signals --annotate-only in.jsonl | sluice stats --numbers metadata.quality_signals",
		"  sluice quality --lang-config fineweb-2/configs in.jsonl  # by metadata.language",
		"  sluice quality --threads 8 big.jsonl.zst -o good.jsonl.zst  # same output, 8 cores",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *rules_arg = "gopher,gopher-rep,c4,fineweb";
	struct opt_list sets = { 0 };
	struct qctx c;
	int signals = 0, nthreads = 1;
	struct option opts[] = {
		OPT_STRING(0, "rules", &rules_arg, "LIST", "rule sets to apply, in order (default gopher,gopher-rep,c4,fineweb)"),
		OPT_LIST(0, "set", &sets, "RULE.NAME=VALUE", "override a threshold (repeatable)"),
		OPT_FLAG(0, "signals", &signals, "write every measured value under metadata.quality_signals"),
		OPT_INT('j', "threads", &nthreads, "N", "evaluate on N threads (output order unchanged; default 1)"),
		OPT_STRING(0, "lang-config", &c.cfgdir, "DIR", "per-language thresholds and stop words from DIR/<metadata.language>.yml (FineWeb-2 configs; lid.176 labels map to their names: de -> deu_Latn)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	int nargs, rc, i;
	struct stage st;
	struct pmap pm = { 0 };
	uint64_t unused;
	const char *bad;
	size_t badlen;

	memset(&c, 0, sizeof(c));
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0) {
		free(sets.items);
		return nargs == -1 ? 0 : 2;
	}
	c.sets = &sets;
	c.signals = signals;
	if (nthreads < 1 || nthreads > 1024) {
		free(sets.items);
		return usage_error("--threads must be between 1 and 1024");
	}
	c.nrules = qrules_parse(rules_arg, c.rules, 16, &bad, &badlen);
	if (c.nrules <= 0) {
		free(sets.items);
		if (c.nrules < 0)
			return usage_error("--rules: unknown rule set '%.*s' (gopher, gopher-rep, c4, fineweb)",
					   (int)badlen, bad);
		return usage_error("--rules: no rule set given");
	}
	if (qparams_init(&c.base)) {
		msg_code(SL_ENOMEM, "setting up");
		return 1;
	}
	if (apply_sets(&c.base, &sets)) {
		qparams_release(&c.base);
		free(sets.items);
		return 2;
	}
	if (c.cfgdir) {
		struct stat sb;
		if (stat(c.cfgdir, &sb) || !S_ISDIR(sb.st_mode)) {
			qparams_release(&c.base);
			free(sets.items);
			return usage_error("--lang-config: '%s' is not a directory", c.cfgdir);
		}
	}
	rc = stage_begin(&st, "quality", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		qparams_release(&c.base);
		free(sets.items);
		return rc;
	}
	pthread_mutex_init(&c.mu, NULL);
	pm.nthreads = nthreads;
	pm.work = quality_doc;
	pm.emit = quality_emit;
	pm.arg = &c;
	rc = pmap_alloc(&pm, sizeof(*c.th), (void **)&c.th, sizeof(*c.slot), (void **)&c.slot);
	for (i = 0; c.th && i < nthreads; i++) {
		quality_init(&c.th[i].q);
		c.th[i].q.all_signals = signals;
		buf_init(&c.th[i].cur, 0);
		buf_init(&c.th[i].sigs, 0);
		buf_init(&c.th[i].lang, 0);
	}
	if (rc) {
		msg_code(rc, "setting up");
		st.failed = 1;
	} else {
		pmap_run(&st, &pm, &unused);
	}
	buf_addf(&st.extra, ",\n  \"texts_rewritten\": %llu", (unsigned long long)c.rewritten);
	if (c.cfgdir)
		buf_addf(&st.extra, ",\n  \"lang_config_missing\": %llu", (unsigned long long)c.missing);
	rc = stage_end(&st);
	for (size_t k = 0; k < c.nlangs; k++) {
		if (c.langs[k].p) {
			qparams_release(c.langs[k].p);
			free(c.langs[k].p);
		}
		free(c.langs[k].lang);
		free(c.langs[k].err);
	}
	free(c.langs);
	qparams_release(&c.base);
	for (i = 0; c.th && i < nthreads; i++) {
		quality_release(&c.th[i].q);
		buf_release(&c.th[i].cur);
		buf_release(&c.th[i].sigs);
		buf_release(&c.th[i].lang);
	}
	free(c.th);
	free(c.slot);
	pthread_mutex_destroy(&c.mu);
	free(sets.items);
	return rc;
}
