/*
 * dedup.c - `sluice dedup exact|minhash`: remove duplicate documents in one
 * streaming pass, keeping the first of each family, with a bounded index.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "builtin.h"
#include "error.h"
#include "hashset.h"
#include "lineset.h"
#include "minhash.h"
#include "msg.h"
#include "normalize.h"
#include "mhpool.h"
#include "pmap.h"
#include "stage.h"
#include "utf8.h"

#define DEFAULT_MAX_MEMORY ((size_t)4 << 30)

/* Report an index error and mark the stage failed. */
static void index_error_of(struct stage *st, int rc, const struct dd_budget *bg, uint64_t kept,
			   const char *what)
{
	if (rc == SL_ETOOBIG) {
		char m[32];
		opt_format_size(bg->max, m, sizeof(m));
		msg("the index of %" PRIu64 " %s would exceed --max-memory %s; "
		    "raise --max-memory or split the input (--shard, then dedup the parts' survivors)",
		    kept, what, m);
	} else {
		msg_code(rc, "cannot grow the index");
	}
	st->failed = 1;
}

static void index_error(struct stage *st, int rc, const struct dd_budget *bg, uint64_t kept)
{
	index_error_of(st, rc, bg, kept, "kept documents");
}

/* Record which document this one duplicates, then remove it. */
static int reject_dup(struct stage *st, struct doc *d, const struct dd_idlist *ids, uint32_t of,
		      const char *reason)
{
	size_t n;
	const char *id = dd_idlist_get(ids, of, &n);
	int rc = doc_meta_set_raw(d, "duplicate_of", id, n);

	if (rc) {
		msg_code(rc, "internal error");
		st->failed = 1;
		return -1;
	}
	return stage_reject(st, d, reason);
}

