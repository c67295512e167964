/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run inside a debug session: call system calls with harmless bad arguments
 * and print what each returned, so a test can tell a seccomp EPERM from the
 * kernel's own EBADF/EINVAL/EFAULT. No call here can change anything when
 * it is allowed: the arguments are invalid on purpose.
 *
 *   try-syscall [NAME...]     (no NAME: every probe)
 *   prints "NAME RESULT" per line, RESULT being ok or an errno name
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise 440
#endif
#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd 443
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef __NR_mseal
#define __NR_mseal 462
#endif
#define AF_ALG_FAMILY 38
#define AF_VSOCK_FAMILY 40

static long probe_tiocsti(void)
{
	char c = 'x';

	return syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI, &c);
}

/* the kernel truncates the request to 32 bits; a filter that compares all
 * 64 lets this through (CVE-2019-10063) */
static long probe_tiocsti_high(void)
{
	char c = 'x';

	return syscall(SYS_ioctl, -1, (1ul << 32) | TIOCSTI, &c);
}

static long probe_tioclinux(void)
{
	char c = 0;

	return syscall(SYS_ioctl, -1, (unsigned long)TIOCLINUX, &c);
}

static long probe_tioclinux_high(void)
{
	char c = 0;

	return syscall(SYS_ioctl, -1, (0xdeadul << 32) | TIOCLINUX, &c);
}

/* a request that must stay allowed */
static long probe_tiocgwinsz(void)
{
	struct winsize ws;

	return syscall(SYS_ioctl, -1, (unsigned long)TIOCGWINSZ, &ws);
}

static long probe_mount(void)
{
	return syscall(SYS_mount, NULL, NULL, NULL, 0, NULL);
}

static long probe_umount2(void)
{
	return syscall(SYS_umount2, NULL, 0);
}

static long probe_setns(void)
{
	return syscall(SYS_setns, -1, 0);
}

static long probe_unshare(void)
{
	return syscall(SYS_unshare, 0x1); /* not a valid unshare flag */
}

static long probe_clone_newuser(void)
{
	/* CLONE_NEWUSER with CLONE_FS is always EINVAL to the kernel */
	return syscall(SYS_clone, CLONE_NEWUSER | CLONE_FS | SIGCHLD, 0, 0, 0,
		       0);
}

static long probe_clone3(void)
{
	return syscall(__NR_clone3, NULL, 0);
}

static long probe_ptrace(void)
{
	return syscall(SYS_ptrace, 0x4200 /* not a request */, 0, 0, 0);
}

static long probe_keyctl(void)
{
	return syscall(SYS_keyctl, 0xffff, 0, 0, 0, 0);
}

static long probe_add_key(void)
{
	return syscall(SYS_add_key, NULL, NULL, NULL, 0, 0);
}

static long probe_perf_event_open(void)
{
	return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}

static long probe_userfaultfd(void)
{
	return syscall(SYS_userfaultfd, ~0);
}

static long probe_io_uring_setup(void)
{
	return syscall(__NR_io_uring_setup, 0, NULL);
}

static long probe_open_tree(void)
{
	return syscall(__NR_open_tree, -1, NULL, ~0u);
}

static long probe_getppid(void)
{
	return syscall(SYS_getppid);
}

/* a number no kernel has yet: ENOSYS from the kernel when allowed */
static long probe_unknown(void)
{
	return syscall(1000, 0, 0, 0);
}

static long probe_kexec_load(void)
{
	return syscall(SYS_kexec_load, 0, 0, NULL, ~0ul);
}

static long probe_open_by_handle_at(void)
{
	return syscall(SYS_open_by_handle_at, -1, NULL, 0);
}

static long probe_lookup_dcookie(void)
{
	return syscall(SYS_lookup_dcookie, 0, NULL, 0);
}

/* never implemented: ENOSYS when allowed */
static long probe_vserver(void)
{
	return syscall(SYS_vserver);
}

/* newer than libseccomp 2.5.4's table (Linux 6.8, 6.10) */
static long probe_statmount(void)
{
	return syscall(__NR_statmount, NULL, NULL, 0, ~0u);
}

static long probe_mseal(void)
{
	return syscall(__NR_mseal, 0, 0, ~0ul);
}

static long probe_quotactl_fd(void)
{
	return syscall(__NR_quotactl_fd, -1, 0, 0, NULL);
}

static long probe_process_madvise(void)
{
	return syscall(__NR_process_madvise, -1, NULL, 0, 0, 0);
}

static long probe_pidfd_getfd(void)
{
	return syscall(__NR_pidfd_getfd, -1, 0, 0);
}

/* PER_BSD, a value the profile does not allow; when allowed it changes
 * only this probe's personality, and is put back at once */
static long probe_personality_bsd(void)
{
	long r = syscall(SYS_personality, 0x0006ul);

	if (r >= 0)
		syscall(SYS_personality, (unsigned long)r);
	return r;
}

static long probe_personality_query(void)
{
	return syscall(SYS_personality, 0xfffffffful);
}

