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

#endif
