/*
 * test_dedup.c - the dedup library: simplify_text, numpy's RandomState,
 * SHA-1, the MinHash arithmetic and the bounded hash set.  Expected values
 * come from Python (str.lower, unicodedata) and numpy 1.24 (Debian 12).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "hashset.h"
#include "lineset.h"
#include "minhash.h"
#include "normalize.h"
#include "nprandom.h"
#include "sha1.h"

static void test_simplify(void)
{
	static const struct {
		const char *in, *want;
		unsigned flags;
	} t[] = {
		{ "", "", 0 },
		{ "   \t\n ", "", 0 },
		{ "Hello, World!", "hello world", 0 },
		{ "It's 3.14 or 2,718.5 and 1.2.3", "it s 0 or 0 0 and 0 0", 0 },
		{ "x12y", "x0y", 0 },
		{ "a\xc2\xa0\xe3\x80\x80" "b\x0b" "c", "a b c", 0 },          /* NBSP, ideographic space, VT */
		{ "Caf\xc3\xa9 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m", "cafe naive angstrom", 0 },
		{ "\xc4\xb0stanbul", "istanbul", 0 },                           /* U+0130 -> i + U+0307, dropped */
		{ "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x91",          /* ΟΔΟΣ ΣΑ -> οδος σα */
		  "\xce\xbf\xce\xb4\xce\xbf\xcf\x82 \xcf\x83\xce\xb1", 0 },
		{ "\xd9\xa1\xd9\xa2\xd9\xab\xd9\xa3 x", "0 x", 0 },             /* Arabic-Indic 12٫3 */
		{ "\xef\xbc\x91\xef\xbc\x92", "0", 0 },                          /* fullwidth digits */
		{ "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x94 dash\xe2\x80\xa6", "quoted dash", 0 },
		{ "\xed\x95\x9c", "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 0 },  /* 한 -> jamo */
		{ "a \xcc\x81 b", "a  b", 0 },                                   /* lone mark dropped */
		{ "a \xcc\x81 b", "a b", DD_NORM_COLLAPSE },
		{ " \xcc\x81x\xcc\x81 ", "x", 0 },
		{ "tab\there\r\nnew", "tab here new", 0 },
	};
	struct dd_norm w;
	struct buf out = BUF_INIT;
	size_t i;

	dd_norm_init(&w);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&out);
		CHECK_INT(dd_simplify(&w, t[i].in, strlen(t[i].in), t[i].flags, &out), 0);
		CHECK_STR(out.ptr, t[i].want);
	}
	/* appends */
	buf_reset(&out);
	buf_addstr(&out, "pre|");
	dd_simplify(&w, " A ", 3, 0, &out);
	CHECK_STR(out.ptr, "pre|a");
	buf_release(&out);
	dd_norm_release(&w);
}

static void test_nprandom(void)
{
	struct np_mt19937 st;
	uint64_t v[6];
	static const uint64_t want0[6] = { 684, 559, 629, 192, 835, 763 };
	static const uint64_t want1[3] = { 2340255432u, 3638918508u, 1819583502u };
	size_t i;

	/* RandomState(0): randint(0, 1000, 6) (32-bit masked path), then
	 * randint(5, 2^32 + 5, 3) (full 32-bit draws), then randint(0,
	 * 2^64 - 1, 2) (64-bit masked), randint(7, 8, 2) (no draw) */
	np_mt19937_seed(&st, 0);
	np_randint_u64(&st, 0, 1000, 6, v);
	for (i = 0; i < 6; i++)
		CHECK_INT(v[i], want0[i]);
	np_randint_u64(&st, 5, (UINT64_C(1) << 32) + 5, 3, v);
	for (i = 0; i < 3; i++)
		CHECK_INT(v[i], want1[i]);
	np_randint_u64(&st, 0, UINT64_MAX, 2, v);
	CHECK(v[0] == UINT64_C(11502719923874517269) && v[1] == UINT64_C(7090591000091277092));
	np_randint_u64(&st, 7, 8, 2, v);
	CHECK(v[0] == 7 && v[1] == 7);
	np_mt19937_seed(&st, 4294967295u);
	np_randint_u64(&st, 1, DD_MERSENNE61, 2, v);
	CHECK(v[0] == UINT64_C(1800993050274709795) && v[1] == UINT64_C(689591756664908872));
}

