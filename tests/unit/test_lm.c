/*
 * test_lm.c - ARPA and .slm models against KenLM's own expectations
 * (kenlm lm/model_test.cc on lm/test.arpa and lm/test_nounk.arpa), the
 * binary format's equality with the ARPA text, hostile model files, cc_net's
 * text normalization, and Kneser-Ney estimates that sum to one.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "lm.h"
#include "lmtext.h"
#include "lmtrain.h"
#include "doc.h"
#include "instream.h"
#include "outstream.h"
#include "pytext.h"

static char tmpdir[] = "/tmp/sluice-test-lm-XXXXXX";

static const char *data(const char *rel, char *out, size_t n)
{
	const char *d = getenv("SLUICE_SHARED_DATA");

	snprintf(out, n, "%s/%s", d ? d : "../shared/data", rel);
	return out;
}

#define NEAR(got, want) \
	do { \
		double g_ = (got), w_ = (want); \
		check_count_++; \
		if (!(fabs(g_ - w_) <= 1e-5)) { \
			check_failed_++; \
			fprintf(stderr, "%s:%d: %s == %.8f, want %.8f\n", __FILE__, __LINE__, #got, g_, w_); \
		} \
	} while (0)

static const struct lm_model *M;

static uint32_t id(const char *w)
{
	return lm_word_id(M, w, strlen(w));
}

/* KenLM's AppendTest: score, check, and keep the new state. */
#define APPEND(word, ngram, score) \
	do { \
		int len_; \
		float p_ = lm_score_word(M, &st, id(word), &len_); \
		NEAR(p_, (score)); \
		if (ngram) \
			CHECK_INT(len_, (ngram)); \
	} while (0)

/* StartTest: score without keeping the state. */
#define START(word, ngram, score) \
	do { \
		struct lm_state keep_ = st; \
		APPEND(word, ngram, score); \
		st = keep_; \
	} while (0)

static void kenlm_expectations(const struct lm_model *m)
{
	struct lm_state st, preserve, higher_looking;

	M = m;
	CHECK_INT(m->nwords, 37);
	CHECK_INT(m->order, 5);
	CHECK_INT(id("<unk>"), 0);
	CHECK_INT(id("this_is_not_found"), 0);

	/* Starters */
	lm_state_begin(m, &st);
	START("looking", 2, -0.4846522);
	START(",", 1, -1.383514 + -0.4149733);
	START("this_is_not_found", 1, -1.995635 + -0.4149733);

	/* Continuation */
	lm_state_begin(m, &st);
	APPEND("looking", 2, -0.484652);
	APPEND("on", 3, -0.348837);
	APPEND("a", 4, -0.0155266);
	APPEND("little", 5, -0.00306122);
	preserve = st;
	APPEND("the", 1, -4.04005);
	APPEND("biarritz", 1, -1.9889);
	APPEND("not_found", 1, -2.29666);
	APPEND("more", 1, -1.20632 - 20.0);
	APPEND(".", 2, -0.51363);
	APPEND("</s>", 3, -0.0191651);
	st = preserve;
	APPEND("more", 5, -0.00181395);
	APPEND("loin", 5, -0.0432557);

	/* Blanks: "higher looking" is not in the file but "also would
	 * consider higher looking" is; both fill the missing suffix in */
	lm_state_null(&st);
	APPEND("also", 1, -1.687872);
	APPEND("would", 2, -2);
	APPEND("consider", 3, -3);
	preserve = st;
	APPEND("higher", 4, -4);
	APPEND("looking", 5, -5);
	st = preserve;
	APPEND("not_found", 1, -1.995635 - 7.0 - 0.30103);
	lm_state_null(&st);
	APPEND("higher", 1, -1.509559);
	APPEND("looking", 2, -1.285941 - 0.30103);
	higher_looking = st;
	APPEND("not_found", 1, -1.995635 - 0.4771212);
	st = higher_looking;
	APPEND("consider", 1, -1.687872 - 0.4771212);
	lm_state_null(&st);
	APPEND("would", 1, -1.687872);
	APPEND("consider", 2, -1.687872 - 0.30103);
	APPEND("higher", 3, -1.509559 - 0.30103);
	APPEND("looking", 4, -1.285941 - 0.30103);
	/* would consider, however <unk>, look a, consider higher, higher looking */
	CHECK_INT(m->blanks[2], 5);
	CHECK_INT(m->blanks[3], 2);
	CHECK_INT(m->blanks[4], 1);

	/* Unknowns */
	lm_state_null(&st);
	APPEND("not_found", 1, -1.995635);
	preserve = st;
	APPEND("not_found2", 2, -15.0);
	APPEND("not_found3", 2, -15.0 - 2.0);
	st = preserve;
	APPEND("however", 2, -4);
	APPEND("not_found3", 3, -6);

	/* MinimalState */
	lm_state_null(&st);
	APPEND("baz", 1, -6.535897);
	lm_state_null(&st);
	APPEND("foo", 1, -3.141592);
	APPEND("bar", 2, -6.0);
	APPEND("bar", 1, -2.718281 + 3.0);
	lm_state_null(&st);
	APPEND("to", 1, -1.687872);
	APPEND("look", 2, -0.2922095);
	APPEND("a", 3, -7);

	/* a whole sentence, as `sluice ppl` scores lines */
	{
		uint32_t ids[4] = { id("looking"), id("on"), id("a"), id("little") };
		double want = -0.4846522 + -0.348837 + -0.0155266 + -0.00306122;
		struct lm_state s2;
		lm_state_begin(m, &s2);
		for (int i = 0; i < 4; i++)
			lm_score_word(m, &s2, ids[i], NULL);
		want += lm_score_word(m, &s2, m->eos, NULL);
		NEAR(lm_score_ids(m, ids, 4, 1, 1), want);
	}
}

