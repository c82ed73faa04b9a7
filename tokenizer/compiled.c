/*
 * compiled.c - a loaded vocabulary as bytes and back (bpe.h): the tables
 * that loading a tokenizer.json or a rank file builds, written out as they
 * are, so that a cache of them (cmd/tok.c) makes the next start a read
 * instead of a parse.
 *
 * Layout (host byte order, checked by a marker): the magic, a header of
 * counts, the arrays one after the other, and an XXH3-64 of everything
 * before it.  A file from anywhere is checked before it is used: the
 * checksum, every length against what is left, every id and pair number
 * against the tables they index, an empty slot in each open-addressing
 * table (lookups stop at one), the pattern compiling.  What fails is
 * SL_EFORMAT, never a crash or an unbounded loop.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bpe_impl.h"
#include "error.h"

#define MAGIC "SLBPEC2\n"
#define ENDIAN 0x0102030405060708ull
#define ABSENT UINT32_MAX


#define F_WHOLE 1u
#define F_PREFIX_SPACE 2u
#define F_PATTERN 4u

/* The number of pair numbers in use: pres[] has that many entries. */
static uint32_t count_pres(const struct bpe *b)
{
	uint32_t n = 0, v;
	size_t i;
	for (i = 0; i <= b->tmask; i++)
		if (b->ptab[i] != BPE_T_EMPTY && (v = (uint32_t)b->ptab[i] & ((1u << BPE_V_BITS) - 1)) + 1 > n)
			n = v + 1;
	return n;
}

int bpe_compile(const struct bpe *b, struct buf *out)
{
	struct bpe_compiled_hdr h;
	size_t i;
	int rc = 0;
	uint64_t sum;
	if (!b->ptab || !b->pres || !b->smap)
		return SL_EINVAL;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MAGIC, 8);
	h.endian = ENDIAN;
	h.ntok = b->ntok;
	h.npres = count_pres(b);
	h.nspec = (uint32_t)b->nspec;
	h.flags = (b->whole ? F_WHOLE : 0) | (b->prefix_space ? F_PREFIX_SPACE : 0) | (b->pattern ? F_PATTERN : 0);
	h.nbytes = b->bytes.len;
	h.smask = b->smask;
	h.fmask = b->fmask;
	h.tmask = b->tmask;
	h.tshift = (uint32_t)b->tshift;
	h.npattern = b->pattern ? strlen(b->pattern) : 0;
	buf_reset(out);
#define PUT(p, n) do { if (!rc) rc = buf_add(out, (p), (n)); } while (0)
	PUT(&h, sizeof(h));
	PUT(b->off, (size_t)b->ntok * sizeof(*b->off));
	PUT(b->len, (size_t)b->ntok * sizeof(*b->len));
	PUT(b->bytes.ptr, b->bytes.len);
	PUT(b->smap, (b->smask + 1) * 2 * sizeof(*b->smap));
	PUT(b->tbits, (b->fmask + 1) / 64 * sizeof(*b->tbits));
	PUT(b->ptab, (b->tmask + 1) * sizeof(*b->ptab));
	PUT(b->pres, (size_t)h.npres * sizeof(*b->pres));
	PUT(b->byte_id, sizeof(b->byte_id));
	if (b->pattern)
		PUT(b->pattern, h.npattern);
	for (i = 0; i < b->nspec; i++) {
		uint32_t id = b->sid[i], n = (uint32_t)strlen(b->stext[i]);
		PUT(&id, 4);
		PUT(&n, 4);
		PUT(b->stext[i], n);
	}
#undef PUT
	if (rc)
		return rc;
	sum = XXH3_64bits(out->ptr, out->len);
	return buf_add(out, &sum, sizeof(sum));
}

struct rd {
	const unsigned char *p;
	size_t left;
};

/* n bytes copied into a fresh allocation (of at least 1 byte), or NULL;
 * the header check has made sure that every fixed section fits, so the
 * length test here is a second line only */
static void *take(struct rd *r, uint64_t n, int *rc)
{
	void *m;
	if (*rc)
		return NULL;
	if (n > r->left) {
		*rc = SL_EFORMAT;
		return NULL;
	}
	if (!(m = malloc(n ? n : 1))) {
		*rc = SL_ENOMEM;
		return NULL;
	}
	memcpy(m, r->p, n);
	r->p += n;
	r->left -= n;
	return m;
}

