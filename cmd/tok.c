/*
 * tok.c - `sluice tok`: byte-level BPE tokenization (tiktoken encodings,
 * Hugging Face tokenizer.json, GPT-2 encoder.json + vocab.bpe), and
 * `sluice tok decode` to turn the ids back into text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bpe.h"
#include "builtin.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "msg.h"
#include "pmap.h"
#include "shardout.h"
#include "stage.h"
#include "tmpclean.h"
#include "utf8.h"

static int is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static void report_load(int rc, const char *path, const struct bpe_err *err)
{
	if (rc == SL_EFORMAT && err->msg) {
		if (err->line)
			msg("'%s': line %zu: %s", path, err->line, err->msg);
		else
			msg("'%s': %s", path, err->msg);
	} else {
		msg_code(rc, "cannot load '%s'", path);
	}
}

/* ---- the cache of compiled vocabularies ----
 *
 * Parsing Llama 3's 9 MB tokenizer.json and building its tables takes 0.2 s
 * of CPU, o200k_base's rank file 0.09 s; reading back the tables (bpe.h,
 * bpe_compile) takes a few milliseconds.  Files are named by a hash of the
 * source file's bytes, its kind and name, and the sluice binary (its size
 * and time), so a changed vocabulary or another build never reads a stale
 * table; a file that fails any check is rebuilt.  The cache is best
 * effort: a folder that cannot be written, or that others could write, is
 * silently not used.
 */

/* $SLUICE_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/sluice, else
 * $HOME/.cache/sluice; 0 when there is none */
static int cache_dir(char *out, size_t n)
{
	const char *e = getenv("SLUICE_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int k;
	if (e)
		k = *e ? snprintf(out, n, "%s", e) : -1;
	else if (x && *x == '/')
		k = snprintf(out, n, "%s/sluice", x);
	else if (h && *h == '/')
		k = snprintf(out, n, "%s/.cache/sluice", h);
	else
		k = -1;
	return k > 0 && (size_t)k < n;
}

/* The folder is used only when it is a real directory of this user that
 * nobody else can write: its files are trusted to hold what their names
 * say (the checks catch damage, not a forged file). */
static int private_dir(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
	       !(sb.st_mode & (S_IWGRP | S_IWOTH));
}

/* A cache file: a regular file (not a link, FIFO or device) of at most
 * 1 GB, read whole. */
static int read_cached(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc;
	struct stat sb;
	if (fd < 0)
		return SL_EOPEN;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > ((off_t)1 << 30))
		rc = SL_EFORMAT;
	else
		rc = fs_read_fd(fd, (size_t)1 << 30, out);
	if (rc == 0)
		(void)futimens(fd, NULL); /* in use: the last to be removed (vcache_trim) */
	close(fd);
	return rc;
}

struct vcache {
	char dir[2048];
	char file[2048 + 128];
	char stem[64];               /* "<name>-<hash of its path>-": the files of
					older keys of this vocabulary start so */
	int on;
};

/* Name the cache file of source bytes src (read from the file origin) of
 * this kind and name. */
static void vcache_init(struct vcache *c, const char *kind, const char *name, const char *origin,
			const struct buf *src)
{
	XXH3_state_t *x;
	XXH128_hash_t h;
	struct stat sb;
	char exe[PATH_MAX];
	size_t i;
	c->on = cache_dir(c->dir, sizeof(c->dir)) && (x = XXH3_createState()) != NULL;
	if (!c->on)
		return;
	XXH3_128bits_reset(x);
	XXH3_128bits_update(x, kind, strlen(kind) + 1);
	XXH3_128bits_update(x, name, strlen(name) + 1);
	XXH3_128bits_update(x, src->ptr, src->len);
	/* another build of sluice may load differently: it has its own files */
	{
		ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (k > 0) {
			exe[k] = '\0';
			if (stat(exe, &sb) == 0) {
				uint64_t id[3] = { (uint64_t)sb.st_size, (uint64_t)sb.st_mtim.tv_sec,
						   (uint64_t)sb.st_mtim.tv_nsec };
				XXH3_128bits_update(x, id, sizeof(id));
			}
		}
	}
	XXH3_128bits_update(x, SLUICE_VERSION, sizeof(SLUICE_VERSION));
	h = XXH3_128bits_digest(x);
	XXH3_freeState(x);
	/* the stem: the name (for people) and a hash of where the vocabulary
	 * is (so that two files of one name, e.g. NAME/tokenizer.json, each
	 * keep theirs) */
	{
		char where[PATH_MAX];
		const char *w = realpath(origin, where) ? where : origin;
		snprintf(c->stem, sizeof(c->stem), "%.40s-%08" PRIx32 "-", name,
			 (uint32_t)XXH3_64bits(w, strlen(w)));
	}
	for (i = 0; c->stem[i]; i++)
		if (!((c->stem[i] >= 'a' && c->stem[i] <= 'z') || (c->stem[i] >= 'A' && c->stem[i] <= 'Z') ||
		      (c->stem[i] >= '0' && c->stem[i] <= '9') || c->stem[i] == '_' || c->stem[i] == '.'))
			c->stem[i] = '-';
	snprintf(c->file, sizeof(c->file), "%s/%s%016" PRIx64 "%016" PRIx64 ".slbpe", c->dir, c->stem,
		 (uint64_t)h.high64, (uint64_t)h.low64);
}

