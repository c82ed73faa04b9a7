/*
 * fuzz_blocklist.c - the block-list text and URL paths
 * (filters/blocklist.c, filters/aho.c): word counting in lowercased text
 * for a spaced and an unspaced language, and the URL checks (host
 * extraction, public suffix lookup, domain/url sets, hard and soft words,
 * sub-words).  The lists are small ones written at start-up.
 *
 * Input: a URL up to the first '\n', then the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "blocklist.h"
#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "pytext.h"
#include "utf8.h"

static struct bl_words words_en, words_ja;
static struct bl_urls urls;
static const char *dir;

static void put(const char *name, const char *text, char *path, size_t pn)
{
	FILE *f;
	snprintf(path, pn, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[128];
	(void)argc;
	(void)argv;
	dir = fuzz_tmpdir("bl");
	put("words", "bad\nvery bad\nxxx\nsm\n\xe6\x80\xa7\n\xe3\x82\xb0\xe3\x83\xad\nb\xc3\xa4" "d\n\n  spaced  \n", p, sizeof(p));
	if (bl_words_load(&words_en, p, "en") || bl_words_load(&words_ja, p, "ja"))
		abort();
	bl_urls_init(&urls);
	put("psl", "// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n*.ck\n!www.ck\n\xe4\xb8\xad\xe5\x9b\xbd\n"
	    "// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n"
	    "// ===END PRIVATE DOMAINS===\n", p, sizeof(p));
	if (bl_urls_load_psl(&urls, p))
		abort();
	put("hard", "porn\nxxx\n", p, sizeof(p));
	if (strset_load(&urls.hard, p, 1, NULL))
		abort();
	put("soft", "adult\nsex\nnude\n", p, sizeof(p));
	if (strset_load(&urls.soft, p, 1, NULL))
		abort();
	put("sub", "porn\ncasino\n", p, sizeof(p));
	if (bl_urls_load_subwords(&urls, p))
		abort();
	strset_add(&urls.domains, "bad.com", 7);
	strset_add(&urls.domains, "evil.co.uk", 10);
	strset_add(&urls.urls, "example.com/bad", 15);
	if (bl_urls_ready(&urls))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *url, *text;
	size_t un, tn, off;
	struct buf t = BUF_INIT, lower = BUF_INIT, tmp = BUF_INIT, host = BUF_INIT;
	volatile size_t sink = 0;

	fuzz_split(data, size, "\n", &url, &un, &text, &tn);
	sink += bl_url_check(&urls, (const char *)url, un, &tmp) != NULL;
	if (bl_url_host((const char *)url, un, &host) == 0 &&
	    bl_registered_domain(&urls, host.ptr, host.len, &off) >= 0 && off > host.len)
		abort();
	if (utf8_sanitize(&t, (const char *)text, tn, NULL) == 0 && pt_lower(&lower, t.ptr, t.len) == 0) {
		sink += bl_words_count(&words_en, lower.ptr, lower.len, 0);
		sink += bl_words_count(&words_en, lower.ptr, lower.len, 2);
		sink += bl_words_count(&words_ja, lower.ptr, lower.len, 0);
	}
	buf_release(&t);
	buf_release(&lower);
	buf_release(&tmp);
	buf_release(&host);
	(void)sink;
	return 0;
}
