/*
 * http_get.c - a remote file as a byte stream (libcurl, one multi handle
 * driven from the reader: no threads).
 *
 * The write callback appends to a staging buffer; http_get_read() hands
 * that out and drives curl only when it is empty, so the buffer holds what
 * one curl_multi_perform() delivers (a few socket reads) and memory stays
 * small whatever the file size.
 */
#include "http_get.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"

struct http_get {
	CURLM *m;
	CURL *e;
	char *url;
	unsigned char *buf;  /* staging: buf[pos, len) not yet read */
	size_t pos, len, cap;
	uint64_t got;        /* body bytes received (the position in the file) */
	uint64_t best;       /* the furthest position any try reached */
	uint64_t skip;       /* bytes of a full (200) answer already delivered */
	int checked;         /* the answer's status seen for this try */
	int running;
	int done;            /* finished: ok, or failed with err */
	int err;             /* errno of the failure, 0 when none */
	unsigned tries;      /* tries without progress */
	unsigned retries;    /* all retries */
	double stall, backoff;
	unsigned max_tries;
	char range[48];
};

int http_is_url(const char *path)
{
	return path && (!strncasecmp(path, "http://", 7) || !strncasecmp(path, "https://", 8));
}

static double env_num(const char *name, double def)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (!v || !*v)
		return def;
	d = strtod(v, &end);
	return end != v && !*end && d >= 0 ? d : def;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_get *g = ud;
	size_t n = size * nmemb, total = n;

	if (!g->checked) {
		long code = 0;
		curl_easy_getinfo(g->e, CURLINFO_RESPONSE_CODE, &code);
		g->checked = 1;
		/* a resumed try answered with the whole file: drop what we have */
		g->skip = (g->got > 0 && code != 206) ? g->got : 0;
		if (g->skip)
			g->got = 0;
	}
	if (g->skip) {
		size_t k = g->skip < n ? (size_t)g->skip : n;
		g->skip -= k;
		g->got += k;
		p += k;
		n -= k;
	}
	if (!n)
		return total;
	if (g->pos == g->len)
		g->pos = g->len = 0;
	if (g->cap - g->len < n) {
		size_t ncap = g->cap ? g->cap : 65536;
		unsigned char *q;
		if (g->pos) {
			memmove(g->buf, g->buf + g->pos, g->len - g->pos);
			g->len -= g->pos;
			g->pos = 0;
		}
		while (ncap - g->len < n)
			ncap *= 2;
		if (ncap != g->cap) {
			if (!(q = realloc(g->buf, ncap)))
				return 0; /* CURLE_WRITE_ERROR */
			g->buf = q;
			g->cap = ncap;
		}
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
	g->got += n;
	if (g->got > g->best) {
		g->best = g->got;
		g->tries = 0;
	}
	return total;
}

static int start_try(struct http_get *g)
{
	CURL *e = g->e;

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, g->url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(g->stall * 1000) + 1);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(g->stall + 0.999) > 0 ? (long)(g->stall + 0.999) : 1L);
	if (g->got) {
		snprintf(g->range, sizeof(g->range), "%llu-", (unsigned long long)g->got);
		curl_easy_setopt(e, CURLOPT_RANGE, g->range);
	}
	g->checked = 0;
	g->skip = 0;
	if (curl_multi_add_handle(g->m, e) != CURLM_OK)
		return SL_ENOMEM;
	g->running = 1;
	return 0;
}

static int errno_of(CURLcode res, long code)
{
	switch (res) {
	case CURLE_HTTP_RETURNED_ERROR:
		return code == 404 || code == 410 ? ENOENT : code == 401 || code == 403 ? EACCES : EIO;
	case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: return ECONNRESET;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR: return ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL: return EPROTONOSUPPORT;
	default: return EIO;
	}
}

static int retryable(CURLcode res, long code)
{
	switch (res) {
	case CURLE_HTTP_RETURNED_ERROR:
		return code >= 500 || code == 408 || code == 429;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
		return 1;
	default:
		return 0;
	}
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One try ended: finish, or start the next one. */
static int try_done(struct http_get *g, CURLcode res)
{
	long code = 0;

	curl_easy_getinfo(g->e, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(g->m, g->e);
	g->running = 0;
	if (res == CURLE_OK) {
		g->done = 1;
		return 0;
	}
	if (retryable(res, code) && g->tries < g->max_tries) {
		double wait = g->backoff;
		curl_off_t ra = 0;
		unsigned i;
		for (i = 0; i < g->tries && wait < 60; i++)
			wait *= 2;
		if (curl_easy_getinfo(g->e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			wait = (double)(ra < 600 ? ra : 600);
		g->tries++;
		g->retries++;
		sleep_s(wait);
		return start_try(g);
	}
	g->done = 1;
	g->err = errno_of(res, code);
	return 0;
}

/* Drive curl until bytes are staged or the transfer is over. */
static int pump(struct http_get *g)
{
	while (g->pos == g->len && !g->done) {
		int still = 0, nmsg, rc;
		CURLMsg *cm;

		if (curl_multi_perform(g->m, &still) != CURLM_OK) {
			g->done = 1;
			g->err = EIO;
			break;
		}
		while ((cm = curl_multi_info_read(g->m, &nmsg)))
			if (cm->msg == CURLMSG_DONE && cm->easy_handle == g->e)
				if ((rc = try_done(g, cm->data.result)))
					return rc;
		if (g->pos == g->len && !g->done && g->running)
			curl_multi_poll(g->m, NULL, 0, 1000, NULL);
	}
	return 0;
}

int http_get_open(struct http_get **out, const char *url)
{
	struct http_get *g = calloc(1, sizeof(*g));
	int rc;

	*out = NULL;
	if (!g)
		return SL_ENOMEM;
	g->stall = env_num("SLUICE_HTTP_TIMEOUT", 60);
	g->max_tries = (unsigned)env_num("SLUICE_HTTP_RETRIES", 5);
	g->backoff = env_num("SLUICE_HTTP_BACKOFF", 1);
	if (g->stall <= 0)
		g->stall = 60;
	if (!(g->url = strdup(url)) || !(g->m = curl_multi_init()) || !(g->e = curl_easy_init())) {
		http_get_free(g);
		return SL_ENOMEM;
	}
	if ((rc = start_try(g)) || (rc = pump(g))) {
		http_get_free(g);
		return rc;
	}
	if (g->err && g->pos == g->len) {
		int e = g->err;
		http_get_free(g);
		errno = e;
		return SL_EOPEN;
	}
	*out = g;
	return 0;
}

ssize_t http_get_read(struct http_get *g, void *dst, size_t n)
{
	size_t k;
	int rc;

	if ((rc = pump(g)))
		return rc;
	if (g->pos == g->len) {
		if (g->err) {
			errno = g->err;
			return SL_EIO;
		}
		return 0;
	}
	k = g->len - g->pos;
	if (k > n)
		k = n;
	memcpy(dst, g->buf + g->pos, k);
	g->pos += k;
	return (ssize_t)k;
}

unsigned http_get_retries(const struct http_get *g) { return g->retries; }

void http_get_free(struct http_get *g)
{
	if (!g)
		return;
	if (g->e && g->running)
		curl_multi_remove_handle(g->m, g->e);
	if (g->e)
		curl_easy_cleanup(g->e);
	if (g->m)
		curl_multi_cleanup(g->m);
	free(g->buf);
	free(g->url);
	free(g);
}
