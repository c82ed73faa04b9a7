/*
 * words.c - rule-based word and sentence splitting (see words.h).
 */
#include "words.h"

#include "array.h"
#include "bits.h"
#include "error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include "bytes_sse.h"
#endif

#include "words_classes.h"
#include "words_specials.h"

#define ALNUM_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* spaCy's special cases (words_specials.h) in an open-addressed table of
 * indexes + 1, and a filter in front of it: a bit per hash of a string's
 * first and last bytes and length, so that most chunks are found not to
 * be one without hashing them (init_tabs). */
#define SPECIAL_SLOTS 4096
#define SPECIAL_FILTER_BITS 65536
static uint16_t special_slot[SPECIAL_SLOTS];
static uint64_t special_filter[SPECIAL_FILTER_BITS / 64];
/* the same filter for the special cases of ASCII letters and digits only */
static uint64_t plain_filter[SPECIAL_FILTER_BITS / 64];
/* the same filter for the special cases with a pattern (patterns_init) */
static uint64_t pattern_filter[SPECIAL_FILTER_BITS / 64];

/* The filter's bit for a string of n bytes (1 to 63) at s: its first
 * two bytes, its last and its length, hashed. */
static inline unsigned special_fbit(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t k = u[0] | (uint64_t)u[n > 1] << 8 | (uint64_t)u[n - 1] << 16 | (uint64_t)n << 24;
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 48);
}

static inline uint32_t special_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void specials_init(void)
{
	size_t k, n = sizeof(words_specials) / sizeof(words_specials[0]);
	_Static_assert(sizeof(words_specials) / sizeof(words_specials[0]) < SPECIAL_SLOTS / 2, "room");
	for (k = 0; k < n; k++) {
		const struct words_special *w = &words_specials[k];
		unsigned h = special_hash(w->s, w->len) & (SPECIAL_SLOTS - 1);
		unsigned bit = special_fbit(w->s, w->len);
		while (special_slot[h])
			h = (h + 1) & (SPECIAL_SLOTS - 1);
		special_slot[h] = (uint16_t)(k + 1);
		special_filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
		if (strspn(w->s, ALNUM_CHARS) == w->len)
			plain_filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
	}
}

/* The special case s[0, n) is, or NULL (special_at: the filter first). */
__attribute__((noinline, cold)) static const struct words_special *special_find(const char *s, size_t n)
{
	unsigned h = special_hash(s, n) & (SPECIAL_SLOTS - 1);
	while (special_slot[h]) {
		const struct words_special *w = &words_specials[special_slot[h] - 1];
		if (w->len == n && memcmp(w->s, s, n) == 0)
			return w;
		h = (h + 1) & (SPECIAL_SLOTS - 1);
	}
	return NULL;
}

static inline const struct words_special *special_at(const char *s, size_t n)
{
	unsigned bit;
	if (n == 0 || n > 63)
		return NULL;
	bit = special_fbit(s, n);
	if (!(special_filter[bit >> 6] >> (bit & 63) & 1))
		return NULL;
	return special_find(s, n);
}

/* The tokens of the special case w at s[a, ...). */
static int special_add(struct pt_spans *out, size_t a, const struct words_special *w)
{
	unsigned k;
	int rc;
	for (k = 0; k < w->ntok; k++) {
		if ((rc = pt_spans_add(out, a, w->tok[k])))
			return rc;
		a += w->tok[k];
	}
	return 0;
}

/* spaCy's units and currencies (words_units, words_classes.h), split off
 * after a digit (its suffixes "(?<=[0-9])(?:UNITS)" and
 * "(?<=[0-9])(?:CURRENCY)"), in its spelling: "тбكم" is one, as spaCy's
 * list joins those two without a space. */
static unsigned char unit_len[sizeof(words_units) / sizeof(words_units[0])];
/* bit m of unit_first[c]: a unit of m bytes starts with byte c;
 * unit_last[c]: a unit ends with byte c */
static uint16_t unit_first[256];
static unsigned char unit_last[256];

/* The length of the unit or currency that ends s[a, b) after a digit, the
 * longest (the regex search finds the leftmost), or 0.  No unit holds an
 * ASCII digit, so the digit before one is the last digit before b. */
static size_t unit_at(const char *s, size_t a, size_t b)
{
	size_t lim = b - a > 11 ? b - 11 : a, d = b - 1, m, k;
	if (b - a < 2 || !unit_last[(unsigned char)s[b - 1]])
		return 0;
	do { /* d: b - 2 down to lim */
		if (d == lim)
			return 0;
		d--;
	} while (s[d] < '0' || s[d] > '9');
	m = b - d - 1;
	if (!(unit_first[(unsigned char)s[d + 1]] >> m & 1))
		return 0;
	for (k = 0; words_units[k]; k++)
		if (unit_len[k] == m && memcmp(s + d + 1, words_units[k], m) == 0)
			return m;
	return 0;
}

/* Whether a chunk of ASCII letters and digits s[a, b) (with a digit:
 * hasdigit) is one token as it is: neither a special case ("dont", "4pm",
 * "xD") nor a number and a unit ("5km"), which chunk() splits. */
static inline int plain_whole(const char *s, size_t a, size_t b, int hasdigit)
{
	if (b - a <= 63) {
		unsigned bit = special_fbit(s + a, b - a);
		if ((plain_filter[bit >> 6] >> (bit & 63) & 1) && special_find(s + a, b - a))
			return 0;
	}
	return !(hasdigit && unit_at(s, a, b));
}

int words_no_fast_path;

static void patterns_init(void);

static unsigned char prefix_tab[128], suffix_tab[128], alnum_tab[256], infix_tab[128];

/* spaCy's character classes (words_classes.h, from its char_classes.py),
 * a bit each: not Unicode's categories but its own lists */
enum {
	SPC_ALPHA = 1, SPC_LOWER = 2, SPC_UPPER = 4, SPC_ICON = 8, SPC_QUOTE = 16, SPC_DOT = 32, SPC_AFFIX = 64,
	SPC_PREFIX_ONLY = 128
};
static const struct {
	const struct words_range *v;
	size_t n;
	unsigned bit;
} spc_classes[] = {
#define SPC(name, bit) { words_##name, sizeof(words_##name) / sizeof(words_##name[0]), bit }
	SPC(alpha, SPC_ALPHA), SPC(lower, SPC_LOWER | SPC_DOT), SPC(upper, SPC_UPPER), SPC(icon, SPC_ICON),
	SPC(quote, SPC_QUOTE), SPC(dot_extra, SPC_DOT), SPC(affix, SPC_AFFIX), SPC(prefix_only, SPC_PREFIX_ONLY),
#undef SPC
};
static unsigned char spc_bmp[0x10000]; /* (filled by init_tabs) */

static unsigned spc_astral(uint32_t c)
{
	unsigned bits = 0;
	size_t k;
	for (k = 0; k < sizeof(spc_classes) / sizeof(spc_classes[0]); k++) {
		const struct words_range *v = spc_classes[k].v;
		size_t lo = 0, hi = spc_classes[k].n;
		while (lo < hi) { /* the first range that ends at c or after */
			size_t mid = (lo + hi) / 2;
			if (v[mid].hi < c)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < spc_classes[k].n && v[lo].lo <= c)
			bits |= spc_classes[k].bit;
	}
	return bits;
}

/* The SPC_ bits of a code point. */
static inline unsigned spc(uint32_t c)
{
	return c < 0x10000 ? spc_bmp[c] : spc_astral(c);
}

static inline int sp_alpha(uint32_t c) { return (spc(c) & SPC_ALPHA) != 0; }
static inline int sp_lower(uint32_t c) { return (spc(c) & SPC_LOWER) != 0; }
static inline int sp_upper(uint32_t c) { return (spc(c) & SPC_UPPER) != 0; }

static void init_tabs_once(void)
{
	const char *p;
	size_t k;
	/* spaCy's ASCII affixes: its punctuation list and quotes, "$" "%" "="
	 * "+" as prefixes ("%" after a number is a unit) */
	for (p = "([{<\"'`*&#_$%=+,:;!?)]}>"; *p; p++)
		prefix_tab[(unsigned char)*p] = 1;
	for (p = ")]}>\"'`,:;!?*&#_([{<"; *p; p++)
		suffix_tab[(unsigned char)*p] = 1;
	for (p = ALNUM_CHARS; *p; p++)
		alnum_tab[(unsigned char)*p] = 1;
	for (p = ".-~,:<>=/+*^"; *p; p++) /* the ASCII characters infix_split() cuts at */
		infix_tab[(unsigned char)*p] = 1;
	for (k = 0; words_units[k]; k++) {
		unit_len[k] = (unsigned char)strlen(words_units[k]);
		unit_first[(unsigned char)words_units[k][0]] |= (uint16_t)(1u << unit_len[k]);
		unit_last[(unsigned char)words_units[k][unit_len[k] - 1]] = 1;
	}
	for (k = 0; k < sizeof(spc_classes) / sizeof(spc_classes[0]); k++) {
		size_t r;
		for (r = 0; r < spc_classes[k].n && spc_classes[k].v[r].lo < 0x10000; r++) {
			uint32_t c, hi = spc_classes[k].v[r].hi < 0xffff ? spc_classes[k].v[r].hi : 0xffff;
			for (c = spc_classes[k].v[r].lo; c <= hi; c++)
				spc_bmp[c] |= (unsigned char)spc_classes[k].bit;
		}
	}
	specials_init(); /* (after the classes: patterns_init splits) */
	patterns_init();
}

static void init_tabs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_tabs_once);
}

/* spaCy's affixes "´" (Sk) and "～" (Sm): not P*, Sc or So, unlike the rest. */
static inline int affix_not_ps(uint32_t c)
{
	return c == 0xb4 || c == 0xff5e;
}

/* Not ASCII: FC_P and FC_S as spaCy's affixes (words_classes.h: its
 * punctuation list and quotes, "—" "–" "…" and its icons, prefixes and
 * suffixes both; its currencies and "§", prefixes only); 0 another
 * punctuation mark or symbol ("•", "±", "†", emoji newer than its icon
 * list), which stays on words; FC_A the rest (letters, marks, digits ...). */
static int hi_affix(uint32_t c)
{
	unsigned bits = spc(c);
	if (bits & (SPC_AFFIX | SPC_ICON))
		return 2 | 4;
	if (bits & SPC_PREFIX_ONLY)
		return 2;
	return (c < PT_SMALL ? (pt_small(c) & PT_F_PS) != 0 : pt_is_punct_or_symbol(c)) ? 0 : 1; /* 1: FC_A */
}

static int prefix_char(uint32_t c)
{
	if (c < 0x80)
		return prefix_tab[c];
	return (hi_affix(c) & 2) != 0;
}

