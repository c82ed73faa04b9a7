/*
 * test_tokshard.c - token id parsing, dtype choice, a write/read round
 * trip through the library for every format, the documents not written
 * recorded per shard, and the set's lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "tokshard.h"

static void test_parse_ids(void)
{
	static const struct {
		const char *json;
		uint64_t max;
		int rc;
		size_t n;
		uint64_t first, last;
	} cases[] = {
		{ "[]", 10, 0, 0, 0, 0 },
		{ " [ ] ", 10, 0, 0, 0, 0 },
		{ "[0]", 10, 0, 1, 0, 0 },
		{ "[1,2,3]", 10, 0, 3, 1, 3 },
		{ "[ 1 , 2 ,\t3 ]", 10, 0, 3, 1, 3 },
		{ "[65535,0]", 65535, 0, 2, 65535, 0 },
		{ "[65536]", 65535, SL_EINVAL, 0, 0, 0 },
		{ "[12345678]", UINT64_MAX, 0, 1, 12345678, 12345678 },        /* 8 digits: the slow path */
		{ "[1234567,12345678901]", UINT64_MAX, 0, 2, 1234567, 12345678901ull },
		{ "[9999999999999999999]", UINT64_MAX, 0, 1, 9999999999999999999ull, 9999999999999999999ull },
		{ "[18446744073709551616]", UINT64_MAX, SL_EINVAL, 0, 0, 0 },  /* 20 digits */
		{ "[-1]", 10, SL_EFORMAT, 0, 0, 0 },
		{ "[1.5]", 10, SL_EFORMAT, 0, 0, 0 },
		{ "[1e3]", 10000, SL_EFORMAT, 0, 0, 0 },
		{ "[\"1\"]", 10, SL_EFORMAT, 0, 0, 0 },
		{ "[[1]]", 10, SL_EFORMAT, 0, 0, 0 },
		{ "[null]", 10, SL_EFORMAT, 0, 0, 0 },
		{ "\"1 2\"", 10, SL_EFORMAT, 0, 0, 0 },
		{ "{}", 10, SL_EFORMAT, 0, 0, 0 },
		{ "[1 2]", 10, SL_EFORMAT, 0, 0, 0 },
	};
	struct tokshard_ids ids = { NULL, 0, 0 };
	char why[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tokshard_parse_ids(cases[i].json, strlen(cases[i].json), cases[i].max, &ids, why, sizeof(why));
		CHECK_INT(rc, cases[i].rc);
		if (rc == 0 && rc == cases[i].rc) {
			CHECK_INT(ids.n, cases[i].n);
			if (ids.n == cases[i].n && ids.n) {
				CHECK(ids.v[0] == cases[i].first);
				CHECK(ids.v[ids.n - 1] == cases[i].last);
			}
		}
	}
	/* every width of id, in every position of an 8-byte window */
	for (uint64_t v = 0; v < 2000000; v = v * 3 + 1) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "[7,%" PRIu64 ",%" PRIu64 "]", v, v);
		CHECK_INT(tokshard_parse_ids(buf, (size_t)n, UINT64_MAX, &ids, why, sizeof(why)), 0);
		CHECK(ids.n == 3 && ids.v[1] == v && ids.v[2] == v);
	}
	tokshard_ids_release(&ids);
}

static void test_dtypes(void)
{
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_MEGATRON, 65499), TOKSHARD_UINT16);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_MEGATRON, 65500), TOKSHARD_INT32);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_DATATROVE, 65536), TOKSHARD_UINT16);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_DATATROVE, 65537), TOKSHARD_UINT32);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_LLMC, 50257), TOKSHARD_UINT16);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_LLMC, 128256), TOKSHARD_UINT32);
	CHECK_INT(tokshard_dtype_for_vocab(TOKSHARD_NANOGPT, 128256), TOKSHARD_UINT32);
	CHECK(!tokshard_dtype_allowed(TOKSHARD_MEGATRON, TOKSHARD_UINT32));
	CHECK(!tokshard_dtype_allowed(TOKSHARD_DATATROVE, TOKSHARD_INT32));
	CHECK(tokshard_dtype_allowed(TOKSHARD_JSONL, TOKSHARD_DT_NONE));
	CHECK_INT(tokshard_format_parse("datatrove"), TOKSHARD_DATATROVE);
	CHECK_INT(tokshard_format_parse("parquet"), -1);
	CHECK_INT(tokshard_dtype_parse("int32"), TOKSHARD_INT32);
	CHECK(tokshard_dtype_max(TOKSHARD_INT32) == 2147483647);
}

