/*
 * http.c - parsing the HTTP responses stored in WARC records.
 *
 * Lenient where crawlers are sloppy (bare LF, missing reason phrase, junk
 * header lines), strict where a wrong guess would corrupt text (chunk
 * sizes, the status line).
 */
#include "http.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "ascii.h"
#include "error.h"

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* End of the line starting at i (index of '\n', or len), and the end of
 * its content with CR and trailing blanks removed. */
static size_t line_end(const char *p, size_t len, size_t i, size_t *content_end)
{
	const char *nl = memchr(p + i, '\n', len - i);
	size_t e = nl ? (size_t)(nl - p) : len, c = e;

	while (c > i && (p[c - 1] == '\r' || is_ws((unsigned char)p[c - 1])))
		c--;
	*content_end = c;
	return e;
}

static const char *find_header(const char *h, size_t hlen, const char *name, size_t *vlen)
{
	size_t i = 0;

	while (i < hlen) {
		size_t ce, e = line_end(h, hlen, i, &ce);
		const char *colon;

		if (!is_ws((unsigned char)h[i]) &&
		    (colon = memchr(h + i, ':', ce - i)) != NULL) {
			size_t ne = (size_t)(colon - h), vs;
			while (ne > i && is_ws((unsigned char)h[ne - 1]))
				ne--;
			if (ascii_ieq(h + i, ne - i, name)) {
				for (vs = (size_t)(colon - h) + 1; vs < ce && is_ws((unsigned char)h[vs]); vs++)
					;
				/* folded continuation lines belong to the value */
				while (e < hlen && e + 1 < hlen && is_ws((unsigned char)h[e + 1])) {
					size_t ce2, e2 = line_end(h, hlen, e + 1, &ce2);
					size_t s;
					for (s = e + 1; s < ce2 && is_ws((unsigned char)h[s]); s++)
						;
					if (s < ce2)
						ce = ce2;
					e = e2;
				}
				if (ce < vs)
					ce = vs;
				if (vlen)
					*vlen = ce - vs;
				return h + vs;
			}
		}
		i = e + 1;
	}
	return NULL;
}

const char *http_header(const struct http_response *resp, const char *name, size_t *len)
{
	return find_header(resp->headers, resp->headers_len, name, len);
}

/* Split a coding list on commas, blanks and line breaks, dropping
 * "identity" and parameters; for Content- and Transfer-Encoding. */
struct tokens {
	const char *tok[8];
	size_t len[8];
	size_t n; /* may exceed 8: only the first 8 are kept */
};

static void split_tokens(const char *v, size_t vlen, struct tokens *t)
{
	size_t i = 0;

	t->n = 0;
	while (i < vlen) {
		size_t s, e;
		while (i < vlen && (v[i] == ',' || is_ws((unsigned char)v[i]) ||
				    v[i] == '\r' || v[i] == '\n'))
			i++;
		if (i >= vlen)
			break;
		s = i;
		while (i < vlen && v[i] != ',' && !is_ws((unsigned char)v[i]) &&
		       v[i] != '\r' && v[i] != '\n' && v[i] != ';')
			i++;
		e = i;
		while (i < vlen && v[i] != ',') /* parameters are ignored */
			i++;
		if (ascii_ieq(v + s, e - s, "identity"))
			continue;
		if (t->n < 8) {
			t->tok[t->n] = v + s;
			t->len[t->n] = e - s;
		}
		t->n++;
	}
}

static int classify_encoding(const char *v, size_t vlen)
{
	struct tokens t;

	split_tokens(v, vlen, &t);
	if (t.n == 0)
		return HTTP_CE_NONE;
	if (t.n > 1)
		return HTTP_CE_OTHER;
	if (ascii_ieq(t.tok[0], t.len[0], "gzip") || ascii_ieq(t.tok[0], t.len[0], "x-gzip"))
		return HTTP_CE_GZIP;
	if (ascii_ieq(t.tok[0], t.len[0], "deflate"))
		return HTTP_CE_DEFLATE;
	if (ascii_ieq(t.tok[0], t.len[0], "br"))
		return HTTP_CE_BR;
	return HTTP_CE_OTHER;
}

static int is_chunked(const char *v, size_t vlen)
{
	struct tokens t;
	size_t last;

	split_tokens(v, vlen, &t);
	if (t.n == 0 || t.n > 8)
		return 0;
	last = t.n - 1;
	return ascii_ieq(t.tok[last], t.len[last], "chunked");
}

