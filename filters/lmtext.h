/*
 * lmtext.h - text preparation for n-gram language models, as cc_net does it
 * (cc_net/text_normalizer.py normalize(), the defaults accent, case, numbers
 * and punct=1), then Python's str.split() into words.
 *
 * On one line: strip() the Unicode whitespace at both ends, lower() it,
 * remove accents (NFD, then drop every code point of category Mn), turn
 * every decimal digit (category Nd, Python's \d) into "0", replace cc_net's
 * 34 Unicode punctuation marks by their ASCII forms (，-> ","  。-> "."
 * — -> " - "  … -> "..." ...), and drop the C0/C1 controls U+0000-U+001F and
 * U+007F-U+009F.  NFD is applied per code point; canonical reordering of
 * combining marks is not needed because every Mn mark is dropped.
 *
 * cc_net normalizes a whole document at once, and its control-character
 * step removes the newlines, so its DocLM scores each document as a single
 * line; sluice scores line by line by default (see `sluice ppl --help`).
 */
#ifndef SLUICE_LMTEXT_H
#define SLUICE_LMTEXT_H

#include <stddef.h>

#include "buf.h"

/* Append the normalized form of s[0..n) (valid UTF-8) to out. */
int lmtext_normalize(struct buf *out, struct buf *tmp, const char *s, size_t n);

#endif
