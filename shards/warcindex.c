/*
 * warcindex.c - record offsets of gzip WARC files; see warcindex.h.
 */
#include "warcindex.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "array.h"
#include "buf.h"
#include "error.h"
#include "outstream.h"

int warc_index_build(const char *path, uint64_t **offp, size_t *np, uint64_t *sizep, const char **why)
{
	enum { CHUNK = 1 << 16 };
	unsigned char *in, *out;  /* on the heap, so that tasks may index in threads */
	uint64_t *off = NULL, base = 0, member = 0;
	size_t n = 0, cap = 0, have = 0, head_len = 0;
	unsigned char head[5];
	struct stat sb;
	z_stream z;
	int fd, rc = 0, zrc, in_member = 0;

	*offp = NULL;
	*np = 0;
	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SL_EOPEN;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*why = "not a regular file";
		return SL_EFORMAT;
	}
	*sizep = (uint64_t)sb.st_size;
	memset(&z, 0, sizeof(z));
	if (!(in = malloc(2 * CHUNK))) {
		close(fd);
		return SL_ENOMEM;
	}
	out = in + CHUNK;
	if (inflateInit2(&z, 31) != Z_OK) {
		free(in);
		close(fd);
		return SL_ENOMEM;
	}
	for (;;) {
		if (z.avail_in == 0) {
			ssize_t r;
			do
				r = read(fd, in, CHUNK);
			while (r < 0 && errno == EINTR);
			if (r < 0) {
				rc = SL_EIO;
				break;
			}
			if (r == 0)
				break;
			base += have;
			have = (size_t)r;
			z.next_in = in;
			z.avail_in = (uInt)r;
		}
		if (!in_member) {
			/* a member starts here */
			member = base + (have - z.avail_in);
			in_member = 1;
			head_len = 0;
		}
		z.next_out = out;
		z.avail_out = CHUNK;
		zrc = inflate(&z, Z_NO_FLUSH);
		if (head_len < sizeof(head)) {
			size_t got = CHUNK - z.avail_out, k = sizeof(head) - head_len;
			memcpy(head + head_len, out, got < k ? got : k);
			head_len += got < k ? got : k;
		}
		if (zrc == Z_STREAM_END) {
			if (head_len == sizeof(head) && memcmp(head, "WARC/", 5) == 0) {
				if (ARRAY_GROW(off, cap, n + 1)) {
					rc = SL_ENOMEM;
					break;
				}
				off[n++] = member;
			}
			in_member = 0;
			inflateReset(&z);
			continue;
		}
		if (zrc == Z_BUF_ERROR && z.avail_in == 0)
			continue; /* needs more input */
		if (zrc != Z_OK) {
			*why = "not gzip, or a damaged gzip member";
			rc = SL_EFORMAT;
			break;
		}
	}
	if (!rc && in_member && (base + have - z.avail_in) > member) {
		*why = "the file ends inside a gzip member (truncated)";
		rc = SL_ETRUNC;
	}
	inflateEnd(&z);
	free(in);
	close(fd);
	if (!rc && (n == 0 || off[0] != 0)) {
		*why = n == 0 ? "no gzip member starts a WARC record (one member for the whole file?)"
			      : "the file does not start with a WARC record";
		rc = SL_EFORMAT;
	}
	if (rc) {
		free(off);
		return rc;
	}
	*offp = off;
	*np = n;
	return 0;
}

int warc_index_write(const char *path, uint64_t size, const uint64_t *off, size_t n)
{
	struct buf b = BUF_INIT, name = BUF_INIT;
	struct outstream *out;
	int rc;

	rc = buf_addf(&name, "%s" WARC_INDEX_SUFFIX, path);
	rc = rc ? rc : buf_addf(&b, "sluice-warc-offsets 1 %" PRIu64 " %zu\n", size, n);
	for (size_t i = 0; i < n && !rc; i++)
		rc = buf_addf(&b, "%" PRIu64 "\n", off[i]);
	if (!rc)
		rc = outstream_open(&out, name.ptr, 0);
	if (!rc) {
		rc = outstream_write(out, b.ptr, b.len);
		if (outstream_close(out, rc == 0) && !rc)
			rc = SL_EIO;
	}
	buf_release(&b);
	buf_release(&name);
	return rc;
}

int warc_index_read(const char *path, uint64_t size, uint64_t **offp, size_t *np)
{
	struct buf name = BUF_INIT;
	unsigned long long fsize, count, v;
	uint64_t *off = NULL;
	FILE *f;
	int rc = 0, version;
	size_t i;

	*offp = NULL;
	*np = 0;
	if (buf_addf(&name, "%s" WARC_INDEX_SUFFIX, path))
		return SL_ENOMEM;
	f = fopen(name.ptr, "r");
	buf_release(&name);
	if (!f)
		return SL_EOPEN;
	/* a gzip member takes at least 18 bytes: that bounds the count */
	if (fscanf(f, "sluice-warc-offsets %d %llu %llu\n", &version, &fsize, &count) != 3 || version != 1 ||
	    count == 0 || count > fsize / 18 + 1) {
		fclose(f);
		return SL_EFORMAT;
	}
	if (fsize != size) {
		fclose(f);
		return SL_EINVAL;
	}
	off = malloc((size_t)count * sizeof(*off));
	if (!off) {
		fclose(f);
		return SL_ENOMEM;
	}
	for (i = 0; i < count; i++) {
		if (fscanf(f, "%llu\n", &v) != 1 || v >= size || (i == 0 && v != 0) || (i && v <= off[i - 1])) {
			rc = SL_EFORMAT;
			break;
		}
		off[i] = v;
	}
	if (!rc && fgetc(f) != EOF)
		rc = SL_EFORMAT;
	fclose(f);
	if (rc) {
		free(off);
		return rc;
	}
	*offp = off;
	*np = (size_t)count;
	return 0;
}
