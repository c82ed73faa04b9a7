/*
 * fetch.c - many files from one base URL into a directory, with curl multi.
 *
 * Two slots per parallel transfer; a slot holds one file from its first
 * try to its end (waiting out a back-off and its check included), so
 * memory is bounded by the slot count whatever the listing's length.
 * Bytes are written with pwrite() at the file's own offset.  A complete
 * .part goes to a worker thread that inflates every gzip member (from the
 * page cache) and fsyncs it; the main thread then renames it or starts it
 * again.  Workers only touch a slot in X_VERIFY, and hand it back through
 * vdone under the mutex plus curl_multi_wakeup().
 */
#include "fetch.h"
#include "tmpclean.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"
#include "fsutil.h"

#define SCRATCH (256u * 1024u)

/* ---- gzip integrity, fed incrementally ---- */

struct gzcheck {
	z_stream z;
	int ready;
	int in_member;
	int bad;            /* corrupt: no more feeding */
	uint64_t members;
	uint64_t fed;       /* compressed bytes fed */
	uint64_t member_start; /* offset of the member being checked */
	uint64_t bad_offset;   /* offset of the member that failed */
};

static int gz_init(struct gzcheck *c)
{
	memset(c, 0, sizeof(*c));
	if (inflateInit2(&c->z, 31) != Z_OK)
		return SL_ENOMEM;
	c->ready = 1;
	return 0;
}

static void gz_reset(struct gzcheck *c)
{
	c->in_member = 0;
	c->bad = 0;
	c->members = 0;
	c->fed = 0;
	c->bad_offset = 0;
}

static void gz_end(struct gzcheck *c)
{
	if (c->ready)
		inflateEnd(&c->z);
	c->ready = 0;
}

/* 0, or SL_EGZIP at the first corrupt byte (then every later call too). */
static int gz_feed(struct gzcheck *c, const unsigned char *p, size_t n, unsigned char *scratch)
{
	if (c->bad)
		return SL_EGZIP;
	while (n > 0) {
		int r;
		size_t used;
		if (!c->in_member) {
			if (inflateReset2(&c->z, 31) != Z_OK)
				return SL_ENOMEM;
			c->in_member = 1;
			c->members++;
			c->member_start = c->fed;
		}
		c->z.next_in = (unsigned char *)p;
		c->z.avail_in = (uInt)(n > (1u << 30) ? (1u << 30) : n);
		do {
			c->z.next_out = scratch;
			c->z.avail_out = SCRATCH;
			r = inflate(&c->z, Z_NO_FLUSH);
		} while (r == Z_OK && c->z.avail_in > 0);
		used = (size_t)(c->z.next_in - p);
		if (r == Z_STREAM_END) {
			c->in_member = 0;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			if (r == Z_MEM_ERROR)
				return SL_ENOMEM;
			c->bad = 1;
			c->bad_offset = c->member_start;
			return SL_EGZIP;
		}
		c->fed += used;
		p += used;
		n -= used;
	}
	return 0;
}

/* Whole members to the last byte? 0, SL_ETRUNC or SL_EGZIP. */
static int gz_complete(const struct gzcheck *c)
{
	if (c->bad || c->members == 0)
		return SL_EGZIP;
	return c->in_member ? SL_ETRUNC : 0;
}

