/*
 * test_tmpclean.c - temporaries removed on a fatal signal: in a child that
 * kills itself, the registered files and numbered folders go, the others
 * stay, and the child still dies of the signal; an ignored signal stays
 * ignored; a full table refuses.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "tmpclean.h"

static char root[256];

static void touch(const char *name)
{
	char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", root, name);
	if ((f = fopen(p, "w")))
		fclose(f);
}

static int exists(const char *name)
{
	char p[512];
	struct stat sb;
	snprintf(p, sizeof(p), "%s/%s", root, name);
	return stat(p, &sb) == 0;
}

static char *at(const char *name)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", root, name);
	return p[k];
}

/* The child registers and kills itself with sig; returns its wait status. */
static int child(int sig, int ignore)
{
	pid_t pid = fork();
	int status = 0;
	if (pid == 0) {
		int keep;
		/* the default disposition unless the case wants it ignored:
		 * a test run from a script's background job inherits SIGINT
		 * (and SIGQUIT) ignored */
		signal(sig, ignore ? SIG_IGN : SIG_DFL);
		{
			/* QUIT, XCPU, XFSZ dump core by default: not here */
			struct rlimit nocore = { 0, 0 };
			setrlimit(RLIMIT_CORE, &nocore);
		}
		touch("a.tmp-1");
		touch("b.tmp-1");
		touch("kept.tmp-1");
		tmpclean_add(at("a.tmp-1"));
		tmpclean_add(at("b.tmp-1"));
		tmpclean_add(at("never-created.tmp-1"));
		keep = tmpclean_add(at("kept.tmp-1"));
		tmpclean_remove(keep); /* renamed into place, say */
		mkdir(at("d.shuffle-1"), 0755);
		touch("d.shuffle-1/bucket-00000");
		touch("d.shuffle-1/bucket-00002");
		touch("d.shuffle-1/bucket-00011");
		tmpclean_add_dir(at("d.shuffle-1"), "bucket-", 12);
		raise(sig);
		_exit(7);
	}
	waitpid(pid, &status, 0);
	return status;
}

int main(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ };
	int st, slots[300], n = 0;

	snprintf(root, sizeof(root), "%s/sluice-tmpclean.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		st = child(sigs[i], 0);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
		CHECK(!exists("a.tmp-1"));
		CHECK(!exists("b.tmp-1"));
		CHECK(exists("kept.tmp-1"));
		CHECK(!exists("d.shuffle-1"));
		unlink(at("kept.tmp-1"));
	}
	/* an ignored signal stays ignored: the child carries on, nothing removed */
	st = child(SIGHUP, 1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK(exists("a.tmp-1") && exists("b.tmp-1") && exists("d.shuffle-1/bucket-00011"));
	unlink(at("a.tmp-1"));
	unlink(at("b.tmp-1"));
	unlink(at("kept.tmp-1"));
	unlink(at("d.shuffle-1/bucket-00000"));
	unlink(at("d.shuffle-1/bucket-00002"));
	unlink(at("d.shuffle-1/bucket-00011"));
	rmdir(at("d.shuffle-1"));
	/* a full table refuses; freed slots are reused */
	for (int i = 0; i < 300; i++)
		if ((slots[i] = tmpclean_add("x")) >= 0)
			n++;
	CHECK_INT(n, 256);
	CHECK_INT(slots[299], -1);
	tmpclean_remove(slots[3]);
	CHECK_INT(tmpclean_add("y"), slots[3]);
	for (int i = 0; i < 300; i++)
		tmpclean_remove(slots[i]);
	tmpclean_remove(-1);
	tmpclean_remove_dir(-1);
	CHECK(rmdir(root) == 0);
	return check_done();
}
