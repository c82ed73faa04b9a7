/*
 * quality.c - Gopher, Gopher repetition, C4 and FineWeb rules (see quality.h).
 */
#include "quality.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* XXH3 inlined: most hashed strings here are short */
#include <xxhash.h>
#if defined(__SSE2__)
#include "bytes_sse.h"
#endif

#include "array.h"
#include "bits.h"
#include "error.h"
#include "words.h"

#define NONE NAN

const char *const qrule_names[Q_NRULES] = { "gopher", "gopher-rep", "c4", "fineweb" };

#define G(name, def) { Q_GOPHER, name, def }
#define R(name, def) { Q_GOPHER_REP, name, def }
#define C(name, def) { Q_C4, name, def }
#define F(name, def) { Q_FINEWEB, name, def }
const struct qparam_def qparam_defs[QP_NPARAMS] = {
	G("min_doc_words", 50), G("max_doc_words", 100000), G("min_avg_word_length", 3),
	G("max_avg_word_length", 10), G("max_symbol_word_ratio", 0.1), G("max_bullet_lines_ratio", 0.9),
	G("max_ellipsis_lines_ratio", 0.3), G("max_non_alpha_words_ratio", 0.8), G("min_stop_words", 2),
	R("dup_para_frac", 0.3), R("dup_para_char_frac", 0.2), R("dup_line_frac", 0.3),
	R("dup_line_char_frac", 0.2),
	R("top_1_gram", NONE), R("top_2_gram", 0.2), R("top_3_gram", 0.18), R("top_4_gram", 0.16),
	R("top_5_gram", NONE), R("top_6_gram", NONE), R("top_7_gram", NONE), R("top_8_gram", NONE),
	R("top_9_gram", NONE), R("top_10_gram", NONE),
	R("duplicated_1_n_grams", NONE), R("duplicated_2_n_grams", NONE), R("duplicated_3_n_grams", NONE),
	R("duplicated_4_n_grams", NONE), R("duplicated_5_n_grams", 0.15), R("duplicated_6_n_grams", 0.14),
	R("duplicated_7_n_grams", 0.13), R("duplicated_8_n_grams", 0.12), R("duplicated_9_n_grams", 0.11),
	R("duplicated_10_n_grams", 0.10),
	C("remove_citations", 1), C("filter_no_terminal_punct", 1), C("min_num_sentences", 5),
	C("min_words_per_line", 3), C("max_word_length", 1000), C("filter_lorem_ipsum", 1),
	C("filter_javascript", 1), C("filter_curly_bracket", 1), C("filter_policy", 1),
	F("line_punct_thr", 0.12), F("line_punct_exclude_zero", 0), F("short_line_thr", 0.67),
	F("short_line_length", 30), F("char_duplicates_ratio", 0.01), F("new_line_ratio", 0.3),
};

static const char *const gopher_stop[] = { "the", "be", "to", "of", "and", "that", "have", "with" };

/* The hash of a word of up to 16 bytes: a, b its bytes zero-padded to 16
 * (the two halves, in memory order), and its length. */
static inline uint64_t word_hash16(uint64_t a, uint64_t b, size_t len)
{
	uint64_t h = (a ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	h ^= (b + len) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* A word's hash: short words (nearly all) by word_hash16, their padded
 * halves put together from two overlapping loads (as a masked 16-byte load
 * gives them: gopher-rep's word pass), longer ones by XXH3. */
static inline uint64_t qhash(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t a, b = 0;
	if (n > 16)
		return XXH3_64bits(s, n);
	if (n > 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		b >>= 8 * (16 - n); /* the bytes from 8 on */
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		a = x | (uint64_t)y << (8 * (n - 4)); /* (the overlap ORed with itself) */
	} else {
		a = n ? (uint64_t)u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) | (uint64_t)u[n - 1] << (8 * (n - 1)) : 0;
	}
	return word_hash16(a, b, n);
}

/* ---- stop words: a small open-addressing set ---- */

static int stop_has(const struct qstopwords *s, const char *w, size_t n)
{
	size_t mask, i;
	if (!s->tabsize)
		return 0;
	mask = s->tabsize - 1;
	for (i = qhash(w, n) & mask; s->tab[i]; i = (i + 1) & mask) {
		const char *x = s->w[s->tab[i] - 1];
		if (strlen(x) == n && memcmp(x, w, n) == 0)
			return 1;
	}
	return 0;
}

static int stop_rehash(struct qstopwords *s, size_t size)
{
	uint64_t *tab = calloc(size, sizeof(*tab));
	size_t k;
	if (!tab)
		return SL_ENOMEM;
	free(s->tab);
	s->tab = tab;
	s->tabsize = size;
	for (k = 0; k < s->n; k++) {
		size_t i = qhash(s->w[k], strlen(s->w[k])) & (size - 1);
		while (tab[i])
			i = (i + 1) & (size - 1);
		tab[i] = k + 1;
	}
	return 0;
}

int qparams_stop_add(struct qparams *p, const char *w, size_t n)
{
	struct qstopwords *s = &p->stop;
	char *copy;
	if (stop_has(s, w, n))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->w, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		s->w = v;
		s->cap = cap;
	}
	if (!(copy = malloc(n + 1)))
		return SL_ENOMEM;
	if (n > s->maxlen)
		s->maxlen = n;
	if (n)
		s->first[(unsigned char)w[0] >> 6] |= (uint64_t)1 << (w[0] & 63);
	memcpy(copy, w, n);
	copy[n] = 0;
	s->w[s->n++] = copy;
	if (s->n * 2 > s->tabsize)
		return stop_rehash(s, s->tabsize ? s->tabsize * 2 : 32);
	{
		size_t i = qhash(w, n) & (s->tabsize - 1);
		while (s->tab[i])
			i = (i + 1) & (s->tabsize - 1);
		s->tab[i] = s->n;
	}
	return 0;
}

int qparams_stop_clear(struct qparams *p)
{
	size_t k;
	for (k = 0; k < p->stop.n; k++)
		free(p->stop.w[k]);
	p->stop.n = 0;
	p->stop.maxlen = 0;
	memset(p->stop.first, 0, sizeof(p->stop.first));
	if (p->stop.tab)
		memset(p->stop.tab, 0, p->stop.tabsize * sizeof(*p->stop.tab));
	return 0;
}

int qparams_init(struct qparams *p)
{
	size_t k;
	int rc;
	memset(p, 0, sizeof(*p));
	for (k = 0; k < QP_NPARAMS; k++)
		p->v[k] = qparam_defs[k].def;
	for (k = 0; k < sizeof(gopher_stop) / sizeof(gopher_stop[0]); k++)
		if ((rc = qparams_stop_add(p, gopher_stop[k], strlen(gopher_stop[k]))))
			return rc;
	return 0;
}

int qparams_copy(struct qparams *dst, const struct qparams *src)
{
	size_t k;
	int rc;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->v, src->v, sizeof(dst->v));
	for (k = 0; k < src->stop.n; k++)
		if ((rc = qparams_stop_add(dst, src->stop.w[k], strlen(src->stop.w[k]))))
			return rc;
	return 0;
}

void qparams_release(struct qparams *p)
{
	qparams_stop_clear(p);
	free(p->stop.w);
	free(p->stop.tab);
	memset(&p->stop, 0, sizeof(p->stop));
}

int qparams_set(struct qparams *p, const char *key, const char *value)
{
	const char *dot = strchr(key, '.');
	const char *name = dot ? dot + 1 : key;
	int found = -1, k;
	double v;
	char *end;

	for (k = 0; k < QP_NPARAMS; k++) {
		if (strcmp(qparam_defs[k].name, name))
			continue;
		if (dot) {
			const char *r = qrule_names[qparam_defs[k].rule];
			if (strlen(r) != (size_t)(dot - key) || strncmp(r, key, (size_t)(dot - key)))
				continue;
		} else if (found >= 0) {
			return SL_EINVAL; /* ambiguous */
		}
		found = k;
	}
	if (found < 0)
		return SL_EINVAL;
	if (!strcasecmp(value, "none") || !strcasecmp(value, "off")) {
		v = NONE;
	} else if (!strcasecmp(value, "true")) {
		v = 1;
	} else if (!strcasecmp(value, "false")) {
		v = 0;
	} else {
		v = strtod(value, &end);
		if (end == value || *end || !isfinite(v))
			return SL_EINVAL;
	}
	p->v[found] = v;
	return 0;
}

