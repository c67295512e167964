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

/* Open a node path (absolute) read-only with O_CLOEXEC. -1 + errno. */
int pe_host_open(const struct pe_hostroot *hr, const char *path, int flags);

/* Open a node directory for reading entries. -1 + errno. */
int pe_host_opendir_fd(const struct pe_hostroot *hr, const char *path);

/*
 * Read a whole small file into a NUL-terminated malloc'd buffer (at most
 * max bytes, else EFBIG). Returns length or -1 + errno.
 */
ssize_t pe_host_read_file(const struct pe_hostroot *hr, const char *path,
			  size_t max, char **out);

/* Same, relative to an open directory fd. */
ssize_t pe_read_file_at(int dirfd, const char *name, size_t max, char **out);

/* readlink of a node path; returns length or -1 + errno. */
ssize_t pe_host_readlink(const struct pe_hostroot *hr, const char *path,
			 char *buf, size_t size);

bool pe_host_exists(const struct pe_hostroot *hr, const char *path);

/* The same path as the caller sees it, for messages: "/host/run/...". */
void pe_host_display(const struct pe_hostroot *hr, const char *path, char *buf,
		     size_t size);

#endif
