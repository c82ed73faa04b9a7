/*
 * shardout.c - writing a shard set from a stage (shardout.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "error.h"
#include "fsutil.h"
#include "msg.h"
#include "shardout.h"
#include "shuffle.h"
#include "tmpclean.h"

int shardout_opts(const struct shardout_args *a, struct tokshard_opts *o)
{
	int f;
	memset(o, 0, sizeof(*o));
	o->eos = o->bos = -1;
	if (!a->format)
		return usage_error("--format is required (megatron, nanogpt, llmc, datatrove or jsonl)");
	if ((f = tokshard_format_parse(a->format)) < 0)
		return usage_error("unknown --format '%s' (megatron, nanogpt, llmc, datatrove or jsonl)", a->format);
	o->format = (enum tokshard_format)f;
	if (a->vocab && (parse_count(a->vocab, &o->vocab_size) || o->vocab_size == 0))
		return usage_error("--vocab-size expects a positive count, not '%s'", a->vocab);
	if (!a->vocab)
		o->vocab_size = a->vocab_default;
	if (o->format == TOKSHARD_JSONL) {
		if (a->dtype)
			return usage_error("--dtype does not apply to --format jsonl");
		if (a->eos)
			return usage_error("--eos does not apply to --format jsonl (documents are written unchanged)");
		o->dtype = TOKSHARD_DT_NONE;
		if (!a->compress || !strcmp(a->compress, "zst"))
			snprintf(o->compress, sizeof(o->compress), "zst");
		else if (!strcmp(a->compress, "gz"))
			snprintf(o->compress, sizeof(o->compress), "gz");
		else if (strcmp(a->compress, "none"))
			return usage_error("--compress expects gz, zst or none, not '%s'", a->compress);
	} else {
		if (a->compress)
			return usage_error("--compress applies to --format jsonl only");
		if (a->dtype) {
			int t = tokshard_dtype_parse(a->dtype);
			if (t < 0 || !tokshard_dtype_allowed(o->format, (enum tokshard_dtype)t))
				return usage_error("--format %s stores %s, not --dtype '%s'", a->format,
						   o->format == TOKSHARD_MEGATRON ? "uint16 or int32" : "uint16 or uint32",
						   a->dtype);
			o->dtype = (enum tokshard_dtype)t;
		} else if (o->vocab_size) {
			o->dtype = tokshard_dtype_for_vocab(o->format, o->vocab_size);
		} else {
			return usage_error("--vocab-size or --dtype is required to choose the token width");
		}
		if (o->vocab_size && o->vocab_size - 1 > tokshard_dtype_max(o->dtype)) {
			if (a->vocab)
				return usage_error("--vocab-size %" PRIu64 " does not fit in %s", o->vocab_size,
						   tokshard_dtype_name(o->dtype));
			return usage_error("a vocabulary of %" PRIu64 " ids does not fit in %s", o->vocab_size,
					   tokshard_dtype_name(o->dtype));
		}
	}
	if (a->eos) {
		uint64_t e, vmax = shardout_vmax(o);
		if (parse_count(a->eos, &e) || e > vmax)
			return usage_error("--eos expects a token id from 0 to %" PRIu64 ", not '%s'", vmax, a->eos);
		o->eos = (int64_t)e;
	}
	if (a->max_tokens && parse_count(a->max_tokens, &o->max_tokens))
		return usage_error("--max-tokens-per-file expects a count, not '%s'", a->max_tokens);
	o->max_bytes = a->max_bytes;
	if (a->shuffle) {
		o->shuffle = 1;
		if (a->seed && parse_count(a->seed, &o->seed))
			return usage_error("--seed expects a non-negative integer, not '%s'", a->seed);
		if (a->buckets < 1 || a->buckets > 1000)
			return usage_error("--shuffle-buckets expects 1 to 1000, not %d", a->buckets);
		o->buckets = (unsigned)a->buckets;
	} else if (a->seed) {
		return usage_error("--seed goes with --shuffle");
	}
	return 0;
}

uint64_t shardout_vmax(const struct tokshard_opts *o)
{
	uint64_t vmax = tokshard_dtype_max(o->dtype);
	if (o->vocab_size && o->vocab_size - 1 < vmax)
		vmax = o->vocab_size - 1;
	return vmax;
}

void shardout_report_check(int rc, const char *why)
{
	if (rc == SL_EFORMAT)
		msg("%s", why);
	else
		msg_code(rc, "%s", why);
}

/* 0 loaded, 1 none there (!must_exist), -1 error (reported). */
int shardout_load_manifest(const char *prefix, struct tokshard_manifest *m, int must_exist)
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

