/*
 * fuzz_warc.c - the WARC/WET reader as `sluice warc` runs it: instream
 * (plain, per-record gzip, whole-file gzip or zstd, detected from the
 * bytes; corrupt members resynchronised) and warc_next over every record,
 * problems included, with small limits so the too-big paths run too.
 */
#include <unistd.h>

#include "error.h"
#include "fuzz.h"
#include "instream.h"
#include "warc.h"

#define MAX_DECODED ((uint64_t)4 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct instream *in;
	struct warc_reader *r;
	struct warc_record rec;
	/* first byte picks small or default limits */
	struct warc_limits lim = { 0, 0 };
	int fd, rc, n = 0;
	volatile size_t sink = 0;

	if (size && (data[0] & 1) == 0) {
		lim.max_header_bytes = 2048;
		lim.max_body_bytes = 16384;
	}
	if ((fd = fuzz_memfd(data, size)) < 0)
		return 0;
	if (instream_open_fd(&in, fd, 1)) {
		close(fd);
		return 0;
	}
	if (warc_reader_create(&r, in, &lim)) {
		instream_free(in);
		return 0;
	}
	while ((rc = warc_next(r, &rec)) != 0 && n++ < 10000 &&
	       instream_stats(in)->out_bytes <= MAX_DECODED) {
		if (rc == 1) {
			size_t len;
			const char *v = warc_field(&rec, "WARC-Target-URI", &len);
			sink += v ? len : 0;
			for (size_t i = 0; i < rec.nfields; i++)
				sink += rec.fields[i].name_len + rec.fields[i].value_len;
			if (rec.body_len)  /* the whole block must be readable */
				sink += (unsigned char)rec.body[0] + (unsigned char)rec.body[rec.body_len - 1];
			sink += warc_type_name(rec.kind)[0];
		} else {
			const struct warc_problem *p = warc_reader_problem(r);
			sink += p->what[0];
			if (rc != SL_EWARC && rc != SL_EFORMAT && rc != SL_ETRUNC &&
			    rc != SL_ETOOBIG && rc != SL_EGZIP && rc != SL_EZSTD)
				break; /* fatal: the reader must not be used again */
		}
	}
	(void)warc_reader_stats(r);
	warc_reader_free(r);
	instream_free(in);
	(void)sink;
	return 0;
}