/* 1 with *b from the cache, 0 when it has none that passes the checks */
static int vcache_get(const struct vcache *c, struct bpe **b)
{
	struct buf data = BUF_INIT;
	struct bpe_err err = { 0 };
	int ok;
	if (!c->on)
		return 0;
	ok = private_dir(c->dir) && read_cached(c->file, &data) == 0 &&
	     bpe_load_compiled(b, data.ptr, data.len, &err) == 0;
	buf_release(&data);
	return ok;
}

/* Is name exactly STEM + 32 hex digits + ".slbpe"? */
static int is_cache_name(const char *name, const char *stem)
{
	size_t sl = strlen(stem), i;
	if (strncmp(name, stem, sl) || strlen(name) != sl + 32 + 6 || strcmp(name + sl + 32, ".slbpe"))
		return 0;
	for (i = sl; i < sl + 32; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

/* How many files of one vocabulary (one stem) the folder keeps: the ones
 * used last.  Other builds and versions of sluice have other keys, so two
 * of them used in turn each find their own file; and the folder does not
 * grow with every edit of a vocabulary. */
#define VCACHE_KEEP 4

/* Remove the least recently used files of c's stem (other than mine)
 * until mine and VCACHE_KEEP - 1 others are left. */
static void vcache_trim(const struct vcache *c, const char *mine)
{
	char path[2048 + 512];
	for (;;) {
		DIR *d = opendir(c->dir);
		struct dirent *e;
		struct timespec ot = { 0, 0 };
		char oldest[256] = "";
		int n = 0;
		if (!d)
			return;
		while ((e = readdir(d))) {
			struct stat sb;
			if (!is_cache_name(e->d_name, c->stem) || !strcmp(e->d_name, mine) ||
			    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW))
				continue;
			n++;
			if (!oldest[0] || sb.st_mtim.tv_sec < ot.tv_sec ||
			    (sb.st_mtim.tv_sec == ot.tv_sec && sb.st_mtim.tv_nsec < ot.tv_nsec)) {
				snprintf(oldest, sizeof(oldest), "%s", e->d_name);
				ot = sb.st_mtim;
			}
		}
		closedir(d);
		if (n < VCACHE_KEEP || !oldest[0])
			return;
		snprintf(path, sizeof(path), "%s/%s", c->dir, oldest);
		if (unlink(path))
			return;
	}
}

/* Write b's tables (to a fresh temporary file, then renamed: readers never
 * see half a file), and trim the files of the same stem. */
static void vcache_put(struct vcache *c, const struct bpe *b)
{
	struct buf data = BUF_INIT;
	char tmp[2048 + 256];
	size_t off = 0;
	int fd, ok = 1, slot;
	if (!c->on || fs_mkdirs(c->dir, 1, 0700) || !private_dir(c->dir) || bpe_compile(b, &data)) {
		buf_release(&data);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", c->dir);
	if ((fd = mkstemp(tmp)) < 0) {
		buf_release(&data);
		return;
	}
	slot = tmpclean_add(tmp); /* removed if a signal kills the program */
	while (ok && off < data.len) {
		ssize_t k = write(fd, data.ptr + off, data.len - off);
		if (k <= 0)
			ok = errno == EINTR && k < 0;
		else
			off += (size_t)k;
	}
	ok = close(fd) == 0 && ok;
	buf_release(&data);
	if (!ok || rename(tmp, c->file)) {
		unlink(tmp);
		tmpclean_remove(slot);
		return;
	}
	tmpclean_remove(slot);
	vcache_trim(c, strrchr(c->file, '/') + 1);
}

/* A vocabulary's loader from its file's bytes. */
typedef int (*vload_fn)(struct bpe **b, const struct buf *src, const void *arg, struct bpe_err *err);

/* Load the vocabulary at path through the cache: its compiled tables when
 * the cache has them, else load(src) and keep what it built.  0, or an
 * error code (reported). */
static int load_cached(struct bpe **b, const char *path, const char *kind, const char *name, vload_fn load,
		       const void *arg)
{
	struct bpe_err err = { 0 };
	struct buf src = BUF_INIT;
	struct vcache c;
	int rc;
	if ((rc = fs_read_file(path, (size_t)1 << 30, &src))) { /* the loaders' own limit */
		msg_code(rc, "cannot load '%s'", path);
		return rc;
	}
	vcache_init(&c, kind, name, path, &src);
	if (!vcache_get(&c, b)) {
		if ((rc = load(b, &src, arg, &err)))
			report_load(rc, path, &err);
		else
			vcache_put(&c, *b);
	}
	buf_release(&src);
	return rc;
}

static int tiktoken_mem(struct bpe **b, const struct buf *src, const void *arg, struct bpe_err *err)
{
	const struct bpe_named *nm = arg;
	size_t ns = 0;
	while (nm->special_text[ns])
		ns++;
	return bpe_load_tiktoken_mem(b, src->ptr, src->len, nm->pattern, nm->special_text, nm->special_id, ns,
				     err);
}

static int hf_mem(struct bpe **b, const struct buf *src, const void *arg, struct bpe_err *err)
{
	(void)arg;
	return bpe_load_hf_mem(b, src->ptr, src->len, err);
}

/* A tiktoken rank file: the split pattern from NAME.meta.json beside it, or
 * the built-in one of a known encoding name. */
static int load_tiktoken(struct bpe **b, const char *path, const char *name)
{
	struct bpe_err err = { 0 };
	struct buf meta = BUF_INIT;
	const struct bpe_named *nm = NULL;
	int rc;

	buf_add(&meta, path, strlen(path) - strlen(".tiktoken"));
	buf_addstr(&meta, ".meta.json");
	if (name)
		nm = bpe_named(name);
	if (!nm) {
		const char *base = strrchr(path, '/');
		char stem[256];
		base = base ? base + 1 : path;
		snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(base) - strlen(".tiktoken")), base);
		nm = bpe_named(stem);
	}
	if (nm) {
		rc = load_cached(b, path, "tiktoken", nm->name, tiktoken_mem, nm);
	} else if (is_file(meta.ptr)) {
		rc = bpe_load_tiktoken_meta(b, path, meta.ptr, &err);
		if (rc)
			report_load(rc, err.msg && !strncmp(err.msg, "meta.json", 9) ? meta.ptr : path, &err);
	} else {
		msg("'%s': no split pattern: not a known encoding name and no '%s' beside it", path,
		    meta.ptr);
		rc = SL_EINVAL;
	}
	buf_release(&meta);
	return rc ? 1 : 0;
}

