/*
 * test_fetch.c - the downloader's parts that need no server: the gzip
 * integrity check (whole members to the last byte), the refusal of paths
 * that leave the directory, files already complete being skipped without
 * a request, and which names are URLs.  The transfers themselves are
 * tested against a real server in tests/cli/fetch.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "fetch.h"
#include "http_get.h"

static char dir[] = "/tmp/sluice-test-fetch-XXXXXX";

static void gz_member(struct buf *out, const char *s)
{
	z_stream z = { 0 };
	unsigned char tmp[65536];
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)strlen(s);
	z.next_out = tmp;
	z.avail_out = sizeof(tmp);
	deflate(&z, Z_FINISH);
	buf_add(out, tmp, sizeof(tmp) - z.avail_out);
	deflateEnd(&z);
}

static const char *write_file(const char *name, const void *p, size_t n)
{
	static char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	fwrite(p, 1, n, f);
	fclose(f);
	return path;
}

struct events {
	int skip, done, fail, retry;
	char why[256];
};

static void on_event(void *ctx, const struct fetch_event *ev)
{
	struct events *e = ctx;
	if (ev->kind == FETCH_EV_SKIP)
		e->skip++;
	if (ev->kind == FETCH_EV_DONE)
		e->done++;
	if (ev->kind == FETCH_EV_RETRY)
		e->retry++;
	if (ev->kind == FETCH_EV_FAIL) {
		e->fail++;
		snprintf(e->why, sizeof(e->why), "%s", ev->why);
	}
}

struct list {
	const char **p;
	size_t i, n;
};

static int next(void *ctx, const char **path)
{
	struct list *l = ctx;
	if (l->i == l->n)
		return 0;
	*path = l->p[l->i++];
	return 1;
}

int main(void)
{
	struct buf two = BUF_INIT, b = BUF_INIT;
	uint64_t off;
	size_t first_len;

	if (!mkdtemp(dir))
		return 1;

	/* --- the gzip check */
	gz_member(&two, "WARC/1.0\r\nfirst record\r\n\r\n");
	first_len = two.len;
	gz_member(&two, "WARC/1.0\r\nsecond record\r\n\r\n");
	CHECK_INT(fetch_check_gzip(write_file("ok.gz", two.ptr, two.len), &off), 0);
	CHECK_INT(fetch_check_gzip(write_file("cut.gz", two.ptr, two.len - 3), &off), SL_ETRUNC);
	CHECK_INT(fetch_check_gzip(write_file("cut1.gz", two.ptr, 1), &off), SL_ETRUNC);
	CHECK_INT(fetch_check_gzip(write_file("empty.gz", "", 0), &off), SL_EGZIP);
	CHECK_INT(fetch_check_gzip(write_file("plain.gz", "hello\n", 6), &off), SL_EGZIP);
	CHECK_INT(off, 0);
	buf_add(&b, two.ptr, two.len);
	buf_add(&b, "junk", 4);
	CHECK_INT(fetch_check_gzip(write_file("trail.gz", b.ptr, b.len), &off), SL_EGZIP);
	CHECK_INT(off, two.len); /* the garbage starts right after the members */
	buf_reset(&b);
	buf_add(&b, two.ptr, two.len);
	b.ptr[two.len - 6] ^= 0x55; /* the second member's CRC */
	CHECK_INT(fetch_check_gzip(write_file("crc.gz", b.ptr, b.len), &off), SL_EGZIP);
	CHECK_INT(off, first_len); /* the member that failed */
	CHECK_INT(fetch_check_gzip("/nonexistent/x.gz", &off), SL_EOPEN);

	/* --- paths that leave DIR fail without a request; complete files are skipped */
	{
		static const char *paths[] = {
			"/etc/passwd", "../x.gz", "a/../../x.gz", "a//b.gz", "", "a/..",
		};
		struct list l = { paths, 0, sizeof(paths) / sizeof(paths[0]) };
		struct events e = { 0 };
		struct fetch_stats st;
		struct fetch_opts o = { 0 };
		o.base_url = "http://127.0.0.1:1/"; /* never contacted */
		o.dir = dir;
		o.event = on_event;
		o.ctx = &e;
		o.timeout = 1;
		CHECK_INT(fetch_run(&o, next, &l, &st), 0);
		CHECK_INT(e.fail, 6);
		CHECK_INT(st.failed, 6);
		CHECK_INT(st.files, 6);
		CHECK_INT(e.retry, 0);
		CHECK(strstr(e.why, "not a relative path") != NULL);
	}
	{
		static const char *paths[] = { "ok.gz", "crc.gz" };
		struct list l = { paths, 0, 2 };
		struct events e = { 0 };
		struct fetch_stats st;
		struct fetch_opts o = { 0 };
		o.base_url = "http://127.0.0.1:1";
		o.dir = dir;
		o.event = on_event;
		o.ctx = &e;
		CHECK_INT(fetch_run(&o, next, &l, &st), 0);
		CHECK_INT(e.skip, 2);
		CHECK_INT(st.skipped, 2);
		CHECK_INT(st.downloaded + st.failed + st.retries + st.bytes, 0);
	}

	/* --- URLs */
	{
		static const struct { const char *s; int url; } t[] = {
			{ "http://x/y", 1 }, { "https://x/y", 1 }, { "HTTPS://X/Y", 1 },
			{ "ftp://x/y", 0 }, { "x.warc.gz", 0 }, { "-", 0 }, { "http:/x", 0 }, { "", 0 },
		};
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			CHECK_INT(http_is_url(t[i].s), t[i].url);
		CHECK_INT(http_is_url(NULL), 0);
	}

	buf_release(&two);
	buf_release(&b);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			return 1;
	}
	return check_done();
}