int http_parse_response(const char *p, size_t len, struct http_response *out)
{
	size_t i = 5, ce, e, hs;
	int major = 0, minor = 0, status = 0, k;
	const char *v;
	size_t vlen;

	memset(out, 0, sizeof(*out));
	if (len < 5 || memcmp(p, "HTTP/", 5) != 0)
		return SL_EHTTP;
	/* k < 3: enough to refuse a long version without overflowing an int */
	for (k = 0; k < 3 && i < len && is_digit((unsigned char)p[i]); i++, k++)
		major = major * 10 + (p[i] - '0');
	if (k == 0 || k > 2)
		return SL_EHTTP;
	if (i < len && p[i] == '.') {
		for (i++, k = 0; k < 3 && i < len && is_digit((unsigned char)p[i]); i++, k++)
			minor = minor * 10 + (p[i] - '0');
		if (k == 0 || k > 2)
			return SL_EHTTP;
	}
	if (i >= len || !is_ws((unsigned char)p[i]))
		return SL_EHTTP;
	while (i < len && is_ws((unsigned char)p[i]))
		i++;
	for (k = 0; k < 3; k++, i++) {
		if (i >= len || !is_digit((unsigned char)p[i]))
			return SL_EHTTP;
		status = status * 10 + (p[i] - '0');
	}
	if (status < 100)
		return SL_EHTTP;
	/* then a reason phrase after a blank, or the end of the line */
	if (i < len && !is_ws((unsigned char)p[i]) && p[i] != '\r' && p[i] != '\n')
		return SL_EHTTP;
	e = line_end(p, len, i, &ce);
	if (e >= len)
		return SL_EHTTP;
	hs = e + 1;

	/* header lines up to the empty one */
	for (i = hs;;) {
		if (i >= len)
			return SL_EHTTP;
		e = line_end(p, len, i, &ce);
		if (e >= len)
			return SL_EHTTP; /* no empty line */
		if (e == i || (e == i + 1 && p[i] == '\r')) {
			out->headers = p + hs;
			out->headers_len = i - hs;
			out->body = p + e + 1;
			out->body_len = len - (e + 1);
			break;
		}
		i = e + 1;
	}
	out->status = status;
	out->version_major = major;
	out->version_minor = minor;
	v = find_header(out->headers, out->headers_len, "Content-Type", &vlen);
	if (v) {
		out->content_type = v;
		out->content_type_len = vlen;
	}
	v = find_header(out->headers, out->headers_len, "Content-Encoding", &vlen);
	out->content_encoding = v ? classify_encoding(v, vlen) : HTTP_CE_NONE;
	v = find_header(out->headers, out->headers_len, "Transfer-Encoding", &vlen);
	out->chunked = v ? is_chunked(v, vlen) : 0;
	return 0;
}

