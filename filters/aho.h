/*
 * aho.h - Aho–Corasick multi-pattern matching over bytes: thousands of
 * patterns found in one pass (a full transition table per state, so the scan
 * is one table lookup per byte).  Patterns are byte strings; every
 * occurrence, overlapping ones included, is reported.
 * Build once, then scan from any number of threads (read-only).
 */
#ifndef SLUICE_AHO_H
#define SLUICE_AHO_H

#include <stddef.h>
#include <stdint.h>

struct aho;

struct aho *aho_new(void);
void aho_free(struct aho *a);
/* Add a pattern (n > 0) with an id.  0 or SL_ENOMEM (SL_EINVAL when built). */
int aho_add(struct aho *a, const char *p, size_t n, uint32_t id);
/* Compute the automaton.  0 or SL_ENOMEM. */
int aho_build(struct aho *a);
size_t aho_patterns(const struct aho *a);
/* After aho_build: read ASCII capitals as their small letters, so scanning
 * a text equals scanning its ASCII-lowered copy (patterns with capitals no
 * longer match, as they never could in lowered text). */
void aho_fold_ascii(struct aho *a);

/* Call fn(id, start, end, ctx) for every occurrence s[start, end); a nonzero
 * return stops the scan and is returned. */
typedef int (*aho_fn)(uint32_t id, size_t start, size_t end, void *ctx);
int aho_scan(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx);

#endif
