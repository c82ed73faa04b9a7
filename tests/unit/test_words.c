/*
 * test_words.c - the word splitter (filters/words.c) against spaCy's own
 * tokens for 1,500 random texts (tests/data/spacy-words), and its fast
 * paths against its general path: random chunks built from the characters
 * the rules look at, and every text of real web documents and UDHR
 * translations.  The splitter's own cases (what a chunk becomes) are in
 * test_pytext.c.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "doc.h"
#include "instream.h"
#include "pytext.h"
#include "utf8.h"
#include "words.h"
#include "words_classes.h"

static const char *data(const char *rel, char *out, size_t n)
{
	const char *d = getenv("SLUICE_SHARED_DATA");

	snprintf(out, n, "%s/%s", d ? d : "../shared/data", rel);
	return out;
}

static long mismatches, tokens_seen, tokens_plain;

/* The facts of words_split_facts: true where given, and given often. */
static void check_facts(const char *s, size_t n)
{
	struct pt_spans sp = { 0 };
	struct words_facts f = { 0 };
	size_t k, i;
	int bad = 0;
	CHECK(words_split_facts(s, n, &sp, &f) == 0);
	CHECK(sp.n == 0 || f.cap >= sp.n);
	for (k = 0; k < sp.n && f.cap >= sp.n; k++) {
		int letter = 0, plain = 1;
		for (i = 0; i < sp.v[k].len; i++) {
			unsigned char c = (unsigned char)s[sp.v[k].off + i];
			int d = c >= '0' && c <= '9', l = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
			plain &= d || l;
			letter |= l;
		}
		tokens_seen++;
		if (f.v[k] & WF_PLAIN) {
			tokens_plain++;
			bad |= !plain || !!(f.v[k] & WF_LETTER) != letter;
		} else {
			bad |= f.v[k] != 0;
		}
	}
	CHECK(!bad);
	free(f.v);
	pt_spans_release(&sp);
}

static long cp_seen, cp_known;

/* The code point facts (words.h: cp) against pt_len, pt_in_punctuation_set
 * and pt_isalpha over the token: true where given, and given often. */
static void check_cp(const char *s, size_t n)
{
	struct pt_spans sp = { 0 };
	struct words_facts f = { 0 };
	size_t k;
	int bad = 0;
	CHECK(words_split_facts(s, n, &sp, &f) == 0);
	for (k = 0; k < sp.n && f.cap >= sp.n; k++) {
		const char *t = s + sp.v[k].off;
		size_t len = sp.v[k].len, i = 0;
		uint32_t x, want;
		int nonsym = 0, alpha = 0;
		if (f.v[k] & WF_PLAIN)
			continue;
		cp_seen++;
		if (!(x = f.cp[k]))
			continue;
		cp_known++;
		while (i < len) {
			uint32_t c = pt_next(t, len, &i);
			nonsym |= !pt_in_punctuation_set(c);
			alpha |= pt_isalpha(c);
		}
		want = (uint32_t)(pt_len(t, len) << 3 | WX_KNOWN | (nonsym ? WX_NONSYM : 0) | (alpha ? WX_ALPHA : 0));
		bad |= x != want;
	}
	CHECK(!bad);
	free(f.v);
	pt_spans_release(&sp);
}

/* Split s both ways; one CHECK per text, the first difference printed. */
static void same_split(const char *s, size_t n)
{
	struct pt_spans fast = { 0 }, slow = { 0 };
	int rf, rs, same;

	words_no_fast_path = 0;
	rf = words_split(s, n, &fast);
	words_no_fast_path = 1;
	rs = words_split(s, n, &slow);
	words_no_fast_path = 0;
	same = rf == 0 && rs == 0 && fast.n == slow.n &&
	       (fast.n == 0 || memcmp(fast.v, slow.v, fast.n * sizeof(*fast.v)) == 0);
	CHECK(same);
	if (!same && mismatches++ < 5) {
		size_t k = 0;
		while (k < fast.n && k < slow.n && fast.v[k].off == slow.v[k].off && fast.v[k].len == slow.v[k].len)
			k++;
		fprintf(stderr, "  token %zu differs: fast ", k);
		if (k < fast.n)
			check_print_(s + fast.v[k].off, fast.v[k].len);
		fputs(" general ", stderr);
		if (k < slow.n)
			check_print_(s + slow.v[k].off, slow.v[k].len);
		fputs("\n  in ", stderr);
		check_print_(s, n);
		fputc('\n', stderr);
	}
	pt_spans_release(&fast);
	pt_spans_release(&slow);
	check_facts(s, n);
	check_cp(s, n);
}

