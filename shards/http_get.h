/*
 * http_get.h - a remote file (http://, https://) read as a byte stream
 * through libcurl, for instream: `sluice warc https://...` reads a crawl
 * file without saving it.
 *
 * A transfer that breaks off (connection reset, body shorter than its
 * Content-Length, no byte for the stall time, a 5xx answer) is resumed
 * where it stopped: with a Range request, or, when the server ignores
 * Range, by reading the file again and dropping the bytes already
 * delivered.  The reader sees one unbroken stream or an error.
 *
 * Errors carry errno, as file errors do: ENOENT (HTTP 404/410), EACCES
 * (401/403), ECONNREFUSED, EHOSTUNREACH (unknown host), ETIMEDOUT,
 * ECONNRESET (broken off after the retries), EIO (anything else).
 */
#ifndef SLUICE_HTTP_GET_H
#define SLUICE_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct http_get;

/* Does path name a remote file (http:// or https://)? */
int http_is_url(const char *path);

/* Start the transfer and wait for the first bytes of the body (or its
 * end).  Returns 0, SL_ENOMEM, or SL_EOPEN with errno set. */
int http_get_open(struct http_get **out, const char *url);

/* Up to n bytes of the body.  Returns the count (> 0), 0 at the end, or
 * SL_EIO with errno set. */
ssize_t http_get_read(struct http_get *g, void *dst, size_t n);

/* Retries made so far (resumed transfers). */
unsigned http_get_retries(const struct http_get *g);

void http_get_free(struct http_get *g); /* NULL is a no-op */

/* The limits come from the environment, read at each open:
 * SLUICE_HTTP_TIMEOUT  seconds without a byte before a transfer counts as
 *                      stalled, and the connect time-out (default 60);
 * SLUICE_HTTP_RETRIES  retries without progress before giving up (default 5);
 * SLUICE_HTTP_BACKOFF  the first wait between tries in seconds, doubled
 *                      each time (default 1). */

#endif
