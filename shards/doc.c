#include "doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "utf8.h"

void doc_init(struct doc *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->raw, 0);
	buf_init(&d->text, 0);
	buf_init(&d->chg, 0);
	d->i_id = d->i_text = d->i_meta = -1;
}

void doc_reset(struct doc *d)
{
	buf_reset(&d->raw);
	buf_reset(&d->text);
	buf_reset(&d->chg);
	d->nm = d->nc = 0;
	d->text_state = 0;
	d->replaced = 0;
	d->i_id = d->i_text = d->i_meta = -1;
}

void doc_release(struct doc *d)
{
	buf_release(&d->raw);
	buf_release(&d->text);
	buf_release(&d->chg);
	free(d->m);
	free(d->c);
	doc_init(d);
}

static int fmt_err(struct json_err *e, const char *msg)
{
	if (e) {
		e->offset = 0;
		e->msg = msg;
	}
	return SL_EFORMAT;
}

/* Scan d->raw into member spans and check the required members. */
static int parse_members(struct doc *d, unsigned flags, struct json_err *e)
{
	struct json_iter it;
	struct json_member mem;
	int rc;

	d->nm = 0;
	d->i_id = d->i_text = d->i_meta = -1;
	if ((rc = json_object_begin(&it, d->raw.ptr, d->raw.ptr + d->raw.len, e)))
		return rc;
	while ((rc = json_object_next(&it, &mem, e)) == 1) {
		if ((rc = ARRAY_GROW(d->m, d->mcap, d->nm + 1)))
			return rc;
		/* a duplicated id, text or metadata is not a document: JSON
		 * readers differ on which one counts (most take the last) */
		if (json_key_is(&mem, "id")) {
			if (d->i_id >= 0)
				return fmt_err(e, "duplicate \"id\" member");
			d->i_id = (int)d->nm;
		} else if (json_key_is(&mem, "text")) {
			if (d->i_text >= 0)
				return fmt_err(e, "duplicate \"text\" member");
			d->i_text = (int)d->nm;
		} else if (json_key_is(&mem, "metadata")) {
			if (d->i_meta >= 0)
				return fmt_err(e, "duplicate \"metadata\" member");
			d->i_meta = (int)d->nm;
		}
		d->m[d->nm++] = mem;
	}
	if (rc < 0)
		return rc;
	if (d->i_text < 0 && !(flags & DOC_TEXT_OPTIONAL))
		return fmt_err(e, "missing \"text\" member");
	if (d->i_text >= 0 && !json_is_string(d->m[d->i_text].val, d->m[d->i_text].val_len))
		return fmt_err(e, "\"text\" is not a string");
	/* stages add to metadata: another value would be lost (null: none) */
	if (d->i_meta >= 0 && d->m[d->i_meta].val[0] != '{' &&
	    !(d->m[d->i_meta].val_len == 4 && !memcmp(d->m[d->i_meta].val, "null", 4)))
		return fmt_err(e, "\"metadata\" is neither an object nor null");
	if (d->i_id < 0) {
		if (flags & DOC_ID_OPTIONAL)
			return 0;
		return fmt_err(e, "missing \"id\" member");
	}
	{
		char c = d->m[d->i_id].val[0];
		if (c != '"' && c != '-' && (c < '0' || c > '9'))
			return fmt_err(e, "\"id\" is neither a string nor a number");
	}
	return 0;
}

int doc_parse(struct doc *d, const char *line, size_t n, size_t max, unsigned flags,
	      struct json_err *e)
{
	int rc;

	e->surrogate = 0;
	doc_reset(d);
	d->raw.max = max ? max : BUF_DEFAULT_MAX;
	if ((rc = buf_add(&d->raw, line, n)))
		return rc;
	/* The scanner validates UTF-8 as it goes, so valid lines (nearly all)
	 * are read once; only a failed line is checked and repaired. */
	rc = parse_members(d, flags, e);
	if (rc == SL_EJSON && utf8_valid_prefix(line, n) != n) {
		buf_reset(&d->raw);
		if ((rc = utf8_sanitize(&d->raw, line, n, &d->replaced)))
			return rc;
		rc = parse_members(d, flags, e);
	}
	/* lone surrogates decode to U+FFFD (json_string_decode); the line says
	 * so too, so that what is written is valid UTF-8 for strict readers */
	if (rc == 0 && e->surrogate)
		d->replaced += json_fix_lone_surrogates(d->raw.ptr, d->raw.len);
	return rc;
}

int doc_text(struct doc *d, const char **s, size_t *n)
{
	if (!d->text_state && d->i_text < 0) {
		buf_reset(&d->text); /* DOC_TEXT_OPTIONAL and no "text": empty */
		d->text_state = 1;
	}
	if (!d->text_state) {
		const struct json_member *t = &d->m[d->i_text];
		int rc;
		buf_reset(&d->text);
		rc = json_string_decode(&d->text, t->val + 1, t->val_len - 2, &d->replaced);
		if (rc)
			return rc;
		d->text_state = 1;
	}
	*s = d->text.ptr;
	*n = d->text.len;
	return 0;
}

