/*
 * bpe_impl.h - the inside of struct bpe, shared by bpe.c and load.c only.
 */
#ifndef SLUICE_BPE_IMPL_H
#define SLUICE_BPE_IMPL_H

#include "bpe.h"

/* cl100k_base's split pattern (the non-possessive form), also Llama 3's
 * Split regex, and o200k_base's; bpe.c has hand-written scanners for them. */
#define PAT_CL100K "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define PAT_O200K "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* Ids fit in 21 bits, so a pair of ids and its merge fit in 64 (bpe.c). */
#define BPE_MAX_ID (1u << 21)

struct bpe_pair {
	uint64_t key, val;
};

struct bpe {
	uint32_t ntok, idcap;
	uint32_t *off, *len;          /* bytes of each id; len UINT32_MAX: absent */
	struct buf bytes;
	uint32_t *smap;               /* bytes -> (id + 1, hash >> 32) pairs, open addressing */
	size_t smask;
	uint64_t *tbits;              /* a filter of smap: bit (hash >> 12) & fmask of each */
	size_t fmask;
	/* while loading: (l << 32 | r) -> prio << 32 | result */
	struct bpe_pair *pairs;
	size_t pmask, npairs;
	int pshift;
	/* when loaded (bpe_finish_): the pairs that can merge, each one word
	 * l << 43 | r << 22 | v, v numbering them by priority, in a table
	 * that stays in cache; pres[v] is the token the merge makes */
	uint64_t *ptab;
	size_t tmask;
	int tshift;
	uint32_t *pres;
	/* a filter of ptab: bit pair_slot(key, pbshift) of every pair in it.
	 * Most lookups while merging (58% for cl100k_base on multilingual
	 * text) are of pairs that do not merge; the filter (32 to 64 bits a
	 * pair: 512 KB for cl100k_base, 1 MB for o200k_base) answers 97% of
	 * those from the CPU's cache, without a probe of the 2-4 MB table.
	 * NULL while the table is filled. */
	uint64_t *pbits;
	int pbshift;
	int pres_id;                  /* pres[v] = v for every v in ptab (rank files) */
	uint32_t byte_id[256];
	uint32_t *byte_pair;          /* [a << 8 | b]: v of the pair of two byte tokens */
	int whole;                    /* a piece that is a token is that token */
	int prefix_space;             /* HF ByteLevel add_prefix_space */
	char *pattern;                /* the split pattern as given, NULL: none */
	void *re;                     /* pcre2_code *, NULL: no splitting */
	int jit;
	int scan;                     /* split with the hand-written scanner of the pattern */
	void *cls_re;                 /* pcre2_code * of its character classes */
	unsigned char acls[128];      /* their classes of ASCII */
	char **stext;
	uint32_t *sid;
	size_t nspec;
};

int bpe_new_(struct bpe **out);
int bpe_set_token_(struct bpe *b, uint32_t id, const void *s, size_t n, struct bpe_err *err);
int64_t bpe_lookup_(const struct bpe *b, const void *s, size_t n);
int bpe_build_map_(struct bpe *b, const unsigned char *skip, struct bpe_err *err);
int bpe_pairs_init_(struct bpe *b, size_t n);
int bpe_pair_put_(struct bpe *b, uint32_t l, uint32_t r, uint32_t prio, uint32_t result);
int bpe_add_special_(struct bpe *b, const char *text, size_t n, uint32_t id);
int bpe_set_pattern_(struct bpe *b, const char *pattern, struct bpe_err *err);
/* Rank files: the pairs and the loaded tables from the ranks, in one
 * step (instead of bpe_pairs_init_ + bpe_pair_put_ + bpe_finish_). */
int bpe_finish_ranks_(struct bpe *b, const unsigned char *skip);
/* byte_pair from ptab, byte_id and ntok (any contents: the values come
 * from pair lookups).  0 or SL_ENOMEM. */
int bpe_byte_pairs_(struct bpe *b);
/* Call last, when the tables are complete. */
int bpe_finish_(struct bpe *b);

/* The header of a compiled vocabulary (compiled.c), host byte order; the
 * sections follow in this order: off[ntok], len[ntok], bytes[nbytes],
 * smap[2 (smask + 1)], tbits[(fmask + 1) / 64], ptab[tmask + 1],
 * pres[npres], byte_id[256], the pattern[npattern], nspec x (id,
 * length, text); then an XXH3-64 of all that.  byte_pair is not stored:
 * loading derives it from ptab (bpe_byte_pairs_). */
struct bpe_compiled_hdr {
	char magic[8];
	uint64_t endian;
	uint32_t ntok, npres, nspec, flags;
	uint64_t nbytes, smask, fmask, tmask, npattern;
	uint32_t tshift, pad;
};

/* compiled.c reads and writes these directly */
#define BPE_V_NONE ((1u << 26) - 1)
#define BPE_T_EMPTY UINT64_MAX
#define BPE_V_BITS 22

#endif