int qrules_parse(const char *s, enum qrule *rules, int max, const char **bad, size_t *badlen)
{
	int n = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		int k, hit = -1;
		for (k = 0; k < Q_NRULES; k++)
			if (strlen(qrule_names[k]) == len && !strncmp(qrule_names[k], s, len))
				hit = k;
		if (len == 11 && !strncmp(s, "gopher_rep", 10)) /* tolerate the underscore */
			hit = Q_GOPHER_REP;
		if (hit < 0 || n >= max) {
			*bad = s;
			*badlen = len;
			return -1;
		}
		rules[n++] = (enum qrule)hit;
		s += len;
		if (*s == ',')
			s++;
	}
	return n;
}

/* ---- hash table of spans / n-grams ---- */

/* One table serves every pass; a pass owns the entries whose a1 is above
 * q->tab_base, so starting a pass clears nothing: it raises the base past
 * every index the last pass stored (the table is wiped only when it grows
 * or the 32-bit indexes would wrap). */
struct qhash_ent {
	uint64_t h;
	uint32_t a1;        /* tab_base + element index + 1; at most tab_base: empty */
	uint32_t c;         /* word id, n-gram count, or byte length */
};

#define EMPTY(q, e) ((e)->a1 <= (q)->tab_base)
#define INDEX(q, e) ((size_t)((e)->a1 - (q)->tab_base - 1))
#define A1(q, k) ((uint32_t)((q)->tab_base + (k) + 1))

static size_t tab_size_for(size_t n)
{
	size_t size = 64;
	while (size < n * 2)
		size <<= 1;
	return size;
}

/* Start a pass that stores at most n elements; *mask for its slots. */
static int tab_prepare(struct quality *q, size_t n, size_t *mask)
{
	size_t size = tab_size_for(n);
	if (n >= UINT32_MAX / 2)
		return SL_ENOMEM; /* 2^31 words in one text */
	if (size > q->tabsize) {
		struct qhash_ent *t = calloc(size, sizeof(*t));
		if (!t)
			return SL_ENOMEM;
		free(q->tab);
		q->tab = t;
		q->tabsize = size;
		q->tab_next = 0;
	} else if ((uint64_t)q->tab_next + n + 1 > UINT32_MAX) {
		memset(q->tab, 0, q->tabsize * sizeof(*q->tab));
		q->tab_next = 0;
	}
	q->tab_base = q->tab_next;
	q->tab_next = q->tab_base + (uint32_t)n;
	*mask = size - 1;
	return 0;
}

void quality_init(struct quality *q)
{
	memset(q, 0, sizeof(*q));
	buf_init(&q->out, 0);
	buf_init(&q->tmp, 0);
	buf_init(&q->lower, 0);
	buf_init(&q->cat, 0);
}

void quality_release(struct quality *q)
{
	pt_spans_release(&q->words);
	free(q->facts.v);
	pt_spans_release(&q->lines);
	pt_spans_release(&q->parts);
	buf_release(&q->out);
	buf_release(&q->tmp);
	buf_release(&q->lower);
	buf_release(&q->cat);
	free(q->tab);
	free(q->wh);
	free(q->th);
	free(q->sketch);
	free(q->slot);
	free(q->cl);
	free(q->rep);
	free(q->cpre);
	free(q->bo);
	memset(q, 0, sizeof(*q));
}

static void sig(struct qresult *r, const char *name, double v)
{
	if (r->nsig < QSIG_MAX) {
		r->sig[r->nsig].name = name;
		r->sig[r->nsig].v = v;
		r->nsig++;
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* find_duplicates over spans of text: duplicate elements and their chars. */
static int find_duplicates(struct quality *q, const char *text, const struct pt_spans *sp,
			   size_t *dup_el, size_t *dup_chars)
{
	size_t k, mask;
	int rc;
	*dup_el = *dup_chars = 0;
	if (sp->n < 2)
		return 0; /* (one element: nothing to hash) */
	if ((rc = tab_prepare(q, sp->n, &mask)))
		return rc;
	for (k = 0; k < sp->n; k++) {
		const char *s = text + sp->v[k].off;
		size_t len = sp->v[k].len;
		uint64_t h = qhash(s, len);
		size_t i = h & mask;
		for (;;) {
			struct qhash_ent *e = &q->tab[i];
			if (EMPTY(q, e)) {
				e->h = h;
				e->a1 = A1(q, k);
				break;
			}
			if (e->h == h && sp->v[INDEX(q, e)].len == len && !memcmp(text + sp->v[INDEX(q, e)].off, s, len)) {
				(*dup_el)++;
				*dup_chars += pt_len(s, len);
				break;
			}
			i = (i + 1) & mask;
		}
	}
	return 0;
}

/* Whether q->words holds the words of text: the same address, length and
 * quality_new_text() count when the caller calls it, else the same hash
 * (*h: text's hash, computed when needed, for text_words to keep). */
static int have_words_h(const struct quality *q, const char *text, size_t n, uint64_t *h)
{
	*h = 0;
	if (q->text_gen)
		return q->words_ok && q->words_n == n && q->words_p == text && q->words_gen == q->text_gen;
	*h = XXH3_64bits(text, n);
	return q->words_ok && q->words_n == n && q->words_h == *h;
}

/* The words of text, split once per text for all rule sets. */
static int text_words(struct quality *q, const char *text, size_t n)
{
	uint64_t h;
	int rc;
	if (have_words_h(q, text, n, &h))
		return 0;
	q->words_ok = 0;
	q->words.n = 0;
	if ((rc = words_split_facts(text, n, &q->words, &q->facts)))
		return rc;
	q->words_ok = 1;
	q->words_n = n;
	q->words_h = h;
	q->words_p = text;
	q->words_gen = q->text_gen;
	return 0;
}

static int have_words(const struct quality *q, const char *text, size_t n)
{
	uint64_t h;
	return have_words_h(q, text, n, &h);
}

/* The number of words of text: from C4's count for its rewritten text
 * (still in q->out: only C4 writes it, and it clears count_ok first), or
 * split. */
static int text_word_count(struct quality *q, const char *text, size_t n, size_t *count)
{
	int rc;
	if (q->count_ok && q->count_n == n && (n == 0 || memcmp(text, q->out.ptr, n) == 0)) {
		*count = q->count;
		return 0;
	}
	if ((rc = text_words(q, text, n)))
		return rc;
	*count = q->words.n;
	return 0;
}

/* text.splitlines() in q->lines, shared by Gopher and C4 when the caller
 * tells texts apart (quality_new_text). */
static int text_lines(struct quality *q, const char *text, size_t n)
{
	int rc;
	if (q->text_gen && q->lines_ok && q->lines_p == text && q->lines_n == n && q->lines_gen == q->text_gen)
		return 0;
	q->lines_ok = 0;
	q->lines.n = 0;
	if ((rc = pt_splitlines(text, n, &q->lines)))
		return rc;
	q->lines_ok = 1;
	q->lines_p = text;
	q->lines_n = n;
	q->lines_gen = q->text_gen;
	return 0;
}

void quality_new_text(struct quality *q)
{
	q->text_gen++;
}

/* ---- Gopher quality ---- */

static unsigned char ascii_punct[128], ascii_alpha[128];

/* Per byte: not in the punctuation set, an ASCII letter, not ASCII. */
enum { WT_NONSYM = 1, WT_ALPHA = 2, WT_HIGH = 4 };
static unsigned char word_tab[256];

/* Gopher's first look at a word, by its facts (WF_*), whether it is one
 * byte long and its first byte: a non-symbol word, alphabetic, one for the
 * loop after, ns_chars += 1, ns_chars += its length. */
enum { GW_NS = 1, GW_ALPHA = 2, GW_SLOW = 4, GW_CH1 = 8, GW_LEN = 16 };
static unsigned char gw_tab[4 << 9];
#define GW_INDEX(f, one, c0) (((f) & 3u) << 9 | (unsigned)(one) << 8 | (c0))

static void init_ascii_once(void)
{
	unsigned c, f, one;
	for (c = 0; c < 128; c++) {
		ascii_punct[c] = (unsigned char)pt_in_punctuation_set((uint32_t)c);
		ascii_alpha[c] = (unsigned char)pt_isalpha((uint32_t)c);
		word_tab[c] = (unsigned char)((ascii_punct[c] ? 0 : WT_NONSYM) | (ascii_alpha[c] ? WT_ALPHA : 0));
	}
	for (c = 128; c < 256; c++)
		word_tab[c] = WT_HIGH;
	for (f = 0; f < 4; f++)
		for (one = 0; one < 2; one++)
			for (c = 0; c < 256; c++) {
				unsigned g;
				if (f & WF_PLAIN) /* ASCII letters and digits: counted whole */
					g = GW_NS | GW_LEN | (f & WF_LETTER ? GW_ALPHA : 0);
				else if (one && c < 0x80) /* one ASCII character */
					g = (ascii_punct[c] ? 0 : GW_NS | GW_CH1) | (ascii_alpha[c] ? GW_ALPHA : 0);
				else
					g = GW_SLOW;
				gw_tab[GW_INDEX(f, one, c)] = (unsigned char)g;
			}
}

static void init_ascii(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_ascii_once);
}

#if defined(__SSE2__)
/* The sum of the 16 byte counters of c. */
static inline size_t sum_counters(__m128i c)
{
	__m128i s = _mm_sad_epu8(c, _mm_setzero_si128());
	return (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
}
#endif

/* text.count("#") and text.count("...") + text.count("\u2026") in one pass:
 * a run of k dots holds k / 3 non-overlapping "...". */
/* Also count('\n') and the bytes '-' and 0xe2 (which a bullet line starts
 * with, "-" or "\u2022"), for bounds on the line ratios. */
static void count_hash_ellipsis(const char *text, size_t n, size_t *nhash, size_t *nell, size_t *nnl, size_t *nbul)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0, h = 0, e = 0, run = 0, nl = 0, bul = 0;
#if defined(__SSE2__)
	__m128i anl = _mm_setzero_si128(), abul = _mm_setzero_si128(); /* byte counters */
	unsigned blocks = 0;
	for (; i + 16 <= n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		anl = _mm_sub_epi8(anl, _mm_cmpeq_epi8(b, _mm_set1_epi8('\n')));
		abul = _mm_sub_epi8(abul, _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('-')),
						       _mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xe2))));
		if (++blocks == 255) { /* before a counter can wrap */
			nl += sum_counters(anl);
			bul += sum_counters(abul);
			anl = abul = _mm_setzero_si128();
			blocks = 0;
		}
		unsigned mh = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8('#')));
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8('.')));
		unsigned me = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xe2)));
		for (; mh; mh &= mh - 1) /* rare: no popcount instruction in the baseline */
			h++;
		while (me) {
			size_t p = i + (size_t)__builtin_ctz(me);
			me &= me - 1;
			if (p + 2 < n && u[p + 1] == 0x80 && u[p + 2] == 0xa6)
				e++;
		}
		if (md == 0) {
			e += run / 3;
			run = 0;
		} else if (md == 0xffff) {
			run += 16;
		} else if (run == 0 && (md & (md >> 1)) == 0) {
			/* (most blocks with a dot) single dots only: no "...", but
			 * the last may begin a run in the next block */
			run = (md >> 15) & 1;
		} else {
			unsigned k;
			for (k = 0; k < 16; k++) {
				if (md >> k & 1) {
					run++;
				} else {
					e += run / 3;
					run = 0;
				}
			}
		}
	}
	nl += sum_counters(anl);
	bul += sum_counters(abul);
