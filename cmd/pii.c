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
#include "pmap.h"
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

/* On the threads of pmap.c: each scans with its own detectors into the
 * document's slot; the calling thread (thread 0, whose detectors also
 * replace: fake values cycle across documents) counts, annotates and
 * replaces in input order. */
struct pii_ctx {
	struct pii **p;               /* one per thread */
	int nthreads;
	struct pii_spans *sp;         /* per slot */
	enum pii_mode mode;
	int spans, annotate_only;
	struct buf text, j;
	uint64_t counts[PII_NTYPES], docs_with;
};

static int pii_doc(void *arg, int t, struct pmap_item *x)
{
	struct pii_ctx *c = arg;
	const char *s;
	size_t n = 0;
	int rc;
	if ((rc = doc_text(&x->d, &s, &n)) == 0)
		rc = pii_scan(c->p[t], s, n, &c->sp[x->slot]);
	if (n > PMAP_BIG_DOC)
		pii_trim(c->p[t]);
	return rc;
}

/* A document whose scan (or annotation) failed: the run stops there. */
static int pii_failed(void *arg, struct stage *st, struct pmap_item *x, int rc)
{
	(void)arg;
	msg_code(rc, "document %llu", (unsigned long long)x->index + 1);
	st->failed = 1;
	return -1;
}

static int pii_write(void *arg, struct stage *st, struct pmap_item *x)
{
	struct pii_ctx *c = arg;
	struct pii_spans *sp = &c->sp[x->slot];
	uint64_t k[PII_NTYPES] = { 0 };
	const char *s;
	size_t n, i;
	int rc, t;

	if ((rc = doc_text(&x->d, &s, &n))) /* (decoded by the work) */
		goto fail;
	if (sp->n) {
		c->docs_with++;
		for (i = 0; i < sp->n; i++)
			k[sp->v[i].type]++;
		buf_reset(&c->j);
		rc = buf_addch(&c->j, '{');
		for (t = 0; t < PII_NTYPES && !rc; t++) {
			c->counts[t] += k[t];
			if (k[t])
				rc = buf_addf(&c->j, "%s\"%s\":%llu", c->j.len > 1 ? "," : "", pii_type_name(t),
					      (unsigned long long)k[t]);
		}
		if (rc || (rc = buf_addch(&c->j, '}')) || (rc = doc_meta_set_raw(&x->d, "pii", c->j.ptr, c->j.len)))
			goto fail;
		if (c->spans) {
			buf_reset(&c->j);
			if ((rc = add_spans_json(&c->j, s, sp)) ||
			    (rc = doc_meta_set_raw(&x->d, "pii_spans", c->j.ptr, c->j.len)))
				goto fail;
		}
		if (!c->annotate_only) {
			buf_reset(&c->text);
			if ((rc = pii_replace(c->p[0], s, n, sp, c->mode, &c->text)) ||
			    (rc = doc_set_text(&x->d, c->text.ptr, c->text.len)))
				goto fail;
		}
	}
	if (sp->cap > PMAP_SLOT_KEEP / sizeof(*sp->v))
		pii_spans_release(sp);
	return stage_emit(st, &x->d);
fail:
	return pii_failed(arg, st, x, rc);
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
		"  sluice pii --threads 8 docs.jsonl.zst -o clean.jsonl.zst",
		NULL
	};
	struct stage_opts o = { 0 };
	const char *types_arg = NULL, *replace_arg = NULL, *salt = NULL;
	int public_only = 0, spans = 0, nthreads = 1;
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
		OPT_INT('j', "threads", &nthreads, "N", "scan on N threads (output order unchanged; default 1)"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct pii_config cfg = { 0 };
	enum pii_mode mode = PII_REPLACE_TAG;
	struct pii_ctx c;
	struct pmap pm = { 0 };
	uint64_t unused, limits = 0;
	struct stage st;
	size_t i, nslots;
	int nargs, rc, t;

	memset(&c, 0, sizeof(c));
	buf_init(&c.text, 0);
	buf_init(&c.j, 0);
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
	if (nthreads < 1 || nthreads > 1024)
		return usage_error("--threads must be between 1 and 1024");

	pm.nthreads = nthreads;
	pm.work = pii_doc;
	pm.emit = pii_write;
	pm.failed = pii_failed;
	pm.arg = &c;
	nslots = pmap_slots(&pm);
	c.mode = mode;
	c.spans = spans;
	c.annotate_only = o.annotate_only;
	if (!(c.p = calloc((size_t)nthreads, sizeof(*c.p))) || !(c.sp = calloc(nslots, sizeof(*c.sp)))) {
		rc = SL_ENOMEM;
		goto setup;
	}
	c.nthreads = nthreads;
	for (t = 0; t < nthreads; t++) {
		if ((rc = pii_new(&c.p[t], &cfg)))
			goto setup;
		if (salt)
			pii_set_salt(c.p[t], salt, strlen(salt));
	}
	rc = stage_begin(&st, "pii", STAGE_SPLIT_JSONL, &o, argv + 1, nargs);
	if (rc)
		goto out;
	pmap_run(&st, &pm, &unused);
	for (t = 0; t < nthreads; t++)
		limits += pii_limits_hit(c.p[t]);
	buf_addstr(&st.extra, ",\n  \"pii\": {");
	for (t = 0; t < PII_NTYPES; t++)
		buf_addf(&st.extra, "%s\"%s\": %llu", t ? ", " : "", pii_type_name(t), (unsigned long long)c.counts[t]);
	buf_addf(&st.extra, "},\n  \"docs_with_pii\": %llu,\n  \"pii_limits_hit\": %llu",
		 (unsigned long long)c.docs_with, (unsigned long long)limits);
	rc = stage_end(&st);
	goto out;
setup:
	msg_code(rc, "cannot set up the detectors");
	rc = 1;
out:
	for (t = 0; c.p && t < c.nthreads; t++)
		pii_free(c.p[t]);
	free(c.p);
	for (i = 0; c.sp && i < nslots; i++)
		pii_spans_release(&c.sp[i]);
	free(c.sp);
	buf_release(&c.text);
	buf_release(&c.j);
	return rc;
}
