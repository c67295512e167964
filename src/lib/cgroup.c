/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kubernetes identity from cgroup paths. Kubelet builds
 * [cgroupRoot]/kubepods/<qos>/pod<UID>/<container>; with the systemd driver
 * every level is a slice named after its ancestors and '-' in the UID
 * becomes '_'. The container level is the runtime's: a bare id (cgroupfs),
 * "cri-containerd-<id>.scope", "crio-<id>.scope", "docker-<id>.scope",
 * "libpod-<id>.scope", or "<slice>:cri-containerd:<id>" (kubelet on systemd,
 * containerd on cgroupfs). The deepest container component wins, so a kind
 * node's own "docker-<node>.scope" above kubelet's tree is skipped.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "podenter/cgroup.h"

#define MIN_ID_LEN 12

const char *pe_qos_name(enum pe_qos q)
{
	switch (q) {
	case PE_QOS_GUARANTEED:
		return "Guaranteed";
	case PE_QOS_BURSTABLE:
		return "Burstable";
	case PE_QOS_BESTEFFORT:
		return "BestEffort";
	default:
		return "";
	}
}

static bool is_hex_run(const char *s, size_t len)
{
	if (len < MIN_ID_LEN || len > 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && memcmp(s, prefix, plen) == 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);

	return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* A UID is 36 chars of hex and '-' (or '_' under systemd). */
static bool take_uid(const char *s, size_t len, char *out, size_t outsz)
{
	if (len != 36 || outsz < 37)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '_')
			ch = '-';
		if (!(isxdigit((unsigned char)ch) || ch == '-'))
			return false;
		out[i] = (char)tolower((unsigned char)ch);
	}
	out[len] = '\0';
	return true;
}

static void qos_from(const char *s, size_t len, enum pe_qos *qos)
{
	if (memmem(s, len, "besteffort", 10))
		*qos = PE_QOS_BESTEFFORT;
	else if (memmem(s, len, "burstable", 9))
		*qos = PE_QOS_BURSTABLE;
}

struct runtime_prefix {
	const char *prefix;
	enum pe_runtime runtime;
	bool conmon;
};

static const struct runtime_prefix runtime_prefixes[] = {
	{ "cri-containerd-", PE_RT_CONTAINERD, false },
	{ "crio-conmon-", PE_RT_CRIO, true },
	{ "crio-", PE_RT_CRIO, false },
	{ "docker-", PE_RT_DOCKER, false },
	{ "libpod-conmon-", PE_RT_PODMAN, true },
	{ "libpod-", PE_RT_PODMAN, false },
};

/* One path component: does it name a container? */
static bool component_container(const char *s, size_t len,
				struct pe_cgroup_info *out)
{
	const char *colon = memchr(s, ':', len);

	/* "<slice>:cri-containerd:<id>" (systemd kubelet, cgroupfs runtime) */
	if (colon) {
		const char *last = s + len;
		const char *c2 = NULL;

		for (const char *p = s + len; p > s; p--)
			if (p[-1] == ':') {
				c2 = p - 1;
				break;
			}
		if (c2 && is_hex_run(c2 + 1, (size_t)(last - c2 - 1))) {
			size_t idlen = (size_t)(last - c2 - 1);
			size_t rtlen = (size_t)(c2 - colon - 1);

			memcpy(out->container_id, c2 + 1, idlen);
			out->container_id[idlen] = '\0';
			out->runtime = PE_RT_UNKNOWN;
			if (rtlen == 14 &&
			    memcmp(colon + 1, "cri-containerd", 14) == 0)
				out->runtime = PE_RT_CONTAINERD;
			else if (rtlen == 4 &&
				 memcmp(colon + 1, "crio", 4) == 0)
				out->runtime = PE_RT_CRIO;
			else if (rtlen == 6 &&
				 memcmp(colon + 1, "docker", 6) == 0)
				out->runtime = PE_RT_DOCKER;
			out->is_conmon = false;
			return true;
		}
		return false;
	}
	for (size_t i = 0;
	     i < sizeof(runtime_prefixes) / sizeof(runtime_prefixes[0]); i++) {
		const struct runtime_prefix *rp = &runtime_prefixes[i];
		size_t plen = strlen(rp->prefix);
		size_t idlen;

		if (!starts_with(s, len, rp->prefix))
			continue;
		idlen = len - plen;
		if (ends_with(s, len, ".scope"))
			idlen -= 6;
		if (!is_hex_run(s + plen, idlen) ||
		    idlen >= sizeof(out->container_id))
			continue;
		memcpy(out->container_id, s + plen, idlen);
		out->container_id[idlen] = '\0';
		out->runtime = rp->runtime;
		out->is_conmon = rp->conmon;
		return true;
	}
	if (is_hex_run(s, len) && len >= 32 &&
	    len < sizeof(out->container_id)) {
		memcpy(out->container_id, s, len);
		out->container_id[len] = '\0';
		out->runtime = PE_RT_UNKNOWN;
		out->is_conmon = false;
		return true;
	}
	return false;
}

