/*
 * fuzz_slm.c - the binary model loader (filters/lm.c lm_load_binary: every
 * size, offset and terminator checked against the file), then look-ups and
 * scoring, which must stay inside the mapped tables whatever the file says.
 *
 * Input: a .slm file.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct lm_model *m = NULL;
	const char *why;
	int fd = fuzz_memfd(data, size);

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (lm_load_binary(path, &m, &why) == 0) {
		uint32_t ids[12];
		struct lm_state s;
		for (size_t i = 0; i < 12; i++)
			ids[i] = size ? data[(i * 7) % size] % (m->nwords + 1) : (uint32_t)i;
		(void)lm_score_ids(m, ids, 12, 1, 1);
		lm_state_null(&s);
		for (size_t i = 0; i < 12; i++)
			(void)lm_score_word(m, &s, ids[i], NULL);
		(void)lm_word_id(m, "looking", 7);
		(void)lm_word_id(m, "", 0);
		for (uint32_t i = 0; i < m->nwords && i < 64; i++)
			(void)lm_word(m, i);
		lm_free(m);
	}
	close(fd);
	return 0;
}
