/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run a command as if on a kernel without openat2 and the new mount API
 * (Linux < 5.2/5.6, or under a container runtime's seccomp profile that
 * hides them): a seccomp filter makes openat2, open_tree, move_mount,
 * fsopen, fsconfig, fsmount, fspick and mount_setattr fail with ENOSYS,
 * for the command and everything it starts; and madvise(MADV_POPULATE_WRITE)
 * with EINVAL, as before Linux 5.14. podenter's fallbacks (the component
 * walk of pe_open_beneath, mount(2) onto /proc/self/fd/N, pages faulted in
 * one by one: prefault.h) are then what runs; the product has no switch
 * for this.
 *
 *   no-new-api [--openat2-only | --no-procfs-pidns | --no-io-uring]
 *              COMMAND [ARG...]
 *
 * --openat2-only hides openat2 alone: Linux 5.2 to 5.5, which have the new
 * mount API (the views need open_tree) but not openat2.
 *
 * --no-procfs-pidns keeps every call but answers fsconfig(FSCONFIG_SET_FD)
 * with EINVAL, as a procfs without the "pidns" parameter does (Linux before
 * 6.18, where podenter's stage cannot make the pod's procfs from outside and
 * the session's process makes it inside: session.c).
 *
 * --no-io-uring hides io_uring_setup alone, as Docker's default seccomp
 * profile does (podenter run from a container) and as
 * kernel.io_uring_disabled=2 does with EPERM: the session's mount namespace
 * is then torn down by its last process, as before teardown.h.
 *
 * Before exec it checks that each call really answers ENOSYS, and exits
 * 125 if not, so a test can never pass by running the new API after all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/mount.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const hidden[] = {
	"openat2",  "open_tree", "move_mount", "fsopen",
	"fsconfig", "fsmount",	 "fspick",     "mount_setattr",
};
static const char *const io_uring_only[] = { "io_uring_setup" };

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* name answers EINVAL when its arguments match cmp, as an older kernel
 * would; -1 (said on stderr) if the rule cannot be added */
static int refuse_einval(scmp_filter_ctx ctx, const char *name,
			 struct scmp_arg_cmp cmp)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL),
			     seccomp_syscall_resolve_name(name), 1, cmp) < 0) {
		fprintf(stderr, "no-new-api: cannot filter %s\n", name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t nhidden = sizeof(hidden) / sizeof(hidden[0]);
	const char *const *hide = hidden;
	scmp_filter_ctx ctx;

	bool no_pidns = false;

	if (argc > 1 && strcmp(argv[1], "--openat2-only") == 0) {
		nhidden = 1; /* hidden[0] */
		argv++, argc--;
	} else if (argc > 1 && strcmp(argv[1], "--no-io-uring") == 0) {
		hide = io_uring_only;
		nhidden = 1;
		argv++, argc--;
	} else if (argc > 1 && strcmp(argv[1], "--no-procfs-pidns") == 0) {
		nhidden = 0;
		no_pidns = true;
		argv++, argc--;
	}
	if (argc < 2) {
		fprintf(
		    stderr,
		    "usage: no-new-api [--openat2-only | --no-procfs-pidns | "
		    "--no-io-uring] COMMAND [ARG...]\n");
		return 125;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "no-new-api: seccomp_init failed\n");
		return 125;
	}
	for (size_t i = 0; i < nhidden; i++) {
		int nr = seccomp_syscall_resolve_name(hide[i]);

		if (nr == __NR_SCMP_ERROR ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) < 0) {
			fprintf(stderr, "no-new-api: cannot filter %s\n",
				hide[i]);
			return 125;
		}
	}
	/* the whole set only: a kernel without openat2 has no
	 * MADV_POPULATE_WRITE either */
	bool no_populate =
	    hide == hidden && nhidden == sizeof(hidden) / sizeof(hidden[0]);

	if ((no_populate &&
	     refuse_einval(ctx, "madvise",
			   SCMP_A2(SCMP_CMP_EQ, MADV_POPULATE_WRITE, 0)) < 0) ||
	    (no_pidns &&
	     refuse_einval(ctx, "fsconfig",
			   SCMP_A1(SCMP_CMP_EQ, FSCONFIG_SET_FD, 0)) < 0))
		return 125;
	/* seccomp_load sets no_new_privs first (root needs none, but it
	 * keeps the filter loadable without CAP_SYS_ADMIN) */
	if (seccomp_load(ctx) < 0) {
		fprintf(stderr, "no-new-api: loading the filter failed\n");
		return 125;
	}
	seccomp_release(ctx);
	for (size_t i = 0; i < nhidden; i++) {
		long r = syscall(seccomp_syscall_resolve_name(hide[i]), -1,
				 NULL, 0, 0, 0);

		if (r != -1 || errno != ENOSYS) {
			fprintf(stderr, "no-new-api: %s still answers (%s)\n",
				hide[i], r == -1 ? strerror(errno) : "ok");
			return 125;
		}
	}
	if (no_populate &&
	    (madvise(NULL, 0, MADV_POPULATE_WRITE) != -1 || errno != EINVAL)) {
		fprintf(stderr, "no-new-api: madvise(MADV_POPULATE_WRITE) "
				"still answers\n");
		return 125;
	}
	if (no_pidns && (syscall(seccomp_syscall_resolve_name("fsconfig"), -1,
				 FSCONFIG_SET_FD, "pidns", NULL, 0) != -1 ||
			 errno != EINVAL)) {
		fprintf(stderr, "no-new-api: fsconfig(FSCONFIG_SET_FD) still "
				"answers\n");
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-new-api: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
