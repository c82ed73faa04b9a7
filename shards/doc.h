/*
 * doc.h - one document of the stream between stages.
 *
 * A document is a JSON object with at least "id" (string or number) and
 * "text" (string); every other member, known or not, passes through
 * unchanged.  It is kept as the raw line plus the spans of its top-level
 * members, so a stage that changes nothing writes the input bytes back
 * verbatim, and a stage that changes something pays only for what it
 * touched: the text is decoded on first request, and changes (a new text,
 * new or replaced top-level members, new or replaced "metadata" keys) are
 * recorded and applied when the document is written.
 *
 * Ownership: a struct doc owns copies of everything it holds; pointers it
 * returns stay valid until the next doc_parse()/doc_reset()/doc_release()
 * or a call that changes the same thing.  Not thread safe; one doc per
 * thread, reused from line to line (doc_parse resets it).
 */
#ifndef SLUICE_DOC_H
#define SLUICE_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

struct doc_change {
	size_t key_off, key_len; /* raw (escaped) key in doc.chg */
	size_t val_off, val_len; /* raw JSON value in doc.chg */
	int meta;                /* 1: a key of "metadata", 0: top level */
};

struct doc {
	struct buf raw;              /* the object as read, valid UTF-8 */
	struct json_member *m;       /* top-level members, spans into raw */
	size_t nm, mcap;
	int i_id, i_text, i_meta;    /* member indexes, -1 when absent */
	struct buf text;             /* decoded text, once asked for */
	int text_state;              /* 0 not decoded, 1 decoded, 2 replaced */
	struct buf chg;              /* storage for changes */
	struct doc_change *c;
	size_t nc, ccap;
	size_t replaced;             /* U+FFFD substitutions made while reading */
};

void doc_init(struct doc *d);
void doc_release(struct doc *d);
void doc_reset(struct doc *d);

/*
 * Parse one JSONL line (without its newline) into d.  Invalid UTF-8 is
 * replaced with U+FFFD first (counted in d->replaced).  Returns 0,
 * SL_EJSON (e says where and why), SL_EFORMAT (e->msg names the missing
 * or mistyped required member), or a buffer error.  max caps the stored
 * line (SL_ETOOBIG past it).
 */
enum doc_parse_flags {
	DOC_ID_OPTIONAL = 1 << 0, /* accept a line without "id" (i_id stays -1) */
	DOC_TEXT_OPTIONAL = 1 << 1, /* accept a line without "text" (i_text stays -1;
				       doc_text gives "", doc_set_text adds it) */
};
int doc_parse(struct doc *d, const char *line, size_t n, size_t max, unsigned flags,
	      struct json_err *e);

/* The decoded text (valid UTF-8).  0 or a buffer error. */
int doc_text(struct doc *d, const char **s, size_t *n);

/* Decode the top-level string member `key` into out (appending).
 * 1 when present and a string, 0 when absent or not a string, < 0 on error. */
int doc_get_str(const struct doc *d, const char *key, struct buf *out);

/* The raw JSON value of a top-level member (NULL when absent); its length
 * goes to *n unless n is NULL. */
const char *doc_get_raw(const struct doc *d, const char *key, size_t *n);

/* The raw JSON value at a dotted path of object keys ("metadata.language",
 * "url"); NULL when absent or when a step is not an object.  Its length goes
 * to *n unless n is NULL. */
const char *doc_get_path(const struct doc *d, const char *path, size_t *n);

/* Replace the text (s must be valid UTF-8). */
int doc_set_text(struct doc *d, const char *s, size_t n);

/* Set a top-level member / a key of "metadata" to a raw JSON value that the
 * caller guarantees is valid JSON (use json_string_encode for strings).
 * A later set of the same key wins. */
int doc_set_raw(struct doc *d, const char *key, const char *json, size_t n);
int doc_set_raw_str(struct doc *d, const char *key, const char *s, size_t n);
int doc_meta_set_raw(struct doc *d, const char *key, const char *json, size_t n);
int doc_meta_set_str(struct doc *d, const char *key, const char *s, size_t n);
int doc_meta_set_double(struct doc *d, const char *key, double v);
int doc_meta_set_int(struct doc *d, const char *key, long long v);

/* Append the document as one JSONL line (with '\n') to out. */
int doc_write(const struct doc *d, struct buf *out);

#endif
