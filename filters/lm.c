/*
 * lm.c - ARPA and .slm n-gram models; see lm.h for the semantics and the
 * binary layout.
 */
#include "lm.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "error.h"
#include "instream.h"

#define LM_MAGIC "SLUICELM"
#define LM_VERSION 1u
#define LM_HEADER_BYTES 512

struct lm_header {
	char magic[8];
	uint32_t version;
	uint32_t order;
	uint32_t nwords;
	uint32_t vocab_slots;
	uint32_t flags;                 /* bit 0: the ARPA file had <unk> */
	uint32_t bos, eos;
	uint32_t vocab_probe;           /* longest probe sequence in vocab slots */
	uint64_t strings_bytes;
	uint64_t file_bytes;
	uint64_t counts[LM_MAX_ORDER + 1];
	uint64_t slots[LM_MAX_ORDER + 1];
	uint32_t probe[LM_MAX_ORDER + 1];
	char units[LM_UNITS_MAX];
	uint64_t blanks[LM_MAX_ORDER + 1];
};
_Static_assert(sizeof(struct lm_header) <= LM_HEADER_BYTES, "header fits");

/* Longest probe sequences, kept beside the model (not in lm_model's public
 * part so lm_find stays a two-line loop for well-formed tables). */
struct lm_priv {
	struct lm_model m;
	uint32_t vocab_probe;
	uint32_t probe[LM_MAX_ORDER + 1];
	/* owned allocations when not mapped */
	char *strings;
	uint32_t *offsets;
	struct lm_vslot *vocab;
	struct lm_uni *uni;
	uint8_t *wflags;
	struct lm_entry *table[LM_MAX_ORDER + 1];
	/* while loading ARPA: suffixes missing from the file, per order */
	struct blanks {
		uint32_t *ids;
		size_t n, cap;
		uint64_t *set;
		size_t set_mask, set_n;
	} missing[LM_MAX_ORDER + 1];
};

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

static uint64_t table_slots(uint64_t n)
{
	uint64_t s = 16;

	while (s < n + n / 2 + 1)
		s <<= 1;
	return s;
}

/* ---- vocabulary ---- */

static uint32_t vocab_find(const struct lm_priv *p, uint64_t h)
{
	const struct lm_model *m = &p->m;
	uint64_t i = h & m->vocab_mask;
	uint32_t probes = 0;

	for (;;) {
		const struct lm_vslot *v = &m->vocab[i];
		if (v->id1 == 0 || v->id1 > m->nwords)
			return UINT32_MAX;
		if (v->hash == h)
			return v->id1 - 1;
		if (++probes > p->vocab_probe)
			return UINT32_MAX;
		i = (i + 1) & m->vocab_mask;
	}
}

static uint32_t vocab_lookup(const struct lm_priv *p, const char *w, size_t n)
{
	return vocab_find(p, XXH3_64bits(w, n));
}

uint32_t lm_word_id(const struct lm_model *m, const char *w, size_t n)
{
	uint32_t id = vocab_lookup((const struct lm_priv *)m, w, n);

	return id == UINT32_MAX ? m->unk : id;
}

uint64_t lm_word_hash(const struct lm_model *m, const char *w, size_t n)
{
	uint64_t h = XXH3_64bits(w, n);

	__builtin_prefetch(&m->vocab[h & m->vocab_mask]);
	return h;
}

uint32_t lm_word_id_hashed(const struct lm_model *m, uint64_t h)
{
	uint32_t id = vocab_find((const struct lm_priv *)m, h);

	return id == UINT32_MAX ? m->unk : id;
}

const char *lm_word(const struct lm_model *m, uint32_t id)
{
	return id < m->nwords ? m->strings + m->offsets[id] : NULL;
}

int lm_set_units(struct lm_model *m, const char *units)
{
	if (strlen(units) >= LM_UNITS_MAX)
		return SL_EINVAL;
	snprintf(m->units, sizeof(m->units), "%s", units);
	return 0;
}

/* ---- scoring ---- */

static const struct lm_entry *find_bounded(const struct lm_priv *p, int n, uint64_t key)
{
	const struct lm_entry *t = p->m.table[n];
	uint64_t mask = p->m.mask[n], i = key & mask;
	uint32_t probes = 0;

	for (;;) {
		if (t[i].key == key)
			return &t[i];
		if (t[i].key == 0 || ++probes > p->probe[n])
			return NULL;
		i = (i + 1) & mask;
	}
}

void lm_state_null(struct lm_state *s)
{
	s->n = 0;
}

void lm_state_begin(const struct lm_model *m, struct lm_state *s)
{
	s->n = 0;
	if (m->bos == UINT32_MAX || m->order < 2)
		return;
	s->n = 1;
	s->w[0] = m->bos;
	s->bo[1] = m->uni[m->bos].backoff;
}

/* The keys of the n-grams ending in w after the context ctx (most recent
 * first), with their slots fetched into the cache: the look-ups are
 * memory-bound, so the keys of the next word are hashed and fetched
 * while the current word is scored. */
