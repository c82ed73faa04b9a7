/*
 * tokshard.h - tokenized training shards: writers, a manifest, readers.
 *
 * A shard set is PREFIX.manifest.json plus numbered shards PREFIX_NNNNN.*
 * in one of the formats trainers read without conversion (REFERENCE.md §7):
 *
 *   megatron   PREFIX_NNNNN.bin + .idx   Megatron-LM IndexedDataset, one
 *                                        sequence per document
 *   nanogpt    PREFIX_NNNNN.bin          raw little-endian tokens, no header
 *   llmc       PREFIX_NNNNN.bin          llm.c: 1024-byte header (magic
 *                                        20240520 v1 uint16 / 20240801 v7
 *                                        uint32, token count) then tokens
 *   datatrove  PREFIX_NNNNN.ds + .ds.index + .ds.metadata
 *   jsonl      PREFIX_NNNNN.jsonl[.gz|.zst]  the documents themselves
 *
 * Crash safety.  Every file is written under a temporary name
 * ("<name>.tmp-<pid>"), fsync'ed and renamed when its shard is complete;
 * then the manifest, itself replaced atomically, lists the shard with its
 * documents, tokens, the input documents it covers and each file's size and
 * xxh64.  Shard boundaries depend only on the input and the options (a
 * shard is closed when the next document would pass a limit), so a run
 * killed at any point and started again with the same input and options
 * re-verifies the listed shards, skips the input they cover, removes
 * leftovers (temporary files, shards the manifest does not list) and
 * produces the same files.
 *
 * Library code: nothing here prints or exits.  Functions return 0 or a
 * negative SL_E* code; data problems also fill a caller's `why` buffer
 * with a lower-case description.  Not thread safe; one writer per prefix
 * (tokshard_lock).
 */
#ifndef SLUICE_TOKSHARD_H
#define SLUICE_TOKSHARD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum tokshard_format {
	TOKSHARD_MEGATRON,
	TOKSHARD_NANOGPT,
	TOKSHARD_LLMC,
	TOKSHARD_DATATROVE,
	TOKSHARD_JSONL,
};

enum tokshard_dtype {
	TOKSHARD_DT_NONE = 0, /* jsonl: ids are kept as written */
	TOKSHARD_UINT16,
	TOKSHARD_INT32,
	TOKSHARD_UINT32,
};

/* Names as the command line spells them; -1 / NULL when unknown. */
int tokshard_format_parse(const char *s);
const char *tokshard_format_name(enum tokshard_format f);
int tokshard_dtype_parse(const char *s);
const char *tokshard_dtype_name(enum tokshard_dtype d);
size_t tokshard_dtype_size(enum tokshard_dtype d);
/* The largest token id a dtype holds. */
uint64_t tokshard_dtype_max(enum tokshard_dtype d);
/* The dtype each format's own writers pick for a vocabulary size:
 * Megatron uint16 if vocab < 65500 else int32; datatrove, nanoGPT and
 * llm.c uint16 if vocab <= 65536 else uint32. */
enum tokshard_dtype tokshard_dtype_for_vocab(enum tokshard_format f, uint64_t vocab);
/* Can the format store this dtype? */
int tokshard_dtype_allowed(enum tokshard_format f, enum tokshard_dtype d);

/* A growable array of token ids. */
struct tokshard_ids {
	uint64_t *v;
	size_t n, cap;
};
void tokshard_ids_release(struct tokshard_ids *ids);

/*
 * Parse the raw JSON value of "tokens" (already known to be valid JSON)
 * into ids (replacing its contents).  Every element must be a
 * non-negative integer no larger than max.  0; SL_EFORMAT when the value
 * is not an array or an element is not a non-negative integer; SL_EINVAL
 * when an id is larger than max (a wrong --vocab-size or dtype, which a
 * caller may treat as fatal); SL_ENOMEM.  why says which element and why.
 */
int tokshard_parse_ids(const char *json, size_t n, uint64_t max, struct tokshard_ids *ids,
		       char *why, size_t whylen);

/* Options of a shard set; they are recorded in the manifest and a resumed
 * run must use the same ones. */
