/*
 * fuzz_lmtext.c - cc_net's normalization (filters/lmtext.c) on any text:
 * the output must be valid UTF-8 without C0/C1 controls.
 *
 * Input: text, made valid UTF-8.
 */
#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "lmtext.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, out = BUF_INIT, tmp = BUF_INIT;

	if (utf8_sanitize(&in, (const char *)data, size, NULL) == 0 &&
	    lmtext_normalize(&out, &tmp, in.ptr, in.len) == 0) {
		if (utf8_valid_prefix(out.ptr, out.len) != out.len)
			abort();
		for (size_t i = 0; i < out.len; i++)
			if ((unsigned char)out.ptr[i] < 0x20 || out.ptr[i] == 0x7f)
				abort();
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&tmp);
	return 0;
}
