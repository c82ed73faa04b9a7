/*
 * normalize.h - datatrove's simplify_text, the text normalization that
 * MinHash shingles (and `dedup exact --normalize`) are computed on.
 *
 * The steps, in datatrove's order (REFERENCE.md §5.1, §11):
 *   1. lowercase (Python str.lower(): full mapping, so U+0130 gives "i" +
 *      U+0307, and the context-dependent final sigma);
 *   2. numbers \p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)? become "0";
 *   3. the characters of datatrove's PUNCTUATION become " ";
 *   4. strip, then collapse every run of Unicode whitespace (Python's \s,
 *      str.isspace()) into one " ";
 *   5. NFD, dropping every code point of category Mn; strip again.
 * Character properties come from utf8proc; Python's unicodedata may be a
 * Unicode version apart.  Known approximations: the final-sigma context
 * uses utf8proc categories for "cased" and "case-ignorable"; NFD's
 * canonical reordering is not applied (it only matters for a combining
 * mark that is not Mn, which is never dropped, next to another one).
 *
 * Thread safety: one struct dd_norm per thread.
 */
#ifndef SLUICE_DEDUP_NORMALIZE_H
#define SLUICE_DEDUP_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Scratch space reused from document to document. */
struct dd_norm {
	uint32_t *a, *b;
	size_t cap;     /* elements of a and of b */
};

void dd_norm_init(struct dd_norm *w);
void dd_norm_release(struct dd_norm *w);

enum dd_norm_flags {
	/* After step 5, also turn every remaining whitespace run into one
	 * " " (what splitting into words and joining them with " " gives). */
	DD_NORM_COLLAPSE = 1 << 0,
};

/* Append simplify_text(s[0, n)) (s valid UTF-8) to out as UTF-8.
 * 0 or a negative SL_E* code. */
int dd_simplify(struct dd_norm *w, const char *s, size_t n, unsigned flags, struct buf *out);

/* Python's str.isspace() for one code point. */
int dd_is_space(uint32_t c);

#endif