static int load_gpt2(struct bpe **b, const char *enc, const char *voc)
{
	struct bpe_err err = { 0 };
	int rc = bpe_load_gpt2(b, enc, voc, &err);
	if (rc)
		report_load(rc, err.line ? voc : enc, &err);
	return rc ? 1 : 0;
}

static int load_hf(struct bpe **b, const char *path)
{
	const char *base = strrchr(path, '/');
	return load_cached(b, path, "hf", base ? base + 1 : path, hf_mem, NULL) ? 1 : 0;
}

/* Try NAME in one directory. 1: loaded or failed (*rc set), 0: not there. */
static int try_dir(struct bpe **b, const char *dir, const char *name, int *rc)
{
	char p[PATH_MAX], q[PATH_MAX];
	const char *tk = !strcmp(name, "gpt2") ? "r50k_base" : name;
	snprintf(p, sizeof(p), "%s/%s.tiktoken", dir, tk);
	if (is_file(p)) {
		*rc = load_tiktoken(b, p, tk);
		return 1;
	}
	snprintf(p, sizeof(p), "%s/%s/tokenizer.json", dir, name);
	if (is_file(p) || (snprintf(p, sizeof(p), "%s/%s-tokenizer.json", dir, name), is_file(p))) {
		*rc = load_hf(b, p);
		return 1;
	}
	snprintf(p, sizeof(p), "%s/%s/encoder.json", dir, name);
	snprintf(q, sizeof(q), "%s/%s/vocab.bpe", dir, name);
	if (is_file(p) && is_file(q)) {
		*rc = load_gpt2(b, p, q);
		return 1;
	}
	snprintf(p, sizeof(p), "%s/%s-encoder.json", dir, name);
	snprintf(q, sizeof(q), "%s/%s-vocab.bpe", dir, name);
	if (is_file(p) && is_file(q)) {
		*rc = load_gpt2(b, p, q);
		return 1;
	}
	return 0;
}

