/*
 * fuzz_arpa.c - the ARPA loader (filters/lm.c: sections, counts, numbers,
 * words, blanks), then scoring, then the model written as .slm and loaded
 * back: both must give the same scores.
 *
 * Input: an ARPA file (plain; gzip/zstd are detected too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fuzz.h"
#include "lm.h"

static int to_buf(void *ctx, const void *p, size_t n)
{
	return buf_add(ctx, p, n);
}

/* Score a few sequences made of the input's bytes as word ids. */
static double exercise(const struct lm_model *m, const uint8_t *d, size_t n)
{
	uint32_t ids[16];
	double sum = 0;
	size_t k, i;

	for (k = 0; k < 4; k++) {
		for (i = 0; i < 16; i++)
			ids[i] = n ? d[(k * 16 + i) % n] % (m->nwords + 2) : (uint32_t)i;
		sum += lm_score_ids(m, ids, 16, k & 1, k & 2);
	}
	(void)lm_word_id(m, "the", 3);
	(void)lm_word(m, m->nwords - 1);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct lm_model *m = NULL, *b = NULL;
	const char *why;
	int fd = fuzz_memfd(data, size), fd2;
	struct buf out = BUF_INIT;

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (lm_load_arpa(path, &m, &why, NULL) == 0) {
		double s1 = exercise(m, data, size);
		if (lm_write_binary(m, to_buf, &out) == 0 &&
		    (fd2 = fuzz_memfd((const uint8_t *)out.ptr, out.len)) >= 0) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd2);
			if (lm_load_binary(path, &b, &why) != 0)
				abort(); /* what sluice writes, sluice must read */
			if (exercise(b, data, size) != s1 && s1 == s1)
				abort(); /* the binary must score as the ARPA text */
			lm_free(b);
			close(fd2);
		}
		lm_free(m);
	}
	buf_release(&out);
	close(fd);
	return 0;
}
