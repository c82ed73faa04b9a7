/*
 * minhash.c - `sluice minhash sign|buckets|cluster|filter`: MinHash dedup
 * in four steps over files, for corpora larger than one machine's memory.
 * The files follow datatrove's MinhashDedup* stages (REFERENCE.md §5.1):
 *
 *   sign     DIR/bucket_BBB/RRRRR.minhash.sig: per input shard RRRRR (the I
 *            of --shard I/N) and band BBB, records of R uint64 band values
 *            and a uint32 document index (position among the shard's
 *            documents), little endian, sorted by (values, index)
 *   buckets  DIR/BBBBB_00.dups: per band, the merged files' runs of equal
 *            band values as pairs of consecutive members, four uint32
 *            (shard1, doc1, shard2, doc2)
 *   cluster  DIR/RRRRRR.remove: union-find over all pairs (memory per
 *            document, pairs streamed); every document that is not the
 *            first (smallest shard, index) of its cluster, uint32 indexes
 *            in ascending order
 *   filter   re-reads the same inputs with the same --shard and drops the
 *            documents listed in RRRRRR.remove (checking that they are the
 *            documents sign read: see "manifests")
 * Every file is written to NAME.tmp-PID and renamed, so a killed step
 * leaves no partial file and can simply be run again.  Each task of sign
 * and buckets ends with a manifest (sign-IIIII.manifest,
 * buckets-IIIII.manifest) that the next step checks, and cluster's done
 * marker comes last, so a reused directory never feeds an earlier run's
 * files to a later step (see "manifests" below).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "builtin.h"
#include "error.h"
#include "hashset.h"
#include "minhash.h"
#include "msg.h"
#include "mhpool.h"
#include "pmap.h"
#include "stage.h"
#include "tmpclean.h"
#include "tokshard.h"

static unsigned shard_rank(const char *shard)
{
	unsigned i = 0, n = 0;

	if (shard && sscanf(shard, "%u/%u", &i, &n) == 2)
		return i;
	return 0;
}

static unsigned shard_count(const char *shard)
{
	unsigned i = 0, n = 0;

	if (shard && sscanf(shard, "%u/%u", &i, &n) == 2 && n > 0)
		return n;
	return 1;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Write n bytes to path via path.tmp-PID + rename.  0 or -1 (reported). */
static int write_file(const char *path, const void *data, size_t n)
{
	char tmp[4200];
	FILE *f;
	int bad, slot;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
	slot = tmpclean_add(tmp); /* removed if a signal kills the program */
	if (!(f = fopen(tmp, "wb"))) {
		tmpclean_remove(slot);
		msg_code(SL_EOPEN, "cannot open '%s'", tmp);
		return -1;
	}
	bad = (n && fwrite(data, 1, n, f) != n);
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path)) {
		msg_code(SL_EIO, "cannot write '%s'", path);
		unlink(tmp);
		tmpclean_remove(slot);
		return -1;
	}
	tmpclean_remove(slot);
	return 0;
}

static int make_dir(const char *path)
{
	char p[4096];
	size_t i;

	/* like mkdir -p */
	snprintf(p, sizeof(p), "%s", path);
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0777) && errno != EEXIST) {
			msg_code(SL_EOPEN, "cannot create '%s'", p);
			return -1;
		}
		p[i] = '/';
	}
	if (mkdir(path, 0777) && errno != EEXIST) {
		msg_code(SL_EOPEN, "cannot create '%s'", path);
		return -1;
	}
	return 0;
}

/* ---- manifests: which run made the files in a directory ----
 *
 * Task I of N of a step removes its own manifest (and files of its kind
 * that no task of this run will write) before anything else, writes its
 * data files, then its manifest last: SIGDIR/sign-IIIII.manifest,
 * DUPDIR/buckets-IIIII.manifest, REMDIR/done.  The next step requires
 * exactly the manifests of ranks 0..N-1, all with the same parameters, and
 * reads exactly the files they name, so a directory reused by a run with
 * other parameters (fewer shards, fewer bands) never feeds files of the
 * earlier run to a later step.  A task only ever removes its own files and
 * those of ranks or bands >= what this run has, so N tasks of a Slurm array
 * writing into one directory at once never remove each other's output.
 *
 * The input of each sign task goes down the chain too, so that filter can
 * tell whether it reads the documents that were signed (its lists name
 * documents by position): sign records how many documents it read and a
 * fingerprint of their texts in order ("documents N", "input_xxh3 H"; H
 * chained as tokshard_input_hash does); buckets copies every sign task's
 * into its manifest and cluster into done ("sign_input RANK N H" lines).
 * Manifests of older runs have none, and filter then cannot check.
 */
struct mh_input {
	unsigned rank;
	uint64_t docs, fp;
};

struct manifest {
	unsigned rank, n;          /* --shard I/N of the task */
	int bands, rows;
	unsigned sign_shards;      /* buckets, cluster: the N of sign */
	char sig[256];             /* sign: the signature parameters */
	int has_docs, has_fp;      /* sign: what it read */
	uint64_t docs, fp;
	struct mh_input *in;       /* buckets, cluster: every sign task's, by rank */
	size_t nin, capin;         /* (check_manifests of sign: the same, gathered) */
};

