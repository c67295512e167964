/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles, capability names, and seccomp filters: parsed, and loaded for
 * real in forked children to see what the kernel then answers.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/sandbox.h"

static void profiles_parse_and_name(void **state)
{
	struct pe_error err;
	enum pe_profile p;

	(void)state;
	for (int i = 0; i < PE_PROFILE_COUNT; i++) {
		assert_int_equal(
		    pe_profile_parse(pe_profile_name((enum pe_profile)i), &p,
				     &err),
		    0);
		assert_int_equal(p, i);
	}
	pe_error_clear(&err);
	assert_int_equal(pe_profile_parse("privileged", &p, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, "privileged"));
	assert_non_null(strstr(err.hint, "netadmin"));
}

static void profiles_mean_what_the_readme_says(void **state)
{
	struct pe_sandbox sb;

	(void)state;
	pe_sandbox_init(&sb, PE_PROFILE_GENERAL);
	assert_true(sb.caps & PE_CAP_BIT(CAP_SYS_PTRACE));
	assert_true(sb.caps & PE_CAP_BIT(CAP_NET_RAW));
	assert_false(sb.caps & PE_CAP_BIT(CAP_SYS_ADMIN));
	assert_false(sb.caps & PE_CAP_BIT(CAP_NET_ADMIN));
	assert_true(sb.no_new_privs);
	assert_int_equal(sb.seccomp, PE_SECCOMP_RUNTIME_DEFAULT);
	assert_int_equal(sb.ambient, 0);

	pe_sandbox_init(&sb, PE_PROFILE_BASELINE);
	assert_false(sb.caps & PE_CAP_BIT(CAP_SYS_PTRACE));
	assert_true(sb.caps & PE_CAP_BIT(CAP_CHOWN));

	pe_sandbox_init(&sb, PE_PROFILE_RESTRICTED);
	assert_int_equal(sb.caps, 0);
	assert_true(sb.run_as_nonroot);
	assert_true(sb.no_new_privs);

	pe_sandbox_init(&sb, PE_PROFILE_NETADMIN);
	assert_true(sb.caps & PE_CAP_BIT(CAP_NET_ADMIN));
	assert_int_equal(sb.ambient,
			 PE_CAP_BIT(CAP_NET_ADMIN) | PE_CAP_BIT(CAP_NET_RAW));

	pe_sandbox_init(&sb, PE_PROFILE_SYSADMIN);
	assert_int_equal(sb.caps, pe_capset_all());
	assert_false(sb.no_new_privs);
	assert_int_equal(sb.seccomp, PE_SECCOMP_UNCONFINED);
}