struct collect {
	uint64_t docs, toks, sum;
};

static int collect(void *ctx, const char *id, size_t idlen, const uint64_t *ids, size_t n)
{
	struct collect *c = ctx;
	(void)id;
	(void)idlen;
	c->docs++;
	c->toks += n;
	for (size_t i = 0; i < n; i++)
		c->sum += ids[i] * (i + 1);
	return 0;
}

/* Write 100 documents in every format, load the manifest, check and read back. */
static void test_round_trip(const char *dir)
{
	static const enum tokshard_format formats[] = {
		TOKSHARD_MEGATRON, TOKSHARD_NANOGPT, TOKSHARD_LLMC, TOKSHARD_DATATROVE, TOKSHARD_JSONL
	};
	for (size_t f = 0; f < 5; f++) {
		struct tokshard_opts o;
		struct tokshard_writer *w;
		struct tokshard_manifest m;
		struct collect want = { 0, 0, 0 }, got = { 0, 0, 0 };
		uint64_t ids[300];
		char prefix[512], why[512];
		int rc;

		memset(&o, 0, sizeof(o));
		o.format = formats[f];
		o.dtype = tokshard_dtype_for_vocab(o.format, 1000);
		o.vocab_size = 1000;
		o.eos = o.format == TOKSHARD_JSONL ? -1 : 999;
		o.bos = f % 2 ? 998 : -1;
		o.max_tokens = 1000;
		snprintf(prefix, sizeof(prefix), "%s/%s", dir, tokshard_format_name(o.format));
		CHECK_INT(tokshard_writer_open(&w, prefix, &o, NULL), 0);
		for (uint64_t d = 0; d < 100; d++) {
			char line[4096];
			size_t n = (size_t)(d * 7 % 250) + 1, len;
			len = (size_t)snprintf(line, sizeof(line), "{\"id\":\"%" PRIu64 "\",\"text\":\"\",\"tokens\":[", d);
			for (size_t i = 0; i < n; i++) {
				ids[i] = (d * 31 + i * 17) % 999;
				len += (size_t)snprintf(line + len, sizeof(line) - len, i ? ",%" PRIu64 : "%" PRIu64, ids[i]);
			}
			len += (size_t)snprintf(line + len, sizeof(line) - len, "]}\n");
			if (o.eos >= 0)
				ids[n] = 999;
			collect(&want, NULL, 0, ids, n + (o.eos >= 0));
			CHECK_INT(tokshard_writer_add(w, d, ids, n, line, len), 0);
		}
		CHECK_INT(tokshard_writer_finish(w, 100), 0);
		tokshard_writer_free(w);
		rc = tokshard_manifest_load(prefix, &m, why, sizeof(why));
		CHECK_INT(rc, 0);
		if (rc)
			continue;
		CHECK(m.complete && m.input_docs == 100 && m.n > 5);
		/* the options read back are those written (bos too, and its absence) */
		CHECK_INT(tokshard_opts_differ(&o, &m.o, why, sizeof(why)), 0);
		CHECK(m.o.bos == o.bos && m.o.eos == o.eos);
		for (size_t i = 0; i < m.n; i++) {
			rc = tokshard_check(prefix, &m, i, collect, &got, why, sizeof(why));
			if (rc)
				fprintf(stderr, "%s\n", why);
			CHECK_INT(rc, 0);
			CHECK(m.shards[i].tokens <= 1000);
		}
		CHECK(got.toks == want.toks && got.sum == want.sum);
		/* nanoGPT/llm.c split at EOS ids: the same documents here since
		 * ids never reach 999 */
		CHECK(got.docs == want.docs);
		tokshard_manifest_release(&m);
	}
}

