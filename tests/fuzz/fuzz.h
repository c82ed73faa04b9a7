/*
 * fuzz.h - what the fuzz targets share.
 *
 * Each target defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize).  It is linked either with libFuzzer
 * (-fsanitize=fuzzer, clang, build-fuzz/) or with replay.c, a plain main()
 * that runs every saved input as an ordinary `meson test` (gcc or clang, no
 * fuzzer runtime).  A target must be deterministic, free everything it
 * allocates per input, never print, and never exit.
 */
#ifndef SLUICE_FUZZ_H
#define SLUICE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An anonymous in-memory file holding data[0, n), positioned at 0, so the
 * stream readers (instream_open_fd) see it as a regular file.  -1 on error. */
static inline int fuzz_memfd(const uint8_t *data, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;
	if (fd < 0)
		return -1;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write data[0, n) to path (a model or shard file the loader under test
 * opens by name).  0, or -1 on error. */
static inline int fuzz_write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	if (n && fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Split data at the first occurrence of sep: the part before goes to
 * (a, an), the rest (after sep) to (b, bn).  Without sep everything is a and
 * b is empty.  Returns 1 when sep was found. */
static inline int fuzz_split(const uint8_t *data, size_t n, const char *sep,
			     const uint8_t **a, size_t *an, const uint8_t **b, size_t *bn)
{
	size_t sl = strlen(sep);
	const uint8_t *p = sl <= n ? memmem(data, n, sep, sl) : NULL;
	*a = data;
	if (!p) {
		*an = n;
		*b = data + n;
		*bn = 0;
		return 0;
	}
	*an = (size_t)(p - data);
	*b = p + sl;
	*bn = n - *an - sl;
	return 1;
}

/* Where the shared real data lives (vocabularies the targets load once):
 * $SLUICE_SHARED_DATA, else ../shared/data beside the source tree. */
const char *fuzz_shared_data(void);

/* Encode and decode a few fixed lines with a loaded vocabulary. */
struct bpe;
void fuzz_bpe_exercise(const struct bpe *b);

/* A private temporary folder for the files of a target whose code under
 * test takes paths: made on the first call (in $SLUICE_FUZZ_TMPDIR, else
 * /dev/shm when writable, else $TMPDIR; /tmp when the name is longer than
 * 32 bytes), emptied and removed at
 * exit. */
const char *fuzz_tmpdir(const char *target);

/* WARC text t[0, n) compressed as CommonCrawl does, appended to out: cut
 * before every "WARC/" that starts a line, each piece its own gzip member
 * (zstd: frame, level 1); the member numbered damage (SIZE_MAX: none) gets
 * one byte flipped, at damage_pos modulo its size.  0, or -1. */
struct buf;
int fuzz_warc_members(struct buf *out, const uint8_t *t, size_t n, int zstd, size_t damage, unsigned damage_pos);

#endif
