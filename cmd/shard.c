/*
 * shard.c - tokenized JSONL documents to training shards (Megatron,
 * nanoGPT, llm.c, datatrove, JSONL), crash-safe and resumable; `shard
 * verify` and `shard cat` read a set back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "error.h"
#include "fsutil.h"
#include "msg.h"
#include "shardout.h"
#include "stage.h"
#include "tokshard.h"

/* Where the current document came from, for messages. */
static void where(const struct stage *st, char *out, size_t n)
{
	if (!st->jr.skip_partial)
		snprintf(out, n, "'%s': line %" PRIu64, st->cur ? st->cur->path : "-", st->jr.line_no);
	else
		snprintf(out, n, "'%s': byte %" PRIu64, st->cur ? st->cur->path : "-", st->jr.line_off);
}

static int cmd_shard_verify(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice shard verify PREFIX",
		"",
		"Check a shard set against PREFIX.manifest.json: every shard's files, sizes",
		"and xxh64 checksums, and the format's invariants (Megatron: magic, version,",
		"dtype, len(sequence_lengths) == document_indices[-1] == sequence_count,",
		"pointers are the cumulative byte offsets; datatrove: monotone .ds.index",
		"ending at the token count, .ds.metadata; llm.c: header; token ids within the",
		"dtype and the vocabulary size the manifest records).  Prints one summary line;",
		"exit 1 when anything is wrong.",
		NULL
	};
	struct option opts[] = { OPT_END() };
	struct tokshard_manifest m;
	uint64_t docs = 0, toks = 0;
	int nargs, bad = 0;
	char why[512];

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (nargs != 1)
		return usage_error("expected one PREFIX");
	if (shardout_load_manifest(argv[1], &m, 1))
		return 1;
	for (size_t i = 0; i < m.n; i++) {
		int rc = tokshard_check(argv[1], &m, i, NULL, NULL, why, sizeof(why));
		if (rc) {
			shardout_report_check(rc, why);
			bad++;
		}
		docs += m.shards[i].documents;
		toks += m.shards[i].tokens;
	}
	if (!m.complete) {
		msg("'%s': the set is incomplete (its run did not finish); run sluice shard again to complete it",
		    argv[1]);
		bad++;
	}
	if (!bad)
		printf("ok: %zu shards, %" PRIu64 " documents, %" PRIu64 " tokens (%s, %s)\n", m.n, docs, toks,
		       tokshard_format_name(m.o.format), tokshard_dtype_name(m.o.dtype));
	tokshard_manifest_release(&m);
	return bad ? 1 : 0;
}

struct cat_ctx {
	struct outstream *out;
	struct buf line;
	const char *stem;
	size_t shard;
	uint64_t doc;
	int err;
};

static int cat_doc(void *ctx, const char *id, size_t idlen, const uint64_t *ids, size_t n)
{
	struct cat_ctx *c = ctx;
	char num[24];
	int rc;

	buf_reset(&c->line);
	buf_addstr(&c->line, "{\"id\":");
	if (id) {
		buf_add(&c->line, id, idlen);
	} else {
		buf_addf(&c->line, "\"%s_%05zu:%" PRIu64 "\"", c->stem, c->shard, c->doc);
	}
	buf_addstr(&c->line, ",\"tokens\":[");
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(num, sizeof(num), i ? ",%" PRIu64 : "%" PRIu64, ids[i]);
		if ((rc = buf_add(&c->line, num, (size_t)k)))
			return rc;
	}
	if ((rc = buf_addstr(&c->line, "]}\n")))
		return rc;
	c->doc++;
	return outstream_write(c->out, c->line.ptr, c->line.len);
}