/* 30000 texts of up to maxchunks chunks of up to maxatoms atoms each,
 * through same_split(). */
static void random_texts(const char *const *atoms, size_t natoms, unsigned long long x, int maxchunks, int maxatoms)
{
	char b[2048];
	int t;

	for (t = 0; t < 30000; t++) {
		int k, nchunks = 1 + (int)(check_rand(&x) % (unsigned)maxchunks);
		size_t len = 0;
		for (k = 0; k < nchunks; k++) {
			len = check_atoms(b, len, sizeof(b) - 1, atoms, natoms,
					  1 + (int)(check_rand(&x) % (unsigned)maxatoms), &x);
			b[len++] = ' ';
		}
		same_split(b, len);
	}
}

/* Random chunks: letters and digits, the prefix and suffix characters,
 * dots and ellipses, URL and e-mail pieces, abbreviations, contractions and
 * non-ASCII punctuation, so every branch of the general splitter is met. */
static void random_chunks(void)
{
	static const char *const atoms[] = {
		"a", "b", "e", "t", "s", "d", "m", "l", "w", "W", "A", "B", "Z", "x", "0", "7",
		"word", "Word", "WORD", "www", "http", "etc", "Mr", "e.g", "U.S", "am", "n't", "'s", "'re",
		"'S", "'ve", "'ll", "'d", "'m", "T", "n\xe2\x80\x99t", "\xe2\x80\x99s", "\xe2\x80\x99S",
		"\xe2\x80\x99re", "\xe2\x80\x99ve", "\xe2\x80\x99ll", "\xe2\x80\x99" "d", "\xe2\x80\x99m",
		".", ".", ".", "...", "....", ",", ";", ":", "!", "?", "'", "\"", "`", "(", ")", "[", "]",
		"{", "}", "<", ">", "*", "&", "#", "_", "$", "%", "=", "+", "~", "|", "\\", "^", "-", "/",
		"@", "://", "1.2.3.4", "142.42.1.", "10.1.1.", "\t", "\n", "\r\n", "\x1c", "\x01", "\xc2\xa0", "\xc2\x85", "\xe1\x9a\x80",
		"\xe2\x80\x83", "\xe2\x80\xa8", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xe2\x80\x8b",
		"\xe1\x80\x80", "\xe3\x81\x82", "\xe2\x80\x99", "\xe2\x80\xa6", "\xe2\x80\x94", "\xc3\xa9", "\xe2\x82\xac", "\xc2\xbf",
	};
	random_texts(atoms, sizeof(atoms) / sizeof(atoms[0]), 88172645463325252ull, 24, 7);
}

/* Random chunks of words in other scripts: capitals and small letters
 * (for the '.' after a word), marks, digits and symbols that are not
 * punctuation (some in datatrove's punctuation set), characters above
 * pytext's table and above U+FFFF, and the few outside punctuation and
 * symbols that datatrove's punctuation set holds, next to ASCII and the
 * splitter's punctuation; for the fast paths and the code point facts. */
