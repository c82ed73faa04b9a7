/*
 * warcindex.h - where the records of a gzip WARC/WET file start, so that
 * `--shard I/N` can split one large file between tasks at record
 * boundaries instead of giving it whole to one.
 *
 * CommonCrawl compresses every record as its own gzip member; the index
 * lists the compressed offsets of the members whose decompressed bytes
 * begin with "WARC/".  It lives beside the file as FILE.offsets, text:
 *
 *   sluice-warc-offsets 1 <file size> <count>
 *   <offset>            (count lines, ascending, the first is 0)
 *
 * An index whose file size does not match the file is stale and ignored.
 */
#ifndef SLUICE_WARCINDEX_H
#define SLUICE_WARCINDEX_H

#include <stddef.h>
#include <stdint.h>

#define WARC_INDEX_SUFFIX ".offsets"

/* Scan a gzip file (every member inflated): *off gets the offsets of the
 * members that start a record.  SL_EFORMAT with *why when the file is not
 * gzip or a member is damaged; SL_EOPEN / SL_EIO. */
int warc_index_build(const char *path, uint64_t **off, size_t *n, uint64_t *size, const char **why);

/* Write / read FILE.offsets.  Reading returns SL_EFORMAT for a malformed
 * index and SL_EINVAL for a stale one (another file size). */
int warc_index_write(const char *path, uint64_t size, const uint64_t *off, size_t n);
int warc_index_read(const char *path, uint64_t size, uint64_t **off, size_t *n);

#endif
