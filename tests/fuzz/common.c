/*
 * common.c - helpers every fuzz target links (see fuzz.h).
 */
#include <stdlib.h>

#include "bpe.h"
#include "buf.h"
#include "config.h"
#include "fuzz.h"

const char *fuzz_shared_data(void)
{
	const char *e = getenv("SLUICE_SHARED_DATA");
	return e && *e ? e : SLUICE_SOURCE_DIR "/../shared/data";
}

static const char *const lines[] = {
	"hello world", "  don't STOP 12345 \xe4\xbd\xa0\xe5\xa5\xbd\n\n", "\xff\xfe bad \x80",
	"<|endoftext|>",
};

void fuzz_bpe_exercise(const struct bpe *b)
{
	struct bpe_work *w;
	struct bpe_ids ids = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	size_t bad;

	(void)bpe_vocab_size(b);
	(void)bpe_special(b, "<|endoftext|>");
	if (bpe_work_new(b, &w))
		return;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ids.n = 0;
		if (bpe_encode(b, w, lines[i], strlen(lines[i]), &ids) == 0) {
			buf_reset(&out);
			bpe_decode(b, ids.v, ids.n, &out, &bad);
		}
	}
	bpe_ids_release(&ids);
	buf_release(&out);
	bpe_work_free(w);
}
