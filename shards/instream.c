/*
 * instream.c - decoding input streams: plain, gzip (multi-member), zstd.
 *
 * Why resync by magic bytes: CommonCrawl writes one gzip member per WARC
 * record, so a flipped bit costs one record if we can find where the next
 * member starts.  A false match inside compressed data merely fails to
 * inflate and triggers another scan, so the scan needs no extra validation
 * beyond the fixed header bytes.
 */
#include "instream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "buf.h"
#include "error.h"
#include "http_get.h"

#define RAW_CAP (256u * 1024u)
#define PEEK_CHUNK (64u * 1024u) /* later_members' buffers */
/* the hold buffer starts at this size and doubles up to INSTREAM_HOLD_MAX;
 * once drained, one larger than HOLD_KEEP is freed, so an idle stream does
 * not keep a big member's memory */
#define HOLD_MIN (256u * 1024u)
#define HOLD_KEEP ((size_t)16 << 20)

struct instream {
	int fd;
	int own;
	struct http_get *url; /* a remote file, read instead of fd */
	enum instream_codec codec;
	int64_t file_size;
	unsigned char *raw;   /* compressed (or plain) bytes read from fd */
	size_t rpos, rlen;
	int raw_eof;
	int in_member;        /* inside a gzip member / zstd frame */
	int started;          /* at least one member begun */
	int done;             /* nothing more to return */
	unsigned next_flags;  /* flags for the next chunk returned */
	int gap_pending;      /* corruption found after this chunk's bytes */
	z_stream z;
	int z_ready;
	ZSTD_DStream *zs;
	struct instream_stats st;
	uint64_t limit;       /* raw bytes left to read from fd (ranges) */
	uint64_t member_start; /* raw offset of the current member's magic */
	/* gzip: the current member's decoded bytes hold[0, hold_len), held
	 * until its trailer checks out; hold[hold_pos, hold_rel) are released
	 * and not yet returned */
	unsigned char *hold;
	size_t hold_cap, hold_len, hold_pos, hold_rel;
	int streaming;         /* this member outgrew the hold: passed on as decoded */
	uint64_t member_passed; /* decoded bytes of this member returned so far */
	uint64_t failed_at;    /* after a rescan: where the corrupt member failed; a
				  member that ends at or before it lay inside that
				  member (a .gz payload stored in it) and is dropped */
};

/* read() from the file (at most limit bytes) or the remote stream:
 * bytes, 0 at the end, or SL_EIO */
static ssize_t src_read(struct instream *s, void *dst, size_t n)
{
	ssize_t r;

	if (s->url)
		return http_get_read(s->url, dst, n);
	if (n > s->limit)
		n = (size_t)s->limit;
	if (n == 0)
		return 0;
	do
		r = read(s->fd, dst, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? SL_EIO : r;
}

static int raw_refill(struct instream *s)
{
	ssize_t n;

	if (s->raw_eof)
		return 0;
	if (s->rpos > 0) {
		size_t from = s->rpos;
		/* a pipe cannot seek back: keep the current member's bytes
		 * (after its magic) while they fill at most 3/4 of the buffer,
		 * so that a failure can rescan them (see rewind_to) */
		if (s->in_member && (s->url || s->file_size < 0)) {
			uint64_t buf_start = s->st.raw_bytes - s->rlen;
			if (s->member_start + 1 >= buf_start &&
			    s->member_start + 1 - buf_start < from &&
			    s->rlen - (s->member_start + 1 - buf_start) <= RAW_CAP / 4 * 3)
				from = (size_t)(s->member_start + 1 - buf_start);
		}
		memmove(s->raw, s->raw + from, s->rlen - from);
		s->rlen -= from;
		s->rpos -= from;
	}
	if (s->rlen == RAW_CAP)
		return 1;
	if (s->limit == 0) {
		s->raw_eof = 1;
		return 0;
	}
	n = src_read(s, s->raw + s->rlen, RAW_CAP - s->rlen);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		s->raw_eof = 1;
		return 0;
	}
	s->rlen += (size_t)n;
	s->st.raw_bytes += (uint64_t)n;
	if (s->limit != UINT64_MAX)
		s->limit -= (uint64_t)n;
	return 1;
}

