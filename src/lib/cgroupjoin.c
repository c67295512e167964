/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placing podenter (and so its session) in the target's cgroups. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/cgroupjoin.h"
#include "podenter/hostroot.h"
#include "syscalls.h" /* RESOLVE_* */

int pe_cgroup_place_parse(const char *s, enum pe_cgroup_place *out,
			  struct pe_error *err)
{
	if (strcmp(s, "host") == 0)
		*out = PE_CGROUP_HOST;
	else if (strcmp(s, "pod") == 0)
		*out = PE_CGROUP_POD;
	else if (strcmp(s, "container") == 0)
		*out = PE_CGROUP_CONTAINER;
	else
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "--join-cgroup '%s': expected pod, "
				    "container or host",
				    s);
	return 0;
}

const char *pe_cgroup_place_name(enum pe_cgroup_place p)
{
	switch (p) {
	case PE_CGROUP_POD:
		return "pod";
	case PE_CGROUP_CONTAINER:
		return "container";
	case PE_CGROUP_HOST:
	default:
		return "host";
	}
}

void pe_cgroup_join_init(struct pe_cgroup_join *cj)
{
	cj->n = 0;
	for (size_t i = 0; i < PE_CGROUP_MAX_HIER; i++)
		cj->procs_fd[i] = -1;
}

void pe_cgroup_join_release(struct pe_cgroup_join *cj)
{
	for (size_t i = 0; i < cj->n; i++) {
		if (cj->procs_fd[i] >= 0)
			close(cj->procs_fd[i]);
		cj->procs_fd[i] = -1;
	}
	cj->n = 0;
}

