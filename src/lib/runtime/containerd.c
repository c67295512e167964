/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * containerd: one bundle directory per live task,
 *   <state>/io.containerd.runtime.v2.task/<namespace>/<id>/{config.json,init.pid}
 * (containerd 2.x with the shim sandboxer keeps pause bundles under
 * io.containerd.sandbox.controller.v1.shim instead). The CRI plugin writes
 * the pod's identity as annotations into config.json. Bundles survive a
 * containerd restart or hang, which is why we read them and not the socket.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/cgroup.h"
#include "podenter/exec.h"
#include "runtime/sources.h"

#define CONFIG_MAX (4u << 20)

static const char *const state_roots[] = {
	"/run/containerd", "/run/k3s/containerd", /* k3s and rke2 */
	"/var/snap/microk8s/common/run/containerd",
	"/run/docker/containerd/daemon", /* dockerd's (exec root /run/docker) */
};

static const char *const bundle_dirs[] = {
	"io.containerd.runtime.v2.task",
	"io.containerd.sandbox.controller.v1.shim",
};

#define ANN "io.kubernetes.cri."

/* The annotations a record is made of, in the order of enum below. */
static const char *const ann_keys[] = {
	ANN "container-type", ANN "sandbox-id",	 ANN "sandbox-namespace",
	ANN "sandbox-name",   ANN "sandbox-uid", ANN "image-name",
	ANN "container-name",
};
enum {
	A_TYPE,
	A_SANDBOX_ID,
	A_NAMESPACE,
	A_POD,
	A_POD_UID,
	A_IMAGE,
	A_CONTAINER,
	A_COUNT
};
_Static_assert(sizeof(ann_keys) / sizeof(ann_keys[0]) == A_COUNT,
	       "one key per field");

/* Fill a record from its annotations' values (NULL: absent) and
 * linux.cgroupsPath, however they were read. Returns -1 on ENOMEM. */
static int record_from_fields(struct pe_container *c, const char *const *ann,
			      const char *cgroups_path)
{
	const char *type = ann[A_TYPE];

	c->is_sandbox = type && strcmp(type, "sandbox") == 0;
	if (pe_strdup_into(&c->sandbox_id, ann[A_SANDBOX_ID]) ||
	    pe_strdup_into(&c->namespace, ann[A_NAMESPACE]) ||
	    pe_strdup_into(&c->pod, ann[A_POD]) ||
	    pe_strdup_into(&c->pod_uid, ann[A_POD_UID]) ||
	    pe_strdup_into(&c->image, ann[A_IMAGE]))
		return -1;
	if (!c->is_sandbox && pe_strdup_into(&c->container, ann[A_CONTAINER]))
		return -1;
	/* containerd before 1.6.11 has no sandbox-uid: kubelet's cgroup
	 * parent carries it */
	if (!c->pod_uid && cgroups_path) {
		struct pe_cgroup_info info;

		if (pe_cgroup_parse_path(cgroups_path, &info) &&
		    info.pod_uid[0] &&
		    pe_strdup_into(&c->pod_uid, info.pod_uid))
			return -1;
	}
	return 0;
}

/* json-c's tree of config.json: the record and its environment. Returns
 * -1 on ENOMEM. */
static int record_from_config(struct pe_container *c, struct json_object *cfg)
{
	struct json_object *ann = NULL, *linux_obj = NULL;
	const char *vals[A_COUNT];

	json_object_object_get_ex(cfg, "annotations", &ann);
	for (size_t i = 0; i < A_COUNT; i++)
		vals[i] = pe_json_str(ann, ann_keys[i]);
	/* (a JSON null or number there must not reach the parser: found by
	 * fuzz_oci_config) */
	json_object_object_get_ex(cfg, "linux", &linux_obj);
	if (record_from_fields(c, vals, pe_json_str(linux_obj, "cgroupsPath")) <
	    0)
		return -1;
	return pe_config_env_strings(cfg, &c->config_env);
}

/* The reader above on a buffer: what the fuzzers and unit tests feed. */
int pe_containerd_record_from_json(const char *buf, struct pe_container *c)
{
	struct json_object *cfg = json_tokener_parse(buf);
	int r;

	if (!cfg)
		return -1;
	r = record_from_config(c, cfg);
	json_object_put(cfg);
	return r;
}

int pe_containerd_record_pick(const char *buf, struct pe_container *c)
{
	struct pe_oci_pick p = { .ann_keys = ann_keys, .n_ann = A_COUNT };
	int r = pe_oci_pick(buf, &p);

	if (r != 1)
		return r;
	if (record_from_fields(c, (const char *const *)p.ann, p.cgroups_path) <
	    0) {
		pe_oci_pick_clear(&p);
		return -1;
	}
	c->config_env = p.env; /* the list is the record's now */
	p.env = NULL;
	pe_oci_pick_clear(&p);
	return 1;
}

/* config.json of a bundle: picked, or parsed by json-c when the picker is
 * unsure. 1 read, 0 not a configuration (a half-written bundle of a task
 * being created is not an error), -1 ENOMEM. */