int fetch_check_gzip(const char *path, uint64_t *bad_offset)
{
	struct gzcheck c;
	unsigned char *in = malloc(SCRATCH), *scratch = malloc(SCRATCH);
	int fd = -1, rc;
	ssize_t n;

	*bad_offset = 0;
	if (!in || !scratch || gz_init(&c)) {
		free(in);
		free(scratch);
		return SL_ENOMEM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	rc = fd < 0 ? SL_EOPEN : 0;
	while (!rc && (n = read(fd, in, SCRATCH)) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				rc = SL_EIO;
			continue;
		}
		rc = gz_feed(&c, in, (size_t)n, scratch);
	}
	if (!rc)
		rc = gz_complete(&c);
	if (rc == SL_EGZIP)
		*bad_offset = c.bad ? c.bad_offset : c.fed;
	if (fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	gz_end(&c);
	free(in);
	free(scratch);
	return rc;
}

/* ---- transfers ---- */

enum xstate { X_FREE = 0, X_READY, X_ACTIVE, X_WAIT, X_VERIFY };

struct run;

struct xfer {
	struct run *r;
	enum xstate state;
	CURL *easy;
	char *path, *url, *dest, *part;
	int fd;
	int gzip;
	int vdone, vrc, verrno; /* the check's result (under run.mu) */
	uint64_t vbad;          /* where the failing member starts */
	uint64_t have;      /* bytes in the .part */
	uint64_t best;      /* the most it ever held */
	int64_t expect;     /* the whole file's length, -1 unknown */
	int64_t cr_start, cr_total; /* Content-Range of this answer */
	unsigned attempt;   /* tries started */
	unsigned noprog;    /* failed tries since the last progress */
	int checked;        /* this answer's status seen */
	int discard;        /* an error answer: body ignored */
	int werr;           /* errno of a failed write */
	int corrupt;        /* the gzip check failed during this try */
	int stalled;
	double last_data;
	double wait_until;
	char errbuf[CURL_ERROR_SIZE];
};

struct run {
	const struct fetch_opts *o;
	struct fetch_stats *st;
	CURLM *m;
	struct xfer *x;
	int nx;
	double t0, next_progress;
	/* the checks run on worker threads: a queue of slots in X_VERIFY */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct xfer **q;
	int qn, stop;
	pthread_t *th;
	int nth;
	uint64_t rng;
	char why[512];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rand01(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return (double)(r->rng >> 11) / 9007199254740992.0;
}

static void emit(struct run *r, enum fetch_event_kind kind, struct xfer *x, const char *why,
		 double wait, uint64_t size)
{
	struct fetch_event ev;

	if (!r->o->event)
		return;
	r->st->seconds = now_s() - r->t0;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.path = x ? x->path : NULL;
	ev.why = why;
	ev.attempt = x ? x->attempt + 1 : 0;
	ev.wait = wait;
	ev.size = size;
	ev.st = r->st;
	r->o->event(r->o->ctx, &ev);
}

static int path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if ((len == 2 && s[0] == '.' && s[1] == '.') || len == 0)
			return 0;
		s += len;
		if (*s)
			s++;
	}
	return 1;
}

static char *join(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s;

	if (*sep == '/' && la && a[la - 1] == '/')
		ls = 0;
	s = malloc(la + ls + lb + 1);
	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, sep, ls);
	memcpy(s + la + ls, b, lb + 1);
	return s;
}

static void xfer_clear(struct xfer *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->path);
	free(x->url);
	free(x->dest);
	free(x->part);
	x->path = x->url = x->dest = x->part = NULL;
	x->state = X_FREE;
}