static int suffix_char(uint32_t c)
{
	if (c < 0x80)
		return suffix_tab[c];
	return (hi_affix(c) & 4) != 0;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* spaCy's URL pattern (spacy/lang/tokenizer_exceptions.py URL_PATTERN)
 * on s[a, b), which holds no whitespace:
 *   ^ ([\w+\-.]{2,}://)? (\S+(:\S*)?@)? HOST (:\d{2,5})? ([/?#]\S*)? $
 * where HOST is labels of [A-Za-z0-9\u00a1-\uffff] (with '_' and '-'
 * inside), up to 64 characters, each followed by '.', then a top-level
 * domain of 2 to 63 lowercase (or uncased) letters; or a dotted IPv4
 * address (ipv4_host).  Matched: the rest of the chunk stays one token. */
static int host_char(uint32_t c)
{
	return c < 0x80 ? alnum_tab[c] : c >= 0xa1 && c <= 0xffff;
}

static int tld_char(uint32_t c)
{
	if (c < 0x80)
		return c - 'a' < 26u;
	return sp_lower(c);
}

/* The port and path at s[i, b) that end a URL: (:\d{2,5})? ([/?#]\S*)? $ */
static int url_tail(const char *s, size_t i, size_t b)
{
	if (i < b && s[i] == ':') { /* a port */
		size_t d = ++i;
		while (i < b && is_digit((unsigned char)s[i]) && i - d < 6)
			i++;
		if (i - d < 2 || i - d > 5)
			return 0;
	}
	return i == b || s[i] == '/' || s[i] == '?' || s[i] == '#';
}

/* The pattern's other HOST, a dotted IPv4 address, then port and path,
 * from h to b: four groups of 1 to 3 digits, the first 1 to 223 and the
 * last 1 to 254 without a leading zero, the two between 0 to 255 (2
 * digits may start with 0, 3 may not), and not 10.x.x.x, 127.x.x.x,
 * 169.254.x.x, 192.168.x.x or 172.16-31.x.x (its lookaheads).  A group
 * ends at a '.' or the end of the address (the pattern's groups are
 * followed by "." or by the port, path or end), so it is read whole. */
static int ipv4_host(const char *s, size_t h, size_t b)
{
	unsigned v[4], len[4], lead0[4];
	size_t i = h;
	int k;
	for (k = 0; k < 4; k++) {
		size_t st = i;
		unsigned x = 0;
		while (i < b && is_digit((unsigned char)s[i]) && i - st < 4)
			x = x * 10 + (unsigned)(s[i++] - '0');
		if (i == st || i - st > 3)
			return 0;
		v[k] = x;
		len[k] = (unsigned)(i - st);
		lead0[k] = s[st] == '0';
		if (k < 3) {
			if (i >= b || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (lead0[0] || v[0] < 1 || v[0] > 223 || lead0[3] || v[3] < 1 || v[3] > 254)
		return 0;
	for (k = 1; k < 3; k++)
		if (len[k] == 3 && (lead0[k] || v[k] > 255))
			return 0;
	if ((len[0] == 2 && v[0] == 10) || (len[0] == 3 && v[0] == 127) ||
	    (len[0] == 3 && v[0] == 169 && len[1] == 3 && v[1] == 254) ||
	    (len[0] == 3 && v[0] == 192 && len[1] == 3 && v[1] == 168) ||
	    (len[0] == 3 && v[0] == 172 && len[1] == 2 && v[1] >= 16 && v[1] <= 31))
		return 0;
	return url_tail(s, i, b);
}

/* HOST, port and path from h to b. */
static int url_host(const char *s, size_t h, size_t b)
{
	size_t i = h, j, lab = 0, len = 0, tld = 0;
	uint32_t c, last = 0;
	int tld_ok = 1, astral = 0; /* (a lowercase letter past U+FFFF: only in a top-level domain) */
	for (;;) {
		j = i;
		c = i < b ? pt_next(s, b, &j) : 0;
		if (i < b && (host_char(c) || c == '_' || c == '-' || (c > 0xffff && tld_char(c)))) {
			if (len == 0 && c <= 0xffff && !host_char(c))
				return 0;
			len++;
			tld_ok &= tld_char(c);
			astral |= c > 0xffff;
			last = c;
			i = j;
			continue;
		}
		/* the end of a label */
		if (len == 0 || len > 64 || (last <= 0xffff && !host_char(last)))
			return 0;
		if (i < b && c == '.') {
			if (astral)
				return 0;
			lab++;
			len = 0;
			tld_ok = 1;
			i = j;
			continue;
		}
		tld = len;
		break;
	}
	if (!lab || !tld_ok || tld < 2 || tld > 63)
		return 0;
	return url_tail(s, i, b);
}

/* Either HOST, then port and path, from h to b. */
static int url_rest(const char *s, size_t h, size_t b, int ipv4)
{
	return url_host(s, h, b) || (ipv4 && ipv4_host(s, h, b));
}

static int url_match(const char *s, size_t a, size_t b)
{
	const char *sep, *dot;
	size_t p = a, i, dots = 0;
	int tld = 0;
	/* (a cheap necessary condition first: a '.' and after it a small
	 * letter or a character beyond ASCII, the top-level domain's first;
	 * or three dots, an IPv4 address's) */
	for (dot = memchr(s + a, '.', b - a); dot && !(tld && dots >= 3);
	     dot = memchr(dot + 1, '.', (size_t)(s + b - dot - 1))) {
		dots++;
		tld |= dot + 2 < s + b && ((unsigned)((unsigned char)dot[1] - 'a') < 26u || (unsigned char)dot[1] >= 0x80);
	}
	if (!tld && dots < 3)
		return 0;
	if ((sep = memmem(s + a, b - a, "://", 3)) != NULL) {
		size_t e = (size_t)(sep - s), j;
		int ok = e - a >= 2;
		for (i = a; i < e && ok; i = j) {
			uint32_t c;
			j = i;
			c = pt_next(s, e, &j);
			ok = pt_isword(c) || c == '+' || c == '-' || c == '.';
		}
		if (ok && url_rest(s, e + 3, b, dots >= 3))
			return 1;
		if (ok)
			p = e + 3;
	}
	if (url_rest(s, a, b, dots >= 3) || (p != a && url_rest(s, p, b, dots >= 3)))
		return 1;
	/* a user before an '@' */
	for (i = a + 1; i < b; i++)
		if (s[i] == '@' && url_rest(s, i + 1, b, dots >= 3))
			return 1;
	return 0;
}

/* The HYPHENS infix at s[i] (c, then next at j), after a letter or digit:
 * its alternatives "-" "–" "—" "--" "---" "——" "~" in order, the first
 * with a letter after it; its bytes, or 0. */
static size_t hyphen_at(const char *s, size_t i, size_t j, size_t b, uint32_t c, uint32_t next)
{
	size_t k, r;
	if (sp_alpha(next))
		return j - i;
	if (c == '-') { /* "--" "---" */
		for (r = j; r < b && r - i < 3 && s[r] == '-'; r++) {
			k = r + 1;
			if (k < b && sp_alpha(pt_next(s, b, &k)))
				return r + 1 - i;
		}
	} else if (c == 0x2014 && next == 0x2014) { /* "——" */
		k = j + 3;
		if (k < b && sp_alpha(pt_next(s, b, &k)))
			return 6;
	}
	return 0;
}

/* Split the middle of a chunk at infixes. */
static int infix_split(const char *s, size_t a, size_t b, struct pt_spans *out)
{
	size_t i = a, start = a, j;
	uint32_t prev = 0, prevprev = 0;
	int rc;

	if (url_match(s, a, b))
		return pt_spans_add(out, a, b - a);
	while (i < b) {
		size_t cut = 0; /* bytes of the infix at i, 0 when none */
		uint32_t c, next = 0;
		unsigned char ub = (unsigned char)s[i];
		if (ub < 0x80 && alnum_tab[ub]) {
			/* a run of ASCII letters and digits: no infix, prev its last */
			do
				i++;
			while (i < b && (unsigned char)s[i] < 0x80 && alnum_tab[(unsigned char)s[i]]);
			prev = (unsigned char)s[i - 1];
			continue;
		}
		j = i;
		c = pt_next(s, b, &j);
		if (c < 0x80 ? !infix_tab[c] : c != 0x2026 && c != 0x2013 && c != 0x2014 && !(spc(c) & SPC_ICON)) {
			/* no rule below cuts at c */
			prevprev = prev;
			prev = c;
			i = j;
			continue;
		}
		if (j < b) {
			size_t k = j;
			next = pt_next(s, b, &k);
		}
		if (c == '.' && i + 2 <= b && s[i + 1] == '.') { /* "\.\.+" */
			cut = 2;
			while (i + cut < b && s[i + cut] == '.')
				cut++;
		} else if (c == 0x2026) {
			cut = 3;
		} else if (c >= 0x80 && c != 0x2013 && c != 0x2014) {
			/* an icon (spaCy's list), anywhere but first: "i💙you" */
			cut = i > a ? j - i : 0;
		} else if (i > start && j < b) {
			/* the rules in spaCy's order, the first that matches at i */
			if ((c == '+' || c == '-' || c == '*' || c == '^') && is_digit(prev) &&
			    (is_digit(next) || next == '-'))
				cut = 1; /* before the hyphens: "1980--would" -> "1980" "-" "-would" */
			else if (c == '.' && (spc(prev) & (SPC_LOWER | SPC_QUOTE)) && (spc(next) & (SPC_UPPER | SPC_QUOTE)))
				cut = 1;
			else if (c == ',' && sp_alpha(prev) && sp_alpha(next))
				cut = 1;
			else if ((c == '-' || c == 0x2013 || c == 0x2014 || c == '~') && (sp_alpha(prev) || is_digit(prev)))
				cut = hyphen_at(s, i, j, b, c, next);
			else if ((c == ':' || c == '<' || c == '>' || c == '=' || c == '/') &&
				 (sp_alpha(prev) || is_digit(prev)) && sp_alpha(next))
				cut = 1;
		}
		(void)prevprev;
		if (cut) {
			if (i > start && (rc = pt_spans_add(out, start, i - start)))
				return rc;
			if ((rc = pt_spans_add(out, i, cut)))
				return rc;
			i += cut;
			start = i;
			prev = s[i - 1] == '.' ? '.' : c;
			continue;
		}
		prevprev = prev;
		prev = c;
		i = j;
	}
	if (start < b)
		return pt_spans_add(out, start, b - start);
	return 0;
}

/* The length of the possessive "'s" "'S" "’s" "’S" that ends s[a, b)
 * with something before it (spaCy's suffixes; "n't", "'ll", "'re" ... come
 * off only in the special cases, "don't" but not "DON'T"), 0 when none. */
static size_t poss_at(const char *s, size_t a, size_t b)
{
	const unsigned char *u = (const unsigned char *)s;
	if (b - a < 3 || (u[b - 1] | 0x20) != 's')
		return 0;
	if (u[b - 2] == '\'')
		return 2;
	if (b - a > 4 && u[b - 2] == 0x99 && u[b - 3] == 0x80 && u[b - 4] == 0xe2)
		return 4;
	return 0;
}

#define MAX_SUFFIX 64

/* spaCy's prefix search on s[a, b): the length of the prefix, 0 when none
 * (or when one character would be all of s[a, b): the same token either
 * way). */
static size_t find_prefix(const char *s, size_t a, size_t b)
{
	size_t j = a;
	uint32_t c;
	if (b - a >= 2 && s[a] == '.' && s[a + 1] == '.') { /* "\.\.+" */
		j = a + 2;
		while (j < b && s[j] == '.')
			j++;
		return j - a;
	}
	if (b - a > 3 && s[a] == 'U' && s[a + 1] == 'S' && s[a + 2] == '$')
		return 3; /* spaCy's currencies "US$" "C$" "A$" */
	if (b - a > 2 && (s[a] == 'C' || s[a] == 'A') && s[a + 1] == '$')
		return 2;
	c = pt_next(s, b, &j);
	if (!prefix_char(c) || j == b)
		return 0;
	if (c == '+' && is_digit((unsigned char)s[j])) /* "\+(?![0-9])" */
		return 0;
	return j - a;
}

/* spaCy's suffix search on s[a, b): the length of the suffix, 0 when none. */
static size_t find_suffix(const char *s, size_t a, size_t b)
{
	size_t start, cut;
	uint32_t c;
	if (b - a >= 2 && s[b - 1] == '.' && s[b - 2] == '.') {
		/* "\.\.+$" from its leftmost start: all of s[a, b) when it is
		 * dots (what is left after a prefix: '"...' -> '"' '...') */
		cut = 2;
		while (b - cut > a && s[b - cut - 1] == '.')
			cut++;
		return cut;
	}
	if (b - a >= 6 && !memcmp(s + b - 6, "\xe2\x80\xa6\xe2\x80\xa6", 6))
		return 6; /* PUNCT's "……", tried at "……$" before "…$" is */
	c = pt_prev(s, b, &start);
	if (start == a)
		return 0;
	if ((cut = unit_at(s, a, b)) != 0)
		return cut;
	if (c == '.') {
		size_t ps, pps;
		uint32_t p = pt_prev(s, start, &ps);
		/* "(?<=[0-9{al}{e}{p}(?:{q})])\." (SPC_DOT), "(?<=[{au}][{au}])\."
		 * or "(?<=°[FfCcKk])\." */
		if ((spc(p) & SPC_DOT) || (sp_upper(p) && ps > a && sp_upper(pt_prev(s, ps, &pps))) ||
		    (ps >= a + 2 && (p == 'C' || p == 'F' || p == 'K') && !memcmp(s + ps - 2, "\xc2\xb0", 2)))
			return b - start;
		return 0;
	}
	if (c == 0x2026 || suffix_char(c))
		return b - start;
	if (c == '+' && is_digit(pt_prev(s, start, &start))) /* "(?<=[0-9])\+" */
		return 1;
	return poss_at(s, a, b);
}

/* A chunk by spaCy's rules (Tokenizer._split_affixes, _attach_tokens):
 * prefixes and suffixes come off one of each at a time until none is left,
 * or until what is left, or what is left without the next prefix or
 * suffix, is a special case; then the rest is a special case's tokens, or
 * a URL, or split at its infixes.  Without with_specials, no special
 * case is looked up (spaCy's _tokenize_affixes(string, False)). */
static int chunk_affixes(const char *s, size_t a, size_t b, struct pt_spans *out, int with_specials)
{
	struct pt_span suf[MAX_SUFFIX];
	const struct words_special *w;
	size_t nsuf = 0, last = 0;
	int rc;

	while (a < b && b - a != last && nsuf < MAX_SUFFIX) {
		size_t pl, sl;
		if (with_specials && special_at(s + a, b - a))
			break;
		last = b - a;
		pl = find_prefix(s, a, b);
		if (pl && with_specials && special_at(s + a + pl, b - a - pl)) {
			if ((rc = pt_spans_add(out, a, pl)))
				return rc;
			a += pl;
			break;
		}
		sl = a + pl < b ? find_suffix(s, a + pl, b) : 0;
		if (sl && b - sl > a && with_specials && special_at(s + a, b - sl - a)) {
			suf[nsuf].off = b - sl;
			suf[nsuf++].len = sl;
			b -= sl;
			break;
		}
		if (pl) {
			if ((rc = pt_spans_add(out, a, pl)))
				return rc;
			a += pl;
		}
		if (sl) {
			suf[nsuf].off = b - sl;
			suf[nsuf++].len = sl;
			b -= sl;
		}
	}
	if (a < b) {
		if (with_specials && (w = special_at(s + a, b - a)) != NULL)
			rc = special_add(out, a, w);
		else
			rc = infix_split(s, a, b, out);
		if (rc)
			return rc;
	}
	while (nsuf > 0) {
		nsuf--;
		if ((rc = pt_spans_add(out, suf[nsuf].off, suf[nsuf].len)))
			return rc;
	}
	return 0;
}

/* The tokens each special case makes without special cases, when more
 * than one (spaCy's special-case matcher: "Mr." is "Mr" "." so, and
 * "Tuesday.Mr." splits at the infix "." into "Tuesday" "." "Mr" "."; the
 * matcher then makes "Mr" "." one "Mr." again; a pattern equal to its
 * special case's tokens, "°" "f" ".", changes nothing, but as the longer
 * run it keeps "f" "." from becoming "f.").  ntok 0: no pattern. */
#define PATTERN_MAX 8
static struct {
	unsigned char ntok, len[PATTERN_MAX];
} special_pattern[sizeof(words_specials) / sizeof(words_specials[0])];
/* Bit [x][y]: some pattern has a token ending in byte x followed by one
 * starting with byte y (for runs across a space: match_near()). */
static uint64_t pattern_pair[256][4];

static void patterns_init(void)
{
	size_t k, i, n = sizeof(words_specials) / sizeof(words_specials[0]);
	struct pt_spans sp = { 0 };
	for (k = 0; k < n; k++) {
		const struct words_special *w = &words_specials[k];
		sp.n = 0;
		if (chunk_affixes(w->s, 0, w->len, &sp, 0) || sp.n < 2 || sp.n > PATTERN_MAX)
			continue;
		special_pattern[k].ntok = (unsigned char)sp.n;
		for (i = 0; i < sp.n; i++) {
			special_pattern[k].len[i] = (unsigned char)sp.v[i].len;
			if (i > 0) {
				unsigned char x = (unsigned char)w->s[sp.v[i].off - 1], y = (unsigned char)w->s[sp.v[i].off];
				pattern_pair[x][y >> 6] |= (uint64_t)1 << (y & 63);
			}
		}
		i = special_fbit(w->s, w->len);
		pattern_filter[i >> 6] |= (uint64_t)1 << (i & 63);
	}
	pt_spans_release(&sp);
}

/* The special case whose pattern tokens v[0, m) of a chunk are, or NULL. */
static const struct words_special *pattern_at(const char *s, const struct pt_span *v, size_t m)
{
	const struct words_special *w;
	size_t i, k, len = v[m - 1].off + v[m - 1].len - v[0].off;
	unsigned bit;
	if (len > 63)
		return NULL;
	bit = special_fbit(s + v[0].off, len);
	if (!(pattern_filter[bit >> 6] >> (bit & 63) & 1) || !(w = special_find(s + v[0].off, len)))
		return NULL;
	k = (size_t)(w - words_specials);
	if (special_pattern[k].ntok != m)
		return NULL;
	for (i = 0; i < m; i++)
		if (special_pattern[k].len[i] != v[i].len)
			return NULL;
	return w;
}

/* The chunks where match_specials() took runs in the current text of
 * this thread's words_split_facts() (s[a, b), its tokens out->v[t0, t1)
 * after): only next to them can spaCy's runs across a space change a
 * token (match_near).  The first few in the call's own array. */
struct took {
	size_t a, b, t0, t1;
};
struct took_list {
	struct took *v, first[16];
	size_t n, cap;
};
static __thread struct took_list *took_now;

static int match_runs(const char *s, const struct pt_span *v, size_t nv, size_t lo, size_t hi, struct pt_spans *out,
		      size_t *taken);
static int took_add(size_t a, size_t b, size_t t0, size_t t1);

/* match_specials() for a chunk of more than 64 tokens or 16 runs: with
 * match_runs()'s arrays. */
static int match_specials_long(const char *s, struct pt_spans *out, size_t n0)
{
	struct pt_spans v = { 0 };
	size_t taken = 0, k;
	int rc = 0;
	for (k = n0; k < out->n && !rc; k++)
		rc = pt_spans_add(&v, out->v[k].off, out->v[k].len);
	if (!rc) {
		out->n = n0;
		rc = match_runs(s, v.v, v.n, 0, v.n, out, &taken);
	}
	if (!rc && taken)
		rc = took_add(v.v[0].off, v.v[v.n - 1].off + v.v[v.n - 1].len, n0, out->n);
	pt_spans_release(&v);
	return rc ? rc : taken > 0;
}

/* spaCy's special-case matcher over the tokens of one chunk, out->v[n0,
 * out->n): runs of tokens that make a special case's pattern become its
 * tokens, the longest runs first (the earliest of equal ones), a run
 * taken unless its first or last token is in one looked at before, taken
 * or not (spaCy's test).  A chunk where it takes one is recorded for the
 * runs across spaces (took_add).  1 when it took a run, 0 when not, or
 * SL_ENOMEM. */
static int match_specials(const char *s, struct pt_spans *out, size_t n0)
{
	struct { size_t k, m; const struct words_special *w; } hit[16];
	size_t nhit = 0, n1 = out->n, k, m, i, j;
	struct pt_span keep[64];
	unsigned char seen[64], take[16];
	if (n1 - n0 < 2)
		return 0;
	if (n1 - n0 > 64) /* (too many for the arrays here) */
		return match_specials_long(s, out, n0);
	for (k = n0; k < n1; k++)
		for (m = 2; m <= PATTERN_MAX && k + m <= n1; m++) {
			const struct words_special *w = pattern_at(s, out->v + k, m);
			if (w) {
				if (nhit == 16)
					return match_specials_long(s, out, n0);
				hit[nhit].k = k - n0;
				hit[nhit].m = m;
				hit[nhit++].w = w;
			}
		}
	if (!nhit)
		return 0;
	memset(seen, 0, sizeof(seen));
	memset(take, 0, sizeof(take));
	for (;;) { /* the longest left, the earliest of those */
		size_t best = nhit;
		for (i = 0; i < nhit; i++)
			if (!take[i] && (best == nhit || hit[i].m > hit[best].m ||
					 (hit[i].m == hit[best].m && hit[i].k < hit[best].k)))
				best = i;
		if (best == nhit)
			break;
		/* 1 taken, 2 looked at and not taken */
		take[best] = seen[hit[best].k] || seen[hit[best].k + hit[best].m - 1] ? 2 : 1;
		for (j = hit[best].k; j < hit[best].k + hit[best].m; j++)
			seen[j] = 1;
	}
	memcpy(keep, out->v + n0, (n1 - n0) * sizeof(*keep));
	out->n = n0;
	for (i = 0; i < n1 - n0;) {
		const struct words_special *w = NULL;
		size_t len = 1;
		for (j = 0; j < nhit; j++)
			if (take[j] == 1 && hit[j].k == i) {
				w = hit[j].w;
				len = hit[j].m;
			}
		if (w) {
			if (special_add(out, keep[i].off, w))
				return SL_ENOMEM;
		} else if (pt_spans_add(out, keep[i].off, keep[i].len)) {
			return SL_ENOMEM;
		}
		i += len;
	}
	return took_add(keep[0].off, keep[n1 - n0 - 1].off + keep[n1 - n0 - 1].len, n0, out->n) ? SL_ENOMEM : 1;
}

/* A chunk s[a, b) where the matcher took runs, its tokens now out->v[t0,
 * t1), for words_split_facts() to look at again (match_near). */
static int took_add(size_t a, size_t b, size_t t0, size_t t1)
{
	struct took_list *l = took_now;
	if (!l)
		return 0;
	if (l->n == l->cap) {
		struct took *nv = malloc(2 * l->cap * sizeof(*nv));
		if (!nv)
			return SL_ENOMEM;
		memcpy(nv, l->v, l->n * sizeof(*nv));
		if (l->v != l->first)
			free(l->v);
		l->v = nv;
		l->cap *= 2;
	}
	l->v[l->n].a = a;
	l->v[l->n].b = b;
	l->v[l->n].t0 = t0;
	l->v[l->n++].t1 = t1;
	return 0;
}

static int chunk(const char *s, size_t a, size_t b, struct pt_spans *out)
{
	size_t n0 = out->n;
	int rc = chunk_affixes(s, a, b, out, 1);
	return rc ? rc : match_specials(s, out, n0) < 0 ? SL_ENOMEM : 0;
}

/* The common chunk shapes, split without chunk()'s general search:
 * P* A+ ["."] S*, where a prefix P or suffix S is one character of the
 * ASCII tables or any non-ASCII punctuation or symbol, and A is anything
 * else but ASCII punctuation (letters, digits, marks, math symbols).
 * chunk() splits such a chunk into each P, A, the ".", each S, unless the
 * "." stays on A (a lone capital before it), which this leaves to chunk();
 * special cases and units are not looked for (special_near() sends those
 * chunks to chunk() first): 1 when split here, 0 when not, or SL_ENOMEM.
 * tests/unit/test_words.c holds both paths equal over real text. */
enum { FC_A = 1, FC_P = 2, FC_S = 4 };

static int fc_class(uint32_t c)
{
	_Static_assert(FC_A == 1 && FC_P == 2 && FC_S == 4, "hi_affix()'s values");
	if (c < 0x80)
		return alnum_tab[c] ? FC_A : (prefix_tab[c] ? FC_P : 0) | (suffix_tab[c] ? FC_S : 0);
	return hi_affix(c);
}

static inline size_t cp_len(unsigned char lead)
{
	return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/* The end of the run of ASCII letters and digits at q (n: the text's end;
 * the run stops at the chunk's end, a space), noting whether it holds a
 * letter; 16 bytes at a time where the text has them. */
static inline size_t alnum_run(const unsigned char *u, size_t q, size_t n, unsigned *letter)
{
#if defined(__SSE2__)
	while (q + 16 <= n) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(u + q));
		__m128i isle = ascii_letters(b), isal = _mm_or_si128(ascii_digits(b), isle);
		unsigned al, le, run;
		al = (unsigned)_mm_movemask_epi8(isal);
		le = (unsigned)_mm_movemask_epi8(isle);
		run = al == 0xffff ? 16 : (unsigned)__builtin_ctz(~al);
		*letter |= (le & ((1u << run) - 1)) != 0;
		q += run;
		if (run < 16)
			return q;
	}
#endif
	while (q < n && alnum_tab[u[q]]) {
		*letter |= u[q] >= 'A';
		q++;
	}
	return q;
}

/* chunk()'s test on the character before a '.' at e that ends the word
 * s[p, e) (letters, digits and other characters that are not punctuation
 * or symbols): a lowercase letter, a digit or "²", or an uppercase letter after
 * another one, and the '.' is split off.  ASCII read as bytes. */
static inline int dot_splits(const char *s, size_t p, size_t e)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char l = u[e - 1];
	size_t st;
	if (l >= 0x80) {
		uint32_t c = pt_prev(s, e, &st);
		return (spc(c) & SPC_DOT) || (sp_upper(c) && st > p && sp_upper(pt_prev(s, st, &st)));
	}
	if (l < 'A' || l > 'Z' || e - 1 <= p)
		return (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
	if (u[e - 2] < 0x80)
		return u[e - 2] >= 'A' && u[e - 2] <= 'Z';
	if ((l == 'C' || l == 'F' || l == 'K') && e - 3 >= p && u[e - 3] == 0xc2 && u[e - 2] == 0xb0)
		return 1; /* "(?<=°[FfCcKk])\." */
	return sp_upper(pt_prev(s, e - 1, &st));
}

static inline int a_upper(unsigned c) { return c - 'A' < 26u; }
static inline int a_lower(unsigned c) { return c - 'a' < 26u; }
static inline int a_alpha(unsigned c) { return (c | 0x20) - 'a' < 26u; }

/* A non-ASCII character c of a word: 0 when it is punctuation or a
 * symbol (it ends fast_chunk's A+), else 1, with *nonpset set when it is
 * outside datatrove's punctuation set and *alpha when alphabetic (each
 * looked up only until known). */
static inline int hi_char(uint32_t c, unsigned *nonpset, unsigned *alpha)
{
	if (c < PT_SMALL) {
		unsigned t = pt_small_[c];
		if ((t & PT_F_PS) || affix_not_ps(c))
			return 0;
		*nonpset |= !(t & PT_F_PSET);
	} else {
		if (pt_is_punct_or_symbol(c))
			return 0;
		if (!*nonpset) /* (a search: once per word, mostly) */
			*nonpset = !pt_in_punctuation_set(c);
	}
	if (!*alpha) /* (once per word, mostly) */
		*alpha = (unsigned)pt_isalpha(c);
	return 1;
}

/* The code point facts (words.h) of a token of cps code points; 0 (not
 * known) when too many to hold. */
static inline uint32_t cp_facts(size_t cps, unsigned nonpset, unsigned alpha)
{
	return cps >= (size_t)1 << 29 ? 0 :
	       (uint32_t)(cps << 3 | WX_KNOWN | (nonpset ? WX_NONSYM : 0) | (alpha ? WX_ALPHA : 0));
}

/* The fast paths' last tokens: the word s[a, e), then the nsuf suffixes
 * cut from the end (the last cut first in off[], len[]).  1 or SL_ENOMEM. */
static int add_last(struct pt_spans *out, size_t a, size_t e, const size_t *off, const size_t *len, size_t nsuf)
{
	if (pt_spans_add(out, a, e - a))
		return SL_ENOMEM;
	while (nsuf > 0) {
		nsuf--;
		if (pt_spans_add(out, off[nsuf], len[nsuf]))
			return SL_ENOMEM;
	}
	return 1;
}

/* chunk() on a chunk s[a, b) whose s[a, q) fast_chunk() found to be a word
 * (its A+, no prefixes) and whose s[q] is a U+2019 "’" ("l’aventure",
 * "d’Hésiode", "don’t", "l’Antarctique,"): words joined by single "’", then
 * perhaps one ASCII closing character or '.'.  chunk() makes of it the word,
 * the suffixes it cuts (the last character by its rules, then possessives
 * "’s" one after another: "’" is no infix), and the facts of none are known.
 * 1 when split here, 0 when not (nothing stored), or SL_ENOMEM. */
static int rsquo_chunk(const char *s, size_t a, size_t q, size_t b, size_t n, struct pt_spans *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t e = b, r, j, suf_off[8], suf_len[8], nsuf = 0;
	unsigned letter = 0;

	/* the shape: "’" then a word character, until the end or a last ASCII byte */
	for (r = q;;) {
		if (r + 3 >= b || u[r] != 0xe2 || u[r + 1] != 0x80 || u[r + 2] != 0x99)
			return 0;
		r += 3;
		if ((u[r] < 0x80 && !alnum_tab[u[r]]) || (u[r] == 0xe2 && u[r + 1] == 0x80 && u[r + 2] == 0x99))
			return 0;
		for (;;) {
			r = alnum_run(u, r, n, &letter);
			if (r >= b || u[r] < 0x80)
				break;
			if (u[r] == 0xe2 && u[r + 1] == 0x80 && u[r + 2] == 0x99)
				break;
			j = r;
			if (fc_class(pt_next(s, b, &j)) != FC_A)
				return 0;
			r = j;
		}
		if (r >= b || u[r] < 0x80)
			break;
	}
	if (r < b) {
		unsigned c = u[r];
		if (r + 1 != b || c == '\'' || (c != '.' && !suffix_tab[c]))
			return 0;
		if (c != '.' || dot_splits(s, a, r)) {
			suf_off[nsuf] = r;
			suf_len[nsuf++] = 1;
			e = r;
		} else {
			return pt_spans_add(out, a, b - a) ? SL_ENOMEM : 1; /* the '.' stays */
		}
	}
	/* possessives, one after another, as in chunk() */
	for (;;) {
		size_t m = poss_at(s, a, e);
		if (!m)
			break;
		if (nsuf == sizeof(suf_off) / sizeof(suf_off[0]))
			return 0;
		suf_off[nsuf] = e - m;
		suf_len[nsuf++] = m;
		e -= m;
	}
	return add_last(out, a, e, suf_off, suf_len, nsuf);
}

static int fast_chunk(const char *s, size_t a, size_t b, size_t n, struct pt_spans *out, unsigned char *afact,
		      uint32_t *acp, size_t *aidx)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t p = a, q, e, r, j, nsuf = 0, hib = 0, hic = 0, cps;
	int dot = 0;
	unsigned ascii = 0, letter = 0, nonpset = 0, halpha = 0;

	/* P*: ASCII runs from the table, other characters by class */
	for (;;) {
		while (p < b && u[p] < 0x80 && prefix_tab[u[p]])
			p++;
		if (p >= b || u[p] < 0x80)
			break;
		j = p;
		if (!(fc_class(pt_next(s, b, &j)) & FC_P))
			break;
		p = j;
	}
	/* A+: runs of ASCII letters and digits, and of other characters that
	 * are not punctuation or symbols (decoded here, classed by table) */
	q = p;
	for (;;) {
		q = alnum_run(u, q, n, &letter);
		if (q >= b || u[q] < 0x80)
			break;
		do {
			j = q;
			if (!hi_char(pt_next(s, b, &j), &nonpset, &halpha))
				goto a_end;
			ascii = 0x80;
			hib += j - q;
			hic++;
			q = j;
		} while (q < b && u[q] >= 0x80);
	}
a_end:
	if (q == p)
		return 0;
	e = q;
	if (p > a && u[p - 1] == '+' && is_digit(u[p]))
		return 0; /* "+5": no prefix */
	if (e < b && u[e] == '.') {
		if (!dot_splits(s, p, e)) {
			/* the '.' stays on the word: chunk() makes the chunk one
			 * token when nothing is around them ("J.", "있다.") */
			if (p != a || e + 1 != b)
				return 0;
			return pt_spans_add(out, a, b - a) ? -1 : 1;
		}
		dot = 1;
		e++;
	} else if (e + 3 < b && p == a && u[e] == 0xe2 && u[e + 1] == 0x80 && u[e + 2] == 0x99) {
		/* "’" and a word after it: not the suffixes below */
		int rc = rsquo_chunk(s, a, e, b, n, out);
		if (rc)
			return rc;
	}
	/* S* to the end */
	for (r = e; r < b; nsuf++) {
		if (u[r] < 0x80) {
			if (!suffix_tab[u[r]])
				return 0;
			r++;
		} else {
			uint32_t c;
			j = r;
			if (!(fc_class(c = pt_next(s, b, &j)) & FC_S))
				return 0;
			if (c == 0x2026 && j + 3 <= b && u[j] == 0xe2 && u[j + 1] == 0x80 && u[j + 2] == 0xa6)
				return 0; /* "……": one suffix, chunk()'s */
			r = j;
		}
	}
	if (nsuf + (size_t)dot > MAX_SUFFIX)
		return 0;
	for (r = a; r < p; r += j) {
		j = cp_len(u[r]);
		if (pt_spans_add(out, r, j))
			return -1;
	}
	*afact = (unsigned char)(ascii < 0x80 ? WF_PLAIN | (letter ? WF_LETTER : 0) : 0);
	/* for the word with other characters: its code points, and whether a
	 * character is outside the punctuation set (any ASCII letter or digit
	 * is) or alphabetic */
	cps = q - p - hib + hic;
	nonpset |= q - p > hib;
	*acp = ascii < 0x80 ? 0 : cp_facts(cps, nonpset, letter || halpha);
	*aidx = out->n;
	if (pt_spans_add(out, p, q - p))
		return -1;
	for (r = q; r < b; r += j) {
		j = cp_len(u[r]);
		if (pt_spans_add(out, r, j))
			return -1;
	}
	return 1;
}

/* Whether chunk() alone splits s[a, b) right, as spaCy's special cases or
 * unit suffixes may apply to it: one of the strings its loop looks up, what
 * is left between prefixes P and suffixes S (or '.') at either end, is a
 * special case, or one of them, or one without a possessive, ends in a
 * number and a unit; or two prefixes or more, or two suffixes or more, make
 * a special case (its matcher's).  fast_chunk() splits the rest (its
 * tokens start and end at those places only); sep_chunk() splits inside,
 * and the matcher runs on its tokens. */
static int special_near(const char *s, size_t a, size_t b)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lo[8], hi[8], nlo = 0, nhi = 0, i, j, x, y, m;
	unsigned dig = 0;
	lo[nlo++] = a;
	for (i = a; i < b && nlo < 8;) {
		size_t k = i;
		if (u[i] < 0x80) { /* (ASCII by table) */
			if (!prefix_tab[u[i]])
				break;
			lo[nlo++] = ++i;
			continue;
		}
		if (!(fc_class(pt_next(s, b, &k)) & FC_P))
			break;
		lo[nlo++] = i = k;
	}
	hi[nhi++] = b;
	for (j = b; j > a && nhi < 8;) {
		size_t st;
		uint32_t c;
		if (u[j - 1] < 0x80) {
			if (u[j - 1] != '.' && !suffix_tab[u[j - 1]])
				break;
			hi[nhi++] = --j;
			continue;
		}
		c = pt_prev(s, j, &st);
		if (!(fc_class(c) & FC_S))
			break;
		hi[nhi++] = j = st;
	}
	if (nlo == 8 || nhi == 8)
		return 1;
	/* runs of prefixes or of suffixes alone: the matcher's (fast_chunk()
	 * makes a token of each) */
	for (x = 0; x + 2 < nlo; x++)
		for (y = x + 2; y < nlo; y++)
			if (special_at(s + lo[x], lo[y] - lo[x]))
				return 1;
	for (x = 0; x + 2 < nhi; x++)
		for (y = x + 2; y < nhi; y++)
			if (special_at(s + hi[y], hi[x] - hi[y]))
				return 1;
	for (i = a; i < b && !dig; i++) /* (units: only after a digit) */
		dig = (unsigned)(u[i] - '0') < 10u;
	for (y = 0; y < nhi; y++) {
		if (dig && unit_at(s, a, hi[y]))
			return 1;
		m = poss_at(s, a, hi[y]);
		if (m && dig && unit_at(s, a, hi[y] - m))
			return 1;
		for (x = 0; x < nlo; x++) {
			if (hi[y] > lo[x] && special_at(s + lo[x], hi[y] - lo[x]))
				return 1;
			if (m && hi[y] - m > lo[x] && special_at(s + lo[x], hi[y] - m - lo[x]))
				return 1;
		}
	}
	return 0;
}

/* Byte classes: 1 ASCII letter or digit, 2 other printable ASCII, 3 ASCII
 * whitespace, 0 the rest (control bytes, UTF-8). */
static unsigned char byte_class[256];

static void init_classes_once(void)
{
	int c;
	for (c = 0x21; c < 0x7f; c++)
		byte_class[c] = alnum_tab[c] ? 1 : 2;
	for (c = 0x09; c <= 0x0d; c++)
		byte_class[c] = 3;
	for (c = 0x1c; c <= 0x20; c++)
		byte_class[c] = 3;
}

/* (after init_tabs: the classes are made from alnum_tab) */
static void init_classes(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_classes_once);
}

/* Room in f for need tokens: v and cp in one block (v's), so that
 * freeing v frees them both. */
static int facts_grow(struct words_facts *f, size_t need)
{
	size_t cap = f->cap < 32 ? 32 : f->cap;
	unsigned char *blk;
	if (need <= f->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 16)
			return SL_ENOMEM;
		cap *= 2;
	}
	if (!(blk = malloc(cap * (1 + sizeof(uint32_t)))))
		return SL_ENOMEM;
	if (f->cap) {
		memcpy(blk, f->v, f->cap);
		memcpy(blk + cap, f->cp, f->cap * sizeof(uint32_t));
	}
	free(f->v);
	f->v = blk;
	f->cp = (uint32_t *)(void *)(blk + cap); /* cap is a multiple of 4 */
	f->cap = cap;
	return 0;
}