static void nounk_expectations(const struct lm_model *m)
{
	struct lm_state st;

	M = m;
	CHECK_INT(m->nwords, 37);
	CHECK_INT(m->has_unk, 0);
	lm_state_null(&st);
	APPEND("not_found", 1, -100.0);
	APPEND("not_found", 1, -100.0);
	lm_state_begin(m, &st);
	APPEND("looking", 2, -0.484652);
	APPEND("on", 3, -0.348837);
}

static int write_fd(void *ctx, const void *p, size_t n)
{
	return write(*(int *)ctx, p, n) == (ssize_t)n ? 0 : SL_EIO;
}

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long sz;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)sz + 1);
	if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return p;
}

static void binary_roundtrip(void)
{
	char path[512], bin[600], bad[600];
	struct lm_model *a, *b;
	const char *why;
	char *bytes;
	size_t n = 0, cut;
	int fd, rc, crashes = 0, errors = 0;

	CHECK_INT(lm_load_arpa(data("arpa/kenlm-test.arpa", path, sizeof(path)), &a, &why, NULL), 0);
	snprintf(bin, sizeof(bin), "%s/test.slm", tmpdir);
	fd = open(bin, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_INT(lm_write_binary(a, write_fd, &fd), 0);
	close(fd);
	CHECK_INT(lm_load(bin, &b, &why, NULL), 0);
	if (!b)
		return;
	CHECK(b->mapped);
	kenlm_expectations(b);
	CHECK_STR(b->units, "words");

	/* every truncation is an error, never a crash */
	bytes = read_file(bin, &n);
	CHECK(bytes != NULL);
	snprintf(bad, sizeof(bad), "%s/bad.slm", tmpdir);
	for (cut = 0; bytes && cut < n; cut += cut < 600 ? 1 : 97) {
		struct lm_model *c = NULL;
		write_file(bad, bytes, cut);
		rc = lm_load_binary(bad, &c, &why);
		errors += rc == SL_ETRUNC || rc == SL_EFORMAT;
		crashes += rc == 0;
		lm_free(c);
	}
	CHECK_INT(crashes, 0);
	CHECK(errors > 600);
	/* trailing bytes */
	{
		char *more = malloc(n + 8);
		struct lm_model *c = NULL;
		memcpy(more, bytes, n);
		memset(more + n, 0, 8);
		write_file(bad, more, n + 8);
		CHECK_INT(lm_load_binary(bad, &c, &why), SL_EFORMAT);
		lm_free(c);
		free(more);
	}
	/* flip every header byte and a sample of the rest: either refused
	 * or loaded, and a loaded model scores without leaving its tables */
	for (size_t i = 0; bytes && i < n; i += i < 512 ? 1 : 13) {
		struct lm_model *c = NULL;
		bytes[i] ^= 0x5a;
		write_file(bad, bytes, n);
		if (lm_load_binary(bad, &c, &why) == 0) {
			uint32_t ids[6] = { 1, 2, 3, 4, 5, 0xffffffffu };
			struct lm_state s;
			lm_state_begin(c, &s);
			for (int k = 0; k < 6; k++)
				(void)lm_score_word(c, &s, ids[k] % (c->nwords + 1), NULL);
			(void)lm_word_id(c, "looking", 7);
			(void)lm_word(c, c->nwords - 1);
		}
		lm_free(c);
		bytes[i] ^= 0x5a;
	}
	free(bytes);
	lm_free(a);
	lm_free(b);
	unlink(bad);
	unlink(bin);
}

static void hostile_arpa(void)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "", SL_EFORMAT },
		{ "\\data\\\n", SL_ETRUNC },
		{ "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n", SL_ETRUNC },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta\n\n\\end\\\n", 0 },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta\n", SL_ETRUNC },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n0.5\ta\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\nxyz\ta\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n-1\ta\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 2=1\n\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\t-0.5\n\n\\2-grams:\n-1\ta b\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\t-0.5\n\n\\2-grams:\n-1\ta\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\t-0.5\n\n\\2-grams:\n-1\ta a\t-1\n\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\t-0.5\n\n\\2-grams:\n-1\ta a\n\n\\end\\\n", 0 },
		{ "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1\ta\t-0.5\n\n\\2-grams:\n-1\ta a\n-1\ta a\n\\end\\\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta\n\n\\2-grams:\n", SL_EFORMAT },
		{ "\\data\\\nngram 9=1\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=99999999999999999999\n", SL_EFORMAT },
		{ "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta\tnan\n\n\\end\\\n", SL_EFORMAT },
	};
	char path[600];

	snprintf(path, sizeof(path), "%s/bad.arpa", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lm_model *m = NULL;
		const char *why = NULL;
		int rc;
		write_file(path, cases[i].text, strlen(cases[i].text));
		rc = lm_load_arpa(path, &m, &why, NULL);
		if (rc != cases[i].rc)
			fprintf(stderr, "case %zu: rc %d (%s)\n", i, rc, why ? why : "-");
		CHECK_INT(rc, cases[i].rc);
		CHECK(rc == 0 || why != NULL);
		lm_free(m);
	}
	unlink(path);
}