static void xfer_fail(struct xfer *x, const char *why)
{
	x->r->st->failed++;
	emit(x->r, FETCH_EV_FAIL, x, why, 0, 0);
	xfer_clear(x);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* Empty the .part and the checker: the next try starts at byte 0. */
static int xfer_restart(struct xfer *x)
{
	x->have = 0;
	if (ftruncate(x->fd, 0)) {
		x->werr = errno;
		return -1;
	}
	return 0;
}

/* Take a path from the listing: skip it, or make the slot ready. */
static int xfer_begin(struct xfer *x, const char *path)
{
	struct run *r = x->r;
	struct stat sb;

	r->st->files++;
	x->path = strdup(path);
	if (!x->path)
		return SL_ENOMEM;
	if (!path_ok(path)) {
		xfer_fail(x, "not a relative path inside the crawl (absolute, empty component or '..')");
		return 0;
	}
	x->url = join(r->o->base_url, "/", path);
	x->dest = join(r->o->dir, "/", path);
	x->part = x->dest ? join(x->dest, "", ".part") : NULL;
	if (!x->url || !x->dest || !x->part)
		return SL_ENOMEM;
	for (int i = 0; i < r->nx; i++) {
		struct xfer *y = &r->x[i];
		if (y != x && y->state != X_FREE && y->dest && !strcmp(y->dest, x->dest)) {
			/* listed twice: one transfer per file */
			r->st->skipped++;
			emit(r, FETCH_EV_SKIP, x, NULL, 0, 0);
			xfer_clear(x);
			return 0;
		}
	}
	if (stat(x->dest, &sb) == 0) {
		r->st->skipped++;
		emit(r, FETCH_EV_SKIP, x, NULL, 0, (uint64_t)sb.st_size);
		xfer_clear(x);
		return 0;
	}
	if (fs_mkdirs(x->dest, 0, 0777) ||
	    (x->fd = open(x->part, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0) {
		snprintf(r->why, sizeof(r->why), "cannot create '%s': %s", x->part, strerror(errno));
		xfer_fail(x, r->why);
		return 0;
	}
	/* one writer per file: another fetch (an overlapping cron run, two
	 * array tasks) holds the .part's lock while it downloads, until the
	 * rename (xfer_done renames before it closes); a file system without
	 * locks (ENOLCK) goes on unlocked */
	if (flock(x->fd, LOCK_EX | LOCK_NB) && errno != ENOLCK && errno != ENOSYS && errno != EOPNOTSUPP) {
		snprintf(r->why, sizeof(r->why), "'%s' is being downloaded by another process (its .part is locked)",
			 x->dest);
		xfer_fail(x, r->why);
		return 0;
	}
	{
		struct stat now;
		int mine = fstat(x->fd, &sb) == 0;
		if (stat(x->dest, &now) == 0) {
			/* the holder finished between our first look and the lock:
			 * done; an empty .part that we created is not left behind */
			struct stat part;
			if (mine && sb.st_size == 0 && stat(x->part, &part) == 0 && part.st_ino == sb.st_ino &&
			    part.st_dev == sb.st_dev)
				unlink(x->part);
			r->st->skipped++;
			emit(r, FETCH_EV_SKIP, x, NULL, 0, (uint64_t)now.st_size);
			xfer_clear(x);
			return 0;
		}
		/* the .part we locked must still be the one at that name */
		if (!mine || stat(x->part, &now) || now.st_ino != sb.st_ino || now.st_dev != sb.st_dev) {
			snprintf(r->why, sizeof(r->why), "'%s' changed while it was being opened", x->part);
			xfer_fail(x, r->why);
			return 0;
		}
	}
	x->gzip = r->o->gzip_check && ends_with(path, ".gz");
	x->have = x->best = (uint64_t)sb.st_size;
	x->expect = -1;
	x->attempt = 0;
	x->noprog = 0;
	x->werr = 0;
	x->state = X_READY;
	return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	x->last_data = now_s();
	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		x->cr_start = x->cr_total = -1;
	} else if (n > 14 && !strncasecmp(p, "Content-Range:", 14)) {
		char line[128];
		const char *s;
		unsigned long long a, b, t;
		size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, p, k);
		line[k] = 0;
		s = line + 14;
		while (*s == ' ' || *s == '\t')
			s++;
		if (sscanf(s, "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
			x->cr_start = (int64_t)a;
			x->cr_total = (int64_t)t;
		} else if (sscanf(s, "bytes %llu-%llu/*", &a, &b) == 2) {
			x->cr_start = (int64_t)a;
		} else if (sscanf(s, "bytes */%llu", &t) == 1) {
			x->cr_total = (int64_t)t;
		}
	}
	return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct run *r = x->r;
	size_t n = size * nmemb, done = 0;

	x->last_data = now_s();
	if (!x->checked) {
		long code = 0;
		curl_off_t cl = -1;
		x->checked = 1;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (code == 206) {
			if (x->cr_start != (int64_t)x->have) {
				snprintf(x->errbuf, sizeof(x->errbuf),
					 "the server answered a Range request from byte %llu with bytes from %lld",
					 (unsigned long long)x->have, (long long)x->cr_start);
				x->corrupt = 2;
				return 0;
			}
			x->expect = x->cr_total;
			r->st->resumed++;
		} else if (code == 200) {
			if (x->have && xfer_restart(x))
				return 0;
			x->expect = cl;
		} else {
			x->discard = 1;
		}
	}
	if (x->discard)
		return n;
	while (done < n) {
		ssize_t w = pwrite(x->fd, p + done, n - done, (off_t)(x->have + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->werr = w < 0 ? errno : ENOSPC;
			return 0;
		}
		done += (size_t)w;
	}
	x->have += n;
	r->st->bytes += n;
	if (x->have > x->best) {
		x->best = x->have;
		x->noprog = 0;
	}
	return n;
}

static int xfer_start(struct xfer *x)
{
	struct run *r = x->r;
	CURL *e = x->easy;
	char range[48];

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(e, CURLOPT_USERAGENT, r->o->user_agent ? r->o->user_agent : "sluice");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(r->o->timeout * 1000) + 1);
	if (x->have) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->have);
		curl_easy_setopt(e, CURLOPT_RANGE, range); /* copied by libcurl */
	}
	x->errbuf[0] = 0;
	x->checked = x->discard = x->werr = x->corrupt = x->stalled = 0;
	x->cr_start = x->cr_total = -1;
	x->attempt++;
	x->last_data = now_s();
	if (curl_multi_add_handle(r->m, e) != CURLM_OK)
		return SL_ENOMEM;
	x->state = X_ACTIVE;
	r->st->active++;
	return 0;
}