static int pow2_mask(uint64_t m) { return m >= 63 && m < ((uint64_t)1 << 40) && ((m + 1) & m) == 0; }

/* The longest run of taken slots in an open-addressing table of
 * mask + 1 slots (wrapping around), given which are empty; and how many
 * are taken.  Lookups probe to the end of a run: the loaders keep tables
 * at most half full, with runs of a few dozen (cl100k_base 22, Llama 3 35);
 * a file whose tables are fuller or more clustered is refused, so that a
 * crafted one cannot make every lookup walk the whole table. */
#define MAX_RUN 256

static int runs_ok(size_t mask, const void *tab, int (*empty)(const void *, size_t))
{
	size_t i, run = 0, first = SIZE_MAX, used = 0;
	for (i = 0; i <= mask; i++) {
		if (empty(tab, i)) {
			if (first == SIZE_MAX)
				first = i;
			run = 0;
		} else if (++used, ++run > MAX_RUN) {
			return 0;
		}
	}
	/* the run that wraps: the tail's run continues at slot 0 */
	if (first == SIZE_MAX || run + first > MAX_RUN)
		return 0;
	return used <= (mask + 1) / 2;
}

static int smap_empty(const void *t, size_t i) { return ((const uint32_t *)t)[2 * i] == 0; }
static int ptab_empty(const void *t, size_t i) { return ((const uint64_t *)t)[i] == BPE_T_EMPTY; }

static int present(const struct bpe *b, uint32_t t) { return t < b->ntok && b->len[t] != ABSENT; }

/* every check of the tables; 0 or the reason */
static const char *check(const struct bpe *b, const struct bpe_compiled_hdr *h)
{
	size_t i;
	uint32_t t;
	for (t = 0; t < b->ntok; t++)
		if (b->len[t] != ABSENT && (b->off[t] > h->nbytes || b->len[t] > h->nbytes - b->off[t]))
			return "token bytes out of range";
	for (i = 0; i <= b->smask; i++)
		if (b->smap[2 * i] != 0 && !present(b, b->smap[2 * i] - 1))
			return "token map entry out of range";
	if (!runs_ok(b->smask, b->smap, smap_empty))
		return "token map too full";
	for (i = 0; i <= b->tmask; i++) {
		uint64_t e = b->ptab[i];
		if (e != BPE_T_EMPTY && ((uint32_t)e & ((1u << BPE_V_BITS) - 1)) >= h->npres)
			return "pair table entry out of range";
	}
	if (!runs_ok(b->tmask, b->ptab, ptab_empty))
		return "pair table too full";
	for (i = 0; i < h->npres; i++)
		if (!present(b, b->pres[i]))
			return "merge result out of range";
	for (i = 0; i < 256; i++)
		if (!present(b, b->byte_id[i]) || b->len[b->byte_id[i]] != 1 ||
		    (unsigned char)b->bytes.ptr[b->off[b->byte_id[i]]] != i)
			return "byte token wrong";
	return NULL;
}