static void manifest_release(struct manifest *m)
{
	free(m->in);
	m->in = NULL;
	m->nin = m->capin = 0;
}

static int manifest_add_input(struct manifest *m, unsigned rank, uint64_t docs, uint64_t fp)
{
	if (ARRAY_GROW(m->in, m->capin, m->nin + 1))
		return -1;
	m->in[m->nin].rank = rank;
	m->in[m->nin].docs = docs;
	m->in[m->nin].fp = fp;
	m->nin++;
	return 0;
}

/* The "sign_input" lines of m's inputs, appended to b.  0 or SL_ENOMEM. */
static int manifest_put_inputs(struct buf *b, const struct manifest *m)
{
	size_t i;
	int rc = 0;
	for (i = 0; i < m->nin && !rc; i++)
		rc = buf_addf(b, "sign_input %u %" PRIu64 " %016" PRIx64 "\n", m->in[i].rank, m->in[i].docs, m->in[i].fp);
	return rc;
}

static int same_inputs(const struct manifest *a, const struct manifest *b)
{
	size_t i;
	if (a->nin != b->nin)
		return 0;
	for (i = 0; i < a->nin; i++)
		if (a->in[i].rank != b->in[i].rank || a->in[i].docs != b->in[i].docs || a->in[i].fp != b->in[i].fp)
			return 0;
	return 1;
}

static int cmp_input(const void *a, const void *b)
{
	const struct mh_input *x = a, *y = b;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* name is PREFIX, 1 to 9 digits, SUFFIX: 1 with the number, else 0 */
static int match_name(const char *name, const char *prefix, const char *suffix, unsigned long *num)
{
	size_t lp = strlen(prefix), ls = strlen(suffix), l = strlen(name), k;

	if (l <= lp + ls || strncmp(name, prefix, lp) || strcmp(name + l - ls, suffix))
		return 0;
	for (k = lp; k < l - ls; k++)
		if (name[k] < '0' || name[k] > '9')
			return 0;
	if (l - ls - lp > 9)
		return 0;
	*num = strtoul(name + lp, NULL, 10);
	return 1;
}

/* Remove dir's files PREFIX<number>SUFFIX with number >= limit or number ==
 * own (-1: none); nothing else.  A missing dir holds nothing.  0 or -1
 * (reported). */
static int remove_stale(const char *dir, const char *prefix, const char *suffix, unsigned long limit, long own)
{
	DIR *dd = opendir(dir);
	struct dirent *de;
	char path[4200];
	unsigned long num;
	int ret = 0;

	if (!dd) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		msg_code(SL_EOPEN, "cannot open '%s'", dir);
		return -1;
	}
	while ((de = readdir(dd))) {
		if (!match_name(de->d_name, prefix, suffix, &num) || (num < limit && (long)num != own))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && errno != ENOENT) {
			msg_code(SL_EIO, "cannot remove '%s' (of an earlier run)", path);
			ret = -1;
		}
	}
	closedir(dd);
	return ret;
}

/* Parse a manifest "sluice minhash KIND" + "key value" lines.  0, or -1
 * (reported). */
static int read_manifest(const char *path, const char *kind, struct manifest *m)
{
	char line[512], head[64];
	FILE *f = fopen(path, "r");
	int first = 1, bad = 0;
	unsigned rank;
	uint64_t docs, fp;

	memset(m, 0, sizeof(*m));
	if (!f) {
		msg_code(SL_EOPEN, "cannot open '%s'", path);
		return -1;
	}
	snprintf(head, sizeof(head), "sluice minhash %s\n", kind);
	while (!bad && fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		if (first) {
			bad = strcmp(line, head) != 0;
			first = 0;
		} else if (!strncmp(line, "signature ", 10) && l > 11 && l - 11 < sizeof(m->sig)) {
			memcpy(m->sig, line + 10, l - 11);
			m->sig[l - 11] = '\0';
		} else if (sscanf(line, "documents %" SCNu64, &m->docs) == 1) {
			m->has_docs = 1;
		} else if (sscanf(line, "input_xxh3 %" SCNx64, &m->fp) == 1) {
			m->has_fp = 1;
		} else if (sscanf(line, "sign_input %u %" SCNu64 " %" SCNx64, &rank, &docs, &fp) == 3) {
			if (manifest_add_input(m, rank, docs, fp)) {
				fclose(f);
				manifest_release(m);
				msg_code(SL_ENOMEM, "'%s'", path);
				return -1;
			}
		} else if (sscanf(line, "shard %u/%u", &m->rank, &m->n) != 2 && sscanf(line, "bands %d", &m->bands) != 1 &&
			   sscanf(line, "rows %d", &m->rows) != 1 && sscanf(line, "sign_shards %u", &m->sign_shards) != 1) {
			bad = 1;
		}
	}
	if (ferror(f) || first)
		bad = 1;
	fclose(f);
	if (bad) {
		manifest_release(m);
		msg("'%s': not a `sluice minhash %s` manifest", path, kind);
		return -1;
	}
	return 0;
}

/* The manifests KIND-IIIII.manifest in dir must be those of ranks 0..N-1 of
 * one run (same N and parameters); *m gets their parameters (release it
 * with manifest_release).  For sign, m->in gathers every task's input
 * (none when a manifest lacks it: an older run); for buckets, every task
 * must have copied the same.  0, or -1 (reported). */
