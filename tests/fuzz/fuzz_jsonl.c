/*
 * fuzz_jsonl.c - the JSONL document reader as `sluice cat` runs it: instream
 * (plain, gzip or zstd, detected from the bytes), jsonl_reader (lines capped
 * at 64 KiB), doc_parse, then the accessors and edits stages make
 * (text, dotted paths, new text and metadata, write back), and the
 * "tokens" array `sluice shard` reads.
 */
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "error.h"
#include "fuzz.h"
#include "instream.h"
#include "jsonl.h"
#include "tokshard.h"

/* decoded bytes looked at per input: a 64 KiB zstd input can expand to
 * gigabytes, which the real reader streams in constant memory but which
 * would take a fuzz input far past its one second */
#define MAX_DECODED ((uint64_t)4 << 20)

static void one_doc(struct doc *d, const char *line, size_t n, unsigned flags, struct buf *out)
{
	struct json_err e;
	const char *s;
	size_t len;
	struct buf tmp = BUF_INIT;
	struct tokshard_ids ids = { NULL, 0, 0 };
	char why[128];

	if (doc_parse(d, line, n, 1 << 20, flags, &e))
		return;
	if (doc_text(d, &s, &len))
		return;
	(void)doc_get_path(d, "metadata.language", &len);
	(void)doc_get_path(d, "metadata.a.b", &len);
	doc_get_str(d, "url", &tmp);
	if ((s = doc_get_raw(d, "tokens", &len)))
		tokshard_parse_ids(s, len, 65535, &ids, why, sizeof(why));
	tokshard_ids_release(&ids);
	buf_reset(out);
	doc_write(d, out);  /* unchanged: the input bytes back */
	/* then with changes, as a filtering stage makes them */
	doc_text(d, &s, &len);
	if (len > 2)
		doc_set_text(d, s, len / 2);
	doc_meta_set_str(d, "language", "en", 2);
	doc_meta_set_double(d, "score", 0.5);
	doc_meta_set_int(d, "n", (long long)n);
	doc_set_raw_str(d, "source", tmp.ptr, tmp.len);
	buf_reset(out);
	doc_write(d, out);
	buf_release(&tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct instream *in;
	struct jsonl_reader r;
	struct doc d;
	struct buf out = BUF_INIT;
	const char *line;
	size_t len, lines = 0;
	int fd = fuzz_memfd(data, size), rc;

	if (fd < 0)
		return 0;
	if (instream_open_fd(&in, fd, 1)) {
		close(fd);
		return 0;
	}
	if (jsonl_reader_init(&r, in, 0, UINT64_MAX, 64 << 10)) {
		instream_free(in);
		return 0;
	}
	doc_init(&d);
	while ((rc = jsonl_next(&r, &line, &len)) != 0 && lines++ < 4096 &&
	       instream_stats(in)->out_bytes <= MAX_DECODED) {
		if (rc == 1)
			one_doc(&d, line, len, lines & 1 ? 0 : DOC_ID_OPTIONAL, &out);
		else if (rc != SL_ETOOBIG && rc != SL_ETRUNC)
			break; /* fatal */
	}
	doc_release(&d);
	buf_release(&out);
	jsonl_reader_release(&r);
	instream_free(in);
	return 0;
}
