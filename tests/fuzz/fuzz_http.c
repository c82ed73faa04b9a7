/*
 * fuzz_http.c - the HTTP response inside a WARC response record
 * (shards/http.c, sluice's own parser): status line and headers, header
 * lookups, chunked transfer decoding and gzip/deflate bodies with the
 * output capped as --max-doc-bytes caps it.
 */
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response hr;
	struct buf body, dec;
	const char *payload;
	size_t plen, len;
	volatile size_t sink = 0;
	static const char *const names[] = { "Content-Type", "content-length", "Transfer-Encoding",
					     "Content-Encoding", "X-Crawler-Content-Encoding", "" };

	if (http_parse_response((const char *)data, size, &hr))
		return 0;
	if (hr.body + hr.body_len != (const char *)data + size)
		abort(); /* the body is the rest of the input */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = http_header(&hr, names[i], &len);
		if (v)
			sink += len ? (unsigned char)v[len - 1] : 0;
	}
	if (hr.content_type)
		sink += http_content_type_is_html(hr.content_type, hr.content_type_len);
	buf_init(&body, 4 << 20);
	buf_init(&dec, 4 << 20);
	payload = hr.body;
	plen = hr.body_len;
	if (hr.chunked) {
		int rc = http_dechunk(payload, plen, &body);
		if (rc == 0 || rc == SL_ETRUNC) {
			payload = body.ptr;
			plen = body.len;
		}
	}
	if (hr.content_encoding != HTTP_CE_NONE)
		http_decode_body(payload, plen, hr.content_encoding, 1 << 20, &dec);
	/* deflate and gzip whatever the header says: the decoders are the
	 * part that meets the most hostile bytes */
	buf_reset(&dec);
	http_decode_body(payload, plen, HTTP_CE_GZIP, 1 << 20, &dec);
	buf_reset(&dec);
	http_decode_body(payload, plen, HTTP_CE_DEFLATE, 1 << 20, &dec);
	buf_release(&body);
	buf_release(&dec);
	(void)sink;
	return 0;
}
