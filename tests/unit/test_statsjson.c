/*
 * test_statsjson.c - `sluice stats --merge`'s reading, merging and writing
 * (common/statsjson.c): every rule of statsjson.h, and input it refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "statsjson.h"

/* Merge the NULL-terminated list of JSON texts; the written result, or
 * "ERR <why>" / "PARSE <why>". */
static char out[8192];
static const char *merge(const char *const *files)
{
	struct statsjson *acc = NULL, *j;
	struct buf b = BUF_INIT;
	const char *why = "";
	int n = 0, rc;
	for (; *files; files++, n++) {
		if ((rc = statsjson_parse(*files, strlen(*files), &j, &why))) {
			snprintf(out, sizeof(out), "PARSE %s", rc == SL_EFORMAT ? why : "nomem");
			statsjson_free(acc);
			return out;
		}
		if (!acc) {
			acc = j;
			continue;
		}
		rc = statsjson_merge(acc, j, &why);
		statsjson_free(j);
		if (rc) {
			snprintf(out, sizeof(out), "ERR %s", why);
			statsjson_free(acc);
			return out;
		}
	}
	if (statsjson_write(acc, n, &b) == 0)
		snprintf(out, sizeof(out), "%.*s", (int)b.len, b.ptr);
	else
		snprintf(out, sizeof(out), "WRITE");
	statsjson_free(acc);
	buf_release(&b);
	/* compact: drop newlines and the indentation after them */
	{
		char *w = out;
		for (const char *r = out; *r; r++) {
			if (*r == '\n') {
				while (r[1] == ' ')
					r++;
				continue;
			}
			*w++ = *r;
		}
		*w = '\0';
	}
	return out;
}

#define M(...) merge((const char *const[]){__VA_ARGS__, NULL})

