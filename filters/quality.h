/*
 * quality.h - the statistic rules of Gopher (quality and repetition), C4 and
 * FineWeb, with datatrove's defaults, check order and reason names
 * (../shared/REFERENCE.md §4).  Text semantics follow Python (pytext.h);
 * words come from words.h, the one documented approximation.
 *
 * A rule set is evaluated on one text; it measures every signal it can (with
 * all_signals) or stops at the first failing check (then a check that bounds
 * show cannot fail may go unmeasured, its signal absent), and returns the reason
 * named as datatrove names it, or NULL when the text passes.  C4 also
 * rewrites the text (lines removed), like datatrove's C4QualityFilter.
 *
 * Thresholds live in struct qparams, one per language, so per-language
 * configurations (FineWeb-2 style) can replace any of them and the stop
 * words.  A threshold that is NaN is disabled; like datatrove's `if
 * self.x and ...` tests, 0 also disables the Gopher thresholds.
 * Not thread safe: one struct quality per thread.
 */
#ifndef SLUICE_QUALITY_H
#define SLUICE_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pytext.h"
#include "words.h"

enum qrule { Q_GOPHER, Q_GOPHER_REP, Q_C4, Q_FINEWEB, Q_NRULES };

enum qparam {
	/* gopher */
	QP_MIN_DOC_WORDS, QP_MAX_DOC_WORDS, QP_MIN_AVG_WORD_LENGTH, QP_MAX_AVG_WORD_LENGTH,
	QP_MAX_SYMBOL_WORD_RATIO, QP_MAX_BULLET_LINES_RATIO, QP_MAX_ELLIPSIS_LINES_RATIO,
	QP_MAX_NON_ALPHA_WORDS_RATIO, QP_MIN_STOP_WORDS,
	/* gopher-rep */
	QP_DUP_PARA_FRAC, QP_DUP_PARA_CHAR_FRAC, QP_DUP_LINE_FRAC, QP_DUP_LINE_CHAR_FRAC,
	QP_TOP_1, QP_TOP_10 = QP_TOP_1 + 9,       /* top_N_gram, N = 1..10 */
	QP_DUP_1, QP_DUP_10 = QP_DUP_1 + 9,       /* duplicated_N_n_grams, N = 1..10 */
	/* c4 */
	QP_C4_REMOVE_CITATIONS, QP_C4_FILTER_NO_TERMINAL_PUNCT, QP_C4_MIN_NUM_SENTENCES,
	QP_C4_MIN_WORDS_PER_LINE, QP_C4_MAX_WORD_LENGTH, QP_C4_FILTER_LOREM_IPSUM,
	QP_C4_FILTER_JAVASCRIPT, QP_C4_FILTER_CURLY_BRACKET, QP_C4_FILTER_POLICY,
	/* fineweb */
	QP_FW_LINE_PUNCT_THR, QP_FW_LINE_PUNCT_EXCLUDE_ZERO, QP_FW_SHORT_LINE_THR,
	QP_FW_SHORT_LINE_LENGTH, QP_FW_CHAR_DUPLICATES_RATIO, QP_FW_NEW_LINE_RATIO,
	QP_NPARAMS
};

struct qparam_def {
	enum qrule rule;
	const char *name;    /* as in --set RULE.NAME=VALUE */
	double def;          /* NaN: disabled by default */
};

extern const struct qparam_def qparam_defs[QP_NPARAMS];
extern const char *const qrule_names[Q_NRULES]; /* "gopher", "gopher-rep", "c4", "fineweb" */

struct qstopwords {
	char **w;
	size_t n, cap;
	uint64_t *tab;   /* open addressing: index+1 into w, 0 empty */
	size_t maxlen;   /* longest word, in bytes */
	uint64_t first[4]; /* the words' first bytes, a bit each */
	size_t tabsize;
};

struct qparams {
	double v[QP_NPARAMS];
	struct qstopwords stop;
};