#endif
	for (; i < n; i++) {
		nl += u[i] == '\n';
		bul += u[i] == '-' || u[i] == 0xe2;
		if (u[i] == '.') {
			run++;
			continue;
		}
		e += run / 3;
		run = 0;
		if (u[i] == '#')
			h++;
		else if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 && u[i + 2] == 0xa6)
			e++;
	}
	e += run / 3;
	*nhash = h;
	*nell = e;
	*nnl = nl;
	*nbul = bul;
}

static int grow_words(struct quality *q, size_t nw);

static inline int ascii_space(unsigned char c)
{
	return (unsigned)(c - 0x09) < 5u || (unsigned)(c - 0x1c) < 5u;
}

/* pt_lstrip / pt_rstrip, ASCII first */
static inline size_t lstrip_fast(const char *s, size_t len)
{
	size_t a = 0;
	while (a < len && ascii_space((unsigned char)s[a]))
		a++;
	return a < len && (unsigned char)s[a] >= 0x80 ? a + pt_lstrip(s + a, len - a) : a;
}

static inline size_t rstrip_fast(const char *s, size_t len)
{
	size_t b = len;
	while (b > 0 && ascii_space((unsigned char)s[b - 1]))
		b--;
	return b > 0 && (unsigned char)s[b - 1] >= 0x80 ? pt_rstrip(s, b) : b;
}

static int eval_gopher(struct quality *q, const struct qparams *p, const char *text, size_t n,
		       struct qresult *r)
{
	const double *v = p->v;
	size_t k, j, n_words, n_ns = 0, ns_chars = 0, n_alpha = 0, n_stop = 0, bullets = 0, ell = 0;
	size_t n_slow = 0, n_cand = 0, nhash, nell, nnl, nbul;
	double avg, hashes, ellipsis, stop_enough;
	int all = q->all_signals, rc;
	const char *reason = NULL;
	struct pt_spans *w = &q->words;
#define ON(x) (!isnan(x) && (x) != 0)
#define FAIL(name) do { if (!reason) reason = (name); if (!all) goto done; } while (0)

	init_ascii();

