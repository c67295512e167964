/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podman keeps its containers in containers/storage, like CRI-O, but what it
 * writes differs (seen on podman 4.3.1, Debian 12):
 *   /var/lib/containers/storage/overlay-containers/<id>/userdata/config.json
 *   /run/containers/storage/overlay-containers/<id>/userdata/pidfile
 *       (left behind, stale, when the container stops)
 *   /var/lib/containers/storage/overlay-containers/containers.json
 *       names and image names (the config.json holds neither)
 * The infra container of a pod has no io.kubernetes.cri-o.ContainerType and
 * its hostname is the pod's name; members carry ContainerType=container and
 * SandboxID=<infra id>, and are named "<pod>-<container>" by `kube play`.
 * Pods have no Kubernetes namespace: every podman record is listed under
 * PE_PODMAN_NAMESPACE. A container outside any pod is its own pod, under
 * its own name.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/podman.h"
#include "runtime/sources.h"

#define INDEX_MAX (64u << 20)

static const char *const index_files[] = {
	"/var/lib/containers/storage/overlay-containers/containers.json",
	"/run/containers/storage/overlay-containers/volatile-containers.json",
};

/* "image-name" out of the entry's metadata, itself a JSON text in a
 * string; NULL when absent. The result is owned by the caller. */
static struct json_object *image_name_of(struct json_object *entry)
{
	const char *meta = pe_json_str(entry, "metadata");
	struct json_object *m, *img = NULL;

	if (!meta)
		return NULL;
	m = json_tokener_parse(meta);
	if (!m)
		return NULL;
	if (pe_json_str(m, "image-name"))
		img = json_object_new_string(pe_json_str(m, "image-name"));
	json_object_put(m);
	return img;
}

int pe_podman_index_add_json(struct pe_podman_index *ix, const char *buf)
{
	struct json_object *arr = json_tokener_parse(buf);
	int r;

	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return -1;
	}
	r = pe_podman_index_add(ix, arr);
	json_object_put(arr);
	return r;
}

int pe_podman_index_add(struct pe_podman_index *ix, struct json_object *arr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return -1;
	if (!ix->by_id && !(ix->by_id = json_object_new_object()))
		return -1;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *names = NULL, *rec, *first;
		const char *id = pe_json_str(e, "id");

		if (!id || !*id)
			continue;
		rec = json_object_new_object();
		if (!rec)
			return -1;
		if (json_object_object_get_ex(e, "names", &names) &&
		    json_object_is_type(names, json_type_array) &&
		    json_object_array_length(names) > 0 &&
		    (first = json_object_array_get_idx(names, 0)) &&
		    json_object_is_type(first, json_type_string))
			json_object_object_add(rec, "name",
					       json_object_get(first));
		json_object_object_add(rec, "image", image_name_of(e));
		/* the container's own layer: its writable one, whose parent
		 * chain is the image (copy, recover_storage.c) */
		if (pe_json_str(e, "layer"))
			json_object_object_add(
			    rec, "layer",
			    json_object_new_string(pe_json_str(e, "layer")));
		json_object_object_add(ix->by_id, id, rec);
	}
	return 0;
}

void pe_podman_index_load(const struct pe_hostroot *hr,
			  struct pe_podman_index *ix)
{
	for (size_t i = 0; i < sizeof(index_files) / sizeof(index_files[0]);
	     i++) {
		char *buf = NULL;

		if (pe_host_read_file(hr, index_files[i], INDEX_MAX, &buf) >= 0)
			(void)pe_podman_index_add_json(ix, buf);
		free(buf);
	}
}

void pe_podman_index_free(struct pe_podman_index *ix)
{
	json_object_put(ix->by_id);
	ix->by_id = NULL;
}

void pe_podman_index_lookup(const struct pe_podman_index *ix, const char *id,
			    const char **name, const char **image)
{
	struct json_object *rec = NULL;

	*name = NULL;
	*image = NULL;
	if (!ix || !ix->by_id || !id ||
	    !json_object_object_get_ex(ix->by_id, id, &rec))
		return;
	*name = pe_json_str(rec, "name");
	*image = pe_json_str(rec, "image");
}

const char *pe_podman_index_layer(const struct pe_podman_index *ix,
				  const char *id)
{
	struct json_object *rec = NULL;

	if (!ix || !ix->by_id || !id ||
	    !json_object_object_get_ex(ix->by_id, id, &rec))
		return NULL;
	return pe_json_str(rec, "layer");
}