static uint64_t drop_n(const struct tokshard_entry *e, int unreadable, const char *reason)
{
	for (int j = 0; j < e->ndrops; j++)
		if (e->drops[j].unreadable == unreadable && !strcmp(e->drops[j].reason, reason))
			return e->drops[j].n;
	return 0;
}

/* Documents not written go with the shard whose input range takes them,
 * through the manifest and back; a manifest without them loads with none. */
static void test_drops(const char *dir)
{
	struct tokshard_opts o;
	struct tokshard_writer *w;
	struct tokshard_manifest m;
	char prefix[512], why[256], path[600];
	uint64_t ids[3] = { 1, 2, 3 };
	FILE *f;

	memset(&o, 0, sizeof(o));
	o.format = TOKSHARD_NANOGPT;
	o.dtype = TOKSHARD_UINT16;
	o.eos = o.bos = -1;
	o.max_tokens = 6; /* two documents a shard */
	snprintf(prefix, sizeof(prefix), "%s/drops", dir);
	CHECK_INT(tokshard_writer_open(&w, prefix, &o, NULL), 0);
	/* 0 empty, 1 2 written, 3 no_tokens, 4 empty, 5 6 written (shard 1
	 * starts at 5: 3 and 4 are shard 0's), 7 written, 8 bad, 9 ... */
	tokshard_writer_drop(w, 0, "empty");
	CHECK_INT(tokshard_writer_add(w, 1, ids, 3, NULL, 0), 0);
	CHECK_INT(tokshard_writer_add(w, 2, ids, 3, NULL, 0), 0);
	tokshard_writer_drop(w, 1, "no_tokens");
	tokshard_writer_drop(w, 0, "empty");
	CHECK_INT(tokshard_writer_add(w, 5, ids, 3, NULL, 0), 0);
	CHECK_INT(tokshard_writer_add(w, 6, ids, 3, NULL, 0), 0);
	CHECK_INT(tokshard_writer_add(w, 7, ids, 3, NULL, 0), 0);
	/* more reasons than slots: the last becomes "other" */
	for (int i = 0; i < TOKSHARD_MAX_DROPS + 2; i++) {
		char r[16];
		snprintf(r, sizeof(r), "r%d", i);
		tokshard_writer_drop(w, 1, r);
	}
	CHECK_INT(tokshard_writer_finish(w, 8 + TOKSHARD_MAX_DROPS + 2), 0);
	tokshard_writer_free(w);
	CHECK_INT(tokshard_manifest_load(prefix, &m, why, sizeof(why)), 0);
	CHECK_INT(m.n, 3);
	if (m.n == 3) {
		CHECK(m.shards[0].has_drops && m.shards[0].input_end == 5);
		CHECK_INT(drop_n(&m.shards[0], 0, "empty"), 2);
		CHECK_INT(drop_n(&m.shards[0], 1, "no_tokens"), 1);
		CHECK_INT(m.shards[0].ndrops, 2);
		CHECK(m.shards[1].has_drops && m.shards[1].ndrops == 0);
		CHECK_INT(m.shards[2].ndrops, TOKSHARD_MAX_DROPS);
		CHECK_INT(drop_n(&m.shards[2], 1, "r0"), 1);
		CHECK_INT(drop_n(&m.shards[2], 1, "other"), 3);
	}
	tokshard_manifest_release(&m);

	/* a full table keeps rejected and unreadable apart */
	{
		struct tokshard_entry e;
		uint64_t tot[2] = { 0, 0 };
		memset(&e, 0, sizeof(e));
		for (int i = 0; i < TOKSHARD_MAX_DROPS; i++) {
			char r[16];
			snprintf(r, sizeof(r), "rej%d", i);
			tokshard_entry_drop(&e, 0, r, (uint64_t)i + 1);
		}
		tokshard_entry_drop(&e, 1, "bad", 100);
		tokshard_entry_drop(&e, 1, "worse", 1000);
		tokshard_entry_drop(&e, 0, "rej0", 10);
		tokshard_entry_drop(&e, 0, "new", 10000);
		for (int j = 0; j < e.ndrops; j++)
			tot[e.drops[j].unreadable] += e.drops[j].n;
		CHECK_INT(tot[0], 36 + 10 + 10000);
		CHECK_INT(tot[1], 1100);
		CHECK_INT(drop_n(&e, 0, "rej0"), 11);
		CHECK_INT(drop_n(&e, 1, "other"), 1100);
		CHECK_INT(drop_n(&e, 0, "other"), 7 + 8 + 10000);
		CHECK(e.ndrops == TOKSHARD_MAX_DROPS);
	}

	/* an older manifest (no counts); counts that are not counts */
	snprintf(prefix, sizeof(prefix), "%s/old", dir);
	snprintf(path, sizeof(path), "%s.manifest.json", prefix);
	if ((f = fopen(path, "w"))) {
		fputs("{\"format\": \"nanogpt\", \"dtype\": \"uint16\", \"shards\": [{\"index\": 0, "
		      "\"documents\": 1, \"tokens\": 1, \"input_first\": 0, \"input_end\": 1, \"files\": []}]}", f);
		fclose(f);
	}
	CHECK_INT(tokshard_manifest_load(prefix, &m, why, sizeof(why)), 0);
	CHECK(m.n == 1 && !m.shards[0].has_drops && m.shards[0].ndrops == 0);
	tokshard_manifest_release(&m);
	static const char *const bad[] = { "[1]", "{\"empty\": -1}", "{\"empty\": \"2\"}", "{\"\": 1}",
					   "{\"a\\u0062\": 1}", "{\"empty\": 1,}", NULL };
	for (int i = 0; bad[i]; i++) {
		if ((f = fopen(path, "w"))) {
			fprintf(f, "{\"format\": \"nanogpt\", \"dtype\": \"uint16\", \"shards\": [{\"index\": 0, "
				"\"documents\": 1, \"tokens\": 1, \"input_first\": 0, \"input_end\": 1, \"files\": [], "
				"\"rejected\": %s}]}", bad[i]);
			fclose(f);
		}
		CHECK_INT(tokshard_manifest_load(prefix, &m, why, sizeof(why)), SL_EFORMAT);
	}
}

