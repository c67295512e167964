/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kubelet's own files, the same for every runtime:
 *   /var/log/containers/<pod>_<ns>_<container>-<id>.log ->
 * /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
 *   /var/log/pods/<ns>_<pod>_<uid>/
 * They name containers the runtime files leave anonymous (the /proc
 * fallback) and remember containers that have exited (crash loops).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/sources.h"

#define LOG_CONTAINERS "/var/log/containers"
#define LOG_PODS "/var/log/pods"

static bool copy_span(char *dst, size_t dstsz, const char *s, size_t len)
{
	if (len == 0 || len >= dstsz)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

bool pe_kubelet_parse_log_name(const char *name,
			       struct pe_kubelet_log_name *out)
{
	size_t len = strlen(name);
	const char *u1, *u2, *dash, *end;

	if (len < 5 || strcmp(name + len - 4, ".log") != 0)
		return false;
	end = name + len - 4;
	u1 = strchr(name, '_');
	if (!u1)
		return false;
	u2 = strchr(u1 + 1, '_');
	if (!u2 || memchr(u2 + 1, '_', (size_t)(end - u2 - 1)))
		return false;
	dash = NULL;
	for (const char *p = end; p > u2 + 1; p--)
		if (p[-1] == '-') {
			dash = p - 1;
			break;
		}
	if (!dash)
		return false;
	return copy_span(out->pod, sizeof(out->pod), name,
			 (size_t)(u1 - name)) &&
	       copy_span(out->namespace, sizeof(out->namespace), u1 + 1,
			 (size_t)(u2 - u1 - 1)) &&
	       copy_span(out->container, sizeof(out->container), u2 + 1,
			 (size_t)(dash - u2 - 1)) &&
	       copy_span(out->id, sizeof(out->id), dash + 1,
			 (size_t)(end - dash - 1));
}

bool pe_kubelet_parse_pod_dir(const char *name, char *ns, size_t nssz,
			      char *pod, size_t podsz, char *uid, size_t uidsz)
{
	const char *u1 = strchr(name, '_');
	const char *u2 = u1 ? strchr(u1 + 1, '_') : NULL;

	if (!u2 || strchr(u2 + 1, '_'))
		return false;
	return copy_span(ns, nssz, name, (size_t)(u1 - name)) &&
	       copy_span(pod, podsz, u1 + 1, (size_t)(u2 - u1 - 1)) &&
	       copy_span(uid, uidsz, u2 + 1, strlen(u2 + 1));
}

int pe_kubelet_log_names(const struct pe_hostroot *hr,
			 struct pe_kubelet_log_name **out, size_t *n)
{
	int fd = pe_host_opendir_fd(hr, LOG_CONTAINERS);
	struct pe_kubelet_log_name *arr = NULL;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pe_kubelet_log_name *na =
			    realloc(arr, ncap * sizeof(*arr));

			if (!na) {
				free(arr);
				closedir(d);
				return -1;
			}
			arr = na;
			cap = ncap;
		}
		if (de->d_name[0] != '.' &&
		    pe_kubelet_parse_log_name(de->d_name, &arr[len]))
			len++;
	}
	closedir(d);
	*out = arr;
	*n = len;
	return 0;
}

/* "<n>.log" at the end of the link target is the restart count */
static int attempt_from_target(const char *target)
{
	const char *slash = strrchr(target, '/');
	char *end;
	long v;

	if (!slash)
		return -1;
	v = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || strcmp(end, ".log") != 0 || v < 0)
		return -1;
	return (int)v;
}

/* uid from ".../var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log" */
static bool uid_from_target(const char *target, char *uid, size_t uidsz)
{
	const char *p = strstr(target, LOG_PODS "/");
	char ns[64], pod[254], dir[512];
	const char *slash;

	if (!p)
		return false;
	p += strlen(LOG_PODS "/");
	slash = strchr(p, '/');
	if (!slash || !copy_span(dir, sizeof(dir), p, (size_t)(slash - p)))
		return false;
	return pe_kubelet_parse_pod_dir(dir, ns, sizeof(ns), pod, sizeof(pod),
					uid, uidsz);
}

static bool name_passes(const struct pe_scan_filter *f,
			const struct pe_kubelet_log_name *n)
{
	if (!f)
		return true;
	if (!pe_filter_wants_id(f, n->id))
		return false;
	if (f->literal && *f->literal && !strstr(n->pod, f->literal))
		return false;
	return true;
}

