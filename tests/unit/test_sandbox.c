/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles, capability names, and seccomp filters: parsed, and loaded for
 * real in forked children to see what the kernel then answers.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* pidfd_getfd is the profile's CAP_SYS_PTRACE call (ptrace itself is
 * allowed to everyone from Linux 4.8 on, as in the profile) */
static int pidfd_getfd_allowed(void)
{
	/* EBADF: the kernel looked, so the filter let it through */
	return errno_of(syscall(SYS_pidfd_getfd, -1, 0, 0)) == EBADF ? 0 : 1;
}

static int pidfd_getfd_denied(void)
{
	if (errno_of(syscall(SYS_pidfd_getfd, -1, 0, 0)) != EPERM)
		return 1;
	/* ptrace reaches the kernel's own checks (ESRCH: no such tracee) */
	return errno_of(syscall(SYS_ptrace, 0x4200, 0, 0, 0)) == ESRCH ? 0 : 2;
}

static void runtime_default_follows_capabilities(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	assert_int_equal(pe_seccomp_runtime_default(PE_CAP_BIT(CAP_SYS_PTRACE),
						    &filter, &err),
			 0);
	assert_int_equal(in_child_with(filter, pidfd_getfd_allowed), 0);
	pe_seccomp_filter_free(filter);
	assert_int_equal(pe_seccomp_runtime_default(0, &filter, &err), 0);
	assert_int_equal(in_child_with(filter, pidfd_getfd_denied), 0);
	pe_seccomp_filter_free(filter);
}

/* The rule table, read through pe_seccomp_runtime_default_verdict: what the
 * container runtimes' default profile allows, by capability. */
