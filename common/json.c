#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error.h"
#include "utf8.h"

static int fail(struct json_err *e, const char *base, const char *at, const char *msg)
{
	if (e) {
		e->offset = (size_t)(at - base);
		e->msg = msg;
	}
	return SL_EJSON;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/*
 * Skip bytes that need no attention in a JSON string: everything but '"',
 * '\\' and control characters, and also non-ASCII bytes when stop_high
 * is set (the scanner validates those; the encoder copies them).  Text
 * fields are most of the bytes of every stage, so look at 16 at a time.
 */
static inline const char *skip_plain(const char *p, const char *end, int stop_high)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f), sp = _mm_set1_epi8(0x20);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		/* signed v < 0x20 catches control and non-ASCII bytes (they
		 * are negative); unsigned v <= 0x1f only control bytes */
		__m128i low = stop_high ? _mm_cmplt_epi8(v, sp) : _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl);
		int mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q),
									_mm_cmpeq_epi8(v, bs)), low));
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && (unsigned char)*p >= 0x20 && (!stop_high || (unsigned char)*p < 0x80) &&
	       *p != '"' && *p != '\\')
		p++;
	return p;
}

/*
 * p points just after the opening quote.  The hot loop of every stage:
 * text fields are most of the bytes, so look at 16 bytes at a time for the
 * only bytes that need attention (quote, backslash, control, non-ASCII).
 */
static int scan_string(const char *base, const char *p, const char *end,
		       const char **after, struct json_err *e)
{
	for (;;) {
		p = skip_plain(p, end, 1);
		if (p >= end)
			return fail(e, base, p, "unterminated string");
		if (*p == '"') {
			*after = p + 1;
			return 0;
		}
		if (*p == '\\') {
			if (end - p < 2)
				return fail(e, base, p, "unterminated string");
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				p += 2;
				break;
			case 'u':
				if (end - p < 6 || hexval(p[2]) < 0 || hexval(p[3]) < 0 ||
				    hexval(p[4]) < 0 || hexval(p[5]) < 0)
					return fail(e, base, p, "bad \\u escape");
				if (e && hexval(p[2]) == 0xd && hexval(p[3]) >= 8)
					e->surrogate = 1; /* (e may be NULL: no report wanted) */
				p += 6;
				break;
			default:
				return fail(e, base, p, "bad escape in string");
			}
			continue;
		}
		if ((unsigned char)*p < 0x20)
			return fail(e, base, p, "control character in string");
		/* non-ASCII: validate a run of multi-byte sequences inline */
		while (p < end && (unsigned char)*p >= 0x80) {
			const unsigned char *u = (const unsigned char *)p;
			if (u[0] >= 0xc2 && u[0] <= 0xdf && end - p >= 2 && (u[1] & 0xc0) == 0x80) {
				p += 2;
			} else if ((u[0] & 0xf0) == 0xe0 && end - p >= 3 && (u[1] & 0xc0) == 0x80 &&
				   (u[2] & 0xc0) == 0x80 && (u[0] != 0xe0 || u[1] >= 0xa0) &&
				   (u[0] != 0xed || u[1] <= 0x9f)) {
				p += 3;
			} else {
				uint32_t cp;
				size_t k = utf8_decode(u, (size_t)(end - p), &cp);
				if (!k)
					return fail(e, base, p, "invalid UTF-8 in string");
				p += k;
			}
		}
	}
}

