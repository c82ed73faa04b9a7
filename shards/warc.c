/*
 * warc.c - the WARC record reader.
 *
 * Why the record is parsed in the window: a WET record is a few KiB and
 * the reader must cost little next to inflate, so the block is handed out
 * as a pointer into the inwin buffer.  Only the header block (a few hundred
 * bytes) is copied, because folded lines have to be joined and names and
 * values NUL-terminated.  The window is sized for one whole record
 * (max_header + max_body + trailer); oversized bodies are streamed past,
 * and resynchronisation scans line starts with memchr without buffering.
 *
 * Gaps: instream drops corrupt compressed data and inwin counts every gap
 * it meets (w.gaps); a gap after the visible bytes is "held" (at_gap).  So
 * the gaps lying at or before the window start number w.gaps - at_gap;
 * gaps_seen says how many of those have been accounted for, and any extra
 * one found at a record boundary is reported as lost data.
 */
#include "warc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "error.h"

#define SKIP_CHUNK ((size_t)1 << 20)

struct warc_reader {
	struct inwin w;
	struct warc_limits lim;
	size_t pending;       /* bytes of the record last returned, to consume */
	uint64_t gaps_seen;   /* gaps accounted for (see above) */
	int any_record;       /* a "WARC/<digit>" line has been seen */
	char *hdr;            /* copy of the current header block */
	size_t hdr_cap;
	struct warc_header_field *fields;
	size_t fields_cap;
	struct warc_problem prob;
	char what[200];
	struct warc_reader_stats st;
};

static const char *const type_names[WARC_TYPE_COUNT_] = {
	"warcinfo", "response", "resource", "request", "metadata",
	"revisit", "conversion", "continuation", "other",
};

