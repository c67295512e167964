/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The copy's root (copy.h, pe_copy_enter), in podenter's process, in order:
 *  1. unshare a mount namespace and make "/" recursively private: nothing
 *     below reaches the node's mount table, and all of it dies with the
 *     session's last process. Layers and bind sources are opened after
 *     this, in the new namespace (overlayfs takes private clones of its
 *     layers, which must be mounts of the caller's own namespace).
 *  2. a staging tmpfs (mode 0700) holding the overlay's upper and work
 *     directories and the root's mount point.
 *  3. each layer opened beneath the host root with no symlink followed
 *     (pe_open_beneath), checked to be a directory; the overlay's lowerdir
 *     names them only as /proc/self/fd/N. nosuid, nodev: the image and
 *     the last run's writes are data, never set-id programs or devices.
 *  4. a minimal /dev of our own; each spec mount in order: binds cloned by
 *     fd (open_tree) from their source opened beneath the host root, made
 *     nosuid, nodev (read-only when the spec says ro, or for a source
 *     outside the pod's and the runtime's directories, which is skipped
 *     unless host_paths), attached onto a mount point opened inside the
 *     copy's root; fresh tmpfs where the spec has one. Mount points are
 *     made only in file systems of the copy's own (the overlay, its
 *     tmpfs's), never inside a pod's volume.
 *  5. the tools, read-only, at PE_VIEW_TOOLS_MOUNT; pivot_root into the
 *     root and detach the old one: the node's files are unreachable.
 * podenter copy does this in its session's process (pe_copy_enter);
 * podenter cp of an exited container in a helper of its own that hands
 * the root back (pe_copy_root_open), the same steps with every mount
 * read-only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/copy.h"
#include "podenter/testhooks.h"
#include "syscalls.h"
#include "viewparts.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* Staging mount points tried in the private namespace (hidden by the
 * pivot); the first existing directory wins. */
static const char *const staging_candidates[] = { "/tmp", "/mnt", "/run" };

/* The mount ids of the copy's own file systems: mount points may be made
 * there, and nowhere else. */
#define OWN_MOUNTS_MAX 256
struct own_mounts {
	uint64_t id[OWN_MOUNTS_MAX];
	size_t n;
};

static int mount_id_of(int fd, uint64_t *id)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
		  &stx) < 0)
		return -1;
	if (!(stx.stx_mask & STATX_MNT_ID)) {
		errno = ENOSYS;
		return -1;
	}
	*id = stx.stx_mnt_id;
	return 0;
}

