/*
 * aho.c - Aho–Corasick automaton (see aho.h).
 */
#include "aho.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

struct aho {
	int32_t (*next)[256];   /* goto, then the full transition function */
	int32_t *fail;
	int32_t *out;           /* first pattern ending here, -1 none */
	int32_t *dict;          /* nearest state on the fail chain with an output, -1 none */
	size_t nstates, cap;
	uint32_t *pid;          /* pattern id per pattern index */
	uint32_t *plen;
	int32_t *pnext;         /* next pattern ending in the same state */
	size_t npat, pcap;
	int built;
	uint16_t cls[256];      /* byte -> class: 0 bytes in no pattern, else 1.. */
	int ncls;
	int32_t *ctab;          /* nstates x ncls transitions, high bit: reports */
};

static int new_state(struct aho *a)
{
	if (a->nstates == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		void *n = realloc(a->next, cap * sizeof(*a->next));
		if (!n)
			return SL_ENOMEM;
		a->next = n;
		if (!(n = realloc(a->out, cap * sizeof(*a->out))))
			return SL_ENOMEM;
		a->out = n;
		a->cap = cap;
	}
	memset(a->next[a->nstates], 0xff, sizeof(a->next[0])); /* -1 */
	a->out[a->nstates] = -1;
	return (int)a->nstates++;
}

struct aho *aho_new(void)
{
	struct aho *a = calloc(1, sizeof(*a));
	if (a && new_state(a) < 0) {
		free(a);
		return NULL;
	}
	return a;
}

void aho_free(struct aho *a)
{
	if (!a)
		return;
	free(a->next);
	free(a->ctab);
	free(a->fail);
	free(a->out);
	free(a->dict);
	free(a->pid);
	free(a->plen);
	free(a->pnext);
	free(a);
}

size_t aho_patterns(const struct aho *a)
{
	return a->npat;
}

int aho_add(struct aho *a, const char *p, size_t n, uint32_t id)
{
	int32_t s = 0;
	size_t i;
	if (a->built || n == 0)
		return SL_EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (a->next[s][c] < 0) {
			int t = new_state(a);
			if (t < 0)
				return t;
			a->next[s][c] = t;
		}
		s = a->next[s][c];
	}
	if (a->npat == a->pcap) {
		size_t cap = a->pcap ? a->pcap * 2 : 64;
		void *x;
		if (!(x = realloc(a->pid, cap * sizeof(*a->pid))))
			return SL_ENOMEM;
		a->pid = x;
		if (!(x = realloc(a->plen, cap * sizeof(*a->plen))))
			return SL_ENOMEM;
		a->plen = x;
		if (!(x = realloc(a->pnext, cap * sizeof(*a->pnext))))
			return SL_ENOMEM;
		a->pnext = x;
		a->pcap = cap;
	}
	a->pid[a->npat] = id;
	a->plen[a->npat] = (uint32_t)n;
	a->pnext[a->npat] = a->out[s];
	a->out[s] = (int32_t)a->npat;
	a->npat++;
	return 0;
}

int aho_build(struct aho *a)
{
	int32_t *queue;
	size_t head = 0, tail = 0;
	int c;
	a->fail = calloc(a->nstates, sizeof(*a->fail));
	a->dict = malloc(a->nstates * sizeof(*a->dict));
	queue = malloc(a->nstates * sizeof(*queue));
	if (!a->fail || !a->dict || !queue) {
		free(queue);
		return SL_ENOMEM;
	}
	a->dict[0] = -1;
	for (c = 0; c < 256; c++) {
		int32_t t = a->next[0][c];
		if (t < 0) {
			a->next[0][c] = 0;
		} else {
			a->fail[t] = 0;
			a->dict[t] = -1;
			queue[tail++] = t;
		}
	}
	while (head < tail) {
		int32_t s = queue[head++];
		for (c = 0; c < 256; c++) {
			int32_t t = a->next[s][c];
			if (t < 0) {
				a->next[s][c] = a->next[a->fail[s]][c];
			} else {
				int32_t f = a->next[a->fail[s]][c];
				a->fail[t] = f;
				a->dict[t] = a->out[f] >= 0 ? f : a->dict[f];
				queue[tail++] = t;
			}
		}
	}
	free(queue);
	/* compress the table to byte classes (bytes that occur in no pattern
	 * all lead back to the root alike), and mark transitions into states
	 * that report something with the high bit, so the scan reads one small
	 * table entry per byte */
	{
		size_t st;
		uint8_t used[256] = { 0 };
		for (st = 0; st < a->nstates; st++)
			for (c = 0; c < 256; c++)
				if (a->next[st][c] != 0)
					used[c] = 1;
		a->ncls = 1;
		for (c = 0; c < 256; c++)
			a->cls[c] = used[c] ? (uint16_t)a->ncls++ : 0;
		if (a->nstates * (size_t)a->ncls >= 0x80000000u)
			return SL_ETOOBIG; /* row offsets must fit in 31 bits */
		a->ctab = malloc(a->nstates * (size_t)a->ncls * sizeof(*a->ctab));
		if (!a->ctab)
			return SL_ENOMEM;
		for (st = 0; st < a->nstates; st++) {
			int32_t *row = a->ctab + st * (size_t)a->ncls;
			row[0] = 0;
			for (c = 0; c < 256; c++) {
				int32_t t = a->next[st][c];
				if (!a->cls[c])
					continue;
				/* the target's row offset, so the scan needs no multiply */
				row[a->cls[c]] = (int32_t)((uint32_t)t * (uint32_t)a->ncls |
							   ((a->out[t] >= 0 || a->dict[t] >= 0) ? 0x80000000u : 0));
			}
		}
		free(a->next);
		a->next = NULL;
	}
	a->built = 1;
	return 0;
}

void aho_fold_ascii(struct aho *a)
{
	int c;
	for (c = 'A'; c <= 'Z'; c++)
		a->cls[c] = a->cls[c | 0x20];
}

int aho_scan(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx)
{
	const int32_t *ctab = a->ctab;
	const uint16_t *cls = a->cls;
	uint32_t row = 0;
	int32_t st;
	size_t i;
	for (i = 0; i < n; i++) {
		int32_t t = ctab[row + cls[(unsigned char)s[i]]];
		if (t >= 0) {
			row = (uint32_t)t;
			continue;
		}
		row = (uint32_t)t & 0x7fffffffu;
		st = (int32_t)(row / (uint32_t)a->ncls);
		for (t = a->out[st] >= 0 ? st : a->dict[st]; t >= 0; t = a->dict[t]) {
			int32_t p;
			for (p = a->out[t]; p >= 0; p = a->pnext[p]) {
				int rc = fn(a->pid[p], i + 1 - a->plen[p], i + 1, ctx);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}