const char *warc_type_name(enum warc_type t)
{
	if ((unsigned)t >= WARC_TYPE_COUNT_)
		t = WARC_OTHER;
	return type_names[t];
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* "WARC/" then a digit: how every record starts. p has >= 6 bytes. */
static int is_warc_start(const char *p)
{
	return memcmp(p, "WARC/", 5) == 0 && is_digit((unsigned char)p[5]);
}

static uint64_t gaps_behind(const struct warc_reader *r)
{
	return r->w.gaps - (r->w.at_gap ? 1 : 0);
}

static void gaps_absorb(struct warc_reader *r)
{
	if (gaps_behind(r) > r->gaps_seen)
		r->gaps_seen = gaps_behind(r);
}

static int gap_code(const struct warc_reader *r)
{
	return instream_codec(r->w.s) == INSTREAM_ZSTD ? SL_EZSTD : SL_EGZIP;
}

static const char *gap_codec(const struct warc_reader *r)
{
	return instream_codec(r->w.s) == INSTREAM_ZSTD ? "zstd" : "gzip";
}

static ssize_t wfill(struct warc_reader *r, size_t want)
{
	ssize_t n = inwin_fill(&r->w, want);

	if (r->w.cap > r->st.window_bytes)
		r->st.window_bytes = r->w.cap;
	return n;
}

__attribute__((format(printf, 4, 5)))
static int problem(struct warc_reader *r, int code, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	r->prob.code = code;
	r->prob.offset = off;
	r->prob.what = r->what;
	r->st.problems++;
	if (code == SL_ETOOBIG)
		r->st.too_big++;
	else if (code == SL_EGZIP || code == SL_EZSTD)
		r->st.gaps++;
	else if (code == SL_ETRUNC)
		r->st.truncated++;
	r->st.skipped_bytes += r->w.offset - off;
	return code;
}

/*
 * Consume bytes up to the next line that starts with "WARC/<digit>".
 * bol: the window start is at the beginning of a line.  Data after a gap
 * counts as a line start (a gzip member per record starts with "WARC/").
 * Returns 1 positioned on a record, 0 at the end of input, or an error.
 */
static int resync(struct warc_reader *r, int bol)
{
	struct inwin *w = &r->w;

	for (;;) {
		size_t a = inwin_avail(w), pos = 0;
		const char *p, *nl;

		if (a < 6 && !w->eof && (!w->at_gap || a == 0)) {
			uint64_t before = gaps_behind(r);
			ssize_t n = wfill(r, 6);

			if (n < 0)
				return (int)n;
			if (a == 0 && gaps_behind(r) > before)
				bol = 1;
			a = (size_t)n;
		}
		if (a == 0) {
			gaps_absorb(r);
			return 0;
		}
		p = inwin_ptr(w);
		if (!bol) {
			nl = memchr(p, '\n', a);
			if (!nl) {
				inwin_skip(w, a);
				continue;
			}
			pos = (size_t)(nl - p) + 1;
			bol = 1;
		}
		for (;;) {
			if (a - pos < 6) {
				if (w->eof || w->at_gap) {
					/* no record can start before the end */
					inwin_skip(w, a);
					bol = 0;
				} else {
					inwin_skip(w, pos);
				}
				break;
			}
			if (is_warc_start(p + pos)) {
				inwin_skip(w, pos);
				gaps_absorb(r);
				return 1;
			}
			nl = memchr(p + pos, '\n', a - pos);
			if (!nl) {
				inwin_skip(w, a);
				bol = 0;
				break;
			}
			pos = (size_t)(nl - p) + 1;
		}
	}
}

/*
 * Consume n bytes without buffering them.  Returns 0 when done, 1 when a
 * gap or the end of input came first, or an error.
 */
static int stream_skip(struct warc_reader *r, uint64_t n)
{
	struct inwin *w = &r->w;

	while (n) {
		size_t a = inwin_avail(w);

		if (a == 0) {
			uint64_t before = gaps_behind(r);
			ssize_t got = wfill(r, n < SKIP_CHUNK ? (size_t)n : SKIP_CHUNK);

			if (got < 0)
				return (int)got;
			if (got == 0 || gaps_behind(r) > before)
				return 1;
			continue;
		}
		if (a > n)
			a = (size_t)n;
		inwin_skip(w, a);
		n -= a;
	}
	return 0;
}

/*
 * Length of the CRLF CRLF (or LF LF) after a block, -1 if those bytes are
 * something else: mixed forms are refused, since "LF CRLF" is what a block
 * one byte too short that ends in LF looks like.  n < 4 only at the end of
 * input or at a gap, where a missing or partial trailer after a complete
 * block is forgiven.
 */
static int trailer_len(const char *q, size_t n)
{
	if (n >= 4 && memcmp(q, "\r\n\r\n", 4) == 0)
		return 4;
	if (n >= 2 && q[0] == '\n' && q[1] == '\n')
		return 2;
	if (n < 4 && (memcmp(q, "\r\n\r\n", n) == 0 || memcmp(q, "\n\n", n < 2 ? n : 2) == 0))
		return (int)n;
	return -1;
}

/* Digits only, no sign or space inside, overflow-checked. */
static int parse_length(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse the copied header block r->hdr[0, hlen) in place: the version line,
 * then fields, compacted to "name\0value\0" (never longer than the input,
 * so the copy cannot overrun).  Returns NULL or a problem description.
 */
static const char oom[] = "out of memory";

static const char *parse_header(struct warc_reader *r, size_t hlen,
				struct warc_record *rec)
{
	char *h = r->hdr;
	size_t i = 5, o, nf = 0, digits;
	int major = 0, minor = 0, cur = 0;
	const char *nl;

	for (digits = 0; i < hlen && is_digit(h[i]); i++, digits++)
		if (digits < 6)
			major = major * 10 + (h[i] - '0');
	if (digits > 6 || i >= hlen || h[i] != '.')
		return "bad warc version line";
	for (i++, digits = 0; i < hlen && is_digit(h[i]); i++, digits++)
		if (digits < 6)
			minor = minor * 10 + (h[i] - '0');
	if (digits == 0 || digits > 6)
		return "bad warc version line";
	while (i < hlen && is_ws(h[i]))
		i++;
	if (i < hlen && h[i] == '\r')
		i++;
	if (i >= hlen || h[i] != '\n')
		return "bad warc version line";
	rec->version_major = major;
	rec->version_minor = minor;
	o = ++i;
	while (i < hlen) {
		size_t le, ll, s, e;

		nl = memchr(h + i, '\n', hlen - i);
		le = (size_t)(nl - h);
		ll = le;
		if (ll > i && h[ll - 1] == '\r')
			ll--;
		if (ll == i)
			break; /* the empty line */
		e = ll;
		while (e > i && is_ws(h[e - 1]))
			e--;
		if (is_ws(h[i])) {
			/* folded continuation of the previous field */
			for (s = i; s < e && is_ws(h[s]); s++)
				;
			if (cur && s < e) {
				struct warc_header_field *f = &r->fields[nf - 1];
				if (f->value_len)
					h[o++] = ' ';
				memmove(h + o, h + s, e - s);
				o += e - s;
				f->value_len = (size_t)(h + o - f->value);
			}
		} else {
			const char *colon = memchr(h + i, ':', e - i);
			size_t ne, vs;

			if (cur)
				h[o++] = '\0';
			cur = 0;
			if (colon) {
				ne = (size_t)(colon - h);
				while (ne > i && is_ws(h[ne - 1]))
					ne--;
				for (vs = (size_t)(colon - h) + 1; vs < e && is_ws(h[vs]); vs++)
					;
				if (ne > i) {
					struct warc_header_field *f;
					if (nf == r->fields_cap) {
						size_t nc = r->fields_cap ? 2 * r->fields_cap : 32;
						void *np = realloc(r->fields, nc * sizeof(*r->fields));
						if (!np)
							return oom;
						r->fields = np;
						r->fields_cap = nc;
					}
					f = &r->fields[nf++];
					memmove(h + o, h + i, ne - i);
					f->name = h + o;
					f->name_len = ne - i;
					o += ne - i;
					h[o++] = '\0';
					memmove(h + o, h + vs, e - vs);
					f->value = h + o;
					f->value_len = e - vs;
					o += e - vs;
					cur = 1;
				}
			}
			/* a line without a colon carries nothing: ignored */
		}
		i = le + 1;
	}
	if (cur)
		h[o++] = '\0';
	rec->fields = r->fields;
	rec->nfields = nf;
	return NULL;
}

const char *warc_field(const struct warc_record *rec, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < rec->nfields; i++) {
		const struct warc_header_field *f = &rec->fields[i];
		if (ascii_ieq(f->name, f->name_len, name)) {
			if (len)
				*len = f->value_len;
			return f->value;
		}
	}
	return NULL;
}

static int read_record(struct warc_reader *r, struct warc_record *rec)
{
	struct inwin *w = &r->w;
	uint64_t off = w->offset, cl = 0;
	size_t hlen = 0, ls = 0, pos = 0, tlen;
	const char *p, *herr, *v;
	size_t vlen;
	int rc, cl_ok = 0, t;

	r->any_record = 1;

	/* find the empty line ending the header block */
	for (;;) {
		size_t a = inwin_avail(w);
		size_t lim = a < r->lim.max_header_bytes ? a : r->lim.max_header_bytes;
		ssize_t n;

		p = inwin_ptr(w);
		while (pos < lim) {
			const char *nl = memchr(p + pos, '\n', lim - pos);
			size_t e;
			if (!nl) {
				pos = lim;
				break;
			}
			e = (size_t)(nl - p);
			if (ls > 0 && (e == ls || (e == ls + 1 && p[ls] == '\r'))) {
				hlen = e + 1;
				break;
			}
			ls = pos = e + 1;
		}
		if (hlen)
			break;
		if (a >= r->lim.max_header_bytes) {
			inwin_skip(w, 1);
			if ((rc = resync(r, 0)) < 0)
				return rc;
			return problem(r, SL_ETOOBIG, off, "warc header block exceeds %zu bytes",
				       r->lim.max_header_bytes);
		}
		if (w->at_gap || w->eof) {
			int gap = w->at_gap;
			if (gap)
				r->gaps_seen = w->gaps;
			inwin_skip(w, 1);
			if ((rc = resync(r, 0)) < 0)
				return rc;
			if (gap)
				return problem(r, gap_code(r), off,
					       "record cut short by corrupt %s data", gap_codec(r));
			return problem(r, SL_ETRUNC, off, "truncated record");
		}
		n = wfill(r, a + 1 < r->lim.max_header_bytes ? a + 1 : r->lim.max_header_bytes);
		if (n < 0)
			return (int)n;
	}

	/* copy and parse it */
	if (hlen + 1 > r->hdr_cap) {
		size_t nc = r->hdr_cap ? r->hdr_cap : 4096;
		char *np;
		while (nc < hlen + 1)
			nc *= 2;
		np = realloc(r->hdr, nc);
		if (!np)
			return SL_ENOMEM;
		r->hdr = np;
		r->hdr_cap = nc;
	}
	memcpy(r->hdr, p, hlen);
	r->hdr[hlen] = '\0';
	herr = parse_header(r, hlen, rec);
	if (herr == oom)
		return SL_ENOMEM;
	if (!herr) {
		v = warc_field(rec, "Content-Length", &vlen);
		if (!v)
			herr = "missing content-length";
		else if (parse_length(v, vlen, &cl) < 0)
			herr = "invalid content-length";
		else
			cl_ok = 1;
	}
	if (memchr(p, '\0', hlen)) {
		herr = "nul byte in warc header";
	}
	if (herr && !cl_ok) {
		inwin_skip(w, hlen);
		if ((rc = resync(r, 1)) < 0)
			return rc;
		return problem(r, SL_EWARC, off, "%s", herr);
	}

	if (cl > r->lim.max_body_bytes) {
		inwin_skip(w, hlen);
		rc = stream_skip(r, cl);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			ssize_t n = wfill(r, 4);
			if (n < 0)
				return (int)n;
			t = trailer_len(inwin_ptr(w), (size_t)n < 4 ? (size_t)n : 4);
			if (t >= 0) {
				inwin_skip(w, (size_t)t);
				rc = resync(r, 1);
			} else {
				rc = resync(r, 0);
			}
		} else {
			rc = resync(r, 1);
		}
		if (rc < 0)
			return rc;
		return problem(r, SL_ETOOBIG, off,
			       "content-length exceeds --max-doc-bytes (%llu > %zu)",
			       (unsigned long long)cl, r->lim.max_body_bytes);
	}

	/* the whole record, trailer included, in the window */
	{
		size_t end = hlen + (size_t)cl;
		ssize_t n = wfill(r, end + 4);
		size_t a;

		if (n < 0)
			return (int)n;
		a = (size_t)n;
		if (a < end) {
			int gap = w->at_gap;
			if (gap)
				r->gaps_seen = w->gaps;
			inwin_skip(w, hlen);
			if ((rc = resync(r, 1)) < 0)
				return rc;
			if (gap)
				return problem(r, gap_code(r), off,
					       "record cut short by corrupt %s data", gap_codec(r));
			if (rc == 1)
				return problem(r, SL_EWARC, off,
					       "content-length runs past the end of input: wrong content-length?");
			return problem(r, SL_ETRUNC, off, "truncated record");
		}
		p = inwin_ptr(w);
		t = trailer_len(p + end, a - end < 4 ? a - end : 4);
		if (t < 0) {
			inwin_skip(w, hlen);
			if ((rc = resync(r, 1)) < 0)
				return rc;
			return problem(r, SL_EWARC, off,
				       "record not followed by CRLF CRLF: wrong content-length?");
		}
		tlen = (size_t)t;
		if (herr) {
			inwin_skip(w, end + tlen);
			if ((rc = resync(r, 1)) < 0)
				return rc;
			return problem(r, SL_EWARC, off, "%s", herr);
		}
		rec->body = p + hlen;
		rec->body_len = (size_t)cl;
		rec->offset = off;
		rec->header_len = hlen;
		r->pending = end + tlen;
	}

	v = warc_field(rec, "WARC-Type", &vlen);
	rec->type = v ? v : "";
	rec->kind = WARC_OTHER;
	if (v) {
		for (t = 0; t < WARC_OTHER; t++)
			if (ascii_ieq(v, vlen, type_names[t])) {
				rec->kind = (enum warc_type)t;
				break;
			}
	}
	r->st.records++;
	r->st.by_type[rec->kind]++;
	r->st.header_bytes += hlen;
	r->st.body_bytes += cl;
	return 1;
}