	if ((rc = text_words(q, text, n)))
		return rc;
	n_words = w->n;
	if ((rc = grow_words(q, n_words)))
		return rc;
	/* Without branches per word: the words whose facts the split gave and
	 * split-off ASCII punctuation are counted here; the others are listed
	 * in slot[] for the loop after, and the words that may be stop words
	 * (short enough, a first byte that some stop word has) in cl[]. */
	{
		/* the stop words' first bytes, a byte each (rebuilt when they change) */
		const unsigned char *u = (const unsigned char *)text;
		const unsigned char *facts = q->facts.v;
		const struct pt_span *sp = w->v;
		uint32_t *slot = q->slot, *cl = q->cl;
		size_t maxlen = p->stop.maxlen;
		if (!q->stop_first_ok || memcmp(q->stop_first_of, p->stop.first, sizeof(p->stop.first))) {
			unsigned c;
			for (c = 0; c < 256; c++)
				q->stop_first[c] = (unsigned char)(p->stop.first[c >> 6] >> (c & 63) & 1);
			memcpy(q->stop_first_of, p->stop.first, sizeof(p->stop.first));
			q->stop_first_ok = 1;
		}
		for (k = 0; k < n_words; k++) {
			size_t len = sp[k].len;
			unsigned c0 = u[sp[k].off];
			unsigned g = gw_tab[GW_INDEX(facts[k], len == 1, c0)];
			n_ns += g & GW_NS;
			n_alpha += (g >> 1) & 1;
			ns_chars += (len & ((size_t)0 - ((g >> 4) & 1))) + ((g >> 3) & 1);
			slot[n_slow] = (uint32_t)k;
			n_slow += (g >> 2) & 1;
			cl[n_cand] = (uint32_t)k;
			n_cand += q->stop_first[c0] & (len <= maxlen);
		}
	}
	for (j = 0; j < n_slow; j++) {
		const unsigned char *s;
		size_t len, i = 0, cps = 0;
		unsigned f = 0;
		int sym = 1, alpha = 0;
		k = q->slot[j];
		if (q->facts.cp[k]) { /* known from the split */
			uint32_t x = q->facts.cp[k];
			if (x & WX_NONSYM) {
				n_ns++;
				ns_chars += x >> 3;
			}
			n_alpha += (x & WX_ALPHA) != 0;
			continue;
		}
		s = (const unsigned char *)text + w->v[k].off;
		len = w->v[k].len;
		/* ASCII words in one table pass (which counts code points too) */
		for (i = 0; i < len; i++) {
			f |= word_tab[s[i]];
			cps += (s[i] & 0xc0) != 0x80;
		}
		if (!(f & WT_HIGH)) {
			sym = !(f & WT_NONSYM);
			alpha = (f & WT_ALPHA) != 0;
		} else {
			/* stop as soon as the word is known to be a non-symbol with a letter */
			for (i = 0; i < len && (sym || !alpha);) {
				uint32_t c = s[i];
				if (c < 0x80) {
					i++;
					sym &= ascii_punct[c];
					alpha |= ascii_alpha[c];
					continue;
				}
				c = pt_next((const char *)s, len, &i);
				if (sym && !pt_in_punctuation_set(c))
					sym = 0;
				if (!alpha && pt_isalpha(c))
					alpha = 1;
			}
		}
		if (!sym) {
			n_ns++;
			ns_chars += cps;
		}
		n_alpha += alpha;
	}
	sig(r, "gopher_words", (double)n_ns);
	if (ON(v[QP_MIN_DOC_WORDS]) && (double)n_ns < v[QP_MIN_DOC_WORDS])
		FAIL("gopher_short_doc");
	if (ON(v[QP_MAX_DOC_WORDS]) && (double)n_ns > v[QP_MAX_DOC_WORDS])
		FAIL("gopher_long_doc");
	avg = n_ns ? (double)ns_chars / (double)n_ns : NAN; /* np.mean([]) is nan */
	sig(r, "gopher_avg_word_length", n_ns ? avg : 0);
	if (ON(v[QP_MIN_AVG_WORD_LENGTH]) && avg < v[QP_MIN_AVG_WORD_LENGTH])
		FAIL("gopher_below_avg_threshold");
	if (ON(v[QP_MAX_AVG_WORD_LENGTH]) && avg > v[QP_MAX_AVG_WORD_LENGTH])
		FAIL("gopher_above_avg_threshold");
	count_hash_ellipsis(text, n, &nhash, &nell, &nnl, &nbul);
	hashes = ratio((double)nhash, (double)n_words);
	ellipsis = ratio((double)nell, (double)n_words);
	sig(r, "gopher_hash_ratio", hashes);
	sig(r, "gopher_ellipsis_ratio", ellipsis);
	if (ON(v[QP_MAX_SYMBOL_WORD_RATIO]) && hashes > v[QP_MAX_SYMBOL_WORD_RATIO])
		FAIL("gopher_too_many_hashes");
	if (ON(v[QP_MAX_SYMBOL_WORD_RATIO]) && ellipsis > v[QP_MAX_SYMBOL_WORD_RATIO])
		FAIL("gopher_too_many_ellipsis");
	/* The line ratios, unless bounds show that neither can fail (and not
	 * every signal is wanted): a text has at least max(count("\n"), 1)
	 * lines, at most one bullet line per '-' or 0xe2 byte, and at most
	 * nell lines that end in an ellipsis.  (Division is monotonic, so the
	 * bound holds for the computed ratios too.) */
	{
		double lines_lb = (double)(nnl ? nnl : n > 0);
		if (!all && lines_lb > 0 &&
		    !(ON(v[QP_MAX_BULLET_LINES_RATIO]) && (double)nbul / lines_lb > v[QP_MAX_BULLET_LINES_RATIO]) &&
		    !(ON(v[QP_MAX_ELLIPSIS_LINES_RATIO]) && (double)nell / lines_lb > v[QP_MAX_ELLIPSIS_LINES_RATIO]))
			goto lines_pass; /* (their two signals not measured) */
	}
	if ((rc = text_lines(q, text, n)))
		return rc;
	for (k = 0; k < q->lines.n; k++) {
		const char *s = text + q->lines.v[k].off;
		size_t len = q->lines.v[k].len, a = lstrip_fast(s, len), b = rstrip_fast(s, len);
		bullets += a < len && (s[a] == '-' || (len - a >= 3 && !memcmp(s + a, "\xe2\x80\xa2", 3)));
		ell += b >= 3 && (!memcmp(s + b - 3, "...", 3) || !memcmp(s + b - 3, "\xe2\x80\xa6", 3));
	}
	sig(r, "gopher_bullet_lines_ratio", ratio((double)bullets, (double)q->lines.n));
	sig(r, "gopher_end_ellipsis_lines_ratio", ratio((double)ell, (double)q->lines.n));
	if (ON(v[QP_MAX_BULLET_LINES_RATIO]) && ratio((double)bullets, (double)q->lines.n) > v[QP_MAX_BULLET_LINES_RATIO])
		FAIL("gopher_too_many_bullets");
	if (ON(v[QP_MAX_ELLIPSIS_LINES_RATIO]) && ratio((double)ell, (double)q->lines.n) > v[QP_MAX_ELLIPSIS_LINES_RATIO])
		FAIL("gopher_too_many_end_ellipsis");
lines_pass:
	sig(r, "gopher_alpha_words_ratio", ratio((double)n_alpha, (double)n_words));
	if (ON(v[QP_MAX_NON_ALPHA_WORDS_RATIO]) &&
	    ratio((double)n_alpha, (double)n_words) < v[QP_MAX_NON_ALPHA_WORDS_RATIO])
		FAIL("gopher_below_alpha_threshold");
	/* |stop_words ∩ set(words)|: count distinct stop words seen (the last
	 * check: stopping early, enough is all it needs to know) */
	stop_enough = !all && ON(v[QP_MIN_STOP_WORDS]) ? v[QP_MIN_STOP_WORDS] : INFINITY;
	if (p->stop.n) {
		unsigned char seen[4096];
		unsigned char *mark = p->stop.n <= sizeof(seen) ? seen : calloc(p->stop.n, 1);
		if (!mark)
			return SL_ENOMEM;
		memset(mark, 0, p->stop.n <= sizeof(seen) ? p->stop.n : 0);
		for (j = 0; j < n_cand; j++) {
			const char *s = text + w->v[q->cl[j]].off;
			size_t len = w->v[q->cl[j]].len, mask = p->stop.tabsize - 1, i;
			for (i = qhash(s, len) & mask; p->stop.tab[i]; i = (i + 1) & mask) {
				const char *x = p->stop.w[p->stop.tab[i] - 1];
				if (strlen(x) == len && !memcmp(x, s, len)) {
					if (!mark[p->stop.tab[i] - 1]) {
						mark[p->stop.tab[i] - 1] = 1;
						n_stop++;
					}
					break;
				}
			}
			if ((double)n_stop >= stop_enough)
				break;
		}
		if (mark != seen)
			free(mark);
	}
	if ((double)n_stop >= stop_enough)
		goto done; /* passes (the count not measured to the end) */
	sig(r, "gopher_stop_words", (double)n_stop);
	if (ON(v[QP_MIN_STOP_WORDS]) && (double)n_stop < v[QP_MIN_STOP_WORDS])
		FAIL("gopher_enough_stop_words");
done:
	r->reason = reason;
	return 0;
}

/* ---- Gopher repetition ---- */

/* The per-word arrays, for nw words and one more entry (each grows from
 * the same capacity to the same capacity). */
static int grow_words(struct quality *q, size_t nw)
{
	size_t c = q->cap_words;
#define GROW(p) (c = q->cap_words, ARRAY_GROW(p, c, nw + 1))
	if (nw + 1 <= q->cap_words)
		return 0;
	if (GROW(q->wh) || GROW(q->th) || GROW(q->slot) || GROW(q->cl) || GROW(q->cpre) || GROW(q->bo) ||
	    GROW(q->rep))
		return SL_ENOMEM;
#undef GROW
	q->cap_words = c;
	return 0;
}

/* A sketch of 2-bit saturating counters: which hashes were added twice or
 * more, with false positives (a superset), never false negatives.  (Its
 * words and mask are passed in locals: stores through q->sketch could
 * otherwise alias q->sketch_mask, reloaded each time.) */
