/* test_charset.c - charset_detect(), charset_normalize(), charset_to_utf8(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "check.h"
#include "error.h"

struct dcase {
	const char *content_type;  /* NULL: none */
	const char *html;
	size_t len;                /* 0: strlen(html) */
	const char *want;          /* "": not found */
};

static const struct dcase detect[] = {
	/* HTTP header */
	{ "text/html; charset=utf-8", "", 0, "utf-8" },
	{ "text/html; Charset=\"ISO-8859-1\"", "", 0, "windows-1252" },
	{ "text/html;charset='Shift_JIS'", "", 0, "shift_jis" },
	{ "text/html; charset = gb2312 ; foo=bar", "", 0, "gbk" },
	{ "TEXT/HTML; CHARSET=WINDOWS-1251", "", 0, "windows-1251" },
	{ "text/html; charset=x-sjis", "", 0, "shift_jis" },
	{ "text/html; charset=ks_c_5601-1987", "", 0, "euc-kr" },
	{ "text/html; charset=us-ascii", "", 0, "windows-1252" },
	{ "text/html; charset=utf-16", "", 0, "utf-16le" },
	{ "text/html", "", 0, "" },
	{ "text/html; charset=", "", 0, "" },
	{ "text/html; charset=bogus-42", "", 0, "" },
	{ "text/html; charset=\"unterminated", "", 0, "" },
	/* header wins over meta; an unknown header label falls through to meta */
	{ "text/html; charset=euc-jp", "<meta charset=koi8-r>", 0, "euc-jp" },
	{ "text/html; charset=nonsense", "<meta charset=koi8-r>", 0, "koi8-r" },
	/* meta charset */
	{ NULL, "<html><head><meta charset=\"windows-1251\">", 0, "windows-1251" },
	{ NULL, "<META CHARSET='Big5'>", 0, "big5" },
	{ NULL, "<meta\tcharset = \" latin1 \" >", 0, "windows-1252" },
	{ NULL, "<meta charset=euc-kr/>", 0, "" },    /* unquoted value runs to ws or '>' */
	{ NULL, "<meta charset=euc-kr>", 0, "euc-kr" },
	{ NULL, "<meta/charset=sjis>", 0, "shift_jis" },
	{ NULL, "<meta charset=utf-16le>", 0, "utf-8" },   /* a meta cannot mean utf-16 */
	{ NULL, "<meta charset=x-user-defined>", 0, "windows-1252" },
	/* meta http-equiv */
	{ NULL, "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">", 0, "gbk" },
	{ NULL, "<meta content='text/html;charset=koi8-r' http-equiv='content-type'>", 0, "koi8-r" },
	{ NULL, "<META HTTP-EQUIV=CONTENT-TYPE CONTENT=\"text/html; CHARSET = 'iso-8859-2'\">", 0, "iso-8859-2" },
	{ NULL, "<meta content=\"text/html; charset=gbk\">", 0, "" },   /* no pragma */
	{ NULL, "<meta http-equiv=refresh content=\"0; charset=gbk\">", 0, "" },
	{ NULL, "<meta name=x content=y><meta charset=euc-jp>", 0, "euc-jp" },
	{ NULL, "<meta charset=nonsense><meta charset=euc-jp>", 0, "euc-jp" },
	{ NULL, "<meta charset=euc-jp charset=koi8-r>", 0, "euc-jp" },  /* first wins */
	/* things that look like meta but are not */
	{ NULL, "<!-- <meta charset=koi8-r> --><meta charset=big5>", 0, "big5" },
	{ NULL, "<!--><meta charset=big5>", 0, "big5" },
	{ NULL, "<div title='<meta charset=koi8-r>'><meta charset=big5>", 0, "big5" },
	{ NULL, "<metax charset=koi8-r><meta charset=big5>", 0, "big5" },
	{ NULL, "<p>text <meta charset=koi8-r>", 0, "koi8-r" },
	{ NULL, "<!doctype html><?xml encoding=koi8-r?></p><meta charset=big5>", 0, "big5" },
	{ NULL, "<!-- unterminated <meta charset=koi8-r>", 0, "" },
	{ NULL, "<meta charset=\"koi8-r", 0, "" },
	{ NULL, "<meta charset=koi8-r", 0, "" },
	{ NULL, "plain text, no markup", 0, "" },
	/* BOM */
	{ NULL, "\xef\xbb\xbf<p>x", 0, "utf-8" },
	{ NULL, "\xff\xfe<\0p\0", 6, "utf-16le" },
	{ NULL, "\xfe\xff\0<\0p", 6, "utf-16be" },
	{ "text/html; charset=iso-8859-1", "\xef\xbb\xbfx", 0, "utf-8" },  /* BOM first */
	{ NULL, "\xef\xbb\xbf<meta charset=gbk>", 0, "utf-8" },
	{ NULL, "\xef\xbb", 0, "" },
};

static void test_detect(void)
{
	size_t i;
	char out[CHARSET_NAME_MAX];
	char *pad;

	for (i = 0; i < sizeof(detect) / sizeof(detect[0]); i++) {
		const struct dcase *d = &detect[i];
		size_t len = d->len ? d->len : strlen(d->html);
		char *copy = malloc(len + 1);
		int r;

		memcpy(copy, d->html, len);  /* exact length: ASan sees overreads */
		r = charset_detect(d->content_type, copy, len, out, sizeof(out));
		if (r != (*d->want != 0) || strcmp(out, d->want))
			fprintf(stderr, "detect case %zu: %s | %s\n", i,
				d->content_type ? d->content_type : "(null)", d->html);
		CHECK_INT(r, *d->want != 0);
		CHECK_STR(out, d->want);
		free(copy);
	}

	/* only the first 4096 bytes are prescanned */
	pad = malloc(8192);
	memset(pad, ' ', 8192);
	memcpy(pad + 4000, "<meta charset=koi8-r>", 21);
	CHECK_INT(charset_detect(NULL, pad, 8192, out, sizeof(out)), 1);
	CHECK_STR(out, "koi8-r");
	memset(pad, ' ', 8192);
	memcpy(pad + 5000, "<meta charset=koi8-r>", 21);
	CHECK_INT(charset_detect(NULL, pad, 8192, out, sizeof(out)), 0);
	/* not NUL-terminated: the meta is cut by len */
	memcpy(pad, "<meta charset=koi8-r>", 21);
	CHECK_INT(charset_detect(NULL, pad, 17, out, sizeof(out)), 0);
	free(pad);

	CHECK_INT(charset_detect(NULL, NULL, 0, out, sizeof(out)), 0);
	CHECK_INT(charset_detect("charset=utf-8", NULL, 0, out, 4), 0);  /* out too small */
}

static void test_normalize(void)
{
	static const char *pairs[][2] = {
		{ "latin1", "windows-1252" }, { "ISO-8859-1", "windows-1252" },
		{ "ascii", "windows-1252" }, { "US-ASCII", "windows-1252" },
		{ "gb2312", "gbk" }, { "GBK", "gbk" }, { "gb18030", "gb18030" },
		{ "shift_jis", "shift_jis" }, { "sjis", "shift_jis" }, { "x-sjis", "shift_jis" },
		{ "euc-jp", "euc-jp" }, { "euc-kr", "euc-kr" }, { "big5", "big5" },
		{ "koi8-r", "koi8-r" }, { "cp1251", "windows-1251" }, { "windows-1250", "windows-1250" },
		{ "utf-16le", "utf-16le" }, { "UTF-16BE", "utf-16be" }, { "iso-8859-15", "iso-8859-15" },
		{ "iso-8859-9", "windows-1254" }, { "tis-620", "windows-874" }, { " utf8\t", "utf-8" },
		{ "iso-2022-kr", "replacement" }, { "x-mac-ukrainian", "x-mac-cyrillic" },
	};
	char out[CHARSET_NAME_MAX];
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		CHECK_INT(charset_normalize(pairs[i][0], out, sizeof(out)), 1);
		CHECK_STR(out, pairs[i][1]);
	}
	CHECK_INT(charset_normalize("utf-7", out, sizeof(out)), 0);
	CHECK_INT(charset_normalize("", out, sizeof(out)), 0);
	CHECK_INT(charset_normalize(NULL, NULL, 0), 0);
	CHECK_INT(charset_normalize("latin1", NULL, 0), 1);
}

