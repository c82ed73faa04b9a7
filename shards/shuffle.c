/*
 * shuffle.c - external two-pass shuffle (see shuffle.h).
 */
#include "shuffle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "tmpclean.h"

struct shuffle {
	char *dir;
	unsigned nb;
	uint64_t seed;
	FILE **f;
	uint64_t added, peak;
	int reading;
	unsigned cur;              /* bucket being returned */
	unsigned char *data;       /* its records: [u64 len][bytes]... */
	size_t data_len, data_cap;
	size_t *offs;              /* record offsets, shuffled */
	size_t n, pos, offs_cap;
	int clean_slot;            /* the folder, removed on a fatal signal; -1 none */
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (Lemire's multiply-shift; the tiny bias of skipping the
 * rejection step is below 2^-32 for any n a bucket can hold) */
static uint64_t below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)splitmix64(state) * n) >> 64);
}

static int bucket_path(const struct shuffle *s, unsigned b, char *out, size_t n)
{
	/* the names tmpclean_add_dir(dir, "bucket-", nb) removes on a signal */
	return snprintf(out, n, "%s/bucket-%05u", s->dir, b) < (int)n ? 0 : -1;
}

int shuffle_create(struct shuffle **out, const char *dir, unsigned buckets, uint64_t seed)
{
	struct shuffle *s;
	char path[4200];

	*out = NULL;
	if (!buckets || strlen(dir) > 4000)
		return SL_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->nb = buckets;
	s->seed = seed;
	s->clean_slot = -1;
	s->dir = strdup(dir);
	s->f = calloc(buckets, sizeof(*s->f));
	if (!s->dir || !s->f) {
		shuffle_free(s);
		return SL_ENOMEM;
	}
	s->clean_slot = tmpclean_add_dir(dir, "bucket-", buckets);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int e = errno;
		shuffle_free(s);
		errno = e;
		return SL_EOPEN;
	}
	for (unsigned b = 0; b < buckets; b++) {
		bucket_path(s, b, path, sizeof(path));
		s->f[b] = fopen(path, "w+");
		if (!s->f[b]) {
			int e = errno;
			shuffle_free(s);
			errno = e;
			return SL_EOPEN;
		}
	}
	*out = s;
	return 0;
}

int shuffle_add(struct shuffle *s, const void *rec, size_t len)
{
	uint64_t st = s->seed ^ (s->added * 0xd1342543de82ef95ull), l = len;
	unsigned b = (unsigned)below(&st, s->nb);
	FILE *f = s->f[b];

	if (s->reading)
		return SL_EINVAL;
	if (fwrite(&l, sizeof(l), 1, f) != 1 || (len && fwrite(rec, 1, len, f) != len))
		return SL_EIO;
	s->added++;
	return 0;
}

/* Load bucket b into memory and shuffle its record offsets. */
static int load_bucket(struct shuffle *s, unsigned b)
{
	FILE *f = s->f[b];
	long size;
	uint64_t st;
	size_t off = 0;

	if (fflush(f) != 0 || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		return SL_EIO;
	if ((size_t)size > s->data_cap) {
		unsigned char *p = realloc(s->data, (size_t)size);
		if (!p)
			return SL_ENOMEM;
		s->data = p;
		s->data_cap = (size_t)size;
	}
	if (size && fread(s->data, 1, (size_t)size, f) != (size_t)size)
		return SL_EIO;
	s->data_len = (size_t)size;
	if ((uint64_t)size > s->peak)
		s->peak = (uint64_t)size;
	s->n = s->pos = 0;
	while (off < s->data_len) {
		uint64_t l;
		if (s->data_len - off < 8)
			return SL_EFORMAT;
		memcpy(&l, s->data + off, 8);
		if (l > s->data_len - off - 8)
			return SL_EFORMAT;
		if (s->n == s->offs_cap) {
			size_t nc = s->offs_cap ? s->offs_cap * 2 : 1024;
			size_t *p = realloc(s->offs, nc * sizeof(*p));
			if (!p)
				return SL_ENOMEM;
			s->offs = p;
			s->offs_cap = nc;
		}
		s->offs[s->n++] = off;
		off += 8 + (size_t)l;
	}
	/* Fisher-Yates */
	st = s->seed ^ ((uint64_t)(b + 1) * 0x9e3779b97f4a7c15ull);
	for (size_t i = s->n; i > 1; i--) {
		size_t j = (size_t)below(&st, i), t = s->offs[i - 1];
		s->offs[i - 1] = s->offs[j];
		s->offs[j] = t;
	}
	/* the bucket's file is no longer needed */
	fclose(f);
	s->f[b] = NULL;
	{
		char path[4200];
		bucket_path(s, b, path, sizeof(path));
		unlink(path);
	}
	return 0;
}

int shuffle_next(struct shuffle *s, const void **rec, size_t *len)
{
	int rc;

	if (!s->reading) {
		s->reading = 1;
		s->cur = 0;
		if ((rc = load_bucket(s, 0)))
			return rc;
	}
	while (s->pos == s->n) {
		if (s->cur + 1 >= s->nb)
			return 0;
		if ((rc = load_bucket(s, ++s->cur)))
			return rc;
	}
	{
		size_t off = s->offs[s->pos++];
		uint64_t l;
		memcpy(&l, s->data + off, 8);
		*rec = s->data + off + 8;
		*len = (size_t)l;
	}
	return 1;
}

uint64_t shuffle_records(const struct shuffle *s) { return s->added; }
uint64_t shuffle_peak_bytes(const struct shuffle *s) { return s->peak; }

void shuffle_free(struct shuffle *s)
{
	char path[4200];

	if (!s)
		return;
	if (s->f)
		for (unsigned b = 0; b < s->nb; b++) {
			if (s->f[b])
				fclose(s->f[b]);
			if (s->dir && bucket_path(s, b, path, sizeof(path)) == 0)
				unlink(path);
		}
	if (s->dir)
		rmdir(s->dir);
	tmpclean_remove_dir(s->clean_slot);
	free(s->f);
	free(s->dir);
	free(s->data);
	free(s->offs);
	free(s);
}