/* Facts of the tokens from n0 on (0: not known), room for them first. */
static int facts_set(struct words_facts *f, size_t n0, size_t n, size_t at, unsigned char v, uint32_t cp)
{
	if (n > f->cap && facts_grow(f, n))
		return SL_ENOMEM;
	for (; n0 < n; n0++) { /* a few tokens: no memset call */
		f->v[n0] = 0;
		f->cp[n0] = 0;
	}
	if (at < n) {
		f->v[at] = v;
		f->cp[at] = cp;
	}
	return 0;
}

/* What chunk() makes of the commonest chunks that fast_chunk() cannot
 * split ("in-stream", "Chief's", "3.0", "2019-05-01", "a.m.", "1-2,"), found
 * from bit masks of at most 16 bytes rather than by its loops, whose
 * branches the variety of chunks defeats: ASCII runs of letters and digits
 * with one other character (not '@') between each two, no '.' before a
 * small letter (a URL may start there), then perhaps one suffix
 * character.  Then the prefixes are none; the suffixes that one character
 * (but "'": its own rules) or a '.' (chunk()'s rules), and a possessive
 * "'s" after a single "'"; and each separator is an infix by the
 * characters on either side (infix_split()), with no "..".  Special cases
 * and units are left to special_near() before, and the matcher after.
 * 1 when split here (no facts: none known, as after chunk()), 0 when not
 * (nothing stored), or SL_ENOMEM. */
