/*
 * fasttext.h - read fastText supervised models (.bin, quantized .ftz) and
 * predict labels for a line of text, giving the same labels and
 * probabilities as `fasttext predict-prob` (fastText 0.9.2).
 *
 * What is mirrored exactly: the tokenizer (bytes split on " \n\r\t\v\f\0",
 * an end-of-sentence token "</s>" after the text; a literal "</s>" ends the
 * line), the 32-bit FNV-1a hash over signed bytes, character n-grams of
 * "<word>" between minn and maxn code points, word n-grams with fastText's
 * sign-extending combination, pruned (.ftz) bucket remapping, the hidden
 * layer as a float average, softmax / hierarchical softmax / one-vs-all
 * heads with the same float and double roundings, the top-k with threshold
 * and the probability reported as exp(log(p + 1e-5)).
 *
 * Files are validated before use: every count is checked against the bytes
 * left in the file before anything is allocated, so a truncated, empty or
 * hostile file gives SL_ETRUNC / SL_EFORMAT (with a reason), never a crash
 * or an unbounded allocation.  Only supervised models are accepted.
 *
 * A loaded model is read-only and may be shared by threads; each thread
 * uses its own struct ft_state.
 */
#ifndef SLUICE_FASTTEXT_H
#define SLUICE_FASTTEXT_H

#include <stddef.h>
#include <stdint.h>

struct ft_model;

struct ft_info {
	int dim, minn, maxn, word_ngrams, bucket;
	int loss;            /* 1 hs, 2 ns, 3 softmax, 4 ova */
	int nwords, nlabels;
	int quant_input, quant_output, pruned;
	int64_t input_rows;
};

/* Parse a model from memory (the bytes are not kept).  On failure returns
 * SL_ETRUNC, SL_EFORMAT or SL_ENOMEM, and *why (when why is not NULL) names
 * what was wrong, as a static string. */
int ft_load_mem(const void *data, size_t n, struct ft_model **out, const char **why);

/* Open and parse a model file: SL_EOPEN/SL_EIO (errno set), or as above. */
int ft_load(const char *path, struct ft_model **out, const char **why);

void ft_free(struct ft_model *m);

/* A quantized input matrix up to this many bytes as floats (default
 * 256 MiB) is expanded at load, which makes prediction faster and changes
 * no result; larger ones are decoded row by row.  Affects later loads. */
void ft_set_expand_limit(uint64_t bytes);

void ft_get_info(const struct ft_model *m, struct ft_info *info);
int ft_nlabels(const struct ft_model *m);
/* Label i (0 <= i < ft_nlabels) as stored, e.g. "__label__en". */
const char *ft_label(const struct ft_model *m, int i);
/* Index of a label by its full name, -1 when absent. */
int ft_label_index(const struct ft_model *m, const char *name);

/* Per-thread scratch space, for the model it was made for (it remembers
 * that model's rows of recent out-of-vocabulary tokens). */
struct ft_wc_ent;
struct ft_state {
	float *hidden, *output;
	int32_t *whash;
	size_t nwhash, whcap;
	char *word;
	size_t wcap;
	int32_t *rowv;
	size_t rowcap;
	struct ft_heap_item *heap;
	int heapcap;
	size_t nrows;
	/* the rows of recent tokens whose rows are computed (out of the
	 * vocabulary: their character n-grams), by their bytes; made on first
	 * use, emptied when its store is full */
	struct ft_wc_ent *wc;
	char *wc_bytes;
	int32_t *wc_rows;
	size_t wc_blen, wc_rlen;
};

int ft_state_init(struct ft_state *s, const struct ft_model *m);
void ft_state_release(struct ft_state *s);

struct ft_pred {
	float prob;   /* as fastText prints it: exp(log(p + 1e-5)) */
	int label;    /* index for ft_label */
};

/*
 * Predict for one line of text (bytes; '\n' counts as a separator like a
 * space, so a document with its newlines is one line as datatrove makes
 * it).  k <= 0 means every label.  Writes up to k predictions with
 * probability >= threshold to out (room for k, or ft_nlabels when k <= 0),
 * best first, and returns how many (0 when the text gives the model no
 * input at all), or a negative SL_E* code (SL_ENOMEM, SL_ETOOBIG).
 */
int ft_predict(const struct ft_model *m, struct ft_state *s, const char *text, size_t n,
	       int k, float threshold, struct ft_pred *out);

#endif
