/*
 * fetch.c - download a CommonCrawl crawl's WET/WARC/WAT files (or any
 * listing of paths under a base URL) into a directory, resumably.
 *
 * The work is in shards/fetch.c; here: options, reading the listing
 * (--first, --shard), and the messages.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "error.h"
#include "fetch.h"
#include "instream.h"
#include "msg.h"
#include "options.h"

#define DEFAULT_BASE "https://data.commoncrawl.org/"

struct listing {
	struct instream *in;
	struct inwin w;
	const char *name;
	char line[4096];
	uint64_t index;     /* non-empty lines seen */
	uint64_t first;     /* 0: all */
	unsigned long si, sn;
	int too_long;
};

/* The next selected path of the listing. */
static int next_path(void *ctx, const char **path)
{
	struct listing *l = ctx;

	for (;;) {
		ssize_t n;
		const char *p, *nl;
		size_t len, k;

		if (l->first && l->index >= l->first)
			return 0;
		n = inwin_fill(&l->w, sizeof(l->line));
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		p = inwin_ptr(&l->w);
		nl = memchr(p, '\n', (size_t)n);
		len = nl ? (size_t)(nl - p) : (size_t)n;
		if (!nl && !l->w.eof && !l->w.at_gap) {
			l->too_long = 1;
			return SL_ETOOBIG;
		}
		k = len;
		while (k && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		memcpy(l->line, p, k);
		l->line[k] = 0;
		inwin_skip(&l->w, nl ? len + 1 : len);
		if (k == 0 || l->line[0] == '#')
			continue;
		if ((l->index++ % l->sn) != l->si)
			continue;
		*path = l->line;
		return 1;
	}
}

struct ui {
	int quiet;
	int tty;
};

static void human(char *out, size_t n, double b)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;
	while (b >= 1000 && i < 4) {
		b /= 1000;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void on_event(void *ctx, const struct fetch_event *ev)
{
	struct ui *ui = ctx;
	const struct fetch_stats *st = ev->st;

	switch (ev->kind) {
	case FETCH_EV_RETRY:
		if (!ui->quiet)
			msg("'%s': %s; try %u in %.1f s", ev->path, ev->why, ev->attempt, ev->wait);
		break;
	case FETCH_EV_FAIL:
		msg("'%s': failed: %s", ev->path, ev->why);
		break;
	case FETCH_EV_PROGRESS: {
		char b[32], r[32];
		if (ui->quiet)
			break;
		human(b, sizeof(b), (double)st->bytes);
		human(r, sizeof(r), st->seconds > 0 ? (double)st->bytes / st->seconds : 0);
		if (ui->tty) {
			fprintf(stderr, "\r\033[K%s: %" PRIu64 " files done, %" PRIu64 " skipped, %" PRIu64
				" running, %s (%s/s), %" PRIu64 " retries, %" PRIu64 " failed",
				opt_cmd, st->downloaded, st->skipped, st->active, b, r, st->retries, st->failed);
			msg_progress_active = 1;
		} else {
			msg("%" PRIu64 " files done, %" PRIu64 " skipped, %" PRIu64 " running, %s (%s/s), %"
			    PRIu64 " retries, %" PRIu64 " failed",
			    st->downloaded, st->skipped, st->active, b, r, st->retries, st->failed);
		}
		break;
	}
	default:
		break;
	}
}

static int parse_shard(const char *s, unsigned long *i, unsigned long *n)
{
	char *end;

	errno = 0;
	if (s[0] == '-')
		return -1;
	*i = strtoul(s, &end, 10);
	if (end == s || *end != '/' || errno)
		return -1;
	s = end + 1;
	if (s[0] == '-')
		return -1;
	*n = strtoul(s, &end, 10);
	if (end == s || *end || errno || *n == 0 || *i >= *n)
		return -1;
	return 0;
}

static int one_path(void *ctx, const char **path)
{
	const char **p = ctx;
	if (!*p)
		return 0;
	*path = *p;
	*p = NULL;
	return 1;
}

int cmd_fetch(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice fetch [<options>] CRAWL -o DIR",
		"       sluice fetch [<options>] --paths FILE -o DIR",
		"",
		"Download a CommonCrawl crawl's files (crawl-data/CRAWL/KIND.paths.gz under",
		"--base-url lists them) into DIR, keeping their paths.  Several transfers run",
		"at once; a partial file is resumed with a Range request; time-outs, resets,",
		"short bodies and 5xx answers are retried with exponential back-off and",
		"jitter (or the server's Retry-After); every file's length and gzip members",
		"are checked before it is renamed from FILE.part to FILE.  Files already in",
		"DIR are skipped, so a rerun does only what is missing; a .part another",
		"fetch is writing (it holds a lock on it) is left alone and counted as",
		"failed.  Progress and a summary go to stderr; exit 1 when a file failed",
		"after its retries.",
		"",
		"  sluice fetch CC-MAIN-2024-22 --kind wet --first 100 -o crawl/",
		"  sluice fetch CC-MAIN-2024-22 --kind warc --shard 3/16 -o crawl/",
		"  sluice fetch --paths my.paths.gz --base-url http://mirror.local/ -o crawl/",
		NULL
	};
	const char *kind = "wet", *out = NULL, *base = DEFAULT_BASE, *paths = NULL, *shard = NULL;
	int first = 0, parallel = 4, retries = 8, no_check = 0, quiet = 0;
	double timeout = 60, backoff = 1, max_backoff = 120, progress = -1;
	struct option opts[] = {
		OPT_STRING(0, "kind", &kind, "KIND", "wet (default), warc or wat: which files of the crawl"),
		OPT_STRING('o', "output", &out, "DIR", "download into DIR (created; paths are kept below it)"),
		OPT_INT(0, "first", &first, "N", "only the first N files of the listing"),
		OPT_STRING(0, "shard", &shard, "I/N", "only files I, I+N, I+2N, ... of the listing (after --first)"),
		OPT_STRING(0, "base-url", &base, "URL", "where the crawl is (default " DEFAULT_BASE ")"),
		OPT_STRING(0, "paths", &paths, "FILE", "read the listing from FILE (plain, .gz or a URL) instead"),
		OPT_GROUP("Transfers:"),
		OPT_INT('j', "parallel", &parallel, "N", "transfers at once (default 4)"),
		OPT_DOUBLE(0, "timeout", &timeout, "SECONDS", "a transfer with no byte for this long is retried (default 60)"),
		OPT_INT(0, "retries", &retries, "N", "give a file up after N failed tries in a row without progress (default 8)"),
		OPT_DOUBLE(0, "backoff", &backoff, "SECONDS", "the first wait before a retry, doubled each time (default 1)"),
		OPT_DOUBLE(0, "max-backoff", &max_backoff, "SECONDS", "the longest wait between tries (default 120)"),
		OPT_FLAG(0, "no-gzip-check", &no_check, "check only the length of .gz files, not their gzip members"),
		OPT_DOUBLE(0, "progress", &progress, "SECONDS", "progress line interval (default 1 on a terminal, else 30; 0: none)"),
		OPT_FLAG('q', "quiet", &quiet, "no progress and no retry messages (failures and the summary stay)"),
		OPT_END(),
	};
	struct listing l;
	struct fetch_opts fo;
	struct fetch_stats st, lst;
	struct ui ui;
	char *listing_path = NULL;
	const char *crawl = NULL;
	int nargs, rc, ret = 0;
	char b[32], r[32];

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	memset(&l, 0, sizeof(l));
	l.sn = 1;
	if (nargs > 1)
		return usage_error("one crawl at a time (got %d arguments)", nargs);
	crawl = nargs ? argv[1] : NULL;
	if (!crawl && !paths)
		return usage_error("name a crawl (e.g. CC-MAIN-2024-22) or give --paths FILE");
	if (!out)
		return usage_error("-o DIR is required");
	if (strcmp(kind, "wet") && strcmp(kind, "warc") && strcmp(kind, "wat"))
		return usage_error("--kind is wet, warc or wat, not '%s'", kind);
	if (crawl && (strchr(crawl, '/') || !strcmp(crawl, "..") || !*crawl))
		return usage_error("'%s' is not a crawl name (e.g. CC-MAIN-2024-22)", crawl);
	if (first < 0 || parallel < 1 || parallel > 256 || retries < 0 || timeout <= 0 || backoff < 0 || max_backoff <= 0)
		return usage_error("--first, --retries and --backoff must be >= 0, --timeout and --max-backoff > 0, --parallel 1..256");
	if (shard && parse_shard(shard, &l.si, &l.sn))
		return usage_error("--shard expects I/N with 0 <= I < N, not '%s'", shard);
	if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
		return usage_error("--base-url must start with http:// or https://, not '%s'", base);
	l.first = (uint64_t)first;

	ui.quiet = quiet;
	ui.tty = isatty(2);
	memset(&fo, 0, sizeof(fo));
	fo.base_url = base;
	fo.dir = out;
	fo.parallel = parallel;
	fo.timeout = timeout;
	fo.retries = retries;
	fo.backoff = backoff;
	fo.max_backoff = max_backoff;
	fo.gzip_check = !no_check;
	fo.progress = progress >= 0 ? progress : ui.tty ? 1 : 30;
	fo.event = on_event;
	fo.ctx = &ui;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		msg("cannot initialize libcurl");
		return 1;
	}

	/* the listing: fetched like any file of the crawl, then read */
	if (!paths) {
		const char *p;
		size_t n = strlen(out) + strlen(crawl) + strlen(kind) + 32;
		listing_path = malloc(n);
		if (!listing_path) {
			msg("out of memory");
			ret = 1;
			goto done;
		}
		snprintf(listing_path, n, "crawl-data/%s/%s.paths.gz", crawl, kind);
		p = listing_path;
		rc = fetch_run(&fo, one_path, &p, &lst);
		if (rc || lst.failed) {
			if (rc)
				msg_code(rc, "cannot write into '%s'", out);
			msg("cannot get the listing '%s' from '%s'", listing_path, base);
			ret = 1;
			goto done;
		}
		snprintf(listing_path, n, "%s/crawl-data/%s/%s.paths.gz", out, crawl, kind);
		paths = listing_path;
	}
	l.name = paths;
	if ((rc = instream_open(&l.in, paths))) {
		msg_code(rc, "cannot open '%s'", paths);
		ret = 1;
		goto done;
	}
	inwin_init(&l.w, l.in, sizeof(l.line) * 2);
	rc = fetch_run(&fo, next_path, &l, &st);
	if (msg_progress_active) {
		fputs("\r\033[K", stderr);
		msg_progress_active = 0;
	}
	if (rc == SL_ETOOBIG && l.too_long) {
		msg("'%s': line %" PRIu64 ": longer than %zu bytes: not a paths listing", paths, l.index + 1,
		    sizeof(l.line) - 1);
		ret = 1;
	} else if (rc == SL_EOPEN) {
		msg("cannot create '%s': %s", out, strerror(errno));
		ret = 1;
	} else if (rc) {
		msg_code(rc, "'%s'", paths);
		ret = 1;
	}
	{
		const struct instream_stats *is = instream_stats(l.in);
		if (!rc && (is->corrupt_members || is->truncated || l.w.gaps)) {
			msg("'%s': the listing is damaged (corrupt or truncated at byte %" PRIu64 "); files after it were not fetched",
			    paths, is->first_error_offset);
			ret = 1;
		}
	}
	inwin_release(&l.w);
	instream_free(l.in);
	human(b, sizeof(b), (double)st.bytes);
	human(r, sizeof(r), st.seconds > 0 ? (double)st.bytes / st.seconds : 0);
	msg("%" PRIu64 " files: %" PRIu64 " downloaded, %" PRIu64 " already complete, %" PRIu64
	    " failed; %s in %.1f s (%s/s); %" PRIu64 " retries, %" PRIu64 " resumed",
	    st.files, st.downloaded, st.skipped, st.failed, b, st.seconds, r, st.retries, st.resumed);
	if (st.failed)
		ret = 1;
done:
	free(listing_path);
	curl_global_cleanup();
	return ret;
}
