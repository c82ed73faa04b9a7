#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "instream.h"

/* Append one gzip member holding s to out. */
static void gz_member(struct buf *out, const char *s, size_t n)
{
	z_stream z = { 0 };
	unsigned char tmp[65536];
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)n;
	z.next_out = tmp;
	z.avail_out = sizeof(tmp);
	deflate(&z, Z_FINISH);
	buf_add(out, tmp, sizeof(tmp) - z.avail_out);
	deflateEnd(&z);
}

static void zst_frame(struct buf *out, const char *s, size_t n)
{
	char tmp[65536];
	size_t k = ZSTD_compress(tmp, sizeof(tmp), s, n, 3);
	buf_add(out, tmp, k);
}

static char path[64];

static void write_file(const struct buf *b)
{
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/sluice-test-instream-%d", (int)getpid());
	f = fopen(path, "wb");
	fwrite(b->ptr, 1, b->len, f);
	fclose(f);
}

/* Read the whole file, recording the flags of each chunk as text. */
static int read_all(struct buf *out, struct buf *events, struct instream_stats *st)
{
	struct instream *in;
	char chunk[7]; /* small reads exercise the partial paths */
	ssize_t n;
	unsigned fl;
	int rc = instream_open(&in, path);
	if (rc)
		return rc;
	while ((n = instream_read(in, chunk, sizeof(chunk), &fl)) > 0) {
		if (fl & INSTREAM_GAP)
			buf_addstr(events, "|GAP|");
		if (fl & INSTREAM_MEMBER)
			buf_addstr(events, "|M|");
		buf_add(events, chunk, (size_t)n);
		buf_add(out, chunk, (size_t)n);
	}
	*st = *instream_stats(in);
	instream_free(in);
	return n < 0 ? (int)n : 0;
}

