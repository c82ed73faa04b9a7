/* test_blocklist.c - Aho-Corasick (every occurrence, overlapping ones too),
 * word boundaries, URL hosts and registered domains. */
#include <stdlib.h>
#include <unistd.h>

#include "aho.h"
#include "blocklist.h"
#include "check.h"

struct hits {
	char s[512];
};

static int on_hit(uint32_t id, size_t start, size_t end, void *ctx)
{
	struct hits *h = ctx;
	char one[32];
	snprintf(one, sizeof(one), "%u@%zu-%zu ", id, start, end);
	strcat(h->s, one);
	return 0;
}

int main(void)
{
	struct aho *a = aho_new();
	struct hits h = { "" };
	struct bl_urls u;
	struct buf b = BUF_INIT;
	size_t off;
	char path[] = "/tmp/sluice-words-XXXXXX";
	FILE *f;
	struct bl_words w;

	/* the classic: he, she, his, hers in "ushers" */
	CHECK(aho_add(a, "he", 2, 0) == 0 && aho_add(a, "she", 3, 1) == 0);
	CHECK(aho_add(a, "his", 3, 2) == 0 && aho_add(a, "hers", 4, 3) == 0);
	CHECK(aho_build(a) == 0);
	CHECK(aho_scan(a, "ushers", 6, on_hit, &h) == 0);
	CHECK_STR(h.s, "1@1-4 0@2-4 3@2-6 ");
	h.s[0] = 0;
	CHECK(aho_scan(a, "ahishe\xff", 7, on_hit, &h) == 0);
	CHECK_STR(h.s, "2@1-4 1@3-6 0@4-6 ");
	aho_free(a);

	/* words with C4's boundaries, from a list file */
	f = fdopen(mkstemp(path), "w");
	fputs("ass\n  two words \n\nsm\nCaps\n", f);
	fclose(f);
	CHECK(bl_words_load(&w, path, "en") == 0);
	CHECK_INT(w.nwords, 3); /* the empty line and the allowlisted "sm" are dropped */
#define COUNT(s) bl_words_count(&w, (s), strlen(s), 100)
	CHECK_INT(bl_words_count(&w, "ass", 3, 100), 1);
	CHECK_INT(bl_words_count(&w, "class pass", 10, 100), 0);
	CHECK_INT(bl_words_count(&w, "an ass, two words!", 18, 100), 2);
	CHECK_INT(COUNT("ass_x x2ass \xc3\xa9" "ass"), 0); /* _ digits letters are \w */
	CHECK_INT(COUNT("(ass)\xc2\xa0" "ass"), 2);
	/* ASCII text is read as if lowered: capitals match small letters, and
	 * a listed word with capitals never matches (lowered text has none) */
	CHECK_INT(COUNT("An ASS, Two Words!"), 2);
	CHECK_INT(COUNT("Caps caps CAPS"), 0);
	bl_words_release(&w);
	CHECK(bl_words_load(&w, path, "zh") == 0);
	CHECK_INT(bl_words_count(&w, "class pass", 10, 100), 2); /* no boundaries */
	bl_words_release(&w);
	unlink(path);

	/* hosts */
	CHECK(bl_url_host("https://User@WWW.Example.COM.:8080/x?y", 38, &b) == 0);
	CHECK_STR(b.ptr, "www.example.com");
	CHECK(bl_url_host("example.org/path", 16, &b) == 0);
	CHECK_STR(b.ptr, "example.org");
	/* registered domains, with Debian's public suffix list when present */
	bl_urls_init(&u);
	if (access("/usr/share/publicsuffix/public_suffix_list.dat", R_OK) == 0) {
		CHECK(bl_urls_load_psl(&u, "/usr/share/publicsuffix/public_suffix_list.dat") == 0);
		CHECK(bl_registered_domain(&u, "a.b.example.co.uk", 17, &off) == 1);
		CHECK_STR(&"a.b.example.co.uk"[off], "example.co.uk");
		CHECK(bl_registered_domain(&u, "co.uk", 5, &off) == 0);
		CHECK(bl_registered_domain(&u, "x.unknowntld", 12, &off) == 0);
		CHECK(bl_registered_domain(&u, "foo.blogspot.com", 16, &off) == 1); /* private section ignored */
		CHECK_STR(&"foo.blogspot.com"[off], "blogspot.com");
		CHECK(bl_registered_domain(&u, "a.b.c.kawasaki.jp", 17, &off) == 1); /* *.kawasaki.jp */
		CHECK_STR(&"a.b.c.kawasaki.jp"[off], "b.c.kawasaki.jp");
		CHECK(bl_registered_domain(&u, "x.city.kawasaki.jp", 18, &off) == 1); /* !city.kawasaki.jp */
		CHECK_STR(&"x.city.kawasaki.jp"[off], "city.kawasaki.jp");
	} else {
		fprintf(stderr, "public suffix list not installed: registered-domain checks skipped\n");
	}
	bl_urls_release(&u);
	buf_release(&b);
	return check_done();
}