static int check_manifests(const char *dir, const char *kind, struct manifest *m)
{
	char prefix[32], path[4200], first[4200] = "";
	DIR *dd = opendir(dir);
	struct dirent *de;
	struct manifest x;
	unsigned long num, count = 0;
	int ret = 0, sign = !strcmp(kind, "sign"), all_fp = 1;

	memset(m, 0, sizeof(*m));
	if (!dd) {
		msg_code(SL_EOPEN, "cannot open '%s'", dir);
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "%s-", kind);
	while (!ret && (de = readdir(dd))) {
		char want[64];
		if (!match_name(de->d_name, prefix, ".manifest", &num))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_manifest(path, kind, &x)) {
			ret = -1;
			break;
		}
		snprintf(want, sizeof(want), "%s-%05u.manifest", kind, x.rank);
		if (x.n == 0 || x.rank >= x.n || strcmp(de->d_name, want)) {
			msg("'%s': not a `sluice minhash %s` manifest", path, kind);
			ret = -1;
		} else if (count && (x.n != m->n || x.bands != m->bands || x.rows != m->rows ||
				     x.sign_shards != m->sign_shards || strcmp(x.sig, m->sig) ||
				     (!sign && !same_inputs(&x, m)))) {
			msg("'%s' and '%s' come from different `sluice minhash %s` runs (other --shard N, "
			    "parameters or input): run the step again for every shard", first, path, kind);
			ret = -1;
		} else if (sign) {
			all_fp &= x.has_fp && x.has_docs;
			if (!count) {
				*m = x; /* (x.in is NULL: a sign manifest has none) */
				m->in = NULL;
				m->nin = m->capin = 0;
			}
			if (all_fp && manifest_add_input(m, x.rank, x.docs, x.fp)) {
				msg_code(SL_ENOMEM, "'%s'", path);
				ret = -1;
			}
		} else if (!count) {
			*m = x;
			x.in = NULL; /* (m's now) */
		}
		if (!count && !ret)
			snprintf(first, sizeof(first), "%s", path);
		manifest_release(&x);
		count++;
	}
	closedir(dd);
	if (!ret && !count) {
		msg("'%s' holds no finished `sluice minhash %s` output (no %s-*.manifest): run that step first",
		    dir, kind, kind);
		ret = -1;
	}
	if (!ret && count != m->n) {
		unsigned r;
		for (r = 0; r < m->n; r++) {
			snprintf(path, sizeof(path), "%s/%s-%05u.manifest", dir, kind, r);
			if (access(path, F_OK))
				break;
		}
		msg("'%s': `sluice minhash %s --shard %u/%u` did not finish (no '%s'); run it", dir, kind, r, m->n,
		    path);
		ret = -1;
	}
	if (ret) {
		manifest_release(m);
		return ret;
	}
	if (sign && !all_fp)
		manifest_release(m); /* an older sign run: nothing to check with */
	if (m->nin)
		qsort(m->in, m->nin, sizeof(*m->in), cmp_input);
	return 0;
}

/* ---- sign ---- */

static size_t sort_rows;

static int cmp_rec(const void *x, const void *y)
{
	const unsigned char *a = x, *b = y;
	size_t i;

	for (i = 0; i < sort_rows; i++) {
		uint64_t u = get64(a + 8 * i), v = get64(b + 8 * i);
		if (u != v)
			return u < v ? -1 : 1;
	}
	return get32(a + 8 * sort_rows) < get32(b + 8 * sort_rows) ? -1 :
	       get32(a + 8 * sort_rows) > get32(b + 8 * sort_rows);
}

static int parse_mh(struct dd_minhash_cfg *cfg, int ngram, const char *seed, const char *shingle, const char *hash)
{
	if (!strcmp(shingle, "words"))
		cfg->shingle = DD_SHINGLE_WORDS;
	else if (!strcmp(shingle, "chars"))
		cfg->shingle = DD_SHINGLE_CHARS;
	else
		return usage_error("--shingle must be words or chars, not '%s'", shingle);
	if (!strcmp(hash, "xxh64"))
		cfg->hash = DD_HASH_XXH64;
	else if (!strcmp(hash, "sha1"))
		cfg->hash = DD_HASH_SHA1;
	else
		return usage_error("--hash must be xxh64 or sha1, not '%s'", hash);
	cfg->ngram = ngram ? ngram : cfg->shingle == DD_SHINGLE_CHARS ? 24 : 5;
	if (cfg->ngram < 1 || cfg->ngram > 1000)
		return usage_error("--ngram must be between 1 and 1000");
	if (cfg->buckets < 1 || cfg->rows < 1 || cfg->buckets > 1000 || cfg->buckets * cfg->rows > 4096)
		return usage_error("--buckets (at most 1000) and --rows must be positive, with at most 4096 permutations");
	{
		char *end;
		unsigned long long v = strtoull(seed, &end, 10);
		if (!*seed || *end || *seed == '-' || v > 0xffffffffull)
			return usage_error("--seed must be an integer from 0 to 4294967295 (numpy's range), not '%s'", seed);
		cfg->seed = (uint32_t)v;
	}
	return 0;
}

