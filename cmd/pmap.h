/*
 * pmap.h - the documents of a stage worked on by a pool of threads and
 * written in input order (an ordered parallel map over stage_next).
 *
 * The calling thread reads, writes and works too: --threads N runs N - 1
 * more threads, so N cores are busy and no more.  Documents wait in a ring
 * (at most PMAP_SLOTS of them and about PMAP_BYTES of raw JSON, what the
 * work adds to them on top; a slot keeps buffers of PMAP_BYTES / PMAP_SLOTS
 * for the next document, larger ones are freed), so memory stays bounded
 * whatever the input; threads take runs of consecutive ones, and a
 * document is written as soon as it and every one before it are done, so
 * reading, working and writing overlap and no thread waits for a batch to
 * finish.  With one thread it is a plain loop over one document.
 *
 * What differs from one thread, because reading runs ahead of writing:
 * problems of lines read ahead are printed when read, so a `failed`
 * report of a document can come after them; and when the output closes
 * early, lines read ahead of it may have been reported and counted in
 * --stats (marked "complete": false then), though the exit status stays
 * 0 as with one thread.
 */
#ifndef SLUICE_PMAP_H
#define SLUICE_PMAP_H

#include <stdint.h>

#include "stage.h"

#define PMAP_SLOTS 1024
#define PMAP_BYTES ((size_t)32 << 20)

struct pmap {
	int nthreads;                 /* >= 1 */
	/* Work on one document, on thread t (0 .. nthreads - 1; each t is
	 * one thread at a time, so per-thread scratch indexed by t needs no
	 * lock).  Returns 0 or an SL_ error code; *count (0 on entry) is
	 * added to the total of the documents written. */
	int (*work)(void *arg, int t, struct doc *d, uint64_t *count);
	/* On the calling thread, in order, for a document whose work failed
	 * (it is not written): report it, e.g. with stage_unreadable. */
	void (*failed)(void *arg, struct stage *st, struct doc *d, int rc);
	void *arg;
};

/* Read every document of st, work on each and emit those whose work
 * succeeded, in input order; *total: the sum of their counts.  Returns 0,
 * or SL_ENOMEM (reported) when the pool could not be set up; stops early,
 * returning 0, when the output closes or fails (st->failed says which). */
int pmap_run(struct stage *st, const struct pmap *pm, uint64_t *total);

#endif
