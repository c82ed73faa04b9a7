/*
 * test_bpe.c - the BPE core: the merge loops against a literal port of
 * tiktoken's _byte_pair_merge, loaders on truncated and garbage input,
 * decoding, and a small hand-made tokenizer.json.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bpe_impl.h"
#include "check.h"
#include "error.h"

/* tiktoken's _byte_pair_merge, literally (quadratic): parts by start
 * offset, the rank of each adjacent concatenation, merge the leftmost
 * lowest until none has a rank; then each part is looked up. */
static size_t ref_merge(const struct bpe *b, const unsigned char *s, size_t n, uint32_t *out)
{
	size_t *start = malloc((n + 1) * sizeof(*start)), m = n + 1, i, k = 0;
	int64_t w = bpe_lookup_(b, s, n);
	if (w >= 0 && n > 0) {
		out[0] = (uint32_t)w;
		free(start);
		return 1;
	}
	for (i = 0; i <= n; i++)
		start[i] = i;
	for (;;) {
		int64_t best = -1;
		size_t bi = 0;
		for (i = 0; i + 2 < m; i++) {
			int64_t r = bpe_lookup_(b, s + start[i], start[i + 2] - start[i]);
			if (r >= 0 && (best < 0 || r < best)) {
				best = r;
				bi = i;
			}
		}
		if (best < 0)
			break;
		memmove(start + bi + 1, start + bi + 2, (m - bi - 2) * sizeof(*start));
		m--;
	}
	for (i = 0; i + 1 < m; i++)
		out[k++] = (uint32_t)bpe_lookup_(b, s + start[i], start[i + 1] - start[i]);
	free(start);
	return k;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	if (fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return p;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_merge(const struct bpe *b)
{
	struct bpe_work *w;
	struct bpe_ids ids = { 0 };
	static const char *alpha[] = { "ab", "a b", "the quick", "\xe4\xb8\x80\xe4\xba\x8c", "0123456789",
				       "  \n", "aaaaab", "\xf0\x9f\x98\x80x" };
	uint32_t *ref = malloc(4096 * sizeof(*ref));
	unsigned char s[2048];
	int iter, mismatches = 0;
	CHECK(bpe_work_new(b, &w) == 0);
	for (iter = 0; iter < 3000; iter++) {
		const char *a = alpha[rnd() % 8];
		size_t al = strlen(a), n = 1 + rnd() % (iter % 10 == 0 ? 2000 : 120), i, k;
		for (i = 0; i < n; i++)
			s[i] = (unsigned char)(rnd() % 16 == 0 ? rnd() : (unsigned)a[rnd() % al]);
		ids.n = 0;
		CHECK(bpe_encode_piece(b, w, s, n, &ids) == 0);
		k = ref_merge(b, s, n, ref);
		if (k != ids.n || memcmp(ref, ids.v, k * sizeof(*ref)))
			mismatches++;
	}
	CHECK_INT(mismatches, 0);
	bpe_ids_release(&ids);
	bpe_work_free(w);
	free(ref);
}

static void b64(struct buf *out, const unsigned char *s, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf_addf(out, "%c%c%c%c", a[v >> 18], a[v >> 12 & 63], a[v >> 6 & 63], a[v & 63]);
	}
	if (n - i == 1)
		buf_addf(out, "%c%c==", a[s[i] >> 2], a[(s[i] & 3) << 4]);
	else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];
		buf_addf(out, "%c%c%c=", a[v >> 10], a[v >> 4 & 63], a[(v & 15) << 2]);
	}
}

/* Rank files whose ranks do not follow how the tokens are built: a token
 * may rank below the tokens it splits into, so that merges of lower rank
 * cannot make it (the loader then keeps every split of it).  Encoding must
 * equal tiktoken's literal algorithm (ref_merge) on random strings. */
