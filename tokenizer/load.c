/*
 * load.c - the vocabulary loaders: tiktoken rank files (+ meta.json),
 * Hugging Face tokenizer.json, GPT-2 encoder.json + vocab.bpe.  Every input
 * is checked; a bad file is SL_EFORMAT with err->msg (and err->line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe_impl.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "utf8.h"

/* ---- the named tiktoken encodings ---- */

#define PAT_R50K "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

static const char *const sp_r50k[] = { "<|endoftext|>", NULL };
static const uint32_t id_r50k[] = { 50256 };
static const char *const sp_p50k[] = { "<|endoftext|>", NULL };
static const uint32_t id_p50k[] = { 50256 };
static const char *const sp_cl100k[] = { "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>",
					 "<|fim_suffix|>", "<|endofprompt|>", NULL };
static const uint32_t id_cl100k[] = { 100257, 100258, 100259, 100260, 100276 };
static const char *const sp_o200k[] = { "<|endoftext|>", "<|endofprompt|>", NULL };
static const uint32_t id_o200k[] = { 199999, 200018 };

static const struct bpe_named named[] = {
	{ "r50k_base", PAT_R50K, sp_r50k, id_r50k },
	{ "gpt2", PAT_R50K, sp_r50k, id_r50k },
	{ "p50k_base", PAT_R50K, sp_p50k, id_p50k },
	{ "cl100k_base", PAT_CL100K, sp_cl100k, id_cl100k },
	{ "o200k_base", PAT_O200K, sp_o200k, id_o200k },
};

const struct bpe_named *bpe_named(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(named[i].name, name))
			return &named[i];
	return NULL;
}

/* ---- files ---- */

#define MAX_FILE ((size_t)1 << 30)

static int read_file(const char *path, struct buf *out)
{
	return fs_read_file(path, MAX_FILE, out);
}

static int fail(struct bpe_err *err, const char *msg, size_t line)
{
	err->msg = msg;
	err->line = line;
	return SL_EFORMAT;
}

