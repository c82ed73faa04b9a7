/*
 * pii.c - `sluice pii`: find personal data in the text and replace it with
 * tags, fixed fake values or keyed pseudonyms, or only annotate it.
 */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "error.h"
#include "json.h"
#include "msg.h"
#include "pii.h"
#include "stage.h"

static int add_spans_json(struct buf *j, const char *s, const struct pii_spans *sp)
{
	size_t i, pos = 0, cp = 0;
	int rc = buf_addch(j, '[');
	for (i = 0; i < sp->n && !rc; i++) {
		size_t cs, k;
		for (k = pos; k < sp->v[i].start; k++)
			cp += ((unsigned char)s[k] & 0xc0) != 0x80;
		cs = cp;
		for (k = sp->v[i].start; k < sp->v[i].end; k++)
			cp += ((unsigned char)s[k] & 0xc0) != 0x80;
		pos = sp->v[i].end;
		rc = buf_addf(j, "%s{\"type\":\"%s\",\"start\":%zu,\"end\":%zu,\"cp_start\":%zu,\"cp_end\":%zu}",
			      i ? "," : "", pii_type_name(sp->v[i].type), sp->v[i].start, sp->v[i].end, cs, cp);
	}
	return rc ? rc : buf_addch(j, ']');
}

int cmd_pii(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice pii [<options>] [<file>...]",
		"",
		"Find personal data in the documents' text and replace it: e-mail addresses,",
		"IPv4/IPv6 addresses, phone numbers (E.164, North American, European layouts),",
		"payment cards (Luhn, issuer prefixes), IBANs (country length, mod-97), US SSNs,",
		"secrets (AWS key ids, GitHub and Slack tokens, PEM private keys, JWTs) and URLs",
		"with user:password.  metadata.pii counts what was found, per type.",
		"",
		"  sluice pii docs.jsonl.zst -o clean.jsonl.zst",
		"  sluice pii --types email,ip --public-ips-only --replace fake   (datatrove's PIIFormatter)",
		"  sluice pii --replace hash --salt \"$SECRET\" docs.jsonl",
		"  sluice pii --annotate-only --spans docs.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *types_arg = NULL, *replace_arg = NULL, *salt = NULL;
	int public_only = 0, spans = 0;
	struct option opts[] = {
		OPT_GROUP("Detection:"),
		OPT_STRING(0, "types", &types_arg, "LIST",
			   "comma-separated: email,ip,phone,card,iban,ssn,secret,url_credentials (default: all)"),
		OPT_FLAG(0, "public-ips-only", &public_only,
			 "only addresses Python's ipaddress calls is_global (datatrove's default)"),
		OPT_GROUP("Replacement:"),
		OPT_STRING(0, "replace", &replace_arg, "tag|fake|hash",
			   "<EMAIL>, <IP_ADDRESS>, ... (default); datatrove's fake values, cycled; <EMAIL:hash>"),
		OPT_STRING(0, "salt", &salt, "S", "the key of --replace hash (required with it)"),
		OPT_FLAG(0, "spans", &spans,
			 "also record metadata.pii_spans: type, byte and code-point offsets in the input text"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct pii_config cfg = { 0 };
	enum pii_mode mode = PII_REPLACE_TAG;
	struct pii *p = NULL;
	struct pii_spans sp = { 0 };
	struct buf text = BUF_INIT, j = BUF_INIT;
	uint64_t counts[PII_NTYPES] = { 0 }, docs_with = 0;
	struct stage st;
	struct doc d;
	int nargs, rc, t;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (types_arg) {
		const char *bad;
		size_t badlen;
		if (pii_parse_types(types_arg, &cfg.types, &bad, &badlen))
			return usage_error("unknown type '%.*s' in --types (known: email, ip, phone, card, iban, ssn, secret, url_credentials, all)",
					   (int)badlen, bad);
	}
	cfg.public_ips_only = public_only;
	if (!replace_arg || !strcmp(replace_arg, "tag"))
		mode = PII_REPLACE_TAG;
	else if (!strcmp(replace_arg, "fake"))
		mode = PII_REPLACE_FAKE;
	else if (!strcmp(replace_arg, "hash"))
		mode = PII_REPLACE_HASH;
	else
		return usage_error("--replace must be tag, fake or hash, not '%s'", replace_arg);
	if (mode == PII_REPLACE_HASH && !salt)
		return usage_error("--replace hash needs --salt (a secret key, so pseudonyms cannot be reversed by guessing)");
	if (salt && mode != PII_REPLACE_HASH)
		return usage_error("--salt only applies to --replace hash");
	if (o.annotate_only && replace_arg)
		return usage_error("--annotate-only replaces nothing; drop --replace");

	if ((rc = pii_new(&p, &cfg))) {
		msg_code(rc, "cannot set up the detectors");
		return 1;
	}
	if (salt)
		pii_set_salt(p, salt, strlen(salt));
	rc = stage_begin(&st, "pii", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc) {
		pii_free(p);
		return rc;
	}
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *s;
		size_t n, i;
		uint64_t c[PII_NTYPES] = { 0 };
		if ((rc = doc_text(&d, &s, &n)) || (rc = pii_scan(p, s, n, &sp)))
			goto fail;
		if (sp.n) {
			docs_with++;
			for (i = 0; i < sp.n; i++)
				c[sp.v[i].type]++;
			buf_reset(&j);
			rc = buf_addch(&j, '{');
			for (t = 0; t < PII_NTYPES && !rc; t++) {
				counts[t] += c[t];
				if (c[t])
					rc = buf_addf(&j, "%s\"%s\":%llu", j.len > 1 ? "," : "", pii_type_name(t),
						      (unsigned long long)c[t]);
			}
			if (rc || (rc = buf_addch(&j, '}')) || (rc = doc_meta_set_raw(&d, "pii", j.ptr, j.len)))
				goto fail;
			if (spans) {
				buf_reset(&j);
				if ((rc = add_spans_json(&j, s, &sp)) ||
				    (rc = doc_meta_set_raw(&d, "pii_spans", j.ptr, j.len)))
					goto fail;
			}
			if (!o.annotate_only) {
				buf_reset(&text);
				if ((rc = pii_replace(p, s, n, &sp, mode, &text)) ||
				    (rc = doc_set_text(&d, text.ptr, text.len)))
					goto fail;
			}
		}
		if (stage_emit(&st, &d))
			break;
		continue;
fail:
		msg_code(rc, "document %llu", (unsigned long long)st.docs_in);
		st.failed = 1;
		break;
	}
	buf_addstr(&st.extra, ",\n  \"pii\": {");
	for (t = 0; t < PII_NTYPES; t++)
		buf_addf(&st.extra, "%s\"%s\": %llu", t ? ", " : "", pii_type_name(t), (unsigned long long)counts[t]);
	buf_addf(&st.extra, "},\n  \"docs_with_pii\": %llu,\n  \"pii_limits_hit\": %llu", (unsigned long long)docs_with,
		 (unsigned long long)pii_limits_hit(p));
	buf_release(&text);
	buf_release(&j);
	pii_spans_release(&sp);
	pii_free(p);
	doc_release(&d);
	return stage_end(&st);
}
