/*
 * http.h - the HTTP response stored in a WARC response record.
 *
 * Everything here works on caller-owned bytes and returns pointers into
 * them (no allocation, no copy) except the two decoders, which append to a
 * caller's struct buf.  Nothing prints; errors are negative SL_E* codes.
 *
 * CommonCrawl stores payloads already decoded and renames the headers that
 * described the original encoding to X-Crawler-Content-Encoding and
 * X-Crawler-Transfer-Encoding (also X-Crawler-Content-Length); only the
 * un-prefixed Content-Encoding and Transfer-Encoding mean the stored body
 * is still encoded, so only those set content_encoding and chunked.
 *
 * Thread safe: no state.
 */
#ifndef SLUICE_HTTP_H
#define SLUICE_HTTP_H

#include <stddef.h>

#include "buf.h"

enum http_content_encoding {
	HTTP_CE_NONE = 0,  /* absent or "identity" */
	HTTP_CE_GZIP,      /* "gzip" or "x-gzip" */
	HTTP_CE_DEFLATE,   /* "deflate" (zlib-wrapped or raw, both decode) */
	HTTP_CE_BR,        /* "br": not decoded by sluice, count it */
	HTTP_CE_OTHER,     /* anything else, or a list of codings */
};

struct http_response {
	int status;                 /* 100..999 */
	int version_major, version_minor; /* "HTTP/1.1" -> 1, 1; "HTTP/2" -> 2, 0 */
	const char *content_type;   /* first Content-Type value as sent (trimmed;
				       a folded value keeps its line break),
				       NULL when absent */
	size_t content_type_len;
	const char *headers;        /* the header lines after the status line, */
	size_t headers_len;         /* up to (not including) the empty line */
	const char *body;           /* the bytes after the empty line: the rest */
	size_t body_len;            /* of the input (may be empty) */
	int chunked;                /* Transfer-Encoding ends with "chunked" */
	int content_encoding;       /* enum http_content_encoding */
};

/*
 * Parse an HTTP response: "HTTP/x.y NNN [reason]" (reason optional;
 * "HTTP/2 200" accepted), header lines until CRLF CRLF (LF LF accepted),
 * case-insensitive names, folded lines.  Header lines without a colon are
 * ignored.  Returns 0, or SL_EHTTP when the status line is not one or the
 * empty line ending the headers is missing.  *out points into p.
 */
int http_parse_response(const char *p, size_t len, struct http_response *out);

/* The first header called `name` (ASCII case-insensitive) in
 * resp->headers, value trimmed; NULL when absent.  *len may be NULL. */
const char *http_header(const struct http_response *resp, const char *name,
			size_t *len);

/* 1 when the media type (before any ';') is text/html or
 * application/xhtml+xml, ASCII case-insensitive, whitespace ignored. */
int http_content_type_is_html(const char *ct, size_t len);

/*
 * Decode a Transfer-Encoding: chunked body, appending the data to out.
 * Chunk extensions and trailers are ignored; CRLF or LF line ends.
 * Returns 0 after the last (zero-size) chunk, SL_EHTTP on a malformed
 * chunk size or chunk end (out then holds the chunks before it: some
 * writers keep the header but store the body decoded, so a caller may
 * prefer the raw body), SL_ETRUNC when the input ends first (out holds
 * what was there), or SL_ETOOBIG / SL_ENOMEM from out.
 */
int http_dechunk(const char *p, size_t len, struct buf *out);

/*
 * Decode a Content-Encoding: gzip (several members allowed) or deflate
 * (zlib-wrapped, or raw as some servers send) body, appending at most
 * max_out bytes to out (0: no limit beyond out's cap).  Returns 0;
 * SL_ETOOBIG past max_out or out's cap; SL_EGZIP on corrupt data;
 * SL_ETRUNC when the stream ends early (out keeps what was decoded);
 * SL_EFORMAT for an encoding it does not decode (br, other); SL_ENOMEM.
 * Content-Encoding is not proof: CommonCrawl 2014 WARCs keep
 * "Content-Encoding: gzip" on payloads they stored decoded.  Such a body
 * fails at its first bytes with SL_EGZIP and nothing appended; use the
 * body as it is then (or check for the 1f 8b magic first).
 */
int http_decode_body(const char *p, size_t len, int content_encoding,
		     size_t max_out, struct buf *out);

#endif
