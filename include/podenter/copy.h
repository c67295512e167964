/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter copy: a new process from a container's own definition (its
 * image's layers, environment, working directory, user, volumes, /etc
 * files), as the runtime last started it, beside the pod: for a container
 * that crash-loops, exited, or runs and must not be touched.
 *
 * The definition is one struct (recover.h's pe_recovered_container),
 * recovered from the runtime's on-disk state with no daemon, for a running
 * container as for an exited one. Everything in
 * it may have been influenced by a hostile pod (the spec's mount list, the
 * upper layer's symlinks, device nodes and whiteouts), so:
 *   - every layer and every bind source is opened beneath the host root
 *     with no symlink followed, after a textual check that it lies where
 *     the runtime keeps layers or kubelet keeps the pod's volumes;
 *   - bind sources are cloned by fd (open_tree), never mounted by a path
 *     string; the overlay's options hold only /proc/self/fd/N and paths of
 *     podenter's own staging tmpfs;
 *   - the copy's files are nosuid and nodev; writes land in a tmpfs of the
 *     copy's private mount namespace and vanish with it; the last run's
 *     upper layer (--last-run) is a lower layer, never written.
 * The mount namespace is podenter's own (unshare, "/" recursively private):
 * nothing shows in the node's mount table, and all of it dies with the
 * session's last process, kill -9 included.
 */
#ifndef PODENTER_COPY_H
#define PODENTER_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"
#include "podenter/nsjoin.h"
#include "podenter/recover.h"
#include "podenter/view.h"

/* Where the runtime and kubelet keep what a copy may use (node paths; the
 * containerd roots are recover.h's pe_containerd_roots, k3s's and rke2's
 * too). */
#define PE_COPY_CONTAINERD_STATE "/run/containerd"
#define PE_COPY_KUBELET_PODS "/var/lib/kubelet/pods"
#define PE_COPY_OVERLAY_SNAPSHOTS                                              \
	"io.containerd.snapshotter.v1.overlayfs/snapshots"
#define PE_COPY_CRI_SANDBOXES "io.containerd.grpc.v1.cri/sandboxes"
#define PE_COPY_KUBELET_LOGS "/var/log/pods"
#define PE_COPY_KUBELET_LOG_LINKS "/var/log/containers"

/* The longest spec podenter reads (containerd's are a few KiB). */
#define PE_COPY_SPEC_MAX (4u << 20)

enum pe_copy_mount_kind {
	PE_COPY_MOUNT_BIND = 0, /* a node directory or file, cloned by fd */
	PE_COPY_MOUNT_TMPFS, /* a fresh tmpfs of the copy's own */
	PE_COPY_MOUNT_SESSION, /* /proc, /sys, /dev...: the session's own */
};

/* One mount of the spec, in its order. */
struct pe_copy_mount {
	char *dest; /* absolute, inside the copy, clean (pe_copy_path_ok) */
	char *source; /* BIND: absolute node path, clean */
	enum pe_copy_mount_kind kind;
	bool readonly; /* the spec's "ro" */
};

/* What the runtime ran, from the OCI spec (config.json). */
struct pe_copy_spec {
	char **args; /* process.args, NULL-terminated (may be empty) */
	size_t n_args;
	char *cwd; /* process.cwd, "/" when missing */
	unsigned uid, gid; /* process.user */
	char **group_add; /* process.user.additionalGids, as "GID" strings */
	size_t n_group_add;
	char *hostname;
	bool root_readonly; /* root.readonly */
	/* linux.maskedPaths and linux.readonlyPaths under /proc and /sys,
	 * relative ("proc/kcore"): the copy's /proc and /sys get them, as
	 * the runtime gave them to the container */
	char **masked, **readonly;
	size_t n_masked, n_readonly;
	struct pe_copy_mount *mounts;
	size_t n_mounts;
};

/*
 * Parse an OCI runtime spec. Strict where the value is used: a mount whose
 * destination or bind source is not a clean absolute path (pe_copy_path_ok)
 * makes the whole spec refused (PE_ERR_PARSE), so that nothing half-read
 * is ever run. The environment is read by pe_env_from_config_json.
 */
int pe_copy_spec_parse(const char *json, struct pe_copy_spec *out,
		       struct pe_error *err);
void pe_copy_spec_clear(struct pe_copy_spec *s);

/*
 * A clean absolute path: starts with '/', no empty, "." or ".."
 * components, no trailing '/', none of ',' ':' '\\' or control characters
 * (they would split or escape a mount option), at most PATH_MAX - 64.
 */
bool pe_copy_path_ok(const char *path);

/* Where a bind source lies (node paths, textual, after pe_copy_path_ok). */
enum pe_copy_source_class {
	PE_COPY_SRC_POD = 0, /* kubelet's directory of this pod */
	PE_COPY_SRC_RUNTIME, /* the runtime's directory of this sandbox */
	PE_COPY_SRC_OTHER, /* anything else: a hostPath, another pod's files */
};
enum pe_copy_source_class pe_copy_classify_source(const char *source,
						  const char *pod_uid,
						  const char *sandbox_id);

/* The same, also knowing the runtime's own directories of def
 * (def->runtime_dirs: Docker's containers/<id> of it and its sandbox). */
enum pe_copy_source_class
pe_copy_classify_source_of(const struct pe_recovered_container *def,
			   const char *source);

/* The whole request: definition, spec, and the caller's choices. */
struct pe_copy {
	struct pe_recovered_container def;
	struct pe_copy_spec spec;
	bool last_run; /* the last run's upper layer as the top lower */
	bool net_none; /* a network namespace of its own: loopback only */
	bool share_processes; /* the pod's PID namespace, else a new one */
	bool host_paths; /* bind sources outside the pod's dirs, read-only */
	bool readonly; /* every mount read-only, volumes too (cp's view) */
};

/*
 * The definition of c (as resolution found it, running or not), recovered
 * from its runtime's files with no daemon: containerd's (recover.c) or
 * Docker's (recover_docker.c). NOT_FOUND or UNSUPPORTED otherwise.
 */
int pe_copy_load_definition(const struct pe_hostroot *hr,
			    const struct pe_container *c,
			    struct pe_recovered_container *def,
			    struct pe_error *err);

/*
 * Fill cp->spec from cp->def.spec_json and check the layers: each of
 * def.lowerdirs (and def.upperdir for last_run) must be a clean path of
 * the form <a containerd root>/io.containerd.snapshotter.v1.overlayfs/
 * snapshots/N/fs, or with def.layers_root set (Docker)
 * <layers_root>/NAME/diff. USAGE for --last-run without an upper layer.
 */
int pe_copy_prepare(struct pe_copy *cp, struct pe_error *err);
void pe_copy_clear(struct pe_copy *cp);

/* For the copy's note: what a mount became ("skipped", "read-only"). */
typedef void (*pe_copy_note_fn)(const char *msg);

/*
 * In podenter's process, with the node's files still reachable: open every
 * layer and bind source beneath the host root, clone the bind sources and
 * tools_dir (may be NULL) read-only, then unshare a private mount
 * namespace, build the copy's root there (the overlay, a minimal /dev, the
 * spec's mounts, the tools at PE_VIEW_TOOLS_MOUNT) and pivot into it. v is
 * filled as for a container view (the guards are the pinned sandbox's,
 * read through procfd, and the spec's masked and read-only paths). The child
 * then mounts a fresh guarded /proc and a fresh read-only /sys
 * (pe_ns_mount_fresh_proc, pe_ns_guard_sys).
 */
int pe_copy_enter(const struct pe_copy *cp, const struct pe_hostroot *hr,
		  const char *tools_dir, int procfd, struct pe_view *v,
		  pe_copy_note_fn note, struct pe_error *err);

/*
 * The container's files as the copy sees them, for podenter's own process
 * to read (podenter cp from an exited container): a helper process builds
 * the copy's root exactly as pe_copy_enter does (no tools; cp->readonly
 * for cp), in a mount namespace of its own, and hands back an O_PATH fd of
 * that root and an fd of the namespace, then exits. Holding the namespace
 * fd keeps its mounts (the volumes below the root) attached; closing both
 * (pe_copy_root_close, or podenter's death, kill -9 included) ends them.
 * Nothing ever shows in the node's mount table, and no process stays.
 */
struct pe_copy_root {
	int rootfd; /* O_PATH, the copy's "/" */
	int nsfd; /* its mount namespace */
};
int pe_copy_root_open(const struct pe_copy *cp, const struct pe_hostroot *hr,
		      pe_copy_note_fn note, struct pe_copy_root *out,
		      struct pe_error *err);
void pe_copy_root_close(struct pe_copy_root *r);

/* In a new network namespace: bring the loopback device up. */
int pe_copy_loopback_up(struct pe_error *err);

/*
 * The last max_lines lines of a CRI log file (kubelet's
 * /var/log/pods/... format: "TIME STREAM P|F TEXT"), as kubectl logs
 * prints them: partial lines joined, each line ending in '\n', control
 * characters but tabs (terminal escapes, NUL) shown as '?'. Reads at
 * most the file's last 64 KiB, beneath the host root, no link followed
 * but kubelet's /var/log/containers link, once, to /var/log/pods.
 * *out is malloc'd ("" when the file is empty); -1 + err when unreadable.
 */
int pe_copy_log_tail(const struct pe_hostroot *hr, const char *log_path,
		     size_t max_lines, char **out, struct pe_error *err);
/* The same on a buffer already read (for the fuzzer and unit tests). */
char *pe_copy_cri_log_text(const char *buf, size_t len, size_t max_lines);

#endif
