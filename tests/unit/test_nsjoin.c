/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure parts of entering: namespace sets and flags, the environment
 * allowlist, --user parsing, /proc/PID/status identity, the PATH search's
 * 126/127 distinction, closing fds, and pinning the caller itself.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/exec.h"
#include "podenter/nsjoin.h"
#include "podenter/resolve.h"

static void test_flags_and_default_set(void **state)
{
	struct pe_container c = { 0 };
	pe_ns_set set;

	(void)state;
	assert_int_equal(pe_ns_clone_flag(PE_NS_NET), CLONE_NEWNET);
	assert_int_equal(pe_ns_clone_flag(PE_NS_MNT), CLONE_NEWNS);
	assert_int_equal(
	    pe_ns_clone_flags(PE_NS_BIT(PE_NS_NET) | PE_NS_BIT(PE_NS_UTS)),
	    CLONE_NEWNET | CLONE_NEWUTS);
	set = pe_ns_default_set(&c);
	assert_true(set & PE_NS_BIT(PE_NS_NET));
	assert_true(set & PE_NS_BIT(PE_NS_PID));
	assert_true(set & PE_NS_BIT(PE_NS_IPC));
	assert_true(set & PE_NS_BIT(PE_NS_UTS));
	assert_true(set & PE_NS_BIT(PE_NS_CGROUP));
	assert_true(set & PE_NS_BIT(PE_NS_MNT));
	assert_false(set & PE_NS_BIT(PE_NS_USER));
	assert_false(set & PE_NS_BIT(PE_NS_TIME));
	c.user_namespaced = true;
	assert_true(pe_ns_default_set(&c) & PE_NS_BIT(PE_NS_USER));
}

static void test_env_allowlist(void **state)
{
	struct pe_env e = { 0 };
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	setenv("TERM", "xterm-unit", 1);
	setenv("LD_PRELOAD", "/evil.so", 1);
	setenv("SECRET_TOKEN", "x", 1);
	assert_int_equal(pe_env_from_allowlist(&e, "pod-a", "/root", &err), 0);
	assert_string_equal(pe_env_get(&e, "PATH"), PE_DEFAULT_PATH);
	assert_string_equal(pe_env_get(&e, "TERM"), "xterm-unit");
	assert_string_equal(pe_env_get(&e, "HOSTNAME"), "pod-a");
	assert_string_equal(pe_env_get(&e, "HOME"), "/root");
	assert_null(pe_env_get(&e, "LD_PRELOAD"));
	assert_null(pe_env_get(&e, "SECRET_TOKEN"));
	/* later settings replace earlier ones, keeping one entry per key */
	assert_int_equal(pe_env_put(&e, "HOME=/tmp", &err), 0);
	assert_int_equal(pe_env_put(&e, "HOMEX=1", &err), 0);
	assert_string_equal(pe_env_get(&e, "HOME"), "/tmp");
	assert_string_equal(pe_env_get(&e, "HOMEX"), "1");
	assert_null(e.v[e.len]);
	assert_int_equal(pe_env_put(&e, "NOEQUALS", &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_int_equal(pe_env_put(&e, "=value", &err), -1);
	pe_env_free(&e);
	unsetenv("LD_PRELOAD");
	unsetenv("SECRET_TOKEN");
}

static void test_env_from_target(void **state)
{
	struct pe_env e = { 0 };
	struct pe_error err;
	char dir[] = "/tmp/pe-unit-env.XXXXXX";
	char path[64];
	int fd, dfd;
	static const char environ_file[] =
	    "FOO=bar\0NOTASETTING\0LD_PRELOAD=x.so\0";

	(void)state;
	pe_error_clear(&err);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/environ", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, environ_file, sizeof(environ_file) - 1),
			 (ssize_t)sizeof(environ_file) - 1);
	close(fd);
	dfd = open(dir, O_PATH | O_DIRECTORY);
	assert_int_equal(pe_env_add_target(&e, dfd, &err), 0);
	assert_string_equal(pe_env_get(&e, "FOO"), "bar");
	assert_string_equal(pe_env_get(&e, "LD_PRELOAD"), "x.so");
	assert_null(pe_env_get(&e, "NOTASETTING"));
	assert_int_equal(e.len, 2);
	close(dfd);
	unlink(path);
	rmdir(dir);
	pe_env_free(&e);
}

static void test_identity_of_self(void **state)
{
	struct pe_identity id;
	struct pe_error err;
	int fd = open("/proc/self", O_PATH | O_DIRECTORY);

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_identity_of_target(fd, &id, &err), 0);
	assert_int_equal(id.uid, geteuid());
	assert_int_equal(id.gid, getegid());
	assert_int_equal((int)id.ngroups, getgroups(0, NULL));
	close(fd);
}

