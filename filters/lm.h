/*
 * lm.h - back-off n-gram language models: ARPA text and sluice's binary
 * format (.slm), scored with KenLM's semantics.
 *
 * Scoring (what KenLM's FullScore does, checked against kenlm's own
 * lm/model_test.cc expectations): log10 p(w | h) is the probability of the
 * longest n-gram (h' w) of the model whose context h' is a suffix of h, plus
 * the back-off weights of every longer suffix of h, where a context that is
 * not in the model weighs 0.  The context is at most order-1 words.  Words
 * not in the vocabulary are <unk>; a model without <unk> gives it log10
 * probability -100 and back-off 0, as KenLM does.  A sentence is scored with
 * <s> as the first context and </s> predicted at the end, so it contributes
 * (words + 1) predictions.
 *
 * In memory, and in the .slm file byte for byte (little-endian, every section
 * 8-byte aligned, so the file is used in place through mmap):
 *
 *   header          256 bytes: "SLUICELM", version, order, vocabulary size,
 *                   hash slots, section sizes, n-gram counts and table slots
 *                   per order, the text units the model was trained on
 *   strings         the words, each NUL-terminated, in id order (<unk> = 0)
 *   offsets         uint32 per word: where its string starts
 *   vocab slots     {uint64 XXH3 of the word, uint32 id + 1 (0 empty), pad},
 *                   linear probing, a power of two >= 1.5 x words; like
 *                   KenLM's vocabulary, words are told apart by the hash
 *   unigrams        {float prob, float backoff} per word id
 *   word flags      uint8 per word id: 1 some n-gram of order >= 2 ends
 *                   with the word, 2 some n-gram begins with it (KenLM's
 *                   "independent left" and "extension"): a word that ends
 *                   none needs no look-up, one that begins none ends the
 *                   context
 *   orders 2..N     {uint64 key, float prob, float backoff} per slot, a power
 *                   of two >= 1.5 x n-grams, linear probing; key 0 is empty.
 *                   The key of n-gram w1..wn folds the word ids from the
 *                   last word to the first (lm_key_start / lm_key_extend),
 *                   so the key of every n-gram ending in the predicted word
 *                   and of every context comes from one running value.
 *
 * Like KenLM, an ARPA file whose n-gram lacks a suffix ("also would consider
 * higher looking" without "higher looking") gets the missing suffixes added
 * as "blanks" with the probability back-off gives and back-off weight 0;
 * scores are unchanged, and a search stops at the first missing n-gram.
 *
 * Like KenLM's probing model, n-grams are identified by their 64-bit key
 * only (a collision between two n-grams of one order has probability about
 * n^2 / 2^65).  Loading checks every size and offset against the file, the
 * strings' terminators and every vocabulary slot; nothing read from the file
 * can make a lookup leave its table, so a truncated or hostile file is an
 * error (SL_ETRUNC / SL_EFORMAT with a reason), never a crash.
 */
#ifndef SLUICE_LM_H
#define SLUICE_LM_H

#include <stddef.h>
#include <stdint.h>

#define LM_MAX_ORDER 8
#define LM_UNITS_MAX 48

struct lm_entry {
	uint64_t key;
	float prob, backoff;
};

enum { LM_W_LEFT = 1, LM_W_EXT = 2 };

struct lm_vslot {
	uint64_t hash;
	uint32_t id1, pad;
};

struct lm_uni {
	float prob, backoff;
};

struct lm_model {
	int order;
	uint32_t nwords;
	uint32_t vocab_mask;           /* vocab slots - 1 */
	uint32_t bos, eos, unk;        /* ids; bos/eos UINT32_MAX when absent */
	int has_unk;
	const char *strings;
	uint64_t strings_bytes;
	const uint32_t *offsets;
	const struct lm_vslot *vocab;
	const struct lm_uni *uni;
	const uint8_t *wflags;         /* LM_W_* per word */
	const struct lm_entry *table[LM_MAX_ORDER + 1]; /* [2..order] */
	uint64_t mask[LM_MAX_ORDER + 1];                /* slots - 1 */
	uint64_t counts[LM_MAX_ORDER + 1];              /* [1..order], with blanks */
	uint64_t blanks[LM_MAX_ORDER + 1];              /* suffixes added on load */
	char units[LM_UNITS_MAX];      /* "words" unless trained otherwise */

	/* storage: one allocation (ARPA) or one mapping (.slm) */
	void *mem;
	size_t mem_size;
	int mapped;
};

static inline uint64_t lm_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The running key: start with the last word of an n-gram, extend leftwards. */
static inline uint64_t lm_key_start(uint32_t w)
{
	uint64_t k = lm_mix((uint64_t)w + 0x9e3779b97f4a7c15ULL);
	return k ? k : 1;
}

static inline uint64_t lm_key_extend(uint64_t k, uint32_t w)
{
	k = lm_mix(k ^ ((uint64_t)w * 0xd6e8feb86659fd93ULL + 0x632be59bd9b4e019ULL));
	return k ? k : 1;
}

/* Load an ARPA file (plain, .gz or .zst).  On failure returns SL_E* and, in
 * *why, a static reason; *line gets the line number where it applies. */
int lm_load_arpa(const char *path, struct lm_model **out, const char **why, uint64_t *line);
/* Map and validate a .slm file. */
int lm_load_binary(const char *path, struct lm_model **out, const char **why);
/* Either, by content ("SLUICELM" magic or ARPA text). */
int lm_load(const char *path, struct lm_model **out, const char **why, uint64_t *line);
/* Write the model as .slm through write(ctx, bytes, n), which returns 0 or
 * a negative SL_E* code. */
typedef int lm_write_fn(void *ctx, const void *p, size_t n);
int lm_write_binary(const struct lm_model *m, lm_write_fn *write, void *ctx);
void lm_free(struct lm_model *m);

int lm_set_units(struct lm_model *m, const char *units);

/* The id of a word (<unk>'s id when unknown). */
uint32_t lm_word_id(const struct lm_model *m, const char *w, size_t n);
/* The same in two steps, so a caller can hash a sentence's words (which
 * also fetches their slots into the cache) before resolving them. */
uint64_t lm_word_hash(const struct lm_model *m, const char *w, size_t n);
uint32_t lm_word_id_hashed(const struct lm_model *m, uint64_t hash);
const char *lm_word(const struct lm_model *m, uint32_t id);

/* Scoring state: the last order-1 words, most recent first, and the
 * back-off weights of the contexts they form. */
struct lm_state {
	int n;
	uint32_t w[LM_MAX_ORDER];
	float bo[LM_MAX_ORDER + 1]; /* bo[L]: context of the last L words */
};

void lm_state_begin(const struct lm_model *m, struct lm_state *s); /* after <s> */
void lm_state_null(struct lm_state *s);                             /* no context */
/* log10 p(w | state), advancing the state to include w; *ngram_len (when
 * not NULL) gets the length of the n-gram that matched.  Each call makes
 * order-1 table look-ups. */
float lm_score_word(const struct lm_model *m, struct lm_state *s, uint32_t w, int *ngram_len);
/* Sum of log10 p over a sentence of word ids: with <s> context and </s>
 * predicted at the end when bos/eos. */
double lm_score_ids(const struct lm_model *m, const uint32_t *ids, size_t n, int bos, int eos);
/* The same, adding the number of table look-ups made to *lookups. */
double lm_score_ids_counted(const struct lm_model *m, const uint32_t *ids, size_t n, int bos, int eos,
			    uint64_t *lookups);

#endif