/* Make at least `want` raw bytes visible unless the file ends. */
static int raw_want(struct instream *s, size_t want)
{
	int rc;

	while (s->rlen - s->rpos < want) {
		rc = raw_refill(s);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

static uint64_t raw_offset(const struct instream *s)
{
	return s->st.raw_bytes - (s->rlen - s->rpos);
}

static int is_gzip_magic(const unsigned char *p)
{
	/* ID1 ID2 CM=deflate, FLG with reserved bits clear */
	return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && (p[3] & 0xe0) == 0;
}

static int is_zstd_magic(const unsigned char *p)
{
	return p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
}

static int is_magic(const struct instream *s, const unsigned char *p)
{
	return s->codec == INSTREAM_GZIP ? is_gzip_magic(p) : is_zstd_magic(p);
}

/*
 * Skip raw bytes until the next member magic (or EOF).  `counter` gets the
 * skipped byte count.  Returns 1 when positioned on a magic, 0 at EOF.
 */
static int scan_to_magic(struct instream *s, uint64_t *counter)
{
	int rc;

	for (;;) {
		rc = raw_want(s, 4);
		if (rc < 0)
			return rc;
		if (s->rlen - s->rpos < 4) {
			*counter += s->rlen - s->rpos;
			s->rpos = s->rlen;
			return 0;
		}
		while (s->rlen - s->rpos >= 4) {
			const unsigned char *p = s->raw + s->rpos;
			const unsigned char *q = memchr(p, s->codec == INSTREAM_GZIP ? 0x1f : 0x28,
							s->rlen - s->rpos - 3);
			if (!q) {
				size_t k = s->rlen - s->rpos - 3;
				*counter += k;
				s->rpos += k;
				break;
			}
			*counter += (size_t)(q - p);
			s->rpos += (size_t)(q - p);
			if (is_magic(s, q))
				return 1;
			(*counter)++;
			s->rpos++;
		}
	}
}

/* Remember where the first problem of any kind was. */
static void note_first_error(struct instream *s)
{
	if (!s->st.corrupt_members && !s->st.truncated && !s->st.garbage_bytes)
		s->st.first_error_offset = raw_offset(s);
}

/* The input ended inside a member: the file was cut short. */
static int member_truncated(struct instream *s)
{
	note_first_error(s);
	s->st.truncated = 1;
	s->in_member = 0;
	return 0;
}

/* Between members: decide what comes next.  Returns 1 when a member can
 * start, 0 at the end of input, negative on I/O error. */
static int next_member(struct instream *s)
{
	int rc = raw_want(s, 4);

	if (rc < 0)
		return rc;
	if (s->rlen == s->rpos)
		return 0;
	if (s->rlen - s->rpos < 4 || !is_magic(s, s->raw + s->rpos)) {
		uint64_t before = s->st.garbage_bytes;
		note_first_error(s);
		rc = scan_to_magic(s, &s->st.garbage_bytes);
		if (rc < 0)
			return rc;
		if (s->st.garbage_bytes != before && s->started)
			s->next_flags |= INSTREAM_GAP;
		if (rc == 0)
			return 0;
	}
	if (s->started)
		s->next_flags |= INSTREAM_MEMBER;
	s->started = 1;
	s->st.members++;
	s->member_start = raw_offset(s);
	return 1;
}

/*
 * Go back to raw offset `to` (not after the current position) when the
 * bytes are still in the raw buffer or the file can seek; else stay.
 * Why: a member can fail well past its end, when the damage hides the
 * final block so that inflate() reads on into the next member's bytes;
 * the next member's magic lies between its start and the point of failure.
 */
static void rewind_to(struct instream *s, uint64_t to)
{
	uint64_t buf_start = s->st.raw_bytes - s->rlen, back;

	if (to >= raw_offset(s))
		return;
	if (to >= buf_start) {
		s->rpos = (size_t)(to - buf_start);
		return;
	}
	if (s->url || s->file_size < 0)
		return; /* a pipe: scan on from here */
	back = s->st.raw_bytes - to;
	if (lseek(s->fd, -(off_t)back, SEEK_CUR) < 0)
		return;
	s->st.raw_bytes = to;
	if (s->limit != UINT64_MAX)
		s->limit += back;
	s->rpos = s->rlen = 0;
	s->raw_eof = 0;
}

/*
 * The current member (gzip member or zstd frame) failed to decode: count
 * it, then skip to the next magic.  The member's length is taken from its
 * start to that magic (or the end of input), and skipped_bytes counts it.
 * rescan: look for the magic from just after the member's start (damage
 * that hides its final block makes inflate read on into the next member,
 * whose magic then lies before the point of failure).  A member found so
 * that ends at or before that point lay inside the corrupt one (a .gz
 * payload stored in a WARC record keeps its magic): read_gzip drops it
 * (failed_at).  One that ends past it is a real next member, unless the
 * damage came before an inner member's end: a known limit.  zstd frames
 * rescan except after a checksum error (at the frame's real end).
 * Returns 1 when positioned on a magic, 0 at the end, negative on I/O error.
 */
static int member_failed(struct instream *s, int rescan)
{
	uint64_t at = raw_offset(s);
	uint64_t scanned = 0, len;
	int rc;

	if (!s->st.corrupt_members && !s->st.truncated && !s->st.garbage_bytes)
		s->st.first_error_offset = s->member_start;
	s->st.corrupt_members++;
	s->st.lost_at_end = 1;
	s->in_member = 0;
	if (rescan) {
		rewind_to(s, s->member_start + 1);
		if (raw_offset(s) < at && at > s->failed_at)
			s->failed_at = at;
	}
	/* never find this member's own header again */
	if (raw_offset(s) <= s->member_start && s->rpos < s->rlen)
		s->rpos++;
	rc = scan_to_magic(s, &scanned);
	len = raw_offset(s) - s->member_start;
	s->st.skipped_bytes += len;
	if (s->st.corrupt_members == 1) {
		s->st.first_corrupt_offset = s->member_start;
		s->st.first_corrupt_length = len;
	}
	return rc;
}

/* Raw bytes [off, off + n) for a look ahead that does not move the stream:
 * from the raw buffer, else (a file) with pread.  The count read, 0 when
 * they are gone (a pipe) or past the end, or SL_EIO. */
static ssize_t raw_peek(const struct instream *s, uint64_t off, unsigned char *dst, size_t n)
{
	uint64_t buf_start = s->st.raw_bytes - s->rlen, end = s->st.raw_bytes;
	off_t cur;
	ssize_t r;

	if (off >= buf_start && off < end) {
		if (n > end - off)
			n = (size_t)(end - off);
		memcpy(dst, s->raw + (off - buf_start), n);
		return (ssize_t)n;
	}
	if (s->url || s->file_size < 0 || off >= end)
		return 0;
	if ((cur = lseek(s->fd, 0, SEEK_CUR)) < 0)
		return SL_EIO;
	if (n > end - off)
		n = (size_t)(end - off);
	do
		r = pread(s->fd, dst, n, cur - (off_t)(end - off));
	while (r < 0 && errno == EINTR);
	return r < 0 ? SL_EIO : r;
}

/* Do gzip members decode cleanly back to back from raw offset `from` up to
 * `end`?  1 yes, 0 no, negative on error.  *budget (compressed bytes this
 * look ahead may still read) bounds the work over all the candidates. */
static int chain_to_end(const struct instream *s, z_stream *z, unsigned char *in, unsigned char *out,
			uint64_t from, uint64_t end, uint64_t *budget)
{
	uint64_t off = from;
	ssize_t got;

	for (;;) {
		int zrc = Z_OK;
		/* a member starts here */
		got = raw_peek(s, off, in, 4);
		if (got < 0)
			return (int)got;
		if (got < 4 || !is_gzip_magic(in))
			return 0;
		if (inflateReset2(z, 31) != Z_OK)
			return SL_ENOMEM;
		while (zrc != Z_STREAM_END) {
			if (*budget == 0 || off >= end)
				return 0;
			got = raw_peek(s, off, in, *budget < PEEK_CHUNK ? (size_t)*budget : PEEK_CHUNK);
			if (got <= 0)
				return (int)got;
			z->next_in = in;
			z->avail_in = (uInt)got;
			do {
				z->next_out = out;
				z->avail_out = PEEK_CHUNK;
				zrc = inflate(z, Z_NO_FLUSH);
			} while (zrc == Z_OK && (z->avail_in || z->avail_out == 0));
			if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
				return zrc == Z_MEM_ERROR ? SL_ENOMEM : 0;
			got -= (ssize_t)z->avail_in;
			off += (uint64_t)got;
			*budget -= (uint64_t)got;
		}
		if (off == end)
			return 1;
	}
}

/*
 * The input ended inside the current gzip member.  Usually the file was
 * cut short, but damage that hides a member's final block (a stored
 * block's length, say) makes inflate() read on through the members after
 * it up to the end.  Those members are real when, from one of the magics
 * after the member's start, members decode cleanly back to back up to the
 * end; a .gz payload stored inside the member is followed by the member's
 * own data, not by another member or the end.  (A file cut exactly at the
 * end of such a payload would pass for the other case: accepted.)  Returns
 * the raw offset of the first such member, 0 when there is none or its
 * bytes are gone (a pipe, beyond what the raw buffer kept), negative on
 * error.  The work is bounded: at most 4 times the member's bytes plus
 * 1 MiB of compressed input is read over all candidates.
 */
static int64_t later_members(struct instream *s)
{
	const size_t W = PEEK_CHUNK;
	uint64_t end = s->st.raw_bytes, off = s->member_start + 1;
	uint64_t budget = 4 * (end - s->member_start) + ((uint64_t)1 << 20);
	unsigned char *win = malloc(3 * W), *in = win + W, *out = win + 2 * W;
	z_stream z;
	int64_t found = 0;
	int zready = 0;

	memset(&z, 0, sizeof(z));
	if (!win || inflateInit2(&z, 31) != Z_OK) {
		found = SL_ENOMEM;
		goto done;
	}
	zready = 1;
	while (!found && off + 4 <= end && budget) {
		ssize_t got = raw_peek(s, off, win, W);
		size_t k = 0;
		if (got < 0) {
			found = got;
			break;
		}
		if (got < 4) {
			if (off >= s->st.raw_bytes - s->rlen)
				break;
			off = s->st.raw_bytes - s->rlen; /* a pipe: from what the buffer kept */
			continue;
		}
		while (!found && k + 4 <= (size_t)got) {
			unsigned char *q = memchr(win + k, 0x1f, (size_t)got - 3 - k);
			int rc;
			if (!q)
				break;
			k = (size_t)(q - win) + 1;
			if (!is_gzip_magic(q))
				continue;
			rc = chain_to_end(s, &z, in, out, off + k - 1, end, &budget);
			if (rc < 0)
				found = rc;
			else if (rc)
				found = (int64_t)(off + k - 1);
		}
		off += (uint64_t)got - 3;
	}
done:
	if (zready)
		inflateEnd(&z);
	free(win);
	return found;
}

/* Room for more output in the hold buffer: 1, or 0 when it is at the
 * budget, or SL_ENOMEM. */
static int hold_room(struct instream *s)
{
	size_t ncap;
	unsigned char *p;

	if (s->hold_len < s->hold_cap)
		return 1;
	if (s->hold_cap >= INSTREAM_HOLD_MAX)
		return 0;
	ncap = s->hold_cap ? s->hold_cap * 2 : HOLD_MIN;
	if (ncap > INSTREAM_HOLD_MAX)
		ncap = INSTREAM_HOLD_MAX;
	p = realloc(s->hold, ncap);
	if (!p)
		return SL_ENOMEM;
	s->hold = p;
	s->hold_cap = ncap;
	return 1;
}

/*
 * gzip: each member is inflated into the hold buffer and released only
 * when inflate() has checked its trailer (Z_STREAM_END), so the bytes of a
 * member that turns out corrupt (bad deflate data, CRC-32, length) are
 * dropped whole: one extra copy (hold to dst) on the normal path.  A member
 * whose output outgrows INSTREAM_HOLD_MAX is released as it stands and
 * then inflated straight into dst (no copy) until its end.
 */
static ssize_t read_gzip(struct instream *s, void *dst, size_t n)
{
	int rc, zrc;

	for (;;) {
		if (s->hold_pos < s->hold_rel) {
			size_t k = s->hold_rel - s->hold_pos;
			if (k > n)
				k = n;
			memcpy(dst, s->hold + s->hold_pos, k);
			s->hold_pos += k;
			return (ssize_t)k;
		}
		if (s->hold_pos == s->hold_len && s->hold_len) {
			s->hold_pos = s->hold_rel = s->hold_len = 0;
			if (s->hold_cap > HOLD_KEEP) {
				free(s->hold);
				s->hold = NULL;
				s->hold_cap = 0;
			}
		}
		if (!s->in_member) {
			rc = next_member(s);
			if (rc <= 0)
				return rc;
			if (inflateReset2(&s->z, 31) != Z_OK)
				return SL_ENOMEM;
			s->in_member = 1;
			s->streaming = 0;
			s->member_passed = 0;
		}
		if (s->rpos == s->rlen) {
			rc = raw_refill(s);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				int64_t later = s->streaming ? 0 : later_members(s);
				if (later < 0)
					return (ssize_t)later;
				if (later) {
					/* corrupt, with good members after it */
					s->hold_pos = s->hold_rel = s->hold_len = 0;
					s->next_flags |= INSTREAM_GAP;
					rewind_to(s, (uint64_t)later);
					if ((rc = member_failed(s, 0)) < 0)
						return rc;
					continue;
				}
				/* cut short: keep what decoded (see instream.h) */
				s->hold_rel = s->hold_len;
				member_truncated(s);
				continue;
			}
		}
		s->z.next_in = s->raw + s->rpos;
		s->z.avail_in = (uInt)(s->rlen - s->rpos);
		if (s->streaming) {
			s->z.next_out = dst;
			s->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
		} else {
			rc = hold_room(s);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				/* over the budget: pass it on from here */
				s->streaming = 1;
				s->hold_rel = s->hold_len;
				s->member_passed += s->hold_len;
				continue;
			}
			s->z.next_out = s->hold + s->hold_len;
			s->z.avail_out = (uInt)(s->hold_cap - s->hold_len);
		}
		zrc = inflate(&s->z, Z_NO_FLUSH);
		s->rpos = s->rlen - s->z.avail_in;
		if (zrc == Z_OK || zrc == Z_BUF_ERROR || zrc == Z_STREAM_END) {
			size_t got;
			if (zrc == Z_STREAM_END)
				s->in_member = 0;
			if (s->streaming) {
				got = (size_t)((unsigned char *)s->z.next_out - (unsigned char *)dst);
				s->member_passed += got;
				if (got)
					return (ssize_t)got;
				continue;
			}
			s->hold_len = (size_t)(s->z.next_out - s->hold);
			if (zrc == Z_STREAM_END) {
				if (raw_offset(s) <= s->failed_at) {
					/* inside the corrupt member found before: part of it */
					s->st.skipped_bytes += raw_offset(s) - s->member_start;
					if (s->st.corrupt_members == 1)
						s->st.first_corrupt_length = raw_offset(s) - s->st.first_corrupt_offset;
					s->hold_pos = s->hold_rel = s->hold_len = 0;
					continue;
				}
				s->hold_rel = s->hold_len; /* verified */
			}
			continue;
		}
		if (zrc == Z_MEM_ERROR)
			return SL_ENOMEM;
		/* Z_DATA_ERROR / Z_NEED_DICT / Z_STREAM_ERROR: corrupt.  Drop
		 * whatever of it is still held; what follows starts after a gap. */
		if (s->streaming)
			s->st.passed_corrupt_bytes += s->member_passed;
		s->hold_pos = s->hold_rel = s->hold_len = 0;
		s->next_flags |= INSTREAM_GAP;
		rc = member_failed(s, 1);
		if (rc < 0)
			return rc;
	}
}