int warc_next(struct warc_reader *r, struct warc_record *rec)
{
	struct inwin *w = &r->w;
	struct warc_record tmp;
	int rc;

	if (r->pending) {
		inwin_skip(w, r->pending);
		r->pending = 0;
	}
	for (;;) {
		ssize_t n = wfill(r, 6);
		const char *p;
		size_t a, k;

		if (n < 0)
			return (int)n;
		a = (size_t)n;
		if (gaps_behind(r) > r->gaps_seen) {
			uint64_t off = w->offset;
			r->gaps_seen = gaps_behind(r);
			if ((rc = resync(r, 1)) < 0)
				return rc;
			return problem(r, gap_code(r), off,
				       "corrupt %s data skipped: records lost", gap_codec(r));
		}
		if (a == 0)
			return 0;
		p = inwin_ptr(w);
		/* stray blank lines between records are tolerated */
		for (k = 0; k < a && (p[k] == '\r' || p[k] == '\n'); k++)
			;
		if (k) {
			inwin_skip(w, k);
			r->st.skipped_bytes += k;
			continue;
		}
		if (a < 6 || !is_warc_start(p)) {
			uint64_t off = w->offset;
			int had = r->any_record;
			if ((rc = resync(r, 1)) < 0)
				return rc;
			if (rc == 0 && !had)
				return problem(r, SL_EFORMAT, off,
					       "not a warc file: no record found in %llu bytes",
					       (unsigned long long)(w->offset - off));
			return problem(r, SL_EWARC, off, "skipped %llu bytes of garbage %s",
				       (unsigned long long)(w->offset - off),
				       rc ? "before the next record" : "at the end of input");
		}
		memset(&tmp, 0, sizeof(tmp));
		rc = read_record(r, &tmp);
		if (rc == 1)
			*rec = tmp;
		return rc;
	}
}

