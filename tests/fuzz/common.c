/*
 * common.c - helpers every fuzz target links (see fuzz.h).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "bpe.h"
#include "buf.h"
#include "config.h"
#include "fuzz.h"

const char *fuzz_shared_data(void)
{
	const char *e = getenv("SLUICE_SHARED_DATA");
	return e && *e ? e : SLUICE_SOURCE_DIR "/../shared/data";
}

static const char *const lines[] = {
	"hello world", "  don't STOP 12345 \xe4\xbd\xa0\xe5\xa5\xbd\n\n", "\xff\xfe bad \x80",
	"<|endoftext|>",
};

void fuzz_bpe_exercise(const struct bpe *b)
{
	struct bpe_work *w;
	struct bpe_ids ids = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	size_t bad;

	(void)bpe_vocab_size(b);
	(void)bpe_special(b, "<|endoftext|>");
	if (bpe_work_new(b, &w))
		return;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ids.n = 0;
		if (bpe_encode(b, w, lines[i], strlen(lines[i]), &ids) == 0) {
			buf_reset(&out);
			bpe_decode(b, ids.v, ids.n, &out, &bad);
		}
	}
	bpe_ids_release(&ids);
	buf_release(&out);
	bpe_work_free(w);
}

static char tmpdir[80];

static void tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char p[384];
	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(tmpdir);
}

const char *fuzz_tmpdir(const char *target)
{
	if (!tmpdir[0]) {
		/* memory when there is a tmpfs: a file written, read back and
		 * rewritten at each input costs ~15 us there, ~370 us on the
		 * disk-backed /tmp of the development machine */
		const char *base = getenv("SLUICE_FUZZ_TMPDIR");
		if (!base || !*base)
			base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
		/* the targets' path buffers hold a folder of up to 68 bytes */
		if (!base || !*base || strlen(base) > 32)
			base = "/tmp";
		snprintf(tmpdir, sizeof(tmpdir), "%s/sluice-fuzz-%.16s-XXXXXX", base, target);
		if (!mkdtemp(tmpdir))
			abort();
		atexit(tmpdir_remove);
	}
	return tmpdir;
}

/* One stream for the process, reset per member, with a small window and
 * hash (memLevel 1): the input is made, not compressed well, and a fresh
 * default stream per member spent most of warcindex's time allocating and
 * clearing 256 KB. */
static int gz_member(struct buf *out, const uint8_t *p, size_t n)
{
	static z_stream z;
	static int ready;
	size_t bound;
	int rc;
	if (!ready) {
		if (deflateInit2(&z, 1, Z_DEFLATED, 16 + 9, 1, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		ready = 1;
	} else if (deflateReset(&z) != Z_OK) {
		return -1;
	}
	bound = deflateBound(&z, (uLong)n);
	if (buf_grow(out, bound))
		return -1;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->ptr + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END)
		buf_setlen(out, out->len + z.total_out);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* One context for the process too (ZSTD_compress makes and clears one per
 * call). */
static int zstd_frame(struct buf *out, const uint8_t *p, size_t n)
{
	static ZSTD_CCtx *cc;
	size_t bound = ZSTD_compressBound(n), r;
	if (!cc && !(cc = ZSTD_createCCtx()))
		return -1;
	if (buf_grow(out, bound))
		return -1;
	r = ZSTD_compressCCtx(cc, out->ptr + out->len, bound, p, n, 1);
	if (ZSTD_isError(r))
		return -1;
	buf_setlen(out, out->len + r);
	return 0;
}

int fuzz_warc_members(struct buf *out, const uint8_t *t, size_t n, int zstd, size_t damage, unsigned damage_pos)
{
	size_t start, i, member = 0;
	for (start = 0, i = 1; i <= n; i++) {
		if (i == n || (t[i - 1] == '\n' && n - i >= 5 && !memcmp(t + i, "WARC/", 5))) {
			size_t before = out->len;
			if ((zstd ? zstd_frame : gz_member)(out, t + start, i - start))
				return -1;
			if (member == damage && out->len > before)
				out->ptr[before + (size_t)damage_pos % (out->len - before)] ^= 0x5a;
			member++;
			start = i;
		}
	}
	return 0;
}