bool pe_cgroup_parse_path(const char *path, struct pe_cgroup_info *out)
{
	bool in_kubepods = false, found_id = false, known_runtime_tree = false;
	struct pe_cgroup_info cur;
	const char *p = path;

	memset(out, 0, sizeof(*out));
	memset(&cur, 0, sizeof(cur));
	while (*p) {
		const char *end;
		size_t len;

		while (*p == '/')
			p++;
		end = p;
		while (*end && *end != '/' && *end != '\n')
			end++;
		len = (size_t)(end - p);
		if (len == 0)
			break;

		if (starts_with(p, len, "kubepods") ||
		    starts_with(p, len, "kubelet-kubepods")) {
			/* "<slice>:cri-containerd:<id>" carries the slice
			 * before its first ':' */
			const char *colon = memchr(p, ':', len);
			size_t slen = colon ? (size_t)(colon - p) : len;
			const char *pod = memmem(p, slen, "-pod", 4);

			in_kubepods = true;
			qos_from(p, slen, &cur.qos);
			if (pod && ends_with(p, slen, ".slice")) {
				take_uid(pod + 4,
					 (size_t)(p + slen - 6 - (pod + 4)),
					 cur.pod_uid, sizeof(cur.pod_uid));
				if (cur.qos == PE_QOS_UNKNOWN)
					cur.qos = PE_QOS_GUARANTEED;
			}
			/* systemd kubelet with cgroupfs runtime: the slice and
			 * the container share one component */
			if (memchr(p, ':', len) &&
			    component_container(p, len, &cur))
				found_id = true;
		} else if (in_kubepods && (len == 10 || len == 9) &&
			   (memcmp(p, "besteffort", len) == 0 ||
			    memcmp(p, "burstable", len) == 0)) {
			qos_from(p, len, &cur.qos);
		} else if (in_kubepods && len == 39 &&
			   memcmp(p, "pod", 3) == 0 &&
			   take_uid(p + 3, 36, cur.pod_uid,
				    sizeof(cur.pod_uid))) {
			if (cur.qos == PE_QOS_UNKNOWN)
				cur.qos = PE_QOS_GUARANTEED;
		} else if (starts_with(p, len, "machine-libpod_pod_") ||
			   (len == 6 && memcmp(p, "docker", 6) == 0)) {
			known_runtime_tree = true;
		} else {
			struct pe_cgroup_info probe = cur;

			if (component_container(p, len, &probe)) {
				/* a bare hex id counts only inside a known tree
				 */
				if (probe.runtime != PE_RT_UNKNOWN ||
				    in_kubepods || known_runtime_tree) {
					cur = probe;
					found_id = true;
					if (!in_kubepods && len == 64 &&
					    known_runtime_tree &&
					    cur.runtime == PE_RT_UNKNOWN)
						cur.runtime = PE_RT_DOCKER;
				}
			}
		}
		p = end;
	}
	if (!found_id)
		cur.container_id[0] = '\0';
	*out = cur;
	return found_id || cur.pod_uid[0] != '\0';
}

