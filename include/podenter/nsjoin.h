/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Getting into a target's namespaces without ever joining the wrong process:
 * pin the target (a pidfd and a /proc/PID directory fd), re-check that the
 * pinned process is the one resolution chose, then join every selected
 * namespace at once with setns(pidfd, mask), or, on kernels without that,
 * through /proc/PID/ns/ fds opened before the first setns.
 *
 * The mount namespace step is separate (pe_ns_private_mount_copy(),
 * pe_ns_private_host_mounts()) so a caller can put a view there instead.
 */
#ifndef PODENTER_NSJOIN_H
#define PODENTER_NSJOIN_H

#include <stdbool.h>
#include <sys/types.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"

/* Bit (1u << enum pe_ns_type) per namespace: the selection podenter uses. */
typedef unsigned int pe_ns_set;
#define PE_NS_BIT(t) (1u << (t))
#define PE_NS_ALL ((1u << PE_NS_COUNT) - 1)

/* What podenter knows of each namespace, in one table (nsjoin.c), in the
 * order they are joined one by one. */
struct pe_ns_info {
	enum pe_ns_type type; /* its name: pe_ns_name(type) */
	int clone_flag; /* CLONE_NEW*, setns(2)'s nstype */
	bool by_default; /* in the default set for a container */
	char short_opt; /* the CLI's -X for it, 0 for none */
	const char *long_opt; /* the CLI's --X for it */
};
extern const struct pe_ns_info pe_ns_table[PE_NS_COUNT];

/* The CLONE_NEW* flag of a namespace type (setns(2) nstype). */
int pe_ns_clone_flag(enum pe_ns_type t);
/* CLONE_NEW* flags of every namespace in the set, OR'ed. */
int pe_ns_clone_flags(pe_ns_set set);

/* The default selection for a container target: net, pid, ipc, uts, cgroup
 * and mnt, plus user when the target is user-namespaced. */
pe_ns_set pe_ns_default_set(const struct pe_container *target);

/* Inode numbers of /proc/self/ns/<type> (0 when unreadable). */
void pe_ns_self_inodes(unsigned long ino[PE_NS_COUNT]);

/* A target held so that its PID cannot be reused under us. */
struct pe_pin {
	pid_t pid;
	int pidfd; /* -1 when pidfd_open(2) is unavailable */
	int procfd; /* /proc/PID of the host root: ESRCH once the target dies */
	unsigned long long start_time;
	unsigned long ns_inode[PE_NS_COUNT]; /* read through procfd */
	unsigned long self_ns_inode[PE_NS_COUNT]; /* podenter's, when pinned */
};

void pe_pin_init(struct pe_pin *pin);
void pe_pin_release(struct pe_pin *pin);

/*
 * Pin target->pid and confirm it is still the process that was resolved:
 * same start time, and (for containers) a cgroup that still names the
 * container. A process that died or whose PID was reused is refused with a
 * STALE error. Fills pin->ns_inode[] from the pinned process.
 */
int pe_pin_target(const struct pe_hostroot *hr,
		  const struct pe_container *target, struct pe_pin *pin,
		  struct pe_error *err);

/* Whether the pinned process still exists (after the pin was verified, a
 * live pidfd means the verification applied to the process it pins). */
int pe_pin_check_alive(const struct pe_pin *pin, struct pe_error *err);

/* Drop from set every namespace the caller shared with the target when it
 * was pinned (setns into one's own user namespace fails; the others are
 * no-ops). */
pe_ns_set pe_ns_drop_shared(const struct pe_pin *pin, pe_ns_set set);

/*
 * Join the namespaces in set (which must not contain the user namespace:
 * see pe_ns_join_user()). One atomic setns(pidfd, flags) when the kernel
 * supports it (probed: EINVAL from an older kernel means "not a namespace
 * fd"); otherwise every /proc/PID/ns/<type> fd is opened first, then joined
 * in nsenter's order. A failure before the first setns leaves the caller
 * where it was. used_pidfd tells which way was taken (may be NULL).
 *
 * The test hook NO_PIDFD_SETNS (testhooks.h, test builds only)
 * forces the /proc/PID/ns path.
 */
int pe_ns_join(const struct pe_pin *pin, pe_ns_set set, bool *used_pidfd,
	       struct pe_error *err);

/* Join the target's user namespace, last, then become root inside it
 * (uid/gid 0 and no supplementary groups) as nsenter does. */
int pe_ns_join_user(const struct pe_pin *pin, struct pe_error *err);

/* The same in two steps, for a process that must not hold the pin: a
 * handle on one of the target's namespaces (checked to be the pinned
 * process's, the one pinning found: pe_ns_open(pin, PE_NS_USER)), and the
 * join through it. */
int pe_ns_open(const struct pe_pin *pin, enum pe_ns_type t,
	       struct pe_error *err);
int pe_ns_join_user_fd(int fd, struct pe_error *err);

/* A user namespace's uid_map or gid_map: ranges of ids inside it and the
 * node's ids they are. */
#define PE_IDMAP_MAX 340 /* the kernel's limit of lines */
struct pe_idmap {
	unsigned n;
	struct pe_idmap_range {
		unsigned long inside, outside, count;
	} r[PE_IDMAP_MAX];
};

/* Read mapfile ("uid_map", "gid_map") of the process procfd is the /proc
 * directory of (the pin's). -1 with err. */
int pe_idmap_read(int procfd, const char *mapfile, struct pe_idmap *m,
		  struct pe_error *err);
/* A node id as the namespace numbers it; 65534 (the overflow id) when
 * unmapped. */
unsigned pe_idmap_to_inside(const struct pe_idmap *m, unsigned host_id);
/* An id of the namespace as the node numbers it; 65534 when unmapped. */
unsigned pe_idmap_to_host(const struct pe_idmap *m, unsigned inside_id);