int shardout_check_prefix(const char *prefix)
{
	const char *slash = strrchr(prefix, '/'), *base = slash ? slash + 1 : prefix;
	if (*base && strcmp(base, ".") && strcmp(base, ".."))
		return 0;
	return usage_error("-o '%s': PREFIX needs a name after its folder, not '%s' (the set is PREFIX.manifest.json "
			   "and PREFIX_NNNNN.*: e.g. -o '%s%sweb')",
			   prefix, base, prefix, *base ? "/" : "");
}

/* Take the set's lock: 0, or -1 (reported). */
static int lock_set(struct shardout *so, const char *prefix)
{
	long holder;
	struct buf p = BUF_INIT;
	int rc;

	if (fs_mkdirs(prefix, 0, 0755)) {
		msg("cannot read the directory of '%s': %s", prefix, strerror(errno));
		return -1;
	}
	rc = tokshard_lock(prefix, &so->lock_fd, &holder);
	tokshard_lock_path(prefix, &p);
	if (rc == 0) {
		if (holder == -1)
			msg("'%s': this file system has no file locks: one writer per set is not enforced here", prefix);
		/* the fatal signals (tmpclean.h) remove it too (kill -9 leaves it: it
		 * holds nothing then) */
		so->lock_slot = tmpclean_add(p.ptr);
		buf_release(&p);
		return 0;
	}
	if (rc == SL_EOPEN && errno == EWOULDBLOCK) {
		if (holder > 0)
			msg("'%s' is being written by another sluice (pid %ld, lock '%s'); not touched", prefix, holder,
			    p.ptr);
		else
			msg("'%s' is being written by another sluice (lock '%s'); not touched", prefix, p.ptr);
	} else {
		msg_code(rc, "cannot lock '%s'", p.ptr);
	}
	buf_release(&p);
	return -1;
}

