/*
 * bpe.c - the encoder core: token tables, the pair map, the merge loops,
 * pre-tokenization with PCRE2 and decoding.  The loaders are in load.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bpe_impl.h"
#include "error.h"

#define ABSENT UINT32_MAX
#define PAIR_NONE UINT64_MAX
#define SMALL_PIECE 48

/* ---- construction ---- */

int bpe_new_(struct bpe **out)
{
	struct bpe *b = calloc(1, sizeof(*b));
	if (!b)
		return SL_ENOMEM;
	buf_init(&b->bytes, 0);
	*out = b;
	return 0;
}

void bpe_free(struct bpe *b)
{
	size_t i;
	if (!b)
		return;
	free(b->off);
	free(b->len);
	free(b->smap);
	free(b->tbits);
	free(b->pairs);
	free(b->ptab);
	free(b->pres);
	free(b->pbits);
	free(b->byte_pair);
	buf_release(&b->bytes);
	for (i = 0; i < b->nspec; i++)
		free(b->stext[i]);
	free(b->stext);
	free(b->sid);
	free(b->pattern);
	if (b->re)
		pcre2_code_free(b->re);
	if (b->cls_re)
		pcre2_code_free(b->cls_re);
	free(b);
}

static uint64_t hash_bytes(const void *s, size_t n) { return XXH3_64bits(s, n); }

/* Make ids [0, n) addressable. */
static int ensure_ids(struct bpe *b, uint32_t n)
{
	uint32_t cap = b->idcap;
	uint32_t *o, *l;
	if (n <= cap)
		return 0;
	while (cap < n)
		cap = cap ? cap * 2 : 1024;
	o = realloc(b->off, (size_t)cap * sizeof(*o));
	if (!o)
		return SL_ENOMEM;
	b->off = o;
	l = realloc(b->len, (size_t)cap * sizeof(*l));
	if (!l)
		return SL_ENOMEM;
	b->len = l;
	memset(b->len + b->idcap, 0xff, (size_t)(cap - b->idcap) * sizeof(*l)); /* ABSENT */
	b->idcap = cap;
	return 0;
}

/* Record the bytes of an id.  SL_EFORMAT (err set) when the id is taken. */
int bpe_set_token_(struct bpe *b, uint32_t id, const void *s, size_t n, struct bpe_err *err)
{
	int rc;
	if (id >= BPE_MAX_ID || n >= ABSENT) {
		err->msg = "token id too large";
		return SL_EFORMAT;
	}
	if ((rc = ensure_ids(b, id + 1)))
		return rc;
	if (b->len[id] != ABSENT) {
		err->msg = "duplicate token id";
		return SL_EFORMAT;
	}
	if (b->bytes.len > UINT32_MAX - n) {
		err->msg = "vocabulary too large";
		return SL_EFORMAT;
	}
	b->off[id] = (uint32_t)b->bytes.len;
	if ((rc = buf_add(&b->bytes, s, n)))
		return rc;
	b->len[id] = (uint32_t)n;
	if (id >= b->ntok)
		b->ntok = id + 1;
	return 0;
}

static const unsigned char *tok_ptr(const struct bpe *b, uint32_t id)
{
	return (const unsigned char *)b->bytes.ptr + b->off[id];
}

/* Byte-string -> id map over the ids marked mergeable (open addressing). */
static int64_t lookup_h(const struct bpe *b, const void *s, size_t n, uint64_t h)
{
	size_t i;
	uint32_t v;
	if (!b->smap)
		return -1;
	uint32_t fp = (uint32_t)(h >> 32);
	/* most pieces looked up are not tokens: the filter, a bit per hash
	 * that stays in cache, says so for ~90% of them */
	i = (h >> 12) & b->fmask;
	if (!(b->tbits[i >> 6] >> (i & 63) & 1))
		return -1;
	i = h & b->smask;
	while ((v = b->smap[2 * i]) != 0) {
		v--;
		if (b->smap[2 * i + 1] == fp && b->len[v] == n && memcmp(tok_ptr(b, v), s, n) == 0)
			return v;
		i = (i + 1) & b->smask;
	}
	return -1;
}

int64_t bpe_lookup_(const struct bpe *b, const void *s, size_t n)
{
	return lookup_h(b, s, n, hash_bytes(s, n));
}

/* Build the map from the ids [0, ntok) except specials (flagged by the
 * caller through `skip`, may be NULL).  Duplicate byte strings are an
 * error. */
int bpe_build_map_(struct bpe *b, const unsigned char *skip, struct bpe_err *err)
{
	size_t size = 1024, i;
	uint32_t id;
	while (size < (size_t)b->ntok * 2)
		size *= 2;
	free(b->smap);
	free(b->tbits);
	b->smap = calloc(size * 2, sizeof(*b->smap));
	b->tbits = calloc(size * 4 / 64, sizeof(*b->tbits));
	if (!b->smap || !b->tbits)
		return SL_ENOMEM;
	b->smask = size - 1;
	b->fmask = size * 4 - 1;
	for (id = 0; id < b->ntok; id++) {
		if (b->len[id] == ABSENT || (skip && skip[id]))
			continue;
		{
			uint64_t h = hash_bytes(tok_ptr(b, id), b->len[id]);
			if (lookup_h(b, tok_ptr(b, id), b->len[id], h) >= 0) {
				err->msg = "the same bytes have two token ids";
				return SL_EFORMAT;
			}
			i = h & b->smask;
			while (b->smap[2 * i])
				i = (i + 1) & b->smask;
			b->smap[2 * i] = id + 1;
			b->smap[2 * i + 1] = (uint32_t)(h >> 32);
			i = (h >> 12) & b->fmask;
			b->tbits[i >> 6] |= (uint64_t)1 << (i & 63);
		}
	}
	for (i = 0; i < 256; i++) {
		unsigned char c = (unsigned char)i;
		int64_t t = bpe_lookup_(b, &c, 1);
		if (t < 0) {
			err->msg = "not every byte has a token";
			return SL_EFORMAT;
		}
		b->byte_id[i] = (uint32_t)t;
	}
	return 0;
}

/* ---- the pair map while loading: (left id, right id) -> priority << 32 | result ---- */

static inline size_t pair_slot(uint64_t key, int shift)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> shift);
}

static int pairs_alloc(struct bpe *b, size_t size)
{
	size_t i;
	int lg = 0;
	b->pairs = malloc(size * sizeof(*b->pairs));
	if (!b->pairs)
		return SL_ENOMEM;
	for (i = 0; i < size; i++)
		b->pairs[i].key = PAIR_NONE;
	while (((size_t)1 << lg) < size)
		lg++;
	b->pmask = size - 1;
	b->pshift = 64 - lg;
	return 0;
}

int bpe_pairs_init_(struct bpe *b, size_t n)
{
	size_t size = 1024;
	while (size < n * 2)
		size *= 2;
	free(b->pairs);
	b->pairs = NULL;
	b->npairs = 0;
	return pairs_alloc(b, size);
}

