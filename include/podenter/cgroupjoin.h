/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Charging a debug session to the pod (or the container): podenter puts
 * itself into the target's cgroups, in every v1 hierarchy and in v2, from
 * the host side and before it joins any namespace, so the session it forks
 * is born there: it shares the pod's limits and is accounted to it.
 *
 * (clone3(CLONE_INTO_CGROUP) would place only the child, but the kernel
 * checks a cgroup move against the caller's cgroup namespace, which by
 * fork time is the target's, and podenter's own cgroup is outside it; the
 * same check refuses a cgroup.procs write after the join. Hence the move
 * of podenter itself, before the join.)
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

struct pe_cgroup_join {
	size_t n;
	int procs_fd[PE_CGROUP_MAX_HIER]; /* <dir>/cgroup.procs, O_WRONLY */
	char where[PE_CGROUP_MAX_HIER]
		  [512]; /* mount point + path, for messages */
};

void pe_cgroup_join_init(struct pe_cgroup_join *cj);
void pe_cgroup_join_release(struct pe_cgroup_join *cj);

/*
 * Find the target's cgroups (/proc/<pid>/cgroup read through target_procfd,
 * the host's view) in the hierarchies mounted in the caller's mount
 * namespace (mountinfo text), and open cgroup.procs of each (for POD: of the
 * parent directory, which must name pod_uid). Hierarchies where the caller
 * already is where the target is are skipped. HOST does nothing.
 */
int pe_cgroup_join_prepare(int target_procfd, const char *mountinfo,
			   enum pe_cgroup_place place, const char *pod_uid,
			   struct pe_cgroup_join *cj, struct pe_error *err);

/* Move pid (0: the caller) into every prepared cgroup. */
int pe_cgroup_join_apply(struct pe_cgroup_join *cj, pid_t pid,
			 struct pe_error *err);

/* Where a /proc/PID/cgroup line lives: the mount point of its hierarchy in
 * mountinfo, or -1 (exposed for the unit tests). */
int pe_cgroup_mount_for(const char *mountinfo, const char *controllers, bool v2,
			char *out, size_t size);

#endif
