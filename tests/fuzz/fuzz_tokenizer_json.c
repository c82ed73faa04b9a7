/*
 * fuzz_tokenizer_json.c - the Hugging Face tokenizer.json loader
 * (tokenizer/load.c: BPE model, byte-level pre-tokenizer, optional Split
 * with its own regex, merges, added tokens); a vocabulary that loads then
 * encodes and decodes a few lines.
 */
#include "bpe.h"
#include "error.h"
#include "fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpe *b;
	struct bpe_err err = { NULL, 0 };

	if (bpe_load_hf_mem(&b, (const char *)data, size, &err) == 0) {
		fuzz_bpe_exercise(b);
		bpe_free(b);
	}
	return 0;
}
