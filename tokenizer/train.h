/*
 * train.h - byte-level BPE training, merge for merge what Hugging Face
 * `tokenizers`' BpeTrainer learns.
 *
 * The caller pre-tokenizes (bpe_pretokenize with the split pattern) and
 * counts every piece with bpet_add; memory grows with the number of
 * distinct pieces, not with the corpus.  bpet_train then does what
 * BpeTrainer::do_train does:
 *   - ids: the special tokens first, then the alphabet (every byte seen, or
 *     all 256 with all_bytes, like initial_alphabet=ByteLevel.alphabet()),
 *     ordered by the code point ByteLevel maps each byte to;
 *   - pair counts over the distinct pieces weighted by their counts, a
 *     priority queue of (count, pair, the pieces it was seen in) taking the
 *     highest count, then the smallest pair of ids; an entry whose count is
 *     stale is pushed back with the current count; the merged pair's own
 *     count is left as it was, as BpeTrainer leaves it, so the same pair can
 *     be merged again from another entry (recorded again; the vocabulary
 *     does not grow);
 *   - merges left to right, non-overlapping, in every piece the entry
 *     names; new pairs enter the queue with the pieces they were formed in;
 *   - stop at vocab_size tokens, an empty queue, or a count below
 *     min_frequency (and below 1).
 * Not thread safe; one trainer per corpus.
 */
#ifndef SLUICE_BPE_TRAIN_H
#define SLUICE_BPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

struct bpet_opts {
	uint32_t vocab_size;
	uint64_t min_frequency;
	int all_bytes;
	const char *const *special;  /* texts, ids 0..nspecial-1 */
	size_t nspecial;
};

struct bpet;

int bpet_new(struct bpet **out, const struct bpet_opts *o);
/* Count one pre-tokenized piece (bytes). */
int bpet_add(struct bpet *t, const unsigned char *p, size_t n);
int bpet_train(struct bpet *t);
void bpet_free(struct bpet *t);

uint64_t bpet_pieces(const struct bpet *t);   /* distinct pieces counted */
uint32_t bpet_ntokens(const struct bpet *t);
/* The bytes of token id (special tokens included). */
const unsigned char *bpet_token(const struct bpet *t, uint32_t id, size_t *len);
int bpet_is_special(const struct bpet *t, uint32_t id);
/* Merges in the order they were made (duplicates included). */
size_t bpet_nmerges(const struct bpet *t);
void bpet_merge(const struct bpet *t, size_t i, uint32_t *left, uint32_t *right, uint32_t *result);

/* The code point ByteLevel maps byte b to (GPT-2's bytes_to_unicode). */
uint32_t bpet_byte_char(unsigned b);

#endif
