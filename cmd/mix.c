/*
 * mix.c - a mixture of several document sources with weights by tokens or
 * documents: up-sampling repeats a source (whole passes, then a seeded
 * sample of one more), down-sampling keeps a seeded sample; the realized
 * proportions are reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "doc.h"
#include "error.h"
#include "instream.h"
#include "json.h"
#include "jsonl.h"
#include "msg.h"
#include "options.h"
#include "outstream.h"
#include "stage.h"

struct source {
	char *path;
	double weight;
	uint64_t docs, tokens;        /* in the source (readable documents) */
	uint64_t unreadable;
	double target;                /* in the unit of the mixture */
	uint64_t passes;              /* whole copies */
	double frac;                  /* sampled share of one more copy */
	uint64_t out_docs, out_tokens;
	size_t index;                 /* of the source, for the hash */
	uint64_t seed;
	uint64_t *hist;               /* units by the top 16 bits of the hash */
	int hist_tokens;              /* units are tokens (else documents) */
	uint64_t cutoff;              /* the sampled pass keeps hashes below this (top 16 bits) */
	uint64_t seen_docs, seen_tokens; /* what the last pass read */
};

#define MIX_HIST 65536

static uint64_t mix_hash(uint64_t seed, uint64_t src, uint64_t doc)
{
	uint64_t z = seed ^ (src * 0x9e3779b97f4a7c15ull) ^ (doc * 0xd1342543de82ef95ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Number of ids in a raw "tokens" array (already valid JSON): commas + 1. */
static uint64_t count_tokens(const char *v, size_t n)
{
	uint64_t c = 0;
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == ',')
			c++;
		else if (v[i] >= '0' && v[i] <= '9')
			any = 1;
	}
	return any ? c + 1 : 0;
}

/*
 * Read a source once; for every readable document call back with its
 * number and token count.  by_tokens: documents without "tokens" are
 * unreadable.  first: the counting pass, which opens the source as the
 * stage's next input and counts and reports what it reads (docs_in,
 * unreadable lines, invalid UTF-8, --on-error); later passes read the same
 * lines again and skip the bad ones silently, so a document keeps its
 * number.  Returns 0 or 1 (reported; st->failed or st->pipe_closed set).
 */
typedef int (*mix_fn)(void *ctx, uint64_t index, uint64_t tokens, const struct doc *d,
		      const char *line, size_t len);
static int read_source(struct stage *st, struct source *s, int by_tokens, int first, mix_fn fn, void *ctx)
{
	struct instream *in;
	struct jsonl_reader jr;
	struct doc d;
	const char *line;
	size_t len;
	uint64_t index = 0;
	int rc, ret = 0;
	char where[64];

	if (first) {
		if (stage_next_input(st, &in, NULL) <= 0)
			return 1;
	} else if ((rc = instream_open(&in, s->path))) {
		msg_code(rc, "cannot open '%s'", s->path);
		st->failed = 1;
		return 1;
	}
	if ((rc = jsonl_reader_init(&jr, in, 0, UINT64_MAX, st->o.max_doc_bytes))) {
		msg_code(rc, "'%s'", s->path);
		st->failed = 1;
		if (first)
			stage_input_done(st);
		else
			instream_free(in);
		return 1;
	}
	doc_init(&d);
	s->seen_docs = s->seen_tokens = 0;
	while ((rc = jsonl_next(&jr, &line, &len)) != 0) {
		uint64_t bad = st->docs_unreadable, ntok;
		const char *tv;
		size_t tl;
		snprintf(where, sizeof(where), "line %" PRIu64, jr.line_no);
		rc = stage_check_line(st, rc, line, len, &d, s->path, where, first);
		s->unreadable += st->docs_unreadable - bad;
		if (rc < 0) {
			ret = 1;
			break;
		}
		if (rc == 0)
			continue;
		tv = doc_get_raw(&d, "tokens", &tl);
		if (by_tokens && !tv) {
			if (first) {
				s->unreadable++;
				stage_unreadable(st, "no_tokens", "'%s': %s: no \"tokens\" member; skipped", s->path, where);
			}
			continue;
		}
		if (first)
			stage_progress(st);
		ntok = tv ? count_tokens(tv, tl) : 0;
		s->seen_docs++;
		s->seen_tokens += ntok;
		if ((rc = fn(ctx, index++, ntok, &d, line, len))) {
			ret = 1;
			break;
		}
	}
	doc_release(&d);
	jsonl_reader_release(&jr);
	if (first)
		stage_input_done(st);
	else
		instream_free(in);
	return ret;
}

