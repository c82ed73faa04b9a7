/*
 * json.h - the small, strict, fast JSON scanner the document streams use.
 *
 * sluice never builds a DOM: a JSONL line is scanned once into the spans of
 * its top-level members, values are kept as raw JSON text (so unknown
 * fields pass through byte for byte), and only the strings a stage asks for
 * are decoded.  The grammar is RFC 8259, strictly: raw control characters
 * inside strings, trailing commas, NaN, single quotes and comments are
 * errors.  Input must already be valid UTF-8 (see utf8.h); escapes may
 * still encode lone surrogates, which decode to U+FFFD.
 *
 * Nesting is limited to JSON_MAX_DEPTH so hostile input cannot exhaust the
 * stack.  All functions are pure and thread safe.
 */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <stddef.h>

#include "buf.h"

#define JSON_MAX_DEPTH 256

/* Where and why scanning failed. msg is static and lower case. */
struct json_err {
	size_t offset; /* from the start of the scanned text */
	const char *msg;
	int surrogate; /* set (never cleared) by a \u escape of a surrogate, D800-DFFF,
			  paired or not: see doc_parse */
};

/* Scan one value starting at p (leading whitespace allowed).  On success
 * *after points just past it and 0 is returned; else SL_EJSON with e set
 * (offsets relative to base). */
int json_scan_value(const char *base, const char *p, const char *end,
		    const char **after, struct json_err *e);

/* Iterate over the members of the object in [p, end). */
struct json_iter {
	const char *base, *p, *end;
	int n;
};
struct json_member {
	const char *key;  /* raw key between the quotes (escapes not decoded) */
	size_t key_len;
	const char *val;  /* raw JSON value */
	size_t val_len;
};
/* Expects optional whitespace then '{'.  0 or SL_EJSON. */
int json_object_begin(struct json_iter *it, const char *p, const char *end, struct json_err *e);
/* 1: *m filled; 0: the object ended (and only whitespace follows it, when
 * the iterator was begun on a whole text); SL_EJSON on error. */
int json_object_next(struct json_iter *it, struct json_member *m, struct json_err *e);

/* Does the raw key equal the plain ASCII name (no escapes in name)? */
int json_key_is(const struct json_member *m, const char *name);

/* Decode the raw contents of a string (between the quotes, as returned by
 * the scanner, so already known to be well formed) and append the UTF-8
 * text to out.  Lone surrogate escapes become U+FFFD and are counted in
 * *replaced (may be NULL). */
int json_string_decode(struct buf *out, const char *raw, size_t n, size_t *replaced);

/* Write each lone surrogate escape of the scanned (so well-formed) JSON
 * s[0, n) as \ufffd, in place: the same length, so members found in it
 * stay where they are (a backslash occurs only inside strings).  Returns
 * how many were written. */
size_t json_fix_lone_surrogates(char *s, size_t n);

/* Append s[0, n) (valid UTF-8) as a JSON string literal, quotes included. */
int json_string_encode(struct buf *out, const char *s, size_t n);

/* A finite double as the shortest %g text that reads back as the same
 * double (a JSON number), NUL-terminated in out[JSON_DOUBLE_MAX]; returns
 * its length. */
#define JSON_DOUBLE_MAX 32
int json_fmt_double(char *out, double v);

/* Is the raw value a string literal? (first byte '"') */
static inline int json_is_string(const char *val, size_t n) { return n >= 2 && val[0] == '"'; }

#endif
