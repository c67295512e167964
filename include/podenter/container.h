/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the node knows about one container (or pod sandbox): the record every
 * runtime source produces and every consumer (list, inspect, enter, sniff)
 * reads. Strings are owned by the record; pe_container_clear() frees them.
 */
#ifndef PODENTER_CONTAINER_H
#define PODENTER_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum pe_runtime {
	PE_RT_UNKNOWN = 0,
	PE_RT_CONTAINERD,
	PE_RT_CRIO,
	PE_RT_DOCKER,
	PE_RT_PODMAN,
};

const char *pe_runtime_name(enum pe_runtime rt);

/* Where a record came from; also the order of trust when merging. */
enum pe_source {
	PE_SRC_NONE = 0,
	PE_SRC_CONTAINERD_TASK, /* <state>/io.containerd.runtime.v2.task */
	PE_SRC_CRIO_USERDATA, /* /run/containers/storage/... userdata */
	PE_SRC_DOCKER_CONFIG, /* /var/lib/docker/containers/<id>/config.v2.json
			       */
	PE_SRC_PODMAN_USERDATA,
	PE_SRC_KUBELET_LOGS, /* /var/log/pods + /var/log/containers */
	PE_SRC_PROC_CGROUP, /* /proc/<pid>/cgroup scan (fallback) */
	PE_SRC_CONTAINERD_META, /* containerd's meta.db (recover.c): exited too
				 */
};

const char *pe_source_name(enum pe_source src);

enum pe_pid_state {
	PE_PID_UNKNOWN = 0, /* no PID recorded (exited container, no pidfile) */
	PE_PID_VERIFIED, /* /proc/<pid>/cgroup names the container */
	PE_PID_STALE, /* a PID was recorded but does not name it now */
	PE_PID_GONE, /* a PID was recorded but no such process exists */
};

/* The namespaces podenter knows, in the order nsenter joins them. */
enum pe_ns_type {
	PE_NS_USER = 0,
	PE_NS_CGROUP,
	PE_NS_IPC,
	PE_NS_UTS,
	PE_NS_NET,
	PE_NS_PID,
	PE_NS_MNT,
	PE_NS_TIME,
	PE_NS_COUNT
};

/* "net", "pid", ... as in /proc/PID/ns/ */
const char *pe_ns_name(enum pe_ns_type t);

struct pe_container {
	char *namespace; /* Kubernetes namespace, NULL when unknown */
	char *pod; /* pod name */
	char *pod_uid; /* pod UID with dashes */
	char *container; /* container name; NULL for sandboxes */
	char *container_id; /* full runtime id (64 hex for most runtimes) */
	char *sandbox_id; /* the pod sandbox's id (its own id for sandboxes) */
	char *image;
	char *bundle; /* the file or directory the record was read from */
	char *log_path; /* kubelet's log file for the container, if known */
	char *cgroup; /* the init process's cgroup path (first line naming the
			 id) */
	/* its configured environment as read with the record (NULL-terminated
	 * "KEY=VALUE"s), or NULL: read from the bundle when needed */
	char **config_env;
	enum pe_runtime runtime;
	enum pe_source source;
	bool is_sandbox;
	bool running; /* the runtime says so (task present, State.Running) */
	bool paused; /* its cgroup is frozen (pe_note_paused) */
	int attempt; /* restart count when known, else -1 */
	pid_t pid; /* init process in the host PID namespace, 0 if none */
	enum pe_pid_state pid_state;
	unsigned long long start_time; /* field 22 of /proc/PID/stat */
	bool user_namespaced; /* its user ns differs from the host's */
	/* /proc/PID/ns/<type> inode numbers, 0 when unreadable */
	unsigned long ns_inode[PE_NS_COUNT];
};

void pe_container_clear(struct pe_container *c);

/* Deep copy; returns -1 on allocation failure (dst is left cleared). */
int pe_container_copy(struct pe_container *dst, const struct pe_container *src);

/* "running", "paused", "exited", "stale-pid", ... for output */
const char *pe_container_state(const struct pe_container *c);

struct pe_container_list {
	struct pe_container *items;
	size_t len;
	size_t cap;
};

/* Append a zeroed record and return it, or NULL on allocation failure. */
struct pe_container *pe_list_add(struct pe_container_list *l);
void pe_list_free(struct pe_container_list *l);
/* Sort by namespace, pod, sandbox first, then container name. */
void pe_list_sort(struct pe_container_list *l);
/* Find by full id, or NULL. */
struct pe_container *pe_list_find_id(const struct pe_container_list *l,
				     const char *id);

#endif
