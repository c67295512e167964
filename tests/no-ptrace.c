/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run a command as on a node whose security module forbids ptrace to it
 * (an AppArmor or SELinux policy, a seccomp profile): a seccomp filter
 * makes ptrace(2) fail with EPERM for the command and everything it
 * starts. harden-ptrace-window.sh uses it to check that podenter then
 * refuses the session rather than run it without its trace guard.
 *
 *   no-ptrace COMMAND [ARG...]
 *
 * Before exec it checks that ptrace really answers EPERM, and exits 125 if
 * not, so a test can never pass with ptrace allowed after all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;

	if (argc < 2) {
		fprintf(stderr, "usage: no-ptrace COMMAND [ARG...]\n");
		return 125;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 0) <
		0 ||
	    seccomp_load(ctx) < 0) {
		fprintf(stderr, "no-ptrace: cannot load the filter\n");
		return 125;
	}
	seccomp_release(ctx);
	/* PTRACE_PEEKUSER of ourselves: ESRCH were it allowed */
	if (ptrace(PTRACE_PEEKUSER, getpid(), NULL, NULL) != -1 ||
	    errno != EPERM) {
		fprintf(stderr, "no-ptrace: ptrace still answers\n");
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-ptrace: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
