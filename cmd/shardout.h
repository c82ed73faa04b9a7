/*
 * shardout.h - writing a shard set from a stage: the options, resuming a
 * killed run, the shuffle's two passes and the --stats members.  `sluice
 * shard` writes the ids it reads; `sluice tok --format` the ids it
 * encodes, without a JSON round trip between them.
 *
 * A stage using it: parse SHARDOUT_OPTIONS into a struct shardout_args,
 * shardout_opts() to a tokshard_opts, shardout_open(), stage_begin(), then
 * for each document either shardout_resumed() (written by the run this one
 * resumes) or shardout_add(), and shardout_finish() after the input.
 */
#ifndef SLUICE_SHARDOUT_H
#define SLUICE_SHARDOUT_H

#include <stdint.h>

#include "buf.h"
#include "doc.h"
#include "options.h"
#include "stage.h"
#include "tokshard.h"

struct shardout_args {
	const char *format, *dtype, *vocab, *max_tokens, *compress, *seed;
	const char *eos;              /* sluice shard --eos ID (not in SHARDOUT_OPTIONS) */
	size_t max_bytes;
	int restart, shuffle, buckets;
	uint64_t vocab_default;       /* used when --vocab-size is not given; 0: none */
};

#define SHARDOUT_ARGS_INIT { .buckets = 256 }

/* The options of the shard set; vocab_help describes --vocab-size. */
#define SHARDOUT_OPTIONS(a, vocab_help) \
	OPT_STRING(0, "format", &(a)->format, "FORMAT", "megatron, nanogpt, llmc, datatrove or jsonl"), \
	OPT_STRING(0, "vocab-size", &(a)->vocab, "N", vocab_help), \
	OPT_STRING(0, "dtype", &(a)->dtype, "TYPE", "force uint16, int32 (megatron) or uint32"), \
	OPT_STRING(0, "max-tokens-per-file", &(a)->max_tokens, "N", "start a new shard before passing N tokens (1e9, 500M)"), \
	OPT_SIZE(0, "max-bytes-per-file", &(a)->max_bytes, "SIZE", "start a new shard before passing SIZE data bytes"), \
	OPT_STRING(0, "compress", &(a)->compress, "gz|zst|none", "jsonl shards: compression (default zst)"), \
	OPT_FLAG(0, "shuffle", &(a)->shuffle, "shuffle documents across the whole output (external two-pass, bounded memory)"), \
	OPT_STRING(0, "seed", &(a)->seed, "S", "the shuffle's seed (default 0)"), \
	OPT_INT(0, "shuffle-buckets", &(a)->buckets, "N", "temporary buckets of the shuffle (default 256; memory ~ input/N)"), \
	OPT_FLAG(0, "restart", &(a)->restart, "remove an existing set with this PREFIX and start again")

/* The arguments as shard options (bos -1 and no tokenizer name: the
 * caller's to set).  0, or 2 after printing a usage error. */
int shardout_opts(const struct shardout_args *a, struct tokshard_opts *o);

/* The largest id the set takes: the dtype's, or vocab_size - 1. */
uint64_t shardout_vmax(const struct tokshard_opts *o);

/* Read PREFIX.manifest.json: 0; 1 when there is none and !must_exist;
 * -1 after an error (reported). */
int shardout_load_manifest(const char *prefix, struct tokshard_manifest *m, int must_exist);

/* Print what tokshard_check found: why, with the error code's text
 * unless it is a format problem. */
void shardout_report_check(int rc, const char *why);

/* -o PREFIX must end in a name: not "dir/", "." or ".." (the set would be
 * hidden files "dir/.manifest.json", "dir/_00000.bin").  0, or 2 after
 * printing a usage error. */
int shardout_check_prefix(const char *prefix);

