/*
 * fuzz_bpetrain.c - BPE training (tokenizer/train.c) on pieces from the
 * input: every merge's result must be the bytes of its two parts, ids must
 * be in range, and the vocabulary must not pass its size.
 *
 * Input: byte 0 the vocabulary size above 256 (times 4), then pieces
 * separated by '\n'.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const special[] = { "<|endoftext|>" };
	struct bpet_opts o = { 0 };
	struct bpet *t;
	size_t i, start = 1;

	if (size < 1)
		return 0;
	o.vocab_size = 257 + 4u * data[0];
	o.all_bytes = data[0] & 1;
	o.special = special;
	o.nspecial = data[0] & 2 ? 1 : 0;
	if (bpet_new(&t, &o))
		return 0;
	for (i = 1; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i > start && bpet_add(t, data + start, i - start)) {
				bpet_free(t);
				return 0;
			}
			start = i + 1;
		}
	}
	if (bpet_train(t) == 0) {
		uint32_t n = bpet_ntokens(t);
		if (n > o.vocab_size && n > 256 + o.nspecial)
			abort();
		for (size_t k = 0; k < bpet_nmerges(t); k++) {
			uint32_t l, r, x;
			size_t ln, rn, xn;
			const unsigned char *lp, *rp, *xp;
			bpet_merge(t, k, &l, &r, &x);
			if (l >= n || r >= n || x >= n)
				abort();
			lp = bpet_token(t, l, &ln);
			rp = bpet_token(t, r, &rn);
			xp = bpet_token(t, x, &xn);
			if (xn != ln + rn || memcmp(xp, lp, ln) || memcmp(xp + ln, rp, rn))
				abort();
		}
	}
	bpet_free(t);
	return 0;
}
