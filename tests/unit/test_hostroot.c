/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way into an untrusted tree (pe_open_beneath, pe_host_open) and
 * the reads of node files. Runs as it is (openat2) and again under
 * tests/no-new-api (the component walk), from no-new-api.sh: every check
 * here must hold both ways.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/hostroot.h"
#include "syscalls.h"

struct tree {
	char dir[64]; /* the scratch directory */
	char root[128]; /* the tree standing for a host root: dir/root */
	char outside[128]; /* a file beside the tree: dir/outside */
	struct pe_hostroot hr;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[PATH_MAX];
	struct pe_error err;

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_hostroot.XXXXXX");
	if (!mkdtemp(t->dir))
		goto fail;
	snprintf(t->root, sizeof(t->root), "%s/root", t->dir);
	snprintf(t->outside, sizeof(t->outside), "%s/outside", t->dir);
	mkdir(t->root, 0755);
	write_file(t->outside, "OUTSIDE\n");
	snprintf(p, sizeof(p), "%s/etc", t->root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/inside", t->root);
	write_file(p, "INSIDE\n");
	/* a link naming the node-side file absolutely, and one climbing */
	snprintf(p, sizeof(p), "%s/abs", t->root);
	if (symlink(t->outside, p) < 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/etc/up", t->root);
	if (symlink("../../../../../../../../outside", p) < 0)
		goto fail;
	/* an absolute link that means a path inside the tree */
	snprintf(p, sizeof(p), "%s/kubelet-style", t->root);
	if (symlink("/etc/inside", p) < 0)
		goto fail;
	snprintf(p, sizeof(p), "%s/fifo", t->root);
	if (mkfifo(p, 0600) < 0)
		goto fail;
	if (pe_hostroot_open(&t->hr, t->root, &err) < 0)
		goto fail;
	*state = t;
	return 0;
fail:
	free(t);
	return -1;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	char cmd[256];

	pe_hostroot_close(&t->hr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static char *read_via(const struct pe_hostroot *hr, const char *path)
{
	char *buf = NULL;

	if (pe_host_read_file(hr, path, 4096, &buf) < 0)
		return NULL;
	return buf;
}

/* RESOLVE_IN_ROOT: a link out of the tree resolves inside it */
static void links_stay_in_the_host_root(void **state)
{
	struct tree *t = *state;
	char *s;

	s = read_via(&t->hr, "/abs");
	assert_null(s); /* <root>/tmp/.../outside: not there */
	assert_int_equal(errno, ENOENT);
	s = read_via(&t->hr, "/etc/up");
	assert_null(s);
	s = read_via(&t->hr, "/../../../../outside");
	assert_null(s);
	/* and an absolute node link still works, inside the tree */
	s = read_via(&t->hr, "/kubelet-style");
	assert_non_null(s);
	assert_string_equal(s, "INSIDE\n");
	free(s);
}

/*
 * A refusal by openat2 is the answer: retrying it with a plain openat()
 * (which follows links) would read the file outside. The same for the
 * walk: nothing ever opens the outside file.
 */
static void a_refusal_is_never_retried_unsafely(void **state)
{
	struct tree *t = *state;
	int fd;

	fd = pe_open_beneath(t->hr.dirfd, "abs", O_RDONLY,
			     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EXDEV);
	fd = pe_open_beneath(t->hr.dirfd, "etc/up", O_RDONLY,
			     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EXDEV);
	fd = pe_open_beneath(t->hr.dirfd, "kubelet-style", O_RDONLY,
			     RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ELOOP);
	fd = pe_open_in_root(t->hr.dirfd, "abs", O_RDONLY, 0);
	assert_int_equal(fd, -1);
	/* neither IN_ROOT nor BENEATH: not a way into a tree */
	fd = pe_open_beneath(t->hr.dirfd, "etc/inside", O_RDONLY, 0);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EINVAL);
}

/*
 * RESOLVE_NO_MAGICLINKS: with a procfs as the "host root", /self/root is a
 * magic link to the caller's real root. Following it (or, in the walk,
 * reading its text "/" as an ordinary link) reaches files the path does
 * not name; it must be refused.
 */
static void magic_links_are_refused(void **state)
{
	struct pe_hostroot proc;
	struct pe_error err;
	char *s;
	int fd;

	(void)state;
	assert_int_equal(pe_hostroot_open(&proc, "/proc", &err), 0);
	assert_false(proc.is_slash);
	s = read_via(&proc, "/self/root/1/comm");
	assert_null(s);
	s = read_via(&proc, "/self/root/etc/hostname");
	assert_null(s);
	fd = pe_host_open(&proc, "/self/cwd", O_PATH | O_DIRECTORY);
	assert_int_equal(fd, -1);
	/* a plain procfs file is fine */
	s = read_via(&proc, "/1/comm");
	if (s)
		free(s);
	else
		assert_int_equal(errno, EACCES);
	pe_hostroot_close(&proc);
}

/* hole 9: a FIFO where a node file should be: refused at once */
static void a_fifo_is_not_read(void **state)
{
	struct tree *t = *state;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char *s;

		alarm(10); /* a hang kills the child: the test fails */
		s = read_via(&t->hr, "/fifo");
		_exit(s == NULL && errno == EINVAL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* pe_read_file_at: "a/b" from a directory fd, no link on the way */
static void read_at_does_not_follow_links(void **state)
{
	struct tree *t = *state;
	char *s = NULL;

	assert_true(pe_read_file_at(t->hr.dirfd, "etc/inside", 64, &s) > 0);
	assert_string_equal(s, "INSIDE\n");
	free(s);
	s = NULL;
	assert_int_equal(pe_read_file_at(t->hr.dirfd, "etc/up", 64, &s), -1);
	assert_int_equal(pe_read_file_at(t->hr.dirfd, "abs", 64, &s), -1);
	assert_int_equal(pe_read_file_at(t->hr.dirfd, "../outside", 64, &s),
			 -1);
}

/* hole 9: the host root's /proc is trusted only when it is a procfs */
static void only_a_procfs_is_trusted(void **state)
{
	struct tree *t = *state;
	struct pe_hostroot slash;
	struct pe_error err;
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "mkdir -p '%s/proc/1'", t->root);
	assert_int_equal(system(p), 0);
	fd = pe_host_open_procfs(&t->hr, "1", O_PATH | O_DIRECTORY);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EMEDIUMTYPE);
	assert_int_equal(pe_hostroot_open(&slash, "/", &err), 0);
	fd = pe_host_open_procfs(&slash, "self", O_PATH | O_DIRECTORY);
	assert_int_equal(fd, -1); /* "self" is a link: not followed */
	snprintf(p, sizeof(p), "%d", (int)getpid());
	fd = pe_host_open_procfs(&slash, p, O_PATH | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);
	pe_hostroot_close(&slash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links_stay_in_the_host_root),
		cmocka_unit_test(a_refusal_is_never_retried_unsafely),
		cmocka_unit_test(magic_links_are_refused),
		cmocka_unit_test(a_fifo_is_not_read),
		cmocka_unit_test(read_at_does_not_follow_links),
		cmocka_unit_test(only_a_procfs_is_trusted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
