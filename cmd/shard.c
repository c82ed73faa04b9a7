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
#include "stage.h"
#include "shuffle.h"
#include "tokshard.h"

/* "1000000", "1e9", "64k" / "2M" / "1G" (powers of 1000: these are counts) */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	double v;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'M')
		v *= 1e6, end++;
	else if (*end == 'G')
		v *= 1e9, end++;
	else if (*end == 'T')
		v *= 1e12, end++;
	if (*end || v < 0 || v >= 1.8e19 || v != (double)(uint64_t)v)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* Where the current document came from, for messages. */
static void where(const struct stage *st, char *out, size_t n)
{
	if (!st->jr.skip_partial)
		snprintf(out, n, "'%s': line %" PRIu64, st->cur ? st->cur->path : "-", st->jr.line_no);
	else
		snprintf(out, n, "'%s': byte %" PRIu64, st->cur ? st->cur->path : "-", st->jr.line_off);
}

static int load_manifest(const char *prefix, struct tokshard_manifest *m, int must_exist)
{
	char why[256] = "";
	struct buf path = BUF_INIT;
	int rc = tokshard_manifest_load(prefix, m, why, sizeof(why));

	tokshard_manifest_path(prefix, &path);
	if (rc == SL_EOPEN && errno == ENOENT && !must_exist) {
		buf_release(&path);
		return 1;
	}
	if (rc == SL_EFORMAT)
		msg("'%s': not a shard manifest: %s", path.ptr, why);
	else if (rc)
		msg_code(rc, "cannot read '%s'", path.ptr);
	buf_release(&path);
	return rc ? -1 : 0;
}

static void report_check(int rc, const char *why)
{
	if (rc == SL_EFORMAT)
		msg("%s", why);
	else
		msg_code(rc, "%s", why);
}