static void capability_names(void **state)
{
	struct pe_error err;
	pe_capset s;
	char buf[256];

	(void)state;
	assert_int_equal(pe_cap_parse("NET_ADMIN", &s, &err), 0);
	assert_int_equal(s, PE_CAP_BIT(CAP_NET_ADMIN));
	assert_int_equal(pe_cap_parse("cap_sys_ptrace", &s, &err), 0);
	assert_int_equal(s, PE_CAP_BIT(CAP_SYS_PTRACE));
	assert_int_equal(pe_cap_parse("Net_Raw", &s, &err), 0);
	assert_int_equal(s, PE_CAP_BIT(CAP_NET_RAW));
	assert_int_equal(pe_cap_parse("all", &s, &err), 0);
	assert_int_equal(s, pe_capset_all());
	assert_int_equal(pe_cap_parse("NET_ADMN", &s, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_int_equal(pe_cap_parse("", &s, &err), -1);
	assert_int_equal(pe_cap_parse("cap_", &s, &err), -1);
	assert_int_equal(pe_cap_parse("99", &s, &err), -1);
	assert_int_equal(pe_cap_parse_list("NET_ADMIN,SYS_PTRACE", &s, &err),
			 0);
	assert_int_equal(s, PE_CAP_BIT(CAP_NET_ADMIN) |
				PE_CAP_BIT(CAP_SYS_PTRACE));
	assert_int_equal(pe_cap_parse_list("NET_ADMIN,bogus", &s, &err), -1);
	assert_non_null(strstr(err.msg, "bogus"));
	pe_capset_format(PE_CAP_BIT(CAP_CHOWN) | PE_CAP_BIT(CAP_KILL), buf,
			 sizeof(buf));
	assert_string_equal(buf, "CAP_CHOWN,CAP_KILL");
	pe_capset_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void cap_add_and_drop(void **state)
{
	struct pe_sandbox sb;

	(void)state;
	pe_sandbox_init(&sb, PE_PROFILE_NETADMIN);
	pe_sandbox_cap_add(&sb, PE_CAP_BIT(CAP_SYS_ADMIN));
	assert_true(sb.caps & PE_CAP_BIT(CAP_SYS_ADMIN));
	pe_sandbox_cap_drop(&sb, PE_CAP_BIT(CAP_NET_RAW));
	assert_false(sb.caps & PE_CAP_BIT(CAP_NET_RAW));
	assert_false(sb.ambient & PE_CAP_BIT(CAP_NET_RAW));
	assert_true(sb.ambient & PE_CAP_BIT(CAP_NET_ADMIN));
}

/* --- filters, loaded for real in a child --------------------------------- */

/* Run fn in a child with the filter loaded; returns fn's exit code. */
static int in_child_with(void *filter, int (*fn)(void))
{
	struct pe_sandbox sb;
	struct pe_error err;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		memset(&sb, 0, sizeof(sb));
		sb.seccomp = PE_SECCOMP_RUNTIME_DEFAULT;
		sb.filter = filter;
		sb.no_new_privs = true;
		if (pe_sandbox_set_no_new_privs(&sb, &err) < 0 ||
		    pe_sandbox_load_seccomp(&sb, &err) < 0)
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int errno_of(long r)
{
	return r < 0 ? errno : 0;
}

static int tiocsti_checks(void)
{
	char c = 'x';
	struct winsize ws;

	if (errno_of(syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI, &c)) !=
	    EPERM)
		return 1;
	if (errno_of(syscall(SYS_ioctl, -1, (1ul << 32) | TIOCSTI, &c)) !=
	    EPERM)
		return 2;
	if (errno_of(syscall(SYS_ioctl, -1, (unsigned long)TIOCLINUX, &c)) !=
	    EPERM)
		return 3;
	/* other ioctls still reach the kernel */
	if (errno_of(syscall(SYS_ioctl, -1, (unsigned long)TIOCGWINSZ, &ws)) !=
	    EBADF)
		return 4;
	/* namespace changes without SYS_ADMIN */
	if (errno_of(syscall(SYS_setns, -1, 0)) != EPERM)
		return 5;
	if (errno_of(syscall(SYS_unshare, 0x1)) != EPERM)
		return 6;
	if (errno_of(syscall(SYS_keyctl, 0xffff, 0, 0, 0, 0)) != EPERM)
		return 7;
	if (errno_of(syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0,
			     0, 0, 0)) != EPERM)
		return 8;
	/* an ordinary fork still works */
	{
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p)
			return 9;
	}
	return 0;
}

static void runtime_default_denies_tiocsti_and_namespaces(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	assert_int_equal(pe_seccomp_runtime_default(PE_CAP_BIT(CAP_SYS_PTRACE),
						    &filter, &err),
			 0);
	assert_int_equal(in_child_with(filter, tiocsti_checks), 0);
	pe_seccomp_filter_free(filter);
}

static int ptrace_allowed(void)
{
	/* ESRCH: the kernel looked, so the filter let it through */
	return errno_of(syscall(SYS_ptrace, 0x4200, 0, 0, 0)) == ESRCH ? 0 : 1;
}

static int ptrace_denied(void)
{
	return errno_of(syscall(SYS_ptrace, 0x4200, 0, 0, 0)) == EPERM ? 0 : 1;
}

static void runtime_default_follows_capabilities(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	assert_int_equal(pe_seccomp_runtime_default(PE_CAP_BIT(CAP_SYS_PTRACE),
						    &filter, &err),
			 0);
	assert_int_equal(in_child_with(filter, ptrace_allowed), 0);
	pe_seccomp_filter_free(filter);
	assert_int_equal(pe_seccomp_runtime_default(0, &filter, &err), 0);
	assert_int_equal(in_child_with(filter, ptrace_denied), 0);
	pe_seccomp_filter_free(filter);
}

static const char oci_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
    "\"syscalls\":["
    " {\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\","
    "  \"errnoRet\":38},"
    " {\"names\":[\"ioctl\"],\"action\":\"SCMP_ACT_ERRNO\","
    "  \"args\":[{\"index\":1,\"value\":4294967295,\"valueTwo\":21522,"
    "            \"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
    " {\"names\":[\"no_such_call_anywhere\"],\"action\":\"SCMP_ACT_ERRNO\"},"
    " {\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\","
    "  \"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
    " {\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ERRNO\","
    "  \"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}"
    "]}";

static int oci_checks(void)
{
	char c = 'x';

	if (errno_of(syscall(SYS_getppid)) != ENOSYS)
		return 1;
	/* 21522 is TIOCSTI; the masked compare catches the high bits too */
	if (errno_of(syscall(SYS_ioctl, -1, (1ul << 40) | TIOCSTI, &c)) !=
	    EPERM)
		return 2;
	/* includes.caps SYS_ADMIN: not held, rule left out */
	if (errno_of(syscall(SYS_getpid)) != 0)
		return 3;
	/* excludes.caps SYS_ADMIN: not held, rule applies (default EPERM) */
	if (errno_of(syscall(SYS_getuid)) != EPERM)
		return 4;
	return 0;
}

static void oci_profile_loads_and_applies(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_seccomp_from_json(oci_profile, "test.json",
					      PE_CAP_BIT(CAP_CHOWN), &filter,
					      &err),
			 0);
	assert_int_equal(in_child_with(filter, oci_checks), 0);
	pe_seccomp_filter_free(filter);
}

