/*
 * test_http.c - HTTP response parsing, chunked and gzip/deflate bodies:
 * inline tables, then every response record of the real WARCs in
 * $SLUICE_SHARED_DATA/warc/ (exit 77 when that is absent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "http.h"
#include "instream.h"
#include "warc.h"

static const struct {
	const char *in;
	int rc, status, major, minor, chunked, ce;
	const char *ct;     /* NULL: absent */
	const char *body;
} resp[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>hi", 0, 200, 1, 1, 0, HTTP_CE_NONE,
	  "text/html", "<p>hi" },
	{ "HTTP/1.0 404 Not Found\r\n\r\n", 0, 404, 1, 0, 0, HTTP_CE_NONE, NULL, "" },
	{ "HTTP/1.1 200\r\ncontent-type:text/plain\r\n\r\nx", 0, 200, 1, 1, 0, HTTP_CE_NONE,
	  "text/plain", "x" },
	{ "HTTP/1.1 204 \r\n\r\n", 0, 204, 1, 1, 0, HTTP_CE_NONE, NULL, "" },
	{ "HTTP/2 301 Moved\r\nLocation: /\r\n\r\n", 0, 301, 2, 0, 0, HTTP_CE_NONE, NULL, "" },
	{ "HTTP/1.0 200 OK\nContent-Type: text/html; charset=utf-8\n\nbody\n", 0, 200, 1, 0, 0,
	  HTTP_CE_NONE, "text/html; charset=utf-8", "body\n" },
	{ "HTTP/1.1 200 OK\r\nContent-Type: text/html;\r\n charset=utf-8\r\n\r\nb", 0, 200, 1, 1, 0,
	  HTTP_CE_NONE, "text/html;\r\n charset=utf-8", "b" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n0\r\n\r\n", 0, 200, 1, 1, 1,
	  HTTP_CE_NONE, NULL, "0\r\n\r\n" },
	{ "HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: gzip, Chunked\r\nCONTENT-ENCODING: GZIP\r\n\r\n", 0,
	  200, 1, 1, 1, HTTP_CE_GZIP, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 200, 1, 1, 0,
	  HTTP_CE_NONE, NULL, "" },
	/* CommonCrawl: the payload is stored decoded, the headers renamed */
	{ "HTTP/1.1 200 OK\r\nX-Crawler-Content-Encoding: gzip\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
	  "Content-Type: text/html\r\n\r\n<html>", 0, 200, 1, 1, 0, HTTP_CE_NONE, "text/html", "<html>" },
	{ "HTTP/1.1 200 OK\r\nX-Crawler-Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, 200, 1, 1, 1, HTTP_CE_NONE, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: x-gzip\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_GZIP, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_DEFLATE, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_BR, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_NONE, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_OTHER, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\n\r\n", 0, 200, 1, 1, 0, HTTP_CE_OTHER, NULL, "" },
	{ "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Type : text/html \r\n\r\n", 0, 200, 1, 1, 0,
	  HTTP_CE_NONE, "text/html", "" },
	{ "HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n", 0, 200, 1, 1, 0,
	  HTTP_CE_NONE, "a", "" },
	/* garbage */
	{ "", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1 200 OK", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1 200 OK\r\nA: b\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1 20 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1 2000 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/ 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.1 099 Low\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "http/1.1 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "GET / HTTP/1.1\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "<html>HTTP/1.1 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	/* long versions are refused without overflowing (found by fuzzing) */
	{ "HTTP/100 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.100 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/99999999999999999999.1 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/1.99999999999999999999 200 OK\r\n\r\n", SL_EHTTP, 0, 0, 0, 0, 0, NULL, NULL },
	{ "HTTP/99.99 200 OK\r\n\r\n", 0, 200, 99, 99, 0, HTTP_CE_NONE, NULL, "" },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(resp) / sizeof(resp[0]); i++) {
		struct http_response r;
		int rc = http_parse_response(resp[i].in, strlen(resp[i].in), &r);

		if (rc != resp[i].rc)
			fprintf(stderr, "case %zu: %s\n", i, resp[i].in);
		CHECK_INT(rc, resp[i].rc);
		if (rc)
			continue;
		CHECK_INT(r.status, resp[i].status);
		CHECK_INT(r.version_major, resp[i].major);
		CHECK_INT(r.version_minor, resp[i].minor);
		CHECK_INT(r.chunked, resp[i].chunked);
		CHECK_INT(r.content_encoding, resp[i].ce);
		if (resp[i].ct) {
			CHECK(r.content_type != NULL);
			if (r.content_type)
				CHECK_MEM(r.content_type, r.content_type_len, resp[i].ct, strlen(resp[i].ct));
		} else {
			CHECK(r.content_type == NULL);
		}
		CHECK_MEM(r.body, r.body_len, resp[i].body, strlen(resp[i].body));
	}
}

