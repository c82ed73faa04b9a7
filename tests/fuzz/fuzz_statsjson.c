/*
 * fuzz_statsjson.c - `sluice stats --merge` (common/statsjson.c): up to
 * four --stats files parsed, merged into the first, written; what is
 * written must be valid JSON that statsjson_parse reads back (merged
 * stats are merged again, per node then overall).
 *
 * Input: the files, separated by "\n%%SLUICE_FILE%%\n".
 */
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "json.h"
#include "statsjson.h"

#define SEP "\n%%SLUICE_FILE%%\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statsjson *acc = NULL, *j, *back = NULL;
	struct buf out = BUF_INIT;
	const char *why;
	const uint8_t *a, *rest = data;
	size_t an, rn = size;
	int files = 0;

	while (files < 4) {
		int more = fuzz_split(rest, rn, SEP, &a, &an, &rest, &rn);
		int rc = statsjson_parse((const char *)a, an, &j, &why);
		if (rc == SL_EFORMAT && !why)
			abort(); /* a refusal says why */
		if (rc)
			goto out;
		files++;
		if (!acc) {
			acc = j;
		} else {
			rc = statsjson_merge(acc, j, &why);
			statsjson_free(j);
			if (rc)
				goto out;
		}
		if (!more)
			break;
	}
	if (statsjson_write(acc, files, &out) == 0) {
		const char *after;
		struct json_err e;
		if (json_scan_value(out.ptr, out.ptr, out.ptr + out.len, &after, &e) || after != out.ptr + out.len - 1 ||
		    *after != '\n')
			abort(); /* not one JSON value and a newline */
		if (statsjson_parse(out.ptr, out.len, &back, &why) != 0)
			abort(); /* cannot be read back */
	}
out:
	statsjson_free(back);
	statsjson_free(acc);
	buf_release(&out);
	return 0;
}
