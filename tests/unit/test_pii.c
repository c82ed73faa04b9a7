/*
 * test_pii.c - filters/pii: validators, every detector on positive cases and
 * near-misses, overlaps, replacement modes, the labeled set (precision and
 * recall per type, against the goals), NeMo Curator's tagged lines, and
 * hostile input in bounded time.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "error.h"
#include "pii.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct pii *mk(unsigned types, int public_only)
{
	struct pii_config c = { types, public_only };
	struct pii *p = NULL;
	CHECK_INT(pii_new(&p, &c), 0);
	return p;
}

/* scan + tag replacement of s */
static void tagged(struct pii *p, const char *s, struct buf *out)
{
	struct pii_spans sp = { 0 };
	buf_reset(out);
	CHECK_INT(pii_scan(p, s, strlen(s), &sp), 0);
	CHECK_INT(pii_replace(p, s, strlen(s), &sp, PII_REPLACE_TAG, out), 0);
	pii_spans_release(&sp);
}

static void test_validators(void)
{
	static const struct { const char *d; int luhn, card; } cards[] = {
		{ "4929381332664295", 1, 1 }, { "345389698201044", 1, 1 }, { "5299156156891938", 1, 1 },
		{ "4111111111111111", 1, 1 }, { "4929381332664296", 0, 0 }, { "0000000000000000", 1, 0 },
		{ "1234567812345670", 1, 0 }, { "378282246310005", 1, 1 }, { "6011111111111117", 1, 1 },
		{ "3530111333300000", 1, 1 }, { "30569309025904", 1, 1 }, { "2221000000000009", 1, 1 },
		{ "411111111111111", 0, 0 }, { "41111111111111111111", 0, 0 }, { "79927398713", 1, 0 },
	};
	static const struct { const char *s; int ok; } ibans[] = {
		{ "DE89370400440532013000", 1 }, { "GB82WEST12345698765432", 1 },
		{ "FR1420041010050500013M02606", 1 }, { "NL91ABNA0417164300", 1 }, { "NO9386011117947", 1 },
		{ "DE89370400440532013001", 0 }, { "DE8937040044053201300", 0 }, { "XX89370400440532013000", 0 },
		{ "GB82WEST1234569876543", 0 }, { "de89370400440532013000", 0 }, { "BE68539007547034", 1 },
	};
	static const struct { int a, g, s, ok; } ssns[] = {
		{ 514, 14, 8905, 1 }, { 284, 89, 3485, 1 }, { 0, 12, 3456, 0 }, { 666, 12, 3456, 0 },
		{ 900, 12, 3456, 0 }, { 123, 0, 4567, 0 }, { 123, 45, 0, 0 }, { 899, 99, 9999, 1 },
	};
	/* values of Python 3.11's ipaddress.ip_address(x).is_global */
	static const struct { const char *ip; int global; } v4[] = {
		{ "8.8.8.8", 1 }, { "10.41.21.72", 0 }, { "192.168.0.12", 0 }, { "127.0.0.1", 0 },
		{ "172.15.255.255", 1 }, { "172.16.0.0", 0 }, { "172.31.255.255", 0 }, { "172.32.0.0", 1 },
		{ "100.64.0.1", 0 }, { "100.128.0.1", 1 }, { "192.0.0.9", 1 }, { "192.0.0.10", 1 },
		{ "192.0.0.8", 0 }, { "192.0.0.171", 0 }, { "192.0.2.1", 0 }, { "198.18.0.1", 0 },
		{ "198.20.0.1", 1 }, { "203.0.113.5", 0 }, { "224.0.0.1", 1 }, { "240.0.0.1", 0 },
		{ "255.255.255.255", 0 }, { "0.1.2.3", 0 }, { "169.254.1.1", 0 }, { "1.1.1.1", 1 },
	};
	static const struct { const char *ip; int global; } v6[] = {
		{ "2606:4700:4700::1111", 1 }, { "::1", 0 }, { "::", 0 }, { "fe80::1", 0 }, { "fc00::1", 0 },
		{ "2001:db8::1", 0 }, { "2002::1", 0 }, { "2001::1", 0 }, { "2001:1::1", 1 }, { "2001:1::3", 0 },
		{ "2001:3::1", 1 }, { "2001:4:112::1", 1 }, { "2001:20::1", 1 }, { "2001:200::1", 1 },
		{ "::ffff:8.8.8.8", 1 }, { "::ffff:10.0.0.1", 0 }, { "::ffff:100.64.0.1", 1 },
		{ "64:ff9b:1::1", 0 }, { "64:ff9b::1", 1 }, { "100::1", 0 }, { "100:0:0:1::1", 1 }, { "ff02::1", 1 },
	};
	size_t i;
	for (i = 0; i < sizeof cards / sizeof cards[0]; i++) {
		CHECK_INT(pii_luhn_ok(cards[i].d, strlen(cards[i].d)), cards[i].luhn);
		CHECK_INT(pii_card_ok(cards[i].d, strlen(cards[i].d)), cards[i].card);
	}
	for (i = 0; i < sizeof ibans / sizeof ibans[0]; i++)
		CHECK_INT(pii_iban_ok(ibans[i].s, strlen(ibans[i].s)), ibans[i].ok);
	for (i = 0; i < sizeof ssns / sizeof ssns[0]; i++)
		CHECK_INT(pii_ssn_ok(ssns[i].a, ssns[i].g, ssns[i].s), ssns[i].ok);
	for (i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		unsigned a, b, c, d;
		sscanf(v4[i].ip, "%u.%u.%u.%u", &a, &b, &c, &d);
		if (pii_ipv4_global((a << 24) | (b << 16) | (c << 8) | d) != v4[i].global)
			fprintf(stderr, "is_global(%s)\n", v4[i].ip);
		CHECK_INT(pii_ipv4_global((a << 24) | (b << 16) | (c << 8) | d), v4[i].global);
	}
	for (i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
		unsigned char a[16];
		CHECK_INT(inet_pton(AF_INET6, v6[i].ip, a), 1);
		if (pii_ipv6_global(a) != v6[i].global)
			fprintf(stderr, "is_global(%s)\n", v6[i].ip);
		CHECK_INT(pii_ipv6_global(a), v6[i].global);
	}
}

