/*
 * test_strmap.c - interned byte strings (common/strmap.c): dense indices
 * in insertion order, byte-exact comparison (NUL bytes, prefixes), growth,
 * absent look-ups.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "strmap.h"

int main(void)
{
	struct strmap m;
	int added;
	char w[32];
	strmap_init(&m, (size_t)1 << 30);
	CHECK(strmap_get(&m, "a", 1, 0, NULL) == STRMAP_ABSENT && STRMAP_ABSENT < SL_EFORMAT - 100);
	CHECK(strmap_get(&m, "a", 1, 1, &added) == 0 && added == 1);
	CHECK(strmap_get(&m, "a", 1, 1, &added) == 0 && added == 0);
	/* a prefix, the same with a NUL inside, the empty string: all distinct */
	CHECK(strmap_get(&m, "ab", 2, 1, NULL) == 1);
	CHECK(strmap_get(&m, "a\0b", 3, 1, NULL) == 2);
	CHECK(strmap_get(&m, "a\0", 2, 1, NULL) == 3);
	CHECK(strmap_get(&m, "", 0, 1, NULL) == 4);
	CHECK(strmap_get(&m, "a\0b", 3, 0, NULL) == 2 && strmap_get(&m, "a\0c", 3, 0, NULL) == STRMAP_ABSENT);
	CHECK(m.len[2] == 3 && memcmp(strmap_str(&m, 2), "a\0b", 4) == 0);
	CHECK_STR(strmap_str(&m, 1), "ab");
	/* through several growths, indices stay */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(w, sizeof(w), "w%d", i);
		CHECK(strmap_get(&m, w, (size_t)n, 1, NULL) == 5 + i);
	}
	for (int i = 4999; i >= 0; i -= 7) {
		int n = snprintf(w, sizeof(w), "w%d", i);
		CHECK(strmap_get(&m, w, (size_t)n, 0, NULL) == 5 + i);
		CHECK_STR(strmap_str(&m, (uint32_t)(5 + i)), w);
	}
	CHECK(m.n == 5005);
	strmap_release(&m);
	/* the byte cap */
	strmap_init(&m, 8);
	CHECK(strmap_get(&m, "abc", 3, 1, NULL) == 0);
	CHECK(strmap_get(&m, "defgh", 5, 1, NULL) < 0);
	strmap_release(&m);
	return check_done();
}
