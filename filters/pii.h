/*
 * pii.h - find and replace personal data in text: e-mail addresses, IP
 * addresses, phone numbers, payment cards, IBANs, US social security
 * numbers, leaked secrets and URLs with a user:password.
 *
 * One pass over the text: a byte loop finds trigger characters ('@', digits,
 * ':', a few literal prefixes), each trigger bounds a small window, and a
 * PCRE2 pattern (JIT-compiled, with match and depth limits) runs only inside
 * that window; candidates are then validated in C (Luhn, IBAN mod-97,
 * ip ranges, SSN area/group/serial, phone digit counts).  Work per byte is
 * bounded, so hostile input (megabytes of digits or '@') costs linear time.
 *
 * Overlapping candidates are resolved deterministically: the longest wins,
 * then the earliest, then the lower type number.  The spans returned are
 * sorted and disjoint.
 *
 * A struct pii is not thread safe (it holds match data and the round-robin
 * state of --replace fake); use one per thread.
 */
#ifndef SLUICE_PII_H
#define SLUICE_PII_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum pii_type {
	PII_EMAIL,
	PII_IP,
	PII_PHONE,
	PII_CARD,
	PII_IBAN,
	PII_SSN,
	PII_SECRET,
	PII_URL_CREDENTIALS,
	PII_NTYPES
};

#define PII_ALL ((1u << PII_NTYPES) - 1)

/* "email", "ip", "phone", "card", "iban", "ssn", "secret", "url_credentials" */
const char *pii_type_name(int type);
/* "EMAIL", "IP_ADDRESS", "PHONE_NUMBER", ... (the tag without brackets) */
const char *pii_type_tag(int type);

/* Parse a comma-separated list of type names into a bit mask ("all" is
 * every type).  0, or SL_EINVAL with *bad pointing at the unknown name. */
int pii_parse_types(const char *list, unsigned *mask, const char **bad, size_t *badlen);

struct pii_span {
	size_t start, end; /* byte offsets into the text, [start, end) */
	int type;          /* enum pii_type */
};

struct pii_spans {
	struct pii_span *v;
	size_t n, cap;
};

void pii_spans_release(struct pii_spans *sp);

struct pii_config {
	unsigned types;      /* mask of 1 << PII_*; 0 means all */
	int public_ips_only; /* report only addresses Python's ipaddress calls is_global */
};

struct pii;

/* 0, SL_ENOMEM, or SL_EINVAL if a pattern fails to compile (a bug). */
int pii_new(struct pii **out, const struct pii_config *cfg);
void pii_free(struct pii *p);

/* Find the PII in s[0, n) (UTF-8): out is reset and receives sorted,
 * disjoint spans.  0 or SL_ENOMEM. */
int pii_scan(struct pii *p, const char *s, size_t n, struct pii_spans *out);

/* Matches abandoned because a PCRE2 match or depth limit was hit. */
uint64_t pii_limits_hit(const struct pii *p);
/* Release the scanner's scratch that grows with a text (its candidate
 * spans): after a large document, so a thread does not keep its memory. */
void pii_trim(struct pii *p);

enum pii_mode {
	PII_REPLACE_TAG,  /* <EMAIL>, <IP_ADDRESS>, ... */
	PII_REPLACE_FAKE, /* fixed fake values, cycled per type across calls */
	PII_REPLACE_HASH, /* <EMAIL:8 hex digits> from a keyed hash of the value */
};

/* Set the key of PII_REPLACE_HASH (SipHash-2-4 keyed with a 128-bit digest
 * of the salt).  Without a call the salt is empty. */
void pii_set_salt(struct pii *p, const char *salt, size_t n);

/* Append s[0, n) to out with the spans replaced.  Fake values cycle
 * round-robin per type over every call on this struct pii, in text order,
 * as datatrove's PIIFormatter does across documents.  0 or a buffer error. */
int pii_replace(struct pii *p, const char *s, size_t n, const struct pii_spans *sp,
		enum pii_mode mode, struct buf *out);

/* Validators, exposed for the tests. */
int pii_luhn_ok(const char *digits, size_t n);
int pii_card_ok(const char *digits, size_t n);   /* Luhn + known issuer prefix and length */
int pii_iban_ok(const char *iban, size_t n);     /* compact (no spaces), upper case */
int pii_ssn_ok(int area, int group, int serial);
int pii_ipv4_global(uint32_t addr);              /* ipaddress.IPv4Address.is_global */
int pii_ipv6_global(const unsigned char *a);      /* ipaddress.IPv6Address.is_global */

#endif