static inline void make_keys(const struct lm_model *m, uint32_t w, const uint32_t *ctx, int nctx,
			     uint64_t *keys)
{
	uint64_t key = lm_key_start(w);

	if (!(m->wflags[w] & LM_W_LEFT))
		return; /* no n-gram ends with w */
	for (int k = 1; k <= nctx; k++) {
		key = lm_key_extend(key, ctx[k - 1]);
		keys[k] = key;
		__builtin_prefetch(&m->table[k + 1][key & m->mask[k + 1]]);
	}
}

/* How many words of context follow w: none when no n-gram begins with w
 * (and it has no back-off weight), else w and the old words, at most
 * order-1. */
static inline int next_context(const struct lm_model *m, uint32_t w, int nctx)
{
	if (!(m->wflags[w] & LM_W_EXT) && m->uni[w].backoff == 0.0f)
		return 0;
	return nctx + 1 < m->order - 1 ? nctx + 1 : m->order - 1;
}

static inline float score_keys(const struct lm_model *m, struct lm_state *s, uint32_t w,
			       const uint64_t *keys, int *ngram_len, uint64_t *lookups)
{
	const struct lm_priv *p = (const struct lm_priv *)m;
	float nbo[LM_MAX_ORDER + 1];
	int k, matched = 1, nctx = s->n, keep;
	float prob = m->uni[w].prob;

	nbo[1] = m->uni[w].backoff;
	for (k = 1; k <= nctx; k++)
		nbo[k + 1] = 0.0f;
	/* every suffix of an n-gram is in the tables (missing ones were added
	 * as blanks), so the search stops at the first miss */
	for (k = (m->wflags[w] & LM_W_LEFT) ? 1 : nctx + 1; k <= nctx; k++) {
		const struct lm_entry *e = find_bounded(p, k + 1, keys[k]);

		++*lookups;
		if (!e)
			break;
		prob = e->prob;
		matched = k + 1;
		nbo[k + 1] = e->backoff;
	}
	for (k = matched; k <= nctx; k++)
		prob += s->bo[k];
	if (ngram_len)
		*ngram_len = matched;

	/* the new context: w then the old words, at most order-1 */
	keep = next_context(m, w, nctx);
	for (k = keep - 1; k > 0; k--)
		s->w[k] = s->w[k - 1];
	if (keep > 0)
		s->w[0] = w;
	for (k = 1; k <= keep; k++)
		s->bo[k] = nbo[k];
	s->n = keep;
	return prob;
}

float lm_score_word(const struct lm_model *m, struct lm_state *s, uint32_t w, int *ngram_len)
{
	uint64_t keys[LM_MAX_ORDER + 1], lookups = 0;

	if (w >= m->nwords)
		w = m->unk;
	make_keys(m, w, s->w, s->n, keys);
	return score_keys(m, s, w, keys, ngram_len, &lookups);
}

double lm_score_ids(const struct lm_model *m, const uint32_t *ids, size_t n, int bos, int eos)
{
	uint64_t lookups = 0;

	return lm_score_ids_counted(m, ids, n, bos, eos, &lookups);
}

double lm_score_ids_counted(const struct lm_model *m, const uint32_t *ids, size_t n, int bos, int eos,
			    uint64_t *lookups)
{
	uint64_t ka[LM_MAX_ORDER + 1], kb[LM_MAX_ORDER + 1], *cur = ka, *next = kb, *t;
	uint32_t ctx[LM_MAX_ORDER];
	size_t total = n + (eos && m->eos != UINT32_MAX), j;
	struct lm_state s;
	double sum = 0;

	if (bos)
		lm_state_begin(m, &s);
	else
		lm_state_null(&s);
	if (total == 0)
		return 0;
#define WORD(j) ((j) < n ? (ids[j] < m->nwords ? ids[j] : m->unk) : m->eos)
	make_keys(m, WORD(0), s.w, s.n, cur);
	for (j = 0; j < total; j++) {
		uint32_t w = WORD(j);

		if (j + 1 < total) {
			int nctx = next_context(m, w, s.n);
			ctx[0] = w;
			for (int k = 1; k < nctx; k++)
				ctx[k] = s.w[k - 1];
			make_keys(m, WORD(j + 1), ctx, nctx, next);
		}
		sum += score_keys(m, &s, w, cur, NULL, lookups);
		t = cur;
		cur = next;
		next = t;
	}
#undef WORD
	return sum;
}

/* ---- freeing ---- */

void lm_free(struct lm_model *m)
{
	struct lm_priv *p = (struct lm_priv *)m;
	int n;

	if (!m)
		return;
	if (m->mapped) {
		munmap(m->mem, m->mem_size);
	} else {
		free(p->strings);
		free(p->offsets);
		free(p->vocab);
		free(p->uni);
		free(p->wflags);
		for (n = 2; n <= LM_MAX_ORDER; n++)
			free(p->table[n]);
	}
	for (n = 0; n <= LM_MAX_ORDER; n++) {
		free(p->missing[n].ids);
		free(p->missing[n].set);
	}
	free(p);
}