/* The model directories, in order: $SLUICE_MODELS (colon-separated),
 * ./models, and models/ beside the build directory of the binary. */
int open_tokenizer(struct bpe **b, const char *spec)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	const char *env = getenv("SLUICE_MODELS");
	ssize_t n;
	int rc = 0;

	if (is_dir(spec)) {
		snprintf(dir, sizeof(dir), "%s/tokenizer.json", spec);
		if (is_file(dir))
			return load_hf(b, dir);
		snprintf(dir, sizeof(dir), "%s/encoder.json", spec);
		snprintf(exe, sizeof(exe), "%s/vocab.bpe", spec);
		if (is_file(dir) && is_file(exe))
			return load_gpt2(b, dir, exe);
		msg("'%s': no tokenizer.json or encoder.json + vocab.bpe in this directory", spec);
		return 2;
	}
	if (is_file(spec)) {
		if (ends_with(spec, ".tiktoken"))
			return load_tiktoken(b, spec, NULL);
		if (ends_with(spec, "encoder.json")) {
			snprintf(dir, sizeof(dir), "%.*svocab.bpe", (int)(strlen(spec) - strlen("encoder.json")), spec);
			if (!is_file(dir)) {
				msg("'%s': GPT-2 encoder.json needs '%s' beside it", spec, dir);
				return 1;
			}
			return load_gpt2(b, spec, dir);
		}
		return load_hf(b, spec);
	}
	if (strchr(spec, '/')) {
		msg("tokenizer '%s': no such file or directory", spec);
		return 2;
	}
	if (env && *env) {
		char *copy = strdup(env), *save = NULL, *d;
		for (d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			if (try_dir(b, d, spec, &rc)) {
				free(copy);
				return rc;
			}
		free(copy);
	}
	if (try_dir(b, "models", spec, &rc))
		return rc;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%s/../models", exe);
			if (try_dir(b, dir, spec, &rc))
				return rc;
		}
	}
	msg("no vocabulary '%s' found (looked in $SLUICE_MODELS, ./models and models/ of the "
	    "source tree): run tools/get-models.sh to fetch the known ones (r50k_base, p50k_base, "
	    "cl100k_base, o200k_base, gpt2, llama3), or give a file path", spec);
	return 1;
}

/* ---- encoding (on the threads of pmap.c) ---- */

/* A line of its own each: ids.n changes at every token, and threads
 * sharing a cache line would take it from each other at every change. */
struct tok_thread {
	struct bpe_work *w;
	struct bpe_ids ids;
	struct buf json;
} __attribute__((aligned(128)));

struct tok_ctx {
	const struct bpe *b;
	int64_t bos, eos;             /* -1: none; eos is not in the ids when the shard
					 writer adds it */
	int json;                     /* set "tokens" in the document */
	struct tok_thread *th;
	/* --format: the shard set, and each ring slot's ids from encoding to
	 * writing */
	struct shardout *out;
	struct bpe_ids *slot;
	struct buf line;
};

static const char d2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			    "8081828384858687888990919293949596979899";

/* v in decimal at p, two digits at a time; returns the end. */
static char *put_u32(char *p, uint32_t v)
{
	uint32_t hi, lo;
	if (v < 100) {
		if (v < 10) {
			*p = (char)('0' + v);
			return p + 1;
		}
		memcpy(p, d2 + 2 * v, 2);
		return p + 2;
	}
	if (v < 10000) {
		hi = v / 100;
		lo = v % 100;
		if (hi < 10)
			*p++ = (char)('0' + hi);
		else {
			memcpy(p, d2 + 2 * hi, 2);
			p += 2;
		}
		memcpy(p, d2 + 2 * lo, 2);
		return p + 2;
	}
	p = put_u32(p, v / 10000);
	lo = v % 10000;
	memcpy(p, d2 + 2 * (lo / 100), 2);
	memcpy(p + 2, d2 + 2 * (lo % 100), 2);
	return p + 4;
}

