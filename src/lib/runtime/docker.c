/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Docker (with cri-dockerd for Kubernetes): /var/lib/docker/containers/<id>/
 * config.v2.json holds State.Pid, State.Running and Config.Labels, where
 * kubelet (through cri-dockerd) put io.kubernetes.pod.* and
 * io.kubernetes.docker.type (podsandbox | container).
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

#include "runtime/sources.h"

#define CONFIG_MAX (4u << 20)
#define DOCKER_CONTAINERS "/var/lib/docker/containers"

static int docker_fill(struct pe_container *c, struct json_object *cfg)
{
	struct json_object *state = NULL, *config = NULL, *labels = NULL, *v;
	const char *type, *name;

	json_object_object_get_ex(cfg, "State", &state);
	json_object_object_get_ex(cfg, "Config", &config);
	json_object_object_get_ex(config, "Labels", &labels);
	if (state && json_object_object_get_ex(state, "Running", &v))
		c->running = json_object_get_boolean(v);
	if (state && json_object_object_get_ex(state, "Pid", &v))
		c->pid = (pid_t)json_object_get_int(v);
	if (!c->running)
		c->pid = 0;
	type = pe_json_str(labels, "io.kubernetes.docker.type");
	c->is_sandbox = type && strcmp(type, "podsandbox") == 0;
	name = pe_json_str(labels, "io.kubernetes.container.name");
	if (!name && !pe_json_str(labels, "io.kubernetes.pod.name")) {
		/* a plain docker container: its own name */
		name = pe_json_str(cfg, "Name");
		if (name && *name == '/')
			name++;
	}
	if (pe_strdup_into(
		&c->namespace,
		pe_json_str(labels, "io.kubernetes.pod.namespace")) ||
	    pe_strdup_into(&c->pod,
			   pe_json_str(labels, "io.kubernetes.pod.name")) ||
	    pe_strdup_into(&c->pod_uid,
			   pe_json_str(labels, "io.kubernetes.pod.uid")) ||
	    pe_strdup_into(&c->sandbox_id,
			   pe_json_str(labels, "io.kubernetes.sandbox.id")) ||
	    pe_strdup_into(&c->image, pe_json_str(config, "Image")))
		return -1;
	if (!c->is_sandbox && pe_strdup_into(&c->container, name))
		return -1;
	return 0;
}

static int scan_docker_entry(int dfd, const char *id,
			     const struct pe_scan_filter *f,
			     struct pe_container_list *out,
			     struct pe_error *err)
{
	struct json_object *cfg;
	struct pe_container *c, *existing;
	char rel[512], path[1024];
	char *buf = NULL;

	if (!pe_filter_wants_id(f, id))
		return 0;
	snprintf(rel, sizeof(rel), "%s/config.v2.json", id);
	if (pe_read_file_at(dfd, rel, CONFIG_MAX, &buf) < 0)
		return 0;
	if (!pe_file_may_match(buf, f, id) ||
	    !(cfg = json_tokener_parse(buf))) {
		free(buf);
		return 0;
	}
	free(buf);
	/* dockerd's containerd may already have listed the task (moby
	 * namespace): names come from here, keep one record */
	existing = pe_list_find_id(out, id);
	c = existing ? existing : pe_list_add(out);
	snprintf(path, sizeof(path), "%s/%s", DOCKER_CONTAINERS, id);
	if (!c || pe_strdup_into(&c->container_id, id) ||
	    pe_strdup_into(&c->bundle, path) || docker_fill(c, cfg) < 0) {
		json_object_put(cfg);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    path);
	}
	json_object_put(cfg);
	c->runtime = PE_RT_DOCKER;
	c->source = PE_SRC_DOCKER_CONFIG;
	if (c->is_sandbox && !c->sandbox_id &&
	    pe_strdup_into(&c->sandbox_id, id) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    path);
	return 0;
}

int pe_scan_docker(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		   struct pe_container_list *out, struct pe_scan_report *report,
		   struct pe_error *err)
{
	int dfd = pe_host_opendir_fd(hr, DOCKER_CONTAINERS);
	size_t before = out->len;
	struct dirent *de;
	int r = 0;
	DIR *d;

	pe_report_tried(report, DOCKER_CONTAINERS, dfd >= 0);
	if (dfd < 0)
		return 0;
	if (f && f->nids > 0) {
		for (size_t i = 0; i < f->nids && r == 0; i++)
			r = scan_docker_entry(dfd, f->ids[i], f, out, err);
		close(dfd);
	} else {
		d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			return 0;
		}
		while (r == 0 && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				r = scan_docker_entry(dirfd(d), de->d_name, f,
						      out, err);
		closedir(d);
	}
	if (r < 0)
		return -1;
	if (report && out->len > before)
		report->sources_found |= 1u << PE_SRC_DOCKER_CONFIG;
	return 0;
}
