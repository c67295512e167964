/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CRI-O (and podman, which shares containers/storage): one userdata
 * directory per container,
 *   /run/containers/storage/overlay-containers/<id>/userdata/{config.json,pidfile}
 * with a persistent copy under /var/lib/containers/storage. CRI-O copies
 * kubelet's labels into the annotations; io.container.manager says whether
 * CRI-O ("cri-o") or podman ("libpod") made the container.
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

#include "runtime/podman.h"
#include "runtime/sources.h"

#define CONFIG_MAX (4u << 20)

static const char *const storage_dirs[] = {
	"/run/containers/storage/overlay-containers",
	"/var/lib/containers/storage/overlay-containers",
};

static int crio_fill(struct pe_container *c, struct json_object *ann)
{
	const char *type =
	    pe_json_str(ann, "io.kubernetes.cri-o.ContainerType");
	const char *name = pe_json_str(ann, "io.kubernetes.container.name");

	c->runtime = PE_RT_CRIO;
	c->is_sandbox = (type && strcmp(type, "sandbox") == 0) ||
			(name && strcmp(name, "POD") == 0);
	if (pe_strdup_into(&c->namespace,
			   pe_json_str(ann, "io.kubernetes.pod.namespace")) ||
	    pe_strdup_into(&c->pod,
			   pe_json_str(ann, "io.kubernetes.pod.name")) ||
	    pe_strdup_into(&c->pod_uid,
			   pe_json_str(ann, "io.kubernetes.pod.uid")) ||
	    pe_strdup_into(&c->sandbox_id,
			   pe_json_str(ann, "io.kubernetes.cri-o.SandboxID")) ||
	    pe_strdup_into(&c->image,
			   pe_json_str(ann, "io.kubernetes.cri-o.ImageName")))
		return -1;
	if (!c->is_sandbox && pe_strdup_into(&c->container, name))
		return -1;
	return 0;
}

/* crio_fill() (or podman's reader) on a buffer, for the fuzzers. */
int pe_crio_record_from_json(const char *buf, struct pe_container *c)
{
	struct json_object *cfg = json_tokener_parse(buf), *ann = NULL;
	const char *manager;
	int r;

	if (!cfg)
		return -1;
	json_object_object_get_ex(cfg, "annotations", &ann);
	manager = pe_json_str(ann, "io.container.manager");
	if (manager && strcmp(manager, "libpod") == 0)
		r = pe_podman_fill(c, cfg);
	else
		r = crio_fill(c, ann);
	json_object_put(cfg);
	return r;
}

static int scan_userdata(int sfd, const char *top, const char *id,
			 const struct pe_scan_filter *f,
			 struct pe_container_list *out, struct pe_error *err)
{
	struct json_object *cfg, *ann = NULL;
	struct pe_container *c;
	const char *manager;
	char *buf = NULL;
	char path[4096];
	int ufd, r;

	if (pe_list_find_id(out, id))
		return 0; /* seen under /run already */
	snprintf(path, sizeof(path), "%s/userdata", id);
	ufd =
	    openat(sfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ufd < 0)
		return 0;
	if (pe_read_file_at(ufd, "config.json", CONFIG_MAX, &buf) < 0 ||
	    !pe_file_may_match(buf, f, id) ||
	    !(cfg = json_tokener_parse(buf))) {
		free(buf);
		close(ufd);
		return 0;
	}
	free(buf);
	json_object_object_get_ex(cfg, "annotations", &ann);
	manager = pe_json_str(ann, "io.container.manager");
	c = pe_list_add(out);
	snprintf(path, sizeof(path), "%s/%s/userdata", top, id);
	if (!c || pe_strdup_into(&c->container_id, id) ||
	    pe_strdup_into(&c->bundle, path)) {
		r = -1;
	} else if (manager && strcmp(manager, "libpod") == 0) {
		r = pe_podman_fill(c, cfg);
		c->source = PE_SRC_PODMAN_USERDATA;
	} else {
		r = crio_fill(c, ann);
		c->source = PE_SRC_CRIO_USERDATA;
	}
	json_object_put(cfg);
	if (r < 0) {
		close(ufd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    path);
	}
	c->pid = pe_read_pidfile_at(ufd, "pidfile");
	c->running = c->pid > 0;
	if (c->is_sandbox && !c->sandbox_id)
		pe_strdup_into(&c->sandbox_id, id);
	close(ufd);
	return 0;
}

int pe_scan_crio(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		 struct pe_container_list *out, struct pe_scan_report *report,
		 struct pe_error *err)
{
	size_t before = out->len;

	for (size_t i = 0; i < sizeof(storage_dirs) / sizeof(storage_dirs[0]);
	     i++) {
		int sfd = pe_host_opendir_fd(hr, storage_dirs[i]);
		struct dirent *de;
		DIR *d;

		pe_report_tried(report, storage_dirs[i], sfd >= 0);
		if (sfd < 0)
			continue;
		if (f && f->nids > 0) {
			int r = 0;

			for (size_t j = 0; j < f->nids && r == 0; j++)
				r = scan_userdata(sfd, storage_dirs[i],
						  f->ids[j], f, out, err);
			close(sfd);
			if (r < 0)
				return -1;
			continue;
		}
		d = fdopendir(sfd);
		if (!d) {
			close(sfd);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (!pe_filter_wants_id(f, de->d_name))
				continue;
			if (scan_userdata(dirfd(d), storage_dirs[i], de->d_name,
					  f, out, err) < 0) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	if (report) {
		for (size_t i = before; i < out->len; i++)
			report->sources_found |= 1u << out->items[i].source;
	}
	return 0;
}
