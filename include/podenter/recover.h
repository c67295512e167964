/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recovering a container's definition from the runtime's files on disk,
 * read-only, with no daemon: for a container that exited (no bundle under
 * /run any more), is crash-looping, or whose runtime is hung.
 *
 * containerd (and k3s/rke2, whose root is elsewhere):
 *   <root>/io.containerd.metadata.v1.bolt/meta.db (bbolt)
 *     v1/<ns>/containers/<id>/{spec, image, snapshotKey, snapshotter,
 *                              labels/, extensions/, createdat, ...}
 *     v1/<ns>/snapshots/<snapshotter>/<key>/{name, parent, ...}
 *   <root>/io.containerd.snapshotter.v1.overlayfs/metadata.db (bbolt)
 *     v1/snapshots/<name>/{id, parent, kind, ...} -> snapshots/<id>/fs
 *   <root>/io.containerd.grpc.v1.cri/containers/<id>/status (CRI's exit)
 * Every file is opened beneath the host root (pe_host_open), never locked.
 */
#ifndef PODENTER_RECOVER_H
#define PODENTER_RECOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"

struct pe_recovered_container {
	char *id; /* full container id */
	char *sandbox_id; /* the pod sandbox's container id, NULL if unknown */
	char *spec_json; /* the OCI runtime spec the runtime last used */
	char *image; /* image reference */
	char *snapshotter; /* "overlayfs" */
	char *snapshot_key; /* the container's snapshot (its key in meta.db) */
	/*
	 * Image layers, top first, as overlay's lowerdir= wants them (read for
	 * the overlayfs snapshotter only: with another, none); paths
	 * relative to the host root, e.g.
	 * "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs".
	 */
	char **lowerdirs;
	size_t n_lowerdirs;
	/* The last run's writable layer (the active snapshot's fs dir, same
	 * form), NULL if gone. Read it only (e.g. as the top lowerdir for
	 * --last-run): the runtime still owns it. */
	char *upperdir;
	char *log_path; /* kubelet's log file of the last run, node path */
	bool has_exit; /* the runtime recorded that the last run ended */
	int exit_code;
	char *reason; /* "Error", "Completed", "OOMKilled", NULL */
	long long created_at_ns, started_at_ns,
	    finished_at_ns; /* unix ns, 0 unknown */
	int restart_count; /* -1 if unknown */
	int attempt; /* CRI metadata attempt, -1 if unknown */
	/* pod identity, from the spec's io.kubernetes.cri.* annotations */
	char *namespace, *pod, *pod_uid, *container;
};

/* Default containerd roots tried in order when containerd_root is NULL,
 * after a top-level `root = "..."` in /etc/containerd/config.toml (or
 * k3s's and rke2's) that holds a meta.db. */
extern const char *const pe_containerd_roots[];

/* The top-level `root` of a containerd config.toml (a plain absolute path
 * in "..." or '...', no escapes) into out. false when there is none. */
bool pe_containerd_root_from_config(const char *toml, char *out, size_t size);

/*
 * Recover container id (full id, or a unique prefix of at least 4 hex
 * characters) of containerd namespace ns (NULL: "k8s.io") from the files
 * under containerd_root (a node path such as "/var/lib/containerd"; NULL:
 * the root containerd's config names, else the first of
 * pe_containerd_roots holding a meta.db). Fills *out (cleared
 * first). Missing pieces that are optional (CRI status, extensions, the
 * upper snapshot) leave their fields NULL/-1; a missing container is
 * PE_ERR_NOT_FOUND, a prefix naming several PE_ERR_AMBIGUOUS, a corrupt
 * file PE_ERR_PARSE naming the file and bucket. -1 with err on failure.
 */
int pe_recover_containerd(const struct pe_hostroot *hr,
			  const char *containerd_root, const char *ns,
			  const char *id, struct pe_recovered_container *out,
			  struct pe_error *err);

void pe_recovered_container_clear(struct pe_recovered_container *c);

/*
 * Every container of namespace ns in meta.db, running or not, appended to
 * out as records with runtime containerd, source PE_SRC_CONTAINERD_META,
 * running false, pid 0: id, sandbox id, names from the spec's annotations,
 * image, log path and attempt when known. Sandboxes are included
 * (is_sandbox). Returns 0 (also when no meta.db exists: nothing appended),
 * -1 with err on a corrupt file or allocation failure.
 */
int pe_recover_list_containerd(const struct pe_hostroot *hr,
			       const char *containerd_root, const char *ns,
			       struct pe_container_list *out,
			       struct pe_error *err);

/*
 * CRI's status checkpoint (io.containerd.grpc.v1.cri/containers/<id>/status,
 * JSON) into c's created/started/finished times, has_exit, exit_code and
 * reason. -1 with errno EINVAL when buf is not a JSON object, ENOMEM.
 * (What pe_recover_containerd uses; public for the fuzzer and tests.)
 */
int pe_recover_parse_cri_status(const char *buf, size_t len,
				struct pe_recovered_container *c);

/*
 * Add to list what meta.db knows and it does not (pe_recover_list_containerd
 * merged by container id): records for containers no other source saw
 * (exited, their kubelet logs gone; created, never started) that want
 * accepts (NULL: all), and the empty fields (sandbox id, names, image, log
 * path, attempt) of those it has. A record's running state and PID are
 * never touched. For `copy` and `list --all`, off the live path. Returns 0
 * (also without a meta.db), -1 with err.
 */
int pe_recover_merge_containerd(
    const struct pe_hostroot *hr, const char *containerd_root, const char *ns,
    bool (*want)(const struct pe_container *c, void *arg), void *arg,
    struct pe_container_list *list, struct pe_error *err);

#endif
