/*
 * html.c - HTML to text: a linear-time tokenizer with counters, no tree.
 *
 * Why no DOM: a tree builder costs allocations per element and its error
 * recovery (adoption agency, foster parenting) changes nothing about which
 * words are visible.  What does matter is knowing where tags, comments and
 * raw text end exactly as a browser would, so that is done by the book
 * (HTML Standard, section 13.2.5), and visibility is tracked with depth
 * counters, which cannot blow up on 100k nested elements.
 *
 * Every scan moves forward only (memchr for "<", "-", quotes and ">"),
 * so the time is linear in the input even for hostile documents.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* memmem */
#endif
#include "html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "html_entities.h"
#include "utf8.h"

typedef unsigned char uchar;

/* ---- output with whitespace normalisation ---- */

/*
 * Whitespace is never written eagerly: separators and line breaks are
 * remembered and only materialise in front of the next visible content.
 * That single rule gives trimmed lines and no leading/trailing blank lines.
 */
struct out {
	struct buf *b;
	int err;
	uchar want_nl;  /* line breaks wanted before the next content (0..2) */
	uchar nl_run;   /* '\n' bytes that end b (saturates at 255) */
	char sep;       /* ' ' or '\t' wanted before the next content, 0 if none */
};

static void out_flush(struct out *o)
{
	if (o->b->len == 0) {
		/* nothing before: leading breaks and spaces vanish */
	} else if (o->want_nl > o->nl_run) {
		while (o->nl_run < o->want_nl) {
			if (!o->err)
				o->err = buf_addch(o->b, '\n');
			o->nl_run++;
		}
	} else if (o->sep && o->nl_run == 0) {
		if (!o->err)
			o->err = buf_addch(o->b, o->sep);
	}
	o->want_nl = 0;
	o->sep = 0;
}

static void out_put(struct out *o, const void *s, size_t n)
{
	out_flush(o);
	if (!o->err)
		o->err = buf_add(o->b, s, n);
	o->nl_run = 0;
}

/* A literal newline inside <pre>. */
static void out_pre_nl(struct out *o)
{
	if (o->b->len == 0)
		return;
	out_flush(o);
	if (!o->err)
		o->err = buf_addch(o->b, '\n');
	if (o->nl_run < 255)
		o->nl_run++;
}

static void out_space(struct out *o)
{
	if (!o->sep)
		o->sep = ' ';
}

static void out_block(struct out *o)
{
	if (o->want_nl < 1)
		o->want_nl = 1;
	o->sep = 0;
}

static void out_br(struct out *o)
{
	/* counts from the breaks already written, so <br><br> is one blank line */
	uchar have = o->want_nl > o->nl_run ? o->want_nl : o->nl_run;

	o->want_nl = have >= 2 ? 2 : have + 1;
	o->sep = 0;
}

static void out_cell(struct out *o)
{
	o->sep = '\t';
}

/* ---- UTF-8 ---- */

static const char fffd[3] = { (char)0xEF, (char)0xBF, (char)0xBD };

/* ---- character classes ---- */

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\t' || (c) == '\r' || (c) == '\f')
#define IS_ALPHA(c) ((uchar)(((c) | 0x20) - 'a') < 26)
#define IS_DIGIT(c) ((uchar)((c) - '0') < 10)
#define LOWER(c) ((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c))

/* Bytes that end a plain text run: NUL, ASCII whitespace, '&', non-ASCII. */
#define R8(x) x, x, x, x, x, x, x, x
static const uchar stop[256] = {
	1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0,   /* NUL \t \n \f \r */
	R8(0), R8(0),
	1, 0, 0, 0, 0, 0, 1, 0, R8(0),                    /* space & */
	R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
	R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1),
	R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1),
};

/* ---- character references ---- */