static ssize_t read_zstd(struct instream *s, void *dst, size_t n)
{
	int rc;
	size_t zrc;

	for (;;) {
		if (!s->in_member) {
			rc = next_member(s);
			if (rc <= 0)
				return rc;
			ZSTD_DCtx_reset(s->zs, ZSTD_reset_session_only);
			s->in_member = 1;
		}
		if (s->rpos == s->rlen) {
			rc = raw_refill(s);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return member_truncated(s);
		}
		{
			ZSTD_inBuffer in = { s->raw, s->rlen, s->rpos };
			ZSTD_outBuffer out = { dst, n, 0 };
			zrc = ZSTD_decompressStream(s->zs, &out, &in);
			s->rpos = in.pos;
			if (ZSTD_isError(zrc)) {
				rc = member_failed(s, ZSTD_getErrorCode(zrc) != ZSTD_error_checksum_wrong);
				s->gap_pending = 1;
				if (rc < 0)
					return rc;
				if (out.pos)
					return (ssize_t)out.pos;
				s->next_flags |= INSTREAM_GAP;
				s->gap_pending = 0;
				if (rc == 0)
					return 0;
				continue;
			}
			if (zrc == 0)
				s->in_member = 0;
			if (out.pos)
				return (ssize_t)out.pos;
		}
	}
}

