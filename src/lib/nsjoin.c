/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pinning a target and joining its namespaces. The order follows the
 * runtimes that got this wrong once (see docs in security notes): pin, then
 * verify, then open every handle, then setns; the mount namespace and the
 * user namespace get their own steps because what can be done after joining
 * them is limited.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <grp.h>

#include "podenter/nsjoin.h"
#include "podenter/resolve.h"
#include "fsmount.h"
#include "runtime/sources.h"
#include "syscalls.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/*
 * The namespaces, one row each, in the order they are joined one by one
 * (nsenter's): the mount namespace late (paths stop resolving after it),
 * the user namespace last and never by pe_ns_join() (pe_ns_join_user()).
 */
const struct pe_ns_info pe_ns_table[PE_NS_COUNT] = {
	{ PE_NS_CGROUP, CLONE_NEWCGROUP, true, 0, "cgroup" },
	{ PE_NS_IPC, CLONE_NEWIPC, true, 0, "ipc" },
	{ PE_NS_UTS, CLONE_NEWUTS, true, 0, "uts" },
	{ PE_NS_NET, CLONE_NEWNET, true, 'N', "net" },
	{ PE_NS_PID, CLONE_NEWPID, true, 'P', "pid" },
	{ PE_NS_TIME, CLONE_NEWTIME, false, 0, "time" },
	{ PE_NS_MNT, CLONE_NEWNS, true, 'M', "mount" },
	/* joined when the target is user-namespaced */
	{ PE_NS_USER, CLONE_NEWUSER, false, 'U', "userns" },
};

int pe_ns_clone_flag(enum pe_ns_type t)
{
	for (size_t i = 0; i < PE_NS_COUNT; i++)
		if (pe_ns_table[i].type == t)
			return pe_ns_table[i].clone_flag;
	return 0;
}

int pe_ns_clone_flags(pe_ns_set set)
{
	int flags = 0;

	for (size_t i = 0; i < PE_NS_COUNT; i++)
		if (set & PE_NS_BIT(pe_ns_table[i].type))
			flags |= pe_ns_table[i].clone_flag;
	return flags;
}

pe_ns_set pe_ns_default_set(const struct pe_container *target)
{
	pe_ns_set set = 0;

	for (size_t i = 0; i < PE_NS_COUNT; i++)
		if (pe_ns_table[i].by_default)
			set |= PE_NS_BIT(pe_ns_table[i].type);
	if (target && target->user_namespaced)
		set |= PE_NS_BIT(PE_NS_USER);
	return set;
}

static unsigned long ns_inode_at(int dirfd, const char *name)
{
	char rel[32];
	struct stat st;

	snprintf(rel, sizeof(rel), "ns/%s", name);
	if (fstatat(dirfd, rel, &st, 0) < 0)
		return 0;
	return (unsigned long)st.st_ino;
}

void pe_ns_self_inodes(unsigned long ino[PE_NS_COUNT])
{
	int fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

	for (int t = 0; t < PE_NS_COUNT; t++)
		ino[t] = fd >= 0
			     ? ns_inode_at(fd, pe_ns_name((enum pe_ns_type)t))
			     : 0;
	if (fd >= 0)
		close(fd);
}

void pe_pin_init(struct pe_pin *pin)
{
	memset(pin, 0, sizeof(*pin));
	pin->pidfd = -1;
	pin->procfd = -1;
}

void pe_pin_release(struct pe_pin *pin)
{
	if (pin->pidfd >= 0)
		close(pin->pidfd);
	if (pin->procfd >= 0)
		close(pin->procfd);
	pin->pidfd = -1;
	pin->procfd = -1;
}

static int stale(struct pe_error *err, pid_t pid, const char *why)
{
	pe_error_set(err, PE_ERR_STALE, ESRCH,
		     "target process %d %s between lookup and join; nothing "
		     "was joined",
		     (int)pid, why);
	errno = ESRCH;
	pe_error_hint(err, "run the command again to look the target up anew");
	return -1;
}

int pe_pin_target(const struct pe_hostroot *hr,
		  const struct pe_container *target, struct pe_pin *pin,
		  struct pe_error *err)
{
	struct pe_container now = { 0 };
	char path[64];
	int r = -1;

	pe_pin_init(pin);
	pin->pid = target->pid;
	if (target->pid <= 0)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "the target has no running process");
	snprintf(path, sizeof(path), "/proc/%d", (int)target->pid);
	pin->procfd = pe_host_open(hr, path, O_PATH | O_DIRECTORY);
	if (pin->procfd < 0)
		return stale(err, target->pid, "exited");
	pin->pidfd = pe_sys_pidfd_open(target->pid, 0);
	if (pin->pidfd < 0) {
		if (errno == ESRCH) {
			stale(err, target->pid, "exited");
			goto out;
		}
		/* ENOSYS (< 5.3): the /proc/PID fd alone still pins identity */
		if (errno != ENOSYS) {
			pe_error_errno(err, "pidfd_open(%d)", (int)target->pid);
			goto out;
		}
	}
	/* Verify after pinning: if the pinned process is still alive after
	 * this check, the check was about the pinned process. */
	if (pe_container_copy(&now, target) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copying the target");
		goto out;
	}
	/* through the pinned directory: the process resolution saw, or
	 * another one that got its PID */
	pe_verify_pid_at(pin->procfd, &now);
	if (now.pid_state == PE_PID_GONE) {
		stale(err, target->pid, "exited");
		goto out;
	}
	if (now.start_time != target->start_time) {
		stale(err, target->pid,
		      "was replaced by another process with the same PID");
		goto out;
	}
	if (now.pid_state != PE_PID_VERIFIED ||
	    (target->cgroup &&
	     (!now.cgroup || strcmp(now.cgroup, target->cgroup) != 0))) {
		stale(err, target->pid,
		      "left its container's cgroup (container restarted?)");
		goto out;
	}
	pin->start_time = now.start_time;
	for (int t = 0; t < PE_NS_COUNT; t++)
		pin->ns_inode[t] =
		    ns_inode_at(pin->procfd, pe_ns_name((enum pe_ns_type)t));
	pe_ns_self_inodes(pin->self_ns_inode);
	if (pe_pin_check_alive(pin, err) < 0)
		goto out;
	r = 0;
out:
	pe_container_clear(&now);
	if (r < 0)
		pe_pin_release(pin);
	return r;
}

