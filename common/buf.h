/*
 * buf.h - the growable byte buffer every module uses.
 *
 * Invariants (hold after every call, success or failure):
 *   - b->ptr is never NULL; an unallocated buffer points at a shared,
 *     read-only empty string, so it can always be printed or compared;
 *   - b->ptr[b->len] == '\0', yet the contents are binary-safe: NULs may
 *     appear before len;
 *   - b->len <= b->max: a buffer refuses to grow past its cap and returns
 *     SL_ETOOBIG instead, leaving its contents untouched.  Crawl data is
 *     hostile; the cap turns "a 10 GB header line" into an error, not an OOM.
 *
 * A struct buf may be initialised with BUF_INIT (no cap beyond
 * BUF_DEFAULT_MAX) or buf_init(). buf_release() frees and re-initialises it,
 * keeping the cap; releasing twice is harmless.
 *
 * Not thread safe: one buffer, one thread.
 */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* Default cap: 1 GiB.  Anything bigger is a caller's explicit choice. */
#define BUF_DEFAULT_MAX ((size_t)1 << 30)

extern char buf_empty_[1];

struct buf {
	char *ptr;
	size_t len;
	size_t cap;  /* allocated bytes, 0 while ptr == buf_empty_ */
	size_t max;  /* len never exceeds this */
};

#define BUF_INIT { buf_empty_, 0, 0, BUF_DEFAULT_MAX }

/* Initialise an empty buffer whose length may never exceed max
 * (0 means BUF_DEFAULT_MAX). Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/* Free the storage and return to the empty state; the cap is kept. */
void buf_release(struct buf *b);

/* Make room for extra more bytes (plus the NUL). SL_ETOOBIG past the cap,
 * SL_ENOMEM when allocation fails; the contents are untouched either way. */
int buf_grow(struct buf *b, size_t extra);

/* Append bytes; 0 or a negative SL_E* code (contents untouched on error). */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Append one byte.  Inline because it is on every hot path. */
static inline int buf_addch(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		int rc = buf_grow(b, 1);
		if (rc)
			return rc;
	}
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
	return 0;
}

/* Truncate to len (len <= b->len). */
static inline void buf_setlen(struct buf *b, size_t len)
{
	b->len = len;
	if (b->cap)
		b->ptr[len] = '\0';
}

static inline void buf_reset(struct buf *b) { buf_setlen(b, 0); }

/* Remove the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* Take ownership of the storage (always a malloc'ed, NUL-terminated block,
 * even for an empty buffer; NULL only if that malloc fails) and reset b. */
char *buf_detach(struct buf *b, size_t *len);

#endif
