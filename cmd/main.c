/*
 * main.c - the sluice binary: global options and the command table.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "config.h"
#include "options.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	/* in pipeline order, as --help lists them */
	{ "fetch", cmd_fetch, "download a crawl's WET/WARC/WAT files: parallel, resumable, retried, checked" },
	{ "warc", cmd_warc, "read WARC/WET files (plain, gzip, zstd) into documents, extracting HTML text" },
	{ "lang", cmd_lang, "identify the language with fastText (lid.176) and keep chosen languages" },
	{ "classify", cmd_classify, "score documents with a fastText classifier and keep the high scorers" },
	{ "quality", cmd_quality, "Gopher, C4 and FineWeb quality rules (datatrove defaults and reasons)" },
	{ "blocklist", cmd_blocklist, "bad-word lists (C4/LDNOOBW) and URL block lists (UT1, datatrove URLFilter)" },
	{ "ppl", cmd_ppl, "n-gram language-model perplexity: filter, cc_net buckets; train, build, calibrate" },
	{ "dedup", cmd_dedup, "remove duplicates: identical documents, repeated lines, near-duplicates (MinHash)" },
	{ "minhash", cmd_minhash, "MinHash dedup in sharded steps: sign, buckets, cluster, filter" },
	{ "decontam", cmd_decontam, "remove documents sharing 13-grams with evaluation sets" },
	{ "pii", cmd_pii, "replace e-mails, IPs, phones, cards, IBANs, SSNs, secrets (or annotate them)" },
	{ "tok", cmd_tok, "add BPE token ids (tiktoken, Hugging Face, GPT-2 vocabularies) to documents" },
	{ "shard", cmd_shard, "write tokenized documents as training shards (Megatron, nanoGPT, llm.c, datatrove, JSONL)" },
	{ "mix", cmd_mix, "mix several sources with weights by tokens or documents, up- or down-sampling" },
	{ "cat", cmd_cat, "concatenate and convert document streams (JSONL, .gz, .zst)" },
	{ "stats", cmd_stats, "count documents, bytes, lengths and field values, as JSON" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sluice [--version] [--help] <command> [<options>] [<file>...]\n\n"
		   "sluice turns CommonCrawl WARC/WET dumps into clean, deduplicated training\n"
		   "data.  Every command reads JSONL documents (or crawl files) from its file\n"
		   "arguments or standard input and writes JSONL to standard output, so the\n"
		   "commands chain with pipes:\n\n"
		   "  sluice warc crawl/*.warc.wet.gz | sluice cat -o docs.jsonl.zst\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sluice <command> --help' describes a command and its options.\n");
}

/*
 * A standard descriptor that is closed (`2>&-`) must not be handed out by
 * the next open(): an output file would get fd 2 and messages would go
 * into it.  Each closed one gets a stand-in on /dev/null opened the other
 * way round for 0 and 1, so reading stdin or writing stdout still fails
 * with EBADF as when closed; stderr's stand-in takes the messages.
 */
static void hold_std_fds(void)
{
	static const int mode[3] = { O_WRONLY, O_RDONLY, O_WRONLY };
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", mode[fd] | O_CLOEXEC) != fd)
			_exit(125); /* nothing sane to report on */
}

int main(int argc, char **argv)
{
	size_t i;
	int rc;

	/* A closed downstream pipe must surface as EPIPE from write(), so the
	 * stage can end quietly instead of dying mid-record. */
	signal(SIGPIPE, SIG_IGN);
	hold_std_fds();

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sluice %s (cuda: %s)\n", SLUICE_VERSION, HAVE_CUDA ? "built" : "not built");
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		{
			static char name[64];
			snprintf(name, sizeof(name), "sluice %s", commands[i].name);
			opt_cmd = name;
		}
		rc = commands[i].fn(argc - 1, argv + 1);
		/* Output that could not be flushed is a failure, unless the
		 * reader closed the pipe on purpose. */
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = rc ? rc : 1;
		return rc;
	}
	fprintf(stderr, "sluice: '%s' is not a sluice command; see 'sluice --help'\n", argv[1]);
	return 2;
}
