/*
 * langcfg.h - per-language thresholds and stop words from FineWeb-2 style
 * configuration files (huggingface/fineweb-2 configs/<lang>_<Script>.yml).
 *
 * Reads the small YAML subset those files use: top-level "key: scalar",
 * "key:" followed by a block list ("- item") or a list of pairs
 * ("- - 5" / "  - 0.15"); scalars plain, 'single' ('' escapes) or
 * "double" quoted (\\ \" \n \t \xHH \uHHHH \UHHHHHHHH escapes).
 *
 * Applied keys: stopwords (replace Gopher's stop words), top_n_grams and
 * dup_n_grams (replace the Gopher repetition n-gram lists), and every key
 * that names a threshold (dup_line_frac, min_avg_word_length,
 * max_avg_word_length, max_non_alpha_words_ratio, line_punct_thr,
 * new_line_ratio, ...).  Other keys (language_score, which belongs to the
 * language filter) are ignored.
 */
#ifndef SLUICE_LANGCFG_H
#define SLUICE_LANGCFG_H

#include "quality.h"

/* Apply the file at path to p.  0; SL_EOPEN (errno set); SL_EFORMAT with
 * *line set to the offending line; SL_ENOMEM. */
int langcfg_load(const char *path, struct qparams *p, int *line);

/* The FineWeb-2 config name ("deu_Latn") of a label of fastText's lid.176
 * (metadata.language as `sluice lang` writes it: "de"), or NULL for none:
 * FineWeb-2 names its files by ISO 639-3 code and script, as GlotLID
 * labels text.  Where FineWeb-2 has the language in several scripts, the
 * one it has most text in (tools/gen-lid-fineweb2.py). */
const char *langcfg_fineweb2_name(const char *lang, size_t n);

#endif