int http_content_type_is_html(const char *ct, size_t len)
{
	size_t i = 0, e;

	if (!ct)
		return 0;
	while (i < len && (is_ws((unsigned char)ct[i]) || ct[i] == '\r' || ct[i] == '\n'))
		i++;
	for (e = i; e < len && ct[e] != ';' && ct[e] != ',' && !is_ws((unsigned char)ct[e]) &&
		    ct[e] != '\r' && ct[e] != '\n'; e++)
		;
	return ascii_ieq(ct + i, e - i, "text/html") || ascii_ieq(ct + i, e - i, "application/xhtml+xml");
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int http_dechunk(const char *p, size_t len, struct buf *out)
{
	size_t pos = 0;
	int rc;

	for (;;) {
		const char *nl;
		size_t i, e, size = 0;
		int digits = 0, d;

		if (pos >= len)
			return SL_ETRUNC;
		nl = memchr(p + pos, '\n', len - pos);
		e = nl ? (size_t)(nl - p) : len;
		i = pos;
		while (i < e && is_ws((unsigned char)p[i]))
			i++;
		for (; i < e && (d = hexval((unsigned char)p[i])) >= 0; i++, digits++) {
			if (size > (SIZE_MAX >> 4))
				return SL_EHTTP;
			size = (size << 4) | (size_t)d;
		}
		if (!digits)
			return i < e || nl ? SL_EHTTP : SL_ETRUNC;
		while (i < e && is_ws((unsigned char)p[i]))
			i++;
		if (i < e && p[i] == '\r' && i + 1 == e)
			i++;
		if (i < e && p[i] != ';')
			return SL_EHTTP;
		if (!nl)
			return SL_ETRUNC;
		pos = e + 1;
		if (size == 0)
			return 0; /* trailers, if any, are ignored */
		if (len - pos < size) {
			rc = buf_add(out, p + pos, len - pos);
			return rc ? rc : SL_ETRUNC;
		}
		if ((rc = buf_add(out, p + pos, size)))
			return rc;
		pos += size;
		if (pos < len && p[pos] == '\r')
			pos++;
		if (pos >= len)
			return SL_ETRUNC;
		if (p[pos] != '\n')
			return SL_EHTTP;
		pos++;
	}
}

/*
 * Inflate p with the given windowBits, appending at most limit bytes.
 * *nothing_out says whether no byte came out, so a caller may retry the
 * data as raw deflate.
 */
static int inflate_into(const char *p, size_t len, int wbits, size_t limit,
			struct buf *out, int multi, int *nothing_out)
{
	z_stream z;
	size_t start = out->len, in_pos = 0;
	int zrc, rc = 0;
	unsigned char scratch;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return SL_ENOMEM;
	*nothing_out = 1;
	for (;;) {
		size_t produced = out->len - start, room;
		uInt in_chunk = (uInt)((len - in_pos) > (1u << 30) ? (1u << 30) : (len - in_pos));

		z.next_in = (unsigned char *)(uintptr_t)(p + in_pos);
		z.avail_in = in_chunk;
		room = limit - produced;
		if (room > 65536)
			room = 65536;
		if (room > out->max - out->len)
			room = out->max - out->len;
		if (room) {
			if ((rc = buf_grow(out, room)))
				break;
			z.next_out = (unsigned char *)out->ptr + out->len;
			z.avail_out = (uInt)room;
		} else {
			/* at the limit: is there more output? */
			z.next_out = &scratch;
			z.avail_out = 1;
		}
		zrc = inflate(&z, Z_NO_FLUSH);
		in_pos += in_chunk - z.avail_in;
		if (room) {
			size_t got = room - z.avail_out;
			buf_setlen(out, out->len + got);
			if (got)
				*nothing_out = 0;
		} else if (z.avail_out == 0) {
			rc = SL_ETOOBIG;
			break;
		}
		if (zrc == Z_STREAM_END) {
			/* gzip allows several members; zlib data ends here */
			if (multi && len - in_pos >= 2 && (unsigned char)p[in_pos] == 0x1f &&
			    (unsigned char)p[in_pos + 1] == 0x8b) {
				if (inflateReset(&z) != Z_OK) {
					rc = SL_ENOMEM;
					break;
				}
				continue;
			}
			break;
		}
		if (zrc == Z_OK || zrc == Z_BUF_ERROR) {
			/* output room left yet no end: the input ran out */
			if (z.avail_out && (in_pos == len || zrc == Z_BUF_ERROR)) {
				rc = SL_ETRUNC;
				break;
			}
			continue;
		}
		rc = zrc == Z_MEM_ERROR ? SL_ENOMEM : SL_EGZIP;
		break;
	}
	inflateEnd(&z);
	return rc;
}

int http_decode_body(const char *p, size_t len, int content_encoding,
		     size_t max_out, struct buf *out)
{
	size_t limit = max_out ? max_out : SIZE_MAX, start = out->len;
	int nothing, rc;

	switch (content_encoding) {
	case HTTP_CE_NONE:
		if (len > limit)
			return SL_ETOOBIG;
		return buf_add(out, p, len);
	case HTTP_CE_GZIP:
		/* 15 + 32: gzip or zlib header, detected */
		return inflate_into(p, len, 15 + 32, limit, out, 1, &nothing);
	case HTTP_CE_DEFLATE:
		rc = inflate_into(p, len, 15, limit, out, 0, &nothing);
		if (rc == SL_EGZIP && nothing) {
			/* "deflate" is often sent raw, without the zlib wrapper */
			buf_setlen(out, start);
			rc = inflate_into(p, len, -15, limit, out, 0, &nothing);
		}
		return rc;
	default:
		return SL_EFORMAT;
	}
}
