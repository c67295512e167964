/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placing podenter (and so its session) in the target's cgroups, and
 * podenter back in its own once the session is born there. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
	for (size_t i = 0; i < PE_CGROUP_MAX_HIER; i++) {
		cj->procs_fd[i] = cj->home_procs_fd[i] = -1;
		cj->where[i][0] = cj->home_where[i][0] = '\0';
	}
	cj->leaf.parent_fd = cj->leaf.dir_fd = -1;
	cj->leaf.name[0] = cj->leaf.where[0] = '\0';
}

void pe_cgroup_join_release(struct pe_cgroup_join *cj)
{
	/* n stays: it also counts home_procs_fd */
	for (size_t i = 0; i < cj->n; i++) {
		if (cj->procs_fd[i] >= 0)
			close(cj->procs_fd[i]);
		cj->procs_fd[i] = -1;
	}
}

static void close_homes(struct pe_cgroup_join *cj)
{
	for (size_t i = 0; i < PE_CGROUP_MAX_HIER; i++) {
		if (cj->home_procs_fd[i] >= 0)
			close(cj->home_procs_fd[i]);
		cj->home_procs_fd[i] = -1;
	}
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

/* The caller's own path in the hierarchy named by controllers ("" = v2),
 * NULL if it is in none. */
static const char *self_path_in(const char *self, const char *controllers,
				size_t *len)
{
	const char *line = self;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t clen;

		if (!c2 || (nl && c2 > nl))
			break;
		clen = (size_t)(c2 - c1 - 1);
		if (clen == strlen(controllers) &&
		    strncmp(c1 + 1, controllers, clen) == 0) {
			*len = nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
			return c2 + 1;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static bool self_is_at(const char *self, const char *controllers,
		       const char *path)
{
	size_t len;
	const char *at = self_path_in(self, controllers, &len);

	return at && len == strlen(path) && strncmp(at, path, len) == 0;
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

/* A cgroup directory (O_PATH) by its path in the hierarchy mounted at mnt.
 * The path comes from /proc/PID/cgroup of the target: it must stay in this
 * hierarchy, through no link. */
static int open_cgroup_dir(const char *mnt, const char *path, const char *where,
			   struct pe_error *err)
{
	int mfd, dfd;

	mfd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return pe_error_errno(err, "opening cgroup hierarchy %s", mnt);
	while (*path == '/')
		path++;
	dfd = pe_open_beneath(mfd, path, O_PATH | O_DIRECTORY,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	close(mfd);
	if (dfd < 0)
		return pe_error_errno(err, "opening cgroup %s", where);
	return dfd;
}

static int refuse_frozen(int dfd, const char *where, struct pe_error *err)
{
	if (!cgroup_dir_is_frozen(dfd))
		return 0;
	pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
		     "cgroup %s is frozen (the container is paused): "
		     "joining it would freeze this session",
		     where);
	pe_error_hint(err, "unpause the container, or enter without "
			   "--join-cgroup (podenter's own cgroups)");
	return -1;
}

/* cgroup.procs of the cgroup dfd, as the next hierarchy to move into. */
static int add_procs(struct pe_cgroup_join *cj, int dfd, const char *where,
		     struct pe_error *err)
{
	int pfd;

	if (cj->n >= PE_CGROUP_MAX_HIER)
		return pe_error_set(err, PE_ERR_SYSTEM, E2BIG,
				    "too many cgroup hierarchies");
	snprintf(cj->where[cj->n], sizeof(cj->where[0]), "%s", where);
	if (refuse_frozen(dfd, where, err) < 0)
		return -1;
	pfd = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (pfd < 0)
		return pe_error_errno(err, "opening %s/cgroup.procs", where);
	cj->procs_fd[cj->n++] = pfd;
	return 0;
}

/* podenter's own cgroup.procs in the hierarchy named by controllers ("" =
 * v2) mounted at mnt, at the index the target's will take: where it steps
 * back out to once the session is born in the target's. Its path comes
 * from /proc/self/cgroup and is opened as the target's are. */
static int open_home(struct pe_cgroup_join *cj, const char *mnt,
		     const char *controllers, const char *self,
		     struct pe_error *err)
{
	char home[4096], *where;
	const char *own;
	size_t own_len;
	int dfd;

	if (cj->n >= PE_CGROUP_MAX_HIER)
		return pe_error_set(err, PE_ERR_SYSTEM, E2BIG,
				    "too many cgroup hierarchies");
	where = cj->home_where[cj->n];
	own = self_path_in(self, controllers, &own_len);
	if (!own || own_len >= sizeof(home))
		return pe_error_set(err, PE_ERR_SYSTEM, 0,
				    "--join-cgroup: podenter's own cgroup in "
				    "hierarchy '%s' is unknown",
				    *controllers ? controllers : "v2");
	memcpy(home, own, own_len);
	home[own_len] = '\0';
	snprintf(where, sizeof(cj->home_where[0]), "%s%s", mnt, home);
	dfd = open_cgroup_dir(mnt, home, where, err);
	if (dfd < 0)
		return -1;
	cj->home_procs_fd[cj->n] =
	    openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (cj->home_procs_fd[cj->n] < 0)
		pe_error_errno(err, "opening podenter's own cgroup %s", where);
	close(dfd);
	return cj->home_procs_fd[cj->n] < 0 ? -1 : 0;
}

static int open_procs(struct pe_cgroup_join *cj, const char *mnt,
		      const char *path, struct pe_error *err)
{
	char where[512];
	int dfd, rc;

	snprintf(where, sizeof(where), "%s%s", mnt, path);
	dfd = open_cgroup_dir(mnt, path, where, err);
	if (dfd < 0)
		return -1;
	rc = add_procs(cj, dfd, where, err);
	close(dfd);
	return rc;
}

bool pe_cgroup_leaf_owner(const char *name, pid_t *owner)
{
	const size_t plen = strlen(PE_CGROUP_LEAF_PREFIX);
	long long pid = 0;
	const char *p;

	if (strncmp(name, PE_CGROUP_LEAF_PREFIX, plen) != 0)
		return false;
	for (p = name + plen; *p >= '0' && *p <= '9' && p - name - plen < 10;
	     p++)
		pid = pid * 10 + (*p - '0');
	if (p == name + plen || *p || pid <= 0 || pid > 0x3fffffff ||
	    name[plen] == '0')
		return false;
	*owner = (pid_t)pid;
	return true;
}

/* Leaves of podenters that are gone (killed with SIGKILL: nothing removed
 * theirs): removed. rmdir refuses a populated cgroup, so a leaf that still
 * holds a process stays whatever its name says; a live owner's leaf is
 * never touched (it may not have moved in yet). PIDs are the node's:
 * podenter runs in the node's PID namespace. */
static void remove_stale_leaves(int pod_fd)
{
	int dfd = openat(pod_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned seen = 0;
	struct dirent *e;
	DIR *d;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	/* bounded: a pod's cgroup has a few children */
	while ((e = readdir(d)) != NULL && seen++ < 4096) {
		pid_t owner;

		if (e->d_type != DT_DIR ||
		    !pe_cgroup_leaf_owner(e->d_name, &owner))
			continue;
		/* our own PID on a leaf we have not made yet: a gone
		 * podenter's, whose PID came round again */
		if (owner != getpid() &&
		    (kill(owner, 0) == 0 || errno != ESRCH))
			continue;
		(void)unlinkat(pod_fd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* The pod's v2 cgroup (pod_path under mnt): podenter's leaf in it, to move
 * into. */
static int make_leaf(struct pe_cgroup_join *cj, const char *mnt,
		     const char *pod_path, struct pe_error *err)
{
	struct pe_cgroup_leaf *leaf = &cj->leaf;
	char where[512];

	snprintf(where, sizeof(where), "%s%s", mnt, pod_path);
	leaf->parent_fd = open_cgroup_dir(mnt, pod_path, where, err);
	if (leaf->parent_fd < 0)
		return -1;
	if (refuse_frozen(leaf->parent_fd, where, err) < 0)
		return -1;
	remove_stale_leaves(leaf->parent_fd);
	snprintf(leaf->name, sizeof(leaf->name), "%s%d", PE_CGROUP_LEAF_PREFIX,
		 (int)getpid());
	snprintf(leaf->where, sizeof(leaf->where), "%s/%s", where, leaf->name);
	if (mkdirat(leaf->parent_fd, leaf->name, 0755) < 0) {
		pe_error_errno(err, "making cgroup %s", leaf->where);
		if (errno == EEXIST)
			pe_error_hint(err, "a session of this podenter "
					   "process still holds it");
		leaf->name[0] = '\0';
		return -1;
	}
	leaf->dir_fd =
	    pe_open_beneath(leaf->parent_fd, leaf->name, O_PATH | O_DIRECTORY,
			    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	if (leaf->dir_fd < 0) {
		pe_error_errno(err, "opening cgroup %s", leaf->where);
		(void)unlinkat(leaf->parent_fd, leaf->name, AT_REMOVEDIR);
		leaf->name[0] = '\0';
		return -1;
	}
	return add_procs(cj, leaf->dir_fd, leaf->where, err);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int pe_cgroup_join_step_out(struct pe_cgroup_join *cj, struct pe_error *err)
{
	int rc = 0;

	for (size_t i = 0; i < cj->n; i++) {
		if (cj->home_procs_fd[i] < 0)
			continue;
		/* the write names the writer */
		if (write(cj->home_procs_fd[i], "0", 1) != 1) {
			if (rc == 0)
				rc = pe_error_errno(err,
						    "going back from cgroup %s "
						    "to podenter's own %s",
						    cj->where[i],
						    cj->home_where[i]);
			continue; /* the others still */
		}
		close(cj->home_procs_fd[i]);
		cj->home_procs_fd[i] = -1;
	}
	return rc;
}

int pe_cgroup_join_leave(struct pe_cgroup_join *cj, struct pe_error *err)
{
	struct pe_cgroup_leaf *leaf = &cj->leaf;
	/* back to podenter's own cgroups (if it has not stepped out yet,
	 * or could not): a process in the leaf keeps it, and cgroup.kill
	 * there must not find podenter. Elsewhere a failure is no news:
	 * the step out said so, or podenter is on its way out. */
	int out_rc = pe_cgroup_join_step_out(cj, err), rc = 0;

	if (leaf->dir_fd >= 0) {
		bool killed = false;
		int waited = 0;

		if (out_rc < 0) {
			rc = -1;
			goto out;
		}
		while (unlinkat(leaf->parent_fd, leaf->name, AT_REMOVEDIR) <
		       0) {
			if (errno != EBUSY ||
			    waited >= PE_CGROUP_LEAF_EMPTY_MS) {
				rc = pe_error_errno(err, "removing cgroup %s",
						    leaf->where);
				pe_error_hint(err, "the next --join-cgroup pod "
						   "of this pod removes it "
						   "once empty, or the pod's "
						   "own removal");
				goto out;
			}
			/* left by the session (orphans of a reaper the pod
			 * killed): nothing else is ever in the leaf */
			if (!killed) {
				int kfd =
				    openat(leaf->dir_fd, "cgroup.kill",
					   O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

				if (kfd >= 0) {
					(void)!write(kfd, "1", 1);
					close(kfd);
				}
				killed = true;
			}
			sleep_ms(10);
			waited += 10;
		}
	}
out:
	if (leaf->dir_fd >= 0)
		close(leaf->dir_fd);
	if (leaf->parent_fd >= 0)
		close(leaf->parent_fd);
	leaf->parent_fd = leaf->dir_fd = -1;
	close_homes(cj);
	return rc;
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

/* prepare failed: nothing opened or made is kept */
static int prepare_failed(struct pe_cgroup_join *cj)
{
	struct pe_error ignored;

	pe_cgroup_join_release(cj);
	close_homes(cj); /* never left: nothing to go back from */
	pe_cgroup_join_leave(cj, &ignored);
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

			if (r < 0)
				return prepare_failed(cj);
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
		if (open_home(cj, mnt, c1 + 1, self, err) < 0)
			return prepare_failed(cj);
		/* v2 puts no process in an inner cgroup: a leaf of ours */
		if (place == PE_CGROUP_POD && v2
			? make_leaf(cj, mnt, path, err) < 0
			: open_procs(cj, mnt, path, err) < 0)
			return prepare_failed(cj);
	}
	if (place == PE_CGROUP_POD && !pod_found) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "--join-cgroup pod: no cgroup of pod %s holds the "
			     "target",
			     pod_uid);
		pe_error_hint(err, "use --join-cgroup container");
		return prepare_failed(cj);
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
