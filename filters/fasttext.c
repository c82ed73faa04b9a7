/*
 * fasttext.c - fastText supervised model reader and predictor.
 *
 * The format (fastText 0.9.2, file version 11 or 12), little-endian:
 *   int32 magic 793712314, int32 version
 *   args: int32 dim ws epoch minCount neg wordNgrams loss model bucket minn
 *         maxn lrUpdateRate, double t
 *   dictionary: int32 size nwords nlabels, int64 ntokens pruneidx_size,
 *         size x { NUL-terminated word, int64 count, int8 type },
 *         pruneidx_size x { int32 bucket id, int32 new index }
 *   uint8 quant_input, input matrix (dense: int64 m n, m*n float32;
 *         quantized: uint8 qnorm, int64 m n, int32 codesize, codes,
 *         product quantizer, [m norm codes, norm quantizer])
 *   uint8 qout, output matrix (quantized only when the input is)
 *   product quantizer: int32 dim nsubq dsub lastdsub, dim*256 float32
 *
 * Floating point follows fastText's own statement by statement (float
 * accumulators, the same double intermediates), so probabilities agree to
 * the last printed digit.
 */
#include "fasttext.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define FT_MAGIC 793712314
#define FT_KSUB 256
#define FT_MAX_DIM (1 << 16)
#define FT_MAX_LABELS (1 << 26)
#define FT_MAX_WORD_NGRAMS 64
/* Quantized input matrices up to this size are expanded to floats at load
 * (the same products fastText computes per lookup, so results are equal). */
static uint64_t expand_max = (uint64_t)256 << 20;

void ft_set_expand_limit(uint64_t bytes) { expand_max = bytes; }

enum { LOSS_HS = 1, LOSS_NS = 2, LOSS_SOFTMAX = 3, LOSS_OVA = 4 };
enum { MODEL_SUP = 3 };

struct ft_pq {
	int32_t dim, nsubq, dsub, lastdsub;
	float *centroids; /* dim * 256 */
};

struct ft_matrix {
	int64_t m, n;
	float *dense;      /* m * n, or NULL when quantized */
	uint8_t *codes;    /* m * nsubq */
	int qnorm;
	uint8_t *normcodes;
	struct ft_pq pq, npq;
};

struct ft_heap_item {
	float score;
	int32_t id;
};

struct ft_model {
	int32_t version, dim, word_ngrams, loss, model, bucket, minn, maxn;
	int32_t size, nwords, nlabels;
	int64_t pruneidx_size;

	/* dictionary */
	char *pool;          /* words, NUL-terminated */
	uint32_t *woff, *wlen, *whash;
	int8_t *wtype;
	int64_t *counts;
	int32_t *slots;      /* open addressing over whash, -1 empty */
	uint32_t slotmask;
	struct ft_pent { int32_t key, val; } *ptab; /* prune map, key -1 empty */
	uint32_t pmask;
	int32_t *pdense;      /* or the same as an array over all buckets */
	int32_t pmax;         /* largest new index */
	/* each word's input rows (itself, then its char n-grams), as fastText
	 * precomputes them: sub_ids[sub_off[w] .. sub_off[w+1]) */
	uint32_t *sub_off;
	int32_t *sub_ids;

	int quant_input, qout;
	struct ft_matrix in, out;

	uint64_t bucket_magic;  /* for h % bucket without a division */
	int32_t *left, *right; /* hierarchical softmax tree, 2*nlabels-1 nodes */
	float sigmoid[513];
};

/* ---------------------------------------------------------------- reading */

struct rd {
	const uint8_t *p, *end;
	const char *why;
	const uint8_t *base;
};

static int need(struct rd *r, uint64_t n, const char *what)
{
	if ((uint64_t)(r->end - r->p) < n) {
		r->why = what;
		return SL_ETRUNC;
	}
	return 0;
}

static int rd_i32(struct rd *r, int32_t *v, const char *what)
{
	int rc = need(r, 4, what);
	if (rc)
		return rc;
	memcpy(v, r->p, 4);
	r->p += 4;
	return 0;
}

static int rd_i64(struct rd *r, int64_t *v, const char *what)
{
	int rc = need(r, 8, what);
	if (rc)
		return rc;
	memcpy(v, r->p, 8);
	r->p += 8;
	return 0;
}

static int rd_bool(struct rd *r, int *v, const char *what)
{
	int rc = need(r, 1, what);
	if (rc)
		return rc;
	if (r->p[0] > 1) {
		r->why = what;
		return SL_EFORMAT;
	}
	*v = r->p[0];
	r->p++;
	return 0;
}

static int bad(struct rd *r, const char *why)
{
	r->why = why;
	return SL_EFORMAT;
}

/* Copy n float32 values out of the file into a fresh array. */
static int rd_floats(struct rd *r, uint64_t n, float **out, const char *what)
{
	int rc;
	if (n > ((uint64_t)1 << 62) / 4)
		return bad(r, what);
	rc = need(r, n * 4, what);
	if (rc)
		return rc;
	*out = malloc(n ? n * 4 : 1);
	if (!*out)
		return SL_ENOMEM;
	memcpy(*out, r->p, n * 4);
	r->p += n * 4;
	return 0;
}

static int rd_pq(struct rd *r, struct ft_pq *pq)
{
	int rc;
	if ((rc = rd_i32(r, &pq->dim, "product quantizer")) ||
	    (rc = rd_i32(r, &pq->nsubq, "product quantizer")) ||
	    (rc = rd_i32(r, &pq->dsub, "product quantizer")) ||
	    (rc = rd_i32(r, &pq->lastdsub, "product quantizer")))
		return rc;
	if (pq->dim <= 0 || pq->dim > FT_MAX_DIM || pq->nsubq <= 0 || pq->dsub <= 0 ||
	    pq->lastdsub <= 0 || pq->lastdsub > pq->dsub ||
	    (int64_t)(pq->nsubq - 1) * pq->dsub + pq->lastdsub != pq->dim)
		return bad(r, "inconsistent product quantizer sizes");
	return rd_floats(r, (uint64_t)pq->dim * FT_KSUB, &pq->centroids, "product quantizer centroids");
}

