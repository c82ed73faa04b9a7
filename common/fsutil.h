/*
 * fsutil.h - small file-system helpers shared by the commands.
 */
#ifndef SLUICE_FSUTIL_H
#define SLUICE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* mkdir -p: the folders that path lives in, and path itself too when
 * `whole` is set; new ones get `mode` (less the umask).  A component that
 * exists already, whatever mkdir says of it, is passed.  0, or -1 with
 * errno set. */
int fs_mkdirs(const char *path, int whole, mode_t mode);

/* The whole file at path into out (reset first), at most max bytes.  0, or
 * SL_EOPEN / SL_EIO (errno set), SL_ETOOBIG, SL_ENOMEM; out is released
 * on error. */
int fs_read_file(const char *path, size_t max, struct buf *out);

/* The same from an open descriptor, read to its end (not closed). */
int fs_read_fd(int fd, size_t max, struct buf *out);

#endif