static const char docker_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
    "  \"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
    " {\"architecture\":\"SCMP_ARCH_AARCH64\","
    "  \"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
    "\"syscalls\":["
    /* what the C library and a sanitizer runtime may call on the way */
    " {\"names\":[\"exit\",\"exit_group\",\"getpid\",\"write\","
    "  \"writev\",\"rt_sigreturn\",\"brk\",\"mmap\",\"munmap\","
    "  \"mprotect\",\"madvise\",\"sigaltstack\",\"gettid\","
    "  \"rt_sigprocmask\",\"rt_sigaction\",\"futex\",\"tgkill\","
    "  \"read\",\"close\",\"openat\",\"prctl\",\"sched_yield\","
    "  \"clock_gettime\",\"getrlimit\",\"prlimit64\"],"
    "  \"action\":\"SCMP_ACT_ALLOW\"},"
    " {\"name\":\"getppid\",\"action\":\"SCMP_ACT_ALLOW\"},"
    " {\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ALLOW\","
    "  \"includes\":{\"arches\":[\"s390x\"]}}"
    "]}";

static int docker_checks(void)
{
	if (errno_of(syscall(SYS_getpid)) != 0)
		return 1;
	if (errno_of(syscall(SYS_getppid)) != 0)
		return 2;
	/* the allowlist's default, and an arch-conditional rule left out */
	if (errno_of(syscall(SYS_getuid)) != EPERM)
		return 3;
	if (errno_of(syscall(SYS_getgid)) != EPERM)
		return 4;
	return 0;
}

static void docker_profile_loads_and_applies(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_seccomp_from_json(docker_profile, "docker.json", 0,
					      &filter, &err),
			 0);
	assert_int_equal(in_child_with(filter, docker_checks), 0);
	pe_seccomp_filter_free(filter);
}

static void bad_profiles_are_refused_with_a_reason(void **state)
{
	static const struct {
		const char *json;
		const char *says;
	} bad[] = {
		{ "", "not valid JSON" },
		{ "{\"defaultAction\":", "not valid JSON" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\"} x",
		  "not valid JSON" },
		{ "[]", "not a JSON object" },
		{ "{}", "defaultAction" },
		{ "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
		  "unsupported action" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/"
		  "x\"}",
		  "listenerPath" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}",
		  "must be a list" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		  "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		  "\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]"
		  "}]}",
		  "index out of range" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		  "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		  "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]"
		  "}]}",
		  "unknown comparison SCMP_CMP_XX" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		  "\"action\":\"SCMP_ACT_ERRNO\"}]}",
		  "no \"names\"" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		  "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
		  "\"errnoRet\":\"x\"}]}",
		  "errnoRet" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		  "\"architectures\":[\"SCMP_ARCH_PDP11\"]}",
		  "unknown architecture" },
	};
	struct pe_error err;
	void *filter;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pe_error_clear(&err);
		filter = (void *)1;
		assert_int_equal(pe_seccomp_from_json(bad[i].json, "p.json", 0,
						      &filter, &err),
				 -1);
		assert_null(filter);
		if (!strstr(err.msg, bad[i].says) || !strstr(err.msg, "p.json"))
			fail_msg("input %zu: '%s' does not say '%s'", i,
				 err.msg, bad[i].says);
	}
}

static void prepare_reads_the_file(void **state)
{
	char path[] = "/tmp/test_sandbox.XXXXXX";
	struct pe_sandbox sb;
	struct pe_error err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, oci_profile, strlen(oci_profile)),
			 (ssize_t)strlen(oci_profile));
	close(fd);
	pe_sandbox_init(&sb, PE_PROFILE_BASELINE);
	assert_int_equal(pe_sandbox_set_seccomp(&sb, path, &err), 0);
	assert_int_equal(sb.seccomp, PE_SECCOMP_FILE);
	assert_int_equal(pe_sandbox_prepare(&sb, &err), 0);
	/* built with libseccomp, or the same compiled once and cached */
	assert_true(sb.filter != NULL || sb.bpf != NULL);
	pe_sandbox_release(&sb);
	unlink(path);
	assert_int_equal(pe_sandbox_prepare(&sb, &err), -1);
	assert_non_null(strstr(err.msg, path));

	assert_int_equal(pe_sandbox_set_seccomp(&sb, "unconfined", &err), 0);
	assert_int_equal(pe_sandbox_prepare(&sb, &err), 0);
	assert_null(sb.filter);
	assert_null(sb.bpf);
	assert_int_equal(pe_sandbox_set_seccomp(&sb, "", &err), -1);
}

