/*
 * fetch.h - downloading many files from one base URL into a directory,
 * several at once (libcurl multi), surviving what networks do.
 *
 * For each relative path P the file BASE/P is written to DIR/P:
 *   - DIR/P existing means complete: it is skipped (a rerun does only
 *     what is missing);
 *   - bytes go to DIR/P.part; a .part left by an earlier run or an earlier
 *     try is resumed with a Range request (a server that answers 200
 *     instead of 206 is read from the start again);
 *   - time-outs (no byte for `timeout` seconds), connection resets, a body
 *     shorter than its Content-Length, 5xx, 408 and 429 answers are
 *     retried after an exponential back-off with jitter, or after the
 *     server's Retry-After; the budget counts tries that brought no new
 *     bytes, so a large file over a flaky link still completes;
 *   - the length is checked against Content-Length / Content-Range, and a
 *     .gz file must be whole gzip members to its last byte (each member's
 *     CRC and length checked) — on worker threads (min(parallel, cores))
 *     while other files download; a file that fails is started again;
 *   - complete and checked, the .part is fsync'ed and renamed to DIR/P.
 * Other answers (404, 403, ...) fail the file at once.  A failed file
 * does not stop the others.
 *
 * Memory is bounded by `parallel`: paths are pulled from a callback as
 * slots free up (2 x parallel slots: files being checked hold one), so the listing may hold any number of files.
 * Never prints: what happens is reported through the event callback.
 */
#ifndef SLUICE_FETCH_H
#define SLUICE_FETCH_H

#include <stdint.h>

struct fetch_stats {
	uint64_t files;      /* paths taken from the listing */
	uint64_t downloaded; /* files completed by this run */
	uint64_t skipped;    /* already complete */
	uint64_t failed;
	uint64_t resumed;    /* tries that continued a partial file (206) */
	uint64_t retries;
	uint64_t bytes;      /* body bytes received by this run */
	uint64_t active;     /* transfers running now */
	double seconds;      /* since fetch_run began */
};

enum fetch_event_kind {
	FETCH_EV_SKIP,     /* already complete */
	FETCH_EV_DONE,     /* downloaded, checked and renamed */
	FETCH_EV_RETRY,    /* a try failed; another after `wait` seconds */
	FETCH_EV_FAIL,     /* gave up on the file */
	FETCH_EV_PROGRESS, /* about once per progress interval */
};

struct fetch_event {
	enum fetch_event_kind kind;
	const char *path;  /* as listed; NULL for PROGRESS */
	const char *why;   /* RETRY, FAIL: what went wrong */
	unsigned attempt;  /* RETRY: the number of the next try (2, 3, ...) */
	double wait;       /* RETRY: seconds before it */
	uint64_t size;     /* DONE, SKIP: the file's size */
	const struct fetch_stats *st;
};

struct fetch_opts {
	const char *base_url;  /* joined with the path by one '/' */
	const char *dir;       /* destination root (created if missing) */
	int parallel;          /* transfers at once (default 4) */
	double timeout;        /* seconds without a byte, and to connect (default 60) */
	int retries;           /* tries without progress after the first (default 8) */
	double backoff;        /* first back-off in seconds (default 1) */
	double max_backoff;    /* cap of the back-off (default 120) */
	double max_retry_after;/* cap on a server's Retry-After (default 600) */
	int gzip_check;        /* 1: check .gz files (default), 0: length only */
	double progress;       /* seconds between PROGRESS events (0: none) */
	const char *user_agent;/* default "sluice" */
	void (*event)(void *ctx, const struct fetch_event *ev);
	void *ctx;
};

/*
 * next() gives the next relative path in *path (valid until the next
 * call), returns 1, or 0 when the listing ends, or a negative SL_E* code
 * (which stops the run).  Returns 0 when the listing was read to its end
 * (see st->failed for files that failed), or a negative SL_E* code.
 * A path that is absolute or contains a ".." component fails (is not
 * fetched).
 */
int fetch_run(const struct fetch_opts *o, int (*next)(void *ctx, const char **path),
	      void *next_ctx, struct fetch_stats *st);

/*
 * Check a whole local file the way downloads are checked: 0 when it is
 * one or more complete gzip members to its last byte, SL_EGZIP (corrupt
 * or trailing garbage; *bad_offset: where the failing member starts), SL_ETRUNC
 * (ends inside a member), SL_EOPEN/SL_EIO (errno).
 */
int fetch_check_gzip(const char *path, uint64_t *bad_offset);

#endif