int warc_reader_create(struct warc_reader **out, struct instream *in,
		       const struct warc_limits *lim)
{
	struct warc_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return SL_ENOMEM;
	if (lim)
		r->lim = *lim;
	if (!r->lim.max_header_bytes)
		r->lim.max_header_bytes = WARC_DEFAULT_MAX_HEADER;
	if (!r->lim.max_body_bytes)
		r->lim.max_body_bytes = WARC_DEFAULT_MAX_BODY;
	/* keep max_header + max_body + 16 (the window's size) from wrapping */
	if (r->lim.max_header_bytes < 16)
		r->lim.max_header_bytes = 16;
	if (r->lim.max_header_bytes > ((size_t)1 << 30))
		r->lim.max_header_bytes = (size_t)1 << 30;
	if (r->lim.max_body_bytes > SIZE_MAX / 2)
		r->lim.max_body_bytes = SIZE_MAX / 2;
	inwin_init(&r->w, in, r->lim.max_header_bytes + r->lim.max_body_bytes + 16);
	r->prob.what = "";
	*out = r;
	return 0;
}

const struct warc_problem *warc_reader_problem(const struct warc_reader *r)
{
	return &r->prob;
}

const struct warc_reader_stats *warc_reader_stats(const struct warc_reader *r)
{
	return &r->st;
}

void warc_reader_free(struct warc_reader *r)
{
	if (!r)
		return;
	inwin_release(&r->w);
	free(r->hdr);
	free(r->fields);
	free(r);
}