struct ccase {
	const char *label;
	const char *in;
	size_t len;        /* 0: strlen(in) */
	const char *want;
	size_t replaced;
};

static const struct ccase conv[] = {
	{ "windows-1252", "\x80 \x82\x93q\x94", 0, "\xe2\x82\xac \xe2\x80\x9a\xe2\x80\x9cq\xe2\x80\x9d", 0 },
	{ "iso-8859-1", "caf\xe9 \x80", 0, "caf\xc3\xa9 \xe2\x82\xac", 0 },  /* latin1 means 1252 */
	{ "us-ascii", "\xe9", 0, "\xc3\xa9", 0 },
	{ "windows-1252", "\x81\x8d\x8f\x90\x9d", 0, "\xc2\x81\xc2\x8d\xc2\x8f\xc2\x90\xc2\x9d", 0 },
	{ "shift_jis", "\x93\xfa\x96\x7b\x8c\xea", 0, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0 },
	{ "sjis", "A\x93\xfa" "B", 0, "A\xe6\x97\xa5" "B", 0 },
	{ "gbk", "\xd6\xd0\xce\xc4", 0, "\xe4\xb8\xad\xe6\x96\x87", 0 },
	{ "gb2312", "\xd6\xd0\x80", 0, "\xe4\xb8\xad\xe2\x82\xac", 0 },
	{ "gb18030", "\xd6\xd0\xce\xc4\xa2\xe3", 0, "\xe4\xb8\xad\xe6\x96\x87\xe2\x82\xac", 0 },
	{ "euc-kr", "\xc7\xd1\xb1\xb9\xbe\xee", 0, "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 0 },
	{ "big5", "\xa4\xa4\xa4\xe5", 0, "\xe4\xb8\xad\xe6\x96\x87", 0 },
	{ "euc-jp", "\xc6\xfc\xcb\xdc", 0, "\xe6\x97\xa5\xe6\x9c\xac", 0 },
	{ "iso-2022-jp", "\x1b\x24\x42\x46\x7c\x4b\x5c\x1b\x28\x42", 0, "\xe6\x97\xa5\xe6\x9c\xac", 0 },
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 0, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	{ "windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", 0, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 0 },
	{ "iso-8859-7", "\xd9\xec\xdd\xe3\xe1", 0, "\xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1", 0 },
	{ "utf-16le", "\xff\xfe" "h\0i\0\xac\x20", 8, "hi\xe2\x82\xac", 0 },  /* BOM removed */
	{ "utf-16le", "h\0i\0", 4, "hi", 0 },
	{ "utf-16be", "\xfe\xff\0h\0i", 6, "hi", 0 },
	{ "utf-16", "\x3d\xd8\x00\xde", 4, "\xf0\x9f\x98\x80", 0 },                /* surrogate pair */
	{ "utf-16le", "a\0\x00\xd8" "b\0", 6, "a\xef\xbf\xbd" "b", 1 },            /* lone surrogate */
	{ "utf-16le", "a\0b", 3, "a\xef\xbf\xbd", 1 },                            /* odd length */
	{ "x-user-defined", "a\x80\xff", 0, "a\xef\x9e\x80\xef\x9f\xbf", 0 },
	{ "iso-2022-kr", "anything", 0, "\xef\xbf\xbd", 1 },
	{ "replacement", "", 0, "", 0 },
	/* invalid bytes replaced, counted, and conversion goes on */
	{ "shift_jis", "a\xa0" "b\x81", 0, "a\xef\xbf\xbd" "b\xef\xbf\xbd", 2 },
	{ "euc-kr", "\xc7\xd1\xff" "z\xc7", 0, "\xed\x95\x9c\xef\xbf\xbdz\xef\xbf\xbd", 2 },
	{ "windows-1253", "\xaa" "a", 0, "\xef\xbf\xbd" "a", 1 },
	/* utf-8: validated, maximal subparts */
	{ "utf-8", "plain ascii text, longer than eight bytes", 0, "plain ascii text, longer than eight bytes", 0 },
	{ "UTF8", "\xef\xbb\xbf" "bom", 0, "bom", 0 },
	{ "utf-8", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 0, "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 0 },
	{ "utf-8", "a\x80z", 0, "a\xef\xbf\xbdz", 1 },
	{ "utf-8", "\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd", 2 },                     /* overlong */
	{ "utf-8", "\xe0\x80\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3 },
	{ "utf-8", "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3 },     /* surrogate */
	{ "utf-8", "\xf4\x90\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4 },
	{ "utf-8", "\xf5\xff", 0, "\xef\xbf\xbd\xef\xbf\xbd", 2 },
	{ "utf-8", "\xf0\x9f\x98" "x", 0, "\xef\xbf\xbdx", 1 },                        /* truncated: one */
	{ "utf-8", "\xe2\x82", 0, "\xef\xbf\xbd", 1 },
	{ "utf-8", "12345678\xe2\x82\xac\xff" "12345678", 0, "12345678\xe2\x82\xac\xef\xbf\xbd" "12345678", 1 },
	/* Unicode 15 §3.9 example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
	{ "utf-8", "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", 0,
	  "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd" "d", 6 },
};

static void test_convert(void)
{
	struct charset_conv *cv;
	struct buf out = BUF_INIT;
	size_t i;

	CHECK_INT(charset_conv_create(&cv), 0);
	for (int round = 0; round < 2; round++) {  /* second round: cached descriptors */
		for (i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
			const struct ccase *c = &conv[i];
			size_t len = c->len ? c->len : strlen(c->in);
			size_t rep = 0;
			char *copy = malloc(len + 1);
			int rc;

			memcpy(copy, c->in, len);
			buf_reset(&out);
			rc = charset_to_utf8(cv, c->label, copy, len, &out, &rep);
			if (rc || rep != c->replaced || strcmp(out.ptr, c->want))
				fprintf(stderr, "convert case %zu (%s)\n", i, c->label);
			CHECK_INT(rc, 0);
			CHECK_STR(out.ptr, c->want);
			CHECK_INT(rep, c->replaced);
			free(copy);
		}
	}

	/* appends; replaced adds up; NULL replaced is fine */
	{
		size_t rep = 5;

		buf_reset(&out);
		buf_addstr(&out, "x");
		CHECK_INT(charset_to_utf8(cv, "windows-1252", "\x80", 1, &out, &rep), 0);
		CHECK_INT(charset_to_utf8(cv, "utf-8", "\xff", 1, &out, &rep), 0);
		CHECK_INT(charset_to_utf8(cv, "utf-8", "\xff", 1, &out, NULL), 0);
		CHECK_STR(out.ptr, "x\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd");
		CHECK_INT(rep, 6);
	}

	/* unknown label: SL_ECHARSET, out untouched */
	buf_reset(&out);
	buf_addstr(&out, "keep");
	CHECK_INT(charset_to_utf8(cv, "utf-7", "abc", 3, &out, NULL), SL_ECHARSET);
	CHECK_INT(charset_to_utf8(cv, "", "abc", 3, &out, NULL), SL_ECHARSET);
	CHECK_INT(charset_to_utf8(cv, NULL, "abc", 3, &out, NULL), SL_ECHARSET);
	CHECK_STR(out.ptr, "keep");

	/* more encodings than cache slots, then back: still right */
	{
		static const char *many[] = {
			"koi8-r", "koi8-u", "ibm866", "iso-8859-2", "iso-8859-5", "windows-1250",
			"windows-1251", "windows-1253", "windows-1254", "windows-1255", "macintosh",
			"shift_jis", "gbk", "big5", "euc-kr", "euc-jp",
		};
		for (i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
			buf_reset(&out);
			CHECK_INT(charset_to_utf8(cv, many[i], "ascii ok", 8, &out, NULL), 0);
			CHECK_STR(out.ptr, "ascii ok");
		}
		buf_reset(&out);
		CHECK_INT(charset_to_utf8(cv, "koi8-r", "\xf0", 1, &out, NULL), 0);
		CHECK_STR(out.ptr, "\xd0\x9f");
	}

	/* a large single-byte document grows the buffer (3 bytes out per byte in) */
	{
		size_t n = 300000, rep = 0;
		char *big = malloc(n);

		memset(big, 0x80, n);
		buf_reset(&out);
		CHECK_INT(charset_to_utf8(cv, "windows-1252", big, n, &out, &rep), 0);
		CHECK_INT(out.len, 3 * n);
		CHECK_INT(rep, 0);
		CHECK(out.ptr[out.len] == '\0');
		memset(big, 0xff, n);  /* invalid utf-8 everywhere */
		buf_reset(&out);
		CHECK_INT(charset_to_utf8(cv, "utf-8", big, n, &out, &rep), 0);
		CHECK_INT(out.len, 3 * n);
		CHECK_INT(rep, n);
		free(big);
	}

	/* the cap: SL_ETOOBIG and out back to its old length */
	{
		struct buf small;

		buf_init(&small, 16);
		buf_addstr(&small, "ab");
		CHECK_INT(charset_to_utf8(cv, "windows-1252", "\x80\x80\x80\x80\x80\x80", 6, &small, NULL),
			  SL_ETOOBIG);
		CHECK_STR(small.ptr, "ab");
		CHECK_INT(charset_to_utf8(cv, "utf-8", "0123456789abcdefgh", 18, &small, NULL),
			  SL_ETOOBIG);
		CHECK_STR(small.ptr, "ab");
		CHECK_INT(charset_to_utf8(cv, "windows-1252", "\x80\x80", 2, &small, NULL), 0);
		CHECK_STR(small.ptr, "ab\xe2\x82\xac\xe2\x82\xac");
		buf_release(&small);
	}

	charset_conv_free(cv);
	charset_conv_free(NULL);
	buf_release(&out);
}

/* Detect + convert a real page (windows-1251 in the resiliparse excerpt
 * is not in tests/data; a constructed one stands in). */
static void test_pipeline(void)
{
	static const char page[] =
		"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
		"<title>\xcf\xf0\xe8\xe2\xe5\xf2</title></head><body>\xcc\xe8\xf0</body></html>";
	char label[CHARSET_NAME_MAX];
	struct charset_conv *cv;
	struct buf out = BUF_INIT;
	size_t rep = 0;

	CHECK_INT(charset_detect("text/html", page, sizeof(page) - 1, label, sizeof(label)), 1);
	CHECK_STR(label, "windows-1251");
	CHECK_INT(charset_conv_create(&cv), 0);
	CHECK_INT(charset_to_utf8(cv, label, page, sizeof(page) - 1, &out, &rep), 0);
	CHECK(strstr(out.ptr, "<title>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</title>") != NULL);
	CHECK(strstr(out.ptr, "\xd0\x9c\xd0\xb8\xd1\x80") != NULL);
	CHECK_INT(rep, 0);
	charset_conv_free(cv);
	buf_release(&out);
}

/* Random markup-ish bytes: no crash, no overread (ASan), a sane answer. */
static void test_random(void)
{
	static const char alphabet[] = "<>/!-?=\"' \tmetaMETAcharsetCHARSEThttp-equivcontent;utf8koi8-r\xff\xfe\0";
	struct charset_conv *cv;
	struct buf out = BUF_INIT;
	char buf[2048], label[CHARSET_NAME_MAX];
	int round;

	CHECK_INT(charset_conv_create(&cv), 0);
	srand(4242);
	for (round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf)), i;
		char *copy;
		int r;

		for (i = 0; i < n; i++)
			buf[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		copy = malloc(n + 1);
		memcpy(copy, buf, n);
		copy[n] = '\0';  /* content_type is a C string; html is not read past n */
		r = charset_detect(round & 1 ? copy : NULL, copy, n, label, sizeof(label));
		CHECK(r == 0 || r == 1);
		if (r) {
			buf_reset(&out);
			CHECK_INT(charset_to_utf8(cv, label, copy, n, &out, NULL), 0);
		}
		free(copy);
	}
	charset_conv_free(cv);
	buf_release(&out);
}

int main(void)
{
	test_detect();
	test_random();
	test_normalize();
	test_convert();
	test_pipeline();
	return check_done();
}
