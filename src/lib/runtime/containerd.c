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

/* Fill a record from config.json's annotations. Returns -1 on ENOMEM. */
static int record_from_config(struct pe_container *c, struct json_object *cfg)
{
	struct json_object *ann = NULL, *linux_obj = NULL;
	const char *type, *cgroups_path;

	json_object_object_get_ex(cfg, "annotations", &ann);
	type = pe_json_str(ann, ANN "container-type");
	c->is_sandbox = type && strcmp(type, "sandbox") == 0;
	if (pe_strdup_into(&c->sandbox_id,
			   pe_json_str(ann, ANN "sandbox-id")) ||
	    pe_strdup_into(&c->namespace,
			   pe_json_str(ann, ANN "sandbox-namespace")) ||
	    pe_strdup_into(&c->pod, pe_json_str(ann, ANN "sandbox-name")) ||
	    pe_strdup_into(&c->pod_uid, pe_json_str(ann, ANN "sandbox-uid")) ||
	    pe_strdup_into(&c->image, pe_json_str(ann, ANN "image-name")))
		return -1;
	if (!c->is_sandbox &&
	    pe_strdup_into(&c->container,
			   pe_json_str(ann, ANN "container-name")))
		return -1;
	/* containerd before 1.6.11 has no sandbox-uid: kubelet's cgroup
	 * parent carries it */
	/* (a JSON null or number there must not reach the parser: found by
	 * fuzz_oci_config) */
	if (!c->pod_uid &&
	    json_object_object_get_ex(cfg, "linux", &linux_obj) &&
	    (cgroups_path = pe_json_str(linux_obj, "cgroupsPath")) != NULL) {
		struct pe_cgroup_info info;

		if (pe_cgroup_parse_path(cgroups_path, &info) &&
		    info.pod_uid[0] &&
		    pe_strdup_into(&c->pod_uid, info.pod_uid))
			return -1;
	}
	return 0;
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

static int scan_bundle(const struct pe_hostroot *hr, int nsfd,
		       const char *node_path, const char *ns, const char *id,
		       const struct pe_scan_filter *f,
		       struct pe_container_list *out, struct pe_error *err)
{
	struct json_object *cfg;
	struct pe_container *c;
	char *buf = NULL;
	char path[4096];
	int bfd;

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
	cfg = json_tokener_parse(buf);
	free(buf);
	if (!cfg) {
		/* a half-written bundle (task being created) is not an error */
		close(bfd);
		return 0;
	}
	c = pe_list_add(out);
	snprintf(path, sizeof(path), "%s/%s", node_path, id);
	if (!c || record_from_config(c, cfg) < 0 ||
	    pe_config_env_strings(cfg, &c->config_env) < 0 ||
	    pe_strdup_into(&c->container_id, id) ||
	    pe_strdup_into(&c->bundle, path)) {
		json_object_put(cfg);
		close(bfd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "reading containerd bundle %s", path);
	}
	json_object_put(cfg);
	c->runtime = strcmp(ns, "moby") == 0 ? PE_RT_DOCKER : PE_RT_CONTAINERD;
	c->source = PE_SRC_CONTAINERD_TASK;
	c->running = true;
	c->pid = pe_read_pidfile_at(bfd, "init.pid");
	if (c->is_sandbox && !c->sandbox_id)
		pe_strdup_into(&c->sandbox_id, id);
	close(bfd);
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
