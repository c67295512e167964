/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/image.h"
#include "fsmount.h"
#include "syscalls.h"

int pe_fs_new_detached(const char *fstype, const char *const *opts,
		       unsigned int attrs)
{
	return pe_fs_new_detached_fd(fstype, NULL, -1, opts, attrs);
}

int pe_fs_new_detached_fd(const char *fstype, const char *fd_key, int fd,
			  const char *const *opts, unsigned int attrs)
{
	int fsfd = pe_sys_fsopen(fstype, FSOPEN_CLOEXEC);
	int mfd = -1, saved;

	if (fsfd < 0)
		return -1;
	if (fd_key &&
	    pe_sys_fsconfig(fsfd, FSCONFIG_SET_FD, fd_key, NULL, fd) < 0) {
		if (errno == EINVAL)
			errno = EOPNOTSUPP;
		goto out;
	}
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		char key[64];
		int rc;

		if (!eq) {
			rc = pe_sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i],
					     NULL, 0);
		} else {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - opts[i]),
				 opts[i]);
			rc = pe_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, key,
					     eq + 1, 0);
		}
		if (rc < 0)
			goto out;
	}
	if (pe_sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mfd = pe_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
out:
	saved = errno;
	close(fsfd);
	errno = saved;
	return mfd;
}

/* What runc gives a read-only path or a mask: nothing there can be written,
 * executed, or used as a device or set-id file. */
#define GUARD_ATTRS                                                            \
	(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |            \
	 MOUNT_ATTR_NOEXEC)
#define GUARD_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char *const mask_tmpfs_opts[] = { "mode=0555", NULL };

/* The same guard with mount(2), for kernels before 5.2 (no open_tree). The
 * remount must name the new bind: rel is resolved again, which crosses onto
 * the mount just made. */
static int legacy_guard(int rootfd, const char *rel, int dstfd, bool dir,
			enum pe_fs_guard_kind kind, int nullfd)
{
	char src[32], dst[32];
	int top, rc;

	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", dstfd);
	if (kind == PE_FS_MASK && dir)
		return mount("tmpfs", dst, "tmpfs", GUARD_FLAGS, "mode=0555");
	snprintf(src, sizeof(src), "/proc/self/fd/%d",
		 kind == PE_FS_MASK ? nullfd : dstfd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -1;
	if (kind == PE_FS_MASK)
		return 0;
	top = pe_open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW,
			      RESOLVE_NO_SYMLINKS);
	if (top < 0)
		return -1;
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", top);
	rc = mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | GUARD_FLAGS, NULL);
	close(top);
	return rc;
}

int pe_fs_guard_path(int rootfd, const char *rel, enum pe_fs_guard_kind kind,
		     int nullfd, int *maskdir)
{
	struct pe_mount_attr ro = { .attr_set = GUARD_ATTRS };
	struct stat st;
	int dstfd, mnt, rc = -1, saved;
	bool dir = false, new_tmpfs = false;

	/* no symlink is followed: a guard lands on the path named, or on
	 * nothing */
	dstfd = pe_open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW,
				RESOLVE_NO_SYMLINKS);
	if (dstfd < 0)
		return errno == ENOENT ? 1 : -1;
	if (kind == PE_FS_MASK) {
		if (fstat(dstfd, &st) < 0)
			goto out;
		dir = S_ISDIR(st.st_mode);
	}
	if (dir && *maskdir >= 0) {
		/* one empty tmpfs for every masked directory */
		mnt = pe_sys_open_tree(*maskdir, "",
				       OPEN_TREE_CLONE | AT_EMPTY_PATH |
					   OPEN_TREE_CLOEXEC);
	} else if (dir) {
		mnt = pe_fs_new_detached("tmpfs", mask_tmpfs_opts, GUARD_ATTRS);
		new_tmpfs = true;
	} else {
		/* recursive: a guard made below it earlier stays in place */
		mnt = pe_sys_open_tree(kind == PE_FS_MASK ? nullfd : dstfd, "",
				       OPEN_TREE_CLONE | AT_EMPTY_PATH |
					   AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	}
	if (mnt < 0) {
		if (errno == ENOSYS)
			rc =
			    legacy_guard(rootfd, rel, dstfd, dir, kind, nullfd);
		goto out;
	}
	if (kind == PE_FS_READONLY &&
	    pe_sys_mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro) <
		0) {
		saved = errno;
		close(mnt);
		errno = saved;
		/* open_tree() without mount_setattr() (Linux 5.2 to 5.11) */
		if (errno == ENOSYS)
			rc =
			    legacy_guard(rootfd, rel, dstfd, dir, kind, nullfd);
		goto out;
	}
	rc = pe_sys_move_mount(mnt, "", dstfd, "",
			       MOVE_MOUNT_F_EMPTY_PATH |
				   MOVE_MOUNT_T_EMPTY_PATH);
	saved = errno;
	/* attached now: the fd names a mount of ours to clone the next
	 * directory masks from */
	if (rc == 0 && new_tmpfs)
		*maskdir = mnt;
	else
		close(mnt);
	errno = saved;
out:
	saved = errno;
	close(dstfd);
	errno = saved;
	return rc;
}
