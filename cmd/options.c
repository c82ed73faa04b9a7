#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

const char *opt_cmd = "sluice";

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", opt_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", opt_cmd);
	return 2;
}

int parse_size(const char *s, size_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || isnan(v))
		return -1;
	{
		const char *units = "kmgt", *u = *end ? strchr(units, *end | 0x20) : NULL;
		if (u) {
			v *= pow(1024.0, (double)(u - units + 1));
			end++;
			if (*end == 'i') /* KiB, MiB, ... */
				end++;
		}
	}
	if (*end == 'B')
		end++;
	if (*end || v > (double)(SIZE_MAX / 2))
		return -1;
	*out = (size_t)v;
	return 0;
}

int parse_count(const char *s, uint64_t *out)
{
	char *end;
	double v;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1e3, end++;
	else if (*end == 'M')
		v *= 1e6, end++;
	else if (*end == 'G')
		v *= 1e9, end++;
	else if (*end == 'T')
		v *= 1e12, end++;
	if (*end || v < 0 || v >= 1.8e19 || v != (double)(uint64_t)v)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int set_value(const struct option *o, const char *arg, const char *name)
{
	char *end;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_INT: {
		long v;
		errno = 0;
		v = strtol(arg, &end, 10);
		if (end == arg || *end || errno || v < INT_MIN || v > INT_MAX)
			return usage_error("option '%s' expects an integer, not '%s'", name, arg);
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPT_SIZE:
		if (parse_size(arg, (size_t *)o->value))
			return usage_error("option '%s' expects a size (e.g. 512k, 64M, 2G), not '%s'", name, arg);
		return 0;
	case OPT_DOUBLE: {
		double v;
		errno = 0;
		v = strtod(arg, &end);
		if (end == arg || *end || errno || isnan(v))
			return usage_error("option '%s' expects a number, not '%s'", name, arg);
		*(double *)o->value = v;
		return 0;
	}
	case OPT_LIST: {
		struct opt_list *l = o->value;
		if (ARRAY_GROW(l->items, l->cap, l->n + 1))
			return usage_error("out of memory");
		l->items[l->n++] = arg;
		return 0;
	}
	case OPT_CALLBACK:
		return o->cb(o, arg) ? 2 : 0;
	default:
		return 0;
	}
}

static int takes_arg(const struct option *o)
{
	return o->type == OPT_CALLBACK ? o->takes_arg : o->type != OPT_FLAG;
}

int parse_options(int argc, char **argv, const struct option *opts,
		  const char *const *usage)
{
	int i, nargs = 0, only_args = 0;
	char **args = argv + 1;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct option *o;
		int rc;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			args[nargs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_with_options(usage, opts);
			return -1;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct option *match = NULL;
			for (o = opts; o->type != OPT_END; o++)
				if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
					match = o;
			if (!match)
				return usage_error("unknown option '--%.*s'", (int)len, name), -2;
			if (takes_arg(match)) {
				const char *val = eq ? eq + 1 : NULL;
				if (!val) {
					if (i + 1 >= argc)
						return usage_error("option '--%s' requires a value", match->long_name), -2;
					val = argv[++i];
				}
				rc = set_value(match, val, a);
			} else {
				if (eq)
					return usage_error("option '--%s' takes no value", match->long_name), -2;
				rc = set_value(match, NULL, a);
			}
			if (rc)
				return -2;
			continue;
		}
		/* short options, possibly bundled */
		for (char *p = a + 1; *p; p++) {
			char name[3] = { '-', *p, 0 };
			const struct option *match = NULL;
			for (o = opts; o->type != OPT_END; o++)
				if (o->short_name == *p)
					match = o;
			if (!match)
				return usage_error("unknown option '-%c'", *p), -2;
			if (takes_arg(match)) {
				const char *val = p[1] ? p + 1 : NULL;
				if (!val) {
					if (i + 1 >= argc)
						return usage_error("option '-%c' requires a value", *p), -2;
					val = argv[++i];
				}
				if (set_value(match, val, name))
					return -2;
				break;
			}
			if (set_value(match, NULL, name))
				return -2;
		}
	}
	return nargs;
}

void usage_with_options(const char *const *usage, const struct option *opts)
{
	const struct option *o;

	for (; usage && *usage; usage++)
		printf("%s\n", *usage);
	if (opts && opts->type != OPT_GROUP && opts->type != OPT_END)
		printf("\nOptions:\n");
	for (o = opts; o && o->type != OPT_END; o++) {
		char left[64];
		int n = 0;
		if (o->type == OPT_GROUP) {
			printf("\n%s\n", o->help);
			continue;
		}
		if (o->short_name && o->long_name)
			n = snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->long_name);
		else if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c", o->short_name);
		else
			n = snprintf(left, sizeof(left), "    --%s", o->long_name);
		if (o->argh && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, o->long_name ? "=%s" : " %s", o->argh);
		if (strlen(left) <= 24)
			printf("  %-24s  %s\n", left, o->help);
		else
			printf("  %s\n  %-24s  %s\n", left, "", o->help);
	}
}

void opt_subcommand(const char *cmd, const char *sub)
{
	static char name[64];

	snprintf(name, sizeof(name), "sluice %s %s", cmd, sub);
	opt_cmd = name;
}

int run_subcommand(const char *cmd, const char *what, const struct subcommand *table,
		   const char *usage, int argc, char **argv)
{
	const struct subcommand *t;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	for (t = table; t->name; t++) {
		if (strcmp(argv[1], t->name))
			continue;
		opt_subcommand(cmd, t->name);
		return t->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "sluice %s: '%s' is not a %s (", cmd, argv[1], what);
	for (t = table; t->name; t++)
		fprintf(stderr, "%s%s", t == table ? "" : ", ", t->name);
	fprintf(stderr, "); see 'sluice %s --help'\n", cmd);
	return 2;
}

void opt_format_size(uint64_t b, char *out, size_t n)
{
	if (b >= (uint64_t)1 << 30)
		snprintf(out, n, "%.1fG", (double)b / (1 << 30));
	else if (b >= (uint64_t)1 << 20)
		snprintf(out, n, "%.1fM", (double)b / (1 << 20));
	else if (b >= (uint64_t)1 << 10)
		snprintf(out, n, "%.1fK", (double)b / (1 << 10));
	else
		snprintf(out, n, "%" PRIu64 "B", b);
}
