/*
 * langcfg.c - FineWeb-2 style per-language configs (see langcfg.h).
 */
#include "langcfg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "lid_fineweb2.h"
#include "utf8.h"

/* Decode a scalar (trimmed) into out.  0 or SL_EFORMAT. */
static int scalar(const char *s, size_t n, struct buf *out)
{
	size_t i;
	buf_reset(out);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n && s[0] == '\'') {
		if (n < 2 || s[n - 1] != '\'')
			return SL_EFORMAT;
		for (i = 1; i + 1 < n; i++) {
			if (s[i] == '\'' && s[i + 1] == '\'')
				i++;
			if (buf_addch(out, s[i]))
				return SL_ENOMEM;
		}
		return 0;
	}
	if (n && s[0] == '"') {
		if (n < 2 || s[n - 1] != '"')
			return SL_EFORMAT;
		for (i = 1; i + 1 < n; i++) {
			if (s[i] != '\\') {
				if (buf_addch(out, s[i]))
					return SL_ENOMEM;
				continue;
			}
			if (++i + 1 > n - 1)
				return SL_EFORMAT;
			switch (s[i]) {
			case 'n': buf_addch(out, '\n'); break;
			case 't': buf_addch(out, '\t'); break;
			case '\\': buf_addch(out, '\\'); break;
			case '"': buf_addch(out, '"'); break;
			case '/': buf_addch(out, '/'); break;
			case ' ': buf_addch(out, ' '); break;
			case '0': buf_addch(out, '\0'); break;
			case 'x': case 'u': case 'U': {
				size_t digits = s[i] == 'x' ? 2 : s[i] == 'u' ? 4 : 8, k;
				uint32_t cp = 0;
				char enc[4];
				if (i + digits >= n)
					return SL_EFORMAT;
				for (k = 1; k <= digits; k++) {
					char c = s[i + k];
					int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
					if (d < 0)
						return SL_EFORMAT;
					cp = cp * 16 + (uint32_t)d;
				}
				if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
					return SL_EFORMAT;
				if (buf_add(out, enc, utf8_encode(cp, enc)))
					return SL_ENOMEM;
				i += digits;
				break;
			}
			default:
				return SL_EFORMAT;
			}
		}
		return 0;
	}
	return buf_add(out, s, n) ? SL_ENOMEM : 0;
}

static int number(const struct buf *b, double *v)
{
	char *end;
	*v = strtod(b->ptr, &end);
	return end != b->ptr && !*end && isfinite(*v) ? 0 : SL_EFORMAT;
}

