/*
 * statsmerge.c - `sluice stats --merge`: one JSON from the --stats files of
 * the tasks of a sharded run (or from `sluice stats` outputs), so a Slurm
 * array or a GNU parallel run reports like one process.
 *
 * The reading, merge rules and writing are common/statsjson.c's (the
 * rules are listed in statsjson.h); this file reads the files and reports.
 */
#include <stdio.h>
#include <stdlib.h>

#include "builtin.h"
#include "error.h"
#include "msg.h"
#include "options.h"
#include "outstream.h"
#include "statsjson.h"

static int read_all(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return SL_EOPEN;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(b, tmp, n)) {
			fclose(f);
			return SL_ENOMEM;
		}
	n = ferror(f);
	fclose(f);
	return n ? SL_EIO : 0;
}

int stats_merge(const char *out_path, char **files, int nfiles)
{
	struct statsjson *acc = NULL;
	struct statsjson_conflict c = { BUF_INIT, NULL, NULL, 0 };
	struct buf b = BUF_INIT;
	struct outstream *out;
	const char *why = NULL;
	int i, rc = 0;

	if (nfiles < 1)
		return usage_error("--merge needs the stats files to merge");
	for (i = 0; i < nfiles; i++) {
		struct statsjson *j;
		buf_reset(&b);
		if ((rc = read_all(files[i], &b))) {
			msg_code(rc, "cannot read '%s'", files[i]);
			goto fail;
		}
		if ((rc = statsjson_parse(b.ptr, b.len, &j, &why))) {
			if (rc == SL_EFORMAT)
				msg("'%s': not a --stats file: %s", files[i], why);
			else
				msg_code(rc, "'%s'", files[i]);
			goto fail;
		}
		if (!acc) {
			acc = j;
			continue;
		}
		{
			/* a stage's --stats and a `sluice stats` output: say which is which */
			size_t na, nj;
			const char *sa = statsjson_stage(acc, &na), *sj = statsjson_stage(j, &nj);
			if (!sa != !sj) {
				msg("'%s' is the --stats of stage %.*s, '%s' a `sluice stats` output: they cannot be merged",
				    sa ? files[0] : files[i], (int)(sa ? na : nj), sa ? sa : sj, sa ? files[i] : files[0]);
				statsjson_free(j);
				goto fail;
			}
		}
		rc = statsjson_merge_ex(acc, j, &why, &c);
		statsjson_free(j);
		if (rc) {
			if (rc == SL_EFORMAT && c.had && c.file >= 0 && c.file < i)
				msg("'%s': \"%.*s\" is %s, but %s in '%s': they cannot be merged", files[i],
				    (int)c.key.len, c.key.ptr ? c.key.ptr : "", c.got, c.had, files[c.file]);
			else if (rc == SL_EFORMAT)
				msg("'%s': %s", files[i], why);
			else
				msg_code(rc, "'%s'", files[i]);
			goto fail;
		}
	}
	buf_reset(&b);
	rc = statsjson_write(acc, nfiles, &b);
	if (!rc)
		rc = outstream_open(&out, out_path ? out_path : "-", -1);
	if (!rc) {
		rc = outstream_write(out, b.ptr, b.len);
		if (outstream_close(out, rc == 0) && !rc)
			rc = SL_EIO;
	}
	if (rc) {
		msg_code(rc, "cannot write '%s'", out_path ? out_path : "-");
		goto fail;
	}
	statsjson_free(acc);
	buf_release(&b);
	buf_release(&c.key);
	return 0;
fail:
	statsjson_free(acc);
	buf_release(&b);
	buf_release(&c.key);
	return 1;
}
