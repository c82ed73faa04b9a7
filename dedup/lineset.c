/*
 * lineset.c - the sharded, savable line-hash set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "lineset.h"
#include "tmpclean.h"

static const char magic[16] = { 'S', 'L', 'U', 'I', 'C', 'E', '-', 'L', 'I', 'N', 'E', 'S', 'E', 'T', '0', '1' };

void dd_lineset_init(struct dd_lineset *s, struct dd_budget *budget)
{
	int i;

	for (i = 0; i < DD_LINESET_SHARDS; i++)
		dd_hashset_init(&s->shard[i], budget);
	s->n = 0;
}

void dd_lineset_release(struct dd_lineset *s)
{
	int i;

	for (i = 0; i < DD_LINESET_SHARDS; i++)
		dd_hashset_release(&s->shard[i]);
	s->n = 0;
}

int dd_lineset_add(struct dd_lineset *s, uint64_t h)
{
	int rc = dd_hashset_put(&s->shard[h >> 58], h, 0, NULL);

	if (rc == 0)
		s->n++;
	return rc;
}

static void put64(unsigned char *p, uint64_t v)
{
	int i;
	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;
	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int write_shard(FILE *f, const struct dd_hashset *h)
{
	unsigned char b[8 * 512];
	size_t i, k = 0;

	put64(b, h->n + (uint64_t)h->has_zero);
	if (fwrite(b, 1, 8, f) != 8)
		return -1;
	if (h->has_zero)
		put64(b + 8 * k++, 0);
	for (i = 0; i < h->cap; i++) {
		if (!h->keys[i])
			continue;
		put64(b + 8 * k++, h->keys[i]);
		if (k == 512) {
			if (fwrite(b, 8, k, f) != k)
				return -1;
			k = 0;
		}
	}
	return k && fwrite(b, 8, k, f) != k ? -1 : 0;
}

int dd_lineset_save(const struct dd_lineset *s, const char *path)
{
	char tmp[4096];
	unsigned char hdr[32];
	FILE *f;
	int i, bad = 0, slot;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return SL_EINVAL;
	slot = tmpclean_add(tmp); /* removed if a signal kills the program */
	if (!(f = fopen(tmp, "wb"))) {
		tmpclean_remove(slot);
		return SL_EOPEN;
	}
	memcpy(hdr, magic, 16);
	memset(hdr + 16, 0, 16);
	hdr[16] = DD_LINESET_SHARDS;
	put64(hdr + 24, s->n);
	bad = fwrite(hdr, 1, 32, f) != 32;
	for (i = 0; i < DD_LINESET_SHARDS && !bad; i++)
		bad = write_shard(f, &s->shard[i]) != 0;
	if (fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		tmpclean_remove(slot);
		errno = e;
		return SL_EIO;
	}
	tmpclean_remove(slot);
	return 0;
}

int dd_lineset_load(struct dd_lineset *s, const char *path)
{
	unsigned char hdr[32], b[8 * 512];
	uint64_t total, seen = 0, n, j;
	FILE *f;
	int i, rc = 0;

	if (!(f = fopen(path, "rb")))
		return SL_EOPEN;
	if (fread(hdr, 1, 32, f) != 32 || memcmp(hdr, magic, 16) ||
	    hdr[16] != DD_LINESET_SHARDS || hdr[17] || hdr[18] || hdr[19]) {
		fclose(f);
		return SL_EFORMAT;
	}
	total = get64(hdr + 24);
	for (i = 0; i < DD_LINESET_SHARDS && !rc; i++) {
		if (fread(b, 1, 8, f) != 8) {
			rc = SL_ETRUNC;
			break;
		}
		n = get64(b);
		if (n > total - seen) {
			rc = SL_EFORMAT;
			break;
		}
		seen += n;
		for (j = 0; j < n && !rc;) {
			size_t want = n - j > 512 ? 512 : (size_t)(n - j), got, k;
			got = fread(b, 8, want, f);
			if (got != want) {
				rc = SL_ETRUNC;
				break;
			}
			for (k = 0; k < got; k++) {
				uint64_t h = get64(b + 8 * k);
				if ((int)(h >> 58) != i) {
					rc = SL_EFORMAT;
					break;
				}
				if ((rc = dd_lineset_add(s, h)) > 0)
					rc = 0;
				if (rc)
					break;
			}
			j += got;
		}
	}
	if (!rc && (seen != total || fread(b, 1, 1, f) != 0))
		rc = SL_EFORMAT;
	if (!rc && ferror(f))
		rc = SL_EIO;
	fclose(f);
	return rc;
}
