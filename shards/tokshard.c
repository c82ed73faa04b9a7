/*
 * tokshard.c - tokenized training shards (see tokshard.h for the contract
 * and REFERENCE.md §7 for the byte formats).
 */
#include "tokshard.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "error.h"
#include "instream.h"
#include "json.h"
#include "jsonl.h"
#include "outstream.h"
#include "tmpclean.h"

#define LLMC_HEADER 1024
#define LLMC_MAX_TOKENS ((uint64_t)INT32_MAX) /* the header's count is an int32 */

static const char *const format_names[] = { "megatron", "nanogpt", "llmc", "datatrove", "jsonl" };
static const char *const dtype_names[] = { "none", "uint16", "int32", "uint32" };

int tokshard_format_parse(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, format_names[i]))
			return i;
	return -1;
}

const char *tokshard_format_name(enum tokshard_format f)
{
	return (unsigned)f < 5 ? format_names[f] : NULL;
}

int tokshard_dtype_parse(const char *s)
{
	for (int i = 1; i < 4; i++)
		if (!strcmp(s, dtype_names[i]))
			return i;
	return -1;
}

const char *tokshard_dtype_name(enum tokshard_dtype d)
{
	return (unsigned)d < 4 ? dtype_names[d] : NULL;
}

size_t tokshard_dtype_size(enum tokshard_dtype d)
{
	return d == TOKSHARD_UINT16 ? 2 : d == TOKSHARD_DT_NONE ? 0 : 4;
}

uint64_t tokshard_dtype_max(enum tokshard_dtype d)
{
	switch (d) {
	case TOKSHARD_UINT16: return UINT16_MAX;
	case TOKSHARD_INT32: return INT32_MAX;
	case TOKSHARD_UINT32: return UINT32_MAX;
	default: return UINT64_MAX;
	}
}

enum tokshard_dtype tokshard_dtype_for_vocab(enum tokshard_format f, uint64_t vocab)
{
	switch (f) {
	case TOKSHARD_MEGATRON:
		/* DType.optimal_dtype(): uint16 if cardinality < 65500 */
		return vocab < 65500 ? TOKSHARD_UINT16 : TOKSHARD_INT32;
	case TOKSHARD_JSONL:
		return TOKSHARD_DT_NONE;
	default:
		return vocab <= 65536 ? TOKSHARD_UINT16 : TOKSHARD_UINT32;
	}
}

int tokshard_dtype_allowed(enum tokshard_format f, enum tokshard_dtype d)
{
	switch (f) {
	case TOKSHARD_MEGATRON: return d == TOKSHARD_UINT16 || d == TOKSHARD_INT32;
	case TOKSHARD_JSONL: return d == TOKSHARD_DT_NONE;
	default: return d == TOKSHARD_UINT16 || d == TOKSHARD_UINT32;
	}
}

/* Megatron's DType codes. */
static int megatron_code(enum tokshard_dtype d)
{
	return d == TOKSHARD_UINT16 ? 8 : 4;
}

