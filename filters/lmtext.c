/*
 * lmtext.c - cc_net's line normalization; see lmtext.h.
 */
#include "lmtext.h"

#include <string.h>
#include <utf8proc.h>

#include "error.h"
#include "pytext.h"
#include "utf8.h"

/* cc_net UNICODE_PUNCT, in code point order. */
static const struct {
	uint32_t c;
	const char *to;
} punct[] = {
	{ 0x00ab, "\"" }, { 0x00b4, "'" }, { 0x00bb, "\"" }, { 0x2013, "-" },
	{ 0x2014, " - " }, { 0x2019, "'" }, { 0x201c, "\"" }, { 0x201d, "\"" },
	{ 0x201e, "\"" }, { 0x2026, "..." }, { 0x2236, ":" }, { 0x2501, "-" },
	{ 0x25ba, "-" }, { 0x3001, "," }, { 0x3002, "." }, { 0x3008, "<" },
	{ 0x3009, ">" }, { 0x300a, "\"" }, { 0x300b, "\"" }, { 0x300c, "\"" },
	{ 0x300d, "\"" }, { 0x3010, "[" }, { 0x3011, "]" }, { 0xff01, "!" },
	{ 0xff05, "%" }, { 0xff08, "(" }, { 0xff09, ")" }, { 0xff0c, "," },
	{ 0xff0e, ". " }, { 0xff11, "\"" }, { 0xff1a, ":" }, { 0xff1b, ";" },
	{ 0xff1f, "?" }, { 0xff5e, "~" },
};

static const char *punct_map(uint32_t c)
{
	size_t lo = 0, hi = sizeof(punct) / sizeof(punct[0]);

	if (c < 0xab)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (punct[mid].c == c)
			return punct[mid].to;
		if (punct[mid].c < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int put_cp(struct buf *out, uint32_t c)
{
	char tmp[4];
	size_t n;

	if (c < 0x80)
		return buf_addch(out, (char)c);
	n = (size_t)utf8proc_encode_char((utf8proc_int32_t)c, (utf8proc_uint8_t *)tmp);
	return buf_add(out, tmp, n);
}

/* Digits, punctuation and controls, on one decomposed code point. */
static int emit(struct buf *out, uint32_t c)
{
	const char *p;

	if (c < 0x80) {
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c >= '0' && c <= '9')
			c = '0';
		return buf_addch(out, (char)c);
	}
	if (c < 0xa0)
		return 0; /* C1 controls */
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_MN:
		return 0;
	case UTF8PROC_CATEGORY_ND:
		return buf_addch(out, '0');
	default:
		break;
	}
	if ((p = punct_map(c)))
		return buf_addstr(out, p);
	return put_cp(out, c);
}

int lmtext_normalize(struct buf *out, struct buf *tmp, const char *s, size_t n)
{
	size_t off, len, i;

	pt_strip(s, n, &off, &len);
	if (len == 0)
		return 0;
	buf_reset(tmp);
	if (pt_lower(tmp, s + off, len))
		return SL_ENOMEM;
	for (i = 0; i < tmp->len;) {
		uint32_t c = pt_next(tmp->ptr, tmp->len, &i);
		utf8proc_int32_t d[8];
		utf8proc_ssize_t k, nd;
		int bound = 0;

		if (c < 0xc0) {
			if (emit(out, c))
				return SL_ENOMEM;
			continue;
		}
		nd = utf8proc_decompose_char((utf8proc_int32_t)c, d, 8, UTF8PROC_DECOMPOSE, &bound);
		if (nd < 0 || nd > 8) {
			if (emit(out, c))
				return SL_ENOMEM;
			continue;
		}
		for (k = 0; k < nd; k++)
			if (emit(out, (uint32_t)d[k]))
				return SL_ENOMEM;
	}
	return 0;
}