/* each detector: input -> tagged output, with near-misses left alone */
static void test_detectors(void)
{
	static const struct { const char *in, *want; } t[] = {
		/* e-mail */
		{ "mail johndoe@openai.com.", "mail <EMAIL>." },
		{ "John.Doe+x@Mail.Example.CO.UK", "<EMAIL>" },
		{ "a@[192.168.0.1] x", "<EMAIL> x" },
		{ "logo@2x.png and x@y.z and @handle and a@b", "logo@2x.png and x@y.z and @handle and a@b" },
		{ "a@b@c.com", "a@<EMAIL>" },
		{ "user@localhost", "user@localhost" },
		/* IP */
		{ "inet 10.41.21.72/24", "inet <IP_ADDRESS>/24" },
		{ "8.8.8.8, 1.2.3.4.5, 256.1.1.1, v1.2.3.4, 1.2.3", "<IP_ADDRESS>, 1.2.3.4.5, 256.1.1.1, v1.2.3.4, 1.2.3" },
		{ "host 2001:db8::1 or [fe80::1ff:fe23:4567:890a]:80", "host <IP_ADDRESS> or [<IP_ADDRESS>]:80" },
		{ "std::vector at 12:30:45, MAC 00:1A:2B:3C:4D:5E, ::1", "std::vector at 12:30:45, MAC 00:1A:2B:3C:4D:5E, ::1" },
		{ "::ffff:192.0.2.128 ok", "<IP_ADDRESS> ok" },
		/* phone */
		{ "(814) 360 8593", "<PHONE_NUMBER>" },
		{ "+1-212-456-7890 / +12312322334 / 2312322334", "<PHONE_NUMBER> / <PHONE_NUMBER> / <PHONE_NUMBER>" },
		{ "Tel: +32 (0)2 790 75 85.", "Tel: <PHONE_NUMBER>." },
		{ "020 7946 0958, 01 23 45 67 89, 089/1234567", "<PHONE_NUMBER>, <PHONE_NUMBER>, <PHONE_NUMBER>" },
		{ "on 01.02.2023 at 04/09/2009 08:45, 2023-01-15", "on 01.02.2023 at 04/09/2009 08:45, 2023-01-15" },
		{ "ISBN 978-3-16-148410-0, ISBN 0-306-40615-2", "ISBN 978-3-16-148410-0, ISBN 0-306-40615-2" },
		{ "v10.2.3 and 123456789012345678901234567890 and 1999-2004", "v10.2.3 and 123456789012345678901234567890 and 1999-2004" },
		{ "number 123-456-7890", "number 123-456-7890" }, /* area code cannot start with 1 */
		{ "Conmutador: 219 51 51- 219 51 40; tel. 89 523-43-01", "Conmutador: <PHONE_NUMBER>- <PHONE_NUMBER>; tel. <PHONE_NUMBER>" },
		{ "tel. 2019, fax 12 34, call 01.02.2023, Tel 2019-05-06", "tel. 2019, fax 12 34, call 01.02.2023, Tel 2019-05-06" },
		/* card */
		{ "card 4929-3813-3266-4295.", "card <CREDIT_CARD>." },
		{ "345389698201044 and 3782 822463 10005", "<CREDIT_CARD> and <CREDIT_CARD>" },
		{ "4929-3813-3266-4296 4929 3813-3266-4295 1234567812345670", "4929-3813-3266-4296 4929 3813-3266-4295 1234567812345670" },
		{ "id=4111111111111111 /p/4111111111111111", "id=4111111111111111 /p/4111111111111111" },
		/* IBAN */
		{ "IBAN DE89 3704 0044 0532 0130 00, BIC", "IBAN <IBAN>, BIC" },
		{ "GB82WEST12345698765432", "<IBAN>" },
		{ "DE89 3704 0044 0532 0130 01 DE8937040044053201300X", "DE89 3704 0044 0532 0130 01 DE8937040044053201300X" },
		/* SSN */
		{ "SSN 514-14-8905.", "SSN <SSN>." },
		{ "000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000", "000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000" },
		/* secrets */
		{ "key=AKIAIOSFODNN7EXAMPLE;", "key=<SECRET>;" },
		{ "AKIAIOSFODNN7EXAMPLEX AKIA1234", "AKIAIOSFODNN7EXAMPLEX AKIA1234" },
		{ "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "<SECRET>" },
		{ "ghp_short xoxb-123", "ghp_short xoxb-123" },
		{ "xoxb-123456789012-1234567890123-abcdefghijklmnop", "<SECRET>" },
		{ "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nb", "a\n<SECRET>\nb" },
		{ "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----" },
		{ "-----BEGIN PRIVATE KEY-----\nno end", "-----BEGIN PRIVATE KEY-----\nno end" },
		{ "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijklmnopqrstuv", "t=<SECRET>" },
		{ "eyJhbGciOiJIUzI1NiJ9 alone", "eyJhbGciOiJIUzI1NiJ9 alone" },
		/* URL credentials (the whole authority wins over the e-mail inside) */
		{ "db postgres://bob:s3cret@db.example.com:5432/app", "db <URL_CREDENTIALS>/app" },
		{ "http://user@example.com https://example.com:8080/x", "http://<EMAIL> https://example.com:8080/x" },
		/* unicode around the matches */
		{ "é-mail: jöhn@exämple.com ou ana@exemplo.pt — tél. +33 1 23 45 67 89", "é-mail: jöhn@exämple.com ou <EMAIL> — tél. <PHONE_NUMBER>" },
	};
	struct pii *p = mk(0, 0);
	struct buf out = BUF_INIT;
	size_t i;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		tagged(p, t[i].in, &out);
		CHECK_STR(out.ptr, t[i].want);
	}
	/* --types selects; --public-ips-only keeps is_global addresses only */
	pii_free(p);
	p = mk(1u << PII_IP, 1);
	tagged(p, "a@b.com 10.0.0.1 8.8.8.8 100.64.1.1 fe80::1:2:3 2606:4700:4700::1111", &out);
	CHECK_STR(out.ptr, "a@b.com 10.0.0.1 <IP_ADDRESS> 100.64.1.1 fe80::1:2:3 <IP_ADDRESS>");
	pii_free(p);
	buf_release(&out);
}

