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
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <grp.h>

#include "podenter/nsjoin.h"
#include "podenter/testhooks.h"
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
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
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
	snprintf(path, sizeof(path), "%d", (int)target->pid);
	/* every handle comes through this fd: a real procfs only */
	pin->procfd = pe_host_open_procfs(hr, path, O_PATH | O_DIRECTORY);
	if (pin->procfd < 0 && errno == EMEDIUMTYPE) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, EMEDIUMTYPE,
			     "%s/proc is not a procfs; nothing was joined",
			     hr->is_slash ? "" : hr->path);
		pe_error_hint(err, "--host-root must be the node's root with "
				   "its /proc mounted (e.g. a hostPath of / "
				   "with hostPID)");
		return -1;
	}
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

/* the /proc path of joining, for the tests of it (testhooks.h) */
static bool test_forces_fallback(void)
{
	return pe_test_flag("NO_PIDFD_SETNS");
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
	fd = pe_ns_open(pin, PE_NS_USER, err);
	if (fd < 0)
		return -1;
	if (pe_ns_join_user_fd(fd, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int pe_ns_open(const struct pe_pin *pin, enum pe_ns_type t,
	       struct pe_error *err)
{
	char rel[32];
	struct stat st;
	int fd;

	snprintf(rel, sizeof(rel), "ns/%s", pe_ns_name(t));
	fd = openat(pin->procfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ESRCH || errno == ENOENT)
			return stale(err, pin->pid, "exited");
		return pe_error_errno(err, "opening /proc/%d/%s", (int)pin->pid,
				      rel);
	}
	/* the handle is the pinned process's only if it is still alive, and
	 * is the namespace pinning found it in */
	if (fstat(fd, &st) < 0 ||
	    (pin->ns_inode[t] &&
	     (unsigned long)st.st_ino != pin->ns_inode[t])) {
		close(fd);
		return stale(err, pin->pid, "changed its namespaces");
	}
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
	if (mount("sysfs", "/sys", "sysfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return pe_error_errno(err,
				      "mounting /sys for the pod's network "
				      "namespace");
	return 0;
}

/* --- the session's /proc and /sys ---------------------------------------- */

/* Kubelet's defaults for a container that is not privileged
 * (pkg/securitycontext: defaultMaskedPaths, defaultReadonlyPaths). */
static const char *const default_masked[] = {
	"proc/acpi",
	"proc/asound",
	"proc/kcore",
	"proc/keys",
	"proc/latency_stats",
	"proc/timer_list",
	"proc/timer_stats",
	"proc/sched_debug",
	"proc/scsi",
	"sys/firmware",
	"sys/devices/virtual/powercap",
};
static const char *const default_readonly[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

/* Add path (a mask wins over read-only); -1 when the table is full. */
static int guard_add(struct pe_proc_guard *g, const char *path, bool mask)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (strcmp(g->entry[i].path, path) == 0) {
			g->entry[i].mask |= mask;
			return 0;
		}
	if (g->n >= PE_PROC_GUARD_MAX || strlen(path) >= PE_PROC_GUARD_PATH)
		return -1;
	snprintf(g->entry[g->n].path, PE_PROC_GUARD_PATH, "%s", path);
	g->entry[g->n++].mask = mask;
	return 0;
}

int pe_proc_guard_add(struct pe_proc_guard *g, const char *path, bool mask)
{
	return guard_add(g, path, mask);
}

void pe_proc_guard_defaults(struct pe_proc_guard *g)
{
	g->proc_readonly = false;
	g->n = 0;
	for (size_t i = 0; i < sizeof(default_readonly) / sizeof(char *); i++)
		guard_add(g, default_readonly[i], false);
	for (size_t i = 0; i < sizeof(default_masked) / sizeof(char *); i++)
		guard_add(g, default_masked[i], true);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Reading a mount table: the read-only tmpfs mounts taken for directory
 * masks, to drop again those with mounts below them (a mask is empty: a
 * read-only tmpfs holding cgroup mounts at /sys/fs/cgroup is not one). */
struct guard_parse {
	struct pe_proc_guard *g;
	unsigned int n_dirs;
	struct {
		long id;
		unsigned int entry;
		bool has_children;
	} dirs[PE_PROC_GUARD_MAX];
};

/* One mountinfo line: is it a guard under /proc or /sys, and which? */
static int guard_from_line(struct guard_parse *p, char *line)
{
	struct pe_proc_guard *g = p->g;
	char *field[6], *sep, *fstype, *save = NULL;
	const char *rel;
	bool ro, mask, dir_mask = false;
	unsigned int before = g->n;
	long parent;
	size_t rlen;

	sep = strstr(line, " - ");
	if (!sep)
		return 0;
	*sep = '\0';
	fstype = strtok_r(sep + 3, " \n", &save);
	save = NULL;
	for (int i = 0; i < 6; i++) {
		field[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!field[i])
			return 0;
	}
	if (!fstype)
		return 0;
	parent = strtol(field[1], NULL, 10);
	for (unsigned int k = 0; k < p->n_dirs; k++)
		if (p->dirs[k].id == parent)
			p->dirs[k].has_children = true;
	unescape_octal(field[4]);
	if (strncmp(field[4], "/proc", 5) == 0 &&
	    (field[4][5] == '/' || field[4][5] == '\0'))
		rel = field[4] + 1;
	else if (strncmp(field[4], "/sys", 4) == 0 &&
		 (field[4][4] == '/' || field[4][4] == '\0'))
		rel = field[4] + 1;
	else
		return 0;
	ro = strncmp(field[5], "ro", 2) == 0 &&
	     (field[5][2] == ',' || field[5][2] == '\0');
	rlen = strlen(field[3]);
	if (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0) {
		if (!ro)
			return 0;
		/* the whole tree read-only: the session's /sys always is; a
		 * read-only /proc is mounted so (a bind over the root would
		 * hide the guards made below it) */
		if (!strchr(rel, '/')) {
			if (strcmp(rel, "proc") == 0)
				g->proc_readonly = true;
			return 0;
		}
		mask = false; /* a read-only bind of a part of it */
	} else if (rlen >= 5 && strcmp(field[3] + rlen - 5, "/null") == 0) {
		mask = true; /* a file covered by a null device */
	} else if (strcmp(fstype, "tmpfs") == 0 && ro &&
		   strcmp(field[3], "/") == 0 && strchr(rel, '/')) {
		mask = dir_mask = true; /* a directory under an empty tmpfs */
	} else {
		return 0;
	}
	if (guard_add(g, rel, mask) < 0)
		return -1;
	if (dir_mask && g->n > before) {
		p->dirs[p->n_dirs].id = strtol(field[0], NULL, 10);
		p->dirs[p->n_dirs].entry = g->n - 1;
		p->dirs[p->n_dirs++].has_children = false;
	}
	return 0;
}

int pe_proc_guard_read(int procfd, struct pe_proc_guard *g,
		       struct pe_error *err)
{
	struct guard_parse p = { .g = g };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd, rc = 0;

	pe_proc_guard_defaults(g);
	fd = openat(procfd, "mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "re"))) {
		if (fd >= 0)
			close(fd);
		return pe_error_errno(err, "reading the target's mount table");
	}
	errno = 0;
	while (rc == 0 && getline(&line, &cap, f) >= 0)
		rc = guard_from_line(&p, line);
	if (rc == 0 && ferror(f))
		rc = pe_error_errno(err, "reading the target's mount table");
	else if (rc < 0)
		pe_error_set(err, PE_ERR_SYSTEM, E2BIG,
			     "the target guards more than %d paths under "
			     "/proc and /sys",
			     PE_PROC_GUARD_MAX);
	free(line);
	fclose(f);
	/* newest first, so the entry indexes stay valid */
	for (unsigned int k = p.n_dirs; rc == 0 && k-- > 0;) {
		if (!p.dirs[k].has_children)
			continue;
		memmove(&g->entry[p.dirs[k].entry],
			&g->entry[p.dirs[k].entry + 1],
			(g->n - p.dirs[k].entry - 1) * sizeof(g->entry[0]));
		g->n--;
	}
	return rc;
}

/* A null device of our own when the session's tree has none we can trust:
 * made in a detached tmpfs (read-only once made) that only this process
 * holds. *mnt keeps that tmpfs alive (closing it dissolves the detached
 * tree, and a node in it can no longer be bound): close it after the last
 * bind. Binding from a detached mount needs Linux 6.15 or so; before, the
 * error says why. */
static int private_null_device(int *mnt)
{
	static const char *const opts[] = { "mode=0755", "size=4k", NULL };
	struct pe_mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	int fd = -1;

	*mnt = pe_fs_new_detached("tmpfs", opts,
				  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (*mnt < 0)
		return -1;
	if (mknodat(*mnt, "null", S_IFCHR | 0666, makedev(1, 3)) == 0 &&
	    fchmodat(*mnt, "null", 0666, 0) == 0 &&
	    pe_sys_mount_setattr(*mnt, "", AT_EMPTY_PATH, &ro) == 0)
		fd = openat(*mnt, "null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		close(*mnt);
		*mnt = -1;
		errno = saved;
	}
	return fd;
}

/* The source of file masks: the session's /dev/null, opened without
 * following a link and checked to be the null device (CVE-2025-31133: a
 * /dev/null swapped for something else turns a mask into a bind of it);
 * else a private one (*hold: see private_null_device()). */
static int open_null_device(int *hold, struct pe_error *err)
{
	struct stat st;
	int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);

	*hold = -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3))
		return fd;
	if (fd >= 0)
		close(fd);
	fd = private_null_device(hold);
	if (fd >= 0)
		return fd;
	pe_error_errno(err, "making a null device to mask /proc with");
	pe_error_hint(err, "the session's /dev/null is missing or not the "
			   "null device (char 1:3); a view (--view tools) "
			   "brings its own");
	return -1;
}

void pe_guard_kit_close(struct pe_guard_kit *k)
{
	int *fds[] = { &k->nullfd, &k->null_hold, &k->maskdir };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/*
 * Apply g's entries under top ("proc" or "sys") to the tree rootfd: the
 * read-only binds first, shorter paths first (a bind is a copy of what is
 * below it), then the masks on top.
 */
static int apply_guards(const struct pe_proc_guard *g, const char *top,
			int rootfd, struct pe_guard_kit *kit,
			struct pe_error *err)
{
	const struct pe_proc_guard_entry *order[PE_PROC_GUARD_MAX];
	size_t tlen = strlen(top), n = 0;
	int rc = 0;

	for (unsigned int i = 0; i < g->n; i++) {
		const struct pe_proc_guard_entry *e = &g->entry[i];
		size_t k = n++;

		if (strncmp(e->path, top, tlen) != 0 || e->path[tlen] != '/' ||
		    e->path[tlen + 1] == '\0') {
			n--;
			continue;
		}
		/* insertion sort: read-only before masks, shorter first */
		while (k > 0 &&
		       (order[k - 1]->mask > e->mask ||
			(order[k - 1]->mask == e->mask &&
			 strlen(order[k - 1]->path) > strlen(e->path)))) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = e;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *rel = order[i]->path + tlen;

		if (order[i]->mask && kit->nullfd < 0 &&
		    (kit->nullfd = open_null_device(&kit->null_hold, err)) <
			0) {
			rc = -1;
			break;
		}
		if (pe_fs_guard_path(rootfd, rel + 1,
				     order[i]->mask ? PE_FS_MASK
						    : PE_FS_READONLY,
				     kit->nullfd, &kit->maskdir) < 0)
			rc = pe_error_errno(err, "%s /%s in the session",
					    order[i]->mask ? "masking"
							   : "making read-only",
					    order[i]->path);
	}
	return rc;
}

/*
 * A fresh procfs through the new mount API: of the PID namespace pidns_fd
 * (procfs's "pidns" parameter), or of the caller's own when it is -1.
 * Detached: the caller attaches it or keeps the fd. EOPNOTSUPP: this
 * kernel's procfs has no "pidns" parameter (before Linux 6.18).
 */
static int new_procfs(int pidns_fd, const char *const *opts, unsigned int attrs)
{
	return pe_fs_new_detached_fd("proc", pidns_fd >= 0 ? "pidns" : NULL,
				     pidns_fd, opts, attrs);
}

int pe_ns_new_pid_procfs(int pidns_fd)
{
	static const char *const pids_only[] = { "subset=pid", NULL };

	return new_procfs(pidns_fd, pids_only,
			  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			      MOUNT_ATTR_NOEXEC);
}

/* The fresh procfs attached onto a verified directory fd: a /proc symlink
 * planted in the container's root cannot redirect it. */
static int mount_proc_fd(int dirfd, bool readonly, int pidns_fd)
{
	int mnt =
	    new_procfs(pidns_fd, NULL,
		       (readonly ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_NOSUID |
			   MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
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

/* The session's new /proc, checked to be a procfs root where it is now,
 * then guarded. */
static int guard_new_proc(const struct pe_proc_guard *g,
			  struct pe_guard_kit *kit, struct pe_error *err)
{
	struct stat st;
	struct statfs sfs;
	int dirfd, r;

	dirfd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 || fstatfs(dirfd, &sfs) < 0 ||
	    sfs.f_type != PROC_SUPER_MAGIC || fstat(dirfd, &st) < 0 ||
	    st.st_ino != 1) {
		if (dirfd >= 0)
			close(dirfd);
		return pe_error_set(err, PE_ERR_SYSTEM, EIO,
				    "the fresh /proc is not a procfs root");
	}
	r = apply_guards(g, "proc", dirfd, kit, err);
	close(dirfd);
	return r;
}

int pe_ns_mount_fresh_proc(const struct pe_proc_guard *g, int pidns_fd,
			   struct pe_guard_kit *kit, struct pe_error *err)
{
	int dirfd, r;

	dirfd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		pe_error_errno(err, "opening /proc in the target");
		pe_error_hint(err,
			      "the target's /proc is missing or a symlink; "
			      "nothing was mounted");
		return -1;
	}
	r = mount_proc_fd(dirfd, g->proc_readonly, pidns_fd);
	if (r < 0 && errno == ENOSYS && pidns_fd >= 0) {
		/* mount(2) can only make a procfs of the caller's own PID
		 * namespace: that is for the caller inside it */
		errno = EOPNOTSUPP;
	} else if (r < 0 && errno == ENOSYS) {
		char fdpath[64];

		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dirfd);
		r = mount("proc", fdpath, "proc",
			  (g->proc_readonly ? MS_RDONLY : 0) | MS_NOSUID |
			      MS_NODEV | MS_NOEXEC,
			  NULL);
	}
	close(dirfd);
	if (r < 0)
		return pe_error_errno(err, "mounting a fresh /proc");
	return guard_new_proc(g, kit, err);
}

/*
 * The target's own procfs instance, as the mount at src (the session's copy
 * of the container's /proc), cloned alone (none of the mounts on it), with
 * the session's mount flags: used only if it is a procfs root whose PID 1
 * is in the target's PID namespace (pidns_ino). A procfs of any other PID
 * namespace (an ancestor's would show the node's processes) or anything
 * else the pod may have put there is refused: -1, errno EOPNOTSUPP.
 */
static int clone_target_procfs(const char *src, unsigned long pidns_ino,
			       bool readonly)
{
	struct pe_mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC |
			    (readonly ? MOUNT_ATTR_RDONLY : 0),
		.attr_clr = readonly ? 0 : MOUNT_ATTR_RDONLY,
	};
	struct statfs sfs;
	struct stat st;
	int mnt = pe_sys_open_tree(AT_FDCWD, src,
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				       AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT);

	if (mnt < 0)
		return -1;
	if (fstatfs(mnt, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC ||
	    fstat(mnt, &st) < 0 || st.st_ino != 1 ||
	    fstatat(mnt, "1/ns/pid", &st, 0) < 0 ||
	    (unsigned long)st.st_ino != pidns_ino ||
	    pe_sys_mount_setattr(mnt, "", AT_EMPTY_PATH, &attr) < 0) {
		close(mnt);
		errno = EOPNOTSUPP;
		return -1;
	}
	return mnt;
}

int pe_ns_mount_target_proc(const struct pe_proc_guard *g, const char *src,
			    unsigned long pidns_ino, struct pe_guard_kit *kit,
			    struct pe_error *err)
{
	int dirfd, mnt, r, saved;

	mnt = clone_target_procfs(src, pidns_ino, g->proc_readonly);
	if (mnt < 0) {
		if (errno == ENOSYS) /* no open_tree: before Linux 5.2 */
			errno = EOPNOTSUPP;
		return pe_error_errno(err, "taking the target's own procfs");
	}
	dirfd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		saved = errno;
		close(mnt);
		errno = saved;
		return pe_error_errno(err, "opening /proc in the target");
	}
	r = pe_sys_move_mount(mnt, "", dirfd, "",
			      MOVE_MOUNT_F_EMPTY_PATH |
				  MOVE_MOUNT_T_EMPTY_PATH);
	saved = errno;
	close(mnt);
	close(dirfd);
	errno = saved;
	if (r < 0)
		return pe_error_errno(err, "mounting the target's procfs");
	return guard_new_proc(g, kit, err);
}

int pe_ns_guard_sys(const struct pe_proc_guard *g, bool fresh,
		    struct pe_guard_kit *kit, struct pe_error *err)
{
	struct pe_mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	struct statfs sfs;
	int fd, r;

	fd = open("/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !fresh && errno == ENOENT)
		return 0;
	if (fd < 0)
		return pe_error_errno(err, "opening /sys in the session");
	if (fresh) {
		int mnt = pe_fs_new_detached(
		    "sysfs", NULL,
		    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			MOUNT_ATTR_NOEXEC);
		char fdpath[64];

		if (mnt >= 0) {
			r = pe_sys_move_mount(mnt, "", fd, "",
					      MOVE_MOUNT_F_EMPTY_PATH |
						  MOVE_MOUNT_T_EMPTY_PATH);
			close(mnt);
		} else if (errno == ENOSYS) {
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d",
				 fd);
			r = mount("sysfs", fdpath, "sysfs",
				  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  NULL);
		} else {
			r = -1;
		}
		close(fd);
		if (r < 0)
			return pe_error_errno(err, "mounting /sys for the "
						   "pod's network namespace");
		fd =
		    open("/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pe_error_errno(err, "opening the new /sys");
	}
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != SYSFS_MAGIC) {
		close(fd);
		if (fresh)
			return pe_error_set(err, PE_ERR_SYSTEM, EIO,
					    "the fresh /sys is not a sysfs");
		return 0; /* no sysfs here: nothing of it to guard */
	}
	if (!fresh && pe_sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
					   &ro) < 0) {
		char fdpath[64];

		r = -1;
		if (errno == ENOSYS) {
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d",
				 fd);
			r = mount(NULL, fdpath, NULL,
				  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
				      MS_NODEV | MS_NOEXEC,
				  NULL);
		}
		if (r < 0) {
			pe_error_errno(err, "making /sys read-only");
			close(fd);
			return -1;
		}
	}
	/* the container's own /sys already has its runtime's masks (this is
	 * a copy of its mount table): kubelet's defaults, for a pod that has
	 * none (privileged) */
	if (!fresh) {
		struct pe_proc_guard defaults;

		pe_proc_guard_defaults(&defaults);
		r = apply_guards(&defaults, "sys", fd, kit, err);
	} else {
		r = apply_guards(g, "sys", fd, kit, err);
	}
	close(fd);
	return r;
}

