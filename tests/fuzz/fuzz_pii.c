/*
 * fuzz_pii.c - PII detection and replacement (filters/pii.c) on arbitrary
 * text made valid UTF-8: every type, public addresses only or not (byte
 * 0), spans checked sorted, disjoint and in range, then each replacement
 * mode.
 */
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "pii.h"
#include "utf8.h"

static struct pii *det[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pii_config c = { 0, 0 };
	(void)argc;
	(void)argv;
	if (pii_new(&det[0], &c))
		abort();
	c.public_ips_only = 1;
	if (pii_new(&det[1], &c))
		abort();
	pii_set_salt(det[1], "fuzz", 4);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf t = BUF_INIT, out = BUF_INIT;
	struct pii_spans sp = { NULL, 0, 0 };
	struct pii *p;

	if (size < 1)
		return 0;
	p = det[data[0] & 1];
	if (utf8_sanitize(&t, (const char *)data + 1, size - 1, NULL))
		goto out;
	if (pii_scan(p, t.ptr, t.len, &sp))
		goto out;
	for (size_t i = 0; i < sp.n; i++)
		if (sp.v[i].start >= sp.v[i].end || sp.v[i].end > t.len ||
		    (i && sp.v[i].start < sp.v[i - 1].end) || sp.v[i].type < 0 || sp.v[i].type >= PII_NTYPES)
			abort();
	for (int mode = PII_REPLACE_TAG; mode <= PII_REPLACE_HASH; mode++) {
		buf_reset(&out);
		pii_replace(p, t.ptr, t.len, &sp, (enum pii_mode)mode, &out);
	}
out:
	pii_spans_release(&sp);
	buf_release(&t);
	buf_release(&out);
	return 0;
}
