/*
 * jsonl.h - splitting a decoded stream into JSONL lines.
 *
 * Lines end at '\n' (a preceding '\r' is dropped); blank lines are skipped;
 * a last line without '\n' counts.  The reader can cover a byte range of a
 * plain file for --shard: it owns exactly the lines whose first byte lies in
 * [start, end), so N readers over N adjacent ranges see every line once.
 *
 * Problems are returned once and the reader has already moved on past them,
 * so the caller reports and calls jsonl_next() again:
 *   SL_ETOOBIG  a line longer than max_line (skipped without buffering it)
 *   SL_ETRUNC   a line cut by corrupt compressed data (the part before the
 *               gap is dropped; reading resumes after the gap), or the
 *               last line of a compressed stream that ends mid-member
 * Other negative codes (SL_EIO, SL_ENOMEM) are fatal.  Not thread safe.
 */
#ifndef SLUICE_JSONL_H
#define SLUICE_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "instream.h"

struct jsonl_reader {
	struct inwin w;
	size_t max_line;
	uint64_t base;       /* file offset of decoded byte 0 of the stream */
	int skip_partial;    /* the first (partial) line belongs to the range before */
	uint64_t end;        /* lines starting at or after this are not ours */
	uint64_t line_no;    /* 1-based number of the last line returned (only
				meaningful when base == 0) */
	uint64_t line_off;   /* file offset of the last line returned/problem */
	size_t pending_skip; /* bytes of the previous line still to consume */
	int started;
	int have_first;      /* first_off is set: the range has a line */
	uint64_t first_off;  /* file offset of the first line in range */
};

/* in: the stream (not owned).  The reader owns the lines starting in
 * [start, end) (end UINT64_MAX: to the end of input).  When start > 0 the
 * stream must have been opened at start - 1 (instream_open_at), so the
 * reader can tell whether a line begins exactly at start.  max_line: 0 for
 * 64 MiB. */
int jsonl_reader_init(struct jsonl_reader *r, struct instream *in, uint64_t start,
		      uint64_t end, size_t max_line);
void jsonl_reader_release(struct jsonl_reader *r);

/* 1: the line (no newline) in *line and *len, valid until the next call; 0: no more lines;
 * negative: a problem (see above) or a fatal error. */
int jsonl_next(struct jsonl_reader *r, const char **line, size_t *len);

/* The bytes of the lines read so far that the range owns (from its first
 * line start through the end of the last line read, newline included):
 * over the ranges of one plain file, once jsonl_next has returned 0 on
 * each, they add up to the file's size. */
uint64_t jsonl_owned_bytes(const struct jsonl_reader *r);

#endif
