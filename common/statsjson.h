/*
 * statsjson.h - the JSON of --stats files as `sluice stats --merge` merges
 * them: a tree of objects whose leaves are numbers, booleans, null,
 * strings and arrays (kept as their JSON text).
 *
 * Merge rules, member by member (objects recursively, members in the order
 * they first appear; doubles are written with 6 decimals, those between -1
 * and 1 with as many significant digits as they need):
 *   numbers         summed (counters, bytes, seconds: total task time;
 *                   integers that would overflow are summed as doubles);
 *                   keys ending in "min" / "max" take the minimum / maximum;
 *                   "X_mean" becomes X / docs when both are present
 *   "distinct"      beside "values": the number of merged values
 *   "sketch"        (sluice stats --numbers; numsketch.h) its buckets add
 *                   up; "relative_accuracy" must agree (else refused); the
 *                   object holding it gets "mean" (sum / count) and the
 *                   "quantiles" ("pN") again from the merged buckets
 *   booleans        "complete": all of them; any other: any of them
 *   strings         kept when they agree, else null ("stage" must agree);
 *                   a string that some files lack also becomes null (and so
 *                   do the strings inside an object that some files lack)
 *   arrays          numbers element by element when the lengths agree, else
 *                   the first file's
 *   members of different types (null counts as a string): refused
 *   a stage's --stats (with "stage") and a `sluice stats` output (without):
 *                   refused
 *
 * The input is untrusted (files named on the command line): anything that
 * is not a JSON object, nests deeper than STATSJSON_MAX_DEPTH, or holds a
 * number that is not finite as a double is refused.
 */
#ifndef SLUICE_STATSJSON_H
#define SLUICE_STATSJSON_H

#include <stddef.h>

#include "buf.h"

#define STATSJSON_MAX_DEPTH 64

struct statsjson;

/* Parse the JSON object p[0, n).  0; SL_EFORMAT (*why: what is wrong)
 * or SL_ENOMEM. */
int statsjson_parse(const char *p, size_t n, struct statsjson **out, const char **why);

/* Merge b into acc.  0; SL_EFORMAT (*why) when they cannot be merged (the
 * stats of different stages); SL_ENOMEM. */
int statsjson_merge(struct statsjson *acc, const struct statsjson *b, const char **why);

/* Where a merge was refused for a member of different types. */
struct statsjson_conflict {
	struct buf key;         /* the member's dotted path (empty otherwise) */
	const char *had, *got;  /* its types: "a number", ...: in acc, in b */
	int file;               /* the input that gave acc the member: 0 the
				 * first, n the one of acc's n-th merge */
};
/* statsjson_merge that also fills c (may be NULL; c->key starts as
 * BUF_INIT and is the caller's to release). */
int statsjson_merge_ex(struct statsjson *acc, const struct statsjson *b, const char **why,
		       struct statsjson_conflict *c);

/* The "stage" member's JSON string (quoted), or NULL: a `sluice stats`
 * output has none. */
const char *statsjson_stage(const struct statsjson *j, size_t *n);

/* Write acc as the merged stats of `tasks` files: "tasks" first, the
 * derived members ("X_mean", "distinct") recomputed; acc is updated. */
int statsjson_write(struct statsjson *acc, int tasks, struct buf *out);

void statsjson_free(struct statsjson *j);

#endif
