/*
 * aho.h - Aho–Corasick multi-pattern matching over bytes: thousands of
 * patterns found in one pass (a full transition table per state over byte
 * classes, the bytes that occur in the patterns plus one class for all
 * others, so the scan is one table lookup per byte and the memory is
 * states x (classes + 2) x 4 bytes: at most ~(pattern bytes) x that).
 * Patterns are byte strings; every occurrence, overlapping ones included,
 * is reported.
 * Build once, then scan from any number of threads (read-only).
 */
#ifndef SLUICE_AHO_H
#define SLUICE_AHO_H

#include <stddef.h>
#include <stdint.h>

struct aho;

struct aho *aho_new(void);
void aho_free(struct aho *a);
/* Cap what the built automaton may take (aho_bytes), 0 for none (the
 * default): an aho_add that would pass it adds nothing and returns
 * SL_ETOOBIG, before anything is allocated for it. */
void aho_set_limit(struct aho *a, size_t bytes);
/* What the automaton of the patterns added so far takes once built. */
size_t aho_bytes(const struct aho *a);
/* Add a pattern (n > 0) with an id.  0, SL_ENOMEM, SL_ETOOBIG (the limit)
 * (SL_EINVAL when built). */
int aho_add(struct aho *a, const char *p, size_t n, uint32_t id);
/* Compute the automaton.  0, SL_ENOMEM or SL_ETOOBIG (2^31 table cells). */
int aho_build(struct aho *a);
size_t aho_patterns(const struct aho *a);
/* After aho_build: read ASCII capitals as their small letters, so scanning
 * a text equals scanning its ASCII-lowered copy (patterns with capitals no
 * longer match, as they never could in lowered text). */
void aho_fold_ascii(struct aho *a);

/* Call fn(id, start, end, ctx) for every occurrence s[start, end), in the
 * order of their ends (then longest first); a nonzero return stops the scan
 * and is returned. */
typedef int (*aho_fn)(uint32_t id, size_t start, size_t end, void *ctx);
int aho_scan(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx);
/* The same occurrences, in no set order (faster on long texts: several
 * pieces of the text scanned side by side); for callers that count. */
int aho_scan_any(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx);

#endif
