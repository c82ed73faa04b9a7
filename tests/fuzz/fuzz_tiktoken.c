/*
 * fuzz_tiktoken.c - the tiktoken rank-file loader (tokenizer/load.c):
 * "<base64 bytes> <rank>" lines from arbitrary bytes, with cl100k_base's
 * pattern and special tokens; a vocabulary that loads then encodes and
 * decodes a few lines.
 */
#include <stdlib.h>

#include "bpe.h"
#include "buf.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bpe_named *nm = bpe_named("cl100k_base");
	struct bpe *b;
	struct bpe_err err = { NULL, 0 };
	size_t ns = 0;

	while (nm->special_text[ns])
		ns++;
	if (bpe_load_tiktoken_mem(&b, (const char *)data, size, nm->pattern, nm->special_text,
				  nm->special_id, ns, &err) == 0) {
		fuzz_bpe_exercise(b);
		bpe_free(b);
	}
	return 0;
}