bool pe_cgroup_parse_file(const char *content, struct pe_cgroup_info *out)
{
	struct pe_cgroup_info best;
	bool have = false;
	const char *line = content;

	memset(&best, 0, sizeof(best));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *c1 =
		    memchr(line, ':', nl ? (size_t)(nl - line) : strlen(line));
		const char *c2 =
		    c1 ? memchr(c1 + 1, ':',
				nl ? (size_t)(nl - c1 - 1) : strlen(c1 + 1))
		       : NULL;

		if (c2) {
			char path[4096];
			size_t len =
			    nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
			struct pe_cgroup_info info;

			if (len < sizeof(path)) {
				memcpy(path, c2 + 1, len);
				path[len] = '\0';
				if (pe_cgroup_parse_path(path, &info)) {
					if (info.container_id[0]) {
						*out = info;
						return true;
					}
					if (!have) {
						best = info;
						have = true;
					}
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = best;
	return have;
}

static bool id_boundary_before(char ch)
{
	return ch == '/' || ch == '-' || ch == ':';
}

static bool id_boundary_after(char ch)
{
	return ch == '/' || ch == '.' || ch == '\n' || ch == '\0';
}

/* Find the id as a whole component in [line, line_end). */
static bool line_names_id(const char *line, size_t len, const char *id,
			  size_t idlen)
{
	const char *p = line, *end = line + len;

	while (p < end) {
		const char *hit = memmem(p, (size_t)(end - p), id, idlen);
		char after;

		if (!hit)
			return false;
		after = hit + idlen < end ? hit[idlen] : '\0';
		if (hit > line && id_boundary_before(hit[-1]) &&
		    id_boundary_after(after))
			return true;
		p = hit + 1;
	}
	return false;
}

bool pe_cgroup_path_of(const char *content, const char *container_id, char *out,
		       size_t size)
{
	size_t idlen = strlen(container_id);
	const char *line = content;

	if (idlen < MIN_ID_LEN)
		return false;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (line_names_id(line, len, container_id, idlen)) {
			if (out && size) {
				const char *c1 = memchr(line, ':', len);
				const char *c2 =
				    c1 ? memchr(c1 + 1, ':',
						len - (size_t)(c1 + 1 - line))
				       : NULL;
				const char *path = c2 ? c2 + 1 : line;
				size_t plen = len - (size_t)(path - line);

				snprintf(out, size, "%.*s", (int)plen, path);
			}
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

bool pe_cgroup_names_id(const char *content, const char *container_id)
{
	return pe_cgroup_path_of(content, container_id, NULL, 0);
}

/* No component of path is ".." (kernfs refuses that name; a line that has
 * one was not written by the kernel). */
static bool path_is_plain(const char *path, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = 0;

		while (i + n < len && path[i + n] != '/')
			n++;
		if (n == 2 && path[i] == '.' && path[i + 1] == '.')
			return false;
		i += n + 1;
	}
	return true;
}

/* Is controller (NUL-terminated) one of the comma-separated list? */
static bool has_controller(const char *list, size_t len, const char *name)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < len;) {
		size_t n = 0;

		while (i + n < len && list[i + n] != ',')
			n++;
		if (n == nlen && memcmp(list + i, name, n) == 0)
			return true;
		i += n + 1;
	}
	return false;
}

size_t pe_cgroup_freezer_files(const char *line, size_t len,
			       char files[PE_CGROUP_FREEZER_FILES][4400],
			       const char **frozen)
{
	const char *c1 = memchr(line, ':', len), *c2, *path;
	size_t clen, plen;

	*frozen = NULL;
	if (!c1 || !(c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line))))
		return 0;
	clen = (size_t)(c2 - c1 - 1);
	path = c2 + 1;
	plen = len - (size_t)(path - line);
	if (plen == 0 || path[0] != '/' || plen >= 4096 ||
	    memchr(path, '\0', plen) || !path_is_plain(path, plen))
		return 0;
	if (clen == 0) {
		/* v2: cgroup.events says "frozen 1" when the cgroup is, also
		 * under a frozen parent */
		*frozen = "\nfrozen 1";
		snprintf(files[0], sizeof(files[0]),
			 "/sys/fs/cgroup%.*s/cgroup.events", (int)plen, path);
		snprintf(files[1], sizeof(files[1]),
			 "/sys/fs/cgroup/unified%.*s/cgroup.events", (int)plen,
			 path);
		return 2;
	}
	if (!has_controller(c1 + 1, clen, "freezer"))
		return 0;
	/* v1: freezer.state reads the effective state */
	*frozen = "FROZEN";
	snprintf(files[0], sizeof(files[0]),
		 "/sys/fs/cgroup/freezer%.*s/freezer.state", (int)plen, path);
	return 1;
}