/* HTML5 "numeric character reference end state" fix-ups for 0x80-0x9F. */
static const uint16_t c1_1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static const struct html_entity *entity_find(const uchar *s, size_t n)
{
	size_t lo = 0, hi = HTML_ENTITY_COUNT;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct html_entity *en = &html_entities[mid];
		size_t m = n < en->nlen ? n : en->nlen;
		int c = memcmp(s, en->name, m);

		if (c == 0)
			c = n < en->nlen ? -1 : n > en->nlen ? 1 : 0;
		if (c == 0)
			return en;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Decoded text that is one ASCII whitespace byte, or U+00A0 (&nbsp;),
 * collapses like any other whitespace outside <pre>. */
static void put_decoded(struct out *o, const char *s, size_t n, int pre)
{
	if (!pre && n == 2 && (uchar)s[0] == 0xC2 && (uchar)s[1] == 0xA0) {
		out_space(o);
		return;
	}
	if (n == 1 && IS_WS((uchar)s[0])) {
		if (!pre)
			out_space(o);
		else if (s[0] == '\n' || s[0] == '\r')
			out_pre_nl(o);
		else
			out_put(o, s[0] == '\f' ? " " : s, 1);
		return;
	}
	out_put(o, s, n);
}

/* p points at '&'; decodes one reference (or emits the '&') and returns
 * where text resumes. */
static const uchar *entity(struct out *o, const uchar *p, const uchar *e, int pre)
{
	const uchar *q = p + 1, *r;

	if (q < e && *q == '#') {
		uint32_t v = 0;
		int hex = 0;
		const uchar *d;
		char tmp[4];

		r = q + 1;
		if (r < e && (*r == 'x' || *r == 'X')) {
			hex = 1;
			r++;
		}
		for (d = r; r < e; r++) {
			unsigned dig;

			if (IS_DIGIT(*r))
				dig = *r - '0';
			else if (hex && (uchar)((*r | 0x20) - 'a') < 6)
				dig = (*r | 0x20) - 'a' + 10;
			else
				break;
			v = v * (hex ? 16 : 10) + dig;
			if (v > 0x10FFFF)
				v = 0x110000;  /* saturate: stays out of range */
		}
		if (r == d) {
			out_put(o, "&", 1);
			return q;
		}
		if (r < e && *r == ';')
			r++;
		if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = 0xFFFD;
		else if (v >= 0x80 && v <= 0x9F && c1_1252[v - 0x80])
			v = c1_1252[v - 0x80];
		put_decoded(o, tmp, utf8_encode(v, tmp), pre);
		return r;
	}

	/* A name is ASCII alphanumeric; HTML_ENTITY_NAME_MAX bounds the scan,
	 * so "&aaaa...." costs O(1) per '&'. */
	for (r = q; r < e && r - q < HTML_ENTITY_NAME_MAX &&
	     (IS_ALPHA(*r) || IS_DIGIT(*r)); r++)
		;
	if (r > q) {
		const struct html_entity *en;
		size_t n = (size_t)(r - q), k;

		if (r < e && *r == ';' && (en = entity_find(q, n + 1))) {
			put_decoded(o, en->value, en->vlen, pre);
			return r + 1;
		}
		/* Legacy names work without ';': the longest one that prefixes
		 * the run wins ("&notit;" is "¬it;"). */
		for (k = n < HTML_ENTITY_LEGACY_MAX ? n : HTML_ENTITY_LEGACY_MAX; k >= 2; k--) {
			if ((en = entity_find(q, k))) {
				put_decoded(o, en->value, en->vlen, pre);
				return q + k;
			}
		}
	}
	out_put(o, "&", 1);
	return q;
}

/* ---- text runs ---- */

enum { T_ENT = 1, T_PRE = 2 };

static void emit_text(struct out *o, const uchar *p, const uchar *e, int flags)
{
	int pre = flags & T_PRE;

	while (p < e && !o->err) {
		const uchar *s = p;
		uint32_t cp;
		size_t n;

		for (;;) {
			while (p < e && !stop[*p])
				p++;
			if (p < e && *p >= 0x80 && (n = utf8_decode(p, (size_t)(e - p), &cp)) &&
			    (cp != 0xA0 || pre)) {
				p += n;
				continue;
			}
			break;
		}
		if (p > s)
			out_put(o, s, (size_t)(p - s));
		if (p >= e)
			break;
		if (*p == 0xC2 && p + 1 < e && p[1] == 0xA0 && !pre) {
			out_space(o);  /* U+00A0 collapses like a space */
			p += 2;
		} else if (*p >= 0x80) {
			out_put(o, fffd, 3);
			p += utf8_invalid_len(p, (size_t)(e - p));
		} else if (*p == '&') {
			if (flags & T_ENT)
				p = entity(o, p, e, pre);
			else
				out_put(o, p++, 1);
		} else if (*p == 0) {
			p++;
		} else if (!pre) {
			out_space(o);
			while (++p < e && IS_WS(*p))
				;
		} else if (*p == '\r' || *p == '\n') {
			out_pre_nl(o);
			p += (*p == '\r' && p + 1 < e && p[1] == '\n') ? 2 : 1;
		} else {
			out_put(o, *p == '\f' ? (const uchar *)" " : p, 1);
			p++;
		}
	}
}

/* ---- elements ---- */

enum kind {
	K_INLINE, K_BLOCK, K_BR, K_CELL, K_PRE, K_DROP, K_SELECT, K_CLOSESEL,
	K_RAWDROP, K_XMP, K_PLAINTEXT, K_TITLE, K_HEAD, K_BODY, K_HTML,
};

enum {
	F_HEAD = 1,     /* may appear in <head> without ending it */
	F_FOREIGN = 2,  /* svg/math: "/>" really closes */
};

enum { D_SVG, D_MATH, D_TEMPLATE, D_OBJECT, D_CANVAS, D_AUDIO, D_VIDEO, D_DATALIST, D_N };

struct element {
	const char *name;
	uchar kind, flags, drop;
};

/* Sorted by name for bsearch; names not listed are inline. */
static const struct element elements[] = {
	{ "address", K_BLOCK, 0, 0 },
	{ "article", K_BLOCK, 0, 0 },
	{ "aside", K_BLOCK, 0, 0 },
	{ "audio", K_DROP, 0, D_AUDIO },
	{ "base", K_INLINE, F_HEAD, 0 },
	{ "basefont", K_INLINE, F_HEAD, 0 },
	{ "bgsound", K_INLINE, F_HEAD, 0 },
	{ "blockquote", K_BLOCK, 0, 0 },
	{ "body", K_BODY, 0, 0 },
	{ "br", K_BR, 0, 0 },
	{ "canvas", K_DROP, 0, D_CANVAS },
	{ "caption", K_BLOCK, 0, 0 },
	{ "center", K_BLOCK, 0, 0 },
	{ "datalist", K_DROP, 0, D_DATALIST },
	{ "dd", K_BLOCK, 0, 0 },
	{ "details", K_BLOCK, 0, 0 },
	{ "dialog", K_BLOCK, 0, 0 },
	{ "dir", K_BLOCK, 0, 0 },
	{ "div", K_BLOCK, 0, 0 },
	{ "dl", K_BLOCK, 0, 0 },
	{ "dt", K_BLOCK, 0, 0 },
	{ "fieldset", K_BLOCK, 0, 0 },
	{ "figcaption", K_BLOCK, 0, 0 },
	{ "figure", K_BLOCK, 0, 0 },
	{ "footer", K_BLOCK, 0, 0 },
	{ "form", K_BLOCK, 0, 0 },
	{ "frameset", K_BLOCK, 0, 0 },
	{ "h1", K_BLOCK, 0, 0 },
	{ "h2", K_BLOCK, 0, 0 },
	{ "h3", K_BLOCK, 0, 0 },
	{ "h4", K_BLOCK, 0, 0 },
	{ "h5", K_BLOCK, 0, 0 },
	{ "h6", K_BLOCK, 0, 0 },
	{ "head", K_HEAD, F_HEAD, 0 },
	{ "header", K_BLOCK, 0, 0 },
	{ "hgroup", K_BLOCK, 0, 0 },
	{ "hr", K_BLOCK, 0, 0 },
	{ "html", K_HTML, F_HEAD, 0 },
	{ "iframe", K_RAWDROP, 0, 0 },
	{ "input", K_CLOSESEL, 0, 0 },
	{ "keygen", K_CLOSESEL, 0, 0 },
	{ "legend", K_BLOCK, 0, 0 },
	{ "li", K_BLOCK, 0, 0 },
	{ "link", K_INLINE, F_HEAD, 0 },
	{ "listing", K_PRE, 0, 0 },
	{ "main", K_BLOCK, 0, 0 },
	{ "math", K_DROP, F_FOREIGN, D_MATH },
	{ "menu", K_BLOCK, 0, 0 },
	{ "meta", K_INLINE, F_HEAD, 0 },
	{ "nav", K_BLOCK, 0, 0 },
	{ "noembed", K_RAWDROP, 0, 0 },
	{ "noframes", K_RAWDROP, F_HEAD, 0 },
	{ "noscript", K_RAWDROP, F_HEAD, 0 },
	{ "object", K_DROP, 0, D_OBJECT },
	{ "ol", K_BLOCK, 0, 0 },
	{ "optgroup", K_BLOCK, 0, 0 },
	{ "option", K_BLOCK, 0, 0 },
	{ "p", K_BLOCK, 0, 0 },
	{ "plaintext", K_PLAINTEXT, 0, 0 },
	{ "pre", K_PRE, 0, 0 },
	{ "script", K_RAWDROP, F_HEAD, 0 },
	{ "section", K_BLOCK, 0, 0 },
	{ "select", K_SELECT, 0, 0 },
	{ "style", K_RAWDROP, F_HEAD, 0 },
	{ "summary", K_BLOCK, 0, 0 },
	{ "svg", K_DROP, F_FOREIGN, D_SVG },
	{ "table", K_BLOCK, 0, 0 },
	{ "tbody", K_BLOCK, 0, 0 },
	{ "td", K_CELL, 0, 0 },
	{ "template", K_DROP, F_HEAD, D_TEMPLATE },
	{ "textarea", K_RAWDROP, 0, 0 },
	{ "tfoot", K_BLOCK, 0, 0 },
	{ "th", K_CELL, 0, 0 },
	{ "thead", K_BLOCK, 0, 0 },
	{ "title", K_TITLE, F_HEAD, 0 },
	{ "tr", K_BLOCK, 0, 0 },
	{ "ul", K_BLOCK, 0, 0 },
	{ "video", K_DROP, 0, D_VIDEO },
	{ "xmp", K_XMP, 0, 0 },
};

#define TAG_NAME_MAX 15  /* longer names are not in the table */

struct tag {
	char name[TAG_NAME_MAX + 1];
	size_t nlen;
	int selfclose;
};

static const struct element *element_find(const struct tag *t)
{
	size_t lo = 0, hi = sizeof(elements) / sizeof(elements[0]);

	if (t->nlen > TAG_NAME_MAX)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->name, elements[mid].name);

		if (c == 0)
			return &elements[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Tokenise one start or end tag whose name starts at p (a letter), by the
 * HTML Standard's tag/attribute states.  Returns the byte after its '>',
 * or NULL when the input ends inside the tag (which then emits nothing).
 */
static const uchar *parse_tag(const uchar *p, const uchar *e, struct tag *t)
{
	size_t i = 0;

	for (; p < e && !IS_WS(*p) && *p != '/' && *p != '>'; p++, i++)
		if (i < TAG_NAME_MAX)
			t->name[i] = (char)LOWER(*p);
	t->name[i < TAG_NAME_MAX ? i : TAG_NAME_MAX] = '\0';
	t->nlen = i;
	t->selfclose = 0;

	for (;;) {
		/* before attribute name; "/>" marks a self-closing tag */
		for (; p < e && (IS_WS(*p) || *p == '/'); p++)
			if (*p == '/' && p + 1 < e && p[1] == '>')
				t->selfclose = 1;
		if (p >= e)
			return NULL;
		if (*p == '>')
			return p + 1;
		/* attribute name (its first byte may be '=') */
		for (p++; p < e && !IS_WS(*p) && *p != '/' && *p != '>' && *p != '='; p++)
			;
		while (p < e && IS_WS(*p))
			p++;
		if (p >= e)
			return NULL;
		if (*p != '=')
			continue;
		for (p++; p < e && IS_WS(*p); p++)
			;
		if (p >= e)
			return NULL;
		if (*p == '"' || *p == '\'') {
			const uchar *q = memchr(p + 1, *p, (size_t)(e - p - 1));

			if (!q)
				return NULL;
			p = q + 1;
		} else if (*p == '>') {
			return p + 1;
		} else {
			while (p < e && !IS_WS(*p) && *p != '>')
				p++;
		}
	}
}

/* The '<' of the first "</name" + (whitespace, '/', '>' or EOF) in [p, e). */
static const uchar *find_end_tag(const uchar *p, const uchar *e, const char *name, size_t n)
{
	const uchar *q;

	while ((q = memchr(p, '<', (size_t)(e - p)))) {
		if ((size_t)(e - q) >= n + 2 && q[1] == '/') {
			size_t i;

			for (i = 0; i < n && LOWER(q[2 + i]) == (uchar)name[i]; i++)
				;
			if (i == n && (q + 2 + n == e || IS_WS(q[2 + n]) ||
				       q[2 + n] == '/' || q[2 + n] == '>'))
				return q;
		}
		p = q + 1;
	}
	return NULL;
}

/* Skip the end tag at q ("</name..."); returns where parsing resumes. */
static const uchar *skip_end_tag(const uchar *q, const uchar *e)
{
	struct tag t;
	const uchar *r = parse_tag(q + 2, e, &t);

	return r ? r : e;
}

/* ---- the document walk ---- */

enum { HEAD_BEFORE, HEAD_IN, HEAD_AFTER };

struct ctx {
	struct out text, title;
	size_t drop[D_N];
	size_t drop_total;   /* sum of drop[] */
	size_t pre_depth;
	int head;            /* HEAD_* */
	int select_open;
	int pre_skip_nl;     /* a newline right after <pre> is not content */
	int title_done;
};

static int visible(const struct ctx *x)
{
	return x->head != HEAD_IN && x->drop_total == 0 && !x->select_open;
}

static int has_nonws(const uchar *p, const uchar *e)
{
	for (; p < e; p++)
		if (!IS_WS(*p))
			return 1;
	return 0;
}

static void on_text(struct ctx *x, const uchar *s, const uchar *e)
{
	if (x->pre_skip_nl) {
		x->pre_skip_nl = 0;
		if (s < e && *s == '\r')
			s++;
		if (s < e && *s == '\n')
			s++;
	}
	if (s >= e)
		return;
	if (x->head != HEAD_AFTER && x->drop_total == 0 && !x->select_open &&
	    has_nonws(s, e))
		x->head = HEAD_AFTER;  /* text ends <head>, as in browsers */
	if (!visible(x))
		return;
	emit_text(&x->text, s, e, T_ENT | (x->pre_depth ? T_PRE : 0));
}

/* A raw-text or escapable raw-text element's content starts at p. */
static const uchar *raw_text(struct ctx *x, const struct element *el, const uchar *p,
			     const uchar *e)
{
	const uchar *q = find_end_tag(p, e, el->name, strlen(el->name));
	const uchar *ce = q ? q : e;

	switch (el->kind) {
	case K_TITLE:
		if (!q) {
			/* an unclosed title must not eat the page: it ends at
			 * the next '<', where parsing resumes */
			ce = memchr(p, '<', (size_t)(e - p));
			if (!ce)
				ce = e;
		}
		if (!x->title_done && x->drop_total == 0) {
			x->title_done = 1;
			emit_text(&x->title, p, ce, T_ENT);
		}
		if (!q)
			return ce;
		break;
	case K_XMP:
		if (visible(x)) {
			out_block(&x->text);
			emit_text(&x->text, p, ce, T_PRE);
			out_block(&x->text);
		}
		break;
	default:
		break;
	}
	return q ? skip_end_tag(q, e) : e;
}

static const uchar *start_tag(struct ctx *x, const struct tag *t, const uchar *p,
			      const uchar *e)
{
	const struct element *el = element_find(t);
	int kind = el ? el->kind : K_INLINE;

	if (x->drop_total == 0 && !x->select_open && x->head != HEAD_AFTER &&
	    !(el && (el->flags & F_HEAD)))
		x->head = HEAD_AFTER;
	if (!el)
		return p;
	if (x->select_open && (kind == K_SELECT || kind == K_CLOSESEL ||
			       !strcmp(el->name, "textarea"))) {
		x->select_open = 0;
		if (kind == K_SELECT)
			return p;  /* <select> in a select only closes it */
	}
	switch (kind) {
	case K_BLOCK:
	case K_BODY:
		if (visible(x))
			out_block(&x->text);
		break;
	case K_BR:
		if (visible(x))
			out_br(&x->text);
		break;
	case K_CELL:
		if (visible(x))
			out_cell(&x->text);
		break;
	case K_PRE:
		if (visible(x))
			out_block(&x->text);
		x->pre_depth++;
		x->pre_skip_nl = 1;
		break;
	case K_HEAD:
		if (x->head == HEAD_BEFORE)
			x->head = HEAD_IN;
		break;
	case K_SELECT:
		x->select_open = 1;
		break;
	case K_DROP:
		if ((el->flags & F_FOREIGN) && t->selfclose)
			break;
		x->drop[el->drop]++;
		x->drop_total++;
		break;
	case K_PLAINTEXT:
		if (visible(x)) {
			out_block(&x->text);
			emit_text(&x->text, p, e, T_PRE);
		}
		return e;
	case K_RAWDROP:
	case K_TITLE:
	case K_XMP:
		/* in svg/math, <script/> and friends are empty elements */
		if (t->selfclose && (x->drop[D_SVG] || x->drop[D_MATH]))
			break;
		return raw_text(x, el, p, e);
	default:
		break;
	}
	return p;
}

static void end_tag(struct ctx *x, const struct tag *t)
{
	const struct element *el = element_find(t);

	if (!el)
		return;
	if (x->head == HEAD_IN && (el->kind == K_HEAD || el->kind == K_BODY ||
				   el->kind == K_HTML || el->kind == K_BR))
		x->head = HEAD_AFTER;
	switch (el->kind) {
	case K_BLOCK:
		if (visible(x))
			out_block(&x->text);
		break;
	case K_BR:  /* </br> is <br>, as in browsers */
		if (visible(x))
			out_br(&x->text);
		break;
	case K_PRE:
		if (x->pre_depth)
			x->pre_depth--;
		if (visible(x))
			out_block(&x->text);
		break;
	case K_DROP:
		if (x->drop[el->drop]) {
			x->drop[el->drop]--;
			x->drop_total--;
		}
		break;
	case K_SELECT:
		x->select_open = 0;
		break;
	default:
		break;
	}
}

/* "<!--" is at p: the end of the comment (HTML Standard comment states). */
static const uchar *skip_comment(const uchar *p, const uchar *e)
{
	const uchar *q = p + 4;

	if (q < e && *q == '>')
		return q + 1;                      /* <!--> */
	if (e - q >= 2 && q[0] == '-' && q[1] == '>')
		return q + 2;                      /* <!---> */
	while ((q = memchr(q, '-', (size_t)(e - q)))) {
		if (e - q >= 3 && q[1] == '-' && q[2] == '>')
			return q + 3;
		if (e - q >= 4 && q[1] == '-' && q[2] == '!' && q[3] == '>')
			return q + 4;
		q++;
	}
	return e;
}

/* Bogus comment from p: up to and including the next '>', or EOF. */
static const uchar *skip_to_gt(const uchar *p, const uchar *e)
{
	const uchar *q = memchr(p, '>', (size_t)(e - p));

	return q ? q + 1 : e;
}

/*
 * Markup at q ('<' with at least one byte after it).  Returns where parsing
 * resumes, or NULL when the '<' is text.
 */
static const uchar *markup(struct ctx *x, const uchar *q, const uchar *e)
{
	struct tag t;
	const uchar *r;
	uchar c = q[1];

	if (IS_ALPHA(c)) {
		x->pre_skip_nl = 0;
		r = parse_tag(q + 1, e, &t);
		return r ? start_tag(x, &t, r, e) : e;
	}
	if (c == '/') {
		if (q + 2 >= e)
			return NULL;               /* "</" at EOF is text */
		x->pre_skip_nl = 0;
		if (IS_ALPHA(q[2])) {
			r = parse_tag(q + 2, e, &t);
			if (!r)
				return e;
			end_tag(x, &t);
			return r;
		}
		if (q[2] == '>')
			return q + 3;              /* "</>" is nothing */
		return skip_to_gt(q + 2, e);
	}
	if (c == '!') {
		x->pre_skip_nl = 0;
		if (e - q >= 4 && q[2] == '-' && q[3] == '-')
			return skip_comment(q, e);
		if (e - q >= 9 && !memcmp(q + 2, "[CDATA[", 7)) {
			/* dropped; without "]]>" it is the bogus comment HTML makes it */
			r = memmem(q + 9, (size_t)(e - q - 9), "]]>", 3);
			return r ? r + 3 : skip_to_gt(q + 2, e);
		}
		return skip_to_gt(q + 2, e);
	}
	if (c == '?') {
		x->pre_skip_nl = 0;
		return skip_to_gt(q + 2, e);
	}
	return NULL;
}

static void trim_end(struct buf *b)
{
	size_t n = b->len;

	while (n && IS_WS((uchar)b->ptr[n - 1]))
		n--;
	buf_setlen(b, n);
}

int html_extract(const char *html, size_t len, struct html_result *res)
{
	struct ctx x;
	const uchar *p, *e, *scan, *q;

	memset(&x, 0, sizeof(x));
	buf_reset(&res->text);
	buf_reset(&res->title);
	x.text.b = &res->text;
	x.title.b = &res->title;
	if (!len)
		return 0;

	p = scan = (const uchar *)html;
	e = p + len;
	while (!x.text.err && !x.title.err) {
		q = memchr(scan, '<', (size_t)(e - scan));
		if (!q) {
			on_text(&x, p, e);
			break;
		}
		if (q + 1 < e) {
			const uchar *r;

			on_text(&x, p, q);
			r = markup(&x, q, e);
			if (r) {
				p = scan = r;
				continue;
			}
			/* not markup: the '<' is text, and so was everything
			 * before it, which on_text() has already emitted */
			p = q;
		}
		scan = q + 1;
		if (scan >= e) {
			on_text(&x, p, e);
			break;
		}
	}
	trim_end(&res->text);
	trim_end(&res->title);
	if (x.text.err)
		return x.text.err;
	return x.title.err;
}