static int ids_json(const struct bpe_ids *ids, struct buf *out)
{
	size_t i;
	char *p;
	int rc;
	buf_reset(out);
	if ((rc = buf_grow(out, ids->n * 11 + 2)))
		return rc;
	p = out->ptr;
	*p++ = '[';
	for (i = 0; i < ids->n; i++) {
		if (i)
			*p++ = ',';
		p = put_u32(p, ids->v[i]);
	}
	*p++ = ']';
	buf_setlen(out, (size_t)(p - out->ptr));
	return 0;
}

/* Encode a document into its slot's ids (--format) or the thread's, and
 * set its "tokens" unless the ids go to binary shards (through json, the
 * thread's own scratch buffer, so that only the document's copy is per
 * document). */
static int encode_doc(void *arg, int t, struct pmap_item *x)
{
	struct tok_ctx *c = arg;
	struct tok_thread *th = &c->th[t];
	struct bpe_ids *ids = c->slot ? &c->slot[x->slot] : &th->ids;
	const char *text;
	size_t n;
	int rc;
	ids->n = 0;
	if (c->out && shardout_skips(c->out, x->index))
		return 0; /* written by the run this one resumes */
	if ((rc = doc_text(&x->d, &text, &n)))
		return rc;
	if (c->bos >= 0 && (rc = bpe_ids_push(ids, (uint32_t)c->bos)))
		return rc;
	if ((rc = bpe_encode(c->b, th->w, text, n, ids)))
		return rc;
	if (c->eos >= 0 && (rc = bpe_ids_push(ids, (uint32_t)c->eos)))
		return rc;
	x->count = ids->n;
	if (c->json &&
	    ((rc = ids_json(ids, &th->json)) || (rc = doc_set_raw(&x->d, "tokens", th->json.ptr, th->json.len))))
		return rc;
	if (n > PMAP_BIG_DOC) { /* the thread does not keep a large document's memory */
		bpe_ids_release(&th->ids);
		buf_release(&th->json);
		bpe_work_trim(th->w);
	}
	return 0;
}

/* --format: a document to the shard set, as sluice shard would write it
 * (an empty one with no EOS is rejected as "empty"). */
static int emit_shard(void *arg, struct stage *st, struct pmap_item *x)
{
	struct tok_ctx *c = arg;
	struct bpe_ids *ids = &c->slot[x->slot];
	int rc = 0;
	if (shardout_skips(c->out, x->index))
		return shardout_resumed(c->out, st, x->index, &x->d);
	if (ids->n == 0 && c->out->o.eos < 0) {
		shardout_dropped(c->out, 0, "empty", &x->d);
		rc = stage_reject(st, &x->d, "empty");
	} else if (c->out->o.format == TOKSHARD_JSONL) {
		buf_reset(&c->line);
		if ((rc = doc_write(&x->d, &c->line))) {
			msg_code(rc, "internal error");
			st->failed = 1;
			return -1;
		}
		rc = shardout_add(c->out, st, x->index, NULL, ids->v, ids->n, c->line.ptr, c->line.len, &x->d);
	} else {
		rc = shardout_add(c->out, st, x->index, NULL, ids->v, ids->n, NULL, 0, &x->d);
	}
	if (ids->cap * sizeof(*ids->v) > PMAP_SLOT_KEEP)
		bpe_ids_release(ids);
	return rc;
}

static int encode_failed(void *arg, struct stage *st, struct pmap_item *x, int rc)
{
	size_t idn = 1;
	const char *id = doc_get_raw(&x->d, "id", &idn);
	struct tok_ctx *c = arg;
	stage_unreadable(st, "tokenize_failed", "document %.*s: cannot tokenize: %s; skipped",
			 (int)(id ? idn : 1), id ? id : "?", sl_strerror(rc));
	if (c->out)
		shardout_dropped(c->out, 1, "tokenize_failed", &x->d);
	return 0;
}