static int cmd_shard_cat(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice shard cat [<options>] PREFIX",
		"",
		"Print the documents of a shard set as JSONL, one {\"id\", \"tokens\"} object",
		"per document, in order, from any format sluice shard writes.  Shards are",
		"verified as they are read.  Binary shards have no ids: a document is named",
		"\"<shard>:<n>\".  nanoGPT and llm.c shards keep no boundaries: documents are",
		"split after each EOS id (the whole shard is one document without --eos).",
		NULL
	};
	const char *output = NULL;
	struct option opts[] = {
		OPT_STRING('o', "output", &output, "FILE", "write to FILE (.gz/.zst compress); default stdout"),
		OPT_END(),
	};
	struct tokshard_manifest m;
	struct cat_ctx c;
	char why[512];
	int nargs, rc = 0, err;
	const char *slash;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (nargs != 1)
		return usage_error("expected one PREFIX");
	if (shardout_load_manifest(argv[1], &m, 1))
		return 1;
	memset(&c, 0, sizeof(c));
	buf_init(&c.line, 0);
	if ((err = outstream_open(&c.out, output, 0))) {
		msg_code(err, "cannot open '%s'", output ? output : "-");
		tokshard_manifest_release(&m);
		return 1;
	}
	slash = strrchr(argv[1], '/');
	c.stem = slash ? slash + 1 : argv[1];
	for (size_t i = 0; i < m.n && !rc; i++) {
		c.shard = i;
		c.doc = 0;
		rc = tokshard_check(argv[1], &m, i, cat_doc, &c, why, sizeof(why));
		if (rc == SL_EPIPE)
			break;
		if (rc == SL_EIO && !why[0])
			msg_code(rc, "cannot write '%s'", output ? output : "-");
		else if (rc)
			shardout_report_check(rc, why);
		why[0] = '\0';
	}
	err = outstream_close(c.out, rc == 0);
	if (!rc && err && err != SL_EPIPE) {
		msg_code(err, "cannot write '%s'", output ? output : "-");
		rc = err;
	}
	buf_release(&c.line);
	tokshard_manifest_release(&m);
	return rc && rc != SL_EPIPE ? 1 : 0;
}

/*
 * The ids of a document, checked: 1 (ids, and for jsonl the line, filled),
 * 0 (counted as unreadable or rejected; go on), -1 (fatal, reported).
 */
static int doc_ids(struct stage *st, struct shardout *out, struct doc *d,
		   const struct tokshard_opts *o, uint64_t vmax, struct tokshard_ids *ids, struct buf *line)
{
	const char *tv;
	size_t tlen;
	char at[600], why[512];
	int rc;

	tv = doc_get_raw(d, "tokens", &tlen);
	if (!tv) {
		where(st, at, sizeof(at));
		stage_unreadable(st, "no_tokens", "%s: no \"tokens\" member (tokenize first: sluice tok); skipped", at);
		shardout_dropped(out, 1, "no_tokens", d);
		return 0;
	}
	rc = tokshard_parse_ids(tv, tlen, vmax, ids, why, sizeof(why));
	if (rc == SL_EFORMAT) {
		where(st, at, sizeof(at));
		stage_unreadable(st, "bad_tokens", "%s: %s; skipped", at, why);
		shardout_dropped(out, 1, "bad_tokens", d);
		return 0;
	}
	if (rc == SL_EINVAL) {
		where(st, at, sizeof(at));
		if (st->on_error_skip) {
			stage_unreadable(st, "token_out_of_range", "%s: %s; skipped", at, why);
			shardout_dropped(out, 1, "token_out_of_range", d);
			return 0;
		}
		st->docs_unreadable++;
		stage_count_add(&st->unreadable_by, "token_out_of_range", 1);
		msg("%s: %s for %s%s (check --vocab-size/--dtype, or --on-error skip)", at, why,
		    tokshard_dtype_name(o->dtype), o->vocab_size ? " and --vocab-size" : "");
		st->failed = 1;
		return -1;
	}
	if (rc) {
		msg_code(rc, "internal error");
		st->failed = 1;
		return -1;
	}
	if (ids->n == 0 && o->eos < 0) {
		shardout_dropped(out, 0, "empty", d);
		return stage_reject(st, d, "empty") ? -1 : 0;
	}
	if (o->format == TOKSHARD_JSONL) {
		buf_reset(line);
		if ((rc = doc_write(d, line))) {
			msg_code(rc, "internal error");
			st->failed = 1;
			return -1;
		}
	}
	return 1;
}

