#include "buf.h"
#include "check.h"
#include "doc.h"
#include "error.h"

static int parse(struct doc *d, const char *s)
{
	struct json_err e;
	return doc_parse(d, s, strlen(s), 0, 0, &e);
}

static void check_write(struct doc *d, const char *want, int line)
{
	struct buf b = BUF_INIT;
	CHECK_INT(doc_write(d, &b), 0);
	if (b.len != strlen(want) || memcmp(b.ptr, want, b.len))
		fprintf(stderr, "test_doc.c:%d: doc_write mismatch\n", line);
	CHECK_STR(b.ptr, want);
	buf_release(&b);
}
#define CHECK_WRITE(d, want) check_write((d), (want), __LINE__)

int main(void)
{
	struct doc d;
	const char *t;
	size_t n;
	struct buf b = BUF_INIT;
	struct json_err e;

	doc_init(&d);

	/* unchanged documents are written back byte for byte */
	CHECK_INT(parse(&d, "{\"id\": \"a\",  \"text\": \"x\\ny\", \"zz\": [1, 2], \"url\": \"u\"}"), 0);
	CHECK_WRITE(&d, "{\"id\": \"a\",  \"text\": \"x\\ny\", \"zz\": [1, 2], \"url\": \"u\"}\n");
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_MEM(t, n, "x\ny", 3);
	CHECK_INT(doc_get_str(&d, "url", &b), 1);
	CHECK_STR(b.ptr, "u");
	buf_reset(&b);
	CHECK_INT(doc_get_str(&d, "zz", &b), 0);
	CHECK_INT(doc_get_str(&d, "missing", &b), 0);

	/* a new text is re-encoded in place; other members keep their bytes */
	CHECK_INT(doc_set_text(&d, "new \"text\"", 10), 0);
	CHECK_WRITE(&d, "{\"id\":\"a\",\"text\":\"new \\\"text\\\"\",\"zz\":[1, 2],\"url\":\"u\"}\n");

	/* metadata is created when absent */
	CHECK_INT(parse(&d, "{\"id\":1,\"text\":\"t\"}"), 0);
	CHECK_INT(doc_meta_set_str(&d, "language", "en", 2), 0);
	CHECK_INT(doc_meta_set_double(&d, "language_score", 0.93), 0);
	CHECK_INT(doc_meta_set_int(&d, "n", -3), 0);
	CHECK_WRITE(&d, "{\"id\":1,\"text\":\"t\",\"metadata\":{\"language\":\"en\",\"language_score\":0.93,\"n\":-3}}\n");

	/* ... merged when present: replaced keys stay in place, the last set wins */
	CHECK_INT(parse(&d, "{\"metadata\": {\"a\": 1, \"language\": \"fr\"}, \"id\":\"i\",\"text\":\"t\",\"x\":null}"), 0);
	CHECK_INT(doc_meta_set_str(&d, "language", "de", 2), 0);
	CHECK_INT(doc_meta_set_str(&d, "b", "q", 1), 0);
	CHECK_INT(doc_meta_set_str(&d, "language", "en", 2), 0);
	CHECK_INT(doc_set_raw(&d, "x", "[1]", 3), 0);
	CHECK_INT(doc_set_raw(&d, "tokens", "[5,6]", 5), 0);
	CHECK_WRITE(&d, "{\"metadata\":{\"a\":1,\"language\":\"en\",\"b\":\"q\"},\"id\":\"i\",\"text\":\"t\",\"x\":[1],\"tokens\":[5,6]}\n");
	{
		size_t vl;
		const char *v = doc_get_path(&d, "metadata.language", &vl);
		CHECK(v && vl == 4 && !memcmp(v, "\"fr\"", 4)); /* reads see the input */
		CHECK(doc_get_path(&d, "metadata.nope", &vl) == NULL);
		CHECK(doc_get_path(&d, "x.y", &vl) == NULL);
	}
	/* a non-object metadata is replaced */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"t\",\"metadata\":null}"), 0);
	CHECK_INT(doc_meta_set_raw(&d, "k", "true", 4), 0);
	CHECK_WRITE(&d, "{\"id\":\"i\",\"text\":\"t\",\"metadata\":{\"k\":true}}\n");

	/* invalid UTF-8 is replaced and counted, and the output is valid */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\xff" "b\xc3\"}"), 0); /* \xc3 does not eat the quote */
	CHECK_INT(d.replaced, 2);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\xff" "b\xe2\x82\"}"), 0);
	CHECK_INT(d.replaced, 2);
	CHECK_WRITE(&d, "{\"id\":\"i\",\"text\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"}\n");

	/* surrogate escapes decode; lone ones become U+FFFD and are counted */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"\\ud83d\\ude00 \\udc00\"}"), 0);
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_MEM(t, n, "\xf0\x9f\x98\x80 \xef\xbf\xbd", 8);
	CHECK_INT(d.replaced, 1);
	/* and the line written says U+FFFD for them too, in every member (a
	 * strict reader refuses a lone surrogate); pairs and an escaped
	 * backslash before "ud800" stay as they are */
	CHECK_INT(parse(&d, "{\"id\":\"\\uDBFF\",\"text\":\"\\ud83d\\ude00 \\udc00\\ud800\\\\ud800 \\ud800\"}"), 0);
	CHECK_INT(d.replaced, 4);
	CHECK_WRITE(&d, "{\"id\":\"\\ufffd\",\"text\":\"\\ud83d\\ude00 \\ufffd\\ufffd\\\\ud800 \\ufffd\"}\n");
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_INT(d.replaced, 4);

	/* required members */
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\"}", 10, 0, 0, &e), SL_EFORMAT);
	CHECK_STR(e.msg, "missing \"text\" member");
	CHECK_INT(parse(&d, "{\"text\":\"t\"}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":5}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":[1],\"text\":\"t\"}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "[1,2]"), SL_EJSON);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"t\"} trailing"), SL_EJSON);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"t\0\"}"), SL_EJSON);
	/* the size cap */
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\",\"text\":\"tttttttt\"}", 27, 10, 0, &e), SL_ETOOBIG);
	/* a duplicated id, text or metadata is not a document (readers differ
	 * on which one counts); other keys may repeat */
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"text\":\"b\"}", 32, 0, 0, &e), SL_EFORMAT);
	CHECK_STR(e.msg, "duplicate \"text\" member");
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"id\":2,\"text\":\"a\"}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"metadata\":{},\"metadata\":{\"b\":2}}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"url\":1,\"url\":2}"), 0);
	/* metadata is an object (stages add to it) or null */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"metadata\":\"s\"}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"metadata\":[1]}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"metadata\":null}"), 0);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"metadata\":{}}"), 0);
	/* keys are compared decoded: "te\u0078t" is "text" */
	CHECK_INT(parse(&d, "{\"\\u0069d\":\"i\",\"te\\u0078t\":\"a\"}"), 0);
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_MEM(t, n, "a", 1);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"a\",\"te\\u0078t\":\"b\"}"), SL_EFORMAT);
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"te\\u0078ts\":\"a\"}"), SL_EFORMAT); /* "texts" */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"te\\u00f8t\":\"a\"}"), SL_EFORMAT);
	/* an optional text: empty, and set, it is added */
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\",\"tokens\":[1]}", 23, 0, 0, &e), SL_EFORMAT);
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\",\"tokens\":[1]}", 23, 0, DOC_TEXT_OPTIONAL, &e), 0);
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_INT((int)n, 0);
	CHECK_WRITE(&d, "{\"id\":\"i\",\"tokens\":[1]}\n");
	CHECK_INT(doc_set_text(&d, "x\"y", 3), 0);
	CHECK_WRITE(&d, "{\"id\":\"i\",\"tokens\":[1],\"text\":\"x\\\"y\"}\n");
	CHECK_INT(doc_parse(&d, "{}", 2, 0, DOC_TEXT_OPTIONAL | DOC_ID_OPTIONAL, &e), 0);
	CHECK_INT(doc_set_text(&d, "z", 1), 0);
	CHECK_WRITE(&d, "{\"text\":\"z\"}\n");
	CHECK_INT(doc_parse(&d, "{\"id\":\"i\",\"text\":7}", 19, 0, DOC_TEXT_OPTIONAL, &e), SL_EFORMAT);
	/* an optional id */
	CHECK_INT(doc_parse(&d, "{\"text\":\"t\"}", 12, 0, DOC_ID_OPTIONAL, &e), 0);
	CHECK_INT(d.i_id, -1);

	/* text slices can be set from the text itself (filters trimming it) */
	CHECK_INT(parse(&d, "{\"id\":\"i\",\"text\":\"  hello  \"}"), 0);
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_INT(doc_set_text(&d, t + 2, 5), 0);
	CHECK_INT(doc_text(&d, &t, &n), 0);
	CHECK_MEM(t, n, "hello", 5);

	buf_release(&b);
	doc_release(&d);
	return check_done();
}