static void test_shuffled_ranks(void)
{
	int round, mism = 0, odd = 0;
	for (round = 0; round < 30; round++) {
		struct buf f = BUF_INIT;
		struct bpe *b = NULL;
		struct bpe_err err;
		struct bpe_work *w = NULL;
		struct bpe_ids ids = { 0 };
		char tok[300][8];
		int nt = 0, i, k;
		uint32_t ref[64], rank[300];
		unsigned char s[40];
		/* 2..5 letters of "abcd", distinct */
		while (nt < 120 + (int)(rnd() % 150)) {
			int len = 2 + (int)(rnd() % 4);
			for (i = 0; i < len; i++)
				tok[nt][i] = (char)('a' + rnd() % 4);
			tok[nt][len] = '\0';
			for (k = 0; k < nt && strcmp(tok[k], tok[nt]); k++)
				;
			if (k == nt)
				nt++;
		}
		/* ranks 256.. in a random order */
		for (i = 0; i < nt; i++)
			rank[i] = 256 + (uint32_t)i;
		for (i = nt - 1; i > 0; i--) {
			int j = (int)(rnd() % (uint32_t)(i + 1));
			uint32_t t = rank[i];
			rank[i] = rank[j];
			rank[j] = t;
		}
		for (i = 0; i < 256; i++) {
			unsigned char c = (unsigned char)i;
			b64(&f, &c, 1);
			buf_addf(&f, " %d\n", i);
		}
		for (i = 0; i < nt; i++) {
			b64(&f, (const unsigned char *)tok[i], strlen(tok[i]));
			buf_addf(&f, " %u\n", rank[i]);
		}
		CHECK(bpe_load_tiktoken_mem(&b, f.ptr, f.len, NULL, NULL, NULL, 0, &err) == 0);
		if (b && bpe_work_new(b, &w) == 0) {
			for (k = 0; k < 400; k++) {
				size_t n = 1 + rnd() % 30, m;
				for (i = 0; i < (int)n; i++)
					s[i] = (unsigned char)(rnd() % 9 == 0 ? 'e' : 'a' + rnd() % 4);
				ids.n = 0;
				CHECK(bpe_encode_piece(b, w, s, n, &ids) == 0);
				m = ref_merge(b, s, n, ref);
				if (m != ids.n || memcmp(ref, ids.v, m * sizeof(*ref)))
					mism++;
			}
			/* how many tokens cannot be made from lower ranks (the
			 * fallback the test is for) */
			for (i = 0; i < nt; i++) {
				size_t len = strlen(tok[i]);
				for (k = 1; k < (int)len; k++) {
					int64_t l = bpe_lookup_(b, tok[i], (size_t)k), r = bpe_lookup_(b, tok[i] + k, len - (size_t)k);
					if (l >= 0 && r >= 0 && (l > rank[i] || r > rank[i])) {
						odd++;
						break;
					}
				}
			}
		}
		bpe_ids_release(&ids);
		bpe_work_free(w);
		bpe_free(b);
		buf_release(&f);
	}
	CHECK_INT(mism, 0);
	CHECK(odd > 100);
}

static void test_truncated_ranks(const char *data, size_t n)
{
	int i, ok = 0, fmt = 0;
	char *copy = malloc(n);
	for (i = 0; i < 40; i++) {
		size_t cut = rnd() % n;
		struct bpe *b = NULL;
		struct bpe_err err;
		int rc = bpe_load_tiktoken_mem(&b, data, cut, "\\p{L}+|.", NULL, NULL, 0, &err);
		CHECK(rc == 0 || (rc == SL_EFORMAT && err.msg));
		ok += rc == 0;
		fmt += rc == SL_EFORMAT;
		bpe_free(b);
		/* garbage: flip bytes */
		memcpy(copy, data, n);
		copy[rnd() % n] = (char)rnd();
		copy[rnd() % n] = (char)rnd();
		b = NULL;
		rc = bpe_load_tiktoken_mem(&b, copy, n, "\\p{L}+|.", NULL, NULL, 0, &err);
		CHECK(rc == 0 || (rc == SL_EFORMAT && err.msg));
		bpe_free(b);
	}
	CHECK(fmt > 0);
	free(copy);
}

/* The 256 byte tokens of a byte-level tokenizer.json vocabulary, ids
 * 0..255, as GPT-2 writes them (each byte as the character it stands
 * for), members separated by sep. */
