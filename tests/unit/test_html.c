/* test_html.c - html_extract(): tokenizer, visibility, entities, whitespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "html.h"

struct tcase {
	const char *html;
	const char *text;
	const char *title;  /* NULL: not checked */
};

/* Runs html_extract on a private heap copy of exactly len bytes, so ASan
 * and valgrind see any read past the end. */
static int extract(const char *html, size_t len, struct html_result *r)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, html, len);
	rc = html_extract(copy, len, r);
	free(copy);
	return rc;
}

static void run_table(const struct tcase *t, size_t n)
{
	struct html_result r = { BUF_INIT, BUF_INIT };
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = extract(t[i].html, strlen(t[i].html), &r);

		CHECK_INT(rc, 0);
		if (strcmp(r.text.ptr, t[i].text))
			fprintf(stderr, "case %zu: %s\n", i, t[i].html);
		CHECK_STR(r.text.ptr, t[i].text);
		if (t[i].title) {
			if (strcmp(r.title.ptr, t[i].title))
				fprintf(stderr, "case %zu (title): %s\n", i, t[i].html);
			CHECK_STR(r.title.ptr, t[i].title);
		}
	}
	buf_release(&r.text);
	buf_release(&r.title);
}

static const struct tcase entities[] = {
	{ "a &amp; b", "a & b", NULL },
	{ "&lt;p&gt;", "<p>", NULL },
	{ "&amp &lt &gt &copy &reg &quot", "& < > \xc2\xa9 \xc2\xae \"", NULL },
	{ "&AMP;&LT;", "&<", NULL },
	{ "&notit;", "\xc2\xacit;", NULL },              /* longest legacy prefix */
	{ "&notin;", "\xe2\x88\x89", NULL },
	{ "&not", "\xc2\xac", NULL },
	{ "&noti", "\xc2\xaci", NULL },
	{ "&copy2024", "\xc2\xa9" "2024", NULL },
	{ "&CounterClockwiseContourIntegral;", "\xe2\x88\xb3", NULL },
	{ "&NotEqualTilde;", "\xe2\x89\x82\xcc\xb8", NULL },  /* two code points */
	{ "&bogus; &;", "&bogus; &;", NULL },
	{ "& a &", "& a &", NULL },
	{ "&nbsp;x&nbsp;", "x", NULL },                     /* U+00A0 collapses like a space */
	{ "a\xc2\xa0\xc2\xa0 b&nbsp;\xc2\xa0" "c", "a b c", NULL },
	{ "<p>\xc2\xa0</p><p>x</p>", "x", NULL },
	{ "<pre>a\xc2\xa0\xc2\xa0" "b&nbsp;</pre>", "a\xc2\xa0\xc2\xa0" "b\xc2\xa0", NULL },
	{ "a&Tab;&NewLine;b", "a b", NULL },                /* decoded whitespace collapses */
	{ "&#65;&#x42;&#X43;&#x44", "ABCD", NULL },
	{ "&#0;", "\xef\xbf\xbd", NULL },
	{ "&#xD800;&#xdfff;", "\xef\xbf\xbd\xef\xbf\xbd", NULL },
	{ "&#x110000;&#99999999999999999999;", "\xef\xbf\xbd\xef\xbf\xbd", NULL },
	{ "&#x80;&#150;&#x9f;", "\xe2\x82\xac\xe2\x80\x93\xc5\xb8", NULL },
	{ "&#x81;", "\xc2\x81", NULL },                     /* no 1252 mapping: kept */
	{ "&#x1F600;", "\xf0\x9f\x98\x80", NULL },
	{ "&#; &#x; &#xg;", "&#; &#x; &#xg;", NULL },
	{ "&#38;lt;", "&lt;", NULL },                       /* decoded once only */
	{ "1 &lt 2", "1 < 2", NULL },
	{ "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", NULL },
	{ "<p title='&amp;'>x&amp</p>", "x&", NULL },
	{ "&", "&", NULL },
	{ "&#", "&#", NULL },
	{ "&#x", "&#x", NULL },
	{ "&#1", "\x01", NULL },
};