/* ---- ARPA ---- */

struct linereader {
	struct instream *in;
	struct inwin win;
	uint64_t lineno;
	const char *line;
	size_t len;
	size_t consumed;
};

/* 1 with r->line/len set, 0 at the end, <0 error. */
static int next_line(struct linereader *r)
{
	size_t scan = 0;

	inwin_skip(&r->win, r->consumed);
	r->consumed = 0;
	for (;;) {
		size_t avail = inwin_avail(&r->win);
		const char *p = avail ? inwin_ptr(&r->win) : NULL;
		const char *nl = avail > scan ? memchr(p + scan, '\n', avail - scan) : NULL;
		ssize_t got;

		if (nl) {
			r->line = p;
			r->len = (size_t)(nl - p);
			r->consumed = r->len + 1;
			break;
		}
		scan = avail;
		if (r->win.eof || r->win.at_gap) {
			if (r->win.at_gap)
				return SL_EGZIP;
			if (avail == 0)
				return 0;
			r->line = p;
			r->len = avail;
			r->consumed = avail;
			break;
		}
		got = inwin_fill(&r->win, avail + 65536 > r->win.max ? r->win.max : avail + 65536);
		if (got < 0)
			return (int)got;
		if ((size_t)got == avail && !r->win.eof && !r->win.at_gap)
			return SL_ETOOBIG;
	}
	r->lineno++;
	if (r->len && r->line[r->len - 1] == '\r')
		r->len--;
	return 1;
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

static int parse_float(const char *s, size_t n, float *out)
{
	char tmp[64];
	char *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtof(tmp, &end);
	if (*end != '\0')
		return -1;
	if (isnan(*out))
		return -1;
	return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Split the next field at spaces/tabs. */
static int next_field(const char *s, size_t n, size_t *pos, const char **f, size_t *flen)
{
	size_t i = *pos;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return 0;
	*f = s + i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	*flen = (size_t)(s + i - *f);
	*pos = i;
	return 1;
}

static int vocab_insert(struct lm_priv *p, const char *w, size_t n, uint32_t id)
{
	struct lm_model *m = &p->m;
	uint64_t h = XXH3_64bits(w, n), i = h & m->vocab_mask;
	uint32_t probes = 0;

	while (p->vocab[i].id1) {
		if (p->vocab[i].hash == h)
			return SL_EFORMAT; /* the same word, or two sharing a hash */
		probes++;
		i = (i + 1) & m->vocab_mask;
	}
	p->vocab[i].hash = h;
	p->vocab[i].id1 = id + 1;
	if (probes > p->vocab_probe)
		p->vocab_probe = probes;
	return 0;
}

static int table_insert(struct lm_priv *p, int n, uint64_t key, float prob, float bo)
{
	struct lm_entry *t = p->table[n];
	uint64_t mask = p->m.mask[n], i = key & mask;
	uint32_t probes = 0;

	while (t[i].key) {
		if (t[i].key == key)
			return SL_EFORMAT;
		probes++;
		i = (i + 1) & mask;
	}
	t[i].key = key;
	t[i].prob = prob;
	t[i].backoff = bo;
	if (probes > p->probe[n])
		p->probe[n] = probes;
	return 0;
}

static struct lm_priv *priv_new(void)
{
	struct lm_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->m.bos = p->m.eos = UINT32_MAX;
	snprintf(p->m.units, sizeof(p->m.units), "words");
	return p;
}

/* Attach the strings buffer (it moves as it grows). */
static void set_strings(struct lm_priv *p, struct buf *strings)
{
	p->m.strings = strings->ptr;
	p->m.strings_bytes = strings->len;
}

/* The start of an n-gram line: the next line and its log10 probability. */
static int entry_prob(struct linereader *r, size_t *pos, float *prob, const char *ended, const char **why)
{
	const char *f;
	size_t flen;
	int rc = next_line(r);

	if (rc <= 0) {
		*why = ended;
		return rc < 0 ? rc : SL_ETRUNC;
	}
	*pos = 0;
	if (!next_field(r->line, r->len, pos, &f, &flen) || parse_float(f, flen, prob)) {
		*why = "expected a log10 probability";
		return SL_EFORMAT;
	}
	if (*prob > 0) {
		*why = "positive log10 probability";
		return SL_EFORMAT;
	}
	return 0;
}

/* The end of an n-gram line: an optional back-off weight (none on the
 * highest order), then nothing. */
static int entry_backoff(struct linereader *r, size_t *pos, int top, float *bo, const char **why)
{
	const char *f;
	size_t flen;

	*bo = 0.0f;
	if (!next_field(r->line, r->len, pos, &f, &flen))
		return 0;
	if (top) {
		*why = "back-off weight on a highest-order n-gram";
		return SL_EFORMAT;
	}
	if (parse_float(f, flen, bo)) {
		*why = "expected a log10 back-off weight";
		return SL_EFORMAT;
	}
	if (next_field(r->line, r->len, pos, &f, &flen)) {
		*why = "extra text after the back-off weight";
		return SL_EFORMAT;
	}
	return 0;
}

static int arpa_unigrams(struct linereader *r, struct lm_priv *p, struct buf *strings,
			 int order, const char **why)
{
	struct lm_model *m = &p->m;
	uint64_t cnt = m->counts[1], k;
	uint64_t slots;
	int rc;

	if (cnt + 1 > UINT32_MAX / 2) {
		*why = "too many words";
		return SL_EFORMAT;
	}
	slots = table_slots(cnt + 1);
	p->offsets = malloc((cnt + 1) * sizeof(uint32_t));
	p->uni = malloc((cnt + 1) * sizeof(struct lm_uni));
	p->vocab = calloc(slots, sizeof(struct lm_vslot));
	p->wflags = calloc(cnt + 1, 1);
	if (!p->offsets || !p->uni || !p->vocab || !p->wflags)
		return SL_ENOMEM;
	m->wflags = p->wflags;
	m->offsets = p->offsets;
	m->uni = p->uni;
	m->vocab = p->vocab;
	m->vocab_mask = (uint32_t)(slots - 1);

	/* <unk> is id 0 whether or not the file lists it */
	if (buf_add(strings, "<unk>", 6))
		return SL_ENOMEM;
	set_strings(p, strings);
	p->offsets[0] = 0;
	p->uni[0].prob = -100.0f;
	p->uni[0].backoff = 0.0f;
	m->nwords = 1;
	m->unk = 0;
	if ((rc = vocab_insert(p, "<unk>", 5, 0)))
		return rc;

	for (k = 0; k < cnt; k++) {
		const char *w;
		size_t pos, wlen;
		float prob, bo;
		uint32_t id;

		if ((rc = entry_prob(r, &pos, &prob, "the 1-grams end before the count in \\data\\", why)))
			return rc;
		if (!next_field(r->line, r->len, &pos, &w, &wlen)) {
			*why = "expected a word after the probability";
			return SL_EFORMAT;
		}
		if (memchr(w, '\0', wlen)) {
			*why = "a word contains a NUL byte";
			return SL_EFORMAT;
		}
		if ((rc = entry_backoff(r, &pos, order == 1, &bo, why)))
			return rc;
		if ((wlen == 5 && (memcmp(w, "<unk>", 5) == 0 || memcmp(w, "<UNK>", 5) == 0))) {
			if (m->has_unk) {
				*why = "duplicate <unk>";
				return SL_EFORMAT;
			}
			m->has_unk = 1;
			p->uni[0].prob = prob;
			p->uni[0].backoff = bo;
			continue;
		}
		if (m->nwords > cnt) {
			*why = "more 1-grams than the count in \\data\\";
			return SL_EFORMAT;
		}
		id = m->nwords;
		if (strings->len > UINT32_MAX - wlen - 1) {
			*why = "the vocabulary's strings exceed 4 GiB";
			return SL_EFORMAT;
		}
		p->offsets[id] = (uint32_t)strings->len;
		if (buf_add(strings, w, wlen) || buf_add(strings, "", 1))
			return SL_ENOMEM;
		set_strings(p, strings);
		if (vocab_insert(p, w, wlen, id)) {
			*why = "a word is listed twice in the 1-grams (or two share a 64-bit hash)";
			return SL_EFORMAT;
		}
		p->uni[id].prob = prob;
		p->uni[id].backoff = bo;
		if (wlen == 3 && memcmp(w, "<s>", 3) == 0)
			m->bos = id;
		else if (wlen == 4 && memcmp(w, "</s>", 4) == 0)
			m->eos = id;
		m->nwords++;
	}
	return 0;
}

static uint64_t ids_key(const uint32_t *ids, int n)
{
	uint64_t key = lm_key_start(ids[n - 1]);

	for (int j = n - 2; j >= 0; j--)
		key = lm_key_extend(key, ids[j]);
	return key;
}

/* Remember that the n-gram ids[0..n) is missing (once). */
static int blank_add(struct lm_priv *p, const uint32_t *ids, int n, uint64_t key)
{
	struct blanks *b = &p->missing[n];
	size_t j;

	if (b->set_n + 1 > (b->set_mask + 1) / 2) {
		size_t slots = b->set_mask ? (b->set_mask + 1) * 2 : 1024, i;
		uint64_t *set = calloc(slots, sizeof(uint64_t));
		if (!set)
			return SL_ENOMEM;
		for (i = 0; b->set && i <= b->set_mask; i++) {
			if (!b->set[i])
				continue;
			j = b->set[i] & (slots - 1);
			while (set[j])
				j = (j + 1) & (slots - 1);
			set[j] = b->set[i];
		}
		free(b->set);
		b->set = set;
		b->set_mask = slots - 1;
	}
	j = key & b->set_mask;
	while (b->set[j]) {
		if (b->set[j] == key)
			return 1;
		j = (j + 1) & b->set_mask;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		uint32_t *ids2 = realloc(b->ids, cap * (size_t)n * sizeof(uint32_t));
		if (!ids2)
			return SL_ENOMEM;
		b->ids = ids2;
		b->cap = cap;
	}
	memcpy(b->ids + b->n * (size_t)n, ids, (size_t)n * sizeof(uint32_t));
	b->n++;
	b->set[j] = key;
	b->set_n++;
	return 0;
}

/* An n-gram of order n was read: its suffixes down to order 2 must exist
 * (KenLM fills the same "blanks", so a search may stop at the first
 * missing n-gram). */
static int check_suffixes(struct lm_priv *p, const uint32_t *ids, int n)
{
	int rc;

	for (int k = n - 1; k >= 2; k--) {
		const uint32_t *suf = ids + (n - k);
		uint64_t key = ids_key(suf, k);

		if (find_bounded(p, k, key))
			return 0;
		rc = blank_add(p, suf, k, key);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return 0; /* already noted, with its own suffixes */
	}
	return 0;
}

/* log10 p(ids[n-1] | ids[0..n-1)) by back-off over the tables. */
static float backoff_prob(const struct lm_priv *p, const uint32_t *ids, int n)
{
	const struct lm_model *m = &p->m;
	float prob = m->uni[ids[n - 1]].prob;
	int k, matched = 1;

	for (k = 2; k <= n; k++) {
		const struct lm_entry *e = find_bounded(p, k, ids_key(ids + n - k, k));
		if (!e)
			break;
		prob = e->prob;
		matched = k;
	}
	/* back-off weights of the contexts longer than the match */
	for (k = matched; k <= n - 1; k++) {
		const uint32_t *ctx = ids + (n - 1 - k);
		if (k == 1) {
			prob += m->uni[ctx[0]].backoff;
		} else {
			const struct lm_entry *e = find_bounded(p, k, ids_key(ctx, k));
			if (e)
				prob += e->backoff;
		}
	}
	return prob;
}

static int table_grow(struct lm_priv *p, int n, uint64_t entries)
{
	uint64_t slots = table_slots(entries), i;
	struct lm_entry *old = p->table[n], *t;
	uint64_t old_slots = p->m.mask[n] + 1;

	if (slots <= old_slots)
		return 0;
	t = calloc(slots, sizeof(*t));
	if (!t)
		return SL_ENOMEM;
	p->table[n] = t;
	p->m.table[n] = t;
	p->m.mask[n] = slots - 1;
	p->probe[n] = 0;
	for (i = 0; i < old_slots; i++)
		if (old[i].key)
			table_insert(p, n, old[i].key, old[i].prob, old[i].backoff);
	free(old);
	return 0;
}

/* Add the missing suffixes, lowest order first, as KenLM does: the
 * probability the back-off would give, and a back-off weight of 0. */
static int fill_blanks(struct lm_priv *p)
{
	int rc;

	for (int n = 2; n < p->m.order; n++) {
		struct blanks *b = &p->missing[n];
		if (!b->n)
			continue;
		if ((rc = table_grow(p, n, p->m.counts[n] + b->n)))
			return rc;
		for (size_t i = 0; i < b->n; i++) {
			const uint32_t *ids = b->ids + i * (size_t)n;
			float prob = backoff_prob(p, ids + 1, n - 1);
			const struct lm_entry *ctx = n - 1 >= 2 ? find_bounded(p, n - 1, ids_key(ids, n - 1)) : NULL;

			prob += n - 1 == 1 ? p->m.uni[ids[0]].backoff : ctx ? ctx->backoff : 0.0f;
			if ((rc = table_insert(p, n, ids_key(ids, n), prob, 0.0f)))
				return rc;
			p->wflags[ids[n - 1]] |= LM_W_LEFT;
			p->wflags[ids[0]] |= LM_W_EXT;
		}
		p->m.counts[n] += b->n;
		p->m.blanks[n] = b->n;
	}
	return 0;
}

static int arpa_ngrams(struct linereader *r, struct lm_priv *p, int n, const char **why)
{
	struct lm_model *m = &p->m;
	uint64_t cnt = m->counts[n], k, slots = table_slots(cnt);
	int rc;

	p->table[n] = calloc(slots, sizeof(struct lm_entry));
	if (!p->table[n])
		return SL_ENOMEM;
	m->table[n] = p->table[n];
	m->mask[n] = slots - 1;
	for (k = 0; k < cnt; k++) {
		const char *f;
		size_t pos, flen;
		float prob, bo;
		uint32_t ids[LM_MAX_ORDER];
		uint64_t key;
		int j;

		if ((rc = entry_prob(r, &pos, &prob, "an n-gram section ends before its count in \\data\\", why)))
			return rc;
		for (j = 0; j < n; j++) {
			uint32_t id;

			if (!next_field(r->line, r->len, &pos, &f, &flen)) {
				*why = "fewer words than the section's order";
				return SL_EFORMAT;
			}
			id = vocab_lookup(p, f, flen);
			if (id == UINT32_MAX) {
				*why = "a word of an n-gram is not among the 1-grams";
				return SL_EFORMAT;
			}
			ids[j] = id;
		}
		if ((rc = entry_backoff(r, &pos, n == m->order, &bo, why)))
			return rc;
		key = ids_key(ids, n);
		if (n >= 3 && (rc = check_suffixes(p, ids, n)) < 0)
			return rc;
		p->wflags[ids[n - 1]] |= LM_W_LEFT;
		p->wflags[ids[0]] |= LM_W_EXT;
		if (table_insert(p, n, key, prob, bo)) {
			*why = "an n-gram is listed twice (or two n-grams share a 64-bit key)";
			return SL_EFORMAT;
		}
	}
	return 0;
}

/* Skip blank lines; 1 with a non-blank line, 0 at the end. */
static int next_nonblank(struct linereader *r)
{
	int rc;

	while ((rc = next_line(r)) > 0)
		if (!is_blank(r->line, r->len))
			return 1;
	return rc;
}

static int line_is(const struct linereader *r, const char *s)
{
	size_t n = strlen(s), len = r->len;

	while (len && (r->line[len - 1] == ' ' || r->line[len - 1] == '\t'))
		len--;
	return len == n && memcmp(r->line, s, n) == 0;
}

int lm_load_arpa(const char *path, struct lm_model **out, const char **why, uint64_t *line)
{
	struct linereader r = { 0 };
	struct lm_priv *p;
	struct buf strings;
	const char *dummy;
	int rc, order = 0, n;

	if (!why)
		why = &dummy;
	*why = NULL;
	*out = NULL;
	if (line)
		*line = 0;
	buf_init(&strings, (size_t)1 << 32);
	p = priv_new();
	if (!p)
		return SL_ENOMEM;
	rc = instream_open(&r.in, path);
	if (rc) {
		free(p);
		return rc;
	}
	rc = inwin_init(&r.win, r.in, (size_t)1 << 20);
	if (rc)
		goto out;

	/* header: anything before \data\ is ignored, as KenLM does */
	for (;;) {
		rc = next_line(&r);
		if (rc <= 0) {
			*why = "no \\data\\ section";
			rc = rc < 0 ? rc : SL_EFORMAT;
			goto out;
		}
		if (line_is(&r, "\\data\\"))
			break;
		/* what `sluice ppl train --units` records; KenLM ignores it */
		if (r.len > 14 && r.len - 14 < LM_UNITS_MAX && memcmp(r.line, "sluice-units: ", 14) == 0) {
			memcpy(p->m.units, r.line + 14, r.len - 14);
			p->m.units[r.len - 14] = '\0';
		}
	}
	for (;;) {
		const char *f;
		size_t pos = 0, flen;
		const char *eq;
		uint64_t nn, c;

		rc = next_line(&r);
		if (rc <= 0) {
			*why = "the file ends in \\data\\";
			rc = rc < 0 ? rc : SL_ETRUNC;
			goto out;
		}
		if (is_blank(r.line, r.len)) {
			if (order)
				break;
			continue;
		}
		if (!next_field(r.line, r.len, &pos, &f, &flen) || flen != 5 || memcmp(f, "ngram", 5) ||
		    !next_field(r.line, r.len, &pos, &f, &flen) || !(eq = memchr(f, '=', flen)) ||
		    parse_u64(f, (size_t)(eq - f), &nn) ||
		    parse_u64(eq + 1, (size_t)(f + flen - eq - 1), &c)) {
			*why = "expected 'ngram N=COUNT' in \\data\\";
			rc = SL_EFORMAT;
			goto out;
		}
		if (nn != (uint64_t)order + 1 || nn > LM_MAX_ORDER) {
			*why = nn > LM_MAX_ORDER ? "order above 8" : "n-gram counts out of order in \\data\\";
			rc = SL_EFORMAT;
			goto out;
		}
		if (c > ((uint64_t)1 << 36)) {
			*why = "an n-gram count is implausibly large";
			rc = SL_EFORMAT;
			goto out;
		}
		order = (int)nn;
		p->m.counts[order] = c;
	}
	p->m.order = order;
	/* allocations follow the counts in \data\: hold them to what the
	 * file can contain (a line takes at least 4 bytes; deflate expands at
	 * most about 1032 times) */
	{
		int64_t fsize = instream_file_size(r.in);
		uint64_t total = 0, max;
		if (fsize >= 0) {
			max = (uint64_t)fsize / 4 + 1;
			if (instream_codec(r.in) != INSTREAM_PLAIN)
				max = (uint64_t)fsize * 1100 / 4 + 1;
			for (n = 1; n <= order; n++)
				total += p->m.counts[n];
			if (total > max) {
				*why = "the counts in \\data\\ are more n-grams than the file can hold";
				rc = SL_EFORMAT;
				goto out;
			}
		}
	}
	for (n = 1; n <= order; n++) {
		char want[32];

		snprintf(want, sizeof(want), "\\%d-grams:", n);
		rc = next_nonblank(&r);
		if (rc <= 0 || !line_is(&r, want)) {
			*why = n == 1 ? "expected \\1-grams:" : "expected the next \\N-grams: section";
			rc = rc < 0 ? rc : rc == 0 ? SL_ETRUNC : SL_EFORMAT;
			goto out;
		}
		rc = n == 1 ? arpa_unigrams(&r, p, &strings, order, why) : arpa_ngrams(&r, p, n, why);
		if (rc)
			goto out;
	}
	rc = next_nonblank(&r);
	if (rc <= 0 || !line_is(&r, "\\end\\")) {
		*why = rc > 0 ? "more n-grams than the count in \\data\\, or no \\end\\" : "no \\end\\";
		rc = rc < 0 ? rc : rc == 0 ? SL_ETRUNC : SL_EFORMAT;
		goto out;
	}
	rc = fill_blanks(p);
	if (rc)
		goto out;
	if (instream_stats(r.in)->truncated || instream_stats(r.in)->corrupt_members) {
		*why = "the compressed file is damaged";
		rc = SL_ETRUNC;
		goto out;
	}
	p->strings = buf_detach(&strings, NULL);
	p->m.strings = p->strings;
	p->m.counts[1] = p->m.nwords;
out:
	if (line)
		*line = r.lineno;
	inwin_release(&r.win);
	instream_free(r.in);
	if (rc) {
		buf_release(&strings);
		p->m.strings = NULL;
		lm_free(&p->m);
		return rc;
	}
	*out = &p->m;
	return 0;
}

/* ---- binary ---- */

static int write_padded(lm_write_fn *write_all, void *fd, const void *data, size_t n)
{
	static const char zero[8];
	int rc = write_all(fd, data, n);

	if (!rc && align8(n) != n)
		rc = write_all(fd, zero, align8(n) - n);
	return rc;
}

static uint64_t layout_size(const struct lm_header *h)
{
	uint64_t total = LM_HEADER_BYTES;

	total += align8(h->strings_bytes);
	total += align8((uint64_t)h->nwords * 4);
	total += (uint64_t)h->vocab_slots * sizeof(struct lm_vslot);
	total += (uint64_t)h->nwords * sizeof(struct lm_uni);
	total += align8(h->nwords);
	for (uint32_t n = 2; n <= h->order; n++)
		total += h->slots[n] * sizeof(struct lm_entry);
	return total;
}

int lm_write_binary(const struct lm_model *m, lm_write_fn *write_all, void *fd)
{
	const struct lm_priv *p = (const struct lm_priv *)m;
	char raw[LM_HEADER_BYTES];
	struct lm_header h;
	int rc, n;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LM_MAGIC, 8);
	h.version = LM_VERSION;
	h.order = (uint32_t)m->order;
	h.nwords = m->nwords;
	h.vocab_slots = m->vocab_mask + 1;
	h.flags = m->has_unk ? 1u : 0u;
	h.bos = m->bos;
	h.eos = m->eos;
	h.vocab_probe = p->vocab_probe;
	h.strings_bytes = m->strings_bytes;
	for (n = 1; n <= m->order; n++) {
		h.counts[n] = m->counts[n];
		h.blanks[n] = m->blanks[n];
		if (n >= 2) {
			h.slots[n] = m->mask[n] + 1;
			h.probe[n] = p->probe[n];
		}
	}
	memcpy(h.units, m->units, sizeof(h.units));
	h.file_bytes = layout_size(&h);
	memset(raw, 0, sizeof(raw));
	memcpy(raw, &h, sizeof(h));
	if ((rc = write_all(fd, raw, sizeof(raw))) ||
	    (rc = write_padded(write_all, fd, m->strings, m->strings_bytes)) ||
	    (rc = write_padded(write_all, fd, m->offsets, (size_t)m->nwords * 4)) ||
	    (rc = write_all(fd, m->vocab, (size_t)h.vocab_slots * sizeof(struct lm_vslot))) ||
	    (rc = write_all(fd, m->uni, (size_t)m->nwords * sizeof(struct lm_uni))) ||
	    (rc = write_padded(write_all, fd, m->wflags, m->nwords)))
		return rc;
	for (n = 2; n <= m->order; n++)
		if ((rc = write_all(fd, m->table[n], (size_t)h.slots[n] * sizeof(struct lm_entry))))
			return rc;
	return 0;
}

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int validate(const struct lm_header *h, uint64_t size, const char **why)
{
	uint32_t n;

	if (memcmp(h->magic, LM_MAGIC, 8)) {
		*why = "not a sluice model (bad magic)";
		return SL_EFORMAT;
	}
	if (h->version != LM_VERSION) {
		*why = "unsupported .slm version";
		return SL_EFORMAT;
	}
	if (h->order < 1 || h->order > LM_MAX_ORDER) {
		*why = "order out of range";
		return SL_EFORMAT;
	}
	if (h->nwords < 1 || h->nwords > UINT32_MAX / 4 || !is_pow2(h->vocab_slots) ||
	    h->vocab_slots <= h->nwords || h->vocab_probe >= h->vocab_slots) {
		*why = "bad vocabulary sizes";
		return SL_EFORMAT;
	}
	if (h->strings_bytes == 0 || h->strings_bytes > ((uint64_t)1 << 32)) {
		*why = "bad string table size";
		return SL_EFORMAT;
	}
	if (h->bos != UINT32_MAX && h->bos >= h->nwords) {
		*why = "<s> id out of range";
		return SL_EFORMAT;
	}
	if (h->eos != UINT32_MAX && h->eos >= h->nwords) {
		*why = "</s> id out of range";
		return SL_EFORMAT;
	}
	for (n = 2; n <= h->order; n++) {
		if (!is_pow2(h->slots[n]) || h->slots[n] <= h->counts[n] ||
		    h->slots[n] > ((uint64_t)1 << 40) || h->probe[n] >= h->slots[n]) {
			*why = "bad n-gram table sizes";
			return SL_EFORMAT;
		}
	}
	if (memchr(h->units, '\0', sizeof(h->units)) == NULL) {
		*why = "units field not terminated";
		return SL_EFORMAT;
	}
	if (h->file_bytes != layout_size(h)) {
		*why = "the header's sizes do not add up";
		return SL_EFORMAT;
	}
	if (size < h->file_bytes) {
		*why = "the file is shorter than its header says (truncated)";
		return SL_ETRUNC;
	}
	if (size > h->file_bytes) {
		*why = "trailing bytes after the model";
		return SL_EFORMAT;
	}
	return 0;
}

int lm_load_binary(const char *path, struct lm_model **out, const char **why)
{
	struct lm_header h;
	struct lm_priv *p;
	struct stat sb;
	const char *dummy, *base;
	uint64_t off;
	void *mem;
	uint32_t i, n;
	int fd, rc;

	if (!why)
		why = &dummy;
	*why = NULL;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SL_EOPEN;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return SL_EIO;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		*why = "a binary model must be a regular file (it is memory-mapped)";
		return SL_EFORMAT;
	}
	if ((uint64_t)sb.st_size < LM_HEADER_BYTES) {
		close(fd);
		*why = "shorter than the header (truncated)";
		return SL_ETRUNC;
	}
	mem = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (mem == MAP_FAILED)
		return SL_EIO;
	memcpy(&h, mem, sizeof(h));
	rc = validate(&h, (uint64_t)sb.st_size, why);
	if (rc) {
		munmap(mem, (size_t)sb.st_size);
		return rc;
	}
	p = priv_new();
	if (!p) {
		munmap(mem, (size_t)sb.st_size);
		return SL_ENOMEM;
	}
	base = mem;
	off = LM_HEADER_BYTES;
	p->m.mem = mem;
	p->m.mem_size = (size_t)sb.st_size;
	p->m.mapped = 1;
	p->m.order = (int)h.order;
	p->m.nwords = h.nwords;
	p->m.vocab_mask = h.vocab_slots - 1;
	p->m.bos = h.bos;
	p->m.eos = h.eos;
	p->m.unk = 0;
	p->m.has_unk = h.flags & 1;
	p->vocab_probe = h.vocab_probe;
	memcpy(p->m.units, h.units, sizeof(h.units));
	p->m.strings = base + off;
	p->m.strings_bytes = h.strings_bytes;
	off += align8(h.strings_bytes);
	p->m.offsets = (const uint32_t *)(base + off);
	off += align8((uint64_t)h.nwords * 4);
	p->m.vocab = (const struct lm_vslot *)(base + off);
	off += (uint64_t)h.vocab_slots * sizeof(struct lm_vslot);
	p->m.uni = (const struct lm_uni *)(base + off);
	off += (uint64_t)h.nwords * sizeof(struct lm_uni);
	p->m.wflags = (const uint8_t *)(base + off);
	off += align8(h.nwords);
	for (n = 2; n <= h.order; n++) {
		p->m.table[n] = (const struct lm_entry *)(base + off);
		p->m.mask[n] = h.slots[n] - 1;
		p->probe[n] = h.probe[n];
		off += h.slots[n] * sizeof(struct lm_entry);
	}
	for (n = 1; n <= h.order; n++) {
		p->m.counts[n] = h.counts[n];
		p->m.blanks[n] = h.blanks[n] <= h.counts[n] ? h.blanks[n] : 0;
	}

	/* every word string must lie inside the table and be terminated */
	if (p->m.strings[h.strings_bytes - 1] != '\0') {
		*why = "the string table is not terminated";
		rc = SL_EFORMAT;
	}
	for (i = 0; !rc && i < h.nwords; i++) {
		if (p->m.offsets[i] >= h.strings_bytes) {
			*why = "a word's offset is outside the string table";
			rc = SL_EFORMAT;
		}
	}
	if (rc) {
		lm_free(&p->m);
		return rc;
	}
	*out = &p->m;
	return 0;
}

int lm_load(const char *path, struct lm_model **out, const char **why, uint64_t *line)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (line)
		*line = 0;
	if (fd < 0)
		return SL_EOPEN;
	got = read(fd, magic, sizeof(magic));
	close(fd);
	if (got == (ssize_t)sizeof(magic) && memcmp(magic, LM_MAGIC, 8) == 0)
		return lm_load_binary(path, out, why);
	return lm_load_arpa(path, out, why, line);
}