static void test_types_and_overlaps(void)
{
	unsigned m;
	const char *bad;
	size_t badlen;
	struct pii *p;
	struct pii_spans sp = { 0 };
	const char *s = "x 4111 1111 1111 1111 y";
	CHECK_INT(pii_parse_types("email,ip", &m, &bad, &badlen), 0);
	CHECK_INT(m, (1u << PII_EMAIL) | (1u << PII_IP));
	CHECK_INT(pii_parse_types("all", &m, &bad, &badlen), 0);
	CHECK_INT(m, PII_ALL);
	CHECK_INT(pii_parse_types("email,phones", &m, &bad, &badlen), SL_EINVAL);
	CHECK_MEM(bad, badlen, "phones", 6);
	CHECK_INT(pii_parse_types("", &m, &bad, &badlen), SL_EINVAL);
	/* a card number is also phone-shaped in parts: the longest span wins, once */
	p = mk(0, 0);
	CHECK_INT(pii_scan(p, s, strlen(s), &sp), 0);
	CHECK_INT(sp.n, 1);
	if (sp.n == 1) {
		CHECK_INT(sp.v[0].type, PII_CARD);
		CHECK_INT(sp.v[0].start, 2);
		CHECK_INT(sp.v[0].end, 21);
	}
	pii_spans_release(&sp);
	pii_free(p);
}