/* Insert or replace (a later merge of the same pair wins, as in HF). */
int bpe_pair_put_(struct bpe *b, uint32_t l, uint32_t r, uint32_t prio, uint32_t result)
{
	uint64_t key = (uint64_t)l << 32 | r;
	size_t i;
	if ((b->npairs + 1) * 2 > b->pmask + 1) {
		size_t osize = b->pmask + 1, j;
		struct bpe_pair *old = b->pairs;
		if (pairs_alloc(b, osize * 2)) {
			b->pairs = old;
			return SL_ENOMEM;
		}
		for (j = 0; j < osize; j++) {
			size_t k;
			if (old[j].key == PAIR_NONE)
				continue;
			k = pair_slot(old[j].key, b->pshift);
			while (b->pairs[k].key != PAIR_NONE)
				k = (k + 1) & b->pmask;
			b->pairs[k] = old[j];
		}
		free(old);
	}
	i = pair_slot(key, b->pshift);
	while (b->pairs[i].key != PAIR_NONE && b->pairs[i].key != key)
		i = (i + 1) & b->pmask;
	if (b->pairs[i].key == PAIR_NONE)
		b->npairs++;
	b->pairs[i].key = key;
	b->pairs[i].val = (uint64_t)prio << 32 | result;
	return 0;
}

static uint64_t load_pair_get(const struct bpe *b, uint32_t l, uint32_t r)
{
	uint64_t key = (uint64_t)l << 32 | r, k;
	size_t i = pair_slot(key, b->pshift);
	while ((k = b->pairs[i].key) != key) {
		if (k == PAIR_NONE)
			return PAIR_NONE;
		i = (i + 1) & b->pmask;
	}
	return b->pairs[i].val;
}

/*
 * Only some pairs can ever merge.  When a merge makes a token t, no merge
 * has crossed the edges of t's bytes, so the merges inside them were those
 * of encoding t's bytes alone, in the same order (each was the lowest
 * inside pair when it was taken), and the one that made t was the last
 * merge of encoding t alone.  So each token has at most one pair that can
 * make it: the last merge of encoding its bytes alone, or none when that
 * does not give t.  The other pairs are dropped (a superset would do as
 * well; fewer make a table that stays in cache).
 */

/* The last merge of encoding s alone with the loaded pairs: 1 when it
 * gives one token (*out: that merge), 0 when not. */
static int last_merge(const struct bpe *b, const unsigned char *s, size_t n, uint32_t *id,
		      uint64_t *pv, struct bpe_pair *out)
{
	size_t m = n, i;
	for (i = 0; i < n; i++)
		id[i] = b->byte_id[s[i]];
	for (i = 0; i + 1 < n; i++)
		pv[i] = load_pair_get(b, id[i], id[i + 1]);
	while (m > 1) {
		uint64_t best = PAIR_NONE;
		size_t bi = 0;
		for (i = 0; i + 1 < m; i++)
			if (pv[i] < best) {
				best = pv[i];
				bi = i;
			}
		if (best == PAIR_NONE)
			return 0;
		out->key = (uint64_t)id[bi] << 32 | id[bi + 1];
		out->val = best;
		id[bi] = (uint32_t)best;
		memmove(id + bi + 1, id + bi + 2, (m - bi - 2) * sizeof(*id));
		memmove(pv + bi + 1, pv + bi + 2, (m - bi - 2) * sizeof(*pv));
		m--;
		if (bi + 1 < m)
			pv[bi] = load_pair_get(b, id[bi], id[bi + 1]);
		if (bi > 0)
			pv[bi - 1] = load_pair_get(b, id[bi - 1], id[bi]);
	}
	return 1;
}

/* Several pairs may make the same token (tiktoken: every split of it into
 * two tokens; Hugging Face: merges naming them): a token made by one pair
 * keeps it untested, the others keep their last merge only. */
static int prune_pairs(struct bpe *b, struct bpe_pair *keep, size_t *nkeep)
{
	size_t size = b->pmask + 1, i, maxlen = 0;
	uint32_t *count = calloc(b->ntok ? b->ntok : 1, sizeof(*count)), t, *id = NULL;
	uint64_t *pv = NULL;
	int rc = SL_ENOMEM;
	*nkeep = 0;
	if (!count)
		return SL_ENOMEM;
	for (i = 0; i < size; i++)
		if (b->pairs[i].key != PAIR_NONE && (uint32_t)b->pairs[i].val < b->ntok)
			count[(uint32_t)b->pairs[i].val]++;
	for (t = 0; t < b->ntok; t++)
		if (count[t] > 1 && b->len[t] > maxlen)
			maxlen = b->len[t];
	if (!(id = malloc((maxlen + 1) * sizeof(*id))) || !(pv = malloc((maxlen + 1) * sizeof(*pv))))
		goto out;
	for (i = 0; i < size; i++) {
		if (b->pairs[i].key == PAIR_NONE)
			continue;
		t = (uint32_t)b->pairs[i].val;
		if (t >= b->ntok || count[t] == 1) {
			keep[(*nkeep)++] = b->pairs[i];
			continue;
		}
		if (count[t] == 0)
			continue; /* its token's one pair is found already */
		count[t] = 0;
		if (b->len[t] != ABSENT && last_merge(b, tok_ptr(b, t), b->len[t], id, pv, &keep[*nkeep]) &&
		    (uint32_t)keep[*nkeep].val == t)
			(*nkeep)++;
	}
	rc = 0;
out:
	free(count);
	free(id);
	free(pv);
	return rc;
}

/* ---- the pair table when loaded: l << 43 | r << 22 | v ---- */

/* above every v (< 2^21), and v << 6 fits in 32 bits */
#define V_NONE BPE_V_NONE
#define T_EMPTY BPE_T_EMPTY
#define V_BITS BPE_V_BITS

static inline uint64_t tab_key(uint32_t l, uint32_t r) { return (uint64_t)l << 21 | r; }

/* v of the pair (l, r), V_NONE when they do not merge */
static inline uint32_t pair_v(const struct bpe *b, uint32_t l, uint32_t r)
{
	uint64_t key = tab_key(l, r), e;
	size_t i;
	if (b->pbits) {
		i = pair_slot(key, b->pbshift);
		if (!(b->pbits[i >> 6] >> (i & 63) & 1))
			return V_NONE;
	}
	i = pair_slot(key, b->tshift);
	while ((e = b->ptab[i]) != T_EMPTY) {
		if (e >> V_BITS == key)
			return (uint32_t)e & ((1u << V_BITS) - 1);
		i = (i + 1) & b->tmask;
	}
	return V_NONE;
}

static inline const void *pair_addr(const struct bpe *b, uint32_t l, uint32_t r)
{
	return &b->ptab[pair_slot(tab_key(l, r), b->tshift)];
}

/* An empty loaded pair table of at least twice n slots (1024 at least).
 * The caller frees the table it replaces. */