/* Before task rank of n signs: its own manifest, then the signature files
 * that no task of this run writes (other tasks' files of ranks < n are
 * theirs, and stay): ranks >= n, and its own in bands >= bands, whose
 * directory goes when empty. */
static int remove_sign_stale(const char *dir, unsigned rank, unsigned n, int bands)
{
	DIR *dd;
	struct dirent *de;
	char path[4200];
	unsigned long b;
	int ret = 0;

	if (remove_stale(dir, "sign-", ".manifest", n, (long)rank))
		return -1;
	if (!(dd = opendir(dir)))
		return errno == ENOENT ? 0 : (msg_code(SL_EOPEN, "cannot open '%s'", dir), -1);
	while ((de = readdir(dd))) {
		if (!match_name(de->d_name, "bucket_", "", &b))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (remove_stale(path, "", ".minhash.sig", n, b >= (unsigned long)bands ? (long)rank : -1))
			ret = -1;
		else if (b >= (unsigned long)bands)
			rmdir(path); /* a band this run has not: gone once every task removed its file */
	}
	closedir(dd);
	return ret;
}

/* sign on the threads of pmap.c (mhpool.h); the calling thread files the
 * signatures, in input order, into the bands. */
struct sign_ctx {
	struct mh_pool pool;          /* (first: pmap.work's arg) */
	int buckets, rows;
	struct buf *bands;
	uint32_t docno;
	uint64_t fp;                  /* the input's fingerprint so far */
};

static int sign_file(void *arg, struct stage *st, struct pmap_item *x)
{
	struct sign_ctx *c = arg;
	const uint64_t *sig = mh_pool_sig(&c->pool, x);
	unsigned char r[8 * 4096 + 4];
	size_t rec = (size_t)c->rows * 8 + 4, n;
	const char *text;
	int b, j;

	doc_text(&x->d, &text, &n); /* (decoded by the work) */
	c->fp = tokshard_input_hash(c->fp, text, n);
	for (b = 0; sig && b < c->buckets; b++) {
		for (j = 0; j < c->rows; j++)
			put64(r + 8 * j, sig[(size_t)b * c->rows + j]);
		put32(r + 8 * c->rows, c->docno);
		if (buf_add(&c->bands[b], r, rec)) {
			msg_code(SL_ENOMEM, "cannot hold the signatures");
			st->failed = 1;
			return -1;
		}
	}
	c->docno++;
	st->docs_out++;
	return 0;
}

static int mh_sign(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice minhash sign --dir DIR [--shard I/N] [<options>] [<file>...]",
		"",
		"Step 1 of 4: MinHash signatures (as `sluice dedup minhash`) of this shard's",
		"documents, written per band to DIR/bucket_BBB/IIIII.minhash.sig, sorted.",
		"--threads N computes them on N cores (the same files).",
		NULL
	};
	struct stage_opts o = { 0 };
	struct dd_minhash_cfg cfg = DD_MINHASH_DEFAULTS;
	int ngram = 0, b, rc, nthreads = 1;
	const char *seed = "1";
	const char *shingle = "words", *hash = "xxh64", *dir = NULL;
	struct option opts[] = {
		OPT_GROUP("MinHash:"),
		OPT_STRING(0, "dir", &dir, "DIR", "where the signature files go (required)"),
		OPT_INT(0, "ngram", &ngram, "N", "words (or characters) per shingle (default 5 words, 24 characters)"),
		OPT_STRING(0, "shingle", &shingle, "words|chars", "shingles of words (default) or characters"),
		OPT_INT(0, "buckets", &cfg.buckets, "B", "LSH bands (default 14)"),
		OPT_INT(0, "rows", &cfg.rows, "R", "hashes per band (default 8)"),
		OPT_STRING(0, "seed", &seed, "S", "numpy RandomState seed (default 1)"),
		OPT_STRING(0, "hash", &hash, "xxh64|sha1", "shingle hash (default xxh64)"),
		OPT_INT('j', "threads", &nthreads, "N", "compute signatures on N threads (default 1)"),
		OPT_GROUP("Input:"),
		OPT_STRING(0, "stats", &o.stats, "FILE", "write counters as JSON (docs_out: documents signed or too short)"),
		STAGE_INPUT_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct sign_ctx c;
	struct pmap pm = { 0 };
	uint64_t unused;
	char path[4096];
	int nargs;

	memset(&c, 0, sizeof(c));
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!dir)
		return usage_error("--dir DIR is required");
	if ((rc = parse_mh(&cfg, ngram, seed, shingle, hash)))
		return rc;
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	o.output = "/dev/null";
	if ((rc = stage_begin(&st, "minhash sign", STAGE_SPLIT_JSONL, &o, argv + 1, nargs)))
		return rc;
	pm.nthreads = nthreads;
	pm.work = mh_pool_sign; /* (c.pool first) */
	pm.emit = sign_file;
	pm.arg = &c;
	c.buckets = cfg.buckets;
	c.rows = cfg.rows;
	if ((rc = mh_pool_init(&c.pool, &cfg, &pm)) ||
	    (!(c.bands = calloc((size_t)cfg.buckets, sizeof(*c.bands))) && (rc = SL_ENOMEM))) {
		msg_code(rc, "cannot set up");
		st.failed = 1;
		goto out;
	}
	for (b = 0; b < cfg.buckets; b++)
		buf_init(&c.bands[b], (size_t)1 << 40);
	if (remove_sign_stale(dir, shard_rank(o.shard), shard_count(o.shard), cfg.buckets)) {
		st.failed = 1;
		goto out;
	}
	pmap_run(&st, &pm, &unused);
	if (!st.failed && !make_dir(dir)) {
		size_t rec = (size_t)cfg.rows * 8 + 4;
		sort_rows = (size_t)cfg.rows;
		for (b = 0; b < cfg.buckets && !st.failed; b++) {
			snprintf(path, sizeof(path), "%s/bucket_%03d", dir, b);
			if (make_dir(path)) {
				st.failed = 1;
				break;
			}
			qsort(c.bands[b].ptr, c.bands[b].len / rec, rec, cmp_rec);
			snprintf(path, sizeof(path), "%s/bucket_%03d/%05u.minhash.sig", dir, b, shard_rank(o.shard));
			if (write_file(path, c.bands[b].ptr, c.bands[b].len))
				st.failed = 1;
		}
		if (!st.failed) {
			/* last: the shard is finished */
			char mf[1024];
			int n = snprintf(mf, sizeof(mf),
					 "sluice minhash sign\nshard %u/%u\nbands %d\nrows %d\n"
					 "signature shingle=%s ngram=%d hash=%s seed=%lu\ndocuments %lu\n"
					 "input_xxh3 %016" PRIx64 "\n",
					 shard_rank(o.shard), shard_count(o.shard), cfg.buckets, cfg.rows, shingle,
					 cfg.ngram, hash, (unsigned long)cfg.seed, (unsigned long)c.docno, c.fp);
			snprintf(path, sizeof(path), "%s/sign-%05u.manifest", dir, shard_rank(o.shard));
			if (write_file(path, mf, (size_t)n))
				st.failed = 1;
		}
	} else {
		st.failed = 1;
	}