static int record_from_bundle(const char *buf, struct pe_container *c)
{
	struct json_object *cfg;
	int r = pe_containerd_record_pick(buf, c);

	if (r != 0)
		return r;
	cfg = json_tokener_parse(buf);
	if (!cfg)
		return 0;
	r = record_from_config(c, cfg);
	json_object_put(cfg);
	return r < 0 ? -1 : 1;
}

static int scan_bundle(const struct pe_hostroot *hr, int nsfd,
		       const char *node_path, const char *ns, const char *id,
		       const struct pe_scan_filter *f,
		       struct pe_container_list *out, struct pe_error *err)
{
	/* read whole before it joins the list; the attempt unknown, as in
	 * every new entry (pe_list_add) */
	struct pe_container rec = { .attempt = -1 }, *c;
	char *buf = NULL;
	char path[4096];
	int bfd, r;

	(void)hr;
	if (!pe_filter_wants_id(f, id))
		return 0;
	bfd = openat(nsfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (bfd < 0)
		return 0;
	if (pe_read_file_at(bfd, "config.json", CONFIG_MAX, &buf) < 0 ||
	    !pe_file_may_match(buf, f, id)) {
		free(buf);
		close(bfd);
		return 0;
	}
	r = record_from_bundle(buf, &rec);
	free(buf);
	snprintf(path, sizeof(path), "%s/%s", node_path, id);
	if (r == 0) {
		pe_container_clear(&rec);
		close(bfd);
		return 0;
	}
	c = r > 0 ? pe_list_add(out) : NULL;
	if (!c || pe_strdup_into(&rec.container_id, id) ||
	    pe_strdup_into(&rec.bundle, path)) {
		pe_container_clear(&rec);
		close(bfd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "reading containerd bundle %s", path);
	}
	rec.runtime = strcmp(ns, "moby") == 0 ? PE_RT_DOCKER : PE_RT_CONTAINERD;
	rec.source = PE_SRC_CONTAINERD_TASK;
	rec.running = true;
	rec.pid = pe_read_pidfile_at(bfd, "init.pid");
	if (rec.is_sandbox && !rec.sandbox_id)
		pe_strdup_into(&rec.sandbox_id, id);
	close(bfd);
	*c = rec;
	return 0;
}

static int scan_namespace_dir(const struct pe_hostroot *hr, int nsfd,
			      const char *node_path, const char *ns,
			      const struct pe_scan_filter *f,
			      struct pe_container_list *out,
			      struct pe_error *err)
{
	struct dirent *de;
	int r = 0;
	DIR *d;

	/* exact ids: open them, don't list hundreds of bundles */
	if (f && f->nids > 0) {
		size_t first = out->len;

		for (size_t i = 0; i < f->nids && r == 0; i++)
			r = scan_bundle(hr, nsfd, node_path, ns, f->ids[i], f,
					out, err);
		/* their sandboxes are bundles of this directory too */
		for (size_t i = first;
		     f->with_sandboxes && r == 0 && i < out->len; i++) {
			const char *sb = out->items[i].sandbox_id;
			struct pe_scan_filter one = { .ids = &sb, .nids = 1 };

			if (sb && !pe_list_find_id(out, sb))
				r = scan_bundle(hr, nsfd, node_path, ns, sb,
						&one, out, err);
		}
		close(nsfd);
		return r;
	}
	d = fdopendir(nsfd);
	if (!d) {
		close(nsfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		r = scan_bundle(hr, dirfd(d), node_path, ns, de->d_name, f, out,
				err);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

int pe_scan_containerd(const struct pe_hostroot *hr,
		       const struct pe_scan_filter *f,
		       struct pe_container_list *out,
		       struct pe_scan_report *report, struct pe_error *err)
{
	size_t before = out->len;

	for (size_t i = 0; i < sizeof(state_roots) / sizeof(state_roots[0]);
	     i++) {
		for (size_t j = 0;
		     j < sizeof(bundle_dirs) / sizeof(bundle_dirs[0]); j++) {
			char top[512];
			int tfd;
			DIR *d;
			struct dirent *de;

			snprintf(top, sizeof(top), "%s/%s", state_roots[i],
				 bundle_dirs[j]);
			tfd = pe_host_opendir_fd(hr, top);
			if (j == 0)
				pe_report_tried(report, top, tfd >= 0);
			if (tfd < 0)
				continue;
			d = fdopendir(tfd);
			if (!d) {
				close(tfd);
				continue;
			}
			while ((de = readdir(d)) != NULL) {
				char nspath[1024];
				int nsfd;

				if (de->d_name[0] == '.')
					continue;
				nsfd = openat(dirfd(d), de->d_name,
					      O_RDONLY | O_DIRECTORY |
						  O_CLOEXEC | O_NOFOLLOW);
				if (nsfd < 0)
					continue;
				snprintf(nspath, sizeof(nspath), "%s/%s", top,
					 de->d_name);
				if (scan_namespace_dir(hr, nsfd, nspath,
						       de->d_name, f, out,
						       err) < 0) {
					closedir(d);
					return -1;
				}
			}
			closedir(d);
		}
	}
	if (report && out->len > before)
		report->sources_found |= 1u << PE_SRC_CONTAINERD_TASK;
	return 0;
}
