/*
 * tmpclean.h - remove temporary files when the program is killed.
 *
 * Outputs are written under a temporary name and renamed when complete
 * (outstream.c, tokshard.c, ...); a stage stopped by SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGXCPU or SIGXFSZ would leave those
 * names behind.  A file registered here is
 * unlinked by a signal handler, which then re-raises the signal with its
 * default action, so the exit status stays 128+N.  The handlers are
 * installed on the first registration, and only for signals whose
 * disposition is the default (one that is ignored, as SIGINT is for a
 * background job of a script, stays ignored).  SIGPIPE is not touched:
 * cmd/main.c ignores it so that writes fail with EPIPE.
 *
 * The table is a fixed array of atomically set pointers, read by the
 * handler with nothing but unlink(); a full table only means the file is
 * not removed on a signal.  Thread safe.
 */
#ifndef SLUICE_TMPCLEAN_H
#define SLUICE_TMPCLEAN_H

#include <signal.h>

/* Register path (copied) for removal on a fatal signal.  Returns a slot
 * for tmpclean_remove, or -1 when the table is full or memory ran out
 * (nothing else to do: the file just stays behind on a signal). */
int tmpclean_add(const char *path);

/* Forget slot (a no-op for -1); call it once the file is renamed into
 * place or unlinked. */
void tmpclean_remove(int slot);

/* Register a temporary folder of numbered files: on a fatal signal the
 * files DIR/<prefix><n> for n < count (n printed as "%05u") are unlinked,
 * then DIR is removed.  Returns a slot for tmpclean_remove_dir, or -1 as
 * tmpclean_add. */
int tmpclean_add_dir(const char *dir, const char *prefix, unsigned count);
void tmpclean_remove_dir(int slot);

/* Block SIGTERM, SIGINT and SIGHUP in the calling thread (the old mask in
 * *old), so that threads created meanwhile inherit the block and the
 * handler runs on the main thread only, the one that registers and
 * removes names: a worker can never be in the handler while a name is
 * freed.  tmpclean_unblock restores *old.  Call around pthread_create. */
void tmpclean_block(sigset_t *old);
void tmpclean_unblock(const sigset_t *old);

#endif
