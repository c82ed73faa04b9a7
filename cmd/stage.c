/*
 * stage.c - the shared stage frame (see stage.h for the contract).
 */
#include "stage.h"
#include "warcindex.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "error.h"
#include "http_get.h"
#include "json.h"
#include "msg.h"

/* After this many problem messages, further ones are only counted. */
#define MAX_PROBLEM_MESSAGES 20

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int stage_count_add(struct stage_counts *c, const char *name, uint64_t n)
{
	size_t i;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			c->v[i].n += n;
			return 0;
		}
	if (ARRAY_GROW(c->v, c->cap, c->n + 1))
		return SL_ENOMEM;
	c->v[c->n].name = strdup(name);
	if (!c->v[c->n].name)
		return SL_ENOMEM;
	c->v[c->n++].n = n;
	return 0;
}

static void counts_free(struct stage_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int parse_shard(const char *s, unsigned long *i, unsigned long *n)
{
	char *end;
	errno = 0;
	*i = strtoul(s, &end, 10);
	if (end == s || *end != '/' || errno || s[0] == '-')
		return -1;
	s = end + 1;
	*n = strtoul(s, &end, 10);
	if (end == s || *end || errno || *n == 0 || *i >= *n || s[0] == '-')
		return -1;
	return 0;
}

/* Is the file plain (not gzip/zstd), so that it can be split by bytes? */
static int file_is_plain(const char *path)
{
	struct instream *in;
	int plain;
	if (instream_open(&in, path))
		return 0;
	plain = instream_codec(in) == INSTREAM_PLAIN;
	instream_free(in);
	return plain;
}

static int add_piece(struct stage *st, const char *path, uint64_t start, uint64_t end, int64_t size)
{
	if (ARRAY_GROW(st->pieces, st->pieces_cap, st->npieces + 1))
		return SL_ENOMEM;
	st->pieces[st->npieces].path = path;
	st->pieces[st->npieces].start = start;
	st->pieces[st->npieces].end = end;
	st->pieces[st->npieces].size = size;
	st->pieces[st->npieces].exact = 0;
	st->npieces++;
	if (size > 0)
		st->total_input += (end == UINT64_MAX ? (uint64_t)size : end) - start;
	return 0;
}

/*
 * --shard I/N: lay all inputs end to end in one byte space of T bytes;
 * part I owns [T*I/N, T*(I+1)/N).  A file that may be split contributes the
 * lines starting inside the part's range; any other file belongs to the
 * part holding its first byte.  Every process computes the same layout
 * from the same file list, so N processes cover everything exactly once.
 */
static int assign_pieces(struct stage *st, char **args, int nargs)
{
	unsigned long si = 0, sn = 1;
	uint64_t total = 0, g = 0, lo, hi;
	int64_t *sizes;
	int i, rc = 0;

	if (st->o.shard && parse_shard(st->o.shard, &si, &sn))
		return usage_error("--shard expects I/N with 0 <= I < N, not '%s'", st->o.shard);
	if (nargs == 0) {
		if (st->o.shard && sn > 1)
			return usage_error("--shard needs input files: standard input cannot be split");
		return add_piece(st, "-", 0, UINT64_MAX, -1) ? 1 : 0;
	}
	if (!st->o.shard) {
		for (i = 0; i < nargs; i++) {
			struct stat sb;
			int64_t size = strcmp(args[i], "-") && stat(args[i], &sb) == 0 && S_ISREG(sb.st_mode)
				? (int64_t)sb.st_size : -1;
			if (add_piece(st, args[i], 0, UINT64_MAX, size))
				return 1;
		}
		return 0;
	}
	sizes = calloc((size_t)nargs, sizeof(*sizes));
	if (!sizes)
		return 1;
	for (i = 0; i < nargs; i++) {
		struct stat sb;
		if (!strcmp(args[i], "-")) {
			free(sizes);
			return usage_error("--shard needs input files: standard input cannot be split");
		}
		if (http_is_url(args[i])) {
			free(sizes);
			return usage_error("--shard needs input files: a URL ('%s') is read as a stream and cannot be "
					   "split (give each job its own URLs, or download them first: sluice fetch)",
					   args[i]);
		}
		if (stat(args[i], &sb) != 0) {
			msg("cannot open '%s': %s", args[i], strerror(errno));
			free(sizes);
			return 1;
		}
		sizes[i] = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : 0;
		total += (uint64_t)sizes[i];
	}
	lo = (uint64_t)((unsigned __int128)total * si / sn);
	hi = (uint64_t)((unsigned __int128)total * (si + 1) / sn);
	for (i = 0; i < nargs && !rc; i++) {
		uint64_t s = (uint64_t)sizes[i];
		int owns_first = (g >= lo && g < hi) || (si == sn - 1 && g >= total);
		uint64_t *off = NULL;
		size_t noff = 0;
		if (s > 0 && (st->flags & STAGE_SPLIT_JSONL) && file_is_plain(args[i])) {
			uint64_t a = lo > g ? lo - g : 0, b = hi - g < s ? hi - g : s;
			if (hi > g && a < b)
				rc = add_piece(st, args[i], a, a == 0 && b == s ? UINT64_MAX : b, sizes[i]);
		} else if (s > 0 && (st->flags & STAGE_SPLIT_INDEXED) &&
			   warc_index_read(args[i], s, &off, &noff) == 0) {
			/* the records whose first byte falls in the part's range */
			uint64_t a = lo > g ? lo - g : 0, b = hi - g < s ? hi - g : s, ra = s, rb = s;
			size_t k;
			for (k = 0; k < noff && off[k] < a; k++)
				;
			if (k < noff)
				ra = off[k];
			for (; k < noff && off[k] < b; k++)
				;
			if (k < noff)
				rb = off[k];
			if (hi > g && a < b && ra < rb) {
				rc = add_piece(st, args[i], ra, ra == 0 && rb == s ? UINT64_MAX : rb, sizes[i]);
				st->pieces[st->npieces - 1].exact = 1;
			}
			free(off);
		} else if (owns_first) {
			rc = add_piece(st, args[i], 0, UINT64_MAX, sizes[i]);
		}
		g += s;
	}
	free(sizes);
	return rc ? 1 : 0;
}

/* The file a path names, as "<real folder>/<name>" (the file itself need
 * not exist); empty when its folder cannot be resolved. */
static void canonical(const char *path, char *out, size_t n)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	size_t dl = slash ? (size_t)(slash - path) : 0;
	out[0] = '\0';
	if (dl >= sizeof(dir))
		return;
	if (slash) {
		memcpy(dir, path, dl ? dl : 1); /* "/x": the root */
		dir[dl ? dl : 1] = '\0';
	} else {
		strcpy(dir, ".");
	}
	if (realpath(dir, real))
		snprintf(out, n, "%s/%s", real, name);
}

