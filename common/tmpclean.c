/*
 * tmpclean.c - remove temporary files when the program is killed (see
 * tmpclean.h).
 */
#include "tmpclean.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPCLEAN_SLOTS 256
#define TMPCLEAN_DIRS 16
#define TMPCLEAN_PATH 4352

struct tmpdir {
	char *dir, *prefix;
	unsigned count;
};

/* the signals whose default action ends the program that the handler
 * takes over (SIGPIPE is not one: see tmpclean.h): the usual three, the
 * ones batch systems send (Slurm's --signal is often USR1 or USR2, a CPU
 * time limit sends XCPU), QUIT, and XFSZ for a file size limit */
static const int fatal_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ };

static char *slots[TMPCLEAN_SLOTS];
static struct tmpdir *dirs[TMPCLEAN_DIRS];
static int installed;

/* dir/prefix<n as %05u> into out (at least TMPCLEAN_PATH bytes), with
 * nothing but async-signal-safe code; 0, or -1 when it does not fit. */
static int numbered_path(char *out, const struct tmpdir *d, unsigned n)
{
	char digits[16];
	size_t len = 0, k = 0;
	const char *parts[2] = { d->dir, d->prefix };

	for (int p = 0; p < 2; p++) {
		for (const char *c = parts[p]; *c; c++) {
			if (len + 32 >= TMPCLEAN_PATH)
				return -1;
			out[len++] = *c;
		}
		if (p == 0)
			out[len++] = '/';
	}
	do {
		digits[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (k < 5)
		digits[k++] = '0';
	while (k)
		out[len++] = digits[--k];
	out[len] = '\0';
	return 0;
}

static void on_fatal_signal(int sig)
{
	int e = errno;

	for (int i = 0; i < TMPCLEAN_SLOTS; i++) {
		char *p = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
		if (p)
			unlink(p);
	}
	for (int i = 0; i < TMPCLEAN_DIRS; i++) {
		struct tmpdir *d = __atomic_load_n(&dirs[i], __ATOMIC_ACQUIRE);
		char path[TMPCLEAN_PATH];
		if (!d)
			continue;
		for (unsigned n = 0; n < d->count; n++)
			if (numbered_path(path, d, n) == 0)
				unlink(path);
		rmdir(d->dir);
	}
	errno = e;
	/* SA_RESETHAND restored the default action; the signal is blocked
	 * in here and ends the process when the handler returns */
	raise(sig);
}

static void install(void)
{
	int expected = 0;

	if (!__atomic_compare_exchange_n(&installed, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		struct sigaction sa, old;
		if (sigaction(fatal_sigs[i], NULL, &old) || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(fatal_sigs[i], &sa, NULL);
	}
}

int tmpclean_add(const char *path)
{
	char *copy;

	install();
	if (!(copy = strdup(path)))
		return -1;
	for (int i = 0; i < TMPCLEAN_SLOTS; i++) {
		char *expected = NULL;
		if (__atomic_compare_exchange_n(&slots[i], &expected, copy, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return i;
	}
	free(copy);
	return -1;
}

void tmpclean_remove(int slot)
{
	char *p;

	if (slot < 0 || slot >= TMPCLEAN_SLOTS)
		return;
	p = __atomic_exchange_n(&slots[slot], NULL, __ATOMIC_ACQ_REL);
	free(p);
}

int tmpclean_add_dir(const char *dir, const char *prefix, unsigned count)
{
	struct tmpdir *d;

	install();
	if (!(d = calloc(1, sizeof(*d))))
		return -1;
	d->dir = strdup(dir);
	d->prefix = strdup(prefix);
	d->count = count;
	if (d->dir && d->prefix)
		for (int i = 0; i < TMPCLEAN_DIRS; i++) {
			struct tmpdir *expected = NULL;
			if (__atomic_compare_exchange_n(&dirs[i], &expected, d, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return i;
		}
	free(d->dir);
	free(d->prefix);
	free(d);
	return -1;
}

void tmpclean_remove_dir(int slot)
{
	struct tmpdir *d;

	if (slot < 0 || slot >= TMPCLEAN_DIRS)
		return;
	d = __atomic_exchange_n(&dirs[slot], NULL, __ATOMIC_ACQ_REL);
	if (d) {
		free(d->dir);
		free(d->prefix);
		free(d);
	}
}

void tmpclean_block(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaddset(&set, fatal_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void tmpclean_unblock(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