static int count_cb(void *ctx, uint64_t index, uint64_t tokens, const struct doc *d,
		    const char *line, size_t len)
{
	struct source *s = ctx;
	(void)d;
	(void)line;
	(void)len;
	s->docs++;
	s->tokens += tokens;
	s->hist[mix_hash(s->seed, s->index, index) >> 48] += s->hist_tokens ? tokens : 1;
	return 0;
}

struct emit_ctx {
	struct source *s;
	size_t si;
	uint64_t seed, pass;
	int sample;               /* this pass keeps a sample (frac) */
	struct stage *st;
	struct buf line;          /* a document whose invalid UTF-8 was replaced */
};

static int emit_cb(void *ctx, uint64_t index, uint64_t tokens, const struct doc *d,
		   const char *line, size_t len)
{
	struct emit_ctx *c = ctx;
	struct stage *st = c->st;
	int rc;

	if (c->sample && (mix_hash(c->seed, c->si, index) >> 48) >= c->s->cutoff)
		return 0;
	/* the line as read, unless its invalid UTF-8 was replaced */
	if (d->replaced) {
		buf_reset(&c->line);
		rc = doc_write(d, &c->line);
		if (!rc)
			rc = outstream_write(st->out, c->line.ptr, c->line.len);
	} else if (!(rc = outstream_write(st->out, line, len))) {
		rc = outstream_write(st->out, "\n", 1);
	}
	if (rc) {
		if (rc == SL_EPIPE) {
			st->pipe_closed = 1;
		} else {
			msg_code(rc, "cannot write '%s'", st->o.output ? st->o.output : "-");
			st->failed = 1;
		}
		return rc;
	}
	st->docs_out++;
	c->s->out_docs++;
	c->s->out_tokens += tokens;
	return 0;
}

/* usage errors after option parsing: free the --source list */
#define RET_USAGE(x) do { free(srcs.items); return (x); } while (0)