static int sketch_prepare(struct quality *q, size_t n)
{
	size_t slots = 64, words;
	while (slots < n * 16)
		slots <<= 1;
	words = slots / 32;
	if (words > q->sketch_cap) {
		uint64_t *v = realloc(q->sketch, words * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		q->sketch = v;
		q->sketch_cap = words;
	}
	memset(q->sketch, 0, words * sizeof(*q->sketch));
	q->sketch_mask = slots - 1;
	return 0;
}

static inline void sketch_add(uint64_t *sk, size_t mask, uint64_t h)
{
	size_t i = (size_t)(h >> 7) & mask;
	uint64_t *wd = &sk[i >> 5];
	unsigned sh = (unsigned)(i & 31) * 2;
	*wd += (uint64_t)(((*wd >> sh) & 3) < 2) << sh;
}

static inline int sketch_many(const uint64_t *sk, size_t mask, uint64_t h)
{
	size_t i = (size_t)(h >> 7) & mask;
	return ((sk[i >> 5] >> ((i & 31) * 2)) & 3) >= 2;
}

/* The first len bytes of 16 (keep16 + 16 - len). */
#if defined(__SSE2__) && defined(__x86_64__)
static const unsigned char keep16[32] = { 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255 };
#endif

/* The hash of m word hashes. */
static inline uint64_t tuple_hash(const uint64_t *wh, size_t m)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t j;
	for (j = 0; j < m; j++)
		h = (h ^ wh[j]) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* The hash of w = 8 or 16 bytes. */
static inline uint64_t window_hash(const char *s, size_t w)
{
	uint64_t a, b = 0, h;
	memcpy(&a, s, 8);
	if (w == 16)
		memcpy(&b, s + 8, 8);
	h = (a * 0x9e3779b97f4a7c15ull) ^ ((b + w) * 0xc2b2ae3d27d4eb4full);
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* Whether no top n-gram check can fail, from upper bounds on the scores
 * alone (only when stopping early: the scores are then not measured).  An
 * m-gram occurs at most as often as each of its words, and a word at most
 * as often as its counter in a table of 16-bit counters (words that share
 * a counter add up), so the score of the top m-gram, its length times its
 * count, is at most the largest over the positions i of the m-gram's
 * length there times the least count of words i to i+m-1.  For ordinary
 * text that bound is far under the thresholds, and the exact counting is
 * not needed.  *mmax becomes 0 when every level is shown to pass;
 * otherwise it stays and the levels are counted.  0 or SL_ENOMEM. */
static int top_bounds_pass(struct quality *q, const double *v, size_t nw, double len_text, size_t *mmax)
{
	size_t slots = 64, k, m, cmask;
	uint16_t *cm;
	uint32_t *cnt = q->slot, *mn = q->cl;
	const uint64_t *wh = q->wh;
	const size_t *cpre = q->cpre;

	if (nw >= 65535)
		return 0; /* (a count could pass what a counter holds) */
	while (slots < nw * 4)
		slots <<= 1;
	if (slots / 4 > q->sketch_cap) {
		uint64_t *nv = realloc(q->sketch, slots / 4 * sizeof(*nv));
		if (!nv)
			return SL_ENOMEM;
		q->sketch = nv;
		q->sketch_cap = slots / 4;
	}
	cm = (uint16_t *)(void *)q->sketch;
	memset(cm, 0, slots * sizeof(*cm));
	cmask = slots - 1;
	for (k = 0; k < nw; k++)
		cm[(wh[k] >> 17) & cmask]++;
	if (*mmax <= 4) {
		/* (the usual levels, up to 4: one pass, each position k the
		 * end of an m-gram; the counts before the text are 0) */
		uint64_t most[5] = { 0, 0, 0, 0, 0 };
		uint32_t c1 = 0, c2 = 0, c3 = 0;
		size_t p0 = 0, p1 = 0, p2 = 0, p3 = 0; /* cpre[k], cpre[k - 1], ... */
		for (k = 0; k < nw; k++) {
			uint32_t c0 = cm[(wh[k] >> 17) & cmask], n2, n3, n4;
			size_t e = cpre[k + 1];
			uint64_t b;
			n2 = c0 < c1 ? c0 : c1;
			n3 = n2 < c2 ? n2 : c2;
			n4 = n3 < c3 ? n3 : c3;
			b = (uint64_t)(e - p0) * c0;
			most[1] = b > most[1] ? b : most[1];
			b = (uint64_t)(e - p1 + 1) * n2;
			most[2] = b > most[2] ? b : most[2];
			b = (uint64_t)(e - p2 + 2) * n3;
			most[3] = b > most[3] ? b : most[3];
			b = (uint64_t)(e - p3 + 3) * n4;
			most[4] = b > most[4] ? b : most[4];
			c3 = c2, c2 = c1, c1 = c0;
			p3 = p2, p2 = p1, p1 = p0, p0 = e;
		}
		for (m = 1; m <= *mmax; m++)
			if (!isnan(v[QP_TOP_1 + m - 1]) && ratio((double)most[m], len_text) > v[QP_TOP_1 + m - 1])
				return 0; /* (score <= ratio(most, len_text): the same division of exact integers) */
		*mmax = 0;
		return 0;
	}
	for (k = 0; k < nw; k++)
		mn[k] = cnt[k] = cm[(wh[k] >> 17) & cmask];
	for (m = 1; m <= *mmax; m++) {
		double thr = v[QP_TOP_1 + m - 1];
		uint64_t most = 0;
		size_t nng = nw - m + 1;
		if (m > 1)
			for (k = 0; k < nng; k++)
				mn[k] = mn[k] < cnt[k + m - 1] ? mn[k] : cnt[k + m - 1];
		if (isnan(thr))
			continue;
		for (k = 0; k < nng; k++) {
			uint64_t b = (uint64_t)(cpre[k + m] - cpre[k] + (m - 1)) * mn[k];
			most = b > most ? b : most;
		}
		/* score <= ratio(most, len_text), the same division of exact integers */
		if (ratio((double)most, len_text) > thr)
			return 0;
	}
	*mmax = 0;
	return 0;
}

/* words[i:i+m] == words[j:j+m]: the same word hashes, then the same
 * word lengths (from the byte offsets bo in cat, the words concatenated)
 * and the same bytes in cat, one contiguous comparison (cat has 16 bytes
 * of room after its end: masked 16-byte loads for short runs). */
static int same_words(const char *cat, const size_t *bo, const uint64_t *wh, size_t i, size_t j, size_t m)
{
	size_t k, len = bo[i + m] - bo[i];
	for (k = 0; k < m; k++) /* m <= 10: no memcmp call */
		if (wh[i + k] != wh[j + k])
			return 0;
	if (bo[j + m] - bo[j] != len)
		return 0;
	for (k = 1; k < m; k++)
		if (bo[i + k] - bo[i] != bo[j + k] - bo[j])
			return 0;
#if defined(__SSE2__)
	if (len <= 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(cat + bo[i]));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(cat + bo[j]));
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b));
		return (~eq & ((1u << len) - 1)) == 0;
	}
#endif
	return memcmp(cat + bo[i], cat + bo[j], len) == 0;
}

static const char *const top_names[10] = { "top_1_gram", "top_2_gram", "top_3_gram", "top_4_gram",
	"top_5_gram", "top_6_gram", "top_7_gram", "top_8_gram", "top_9_gram", "top_10_gram" };
static const char *const dup_names[10] = { "duplicated_1_n_grams", "duplicated_2_n_grams",
	"duplicated_3_n_grams", "duplicated_4_n_grams", "duplicated_5_n_grams", "duplicated_6_n_grams",
	"duplicated_7_n_grams", "duplicated_8_n_grams", "duplicated_9_n_grams", "duplicated_10_n_grams" };

/* Paragraphs: re.split(r"\n{2,}", text.strip()); lines: re.split("\n+", text). */
static int split_newlines(const char *s, size_t n, size_t min_run, struct pt_spans *out)
{
	size_t i = 0, start = 0;
	int rc;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t run;
		if (!nl)
			break;
		i = (size_t)(nl - s);
		run = 0;
		while (i + run < n && s[i + run] == '\n')
			run++;
		if (run >= min_run) {
			if ((rc = pt_spans_add(out, start, i - start)))
				return rc;
			start = i + run;
		}
		i += run;
	}
	return pt_spans_add(out, start, n - start);
}

static int eval_gopher_rep(struct quality *q, const struct qparams *p, const char *text, size_t n,
			   struct qresult *r)
{
	const double *v = p->v;
	double len_text = (double)pt_len(text, n);
	size_t dup_el, dup_chars, off, slen, k, nw, mask, m;
	int all = q->all_signals, rc;
	const char *reason = NULL;
	struct pt_spans *w = &q->words;
	double x;
#undef ON
#define ON(x) (!isnan(x) && (x) != 0)

	/* paragraphs */
	pt_strip(text, n, &off, &slen);
	q->parts.n = 0;
	if ((rc = split_newlines(text + off, slen, 2, &q->parts)))
		return rc;
	for (k = 0; k < q->parts.n; k++)
		q->parts.v[k].off += off;
	if ((rc = find_duplicates(q, text, &q->parts, &dup_el, &dup_chars)))
		return rc;
	x = ratio((double)dup_el, (double)q->parts.n);
	sig(r, "dup_para_frac", x);
	if (ON(v[QP_DUP_PARA_FRAC]) && x > v[QP_DUP_PARA_FRAC])
		FAIL("dup_para_frac");
	x = ratio((double)dup_chars, len_text);
	sig(r, "dup_para_char_frac", x);
	if (ON(v[QP_DUP_PARA_CHAR_FRAC]) && x > v[QP_DUP_PARA_CHAR_FRAC])
		FAIL("dup_para_char_frac");
	/* lines */
	q->parts.n = 0;
	if ((rc = split_newlines(text, n, 1, &q->parts)))
		return rc;
	if ((rc = find_duplicates(q, text, &q->parts, &dup_el, &dup_chars)))
		return rc;
	x = ratio((double)dup_el, (double)q->parts.n);
	sig(r, "dup_line_frac", x);
	if (ON(v[QP_DUP_LINE_FRAC]) && x > v[QP_DUP_LINE_FRAC])
		FAIL("dup_line_frac");
	x = ratio((double)dup_chars, len_text);
	sig(r, "dup_line_char_frac", x);
	if (ON(v[QP_DUP_LINE_CHAR_FRAC]) && x > v[QP_DUP_LINE_CHAR_FRAC])
		FAIL("dup_line_char_frac");

