/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CRI-O (and podman, which shares containers/storage): one userdata
 * directory per container,
 *   /run/containers/storage/overlay-containers/<id>/userdata/{config.json,pidfile}
 * with a persistent copy under /var/lib/containers/storage. podman writes
 * config.json only under /var/lib and the pidfile only under /run, so the
 * pidfile is looked for in both. CRI-O copies kubelet's labels into the
 * annotations; io.container.manager says whether CRI-O ("cri-o") or podman
 * ("libpod") made the container.
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
#include "syscalls.h"

#define CONFIG_MAX (4u << 20)

/* the runtime directory first: its pidfile is the live one */
#define RUN_STORAGE "/run/containers/storage/overlay-containers"
static const char *const storage_dirs[] = {
	RUN_STORAGE,
	"/var/lib/containers/storage/overlay-containers",
};

static bool made_by_libpod(struct json_object *ann)
{
	const char *manager = pe_json_str(ann, "io.container.manager");

	return manager && strcmp(manager, "libpod") == 0;
}

/* What every record of one scan shares. */
struct storage_scan {
	int run_fd; /* RUN_STORAGE, -1 when missing */
	struct pe_podman_index podman; /* names, loaded on first use */
	bool podman_loaded;
	const struct pe_hostroot *hr;
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

int pe_storage_fill_record(struct pe_container *c, struct json_object *cfg,
			   const struct pe_podman_index *ix)
{
	struct json_object *ann = NULL;

	json_object_object_get_ex(cfg, "annotations", &ann);
	if (made_by_libpod(ann))
		return pe_podman_fill(c, cfg, ix);
	return crio_fill(c, ann);
}

/* pe_storage_fill_record on a buffer, for the fuzzers. */
int pe_crio_record_from_json(const char *buf, struct pe_container *c)
{
	struct json_object *cfg = json_tokener_parse(buf);
	int r;

	if (!cfg)
		return -1;
	r = pe_storage_fill_record(c, cfg, NULL);
	json_object_put(cfg);
	return r;
}

/* A pidfile beside config.json (CRI-O), else under the runtime directory
 * (podman). 0 when there is none. */
static pid_t read_pid(const struct storage_scan *ss, int ufd, const char *id)
{
	char rel[4096];
	pid_t pid = pe_read_pidfile_at(ufd, "pidfile");

	if (pid > 0 || ss->run_fd < 0)
		return pid;
	snprintf(rel, sizeof(rel), "%s/userdata/pidfile", id);
	return pe_read_pidfile_at(ss->run_fd, rel);
}

static int scan_userdata(struct storage_scan *ss, int sfd, const char *top,
			 const char *id, const struct pe_scan_filter *f,
			 struct pe_container_list *out, struct pe_error *err)
{
	struct json_object *cfg, *ann = NULL;
	struct pe_container *c;
	char *buf = NULL;
	char path[4096];
	bool libpod;
	int ufd, r;

	if (pe_list_find_id(out, id))
		return 0; /* seen under /run already */
	snprintf(path, sizeof(path), "%s/userdata", id);
	ufd = pe_open_beneath(sfd, path, O_RDONLY | O_DIRECTORY,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (ufd < 0)
		return 0;
	/* podman's config.json holds no pod name (its name is in the storage
	 * index), so the cheap name test cannot skip podman's files */
	if (pe_read_file_at(ufd, "config.json", CONFIG_MAX, &buf) < 0 ||
	    (!pe_file_may_match(buf, f, id) &&
	     !(pe_filter_wants_id(f, id) && strstr(buf, "\"libpod\""))) ||
	    !(cfg = json_tokener_parse(buf))) {
		free(buf);
		close(ufd);
		return 0;
	}
	free(buf);
	json_object_object_get_ex(cfg, "annotations", &ann);
	libpod = made_by_libpod(ann);
	if (libpod && !ss->podman_loaded) {
		pe_podman_index_load(ss->hr, &ss->podman);
		ss->podman_loaded = true;
	}
	c = pe_list_add(out);
	snprintf(path, sizeof(path), "%s/%s/userdata", top, id);
	if (!c || pe_strdup_into(&c->container_id, id) ||
	    pe_strdup_into(&c->bundle, path)) {
		r = -1;
	} else {
		r = pe_storage_fill_record(c, cfg, &ss->podman);
		c->source =
		    libpod ? PE_SRC_PODMAN_USERDATA : PE_SRC_CRIO_USERDATA;
	}
	json_object_put(cfg);
	if (r < 0) {
		close(ufd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    path);
	}
	c->pid = read_pid(ss, ufd, id);
	/* podman leaves the pidfile behind when a container stops; the PID
	 * check (pe_verify_pid) tells a live one from a stale one */
	c->running = c->pid > 0;
	if (c->is_sandbox && !c->sandbox_id)
		pe_strdup_into(&c->sandbox_id, id);
	close(ufd);
	return 0;
}

static int scan_storage_dir(struct storage_scan *ss, const char *top,
			    const struct pe_scan_filter *f,
			    struct pe_container_list *out,
			    struct pe_scan_report *report, struct pe_error *err)
{
	int sfd = pe_host_opendir_fd(ss->hr, top), r = 0;
	struct dirent *de;
	DIR *d;

	pe_report_tried(report, top, sfd >= 0);
	if (sfd < 0)
		return 0;
	if (f && f->nids > 0) {
		for (size_t j = 0; j < f->nids && r == 0; j++)
			r = scan_userdata(ss, sfd, top, f->ids[j], f, out, err);
		close(sfd);
		return r;
	}
	d = fdopendir(sfd);
	if (!d) {
		close(sfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !pe_filter_wants_id(f, de->d_name))
			continue;
		r = scan_userdata(ss, dirfd(d), top, de->d_name, f, out, err);
	}
	closedir(d);
	return r;
}

int pe_scan_crio(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		 struct pe_container_list *out, struct pe_scan_report *report,
		 struct pe_error *err)
{
	struct storage_scan ss = { .hr = hr };
	size_t before = out->len;
	int r = 0;

	ss.run_fd = pe_host_opendir_fd(hr, RUN_STORAGE);
	for (size_t i = 0;
	     i < sizeof(storage_dirs) / sizeof(storage_dirs[0]) && r == 0; i++)
		r = scan_storage_dir(&ss, storage_dirs[i], f, out, report, err);
	if (ss.run_fd >= 0)
		close(ss.run_fd);
	pe_podman_index_free(&ss.podman);
	if (r < 0)
		return -1;
	if (pe_podman_link_pods(out, before) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "linking podman pods");
	if (report) {
		for (size_t i = before; i < out->len; i++)
			report->sources_found |= 1u << out->items[i].source;
	}
	return 0;
}