static int sep_chunk(const char *s, size_t a, size_t b, size_t n, struct pt_spans *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = b - a, e, start, i;
	unsigned al, at, apos, valid, sp, seps, tail = 0;
	size_t suf_off[2], suf_len[2], nsuf = 0;
	int stop = 0;

	if (len > 16)
		return 0;
	valid = (1u << len) - 1;
	{
#if defined(__SSE2__)
		unsigned char pad[16];
		const unsigned char *src = u + a;
		__m128i v;
		if (n - a < 16) { /* (the text is not padded) */
			memset(pad, 0, sizeof(pad));
			memcpy(pad, u + a, len);
			src = pad;
		}
		v = _mm_loadu_si128((const __m128i *)(const void *)src);
		if ((unsigned)_mm_movemask_epi8(v) & valid)
			return 0; /* not ASCII */
		al = (unsigned)_mm_movemask_epi8(_mm_or_si128(ascii_letters(v), ascii_digits(v)));
		at = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
		apos = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
#else
		(void)n;
		al = at = apos = 0;
		for (i = 0; i < len; i++) {
			unsigned c = u[a + i];
			if (c >= 0x80)
				return 0;
			al |= (unsigned)alnum_tab[c] << i;
			at |= (unsigned)(c == '@') << i;
			apos |= (unsigned)(c == '\'') << i;
		}
#endif
	}
	al &= valid;
	apos &= valid;
	sp = valid & ~al;
	if (!(al & 1) || (at & valid) || (apos & (apos - 1)))
		return 0;
	if ((u[a + 1] == '$' && (u[a] == 'C' || u[a] == 'A')) || (len > 2 && u[a + 2] == '$' && u[a] == 'U' && u[a + 1] == 'S'))
		return 0; /* a currency prefix: chunk()'s */
	if (sp >> (len - 1)) {
		unsigned c = u[b - 1];
		if (c != '.' && (!suffix_tab[c] || c == '\''))
			return 0;
		tail = 1;
	}
	seps = sp & (valid >> tail);
	/* separators inside, one apart or more, the core's ends letters or digits */
	if (!seps || (seps & (seps >> 1)) || (seps >> (len - tail - 1)))
		return 0;
	/* a '.' before a small letter may make a URL ("foo-bar.com/a-b",
	 * url_match()), and so may three dots ("1.2.3.4/a"): chunk()'s */
	{
		unsigned dots = 0;
		for (i = seps; i; i &= i - 1) {
			size_t k = a + (size_t)__builtin_ctz(i);
			if (u[k] == '.' && (a_lower(u[k + 1]) || ++dots == 3))
				return 0;
		}
	}
	/* the suffixes */
	e = b;
	if (tail) {
		if (u[b - 1] != '.') {
			suf_off[nsuf] = b - 1;
			suf_len[nsuf++] = 1;
			e--;
		} else {
			if (dot_splits(s, a, b - 1)) {
				suf_off[nsuf] = b - 1;
				suf_len[nsuf++] = 1;
				e--;
			} else {
				stop = 1;
			}
		}
	}
	if (!stop && (apos & (valid >> (b - e)))) {
		size_t m = poss_at(s, a, e);
		if (m) {
			suf_off[nsuf] = e - m;
			suf_len[nsuf++] = m;
			e -= m;
		}
	}
	/* the infixes */
	seps &= (1u << (e - a - 1)) - 1; /* (the last character of the rest is never one) */
	start = a;
	while (seps) {
		unsigned c, prev, next;
		int cut;
		i = a + (size_t)__builtin_ctz(seps);
		seps &= seps - 1;
		c = u[i];
		prev = u[i - 1];
		next = u[i + 1];
		switch (c) {
		case '-':
			cut = a_alpha(next) || (is_digit(prev) && is_digit(next));
			break;
		case '~': case ':': case '<': case '>': case '=': case '/':
			cut = a_alpha(next);
			break;
		case ',':
			cut = a_alpha(prev) && a_alpha(next);
			break;
		case '+': case '*': case '^':
			cut = is_digit(prev) && is_digit(next);
			break;
		case '.':
			cut = a_lower(prev) && a_upper(next);
			break;
		default:
			cut = 0;
			break;
		}
		if (cut) {
			if (pt_spans_add(out, start, i - start) || pt_spans_add(out, i, 1))
				return SL_ENOMEM;
			start = i + 1;
		}
	}
	return add_last(out, start, e, suf_off, suf_len, nsuf);
}