static inline const float *pq_centroid(const struct ft_pq *pq, int32_t m, uint8_t i)
{
	if (m == pq->nsubq - 1)
		return &pq->centroids[(size_t)m * FT_KSUB * pq->dsub + (size_t)i * pq->lastdsub];
	return &pq->centroids[((size_t)m * FT_KSUB + i) * pq->dsub];
}

static int rd_matrix(struct rd *r, struct ft_matrix *mx, int quant, int32_t dim)
{
	int rc;
	if (!quant) {
		if ((rc = rd_i64(r, &mx->m, "matrix size")) || (rc = rd_i64(r, &mx->n, "matrix size")))
			return rc;
		if (mx->n != dim || mx->m < 0)
			return bad(r, "matrix size does not match the model's dimension");
		if ((uint64_t)mx->m > (uint64_t)(r->end - r->p) / 4 / (uint64_t)dim)
			return need(r, UINT64_MAX, "matrix data");
		return rd_floats(r, (uint64_t)mx->m * (uint64_t)mx->n, &mx->dense, "matrix data");
	}
	int32_t codesize;
	if ((rc = rd_bool(r, &mx->qnorm, "quantized matrix header")) ||
	    (rc = rd_i64(r, &mx->m, "quantized matrix header")) ||
	    (rc = rd_i64(r, &mx->n, "quantized matrix header")) ||
	    (rc = rd_i32(r, &codesize, "quantized matrix header")))
		return rc;
	if (mx->n != dim || mx->m < 0 || codesize < 0)
		return bad(r, "quantized matrix size does not match the model's dimension");
	if ((rc = need(r, (uint64_t)codesize, "quantized matrix codes")))
		return rc;
	mx->codes = malloc(codesize ? (size_t)codesize : 1);
	if (!mx->codes)
		return SL_ENOMEM;
	memcpy(mx->codes, r->p, (size_t)codesize);
	r->p += codesize;
	if ((rc = rd_pq(r, &mx->pq)))
		return rc;
	if (mx->pq.dim != dim || (uint64_t)mx->m * (uint64_t)mx->pq.nsubq != (uint64_t)codesize)
		return bad(r, "quantized matrix codes do not match its size");
	if (mx->qnorm) {
		if ((rc = need(r, (uint64_t)mx->m, "quantized norms")))
			return rc;
		mx->normcodes = malloc(mx->m ? (size_t)mx->m : 1);
		if (!mx->normcodes)
			return SL_ENOMEM;
		memcpy(mx->normcodes, r->p, (size_t)mx->m);
		r->p += mx->m;
		if ((rc = rd_pq(r, &mx->npq)))
			return rc;
		if (mx->npq.dim != 1)
			return bad(r, "norm quantizer is not one-dimensional");
	}
	return 0;
}

static inline float row_norm(const struct ft_matrix *mx, int64_t i)
{
	return mx->qnorm ? pq_centroid(&mx->npq, 0, mx->normcodes[i])[0] : 1.0f;
}

/* Expand a quantized matrix to floats: row[j] = norm * centroid[j], the
 * very product fastText's addcode adds per lookup. */
static int expand(struct ft_matrix *mx)
{
	int64_t i;
	int32_t m, n;
	const struct ft_pq *pq = &mx->pq;
	if ((uint64_t)mx->m * (uint64_t)mx->n * 4 > expand_max)
		return 0;
	mx->dense = malloc(mx->m ? (size_t)mx->m * (size_t)mx->n * 4 : 4);
	if (!mx->dense)
		return SL_ENOMEM;
	for (i = 0; i < mx->m; i++) {
		float norm = row_norm(mx, i), *row = mx->dense + (size_t)i * (size_t)mx->n;
		const uint8_t *code = mx->codes + (size_t)i * (size_t)pq->nsubq;
		int32_t d = pq->dsub;
		for (m = 0; m < pq->nsubq; m++) {
			const float *c = pq_centroid(pq, m, code[m]);
			if (m == pq->nsubq - 1)
				d = pq->lastdsub;
			for (n = 0; n < d; n++)
				row[m * pq->dsub + n] = norm * c[n];
		}
	}
	return 0;
}

/* ------------------------------------------------------------- dictionary */

static inline uint32_t fnv_step(uint32_t h, char c)
{
	return (h ^ (uint32_t)(int32_t)(int8_t)c) * 16777619u;
}

static uint32_t fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = fnv_step(h, s[i]);
	return h;
}

static int32_t find_word(const struct ft_model *m, const char *w, size_t n, uint32_t h)
{
	uint32_t i = h & m->slotmask;
	int32_t e;
	while ((e = m->slots[i]) >= 0) {
		if (m->whash[e] == h && m->wlen[e] == n && !memcmp(m->pool + m->woff[e], w, n))
			return e;
		i = (i + 1) & m->slotmask;
	}
	return -1;
}

static uint32_t pow2_above(uint64_t n)
{
	uint64_t c = 16;
	while (c < n * 2)
		c <<= 1;
	return (uint32_t)c;
}

