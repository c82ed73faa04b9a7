/*
 * fuzz_html.c - HTML text extraction with charset conversion, as
 * `sluice warc` runs it on a page: the declared charset (BOM, HTTP
 * Content-Type, <meta> prescan), the same fallbacks, conversion to UTF-8
 * (glibc iconv and sluice's own decoders), then html_extract.
 *
 * Input: the Content-Type header value up to the first '\n' (at most 255
 * bytes, as cmd/warc.c copies it), then the page bytes.
 */
#include <stdlib.h>

#include "buf.h"
#include "charset.h"
#include "error.h"
#include "fuzz.h"
#include "html.h"
#include "utf8.h"

static struct charset_conv *cv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (charset_conv_create(&cv))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ct, *page;
	size_t ctn, pn, rep = 0;
	char ctz[256], charset[CHARSET_NAME_MAX];
	struct buf utf8;
	struct html_result res;
	int rc;

	buf_init(&utf8, 16 << 20);
	buf_init(&res.text, 16 << 20);
	buf_init(&res.title, 1 << 20);
	fuzz_split(data, size, "\n", &ct, &ctn, &page, &pn);
	if (ctn >= sizeof(ctz))
		ctn = 0;
	memcpy(ctz, ct, ctn);
	ctz[ctn] = '\0';
	(void)charset_normalize(ctz, NULL, 0);
	if (!charset_detect(ctn ? ctz : NULL, (const char *)page, pn, charset, sizeof(charset)))
		strcpy(charset, utf8_valid_prefix((const char *)page, pn) == pn ? "utf-8" : "windows-1252");
	rc = charset_to_utf8(cv, charset, (const char *)page, pn, &utf8, &rep);
	if (rc == SL_ECHARSET)
		rc = charset_to_utf8(cv, "utf-8", (const char *)page, pn, &utf8, &rep);
	if (rc == 0) {
		/* the contract: what comes out is UTF-8 */
		if (utf8_valid_prefix(utf8.ptr, utf8.len) != utf8.len)
			abort();
		if (html_extract(utf8.ptr, utf8.len, &res) == 0 &&
		    (utf8_valid_prefix(res.text.ptr, res.text.len) != res.text.len ||
		     utf8_valid_prefix(res.title.ptr, res.title.len) != res.title.len))
			abort();
	}
	/* the extractor on the raw bytes too (invalid UTF-8 becomes U+FFFD) */
	if (html_extract((const char *)page, pn, &res) == 0 &&
	    utf8_valid_prefix(res.text.ptr, res.text.len) != res.text.len)
		abort();
	buf_release(&utf8);
	buf_release(&res.text);
	buf_release(&res.title);
	return 0;
}