/* A chunk's tokens (simple: ASCII letters and digits only, letter: with a
 * letter among them), and their facts when f. */
static int emit_chunk(const char *s, size_t a, size_t b, size_t n, int simple, int letter, struct pt_spans *out,
		      struct words_facts *f)
{
	size_t n0 = out->n, aidx = SIZE_MAX;
	unsigned char afact = 0;
	uint32_t acp = 0;
	int rc;
	if (simple && plain_whole(s, a, b, 1)) {
		if ((rc = pt_spans_add(out, a, b - a)))
			return rc;
		afact = (unsigned char)(WF_PLAIN | (letter ? WF_LETTER : 0));
		aidx = n0;
	} else if (simple || words_no_fast_path) {
		if ((rc = chunk(s, a, b, out)))
			return rc;
	} else if (b - a == cp_len((unsigned char)s[a])) {
		/* one character: chunk() leaves it whole */
		if ((rc = pt_spans_add(out, a, b - a)))
			return rc;
	} else if (special_near(s, a, b)) {
		if ((rc = chunk(s, a, b, out)))
			return rc;
	} else if ((rc = sep_chunk(s, a, b, n, out)) != 0) {
		if (rc < 0)
			return rc;
		/* what chunk() does last: tokens that make a special case's
		 * pattern become its tokens ("Note:D" -> "Note" ":D") */
		if ((rc = match_specials(s, out, n0)) < 0)
			return rc;
	} else if ((rc = fast_chunk(s, a, b, n, out, &afact, &acp, &aidx)) != 0) {
		if (rc < 0)
			return rc;
	} else if ((rc = chunk(s, a, b, out))) {
		return rc;
	}
	return f ? facts_set(f, n0, out->n, aidx, afact, acp) : 0;
}