static int scan_number(const char *base, const char *p, const char *end,
		       const char **after, struct json_err *e)
{
	const char *s = p;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return fail(e, base, s, "bad number");
	if (*p == '0')
		p++;
	else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(e, base, s, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(e, base, s, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	*after = p;
	return 0;
}

static int scan_value(const char *base, const char *p, const char *end,
		      const char **after, struct json_err *e, int depth)
{
	int rc;

	p = skip_ws(p, end);
	if (p >= end)
		return fail(e, base, p, "expected a value");
	switch (*p) {
	case '"':
		return scan_string(base, p + 1, end, after, e);
	case '{':
	case '[': {
		char close = *p == '{' ? '}' : ']';
		int obj = *p == '{', first = 1;
		if (depth >= JSON_MAX_DEPTH)
			return fail(e, base, p, "nesting too deep");
		p = skip_ws(p + 1, end);
		if (p < end && *p == close) {
			*after = p + 1;
			return 0;
		}
		for (;;) {
			if (!first) {
				p = skip_ws(p, end);
				if (p < end && *p == close) {
					*after = p + 1;
					return 0;
				}
				if (p >= end || *p != ',')
					return fail(e, base, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
				p = skip_ws(p + 1, end);
			}
			first = 0;
			if (obj) {
				if (p >= end || *p != '"')
					return fail(e, base, p, "expected a key");
				if ((rc = scan_string(base, p + 1, end, &p, e)))
					return rc;
				p = skip_ws(p, end);
				if (p >= end || *p != ':')
					return fail(e, base, p, "expected ':'");
				p++;
			}
			if ((rc = scan_value(base, p, end, &p, e, depth + 1)))
				return rc;
		}
	}
	case 't':
		if (end - p >= 4 && !memcmp(p, "true", 4)) { *after = p + 4; return 0; }
		break;
	case 'f':
		if (end - p >= 5 && !memcmp(p, "false", 5)) { *after = p + 5; return 0; }
		break;
	case 'n':
		if (end - p >= 4 && !memcmp(p, "null", 4)) { *after = p + 4; return 0; }
		break;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return scan_number(base, p, end, after, e);
	}
	return fail(e, base, p, "unexpected character");
}

int json_scan_value(const char *base, const char *p, const char *end,
		    const char **after, struct json_err *e)
{
	return scan_value(base, p, end, after, e, 0);
}

int json_object_begin(struct json_iter *it, const char *p, const char *end, struct json_err *e)
{
	it->base = p;
	it->end = end;
	it->n = 0;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return fail(e, it->base, p, "expected a JSON object");
	it->p = p + 1;
	return 0;
}

int json_object_next(struct json_iter *it, struct json_member *m, struct json_err *e)
{
	const char *p = skip_ws(it->p, it->end), *k;
	int rc;

	if (p < it->end && *p == '}') {
		p = skip_ws(p + 1, it->end);
		if (p != it->end)
			return fail(e, it->base, p, "text after the object");
		it->p = p;
		return 0;
	}
	if (it->n) {
		if (p >= it->end || *p != ',')
			return fail(e, it->base, p, p >= it->end ? "unterminated object" : "expected ',' or '}'");
		p = skip_ws(p + 1, it->end);
	}
	if (p >= it->end || *p != '"')
		return fail(e, it->base, p, p >= it->end ? "unterminated object" : "expected a key");
	k = p + 1;
	if ((rc = scan_string(it->base, k, it->end, &p, e)))
		return rc;
	m->key = k;
	m->key_len = (size_t)(p - 1 - k);
	p = skip_ws(p, it->end);
	if (p >= it->end || *p != ':')
		return fail(e, it->base, p, "expected ':'");
	p = skip_ws(p + 1, it->end);
	m->val = p;
	if ((rc = scan_value(it->base, p, it->end, &p, e, 1)))
		return rc;
	m->val_len = (size_t)(p - m->val);
	it->p = p;
	it->n++;
	return 1;
}

int json_key_is(const struct json_member *m, const char *name)
{
	size_t n = strlen(name), i = 0, j = 0;
	if (m->key_len == n && memcmp(m->key, name, n) == 0)
		return 1;
	/* an escaped key ("te\u0078t" is "text"): compared decoded (names
	 * are ASCII; the key is well formed, the scanner checked it) */
	if (m->key_len <= n || !memchr(m->key, '\\', m->key_len))
		return 0;
	while (i < m->key_len && j < n) {
		unsigned c = (unsigned char)m->key[i++];
		if (c == '\\') {
			c = (unsigned char)m->key[i++];
			if (c == 'u') {
				c = (unsigned)(hexval(m->key[i]) << 12 | hexval(m->key[i + 1]) << 8 |
					       hexval(m->key[i + 2]) << 4 | hexval(m->key[i + 3]));
				i += 4;
			} else {
				c = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
			}
		}
		if (c != (unsigned char)name[j++])
			return 0;
	}
	return i == m->key_len && j == n;
}

size_t json_fix_lone_surrogates(char *s, size_t n)
{
	size_t i = 0, fixed = 0;
	const char *p;
	while (i < n && (p = memchr(s + i, '\\', n - i))) {
		int v, w;
		i = (size_t)(p - s);
		if (i + 6 > n || s[i + 1] != 'u') {
			i += 2;
			continue;
		}
		v = hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 | hexval(s[i + 4]) << 4 | hexval(s[i + 5]);
		if (v >= 0xd800 && v <= 0xdbff && i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u') {
			w = hexval(s[i + 8]) << 12 | hexval(s[i + 9]) << 8 | hexval(s[i + 10]) << 4 | hexval(s[i + 11]);
			if (w >= 0xdc00 && w <= 0xdfff) {
				i += 12; /* a pair */
				continue;
			}
		}
		if (v >= 0xd800 && v <= 0xdfff) {
			memcpy(s + i + 2, "fffd", 4);
			fixed++;
		}
		i += 6;
	}
	return fixed;
}

int json_string_decode(struct buf *out, const char *raw, size_t n, size_t *replaced)
{
	const char *p = raw, *end = raw + n;
	int rc;

	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		char tmp[4];
		uint32_t cp;

		if (!bs)
			return buf_add(out, p, (size_t)(end - p));
		if ((rc = buf_add(out, p, (size_t)(bs - p))))
			return rc;
		p = bs + 1;
		if (p >= end)
			return SL_EJSON;
		switch (*p) {
		case 'b': rc = buf_addch(out, '\b'); break;
		case 'f': rc = buf_addch(out, '\f'); break;
		case 'n': rc = buf_addch(out, '\n'); break;
		case 'r': rc = buf_addch(out, '\r'); break;
		case 't': rc = buf_addch(out, '\t'); break;
		case 'u':
			if (end - p < 5)
				return SL_EJSON;
			cp = (uint32_t)(hexval(p[1]) << 12 | hexval(p[2]) << 8 | hexval(p[3]) << 4 | hexval(p[4]));
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 7 && p[1] == '\\' && p[2] == 'u') {
				uint32_t lo = (uint32_t)(hexval(p[3]) << 12 | hexval(p[4]) << 8 |
							 hexval(p[5]) << 4 | hexval(p[6]));
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
				if (replaced)
					(*replaced)++;
			}
			rc = buf_add(out, tmp, utf8_encode(cp, tmp));
			break;
		default: rc = buf_addch(out, *p); break; /* " \ / */
		}
		if (rc)
			return rc;
		p++;
	}
	return 0;
}

int json_string_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = s, *end = s + n;
	int rc;

	if ((rc = buf_grow(out, n + 2)))
		return rc;
	out->ptr[out->len++] = '"';
	while (p < end) {
		const char *run = p;
		char esc[6];
		size_t elen = 2;

		p = skip_plain(p, end, 0);
		if ((rc = buf_add(out, run, (size_t)(p - run))))
			return rc;
		if (p >= end)
			break;
		esc[0] = '\\';
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[((unsigned char)*p >> 4) & 0xf];
			esc[5] = hex[(unsigned char)*p & 0xf];
			elen = 6;
		}
		if ((rc = buf_add(out, esc, elen)))
			return rc;
		p++;
	}
	return buf_addch(out, '"');
}

int json_fmt_double(char *out, double v)
{
	int prec;
	for (prec = 1; prec < 17; prec++) {
		int k = snprintf(out, JSON_DOUBLE_MAX, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return k;
	}
	return snprintf(out, JSON_DOUBLE_MAX, "%.17g", v);
}
