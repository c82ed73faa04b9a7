/*
 * test_fasttext.c - the fastText reader on hostile input, and a model built
 * byte by byte whose predictions are worked out by hand.  Agreement with
 * the real fastText on real models is tests/cli/lang.sh's job.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "fasttext.h"

static unsigned char mb[4096];
static size_t ml;

static void put(const void *p, size_t n) { memcpy(mb + ml, p, n); ml += n; }
static void p32(int32_t v) { put(&v, 4); }
static void p64(int64_t v) { put(&v, 8); }
static void pf(float v) { put(&v, 4); }
static void pb(uint8_t v) { put(&v, 1); }
static void pword(const char *w, int64_t count, int8_t type)
{
	put(w, strlen(w) + 1);
	p64(count);
	put(&type, 1);
}

/*
 * dim 2, softmax, words "a" "b", labels x y, no n-grams (maxn 0,
 * wordNgrams 1, bucket 0).  Input rows: a = (1,0), b = (0,1); output rows:
 * x = (1,0), y = (0,1).
 */
static void build_tiny(int loss, int32_t dict_size, int64_t in_rows)
{
	ml = 0;
	p32(793712314);
	p32(12);
	/* dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate */
	p32(2); p32(5); p32(5); p32(1); p32(5); p32(1); p32(loss); p32(3); p32(0); p32(0); p32(0); p32(100);
	{ double t = 1e-4; put(&t, 8); }
	p32(dict_size); p32(2); p32(2); p64(10); p64(-1);
	pword("a", 5, 0);
	pword("b", 3, 0);
	pword("__label__x", 2, 1);
	pword("__label__y", 1, 1);
	pb(0);
	p64(in_rows); p64(2);
	pf(1); pf(0); pf(0); pf(1);
	pb(0);
	p64(2); p64(2);
	pf(1); pf(0); pf(0); pf(1);
}

static void test_tiny(void)
{
	struct ft_model *m;
	struct ft_state s;
	struct ft_pred p[2];
	const char *why = NULL;
	int n;

	build_tiny(3, 4, 2);
	CHECK_INT(ft_load_mem(mb, ml, &m, &why), 0);
	if (!m)
		return;
	CHECK_INT(ft_nlabels(m), 2);
	CHECK_STR(ft_label(m, 0), "__label__x");
	CHECK_INT(ft_label_index(m, "__label__y"), 1);
	CHECK_INT(ft_label_index(m, "a"), -1);
	CHECK_INT(ft_label_index(m, "__label__z"), -1);
	CHECK_INT(ft_state_init(&s, m), 0);

	/* "a": hidden (1,0) -> softmax(1,0) = e/(e+1) for x */
	n = ft_predict(m, &s, "a", 1, 0, 0.0f, p);
	CHECK_INT(n, 2);
	CHECK_INT(p[0].label, 0);
	CHECK(fabsf(p[0].prob - (float)(exp(1) / (exp(1) + 1) + 1e-5)) < 1e-6f);
	CHECK(fabsf(p[1].prob - (float)(1 / (exp(1) + 1) + 1e-5)) < 1e-6f);
	/* "b b\nb a": three b, one a: (0.25, 0.75) -> y first; k = 1 keeps one */
	n = ft_predict(m, &s, "b b\nb a", 7, 1, 0.0f, p);
	CHECK_INT(n, 1);
	CHECK_INT(p[0].label, 1);
	CHECK(fabsf(p[0].prob - (float)(exp(0.5) / (exp(0.5) + 1) + 1e-5)) < 1e-6f);
	/* threshold drops the weaker label */
	n = ft_predict(m, &s, "a", 1, 0, 0.5f, p);
	CHECK_INT(n, 1);
	/* unknown words and labels in the text give the model nothing */
	CHECK_INT(ft_predict(m, &s, "zzz __label__x", 14, 0, 0.0f, p), 0);
	CHECK_INT(ft_predict(m, &s, "", 0, 0, 0.0f, p), 0);
	/* a literal </s> ends the line: what follows is not read */
	n = ft_predict(m, &s, "b </s> a a a", 12, 0, 0.0f, p);
	CHECK_INT(p[0].label, 1);
	/* arbitrary bytes are just bytes */
	CHECK_INT(ft_predict(m, &s, "\xff\xfe\x80 \xc3", 5, 0, 0.0f, p), 0);
	ft_state_release(&s);
	ft_free(m);

	/* one-vs-all: sigmoid per label, each from fastText's table */
	build_tiny(4, 4, 2);
	CHECK_INT(ft_load_mem(mb, ml, &m, &why), 0);
	if (m && !ft_state_init(&s, m)) {
		n = ft_predict(m, &s, "a", 1, 0, 0.0f, p);
		CHECK_INT(n, 2);
		CHECK(fabsf(p[0].prob - 0.731f) < 2e-3f); /* sigmoid(1) */
		CHECK(fabsf(p[1].prob - 0.5f) < 2e-3f);   /* sigmoid(0) */
		ft_state_release(&s);
	}
	ft_free(m);

	/* a NaN weight (found by fuzzing: it indexed the sigmoid table with
	 * (int64_t)NaN) scores as sigmoid 0, and the other labels are intact */
	build_tiny(4, 4, 2);
	{
		float nan = NAN;
		memcpy(mb + ml - 16, &nan, 4); /* output row x, column 0 */
	}
	CHECK_INT(ft_load_mem(mb, ml, &m, &why), 0);
	if (m && !ft_state_init(&s, m)) {
		n = ft_predict(m, &s, "a", 1, 0, 0.0f, p);
		CHECK_INT(n, 2);
		CHECK_INT(p[0].label, 1);
		CHECK(fabsf(p[0].prob - 0.5f) < 2e-3f);
		CHECK(p[1].prob < 1e-4f);
		ft_state_release(&s);
	}
	ft_free(m);

	/* hierarchical softmax over two labels: one internal node, row 0 */
	build_tiny(1, 4, 2);
	CHECK_INT(ft_load_mem(mb, ml, &m, &why), 0);
	if (m && !ft_state_init(&s, m)) {
		n = ft_predict(m, &s, "a", 1, 0, 0.0f, p);
		CHECK_INT(n, 2);
		CHECK(fabsf(p[0].prob + p[1].prob - 1.0f) < 1e-4f);
		ft_state_release(&s);
	}
	ft_free(m);
}