/* The general scanner, a byte and a code point at a time. */
static int split_scalar(const char *s, size_t n, struct pt_spans *out, struct words_facts *f)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j;
	int rc;
	while (i < n) {
		size_t start;
		int simple = 1, letter = 0;
		/* skip whitespace */
		while (i < n) {
			unsigned char k = byte_class[u[i]];
			if (k == 3) {
				i++;
			} else if (k == 0) {
				j = i;
				if (!pt_isspace(pt_next(s, n, &j)))
					break;
				i = j;
			} else {
				break;
			}
		}
		if (i >= n)
			break;
		/* the chunk */
		start = i;
		while (i < n) {
			unsigned char k = byte_class[u[i]];
			if (k == 1) {
				letter |= u[i] >= 'A';
				i++;
			} else if (k == 2) {
				simple = 0;
				i++;
			} else if (k == 3) {
				break;
			} else {
				j = i;
				if (pt_isspace(pt_next(s, n, &j)))
					break;
				simple = 0;
				i = j;
			}
		}
		if ((rc = emit_chunk(s, start, i, n, simple, letter, out, f)))
			return rc;
	}
	return 0;
}

/* A chunk s[a, last] of a word (fast_chunk's A+: ASCII letters and digits,
 * other characters that are not punctuation or symbols) and one ASCII
 * character at last (a < last): whether fast_chunk() splits that character
 * off (a suffix, or a "." it does not leave on the word). */
static inline int split_last(const char *s, size_t a, size_t last)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[last] != '.')
		return u[last] < 0x80 && suffix_tab[u[last]];
	return dot_splits(s, a, last);
}

/* 64 bytes at s: bit i of *ws set when s[i] is ASCII whitespace, of *sp
 * when it is neither that nor an ASCII letter or digit, of the result when
 * it may lead a non-ASCII space (0xc2 0xe1 0xe2 0xe3). */
static uint64_t classify64(const unsigned char *s, uint64_t *ws, uint64_t *sp, uint64_t *let, uint64_t *hi)
{
#if defined(__SSE2__)
	uint64_t w = 0, a = 0, l = 0, lt = 0, h = 0;
	int k;
	for (k = 0; k < 4; k++) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
		__m128i t, isws, isal, isle;
		isws = ascii_spaces(b);
		isle = ascii_letters(b);
		isal = _mm_or_si128(ascii_digits(b), isle);
		t = space_leads(b);
		w |= (uint64_t)(uint16_t)_mm_movemask_epi8(isws) << (16 * k);
		a |= (uint64_t)(uint16_t)_mm_movemask_epi8(isal) << (16 * k);
		lt |= (uint64_t)(uint16_t)_mm_movemask_epi8(isle) << (16 * k);
		l |= (uint64_t)(uint16_t)_mm_movemask_epi8(t) << (16 * k);
		h |= (uint64_t)(uint16_t)_mm_movemask_epi8(b) << (16 * k);
	}
	*ws = w;
	*sp = ~(w | a);
	*let = lt;
	*hi = h;
	return l;
#else
	uint64_t w = 0, p = 0, l = 0, lt = 0, h = 0;
	int k;
	for (k = 0; k < 64; k++) {
		unsigned char c = byte_class[s[k]];
		w |= (uint64_t)(c == 3) << k;
		p |= (uint64_t)(c == 0 || c == 2) << k;
		lt |= (uint64_t)(c == 1 && s[k] >= 'A') << k;
		l |= (uint64_t)(s[k] == 0xc2 || (s[k] >= 0xe1 && s[k] <= 0xe3)) << k;
		h |= (uint64_t)(s[k] >= 0x80) << k;
	}
	*ws = w;
	*sp = p;
	*let = lt;
	*hi = h;
	return l;
#endif
}

/* A chunk u[a, b) of ASCII letters and digits and other characters (no
 * ASCII punctuation, at least one other character): 1 when none of the
 * other characters is punctuation or a symbol, so that fast_chunk() would
 * make it one token (its A+ to the end), with the token's code point facts
 * in *cp (words.h); 0 when one is (or SL_ENOMEM never: nothing is stored). */
static inline int hi_word(const unsigned char *u, size_t a, size_t b, size_t n, uint32_t *cp)
{
#if defined(__SSE2__)
	/* 16 bytes at a time: the code points counted from the bytes that
	 * do not continue one, an ASCII letter seen from a mask, and only the
	 * non-ASCII characters decoded, at their lead bytes */
	size_t i, cps = 0;
	unsigned nonpset = 0, alpha = 0;
	for (i = a; i < b; i += 16) {
		unsigned char pad[16];
		const unsigned char *src = u + i;
		unsigned valid = b - i >= 16 ? 0xffff : (1u << (b - i)) - 1, hi, cont, lead;
		__m128i v;
		if (n - i < 16) { /* (the text is not padded) */
			memset(pad, 0, sizeof(pad));
			memcpy(pad, u + i, b - i < 16 ? b - i : 16);
			src = pad;
		}
		v = _mm_loadu_si128((const __m128i *)(const void *)src);
		hi = (unsigned)_mm_movemask_epi8(v) & valid;
		cont = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xc0)),
								  _mm_set1_epi8((char)0x80))) & valid;
		cps += (size_t)pop32(valid & ~cont);
		if (!alpha && (valid & ~hi)) {
			alpha = ((unsigned)_mm_movemask_epi8(ascii_letters(v)) & valid & ~hi) != 0;
		}
		nonpset |= (valid & ~hi) != 0; /* an ASCII letter or digit */
		for (lead = hi & ~cont; lead; lead &= lead - 1) {
			size_t j = i + (size_t)__builtin_ctz(lead);
			if (!hi_char(pt_next((const char *)u, b, &j), &nonpset, &alpha))
				return 0;
		}
	}
	*cp = cp_facts(cps, nonpset, alpha);
	return 1;
#else
	size_t i = a, hib = 0, hic = 0, cps;
	unsigned nonpset = 0, alpha = 0;
	(void)n;
	while (i < b) {
		uint32_t c;
		size_t j;
		if (u[i] < 0x80) {
			alpha |= (unsigned)(u[i] | 0x20) - 'a' < 26u;
			i++;
			continue;
		}
		j = i;
		c = pt_next((const char *)u, b, &j);
		if (!hi_char(c, &nonpset, &alpha))
			return 0;
		hib += j - i;
		hic++;
		i = j;
	}
	cps = b - a - hib + hic;
	nonpset |= b - a > hib; /* an ASCII letter or digit */
	*cp = cp_facts(cps, nonpset, alpha);
	return 1;
#endif
}

