/*
 * fuzz_fasttext.c - the fastText model loader and predictor
 * (filters/fasttext.c): a model from arbitrary bytes (.bin or quantized
 * .ftz, any loss), then predictions on a few fixed lines and on text from
 * the input.
 *
 * Input: model bytes, optionally followed by "\n__SLUICE_TEXT__\n" and a
 * line to classify.
 */
#include <stdlib.h>

#include "error.h"
#include "fasttext.h"
#include "fuzz.h"

#define SEP "\n__SLUICE_TEXT__\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* expand small quantized matrices (the default path) but decode the
	 * others row by row: both must hold up */
	ft_set_expand_limit(1 << 20);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const texts[] = {
		"", " ", "hello world, this is english text", "</s> after",
		"\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
		"a\tb\nc\rd\ve\ff", "\xff\xfe\x80 bad utf-8 \xc3",
	};
	const uint8_t *model, *text;
	size_t mn, tn;
	struct ft_model *m;
	struct ft_state s;
	struct ft_pred *preds;
	const char *why = NULL;
	struct ft_info info;
	int nl;

	fuzz_split(data, size, SEP, &model, &mn, &text, &tn);
	if (ft_load_mem(model, mn, &m, &why))
		return 0;
	ft_get_info(m, &info);
	nl = ft_nlabels(m);
	if (nl <= 0 || ft_label(m, 0) == NULL)
		abort(); /* a supervised model has labels */
	(void)ft_label_index(m, ft_label(m, nl - 1));
	preds = malloc(sizeof(*preds) * (size_t)nl);
	if (!preds || ft_state_init(&s, m)) {
		free(preds);
		ft_free(m);
		return 0;
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int k = ft_predict(m, &s, texts[i], strlen(texts[i]), (int)i % 3, 0.0f, preds);
		for (int j = 0; j < k; j++)
			if (preds[j].label < 0 || preds[j].label >= nl)
				abort();
	}
	if (tn) {
		int k = ft_predict(m, &s, (const char *)text, tn, 0, 0.0f, preds);
		for (int j = 0; j < k; j++)
			if (preds[j].label < 0 || preds[j].label >= nl)
				abort();
		ft_predict(m, &s, (const char *)text, tn, 1, 0.5f, preds);
	}
	ft_state_release(&s);
	free(preds);
	ft_free(m);
	return 0;
}
