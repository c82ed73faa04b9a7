/*
 * fuzz_bpecache.c - compiled vocabularies (tokenizer/compiled.c), the
 * files of sluice tok's cache: a file from anywhere must be refused or
 * load into tables that encode and decode without reading out of bounds
 * or looping.  Most inputs are resealed (their checksum rewritten) so that
 * mutations reach the checks behind the checksum; those whose first byte
 * is odd keep theirs, which must then fail unless untouched.
 */
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bpe.h"
#include "buf.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpe *b = NULL;
	struct bpe_err err = { NULL, 0 };
	struct buf c = BUF_INIT;
	int rc;

	if (size < 9)
		return 0;
	if (buf_add(&c, data + 1, size - 1))
		return 0;
	if (!(data[0] & 1)) {
		uint64_t sum = XXH3_64bits(c.ptr, c.len - 8);
		memcpy(c.ptr + c.len - 8, &sum, 8);
	}
	rc = bpe_load_compiled(&b, c.ptr, c.len, &err);
	if (rc == 0) {
		struct buf again = BUF_INIT;
		fuzz_bpe_exercise(b);
		/* what loaded compiles again, and that loads too */
		if (bpe_compile(b, &again) == 0) {
			struct bpe *b2 = NULL;
			if (bpe_load_compiled(&b2, again.ptr, again.len, &err) != 0)
				__builtin_trap();
			bpe_free(b2);
		}
		buf_release(&again);
		bpe_free(b);
	} else if (rc == SL_EFORMAT && !err.msg) {
		__builtin_trap(); /* a refusal says why */
	}
	buf_release(&c);
	return 0;
}
