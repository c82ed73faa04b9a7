/*
 * pii.c - see pii.h.  Layout: tables and validators, the patterns, the
 * per-trigger window scanners, the scan loop, overlap resolution, and
 * replacement.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pii.h"

#include <arpa/inet.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "error.h"

static const char *const type_names[PII_NTYPES] = {
	"email", "ip", "phone", "card", "iban", "ssn", "secret", "url_credentials",
};
static const char *const type_tags[PII_NTYPES] = {
	"EMAIL", "IP_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN", "SSN", "SECRET",
	"URL_CREDENTIALS",
};

const char *pii_type_name(int t) { return t >= 0 && t < PII_NTYPES ? type_names[t] : "?"; }
const char *pii_type_tag(int t) { return t >= 0 && t < PII_NTYPES ? type_tags[t] : "?"; }

int pii_parse_types(const char *list, unsigned *mask, const char **bad, size_t *badlen)
{
	const char *p = list;
	*mask = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int t, found = 0;
		if (n == 3 && !memcmp(p, "all", 3)) {
			*mask |= PII_ALL;
			found = 1;
		}
		for (t = 0; t < PII_NTYPES && !found; t++)
			if (strlen(type_names[t]) == n && !memcmp(p, type_names[t], n)) {
				*mask |= 1u << t;
				found = 1;
			}
		if (!found && n) {
			*bad = p;
			*badlen = n;
			return SL_EINVAL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*mask) {
		*bad = list;
		*badlen = 0;
		return SL_EINVAL;
	}
	return 0;
}

/* ---- character classes ------------------------------------------------ */

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static inline int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static inline int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* characters of an e-mail local part (datatrove's class) and the dot */
static inline int is_local(unsigned char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-.", c));
}
static inline int is_domain(unsigned char c) { return is_alnum(c) || c == '-' || c == '.'; }
/* what may sit between the digits of one "number phrase" */
static inline int is_phrase_sep(unsigned char c)
{
	return c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')' || c == '+';
}

/* ---- validators --------------------------------------------------------- */

int pii_luhn_ok(const char *d, size_t n)
{
	unsigned sum = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return n > 0 && sum % 10 == 0;
}

static unsigned prefix_num(const char *d, size_t k)
{
	unsigned v = 0;
	size_t i;
	for (i = 0; i < k; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	return v;
}

/* Issuer identification ranges and lengths of the common networks. */
int pii_card_ok(const char *d, size_t n)
{
	unsigned p1, p2, p3, p4, p6;
	int ok = 0;
	if (n < 13 || n > 19 || !pii_luhn_ok(d, n))
		return 0;
	p1 = prefix_num(d, 1);
	p2 = prefix_num(d, 2);
	p3 = prefix_num(d, 3);
	p4 = prefix_num(d, 4);
	p6 = prefix_num(d, 6);
	if (p1 == 4)                                   /* Visa */
		ok = n == 13 || n == 16 || n == 19;
	else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
		ok = n == 16;
	else if (p2 == 34 || p2 == 37)                 /* American Express */
		ok = n == 15;
	else if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) ||
		 (p6 >= 622126 && p6 <= 622925))        /* Discover */
		ok = n >= 16 && n <= 19;
	else if (p2 == 62)                             /* UnionPay */
		ok = n >= 16 && n <= 19;
	else if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) /* Diners */
		ok = n >= 14 && n <= 19;
	else if (p4 >= 3528 && p4 <= 3589)             /* JCB */
		ok = n >= 16 && n <= 19;
	else if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 ||
		 p4 == 6759 || p4 == 6761 || p4 == 6762 || p4 == 6763) /* Maestro */
		ok = n >= 13 && n <= 19;
	else if (p4 >= 2200 && p4 <= 2204)             /* Mir */
		ok = n >= 16 && n <= 19;
	return ok;
}