static ssize_t read_plain(struct instream *s, void *dst, size_t n)
{
	ssize_t r;

	if (s->rpos < s->rlen) {
		size_t k = s->rlen - s->rpos;
		if (k > n)
			k = n;
		memcpy(dst, s->raw + s->rpos, k);
		s->rpos += k;
		return (ssize_t)k;
	}
	if (s->raw_eof)
		return 0;
	r = src_read(s, dst, n);
	if (r < 0)
		return r;
	if (r == 0)
		s->raw_eof = 1;
	s->st.raw_bytes += (uint64_t)r;
	if (s->limit != UINT64_MAX)
		s->limit -= (uint64_t)r;
	return r;
}

ssize_t instream_read(struct instream *s, void *dst, size_t n, unsigned *flags)
{
	ssize_t r;

	if (flags)
		*flags = 0;
	if (s->done || n == 0)
		return 0;
	if (s->gap_pending) {
		s->next_flags |= INSTREAM_GAP;
		s->gap_pending = 0;
	}
	switch (s->codec) {
	case INSTREAM_GZIP: r = read_gzip(s, dst, n); break;
	case INSTREAM_ZSTD: r = read_zstd(s, dst, n); break;
	default: r = read_plain(s, dst, n); break;
	}
	if (r > 0) {
		if (flags)
			*flags = s->next_flags;
		s->next_flags = 0;
		s->st.out_bytes += (uint64_t)r;
		s->st.lost_at_end = 0;
	} else if (r == 0) {
		s->done = 1;
	}
	return r;
}

