/*
 * blocklist.c - sluice blocklist: C4/LDNOOBW bad-word lists per language and
 * datatrove URLFilter checks against UT1-style lists (filters/blocklist.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blocklist.h"
#include "builtin.h"
#include "error.h"
#include "json.h"
#include "msg.h"
#include "pytext.h"
#include "stage.h"

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

struct wlang {
	char *lang;
	struct bl_words w;
	int ok;
};

static int is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	while (list && *list) {
		size_t len = strcspn(list, ",");
		if (len == n && !strncmp(list, name, n))
			return 1;
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* UT1 layout: DIR/<category>/{domains,urls}; with 'all', category
 * symlinks are skipped (they name the same lists twice); a category named
 * in the list must be there (a symlink to one is followed). */
static int load_ut1(struct bl_urls *u, const char *dir, const char *cats, size_t *ndom, size_t *nurl,
		    int *ncat)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int rc = 0, all = !strcmp(cats, "all");
	if (!d) {
		msg_code(SL_EOPEN, "'%s'", dir);
		return -1;
	}
	for (const char *c = cats; !all && *c;) {
		struct stat sb;
		size_t len = strcspn(c, ",");
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)len, c);
		if (len == 0 || memchr(c, '/', len) || stat(path, &sb) || !S_ISDIR(sb.st_mode)) {
			msg("--categories: '%s' has no category '%.*s' (its folders are the categories; 'all' loads "
			    "every one)",
			    dir, (int)len, c);
			closedir(d);
			return -1;
		}
		c += len;
		if (*c == ',')
			c++;
	}
	while ((e = readdir(d)) && !rc) {
		struct stat sb;
		size_t added;
		int any = 0;
		if (e->d_name[0] == '.' || (!all && !in_list(cats, e->d_name)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((all ? lstat(path, &sb) : stat(path, &sb)) || !S_ISDIR(sb.st_mode))
			continue;
		snprintf(path, sizeof(path), "%s/%s/domains", dir, e->d_name);
		if (access(path, R_OK) == 0) {
			if ((rc = strset_load(&u->domains, path, 0, &added))) {
				msg_code(rc, "'%s'", path);
				break;
			}
			*ndom += added;
			any = 1;
		}
		snprintf(path, sizeof(path), "%s/%s/urls", dir, e->d_name);
		if (access(path, R_OK) == 0) {
			if ((rc = strset_load(&u->urls, path, 0, &added))) {
				msg_code(rc, "'%s'", path);
				break;
			}
			*nurl += added;
			any = 1;
		}
		*ncat += any;
	}
	closedir(d);
	return rc ? -1 : 0;
}

/* A word list that bl_words_load refused. */
static void words_error(int rc, const struct bl_words *w, const char *what, const char *path)
{
	if (rc != SL_ETOOBIG)
		msg_code(rc, "%s'%s'", what, path);
	else if (w->bad_line)
		msg("%s'%s': line %zu: a word of %zu bytes (the limit is %d)", what, path, w->bad_line, w->bad_len,
		    BL_WORD_MAX);
	else
		msg("%s'%s' (%.1f MB) is too big: its automaton would pass the limit of %zu MiB", what, path,
		    (double)w->file_bytes / 1e6, BL_WORDS_MAX_BYTES >> 20);
}

int cmd_blocklist(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice blocklist [<options>] [<file>...]",
		"",
		"Remove documents with bad words (C4's rule over LDNOOBW-style lists) or",
		"blocked URLs (datatrove's URLFilter over UT1-style lists).  Words are found",
		"in the lowercased text in one Aho-Corasick pass and count when flanked by",
		"non-word characters (any occurrence for ja, th, zh).  --words DIR picks the",
		"list named by metadata.language (default en); a list whose automaton would",
		"pass 256 MiB (~4 MB of random words) or with a word over 1024 bytes is",
		"refused.  The URL is metadata.url or url.  UT1 sorts sites into ~70",
		"categories, most of them neutral (blog, shopping, press): --categories picks",
		"which block (default adult,mixed_adult).",
		"Reasons: document_removed_with_badwords, domain, subdomain, url,",
		"hard_blacklisted, soft_blacklisted, blacklisted_subword.",
		"",
		"  sluice blocklist --words ldnoobw/ docs.jsonl > clean.jsonl",
		"  sluice blocklist --urls ut1_blacklists --categories adult,gambling docs.jsonl",
		"  sluice blocklist --words ldnoobw/en --max-matches 2 --max-fraction 0.001 docs.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *words = NULL, *deflang = "en", *urls = NULL, *cats = "adult,mixed_adult", *hard = NULL, *soft = NULL,
		   *sub = NULL, *psl = NULL;
	int max_matches = 0, soft_thr = 2;
	double max_fraction = -1;
	struct option opts[] = {
		OPT_GROUP("Words:"),
		OPT_STRING(0, "words", &words, "FILE|DIR", "bad-word list, or a directory of lists named by language"),
		OPT_STRING(0, "default-language", &deflang, "LANG", "language of documents without metadata.language (default en)"),
		OPT_INT(0, "max-matches", &max_matches, "N", "remove documents with more than N matches (default 0)"),
		OPT_DOUBLE(0, "max-fraction", &max_fraction, "F", "also keep documents whose matches / words <= F"),
		OPT_GROUP("URLs:"),
		OPT_STRING(0, "urls", &urls, "DIR", "UT1-style lists: DIR/<category>/domains and urls"),
		OPT_STRING(0, "categories", &cats, "LIST", "categories of --urls to load, or 'all' (default adult,mixed_adult)"),
		OPT_STRING(0, "url-words", &hard, "FILE", "hard banned words: one among the URL's tokens blocks it"),
		OPT_STRING(0, "url-soft-words", &soft, "FILE", "soft banned words: --soft-threshold of them block it"),
		OPT_INT(0, "soft-threshold", &soft_thr, "N", "soft banned words needed (default 2)"),
		OPT_STRING(0, "url-subwords", &sub, "FILE", "banned sub-words inside the normalized URL"),
		OPT_STRING(0, "psl", &psl, "FILE", "public suffix list (default " DEFAULT_PSL ")"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct doc d;
	struct bl_urls u;
	struct wlang *langs = NULL;
	size_t nlangs = 0, ndom = 0, nurl = 0, k;
	struct buf lower = BUF_INIT, tmp = BUF_INIT, lang = BUF_INIT, url = BUF_INIT;
	int nargs, rc = 0, words_dir = 0, ncat = 0, use_urls;
	uint64_t missing_lang = 0, no_url = 0;
	struct timespec t0, t1;
	double load_s;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!words && !urls && !hard && !soft && !sub)
		return usage_error("nothing to do: give --words, --urls, --url-words, --url-soft-words or --url-subwords");
	if (max_matches < 0 || soft_thr < 1)
		return usage_error("--max-matches must be >= 0 and --soft-threshold >= 1");
	if (words) {
		if (is_dir(words))
			words_dir = 1;
		else if (access(words, R_OK))
			return usage_error("--words: cannot read '%s': %s", words, strerror(errno));
	}
	if (urls && !is_dir(urls))
		return usage_error("--urls: '%s' is not a directory", urls);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	bl_urls_init(&u);
	u.soft_threshold = soft_thr;
	use_urls = urls || hard || soft || sub;
	if (use_urls) {
		const char *pp = psl ? psl : (access(DEFAULT_PSL, R_OK) == 0 ? DEFAULT_PSL : NULL);
		if (pp && (rc = bl_urls_load_psl(&u, pp))) {
			msg_code(rc, "--psl '%s'", pp);
			goto fail;
		}
		if (urls && load_ut1(&u, urls, cats, &ndom, &nurl, &ncat))
			goto fail;
		if (hard && (rc = strset_load(&u.hard, hard, 1, NULL))) {
			msg_code(rc, "--url-words '%s'", hard);
			goto fail;
		}
		if (soft && (rc = strset_load(&u.soft, soft, 1, NULL))) {
			msg_code(rc, "--url-soft-words '%s'", soft);
			goto fail;
		}
		if (sub && (rc = bl_urls_load_subwords(&u, sub))) {
			msg_code(rc, "--url-subwords '%s'", sub);
			goto fail;
		}
		if ((rc = bl_urls_ready(&u))) {
			msg_code(rc, "building the URL lists");
			goto fail;
		}
	}
	if (words && !words_dir) {
		langs = calloc(1, sizeof(*langs));
		if (!langs) {
			msg_code(SL_ENOMEM, "--words '%s'", words);
			goto fail;
		}
		if ((rc = bl_words_load(&langs[0].w, words, NULL))) {
			words_error(rc, &langs[0].w, "--words ", words);
			goto fail;
		}
		langs[0].ok = 1;
		nlangs = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	load_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	rc = stage_begin(&st, "blocklist", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		goto out;
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *reason = NULL, *raw;
		size_t rn;

		if (use_urls) {
			buf_reset(&url);
			raw = doc_get_path(&d, "metadata.url", &rn);
			if (!raw || !json_is_string(raw, rn))
				raw = doc_get_raw(&d, "url", &rn);
			if (raw && json_is_string(raw, rn) && json_string_decode(&url, raw + 1, rn - 2, NULL) == 0 && url.len)
				reason = bl_url_check(&u, url.ptr, url.len, &tmp);
			else
				no_url++;
		}
		if (!reason && words) {
			struct bl_words *w = NULL;
			const char *text;
			size_t n;
			if (words_dir) {
				buf_reset(&lang);
				raw = doc_get_path(&d, "metadata.language", &rn);
				if (!raw || !json_is_string(raw, rn) || json_string_decode(&lang, raw + 1, rn - 2, NULL) || !lang.len) {
					buf_reset(&lang);
					buf_addstr(&lang, deflang);
				}
				for (k = 0; k < nlangs && strcmp(langs[k].lang, lang.ptr); k++)
					;
				if (k == nlangs) {
					char path[4096];
					struct wlang *nl = realloc(langs, (nlangs + 1) * sizeof(*nl));
					if (!nl) {
						st.failed = 1;
						break;
					}
					langs = nl;
					memset(&langs[k], 0, sizeof(langs[k]));
					langs[k].lang = strdup(lang.ptr);
					nlangs++;
					snprintf(path, sizeof(path), "%s/%s", words, lang.ptr);
					if (langs[k].lang && !strchr(lang.ptr, '/') && lang.ptr[0] != '.' &&
					    access(path, R_OK) == 0) {
						if ((rc = bl_words_load(&langs[k].w, path, lang.ptr))) {
							words_error(rc, &langs[k].w, "", path);
							st.failed = 1;
							break;
						}
						langs[k].ok = 1;
					}
				}
				if (langs[k].ok)
					w = &langs[k].w;
				else
					missing_lang++;
			} else {
				w = &langs[0].w;
			}
			if (w) {
				size_t count, stop;
				if (doc_text(&d, &text, &n)) {
					st.failed = 1;
					break;
				}
				stop = max_fraction >= 0 ? SIZE_MAX : (size_t)max_matches;
				if (pt_lower_is_ascii_fold(text, n)) { /* the automaton folds ASCII */
					count = bl_words_count(w, text, n, stop);
				} else {
					buf_reset(&lower);
					if (pt_lower(&lower, text, n)) {
						st.failed = 1;
						break;
					}
					count = bl_words_count(w, lower.ptr, lower.len, stop);
				}
				if (count > (size_t)max_matches) {
					reason = "document_removed_with_badwords";
					if (max_fraction >= 0) {
						struct pt_spans ws = { 0 };
						if (pt_split_ws(text, n, &ws) == 0 && ws.n &&
						    (double)count / (double)ws.n <= max_fraction)
							reason = NULL;
						pt_spans_release(&ws);
					}
				}
			}
		}
		if (reason ? stage_reject(&st, &d, reason) : stage_emit(&st, &d))
			break;
	}
	buf_addf(&st.extra, ",\n  \"lists\": {\"domains\": %zu, \"urls\": %zu, \"categories\": %d, \"load_seconds\": %.3f}",
		 ndom, nurl, ncat, load_s);
	if (words_dir)
		buf_addf(&st.extra, ",\n  \"missing_badwords_lang\": %llu", (unsigned long long)missing_lang);
	if (use_urls)
		buf_addf(&st.extra, ",\n  \"no_url\": %llu", (unsigned long long)no_url);
	rc = stage_end(&st);
	doc_release(&d);
	goto out;
fail:
	rc = 1;
out:
	for (k = 0; k < nlangs; k++) {
		bl_words_release(&langs[k].w);
		free(langs[k].lang);
	}
	free(langs);
	bl_urls_release(&u);
	buf_release(&lower);
	buf_release(&tmp);
	buf_release(&lang);
	buf_release(&url);
	return rc;
}