out:
	if (c.bands)
		for (b = 0; b < cfg.buckets; b++)
			buf_release(&c.bands[b]);
	free(c.bands);
	mh_pool_release(&c.pool);
	return stage_end(&st);
}

/* ---- buckets ---- */

struct sigfile {
	FILE *f;
	uint32_t rank;
	unsigned char cur[8 * 4096 + 4];
	int have;
};

static int next_rec(struct sigfile *s, size_t rec)
{
	size_t n = fread(s->cur, 1, rec, s->f);

	if (n == rec) {
		s->have = 1;
		return 0;
	}
	s->have = 0;
	return n == 0 && !ferror(s->f) ? 0 : -1;
}

static int mh_buckets(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice minhash buckets --dir SIGDIR --out DUPDIR [--shard I/N]",
		"",
		"Step 2 of 4: per band, merge the sorted signature files of all shards and",
		"write each run of equal band values as pairs to DUPDIR/BBBBB_00.dups.",
		"--shard I/N does the bands b with b % N == I.",
		NULL
	};
	const char *dir = NULL, *outdir = NULL, *shard = NULL;
	int rows = 0, buckets = 0, b;
	struct manifest sm;
	struct option opts[] = {
		OPT_STRING(0, "dir", &dir, "SIGDIR", "the signature files of `minhash sign` (required)"),
		OPT_STRING(0, "out", &outdir, "DUPDIR", "where the pair files go (required)"),
		OPT_INT(0, "buckets", &buckets, "B", "LSH bands (default: as `minhash sign` wrote them; must match)"),
		OPT_INT(0, "rows", &rows, "R", "hashes per band (default: as `minhash sign` wrote them; must match)"),
		OPT_STRING(0, "shard", &shard, "I/N", "do only the bands b with b % N == I"),
		OPT_END(),
	};
	unsigned si = 0, sn = 1;
	size_t rec;
	char path[4096];
	int nargs, failed = 0;
	uint64_t pairs = 0;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!dir || !outdir)
		return usage_error("--dir and --out are required");
	if (nargs)
		return usage_error("no file arguments: the files are in --dir");
	if ((rows && (rows < 1 || rows > 4096)) || (buckets && (buckets < 1 || buckets > 1000)))
		return usage_error("--rows and --buckets out of range");
	if (shard && (sscanf(shard, "%u/%u", &si, &sn) != 2 || sn == 0 || si >= sn))
		return usage_error("--shard expects I/N with 0 <= I < N, not '%s'", shard);
	/* first: this task's manifest of an earlier run is gone */
	if (remove_stale(outdir, "buckets-", ".manifest", sn, (long)si))
		return 1;
	/* the signatures of every shard of one `sign` run, and their bands */
	if (check_manifests(dir, "sign", &sm))
		return 1;
	if ((buckets && buckets != sm.bands) || (rows && rows != sm.rows)) {
		msg("--buckets %d --rows %d do not match the signatures in '%s' (%d bands of %d rows)",
		    buckets ? buckets : sm.bands, rows ? rows : sm.rows, dir, sm.bands, sm.rows);
		manifest_release(&sm);
		return 2;
	}
	buckets = sm.bands;
	rows = sm.rows;
	if (rows < 1 || rows > 4096 || buckets < 1 || buckets > 1000) {
		msg("'%s': bands or rows out of range in the manifests", dir);
		manifest_release(&sm);
		return 1;
	}
	/* pair files of bands this run does not have (no task writes them) */
	if (make_dir(outdir) || remove_stale(outdir, "", "_00.dups", (unsigned long)buckets, -1)) {
		manifest_release(&sm);
		return 1;
	}
	rec = (size_t)rows * 8 + 4;
	for (b = 0; b < buckets && !failed; b++) {
		struct sigfile *fs = NULL;
		size_t nf = 0, i;
		struct buf out = BUF_INIT;
		unsigned char last[8 * 4096 + 4];
		uint32_t last_rank = 0;
		int have_last = 0;

		if ((int)((unsigned)b % sn) != (int)si)
			continue;
		/* exactly the files of the shards 0..N-1 of the manifests */
		if (!(fs = calloc(sm.n, sizeof(*fs)))) {
			msg("out of memory");
			failed = 1;
			break;
		}
		for (nf = 0; nf < sm.n; nf++) {
			snprintf(path, sizeof(path), "%s/bucket_%03d/%05u.minhash.sig", dir, b, (unsigned)nf);
			fs[nf].rank = (uint32_t)nf;
			if (!(fs[nf].f = fopen(path, "rb")) || next_rec(&fs[nf], rec)) {
				msg("'%s': cannot read (or not a multiple of %zu bytes)", path, rec);
				if (fs[nf].f)
					fclose(fs[nf].f);
				failed = 1;
				break;
			}
		}
		while (!failed) {
			size_t best = nf;
			for (i = 0; i < nf; i++) {
				int c;
				if (!fs[i].have)
					continue;
				if (best == nf) {
					best = i;
					continue;
				}
				sort_rows = (size_t)rows;
				c = cmp_rec(fs[i].cur, fs[best].cur);
				if (c < 0 || (c == 0 && fs[i].rank < fs[best].rank))
					best = i;
			}
			if (best == nf)
				break;
			if (have_last && !memcmp(last, fs[best].cur, (size_t)rows * 8)) {
				unsigned char p[16];
				put32(p, last_rank);
				put32(p + 4, get32(last + 8 * rows));
				put32(p + 8, fs[best].rank);
				put32(p + 12, get32(fs[best].cur + 8 * rows));
				if (buf_add(&out, p, 16)) {
					msg_code(SL_ENOMEM, "too many pairs in band %d", b);
					failed = 1;
				}
				pairs++;
			}
			memcpy(last, fs[best].cur, rec);
			last_rank = fs[best].rank;
			have_last = 1;
			if (next_rec(&fs[best], rec)) {
				msg("band %d: a signature file of shard %u is damaged", b, fs[best].rank);
				failed = 1;
			}
		}
		for (i = 0; i < nf; i++)
			fclose(fs[i].f);
		free(fs);
		snprintf(path, sizeof(path), "%s/%05d_00.dups", outdir, b);
		if (!failed && write_file(path, out.ptr, out.len))
			failed = 1;
		buf_release(&out);
	}
	if (!failed) {
		/* last: this task is finished (with what every sign task read) */
		struct buf mf = BUF_INIT;
		snprintf(path, sizeof(path), "%s/buckets-%05u.manifest", outdir, si);
		if (buf_addf(&mf, "sluice minhash buckets\nshard %u/%u\nbands %d\nrows %d\nsign_shards %u\n", si, sn,
			     buckets, rows, sm.n) ||
		    manifest_put_inputs(&mf, &sm)) {
			msg_code(SL_ENOMEM, "'%s'", path);
			failed = 1;
		} else if (write_file(path, mf.ptr, mf.len)) {
			failed = 1;
		}
		buf_release(&mf);
	}
	manifest_release(&sm);
	return failed ? 1 : 0;
}

