/*
 * fuzz_langcfg.c - FineWeb-2 style per-language configs
 * (filters/langcfg.c: the YAML subset, quoting and escapes, stop words,
 * n-gram lists, thresholds), then every quality rule run with what was
 * loaded, in the all-signals mode: a config may set any threshold or list
 * to anything, and the rules must still hold.
 *
 * Input: the config file [SEP text]; without a text, a fixed one.
 */
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "langcfg.h"
#include "quality.h"
#include "utf8.h"

#define SEP "\n%%SLUICE_TEXT%%\n"

static struct qparams base;
static struct quality q;

static const char sample[] =
	"The quick brown fox jumps over the lazy dog. The quick brown fox jumps again!\n"
	"- a bullet line\n"
	"Lorem ipsum? No. Call 555-0100 {curly} ...\n"
	"\n"
	"Die Würde des Menschen ist unantastbar. 人人生而自由，在尊严和权利上一律平等。\n"
	"The quick brown fox jumps over the lazy dog. The quick brown fox jumps again!\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (qparams_init(&base))
		abort();
	quality_init(&q);
	q.all_signals = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cfg, *text;
	size_t cn, tn;
	struct qparams p;
	struct buf t = BUF_INIT;
	struct qresult r;
	char path[64];
	int fd, line = 0, rc;

	fuzz_split(data, size, SEP, &cfg, &cn, &text, &tn);
	if ((fd = fuzz_memfd(cfg, cn)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (qparams_copy(&p, &base)) {
		close(fd);
		return 0;
	}
	rc = langcfg_load(path, &p, &line);
	close(fd);
	if (rc == SL_EFORMAT && line < 0)
		abort();
	if (rc == 0) {
		if (tn == 0) {
			text = (const uint8_t *)sample;
			tn = sizeof(sample) - 1;
		}
		if (utf8_sanitize(&t, (const char *)text, tn, NULL) == 0)
			for (int rule = 0; rule < Q_NRULES; rule++)
				if (quality_eval(&q, (enum qrule)rule, &p, t.ptr, t.len, &r) == 0 && r.rewritten &&
				    utf8_valid_prefix(q.out.ptr, q.out.len) != q.out.len)
					abort();
	}
	qparams_release(&p);
	buf_release(&t);
	return 0;
}