static int own_add(struct own_mounts *own, int fd)
{
	uint64_t id;

	if (own->n >= OWN_MOUNTS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (mount_id_of(fd, &id) < 0)
		return -1;
	own->id[own->n++] = id;
	return 0;
}

static bool own_has(const struct own_mounts *own, int fd)
{
	uint64_t id;

	if (mount_id_of(fd, &id) < 0)
		return false;
	for (size_t i = 0; i < own->n; i++)
		if (own->id[i] == id)
			return true;
	return false;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int attach_fd(int mntfd, int target_fd)
{
	return pe_sys_move_mount(mntfd, "", target_fd, "",
				 MOVE_MOUNT_F_EMPTY_PATH |
				     MOVE_MOUNT_T_EMPTY_PATH);
}

/*
 * The mount point rel (relative, clean) in the copy's root, a directory or
 * (want_dir false) a file, made as needed. Each component is looked up
 * beneath its parent with no symlink followed; what is missing, or is a
 * link or a file where a directory must be, is made (a link removed first)
 * only when the parent lies in a file system of the copy's own. An O_PATH
 * fd, or -1 + errno (EPERM: it would have to be made in a pod's volume).
 */
static int mount_point(int rootfd, const char *rel, bool want_dir,
		       const struct own_mounts *own)
{
	char buf[PATH_MAX];
	char *comp = buf;
	int cur = dup(rootfd);

	if (cur < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%s", rel);
	while (comp && *comp) {
		char *next = strchr(comp, '/');
		bool dir = next || want_dir;
		struct stat st;
		int fd;

		if (next)
			*next++ = '\0';
		fd = pe_open_beneath(cur, comp, O_PATH | O_NOFOLLOW,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode) &&
		    (dir ? S_ISDIR(st.st_mode) : !S_ISDIR(st.st_mode))) {
			close(cur);
			cur = fd;
			comp = next;
			continue;
		}
		close_fd(&fd);
		if (!own_has(own, cur)) {
			close(cur);
			errno = EPERM;
			return -1;
		}
		/* a link, or the wrong kind: replaced in our own layer */
		if (unlinkat(cur, comp, 0) < 0 && errno != ENOENT &&
		    unlinkat(cur, comp, AT_REMOVEDIR) < 0 && errno != ENOENT) {
			close(cur);
			return -1;
		}
		if (dir) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
				close(cur);
				return -1;
			}
		} else {
			int f = openat(cur, comp,
				       O_CREAT | O_EXCL | O_WRONLY |
					   O_NOFOLLOW | O_CLOEXEC,
				       0644);
			if (f < 0) {
				close(cur);
				return -1;
			}
			close(f);
		}
		fd = pe_open_beneath(cur, comp, O_PATH | O_NOFOLLOW,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
		close(cur);
		if (fd < 0)
			return -1;
		cur = fd;
		comp = next;
	}
	return cur;
}

static int set_attrs(int mntfd, uint64_t attrs)
{
	struct pe_mount_attr a = { .attr_set = attrs,
				   .propagation = MS_PRIVATE };

	return pe_sys_mount_setattr(mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE,
				    &a);
}

/* One bind of the spec: the source opened beneath the host root, no
 * symlink followed, cloned with what is mounted below it, attached. */
static int bind_one(const struct pe_copy *cp, const struct pe_copy_mount *m,
		    int hostfd, int rootfd, const struct own_mounts *own,
		    pe_copy_note_fn note, struct pe_error *err)
{
	enum pe_copy_source_class cls =
	    pe_copy_classify_source_of(&cp->def, m->source);
	bool readonly = m->readonly;
	char msg[PATH_MAX + 256];
	struct stat st;
	int src, tree = -1, dst = -1, rc = -1;

	if (cls == PE_COPY_SRC_OTHER) {
		if (!cp->host_paths) {
			if (note) {
				snprintf(msg, sizeof(msg),
					 "skipped the mount of %s at %s: "
					 "outside the pod's and the runtime's "
					 "directories (a hostPath?)%s",
					 m->source, m->dest,
					 /* cp has no --host-paths */
					 cp->readonly ? ""
						      : "; --host-paths binds "
							"it read-only");
				note(msg);
			}
			return 0;
		}
		readonly = true;
	}
	if (cp->readonly)
		readonly = true;
	src = pe_open_beneath(hostfd, m->source + 1, O_PATH,
			      RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS);
	if (src < 0) {
		if (errno == ENOENT) {
			if (note) {
				snprintf(msg, sizeof(msg),
					 "skipped the mount at %s: its "
					 "source %s is gone",
					 m->dest, m->source);
				note(msg);
			}
			return 0;
		}
		pe_error_errno(err, "opening %s (mounted at %s)", m->source,
			       m->dest);
		if (errno == ELOOP)
			pe_error_hint(err, "a symbolic link on the way: "
					   "podenter follows none there");
		return -1;
	}
	if (fstat(src, &st) < 0 ||
	    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
		pe_error_set(err, PE_ERR_PARSE, EINVAL,
			     "%s (mounted at %s) is neither a directory nor "
			     "a regular file",
			     m->source, m->dest);
		goto out;
	}
	tree = pe_sys_open_tree(src, "",
				OPEN_TREE_CLONE | AT_EMPTY_PATH | AT_RECURSIVE |
				    OPEN_TREE_CLOEXEC);
	if (tree < 0 ||
	    set_attrs(tree, (readonly ? MOUNT_ATTR_RDONLY : 0) |
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) < 0) {
		pe_error_errno(err, "cloning %s", m->source);
		goto out;
	}
	dst = mount_point(rootfd, m->dest + 1, S_ISDIR(st.st_mode), own);
	if (dst < 0) {
		pe_error_errno(err, "making the mount point %s in the copy",
			       m->dest);
		goto out;
	}
	if (attach_fd(tree, dst) < 0) {
		pe_error_errno(err, "mounting %s at %s in the copy", m->source,
			       m->dest);
		goto out;
	}
	rc = 0;
out:
	close_fd(&tree);
	close_fd(&dst);
	close(src);
	return rc;
}

static int tmpfs_one(const struct pe_copy_mount *m, bool readonly, int rootfd,
		     struct own_mounts *own, struct pe_error *err)
{
	static const char *const opts[] = { "mode=1777", NULL };
	int dst = mount_point(rootfd, m->dest + 1, true, own), fd;

	if (dst < 0 ||
	    pe_viewpart_mount_fresh(
		"tmpfs", opts,
		MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		    (m->readonly || readonly ? MOUNT_ATTR_RDONLY : 0),
		dst) < 0) {
		pe_error_errno(err, "mounting a tmpfs at %s in the copy",
			       m->dest);
		close_fd(&dst);
		return -1;
	}
	close(dst);
	fd = pe_open_beneath(rootfd, m->dest + 1, O_PATH | O_DIRECTORY,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0 || own_add(own, fd) < 0) {
		pe_error_errno(err, "opening the tmpfs at %s", m->dest);
		close_fd(&fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The overlay's lowerdir as /proc/self/fd/N names of the opened layers. */
static int open_layers(const struct pe_copy *cp, int hostfd, int *fds,
		       size_t nfds, char *lower, size_t size,
		       struct pe_error *err)
{
	size_t used = 0, n = 0;

	lower[0] = '\0';
	for (size_t i = 0; i < nfds + 1 && n < nfds; i++) {
		const char *rel;
		struct stat st;

		if (i == 0 && !cp->last_run)
			continue;
		rel = i == 0 ? cp->def.upperdir : cp->def.lowerdirs[i - 1];
		while (*rel == '/')
			rel++;
		fds[n] = pe_open_beneath(hostfd, rel, O_PATH | O_DIRECTORY,
					 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					     RESOLVE_NO_MAGICLINKS);
		if (fds[n] < 0 || fstat(fds[n], &st) < 0)
			return pe_error_errno(err, "opening the layer /%s",
					      rel);
		used += (size_t)snprintf(lower + used, size - used,
					 "%s/proc/self/fd/%d", n ? ":" : "",
					 fds[n]);
		if (used >= size)
			return pe_error_set(err, PE_ERR_UNSUPPORTED, E2BIG,
					    "too many image layers");
		n++;
	}
	return 0;
}

static int mount_staging(char *path, size_t size, int *fd, struct pe_error *err)
{
	static const char *const opts[] = { "mode=0700", NULL };

	for (size_t i = 0;
	     i < sizeof(staging_candidates) / sizeof(staging_candidates[0]);
	     i++) {
		int mp = open(staging_candidates[i],
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (mp < 0)
			continue;
		if (pe_viewpart_mount_fresh("tmpfs", opts, MOUNT_ATTR_NOSUID,
					    mp) == 0) {
			close(mp);
			snprintf(path, size, "%s", staging_candidates[i]);
			*fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			return *fd < 0 ? pe_error_errno(err, "opening %s", path)
				       : 0;
		}
		close(mp);
	}
	return pe_error_errno(err, "mounting a staging tmpfs for the copy");
}

static int mount_root_overlay(const struct pe_copy *cp, int hostfd,
			      const char *staging, int stagefd,
			      struct pe_error *err)
{
	size_t nfds = cp->def.n_lowerdirs + (cp->last_run ? 1 : 0);
	int *fds = malloc(nfds * sizeof(*fds));
	char lower[3072], data[4096], target[PATH_MAX];
	int rc = -1;

	if (!fds)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	for (size_t i = 0; i < nfds; i++)
		fds[i] = -1;
	if (mkdirat(stagefd, "upper", 0755) < 0 ||
	    fchmodat(stagefd, "upper", 0755, 0) < 0 ||
	    mkdirat(stagefd, "work", 0700) < 0 ||
	    mkdirat(stagefd, "root", 0755) < 0) {
		pe_error_errno(err, "preparing the copy's staging tmpfs");
		goto out;
	}
	if (open_layers(cp, hostfd, fds, nfds, lower, sizeof(lower), err) < 0)
		goto out;
	/* only /proc/self/fd/N and the staging tmpfs's paths: nothing the
	 * pod wrote is part of the options */
	if ((size_t)snprintf(data, sizeof(data),
			     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
			     lower, staging, staging) >= sizeof(data)) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, E2BIG,
			     "too many image layers");
		goto out;
	}
	snprintf(target, sizeof(target), "%s/root", staging);
	if (mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, data) <
	    0) {
		pe_error_errno(err, "mounting the copy's layers (overlay)");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return rc;
}

/* A detached, read-only clone of the tools tree. Taken before the staging
 * tmpfs is mounted: that tmpfs covers /tmp (or /mnt, /run) of this mount
 * namespace, and a tools tree living below it (a build tree in /tmp, as CI
 * has) would no longer be found by its path. */
static int clone_tools(const char *tools_dir, struct pe_error *err)
{
	int tree = pe_sys_open_tree(AT_FDCWD, tools_dir,
				    OPEN_TREE_CLONE | AT_RECURSIVE |
					OPEN_TREE_CLOEXEC);

	if (tree < 0 || set_attrs(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					    MOUNT_ATTR_NODEV) < 0) {
		if (tree >= 0)
			close(tree);
		return pe_error_errno(err, "cloning the tools tree %s",
				      tools_dir);
	}
	return tree;
}

static int mount_tools(int tree, int rootfd, struct own_mounts *own,
		       struct pe_error *err)
{
	int dst = mount_point(rootfd, &PE_VIEW_TOOLS_MOUNT[1], true, own);

	if (dst < 0 || attach_fd(tree, dst) < 0) {
		pe_error_errno(err, "mounting the tools at %s",
			       PE_VIEW_TOOLS_MOUNT);
		if (dst >= 0)
			close(dst);
		return -1;
	}
	close(dst);
	return 0;
}

static int build_root(const struct pe_copy *cp, int hostfd, int rootfd,
		      int tools_tree, pe_copy_note_fn note,
		      struct pe_error *err)
{
	struct own_mounts own = { .n = 0 };
	int fd;

	if (own_add(&own, rootfd) < 0)
		return pe_error_errno(err, "the copy's root mount");
	if (pe_viewpart_build_dev(rootfd, err) < 0)
		return -1;
	fd = pe_open_beneath(rootfd, "dev", O_PATH | O_DIRECTORY,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0 || own_add(&own, fd) < 0) {
		if (fd >= 0)
			close(fd);
		return pe_error_errno(err, "the copy's /dev");
	}
	close(fd);
	for (int i = 0; i < 2; i++) {
		fd = mount_point(rootfd, i ? "sys" : "proc", true, &own);
		if (fd < 0)
			return pe_error_errno(err, "making /%s in the copy",
					      i ? "sys" : "proc");
		close(fd);
	}
	for (size_t i = 0; i < cp->spec.n_mounts; i++) {
		const struct pe_copy_mount *m = &cp->spec.mounts[i];
		int rc = 0;

		if (m->kind == PE_COPY_MOUNT_BIND)
			rc = bind_one(cp, m, hostfd, rootfd, &own, note, err);
		else if (m->kind == PE_COPY_MOUNT_TMPFS)
			rc = tmpfs_one(m, cp->readonly, rootfd, &own, err);
		if (rc < 0)
			return -1;
	}
	if (tools_tree >= 0 && mount_tools(tools_tree, rootfd, &own, err) < 0)
		return -1;
	return 0;
}

static int enter_root(const char *path, bool readonly, struct pe_error *err)
{
	struct pe_mount_attr a = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (readonly ? MOUNT_ATTR_RDONLY : 0),
	};

	if (chdir(path) < 0)
		return pe_error_errno(err, "entering %s", path);
	if (pe_sys_pivot_root(".", ".") < 0)
		return pe_error_errno(err, "pivot_root into the copy");
	/* the old root sits on top of the new one: detach it, so nothing of
	 * the node stays reachable */
	if (umount2(".", MNT_DETACH) < 0)
		return pe_error_errno(err, "detaching the node's root");
	if (chdir("/") < 0)
		return pe_error_errno(err, "entering the copy's root");
	if (pe_sys_mount_setattr(AT_FDCWD, "/", 0, &a) < 0)
		return pe_error_errno(err, "setting the copy's root read-only");
	return 0;
}

/* Steps 1 to 5, in the calling process: it ends in the copy's root. */
static int build_and_enter(const struct pe_copy *cp,
			   const struct pe_hostroot *hr, const char *tools_dir,
			   pe_copy_note_fn note, struct pe_error *err)
{
	char staging[64], root[PATH_MAX];
	int hostfd = -1, stagefd = -1, rootfd = -1, tools_tree = -1, rc = -1;

	/* 1. a mount namespace of our own, nothing propagating out */
	if (unshare(CLONE_NEWNS) < 0)
		return pe_error_errno(err, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pe_error_errno(err, "making the copy's mount namespace "
					   "private");
	/* the host root as this namespace has it */
	hostfd = open(hr->is_slash ? "/" : hr->path,
		      O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hostfd < 0)
		return pe_error_errno(err, "opening the host root %s",
				      hr->path);
	if (tools_dir) {
		tools_tree = clone_tools(tools_dir, err);
		if (tools_tree < 0)
			goto out;
	}
	/* 2. and 3. */
	if (mount_staging(staging, sizeof(staging), &stagefd, err) < 0 ||
	    mount_root_overlay(cp, hostfd, staging, stagefd, err) < 0)
		goto out;
	snprintf(root, sizeof(root), "%s/root", staging);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0) {
		pe_error_errno(err, "opening %s", root);
		goto out;
	}
	/* 4. and 5. */
	if (build_root(cp, hostfd, rootfd, tools_tree, note, err) < 0)
		goto out;
	/* (tests: every mount made, the node's root still reachable) */
	pe_test_pause_at("copy-staged");
	if (enter_root(root, cp->spec.root_readonly || cp->readonly, err) < 0)
		goto out;
	rc = 0;
out:
	close_fd(&tools_tree);
	close_fd(&rootfd);
	close_fd(&stagefd);
	close_fd(&hostfd);
	return rc;
}

int pe_copy_enter(const struct pe_copy *cp, const struct pe_hostroot *hr,
		  const char *tools_dir, int procfd, struct pe_view *v,
		  pe_copy_note_fn note, struct pe_error *err)
{
	memset(v, 0, sizeof(*v));
	v->kind = PE_VIEW_CONTAINER;
	v->has_tools = tools_dir != NULL;
	if (pe_proc_guard_read(procfd, &v->guard, err) < 0)
		return -1;
	/* and the container's own, which may go beyond its sandbox's */
	for (size_t i = 0; i < cp->spec.n_readonly + cp->spec.n_masked; i++) {
		bool mask = i >= cp->spec.n_readonly;
		const char *path =
		    mask ? cp->spec.masked[i - cp->spec.n_readonly]
			 : cp->spec.readonly[i];

		if (pe_proc_guard_add(&v->guard, path, mask) < 0)
			return pe_error_set(err, PE_ERR_UNSUPPORTED, E2BIG,
					    "too many masked and read-only "
					    "paths for the copy's /proc");
	}
	if (tools_dir)
		snprintf(v->path_append, sizeof(v->path_append), "%s/bin",
			 PE_VIEW_TOOLS_MOUNT);
	return build_and_enter(cp, hr, tools_dir, note, err);
}

/* --- the copy's root for podenter's own process (cp) ----------------------
 */

struct root_reply {
	int ok;
	struct pe_error err;
};

/* The helper: build the root, send its fd and the namespace's, exit. It
 * dies with podenter (PDEATHSIG, checked against a parent gone before the
 * prctl) and is not dumpable: nothing in a pod can reach into it. */
static __attribute__((noreturn)) void root_helper(int sock, pid_t parent,
						  const struct pe_copy *cp,
						  const struct pe_hostroot *hr,
						  pe_copy_note_fn note)
{
	struct root_reply *r = calloc(1, sizeof(*r));
	int fds[2] = { -1, -1 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent || !r)
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (build_and_enter(cp, hr, NULL, note, &r->err) == 0) {
		fds[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[0] < 0)
			pe_error_errno(&r->err, "opening the copy's root");
		else if ((fds[1] = pe_viewpart_own_mnt_ns()) < 0)
			pe_error_errno(&r->err,
				       "opening the copy's mount namespace");
		else
			r->ok = 1;
	}
	pe_viewpart_send(sock, r, sizeof(*r), fds, r->ok ? 2 : 0);
	_exit(0);
}

int pe_copy_root_open(const struct pe_copy *cp, const struct pe_hostroot *hr,
		      pe_copy_note_fn note, struct pe_copy_root *out,
		      struct pe_error *err)
{
	struct root_reply *r = calloc(1, sizeof(*r));
	int sv[2] = { -1, -1 }, fds[2] = { -1, -1 }, status, rc = -1;
	pid_t parent = getpid(), child;
	struct stat st;
	ssize_t n;

	out->rootfd = out->nsfd = -1;
	if (!r)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(r);
		return pe_error_errno(err, "socketpair");
	}
	fflush(NULL); /* nothing buffered twice */
	child = fork();
	if (child == 0) {
		close(sv[0]);
		root_helper(sv[1], parent, cp, hr, note);
	}
	close(sv[1]);
	if (child < 0) {
		pe_error_errno(err, "fork");
		goto out;
	}
	n = pe_viewpart_recv(sv[0], r, sizeof(*r), fds, 2);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*r)) {
		pe_error_set(err, PE_ERR_SYSTEM, EPROTO,
			     "the helper building the container's files died");
		goto out;
	}
	if (!r->ok) {
		*err = r->err;
		goto out;
	}
	if (fds[0] < 0 || fds[1] < 0 || fstat(fds[0], &st) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		pe_error_set(err, PE_ERR_SYSTEM, EPROTO,
			     "the helper building the container's files sent "
			     "no root");
		goto out;
	}
	out->rootfd = fds[0];
	out->nsfd = fds[1];
	fds[0] = fds[1] = -1;
	rc = 0;
out:
	close_fd(&fds[0]);
	close_fd(&fds[1]);
	close(sv[0]);
	free(r);
	return rc;
}

void pe_copy_root_close(struct pe_copy_root *r)
{
	close_fd(&r->rootfd);
	close_fd(&r->nsfd);
}
