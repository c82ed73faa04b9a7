/*
 * quality.c - sluice quality: Gopher, Gopher repetition, C4 and FineWeb
 * rules with datatrove's defaults and reason names (filters/quality.h).
 */
#include <errno.h>
#include <math.h>
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
#include "quality.h"
#include "stage.h"

struct langent {
	char *lang;
	struct qparams *p;   /* NULL: no config for this language */
};

struct qctx {
	struct qparams base;
	const char *cfgdir;
	struct opt_list *sets;
	struct langent *langs;
	size_t nlangs, caplangs;
	uint64_t missing;
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
 * "de"), cached; else base. */
static const struct qparams *params_for(struct qctx *c, struct stage *st, const char *lang, size_t n)
{
	size_t k;
	char path[4096];
	struct qparams *p;
	int line, rc;

	if (!c->cfgdir || !n)
		return &c->base;
	for (k = 0; k < c->nlangs; k++)
		if (strlen(c->langs[k].lang) == n && !memcmp(c->langs[k].lang, lang, n)) {
			if (!c->langs[k].p)
				c->missing++;
			return c->langs[k].p ? c->langs[k].p : &c->base;
		}
	if (ARRAY_GROW(c->langs, c->caplangs, c->nlangs + 1))
		return NULL;
	c->langs[c->nlangs].lang = strndup(lang, n);
	c->langs[c->nlangs].p = NULL;
	if (!c->langs[c->nlangs].lang)
		return NULL;
	c->nlangs++;
	if (memchr(lang, '/', n) || memchr(lang, '\0', n) || n > 200 || lang[0] == '.') {
		c->missing++;
		return &c->base;
	}
	snprintf(path, sizeof(path), "%s/%.*s.yml", c->cfgdir, (int)n, lang);
	if (access(path, F_OK) != 0) {
		/* a lid.176 label ("de"): FineWeb-2's name for it ("deu_Latn") */
		const char *fw = langcfg_fineweb2_name(lang, n);
		if (fw)
			snprintf(path, sizeof(path), "%s/%s.yml", c->cfgdir, fw);
		if (!fw || access(path, F_OK) != 0) {
			c->missing++;
			return &c->base;
		}
	}
	p = malloc(sizeof(*p));
	if (!p || qparams_copy(p, &c->base)) {
		free(p);
		return NULL;
	}
	rc = langcfg_load(path, p, &line);
	if (rc == SL_EFORMAT)
		msg("'%s': line %d: not a configuration this reader understands", path, line);
	else if (rc)
		msg_code(rc, "'%s'", path);
	if (rc || apply_sets(p, c->sets)) {
		qparams_release(p);
		free(p);
		st->failed = 1;
		return NULL;
	}
	c->langs[c->nlangs - 1].p = p;
	return p;
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
		"previous one left.  Words are split by a rule-based approximation of spaCy's",
		"English tokenizer (see README): counts may differ by a token from datatrove.",
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
		"  sluice quality --signals --annotate-only in.jsonl | sluice stats",
		"  sluice quality --lang-config fineweb-2/configs in.jsonl  # by metadata.language",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *rules_arg = "gopher,gopher-rep,c4,fineweb";
	struct opt_list sets = { 0 };
	struct qctx c;
	int signals = 0;
	struct option opts[] = {
		OPT_STRING(0, "rules", &rules_arg, "LIST", "rule sets to apply, in order (default gopher,gopher-rep,c4,fineweb)"),
		OPT_LIST(0, "set", &sets, "RULE.NAME=VALUE", "override a threshold (repeatable)"),
		OPT_FLAG(0, "signals", &signals, "write every measured value under metadata.quality_signals"),
		OPT_STRING(0, "lang-config", &c.cfgdir, "DIR", "per-language thresholds and stop words from DIR/<metadata.language>.yml (FineWeb-2 configs; lid.176 labels map to their names: de -> deu_Latn)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	enum qrule rules[16];
	int nrules, nargs, rc, k;
	struct stage st;
	struct doc d;
	struct quality q;
	struct buf cur = BUF_INIT, sigs = BUF_INIT, lang = BUF_INIT;
	uint64_t rewritten = 0;
	const char *bad;
	size_t badlen;

	memset(&c, 0, sizeof(c));
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0) {
		free(sets.items);
		return nargs == -1 ? 0 : 2;
	}
	c.sets = &sets;
	nrules = qrules_parse(rules_arg, rules, 16, &bad, &badlen);
	if (nrules <= 0) {
		free(sets.items);
		if (nrules < 0)
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
	quality_init(&q);
	q.all_signals = signals;
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *text, *reason = NULL, *raw;
		size_t n, rn;
		const struct qparams *p;
		struct qresult r;
		int changed = 0, first = 1;

		if (doc_text(&d, &text, &n)) {
			msg_code(SL_ENOMEM, "document text");
			st.failed = 1;
			break;
		}
		buf_reset(&lang);
		raw = doc_get_path(&d, "metadata.language", &rn);
		if (c.cfgdir && raw && json_is_string(raw, rn) &&
		    json_string_decode(&lang, raw + 1, rn - 2, NULL)) {
			st.failed = 1;
			break;
		}
		p = params_for(&c, &st, lang.ptr, lang.len);
		if (!p) {
			if (!st.failed)
				msg_code(SL_ENOMEM, "language configuration");
			st.failed = 1;
			break;
		}
		buf_reset(&sigs);
		quality_new_text(&q);
		for (k = 0; k < nrules; k++) {
			int i;
			/* the document's text until a rule rewrites it, then cur */
			if ((rc = quality_eval(&q, rules[k], p, text, n, &r))) {
				msg_code(rc, "evaluating rules");
				st.failed = 1;
				break;
			}
			for (i = 0; signals && i < r.nsig; i++) {
				buf_addf(&sigs, "%s\"%s\":%.6g", first ? "{" : ",", r.sig[i].name, r.sig[i].v);
				first = 0;
			}
			if (r.reason && !reason)
				reason = r.reason;
			if (reason && !signals)
				break;
			if (!r.reason && r.rewritten && !reason) {
				buf_reset(&cur);
				if (buf_add(&cur, q.out.ptr, q.out.len)) {
					st.failed = 1;
					break;
				}
				text = cur.ptr ? cur.ptr : "";
				n = cur.len;
				changed = 1;
				quality_new_text(&q);
			}
		}
		if (st.failed)
			break;
		if (signals && buf_addstr(&sigs, first ? "{}" : "}") == 0 &&
		    doc_meta_set_raw(&d, "quality_signals", sigs.ptr, sigs.len)) {
			st.failed = 1;
			break;
		}
		if (changed && !reason) {
			rewritten++;
			if (doc_set_text(&d, cur.ptr, cur.len)) {
				st.failed = 1;
				break;
			}
		}
		if (reason ? stage_reject(&st, &d, reason) : stage_emit(&st, &d))
			break;
	}
	buf_addf(&st.extra, ",\n  \"texts_rewritten\": %llu", (unsigned long long)rewritten);
	if (c.cfgdir)
		buf_addf(&st.extra, ",\n  \"lang_config_missing\": %llu", (unsigned long long)c.missing);
	rc = stage_end(&st);
	for (size_t i = 0; i < c.nlangs; i++) {
		if (c.langs[i].p) {
			qparams_release(c.langs[i].p);
			free(c.langs[i].p);
		}
		free(c.langs[i].lang);
	}
	free(c.langs);
	qparams_release(&c.base);
	quality_release(&q);
	doc_release(&d);
	buf_release(&cur);
	buf_release(&sigs);
	buf_release(&lang);
	free(sets.items);
	return rc;
}