struct tokshard_opts {
	enum tokshard_format format;
	enum tokshard_dtype dtype;  /* TOKSHARD_DT_NONE for jsonl */
	uint64_t vocab_size;        /* 0: not given */
	int64_t eos;                /* appended to every document (jsonl: by the
				       tokenizer, recorded only); -1: none */
	int64_t bos;                /* the first id of every document, put there by
				       the tokenizer (sluice tok --bos), recorded
				       only; -1: none or not known */
	uint64_t max_tokens;        /* per shard; 0: no limit */
	uint64_t max_bytes;         /* per shard (data bytes before compression); 0: no limit */
	char compress[8];           /* jsonl: "", "gz" or "zst" */
	char tokenizer[256];        /* datatrove .metadata line 1 */
	int shuffle;                /* documents were shuffled (shuffle.h) ... */
	uint64_t seed;              /* ... with this seed ... */
	unsigned buckets;           /* ... over this many buckets */
};

struct tokshard_file {
	char name[32];      /* suffix after PREFIX_NNNNN ("" + ".bin", ...) */
	uint64_t bytes;
	uint64_t xxh64;
};

/* Input documents of a shard's range that were not written, by reason, as
 * the stage counted them (rejected, e.g. "empty", or unreadable, e.g.
 * "no_tokens"): the manifest keeps them so that a resumed run's --stats
 * count them as the run that wrote the shard did.  Documents the stage
 * frame itself found unreadable (malformed JSON, too large) are not
 * among them: a resumed run reads those again. */
#define TOKSHARD_MAX_DROPS 8
struct tokshard_drop {
	char reason[24];
	uint64_t n;
	int unreadable;             /* 0: rejected */
};

struct tokshard_entry {
	uint64_t documents, tokens;
	uint64_t input_first, input_end; /* input document indexes [first, end) */
	struct tokshard_file files[3];
	int nfiles;
	int has_drops;              /* drops were recorded ("rejected" and
				       "unreadable" in the manifest; sets written
				       before sluice kept them, and shuffled sets,
				       have none) */
	int ndrops;
	struct tokshard_drop drops[TOKSHARD_MAX_DROPS];
	int has_input_hash;         /* input_hash was recorded (not by older sluice) */
	uint64_t input_hash;        /* tokshard_input_hash of the input documents [0, input_end) */
};

/* Count n documents not written for `reason` in e's drops (with more
 * reasons than TOKSHARD_MAX_DROPS, the last slot becomes "other"). */
void tokshard_entry_drop(struct tokshard_entry *e, int unreadable, const char *reason, uint64_t n);

struct tokshard_manifest {
	struct tokshard_opts o;
	struct tokshard_entry *shards;
	size_t n, cap;
	int complete;             /* the input was read to its end */
	uint64_t input_docs;      /* input documents read when complete */
	int has_input_hash;       /* when complete: input_hash was recorded */
	uint64_t input_hash;      /* ... of all input_docs */
};

/*
 * The input's fingerprint that a manifest keeps, so that a resumed or
 * repeated run can tell whether its input is the one the set was written
 * from: a chain over the input documents in order, h = 0 at first and
 * h = tokshard_input_hash(h, bytes of the next document) after each.
 */
uint64_t tokshard_input_hash(uint64_t h, const void *p, size_t n);

void tokshard_manifest_release(struct tokshard_manifest *m);
/* "PREFIX.manifest.json" into out. */
int tokshard_manifest_path(const char *prefix, struct buf *out);
/* "PREFIX_NNNNN<suffix>" into out. */
int tokshard_shard_path(const char *prefix, size_t index, const char *suffix, struct buf *out);
/* Read a manifest: 0, SL_EOPEN (errno; ENOENT when there is none),
 * SL_EFORMAT (why), SL_ENOMEM. */
int tokshard_manifest_load(const char *prefix, struct tokshard_manifest *m, char *why, size_t whylen);
/* Do two option sets produce the same shards?  0 when equal, else why. */
int tokshard_opts_differ(const struct tokshard_opts *a, const struct tokshard_opts *b,
			 char *why, size_t whylen);

/*
 * Check shard `index` of a loaded manifest: each file's size and xxh64,
 * then the format's invariants (Megatron: magic, version, dtype code,
 * len(sequence_lengths) == document_indices[-1] == sequence_count,
 * pointers = cumulative byte offsets, .bin size; datatrove: index
 * monotone, ending at the token count, metadata; llm.c: header; every
 * format: documents and tokens as listed, ids within the dtype and the
 * vocabulary).  When fn is given, every document is passed to it (id is
 * NULL except for jsonl shards; nanoGPT and llm.c documents are found by
 * splitting at the EOS id, or are the whole shard when there is none);
 * fn returns 0 to continue or an error code to stop.  Returns 0,
 * SL_EFORMAT (why names the file and the problem), SL_EOPEN/SL_EIO
 * (errno; why names the file), or fn's code.
 */
