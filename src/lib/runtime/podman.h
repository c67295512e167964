/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PODENTER_RUNTIME_PODMAN_H
#define PODENTER_RUNTIME_PODMAN_H

#include <stdbool.h>

#include "podenter/container.h"
#include "podenter/hostroot.h"

struct json_object;

/* The namespace podman's pods and containers are listed under: podman has
 * no Kubernetes namespace, so "podman/<pod>" names them (README). */
#define PE_PODMAN_NAMESPACE "podman"

/*
 * containers/storage's own index of containers (containers.json, and
 * volatile-containers.json for --rm containers): the only file that holds
 * a podman container's name and image name. A hash from id to entry, so a
 * scan stays linear in containers.
 */
struct pe_podman_index {
	struct json_object *by_id; /* id -> the entry (object), NULL: none */
};

/* Add the entries of one containers.json text to ix. -1 when buf is not a
 * JSON array (ix keeps what it had), or on allocation failure. */
int pe_podman_index_add_json(struct pe_podman_index *ix, const char *buf);
/* The same from a parsed array (not taken). -1 when it is not an array,
 * or on allocation failure. */
int pe_podman_index_add(struct pe_podman_index *ix, struct json_object *arr);
/* Load both index files from the host root; missing files are no error. */
void pe_podman_index_load(const struct pe_hostroot *hr,
			  struct pe_podman_index *ix);
void pe_podman_index_free(struct pe_podman_index *ix);
/* The container's first name and its image name, NULL when unknown. The
 * strings live as long as ix. */
void pe_podman_index_lookup(const struct pe_podman_index *ix, const char *id,
			    const char **name, const char **image);

/* The container's own layer (containers.json "layer"), NULL when unknown;
 * not checked (recover_storage.c checks it). Lives as long as ix. */
const char *pe_podman_index_layer(const struct pe_podman_index *ix,
				  const char *id);

/* Fill a record from a config.json of containers/storage's userdata
 * (CRI-O's, or podman's: io.container.manager says which) and podman's
 * index (NULL: none). c->container_id must be set. -1 on ENOMEM. */
int pe_storage_fill_record(struct pe_container *c, struct json_object *cfg,
			   const struct pe_podman_index *ix);

/* The podman pod id in an OCI linux.cgroupsPath, cgroupfs
 * ("/libpod_parent/<pod>/libpod-<id>") or systemd
 * ("machine-libpod_pod_<pod>.slice:libpod:<id>"). */
bool pe_podman_pod_of_cgroups_path(const char *path, char out[65]);

/* Fill a record from a libpod-made config.json (found by crio.c's walk of
 * containers/storage, which podman shares with CRI-O) and the storage
 * index (NULL: none). c->container_id must be set. -1 on ENOMEM. */
int pe_podman_fill(struct pe_container *c, struct json_object *cfg,
		   const struct pe_podman_index *ix);

/* After a scan added records from index `from` on: give pod members their
 * pod's name (the infra container's) and drop the "<pod>-" prefix podman
 * puts on their names. -1 on ENOMEM. */
int pe_podman_link_pods(struct pe_container_list *l, size_t from);

#endif