/* Every prefix of a valid model is refused cleanly. */
static void test_truncated(void)
{
	struct ft_model *m;
	const char *why;
	size_t cut;
	int fails = 0;

	build_tiny(3, 4, 2);
	for (cut = 0; cut < ml; cut++) {
		why = NULL;
		int rc = ft_load_mem(mb, cut, &m, &why);
		if (rc != SL_ETRUNC || m || !why)
			fails++;
	}
	CHECK_INT(fails, 0);
	ft_load_mem(mb, 0, &m, &why);
	CHECK_STR(why, "empty file");
}

static void expect_format(const char *what)
{
	struct ft_model *m = (struct ft_model *)1;
	const char *why = NULL;
	int rc = ft_load_mem(mb, ml, &m, &why);
	if (rc != SL_EFORMAT && rc != SL_ETRUNC)
		fprintf(stderr, "%s: rc %d\n", what, rc);
	CHECK(rc == SL_EFORMAT || rc == SL_ETRUNC);
	CHECK(m == NULL);
	CHECK(why != NULL);
}

static void test_hostile(void)
{
	struct ft_model *m;
	const char *why;
	int32_t v;

	/* garbage */
	memset(mb, 'x', 100);
	ml = 100;
	CHECK_INT(ft_load_mem(mb, ml, &m, &why), SL_EFORMAT);
	CHECK_STR(why, "not a fastText model (wrong magic number)");

	/* a future version */
	build_tiny(3, 4, 2);
	v = 13;
	memcpy(mb + 4, &v, 4);
	expect_format("version");
	/* word vectors, not a classifier */
	build_tiny(3, 4, 2);
	v = 1;
	memcpy(mb + 8 + 7 * 4, &v, 4);
	expect_format("model");
	/* unknown loss */
	build_tiny(9, 4, 2);
	expect_format("loss");
	/* sizes that do not add up, and a dictionary of 2^31-1 entries in a
	 * small file: refused before allocating anything */
	build_tiny(3, 5, 2);
	expect_format("dict size");
	build_tiny(3, 4, 2);
	v = 0x7ffffffe;
	memcpy(mb + 64, &v, 4);
	v = 0x7ffffffc;
	memcpy(mb + 68, &v, 4);
	expect_format("huge dict");
	/* an input matrix with fewer rows than words */
	build_tiny(3, 4, 1);
	expect_format("small input");
	/* an input matrix claiming 2^62 rows */
	build_tiny(3, 4, (int64_t)1 << 62);
	expect_format("huge input");
	/* a bool byte that is neither 0 nor 1 */
	build_tiny(3, 4, 2);
	mb[ml - 2 * 8 - 4 * 4 - 1] = 7;
	expect_format("bool");

	/* random corruption: never a crash (sanitizers watch) */
	{
		unsigned char orig[4096];
		size_t len;
		unsigned seed = 12345;
		int ok = 0;
		build_tiny(1, 4, 2);
		memcpy(orig, mb, ml);
		len = ml;
		for (int i = 0; i < 20000; i++) {
			memcpy(mb, orig, len);
			for (int j = 0; j < 3; j++) {
				seed = seed * 1103515245u + 12345u;
				mb[(seed >> 8) % len] = (unsigned char)(seed >> 20);
			}
			if (ft_load_mem(mb, len, &m, &why) == 0) {
				struct ft_state s;
				struct ft_pred p[4];
				ok++;
				if (!ft_state_init(&s, m)) {
					ft_predict(m, &s, "a b ab", 6, 0, 0.0f, p);
					ft_state_release(&s);
				}
				ft_free(m);
			}
		}
		CHECK(ok > 0);
	}
}

