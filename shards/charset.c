/*
 * charset.c - charset sniffing (HTML Standard prescan) and decoding to UTF-8.
 *
 * iconv does the heavy tables; what is done here is what iconv gets wrong
 * for web pages: the label aliases browsers accept (iconv has no "x-sjis"
 * and takes "latin1" literally where the web means windows-1252), error
 * recovery (iconv stops at the first bad byte; we replace and go on), and
 * UTF-8 validation, which is most of the traffic and needs no iconv at all.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* memmem */
#endif
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "utf8.h"

typedef unsigned char uchar;

struct encoding {
	const char *name;   /* canonical, lower case */
	const char *iconv;  /* NULL: decoded here */
};

struct label {
	const char *label;
	int enc;
};

enum enc_id {
	E_UTF_8,
	E_IBM866,
	E_ISO_8859_2,
	E_ISO_8859_3,
	E_ISO_8859_4,
	E_ISO_8859_5,
	E_ISO_8859_6,
	E_ISO_8859_7,
	E_ISO_8859_8,
	E_ISO_8859_8_I,
	E_ISO_8859_10,
	E_ISO_8859_13,
	E_ISO_8859_14,
	E_ISO_8859_15,
	E_ISO_8859_16,
	E_KOI8_R,
	E_KOI8_U,
	E_MACINTOSH,
	E_WINDOWS_874,
	E_WINDOWS_1250,
	E_WINDOWS_1251,
	E_WINDOWS_1252,
	E_WINDOWS_1253,
	E_WINDOWS_1254,
	E_WINDOWS_1255,
	E_WINDOWS_1256,
	E_WINDOWS_1257,
	E_WINDOWS_1258,
	E_X_MAC_CYRILLIC,
	E_GBK,
	E_GB18030,
	E_BIG5,
	E_EUC_JP,
	E_ISO_2022_JP,
	E_SHIFT_JIS,
	E_EUC_KR,
	E_REPLACEMENT,
	E_UTF_16BE,
	E_UTF_16LE,
	E_X_USER_DEFINED,
	E_COUNT_
};

