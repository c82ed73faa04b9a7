/*
 * charset.h - which character set a web page is in, and turning it into UTF-8.
 *
 * Labels follow the WHATWG Encoding Standard: every one of its ~220 labels
 * ("latin1", "iso-8859-1", "ascii", "us-ascii" -> windows-1252; "gb2312",
 * "gbk" -> gbk; "sjis", "x-sjis", "ms932" -> shift_jis; "ks_c_5601-1987"
 * -> euc-kr; "utf-16" -> utf-16le; ...) is matched case-insensitively,
 * with surrounding ASCII whitespace ignored, and names one of its 40
 * encodings.  Any other label is unknown.  Decoding is done by glibc's
 * iconv with the tables closest to the standard's (gbk and gb18030 ->
 * GB18030, big5 -> BIG5-HKSCS, shift_jis -> WINDOWS-31J, euc-kr -> CP949,
 * iso-8859-8-i -> ISO-8859-8); utf-8, x-user-defined and "replacement"
 * are decoded here.
 */
#ifndef SLUICE_CHARSET_H
#define SLUICE_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* Room for any name charset_detect() writes, NUL included. */
#define CHARSET_NAME_MAX 16

/*
 * Find the character set a document declares.  Sources, first match wins:
 *   1. a byte order mark at the start of html: EF BB BF -> "utf-8",
 *      FF FE -> "utf-16le", FE FF -> "utf-16be" (the HTML Standard puts the
 *      BOM above everything else: it says how the bytes really are);
 *   2. the charset parameter of content_type, an HTTP Content-Type header
 *      value such as `text/html; Charset="ISO-8859-1"` (NULL: none);
 *   3. <meta charset=...> or <meta http-equiv="Content-Type"
 *      content="...; charset=..."> in the first 4096 bytes of html, found by
 *      the HTML Standard's prescan algorithm (comments, quoted attribute
 *      values, case, whitespace and other tags handled as it says; a meta
 *      naming utf-16 means utf-8, x-user-defined means windows-1252).
 * A declared label that is not in the Encoding Standard is ignored and the
 * next source is tried.  On success writes the encoding's canonical name
 * (lower case, e.g. "windows-1252", "shift_jis", "gbk", "utf-8") into out
 * and returns 1; otherwise returns 0 (out[0] = '\0' when outsz > 0).
 * outsz must be at least CHARSET_NAME_MAX, else 0 is returned.
 * Reads at most len bytes of html (which may be NULL when len is 0).
 * Thread safe (no state).
 */
int charset_detect(const char *content_type, const char *html, size_t len,
		   char *out, size_t outsz);

/*
 * Whether label names an encoding of the Encoding Standard (1) or not (0).
 * Writes the canonical name into out when out is not NULL (outsz as above).
 */
int charset_normalize(const char *label, char *out, size_t outsz);

/*
 * A conversion context: caches one iconv descriptor per encoding (a few
 * at a time), so converting millions of documents opens each one once.
 * Not thread safe: one context per thread.
 */
struct charset_conv;

/* 0, or SL_ENOMEM. */
int charset_conv_create(struct charset_conv **cv);

/* Closes the cached descriptors; NULL is a no-op. */
void charset_conv_free(struct charset_conv *cv);

/*
 * Decode in[0..len) from the encoding label names and append it to out as
 * UTF-8.  Bytes that cannot be decoded become U+FFFD and are counted in
 * *replaced (added to it; replaced may be NULL); conversion never stops
 * early, and a sequence cut off at the end is one U+FFFD.  A BOM that
 * matches the encoding (utf-8, utf-16le/be) is removed.  UTF-8 input is
 * validated the same way: each ill-formed sequence (overlong, surrogate,
 * above U+10FFFF, truncated) becomes one U+FFFD per maximal subpart, as
 * the WHATWG and Unicode standards say.  The windows-1252 bytes with no
 * character (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+0081 etc., as in
 * browsers, and are not counted.
 *
 * Returns 0; SL_ECHARSET when the label is unknown or iconv cannot open the
 * encoding (out untouched: the caller falls back to label "utf-8");
 * SL_ETOOBIG or SL_ENOMEM when out cannot grow (out back to its old length).
 */
int charset_to_utf8(struct charset_conv *cv, const char *label, const char *in,
		    size_t len, struct buf *out, size_t *replaced);

#endif
