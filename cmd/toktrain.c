/*
 * toktrain.c - `sluice tok train`: learn a byte-level BPE vocabulary from
 * documents, merge for merge as Hugging Face tokenizers' BpeTrainer, and
 * write it for both worlds: a tiktoken rank file (+ meta.json with the split
 * pattern and special tokens) and a tokenizer.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpe.h"
#include "builtin.h"
#include "error.h"
#include "json.h"
#include "msg.h"
#include "outstream.h"
#include "stage.h"
#include "train.h"

/* GPT-2's pattern: what Hugging Face's ByteLevel(use_regex=True) splits with */
#define GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int count_piece(void *ctx, const unsigned char *p, size_t n)
{
	return bpet_add(ctx, p, n);
}

/* A token as ByteLevel spells it: every byte as the code point it maps to. */
static int add_bytelevel(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t c = bpet_byte_char(p[i]);
		char u[3];
		size_t k;
		if (c < 0x80) {
			u[0] = (char)c;
			k = 1;
		} else {
			u[0] = (char)(0xc0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3f));
			k = 2;
		}
		if (buf_add(out, u, k))
			return SL_ENOMEM;
	}
	return 0;
}

static int json_token(struct buf *out, const struct bpet *t, uint32_t id)
{
	struct buf s = BUF_INIT;
	size_t n;
	const unsigned char *p = bpet_token(t, id, &n);
	int rc;

	rc = bpet_is_special(t, id) ? buf_add(&s, p, n) : add_bytelevel(&s, p, n);
	if (!rc)
		rc = json_string_encode(out, s.ptr, s.len);
	buf_release(&s);
	return rc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int add_base64(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };
		if (buf_add(out, q, 4))
			return SL_ENOMEM;
	}
	return 0;
}

/* what tok train writes: PREFIX and these */
#define NOUT 3
static const char *const out_suffix[NOUT] = { ".tiktoken", ".meta.json", "-tokenizer.json" };

/* One file of the vocabulary: rendered in memory, then published with the
 * others all or nothing (publish_all). */
struct outfile {
	const char *path;          /* PREFIX + its suffix */
	struct buf data;
};

/* Publish every file or none: each is written through the output layer
 * (a temporary beside it, or straight to a device or FIFO) and finished
 * (fsync'ed); only when all of them succeeded are they renamed into place
 * (outstream_finish, then outstream_close).  A failure is reported naming
 * the file, and the temporaries are removed.  0 or -1. */
static int publish_all(struct outfile *files)
{
	struct outstream *out[NOUT] = { 0 };
	size_t i, bad = NOUT;
	int rc = 0;

	for (i = 0; i < NOUT && bad == NOUT; i++)
		if ((rc = outstream_open(&out[i], files[i].path, 0)) ||
		    (rc = outstream_write(out[i], files[i].data.ptr, files[i].data.len)) ||
		    (rc = outstream_finish(out[i])))
			bad = i;
	for (i = 0; i < NOUT && bad == NOUT; i++) {
		struct outstream *s = out[i];
		out[i] = NULL;
		if ((rc = outstream_close(s, 1)))
			bad = i;
	}
	if (bad < NOUT) /* named before the cleanup can change errno */
		msg_code(rc, "cannot write '%s'", files[bad].path);
	for (i = 0; i < NOUT; i++)
		outstream_close(out[i], 0);
	return bad < NOUT ? -1 : 0;
}

/* tiktoken: "<base64> <rank>" per ordinary token; the special tokens go to
 * meta.json with the split pattern. */
static int render_tiktoken(const struct bpet *t, const char *pattern, struct buf *b, struct buf *meta)
{
	uint32_t id, n = bpet_ntokens(t);
	int rc = 0, first = 1;

	for (id = 0; id < n && !rc; id++) {
		size_t len;
		const unsigned char *p = bpet_token(t, id, &len);
		if (bpet_is_special(t, id))
			continue;
		rc = add_base64(b, p, len);
		if (!rc)
			rc = buf_addf(b, " %u\n", id);
	}
	rc = rc ? rc : buf_addstr(meta, "{\n \"pat_str\": ");
	rc = rc ? rc : json_string_encode(meta, pattern, strlen(pattern));
	rc = rc ? rc : buf_addstr(meta, ",\n \"special_tokens\": {");
	for (id = 0; id < n && !rc; id++) {
		size_t len;
		const unsigned char *p = bpet_token(t, id, &len);
		if (!bpet_is_special(t, id))
			continue;
		rc = buf_addstr(meta, first ? "\n  " : ",\n  ");
		rc = rc ? rc : json_string_encode(meta, (const char *)p, len);
		rc = rc ? rc : buf_addf(meta, ": %u", id);
		first = 0;
	}
	rc = rc ? rc : buf_addstr(meta, first ? "}\n}\n" : "\n }\n}\n");
	return rc;
}

