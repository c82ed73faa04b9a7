/*
 * statsjson.h - the JSON of --stats files as `sluice stats --merge` merges
 * them: a tree of objects whose leaves are numbers, booleans, null,
 * strings and arrays (kept as their JSON text).
 *
 * Merge rules, member by member (objects recursively, members in the order
 * they first appear):
 *   numbers         summed (counters, bytes, seconds: total task time;
 *                   integers that would overflow are summed as doubles);
 *                   keys ending in "min" / "max" take the minimum / maximum;
 *                   "X_mean" becomes X / docs when both are present
 *   "distinct"      beside "values": the number of merged values
 *   booleans        "complete": all of them; any other: any of them
 *   strings         kept when they agree, else null ("stage" must agree)
 *   arrays          numbers element by element when the lengths agree, else
 *                   the first file's
 *   members of different types: the first file's
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

/* Write acc as the merged stats of `tasks` files: "tasks" first, the
 * derived members ("X_mean", "distinct") recomputed; acc is updated. */
int statsjson_write(struct statsjson *acc, int tasks, struct buf *out);

void statsjson_free(struct statsjson *j);

#endif