static void test_modes(void)
{
	struct pii *p = mk(0, 0), *q;
	struct pii_spans sp = { 0 };
	struct buf out = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	const char *d1 = "a@x.com b@x.com 8.8.8.8", *d2 = "c@x.com 1.1.1.1 9.9.9.9";
	/* fake: round-robin per type across calls, as datatrove's PIIFormatter */
	pii_scan(p, d1, strlen(d1), &sp);
	pii_replace(p, d1, strlen(d1), &sp, PII_REPLACE_FAKE, &out);
	CHECK_STR(out.ptr, "email@example.com firstname.lastname@example.org 22.214.171.124");
	buf_reset(&out);
	pii_scan(p, d2, strlen(d2), &sp);
	pii_replace(p, d2, strlen(d2), &sp, PII_REPLACE_FAKE, &out);
	CHECK_STR(out.ptr, "email@example.com 126.96.36.199 188.8.131.52");
	/* hash: same value, same token; the salt changes it; the type is part of it */
	pii_set_salt(p, "k1", 2);
	buf_reset(&out);
	pii_scan(p, "a@x.com and a@x.com, b@x.com", 28, &sp);
	pii_replace(p, "a@x.com and a@x.com, b@x.com", 28, &sp, PII_REPLACE_HASH, &out);
	CHECK(out.len == strlen("<EMAIL:12345678> and <EMAIL:12345678>, <EMAIL:12345678>"));
	CHECK(!memcmp(out.ptr, out.ptr + 21, 16));
	CHECK(memcmp(out.ptr, out.ptr + 39, 16));
	q = mk(0, 0);
	pii_set_salt(q, "k1", 2);
	pii_replace(q, "a@x.com", 7, &(struct pii_spans){ sp.v, 1, 1 }, PII_REPLACE_HASH, &a);
	pii_set_salt(q, "k2", 2);
	pii_replace(q, "a@x.com", 7, &(struct pii_spans){ sp.v, 1, 1 }, PII_REPLACE_HASH, &b);
	CHECK_MEM(a.ptr, a.len, out.ptr, 16);
	CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len));
	pii_spans_release(&sp);
	pii_free(q);
	pii_free(p);
	buf_release(&out);
	buf_release(&a);
	buf_release(&b);
}

/* ---- labeled lines: <type>value</type> tags, other tags kept as text --- */

struct gold {
	size_t start, end;
	int type;
};

/* Strip the tags of a line into text; gold spans for known types.  map
 * renames NeMo's tags; tags it does not know are removed, their text kept. */
static size_t parse_tagged(const char *line, struct buf *text, struct gold *g, size_t maxg)
{
	static const struct { const char *tag; int type; } map[] = {
		{ "email", PII_EMAIL }, { "ip", PII_IP }, { "ip_address", PII_IP }, { "phone", PII_PHONE },
		{ "phone_number", PII_PHONE }, { "card", PII_CARD }, { "credit_card_number", PII_CARD },
		{ "iban", PII_IBAN }, { "ssn", PII_SSN }, { "secret", PII_SECRET },
		{ "url_credentials", PII_URL_CREDENTIALS }, { "name", -1 }, { "address", -1 }, { "birth_date", -1 },
	};
	size_t ng = 0, open_at = 0;
	int open_type = -2;
	const char *p = line;
	buf_reset(text);
	while (*p) {
		size_t k, matched = 0;
		if (*p == '<') {
			int close = p[1] == '/';
			const char *nm = p + 1 + close;
			for (k = 0; k < sizeof map / sizeof map[0]; k++) {
				size_t L = strlen(map[k].tag);
				if (!strncmp(nm, map[k].tag, L) && nm[L] == '>') {
					if (close && open_type != -2) {
						if (open_type >= 0 && ng < maxg) {
							g[ng].start = open_at;
							g[ng].end = text->len;
							g[ng].type = open_type;
							ng++;
						}
						open_type = -2;
					} else if (!close) {
						open_type = map[k].type;
						open_at = text->len;
					}
					p = nm + L + 1;
					matched = 1;
					break;
				}
			}
		}
		if (!matched)
			buf_addch(text, *p++);
	}
	return ng;
}