/* A character device (/dev/null, a terminal): any number of outputs may
 * write to it. */
static int is_chardev(const char *path)
{
	struct stat sb;
	return path && strcmp(path, "-") && stat(path, &sb) == 0 && S_ISCHR(sb.st_mode);
}

/* Do two output options name one file (or both standard output)? */
static int same_output(const char *a, const char *b)
{
	char ca[PATH_MAX + 256], cb[PATH_MAX + 256];
	struct stat sa_, sb_;
	int sa = !a || !strcmp(a, "-"), sb = !b || !strcmp(b, "-");
	if (sa || sb)
		return sa && sb;
	if (is_chardev(a) || is_chardev(b))
		return 0;
	if (!strcmp(a, b))
		return 1;
	if (stat(a, &sa_) == 0 && stat(b, &sb_) == 0 && sa_.st_dev == sb_.st_dev && sa_.st_ino == sb_.st_ino)
		return 1;
	canonical(a, ca, sizeof(ca));
	canonical(b, cb, sizeof(cb));
	return ca[0] && !strcmp(ca, cb);
}

int stage_check_options(const struct stage_opts *o)
{
	unsigned long si, sn;
	if (o->rejects && same_output(o->output, o->rejects))
		return usage_error("--rejects '%s' is the output too: give them different files", o->rejects);
	if (o->stats && (same_output(o->output, o->stats) || (o->rejects && same_output(o->rejects, o->stats))))
		return usage_error("--stats '%s' is also an output of documents: give it a file of its own", o->stats);
	if (o->on_error && strcmp(o->on_error, "skip") && strcmp(o->on_error, "fail"))
		return usage_error("--on-error expects 'fail' or 'skip', not '%s'", o->on_error);
	if (o->shard && parse_shard(o->shard, &si, &sn))
		return usage_error("--shard expects I/N with 0 <= I < N, not '%s'", o->shard);
	return 0;
}

