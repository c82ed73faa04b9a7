/*
 * tmpclean.c - remove temporary files when the program is killed (see
 * tmpclean.h).
 */
#include "tmpclean.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPCLEAN_SLOTS 256

static char *slots[TMPCLEAN_SLOTS];
static int installed;

static void on_fatal_signal(int sig)
{
	int e = errno;

	for (int i = 0; i < TMPCLEAN_SLOTS; i++) {
		char *p = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
		if (p)
			unlink(p);
	}
	errno = e;
	/* SA_RESETHAND restored the default action; the signal is blocked
	 * in here and ends the process when the handler returns */
	raise(sig);
}

static void install(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int expected = 0;

	if (!__atomic_compare_exchange_n(&installed, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(sigs[i], &sa, NULL);
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