struct prc {
	uint64_t tp[PII_NTYPES], fp[PII_NTYPES], fn[PII_NTYPES];
};

static void score_line(struct pii *p, const char *line, struct prc *r, int verbose)
{
	struct buf text = BUF_INIT;
	struct gold g[32];
	struct pii_spans sp = { 0 };
	size_t ng = parse_tagged(line, &text, g, 32), i, k;
	char used[32] = { 0 };
	CHECK_INT(pii_scan(p, text.ptr, text.len, &sp), 0);
	for (i = 0; i < sp.n; i++) {
		int hit = 0;
		for (k = 0; k < ng && !hit; k++)
			if (!used[k] && g[k].start == sp.v[i].start && g[k].end == sp.v[i].end && g[k].type == sp.v[i].type)
				used[k] = 1, hit = 1;
		if (hit) {
			r->tp[sp.v[i].type]++;
		} else {
			r->fp[sp.v[i].type]++;
			if (verbose)
				fprintf(stderr, "  false positive %s: '%.*s' in: %s\n", pii_type_name(sp.v[i].type),
					(int)(sp.v[i].end - sp.v[i].start), text.ptr + sp.v[i].start, line);
		}
	}
	for (k = 0; k < ng; k++)
		if (!used[k]) {
			r->fn[g[k].type]++;
			if (verbose)
				fprintf(stderr, "  missed %s: '%.*s' in: %s\n", pii_type_name(g[k].type),
					(int)(g[k].end - g[k].start), text.ptr + g[k].start, line);
		}
	pii_spans_release(&sp);
	buf_release(&text);
}

static FILE *open_data(const char *env, const char *rel)
{
	const char *root = getenv(env);
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "cannot open %s\n", path);
	return f;
}

static void test_labeled(void)
{
	/* goals per type; 0: measured and printed, not a goal of the issue */
	static const double goal[PII_NTYPES] = { 0.95, 0.95, 0.9, 0.95, 0.95, 0.9, 0.9, 0.9 };
	struct pii *p = mk(0, 0);
	struct prc r = { 0 };
	char line[8192];
	int cases = 0, t;
	FILE *f = open_data("SLUICE_SOURCE_ROOT", "tests/data/pii/labeled.txt");
	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		cases++;
		score_line(p, line, &r, 1);
	}
	fclose(f);
	CHECK(cases >= 300);
	printf("labeled set: %d cases\n%-16s %5s %5s %5s %9s %6s\n", cases, "type", "tp", "fp", "fn", "precision", "recall");
	for (t = 0; t < PII_NTYPES; t++) {
		double pr = r.tp[t] + r.fp[t] ? (double)r.tp[t] / (double)(r.tp[t] + r.fp[t]) : 1.0;
		double rc = r.tp[t] + r.fn[t] ? (double)r.tp[t] / (double)(r.tp[t] + r.fn[t]) : 1.0;
		printf("%-16s %5llu %5llu %5llu %9.3f %6.3f  (goal %.2f)\n", pii_type_name(t),
		       (unsigned long long)r.tp[t], (unsigned long long)r.fp[t], (unsigned long long)r.fn[t], pr, rc,
		       goal[t]);
		CHECK(r.tp[t] >= 10);
		CHECK(pr >= goal[t]);
		CHECK(rc >= goal[t]);
	}
	pii_free(p);
}

/* NeMo Curator's tagged test lines: every e-mail, IP, phone, card and SSN
 * found exactly, nothing found in names, addresses and birth dates */
