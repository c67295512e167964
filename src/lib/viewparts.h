/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pieces of view.c that podenter copy's root (copyroot.c) is built with
 * too, written once.
 */
#ifndef PODENTER_VIEWPARTS_H
#define PODENTER_VIEWPARTS_H

#include <stddef.h>
#include <sys/types.h>

#include "podenter/error.h"

/* A minimal /dev on rootfd: a fresh tmpfs with null, zero, full, random,
 * urandom, tty, the fd links, a fresh devpts and /dev/shm; nothing of the
 * pod's /dev (it may hold planted nodes). */
int pe_viewpart_build_dev(int rootfd, struct pe_error *err);

/* A fresh file system (tmpfs, proc, sysfs) mounted on target_fd (an O_PATH
 * fd of the mount point): the new mount API, mount(2) onto
 * /proc/self/fd/N before Linux 5.2. -1 + errno. */
int pe_viewpart_mount_fresh(const char *fstype, const char *const *opts,
			    unsigned int attrs, int target_fd);

/* A message of len bytes with up to PE_VIEWPART_FDS_MAX fds attached
 * (SCM_RIGHTS), between podenter and a helper of its own. -1 + errno. */
#define PE_VIEWPART_FDS_MAX 4
int pe_viewpart_send(int sock, const void *buf, size_t len, const int *fds,
		     size_t nfds);
/* Receive one: the byte count (or -1 + errno); fds[] gets up to nfds fds
 * that came with it (O_CLOEXEC), -1 for the rest. */
ssize_t pe_viewpart_recv(int sock, void *buf, size_t len, int *fds,
			 size_t nfds);

/* An fd of the caller's own mount namespace, through its pidfd (6.11) or
 * a fresh procfs of its own, never a /proc it did not mount. -1 + errno. */
int pe_viewpart_own_mnt_ns(void);

#endif
