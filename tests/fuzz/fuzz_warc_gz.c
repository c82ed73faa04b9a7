/*
 * fuzz_warc_gz.c - the WARC reader over compressed input built from the
 * fuzz bytes, so the mutator works on WARC text while the gzip and zstd
 * paths of instream (members, frames, resync after corruption, truncation)
 * see valid compressed data with controlled damage.
 *
 * Input: 4 control bytes, then WARC text.  The text is cut before every
 * "WARC/" that starts a line and each piece becomes its own gzip member
 * (CommonCrawl's layout) or zstd frame (control byte 0 bit 0).  Byte 1
 * picks a member to damage (0xff: none), byte 2 where in it, byte 3 how
 * many bytes to cut off the end of the whole stream.
 */
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "instream.h"
#include "warc.h"

#define MAX_DECODED ((uint64_t)4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf z = BUF_INIT;
	struct instream *in;
	struct warc_reader *r;
	struct warc_record rec;
	int fd, rc, n = 0, use_zstd;
	volatile size_t sink = 0;

	if (size < 4)
		return 0;
	use_zstd = data[0] & 1;
	const uint8_t *t = data + 4;
	size_t tn = size - 4;
	/* compress piece by piece */
	if (fuzz_warc_members(&z, t, tn, use_zstd, data[1], data[2]))
		goto out;
	if (data[3] && data[3] < z.len)
		buf_setlen(&z, z.len - data[3]);

	if ((fd = fuzz_memfd((const uint8_t *)z.ptr, z.len)) < 0)
		goto out;
	if (instream_open_fd(&in, fd, 1)) {
		close(fd);
		goto out;
	}
	if (warc_reader_create(&r, in, NULL)) {
		instream_free(in);
		goto out;
	}
	while ((rc = warc_next(r, &rec)) != 0 && n++ < 10000 &&
	       instream_stats(in)->out_bytes <= MAX_DECODED) {
		if (rc == 1) {
			if (rec.body_len)
				sink += (unsigned char)rec.body[0] + (unsigned char)rec.body[rec.body_len - 1];
		} else if (rc != SL_EWARC && rc != SL_EFORMAT && rc != SL_ETRUNC &&
			   rc != SL_ETOOBIG && rc != SL_EGZIP && rc != SL_EZSTD) {
			break;
		}
	}
	warc_reader_free(r);
	instream_free(in);
out:
	buf_release(&z);
	(void)sink;
	return 0;
}
