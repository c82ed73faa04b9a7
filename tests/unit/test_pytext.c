/* test_pytext.c - Python str semantics and the word splitter, with the
 * expected values computed by CPython 3 (str.splitlines/split/isalpha/lower). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "check.h"
#include "pytext.h"
#include "utf8.h"
#include "words.h"

/* text: unit n times; all: want n times. */
static void repeat(char *text, const char *unit, char *all, const char *want, int n)
{
	text[0] = all[0] = 0;
	while (n-- > 0) {
		strcat(text, unit);
		strcat(all, want);
	}
}

static void join(const char *s, const struct pt_spans *sp, char *out)
{
	size_t k;
	out[0] = 0;
	for (k = 0; k < sp->n; k++) {
		strncat(out, s + sp->v[k].off, sp->v[k].len);
		strcat(out, "|");
	}
}

/* str.splitlines() one code point at a time against pt_splitlines, on
 * 5000 random strings of the atoms. */
static void splitlines_check(const char *const *atoms, size_t natoms, unsigned long long x)
{
	char str[1024];
	int t, bad = 0;
	for (t = 0; t < 5000; t++) {
		struct pt_spans got = { 0 };
		size_t n, i = 0, start = 0, k;
		n = check_atoms(str, 0, sizeof(str), atoms, natoms, (int)(check_rand(&x) % 40), &x);
		CHECK(pt_splitlines(str, n, &got) == 0);
		k = 0;
		while (i < n) {
			size_t j = i;
			uint32_t c = pt_next(str, n, &j);
			if (pt_islinebreak(c)) {
				bad |= k >= got.n || got.v[k].off != start || got.v[k].len != i - start;
				k++;
				if (c == '\r' && j < n && str[j] == '\n')
					j++;
				start = j;
			}
			i = j;
		}
		if (start < n) {
			bad |= k >= got.n || got.v[k].off != start || got.v[k].len != n - start;
			k++;
		}
		bad |= k != got.n;
		pt_spans_release(&got);
	}
	CHECK(!bad);
}

