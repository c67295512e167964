/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading /proc/PID/cgroup lines for Kubernetes identity: which runtime put
 * the process there, its container id, its pod UID and QoS class. Handles
 * cgroup v1 and v2, the cgroupfs and systemd drivers, every QoS class, CRI-O
 * conmon scopes, podman and nested (kind) layouts.
 */
#ifndef PODENTER_CGROUP_H
#define PODENTER_CGROUP_H

#include <stdbool.h>

#include "podenter/container.h"

enum pe_qos {
	PE_QOS_UNKNOWN = 0,
	PE_QOS_GUARANTEED,
	PE_QOS_BURSTABLE,
	PE_QOS_BESTEFFORT,
};

const char *pe_qos_name(enum pe_qos q);

struct pe_cgroup_info {
	enum pe_runtime runtime;
	char container_id[129]; /* empty when the path names no container */
	char pod_uid[64]; /* with dashes; empty when not a pod */
	enum pe_qos qos;
	bool is_conmon; /* CRI-O's conmon scope, not the container */
};

/*
 * Parse one cgroup path (the part after "hierarchy:controllers:"), e.g.
 * "/kubepods/besteffort/pod<uid>/<id>". Returns true when it is a Kubernetes
 * pod or known runtime container path.
 */
bool pe_cgroup_parse_path(const char *path, struct pe_cgroup_info *out);

/*
 * Parse a whole /proc/PID/cgroup file: the first line that yields a
 * container id wins (v2 "0::" line and v1 lines alike). Returns true when
 * some line identified a container or pod.
 */
bool pe_cgroup_parse_file(const char *content, struct pe_cgroup_info *out);

/* True when the file names the container id as a whole path component
 * (or in a runtime-prefixed scope such as cri-containerd-<id>.scope). */
bool pe_cgroup_names_id(const char *content, const char *container_id);

/* Copy into out the path of the first line naming the id; false if none. */
bool pe_cgroup_path_of(const char *content, const char *container_id, char *out,
		       size_t size);

/*
 * The node files that say whether the cgroup of one /proc/PID/cgroup line
 * (len bytes, no newline) is frozen, relative to the host root: v1's
 * freezer.state (frozen when it holds "FROZEN"), or v2's cgroup.events
 * (holding "\nfrozen 1") at /sys/fs/cgroup (v2 only) and
 * /sys/fs/cgroup/unified (hybrid). Returns how many were written to files,
 * 0 for a line of another v1 hierarchy or one the kernel cannot have written
 * (no leading '/', a ".." component).
 */
#define PE_CGROUP_FREEZER_FILES 2
size_t pe_cgroup_freezer_files(const char *line, size_t len,
			       char files[PE_CGROUP_FREEZER_FILES][4400],
			       const char **frozen);

#endif
