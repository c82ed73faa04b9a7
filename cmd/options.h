/*
 * options.h - declarative command-line options; the same table parses argv
 * and prints --help, so the two cannot drift apart.
 *
 * Accepted forms: --name=value, --name value, -x value, -xvalue, bundled
 * short flags (-qv), "--" ends options, "-" alone is an argument (stdin).
 * Options and arguments may be mixed.  Errors print
 * "sluice CMD: <what>" and "try 'sluice CMD --help'" and return 2.
 */
#ifndef SLUICE_OPTIONS_H
#define SLUICE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum opt_type {
	OPT_END = 0,
	OPT_GROUP,   /* a heading in the help; only help is used */
	OPT_FLAG,    /* int *value = 1 */
	OPT_STRING,  /* const char **value */
	OPT_INT,     /* int *value */
	OPT_SIZE,    /* size_t *value, accepts k/M/G suffixes (powers of 1024) */
	OPT_DOUBLE,  /* double *value */
	OPT_LIST,    /* append to a struct opt_list (repeatable) */
	OPT_CALLBACK /* int cb(const struct option *, const char *arg): 0 ok, -1 error (cb prints) */
};

struct option {
	enum opt_type type;
	int short_name;        /* 0 when none */
	const char *long_name; /* NULL when none */
	void *value;
	const char *argh;      /* argument name in help, NULL for flags */
	const char *help;
	int (*cb)(const struct option *opt, const char *arg);
	int takes_arg;         /* for OPT_CALLBACK */
};

struct opt_list {
	const char **items;
	size_t n, cap;
};

#define OPT_END() { OPT_END, 0, NULL, NULL, NULL, NULL, NULL, 0 }
#define OPT_GROUP(h) { OPT_GROUP, 0, NULL, NULL, NULL, (h), NULL, 0 }
#define OPT_FLAG(s, l, v, h) { OPT_FLAG, (s), (l), (v), NULL, (h), NULL, 0 }
#define OPT_STRING(s, l, v, a, h) { OPT_STRING, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_INT(s, l, v, a, h) { OPT_INT, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_SIZE(s, l, v, a, h) { OPT_SIZE, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_DOUBLE(s, l, v, a, h) { OPT_DOUBLE, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_LIST(s, l, v, a, h) { OPT_LIST, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_CALLBACK(s, l, v, a, h, f) { OPT_CALLBACK, (s), (l), (v), (a), (h), (f), (a) != NULL }

/* The command being parsed, for messages ("sluice cat: ..."). */
extern const char *opt_cmd;

/*
 * Parse argv[1..argc-1] against opts.  Non-option arguments are moved to
 * the front of argv (after argv[0], in order) and their count returned.
 * --help / -h prints usage to stdout and returns -1 (the caller exits 0);
 * a usage error prints a message to stderr and returns -2 (exit 2).
 */
int parse_options(int argc, char **argv, const struct option *opts,
		  const char *const *usage);

/* Print the usage lines and option table to stdout. */
void usage_with_options(const char *const *usage, const struct option *opts);

/* Print "sluice CMD: <msg>" and "try ..." to stderr; returns 2. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A command made of subcommands ("sluice dedup exact", "sluice minhash sign"). */
struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/*
 * Run the subcommand named by argv[1] with argv + 1, after setting opt_cmd
 * to "sluice CMD SUB" for its messages.  No subcommand: usage to stderr, 2;
 * --help/-h: usage to stdout, 0; an unknown one: "sluice CMD: 'x' is not a
 * WHAT (a, b, c); see 'sluice CMD --help'", 2.  The table ends with a NULL
 * name.
 */
int run_subcommand(const char *cmd, const char *what, const struct subcommand *table,
		   const char *usage, int argc, char **argv);

/* Messages of a subcommand start "sluice CMD SUB: " (run_subcommand does
 * this; commands that also run without one call it themselves). */
void opt_subcommand(const char *cmd, const char *sub);

/* Parse "123", "64k", "1.5G" into bytes; 0 or -1. */
int parse_size(const char *s, size_t *out);

/* Parse a count: "1000000", "1e9", "64k" / "2M" / "1G" / "1T" (powers of
 * 1000); a whole number.  0 or -1. */
int parse_count(const char *s, uint64_t *out);

/* A size for messages: "4.0G", "512.0M", "10.0K" or "100B" (powers of 1024,
 * as OPT_SIZE reads them). */
void opt_format_size(uint64_t bytes, char *out, size_t n);

#endif