/* ---- cluster ---- */

static uint32_t find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int mh_cluster(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice minhash cluster --dir DUPDIR --out REMDIR",
		"",
		"Step 3 of 4: union-find over every pair of DUPDIR/*.dups (streamed; memory",
		"per document in a pair), then REMDIR/IIIIII.remove: every document but the",
		"first (smallest shard, index) of each cluster.",
		NULL
	};
	const char *dir = NULL, *outdir = NULL;
	size_t max_memory = (size_t)4 << 30;
	struct option opts[] = {
		OPT_STRING(0, "dir", &dir, "DUPDIR", "the pair files of `minhash buckets` (required)"),
		OPT_STRING(0, "out", &outdir, "REMDIR", "where the remove lists go (required)"),
		OPT_SIZE(0, "max-memory", &max_memory, "SIZE", "the most memory the clusters may use (default 4G)"),
		OPT_END(),
	};
	struct dd_budget bg = { 0, 0 };
	struct dd_hashset idx;
	uint64_t *keys = NULL, *rem = NULL;
	uint32_t *parent = NULL;
	size_t n = 0, cap = 0, nrem = 0, i, j;
	struct manifest bm;
	char path[4096];
	int nargs, failed = 0, band;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!dir || !outdir)
		return usage_error("--dir and --out are required");
	if (nargs)
		return usage_error("no file arguments: the files are in --dir");
	/* first the marker, then the remove lists of an earlier run: filter
	 * never reads a mix of two runs, and refuses REMDIR until done is back */
	snprintf(path, sizeof(path), "%s/done", outdir);
	if (unlink(path) && errno != ENOENT && errno != ENOTDIR) {
		msg_code(SL_EIO, "cannot remove '%s' (of an earlier run)", path);
		return 1;
	}
	if (remove_stale(outdir, "", ".remove", 0, -1))
		return 1;
	/* the pair files of every band, from every task of one `buckets` run */
	if (check_manifests(dir, "buckets", &bm))
		return 1;
	bg.max = max_memory;
	dd_hashset_init(&idx, &bg);
	for (band = 0; !failed && band < bm.bands; band++) {
		unsigned char p[16 * 256];
		size_t got;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%05d_00.dups", dir, band);
		if (!(f = fopen(path, "rb"))) {
			msg_code(SL_EOPEN, "cannot open '%s'", path);
			failed = 1;
			break;
		}
		while (!failed && (got = fread(p, 1, sizeof(p), f)) > 0) {
			if (got % 16) {
				msg("'%s': not a whole number of 16-byte pairs", path);
				failed = 1;
				break;
			}
			for (j = 0; j < got && !failed; j += 16) {
				uint32_t node[2];
				int k, rc;
				for (k = 0; k < 2; k++) {
					uint64_t key = (uint64_t)get32(p + j + 8 * k) << 32 | get32(p + j + 8 * k + 4);
					uint32_t v = (uint32_t)n;
					rc = dd_hashset_put(&idx, key, v, &v);
					if (rc == 0) {
						if (n == cap) {
							size_t nc = cap ? 2 * cap : 1024;
							uint64_t *nk;
							uint32_t *np;
							if (bg.used + (nc - cap) * 12 > bg.max) {
								rc = SL_ETOOBIG;
							} else {
								nk = realloc(keys, nc * sizeof(*nk));
								if (nk)
									keys = nk;
								np = nk ? realloc(parent, nc * sizeof(*np)) : NULL;
								if (np)
									parent = np;
								if (!nk || !np)
									rc = SL_ENOMEM;
								else {
									bg.used += (nc - cap) * 12;
									cap = nc;
								}
							}
						}
						if (rc == 0) {
							keys[n] = key;
							parent[n] = (uint32_t)n;
							n++;
						}
					}
					if (rc < 0) {
						msg("the clusters of %zu documents would exceed --max-memory", n);
						failed = 1;
						break;
					}
					node[k] = v;
				}
				if (!failed) {
					/* the root is the smallest (shard, index): the first document */
					uint32_t a = find(parent, node[0]), c = find(parent, node[1]);
					if (a != c) {
						if (keys[a] < keys[c])
							parent[c] = a;
						else
							parent[a] = c;
					}
				}
			}
		}
		if (ferror(f)) {
			msg_code(SL_EIO, "cannot read '%s'", path);
			failed = 1;
		}
		fclose(f);
	}
	if (!failed && make_dir(outdir))
		failed = 1;
	if (!failed) {
		rem = malloc((n + 1) * sizeof(*rem));
		for (i = 0; rem && i < n; i++)
			if (find(parent, (uint32_t)i) != i)
				rem[nrem++] = keys[i];
		if (!rem) {
			msg_code(SL_ENOMEM, "cannot list the documents to remove");
			failed = 1;
		} else {
			qsort(rem, nrem, sizeof(*rem), cmp_u64);
		}
	}
	for (i = 0; !failed && i < nrem;) {
		uint32_t rank = (uint32_t)(rem[i] >> 32);
		struct buf out = BUF_INIT;
		unsigned char b4[4];
		for (j = i; j < nrem && (uint32_t)(rem[j] >> 32) == rank; j++) {
			put32(b4, (uint32_t)rem[j]);
			if (buf_add(&out, b4, 4))
				failed = 1;
		}
		snprintf(path, sizeof(path), "%s/%06u.remove", outdir, rank);
		if (!failed && write_file(path, out.ptr, out.len))
			failed = 1;
		buf_release(&out);
		i = j;
	}
	if (!failed) {
		/* a marker that the step finished: filter refuses a partial REMDIR
		 * (with what every sign task read, for filter to compare) */
		struct buf mf = BUF_INIT;
		snprintf(path, sizeof(path), "%s/done", outdir);
		if (buf_addf(&mf, "sluice minhash cluster\nsign_shards %u\n", bm.sign_shards) ||
		    manifest_put_inputs(&mf, &bm)) {
			msg_code(SL_ENOMEM, "'%s'", path);
			failed = 1;
		} else if (write_file(path, mf.ptr, mf.len)) {
			failed = 1;
		}
		buf_release(&mf);
	}
	manifest_release(&bm);
	free(rem);
	free(keys);
	free(parent);
	dd_hashset_release(&idx);
	return failed ? 1 : 0;
}