static void random_unicode_chunks(void)
{
	static const char *const atoms[] = {
		"a", "Z", "w", "www", "7", "word", "WORD", ".", ".", "...", ",", "-", "'", "(", ")", "\"",
		"\xc3\x89" /* É */, "\xc3\xa9" /* é */, "\xd0\x96" /* Ж */, "\xd0\xb6" /* ж */,
		"\xc7\x85" /* ǅ */, "\xc2\xb1" /* ± */, "\xc3\x97" /* × */, "\xc2\xa8" /* ¨ */,
		"\xcb\x9c" /* ˜ */, "\xcc\x81" /* combining acute */, "\xc2\xb2" /* ² */,
		"\xd9\xa1" /* Arabic one */, "\xe4\xb8\xad" /* 中 */, "\xea\xb0\x80" /* 가 */,
		"\xf0\x9d\x90\x80" /* mathematical A */, "\xf0\x9f\x98\x80" /* emoji */,
		"\xe2\x80\x99" /* ’ */, "\xe2\x80\x94" /* — */, "\xc2\xab" /* « */, "\xe2\x82\xac" /* € */,
		"\xe0\xb8\x81" /* Thai */, "\xe0\xb8\xb4" /* Thai vowel mark */, "\xef\xbc\x8e" /* fullwidth . */,
		/* in datatrove's punctuation set, but not punctuation or symbols */
		"\xc2\xb4" /* acute accent */, "\xc2\x81" /* C1 control */, "\xe2\x88\xb6" /* ratio */,
		"\xef\xbc\x91" /* fullwidth 1 */, "\xef\xbd\x9e" /* fullwidth tilde */,
		/* spaCy's classes, not Unicode's: letters it leaves out (Serbian, Thai
		 * above), uncased ones it takes as both cases (kana, Arabic), an
		 * emoji newer than its icon list and one in it, "|" and a quote
		 * (before a '.') */
		"\xd1\x92" /* ђ */, "\xd0\x82" /* Ђ */, "\xe3\x82\xab" /* カ */, "\xd9\x83" /* ك */,
		"\xf0\x9f\x9f\xa2" /* 🟢 */, "\xf0\x9f\x94\xb4" /* 🔴 */, "|", "\xe2\x80\x9d" /* ” */,
	};
	random_texts(atoms, sizeof(atoms) / sizeof(atoms[0]), 0x853c49e6748fea9bull, 16, 6);
}

/* Random chunks of spaCy's special cases and units and pieces of them,
 * among affixes, for the gate (special_near) in front of the fast paths. */
static void random_special_chunks(void)
{
	static const char *const atoms[] = {
		"dont", "Im", "cannot", "it", "It", "he", "we", "ll", "d", "s", "'s", "n't", "'", "\xe2\x80\x99",
		"1", "4", "7", "12", "pm", "am", "a.m.", "km", "kg", "m", "MB", "K", "\xc2\xb2", "\xd0\xba\xd0\xbc",
		"8", "D", "x", "o", "O", "3", "<", ":", ";", ")", "(", "=", "-", "_", "^", ".", ",", "!", "?", "/",
		"Jan", "Inc", "vs", "e.g", "ma", "c'm", "em", "cause", "nothin", "clock", "y", "all", "and", "or",
		"w", "C", "+", "$", "US", "\xc2\xb0", "\xe2\x80\xa6", "\xc3\xa9", "\xe2\x82\xac",
	};
	random_texts(atoms, sizeof(atoms) / sizeof(atoms[0]), 0x2545f4914f6cdd1dull, 16, 5);
}

/* same_split() on a copy of s in a block of exactly n bytes, so that the
 * address sanitizer sees a read past the text. */
static void same_split_exact(const char *s, size_t n)
{
	char *t = malloc(n ? n : 1);
	CHECK(t != NULL);
	if (!t)
		return;
	memcpy(t, s, n);
	same_split(t, n);
	free(t);
}

/* Chunks at the edges of the fast paths: runs of letters and digits with
 * one character between each two (separators that are infixes or not by
 * their neighbours, contractions, a final '.' or suffix, abbreviations,
 * URLs), 15 to 17 bytes long, a word and a '.' (capitals before it), each
 * alone, at the end of the text and across 64-byte blocks. */
