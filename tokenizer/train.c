/*
 * train.c - byte-level BPE training; see train.h.
 */
#include "train.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "buf.h"
#include "error.h"
#include "strmap.h"

/* ---- pair counts: (left << 32 | right) -> int64 ---- */

struct paircount {
	uint64_t *key;
	int64_t *val;
	uint32_t *gen, *grp;   /* per slot: the pass that grouped it, its group */
	size_t n, mask;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* The pair keys are never 0: (0, 0) would be a special token paired with
 * itself, which never happens (specials are not in pieces)... unless id 0
 * is a byte; so key 0 is stored as ~0 (ids are < 2^31, never ~0). */
static uint64_t pkey(uint64_t pair)
{
	return pair ? pair : ~(uint64_t)0;
}

static int pc_rehash(struct paircount *c, size_t slots)
{
	uint64_t *key = calloc(slots, sizeof(*key));
	int64_t *val = calloc(slots, sizeof(*val));
	uint32_t *gen = calloc(slots, sizeof(*gen)), *grp = calloc(slots, sizeof(*grp));
	size_t i, j;

	if (!key || !val || !gen || !grp) {
		free(key);
		free(val);
		free(gen);
		free(grp);
		return SL_ENOMEM;
	}
	for (i = 0; c->key && i <= c->mask; i++) {
		if (!c->key[i])
			continue;
		j = mix(c->key[i]) & (slots - 1);
		while (key[j])
			j = (j + 1) & (slots - 1);
		key[j] = c->key[i];
		val[j] = c->val[i];
	}
	free(c->key);
	free(c->val);
	free(c->gen);
	free(c->grp);
	c->key = key;
	c->val = val;
	c->gen = gen;
	c->grp = grp;
	c->mask = slots - 1;
	return 0;
}

/* Room for `more` new pairs without moving slots. */
static int pc_reserve(struct paircount *c, size_t more)
{
	/* small at first: a table of 2^16 pairs cost a small corpus (and the
	 * fuzzer, per input) 1.5 MB of page faults; doubling is cheap */
	size_t slots = c->mask ? c->mask + 1 : 1 << 10;

	while (c->n + more + 1 > slots / 2)
		slots *= 2;
	return slots != c->mask + 1 ? pc_rehash(c, slots) : 0;
}

/* The slot of pair (added with count 0 when absent); SIZE_MAX on error. */
static size_t pc_slot(struct paircount *c, uint64_t pair)
{
	uint64_t k = pkey(pair);
	size_t j;

	if (c->n + 1 > (c->mask + 1) / 2 && pc_reserve(c, 1))
		return SIZE_MAX;
	j = mix(k) & c->mask;
	while (c->key[j]) {
		if (c->key[j] == k)
			return j;
		j = (j + 1) & c->mask;
	}
	c->key[j] = k;
	c->val[j] = 0;
	c->n++;
	return j;
}

/* ---- the queue ---- */

struct entry {
	uint64_t pair;
	uint64_t count;
	uint32_t *pos;
	uint32_t npos;
};

struct heap {
	struct entry *v;
	size_t n, cap;
};

/* a above b: higher count, then the smaller pair */
static int above(const struct entry *a, const struct entry *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	return a->pair < b->pair;
}

static int heap_push(struct heap *h, struct entry e)
{
	size_t i;

	if (ARRAY_GROW(h->v, h->cap, h->n + 1))
		return SL_ENOMEM;
	i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!above(&e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
	return 0;
}

static struct entry heap_pop(struct heap *h)
{
	struct entry top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m;
		if (l >= h->n)
			break;
		m = r < h->n && above(&h->v[r], &h->v[l]) ? r : l;
		if (!above(&h->v[m], &last))
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- the trainer ---- */

struct change {
	uint64_t pair;
	uint32_t word;
	int32_t delta;
	uint32_t group;
};

struct bpet {
	struct bpet_opts o;
	struct strmap pieces;     /* distinct pieces */
	uint64_t *count;          /* per piece */
	size_t count_cap;
	struct strmap tokens;     /* token bytes -> id */
	uint32_t nspecial;
	/* words: the symbols of each piece, merged in place */
	uint32_t *sym;
	uint64_t *sym_off;
	uint32_t *sym_len;
	struct paircount pc;
	struct heap q;
	struct change *ch;
	size_t nch, chcap;
	uint32_t gen;
	/* the groups of one pass: pair, slot, and the pieces (in g_word) */
	uint64_t *g_pair;
	size_t *g_slot;
	uint32_t *g_start, *g_fill, *g_word;
	size_t g_cap, w_cap;
	uint32_t (*merges)[3];
	size_t nmerges, mcap;
};

/* GPT-2's printable bytes: Latin-1 characters that stand for themselves */
static int byte_printable(unsigned b)
{
	return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

uint32_t bpet_byte_char(unsigned b)
{
	/* GPT-2: printable Latin-1 bytes map to themselves, the others to
	 * 256, 257, ... in byte order */
	unsigned n = 0, c;

	if (byte_printable(b))
		return b;
	for (c = 0; c < b; c++)
		if (!byte_printable(c))
			n++;
	return 256 + n;
}

int bpet_new(struct bpet **out, const struct bpet_opts *o)
{
	struct bpet *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return SL_ENOMEM;
	t->o = *o;
	strmap_init(&t->pieces, (size_t)1 << 32);
	strmap_init(&t->tokens, (size_t)1 << 32);
	*out = t;
	return 0;
}

int bpet_add(struct bpet *t, const unsigned char *p, size_t n)
{
	int added;
	int64_t i = strmap_get(&t->pieces, p, n, 1, &added);

	if (i < 0)
		return (int)i;
	if (added) {
		if (ARRAY_GROW(t->count, t->count_cap, (size_t)i + 1))
			return SL_ENOMEM;
		t->count[i] = 0;
	}
	t->count[i]++;
	return 0;
}

static int add_token(struct bpet *t, const void *s, size_t n, uint32_t *id)
{
	int added;
	int64_t i = strmap_get(&t->tokens, s, n, 1, &added);

	if (i < 0)
		return (int)i;
	*id = (uint32_t)i;
	return 0;
}

static int add_change(struct bpet *t, uint32_t a, uint32_t b, uint32_t word, int32_t delta)
{
	if (ARRAY_GROW(t->ch, t->chcap, t->nch + 1))
		return SL_ENOMEM;
	t->ch[t->nch].pair = (uint64_t)a << 32 | b;
	t->ch[t->nch].word = word;
	t->ch[t->nch].delta = delta;
	t->nch++;
	return 0;
}

/* Apply the recorded changes: counts, then one queue entry per pair that
 * gained, naming the pieces where it did, each once (BpeTrainer's
 * where_to_update), grouped through the pair table in linear time. */
static int apply_changes(struct bpet *t)
{
	size_t i, ng = 0, npos = 0;
	int rc;

	if (pc_reserve(&t->pc, t->nch))
		return SL_ENOMEM;
	if (++t->gen == 0) {
		memset(t->pc.gen, 0, (t->pc.mask + 1) * sizeof(uint32_t));
		t->gen = 1;
	}
	for (i = 0; i < t->nch; i++) {
		struct change *c = &t->ch[i];
		size_t j = pc_slot(&t->pc, c->pair);

		if (j == SIZE_MAX)
			return SL_ENOMEM;
		t->pc.val[j] += (int64_t)c->delta * (int64_t)t->count[c->word];
		if (c->delta <= 0)
			continue;
		if (t->pc.gen[j] != t->gen) {
			if (ng == t->g_cap) {
				size_t cap = t->g_cap ? t->g_cap * 2 : 4096;
				uint64_t *gp = realloc(t->g_pair, cap * sizeof(*gp));
				size_t *gsl;
				uint32_t *gs, *gf;
				if (!gp)
					return SL_ENOMEM;
				t->g_pair = gp;
				if (!(gsl = realloc(t->g_slot, cap * sizeof(*gsl))))
					return SL_ENOMEM;
				t->g_slot = gsl;
				if (!(gs = realloc(t->g_start, (cap + 1) * sizeof(*gs))))
					return SL_ENOMEM;
				t->g_start = gs;
				if (!(gf = realloc(t->g_fill, cap * sizeof(*gf))))
					return SL_ENOMEM;
				t->g_fill = gf;
				t->g_cap = cap;
			}
			t->pc.gen[j] = t->gen;
			t->pc.grp[j] = (uint32_t)ng;
			t->g_pair[ng] = c->pair;
			t->g_slot[ng] = j;
			t->g_start[ng] = 0;
			ng++;
		}
		c->group = t->pc.grp[j];
		t->g_start[c->group]++;
		npos++;
	}
	if (ARRAY_GROW(t->g_word, t->w_cap, npos))
		return SL_ENOMEM;
	/* counts to starts */
	{
		uint32_t sum = 0;
		for (i = 0; i < ng; i++) {
			uint32_t c = t->g_start[i];
			t->g_start[i] = sum;
			t->g_fill[i] = sum;
			sum += c;
		}
	}
	for (i = 0; i < t->nch; i++) {
		const struct change *c = &t->ch[i];
		uint32_t g;
		if (c->delta <= 0)
			continue;
		g = c->group;
		/* a piece's changes are together: a repeat is the last one */
		if (t->g_fill[g] > t->g_start[g] && t->g_word[t->g_fill[g] - 1] == c->word)
			continue;
		t->g_word[t->g_fill[g]++] = c->word;
	}
	for (i = 0; i < ng; i++) {
		int64_t v = t->pc.val[t->g_slot[i]];
		struct entry e;
		uint32_t n = t->g_fill[i] - t->g_start[i];

		if (v <= 0)
			continue;
		e.pair = t->g_pair[i];
		e.count = (uint64_t)v;
		e.npos = n;
		e.pos = malloc(n * sizeof(uint32_t));
		if (!e.pos)
			return SL_ENOMEM;
		memcpy(e.pos, t->g_word + t->g_start[i], n * sizeof(uint32_t));
		if ((rc = heap_push(&t->q, e))) {
			free(e.pos);
			return rc;
		}
	}
	t->nch = 0;
	return 0;
}

/* Merge (a, b) -> r left to right in piece w, recording the changes as
 * BpeTrainer's Word::merge does. */
static int merge_word(struct bpet *t, uint32_t w, uint32_t a, uint32_t b, uint32_t r)
{
	uint32_t *s = t->sym + t->sym_off[w];
	uint32_t n = t->sym_len[w], i = 0, o = 0;
	int rc;

	while (i < n) {
		if (s[i] == a && i + 1 < n && s[i + 1] == b) {
			if (o > 0 && ((rc = add_change(t, s[o - 1], a, w, -1)) ||
				      (rc = add_change(t, s[o - 1], r, w, 1))))
				return rc;
			if (i + 2 < n && ((rc = add_change(t, b, s[i + 2], w, -1)) ||
					  (rc = add_change(t, r, s[i + 2], w, 1))))
				return rc;
			s[o++] = r;
			i += 2;
		} else {
			s[o++] = s[i++];
		}
	}
	t->sym_len[w] = o;
	return 0;
}

int bpet_train(struct bpet *t)
{
	uint64_t total = 0;
	size_t i, k;
	int rc, seen[256] = { 0 };
	unsigned order[256], na = 0;
	uint32_t id = 0;

	/* 1. special tokens */
	for (i = 0; i < t->o.nspecial; i++)
		if ((rc = add_token(t, t->o.special[i], strlen(t->o.special[i]), &id)))
			return rc;
	t->nspecial = (uint32_t)t->tokens.n;
	/* 2. the alphabet, by the code point each byte stands for */
	for (i = 0; i < t->pieces.n; i++)
		for (k = 0; k < t->pieces.len[i]; k++)
			seen[(unsigned char)t->pieces.bytes.ptr[t->pieces.off[i] + k]] = 1;
	/* (the printable bytes stand for themselves, below 256, the others
	 * for 256, 257, ... in byte order: so the printable ones in byte
	 * order, then the others) */
	for (int printable = 1; printable >= 0; printable--)
		for (unsigned b = 0; b < 256; b++)
			if (byte_printable(b) == printable && (seen[b] || t->o.all_bytes))
				order[na++] = b;
	for (i = 0; i < na; i++) {
		unsigned char byte = (unsigned char)order[i];
		if ((rc = add_token(t, &byte, 1, &id)))
			return rc;
	}
	/* 3. pieces as symbols */
	for (i = 0; i < t->pieces.n; i++)
		total += t->pieces.len[i];
	t->sym = malloc((total ? total : 1) * sizeof(uint32_t));
	t->sym_off = malloc((t->pieces.n ? t->pieces.n : 1) * sizeof(uint64_t));
	t->sym_len = malloc((t->pieces.n ? t->pieces.n : 1) * sizeof(uint32_t));
	if (!t->sym || !t->sym_off || !t->sym_len)
		return SL_ENOMEM;
	total = 0;
	for (i = 0; i < t->pieces.n; i++) {
		t->sym_off[i] = total;
		t->sym_len[i] = t->pieces.len[i];
		for (k = 0; k < t->pieces.len[i]; k++) {
			unsigned char byte = (unsigned char)t->pieces.bytes.ptr[t->pieces.off[i] + k];
			int64_t tid = strmap_get(&t->tokens, &byte, 1, 0, NULL);
			if (tid < 0)
				return SL_EINVAL;
			t->sym[total++] = (uint32_t)tid;
		}
	}
	/* 4. pair counts and the first queue entries */
	for (i = 0; i < t->pieces.n; i++) {
		const uint32_t *s = t->sym + t->sym_off[i];
		for (k = 0; k + 1 < t->sym_len[i]; k++)
			if ((rc = add_change(t, s[k], s[k + 1], (uint32_t)i, 1)))
				return rc;
	}
	if ((rc = apply_changes(t)))
		return rc;
	/* 5. merges */
	while (t->tokens.n < t->o.vocab_size && t->q.n) {
		struct entry top = heap_pop(&t->q);
		size_t slot = pc_slot(&t->pc, top.pair);
		uint32_t a = (uint32_t)(top.pair >> 32), b = (uint32_t)top.pair;
		struct buf nt = BUF_INIT;
		int64_t cur;

		if (slot == SIZE_MAX) {
			free(top.pos);
			return SL_ENOMEM;
		}
		cur = t->pc.val[slot];
		if (top.count != (uint64_t)cur) {
			top.count = (uint64_t)cur;
			if ((rc = heap_push(&t->q, top))) {
				free(top.pos);
				return rc;
			}
			continue;
		}
		if (top.count < 1 || t->o.min_frequency > top.count) {
			free(top.pos);
			break;
		}
		if (buf_add(&nt, t->tokens.bytes.ptr + t->tokens.off[a], t->tokens.len[a]) ||
		    buf_add(&nt, t->tokens.bytes.ptr + t->tokens.off[b], t->tokens.len[b]) ||
		    (rc = add_token(t, nt.ptr, nt.len, &id))) {
			buf_release(&nt);
			free(top.pos);
			return SL_ENOMEM;
		}
		buf_release(&nt);
		if (ARRAY_GROW(t->merges, t->mcap, t->nmerges + 1)) {
			free(top.pos);
			return SL_ENOMEM;
		}
		t->merges[t->nmerges][0] = a;
		t->merges[t->nmerges][1] = b;
		t->merges[t->nmerges][2] = id;
		t->nmerges++;
		for (i = 0; i < top.npos; i++)
			if ((rc = merge_word(t, top.pos[i], a, b, id))) {
				free(top.pos);
				return rc;
			}
		free(top.pos);
		if ((rc = apply_changes(t)))
			return rc;
	}
	return 0;
}

void bpet_free(struct bpet *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->q.n; i++)
		free(t->q.v[i].pos);
	free(t->q.v);
	strmap_release(&t->pieces);
	strmap_release(&t->tokens);
	free(t->count);
	free(t->sym);
	free(t->sym_off);
	free(t->sym_len);
	free(t->pc.key);
	free(t->pc.val);
	free(t->pc.gen);
	free(t->pc.grp);
	free(t->g_pair);
	free(t->g_slot);
	free(t->g_start);
	free(t->g_fill);
	free(t->g_word);
	free(t->ch);
	free(t->merges);
	free(t);
}

uint64_t bpet_pieces(const struct bpet *t)
{
	return t->pieces.n;
}

uint32_t bpet_ntokens(const struct bpet *t)
{
	return (uint32_t)t->tokens.n;
}

const unsigned char *bpet_token(const struct bpet *t, uint32_t id, size_t *len)
{
	if (id >= t->tokens.n)
		return NULL;
	*len = t->tokens.len[id];
	return (const unsigned char *)t->tokens.bytes.ptr + t->tokens.off[id];
}

int bpet_is_special(const struct bpet *t, uint32_t id)
{
	return id < t->nspecial;
}

size_t bpet_nmerges(const struct bpet *t)
{
	return t->nmerges;
}

void bpet_merge(const struct bpet *t, size_t i, uint32_t *left, uint32_t *right, uint32_t *result)
{
	*left = t->merges[i][0];
	*right = t->merges[i][1];
	*result = t->merges[i][2];
}
