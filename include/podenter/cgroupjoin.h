/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Charging a debug session to the pod (or the container): podenter puts
 * itself into the target's cgroups, in every v1 hierarchy and in v2, from
 * the host side and before it joins any namespace, so the session it forks
 * is born there: it shares the pod's limits and is accounted to it. Once
 * the session's process is born there, podenter steps back out to its own
 * cgroup in each of those hierarchies (its cgroup.procs opened beforehand,
 * while it still sees the host's mounts): the session stays charged to the
 * target, podenter (the relay of the session's stdio, the keeper of its
 * exit status) is never picked by the target's OOM killer nor limits.
 *
 * (clone3(CLONE_INTO_CGROUP) would place only the child, but the kernel
 * checks a cgroup move against the caller's cgroup namespace, which by
 * fork time is the target's, and podenter's own cgroup is outside it; the
 * same check refuses a cgroup.procs write after the join. Hence the move
 * of podenter itself, before the join.)
 *
 * The pod on cgroup v2: a pod's cgroup (kubepods-<qos>-pod<uid_>.slice,
 * kubepods/<qos>/pod<uid>) has the containers' cgroups below it and
 * controllers in its cgroup.subtree_control, and the kernel puts no process
 * in such an inner cgroup (EBUSY). So podenter makes a leaf of its own
 * under it, "podenter-<pid>" (PE_CGROUP_LEAF_PREFIX), and moves there, so
 * that the session is born there, then steps back out to its own cgroup:
 * the pod's limits (memory.max, pids.max, ...) are hierarchical and apply
 * to the session as to the containers. The name has no systemd unit suffix
 * (.scope/.slice/.service), so systemd never takes it for one of its units
 * (it looks units up by cgroup path; a process in the leaf counts as the
 * pod slice's); systemd does not touch a slice's unknown children while
 * the slice runs, and removes empty ones with the slice (cg_trim), as
 * kubelet's cgroupfs driver does. When the session ends podenter kills
 * what the session left in the leaf and removes it (bounded); a leaf left by a
 * podenter killed with SIGKILL is removed by the next --join-cgroup pod of the
 * same pod (its owner's PID is gone), or with the pod. v1 hierarchies have no
 * such rule: there the pod's own cgroup is joined, as before.
 */
#ifndef PODENTER_CGROUPJOIN_H
#define PODENTER_CGROUPJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "podenter/error.h"

enum pe_cgroup_place {
	PE_CGROUP_HOST = 0, /* stay in podenter's own cgroups (the default) */
	PE_CGROUP_POD, /* the pod's cgroup (parent of the container's) */
	PE_CGROUP_CONTAINER,
};

int pe_cgroup_place_parse(const char *s, enum pe_cgroup_place *out,
			  struct pe_error *err);
const char *pe_cgroup_place_name(enum pe_cgroup_place p);

#define PE_CGROUP_MAX_HIER 24
/* podenter's leaf under a pod's v2 cgroup: the prefix, then podenter's PID */
#define PE_CGROUP_LEAF_PREFIX "podenter-"
/* How long the leaf may take to empty once the session ended (its
 * processes exiting, or killed through cgroup.kill) before it is left. */
#define PE_CGROUP_LEAF_EMPTY_MS 3000

struct pe_cgroup_leaf {
	int parent_fd; /* the pod's v2 cgroup, O_PATH */
	int dir_fd; /* the leaf, O_PATH; -1: no leaf */
	char name[32];
	char where[512]; /* for messages */
};

struct pe_cgroup_join {
	size_t n;
	int procs_fd[PE_CGROUP_MAX_HIER]; /* <dir>/cgroup.procs, O_WRONLY */
	char where[PE_CGROUP_MAX_HIER]
		  [512]; /* mount point + path, for messages */
	/* podenter's own cgroup.procs in each hierarchy it moves in (same
	 * index as procs_fd), to step back out once the session is born;
	 * -1 once back there */
	int home_procs_fd[PE_CGROUP_MAX_HIER];
	char home_where[PE_CGROUP_MAX_HIER][512];
	struct pe_cgroup_leaf leaf;
};

void pe_cgroup_join_init(struct pe_cgroup_join *cj);
/* Close the target's cgroup.procs handles (after the move); the leaf and
 * podenter's own cgroup.procs (to step out) stay. */
void pe_cgroup_join_release(struct pe_cgroup_join *cj);

/*
 * Find the target's cgroups (/proc/<pid>/cgroup read through target_procfd,
 * the host's view) in the hierarchies mounted in the caller's mount
 * namespace (mountinfo text), and open cgroup.procs of each (for POD: of the
 * parent directory, which must name pod_uid; in v2 of a leaf made under
 * it, after removing the leaves of podenters that are gone), and the
 * caller's own cgroup.procs in each of those hierarchies (from
 * /proc/self/cgroup, resolved alike), to step back out. Hierarchies where
 * the caller already is where the target is are skipped. HOST does nothing.
 */
int pe_cgroup_join_prepare(int target_procfd, const char *mountinfo,
			   enum pe_cgroup_place place, const char *pod_uid,
			   struct pe_cgroup_join *cj, struct pe_error *err);

/* Move pid (0: the caller) into every prepared cgroup. */
int pe_cgroup_join_apply(struct pe_cgroup_join *cj, pid_t pid,
			 struct pe_error *err);

/*
 * The session's processes are born in the target's cgroups (or the leaf):
 * the caller (podenter, the relay of the session's stdio) goes back to its
 * own cgroup in every hierarchy it moved in, so that the pod's or the
 * container's limits never pick it (an OOM kill of podenter would end the
 * session, lose its exit status, and leave the leaf). -1 with err naming
 * the first cgroup it could not go back to (it tried every one; those are
 * tried again by pe_cgroup_join_leave). Nothing to do for HOST.
 */
int pe_cgroup_join_step_out(struct pe_cgroup_join *cj, struct pe_error *err);

/*
 * The session ended: move the caller back to its own cgroups (if it has not
 * stepped out yet) and close those handles; if a leaf was made, kill what
 * is left in the leaf (cgroup.kill: the session's
 * processes only ever), remove it, waiting at most PE_CGROUP_LEAF_EMPTY_MS.
 * -1 with err saying where the leaf was left. Closes the leaf's handles
 * either way; nothing to do without a leaf.
 */
int pe_cgroup_join_leave(struct pe_cgroup_join *cj, struct pe_error *err);

/* Is name a leaf of podenter's ("podenter-<pid>")? Its PID in *owner. */
bool pe_cgroup_leaf_owner(const char *name, pid_t *owner);

/* Where a /proc/PID/cgroup line lives: the mount point of its hierarchy in
 * mountinfo, or -1 (exposed for the unit tests). */
int pe_cgroup_mount_for(const char *mountinfo, const char *controllers, bool v2,
			char *out, size_t size);

#endif
