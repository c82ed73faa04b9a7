/*
 * fuzz_bpe.c - BPE encoding of arbitrary bytes (tokenizer/bpe.c) with real
 * vocabularies: cl100k_base (tiktoken ranks) and GPT-2 (encoder.json +
 * vocab.bpe, merges as Hugging Face applies them), loaded once from the
 * shared data; when that is absent, a small built-in rank table.  Every
 * encoding must decode back to the input bytes.
 *
 * Input: byte 0 picks the vocabulary and whether the split pattern runs
 * (bpe_encode) or the bytes are one piece (bpe_encode_piece); the rest is
 * the text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bpe.h"
#include "buf.h"
#include "error.h"
#include "fuzz.h"

static struct bpe *vocab[2];
static struct bpe_work *work[2];
static int nvocab;

/* 256 single bytes and every pair of " etaoinshrdlu" (enough to merge) */
static struct bpe *builtin(void)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char common[] = " etaoinshrdlu";
	struct buf t = BUF_INIT;
	struct bpe *b = NULL;
	struct bpe_err err;
	const struct bpe_named *nm = bpe_named("r50k_base");
	unsigned rank = 0;

	for (int i = 0; i < 256; i++) {
		unsigned v = (unsigned)i << 16;
		buf_addf(&t, "%c%c== %u\n", b64[(v >> 18) & 63], b64[(v >> 12) & 63], rank++);
	}
	for (int i = 0; common[i]; i++)
		for (int j = 0; common[j]; j++) {
			unsigned v = (unsigned)(unsigned char)common[i] << 16 | (unsigned)(unsigned char)common[j] << 8;
			buf_addf(&t, "%c%c%c= %u\n", b64[(v >> 18) & 63], b64[(v >> 12) & 63],
				 b64[(v >> 6) & 63], rank++);
		}
	if (bpe_load_tiktoken_mem(&b, t.ptr, t.len, nm->pattern, NULL, NULL, 0, &err))
		b = NULL;
	buf_release(&t);
	return b;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p1[4096], p2[4096], p3[4096];
	const char *d = fuzz_shared_data();
	struct bpe_err err;
	(void)argc;
	(void)argv;

	snprintf(p1, sizeof(p1), "%s/tokenizers/cl100k_base.tiktoken", d);
	snprintf(p2, sizeof(p2), "%s/tokenizers/cl100k_base.meta.json", d);
	if (bpe_load_tiktoken_meta(&vocab[nvocab], p1, p2, &err) == 0)
		nvocab++;
	snprintf(p1, sizeof(p1), "%s/tokenizers/gpt2-encoder.json", d);
	snprintf(p3, sizeof(p3), "%s/tokenizers/gpt2-vocab.bpe", d);
	if (bpe_load_gpt2(&vocab[nvocab], p1, p3, &err) == 0)
		nvocab++;
	if (nvocab == 0) {
		fprintf(stderr, "fuzz_bpe: no vocabulary under %s/tokenizers; using a built-in one\n", d);
		if ((vocab[0] = builtin()))
			nvocab = 1;
	}
	if (nvocab == 0)
		abort();
	for (int i = 0; i < nvocab; i++)
		if (bpe_work_new(vocab[i], &work[i]))
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpe_ids ids = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	size_t bad;
	int v, rc;

	if (size < 1)
		return 0;
	v = (data[0] & 1) % nvocab;
	if (data[0] & 2)
		rc = bpe_encode_piece(vocab[v], work[v], data + 1, size - 1, &ids);
	else
		rc = bpe_encode(vocab[v], work[v], (const char *)data + 1, size - 1, &ids);
	if (rc == 0) {
		/* byte-level BPE is lossless */
		if (bpe_decode(vocab[v], ids.v, ids.n, &out, &bad) != 0 || out.len != size - 1 ||
		    memcmp(out.ptr, data + 1, size - 1) != 0)
			abort();
	}
	bpe_ids_release(&ids);
	buf_release(&out);
	return 0;
}
