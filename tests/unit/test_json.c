#include "buf.h"
#include "check.h"
#include "error.h"
#include "json.h"

static int scan(const char *s)
{
	const char *after;
	struct json_err e;
	int rc = json_scan_value(s, s, s + strlen(s), &after, &e);
	if (rc)
		return rc;
	/* only whitespace may follow */
	while (*after == ' ' || *after == '\n')
		after++;
	return *after ? SL_EJSON : 0;
}

static const char *valid[] = {
	"0", "-0", "12", "-1.5e+10", "1E5", "0.25", "true", "false", "null", "\"\"",
	"\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u00e9\\uD83D\\uDE00\"", "\"caf\xc3\xa9\"",
	"[]", "{}", "[1,[2,[3]]]", "{\"a\":{\"b\":[true,null]}}", " { \"a\" : 1 , \"b\" : [ ] } ",
	"\"\\ud800\"", /* a lone surrogate escape is valid JSON */
};

static const char *invalid[] = {
	"", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "True", "NaN", "Infinity",
	"\"abc", "\"a\tb\"", "\"a\nb\"", "\"\\x41\"", "\"\\u12\"", "\"\\u12G4\"", "'a'",
	"[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "{\"a\":1", "[", "]",
	"\"\xff\"", "\"\xc3\"", "1 2", "{} {}", "/* c */ 1",
};

int main(void)
{
	size_t i;
	struct buf b = BUF_INIT;
	size_t rep = 0;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		int rc = scan(valid[i]);
		if (rc)
			fprintf(stderr, "valid[%zu] rejected: %s\n", i, valid[i]);
		CHECK_INT(rc, 0);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int rc = scan(invalid[i]);
		if (rc != SL_EJSON)
			fprintf(stderr, "invalid[%zu] accepted: %s\n", i, invalid[i]);
		CHECK_INT(rc, SL_EJSON);
	}

	/* nesting is bounded, not a stack overflow */
	{
		static char deep[100001];
		memset(deep, '[', 50000);
		memset(deep + 50000, ']', 50000);
		CHECK_INT(scan(deep), SL_EJSON);
		memset(deep, 0, sizeof(deep));
		memset(deep, '[', 200);
		memset(deep + 200, ']', 200);
		CHECK_INT(scan(deep), 0);
	}

	/* error offsets point at the problem */
	{
		const char *s = "{\"id\": 1, \"text\": tru}";
		const char *after;
		struct json_err e = { 0, 0, 0 };
		CHECK_INT(json_scan_value(s, s, s + strlen(s), &after, &e), SL_EJSON);
		CHECK_INT(e.offset, 18);
	}

	/* decoding */
	{
		static const struct { const char *raw, *want; size_t rep; } dec[] = {
			{ "plain", "plain", 0 },
			{ "a\\\"b\\\\c\\/d", "a\"b\\c/d", 0 },
			{ "\\b\\f\\n\\r\\t", "\b\f\n\r\t", 0 },
			{ "\\u00e9\\u20AC", "\xc3\xa9\xe2\x82\xac", 0 },
			{ "\\ud83d\\ude00", "\xf0\x9f\x98\x80", 0 },
			{ "\\ud83d", "\xef\xbf\xbd", 1 },          /* lone high surrogate */
			{ "\\ude00x", "\xef\xbf\xbdx", 1 },        /* lone low surrogate */
			{ "\\ud83d\\u0041", "\xef\xbf\xbd" "A", 1 }, /* high + non-low */
			{ "\\u0000", "\0", 0 },
		};
		for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
			size_t r = 0;
			buf_reset(&b);
			CHECK_INT(json_string_decode(&b, dec[i].raw, strlen(dec[i].raw), &r), 0);
			CHECK_MEM(b.ptr, b.len, dec[i].want, i == 8 ? 1 : strlen(dec[i].want));
			CHECK_INT(r, dec[i].rep);
		}
	}

	/* encoding round-trips through the scanner and decoder */
	{
		const char in[] = "q\"b\\s/\n\r\t\b\f\x01\x1f caf\xc3\xa9 \xf0\x9f\x98\x80";
		struct buf back = BUF_INIT;
		buf_reset(&b);
		CHECK_INT(json_string_encode(&b, in, sizeof(in) - 1), 0);
		CHECK_STR(b.ptr, "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f caf\xc3\xa9 \xf0\x9f\x98\x80\"");
		CHECK_INT(scan(b.ptr), 0);
		CHECK_INT(json_string_decode(&back, b.ptr + 1, b.len - 2, &rep), 0);
		CHECK_MEM(back.ptr, back.len, in, sizeof(in) - 1);
		buf_release(&back);
	}

	/* escapes after long clean runs (the 16-byte fast path), bytes >= 0x80
	 * pass through, 0x7f is not a control character for JSON */
	{
		const char in[] = "0123456789abcdefghij\"0123456789abcdefghij\x1f" "caf\xc3\xa9\x7f 0123456789abcdef\\";
		buf_reset(&b);
		CHECK_INT(json_string_encode(&b, in, sizeof(in) - 1), 0);
		CHECK_STR(b.ptr, "\"0123456789abcdefghij\\\"0123456789abcdefghij\\u001fcaf\xc3\xa9\x7f 0123456789abcdef\\\\\"");
	}

	/* member iteration */
	{
		const char *s = " {\"id\":\"x\", \"text\" : \"t\",\"n\":[1,{\"a\":2}]} ";
		struct json_iter it;
		struct json_member m;
		struct json_err e;
		int n = 0;
		CHECK_INT(json_object_begin(&it, s, s + strlen(s), &e), 0);
		while (json_object_next(&it, &m, &e) == 1) {
			n++;
			if (n == 2) {
				CHECK(json_key_is(&m, "text"));
				CHECK_MEM(m.val, m.val_len, "\"t\"", 3);
			}
			if (n == 3)
				CHECK_MEM(m.val, m.val_len, "[1,{\"a\":2}]", 11);
		}
		CHECK_INT(n, 3);
		s = "{\"a\":1} x";
		json_object_begin(&it, s, s + strlen(s), &e);
		CHECK_INT(json_object_next(&it, &m, &e), 1);
		CHECK_INT(json_object_next(&it, &m, &e), SL_EJSON);
		s = "[1]";
		CHECK_INT(json_object_begin(&it, s, s + strlen(s), &e), SL_EJSON);
	}
	buf_release(&b);
	return check_done();
}