/* run pe_exec_command in a child; its error kind is the exit code */
static int exec_kind(char *const argv[])
{
	char *envp[] = { "PATH=/nonexistent:/usr/bin:/bin", NULL };
	struct pe_error err;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		pe_error_clear(&err);
		pe_exec_command(argv, envp, &err);
		_exit(err.kind == PE_ERR_NOT_FOUND ? 127 : 126);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_exec_search(void **state)
{
	char *found[] = { "true", NULL };
	char *missing[] = { "no-such-command-pe-unit", NULL };
	char *missing_path[] = { "/no/such/file", NULL };
	char *not_executable[] = { "/etc/hostname", NULL };

	(void)state;
	assert_int_equal(exec_kind(found), 0);
	assert_int_equal(exec_kind(missing), 127);
	assert_int_equal(exec_kind(missing_path), 127);
	assert_int_equal(exec_kind(not_executable), 126);
}

static void test_close_fds(void **state)
{
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	int high = dup2(fd, 200);

	(void)state;
	assert_true(fd >= 3);
	assert_int_equal(high, 200);
	assert_int_equal(pe_close_fds_from(3), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(fcntl(200, F_GETFD), -1);
	assert_true(fcntl(2, F_GETFD) >= 0);
}

static void test_chdir_checked(void **state)
{
	struct pe_error err;
	char cwd[4096];

	(void)state;
	pe_error_clear(&err);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(pe_chdir_checked("/", &err), 0);
	assert_int_equal(pe_chdir_checked("/nonexistent-pe-unit", &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(chdir(cwd), 0);
}

/* Pinning this very process: alive, same start time; a wrong start time
 * (a PID reused since lookup) is refused as STALE. */
static void test_pin_self(void **state)
{
	struct pe_hostroot hr;
	struct pe_container c = { 0 };
	struct pe_pin pin;
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_hostroot_open(&hr, "/", &err), 0);
	c.pid = getpid();
	pe_verify_pid(&hr, &c);
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	assert_int_equal(pe_pin_target(&hr, &c, &pin, &err), 0);
	assert_true(pin.procfd >= 0);
	assert_int_equal(pe_pin_check_alive(&pin, &err), 0);
	/* every namespace is shared with ourselves: nothing to join */
	assert_int_equal(pe_ns_drop_shared(&pin, PE_NS_ALL), 0);
	pe_pin_release(&pin);
	assert_int_equal(pin.pidfd, -1);
	assert_int_equal(pin.procfd, -1);

	c.start_time += 1;
	assert_int_equal(pe_pin_target(&hr, &c, &pin, &err), -1);
	assert_int_equal(err.kind, PE_ERR_STALE);
	assert_non_null(strstr(err.msg, "same PID"));
	assert_int_equal(pin.pidfd, -1);
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
}

static void test_join_refuses_user(void **state)
{
	struct pe_pin pin;
	struct pe_error err;

	(void)state;
	pe_pin_init(&pin);
	pe_error_clear(&err);
	assert_int_equal(pe_ns_join(&pin, PE_NS_BIT(PE_NS_USER), NULL, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
}

/* A guard entry of g, or NULL */
static const struct pe_proc_guard_entry *
guard_find(const struct pe_proc_guard *g, const char *path)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (strcmp(g->entry[i].path, path) == 0)
			return &g->entry[i];
	return NULL;
}

/* pe_proc_guard_read() over a directory standing in for /proc/PID */
static int guard_of(const char *mountinfo, struct pe_proc_guard *g)
{
	char dir[] = "/tmp/podenter-guard.XXXXXX", path[64];
	struct pe_error err;
	FILE *f;
	int fd, rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mountinfo", dir);
	if (mountinfo) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(mountinfo, f);
		fclose(f);
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	pe_error_clear(&err);
	rc = pe_proc_guard_read(fd, g, &err);
	close(fd);
	unlink(path);
	rmdir(dir);
	return rc;
}

/* What a runc container's mount table says is guarded, and what is not. */
static void test_proc_guard_from_mountinfo(void **state)
{
	static const char runc[] =
	    "1234 1200 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l\n"
	    "1235 1234 0:52 / /proc rw,nosuid,nodev,noexec,relatime - proc "
	    "proc rw\n"
	    "1236 1234 0:53 / /dev rw,nosuid - tmpfs tmpfs rw,mode=755\n"
	    "1240 1234 0:55 / /sys ro,nosuid,nodev,noexec,relatime - sysfs "
	    "sysfs ro\n"
	    "1250 1235 0:52 /bus /proc/bus ro,nosuid,relatime - proc proc rw\n"
	    "1251 1235 0:52 /sys /proc/sys ro,relatime - proc proc rw\n"
	    "1252 1235 0:53 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw\n"
	    "1253 1235 0:60 / /proc/acpi ro,relatime - tmpfs tmpfs ro\n"
	    "1254 1235 0:53 /null /proc/my\\040file rw,nosuid - devtmpfs udev "
	    "rw\n"
	    "1255 1240 0:61 / /sys/firmware ro,relatime - tmpfs tmpfs ro\n"
	    "1262 1234 0:67 / /etc/app ro - tmpfs tmpfs ro\n"
	    "1256 1240 0:62 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro\n"
	    "1257 1256 0:63 / /sys/fs/cgroup/cpu ro - cgroup cgroup ro,cpu\n"
	    "1258 1235 0:52 /pressure /proc/pressure ro,relatime shared:5 - "
	    "proc proc rw\n"
	    "1259 1235 0:64 / /proc/sys/fs/binfmt_misc rw - binfmt_misc b rw\n"
	    "1260 1234 0:65 / /processes ro - tmpfs tmpfs ro\n"
	    "1261 1235 0:66 / /proc/tty/driver ro - tmpfs tmpfs ro\n";
	struct pe_proc_guard g, defaults;
	const struct pe_proc_guard_entry *e;

	(void)state;
	pe_proc_guard_defaults(&defaults);
	/* kubelet's lists */
	assert_non_null((e = guard_find(&defaults, "proc/sys")));
	assert_false(e->mask);
	assert_non_null((e = guard_find(&defaults, "proc/sysrq-trigger")));
	assert_false(e->mask);
	assert_non_null((e = guard_find(&defaults, "proc/kcore")));
	assert_true(e->mask);
	assert_non_null(
	    (e = guard_find(&defaults, "sys/devices/virtual/powercap")));
	assert_true(e->mask);
	assert_int_equal(defaults.n, 16);

	assert_int_equal(guard_of(runc, &g), 0);
	assert_false(g.proc_readonly);
	/* the target's own, beyond the defaults */
	assert_non_null((e = guard_find(&g, "proc/pressure")));
	assert_false(e->mask);
	assert_non_null((e = guard_find(&g, "proc/my file")));
	assert_true(e->mask);
	assert_non_null((e = guard_find(&g, "proc/tty/driver")));
	assert_true(e->mask);
	/* not guards: other file systems, paths outside /proc and /sys, the
	 * trees themselves */
	assert_null(guard_find(&g, "sys/fs/cgroup/cpu"));
	/* a read-only tmpfs with mounts below it is not an (empty) mask */
	assert_null(guard_find(&g, "sys/fs/cgroup"));
	assert_null(guard_find(&g, "proc/sys/fs/binfmt_misc"));
	assert_null(guard_find(&g, "etc/app"));
	assert_null(guard_find(&g, "processes"));
	assert_null(guard_find(&g, "sys"));
	assert_null(guard_find(&g, "proc"));
	assert_int_equal(g.n, defaults.n + 3);

	/* a read-only /proc as a whole */
	assert_int_equal(
	    guard_of("1 0 0:52 / /proc ro,nosuid - proc proc rw\n", &g), 0);
	assert_true(g.proc_readonly);
	/* a table that cannot be read is an error, never "no guards" */
	assert_int_equal(guard_of(NULL, &g), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_and_default_set),
		cmocka_unit_test(test_proc_guard_from_mountinfo),
		cmocka_unit_test(test_env_allowlist),
		cmocka_unit_test(test_env_from_target),
		cmocka_unit_test(test_identity_of_self),
		cmocka_unit_test(test_exec_search),
		cmocka_unit_test(test_close_fds),
		cmocka_unit_test(test_chdir_checked),
		cmocka_unit_test(test_pin_self),
		cmocka_unit_test(test_join_refuses_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
