/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A private mount namespace holding a view of a container with tools beside
 * it. Nothing built here is ever visible in the host's or the container's
 * mount table: every mount is made after unshare(CLONE_NEWNS) with "/" made
 * recursively private, so when the last process of the session exits (or is
 * killed) the kernel tears the whole view down.
 *
 * Views:
 *   tools      "/" is the tools tree (read-only); the container's root, with
 *              every mount it sees, is at /target (read-only unless rw);
 *              guarded /proc, read-only /sys (see
 *              pe_view_mount_proc_sys), a minimal /dev, the pod's /etc/hosts,
 *              /etc/resolv.conf and /etc/hostname copied in.
 *   merged     "/" is an overlay: the container's root above the tools tree,
 *              writes land in a tmpfs and vanish; the container's submounts
 *              (volumes, secrets) are bound again at the same places.
 *   container  the container's own tree as it is (read-only unless rw),
 *              with the tools tree at /.podenter.
 */
#ifndef PODENTER_VIEW_H
#define PODENTER_VIEW_H

#include <stdbool.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/nsjoin.h"

enum pe_view_kind {
	PE_VIEW_TOOLS = 0,
	PE_VIEW_MERGED,
	PE_VIEW_CONTAINER,
};

/* "tools", "merged", "container" */
const char *pe_view_name(enum pe_view_kind k);
/* Parse a view name; -1 + PE_ERR_USAGE on an unknown one. */
int pe_view_parse(const char *name, enum pe_view_kind *out,
		  struct pe_error *err);

/* Where the tools tree appears in the container view. */
#define PE_VIEW_TOOLS_MOUNT "/.podenter"

struct pe_view_opts {
	enum pe_view_kind kind;
	/* Directory holding the tools tree, as this process sees it now
	 * (before any namespace change). NULL: no tools (only /target). */
	const char *tools_dir;
	/* NULL: all of tools_dir. Else only these paths of it (relative,
	 * NULL-terminated; pe_tools_host_paths for the node's root): the view
	 * builds its tools tree of clones of just these, in a tmpfs of its
	 * own, so nothing else of tools_dir is reachable in the session. */
	const char *const *tools_only;
	/* Writes to the container's files go through (tools and container
	 * views); refused for merged, whose writes always vanish. */
	bool rw;
	/* The pinned target's /proc/PID directory (O_PATH is enough), used
	 * instead of this process's /proc when has_procfd. */
	bool has_procfd;
	int procfd;
};

struct pe_view {
	enum pe_view_kind kind;
	bool rw;
	bool has_tools;
	/* A PATH element the session should append ("" when none). */
	char path_append[64];
	/* How the session's /proc and /sys are guarded (the target's own
	 * masks read from its mount table, never less than kubelet's). */
	struct pe_proc_guard guard;
};

/*
 * In podenter's process, after pinning the target and before joining its
 * other namespaces: unshare a private mount namespace, build the view from
 * the target's mount namespace (reached through /proc/PID of the pinned
 * process; pidfd proves it is still the same process) and move this
 * process's root and cwd into it. The host's file system is unreachable
 * afterwards: open what you need from the host before calling this.
 */
int pe_view_enter(const struct pe_view_opts *o,
		  const struct pe_container *target, int pidfd,
		  struct pe_view *v, struct pe_error *err);

/*
 * After joining the target's network namespace, in every view: a fresh
 * /proc of the target's PID namespace (pidns_fd, from the session's stage;
 * -1 in a process forked into that namespace: pe_ns_mount_fresh_proc), or
 * with clone_pidns_ino the container's own procfs as the view holds it,
 * checked to be of that PID namespace (pe_ns_mount_target_proc: kernels
 * that cannot make one from outside), guarded like the container's own
 * (v->guard); a read-only /sys with the same masks (tools and merged: a
 * fresh sysfs of the joined network namespace; container: the container's
 * own, made read-only).
 */
int pe_view_mount_proc_sys(const struct pe_view *v, int pidns_fd,
			   unsigned long clone_pidns_ino, struct pe_error *err);

#endif