int pe_pin_check_alive(const struct pe_pin *pin, struct pe_error *err)
{
	struct stat st;

	if (pin->pidfd >= 0) {
		if (pe_sys_pidfd_send_signal(pin->pidfd, 0) == 0)
			return 0;
		if (errno == ESRCH)
			return stale(err, pin->pid, "exited");
		if (errno != ENOSYS)
			return pe_error_errno(err, "checking process %d",
					      (int)pin->pid);
	}
	/* a /proc/PID fd of a dead process answers ESRCH */
	if (fstatat(pin->procfd, "stat", &st, 0) < 0)
		return stale(err, pin->pid, "exited");
	return 0;
}

pe_ns_set pe_ns_drop_shared(const struct pe_pin *pin, pe_ns_set set)
{
	const unsigned long *self = pin->self_ns_inode;

	for (int t = 0; t < PE_NS_COUNT; t++)
		if ((set & PE_NS_BIT(t)) && self[t] &&
		    self[t] == pin->ns_inode[t])
			set &= ~PE_NS_BIT(t);
	return set;
}

static bool test_forces_fallback(void)
{
	const char *v = getenv("PODENTER_TEST_NO_PIDFD_SETNS");

	return v && strcmp(v, "1") == 0;
}

static int join_through_proc(const struct pe_pin *pin, pe_ns_set set,
			     struct pe_error *err)
{
	int fds[PE_NS_COUNT];
	int r = -1;
	size_t i;