int main(void)
{
	/* counters add up, min/max, _mean recomputed from the merged total */
	CHECK_STR(M("{\"docs\": 2, \"bytes\": 10, \"bytes_mean\": 5.0, \"len_min\": 3, \"len_max\": 7}",
		    "{\"docs\": 3, \"bytes\": 20, \"bytes_mean\": 6.7, \"len_min\": 1, \"len_max\": 9}"),
		  "{\"tasks\": 2,\"docs\": 5,\"bytes\": 30,\"bytes_mean\": 6.000000,\"len_min\": 1,\"len_max\": 9}");
	/* seconds (doubles) add up; an int and a double give a double */
	CHECK_STR(M("{\"seconds\": 1.5}", "{\"seconds\": 2}"), "{\"tasks\": 2,\"seconds\": 3.500000}");
	/* booleans: complete is all, others any */
	CHECK_STR(M("{\"complete\": true, \"x\": false}", "{\"complete\": false, \"x\": true}"),
		  "{\"tasks\": 2,\"complete\": false,\"x\": true}");
	/* strings: agreeing kept, differing null, "stage" must agree */
	CHECK_STR(M("{\"stage\": \"quality\", \"shard\": \"1/2\"}", "{\"stage\": \"quality\", \"shard\": \"2/2\"}"),
		  "{\"tasks\": 2,\"stage\": \"quality\",\"shard\": null}");
	CHECK_STR(M("{\"stage\": \"quality\"}", "{\"stage\": \"pii\"}"),
		  "ERR the files are the stats of different stages");
	/* arrays: numeric arrays of one length element by element, else the first file's */
	CHECK_STR(M("{\"h\": [1, 2, 3]}", "{\"h\": [10, 20, 30]}"), "{\"tasks\": 2,\"h\": [11, 22, 33]}");
	CHECK_STR(M("{\"h\": [1, 2]}", "{\"h\": [10, 20, 30]}"), "{\"tasks\": 2,\"h\": [1, 2]}");
	CHECK_STR(M("{\"h\": [\"a\"]}", "{\"h\": [\"b\"]}"), "{\"tasks\": 2,\"h\": [\"a\"]}");
	CHECK_STR(M("{\"h\": [1e308]}", "{\"h\": [1e308]}"), "{\"tasks\": 2,\"h\": [1e308]}");
	/* nested objects, members only the second file has (copied deeply),
	 * distinct = the number of merged values */
	CHECK_STR(M("{\"rules\": {\"a\": 1}, \"values\": {\"en\": 1}, \"distinct\": 1}",
		    "{\"rules\": {\"a\": 2, \"b\": {\"c\": [1]}}, \"values\": {\"fr\": 2}, \"distinct\": 1}"),
		  "{\"tasks\": 2,\"rules\": {\"a\": 3,\"b\": {\"c\": [1]}},\"values\": {\"en\": 1,\"fr\": 2},\"distinct\": 2}");
	/* members of different types: refused (null is a string that differed) */
	CHECK_STR(M("{\"x\": 1}", "{\"x\": \"one\"}"), "ERR a member has a different JSON type in another file");
	CHECK_STR(M("{\"x\": {}}", "{\"x\": [1]}"), "ERR a member has a different JSON type in another file");
	CHECK_STR(M("{\"x\": true}", "{\"x\": 1}"), "ERR a member has a different JSON type in another file");
	CHECK_STR(M("{\"x\": null}", "{\"x\": 0}"), "ERR a member has a different JSON type in another file");
	CHECK_STR(M("{\"x\": 1}", "{\"x\": 2.5}"), "{\"tasks\": 2,\"x\": 3.500000}");
	CHECK_STR(M("{\"s\": \"a\"}", "{\"s\": \"b\"}", "{\"s\": \"c\"}"), "{\"tasks\": 3,\"s\": null}");
	CHECK_STR(M("{\"s\": null}", "{\"s\": \"a\"}"), "{\"tasks\": 2,\"s\": null}");
	CHECK_STR(M("{\"stage\": \"cat\"}", "{\"stage\": null}"), "ERR the files are the stats of different stages");
	{
		/* where: the dotted key, both types, the file that gave it */
		struct statsjson *acc, *b;
		struct statsjson_conflict c = { BUF_INIT, NULL, NULL, -1 };
		const char *why = NULL;
		const char *f[] = { "{\"n\": 1}", "{\"n\": 1, \"o\": {\"p\": {\"q\": [1]}}}", "{\"o\": {\"p\": {\"q\": 3}}}" };
		CHECK(statsjson_parse(f[0], strlen(f[0]), &acc, &why) == 0);
		for (int i = 1; i < 3; i++) {
			CHECK(statsjson_parse(f[i], strlen(f[i]), &b, &why) == 0);
			CHECK_INT(statsjson_merge_ex(acc, b, &why, &c), i == 1 ? 0 : SL_EFORMAT);
			statsjson_free(b);
		}
		CHECK_MEM(c.key.ptr, c.key.len, "o.p.q", 5);
		CHECK_STR(c.had ? c.had : "", "an array");
		CHECK_STR(c.got ? c.got : "", "a number");
		CHECK_INT(c.file, 1);
		statsjson_free(acc);
		buf_release(&c.key);
	}
	/* a `sluice stats` output (no "stage") and a stage's --stats: refused */
	CHECK_STR(M("{\"docs\": 1, \"bytes\": 2}", "{\"stage\": \"cat\", \"docs_in\": 1}"),
		  "ERR a stage's --stats and a `sluice stats` output cannot be merged");
	CHECK_STR(M("{\"stage\": \"cat\", \"docs_in\": 1}", "{\"docs\": 1, \"bytes\": 2}"),
		  "ERR a stage's --stats and a `sluice stats` output cannot be merged");
	/* a string only some files have becomes null, in either order, nested too */
	CHECK_STR(M("{\"stage\": \"cat\", \"shard\": \"0/2\"}", "{\"stage\": \"cat\"}"),
		  "{\"tasks\": 2,\"stage\": \"cat\",\"shard\": null}");
	CHECK_STR(M("{\"stage\": \"cat\"}", "{\"stage\": \"cat\", \"shard\": \"1/2\"}"),
		  "{\"tasks\": 2,\"stage\": \"cat\",\"shard\": null}");
	CHECK_STR(M("{\"o\": {\"s\": \"a\", \"n\": 1}}", "{\"o\": {\"n\": 2}}"),
		  "{\"tasks\": 2,\"o\": {\"s\": null,\"n\": 3}}");
	CHECK_STR(M("{\"n\": 1}", "{\"n\": 1, \"o\": {\"s\": \"a\", \"k\": 1}}"),
		  "{\"tasks\": 2,\"n\": 2,\"o\": {\"s\": null,\"k\": 1}}");
	/* ...and a string every file has stays */
	CHECK_STR(M("{\"f\": \"x\"}", "{\"f\": \"x\"}", "{\"f\": \"x\"}"), "{\"tasks\": 3,\"f\": \"x\"}");
	/* a "tasks" member of the inputs is replaced by the count of files */
	CHECK_STR(M("{\"tasks\": 4, \"n\": 1}", "{\"tasks\": 4, \"n\": 1}", "{\"n\": 1}"), "{\"tasks\": 3,\"n\": 3}");
	/* integers that would overflow long long are summed as doubles */
	CHECK_STR(M("{\"n\": 9223372036854775000}", "{\"n\": 9223372036854775000}"),
		  "{\"tasks\": 2,\"n\": 18446744073709549568.000000}");
	CHECK_STR(M("{\"n\": -9223372036854775000}", "{\"n\": -9223372036854775000}"),
		  "{\"tasks\": 2,\"n\": -18446744073709549568.000000}");
	/* doubles whose sum is not finite stay finite */
	CHECK(strncmp(M("{\"s\": 1.5e308}", "{\"s\": 1.5e308}"), "{\"tasks\": 2,\"s\": 1797693", 24) == 0);

	/* ratios keep their significant digits */
	CHECK_STR(M("{\"r\": 0.000123456}", "{\"r\": 0.000001}"), "{\"tasks\": 2,\"r\": 0.000124456}");
	/* summaries of numbers (sluice stats --numbers): buckets add up, the mean
	 * and the quantiles come from the merged sum, count and buckets */
	{
#define NUMS(v, b) "{\"numbers\": {\"x\": {\"count\": 1, \"sum\": " v ", \"min\": " v ", \"max\": " v \
	", \"mean\": " v ", \"quantiles\": {\"p50\": " v ", \"p99\": " v "}, \"sketch\": " \
	"{\"relative_accuracy\": 0.01, \"zero\": 0, \"positive\": {\"" b "\": 1}, \"negative\": {}}}}}"
		const char *m = M(NUMS("1", "0"), NUMS("2", "35"));
		CHECK_STR(m, "{\"tasks\": 2,\"numbers\": {\"x\": {\"count\": 2,\"sum\": 3,\"min\": 1,\"max\": 2,"
			     "\"mean\": 1.500000,\"quantiles\": {\"p50\": 1.000000,\"p99\": 1.993662},\"sketch\": "
			     "{\"relative_accuracy\": 0.01,\"zero\": 0,\"positive\": {\"0\": 1,\"35\": 1},\"negative\": {}}}}}");
		CHECK_STR(M(NUMS("1", "0"), "{\"numbers\": {\"x\": {\"sketch\": {\"relative_accuracy\": 0.02}}}}"),
			  "ERR sketches of different relative accuracy cannot be merged");
#undef NUMS
	}

	/* refused input */
	CHECK_STR(M("[1, 2]"), "PARSE not a JSON object");
	CHECK_STR(M("12"), "PARSE not a JSON object");
	CHECK_STR(M(""), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": 1"), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": 1} x"), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": 01}"), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": NaN}"), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": \"\xff\"}"), "PARSE not valid JSON");
	CHECK_STR(M("{\"a\": 1e999}"), "PARSE a number out of range");
	{
		/* 64 nested objects are fine, 65 are not */
		char deep[1024];
		for (int depth = 64; depth <= 65; depth++) {
			size_t k = 0;
			for (int i = 0; i < depth; i++, k += 5)
				memcpy(deep + k, "{\"a\":", 5);
			deep[k++] = '1';
			for (int i = 0; i < depth; i++)
				deep[k++] = '}';
			deep[k] = '\0';
			if (depth == 64)
				CHECK(strncmp(M(deep), "{\"tasks\": 1,\"a\": {", 18) == 0);
			else
				CHECK_STR(M(deep), "PARSE objects nested too deep");
		}
	}
	return check_done();
}