static void edge_chunks(void)
{
	static const char *const chunks[] = {
		"in-stream", "a-1", "1-a", "1-2", "1-2-3", "a~b", "1~a", "1~2", "a,b", "1,2", "a,1", "a:b", "1:a",
		"1:2", "12:30:45", "a/b", "1/a", "1/2/2019", "a+b", "1+2", "1*2", "a*b", "1^2", "a^b", "a.B", "A.b",
		"a.b", "3.0", "1.2.3", "a<b", "a>b", "a=b", "1=2", "a_b", "a[b", "a(b", "a\\b", "a|b", "a$b",
		"a%b", "a&b", "a#b", "a;b", "a!b", "a?b", "a`b", "a\"b", "a{b", "a}b", "a\x01" "b",
		"Chief's", "it'S", "I'm", "I'd", "we've", "we're", "we'll", "don't", "can't", "n't", "9n't", "a'n't",
		"9's", "a'b", "a'bc", "a'x's", "rock'n'roll", "o'clock", "x-'s", "it's.", "it's,", "don't.", "L'Oreal",
		"e.g.", "i.e.", "u.S.", "U.S.", "a.m.", "A.M.", "p.m.", "a.b.", "3.0.", "1-2.", "a-b.", "A-B.",
		"AB-CD.", "A-bC.", "a-B.", "x-y,", "x-y:", "x-y)", "x-y\"", "x-y'", "x-y%", "x-y-", "x-y/", "x-y@",
		"a-b..", "a-b...", "a.b.c.", "Mr.", "mr.", "H.", "HE.", "h.", "9.", "www.", "WWW.", "ww.", "www.a-b",
		"WwW.x-y", "www-a", "a@b.c", "a@b", "mailto:a", "http://a", "a:/b", "a::b", "a--b", "a-.b",
		/* dotted IPv4 addresses, URLs with a path or port (or not) */
		"1.2.3.4/a", "1.2.3.4/a.", "1.2.3.4", "1.2.3.4:80/a", "9.9.9.9/a-b", "10.1.1.1/a", "172.15.0.1/x",
		"172.16.0.1/x", "1.02.3.4/a", "1.2.3.04/a", "01.2.3.4/a", "1.2.3.4.5/a", "a@1.2.3.4/b", "1.2.3/a",
		"223.1.1.254/a", "224.1.1.1/a", "1.1.1.255/a", "1.256.1.1/a", "1.255.1.1/a", "1.2.3.4?a", "1.2.3.4#a",
		"abcdefghijklm-no", "abcdefghijklmn-o", "abcdefghijklmno-p", "abcdefghijklmn-o.",
		"abcdefghijklm'sx", "abcdefghijklmn's", "abcdefghijklm-n't", "abcdefghijkl-n't.",
		"\xc3\x89" "A.", "\xc3\xa9" "A.", "\xc3\x89\xc3\x89.", "AB\xc3\x89.", "\xc3\xa9.", "\xc3\x89.",
		"a\xe2\x80\x99s", "a-\xc3\xa9", "\xc3\xa9-a",
		/* words joined by U+2019, and a word and a '.' that stays */
		"l\xe2\x80\x99" "aventure", "d\xe2\x80\x99H\xc3\xa9siode", "l\xe2\x80\x99" "Antarctique,",
		"don\xe2\x80\x99t", "don\xe2\x80\x99t.", "it\xe2\x80\x99s.", "I\xe2\x80\x99m", "we\xe2\x80\x99re",
		"we\xe2\x80\x99ve!", "x\xe2\x80\x99s\xe2\x80\x99s", "x\xe2\x80\x99S\xe2\x80\x99ll", "9\xe2\x80\x99s",
		"a\xe2\x80\x99n\xe2\x80\x99t", "a\xe2\x80\x99", "a\xe2\x80\x99\xe2\x80\x99" "b", "a\xe2\x80\x99" "b'",
		"a\xe2\x80\x99" "b's", "a\xe2\x80\x99" "b.", "a\xe2\x80\x99" "b..", "A\xe2\x80\x99" "BC.", "A\xe2\x80\x99" "B.",
		"\xc3\x89\xe2\x80\x99" "A.", "a\xe2\x80\x99\xc3\x89" "A.", "a\xe2\x80\x99\xc3\xa9.", "a\xe2\x80\x99" "b:",
		"a\xe2\x80\x99" "b)", "a\xe2\x80\x99" "b\xe2\x82\xac", "a\xe2\x80\x99-b", "a\xe2\x80\x99" "b\xe2\x80\x99",
		"\xe2\x80\x99" "a", "(a\xe2\x80\x99" "b", "a\xe2\x80\x99\xea\xb0\x80", "\xea\xb0\x80\xe2\x80\x99s",
		"\xea\xb0\x80.", "J.", "etc.", "Etc.", "\xc4\x8c" "R.", "\xc4\x8c\xc3\x89.", "a\xc3\x89.", "(J.", "J.)", "wxyz.",
		"ww\xe2\x80\x99" "a.", "www\xe2\x80\x99s",
		/* spaCy's special cases and unit suffixes, alone and among affixes */
		"dont", "Dont.", "(dont)", "dont,", "dont's", "cannot.", "Cannot", "CANNOT", "Im", "im!", "4pm",
		"4pm.", "(4pm)", "12a.m.", "13pm", "5km", "5km,", "5km.", "(5km)", "100MB", "5m/s", "5m\xc2\xb2",
		"5\xd0\xba\xd0\xbc", "5\xd0\xba\xd0\xbc,", "5$", "US$5", "5US$", "C$1", "A$b", "A$", "US$", "USA$5", "(C$5),", "+5", "5+", "++5", "C++",
		":)", "(8)", "8)", "(:", "):", "<3", "<3km", "xD", "xD.", "o.O", "0.0", "0.0.", "e.g.,", "(e.g.)",
		"Jan.", "(Jan.)", "jan.", "'em", "'em,", "\xe2\x80\x99" "em", "it's.", "IT'S", "DON'T", "1990's",
		"John'll", "x.y.", "3.5.", "ma'am.", "o'clock", "y'all", "and/or", "w/o,", "\xc2\xb0" "C.", "25\xc2\xb0" "C.",
		"foo-bar.com", "(http://x.com)", "example.com/a-b", "a-b.c", "x.Y-z", "www.x-y.com:80/a-b,",
		"user@mail.com.", "a-b.com.", "e-mail.", "x.co.uk/a,b", "a.bc-d", "a.b-c", "1.5-x.org",
		"dont\xe2\x80\x99s", "7m\xe2\x80\x99s", "ZWord\xe2\x80\x99S\xe2\x80\x99S", "d\xe2\x80\x99\xe2\x80\x99S",
		/* words with other letters over 16-byte windows (hi_word) */
		"\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6", "\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6" "a", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6.", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6,", "\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6" "ab", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6" "b", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6" "b)",
		"a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xe2\x82\xac", "a\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xe4\xb8\xad\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6", "\xf0\x9d\x90\x80\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xf0\x9d\x90\x80",
		"\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xe2\x80\x94" "b", "7\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6\xd0\xb6",
	};
	char b[256];
	size_t k, pre;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		size_t len = strlen(chunks[k]);
		for (pre = 0; pre < 64; pre += pre < 2 || pre >= 44 ? 1 : 14) {
			memset(b, ' ', pre);
			memcpy(b + pre, chunks[k], len);
			same_split_exact(b, pre + len);
			b[pre + len] = ' ';
			b[pre + len + 1] = 'x';
			same_split_exact(b, pre + len + 2);
		}
	}
}