void stage_also_writes(struct stage_opts *o, const char *option, const char *path)
{
	if (path && o->nmore < STAGE_MAX_MORE_OUTPUTS) {
		o->more_option[o->nmore] = option;
		o->more_output[o->nmore++] = path;
	}
}

/* The outputs of o, with the options that name them: n of them. */
static int list_outputs(const struct stage_opts *o, const char **path, const char **opt)
{
	int n = 0, i;
	path[n] = o->output;
	opt[n++] = "-o";
	if (o->rejects) {
		path[n] = o->rejects;
		opt[n++] = "--rejects";
	}
	if (o->stats) {
		path[n] = o->stats;
		opt[n++] = "--stats";
	}
	for (i = 0; i < o->nmore; i++) {
		path[n] = o->more_output[i];
		opt[n++] = o->more_option[i];
	}
	return n;
}

/* The input among args that is the regular file `path` names, or NULL. */
static const char *input_named(const char *path, char **args, int nargs)
{
	struct stat so, si;
	int i;

	if (!path || !strcmp(path, "-") || stat(path, &so) != 0 || !S_ISREG(so.st_mode))
		return NULL;
	for (i = 0; i < nargs; i++)
		if (strcmp(args[i], "-") && !http_is_url(args[i]) && stat(args[i], &si) == 0 &&
		    si.st_dev == so.st_dev && si.st_ino == so.st_ino)
			return args[i];
	return NULL;
}

/* Can a file be created where path says (where the output layer will
 * create it: outstream_target)?  0, or -1 with errno set.  Standard
 * output, devices and FIFOs are written as they are: nothing to create. */
static int output_dir_ok(const char *path)
{
	char *file, *slash;
	struct stat sb;
	int rc, e;

	if (!*path) {
		errno = ENOENT;
		return -1;
	}
	if (!(file = outstream_target(path)))
		return errno ? -1 : 0;
	slash = strrchr(file, '/');
	if (!slash)
		strcpy(file, ".");
	else
		slash[slash == file] = '\0'; /* "/x": the root */
	if (stat(file, &sb) != 0)
		rc = -1;
	else if (!S_ISDIR(sb.st_mode))
		rc = -1, errno = ENOTDIR;
	else
		rc = access(file, W_OK | X_OK);
	e = errno;
	free(file);
	errno = e;
	return rc;
}

/* Would --stats replace a file that is not an earlier run's --stats (data
 * given to --stats by a shell glob: `--stats *.jsonl` makes the first
 * file the value)?  A regular file that is not empty and does not start
 * as render_stats starts ("{\n  \"stage\": ") is kept. */