/* Defaults (English stop words).  0 or SL_ENOMEM. */
int qparams_init(struct qparams *p);
int qparams_copy(struct qparams *dst, const struct qparams *src);
void qparams_release(struct qparams *p);
/* Set "rule.name" (or "name" when unique) to a value: a number, "none"/"off"
 * (disabled), "true"/"false".  0, or SL_EINVAL for an unknown key or value. */
int qparams_set(struct qparams *p, const char *key, const char *value);
/* Replace the stop words. */
int qparams_stop_clear(struct qparams *p);
int qparams_stop_add(struct qparams *p, const char *w, size_t n);

/* Parse "gopher,c4" into rules[]; returns the count, or -1 (unknown name in
 * *bad, a pointer into s), at most max. */
int qrules_parse(const char *s, enum qrule *rules, int max, const char **bad, size_t *badlen);

#define QSIG_MAX 48
struct qsignal {
	const char *name;
	double v;
};

struct qresult {
	const char *reason;        /* NULL: passed */
	/* the values measured: every one with all_signals; without it, those
	 * up to the first failing check, less the checks that bounds showed
	 * to pass without measuring (gopher's stop words past the minimum,
	 * gopher-rep's top n-grams) */
	struct qsignal sig[QSIG_MAX];
	int nsig;
	int rewritten;             /* C4: text replaced by q->out */
};

struct qhash_ent;

struct quality {
	int all_signals;           /* measure everything instead of stopping early */
	struct pt_spans words, lines, parts;
	struct words_facts facts;  /* of words */
	int words_ok;              /* words holds the tokens of the text hashed words_h */
	size_t words_n;
	uint64_t words_h;
	const char *words_p;       /* (or at words_p, with quality_new_text() count words_gen) */
	uint64_t words_gen, text_gen;
	int lines_ok;              /* lines holds the lines of the text at lines_p (lines_n, lines_gen) */
	const char *lines_p;
	size_t lines_n;
	uint64_t lines_gen;
	int count_ok;              /* the text in out (count_n bytes) has count words */
	size_t count, count_n;
	unsigned char stop_first[256]; /* per byte: a stop word starts with it */
	uint64_t stop_first_of[4];     /* ... for the stop words with these first bytes */
	int stop_first_ok;
	struct buf out;            /* C4's rewritten text */
	struct buf tmp, lower;
	struct qhash_ent *tab;
	size_t tabsize;
	uint32_t tab_base, tab_next; /* the current pass's entries: a1 above tab_base */
	/* per word (gopher-rep) */
	uint64_t *wh;              /* word hashes */
	uint64_t *th;              /* per position: its n-gram's (or window's) hash */
	uint32_t *slot;            /* table slot of a candidate's (or position's) n-gram */
	uint32_t *cl;              /* candidate positions */
	unsigned char *rep;        /* per position: its m-gram repeats (top n-grams), or
				    * it is always a candidate (duplicated n-grams) */
	size_t *cpre;              /* code points before each word (concatenated) */
	size_t *bo;                /* byte offsets of the words in cat */
	size_t cap_words;
	uint64_t *sketch;          /* 2-bit counters: which hashes came twice */
	size_t sketch_cap, sketch_mask;
	struct buf cat;            /* concatenated words */
};

void quality_init(struct quality *q);
void quality_release(struct quality *q);

/* Evaluate one rule set on text[0, n) (valid UTF-8).  0 or SL_ENOMEM.
 * The rule sets share the words of a text: a later call on the same text
 * reuses them (recognised by hashing it, unless quality_new_text is used). */
int quality_eval(struct quality *q, enum qrule rule, const struct qparams *p,
		 const char *text, size_t n, struct qresult *r);

/* Optional, a promise of the caller that saves hashing every text: once
 * this is called, the texts given between two calls are told apart by
 * their address and length alone, so call it before each new text (a new
 * document, or a text rewritten at an address used before). */
void quality_new_text(struct quality *q);

#endif
