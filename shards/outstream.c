#include "outstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "error.h"
#include "tmpclean.h"

#define OUT_CAP (1u << 20)

struct outstream {
	int fd;
	int is_stdout;
	enum outstream_codec codec;
	char *path, *tmp;
	unsigned char *buf;   /* plain bytes waiting to be encoded/written */
	size_t len;
	unsigned char *zbuf;  /* encoded bytes */
	size_t zcap;
	z_stream z;
	int z_ready;
	ZSTD_CStream *zs;
	uint64_t bytes;
	int err;              /* sticky first error */
	int finished;         /* outstream_finish ran: only the rename (or removal) is left */
	int clean_slot;       /* tmp registered for removal on a fatal signal, or -1 */
};

enum outstream_codec outstream_codec_for(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		return OUTSTREAM_GZIP;
	if (n > 4 && !strcmp(path + n - 4, ".zst"))
		return OUTSTREAM_ZSTD;
	return OUTSTREAM_PLAIN;
}

static int write_all(struct outstream *s, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EPIPE ? SL_EPIPE : SL_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Encode and write the buffered bytes; finish the frame when last. */
static int drain(struct outstream *s, int last)
{
	int rc;

	if (s->err)
		return s->err;
	if (s->codec == OUTSTREAM_PLAIN) {
		rc = write_all(s, s->buf, s->len);
		s->len = 0;
	} else if (s->codec == OUTSTREAM_GZIP) {
		int zrc;
		s->z.next_in = s->buf;
		s->z.avail_in = (uInt)s->len;
		do {
			s->z.next_out = s->zbuf;
			s->z.avail_out = (uInt)s->zcap;
			zrc = deflate(&s->z, last ? Z_FINISH : Z_NO_FLUSH);
			if (zrc == Z_STREAM_ERROR)
				return s->err = SL_EIO;
			if ((rc = write_all(s, s->zbuf, s->zcap - s->z.avail_out)))
				return s->err = rc;
		} while (s->z.avail_out == 0 || (last && zrc != Z_STREAM_END));
		s->len = 0;
		rc = 0;
	} else {
		ZSTD_inBuffer in = { s->buf, s->len, 0 };
		size_t left;
		do {
			ZSTD_outBuffer out = { s->zbuf, s->zcap, 0 };
			left = ZSTD_compressStream2(s->zs, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left))
				return s->err = SL_EIO;
			if ((rc = write_all(s, s->zbuf, out.pos)))
				return s->err = rc;
		} while (in.pos < in.size || (last && left));
		s->len = 0;
		rc = 0;
	}
	return s->err = rc;
}

/* Names of already-open descriptors: writing through them must not
 * create or rename anything. */
static int is_fd_alias(const char *path)
{
	return !strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/stderr") ||
	       !strncmp(path, "/dev/fd/", 8) || !strncmp(path, "/proc/self/fd/", 14);
}

/* The file a symlink names (its target need not exist yet); NULL on error. */
static char *link_target(const char *path)
{
	char *real = realpath(path, NULL), buf[4096], *res;
	const char *slash;
	ssize_t n;

	if (real)
		return real;
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(path, '/');
	if (buf[0] == '/' || !slash)
		return strdup(buf);
	res = malloc((size_t)(slash - path) + 2 + (size_t)n);
	if (res)
		sprintf(res, "%.*s/%s", (int)(slash - path), path, buf);
	return res;
}

/* The name of the file a path has us create: through a symlink, the file
 * it points at (not the link); NULL on error. */
static char *file_of(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) ? link_target(path) : strdup(path);
}

/* Is the output written as it is (nothing created nor renamed)? */
static int writes_directly(const char *path)
{
	struct stat sb;
	return !path || !strcmp(path, "-") || is_fd_alias(path) || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode));
}

char *outstream_target(const char *path)
{
	char *f;
	if (writes_directly(path)) {
		errno = 0;
		return NULL;
	}
	if (!(f = file_of(path)))
		errno = ENOMEM;
	return f;
}