static int stats_would_clobber(const char *path)
{
	static const char head[] = "{\n  \"stage\": \"";
	char got[sizeof(head) - 1];
	struct stat sb;
	ssize_t n = 0, r;
	int fd;
	if (!path || !strcmp(path, "-") || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0; /* not readable: writing it will say why, if it fails */
	while (n < (ssize_t)sizeof(got) && (r = read(fd, got + n, sizeof(got) - (size_t)n)) > 0)
		n += r;
	close(fd);
	return n != (ssize_t)sizeof(got) || memcmp(got, head, sizeof(got)) != 0;
}

int stage_check_paths(const struct stage_opts *o, char **args, int nargs)
{
	const char *path[3 + STAGE_MAX_MORE_OUTPUTS], *opt[3 + STAGE_MAX_MORE_OUTPUTS], *in;
	int n = list_outputs(o, path, opt), i, j, first_more = n - o->nmore;

	for (i = 0; i < n; i++) {
		if ((in = input_named(path[i], args, nargs))) {
			if (strcmp(in, path[i]))
				return usage_error("%s '%s' is also an input ('%s')", opt[i], path[i], in);
			return usage_error("%s '%s' is also an input", opt[i], path[i]);
		}
	}
	if (stats_would_clobber(o->stats))
		return usage_error("--stats '%s' exists and is not a sluice --stats file: not replaced (did the shell "
				   "give --stats one of the inputs, as in --stats *.jsonl?)",
				   o->stats);
	/* -o, --rejects and --stats among themselves: stage_check_options */
	for (i = first_more; i < n; i++)
		for (j = 0; j < i; j++)
			if (same_output(path[i], path[j]))
				return usage_error("%s '%s' is also the output of %s: give it a file of its own",
						   opt[i], path[i], opt[j]);
	for (i = 0; i < n; i++)
		if (path[i] && output_dir_ok(path[i])) {
			msg("cannot open '%s': %s", path[i], strerror(errno));
			return 1;
		}
	return 0;
}

int stage_begin(struct stage *st, const char *name, unsigned flags,
		const struct stage_opts *o, char **args, int nargs)
{
	int rc, err;

	memset(st, 0, sizeof(*st));
	st->jr_owned = UINT64_MAX;
	st->name = name;
	st->o = *o;
	st->flags = flags;
	st->t0 = now();
	buf_init(&st->line, 0);
	buf_init(&st->extra, 0);
	if (!st->o.max_doc_bytes)
		st->o.max_doc_bytes = STAGE_DEFAULT_MAX_DOC;
	if ((rc = stage_check_options(&st->o)) || (rc = stage_check_paths(&st->o, args, nargs)))
		return rc;
	st->on_error_skip = st->o.on_error && !strcmp(st->o.on_error, "skip");
	if ((rc = assign_pieces(st, args, nargs)))
		goto fail;
	rc = 1;
	if ((err = outstream_open(&st->out, st->o.output, 0))) {
		msg_code(err, "cannot open '%s'", st->o.output);
		goto fail;
	}
	if (st->o.rejects && (err = outstream_open(&st->rej, st->o.rejects, 0))) {
		msg_code(err, "cannot open '%s'", st->o.rejects);
		goto fail;
	}
	st->progress = !st->o.quiet && isatty(2);
	return 0;
fail:
	outstream_close(st->out, 0);
	st->out = NULL;
	free(st->pieces);
	st->pieces = NULL;
	buf_release(&st->line);
	buf_release(&st->extra);
	return rc;
}

static void vproblem(struct stage *st, const char *fmt, va_list ap)
{
	if (st->problems_printed < MAX_PROBLEM_MESSAGES) {
		char line[1024];
		vsnprintf(line, sizeof(line), fmt, ap);
		msg("%s", line);
	} else if (st->problems_printed == MAX_PROBLEM_MESSAGES) {
		msg("more problems follow; they are counted, not shown (see --stats)");
	}
	st->problems_printed++;
}

void stage_problem(struct stage *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(st, fmt, ap);
	va_end(ap);
}

void stage_unreadable(struct stage *st, const char *reason, const char *fmt, ...)
{
	va_list ap;
	st->docs_unreadable++;
	stage_count_add(&st->unreadable_by, reason, 1);
	va_start(ap, fmt);
	vproblem(st, fmt, ap);
	va_end(ap);
}

int stage_next_input(struct stage *st, struct instream **in, const struct stage_piece **piece)
{
	const struct stage_piece *p;
	int rc;

	if (st->next_piece >= st->npieces)
		return 0;
	p = &st->pieces[st->next_piece++];
	if (p->exact)
		rc = instream_open_range(&st->in, p->path, p->start, p->end);
	else if (p->start > 0)
		rc = instream_open_at(&st->in, p->path, p->start - 1);
	else
		rc = instream_open(&st->in, p->path);
	if (rc) {
		msg_code(rc, "cannot open '%s'", p->path);
		st->failed = 1;
		return -1;
	}
	st->cur = p;
	*in = st->in;
	if (piece)
		*piece = p;
	return 1;
}

/* Done with the JSONL reader of the current input (its owned bytes kept
 * for stage_input_done). */
static void jr_close(struct stage *st)
{
	st->jr_owned = jsonl_owned_bytes(&st->jr);
	jsonl_reader_release(&st->jr);
	st->jr_open = 0;
}

void stage_input_done(struct stage *st)
{
	const struct instream_stats *s;
	const char *what;

	if (!st->in)
		return;
	s = instream_stats(st->in);
	what = instream_codec(st->in) == INSTREAM_ZSTD ? "zstd" : "gzip";
	if (s->corrupt_members) {
		char passed[160] = "";
		if (s->passed_corrupt_bytes)
			snprintf(passed, sizeof(passed),
				 "; their first %" PRIu64 " decoded bytes had already been passed on (a member over %zu MiB of output cannot be held until its check)",
				 s->passed_corrupt_bytes, INSTREAM_HOLD_MAX >> 20);
		stage_problem(st, "'%s': skipped %" PRIu64 " corrupt %s %s (%" PRIu64 " bytes; the first starts at byte %" PRIu64 " and is %" PRIu64 " bytes long%s)",
			      st->cur->path, s->corrupt_members, what,
			      instream_codec(st->in) == INSTREAM_ZSTD ? "frame(s)" : "member(s)",
			      s->skipped_bytes, s->first_corrupt_offset, s->first_corrupt_length, passed);
	}
	if (s->garbage_bytes)
		stage_problem(st, "'%s': skipped %" PRIu64 " bytes that are not %s data", st->cur->path,
			      s->garbage_bytes, what);
	if (s->truncated)
		stage_problem(st, "'%s': truncated %s stream (input ends inside a %s); kept everything before",
			      st->cur->path, what, instream_codec(st->in) == INSTREAM_ZSTD ? "frame" : "member");
	st->done_input += st->cur->size > 0 ? (st->cur->end == UINT64_MAX ? (uint64_t)st->cur->size : st->cur->end) - st->cur->start : 0;
	st->corrupt_members += s->corrupt_members;
	st->truncated_inputs += s->truncated != 0;
	/* a range of a plain JSONL file: the bytes of its own lines (what was
	 * read goes past its end, and the parts of one file would overlap) */
	if (st->cur->exact || (st->cur->start == 0 && st->cur->end == UINT64_MAX) || st->jr_owned == UINT64_MAX)
		st->bytes_in += s->out_bytes;
	else
		st->bytes_in += st->jr_owned;
	st->jr_owned = UINT64_MAX;
	instream_free(st->in);
	st->in = NULL;
	st->cur = NULL;
}

static int json_offset_line(struct stage *st, char *where, size_t n)
{
	/* Line numbers are only known when reading from the start. */
	if (!st->jr.skip_partial)
		return snprintf(where, n, "line %" PRIu64, st->jr.line_no);
	return snprintf(where, n, "byte %" PRIu64, st->jr.line_off);
}

int stage_next(struct stage *st, struct doc *d)
{
	for (;;) {
		const char *line;
		size_t len;
		int rc;
		char where[64];

		if (st->failed || st->pipe_closed)
			return -1;
		if (!st->jr_open) {
			struct instream *in;
			const struct stage_piece *p;
			rc = stage_next_input(st, &in, &p);
			if (rc <= 0)
				return rc;
			rc = jsonl_reader_init(&st->jr, in, p->start, p->end, st->o.max_doc_bytes);
			if (rc) {
				msg_code(rc, "'%s'", p->path);
				st->failed = 1;
				return -1;
			}
			st->jr_open = 1;
		}
		rc = jsonl_next(&st->jr, &line, &len);
		if (rc == 0) {
			jr_close(st);
			stage_input_done(st);
			continue;
		}
		json_offset_line(st, where, sizeof(where));
		rc = stage_check_line(st, rc, line, len, d, st->cur->path, where, 1);
		if (rc > 0) {
			stage_progress(st);
			return 1;
		}
		if (rc < 0)
			return -1;
	}
}

int stage_check_line(struct stage *st, int rc, const char *line, size_t len, struct doc *d,
		     const char *path, const char *where, int count)
{
	struct json_err e = { 0, NULL, 0 };

	if (rc == SL_ETOOBIG) {
		if (count) {
			st->docs_in++;
			stage_unreadable(st, "too_large", "'%s': %s: document larger than --max-doc-bytes (%zu bytes); skipped",
					 path, where, st->o.max_doc_bytes);
		}
		return 0;
	}
	if (rc == SL_ETRUNC) {
		if (count) {
			st->docs_in++;
			stage_unreadable(st, "corrupt_input", "'%s': %s: line cut short by corrupt or truncated compressed data; skipped",
					 path, where);
		}
		return 0;
	}
	if (rc < 0) {
		msg_code(rc, "'%s': %s", path, where);
		st->failed = 1;
		return -1;
	}
	if (count)
		st->docs_in++;
	rc = doc_parse(d, line, len, st->o.max_doc_bytes,
		       (st->flags & STAGE_ID_OPTIONAL ? DOC_ID_OPTIONAL : 0) |
			       (st->flags & STAGE_TEXT_OPTIONAL ? DOC_TEXT_OPTIONAL : 0), &e);
	if (count)
		st->utf8_replaced += d->replaced;
	if (rc == 0)
		return 1;
	if (!count && (rc == SL_EJSON || rc == SL_EFORMAT || rc == SL_ETOOBIG))
		return 0;
	if (rc == SL_EJSON || rc == SL_EFORMAT) {
		const char *kind = rc == SL_EJSON ? "malformed JSON" : "not a document";
		if (!st->on_error_skip) {
			st->docs_unreadable++;
			stage_count_add(&st->unreadable_by, rc == SL_EJSON ? "malformed_json" : "not_a_document", 1);
			if (rc == SL_EJSON)
				msg("'%s': %s: %s: %s at column %zu (use --on-error skip to skip such lines)",
				    path, where, kind, e.msg, e.offset + 1);
			else
				msg("'%s': %s: %s: %s (use --on-error skip to skip such lines)",
				    path, where, kind, e.msg);
			st->failed = 1;
			return -1;
		}
		if (rc == SL_EJSON)
			stage_unreadable(st, "malformed_json", "'%s': %s: %s: %s at column %zu; skipped",
					 path, where, kind, e.msg, e.offset + 1);
		else
			stage_unreadable(st, "not_a_document", "'%s': %s: %s: %s; skipped",
					 path, where, kind, e.msg);
		return 0;
	}
	if (rc == SL_ETOOBIG) {
		stage_unreadable(st, "too_large", "'%s': %s: document larger than --max-doc-bytes; skipped",
				 path, where);
		return 0;
	}
	msg_code(rc, "'%s': %s", path, where);
	st->failed = 1;
	return -1;
}

int stage_doc_origin(const struct stage *st, struct buf *out)
{
	return buf_addf(out, "%s:%" PRIu64, st->cur ? st->cur->path : "-", st->jr.line_off);
}

int stage_doc_where(struct stage *st, struct buf *out)
{
	char where[64];
	json_offset_line(st, where, sizeof(where));
	return buf_addf(out, "'%s': %s", st->cur ? st->cur->path : "-", where);
}

static int write_doc(struct stage *st, struct outstream *os, struct doc *d)
{
	int rc;

	buf_reset(&st->line);
	if ((rc = doc_write(d, &st->line)) == 0)
		rc = outstream_write(os, st->line.ptr, st->line.len);
	if (rc == SL_EPIPE && os == st->out) {
		st->pipe_closed = 1;
		return -1;
	}
	if (rc) {
		/* a side output's reader going (--rejects - | head) is a
		 * failure: the run stops, so -o would be incomplete */
		msg_code(rc, "cannot write '%s'", os == st->out ? (st->o.output ? st->o.output : "-")
							  : st->o.rejects);
		st->failed = 1;
		return -1;
	}
	return 0;
}

int stage_emit(struct stage *st, struct doc *d)
{
	st->docs_out++;
	return write_doc(st, st->out, d);
}

int stage_reject(struct stage *st, struct doc *d, const char *reason)
{
	char tag[256];
	int rc;

	snprintf(tag, sizeof(tag), "%s:%s", st->name, reason);
	if ((rc = doc_meta_set_str(d, "rejected_by", tag, strlen(tag))) ||
	    (rc = stage_count_add(&st->rejected_by, reason, 1))) {
		msg_code(rc, "internal error");
		st->failed = 1;
		return -1;
	}
	if (st->o.annotate_only)
		return stage_emit(st, d);
	st->docs_rejected++;
	return st->rej ? write_doc(st, st->rej, d) : 0;
}

static void human_bytes(double b, char *out, size_t n)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;
	while (b >= 1000 && i < 4) {
		b /= 1000;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

void stage_progress(struct stage *st)
{
	double t, el, raw;
	char in[32], rate[32], eta[32] = "";

	if (!st->progress || (st->docs_in & 255))
		return;
	t = now();
	if (t - st->last_progress < 0.25)
		return;
	st->last_progress = t;
	el = t - st->t0;
	raw = (double)st->done_input;
	if (st->in) {
		const struct instream_stats *s = instream_stats(st->in);
		raw += (double)s->raw_bytes - (double)(st->cur && st->cur->start ? st->cur->start - 1 : 0);
	}
	human_bytes(raw, in, sizeof(in));
	human_bytes(el > 0 ? raw / el : 0, rate, sizeof(rate));
	if (st->total_input && raw > 0 && raw <= (double)st->total_input) {
		double left = el * ((double)st->total_input - raw) / raw;
		snprintf(eta, sizeof(eta), ", %.0f%%, ETA %d:%02d", 100.0 * raw / (double)st->total_input,
			 (int)(left / 60), (int)left % 60);
	}
	fprintf(stderr, "\r\033[K%s: %" PRIu64 " docs, %s read, %s/s, %.0f docs/s%s", opt_cmd,
		st->docs_in, in, rate, el > 0 ? (double)st->docs_in / el : 0.0, eta);
	msg_progress_active = 1;
}

static void put_counts(struct buf *b, const char *key, const struct stage_counts *c)
{
	buf_addf(b, ",\n  \"%s\": {", key);
	for (size_t i = 0; i < c->n; i++) {
		buf_addstr(b, i ? ", " : "");
		json_string_encode(b, c->v[i].name, strlen(c->v[i].name));
		buf_addf(b, ": %" PRIu64, c->v[i].n);
	}
	buf_addch(b, '}');
}

/* The --stats JSON (complete unless the stage failed or its reader went). */
static void render_stats(struct stage *st, double seconds, struct buf *b)
{
	buf_reset(b);
	buf_addf(b, "{\n  \"stage\": \"%s\",\n  \"inputs\": %zu", st->name, st->npieces);
	if (st->o.shard) {
		buf_addstr(b, ",\n  \"shard\": ");
		json_string_encode(b, st->o.shard, strlen(st->o.shard));
	}
	buf_addf(b, ",\n  \"docs_in\": %" PRIu64 ",\n  \"docs_out\": %" PRIu64
		 ",\n  \"docs_rejected\": %" PRIu64 ",\n  \"docs_unreadable\": %" PRIu64,
		 st->docs_in, st->docs_out, st->docs_rejected, st->docs_unreadable);
	put_counts(b, st->o.annotate_only ? "flagged_by" : "rejected_by", &st->rejected_by);
	put_counts(b, "unreadable_by", &st->unreadable_by);
	buf_addf(b, ",\n  \"annotate_only\": %s", st->o.annotate_only ? "true" : "false");
	buf_addf(b, ",\n  \"bytes_in\": %" PRIu64 ",\n  \"bytes_out\": %" PRIu64,
		 st->bytes_in, st->bytes_out);
	buf_addf(b, ",\n  \"invalid_utf8_replaced\": %" PRIu64, st->utf8_replaced);
	buf_addf(b, ",\n  \"corrupt_compressed_members\": %" PRIu64 ",\n  \"truncated_inputs\": %" PRIu64,
		 st->corrupt_members, st->truncated_inputs);
	buf_add(b, st->extra.ptr, st->extra.len);
	buf_addf(b, ",\n  \"complete\": %s", st->failed || st->pipe_closed ? "false" : "true");
	buf_addf(b, ",\n  \"seconds\": %.3f\n}\n", seconds);
}

/* Write the --stats JSON under its temporary name (*os, to be committed or
 * removed by the caller): 0, or 1 (reported; *os NULL). */
static int stage_stats_write(struct stage *st, double seconds, struct outstream **os)
{
	struct buf b = BUF_INIT;
	int rc;

	render_stats(st, seconds, &b);
	if ((rc = outstream_open(os, st->o.stats, 0)) == 0) {
		rc = outstream_write(*os, b.ptr, b.len);
		if (!rc)
			rc = outstream_finish(*os);
		if (rc) {
			outstream_close(*os, 0);
			*os = NULL;
		}
	}
	if (rc)
		msg_code(rc, "cannot write '%s'", st->o.stats);
	buf_release(&b);
	return rc ? 1 : 0;
}

int stage_open_output(struct stage *st, struct outstream **os, const char *path)
{
	int rc;

	*os = NULL;
	if (st->nmore >= STAGE_MAX_MORE_OUTPUTS) {
		msg_code(SL_EINVAL, "internal error: too many outputs");
		st->failed = 1;
		return 1;
	}
	if ((rc = outstream_open(os, path, 0))) {
		msg_code(rc, "cannot open '%s'", path);
		st->failed = 1;
		return 1;
	}
	st->more[st->nmore] = *os;
	st->more_path[st->nmore++] = path;
	return 0;
}

/* Phase one of publishing: finish an output under its temporary name.
 * The main output's pipe closed is the reader's choice ("| head"): not an
 * error; any other output's is (what it lacks was never said). */
static void finish_output(struct stage *st, struct outstream *os, const char *name, int *ok)
{
	int rc;

	if (!*ok || !os)
		return;
	rc = outstream_finish(os);
	if (rc && !(rc == SL_EPIPE && os == st->out)) {
		msg_code(rc, "cannot write '%s'", name);
		st->failed = 1;
		*ok = 0;
	}
}

/* Phase two: rename it into place (ok) or remove it. */
static void commit_output(struct stage *st, struct outstream *os, const char *name, int *ok)
{
	int rc;

	if (!os)
		return;
	rc = outstream_close(os, *ok);
	if (*ok && rc && !(rc == SL_EPIPE && os == st->out)) {
		msg_code(rc, "cannot write '%s'", name);
		st->failed = 1;
		*ok = 0;
	}
}

int stage_end(struct stage *st)
{
	double seconds = now() - st->t0;
	const char *out_name = st->o.output ? st->o.output : "-";
	struct outstream *stats = NULL;
	int ok, stats_ok, failed_before, i;

	if (st->jr_open)
		jr_close(st);
	stage_input_done(st);
	if (msg_progress_active) {
		fputs("\r\033[K", stderr);
		msg_progress_active = 0;
	}
	ok = !st->failed;
	if (st->out)
		st->bytes_out = outstream_bytes(st->out);
	/* phase one: every output written out and closed under its temporary
	 * name; the --stats JSON then says whether that worked */
	finish_output(st, st->out, out_name, &ok);
	finish_output(st, st->rej, st->o.rejects, &ok);
	for (i = 0; i < st->nmore; i++)
		finish_output(st, st->more[i], st->more_path[i], &ok);
	if (st->docs_unreadable && st->problems_printed > MAX_PROBLEM_MESSAGES)
		msg("%" PRIu64 " documents could not be read (see --stats for the reasons)", st->docs_unreadable);
	if (st->o.stats && stage_stats_write(st, seconds, &stats)) {
		st->failed = 1;
		ok = 0;
	}
	failed_before = st->failed;
	/* phase two: all renamed, or all removed */
	commit_output(st, st->out, out_name, &ok);
	commit_output(st, st->rej, st->o.rejects, &ok);
	for (i = 0; i < st->nmore; i++)
		commit_output(st, st->more[i], st->more_path[i], &ok);
	st->out = st->rej = NULL;
	st->nmore = 0;
	if (stats) {
		/* written even when the run failed: it reports the failure
		 * ("complete": false); rewritten if a rename above failed after
		 * it said complete */
		stats_ok = 1;
		if (st->failed && !failed_before) {
			outstream_close(stats, 0);
			stage_stats_write(st, seconds, &stats);
		}
		commit_output(st, stats, st->o.stats, &stats_ok);
	}
	counts_free(&st->rejected_by);
	counts_free(&st->unreadable_by);
	buf_release(&st->line);
	buf_release(&st->extra);
	free(st->pieces);
	st->pieces = NULL;
	return st->failed ? 1 : 0;
}
