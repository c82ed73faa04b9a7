/*
 * test_warc.c - the WARC record reader: inline cases, the broken-input
 * fixtures of tests/data/warc-bad/ (EXPECTED.tsv, made by make.py) and
 * every real file of $SLUICE_SHARED_DATA/warc/ against its INVENTORY.tsv.
 * Exits 77 (skip) when the shared data is absent, after the other checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "instream.h"
#include "warc.h"

static const char *code_name(int code)
{
	switch (code) {
	case SL_EWARC: return "EWARC";
	case SL_ETRUNC: return "ETRUNC";
	case SL_ETOOBIG: return "ETOOBIG";
	case SL_EGZIP: return "EGZIP";
	case SL_EZSTD: return "EZSTD";
	case SL_EFORMAT: return "EFORMAT";
	case SL_EIO: return "EIO";
	case SL_ENOMEM: return "ENOMEM";
	}
	return "E?";
}

/*
 * Read everything; the trace has one line per event:
 *   "R <type>@<offset> [<body>]" (body only when show_body; plus
 *   " {<field>=<value>}" when field is set) or "P <CODE>@<offset>".
 */
struct run {
	struct buf trace;
	int records, problems, fatal;
	struct warc_reader_stats st;
};

static void run_stream(struct instream *in, const struct warc_limits *lim, int show_body,
		       const char *field, struct run *out)
{
	struct warc_reader *r;
	struct warc_record rec;
	int rc, guard = 0;

	buf_init(&out->trace, 0);
	out->records = out->problems = out->fatal = 0;
	CHECK_INT(warc_reader_create(&r, in, lim), 0);
	while ((rc = warc_next(r, &rec)) != 0 && guard++ < 100000) {
		if (rc == 1) {
			out->records++;
			buf_addf(&out->trace, "R %s@%llu", warc_type_name(rec.kind),
				 (unsigned long long)rec.offset);
			if (show_body) {
				buf_addstr(&out->trace, " [");
				buf_add(&out->trace, rec.body, rec.body_len);
				buf_addstr(&out->trace, "]");
			}
			if (field) {
				size_t vl = 0;
				const char *v = warc_field(&rec, field, &vl);
				buf_addf(&out->trace, " {%s=", field);
				if (v)
					buf_add(&out->trace, v, vl);
				else
					buf_addstr(&out->trace, "(null)");
				buf_addstr(&out->trace, "}");
			}
			buf_addch(&out->trace, '\n');
		} else {
			const struct warc_problem *p = warc_reader_problem(r);
			CHECK_INT(p->code, rc);
			CHECK(p->what && p->what[0]);
			buf_addf(&out->trace, "P %s@%llu\n", code_name(rc),
				 (unsigned long long)p->offset);
			if (rc == SL_EIO || rc == SL_ENOMEM) {
				out->fatal = 1;
				break;
			}
			out->problems++;
		}
	}
	CHECK(guard < 100000);
	out->st = *warc_reader_stats(r);
	warc_reader_free(r);
}

static void run_mem(const char *data, size_t len, const struct warc_limits *lim,
		    int show_body, const char *field, struct run *out)
{
	FILE *f = tmpfile();
	struct instream *in;

	CHECK(f != NULL);
	if (!f)
		exit(1);
	CHECK_INT(fwrite(data, 1, len, f), len);
	fflush(f);
	rewind(f);
	CHECK_INT(instream_open_fd(&in, fileno(f), 0), 0);
	run_stream(in, lim, show_body, field, out);
	instream_free(in);
	fclose(f);
}

#define REC(type, cl, body) "WARC/1.0\r\nWARC-Type: " type "\r\nContent-Length: " cl "\r\n\r\n" body "\r\n\r\n"
/* OK is 58 bytes, its header block 52 */
#define OK REC("resource", "2", "ok")