static int find_member(const struct doc *d, const char *key)
{
	size_t i;
	for (i = 0; i < d->nm; i++)
		if (json_key_is(&d->m[i], key))
			return (int)i;
	return -1;
}

const char *doc_get_raw(const struct doc *d, const char *key, size_t *n)
{
	int i = find_member(d, key);
	if (i < 0)
		return NULL;
	if (n)
		*n = d->m[i].val_len;
	return d->m[i].val;
}

const char *doc_get_path(const struct doc *d, const char *path, size_t *n)
{
	const char *dot = strchr(path, '.'), *val;
	size_t vlen;
	char first[128];

	if (!dot)
		return doc_get_raw(d, path, n);
	if ((size_t)(dot - path) >= sizeof(first))
		return NULL;
	memcpy(first, path, (size_t)(dot - path));
	first[dot - path] = '\0';
	val = doc_get_raw(d, first, &vlen);
	while (val && dot) {
		struct json_iter it;
		struct json_member m;
		const char *key = dot + 1, *next = strchr(key, '.'), *found = NULL;
		size_t klen = next ? (size_t)(next - key) : strlen(key);

		if (json_object_begin(&it, val, val + vlen, NULL))
			return NULL;
		while (json_object_next(&it, &m, NULL) == 1)
			if (m.key_len == klen && !memcmp(m.key, key, klen)) {
				found = m.val;
				vlen = m.val_len;
				break;
			}
		val = found;
		dot = next;
	}
	if (val && n)
		*n = vlen;
	return val;
}

int doc_get_str(const struct doc *d, const char *key, struct buf *out)
{
	int i = find_member(d, key), rc;
	if (i < 0 || !json_is_string(d->m[i].val, d->m[i].val_len))
		return 0;
	rc = json_string_decode(out, d->m[i].val + 1, d->m[i].val_len - 2, NULL);
	return rc ? rc : 1;
}

int doc_set_text(struct doc *d, const char *s, size_t n)
{
	int rc;
	if (s >= d->text.ptr && s < d->text.ptr + d->text.len + 1) {
		/* a slice of the current text: move within the buffer */
		memmove(d->text.ptr, s, n);
		buf_setlen(&d->text, n);
	} else {
		buf_reset(&d->text);
		if ((rc = buf_add(&d->text, s, n)))
			return rc;
	}
	d->text_state = 2;
	return 0;
}

static int add_change(struct doc *d, const char *key, const char *json, size_t n, int meta)
{
	struct doc_change *c;
	int rc;

	if ((rc = ARRAY_GROW(d->c, d->ccap, d->nc + 1)))
		return rc;
	c = &d->c[d->nc];
	c->meta = meta;
	c->key_off = d->chg.len;
	c->key_len = strlen(key);
	if ((rc = buf_add(&d->chg, key, c->key_len)))
		return rc;
	c->val_off = d->chg.len;
	c->val_len = n;
	if ((rc = buf_add(&d->chg, json, n)))
		return rc;
	d->nc++;
	return 0;
}

int doc_set_raw(struct doc *d, const char *key, const char *json, size_t n)
{
	return add_change(d, key, json, n, 0);
}

int doc_meta_set_raw(struct doc *d, const char *key, const char *json, size_t n)
{
	return add_change(d, key, json, n, 1);
}

static int set_str(struct doc *d, const char *key, const char *s, size_t n, int meta)
{
	struct buf tmp = BUF_INIT;
	int rc = json_string_encode(&tmp, s, n);
	if (!rc)
		rc = add_change(d, key, tmp.ptr, tmp.len, meta);
	buf_release(&tmp);
	return rc;
}

int doc_set_raw_str(struct doc *d, const char *key, const char *s, size_t n)
{
	return set_str(d, key, s, n, 0);
}

int doc_meta_set_str(struct doc *d, const char *key, const char *s, size_t n)
{
	return set_str(d, key, s, n, 1);
}

int doc_meta_set_double(struct doc *d, const char *key, double v)
{
	char tmp[JSON_DOUBLE_MAX];
	int n;
	if (v != v || v > 1.7e308 || v < -1.7e308)
		return add_change(d, key, "null", 4, 1); /* JSON has no NaN/inf */
	n = json_fmt_double(tmp, v);
	return add_change(d, key, tmp, (size_t)n, 1);
}

int doc_meta_set_int(struct doc *d, const char *key, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);
	return add_change(d, key, tmp, (size_t)n, 1);
}

/* The last change of `key` in scope `meta`, or NULL. */
static const struct doc_change *last_change(const struct doc *d, const char *key, size_t klen, int meta)
{
	size_t i = d->nc;
	while (i-- > 0) {
		const struct doc_change *c = &d->c[i];
		if (c->meta == meta && c->key_len == klen && !memcmp(d->chg.ptr + c->key_off, key, klen))
			return c;
	}
	return NULL;
}

static int put_member(struct buf *out, int *first, const char *key, size_t klen,
		      const char *val, size_t vlen)
{
	int rc;
	if (!*first && (rc = buf_addch(out, ',')))
		return rc;
	*first = 0;
	if ((rc = buf_addch(out, '"')) || (rc = buf_add(out, key, klen)) ||
	    (rc = buf_add(out, "\":", 2)))
		return rc;
	return buf_add(out, val, vlen);
}