struct shardout {
	const char *prefix;
	struct tokshard_opts o;
	struct tokshard_writer *w;
	struct shuffle *sh;
	struct buf dir, rec;
	uint64_t skip;                /* input documents the resumed run wrote */
	uint64_t resumed;             /* ... of which counted so far */
	int lock_fd;                  /* the set's lock (tokshard_lock), -1: none */
	int lock_slot;                /* its file in tmpclean, -1: none */
	/* the counts of the kept shards' input, for --stats: the documents
	 * written, and those rejected or unreadable (drops_known: the manifest
	 * recorded them in every kept shard) */
	uint64_t kept_docs, kept_want; /* written; taken (written or not) */
	struct tokshard_entry kept;
	int drops_known, counts_fixed;
	/* the input's fingerprint (tokshard_input_hash): ih over every
	 * document the stage hands over, in input order; kh (--shuffle) over
	 * the records of the second pass, in their order */
	uint64_t ih, kh;
	/* the kept shards' fingerprints, checked as the input comes (those the
	 * manifest has: older sluice recorded none) */
	uint64_t *kend, *khash;
	size_t nkept, nchecked;
	/* the set is complete and its manifest has the whole input's
	 * fingerprint: the input is read only to compare it with that */
	int verify, quiet;
	int bad_input;                /* a kept shard's fingerprint differs (reported) */
	size_t verify_shards;
	uint64_t want_docs, want_hash, nrec;
};

/*
 * Open the set `prefix` for writing: first take its lock (PREFIX.lock, held
 * until shardout_free, which removes it), refusing a set another process
 * is writing; then with restart, an existing one is removed; otherwise one
 * that a killed run left is resumed (its shards verified; those that do not
 * match are written again; the input is checked against the kept shards'
 * fingerprints as it is read), and a complete one is left as it is: its
 * input is read and compared with the one it was written from (a
 * difference fails the run; the same says "nothing to do" unless quiet).
 * 0; 1 when the set is complete and its manifest has no fingerprint of
 * the input (older sluice: nothing to do, said unless quiet); -1 after an
 * error (reported).  Call shardout_free whatever it returns.
 */
int shardout_open(struct shardout *so, const char *prefix, const struct tokshard_opts *o, int restart,
		  int quiet);

/* Did the run this one resumes write input document `index`?  Then it
 * needs no work: call shardout_resumed for it.  (Safe from any thread.) */
static inline int shardout_skips(const struct shardout *so, uint64_t index)
{
	return !so->o.shuffle && index < so->skip;
}

/* Count such a document as the run that wrote it did: when the last one
 * is counted, the counters of the kept shards' input replace them (written,
 * rejected and unreadable, by reason, from the manifest; every one counts as
 * written when an older manifest has no such counts).  d: the document as
 * read (its bytes go into the input's fingerprint).  0, or -1 when the
 * input is not the one the kept shards were written from (reported;
 * st->failed set: stop reading). */
int shardout_resumed(struct shardout *so, struct stage *st, uint64_t index, const struct doc *d);

/* The input document at hand (in input order, as shardout_add takes them)
 * was not written: rejected or unreadable for `reason` (counted in st by the
 * caller with stage_reject or stage_unreadable), recorded in the manifest
 * for a resumed run's counts; d as for shardout_resumed. */
void shardout_dropped(struct shardout *so, int unreadable, const char *reason, const struct doc *d);

/*
 * Write input document `index` (with a shuffle: keep it for the second
 * pass), counted in docs_out: its ids, ids64 or ids32 (the other NULL),
 * each no larger than shardout_vmax(), and for jsonl its line (with '\n');
 * d as for shardout_resumed.  0, or -1 after an error (reported;
 * st->failed set), such as an input that is not the one the kept shards
 * were written from.
 */
int shardout_add(struct shardout *so, struct stage *st, uint64_t index, const uint64_t *ids64,
		 const uint32_t *ids32, size_t n, const char *line, size_t linelen, const struct doc *d);

/* After the input: the shuffle's second pass, the last shard and the
 * complete manifest, unless the stage failed or its output closed; then
 * the --stats members (format, dtype, shards, tokens, ...). */
void shardout_finish(struct shardout *so, struct stage *st);

/* Free (an unfinished shard's temporary files and the shuffle's buckets
 * are removed). */
void shardout_free(struct shardout *so);

#endif