int outstream_open(struct outstream **out, const char *path, int level)
{
	struct outstream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return SL_ENOMEM;
	s->fd = -1;
	s->clean_slot = -1;
	s->buf = malloc(OUT_CAP);
	if (!s->buf)
		goto nomem;
	if (!path || !strcmp(path, "-")) {
		s->fd = 1;
		s->is_stdout = 1;
		s->codec = OUTSTREAM_PLAIN;
	} else if (writes_directly(path)) {
		/* a device, a FIFO, or /dev/stdout and friends (which may be a
		 * redirected regular file): write to it directly, there is
		 * nothing to rename */
		s->codec = outstream_codec_for(path);
		s->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (s->fd < 0) {
			int e = errno;
			outstream_close(s, 0);
			errno = e;
			return SL_EOPEN;
		}
	} else {
		/* through a symlink, replace the file it points at, not the link */
		size_t n;
		s->codec = outstream_codec_for(path);
		s->path = file_of(path);
		n = s->path ? strlen(s->path) : 0;
		s->tmp = malloc(n + 32);
		if (!s->path || !s->tmp)
			goto nomem;
		snprintf(s->tmp, n + 32, "%s.tmp-%ld", s->path, (long)getpid());
		/* removed if a signal kills the program before close (registered
		 * first: unlinking a name that was never created is harmless) */
		s->clean_slot = tmpclean_add(s->tmp);
		s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->fd < 0) {
			int e = errno;
			outstream_close(s, 0);
			errno = e;
			return SL_EOPEN;
		}
	}
	if (s->codec != OUTSTREAM_PLAIN) {
		s->zcap = OUT_CAP;
		s->zbuf = malloc(s->zcap);
		if (!s->zbuf)
			goto nomem;
	}
	if (s->codec == OUTSTREAM_GZIP) {
		if (deflateInit2(&s->z, level ? level : 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			goto nomem;
		s->z_ready = 1;
	} else if (s->codec == OUTSTREAM_ZSTD) {
		s->zs = ZSTD_createCStream();
		if (!s->zs)
			goto nomem;
		ZSTD_CCtx_setParameter(s->zs, ZSTD_c_compressionLevel, level ? level : 3);
		/* a content checksum, as the zstd tool writes by default: a
		 * reader (sluice's, `zstd -t`) then catches damaged bytes that
		 * still decode */
		ZSTD_CCtx_setParameter(s->zs, ZSTD_c_checksumFlag, 1);
	}
	*out = s;
	return 0;
nomem:
	outstream_close(s, 0);
	return SL_ENOMEM;
}

int outstream_write(struct outstream *s, const void *p, size_t n)
{
	const unsigned char *q = p;

	if (s->err)
		return s->err;
	s->bytes += n;
	while (n) {
		size_t k = OUT_CAP - s->len;
		if (k > n)
			k = n;
		memcpy(s->buf + s->len, q, k);
		s->len += k;
		q += k;
		n -= k;
		if (s->len == OUT_CAP) {
			int rc = drain(s, 0);
			if (rc)
				return rc;
		}
	}
	return 0;
}

uint64_t outstream_bytes(const struct outstream *s) { return s->bytes; }

int outstream_error(const struct outstream *s)
{
	return s ? s->err : 0;
}

int outstream_isatty(const struct outstream *s) { return isatty(s->fd); }

/* Write what is left (when committing), fsync a temporary, close the
 * descriptor (not stdout).  The first error, or 0. */
static int finish(struct outstream *s, int commit)
{
	int rc = s->err;

	/* a file under a temporary name is dropped unless committed; what
	 * goes straight out (stdout, a FIFO, a device) gets the rest of the
	 * buffer either way: it holds whole records already counted as
	 * written, and cutting it would leave the reader a broken last one */
	if ((commit || !s->tmp) && !rc && s->fd >= 0)
		rc = drain(s, 1);
	if (s->z_ready)
		deflateEnd(&s->z);
	s->z_ready = 0;
	ZSTD_freeCStream(s->zs);
	s->zs = NULL;
	if (s->is_stdout) {
		/* stdout stays open for atexit checks; nothing to rename */
	} else if (s->fd >= 0) {
		if (s->tmp && commit && !rc && fsync(s->fd) < 0 && errno != EINVAL)
			rc = SL_EIO;
		if (close(s->fd) < 0 && !rc)
			rc = SL_EIO;
	}
	s->fd = -1;
	s->finished = 1;
	return s->err = rc;
}

int outstream_finish(struct outstream *s)
{
	if (!s)
		return 0;
	return s->finished ? s->err : finish(s, 1);
}

int outstream_close(struct outstream *s, int commit)
{
	int rc;

	if (!s)
		return 0;
	rc = s->finished ? s->err : finish(s, commit);
	if (s->tmp && commit && !rc && rename(s->tmp, s->path) < 0)
		rc = SL_EIO;
	if (s->tmp && (!commit || rc))
		unlink(s->tmp);
	tmpclean_remove(s->clean_slot);
	free(s->buf);
	free(s->zbuf);
	free(s->path);
	free(s->tmp);
	free(s);
	return rc;
}