static int ptab_alloc(struct bpe *b, size_t n)
{
	/* a filter of an older table would hide this one's pairs:
	 * bpe_byte_pairs_ builds the filter again once the table is done */
	free(b->pbits);
	b->pbits = NULL;
	size_t size = 1024, i;
	int lg = 0;
	while (size < n * 2)
		size *= 2;
	while (((size_t)1 << lg) < size)
		lg++;
	if (!(b->ptab = malloc(size * sizeof(*b->ptab))))
		return SL_ENOMEM;
	for (i = 0; i < size; i++)
		b->ptab[i] = T_EMPTY;
	b->tmask = size - 1;
	b->tshift = 64 - lg;
	return 0;
}

/* Put the entry e (key << V_BITS | v) in the first free slot of its key. */
static inline void ptab_put(struct bpe *b, uint64_t e)
{
	size_t k = pair_slot(e >> V_BITS, b->tshift);
	while (b->ptab[k] != T_EMPTY)
		k = (k + 1) & b->tmask;
	b->ptab[k] = e;
}

/* Number the kept pairs by priority (a counting sort: priorities are
 * below BPE_MAX_ID; pairs of equal priority and result get the same v, so
 * that ties stay leftmost first) and fill the table. */
static int pack_pairs(struct bpe *b, const struct bpe_pair *keep, size_t n)
{
	size_t i;
	uint32_t *first, maxp = 0, p, v = 0;
	for (i = 0; i < n; i++)
		if ((uint32_t)(keep[i].val >> 32) > maxp)
			maxp = (uint32_t)(keep[i].val >> 32);
	if (ptab_alloc(b, n) || !(b->pres = malloc((n + 1) * sizeof(*b->pres))) ||
	    !(first = calloc((size_t)maxp + 2, sizeof(*first))))
		return SL_ENOMEM;
	/* first[p]: 1 + the v of priority p, 0 when none */
	for (i = 0; i < n; i++)
		first[keep[i].val >> 32] = 1;
	for (p = 0; p <= maxp; p++)
		if (first[p])
			first[p] = ++v;
	for (i = 0; i < n; i++) {
		uint32_t l = (uint32_t)(keep[i].key >> 32), r = (uint32_t)keep[i].key;
		uint32_t pv = first[keep[i].val >> 32] - 1;
		b->pres[pv] = (uint32_t)keep[i].val;
		ptab_put(b, tab_key(l, r) << V_BITS | pv);
	}
	free(first);
	return 0;
}

/* The filter of the pair table (b->pbits): a bit per pair set in a
 * power of two of at least 32 bits a pair, so that 2-3% of the pairs
 * that do not merge pass it.  Measured on the pieces that cl100k_base
 * merges in bench/tok.sh's text: 10 bits a pair merge 8% slower than its
 * 42, 84 and 168 no faster (the filter no longer stays in cache).  Also
 * b->pres_id, from the same pass over the table. */
static int pair_filter(struct bpe *b)
{
	size_t i, n = 0, bits = 4096;
	int lg = 12;
	for (i = 0; i <= b->tmask; i++)
		n += b->ptab[i] != T_EMPTY;
	while (bits < 32 * n) {
		bits *= 2;
		lg++;
	}
	free(b->pbits);
	b->pbits = NULL; /* pair_v without the filter while it is built */
	uint64_t *f = calloc(bits / 64, sizeof(*f));
	if (!f)
		return SL_ENOMEM;
	/* and, in the same pass, whether every pair's v is its result (pres_id) */
	b->pres_id = 1;
	for (i = 0; i <= b->tmask; i++) {
		uint64_t e = b->ptab[i];
		uint32_t v = (uint32_t)e & ((1u << V_BITS) - 1);
		size_t k;
		if (e == T_EMPTY)
			continue;
		k = pair_slot(e >> V_BITS, 64 - lg);
		f[k >> 6] |= (uint64_t)1 << (k & 63);
		if (b->pres[v] != v)
			b->pres_id = 0;
	}
	b->pbits = f;
	b->pbshift = 64 - lg;
	return 0;
}

/* The dense table of the pairs of two single bytes, the first round of
 * every merge: byte_pair[a << 8 | c] = pair_v(byte_id[a], byte_id[c]),
 * found from the pair table's entries of two byte tokens rather than by
 * 65,536 lookups (each set through pair_v, so that it is exactly what a
 * lookup gives whatever the table holds). */
int bpe_byte_pairs_(struct bpe *b)
{
	int16_t *byte_of;
	uint64_t done[65536 / 64] = { 0 };
	uint32_t top = 0; /* the largest byte token (255 in the usual vocabularies) */
	size_t i;
	int rc;
	if ((rc = pair_filter(b)))
		return rc;
	for (i = 0; i < 256; i++)
		if (b->byte_id[i] > top)
			top = b->byte_id[i];
	free(b->byte_pair);
	b->byte_pair = malloc(65536 * sizeof(*b->byte_pair));
	byte_of = malloc(((size_t)top + 1) * sizeof(*byte_of));
	if (!b->byte_pair || !byte_of) {
		free(byte_of);
		return SL_ENOMEM;
	}
	for (i = 0; i < 65536; i++)
		b->byte_pair[i] = V_NONE;
	memset(byte_of, 0xff, ((size_t)top + 1) * sizeof(*byte_of));
	for (i = 0; i < 256; i++)
		byte_of[b->byte_id[i]] = (int16_t)i;
	for (i = 0; i <= b->tmask; i++) {
		uint64_t e = b->ptab[i], key = e >> V_BITS;
		uint32_t l = (uint32_t)(key >> 21), r = (uint32_t)key & ((1u << 21) - 1);
		unsigned x;
		if (e == T_EMPTY || l > top || r > top || byte_of[l] < 0 || byte_of[r] < 0)
			continue;
		/* each pair looked up once: a file that repeats a key (with a
		 * long probe run) costs no more than one that does not */
		x = (unsigned)byte_of[l] << 8 | (unsigned)byte_of[r];
		if (done[x >> 6] >> (x & 63) & 1)
			continue;
		done[x >> 6] |= (uint64_t)1 << (x & 63);
		b->byte_pair[x] = pair_v(b, l, r);
	}
	free(byte_of);
	return 0;
}

/* Add (l, r) -> v to the loaded-form table, doubling it past half full. */
static int ptab_add(struct bpe *b, size_t *count, uint32_t l, uint32_t r, uint32_t v)
{
	uint64_t key = tab_key(l, r);
	size_t k;
	if ((*count + 1) * 2 > b->tmask + 1) {
		size_t osize = b->tmask + 1, omask = b->tmask, i;
		uint64_t *old = b->ptab;
		int oshift = b->tshift;
		if (ptab_alloc(b, osize)) {
			b->ptab = old;
			b->tmask = omask;
			b->tshift = oshift;
			return SL_ENOMEM;
		}
		for (i = 0; i < osize; i++)
			if (old[i] != T_EMPTY)
				ptab_put(b, old[i]);
		free(old);
	}
	k = pair_slot(key, b->tshift);
	while (b->ptab[k] != T_EMPTY) {
		if (b->ptab[k] >> V_BITS == key)
			return 0; /* already there (with a lower v: the first wins) */
		k = (k + 1) & b->tmask;
	}
	b->ptab[k] = key << V_BITS | v;
	++*count;
	return 0;
}

