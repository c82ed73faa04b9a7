/*
 * replay.c - run saved inputs through a fuzz target without libFuzzer.
 *
 *   replay-TARGET DIR|FILE...
 *
 * Every regular file of each DIR (sorted by name, not recursive) and every
 * FILE is passed to LLVMFuzzerTestOneInput once, in the same process, as
 * libFuzzer would.  A missing DIR counts as empty.  A crash is the
 * sanitizer's (or the kernel's) to report; a clean run prints
 * "TARGET: N inputs replayed" and exits 0.  This is how the corpus and the
 * regression inputs run as ordinary `meson test` cases, with gcc and no
 * clang runtime (and under ASan/UBSan in build-asan/).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* One input, read whole (the corpus files are small; cap 64 MiB). */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t n = 0, cap = 0;
	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t r;
		if (n == cap) {
			uint8_t *p;
			cap = cap ? cap * 2 : 65536;
			if (cap > ((size_t)64 << 20) || !(p = realloc(data, cap))) {
				fprintf(stderr, "replay: '%s': too large\n", path);
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		r = fread(data + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* an exact-size copy, so ASan sees a read past the end of the input */
	{
		uint8_t *exact = malloc(n ? n : 1);
		if (!exact) {
			free(data);
			return -1;
		}
		memcpy(exact, data, n);
		free(data);
		if (getenv("REPLAY_VERBOSE"))
			fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	size_t count = 0;
	int bad = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		char **names = NULL;
		size_t nn = 0, cap = 0;

		if (stat(argv[i], &st) < 0) {
			if (errno == ENOENT)
				continue; /* an empty regress/ folder need not exist */
			fprintf(stderr, "replay: '%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				bad = 1;
			else
				count++;
			continue;
		}
		if (!(d = opendir(argv[i]))) {
			fprintf(stderr, "replay: '%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (nn == cap) {
				char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
				if (!p)
					return 1;
				names = p;
			}
			if (!(names[nn++] = strdup(de->d_name)))
				return 1;
		}
		closedir(d);
		qsort(names, nn, sizeof(*names), cmp);
		for (size_t j = 0; j < nn; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(path))
					bad = 1;
				else
					count++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("%s: %zu inputs replayed\n", name, count);
	return bad;
}
