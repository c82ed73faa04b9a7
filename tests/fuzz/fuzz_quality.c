/*
 * fuzz_quality.c - the quality rules (filters/quality.c: Gopher,
 * Gopher repetition, C4 with its rewrite, FineWeb) on arbitrary text, made
 * valid UTF-8 first as the document reader guarantees; both the early-exit
 * and the all-signals modes.
 */
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "quality.h"
#include "utf8.h"

static struct qparams params;
static struct quality q;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (qparams_init(&params))
		abort();
	quality_init(&q);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf t = BUF_INIT;
	struct qresult r;

	if (utf8_sanitize(&t, (const char *)data, size, NULL) == 0) {
		for (int all = 0; all < 2; all++) {
			q.all_signals = all;
			for (int rule = 0; rule < Q_NRULES; rule++) {
				if (quality_eval(&q, (enum qrule)rule, &params, t.ptr, t.len, &r) == 0 &&
				    r.rewritten && utf8_valid_prefix(q.out.ptr, q.out.len) != q.out.len)
					abort(); /* C4's rewrite must stay UTF-8 */
			}
		}
	}
	buf_release(&t);
	return 0;
}