/* All of the file at path (decompressed) appended to all. */
static void read_all(const char *path, struct buf *all)
{
	char chunk[65536];
	struct instream *in = NULL;
	ssize_t got;

	CHECK_INT(instream_open(&in, path), 0);
	while (in && (got = instream_read(in, chunk, sizeof(chunk), NULL)) > 0)
		buf_add(all, chunk, (size_t)got);
	instream_free(in);
}

static void jsonl_texts(const char *rel)
{
	char path[4096];
	struct buf all = BUF_INIT;
	struct doc d;
	size_t pos = 0, docs = 0;

	read_all(data(rel, path, sizeof(path)), &all);
	doc_init(&d);
	while (pos < all.len) {
		const char *nl = memchr(all.ptr + pos, '\n', all.len - pos), *text;
		size_t end = nl ? (size_t)(nl - all.ptr) : all.len, tn;
		struct json_err e;

		if (doc_parse(&d, all.ptr + pos, end - pos, (size_t)1 << 24, 0, &e) == 0 &&
		    doc_text(&d, &text, &tn) == 0) {
			same_split(text, tn);
			docs++;
		}
		pos = end + 1;
	}
	CHECK(docs >= 10);
	doc_release(&d);
	buf_release(&all);
}

static void udhr_texts(void)
{
	char dir[4096], path[8192], chunk[65536];
	DIR *dp = opendir(data("langid/udhr_txt", dir, sizeof(dir)));
	struct dirent *de;
	size_t files = 0;

	CHECK(dp != NULL);
	while (dp && (de = readdir(dp))) {
		FILE *f;
		struct buf b = BUF_INIT;
		size_t got;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, got);
		fclose(f);
		same_split(b.ptr ? b.ptr : "", b.len);
		buf_release(&b);
		files++;
	}
	if (dp)
		closedir(dp);
	CHECK(files > 300);
}

/* spaCy's icons (words_classes.h): each one a punctuation mark or symbol
 * to pytext's tables too, and, first and last of each range, split off
 * between two letters ("x💙y" -> "x" "💙" "y"); and its units. */