static int merge_log_link(int dfd, const char *entry,
			  const struct pe_kubelet_log_name *n,
			  const struct pe_scan_filter *f,
			  struct pe_container_list *out)
{
	struct pe_container *c = pe_list_find_id(out, n->id);
	char target[4096], path[1024];
	ssize_t tl;
	bool fresh = false;

	if (!c) {
		if (!name_passes(f, n))
			return 0;
		c = pe_list_add(out);
		if (!c)
			return -1;
		fresh = true;
		c->source = PE_SRC_KUBELET_LOGS;
		c->running = false;
		if (pe_strdup_into(&c->container_id, n->id))
			return -1;
	}
	if ((!c->namespace && pe_strdup_into(&c->namespace, n->namespace)) ||
	    (!c->pod && pe_strdup_into(&c->pod, n->pod)) ||
	    (!c->container && !c->is_sandbox &&
	     pe_strdup_into(&c->container, n->container)))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", LOG_CONTAINERS, entry);
	if (!c->log_path && pe_strdup_into(&c->log_path, path))
		return -1;
	/* the link target costs a syscall: read it only when it adds something
	 */
	if (fresh || !c->pod_uid) {
		tl = readlinkat(dfd, entry, target, sizeof(target) - 1);
		if (tl > 0) {
			char uid[64];

			target[tl] = '\0';
			if (fresh)
				c->attempt = attempt_from_target(target);
			if (!c->pod_uid &&
			    uid_from_target(target, uid, sizeof(uid)) &&
			    pe_strdup_into(&c->pod_uid, uid))
				return -1;
		}
	}
	return 0;
}

/* Records that know their pod UID only (the /proc fallback) get names. */
static int name_by_pod_dirs(const struct pe_hostroot *hr,
			    struct pe_container_list *out)
{
	bool needed = false;
	struct dirent *de;
	DIR *d;
	int fd;

	for (size_t i = 0; i < out->len && !needed; i++)
		needed = out->items[i].pod_uid && !out->items[i].pod;
	if (!needed)
		return 0;
	fd = pe_host_opendir_fd(hr, LOG_PODS);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char ns[64], pod[254], uid[64];

		if (!pe_kubelet_parse_pod_dir(de->d_name, ns, sizeof(ns), pod,
					      sizeof(pod), uid, sizeof(uid)))
			continue;
		for (size_t i = 0; i < out->len; i++) {
			struct pe_container *c = &out->items[i];

			if (c->pod || !c->pod_uid ||
			    strcmp(c->pod_uid, uid) != 0)
				continue;
			if (pe_strdup_into(&c->pod, pod) ||
			    pe_strdup_into(&c->namespace, ns)) {
				closedir(d);
				return -1;
			}
		}
	}
	closedir(d);
	return 0;
}

int pe_kubelet_merge_names(const struct pe_hostroot *hr,
			   const struct pe_kubelet_log_name *names, size_t n,
			   const struct pe_scan_filter *f,
			   struct pe_container_list *out, struct pe_error *err)
{
	int fd;

	if (n == 0)
		return 0;
	fd = pe_host_opendir_fd(hr, LOG_CONTAINERS);
	if (fd < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char entry[600];

		if (!pe_filter_wants_id(f, names[i].id))
			continue;
		snprintf(entry, sizeof(entry), "%s_%s_%s-%s.log", names[i].pod,
			 names[i].namespace, names[i].container, names[i].id);
		if (merge_log_link(fd, entry, &names[i], f, out) < 0) {
			close(fd);
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "reading %s", LOG_CONTAINERS);
		}
	}
	close(fd);
	return 0;
}

int pe_scan_kubelet_logs(const struct pe_hostroot *hr,
			 const struct pe_scan_filter *f,
			 struct pe_container_list *out,
			 struct pe_scan_report *report, struct pe_error *err)
{
	int fd = pe_host_opendir_fd(hr, LOG_CONTAINERS);
	size_t before = out->len;
	struct dirent *de;
	DIR *d;

	pe_report_tried(report, LOG_CONTAINERS, fd >= 0);
	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct pe_kubelet_log_name n;

			if (de->d_name[0] == '.' ||
			    !pe_kubelet_parse_log_name(de->d_name, &n))
				continue;
			if (merge_log_link(dirfd(d), de->d_name, &n, f, out) <
			    0) {
				closedir(d);
				return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
						    "reading %s",
						    LOG_CONTAINERS);
			}
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	if (name_by_pod_dirs(hr, out) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    LOG_PODS);
	if (report && out->len > before)
		report->sources_found |= 1u << PE_SRC_KUBELET_LOGS;
	return 0;
}
