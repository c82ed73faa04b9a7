/*
 * warc.h - reading WARC records (WARC/1.0, 1.1 and the older 0.17, 0.18)
 * from an instream: CommonCrawl WARC, WAT and WET files, gzip per record,
 * whole-file gzip, zstd or plain; instream decodes, this module parses.
 *
 * A record is a version line ("WARC/1.0"), named header fields up to an
 * empty line, a block of exactly Content-Length bytes, then CRLF CRLF.
 * Line ends may be CRLF or bare LF; folded header lines (leading SP/TAB)
 * are joined to the previous field with one space.
 *
 * Hostile input is the normal case.  warc_next() reports a broken record,
 * a run of garbage or a stretch of corrupt compressed data as ONE negative
 * return (a "problem") after it has already resynchronised on the next
 * line that starts with "WARC/" and a digit; the caller counts it, prints
 * warc_reader_problem() and calls warc_next() again.  Problems:
 *
 *   SL_EWARC   malformed record: bad version line, missing or invalid
 *              Content-Length, NUL byte in the header, block not followed
 *              by CRLF CRLF (wrong Content-Length: the scan for the next
 *              record starts just after the header, so records swallowed
 *              by a too-large length are not lost), garbage between
 *              records (skipped up to the next record)
 *   SL_EFORMAT the input holds no WARC record at all (reported once)
 *   SL_ETRUNC  the input ends inside a record
 *   SL_ETOOBIG the header block exceeds max_header_bytes (skipped without
 *              buffering it), or Content-Length exceeds max_body_bytes
 *              (the block is skipped by streaming, never buffered)
 *   SL_EGZIP / SL_EZSTD  corrupt compressed data was skipped by instream
 *              (a gap): the record it cut, or the records it swallowed,
 *              are lost; reading resumes with the next record after it
 *
 * SL_EIO and SL_ENOMEM (and any other code not listed above) are fatal:
 * the reader must not be used again except to free it.
 *
 * Not thread safe: one reader per thread.
 */
#ifndef SLUICE_WARC_H
#define SLUICE_WARC_H

#include <stddef.h>
#include <stdint.h>

#include "instream.h"

enum warc_type {
	WARC_WARCINFO = 0,
	WARC_RESPONSE,
	WARC_RESOURCE,
	WARC_REQUEST,
	WARC_METADATA,
	WARC_REVISIT,
	WARC_CONVERSION,
	WARC_CONTINUATION,
	WARC_OTHER,         /* any other WARC-Type, or none given */
	WARC_TYPE_COUNT_
};

/* "warcinfo", "response", ... "other"; never NULL. */
const char *warc_type_name(enum warc_type t);

struct warc_limits {
	size_t max_header_bytes; /* whole header block, version line and
				    empty line included; 0: 1 MiB */
	size_t max_body_bytes;   /* Content-Length; 0: 64 MiB */
};

#define WARC_DEFAULT_MAX_HEADER ((size_t)1 << 20)
#define WARC_DEFAULT_MAX_BODY ((size_t)64 << 20)

/* Names and values are NUL-terminated (and contain no NUL: a header with
 * one is refused); values have surrounding whitespace trimmed and folded
 * lines joined with one space. */
struct warc_header_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/*
 * One record.  Everything it points at belongs to the reader and stays
 * valid until the next warc_next() or warc_reader_free() on that reader.
 * body points into the reader's window (no copy); it is NOT NUL-terminated.
 */
struct warc_record {
	int version_major, version_minor; /* 1.0, 1.1, 0.17, 0.18, ... */
	const char *type;          /* WARC-Type as written, "" if absent */
	enum warc_type kind;       /* WARC-Type matched case-insensitively */
	struct warc_header_field *fields; /* in file order, version line excluded */
	size_t nfields;
	const char *body;          /* the record block, body_len bytes */
	size_t body_len;           /* == Content-Length */
	uint64_t offset;           /* decoded-stream offset of "WARC/" */
	uint64_t header_len;       /* bytes from "WARC/" to the block */
};

struct warc_reader;

/*
 * Create a reader over `in`, which stays owned by the caller and must
 * outlive the reader.  lim NULL (or zero members): defaults.
 * Returns 0 or SL_ENOMEM.
 */
int warc_reader_create(struct warc_reader **out, struct instream *in,
		       const struct warc_limits *lim);

/*
 * Read the next record into *rec.  Returns 1 with a record, 0 at the end
 * of input, or a negative SL_E* code: a problem as listed at the top of
 * this file (recoverable: warc_reader_problem() describes it; call again),
 * or a fatal error (SL_EIO, SL_ENOMEM).  *rec is only written on 1.
 */
int warc_next(struct warc_reader *r, struct warc_record *rec);

/* The first field called `name` (ASCII case-insensitive), or NULL; *len
 * (may be NULL) receives its value's length. */
const char *warc_field(const struct warc_record *rec, const char *name,
		       size_t *len);

struct warc_problem {
	int code;          /* the SL_E* code warc_next() returned */
	uint64_t offset;   /* decoded-stream offset: the broken record's
			      "WARC/", the garbage's first byte, or the first
			      byte after a gap */
	const char *what;  /* lower-case description without a full stop,
			      e.g. "content-length exceeds --max-doc-bytes
			      (80000000 > 67108864)"; stored in the reader */
};

/* The problem behind the last negative warc_next() return; valid until
 * the next warc_next().  Before any problem: code 0, what "". */
const struct warc_problem *warc_reader_problem(const struct warc_reader *r);

struct warc_reader_stats {
	uint64_t records;                     /* returned with 1 */
	uint64_t by_type[WARC_TYPE_COUNT_];   /* indexed by enum warc_type */
	uint64_t header_bytes;                /* of the records returned */
	uint64_t body_bytes;                  /* of the records returned */
	uint64_t problems;                    /* negative non-fatal returns */
	uint64_t skipped_bytes;               /* decoded bytes not part of a
						 returned record (garbage,
						 broken or oversized records) */
	uint64_t too_big;                     /* SL_ETOOBIG problems */
	uint64_t gaps;                        /* SL_EGZIP/SL_EZSTD problems */
	uint64_t truncated;                   /* SL_ETRUNC problems */
	size_t window_bytes;                  /* largest window allocation */
};

const struct warc_reader_stats *warc_reader_stats(const struct warc_reader *r);

void warc_reader_free(struct warc_reader *r); /* NULL is a no-op */

#endif