static const struct tcase dropped[] = {
	{ "a<script>var x = '<b>no</b>';</script>b", "ab", NULL },
	{ "a<SCRIPT type=text/javascript>x</ScRiPt >b", "ab", NULL },
	{ "a<script>document.write(\"</div>\"); s = '</scr' + 'ipt>';</script>b", "ab", NULL },
	{ "a<script>x</scriptx> still</script>b", "ab", NULL },
	{ "a<style>p { color: red }</style>b", "ab", NULL },
	{ "a<noscript><p>enable js</p></noscript>b", "ab", NULL },
	{ "a<template><p>t<template>u</template>v</p></template>b", "ab", NULL },
	{ "a<svg><text>s</text><svg><text>t</text></svg>u</svg>b", "ab", NULL },
	{ "a<svg/>b", "ab", NULL },
	{ "a<svg><title>svg title</title></svg>b<title>T</title>", "ab", "T" },
	{ "a<svg><style/>c</svg>b", "ab", NULL },
	{ "a<math><mi>x</mi></math>b", "ab", NULL },
	{ "a<iframe><p>frame</p></iframe>b", "ab", NULL },
	{ "a<object data=x><p>fallback</p></object>b", "ab", NULL },
	{ "a<embed src=x>b", "ab", NULL },
	{ "a<canvas>no canvas</canvas>b", "ab", NULL },
	{ "a<video><p>no video</p></video>b", "ab", NULL },
	{ "a<audio>no audio</audio>b", "ab", NULL },
	{ "a<select><option>one<option>two</select>b", "ab", NULL },
	{ "a<select><option>one<input>b", "ab", NULL },
	{ "a<textarea><p>typed</p></textarea>b", "ab", NULL },
	{ "a<noembed>x</noembed><noframes>y</noframes>b", "ab", NULL },
	{ "a<datalist><option>d</datalist>b", "ab", NULL },
	{ "<html><head><meta charset=utf-8><title>T</title><style>x</style></head><body><p>body</p></body></html>",
	  "body", "T" },
	{ "<head><title>T</title><body>body text", "body text", "T" },  /* missing </head> */
	{ "<head><title>T</title><div>div text</div>", "div text", "T" },
	{ "<head><title>T</title>stray text<p>more", "stray text\nmore", "T" },
	{ "<head><template><div>x</div></template><title>T</title></head>y", "y", "T" },
	{ "<p>x</p><head>not dropped</head>", "x\nnot dropped", NULL },  /* late <head> is ignored */
	{ "a<svg><p>unclosed svg", "a", NULL },
	{ "a<script>unclosed", "a", NULL },
	{ "a<!-- <script> -->b", "ab", NULL },
};

static const struct tcase titles[] = {
	{ "<title>  A &amp; B \n  C </title>x", "x", "A & B C" },
	{ "<title>One</title><title>Two</title>", "", "One" },
	{ "<title><b>not a tag</b></title>", "", "<b>not a tag</b>" },
	{ "<title>Unclosed<p>body", "body", "Unclosed" },
	{ "<title>Unclosed", "", "Unclosed" },
	{ "<TITLE>Upper</Title >", "", "Upper" },
	{ "<title>bad \xff byte</title>", "", "bad \xef\xbf\xbd byte" },
	{ "no title", "no title", "" },
};

static const struct tcase blocks[] = {
	{ "<p>one</p><p>two</p>", "one\ntwo", NULL },
	{ "<div><div><div>deep</div></div></div>after", "deep\nafter", NULL },
	{ "a<br>b", "a\nb", NULL },
	{ "a<br><br>b", "a\n\nb", NULL },
	{ "a<br><br><br><br>b", "a\n\nb", NULL },
	{ "a<br/>b</br>c", "a\nb\nc", NULL },
	{ "<p>a<br></p><p>b</p>", "a\nb", NULL },
	{ "x<b>bold</b> and <i>it</i><a href=\"#\">link</a><span>s</span>y", "xbold and itlinksy", NULL },
	{ "<h1>Head</h1>text<h2>Sub</h2>", "Head\ntext\nSub", NULL },
	{ "<ul><li>one</li><li>two<li>three</ul>", "one\ntwo\nthree", NULL },
	{ "<table><tr><td>a</td><td>b</td></tr><tr><th>c<th>d</table>", "a\tb\nc\td", NULL },
	{ "<td> a </td> <td> b </td>", "a\tb", NULL },
	{ "<section><article><header>h</header><nav>n</nav><main>m</main><aside>s</aside><footer>f</footer></article></section>",
	  "h\nn\nm\ns\nf", NULL },
	{ "<dl><dt>t</dt><dd>d</dd></dl><blockquote>q</blockquote><hr>r", "t\nd\nq\nr", NULL },
	{ "<form><fieldset><legend>l</legend>x</fieldset></form><figure>i<figcaption>c</figcaption></figure>",
	  "l\nx\ni\nc", NULL },
	{ "<address>addr</address><center>c</center>", "addr\nc", NULL },
	{ "<unknowntag>a</unknowntag><custom-el>b</custom-el>", "ab", NULL },
};