static void hf_byte_vocab(struct buf *j, const char *sep)
{
	int c, n = 0;
	for (c = 0; c < 256; c++) {
		int cp = c;
		char u[8];
		if (!((c >= '!' && c <= '~') || (c >= 0xa1 && c <= 0xac) || (c >= 0xae && c <= 0xff)))
			cp = 256 + n++;
		if (cp == '"' || cp == '\\')
			snprintf(u, sizeof(u), "\\%c", cp);
		else if (cp < 0x80)
			snprintf(u, sizeof(u), "%c", cp);
		else
			snprintf(u, sizeof(u), "%c%c", 0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
		buf_addf(j, "%s\"%s\":%d", c ? sep : "", u, c);
	}
}

/* A byte-level tokenizer.json small enough to cut at every byte: the 256
 * bytes (GPT-2's byte-to-unicode mapping) plus merges "a b", "ab c". */

/* ---- the compiled form (tokenizer/compiled.c) ---- */

/* the same encodings, specials and decodings from b and from its compiled
 * form loaded back */
/* Every two-byte piece, and every byte pair followed by a third byte of a
 * few, merged as tiktoken's literal loop merges them: the first round's
 * dense table (bpe_byte_pairs_, derived from the pair table, and again
 * when loading a compiled file) gives exactly the pair lookups' answers. */
static size_t byte_pair_mismatches(const struct bpe *b)
{
	struct bpe_work *w;
	struct bpe_ids ids = { 0 };
	uint32_t ref[4];
	static const unsigned char third[] = { 'e', ' ', '\n', 0xa0, 0x80 };
	size_t bad = 0, i, t, k;
	unsigned char s[3];
	if (bpe_work_new(b, &w))
		return 1;
	for (i = 0; i < 65536; i++)
		for (t = 0; t <= sizeof(third); t++) {
			s[0] = (unsigned char)(i >> 8);
			s[1] = (unsigned char)i;
			if (t)
				s[2] = third[t - 1];
			ids.n = 0;
			if (bpe_encode_piece(b, w, s, t ? 3 : 2, &ids)) {
				bad++;
				continue;
			}
			k = ref_merge(b, s, t ? 3 : 2, ref);
			bad += k != ids.n || memcmp(ref, ids.v, k * sizeof(*ref));
		}
	bpe_ids_release(&ids);
	bpe_work_free(w);
	return bad;
}

static void same_as_compiled(const struct bpe *b, const char *const *texts, size_t nt)
{
	struct buf c = BUF_INIT, d1 = BUF_INIT, d2 = BUF_INIT;
	struct bpe *b2 = NULL;
	struct bpe_err err;
	struct bpe_work *w1, *w2;
	struct bpe_ids i1 = { 0 }, i2 = { 0 };
	size_t t, k;
	CHECK_INT(bpe_compile(b, &c), 0);
	CHECK_INT(bpe_load_compiled(&b2, c.ptr, c.len, &err), 0);
	if (!b2) {
		buf_release(&c);
		return;
	}
	CHECK_INT(bpe_vocab_size(b2), bpe_vocab_size(b));
	CHECK_INT(byte_pair_mismatches(b2), 0);
	for (k = 0; k < b->nspec; k++)
		CHECK_INT(bpe_special(b2, b->stext[k]), b->sid[k]);
	CHECK(bpe_work_new(b, &w1) == 0 && bpe_work_new(b2, &w2) == 0);
	for (t = 0; t < nt; t++) {
		i1.n = i2.n = 0;
		CHECK(bpe_encode(b, w1, texts[t], strlen(texts[t]), &i1) == 0);
		CHECK(bpe_encode(b2, w2, texts[t], strlen(texts[t]), &i2) == 0);
		CHECK(i1.n == i2.n && !memcmp(i1.v, i2.v, i1.n * sizeof(*i1.v)));
		buf_reset(&d1);
		buf_reset(&d2);
		CHECK(bpe_decode(b2, i2.v, i2.n, &d2, NULL) == 0 && bpe_decode(b, i1.v, i1.n, &d1, NULL) == 0);
		CHECK(d1.len == d2.len && !memcmp(d1.ptr, d2.ptr, d1.len));
	}
	/* compiling what was loaded gives the same bytes */
	buf_reset(&d1);
	CHECK_INT(bpe_compile(b2, &d1), 0);
	CHECK(d1.len == c.len && !memcmp(d1.ptr, c.ptr, c.len));
	bpe_work_free(w1);
	bpe_work_free(w2);
	bpe_ids_release(&i1);
	bpe_ids_release(&i2);
	bpe_free(b2);
	buf_release(&c);
	buf_release(&d1);
	buf_release(&d2);
}


static void reseal(struct buf *c)
{
	uint64_t sum = XXH3_64bits(c->ptr, c->len - 8);
	memcpy(c->ptr + c->len - 8, &sum, 8);
}

/* a copy of good with `edit` applied (then resealed), must be refused */
static void refused(const struct buf *good, size_t at, const void *bytes, size_t n, const char *what)
{
	struct buf c = BUF_INIT;
	struct bpe *b = (struct bpe *)1;
	struct bpe_err err;
	int rc;
	buf_add(&c, good->ptr, good->len);
	memcpy(c.ptr + at, bytes, n);
	reseal(&c);
	rc = bpe_load_compiled(&b, c.ptr, c.len, &err);
	if (rc != SL_EFORMAT || b != NULL || !err.msg)
		fprintf(stderr, "FAIL: compiled form with %s: rc %d\n", what, rc);
	CHECK_INT(rc, SL_EFORMAT);
	buf_release(&c);
}

static void test_compiled_bad(const struct bpe *b)
{
	struct buf good = BUF_INIT, c = BUF_INIT;
	struct bpe_compiled_hdr h;
	struct bpe *x;
	struct bpe_err err;
	size_t off_off, len_off, bytes_off, smap_off, tbits_off, ptab_off, pres_off, byte_id_off, pat_off, cut,
		i, bad = 0;
	uint32_t u;
	uint64_t q;
	CHECK_INT(bpe_compile(b, &good), 0);
	memcpy(&h, good.ptr, sizeof(h));
	off_off = sizeof(h);
	len_off = off_off + 4 * (size_t)h.ntok;
	bytes_off = len_off + 4 * (size_t)h.ntok;
	smap_off = bytes_off + h.nbytes;
	tbits_off = smap_off + (h.smask + 1) * 8;
	ptab_off = tbits_off + (h.fmask + 1) / 8;
	pres_off = ptab_off + (h.tmask + 1) * 8;
	byte_id_off = pres_off + 4 * (size_t)h.npres;
	pat_off = byte_id_off + 1024;
	/* truncations (a spread of them: every one re-hashes the file), as
	 * they are and resealed (a checksum of what is left: the lengths must
	 * catch them), and single flipped bytes: the checksum */
	for (cut = 0; cut < good.len; cut += cut < 256 ? 1 : 4099) {
		x = NULL;
		if (bpe_load_compiled(&x, good.ptr, cut, &err) != SL_EFORMAT || x)
			bad++;
		if (cut >= 8) {
			buf_reset(&c);
			buf_add(&c, good.ptr, cut);
			reseal(&c);
			x = NULL;
			if (bpe_load_compiled(&x, c.ptr, c.len, &err) != SL_EFORMAT || x)
				bad++;
		}
	}
	for (i = 0; i < 300; i++) {
		buf_reset(&c);
		buf_add(&c, good.ptr, good.len);
		c.ptr[rnd() % c.len] ^= (char)(1 + rnd() % 255);
		x = NULL;
		if (bpe_load_compiled(&x, c.ptr, c.len, &err) != SL_EFORMAT || x)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* sealed, but wrong inside */
	u = h.ntok + 5;
	refused(&good, smap_off, &u, 4, "a token map entry past the last id");
	q = ((uint64_t)1 << 22) - 2; /* v beyond npres, key 0 */
	refused(&good, ptab_off, &q, 8, "a pair number past the merges");
	u = h.ntok;
	refused(&good, pres_off, &u, 4, "a merge result past the last id");
	refused(&good, byte_id_off + 4 * 97, &u, 4, "a byte token past the last id");
	u = (uint32_t)h.nbytes;
	refused(&good, off_off + 4 * 300, &u, 4, "token bytes past the end");
	u = 1;
	refused(&good, 8, &u, 4, "another byte order marker");
	q = h.smask + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, smask), &q, 8, "a table size that is not a power of two");
	q = h.npattern + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, npattern), &q, 8, "a pattern longer than the file");
	if (h.npattern) {
		refused(&good, pat_off, "(", 1, "a pattern that does not compile");
		refused(&good, pat_off + 1, "", 1, "a NUL inside the pattern");
	}
	/* each header field out of its range */
	u = 255;
	refused(&good, offsetof(struct bpe_compiled_hdr, ntok), &u, 4, "fewer tokens than bytes");
	u = (1u << 21) + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, ntok), &u, 4, "more tokens than ids");
	refused(&good, offsetof(struct bpe_compiled_hdr, npres), &u, 4, "more merges than ids");
	u = UINT32_MAX;
	refused(&good, offsetof(struct bpe_compiled_hdr, nspec), &u, 4, "a huge number of specials");
	u = 8;
	refused(&good, offsetof(struct bpe_compiled_hdr, flags), &u, 4, "an unknown flag");
	u = 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, pad), &u, 4, "a non-zero pad");
	q = (uint64_t)1 << 33;
	refused(&good, offsetof(struct bpe_compiled_hdr, nbytes), &q, 8, "more token bytes than 4 GB");
	q = h.nbytes + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, nbytes), &q, 8, "more token bytes than the file holds");
	q = h.fmask * 2 + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, fmask), &q, 8, "a filter that does not match the map");
	q = h.tmask * 2 + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, tmask), &q, 8, "a pair table larger than the file holds");
	u = h.tshift + 1;
	refused(&good, offsetof(struct bpe_compiled_hdr, tshift), &u, 4, "a pair hash shift that does not match");
	/* tables wrong inside */
	if (h.ntok > 260) {
		u = 260; /* an id without bytes (259..299 are gaps in this vocabulary) */
		refused(&good, pres_off, &u, 4, "a merge making a token that is absent");
		u = 261;
		for (i = 0; i <= h.smask; i++) {
			uint32_t e;
			memcpy(&e, good.ptr + smap_off + 8 * i, 4);
			if (e == 0) {
				refused(&good, smap_off + 8 * i, &u, 4, "a token map entry of an absent token");
				break;
			}
		}
	}
	memcpy(&u, good.ptr + byte_id_off + 4 * 'a', 4);
	refused(&good, byte_id_off + 4 * 'b', &u, 4, "a byte's token that is another byte");
	{
		uint32_t id = 1u << 21;
		size_t sp = pat_off + h.npattern;
		if (h.nspec)
			refused(&good, sp, &id, 4, "a special id past every id");
	}
	{
		/* a filter mask that is not the map's, with a filter section of
		 * the size it names (so the layout is consistent): fmask 5 names
		 * no whole word, and a lookup would read past the filter */
		uint64_t fm = 5;
		buf_reset(&c);
		buf_add(&c, good.ptr, tbits_off);
		buf_add(&c, good.ptr + ptab_off, good.len - ptab_off);
		memcpy(c.ptr + offsetof(struct bpe_compiled_hdr, fmask), &fm, 8);
		reseal(&c);
		x = NULL;
		CHECK_INT(bpe_load_compiled(&x, c.ptr, c.len, &err), SL_EFORMAT);
		bpe_free(x);
	}
	{
		/* a table more than half full (a run of taken slots from 0) */
		size_t k, filled = 0;
		buf_reset(&c);
		buf_add(&c, good.ptr, good.len);
		for (k = 0; k <= h.smask && filled < (h.smask + 1) / 2 + 1; k++) {
			uint32_t e[2];
			memcpy(e, c.ptr + smap_off + 8 * k, 8);
			if (e[0] == 0) {
				e[0] = 1 + 'q';
				e[1] = 12345;
				memcpy(c.ptr + smap_off + 8 * k, e, 8);
			}
			filled++;
		}
		reseal(&c);
		x = NULL;
		CHECK_INT(bpe_load_compiled(&x, c.ptr, c.len, &err), SL_EFORMAT);
	}
	{
		/* every pair slot taken: a lookup would never stop */
		buf_reset(&c);
		buf_add(&c, good.ptr, good.len);
		for (i = 0; i <= h.tmask; i++) {
			uint64_t e;
			memcpy(&e, c.ptr + ptab_off + 8 * i, 8);
			if (e == UINT64_MAX) {
				e = (uint64_t)i << 22; /* some key, pair number 0 */
				memcpy(c.ptr + ptab_off + 8 * i, &e, 8);
			}
		}
		reseal(&c);
		x = NULL;
		CHECK_INT(bpe_load_compiled(&x, c.ptr, c.len, &err), SL_EFORMAT);
	}
	{
		/* one byte more at the end */
		buf_reset(&c);
		buf_add(&c, good.ptr, good.len - 8);
		buf_addch(&c, 'x');
		buf_add(&c, "12345678", 8);
		reseal(&c);
		x = NULL;
		CHECK_INT(bpe_load_compiled(&x, c.ptr, c.len, &err), SL_EFORMAT);
	}
	buf_release(&good);
	buf_release(&c);
}