/* Caps applied for real: the bounding set and the effective set are the
 * profile's, and a uid change keeps them through PR_SET_KEEPCAPS. */
static void caps_are_applied(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pe_sandbox sb;
		struct pe_error err;
		cap_t now;
		cap_flag_value_t v;

		pe_sandbox_init(&sb, PE_PROFILE_NETADMIN);
		if (pe_sandbox_drop_bounding(&sb, &err) < 0)
			_exit(1);
		if (setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		if (pe_sandbox_set_caps(&sb, &err) < 0)
			_exit(3);
		if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 ||
		    prctl(PR_CAPBSET_READ, CAP_NET_ADMIN) != 1)
			_exit(4);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0,
			  0) != 1 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0,
			  0) != 0)
			_exit(5);
		now = cap_get_proc();
		cap_get_flag(now, CAP_NET_ADMIN, CAP_EFFECTIVE, &v);
		if (v != CAP_SET)
			_exit(6);
		cap_get_flag(now, CAP_SYS_PTRACE, CAP_PERMITTED, &v);
		if (v != CAP_CLEAR)
			_exit(7);
		cap_get_flag(now, CAP_CHOWN, CAP_INHERITABLE, &v);
		if (v != CAP_CLEAR)
			_exit(8);
		cap_free(now);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* --follow-context writes only through a procfs that is one, at its root;
 * unconfined targets and machines without an LSM need nothing. */
static void exec_label_needs_a_real_procfs(void **state)
{
	char dir[] = "/tmp/test_sandbox_lsm.XXXXXX", path[256], label[64];
	struct pe_error err;
	int tmpfd, procfd, selffd;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/attr", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/attr/current", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("cri-containerd.apparmor.d (enforce)\n", f);
	fclose(f);
	tmpfd = open(dir, O_RDONLY | O_DIRECTORY);
	procfd = open("/proc", O_RDONLY | O_DIRECTORY);
	selffd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	assert_true(tmpfd >= 0 && procfd >= 0 && selffd >= 0);

	/* a directory posing as /proc (the container's could be anything) */
	pe_error_clear(&err);
	assert_int_equal(
	    pe_sandbox_set_exec_label(tmpfd, tmpfd, label, sizeof(label), &err),
	    -1);
	assert_non_null(strstr(err.msg, "not procfs"));
	/* procfs, but not its root */
	pe_error_clear(&err);
	assert_int_equal(pe_sandbox_set_exec_label(tmpfd, selffd, label,
						   sizeof(label), &err),
			 -1);
	assert_non_null(strstr(err.msg, "not its root"));
	/* the real /proc and a confined target: the write is attempted and
	 * fails here when no LSM takes it (or succeeds where AppArmor runs) */
	pe_error_clear(&err);
	if (pe_sandbox_set_exec_label(tmpfd, procfd, label, sizeof(label),
				      &err) == 0)
		assert_string_equal(label, "cri-containerd.apparmor.d");
	else
		assert_non_null(strstr(err.msg, "cri-containerd.apparmor.d"));
	/* unconfined: nothing to do */
	f = fopen(path, "w");
	fputs("unconfined\n", f);
	fclose(f);
	assert_int_equal(pe_sandbox_set_exec_label(tmpfd, procfd, label,
						   sizeof(label), &err),
			 0);
	assert_string_equal(label, "");
	/* a real process on a machine without an LSM: EINVAL, nothing */
	assert_int_equal(pe_sandbox_set_exec_label(selffd, procfd, label,
						   sizeof(label), &err),
			 0);
	close(tmpfd);
	close(procfd);
	close(selffd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/attr", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(profiles_parse_and_name),
		cmocka_unit_test(profiles_mean_what_the_readme_says),
		cmocka_unit_test(capability_names),
		cmocka_unit_test(cap_add_and_drop),
		cmocka_unit_test(runtime_default_denies_tiocsti_and_namespaces),
		cmocka_unit_test(runtime_default_follows_capabilities),
		cmocka_unit_test(oci_profile_loads_and_applies),
		cmocka_unit_test(docker_profile_loads_and_applies),
		cmocka_unit_test(bad_profiles_are_refused_with_a_reason),
		cmocka_unit_test(prepare_reads_the_file),
		cmocka_unit_test(caps_are_applied),
		cmocka_unit_test(exec_label_needs_a_real_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
