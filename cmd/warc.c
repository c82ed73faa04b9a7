/*
 * warc.c - read WARC/WET files into documents.
 *
 * WET "conversion" records are documents already; WARC "response" (and
 * "resource") records are HTTP responses whose HTML is converted to UTF-8
 * and reduced to text.  Other record types (warcinfo, request, metadata,
 * revisit, ...) are not documents: they are counted, and warcinfo supplies
 * the crawl name for "source".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "charset.h"
#include "error.h"
#include "html.h"
#include "http.h"
#include "json.h"
#include "msg.h"
#include "stage.h"
#include "warcindex.h"
#include "utf8.h"
#include "warc.h"

struct warc_cmd {
	struct stage st;
	struct doc d;
	struct buf line, body, decoded, utf8, source;
	struct html_result html;
	struct charset_conv *cv;
	const char *source_opt;
	int no_title;
	uint64_t records[WARC_TYPE_COUNT_];
	uint64_t records_total, broken_records, not_documents;
};

/* Append `"key":"value",` with the value JSON-encoded. */
static int put_str(struct buf *b, const char *key, const char *v, size_t n)
{
	int rc;
	if ((rc = buf_addf(b, "\"%s\":", key)) || (rc = json_string_encode(b, v, n)))
		return rc;
	return buf_addch(b, ',');
}

