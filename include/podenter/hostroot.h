/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every read of the node's files goes through a host root: "/" on the node,
 * "/host" from a privileged pod, a fixture tree in tests. Paths given to
 * these helpers are absolute node paths ("/run/containerd/..."); they are
 * resolved beneath the host root's directory fd, never by string joining
 * with the caller's root.
 */
#ifndef PODENTER_HOSTROOT_H
#define PODENTER_HOSTROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "podenter/error.h"

struct pe_hostroot {
	int dirfd; /* O_PATH|O_DIRECTORY fd of the host root */
	char path[4096]; /* as given, for messages */
	bool is_slash; /* the host root is this process's "/" */
	unsigned long user_ns; /* the node's user namespace inode, 0 unknown */
};

int pe_hostroot_open(struct pe_hostroot *hr, const char *path,
		     struct pe_error *err);
void pe_hostroot_close(struct pe_hostroot *hr);

/*
 * Open rel beneath rootfd, podenter's one way into a tree it does not trust.
 * resolve holds RESOLVE_* flags (syscalls.h) and must name RESOLVE_IN_ROOT
 * (rootfd acts as "/": ".." and absolute links stay inside) or
 * RESOLVE_BENEATH (leaving rootfd is an error, EXDEV). openat2 when the
 * kernel has it; where it is missing (ENOSYS) a component walk that never
 * lets the kernel follow a link (links on a procfs are refused under
 * RESOLVE_NO_MAGICLINKS); any other openat2 refusal is returned as it is.
 * O_CLOEXEC is added. -1 + errno.
 */
int pe_open_beneath(int rootfd, const char *rel, int flags, uint64_t resolve);

/*
 * Open rel inside the tree rootfd as if rootfd were "/": RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS plus resolve (RESOLVE_NO_SYMLINKS, ...). For every
 * tree podenter does not trust (container roots, archives being unpacked).
 */
int pe_open_in_root(int rootfd, const char *rel, int flags, uint64_t resolve);

/* The id of the mount fd is on (fdinfo's mnt_id), 0 when unknown: what
 * the walk compares for RESOLVE_NO_XDEV, and cp for a mount point. */
unsigned long pe_fd_mount_id(int fd);

/* Open a node path (absolute) with O_CLOEXEC, resolved inside the host
 * root (pe_open_in_root) unless the host root is "/". -1 + errno. */
int pe_host_open(const struct pe_hostroot *hr, const char *path, int flags);

/*
 * Open sub ("PID", "PID/ns", "." for the root) of the host root's /proc,
 * after checking that /proc is a procfs root: EMEDIUMTYPE when it is not.
 * For what trusts /proc with an action (pinning, joining); not needed to
 * read names and lists. -1 + errno.
 */
int pe_host_open_procfs(const struct pe_hostroot *hr, const char *sub,
			int flags);

/* Open a node directory for reading entries. -1 + errno. */
int pe_host_opendir_fd(const struct pe_hostroot *hr, const char *path);

/*
 * Read a whole small file into a NUL-terminated malloc'd buffer (at most
 * max bytes, else EFBIG). Opened non-blocking; anything but a regular file
 * (a planted FIFO or device) is refused with EINVAL before any read.
 * Returns length or -1 + errno.
 */
ssize_t pe_host_read_file(const struct pe_hostroot *hr, const char *path,
			  size_t max, char **out);

/* Same, relative to an open directory fd; a name with "/" is resolved
 * beneath dirfd with no symlink on the way (pe_open_beneath). */
ssize_t pe_read_file_at(int dirfd, const char *name, size_t max, char **out);

/* readlink of a node path; returns length or -1 + errno. */
ssize_t pe_host_readlink(const struct pe_hostroot *hr, const char *path,
			 char *buf, size_t size);

bool pe_host_exists(const struct pe_hostroot *hr, const char *path);

/* The same path as the caller sees it, for messages: "/host/run/...". */
void pe_host_display(const struct pe_hostroot *hr, const char *path, char *buf,
		     size_t size);

#endif
