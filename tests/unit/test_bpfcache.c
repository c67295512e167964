/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled-filter cache: built once, reused, loaded for real, and
 * distrusted whenever its files are not exactly what podenter wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "bpfcache.h"
#include "podenter/sandbox.h"

static char rundir[] = "/tmp/podenter-bpfcache.XXXXXX";
static char cachedir[128];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(rundir))
		return -1;
	snprintf(cachedir, sizeof(cachedir), "%s/seccomp", rundir);
	setenv("PODENTER_RUNDIR", rundir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The one .bpf file in the cache; asserts there is exactly one. */
static void only_entry(char *path, size_t size)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(cachedir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".bpf")) {
			snprintf(path, size, "%s/%s", cachedir, de->d_name);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
}

static void prepare_default(struct pe_sandbox *sb)
{
	struct pe_error err;

	pe_sandbox_init(sb, PE_PROFILE_GENERAL);
	assert_int_equal(pe_sandbox_prepare(sb, &err), 0);
	assert_non_null(sb->bpf);
	assert_null(sb->filter);
}

static void test_built_once_then_reused(void **state)
{
	struct pe_sandbox a, b;
	struct stat st1, st2;
	char path[4096];

	(void)state;
	prepare_default(&a);
	only_entry(path, sizeof(path));
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0600);
	prepare_default(&b);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not written again */
	assert_int_equal(a.bpf_len, b.bpf_len);
	assert_memory_equal(a.bpf, b.bpf,
			    a.bpf_len * sizeof(struct sock_filter));
	pe_sandbox_release(&a);
	pe_sandbox_release(&b);
}

static void test_cached_filter_denies_for_real(void **state)
{
	struct pe_sandbox sb;
	int status;
	pid_t pid;

	(void)state;
	prepare_default(&sb); /* a cache hit after the test above */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pe_error err;
		char c = 'x';
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    pe_sandbox_load_seccomp(&sb, &err) < 0)
			_exit(100);
		/* TIOCSTI with high bits set must still be denied */
		r = ioctl(0, (unsigned long)TIOCSTI | (1UL << 32), &c);
		if (r != -1 || errno != EPERM)
			_exit(101);
		if (getppid() <= 0) /* ordinary calls go through */
			_exit(102);
		/* an allowlist: a call it does not name is denied */
		if (syscall(1000) != -1 || errno != EPERM)
			_exit(103);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pe_sandbox_release(&sb);
}

/* The key prepare used for the default profile's filter: the name of the
 * one file in the cache (the key's inputs are sandbox.c's business). */
static void default_key(char key[65])
{
	char path[4096];
	const char *name;

	only_entry(path, sizeof(path));
	name = strrchr(path, '/') + 1;
	assert_int_equal(strlen(name), 64 + strlen(".bpf"));
	memcpy(key, name, 64);
	key[64] = '\0';
}

static void test_distrusted_files_are_rebuilt(void **state)
{
	struct pe_sandbox sb;
	struct pe_bpf prog;
	struct stat st;
	char path[4096], key[65];
	int fd;

	(void)state;
	default_key(key);
	assert_true(pe_bpf_cache_get(key, &prog)); /* the file is the key's */
	pe_bpf_free(&prog);
	only_entry(path, sizeof(path));
	/* writable by others: not trusted */
	assert_int_equal(chmod(path, 0666), 0);
	prepare_default(&sb);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* rebuilt in its place */
	pe_sandbox_release(&sb);
	/* not a whole number of instructions: not trusted */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "xyz", 3), 3);
	close(fd);
	assert_false(pe_bpf_cache_get(key, &prog));
	prepare_default(&sb);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size % sizeof(struct sock_filter), 0);
	pe_sandbox_release(&sb);
	/* a cache directory others may enter is ignored altogether */
	assert_true(pe_bpf_cache_get(key, &prog));
	pe_bpf_free(&prog);
	assert_int_equal(chmod(cachedir, 0755), 0);
	assert_false(pe_bpf_cache_get(key, &prog));
	prepare_default(&sb); /* still works, built without the cache */
	pe_sandbox_release(&sb);
	assert_int_equal(chmod(cachedir, 0700), 0);
}

static void test_keys_differ_by_input(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	pe_bpf_cache_key("runtime-default caps 1", a);
	pe_bpf_cache_key("runtime-default caps 3", b);
	pe_bpf_cache_key("runtime-default caps 1", c);
	assert_string_not_equal(a, b);
	assert_string_equal(a, c);
	assert_int_equal(strlen(a), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_once_then_reused),
		cmocka_unit_test(test_cached_filter_denies_for_real),
		cmocka_unit_test(test_distrusted_files_are_rebuilt),
		cmocka_unit_test(test_keys_differ_by_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