/* One lock holder per set: a second open file is refused, with the
 * holder's pid; the file goes with the lock; a missing folder is an error. */
static void test_lock(const char *dir)
{
	char prefix[512], path[600];
	int fd, fd2;
	long holder;
	struct stat sb;

	snprintf(prefix, sizeof(prefix), "%s/lk", dir);
	snprintf(path, sizeof(path), "%s.lock", prefix);
	CHECK_INT(tokshard_lock(prefix, &fd, &holder), 0);
	CHECK(fd >= 0 && stat(path, &sb) == 0);
	CHECK_INT(tokshard_lock(prefix, &fd2, &holder), SL_EOPEN);
	CHECK(errno == EWOULDBLOCK && fd2 == -1);
	CHECK(holder == (long)getpid());
	tokshard_unlock(prefix, fd);
	CHECK(stat(path, &sb) < 0 && errno == ENOENT);
	CHECK_INT(tokshard_lock(prefix, &fd, &holder), 0);
	tokshard_unlock(prefix, fd);
	tokshard_unlock(prefix, -1);
	snprintf(prefix, sizeof(prefix), "%s/no/such/folder/x", dir);
	CHECK_INT(tokshard_lock(prefix, &fd, &holder), SL_EOPEN);
	CHECK(errno == ENOENT && fd == -1 && holder == 0);
}

int main(void)
{
	char dir[] = "/tmp/sluice-test-tokshard.XXXXXX";
	char cmd[128];

	test_parse_ids();
	test_dtypes();
	if (mkdtemp(dir)) {
		test_round_trip(dir);
		test_drops(dir);
		test_lock(dir);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	} else {
		CHECK(!"mkdtemp");
	}
	return check_done();
}
