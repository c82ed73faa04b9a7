/*
 * check.h - the table-driven unit tests' tiny harness.
 *
 * Each tests/unit/test_*.c is one executable run by `meson test`.  CHECK()
 * records a failure with file:line and carries on, so one run reports every
 * broken case; check_done() prints "N checks, N failed" and gives the exit
 * status meson reads (0 pass, 1 fail).
 */
#ifndef SLUICE_TEST_CHECK_H
#define SLUICE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count_, check_failed_;

#define CHECK(cond) \
	do { \
		check_count_++; \
		if (!(cond)) { \
			check_failed_++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

/* Compare two byte ranges; prints both on mismatch (escaped, truncated). */
#define CHECK_MEM(got, gotlen, want, wantlen) \
	check_mem_(__FILE__, __LINE__, (const char *)(got), (gotlen), (const char *)(want), (wantlen))
#define CHECK_STR(got, want) CHECK_MEM((got), strlen(got), (want), strlen(want))
#define CHECK_INT(got, want) \
	do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		check_count_++; \
		if (g_ != w_) { \
			check_failed_++; \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
		} \
	} while (0)

static inline void check_print_(const char *s, size_t n)
{
	size_t i;
	fputc('"', stderr);
	for (i = 0; i < n && i < 400; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') fputs("\\n", stderr);
		else if (c == '"' || c == '\\') fprintf(stderr, "\\%c", c);
		else if (c < 0x20 || c == 0x7f) fprintf(stderr, "\\x%02x", c);
		else fputc(c, stderr);
	}
	fputs(i < n ? "\"..." : "\"", stderr);
}

static inline void check_mem_(const char *file, int line, const char *got, size_t gl,
		       const char *want, size_t wl)
{
	check_count_++;
	if (gl == wl && memcmp(got, want, gl) == 0)
		return;
	check_failed_++;
	fprintf(stderr, "%s:%d: got ", file, line);
	check_print_(got, gl);
	fputs("\n    want ", stderr);
	check_print_(want, wl);
	fputc('\n', stderr);
}

/* The tests' reproducible random numbers (xorshift64; *x nonzero). */
static inline unsigned long long check_rand(unsigned long long *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Append count strings picked at random from atoms[natoms] to dst[len..]
 * (cap bytes in all; what does not fit is left out); the new length. */
static inline size_t check_atoms(char *dst, size_t len, size_t cap, const char *const *atoms,
				 size_t natoms, int count, unsigned long long *x)
{
	int k;
	for (k = 0; k < count; k++) {
		const char *a = atoms[(check_rand(x) >> 11) % natoms];
		size_t n = strlen(a);
		if (len + n > cap)
			break;
		memcpy(dst + len, a, n);
		len += n;
	}
	return len;
}

static inline int check_done(void)
{
	printf("%d checks, %d failed\n", check_count_, check_failed_);
	return check_failed_ ? 1 : 0;
}

#endif
