/*
 * aho.c - Aho–Corasick automaton (see aho.h).
 */
#include "aho.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

struct aho {
	/* the trie while patterns are added: sparse, first child and next
	 * sibling per state (freed by aho_build) */
	int32_t *child, *sib;
	uint8_t *byte;
	int32_t *out;           /* first pattern ending here, -1 none */
	int32_t *dict;          /* nearest state on the fail chain with an output, -1 none */
	size_t nstates, cap;
	uint32_t *pid;          /* pattern id per pattern index */
	uint32_t *plen;
	int32_t *pnext;         /* next pattern ending in the same state */
	size_t npat, pcap;
	size_t maxlen;          /* the longest pattern */
	size_t limit;           /* aho_bytes() cap, 0 none */
	int built;
	uint8_t used[256];      /* bytes that occur in a pattern */
	uint16_t cls[256];      /* byte -> class: 0 bytes in no pattern, else 1.. */
	int ncls;
	int32_t *ctab;          /* nstates x ncls transitions, high bit: reports */
};

/* What the built automaton takes with n states and nc classes: its table
 * and out/dict per state (the trie and fail links of the build are less
 * and gone by then), plus npat patterns. */
static size_t bytes_for(size_t n, size_t nc, size_t npat)
{
	return n * (nc * sizeof(int32_t) + 2 * sizeof(int32_t)) + npat * (2 * sizeof(uint32_t) + sizeof(int32_t));
}

size_t aho_bytes(const struct aho *a)
{
	size_t nc = 1;
	int c;
	for (c = 0; c < 256; c++)
		nc += a->used[c];
	return bytes_for(a->nstates, nc, a->npat);
}

void aho_set_limit(struct aho *a, size_t bytes)
{
	a->limit = bytes;
}

static int new_state(struct aho *a)
{
	if (a->nstates == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		void *n;
		if (!(n = realloc(a->child, cap * sizeof(*a->child))))
			return SL_ENOMEM;
		a->child = n;
		if (!(n = realloc(a->sib, cap * sizeof(*a->sib))))
			return SL_ENOMEM;
		a->sib = n;
		if (!(n = realloc(a->byte, cap * sizeof(*a->byte))))
			return SL_ENOMEM;
		a->byte = n;
		if (!(n = realloc(a->out, cap * sizeof(*a->out))))
			return SL_ENOMEM;
		a->out = n;
		a->cap = cap;
	}
	if (a->nstates >= 0x7fffffff)
		return SL_ETOOBIG;
	a->child[a->nstates] = -1;
	a->sib[a->nstates] = -1;
	a->byte[a->nstates] = 0;
	a->out[a->nstates] = -1;
	return (int)a->nstates++;
}

struct aho *aho_new(void)
{
	struct aho *a = calloc(1, sizeof(*a));
	if (a && new_state(a) < 0) {
		aho_free(a);
		return NULL;
	}
	return a;
}

void aho_free(struct aho *a)
{
	if (!a)
		return;
	free(a->child);
	free(a->sib);
	free(a->byte);
	free(a->ctab);
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

static int32_t trie_child(const struct aho *a, int32_t s, unsigned char c)
{
	int32_t t;
	for (t = a->child[s]; t >= 0 && a->byte[t] != c; t = a->sib[t])
		;
	return t;
}

int aho_add(struct aho *a, const char *p, size_t n, uint32_t id)
{
	int32_t s = 0;
	size_t i, nc = 1;
	int c;
	if (a->built || n == 0)
		return SL_EINVAL;
	if (a->limit) { /* refuse before growing past the cap */
		size_t nnew = 0;
		uint8_t used[256];
		memcpy(used, a->used, sizeof(used));
		for (i = 0; i < n; i++) {
			int32_t t = s >= 0 ? trie_child(a, s, (unsigned char)p[i]) : -1;
			nnew += t < 0;
			s = t;
			used[(unsigned char)p[i]] = 1;
		}
		for (c = 0; c < 256; c++)
			nc += used[c];
		if (nnew > a->limit || bytes_for(a->nstates + nnew, nc, a->npat + 1) > a->limit)
			return SL_ETOOBIG;
		s = 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		int32_t t = trie_child(a, s, ch);
		if (t < 0) {
			if ((t = new_state(a)) < 0)
				return t;
			a->byte[t] = ch;
			a->sib[t] = a->child[s];
			a->child[s] = t;
			a->used[ch] = 1;
		}
		s = t;
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
	if (n > a->maxlen)
		a->maxlen = n;
	a->pnext[a->npat] = a->out[s];
	a->out[s] = (int32_t)a->npat;
	a->npat++;
	return 0;
}

/* Compute the full transition function straight into a table of byte
 * classes (bytes that occur in no pattern all lead back to the root alike,
 * so a row is ncls wide, not 256), breadth first: a state's row is its fail
 * state's row with its own trie edges written over it.  A transition holds
 * the target's row offset, so the scan needs no multiply, and the high bit
 * when the target reports something. */
int aho_build(struct aho *a)
{
	int32_t *queue, *fail;
	size_t head = 0, tail = 0, nc;
	int c;
	if (a->built)
		return SL_EINVAL;
	a->ncls = 1;
	for (c = 0; c < 256; c++)
		a->cls[c] = a->used[c] ? (uint16_t)a->ncls++ : 0;
	nc = (size_t)a->ncls;
	if (a->nstates * nc >= 0x80000000u)
		return SL_ETOOBIG; /* row offsets must fit in 31 bits */
	a->dict = malloc(a->nstates * sizeof(*a->dict));
	fail = malloc(a->nstates * sizeof(*fail));
	queue = malloc(a->nstates * sizeof(*queue));
	a->ctab = calloc(a->nstates * nc, sizeof(*a->ctab)); /* 0: the root */
	if (!a->dict || !fail || !queue || !a->ctab) {
		free(queue);
		free(fail);
		return SL_ENOMEM;
	}
#define ENC(t) ((int32_t)((uint32_t)(t) * (uint32_t)nc | \
			  ((a->out[t] >= 0 || a->dict[t] >= 0) ? 0x80000000u : 0)))
#define DEC(v) ((int32_t)(((uint32_t)(v) & 0x7fffffffu) / (uint32_t)nc))
	a->dict[0] = -1;
	fail[0] = 0;
	queue[tail++] = 0;
	while (head < tail) {
		int32_t s = queue[head++], t;
		int32_t *row = a->ctab + (size_t)s * nc;
		if (s) /* the root's row stays all root */
			memcpy(row, a->ctab + (size_t)fail[s] * nc, nc * sizeof(*row));
		for (t = a->child[s]; t >= 0; t = a->sib[t]) {
			uint16_t k = a->cls[a->byte[t]];
			int32_t f = s ? DEC(row[k]) : 0; /* row[k]: still fail[s]'s move */
			fail[t] = f;
			a->dict[t] = a->out[f] >= 0 ? f : a->dict[f];
			queue[tail++] = t;
		}
		for (t = a->child[s]; t >= 0; t = a->sib[t])
			row[a->cls[a->byte[t]]] = ENC(t);
	}
#undef ENC
#undef DEC
	free(queue);
	free(fail);
	free(a->child);
	free(a->sib);
	free(a->byte);
	a->child = a->sib = NULL;
	a->byte = NULL;
	a->built = 1;
	return 0;
}