typedef int (*tokshard_doc_fn)(void *ctx, const char *id, size_t idlen, const uint64_t *ids,
			       size_t n);
int tokshard_check(const char *prefix, const struct tokshard_manifest *m, size_t index,
		   tokshard_doc_fn fn, void *ctx, char *why, size_t whylen);

/*
 * One writer per set: take the set's lock, an exclusive flock(2) on
 * "PREFIX.lock" (created when missing; the folder must exist), without
 * waiting.  0 with *fd holding it (this process's pid is written in the
 * file); SL_EOPEN with errno EWOULDBLOCK when another process holds it
 * (*holder: its pid as the file says it, 0 when unknown), or another errno.
 * A lock file removed by the writer that held it is never taken: the lock
 * is retried on the file now at that name.  A file system without locks
 * (flock fails with ENOLCK, ENOSYS or EOPNOTSUPP: Lustre without the flock
 * mount option, some NFS): 0 with *holder -1, nothing locked.
 */
int tokshard_lock(const char *prefix, int *fd, long *holder);
/* Remove "PREFIX.lock" while still holding it, then release it.  fd < 0:
 * no-op. */
void tokshard_unlock(const char *prefix, int fd);
/* "PREFIX.lock" into out. */
int tokshard_lock_path(const char *prefix, struct buf *out);

/* Remove what a killed run may have left for this prefix: temporary files
 * of shards and of the manifest, a shuffle's buckets (whatever process
 * made them), and shards numbered `keep` or above.  Only while holding the
 * set's lock (tokshard_lock): another writer's live files would go. */
int tokshard_cleanup(const char *prefix, size_t keep);

/* The writer. */
struct tokshard_writer;

/*
 * Start writing the set `prefix`.  resume (may be NULL) is a loaded
 * manifest whose shards were verified: they are kept and numbering
 * continues after them (the caller skips the first
 * tokshard_writer_skip() input documents).  0, SL_ENOMEM, SL_EINVAL.
 */
int tokshard_writer_open(struct tokshard_writer **w, const char *prefix,
			 const struct tokshard_opts *o, const struct tokshard_manifest *resume);
/* Input documents already covered by kept shards. */
uint64_t tokshard_writer_skip(const struct tokshard_writer *w);
/* Record in each shard's manifest entry the value *shards has when the
 * shard is finished (the caller keeps it the tokshard_input_hash of the
 * input documents before the one it adds next: updated after each
 * tokshard_writer_add and tokshard_writer_drop), and in the complete
 * manifest the value *whole has at tokshard_writer_finish (the whole
 * input's, in input order even when the shards took it shuffled). */
void tokshard_writer_hash_input(struct tokshard_writer *w, const uint64_t *shards, const uint64_t *whole);

/* The next input document was not written (rejected or unreadable, for
 * `reason`): recorded with the shard whose input range takes it (the one
 * being written, or the next).  Documents are given in input order, written
 * (tokshard_writer_add) or not (this).  Not for shuffled sets (their shards
 * cover no input range). */
void tokshard_writer_drop(struct tokshard_writer *w, int unreadable, const char *reason);

/*
 * Add input document number `input_index` (0-based over the whole input,
 * counting unreadable ones) with its ids (each already checked against the
 * dtype) and, for jsonl, its JSONL line (with '\n').  May complete a shard
 * first.  0, or an I/O code (errno set; tokshard_writer_path() names the
 * file), SL_ENOMEM.
 */
int tokshard_writer_add(struct tokshard_writer *w, uint64_t input_index, const uint64_t *ids,
			size_t n, const char *line, size_t linelen);
/* The same with 32-bit ids (every binary dtype holds no more). */
int tokshard_writer_add32(struct tokshard_writer *w, uint64_t input_index, const uint32_t *ids,
			  size_t n, const char *line, size_t linelen);
/* Complete the last shard and mark the manifest complete; input_docs is
 * the number of input documents read.  0 or an I/O code. */
int tokshard_writer_finish(struct tokshard_writer *w, uint64_t input_docs);
/* The file the last error concerns. */
const char *tokshard_writer_path(const struct tokshard_writer *w);
/* Totals of the whole set so far (kept shards included). */
void tokshard_writer_totals(const struct tokshard_writer *w, uint64_t *shards, uint64_t *docs,
			    uint64_t *tokens);
/* Free; an unfinished shard's temporary files are removed.  NULL: no-op. */
void tokshard_writer_free(struct tokshard_writer *w);

#endif
