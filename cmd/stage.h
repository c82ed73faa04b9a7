/*
 * stage.h - the frame every stage command shares.
 *
 * One place implements what DESIGN.md promises of every stage: inputs from
 * files or stdin, --shard I/N over them, -o, --rejects with
 * metadata.rejected_by, --annotate-only, --stats, --on-error, size limits,
 * progress on a terminal, --quiet, conservation of counts, and the exit
 * status.  A stage command is then: parse its options (STAGE_OPTIONS in its
 * table), stage_begin(), a loop of stage_next() and stage_emit() /
 * stage_reject(), stage_end().  See cmd/cat.c for the smallest one.
 *
 * Counting rule (conservation): every document read is counted in docs_in
 * and ends in exactly one of docs_out, docs_rejected or docs_unreadable.
 */
#ifndef SLUICE_STAGE_H
#define SLUICE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "doc.h"
#include "instream.h"
#include "jsonl.h"
#include "options.h"
#include "outstream.h"

#define STAGE_MAX_MORE_OUTPUTS 4

struct stage_opts {
	const char *output;
	const char *rejects;
	const char *stats;
	const char *on_error;
	const char *shard;
	int annotate_only;
	int quiet;
	size_t max_doc_bytes;
	/* further files the command writes (stage_also_writes) */
	const char *more_output[STAGE_MAX_MORE_OUTPUTS];
	const char *more_option[STAGE_MAX_MORE_OUTPUTS];
	int nmore;
};

#define STAGE_DEFAULT_MAX_DOC ((size_t)64 << 20)

/* The options every stage has: input handling ... */
#define STAGE_INPUT_OPTIONS(o) \
	OPT_STRING(0, "on-error", &(o)->on_error, "fail|skip", "a malformed input line stops the stage (fail, default) or is counted and skipped"), \
	OPT_STRING(0, "shard", &(o)->shard, "I/N", "process only part I of N (0-based) of the inputs: whole files, byte ranges of large JSONL files and of indexed WARC files (warc --index)"), \
	OPT_SIZE(0, "max-doc-bytes", &(o)->max_doc_bytes, "SIZE", "skip and count larger documents (default 64M)"), \
	OPT_FLAG('q', "quiet", &(o)->quiet, "no progress display on stderr")

/* ... and, for stages that write documents, the output side. */
#define STAGE_OPTIONS(o) \
	OPT_GROUP("Input and output:"), \
	OPT_STRING('o', "output", &(o)->output, "FILE", "write documents to FILE (.gz/.zst compress); default stdout"), \
	OPT_STRING(0, "rejects", &(o)->rejects, "FILE", "write removed documents to FILE, with metadata.rejected_by"), \
	OPT_FLAG(0, "annotate-only", &(o)->annotate_only, "keep every document, only record the decision"), \
	OPT_STRING(0, "stats", &(o)->stats, "FILE", "write counters (in, out, rejected, unreadable, bytes, seconds) as JSON"), \
	STAGE_INPUT_OPTIONS(o)

/* One assigned piece of input: a whole file, or a byte range of one. */
struct stage_piece {
	const char *path;     /* "-" for stdin */
	uint64_t start, end;  /* byte range for split files; end UINT64_MAX: to the end */
	int64_t size;         /* file size, -1 unknown */
	int exact;            /* [start, end) are record boundaries (a WARC index) */
};

struct stage_count {
	char *name;
	uint64_t n;
};

struct stage_counts {
	struct stage_count *v;
	size_t n, cap;
};

enum stage_flags {
	STAGE_SPLIT_JSONL = 1 << 0, /* plain JSONL inputs may be split into byte ranges */
	STAGE_ID_OPTIONAL = 1 << 1, /* documents without "id" are read (d->i_id < 0) */
	STAGE_SPLIT_INDEXED = 1 << 2, /* files with a WARC index (FILE.offsets) split at records */
	STAGE_TEXT_OPTIONAL = 1 << 3, /* documents without "text" are read (as empty text) */
};

struct stage {
	const char *name;
	struct stage_opts o;
	unsigned flags;
	int on_error_skip;

	struct stage_piece *pieces;
	size_t npieces, pieces_cap, next_piece;
	uint64_t total_input;       /* bytes of the assigned pieces, for ETA */
	uint64_t done_input;        /* raw bytes of finished pieces */

	/* the current input */
	const struct stage_piece *cur;
	struct instream *in;
	struct jsonl_reader jr;
	int jr_open;
	uint64_t jr_owned;          /* jsonl_owned_bytes of the input just read by jr,
				       UINT64_MAX: none */

	struct outstream *out, *rej;
	struct outstream *more[STAGE_MAX_MORE_OUTPUTS]; /* stage_open_output */
	const char *more_path[STAGE_MAX_MORE_OUTPUTS];
	int nmore;
	struct buf line;

	/* counters */
	uint64_t docs_in, docs_out, docs_rejected, docs_unreadable;
	uint64_t bytes_in, bytes_out, utf8_replaced;
	uint64_t corrupt_members, truncated_inputs;
	struct stage_counts rejected_by, unreadable_by;
	struct buf extra;           /* more --stats members, each written as
				       ",\n  \"key\": value" to keep the file's layout */
	int problems_printed;
	int failed;                 /* a fatal error happened: exit 1 */
	int pipe_closed;            /* downstream went away: stop quietly */
	double t0;