void aho_fold_ascii(struct aho *a)
{
	int c;
	for (c = 'A'; c <= 'Z'; c++)
		a->cls[c] = a->cls[c | 0x20];
}

/* Report the occurrences that end at end, in the state of row (the
 * target of a transition with the high bit). */
static int report(const struct aho *a, uint32_t row, size_t end, aho_fn fn, void *ctx)
{
	int32_t st = (int32_t)(row / (uint32_t)a->ncls), t;
	for (t = a->out[st] >= 0 ? st : a->dict[st]; t >= 0; t = a->dict[t]) {
		int32_t p;
		for (p = a->out[t]; p >= 0; p = a->pnext[p]) {
			int rc = fn(a->pid[p], end - a->plen[p], end, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Scan s[i, to) from *row; report the occurrences that end after lo. */
static int scan_range(const struct aho *a, const char *s, size_t i, size_t to, size_t lo, uint32_t *row,
		      aho_fn fn, void *ctx)
{
	const int32_t *ctab = a->ctab;
	const uint16_t *cls = a->cls;
	uint32_t r = *row;
	int rc;
	for (; i < to; i++) {
		int32_t t = ctab[r + cls[(unsigned char)s[i]]];
		r = (uint32_t)t & 0x7fffffffu;
		if (t < 0 && i >= lo && (rc = report(a, r, i + 1, fn, ctx)))
			return rc;
	}
	*row = r;
	return 0;
}

int aho_scan(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx)
{
	uint32_t row = 0;
	return scan_range(a, s, 0, n, 0, &row, fn, ctx);
}

/* AHO_LANES pieces of the text scanned side by side, one byte of each per
 * step: a scan waits on one table load per byte, and the lanes' loads
 * overlap.  Piece k (k > 0) starts maxlen - 1 bytes before its part
 * (from the root: no occurrence can end in its part and start before
 * that) and reports only what ends in its part, so each occurrence is
 * reported once. */
#define AHO_LANES 4

int aho_scan_any(const struct aho *a, const char *s, size_t n, aho_fn fn, void *ctx)
{
	const int32_t *ctab = a->ctab;
	const uint16_t *cls = a->cls;
	size_t ov = a->maxlen ? a->maxlen - 1 : 0, step = n / AHO_LANES, from[AHO_LANES], lo[AHO_LANES], j;
	uint32_t row[AHO_LANES];
	int k, rc;
	if (step <= ov + 16)
		return aho_scan(a, s, n, fn, ctx);
	for (k = 0; k < AHO_LANES; k++) {
		lo[k] = (size_t)k * step;
		from[k] = k ? lo[k] - ov : 0;
		row[k] = 0;
	}
	/* step bytes of each lane (all of lane 0's) */
	for (j = 0; j < step; j++) {
		int32_t t[AHO_LANES], any = 0;
		for (k = 0; k < AHO_LANES; k++)
			t[k] = ctab[row[k] + cls[(unsigned char)s[from[k] + j]]];
		for (k = 0; k < AHO_LANES; k++) {
			row[k] = (uint32_t)t[k] & 0x7fffffffu;
			any |= t[k];
		}
		if (any >= 0)
			continue;
		for (k = 0; k < AHO_LANES; k++)
			if (t[k] < 0 && from[k] + j >= lo[k] && (rc = report(a, row[k], from[k] + j + 1, fn, ctx)))
				return rc;
	}
	/* the rest of the others: their last ov bytes, and the last lane to n */
	for (k = 1; k < AHO_LANES; k++)
		if ((rc = scan_range(a, s, from[k] + step, k + 1 < AHO_LANES ? lo[k + 1] : n, lo[k], &row[k], fn, ctx)))
			return rc;
	return 0;
}