static void test_hf_small(void)
{
	struct buf j = BUF_INIT;
	struct bpe *b = NULL;
	struct bpe_err err;
	struct bpe_work *w;
	struct bpe_ids ids = { 0 };
	struct buf dec = BUF_INIT;
	int rc;
	size_t cut, fails = 0;
	buf_addstr(&j, "{\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":["
		       "{\"type\":\"Split\",\"pattern\":{\"Regex\":\" ?\\\\p{L}+|\\\\s+|.\"},\"behavior\":\"Isolated\",\"invert\":false},"
		       "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}]},"
		       "\"added_tokens\":[{\"id\":300,\"content\":\"<eos>\",\"special\":true}],"
		       "\"model\":{\"type\":\"BPE\",\"ignore_merges\":false,\"vocab\":{");
	hf_byte_vocab(&j, ",");
	buf_addch(&j, ',');
	buf_addstr(&j, "\"ab\":256,\"abc\":257,\"\xc4\xa0" "ab\":258},\"merges\":[\"a b\",[\"ab\",\"c\"],\"\xc4\xa0 ab\"]}}");
	rc = bpe_load_hf_mem(&b, j.ptr, j.len, &err);
	CHECK_INT(rc, 0);
	if (rc) {
		fprintf(stderr, "load: %s\n", err.msg ? err.msg : "?");
		buf_release(&j);
		return;
	}
	CHECK(bpe_work_new(b, &w) == 0);
	CHECK(bpe_encode(b, w, "abc ab abx", 10, &ids) == 0);
	CHECK_INT(ids.n, 4);
	if (ids.n == 4) {
		CHECK_INT(ids.v[0], 257);
		CHECK_INT(ids.v[1], 258);
		CHECK_INT(ids.v[2], 258);
		CHECK_INT(ids.v[3], 'x');
	}
	CHECK_INT(bpe_special(b, "<eos>"), 300);
	CHECK(bpe_decode(b, ids.v, ids.n, &dec, NULL) == 0);
	CHECK_STR(dec.ptr, "abc ab abx");
	{
		uint32_t bad[2] = { 97, 299 };
		size_t at = 9;
		CHECK_INT(bpe_decode(b, bad, 2, &dec, &at), SL_EINVAL);
		CHECK_INT(at, 1);
	}
	{
		static const char *const texts[] = { "abc ab abx", "", " ", "\xff\xfe ab", "<eos> abc" };
		same_as_compiled(b, texts, 5);
		test_compiled_bad(b);
	}
	bpe_work_free(w);
	bpe_free(b);
	/* every truncation is refused cleanly */
	for (cut = 0; cut < j.len; cut++) {
		b = NULL;
		rc = bpe_load_hf_mem(&b, j.ptr, cut, &err);
		if (rc != SL_EFORMAT || !err.msg)
			fails++;
		bpe_free(b);
	}
	CHECK_INT(fails, 0);
	bpe_ids_release(&ids);
	buf_release(&dec);
	buf_release(&j);
}

/* A random tokenizer.json over "abc" whose merges often make a token that
 * another merge makes too (the loader keeps one pair per token): encoding
 * equals a literal Hugging Face merge loop over the merges list, for short
 * pieces and long ones (the heap). */
#define RT_MAX 160
static char rt_tok[RT_MAX][16];
static int rt_ml[400], rt_mr[400], rt_nm, rt_nt;

static int rt_find(const char *s, size_t n)
{
	int i;
	for (i = 0; i < rt_nt; i++)
		if (strlen(rt_tok[i]) == n && !memcmp(rt_tok[i], s, n))
			return i;
	return -1;
}

static size_t rt_ref(const char *s, size_t n, uint32_t *out)
{
	char part[256][256];
	size_t m = n, i, k;
	for (i = 0; i < n; i++) {
		part[i][0] = s[i];
		part[i][1] = '\0';
	}
	for (;;) {
		int best = -1;
		size_t bi = 0;
		for (i = 0; i + 1 < m; i++) {
			int r;
			for (r = 0; r < rt_nm; r++)
				if (!strcmp(rt_tok[rt_ml[r]], part[i]) && !strcmp(rt_tok[rt_mr[r]], part[i + 1]))
					break;
			if (r < rt_nm && (best < 0 || r < best)) {
				best = r;
				bi = i;
			}
		}
		if (best < 0)
			break;
		{
			size_t a = strlen(part[bi]), z = strlen(part[bi + 1]);
			memcpy(part[bi] + a, part[bi + 1], z + 1);
		}
		memmove(part[bi + 1], part[bi + 2], (m - bi - 2) * sizeof(part[0]));
		m--;
	}
	for (k = 0; k < m; k++) {
		int t = rt_find(part[k], strlen(part[k]));
		out[k] = t < 0 ? 9999 : (uint32_t)(t < 3 ? 'a' + t : 256 + t - 3);
	}
	return m;
}

static void test_hf_redundant(void)
{
	int round, mism = 0;
	for (round = 0; round < 20; round++) {
		struct buf j = BUF_INIT;
		struct bpe *b = NULL;
		struct bpe_err err;
		struct bpe_work *w = NULL;
		struct bpe_ids ids = { 0 };
		uint32_t ref[256];
		int k, i;
		rt_nt = 3;
		rt_nm = 0;
		strcpy(rt_tok[0], "a");
		strcpy(rt_tok[1], "b");
		strcpy(rt_tok[2], "c");
		for (k = 0; k < 400 && rt_nm < 400; k++) {
			int x = (int)(rnd() % (uint32_t)rt_nt), y = (int)(rnd() % (uint32_t)rt_nt), t, r;
			char cat[32];
			if (strlen(rt_tok[x]) + strlen(rt_tok[y]) > 12)
				continue;
			snprintf(cat, sizeof(cat), "%s%s", rt_tok[x], rt_tok[y]);
			for (r = 0; r < rt_nm; r++)
				if (rt_ml[r] == x && rt_mr[r] == y)
					break;
			if (r < rt_nm)
				continue;
			t = rt_find(cat, strlen(cat));
			if (t < 0) {
				if (rt_nt == RT_MAX)
					continue;
				strcpy(rt_tok[rt_nt++], cat);
			} else if (rnd() % 2) {
				continue;
			}
			rt_ml[rt_nm] = x;
			rt_mr[rt_nm++] = y;
		}
		buf_addstr(&j, "{\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false},"
			       "\"model\":{\"type\":\"BPE\",\"ignore_merges\":false,\"vocab\":{");
		hf_byte_vocab(&j, ",");
		for (i = 3; i < rt_nt; i++)
			buf_addf(&j, ",\"%s\":%d", rt_tok[i], 256 + i - 3);
		buf_addstr(&j, "},\"merges\":[");
		for (i = 0; i < rt_nm; i++)
			buf_addf(&j, "%s\"%s %s\"", i ? "," : "", rt_tok[rt_ml[i]], rt_tok[rt_mr[i]]);
		buf_addstr(&j, "]}}");
		CHECK_INT(bpe_load_hf_mem(&b, j.ptr, j.len, &err), 0);
		if (!b || bpe_work_new(b, &w)) {
			buf_release(&j);
			bpe_free(b);
			continue;
		}
		for (k = 0; k < 300; k++) {
			unsigned char s[200];
			size_t len = 1 + rnd() % (k % 5 == 0 ? 200 : 40), q, got;
			for (q = 0; q < len; q++)
				s[q] = (unsigned char)('a' + rnd() % 3);
			ids.n = 0;
			CHECK(bpe_encode_piece(b, w, s, len, &ids) == 0);
			got = rt_ref((const char *)s, len, ref);
			if (got != ids.n || memcmp(ref, ids.v, got * sizeof(*ref)))
				mism++;
		}
		bpe_ids_release(&ids);
		bpe_work_free(w);
		bpe_free(b);
		buf_release(&j);
	}
	CHECK_INT(mism, 0);
}

/* The hand-written scanners of the cl100k_base / Llama 3 and o200k_base
 * patterns split exactly as PCRE2 does with the same pattern, on random
 * strings of letters of every case class, numbers, every kind of white
 * space, contractions (with U+017F), marks, slashes, emoji and invalid
 * UTF-8. */
struct pieces {
	const unsigned char *base;
	size_t v[2048];
	size_t n;
};

static int collect(void *ctx, const unsigned char *p, size_t n)
{
	struct pieces *c = ctx;
	if (c->n + 2 <= sizeof(c->v) / sizeof(c->v[0])) {
		c->v[c->n++] = (size_t)(p - c->base);
		c->v[c->n++] = n;
	}
	return 0;
}

static void test_scanner(const char *name, int scan)
{
	static const char *const alpha[] = {
		"a", "Z", "\xc3\xa9", "\xc3\x9f", "\xc5\xbf", "s", "S", "t", "T", "m", "M", "d", "D", "l", "L",
		"r", "R", "e", "E", "v", "V", "x", "'", "\xe2\x80\x99", " ", "  ", "\t", "\n", "\r", "\r\n",
		"\x0b", "\x0c", "\xc2\x85", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\xa8", "\xe1\x9a\x80", "1", "9",
		"\xd9\xa3", "\xe2\x85\xab", "\xc2\xbd", "\xe4\xb8\xad", "\xe3\x83\xbc", "\xf0\x9f\x98\x80",
		"\xcc\x81", ".", ",", "!", "-", "$", "\xe2\x80\x8d", "\x00", "\x80", "\xc3", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xe0\x80\x80", "\xf0\x9f\x98", "\xc0\xaf", "\xff", "\xe4\xb8",
		"\xf0\x90\x8c\xb0", "\xf3\xa0\x80\x81", "\xef\xbf\xbf", "\xd8\xb9", "\xe0\xa4\x95",
		"A", "Q", "\xc3\x89", "\xc7\x85", "\xca\xb0", "\xd7\x90", "\xe0\xa4\x83", "\xe2\x83\x9d",
		"/", "//", "'", "'S", "'ll", "'RE", "\xe1\xbe\x88", "\xf0\x9d\x90\x80", "\xe3\x80\x85",
	};
	const size_t na = sizeof(alpha) / sizeof(alpha[0]);
	const struct bpe_named *nm = bpe_named(name);
	struct bpe *fast = NULL, *slow = NULL;
	struct bpe_work *wf = NULL, *ws = NULL;
	struct bpe_err err;
	static struct pieces pf, ps;
	int iter, mism = 0;
	CHECK(bpe_new_splitter(&fast, nm->pattern, &err) == 0);
	CHECK(bpe_new_splitter(&slow, nm->pattern, &err) == 0);
	if (!fast || !slow)
		return;
	CHECK_INT(fast->scan, scan);
	slow->scan = 0;
	CHECK(bpe_work_new(fast, &wf) == 0 && bpe_work_new(slow, &ws) == 0);
	for (iter = 0; iter < 20000; iter++) {
		unsigned char s[512];
		size_t n = 0, k = 1 + rnd() % 40;
		/* mostly few kinds of characters at a time, so runs form */
		size_t lo = rnd() % na, span = 1 + rnd() % (iter % 3 ? 6 : na);
		while (k--) {
			const char *a = alpha[(lo + rnd() % span) % na];
			size_t al = strlen(a) ? strlen(a) : 1;
			if (n + al > sizeof(s))
				break;
			memcpy(s + n, a, al);
			n += al;
		}
		pf.base = ps.base = s;
		pf.n = ps.n = 0;
		CHECK(bpe_pretokenize(fast, wf, (const char *)s, n, collect, &pf) == 0);
		CHECK(bpe_pretokenize(slow, ws, (const char *)s, n, collect, &ps) == 0);
		if (pf.n != ps.n || memcmp(pf.v, ps.v, pf.n * sizeof(pf.v[0]))) {
			if (mism++ < 3) {
				size_t i;
				fprintf(stderr, "%s scanner differs on:", name);
				for (i = 0; i < n; i++)
					fprintf(stderr, " %02x", s[i]);
				fprintf(stderr, "\n");
			}
		}
	}
	CHECK_INT(mism, 0);
	bpe_work_free(wf);
	bpe_work_free(ws);
	bpe_free(fast);
	bpe_free(slow);
}

/* A second pattern replaces the first (its regex and scanner freed: the
 * ASan build would report a leak) and the split follows it. */
static void test_pattern_twice(void)
{
	const struct bpe_named *nm = bpe_named("cl100k_base");
	struct bpe *b = NULL;
	struct bpe_work *w = NULL;
	struct bpe_err err;
	static struct pieces p;
	static const char text[] = "ab cd";
	CHECK(bpe_new_splitter(&b, nm->pattern, &err) == 0);
	if (!b)
		return;
	CHECK_INT(b->scan, 1);
	CHECK(bpe_set_pattern_(b, "[a-z]", &err) == 0);
	CHECK_INT(b->scan, 0);
	CHECK(bpe_set_pattern_(b, nm->pattern, &err) == 0);
	CHECK_INT(b->scan, 1);
	CHECK(bpe_set_pattern_(b, "[a-z]", &err) == 0);
	CHECK(bpe_work_new(b, &w) == 0);
	p.base = (const unsigned char *)text;
	p.n = 0;
	CHECK(w && bpe_pretokenize(b, w, text, strlen(text), collect, &p) == 0);
	CHECK_INT(p.n, 10); /* a b " " c d (cl100k_base: "ab" " cd") */
	bpe_work_free(w);
	bpe_free(b);
}

int main(void)
{
	const char *dir = getenv("SLUICE_SHARED_DATA");
	char path[4096];
	size_t n;
	char *data;
	struct bpe *b = NULL;
	struct bpe_err err;
	const struct bpe_named *nm = bpe_named("cl100k_base");

	test_hf_small();
	test_hf_redundant();
	test_shuffled_ranks();
	test_scanner("cl100k_base", 1);
	test_scanner("o200k_base", 2);
	test_pattern_twice();
	CHECK(bpe_named("gpt2") && !bpe_named("nope"));
	snprintf(path, sizeof(path), "%s/tokenizers/cl100k_base.tiktoken", dir ? dir : "../shared/data");
	data = slurp(path, &n);
	if (!data) {
		fprintf(stderr, "SKIP: %s not found\n", path);
		return 77;
	}
	CHECK(bpe_load_tiktoken_mem(&b, data, n, nm->pattern, NULL, NULL, 0, &err) == 0);
	if (b) {
		CHECK_INT(bpe_vocab_size(b), 100256);
		test_merge(b);
		CHECK_INT(byte_pair_mismatches(b), 0);
		{
			static const char *const texts[] = {
				"Hello world, it's 2024!\n\n  indented\tline",
				"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd",
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				"<|endoftext|> 12345678 \xc3\x28 invalid"
			};
			same_as_compiled(b, texts, 4);
		}
		bpe_free(b);
	}
	test_truncated_ranks(data, n < 300000 ? n : 300000);
	free(data);
	return check_done();
}