	for (i = 0; i < PE_NS_COUNT; i++)
		fds[i] = -1;
	/* every handle before the first setns: afterwards /proc may be the
	 * target's, or the process gone */
	for (i = 0; i < PE_NS_COUNT; i++) {
		enum pe_ns_type t = pe_ns_table[i].type;
		char rel[32];

		if (!(set & PE_NS_BIT(t)) || t == PE_NS_USER)
			continue;
		snprintf(rel, sizeof(rel), "ns/%s", pe_ns_name(t));
		fds[t] = openat(pin->procfd, rel, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			if (errno == ESRCH || errno == ENOENT)
				stale(err, pin->pid, "exited");
			else
				pe_error_errno(err, "opening /proc/%d/%s",
					       (int)pin->pid, rel);
			goto out;
		}
	}
	/* the fds belong to the pinned process only if it is still alive */
	if (pe_pin_check_alive(pin, err) < 0)
		goto out;
	for (i = 0; i < PE_NS_COUNT; i++) {
		enum pe_ns_type t = pe_ns_table[i].type;

		if (fds[t] < 0)
			continue;
		if (setns(fds[t], pe_ns_table[i].clone_flag) < 0) {
			pe_error_errno(err, "joining the %s namespace of %d",
				       pe_ns_name(t), (int)pin->pid);
			goto out;
		}
	}
	r = 0;
out:
	for (i = 0; i < PE_NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

int pe_ns_join(const struct pe_pin *pin, pe_ns_set set, bool *used_pidfd,
	       struct pe_error *err)
{
	if (used_pidfd)
		*used_pidfd = false;
	if (set & PE_NS_BIT(PE_NS_USER))
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "internal: the user namespace is joined "
				    "by pe_ns_join_user()");
	if (set == 0)
		return pe_pin_check_alive(pin, err);
	if (pin->pidfd >= 0 && !test_forces_fallback()) {
		if (setns(pin->pidfd, pe_ns_clone_flags(set)) == 0) {
			if (used_pidfd)
				*used_pidfd = true;
			return 0;
		}
		if (errno == ESRCH)
			return stale(err, pin->pid, "exited");
		/* EINVAL: a kernel before 5.8 does not take a pidfd here.
		 * Nothing was joined (it is all or nothing), so falling back
		 * is safe; a real problem shows again with a precise message.
		 */
		if (errno != EINVAL)
			return pe_error_errno(
			    err, "joining the namespaces of %d", (int)pin->pid);
	}
	return join_through_proc(pin, set, err);
}

/* Once in a user namespace: root inside it, with no groups, as nsenter. */
static int become_ns_root(struct pe_error *err)
{
	/* setgroups is denied in user namespaces whose setgroups file says
	 * "deny"; there are no groups to drop then */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return pe_error_errno(err,
				      "clearing groups in the user namespace");
	if (setgid(0) < 0 || setuid(0) < 0) {
		pe_error_errno(err, "becoming root in the target's user "
				    "namespace");
		pe_error_hint(err, "the namespace maps no uid/gid 0");
		return -1;
	}
	return 0;
}

int pe_ns_join_user(const struct pe_pin *pin, struct pe_error *err)
{
	int fd;

	if (pin->pidfd >= 0 && !test_forces_fallback()) {
		if (setns(pin->pidfd, CLONE_NEWUSER) == 0)
			return become_ns_root(err);
		if (errno == ESRCH)
			return stale(err, pin->pid, "exited");
		if (errno != EINVAL)
			return pe_error_errno(
			    err, "joining the user namespace of %d",
			    (int)pin->pid);
	}
	fd = pe_ns_open_user(pin, err);
	if (fd < 0)
		return -1;
	if (pe_ns_join_user_fd(fd, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int pe_ns_open_user(const struct pe_pin *pin, struct pe_error *err)
{
	int fd = openat(pin->procfd, "ns/user", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ESRCH || errno == ENOENT)
			return stale(err, pin->pid, "exited");
		return pe_error_errno(err, "opening /proc/%d/ns/user",
				      (int)pin->pid);
	}
	/* the handle is the pinned process's only if it is still alive */
	if (pe_pin_check_alive(pin, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int pe_ns_join_user_fd(int fd, struct pe_error *err)
{
	if (setns(fd, CLONE_NEWUSER) < 0)
		return pe_error_errno(err,
				      "joining the target's user namespace");
	return become_ns_root(err);
}

int pe_ns_private_mount_copy(struct pe_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return pe_error_errno(err,
				      "creating a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pe_error_errno(err,
				      "making the mount namespace private");
	return 0;
}

int pe_ns_private_host_mounts(bool remount_sys, struct pe_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return pe_error_errno(err,
				      "creating a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return pe_error_errno(err,
				      "making the mount namespace a slave");
	if (!remount_sys)
		return 0;
	/* sysfs shows the devices of the network namespace it was mounted
	 * in; the host's /sys would show the host's interfaces */
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return pe_error_errno(err, "unmounting /sys");
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return pe_error_errno(err,
				      "mounting /sys for the pod's network "
				      "namespace");
	return 0;
}

/* A fresh procfs through the new mount API, attached onto a verified
 * directory fd: a /proc symlink planted in the container's root cannot
 * redirect it. */
static int mount_proc_fd(int dirfd)
{
	int mnt = pe_fs_new_detached("proc", NULL,
				     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					 MOUNT_ATTR_NOEXEC);
	int r, saved;

	if (mnt < 0)
		return -1;
	r = pe_sys_move_mount(mnt, "", dirfd, "",
			      MOVE_MOUNT_F_EMPTY_PATH |
				  MOVE_MOUNT_T_EMPTY_PATH);
	saved = errno;
	close(mnt);
	errno = saved;
	return r;
}

int pe_ns_mount_fresh_proc(struct pe_error *err)
{
	struct stat st;
	struct statfs sfs;
	int dirfd, r;

	dirfd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		pe_error_errno(err, "opening /proc in the target");
		pe_error_hint(err,
			      "the target's /proc is missing or a symlink; "
			      "nothing was mounted");
		return -1;
	}
	r = mount_proc_fd(dirfd);
	if (r < 0 && errno == ENOSYS) {
		char fdpath[64];

		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dirfd);
		r = mount("proc", fdpath, "proc",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	close(dirfd);
	if (r < 0)
		return pe_error_errno(err, "mounting a fresh /proc");
	if (statfs("/proc", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC ||
	    stat("/proc", &st) < 0 || st.st_ino != 1)
		return pe_error_set(err, PE_ERR_SYSTEM, EIO,
				    "the fresh /proc is not a procfs root");
	return 0;
}
