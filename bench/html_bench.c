/*
 * html_bench.c - throughput of html_extract() and charset_to_utf8() on real pages.
 *
 *   html_bench [-n ROUNDS] [-v] FILE.html...
 *
 * Each file is one HTTP response body.  The files are decoded to UTF-8 once
 * (charset_detect + charset_to_utf8, with "FILE.ct" holding an optional
 * Content-Type value), then html_extract() runs over all of them ROUNDS
 * times; MB/s counts input HTML bytes.  -v prints each page's title, text
 * size and replacement count.  A benchmark, not a test: it prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "error.h"
#include "html.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n)) {
			fclose(f);
			return -1;
		}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = 50, verbose = 0, i, r, nfiles = 0;
	struct buf *raw, *utf8;
	struct html_result res = { BUF_INIT, BUF_INIT };
	struct charset_conv *cv;
	size_t total_raw = 0, total_utf8 = 0, total_text = 0;
	double t0, t_conv, t_html;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-n") && argc > 2) {
			rounds = atoi(argv[2]);
			argv += 2;
			argc -= 2;
		} else if (!strcmp(argv[1], "-v")) {
			verbose = 1;
			argv++;
			argc--;
		} else {
			break;
		}
	}
	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: html_bench [-n ROUNDS] [-v] FILE.html...\n");
		return 2;
	}
	raw = calloc((size_t)argc, sizeof(*raw));
	utf8 = calloc((size_t)argc, sizeof(*utf8));
	if (!raw || !utf8 || charset_conv_create(&cv))
		return 1;
	for (i = 1; i < argc; i++) {
		buf_init(&raw[nfiles], 0);
		buf_init(&utf8[nfiles], 0);
		if (slurp(argv[i], &raw[nfiles])) {
			fprintf(stderr, "html_bench: cannot read '%s'\n", argv[i]);
			return 1;
		}
		total_raw += raw[nfiles].len;
		nfiles++;
	}

	/* decode every page once, timed over the rounds too */
	t0 = now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nfiles; i++) {
			char label[CHARSET_NAME_MAX], ctpath[4096];
			struct buf ct = BUF_INIT;
			size_t rep = 0;

			snprintf(ctpath, sizeof(ctpath), "%s.ct", argv[i + 1]);
			if (r == 0)
				slurp(ctpath, &ct);
			while (ct.len && (ct.ptr[ct.len - 1] == '\n' || ct.ptr[ct.len - 1] == '\r'))
				buf_setlen(&ct, ct.len - 1);
			if (!charset_detect(ct.len ? ct.ptr : NULL, raw[i].ptr, raw[i].len,
					    label, sizeof(label)))
				strcpy(label, "utf-8");
			buf_reset(&utf8[i]);
			if (charset_to_utf8(cv, label, raw[i].ptr, raw[i].len, &utf8[i], &rep) ==
			    SL_ECHARSET)
				charset_to_utf8(cv, "utf-8", raw[i].ptr, raw[i].len, &utf8[i], &rep);
			if (r == 0 && verbose)
				fprintf(stderr, "%s: %s, %zu bytes, %zu replaced\n", argv[i + 1],
					label, raw[i].len, rep);
			buf_release(&ct);
		}
	}
	t_conv = now() - t0;
	for (i = 0; i < nfiles; i++)
		total_utf8 += utf8[i].len;

	t0 = now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nfiles; i++) {
			if (html_extract(utf8[i].ptr, utf8[i].len, &res))
				return 1;
			if (r == 0) {
				total_text += res.text.len;
				if (verbose)
					fprintf(stderr, "%s: title \"%s\", %zu bytes of text\n",
						argv[i + 1], res.title.ptr, res.text.len);
			}
		}
	}
	t_html = now() - t0;

	printf("%d files, %.2f MB raw, %.2f MB utf-8, %.2f MB text (%.1f%%), %d rounds\n",
	       nfiles, total_raw / 1e6, total_utf8 / 1e6, total_text / 1e6,
	       100.0 * (double)total_text / (double)(total_utf8 ? total_utf8 : 1), rounds);
	printf("charset_detect+charset_to_utf8: %.1f MB/s\n",
	       (double)total_raw * rounds / 1e6 / t_conv);
	printf("html_extract:                   %.1f MB/s\n",
	       (double)total_utf8 * rounds / 1e6 / t_html);

	for (i = 0; i < nfiles; i++) {
		buf_release(&raw[i]);
		buf_release(&utf8[i]);
	}
	free(raw);
	free(utf8);
	buf_release(&res.text);
	buf_release(&res.title);
	charset_conv_free(cv);
	return 0;
}