/* A part of a piece being merged: its token and the v of the pair it
 * makes with the next part (V_NONE for the last).  One array of both: a
 * merge moves the parts after it once, not two arrays. */
struct part {
	uint32_t id, pv;
};

static size_t parts_of(const struct bpe *b, const unsigned char *s, size_t n, struct part *p);

/*
 * tiktoken ranks, straight into the loaded tables.  tiktoken merges every
 * split of a token into two tokens, with the token's rank as priority;
 * only one of them can ever fire (see prune_pairs): the last merge of
 * encoding the token's bytes alone.  Taking tokens in rank order, the
 * merges of lower rank are all in the table already; when they leave the
 * token's bytes as two parts, that pair is the one (nothing of lower
 * rank applies any more, and the two parts make the token).  When they
 * leave more (a token not made from lower ranks; rare, never in the
 * published vocabularies), every split of it is kept, as tiktoken has
 * them: a superset of the pairs that can fire merges the same.  v is the
 * token's rank (the order of priority, and pres[v] = v).  Replaces
 * bpe_pairs_init_/bpe_pair_put_/bpe_finish_ for rank files: listing every
 * split of every token (233,378 pairs for cl100k_base) and pruning them
 * made `sluice tok` start in 0.09 s CPU for cl100k_base and 0.22 s for
 * o200k_base; this, in 0.03 s and 0.09 s.
 */
int bpe_finish_ranks_(struct bpe *b, const unsigned char *skip)
{
	size_t maxlen = 2, count = 0;
	uint32_t t;
	struct part *p = NULL;
	int rc = SL_ENOMEM;
	for (t = 0; t < b->ntok; t++)
		if (b->len[t] != ABSENT && b->len[t] > maxlen)
			maxlen = b->len[t];
	if (ptab_alloc(b, b->ntok) || !(b->pres = malloc(((size_t)b->ntok + 1) * sizeof(*b->pres))) ||
	    !(p = malloc(maxlen * sizeof(*p))))
		goto out;
	/* v is the rank itself: pres[v] = v, which merging need not look up
	 * (b->pres_id); the entries of ids without pairs are never read, an
	 * id of the vocabulary in them all the same (what a compiled
	 * vocabulary's check asks) */
	for (t = 0; t < b->ntok; t++)
		b->pres[t] = b->len[t] != ABSENT ? t : b->byte_id[0];
	for (t = 0; t < b->ntok; t++) {
		uint32_t n = b->len[t];
		const unsigned char *s;
		size_t m;
		if (n == ABSENT || n < 2 || (skip && skip[t]))
			continue;
		s = tok_ptr(b, t);
		m = parts_of(b, s, n, p);
		if (m == 2) {
			if ((rc = ptab_add(b, &count, p[0].id, p[1].id, t)))
				goto out;
		} else if (m > 2) {
			for (uint32_t k = 1; k < n; k++) {
				int64_t l = bpe_lookup_(b, s, k), r;
				if (l < 0 || (r = bpe_lookup_(b, s + k, n - k)) < 0)
					continue;
				if ((rc = ptab_add(b, &count, (uint32_t)l, (uint32_t)r, t)))
					goto out;
			}
		}
	}
	rc = bpe_byte_pairs_(b);
out:
	free(p);
	return rc;
}

int bpe_finish_(struct bpe *b)
{
	struct bpe_pair *keep;
	size_t n = 0;
	int rc;
	if (!b->pairs && (rc = bpe_pairs_init_(b, 0)))
		return rc;
	/* ids are below BPE_MAX_ID = 2^21, so there are fewer pairs than 2^21 */
	if (!(keep = malloc((b->npairs + 1) * sizeof(*keep))))
		return SL_ENOMEM;
	rc = prune_pairs(b, keep, &n);
	if (!rc)
		rc = pack_pairs(b, keep, n);
	free(keep);
	free(b->pairs);
	b->pairs = NULL;
	if (rc)
		return rc;
	return bpe_byte_pairs_(b);
}

/* ---- specials ---- */

int bpe_add_special_(struct bpe *b, const char *text, size_t n, uint32_t id)
{
	char **t = realloc(b->stext, (b->nspec + 1) * sizeof(*t));
	uint32_t *i;
	if (!t)
		return SL_ENOMEM;
	b->stext = t;
	i = realloc(b->sid, (b->nspec + 1) * sizeof(*i));
	if (!i)
		return SL_ENOMEM;
	b->sid = i;
	if (!(b->stext[b->nspec] = strndup(text, n)))
		return SL_ENOMEM;
	b->sid[b->nspec++] = id;
	return 0;
}

uint32_t bpe_vocab_size(const struct bpe *b) { return b->ntok; }

int64_t bpe_special(const struct bpe *b, const char *text)
{
	size_t i;
	for (i = 0; i < b->nspec; i++)
		if (!strcmp(b->stext[i], text))
			return b->sid[i];
	return -1;
}

/* ---- the split pattern ---- */

/*
 * tiktoken (Rust regex) and Hugging Face (Oniguruma) take \s as Unicode
 * White_Space, which includes U+0085; PCRE2's \s under UCP does not.
 * Rewrite \s and \S to classes that add it.
 */
static int translate_pattern(const char *p, struct buf *out)
{
	int in_class = 0, rc = 0;
	for (; *p && !rc; p++) {
		if (*p == '\\' && p[1]) {
			if (p[1] == 's')
				rc = buf_addstr(out, in_class ? "\\s\\x{85}" : "[\\s\\x{85}]");
			else if (p[1] == 'S' && !in_class)
				rc = buf_addstr(out, "[^\\s\\x{85}]");
			else
				rc = buf_add(out, p, 2);
			p++;
			continue;
		}
		if (*p == '[' && !in_class) {
			in_class = 1;
			rc = buf_addch(out, '[');
			if (p[1] == '^')
				rc = rc ? rc : buf_addch(out, *++p);
			if (p[1] == ']')
				rc = rc ? rc : buf_addch(out, *++p);
			continue;
		}
		if (*p == ']' && in_class)
			in_class = 0;
		rc = buf_addch(out, *p);
	}
	return rc;
}

static int scanner_init(struct bpe *b, const char *pattern);

int bpe_set_pattern_(struct bpe *b, const char *pattern, struct bpe_err *err)
{
	struct buf pat = BUF_INIT;
	int ecode, rc;
	PCRE2_SIZE eoff;
	/* a second call replaces what the first one set */
	free(b->pattern);
	pcre2_code_free(b->re);
	pcre2_code_free(b->cls_re);
	b->re = b->cls_re = NULL;
	b->jit = b->scan = 0;
	if (!(b->pattern = strdup(pattern)))
		return SL_ENOMEM;
	if ((rc = translate_pattern(pattern, &pat))) {
		buf_release(&pat);
		return rc;
	}
	b->re = pcre2_compile((PCRE2_SPTR)pat.ptr, pat.len,
			      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &ecode, &eoff, NULL);
	buf_release(&pat);
	if (!b->re) {
		err->msg = "the split pattern does not compile";
		return SL_EFORMAT;
	}
	b->jit = pcre2_jit_compile(b->re, PCRE2_JIT_COMPLETE) == 0;
	return scanner_init(b, pattern);
}