static int parse_ids(const char *v, size_t n, struct bpe_ids *ids)
{
	size_t i = 0;
	ids->n = 0;
	while (i < n && (v[i] == ' ' || v[i] == '\n' || v[i] == '\t' || v[i] == '\r'))
		i++;
	if (i >= n || v[i++] != '[')
		return SL_EFORMAT;
	for (;;) {
		uint64_t x = 0;
		size_t d = 0;
		int rc;
		while (i < n && (v[i] == ' ' || v[i] == '\n' || v[i] == '\t' || v[i] == '\r'))
			i++;
		if (i < n && v[i] == ']' && ids->n == 0)
			return 0;
		while (i < n && v[i] >= '0' && v[i] <= '9' && d < 11) {
			x = x * 10 + (uint64_t)(v[i++] - '0');
			d++;
		}
		if (!d || x > UINT32_MAX)
			return SL_EFORMAT;
		if ((rc = bpe_ids_push(ids, (uint32_t)x)))
			return rc;
		while (i < n && (v[i] == ' ' || v[i] == '\n' || v[i] == '\t' || v[i] == '\r'))
			i++;
		if (i < n && v[i] == ',') {
			i++;
			continue;
		}
		if (i < n && v[i] == ']')
			return 0;
		return SL_EFORMAT;
	}
}

static int cmd_tok_decode(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice tok decode --tokenizer NAME|PATH [<options>] [<file>...]",
		"",
		"Turn each document's \"tokens\" back into its \"text\" (bytes that are not",
		"UTF-8 become U+FFFD; a document without \"text\" gets one), for checking a",
		"tokenization or reading shards:",
		"",
		"  sluice tok --tokenizer cl100k_base docs.jsonl | sluice tok decode --tokenizer cl100k_base",
		"  sluice shard cat out/web | sluice tok decode --tokenizer cl100k_base",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *spec = NULL;
	struct option opts[] = {
		OPT_STRING('t', "tokenizer", &spec, "NAME|PATH", "the vocabulary (as for sluice tok)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct bpe *b = NULL;
	struct stage st;
	struct doc d;
	struct bpe_ids ids = { 0 };
	struct buf bytes = BUF_INIT, text = BUF_INIT, where = BUF_INIT;
	int nargs, rc;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!spec)
		return usage_error("--tokenizer is required");
	if ((rc = open_tokenizer(&b, spec)))
		return rc;
	/* "text" optional: sluice shard cat writes {"id", "tokens"} */
	rc = stage_begin(&st, "tok decode", STAGE_TEXT_OPTIONAL, &o, argv + 1, nargs);
	if (rc) {
		bpe_free(b);
		return rc;
	}
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		size_t n, bad = 0;
		const char *v = doc_get_raw(&d, "tokens", &n);
		buf_reset(&where);
		stage_doc_where(&st, &where);
		if (!v || parse_ids(v, n, &ids)) {
			stage_unreadable(&st, "no_tokens", "%s: no \"tokens\" array of ids; skipped", where.ptr);
			continue;
		}
		buf_reset(&bytes);
		buf_reset(&text);
		if ((rc = bpe_decode(b, ids.v, ids.n, &bytes, &bad))) {
			if (rc == SL_EINVAL)
				stage_unreadable(&st, "unknown_token", "%s: token %" PRIu32 " is not in the vocabulary; skipped",
						 where.ptr, ids.v[bad]);
			else
				stage_unreadable(&st, "too_large", "%s: %s; skipped", where.ptr, sl_strerror(rc));
			continue;
		}
		if ((rc = utf8_sanitize(&text, bytes.ptr, bytes.len, NULL)) ||
		    (rc = doc_set_text(&d, text.ptr, text.len))) {
			stage_unreadable(&st, "too_large", "%s: %s; skipped", where.ptr, sl_strerror(rc));
			continue;
		}
		if (stage_emit(&st, &d))
			break;
	}
	doc_release(&d);
	bpe_ids_release(&ids);
	buf_release(&bytes);
	buf_release(&text);
	buf_release(&where);
	rc = stage_end(&st);
	bpe_free(b);
	return rc;
}

/* A shard option given without --format: its name, else NULL. */
static const char *shard_option_alone(const struct shardout_args *a)
{
	if (a->format)
		return NULL;
	return a->vocab ? "--vocab-size" : a->dtype ? "--dtype" : a->max_tokens ? "--max-tokens-per-file"
	     : a->max_bytes ? "--max-bytes-per-file" : a->compress ? "--compress" : a->shuffle ? "--shuffle"
	     : a->seed ? "--seed" : a->restart ? "--restart" : a->buckets != 256 ? "--shuffle-buckets" : NULL;
}

