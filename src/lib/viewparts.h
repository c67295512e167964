/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pieces of view.c that podenter copy's root (copyroot.c) is built with
 * too, written once.
 */
#ifndef PODENTER_VIEWPARTS_H
#define PODENTER_VIEWPARTS_H

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

#endif