int shardout_open(struct shardout *so, const char *prefix, const struct tokshard_opts *o, int restart,
		  int quiet)
{
	struct tokshard_manifest old;
	int have_old, rc;
	char why[512];

	memset(so, 0, sizeof(*so));
	so->lock_fd = so->lock_slot = -1;
	buf_init(&so->dir, 0);
	buf_init(&so->rec, 0);
	so->prefix = prefix;
	so->o = *o;
	/* one writer per set, before anything of it is read or removed */
	if (lock_set(so, prefix))
		return -1;
	if (restart) {
		struct buf p = BUF_INIT;
		tokshard_manifest_path(prefix, &p);
		if (unlink(p.ptr) < 0 && errno != ENOENT) {
			msg("cannot remove '%s': %s", p.ptr, strerror(errno));
			buf_release(&p);
			return -1;
		}
		buf_release(&p);
	}
	if ((rc = shardout_load_manifest(prefix, &old, 0)) < 0)
		return -1;
	have_old = rc == 0;
	if (have_old) {
		if (tokshard_opts_differ(&old.o, o, why, sizeof(why))) { /* the set's, not this run's */
			msg("'%s' was written with other options (%s); use --restart to replace it", prefix, why);
			tokshard_manifest_release(&old);
			return -1;
		}
		for (size_t i = 0; i < old.n; i++) {
			int crc = tokshard_check(prefix, &old, i, NULL, NULL, why, sizeof(why));
			if (crc) {
				shardout_report_check(crc, why);
				msg("shard %zu of '%s' does not match its manifest: writing it and the ones after it again",
				    i, prefix);
				old.n = i;
				old.complete = 0;
				break;
			}
		}
		if (old.complete && old.has_input_hash) {
			/* read the input to compare it with the one the set was
			 * written from (shardout_finish says which) */
			so->verify = 1;
			so->verify_shards = old.n;
			so->want_docs = old.input_docs;
			so->want_hash = old.input_hash;
		} else if (old.complete) {
			if (!quiet)
				msg("'%s' is complete (%zu shards) and verified; nothing to do", prefix, old.n);
			/* but for what a run killed after completing it left: a
			 * --shuffle run's buckets (no one else's: the lock is ours) */
			rc = tokshard_cleanup(prefix, old.n);
			if (rc)
				msg("cannot read the directory of '%s': %s", prefix, strerror(errno));
			tokshard_manifest_release(&old);
			return rc ? -1 : 1;
		}
	}
	so->quiet = quiet;
	if (have_old && !so->verify) {
		/* the kept shards' fingerprints of their input (not in sets
		 * written by older sluice), checked as the input comes */
		so->kend = malloc((old.n + 1) * sizeof(*so->kend));
		so->khash = malloc((old.n + 1) * sizeof(*so->khash));
		if (!so->kend || !so->khash) {
			msg_code(SL_ENOMEM, "out of memory");
			tokshard_manifest_release(&old);
			return -1;
		}
		for (size_t i = 0; i < old.n; i++)
			if (old.shards[i].has_input_hash) {
				so->kend[so->nkept] = old.shards[i].input_end;
				so->khash[so->nkept++] = old.shards[i].input_hash;
			}
	}
	if (have_old && !o->shuffle) {
		/* what the kept shards' input counted as, for --stats */
		so->drops_known = 1;
		for (size_t i = 0; i < old.n; i++) {
			const struct tokshard_entry *e = &old.shards[i];
			so->kept_docs += e->documents;
			if (!e->has_drops)
				so->drops_known = 0;
			for (int j = 0; j < e->ndrops; j++) {
				tokshard_entry_drop(&so->kept, e->drops[j].unreadable, e->drops[j].reason, e->drops[j].n);
				so->kept_want += e->drops[j].n;
			}
		}
		so->kept_want += so->kept_docs;
		if (old.n && !so->drops_known)
			msg("note: the manifest of '%s' has no counts of the documents its shards did not take (it was "
			    "written by an older sluice): --stats counts those of the first %" PRIu64 " input documents "
			    "as written",
			    prefix, old.shards[old.n - 1].input_end);
	}
	if (tokshard_cleanup(prefix, have_old ? old.n : 0)) {
		msg("cannot read the directory of '%s': %s", prefix, strerror(errno));
		if (have_old)
			tokshard_manifest_release(&old);
		return -1;
	}
	rc = tokshard_writer_open(&so->w, prefix, o, have_old ? &old : NULL);
	if (have_old)
		tokshard_manifest_release(&old);
	if (rc) {
		msg_code(rc, "cannot start '%s'", prefix);
		return -1;
	}
	so->skip = so->verify ? UINT64_MAX : tokshard_writer_skip(so->w);
	tokshard_writer_hash_input(so->w, o->shuffle ? &so->kh : &so->ih, &so->ih);
	if (o->shuffle && !so->verify) {
		/* pass 1: every document into a random bucket; pass 2: the
		 * buckets in order, each shuffled, numbered in that order (a
		 * resumed run rebuilds the same order and skips what it wrote) */
		buf_addf(&so->dir, "%s.shuffle-%ld", prefix, (long)getpid());
		if ((rc = shuffle_create(&so->sh, so->dir.ptr, o->buckets, o->seed))) {
			msg_code(rc, "cannot create '%s'", so->dir.ptr);
			return -1;
		}
	}
	return 0;
}

/* Compare the fingerprint h of the input before document `upto` with the
 * kept shards' that end there or before (each once).  A difference is
 * reported and remembered (bad_input): the run must fail before it writes. */
static void check_kept(struct shardout *so, uint64_t upto, uint64_t h)
{
	while (so->nchecked < so->nkept && so->kend[so->nchecked] <= upto) {
		size_t i = so->nchecked++;
		if (so->khash[i] == h)
			continue;
		msg("'%s' was written from other input: the input's first %" PRIu64 " documents are not those its "
		    "kept shards were written from; use --restart to write the set again from this input, or "
		    "another PREFIX",
		    so->prefix, so->kend[i]);
		so->bad_input = 1;
		so->nchecked = so->nkept;
	}
}

static inline uint64_t doc_hash(uint64_t h, const struct doc *d)
{
	return tokshard_input_hash(h, d->raw.ptr, d->raw.len);
}