/* The value of "name: value" in a warcinfo block (application/warc-fields). */
static int warcinfo_field(const char *body, size_t len, const char *name, const char **v, size_t *vl)
{
	size_t nl = strlen(name);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		if ((size_t)(le - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *s = p + nl + 1;
			while (s < le && (*s == ' ' || *s == '\t'))
				s++;
			while (le > s && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
				le--;
			*v = s;
			*vl = (size_t)(le - s);
			return 1;
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* Start the JSON line of a document with the fields every record has. */
static int begin_doc(struct warc_cmd *w, const struct warc_record *rec)
{
	const char *v;
	size_t n;
	struct buf *b = &w->line;
	int rc;

	buf_reset(b);
	if ((rc = buf_addch(b, '{')))
		return rc;
	v = warc_field(rec, "WARC-Record-ID", &n);
	if (v) {
		if ((rc = put_str(b, "id", v, n)))
			return rc;
	} else {
		/* a record without an ID still needs a stable one */
		struct buf id = BUF_INIT;
		if ((rc = buf_addf(&id, "%s:%" PRIu64, w->st.cur->path, rec->offset)) == 0)
			rc = put_str(b, "id", id.ptr, id.len);
		buf_release(&id);
		if (rc)
			return rc;
	}
	if ((v = warc_field(rec, "WARC-Target-URI", &n))) {
		/* WARC/0.17 and some tools write <uri> */
		if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
			v++, n -= 2;
		if ((rc = put_str(b, "url", v, n)))
			return rc;
	}
	if ((v = warc_field(rec, "WARC-Date", &n)) && (rc = put_str(b, "date", v, n)))
		return rc;
	return put_str(b, "source", w->source.ptr, w->source.len);
}

/* Finish the line with the text and metadata and parse it as a document. */
static int finish_doc(struct warc_cmd *w, const char *text, size_t tn, const char *meta)
{
	struct buf *b = &w->line;
	struct json_err e;
	int rc;

	if ((rc = buf_addstr(b, "\"text\":")) || (rc = json_string_encode(b, text, tn)))
		return rc;
	if (meta && *meta && ((rc = buf_addstr(b, ",\"metadata\":{")) || (rc = buf_addstr(b, meta)) ||
			      (rc = buf_addch(b, '}'))))
		return rc;
	if ((rc = buf_addch(b, '}')))
		return rc;
	return doc_parse(&w->d, b->ptr, b->len, 0, 0, &e);
}

static int reject(struct warc_cmd *w, const struct warc_record *rec, const char *reason, const char *meta)
{
	int rc;
	if ((rc = begin_doc(w, rec)) || (rc = finish_doc(w, "", 0, meta))) {
		msg_code(rc, "internal error");
		w->st.failed = 1;
		return -1;
	}
	return stage_reject(&w->st, &w->d, reason);
}

/* A WET conversion record: the block is the text. */
static int do_conversion(struct warc_cmd *w, const struct warc_record *rec)
{
	struct buf meta = BUF_INIT;
	const char *text = rec->body, *lang;
	size_t tn = rec->body_len, ln, rep = 0;
	int rc;

	if (utf8_valid_prefix(text, tn) != tn) {
		buf_reset(&w->utf8);
		if ((rc = utf8_sanitize(&w->utf8, text, tn, &rep)))
			goto fail;
		w->st.utf8_replaced += rep;
		text = w->utf8.ptr;
		tn = w->utf8.len;
	}
	if ((lang = warc_field(rec, "WARC-Identified-Content-Language", &ln))) {
		buf_addstr(&meta, "\"warc_content_language\":");
		json_string_encode(&meta, lang, ln);
	}
	if ((rc = begin_doc(w, rec)) || (rc = finish_doc(w, text, tn, meta.ptr)))
		goto fail;
	buf_release(&meta);
	if (tn == 0)
		return stage_reject(&w->st, &w->d, "empty_text");
	return stage_emit(&w->st, &w->d);
fail:
	buf_release(&meta);
	msg_code(rc, "'%s': record at byte %" PRIu64, w->st.cur->path, rec->offset);
	w->st.failed = 1;
	return -1;
}

/* Does the payload start like an HTML document? (for records without a
 * content type, and for bodies stored decoded under Content-Encoding) */
static int looks_like_html(const char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return (n - i >= 14 && !strncasecmp(p + i, "<!doctype html", 14)) ||
	       (n - i >= 5 && !strncasecmp(p + i, "<html", 5));
}

/* A response or resource record: HTTP (for responses), HTML, charset, text. */
static int do_html(struct warc_cmd *w, const struct warc_record *rec)
{
	struct http_response hr;
	const char *payload, *ct = NULL;
	size_t plen, ctlen = 0, rep = 0;
	char charset[CHARSET_NAME_MAX], meta[160];
	int rc, status = 0;
	const char *path = w->st.cur->path;

	if (rec->kind == WARC_RESPONSE) {
		const char *wct = warc_field(rec, "Content-Type", NULL);
		/* only HTTP responses; dns: and other schemes are not pages */
		if (wct && strncasecmp(wct, "application/http", 16) != 0)
			return reject(w, rec, "not_http", "\"warc_type\":\"response\"");
		if (http_parse_response(rec->body, rec->body_len, &hr)) {
			stage_unreadable(&w->st, "bad_http", "'%s': record at byte %" PRIu64
					 ": malformed HTTP response; skipped", path, rec->offset);
			return 0;
		}
		status = hr.status;
		payload = hr.body;
		plen = hr.body_len;
		ct = hr.content_type;
		ctlen = hr.content_type_len;
		if (status != 200) {
			snprintf(meta, sizeof(meta), "\"http_status\":%d", status);
			return reject(w, rec, "http_status", meta);
		}
		if (hr.chunked) {
			buf_reset(&w->body);
			rc = http_dechunk(payload, plen, &w->body);
			/* some writers keep the header but store the body decoded */
			if (rc == 0 || rc == SL_ETRUNC) {
				payload = w->body.ptr;
				plen = w->body.len;
			}
		}
		/* Crawlers often store the body decoded but keep the header
		 * (CommonCrawl 2014 did): decode only what is really encoded. */
		if (hr.content_encoding != HTTP_CE_NONE &&
		    !(hr.content_encoding == HTTP_CE_GZIP && !(plen >= 2 && (unsigned char)payload[0] == 0x1f &&
								 (unsigned char)payload[1] == 0x8b)) &&
		    !looks_like_html(payload, plen)) {
			buf_reset(&w->decoded);
			rc = http_decode_body(payload, plen, hr.content_encoding, w->st.o.max_doc_bytes, &w->decoded);
			if (rc && rc != SL_ETRUNC) {
				stage_unreadable(&w->st, "bad_content_encoding", "'%s': record at byte %" PRIu64
						 ": cannot decode the HTTP body (%s); skipped", path, rec->offset,
						 sl_strerror(rc));
				return 0;
			}
			payload = w->decoded.ptr;
			plen = w->decoded.len;
		}
	} else {
		payload = rec->body;
		plen = rec->body_len;
		ct = warc_field(rec, "Content-Type", &ctlen);
	}
	if (!ct) /* CommonCrawl's own sniffing, then ours */
		ct = warc_field(rec, "WARC-Identified-Payload-Type", &ctlen);
	if (ct ? !http_content_type_is_html(ct, ctlen) : !looks_like_html(payload, plen)) {
		struct buf m = BUF_INIT;
		buf_addstr(&m, "\"content_type\":");
		json_string_encode(&m, ct ? ct : "", ct ? ctlen : 0);
		rc = reject(w, rec, "not_html", m.ptr);
		buf_release(&m);
		return rc;
	}

	/* the declared charset (BOM, HTTP header, <meta>); undeclared: UTF-8
	 * when the bytes are UTF-8, else windows-1252 as browsers do */
	{
		char ctz[256];
		size_t k = ct && ctlen < sizeof(ctz) ? ctlen : 0;
		memcpy(ctz, ct ? ct : "", k);
		ctz[k] = '\0';
		if (!charset_detect(ctz, payload, plen, charset, sizeof(charset)))
			strcpy(charset, utf8_valid_prefix(payload, plen) == plen ? "utf-8" : "windows-1252");
	}
	buf_reset(&w->utf8);
	rc = charset_to_utf8(w->cv, charset, payload, plen, &w->utf8, &rep);
	if (rc == SL_ECHARSET) {
		strcpy(charset, "utf-8");
		rc = charset_to_utf8(w->cv, charset, payload, plen, &w->utf8, &rep);
	}
	if (rc)
		goto fail;
	w->st.utf8_replaced += rep;
	if ((rc = html_extract(w->utf8.ptr, w->utf8.len, &w->html)))
		goto fail;
	{
		struct buf m = BUF_INIT;
		buf_addf(&m, "\"warc_type\":\"%s\",\"charset\":\"%s\"", warc_type_name(rec->kind), charset);
		if (status)
			buf_addf(&m, ",\"http_status\":%d", status);
		if (!w->no_title) {
			buf_addstr(&m, ",\"title\":");
			json_string_encode(&m, w->html.title.ptr, w->html.title.len);
		}
		rc = begin_doc(w, rec);
		if (!rc)
			rc = finish_doc(w, w->html.text.ptr, w->html.text.len, m.ptr);
		buf_release(&m);
		if (rc)
			goto fail;
	}
	if (w->html.text.len == 0)
		return stage_reject(&w->st, &w->d, "empty_text");
	return stage_emit(&w->st, &w->d);
fail:
	if (rc == SL_ETOOBIG) {
		stage_unreadable(&w->st, "too_large", "'%s': record at byte %" PRIu64
				 ": text larger than --max-doc-bytes; skipped", path, rec->offset);
		return 0;
	}
	msg_code(rc, "'%s': record at byte %" PRIu64, path, rec->offset);
	w->st.failed = 1;
	return -1;
}

/* A piece that starts inside an indexed file: the crawl name comes from
 * the file's first record, read on its own. */
static void source_from_head(struct warc_cmd *w, const char *path, int64_t size)
{
	struct warc_limits lim = { 0, w->st.o.max_doc_bytes };
	struct warc_reader *r;
	struct warc_record rec;
	struct instream *in;
	uint64_t *off = NULL;
	size_t n = 0;
	const char *v;
	size_t vl;

	if (size <= 0 || warc_index_read(path, (uint64_t)size, &off, &n) != 0)
		return;
	if (instream_open_range(&in, path, 0, n > 1 ? off[1] : UINT64_MAX) == 0) {
		if (warc_reader_create(&r, in, &lim) == 0) {
			if (warc_next(r, &rec) > 0 && rec.kind == WARC_WARCINFO &&
			    warcinfo_field(rec.body, rec.body_len, "isPartOf", &v, &vl) && vl) {
				buf_reset(&w->source);
				buf_add(&w->source, v, vl);
			}
			warc_reader_free(r);
		}
		instream_free(in);
	}
	free(off);
}

static int read_file(struct warc_cmd *w, struct instream *in, const struct stage_piece *piece)
{
	struct warc_reader *r;
	struct warc_limits lim = { 0, w->st.o.max_doc_bytes };
	struct warc_record rec;
	const char *path = piece->path;
	const char *base = strrchr(path, '/');
	int rc, stop = 0;

	base = base ? base + 1 : path;
	buf_reset(&w->source);
	buf_addstr(&w->source, w->source_opt ? w->source_opt : base);
	if (!w->source_opt && piece->exact && piece->start > 0)
		source_from_head(w, path, piece->size);
	if ((rc = warc_reader_create(&r, in, &lim))) {
		msg_code(rc, "'%s'", path);
		w->st.failed = 1;
		return -1;
	}
	while (!stop && (rc = warc_next(r, &rec)) != 0) {
		if (rc < 0) {
			const struct warc_problem *p = warc_reader_problem(r);
			if (rc == SL_EIO || rc == SL_ENOMEM) {
				msg_code(rc, "'%s'", path);
				w->st.failed = 1;
				break;
			}
			/* not a WARC file at all (a saved error page, a JSONL file):
			 * like a malformed line, it stops the stage unless
			 * --on-error skip; a part of a file split by --shard may
			 * hold no record start and is not judged */
			if (rc == SL_EFORMAT && piece->start == 0 && !w->st.on_error_skip) {
				msg("'%s': %s (use --on-error skip to skip such files)", path, p->what);
				w->st.failed = 1;
				break;
			}
			/* a broken record may have been a document: count it as one
			 * that could not be read, so nothing vanishes */
			w->records_total++;
			w->broken_records++;
			w->st.docs_in++;
			stage_unreadable(&w->st, rc == SL_ETOOBIG ? "too_large" : rc == SL_ETRUNC ? "truncated" : "broken_record",
					 "'%s': byte %" PRIu64 ": %s; skipped", path, p->offset, p->what);
			continue;
		}
		w->records_total++;
		w->records[rec.kind]++;
		switch (rec.kind) {
		case WARC_WARCINFO: {
			const char *v;
			size_t n;
			if (!w->source_opt && warcinfo_field(rec.body, rec.body_len, "isPartOf", &v, &n) && n) {
				buf_reset(&w->source);
				buf_add(&w->source, v, n);
			}
			w->not_documents++;
			break;
		}
		case WARC_CONVERSION:
			w->st.docs_in++;
			stop = do_conversion(w, &rec) != 0;
			break;
		case WARC_RESPONSE:
		case WARC_RESOURCE:
			w->st.docs_in++;
			stop = do_html(w, &rec) != 0;
			break;
		default:
			w->not_documents++;
			break;
		}
		stage_progress(&w->st);
	}
	warc_reader_free(r);
	return w->st.failed ? -1 : 0;
}

static int write_indexes(char **files, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t *off, size;
		size_t count;
		const char *why = NULL;
		int rc = warc_index_build(files[i], &off, &count, &size, &why);

		if (rc) {
			if (why)
				msg("'%s': %s", files[i], why);
			else
				msg_code(rc, "'%s'", files[i]);
			return 1;
		}
		rc = warc_index_write(files[i], size, off, count);
		free(off);
		if (rc) {
			msg_code(rc, "cannot write '%s" WARC_INDEX_SUFFIX "'", files[i]);
			return 1;
		}
		msg("'%s': %zu records; wrote '%s" WARC_INDEX_SUFFIX "'", files[i], count, files[i]);
	}
	if (n == 0)
		return usage_error("--index needs the files to index");
	return 0;
}

int cmd_warc(int argc, char **argv)
{
	static const char *const usage[] = {
		"usage: sluice warc [<options>] [<file>...]",
		"",
		"Read WARC files (WARC/1.0, 1.1, 0.17, 0.18; gzip per record as CommonCrawl",
		"writes them, whole-file gzip, zstd or plain) and write one JSONL document per",
		"page: WET \"conversion\" records as they are; WARC \"response\" records with",
		"status 200 and an HTML content type are converted to UTF-8 (BOM, HTTP",
		"header or <meta> charset) and reduced to text (script, style, head and",
		"similar dropped, blocks as lines, entities decoded, whitespace normalized).",
		"id = WARC-Record-ID, url = WARC-Target-URI, date = WARC-Date, source = the",
		"crawl named by the warcinfo record's isPartOf, else the file name.",
		"Non-HTML and non-200 responses are rejected (see --rejects); broken records",
		"and corrupt gzip members are skipped with a message and counted.  A file",
		"with no WARC record at all (an error page) stops the stage with exit 1",
		"unless --on-error skip.",
		"",
		"A gzip file with an index (--index writes FILE.offsets beside it) is split",
		"at record boundaries by --shard I/N, so one large file spreads over tasks.",
		"",
		"  sluice warc CC-MAIN-*.warc.wet.gz > docs.jsonl",
		"  sluice warc --index big.warc.gz && sluice warc --shard 3/8 big.warc.gz",
		"  sluice warc --stats warc.json crawl.warc.gz -o pages.jsonl.zst",
		NULL
	};
	struct warc_cmd w;
	struct stage_opts o = { 0 };
	int index = 0;
	struct option opts[] = {
		OPT_FLAG(0, "index", &index, "write FILE.offsets, the record offsets of each gzip FILE, so --shard splits it between tasks; no documents"),
		OPT_STRING(0, "source", &w.source_opt, "NAME", "set \"source\" instead of the crawl name / file name"),
		OPT_FLAG(0, "no-title", &w.no_title, "do not record the HTML title in metadata.title"),
		STAGE_OPTIONS(&o),
		OPT_END(),
	};
	struct instream *in;
	const struct stage_piece *piece;
	int nargs, rc;
	size_t i;

	memset(&w, 0, sizeof(w));
	nargs = parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return nargs == -1 ? 0 : 2;
	if (index)
		return write_indexes(argv + 1, nargs);
	if ((rc = stage_begin(&w.st, "warc", STAGE_SPLIT_INDEXED, &o, argv + 1, nargs)))
		return rc;
	doc_init(&w.d);
	buf_init(&w.line, 0);
	buf_init(&w.body, w.st.o.max_doc_bytes);
	buf_init(&w.decoded, w.st.o.max_doc_bytes);
	buf_init(&w.utf8, w.st.o.max_doc_bytes * 4 + 16);
	buf_init(&w.source, 0);
	buf_init(&w.html.text, w.st.o.max_doc_bytes);
	buf_init(&w.html.title, 1 << 16);
	if (charset_conv_create(&w.cv)) {
		msg("out of memory");
		w.st.failed = 1;
	}
	while (!w.st.failed && !w.st.pipe_closed && (rc = stage_next_input(&w.st, &in, &piece)) > 0) {
		read_file(&w, in, piece);
		stage_input_done(&w.st);
	}
	buf_addf(&w.st.extra, ",\n  \"records\": %" PRIu64 ",\n  \"records_by_type\": {", w.records_total);
	for (i = 0; i < WARC_TYPE_COUNT_; i++)
		buf_addf(&w.st.extra, "%s\"%s\": %" PRIu64, i ? ", " : "", warc_type_name((enum warc_type)i), w.records[i]);
	buf_addf(&w.st.extra, "},\n  \"records_not_documents\": %" PRIu64 ",\n  \"records_broken\": %" PRIu64,
		 w.not_documents, w.broken_records);
	charset_conv_free(w.cv);
	doc_release(&w.d);
	buf_release(&w.line);
	buf_release(&w.body);
	buf_release(&w.decoded);
	buf_release(&w.utf8);
	buf_release(&w.source);
	buf_release(&w.html.text);
	buf_release(&w.html.title);
	return stage_end(&w.st);
}