static void runtime_default_table_is_the_runtime_profile(void **state)
{
	static const char *const always[] = {
		"read",
		"write",
		"openat",
		"execve",
		"mmap",
		"futex",
		"epoll_pwait",
		"wait4",
		"rt_sigreturn",
		"exit_group",
		"getdents64",
		"statx",
		"prctl",
		"seccomp",
		"pidfd_open",
		"mmap2",
		"socketcall",
		"chown32",
		"arch_prctl",
		"ptrace",
		"process_vm_readv",
		"name_to_handle_at",
		"fchmodat2",
		"futex_waitv",
		"landlock_create_ruleset",
		"kill",
		"setuid",
		"capset",
		"rseq",
	};
	static const char *const never[] = {
		"kexec_load",	  "kexec_file_load", "add_key",
		"keyctl",	  "request_key",     "userfaultfd",
		"io_uring_setup", "io_uring_enter",  "io_uring_register",
		"nfsservctl",	  "uselib",	     "ustat",
		"sysfs",	  "_sysctl",	     "vm86",
		"create_module",  "get_kernel_syms", "query_module",
		"swapon",	  "swapoff",	     "pivot_root",
		"afs_syscall",	  "no_such_call",    "",
	};
	static const struct {
		const char *name;
		int cap;
	} by_cap[] = {
		{ "mount", CAP_SYS_ADMIN },
		{ "umount2", CAP_SYS_ADMIN },
		{ "setns", CAP_SYS_ADMIN },
		{ "unshare", CAP_SYS_ADMIN },
		{ "fsopen", CAP_SYS_ADMIN },
		{ "open_tree", CAP_SYS_ADMIN },
		{ "move_mount", CAP_SYS_ADMIN },
		{ "mount_setattr", CAP_SYS_ADMIN },
		{ "lookup_dcookie", CAP_SYS_ADMIN },
		{ "quotactl_fd", CAP_SYS_ADMIN },
		{ "sethostname", CAP_SYS_ADMIN },
		{ "bpf", CAP_SYS_ADMIN },
		{ "bpf", CAP_BPF },
		{ "perf_event_open", CAP_SYS_ADMIN },
		{ "perf_event_open", CAP_PERFMON },
		{ "syslog", CAP_SYSLOG },
		{ "open_by_handle_at", CAP_DAC_READ_SEARCH },
		{ "kcmp", CAP_SYS_PTRACE },
		{ "pidfd_getfd", CAP_SYS_PTRACE },
		{ "process_madvise", CAP_SYS_PTRACE },
		{ "reboot", CAP_SYS_BOOT },
		{ "chroot", CAP_SYS_CHROOT },
		{ "init_module", CAP_SYS_MODULE },
		{ "finit_module", CAP_SYS_MODULE },
		{ "acct", CAP_SYS_PACCT },
		{ "ioperm", CAP_SYS_RAWIO },
		{ "settimeofday", CAP_SYS_TIME },
		{ "clock_settime", CAP_SYS_TIME },
		{ "vhangup", CAP_SYS_TTY_CONFIG },
		{ "mbind", CAP_SYS_NICE },
	};
	const pe_capset all = pe_capset_all();

	(void)state;
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		if (pe_seccomp_runtime_default_verdict(always[i], 0) !=
		    PE_SYSCALL_ALLOWED)
			fail_msg("%s should be allowed", always[i]);
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (pe_seccomp_runtime_default_verdict(never[i], all) !=
		    PE_SYSCALL_DENIED)
			fail_msg("%s should be denied, even with every "
				 "capability",
				 never[i]);
	}
	for (size_t i = 0; i < sizeof(by_cap) / sizeof(by_cap[0]); i++) {
		pe_capset cap = PE_CAP_BIT(by_cap[i].cap);

		if (pe_seccomp_runtime_default_verdict(
			by_cap[i].name, all & ~cap) != PE_SYSCALL_DENIED &&
		    /* the calls two capabilities each allow */
		    strcmp(by_cap[i].name, "bpf") != 0 &&
		    strcmp(by_cap[i].name, "perf_event_open") != 0 &&
		    strcmp(by_cap[i].name, "syslog") != 0)
			fail_msg("%s should need capability %d", by_cap[i].name,
				 by_cap[i].cap);
		if (pe_seccomp_runtime_default_verdict(by_cap[i].name, cap) !=
		    PE_SYSCALL_ALLOWED)
			fail_msg("%s should be allowed with capability %d",
				 by_cap[i].name, by_cap[i].cap);
		if (pe_seccomp_runtime_default_verdict(by_cap[i].name, 0) !=
		    PE_SYSCALL_DENIED)
			fail_msg("%s should be denied without capabilities",
				 by_cap[i].name);
	}
	/* arguments decide */
	assert_int_equal(pe_seccomp_runtime_default_verdict("ioctl", all),
			 PE_SYSCALL_SOME_ARGS);
	assert_int_equal(pe_seccomp_runtime_default_verdict("socket", 0),
			 PE_SYSCALL_SOME_ARGS);
	assert_int_equal(pe_seccomp_runtime_default_verdict("personality", 0),
			 PE_SYSCALL_SOME_ARGS);
	assert_int_equal(pe_seccomp_runtime_default_verdict("clone", 0),
			 PE_SYSCALL_SOME_ARGS);
	assert_int_equal(pe_seccomp_runtime_default_verdict(
			     "clone", PE_CAP_BIT(CAP_SYS_ADMIN)),
			 PE_SYSCALL_ALLOWED);
	/* clone3 hides its flags: ENOSYS so libc falls back to clone */
	assert_int_equal(pe_seccomp_runtime_default_verdict("clone3", 0),
			 PE_SYSCALL_ENOSYS);
	assert_int_equal(pe_seccomp_runtime_default_verdict(
			     "clone3", PE_CAP_BIT(CAP_SYS_ADMIN)),
			 PE_SYSCALL_ALLOWED);
}

#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

/* What a session under runtime-default gets from the kernel for calls the
 * profile does not allow. Each returns its step number on failure. */
