/*
 * sha1.h - SHA-1 (FIPS 180-4), for datatrove's sha1 shingle hash and
 * cc_net-style line hashes.  Not for security.
 */
#ifndef SLUICE_DEDUP_SHA1_H
#define SLUICE_DEDUP_SHA1_H

#include <stddef.h>
#include <stdint.h>

void dd_sha1(const void *data, size_t n, unsigned char digest[20]);

/* The first 8 digest bytes as a little-endian integer (datatrove's
 * sha1_hash64). */
uint64_t dd_sha1_64(const void *data, size_t n);

#endif