static void test_sha1(void)
{
	unsigned char d[20];
	char hex[41];
	int i;
	static const char *a1m_want = "34aa973cd4c4daa4f61eeb2bdbad27316534016f";
	char *mil;

	dd_sha1("abc", 3, d);
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	CHECK_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	dd_sha1("", 0, d);
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	CHECK_STR(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	/* 56 bytes: the padding needs a second block */
	dd_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	CHECK_STR(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	mil = malloc(1000000);
	memset(mil, 'a', 1000000);
	dd_sha1(mil, 1000000, d);
	free(mil);
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	CHECK_STR(hex, a1m_want);
	CHECK(dd_sha1_64("the quick brown fox jumps", 25) == UINT64_C(12313522834835307089));
}

static void test_minhash(void)
{
	struct dd_minhash_cfg cfg = DD_MINHASH_DEFAULTS;
	struct dd_minhash m;
	uint64_t sig[112], h[2] = { UINT64_MAX, UINT64_C(12345678901234567890) };

	CHECK_INT(dd_minhash_init(&m, &cfg), 0);
	CHECK_INT(m.nperm, 112);
	/* RandomState(1): a[0], a[111], b[0], b[111] */
	CHECK(m.a[0] == UINT64_C(775169054918279404) && m.a[111] == UINT64_C(223865076026037746));
	CHECK(m.b[0] == UINT64_C(1062448801025099917) && m.b[111] == UINT64_C(1097409548522419201));
	/* wrap-around before the modulo (numpy uint64), not 128-bit modmul */
	dd_minhash_signature(&m, h, 2, sig);
	CHECK(sig[0] == UINT64_C(287279746106820513));
	CHECK(sig[1] == UINT64_C(238136717084171353));
	CHECK(sig[2] == UINT64_C(746332547839613373));
	/* shingles: n-grams of words joined by single spaces */
	CHECK_INT(dd_minhash_shingles(&m, "One two, THREE four five six", 28), 0);
	CHECK_INT(m.nsh, 2);
	CHECK_STR(m.text.ptr, "one two three four five six");
	/* xxhash.xxh64_intdigest("one two three four five"), "two ... six" */
	CHECK(m.sh[0] == UINT64_C(16779001585721188446));
	CHECK(m.sh[1] == UINT64_C(8384839310964715744));
	CHECK_INT(dd_minhash_sign(&m, "only four words here", 20, sig), 0);
	CHECK_INT(dd_minhash_sign(&m, "", 0, sig), 0);
	CHECK_INT(dd_minhash_sign(&m, "five words are enough here", 26, sig), 1);
	dd_minhash_release(&m);

	cfg.shingle = DD_SHINGLE_CHARS;
	cfg.ngram = 3;
	CHECK_INT(dd_minhash_init(&m, &cfg), 0);
	CHECK_INT(dd_minhash_shingles(&m, "\xc3\xa9t\xc3\xa9!", 7), 0); /* "ete" after NFD */
	CHECK_INT(m.nsh, 1);
	CHECK_INT(dd_minhash_shingles(&m, "\xce\xb1\xce\xb2\xce\xb3\xce\xb4", 8), 0); /* 4 code points */
	CHECK_INT(m.nsh, 2);
	dd_minhash_release(&m);

	cfg.ngram = 0;
	CHECK_INT(dd_minhash_init(&m, &cfg), SL_EINVAL);
}

static void test_hashset(void)
{
	struct dd_budget bg = { 0, (size_t)2 << 20 };
	struct dd_hashset h;
	struct dd_idlist l;
	uint32_t v, i, idx;
	int rc = 0;
	size_t n;
	const char *s;

	dd_hashset_init(&h, &bg);
	CHECK_INT(dd_hashset_get(&h, 42, &v), 0);
	CHECK_INT(dd_hashset_put(&h, 0, 7, NULL), 0);     /* key 0 is allowed */
	CHECK_INT(dd_hashset_put(&h, 0, 8, &v), 1);
	CHECK_INT(v, 7);
	for (i = 1; i <= 20000; i++)
		if (dd_hashset_put(&h, (uint64_t)i * UINT64_C(0x100000001b3), i, NULL) != 0)
			rc++;
	CHECK_INT(rc, 0);
	for (i = 1; i <= 20000; i++) {
		if (!dd_hashset_get(&h, (uint64_t)i * UINT64_C(0x100000001b3), &v) || v != i)
			rc++;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(dd_hashset_get(&h, 3, &v), 0);
	CHECK(bg.used == h.cap * 12);
	/* the budget: 2 MiB holds the 64k-slot table (32k keys) but not it
	 * and the 128k-slot one together while rehashing */
	for (i = 20001; i <= 100000 && rc == 0; i++)
		rc = dd_hashset_put(&h, (uint64_t)i * UINT64_C(0x100000001b3), i, NULL);
	CHECK_INT(rc, SL_ETOOBIG);
	CHECK(bg.used <= bg.max);
	CHECK(dd_hashset_get(&h, 20001 * UINT64_C(0x100000001b3), &v) && v == 20001);
	dd_hashset_release(&h);
	CHECK_INT(bg.used, 0);

	dd_idlist_init(&l, &bg);
	CHECK_INT(dd_idlist_add(&l, "\"a\"", 3, &idx), 0);
	CHECK_INT(idx, 0);
	CHECK_INT(dd_idlist_add(&l, "12", 2, &idx), 0);
	CHECK_INT(idx, 1);
	s = dd_idlist_get(&l, 0, &n);
	CHECK_MEM(s, n, "\"a\"", 3);
	s = dd_idlist_get(&l, 1, &n);
	CHECK_MEM(s, n, "12", 2);
	dd_idlist_release(&l);
	CHECK_INT(bg.used, 0);
}

static void test_lineset(void)
{
	struct dd_budget bg = { 0, (size_t)64 << 20 };
	struct dd_lineset a, b;
	char path[] = "/tmp/sluice-test-lineset-XXXXXX";
	int fd = mkstemp(path), rc = 0;
	uint64_t i;

	CHECK(fd >= 0);
	close(fd);
	dd_lineset_init(&a, &bg);
	for (i = 0; i < 5000; i++)
		if (dd_lineset_add(&a, i * UINT64_C(0x9e3779b97f4a7c15)) != 0)  /* includes 0 */
			rc++;
	CHECK_INT(rc, 0);
	CHECK_INT(dd_lineset_add(&a, 0), 1);
	CHECK_INT(a.n, 5000);
	CHECK_INT(dd_lineset_save(&a, path), 0);
	dd_lineset_init(&b, &bg);
	CHECK_INT(dd_lineset_load(&b, path), 0);
	CHECK_INT(b.n, 5000);
	for (i = 0, rc = 0; i < 5000; i++)
		if (dd_lineset_add(&b, i * UINT64_C(0x9e3779b97f4a7c15)) != 1)
			rc++;
	CHECK_INT(rc, 0);
	CHECK_INT(dd_lineset_load(&b, path), 0);  /* loading twice adds nothing */
	CHECK_INT(b.n, 5000);
	CHECK_INT(truncate(path, 1000), 0);
	CHECK_INT(dd_lineset_load(&b, path), SL_ETRUNC);
	CHECK_INT(truncate(path, 10), 0);
	CHECK_INT(dd_lineset_load(&b, path), SL_EFORMAT);
	CHECK_INT(dd_lineset_load(&b, "/nonexistent/x"), SL_EOPEN);
	unlink(path);
	/* compressed by name, read back whatever the name */
	{
		char gz[64], plain[64];
		struct dd_lineset c;
		FILE *f;
		unsigned char head[2] = { 0, 0 };
		snprintf(gz, sizeof(gz), "/tmp/sluice-test-lineset-%d.gz", (int)getpid());
		snprintf(plain, sizeof(plain), "/tmp/sluice-test-lineset-%d.plain", (int)getpid());
		CHECK_INT(dd_lineset_save(&a, gz), 0);
		f = fopen(gz, "rb");
		CHECK(f && fread(head, 1, 2, f) == 2);
		if (f)
			fclose(f);
		CHECK(head[0] == 0x1f && head[1] == 0x8b);
		CHECK(rename(gz, plain) == 0);
		dd_lineset_init(&c, &bg);
		CHECK_INT(dd_lineset_load(&c, plain), 0);
		CHECK_INT(c.n, 5000);
		/* a cut compressed set is refused */
		CHECK_INT(truncate(plain, 200), 0);
		dd_lineset_release(&c);
		dd_lineset_init(&c, &bg);
		CHECK(dd_lineset_load(&c, plain) < 0);
		dd_lineset_release(&c);
		unlink(plain);
		/* written to an open stream, published by the caller */
		{
			struct outstream *os;
			CHECK_INT(outstream_open(&os, plain, 0), 0);
			CHECK_INT(dd_lineset_write(&a, os), 0);
			CHECK(access(plain, F_OK) != 0);
			CHECK_INT(outstream_close(os, 1), 0);
			dd_lineset_init(&c, &bg);
			CHECK_INT(dd_lineset_load(&c, plain), 0);
			CHECK_INT(c.n, 5000);
			dd_lineset_release(&c);
			unlink(plain);
		}
	}
	dd_lineset_release(&a);
	dd_lineset_release(&b);
	CHECK_INT(bg.used, 0);
}

int main(void)
{
	test_simplify();
	test_nprandom();
	test_sha1();
	test_minhash();
	test_hashset();
	test_lineset();
	return check_done();
}
