/*
 * words_dump - sluice's word split and sentence count of every text of a
 * JSONL file, one line per text, for bench/spacy_words.py to compare with
 * spaCy's tokenizer:
 *
 *   <text bytes> <sentences> <offset>,<length> <offset>,<length> ...
 *
 * (byte offsets and lengths of the tokens in the UTF-8 text, in order; the
 * sentences as the c4 rules count them: summed over the text's stripped
 * lines, each split on its own).
 * Texts are those bench_texts_load() reads: documents that parse and have
 * a "text".  Not run by the tests.
 *
 *   build/bench/words_dump docs.jsonl > spans.txt
 */
#include <stdio.h>

#include "texts.h"
#include "words.h"

int main(int argc, char **argv)
{
	struct bench_texts t;
	struct pt_spans w = { 0 }, lines = { 0 }, lw = { 0 };
	size_t i, k;

	if (argc != 2) {
		fprintf(stderr, "usage: words_dump FILE.jsonl\n");
		return 2;
	}
	if (bench_texts_load(argv[1], &t)) {
		fprintf(stderr, "words_dump: cannot read %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < t.n; i++) {
		size_t nsent = 0;
		w.n = 0;
		lines.n = 0;
		if (words_split(t.s[i], t.len[i], &w) || pt_splitlines(t.s[i], t.len[i], &lines)) {
			fprintf(stderr, "words_dump: out of memory\n");
			return 1;
		}
		for (k = 0; k < lines.n; k++) {
			size_t off, len;
			const char *l = t.s[i] + lines.v[k].off;
			pt_strip(l, lines.v[k].len, &off, &len);
			lw.n = 0;
			if (words_split(l + off, len, &lw)) {
				fprintf(stderr, "words_dump: out of memory\n");
				return 1;
			}
			nsent += words_count_sentences(l + off, lw.v, lw.n);
		}
		printf("%zu %zu", t.len[i], nsent);
		for (k = 0; k < w.n; k++)
			printf(" %zu,%zu", w.v[k].off, w.v[k].len);
		putchar('\n');
	}
	pt_spans_release(&w);
	pt_spans_release(&lines);
	pt_spans_release(&lw);
	bench_texts_free(&t);
	return ferror(stdout) ? 1 : 0;
}
