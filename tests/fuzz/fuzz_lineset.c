/*
 * fuzz_lineset.c - saved line-hash sets (dedup/lineset.c, `sluice dedup
 * lines --load`): header, per-shard counts against the total, each hash in
 * its shard, under a small memory budget.  A set that loads is saved and
 * loaded again: the same hashes must come back.
 *
 * Input: the file.
 */
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "fuzz.h"
#include "lineset.h"

static char file[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(file, sizeof(file), "%s/set", fuzz_tmpdir("lineset"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dd_budget budget = { 0, (size_t)64 << 20 }, budget2 = { 0, (size_t)64 << 20 };
	struct dd_lineset a, b;
	char path[64];
	int fd, rc;

	if ((fd = fuzz_memfd(data, size)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dd_lineset_init(&a, &budget);
	rc = dd_lineset_load(&a, path);
	close(fd);
	if (rc == 0) {
		dd_lineset_init(&b, &budget2);
		if (dd_lineset_save(&a, file) == 0) {
			if (dd_lineset_load(&b, file) != 0 || b.n != a.n)
				abort(); /* saved but not loaded back */
			/* every hash of b is in a (dd_lineset_add says "already there") */
			for (int i = 0; i < DD_LINESET_SHARDS; i++) {
				const struct dd_hashset *h = &b.shard[i];
				for (size_t k = 0; k < h->cap; k++)
					if (h->keys[k] && dd_lineset_add(&a, h->keys[k]) != 1)
						abort();
				if (h->has_zero && dd_lineset_add(&a, 0) != 1)
					abort();
			}
			unlink(file);
		}
		dd_lineset_release(&b);
	}
	dd_lineset_release(&a);
	return 0;
}
