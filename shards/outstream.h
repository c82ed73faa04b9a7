/*
 * outstream.h - writing bytes to a file or stdout, compressed by extension.
 *
 * A name ending in ".gz" is written as gzip, ".zst" as zstd, anything else
 * (and stdout, "-") as plain bytes.  Regular files are written under a
 * temporary name in the same directory and renamed into place by
 * outstream_close(s, 1), so a reader never sees half a file and a failed
 * run leaves nothing behind (outstream_close(s, 0) removes it; a program
 * killed by SIGTERM, SIGINT or SIGHUP removes it too: common/tmpclean.h).  Devices,
 * FIFOs and descriptor names (/dev/stdout, /dev/fd/N) are written
 * directly; a regular file under /dev/shm is published like any other.
 *
 * A closed downstream pipe makes writes fail with SL_EPIPE (SIGPIPE must be
 * ignored by the program, which cmd/main.c does).  Not thread safe.
 */
#ifndef SLUICE_OUTSTREAM_H
#define SLUICE_OUTSTREAM_H

#include <stddef.h>
#include <stdint.h>

struct outstream;

enum outstream_codec { OUTSTREAM_PLAIN, OUTSTREAM_GZIP, OUTSTREAM_ZSTD };

/* The codec a file name asks for. */
enum outstream_codec outstream_codec_for(const char *path);

/* Open path (NULL or "-": stdout).  level: compression level, 0 for the
 * codec's default.  0 or SL_EOPEN (errno set) / SL_ENOMEM. */
int outstream_open(struct outstream **out, const char *path, int level);

/* Write n bytes. 0, SL_EIO (errno set), SL_EPIPE, or SL_ENOMEM. */
int outstream_write(struct outstream *s, const void *p, size_t n);

/* Bytes accepted so far (before compression). */
uint64_t outstream_bytes(const struct outstream *s);

/* The first error a write met (sticky), or 0: tells a caller whose
 * library call failed whether writing was the cause. */
int outstream_error(const struct outstream *s);

/* The file outstream_open(path) would create and rename into place (the
 * target of a symlink, else path), malloc'ed; NULL with errno 0 when it
 * writes to path as it is (standard output, /dev/fd/N, a device, a FIFO:
 * nothing to create), NULL with errno ENOMEM on failure.  For checking an
 * output's folder before a run. */
char *outstream_target(const char *path);

/* Is the stream a terminal? (for refusing binary output) */
int outstream_isatty(const struct outstream *s);

/* The first phase of publishing several files together: write what is
 * buffered (ending the compressed frame), fsync and close the temporary (a
 * device or stdout: just write), and return the first error met so far.
 * Nothing is renamed: outstream_close(s, 1) then only renames (and
 * returns the same error, removing the temporary, if this failed);
 * outstream_close(s, 0) removes it.  Calling it again returns the same. */
int outstream_finish(struct outstream *s);

/* Finish the stream, then either publish the file (commit != 0) or remove
 * it.  Output that goes straight out (stdout, a FIFO, a device) cannot be
 * taken back: what is still buffered is written either way (unless a write
 * already failed), so the reader gets whole records.  Frees s (NULL is a
 * no-op, returning 0).  Returns the first error met by any write or by
 * finishing, flushing, closing or renaming. */
int outstream_close(struct outstream *s, int commit);

#endif
