#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "jsonl.h"

static char path[64];

static void write_file(const char *s, size_t n)
{
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/sluice-test-jsonl-%d", (int)getpid());
	f = fopen(path, "wb");
	fwrite(s, 1, n, f);
	fclose(f);
}

/* Read [start, end) and append each line plus '|' to out; problems as '!'. */
static int read_range(uint64_t start, uint64_t end, size_t max, struct buf *out)
{
	struct instream *in;
	struct jsonl_reader r;
	const char *l;
	size_t n;
	int rc;

	if (start)
		rc = instream_open_at(&in, path, start - 1);
	else
		rc = instream_open(&in, path);
	if (rc)
		return rc;
	jsonl_reader_init(&r, in, start, end, max);
	while ((rc = jsonl_next(&r, &l, &n)) != 0) {
		if (rc == 1) {
			buf_add(out, l, n);
			buf_addch(out, '|');
		} else if (rc == SL_ETOOBIG) {
			buf_addstr(out, "!big|");
		} else {
			break;
		}
	}
	jsonl_reader_release(&r);
	instream_free(in);
	return rc;
}

int main(void)
{
	struct buf out = BUF_INIT, all = BUF_INIT, parts = BUF_INIT;
	const char text[] = "a\nbb\r\n\n   \nccc\nd\n\neeeee\nf";
	size_t len = sizeof(text) - 1, s, t;

	write_file(text, len);
	CHECK_INT(read_range(0, UINT64_MAX, 0, &all), 0);
	/* CRLF trimmed, blank lines skipped, the unterminated last line kept */
	CHECK_STR(all.ptr, "a|bb|ccc|d|eeeee|f|");

	/* Any split into two or three ranges sees every line exactly once. */
	for (s = 0; s <= len; s++) {
		for (t = s; t <= len; t++) {
			buf_reset(&parts);
			read_range(0, s, 0, &parts);
			read_range(s, t, 0, &parts);
			read_range(t, UINT64_MAX, 0, &parts);
			if (parts.len != all.len || memcmp(parts.ptr, all.ptr, all.len))
				fprintf(stderr, "split at %zu,%zu gave %s\n", s, t, parts.ptr);
			CHECK_STR(parts.ptr, all.ptr);
		}
	}

	/* lines over the limit are skipped, not buffered; reading continues */
	buf_reset(&out);
	{
		struct buf big = BUF_INIT;
		buf_addstr(&big, "short\n");
		for (int i = 0; i < 300000; i++)
			buf_addch(&big, 'x');
		buf_addstr(&big, "\nafter\n");
		write_file(big.ptr, big.len);
		buf_release(&big);
	}
	CHECK_INT(read_range(0, UINT64_MAX, 1000, &out), 0);
	CHECK_STR(out.ptr, "short|!big|after|");
	/* a limit exactly at the line length accepts it */
	buf_reset(&out);
	write_file("12345\n123456\n", 13);
	CHECK_INT(read_range(0, UINT64_MAX, 5, &out), 0);
	CHECK_STR(out.ptr, "12345|!big|");

	/* an empty file has no lines */
	buf_reset(&out);
	write_file("", 0);
	CHECK_INT(read_range(0, UINT64_MAX, 0, &out), 0);
	CHECK_INT(out.len, 0);

	unlink(path);
	buf_release(&out);
	buf_release(&all);
	buf_release(&parts);
	return check_done();
}
