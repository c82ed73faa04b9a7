#include <stdlib.h>

#include "check.h"
#include "options.h"

static int flag, num;
static const char *str;
static size_t size;
static double dbl;
static struct opt_list list;

static const struct option opts[] = {
	OPT_FLAG('q', "quiet", &flag, "a flag"),
	OPT_STRING('o', "output", &str, "FILE", "a string"),
	OPT_INT('n', "number", &num, "N", "an int"),
	OPT_SIZE(0, "size", &size, "SIZE", "a size"),
	OPT_DOUBLE(0, "score", &dbl, "X", "a double"),
	OPT_LIST('f', "field", &list, "F", "a list"),
	OPT_END(),
};

static int parse(int argc, const char **argv)
{
	flag = num = 0;
	str = NULL;
	size = 0;
	dbl = 0;
	list.n = 0;
	return parse_options(argc, (char **)argv, opts, NULL);
}

int main(void)
{
	size_t v;

	{
		const char *a[] = { "x", "in1", "--output=o.jsonl", "-q", "in2", "--number", "7", "-", NULL };
		CHECK_INT(parse(8, a), 3);
		CHECK_STR(a[1], "in1");
		CHECK_STR(a[2], "in2");
		CHECK_STR(a[3], "-"); /* "-" is an argument (stdin) */
		CHECK_INT(flag, 1);
		CHECK_STR(str, "o.jsonl");
		CHECK_INT(num, 7);
	}
	{
		const char *a[] = { "x", "-qo", "out", "-n5", "-f", "a", "--field=b", "--", "-q", NULL };
		CHECK_INT(parse(9, a), 1);
		CHECK_STR(a[1], "-q"); /* after "--" options are arguments */
		CHECK_INT(flag, 1);
		CHECK_STR(str, "out");
		CHECK_INT(num, 5);
		CHECK_INT(list.n, 2);
		CHECK_STR(list.items[1], "b");
	}
	{
		const char *a[] = { "x", "--size", "64M", "--score=0.65", NULL };
		CHECK_INT(parse(4, a), 0);
		CHECK_INT(size, 64 << 20);
		CHECK(dbl == 0.65);
	}
	/* usage errors are -2 (the caller exits 2), never an argument count */
	{
		const char *a1[] = { "x", "--nope", NULL };
		const char *a2[] = { "x", "--number", "seven", NULL };
		const char *a3[] = { "x", "--output", NULL };
		const char *a4[] = { "x", "--quiet=yes", NULL };
		const char *a5[] = { "x", "-z", NULL };
		const char *a6[] = { "x", "--size", "12Q", NULL };
		const char *a7[] = { "x", "--number", "99999999999", NULL };
		fprintf(stderr, "(the usage messages below are expected)\n");
		CHECK_INT(parse(2, a1), -2);
		CHECK_INT(parse(3, a2), -2);
		CHECK_INT(parse(2, a3), -2);
		CHECK_INT(parse(2, a4), -2);
		CHECK_INT(parse(2, a5), -2);
		CHECK_INT(parse(3, a6), -2);
		CHECK_INT(parse(3, a7), -2);
	}
	CHECK_INT(parse_size("512k", &v), 0);
	CHECK_INT(v, 512 * 1024);
	CHECK_INT(parse_size("1.5G", &v), 0);
	CHECK_INT(v, 1536u << 20);
	CHECK_INT(parse_size("2MiB", &v), 0);
	CHECK_INT(v, 2 << 20);
	CHECK_INT(parse_size("100", &v), 0);
	CHECK_INT(v, 100);
	CHECK_INT(parse_size("-1", &v), -1);
	CHECK_INT(parse_size("", &v), -1);
	CHECK_INT(parse_size("1x", &v), -1);
	free(list.items);
	return check_done();
}