static void why_set(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	if (!why || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

void tokshard_ids_release(struct tokshard_ids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

static int ids_push(struct tokshard_ids *ids, uint64_t v)
{
	if (ids->n == ids->cap) {
		size_t nc = ids->cap ? ids->cap * 2 : 1024;
		uint64_t *p = realloc(ids->v, nc * sizeof(*p));
		if (!p)
			return SL_ENOMEM;
		ids->v = p;
		ids->cap = nc;
	}
	ids->v[ids->n++] = v;
	return 0;
}

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * Count the leading decimal digits of the 8 bytes at p (1 to 8; p[0] is
 * known to be a digit) and, when fewer than 8, their value into *v.  Ids
 * are mostly 3 to 6 digits, and the byte-at-a-time loop's multiply chain
 * was the cost of this stage; this is the usual SWAR conversion.
 */
static inline size_t swar_digits(const char *p, uint64_t *v)
{
	uint64_t x, t;
	size_t n;

	memcpy(&x, p, 8);
	x = le64toh(x) - 0x3030303030303030ull;
	/* a byte that is not a digit has its high bit set in x or in x + 0x76;
	 * borrows and carries only travel from the first such byte upward */
	t = (x | (x + 0x7676767676767676ull)) & 0x8080808080808080ull;
	if (!t)
		return 8;
	n = (size_t)__builtin_ctzll(t) / 8;
	x <<= 8 * (8 - n);
	x = ((x & 0x0f0f0f0f0f0f0f0full) * 2561) >> 8;
	x = ((x & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
	x = ((x & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32;
	*v = x;
	return n;
}

int tokshard_parse_ids(const char *json, size_t n, uint64_t max, struct tokshard_ids *ids,
		       char *why, size_t whylen)
{
	const char *p = json, *end = json + n;
	size_t i = 0;
	int rc;

	ids->n = 0;
	p = skip_ws(p, end);
	if (p == end || *p != '[') {
		why_set(why, whylen, "\"tokens\" is not an array");
		return SL_EFORMAT;
	}
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return 0;
	for (;; i++) {
		uint64_t v = 0;
		int over = 0;
		p = skip_ws(p, end);
		if (p < end && *p == '-') {
			why_set(why, whylen, "token %zu is negative", i);
			return SL_EFORMAT;
		}
		if (p == end || *p < '0' || *p > '9') {
			why_set(why, whylen, "token %zu is not an integer", i);
			return SL_EFORMAT;
		}
		{
			/* 19 digits always fit in 64 bits; longer numbers are out of range */
			const char *q = p;
			size_t k;
			if (end - p >= 8 && (k = swar_digits(p, &v)) < 8) {
				p += k;  /* the common case: a short id, parsed 8 bytes at a time */
			} else {
				for (v = 0; p < end && (unsigned)(*p - '0') < 10; p++)
					v = v * 10 + (unsigned)(*p - '0');
			}
			over = p - q > 19;
		}
		if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
			why_set(why, whylen, "token %zu is not an integer", i);
			return SL_EFORMAT;
		}
		if (over || v > max) {
			if (over)
				why_set(why, whylen, "token %zu is out of range (larger than %" PRIu64 ")", i, max);
			else
				why_set(why, whylen, "token %zu (%" PRIu64 ") is out of range (larger than %" PRIu64 ")",
					i, v, max);
			return SL_EINVAL;
		}
		if (ids->n < ids->cap)
			ids->v[ids->n++] = v;
		else if ((rc = ids_push(ids, v)))
			return rc;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == ']')
			return 0;
		why_set(why, whylen, "\"tokens\" is not an array of integers");
		return SL_EFORMAT;
	}
}

/* ---- paths ---- */

int tokshard_manifest_path(const char *prefix, struct buf *out)
{
	return buf_addf(out, "%s.manifest.json", prefix);
}

int tokshard_shard_path(const char *prefix, size_t index, const char *suffix, struct buf *out)
{
	return buf_addf(out, "%s_%05zu%s", prefix, index, suffix);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ---- plain files written under a temporary name ---- */

#define SFILE_BUF (1u << 20)

struct sfile {
	int fd;
	char *path, *tmp;
	unsigned char *buf;
	size_t len;
	int err, err_errno;
	int clean_slot;    /* tmp registered for removal on a fatal signal, or -1 */
};

static int sfile_fail(struct sfile *f, int code)
{
	if (!f->err) {
		f->err = code;
		f->err_errno = errno;
	}
	errno = f->err_errno;
	return f->err;
}

static int sfile_open(struct sfile **out, const char *path)
{
	struct sfile *f = calloc(1, sizeof(*f));
	size_t n = strlen(path) + 32;

	*out = NULL;
	if (!f)
		return SL_ENOMEM;
	f->fd = -1;
	f->path = strdup(path);
	f->tmp = malloc(n);
	f->buf = malloc(SFILE_BUF);
	if (!f->path || !f->tmp || !f->buf) {
		free(f->path);
		free(f->tmp);
		free(f->buf);
		free(f);
		return SL_ENOMEM;
	}
	snprintf(f->tmp, n, "%s.tmp-%ld", path, (long)getpid());
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;
		free(f->path);
		free(f->tmp);
		free(f->buf);
		free(f);
		errno = e;
		return SL_EOPEN;
	}
	f->clean_slot = tmpclean_add(f->tmp);
	*out = f;
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return SL_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sfile_flush(struct sfile *f)
{
	if (f->err)
		return sfile_fail(f, f->err);
	if (f->len && write_all(f->fd, f->buf, f->len))
		return sfile_fail(f, SL_EIO);
	f->len = 0;
	return 0;
}

static int sfile_write(struct sfile *f, const void *p, size_t n)
{
	const unsigned char *q = p;

	if (f->err)
		return sfile_fail(f, f->err);
	if (n >= SFILE_BUF) {
		if (sfile_flush(f))
			return f->err;
		if (write_all(f->fd, q, n))
			return sfile_fail(f, SL_EIO);
		return 0;
	}
	if (f->len + n > SFILE_BUF && sfile_flush(f))
		return f->err;
	memcpy(f->buf + f->len, q, n);
	f->len += n;
	return 0;
}

static int sfile_pwrite(struct sfile *f, const void *p, size_t n, off_t off)
{
	if (sfile_flush(f))
		return f->err;
	if (pwrite(f->fd, p, n, off) != (ssize_t)n)
		return sfile_fail(f, SL_EIO);
	return 0;
}

/* Flush, fsync and rename into place (commit) or remove.  Frees f. */
static int sfile_close(struct sfile *f, int commit)
{
	int rc = 0;

	if (!f)
		return 0;
	if (commit) {
		rc = sfile_flush(f);
		if (!rc && fsync(f->fd) < 0)
			rc = sfile_fail(f, SL_EIO);
	}
	if (close(f->fd) < 0 && commit && !rc)
		rc = sfile_fail(f, SL_EIO);
	if (commit && !rc && rename(f->tmp, f->path) < 0)
		rc = sfile_fail(f, SL_EIO);
	if (!commit || rc) {
		int e = errno;
		unlink(f->tmp);
		errno = e;
	}
	tmpclean_remove(f->clean_slot);
	free(f->path);
	free(f->tmp);
	free(f->buf);
	free(f);
	return rc;
}

/* fsync the directory holding path, so a rename survives a crash. */
static void sync_dir(const char *path)
{
	const char *s = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (!s)
		snprintf(dir, sizeof(dir), ".");
	else if (s == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* A whole file mapped read-only. */
struct fmap {
	const unsigned char *p;
	size_t n;
};

static int fmap_open(struct fmap *m, const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	m->p = NULL;
	m->n = 0;
	if (fd < 0)
		return SL_EOPEN;
	if (fstat(fd, &sb) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return SL_EIO;
	}
	m->n = (size_t)sb.st_size;
	if (m->n) {
		void *p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			errno = e;
			return SL_EIO;
		}
		m->p = p;
	}
	close(fd);
	return 0;
}

static void fmap_close(struct fmap *m)
{
	if (m->p)
		munmap((void *)m->p, m->n);
	m->p = NULL;
	m->n = 0;
}

static int hash_file(const char *path, uint64_t *bytes, uint64_t *h)
{
	struct fmap m;
	int rc = fmap_open(&m, path);
	if (rc)
		return rc;
	*bytes = m.n;
	*h = XXH64(m.p ? (const void *)m.p : "", m.n, 0);
	fmap_close(&m);
	return 0;
}

/* ---- little-endian fields ---- */

static inline void put_u16(unsigned char *p, uint64_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void put_u32(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t get_u16(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8;
}

static inline uint64_t get_u32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static inline uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- manifest ---- */

void tokshard_manifest_release(struct tokshard_manifest *m)
{
	free(m->shards);
	memset(m, 0, sizeof(*m));
}

static int manifest_push(struct tokshard_manifest *m, const struct tokshard_entry *e)
{
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct tokshard_entry *p = realloc(m->shards, nc * sizeof(*p));
		if (!p)
			return SL_ENOMEM;
		m->shards = p;
		m->cap = nc;
	}
	m->shards[m->n++] = *e;
	return 0;
}

static int manifest_render(const char *prefix, const struct tokshard_manifest *m, struct buf *b)
{
	uint64_t docs = 0, toks = 0;
	const char *base = base_name(prefix);

	for (size_t i = 0; i < m->n; i++) {
		docs += m->shards[i].documents;
		toks += m->shards[i].tokens;
	}
	buf_addf(b, "{\n  \"format\": \"%s\",\n  \"dtype\": \"%s\",\n  \"vocab_size\": %" PRIu64,
		 tokshard_format_name(m->o.format), tokshard_dtype_name(m->o.dtype), m->o.vocab_size);
	if (m->o.eos >= 0)
		buf_addf(b, ",\n  \"eos\": %" PRId64, m->o.eos);
	else
		buf_addstr(b, ",\n  \"eos\": null");
	if (m->o.bos >= 0) /* only then: the sets of sluice shard stay as they were */
		buf_addf(b, ",\n  \"bos\": %" PRId64, m->o.bos);
	buf_addf(b, ",\n  \"max_tokens_per_file\": %" PRIu64 ",\n  \"max_bytes_per_file\": %" PRIu64,
		 m->o.max_tokens, m->o.max_bytes);
	buf_addf(b, ",\n  \"compress\": \"%s\",\n  \"tokenizer\": ", m->o.compress);
	json_string_encode(b, m->o.tokenizer, strlen(m->o.tokenizer));
	if (m->o.shuffle)
		buf_addf(b, ",\n  \"shuffle\": {\"seed\": %" PRIu64 ", \"buckets\": %u}", m->o.seed, m->o.buckets);
	buf_addf(b, ",\n  \"complete\": %s", m->complete ? "true" : "false");
	if (m->complete)
		buf_addf(b, ",\n  \"input_documents\": %" PRIu64, m->input_docs);
	if (m->complete && m->has_input_hash)
		buf_addf(b, ",\n  \"input_xxh3\": \"%016" PRIx64 "\"", m->input_hash);
	buf_addf(b, ",\n  \"documents\": %" PRIu64 ",\n  \"tokens\": %" PRIu64 ",\n  \"shards\": [", docs, toks);
	for (size_t i = 0; i < m->n; i++) {
		const struct tokshard_entry *e = &m->shards[i];
		buf_addf(b, "%s\n    {\"index\": %zu, \"documents\": %" PRIu64 ", \"tokens\": %" PRIu64
			 ", \"input_first\": %" PRIu64 ", \"input_end\": %" PRIu64 ", \"files\": [",
			 i ? "," : "", i, e->documents, e->tokens, e->input_first, e->input_end);
		for (int j = 0; j < e->nfiles; j++) {
			struct buf name = BUF_INIT;
			tokshard_shard_path(base, i, e->files[j].name, &name);
			buf_addstr(b, j ? ", {\"name\": " : "{\"name\": ");
			json_string_encode(b, name.ptr, name.len);
			buf_release(&name);
			buf_addf(b, ", \"bytes\": %" PRIu64 ", \"xxh64\": \"%016" PRIx64 "\"}",
				 e->files[j].bytes, e->files[j].xxh64);
		}
		buf_addstr(b, "]");
		if (e->has_input_hash)
			buf_addf(b, ", \"input_xxh3\": \"%016" PRIx64 "\"", e->input_hash);
		if (e->has_drops)
			for (int k = 0; k < 2; k++) {
				int first = 1;
				buf_addstr(b, k ? ", \"unreadable\": {" : ", \"rejected\": {");
				for (int j = 0; j < e->ndrops; j++) {
					if (e->drops[j].unreadable != k)
						continue;
					buf_addstr(b, first ? "" : ", ");
					json_string_encode(b, e->drops[j].reason, strlen(e->drops[j].reason));
					buf_addf(b, ": %" PRIu64, e->drops[j].n);
					first = 0;
				}
				buf_addch(b, '}');
			}
		buf_addstr(b, "}");
	}
	return buf_addstr(b, m->n ? "\n  ]\n}\n" : "]\n}\n");
}

uint64_t tokshard_input_hash(uint64_t h, const void *p, size_t n)
{
	return XXH3_64bits_withSeed(n ? p : "", n, h);
}

static int manifest_save(const char *prefix, const struct tokshard_manifest *m, struct buf *path_out)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	struct sfile *f;
	int rc;

	if ((rc = manifest_render(prefix, m, &b)) || (rc = tokshard_manifest_path(prefix, &path)))
		goto out;
	if ((rc = sfile_open(&f, path.ptr)))
		goto out;
	rc = sfile_write(f, b.ptr, b.len);
	if (rc) {
		int e = errno;
		sfile_close(f, 0);
		errno = e;
	} else {
		rc = sfile_close(f, 1);
	}
	if (!rc)
		sync_dir(path.ptr);
out:
	if (rc && path_out) {
		buf_reset(path_out);
		buf_add(path_out, path.ptr, path.len);
	}
	{
		int e = errno;
		buf_release(&b);
		buf_release(&path);
		errno = e;
	}
	return rc;
}

/* Numbers and strings of the manifest. */
static int raw_u64(const struct json_member *m, uint64_t *v)
{
	char tmp[32];
	char *end;
	if (m->val_len == 0 || m->val_len >= sizeof(tmp) || m->val[0] < '0' || m->val[0] > '9')
		return -1;
	memcpy(tmp, m->val, m->val_len);
	tmp[m->val_len] = '\0';
	errno = 0;
	*v = strtoull(tmp, &end, 10);
	return *end || errno ? -1 : 0;
}

static int raw_str(const struct json_member *m, char *out, size_t n)
{
	struct buf b = BUF_INIT;
	int rc = -1;
	if (json_is_string(m->val, m->val_len) &&
	    json_string_decode(&b, m->val + 1, m->val_len - 2, NULL) == 0 && b.len < n) {
		memcpy(out, b.ptr, b.len + 1);
		rc = 0;
	}
	buf_release(&b);
	return rc;
}

/* A string of exactly 16 hex digits: its value. */
static int raw_hex64(const struct json_member *m, uint64_t *v)
{
	char hex[32];
	if (raw_str(m, hex, sizeof(hex)) || strlen(hex) != 16 || strspn(hex, "0123456789abcdefABCDEF") != 16)
		return -1;
	*v = strtoull(hex, NULL, 16);
	return 0;
}

/* Iterate over the elements of a JSON array value [p, end). */
struct arr_iter {
	const char *base, *p, *end;
	int first;
};

static int arr_begin(struct arr_iter *a, const char *p, const char *end)
{
	a->base = p;
	p = skip_ws(p, end);
	if (p == end || *p != '[')
		return -1;
	a->p = p + 1;
	a->end = end;
	a->first = 1;
	return 0;
}

/* 1: element [*s, *e); 0: end; -1: error */
static int arr_next(struct arr_iter *a, const char **s, const char **e)
{
	struct json_err err;
	const char *p = skip_ws(a->p, a->end);
	if (p < a->end && *p == ']')
		return 0;
	if (!a->first) {
		if (p == a->end || *p != ',')
			return -1;
		p = skip_ws(p + 1, a->end);
	}
	a->first = 0;
	if (json_scan_value(a->base, p, a->end, e, &err))
		return -1;
	*s = p;
	a->p = *e;
	return 1;
}

static int parse_file(const char *s, const char *e, const char *stem, struct tokshard_file *f)
{
	struct json_iter it;
	struct json_member m;
	struct json_err err;
	char name[512] = "";
	int r, have = 0;
	size_t sl = strlen(stem);

	if (json_object_begin(&it, s, e, &err))
		return -1;
	while ((r = json_object_next(&it, &m, &err)) == 1) {
		if (json_key_is(&m, "name")) {
			if (raw_str(&m, name, sizeof(name)))
				return -1;
			have |= 1;
		} else if (json_key_is(&m, "bytes")) {
			if (raw_u64(&m, &f->bytes))
				return -1;
			have |= 2;
		} else if (json_key_is(&m, "xxh64")) {
			if (raw_hex64(&m, &f->xxh64))
				return -1;
			have |= 4;
		}
	}
	if (r < 0 || have != 7)
		return -1;
	/* the name is the stem plus a suffix of ours */
	if (strncmp(name, stem, sl) || strlen(name + sl) >= sizeof(f->name))
		return -1;
	snprintf(f->name, sizeof(f->name), "%s", name + sl);
	return 0;
}

static int drops_find(const struct tokshard_entry *t, int unreadable, const char *reason, size_t rlen)
{
	for (int j = 0; j < t->ndrops; j++)
		if (t->drops[j].unreadable == unreadable && !strncmp(t->drops[j].reason, reason, rlen) &&
		    !t->drops[j].reason[rlen])
			return j;
	return -1;
}

static void drop_set(struct tokshard_drop *d, int unreadable, const char *reason, size_t rlen, uint64_t n)
{
	d->unreadable = unreadable;
	memcpy(d->reason, reason, rlen);
	d->reason[rlen] = '\0';
	d->n = n;
}

/* The last slot of a kind, -1: none. */
static int drops_last(const struct tokshard_entry *t, int unreadable)
{
	for (int j = t->ndrops - 1; j >= 0; j--)
		if (t->drops[j].unreadable == unreadable)
			return j;
	return -1;
}

static void drops_add(struct tokshard_entry *t, int unreadable, const char *reason, size_t rlen, uint64_t n)
{
	int j, k;
	if (rlen >= sizeof(t->drops[0].reason))
		rlen = sizeof(t->drops[0].reason) - 1;
	if ((j = drops_find(t, unreadable, reason, rlen)) >= 0) {
		t->drops[j].n += n;
		return;
	}
	if (t->ndrops < TOKSHARD_MAX_DROPS) {
		drop_set(&t->drops[t->ndrops++], unreadable, reason, rlen, n);
		return;
	}
	/* full: into "other" of the same kind, made of the kind's last slot
	 * if need be (so rejected and unreadable stay apart) */
	if ((j = drops_find(t, unreadable, "other", 5)) >= 0 || (j = drops_last(t, unreadable)) >= 0) {
		drop_set(&t->drops[j], unreadable, "other", 5, t->drops[j].n + n);
		return;
	}
	/* every slot is of the other kind: fold its last one into its
	 * "other" to make room */
	j = t->ndrops - 1;
	if ((k = drops_find(t, !unreadable, "other", 5)) < 0 || k == j)
		k = j - 1;
	drop_set(&t->drops[k], !unreadable, "other", 5, t->drops[k].n + t->drops[j].n);
	drop_set(&t->drops[j], unreadable, reason, rlen, n);
}

/* "rejected" or "unreadable" of a shard entry: {"reason": count, ...}. */
static int parse_drops(const struct json_member *m, struct tokshard_entry *t, int unreadable)
{
	struct json_iter it;
	struct json_member r;
	struct json_err err;
	int k;
	if (json_object_begin(&it, m->val, m->val + m->val_len, &err))
		return -1;
	while ((k = json_object_next(&it, &r, &err)) == 1) {
		uint64_t v;
		if (!r.key_len || memchr(r.key, '\\', r.key_len) || raw_u64(&r, &v))
			return -1;
		drops_add(t, unreadable, r.key, r.key_len, v);
	}
	return k < 0 ? -1 : 0;
}

static int parse_entry(const char *s, const char *e, const char *base, size_t index,
		       struct tokshard_entry *t)
{
	struct json_iter it;
	struct json_member m;
	struct json_err err;
	char stem[512];
	int r, have = 0;

	memset(t, 0, sizeof(*t));
	snprintf(stem, sizeof(stem), "%s_%05zu", base, index);
	if (json_object_begin(&it, s, e, &err))
		return -1;
	while ((r = json_object_next(&it, &m, &err)) == 1) {
		uint64_t v;
		if (json_key_is(&m, "files")) {
			struct arr_iter a;
			const char *fs, *fe;
			int k;
			if (arr_begin(&a, m.val, m.val + m.val_len))
				return -1;
			while ((k = arr_next(&a, &fs, &fe)) == 1) {
				if (t->nfiles == 3 || parse_file(fs, fe, stem, &t->files[t->nfiles]))
					return -1;
				t->nfiles++;
			}
			if (k < 0)
				return -1;
			have |= 1;
			continue;
		}
		if (json_key_is(&m, "index")) {
			if (raw_u64(&m, &v) || v != index)
				return -1;
		} else if (json_key_is(&m, "documents")) {
			if (raw_u64(&m, &t->documents))
				return -1;
			have |= 2;
		} else if (json_key_is(&m, "tokens")) {
			if (raw_u64(&m, &t->tokens))
				return -1;
			have |= 4;
		} else if (json_key_is(&m, "input_first")) {
			if (raw_u64(&m, &t->input_first))
				return -1;
			have |= 8;
		} else if (json_key_is(&m, "input_end")) {
			if (raw_u64(&m, &t->input_end))
				return -1;
			have |= 16;
		} else if (json_key_is(&m, "rejected") || json_key_is(&m, "unreadable")) {
			if (parse_drops(&m, t, json_key_is(&m, "unreadable")))
				return -1;
			t->has_drops = 1;
		} else if (json_key_is(&m, "input_xxh3")) {
			if (raw_hex64(&m, &t->input_hash))
				return -1;
			t->has_input_hash = 1;
		}
	}
	return r < 0 || have != 31 || t->input_end < t->input_first ? -1 : 0;
}

int tokshard_manifest_load(const char *prefix, struct tokshard_manifest *m, char *why, size_t whylen)
{
	struct buf path = BUF_INIT;
	struct fmap f;
	struct json_iter it;
	struct json_member mem;
	struct json_err err;
	const char *s, *e;
	int rc, r, have = 0;

	memset(m, 0, sizeof(*m));
	m->o.eos = m->o.bos = -1;
	if ((rc = tokshard_manifest_path(prefix, &path)))
		return rc;
	rc = fmap_open(&f, path.ptr);
	if (rc) {
		int en = errno;
		buf_release(&path);
		errno = en;
		return rc;
	}
	s = (const char *)f.p;
	e = s ? s + f.n : s; /* an empty file maps to NULL: no NULL + 0 */
	rc = SL_EFORMAT;
	if (!s || json_object_begin(&it, s, e, &err)) {
		why_set(why, whylen, "not a JSON object");
		goto out;
	}
	while ((r = json_object_next(&it, &mem, &err)) == 1) {
		char tmp[64];
		if (json_key_is(&mem, "format")) {
			int v;
			if (raw_str(&mem, tmp, sizeof(tmp)) || (v = tokshard_format_parse(tmp)) < 0)
				goto bad;
			m->o.format = (enum tokshard_format)v;
			have |= 1;
		} else if (json_key_is(&mem, "dtype")) {
			int v;
			if (raw_str(&mem, tmp, sizeof(tmp)))
				goto bad;
			v = strcmp(tmp, "none") ? tokshard_dtype_parse(tmp) : TOKSHARD_DT_NONE;
			if (v < 0)
				goto bad;
			m->o.dtype = (enum tokshard_dtype)v;
			have |= 2;
		} else if (json_key_is(&mem, "vocab_size")) {
			if (raw_u64(&mem, &m->o.vocab_size))
				goto bad;
		} else if (json_key_is(&mem, "eos")) {
			uint64_t v;
			if (mem.val_len == 4 && !memcmp(mem.val, "null", 4))
				m->o.eos = -1;
			else if (raw_u64(&mem, &v) || v > INT64_MAX)
				goto bad;
			else
				m->o.eos = (int64_t)v;
		} else if (json_key_is(&mem, "bos")) {
			uint64_t v;
			if (raw_u64(&mem, &v) || v > INT64_MAX)
				goto bad;
			m->o.bos = (int64_t)v;
		} else if (json_key_is(&mem, "max_tokens_per_file")) {
			if (raw_u64(&mem, &m->o.max_tokens))
				goto bad;
		} else if (json_key_is(&mem, "max_bytes_per_file")) {
			if (raw_u64(&mem, &m->o.max_bytes))
				goto bad;
		} else if (json_key_is(&mem, "compress")) {
			if (raw_str(&mem, m->o.compress, sizeof(m->o.compress)))
				goto bad;
		} else if (json_key_is(&mem, "tokenizer")) {
			if (raw_str(&mem, m->o.tokenizer, sizeof(m->o.tokenizer)))
				goto bad;
		} else if (json_key_is(&mem, "shuffle")) {
			struct json_iter si;
			struct json_member sm;
			int sr;
			uint64_t v;
			if (json_object_begin(&si, mem.val, mem.val + mem.val_len, &err))
				goto bad;
			m->o.shuffle = 1;
			while ((sr = json_object_next(&si, &sm, &err)) == 1) {
				if (json_key_is(&sm, "seed") && raw_u64(&sm, &m->o.seed))
					goto bad;
				if (json_key_is(&sm, "buckets")) {
					if (raw_u64(&sm, &v) || v == 0 || v > 1000000)
						goto bad;
					m->o.buckets = (unsigned)v;
				}
			}
			if (sr < 0)
				goto bad;
		} else if (json_key_is(&mem, "complete")) {
			m->complete = mem.val_len == 4 && !memcmp(mem.val, "true", 4);
		} else if (json_key_is(&mem, "input_documents")) {
			if (raw_u64(&mem, &m->input_docs))
				goto bad;
		} else if (json_key_is(&mem, "input_xxh3")) {
			if (raw_hex64(&mem, &m->input_hash))
				goto bad;
			m->has_input_hash = 1;
		} else if (json_key_is(&mem, "shards")) {
			struct arr_iter a;
			const char *es, *ee;
			int k;
			if (arr_begin(&a, mem.val, mem.val + mem.val_len))
				goto bad;
			while ((k = arr_next(&a, &es, &ee)) == 1) {
				struct tokshard_entry t;
				if (parse_entry(es, ee, base_name(prefix), m->n, &t)) {
					why_set(why, whylen, "shard %zu: malformed entry", m->n);
					goto out;
				}
				if (m->n && t.input_first != m->shards[m->n - 1].input_end) {
					why_set(why, whylen, "shard %zu: input range does not follow shard %zu", m->n,
						m->n - 1);
					goto out;
				}
				if ((rc = manifest_push(m, &t)))
					goto out;
				rc = SL_EFORMAT;
			}
			if (k < 0)
				goto bad;
			have |= 4;
		}
		continue;
bad:
		why_set(why, whylen, "bad value for \"%.*s\"", (int)mem.key_len, mem.key);
		goto out;
	}
	if (r < 0) {
		why_set(why, whylen, "malformed JSON: %s", err.msg);
		goto out;
	}
	if (have != 7) {
		why_set(why, whylen, "\"format\", \"dtype\" or \"shards\" is missing");
		goto out;
	}
	if (!tokshard_dtype_allowed(m->o.format, m->o.dtype)) {
		why_set(why, whylen, "dtype %s does not go with format %s", tokshard_dtype_name(m->o.dtype),
			tokshard_format_name(m->o.format));
		goto out;
	}
	rc = 0;
out:
	if (rc)
		tokshard_manifest_release(m);
	fmap_close(&f);
	buf_release(&path);
	return rc;
}

static const char *id_or_none(int64_t id, char *out)
{
	if (id < 0)
		return "none";
	snprintf(out, 24, "%" PRId64, id);
	return out;
}

int tokshard_opts_differ(const struct tokshard_opts *a, const struct tokshard_opts *b,
			 char *why, size_t whylen)
{
	char ida[24], idb[24];

	if (a->format != b->format)
		why_set(why, whylen, "--format %s, not %s", tokshard_format_name(a->format),
			tokshard_format_name(b->format));
	else if (a->dtype != b->dtype)
		why_set(why, whylen, "dtype %s, not %s", tokshard_dtype_name(a->dtype), tokshard_dtype_name(b->dtype));
	else if (a->vocab_size != b->vocab_size)
		why_set(why, whylen, "--vocab-size %" PRIu64 ", not %" PRIu64, a->vocab_size, b->vocab_size);
	else if (a->eos != b->eos)
		why_set(why, whylen, "EOS id %s, not %s", id_or_none(a->eos, ida), id_or_none(b->eos, idb));
	else if (a->bos != b->bos)
		why_set(why, whylen, "BOS id %s, not %s", id_or_none(a->bos, ida), id_or_none(b->bos, idb));
	else if (a->max_tokens != b->max_tokens)
		why_set(why, whylen, "--max-tokens-per-file %" PRIu64 ", not %" PRIu64, a->max_tokens, b->max_tokens);
	else if (a->max_bytes != b->max_bytes)
		why_set(why, whylen, "--max-bytes-per-file %" PRIu64 ", not %" PRIu64, a->max_bytes, b->max_bytes);
	else if (strcmp(a->compress, b->compress))
		why_set(why, whylen, "--compress '%s', not '%s'", a->compress, b->compress);
	else if (a->shuffle != b->shuffle)
		why_set(why, whylen, "%s, not %s", a->shuffle ? "--shuffle" : "no --shuffle", b->shuffle ? "--shuffle" : "no --shuffle");
	else if (a->shuffle && (a->seed != b->seed || a->buckets != b->buckets))
		why_set(why, whylen, "--seed %" PRIu64 " --shuffle-buckets %u, not %" PRIu64 " and %u", a->seed, a->buckets,
			b->seed, b->buckets);
	else if (strcmp(a->tokenizer, b->tokenizer))
		why_set(why, whylen, "--tokenizer '%s', not '%s'", a->tokenizer, b->tokenizer);
	else
		return 0;
	return 1;
}

void tokshard_entry_drop(struct tokshard_entry *e, int unreadable, const char *reason, uint64_t n)
{
	drops_add(e, unreadable, reason, strlen(reason), n);
}

/* ---- one writer per set ---- */

int tokshard_lock_path(const char *prefix, struct buf *out)
{
	return buf_addf(out, "%s.lock", prefix);
}

int tokshard_lock(const char *prefix, int *fdp, long *holder)
{
	struct buf path = BUF_INIT;
	struct stat a, b;
	int fd = -1, rc = 0, e = 0;

	*fdp = -1;
	*holder = 0;
	if ((rc = tokshard_lock_path(prefix, &path)))
		return rc;
	for (int tries = 0;; tries++) {
		int lr;
		fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == EACCES) /* another user's: locks all the same */
			fd = open(path.ptr, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			e = errno;
			rc = SL_EOPEN;
			break;
		}
		lr = flock(fd, LOCK_EX | LOCK_NB);
		if (lr < 0 && (errno == ENOLCK || errno == ENOSYS || errno == EOPNOTSUPP)) {
			/* a file system without locks (Lustre mounted without
			 * flock, some NFS): go on unlocked, and say so */
			*holder = -1;
			break;
		}
		if (lr < 0) {
			char num[32];
			ssize_t n;
			e = errno;
			rc = SL_EOPEN;
			if (e == EWOULDBLOCK && (n = pread(fd, num, sizeof(num) - 1, 0)) > 0) {
				num[n] = '\0';
				*holder = strtol(num, NULL, 10);
			}
			break;
		}
		/* the file we locked must still be the one at that name: a writer
		 * that held it removes it before letting go (tokshard_unlock) */
		if (fstat(fd, &a) == 0 && stat(path.ptr, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(fd);
		fd = -1;
		if (tries == 100) {
			e = EAGAIN;
			rc = SL_EOPEN;
			break;
		}
	}
	if (!rc) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%ld\n", (long)getpid());
		/* only informative (who holds it): errors (a read-only file) do
		 * not matter */
		if (ftruncate(fd, 0) == 0 && pwrite(fd, num, (size_t)n, 0) < 0)
			(void)0;
		*fdp = fd;
	} else if (fd >= 0) {
		close(fd);
	}
	buf_release(&path);
	errno = e;
	return rc;
}

void tokshard_unlock(const char *prefix, int fd)
{
	struct buf path = BUF_INIT;
	int e = errno;
	if (fd < 0)
		return;
	if (tokshard_lock_path(prefix, &path) == 0)
		unlink(path.ptr);
	close(fd);
	buf_release(&path);
	errno = e;
}

/* ---- cleanup after a killed run ---- */

static const char *const known_suffixes[] = {
	".bin", ".idx", ".ds", ".ds.index", ".ds.metadata", ".jsonl", ".jsonl.gz", ".jsonl.zst", NULL
};

/* ".tmp-" and a pid, to the end of the name */
static int is_tmp_tail(const char *q)
{
	if (strncmp(q, ".tmp-", 5) || !q[5])
		return 0;
	for (q += 5; *q; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return 1;
}

/* What a name after "BASE_INDEX" is: 1 a shard file's suffix, 2 one with
 * a writer's ".tmp-PID" after it, 0 anything else (a file of another set,
 * e.g. BASE_20240101_00000.bin of the set BASE_20240101, is not ours). */
static int shard_tail(const char *q)
{
	for (int i = 0; known_suffixes[i]; i++) {
		size_t k = strlen(known_suffixes[i]);
		if (strncmp(q, known_suffixes[i], k))
			continue;
		if (!q[k])
			return 1;
		if (is_tmp_tail(q + k))
			return 2;
	}
	return 0;
}

int tokshard_cleanup(const char *prefix, size_t keep)
{
	const char *base = base_name(prefix);
	size_t bl = strlen(base);
	char dir[4096];
	DIR *d;
	struct dirent *de;
	struct buf path = BUF_INIT;

	if (base == prefix)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - prefix - 1 > 0 ? base - prefix - 1 : 1), prefix);
	d = opendir(dir);
	if (!d)
		return SL_EOPEN;
	while ((de = readdir(d))) {
		const char *n = de->d_name, *q;
		int drop = 0;
		if (strncmp(n, base, bl))
			continue;
		n += bl;
		if (!strncmp(n, ".manifest.json", 14) && is_tmp_tail(n + 14)) {
			drop = 1;
		} else if (!strncmp(n, ".shuffle-", 9) && n[9] && strspn(n + 9, "0123456789") == strlen(n + 9)) {
			/* a killed shuffle's buckets (shuffle.c) */
			DIR *sd;
			struct dirent *se;
			buf_reset(&path);
			buf_addf(&path, "%s/%s", dir, de->d_name);
			if ((sd = opendir(path.ptr))) {
				struct buf fp = BUF_INIT;
				while ((se = readdir(sd)))
					if (!strncmp(se->d_name, "bucket-", 7)) {
						buf_reset(&fp);
						buf_addf(&fp, "%s/%s", path.ptr, se->d_name);
						unlink(fp.ptr);
					}
				closedir(sd);
				buf_release(&fp);
				rmdir(path.ptr);
			}
			continue;
		} else if (n[0] == '_' && n[1] >= '0' && n[1] <= '9') {
			char *end;
			unsigned long long idx = strtoull(n + 1, &end, 10);
			int tail;
			q = end;
			/* the index as the writer prints it (%05zu): five digits,
			 * or more without a leading zero */
			if (end - (n + 1) < 5 || (end - (n + 1) > 5 && n[1] == '0'))
				continue;
			tail = shard_tail(q);
			if (tail == 2 || (tail == 1 && idx >= keep))
				drop = 1;
		}
		if (drop) {
			buf_reset(&path);
			buf_addf(&path, "%s/%s", dir, de->d_name);
			unlink(path.ptr);
		}
	}
	closedir(d);
	buf_release(&path);
	return 0;
}

/* ---- the writer ---- */

struct tokshard_writer {
	char *prefix;
	struct tokshard_opts o;
	size_t isz;
	uint64_t max_tokens, max_bytes;
	struct tokshard_manifest m; /* completed shards */
	uint64_t skip;
	struct tokshard_entry drops; /* documents not written since the last
					completed shard (its drops only) */

	/* the shard being written */
	int open;
	struct tokshard_entry cur;
	uint64_t cur_bytes;
	struct sfile *f;            /* .bin / .ds */
	struct outstream *os;       /* jsonl */
	uint64_t *lens;             /* per document: tokens (megatron) or end offsets (datatrove) */
	size_t nlens, lcap;
	unsigned char *stage;
	size_t stage_cap;
	struct buf path;            /* the file an error concerns */
	const uint64_t *input_hash; /* the caller's tokshard_input_hash of the input so far, NULL: none */
	const uint64_t *whole_hash; /* ... of the whole input, for the complete manifest */
};

int tokshard_writer_open(struct tokshard_writer **out, const char *prefix,
			 const struct tokshard_opts *o, const struct tokshard_manifest *resume)
{
	struct tokshard_writer *w;

	*out = NULL;
	if (!tokshard_dtype_allowed(o->format, o->dtype))
		return SL_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return SL_ENOMEM;
	buf_init(&w->path, 0);
	w->prefix = strdup(prefix);
	if (!w->prefix) {
		free(w);
		return SL_ENOMEM;
	}
	w->o = *o;
	w->isz = tokshard_dtype_size(o->dtype);
	w->max_tokens = o->max_tokens;
	w->max_bytes = o->max_bytes;
	if (o->format == TOKSHARD_LLMC && (!w->max_tokens || w->max_tokens > LLMC_MAX_TOKENS))
		w->max_tokens = LLMC_MAX_TOKENS;
	w->m.o = *o;
	if (resume) {
		for (size_t i = 0; i < resume->n; i++)
			if (manifest_push(&w->m, &resume->shards[i])) {
				tokshard_writer_free(w);
				return SL_ENOMEM;
			}
		if (w->m.n)
			w->skip = w->m.shards[w->m.n - 1].input_end;
	}
	*out = w;
	return 0;
}

uint64_t tokshard_writer_skip(const struct tokshard_writer *w) { return w->skip; }

void tokshard_writer_hash_input(struct tokshard_writer *w, const uint64_t *shards, const uint64_t *whole)
{
	w->input_hash = shards;
	w->whole_hash = whole;
}

void tokshard_writer_drop(struct tokshard_writer *w, int unreadable, const char *reason)
{
	/* in input order: after every shard completed so far */
	drops_add(&w->drops, unreadable, reason, strlen(reason), 1);
}

const char *tokshard_writer_path(const struct tokshard_writer *w) { return w->path.ptr; }

void tokshard_writer_totals(const struct tokshard_writer *w, uint64_t *shards, uint64_t *docs,
			    uint64_t *tokens)
{
	uint64_t d = 0, t = 0;
	for (size_t i = 0; i < w->m.n; i++) {
		d += w->m.shards[i].documents;
		t += w->m.shards[i].tokens;
	}
	if (w->open) {
		d += w->cur.documents;
		t += w->cur.tokens;
	}
	*shards = w->m.n + (w->open ? 1 : 0);
	*docs = d;
	*tokens = t;
}

static const char *data_suffix(const struct tokshard_writer *w)
{
	switch (w->o.format) {
	case TOKSHARD_MEGATRON:
	case TOKSHARD_NANOGPT:
	case TOKSHARD_LLMC:
		return ".bin";
	case TOKSHARD_DATATROVE:
		return ".ds";
	default:
		return !strcmp(w->o.compress, "gz") ? ".jsonl.gz" : !strcmp(w->o.compress, "zst") ? ".jsonl.zst" : ".jsonl";
	}
}

static void set_path(struct tokshard_writer *w, size_t index, const char *suffix)
{
	int e = errno;
	buf_reset(&w->path);
	tokshard_shard_path(w->prefix, index, suffix, &w->path);
	errno = e;
}

static int shard_start(struct tokshard_writer *w, uint64_t input_index)
{
	size_t index = w->m.n;
	int rc;

	memset(&w->cur, 0, sizeof(w->cur));
	w->cur.input_first = w->m.n ? w->m.shards[w->m.n - 1].input_end : 0;
	(void)input_index;
	w->cur_bytes = 0;
	w->nlens = 0;
	set_path(w, index, data_suffix(w));
	if (w->o.format == TOKSHARD_JSONL) {
		rc = outstream_open(&w->os, w->path.ptr, 0);
	} else {
		rc = sfile_open(&w->f, w->path.ptr);
		if (!rc && w->o.format == TOKSHARD_LLMC) {
			unsigned char hdr[LLMC_HEADER] = { 0 };
			rc = sfile_write(w->f, hdr, sizeof(hdr));
			w->cur_bytes = LLMC_HEADER;
		}
	}
	if (rc)
		return rc;
	w->open = 1;
	return 0;
}

static int lens_push(struct tokshard_writer *w, uint64_t v)
{
	if (w->nlens == w->lcap) {
		size_t nc = w->lcap ? w->lcap * 2 : 4096;
		uint64_t *p = realloc(w->lens, nc * sizeof(*p));
		if (!p)
			return SL_ENOMEM;
		w->lens = p;
		w->lcap = nc;
	}
	w->lens[w->nlens++] = v;
	return 0;
}

/* Write a whole small file (index, metadata) under a temporary name. */
static int write_small(struct tokshard_writer *w, size_t index, const char *suffix, const void *p, size_t n)
{
	struct sfile *f;
	int rc;

	set_path(w, index, suffix);
	if ((rc = sfile_open(&f, w->path.ptr)))
		return rc;
	if ((rc = sfile_write(f, p, n))) {
		int e = errno;
		sfile_close(f, 0);
		errno = e;
		return rc;
	}
	return sfile_close(f, 1);
}

/* Python humanize.metric(n, unit="T") as datatrove writes it: three
 * significant digits, an SI prefix, e.g. "5.00 T", "1.50 kT", "123 MT". */
static void humanize_metric(uint64_t n, char *out, size_t len)
{
	static const char *const ord[] = { "", "k", "M", "G", "T", "P", "E", "Z", "Y", "R", "Q" };
	static const double pow1000[] = { 1e0, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18, 1e21, 1e24, 1e27, 1e30 };
	double v = (double)n;
	int exp = n ? (int)floor(log10(v)) : 0;
	int prec = 3 - exp % 3 - 1;

	v /= pow1000[exp / 3];
	snprintf(out, len, "%.*f %sT", prec > 0 ? prec : 0, v, ord[exp / 3]);
}

static int shard_finish(struct tokshard_writer *w, uint64_t input_end)
{
	size_t index = w->m.n;
	struct buf b = BUF_INIT;
	int rc = 0;

	w->cur.input_end = input_end;
	w->cur.has_input_hash = w->input_hash != NULL;
	w->cur.input_hash = w->input_hash ? *w->input_hash : 0;
	w->cur.nfiles = 0;
	/* the documents not written in its range (a shuffled set's shards
	 * cover no input range) */
	w->cur.has_drops = !w->o.shuffle;
	w->cur.ndrops = w->drops.ndrops;
	memcpy(w->cur.drops, w->drops.drops, sizeof(w->cur.drops));
	set_path(w, index, data_suffix(w));
	if (w->o.format == TOKSHARD_JSONL) {
		rc = outstream_close(w->os, 1);
		w->os = NULL;
	} else {
		if (w->o.format == TOKSHARD_LLMC) {
			unsigned char hdr[12];
			int v7 = w->o.dtype == TOKSHARD_UINT32;
			put_u32(hdr, v7 ? 20240801 : 20240520);
			put_u32(hdr + 4, v7 ? 7 : 1);
			put_u32(hdr + 8, w->cur.tokens);
			rc = sfile_pwrite(w->f, hdr, sizeof(hdr), 0);
		}
		if (rc) {
			int e = errno;
			sfile_close(w->f, 0);
			errno = e;
		} else {
			rc = sfile_close(w->f, 1);
		}
		w->f = NULL;
	}
	w->open = 0;
	if (rc)
		return rc;
	snprintf(w->cur.files[w->cur.nfiles++].name, sizeof(w->cur.files[0].name), "%s", data_suffix(w));

	if (w->o.format == TOKSHARD_MEGATRON) {
		/* .idx: header, int32 lengths, int64 byte pointers, int64 document indices */
		uint64_t s = w->nlens, d = s + 1, ptr = 0;
		unsigned char *p;
		size_t size = 34 + 12 * s + 8 * d;
		if ((rc = buf_grow(&b, size)))
			goto out;
		p = (unsigned char *)b.ptr;
		memcpy(p, "MMIDIDX\0\0", 9);
		put_u64(p + 9, 1);
		p[17] = (unsigned char)megatron_code(w->o.dtype);
		put_u64(p + 18, s);
		put_u64(p + 26, d);
		for (uint64_t i = 0; i < s; i++) {
			put_u32(p + 34 + 4 * i, w->lens[i]);
			put_u64(p + 34 + 4 * s + 8 * i, ptr);
			ptr += w->lens[i] * w->isz;
		}
		for (uint64_t i = 0; i < d; i++)
			put_u64(p + 34 + 12 * s + 8 * i, i);
		buf_setlen(&b, size);
		if ((rc = write_small(w, index, ".idx", b.ptr, b.len)))
			goto out;
		snprintf(w->cur.files[w->cur.nfiles++].name, sizeof(w->cur.files[0].name), ".idx");
	} else if (w->o.format == TOKSHARD_DATATROVE) {
		char hum[32];
		size_t size = 8 * w->nlens;
		if ((rc = buf_grow(&b, size ? size : 1)))
			goto out;
		for (size_t i = 0; i < w->nlens; i++)
			put_u64((unsigned char *)b.ptr + 8 * i, w->lens[i]);
		buf_setlen(&b, size);
		if ((rc = write_small(w, index, ".ds.index", b.ptr, b.len)))
			goto out;
		snprintf(w->cur.files[w->cur.nfiles++].name, sizeof(w->cur.files[0].name), ".ds.index");
		buf_reset(&b);
		humanize_metric(w->cur.tokens, hum, sizeof(hum));
		buf_addf(&b, "%s|%zu\n%" PRIu64 "\n%s", w->o.tokenizer[0] ? w->o.tokenizer : "Unknown Tokenizer",
			 w->isz, w->cur.tokens, hum);
		if ((rc = write_small(w, index, ".ds.metadata", b.ptr, b.len)))
			goto out;
		snprintf(w->cur.files[w->cur.nfiles++].name, sizeof(w->cur.files[0].name), ".ds.metadata");
	}
	/* checksums of what is now on disk */
	for (int i = 0; i < w->cur.nfiles; i++) {
		set_path(w, index, w->cur.files[i].name);
		if ((rc = hash_file(w->path.ptr, &w->cur.files[i].bytes, &w->cur.files[i].xxh64)))
			goto out;
	}
	if ((rc = manifest_push(&w->m, &w->cur)))
		goto out;
	w->drops.ndrops = 0;
	sync_dir(w->path.ptr);
	if ((rc = manifest_save(w->prefix, &w->m, &w->path)))
		goto out;
out:
	{
		int e = errno;
		buf_release(&b);
		errno = e;
	}
	return rc;
}

static int ensure_stage(struct tokshard_writer *w, size_t n)
{
	if (n > w->stage_cap) {
		size_t nc = w->stage_cap ? w->stage_cap : 65536;
		unsigned char *p;
		while (nc < n)
			nc *= 2;
		p = realloc(w->stage, nc);
		if (!p)
			return SL_ENOMEM;
		w->stage = p;
		w->stage_cap = nc;
	}
	return 0;
}

/* The ids are ids64 or ids32, whichever is not NULL. */
static int writer_add(struct tokshard_writer *w, uint64_t input_index, const uint64_t *ids64,
		      const uint32_t *ids32, size_t n, const char *line, size_t linelen)
{
	uint64_t ntok = n + (w->o.eos >= 0 && w->o.format != TOKSHARD_JSONL ? 1 : 0);
	uint64_t nbytes = w->o.format == TOKSHARD_JSONL ? linelen : ntok * w->isz;
	int rc;

	if (w->open && w->cur.documents &&
	    ((w->max_tokens && w->cur.tokens + ntok > w->max_tokens) ||
	     (w->max_bytes && w->cur_bytes + nbytes > w->max_bytes))) {
		if ((rc = shard_finish(w, input_index)))
			return rc;
	}
	if (!w->open && (rc = shard_start(w, input_index)))
		return rc;
	if (w->o.format == TOKSHARD_JSONL) {
		rc = outstream_write(w->os, line, linelen);
	} else {
		unsigned char *p;
		size_t i;
		if ((rc = ensure_stage(w, ntok * w->isz)))
			return rc;
		p = w->stage;
		if (w->isz == 2 && ids32)
			for (i = 0; i < n; i++, p += 2)
				put_u16(p, ids32[i]);
		else if (w->isz == 2)
			for (i = 0; i < n; i++, p += 2)
				put_u16(p, ids64[i]);
		else if (ids32)
			for (i = 0; i < n; i++, p += 4)
				put_u32(p, ids32[i]);
		else
			for (i = 0; i < n; i++, p += 4)
				put_u32(p, ids64[i]);
		if (ntok > n) {
			if (w->isz == 2)
				put_u16(p, (uint64_t)w->o.eos);
			else
				put_u32(p, (uint64_t)w->o.eos);
		}
		rc = sfile_write(w->f, w->stage, ntok * w->isz);
	}
	if (rc)
		return rc;
	w->cur.documents++;
	w->cur.tokens += ntok;
	w->cur_bytes += nbytes;
	if (w->o.format == TOKSHARD_MEGATRON)
		rc = lens_push(w, ntok);
	else if (w->o.format == TOKSHARD_DATATROVE)
		rc = lens_push(w, w->cur.tokens);
	return rc;
}

int tokshard_writer_add(struct tokshard_writer *w, uint64_t input_index, const uint64_t *ids,
			size_t n, const char *line, size_t linelen)
{
	return writer_add(w, input_index, ids, NULL, n, line, linelen);
}

int tokshard_writer_add32(struct tokshard_writer *w, uint64_t input_index, const uint32_t *ids,
			  size_t n, const char *line, size_t linelen)
{
	return writer_add(w, input_index, NULL, ids, n, line, linelen);
}

int tokshard_writer_finish(struct tokshard_writer *w, uint64_t input_docs)
{
	int rc;

	if (w->open && (rc = shard_finish(w, input_docs)))
		return rc;
	w->m.complete = 1;
	w->m.input_docs = input_docs;
	w->m.has_input_hash = w->whole_hash != NULL;
	w->m.input_hash = w->whole_hash ? *w->whole_hash : 0;
	return manifest_save(w->prefix, &w->m, &w->path);
}

void tokshard_writer_free(struct tokshard_writer *w)
{
	if (!w)
		return;
	sfile_close(w->f, 0);
	outstream_close(w->os, 0);
	tokshard_manifest_release(&w->m);
	free(w->lens);
	free(w->stage);
	free(w->prefix);
	buf_release(&w->path);
	free(w);
}

/* ---- reading a shard back ---- */

struct check_ctx {
	const struct tokshard_manifest *m;
	const struct tokshard_entry *e;
	const char *name;          /* the file being checked, for why */
	tokshard_doc_fn fn;
	void *ctx;
	uint64_t vmax;             /* largest valid id */
	struct tokshard_ids ids;
	char *why;
	size_t whylen;
};

static uint64_t vocab_max(const struct tokshard_manifest *m)
{
	uint64_t mx = tokshard_dtype_max(m->o.dtype);
	if (m->o.vocab_size && m->o.vocab_size - 1 < mx)
		mx = m->o.vocab_size - 1;
	return mx;
}

/* Decode n tokens at p into c->ids, checking their range, and pass them on. */
/* The n ids at byte offset off of the mapped file base (which may be NULL
 * when the file is empty: nothing is added to it then). */
static int emit_tokens(struct check_ctx *c, const unsigned char *base, uint64_t off, uint64_t n, size_t isz)
{
	const unsigned char *p = n ? base + off : NULL;
	int rc;
	c->ids.n = 0;
	for (uint64_t i = 0; i < n; i++, p += isz) {
		uint64_t v = isz == 2 ? get_u16(p) : get_u32(p);
		if (v > c->vmax) {
			why_set(c->why, c->whylen, "'%s': token id %" PRIu64 " out of range (largest valid: %" PRIu64 ")",
				c->name, v, c->vmax);
			return SL_EFORMAT;
		}
		if (c->fn && (rc = ids_push(&c->ids, v)))
			return rc;
	}
	return c->fn ? c->fn(c->ctx, NULL, 0, c->ids.v, c->ids.n) : 0;
}

static int bad(struct check_ctx *c, const char *what)
{
	why_set(c->why, c->whylen, "'%s': %s", c->name, what);
	return SL_EFORMAT;
}

static int check_megatron(struct check_ctx *c, const struct fmap *bin, const struct fmap *idx,
			  const char *idxname)
{
	const unsigned char *p = idx->p;
	size_t isz = tokshard_dtype_size(c->m->o.dtype);
	uint64_t s, d, ptr = 0;
	int rc;

	c->name = idxname;
	if (idx->n < 34 || memcmp(p, "MMIDIDX\0\0", 9))
		return bad(c, "not a Megatron index (bad magic)");
	if (get_u64(p + 9) != 1)
		return bad(c, "index version is not 1");
	if (p[17] != megatron_code(c->m->o.dtype))
		return bad(c, "dtype code does not match the manifest");
	s = get_u64(p + 18);
	d = get_u64(p + 26);
	if (s > idx->n / 12 || d > idx->n / 8 || idx->n != 34 + 12 * s + 8 * d)
		return bad(c, "index size does not match its counts");
	if (s != c->e->documents)
		return bad(c, "sequence_count differs from the manifest's documents");
	if (d == 0 || get_u64(p + 34 + 12 * s) != 0 || get_u64(p + 34 + 12 * s + 8 * (d - 1)) != s)
		return bad(c, "document_indices do not start at 0 and end at sequence_count");
	for (uint64_t i = 1; i < d; i++)
		if (get_u64(p + 34 + 12 * s + 8 * i) < get_u64(p + 34 + 12 * s + 8 * (i - 1)))
			return bad(c, "document_indices are not monotone");
	for (uint64_t i = 0; i < s; i++) {
		uint64_t len = get_u32(p + 34 + 4 * i);
		if (len > INT32_MAX)
			return bad(c, "negative sequence length");
		if (get_u64(p + 34 + 4 * s + 8 * i) != ptr)
			return bad(c, "sequence_pointers are not the cumulative byte offsets");
		ptr += len * isz;
	}
	if (ptr != bin->n) {
		c->name = idxname;
		return bad(c, "lengths do not add up to the size of the .bin");
	}
	if (ptr / isz != c->e->tokens)
		return bad(c, "token count differs from the manifest");
	ptr = 0;
	for (uint64_t i = 0; i < s; i++) {
		uint64_t len = get_u32(p + 34 + 4 * i);
		if ((rc = emit_tokens(c, bin->p, ptr, len, isz)))
			return rc;
		ptr += len * isz;
	}
	return 0;
}

static int check_datatrove(struct check_ctx *c, const struct fmap *ds, const struct fmap *index,
			   const struct fmap *meta, const char *const names[3])
{
	size_t isz = tokshard_dtype_size(c->m->o.dtype);
	uint64_t ntok, prev = 0;
	char want[512], hum[32];
	int rc;

	c->name = names[0];
	if (ds->n % isz)
		return bad(c, "size is not a whole number of tokens");
	ntok = ds->n / isz;
	if (ntok != c->e->tokens)
		return bad(c, "token count differs from the manifest");
	c->name = names[1];
	if (index->n % 8 || index->n / 8 != c->e->documents)
		return bad(c, "index does not hold one end offset per document");
	for (uint64_t i = 0; i < c->e->documents; i++) {
		uint64_t end = get_u64(index->p + 8 * i);
		if (end < prev || end > ntok)
			return bad(c, "end offsets are not monotone within the tokens");
		c->name = names[0];
		if ((rc = emit_tokens(c, ds->p, prev * isz, end - prev, isz)))
			return rc;
		c->name = names[1];
		prev = end;
	}
	if (prev != ntok)
		return bad(c, "last end offset is not the token count");
	c->name = names[2];
	humanize_metric(ntok, hum, sizeof(hum));
	snprintf(want, sizeof(want), "%s|%zu\n%" PRIu64 "\n%s",
		 c->m->o.tokenizer[0] ? c->m->o.tokenizer : "Unknown Tokenizer", isz, ntok, hum);
	if (meta->n != strlen(want) || memcmp(meta->p, want, meta->n))
		return bad(c, "metadata does not match the shard");
	return 0;
}

/* nanoGPT / llm.c: a flat token stream; documents end at the EOS id. */
static int check_flat(struct check_ctx *c, const unsigned char *p, uint64_t ntok, size_t isz)
{
	uint64_t start = 0, docs = 0;
	int rc;

	if (ntok != c->e->tokens)
		return bad(c, "token count differs from the manifest");
	if (c->m->o.eos < 0)
		return ntok ? emit_tokens(c, p, 0, ntok, isz) : 0;
	for (uint64_t i = 0; i < ntok; i++) {
		uint64_t v = isz == 2 ? get_u16(p + i * isz) : get_u32(p + i * isz);
		if (v == (uint64_t)c->m->o.eos) {
			if ((rc = emit_tokens(c, p, start * isz, i + 1 - start, isz)))
				return rc;
			start = i + 1;
			docs++;
		}
	}
	if (start != ntok)
		return bad(c, "does not end with the EOS id");
	/* a document may contain the EOS id itself, so only a lower bound */
	if (docs < c->e->documents)
		return bad(c, "fewer EOS ids than documents");
	return 0;
}

static int check_jsonl(struct check_ctx *c, const char *path)
{
	struct instream *in;
	struct jsonl_reader jr;
	const char *line;
	size_t len;
	uint64_t docs = 0, toks = 0;
	int rc;

	if ((rc = instream_open(&in, path))) {
		why_set(c->why, c->whylen, "'%s'", c->name);
		return rc;
	}
	if ((rc = jsonl_reader_init(&jr, in, 0, UINT64_MAX, (size_t)1 << 30))) {
		instream_free(in);
		return rc;
	}
	while ((rc = jsonl_next(&jr, &line, &len)) == 1) {
		struct json_iter it;
		struct json_member m;
		struct json_err err;
		const char *id = NULL, *tv = NULL;
		size_t idlen = 0, tlen = 0;
		int r;
		char why2[128];

		if (json_object_begin(&it, line, line + len, &err)) {
			rc = bad(c, "a line is not a JSON object");
			break;
		}
		while ((r = json_object_next(&it, &m, &err)) == 1) {
			if (json_key_is(&m, "id")) {
				id = m.val;
				idlen = m.val_len;
			} else if (json_key_is(&m, "tokens")) {
				tv = m.val;
				tlen = m.val_len;
			}
		}
		if (r < 0 || !tv) {
			rc = bad(c, r < 0 ? "malformed JSON line" : "a line has no \"tokens\"");
			break;
		}
		if ((rc = tokshard_parse_ids(tv, tlen, c->vmax, &c->ids, why2, sizeof(why2)))) {
			if (rc != SL_ENOMEM)
				rc = bad(c, why2);
			break;
		}
		docs++;
		toks += c->ids.n;
		if (c->fn && (rc = c->fn(c->ctx, id, idlen, c->ids.v, c->ids.n)))
			break;
	}
	if (rc == 0 && (instream_stats(in)->corrupt_members || instream_stats(in)->truncated))
		rc = bad(c, "corrupt or truncated compressed data");
	if (rc == 0 && docs != c->e->documents)
		rc = bad(c, "document count differs from the manifest");
	if (rc == 0 && toks != c->e->tokens)
		rc = bad(c, "token count differs from the manifest");
	jsonl_reader_release(&jr);
	instream_free(in);
	return rc;
}

int tokshard_check(const char *prefix, const struct tokshard_manifest *m, size_t index,
		   tokshard_doc_fn fn, void *ctx, char *why, size_t whylen)
{
	const struct tokshard_entry *e = &m->shards[index];
	struct fmap f[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
	struct buf path[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	const char *names[3] = { "", "", "" };
	struct check_ctx c;
	const char *want[3] = { NULL, NULL, NULL };
	int nwant = 1, rc = 0;
	size_t isz = tokshard_dtype_size(m->o.dtype);

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.e = e;
	c.fn = fn;
	c.ctx = ctx;
	c.vmax = vocab_max(m);
	c.why = why;
	c.whylen = whylen;
	switch (m->o.format) {
	case TOKSHARD_MEGATRON: want[0] = ".bin"; want[1] = ".idx"; nwant = 2; break;
	case TOKSHARD_NANOGPT: case TOKSHARD_LLMC: want[0] = ".bin"; break;
	case TOKSHARD_DATATROVE: want[0] = ".ds"; want[1] = ".ds.index"; want[2] = ".ds.metadata"; nwant = 3; break;
	case TOKSHARD_JSONL:
		want[0] = !strcmp(m->o.compress, "gz") ? ".jsonl.gz" : !strcmp(m->o.compress, "zst") ? ".jsonl.zst" : ".jsonl";
		break;
	}
	if (e->nfiles != nwant) {
		why_set(why, whylen, "shard %zu: the manifest lists %d files, the format has %d", index, e->nfiles, nwant);
		return SL_EFORMAT;
	}
	for (int i = 0; i < nwant; i++) {
		uint64_t h;
		if (strcmp(e->files[i].name, want[i])) {
			why_set(why, whylen, "shard %zu: unexpected file '%s' in the manifest", index, e->files[i].name);
			rc = SL_EFORMAT;
			goto out;
		}
		tokshard_shard_path(prefix, index, want[i], &path[i]);
		names[i] = path[i].ptr;
		if ((rc = fmap_open(&f[i], path[i].ptr))) {
			why_set(why, whylen, "'%s'", path[i].ptr);
			goto out;
		}
		c.name = names[i];
		if (f[i].n != e->files[i].bytes) {
			char msg[96];
			snprintf(msg, sizeof(msg), "size %zu, the manifest says %" PRIu64, f[i].n, e->files[i].bytes);
			rc = bad(&c, msg);
			goto out;
		}
		h = XXH64(f[i].p ? (const void *)f[i].p : "", f[i].n, 0);
		if (h != e->files[i].xxh64) {
			rc = bad(&c, "xxh64 checksum does not match the manifest");
			goto out;
		}
	}
	c.name = names[0];
	switch (m->o.format) {
	case TOKSHARD_MEGATRON:
		rc = check_megatron(&c, &f[0], &f[1], names[1]);
		break;
	case TOKSHARD_NANOGPT:
		if (f[0].n % isz)
			rc = bad(&c, "size is not a whole number of tokens");
		else
			rc = check_flat(&c, f[0].p, f[0].n / isz, isz);
		break;
	case TOKSHARD_LLMC: {
		int v7 = m->o.dtype == TOKSHARD_UINT32;
		const unsigned char *p = f[0].p;
		if (f[0].n < LLMC_HEADER || (f[0].n - LLMC_HEADER) % isz)
			rc = bad(&c, "too short for the header or not a whole number of tokens");
		else if (get_u32(p) != (v7 ? 20240801u : 20240520u) || get_u32(p + 4) != (v7 ? 7u : 1u))
			rc = bad(&c, "header magic or version does not match the dtype");
		else if (get_u32(p + 8) != (f[0].n - LLMC_HEADER) / isz)
			rc = bad(&c, "header token count does not match the file size");
		else
			rc = check_flat(&c, p + LLMC_HEADER, (f[0].n - LLMC_HEADER) / isz, isz);
		break;
	}
	case TOKSHARD_DATATROVE:
		rc = check_datatrove(&c, &f[0], &f[1], &f[2], names);
		break;
	case TOKSHARD_JSONL:
		fmap_close(&f[0]);
		rc = check_jsonl(&c, path[0].ptr);
		break;
	}
out:
	{
		int en = errno;
		for (int i = 0; i < 3; i++) {
			fmap_close(&f[i]);
			buf_release(&path[i]);
		}
		tokshard_ids_release(&c.ids);
		errno = en;
	}
	return rc;
}