static bool is_hex_id(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool pe_podman_pod_of_cgroups_path(const char *path, char out[65])
{
	static const char sd[] = "libpod_pod_";
	const char *p, *slash;

	if (!path)
		return false;
	/* systemd: machine-libpod_pod_<pod>.slice:libpod:<id> */
	p = strstr(path, sd);
	if (p &&
	    is_hex_id(p + sizeof(sd) - 1, strcspn(p + sizeof(sd) - 1, ".:/"))) {
		memcpy(out, p + sizeof(sd) - 1, 64);
		out[64] = '\0';
		return true;
	}
	/* cgroupfs: <parent>/<pod>/libpod-<id>: the component before last */
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return false;
	p = slash;
	while (p > path && p[-1] != '/')
		p--;
	if (!is_hex_id(p, (size_t)(slash - p)))
		return false;
	memcpy(out, p, 64);
	out[64] = '\0';
	return true;
}

/* A podman made with Kubernetes annotations (older `kube play`). */
static int fill_from_kube_annotations(struct pe_container *c,
				      struct json_object *ann, const char *pod)
{
	const char *kubens = pe_json_str(ann, "io.kubernetes.pod.namespace");

	return pe_strdup_into(&c->namespace,
			      kubens ? kubens : PE_PODMAN_NAMESPACE) ||
	       pe_strdup_into(&c->pod, pod) ||
	       pe_strdup_into(&c->pod_uid,
			      pe_json_str(ann, "io.kubernetes.pod.uid"));
}

/* Drop "<pod>-" from a member's name, as `kube play` and users write it. */
static int strip_pod_prefix(struct pe_container *c)
{
	size_t plen;
	char *rest;

	if (!c->container || !c->pod)
		return 0;
	plen = strlen(c->pod);
	if (strncmp(c->container, c->pod, plen) != 0 ||
	    c->container[plen] != '-' || c->container[plen + 1] == '\0')
		return 0;
	rest = strdup(c->container + plen + 1);
	if (!rest)
		return -1;
	free(c->container);
	c->container = rest;
	return 0;
}

int pe_podman_fill(struct pe_container *c, struct json_object *cfg,
		   const struct pe_podman_index *ix)
{
	struct json_object *ann = NULL, *linux_obj = NULL;
	const char *type, *sandbox, *kube_pod, *name, *image, *hostname;
	char pod_id[65];
	bool in_pod;

	json_object_object_get_ex(cfg, "annotations", &ann);
	json_object_object_get_ex(cfg, "linux", &linux_obj);
	c->runtime = PE_RT_PODMAN;
	type = pe_json_str(ann, "io.kubernetes.cri-o.ContainerType");
	sandbox = pe_json_str(ann, "io.kubernetes.cri-o.SandboxID");
	kube_pod = pe_json_str(ann, "io.kubernetes.pod.name");
	hostname = pe_json_str(cfg, "hostname");
	pe_podman_index_lookup(ix, c->container_id, &name, &image);
	if (!name)
		name = pe_json_str(ann, "io.kubernetes.cri-o.ContainerName");
	if (!image)
		image = pe_json_str(ann, "io.kubernetes.cri-o.ImageName");
	in_pod = pe_podman_pod_of_cgroups_path(
	    pe_json_str(linux_obj, "cgroupsPath"), pod_id);
	/* the infra container: said so, or a pod's container that names no
	 * sandbox and no type (podman 4.3 writes neither on the infra) */
	c->is_sandbox = (type && strcmp(type, "sandbox") == 0) ||
			(!type && !sandbox && in_pod);
	if (pe_strdup_into(&c->sandbox_id, sandbox) ||
	    pe_strdup_into(&c->image, image))
		return -1;
	if (kube_pod) {
		if (fill_from_kube_annotations(c, ann, kube_pod))
			return -1;
	} else if (pe_strdup_into(&c->namespace, PE_PODMAN_NAMESPACE) ||
		   (in_pod && pe_strdup_into(&c->pod_uid, pod_id))) {
		return -1;
	}
	if (c->is_sandbox) /* podman sets the infra's hostname to the pod's name
			    */
		return c->pod ? 0 : pe_strdup_into(&c->pod, hostname);
	if (pe_strdup_into(&c->container, name))
		return -1;
	/* outside any pod: the container is its own pod */
	if (!c->pod && !sandbox && !in_pod)
		return pe_strdup_into(&c->pod, name);
	/* a member whose spec has the pod's hostname (podman 4.3 writes none:
	 * pe_podman_link_pods takes the infra's) */
	if (!c->pod && pe_strdup_into(&c->pod, hostname))
		return -1;
	return strip_pod_prefix(c);
}

int pe_podman_link_pods(struct pe_container_list *l, size_t from)
{
	struct json_object *sandboxes = json_object_new_object();
	int r = 0;

	if (!sandboxes)
		return -1;
	/* id -> record index: one pass to collect, one to link */
	for (size_t i = from; i < l->len; i++) {
		const struct pe_container *c = &l->items[i];

		struct json_object *at;

		if (c->runtime != PE_RT_PODMAN || !c->is_sandbox ||
		    !c->container_id)
			continue;
		at = json_object_new_int64((int64_t)i);
		if (!at || json_object_object_add(sandboxes, c->container_id,
						  at) < 0) {
			json_object_put(at);
			json_object_put(sandboxes);
			return -1;
		}
	}
	for (size_t i = from; i < l->len && r == 0; i++) {
		struct pe_container *c = &l->items[i];
		struct json_object *at;
		const struct pe_container *sb;

		if (c->runtime != PE_RT_PODMAN || c->is_sandbox ||
		    !c->sandbox_id ||
		    !json_object_object_get_ex(sandboxes, c->sandbox_id, &at))
			continue;
		sb = &l->items[json_object_get_int64(at)];
		if (!c->pod && pe_strdup_into(&c->pod, sb->pod))
			r = -1;
		else
			r = strip_pod_prefix(c);
	}
	json_object_put(sandboxes);
	return r;
}
