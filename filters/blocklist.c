/*
 * blocklist.c - word and URL block lists (see blocklist.h).
 */
#include "blocklist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "aho.h"
#include "error.h"
#include "pytext.h"

/* ---- string set ---- */

static int strset_grow(struct strset *s)
{
	size_t size = s->size ? s->size * 2 : 1024, k;
	struct strset_ent *t = calloc(size, sizeof(*t));
	if (!t)
		return SL_ENOMEM;
	for (k = 0; k < s->size; k++) {
		size_t i;
		if (!s->tab[k].p)
			continue;
		for (i = s->tab[k].h & (size - 1); t[i].p; i = (i + 1) & (size - 1))
			;
		t[i] = s->tab[k];
	}
	free(s->tab);
	s->tab = t;
	s->size = size;
	return 0;
}

static int strset_insert(struct strset *s, const char *p, size_t n)
{
	uint64_t h = XXH3_64bits(p, n);
	size_t i;
	int rc;
	if ((s->n + 1) * 2 > s->size && (rc = strset_grow(s)))
		return rc;
	for (i = h & (s->size - 1); s->tab[i].p; i = (i + 1) & (s->size - 1))
		if (s->tab[i].h == h && s->tab[i].len == n && !memcmp(s->tab[i].p, p, n))
			return 1;
	s->tab[i].h = h;
	s->tab[i].p = p;
	s->tab[i].len = (uint32_t)n;
	s->n++;
	return 0;
}

static int strset_own(struct strset *s, char *block)
{
	char **b = realloc(s->blocks, (s->nblocks + 1) * sizeof(*b));
	if (!b)
		return SL_ENOMEM;
	s->blocks = b;
	b[s->nblocks++] = block;
	return 0;
}

int strset_add(struct strset *s, const char *p, size_t n)
{
	char *c = malloc(n + 1);
	int rc;
	if (!c)
		return SL_ENOMEM;
	memcpy(c, p, n);
	c[n] = 0;
	if ((rc = strset_own(s, c))) {
		free(c);
		return rc;
	}
	rc = strset_insert(s, c, n);
	return rc < 0 ? rc : 0;
}

int strset_has(const struct strset *s, const char *p, size_t n)
{
	uint64_t h;
	size_t i;
	if (!s->n)
		return 0;
	h = XXH3_64bits(p, n);
	for (i = h & (s->size - 1); s->tab[i].p; i = (i + 1) & (s->size - 1))
		if (s->tab[i].h == h && s->tab[i].len == n && !memcmp(s->tab[i].p, p, n))
			return 1;
	return 0;
}

void strset_release(struct strset *s)
{
	size_t k;
	for (k = 0; k < s->nblocks; k++)
		free(s->blocks[k]);
	free(s->blocks);
	free(s->tab);
	memset(s, 0, sizeof(*s));
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t got;
	int rc = 0;
	if (!f)
		return SL_EOPEN;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = buf_add(&b, chunk, got)))
			break;
	if (!rc && ferror(f))
		rc = SL_EIO;
	fclose(f);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	*data = buf_detach(&b, len);
	return *data ? 0 : SL_ENOMEM;
}

/* Normalize in place: keep [a-zA-Z0-9], lowercased; returns the new length. */
static size_t normalize(char *p, size_t n)
{
	size_t i, k = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))
			p[k++] = (char)c;
		else if (c >= 'A' && c <= 'Z')
			p[k++] = (char)(c | 0x20);
	}
	return k;
}