static int rd_dict(struct rd *r, struct ft_model *m)
{
	int64_t ntokens;
	int32_t i;
	uint64_t pooled = 0;
	const uint8_t *start;
	int rc;

	if ((rc = rd_i32(r, &m->size, "dictionary header")) ||
	    (rc = rd_i32(r, &m->nwords, "dictionary header")) ||
	    (rc = rd_i32(r, &m->nlabels, "dictionary header")) ||
	    (rc = rd_i64(r, &ntokens, "dictionary header")) ||
	    (rc = rd_i64(r, &m->pruneidx_size, "dictionary header")))
		return rc;
	if (m->size < 0 || m->nwords < 0 || m->nlabels < 0 ||
	    (int64_t)m->nwords + m->nlabels != m->size)
		return bad(r, "inconsistent dictionary sizes");
	if (m->nlabels == 0)
		return bad(r, "the model has no labels");
	if (m->nlabels > FT_MAX_LABELS)
		return bad(r, "too many labels");
	/* every entry takes at least 10 bytes: NUL, count, type */
	if ((uint64_t)m->size > (uint64_t)(r->end - r->p) / 10)
		return need(r, UINT64_MAX, "dictionary entries");
	start = r->p;
	m->woff = malloc((size_t)m->size * 4 + 4);
	m->wlen = malloc((size_t)m->size * 4 + 4);
	m->whash = malloc((size_t)m->size * 4 + 4);
	m->wtype = malloc((size_t)m->size + 1);
	m->counts = malloc((size_t)m->nlabels * 8);
	if (!m->woff || !m->wlen || !m->whash || !m->wtype || !m->counts)
		return SL_ENOMEM;
	for (i = 0; i < m->size; i++) {
		const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
		int64_t count;
		if (!nul)
			return need(r, UINT64_MAX, "dictionary entries");
		if ((uint64_t)(r->p - start) > UINT32_MAX)
			return bad(r, "dictionary too large");
		m->woff[i] = (uint32_t)(r->p - start); /* temporarily: offset in the file */
		m->wlen[i] = (uint32_t)(nul - r->p);
		r->p = nul + 1;
		if ((rc = rd_i64(r, &count, "dictionary entries")) || (rc = need(r, 1, "dictionary entries")))
			return rc;
		m->wtype[i] = (int8_t)r->p[0];
		r->p++;
		if (m->wtype[i] != (i < m->nwords ? 0 : 1))
			return bad(r, "dictionary entry of the wrong type (words must precede labels)");
		if (i >= m->nwords)
			m->counts[i - m->nwords] = count;
		pooled += m->wlen[i] + 1;
	}
	m->pool = malloc(pooled + 1);
	if (!m->pool)
		return SL_ENOMEM;
	pooled = 0;
	for (i = 0; i < m->size; i++) {
		memcpy(m->pool + pooled, start + m->woff[i], m->wlen[i]);
		m->pool[pooled + m->wlen[i]] = '\0';
		m->woff[i] = (uint32_t)pooled;
		m->whash[i] = fnv(m->pool + pooled, m->wlen[i]);
		pooled += m->wlen[i] + 1;
	}
	if (pooled > UINT32_MAX)
		return bad(r, "dictionary too large");

	m->slotmask = pow2_above((uint64_t)m->size) - 1;
	m->slots = malloc(((size_t)m->slotmask + 1) * 4);
	if (!m->slots)
		return SL_ENOMEM;
	memset(m->slots, 0xff, ((size_t)m->slotmask + 1) * 4);
	for (i = 0; i < m->size; i++) {
		uint32_t h = m->whash[i], s = h & m->slotmask;
		int32_t e;
		/* a repeated word resolves to its last entry, as in fastText */
		while ((e = m->slots[s]) >= 0) {
			if (m->whash[e] == h && m->wlen[e] == m->wlen[i] &&
			    !memcmp(m->pool + m->woff[e], m->pool + m->woff[i], m->wlen[i]))
				break;
			s = (s + 1) & m->slotmask;
		}
		m->slots[s] = i;
	}

	if (m->pruneidx_size > 0) {
		int64_t k;
		if ((uint64_t)m->pruneidx_size > (uint64_t)(r->end - r->p) / 8)
			return need(r, UINT64_MAX, "pruned n-gram index");
		/* a direct array over the buckets when that is not much more
		 * than the file itself (lid.176: 8 MB), else a hash table */
		if ((uint64_t)m->bucket * 4 <= (uint64_t)(r->end - r->base) * 16) {
			m->pdense = malloc((size_t)m->bucket * 4 + 4);
			if (!m->pdense)
				return SL_ENOMEM;
			memset(m->pdense, 0xff, (size_t)m->bucket * 4 + 4);
		} else {
			m->pmask = pow2_above((uint64_t)m->pruneidx_size) - 1;
			m->ptab = malloc(((size_t)m->pmask + 1) * sizeof(*m->ptab));
			if (!m->ptab)
				return SL_ENOMEM;
			memset(m->ptab, 0xff, ((size_t)m->pmask + 1) * sizeof(*m->ptab));
		}
		m->pmax = -1;
		for (k = 0; k < m->pruneidx_size; k++) {
			int32_t key = 0, val = 0;
			uint32_t s;
			rd_i32(r, &key, "pruned n-gram index");
			rd_i32(r, &val, "pruned n-gram index");
			if (key < 0 || val < 0)
				return bad(r, "negative entry in the pruned n-gram index");
			if (val > m->pmax)
				m->pmax = val;
			if (m->pdense) {
				if (key < m->bucket) /* others can never be looked up */
					m->pdense[key] = val; /* a repeated key: the last wins */
				continue;
			}
			s = ((uint32_t)key * 2654435761u) & m->pmask;
			while (m->ptab[s].key >= 0 && m->ptab[s].key != key)
				s = (s + 1) & m->pmask;
			m->ptab[s].key = key;
			m->ptab[s].val = val; /* a repeated key: the last wins, as in fastText */
		}
	}
	return 0;
}

