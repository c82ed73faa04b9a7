/*
 * lineset.c - the sharded, savable line-hash set.
 */
#include <string.h>

#include "error.h"
#include "instream.h"
#include "lineset.h"

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

static int write_shard(struct outstream *os, const struct dd_hashset *h)
{
	unsigned char b[8 * 512];
	size_t i, k = 0;
	int rc;

	put64(b, h->n + (uint64_t)h->has_zero);
	if ((rc = outstream_write(os, b, 8)))
		return rc;
	if (h->has_zero)
		put64(b + 8 * k++, 0);
	for (i = 0; i < h->cap; i++) {
		if (!h->keys[i])
			continue;
		put64(b + 8 * k++, h->keys[i]);
		if (k == 512) {
			if ((rc = outstream_write(os, b, 8 * k)))
				return rc;
			k = 0;
		}
	}
	return k ? outstream_write(os, b, 8 * k) : 0;
}

int dd_lineset_write(const struct dd_lineset *s, struct outstream *os)
{
	unsigned char hdr[32];
	int i, rc;

	memcpy(hdr, magic, 16);
	memset(hdr + 16, 0, 16);
	hdr[16] = DD_LINESET_SHARDS;
	put64(hdr + 24, s->n);
	rc = outstream_write(os, hdr, 32);
	for (i = 0; i < DD_LINESET_SHARDS && !rc; i++)
		rc = write_shard(os, &s->shard[i]);
	return rc;
}

int dd_lineset_save(const struct dd_lineset *s, const char *path)
{
	struct outstream *os;
	int rc, rc2;

	if ((rc = outstream_open(&os, path, 0)))
		return rc;
	rc = dd_lineset_write(s, os);
	rc2 = outstream_close(os, rc == 0);
	return rc ? rc : rc2;
}

/* Read exactly n bytes: 0, SL_ETRUNC at the end, or the stream's error. */
static int read_full(struct instream *in, unsigned char *p, size_t n)
{
	while (n) {
		unsigned flags = 0;
		ssize_t got = instream_read(in, p, n, &flags);
		if (got < 0)
			return (int)got;
		if (got == 0)
			return SL_ETRUNC;
		if (flags & INSTREAM_GAP)
			return SL_EFORMAT; /* a damaged compressed member was skipped */
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int dd_lineset_load(struct dd_lineset *s, const char *path)
{
	unsigned char hdr[32], b[8 * 512];
	uint64_t total, seen = 0, n, j;
	struct instream *in;
	int i, rc = 0;

	if ((rc = instream_open(&in, path)))
		return rc;
	if ((rc = read_full(in, hdr, 32)) || memcmp(hdr, magic, 16) ||
	    hdr[16] != DD_LINESET_SHARDS || hdr[17] || hdr[18] || hdr[19]) {
		instream_free(in);
		return rc && rc != SL_ETRUNC ? rc : SL_EFORMAT;
	}
	total = get64(hdr + 24);
	for (i = 0; i < DD_LINESET_SHARDS && !rc; i++) {
		if ((rc = read_full(in, b, 8)))
			break;
		n = get64(b);
		if (n > total - seen) {
			rc = SL_EFORMAT;
			break;
		}
		seen += n;
		for (j = 0; j < n && !rc;) {
			size_t want = n - j > 512 ? 512 : (size_t)(n - j), k;
			if ((rc = read_full(in, b, 8 * want)))
				break;
			for (k = 0; k < want; k++) {
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
			j += want;
		}
	}
	if (!rc && seen != total)
		rc = SL_EFORMAT;
	if (!rc) {
		/* nothing after the last shard, and no damage the stream skipped */
		const struct instream_stats *st;
		unsigned flags = 0;
		ssize_t got = instream_read(in, b, 1, &flags);
		st = instream_stats(in);
		if (got < 0)
			rc = (int)got;
		else if (got > 0 || st->corrupt_members || st->garbage_bytes)
			rc = SL_EFORMAT;
		else if (st->truncated)
			rc = SL_ETRUNC;
	}
	instream_free(in);
	return rc;
}