int strset_load(struct strset *s, const char *path, int norm, size_t *added)
{
	char *data, *p, *end;
	size_t len;
	int rc = read_file(path, &data, &len);
	if (rc)
		return rc;
	if ((rc = strset_own(s, data))) {
		free(data);
		return rc;
	}
	if (added)
		*added = 0;
	for (p = data, end = data + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *a = p;
		size_t n;
		p = nl ? nl + 1 : end;
		while (a < e && (*a == ' ' || *a == '\t' || *a == '\r'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (a == e || *a == '#')
			continue;
		n = (size_t)(e - a);
		if (norm && !(n = normalize(a, n)))
			continue;
		if ((rc = strset_insert(s, a, n)) < 0)
			return rc;
		if (rc == 0 && added)
			(*added)++;
	}
	return 0;
}

/* ---- words ---- */

/* C4's allowlist (ja: sm, グロ, 女の子; zh: 性); datatrove removes all of it
 * from every language's list, and so does sluice. */
static const char *const allowlist[] = { "sm", "\xe3\x82\xb0\xe3\x83\xad",
	"\xe5\xa5\xb3\xe3\x81\xae\xe5\xad\x90", "\xe6\x80\xa7", NULL };

int bl_words_load(struct bl_words *w, const char *path, const char *lang)
{
	char *data, *p, *end;
	size_t len, lineno = 0;
	struct stat sb;
	int rc;
	const char *const *allow = allowlist;
	memset(w, 0, sizeof(*w));
	w->boundaries = 1;
	if (lang && (!strcmp(lang, "ja") || !strcmp(lang, "th") || !strcmp(lang, "zh")))
		w->boundaries = 0;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		w->file_bytes = (size_t)sb.st_size;
		if ((uint64_t)sb.st_size > BL_WORDS_MAX_BYTES)
			return SL_ETOOBIG;
	}
	if ((rc = read_file(path, &data, &len)))
		return rc;
	w->file_bytes = len;
	if (!(w->ac = aho_new())) {
		free(data);
		return SL_ENOMEM;
	}
	aho_set_limit(w->ac, BL_WORDS_MAX_BYTES);
	for (p = data, end = data + len; p < end && !rc;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		size_t off, n, k;
		int skip = 0;
		const char *line = p;
		p = nl ? nl + 1 : end;
		lineno++;
		if (memchr(line, '\0', (size_t)(e - line)))
			continue;
		pt_strip(line, (size_t)(e - line), &off, &n); /* Python's line.strip() */
		if (!n)
			continue; /* an empty alternative would match at every \W */
		if (n > BL_WORD_MAX) {
			w->bad_line = lineno;
			w->bad_len = n;
			rc = SL_ETOOBIG;
			break;
		}
		for (k = 0; allow && allow[k]; k++)
			if (strlen(allow[k]) == n && !memcmp(allow[k], line + off, n))
				skip = 1;
		if (!skip) {
			rc = aho_add(w->ac, line + off, n, (uint32_t)w->nwords);
			w->nwords++;
		}
	}
	free(data);
	if (!rc)
		rc = aho_build(w->ac);
	if (rc) {
		aho_free(w->ac);
		w->ac = NULL;
		return rc;
	}
	aho_fold_ascii(w->ac); /* ASCII text needs no lowered copy */
	return 0;
}

void bl_words_release(struct bl_words *w)
{
	aho_free(w->ac);
	w->ac = NULL;
}

struct count_ctx {
	const char *s;
	size_t n, count, stop_after;
	int boundaries;
};

static int on_word(uint32_t id, size_t start, size_t end, void *vctx)
{
	struct count_ctx *c = vctx;
	(void)id;
	if (c->boundaries) {
		size_t j = end, ps;
		if (start > 0 && pt_isword(pt_prev(c->s, start, &ps)))
			return 0;
		if (end < c->n && pt_isword(pt_next(c->s, c->n, &j)))
			return 0;
	}
	c->count++;
	return c->count > c->stop_after;
}

size_t bl_words_count(const struct bl_words *w, const char *s, size_t n, size_t stop_after)
{
	struct count_ctx c = { s, n, 0, stop_after, w->boundaries };
	if (!w->ac)
		return 0;
	aho_scan_any(w->ac, s, n, on_word, &c); /* (a count: any order) */
	return c.count;
}

/* ---- URLs ---- */

void bl_urls_init(struct bl_urls *u)
{
	memset(u, 0, sizeof(*u));
	u->soft_threshold = 2;
}

void bl_urls_release(struct bl_urls *u)
{
	strset_release(&u->domains);
	strset_release(&u->urls);
	strset_release(&u->hard);
	strset_release(&u->soft);
	strset_release(&u->psl);
	strset_release(&u->psl_wild);
	strset_release(&u->psl_exc);
	aho_free(u->subwords);
	memset(u, 0, sizeof(*u));
}

int bl_urls_load_psl(struct bl_urls *u, const char *path)
{
	char *data, *p, *end;
	size_t len;
	int rc = read_file(path, &data, &len);
	if (rc)
		return rc;
	for (p = data, end = data + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *a = p;
		p = nl ? nl + 1 : end;
		while (e > a && (e[-1] == '\r' || e[-1] == ' '))
			e--;
		if (e - a >= 20 && !memcmp(a, "// ===BEGIN PRIVATE", 19))
			break; /* tldextract's default: ICANN suffixes only */
		if (a == e || (e - a >= 2 && a[0] == '/' && a[1] == '/'))
			continue;
		if (*a == '!')
			rc = strset_add(&u->psl_exc, a + 1, (size_t)(e - a - 1));
		else if (e - a > 2 && a[0] == '*' && a[1] == '.')
			rc = strset_add(&u->psl_wild, a + 2, (size_t)(e - a - 2));
		else
			rc = strset_add(&u->psl, a, (size_t)(e - a));
		if (rc)
			break;
	}
	free(data);
	if (!rc)
		u->have_psl = 1;
	return rc;
}

int bl_urls_load_subwords(struct bl_urls *u, const char *path)
{
	struct strset tmp = { 0 };
	size_t k, added;
	int rc;
	if (!u->subwords && !(u->subwords = aho_new()))
		return SL_ENOMEM;
	aho_set_limit(u->subwords, BL_WORDS_MAX_BYTES);
	if ((rc = strset_load(&tmp, path, 1, &added)) == 0)
		for (k = 0; k < tmp.size && !rc; k++)
			if (tmp.tab[k].p)
				rc = aho_add(u->subwords, tmp.tab[k].p, tmp.tab[k].len, 0);
	strset_release(&tmp);
	return rc;
}

int bl_urls_ready(struct bl_urls *u)
{
	return u->subwords ? aho_build(u->subwords) : 0;
}

int bl_url_host(const char *url, size_t n, struct buf *out)
{
	const char *p = url, *end = url + n, *h, *he, *at, *colon;
	const char *scheme = memmem(url, n, "://", 3);
	size_t i;
	buf_reset(out);
	if (scheme)
		p = scheme + 3;
	for (h = p; h < end && *h != '/' && *h != '?' && *h != '#'; h++)
		;
	he = h;
	h = p;
	if ((at = memrchr(h, '@', (size_t)(he - h))))
		h = at + 1;
	if (h < he && *h == '[')
		return buf_add(out, h, (size_t)(he - h)); /* IPv6 literal */
	if ((colon = memchr(h, ':', (size_t)(he - h))))
		he = colon;
	while (he > h && he[-1] == '.')
		he--;
	for (i = 0; i < (size_t)(he - h); i++) {
		char c = h[i];
		int rc = buf_addch(out, (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c));
		if (rc)
			return rc;
	}
	return 0;
}

int bl_registered_domain(const struct bl_urls *u, const char *host, size_t n, size_t *off)
{
	size_t i = 0, prev = SIZE_MAX;
	*off = n;
	if (!u->have_psl) {
		/* without a suffix list: the last two labels */
		size_t dots = 0;
		for (i = n; i > 0; i--)
			if (host[i - 1] == '.' && ++dots == 2) {
				*off = i;
				return 1;
			}
		if (dots == 1) {
			*off = 0;
			return 1;
		}
		return 0;
	}
	/* candidates from the longest; the first matching rule wins */
	for (;;) {
		const char *c = host + i;
		size_t m = n - i;
		const char *dot = memchr(c, '.', m);
		if (strset_has(&u->psl_exc, c, m)) {
			/* the suffix is c minus its first label; registered = c */
			*off = i;
			return 1;
		}
		if (strset_has(&u->psl, c, m) || (dot && strset_has(&u->psl_wild, dot + 1, m - (size_t)(dot + 1 - c)))) {
			if (prev == SIZE_MAX)
				return 0; /* the host is a public suffix */
			*off = prev;
			return 1;
		}
		if (!dot)
			return 0; /* no rule: tldextract leaves the suffix empty */
		prev = i;
		i = (size_t)(dot + 1 - host);
	}
}

struct sub_ctx {
	int hit;
};

static int on_sub(uint32_t id, size_t start, size_t end, void *ctx)
{
	(void)id;
	(void)start;
	(void)end;
	((struct sub_ctx *)ctx)->hit = 1;
	return 1;
}

const char *bl_url_check(const struct bl_urls *u, const char *url, size_t n, struct buf *tmp)
{
	size_t off, i, start, soft = 0;
	const char *scheme;

	if (bl_url_host(url, n, tmp) == 0 && tmp->len &&
	    bl_registered_domain(u, tmp->ptr, tmp->len, &off)) {
		if (strset_has(&u->domains, tmp->ptr + off, tmp->len - off))
			return "domain";
		if (strset_has(&u->domains, tmp->ptr, tmp->len))
			return "subdomain";
	}
	if (strset_has(&u->urls, url, n))
		return "url";
	if ((scheme = memmem(url, n, "://", 3)) &&
	    strset_has(&u->urls, scheme + 3, n - (size_t)(scheme + 3 - url)))
		return "url";
	/* tokens of [a-zA-Z0-9]+, as they are (not lowercased) */
	if (u->hard.n || u->soft.n) {
		struct strset seen = { 0 };
		const char *reason = NULL;
		for (i = 0; i <= n && !reason; i++) {
			unsigned char c = i < n ? (unsigned char)url[i] : 0;
			int alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
			if (alnum)
				continue;
			for (start = i; start > 0; start--) {
				unsigned char b = (unsigned char)url[start - 1];
				if (!((b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')))
					break;
			}
			if (start == i)
				continue;
			if (strset_has(&u->hard, url + start, i - start))
				reason = "hard_blacklisted";
			else if (strset_has(&u->soft, url + start, i - start) &&
				 !strset_has(&seen, url + start, i - start)) {
				soft++;
				if (strset_add(&seen, url + start, i - start))
					break;
			}
		}
		strset_release(&seen);
		if (reason)
			return reason;
		if (soft >= (size_t)u->soft_threshold && u->soft.n)
			return "soft_blacklisted";
	}
	if (u->subwords) {
		struct sub_ctx c = { 0 };
		size_t k = 0;
		buf_reset(tmp);
		if (buf_add(tmp, url, n) == 0) {
			k = normalize(tmp->ptr, tmp->len);
			aho_scan(u->subwords, tmp->ptr, k, on_sub, &c);
			if (c.hit)
				return "blacklisted_subword";
		}
	}
	return NULL;
}
