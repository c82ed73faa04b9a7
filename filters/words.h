/*
 * words.h - word and sentence splitting by the rules of the tokenizer
 * datatrove uses for English: spaCy's blank "en" pipeline with the
 * "sentencizer" (NLTK's word_tokenize before December 2024).  spaCy does
 * not exist in C, and the rules' word counts, n-grams, stop words and
 * sentence counts depend on it, so this is the one place where sluice's
 * decisions can differ from datatrove's.  Per whitespace-separated chunk,
 * as spaCy's Tokenizer does:
 *
 *   - a prefix and a suffix come off at a time, until none is left or
 *     what is left (or what is left without the next prefix or suffix) is
 *     one of spaCy's English special cases (words_specials.h: "don't",
 *     "dont", "cannot", "4pm", "Jan.", "e.g.", ":)", ...);
 *   - prefixes: spaCy's punctuation list and quotes (ASCII ( ) [ ] { } < >
 *     " ' ` , : ; ! ? _ # * &, and « » “ ” ‘ ’ ´ ¿ ¡ · 。 （ ） ～ ...),
 *     "$" "%" "=" "§", its currencies (€ £ US$ C$ A$ ...), its icons,
 *     "—" "–", ".." and more dots, "+" not before a digit;
 *   - suffixes: the same punctuation, quotes, icons, dashes and dots,
 *     "'s" "’s", "." after a lowercase letter, a digit, "% ² - + |",
 *     punctuation or two capitals, and after a digit "+" and spaCy's units
 *     and currencies ("5km", "5€"); other characters ("|", "•", "±") stay;
 *   - then the rest is a special case's tokens, or a URL by spaCy's URL
 *     pattern (host labels and a top-level domain of two lowercase letters
 *     or more, or a public dotted IPv4 address, with an optional scheme,
 *     user, port and path) kept whole, or
 *     split at infixes: ".." and more, "…", icons; hyphens ("-",
 *     "--", "---", dashes) between a letter or digit and a letter; ","
 *     between letters; ":<>=/" between a letter or digit and a letter;
 *     "+-*^" between digits; "." between a lowercase letter or a quote
 *     and an uppercase letter or a quote;
 *   - letters, lowercase, uppercase and icons are spaCy's lists
 *     (words_classes.h, from its char_classes.py), not Unicode's
 *     categories: CJK, kana, Arabic, the Indic scripts ... count as lowercase
 *     and uppercase at once, Thai or Serbian letters not at all, and emoji
 *     newer than its list are not icons;
 *   - last, spaCy's special-case matcher: runs of tokens that spell a
 *     special case as it splits without special cases become it
 *     ("Tuesday.Mr." -> "Tuesday" "." "Mr."), the longest runs first;
 *     runs across one space are never special cases but take their turn
 *     ("( :)" stays "(" ":" ")" as "( :" spells "(:").
 *
 * Whitespace other than one space makes tokens in spaCy, which datatrove
 * strips; sluice drops it (words_count_sentences() counts it as spaCy's
 * sentencizer does).
 *
 * Sentences follow spaCy's sentencizer: after a token that is one of its
 * sentence-final marks ("." "!" "?" and 125 more, words_classes.h), the
 * next token that is not Unicode punctuation (P*; symbols and emoji are
 * not) and not such a mark starts a new sentence.  Whitespace between
 * tokens other than one space is such a token to spaCy, and so starts one
 * too ("Hi.\t!" is two sentences).
 *
 * bench/spacy_words.py measures all this against spaCy's own rule data
 * over whole files (README, `sluice quality`: "How close it is").
 */
#ifndef SLUICE_WORDS_H
#define SLUICE_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "pytext.h"

/* Append the word tokens of s[0, n) (valid UTF-8) to out.  0 or SL_ENOMEM. */
int words_split(const char *s, size_t n, struct pt_spans *out);

/* What the scan learns of each token on the way, for rules that would
 * otherwise read every token again: one byte per token, WF_PLAIN when it
 * is ASCII letters and digits only (then WF_LETTER when one is a letter),
 * 0 when not known. */
enum { WF_PLAIN = 1, WF_LETTER = 2 };
/* For a token without WF_PLAIN, cp[k] is 0 when not known, or its code
 * points << 3 | WX_KNOWN, with WX_NONSYM when one of its characters is
 * not in datatrove's punctuation set and WX_ALPHA when one is alphabetic
 * (str.isalpha).  The split knows them for its words of letters, digits
 * and other characters that are not punctuation or symbols. */
enum { WX_KNOWN = 1, WX_NONSYM = 2, WX_ALPHA = 4 };
struct words_facts {
	unsigned char *v;    /* grown to out->n entries */
	size_t cap;
	uint32_t *cp;        /* cap entries in v's block: free(v) frees both */
};
int words_split_facts(const char *s, size_t n, struct pt_spans *out, struct words_facts *f);

/* Tests only: nonzero sends every chunk through the general splitter, so
 * the fast paths can be checked against it. */
extern int words_no_fast_path;

/* Sentences among the tokens (as words_split made them) of s. */
size_t words_count_sentences(const char *s, const struct pt_span *tok, size_t ntok);

#endif
