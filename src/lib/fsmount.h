/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A new file system instance as a detached mount (the new mount API):
 * views, the fresh /proc and the session's reaper all make them, and a
 * detached mount is reached only through its fd, never through a path a
 * container could have a say in.
 */
#ifndef PODENTER_FSMOUNT_H
#define PODENTER_FSMOUNT_H

/*
 * fsopen(fstype), each "key=value" (or flag "key") of the NULL-terminated
 * opts (may be NULL), create, fsmount() with MOUNT_ATTR_* attrs. Returns
 * the detached mount's fd (O_CLOEXEC), or -1 with errno (ENOSYS from a
 * kernel before 5.2).
 */
int pe_fs_new_detached(const char *fstype, const char *const *opts,
		       unsigned int attrs);

/*
 * The same with one parameter given as an fd first (fsconfig
 * FSCONFIG_SET_FD, e.g. procfs's "pidns"); fd_key NULL: none. EOPNOTSUPP
 * when the file system does not take that parameter (older kernels).
 */
int pe_fs_new_detached_fd(const char *fstype, const char *fd_key, int fd,
			  const char *const *opts, unsigned int attrs);

/*
 * Guard one path of a mounted pseudo file system (a procfs or sysfs tree),
 * the way runc guards a container's /proc and /sys: rel (relative, never
 * leaving rootfd, no symlinks followed) gets a read-only, nosuid, nodev,
 * noexec bind of itself (PE_FS_READONLY), or is covered (PE_FS_MASK): a
 * directory by an empty read-only tmpfs, anything else by a bind of nullfd
 * (an O_PATH fd of the null device, char 1:3, in the caller's mount
 * namespace; the caller verifies it). rootfd is an fd of the tree's root in
 * the caller's mount namespace. The new mount API when the kernel has it,
 * else mount(2) onto /proc/self/fd/N (a /proc of the caller's must be
 * mounted then). *maskdir (start with -1; the caller closes it) keeps the
 * first directory mask's tmpfs, which later ones are cloned from. Returns 0,
 * 1 when rel does not exist (nothing to guard), or -1 with errno.
 */
enum pe_fs_guard_kind { PE_FS_READONLY, PE_FS_MASK };
int pe_fs_guard_path(int rootfd, const char *rel, enum pe_fs_guard_kind kind,
		     int nullfd, int *maskdir);

#endif