int cmd_tok(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice tok --tokenizer NAME|PATH [<options>] [<file>...]",
		"   or: sluice tok --tokenizer NAME|PATH --format FORMAT -o PREFIX [<options>] [<file>...]",
		"   or: sluice tok decode --tokenizer NAME|PATH [<options>] [<file>...]",
		"   or: sluice tok train --vocab-size N -o PREFIX [<options>] [<file>...]",
		"",
		"Add \"tokens\", the array of token ids of the text, to each document, with",
		"byte-level BPE exactly as tiktoken (r50k_base or gpt2, p50k_base, cl100k_base,",
		"o200k_base: *.tiktoken rank files) and Hugging Face tokenizers (tokenizer.json",
		"with a BPE model, e.g. llama3; GPT-2's encoder.json + vocab.bpe) encode it.",
		"Special-token text in documents is encoded as ordinary text; --bos and --eos",
		"add the special tokens around each document.  A NAME is looked up in",
		"$SLUICE_MODELS, ./models and the source tree's models/ (tools/get-models.sh",
		"fills it); a PATH names a .tiktoken, tokenizer.json, encoder.json or directory.",
		"The loaded tables are cached in $SLUICE_CACHE_DIR (empty: no cache), else",
		"$XDG_CACHE_HOME/sluice, else ~/.cache/sluice, for a faster start.",
		"",
		"With --format, the ids go straight into training shards PREFIX_NNNNN.* and",
		"PREFIX.manifest.json, the same shards as piping the JSONL into sluice shard",
		"(see sluice shard --help: formats, resuming a killed run, --shuffle), without",
		"writing and parsing the ids as JSON.  --vocab-size defaults to the tokenizer's;",
		"--bos and --eos are recorded in the manifest, and binary shards get the EOS id",
		"from the writer, as with sluice shard --eos ID.  Empty documents (no ids) are",
		"left out and counted as rejected (--rejects keeps them; --annotate-only does",
		"not go with --format).",
		"",
		"  sluice tok --tokenizer cl100k_base --eos docs.jsonl.zst -o tokens.jsonl.zst",
		"  sluice tok --tokenizer models/llama3/tokenizer.json --bos --threads 8 docs.jsonl",
		"  sluice tok --tokenizer gpt2 --eos --format megatron -o shards/web docs.jsonl.zst",
		NULL
	};
	struct stage_opts o = { 0 };
	struct shardout_args sa = SHARDOUT_ARGS_INIT;
	const char *spec = NULL;
	int bos = 0, eos = 0, nthreads = 1;
	struct option opts[] = {
		OPT_STRING('t', "tokenizer", &spec, "NAME|PATH", "the vocabulary: an encoding name or a file"),
		OPT_FLAG(0, "bos", &bos, "begin each document with the beginning-of-text token"),
		OPT_FLAG(0, "eos", &eos, "end each document with the end-of-text token"),
		OPT_INT('j', "threads", &nthreads, "N", "encode on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_GROUP("Shards (-o is then the PREFIX; see sluice shard --help):"),
		SHARDOUT_OPTIONS(&sa, "the vocabulary size: picks the dtype (default: the tokenizer's)"),
		OPT_END(),
	};
	static const char *const eos_names[] = { "<|end_of_text|>", "<|endoftext|>", "</s>", "<|im_end|>", NULL };
	static const char *const bos_names[] = { "<|begin_of_text|>", "<|startoftext|>", "<s>", NULL };
	struct bpe *b = NULL;
	struct stage st;
	struct tok_ctx c = { 0 };
	struct shardout out;
	struct tokshard_opts so;
	struct pmap pm = { 0 };
	const char *prefix = NULL, *alone;
	uint64_t ntokens = 0;
	size_t i, nslots = 0;
	int nargs, rc;

	if (argc >= 2 && (!strcmp(argv[1], "decode") || !strcmp(argv[1], "train"))) {
		opt_subcommand("tok", argv[1]);
		return (argv[1][0] == 'd' ? cmd_tok_decode : cmd_tok_train)(argc - 1, argv + 1);
	}
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!spec)
		return usage_error("--tokenizer is required");
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	if ((alone = shard_option_alone(&sa)))
		return usage_error("%s goes with --format", alone);
	if (sa.format) {
		if (!o.output || !*o.output)
			return usage_error("--format needs -o PREFIX");
		if ((rc = shardout_check_prefix(o.output)))
			return rc;
		if (o.annotate_only)
			return usage_error("--annotate-only does not apply to --format (shards hold the documents' ids "
					   "only; empty documents are left out and counted as rejected)");
		prefix = o.output;
		o.output = NULL; /* nothing goes to stdout */
		/* the options' own errors before loading the tokenizer (its size
		 * is known after: 1 stands in for it) */
		sa.vocab_default = 1;
		if ((rc = shardout_opts(&sa, &so)))
			return rc;
	}
	if ((rc = stage_check_options(&o)) || (rc = stage_check_paths(&o, argv + 1, nargs)))
		return rc;
	if ((rc = open_tokenizer(&b, spec)))
		return rc;
	c.b = b;
	c.bos = c.eos = -1;
	c.json = 1;
	buf_init(&c.line, 0);
	for (i = 0; eos && eos_names[i] && c.eos < 0; i++)
		c.eos = bpe_special(b, eos_names[i]);
	for (i = 0; bos && bos_names[i] && c.bos < 0; i++)
		c.bos = bpe_special(b, bos_names[i]);
	if ((eos && c.eos < 0) || (bos && c.bos < 0)) {
		msg("tokenizer '%s' has no %s token", spec, eos && c.eos < 0 ? "end-of-text" : "beginning-of-text");
		bpe_free(b);
		return 1;
	}
	if (sa.format) {
		sa.vocab_default = bpe_vocab_size(b);
		if ((rc = shardout_opts(&sa, &so))) {
			bpe_free(b);
			return rc;
		}
		if ((uint64_t)bpe_vocab_size(b) - 1 > shardout_vmax(&so)) {
			uint32_t top = bpe_vocab_size(b) - 1;
			bpe_free(b);
			return usage_error("tokenizer '%s' has ids up to %" PRIu32 ", more than %s holds", spec, top,
					   sa.vocab ? "--vocab-size" : "--dtype");
		}
		snprintf(so.tokenizer, sizeof(so.tokenizer), "%s", spec);
		/* recorded in the manifest, so that a run resumed with other
		 * ones is refused; the writer appends the EOS id to binary
		 * shards itself */
		so.bos = c.bos;
		so.eos = c.eos;
		if (so.format != TOKSHARD_JSONL) {
			c.eos = -1;
			c.json = 0;
		}
		if ((rc = shardout_open(&out, prefix, &so, sa.restart, o.quiet))) {
			shardout_free(&out);
			bpe_free(b);
			return rc < 0 ? 1 : 0;
		}
		c.out = &out;
	}
	rc = stage_begin(&st, "tok", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		if (c.out)
			shardout_free(c.out);
		bpe_free(b);
		return rc;
	}
	if (!(c.th = aligned_alloc(128, (size_t)nthreads * sizeof(*c.th)))) {
		msg_code(SL_ENOMEM, "out of memory");
		st.failed = 1;
		goto end;
	}
	memset(c.th, 0, (size_t)nthreads * sizeof(*c.th));
	for (i = 0; i < (size_t)nthreads; i++) {
		buf_init(&c.th[i].json, 0);
		if (bpe_work_new(b, &c.th[i].w)) {
			msg_code(SL_ENOMEM, "out of memory");
			st.failed = 1;
			goto end;
		}
	}
	pm.nthreads = nthreads;
	pm.work = encode_doc;
	pm.failed = encode_failed;
	pm.arg = &c;
	if (c.out) {
		pm.emit = emit_shard;
		nslots = pmap_slots(&pm);
		if (!(c.slot = calloc(nslots, sizeof(*c.slot)))) {
			msg_code(SL_ENOMEM, "out of memory");
			st.failed = 1;
			goto end;
		}
	}
	if (pmap_run(&st, &pm, &ntokens) == 0 && !c.out)
		buf_addf(&st.extra, ",\n  \"tokens\": %" PRIu64, ntokens);
end:
	if (c.out) {
		shardout_finish(c.out, &st);
		shardout_free(c.out);
	}
	if (c.slot)
		for (i = 0; i < nslots; i++)
			bpe_ids_release(&c.slot[i]);
	free(c.slot);
	if (c.th)
		for (i = 0; i < (size_t)nthreads; i++) {
			bpe_work_free(c.th[i].w);
			bpe_ids_release(&c.th[i].ids);
			buf_release(&c.th[i].json);
		}
	free(c.th);
	buf_release(&c.line);
	rc = stage_end(&st);
	bpe_free(b);
	return rc;
}