int cmd_mix(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice mix --source FILE:WEIGHT... (--tokens N | --documents N) [<options>]",
		"",
		"Build a mixture of several sources with weights by tokens (documents need",
		"\"tokens\", as sluice tok adds them) or by documents.  A source that has less",
		"than its share is repeated (whole passes, then a seeded sample of one more);",
		"one that has more is sampled.  Deterministic for a seed.  Sources are written",
		"one after the other; pipe into 'sluice shard --shuffle' to interleave them.",
		"The realized proportions go to stderr (and --stats).",
		"",
		"Every source line is checked as in the other stages (a document needs \"id\"",
		"and \"text\"; invalid UTF-8 is replaced with U+FFFD and counted): a malformed",
		"line stops the mix (exit 1) unless --on-error skip counts and skips it.",
		"--stats has the stages' counters, read once per source (docs_in = the",
		"sources' available documents + docs_unreadable; docs_out counts the copies",
		"written, repeats included), then the mixture's own members.",
		"",
		"  sluice mix --source web.jsonl:0.7 --source code.jsonl:0.3 --tokens 1e9 -o mix.jsonl.zst",
		NULL
	};
	struct opt_list srcs = { NULL, 0, 0 };
	const char *tokens = NULL, *documents = NULL, *seed_s = NULL;
	struct stage_opts o = { 0 };
	struct option opts[] = {
		OPT_LIST(0, "source", &srcs, "FILE:WEIGHT", "an input and its weight (repeatable)"),
		OPT_STRING(0, "tokens", &tokens, "N", "size of the mixture in tokens (1e9, 500M)"),
		OPT_STRING(0, "documents", &documents, "N", "size of the mixture in documents (1e6, 10k)"),
		OPT_STRING(0, "seed", &seed_s, "S", "seed of the sampling (default 0)"),
		OPT_STRING('o', "output", &o.output, "FILE", "write to FILE (.gz/.zst compress); default stdout"),
		OPT_STRING(0, "stats", &o.stats, "FILE", "write the counters and the realized proportions as JSON"),
		OPT_STRING(0, "on-error", &o.on_error, "fail|skip", "a malformed source line stops the mix (fail, default) or is counted and skipped"),
		OPT_SIZE(0, "max-doc-bytes", &o.max_doc_bytes, "SIZE", "skip and count larger documents (default 64M)"),
		OPT_FLAG('q', "quiet", &o.quiet, "no progress or report on stderr"),
		OPT_END(),
	};
	struct stage st;
	struct source *s;
	char **paths = NULL;
	uint64_t want_n;
	double want, wsum = 0, total_out = 0;
	uint64_t seed = 0;
	int nargs, by_tokens, ret = 0;
	char *end;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (nargs)
		RET_USAGE(usage_error("inputs are given with --source FILE:WEIGHT"));
	if (!srcs.n)
		RET_USAGE(usage_error("at least one --source FILE:WEIGHT is required"));
	if (!tokens == !documents)
		RET_USAGE(usage_error("give one of --tokens N or --documents N"));
	by_tokens = tokens != NULL;
	if (parse_count(by_tokens ? tokens : documents, &want_n) || want_n == 0 || want_n > (uint64_t)1e18)
		RET_USAGE(usage_error("--%s expects a positive count, not '%s'", by_tokens ? "tokens" : "documents",
				   by_tokens ? tokens : documents));
	want = (double)want_n;
	if (seed_s) {
		seed = strtoull(seed_s, &end, 10);
		if (*end || !*seed_s || seed_s[0] == '-')
			RET_USAGE(usage_error("--seed expects a non-negative integer, not '%s'", seed_s));
	}
	if (stage_check_options(&o))
		RET_USAGE(2);
	s = calloc(srcs.n, sizeof(*s));
	paths = calloc(srcs.n, sizeof(*paths));
	if (!s || !paths) {
		free(s);
		free(paths);
		free(srcs.items);
		return 1;
	}
	for (size_t i = 0; i < srcs.n; i++) {
		const char *colon = strrchr(srcs.items[i], ':');
		if (!colon || colon == srcs.items[i]) {
			ret = usage_error("--source expects FILE:WEIGHT, not '%s'", srcs.items[i]);
			goto out;
		}
		errno = 0;
		s[i].weight = strtod(colon + 1, &end);
		if (*end || errno || !(s[i].weight > 0) || !isfinite(s[i].weight)) {
			ret = usage_error("--source '%s': the weight must be a positive number", srcs.items[i]);
			goto out;
		}
		s[i].path = strndup(srcs.items[i], (size_t)(colon - srcs.items[i]));
		s[i].index = i;
		s[i].seed = seed;
		s[i].hist_tokens = by_tokens;
		s[i].hist = calloc(MIX_HIST, sizeof(uint64_t));
		if (!s[i].hist) {
			ret = 1;
			goto out;
		}
		if (!s[i].path || !strcmp(s[i].path, "-")) {
			ret = s[i].path ? usage_error("--source cannot be standard input (it is read more than once)") : 1;
			goto out;
		}
		{
			/* read twice (counted, then written): a pipe would be empty the second time */
			struct stat sb;
			if (stat(s[i].path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
				ret = usage_error("--source '%s' is not a regular file (a pipe, FIFO, device or directory); "
						  "a source is read more than once: save it to a file first", s[i].path);
				goto out;
			}
		}
		paths[i] = s[i].path;
		wsum += s[i].weight;
	}
	/* the sources are the stage's inputs, one piece each, in order (the
	 * counting pass reads them through the frame); opens the output */
	if ((ret = stage_begin(&st, "mix", 0, &o, paths, (int)srcs.n)))
		goto out;
	/* pass 1: the size of every source */
	for (size_t i = 0; i < srcs.n; i++) {
		if (read_source(&st, &s[i], by_tokens, 1, count_cb, &s[i]))
			goto end;
		if ((by_tokens ? s[i].tokens : s[i].docs) == 0) {
			msg("'%s': no %s to sample from", s[i].path, by_tokens ? "tokens" : "documents");
			st.failed = 1;
			goto end;
		}
		s[i].target = want * s[i].weight / wsum;
		{
			double r = s[i].target / (double)(by_tokens ? s[i].tokens : s[i].docs);
			double part, cum = 0;
			s[i].passes = (uint64_t)floor(r);
			s[i].frac = r - floor(r);
			/* The sampled pass keeps the documents whose hash falls below a
			 * cutoff chosen so that their units come closest to the share:
			 * exact to a 65536th of the source, not a coin per document
			 * (whose error, by tokens, grows with document length). */
			part = s[i].frac * (double)(by_tokens ? s[i].tokens : s[i].docs);
			s[i].cutoff = 0;
			for (uint64_t k = 0; k < MIX_HIST; k++) {
				double next = cum + (double)s[i].hist[k];
				if (fabs(next - part) > fabs(cum - part) && cum <= part && next > part)
					break;
				cum = next;
				s[i].cutoff = k + 1;
				if (cum >= part)
					break;
			}
		}
	}
	/* pass 2: whole copies, then the sampled part */
	for (size_t i = 0; i < srcs.n; i++) {
		struct emit_ctx c = { &s[i], i, seed, 0, 0, &st, BUF_INIT };
		int bad = 0;
		for (uint64_t p = 0; p <= s[i].passes && !bad; p++) {
			c.pass = p;
			c.sample = p == s[i].passes;
			if (c.sample && s[i].frac <= 0)
				break;
			bad = read_source(&st, &s[i], by_tokens, 0, emit_cb, &c);
			/* every pass must read what the first one counted: a source
			 * that changed meanwhile would give another mixture */
			if (!bad && (s[i].seen_docs != s[i].docs || s[i].seen_tokens != s[i].tokens)) {
				msg("'%s' changed while mixing: read %" PRIu64 " documents (%" PRIu64 " tokens), "
				    "not the %" PRIu64 " (%" PRIu64 " tokens) counted before", s[i].path, s[i].seen_docs,
				    s[i].seen_tokens, s[i].docs, s[i].tokens);
				st.failed = 1;
				bad = 1;
			}
		}
		buf_release(&c.line);
		if (bad)
			goto end;
	}
	for (size_t i = 0; i < srcs.n; i++)
		total_out += (double)(by_tokens ? s[i].out_tokens : s[i].out_docs);
	{
		struct buf *b = &st.extra;
		buf_addf(b, ",\n  \"unit\": \"%s\",\n  \"requested\": %.0f,\n  \"realized\": %.0f,\n  \"seed\": %" PRIu64
			 ",\n  \"sources\": [", by_tokens ? "tokens" : "documents", want, total_out, seed);
		for (size_t i = 0; i < srcs.n; i++) {
			double got = (double)(by_tokens ? s[i].out_tokens : s[i].out_docs);
			buf_addf(b, "%s\n    {\"path\": ", i ? "," : "");
			json_string_encode(b, s[i].path, strlen(s[i].path));
			buf_addf(b, ", \"weight\": %.6g, \"available_documents\": %" PRIu64 ", \"available_tokens\": %" PRIu64
				 ", \"documents\": %" PRIu64 ", \"tokens\": %" PRIu64 ", \"repeats\": %.4f"
				 ", \"proportion\": %.6f, \"unreadable\": %" PRIu64 "}",
				 s[i].weight / wsum, s[i].docs, s[i].tokens, s[i].out_docs, s[i].out_tokens,
				 (double)s[i].passes + s[i].frac, total_out > 0 ? got / total_out : 0.0, s[i].unreadable);
			if (!o.quiet)
				msg("'%s': weight %.4f, realized %.4f (%" PRIu64 " documents, %" PRIu64 " tokens, x%.3f)",
				    s[i].path, s[i].weight / wsum, total_out > 0 ? got / total_out : 0.0, s[i].out_docs,
				    s[i].out_tokens, (double)s[i].passes + s[i].frac);
		}
		buf_addstr(b, "\n  ]");
	}
end:
	ret = stage_end(&st);
out:
	for (size_t i = 0; i < srcs.n; i++) {
		free(s[i].path);
		free(s[i].hist);
	}
	free(s);
	free(paths);
	free(srcs.items);
	return ret;
}
