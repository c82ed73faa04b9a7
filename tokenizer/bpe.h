/*
 * bpe.h - byte-level BPE encoding, token-exact with tiktoken and Hugging
 * Face `tokenizers`.
 *
 * A struct bpe is one vocabulary: token ids with their bytes, merge
 * priorities for adjacent pairs, the split pattern (PCRE2, JIT compiled)
 * and the special tokens.  It is read-only after loading and may be shared
 * by threads; each thread encodes with its own struct bpe_work.
 *
 * Three loaders fill it:
 *   - tiktoken rank files ("<base64 bytes> <rank>" lines): merges by the
 *     rank of the concatenated bytes, as tiktoken's _byte_pair_merge, and a
 *     piece that is itself a token is that token;
 *   - Hugging Face tokenizer.json with a BPE model and byte-level
 *     pre-tokenization (ByteLevel, optionally after one Split): merges by
 *     the merges list, ignore_merges honoured;
 *   - GPT-2's encoder.json + vocab.bpe (the same as the previous, with the
 *     GPT-2 pattern).
 * Loaders check their input and return SL_EFORMAT (with err->msg and
 * err->line saying where) rather than trust it.
 *
 * Encoding is "ordinary": special-token text inside the input is encoded
 * like any other text (tiktoken's encode_ordinary; Hugging Face with the
 * added tokens not matched).  Pieces of any length merge in O(n log n).
 */
#ifndef SLUICE_BPE_H
#define SLUICE_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct bpe;
struct bpe_work;

struct bpe_err {
	const char *msg;  /* static, lower case; NULL when not about the input */
	size_t line;      /* 1-based line of a line-oriented file, 0 otherwise */
};

/* The split pattern and special tokens of a named tiktoken encoding
 * (r50k_base, gpt2 (= r50k_base), p50k_base, cl100k_base, o200k_base), or
 * NULL when the name is unknown. */
struct bpe_named {
	const char *name;
	const char *pattern;
	const char *const *special_text; /* NULL-terminated, with special_id */
	const uint32_t *special_id;
};
const struct bpe_named *bpe_named(const char *name);

/* Load a tiktoken rank file with the given split pattern; the n special
 * tokens (texts and ids) are known for --eos/--bos and decoding. */
int bpe_load_tiktoken(struct bpe **out, const char *path, const char *pattern,
		      const char *const *special_text, const uint32_t *special_id, size_t nspecial,
		      struct bpe_err *err);
/* Same, from memory. */
int bpe_load_tiktoken_mem(struct bpe **out, const char *data, size_t n, const char *pattern,
			  const char *const *special_text, const uint32_t *special_id,
			  size_t nspecial, struct bpe_err *err);
/* Read a "<name>.meta.json" as the tiktoken npm package and the shared data
 * carry it: {"pat_str": ..., "special_tokens": {text: id}}; then load. */
int bpe_load_tiktoken_meta(struct bpe **out, const char *path, const char *meta_path,
			   struct bpe_err *err);
/* Hugging Face tokenizer.json. */
int bpe_load_hf(struct bpe **out, const char *path, struct bpe_err *err);
int bpe_load_hf_mem(struct bpe **out, const char *data, size_t n, struct bpe_err *err);
/* GPT-2 encoder.json + vocab.bpe. */
int bpe_load_gpt2(struct bpe **out, const char *encoder_json, const char *vocab_bpe,
		  struct bpe_err *err);

void bpe_free(struct bpe *b);

/* The loaded tables as bytes (host byte order, with a checksum), for a
 * cache of vocabularies (sluice tok keeps one): loading them back skips
 * parsing.  bpe_load_compiled checks the checksum, every length and every
 * index before it trusts them, and recompiles the split pattern; anything
 * else is SL_EFORMAT with err->msg. */
int bpe_compile(const struct bpe *b, struct buf *out);
int bpe_load_compiled(struct bpe **out, const void *data, size_t n, struct bpe_err *err);

/* Number of ids (the largest id + 1) and the id of a special token by its
 * text (-1 when absent). */
uint32_t bpe_vocab_size(const struct bpe *b);
int64_t bpe_special(const struct bpe *b, const char *text);

/* Per-thread scratch space. */
int bpe_work_new(const struct bpe *b, struct bpe_work **out);
void bpe_work_free(struct bpe_work *w);
/* Release what grows with the input (per-piece arrays, a copy of the
 * text), keeping the cache and the matcher: after a large document, so a
 * thread does not keep its memory. */
void bpe_work_trim(struct bpe_work *w);

/* Growable array of token ids. */
struct bpe_ids {
	uint32_t *v;
	size_t n, cap;
};
int bpe_ids_push(struct bpe_ids *ids, uint32_t id);
void bpe_ids_release(struct bpe_ids *ids);

/* Append the tokens of s[0, n) to ids.  s should be valid UTF-8; invalid
 * bytes are never matched by the pattern and are encoded byte by byte as
 * their own pieces.  0, SL_ENOMEM or SL_EINVAL (a regex matching failure). */
int bpe_encode(const struct bpe *b, struct bpe_work *w, const char *s, size_t n,
	       struct bpe_ids *ids);

/* Pre-tokenization alone: fn gets each piece of s[0, n) as encoding would
 * see it (0 to go on, or an error code that stops and is returned). */
typedef int bpe_piece_fn(void *ctx, const unsigned char *p, size_t n);
int bpe_pretokenize(const struct bpe *b, struct bpe_work *w, const char *s, size_t n,
		    bpe_piece_fn *fn, void *ctx);
/* A struct bpe that only splits (no vocabulary), for training. */
int bpe_new_splitter(struct bpe **out, const char *pattern, struct bpe_err *err);

/* Encode one piece (no pre-tokenization): the merge step alone. */
int bpe_encode_piece(const struct bpe *b, struct bpe_work *w, const unsigned char *s, size_t n,
		     struct bpe_ids *ids);

/* Append the bytes of the tokens to out (not necessarily valid UTF-8).
 * SL_EINVAL when an id is unknown (*bad receives its index). */
int bpe_decode(const struct bpe *b, const uint32_t *ids, size_t n, struct buf *out, size_t *bad);

#endif
