/*
 * shuffle.h - an external two-pass shuffle of records in bounded memory.
 *
 * Pass 1 (shuffle_add) sends each record to one of `buckets` temporary
 * files, chosen by a hash of (seed, record number); pass 2 (shuffle_next)
 * reads the buckets back in order, each shuffled in memory with
 * Fisher-Yates from a generator seeded with (seed, bucket).  Random bucket
 * assignment followed by uniform in-bucket shuffles is a uniform random
 * permutation (Rao 1961; the disk shuffle dolma and DCLM use), and the
 * order depends only on the records and the seed, so a resumed run sees
 * the same order.  Memory holds one bucket: about total / buckets bytes.
 *
 * Library code: returns 0 or negative SL_E* codes (errno set for I/O).
 * Not thread safe.
 */
#ifndef SLUICE_SHUFFLE_H
#define SLUICE_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

struct shuffle;

/* Buckets go in the directory `dir` (created; removed by shuffle_free). */
int shuffle_create(struct shuffle **out, const char *dir, unsigned buckets, uint64_t seed);
/* Pass 1: one record (any bytes). */
int shuffle_add(struct shuffle *s, const void *rec, size_t len);
/* Pass 2: 1 with the next record in *rec and *len (valid until the next
 * call), 0 at the end, or an error.  The first call ends pass 1. */
int shuffle_next(struct shuffle *s, const void **rec, size_t *len);
/* Records added; the largest bucket held in memory so far (bytes). */
uint64_t shuffle_records(const struct shuffle *s);
uint64_t shuffle_peak_bytes(const struct shuffle *s);
/* Remove the bucket files and the directory; free.  NULL: no-op. */
void shuffle_free(struct shuffle *s);

#endif