/* Hand the complete .part to a worker: gzip check, fsync. */
static void xfer_verify(struct xfer *x)
{
	struct run *r = x->r;

	x->state = X_VERIFY;
	pthread_mutex_lock(&r->mu);
	x->vdone = 0;
	r->q[r->qn++] = x;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Runs on a worker: 0, SL_EGZIP / SL_ETRUNC (x->vbad), SL_EIO (x->verrno). */
static int verify_part(struct xfer *x, struct gzcheck *c, unsigned char *in, unsigned char *scratch)
{
	uint64_t off = 0;
	int rc = 0;

	if (x->gzip) {
		gz_reset(c);
		while (!rc && off < x->have) {
			size_t want = x->have - off < SCRATCH ? (size_t)(x->have - off) : SCRATCH;
			ssize_t n = pread(x->fd, in, want, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				x->verrno = n < 0 ? errno : EIO;
				return SL_EIO;
			}
			rc = gz_feed(c, in, (size_t)n, scratch);
			off += (uint64_t)n;
		}
		if (rc == SL_ENOMEM) {
			x->verrno = ENOMEM;
			return SL_EIO;
		}
		if (!rc)
			rc = gz_complete(c);
		if (rc) {
			x->vbad = c->bad ? c->bad_offset : c->fed;
			return rc;
		}
	}
	if (fsync(x->fd)) {
		x->verrno = errno;
		return SL_EIO;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct gzcheck c;
	unsigned char *in = malloc(SCRATCH), *scratch = malloc(SCRATCH);
	int ok = in && scratch && gz_init(&c) == 0;

	for (;;) {
		struct xfer *x;
		int rc;
		pthread_mutex_lock(&r->mu);
		while (!r->qn && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->qn) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		x = r->q[0];
		memmove(r->q, r->q + 1, (size_t)--r->qn * sizeof(*r->q));
		pthread_mutex_unlock(&r->mu);
		if (ok) {
			rc = verify_part(x, &c, in, scratch);
		} else {
			x->verrno = ENOMEM;
			rc = SL_EIO;
		}
		pthread_mutex_lock(&r->mu);
		x->vrc = rc;
		x->vdone = 1;
		pthread_mutex_unlock(&r->mu);
		curl_multi_wakeup(r->m);
	}
	if (ok)
		gz_end(&c);
	free(in);
	free(scratch);
	return NULL;
}

static void xfer_retry(struct xfer *x, const char *why, double retry_after);

/* The worker is done with x: publish it, or try again. */
static void xfer_verified(struct xfer *x)
{
	struct run *r = x->r;
	char *why = r->why;
	size_t wl = sizeof(r->why);

	if (x->vrc == SL_EIO) {
		snprintf(why, wl, "cannot write '%s': %s", x->part, strerror(x->verrno));
		xfer_fail(x, why);
		return;
	}
	if (x->vrc == SL_ETRUNC && x->expect < 0) {
		/* no length was announced: the rest may still come */
		snprintf(why, wl, "the gzip data ends inside a member at byte %llu",
			 (unsigned long long)x->have);
		xfer_retry(x, why, 0);
		return;
	}
	if (x->vrc) {
		snprintf(why, wl, "%s at byte %llu; starting the file again",
			 x->vrc == SL_ETRUNC ? "the gzip data ends inside a member" : "corrupt gzip member",
			 (unsigned long long)(x->vrc == SL_ETRUNC ? x->have : x->vbad));
		if (xfer_restart(x)) {
			xfer_fail(x, "cannot truncate the .part file");
			return;
		}
		xfer_retry(x, why, 0);
		return;
	}
	/* renamed while the lock is still held (closing drops it), so a
	 * process waiting for the .part never gets the finished file's lock;
	 * the bytes are already fsync'ed (verify_part) */
	if (rename(x->part, x->dest)) {
		snprintf(r->why, sizeof(r->why), "cannot rename '%s': %s", x->part, strerror(errno));
		xfer_fail(x, r->why);
		return;
	}
	if (close(x->fd)) {
		x->fd = -1;
		snprintf(why, wl, "cannot write '%s': %s", x->dest, strerror(errno));
		xfer_fail(x, why);
		return;
	}
	x->fd = -1;
	r->st->downloaded++;
	emit(r, FETCH_EV_DONE, x, NULL, 0, x->have);
	xfer_clear(x);
}

/* A try failed: wait and try again, or give up. */
static void xfer_retry(struct xfer *x, const char *why, double retry_after)
{
	struct run *r = x->r;
	double d = r->o->backoff;
	unsigned i;

	x->noprog++;
	if ((int)x->noprog > r->o->retries) {
		char buf[600];
		snprintf(buf, sizeof(buf), "%s (gave up after %u tries)", why, x->attempt);
		xfer_fail(x, buf);
		return;
	}
	for (i = 1; i < x->noprog && d < r->o->max_backoff; i++)
		d *= 2;
	if (d > r->o->max_backoff)
		d = r->o->max_backoff;
	d *= 0.5 + 0.5 * rand01(r); /* jitter: spread clients that failed together */
	if (retry_after > 0)
		d = retry_after < r->o->max_retry_after ? retry_after : r->o->max_retry_after;
	r->st->retries++;
	emit(r, FETCH_EV_RETRY, x, why, d, 0);
	x->wait_until = now_s() + d;
	x->state = X_WAIT;
}

static int retryable_curl(CURLcode res)
{
	switch (res) {
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static void xfer_done(struct xfer *x, CURLcode res)
{
	struct run *r = x->r;
	long code = 0;
	curl_off_t ra = 0;
	char *why = r->why;
	size_t wl = sizeof(r->why);

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK)
		ra = 0;
	curl_multi_remove_handle(r->m, x->easy);
	r->st->active--;
	if (x->werr) {
		snprintf(why, wl, "cannot write '%s': %s", x->part, strerror(x->werr));
		xfer_fail(x, why);
		return;
	}
	if (x->corrupt == 2) {
		snprintf(why, wl, "%s", x->errbuf);
		if (xfer_restart(x)) {
			xfer_fail(x, "cannot truncate the .part file");
			return;
		}
		xfer_retry(x, why, 0);
		return;
	}
	if (x->stalled) {
		snprintf(why, wl, "no data for %g s (time-out)", r->o->timeout);
		xfer_retry(x, why, 0);
		return;
	}
	if (res != CURLE_OK) {
		snprintf(why, wl, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
		if (retryable_curl(res))
			xfer_retry(x, why, 0);
		else
			xfer_fail(x, why);
		return;
	}
	if (code == 200 || code == 206) {
		if (x->expect >= 0 && (int64_t)x->have != x->expect) {
			snprintf(why, wl, "got %llu bytes of %lld", (unsigned long long)x->have,
				 (long long)x->expect);
			if ((int64_t)x->have > x->expect && xfer_restart(x)) {
				xfer_fail(x, "cannot truncate the .part file");
				return;
			}
			xfer_retry(x, why, 0);
			return;
		}
		xfer_verify(x);
		return;
	}
	if (code == 416 && x->have) {
		/* the .part may hold the whole file already (a run stopped
		 * just before the rename) */
		if (x->cr_total == (int64_t)x->have) {
			xfer_verify(x);
			return;
		}
		snprintf(why, wl, "HTTP 416 for a resume from byte %llu; starting the file again",
			 (unsigned long long)x->have);
		if (xfer_restart(x)) {
			xfer_fail(x, "cannot truncate the .part file");
			return;
		}
		xfer_retry(x, why, 0);
		return;
	}
	snprintf(why, wl, "HTTP %ld", code);
	if (code >= 500 || code == 408 || code == 429)
		xfer_retry(x, why, (double)ra);
	else
		xfer_fail(x, why);
}

int fetch_run(const struct fetch_opts *opts, int (*next)(void *ctx, const char **path),
	      void *next_ctx, struct fetch_stats *st)
{
	struct fetch_opts o = *opts;
	struct run r;
	int i, rc = 0, listing_done = 0;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	if (o.parallel <= 0)
		o.parallel = 4;
	if (o.timeout <= 0)
		o.timeout = 60;
	if (o.retries < 0)
		o.retries = 0;
	if (o.backoff < 0)
		o.backoff = 0;
	if (o.max_backoff <= 0)
		o.max_backoff = 120;
	if (o.max_retry_after <= 0)
		o.max_retry_after = 600;
	r.o = &o;
	r.st = st;
	r.t0 = now_s();
	r.next_progress = r.t0 + o.progress;
	r.rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
	/* twice as many slots as transfers: files being checked do not
	 * hold up the downloads */
	r.nx = 2 * o.parallel;
	r.x = calloc((size_t)r.nx, sizeof(*r.x));
	r.q = calloc((size_t)r.nx, sizeof(*r.q));
	r.m = curl_multi_init();
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (!r.x || !r.q || !r.m) {
		rc = SL_ENOMEM;
		goto out;
	}
	for (i = 0; i < r.nx; i++) {
		r.x[i].r = &r;
		r.x[i].fd = -1;
		if (!(r.x[i].easy = curl_easy_init())) {
			rc = SL_ENOMEM;
			goto out;
		}
	}
	{
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int want = o.parallel < cpus ? o.parallel : (int)(cpus > 0 ? cpus : 1);
		r.th = calloc((size_t)want, sizeof(*r.th));
		if (!r.th) {
			rc = SL_ENOMEM;
			goto out;
		}
		{
			sigset_t old;
			tmpclean_block(&old); /* the workers never run tmpclean's handler */
			while (r.nth < want && pthread_create(&r.th[r.nth], NULL, worker, &r) == 0)
				r.nth++;
			tmpclean_unblock(&old);
		}
		if (!r.nth) {
			rc = SL_ENOMEM;
			goto out;
		}
	}
	if (fs_mkdirs(o.dir, 1, 0777)) {
		rc = SL_EOPEN;
		goto out;
	}
	for (;;) {
		int busy = 0, still, nmsg;
		double t = now_s(), wake = t + 1.0;
		CURLMsg *cm;
		long ms;

		for (i = 0; i < r.nx && rc == 0; i++) {
			struct xfer *x = &r.x[i];
			while (x->state == X_FREE && !listing_done) {
				const char *p;
				int n = next(next_ctx, &p);
				if (n < 0) {
					rc = n;
					break;
				}
				if (n == 0) {
					listing_done = 1;
					break;
				}
				if ((rc = xfer_begin(x, p)))
					break;
			}
			if (rc)
				break;
			if (x->state == X_WAIT && x->wait_until <= t)
				x->state = X_READY;
			if (x->state == X_READY && st->active < (uint64_t)o.parallel && (rc = xfer_start(x)))
				break;
			if (x->state == X_WAIT && x->wait_until < wake)
				wake = x->wait_until;
			if (x->state != X_FREE)
				busy = 1;
		}
		if (rc || !busy)
			break;
		curl_multi_perform(r.m, &still);
		while ((cm = curl_multi_info_read(r.m, &nmsg))) {
			struct xfer *x = NULL;
			if (cm->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if (x)
				xfer_done(x, cm->data.result);
		}
		for (i = 0; i < r.nx; i++) {
			struct xfer *x = &r.x[i];
			int done;
			if (x->state != X_VERIFY)
				continue;
			pthread_mutex_lock(&r.mu);
			done = x->vdone;
			pthread_mutex_unlock(&r.mu);
			if (done)
				xfer_verified(x);
		}
		t = now_s();
		for (i = 0; i < r.nx; i++) {
			struct xfer *x = &r.x[i];
			if (x->state != X_ACTIVE)
				continue;
			if (t - x->last_data > o.timeout) {
				x->stalled = 1;
				xfer_done(x, CURLE_OPERATION_TIMEDOUT);
			} else if (x->last_data + o.timeout < wake) {
				wake = x->last_data + o.timeout;
			}
		}
		if (o.progress > 0 && t >= r.next_progress) {
			emit(&r, FETCH_EV_PROGRESS, NULL, NULL, 0, 0);
			r.next_progress = t + o.progress;
		}
		if (o.progress > 0 && r.next_progress < wake)
			wake = r.next_progress;
		{
			int now_work = 0, any = 0;
			for (i = 0; i < r.nx; i++) {
				struct xfer *x = &r.x[i];
				if (x->state != X_FREE)
					any = 1;
				if (x->state == X_WAIT && x->wait_until < wake)
					wake = x->wait_until;
				else if ((x->state == X_READY && st->active < (uint64_t)o.parallel) ||
					 (x->state == X_FREE && !listing_done))
					now_work = 1;
			}
			ms = (long)((wake - t) * 1000) + 1;
			if (ms > 1000)
				ms = 1000;
			if (now_work || !any || ms <= 0)
				continue;
			/* sockets, time-outs, back-offs, or a worker's wakeup */
			curl_multi_poll(r.m, NULL, 0, (int)ms, NULL);
		}
	}
out:
	if (r.nth) {
		pthread_mutex_lock(&r.mu);
		r.stop = 1;
		pthread_cond_broadcast(&r.cv);
		pthread_mutex_unlock(&r.mu);
		for (i = 0; i < r.nth; i++)
			pthread_join(r.th[i], NULL);
	}
	free(r.th);
	if (r.x) {
		for (i = 0; i < r.nx; i++) {
			struct xfer *x = &r.x[i];
			if (x->easy) {
				if (x->state == X_ACTIVE)
					curl_multi_remove_handle(r.m, x->easy);
				curl_easy_cleanup(x->easy);
			}
			xfer_clear(x);
		}
	}
	if (r.m)
		curl_multi_cleanup(r.m);
	free(r.x);
	free(r.q);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	st->active = 0;
	st->seconds = now_s() - r.t0;
	return rc;
}
