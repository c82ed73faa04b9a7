#include <stdlib.h>

#include "array.h"
#include "buf.h"
#include "check.h"
#include "error.h"

int main(void)
{
	struct buf b = BUF_INIT, c;
	char *p;
	size_t n;

	/* an empty buffer is a valid empty string */
	CHECK(b.ptr != NULL);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.ptr, "");
	buf_release(&b); /* releasing an unallocated buffer is harmless */
	buf_release(&b);

	CHECK_INT(buf_add(&b, "abc", 3), 0);
	CHECK_INT(buf_addch(&b, '\0'), 0); /* binary safe */
	CHECK_INT(buf_addstr(&b, "def"), 0);
	CHECK_INT(b.len, 7);
	CHECK_MEM(b.ptr, b.len, "abc\0def", 7);
	CHECK_INT(b.ptr[b.len], 0);
	CHECK_INT(buf_addf(&b, "%d-%s", 42, "x"), 0);
	CHECK_MEM(b.ptr, b.len, "abc\0def42-x", 11);
	buf_consume(&b, 4);
	CHECK_STR(b.ptr, "def42-x");
	buf_setlen(&b, 3);
	CHECK_STR(b.ptr, "def");
	buf_reset(&b);
	CHECK_STR(b.ptr, "");
	/* a long formatted string takes the grow path of buf_vaddf */
	CHECK_INT(buf_addf(&b, "%0300d", 7), 0);
	CHECK_INT(b.len, 300);
	CHECK_INT(b.ptr[299], '7');
	buf_release(&b);

	/* the cap: refuse, leave contents untouched */
	buf_init(&c, 10);
	CHECK_INT(buf_add(&c, "0123456789", 10), 0);
	CHECK_INT(buf_addch(&c, 'x'), SL_ETOOBIG);
	CHECK_INT(buf_add(&c, "x", 1), SL_ETOOBIG);
	CHECK_INT(buf_addf(&c, "%s", "yy"), SL_ETOOBIG);
	CHECK_STR(c.ptr, "0123456789");
	CHECK_INT(c.max, 10);
	buf_release(&c);
	CHECK_INT(c.max, 10); /* the cap survives release */
	/* huge requests do not overflow the size arithmetic */
	CHECK_INT(buf_grow(&c, (size_t)-1), SL_ETOOBIG);

	/* detach hands over a malloc'ed string, even when empty */
	buf_init(&c, 0);
	p = buf_detach(&c, &n);
	CHECK(p != NULL && n == 0 && p[0] == 0);
	free(p);
	buf_addstr(&c, "hello");
	p = buf_detach(&c, &n);
	CHECK_INT(n, 5);
	CHECK_STR(p, "hello");
	CHECK_INT(c.len, 0);
	CHECK(c.ptr != p);
	free(p);
	/* ARRAY_GROW: geometric growth, contents kept, overflow refused */
	{
		int *v = NULL;
		size_t cap = 0, i;
		for (i = 0; i < 1000; i++) {
			CHECK_INT(ARRAY_GROW(v, cap, i + 1), 0);
			v[i] = (int)i;
		}
		CHECK(cap >= 1000 && cap < 2048);
		CHECK_INT(v[0] + v[999], 999);
		CHECK_INT(ARRAY_GROW(v, cap, (size_t)-1 / 2), SL_ENOMEM);
		CHECK(cap >= 1000 && cap < 2048 && v[999] == 999); /* untouched */
		free(v);
	}
	return check_done();
}