int bpe_load_compiled(struct bpe **out, const void *data, size_t n, struct bpe_err *err)
{
	struct rd r = { data, n };
	struct bpe_compiled_hdr h;
	struct bpe *b = NULL;
	char *pattern = NULL;
	uint64_t sum;
	uint32_t i;
	int rc;

	*out = NULL;
	err->msg = "not a compiled vocabulary";
	err->line = 0;
	if (n < sizeof(h) + sizeof(sum))
		return SL_EFORMAT;
	memcpy(&sum, (const char *)data + n - sizeof(sum), sizeof(sum));
	if (sum != XXH3_64bits(data, n - sizeof(sum)))
		return SL_EFORMAT;
	r.left -= sizeof(sum);
	memcpy(&h, r.p, sizeof(h));
	r.p += sizeof(h);
	r.left -= sizeof(h);
	if (memcmp(h.magic, MAGIC, 8) || h.endian != ENDIAN || (h.flags & ~(F_WHOLE | F_PREFIX_SPACE | F_PATTERN)) ||
	    h.pad || h.ntok < 256 || h.ntok > BPE_MAX_ID ||
	    h.npres > BPE_MAX_ID || h.nbytes > UINT32_MAX || !pow2_mask(h.smask) || h.fmask != h.smask * 4 + 3 ||
	    !pow2_mask(h.tmask) || h.tshift != 64 - (uint32_t)__builtin_popcountll(h.tmask) ||
	    h.npattern > r.left || h.nspec > h.ntok + 1024)
		return SL_EFORMAT;
	/* the fixed-size arrays must fit before anything is allocated */
	{
		unsigned __int128 need = (unsigned __int128)h.ntok * 8 + h.nbytes + (h.smask + 1) * 8 +
					 (h.fmask + 1) / 8 + (h.tmask + 1) * 8 + (uint64_t)h.npres * 4 +
					 256 * 4 + h.npattern + (uint64_t)h.nspec * 8;
		if (need > r.left)
			return SL_EFORMAT;
	}
	if ((rc = bpe_new_(&b)))
		return rc;
	rc = 0;
	b->ntok = b->idcap = h.ntok;
	b->off = take(&r, (uint64_t)h.ntok * 4, &rc);
	b->len = take(&r, (uint64_t)h.ntok * 4, &rc);
	if (!rc && h.nbytes && (rc = buf_add(&b->bytes, r.p, h.nbytes)) == 0) {
		r.p += h.nbytes;
		r.left -= h.nbytes;
	}
	b->smap = take(&r, (h.smask + 1) * 8, &rc);
	b->smask = h.smask;
	b->tbits = take(&r, (h.fmask + 1) / 8, &rc);
	b->fmask = h.fmask;
	b->ptab = take(&r, (h.tmask + 1) * 8, &rc);
	b->tmask = h.tmask;
	b->tshift = (int)h.tshift;
	b->pres = take(&r, (uint64_t)h.npres * 4, &rc);
	if (!rc) {
		memcpy(b->byte_id, r.p, sizeof(b->byte_id));
		r.p += sizeof(b->byte_id);
		r.left -= sizeof(b->byte_id);
	}
	b->whole = !!(h.flags & F_WHOLE);
	b->prefix_space = !!(h.flags & F_PREFIX_SPACE);
	if (!rc && (h.flags & F_PATTERN)) {
		if (!(pattern = malloc(h.npattern + 1))) {
			rc = SL_ENOMEM;
		} else {
			memcpy(pattern, r.p, h.npattern); /* npattern <= r.left: checked above */
			pattern[h.npattern] = '\0';
			r.p += h.npattern;
			r.left -= h.npattern;
			if (strlen(pattern) != h.npattern)
				rc = SL_EFORMAT;
		}
	}
	for (i = 0; !rc && i < h.nspec; i++) {
		uint32_t id, sn;
		if (r.left < 8) {
			rc = SL_EFORMAT;
			break;
		}
		memcpy(&id, r.p, 4);
		memcpy(&sn, r.p + 4, 4);
		r.p += 8;
		r.left -= 8;
		if (sn > r.left || memchr(r.p, '\0', sn) || id >= BPE_MAX_ID) {
			rc = SL_EFORMAT;
			break;
		}
		rc = bpe_add_special_(b, (const char *)r.p, sn, id);
		r.p += sn;
		r.left -= sn;
	}
	if (!rc && r.left)
		rc = SL_EFORMAT; /* bytes after the last section */
	if (!rc && (err->msg = check(b, &h)) != NULL)
		rc = SL_EFORMAT;
	/* the first round's table, from the checked pair table (256 KB that
	 * the file need not hold) */
	if (!rc)
		rc = bpe_byte_pairs_(b);
	if (!rc) {
		err->msg = NULL;
		if (pattern && (rc = bpe_set_pattern_(b, pattern, err)))
			err->msg = err->msg ? err->msg : "the split pattern does not compile";
	} else if (rc == SL_EFORMAT && !err->msg) {
		err->msg = "not a compiled vocabulary";
	}
	free(pattern);
	if (rc) {
		bpe_free(b);
		return rc;
	}
	*out = b;
	return 0;
}
