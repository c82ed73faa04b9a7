#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "error.h"
#include "instream.h"
#include "outstream.h"

static void roundtrip(const char *name, enum instream_codec want)
{
	char p[128];
	struct outstream *o;
	struct instream *in;
	struct buf src = BUF_INIT, got = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	struct stat sb;
	int i;

	snprintf(p, sizeof(p), "/tmp/sluice-test-out-%d-%s", (int)getpid(), name);
	for (i = 0; i < 200000; i++)
		buf_addf(&src, "{\"id\":%d,\"text\":\"line %d\"}\n", i, i * 7);
	CHECK_INT(outstream_open(&o, p, 0), 0);
	CHECK_INT(outstream_write(o, src.ptr, src.len), 0);
	CHECK_INT(outstream_bytes(o), src.len);
	/* nothing is visible under the final name before the commit */
	CHECK(stat(p, &sb) != 0);
	CHECK_INT(outstream_close(o, 1), 0);
	CHECK(stat(p, &sb) == 0);
	CHECK_INT(instream_open(&in, p), 0);
	CHECK_INT(instream_codec(in), want);
	while ((n = instream_read(in, chunk, sizeof(chunk), NULL)) > 0)
		buf_add(&got, chunk, (size_t)n);
	CHECK_INT(n, 0);
	CHECK_INT(got.len, src.len);
	CHECK(got.len == src.len && !memcmp(got.ptr, src.ptr, src.len));
	instream_free(in);
	unlink(p);

	/* an aborted stream leaves nothing behind */
	CHECK_INT(outstream_open(&o, p, 0), 0);
	CHECK_INT(outstream_write(o, src.ptr, 100), 0);
	CHECK_INT(outstream_close(o, 0), 0);
	CHECK(stat(p, &sb) != 0);
	buf_release(&src);
	buf_release(&got);
}

int main(void)
{
	struct outstream *o;

	CHECK_INT(outstream_codec_for("a.jsonl.gz"), OUTSTREAM_GZIP);
	CHECK_INT(outstream_codec_for("a.zst"), OUTSTREAM_ZSTD);
	CHECK_INT(outstream_codec_for("a.jsonl"), OUTSTREAM_PLAIN);
	CHECK_INT(outstream_codec_for(".gz"), OUTSTREAM_PLAIN);
	CHECK_INT(outstream_codec_for(NULL), OUTSTREAM_PLAIN);
	roundtrip("plain.jsonl", INSTREAM_PLAIN);
	roundtrip("c.jsonl.gz", INSTREAM_GZIP);
	roundtrip("c.jsonl.zst", INSTREAM_ZSTD);
	CHECK_INT(outstream_open(&o, "/nonexistent/dir/x.jsonl", 0), SL_EOPEN);

	/* devices are written in place, never replaced by a renamed file */
	{
		struct stat sb;
		CHECK_INT(outstream_open(&o, "/dev/null", 0), 0);
		CHECK_INT(outstream_write(o, "x", 1), 0);
		CHECK_INT(outstream_close(o, 1), 0);
		CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode));
	}
	/* /dev/shm is an ordinary directory: files there are published */
	{
		struct stat sb;
		char shm[64];
		snprintf(shm, sizeof(shm), "/dev/shm/sluice-test-out-%d.jsonl", (int)getpid());
		if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode)) {
			CHECK_INT(outstream_open(&o, shm, 0), 0);
			CHECK_INT(outstream_write(o, "x\n", 2), 0);
			CHECK_INT(outstream_close(o, 1), 0);
			CHECK(stat(shm, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 2);
			unlink(shm);
		}
	}
	/* a symlink keeps pointing at the (new) file */
	{
		char target[64], link[64];
		struct stat sb;
		snprintf(target, sizeof(target), "/tmp/sluice-test-out-%d-target", (int)getpid());
		snprintf(link, sizeof(link), "/tmp/sluice-test-out-%d-link", (int)getpid());
		unlink(link);
		CHECK(symlink(target, link) == 0);
		CHECK_INT(outstream_open(&o, link, 0), 0);
		CHECK_INT(outstream_write(o, "data", 4), 0);
		CHECK_INT(outstream_close(o, 1), 0);
		CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
		CHECK(stat(target, &sb) == 0 && sb.st_size == 4);
		unlink(link);
		unlink(target);
	}
	/* two phases: finish writes and closes the temporary, nothing is
	 * visible until close(1) renames it; close(0) after finish removes it */
	{
		char p[64], tmp[96];
		struct stat sb;
		snprintf(p, sizeof(p), "/tmp/sluice-test-out-%d-2ph.gz", (int)getpid());
		snprintf(tmp, sizeof(tmp), "%s.tmp-%d", p, (int)getpid());
		CHECK_INT(outstream_open(&o, p, 0), 0);
		CHECK_INT(outstream_write(o, "data\n", 5), 0);
		CHECK_INT(outstream_finish(o), 0);
		CHECK_INT(outstream_finish(o), 0);
		CHECK(stat(p, &sb) != 0);
		CHECK(stat(tmp, &sb) == 0 && sb.st_size > 5); /* the whole gzip member */
		CHECK_INT(outstream_close(o, 1), 0);
		CHECK(stat(p, &sb) == 0 && stat(tmp, &sb) != 0);
		unlink(p);
		CHECK_INT(outstream_open(&o, p, 0), 0);
		CHECK_INT(outstream_write(o, "data\n", 5), 0);
		CHECK_INT(outstream_finish(o), 0);
		CHECK_INT(outstream_close(o, 0), 0);
		CHECK(stat(p, &sb) != 0 && stat(tmp, &sb) != 0);
		CHECK_INT(outstream_finish(NULL), 0);
	}
	CHECK_INT(outstream_close(NULL, 1), 0);
	return check_done();
}