int pe_idmap_read(int procfd, const char *mapfile, struct pe_idmap *m,
		  struct pe_error *err)
{
	char *map = NULL;

	m->n = 0;
	if (pe_read_file_at(procfd, mapfile, 1u << 16, &map) < 0)
		return pe_error_errno(err, "reading the target's %s", mapfile);
	for (char *line = map, *next; line && *line && m->n < PE_IDMAP_MAX;
	     line = next) {
		struct pe_idmap_range *r = &m->r[m->n];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%lu %lu %lu", &r->inside, &r->outside,
			   &r->count) == 3 &&
		    r->count > 0)
			m->n++;
	}
	free(map);
	return 0;
}

unsigned pe_idmap_to_inside(const struct pe_idmap *m, unsigned host_id)
{
	for (unsigned i = 0; i < m->n; i++)
		if (host_id >= m->r[i].outside &&
		    host_id - m->r[i].outside < m->r[i].count)
			return (unsigned)(m->r[i].inside +
					  (host_id - m->r[i].outside));
	return 65534;
}

unsigned pe_idmap_to_host(const struct pe_idmap *m, unsigned inside_id)
{
	for (unsigned i = 0; i < m->n; i++)
		if (inside_id >= m->r[i].inside &&
		    inside_id - m->r[i].inside < m->r[i].count)
			return (unsigned)(m->r[i].outside +
					  (inside_id - m->r[i].inside));
	return 65534;
}