static int dedup_exact(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice dedup exact [<options>] [<file>...]",
		"",
		"Remove documents whose text (or, with --normalize, whose normalized text)",
		"is identical to an earlier document's, by a 64-bit xxh64 hash: the first",
		"copy is kept, later ones are rejected as exact_duplicate with",
		"metadata.duplicate_of = the kept document's id.  The index (24-48 bytes a",
		"kept document, plus its id's JSON and 8 bytes) stays within --max-memory",
		"or the stage stops.",
		"",
		"  sluice dedup exact docs.jsonl.zst -o unique.jsonl.zst",
		"  sluice dedup exact --normalize --annotate-only docs.jsonl > marked.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	int normalize = 0;
	size_t max_memory = DEFAULT_MAX_MEMORY;
	struct option opts[] = {
		OPT_GROUP("Deduplication:"),
		OPT_FLAG(0, "normalize", &normalize, "hash datatrove's simplify_text of the text (lowercase, no punctuation, numbers as 0, no diacritics)"),
		OPT_SIZE(0, "max-memory", &max_memory, "SIZE", "the most memory the index may use (default 4G)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct doc d;
	struct dd_budget bg;
	struct dd_hashset hs;
	struct dd_idlist ids;
	struct dd_norm nw;
	struct buf norm = BUF_INIT;
	int nargs, rc;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	rc = stage_begin(&st, "dedup", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		return rc;
	bg.used = 0;
	bg.max = max_memory;
	dd_hashset_init(&hs, &bg);
	dd_idlist_init(&ids, &bg);
	dd_norm_init(&nw);
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *t, *id;
		size_t tn, idn;
		uint64_t h;
		uint32_t v;

		if ((rc = doc_text(&d, &t, &tn))) {
			msg_code(rc, "cannot decode a document's text");
			st.failed = 1;
			break;
		}
		if (normalize) {
			buf_reset(&norm);
			if ((rc = dd_simplify(&nw, t, tn, 0, &norm))) {
				msg_code(rc, "cannot normalize a document's text");
				st.failed = 1;
				break;
			}
			t = norm.ptr;
			tn = norm.len;
		}
		h = XXH64(t, tn, 0);
		if (dd_hashset_get(&hs, h, &v)) {
			if (reject_dup(&st, &d, &ids, v, "exact_duplicate"))
				break;
			continue;
		}
		id = doc_get_raw(&d, "id", &idn);
		if ((rc = dd_idlist_add(&ids, id, idn, &v)) ||
		    (rc = dd_hashset_put(&hs, h, v, NULL)) < 0) {
			index_error(&st, rc, &bg, ids.n);
			break;
		}
		if (stage_emit(&st, &d))
			break;
	}
	buf_addf(&st.extra, ",\n  \"distinct\": %zu,\n  \"index_bytes\": %zu", ids.n, bg.used);
	buf_release(&norm);
	dd_norm_release(&nw);
	dd_hashset_release(&hs);
	dd_idlist_release(&ids);
	doc_release(&d);
	return stage_end(&st);
}

static int write_signature(struct outstream *os, struct buf *b, const char *id, size_t idn,
			   const uint64_t *sig, size_t n)
{
	size_t i;

	buf_reset(b);
	buf_addstr(b, "{\"id\":");
	buf_add(b, id, idn);
	if (!sig) {
		buf_addstr(b, ",\"signature\":null}\n");
	} else {
		buf_addstr(b, ",\"signature\":[");
		for (i = 0; i < n; i++)
			buf_addf(b, i ? ",%" PRIu64 : "%" PRIu64, sig[i]);
		buf_addstr(b, "]}\n");
	}
	return outstream_write(os, b->ptr, b->len);
}

/* ---- dedup minhash: signatures on the threads of pmap.c, the index in
 * input order on the calling thread ---- */

struct mh_ctx {
	struct mh_pool pool;          /* the signatures (first: pmap.work's arg) */
	/* the index and what goes with it (calling thread) */
	int buckets, rows;
	uint64_t *keys;
	struct dd_budget *bg;
	struct dd_hashset *hs;
	struct dd_idlist *ids;
	struct outstream *sf;
	const char *sigfile;
	struct buf sline;
	uint64_t nosig;
};

static int mh_index_doc(void *arg, struct stage *st, struct pmap_item *x)
{
	struct mh_ctx *c = arg;
	const uint64_t *sig = mh_pool_sig(&c->pool, x);
	int rc, b, found = 0;
	const char *id;
	size_t idn;
	uint32_t v = 0;

	id = doc_get_raw(&x->d, "id", &idn);
	if (c->sf && (b = write_signature(c->sf, &c->sline, id, idn, sig, c->pool.nperm))) {
		/* a closed pipe too: the run stops, -o would be incomplete */
		msg_code(b, "cannot write '%s'", c->sigfile);
		st->failed = 1;
		return -1;
	}
	if (!sig) {
		c->nosig++;
		return stage_emit(st, &x->d);
	}
	for (b = 0; b < c->buckets; b++) {
		c->keys[b] = XXH64(sig + (size_t)b * c->rows, (size_t)c->rows * sizeof(uint64_t), (uint64_t)b);
		if (!found && dd_hashset_get(c->hs, c->keys[b], &v))
			found = 1;
	}
	if (!found && (rc = dd_idlist_add(c->ids, id, idn, &v))) {
		index_error(st, rc, c->bg, c->ids->n);
		return -1;
	}
	/* the bands of a duplicate join its family (chains) */
	for (b = 0; b < c->buckets; b++)
		if ((rc = dd_hashset_put(c->hs, c->keys[b], v, NULL)) < 0) {
			index_error(st, rc, c->bg, c->ids->n);
			return -1;
		}
	return found ? reject_dup(st, &x->d, c->ids, v, "minhash_duplicate") : stage_emit(st, &x->d);
}

static void mh_ctx_release(struct mh_ctx *c)
{
	mh_pool_release(&c->pool);
	free(c->keys);
	buf_release(&c->sline);
}

static int dedup_minhash(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice dedup minhash [<options>] [<file>...]",
		"",
		"Remove near-duplicate documents: MinHash signatures (datatrove's algorithm,",
		"bit-identical with the defaults: simplify_text, 5-word shingles, xxh64,",
		"112 permutations seeded by numpy's RandomState(1)) and LSH banding (14",
		"bands of 8) over an in-memory index.  A document that shares a band with",
		"an earlier one is rejected as minhash_duplicate, with metadata.duplicate_of",
		"= the id of the first document of its family; its bands join the family,",
		"so chains of near-duplicates are caught.  Documents with fewer words than",
		"--ngram get no signature and are always kept.",
		"",
		"  sluice dedup minhash docs.jsonl.zst -o unique.jsonl.zst",
		"  sluice dedup minhash --shingle chars --ngram 24 --buckets 20 --rows 13 docs.jsonl",
		"  sluice dedup minhash --threads 8 docs.jsonl.zst -o unique.jsonl.zst   # signatures on 8 cores",
		NULL
	};
	struct stage_opts o = { 0 };
	struct dd_minhash_cfg cfg = DD_MINHASH_DEFAULTS;
	int ngram = 0, nthreads = 1;
	const char *seed = "1";
	const char *shingle = "words", *hash = "xxh64", *sigfile = NULL;
	size_t max_memory = DEFAULT_MAX_MEMORY;
	struct option opts[] = {
		OPT_GROUP("MinHash and LSH:"),
		OPT_INT(0, "ngram", &ngram, "N", "words (or characters) per shingle (default 5 words, 24 characters)"),
		OPT_STRING(0, "shingle", &shingle, "words|chars", "shingles of words of the normalized text (default) or of characters"),
		OPT_INT(0, "buckets", &cfg.buckets, "B", "LSH bands (default 14)"),
		OPT_INT(0, "rows", &cfg.rows, "R", "hashes per band (default 8); B*R permutations"),
		OPT_STRING(0, "seed", &seed, "S", "numpy RandomState seed of the permutations (default 1)"),
		OPT_STRING(0, "hash", &hash, "xxh64|sha1", "shingle hash: xxh64 (default) or the first 8 bytes of SHA-1 (FineWeb)"),
		OPT_SIZE(0, "max-memory", &max_memory, "SIZE", "the most memory the index may use (default 4G)"),
		OPT_STRING(0, "signatures", &sigfile, "FILE", "also write {\"id\":..,\"signature\":[..]} per document to FILE (published with the output; - is stdout)"),
		OPT_INT('j', "threads", &nthreads, "N", "compute signatures on N threads (the index and the output as with one; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct dd_budget bg;
	struct dd_hashset hs;
	struct dd_idlist ids;
	struct mh_ctx c;
	struct pmap pm = { 0 };
	uint64_t unused;
	int nargs, rc;

	memset(&c, 0, sizeof(c));
	buf_init(&c.sline, 0);
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!strcmp(shingle, "words"))
		cfg.shingle = DD_SHINGLE_WORDS;
	else if (!strcmp(shingle, "chars"))
		cfg.shingle = DD_SHINGLE_CHARS;
	else
		return usage_error("--shingle must be words or chars, not '%s'", shingle);
	if (!strcmp(hash, "xxh64"))
		cfg.hash = DD_HASH_XXH64;
	else if (!strcmp(hash, "sha1"))
		cfg.hash = DD_HASH_SHA1;
	else
		return usage_error("--hash must be xxh64 or sha1, not '%s'", hash);
	cfg.ngram = ngram ? ngram : cfg.shingle == DD_SHINGLE_CHARS ? 24 : 5;
	if (cfg.ngram < 1 || cfg.ngram > 1000)
		return usage_error("--ngram must be between 1 and 1000");
	if (cfg.buckets < 1 || cfg.rows < 1 || cfg.buckets * cfg.rows > 4096)
		return usage_error("--buckets and --rows must be positive, with at most 4096 permutations");
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	{
		char *end;
		unsigned long long v = strtoull(seed, &end, 10);
		if (!*seed || *end || *seed == '-' || v > 0xffffffffull)
			return usage_error("--seed must be an integer from 0 to 4294967295 (numpy's range), not '%s'", seed);
		cfg.seed = (uint32_t)v;
	}

	stage_also_writes(&o, "--signatures", sigfile);
	rc = stage_begin(&st, "dedup", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		return rc;
	bg.used = 0;
	bg.max = max_memory;
	dd_hashset_init(&hs, &bg);
	dd_idlist_init(&ids, &bg);
	pm.nthreads = nthreads;
	pm.work = mh_pool_sign; /* (c.pool first) */
	pm.emit = mh_index_doc;
	pm.arg = &c;
	c.buckets = cfg.buckets;
	c.rows = cfg.rows;
	c.bg = &bg;
	c.hs = &hs;
	c.ids = &ids;
	c.sigfile = sigfile;
	if ((rc = mh_pool_init(&c.pool, &cfg, &pm)) ||
	    (!(c.keys = malloc((size_t)cfg.buckets * sizeof(*c.keys))) && (rc = SL_ENOMEM))) {
		msg_code(rc, "cannot set up MinHash");
		st.failed = 1;
		goto out;
	}
	if (sigfile && stage_open_output(&st, &c.sf, sigfile))
		goto out;
	pmap_run(&st, &pm, &unused);
out:
	/* sf is the stage's: stage_end publishes it with the documents */
	buf_addf(&st.extra, ",\n  \"no_signature\": %" PRIu64 ",\n  \"families\": %zu,\n  \"index_bytes\": %zu",
		 c.nosig, ids.n, bg.used);
	mh_ctx_release(&c);
	dd_hashset_release(&hs);
	dd_idlist_release(&ids);
	return stage_end(&st);
}

static int blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\v' && s[i] != '\f')
			return 0;
	return 1;
}

static int dedup_lines(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice dedup lines [<options>] [<file>...]",
		"",
		"Remove lines (or paragraphs) already seen anywhere earlier in the corpus,",
		"cc_net style: each line is normalized (datatrove's simplify_text) and its",
		"64-bit xxh64 kept in a sharded hash set; a line whose hash is in the set",
		"is dropped from the text.  Lines shorter than --min-length characters",
		"(after normalization) are always kept and never recorded.  --load and",
		"--save keep the set between runs, so this month dedups against last",
		"month.  A document left without text is rejected as all_lines_duplicate;",
		"metadata.lines_removed counts what was removed (under --annotate-only the",
		"text is left as it was).",
		"",
		"  sluice dedup lines --save month1.lines docs1.jsonl.zst -o out1.jsonl.zst",
		"  sluice dedup lines --load month1.lines --save month2.lines docs2.jsonl.zst > out2.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *unit = "lines", *save = NULL;
	struct opt_list load = { 0 };
	int min_length = 0, raw = 0, paragraphs;
	size_t max_memory = DEFAULT_MAX_MEMORY;
	struct option opts[] = {
		OPT_GROUP("Line deduplication:"),
		OPT_STRING(0, "unit", &unit, "lines|paragraphs", "what is compared: lines (default) or paragraphs (runs of non-blank lines)"),
		OPT_INT(0, "min-length", &min_length, "N", "keep, without recording, units shorter than N characters once normalized (default 0)"),
		OPT_FLAG(0, "raw", &raw, "compare lines as they are (only trailing CR and outer spaces trimmed), not normalized"),
		OPT_LIST(0, "load", &load, "FILE", "start from a saved set (repeatable)"),
		OPT_STRING(0, "save", &save, "FILE", "save the set at the end, published only with the output (FILE.tmp-PID renamed)"),
		OPT_SIZE(0, "max-memory", &max_memory, "SIZE", "the most memory the set may use (default 4G)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct doc d;
	struct dd_budget bg;
	struct dd_lineset set;
	struct dd_norm nw;
	struct buf norm = BUF_INIT, out = BUF_INIT;
	struct outstream *sf = NULL;
	uint64_t units = 0, removed = 0, bytes_removed = 0;
	int nargs, rc;
	size_t i;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (strcmp(unit, "lines") && strcmp(unit, "paragraphs"))
		return usage_error("--unit must be lines or paragraphs, not '%s'", unit);
	paragraphs = !strcmp(unit, "paragraphs");
	if (min_length < 0)
		return usage_error("--min-length must not be negative");
	stage_also_writes(&o, "--save", save);
	rc = stage_begin(&st, "dedup", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		return rc;
	bg.used = 0;
	bg.max = max_memory;
	dd_lineset_init(&set, &bg);
	dd_norm_init(&nw);
	doc_init(&d);
	for (i = 0; i < load.n; i++) {
		if ((rc = dd_lineset_load(&set, load.items[i]))) {
			if (rc == SL_EFORMAT)
				msg("'%s': not a sluice line set, or a damaged one", load.items[i]);
			else if (rc == SL_ETOOBIG)
				index_error_of(&st, rc, &bg, set.n, "distinct lines");
			else
				msg_code(rc, "cannot load '%s'", load.items[i]);
			st.failed = 1;
			goto out;
		}
	}
	while (stage_next(&st, &d) > 0) {
		const char *t;
		size_t tn, p = 0, last_end = 0, nrem = 0, kept_units = 0;
		int first_kept = 1, last_was_kept = 0;

		if ((rc = doc_text(&d, &t, &tn))) {
			msg_code(rc, "cannot decode a document's text");
			st.failed = 1;
			break;
		}
		buf_reset(&out);
		while (p < tn) {
			size_t us, ue, q;
			const char *nl;
			int dup = 0;

			/* skip blank lines; the unit starts at the next non-blank one */
			for (;;) {
				nl = memchr(t + p, '\n', tn - p);
				q = nl ? (size_t)(nl - t) : tn;
				if (!blank_line(t + p, q - p) || q == tn)
					break;
				p = q + 1;
			}
			if (blank_line(t + p, q - p))
				break;
			us = p;
			ue = q;
			if (paragraphs) {
				/* extend over the following non-blank lines */
				while (ue < tn) {
					size_t r;
					nl = memchr(t + ue + 1, '\n', tn - ue - 1);
					r = nl ? (size_t)(nl - t) : tn;
					if (blank_line(t + ue + 1, r - ue - 1))
						break;
					ue = r;
				}
			}
			units++;
			buf_reset(&norm);
			if (raw) {
				size_t a = us, b = ue;
				while (a < b && (t[a] == ' ' || t[a] == '\t'))
					a++;
				while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t' || t[b - 1] == '\r'))
					b--;
				rc = buf_add(&norm, t + a, b - a);
			} else {
				rc = dd_simplify(&nw, t + us, ue - us, 0, &norm);
			}
			if (rc) {
				msg_code(rc, "cannot normalize a line");
				st.failed = 1;
				break;
			}
			if (norm.len && utf8_count(norm.ptr, norm.len) >= (size_t)min_length) {
				rc = dd_lineset_add(&set, XXH64(norm.ptr, norm.len, 0));
				if (rc < 0) {
					index_error_of(&st, rc, &bg, set.n, "distinct lines");
					break;
				}
				dup = rc == 1;
			}
			if (dup) {
				nrem++;
				bytes_removed += ue - us;
				last_was_kept = 0;
				last_end = ue;
			} else {
				/* the text before the first kept unit stays only when
				 * nothing before it was removed; later ones keep the
				 * gap (newlines, blank lines) that preceded them */
				size_t from = first_kept ? (nrem ? us : 0) : last_end;
				rc = buf_add(&out, t + from, us - from);
				if (!rc)
					rc = buf_add(&out, t + us, ue - us);
				if (rc) {
					msg_code(rc, "internal error");
					st.failed = 1;
					break;
				}
				first_kept = 0;
				last_end = ue;
				kept_units++;
				last_was_kept = 1;
			}
			p = ue < tn ? ue + 1 : tn;
		}
		if (st.failed)
			break;
		if (!nrem) {
			if (stage_emit(&st, &d))
				break;
			continue;
		}
		removed += nrem;
		if (last_was_kept && buf_add(&out, t + last_end, tn - last_end)) {
			st.failed = 1;
			break;
		}
		if ((rc = doc_meta_set_int(&d, "lines_removed", (long long)nrem)) ||
		    (!o.annotate_only && kept_units && (rc = doc_set_text(&d, out.ptr, out.len)))) {
			msg_code(rc, "internal error");
			st.failed = 1;
			break;
		}
		if (!kept_units ? stage_reject(&st, &d, "all_lines_duplicate") : stage_emit(&st, &d))
			break;
	}
	/* written under its temporary name now, renamed by stage_end only if
	 * the documents' outputs are published too */
	if (save && st.pipe_closed && !st.failed)
		msg("the output was closed before the end of the input: '%s' not saved", save);
	if (!st.failed && !st.pipe_closed && save && stage_open_output(&st, &sf, save) == 0 &&
	    (rc = dd_lineset_write(&set, sf))) {
		msg_code(rc, "cannot write '%s'", save);
		st.failed = 1;
	}
out:
	buf_addf(&st.extra, ",\n  \"units\": %" PRIu64 ",\n  \"units_removed\": %" PRIu64
		 ",\n  \"bytes_removed\": %" PRIu64 ",\n  \"distinct_units\": %" PRIu64 ",\n  \"index_bytes\": %zu",
		 units, removed, bytes_removed, set.n, bg.used);
	free(load.items);
	buf_release(&norm);
	buf_release(&out);
	dd_norm_release(&nw);
	dd_lineset_release(&set);
	doc_release(&d);
	return stage_end(&st);
}

int cmd_dedup(int argc, char **argv)
{
	static const char *const usage =
		"usage: sluice dedup exact|lines|minhash [<options>] [<file>...]\n\n"
		"  exact     remove documents with identical (or identically normalized) text\n"
		"  lines     remove lines (or paragraphs) seen earlier in the corpus (cc_net)\n"
		"  minhash   remove near-duplicate documents (MinHash + LSH, datatrove-compatible)\n\n"
		"'sluice dedup <kind> --help' describes the options.\n";
	static const struct subcommand kinds[] = {
		{ "exact", dedup_exact },
		{ "lines", dedup_lines },
		{ "minhash", dedup_minhash },
		{ NULL, NULL },
	};

	return run_subcommand("dedup", "kind of dedup", kinds, usage, argc, argv);
}
