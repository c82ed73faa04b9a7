/*
 * blocklist.c - sluice blocklist: C4/LDNOOBW bad-word lists per language and
 * datatrove URLFilter checks against UT1-style lists (filters/blocklist.h).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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
#include "pmap.h"
#include "pytext.h"
#include "stage.h"

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

struct wlang {
	char *lang;
	struct bl_words w;
	int ok;              /* loaded (else no list for the language) */
	int bad;             /* its list could not be loaded */
	char *err;           /* (bad) why, printed at the first document in the
				language that is written; NULL: out of memory */
};

/* A worker's own scratch, on a line of its own. */
struct bthread {
	struct buf lower, tmp, lang, url;
} __attribute__((aligned(128)));

/* What the work on a document found, for writing it in order. */
struct bslot {
	const char *reason;  /* NULL: kept */
	int no_url, missing_lang;
};

struct bctx {
	const char *words, *deflang;
	int words_dir;
	size_t max_matches;
	double max_fraction;
	const struct bl_urls *u;
	int use_urls;
	struct bthread *th;
	struct bslot *slot;
	uint64_t missing_lang, no_url;
	/* the word lists, one per language, loaded as languages come (by any
	 * thread: under mu); pointers, so that a list stays where it is while
	 * another thread adds one */
	pthread_mutex_t mu;
	struct wlang **langs;
	size_t nlangs;
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

/* Why bl_words_load refused a word list (NULL: out of memory). */
static char *words_error_text(int rc, const struct bl_words *w, const char *what, const char *path)
{
	if (rc != SL_ETOOBIG)
		return msg_text(rc, "%s'%s'", what, path);
	if (w->bad_line)
		return msg_text(0, "%s'%s': line %zu: a word of %zu bytes (the limit is %d)", what, path, w->bad_line,
				w->bad_len, BL_WORD_MAX);
	return msg_text(0, "%s'%s' (%.1f MB) is too big: its automaton would pass the limit of %zu MiB", what, path,
			(double)w->file_bytes / 1e6, BL_WORDS_MAX_BYTES >> 20);
}

static void words_error(int rc, const struct bl_words *w, const char *what, const char *path)
{
	char *text = words_error_text(rc, w, what, path);
	if (text)
		msg("%s", text);
	else
		msg_code(SL_ENOMEM, "%s'%s'", what, path);
	free(text);
}

/* The word list for a language: loaded from WORDS/<lang> the first time
 * the language is met, NULL when there is none (*missing set), or when it
 * cannot be loaded (*err: why, for printing in input order) or memory ran
 * out (*err NULL).  Under c->mu. */
static const struct bl_words *words_for_locked(struct bctx *c, const char *lang, int *missing, const char **err)
{
	char path[4096];
	struct wlang *l, **nl;
	size_t k;
	int rc;
	for (k = 0; k < c->nlangs && strcmp(c->langs[k]->lang, lang); k++)
		;
	if (k == c->nlangs) {
		if (!(nl = realloc(c->langs, (c->nlangs + 1) * sizeof(*nl))))
			return NULL;
		c->langs = nl;
		if (!(l = calloc(1, sizeof(*l))) || !(l->lang = strdup(lang))) {
			free(l);
			return NULL;
		}
		c->langs[c->nlangs++] = l;
		snprintf(path, sizeof(path), "%s/%s", c->words, lang);
		if (!strchr(lang, '/') && lang[0] != '.' && access(path, R_OK) == 0) {
			if ((rc = bl_words_load(&l->w, path, lang))) {
				l->err = words_error_text(rc, &l->w, "", path);
				l->bad = 1;
			} else {
				l->ok = 1;
			}
		}
	}
	l = c->langs[k];
	*err = l->err;
	*missing = !l->ok && !l->bad;
	return l->ok ? &l->w : NULL;
}

/* Check one document (on thread t): its reason goes into its slot.  An
 * error stops the run there (pmap.failed is NULL). */
static int blocklist_doc(void *arg, int t, struct pmap_item *x)
{
	struct bctx *c = arg;
	struct bthread *th = &c->th[t];
	struct bslot *sl = &c->slot[x->slot];
	const char *raw;
	size_t rn;
	int rc;

	memset(sl, 0, sizeof(*sl));
	if (c->use_urls) {
		buf_reset(&th->url);
		raw = doc_get_path(&x->d, "metadata.url", &rn);
		if (!raw || !json_is_string(raw, rn))
			raw = doc_get_raw(&x->d, "url", &rn);
		if (raw && json_is_string(raw, rn) && json_string_decode(&th->url, raw + 1, rn - 2, NULL) == 0 &&
		    th->url.len)
			sl->reason = bl_url_check(c->u, th->url.ptr, th->url.len, &th->tmp);
		else
			sl->no_url = 1;
	}
	if (!sl->reason && c->words) {
		const struct bl_words *w;
		const char *text;
		size_t n, count, stop;
		if (c->words_dir) {
			buf_reset(&th->lang);
			raw = doc_get_path(&x->d, "metadata.language", &rn);
			if (!raw || !json_is_string(raw, rn) || json_string_decode(&th->lang, raw + 1, rn - 2, NULL) ||
			    !th->lang.len) {
				buf_reset(&th->lang);
				if ((rc = buf_addstr(&th->lang, c->deflang)))
					return rc;
			}
			pthread_mutex_lock(&c->mu);
			w = words_for_locked(c, th->lang.ptr, &sl->missing_lang, &x->err);
			pthread_mutex_unlock(&c->mu);
			if (!w && !sl->missing_lang)
				return SL_ENOMEM; /* (x->err: why its list could not be loaded) */
		} else {
			w = &c->langs[0]->w;
		}
		if (w) {
			if ((rc = doc_text(&x->d, &text, &n)))
				return rc;
			/* (counting on past the threshold only for --max-fraction) */
			stop = c->max_fraction >= 0 ? SIZE_MAX : c->max_matches;
			if (pt_lower_is_ascii_fold(text, n)) { /* the automaton folds ASCII */
				count = bl_words_count(w, text, n, stop);
			} else {
				buf_reset(&th->lower);
				if ((rc = pt_lower(&th->lower, text, n)))
					return rc;
				count = bl_words_count(w, th->lower.ptr, th->lower.len, stop);
			}
			if (count > c->max_matches) {
				sl->reason = "document_removed_with_badwords";
				if (c->max_fraction >= 0) {
					struct pt_spans ws = { 0 };
					if (pt_split_ws(text, n, &ws) == 0 && ws.n &&
					    (double)count / (double)ws.n <= c->max_fraction)
						sl->reason = NULL;
					pt_spans_release(&ws);
				}
			}
			if (th->lower.cap > PMAP_SLOT_KEEP)
				buf_release(&th->lower);
		}
	}
	return 0;
}

/* In input order, on the calling thread: keep or reject the document. */
static int blocklist_emit(void *arg, struct stage *st, struct pmap_item *x)
{
	struct bctx *c = arg;
	struct bslot *sl = &c->slot[x->slot];
	c->no_url += (uint64_t)sl->no_url;
	c->missing_lang += (uint64_t)sl->missing_lang;
	return sl->reason ? stage_reject(st, &x->d, sl->reason) : stage_emit(st, &x->d);
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
	int max_matches = 0, soft_thr = 2, nthreads = 1;
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
		OPT_GROUP("Work:"),
		OPT_INT('j', "threads", &nthreads, "N", "check on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct bl_urls u;
	struct bctx c;
	struct pmap pm = { 0 };
	size_t ndom = 0, nurl = 0, k;
	int nargs, rc = 0, ncat = 0, i;
	uint64_t unused;
	struct timespec t0, t1;
	double load_s;

	memset(&c, 0, sizeof(c));
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!words && !urls && !hard && !soft && !sub)
		return usage_error("nothing to do: give --words, --urls, --url-words, --url-soft-words or --url-subwords");
	if (max_matches < 0 || soft_thr < 1)
		return usage_error("--max-matches must be >= 0 and --soft-threshold >= 1");
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");
	if (words) {
		if (is_dir(words))
			c.words_dir = 1;
		else if (access(words, R_OK))
			return usage_error("--words: cannot read '%s': %s", words, strerror(errno));
	}
	if (urls && !is_dir(urls))
		return usage_error("--urls: '%s' is not a directory", urls);
	c.words = words;
	c.deflang = deflang;
	c.max_matches = (size_t)max_matches;
	c.max_fraction = max_fraction;
	c.u = &u;
	pthread_mutex_init(&c.mu, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	bl_urls_init(&u);
	u.soft_threshold = soft_thr;
	c.use_urls = urls || hard || soft || sub;
	if (c.use_urls) {
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
	if (words && !c.words_dir) {
		if (!(c.langs = calloc(1, sizeof(*c.langs))) || !(c.langs[0] = calloc(1, sizeof(**c.langs)))) {
			msg_code(SL_ENOMEM, "--words '%s'", words);
			goto fail;
		}
		c.nlangs = 1;
		if ((rc = bl_words_load(&c.langs[0]->w, words, NULL))) {
			words_error(rc, &c.langs[0]->w, "--words ", words);
			goto fail;
		}
		c.langs[0]->ok = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	load_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	rc = stage_begin(&st, "blocklist", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		goto out;
	pm.nthreads = nthreads;
	pm.work = blocklist_doc;
	pm.emit = blocklist_emit;
	pm.arg = &c;
	rc = pmap_alloc(&pm, sizeof(*c.th), (void **)&c.th, sizeof(*c.slot), (void **)&c.slot);
	for (i = 0; c.th && i < nthreads; i++) {
		buf_init(&c.th[i].lower, 0);
		buf_init(&c.th[i].tmp, 0);
		buf_init(&c.th[i].lang, 0);
		buf_init(&c.th[i].url, 0);
	}
	if (rc) {
		msg_code(rc, "setting up");
		st.failed = 1;
	} else {
		pmap_run(&st, &pm, &unused);
	}
	buf_addf(&st.extra, ",\n  \"lists\": {\"domains\": %zu, \"urls\": %zu, \"categories\": %d, \"load_seconds\": %.3f}",
		 ndom, nurl, ncat, load_s);
	if (c.words_dir)
		buf_addf(&st.extra, ",\n  \"missing_badwords_lang\": %llu", (unsigned long long)c.missing_lang);
	if (c.use_urls)
		buf_addf(&st.extra, ",\n  \"no_url\": %llu", (unsigned long long)c.no_url);
	rc = stage_end(&st);
	goto out;
fail:
	rc = 1;
out:
	for (k = 0; k < c.nlangs; k++) {
		if (c.langs[k]) {
			bl_words_release(&c.langs[k]->w);
			free(c.langs[k]->lang);
			free(c.langs[k]->err);
			free(c.langs[k]);
		}
	}
	free(c.langs);
	bl_urls_release(&u);
	for (i = 0; c.th && i < nthreads; i++) {
		buf_release(&c.th[i].lower);
		buf_release(&c.th[i].tmp);
		buf_release(&c.th[i].lang);
		buf_release(&c.th[i].url);
	}
	free(c.th);
	free(c.slot);
	pthread_mutex_destroy(&c.mu);
	return rc;
}