/* ---- per-thread work space ---- */

/* A per-thread cache of short pieces and their tokens: real text repeats
 * its words, and a hit costs one probe instead of the merge loop.  8192
 * entries (1.2 MB): twice as many were 2-3% slower on real text in every
 * vocabulary (bench/tok_bench), the misses they save costing less than
 * the room they take from the tables in the second-level cache. */
#define CACHE_BITS 13
#define CACHE_LEN 64
#define CACHE_TOK 16
struct cache_entry {
	uint64_t h;
	uint8_t len, ntok;
	unsigned char s[CACHE_LEN];
	uint32_t tok[CACHE_TOK];
};

struct bpe_work {
	struct cache_entry *cache;
	unsigned char *ucls;          /* the scanner's classes of code points, 0: not known yet */
	pcre2_match_data *cmd;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	uint32_t *id, *pv;
	int32_t *nxt, *prv;
	uint64_t *heap;
	size_t cap;
	struct buf tmp;
};

int bpe_work_new(const struct bpe *b, struct bpe_work **out)
{
	struct bpe_work *w = calloc(1, sizeof(*w));
	if (!w)
		return SL_ENOMEM;
	buf_init(&w->tmp, 0);
	if (!(w->cache = calloc((size_t)1 << CACHE_BITS, sizeof(*w->cache)))) {
		free(w);
		return SL_ENOMEM;
	}
	if (b->re) {
		w->md = pcre2_match_data_create_from_pattern(b->re, NULL);
		w->mc = pcre2_match_context_create(NULL);
		w->js = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		if (!w->md || !w->mc || !w->js) {
			bpe_work_free(w);
			return SL_ENOMEM;
		}
		pcre2_jit_stack_assign(w->mc, NULL, w->js);
	}
	if (b->scan && (!(w->ucls = calloc(0x110000, 1)) ||
			!(w->cmd = pcre2_match_data_create_from_pattern(b->cls_re, NULL)))) {
		bpe_work_free(w);
		return SL_ENOMEM;
	}
	*out = w;
	return 0;
}

void bpe_work_trim(struct bpe_work *w)
{
	if (!w)
		return;
	free(w->id);
	free(w->pv);
	free(w->nxt);
	free(w->prv);
	free(w->heap);
	w->id = w->pv = NULL;
	w->nxt = w->prv = NULL;
	w->heap = NULL;
	w->cap = 0;
	buf_release(&w->tmp);
}

void bpe_work_free(struct bpe_work *w)
{
	if (!w)
		return;
	bpe_work_trim(w);
	free(w->cache);
	free(w->ucls);
	if (w->cmd)
		pcre2_match_data_free(w->cmd);
	if (w->md)
		pcre2_match_data_free(w->md);
	if (w->mc)
		pcre2_match_context_free(w->mc);
	if (w->js)
		pcre2_jit_stack_free(w->js);
	free(w);
}

static int work_reserve(struct bpe_work *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 64;
	void *p;
	if (n <= w->cap)
		return 0;
	while (cap < n)
		cap *= 2;
#define GROW(f) \
	if (!(p = realloc(w->f, cap * sizeof(*w->f)))) \
		return SL_ENOMEM; \
	w->f = p;
	GROW(id) GROW(pv) GROW(nxt) GROW(prv) GROW(heap)
#undef GROW
	w->cap = cap;
	return 0;
}

/* Room for n more ids. */
static int bpe_ids_reserve(struct bpe_ids *ids, size_t n)
{
	size_t cap = ids->cap ? ids->cap : 256;
	uint32_t *v;
	while (cap < ids->n + n)
		cap *= 2;
	if (!(v = realloc(ids->v, cap * sizeof(*v))))
		return SL_ENOMEM;
	ids->v = v;
	ids->cap = cap;
	return 0;
}

int bpe_ids_push(struct bpe_ids *ids, uint32_t id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 256;
		uint32_t *v = realloc(ids->v, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
	return 0;
}

void bpe_ids_release(struct bpe_ids *ids)
{
	free(ids->v);
	ids->v = NULL;
	ids->n = ids->cap = 0;
}

/* ---- merging ---- */

/* The merges of the parts p[0, m) (p[m - 1].pv = V_NONE): find the
 * leftmost lowest v, merge, refresh the two neighbouring pairs; quadratic
 * but tight.  Returns the number of parts left. */
static inline size_t merge_parts(const struct bpe *b, struct part *p, size_t m)
{
	size_t i;
	while (m > 1) {
		uint32_t best = V_NONE;
		size_t bi = 0;
		for (i = 0; i + 1 < m; i++)
			if (p[i].pv < best) {
				best = p[i].pv;
				bi = i;
			}
		if (best == V_NONE)
			break;
		p[bi].id = b->pres_id ? best : b->pres[best];
		/* start fetching the two new pairs' slots before the move */
		if (bi + 2 < m)
			__builtin_prefetch(pair_addr(b, p[bi].id, p[bi + 2].id));
		if (bi > 0)
			__builtin_prefetch(pair_addr(b, p[bi - 1].id, p[bi].id));
		memmove(p + bi + 1, p + bi + 2, (m - bi - 2) * sizeof(*p));
		m--;
		p[m - 1].pv = V_NONE;
		if (bi + 1 < m)
			p[bi].pv = pair_v(b, p[bi].id, p[bi + 1].id);
		if (bi > 0)
			p[bi - 1].pv = pair_v(b, p[bi - 1].id, p[bi].id);
	}
	return m;
}

/* The parts that merging s[0, n) (n >= 1) with the pairs in the table so
 * far leaves (p[0, return)). */
static size_t parts_of(const struct bpe *b, const unsigned char *s, size_t n, struct part *p)
{
	size_t i;
	for (i = 0; i < n; i++)
		p[i].id = b->byte_id[s[i]];
	for (i = 0; i + 1 < n; i++)
		p[i].pv = pair_v(b, p[i].id, p[i + 1].id);
	p[n - 1].pv = V_NONE;
	return merge_parts(b, p, n);
}

/* Short pieces (n <= SMALL_PIECE): the first round from the dense table
 * of byte pairs. */
static int merge_small(const struct bpe *b, const unsigned char *s, size_t n, struct bpe_ids *ids)
{
	struct part p[SMALL_PIECE];
	size_t m, i;
	int rc;
	for (i = 0; i + 1 < n; i++) {
		p[i].id = b->byte_id[s[i]];
		p[i].pv = b->byte_pair[s[i] << 8 | s[i + 1]];
	}
	p[n - 1].id = b->byte_id[s[n - 1]];
	p[n - 1].pv = V_NONE;
	m = merge_parts(b, p, n);
	if (ids->n + m > ids->cap && (rc = bpe_ids_reserve(ids, m)))
		return rc;
	for (i = 0; i < m; i++)
		ids->v[ids->n + i] = p[i].id;
	ids->n += m;
	return 0;
}

static void heap_push(uint64_t *h, size_t *n, uint64_t v)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h[p] <= v)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = v;
}