static void icon_ranges(void)
{
	size_t k, bad = 0;
	for (k = 0; k < sizeof(words_icon) / sizeof(words_icon[0]); k++) {
		uint32_t c, ends[2] = { words_icon[k].lo, words_icon[k].hi };
		int e;
		for (c = words_icon[k].lo; c <= words_icon[k].hi; c++)
			bad += !pt_is_punct_or_symbol(c);
		for (e = 0; e < 2; e++) {
			char t[8] = "x";
			size_t n = 1 + utf8_encode(ends[e], t + 1);
			struct pt_spans sp = { 0 };
			t[n++] = 'y';
			CHECK(words_split(t, n, &sp) == 0);
			CHECK(sp.n == 3 && sp.v[1].off == 1 && sp.v[1].len == n - 2);
			free(sp.v);
		}
	}
	CHECK(bad == 0);
	/* unit_at() looks for the last digit only: no unit holds one */
	for (k = 0; words_units[k]; k++)
		CHECK(strpbrk(words_units[k], "0123456789") == NULL);
}

/* spaCy's own tokens and C4 sentence counts (the sentences of each
 * stripped line) for 1,500 random texts of the pieces its rules look at:
 * tests/data/spacy-words/random.jsonl.gz, written by bench/spacy_words.py
 * --write-golden from spaCy 3.8.15's rule data (its field "spacy": the
 * sentences, then each token's byte offset and length).  The splitter
 * equal to spaCy's, token for token. */
static void spacy_golden(void)
{
	const char *root = getenv("SLUICE_SOURCE_ROOT"); /* set by meson test */
	char path[4096];
	struct buf all = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct pt_spans w = { 0 }, lines = { 0 }, lw = { 0 };
	struct doc d;
	size_t pos = 0, docs = 0, bad = 0, k;

	snprintf(path, sizeof(path), "%s/tests/data/spacy-words/random.jsonl.gz", root ? root : ".");
	read_all(path, &all);
	doc_init(&d);
	while (pos < all.len) {
		const char *nl = memchr(all.ptr + pos, '\n', all.len - pos), *text;
		size_t end = nl ? (size_t)(nl - all.ptr) : all.len, tn, nsent = 0;
		struct json_err e;

		buf_reset(&want);
		if (doc_parse(&d, all.ptr + pos, end - pos, (size_t)1 << 24, 0, &e) == 0 &&
		    doc_text(&d, &text, &tn) == 0 && doc_get_str(&d, "spacy", &want) == 1) {
			w.n = lines.n = 0;
			CHECK(words_split(text, tn, &w) == 0 && pt_splitlines(text, tn, &lines) == 0);
			for (k = 0; k < lines.n; k++) {
				size_t off, len;
				pt_strip(text + lines.v[k].off, lines.v[k].len, &off, &len);
				lw.n = 0;
				CHECK(words_split(text + lines.v[k].off + off, len, &lw) == 0);
				nsent += words_count_sentences(text + lines.v[k].off + off, lw.v, lw.n);
			}
			buf_reset(&got);
			buf_addf(&got, "%zu", nsent);
			for (k = 0; k < w.n; k++)
				buf_addf(&got, " %zu,%zu", w.v[k].off, w.v[k].len);
			if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len) != 0) {
				if (bad++ < 5) {
					fputs("  spaCy's split differs in ", stderr);
					check_print_(text, tn);
					fprintf(stderr, "\n    spaCy  %.*s\n    sluice %.*s\n", (int)want.len, want.ptr,
						(int)got.len, got.ptr);
				}
			}
			docs++;
		}
		pos = end + 1;
	}
	CHECK_INT(docs, 1500);
	CHECK_INT(bad, 0);
	doc_release(&d);
	buf_release(&all);
	buf_release(&want);
	buf_release(&got);
	pt_spans_release(&w);
	pt_spans_release(&lines);
	pt_spans_release(&lw);
}

int main(void)
{
	icon_ranges();
	spacy_golden();
	random_chunks();
	random_unicode_chunks();
	random_special_chunks();
	edge_chunks();
	jsonl_texts("jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz");
	jsonl_texts("jsonl/dolma-cc_en_head-0091.jsonl.gz");
	jsonl_texts("jsonl/dolma-provided-documents-000.json.gz");
	udhr_texts();
	/* many tokens come with their facts (43% here: UDHR's scripts and the
	 * random chunks bring the share down) */
	CHECK(tokens_plain * 3 > tokens_seen);
	/* and many of the others (22% here) with their code points */
	fprintf(stderr, "code point facts: %ld of %ld tokens\n", cp_known, cp_seen);
	CHECK(cp_known * 5 > cp_seen);
	return check_done();
}