static int cmd_shard_verify(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice shard verify [<options>] PREFIX",
		"",
		"Check a shard set against PREFIX.manifest.json: every shard's files, sizes",
		"and xxh64 checksums, and the format's invariants (Megatron: magic, version,",
		"dtype, len(sequence_lengths) == document_indices[-1] == sequence_count,",
		"pointers are the cumulative byte offsets; datatrove: monotone .ds.index",
		"ending at the token count, .ds.metadata; llm.c: header; token ids within the",
		"dtype and --vocab-size).  Prints one summary line; exit 1 when anything is wrong.",
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
	if (load_manifest(argv[1], &m, 1))
		return 1;
	for (size_t i = 0; i < m.n; i++) {
		int rc = tokshard_check(argv[1], &m, i, NULL, NULL, why, sizeof(why));
		if (rc) {
			report_check(rc, why);
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
	if (load_manifest(argv[1], &m, 1))
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
			report_check(rc, why);
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
static int doc_ids(struct stage *st, struct doc *d, const struct tokshard_opts *o, uint64_t vmax,
		   struct tokshard_ids *ids, struct buf *line)
{
	const char *tv;
	size_t tlen;
	char at[600], why[512];
	int rc;

	tv = doc_get_raw(d, "tokens", &tlen);
	if (!tv) {
		where(st, at, sizeof(at));
		stage_unreadable(st, "no_tokens", "%s: no \"tokens\" member (tokenize first: sluice tok); skipped", at);
		return 0;
	}
	rc = tokshard_parse_ids(tv, tlen, vmax, ids, why, sizeof(why));
	if (rc == SL_EFORMAT) {
		where(st, at, sizeof(at));
		stage_unreadable(st, "bad_tokens", "%s: %s; skipped", at, why);
		return 0;
	}
	if (rc == SL_EINVAL) {
		where(st, at, sizeof(at));
		if (st->on_error_skip) {
			stage_unreadable(st, "token_out_of_range", "%s: %s; skipped", at, why);
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
	if (ids->n == 0 && o->eos < 0)
		return stage_reject(st, d, "empty") ? -1 : 0;
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
		"usage: sluice shard --format FORMAT -o PREFIX [<options>] [<file>...]",
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
		"--dtype.  Files are written under temporary names and renamed when complete;",
		"the manifest lists each shard with counts and xxh64 checksums.  A run that",
		"was killed resumes when started again with the same input and options:",
		"listed shards are verified and kept, their input skipped, leftovers removed.",
		"",
		"  sluice shard --format megatron --vocab-size 50257 --eos 50256 -o out/web tok.jsonl.zst",
		"  sluice shard --format datatrove --vocab-size 128256 --max-tokens-per-file 1e9 -o ds/web -",
		NULL
	};
	struct stage_opts so = { 0 };
	const char *prefix = NULL, *format = NULL, *dtype = NULL, *vocab = NULL, *eos = NULL;
	const char *max_tokens = NULL, *compress = NULL, *tokenizer = NULL;
	size_t max_bytes = 0;
	int restart = 0, shuffle = 0, buckets = 256;
	const char *seed = NULL;
	struct option opts[] = {
		OPT_STRING('o', "output", &prefix, "PREFIX", "write PREFIX_NNNNN.* and PREFIX.manifest.json"),
		OPT_STRING(0, "format", &format, "FORMAT", "megatron, nanogpt, llmc, datatrove or jsonl"),
		OPT_STRING(0, "vocab-size", &vocab, "N", "the tokenizer's vocabulary size: picks the dtype, bounds the ids"),
		OPT_STRING(0, "dtype", &dtype, "TYPE", "force uint16, int32 (megatron) or uint32"),
		OPT_STRING(0, "eos", &eos, "ID", "append this token id to every document"),
		OPT_STRING(0, "max-tokens-per-file", &max_tokens, "N", "start a new shard before passing N tokens (1e9, 500M)"),
		OPT_SIZE(0, "max-bytes-per-file", &max_bytes, "SIZE", "start a new shard before passing SIZE data bytes"),
		OPT_STRING(0, "compress", &compress, "gz|zst|none", "jsonl shards: compression (default zst)"),
		OPT_STRING(0, "tokenizer", &tokenizer, "NAME", "tokenizer name for datatrove's .ds.metadata"),
		OPT_FLAG(0, "shuffle", &shuffle, "shuffle documents across the whole output (external two-pass, bounded memory)"),
		OPT_STRING(0, "seed", &seed, "S", "the shuffle's seed (default 0)"),
		OPT_INT(0, "shuffle-buckets", &buckets, "N", "temporary buckets of the shuffle (default 256; memory ~ input/N)"),
		OPT_FLAG(0, "restart", &restart, "remove an existing set with this PREFIX and start again"),
		OPT_STRING(0, "stats", &so.stats, "FILE", "write counters as JSON"),
		STAGE_INPUT_OPTIONS(&so),
		OPT_END(),
	};
	struct tokshard_opts o;
	struct tokshard_manifest old;
	int have_old = 0;
	struct tokshard_writer *w = NULL;
	struct tokshard_ids ids = { NULL, 0, 0 };
	struct stage st;
	struct doc d;
	struct buf line = BUF_INIT;
	uint64_t skip, vmax, resumed = 0, nshards, ndocs, ntoks, input_docs = 0;
	int nargs, rc, f;
	char why[512];

	if (argc > 1 && !strcmp(argv[1], "verify"))
		return cmd_shard_verify(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "cat"))
		return cmd_shard_cat(argc - 1, argv + 1);
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;

	/* -- options to a tokshard_opts */
	memset(&o, 0, sizeof(o));
	o.eos = -1;
	if (!prefix || !*prefix)
		return usage_error("-o PREFIX is required");
	if (!format)
		return usage_error("--format is required (megatron, nanogpt, llmc, datatrove or jsonl)");
	if ((f = tokshard_format_parse(format)) < 0)
		return usage_error("unknown --format '%s' (megatron, nanogpt, llmc, datatrove or jsonl)", format);
	o.format = (enum tokshard_format)f;
	if (vocab && (parse_count(vocab, &o.vocab_size) || o.vocab_size == 0))
		return usage_error("--vocab-size expects a positive count, not '%s'", vocab);
	if (o.format == TOKSHARD_JSONL) {
		if (dtype)
			return usage_error("--dtype does not apply to --format jsonl");
		if (eos)
			return usage_error("--eos does not apply to --format jsonl (documents are written unchanged)");
		o.dtype = TOKSHARD_DT_NONE;
		if (!compress || !strcmp(compress, "zst"))
			snprintf(o.compress, sizeof(o.compress), "zst");
		else if (!strcmp(compress, "gz"))
			snprintf(o.compress, sizeof(o.compress), "gz");
		else if (strcmp(compress, "none"))
			return usage_error("--compress expects gz, zst or none, not '%s'", compress);
	} else {
		if (compress)
			return usage_error("--compress applies to --format jsonl only");
		if (dtype) {
			int t = tokshard_dtype_parse(dtype);
			if (t < 0 || !tokshard_dtype_allowed(o.format, (enum tokshard_dtype)t))
				return usage_error("--format %s stores %s, not --dtype '%s'", format,
						   o.format == TOKSHARD_MEGATRON ? "uint16 or int32" : "uint16 or uint32", dtype);
			o.dtype = (enum tokshard_dtype)t;
		} else if (vocab) {
			o.dtype = tokshard_dtype_for_vocab(o.format, o.vocab_size);
		} else {
			return usage_error("--vocab-size or --dtype is required to choose the token width");
		}
		if (o.vocab_size && o.vocab_size - 1 > tokshard_dtype_max(o.dtype))
			return usage_error("--vocab-size %" PRIu64 " does not fit in %s", o.vocab_size,
					   tokshard_dtype_name(o.dtype));
	}
	vmax = tokshard_dtype_max(o.dtype);
	if (o.vocab_size && o.vocab_size - 1 < vmax)
		vmax = o.vocab_size - 1;
	if (eos) {
		uint64_t e;
		if (parse_count(eos, &e) || e > vmax)
			return usage_error("--eos expects a token id from 0 to %" PRIu64 ", not '%s'", vmax, eos);
		o.eos = (int64_t)e;
	}
	if (max_tokens && parse_count(max_tokens, &o.max_tokens))
		return usage_error("--max-tokens-per-file expects a count, not '%s'", max_tokens);
	o.max_bytes = max_bytes;
	if (tokenizer)
		snprintf(o.tokenizer, sizeof(o.tokenizer), "%s", tokenizer);
	if (shuffle) {
		o.shuffle = 1;
		if (seed && parse_count(seed, &o.seed))
			return usage_error("--seed expects a non-negative integer, not '%s'", seed);
		if (buckets < 1 || buckets > 1000)
			return usage_error("--shuffle-buckets expects 1 to 1000, not %d", buckets);
		o.buckets = (unsigned)buckets;
	} else if (seed) {
		return usage_error("--seed goes with --shuffle");
	}

	/* -- an existing set: resume it (verifying what it lists) or restart */
	if (restart) {
		struct buf p = BUF_INIT;
		tokshard_manifest_path(prefix, &p);
		if (unlink(p.ptr) < 0 && errno != ENOENT) {
			msg("cannot remove '%s': %s", p.ptr, strerror(errno));
			buf_release(&p);
			return 1;
		}
		buf_release(&p);
	}
	rc = load_manifest(prefix, &old, 0);
	if (rc < 0)
		return 1;
	have_old = rc == 0;
	if (have_old) {
		if (tokshard_opts_differ(&o, &old.o, why, sizeof(why))) {
			msg("'%s' was written with other options (%s); use --restart to replace it", prefix, why);
			tokshard_manifest_release(&old);
			return 1;
		}
		for (size_t i = 0; i < old.n; i++) {
			int crc = tokshard_check(prefix, &old, i, NULL, NULL, why, sizeof(why));
			if (crc) {
				report_check(crc, why);
				msg("shard %zu of '%s' does not match its manifest: writing it and the ones after it again",
				    i, prefix);
				old.n = i;
				old.complete = 0;
				break;
			}
		}
		if (old.complete) {
			if (!so.quiet)
				msg("'%s' is complete (%zu shards) and verified; nothing to do", prefix, old.n);
			tokshard_manifest_release(&old);
			return 0;
		}
	}
	if (fs_mkdirs(prefix, 0, 0755) || tokshard_cleanup(prefix, have_old ? old.n : 0)) {
		msg("cannot read the directory of '%s': %s", prefix, strerror(errno));
		tokshard_manifest_release(&old);
		return 1;
	}
	rc = tokshard_writer_open(&w, prefix, &o, have_old ? &old : NULL);
	tokshard_manifest_release(&old);
	if (rc) {
		msg_code(rc, "cannot start '%s'", prefix);
		return 1;
	}
	skip = tokshard_writer_skip(w);

	rc = stage_begin(&st, "shard", STAGE_SPLIT_JSONL | STAGE_ID_OPTIONAL, &so, argv + 1, nargs);
	if (rc) {
		tokshard_writer_free(w);
		return rc;
	}
	doc_init(&d);
	if (!o.shuffle) {
		while (stage_next(&st, &d) > 0) {
			uint64_t index = st.docs_in - 1;
			if (index < skip) {
				/* written by the run this one resumes */
				st.docs_out++;
				resumed++;
				continue;
			}
			rc = doc_ids(&st, &d, &o, vmax, &ids, &line);
			if (rc < 0)
				break;
			if (rc == 0)
				continue;
			rc = tokshard_writer_add(w, index, ids.v, ids.n, line.ptr, line.len);
			if (rc) {
				msg_code(rc, "cannot write '%s'", tokshard_writer_path(w));
				st.failed = 1;
				break;
			}
			st.docs_out++;
		}
		input_docs = st.docs_in;
	} else {
		/* pass 1: every readable document into a random bucket; pass 2:
		 * the buckets in order, each shuffled, numbered in that order
		 * (a resumed run rebuilds the same order and skips what it wrote) */
		struct buf dir = BUF_INIT;
		struct shuffle *sh = NULL;
		const void *rec;
		size_t rlen;
		uint64_t k = 0;
		buf_addf(&dir, "%s.shuffle-%ld", prefix, (long)getpid());
		if ((rc = shuffle_create(&sh, dir.ptr, o.buckets, o.seed))) {
			msg_code(rc, "cannot create '%s'", dir.ptr);
			st.failed = 1;
		}
		while (!st.failed && stage_next(&st, &d) > 0) {
			rc = doc_ids(&st, &d, &o, vmax, &ids, &line);
			if (rc < 0)
				break;
			if (rc == 0)
				continue;
			if (o.format == TOKSHARD_JSONL) {
				rc = shuffle_add(sh, line.ptr, line.len);
			} else {
				/* ids fit in 32 bits for every binary dtype */
				uint32_t *p;
				buf_reset(&line);
				if (!(rc = buf_grow(&line, ids.n * 4))) {
					p = (uint32_t *)(void *)line.ptr;
					for (size_t i = 0; i < ids.n; i++)
						p[i] = (uint32_t)ids.v[i];
					rc = shuffle_add(sh, line.ptr, ids.n * 4);
				}
			}
			if (rc) {
				msg_code(rc, "cannot write '%s'", dir.ptr);
				st.failed = 1;
				break;
			}
			st.docs_out++;
		}
		while (!st.failed && (rc = shuffle_next(sh, &rec, &rlen)) == 1) {
			const char *l = NULL;
			size_t ll = 0;
			if (k < skip) {
				k++;
				resumed++;
				continue;
			}
			if (o.format == TOKSHARD_JSONL) {
				l = rec;
				ll = rlen;
				ids.n = 0;
			} else {
				const uint32_t *p = rec;
				ids.n = 0;
				if (ids.cap < rlen / 4 + 1) {
					uint64_t *v = realloc(ids.v, (rlen / 4 + 1) * sizeof(*v));
					if (!v) {
						rc = SL_ENOMEM;
						break;
					}
					ids.v = v;
					ids.cap = rlen / 4 + 1;
				}
				for (size_t i = 0; i < rlen / 4; i++) {
					uint32_t x;
					memcpy(&x, p + i, 4);
					ids.v[ids.n++] = x;
				}
			}
			if ((rc = tokshard_writer_add(w, k, ids.v, ids.n, l, ll))) {
				msg_code(rc, "cannot write '%s'", tokshard_writer_path(w));
				st.failed = 1;
				break;
			}
			k++;
		}
		if (!st.failed && rc < 0) {
			msg_code(rc, "cannot read '%s'", dir.ptr);
			st.failed = 1;
		}
		if (sh)
			buf_addf(&st.extra, ",\n  \"shuffle_peak_bucket_bytes\": %" PRIu64, shuffle_peak_bytes(sh));
		shuffle_free(sh);
		buf_release(&dir);
		input_docs = k;
	}
	if (!st.failed && !st.pipe_closed) {
		rc = tokshard_writer_finish(w, input_docs);
		if (rc) {
			msg_code(rc, "cannot write '%s'", tokshard_writer_path(w));
			st.failed = 1;
		}
	}
	tokshard_writer_totals(w, &nshards, &ndocs, &ntoks);
	buf_addf(&st.extra, ",\n  \"format\": \"%s\",\n  \"dtype\": \"%s\",\n  \"shards\": %" PRIu64
		 ",\n  \"shard_documents\": %" PRIu64 ",\n  \"tokens\": %" PRIu64 ",\n  \"docs_resumed\": %" PRIu64,
		 tokshard_format_name(o.format), tokshard_dtype_name(o.dtype), nshards, ndocs, ntoks, resumed);
	tokshard_writer_free(w);
	tokshard_ids_release(&ids);
	buf_release(&line);
	doc_release(&d);
	return stage_end(&st);
}