static uint64_t heap_pop(uint64_t *h, size_t *n)
{
	uint64_t top = h[0], v = h[--*n];
	size_t i = 0, m = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	if (m)
		h[i] = v;
	return top;
}

#define DEAD UINT32_MAX

/* O(n log n) for long pieces: a linked list of parts and a heap of
 * (v, position) entries, checked when popped.  Popping the least
 * (v, position) among the live pairs is exactly "leftmost lowest
 * rank first", the rule of tiktoken and Hugging Face. */
static int merge_heap(const struct bpe *b, struct bpe_work *w, const unsigned char *s, size_t n,
		      struct bpe_ids *ids)
{
	uint32_t *id = w->id, v;
	int32_t *nxt = w->nxt, *prv = w->prv;
	uint64_t *h = w->heap;
	size_t hn = 0, i;
	int32_t p;
	for (i = 0; i < n; i++) {
		id[i] = b->byte_id[s[i]];
		nxt[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
		prv[i] = (int32_t)i - 1;
	}
	for (i = 0; i + 1 < n; i++)
		if ((v = b->byte_pair[s[i] << 8 | s[i + 1]]) != V_NONE)
			heap_push(h, &hn, (uint64_t)v << 32 | i);
	while (hn) {
		uint64_t e = heap_pop(h, &hn);
		uint32_t pos = (uint32_t)e;
		int32_t r;
		if (id[pos] == DEAD || (r = nxt[pos]) < 0)
			continue;
		v = pair_v(b, id[pos], id[r]);
		if (v == V_NONE || v != (uint32_t)(e >> 32))
			continue;
		id[pos] = b->pres_id ? v : b->pres[v];
		id[r] = DEAD;
		nxt[pos] = nxt[r];
		if (nxt[r] >= 0)
			prv[nxt[r]] = (int32_t)pos;
		/* each merge removes a part and adds at most two entries, so
		 * the heap never holds more than 3n */
		if (prv[pos] >= 0 && (v = pair_v(b, id[prv[pos]], id[pos])) != V_NONE)
			heap_push(h, &hn, (uint64_t)v << 32 | (uint32_t)prv[pos]);
		if (nxt[pos] >= 0 && (v = pair_v(b, id[pos], id[nxt[pos]])) != V_NONE)
			heap_push(h, &hn, (uint64_t)v << 32 | pos);
	}
	for (p = 0; p >= 0; p = nxt[p]) {
		int rc = bpe_ids_push(ids, id[p]);
		if (rc)
			return rc;
	}
	return 0;
}

static int encode_uncached(const struct bpe *b, struct bpe_work *w, const unsigned char *s,
			   size_t n, uint64_t h, struct bpe_ids *ids)
{
	int rc;
	if (b->whole) {
		int64_t t = lookup_h(b, s, n, h);
		if (t >= 0)
			return bpe_ids_push(ids, (uint32_t)t);
	}
	if (n > INT32_MAX)
		return SL_ETOOBIG;
	if (n > SMALL_PIECE && (rc = work_reserve(w, 3 * n)))
		return rc;
	return n <= SMALL_PIECE ? merge_small(b, s, n, ids) : merge_heap(b, w, s, n, ids);
}

int bpe_encode_piece(const struct bpe *b, struct bpe_work *w, const unsigned char *s, size_t n,
		     struct bpe_ids *ids)
{
	struct cache_entry *e;
	uint64_t h;
	size_t before, i;
	int rc;
	if (n == 0)
		return 0;
	if (n == 1)
		return bpe_ids_push(ids, b->byte_id[s[0]]);
	h = hash_bytes(s, n);
	if (n > CACHE_LEN)
		return encode_uncached(b, w, s, n, h, ids);
	e = &w->cache[h >> (64 - CACHE_BITS)];
	if (e->h == h && e->len == n && !memcmp(e->s, s, n)) {
		if (ids->n + e->ntok > ids->cap && (rc = bpe_ids_reserve(ids, e->ntok)))
			return rc;
		for (i = 0; i < e->ntok; i++)
			ids->v[ids->n + i] = e->tok[i];
		ids->n += e->ntok;
		return 0;
	}
	before = ids->n;
	if ((rc = encode_uncached(b, w, s, n, h, ids)))
		return rc;
	if (ids->n - before <= CACHE_TOK) {
		e->h = h;
		e->len = (uint8_t)n;
		e->ntok = (uint8_t)(ids->n - before);
		memcpy(e->s, s, n);
		memcpy(e->tok, ids->v + before, e->ntok * sizeof(*e->tok));
	}
	return 0;
}

/* ---- hand-written scanners for the cl100k_base / Llama 3 and o200k_base patterns ---- */

/*
 * PAT_CL100K (sluice's cl100k_base pattern, and Llama 3's Split regex):
 *   A (?i:'s|'t|'re|'ve|'m|'ll|'d)     B [^\r\n\p{L}\p{N}]?\p{L}+
 *   C \p{N}{1,3}                        D  ?[^\s\p{L}\p{N}]+[\r\n]*
 *   E \s*[\r\n]+    F \s+(?!\S)    G \s+
 * PAT_O200K:
 *   A1 [^\r\n\p{L}\p{N}]?U*W+K?   A2 [^\r\n\p{L}\p{N}]?U+W*K?
 *   C, D with [\r\n/]*, E, F, G as above; U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}],
 *   W = [\p{Ll}\p{Lm}\p{Lo}\p{M}], K = (?i:'s|'t|'re|'ve|'m|'ll|'d).
 * Both taken at each point as PCRE2 takes them (the first alternative that
 * matches, with backtracking), \s widened with U+0085 as above.  Every valid
 * character starts a match (a letter or mark A-B, a number C, white space
 * E-G, any other D), so a match starts at the first valid character;
 * invalid UTF-8 matches nothing, not even \S, and is skipped byte by byte.
 * The classes of characters come from PCRE2 itself (CLS_PATTERN), looked up
 * once per code point and remembered, so a scanner and the regex cannot
 * disagree on Unicode versions.  tests/unit/test_bpe.c checks both against
 * PCRE2.
 */
#define CLS_PATTERN "([\\p{Lu}\\p{Lt}])|(\\p{Ll})|([\\p{Lm}\\p{Lo}])|(\\p{M})|(\\p{N})|([\\s\\x{85}])"
enum { C_INVALID, C_LU, C_LL, C_LO, C_M, C_N, C_S, C_O };
#define B_(c) (1u << (c))
#define M_L (B_(C_LU) | B_(C_LL) | B_(C_LO))
#define M_OTHER (B_(C_M) | B_(C_O))                /* [^\s\p{L}\p{N}] */
#define M_U (B_(C_LU) | B_(C_LO) | B_(C_M))
#define M_W (B_(C_LL) | B_(C_LO) | B_(C_M))
#define M_P (B_(C_M) | B_(C_O) | B_(C_S))          /* [^\r\n\p{L}\p{N}], but \r \n */
#define IN(c, m) ((B_(c) & (m)) != 0)

/* The code point at u[i] (i < n) when the bytes there are valid UTF-8
 * (*len: its length), else *len = 0. */
static inline uint32_t utf8_at(const unsigned char *u, size_t n, size_t i, size_t *len)
{
	unsigned c = u[i], c1, c2, c3;
	*len = 0;
	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if (c < 0xc2 || c > 0xf4 || i + 1 >= n)
		return 0;
	c1 = u[i + 1];
	if (c < 0xe0) {
		if ((c1 & 0xc0) != 0x80)
			return 0;
		*len = 2;
		return (c & 0x1f) << 6 | (c1 & 0x3f);
	}
	if (i + 2 >= n || (u[i + 2] & 0xc0) != 0x80)
		return 0;
	c2 = u[i + 2];
	if (c < 0xf0) {
		if ((c1 & 0xc0) != 0x80 || (c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f))
			return 0;
		*len = 3;
		return (c & 0x0f) << 12 | (c1 & 0x3f) << 6 | (c2 & 0x3f);
	}
	if (i + 3 >= n || (u[i + 3] & 0xc0) != 0x80 || (c1 & 0xc0) != 0x80 ||
	    (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
		return 0;
	c3 = u[i + 3];
	*len = 4;
	return (c & 0x07) << 18 | (c1 & 0x3f) << 12 | (c2 & 0x3f) << 6 | (c3 & 0x3f);
}

/* The class of the bytes u[0, len) (one character) by CLS_PATTERN. */
static int cls_oracle(const struct bpe *b, pcre2_match_data *md, const unsigned char *u, size_t len)
{
	int m = pcre2_match(b->cls_re, (PCRE2_SPTR)u, len, 0, PCRE2_ANCHORED, md, NULL), g;
	PCRE2_SIZE *ov;
	if (m < 0)
		return C_O;
	ov = pcre2_get_ovector_pointer(md);
	for (g = 1; g < m; g++)
		if (ov[2 * g] != PCRE2_UNSET)
			return C_LU + g - 1;
	return C_O;
}

/* The class of the character at u[i], *len its length (0: invalid). */
static inline int cls_at(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			 size_t i, size_t *len)
{
	uint32_t cp;
	if (u[i] < 0x80) {
		*len = 1;
		return b->acls[u[i]];
	}
	cp = utf8_at(u, n, i, len);
	if (!*len)
		return C_INVALID;
	if (!w->ucls[cp])
		w->ucls[cp] = (unsigned char)cls_oracle(b, w->cmd, u + i, *len);
	return w->ucls[cp];
}

/* The end of the run of characters of the classes m from i. */
static inline size_t run_of(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			    size_t i, unsigned m)
{
	size_t len;
	while (i < n) {
		if (u[i] < 0x80) {
			if (!IN(b->acls[u[i]], m))
				break;
			i++;
			continue;
		}
		if (!IN(cls_at(b, w, u, n, i, &len), m))
			break;
		i += len;
	}
	return i;
}

static inline int lower_is(unsigned char c, char l) { return (c | 0x20) == l; }

/* The length of (?i:'s|'t|'re|'ve|'m|'ll|'d) at u[i] (s also as U+017F,
 * its case-folding twin), 0 when none. */
static inline size_t contraction(const unsigned char *u, size_t n, size_t i)
{
	const unsigned char *q = u + i + 1;
	size_t rest;
	if (i + 1 >= n || u[i] != '\'')
		return 0;
	rest = n - i - 1;
	if (lower_is(q[0], 's') || lower_is(q[0], 't') || lower_is(q[0], 'm') || lower_is(q[0], 'd'))
		return 2;
	if (rest >= 2 && q[0] == 0xc5 && q[1] == 0xbf)
		return 3;
	if (rest >= 2 && ((lower_is(q[0], 'r') && lower_is(q[1], 'e')) || (lower_is(q[0], 'v') && lower_is(q[1], 'e')) ||
			  (lower_is(q[0], 'l') && lower_is(q[1], 'l'))))
		return 3;
	return 0;
}

/* E, F, G: white space from p. */
static inline size_t space_end(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			       size_t p)
{
	size_t i = p, last_nl = 0, prev = p, len;
	while (i < n && cls_at(b, w, u, n, i, &len) == C_S) {
		if (u[i] == '\r' || u[i] == '\n')
			last_nl = i + 1;
		prev = i;
		i += len;
	}
	if (last_nl) /* E */
		return last_nl;
	if (i >= n || cls_at(b, w, u, n, i, &len) == C_INVALID || prev == p) /* F, G */
		return i;
	return prev; /* F: all but the last */
}

/* The first valid character at or after pos: 0 when none. */
static inline int first_valid(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			      size_t *p, int *c0, size_t *l0)
{
	for (; *p < n; ++*p)
		if ((*c0 = cls_at(b, w, u, n, *p, l0)) != C_INVALID)
			return 1;
	return 0;
}

/* \p{N}{1,3} at p: the first number is l0 bytes long, c1 and l1 are the
 * class and length of the character after it. */
static inline size_t digits13(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			      size_t p, size_t l0, int c1, size_t l1)
{
	size_t e = p + l0;
	if (c1 == C_N) {
		e += l1;
		if (e < n && cls_at(b, w, u, n, e, &l1) == C_N)
			e += l1;
	}
	return e;
}

/* The next match of PAT_CL100K at or after pos: [*ms, *me), or 0 when none. */
static int scan_cl100k(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
		       size_t pos, size_t *ms, size_t *me)
{
	size_t p = pos, l0, l1 = 0, e;
	int c0, c1 = C_INVALID;
	if (!first_valid(b, w, u, n, &p, &c0, &l0))
		return 0;
	*ms = p;
	if (p + l0 < n)
		c1 = cls_at(b, w, u, n, p + l0, &l1);
	if ((e = contraction(u, n, p))) { /* A */
		*me = p + e;
		return 1;
	}
	if (IN(c0, M_L)) { /* B */
		*me = run_of(b, w, u, n, p, M_L);
		return 1;
	}
	if (c0 == C_N) { /* C */
		*me = digits13(b, w, u, n, p, l0, c1, l1);
		return 1;
	}
	if (u[p] != '\r' && u[p] != '\n' && IN(c1, M_L)) { /* B, other or space first */
		*me = run_of(b, w, u, n, p + l0, M_L);
		return 1;
	}
	if (IN(c0, M_OTHER) || (u[p] == ' ' && IN(c1, M_OTHER))) { /* D */
		e = run_of(b, w, u, n, IN(c0, M_OTHER) ? p : p + 1, M_OTHER);
		while (e < n && (u[e] == '\r' || u[e] == '\n'))
			e++;
		*me = e;
		return 1;
	}
	*me = space_end(b, w, u, n, p);
	return 1;
}

/* o200k's A1 from q: U*W+ (U* giving back characters until W+ matches),
 * the end, or 0 when it does not match. */
static inline size_t o200k_a1(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
			      size_t q)
{
	size_t ue = run_of(b, w, u, n, q, M_U), i, len, last = 0;
	if (ue < n && IN(cls_at(b, w, u, n, ue, &len), M_W))
		return run_of(b, w, u, n, ue, M_W);
	/* the last W in the U run, then W+ is that one character */
	for (i = q; i < ue; i += len)
		if (IN(cls_at(b, w, u, n, i, &len), M_W))
			last = i + len;
	return last;
}

/* The next match of PAT_O200K at or after pos: [*ms, *me), or 0 when none. */
static int scan_o200k(const struct bpe *b, struct bpe_work *w, const unsigned char *u, size_t n,
		      size_t pos, size_t *ms, size_t *me)
{
	size_t p = pos, l0, l1 = 0, e, q[2];
	int c0, c1 = C_INVALID, nq = 0, k;
	if (!first_valid(b, w, u, n, &p, &c0, &l0))
		return 0;
	*ms = p;
	if (p + l0 < n)
		c1 = cls_at(b, w, u, n, p + l0, &l1);
	/* [^\r\n\p{L}\p{N}]? taken first, then not */
	if (IN(c0, M_P) && u[p] != '\r' && u[p] != '\n' && p + l0 < n)
		q[nq++] = p + l0;
	q[nq++] = p;
	for (k = 0; k < nq; k++) /* A1 */
		if ((e = o200k_a1(b, w, u, n, q[k]))) {
			*me = e + contraction(u, n, e);
			return 1;
		}
	for (k = 0; k < nq; k++) { /* A2 */
		size_t ue = run_of(b, w, u, n, q[k], M_U);
		if (ue > q[k]) {
			e = run_of(b, w, u, n, ue, M_W);
			*me = e + contraction(u, n, e);
			return 1;
		}
	}
	if (c0 == C_N) { /* C */
		*me = digits13(b, w, u, n, p, l0, c1, l1);
		return 1;
	}
	if (IN(c0, M_OTHER) || (u[p] == ' ' && IN(c1, M_OTHER))) { /* D */
		e = run_of(b, w, u, n, IN(c0, M_OTHER) ? p : p + 1, M_OTHER);
		while (e < n && (u[e] == '\r' || u[e] == '\n' || u[e] == '/'))
			e++;
		*me = e;
		return 1;
	}
	*me = space_end(b, w, u, n, p);
	return 1;
}

/* Use a scanner when the pattern is PAT_CL100K or PAT_O200K. */
static int scanner_init(struct bpe *b, const char *pattern)
{
	pcre2_match_data *md;
	int ecode, scan;
	PCRE2_SIZE eoff;
	unsigned char c;
	if (!strcmp(pattern, PAT_CL100K))
		scan = 1;
	else if (!strcmp(pattern, PAT_O200K))
		scan = 2;
	else
		return 0;
	b->cls_re = pcre2_compile((PCRE2_SPTR)CLS_PATTERN, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
				  &ecode, &eoff, NULL);
	if (!b->cls_re || !(md = pcre2_match_data_create_from_pattern(b->cls_re, NULL)))
		return SL_ENOMEM;
	for (c = 0; c < 128; c++)
		b->acls[c] = (unsigned char)cls_oracle(b, md, &c, 1);
	pcre2_match_data_free(md);
	b->scan = scan;
	return 0;
}

/* ---- pre-tokenization ---- */

/* The split loop, shared by encoding and pre-tokenizing: fn gets every
 * piece (a match of the pattern, or the bytes between matches).  Inlined
 * with a constant fn, so encoding pays no indirect call. */
static inline int split_pieces(const struct bpe *b, struct bpe_work *w, const char *s, size_t n,
			       int (*fn)(void *ctx, const unsigned char *p, size_t n), void *ctx)
{
	const unsigned char *u;
	size_t pos = 0, gap = 0;
	int rc;
	if (n == 0)
		return 0;
	/* HF ByteLevel add_prefix_space (an empty text stays empty) */
	if (b->prefix_space && s[0] != ' ') {
		buf_reset(&w->tmp);
		if ((rc = buf_addch(&w->tmp, ' ')) || (rc = buf_add(&w->tmp, s, n)))
			return rc;
		s = w->tmp.ptr;
		n = w->tmp.len;
	}
	u = (const unsigned char *)s;
	if (!b->re)
		return fn(ctx, u, n);
	while (pos < n) {
		PCRE2_SIZE *ov;
		size_t ms, me;
		int m;
		if (b->scan) {
			if (!(b->scan == 1 ? scan_cl100k(b, w, u, n, pos, &ms, &me)
					   : scan_o200k(b, w, u, n, pos, &ms, &me)))
				break;
		} else {
			m = b->jit ? pcre2_jit_match(b->re, (PCRE2_SPTR)s, n, pos, 0, w->md, w->mc)
				   : pcre2_match(b->re, (PCRE2_SPTR)s, n, pos, 0, w->md, w->mc);
			if (m == PCRE2_ERROR_NOMATCH)
				break;
			if (m < 0)
				return SL_EINVAL;
			ov = pcre2_get_ovector_pointer(w->md);
			ms = ov[0];
			me = ov[1];
		}
		if (me == ms) {
			/* an empty match: the character joins the gap */
			pos = ms + 1;
			while (pos < n && (u[pos] & 0xc0) == 0x80)
				pos++;
			continue;
		}
		/* text the pattern skipped (only invalid UTF-8 with the
		 * known patterns) is a piece of its own */
		if (ms > gap && (rc = fn(ctx, u + gap, ms - gap)))
			return rc;
		if ((rc = fn(ctx, u + ms, me - ms)))
			return rc;
		pos = gap = me;
	}
	if (n > gap && (rc = fn(ctx, u + gap, n - gap)))
		return rc;
	return 0;
}

struct encode_ctx {
	const struct bpe *b;
	struct bpe_work *w;
	struct bpe_ids *ids;
};

static int encode_cb(void *ctx, const unsigned char *p, size_t n)
{
	struct encode_ctx *c = ctx;
	return bpe_encode_piece(c->b, c->w, p, n, c->ids);
}

int bpe_encode(const struct bpe *b, struct bpe_work *w, const char *s, size_t n,
	       struct bpe_ids *ids)
{
	struct encode_ctx c = { b, w, ids };
	return split_pieces(b, w, s, n, encode_cb, &c);
}

int bpe_pretokenize(const struct bpe *b, struct bpe_work *w, const char *s, size_t n,
		    bpe_piece_fn *fn, void *ctx)
{
	return split_pieces(b, w, s, n, fn, ctx);
}

int bpe_new_splitter(struct bpe **out, const char *pattern, struct bpe_err *err)
{
	int rc = bpe_new_(out);
	if (rc)
		return rc;
	if ((rc = bpe_set_pattern_(*out, pattern, err))) {
		bpe_free(*out);
		*out = NULL;
	}
	return rc;
}

int bpe_decode(const struct bpe *b, const uint32_t *ids, size_t n, struct buf *out, size_t *bad)
{
	size_t i;
	int rc;
	for (i = 0; i < n; i++) {
		uint32_t t = ids[i];
		if (t >= b->ntok || b->len[t] == ABSENT) {
			if (bad)
				*bad = i;
			return SL_EINVAL;
		}
		if ((rc = buf_add(out, tok_ptr(b, t), b->len[t])))
			return rc;
	}
	return 0;
}