static void test_header_lookup(void)
{
	const char *m = "HTTP/1.1 200 OK\r\nServer: x\r\nX-Long: a\r\n b\r\nlocation:  /there \r\n\r\n";
	struct http_response r;
	const char *v;
	size_t n;

	CHECK_INT(http_parse_response(m, strlen(m), &r), 0);
	CHECK_STR(r.headers, "Server: x\r\nX-Long: a\r\n b\r\nlocation:  /there \r\n\r\n");
	CHECK_INT(r.headers_len, strlen(r.headers) - 2);
	v = http_header(&r, "Location", &n);
	CHECK(v && n == 6 && memcmp(v, "/there", 6) == 0);
	v = http_header(&r, "x-long", &n);
	CHECK(v && n == 5 && memcmp(v, "a\r\n b", 5) == 0);
	CHECK(http_header(&r, "Serve", NULL) == NULL);
	CHECK(http_header(&r, "b", NULL) == NULL);
}

static void test_is_html(void)
{
	static const struct { const char *ct; int want; } t[] = {
		{ "text/html", 1 }, { "TEXT/HTML; charset=UTF-8", 1 }, { "  text/html", 1 },
		{ "text/html;", 1 }, { "application/xhtml+xml", 1 }, { "Application/XHTML+XML;q=1", 1 },
		{ "text/html ; charset=x", 1 }, { "text/htmlx", 0 }, { "text/htm", 0 },
		{ "text/plain", 0 }, { "", 0 }, { "application/xml", 0 }, { "html", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (http_content_type_is_html(t[i].ct, strlen(t[i].ct)) != t[i].want)
			fprintf(stderr, "is_html('%s')\n", t[i].ct);
		CHECK_INT(http_content_type_is_html(t[i].ct, strlen(t[i].ct)), t[i].want);
	}
	CHECK_INT(http_content_type_is_html(NULL, 0), 0);
	CHECK_INT(http_content_type_is_html("text/html", 4), 0);
}

static void test_dechunk(void)
{
	static const struct { const char *in; int rc; const char *out; } t[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", 0, "hello" },
		{ "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, "hello world" },
		{ "5;name=value\r\nhello\r\n0;x\r\nTrailer: y\r\n\r\n", 0, "hello" },
		{ "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", 0, "0123456789abcdefghij" },
		{ "5\nhello\n0\n\n", 0, "hello" },
		{ "005 \r\nhello\r\n0\r\n", 0, "hello" },
		{ "0\r\n\r\n", 0, "" },
		{ "3\r\na\r\n\r\n0\r\n\r\n", 0, "a\r\n" },
		/* malformed */
		{ "zz\r\nhello\r\n0\r\n\r\n", SL_EHTTP, "" },
		{ "-5\r\nhello\r\n", SL_EHTTP, "" },
		{ "0x5\r\nhello\r\n", SL_EHTTP, "" },
		{ "5 5\r\nhello\r\n", SL_EHTTP, "" },
		{ "\r\nhello\r\n", SL_EHTTP, "" },
		{ "5\r\nhelloX\r\n0\r\n\r\n", SL_EHTTP, "hello" },
		{ "3\r\nabc\r\nxyz\r\n0\r\n\r\n", SL_EHTTP, "abc" },
		{ "FFFFFFFFFFFFFFFFF\r\nx\r\n", SL_EHTTP, "" },
		{ "<html>not chunked</html>", SL_EHTTP, "" },
		/* truncated */
		{ "", SL_ETRUNC, "" },
		{ "5", SL_ETRUNC, "" },
		{ "5\r\nhel", SL_ETRUNC, "hel" },
		{ "5\r\nhello", SL_ETRUNC, "hello" },
		{ "5\r\nhello\r\n", SL_ETRUNC, "hello" },
		{ "5\r\nhello\r", SL_ETRUNC, "hello" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b = BUF_INIT;
		int rc = http_dechunk(t[i].in, strlen(t[i].in), &b);

		if (rc != t[i].rc)
			fprintf(stderr, "dechunk case %zu\n", i);
		CHECK_INT(rc, t[i].rc);
		CHECK_STR(b.ptr, t[i].out);
		buf_release(&b);
	}
	{
		struct buf b;
		buf_init(&b, 4);
		CHECK_INT(http_dechunk("5\r\nhello\r\n0\r\n\r\n", 15, &b), SL_ETOOBIG);
		buf_release(&b);
	}
}

/* deflate `in` with windowBits (31 gzip, 15 zlib, -15 raw) */
static size_t squeeze(const char *in, size_t n, int wbits, unsigned char *out, size_t cap)
{
	z_stream s;
	size_t got;

	memset(&s, 0, sizeof(s));
	CHECK_INT(deflateInit2(&s, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)(uintptr_t)in;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = (uInt)cap;
	CHECK_INT(deflate(&s, Z_FINISH), Z_STREAM_END);
	got = s.total_out;
	deflateEnd(&s);
	return got;
}

static void test_decode(void)
{
	static char text[200000];
	static unsigned char z[300000];
	size_t i, zn, zn2;
	struct buf b = BUF_INIT;

	for (i = 0; i < sizeof(text); i++)
		text[i] = "The quick brown fox jumps over the lazy dog. "[i % 45] + (char)(i % 7 == 0 && i % 45 > 40);

	zn = squeeze(text, sizeof(text), 31, z, sizeof(z));
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, 0, &b), 0);
	CHECK(b.len == sizeof(text) && memcmp(b.ptr, text, b.len) == 0);
	/* appends */
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, 0, &b), 0);
	CHECK_INT(b.len, 2 * sizeof(text));
	buf_reset(&b);

	/* exactly at the cap, one byte over, far over */
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, sizeof(text), &b), 0);
	buf_reset(&b);
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, sizeof(text) - 1, &b), SL_ETOOBIG);
	CHECK(b.len <= sizeof(text) - 1);
	buf_reset(&b);
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, 1000, &b), SL_ETOOBIG);
	CHECK(b.len <= 1000);
	buf_release(&b);
	{
		struct buf small;
		buf_init(&small, 5000);
		CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, 0, &small), SL_ETOOBIG);
		CHECK(small.len <= 5000);
		buf_release(&small);
	}

	/* two gzip members */
	zn2 = squeeze("second", 6, 31, z + zn, sizeof(z) - zn);
	CHECK_INT(http_decode_body((char *)z, zn + zn2, HTTP_CE_GZIP, 0, &b), 0);
	CHECK_INT(b.len, sizeof(text) + 6);
	CHECK_MEM(b.ptr + sizeof(text), b.len - sizeof(text), "second", 6);
	buf_reset(&b);

	/* truncated, corrupt */
	CHECK_INT(http_decode_body((char *)z, zn / 2, HTTP_CE_GZIP, 0, &b), SL_ETRUNC);
	CHECK(b.len > 0 && b.len < sizeof(text) && memcmp(b.ptr, text, b.len) == 0);
	buf_reset(&b);
	CHECK_INT(http_decode_body("\x1f\x8b\x08\x00garbagegarbage", 18, HTTP_CE_GZIP, 0, &b), SL_EGZIP);
	buf_reset(&b);
	CHECK_INT(http_decode_body("plain text", 10, HTTP_CE_GZIP, 0, &b), SL_EGZIP);
	buf_reset(&b);
	CHECK_INT(http_decode_body("", 0, HTTP_CE_GZIP, 0, &b), SL_ETRUNC);
	buf_reset(&b);

	/* deflate: zlib-wrapped and raw */
	zn = squeeze(text, 5000, 15, z, sizeof(z));
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_DEFLATE, 0, &b), 0);
	CHECK(b.len == 5000 && memcmp(b.ptr, text, 5000) == 0);
	buf_reset(&b);
	zn = squeeze(text, 5000, -15, z, sizeof(z));
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_DEFLATE, 0, &b), 0);
	CHECK(b.len == 5000 && memcmp(b.ptr, text, 5000) == 0);
	buf_reset(&b);
	/* gzip body sent as "gzip" with a zlib wrapper still decodes */
	zn = squeeze(text, 5000, 15, z, sizeof(z));
	CHECK_INT(http_decode_body((char *)z, zn, HTTP_CE_GZIP, 0, &b), 0);
	CHECK_INT(b.len, 5000);
	buf_reset(&b);

	/* unsupported, identity */
	CHECK_INT(http_decode_body("xx", 2, HTTP_CE_BR, 0, &b), SL_EFORMAT);
	CHECK_INT(http_decode_body("xx", 2, HTTP_CE_OTHER, 0, &b), SL_EFORMAT);
	CHECK_INT(b.len, 0);
	CHECK_INT(http_decode_body("abc", 3, HTTP_CE_NONE, 0, &b), 0);
	CHECK_STR(b.ptr, "abc");
	CHECK_INT(http_decode_body("abc", 3, HTTP_CE_NONE, 2, &b), SL_ETOOBIG);
	buf_release(&b);
}

