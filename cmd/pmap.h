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
/* A slot keeps its buffers for the next document up to this size, so that
 * what the ring holds between documents stays near PMAP_BYTES; callers
 * with per-slot data do the same. */
#define PMAP_SLOT_KEEP (PMAP_BYTES / PMAP_SLOTS)
/* A worker's scratch grows with the largest document it has seen (often
 * several bytes per byte of text); after a document whose text is larger
 * than this, the work functions release it, so that N threads do not each
 * keep the memory of the largest document. */
#define PMAP_BIG_DOC ((size_t)1 << 20)

/* A document in the ring. */
struct pmap_item {
	struct doc d;
	uint64_t index;               /* its number in the input: st->docs_in - 1 when read */
	unsigned slot;                /* its place, 0 .. pmap_slots() - 1, for the caller's
					 per-document data (free while it is being worked on
					 or written) */
	uint64_t count;               /* 0 before work; added to the total when written */
	/* When the work fails and the run stops there (pmap.failed NULL):
	 * the message, else msg_code(rc, what) (NULL: pmap.what).  Both
	 * NULL before work; the strings must outlive the run. */
	const char *err, *what;
};

struct pmap {
	int nthreads;                 /* >= 1 */
	/* Work on one document, on thread t (0 .. nthreads - 1; each t is
	 * one thread at a time, so per-thread scratch indexed by t needs no
	 * lock).  Returns 0 or an SL_ error code. */
	int (*work)(void *arg, int t, struct pmap_item *x);
	/* On the calling thread, in order, for a document whose work failed
	 * (it is not written): report it, e.g. with stage_unreadable, and
	 * return 0 to go on, or -1 to stop there (with st->failed set).
	 * NULL: the run stops at that document, as a loop over one document
	 * would: its message (pmap_item.err or .what) is printed when its
	 * turn comes, st->failed set, nothing after it written. */
	int (*failed)(void *arg, struct stage *st, struct pmap_item *x, int rc);
	const char *what;             /* (failed NULL) the default context of
					 the message, e.g. "scoring a document" */
	/* Optional: on the calling thread, in order, write a document whose
	 * work succeeded, instead of stage_emit.  0, or -1 to stop reading
	 * (the output failed, with st->failed set, or it closed). */
	int (*emit)(void *arg, struct stage *st, struct pmap_item *x);
	void *arg;
};

/* How many slots the ring has: per-document data of the caller is an
 * array of this many, indexed by pmap_item.slot. */
size_t pmap_slots(const struct pmap *pm);

/* The caller's per-thread scratch, *threads: pm->nthreads structs of size
 * bytes (a multiple of 128: declare them aligned(128), so that no two
 * threads write one cache line), and per-document data, *slots:
 * pmap_slots() of slot bytes (0: none); both zeroed.  0, or SL_ENOMEM;
 * free() both either way. */
int pmap_alloc(const struct pmap *pm, size_t size, void **threads, size_t slot, void **slots);

/* Read every document of st, work on each and emit those whose work
 * succeeded, in input order; *total: the sum of their counts.  Returns 0,
 * or SL_ENOMEM (reported) when the pool could not be set up; stops early,
 * returning 0, when the output closes or fails (st->failed says which). */
int pmap_run(struct stage *st, const struct pmap *pm, uint64_t *total);

#endif
