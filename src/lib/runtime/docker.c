/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Docker (with cri-dockerd for Kubernetes): <data-root>/containers/<id>/
 * config.v2.json holds Name, State.Pid, State.Running and Config.Labels,
 * where kubelet (through cri-dockerd) put io.kubernetes.pod.* and
 * io.kubernetes.docker.type (podsandbox | container). Seen on Docker 20.10
 * (Debian 12). The data root is /var/lib/docker unless dockerd was given
 * another (--data-root, daemon.json): then it is found through dockerd's
 * containerd, whose task bundles (namespace moby) carry root.path =
 * <data-root>/<driver>/<layer>/merged; a moved root is found while one of
 * its containers runs.
 * cri-dockerd names containers k8s_<container>_<pod>_<ns>_<uid>_<attempt>
 * (k8s_POD_... for the sandbox). A container without Kubernetes labels is
 * its own pod, under its own name, in the namespace "docker".
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
#define DOCKER_DEFAULT_ROOT "/var/lib/docker"
/* dockerd's own containerd (exec root /var/run/docker) */
#define DOCKER_TASKS                                                           \
	"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby"
/* how far up from a rootfs the data root may be: overlay2/<id>/merged is
 * two levels, aufs/mnt/<id>, vfs/dir/<id>, btrfs/subvolumes/<id> too */
#define DOCKER_ROOT_DEPTH 4

/* cri-dockerd's name "k8s_<container>_<pod>_<ns>_<uid>_<attempt>" (a
 * leading '/' as Docker stores it): the attempt, or -1 for another name.
 * Kubernetes names hold no '_', so the fields split on it. */
int pe_docker_attempt_of_name(const char *name)
{
	const char *last;
	unsigned fields = 1;
	long v;
	char *end;

	if (!name)
		return -1;
	if (*name == '/')
		name++;
	if (strncmp(name, "k8s_", 4) != 0)
		return -1;
	for (const char *p = name; *p; p++)
		fields += *p == '_';
	last = strrchr(name, '_');
	if (fields != 6 || !last[1] || last[1] < '0' || last[1] > '9')
		return -1;
	errno = 0;
	v = strtol(last + 1, &end, 10);
	if (errno || *end || v > 1000000)
		return -1;
	return (int)v;
}

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
	c->attempt = pe_docker_attempt_of_name(pe_json_str(cfg, "Name"));
	if (!name && !pe_json_str(labels, "io.kubernetes.pod.name")) {
		/* a plain docker container: its own pod, under its own name */
		name = pe_json_str(cfg, "Name");
		if (name && *name == '/')
			name++;
		if (!name || !*name)
			return 0;
		return pe_strdup_into(&c->namespace, PE_DOCKER_NAMESPACE) ||
			       pe_strdup_into(&c->pod, name) ||
			       pe_strdup_into(&c->container, name) ||
			       pe_strdup_into(&c->image,
					      pe_json_str(config, "Image"))
			   ? -1
			   : 0;
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

static int scan_docker_entry(int dfd, const char *containers, const char *id,
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
	snprintf(path, sizeof(path), "%s/%s", containers, id);
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

/* The data root of a moby task: the ancestor of its rootfs that holds
 * containers/<id>/config.v2.json. */
static bool data_root_of_rootfs(const struct pe_hostroot *hr,
				const char *rootfs, const char *id, char *out,
				size_t size)
{
	char probe[1200];
	char *slash;

	if (!rootfs || rootfs[0] != '/' || strlen(rootfs) >= size)
		return false;
	snprintf(out, size, "%s", rootfs);
	for (int up = 0; up < DOCKER_ROOT_DEPTH; up++) {
		slash = strrchr(out, '/');
		if (!slash || slash == out)
			return false;
		*slash = '\0';
		snprintf(probe, sizeof(probe),
			 "%s/containers/%s/config.v2.json", out, id);
		if (pe_host_exists(hr, probe))
			return true;
	}
	return false;
}

/* One dockerd has one data root: a running task of it says which. A few
 * bundles are tried (one may be half-written), whatever the scan's filter:
 * the tasks' config.json never holds the names looked for. */
static bool data_root_of_tasks(const struct pe_hostroot *hr, char *out,
			       size_t size)
{
	int dfd = pe_host_opendir_fd(hr, DOCKER_TASKS);
	struct dirent *de;
	unsigned tried = 0;
	bool found = false;
	DIR *d;

	if (dfd < 0)
		return false;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return false;
	}
	while (!found && tried < 4 && (de = readdir(d)) != NULL) {
		struct json_object *cfg, *root = NULL;
		char rel[512];
		char *buf = NULL;

		if (de->d_name[0] == '.')
			continue;
		tried++;
		/* the usual node: the task is the default root's, no parse */
		snprintf(rel, sizeof(rel), "%s/containers/%s/config.v2.json",
			 DOCKER_DEFAULT_ROOT, de->d_name);
		if (pe_host_exists(hr, rel))
			break;
		snprintf(rel, sizeof(rel), "%s/config.json", de->d_name);
		if (pe_read_file_at(dirfd(d), rel, CONFIG_MAX, &buf) < 0)
			continue;
		cfg = json_tokener_parse(buf);
		free(buf);
		if (cfg && json_object_object_get_ex(cfg, "root", &root))
			found =
			    data_root_of_rootfs(hr, pe_json_str(root, "path"),
						de->d_name, out, size);
		json_object_put(cfg);
	}
	closedir(d);
	return found;
}

static int scan_docker_root(const struct pe_hostroot *hr, const char *root,
			    const struct pe_scan_filter *f,
			    struct pe_container_list *out,
			    struct pe_scan_report *report, struct pe_error *err)
{
	char containers[1100];
	struct dirent *de;
	int dfd, r = 0;
	DIR *d;

	snprintf(containers, sizeof(containers), "%s/containers", root);
	dfd = pe_host_opendir_fd(hr, containers);
	pe_report_tried(report, containers, dfd >= 0);
	if (dfd < 0)
		return 0;
	if (f && f->nids > 0) {
		for (size_t i = 0; i < f->nids && r == 0; i++)
			r = scan_docker_entry(dfd, containers, f->ids[i], f,
					      out, err);
		close(dfd);
		return r;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			r = scan_docker_entry(dirfd(d), containers, de->d_name,
					      f, out, err);
	closedir(d);
	return r;
}

int pe_scan_docker(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		   struct pe_container_list *out, struct pe_scan_report *report,
		   struct pe_error *err)
{
	char moved[1024];
	size_t before = out->len;

	if (scan_docker_root(hr, DOCKER_DEFAULT_ROOT, f, out, report, err) < 0)
		return -1;
	if (data_root_of_tasks(hr, moved, sizeof(moved)) &&
	    strcmp(moved, DOCKER_DEFAULT_ROOT) != 0 &&
	    scan_docker_root(hr, moved, f, out, report, err) < 0)
		return -1;
	if (report && out->len > before)
		report->sources_found |= 1u << PE_SRC_DOCKER_CONFIG;
	return 0;
}
