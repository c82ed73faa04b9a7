/*
 * texts.h - what the C benchmarks share: the texts of a JSONL file held in
 * memory, and CPU time (the machines here are shared, wall time is noisy).
 */
#ifndef SLUICE_BENCH_TEXTS_H
#define SLUICE_BENCH_TEXTS_H

#include <stddef.h>

struct bench_texts {
	char **s;      /* s[i]: the "text" of the i-th readable document */
	size_t *len;
	size_t n, bytes;
};

/* Every document of path that parses and has a text; lines that do not
 * are skipped.  0, or -1 when the file cannot be read or memory runs out. */
int bench_texts_load(const char *path, struct bench_texts *t);
void bench_texts_free(struct bench_texts *t);

/* CPU seconds of this process. */
double bench_cpu_seconds(void);

#endif
