/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"

static const char *const runtime_names[] = {
	[PE_RT_UNKNOWN] = "unknown", [PE_RT_CONTAINERD] = "containerd",
	[PE_RT_CRIO] = "cri-o",	     [PE_RT_DOCKER] = "docker",
	[PE_RT_PODMAN] = "podman",
};

const char *pe_runtime_name(enum pe_runtime rt)
{
	if ((unsigned)rt >= sizeof(runtime_names) / sizeof(runtime_names[0]))
		return "unknown";
	return runtime_names[rt];
}

static const char *const source_names[] = {
	[PE_SRC_NONE] = "none",
	[PE_SRC_CONTAINERD_TASK] = "containerd-task",
	[PE_SRC_CRIO_USERDATA] = "cri-o-userdata",
	[PE_SRC_DOCKER_CONFIG] = "docker-config",
	[PE_SRC_PODMAN_USERDATA] = "podman-userdata",
	[PE_SRC_KUBELET_LOGS] = "kubelet-logs",
	[PE_SRC_PROC_CGROUP] = "proc-cgroup",
	[PE_SRC_CONTAINERD_META] = "containerd-meta",
};

const char *pe_source_name(enum pe_source src)
{
	if ((unsigned)src >= sizeof(source_names) / sizeof(source_names[0]))
		return "none";
	return source_names[src];
}

static const char *const ns_names[PE_NS_COUNT] = {
	[PE_NS_USER] = "user", [PE_NS_CGROUP] = "cgroup", [PE_NS_IPC] = "ipc",
	[PE_NS_UTS] = "uts",   [PE_NS_NET] = "net",	  [PE_NS_PID] = "pid",
	[PE_NS_MNT] = "mnt",   [PE_NS_TIME] = "time",
};

const char *pe_ns_name(enum pe_ns_type t)
{
	if ((unsigned)t >= PE_NS_COUNT)
		return "?";
	return ns_names[t];
}

void pe_container_clear(struct pe_container *c)
{
	if (!c)
		return;
	free(c->namespace);
	free(c->pod);
	free(c->pod_uid);
	free(c->container);
	free(c->container_id);
	free(c->sandbox_id);
	free(c->image);
	free(c->bundle);
	free(c->log_path);
	free(c->cgroup);
	for (size_t i = 0; c->config_env && c->config_env[i]; i++)
		free(c->config_env[i]);
	free(c->config_env);
	memset(c, 0, sizeof(*c));
	c->attempt = -1;
}

static int dup_field(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

static int dup_list(char ***dst, char *const *src)
{
	size_t n = 0;

	if (!src)
		return 0;
	while (src[n])
		n++;
	*dst = calloc(n + 1, sizeof(**dst));
	if (!*dst)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (dup_field(&(*dst)[i], src[i]) < 0)
			return -1;
	return 0;
}

int pe_container_copy(struct pe_container *dst, const struct pe_container *src)
{
	/* scalars first, then every string is owned anew; a failure part way
	 * leaves only NULLs and owned strings, which clear() handles */
	*dst = *src;
	dst->namespace = dst->pod = dst->pod_uid = dst->container = NULL;
	dst->container_id = dst->sandbox_id = dst->image = dst->bundle = NULL;
	dst->log_path = dst->cgroup = NULL;
	dst->config_env = NULL;
	if (dup_field(&dst->namespace, src->namespace) ||
	    dup_field(&dst->pod, src->pod) ||
	    dup_field(&dst->pod_uid, src->pod_uid) ||
	    dup_field(&dst->container, src->container) ||
	    dup_field(&dst->container_id, src->container_id) ||
	    dup_field(&dst->sandbox_id, src->sandbox_id) ||
	    dup_field(&dst->image, src->image) ||
	    dup_field(&dst->bundle, src->bundle) ||
	    dup_field(&dst->log_path, src->log_path) ||
	    dup_field(&dst->cgroup, src->cgroup) ||
	    dup_list(&dst->config_env, src->config_env)) {
		pe_container_clear(dst);
		return -1;
	}
	return 0;
}

const char *pe_container_state(const struct pe_container *c)
{
	switch (c->pid_state) {
	case PE_PID_VERIFIED:
		return c->paused ? "paused" : "running";
	case PE_PID_STALE:
		return "stale-pid";
	case PE_PID_GONE:
		return c->running ? "gone" : "exited";
	case PE_PID_UNKNOWN:
	default:
		return c->running ? "unknown" : "exited";
	}
}

struct pe_container *pe_list_add(struct pe_container_list *l)
{
	struct pe_container *c;

	if (l->len == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct pe_container *n =
		    realloc(l->items, ncap * sizeof(*l->items));

		if (!n)
			return NULL;
		l->items = n;
		l->cap = ncap;
	}
	c = &l->items[l->len++];
	memset(c, 0, sizeof(*c));
	c->attempt = -1;
	return c;
}

void pe_list_free(struct pe_container_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		pe_container_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int compare_records(const void *pa, const void *pb)
{
	const struct pe_container *a = pa, *b = pb;
	int r;

	if ((r = strcmp_null(a->namespace, b->namespace)) != 0)
		return r;
	if ((r = strcmp_null(a->pod, b->pod)) != 0)
		return r;
	if ((r = strcmp_null(a->pod_uid, b->pod_uid)) != 0)
		return r;
	if (a->is_sandbox != b->is_sandbox)
		return a->is_sandbox ? -1 : 1;
	if ((r = strcmp_null(a->container, b->container)) != 0)
		return r;
	return strcmp_null(a->container_id, b->container_id);
}

void pe_list_sort(struct pe_container_list *l)
{
	if (l->len > 1)
		qsort(l->items, l->len, sizeof(*l->items), compare_records);
}

struct pe_container *pe_list_find_id(const struct pe_container_list *l,
				     const char *id)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->items[i].container_id &&
		    strcmp(l->items[i].container_id, id) == 0)
			return &l->items[i];
	return NULL;
}