/* IBAN lengths per country (SWIFT IBAN registry). */
static const struct { char cc[3]; unsigned char len; } iban_len[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
	{"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
	{"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
	{"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
	{"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
	{"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
	{"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
	{"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
	{"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
	{"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
	{"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
	{"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
	{"VA", 22}, {"VG", 24}, {"XK", 20},
};

static int iban_country_len(const char *cc)
{
	size_t i;
	for (i = 0; i < sizeof iban_len / sizeof iban_len[0]; i++)
		if (iban_len[i].cc[0] == cc[0] && iban_len[i].cc[1] == cc[1])
			return iban_len[i].len;
	return 0;
}

int pii_iban_ok(const char *s, size_t n)
{
	unsigned rem = 0;
	size_t i;
	if (n < 15 || n > 34 || !is_upper((unsigned char)s[0]) || !is_upper((unsigned char)s[1]) ||
	    !is_digit((unsigned char)s[2]) || !is_digit((unsigned char)s[3]) ||
	    (size_t)iban_country_len(s) != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[(i + 4) % n];
		if (is_digit(c))
			rem = (rem * 10 + (c - '0')) % 97;
		else if (is_upper(c))
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
		else
			return 0;
	}
	return rem == 1;
}

int pii_ssn_ok(int area, int group, int serial)
{
	return area > 0 && area != 666 && area < 900 && group > 0 && serial > 0;
}

/* Python's ipaddress tables (3.11.2+ / 3.12.4+): is_global is "not private"
 * (private networks minus their exceptions) and, for IPv4, not 100.64/10. */
static int in4(uint32_t a, uint32_t net, int bits)
{
	uint32_t mask = bits ? 0xffffffffu << (32 - bits) : 0;
	return (a & mask) == net;
}

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static int ipv4_private(uint32_t a)
{
	static const struct { uint32_t net; int bits; } priv[] = {
		{IP4(0, 0, 0, 0), 8}, {IP4(10, 0, 0, 0), 8}, {IP4(127, 0, 0, 0), 8},
		{IP4(169, 254, 0, 0), 16}, {IP4(172, 16, 0, 0), 12}, {IP4(192, 0, 0, 0), 24},
		{IP4(192, 0, 0, 170), 31}, {IP4(192, 0, 2, 0), 24}, {IP4(192, 168, 0, 0), 16},
		{IP4(198, 18, 0, 0), 15}, {IP4(198, 51, 100, 0), 24}, {IP4(203, 0, 113, 0), 24},
		{IP4(240, 0, 0, 0), 4}, {IP4(255, 255, 255, 255), 32},
	};
	size_t i;
	if (a == IP4(192, 0, 0, 9) || a == IP4(192, 0, 0, 10))
		return 0;
	for (i = 0; i < sizeof priv / sizeof priv[0]; i++)
		if (in4(a, priv[i].net, priv[i].bits))
			return 1;
	return 0;
}

int pii_ipv4_global(uint32_t a)
{
	return !in4(a, IP4(100, 64, 0, 0), 10) && !ipv4_private(a);
}

static int in6(const unsigned char *a, const unsigned char *net, int bits)
{
	int i;
	for (i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		unsigned char m = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((a[i] & m) != (net[i] & m))
			return 0;
	}
	return 1;
}

int pii_ipv6_global(const unsigned char *a)
{
	static const struct { unsigned char net[16]; int bits; } priv[] = {
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},     /* ::1 */
		{{0}, 128},                                                  /* :: */
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96},            /* ::ffff:0:0/96 */
		{{0, 0x64, 0xff, 0x9b, 0, 1}, 48},                           /* 64:ff9b:1::/48 */
		{{1, 0}, 64},                                                /* 100::/64 */
		{{0x20, 0x01, 0}, 23},                                       /* 2001::/23 */
		{{0x20, 0x01, 0x0d, 0xb8}, 32},                              /* 2001:db8::/32 */
		{{0x20, 0x02}, 16},                                          /* 2002::/16 */
		{{0xfc}, 7},                                                 /* fc00::/7 */
		{{0xfe, 0x80}, 10},                                          /* fe80::/10 */
	};
	static const struct { unsigned char net[16]; int bits; } exc[] = {
		{{0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
		{{0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 128},
		{{0x20, 0x01, 0, 3}, 32},
		{{0x20, 0x01, 0, 4, 0x01, 0x12}, 48},
		{{0x20, 0x01, 0, 0x20}, 28},
		{{0x20, 0x01, 0, 0x30}, 28},
	};
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	size_t i;
	int priv_hit = 0;
	if (!memcmp(a, mapped, 12)) /* ipv4_mapped: the IPv4 address decides is_private */
		return !ipv4_private(IP4(a[12], a[13], a[14], a[15]));
	for (i = 0; i < sizeof priv / sizeof priv[0] && !priv_hit; i++)
		priv_hit = in6(a, priv[i].net, priv[i].bits);
	if (!priv_hit)
		return 1;
	for (i = 0; i < sizeof exc / sizeof exc[0]; i++)
		if (in6(a, exc[i].net, exc[i].bits))
			return 1;
	return 0;
}

/* ---- patterns ------------------------------------------------------------ */

enum {
	P_EMAIL, P_IPV4, P_IPV6, P_PHONE_INTL, P_PHONE_NANP, P_PHONE_EU, P_PHONE_CTX, P_CARD, P_SSN,
	P_AWS, P_GITHUB, P_SLACK, P_PEM, P_PEM_END, P_JWT, P_URLCRED, P_N
};

#define OCTET "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
static const char *const patterns[P_N] = {
	/* datatrove's e-mail pattern, with A-Z added to its classes */
	[P_EMAIL] = "\\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
		    "(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
		    "|\\[(?:" OCTET "\\.){3}(?:" OCTET "|[A-Za-z0-9-]*[A-Za-z0-9]:)\\])",
	/* datatrove's IPv4 pattern, not inside a longer run of digits and dots */
	[P_IPV4] = "(?<![\\w.])(?:" OCTET "\\.){3}" OCTET "(?!\\w|\\.\\d)",
	/* a loose IPv6 shape; inet_pton decides */
	[P_IPV6] = "(?<![\\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?"
		   "(?![\\w:]|\\.\\d)",
	/* E.164: + country code, groups with spaces, dots, dashes, (0) or (area) */
	[P_PHONE_INTL] = "(?<![\\w+])\\+[1-9]\\d{0,3}(?:[ .\\-]?(?:\\(\\d{1,4}\\)|\\d{1,5})){1,7}(?!\\w|-\\w|[./]\\d)",
	/* North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-..., bare NXXNXXXXXX */
	[P_PHONE_NANP] = "(?<![\\w+\\-./])(?<!\\d )(?:1[ .\\-]?)?(?:\\([2-9]\\d{2}\\)[ .\\-]?|[2-9]\\d{2}[ .\\-]?)"
			 "[2-9]\\d{2}[ .\\-]?\\d{4}(?!\\w|-\\w|[./]\\d)",
	/* European national layouts: trunk 0, then groups */
	[P_PHONE_EU] = "(?<![\\w+\\-./])(?<!\\d )(?:\\(0[1-9]\\d{0,3}\\)|0[1-9]\\d{0,3})(?:[ .\\-/]\\d{2,8}){1,5}(?!\\w|-\\w|[./]\\d)",
	/* any grouping of 7-13 digits, only right after a word like "tel" or "fax" */
	[P_PHONE_CTX] = "(?<![\\w+\\-./])(?:\\(?\\d{1,5}\\)?(?:[ .\\-/]\\d{2,5}){1,4}|\\d{7,12})(?!\\w|-\\w|[./]\\d)",
	[P_CARD] = "(?<![\\w\\-./=])(?<!\\d )\\d(?:[ \\-]?\\d){12,18}(?![\\w]|[\\-.]\\d)",
	[P_SSN] = "(?<![\\w\\-.])\\d{3}-\\d{2}-\\d{4}(?![\\w]|-\\d)",
	[P_AWS] = "(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])",
	[P_GITHUB] = "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])",
	[P_SLACK] = "(?<![A-Za-z0-9_])xox[abposr]-\\d{6,15}-[0-9A-Za-z-]{8,250}(?![A-Za-z0-9_-])",
	/* the BEGIN and END lines of a PEM private key; C finds the END */
	[P_PEM] = "-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY-----",
	[P_PEM_END] = "-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY-----",
	[P_JWT] = "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\\.eyJ[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])",
	[P_URLCRED] = "[A-Za-z][A-Za-z0-9+.\\-]{0,31}://[^\\s/?#@:\"'<>]{1,128}:[^\\s/?#@\"'<>]{1,128}@"
		      "[A-Za-z0-9_.\\-]{1,253}(?::\\d{1,5})?",
};

#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000
#define WIN 256         /* how far a window reaches around its trigger */
#define CHUNK 256       /* number phrases are cut into pieces of about this size */
#define MAX_RUN 64      /* a longer run of digits is never PII */

struct pii {
	struct pii_config cfg;
	pcre2_code *re[P_N];
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	uint64_t limits_hit;
	size_t fake_i[PII_NTYPES + 1]; /* +1: IPv6 cycles on its own */
	uint64_t k0, k1;               /* SipHash key */
	size_t pem_next;               /* no PEM trigger before this */
	size_t pem_end_from, pem_end;  /* the next "-----END " at or after pem_end_from */
	struct pii_spans cand;
};

uint64_t pii_limits_hit(const struct pii *p) { return p->limits_hit; }

void pii_trim(struct pii *p)
{
	pii_spans_release(&p->cand);
}

void pii_free(struct pii *p)
{
	int i;
	if (!p)
		return;
	for (i = 0; i < P_N; i++)
		pcre2_code_free(p->re[i]);
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mctx);
	pcre2_jit_stack_free(p->jstack);
	pii_spans_release(&p->cand);
	free(p);
}

int pii_new(struct pii **out, const struct pii_config *cfg)
{
	struct pii *p = calloc(1, sizeof *p);
	int i, err;
	PCRE2_SIZE off;
	*out = NULL;
	if (!p)
		return SL_ENOMEM;
	p->cfg = *cfg;
	if (!p->cfg.types)
		p->cfg.types = PII_ALL;
	for (i = 0; i < P_N; i++) {
		p->re[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (!p->re[i]) {
			pii_free(p);
			return SL_EINVAL;
		}
		(void)pcre2_jit_compile(p->re[i], PCRE2_JIT_COMPLETE); /* interpreter if JIT is absent */
	}
	p->md = pcre2_match_data_create(4, NULL);
	p->mctx = pcre2_match_context_create(NULL);
	p->jstack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!p->md || !p->mctx || !p->jstack) {
		pii_free(p);
		return SL_ENOMEM;
	}
	pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, DEPTH_LIMIT);
	pcre2_jit_stack_assign(p->mctx, NULL, p->jstack);
	pii_set_salt(p, "", 0);
	*out = p;
	return 0;
}

void pii_spans_release(struct pii_spans *sp)
{
	free(sp->v);
	sp->v = NULL;
	sp->n = sp->cap = 0;
}

static int add(struct pii_spans *sp, size_t s, size_t e, int type)
{
	if (sp->n == sp->cap) {
		size_t nc = sp->cap ? sp->cap * 2 : 16;
		struct pii_span *v = realloc(sp->v, nc * sizeof *v);
		if (!v)
			return SL_ENOMEM;
		sp->v = v;
		sp->cap = nc;
	}
	sp->v[sp->n].start = s;
	sp->v[sp->n].end = e;
	sp->v[sp->n].type = type;
	sp->n++;
	return 0;
}

/* Find pattern `pat` in s[from, end) (s before `from` is lookbehind
 * context).  1 with [*ms, *me), 0 when none (or a limit was hit). */
static int find(struct pii *p, int pat, const char *s, size_t end, size_t from, uint32_t opts,
		size_t *ms, size_t *me)
{
	int rc = pcre2_match(p->re[pat], (PCRE2_SPTR)s, end, from, opts, p->md, p->mctx);
	PCRE2_SIZE *ov;
	if (rc < 0) {
		if (rc != PCRE2_ERROR_NOMATCH)
			p->limits_hit++;
		return 0;
	}
	ov = pcre2_get_ovector_pointer(p->md);
	*ms = ov[0];
	*me = ov[1];
	return 1;
}

/* ---- scanners, one per trigger ------------------------------------------ */

static const char *const not_tlds[] = { "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico",
					"js", "css", "tif", "tiff", NULL };

static int email_ok(const char *s, size_t at, size_t e)
{
	size_t i, dot = 0, k;
	if (s[at + 1] == '[')
		return 1;
	for (i = at + 1; i < e; i++)
		if (s[i] == '.')
			dot = i;
	if (!dot || e - dot - 1 < 2)
		return 0;
	for (i = dot + 1; i < e; i++)
		if (!is_alpha((unsigned char)s[i]))
			return 0;
	for (k = 0; not_tlds[k]; k++)
		if (strlen(not_tlds[k]) == e - dot - 1 && !strncasecmp(s + dot + 1, not_tlds[k], e - dot - 1))
			return 0;
	return 1;
}

static int scan_email(struct pii *p, const char *s, size_t n, size_t at)
{
	size_t b = at, e = at + 1, ms, me;
	while (b > 0 && at - b < WIN && is_local((unsigned char)s[b - 1]))
		b--;
	if (b == at)
		return 0;
	if (e < n && s[e] == '[') {
		while (e < n && e - at < 64 && s[e] != ']')
			e++;
		if (e < n && s[e] == ']')
			e++;
	} else {
		while (e < n && e - at < WIN && is_domain((unsigned char)s[e]))
			e++;
	}
	if (find(p, P_EMAIL, s, e, b, 0, &ms, &me) && ms < at && me > at && email_ok(s, at, me))
		return add(&p->cand, ms, me, PII_EMAIL);
	return 0;
}

static int scan_urlcred(struct pii *p, const char *s, size_t n, size_t colon)
{
	size_t b = colon, ms, me;
	while (b > 0 && colon - b < 32 && (is_alnum((unsigned char)s[b - 1]) || s[b - 1] == '+' ||
					    s[b - 1] == '.' || s[b - 1] == '-'))
		b--;
	while (b < colon && !is_alpha((unsigned char)s[b]))
		b++;
	if (b == colon)
		return 0;
	if (find(p, P_URLCRED, s, n - colon > 700 ? colon + 700 : n, b, PCRE2_ANCHORED, &ms, &me))
		return add(&p->cand, ms, me, PII_URL_CREDENTIALS);
	return 0;
}

/* IPv6 around the ':' at i; returns where the next IPv6 trigger may be. */
static size_t scan_ipv6(struct pii *p, const char *s, size_t n, size_t i, int *err)
{
	size_t b = i, e = i, ms, me, pos;
	int colons = 0;
	while (b > 0 && i - b < 40 && (is_hex((unsigned char)s[b - 1]) || s[b - 1] == ':'))
		b--;
	while (e < n && e - i < 50 && (is_hex((unsigned char)s[e]) || s[e] == ':' || s[e] == '.'))
		e++;
	for (pos = b; pos < e; pos++)
		colons += s[pos] == ':';
	if (colons < 2)
		return e;
	pos = b;
	while (pos < e && find(p, P_IPV6, s, e, pos, 0, &ms, &me)) {
		char tmp[64];
		unsigned char a[16];
		size_t k, groups = 0;
		int ok = 0;
		if (me - ms < sizeof tmp) {
			memcpy(tmp, s + ms, me - ms);
			tmp[me - ms] = 0;
			/* at least three non-empty groups (an embedded IPv4 counts as two):
			 * "::1" and "a::b" say too little to be worth it */
			for (k = ms; k < me; k++)
				if (is_hex((unsigned char)s[k]) && (k == ms || s[k - 1] == ':'))
					groups++;
			if (memchr(s + ms, '.', me - ms))
				groups++;
			ok = groups >= 3 && inet_pton(AF_INET6, tmp, a) == 1 &&
			     (!p->cfg.public_ips_only || pii_ipv6_global(a));
		}
		if (ok && (*err = add(&p->cand, ms, me, PII_IP)))
			return e;
		pos = me > pos ? me : pos + 1;
	}
	return e;
}

static size_t count_digits(const char *s, size_t b, size_t e)
{
	size_t k = 0;
	for (; b < e; b++)
		k += is_digit((unsigned char)s[b]);
	return k;
}

static int isbn_before(const char *s, size_t b)
{
	size_t k = b > 12 ? b - 12 : 0;
	for (; k + 4 <= b; k++)
		if (!strncasecmp(s + k, "isbn", 4))
			return 1;
	return 0;
}

/* A word that announces a phone number in the 40 bytes before b. */
static int phone_word_before(const char *s, size_t b)
{
	static const char *const words[] = {
		"tel", "phone", "fax", "call", "mob", "cell", "hotline", "whatsapp", "conmutador",
		"t\xc3\xa9l", "\xd1\x82\xd0\xb5\xd0\xbb",       /* tél, тел */
		"\xe7\x94\xb5\xe8\xaf\x9d", "\xe4\xbc\xa0\xe7\x9c\x9f", /* 电话, 传真 */
		"\xe6\x89\x8b\xe6\x9c\xba", "\xe7\x83\xad\xe7\xba\xbf", /* 手机, 热线 */
		NULL
	};
	char w[40];
	size_t k, a = b > sizeof w ? b - sizeof w : 0, n = b - a;
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[a + k];
		w[k] = (char)(is_upper(c) ? c + 32 : c);
	}
	for (k = 0; words[k]; k++) {
		size_t L = strlen(words[k]);
		const char *h = w, *f;
		/* at the start of a word: "hotel 101 102 103" is not "tel" */
		while ((f = memmem(h, n - (size_t)(h - w), words[k], L))) {
			if (f == w || !is_alpha((unsigned char)f[-1]))
				return 1;
			h = f + 1;
		}
	}
	return 0;
}

static int phone_ok(struct pii *p, int pat, const char *s, size_t b, size_t e)
{
	size_t d = count_digits(s, b, e);
	(void)p;
	if (isbn_before(s, b))
		return 0;
	if (pat == P_PHONE_EU || pat == P_PHONE_CTX) {
		/* dd.mm.yyyy (and / -) followed by a time: a date, not a phone */
		size_t g[3], k = b, ng = 0, len = 0;
		char sep[3] = { 0 };
		for (; k <= e && ng < 3; k++) {
			if (k < e && is_digit((unsigned char)s[k])) {
				len++;
			} else if (len) {
				sep[ng] = k < e ? s[k] : 0;
				g[ng++] = len;
				len = 0;
			}
		}
		if (ng == 3 && ((g[0] <= 2 && g[1] <= 2 && g[2] == 4) || (g[0] == 4 && g[1] <= 2 && g[2] <= 2)) &&
		    sep[0] == sep[1] && (sep[0] == '.' || sep[0] == '/' || sep[0] == '-'))
			return 0;
		/* a range of years: 1999-2004 */
		if (ng == 2 && g[0] == 4 && g[1] == 4 && sep[1] == 0) {
			unsigned y0 = prefix_num(s + b, 4), y1 = prefix_num(s + e - 4, 4);
			if (y0 >= 1800 && y0 <= 2099 && y1 >= 1800 && y1 <= 2099)
				return 0;
		}
	}
	switch (pat) {
	case P_PHONE_INTL:
		return d >= 8 && d <= 15;
	case P_PHONE_NANP:
		return d == 10 || d == 11;
	case P_PHONE_CTX:
		return d >= 7 && d <= 13 && phone_word_before(s, b);
	default: /* P_PHONE_EU */
		return d >= 9 && d <= 13;
	}
}

static int card_ok(const char *s, size_t b, size_t e)
{
	char d[20];
	size_t n = 0, k, glen = 0;
	char sep = 0;
	for (k = b; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		if (is_digit(c)) {
			if (n == sizeof d)
				return 0;
			d[n++] = (char)c;
			glen++;
		} else {
			if ((sep && c != sep) || glen < 3)
				return 0;
			sep = (char)c;
			glen = 0;
		}
	}
	if (sep && glen < 3)
		return 0;
	return pii_card_ok(d, n);
}

static int ssn_ok(const char *s, size_t b)
{
	int area = (int)prefix_num(s + b, 3), group = (int)prefix_num(s + b + 4, 2);
	int serial = (int)prefix_num(s + b + 7, 4);
	return pii_ssn_ok(area, group, serial);
}

static int ipv4_ok(struct pii *p, const char *s, size_t b, size_t e)
{
	uint32_t a = 0, o = 0;
	size_t k;
	if (!p->cfg.public_ips_only)
		return 1;
	for (k = b; k <= e; k++) {
		if (k == e || s[k] == '.') {
			a = (a << 8) | o;
			o = 0;
		} else {
			o = o * 10 + (uint32_t)(s[k] - '0');
		}
	}
	return pii_ipv4_global(a);
}

/* Run the number detectors over one piece [b, e) of a number phrase. */
static int scan_numbers(struct pii *p, const char *s, size_t b, size_t e)
{
	static const int pats[] = { P_IPV4, P_SSN, P_CARD, P_PHONE_INTL, P_PHONE_NANP, P_PHONE_EU, P_PHONE_CTX };
	static const int types[] = { PII_IP, PII_SSN, PII_CARD, PII_PHONE, PII_PHONE, PII_PHONE, PII_PHONE };
	size_t k, digits = 0, dots = 0, dashes = 0, plus = 0;
	int word = -1;
	/* what each pattern needs at least, counted once: most pieces are a
	 * year or a price and need no pattern at all */
	for (k = b; k < e; k++) {
		unsigned char c = (unsigned char)s[k];
		digits += is_digit(c);
		dots += c == '.';
		dashes += c == '-';
		plus += c == '+';
	}
	if (digits < 4)
		return 0;
	for (k = 0; k < sizeof pats / sizeof pats[0]; k++) {
		size_t pos = b, ms, me;
		int t = types[k], pat = pats[k];
		if (!(p->cfg.types & (1u << t)))
			continue;
		if ((pat == P_IPV4 && dots < 3) || (pat == P_SSN && dashes < 2) || (pat == P_CARD && digits < 13) ||
		    (pat == P_PHONE_INTL && !plus) || (pat == P_PHONE_NANP && digits < 10) ||
		    (pat == P_PHONE_EU && digits < 9) || (pat == P_PHONE_CTX && digits < 7))
			continue;
		/* a phone word can only sit before the piece (the piece is digits
		 * and separators), so one look decides for every match in it */
		if (pat == P_PHONE_CTX && word < 0)
			word = phone_word_before(s, b);
		if (pat == P_PHONE_CTX && !word)
			continue;
		while (pos < e && find(p, pat, s, e, pos, 0, &ms, &me)) {
			int ok;
			switch (pat) {
			case P_IPV4: ok = ipv4_ok(p, s, ms, me); break;
			case P_SSN: ok = ssn_ok(s, ms); break;
			case P_CARD: ok = card_ok(s, ms, me); break;
			default: ok = phone_ok(p, pat, s, ms, me); break;
			}
			if (ok) {
				int rc = add(&p->cand, ms, me, t);
				if (rc)
					return rc;
				pos = me;
			} else {
				pos = ms + 1;
			}
		}
	}
	return 0;
}

/* A number phrase starts at i (a digit, or '+'/'(' before a digit): digits
 * with at most three separators in a row.  It is scanned in pieces of
 * about CHUNK bytes cut at spaces; a run of more than MAX_RUN digits drops
 * the piece it is in.  Returns the end of the phrase. */
static size_t scan_phrase(struct pii *p, const char *s, size_t n, size_t i, int *err)
{
	size_t j = i, cs = i, last_digit_end = i, run = 0, seps = 0;
	int drop = 0;
	while (j < n) {
		unsigned char c = (unsigned char)s[j];
		if (is_digit(c)) {
			if (++run > MAX_RUN)
				drop = 1;
			seps = 0;
			j++;
			last_digit_end = j;
			continue;
		}
		if (!is_phrase_sep(c) || ++seps > 3)
			break;
		run = 0;
		if (drop) {             /* a long run ended: start afresh after it */
			drop = 0;
			cs = j + 1;
		} else if (c == ' ' && j - cs >= CHUNK && last_digit_end == j) {
			if ((*err = scan_numbers(p, s, cs, j)))
				return j;
			cs = j + 1;
		} else if (j - cs >= 8 * CHUNK) {
			cs = j + 1;     /* no place to cut: give the piece up */
		}
		j++;
	}
	if (!drop && last_digit_end > cs) {
		size_t e = last_digit_end;
		if (e < n && s[e] == ')')
			e++;
		*err = scan_numbers(p, s, cs, e);
	}
	return j;
}

/* Compact an IBAN that starts at i (letters, digits, single spaces) and
 * check it; adds the span when valid. */
static int scan_iban(struct pii *p, const char *s, size_t n, size_t i)
{
	char buf[40];
	size_t k = i, m = 0, last = i;
	int len = iban_country_len(s + i);
	if (!len)
		return 0;
	while (k < n && m < (size_t)len) {
		unsigned char c = (unsigned char)s[k];
		if (is_upper(c) || is_digit(c)) {
			buf[m++] = (char)c;
			last = ++k;
		} else if (c == ' ' && m >= 4 && k + 1 < n && is_alnum((unsigned char)s[k + 1])) {
			k++;
		} else {
			break;
		}
	}
	if (m != (size_t)len || (last < n && is_alnum((unsigned char)s[last])))
		return 0;
	if (!pii_iban_ok(buf, m))
		return 0;
	return add(&p->cand, i, last, PII_IBAN);
}

/* A PEM private-key block: its BEGIN line at i, the next END line within
 * PEM_MAX bytes.  The next END is searched once and remembered, so a
 * thousand BEGINs without an END cost one pass. */
#define PEM_MAX 16384
static int scan_pem(struct pii *p, const char *s, size_t n, size_t i)
{
	size_t ms, me, es, ee;
	if (!find(p, P_PEM, s, n - i > 100 ? i + 100 : n, i, PCRE2_ANCHORED, &ms, &me))
		return 0;
	if (p->pem_end < me || p->pem_end_from > me) {
		const char *e = memmem(s + me, n - me, "-----END ", 9);
		p->pem_end_from = me;
		p->pem_end = e ? (size_t)(e - s) : n;
	}
	es = p->pem_end;
	if (es >= n || es - me > PEM_MAX)
		return 0;
	p->pem_next = es; /* BEGINs before this END would end at it too */
	if (!find(p, P_PEM_END, s, n - es > 100 ? es + 100 : n, es, PCRE2_ANCHORED, &ms, &ee))
		return 0;
	return add(&p->cand, i, ee, PII_SECRET);
}

/* Secrets, triggered at a rare character of their prefix: 'A' (AKIA...),
 * '_' (ghp_, github_pat_), '-' (xoxb-, -----BEGIN), 'J' (eyJ). */
static int scan_secret(struct pii *p, const char *s, size_t n, size_t i)
{
	size_t ms, me, st = i, reach = 0;
	int pat = -1;
	switch (s[i]) {
	case 'A':
		if (n - i >= 20 && is_upper((unsigned char)s[i + 1]) && is_upper((unsigned char)s[i + 2]) &&
		    is_upper((unsigned char)s[i + 3]))
			pat = P_AWS, reach = 21;
		break;
	case '_':
		if (i >= 3 && s[i - 3] == 'g' && s[i - 2] == 'h')
			pat = P_GITHUB, st = i - 3, reach = 300;
		else if (i >= 6 && !strncmp(s + i - 6, "github_pat_", n - i + 6 < 11 ? n - i + 6 : 11))
			pat = P_GITHUB, st = i - 6, reach = 300;
		break;
	case '-':
		if (i >= 4 && s[i - 4] == 'x' && s[i - 3] == 'o' && s[i - 2] == 'x')
			pat = P_SLACK, st = i - 4, reach = 300;
		else if (n - i >= 40 && i >= p->pem_next && !strncmp(s + i, "-----BEGIN ", 11))
			return scan_pem(p, s, n, i);
		break;
	case 'J':
		if (i >= 2 && s[i - 2] == 'e' && s[i - 1] == 'y')
			pat = P_JWT, st = i - 2, reach = 16384;
		break;
	}
	if (pat < 0)
		return 0;
	if (find(p, pat, s, n - st > reach ? st + reach : n, st, PCRE2_ANCHORED, &ms, &me))
		return add(&p->cand, ms, me, PII_SECRET);
	return 0;
}

/* ---- the scan loop and overlap resolution ----------------------------- */

enum { T_DIGIT = 1, T_AT = 2, T_COLON = 4, T_SECRET = 8, T_OPEN = 16 };
/* the bytes that may start work; everything else is skipped in a tight loop */
static const unsigned char trig[256] = {
	['0' ... '9'] = T_DIGIT, ['@'] = T_AT, [':'] = T_COLON, ['+'] = T_OPEN, ['('] = T_OPEN,
	['A'] = T_SECRET, ['_'] = T_SECRET, ['-'] = T_SECRET, ['J'] = T_SECRET,
};

static int by_start(const void *a, const void *b)
{
	const struct pii_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->type - y->type;
}

/* better(a, b): a wins over b when they overlap: the longer, the earlier,
 * then the more specific type (a checksum or a fixed layout beats a phone) */
static int better(const struct pii_span *a, const struct pii_span *b)
{
	static const int rank[PII_NTYPES] = {
		[PII_SECRET] = 0, [PII_URL_CREDENTIALS] = 1, [PII_CARD] = 2, [PII_IBAN] = 3,
		[PII_SSN] = 4, [PII_EMAIL] = 5, [PII_IP] = 6, [PII_PHONE] = 7,
	};
	size_t la = a->end - a->start, lb = b->end - b->start;
	if (la != lb)
		return la > lb;
	if (a->start != b->start)
		return a->start < b->start;
	return rank[a->type] < rank[b->type];
}

/* Keep a disjoint subset: within each cluster of overlapping candidates,
 * repeatedly take the best one and drop those it overlaps. */
static int resolve(struct pii_spans *c, struct pii_spans *out)
{
	size_t i = 0, j, k;
	if (!c->n)
		return 0;
	qsort(c->v, c->n, sizeof c->v[0], by_start);
	while (i < c->n) {
		size_t cend = c->v[i].end, first = out->n;
		int rc;
		for (j = i + 1; j < c->n && c->v[j].start < cend; j++)
			if (c->v[j].end > cend)
				cend = c->v[j].end;
		if (j - i > 64) {
			/* a pathological cluster: earliest, then longest, greedily */
			size_t last = 0;
			for (k = i; k < j; k++)
				if (k == i || c->v[k].start >= last) {
					if ((rc = add(out, c->v[k].start, c->v[k].end, c->v[k].type)))
						return rc;
					last = c->v[k].end;
				}
			i = j;
			continue;
		}
		/* cluster [i, j): take the best, drop what it overlaps (type -1), repeat */
		for (;;) {
			size_t best = j;
			for (k = i; k < j; k++)
				if (c->v[k].type >= 0 && (best == j || better(&c->v[k], &c->v[best])))
					best = k;
			if (best == j)
				break;
			if ((rc = add(out, c->v[best].start, c->v[best].end, c->v[best].type)))
				return rc;
			for (k = i; k < j; k++)
				if (k != best && c->v[k].type >= 0 && c->v[k].start < c->v[best].end &&
				    c->v[best].start < c->v[k].end)
					c->v[k].type = -1;
			c->v[best].type = -1;
		}
		if (out->n > first)
			qsort(out->v + first, out->n - first, sizeof out->v[0], by_start);
		i = j;
	}
	return 0;
}

int pii_scan(struct pii *p, const char *s, size_t n, struct pii_spans *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned types = p->cfg.types;
	int want_num = (types & ((1u << PII_IP) | (1u << PII_PHONE) | (1u << PII_CARD) | (1u << PII_SSN))) != 0;
	size_t i, num_next = 0, v6_next = 0;
	int rc = 0;

	p->cand.n = 0;
	p->pem_next = p->pem_end_from = p->pem_end = 0;
	out->n = 0;
	for (i = 0; i < n; i++) {
		unsigned t;
		while (i < n && !trig[u[i]])
			i++;
		if (i >= n)
			break;
		t = trig[u[i]];
		if (t & T_DIGIT) {
			/* IBAN: two capitals, then the two check digits */
			if (types & (1u << PII_IBAN) && i >= 2 && i + 1 < n && is_digit(u[i + 1]) &&
			    is_upper(u[i - 1]) && is_upper(u[i - 2]) && !(i > 2 && is_alnum(u[i - 3])) &&
			    (rc = scan_iban(p, s, n, i - 2)))
				return rc;
		}
		if ((t & T_DIGIT || (t & T_OPEN && i + 1 < n && (is_digit(u[i + 1]) ||
					(u[i] == '(' && u[i + 1] == '+')))) &&
		    i >= num_next && want_num && !(i > 0 && is_digit(u[i - 1]))) {
			num_next = scan_phrase(p, s, n, i, &rc);
			if (rc)
				return rc;
		}
		if (t & T_AT) {
			if (types & (1u << PII_EMAIL) && (rc = scan_email(p, s, n, i)))
				return rc;
		} else if (t & T_COLON) {
			if (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') {
				if (types & (1u << PII_URL_CREDENTIALS) && (rc = scan_urlcred(p, s, n, i)))
					return rc;
			} else if (types & (1u << PII_IP) && i >= v6_next &&
				   ((i > 0 && is_hex(u[i - 1])) || (i + 1 < n && (is_hex(u[i + 1]) || u[i + 1] == ':')))) {
				v6_next = scan_ipv6(p, s, n, i, &rc);
				if (rc)
					return rc;
			}
		} else if (t & T_SECRET && types & (1u << PII_SECRET) && (rc = scan_secret(p, s, n, i))) {
			return rc;
		}
	}
	return resolve(&p->cand, out);
}

/* ---- replacement ------------------------------------------------------ */

static const char *const fake_email[] = { "email@example.com", "firstname.lastname@example.org", NULL };
static const char *const fake_ip[] = { "22.214.171.124", "126.96.36.199", "188.8.131.52",
				       "184.108.40.206", "220.127.116.11", "18.104.22.168", NULL };
static const char *const fake_ipv6[] = { "2001:db8::1", NULL };
static const char *const fake_phone[] = { "+1-202-555-0143", "+44 20 7946 0958", NULL };
static const char *const fake_card[] = { "4111 1111 1111 1111", NULL };
static const char *const fake_iban[] = { "GB82 WEST 1234 5698 7654 32", NULL };
static const char *const fake_ssn[] = { "078-05-1120", NULL };
static const char *const fake_secret[] = { "AKIAIOSFODNN7EXAMPLE", NULL };
static const char *const fake_url[] = { "https://user:password@example.com", NULL };
static const char *const *const fakes[PII_NTYPES + 1] = {
	fake_email, fake_ip, fake_phone, fake_card, fake_iban, fake_ssn, fake_secret, fake_url,
	fake_ipv6,
};

/* SipHash-2-4 (Aumasson and Bernstein), 64-bit output. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7, end = len - left;
	for (i = 0; i < end; i += 8) {
		int k;
		m = 0;
		for (k = 7; k >= 0; k--)
			m = (m << 8) | in[i + (size_t)k];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void pii_set_salt(struct pii *p, const char *salt, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(salt, n);
	p->k0 = h.low64;
	p->k1 = h.high64;
}

static int is_ipv6_text(const char *s, size_t b, size_t e)
{
	return memchr(s + b, ':', e - b) != NULL;
}

int pii_replace(struct pii *p, const char *s, size_t n, const struct pii_spans *sp,
		enum pii_mode mode, struct buf *out)
{
	size_t i, pos = 0;
	int rc;
	for (i = 0; i < sp->n; i++) {
		const struct pii_span *m = &sp->v[i];
		if ((rc = buf_add(out, s + pos, m->start - pos)))
			return rc;
		if (mode == PII_REPLACE_FAKE) {
			int slot = m->type == PII_IP && is_ipv6_text(s, m->start, m->end) ? PII_NTYPES : m->type;
			const char *const *f = fakes[slot];
			size_t nf = 0;
			while (f[nf])
				nf++;
			rc = buf_addstr(out, f[p->fake_i[slot]]);
			p->fake_i[slot] = (p->fake_i[slot] + 1) % nf;
		} else if (mode == PII_REPLACE_HASH) {
			unsigned char tmp[512];
			size_t len = m->end - m->start;
			uint64_t h;
			if (len + 1 <= sizeof tmp) {
				tmp[0] = (unsigned char)m->type;
				memcpy(tmp + 1, s + m->start, len);
				h = siphash(p->k0, p->k1, tmp, len + 1);
			} else { /* long secrets: hash the digest */
				XXH128_hash_t d = XXH3_128bits(s + m->start, len);
				tmp[0] = (unsigned char)m->type;
				memcpy(tmp + 1, &d, sizeof d);
				h = siphash(p->k0, p->k1, tmp, 1 + sizeof d);
			}
			rc = buf_addf(out, "<%s:%08x>", type_tags[m->type], (unsigned)(h >> 32));
		} else {
			rc = buf_addf(out, "<%s>", type_tags[m->type]);
		}
		if (rc)
			return rc;
		pos = m->end;
	}
	return buf_add(out, s + pos, n - pos);
}