	/* words: 64-bit hashes (for " "-joined n-grams: equal iff the word
	 * sequences are, since words hold no whitespace; hashes that agree are
	 * confirmed byte for byte), their concatenation (for ""-joined
	 * n-grams, compared byte for byte), byte offsets in it and code points
	 * before each */
	if ((rc = text_words(q, text, n)))
		return rc;
	nw = w->n;
	buf_reset(&q->cat);
	if ((rc = buf_grow(&q->cat, n + 16)) || (rc = grow_words(q, nw)))
		return rc;
	{
		/* one pass: each word copied, hashed and its code points counted
		 * from one 16-byte load (the room in cat has 16 bytes more) */
		char *dst = q->cat.ptr;
		uint64_t *wh = q->wh;
		size_t *cpre = q->cpre, *bo = q->bo;
		cpre[0] = 0;
		bo[0] = 0;
		for (k = 0; k < nw; k++) {
			size_t o = w->v[k].off, len = w->v[k].len;
#if defined(__SSE2__) && defined(__x86_64__) /* (_mm_cvtsi128_si64) */
			if (len <= 16 && o + 16 <= n) {
				__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(text + o)), c;
				unsigned cont;
				_mm_storeu_si128((__m128i *)(void *)dst, b);
				b = _mm_and_si128(b, _mm_loadu_si128((const __m128i *)(const void *)(keep16 + 16 - len)));
				c = _mm_cmpeq_epi8(_mm_and_si128(b, _mm_set1_epi8((char)0xc0)), _mm_set1_epi8((char)0x80));
				cont = (unsigned)_mm_movemask_epi8(c); /* (the cleared bytes are not 0x80) */
				wh[k] = word_hash16((uint64_t)_mm_cvtsi128_si64(b),
						    (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(b, b)), len);
				cpre[k + 1] = cpre[k] + len - (size_t)pop32(cont);
			} else
#endif
			{
				memcpy(dst, text + o, len);
				wh[k] = qhash(text + o, len);
				cpre[k + 1] = cpre[k] + pt_len(text + o, len);
			}
			dst += len;
			bo[k + 1] = bo[k] + len;
		}
		buf_setlen(&q->cat, (size_t)(dst - q->cat.ptr));
	}

	/* top n-grams: Counter over word tuples; most_common(1).  Only tuples
	 * that repeat can beat the first one (Counter's answer when none
	 * repeats: position 0, count 1).  At the first level counted, a sketch
	 * of 2-bit counters picks the positions whose tuple may repeat; at the
	 * next levels an m-gram can repeat only where the (m-1)-grams at its
	 * position and the next repeat (rep[] marks the repeats of the last
	 * level).  Only those candidates go into the exact table. */
	{
		size_t mmax = 0, level = 0; /* level: the last m counted */
		for (m = 1; m <= 10; m++)
			if (!isnan(v[QP_TOP_1 + m - 1]) && nw >= m)
				mmax = m;
		if (!all && mmax && (rc = top_bounds_pass(q, v, nw, len_text, &mmax)))
			return rc;
		for (m = 1; m <= mmax; m++) {
			double thr = v[QP_TOP_1 + m - 1], score;
			size_t nng = nw - m + 1, nc = 0, best = 0, bestc = 0, c;
			if (!level && isnan(thr))
				continue;
			if (!level) {
				if ((rc = sketch_prepare(q, nng)))
					return rc;
				{
					uint64_t *sk = q->sketch, *th = q->th;
					const uint64_t *wh = q->wh;
					size_t skm = q->sketch_mask;
					uint32_t *cl = q->cl;
					for (k = 0; k < nng; k++) { /* (the hashes kept for the passes after) */
						th[k] = tuple_hash(wh + k, m);
						sketch_add(sk, skm, th[k]);
					}
					for (k = 0; k < nng; k++) {
						cl[nc] = (uint32_t)k;
						nc += (size_t)sketch_many(sk, skm, th[k]);
					}
				}
			} else {
				for (k = 0; k < nng; k++) {
					q->cl[nc] = (uint32_t)k;
					nc += q->rep[k] & q->rep[k + 1];
				}
			}
			if ((rc = tab_prepare(q, nc, &mask)))
				return rc;
			for (c = 0; c < nc; c++) {
				uint64_t h;
				size_t i;
				k = q->cl[c];
				h = level ? tuple_hash(q->wh + k, m) : q->th[k];
				for (i = h & mask;; i = (i + 1) & mask) {
					struct qhash_ent *e = &q->tab[i];
					if (EMPTY(q, e)) {
						e->h = h;
						e->a1 = A1(q, c);
						e->c = 1;
						break;
					}
					if (e->h == h && same_words(q->cat.ptr, q->bo, q->wh, q->cl[INDEX(q, e)], k, m)) {
						e->c++;
						/* the highest count, first inserted on ties */
						if (e->c > bestc || (e->c == bestc && INDEX(q, e) < INDEX(q, &q->tab[best]))) {
							best = i;
							bestc = e->c;
						}
						break;
					}
				}
				q->slot[c] = (uint32_t)i;
			}
			memset(q->rep, 0, nng * sizeof(*q->rep));
			for (c = 0; c < nc; c++)
				q->rep[q->cl[c]] = q->tab[q->slot[c]].c > 1;
			level = m;
			if (isnan(thr))
				continue;
			{
				size_t a = bestc > 1 ? q->cl[INDEX(q, &q->tab[best])] : 0;
				double len = (double)(q->cpre[a + m] - q->cpre[a] + (m - 1));
				score = ratio(len * (double)(bestc > 1 ? bestc : 1), len_text);
			}
			sig(r, top_names[m - 1], score);
			if (score > thr)
				FAIL(top_names[m - 1]);
		}
	}

	/* duplicated n-grams: "".join(words[i:i+n]); jump n after a repeat.
	 * Only an n-gram whose string occurs at two positions can repeat.  With
	 * n0 the smallest n asked for, a position's n-grams (n >= n0) are at
	 * least as long as its n0-gram; if that is W = 16 (or 8) bytes or more,
	 * the n-gram begins with the W bytes of the concatenation at the
	 * position, and a copy of it elsewhere begins with the same W bytes, so
	 * the position can repeat only where those W bytes occur twice.  The
	 * sketches count the W bytes at every position that has them, whatever
	 * its n-grams' lengths (the two copies of a string may be split into
	 * words differently).  Positions whose n0-gram is under 8 bytes are
	 * always candidates.  The walk below inserts and looks up only the
	 * candidates. */
	{
		size_t n0 = 0, nng0, nc = 0;
		const char *cat = q->cat.ptr;
		size_t clen = q->cat.len;
		for (m = 10; m >= 1; m--)
			if (!isnan(v[QP_DUP_1 + m - 1]))
				n0 = m;
		nng0 = n0 && nw >= n0 ? nw - n0 + 1 : 0;
		if ((rc = sketch_prepare(q, 2 * nng0)))
			return rc;
		{
			uint64_t *sk = q->sketch, *th = q->th;
			const size_t *bo = q->bo;
			size_t skm = q->sketch_mask;
			uint32_t *cl = q->cl;
			for (k = 0; k < nng0; k++) {
				size_t o = bo[k], l0 = bo[k + n0] - o;
				uint64_t h8 = 0, h16 = 0;
				if (o + 8 <= clen) {
					h8 = window_hash(cat + o, 8);
					sketch_add(sk, skm, h8);
				}
				if (o + 16 <= clen) {
					h16 = window_hash(cat + o, 16);
					sketch_add(sk, skm, h16);
				}
				th[k] = l0 < 16 ? h8 : h16; /* the window the position is looked up by */
			}
			for (k = 0; k < nng0; k++) {
				size_t l0 = bo[k + n0] - bo[k];
				cl[nc] = (uint32_t)k;
				nc += (size_t)(l0 < 8 || sketch_many(sk, skm, th[k]));
			}
		}

		for (m = 1; m <= 10; m++) {
			double thr = v[QP_DUP_1 + m - 1], x2;
			size_t idx = 0, rep = 0, i, nng, c = 0;
			if (isnan(thr))
				continue;
			nng = nw >= m ? nw - m + 1 : 0;
			if ((rc = tab_prepare(q, nc, &mask)))
				return rc;
			for (;;) {
				size_t s0, len;
				uint64_t h;
				int seen = 0;
				while (c < nc && q->cl[c] < idx)
					c++;
				if (c == nc || q->cl[c] >= nng)
					break;
				idx = q->cl[c];
				s0 = q->bo[idx];
				len = q->bo[idx + m] - s0;
				h = XXH3_64bits(cat + s0, len);
				for (i = h & mask;; i = (i + 1) & mask) {
					struct qhash_ent *e = &q->tab[i];
					if (EMPTY(q, e)) {
						e->h = h;
						e->a1 = A1(q, c);
						e->c = (uint32_t)len;
						break;
					}
					if (e->h == h && e->c == len &&
					    !memcmp(cat + q->bo[q->cl[INDEX(q, e)]], cat + s0, len)) {
						seen = 1;
						break;
					}
				}
				if (seen) {
					rep += q->cpre[idx + m] - q->cpre[idx];
					idx += m;
				} else {
					idx++;
				}
			}
			x2 = ratio((double)rep, len_text);
			sig(r, dup_names[m - 1], x2);
			if (x2 > thr)
				FAIL(dup_names[m - 1]);
		}
	}
