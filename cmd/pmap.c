/*
 * pmap.c - an ordered parallel map over the documents of a stage (pmap.h).
 *
 * Slots are numbered by three counters that only grow: head (the next to
 * write) <= claim (the next to work on) <= tail (the next to read into);
 * slot i lives at s[i % cap].  Only the calling thread reads into slots at
 * and after tail and writes out the slot at head; a worker owns the slots
 * it claimed until it marks them done.  One mutex guards the counters and
 * the done flags; the documents themselves are touched without it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "msg.h"
#include "pmap.h"
#include "tmpclean.h"

#define CLAIM_MAX 16    /* the most documents taken at once */
#define READ_MAX 16     /* the most read between two looks at the counters */

struct pm_slot {
	struct pmap_item x;
	size_t bytes;
	int rc;
	int done;
};

struct pm_state {
	const struct pmap *pm;
	struct pm_slot *s;
	size_t cap, head, claim, tail, bytes;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t work;    /* a slot was read, or stop */
	pthread_cond_t ready;   /* the slot at head is done */
};

struct pm_thread {
	struct pm_state *ps;
	int t;
	pthread_t id;
};

/* Under the lock: take a run of unclaimed slots, fewer when few are
 * waiting so that every thread gets some. */
static size_t claim_run(struct pm_state *ps, size_t *first)
{
	size_t avail = ps->tail - ps->claim, k = avail / (2 * (size_t)ps->pm->nthreads);
	if (k < 1)
		k = 1;
	if (k > CLAIM_MAX)
		k = CLAIM_MAX;
	*first = ps->claim;
	ps->claim += k;
	return k;
}

/* Work on the run [first, first + k) without the lock, then mark it done
 * (called and returning with the lock held). */
static void work_run(struct pm_state *ps, int t, size_t first, size_t k)
{
	size_t i;
	pthread_mutex_unlock(&ps->mu);
	for (i = first; i < first + k; i++) {
		struct pm_slot *x = &ps->s[i % ps->cap];
		x->x.count = 0;
		x->x.err = x->x.what = NULL;
		x->rc = ps->pm->work(ps->pm->arg, t, &x->x);
	}
	pthread_mutex_lock(&ps->mu);
	for (i = first; i < first + k; i++)
		ps->s[i % ps->cap].done = 1;
	if (first == ps->head)
		pthread_cond_signal(&ps->ready);
}

static void *worker(void *arg)
{
	struct pm_thread *th = arg;
	struct pm_state *ps = th->ps;
	pthread_mutex_lock(&ps->mu);
	for (;;) {
		size_t first, k;
		while (!ps->stop && ps->claim == ps->tail)
			pthread_cond_wait(&ps->work, &ps->mu);
		if (ps->stop)
			break;
		k = claim_run(ps, &first);
		work_run(ps, th->t, first, k);
	}
	pthread_mutex_unlock(&ps->mu);
	return NULL;
}

size_t pmap_slots(const struct pmap *pm)
{
	return pm->nthreads > 1 ? PMAP_SLOTS : 1;
}

int pmap_alloc(const struct pmap *pm, size_t size, void **threads, size_t slot, void **slots)
{
	*slots = NULL;
	if (!(*threads = aligned_alloc(128, (size_t)pm->nthreads * size)))
		return SL_ENOMEM;
	memset(*threads, 0, (size_t)pm->nthreads * size);
	if (slot && !(*slots = calloc(pmap_slots(pm), slot)))
		return SL_ENOMEM;
	return 0;
}

/* A document whose work succeeded: 0, or -1 to stop. */
static int emit(struct stage *st, const struct pmap *pm, struct pmap_item *x)
{
	if (pm->emit)
		return pm->emit(pm->arg, st, x) ? -1 : 0;
	return stage_emit(st, &x->d) ? -1 : 0;
}

/* A document whose work failed, reported: 0 to go on, or -1 to stop. */
static int failed(struct stage *st, const struct pmap *pm, struct pmap_item *x, int rc)
{
	if (pm->failed)
		return pm->failed(pm->arg, st, x, rc) ? -1 : 0;
	if (x->err)
		msg("%s", x->err);
	else
		msg_code(rc, "%s", x->what ? x->what : pm->what ? pm->what : "document");
	st->failed = 1;
	return -1;
}

static int run_serial(struct stage *st, const struct pmap *pm, uint64_t *total)
{
	struct pmap_item x = { 0 };
	doc_init(&x.d);
	while (stage_next(st, &x.d) > 0) {
		int rc;
		x.index = st->docs_in - 1;
		x.count = 0;
		x.err = x.what = NULL;
		if ((rc = pm->work(pm->arg, 0, &x))) {
			if (failed(st, pm, &x, rc))
				break;
			continue;
		}
		*total += x.count;
		if (emit(st, pm, &x))
			break;
	}
	doc_release(&x.d);
	return 0;
}