static int stream_setup(struct instream *s)
{
	int rc = raw_want(s, 4);

	if (rc < 0)
		return rc;
	s->codec = INSTREAM_PLAIN;
	if (s->rlen - s->rpos >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b)
		s->codec = INSTREAM_GZIP;
	else if (s->rlen - s->rpos >= 4 && is_zstd_magic(s->raw))
		s->codec = INSTREAM_ZSTD;
	if (s->codec == INSTREAM_GZIP) {
		if (inflateInit2(&s->z, 31) != Z_OK)
			return SL_ENOMEM;
		s->z_ready = 1;
	} else if (s->codec == INSTREAM_ZSTD) {
		s->zs = ZSTD_createDStream();
		if (!s->zs)
			return SL_ENOMEM;
		/* Bound the window a hostile frame may ask for (default 128 MiB). */
		ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, 27);
	}
	return 0;
}

static int open_fd_limit(struct instream **out, int fd, int own, uint64_t offset, uint64_t limit)
{
	struct instream *s = calloc(1, sizeof(*s));
	struct stat sb;
	int rc;

	*out = NULL;
	if (!s)
		return SL_ENOMEM;
	s->fd = fd;
	s->own = own;
	s->limit = limit;
	s->st.raw_bytes = offset;
	s->file_size = (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) ? (int64_t)sb.st_size : -1;
	s->raw = malloc(RAW_CAP);
	if (!s->raw) {
		instream_free(s);
		return SL_ENOMEM;
	}
	rc = stream_setup(s);
	if (rc) {
		s->own = 0; /* the caller keeps the descriptor on failure */
		instream_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* A remote file (http://, https://), streamed without saving it. */
static int open_url(struct instream **out, const char *url)
{
	struct instream *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return SL_ENOMEM;
	s->fd = -1;
	s->file_size = -1;
	s->limit = UINT64_MAX;
	if ((rc = http_get_open(&s->url, url)) == 0 && !(s->raw = malloc(RAW_CAP)))
		rc = SL_ENOMEM;
	if (rc == 0 && (rc = stream_setup(s)) == SL_EIO)
		rc = SL_EOPEN; /* errno tells why */
	if (rc) {
		int e = errno;
		instream_free(s);
		errno = e;
		return rc;
	}
	*out = s;
	return 0;
}

int instream_open_fd(struct instream **out, int fd, int own)
{
	return open_fd_limit(out, fd, own, 0, UINT64_MAX);
}

int instream_open_range(struct instream **out, const char *path, uint64_t start, uint64_t end)
{
	int fd, rc;

	*out = NULL;
	if (end < start)
		return SL_EINVAL;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return SL_EOPEN;
	if (start && lseek(fd, (off_t)start, SEEK_SET) < 0) {
		close(fd);
		return SL_EIO;
	}
	rc = open_fd_limit(out, fd, 1, start, end == UINT64_MAX ? UINT64_MAX : end - start);
	if (rc) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return rc;
}

int instream_open(struct instream **out, const char *path)
{
	int fd, rc;

	if (!path || strcmp(path, "-") == 0)
		return instream_open_fd(out, 0, 0);
	if (http_is_url(path))
		return open_url(out, path);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		*out = NULL;
		return SL_EOPEN;
	}
	rc = instream_open_fd(out, fd, 1);
	if (rc) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return rc;
}

int instream_open_at(struct instream **out, const char *path, uint64_t start)
{
	struct instream *s;
	int rc = instream_open(&s, path);

	*out = NULL;
	if (rc)
		return rc;
	if (s->codec != INSTREAM_PLAIN || s->file_size < 0) {
		instream_free(s);
		return SL_EFORMAT;
	}
	if (start) {
		if (lseek(s->fd, (off_t)start, SEEK_SET) < 0) {
			instream_free(s);
			return SL_EIO;
		}
		s->rpos = s->rlen = 0;
		s->raw_eof = 0;
		s->st.raw_bytes = start;
	}
	*out = s;
	return 0;
}

enum instream_codec instream_codec(const struct instream *s) { return s->codec; }
const struct instream_stats *instream_stats(const struct instream *s) { return &s->st; }
int64_t instream_file_size(const struct instream *s) { return s->file_size; }

void instream_free(struct instream *s)
{
	if (!s)
		return;
	if (s->z_ready)
		inflateEnd(&s->z);
	ZSTD_freeDStream(s->zs);
	http_get_free(s->url);
	if (s->own && s->fd >= 0)
		close(s->fd);
	free(s->raw);
	free(s->hold);
	free(s);
}

/* ---- the window ---- */

#define WIN_CHUNK (256u * 1024u)

int inwin_init(struct inwin *w, struct instream *s, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->max = max ? max : ((size_t)64 << 20);
	return 0;
}

void inwin_release(struct inwin *w)
{
	free(w->buf);
	free(w->held);
	memset(w, 0, sizeof(*w));
}

/* Room for `extra` more bytes after end, compacting or growing. */
static int win_room(struct inwin *w, size_t extra)
{
	size_t live = w->end - w->start, ncap;
	char *p;

	if (w->cap - w->end >= extra)
		return 0;
	if (w->start && w->cap - live >= extra && live < w->cap / 2) {
		memmove(w->buf, w->buf + w->start, live);
		w->start = 0;
		w->end = live;
		return 0;
	}
	if (w->start) {
		memmove(w->buf, w->buf + w->start, live);
		w->start = 0;
		w->end = live;
		if (w->cap - w->end >= extra)
			return 0;
	}
	ncap = w->cap ? w->cap * 2 : WIN_CHUNK * 2;
	while (ncap < live + extra)
		ncap *= 2;
	if (ncap > w->max + WIN_CHUNK)
		ncap = w->max + WIN_CHUNK;
	if (ncap < live + extra)
		return SL_ETOOBIG;
	p = realloc(w->buf, ncap);
	if (!p)
		return SL_ENOMEM;
	w->buf = p;
	w->cap = ncap;
	return 0;
}

ssize_t inwin_fill(struct inwin *w, size_t want)
{
	int rc;

	if (want > w->max)
		return SL_ETOOBIG;
	if (w->start == w->end) {
		w->start = w->end = 0;
		if (w->held) {
			/* everything before the gap is consumed: cross it
			 * (buf has room: the held chunk was read into it) */
			memcpy(w->buf, w->held, w->held_len);
			w->end = w->held_len;
			free(w->held);
			w->held = NULL;
			w->held_len = 0;
			w->at_gap = 0;
		}
	}
	while (w->end - w->start < want && !w->at_gap && !w->eof) {
		ssize_t n;
		unsigned fl;
		size_t chunk = want - (w->end - w->start);

		if (chunk < WIN_CHUNK)
			chunk = WIN_CHUNK;
		if (w->end - w->start + chunk > w->max + WIN_CHUNK)
			chunk = w->max + WIN_CHUNK - (w->end - w->start);
		if ((rc = win_room(w, chunk)))
			return rc;
		n = instream_read(w->s, w->buf + w->end, chunk, &fl);
		if (n < 0)
			return n;
		if (n == 0) {
			w->eof = 1;
			break;
		}
		if (fl & INSTREAM_GAP)
			w->gaps++;
		if ((fl & INSTREAM_GAP) && w->end > w->start) {
			/* keep the post-gap bytes aside until the caller is done */
			w->held = malloc((size_t)n);
			if (!w->held)
				return SL_ENOMEM;
			memcpy(w->held, w->buf + w->end, (size_t)n);
			w->held_len = (size_t)n;
			w->at_gap = 1;
			break;
		}
		w->end += (size_t)n;
	}
	return (ssize_t)(w->end - w->start);
}
