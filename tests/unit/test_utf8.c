#include "buf.h"
#include "check.h"
#include "utf8.h"

static const struct {
	const char *in;
	size_t len;
	const char *want;
	size_t replaced;
	size_t wantlen; /* 0: strlen(want) */
} cases[] = {
	{ "plain ascii", 11, "plain ascii", 0, 0 },
	{ "", 0, "", 0, 0 },
	{ "caf\xc3\xa9", 5, "caf\xc3\xa9", 0, 0 },
	{ "\xe2\x82\xac \xf0\x9f\x98\x80", 8, "\xe2\x82\xac \xf0\x9f\x98\x80", 0, 0 },
	{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b", 1, 0 },
	{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 2, 0 },         /* overlong: two subparts */
	{ "\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3, 0 },
	{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3, 0 }, /* surrogate */
	{ "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4, 0 }, /* > U+10FFFF */
	{ "\xe2\x82", 2, "\xef\xbf\xbd", 1, 0 },                     /* truncated: one maximal subpart */
	{ "\xe2\x82x", 3, "\xef\xbf\xbdx", 1, 0 },
	{ "\xf0\x9f\x98", 3, "\xef\xbf\xbd", 1, 0 },
	{ "a\0b", 3, "a\0b", 0, 3 },                                 /* NUL is valid UTF-8 */
	{ "\x80\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd", 2, 0 },
	{ "0123456789abcdef\xfe", 17, "0123456789abcdef\xef\xbf\xbd", 1, 0 }, /* after the 8-byte fast path */
};

int main(void)
{
	size_t i;
	char enc[4];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT, again = BUF_INIT;
		size_t rep = 0, rep2 = 0;
		CHECK_INT(utf8_sanitize(&b, cases[i].in, cases[i].len, &rep), 0);
		CHECK_MEM(b.ptr, b.len, cases[i].want, cases[i].wantlen ? cases[i].wantlen : strlen(cases[i].want));
		CHECK_INT(rep, cases[i].replaced);
		CHECK_INT(utf8_valid_prefix(b.ptr, b.len), b.len);
		/* repairing twice changes nothing */
		utf8_sanitize(&again, b.ptr, b.len, &rep2);
		CHECK_MEM(again.ptr, again.len, b.ptr, b.len);
		CHECK_INT(rep2, 0);
		CHECK_INT(utf8_valid_prefix(cases[i].in, cases[i].len) == cases[i].len, cases[i].replaced == 0);
		buf_release(&b);
		buf_release(&again);
	}
	CHECK_INT(utf8_encode(0x24, enc), 1);
	CHECK_INT(utf8_encode(0xa2, enc), 2);
	CHECK_MEM(enc, 2, "\xc2\xa2", 2);
	CHECK_INT(utf8_encode(0x20ac, enc), 3);
	CHECK_MEM(enc, 3, "\xe2\x82\xac", 3);
	CHECK_INT(utf8_encode(0x1f600, enc), 4);
	CHECK_MEM(enc, 4, "\xf0\x9f\x98\x80", 4);
	CHECK_INT(utf8_count("caf\xc3\xa9 \xf0\x9f\x98\x80", 10), 6);
	return check_done();
}