static const struct tcase spaces[] = {
	{ "  \n\t a \r\n  b  \f c  \n ", "a b c", NULL },
	{ "<p>  lead</p>\n\n\n<p>trail  </p>", "lead\ntrail", NULL },
	{ "\n\n<br><br>text<br><br>\n", "text", NULL },
	{ "a <b> b </b> c", "a b c", NULL },
	{ "a<b> </b>c", "a c", NULL },
	{ "word<b>word</b>", "wordword", NULL },
	{ "a\xc2\xa0\xc2\xa0 b", "a b", NULL },                /* raw U+00A0 collapses too */
	{ "<pre>\n  two spaces\n\n\tand tab\n</pre>after", "  two spaces\n\n\tand tab\nafter", NULL },
	{ "<pre>a\r\nb\rc</pre>", "a\nb\nc", NULL },
	{ "<p>x</p><pre>  p &lt; q</pre>y", "x\n  p < q\ny", NULL },
	{ "<pre><b>bold</b>  kept</pre>", "bold  kept", NULL },
	{ "<pre>\n\n\nline</pre>", "line", NULL },
	{ "<listing>a  b</listing>", "a  b", NULL },
	{ "<xmp>a  <b>&amp;</b></xmp>c", "a  <b>&amp;</b>\nc", NULL },
	{ "text<plaintext>a <b>  &amp;</b>", "text\na <b>  &amp;</b>", NULL },
};

static const struct tcase markup[] = {
	{ "a<!-- comment -->b", "ab", NULL },
	{ "a<!---->b<!-- -- -->c<!-- --!>d", "abcd", NULL },
	{ "a<!-->b", "ab", NULL },
	{ "a<!--->b", "ab", NULL },
	{ "a<!-- unterminated <p>x", "a", NULL },
	{ "<!DOCTYPE html>a<!doctype html>", "a", NULL },
	{ "a<![CDATA[hidden <p> ]]>b", "ab", NULL },
	{ "a<![CDATA[no end>b", "ab", NULL },
	{ "a<?xml version=\"1.0\"?>b", "ab", NULL },
	{ "a</ bogus>b", "ab", NULL },
	{ "a</>b", "ab", NULL },
	{ "a</3>b", "ab", NULL },
	{ "a < b > c", "a < b > c", NULL },
	{ "1<2 and 3 <= 4", "1<2 and 3 <= 4", NULL },
	{ "a<", "a<", NULL },
	{ "a</", "a</", NULL },
	{ "<<<p>>>", "<<\n>>", NULL },
	{ "<p class=\"x > y\" data-a='<b>'>t</p>", "t", NULL },
	{ "<a href=foo>x</a><a href=/foo/>y</a>", "xy", NULL },
	{ "<p a=\"1\"b='2'c=3 d = \"4\" e f>t", "t", NULL },
	{ "<div\n class=a\n>t</div\n>", "t", NULL },
	{ "<p title=\"unterminated>lost", "", NULL },
	{ "a<p", "a", NULL },
	{ "a<p attr", "a", NULL },
	{ "a<p attr=", "a", NULL },
	{ "<a title='x\">y'>z</a>", "z", NULL },
	{ "<p =x>t", "t", NULL },
	{ "<scriptx>visible</scriptx>", "visible", NULL },
	{ "<a<b>c", "c", NULL },
	{ "</p foo=\">\">x", "x", NULL },
};