/* Breaks falling at every offset of the fast scanner's 16-byte blocks. */
static void splitlines_random(void)
{
	static const char *const atoms[] = { "a", "bcdefgh", "0123456789abcdefghij", " ", "\n", "\r", "\r\n",
		"\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\t", "\x01", "\x7f", "\xc2\x85", "\xc2\xa0",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xc3\xa9", "\xf0\x9f\x98\x80" };
	splitlines_check(atoms, sizeof(atoms) / sizeof(atoms[0]), 0x9e3779b97f4a7c15ull);
}

/* The same over the other characters that begin with the lead bytes of
 * U+0085 and U+2028/9 (0xc2, 0xe2), which the scanner stops at and must
 * pass over, between letters of every UTF-8 length. */
static void splitlines_random_leads(void)
{
	static const char *const atoms[] = { "a", "xyz", "0123456789abcdefghijklmnopq", " ", "\n", "\r",
		"\r\n", "\x0b", "\x1e", "\x1f", "\xc2\x85", "\xc2\x84", "\xc2\x86", "\xc2\xa0", "\xc2\xbf",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xa7", "\xe2\x80\xaa", "\xe2\x80\x99",
		"\xe2\x81\xa8", "\xe2\x82\xac", "\xe3\x80\x80", "\xd0\xb6", "\xed\x95\x9c",
		"\xf0\x9f\x98\x80" };
	splitlines_check(atoms, sizeof(atoms) / sizeof(atoms[0]), 0x2545f4914f6cdd1dull);
}

/* pt_len (16 bytes at a time, counters summed every 255 blocks) against a
 * count one byte at a time, on random strings up to 9000 bytes long. */
static void len_random(void)
{
	static const char *const atoms[] = { "a", "0123456789abcdef", " ", "\n", "\xc3\xa9", "\xd0\xb6",
		"\xe2\x80\x99", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\x7f", "\x01" };
	static char str[9100];
	unsigned long long x = 0x5851f42d4c957f2dull;
	int t, bad = 0;
	for (t = 0; t < 400; t++) {
		size_t n = check_atoms(str, 0, 9000, atoms, sizeof(atoms) / sizeof(atoms[0]),
				       (int)(check_rand(&x) % 2000), &x), i, want = 0, off = check_rand(&x) % 16;
		if (off > n)
			off = n;
		for (i = off; i < n; i++)
			want += ((unsigned char)str[i] & 0xc0) != 0x80;
		bad |= pt_len(str + off, n - off) != want;
	}
	CHECK(!bad);
	CHECK_INT(pt_len("", 0), 0);
	memset(str, 'a', 9000); /* every counter at its most */
	CHECK_INT(pt_len(str, 9000), 9000);
}

/* pt_lower_is_ascii_fold against pt_lower itself, for every code point
 * (between ASCII capitals, to pass the 8-byte stride too). */
static void ascii_fold_all(void)
{
	struct buf low = BUF_INIT;
	uint32_t c;
	int bad = 0;
	CHECK(pt_lower_is_ascii_fold("Plain ASCII, Capitals Too.", 26));
	for (c = 0x80; c < 0x110000; c++) {
		char s[32];
		size_t n = 0, k, enc;
		int want;
		if (c >= 0xd800 && c < 0xe000)
			continue;
		memcpy(s, "ABCDEFGHIJ", 10);
		n = 10;
		enc = utf8_encode(c, s + n);
		n += enc;
		memcpy(s + n, "XY", 2);
		n += 2;
		buf_reset(&low);
		if (pt_lower(&low, s, n))
			break;
		/* the fold's answer: lowering changed nothing but the capitals */
		want = low.len == n;
		for (k = 0; want && k < n; k++) {
			char f = (unsigned)(s[k] - 'A') < 26u ? (char)(s[k] | 0x20) : s[k];
			want = low.ptr[k] == f;
		}
		bad |= pt_lower_is_ascii_fold(s, n) != want;
	}
	CHECK(!bad);
	buf_release(&low);
}

/* pt_lower of every code point, between ASCII runs of every length from 0
 * to 19 (so that it falls at every place of a 16-byte block and the runs
 * take both the 16-byte and the byte-wise paths), against utf8proc's
 * tolower, encoded, and Python's "İ" -> "i̇". */
static void lower_all(void)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{";
	struct buf low = BUF_INIT;
	uint32_t c;
	int bad = 0;
	for (c = 0x80; c < 0x110000 && !bad; c++) {
		char s[64], want[64];
		size_t n, m, pre = c % 20, post = 30 - pre, k;
		if (c >= 0xd800 && c < 0xe000)
			continue;
		memcpy(s, abc, pre);
		n = pre + utf8_encode(c, s + pre);
		memcpy(s + n, abc + pre, post);
		n += post;
		for (m = 0; m < pre; m++)
			want[m] = (unsigned)(abc[m] - 'A') < 26u ? (char)(abc[m] | 0x20) : abc[m];
		if (c == 0x130) {
			memcpy(want + m, "i\xcc\x87", 3);
			m += 3;
		} else {
			m += utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)c), want + m);
		}
		for (k = pre; k < pre + post; k++)
			want[m++] = (unsigned)(abc[k] - 'A') < 26u ? (char)(abc[k] | 0x20) : abc[k];
		buf_reset(&low);
		if (pt_lower(&low, s, n) || low.len != m || memcmp(low.ptr, want, m)) {
			fprintf(stderr, "pt_lower: U+%04X after %zu bytes\n", (unsigned)c, pre);
			bad = 1;
		}
	}
	CHECK(!bad);
	buf_release(&low);
}