done:
	r->reason = reason;
	return 0;
}

/* ---- C4 ---- */

static int is_nd(uint32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND;
}

/* CITATION_REGEX.sub("", s): \[\d*]|\[edit]|\[citation needed] */
static int remove_citations(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, start = 0;
	int rc;
	buf_reset(out);
	while (i < n) {
		const char *br = memchr(s + i, '[', n - i);
		size_t j, end = 0;
		if (!br)
			break;
		i = (size_t)(br - s);
		j = i + 1;
		while (j < n) {
			size_t k = j;
			if (!is_nd(pt_next(s, n, &k)))
				break;
			j = k;
		}
		if (j < n && s[j] == ']')
			end = j + 1;
		else if (pt_startswith(s + i, n - i, "[edit]"))
			end = i + 6;
		else if (pt_startswith(s + i, n - i, "[citation needed]"))
			end = i + 17;
		if (end) {
			if ((rc = buf_add(out, s + start, i - start)))
				return rc;
			start = i = end;
		} else {
			i++;
		}
	}
	return buf_add(out, s + start, n - start);
}

/* C4's substring tests on line.lower().  Only U+0130 and U+212A lower to
 * ASCII ("i\u0307", "k"; test_quality checks this over all of Unicode), so
 * a line without them holds a phrase exactly where its ASCII letters spell
 * it in any case; lines with them are lowered first.  Bits: */
enum { C4_LOREM = 1, C4_JS = 2, C4_POLICY = 4, C4_LOWER = 8 };

/* (c4_at compares the first two characters with u | 0x20: they must be
 * lowercase ASCII letters) */
static const struct { const char *p; unsigned char len, bit; } c4_ph[] = {
	{ "lorem ipsum", 11, C4_LOREM }, { "javascript", 10, C4_JS },
	{ "terms of use", 12, C4_POLICY }, { "privacy policy", 14, C4_POLICY },
	{ "cookie policy", 13, C4_POLICY }, { "uses cookies", 12, C4_POLICY },
	{ "use of cookies", 14, C4_POLICY }, { "use cookies", 11, C4_POLICY },
};

/* The phrases (or C4_LOWER) starting at s[i]. */
static unsigned c4_at(const unsigned char *u, size_t n, size_t i)
{
	unsigned found = 0;
	size_t k, j;
	if (i + 1 < n && ((u[i] == 0xc4 && u[i + 1] == 0xb0) ||
			  (i + 2 < n && u[i] == 0xe2 && u[i + 1] == 0x84 && u[i + 2] == 0xaa)))
		return C4_LOWER;
	for (k = 0; k < sizeof(c4_ph) / sizeof(c4_ph[0]); k++) {
		if (n - i < c4_ph[k].len || (unsigned char)c4_ph[k].p[1] != (u[i + 1] | 0x20) ||
		    (unsigned char)c4_ph[k].p[0] != (u[i] | 0x20))
			continue; /* (the scan found some phrase's first two letters) */
		for (j = 2; j < c4_ph[k].len; j++) {
			unsigned char d = u[i + j];
			if ((unsigned)(d - 'A') < 26u)
				d |= 0x20;
			if (d != (unsigned char)c4_ph[k].p[j])
				break;
		}
		if (j == c4_ph[k].len)
			found |= c4_ph[k].bit;
	}
	return found;
}

/* The phrases' first two letters (any case) and the two special lead
 * pairs, 16 positions at a time; c4_at() where one starts. */
static unsigned c4_scan(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned found = 0;
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i sp = _mm_set1_epi8(0x20);
#define EQ2(x, y, a, b) _mm_and_si128(_mm_cmpeq_epi8((x), _mm_set1_epi8((char)(a))), \
				   _mm_cmpeq_epi8((y), _mm_set1_epi8((char)(b))))
	for (; i + 17 <= n; i += 16) {
		__m128i r0 = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		__m128i r1 = _mm_loadu_si128((const __m128i *)(const void *)(u + i + 1));
		__m128i b0 = _mm_or_si128(r0, sp), b1 = _mm_or_si128(r1, sp), m;
		unsigned bits;
		m = _mm_or_si128(EQ2(b0, b1, 'l', 'o'), EQ2(b0, b1, 'j', 'a'));
		m = _mm_or_si128(m, _mm_or_si128(EQ2(b0, b1, 't', 'e'), EQ2(b0, b1, 'p', 'r')));
		m = _mm_or_si128(m, _mm_or_si128(EQ2(b0, b1, 'c', 'o'), EQ2(b0, b1, 'u', 's')));
		m = _mm_or_si128(m, _mm_or_si128(EQ2(r0, r1, 0xc4, 0xb0), EQ2(r0, r1, 0xe2, 0x84)));
		bits = (unsigned)_mm_movemask_epi8(m);
		while (bits) {
			found |= c4_at(u, n, i + (size_t)__builtin_ctz(bits));
			if (found & C4_LOWER)
				return C4_LOWER;
			bits &= bits - 1;
		}
	}
#undef EQ2
#endif
	for (; i < n; i++) {
		unsigned c = u[i] | 0x20;
		if (c == 'l' || c == 'j' || c == 't' || c == 'p' || c == 'c' || c == 'u' || u[i] == 0xc4 || u[i] == 0xe2) {
			found |= c4_at(u, n, i);
			if (found & C4_LOWER)
				return C4_LOWER;
		}
	}
	return found;
}

static unsigned c4_phrases(struct quality *q, const char *s, size_t n, int *err)
{
	unsigned found = c4_scan(s, n);
	if (!(found & C4_LOWER))
		return found;
	buf_reset(&q->lower);
	if ((*err = pt_lower(&q->lower, s, n)))
		return 0;
	return c4_scan(q->lower.ptr, q->lower.len) & ~(unsigned)C4_LOWER;
}

/* len(line.split()); the spans too, in q->parts, unless count_only */
static size_t count_ws_words(struct quality *q, const char *s, size_t n, int count_only, int *err)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, words = 0;
	unsigned prev = 1;
	*err = 0;
	if (count_only) {
		i = 0;
#if defined(__SSE2__)
		/* 16 bytes at a time while no byte may lead a non-ASCII space:
		 * a word starts at a non-space after a space */
		while (i + 16 <= n) {
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
			unsigned w;
			if (_mm_movemask_epi8(space_leads(b)))
				break;
			w = (unsigned)_mm_movemask_epi8(ascii_spaces(b));
			words += pop32(~w & ((w << 1) | prev) & 0xffffu); /* the words starting here */
			prev = (w >> 15) & 1;
			i += 16;
		}
#endif
		for (; i < n; i++) {
			unsigned c = u[i], ws = (c - 0x09u < 5u) | (c - 0x1cu < 5u);
			if (c == 0xc2 || c - 0xe1u < 3u) { /* the leads of the non-ASCII spaces */
				size_t j = i;
				if (pt_isspace(pt_next(s, n, &j))) {
					ws = 1;
					i = j - 1;
				}
			}
			words += prev & !ws;
			prev = ws;
		}
		return words;
	}
	q->parts.n = 0;
	*err = pt_split_ws(s, n, &q->parts);
	return q->parts.n;
}