static const struct tcase utf8[] = {
	{ "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", NULL },
	{ "a\xffz", "a\xef\xbf\xbdz", NULL },
	{ "a\xc0\xafz", "a\xef\xbf\xbd\xef\xbf\xbdz", NULL },              /* overlong */
	{ "a\xed\xa0\x80z", "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz", NULL }, /* surrogate */
	{ "a\xf0\x9f\x98z", "a\xef\xbf\xbdz", NULL },                     /* truncated: one */
	{ "a\xf4\x90\x80\x80z", "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz", NULL },
	{ "end\xe4\xb8", "end\xef\xbf\xbd", NULL },
};

/* Is s valid UTF-8 (strict)? */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;

		if (c < 0x80) { i++; continue; }
		if (c >= 0xC2 && c <= 0xDF) k = 1;
		else if (c >= 0xE0 && c <= 0xEF) { k = 2; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
		else if (c >= 0xF0 && c <= 0xF4) { k = 3; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
		else return 0;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || s[i + j] < lo || s[i + j] > hi)
				return 0;
			lo = 0x80; hi = 0xBF;
		}
		i += k + 1;
	}
	return 1;
}

/* Hostile inputs: must finish fast, stay in bounds, and give sane output. */
static void test_hostile(void)
{
	struct html_result r = { BUF_INIT, BUF_INIT };
	size_t n = 1 << 20, i;
	char *s = malloc(n * 8);
	int rc;

	memset(s, '<', n);
	rc = extract(s, n, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, n);  /* every '<' is text */

	for (i = 0; i + 5 <= n * 5; i += 5)
		memcpy(s + i, "<div>", 5);
	rc = extract(s, n * 5, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, 0);

	/* 100k nested divs with text, then closes */
	{
		struct buf b = BUF_INIT;
		for (i = 0; i < 100000; i++)
			buf_addstr(&b, "<div>x");
		for (i = 0; i < 100000; i++)
			buf_addstr(&b, "</div>");
		buf_addstr(&b, "end");
		rc = extract(b.ptr, b.len, &r);
		CHECK_INT(rc, 0);
		CHECK_INT(r.text.len, 100000 * 2 + 3);
		CHECK(r.text.len > 4 && !memcmp(r.text.ptr + r.text.len - 4, "\nend", 4));
		buf_release(&b);
	}

	/* 100k nested svgs never closed: everything after is dropped */
	for (i = 0; i + 5 <= n * 5; i += 5)
		memcpy(s + i, "<svg>", 5);
	rc = extract(s, n * 5, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, 0);

	/* unterminated comment, attribute, entity-like runs, huge attribute */
	memcpy(s, "ok<!--", 6);
	memset(s + 6, '-', n);
	rc = extract(s, n + 6, &r);
	CHECK_INT(rc, 0);
	CHECK_STR(r.text.ptr, "ok");

	memcpy(s, "ok<a href=\"", 11);
	memset(s + 11, 'x', n);
	rc = extract(s, n + 11, &r);
	CHECK_INT(rc, 0);
	CHECK_STR(r.text.ptr, "ok");

	memcpy(s, "<a title=\"", 10);
	memset(s + 10, '>', n);
	memcpy(s + 10 + n, "\">text", 6);
	rc = extract(s, n + 16, &r);
	CHECK_INT(rc, 0);
	CHECK_STR(r.text.ptr, "text");

	for (i = 0; i < n; i++)
		s[i] = i % 40 ? 'a' : '&';
	rc = extract(s, n, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, n);

	for (i = 0; i < n; i++)
		s[i] = "&#"[i & 1];
	rc = extract(s, n, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, n);

	/* many unterminated script-like end tags inside a script */
	memcpy(s, "<script>", 8);
	for (i = 8; i + 8 <= n; i += 8)
		memcpy(s + i, "</scrip<", 8);
	rc = extract(s, i, &r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.text.len, 0);

	/* random bytes: output always valid UTF-8, no '<' tag leaks cost */
	srand(12345);
	for (int round = 0; round < 200; round++) {
		size_t m = (size_t)(rand() % 4096);
		static const char alphabet[] = "<>/!-?&#;x=\"' \n\tabpscriptyle\xc3\xa9\xff\x80\0";
		for (i = 0; i < m; i++)
			s[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		rc = extract(s, m, &r);
		CHECK_INT(rc, 0);
		CHECK(valid_utf8((const unsigned char *)r.text.ptr, r.text.len));
		CHECK(valid_utf8((const unsigned char *)r.title.ptr, r.title.len));
		CHECK(memchr(r.text.ptr, 0, r.text.len) == NULL);
	}
	free(s);
	buf_release(&r.text);
	buf_release(&r.title);
}

static void test_api(void)
{
	struct html_result r = { BUF_INIT, BUF_INIT };
	struct buf small;

	CHECK_INT(html_extract(NULL, 0, &r), 0);
	CHECK_INT(r.text.len, 0);
	CHECK_INT(html_extract("<title>t</title>x", 17, &r), 0);
	CHECK_INT(html_extract("y", 1, &r), 0);  /* reuse resets both */
	CHECK_STR(r.text.ptr, "y");
	CHECK_STR(r.title.ptr, "");
	/* input is not NUL-terminated: only len bytes count */
	CHECK_INT(html_extract("abc<p>def", 5, &r), 0);
	CHECK_STR(r.text.ptr, "abc");

	CHECK_INT(html_extract("a\0b\0<p>\0</p>", 12, &r), 0);  /* NULs dropped */
	CHECK_STR(r.text.ptr, "ab");

	buf_init(&small, 8);
	buf_release(&r.text);
	r.text = small;
	CHECK_INT(html_extract("<p>0123456789</p>", 17, &r), SL_ETOOBIG);
	buf_release(&r.text);
	buf_release(&r.title);
}

/* A real page: tests/data/html/ (see SOURCE there). */
static void test_real(void)
{
	static const char *paths[] = {
		"tests/data/html/resiliparse-0900-hovenier.html",
		"../tests/data/html/resiliparse-0900-hovenier.html",
		"../../tests/data/html/resiliparse-0900-hovenier.html",
	};
	const char *root = getenv("SLUICE_SOURCE_ROOT");  /* set by meson test */
	char path[4096];
	FILE *f = NULL;
	struct buf b = BUF_INIT;
	struct html_result r = { BUF_INIT, BUF_INIT };
	char chunk[4096];
	size_t n, i;

	if (root) {
		snprintf(path, sizeof(path), "%s/%s", root, paths[0]);
		f = fopen(path, "rb");
	}
	for (i = 0; !f && i < sizeof(paths) / sizeof(paths[0]); i++)
		f = fopen(paths[i], "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);

	CHECK_INT(html_extract(b.ptr, b.len, &r), 0);
	CHECK_STR(r.title.ptr, "Hovenier in Oosterbeek nodig?");
	CHECK(strstr(r.text.ptr, "\nHovenier in Oosterbeek\n") != NULL);
	CHECK(strstr(r.text.ptr, "In Oosterbeek zijn wij uw tuinspecialist.") != NULL);
	CHECK(strstr(r.text.ptr, "Tuinaanleg is slechts \xc3\xa9\xc3\xa9n van onze specialiteiten.") != NULL);
	CHECK(strstr(r.text.ptr, "Home > Gelderland > Oosterbeek\n") != NULL);  /* &gt; decoded */
	CHECK(strstr(r.text.ptr, "\xc2\xa9") != NULL);
	CHECK(strchr(r.text.ptr, '<') == NULL);
	CHECK(strstr(r.text.ptr, "function") == NULL);
	CHECK(strstr(r.text.ptr, "gtag") == NULL);
	CHECK(strstr(r.text.ptr, "{") == NULL);
	CHECK(strstr(r.text.ptr, "&amp;") == NULL);
	CHECK(strstr(r.text.ptr, "\n\n\n") == NULL);
	CHECK(strstr(r.text.ptr, "  ") == NULL);
	CHECK(valid_utf8((const unsigned char *)r.text.ptr, r.text.len));
	buf_release(&b);
	buf_release(&r.text);
	buf_release(&r.title);
}

#define RUN(t) run_table(t, sizeof(t) / sizeof(t[0]))

int main(void)
{
	RUN(entities);
	RUN(dropped);
	RUN(titles);
	RUN(blocks);
	RUN(spaces);
	RUN(markup);
	RUN(utf8);
	test_hostile();
	test_api();
	test_real();
	return check_done();
}
