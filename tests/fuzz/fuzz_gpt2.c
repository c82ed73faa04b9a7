/*
 * fuzz_gpt2.c - the GPT-2 vocabulary loader (tokenizer/load.c:
 * encoder.json + vocab.bpe), then encode/decode of a few lines.  The loader
 * takes paths, so the two parts are written to a private temporary folder.
 *
 * Input: encoder.json, "\n%%SLUICE_FILE%%\n", vocab.bpe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpe.h"
#include "error.h"
#include "fuzz.h"

#define SEP "\n%%SLUICE_FILE%%\n"

static char enc[96], voc[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(enc, sizeof(enc), "%s/encoder.json", fuzz_tmpdir("gpt2"));
	snprintf(voc, sizeof(voc), "%s/vocab.bpe", fuzz_tmpdir("gpt2"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *a, *b;
	size_t an, bn;
	struct bpe *v;
	struct bpe_err err = { NULL, 0 };

	fuzz_split(data, size, SEP, &a, &an, &b, &bn);
	if (fuzz_write_file(enc, a, an) || fuzz_write_file(voc, b, bn))
		return 0;
	if (bpe_load_gpt2(&v, enc, voc, &err) == 0) {
		fuzz_bpe_exercise(v);
		bpe_free(v);
	}
	return 0;
}