/* The length of the non-ASCII space (pt_isspace) at u[i] (a byte that
 * may lead one: c2 e1 e2 e3), or 0: read from its bytes, no decoding. */
static inline size_t space_len(const unsigned char *u, size_t i, size_t n)
{
	unsigned b1, b2;
	if (i + 1 >= n)
		return 0;
	b1 = u[i + 1];
	if (u[i] == 0xc2)
		return b1 == 0x85 || b1 == 0xa0 ? 2 : 0; /* U+0085 U+00A0 */
	if (i + 2 >= n)
		return 0;
	b2 = u[i + 2];
	switch (u[i]) {
	case 0xe1:
		return b1 == 0x9a && b2 == 0x80 ? 3 : 0; /* U+1680 */
	case 0xe2: /* U+2000-U+200A U+2028 U+2029 U+202F U+205F */
		return (b1 == 0x80 && (b2 <= 0x8a || b2 == 0xa8 || b2 == 0xa9 || b2 == 0xaf)) ||
		       (b1 == 0x81 && b2 == 0x9f) ? 3 : 0;
	case 0xe3:
		return b1 == 0x80 && b2 == 0x80 ? 3 : 0; /* U+3000 */
	default:
		return 0;
	}
}

/* Room in out (and f) for 32 more tokens: the most one 64-byte block
 * adds on the paths that store tokens directly. */
static inline int room32(struct pt_spans *out, struct words_facts *f)
{
	while (out->cap < out->n + 32)
		if (pt_spans_grow_(out))
			return SL_ENOMEM;
	if (f && f->cap < out->n + 32 && facts_grow(f, out->n + 32))
		return SL_ENOMEM;
	return 0;
}

/* A chunk of ASCII letters and digits (with a letter or not): one token,
 * in the room room32() made. */
static inline void add_plain(struct pt_spans *out, struct words_facts *f, size_t off, size_t len, int letter)
{
	out->v[out->n].off = off;
	out->v[out->n].len = len;
	if (f)
		f->v[out->n] = (unsigned char)(WF_PLAIN | (letter ? WF_LETTER : 0));
	out->n++;
}

/* chunk() on s[a, b), facts not known, and room32() again. */
static int emit_general(const char *s, size_t a, size_t b, struct pt_spans *out, struct words_facts *f)
{
	size_t n0 = out->n;
	int rc;
	if ((rc = chunk(s, a, b, out)))
		return rc;
	if (f && (rc = facts_set(f, n0, out->n, SIZE_MAX, 0, 0)))
		return rc;
	return room32(out, f);
}

/* special_near() for a chunk without prefixes or suffixes: whether s[a, b)
 * is one token as it is (not a special case, no number and unit). */
static inline int word_whole(const char *s, size_t a, size_t b, int digits)
{
	return !special_at(s + a, b - a) && !(digits && unit_at(s, a, b));
}

/* Chunks found 64 bytes at a time from bit masks: whitespace bits end and
 * start chunks, and a chunk without "special" bits (anything but ASCII
 * letters and digits) is one token.  Non-ASCII spaces are found from their
 * lead bytes and their bits moved from sp to ws, spilling into the next
 * block when they straddle it.  The same chunks as split_scalar. */
static int split_facts(const char *s, size_t n, struct pt_spans *out, struct words_facts *f)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char tail[64];
	uint64_t carry = 0;       /* whitespace bits spilled into this block */
	size_t base, start = 0;
	int in_word = 0, special = 0, aspecial = 0, letter = 0, hiw, rc;
	uint32_t wcp = 0;

	init_tabs();
	init_classes();
	(void)pt_small(0); /* the table built (and seen): fast_chunk() reads pt_small_ */
	if (words_no_fast_path)
		return split_scalar(s, n, out, f);
	for (base = 0; base < n; base += 64) {
		const unsigned char *blk = u + base;
		size_t avail = n - base;
		uint64_t ws, sp, let, hi, lead;
		/* room for the simple tokens of this block */
		if (room32(out, f))
			return SL_ENOMEM;
		if (avail < 64) {
			memcpy(tail, blk, avail);
			memset(tail + avail, ' ', 64 - avail);
			blk = tail;
		}
		lead = classify64(blk, &ws, &sp, &let, &hi);
		ws |= carry;
		sp &= ~carry;
		carry = 0;
		while (lead) {
			size_t p = (size_t)__builtin_ctzll(lead), len, b;
			lead &= lead - 1;
			len = base + p < n ? space_len(u, base + p, n) : 0;
			if (len) {
				for (b = p; b < p + len; b++) {
					if (b < 64) {
						ws |= (uint64_t)1 << b;
						sp &= ~((uint64_t)1 << b);
					} else {
						carry |= (uint64_t)1 << (b - 64);
					}
				}
			}
		}
		/* bit i of starts: a chunk starts at i; of ends: one ends
		 * before i (i = 0: the chunk of the blocks before).  Chunks
		 * that start here pair off with the ends after the first if
		 * a chunk was open; a last start without an end stays open.
		 * (Two masks walked apart: no chain of finds from one chunk's
		 * end to the next one's start.) */
		{
			uint64_t nonws = ~ws, prevnw = nonws << 1 | (uint64_t)in_word;
			uint64_t starts = nonws & ~prevnw, ends = ws & prevnw;
			for (;;) {
				uint64_t in, ain, end;
				int special0, aspecial0, cont;
				if (in_word) {
					if (!ends) { /* the open chunk goes on past this block */
						special |= sp != 0;
						aspecial |= (sp & ~hi) != 0;
						letter |= let != 0;
						break;
					}
					end = (uint64_t)__builtin_ctzll(ends);
					in = ((uint64_t)1 << end) - 1;
					special0 = special;
					aspecial0 = aspecial;
					cont = 1;
				} else {
					uint64_t b0;
					if (!ends)
						break;
					b0 = (uint64_t)__builtin_ctzll(starts);
					starts &= starts - 1;
					end = (uint64_t)__builtin_ctzll(ends);
					in = ((uint64_t)1 << end) - ((uint64_t)1 << b0);
					start = base + b0;
					if (!(sp & in)) { /* (most chunks) */
						ends &= ends - 1;
						if (plain_whole(s, start, base + end, (in & ~let) != 0))
							add_plain(out, f, start, end - b0, (let & in) != 0);
						else if ((rc = emit_general(s, start, base + end, out, f)))
							return rc;
						continue;
					}
					special0 = aspecial0 = special = aspecial = letter = 0;
					cont = 0;
				}
				ends &= ends - 1;
				in_word = 0;
				ain = sp & ~hi & in;
				special |= (sp & in) != 0;
				aspecial |= ain != 0;
				letter |= (let & in) != 0;
				if (!special) { /* (a chunk from the blocks before) */
					if (plain_whole(s, start, base + end, 1))
						add_plain(out, f, start, base + end - start, letter);
					else if ((rc = emit_general(s, start, base + end, out, f)))
						return rc;
				} else if (!aspecial0 && end > 0 && ain == (uint64_t)1 << (end - 1) && start + 1 < base + end &&
					   (hiw = !special0 && (sp & in) == ain ? 0 : 1,
					    !hiw || hi_word(u, start, base + end - 1, n, &wcp)) &&
					   split_last(s, start, base + end - 1) && !special_at(s + start, base + end - start) &&
					   word_whole(s, start, base + end - 1, cont || (in & ~sp & ~let))) {
					/* a word (ASCII letters and digits: plain, or with
					 * other characters: its code points known), then its
					 * only ASCII punctuation, a closing character that
					 * fast_chunk() would split off: the two tokens here */
					out->v[out->n].off = start;
					out->v[out->n].len = base + end - 1 - start;
					out->v[out->n + 1].off = base + end - 1;
					out->v[out->n + 1].len = 1;
					if (f) {
						f->v[out->n] = (unsigned char)(hiw ? 0 : WF_PLAIN | (letter ? WF_LETTER : 0));
						f->cp[out->n] = hiw ? wcp : 0;
						f->v[out->n + 1] = 0;
						f->cp[out->n + 1] = 0;
					}
					out->n += 2;
					if (room32(out, f)) /* the room again */
						return SL_ENOMEM;
				} else if (!aspecial && hi_word(u, start, base + end, n, &wcp) &&
					   word_whole(s, start, base + end, cont || (in & ~sp & ~let))) {
					/* ASCII letters and digits and other characters, none
					 * punctuation or a symbol: one token (fast_chunk's A+) */
					out->v[out->n].off = start;
					out->v[out->n].len = base + end - start;
					if (f) {
						f->v[out->n] = 0;
						f->cp[out->n] = wcp;
					}
					out->n++;
				} else {
					if ((rc = emit_chunk(s, start, base + end, n, 0, letter, out, f)))
						return rc;
					if (room32(out, f)) /* the room again */
						return SL_ENOMEM;
				}
			}
			if (starts) { /* a chunk that goes on into the next block */
				uint64_t rest = ~(uint64_t)0 << __builtin_ctzll(starts);
				start = base + (size_t)__builtin_ctzll(starts);
				in_word = 1;
				special = (sp & rest) != 0;
				aspecial = (sp & ~hi & rest) != 0;
				letter = (let & rest) != 0;
			}
		}
	}
	if (in_word && (rc = emit_chunk(s, start, n, n, !special, letter, out, f)))
		return rc;
	return 0;
}

/* Whether tokens v[0] and v[1] are neighbours to spaCy's matcher: in one
 * chunk, or one space apart (other whitespace is a token of its own). */
static inline int joined(const char *s, const struct pt_span *v)
{
	size_t end = v[0].off + v[0].len;
	return v[1].off == end || (v[1].off == end + 1 && s[end] == ' ');
}

struct run {
	size_t k, m;
	const struct words_special *w; /* NULL: not taken */
};

static int run_cmp(const void *x, const void *y)
{
	const struct run *a = x, *b = y;
	if (a->m != b->m)
		return a->m > b->m ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* spaCy's matcher and _filter_special_spans on the tokens v[0, nv) (of
 * whole chunks, before the matcher), for the runs that overlap v[lo, hi):
 * the runs of 2 to PATTERN_MAX neighbours that spell a pattern, the
 * longest first (the earliest of equal ones), each taken unless its first
 * or last token is in one looked at before; then v[lo, hi) appended to out
 * with the taken runs in one chunk as their special cases' tokens.  A run
 * across a space is never a special case (none holds a space), but it
 * takes its turn, and so can keep another from being taken. */