/* ---- tiktoken ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Strict base64 (with padding) of s[0, n) into out; -1 when malformed. */
static long b64decode(const char *s, size_t n, unsigned char *out)
{
	size_t i, o = 0;
	if (n == 0 || n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		int a = b64val(s[i]), b = b64val(s[i + 1]), c, d;
		int last = i + 4 == n;
		if (a < 0 || b < 0)
			return -1;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (last && s[i + 2] == '=') {
			if (s[i + 3] != '=' || (b & 15))
				return -1;
			break;
		}
		if ((c = b64val(s[i + 2])) < 0)
			return -1;
		out[o++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (last && s[i + 3] == '=') {
			if (c & 3)
				return -1;
			break;
		}
		if ((d = b64val(s[i + 3])) < 0)
			return -1;
		out[o++] = (unsigned char)((c & 3) << 6 | d);
	}
	return (long)o;
}

static int add_specials(struct bpe *b, const char *const *text, const uint32_t *id, size_t n,
			unsigned char **skip, struct bpe_err *err)
{
	size_t i;
	int rc;
	for (i = 0; i < n; i++) {
		size_t len = strlen(text[i]);
		if (id[i] >= BPE_MAX_ID)
			return fail(err, "special token id too large", 0);
		/* an id the vocabulary already has keeps its bytes */
		if (id[i] >= b->ntok || b->len[id[i]] == UINT32_MAX) {
			if ((rc = bpe_set_token_(b, id[i], text[i], len, err)))
				return rc;
		}
		if ((rc = bpe_add_special_(b, text[i], len, id[i])))
			return rc;
	}
	*skip = calloc(b->ntok ? b->ntok : 1, 1);
	if (!*skip)
		return SL_ENOMEM;
	for (i = 0; i < b->nspec; i++)
		if (b->len[b->sid[i]] == strlen(b->stext[i]) &&
		    !memcmp(b->bytes.ptr + b->off[b->sid[i]], b->stext[i], b->len[b->sid[i]]))
			(*skip)[b->sid[i]] = 1;
	return 0;
}

int bpe_load_tiktoken_mem(struct bpe **out, const char *data, size_t n, const char *pattern,
			  const char *const *special_text, const uint32_t *special_id,
			  size_t nspecial, struct bpe_err *err)
{
	struct bpe *b;
	const char *p = data, *end = data + n;
	size_t line = 0;
	unsigned char tok[1024];
	unsigned char *skip = NULL;
	int rc;

	err->msg = NULL;
	err->line = 0;
	if ((rc = bpe_new_(&b)))
		return rc;
	b->whole = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp, *q;
		const char *le = nl ? nl : end;
		unsigned long rank = 0;
		long len;
		line++;
		if (le == p) {
			p = le + 1;
			continue;
		}
		sp = memchr(p, ' ', (size_t)(le - p));
		if (!sp || sp == p || sp + 1 == le) {
			rc = fail(err, "expected '<base64 token> <rank>'", line);
			goto out;
		}
		if ((size_t)(sp - p) > sizeof(tok) / 3 * 4) {
			rc = fail(err, "token too long", line);
			goto out;
		}
		if ((len = b64decode(p, (size_t)(sp - p), tok)) < 0) {
			rc = fail(err, "malformed base64", line);
			goto out;
		}
		for (q = sp + 1; q < le; q++) {
			if (*q < '0' || *q > '9' || rank >= BPE_MAX_ID) {
				rc = fail(err, *q < '0' || *q > '9' ? "rank is not a number"
								  : "rank too large", line);
				goto out;
			}
			rank = rank * 10 + (unsigned long)(*q - '0');
		}
		if (rank >= BPE_MAX_ID) {
			rc = fail(err, "rank too large", line);
			goto out;
		}
		if ((rc = bpe_set_token_(b, (uint32_t)rank, tok, (size_t)len, err))) {
			err->line = line;
			goto out;
		}
		p = le + 1;
	}
	if (b->ntok == 0) {
		rc = fail(err, "no tokens", 0);
		goto out;
	}
	if ((rc = add_specials(b, special_text, special_id, nspecial, &skip, err)))
		goto out;
	if ((rc = bpe_build_map_(b, skip, err)) || (rc = bpe_finish_ranks_(b, skip)))
		goto out;
	if (pattern && (rc = bpe_set_pattern_(b, pattern, err)))
		goto out;
out:
	free(skip);
	if (rc) {
		bpe_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int bpe_load_tiktoken(struct bpe **out, const char *path, const char *pattern,
		      const char *const *special_text, const uint32_t *special_id, size_t nspecial,
		      struct bpe_err *err)
{
	struct buf data;
	int rc;
	err->msg = NULL;
	err->line = 0;
	if ((rc = read_file(path, &data)))
		return rc;
	rc = bpe_load_tiktoken_mem(out, data.ptr, data.len, pattern, special_text, special_id,
				   nspecial, err);
	buf_release(&data);
	return rc;
}

/* ---- small JSON helpers over json.h ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Find `key` in the object [p, p+n): 1 with its value, 0 absent, <0 error. */
static int jget(const char *p, size_t n, const char *key, const char **v, size_t *vn)
{
	struct json_iter it;
	struct json_member m;
	struct json_err e;
	int rc;
	*v = NULL;
	*vn = 0;
	if ((rc = json_object_begin(&it, p, p + n, &e)))
		return rc;
	while ((rc = json_object_next(&it, &m, &e)) > 0)
		if (json_key_is(&m, key)) {
			*v = m.val;
			*vn = m.val_len;
			return 1;
		}
	return rc;
}

/* Several keys of the object [p, p+n) in one pass (a tokenizer.json is
 * megabytes; each pass over it costs): v[i], vn[i] the value of key[i]'s
 * first occurrence, NULL when absent.  Returns 0 or <0 (malformed). */
static int jgetn(const char *p, size_t n, const char *const *key, size_t nkeys, const char **v, size_t *vn)
{
	struct json_iter it;
	struct json_member m;
	struct json_err e;
	size_t i;
	int rc;
	for (i = 0; i < nkeys; i++) {
		v[i] = NULL;
		vn[i] = 0;
	}
	if ((rc = json_object_begin(&it, p, p + n, &e)))
		return rc;
	while ((rc = json_object_next(&it, &m, &e)) > 0)
		for (i = 0; i < nkeys; i++)
			if (!v[i] && json_key_is(&m, key[i])) {
				v[i] = m.val;
				vn[i] = m.val_len;
				break;
			}
	return rc;
}

static int jis_null(const char *v, size_t n) { return n == 4 && !memcmp(v, "null", 4); }
static int jis_true(const char *v, size_t n) { return n == 4 && !memcmp(v, "true", 4); }

/* Decode a JSON string value into out (reset first); SL_EFORMAT if not one. */
static int jstr(const char *v, size_t n, struct buf *out)
{
	buf_reset(out);
	if (!json_is_string(v, n))
		return SL_EFORMAT;
	return json_string_decode(out, v + 1, n - 2, NULL);
}

static int jint(const char *v, size_t n, long long *out)
{
	long long x = 0;
	size_t i;
	if (n == 0 || n > 12)
		return SL_EFORMAT;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return SL_EFORMAT;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

struct jarr {
	const char *p, *end;
	int first;
};

static int jarr_begin(struct jarr *a, const char *v, size_t n)
{
	a->p = skip_ws(v, v + n);
	a->end = v + n;
	a->first = 1;
	if (a->p >= a->end || *a->p != '[')
		return SL_EFORMAT;
	a->p++;
	return 0;
}

/* 1 with the next element, 0 at the end, SL_EFORMAT/SL_EJSON. */
static int jarr_next(struct jarr *a, const char **v, size_t *vn)
{
	struct json_err e;
	const char *after;
	int rc;
	a->p = skip_ws(a->p, a->end);
	if (a->p < a->end && *a->p == ']')
		return 0;
	if (!a->first) {
		if (a->p >= a->end || *a->p != ',')
			return SL_EFORMAT;
		a->p = skip_ws(a->p + 1, a->end);
	}
	a->first = 0;
	if ((rc = json_scan_value(a->p, a->p, a->end, &after, &e)))
		return rc;
	*v = a->p;
	*vn = (size_t)(after - a->p);
	a->p = after;
	return 1;
}

/* ---- meta.json ---- */

int bpe_load_tiktoken_meta(struct bpe **out, const char *path, const char *meta_path,
			   struct bpe_err *err)
{
	struct buf meta, pat = BUF_INIT, tmp = BUF_INIT;
	const char *v, *sv;
	size_t vn, svn, ns = 0, i;
	char **texts = NULL;
	uint32_t *ids = NULL;
	struct json_iter it;
	struct json_member m;
	struct json_err je;
	int rc;

	err->msg = NULL;
	err->line = 0;
	if ((rc = read_file(meta_path, &meta)))
		return rc;
	if ((rc = json_scan_value(meta.ptr, meta.ptr, meta.ptr + meta.len, &v, &je)) ||
	    jget(meta.ptr, meta.len, "pat_str", &v, &vn) != 1 || jstr(v, vn, &pat)) {
		rc = fail(err, "meta.json: no \"pat_str\" string", 0);
		goto out;
	}
	if ((rc = jget(meta.ptr, meta.len, "special_tokens", &sv, &svn)) == 1) {
		if ((rc = json_object_begin(&it, sv, sv + svn, &je)))
			goto bad;
		while ((rc = json_object_next(&it, &m, &je)) > 0) {
			long long id;
			char **t;
			uint32_t *d;
			buf_reset(&tmp);
			if (jint(m.val, m.val_len, &id) || id >= BPE_MAX_ID)
				goto bad;
			if ((rc = json_string_decode(&tmp, m.key, m.key_len, NULL)))
				goto out;
			t = realloc(texts, (ns + 1) * sizeof(*t));
			if (!t) {
				rc = SL_ENOMEM;
				goto out;
			}
			texts = t;
			d = realloc(ids, (ns + 1) * sizeof(*d));
			if (!d) {
				rc = SL_ENOMEM;
				goto out;
			}
			ids = d;
			if (!(texts[ns] = strdup(tmp.ptr))) {
				rc = SL_ENOMEM;
				goto out;
			}
			ids[ns++] = (uint32_t)id;
		}
		if (rc < 0)
			goto bad;
	} else if (rc < 0) {
		goto bad;
	}
	rc = bpe_load_tiktoken(out, path, pat.ptr, (const char *const *)texts, ids, ns, err);
	goto out;
bad:
	rc = fail(err, "meta.json: malformed \"special_tokens\"", 0);
out:
	for (i = 0; i < ns; i++)
		free(texts[i]);
	free(texts);
	free(ids);
	buf_release(&meta);
	buf_release(&pat);
	buf_release(&tmp);
	return rc;
}

/* ---- byte-level (GPT-2) vocabularies ---- */

/* GPT-2's bytes_to_unicode, inverted: code point -> byte, -1 if none. */
static int unicode_to_byte(uint32_t cp)
{
	static int table[324];
	static int ready;
	if (!ready) {
		int n = 0, c;
		for (c = 0; c < 324; c++)
			table[c] = -1;
		for (c = 0; c < 256; c++) {
			if ((c >= '!' && c <= '~') || (c >= 0xa1 && c <= 0xac) || (c >= 0xae && c <= 0xff))
				table[c] = c;
			else
				table[256 + n++] = c;
		}
		ready = 1;
	}
	return cp < 324 ? table[cp] : -1;
}

/* Map a byte-level token string (UTF-8) back to bytes; -1 when a char is
 * not one of the 256.  They are all '!'..'~' (themselves) or two-byte
 * characters, so anything longer fails without decoding. */
static long bytelevel_decode(const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char *p;
	size_t i = 0;
	buf_reset(out);
	if (buf_grow(out, n + 1))
		return -1;
	p = (unsigned char *)out->ptr;
	while (i < n) {
		uint32_t cp;
		int byte;
		if (u[i] >= '!' && u[i] <= '~') {
			*p++ = u[i++];
			continue;
		}
		if ((u[i] & 0xe0) != 0xc0 || i + 1 >= n || (u[i + 1] & 0xc0) != 0x80)
			return -1;
		cp = (uint32_t)(u[i] & 0x1f) << 6 | (u[i + 1] & 0x3f);
		if (cp < 0x80 || (byte = unicode_to_byte(cp)) < 0)
			return -1; /* overlong, or not one of the 256 */
		*p++ = (unsigned char)byte;
		i += 2;
	}
	buf_setlen(out, (size_t)(p - (unsigned char *)out->ptr));
	return (long)out->len;
}

/* The vocab object (token string -> id) into b; non-byte-level strings
 * (added tokens that HF keeps in the vocab) are left out of merging. */
static int load_vocab(struct bpe *b, const char *v, size_t vn, struct bpe_err *err)
{
	struct json_iter it;
	struct json_member m;
	struct json_err je;
	struct buf key = BUF_INIT, bytes = BUF_INIT;
	int rc;
	if (json_object_begin(&it, v, v + vn, &je))
		return fail(err, "\"vocab\" is not an object", 0);
	while ((rc = json_object_next(&it, &m, &je)) > 0) {
		long long id;
		if (jint(m.val, m.val_len, &id) || id >= BPE_MAX_ID) {
			rc = fail(err, "vocabulary id is not a small non-negative integer", 0);
			break;
		}
		buf_reset(&key);
		if ((rc = json_string_decode(&key, m.key, m.key_len, NULL)))
			break;
		if (bytelevel_decode(key.ptr, key.len, &bytes) < 0)
			continue;
		if ((rc = bpe_set_token_(b, (uint32_t)id, bytes.ptr, bytes.len, err)))
			break;
	}
	if (rc < 0 && !err->msg && rc == SL_EJSON)
		rc = fail(err, "malformed JSON in \"vocab\"", 0);
	buf_release(&key);
	buf_release(&bytes);
	return rc < 0 ? rc : 0;
}

/* One merge: a pair of byte-level strings -> pair map entry. */
static int add_merge(struct bpe *b, const char *l, size_t ln, const char *r, size_t rn,
		     uint32_t prio, struct buf *t1, struct buf *t2, struct bpe_err *err)
{
	int64_t a, c, m;
	if (bytelevel_decode(l, ln, t1) < 0 || bytelevel_decode(r, rn, t2) < 0)
		return fail(err, "merge of a string that is not byte-level", prio + 1);
	a = bpe_lookup_(b, t1->ptr, t1->len);
	c = bpe_lookup_(b, t2->ptr, t2->len);
	if (a < 0 || c < 0)
		return fail(err, "merge of a token missing from the vocabulary", prio + 1);
	if (buf_add(t1, t2->ptr, t2->len))
		return SL_ENOMEM;
	if ((m = bpe_lookup_(b, t1->ptr, t1->len)) < 0)
		return fail(err, "merge result missing from the vocabulary", prio + 1);
	return bpe_pair_put_(b, (uint32_t)a, (uint32_t)c, prio, (uint32_t)m);
}

/* ---- Hugging Face tokenizer.json ---- */

/* Walk the pre_tokenizer: at most one split pattern, ByteLevel required. */
static int hf_pretok(const char *v, size_t vn, struct buf *pattern, int *bytelevel,
		     int *prefix_space, struct bpe_err *err, int depth)
{
	const char *t, *x;
	size_t tn, xn;
	struct buf type = BUF_INIT;
	int rc = 0;
	if (depth > 4 || jget(v, vn, "type", &t, &tn) != 1 || jstr(t, tn, &type)) {
		buf_release(&type);
		return fail(err, "pre_tokenizer without a \"type\"", 0);
	}
	if (!strcmp(type.ptr, "Sequence")) {
		struct jarr a;
		if (jget(v, vn, "pretokenizers", &x, &xn) != 1 || jarr_begin(&a, x, xn)) {
			rc = fail(err, "Sequence pre_tokenizer without \"pretokenizers\"", 0);
		} else {
			const char *e;
			size_t en;
			while ((rc = jarr_next(&a, &e, &en)) > 0)
				if ((rc = hf_pretok(e, en, pattern, bytelevel, prefix_space, err, depth + 1)))
					break;
			if (rc < 0 && !err->msg)
				rc = fail(err, "malformed \"pretokenizers\"", 0);
		}
	} else if (!strcmp(type.ptr, "ByteLevel")) {
		int use_regex = 1;
		if (jget(v, vn, "use_regex", &x, &xn) == 1)
			use_regex = jis_true(x, xn);
		if (jget(v, vn, "add_prefix_space", &x, &xn) == 1)
			*prefix_space = jis_true(x, xn);
		*bytelevel = 1;
		if (use_regex) {
			if (pattern->len)
				rc = fail(err, "unsupported pre_tokenizer: more than one split pattern", 0);
			else
				rc = buf_addstr(pattern, PAT_R50K);
		}
	} else if (!strcmp(type.ptr, "Split")) {
		const char *pv;
		size_t pn;
		if (*bytelevel)
			rc = fail(err, "unsupported pre_tokenizer: Split after ByteLevel", 0);
		else if (pattern->len)
			rc = fail(err, "unsupported pre_tokenizer: more than one split pattern", 0);
		else if (jget(v, vn, "behavior", &x, &xn) != 1 || xn != 10 || memcmp(x, "\"Isolated\"", 10))
			rc = fail(err, "unsupported pre_tokenizer: Split behavior other than Isolated", 0);
		else if (jget(v, vn, "invert", &x, &xn) == 1 && jis_true(x, xn))
			rc = fail(err, "unsupported pre_tokenizer: inverted Split", 0);
		else if (jget(v, vn, "pattern", &x, &xn) != 1)
			rc = fail(err, "Split without a \"pattern\"", 0);
		else if (jget(x, xn, "Regex", &pv, &pn) == 1) {
			if (jstr(pv, pn, pattern))
				rc = fail(err, "Split pattern is not a string", 0);
		} else if (jget(x, xn, "String", &pv, &pn) == 1) {
			struct buf lit = BUF_INIT;
			size_t i;
			if (jstr(pv, pn, &lit) || lit.len == 0) {
				rc = fail(err, "Split pattern is not a string", 0);
			} else {
				buf_reset(pattern);
				for (i = 0; i < lit.len && !rc; i++) {
					char c = lit.ptr[i];
					if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					      (c >= '0' && c <= '9') || (unsigned char)c >= 0x80))
						rc = buf_addch(pattern, '\\');
					rc = rc ? rc : buf_addch(pattern, c);
				}
			}
			buf_release(&lit);
		} else {
			rc = fail(err, "Split pattern neither Regex nor String", 0);
		}
	} else {
		rc = fail(err, "unsupported pre_tokenizer type", 0);
	}
	buf_release(&type);
	return rc;
}

int bpe_load_hf_mem(struct bpe **out, const char *data, size_t n, struct bpe_err *err)
{
	enum { K_MODEL, K_ADDED, K_NORMALIZER, K_PRETOK, NK };
	enum { M_TYPE, M_FALLBACK, M_PREFIX, M_SUFFIX, M_DROPOUT, M_IGNORE, M_VOCAB, M_MERGES, NM };
	static const char *const keys[NK] = { "model", "added_tokens", "normalizer", "pre_tokenizer" };
	static const char *const mkeys[NM] = { "type", "byte_fallback", "continuing_subword_prefix",
					       "end_of_word_suffix", "dropout", "ignore_merges", "vocab", "merges" };
	struct bpe *b = NULL;
	const char *model, *v, *top[NK], *mv[NM];
	size_t mn, vn, topn[NK], mvn[NM];
	struct buf pattern = BUF_INIT, t1 = BUF_INIT, t2 = BUF_INIT;
	unsigned char *skip = NULL;
	int rc, bytelevel = 0, prefix_space = 0;
	struct jarr a;
	struct bpe_ids added = { 0 };
	uint32_t prio = 0;

	err->msg = NULL;
	err->line = 0;
	if (utf8_valid_prefix(data, n) != n)
		return fail(err, "not UTF-8", 0);
	/* one pass validates the whole file (every value, nothing after the
	 * object) and finds the top-level members, one more the model's */
	if (jgetn(data, n, keys, NK, top, topn))
		return fail(err, "not a JSON object", 0);
	if ((rc = bpe_new_(&b)))
		return rc;
	model = top[K_MODEL];
	mn = topn[K_MODEL];
	if (!model || *model != '{' || jgetn(model, mn, mkeys, NM, mv, mvn)) {
		rc = fail(err, "no \"model\" object", 0);
		goto out;
	}
	if ((v = mv[M_TYPE]) && !(mvn[M_TYPE] == 5 && !memcmp(v, "\"BPE\"", 5))) {
		rc = fail(err, "unsupported model: not BPE", 0);
		goto out;
	}
	if ((v = mv[M_FALLBACK]) && jis_true(v, mvn[M_FALLBACK])) {
		rc = fail(err, "unsupported model: byte_fallback", 0);
		goto out;
	}
	if (((v = mv[M_PREFIX]) && !jis_null(v, mvn[M_PREFIX]) && mvn[M_PREFIX] > 2) ||
	    ((v = mv[M_SUFFIX]) && !jis_null(v, mvn[M_SUFFIX]) && mvn[M_SUFFIX] > 2)) {
		rc = fail(err, "unsupported model: subword prefix or suffix", 0);
		goto out;
	}
	if ((v = mv[M_DROPOUT]) && !jis_null(v, (vn = mvn[M_DROPOUT])) &&
	    !(vn >= 1 && v[0] == '0' && strspn(v, "0.") == vn)) {
		rc = fail(err, "unsupported model: dropout", 0);
		goto out;
	}
	if ((v = mv[M_IGNORE]))
		b->whole = jis_true(v, mvn[M_IGNORE]);
	if ((v = top[K_NORMALIZER]) && !jis_null(v, topn[K_NORMALIZER])) {
		rc = fail(err, "unsupported normalizer", 0);
		goto out;
	}
	if (!(v = top[K_PRETOK]) || jis_null(v, (vn = topn[K_PRETOK])) ||
	    (rc = hf_pretok(v, vn, &pattern, &bytelevel, &prefix_space, err, 0)) || !bytelevel) {
		if (!rc)
			rc = fail(err, "unsupported pre_tokenizer: no ByteLevel", 0);
		goto out;
	}
	b->prefix_space = prefix_space;
	if (!(v = mv[M_VOCAB])) {
		rc = fail(err, "no \"vocab\" in the model", 0);
		goto out;
	}
	if ((rc = load_vocab(b, v, mvn[M_VOCAB], err)))
		goto out;
	/* added tokens: ids for decoding and --eos/--bos */
	if ((v = top[K_ADDED]) && !jis_null(v, (vn = topn[K_ADDED]))) {
		const char *e, *x;
		size_t en, xn;
		if (jarr_begin(&a, v, vn)) {
			rc = fail(err, "\"added_tokens\" is not an array", 0);
			goto out;
		}
		while ((rc = jarr_next(&a, &e, &en)) > 0) {
			long long id;
			if (jget(e, en, "id", &x, &xn) != 1 || jint(x, xn, &id) || id >= BPE_MAX_ID ||
			    jget(e, en, "content", &x, &xn) != 1 || jstr(x, xn, &t1)) {
				rc = fail(err, "malformed entry in \"added_tokens\"", 0);
				goto out;
			}
			if ((uint32_t)id >= b->ntok || b->len[id] == UINT32_MAX) {
				if ((rc = bpe_set_token_(b, (uint32_t)id, t1.ptr, t1.len, err)) ||
				    (rc = bpe_ids_push(&added, (uint32_t)id)))
					goto out;
			}
			if ((rc = bpe_add_special_(b, t1.ptr, t1.len, (uint32_t)id)))
				goto out;
		}
		if (rc < 0) {
			rc = fail(err, "malformed \"added_tokens\"", 0);
			goto out;
		}
	}
	/* added tokens outside the byte-level vocabulary never merge */
	if (!(skip = calloc(b->ntok ? b->ntok : 1, 1))) {
		rc = SL_ENOMEM;
		goto out;
	}
	{
		size_t i;
		for (i = 0; i < added.n; i++)
			skip[added.v[i]] = 1;
	}
	if ((rc = bpe_build_map_(b, skip, err)))
		goto out;
	if (!(v = mv[M_MERGES]) || jarr_begin(&a, v, (vn = mvn[M_MERGES]))) {
		rc = fail(err, "no \"merges\" array in the model", 0);
		goto out;
	}
	if ((rc = bpe_pairs_init_(b, (size_t)b->ntok)))
		goto out;
	{
		const char *e;
		size_t en;
		struct buf s = BUF_INIT;
		while ((rc = jarr_next(&a, &e, &en)) > 0) {
			if (*e == '"') {
				/* "left right" */
				char *sp;
				if ((rc = jstr(e, en, &s)))
					break;
				sp = memchr(s.ptr, ' ', s.len);
				if (!sp || memchr(sp + 1, ' ', s.len - (size_t)(sp + 1 - s.ptr))) {
					rc = fail(err, "merge is not two tokens separated by a space", prio + 1);
					break;
				}
				rc = add_merge(b, s.ptr, (size_t)(sp - s.ptr), sp + 1,
					       s.len - (size_t)(sp + 1 - s.ptr), prio, &t1, &t2, err);
			} else {
				/* ["left", "right"] */
				struct jarr p;
				const char *l, *r, *z;
				size_t ln, rn, zn;
				struct buf ls = BUF_INIT;
				if (jarr_begin(&p, e, en) || jarr_next(&p, &l, &ln) != 1 ||
				    jarr_next(&p, &r, &rn) != 1 || jarr_next(&p, &z, &zn) != 0 ||
				    jstr(l, ln, &ls) || jstr(r, rn, &s)) {
					buf_release(&ls);
					rc = fail(err, "merge is not a pair of strings", prio + 1);
					break;
				}
				rc = add_merge(b, ls.ptr, ls.len, s.ptr, s.len, prio, &t1, &t2, err);
				buf_release(&ls);
			}
			if (rc)
				break;
			if (++prio >= BPE_MAX_ID) {
				rc = fail(err, "too many merges", 0);
				break;
			}
		}
		buf_release(&s);
		if (rc < 0 && !err->msg)
			rc = fail(err, "malformed \"merges\"", 0);
		err->line = 0; /* a JSON file has no meaningful lines */
		if (rc < 0)
			goto out;
	}
	if (pattern.len && (rc = bpe_set_pattern_(b, pattern.ptr, err)))
		goto out;
	rc = bpe_finish_(b);
out:
	bpe_ids_release(&added);
	free(skip);
	buf_release(&pattern);
	buf_release(&t1);
	buf_release(&t2);
	if (rc) {
		bpe_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int bpe_load_hf(struct bpe **out, const char *path, struct bpe_err *err)
{
	struct buf data;
	int rc;
	err->msg = NULL;
	err->line = 0;
	if ((rc = read_file(path, &data)))
		return rc;
	rc = bpe_load_hf_mem(out, data.ptr, data.len, err);
	buf_release(&data);
	return rc;
}

/* ---- GPT-2 encoder.json + vocab.bpe ---- */

int bpe_load_gpt2(struct bpe **out, const char *encoder_json, const char *vocab_bpe,
		  struct bpe_err *err)
{
	struct buf enc, voc, t1 = BUF_INIT, t2 = BUF_INIT;
	struct bpe *b = NULL;
	struct json_err je;
	const char *after, *p, *end;
	size_t line = 0;
	uint32_t prio = 0;
	unsigned char *skip = NULL;
	int64_t eot;
	int rc;

	err->msg = NULL;
	err->line = 0;
	if ((rc = read_file(encoder_json, &enc)))
		return rc;
	if ((rc = read_file(vocab_bpe, &voc))) {
		buf_release(&enc);
		return rc;
	}
	if ((rc = bpe_new_(&b)))
		goto out;
	if (utf8_valid_prefix(enc.ptr, enc.len) != enc.len ||
	    json_scan_value(enc.ptr, enc.ptr, enc.ptr + enc.len, &after, &je) ||
	    skip_ws(after, enc.ptr + enc.len) != enc.ptr + enc.len) {
		rc = fail(err, "encoder.json: not a JSON object", 0);
		goto out;
	}
	if ((rc = load_vocab(b, enc.ptr, enc.len, err)))
		goto out;
	/* <|endoftext|> is in encoder.json: special, never merged */
	if (!(skip = calloc(b->ntok ? b->ntok : 1, 1))) {
		rc = SL_ENOMEM;
		goto out;
	}
	if ((rc = bpe_build_map_(b, NULL, err)))
		goto out;
	if ((eot = bpe_lookup_(b, "<|endoftext|>", 13)) >= 0) {
		skip[eot] = 1;
		if ((rc = bpe_add_special_(b, "<|endoftext|>", 13, (uint32_t)eot)) ||
		    (rc = bpe_build_map_(b, skip, err)))
			goto out;
	}
	if ((rc = bpe_pairs_init_(b, (size_t)b->ntok)))
		goto out;
	if (utf8_valid_prefix(voc.ptr, voc.len) != voc.len) {
		rc = fail(err, "vocab.bpe: not UTF-8", 0);
		goto out;
	}
	p = voc.ptr;
	end = voc.ptr + voc.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end, *sp;
		line++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p || (line == 1 && *p == '#')) {
			p = (nl ? nl : end) + (nl != NULL);
			continue;
		}
		sp = memchr(p, ' ', (size_t)(le - p));
		if (!sp || memchr(sp + 1, ' ', (size_t)(le - sp - 1))) {
			rc = fail(err, "vocab.bpe: merge is not two tokens separated by a space", line);
			goto out;
		}
		if ((rc = add_merge(b, p, (size_t)(sp - p), sp + 1, (size_t)(le - sp - 1), prio++,
				    &t1, &t2, err))) {
			err->line = line;
			goto out;
		}
		p = (nl ? nl : end) + (nl != NULL);
	}
	if ((rc = bpe_set_pattern_(b, PAT_R50K, err)) || (rc = bpe_finish_(b)))
		goto out;
out:
	free(skip);
	buf_release(&enc);
	buf_release(&voc);
	buf_release(&t1);
	buf_release(&t2);
	if (rc) {
		bpe_free(b);
		return rc;
	}
	*out = b;
	return 0;
}