	/* progress */
	int progress;
	double last_progress;
};

/*
 * The checks of the stage options that need no input (--on-error, the form
 * of --shard, -o/--rejects/--stats naming one file): 0, or 2 after
 * printing a usage error.  stage_begin() makes
 * them too; a command that acts before stage_begin() (sluice shard and
 * sluice tok --format open or restart a shard set) calls this first, so
 * that a mistyped option changes nothing.
 */
int stage_check_options(const struct stage_opts *o);

/*
 * Name a further file the command writes (option: "--save", path NULL:
 * none), before stage_check_paths / stage_begin, so that it is checked
 * like -o, --rejects and --stats: not an input, not another output, in a
 * folder that exists.  At most STAGE_MAX_MORE_OUTPUTS.
 */
void stage_also_writes(struct stage_opts *o, const char *option, const char *path);

/*
 * The checks of the output paths against the inputs (args/nargs, as for
 * stage_begin), made before anything is opened for writing: an output
 * (-o, --rejects, --stats, those of stage_also_writes) that is one of the
 * inputs (the same file: device and inode; "-", devices and FIFOs are not
 * compared) or another output is a usage error (2); an output whose
 * folder is missing or not writable is an error (1, with the reason).
 * stage_begin makes them; a command that writes before stage_begin (shard
 * sets) calls this first.  0, 1 or 2 (printed).
 */
int stage_check_paths(const struct stage_opts *o, char **args, int nargs);

/*
 * Set the stage up after option parsing: args/nargs are the positional
 * arguments (inputs; none means stdin).  Opens outputs.  Returns 0, 1 (a
 * message was printed; exit 1) or 2 (usage error printed; exit 2).
 */
int stage_begin(struct stage *st, const char *name, unsigned flags,
		const struct stage_opts *o, char **args, int nargs);

/* The next document of the JSONL inputs: 1 (in *d), 0 at the end, or -1
 * after a fatal error (already reported; stop and call stage_end). */
int stage_next(struct stage *st, struct doc *d);

/*
 * The checks stage_next makes of every line, for a command that reads its
 * inputs itself (sluice mix reads its sources more than once): rc is what
 * jsonl_next returned for the line (1, SL_ETOOBIG, SL_ETRUNC, or another
 * error), path and where ("line N") name it in messages.  Parses the line
 * into d (invalid UTF-8 replaced with U+FFFD), checks "id" and "text" and
 * --max-doc-bytes, and applies --on-error.  count: count the line in
 * docs_in, docs_unreadable and invalid_utf8_replaced and report a bad one;
 * 0 (a later pass over lines already counted): skip bad lines silently.
 * Returns 1 (a document in d), 0 (skipped) or -1 (fatal, reported; stop).
 */
int stage_check_line(struct stage *st, int rc, const char *line, size_t len, struct doc *d,
		     const char *path, const char *where, int count);

/* Where the current document came from: "<path>:<byte offset>", a stable
 * name for documents that lack an id (offsets are into the decoded stream). */
int stage_doc_origin(const struct stage *st, struct buf *out);

/* Where the current document is, for messages, as the stage frame's own
 * messages say it: "'<path>': line N" (or "byte N" in a --shard range). */
int stage_doc_where(struct stage *st, struct buf *out);

/* For stages that read their own formats (warc): open the next assigned
 * input.  1 with *in set (owned by the stage until stage_input_done), 0 when
 * none is left, -1 after a fatal error (reported). */
int stage_next_input(struct stage *st, struct instream **in, const struct stage_piece **piece);
/* Report what went wrong inside the compressed stream, free it. */
void stage_input_done(struct stage *st);

/* Keep the document: write it to the output.  0, or -1 when writing failed
 * (reported) or downstream closed the pipe; stop reading then. */
int stage_emit(struct stage *st, struct doc *d);

/* Remove the document for `reason` (a short snake_case name): it goes to
 * --rejects with metadata.rejected_by = "<stage>:<reason>", or is kept with
 * that annotation under --annotate-only.  0 or -1 as stage_emit. */
int stage_reject(struct stage *st, struct doc *d, const char *reason);

/* Count an input document that could not be read, printing why (the first
 * few such messages; later ones are only counted). */
void stage_unreadable(struct stage *st, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a problem (rate-limited like stage_unreadable) without counting. */
void stage_problem(struct stage *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add to a named counter (used for per-reason maps). */
int stage_count_add(struct stage_counts *c, const char *name, uint64_t n);

/* Refresh the progress line (cheap; rate-limited internally). */
void stage_progress(struct stage *st);

/*
 * Open a further output named with stage_also_writes (path), to be
 * published together with the documents: stage_end finishes it with -o
 * and --rejects and renames it only when everything succeeded; the
 * command writes to *os and never closes it.  0, or 1 (reported, and the
 * stage marked failed).
 */
int stage_open_output(struct stage *st, struct outstream **os, const char *path);

/*
 * Flush and close outputs, write --stats, print the summary.  Returns the
 * exit status: 0, or 1 when something fatal happened.  Publication is all
 * or nothing: -o, --rejects and the outputs of stage_open_output are
 * written out and closed under their temporary names first, and renamed
 * only when all of them (and --stats) succeeded; otherwise every one is
 * removed.  --stats is still written when the run failed (it says so:
 * "complete": false), unless it is --stats that cannot be written.
 */
int stage_end(struct stage *st);

#endif