int shardout_resumed(struct shardout *so, struct stage *st, uint64_t index, const struct doc *d)
{
	check_kept(so, index, so->ih);
	if (so->bad_input) {
		st->failed = 1;
		return -1;
	}
	so->ih = doc_hash(so->ih, d);
	st->docs_out++;
	so->resumed++;
	if (so->drops_known && !so->counts_fixed) {
		uint64_t want = so->kept_want;
		if (so->resumed != want)
			return 0;
		/* every document of the kept shards' input is counted: as the
		 * run that wrote them counted them */
		so->counts_fixed = 1;
		st->docs_out -= want - so->kept_docs;
		for (int j = 0; j < so->kept.ndrops; j++) {
			const struct tokshard_drop *d = &so->kept.drops[j];
			if (d->unreadable) {
				st->docs_unreadable += d->n;
				stage_count_add(&st->unreadable_by, d->reason, d->n);
			} else {
				st->docs_rejected += d->n;
				stage_count_add(&st->rejected_by, d->reason, d->n);
			}
		}
	}
	return 0;
}

void shardout_dropped(struct shardout *so, int unreadable, const char *reason, const struct doc *d)
{
	/* never a resumed document: every kept shard's input is before it (a
	 * difference fails the next shardout_add, or shardout_finish) */
	if (!so->o.shuffle)
		check_kept(so, UINT64_MAX, so->ih);
	so->ih = doc_hash(so->ih, d);
	if (so->w && !so->o.shuffle)
		tokshard_writer_drop(so->w, unreadable, reason);
}

int shardout_add(struct shardout *so, struct stage *st, uint64_t index, const uint64_t *ids64,
		 const uint32_t *ids32, size_t n, const char *line, size_t linelen, const struct doc *d)
{
	int rc;
	if (!so->o.shuffle)
		check_kept(so, index, so->ih);
	if (so->bad_input) {
		st->failed = 1;
		return -1;
	}
	/* counted before writing, as stage_emit counts: a document whose write
	 * fails is not lost from the counts */
	st->docs_out++;
	if (so->verify) {
		/* a complete shuffled set: only the input's fingerprint */
		so->ih = doc_hash(so->ih, d);
		so->nrec++;
		return 0;
	}
	if (!so->sh) {
		rc = ids32 ? tokshard_writer_add32(so->w, index, ids32, n, line, linelen)
			   : tokshard_writer_add(so->w, index, ids64, n, line, linelen);
		if (rc) {
			msg_code(rc, "cannot write '%s'", tokshard_writer_path(so->w));
			st->failed = 1;
			return -1;
		}
	} else {
		if (so->o.format == TOKSHARD_JSONL) {
			rc = shuffle_add(so->sh, line, linelen);
		} else if (ids32) {
			rc = shuffle_add(so->sh, ids32, n * 4);
		} else {
			/* ids fit in 32 bits for every binary dtype */
			uint32_t *p;
			buf_reset(&so->rec);
			if (!(rc = buf_grow(&so->rec, n * 4))) {
				p = (uint32_t *)(void *)so->rec.ptr;
				for (size_t i = 0; i < n; i++)
					p[i] = (uint32_t)ids64[i];
				rc = shuffle_add(so->sh, so->rec.ptr, n * 4);
			}
		}
		if (rc) {
			msg_code(rc, "cannot write '%s'", so->dir.ptr);
			st->failed = 1;
			return -1;
		}
	}
	/* after the writer: a shard it finished on the way took the
	 * fingerprint of the input before this document */
	so->ih = doc_hash(so->ih, d);
	return 0;
}

/* The shuffle's second pass: 0 or -1 (reported). *k: records read. */
static int shuffle_pass2(struct shardout *so, struct stage *st, uint64_t *k)
{
	const void *rec;
	size_t rlen;
	int rc;
	while ((rc = shuffle_next(so->sh, &rec, &rlen)) == 1) {
		check_kept(so, *k, so->kh);
		if (so->bad_input) {
			st->failed = 1;
			return -1;
		}
		if (*k < so->skip) {
			so->kh = tokshard_input_hash(so->kh, rec, rlen);
			++*k;
			so->resumed++;
			continue;
		}
		if (so->o.format == TOKSHARD_JSONL) {
			rc = tokshard_writer_add(so->w, *k, NULL, 0, rec, rlen);
		} else {
			/* the bucket's buffer is not aligned for uint32_t */
			buf_reset(&so->rec);
			if ((rc = buf_add(&so->rec, rec, rlen)) == 0)
				rc = tokshard_writer_add32(so->w, *k, (const uint32_t *)(void *)so->rec.ptr, rlen / 4,
							   NULL, 0);
		}
		if (rc) {
			msg_code(rc, "cannot write '%s'", tokshard_writer_path(so->w));
			st->failed = 1;
			return -1;
		}
		so->kh = tokshard_input_hash(so->kh, rec, rlen);
		++*k;
	}
	if (rc < 0) {
		msg_code(rc, "cannot read '%s'", so->dir.ptr);
		st->failed = 1;
		return -1;
	}
	return 0;
}

