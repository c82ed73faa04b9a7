/*
 * texts.c - the texts of a JSONL file in memory, and CPU time (texts.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doc.h"
#include "texts.h"

int bench_texts_load(const char *path, struct bench_texts *t)
{
	FILE *f = fopen(path, "r");
	struct doc d;
	struct json_err e;
	char *line = NULL;
	size_t cap = 0, ncap = 0;
	ssize_t len;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	doc_init(&d);
	while (!rc && (len = getline(&line, &cap, f)) > 0) {
		const char *s;
		size_t sn;
		if (doc_parse(&d, line, (size_t)len - (line[len - 1] == '\n'), (size_t)1 << 30, 0, &e) ||
		    doc_text(&d, &s, &sn))
			continue;
		if (t->n == ncap) {
			char **ns;
			size_t *nl;
			ncap = ncap ? 2 * ncap : 1024;
			if ((ns = realloc(t->s, ncap * sizeof(*ns))))
				t->s = ns;
			if ((nl = realloc(t->len, ncap * sizeof(*nl))))
				t->len = nl;
			if (!ns || !nl) {
				rc = -1;
				break;
			}
		}
		if (!(t->s[t->n] = malloc(sn + 1))) {
			rc = -1;
			break;
		}
		memcpy(t->s[t->n], s, sn);
		t->len[t->n++] = sn;
		t->bytes += sn;
	}
	fclose(f);
	free(line);
	doc_release(&d);
	if (rc)
		bench_texts_free(t);
	return rc;
}

void bench_texts_free(struct bench_texts *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->len);
	memset(t, 0, sizeof(*t));
}

double bench_cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
