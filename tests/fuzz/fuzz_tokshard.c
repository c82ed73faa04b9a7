/*
 * fuzz_tokshard.c - the shard readers `sluice shard verify` and
 * `sluice shard cat` use (shards/tokshard.c): the manifest parser, then
 * tokshard_check on the shard files (Megatron .bin/.idx, nanoGPT, llm.c,
 * datatrove .ds/.ds.index/.ds.metadata, JSONL) with every document passed
 * to a callback, as cat does.
 *
 * Input: the manifest JSON, then up to three shard files, each after a
 * "\n%%SLUICE_FILE%%\n" separator, in the order the format lists them.
 * The files are written as shard 0 of a set in a private temporary folder;
 * their sizes and xxh64 sums are written into the loaded manifest (the
 * fuzzer cannot forge checksums, and what they guard is the parsing behind
 * them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "tokshard.h"

#define SEP "\n%%SLUICE_FILE%%\n"

static char prefix[80];
static const char *const suffixes[] = { ".bin", ".idx", ".ds", ".ds.index", ".ds.metadata",
					".jsonl", ".jsonl.gz", ".jsonl.zst" };
#define NSUF (sizeof(suffixes) / sizeof(suffixes[0]))

/* Remove the shard files (p: a scratch path buffer). */
static void unlink_shards(struct buf *p)
{
	for (size_t i = 0; i < NSUF; i++) {
		buf_reset(p);
		tokshard_shard_path(prefix, 0, suffixes[i], p);
		unlink(p->ptr);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "%s/s", fuzz_tmpdir("shard"));
	return 0;
}

static int on_doc(void *ctx, const char *id, size_t idlen, const uint64_t *ids, size_t n)
{
	volatile uint64_t *sink = ctx;
	*sink += idlen + (id && idlen ? (unsigned char)id[idlen - 1] : 0);
	if (n)
		*sink += ids[0] + ids[n - 1];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[4], *rest = data;
	size_t plen[4], rn = size;
	int nparts = 0;
	struct buf p = BUF_INIT;
	struct tokshard_manifest m;
	char why[256];
	volatile uint64_t sink = 0;

	while (nparts < 4) {
		int more = fuzz_split(rest, rn, SEP, &part[nparts], &plen[nparts], &rest, &rn);
		nparts++;
		if (!more)
			break;
	}
	/* start clean: no file of an earlier input may be seen */
	unlink_shards(&p);
	buf_reset(&p);
	tokshard_manifest_path(prefix, &p);
	if (fuzz_write_file(p.ptr, part[0], plen[0]))
		goto out;
	if (tokshard_manifest_load(prefix, &m, why, sizeof(why)))
		goto out;
	if (m.n > 0) {
		struct tokshard_entry *e = &m.shards[0];
		for (int i = 0; i < e->nfiles && i + 1 < nparts; i++) {
			size_t k;
			for (k = 0; k < NSUF && strcmp(e->files[i].name, suffixes[k]); k++)
				;
			if (k == NSUF)
				continue; /* never write outside the folder */
			buf_reset(&p);
			tokshard_shard_path(prefix, 0, suffixes[k], &p);
			if (fuzz_write_file(p.ptr, part[i + 1], plen[i + 1]))
				continue;
			e->files[i].bytes = plen[i + 1];
			e->files[i].xxh64 = XXH64(plen[i + 1] ? (const void *)part[i + 1] : "", plen[i + 1], 0);
		}
		for (size_t i = 0; i < m.n && i < 2; i++) {
			tokshard_check(prefix, &m, i, NULL, NULL, why, sizeof(why));
			tokshard_check(prefix, &m, i, on_doc, (void *)&sink, why, sizeof(why));
		}
	}
	tokshard_manifest_release(&m);
out:
	buf_release(&p);
	(void)sink;
	return 0;
}