/* The real lid.176.ftz from the shared data, when it is there. */
static void test_lid(void)
{
	const char *dir = getenv("SLUICE_SHARED_DATA");
	char path[4096];
	struct ft_model *m;
	struct ft_state s;
	struct ft_pred p[176];
	struct ft_info info;
	const char *why;
	FILE *f;
	unsigned char *data;
	long size;
	int n, fails = 0;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/langid/lid.176.ftz", dir);
	if (ft_load(path, &m, &why))
		return;
	ft_get_info(m, &info);
	CHECK_INT(info.nlabels, 176);
	CHECK_INT(info.loss, 1);
	CHECK_INT(info.quant_input, 1);
	CHECK_INT(ft_state_init(&s, m), 0);
	n = ft_predict(m, &s, "Das ist ein kleiner Test", 24, 3, 0.0f, p);
	CHECK(n >= 1);
	CHECK_STR(ft_label(m, p[0].label), "__label__de");
	n = ft_predict(m, &s, "This is a small test of the language identifier", 48, -1, 0.0f, p);
	CHECK_STR(ft_label(m, p[0].label), "__label__en");
	/* the row-by-row product-quantizer path gives the very same floats */
	{
		struct ft_model *q;
		struct ft_state qs;
		struct ft_pred qp[176];
		static const char *const texts[] = {
			"Das ist ein kleiner Test", "hello", "", "Всеобщая декларация прав человека",
			"人人生而自由，在尊严和权利上一律平等。", "la la la la \xff\xfe", "ein zwei drei vier fünf",
		};
		ft_set_expand_limit(0);
		CHECK_INT(ft_load(path, &q, &why), 0);
		ft_set_expand_limit((uint64_t)256 << 20);
		if (q && !ft_state_init(&qs, q)) {
			for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
				int a = ft_predict(m, &s, texts[t], strlen(texts[t]), 0, 0.0f, p);
				int b = ft_predict(q, &qs, texts[t], strlen(texts[t]), 0, 0.0f, qp);
				CHECK_INT(a, b);
				CHECK(a > 0 && !memcmp(p, qp, (size_t)a * sizeof(*p)));
			}
			ft_state_release(&qs);
		}
		ft_free(q);
	}
	/* the state's table of out-of-vocabulary tokens: the same floats from
	 * a fresh state, from one that has seen the text (its tokens all from
	 * the table), and after 400 KB of new tokens emptied the table */
	{
		static const char text[] = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich, "
					   "Boxkämpfer jagen Viktor";
		struct ft_state fresh;
		struct ft_pred a[176], b[176];
		char *many = malloc(60000 * 9 + 1);
		int na, nb, k;
		CHECK_INT(ft_state_init(&fresh, m), 0);
		na = ft_predict(m, &fresh, text, strlen(text), 0, 0.0f, a);
		ft_state_release(&fresh);
		for (k = 0; k < 2; k++) {
			nb = ft_predict(m, &s, text, strlen(text), 0, 0.0f, b);
			CHECK(na > 0 && na == nb && !memcmp(a, b, (size_t)na * sizeof(*a)));
		}
		if (many) {
			for (k = 0; k < 60000; k++)
				snprintf(many + 9 * k, 10, "q%06dx ", k);
			CHECK(ft_predict(m, &s, many, 60000 * 9, 1, 0.0f, b) >= 0);
			nb = ft_predict(m, &s, text, strlen(text), 0, 0.0f, b);
			CHECK(na == nb && !memcmp(a, b, (size_t)na * sizeof(*a)));
			free(many);
		}
	}
	ft_state_release(&s);
	ft_free(m);

	/* truncations of the real file, sampled */
	f = fopen(path, "rb");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size);
	if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
		for (long cut = 0; cut < size; cut += cut < 2048 ? 1 : 4093) {
			if (ft_load_mem(data, (size_t)cut, &m, &why) != SL_ETRUNC)
				fails++;
		}
		CHECK_INT(fails, 0);
	}
	free(data);
	fclose(f);
	CHECK_INT(ft_load("/nonexistent/model.ftz", &m, &why), SL_EOPEN);
	CHECK_INT(ft_load("/", &m, &why), SL_EOPEN);
}

int main(void)
{
	test_tiny();
	test_truncated();
	test_hostile();
	test_lid();
	return check_done();
}