int pmap_run(struct stage *st, const struct pmap *pm, uint64_t *total)
{
	struct pm_state ps = { 0 };
	struct pm_thread *th = NULL;
	size_t i, started = 0;
	int input_done = 0;

	*total = 0;
	if (pm->nthreads <= 1)
		return run_serial(st, pm, total);
	ps.pm = pm;
	ps.cap = PMAP_SLOTS;
	if (!(ps.s = calloc(ps.cap, sizeof(*ps.s))) || !(th = calloc((size_t)pm->nthreads, sizeof(*th)))) {
		free(ps.s);
		msg_code(SL_ENOMEM, "out of memory");
		st->failed = 1;
		return SL_ENOMEM;
	}
	for (i = 0; i < ps.cap; i++) {
		doc_init(&ps.s[i].x.d);
		ps.s[i].x.slot = (unsigned)i;
	}
	pthread_mutex_init(&ps.mu, NULL);
	pthread_cond_init(&ps.work, NULL);
	pthread_cond_init(&ps.ready, NULL);
	{
		sigset_t old;
		tmpclean_block(&old); /* the workers never run tmpclean's handler */
		for (i = 1; i < (size_t)pm->nthreads; i++) {
			th[i].ps = &ps;
			th[i].t = (int)i;
			if (pthread_create(&th[i].id, NULL, worker, &th[i]))
				break; /* fewer threads: slower, not wrong */
			started = i;
		}
		tmpclean_unblock(&old);
	}

	pthread_mutex_lock(&ps.mu);
	for (;;) {
		size_t room, n, first, k;
		/* write what is done, in order */
		while (ps.head < ps.tail && ps.s[ps.head % ps.cap].done) {
			struct pm_slot *x = &ps.s[ps.head % ps.cap];
			int stopped = 0;
			pthread_mutex_unlock(&ps.mu);
			if (x->rc) {
				stopped = failed(st, pm, &x->x, x->rc) != 0;
			} else {
				*total += x->x.count;
				stopped = emit(st, pm, &x->x) != 0;
			}
			if (x->x.d.raw.cap + x->x.d.text.cap + x->x.d.chg.cap > PMAP_SLOT_KEEP) {
				doc_release(&x->x.d);
				doc_init(&x->x.d);
			}
			pthread_mutex_lock(&ps.mu);
			x->done = 0;
			ps.bytes -= x->bytes;
			ps.head++;
			if (stopped)
				goto out;
		}
		/* read while there is room: the slots from tail to head + cap
		 * are the calling thread's alone */
		room = ps.head + ps.cap - ps.tail;
		if (!input_done && room && (ps.bytes < PMAP_BYTES || ps.head == ps.tail)) {
			size_t base = ps.tail, bytes = 0;
			pthread_mutex_unlock(&ps.mu);
			for (n = 0; n < room && n < READ_MAX && ps.bytes + bytes < PMAP_BYTES; n++) {
				struct pm_slot *x = &ps.s[(base + n) % ps.cap];
				if (stage_next(st, &x->x.d) <= 0) {
					input_done = 1;
					break;
				}
				x->x.index = st->docs_in - 1;
				x->bytes = x->x.d.raw.len;
				bytes += x->bytes;
			}
			pthread_mutex_lock(&ps.mu);
			if (n) {
				ps.tail += n;
				ps.bytes += bytes;
				pthread_cond_broadcast(&ps.work);
			}
			continue; /* after a fatal read error too: what was read is still written */
		}
		if (input_done && ps.head == ps.tail)
			break;
		/* nothing to read or write: work too */
		if (ps.claim < ps.tail) {
			k = claim_run(&ps, &first);
			work_run(&ps, 0, first, k);
			continue;
		}
		pthread_cond_wait(&ps.ready, &ps.mu);
	}
out:
	/* the output went away: one thread would have stopped reading there
	 * and ended quietly, whatever the lines read ahead held */
	if (st->pipe_closed)
		st->failed = 0;
	ps.stop = 1;
	pthread_cond_broadcast(&ps.work);
	pthread_mutex_unlock(&ps.mu);
	for (i = 1; i <= started; i++)
		pthread_join(th[i].id, NULL);
	for (i = 0; i < ps.cap; i++)
		doc_release(&ps.s[i].x.d);
	pthread_cond_destroy(&ps.work);
	pthread_cond_destroy(&ps.ready);
	pthread_mutex_destroy(&ps.mu);
	free(ps.s);
	free(th);
	return 0;
}