static int allowlist_checks(void)
{
	static const long denied[] = {
		1000, /* a number no kernel has yet */
		SYS_kexec_load,
		SYS_open_by_handle_at,
		SYS_userfaultfd,
		SYS_perf_event_open,
		SYS_lookup_dcookie,
		SYS_add_key,
		SYS_vserver, /* unimplemented: ENOSYS when allowed */
		SYS_statmount, /* newer than libseccomp 2.5.4's table */
		SYS_mseal,
	};
	char c = 'x';

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		if (errno_of(syscall(denied[i], -1, 0, 0, 0, 0, 0)) != EPERM)
			return 1 + (int)i;
	}
	/* personality: the profile's values only (0xffffffff queries) */
	if (errno_of(syscall(SYS_personality, 0xffffffffUL)) != 0)
		return 20;
	if (errno_of(syscall(SYS_personality, 0x0006UL /* PER_BSD */)) != EPERM)
		return 21;
	/* socket: AF_ALG and AF_VSOCK denied, also with high bits set (the
	 * kernel reads an int); the rest reach the kernel */
	if (errno_of(syscall(SYS_socket, 38 /* AF_ALG */, 5, 0)) != EPERM)
		return 22;
	if (errno_of(syscall(SYS_socket, (1UL << 32) | 38, 5, 0)) != EPERM)
		return 23;
	if (errno_of(syscall(SYS_socket, 40 /* AF_VSOCK */, 1, 0)) != EPERM)
		return 24;
	{
		long fd = syscall(SYS_socket, 1 /* AF_UNIX */, 1, 0);

		if (fd < 0)
			return 25;
		close((int)fd);
	}
	if (errno_of(syscall(SYS_socket, 63, 1, 0)) != EAFNOSUPPORT)
		return 26;
	/* ioctl: TIOCSTI denied on the low 32 bits, its neighbours not */
	if (errno_of(syscall(SYS_ioctl, -1, (1UL << 33) | TIOCSTI, &c)) !=
	    EPERM)
		return 27;
	if (errno_of(syscall(SYS_ioctl, -1, TIOCSTI + 1UL, &c)) != EBADF)
		return 28;
	if (errno_of(syscall(SYS_ioctl, -1, TIOCLINUX - 1UL, &c)) != EBADF)
		return 29;
	if (errno_of(syscall(SYS_ioctl, -1, 0xffffffffUL, &c)) != EBADF)
		return 30;
	return 0;
}

static void runtime_default_is_an_allowlist(void **state)
{
	struct pe_sandbox sb;
	struct pe_error err;
	void *filter;

	(void)state;
	pe_sandbox_init(&sb, PE_PROFILE_GENERAL);
	assert_int_equal(pe_seccomp_runtime_default(sb.caps, &filter, &err), 0);
	assert_int_equal(in_child_with(filter, allowlist_checks), 0);
	pe_seccomp_filter_free(filter);
}

#if defined(__x86_64__)
/* A 32-bit system call from this 64-bit process (int $0x80): the filter's
 * x86 part must be the same allowlist. */
static long int80(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory");
	return ret;
}

static int x86_checks(void)
{
	if (int80(20 /* getpid */, 0, 0) != getpid())
		return 1;
	if (int80(283 /* kexec_load */, 0, 0) != -EPERM)
		return 2;
	if (int80(1000, 0, 0) != -EPERM)
		return 3;
	if (int80(54 /* ioctl */, -1, TIOCSTI) != -EPERM)
		return 4;
	if (int80(54 /* ioctl */, -1, TIOCGWINSZ) != -EBADF)
		return 5;
	return 0;
}

static bool ia32_answers(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(int80(20, 0, 0) == getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void runtime_default_covers_32bit_calls(void **state)
{
	struct pe_error err;
	void *filter;

	(void)state;
	/* a kernel without IA32 emulation has no 32-bit calls to filter;
	 * one whose host refuses them kills the caller, so try in a child */
	if (!ia32_answers())
		skip();
	assert_int_equal(pe_seccomp_runtime_default(0, &filter, &err), 0);
	assert_int_equal(in_child_with(filter, x86_checks), 0);
	pe_seccomp_filter_free(filter);
}
#endif

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

		pe_capset bounding = pe_sandbox_read_bounding();

		pe_sandbox_init(&sb, PE_PROFILE_NETADMIN);
		if (pe_sandbox_drop_bounding(&sb, &bounding, &err) < 0)
			_exit(1);
		/* what it says is left is what the kernel holds */
		if (bounding != pe_sandbox_read_bounding() ||
		    (bounding & ~sb.caps) != 0)
			_exit(6);
		if (setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		if (pe_sandbox_set_caps(&sb, bounding, &err) < 0)
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
		cmocka_unit_test(runtime_default_table_is_the_runtime_profile),
		cmocka_unit_test(runtime_default_is_an_allowlist),
#if defined(__x86_64__)
		cmocka_unit_test(runtime_default_covers_32bit_calls),
#endif
		cmocka_unit_test(oci_profile_loads_and_applies),
		cmocka_unit_test(docker_profile_loads_and_applies),
		cmocka_unit_test(bad_profiles_are_refused_with_a_reason),
		cmocka_unit_test(prepare_reads_the_file),
		cmocka_unit_test(caps_are_applied),
		cmocka_unit_test(exec_label_needs_a_real_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
