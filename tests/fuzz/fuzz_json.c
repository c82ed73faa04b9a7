/*
 * fuzz_json.c - the JSON scanner (common/json.h) on arbitrary bytes: made
 * valid UTF-8 first (as doc_parse does), then scanned as one value, walked
 * as an object with every key and string value decoded and re-encoded.
 */
#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, dec = BUF_INIT, enc = BUF_INIT;
	struct json_err e;
	struct json_iter it;
	struct json_member m;
	const char *after;
	int r;

	if (utf8_sanitize(&in, (const char *)data, size, NULL))
		goto out;
	json_scan_value(in.ptr, in.ptr, in.ptr + in.len, &after, &e);
	if (json_object_begin(&it, in.ptr, in.ptr + in.len, &e) == 0) {
		while ((r = json_object_next(&it, &m, &e)) == 1) {
			buf_reset(&dec);
			if (json_string_decode(&dec, m.key, m.key_len, NULL) == 0) {
				buf_reset(&enc);
				json_string_encode(&enc, dec.ptr, dec.len);
			}
			(void)json_key_is(&m, "text");
			if (json_is_string(m.val, m.val_len)) {
				buf_reset(&dec);
				if (json_string_decode(&dec, m.val + 1, m.val_len - 2, NULL) == 0) {
					buf_reset(&enc);
					json_string_encode(&enc, dec.ptr, dec.len);
				}
			}
		}
	}
out:
	buf_release(&in);
	buf_release(&dec);
	buf_release(&enc);
	return 0;
}
