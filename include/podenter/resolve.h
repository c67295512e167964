/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding containers from the node's own files: runtime state first (cost
 * grows with containers), kubelet's log trees for names, and a /proc cgroup
 * scan only when no runtime state exists at all.
 */
#ifndef PODENTER_RESOLVE_H
#define PODENTER_RESOLVE_H

#include <stdbool.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"
#include "podenter/target.h"

#define PE_SCAN_MAX_TRIED 32

/* What a scan looked at, so "nothing found" can say where it looked. */
struct pe_scan_report {
	char tried[PE_SCAN_MAX_TRIED][256]; /* node paths that were examined */
	bool tried_exists[PE_SCAN_MAX_TRIED];
	unsigned ntried;
	unsigned
	    sources_found; /* bit (1 << enum pe_source) per source with data */
	bool used_proc_scan; /* fell back to scanning /proc */
};

/*
 * Narrowing for a scan. Sources may use it to skip parsing files that cannot
 * match (a cheap substring test before JSON parsing); they may also return
 * records that do not match, the caller filters again.
 */
struct pe_scan_filter {
	const char *literal; /* a string every match contains (pod name part) */
	const char *id_prefix; /* container id prefix */
	const char *const *ids; /* only these exact ids, when nids > 0 */
	size_t nids;
	/* with exact ids: also the sandboxes of the containers found, where
	 * a runtime keeps them beside their containers (containerd), so that
	 * resolution by pod name needs no second scan for them */
	bool with_sandboxes;
};

/* Run every source and merge into one list (sandboxes included). */
int pe_node_scan(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		 struct pe_container_list *out, struct pe_scan_report *report,
		 struct pe_error *err);

/*
 * Confirm c->pid still names the container: /proc/PID/cgroup must name the
 * container id (and pod UID when known). Fills pid_state, start_time, cgroup,
 * ns_inode[] and user_namespaced. Never fails: problems show in pid_state.
 */
void pe_verify_pid(const struct pe_hostroot *hr, struct pe_container *c);

/*
 * The identity half of pe_verify_pid() through an already open (pinned)
 * /proc/PID directory: pid_state, start_time and cgroup; ns_inode[] and
 * user_namespaced are left as they are.
 */
void pe_verify_pid_at(int procfd, struct pe_container *c);

/*
 * Set c->paused when the verified process's cgroup is frozen (docker pause,
 * podman pause, ctr task pause): cgroup v1's freezer or v2's cgroup.events,
 * read under the host root. Costs a few file reads: list and inspect call
 * it, entering does not.
 */
void pe_note_paused(const struct pe_hostroot *hr, struct pe_container *c);

struct pe_resolve_opts {
	const char *container; /* -c NAME, NULL for the default */
	bool any; /* several pods match: take the first */
	bool include_sandboxes; /* allow the pause container itself */
	/* an id: target may name a container that is not running (cp reads
	 * its files); out->pid_state then says it is not VERIFIED */
	bool allow_exited;
};

/* What resolution decided on its own, for the CLI to say on stderr. */
struct pe_resolve_note {
	char defaulted_container[256]; /* non-empty: -c was not given */
	char other_containers[1024]; /* the others the pod has */
	bool sandbox_fallback; /* app container not running: sandbox */
	unsigned matched_pods; /* pods matching a pattern (with --any) */
};

/*
 * Resolve one target to exactly one container whose PID was verified.
 * Errors are written for people: not found lists near names and other
 * namespaces holding the pod; ambiguous patterns list the matches.
 */
int pe_resolve(const struct pe_hostroot *hr, const struct pe_target *t,
	       const struct pe_resolve_opts *o, struct pe_container *out,
	       struct pe_resolve_note *note, struct pe_error *err);

/* One pod of pe_resolve_each(): its container, or why it has none. */
struct pe_resolved {
	char namespace[254];
	char pod[254];
	bool ok; /* c is the verified container; else err says why not */
	struct pe_container c;
	struct pe_resolve_note note;
	struct pe_error err;
};

/*
 * Every pod a pod target (name, glob or owner prefix) matches, each
 * resolved to its container as pe_resolve() would (-c, else the default
 * container, else the sandbox): --each. Fails only when no pod matches
 * (the same errors as pe_resolve()) or the target is not a pod; a pod
 * without a usable container is an entry with ok false. Free the array
 * with pe_resolved_free().
 */
int pe_resolve_each(const struct pe_hostroot *hr, const struct pe_target *t,
		    const struct pe_resolve_opts *o, struct pe_resolved **out,
		    size_t *nout, struct pe_error *err);
void pe_resolved_free(struct pe_resolved *r, size_t n);

/*
 * All containers of all pods matching t (a pod name, glob or prefix), for
 * list, sniff and completions. all_namespaces ignores t->namespace.
 */
int pe_resolve_pods(const struct pe_hostroot *hr, const struct pe_target *t,
		    bool all_namespaces, struct pe_container_list *out,
		    struct pe_scan_report *report, struct pe_error *err);

/*
 * podenter copy: the container to copy (running or not; -c NAME, else the
 * pod's first app container by name; its newest attempt) and the pod's
 * running sandbox (PID verified). One pod: several match is AMBIGUOUS
 * unless any. Both records are deep copies. sandbox NULL: the sandbox is
 * neither looked for nor needed (cp reads an exited container's files).
 */
int pe_resolve_for_copy(const struct pe_hostroot *hr, const struct pe_target *t,
			const char *container, bool any,
			struct pe_container *chosen,
			struct pe_container *sandbox, struct pe_error *err);

/* The node itself (PID 1 of the host root's /proc) as a record. */
int pe_resolve_node(const struct pe_hostroot *hr, struct pe_container *out,
		    struct pe_error *err);

/* Pod-name match as `list` and resolution do it: exact, glob, or a
 * Deployment/ReplicaSet prefix ("nginx-deployment" matches
 * "nginx-deployment-7848d4b86f-6qzm9"). */
bool pe_pod_name_matches(const char *pattern, bool is_glob, const char *pod);

#endif