/*
 * Every response record of the real files: the HTTP message parses;
 * chunked bodies (wget keeps them raw) de-chunk; gzip bodies decode;
 * CommonCrawl's renamed X-Crawler-* headers mean nothing to decode.
 */
static void test_real(const char *dir)
{
	static const struct {
		const char *file;
		int responses, http, html, chunked, gzip;
	} t[] = {
		{ "cc-whirlwind-CC-MAIN-2024-22.warc.gz", 1, 1, 1, 0, 0 },
		{ "jwarc-cc.warc.gz", 1, 1, 1, 0, 0 },
		{ "resiliparse-CC-MAIN-2020-34-excerpt.warc.gz", 16, 16, 16, 0, 0 },
		{ "dolma-wget-sample-0000.warc.gz", 22, 22, 22, 2, 0 },
		{ "dolma-wget-sample-0001.warc.gz", 15, 15, 15, 4, 0 },
		{ "ia-IAH-urls-wget.warc.gz", 16, 16, 11, 5, 0 },
		{ "npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.gz", 4, 4, 3, 0, 1 },
		{ "warcio-example.warc.gz", 1, 1, 1, 0, 1 },
		{ "ukwa-IAH-blackbook-truncated.warc.gz", 8, 7, 2, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[4600];
		struct instream *in;
		struct warc_reader *wr;
		struct warc_record rec;
		int rc, responses = 0, http = 0, html = 0, chunked = 0, gz = 0;

		snprintf(path, sizeof(path), "%s/warc/%s", dir, t[i].file);
		CHECK_INT(instream_open(&in, path), 0);
		if (!in)
			continue;
		CHECK_INT(warc_reader_create(&wr, in, NULL), 0);
		while ((rc = warc_next(wr, &rec)) == 1) {
			struct http_response h;
			struct buf b = BUF_INIT;

			if (rec.kind != WARC_RESPONSE)
				continue;
			responses++;
			if (rec.body_len < 5 || memcmp(rec.body, "HTTP/", 5) != 0)
				continue; /* dns: records and the like */
			CHECK_INT(http_parse_response(rec.body, rec.body_len, &h), 0);
			http++;
			html += http_content_type_is_html(h.content_type, h.content_type_len);
			if (h.chunked) {
				chunked++;
				CHECK_INT(http_dechunk(h.body, h.body_len, &b), 0);
				CHECK(h.status != 200 || b.len > 1000);
			}
			if (h.content_encoding == HTTP_CE_GZIP) {
				size_t n = b.len;
				const char *z = n ? b.ptr : h.body;
				size_t zlen = n ? n : h.body_len;
				int magic = zlen >= 2 && (unsigned char)z[0] == 0x1f &&
					    (unsigned char)z[1] == 0x8b;
				gz++;
				/* CommonCrawl 2014 kept "Content-Encoding: gzip" on
				 * payloads it stored decoded: no gzip magic, and
				 * decoding fails without appending anything */
				CHECK_INT(http_decode_body(z, zlen, HTTP_CE_GZIP, (size_t)64 << 20, &b),
					  magic ? 0 : SL_EGZIP);
				CHECK(magic ? b.len > n + zlen : b.len == n);
				if (strstr(t[i].file, "npm-"))
					CHECK(!magic && memcmp(z, "<!DOCTYPE", 9) == 0);
			}
			if (!h.chunked && h.content_encoding == HTTP_CE_NONE &&
			    http_content_type_is_html(h.content_type, h.content_type_len))
				CHECK(memchr(h.body, '<', h.body_len) != NULL);
			buf_release(&b);
		}
		CHECK_INT(rc, 0);
		if (responses != t[i].responses || http != t[i].http || html != t[i].html ||
		    chunked != t[i].chunked || gz != t[i].gzip)
			fprintf(stderr, "%s: %d %d %d %d %d\n", t[i].file, responses, http, html, chunked, gz);
		CHECK_INT(responses, t[i].responses);
		CHECK_INT(http, t[i].http);
		CHECK_INT(html, t[i].html);
		CHECK_INT(chunked, t[i].chunked);
		CHECK_INT(gz, t[i].gzip);
		warc_reader_free(wr);
		instream_free(in);
	}
}

int main(void)
{
	const char *env = getenv("SLUICE_SHARED_DATA");
	const char *root = getenv("SLUICE_SOURCE_ROOT");
	char dir[4200], probe[4400];
	FILE *f;

	if (env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/data", root ? root : ".");

	test_parse();
	test_header_lookup();
	test_is_html();
	test_dechunk();
	test_decode();

	snprintf(probe, sizeof(probe), "%s/warc/INVENTORY.tsv", dir);
	f = fopen(probe, "r");
	if (!f) {
		check_done();
		if (check_failed_)
			return 1;
		printf("SKIP: shared data not found in '%s' (set SLUICE_SHARED_DATA)\n", dir);
		return 77;
	}
	fclose(f);
	test_real(dir);
	return check_done();
}