/* Changes of scope `meta` not already written in place: each key once, at
 * the position of its first change, with its last value. */
static int put_new_changes(const struct doc *d, struct buf *out, int *first, int meta,
			   const struct json_member *orig, size_t norig)
{
	size_t i, j;
	int rc;

	for (i = 0; i < d->nc; i++) {
		const struct doc_change *c = &d->c[i], *last;
		const char *k = d->chg.ptr + c->key_off;
		int seen = 0;
		if (c->meta != meta)
			continue;
		for (j = 0; j < norig && !seen; j++)
			seen = orig[j].key_len == c->key_len && !memcmp(orig[j].key, k, c->key_len);
		for (j = 0; j < i && !seen; j++)
			seen = d->c[j].meta == meta && d->c[j].key_len == c->key_len &&
			       !memcmp(d->chg.ptr + d->c[j].key_off, k, c->key_len);
		if (seen)
			continue;
		last = last_change(d, k, c->key_len, meta);
		if ((rc = put_member(out, first, k, c->key_len, d->chg.ptr + last->val_off, last->val_len)))
			return rc;
	}
	return 0;
}

static int put_metadata(const struct doc *d, struct buf *out)
{
	struct json_member mm[64], *orig = mm;
	size_t norig = 0, cap = 64;
	int first = 1, rc = 0;
	size_t i;

	if (d->i_meta >= 0 && d->m[d->i_meta].val[0] == '{') {
		struct json_iter it;
		struct json_member m;
		const struct json_member *mv = &d->m[d->i_meta];
		json_object_begin(&it, mv->val, mv->val + mv->val_len, NULL);
		while (json_object_next(&it, &m, NULL) == 1) {
			if (norig == cap) {
				struct json_member *p = malloc(2 * cap * sizeof(*p));
				if (!p) {
					rc = SL_ENOMEM;
					goto out;
				}
				memcpy(p, orig, norig * sizeof(*p));
				if (orig != mm)
					free(orig);
				orig = p;
				cap *= 2;
			}
			orig[norig++] = m;
		}
	}
	if ((rc = buf_addch(out, '{')))
		goto out;
	for (i = 0; i < norig; i++) {
		const struct doc_change *c = last_change(d, orig[i].key, orig[i].key_len, 1);
		rc = c ? put_member(out, &first, orig[i].key, orig[i].key_len, d->chg.ptr + c->val_off, c->val_len)
		       : put_member(out, &first, orig[i].key, orig[i].key_len, orig[i].val, orig[i].val_len);
		if (rc)
			goto out;
	}
	if ((rc = put_new_changes(d, out, &first, 1, orig, norig)))
		goto out;
	rc = buf_addch(out, '}');
out:
	if (orig != mm)
		free(orig);
	return rc;
}

int doc_write(const struct doc *d, struct buf *out)
{
	int first = 1, rc, has_meta_chg = 0;
	size_t i;

	if (d->nc == 0 && d->text_state != 2) {
		if ((rc = buf_add(out, d->raw.ptr, d->raw.len)))
			return rc;
		return buf_addch(out, '\n');
	}
	for (i = 0; i < d->nc; i++)
		has_meta_chg |= d->c[i].meta;
	if ((rc = buf_addch(out, '{')))
		return rc;
	for (i = 0; i < d->nm; i++) {
		const struct json_member *m = &d->m[i];
		const struct doc_change *c;
		if (!first && (rc = buf_addch(out, ',')))
			return rc;
		first = 0;
		if ((rc = buf_addch(out, '"')) || (rc = buf_add(out, m->key, m->key_len)) ||
		    (rc = buf_add(out, "\":", 2)))
			return rc;
		if ((int)i == d->i_text && d->text_state == 2)
			rc = json_string_encode(out, d->text.ptr, d->text.len);
		else if ((int)i == d->i_meta && has_meta_chg)
			rc = put_metadata(d, out);
		else if ((c = last_change(d, m->key, m->key_len, 0)))
			rc = buf_add(out, d->chg.ptr + c->val_off, c->val_len);
		else
			rc = buf_add(out, m->val, m->val_len);
		if (rc)
			return rc;
	}
	if (d->i_text < 0 && d->text_state == 2) { /* DOC_TEXT_OPTIONAL: a new "text" */
		if ((!first && (rc = buf_addch(out, ','))) || (rc = buf_add(out, "\"text\":", 7)) ||
		    (rc = json_string_encode(out, d->text.ptr, d->text.len)))
			return rc;
		first = 0;
	}
	if ((rc = put_new_changes(d, out, &first, 0, d->m, d->nm)))
		return rc;
	if (d->i_meta < 0 && has_meta_chg) {
		if ((rc = buf_add(out, ",\"metadata\":", 12)) || (rc = put_metadata(d, out)))
			return rc;
	}
	if ((rc = buf_addch(out, '}')))
		return rc;
	return buf_addch(out, '\n');
}
