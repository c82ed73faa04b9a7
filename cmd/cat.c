/*
 * cat.c - concatenate and convert document streams: the passthrough stage,
 * and the baseline every other stage's overhead is measured against.
 */
#include "builtin.h"
#include "stage.h"

int cmd_cat(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice cat [<options>] [<file>...]",
		"",
		"Read JSONL documents (plain, .gz or .zst, detected from the bytes) and write",
		"them out unchanged, one per line; -o FILE.gz or FILE.zst compresses.  Lines",
		"are checked: malformed JSON or a line without \"id\" and \"text\" stops the",
		"stage (or, with --on-error skip, is counted and skipped); --add-id names",
		"documents that lack an id.  Invalid UTF-8 is replaced with U+FFFD and counted.",
		"",
		"  sluice cat a.jsonl.gz b.jsonl.zst -o all.jsonl.zst",
		"  sluice cat --shard 3/8 big.jsonl > part3.jsonl",
		"  sluice cat --add-id redpajama.jsonl > with-ids.jsonl",
		NULL
	};
	struct stage_opts o = { 0 };
	int add_id = 0;
	struct option opts[] = {
		OPT_FLAG(0, "add-id", &add_id, "give documents without an \"id\" one: \"<file>:<byte offset>\""),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct stage st;
	struct doc d;
	struct buf id = BUF_INIT;
	int nargs, rc;

	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	rc = stage_begin(&st, "cat", STAGE_SPLIT_JSONL | (add_id ? STAGE_ID_OPTIONAL : 0),
			 &o, argv + 1, nargs);
	if (rc)
		return rc;
	doc_init(&d);
	while (stage_next(&st, &d) > 0) {
		if (d.i_id < 0) {
			buf_reset(&id);
			if (stage_doc_origin(&st, &id) || doc_set_raw_str(&d, "id", id.ptr, id.len)) {
				st.failed = 1;
				break;
			}
		}
		if (stage_emit(&st, &d))
			break;
	}
	buf_release(&id);
	doc_release(&d);
	return stage_end(&st);
}