static const struct {
	const char *name;
	const char *data;
	size_t max_header, max_body;
	const char *field;
	const char *trace;
} cases[] = {
	{ "one record", OK, 0, 0, NULL, "R resource@0 [ok]\n" },
	{ "two records", OK OK, 0, 0, NULL, "R resource@0 [ok]\nR resource@58 [ok]\n" },
	{ "bare LF", "WARC/1.0\nWARC-Type: request\nContent-Length: 3\n\nabc\n\n" OK, 0, 0, NULL,
	  "R request@0 [abc]\nR resource@52 [ok]\n" },
	{ "mixed CRLF LF trailer", "WARC/1.0\r\nContent-Length: 1\r\n\r\nx\r\n\n" OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@35 [ok]\n" },
	{ "block one byte short", REC("resource", "2", "ok\n") OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@59 [ok]\n" },
	{ "empty block", REC("request", "0", "") OK, 0, 0, NULL,
	  "R request@0 []\nR resource@55 [ok]\n" },
	{ "version 0.17", "WARC/0.17\r\nWARC-Type: response\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n", 0, 0,
	  NULL, "R response@0 [hi]\n" },
	{ "type case", REC("Response", "1", "a") REC("fancy-new", "1", "b"), 0, 0, "WARC-Type",
	  "R response@0 [a] {WARC-Type=Response}\nR other@57 [b] {WARC-Type=fancy-new}\n" },
	{ "no type", "WARC/1.1\r\nContent-Length: 1\r\n\r\na\r\n\r\n", 0, 0, "warc-type",
	  "R other@0 [a] {warc-type=(null)}\n" },
	{ "folded field", "WARC/1.0\r\nWARC-Type: resource\r\nX-Long: one\r\n  two\r\n\tthree  \r\nContent-Length: 1\r\n\r\na\r\n\r\n",
	  0, 0, "x-long", "R resource@0 [a] {x-long=one two three}\n" },
	{ "field name case", OK, 0, 0, "content-LENGTH", "R resource@0 [ok] {content-LENGTH=2}\n" },
	{ "blank lines between", OK "\r\n\r\n\n" OK, 0, 0, NULL,
	  "R resource@0 [ok]\nR resource@63 [ok]\n" },
	{ "missing trailer at eof", "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 2\r\n\r\nok", 0, 0, NULL,
	  "R resource@0 [ok]\n" },
	{ "half trailer at eof", "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 2\r\n\r\nok\r\n", 0, 0, NULL,
	  "R resource@0 [ok]\n" },
	{ "nested record in block", REC("resource", "60", "\r\n" OK) OK, 0, 0, NULL,
	  "R resource@0 [\r\n" OK "]\nR resource@117 [ok]\n" },
	{ "missing content-length", "WARC/1.0\r\nWARC-Type: resource\r\n\r\nabc\r\n\r\n" OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@40 [ok]\n" },
	{ "content-length letters", REC("resource", "2a", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@59 [ok]\n" },
	{ "content-length sign", REC("resource", "+2", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@59 [ok]\n" },
	{ "content-length negative", REC("resource", "-2", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@59 [ok]\n" },
	{ "content-length empty", REC("resource", "", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@57 [ok]\n" },
	{ "content-length inner space", REC("resource", "1 1", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@60 [ok]\n" },
	{ "content-length hex", REC("resource", "0x2", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@60 [ok]\n" },
	{ "content-length overflow", REC("resource", "18446744073709551616", "ok") OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@77 [ok]\n" },
	{ "content-length 2^64-1", REC("resource", "18446744073709551615", "ok") OK, 0, 0, NULL,
	  "P ETOOBIG@0\n" /* skipped by streaming to the end */ },
	{ "content-length padded", "WARC/1.0\r\nContent-Length:   2 \t\r\n\r\nok\r\n\r\n", 0, 0, NULL,
	  "R other@0 [ok]\n" },
	{ "bad version line", "WARC/1.0 extra\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@43 [ok]\n" },
	{ "version without minor", "WARC/1\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@35 [ok]\n" },
	{ "nul in header", "WARC/1.0\r\nWARC-Type: resource\r\nX: a\0b\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" OK,
	  0, 0, NULL, "P EWARC@0\nR resource@66 [ok]\n" },
	{ "garbage first", "junk\r\nmore junk\n" OK, 0, 0, NULL, "P EWARC@0\nR resource@16 [ok]\n" },
	{ "garbage between", OK "zz\nWARC/ no digit\n WARC/1.0 not at line start\n" OK, 0, 0, NULL,
	  "R resource@0 [ok]\nP EWARC@58\nR resource@104 [ok]\n" },
	{ "garbage at the end", OK "trailing junk", 0, 0, NULL, "R resource@0 [ok]\nP EWARC@58\n" },
	{ "not warc", "just some text\nwithout records", 0, 0, NULL, "P EFORMAT@0\n" },
	{ "not warc, one line", "x", 0, 0, NULL, "P EFORMAT@0\n" },
	{ "only WARC/1", "WARC/1", 0, 0, NULL, "P ETRUNC@0\n" },
	{ "truncated header", "WARC/1.0\r\nWARC-Type: resource\r\nContent-Len", 0, 0, NULL, "P ETRUNC@0\n" },
	{ "truncated block", OK "WARC/1.0\r\nContent-Length: 10\r\n\r\nabc", 0, 0, NULL,
	  "R resource@0 [ok]\nP ETRUNC@58\n" },
	{ "length too small", REC("resource", "1", "ok") OK, 0, 0, NULL, "P EWARC@0\nR resource@58 [ok]\n" },
	{ "length too large", REC("resource", "4", "ok") OK OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@58 [ok]\nR resource@116 [ok]\n" },
	{ "length past eof", REC("resource", "400", "ok") OK OK, 0, 0, NULL,
	  "P EWARC@0\nR resource@60 [ok]\nR resource@118 [ok]\n" },
	{ "body over limit", REC("resource", "10", "0123456789") OK, 0, 9, NULL,
	  "P ETOOBIG@0\nR resource@67 [ok]\n" },
	{ "body at limit", REC("resource", "10", "0123456789") OK, 0, 10, NULL,
	  "R resource@0 [0123456789]\nR resource@67 [ok]\n" },
	{ "body over limit, bad trailer", REC("resource", "10", "0123456789xx") OK, 0, 9, NULL,
	  "P ETOOBIG@0\nR resource@69 [ok]\n" },
	{ "header over limit", "WARC/1.0\r\nWARC-Type: resource\r\nX-Pad: 0123456789012345678901234567890123456789\r\n"
	  "Content-Length: 2\r\n\r\nok\r\n\r\n" OK, 100, 0, NULL, "P ETOOBIG@0\nR resource@107 [ok]\n" },
	{ "header at limit", OK, 52, 0, NULL, "R resource@0 [ok]\n" },
	{ "header over limit by one", OK OK, 51, 0, NULL, "P ETOOBIG@0\nP ETOOBIG@58\n" },
	{ "empty", "", 0, 0, NULL, "" },
	{ "only blank lines", "\r\n\r\n", 0, 0, NULL, "" },
};

static void test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct warc_limits lim = { cases[i].max_header, cases[i].max_body };
		struct run r;
		size_t len = strlen(cases[i].data);

		/* the data may hold NULs: use the literal's size where known */
		if (strcmp(cases[i].name, "nul in header") == 0)
			len = sizeof("WARC/1.0\r\nWARC-Type: resource\r\nX: a\0b\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" OK) - 1;
		run_mem(cases[i].data, len, &lim, 1, cases[i].field, &r);
		if (strcmp(r.trace.ptr, cases[i].trace) != 0)
			fprintf(stderr, "case '%s':\n", cases[i].name);
		CHECK_STR(r.trace.ptr, cases[i].trace);
		CHECK_INT(r.fatal, 0);
		buf_release(&r.trace);
	}
}

static void test_versions(void)
{
	static const struct { const char *line; int major, minor; } v[] = {
		{ "WARC/1.0", 1, 0 }, { "WARC/1.1", 1, 1 }, { "WARC/0.17", 0, 17 },
		{ "WARC/0.18", 0, 18 }, { "WARC/1.0  ", 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char data[200];
		FILE *f = tmpfile();
		struct instream *in;
		struct warc_reader *r;
		struct warc_record rec;
		int n = snprintf(data, sizeof(data), "%s\r\nWARC-Type: warcinfo\r\nContent-Length: 1\r\n\r\nx\r\n\r\n",
				 v[i].line);

		fwrite(data, 1, (size_t)n, f);
		rewind(f);
		CHECK_INT(instream_open_fd(&in, fileno(f), 0), 0);
		CHECK_INT(warc_reader_create(&r, in, NULL), 0);
		CHECK_INT(warc_next(r, &rec), 1);
		CHECK_INT(rec.version_major, v[i].major);
		CHECK_INT(rec.version_minor, v[i].minor);
		CHECK_INT(rec.kind, WARC_WARCINFO);
		CHECK_STR(rec.type, "warcinfo");
		CHECK_INT(rec.nfields, 2);
		CHECK_STR(rec.fields[1].name, "Content-Length");
		CHECK_INT(rec.header_len, (size_t)n - 5);
		CHECK_INT(warc_next(r, &rec), 0);
		CHECK_INT(warc_next(r, &rec), 0);
		CHECK_INT(warc_reader_stats(r)->records, 1);
		CHECK_INT(warc_reader_stats(r)->by_type[WARC_WARCINFO], 1);
		warc_reader_free(r);
		instream_free(in);
		fclose(f);
	}
	warc_reader_free(NULL);
}

/* A 10 MB header line: one problem, the next record read, and the window
 * never holding much more than max_header_bytes. */
static void test_huge_header_line(void)
{
	size_t big = (size_t)10 << 20, len;
	const char *head = "WARC/1.0\r\nWARC-Type: resource\r\nX-Big: ";
	char *data = malloc(big + 200);
	struct run r;

	len = strlen(head);
	memcpy(data, head, len);
	memset(data + len, 'a', big);
	len += big;
	memcpy(data + len, "\r\nContent-Length: 2\r\n\r\nok\r\n\r\n" OK, 29 + 58);
	len += 29 + 58;
	run_mem(data, len, NULL, 1, NULL, &r);
	{
		char want[100];
		snprintf(want, sizeof(want), "P ETOOBIG@0\nR resource@%zu [ok]\n", len - 58);
		CHECK_STR(r.trace.ptr, want);
	}
	CHECK(r.st.window_bytes <= ((size_t)3 << 20));
	CHECK_INT(r.st.skipped_bytes, len - 58);
	buf_release(&r.trace);

	/* the same line in gzip, with a tighter limit */
	{
		struct warc_limits lim = { 4096, 0 };
		uLongf zlen = compressBound(len) + 64;
		unsigned char *z = malloc(zlen);
		z_stream s;

		memset(&s, 0, sizeof(s));
		CHECK_INT(deflateInit2(&s, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		s.next_in = (unsigned char *)data;
		s.avail_in = (uInt)len;
		s.next_out = z;
		s.avail_out = (uInt)zlen;
		CHECK_INT(deflate(&s, Z_FINISH), Z_STREAM_END);
		zlen = s.total_out;
		deflateEnd(&s);
		run_mem((const char *)z, zlen, &lim, 1, NULL, &r);
		{
			char want[100];
			snprintf(want, sizeof(want), "P ETOOBIG@0\nR resource@%zu [ok]\n", len - 58);
			CHECK_STR(r.trace.ptr, want);
		}
		CHECK(r.st.window_bytes <= ((size_t)1 << 20));
		buf_release(&r.trace);
		free(z);
	}
	free(data);
}

/* ---- files ---- */

static char shared_dir[4200], source_root[4000];

static int read_file(const char *path, struct buf *b)
{
	gzFile g = gzopen(path, "rb");  /* plain or gzip, all members */
	char chunk[65536];
	int n;

	if (!g)
		return -1;
	while ((n = gzread(g, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	gzclose(g);
	return n < 0 ? -1 : 0;
}

static struct instream *open_path(const char *path)
{
	struct instream *in = NULL;
	int rc = instream_open(&in, path);

	if (rc)
		fprintf(stderr, "cannot open '%s': %s\n", path, sl_strerror(rc));
	return in;
}

/* One row of INVENTORY.tsv per file: exact record and per-type counts. */
static void test_inventory(void)
{
	char path[4600], line[4096];
	FILE *f;
	int rows = 0;

	snprintf(path, sizeof(path), "%s/warc/INVENTORY.tsv", shared_dir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *col[8], *s = line, *tok;
		int ncol = 0, t;
		long want_types[WARC_TYPE_COUNT_] = { 0 };
		struct instream *in;
		struct run r;

		if (strncmp(line, "file\t", 5) == 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		while (ncol < 8 && (col[ncol] = strsep(&s, "\t")) != NULL)
			ncol++;
		CHECK(ncol >= 6);
		if (ncol < 6)
			continue;
		for (tok = strtok(col[5], " "); tok; tok = strtok(NULL, " ")) {
			char *colon = strchr(tok, ':');
			int found = 0;
			if (!colon)
				continue;
			*colon = '\0';
			for (t = 0; t < WARC_TYPE_COUNT_; t++)
				if (strcmp(tok, warc_type_name((enum warc_type)t)) == 0) {
					want_types[t] = atol(colon + 1);
					found = 1;
				}
			CHECK(found);
		}
		snprintf(path, sizeof(path), "%s/warc/%s", shared_dir, col[0]);
		in = open_path(path);
		CHECK(in != NULL);
		if (!in)
			continue;
		run_stream(in, NULL, 0, NULL, &r);
		if (r.records != atoi(col[3]) || r.problems)
			fprintf(stderr, "%s:\n%s", col[0], r.trace.ptr);
		CHECK_INT(r.records, atoi(col[3]));
		CHECK_INT(r.problems, 0);
		CHECK_INT(r.fatal, 0);
		for (t = 0; t < WARC_TYPE_COUNT_; t++)
			CHECK_INT(r.st.by_type[t], want_types[t]);
		CHECK_INT(r.st.skipped_bytes, 0);
		CHECK_INT(r.st.header_bytes + r.st.body_bytes + 4 * r.st.records,
			  instream_stats(in)->out_bytes);
		buf_release(&r.trace);
		instream_free(in);
		rows++;
	}
	fclose(f);
	CHECK(rows >= 15);
}

/* The conversion record blocks of a WET file are exactly the bytes between
 * each header block and the CRLF CRLF before the next "WARC/1.0" line. */
static void test_wet_bodies(const char *name, int want_conversions)
{
	char path[4600];
	struct buf raw = BUF_INIT;
	struct instream *in;
	struct warc_reader *r;
	struct warc_record rec;
	const char *p, *end;
	int rc, n = 0;

	snprintf(path, sizeof(path), "%s/warc/%s", shared_dir, name);
	CHECK_INT(read_file(path, &raw), 0);
	CHECK(raw.len > 0);
	in = open_path(path);
	if (!in)
		return;
	CHECK_INT(warc_reader_create(&r, in, NULL), 0);
	p = raw.ptr;
	end = raw.ptr + raw.len;
	while ((rc = warc_next(r, &rec)) == 1) {
		const char *h, *b, *e;
		if (rec.kind != WARC_CONVERSION)
			continue;
		n++;
		/* independently: the next conversion header in the raw bytes */
		h = memmem(p, (size_t)(end - p), "WARC-Type: conversion\r\n", 23);
		CHECK(h != NULL);
		if (!h)
			break;
		b = memmem(h, (size_t)(end - h), "\r\n\r\n", 4);
		CHECK(b != NULL);
		if (!b)
			break;
		b += 4;
		e = memmem(b, (size_t)(end - b), "\r\n\r\nWARC/1.0\r\n", 14);
		if (!e)
			e = end - 4;
		CHECK_INT(rec.body_len, e - b);
		CHECK(rec.body_len == (size_t)(e - b) && memcmp(rec.body, b, rec.body_len) == 0);
		CHECK_INT(rec.offset + rec.header_len, b - raw.ptr);
		p = e;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(n, want_conversions);
	warc_reader_free(r);
	instream_free(in);
	buf_release(&raw);
}

/* tests/data/warc-bad/EXPECTED.tsv: record count and problems in order */
static void test_bad_fixtures(void)
{
	char path[4600], line[4096];
	FILE *f;
	int rows = 0;

	snprintf(path, sizeof(path), "%s/tests/data/warc-bad/EXPECTED.tsv", source_root);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f) {
		fprintf(stderr, "cannot open '%s'\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *col[6], *s = line, *tok;
		int ncol = 0;
		struct warc_limits lim;
		struct buf want = BUF_INIT, got = BUF_INIT;
		struct instream *in;
		struct run r;
		const char *q;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		while (ncol < 6 && (col[ncol] = strsep(&s, "\t")) != NULL)
			ncol++;
		CHECK_INT(ncol, 5);
		if (ncol != 5)
			continue;
		lim.max_header_bytes = (size_t)atol(col[1]);
		lim.max_body_bytes = (size_t)atol(col[2]);
		if (strcmp(col[4], "-") != 0)
			for (tok = strtok(col[4], ","); tok; tok = strtok(NULL, ","))
				buf_addf(&want, "P %s\n", tok);
		snprintf(path, sizeof(path), "%s/tests/data/warc-bad/%s", source_root, col[0]);
		in = open_path(path);
		CHECK(in != NULL);
		if (!in)
			continue;
		run_stream(in, &lim, 0, NULL, &r);
		for (q = r.trace.ptr; *q; q = strchr(q, '\n') + 1)
			if (*q == 'P')
				buf_add(&got, q, (size_t)(strchr(q, '\n') + 1 - q));
		if (r.records != atoi(col[3]) || strcmp(got.ptr, want.ptr) != 0)
			fprintf(stderr, "%s:\n%s", col[0], r.trace.ptr);
		CHECK_INT(r.records, atoi(col[3]));
		CHECK_STR(got.ptr, want.ptr);
		CHECK_INT(r.fatal, 0);
		buf_release(&want);
		buf_release(&got);
		buf_release(&r.trace);
		instream_free(in);
		rows++;
	}
	fclose(f);
	CHECK(rows >= 15);
}

static int is_dir(const char *p)
{
	char probe[4600];
	FILE *f;

	snprintf(probe, sizeof(probe), "%s/warc/INVENTORY.tsv", p);
	f = fopen(probe, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

int main(void)
{
	const char *env = getenv("SLUICE_SOURCE_ROOT");
	int have_shared;

	snprintf(source_root, sizeof(source_root), "%s", env ? env : ".");
	env = getenv("SLUICE_SHARED_DATA");
	if (env)
		snprintf(shared_dir, sizeof(shared_dir), "%s", env);
	else
		snprintf(shared_dir, sizeof(shared_dir), "%s/../shared/data", source_root);

	test_cases();
	test_versions();
	test_huge_header_line();
	test_bad_fixtures();
	have_shared = is_dir(shared_dir);
	if (have_shared) {
		test_inventory();
		test_wet_bodies("cc-whirlwind-CC-MAIN-2024-22.warc.wet.gz", 1);
		test_wet_bodies("npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet", 3);
		test_wet_bodies("npm-warc-CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet.gz", 3);
	}
	if (!have_shared && check_failed_ == 0) {
		check_done();
		printf("SKIP: shared data not found in '%s' (set SLUICE_SHARED_DATA)\n", shared_dir);
		return 77;
	}
	return check_done();
}
