#include "jsonl.h"

#include <string.h>

#include "error.h"

#define SCAN_STEP (256u * 1024u)

int jsonl_reader_init(struct jsonl_reader *r, struct instream *in, uint64_t start,
		      uint64_t end, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->max_line = max_line ? max_line : ((size_t)64 << 20);
	r->base = start ? start - 1 : 0;
	r->skip_partial = start > 0;
	r->end = end;
	/* +1: room for the newline that ends a maximal line */
	return inwin_init(&r->w, in, r->max_line + 1);
}

void jsonl_reader_release(struct jsonl_reader *r)
{
	inwin_release(&r->w);
}

/* Consume through the next '\n' without buffering more than a window.
 * 1 when a newline was found, 0 at EOF, negative on error. */
static int skip_line(struct jsonl_reader *r)
{
	for (;;) {
		ssize_t n = inwin_fill(&r->w, 1);
		const char *nl;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		nl = memchr(inwin_ptr(&r->w), '\n', (size_t)n);
		if (nl) {
			inwin_skip(&r->w, (size_t)(nl - inwin_ptr(&r->w)) + 1);
			return 1;
		}
		inwin_skip(&r->w, (size_t)n);
	}
}

int jsonl_next(struct jsonl_reader *r, const char **line, size_t *len)
{
	size_t scanned;

	if (r->pending_skip) {
		inwin_skip(&r->w, r->pending_skip);
		r->pending_skip = 0;
	}
	if (!r->started) {
		r->started = 1;
		if (r->skip_partial) {
			/* The stream was opened one byte before the range, so
			 * skipping through the first newline lands exactly on
			 * the first line that starts in range. */
			int rc = skip_line(r);
			if (rc <= 0)
				return rc;
		} else {
			/* a UTF-8 byte order mark at the start of the input
			 * (RFC 8259 lets a reader ignore it; editors on
			 * Windows write one) */
			ssize_t n = inwin_fill(&r->w, 3);
			if (n < 0)
				return (int)n;
			if (n >= 3 && !memcmp(inwin_ptr(&r->w), "\xef\xbb\xbf", 3))
				inwin_skip(&r->w, 3);
		}
	}
	for (;;) {
		uint64_t off = r->base + r->w.offset;
		ssize_t n;
		const char *p, *nl = NULL;

		if (!r->have_first) {
			r->have_first = 1;
			r->first_off = off;
		}
		if (off >= r->end)
			return 0;
		scanned = 0;
		for (;;) {
			n = inwin_fill(&r->w, scanned + SCAN_STEP > r->max_line + 1 ? r->max_line + 1 : scanned + SCAN_STEP);
			if (n < 0)
				return (int)n;
			p = inwin_ptr(&r->w);
			nl = memchr(p + scanned, '\n', (size_t)n - scanned);
			if (nl || r->w.eof || r->w.at_gap || (size_t)n > r->max_line)
				break;
			scanned = (size_t)n;
		}
		r->line_off = off;
		if (!nl) {
			if (n == 0)
				return 0;
			if ((size_t)n > r->max_line) {
				r->line_no++;
				int rc = skip_line(r);
				if (rc < 0)
					return rc;
				return SL_ETOOBIG;
			}
			if (r->w.at_gap) {
				r->line_no++;
				inwin_skip(&r->w, (size_t)n);
				return SL_ETRUNC;
			}
			/* The last line has no newline: complete, unless the
			 * compressed stream was cut short inside it, or corrupt
			 * data followed it. */
			if (instream_stats(r->w.s)->truncated || instream_stats(r->w.s)->lost_at_end) {
				r->line_no++;
				inwin_skip(&r->w, (size_t)n);
				return SL_ETRUNC;
			}
			nl = p + n;
		}
		r->line_no++;
		if ((size_t)(nl - p) > r->max_line) {
			inwin_skip(&r->w, (size_t)(nl - p) + (nl < p + n));
			return SL_ETOOBIG;
		}
		{
			size_t l = (size_t)(nl - p);
			r->pending_skip = l + (nl < p + n);
			while (l && p[l - 1] == '\r')
				l--;
			/* blank lines are not documents */
			{
				size_t i = 0;
				while (i < l && (p[i] == ' ' || p[i] == '\t'))
					i++;
				if (i == l) {
					inwin_skip(&r->w, r->pending_skip);
					r->pending_skip = 0;
					continue;
				}
			}
			*line = p;
			*len = l;
			return 1;
		}
	}
}

uint64_t jsonl_owned_bytes(const struct jsonl_reader *r)
{
	return r->have_first ? r->base + r->w.offset + r->pending_skip - r->first_off : 0;
}
