/*
 * instream.h - reading bytes from a file, stdin or a compressed stream.
 *
 * The codec is detected from the first bytes, never from the file name:
 * gzip (1f 8b; any number of members, CommonCrawl writes one per record),
 * zstd (28 b5 2f fd; any number of frames), else plain bytes.
 *
 * Hostile input is the normal case here:
 *   - a corrupt gzip member (bad deflate data, CRC-32 or length) returns
 *     none of its bytes (up to INSTREAM_HOLD_MAX of output, see below);
 *   - a corrupt gzip member or zstd frame is skipped: the reader scans the
 *     compressed bytes for the next member/frame magic, from just after the
 *     bad member's start (damage can make inflate read on into the next
 *     member; a file seeks back, a pipe keeps the member's bytes while they
 *     fill at most 3/4 of the 256 KiB raw buffer, else scans on), and
 *     resumes there;
 *     the next chunk returned carries INSTREAM_GAP so a record parser knows
 *     the bytes before and after do not join up;
 *   - a stream that ends inside a member is "truncated": everything decoded
 *     before is returned, then EOF, and instream_stats() says so; unless
 *     it is a gzip member after which members decode back to back from a
 *     magic to the end: damage (a stored block's length) made inflate read
 *     on through them, so the member is corrupt and skipped as above;
 *   - bytes after the last member that are not another member are counted
 *     as trailing garbage and skipped.
 * None of these is an error return: they are counted and reported by cmd/.
 * Errors (negative SL_E* codes) are reserved for I/O failures.
 *
 * A chunk returned by instream_read() never spans a gzip member or zstd
 * frame boundary, nor a gap; INSTREAM_MEMBER marks a chunk that starts a
 * new member (except the first), so per-record gzip can be used to resync.
 *
 * Not thread safe; one stream per thread.
 */
#ifndef SLUICE_INSTREAM_H
#define SLUICE_INSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct instream;

enum instream_codec {
	INSTREAM_PLAIN = 0,
	INSTREAM_GZIP,
	INSTREAM_ZSTD,
};

/* Flags describing the chunk just returned by instream_read(). */
enum instream_flag {
	INSTREAM_GAP = 1u << 0,    /* bytes were lost just before this chunk */
	INSTREAM_MEMBER = 1u << 1, /* this chunk starts a new gzip member / zstd frame */
};

struct instream_stats {
	uint64_t raw_bytes;       /* bytes read from the file (compressed) */
	uint64_t out_bytes;       /* decoded bytes returned */
	uint64_t members;         /* gzip members / zstd frames started */
	uint64_t corrupt_members; /* members skipped because they did not decode */
	uint64_t skipped_bytes;   /* compressed length of the corrupt members:
				     each from its start to the next magic */
	uint64_t garbage_bytes;   /* non-member bytes after/between members */
	int truncated;            /* input ended inside a member */
	uint64_t first_error_offset; /* raw offset of the first corruption */
	/* the first corrupt member: its raw start offset and compressed length */
	uint64_t first_corrupt_offset, first_corrupt_length;
	/* decoded bytes of corrupt gzip members that had been returned before
	 * the corruption showed: only members whose output exceeds
	 * INSTREAM_HOLD_MAX (they cannot be held until their trailer) */
	uint64_t passed_corrupt_bytes;
	int lost_at_end;          /* a corrupt member came after the last byte
				     returned: a last line or record there was
				     cut short (no later chunk carries the gap) */
};

/* A gzip member's decoded output is held back until its trailer (CRC-32 and
 * length) has been checked, so a corrupt member returns nothing at all.
 * Memory stays bounded: a member whose output exceeds this budget (a whole
 * file compressed as one member) is passed on as it decodes once the budget
 * is full, and if it then fails, passed_corrupt_bytes says how much of it
 * went out.  zstd frames are returned as their blocks decode. */
#define INSTREAM_HOLD_MAX ((size_t)64 << 20)

/* Open path ("-" or NULL: stdin; http:// or https://: a remote file,
 * streamed through libcurl without saving it, see http_get.h).  Returns 0
 * or SL_EOPEN (errno set). */
int instream_open(struct instream **out, const char *path);

/* Wrap an open descriptor; it is closed by instream_free() when own != 0. */
int instream_open_fd(struct instream **out, int fd, int own);

/* Open a plain (uncompressed) regular file positioned at byte `start`; used
 * by --shard to split large JSONL files (the caller finds line boundaries).
 * Fails with SL_EFORMAT when the file is compressed or not seekable:
 * compressed files are only ever assigned whole. */
int instream_open_at(struct instream **out, const char *path, uint64_t start);

/* Decode only the raw bytes [start, end) of a file (end UINT64_MAX: to its
 * end): a run of whole gzip members or zstd frames, as a WARC index
 * (warcindex.h) delimits them, or any byte range of a plain file.  Offsets
 * in the stats stay file offsets. */
int instream_open_range(struct instream **out, const char *path, uint64_t start, uint64_t end);

/* Read up to n decoded bytes into dst.  Returns the byte count (> 0), 0 at
 * the end of input, or a negative SL_E* code.  *flags (may be NULL)
 * receives INSTREAM_* bits for this chunk. */
ssize_t instream_read(struct instream *s, void *dst, size_t n, unsigned *flags);

enum instream_codec instream_codec(const struct instream *s);
const struct instream_stats *instream_stats(const struct instream *s);

/* Size of the underlying file when it is a regular file, else -1. */
int64_t instream_file_size(const struct instream *s);

void instream_free(struct instream *s); /* NULL is a no-op */

/*
 * A sliding window over an instream, for parsers that look at buffered
 * bytes without copying them (JSONL lines, WARC headers and bodies).
 *
 * Data is joined across gzip member boundaries (BGZF and concatenated .gz
 * split lines anywhere) but never across a gap: while bytes from before a
 * gap are visible, inwin_fill() stops at it and sets at_gap.  A parser that
 * needed more than it got knows its record is broken; once it has consumed
 * everything visible, the next fill continues after the gap.
 */
struct inwin {
	struct instream *s;
	char *buf;          /* window storage */
	size_t cap;         /* allocated bytes */
	size_t start, end;  /* visible bytes are buf[start, end) */
	size_t max;         /* the window never holds more than this */
	uint64_t offset;    /* decoded-stream offset of buf[start] */
	char *held;         /* a chunk read past a gap, waiting */
	size_t held_len;
	int at_gap;         /* the visible bytes end at a gap */
	int eof;            /* no more input after the visible bytes */
	uint64_t gaps;      /* gaps met so far (including ones at a point
			       where nothing was visible) */
};

/* max: the most bytes a caller may ask to see at once (0: 64 MiB). */
int inwin_init(struct inwin *w, struct instream *s, size_t max);
void inwin_release(struct inwin *w);

/* Make at least `want` bytes visible unless input ends or a gap
 * intervenes.  Returns the bytes visible (possibly fewer than want, check
 * eof/at_gap), or a negative SL_E* code: SL_ETOOBIG when want > max, or an
 * I/O error from the stream. */
ssize_t inwin_fill(struct inwin *w, size_t want);

static inline size_t inwin_avail(const struct inwin *w) { return w->end - w->start; }
static inline const char *inwin_ptr(const struct inwin *w) { return w->buf + w->start; }

/* Consume n visible bytes (n <= inwin_avail). */
static inline void inwin_skip(struct inwin *w, size_t n)
{
	w->start += n;
	w->offset += n;
}

#endif