static int32_t prune_lookup(const struct ft_model *m, int32_t key)
{
	if (m->pdense)
		return m->pdense[key];
	uint32_t s = ((uint32_t)key * 2654435761u) & m->pmask;
	while (m->ptab[s].key >= 0) {
		if (m->ptab[s].key == key)
			return m->ptab[s].val;
		s = (s + 1) & m->pmask;
	}
	return -1;
}

/* ------------------------------------------------------------------ model */

static int build_tree(struct rd *r, struct ft_model *m)
{
	int64_t osz = m->nlabels, nn = 2 * osz - 1, i, leaf, node;
	int64_t *cnt = malloc((size_t)nn * 8);
	m->left = malloc((size_t)nn * 4);
	m->right = malloc((size_t)nn * 4);
	if (!cnt || !m->left || !m->right) {
		free(cnt);
		return SL_ENOMEM;
	}
	for (i = 0; i < nn; i++) {
		m->left[i] = m->right[i] = -1;
		cnt[i] = i < osz ? m->counts[i] : (int64_t)1e15;
	}
	leaf = osz - 1;
	node = osz;
	for (i = osz; i < nn; i++) {
		int64_t mini[2];
		for (int j = 0; j < 2; j++) {
			if (leaf >= 0 && (node >= nn || cnt[leaf] < cnt[node])) {
				mini[j] = leaf--;
			} else if (node < i) {
				mini[j] = node++;
			} else {
				/* only hostile label counts get here (fastText would
				 * read past its tree or make a cycle) */
				free(cnt);
				return bad(r, "label counts do not make a tree");
			}
		}
		m->left[i] = (int32_t)mini[0];
		m->right[i] = (int32_t)mini[1];
		/* wrapping like the int64 sum would, without the overflow UB */
		cnt[i] = (int64_t)((uint64_t)cnt[mini[0]] + (uint64_t)cnt[mini[1]]);
	}
	free(cnt);
	return 0;
}

void ft_free(struct ft_model *m)
{
	if (!m)
		return;
	free(m->pool);
	free(m->woff);
	free(m->wlen);
	free(m->whash);
	free(m->wtype);
	free(m->counts);
	free(m->slots);
	free(m->ptab);
	free(m->pdense);
	free(m->sub_off);
	free(m->sub_ids);
	for (int k = 0; k < 2; k++) {
		struct ft_matrix *mx = k ? &m->out : &m->in;
		free(mx->dense);
		free(mx->codes);
		free(mx->normcodes);
		free(mx->pq.centroids);
		free(mx->npq.centroids);
	}
	free(m->left);
	free(m->right);
	free(m);
}

static int build_subword_cache(struct ft_model *m);

/* h % d for 32-bit h and d > 0 (Lemire, Kaser, Kurz: "Faster remainder by
 * direct computation"), exact for every h. */
static inline uint32_t fastmod(uint32_t h, uint64_t magic, uint32_t d)
{
#ifdef __SIZEOF_INT128__
	uint64_t low = magic * h;
	return (uint32_t)(((unsigned __int128)low * d) >> 64);
#else
	(void)magic;
	return h % d;
#endif
}

static int load(struct rd *r, struct ft_model *m)
{
	int32_t magic, ws, epoch, mincount, neg, lrur;
	int64_t tbits;
	int rc;

	if (r->p == r->end)
		return need(r, 1, "empty file");
	if ((rc = rd_i32(r, &magic, "file header")))
		return rc;
	if (magic != FT_MAGIC)
		return bad(r, "not a fastText model (wrong magic number)");
	if ((rc = rd_i32(r, &m->version, "file header")))
		return rc;
	if (m->version != 11 && m->version != 12)
		return bad(r, "unsupported fastText file version");
	if ((rc = rd_i32(r, &m->dim, "model arguments")) || (rc = rd_i32(r, &ws, "model arguments")) ||
	    (rc = rd_i32(r, &epoch, "model arguments")) || (rc = rd_i32(r, &mincount, "model arguments")) ||
	    (rc = rd_i32(r, &neg, "model arguments")) || (rc = rd_i32(r, &m->word_ngrams, "model arguments")) ||
	    (rc = rd_i32(r, &m->loss, "model arguments")) || (rc = rd_i32(r, &m->model, "model arguments")) ||
	    (rc = rd_i32(r, &m->bucket, "model arguments")) || (rc = rd_i32(r, &m->minn, "model arguments")) ||
	    (rc = rd_i32(r, &m->maxn, "model arguments")) || (rc = rd_i32(r, &lrur, "model arguments")) ||
	    (rc = rd_i64(r, &tbits, "model arguments")))
		return rc;
	if (m->model != MODEL_SUP)
		return bad(r, "not a supervised model (word vectors cannot classify)");
	if (m->loss < LOSS_HS || m->loss > LOSS_OVA)
		return bad(r, "unknown loss");
	if (m->dim <= 0 || m->dim > FT_MAX_DIM)
		return bad(r, "dimension out of range");
	if (m->word_ngrams > FT_MAX_WORD_NGRAMS)
		return bad(r, "wordNgrams out of range");
	if (m->version == 11)
		m->maxn = 0; /* old supervised models have no character n-grams */
	if (m->bucket < 0 || (m->bucket == 0 && (m->maxn > 0 || m->word_ngrams > 1)))
		return bad(r, "n-grams without hash buckets");
	if ((rc = rd_dict(r, m)))
		return rc;
	if ((rc = rd_bool(r, &m->quant_input, "input matrix")))
		return rc;
	if ((rc = rd_matrix(r, &m->in, m->quant_input, m->dim)))
		return rc;
	if (!m->quant_input && m->pruneidx_size >= 0)
		return bad(r, "pruned dictionary with an unquantized matrix (an old, invalid model file)");
	/* every row the dictionary can name must exist */
	if (m->in.m < m->nwords)
		return bad(r, "input matrix smaller than the vocabulary");
	if (m->pruneidx_size > 0) {
		if (m->pmax >= m->in.m - m->nwords)
			return bad(r, "pruned n-gram index points past the input matrix");
	} else if (m->pruneidx_size < 0 && m->in.m - m->nwords < m->bucket) {
		return bad(r, "input matrix smaller than vocabulary plus buckets");
	}
	if ((rc = rd_bool(r, &m->qout, "output matrix")))
		return rc;
	if ((rc = rd_matrix(r, &m->out, m->quant_input && m->qout, m->dim)))
		return rc;
	if (m->out.m != m->nlabels)
		return bad(r, "output matrix does not have one row per label");
	if (m->quant_input && (rc = expand(&m->in)))
		return rc;
	if (m->bucket > 0)
		m->bucket_magic = UINT64_MAX / (uint32_t)m->bucket + 1;
	if ((rc = build_subword_cache(m)))
		return rc;
	if (m->loss == LOSS_HS && (rc = build_tree(r, m)))
		return rc;
	for (int i = 0; i < 513; i++) {
		float x = (float)(i * 2 * 8) / 512 - 8;
		m->sigmoid[i] = (float)(1.0 / (1.0 + expf(-x)));
	}
	return 0;
}

