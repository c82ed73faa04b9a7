/*
 * fuzz_warcindex.c - the WARC offsets index (shards/warcindex.c): reading
 * FILE.offsets (header, count bound, ascending offsets inside the file),
 * and building an index by inflating every gzip member of a file.
 *
 * Input: byte 0 picks the mode, the rest is the data.
 *   even: the data is FILE.offsets; the file size the caller passes is the
 *         header's own when byte 0 & 2 (so the offsets get read), else
 *         bytes 1-4 (little-endian) and the data starts at byte 5.
 *   odd:  the data is cut before every "WARC/" that starts a line, each
 *         piece gzipped as its own member (CommonCrawl's layout); bit 1
 *         damages one member (byte 1 picks it), bit 2 cuts byte 2 bytes
 *         off the end; then the index is built from that file and, when it
 *         builds, written and read back: the offsets must round-trip.
 */
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "warcindex.h"

static char file[96], index_file[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(file, sizeof(file), "%s/f.warc.gz", fuzz_tmpdir("warcindex"));
	snprintf(index_file, sizeof(index_file), "%s" WARC_INDEX_SUFFIX, file);
	return 0;
}

static void read_index(const uint8_t *data, size_t size)
{
	uint64_t fsize = 0, *off = NULL;
	size_t n = 0, i;
	unsigned long long hs, hc;
	int v;

	if (data[0] & 2) {
		/* the size the header names, so that the offsets are read */
		char head[128];
		size_t k = size - 1 < sizeof(head) - 1 ? size - 1 : sizeof(head) - 1;
		memcpy(head, data + 1, k);
		head[k] = '\0';
		if (sscanf(head, "sluice-warc-offsets %d %llu %llu", &v, &hs, &hc) == 3)
			fsize = hs;
		data += 1;
		size -= 1;
	} else {
		if (size < 5)
			return;
		fsize = (uint64_t)data[1] | (uint64_t)data[2] << 8 | (uint64_t)data[3] << 16 | (uint64_t)data[4] << 24;
		data += 5;
		size -= 5;
	}
	if (fuzz_write_file(index_file, data, size))
		return;
	if (warc_index_read(file, fsize, &off, &n) == 0) {
		/* what was accepted: ascending, the first 0, all inside the file */
		if (n == 0 || off[0] != 0)
			abort();
		for (i = 1; i < n; i++)
			if (off[i] <= off[i - 1] || off[i] >= fsize)
				abort();
	}
	free(off);
}

static void build_index(const uint8_t *data, size_t size)
{
	struct buf z = BUF_INIT;
	const uint8_t *t = data + 3;
	size_t tn = size - 3;
	uint64_t *off = NULL, *back = NULL, fsize = 0;
	size_t n = 0, nb = 0;
	const char *why;
	int rc;

	if (fuzz_warc_members(&z, t, tn, 0, data[0] & 2 ? data[1] : SIZE_MAX, data[2]))
		goto out;
	if ((data[0] & 4) && data[2] < z.len)
		buf_setlen(&z, z.len - data[2]);
	if (fuzz_write_file(file, (const uint8_t *)z.ptr, z.len))
		goto out;
	rc = warc_index_build(file, &off, &n, &fsize, &why);
	if (rc == SL_EFORMAT && !why)
		abort();
	if (rc == 0 && n > 0) {
		if (fsize != z.len)
			abort();
		if (warc_index_write(file, fsize, off, n) == 0) {
			if (warc_index_read(file, fsize, &back, &nb) != 0 || nb != n ||
			    memcmp(back, off, n * sizeof(*off)))
				abort(); /* written, but not read back the same */
		}
	}
out:
	free(off);
	free(back);
	buf_release(&z);
	unlink(index_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	if (data[0] & 1)
		build_index(data, size);
	else
		read_index(data, size);
	return 0;
}