static int cmp_pm(const void *x, const void *y)
{
	const struct { uint64_t pair; size_t i; } *a = x, *b = y;

	if (a->pair != b->pair)
		return a->pair < b->pair ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* tokenizer.json: the pre-tokenizer is ByteLevel with its own regex for
 * GPT-2's pattern, else Split(pattern, Isolated) then ByteLevel without one. */
static int render_tokenizer_json(const struct bpet *t, const char *pattern, struct buf *out)
{
	struct buf b = BUF_INIT;
	uint32_t id, n = bpet_ntokens(t), l, r, res;
	size_t i, m = bpet_nmerges(t), *last = NULL;
	int rc = 0, first = 1, gpt2 = strcmp(pattern, GPT2_PATTERN) == 0;

	rc = buf_addstr(&b, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [");
	for (id = 0; id < n && !rc; id++) {
		if (!bpet_is_special(t, id))
			continue;
		rc = buf_addf(&b, "%s\n    {\"id\": %u, \"content\": ", first ? "" : ",", id);
		rc = rc ? rc : json_token(&b, t, id);
		rc = rc ? rc : buf_addstr(&b, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
					 "\"normalized\": false, \"special\": true}");
		first = 0;
	}
	rc = rc ? rc : buf_addstr(&b, first ? "],\n  \"normalizer\": null,\n" : "\n  ],\n  \"normalizer\": null,\n");
	if (!rc && gpt2) {
		rc = buf_addstr(&b, "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
				    "\"trim_offsets\": true, \"use_regex\": true},\n");
	} else if (!rc) {
		rc = buf_addstr(&b, "  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [\n"
				    "    {\"type\": \"Split\", \"pattern\": {\"Regex\": ");
		rc = rc ? rc : json_string_encode(&b, pattern, strlen(pattern));
		rc = rc ? rc : buf_addstr(&b, "}, \"behavior\": \"Isolated\", \"invert\": false},\n"
					 "    {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, "
					 "\"use_regex\": false}\n  ]},\n");
	}
	rc = rc ? rc : buf_addstr(&b, "  \"post_processor\": null,\n  \"decoder\": {\"type\": \"ByteLevel\", "
				 "\"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
				 "  \"model\": {\n    \"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
				 "\"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, "
				 "\"byte_fallback\": false, \"ignore_merges\": false,\n    \"vocab\": {");
	for (id = 0, first = 1; id < n && !rc; id++) {
		if (bpet_is_special(t, id))
			continue; /* added tokens, as BpeTrainer leaves them */
		rc = buf_addstr(&b, first ? "\n      " : ",\n      ");
		rc = rc ? rc : json_token(&b, t, id);
		rc = rc ? rc : buf_addf(&b, ": %u", id);
		first = 0;
	}
	rc = rc ? rc : buf_addstr(&b, "\n    },\n    \"merges\": [");
	/* a pair merged twice keeps its last rank, as BPE's merge map does */
	last = malloc((m ? m : 1) * sizeof(*last));
	if (!last)
		rc = SL_ENOMEM;
	if (!rc) {
		/* sort (pair, index) and keep each pair's last index */
		struct pm { uint64_t pair; size_t i; } *v = malloc((m ? m : 1) * sizeof(*v));
		if (!v) {
			rc = SL_ENOMEM;
		} else {
			for (i = 0; i < m; i++) {
				bpet_merge(t, i, &l, &r, &res);
				v[i].pair = (uint64_t)l << 32 | r;
				v[i].i = i;
				last[i] = 0;
			}
			qsort(v, m, sizeof(*v), cmp_pm);
			for (i = 0; i < m; i++)
				if (i + 1 == m || v[i + 1].pair != v[i].pair)
					last[v[i].i] = 1;
			free(v);
		}
	}
	for (i = 0, first = 1; i < m && !rc; i++) {
		if (!last[i])
			continue;
		bpet_merge(t, i, &l, &r, &res);
		rc = buf_addstr(&b, first ? "\n      [" : ",\n      [");
		rc = rc ? rc : json_token(&b, t, l);
		rc = rc ? rc : buf_addstr(&b, ", ");
		rc = rc ? rc : json_token(&b, t, r);
		rc = rc ? rc : buf_addstr(&b, "]");
		first = 0;
	}
	rc = rc ? rc : buf_addstr(&b, "\n    ]\n  }\n}\n");
	free(last);
	if (!rc) {
		*out = b; /* the caller owns it now */
		return 0;
	}
	buf_release(&b);
	return rc;
}

int cmd_tok_train(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice tok train --vocab-size N -o PREFIX [<options>] [<file>...]",
		"",
		"Learn a byte-level BPE vocabulary from the documents' text, merge for",
		"merge as Hugging Face tokenizers' BpeTrainer does, and write it three ways:",
		"PREFIX.tiktoken (rank file) with PREFIX.meta.json (split pattern, special",
		"tokens), which 'sluice tok --tokenizer PREFIX.tiktoken' reads, and",
		"PREFIX-tokenizer.json for Hugging Face tokenizers.  The text is split with",
		"--pattern (an encoding name or a regex; default gpt2, ByteLevel's own);",
		"memory grows with the number of distinct pieces, not with the corpus.",
		"",
		"  sluice tok train --vocab-size 32000 --special '<|endoftext|>' web.jsonl.zst -o models/web32k",
		"  sluice tok --tokenizer models/web32k.tiktoken docs.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	struct opt_list specials = { 0 };
	const char *prefix = NULL, *pattern_arg = "gpt2", *alphabet = "all";
	struct buf outp[NOUT] = { BUF_INIT, BUF_INIT, BUF_INIT };
	int vocab = 0, minfreq = 0;
	struct option opts[] = {
		OPT_STRING('o', "output", &prefix, "PREFIX", "write PREFIX.tiktoken, PREFIX.meta.json, PREFIX-tokenizer.json (required)"),
		OPT_INT(0, "vocab-size", &vocab, "N", "tokens to learn, special tokens and alphabet included (required; at most 2097152)"),
		OPT_STRING(0, "pattern", &pattern_arg, "NAME|REGEX", "split pattern: gpt2 (default), r50k_base, p50k_base, cl100k_base, o200k_base, or a regex"),
		OPT_LIST(0, "special", &specials, "TEXT", "a special token (ids 0, 1, ... in the order given; repeatable)"),
		OPT_INT(0, "min-frequency", &minfreq, "N", "stop when the best pair is seen fewer than N times"),
		OPT_STRING(0, "alphabet", &alphabet, "all|seen", "start from all 256 bytes (default; every text encodes) or only those seen (BpeTrainer's default)"),
		OPT_GROUP("Input:"),
		OPT_STRING(0, "stats", &o.stats, "FILE", "write counters as JSON"),
		STAGE_INPUT_OPTIONS(&o),
		OPT_END(),
	};
	struct bpet_opts to = { 0 };
	struct bpet *t = NULL;
	struct bpe *splitter = NULL;
	struct bpe_work *w = NULL;
	struct bpe_err err = { 0 };
	const struct bpe_named *named;
	const char *pattern;
	struct stage st;
	struct doc d;
	double t0 = now(), t1;
	int nargs, rc;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (!prefix)
		rc = usage_error("-o PREFIX is required");
	else if (vocab < 1 || vocab > (1 << 21))
		rc = usage_error("--vocab-size N is required (1 to 2097152)");
	else if (minfreq < 0)
		rc = usage_error("--min-frequency must be 0 or more");
	else if (strcmp(alphabet, "all") && strcmp(alphabet, "seen"))
		rc = usage_error("--alphabet must be all or seen");
	else
		rc = 0;
	if (rc) {
		free(specials.items);
		return rc;
	}
	named = bpe_named(pattern_arg);
	pattern = strcmp(pattern_arg, "gpt2") == 0 ? GPT2_PATTERN : named ? named->pattern : pattern_arg;
	if ((rc = bpe_new_splitter(&splitter, pattern, &err)) || (rc = bpe_work_new(splitter, &w))) {
		if (err.msg)
			msg("--pattern: %s", err.msg);
		else
			msg_code(rc, "--pattern");
		free(specials.items);
		bpe_free(splitter);
		return err.msg ? 2 : 1;
	}
	to.vocab_size = (uint32_t)vocab;
	to.min_frequency = (uint64_t)minfreq;
	to.all_bytes = strcmp(alphabet, "all") == 0;
	to.special = (const char *const *)specials.items;
	to.nspecial = specials.n;
	if ((rc = bpet_new(&t, &to))) {
		msg_code(rc, "cannot start training");
		goto fail;
	}
	o.output = "/dev/null";
	/* the files it writes: never one of the inputs, their folder checked */
	for (size_t i = 0; i < NOUT; i++) {
		if (buf_addf(&outp[i], "%s%s", prefix, out_suffix[i])) {
			msg_code(SL_ENOMEM, "out of memory");
			rc = 1;
			goto fail_early;
		}
		stage_also_writes(&o, "-o", outp[i].ptr);
	}
	if ((rc = stage_begin(&st, "tok train", STAGE_SPLIT_JSONL, &o, argv + 1, nargs)))
		goto fail_early;
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		const char *text;
		size_t n;

		if ((rc = doc_text(&d, &text, &n)) || (rc = bpe_pretokenize(splitter, w, text, n, count_piece, t))) {
			msg_code(rc, "counting pieces");
			st.failed = 1;
			break;
		}
		st.docs_out++;
	}
	doc_release(&d);
	t1 = now();
	if (!st.failed && bpet_pieces(t) == 0) {
		msg("no text to train on");
		st.failed = 1;
	}
	if (!st.failed) {
		rc = bpet_train(t);
		if (rc) {
			msg_code(rc, "training");
			st.failed = 1;
		}
	}
	if (!st.failed) {
		/* all three files, or none (a vocabulary of two runs is worse than none) */
		struct outfile files[NOUT];
		size_t i;
		for (i = 0; i < NOUT; i++) {
			files[i].path = outp[i].ptr;
			buf_init(&files[i].data, 0);
		}
		if ((rc = render_tiktoken(t, pattern, &files[0].data, &files[1].data)) ||
		    (rc = render_tokenizer_json(t, pattern, &files[2].data))) {
			msg_code(rc, "cannot write the vocabulary");
			st.failed = 1;
		} else if (publish_all(files)) {
			st.failed = 1;
		}
		for (i = 0; i < NOUT; i++)
			buf_release(&files[i].data);
	}
	if (!st.failed) {
		if (!o.quiet)
			msg("%llu distinct pieces; %u tokens, %zu merges; counting %.2f s, merging %.2f s; wrote %s.tiktoken, %s.meta.json, %s-tokenizer.json",
			    (unsigned long long)bpet_pieces(t), bpet_ntokens(t), bpet_nmerges(t), t1 - t0,
			    now() - t1, prefix, prefix, prefix);
		buf_addf(&st.extra, ",\n  \"pieces\": %llu,\n  \"tokens\": %u,\n  \"merges\": %zu,\n  \"count_seconds\": %.3f,\n  \"merge_seconds\": %.3f",
			 (unsigned long long)bpet_pieces(t), bpet_ntokens(t), bpet_nmerges(t), t1 - t0, now() - t1);
	}
	bpet_free(t);
	bpe_work_free(w);
	bpe_free(splitter);
	free(specials.items);
	rc = stage_end(&st);
	for (size_t i = 0; i < NOUT; i++)
		buf_release(&outp[i]);
	return rc;
fail_early:
	bpet_free(t);
	bpe_work_free(w);
	bpe_free(splitter);
	free(specials.items);
	for (size_t i = 0; i < NOUT; i++)
		buf_release(&outp[i]);
	return rc;
fail:
	bpe_work_free(w);
	bpe_free(splitter);
	free(specials.items);
	return 1;
}