int ft_load_mem(const void *data, size_t n, struct ft_model **out, const char **why)
{
	struct rd r = { data, (const uint8_t *)data + n, NULL, data };
	struct ft_model *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m)
		return SL_ENOMEM;
	rc = load(&r, m);
	if (why)
		*why = rc == SL_ENOMEM ? "out of memory" : r.why;
	if (rc) {
		ft_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int ft_load(const char *path, struct ft_model **out, const char **why)
{
	struct stat sb;
	void *map;
	int fd, rc, e;

	*out = NULL;
	if (why)
		*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SL_EOPEN;
	if (fstat(fd, &sb) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return SL_EIO;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		return SL_EOPEN;
	}
	if (sb.st_size == 0) {
		close(fd);
		return ft_load_mem("", 0, out, why);
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	e = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = e;
		return SL_EIO;
	}
	rc = ft_load_mem(map, (size_t)sb.st_size, out, why);
	munmap(map, (size_t)sb.st_size);
	return rc;
}

void ft_get_info(const struct ft_model *m, struct ft_info *info)
{
	info->dim = m->dim;
	info->minn = m->minn;
	info->maxn = m->maxn;
	info->word_ngrams = m->word_ngrams;
	info->bucket = m->bucket;
	info->loss = m->loss;
	info->nwords = m->nwords;
	info->nlabels = m->nlabels;
	info->quant_input = m->quant_input;
	info->quant_output = m->quant_input && m->qout;
	info->pruned = m->pruneidx_size >= 0;
	info->input_rows = m->in.m;
}

int ft_nlabels(const struct ft_model *m) { return m->nlabels; }

const char *ft_label(const struct ft_model *m, int i)
{
	if (i < 0 || i >= m->nlabels)
		return "";
	return m->pool + m->woff[m->nwords + i];
}

int ft_label_index(const struct ft_model *m, const char *name)
{
	size_t n = strlen(name);
	int32_t e = find_word(m, name, n, fnv(name, n));
	return e >= m->nwords ? e - m->nwords : -1;
}

/* ------------------------------------------------------------- prediction */

int ft_state_init(struct ft_state *s, const struct ft_model *m)
{
	memset(s, 0, sizeof(*s));
	s->hidden = malloc((size_t)m->dim * 4);
	s->output = malloc((size_t)m->nlabels * 4);
	/* the heap holds k+1 items; the tree walk's stack 2*nlabels */
	s->heapcap = 2 * m->nlabels + 1;
	s->heap = malloc((size_t)s->heapcap * 2 * sizeof(struct ft_heap_item));
	if (!s->hidden || !s->output || !s->heap) {
		ft_state_release(s);
		return SL_ENOMEM;
	}
	return 0;
}

static void wc_drop(struct ft_state *s);

void ft_state_release(struct ft_state *s)
{
	wc_drop(s);
	free(s->hidden);
	free(s->output);
	free(s->whash);
	free(s->word);
	free(s->heap);
	free(s->rowv);
	memset(s, 0, sizeof(*s));
}

static inline void add_row(const struct ft_model *m, struct ft_state *s, int64_t row)
{
	const struct ft_matrix *mx = &m->in;
	float *h = s->hidden;
	int32_t d = m->dim, j;
	s->nrows++;
	if (mx->dense) {
		const float *v = mx->dense + (size_t)row * (size_t)d;
		for (j = 0; j < d; j++)
			h[j] += v[j];
		return;
	}
	{
		const struct ft_pq *pq = &mx->pq;
		float norm = row_norm(mx, row);
		const uint8_t *code = mx->codes + (size_t)row * (size_t)pq->nsubq;
		int32_t dd = pq->dsub, q, n;
		for (q = 0; q < pq->nsubq; q++) {
			const float *c = pq_centroid(pq, q, code[q]);
			if (q == pq->nsubq - 1)
				dd = pq->lastdsub;
			for (n = 0; n < dd; n++) {
				float p = norm * c[n];
				h[q * pq->dsub + n] += p;
			}
		}
	}
}

/* Add rows in order, fetching ahead: the rows are scattered over a matrix
 * much larger than the caches, and this is where the time goes. */
static void add_rows(const struct ft_model *m, struct ft_state *s, const int32_t *rows, size_t n)
{
	const struct ft_matrix *mx = &m->in;
	size_t j;
	if (mx->dense) {
		for (j = 0; j < n && j < 6; j++)
			__builtin_prefetch(mx->dense + (size_t)rows[j] * (size_t)m->dim);
		for (j = 0; j < n; j++) {
			if (j + 6 < n)
				__builtin_prefetch(mx->dense + (size_t)rows[j + 6] * (size_t)m->dim);
			add_row(m, s, rows[j]);
		}
		return;
	}
	for (j = 0; j < n; j++)
		add_row(m, s, rows[j]);
}

struct ivec {
	int32_t *v;
	size_t n, cap;
};

static int ivec_push(struct ivec *v, int32_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		int32_t *p = realloc(v->v, cap * sizeof(*p));
		if (!p)
			return SL_ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/*
 * The input rows of the character n-grams of "<tok>", appended to v in
 * fastText's order (computeSubwords + pushHash): first the bucket ids,
 * then mapped to rows through the pruning index, with look-ahead.
 */
static int subword_rows(const struct ft_model *m, const char *tok, size_t n, struct ivec *v,
			char **wbuf, size_t *wcap)
{
	size_t len = n + 2, i, j, first = v->n, k2;
	char *w;
	if (m->maxn <= 0 || m->pruneidx_size == 0)
		return 0;
	if (len > *wcap) {
		size_t cap = len < 256 ? 256 : len * 2;
		char *p = realloc(*wbuf, cap);
		if (!p)
			return SL_ENOMEM;
		*wbuf = p;
		*wcap = cap;
	}
	w = *wbuf;
	w[0] = '<';
	memcpy(w + 1, tok, n);
	w[n + 1] = '>';
	for (i = 0; i < len; i++) {
		uint32_t h = 2166136261u;
		int32_t k;
		if ((w[i] & 0xC0) == 0x80)
			continue;
		for (j = i, k = 1; j < len && k <= m->maxn; k++) {
			h = fnv_step(h, w[j++]);
			while (j < len && (w[j] & 0xC0) == 0x80)
				h = fnv_step(h, w[j++]);
			if (k >= m->minn && !(k == 1 && (i == 0 || j == len))) {
				uint32_t id = fastmod(h, m->bucket_magic, (uint32_t)m->bucket);
				if (m->pdense)
					__builtin_prefetch(&m->pdense[id]);
				else if (m->ptab)
					__builtin_prefetch(&m->ptab[(id * 2654435761u) & m->pmask]);
				if (ivec_push(v, (int32_t)id))
					return SL_ENOMEM;
			}
		}
	}
	if (m->pruneidx_size < 0) {
		for (k2 = first; k2 < v->n; k2++)
			v->v[k2] += m->nwords;
		return 0;
	}
	j = first;
	for (k2 = first; k2 < v->n; k2++) {
		int32_t r = prune_lookup(m, v->v[k2]);
		if (r >= 0)
			v->v[j++] = m->nwords + r;
	}
	v->n = j;
	return 0;
}

/* Precompute every word's rows, as fastText's initNgrams does; skipped
 * (and computed per token instead) when it would take over 256 MiB. */
static int build_subword_cache(struct ft_model *m)
{
	struct ivec v = { 0 };
	char *wbuf = NULL;
	size_t wcap = 0;
	int32_t i;
	int rc = 0;

	m->sub_off = malloc(((size_t)m->nwords + 1) * sizeof(*m->sub_off));
	if (!m->sub_off)
		return SL_ENOMEM;
	for (i = 0; i < m->nwords && !rc; i++) {
		const char *w = m->pool + m->woff[i];
		m->sub_off[i] = (uint32_t)v.n;
		rc = ivec_push(&v, i);
		if (!rc && strcmp(w, "</s>"))
			rc = subword_rows(m, w, m->wlen[i], &v, &wbuf, &wcap);
		if (v.n > ((size_t)64 << 20))
			rc = SL_ETOOBIG;
	}
	free(wbuf);
	if (rc) {
		free(v.v);
		free(m->sub_off);
		m->sub_off = NULL;
		return rc == SL_ETOOBIG ? 0 : rc;
	}
	m->sub_off[m->nwords] = (uint32_t)v.n;
	m->sub_ids = v.v ? v.v : malloc(4);
	if (!m->sub_ids) {
		free(m->sub_off);
		m->sub_off = NULL;
		return SL_ENOMEM;
	}
	return 0;
}

static const unsigned char is_sep[256] = {
	[' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1, ['\v'] = 1, ['\f'] = 1, [0] = 1,
};

/* The rows of a token that is not in the vocabulary (or whose vocabulary
 * has no rows precomputed) depend on its bytes alone, and web text repeats
 * its tokens: a direct-mapped table of the last ones seen (their bytes and
 * rows in two stores, emptied together when either is full) saves
 * hashing their n-grams and looking each up in the pruned index again.
 * The rows come out the same, in the same order, so the sums do too. */
#define FT_WC_SLOTS 8192
#define FT_WC_MAXLEN 64
#define FT_WC_BYTES ((size_t)256 << 10)
#define FT_WC_ROWS ((size_t)256 << 10)

struct ft_wc_ent {
	uint32_t h, boff, roff;
	uint16_t blen, nrows; /* blen 0: empty */
};

static const int32_t *wc_find(const struct ft_state *s, const char *t, size_t n, uint32_t h, size_t *nrows)
{
	const struct ft_wc_ent *e;
	if (!s->wc || n > FT_WC_MAXLEN)
		return NULL;
	e = &s->wc[h & (FT_WC_SLOTS - 1)];
	if (e->blen != n || e->h != h || memcmp(s->wc_bytes + e->boff, t, n))
		return NULL;
	*nrows = e->nrows;
	return s->wc_rows + e->roff;
}

static void wc_drop(struct ft_state *s)
{
	free(s->wc);
	free(s->wc_bytes);
	free(s->wc_rows);
	s->wc = NULL;
	s->wc_bytes = NULL;
	s->wc_rows = NULL;
}

/* Remember a token's rows (nothing when it cannot: the table is a help). */
static void wc_add(struct ft_state *s, const char *t, size_t n, uint32_t h, const int32_t *rows, size_t nrows)
{
	struct ft_wc_ent *e;
	if (n > FT_WC_MAXLEN || nrows > 0xffff || nrows > FT_WC_ROWS)
		return;
	if (!s->wc) {
		s->wc = calloc(FT_WC_SLOTS, sizeof(*s->wc));
		s->wc_bytes = malloc(FT_WC_BYTES);
		s->wc_rows = malloc(FT_WC_ROWS * sizeof(*s->wc_rows));
		if (!s->wc || !s->wc_bytes || !s->wc_rows) {
			wc_drop(s);
			return;
		}
		s->wc_blen = s->wc_rlen = 0;
	}
	if (s->wc_blen + n > FT_WC_BYTES || s->wc_rlen + nrows > FT_WC_ROWS) {
		memset(s->wc, 0, FT_WC_SLOTS * sizeof(*s->wc));
		s->wc_blen = s->wc_rlen = 0;
	}
	e = &s->wc[h & (FT_WC_SLOTS - 1)];
	memcpy(s->wc_bytes + s->wc_blen, t, n);
	if (nrows) /* (rows may be NULL then) */
		memcpy(s->wc_rows + s->wc_rlen, rows, nrows * sizeof(*rows));
	e->h = h;
	e->boff = (uint32_t)s->wc_blen;
	e->roff = (uint32_t)s->wc_rlen;
	e->blen = (uint16_t)n;
	e->nrows = (uint16_t)nrows;
	s->wc_blen += n;
	s->wc_rlen += nrows;
}

/* One token; returns 1 when it was the end-of-sentence token. */
static int token(const struct ft_model *m, struct ft_state *s, const char *t, size_t n)
{
	uint32_t h = fnv(t, n);
	int32_t wid = find_word(m, t, n, h);
	int eos = n == 4 && !memcmp(t, "</s>", 4);
	int type = wid >= 0 ? m->wtype[wid] : (n >= 9 && !memcmp(t, "__label__", 9));
	int rc;
	const int32_t *rows;
	size_t nrows;

	if (type != 0)
		return eos; /* a label in the text: not input */
	if (wid >= 0 && m->sub_off) {
		add_rows(m, s, m->sub_ids + m->sub_off[wid], m->sub_off[wid + 1] - m->sub_off[wid]);
	} else if (!eos && (rows = wc_find(s, t, n, h, &nrows))) {
		add_rows(m, s, rows, nrows);
	} else {
		struct ivec v = { s->rowv, 0, s->rowcap };
		if (wid >= 0)
			rc = ivec_push(&v, wid);
		else
			rc = 0;
		if (!rc && !eos)
			rc = subword_rows(m, t, n, &v, &s->word, &s->wcap);
		s->rowv = v.v;
		s->rowcap = v.cap;
		if (rc)
			return rc;
		add_rows(m, s, v.v, v.n);
		if (!eos)
			wc_add(s, t, n, h, v.v, v.n);
	}
	if (m->word_ngrams > 1) {
		if (s->nwhash == s->whcap) {
			size_t cap = s->whcap ? s->whcap * 2 : 256;
			int32_t *p = realloc(s->whash, cap * 4);
			if (!p)
				return SL_ENOMEM;
			s->whash = p;
			s->whcap = cap;
		}
		s->whash[s->nwhash++] = (int32_t)h;
	}
	return eos;
}

static inline float std_log(float x)
{
	return (float)log((double)x + 1e-5);
}

/*
 * fastText's prediction heap: std::push_heap / pop_heap / sort_heap with
 * comparePairs (a.score > b.score), written out as libstdc++ implements
 * them, so that labels with equal scores come out in the same order.
 */
static inline int heap_less(const struct ft_heap_item *a, const struct ft_heap_item *b)
{
	return a->score > b->score;
}

static void sift_up(struct ft_heap_item *hp, long hole, long top, struct ft_heap_item v)
{
	long parent = (hole - 1) / 2;
	while (hole > top && heap_less(&hp[parent], &v)) {
		hp[hole] = hp[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	hp[hole] = v;
}

static void adjust(struct ft_heap_item *hp, long hole, long len, struct ft_heap_item v)
{
	long top = hole, child = hole;
	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (heap_less(&hp[child], &hp[child - 1]))
			child--;
		hp[hole] = hp[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		hp[hole] = hp[child - 1];
		hole = child - 1;
	}
	sift_up(hp, hole, top, v);
}

/* pop_heap over hp[0..len): the front goes to hp[len-1] */
static void heap_pop_to_end(struct ft_heap_item *hp, long len)
{
	if (len > 1) {
		struct ft_heap_item v = hp[len - 1];
		hp[len - 1] = hp[0];
		adjust(hp, 0, len - 1, v);
	}
}

static void heap_offer(struct ft_heap_item *hp, int *n, int k, float score, int32_t id)
{
	struct ft_heap_item v = { score, id };
	hp[*n] = v;
	(*n)++;
	sift_up(hp, *n - 1, 0, v);
	if (*n > k) {
		heap_pop_to_end(hp, *n);
		(*n)--;
	}
}

static void heap_sort(struct ft_heap_item *hp, long n)
{
	while (n > 1) {
		heap_pop_to_end(hp, n);
		n--;
	}
}

static float dot_row(const struct ft_matrix *mx, const float *h, int64_t i)
{
	int32_t j;
	if (mx->dense) {
		const float *v = mx->dense + (size_t)i * (size_t)mx->n;
		float d = 0.0f;
		for (j = 0; j < mx->n; j++)
			d += v[j] * h[j];
		return d;
	}
	{
		const struct ft_pq *pq = &mx->pq;
		float norm = row_norm(mx, i), res = 0.0f;
		const uint8_t *code = mx->codes + (size_t)i * (size_t)pq->nsubq;
		int32_t d = pq->dsub, q, n;
		for (q = 0; q < pq->nsubq; q++) {
			const float *c = pq_centroid(pq, q, code[q]);
			if (q == pq->nsubq - 1)
				d = pq->lastdsub;
			for (n = 0; n < d; n++)
				res += h[q * pq->dsub + n] * c[n];
		}
		return res * norm;
	}
}

static float sigmoid(const struct ft_model *m, float x)
{
	if (!(x >= -8)) /* NaN too (a model with NaN weights): no table index from it */
		return 0.0f;
	if (x > 8)
		return 1.0f;
	return m->sigmoid[(int64_t)((x + 8) * 512 / 8 / 2)];
}

/* The hierarchical-softmax walk, depth first, left before right, with the
 * same pruning as fastText's recursive dfs (iterative: no deep recursion on
 * a degenerate tree). */
static void hs_walk(const struct ft_model *m, struct ft_state *s, int k, float threshold, int *nheap)
{
	struct ft_heap_item *hp = s->heap, *st = s->heap + s->heapcap;
	int nst = 0;
	int32_t osz = m->nlabels;
	float lt = std_log(threshold);

	st[nst].id = 2 * osz - 2;
	st[nst++].score = 0.0f;
	while (nst > 0) {
		int32_t node = st[--nst].id;
		float score = st[nst].score, f, e, t;
		if (score < lt)
			continue;
		if (*nheap == k && score < hp[0].score)
			continue;
		if (m->left[node] == -1 && m->right[node] == -1) {
			heap_offer(hp, nheap, k, score, node);
			continue;
		}
		f = dot_row(&m->out, s->hidden, node - osz);
		e = expf(-f);
		t = 1 + e;
		f = (float)(1. / (double)t);
		/* right is pushed first so that left is visited first */
		st[nst].id = m->right[node];
		st[nst++].score = score + std_log(f);
		st[nst].id = m->left[node];
		st[nst++].score = score + std_log((float)(1.0 - (double)f));
	}
}

int ft_predict(const struct ft_model *m, struct ft_state *s, const char *text, size_t n,
	       int k, float threshold, struct ft_pred *out)
{
	size_t i = 0, a;
	int rc, nheap = 0, stop = 0;
	int32_t j;

	if (k <= 0 || k > m->nlabels)
		k = m->nlabels;
	memset(s->hidden, 0, (size_t)m->dim * 4);
	s->nrows = 0;
	s->nwhash = 0;
	while (i < n && !stop) {
		while (i < n && is_sep[(unsigned char)text[i]])
			i++;
		if (i == n)
			break;
		a = i;
		while (i < n && !is_sep[(unsigned char)text[i]])
			i++;
		rc = token(m, s, text + a, i - a);
		if (rc < 0)
			return rc;
		stop = rc;
	}
	if (!stop && (rc = token(m, s, "</s>", 4)) < 0)
		return rc;
	if (m->word_ngrams > 1 && m->pruneidx_size != 0) {
		/* addWordNgrams: the int32 hashes sign-extend into the uint64 */
		struct ivec v = { s->rowv, 0, s->rowcap };
		for (size_t x = 0; x < s->nwhash; x++) {
			uint64_t h = (uint64_t)(int64_t)s->whash[x];
			for (size_t y = x + 1; y < s->nwhash && y < x + (size_t)m->word_ngrams; y++) {
				int32_t id;
				h = h * 116049371u + (uint64_t)(int64_t)s->whash[y];
				id = (int32_t)(h % (uint64_t)m->bucket);
				if (m->pruneidx_size > 0)
					id = prune_lookup(m, id);
				if (id >= 0 && (rc = ivec_push(&v, m->nwords + id))) {
					s->rowv = v.v;
					s->rowcap = v.cap;
					return rc;
				}
				/* add in batches, keeping the order */
				if (v.n >= 4096) {
					add_rows(m, s, v.v, v.n);
					v.n = 0;
				}
			}
		}
		s->rowv = v.v;
		s->rowcap = v.cap;
		add_rows(m, s, v.v, v.n);
	}
	if (s->nrows == 0)
		return 0;
	{
		float inv = (float)(1.0 / (double)s->nrows);
		for (j = 0; j < m->dim; j++)
			s->hidden[j] *= inv;
	}

	if (m->loss == LOSS_HS) {
		hs_walk(m, s, k, threshold, &nheap);
	} else {
		float *o = s->output;
		for (j = 0; j < m->nlabels; j++)
			o[j] = dot_row(&m->out, s->hidden, j);
		if (m->loss == LOSS_SOFTMAX) {
			float max = o[0], z = 0.0f;
			for (j = 0; j < m->nlabels; j++)
				max = max < o[j] ? o[j] : max;
			for (j = 0; j < m->nlabels; j++) {
				o[j] = (float)exp((double)(o[j] - max));
				z += o[j];
			}
			for (j = 0; j < m->nlabels; j++)
				o[j] /= z;
		} else {
			for (j = 0; j < m->nlabels; j++)
				o[j] = sigmoid(m, o[j]);
		}
		for (j = 0; j < m->nlabels; j++) {
			float l;
			if (o[j] < threshold)
				continue;
			l = std_log(o[j]);
			if (nheap == k && l < s->heap[0].score)
				continue;
			heap_offer(s->heap, &nheap, k, l, j);
		}
	}
	heap_sort(s->heap, nheap);
	for (j = 0; j < nheap; j++) {
		out[j].prob = expf(s->heap[j].score);
		out[j].label = s->heap[j].id;
	}
	return nheap;
}