/* WHATWG name (lower case) and the glibc iconv name; NULL: decoded here. */
static const struct encoding encodings[E_COUNT_] = {
	{ "utf-8", NULL },
	{ "ibm866", "IBM866" },
	{ "iso-8859-2", "ISO-8859-2" },
	{ "iso-8859-3", "ISO-8859-3" },
	{ "iso-8859-4", "ISO-8859-4" },
	{ "iso-8859-5", "ISO-8859-5" },
	{ "iso-8859-6", "ISO-8859-6" },
	{ "iso-8859-7", "ISO-8859-7" },
	{ "iso-8859-8", "ISO-8859-8" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-10", "ISO-8859-10" },
	{ "iso-8859-13", "ISO-8859-13" },
	{ "iso-8859-14", "ISO-8859-14" },
	{ "iso-8859-15", "ISO-8859-15" },
	{ "iso-8859-16", "ISO-8859-16" },
	{ "koi8-r", "KOI8-R" },
	{ "koi8-u", "KOI8-U" },
	{ "macintosh", "MACINTOSH" },
	{ "windows-874", "WINDOWS-874" },
	{ "windows-1250", "WINDOWS-1250" },
	{ "windows-1251", "WINDOWS-1251" },
	{ "windows-1252", "WINDOWS-1252" },
	{ "windows-1253", "WINDOWS-1253" },
	{ "windows-1254", "WINDOWS-1254" },
	{ "windows-1255", "WINDOWS-1255" },
	{ "windows-1256", "WINDOWS-1256" },
	{ "windows-1257", "WINDOWS-1257" },
	{ "windows-1258", "WINDOWS-1258" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "gbk", "GB18030" },
	{ "gb18030", "GB18030" },
	{ "big5", "BIG5-HKSCS" },
	{ "euc-jp", "EUC-JP" },
	{ "iso-2022-jp", "ISO-2022-JP" },
	{ "shift_jis", "WINDOWS-31J" },
	{ "euc-kr", "CP949" },
	{ "replacement", NULL },
	{ "utf-16be", "UTF-16BE" },
	{ "utf-16le", "UTF-16LE" },
	{ "x-user-defined", NULL },
};

/* Every label of the Encoding Standard, sorted for bsearch. */
static const struct label labels[] = {
	{ "866", E_IBM866 },
	{ "ansi_x3.4-1968", E_WINDOWS_1252 },
	{ "arabic", E_ISO_8859_6 },
	{ "ascii", E_WINDOWS_1252 },
	{ "asmo-708", E_ISO_8859_6 },
	{ "big5", E_BIG5 },
	{ "big5-hkscs", E_BIG5 },
	{ "chinese", E_GBK },
	{ "cn-big5", E_BIG5 },
	{ "cp1250", E_WINDOWS_1250 },
	{ "cp1251", E_WINDOWS_1251 },
	{ "cp1252", E_WINDOWS_1252 },
	{ "cp1253", E_WINDOWS_1253 },
	{ "cp1254", E_WINDOWS_1254 },
	{ "cp1255", E_WINDOWS_1255 },
	{ "cp1256", E_WINDOWS_1256 },
	{ "cp1257", E_WINDOWS_1257 },
	{ "cp1258", E_WINDOWS_1258 },
	{ "cp819", E_WINDOWS_1252 },
	{ "cp866", E_IBM866 },
	{ "csbig5", E_BIG5 },
	{ "cseuckr", E_EUC_KR },
	{ "cseucpkdfmtjapanese", E_EUC_JP },
	{ "csgb2312", E_GBK },
	{ "csibm866", E_IBM866 },
	{ "csiso2022jp", E_ISO_2022_JP },
	{ "csiso2022kr", E_REPLACEMENT },
	{ "csiso58gb231280", E_GBK },
	{ "csiso88596e", E_ISO_8859_6 },
	{ "csiso88596i", E_ISO_8859_6 },
	{ "csiso88598e", E_ISO_8859_8 },
	{ "csiso88598i", E_ISO_8859_8_I },
	{ "csisolatin1", E_WINDOWS_1252 },
	{ "csisolatin2", E_ISO_8859_2 },
	{ "csisolatin3", E_ISO_8859_3 },
	{ "csisolatin4", E_ISO_8859_4 },
	{ "csisolatin5", E_WINDOWS_1254 },
	{ "csisolatin6", E_ISO_8859_10 },
	{ "csisolatin9", E_ISO_8859_15 },
	{ "csisolatinarabic", E_ISO_8859_6 },
	{ "csisolatincyrillic", E_ISO_8859_5 },
	{ "csisolatingreek", E_ISO_8859_7 },
	{ "csisolatinhebrew", E_ISO_8859_8 },
	{ "cskoi8r", E_KOI8_R },
	{ "csksc56011987", E_EUC_KR },
	{ "csmacintosh", E_MACINTOSH },
	{ "csshiftjis", E_SHIFT_JIS },
	{ "csunicode", E_UTF_16LE },
	{ "cyrillic", E_ISO_8859_5 },
	{ "dos-874", E_WINDOWS_874 },
	{ "ecma-114", E_ISO_8859_6 },
	{ "ecma-118", E_ISO_8859_7 },
	{ "elot_928", E_ISO_8859_7 },
	{ "euc-jp", E_EUC_JP },
	{ "euc-kr", E_EUC_KR },
	{ "gb18030", E_GB18030 },
	{ "gb2312", E_GBK },
	{ "gb_2312", E_GBK },
	{ "gb_2312-80", E_GBK },
	{ "gbk", E_GBK },
	{ "greek", E_ISO_8859_7 },
	{ "greek8", E_ISO_8859_7 },
	{ "hebrew", E_ISO_8859_8 },
	{ "hz-gb-2312", E_REPLACEMENT },
	{ "ibm819", E_WINDOWS_1252 },
	{ "ibm866", E_IBM866 },
	{ "iso-10646-ucs-2", E_UTF_16LE },
	{ "iso-2022-cn", E_REPLACEMENT },
	{ "iso-2022-cn-ext", E_REPLACEMENT },
	{ "iso-2022-jp", E_ISO_2022_JP },
	{ "iso-2022-kr", E_REPLACEMENT },
	{ "iso-8859-1", E_WINDOWS_1252 },
	{ "iso-8859-10", E_ISO_8859_10 },
	{ "iso-8859-11", E_WINDOWS_874 },
	{ "iso-8859-13", E_ISO_8859_13 },
	{ "iso-8859-14", E_ISO_8859_14 },
	{ "iso-8859-15", E_ISO_8859_15 },
	{ "iso-8859-16", E_ISO_8859_16 },
	{ "iso-8859-2", E_ISO_8859_2 },
	{ "iso-8859-3", E_ISO_8859_3 },
	{ "iso-8859-4", E_ISO_8859_4 },
	{ "iso-8859-5", E_ISO_8859_5 },
	{ "iso-8859-6", E_ISO_8859_6 },
	{ "iso-8859-6-e", E_ISO_8859_6 },
	{ "iso-8859-6-i", E_ISO_8859_6 },
	{ "iso-8859-7", E_ISO_8859_7 },
	{ "iso-8859-8", E_ISO_8859_8 },
	{ "iso-8859-8-e", E_ISO_8859_8 },
	{ "iso-8859-8-i", E_ISO_8859_8_I },
	{ "iso-8859-9", E_WINDOWS_1254 },
	{ "iso-ir-100", E_WINDOWS_1252 },
	{ "iso-ir-101", E_ISO_8859_2 },
	{ "iso-ir-109", E_ISO_8859_3 },
	{ "iso-ir-110", E_ISO_8859_4 },
	{ "iso-ir-126", E_ISO_8859_7 },
	{ "iso-ir-127", E_ISO_8859_6 },
	{ "iso-ir-138", E_ISO_8859_8 },
	{ "iso-ir-144", E_ISO_8859_5 },
	{ "iso-ir-148", E_WINDOWS_1254 },
	{ "iso-ir-149", E_EUC_KR },
	{ "iso-ir-157", E_ISO_8859_10 },
	{ "iso-ir-58", E_GBK },
	{ "iso8859-1", E_WINDOWS_1252 },
	{ "iso8859-10", E_ISO_8859_10 },
	{ "iso8859-11", E_WINDOWS_874 },
	{ "iso8859-13", E_ISO_8859_13 },
	{ "iso8859-14", E_ISO_8859_14 },
	{ "iso8859-15", E_ISO_8859_15 },
	{ "iso8859-2", E_ISO_8859_2 },
	{ "iso8859-3", E_ISO_8859_3 },
	{ "iso8859-4", E_ISO_8859_4 },
	{ "iso8859-5", E_ISO_8859_5 },
	{ "iso8859-6", E_ISO_8859_6 },
	{ "iso8859-7", E_ISO_8859_7 },
	{ "iso8859-8", E_ISO_8859_8 },
	{ "iso8859-9", E_WINDOWS_1254 },
	{ "iso88591", E_WINDOWS_1252 },
	{ "iso885910", E_ISO_8859_10 },
	{ "iso885911", E_WINDOWS_874 },
	{ "iso885913", E_ISO_8859_13 },
	{ "iso885914", E_ISO_8859_14 },
	{ "iso885915", E_ISO_8859_15 },
	{ "iso88592", E_ISO_8859_2 },
	{ "iso88593", E_ISO_8859_3 },
	{ "iso88594", E_ISO_8859_4 },
	{ "iso88595", E_ISO_8859_5 },
	{ "iso88596", E_ISO_8859_6 },
	{ "iso88597", E_ISO_8859_7 },
	{ "iso88598", E_ISO_8859_8 },
	{ "iso88599", E_WINDOWS_1254 },
	{ "iso_8859-1", E_WINDOWS_1252 },
	{ "iso_8859-15", E_ISO_8859_15 },
	{ "iso_8859-1:1987", E_WINDOWS_1252 },
	{ "iso_8859-2", E_ISO_8859_2 },
	{ "iso_8859-2:1987", E_ISO_8859_2 },
	{ "iso_8859-3", E_ISO_8859_3 },
	{ "iso_8859-3:1988", E_ISO_8859_3 },
	{ "iso_8859-4", E_ISO_8859_4 },
	{ "iso_8859-4:1988", E_ISO_8859_4 },
	{ "iso_8859-5", E_ISO_8859_5 },
	{ "iso_8859-5:1988", E_ISO_8859_5 },
	{ "iso_8859-6", E_ISO_8859_6 },
	{ "iso_8859-6:1987", E_ISO_8859_6 },
	{ "iso_8859-7", E_ISO_8859_7 },
	{ "iso_8859-7:1987", E_ISO_8859_7 },
	{ "iso_8859-8", E_ISO_8859_8 },
	{ "iso_8859-8:1988", E_ISO_8859_8 },
	{ "iso_8859-9", E_WINDOWS_1254 },
	{ "iso_8859-9:1989", E_WINDOWS_1254 },
	{ "koi", E_KOI8_R },
	{ "koi8", E_KOI8_R },
	{ "koi8-r", E_KOI8_R },
	{ "koi8-ru", E_KOI8_U },
	{ "koi8-u", E_KOI8_U },
	{ "koi8_r", E_KOI8_R },
	{ "korean", E_EUC_KR },
	{ "ks_c_5601-1987", E_EUC_KR },
	{ "ks_c_5601-1989", E_EUC_KR },
	{ "ksc5601", E_EUC_KR },
	{ "ksc_5601", E_EUC_KR },
	{ "l1", E_WINDOWS_1252 },
	{ "l2", E_ISO_8859_2 },
	{ "l3", E_ISO_8859_3 },
	{ "l4", E_ISO_8859_4 },
	{ "l5", E_WINDOWS_1254 },
	{ "l6", E_ISO_8859_10 },
	{ "l9", E_ISO_8859_15 },
	{ "latin1", E_WINDOWS_1252 },
	{ "latin2", E_ISO_8859_2 },
	{ "latin3", E_ISO_8859_3 },
	{ "latin4", E_ISO_8859_4 },
	{ "latin5", E_WINDOWS_1254 },
	{ "latin6", E_ISO_8859_10 },
	{ "logical", E_ISO_8859_8_I },
	{ "mac", E_MACINTOSH },
	{ "macintosh", E_MACINTOSH },
	{ "ms932", E_SHIFT_JIS },
	{ "ms_kanji", E_SHIFT_JIS },
	{ "replacement", E_REPLACEMENT },
	{ "shift-jis", E_SHIFT_JIS },
	{ "shift_jis", E_SHIFT_JIS },
	{ "sjis", E_SHIFT_JIS },
	{ "sun_eu_greek", E_ISO_8859_7 },
	{ "tis-620", E_WINDOWS_874 },
	{ "ucs-2", E_UTF_16LE },
	{ "unicode", E_UTF_16LE },
	{ "unicode-1-1-utf-8", E_UTF_8 },
	{ "unicode11utf8", E_UTF_8 },
	{ "unicode20utf8", E_UTF_8 },
	{ "unicodefeff", E_UTF_16LE },
	{ "unicodefffe", E_UTF_16BE },
	{ "us-ascii", E_WINDOWS_1252 },
	{ "utf-16", E_UTF_16LE },
	{ "utf-16be", E_UTF_16BE },
	{ "utf-16le", E_UTF_16LE },
	{ "utf-8", E_UTF_8 },
	{ "utf8", E_UTF_8 },
	{ "visual", E_ISO_8859_8 },
	{ "windows-1250", E_WINDOWS_1250 },
	{ "windows-1251", E_WINDOWS_1251 },
	{ "windows-1252", E_WINDOWS_1252 },
	{ "windows-1253", E_WINDOWS_1253 },
	{ "windows-1254", E_WINDOWS_1254 },
	{ "windows-1255", E_WINDOWS_1255 },
	{ "windows-1256", E_WINDOWS_1256 },
	{ "windows-1257", E_WINDOWS_1257 },
	{ "windows-1258", E_WINDOWS_1258 },
	{ "windows-31j", E_SHIFT_JIS },
	{ "windows-874", E_WINDOWS_874 },
	{ "windows-949", E_EUC_KR },
	{ "x-cp1250", E_WINDOWS_1250 },
	{ "x-cp1251", E_WINDOWS_1251 },
	{ "x-cp1252", E_WINDOWS_1252 },
	{ "x-cp1253", E_WINDOWS_1253 },
	{ "x-cp1254", E_WINDOWS_1254 },
	{ "x-cp1255", E_WINDOWS_1255 },
	{ "x-cp1256", E_WINDOWS_1256 },
	{ "x-cp1257", E_WINDOWS_1257 },
	{ "x-cp1258", E_WINDOWS_1258 },
	{ "x-euc-jp", E_EUC_JP },
	{ "x-gbk", E_GBK },
	{ "x-mac-cyrillic", E_X_MAC_CYRILLIC },
	{ "x-mac-roman", E_MACINTOSH },
	{ "x-mac-ukrainian", E_X_MAC_CYRILLIC },
	{ "x-sjis", E_SHIFT_JIS },
	{ "x-unicode20utf8", E_UTF_8 },
	{ "x-user-defined", E_X_USER_DEFINED },
	{ "x-x-big5", E_BIG5 },
};

/* ---- labels ---- */

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\t' || (c) == '\r' || (c) == '\f')
#define LOWER(c) ((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c))

/* Encoding Standard "get an encoding": -1 when the label is unknown. */
static int enc_lookup(const char *s, size_t n)
{
	char key[32];
	size_t i, lo = 0, hi = sizeof(labels) / sizeof(labels[0]);

	while (n && IS_WS((uchar)*s)) {
		s++;
		n--;
	}
	while (n && IS_WS((uchar)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(key))
		return -1;
	for (i = 0; i < n; i++)
		key[i] = (char)LOWER((uchar)s[i]);
	key[n] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, labels[mid].label);

		if (c == 0)
			return labels[mid].enc;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int put_name(int enc, char *out, size_t outsz)
{
	if (outsz < CHARSET_NAME_MAX) {
		if (outsz)
			out[0] = '\0';
		return 0;
	}
	strcpy(out, encodings[enc].name);
	return 1;
}

int charset_normalize(const char *label, char *out, size_t outsz)
{
	int enc = label ? enc_lookup(label, strlen(label)) : -1;

	if (enc < 0) {
		if (out && outsz)
			out[0] = '\0';
		return 0;
	}
	return out ? put_name(enc, out, outsz) : 1;
}

/* ---- detection ---- */

static int ci_prefix(const uchar *p, const uchar *e, const char *lit)
{
	for (; *lit; p++, lit++)
		if (p >= e || LOWER(*p) != (uchar)*lit)
			return 0;
	return 1;
}

/*
 * HTML Standard, "algorithm for extracting a character encoding from a
 * meta element"; also used for Content-Type headers, where it is lenient
 * in the same useful ways (quotes, spaces around '=', any case).
 */
static int enc_from_content(const uchar *p, const uchar *e)
{
	for (;;) {
		const uchar *q, *v;

		for (; p < e && !ci_prefix(p, e, "charset"); p++)
			;
		if (p >= e)
			return -1;
		p += 7;
		for (q = p; q < e && IS_WS(*q); q++)
			;
		if (q >= e || *q != '=')
			continue;  /* look for the next "charset" from p */
		for (q++; q < e && IS_WS(*q); q++)
			;
		if (q >= e)
			return -1;
		if (*q == '"' || *q == '\'') {
			v = memchr(q + 1, *q, (size_t)(e - q - 1));
			if (!v)
				return -1;
			return enc_lookup((const char *)q + 1, (size_t)(v - q - 1));
		}
		for (v = q; v < e && !IS_WS(*v) && *v != ';'; v++)
			;
		return enc_lookup((const char *)q, (size_t)(v - q));
	}
}

struct attr {
	char name[16];     /* lower case, truncated */
	size_t nlen;
	char value[512];   /* lower case, truncated */
	size_t vlen;
};

static void attr_add(char *dst, size_t *n, size_t cap, uchar c)
{
	if (*n + 1 < cap)
		dst[(*n)++] = (char)LOWER(c);
}

/*
 * HTML Standard "get an attribute" (prescan).  Returns 1 with an attribute,
 * 0 when there is none (*pp at the '>'), -1 at the end of the input.
 */
static int get_attr(const uchar **pp, const uchar *e, struct attr *a)
{
	const uchar *p = *pp;
	uchar q;

	a->nlen = a->vlen = 0;
	while (p < e && (IS_WS(*p) || *p == '/'))
		p++;
	if (p >= e)
		return -1;
	if (*p == '>') {
		*pp = p;
		return 0;
	}
	for (;; p++) {
		if (p >= e)
			return -1;
		if (*p == '=' && a->nlen > 0)
			goto value;
		if (IS_WS(*p))
			break;
		if (*p == '/' || *p == '>')
			goto done;
		attr_add(a->name, &a->nlen, sizeof(a->name), *p);
	}
	while (p < e && IS_WS(*p))
		p++;
	if (p >= e)
		return -1;
	if (*p != '=')
		goto done;
value:
	for (p++; p < e && IS_WS(*p); p++)
		;
	if (p >= e)
		return -1;
	if (*p == '"' || *p == '\'') {
		for (q = *p++;; p++) {
			if (p >= e)
				return -1;
			if (*p == q) {
				p++;
				goto done;
			}
			attr_add(a->value, &a->vlen, sizeof(a->value), *p);
		}
	}
	if (*p == '>')
		goto done;
	for (;; p++) {
		if (p >= e)
			return -1;
		if (IS_WS(*p) || *p == '>')
			goto done;
		attr_add(a->value, &a->vlen, sizeof(a->value), *p);
	}
done:
	a->name[a->nlen] = '\0';
	a->value[a->vlen] = '\0';
	*pp = p;
	return 1;
}

/* The attributes of a <meta> from p; the encoding it declares, or -1. */
static int meta_charset(const uchar **pp, const uchar *e)
{
	struct attr a;
	int seen_he = 0, seen_content = 0, seen_charset = 0;
	int got_pragma = 0, need_pragma = -1, enc = -1, r;

	while ((r = get_attr(pp, e, &a)) == 1) {
		if (!strcmp(a.name, "http-equiv")) {
			if (seen_he++)
				continue;
			if (!strcmp(a.value, "content-type"))
				got_pragma = 1;
		} else if (!strcmp(a.name, "content")) {
			int c;

			if (seen_content++)
				continue;
			c = enc_from_content((const uchar *)a.value,
					     (const uchar *)a.value + a.vlen);
			if (c >= 0 && enc < 0) {
				enc = c;
				need_pragma = 1;
			}
		} else if (!strcmp(a.name, "charset")) {
			if (seen_charset++)
				continue;
			enc = enc_lookup(a.value, a.vlen);
			need_pragma = 0;
		}
	}
	if (r < 0 || need_pragma < 0 || (need_pragma && !got_pragma) || enc < 0)
		return r < 0 ? -2 : -1;
	if (enc == E_UTF_16BE || enc == E_UTF_16LE)
		enc = E_UTF_8;
	else if (enc == E_X_USER_DEFINED)
		enc = E_WINDOWS_1252;
	return enc;
}

#define PRESCAN_MAX 4096

/* HTML Standard "prescan a byte stream to determine its encoding". */
static int prescan(const uchar *p, size_t len)
{
	const uchar *e = p + (len < PRESCAN_MAX ? len : PRESCAN_MAX);
	struct attr a;

	while ((p = memchr(p, '<', (size_t)(e - p)))) {
		if (e - p >= 4 && p[1] == '!' && p[2] == '-' && p[3] == '-') {
			/* the '>' of the first "-->" that begins after "<!" */
			const uchar *q = memmem(p + 2, (size_t)(e - p - 2), "-->", 3);

			if (!q)
				return -1;
			p = q + 3;
		} else if (ci_prefix(p, e, "<meta") && e - p > 5 &&
			   (IS_WS(p[5]) || p[5] == '/')) {
			int enc;

			p += 6;
			enc = meta_charset(&p, e);
			if (enc == -2)
				return -1;
			if (enc >= 0)
				return enc;
		} else if (e - p >= 2 && (((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z') ||
			   (e - p >= 3 && p[1] == '/' &&
			    (p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'z'))) {
			int r;

			for (p++; p < e && !IS_WS(*p) && *p != '>'; p++)
				;
			while ((r = get_attr(&p, e, &a)) == 1)
				;
			if (r < 0)
				return -1;
		} else if (e - p >= 2 && (p[1] == '!' || p[1] == '/' || p[1] == '?')) {
			p = memchr(p + 2, '>', (size_t)(e - p - 2));
			if (!p)
				return -1;
			p++;
		} else {
			p++;
		}
	}
	return -1;
}

static int bom_sniff(const uchar *p, size_t len)
{
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return E_UTF_8;
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
		return E_UTF_16LE;
	if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
		return E_UTF_16BE;
	return -1;
}

int charset_detect(const char *content_type, const char *html, size_t len,
		   char *out, size_t outsz)
{
	const uchar *h = (const uchar *)html;
	int enc = -1;

	if (outsz)
		out[0] = '\0';
	if (outsz < CHARSET_NAME_MAX)
		return 0;
	if (h)
		enc = bom_sniff(h, len);
	if (enc < 0 && content_type)
		enc = enc_from_content((const uchar *)content_type,
				       (const uchar *)content_type + strlen(content_type));
	if (enc < 0 && h)
		enc = prescan(h, len);
	return enc < 0 ? 0 : put_name(enc, out, outsz);
}

/* ---- single-byte extras ---- */

static const char fffd[3] = { (char)0xEF, (char)0xBF, (char)0xBD };

/* x-user-defined: 0x80-0xFF are U+F780-U+F7FF. */
static int user_defined(const uchar *p, size_t len, struct buf *out)
{
	size_t i;
	int rc;

	for (i = 0; i < len; i++) {
		char tmp[3];

		if ((rc = buf_add(out, tmp, utf8_encode(p[i] < 0x80 ? p[i] : 0xF700u + p[i], tmp))))
			return rc;
	}
	return 0;
}

/* ---- iconv ---- */

#define CONV_SLOTS 8

struct charset_conv {
	struct {
		int enc;  /* -1: empty */
		iconv_t cd;
	} slot[CONV_SLOTS];
	unsigned next;  /* round-robin victim */
};

int charset_conv_create(struct charset_conv **cvp)
{
	struct charset_conv *cv = calloc(1, sizeof(*cv));
	int i;

	*cvp = cv;
	if (!cv)
		return SL_ENOMEM;
	for (i = 0; i < CONV_SLOTS; i++)
		cv->slot[i].enc = -1;
	return 0;
}

void charset_conv_free(struct charset_conv *cv)
{
	int i;

	if (!cv)
		return;
	for (i = 0; i < CONV_SLOTS; i++)
		if (cv->slot[i].enc >= 0)
			iconv_close(cv->slot[i].cd);
	free(cv);
}

static iconv_t conv_get(struct charset_conv *cv, int enc)
{
	iconv_t cd;
	unsigned i;

	for (i = 0; i < CONV_SLOTS; i++) {
		if (cv->slot[i].enc == enc) {
			cd = cv->slot[i].cd;
			iconv(cd, NULL, NULL, NULL, NULL);  /* initial shift state */
			return cd;
		}
	}
	cd = iconv_open("UTF-8", encodings[enc].iconv);
	if (cd == (iconv_t)-1)
		return cd;
	i = cv->next++ % CONV_SLOTS;
	if (cv->slot[i].enc >= 0)
		iconv_close(cv->slot[i].cd);
	cv->slot[i].enc = enc;
	cv->slot[i].cd = cd;
	return cd;
}

/* Make room for at least want bytes, or as many as the cap allows (>= 8). */
static int room(struct buf *out, size_t want)
{
	size_t left = out->max - out->len;

	if (want > left)
		want = left;
	if (want < 8)
		return SL_ETOOBIG;
	return buf_grow(out, want);
}

static int iconv_decode(iconv_t cd, int enc, const uchar *in, size_t len,
			struct buf *out, size_t *nrep)
{
	char *ip = (char *)(uintptr_t)in, *op;
	size_t il = len, ol, r;
	size_t unit = (enc == E_UTF_16LE || enc == E_UTF_16BE) ? 2 : 1;
	int rc, flushed = 0;

	for (;;) {
		if ((rc = room(out, il + il / 2 + 16)))
			return rc;
		op = out->ptr + out->len;
		ol = out->cap - out->len - 1;
		if (il)
			r = iconv(cd, &ip, &il, &op, &ol);
		else
			r = iconv(cd, NULL, NULL, &op, &ol);  /* flush held characters */
		out->len = (size_t)(op - out->ptr);
		if (r != (size_t)-1) {
			if (il == 0 && flushed++)
				break;
			continue;
		}
		if (errno == E2BIG)
			continue;
		if (errno == EILSEQ && enc == E_WINDOWS_1252) {
			/* the five holes of windows-1252 map to C1 controls */
			char c1[2] = { (char)0xC2, *ip };

			rc = buf_add(out, c1, 2);
			ip++;
			il--;
		} else if (errno == EILSEQ && (uchar)*ip == 0x80 &&
			   (enc == E_GBK || enc == E_GB18030)) {
			/* the Encoding Standard's gb18030 decoder: 0x80 is the euro */
			rc = buf_add(out, "\xe2\x82\xac", 3);
			ip++;
			il--;
		} else if (errno == EILSEQ) {
			rc = buf_add(out, fffd, 3);
			(*nrep)++;
			r = il < unit ? il : unit;
			ip += r;
			il -= r;
		} else if (errno == EINVAL) {
			/* cut off at the end: one replacement for the rest */
			rc = buf_add(out, fffd, 3);
			(*nrep)++;
			ip += il;
			il = 0;
		} else {
			return SL_ECHARSET;
		}
		if (rc)
			return rc;
	}
	buf_setlen(out, out->len);
	return 0;
}

int charset_to_utf8(struct charset_conv *cv, const char *label, const char *in,
		    size_t len, struct buf *out, size_t *replaced)
{
	const uchar *p = (const uchar *)in;
	size_t start = out->len, nrep = 0;
	int enc = label ? enc_lookup(label, strlen(label)) : -1;
	int rc;

	if (enc < 0)
		return SL_ECHARSET;
	if (bom_sniff(p, len) == enc) {
		size_t bom = enc == E_UTF_8 ? 3 : 2;

		p += bom;
		len -= bom;
	}
	switch (enc) {
	case E_UTF_8:
		rc = utf8_sanitize(out, (const char *)p, len, &nrep);
		break;
	case E_X_USER_DEFINED:
		rc = user_defined(p, len, out);
		break;
	case E_REPLACEMENT:
		/* the whole input is one error (a defence against ISO-2022-KR
		 * and HZ tricks); nothing at all for empty input */
		rc = len ? buf_add(out, fffd, 3) : 0;
		nrep = len ? 1 : 0;
		break;
	default: {
		iconv_t cd = conv_get(cv, enc);

		if (cd == (iconv_t)-1)
			return SL_ECHARSET;
		rc = len ? iconv_decode(cd, enc, p, len, out, &nrep) : 0;
		break;
	}
	}
	if (rc) {
		buf_setlen(out, start);
		return rc;
	}
	if (replaced)
		*replaced += nrep;
	return 0;
}