static void normalize_cases(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* lower, strip accents, digits, punctuation, controls */
		{ "  Héllo WORLD 2024!  ", "hello world 0000!" },
		{ "Ça coûte 12,50 €", "ca coute 00,00 €" },
		{ "“Quoted” — dash… ok", "\"quoted\"  -  dash... ok" },
		{ "中文，标点。", "中文,标点." },
		{ "tab\there\x01x\x7f", "tabherex" },
		{ "\xc2\x85next", "next" },                  /* U+0085 is a C1 control */
		{ "١٢٣ arabic digits", "000 arabic digits" },
		{ "ＡＢＣ１", "ａｂｃ0" },                   /* fullwidth digit is \d first */
		{ "İstanbul", "istanbul" },                  /* lower() gives i + U+0307, an Mn */
		{ "", "" },
		{ " \t ", "" },
	};
	struct buf out = BUF_INIT, tmp = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&out);
		CHECK_INT(lmtext_normalize(&out, &tmp, cases[i].in, strlen(cases[i].in)), 0);
		CHECK_MEM(out.ptr, out.len, cases[i].out, strlen(cases[i].out));
	}
	buf_release(&out);
	buf_release(&tmp);
}

/* Train on real English, load, and check that sampled contexts sum to 1. */
static void train_sums_to_one(int prune)
{
	char path[512], arpa[600];
	struct lmt_opts o = { 0 };
	struct lmtrain *t;
	struct lmt_report rep;
	struct outstream *out;
	struct lm_model *m;
	struct buf norm = BUF_INIT, tmp = BUF_INIT;
	struct pt_spans words = { 0 };
	const char *why = NULL;
	int sentences = 0;

	o.order = 4;
	o.memory = (size_t)1 << 20; /* small: forces spills */
	o.tmpdir = tmpdir;
	if (prune)
		o.prune[3] = o.prune[4] = 1;
	CHECK_INT(lmt_new(&t, &o), 0);
	/* real English web text: documents of a Dolma CommonCrawl file, one
	 * sentence per line as `sluice ppl train` does it */
	{
		struct instream *in;
		struct buf all = BUF_INIT;
		struct doc d;
		char chunk[65536];
		ssize_t got;
		size_t pos = 0;

		CHECK_INT(instream_open(&in, data("jsonl/dolma-CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz",
						 path, sizeof(path))), 0);
		while (in && (got = instream_read(in, chunk, sizeof(chunk), NULL)) > 0)
			buf_add(&all, chunk, (size_t)got);
		instream_free(in);
		doc_init(&d);
		while (pos < all.len && sentences < 20000) {
			const char *nl = memchr(all.ptr + pos, '\n', all.len - pos), *text;
			size_t end = nl ? (size_t)(nl - all.ptr) : all.len, tn, i = 0;
			struct json_err e;

			if (doc_parse(&d, all.ptr + pos, end - pos, (size_t)1 << 24, 0, &e) == 0 &&
			    doc_text(&d, &text, &tn) == 0) {
				while (i < tn) {
					const char *lnl = memchr(text + i, '\n', tn - i);
					size_t lend = lnl ? (size_t)(lnl - text) : tn;
					buf_reset(&norm);
					words.n = 0;
					lmtext_normalize(&norm, &tmp, text + i, lend - i);
					pt_split_ws(norm.ptr, norm.len, &words);
					if (words.n) {
						const char *w[4096];
						size_t len[4096], n = words.n < 4096 ? words.n : 4096;
						for (size_t k = 0; k < n; k++) {
							w[k] = norm.ptr + words.v[k].off;
							len[k] = words.v[k].len;
						}
						CHECK_INT(lmt_add(t, w, len, n), 0);
						sentences++;
					}
					i = lend + 1;
				}
			}
			pos = end + 1;
		}
		doc_release(&d);
		buf_release(&all);
	}
	snprintf(arpa, sizeof(arpa), "%s/train.arpa", tmpdir);
	CHECK_INT(outstream_open(&out, arpa, 0), 0);
	CHECK_INT(lmt_finish(t, out, &rep, &why), 0);
	if (why)
		fprintf(stderr, "lmt_finish: %s\n", why);
	CHECK_INT(outstream_close(out, 1), 0);
	CHECK(rep.spills > 1);
	CHECK(rep.counts[4] > 1000);
	lmt_free(t);

	CHECK_INT(lm_load_arpa(arpa, &m, &why, NULL), 0);
	if (!m)
		return;
	{
		/* contexts: the first words of some sentences, of each length */
		static const char *const ctx[][3] = {
			{ NULL }, { "the", NULL }, { "of", "the", NULL }, { "in", "the", "new" },
			{ "<s>", NULL }, { "<s>", "the", NULL }, { "zzzunseen", NULL }, { "it", "is", "a" },
		};
		double worst = 0;
		for (size_t c = 0; c < sizeof(ctx) / sizeof(ctx[0]); c++) {
			struct lm_state base, s;
			double sum = 0;
			lm_state_null(&base);
			for (int k = 0; k < 3 && ctx[c][k]; k++) {
				uint32_t w = strcmp(ctx[c][k], "<s>") ? lm_word_id(m, ctx[c][k], strlen(ctx[c][k])) : m->bos;
				if (w == m->bos)
					lm_state_begin(m, &base);
				else
					lm_score_word(m, &base, w, NULL);
			}
			for (uint32_t w = 0; w < m->nwords; w++) {
				if (w == m->bos)
					continue;
				s = base;
				sum += pow(10.0, lm_score_word(m, &s, w, NULL));
			}
			if (fabs(sum - 1) > worst)
				worst = fabs(sum - 1);
		}
		CHECK(worst < 1e-4);
		if (!(worst < 1e-4))
			fprintf(stderr, "worst |sum - 1| = %g (prune %d)\n", worst, prune);
	}
	lm_free(m);
	unlink(arpa);
	buf_release(&norm);
	buf_release(&tmp);
	pt_spans_release(&words);
}

int main(void)
{
	char path[512];
	struct lm_model *m;
	const char *why = NULL;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK_INT(lm_load_arpa(data("arpa/kenlm-test.arpa", path, sizeof(path)), &m, &why, NULL), 0);
	if (m) {
		kenlm_expectations(m);
		lm_free(m);
	}
	CHECK_INT(lm_load_arpa(data("arpa/kenlm-test_nounk.arpa", path, sizeof(path)), &m, &why, NULL), 0);
	if (m) {
		nounk_expectations(m);
		lm_free(m);
	}
	for (int k = 0; k < 2; k++) {
		CHECK_INT(lm_load(data(k ? "arpa/kenlm-toy1.arpa" : "arpa/kenlm-toy0.arpa", path, sizeof(path)),
				  &m, &why, NULL), 0);
		if (m) {
			uint32_t ids[3] = { 3, 4, 5 };
			double s = lm_score_ids(m, ids, 3, 1, 1);
			CHECK(s < 0 && isfinite(s));
			lm_free(m);
		}
	}
	binary_roundtrip();
	hostile_arpa();
	normalize_cases();
	train_sums_to_one(0);
	train_sums_to_one(1);
	rmdir(tmpdir);
	return check_done();
}