/* The length of line s[0, n) without its line break. */
static size_t chomp(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* Whether s[0, n) ends inside a double-quoted scalar: 0 no, 1 yes, 2 yes
 * and its last character is a backslash that escapes the line break.
 * (Only a line whose first quote is a double one can; the keys of these
 * files have none.) */
static int dq_open(const char *s, size_t n)
{
	const char *q = memchr(s, '"', n), *sq = memchr(s, '\'', n);
	size_t i;
	if (!q || (sq && sq < q))
		return 0;
	for (i = (size_t)(q - s) + 1; i < n; i++) {
		if (s[i] == '\\') {
			if (i + 1 == n)
				return 2;
			i++;
		} else if (s[i] == '"') {
			return 0;
		}
	}
	return 1;
}

int langcfg_load(const char *path, struct qparams *p, int *line)
{
	FILE *f = fopen(path, "r");
	char *l = NULL;
	size_t cap = 0;
	ssize_t got;
	char key[64] = "";
	struct buf val = BUF_INIT, joined = BUF_INIT;
	int rc = 0, lineno = 0, npair = 0, stop_reset = 0, ngram_reset = 0;
	double pair0 = 0;

	*line = 0;
	if (!f)
		return SL_EOPEN;
	while ((got = getline(&l, &cap, f)) >= 0) {
		size_t n = (size_t)got;
		char *s = l;
		int open;
		lineno++;
		n = chomp(s, n);
		/* a double-quoted scalar may go on over the next lines (FineWeb-2
		 * writes long stop words so): YAML joins them, an escaped line
		 * break with nothing, another with a space, dropping the next
		 * line's indentation and the spaces before the break */
		if ((open = dq_open(s, n))) {
			buf_reset(&joined);
			if (buf_add(&joined, s, n)) {
				rc = SL_ENOMEM;
				break;
			}
			while (open) {
				size_t m;
				char *t;
				if (open == 2)
					buf_setlen(&joined, joined.len - 1);
				else
					while (joined.len && (joined.ptr[joined.len - 1] == ' ' || joined.ptr[joined.len - 1] == '\t'))
						buf_setlen(&joined, joined.len - 1);
				if ((got = getline(&l, &cap, f)) < 0) {
					rc = SL_EFORMAT; /* the file ends inside the quotes */
					break;
				}
				lineno++;
				t = l;
				m = chomp(t, (size_t)got);
				while (m && (*t == ' ' || *t == '\t')) {
					t++;
					m--;
				}
				if ((open == 1 && buf_addch(&joined, ' ')) || buf_add(&joined, t, m)) {
					rc = SL_ENOMEM;
					break;
				}
				open = dq_open(joined.ptr, joined.len);
			}
			if (rc)
				break;
			s = joined.ptr;
			n = joined.len;
		}
		if (!n || s[0] == '#' || (n >= 3 && !memcmp(s, "---", 3)))
			continue;
		if (s[0] != ' ' && s[0] != '-') {
			/* key: [value] */
			char *colon = memchr(s, ':', n);
			size_t klen;
			if (!colon || (size_t)(colon - s) >= sizeof(key)) {
				rc = SL_EFORMAT;
				break;
			}
			klen = (size_t)(colon - s);
			memcpy(key, s, klen);
			key[klen] = 0;
			npair = 0;
			if ((rc = scalar(colon + 1, n - klen - 1, &val)))
				break;
			if (val.len == 0)
				continue; /* a list follows */
			/* a threshold sluice knows; other keys (language_score) are ignored */
			if (strcmp(key, "stopwords") && strcmp(key, "top_n_grams") && strcmp(key, "dup_n_grams"))
				(void)qparams_set(p, key, val.ptr);
			continue;
		}
		/* list items */
		if (!strcmp(key, "stopwords")) {
			if (n < 2 || s[0] != '-' || s[1] != ' ') {
				rc = SL_EFORMAT;
				break;
			}
			if (!stop_reset) {
				qparams_stop_clear(p);
				stop_reset = 1;
			}
			if ((rc = scalar(s + 2, n - 2, &val)) || (rc = qparams_stop_add(p, val.ptr, val.len)))
				break;
		} else if (!strcmp(key, "top_n_grams") || !strcmp(key, "dup_n_grams")) {
			int top = key[0] == 't';
			const char *item;
			double d;
			if (n >= 4 && !memcmp(s, "- - ", 4)) {
				item = s + 4;
				npair = 1;
			} else if (n >= 4 && !memcmp(s, "  - ", 4) && npair == 1) {
				item = s + 4;
				npair = 2;
			} else {
				rc = SL_EFORMAT;
				break;
			}
			if ((rc = scalar(item, n - (size_t)(item - s), &val)) || (rc = number(&val, &d)))
				break;
			if (npair == 1) {
				pair0 = d;
			} else {
				int k, nn;
				if (!(ngram_reset & (top ? 1 : 2))) {
					for (k = 0; k < 10; k++)
						p->v[(top ? QP_TOP_1 : QP_DUP_1) + k] = NAN;
					ngram_reset |= top ? 1 : 2;
				}
				/* n in 1..10, checked as a double: converting one
				 * outside int's range (1e300, NaN) is undefined */
				if (!(pair0 >= 1 && pair0 <= 10) || pair0 != (int)pair0) {
					rc = SL_EFORMAT;
					break;
				}
				nn = (int)pair0;
				p->v[(top ? QP_TOP_1 : QP_DUP_1) + nn - 1] = d;
			}
		}
		/* items of other lists are ignored */
	}
	if (!rc && ferror(f))
		rc = SL_EIO;
	if (rc == SL_EFORMAT)
		*line = lineno;
	free(l);
	buf_release(&val);
	buf_release(&joined);
	fclose(f);
	return rc;
}

const char *langcfg_fineweb2_name(const char *lang, size_t n)
{
	size_t lo = 0, hi = sizeof(lid_fineweb2) / sizeof(lid_fineweb2[0]);
	while (lo < hi) { /* the table is sorted by label */
		size_t mid = lo + (hi - lo) / 2;
		const char *k = lid_fineweb2[mid][0];
		size_t kn = strlen(k);
		int c = memcmp(k, lang, kn < n ? kn : n);
		if (c == 0)
			c = kn < n ? -1 : kn > n;
		if (c == 0)
			return lid_fineweb2[mid][1];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
