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

/* Docker: the container's and its sandbox's containers/<id>;
 * containers/storage: the userdata directory of each under the graph and
 * the run root. */
#define PE_RECOVER_RUNTIME_DIRS 4

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
	/* pod identity, from the spec's io.kubernetes.cri.* annotations (or
	 * Docker's io.kubernetes.* labels) */
	char *namespace, *pod, *pod_uid, *container;
	/*
	 * Runtimes other than containerd (NULL for containerd): every layer
	 * (lowerdirs, upperdir) must be <layers_root>/<one name>/diff, and
	 * runtime_dirs are the runtime's own directories of this container
	 * and its sandbox (hosts, resolv.conf, hostname live there), binds
	 * from which are the runtime's, not hostPaths. Absolute node paths.
	 */
	char *layers_root;
	char *runtime_dirs[PE_RECOVER_RUNTIME_DIRS];
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

/*
 * Docker (and cri-dockerd), storage driver overlay2, data root data_root (a
 * node path such as "/var/lib/docker"):
 *   <data_root>/containers/<id>/config.v2.json, hostconfig.json
 *   <data_root>/image/overlay2/layerdb/mounts/<id>/{mount-id,init-id,parent}
 *   <data_root>/image/overlay2/layerdb/sha256/<chain>/{cache-id,parent}
 *   <data_root>/overlay2/<cache-id>/{diff,link,lower}
 * Docker keeps no OCI spec of a stopped container: spec_json is built from
 * config.v2.json and hostconfig.json as the OCI fields copy reads (process
 * args/env/cwd/user, hostname, root.readonly, mounts, masked and read-only
 * paths), so that copy has one spec parser and one set of checks for
 * every runtime. id is the full 64-hex id. -1 with err: PE_ERR_NOT_FOUND
 * (no such container), PE_ERR_PARSE (a file is not what Docker writes, a
 * layer id is not one), PE_ERR_UNSUPPORTED (another storage driver, a user
 * or group given by name).
 */
int pe_recover_docker(const struct pe_hostroot *hr, const char *data_root,
		      const char *id, struct pe_recovered_container *out,
		      struct pe_error *err);

/*
 * The file part of pe_recover_docker: config.v2.json and hostconfig.json
 * (hostconfig may be NULL) into out's spec_json, identity and exit (not
 * the layers). Public for the fuzzer and the unit tests.
 */
int pe_recover_docker_parse(const char *config, size_t config_len,
			    const char *hostconfig, size_t hostconfig_len,
			    struct pe_recovered_container *out,
			    struct pe_error *err);

/* Docker's data root from the path a record was read from (its bundle:
 * "<root>/containers/<id>" or ".../config.v2.json"), false when it is not
 * one. */
bool pe_docker_data_root_of(const char *record_path, const char *id, char *out,
			    size_t size);

/*
 * podman and CRI-O: containers/storage, driver overlay (recover_storage.c
 * has the layout), graph root graph_root (NULL: PE_STORAGE_GRAPH_ROOT) and
 * run root run_root (NULL: PE_STORAGE_RUN_ROOT), node paths. The spec is
 * the container's userdata/config.json as the runtime wrote it; the
 * layers are the container's layer in containers.json (upperdir, NULL
 * when gone) and its parents in layers.json (lowerdirs), checked against
 * overlay/<layer>/lower. id is the full 64-hex id. -1 with err:
 * PE_ERR_NOT_FOUND (no such container, no spec: never started, a layer
 * missing), PE_ERR_PARSE (a file is not what containers/storage writes, an
 * id is not one, a chain loops or is longer than 500 layers).
 */
#define PE_STORAGE_GRAPH_ROOT "/var/lib/containers/storage"
#define PE_STORAGE_RUN_ROOT "/run/containers/storage"
int pe_recover_storage(const struct pe_hostroot *hr, const char *graph_root,
		       const char *run_root, const char *id,
		       struct pe_recovered_container *out,
		       struct pe_error *err);

/*
 * The file part of pe_recover_storage: containers.json, layers.json and
 * the container's config.json (each buffer of exactly its length) into
 * out's spec_json, identity, upperdir and lowerdirs (paths
 * "<rel_root>/overlay/<layer>/diff", rel_root being the graph root
 * without its leading '/'; not checked on disk). Public for the fuzzer and
 * the unit tests.
 */
int pe_recover_storage_parse(const char *containers, size_t containers_len,
			     const char *layers, size_t layers_len,
			     const char *config, size_t config_len,
			     const char *id, const char *rel_root,
			     struct pe_recovered_container *out,
			     struct pe_error *err);

/*
 * podman 4's record of a container's state (libpod/bolt_state.db, bucket
 * ctr/<id>, key "state": JSON) into c's has_exit, exit_code, reason,
 * started/finished times and restart count. -1 when buf is not such a
 * JSON object (c may be partly filled) or on ENOMEM. Public for the
 * fuzzer and the unit tests.
 */
int pe_recover_podman_state_parse(const char *buf, size_t len,
				  struct pe_recovered_container *c);

#endif