static long socket_probe(unsigned long family, int type)
{
	long fd = syscall(SYS_socket, family, type, 0);

	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long probe_socket_alg(void)
{
	return socket_probe(AF_ALG_FAMILY, 5 /* SOCK_SEQPACKET */);
}

/* the kernel reads the family as an int: (1 << 32) | AF_ALG is AF_ALG */
static long probe_socket_alg_high(void)
{
	return socket_probe((1ul << 32) | AF_ALG_FAMILY, 5);
}

static long probe_socket_vsock(void)
{
	return socket_probe(AF_VSOCK_FAMILY, 1 /* SOCK_STREAM */);
}

static long probe_socket_unix(void)
{
	return socket_probe(1 /* AF_UNIX */, 1);
}

#if defined(__x86_64__)
/* 32-bit system calls from this 64-bit process (needs IA32 emulation):
 * the filter's x86 part must be the same allowlist */
static long int80(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static long probe_x86_getpid(void)
{
	return int80(20, 0, 0);
}

static long probe_x86_unknown(void)
{
	return int80(1000, 0, 0);
}

static long probe_x86_kexec_load(void)
{
	return int80(283, 0, 0);
}

static long probe_x86_tiocsti(void)
{
	return int80(54 /* ioctl */, -1, TIOCSTI);
}
#endif

static const struct {
	const char *name;
	long (*fn)(void);
} probes[] = {
	{ "tiocsti", probe_tiocsti },
	{ "tiocsti-high", probe_tiocsti_high },
	{ "tioclinux", probe_tioclinux },
	{ "tioclinux-high", probe_tioclinux_high },
	{ "tiocgwinsz", probe_tiocgwinsz },
	{ "mount", probe_mount },
	{ "umount2", probe_umount2 },
	{ "setns", probe_setns },
	{ "unshare", probe_unshare },
	{ "clone-newuser", probe_clone_newuser },
	{ "clone3", probe_clone3 },
	{ "ptrace", probe_ptrace },
	{ "keyctl", probe_keyctl },
	{ "add_key", probe_add_key },
	{ "perf_event_open", probe_perf_event_open },
	{ "userfaultfd", probe_userfaultfd },
	{ "io_uring_setup", probe_io_uring_setup },
	{ "open_tree", probe_open_tree },
	{ "getppid", probe_getppid },
	{ "unknown", probe_unknown },
	{ "kexec_load", probe_kexec_load },
	{ "open_by_handle_at", probe_open_by_handle_at },
	{ "lookup_dcookie", probe_lookup_dcookie },
	{ "vserver", probe_vserver },
	{ "statmount", probe_statmount },
	{ "mseal", probe_mseal },
	{ "quotactl_fd", probe_quotactl_fd },
	{ "process_madvise", probe_process_madvise },
	{ "pidfd_getfd", probe_pidfd_getfd },
	{ "personality-bsd", probe_personality_bsd },
	{ "personality-query", probe_personality_query },
	{ "socket-alg", probe_socket_alg },
	{ "socket-alg-high", probe_socket_alg_high },
	{ "socket-vsock", probe_socket_vsock },
	{ "socket-unix", probe_socket_unix },
#if defined(__x86_64__)
	{ "x86-getpid", probe_x86_getpid },
	{ "x86-unknown", probe_x86_unknown },
	{ "x86-kexec_load", probe_x86_kexec_load },
	{ "x86-tiocsti", probe_x86_tiocsti },
#endif
};

#if defined(__x86_64__)
/* Does int $0x80 work here? A kernel without IA32 emulation (or a VM
 * whose host refuses it) kills the caller with SIGSEGV instead of
 * answering, so the first try is made in a child. */
static bool ia32_answers(void)
{
	static int known = -1;
	int status;
	pid_t pid;

	if (known >= 0)
		return known;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(int80(20, 0, 0) == getpid() ? 0 : 1);
	known = pid > 0 && waitpid(pid, &status, 0) == pid &&
		WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return known;
}
#endif

static void run(size_t i)
{
	long r;

#if defined(__x86_64__)
	/* no 32-bit calls to probe: the x86 probes print nothing */
	if (strncmp(probes[i].name, "x86-", 4) == 0 && !ia32_answers())
		return;
#endif
	errno = 0;
	r = probes[i].fn();
	if (r >= 0)
		printf("%s ok\n", probes[i].name);
	else
		printf("%s %s\n", probes[i].name,
		       strerrorname_np(errno) ? strerrorname_np(errno)
					      : "unknown");
	/* line by line: a probe the kernel kills (int $0x80 without IA32
	 * emulation) loses nothing printed before it */
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t n = sizeof(probes) / sizeof(probes[0]);

	if (argc < 2) {
		for (size_t i = 0; i < n; i++)
			run(i);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i;

		for (i = 0; i < n && strcmp(probes[i].name, argv[a]) != 0; i++)
			;
		if (i == n) {
			fprintf(stderr, "try-syscall: no probe '%s'\n",
				argv[a]);
			return 2;
		}
		run(i);
	}
	return 0;
}