/* Does the comma-separated list opts contain every item of want? */
static bool has_all(const char *opts, const char *want)
{
	char w[256], *save = NULL;

	snprintf(w, sizeof(w), "%s", want);
	for (char *tok = strtok_r(w, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(tok);
		const char *p = opts;
		bool found = false;

		while ((p = strstr(p, tok)) != NULL) {
			if ((p == opts || p[-1] == ',') &&
			    (p[len] == ',' || p[len] == '\0')) {
				found = true;
				break;
			}
			p += len;
		}
		if (!found)
			return false;
	}
	return true;
}

int pe_cgroup_mount_for(const char *mountinfo, const char *controllers, bool v2,
			char *out, size_t size)
{
	const char *line = mountinfo;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[4096], *f[12], *dash, *save = NULL;
		int nf = 0;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			/* id parent major:minor root mountpoint opts ... -
			 * fstype source superopts */
			dash = strstr(buf, " - ");
			if (dash) {
				*dash = '\0';
				for (char *t = strtok_r(buf, " ", &save);
				     t && nf < 5;
				     t = strtok_r(NULL, " ", &save))
					f[nf++] = t;
				save = NULL;
				f[5] = strtok_r(dash + 3, " ", &save);
				f[6] = strtok_r(NULL, " ", &save);
				f[7] = strtok_r(NULL, " ", &save);
				if (nf == 5 && f[5] && f[7] &&
				    strcmp(f[3], "/") == 0 &&
				    ((v2 && strcmp(f[5], "cgroup2") == 0) ||
				     (!v2 && strcmp(f[5], "cgroup") == 0 &&
				      has_all(f[7], controllers)))) {
					/* mountinfo escapes spaces as \040;
					 * cgroup mount points have none */
					if (strchr(f[4], '\\'))
						return -1;
					snprintf(out, size, "%s", f[4]);
					return 0;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

static int read_small_at(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return 0;
}

/* The caller's own path in the hierarchy named by controllers ("" = v2). */
static bool self_is_at(const char *self, const char *controllers,
		       const char *path)
{
	const char *line = self;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t clen, plen;

		if (!c2 || (nl && c2 > nl))
			break;
		clen = (size_t)(c2 - c1 - 1);
		plen = nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
		if (clen == strlen(controllers) &&
		    strncmp(c1 + 1, controllers, clen) == 0)
			return plen == strlen(path) &&
			       strncmp(c2 + 1, path, plen) == 0;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* A paused container's cgroup is frozen (v1 freezer.state FROZEN or
 * FREEZING, v2 cgroup.events "frozen 1"): podenter would freeze itself by
 * moving in, and hang until the container is unpaused. */
static bool cgroup_dir_is_frozen(int dfd)
{
	char buf[512];

	if (read_small_at(dfd, "freezer.state", buf, sizeof(buf)) == 0 &&
	    (strstr(buf, "FROZEN") || strstr(buf, "FREEZING")))
		return true;
	return read_small_at(dfd, "cgroup.events", buf, sizeof(buf)) == 0 &&
	       strstr(buf, "\nfrozen 1");
}

static int open_procs(struct pe_cgroup_join *cj, const char *mnt,
		      const char *path, struct pe_error *err)
{
	int mfd, dfd, pfd;
	const char *rel = path;

	if (cj->n >= PE_CGROUP_MAX_HIER)
		return pe_error_set(err, PE_ERR_SYSTEM, E2BIG,
				    "too many cgroup hierarchies");
	snprintf(cj->where[cj->n], sizeof(cj->where[0]), "%s%s", mnt, path);
	mfd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return pe_error_errno(err, "opening cgroup hierarchy %s", mnt);
	while (*rel == '/')
		rel++;
	/* the path comes from the target's /proc/PID/cgroup: it must stay in
	 * this hierarchy, through no link */
	dfd = pe_open_beneath(mfd, rel, O_PATH | O_DIRECTORY,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	close(mfd);
	if (dfd < 0)
		return pe_error_errno(err, "opening cgroup %s",
				      cj->where[cj->n]);
	if (cgroup_dir_is_frozen(dfd)) {
		close(dfd);
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
			     "cgroup %s is frozen (the container is paused): "
			     "joining it would freeze this session",
			     cj->where[cj->n]);
		pe_error_hint(err, "unpause the container, or enter without "
				   "--join-cgroup (podenter's own cgroups)");
		return -1;
	}
	pfd = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	close(dfd);
	if (pfd < 0)
		return pe_error_errno(err, "opening %s/cgroup.procs",
				      cj->where[cj->n]);
	cj->procs_fd[cj->n++] = pfd;
	return 0;
}

/* "/kubepods/besteffort/pod<uid>/<id>" -> "/kubepods/besteffort/pod<uid>",
 * checked to name the pod (dashes or, for systemd slices, underscores). */
static int pod_path_of(const char *path, const char *pod_uid, char *out,
		       size_t size, struct pe_error *err)
{
	char uid_[64];
	const char *slash = strrchr(path, '/');
	const char *base;
	size_t len;

	if (!pod_uid || !*pod_uid)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "--join-cgroup pod: the target is not "
				    "known to be in a pod");
	if (!slash || slash == path)
		return 1;
	len = (size_t)(slash - path);
	if (len >= size)
		goto notpod;
	memcpy(out, path, len);
	out[len] = '\0';
	base = strrchr(out, '/');
	base = base ? base + 1 : out;
	snprintf(uid_, sizeof(uid_), "%s", pod_uid);
	for (char *p = uid_; *p; p++)
		if (*p == '-')
			*p = '_';
	if (strstr(base, pod_uid) || strstr(base, uid_))
		return 0;
	/* a hierarchy where the pod has no cgroup of its own (cpuset left
	 * at the root, name=systemd): nothing to join there */
	if (!strstr(path, pod_uid) && !strstr(path, uid_))
		return 1;
notpod:
	pe_error_set(err, PE_ERR_NOT_FOUND, 0,
		     "--join-cgroup pod: the cgroup above the container's "
		     "(%s) does not name pod %s",
		     path, pod_uid);
	pe_error_hint(err, "use --join-cgroup container");
	return -1;
}

int pe_cgroup_join_prepare(int target_procfd, const char *mountinfo,
			   enum pe_cgroup_place place, const char *pod_uid,
			   struct pe_cgroup_join *cj, struct pe_error *err)
{
	char target[8192], self[8192];
	bool pod_found = false;
	char *save = NULL;

	pe_cgroup_join_init(cj);
	if (place == PE_CGROUP_HOST)
		return 0;
	if (read_small_at(target_procfd, "cgroup", target, sizeof(target)) < 0)
		return pe_error_errno(err, "reading the target's cgroups");
	if (read_small_at(AT_FDCWD, "/proc/self/cgroup", self, sizeof(self)) <
	    0)
		return pe_error_errno(err, "reading podenter's cgroups");
	for (char *line = strtok_r(target, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'),
		     *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		char mnt[512], pod[4096];
		const char *path;
		bool v2;

		if (!c2)
			continue;
		*c2 = '\0';
		path = c2 + 1;
		v2 = c1 == line + 1 && line[0] == '0' && c1[1] == '\0';
		if (place == PE_CGROUP_POD) {
			int r =
			    pod_path_of(path, pod_uid, pod, sizeof(pod), err);

			if (r < 0) {
				pe_cgroup_join_release(cj);
				return -1;
			}
			if (r > 0)
				continue;
			path = pod;
			pod_found = true;
		}
		if (self_is_at(self, c1 + 1, path))
			continue;
		if (pe_cgroup_mount_for(mountinfo, c1 + 1, v2, mnt,
					sizeof(mnt)) < 0)
			continue; /* a hierarchy this node does not mount */
		if (open_procs(cj, mnt, path, err) < 0) {
			pe_cgroup_join_release(cj);
			return -1;
		}
	}
	if (place == PE_CGROUP_POD && !pod_found) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "--join-cgroup pod: no cgroup of pod %s holds the "
			     "target",
			     pod_uid);
		pe_error_hint(err, "use --join-cgroup container");
		return -1;
	}
	return 0;
}

int pe_cgroup_join_apply(struct pe_cgroup_join *cj, pid_t pid,
			 struct pe_error *err)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", pid ? (int)pid : 0);

	for (size_t i = 0; i < cj->n; i++) {
		if (write(cj->procs_fd[i], buf, (size_t)len) != len) {
			pe_error_errno(err, "moving into cgroup %s",
				       cj->where[i]);
			if (errno == EBUSY)
				pe_error_hint(err,
					      "cgroup v2 takes processes only "
					      "in leaf cgroups: use "
					      "--join-cgroup container");
			return -1;
		}
	}
	return 0;
}
