/*
 * blocklist.h - keyword and URL block lists.
 *
 * Words (C4 / LDNOOBW): a list per language, matched in the lowercased text
 * (Python lower(), see pytext.h) by one Aho–Corasick pass; a match counts
 * only when flanked by non-word characters or the text's ends, as C4's
 * regex (?:\W|^)(w1|w2|...)(?:\W|$) does, except for languages written
 * without spaces (ja, th, zh), where any occurrence counts.  C4's allowlist
 * (ja: sm, グロ, 女の子; zh: 性) is removed from every list, as datatrove does.
 *
 * URLs (datatrove URLFilter over UT1-style lists): the registered domain
 * (public suffix list, ICANN section, as tldextract) or the full host in a
 * domains list; the URL, as is or without its scheme, in a urls list; a hard
 * banned word among the URL's [a-zA-Z0-9]+ tokens; at least soft_threshold
 * soft banned words; a banned sub-word inside the URL with everything but
 * [a-zA-Z0-9] removed and lowercased.  Reasons as datatrove names them:
 * domain, subdomain, url, hard_blacklisted, soft_blacklisted,
 * blacklisted_subword.
 *
 * Loaded once; lookups are read-only and thread safe.
 */
#ifndef SLUICE_BLOCKLIST_H
#define SLUICE_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct strset {
	struct strset_ent { uint64_t h; const char *p; uint32_t len; } *tab;
	size_t n, size;
	char **blocks;       /* owned storage */
	size_t nblocks;
};

int strset_add(struct strset *s, const char *p, size_t n);        /* copies */
int strset_has(const struct strset *s, const char *p, size_t n);
void strset_release(struct strset *s);
/* Add every line of a file (trimmed; empty lines and '#' comments skipped);
 * normalize: keep only [a-zA-Z0-9], lowercased (datatrove's parse_list).
 * 0, SL_EOPEN (errno), SL_ENOMEM.  *added counts new entries. */
int strset_load(struct strset *s, const char *path, int normalize, size_t *added);

struct aho;

/* A word list's automaton may take at most this (bl_words_load refuses a
 * bigger one, and a bigger file, with SL_ETOOBIG before allocating it), and
 * a word at most BL_WORD_MAX bytes. */
#define BL_WORDS_MAX_BYTES ((size_t)256 << 20)
#define BL_WORD_MAX 1024

struct bl_words {
	struct aho *ac;
	int boundaries;      /* 0 for ja/th/zh */
	size_t nwords;
	/* after SL_ETOOBIG: the line of a word over BL_WORD_MAX and its length,
	 * or line 0 when the list passes BL_WORDS_MAX_BYTES (file_bytes: its size) */
	size_t bad_line, bad_len, file_bytes;
};

/* Load a word list (one per line, stripped) for language lang (may be NULL).
 * 0, SL_EOPEN, SL_EIO, SL_ENOMEM, SL_ETOOBIG (see BL_WORDS_MAX_BYTES). */
int bl_words_load(struct bl_words *w, const char *path, const char *lang);
void bl_words_release(struct bl_words *w);
/* Count the matches in lowered text (valid UTF-8, already lowercased; or a
 * text whose lowering changes only ASCII capitals, pt_lower_is_ascii_fold,
 * which are read as small letters). */
size_t bl_words_count(const struct bl_words *w, const char *s, size_t n, size_t stop_after);

struct bl_urls {
	struct strset domains, urls, hard, soft, psl, psl_wild, psl_exc;
	struct aho *subwords;
	int have_psl;
	int soft_threshold;  /* default 2 */
};

void bl_urls_init(struct bl_urls *u);
void bl_urls_release(struct bl_urls *u);
/* Load a public suffix list (ICANN section only). */
int bl_urls_load_psl(struct bl_urls *u, const char *path);
int bl_urls_load_subwords(struct bl_urls *u, const char *path);
/* Finish loading (builds the sub-word automaton). */
int bl_urls_ready(struct bl_urls *u);
/* The host of a URL (lowercased, no port, no trailing dot) into out. */
int bl_url_host(const char *url, size_t n, struct buf *out);
/* The registered domain of a lowercased host ("" when it has none). */
int bl_registered_domain(const struct bl_urls *u, const char *host, size_t n, size_t *off);
/* The reason the URL is blocked, or NULL.  tmp is scratch. */
const char *bl_url_check(const struct bl_urls *u, const char *url, size_t n, struct buf *tmp);

#endif
