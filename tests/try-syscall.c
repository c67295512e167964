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
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
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
};

static void run(size_t i)
{
	long r;

	errno = 0;
	r = probes[i].fn();
	if (r >= 0)
		printf("%s ok\n", probes[i].name);
	else
		printf("%s %s\n", probes[i].name,
		       strerrorname_np(errno) ? strerrorname_np(errno)
					      : "unknown");
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