static void test_nemo(void)
{
	static const char *const files[] = { "emails.txt", "ip_address.txt", "phone_numbers.txt", "card_no.txt",
					     "ssn.txt", "multiple.txt", "names.txt", "address.txt", "birthdates.txt" };
	struct pii *p = mk(0, 0);
	struct prc r = { 0 };
	char line[8192], rel[256];
	size_t i;
	int t, lines = 0;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		FILE *f;
		snprintf(rel, sizeof rel, "pii/nemo_curator_pii_data/%s", files[i]);
		f = open_data("SLUICE_SHARED_DATA", rel);
		CHECK(f != NULL);
		if (!f)
			continue;
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = 0;
			if (line[0]) {
				lines++;
				score_line(p, line, &r, 1);
			}
		}
		fclose(f);
	}
	CHECK(lines >= 50);
	for (t = 0; t < PII_NTYPES; t++) {
		CHECK_INT(r.fp[t], 0);
		CHECK_INT(r.fn[t], 0);
	}
	CHECK_INT(r.tp[PII_EMAIL], 4);
	CHECK_INT(r.tp[PII_IP], 2);
	CHECK_INT(r.tp[PII_PHONE], 6);
	CHECK_INT(r.tp[PII_CARD], 3);
	CHECK_INT(r.tp[PII_SSN], 3);
	pii_free(p);
}

/* hostile input: linear time, bounded work per byte */
static void hostile(struct pii *p, const char *what, char *s, size_t n, size_t max_spans)
{
	struct pii_spans sp = { 0 };
	double t0 = now(), dt;
	CHECK_INT(pii_scan(p, s, n, &sp), 0);
	dt = now() - t0;
	printf("hostile %-28s %6.1f MB in %6.3f s (%6.1f MB/s), %zu spans\n", what, n / 1e6, dt, n / 1e6 / dt, sp.n);
	CHECK(sp.n <= max_spans);
	/* generous: the sanitized debug build on a loaded machine */
	CHECK(dt < (SANITIZED ? 60.0 : 10.0));
	pii_spans_release(&sp);
}

static void test_hostile(void)
{
	size_t big = SANITIZED ? (size_t)10 << 20 : (size_t)100 << 20, n = (size_t)1 << 20, i;
	char *s = malloc(big + 1);
	struct pii *p = mk(0, 0);
	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, '7', big);
	hostile(p, "digits", s, big, 0);
	memset(s, '@', n);
	hostile(p, "'@'", s, n, 0);
	for (i = 0; i < n; i++)
		s[i] = "a@"[i & 1];
	hostile(p, "a@a@a@...", s, n, 0);
	for (i = 0; i < n; i++)
		s[i] = i % 3 == 2 ? '.' : 'a';
	memcpy(s + n - 8, "@b.com x", 8);
	hostile(p, "aa.aa.aa...@b.com", s, n, 1);
	for (i = 0; i < n; i++)
		s[i] = i < n / 2 ? '(' : ')';
	hostile(p, "((((...))))", s, n, 0);
	for (i = 0; i < n; i++)
		s[i] = "1 "[i & 1];
	hostile(p, "1 1 1 1 ...", s, n, n);
	for (i = 0; i < n; i++)
		s[i] = "1."[i & 1];
	hostile(p, "1.1.1.1...", s, n, n);
	for (i = 0; i < n; i++)
		s[i] = "+(1)-"[i % 5];
	hostile(p, "+(1)-+(1)-...", s, n, n);
	for (i = 0; i < n; i++)
		s[i] = "a:"[i & 1];
	hostile(p, "a:a:a:...", s, n, n);
	memset(s, ':', n);
	hostile(p, "':'", s, n, 0);
	for (i = 0; i + 28 <= n; i += 28)
		memcpy(s + i, "-----BEGIN PRIVATE KEY-----\n", 28);
	hostile(p, "BEGIN without END", s, i, 0);
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(s + i, "eyJ.", 4);
	hostile(p, "eyJ.eyJ.eyJ...", s, i, 0);
	for (i = 0; i + 8 <= n; i += 8)
		memcpy(s + i, "http://a", 8);
	hostile(p, "http://ahttp://a...", s, i, 0);
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(s + i, "DE89", 4);
	hostile(p, "DE89DE89...", s, i, 0);
	pii_free(p);
	free(s);
}

int main(void)
{
	test_validators();
	test_detectors();
	test_types_and_overlaps();
	test_modes();
	test_labeled();
	test_nemo();
	test_hostile();
	return check_done();
}
