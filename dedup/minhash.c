/*
 * minhash.c - shingles and MinHash signatures (see minhash.h).
 */
#include <stdlib.h>
#include <xxhash.h>

#include "error.h"
#include "minhash.h"
#include "nprandom.h"
#include "sha1.h"

int dd_minhash_init(struct dd_minhash *m, const struct dd_minhash_cfg *cfg)
{
	struct np_mt19937 st;

	memset(m, 0, sizeof(*m));
	if (cfg->ngram < 1 || cfg->ngram > 1000 || cfg->buckets < 1 || cfg->rows < 1 ||
	    (size_t)cfg->buckets * (size_t)cfg->rows > 4096)
		return SL_EINVAL;
	m->cfg = *cfg;
	m->nperm = (size_t)cfg->buckets * (size_t)cfg->rows;
	m->a = malloc(m->nperm * sizeof(uint64_t));
	m->b = malloc(m->nperm * sizeof(uint64_t));
	if (!m->a || !m->b) {
		dd_minhash_release(m);
		return SL_ENOMEM;
	}
	np_mt19937_seed(&st, cfg->seed);
	np_randint_u64(&st, 1, DD_MERSENNE61, m->nperm, m->a);
	np_randint_u64(&st, 0, DD_MERSENNE61, m->nperm, m->b);
	dd_norm_init(&m->norm);
	buf_init(&m->text, 0);
	return 0;
}

void dd_minhash_trim(struct dd_minhash *m)
{
	free(m->off);
	free(m->sh);
	m->off = NULL;
	m->sh = NULL;
	m->offcap = m->shcap = m->nsh = 0;
	dd_norm_release(&m->norm);
	buf_release(&m->text);
}

void dd_minhash_release(struct dd_minhash *m)
{
	free(m->a);
	free(m->b);
	free(m->off);
	free(m->sh);
	dd_norm_release(&m->norm);
	buf_release(&m->text);
	m->a = m->b = m->sh = NULL;
	m->off = NULL;
	m->offcap = m->shcap = m->nsh = 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t c = *cap ? *cap : 256;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return SL_ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static uint64_t shingle_hash(const struct dd_minhash *m, const char *s, size_t n)
{
	if (m->cfg.hash == DD_HASH_SHA1)
		return dd_sha1_64(s, n);
	return XXH64(s, n, 0);
}

int dd_minhash_shingles(struct dd_minhash *m, const char *s, size_t n)
{
	const char *t;
	size_t tn, nt = 0, i, k = (size_t)m->cfg.ngram;
	int rc;

	m->nsh = 0;
	buf_reset(&m->text);
	if ((rc = dd_simplify(&m->norm, s, n, DD_NORM_COLLAPSE, &m->text)))
		return rc;
	t = m->text.ptr;
	tn = m->text.len;
	if ((rc = grow((void **)&m->off, &m->offcap, tn + 2, sizeof(size_t))))
		return rc;
	if (m->cfg.shingle == DD_SHINGLE_WORDS) {
		/* token starts; the collapsed text has single spaces between
		 * tokens and none at the ends.  off[nt] is one past the end
		 * plus one, so a token ends at off[i + 1] - 1. */
		if (tn) {
			m->off[nt++] = 0;
			for (i = 0; i < tn; i++)
				if (t[i] == ' ')
					m->off[nt++] = i + 1;
		}
		m->off[nt] = tn + 1;
	} else {
		for (i = 0; i < tn; i++)
			if (((unsigned char)t[i] & 0xc0) != 0x80)
				m->off[nt++] = i;
		m->off[nt] = tn;
	}
	if (nt < k)
		return 0;
	if ((rc = grow((void **)&m->sh, &m->shcap, nt - k + 1, sizeof(uint64_t))))
		return rc;
	for (i = 0; i + k <= nt; i++) {
		size_t end = m->off[i + k] - (m->cfg.shingle == DD_SHINGLE_WORDS);
		m->sh[i] = shingle_hash(m, t + m->off[i], end - m->off[i]);
	}
	m->nsh = nt - k + 1;
	return 0;
}

static inline uint64_t min64(uint64_t x, uint64_t y) { return x < y ? x : y; }

/* (h * a + b) mod 2^61-1 with numpy's uint64 wrap-around before the mod. */
static inline uint64_t perm(uint64_t h, uint64_t a, uint64_t b)
{
	uint64_t v = h * a + b;
	v = (v & DD_MERSENNE61) + (v >> 61);
	/* v <= P + 7: subtract P once when v >= P (v - P wraps otherwise) */
	return min64(v, v - DD_MERSENNE61);
}

/* The kernel: four shingles at a time against every permutation, written
 * so the compiler vectorizes the loop over permutations; built for AVX-512
 * (vpmullq), AVX2 and plain x86-64, chosen when the program starts. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define DD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DD_CLONES
#endif

DD_CLONES
static void signature_kernel(const uint64_t *restrict a, const uint64_t *restrict b, size_t np,
			     const uint64_t *restrict h, size_t nh, uint64_t *restrict sig)
{
	size_t i, j;

	for (j = 0; j < np; j++)
		sig[j] = UINT64_MAX;
	for (i = 0; i + 4 <= nh; i += 4) {
		uint64_t h0 = h[i], h1 = h[i + 1], h2 = h[i + 2], h3 = h[i + 3];
		for (j = 0; j < np; j++) {
			uint64_t v = min64(min64(perm(h0, a[j], b[j]), perm(h1, a[j], b[j])),
					   min64(perm(h2, a[j], b[j]), perm(h3, a[j], b[j])));
			sig[j] = min64(sig[j], v);
		}
	}
	for (; i < nh; i++) {
		uint64_t h0 = h[i];
		for (j = 0; j < np; j++)
			sig[j] = min64(sig[j], perm(h0, a[j], b[j]));
	}
}

void dd_minhash_signature(const struct dd_minhash *m, const uint64_t *h, size_t nh, uint64_t *sig)
{
	signature_kernel(m->a, m->b, m->nperm, h, nh, sig);
}

int dd_minhash_sign(struct dd_minhash *m, const char *s, size_t n, uint64_t *sig)
{
	int rc = dd_minhash_shingles(m, s, n);

	if (rc)
		return rc;
	if (!m->nsh)
		return 0;
	dd_minhash_signature(m, m->sh, m->nsh, sig);
	return 1;
}