/* The line-by-line tests below are C4QualityFilter's, in its order.  Where
 * a test only drops the line, the cheaper tests run first (the outcome is
 * the same); the reasons (lorem_ipsum, curly_bracket) keep their places.
 * Sentences are counted from the text's words when they are at hand (the
 * words of a line are the text's words inside it), else per line; their
 * total is also the word count of the rewritten text, kept for FineWeb. */
static int eval_c4(struct quality *q, const struct qparams *p, const char *text, size_t n,
		   struct qresult *r)
{
	const double *v = p->v;
	size_t k, li, nsent = 0, kept = 0, nlines, wcur = 0, out_words = 0;
	int rc, cached;
	const char *reason = NULL;
	double max_word = v[QP_C4_MAX_WORD_LENGTH], min_words = v[QP_C4_MIN_WORDS_PER_LINE];
	double min_sent = v[QP_C4_MIN_NUM_SENTENCES];
	int count_sent = !isnan(min_sent) && min_sent != -1;
#define FLAG(x) (!isnan(v[x]) && v[x] != 0)

	q->count_ok = 0;
	cached = count_sent && have_words(q, text, n);
	if ((rc = text_lines(q, text, n)))
		return rc;
	nlines = q->lines.n;
	buf_reset(&q->out);
	for (li = 0; li < nlines; li++) {
		size_t off, len, ll;
		const char *line, *l;
		unsigned found = 0;
		pt_strip(text + q->lines.v[li].off, q->lines.v[li].len, &off, &len);
		line = text + q->lines.v[li].off + off;
		/* a word of more than max_word code points needs more bytes */
		if (!isnan(max_word) && max_word != -1 && (double)len > max_word) {
			int too_long = 0;
			size_t nw = count_ws_words(q, line, len, 0, &rc);
			if (rc)
				return rc;
			for (k = 0; k < nw && !too_long; k++)
				if (q->parts.v[k].len > max_word && (double)pt_len(line + q->parts.v[k].off, q->parts.v[k].len) > max_word)
					too_long = 1;
			if (too_long)
				continue;
		}
		if (FLAG(QP_C4_REMOVE_CITATIONS) && memchr(line, '[', len)) {
			if ((rc = remove_citations(&q->tmp, line, len)))
				return rc;
			l = q->tmp.ptr;
			ll = q->tmp.len;
		} else {
			l = line;
			ll = len;
		}
		if (FLAG(QP_C4_FILTER_NO_TERMINAL_PUNCT)) {
			char last = ll ? l[ll - 1] : 0;
			if (!(last == '.' || last == '?' || last == '!' || last == '"' || last == '\'') ||
			    pt_endswith(l, ll, "..."))
				continue;
		}
		if (!isnan(min_words)) {
			size_t nw = count_ws_words(q, line, len, 1, &rc);
			if (rc)
				return rc;
			if ((double)nw < min_words)
				continue;
		}
		if (FLAG(QP_C4_FILTER_LOREM_IPSUM) || FLAG(QP_C4_FILTER_JAVASCRIPT) || FLAG(QP_C4_FILTER_POLICY)) {
			found = c4_phrases(q, l, ll, &rc);
			if (rc)
				return rc;
		}
		if (FLAG(QP_C4_FILTER_LOREM_IPSUM) && (found & C4_LOREM)) {
			reason = "lorem_ipsum";
			goto done;
		}
		if (FLAG(QP_C4_FILTER_JAVASCRIPT) && (found & C4_JS))
			continue;
		if (FLAG(QP_C4_FILTER_CURLY_BRACKET) && memchr(l, '{', ll)) {
			reason = "curly_bracket";
			goto done;
		}
		if (FLAG(QP_C4_FILTER_POLICY) && (found & C4_POLICY))
			continue;
		if (count_sent) {
			const struct pt_span *tok;
			size_t ntok;
			if (cached && l == line) {
				size_t a = (size_t)(line - text), b = a + len, e;
				while (wcur < q->words.n && q->words.v[wcur].off < a)
					wcur++;
				for (e = wcur; e < q->words.n && q->words.v[e].off < b; e++)
					;
				tok = q->words.v + wcur;
				ntok = e - wcur;
				nsent += words_count_sentences(text, tok, ntok);
				wcur = e;
			} else {
				q->parts.n = 0;
				if ((rc = words_split(l, ll, &q->parts)))
					return rc;
				ntok = q->parts.n;
				nsent += words_count_sentences(l, q->parts.v, q->parts.n);
			}
			out_words += ntok;
		}
		if (kept++ && (rc = buf_addch(&q->out, '\n')))
			return rc;
		if ((rc = buf_add(&q->out, l, ll)))
			return rc;
	}
	sig(r, "c4_lines", (double)nlines);
	sig(r, "c4_lines_kept", (double)kept);
	sig(r, "c4_sentences", (double)nsent);
	if (!isnan(min_sent) && (double)nsent < min_sent) {
		reason = "too_few_sentences";
		goto done;
	}
	{
		size_t off, len;
		pt_strip(q->out.ptr, q->out.len, &off, &len);
		if (off)
			memmove(q->out.ptr, q->out.ptr + off, len);
		buf_setlen(&q->out, len);
	}
	r->rewritten = q->out.len != n || memcmp(q->out.ptr, text, n) != 0;
	if (count_sent) {
		q->count_ok = 1;
		q->count = out_words;
		q->count_n = q->out.len;
	}
done:
	r->reason = reason;
	return 0;
}

/* ---- FineWeb ---- */

static int eval_fineweb(struct quality *q, const struct qparams *p, const char *text, size_t n,
			struct qresult *r)
{
	const double *v = p->v;
	size_t k, nl, punct = 0, shortl = 0, dup_el, dup_chars, newlines = 0, i = 0;
	int all = q->all_signals, rc;
	const char *reason = NULL;
	double x;

	q->lines.n = 0;
	q->lines_ok = 0; /* (other lines here) */
	for (;;) {
		const char *e = memchr(text + i, '\n', n - i);
		size_t end = e ? (size_t)(e - text) : n, a = pt_lstrip(text + i, end - i);
		if (a < end - i && (rc = pt_spans_add(&q->lines, i, end - i)))
			return rc;
		if (!e)
			break;
		newlines++;
		i = end + 1;
	}
	nl = q->lines.n;
	if (nl == 0) {
		r->reason = "empty";
		return 0;
	}
	for (k = 0; k < nl; k++) {
		const char *s = text + q->lines.v[k].off;
		size_t len = q->lines.v[k].len, st;
		if (pt_is_terminal_punct(pt_prev(s, len, &st)))
			punct++;
		if ((double)(len <= v[QP_FW_SHORT_LINE_LENGTH] ? len : pt_len(s, len)) <= v[QP_FW_SHORT_LINE_LENGTH])
			shortl++;
	}
	x = (double)punct / (double)nl;
	sig(r, "line_punct_ratio", x);
	if (x < v[QP_FW_LINE_PUNCT_THR] && !(x == 0 && v[QP_FW_LINE_PUNCT_EXCLUDE_ZERO] != 0 &&
					     !isnan(v[QP_FW_LINE_PUNCT_EXCLUDE_ZERO])))
		FAIL("line_punct_ratio");
	x = (double)shortl / (double)nl;
	sig(r, "short_line_ratio", x);
	if (x > v[QP_FW_SHORT_LINE_THR])
		FAIL("short_line_ratio");
	if ((rc = find_duplicates(q, text, &q->lines, &dup_el, &dup_chars)))
		return rc;
	x = ratio((double)dup_chars, (double)(pt_len(text, n) - newlines));
	sig(r, "char_dup_ratio", x);
	if (x > v[QP_FW_CHAR_DUPLICATES_RATIO])
		FAIL("char_dup_ratio");
	{
		size_t nwords;
		if ((rc = text_word_count(q, text, n, &nwords)))
			return rc;
		x = ratio((double)newlines, (double)nwords);
	}
	sig(r, "list_ratio", x);
	if (x > v[QP_FW_NEW_LINE_RATIO])
		FAIL("list_ratio");
done:
	r->reason = reason;
	return 0;
}

int quality_eval(struct quality *q, enum qrule rule, const struct qparams *p,
		 const char *text, size_t n, struct qresult *r)
{
	r->reason = NULL;
	r->nsig = 0;
	r->rewritten = 0;
	switch (rule) {
	case Q_GOPHER:
		return eval_gopher(q, p, text, n, r);
	case Q_GOPHER_REP:
		return eval_gopher_rep(q, p, text, n, r);
	case Q_C4:
		return eval_c4(q, p, text, n, r);
	case Q_FINEWEB:
		return eval_fineweb(q, p, text, n, r);
	default:
		return SL_EINVAL;
	}
}