static int match_runs(const char *s, const struct pt_span *v, size_t nv, size_t lo, size_t hi, struct pt_spans *out,
		      size_t *taken)
{
	struct run *run = NULL;
	size_t *at = NULL, nrun = 0, caprun = 0, i, j, k, m, q;
	int rc = 0;

	for (k = lo >= PATTERN_MAX ? lo - PATTERN_MAX + 1 : 0; k < hi && !rc; k++) {
		char cat[64];
		size_t len = 0;
		for (m = 1; m <= PATTERN_MAX && k + m <= nv; m++) {
			const struct words_special *w;
			if ((m > 1 && !joined(s, v + k + m - 2)) || len + v[k + m - 1].len > sizeof(cat) - 1)
				break;
			memcpy(cat + len, s + v[k + m - 1].off, v[k + m - 1].len);
			len += v[k + m - 1].len;
			if (m < 2 || k + m <= lo)
				continue;
			q = special_fbit(cat, len);
			if (!(pattern_filter[q >> 6] >> (q & 63) & 1) || !(w = special_find(cat, len)))
				continue;
			q = (size_t)(w - words_specials);
			if (special_pattern[q].ntok != m)
				continue;
			for (j = 0; j < m && special_pattern[q].len[j] == v[k + j].len; j++)
				;
			if (j < m)
				continue;
			if (nrun == caprun) {
				struct run *nr = realloc(run, (caprun = caprun ? 2 * caprun : 16) * sizeof(*run));
				if (!nr) {
					rc = SL_ENOMEM;
					break;
				}
				run = nr;
			}
			run[nrun].k = k;
			run[nrun].m = m;
			run[nrun++].w = w;
		}
	}
	if (!rc && !(at = calloc(nv + 1, sizeof(*at))))
		rc = SL_ENOMEM;
	if (!rc) {
		if (nrun)
			qsort(run, nrun, sizeof(*run), run_cmp);
		for (i = 0; i < nrun; i++) { /* at[k] nonzero: token k in a run looked at */
			if (at[run[i].k] || at[run[i].k + run[i].m - 1])
				run[i].w = NULL;
			for (j = 0; j < run[i].m; j++)
				at[run[i].k + j] = 1;
		}
		/* now at[k] = 1 + the taken run in one chunk, within v[lo, hi),
		 * that starts at k, or 0 */
		memset(at, 0, nv * sizeof(*at));
		for (i = 0; i < nrun; i++)
			if (run[i].w && run[i].k >= lo && run[i].k + run[i].m <= hi &&
			    v[run[i].k + run[i].m - 1].off + v[run[i].k + run[i].m - 1].len - v[run[i].k].off == run[i].w->len)
				at[run[i].k] = i + 1;
		for (k = lo; k < hi && !rc;) {
			if (at[k]) {
				const struct run *r = &run[at[k] - 1];
				if (taken)
					++*taken;
				rc = special_add(out, v[k].off, r->w);
				k += r->m;
			} else {
				rc = pt_spans_add(out, v[k].off, v[k].len);
				k++;
			}
		}
	}
	free(at);
	free(run);
	return rc;
}

/* Tokens v[0, n) appended to res, with their facts from fv and fcp (or
 * unknown when fv is NULL) appended to rf when rf. */
static int add_tokens(struct pt_spans *res, struct words_facts *rf, const struct pt_span *v, size_t n,
		      const unsigned char *fv, const uint32_t *fcp)
{
	while (res->cap < res->n + n)
		if (pt_spans_grow_(res))
			return SL_ENOMEM;
	memcpy(res->v + res->n, v, n * sizeof(*v));
	if (rf) {
		if (rf->cap < res->n + n && facts_grow(rf, res->n + n))
			return SL_ENOMEM;
		if (fv) {
			memcpy(rf->v + res->n, fv, n);
			memcpy(rf->cp + res->n, fcp, n * sizeof(*fcp));
		} else {
			memset(rf->v + res->n, 0, n);
			memset(rf->cp + res->n, 0, n * sizeof(*rf->cp));
		}
	}
	res->n += n;
	return 0;
}

/* Whether the code point ending at s[i) (i > 0), or starting at s[i] (i <
 * n), is whitespace. */
static int space_ends(const char *s, size_t i)
{
	size_t st;
	return pt_isspace(pt_prev(s, i, &st));
}

static int space_starts(const char *s, size_t n, size_t i)
{
	return pt_isspace(pt_next(s, n, &i));
}

static inline int pair_meets(char x, char y)
{
	unsigned char ux = (unsigned char)x, uy = (unsigned char)y;
	return pattern_pair[ux][uy >> 6] >> (uy & 63) & 1;
}

/* The chunk where match_specials() took a run, c, again with spaCy's runs
 * across the single spaces around it: the chunks up to PATTERN_MAX - 1 on
 * each side that are one space apart, split as the matcher sees them, and
 * the runs that overlap c decided among themselves (no other run touches
 * c's tokens).  1 with c's tokens in nw when they are not out's, 0 when
 * they are (mostly: skipped unless the bytes on the two sides of a space
 * are ones a pattern's tokens meet at, pattern_pair), or SL_ENOMEM. */
static int match_near(const char *s, size_t n, const struct pt_spans *out, const struct took *c, struct pt_spans *nw)
{
	struct pt_spans w = { 0 };
	size_t a = c->a, b = c->b, st[PATTERN_MAX], en[PATTERN_MAX], p, e, lo, hi;
	unsigned nl = 0, nr = 0;
	int rc = 0;

	if (!(a >= 2 && s[a - 1] == ' ' && !space_ends(s, a - 1) && pair_meets(s[a - 2], s[a])) &&
	    !(b + 1 < n && s[b] == ' ' && !space_starts(s, n, b + 1) && pair_meets(s[b - 1], s[b + 1])))
		return 0;
	/* the chunks to the left, nearest first, then the window's tokens */
	for (p = a; nl < PATTERN_MAX - 1 && p >= 2 && s[p - 1] == ' ' && !space_ends(s, p - 1); p = st[nl++]) {
		en[nl] = p - 1;
		for (st[nl] = p - 1; st[nl] > 0 && !space_ends(s, st[nl]);)
			pt_prev(s, st[nl], &st[nl]);
	}
	while (nl > 0 && !rc) {
		nl--;
		rc = chunk_affixes(s, st[nl], en[nl], &w, 1);
	}
	lo = w.n;
	if (!rc)
		rc = chunk_affixes(s, a, b, &w, 1);
	hi = w.n;
	for (p = b; !rc && nr < PATTERN_MAX - 1 && p + 1 < n && s[p] == ' ' && !space_starts(s, n, p + 1); nr++, p = e) {
		for (e = p + 1; e < n && !space_starts(s, n, e);)
			pt_next(s, n, &e);
		rc = chunk_affixes(s, p + 1, e, &w, 1);
	}
	if (!rc)
		rc = match_runs(s, w.v, w.n, lo, hi, nw, NULL);
	pt_spans_release(&w);
	if (rc)
		return rc;
	return nw->n != c->t1 - c->t0 || memcmp(nw->v, out->v + c->t0, nw->n * sizeof(*nw->v)) != 0;
}

/* The chunks match_near() changed, out (and f) rebuilt once with their new
 * tokens (facts unknown) in one pass: a text of many such chunks costs no
 * more than its length. */
static int match_all_near(const char *s, size_t n, struct pt_spans *out, struct words_facts *f,
			  const struct took_list *l)
{
	struct pt_spans res = { 0 }, nw = { 0 };
	struct words_facts rf = { 0 };
	size_t k, done = 0;
	int rc = 0, changed = 0;
	for (k = 0; k < l->n && rc >= 0; k++) {
		nw.n = 0;
		if ((rc = match_near(s, n, out, &l->v[k], &nw)) <= 0)
			continue;
		rc = add_tokens(&res, f ? &rf : NULL, out->v + done, l->v[k].t0 - done, f ? f->v + done : NULL,
				f ? f->cp + done : NULL);
		if (!rc)
			rc = add_tokens(&res, f ? &rf : NULL, nw.v, nw.n, NULL, NULL);
		done = l->v[k].t1;
		changed = 1;
	}
	if (rc >= 0 && changed)
		rc = add_tokens(&res, f ? &rf : NULL, out->v + done, out->n - done, f ? f->v + done : NULL,
				f ? f->cp + done : NULL);
	if (rc >= 0 && changed) {
		struct pt_spans old = *out;
		*out = res;
		res = old;
		if (f) {
			free(f->v);
			*f = rf;
			rf.v = NULL;
		}
	}
	pt_spans_release(&res);
	pt_spans_release(&nw);
	free(rf.v);
	return rc < 0 ? rc : 0;
}

int words_split_facts(const char *s, size_t n, struct pt_spans *out, struct words_facts *f)
{
	struct took_list l;
	int rc;
	l.v = l.first;
	l.n = 0;
	l.cap = sizeof(l.first) / sizeof(l.first[0]);
	took_now = &l;
	rc = split_facts(s, n, out, f);
	took_now = NULL;
	if (!rc && l.n)
		rc = match_all_near(s, n, out, f, &l);
	if (l.v != l.first)
		free(l.v);
	return rc;
}

int words_split(const char *s, size_t n, struct pt_spans *out)
{
	return words_split_facts(s, n, out, NULL);
}

/* spaCy's Token.is_punct: every character is Unicode punctuation (P*;
 * symbols such as "©", "€" and emoji are not). */
static int tok_is_punct(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n)
		if (!pt_is_punct(pt_next(s, n, &i)))
			return 0;
	return n > 0;
}

/* One of the Sentencizer's punct_chars: "!" "." "?" or words_sent_punct. */
static int tok_is_terminal(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;
	if (n == 0)
		return 0;
	c = pt_next(s, n, &i);
	if (i != n)
		return 0;
	if (c < 0x80)
		return c == '!' || c == '.' || c == '?';
	return pt_in_sorted(words_sent_punct, sizeof(words_sent_punct) / sizeof(words_sent_punct[0]), c);
}

size_t words_count_sentences(const char *s, const struct pt_span *tok, size_t ntok)
{
	size_t k, nsent = 0;
	int seen = 0;
	if (ntok == 0)
		return 0;
	init_tabs();
	nsent = 1;
	for (k = 0; k < ntok; k++) {
		const char *t = s + tok[k].off;
		int term;
		if (seen && k > 0) {
			/* whitespace before it other than one space is a token
			 * to spaCy (datatrove drops it later): not punctuation,
			 * so a sentence starts there */
			size_t end = tok[k - 1].off + tok[k - 1].len;
			if (tok[k].off > end && !(tok[k].off == end + 1 && s[end] == ' ')) {
				nsent++;
				seen = 0;
			}
		}
		if (tok[k].len && alnum_tab[(unsigned char)t[0]]) {
			/* (most tokens) neither terminal nor punctuation */
			nsent += (size_t)seen;
			seen = 0;
			continue;
		}
		term = tok_is_terminal(t, tok[k].len);
		if (seen && !term && !tok_is_punct(t, tok[k].len)) {
			nsent++;
			seen = 0;
		} else if (term) {
			seen = 1;
		}
	}
	return nsent;
}
