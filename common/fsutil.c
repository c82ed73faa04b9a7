/*
 * fsutil.c - small file-system helpers (fsutil.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"

static int mkdir_one(const char *dir, mode_t mode)
{
	struct stat sb;
	int e;
	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	e = errno;
	if (stat(dir, &sb) == 0)
		return 0; /* there already (EACCES, EROFS on an existing folder) */
	errno = e;
	return -1;
}

int fs_mkdirs(const char *path, int whole, mode_t mode)
{
	size_t n = strlen(path), i;
	char *dir;
	int rc = 0;
	if (!(dir = malloc(n + 1))) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(dir, path, n + 1);
	for (i = 1; i < n && !rc; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		rc = mkdir_one(dir, mode);
		dir[i] = '/';
	}
	if (!rc && whole && n)
		rc = mkdir_one(dir, mode);
	free(dir);
	return rc;
}

int fs_read_fd(int fd, size_t max, struct buf *out)
{
	char tmp[65536];
	ssize_t n;
	int rc = 0;
	buf_init(out, max);
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = SL_EIO;
			break;
		}
		if ((rc = buf_add(out, tmp, (size_t)n)))
			break;
	}
	if (rc)
		buf_release(out);
	return rc;
}

int fs_read_file(const char *path, size_t max, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0)
		return SL_EOPEN;
	rc = fs_read_fd(fd, max, out);
	close(fd);
	return rc;
}