/*
 * The mount step for "the container's own files": after the target's mount
 * namespace was joined, continue in a private copy of it (unshare +
 * recursive MS_PRIVATE), so mounts made for the session (a fresh /proc)
 * reach neither the container nor the host.
 */
int pe_ns_private_mount_copy(struct pe_error *err);

/*
 * The mount step when the mount namespace is NOT joined but the network or
 * PID namespace is (--net-only): a copy of the caller's mount namespace,
 * recursively slave (host mounts still propagate in, ours never out), as
 * iproute2's `ip netns exec` does. With remount_sys, /sys is replaced by a
 * sysfs of the current network namespace (call after joining it).
 */
int pe_ns_private_host_mounts(bool remount_sys, struct pe_error *err);

/*
 * What a session's /proc and /sys hide or keep read-only. A fresh procfs
 * shows everything read-write (/proc/sys/kernel/core_pattern is node root
 * for anyone who may write it), so the session's is guarded like the
 * container's own: kubelet's default masked and read-only paths, plus every
 * mask and read-only bind the target's runtime made under /proc and /sys.
 * Paths are relative to "/" ("proc/kcore", "sys/firmware").
 */
#define PE_PROC_GUARD_MAX 64
#define PE_PROC_GUARD_PATH 128
struct pe_proc_guard {
	bool proc_readonly; /* the target's whole /proc is read-only */
	unsigned int n;
	struct pe_proc_guard_entry {
		char path[PE_PROC_GUARD_PATH];
		bool mask; /* covered (null device, empty tmpfs); else ro */
	} entry[PE_PROC_GUARD_MAX];
};

/* One more guard (path relative to "/", "proc/..." or "sys/..."; a mask
 * wins over read-only), e.g. from a container's spec; -1 when the table is
 * full or the path too long (callers fail: never weaker). */
int pe_proc_guard_add(struct pe_proc_guard *g, const char *path, bool mask);

/* Kubelet's defaults only (a target whose mount table is not read). */
void pe_proc_guard_defaults(struct pe_proc_guard *g);

/*
 * Kubelet's defaults plus the target's own guards under /proc and /sys, read
 * from its mountinfo through procfd (the pinned /proc/PID): read-only binds
 * of procfs/sysfs, read-only tmpfs over directories, binds of a null device
 * over files. Call before the session leaves the node's side; the result is
 * plain data for the child. An unreadable table fails (never weaker).
 */
int pe_proc_guard_read(int procfd, struct pe_proc_guard *g,
		       struct pe_error *err);

/*
 * What one session's guards of /proc and /sys are made from, opened once
 * for both: the null device that masks files (a bind of it each), and the
 * empty read-only tmpfs every masked directory is a clone of (one file
 * system for all: each costs a session 12 us to make and 5 us to tear
 * down). PE_GUARD_KIT_INIT before the first guard, pe_guard_kit_close()
 * after the last.
 */
struct pe_guard_kit {
	int nullfd; /* -1 until a file is masked */
	int null_hold; /* a private null device's tmpfs, else -1 */
	int maskdir; /* the first masked directory's tmpfs, attached */
};
#define PE_GUARD_KIT_INIT                                                      \
	{                                                                      \
		-1, -1, -1                                                     \
	}
void pe_guard_kit_close(struct pe_guard_kit *k);

/*
 * Mount a fresh procfs on /proc, check it is a procfs root, and guard it
 * with g's "proc/" entries, in a private mount ns. Masks are binds of the
 * session's /dev/null, verified to be the null device. The procfs is of the
 * PID namespace pidns_fd (an nsfs fd), made from outside it: the session's
 * stage does this in the node's PID namespace, where no pod process can
 * reach a process holding the capabilities it takes. Where the kernel
 * cannot (procfs without the "pidns" parameter, before Linux 6.18): -1 with
 * err->errnum EOPNOTSUPP and nothing mounted; the caller then passes -1 from
 * a process inside that namespace (the caller's own PID namespace).
 */
int pe_ns_mount_fresh_proc(const struct pe_proc_guard *g, int pidns_fd,
			   struct pe_guard_kit *kit, struct pe_error *err);

/*
 * The same from the target's own procfs instance where the kernel cannot
 * make one from outside its PID namespace (before Linux 6.18): the mount at
 * src (the session's copy of the container's /proc), cloned without the
 * mounts on it, used only if it is a procfs root whose PID 1 is in the
 * target's PID namespace (pidns_ino), then guarded like a fresh one. -1
 * with err->errnum EOPNOTSUPP and nothing mounted when it is not (a procfs
 * of another namespace, or whatever the pod put there): the caller then
 * makes one inside the namespace.
 */
int pe_ns_mount_target_proc(const struct pe_proc_guard *g, const char *src,
			    unsigned long pidns_ino, struct pe_guard_kit *kit,
			    struct pe_error *err);

/*
 * A detached procfs of the PID namespace pidns_fd (-1: the caller's) that
 * shows processes only (subset=pid: no /proc/sys, no sysrq-trigger), for
 * writing a process's own attr/exec. Returns its fd, or -1 with errno
 * (EOPNOTSUPP as above).
 */
int pe_ns_new_pid_procfs(int pidns_fd);

/*
 * The session's /sys, read-only and guarded with g's "sys/" entries: with
 * fresh, a new sysfs (of the joined network namespace) on /sys; else the
 * sysfs already there (the container's own, in a private copy) made
 * read-only with everything below it. Not a sysfs there: nothing to guard.
 * Call after pe_ns_mount_fresh_proc() (the fallbacks need a /proc).
 */
int pe_ns_guard_sys(const struct pe_proc_guard *g, bool fresh,
		    struct pe_guard_kit *kit, struct pe_error *err);

#endif