int main(void)
{
	static const struct { const char *in, *want; } lines[] = {
		{ "", "" },
		{ "a", "a|" },
		{ "a\n", "a|" },
		{ "a\n\nb", "a||b|" },
		{ "a\r\nb\rc", "a|b|c|" },
		{ "a\x0b" "b\x0c" "c\x1c" "d\x1d" "e\x1e" "f", "a|b|c|d|e|f|" },
		{ "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d", "a|b|c|d|" },
		{ "a\x1f" "b\tc", "a\x1f" "b\tc|" },      /* \x1f and \t are not line breaks */
		{ "\n\n", "||" },
		{ "a\r\n\r\n", "a||" },
	};
	static const struct { const char *in, *want; } split[] = {
		{ "  a  b\t\nc ", "a|b|c|" },
		{ "a\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\x83" "d", "a|b|c|d|" }, /* NBSP, ideographic, em space */
		{ "a\x1f" "b\x1c" "c", "a|b|c|" },                            /* \x1c-\x1f are whitespace */
		{ "a\xe2\x80\x8b" "b", "a\xe2\x80\x8b" "b|" },                /* ZWSP is not */
		{ "", "" },
	};
	static const struct { const char *in, *want; } words[] = {
		{ "Hello, world!", "Hello|,|world|!|" },
		{ "The end. Next one", "The|end|.|Next|one|" },
		{ "(see \"this\")", "(|see|\"|this|\"|)|" },
		{ "don't can't it's", "do|n't|ca|n't|it|'s|" },
		{ "well-known e.g. Mr. Smith", "well|-|known|e.g.|Mr.|Smith|" },
		{ "Visit https://example.com/a-b. Now", "Visit|https://example.com/a-b|.|Now|" },
		{ "wait... what?!", "wait|...|what|?|!|" },
		{ "# hash #tag $5 50%", "#|hash|#|tag|$|5|50|%|" },
		{ "U.S. 2019. USA.", "U.S.|2019|.|USA|.|" },
		{ "a/b x,y 3-4", "a|/|b|x|,|y|3|-|4|" },
		/* abbreviations: spaCy's special cases only, in their case; a '.'
		 * after a small letter or a digit comes off the rest */
		{ "mr. mrs. ms. dr. st. jr. sr. vs. etc. inc. ltd. co. corp. jan. feb. mar. apr. jun. jul. aug. "
		  "sep. sept. oct. nov. dec. mt. no. prof. gen. gov. sen. rep. rev. e.g. i.e. a.m. p.m. u.s. u.k.",
		  "mr|.|mrs|.|ms|.|dr|.|st|.|jr|.|sr|.|vs.|etc|.|inc|.|ltd|.|co.|corp|.|jan|.|feb|.|mar|.|apr|.|"
		  "jun|.|jul|.|aug|.|sep|.|sept|.|oct|.|nov|.|dec|.|mt|.|no|.|prof|.|gen|.|gov|.|sen|.|rep|.|rev|.|"
		  "e.g.|i.e.|a.m.|p.m.|u.s|.|u.k|.|" },
		{ "Mr. Mrs. Dr. St. Jr. Inc. Ltd. Co. Corp. Jan. Sept. Mt. Prof. Ph.D. N.Y. D.C. Calif. Wash.",
		  "Mr.|Mrs.|Dr.|St.|Jr.|Inc.|Ltd.|Co.|Corp.|Jan.|Sept.|Mt.|Prof.|Ph.D.|N.Y.|D.C.|Calif.|Wash.|" },
		{ "MR. Mrs. ETC. Sept. CORP. e.G. u.K. Mx. Bc. xyz. Dez. ab.",
		  "MR|.|Mrs.|ETC|.|Sept.|CORP|.|e.|G.|u.|K.|Mx|.|Bc|.|xyz|.|Dez|.|ab|.|" },
		/* spaCy's own English tokenizer tests (spacy/tests/lang/en) */
		{ "i said don't! `ain't \"isn't can't! Robin's Alexis's schools' Alexis'",
		  "i|said|do|n't|!|`|ai|n't|\"|is|n't|ca|n't|!|Robin|'s|Alexis|'s|schools|'|Alexis|'|" },
		{ "'em nothin' ol' we'll You'll there'll this'll those'll Ill ill Hell hell Well well",
		  "'em|nothin'|ol'|we|'ll|You|'ll|there|'ll|this|'ll|those|'ll|Ill|ill|Hell|hell|Well|well|" },
		{ "We've `We've couldn't couldn't) e.g. p.m. Jan. Dec. Inc. It's mediocre i.e. bad.",
		  "We|'ve|`|We|'ve|could|n't|could|n't|)|e.g.|p.m.|Jan.|Dec.|Inc.|It|'s|mediocre|i.e.|bad|.|" },
		{ "1am 12a.m. 11p.m. 4pm I'm shan't 'cause (can) (can't?) us. (U.S.?) best-known 0.1-13.5",
		  "1|am|12|a.m.|11|p.m.|4|pm|I|'m|sha|n't|'cause|(|can|)|(|ca|n't|?|)|us|.|(|U.S.|?|)|best|-|known|"
		  "0.1|-|13.5|" },
		{ "best.Known Hello,world best...known _MATH_. Today is Tuesday.Mr. No decent--let well-bred--people.",
		  "best|.|Known|Hello|,|world|best|...|known|_|MATH|_|.|Today|is|Tuesday|.|Mr.|No|decent|--|let|well|"
		  "-|bred|--|people|.|" },
		{ ":o :/ :'( >:o (: :) >.< XD -__- o.O ;D :-) @_@ :P 8D :1 >:( :D =| :> .... 108) XDN",
		  ":o|:/|:'(|>:o|(:|:)|>.<|XD|-__-|o.O|;D|:-)|@_@|:P|8D|:1|>:(|:D|=||:>|....|108|)|XDN|" },
		{ "dunk?\xf0\x9f\x8d\x95\xf0\x9f\x8d\x94LOL i\xf0\x9f\x92\x99you \xc2\xb0" "C. \xc2\xb0" "f.",
		  "dunk?|\xf0\x9f\x8d\x95|\xf0\x9f\x8d\x94|LOL|i|\xf0\x9f\x92\x99|you|\xc2\xb0|C|.|\xc2\xb0|f|.|" },
		/* contractions only as special cases; typographic apostrophes too */
		{ "dont Dont DONT DON'T cannot gonna gotta Im id hes whos thats its Its were wont won't "
		  "y'all c'mon ma'am how'd'y don\xe2\x80\x99t I\xe2\x80\x99m John'll 1990's",
		  "do|nt|Do|nt|DONT|DON'T|can|not|gon|na|got|ta|I|m|i|d|he|s|who|s|that|s|its|Its|were|wo|nt|wo|"
		  "n't|y'|all|c'm|on|ma'am|how|'d|'y|do|n\xe2\x80\x99t|I|\xe2\x80\x99m|John'll|1990|'s|" },
		/* special cases after prefixes and before suffixes; spaCy's matcher
		 * after infixes ("Note:D", "(optional):") */
		{ "(dont) (8) 8). (Jan.) e.g., 'em, Note:D (optional): a-o.O",
		  "(|do|nt|)|(|8)|8)|.|(|Jan.|)|e.g.|,|'em|,|Note|:D|(|optional|):|a|-|o.O|" },
		/* a number and a unit or currency, "+" after a number, not before */
		{ "5km 100MB, 6oz 5m\xc2\xb2 5m/s 12\xd0\xba\xd0\xbc 5$ 5US$ 10+ +5 ++5 13pm 1st 3D",
		  "5|km|100|MB|,|6|oz|5|m\xc2\xb2|5|m/s|12|\xd0\xba\xd0\xbc|5|$|5|US$|10|+|+5|+|+5|13pm|1st|3D|" },
		/* spaCy's affix characters only: not "|" "~" "\\" "^" "•" "±", "%" and
		 * currencies only after a number, "´" "～" as quotes and punctuation,
		 * "." after "²" */
		{ "|x x| ~x \\x ^x x\xe2\x80\xa2 \xc2\xb1" "5 abc% 5% abc\xe2\x82\xac \xe2\x82\xac" "5 5\xe2\x82\xac "
		  "a\xc2\xb4. Z\xef\xbd\x9e. 5m\xc2\xb2.",
		  "|x|x||~x|\\x|^x|x\xe2\x80\xa2|\xc2\xb1" "5|abc%|5|%|abc\xe2\x82\xac|\xe2\x82\xac|5|5|\xe2\x82\xac|"
		  "a|\xc2\xb4|.|Z|\xef\xbd\x9e|.|5|m\xc2\xb2|.|" },
		/* the currency prefixes of letters and "$" */
		{ "US$5 (C$10) A$3.5 USA$5", "US$|5|(|C$|10|)|A$|3.5|USA$5|" },
		/* spaCy's URL pattern: the rest after affixes stays whole when it is
		 * one (a top-level domain of two small letters or more) */
		{ "(http://x.com) 'http://x.com/a_' foo-bar.com example.com/a-b www.example.com:8080/x-y "
		  "user@mail.com. mailto:x@y.org https://a.b/c a-b.c http://localhost/a-b x.Y-z",
		  "(|http://x.com|)|'|http://x.com/a|_|'|foo-bar.com|example.com/a-b|www.example.com:8080/x-y|"
		  "user@mail.com|.|mailto:x@y.org|https://a.b|/|c|a|-|b.c|http://localhost|/|a|-|b|x.|Y|-|z|" },
		/* its dotted IPv4 addresses (spaCy's should-match and should-not-match
		 * tests: "http://142.42.1.1:8080/", "http://223.255.255.254",
		 * "http://10.1.1.1", "http://224.1.1.1", "http://1.1.1.1.1"), and
		 * its private ranges, each with a path that infixes would split */
		{ "http://142.42.1.1:8080/a-b 223.255.255.254/x-y (1.2.3.4/a). http://10.1.1.1/a-b "
		  "http://224.1.1.1/a-b 1.1.1.1.1/a 192.168.0.1/a 172.31.0.1/a 172.32.0.1/a 1.2.3.0/a 1.2.3/a "
		  "user.name@1.2.3.4/x-y",
		  "http://142.42.1.1:8080/a-b|223.255.255.254/x-y|(|1.2.3.4/a|)|.|http://10.1.1.1|/|a|-|b|"
		  "http://224.1.1.1|/|a|-|b|1.1.1.1.1|/|a|192.168.0.1|/|a|172.31.0.1|/|a|172.32.0.1/a|1.2.3.0|/|a|"
		  "1.2.3|/|a|user.name@1.2.3.4/x-y|" },
		/* spaCy's own character classes (char_classes.py), not Unicode's:
		 * its "uncased" scripts (Arabic, CJK, Devanagari, kana, Ethiopic) are
		 * lowercase and uppercase at once, so a '.' after them or between them
		 * comes off; Thai and Serbian letters are not letters to it (no
		 * hyphen infix, the '.' stays); an emoji newer than its icon list is
		 * not an icon; a quote before a '.' and an uppercase letter (the
		 * infix), "|" before a final '.' (the class holds PUNCT's "|") */
		{ "\xd9\x83\xd9\x84\xd9\x85\xd8\xa9. \xe4\xb8\xad\xe6\x96\x87. \xe4\xb8\xad.\xe4\xb8\xad "
		  "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\x80. \xe3\x82\xab\xe3\x82\xbf. "
		  "a-\xe3\x82\xab \xe1\x88\x80-\xe1\x88\x80 \xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2-\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2 "
		  "\xd0\x82-\xd0\x82 \xd1\x92. \xce\xa9. \xce\xa9\xce\xa9. word\xf0\x9f\x9f\xa2. word\xf0\x9f\x94\xb4. "
		  "a\xe2\x80\x9d.B a|. ab.Cd",
		  "\xd9\x83\xd9\x84\xd9\x85\xd8\xa9|.|\xe4\xb8\xad\xe6\x96\x87|.|\xe4\xb8\xad|.|\xe4\xb8\xad|"
		  "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82\xe0\xa4\xa6\xe0\xa5\x80|.|\xe3\x82\xab\xe3\x82\xbf|.|"
		  "a|-|\xe3\x82\xab|\xe1\x88\x80|-|\xe1\x88\x80|\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2-\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2|"
		  "\xd0\x82-\xd0\x82|\xd1\x92.|\xce\xa9.|\xce\xa9\xce\xa9|.|word\xf0\x9f\x9f\xa2.|word|\xf0\x9f\x94\xb4|.|"
		  "a\xe2\x80\x9d|.|B|a||.|ab|.|Cd|" },
		/* ellipses of two dots or more; a '.' after digits */
		{ "mult.. a..b ..a 10.03.2016. 3.5. x.y.", "mult|..|a|..|b|..|a|10.03.2016|.|3.5|.|x.y|.|" },
		/* found by bench/spacy_words.py against spaCy's rules: dots that
		 * are all of what a prefix leaves are one suffix; "……" ends a word
		 * as one suffix (PUNCT lists it; as a prefix "…" comes first) */
		{ "\"... \xe2\x80\x9c...my (.... \"..",
		  "\"|...|\xe2\x80\x9c|...|my|(|....|\"|..|" },
		{ "bambini\xe2\x80\xa6\xe2\x80\xa6 innamorando\xe2\x80\xa6\xe2\x80\xa6. "
		  "a\xe2\x80\xa6\xe2\x80\xa6\xe2\x80\xa6 x\xe2\x80\xa6\xe2\x80\xa6)",
		  "bambini|\xe2\x80\xa6\xe2\x80\xa6|innamorando|\xe2\x80\xa6\xe2\x80\xa6|.|"
		  "a|\xe2\x80\xa6|\xe2\x80\xa6\xe2\x80\xa6|x|\xe2\x80\xa6\xe2\x80\xa6|)|" },
		/* the infixes in spaCy's order: "+-*^" between digits (and before
		 * a '-') comes before the hyphens; HYPHENS holds "——" */
		{ "1980--would 1--2 a--b a---b a----b \xe6\xa0\x91\xe2\x80\x94\xe2\x80\x94\xe8\xaf\xba "
		  "a\xe2\x80\x94\xe2\x80\x94""b a~b",
		  "1980|-|-would|1|-|-2|a|--|b|a|---|b|a----b|\xe6\xa0\x91|\xe2\x80\x94\xe2\x80\x94|\xe8\xaf\xba|"
		  "a|\xe2\x80\x94\xe2\x80\x94|b|a|~|b|" },
		/* spaCy's matcher runs across one space too: "( :" spells "(:",
		 * "- :" ... "-:" and "' '" "''", and as they come first (longer,
		 * or as long and earlier) the runs in a chunk that begin or end
		 * on their tokens are not taken; a chunk that is a special case
		 * whole is one token before the matcher runs */
		{ "x ( :)\xc2\xbfy ( -:) : -) a b' ''c ( :) [{(- :)\xc2\xbf\xc2\xb0""C.\xc2\xb7#b "
		  "[{(- :)\xc2\xbf",
		  "x|(|:|)|\xc2\xbf|y|(|-|:|)|:|-|)|a|b|'|'|'|c|(|:)|[|{|(|-|:|)|\xc2\xbf|\xc2\xb0|C.\xc2\xb7#b|"
		  "[|{|(|-|:)|\xc2\xbf|" },
		/* the suffix "(?<=°[FfCcKk])\." (a URL keeps the rest whole) */
		{ "http://x.co/a\xc2\xb0""C. x\xc2\xb0""C. \xc2\xb0""F. 5\xc2\xb0K.",
		  "http://x.co/a\xc2\xb0""C|.|x|\xc2\xb0|C|.|\xc2\xb0|F|.|5|\xc2\xb0|K|.|" },
	};
	static const struct { const char *in; size_t want; } sents[] = {
		{ "One. Two! Three? four", 4 },
		{ "No terminal here", 1 },
		{ "Wait... then stop.", 1 },
		{ "Hi!! Ok.", 2 },
		{ "", 0 },
		/* Token.is_punct is P* only: an emoji or a symbol after a
		 * terminal mark starts a sentence */
		{ "Hi! \xf0\x9f\x99\x82", 2 },
		{ "Stop. \xc2\xa9 yes", 2 },
		/* whitespace other than one space is a token to spaCy */
		{ "End.\t! Then", 3 },
		{ "Period.  ) x", 2 },
		{ "Ok.  Next", 2 },
		/* the Sentencizer's marks, not datatrove's longer list: Khmer's
		 * and Arabic's are not among them */
		{ "A\xe1\x9f\x94 B", 1 },
		{ "A\xd8\x9e B", 1 },
		{ "A\xe3\x80\x82 B", 2 },
	};
	char out[1024];
	size_t k, off, len;
	struct pt_spans sp = { 0 };
	struct buf b = BUF_INIT;

	for (k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		sp.n = 0;
		CHECK(pt_splitlines(lines[k].in, strlen(lines[k].in), &sp) == 0);
		join(lines[k].in, &sp, out);
		CHECK_STR(out, lines[k].want);
	}
	for (k = 0; k < sizeof(split) / sizeof(split[0]); k++) {
		sp.n = 0;
		CHECK(pt_split_ws(split[k].in, strlen(split[k].in), &sp) == 0);
		join(split[k].in, &sp, out);
		CHECK_STR(out, split[k].want);
	}
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		sp.n = 0;
		CHECK(words_split(words[k].in, strlen(words[k].in), &sp) == 0);
		join(words[k].in, &sp, out);
		CHECK_STR(out, words[k].want);
	}
	{
		/* runs across spaces next to 40 chunks where the matcher took
		 * runs (more than match_near's first array holds), after tokens
		 * already in sp, with the facts too */
		static const char unit[] = "x ( :)\xc2\xbfy a b' ''c ";
		static const char want[] = "x|(|:|)|\xc2\xbf|y|a|b|'|'|'|c|";
		char text[40 * sizeof(unit)], got[40 * sizeof(want)], all[40 * sizeof(want)];
		struct words_facts f = { 0 };
		size_t i;
		repeat(text, unit, all, want, 40);
		sp.n = 0;
		CHECK(pt_spans_add(&sp, 0, 1) == 0);
		CHECK(words_split_facts(text, strlen(text), &sp, &f) == 0);
		CHECK_INT(sp.n, 1 + 40 * 12);
		CHECK(sp.v[0].off == 0 && sp.v[0].len == 1); /* kept */
		got[0] = 0;
		for (i = 1; i < sp.n; i++) {
			strncat(got, text + sp.v[i].off, sp.v[i].len);
			strcat(got, "|");
			/* facts: unknown, or true */
			CHECK(f.v[i] == 0 || (sp.v[i].len == 1 && text[sp.v[i].off] == 'x') ||
			      (text[sp.v[i].off] >= 'a' && text[sp.v[i].off] <= 'z'));
		}
		CHECK_STR(got, all);
		free(f.v);
	}
	{
		/* one chunk of more than 64 tokens and 16 runs that spell
		 * patterns ("D" "." for "D.", "°" "C" "." for "°C."): the
		 * matcher's longer arrays */
		static const char unit[] = "D.\xc2\xb0""C.\xe2\x98\xad";
		static const char want[] = "D.|\xc2\xb0|C|.|\xe2\x98\xad|";
		char text[24 * sizeof(unit)], all[24 * sizeof(want)];
		repeat(text, unit, all, want, 24);
		sp.n = 0;
		CHECK(words_split(text, strlen(text), &sp) == 0);
		CHECK_INT(sp.n, 24 * 5);
		if (sp.n == 24 * 5) {
			char *got = malloc(sizeof(all));
			CHECK(got != NULL);
			if (got) {
				join(text, &sp, got);
				CHECK_STR(got, all);
				free(got);
			}
		}
	}
	for (k = 0; k < sizeof(sents) / sizeof(sents[0]); k++) {
		sp.n = 0;
		CHECK(words_split(sents[k].in, strlen(sents[k].in), &sp) == 0);
		CHECK_INT(words_count_sentences(sents[k].in, sp.v, sp.n), sents[k].want);
	}
	/* len() in code points */
	CHECK_INT(pt_len("a\xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80", 10), 4);
	/* isalpha: letters of any script, not digits, marks or symbols */
	CHECK(pt_isalpha('a') && pt_isalpha(0xe9) && pt_isalpha(0x4e2d) && pt_isalpha(0x5d0));
	CHECK(!pt_isalpha('1') && !pt_isalpha(0x301) && !pt_isalpha(0x20ac) && !pt_isalpha('_'));
	CHECK(pt_isword('_') && pt_isword(0x663) && !pt_isword('-'));
	/* strip */
	pt_strip(" \xc2\xa0x y\t\xe3\x80\x80", 10, &off, &len);
	CHECK_INT(off, 3);
	CHECK_INT(len, 3);
	/* lower(): "İ" -> "i̇", "Σ" -> "σ", Kelvin sign -> "k" */
	CHECK(pt_lower(&b, "ABC \xc4\xb0 \xce\xa3 \xe2\x84\xaa", 12) == 0);
	CHECK_STR(b.ptr, "abc i\xcc\x87 \xcf\x83 k");
	/* count: non-overlapping */
	CHECK_INT(pt_count(".....", 5, "...", 3), 1);
	CHECK_INT(pt_count("......", 6, "...", 3), 2);
	/* datatrove's sets */
	CHECK(pt_in_punctuation_set('#') && pt_in_punctuation_set(0x2026) && !pt_in_punctuation_set('a'));
	CHECK(pt_is_terminal_punct('.') && pt_is_terminal_punct(0x3002) && !pt_is_terminal_punct('"'));
	pt_spans_release(&sp);
	buf_release(&b);
	splitlines_random();
	lower_all();
	splitlines_random_leads();
	len_random();
	ascii_fold_all();
	return check_done();
}