/* ---- filter ---- */

static int mh_filter(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice minhash filter --dir REMDIR [--shard I/N] [<options>] [<file>...]",
		"",
		"Step 4 of 4: re-read the same inputs with the same --shard as `minhash sign`",
		"and remove the documents listed in REMDIR/IIIIII.remove (minhash_duplicate).",
		"The lists name documents by position: other documents than sign read (how",
		"many, and a fingerprint of their texts, kept in the manifests) are an error.",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *dir = NULL;
	struct option opts[] = {
		OPT_STRING(0, "dir", &dir, "REMDIR", "the remove lists of `minhash cluster` (required)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct doc d;
	unsigned char *list = NULL;
	size_t nlist = 0, next = 0, k;
	uint32_t docno = 0;
	char path[4096];
	struct stat sb;
	FILE *f;
	int nargs, rc, check = 0;
	uint64_t want_docs = 0, want_fp = 0, fp = 0;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!dir)
		return usage_error("--dir REMDIR is required");
	snprintf(path, sizeof(path), "%s/done", dir);
	if (access(path, F_OK)) {
		msg("'%s' is not a finished `sluice minhash cluster` output (no '%s')", dir, path);
		return 1;
	}
	if (stat(path, &sb) == 0 && sb.st_size > 0) {
		/* the positions are per shard of `sign`: the same N is needed */
		struct manifest cm;
		if (read_manifest(path, "cluster", &cm))
			return 1;
		if (cm.sign_shards != shard_count(o.shard)) {
			msg("'%s' lists documents of %u `minhash sign` shards: filter needs the same --shard I/%u, not %s",
			    dir, cm.sign_shards, cm.sign_shards, o.shard ? o.shard : "none");
			manifest_release(&cm);
			return 2;
		}
		/* what sign read for this shard (runs before fingerprints: nothing) */
		for (k = 0; k < cm.nin; k++)
			if (cm.in[k].rank == shard_rank(o.shard)) {
				check = 1;
				want_docs = cm.in[k].docs;
				want_fp = cm.in[k].fp;
			}
		manifest_release(&cm);
	}
	if ((rc = stage_begin(&st, "minhash", STAGE_SPLIT_JSONL, &o, argv + 1, nargs)))
		return rc;
	snprintf(path, sizeof(path), "%s/%06u.remove", dir, shard_rank(o.shard));
	if ((f = fopen(path, "rb"))) {
		if (fstat(fileno(f), &sb) || sb.st_size % 4 || !(list = malloc((size_t)sb.st_size + 1)) ||
		    fread(list, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
			msg("'%s': cannot read, or not a list of uint32", path);
			st.failed = 1;
		}
		nlist = (size_t)sb.st_size / 4;
		fclose(f);
	}
	doc_init(&d);
	while (!st.failed && stage_next(&st, &d) > 0) {
		int drop = 0;
		if (check) {
			const char *t;
			size_t tn;
			if ((rc = doc_text(&d, &t, &tn))) {
				msg_code(rc, "document %lu", (unsigned long)docno + 1);
				st.failed = 1;
				break;
			}
			fp = tokshard_input_hash(fp, t, tn);
			if (docno >= want_docs) {
				msg("this input is not the one `minhash sign --shard %u/%u` signed: it has more than its %" PRIu64
				    " documents, so the lists in '%s' would remove the wrong ones; run every step again "
				    "on this input", shard_rank(o.shard), shard_count(o.shard), want_docs, dir);
				st.failed = 1;
				break;
			}
		}
		while (next < nlist && get32(list + 4 * next) < docno)
			next++;
		if (next < nlist && get32(list + 4 * next) == docno)
			drop = 1;
		docno++;
		if (drop ? stage_reject(&st, &d, "minhash_duplicate") : stage_emit(&st, &d))
			break;
	}
	if (check && !st.failed && !st.pipe_closed && (docno != want_docs || fp != want_fp)) {
		if (docno != want_docs)
			msg("this input is not the one `minhash sign --shard %u/%u` signed: it has %lu documents, not %" PRIu64
			    ", so the lists in '%s' removed the wrong ones; run every step again on this input",
			    shard_rank(o.shard), shard_count(o.shard), (unsigned long)docno, want_docs, dir);
		else
			msg("this input is not the one `minhash sign --shard %u/%u` signed: the same number of documents "
			    "(%lu), other texts, so the lists in '%s' removed the wrong ones; run every step again on this "
			    "input", shard_rank(o.shard), shard_count(o.shard), (unsigned long)docno, dir);
		st.failed = 1;
	}
	free(list);
	doc_release(&d);
	return stage_end(&st);
}

int cmd_minhash(int argc, char **argv)
{
	static const char *const usage =
		"usage: sluice minhash sign|buckets|cluster|filter [<options>]\n\n"
		"MinHash dedup in four steps over files, each runnable as N processes:\n"
		"  sign      signatures per input shard and band   (--shard I/N over inputs)\n"
		"  buckets   merge each band, write duplicate pairs (--shard I/N over bands)\n"
		"  cluster   union-find over all pairs, remove lists\n"
		"  filter    drop the listed documents            (--shard I/N as for sign)\n\n"
		"  sluice minhash sign --dir sigs --shard 0/2 docs/*.jsonl.zst   (and 1/2)\n"
		"  sluice minhash buckets --dir sigs --out dups\n"
		"  sluice minhash cluster --dir dups --out remove\n"
		"  sluice minhash filter --dir remove --shard 0/2 docs/*.jsonl.zst -o part0.jsonl.zst\n";
	static const struct subcommand steps[] = {
		{ "sign", mh_sign },
		{ "buckets", mh_buckets },
		{ "cluster", mh_cluster },
		{ "filter", mh_filter },
		{ NULL, NULL },
	};

	return run_subcommand("minhash", "step", steps, usage, argc, argv);
}