/* A complete set's input read: is it the one the set was written from? */
static void verify_finish(struct shardout *so, struct stage *st)
{
	uint64_t docs = so->o.shuffle ? so->nrec : st->docs_in;
	if (!so->o.shuffle)
		check_kept(so, docs, so->ih);
	if (so->bad_input || docs != so->want_docs || so->ih != so->want_hash) {
		if (!so->bad_input)
			msg("'%s' is complete and was written from other input (%" PRIu64 " documents%s; this input "
			    "has %" PRIu64 "%s); use --restart to write the set again from this input, or another PREFIX",
			    so->prefix, so->want_docs, so->o.shuffle ? " taken" : "", docs,
			    docs == so->want_docs ? ", not the same" : "");
		st->failed = 1;
		return;
	}
	if (!so->quiet)
		msg("'%s' is complete (%zu shards), verified, and written from this input; nothing to do", so->prefix,
		    so->verify_shards);
}

void shardout_finish(struct shardout *so, struct stage *st)
{
	uint64_t input_docs = st->docs_in, nshards, ndocs, ntoks;
	int rc;
	if (so->verify && !st->failed && !st->pipe_closed)
		verify_finish(so, st);
	if (so->sh) {
		input_docs = 0;
		if (!st->failed && !st->pipe_closed)
			shuffle_pass2(so, st, &input_docs);
		buf_addf(&st->extra, ",\n  \"shuffle_peak_bucket_bytes\": %" PRIu64, shuffle_peak_bytes(so->sh));
	}
	if (!so->verify && !st->failed && !st->pipe_closed) {
		/* the kept shards whose input ends where the input does (no
		 * document after them made the check), and those it is too
		 * short for */
		check_kept(so, input_docs, so->o.shuffle ? so->kh : so->ih);
		if (!so->bad_input && so->nchecked < so->nkept) {
			msg("'%s' was written from other input: its kept shards took %" PRIu64 " documents%s, this "
			    "input has %" PRIu64 "; use --restart to write the set again from this input, or another "
			    "PREFIX",
			    so->prefix, so->kend[so->nkept - 1], so->o.shuffle ? "" : " of their input", input_docs);
			so->bad_input = 1;
		}
		if (so->bad_input)
			st->failed = 1;
	}
	if (!so->verify && !st->failed && !st->pipe_closed) {
		rc = tokshard_writer_finish(so->w, input_docs);
		if (rc) {
			msg_code(rc, "cannot write '%s'", tokshard_writer_path(so->w));
			st->failed = 1;
		}
	}
	if (so->drops_known && so->kept_want && so->resumed != so->kept_want && !so->nkept && !st->failed &&
	    !st->pipe_closed)
		msg("warning: the kept shards of '%s' took %" PRIu64 " documents of their input (%" PRIu64
		    " written, the rest rejected or unreadable), but the input has %" PRIu64 " there: was it the same "
		    "input?", so->prefix, so->kept_want, so->kept_docs, so->resumed);
	tokshard_writer_totals(so->w, &nshards, &ndocs, &ntoks);
	buf_addf(&st->extra, ",\n  \"format\": \"%s\",\n  \"dtype\": \"%s\",\n  \"shards\": %" PRIu64
		 ",\n  \"shard_documents\": %" PRIu64 ",\n  \"tokens\": %" PRIu64 ",\n  \"docs_resumed\": %" PRIu64,
		 tokshard_format_name(so->o.format), tokshard_dtype_name(so->o.dtype), nshards, ndocs, ntoks,
		 so->resumed);
}

void shardout_free(struct shardout *so)
{
	/* the buckets and temporary files go first, while the lock is held */
	shuffle_free(so->sh);
	so->sh = NULL;
	tokshard_writer_free(so->w);
	so->w = NULL;
	tmpclean_remove(so->lock_slot);
	so->lock_slot = -1;
	tokshard_unlock(so->prefix, so->lock_fd);
	so->lock_fd = -1;
	buf_release(&so->dir);
	buf_release(&so->rec);
	free(so->kend);
	free(so->khash);
	so->kend = so->khash = NULL;
}