int main(void)
{
	struct buf f = BUF_INIT, out = BUF_INIT, ev = BUF_INIT;
	struct instream_stats st;
	size_t cut, mlen;

	/* plain */
	buf_addstr(&f, "hello, plain world\n");
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(out.ptr, "hello, plain world\n");

	/* empty file */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_INT(out.len, 0);

	/* multi-member gzip: joined, boundaries flagged */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "first record\n", 13);
	gz_member(&f, "second record\n", 14);
	gz_member(&f, "third\n", 6);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(out.ptr, "first record\nsecond record\nthird\n");
	CHECK_STR(ev.ptr, "first record\n|M|second record\n|M|third\n");
	CHECK_INT(st.members, 3);
	CHECK_INT(st.corrupt_members, 0);
	CHECK_INT(st.truncated, 0);

	/* a corrupt member in the middle: skipped, a gap, the rest read */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "first record\n", 13);
	cut = f.len;
	gz_member(&f, "the second record is long enough to have a real deflate body body body\n", 72);
	mlen = f.len - cut;
	f.ptr[cut + 12] ^= 0x55;
	f.ptr[cut + 13] ^= 0xff;
	f.ptr[cut + 14] ^= 0x33;
	gz_member(&f, "third\n", 6);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK(strstr(out.ptr, "first record\n") == out.ptr);
	CHECK(strstr(ev.ptr, "|GAP|") != NULL);
	CHECK(out.len >= 6 && !memcmp(out.ptr + out.len - 6, "third\n", 6));
	CHECK_INT(st.corrupt_members, 1);
	CHECK(st.first_error_offset >= cut);
	/* nothing of the corrupt member comes out; it is named whole */
	CHECK_STR(out.ptr, "first record\nthird\n");
	CHECK_INT(st.first_error_offset, cut);
	CHECK_INT(st.first_corrupt_offset, cut);
	CHECK_INT(st.first_corrupt_length, mlen);
	CHECK_INT(st.skipped_bytes, mlen);
	CHECK_INT(st.passed_corrupt_bytes, 0);

	/* only the CRC-32 is wrong: the member's bytes are still dropped */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "first record\n", 13);
	cut = f.len;
	gz_member(&f, "a member whose data decodes but whose CRC is wrong\n", 51);
	mlen = f.len - cut;
	f.ptr[f.len - 6] ^= 0x01;
	gz_member(&f, "third\n", 6);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(out.ptr, "first record\nthird\n");
	CHECK_STR(ev.ptr, "first record\n|GAP||M|third\n");
	CHECK_INT(st.corrupt_members, 1);
	CHECK_INT(st.first_corrupt_offset, cut);
	CHECK_INT(st.first_corrupt_length, mlen);
	CHECK_INT(st.skipped_bytes, mlen);

	/* truncated inside the last member: everything before is kept */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "complete\n", 9);
	cut = f.len;
	gz_member(&f, "this member will be cut short\n", 30);
	buf_setlen(&f, cut + 12);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK(strncmp(out.ptr, "complete\n", 9) == 0);
	CHECK_INT(st.truncated, 1);

	/* garbage after the last member */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "ok\n", 3);
	buf_addstr(&f, "GARBAGE!");
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(out.ptr, "ok\n");
	CHECK_INT(st.garbage_bytes, 8);

	/* garbage between members: skipped, flagged as a gap */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	gz_member(&f, "one\n", 4);
	buf_addstr(&f, "xxxxxxxxxxxx");
	gz_member(&f, "two\n", 4);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(ev.ptr, "one\n|GAP||M|two\n");
	CHECK_INT(st.garbage_bytes, 12);

	/* zstd frames, one corrupt */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	zst_frame(&f, "alpha\n", 6);
	zst_frame(&f, "beta\n", 5);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_STR(out.ptr, "alpha\nbeta\n");
	CHECK_INT(st.members, 2);
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	zst_frame(&f, "alpha\n", 6);
	cut = f.len;
	zst_frame(&f, "beta beta beta beta\n", 20);
	f.ptr[cut + 8] ^= 0x7f;
	f.ptr[cut + 9] ^= 0x7f;
	zst_frame(&f, "gamma\n", 6);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK(strncmp(out.ptr, "alpha\n", 6) == 0);
	CHECK(out.len >= 6 && !memcmp(out.ptr + out.len - 6, "gamma\n", 6));
	CHECK_INT(st.corrupt_members, 1);

	/* zstd truncated */
	buf_reset(&f); buf_reset(&out); buf_reset(&ev);
	zst_frame(&f, "alpha alpha alpha\n", 18);
	buf_setlen(&f, f.len - 3);
	write_file(&f);
	CHECK_INT(read_all(&out, &ev, &st), 0);
	CHECK_INT(st.truncated, 1);

	/* missing file */
	{
		struct instream *in;
		CHECK_INT(instream_open(&in, "/nonexistent/x"), SL_EOPEN);
		CHECK(in == NULL);
	}

	/* the window never joins data across a gap */
	{
		struct instream *in;
		struct inwin w;
		ssize_t n;
		buf_reset(&f);
		gz_member(&f, "AAAA", 4);
		cut = f.len;
		gz_member(&f, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", 78);
		f.ptr[cut + 11] ^= 0xff;
		f.ptr[cut + 12] ^= 0xff;
		gz_member(&f, "CCCC", 4);
		write_file(&f);
		CHECK_INT(instream_open(&in, path), 0);
		inwin_init(&w, in, 0);
		n = inwin_fill(&w, 1000);
		CHECK(n >= 4 && n < 1000);
		CHECK(w.at_gap);
		CHECK(!memcmp(inwin_ptr(&w), "AAAA", 4));
		inwin_skip(&w, (size_t)n);
		n = inwin_fill(&w, 1000);
		CHECK_INT(n, 4);
		CHECK(!memcmp(inwin_ptr(&w), "CCCC", 4));
		CHECK(w.eof);
		CHECK_INT(w.gaps, 1);
		CHECK_INT(inwin_fill(&w, (size_t)1 << 40), SL_ETOOBIG);
		inwin_release(&w);
		instream_free(in);
	}

	/* open_at: plain files only */
	buf_reset(&f);
	buf_addstr(&f, "0123456789");
	write_file(&f);
	{
		struct instream *in;
		char c[16];
		CHECK_INT(instream_open_at(&in, path, 4), 0);
		CHECK_INT(instream_read(in, c, sizeof(c), NULL), 6);
		CHECK_MEM(c, 6, "456789", 6);
		instream_free(in);
		buf_reset(&f);
		gz_member(&f, "x", 1);
		write_file(&f);
		CHECK_INT(instream_open_at(&in, path, 1), SL_EFORMAT);
	}

	unlink(path);
	buf_release(&f);
	buf_release(&out);
	buf_release(&ev);
	return check_done();
}