int cmd_shard(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice shard --format FORMAT -o PREFIX {--vocab-size N | --dtype T} [<options>] [<file>...]",
		"   or: sluice shard --format jsonl -o PREFIX [<options>] [<file>...]",
		"   or: sluice shard verify PREFIX",
		"   or: sluice shard cat PREFIX",
		"",
		"Write tokenized JSONL documents (with \"tokens\": [ids...], as sluice tok adds",
		"them) as training shards PREFIX_NNNNN.* plus PREFIX.manifest.json:",
		"  megatron   .bin + .idx (Megatron-LM IndexedDataset, one sequence per document)",
		"  nanogpt    .bin, raw uint16/uint32 tokens",
		"  llmc       .bin with llm.c's 1024-byte header (v1 uint16, v7 uint32)",
		"  datatrove  .ds + .ds.index + .ds.metadata",
		"  jsonl      .jsonl.zst (or --compress gz|none): the documents, split by size",
		"The dtype follows --vocab-size as each format's own writers choose it, or",
		"--dtype (the binary formats need one of the two).  Files are written under",
		"temporary names and renamed when complete; the manifest lists each shard",
		"with counts, xxh64 checksums and a fingerprint of its input.  A run that was",
		"killed resumes when started again with the same input and options: listed",
		"shards are verified and kept, their input skipped (and compared with the",
		"fingerprints: other input fails, exit 1), leftovers removed, and --stats",
		"counts as an uninterrupted run would.  A complete set is not written again:",
		"its input is read and compared (the same: nothing to do; other input: exit 1,",
		"use --restart or another PREFIX).  One run writes a PREFIX at a time: it",
		"holds PREFIX.lock (flock) to the end; another is refused (exit 1).",
		"",
		"  sluice shard --format megatron --vocab-size 50257 --eos 50256 -o out/web tok.jsonl.zst",
		"  sluice shard --format datatrove --vocab-size 128256 --max-tokens-per-file 1e9 -o ds/web -",
		NULL
	};
	struct stage_opts so = { 0 };
	struct shardout_args sa = SHARDOUT_ARGS_INIT;
	const char *prefix = NULL, *tokenizer = NULL;
	struct option opts[] = {
		OPT_STRING('o', "output", &prefix, "PREFIX", "write PREFIX_NNNNN.* and PREFIX.manifest.json"),
		SHARDOUT_OPTIONS(&sa, "the tokenizer's vocabulary size: picks the dtype, bounds the ids"),
		OPT_STRING(0, "eos", &sa.eos, "ID", "append this token id to every document"),
		OPT_STRING(0, "tokenizer", &tokenizer, "NAME", "tokenizer name for datatrove's .ds.metadata"),
		OPT_STRING(0, "stats", &so.stats, "FILE", "write counters as JSON"),
		STAGE_INPUT_OPTIONS(&so),
		OPT_END(),
	};
	struct tokshard_opts o;
	struct shardout out;
	struct tokshard_ids ids = { NULL, 0, 0 };
	struct stage st;
	struct doc d;
	struct buf line = BUF_INIT;
	uint64_t vmax;
	int nargs, rc;

	if (argc > 1 && (!strcmp(argv[1], "verify") || !strcmp(argv[1], "cat"))) {
		opt_subcommand("shard", argv[1]);
		return (argv[1][0] == 'v' ? cmd_shard_verify : cmd_shard_cat)(argc - 1, argv + 1);
	}
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!prefix || !*prefix)
		return usage_error("-o PREFIX is required");
	if ((rc = shardout_check_prefix(prefix)) || (rc = shardout_opts(&sa, &o)) || (rc = stage_check_options(&so)) ||
	    (rc = stage_check_paths(&so, argv + 1, nargs)))
		return rc;
	vmax = shardout_vmax(&o);
	if (tokenizer)
		snprintf(o.tokenizer, sizeof(o.tokenizer), "%s", tokenizer);

	/* an existing set: resume it (verifying what it lists) or restart */
	if ((rc = shardout_open(&out, prefix, &o, sa.restart, so.quiet))) {
		shardout_free(&out);
		return rc < 0 ? 1 : 0;
	}
	rc = stage_begin(&st, "shard", STAGE_SPLIT_JSONL | STAGE_ID_OPTIONAL, &so, argv + 1, nargs);
	if (rc) {
		shardout_free(&out);
		return rc;
	}
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		uint64_t index = st.docs_in - 1;
		if (shardout_skips(&out, index)) {
			if (shardout_resumed(&out, &st, index, &d))
				break;
			continue;
		}
		rc = doc_ids(&st, &out, &d, &o, vmax, &ids, &line);
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		if (shardout_add(&out, &st, index, ids.v, NULL, ids.n, line.ptr, line.len, &d))
			break;
	}
	shardout_finish(&out, &st);
	shardout_free(&out);
	tokshard_ids_release(&ids);
	buf_release(&line);
	doc_release(&d);
	return stage_end(&st);
}
