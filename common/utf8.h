/*
 * utf8.h - UTF-8 validation and repair.
 *
 * "Valid" means RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF.  Repair replaces each maximal invalid subpart
 * (the Unicode / WHATWG practice) with U+FFFD, so a stream that was
 * repaired once is valid and repairing it again changes nothing.
 * All functions are pure and thread safe.
 */
#ifndef SLUICE_UTF8_H
#define SLUICE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Length of the longest valid prefix of s[0, n): n when all is valid. */
size_t utf8_valid_prefix(const char *s, size_t n);

/* Length of the valid sequence starting at s (1..4), or 0 when s does not
 * start a valid sequence within n bytes.  *cp receives the code point. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Length of the maximal invalid subpart at s (>= 1): the bytes one U+FFFD
 * stands for. */
size_t utf8_invalid_len(const unsigned char *s, size_t n);

/* Append s[0, n) to out with every invalid subpart replaced by U+FFFD.
 * *replaced (may be NULL) is incremented by the number of replacements.
 * Returns 0 or a negative SL_E* code from the buffer. */
int utf8_sanitize(struct buf *out, const char *s, size_t n, size_t *replaced);

/* Encode cp (<= 0x10FFFF, not a surrogate) into out[0..3]; returns 1..4. */
size_t utf8_encode(uint32_t cp, char *out);

/* Number of code points in valid UTF-8 s[0, n) (Python's len()). */
size_t utf8_count(const char *s, size_t n);

#endif
