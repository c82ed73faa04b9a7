/*
 * lineset.h - a sharded set of 64-bit line hashes that can be saved and
 * loaded (cc_net-style line dedup; monthly refreshes dedup against last
 * month's set).
 *
 * The set is DD_LINESET_SHARDS open-addressing tables chosen by the top
 * bits of the hash, so growing one only doubles one shard's memory at a
 * time.  All memory is charged to a struct dd_budget.
 *
 * File format (little endian): the 16 bytes "SLUICE-LINESET01", uint32
 * shards (64), uint32 0, uint64 total count; then per shard: uint64 n and
 * n uint64 hashes (in table order).  Written through the output layer
 * (shards/outstream.h: FILE.tmp-<pid> renamed on success; devices, FIFOs
 * and stdout written directly; through symlinks; .gz/.zst compressed by
 * name) and read through the input layer (compression detected).
 * Not thread safe.
 */
#ifndef SLUICE_DEDUP_LINESET_H
#define SLUICE_DEDUP_LINESET_H

#include <stddef.h>
#include <stdint.h>

#include "hashset.h"
#include "outstream.h"

#define DD_LINESET_SHARDS 64

struct dd_lineset {
	struct dd_hashset shard[DD_LINESET_SHARDS];
	uint64_t n;
};

void dd_lineset_init(struct dd_lineset *s, struct dd_budget *budget);
void dd_lineset_release(struct dd_lineset *s);

/* 1 when h was already in the set, 0 when it was added, SL_ETOOBIG or
 * SL_ENOMEM. */
int dd_lineset_add(struct dd_lineset *s, uint64_t h);

/* Write the set to an open output stream (the caller closes it, committing
 * or not: a command publishes it together with its other outputs).  0 or
 * outstream_write's error. */
int dd_lineset_write(const struct dd_lineset *s, struct outstream *os);

/* Save / load (load adds to what is there).  0, SL_EOPEN / SL_EIO (errno
 * set), SL_EFORMAT (not a line set file, or damaged), SL_ETRUNC, or the
 * budget's SL_ETOOBIG.  save = outstream_open + dd_lineset_write +
 * outstream_close (path "-": stdout). */
int dd_lineset_save(const struct dd_lineset *s, const char *path);
int dd_lineset_load(struct dd_lineset *s, const char *path);

#endif
