/*
 * builtin.h - the commands of the sluice binary, one file each in cmd/.
 *
 * Each takes the command's own argv (argv[0] is the command name) and
 * returns the exit status: 0 success, 1 data or runtime error, 2 usage.
 * A new stage is one new file here and one new row in cmd/main.c.
 */
#ifndef SLUICE_BUILTIN_H
#define SLUICE_BUILTIN_H

int cmd_cat(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* sluice stats --merge (cmd/statsmerge.c) */
int stats_merge(const char *out_path, char **files, int nfiles);
int cmd_warc(int argc, char **argv);
int cmd_pii(int argc, char **argv);
int cmd_shard(int argc, char **argv);
int cmd_mix(int argc, char **argv);
int cmd_lang(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_quality(int argc, char **argv);
int cmd_blocklist(int argc, char **argv);
int cmd_ppl(int argc, char **argv);

/* sluice tok's vocabulary lookup (a NAME or a PATH; see cmd/tok.c), shared
 * with sluice ppl's BPE units: 0, or 1/2 after printing why (exit status). */
struct bpe;
int open_tokenizer(struct bpe **b, const char *spec);
int cmd_tok(int argc, char **argv);
int cmd_tok_train(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_decontam(int argc, char **argv);
int cmd_minhash(int argc, char **argv);
int cmd_fetch(int argc, char **argv);

#endif
