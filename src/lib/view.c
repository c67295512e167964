/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Views: a private mount namespace with the container's tree and a tools
 * tree side by side. See include/podenter/view.h for what each view shows.
 *
 * Order of operations, and why:
 *  1. The tools are cloned (open_tree) while the node's paths are ours.
 *  2. podenter joins the target's mount namespace and clones the target's
 *     root (with its submounts) with open_tree(); only a process in that
 *     namespace may clone its mounts. There it resolves no path of the
 *     pod's, and no process of the pod can see it (clone_target_root).
 *     The clone is made read-only/nosuid/nodev and private while still
 *     detached, so no write or propagation reaches the container.
 *  3. A private mount namespace: still in the target's (small) namespace,
 *     podenter unshares there, pivots into an empty tmpfs of ours and
 *     detaches the copy (make_small_ns). Copying the node's namespace
 *     instead would cost O(the node's mounts). Fallback: back in its own
 *     namespace, unshare(CLONE_NEWNS) and "/" recursively private. Either
 *     way nothing below is ever visible outside this process and its
 *     children.
 *  4. A staging tmpfs holds the pieces; the view's root is built there and
 *     pivot_root()ed into, and the old root detached, so nothing of the host
 *     stays reachable. Paths inside trees we do not own are resolved with
 *     openat2(RESOLVE_IN_ROOT) and mounts are placed onto fds. The tools
 *     view of host tools in the small namespace needs no staging: its root
 *     is the empty tmpfs of make_small_ns, which no other process holds, and
 *     the view is built on it in place (no pivot, no old root to detach).
 */
#include "config.h"

#include <dirent.h>
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
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/image.h"
#include "podenter/testhooks.h"
#include "fsmount.h"
#include "mntload.h"
#include "podenter/view.h"
#include "syscalls.h"
#include "viewparts.h"

/* Staging mount point in the private namespace; hidden by the pivot. */
static const char *const staging_candidates[] = { "/tmp", "/mnt", "/run" };

/* Biggest /etc file copied from the container into the view. */
#define ETC_COPY_MAX (256 * 1024)

const char *pe_view_name(enum pe_view_kind k)
{
	switch (k) {
	case PE_VIEW_TOOLS:
		return "tools";
	case PE_VIEW_MERGED:
		return "merged";
	case PE_VIEW_CONTAINER:
		return "container";
	}
	return "?";
}

int pe_view_parse(const char *name, enum pe_view_kind *out,
		  struct pe_error *err)
{
	static const enum pe_view_kind all[] = { PE_VIEW_TOOLS, PE_VIEW_MERGED,
						 PE_VIEW_CONTAINER };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, pe_view_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	pe_error_set(err, PE_ERR_USAGE, 0, "unknown view '%s'", name);
	pe_error_hint(err, "views: tools (default), merged, container");
	return -1;
}

/* Test hook (view-cloned|view-staged|view-entered, testhooks.h): stop here so a
 * test can SIGKILL podenter mid-build and check that nothing outlives it. */
static void test_pause_at(const char *point)
{
	(void)point;
	pe_test_pause_at(point);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --- 1. the target's root, and the view's small namespace --------------- */

int pe_viewpart_send(int sock, const void *buf, size_t len, const int *fds,
		     size_t nfds)
{
	char cbuf[CMSG_SPACE(PE_VIEWPART_FDS_MAX * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > PE_VIEWPART_FDS_MAX) {
		errno = E2BIG;
		return -1;
	}
	memset(cbuf, 0, sizeof(cbuf));
	if (nfds) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

ssize_t pe_viewpart_recv(int sock, void *buf, size_t len, int *fds, size_t nfds)
{
	char cbuf[CMSG_SPACE(PE_VIEWPART_FDS_MAX * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	size_t got = 0;

	for (size_t i = 0; i < nfds; i++)
		fds[i] = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c;
	     c = CMSG_NXTHDR(&msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (got < nfds)
				fds[got++] = fd;
			else
				close(fd); /* more than asked for */
		}
	}
	return n;
}

/*
 * In the target's mount namespace, after the clone: a mount namespace for
 * the view that holds nothing but an empty tmpfs of ours. unshare() copies
 * the caller's mount table, and the node's may hold thousands of mounts
 * (each pod's volumes, secrets, root file systems) that the view would copy
 * and detach again: 1,000 extra mounts made the tools view 1.6 ms slower.
 * The target's table is small, so podenter copies that one, stacks a fresh
 * tmpfs on its root, pivots into it and detaches the copy. What is left is
 * ours alone, and the view is built there with paths that no container can
 * reach. 0, or -1 + errno (podenter may then be in the copy: the caller
 * returns to its own namespace).
 */
static int make_small_ns(void)
{
	static const char *const tmpfs_opts[] = { "mode=0755", NULL };
	int mnt;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	mnt = pe_fs_new_detached("tmpfs", tmpfs_opts,
				 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return -1;
	/* on top of the root; the cwd (through the fd) is the new tmpfs */
	if (pe_sys_move_mount(mnt, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) <
		0 ||
	    fchdir(mnt) < 0 || pe_sys_pivot_root(".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		int saved = errno;

		close(mnt);
		errno = saved;
		return -1;
	}
	close(mnt);
	return 0;
}

int pe_viewpart_own_mnt_ns(void)
{
	int procfs, nsfd;

	/* The namespace's fd through our own pidfd: no /proc needed. Closing
	 * a detached procfs instead unmounts it, and every unmount waits for
	 * an expedited RCU grace period (about 0.1 ms here, each session). */
	procfs = pe_sys_pidfd_open(getpid(), 0);
	if (procfs >= 0) {
		nsfd = pe_sys_pidfd_mnt_ns(procfs);
		close(procfs);
		if (nsfd >= 0)
			return nsfd;
	}
	/* before 6.11: a procfs of our own, never the container's /proc */
	procfs = pe_fs_new_detached("proc", NULL, MOUNT_ATTR_NOSUID);
	if (procfs < 0)
		return -1;
	nsfd = openat(procfs, "thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	close(procfs);
	return nsfd;
}

static void hint_if_no_open_tree(struct pe_error *err, int errnum)
{
	if (errnum == ENOSYS)
		pe_error_hint(err, "this kernel lacks open_tree() (Linux 5.2); "
				   "use --view container on older kernels");
}

/*
 * The target's root, cloned with its submounts (a detached tree: the fd
 * returned), and the view's mount namespace. open_tree() clones only mounts
 * of the caller's own namespace, so podenter joins the target's for the
 * clone and, still there, makes the view's small namespace from a copy of
 * that table (make_small_ns; *in_small_ns then true). It does both itself:
 * a helper process for them (its fork, two fds sent back, its wait) cost
 * about 0.1 ms of every view. In the target's namespace podenter resolves
 * no path of the pod's: the clone is of an fd opened before, and "/" is the
 * namespace's root itself; no process of the pod can see podenter (it is
 * in the node's PID namespace, and non-dumpable). When the small namespace
 * cannot be made (or the test hook NO_SMALL_NS), podenter returns to its
 * own namespace, root and working directory, and the view is built in a
 * copy of the node's.
 */
static int clone_target_root(const struct pe_container *t, int pidfd,
			     int procfd, bool *in_small_ns,
			     struct pe_error *err)
{
	char path[64];
	int nsfd = -1, rootfd = -1, own_ns = -1, own_root = -1, own_cwd = -1;
	int tree = -1;
	int saved;
	struct stat st;

	*in_small_ns = false;
	if (t->pid <= 0)
		return pe_error_set(err, PE_ERR_NOT_FOUND, ESRCH,
				    "the target has no running process");
	/* Through the caller's /proc/PID directory when it has one (the host
	 * root's procfs, e.g. /host/proc from a pod), else this /proc. */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)t->pid);
	nsfd = procfd >= 0 ? openat(procfd, "ns/mnt", O_RDONLY | O_CLOEXEC)
			   : open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return pe_error_errno(err, "opening %s", path);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)t->pid);
	rootfd = procfd >= 0
		     ? openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC)
		     : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		pe_error_errno(err, "opening %s", path);
		goto out;
	}
	/* The handles were opened by PID: they name the target only if the
	 * pinned process is still alive (a pidfd keeps its PID unused). */
	if (pidfd >= 0 && pe_sys_pidfd_send_signal(pidfd, 0) < 0) {
		pe_error_set(err, PE_ERR_STALE, errno,
			     "process %d exited while the view was being built",
			     (int)t->pid);
		goto out;
	}
	if (t->ns_inode[PE_NS_MNT] && fstat(nsfd, &st) == 0 &&
	    st.st_ino != t->ns_inode[PE_NS_MNT]) {
		pe_error_set(err, PE_ERR_STALE, 0,
			     "process %d changed mount namespace", (int)t->pid);
		goto out;
	}
	/* the way back, for every outcome but the small namespace: the
	 * namespace, and the root and working directory in it (podenter may
	 * run chrooted, as in `kubectl debug node/...` then `chroot /host`;
	 * setns() moves both to the namespace's root) */
	own_ns = pe_viewpart_own_mnt_ns();
	own_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	own_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (own_ns < 0 || own_root < 0 || own_cwd < 0) {
		pe_error_errno(err, "opening podenter's own mount namespace");
		goto out;
	}
	if (setns(nsfd, CLONE_NEWNS) < 0) {
		pe_error_errno(err, "joining the mount namespace of process %d",
			       (int)t->pid);
		goto out;
	}
	tree = pe_sys_open_tree(rootfd, "",
				OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH |
				    OPEN_TREE_CLOEXEC);
	saved = errno;
	if (tree >= 0 && !pe_test_flag("NO_SMALL_NS") && make_small_ns() == 0) {
		*in_small_ns = true;
		goto out;
	}
	/* back where podenter was. Should even that fail, podenter only
	 * reports and ends: what it does after a view is built uses fds,
	 * not paths, as it would in the view's namespace. */
	if (setns(own_ns, CLONE_NEWNS) < 0 || fchdir(own_root) < 0 ||
	    chroot(".") < 0 || fchdir(own_cwd) < 0) {
		pe_error_errno(err, "returning to podenter's own mount "
				    "namespace");
		close_fd(&tree);
		goto out;
	}
	if (tree < 0) {
		errno = saved;
		pe_error_errno(err, "cloning the root of process %d",
			       (int)t->pid);
		hint_if_no_open_tree(err, saved);
	}
out:
	close_fd(&nsfd);
	close_fd(&rootfd);
	close_fd(&own_ns);
	close_fd(&own_root);
	close_fd(&own_cwd);
	return tree;
}

/* --- small mount helpers -------------------------------------------------- */

static int set_tree_attrs(int fd, uint64_t set, bool recursive,
			  struct pe_error *err, const char *what)
{
	struct pe_mount_attr a = { .attr_set = set, .propagation = MS_PRIVATE };

	if (pe_sys_mount_setattr(fd, "",
				 AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
				 &a) < 0) {
		pe_error_errno(err, "making %s read-only and private", what);
		if (errno == ENOSYS)
			pe_error_hint(err, "mount_setattr() needs Linux 5.12");
		return -1;
	}
	return 0;
}

/* Open a path inside a tree we do not trust: symlinks resolve inside it. */
static int open_in_root(int rootfd, const char *rel, int flags, uint64_t extra)
{
	return pe_open_in_root(rootfd, rel, flags, extra);
}

/* Make sure NAME (one component) under dirfd is a real directory we can
 * mount on; something else there (a planted symlink) is replaced. Returns
 * an O_PATH fd of it. */
static int ensure_dir(int dirfd, const char *name, mode_t mode)
{
	int fd = open_in_root(dirfd, name, O_PATH | O_DIRECTORY,
			      RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
	if (fd >= 0)
		return fd;
	if (errno == ENOTDIR || errno == ELOOP) {
		if (unlinkat(dirfd, name, 0) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return -1;
	}
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return open_in_root(dirfd, name, O_PATH | O_DIRECTORY,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
}

static int attach_fd(int mntfd, int target_fd)
{
	return pe_sys_move_mount(mntfd, "", target_fd, "",
				 MOVE_MOUNT_F_EMPTY_PATH |
				     MOVE_MOUNT_T_EMPTY_PATH);
}

/* A fresh file system (tmpfs, proc, sysfs, devpts) mounted on target_fd.
 * opts: "key=value" strings, NULL-terminated. */
static int mount_fresh(const char *fstype, const char *const *opts,
		       unsigned int attrs, int target_fd)
{
	int mfd = pe_fs_new_detached(fstype, opts, attrs);
	int rc, saved;

	if (mfd < 0 && errno == ENOSYS) {
		/* Kernels before 5.2: the old call, onto the fd. */
		char data[512] = "", target[64];
		unsigned long flags = 0;

		for (size_t i = 0; opts && opts[i]; i++) {
			if (i)
				strncat(data, ",",
					sizeof(data) - strlen(data) - 1);
			strncat(data, opts[i], sizeof(data) - strlen(data) - 1);
		}
		if (attrs & MOUNT_ATTR_RDONLY)
			flags |= MS_RDONLY;
		if (attrs & MOUNT_ATTR_NOSUID)
			flags |= MS_NOSUID;
		if (attrs & MOUNT_ATTR_NODEV)
			flags |= MS_NODEV;
		if (attrs & MOUNT_ATTR_NOEXEC)
			flags |= MS_NOEXEC;
		snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
		return mount(fstype, target, fstype, flags, data);
	}
	if (mfd < 0)
		return -1;
	rc = attach_fd(mfd, target_fd);
	saved = errno;
	close(mfd);
	errno = saved;
	return rc;
}

static int mount_fresh_at(int dirfd, const char *name, mode_t mode,
			  const char *fstype, const char *const *opts,
			  unsigned int attrs, struct pe_error *err)
{
	int fd = ensure_dir(dirfd, name, mode);
	int rc;

	if (fd < 0)
		return pe_error_errno(err, "preparing /%s in the view", name);
	rc = mount_fresh(fstype, opts, attrs, fd);
	close(fd);
	if (rc < 0)
		return pe_error_errno(err, "mounting %s on /%s in the view",
				      fstype, name);
	return 0;
}

/* --- pieces of a view ------------------------------------------------------
 */

/* The harmless device nodes and links of a minimal /dev, made in devfd:
 * the pod's /dev may hold planted nodes, so the session gets only these. */
static int make_dev_nodes(int devfd, struct pe_error *err)
{
	static const struct {
		const char *name;
		unsigned int major, minor;
	} nodes[] = {
		{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
		{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 }
	};
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknodat(devfd, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].major, nodes[i].minor)) < 0 ||
		    fchmodat(devfd, nodes[i].name, 0666, 0) < 0)
			return pe_error_errno(
			    err, "creating /dev/%s in the view", nodes[i].name);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (symlinkat(links[i][1], devfd, links[i][0]) < 0)
			return pe_error_errno(
			    err, "creating /dev/%s in the view", links[i][0]);
	}
	return 0;
}

/* A fresh devpts of the session's own on devfd's pts (made as needed). */
static int mount_devpts(int devfd, struct pe_error *err)
{
	static const char *const pts_opts[] = { "ptmxmode=0666", "mode=0620",
						NULL };

	return mount_fresh_at(devfd, "pts", 0755, "devpts", pts_opts,
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
}

/* A minimal /dev on rootfd: a fresh tmpfs with make_dev_nodes()'s nodes, a
 * fresh devpts and a fresh /dev/shm. */
static int build_dev(int rootfd, struct pe_error *err)
{
	static const char *const dev_opts[] = { "mode=0755", "size=64k", NULL };
	static const char *const shm_opts[] = { "mode=1777", NULL };
	int devfd, rc = -1;

	if (mount_fresh_at(rootfd, "dev", 0755, "tmpfs", dev_opts,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err) < 0)
		return -1;
	devfd = open_in_root(rootfd, "dev", O_DIRECTORY | O_RDONLY,
			     RESOLVE_NO_SYMLINKS);
	if (devfd < 0)
		return pe_error_errno(err, "opening the view's /dev");
	if (make_dev_nodes(devfd, err) < 0 || mount_devpts(devfd, err) < 0 ||
	    mount_fresh_at(devfd, "shm", 01777, "tmpfs", shm_opts,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err) < 0)
		goto out;
	rc = 0;
out:
	close(devfd);
	return rc;
}

/* Read a small regular file from the container without following any link
 * out of it and without blocking on a planted FIFO. NULL when absent. */
static char *read_container_file(int ctrfd, const char *rel, size_t *len)
{
	int fd = open_in_root(ctrfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > ETC_COPY_MAX)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/* Replace etc/NAME in the view (our overlay) with the container's copy, or
 * an empty file so the host's own settings do not leak into the pod's
 * view. Never writes through a link: the old entry is removed first. */
static int copy_etc_file(int ctrfd, int etcfd, const char *name,
			 struct pe_error *err)
{
	char rel[64];
	size_t len;
	char *data;
	int fd;

	snprintf(rel, sizeof(rel), "etc/%s", name);
	data = read_container_file(ctrfd, rel, &len);
	if (unlinkat(etcfd, name, 0) < 0 && errno != ENOENT) {
		free(data);
		return pe_error_errno(err, "replacing /etc/%s in the view",
				      name);
	}
	fd = openat(etcfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(data);
		return pe_error_errno(err, "creating /etc/%s in the view",
				      name);
	}
	if (data && len && write(fd, data, len) != (ssize_t)len) {
		pe_error_errno(err, "writing /etc/%s in the view", name);
		free(data);
		close(fd);
		return -1;
	}
	free(data);
	close(fd);
	return 0;
}

/*
 * The fast way to give the view the pod's etc/NAME: bind the container's
 * own file (from the read-only, nosuid, nodev clone) over the view's, when
 * the container has a regular file there and the view already has a
 * regular file to mount on. Writing a copy into the overlay instead makes
 * it copy /etc up and create whiteouts, which cost a view about 0.2 ms.
 * 1 when bound, 0 when the caller must copy, -1 + error.
 */
static int bind_etc_file(int ctrfd, int etcfd, const char *name,
			 struct pe_error *err)
{
	char rel[64];
	struct stat st;
	int src, tree, dst, rc = 0;

	snprintf(rel, sizeof(rel), "etc/%s", name);
	/* symlinks resolve inside the container (resolv.conf often is one) */
	src = open_in_root(ctrfd, rel, O_PATH, 0);
	if (src < 0)
		return 0;
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(src);
		return 0;
	}
	dst = open_in_root(etcfd, name, O_PATH,
			   RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
	if (dst < 0 || fstat(dst, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (dst >= 0)
			close(dst);
		close(src);
		return 0;
	}
	tree = pe_sys_open_tree(
	    src, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | OPEN_TREE_CLOEXEC);
	if (tree < 0 || attach_fd(tree, dst) < 0) {
		pe_error_errno(err, "mounting the pod's /etc/%s in the view",
			       name);
		rc = -1;
	} else {
		rc = 1;
	}
	if (tree >= 0)
		close(tree);
	close(dst);
	close(src);
	return rc;
}

/* may_write: false when the view's /etc is read-only already and holds
 * empty files to bind onto (a tools tree of chosen paths): a file the pod
 * lacks then stays empty. */
static int copy_pod_etc(int rootfd, int ctrfd, bool may_write,
			struct pe_error *err)
{
	static const char *const files[] = { "hosts", "resolv.conf",
					     "hostname" };
	int etcfd = ensure_dir(rootfd, "etc", 0755), rc = 0;

	if (etcfd < 0)
		return pe_error_errno(err, "preparing /etc in the view");
	close(etcfd);
	etcfd = open_in_root(rootfd, "etc", O_DIRECTORY | O_RDONLY,
			     RESOLVE_NO_SYMLINKS);
	if (etcfd < 0)
		return pe_error_errno(err, "opening /etc in the view");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && rc >= 0;
	     i++) {
		rc = bind_etc_file(ctrfd, etcfd, files[i], err);
		if (rc == 0 && may_write)
			rc = copy_etc_file(ctrfd, etcfd, files[i], err);
	}
	close(etcfd);
	return rc < 0 ? -1 : 0;
}

/* Would a session mount its own file system at this container path? */
static bool view_replaces(const char *rel)
{
	static const char *const own[] = { "proc", "sys", "dev" };
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t n = strlen(own[i]);
		if (strncmp(rel, own[i], n) == 0 &&
		    (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Overlay does not show the lower layer's submounts: bind the container's
 * own mounts (volumes, secrets, its /etc/hosts...) again at the same places
 * on the merged root. They are found in this namespace's mountinfo as the
 * children of the attached clone at ctr_path.
 */
static int rebind_submounts(const char *ctr_path, int rootfd,
			    struct pe_error *err)
{
	struct libmnt_table *tb =
	    mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *top;
	size_t plen = strlen(ctr_path);
	int top_id, rc = -1;

	if (!tb || !it) {
		pe_error_set(err, PE_ERR_SYSTEM, errno ? errno : ENOMEM,
			     "reading /proc/self/mountinfo");
		goto out;
	}
	top = mnt_table_find_target(tb, ctr_path, MNT_ITER_BACKWARD);
	if (!top) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOENT,
			     "the container's clone is not in mountinfo");
		goto out;
	}
	top_id = mnt_fs_get_id(top);
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *tgt = mnt_fs_get_target(fs);
		const char *rel;
		int src, dst;

		if (mnt_fs_get_parent_id(fs) != top_id || !tgt ||
		    strncmp(tgt, ctr_path, plen) != 0 || tgt[plen] != '/')
			continue;
		rel = tgt + plen + 1;
		if (view_replaces(rel))
			continue;
		src = pe_sys_open_tree(AT_FDCWD, tgt,
				       OPEN_TREE_CLONE | AT_RECURSIVE |
					   AT_SYMLINK_NOFOLLOW |
					   OPEN_TREE_CLOEXEC);
		if (src < 0) {
			pe_error_errno(err, "cloning the container's mount /%s",
				       rel);
			goto out;
		}
		dst = open_in_root(rootfd, rel, O_PATH, 0);
		if (dst < 0) {
			/* The container moved or removed its mount point
			 * since; its mount is then unreachable there too. */
			close(src);
			continue;
		}
		if (attach_fd(src, dst) < 0) {
			pe_error_errno(err, "mounting the container's /%s",
				       rel);
			close(src);
			close(dst);
			goto out;
		}
		close(src);
		close(dst);
	}
	rc = 0;
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return rc;
}

/* The container view's root: a tmpfs holding the container's top level,
 * each entry bound from the clone (files, directories with everything
 * mounted below them) or copied (symlinks), plus a mount point for tools. */
static int build_container_root(int rootfd, int ctrfd, struct pe_error *err)
{
	int dfd = openat(ctrfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int rc = -1;

	if (dfd < 0)
		return pe_error_errno(err, "reading the container's root");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return pe_error_errno(err, "reading the container's root");
	}
	while ((e = readdir(d))) {
		struct stat st;
		int src, dst;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char link[PATH_MAX];
			ssize_t n =
			    readlinkat(dfd, e->d_name, link, sizeof(link) - 1);
			if (n < 0)
				continue;
			link[n] = '\0';
			if (symlinkat(link, rootfd, e->d_name) < 0) {
				pe_error_errno(err, "copying the link /%s",
					       e->d_name);
				goto out;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(rootfd, e->d_name, 0755) < 0)
				goto mkfail;
		} else if (S_ISREG(st.st_mode)) {
			int f = openat(rootfd, e->d_name,
				       O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
				       0644);
			if (f < 0)
				goto mkfail;
			close(f);
		} else {
			continue;
		}
		src = pe_sys_open_tree(dfd, e->d_name,
				       OPEN_TREE_CLONE | AT_RECURSIVE |
					   AT_SYMLINK_NOFOLLOW |
					   OPEN_TREE_CLOEXEC);
		if (src < 0) {
			pe_error_errno(err, "cloning the container's /%s",
				       e->d_name);
			goto out;
		}
		dst =
		    openat(rootfd, e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (dst < 0 || attach_fd(src, dst) < 0) {
			pe_error_errno(err, "mounting the container's /%s",
				       e->d_name);
			close(src);
			if (dst >= 0)
				close(dst);
			goto out;
		}
		close(src);
		close(dst);
	}
	rc = 0;
	goto out;
mkfail:
	pe_error_errno(err, "preparing /%s in the view", e->d_name);
out:
	closedir(d);
	return rc;
}

/* --- the view as a whole ---------------------------------------------------
 */

struct staging {
	char path[64];
	int fd; /* O_PATH of the staging tmpfs */
};

static int mount_staging(struct staging *s, struct pe_error *err)
{
	static const char *const opts[] = { "mode=0700", NULL };

	for (size_t i = 0;
	     i < sizeof(staging_candidates) / sizeof(staging_candidates[0]);
	     i++) {
		int fd = open(staging_candidates[i],
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (mount_fresh("tmpfs", opts, MOUNT_ATTR_NOSUID, fd) == 0) {
			close(fd);
			snprintf(s->path, sizeof(s->path), "%s",
				 staging_candidates[i]);
			s->fd = open(s->path, O_PATH | O_DIRECTORY |
						  O_NOFOLLOW | O_CLOEXEC);
			if (s->fd < 0)
				return pe_error_errno(err, "opening %s",
						      s->path);
			return 0;
		}
		close(fd);
	}
	return pe_error_errno(err, "mounting a staging tmpfs for the view");
}

static int staging_dir(const struct staging *s, const char *name, int *fd,
		       struct pe_error *err)
{
	*fd = ensure_dir(s->fd, name, 0700);
	if (*fd < 0)
		return pe_error_errno(err, "creating %s/%s", s->path, name);
	return 0;
}

/* --- a tools tree of chosen paths (pe_view_opts.tools_only) ----------------
 */

/* One path of the tools source: a detached clone of a directory or file
 * (with what is mounted below it), or a symlink's target, to copy. */
struct tools_piece {
	const char *rel;
	mode_t type; /* S_IFDIR, S_IFREG or S_IFLNK; 0: absent */
	int clone;
	char *link;
};

struct tools_pieces {
	struct tools_piece *v;
	size_t n;
};

static void free_tools_pieces(struct tools_pieces *p)
{
	for (size_t i = 0; i < p->n; i++) {
		close_fd(&p->v[i].clone);
		free(p->v[i].link);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Clone t->rel of the tools source (or read its link); absent: type 0. */
static int take_tools_piece(int rootfd, const char *dir, struct tools_piece *t,
			    struct pe_error *err)
{
	char link[PATH_MAX];
	struct stat st;
	ssize_t len;
	int saved, fd = open_in_root(rootfd, t->rel, O_PATH | O_NOFOLLOW, 0);

	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (S_ISLNK(st.st_mode)) {
		len = readlinkat(fd, "", link, sizeof(link) - 1);
		if (len < 0)
			goto fail;
		link[len] = '\0';
		t->link = strdup(link);
		if (!t->link)
			goto fail;
		t->type = S_IFLNK;
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		t->clone =
		    pe_sys_open_tree(fd, "",
				     OPEN_TREE_CLONE | AT_RECURSIVE |
					 AT_EMPTY_PATH | OPEN_TREE_CLOEXEC);
		if (t->clone < 0)
			goto fail;
		/* read-only, nosuid, nodev with the whole tree, once it is
		 * built (build_tools_tree); until then it is reachable only
		 * through this fd */
		t->type = st.st_mode & S_IFMT;
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	pe_error_errno(err, "taking %s/%s for the tools tree", dir, t->rel);
	hint_if_no_open_tree(err, saved);
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * While the tools source's paths are still ours: clone each chosen path
 * (with what is mounted below it) or read its link. Paths resolve inside the
 * source, as if it were "/". A path the source lacks is left out.
 */
static int collect_tools_pieces(const char *dir, const char *const *only,
				struct tools_pieces *p, struct pe_error *err)
{
	int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t count = 0;

	if (rootfd < 0)
		return pe_error_errno(err, "opening the tools tree %s", dir);
	while (only[count])
		count++;
	p->v = calloc(count ? count : 1, sizeof(*p->v));
	if (!p->v) {
		close(rootfd);
		return pe_error_errno(err, "allocating the tools tree");
	}
	for (p->n = 0; p->n < count; p->n++) {
		p->v[p->n].rel = only[p->n];
		p->v[p->n].clone = -1;
		if (take_tools_piece(rootfd, dir, &p->v[p->n], err) < 0) {
			p->n++;
			close(rootfd);
			free_tools_pieces(p);
			return -1;
		}
	}
	close(rootfd);
	return 0;
}

/* The parent directory of rel under rootfd, made as needed (0755); *base
 * is the last component (pointing into buf). */
static int make_parent_dirs(int rootfd, const char *rel, char *buf, size_t size,
			    const char **base)
{
	char *slash, *p;
	int fd = dup(rootfd);

	snprintf(buf, size, "%s", rel);
	slash = strrchr(buf, '/');
	*base = slash ? slash + 1 : buf;
	if (!slash)
		return fd;
	*slash = '\0';
	for (p = buf; fd >= 0 && p && *p;) {
		char *next = strchr(p, '/');
		int sub;

		if (next)
			*next = '\0';
		sub = ensure_dir(fd, p, 0755);
		close(fd);
		fd = sub;
		if (next)
			*next = '/';
		p = next ? next + 1 : NULL;
	}
	*slash = '/';
	return fd;
}

/*
 * Lay the pieces out in treefd (a fresh tmpfs of ours): links copied,
 * clones mounted on a directory or an empty file made for them. The
 * clones are used up. The list keeps a directory's pieces together (all of
 * etc/), so the parent directory last made is reused instead of being
 * looked up again for each piece: this runs in every tools session.
 */
static int place_tools_pieces(int treefd, struct tools_pieces *p,
			      struct pe_error *err)
{
	char parent[PATH_MAX];
	int pfd = -1;

	parent[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		struct tools_piece *t = &p->v[i];
		char buf[PATH_MAX];
		const char *base, *slash = strrchr(t->rel, '/');
		size_t plen = slash ? (size_t)(slash - t->rel) : 0;
		int dst = -1, rc = 0;

		if (!t->type)
			continue;
		if (pfd < 0 || plen >= sizeof(parent) ||
		    strncmp(parent, t->rel, plen) != 0 || parent[plen]) {
			close_fd(&pfd);
			pfd = make_parent_dirs(treefd, t->rel, buf, sizeof(buf),
					       &base);
			if (pfd < 0)
				return pe_error_errno(err,
						      "preparing /%s in the "
						      "tools tree",
						      t->rel);
			snprintf(parent, sizeof(parent), "%.*s", (int)plen,
				 t->rel);
		}
		base = slash ? slash + 1 : t->rel;
		if (t->type == S_IFLNK) {
			rc = symlinkat(t->link, pfd, base);
		} else {
			/* the new, empty file is the mount point itself
			 * (O_EXCL: nothing was there, not even a link) */
			if (t->type == S_IFDIR)
				dst = mkdirat(pfd, base, 0755) < 0
					  ? -1
					  : openat(pfd, base,
						   O_PATH | O_DIRECTORY |
						       O_NOFOLLOW | O_CLOEXEC);
			else
				dst = openat(pfd, base,
					     O_CREAT | O_EXCL | O_RDONLY |
						 O_NOFOLLOW | O_CLOEXEC,
					     0644);
			rc = dst < 0 ? -1 : attach_fd(t->clone, dst);
			close_fd(&dst);
			close_fd(&t->clone);
		}
		if (rc < 0) {
			pe_error_errno(err, "placing /%s in the tools tree",
				       t->rel);
			close_fd(&pfd);
			return -1;
		}
	}
	close_fd(&pfd);
	return 0;
}

/* A directory NAME in a tree of our own making (nothing planted there):
 * made in one call; something already there goes through ensure_dir. */
static int make_own_dir(int dirfd, const char *name, mode_t mode)
{
	int fd;

	if (mkdirat(dirfd, name, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	fd = ensure_dir(dirfd, name, mode);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * The tools tree from the pieces: a tmpfs on staging/tools with the pieces
 * laid out, and with what the tools view adds to "/" prepared while it is
 * still writable: mount points and empty files for the pod's /etc files.
 * Then read-only, nosuid and nodev, all of it.
 */
/* Fill treefd (the root of a tmpfs of ours) with the pieces and, for the
 * tools view, the mount points; then attrfd (an O_PATH fd of that mount)
 * read-only, nosuid and nodev, all of it. */
/*
 * The tools view in the small namespace's own tmpfs (its root): /tmp, /run
 * (with run/shm for /dev/shm) and /dev are directories of that tmpfs, made
 * here while it is still writable, and mounted on themselves with their own
 * attributes once the root is read-only (bind_scratch): no tmpfs of their
 * own. A fresh tmpfs costs a session about 12 us to make and 5 us to tear
 * down at its end; a bind of a directory of ours 6 us and next to nothing.
 */
static int prepare_scratch(int treefd, struct pe_error *err)
{
	int devfd, rc;

	if (fchmodat(treefd, "tmp", 01777, 0) < 0 ||
	    make_own_dir(treefd, "run/shm", 0755) < 0 ||
	    fchmodat(treefd, "run/shm", 01777, 0) < 0)
		return pe_error_errno(err, "preparing /tmp and /run in the "
					   "view");
	devfd = openat(treefd, "dev",
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (devfd < 0)
		return pe_error_errno(err, "opening the view's /dev");
	rc = make_dev_nodes(devfd, err);
	if (rc == 0 && (make_own_dir(devfd, "pts", 0755) < 0 ||
			make_own_dir(devfd, "shm", 0755) < 0))
		rc = pe_error_errno(err, "preparing /dev in the view");
	close(devfd);
	return rc;
}

/* prepare_scratch's directories, each mounted on itself: writable, /dev
 * with devices and without exec; /dev/shm is run/shm (through /run's
 * mount: writable, nosuid, nodev); then a fresh devpts. */
static int bind_scratch(int rootfd, struct pe_error *err)
{
	static const struct {
		const char *from, *to;
		uint64_t set, clr;
	} binds[] = {
		{ "tmp", "tmp", 0, MOUNT_ATTR_RDONLY },
		{ "run", "run", 0, MOUNT_ATTR_RDONLY },
		{ "dev", "dev", MOUNT_ATTR_NOEXEC,
		  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV },
		{ "run/shm", "dev/shm", 0, 0 },
	};
	int devfd, rc;

	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		struct pe_mount_attr a = { .attr_set = binds[i].set,
					   .attr_clr = binds[i].clr };
		int tree = pe_sys_open_tree(
		    rootfd, binds[i].from,
		    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
		int dst =
		    open_in_root(rootfd, binds[i].to, O_PATH | O_DIRECTORY,
				 RESOLVE_NO_SYMLINKS);

		rc = tree < 0 || dst < 0 ? -1 : 0;
		if (rc == 0 && (a.attr_set || a.attr_clr))
			rc = pe_sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a);
		if (rc == 0)
			rc = attach_fd(tree, dst);
		if (tree >= 0)
			close(tree);
		if (dst >= 0)
			close(dst);
		if (rc < 0)
			return pe_error_errno(err, "mounting /%s in the view",
					      binds[i].to);
	}
	devfd = open_in_root(rootfd, "dev", O_DIRECTORY | O_RDONLY,
			     RESOLVE_NO_SYMLINKS);
	if (devfd < 0)
		return pe_error_errno(err, "opening the view's /dev");
	rc = mount_devpts(devfd, err);
	close(devfd);
	return rc;
}

static int fill_tools_tree(int treefd, int attrfd, struct tools_pieces *p,
			   bool tools_view, bool own_scratch,
			   struct pe_error *err)
{
	static const char *const dirs[] = { "target", "tmp",  "run",
					    "dev",    "proc", "sys" };
	static const char *const etc_files[] = { "hosts", "resolv.conf",
						 "hostname" };
	int etcfd = -1, rc = -1;

	if (place_tools_pieces(treefd, p, err) < 0)
		goto out;
	for (size_t i = 0; tools_view && i < sizeof(dirs) / sizeof(dirs[0]);
	     i++) {
		if (make_own_dir(treefd, dirs[i], 0755) < 0) {
			pe_error_errno(err, "preparing /%s in the view",
				       dirs[i]);
			goto out;
		}
	}
	etcfd = tools_view ? ensure_dir(treefd, "etc", 0755) : -1;
	if (tools_view && etcfd < 0) {
		pe_error_errno(err, "preparing /etc in the view");
		goto out;
	}
	for (size_t i = 0;
	     tools_view && i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		int fd =
		    openat(etcfd, etc_files[i],
			   O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			pe_error_errno(err, "preparing /etc/%s in the view",
				       etc_files[i]);
			goto out;
		}
		close(fd);
	}
	if (own_scratch && prepare_scratch(treefd, err) < 0)
		goto out;
	rc = set_tree_attrs(
	    attrfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	    true, err, "the tools tree");
out:
	close_fd(&etcfd);
	return rc;
}

/* The tools tree on a fresh tmpfs at staging/tools. */
static int build_tools_tree(const struct staging *s, struct tools_pieces *p,
			    bool tools_view, struct pe_error *err)
{
	static const char *const opts[] = { "mode=0755", NULL };
	int dirfd = -1, treefd = -1, rc = -1;

	if (staging_dir(s, "tools", &dirfd, err) < 0)
		return -1;
	if (mount_fresh("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
			dirfd) < 0) {
		pe_error_errno(err, "mounting the tools tree");
		goto out;
	}
	close_fd(&dirfd);
	treefd = open_in_root(s->fd, "tools", O_RDONLY | O_DIRECTORY,
			      RESOLVE_NO_SYMLINKS);
	dirfd = open_in_root(s->fd, "tools", O_PATH | O_DIRECTORY,
			     RESOLVE_NO_SYMLINKS);
	if (treefd < 0 || dirfd < 0) {
		pe_error_errno(err, "opening the tools tree");
		goto out;
	}
	rc = fill_tools_tree(treefd, dirfd, p, tools_view, false, err);
out:
	close_fd(&dirfd);
	close_fd(&treefd);
	return rc;
}

/*
 * The merged view over a tools tree of pieces: overlayfs shows no mounts
 * of a lower layer, so each piece's directory or file is brought in again
 * where the container has nothing, and where both have a directory, an
 * overlay of the two (the container's above) takes its place, its writes
 * vanishing like the rest of the view's. Where the container has
 * something else (a file, a link), the container's stays.
 */
static int merge_tools_pieces(const struct staging *s, int rootfd, int ctrfd,
			      const struct tools_pieces *p,
			      struct pe_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct tools_piece *t = &p->v[i];
		char name[32], lower[PATH_MAX + 32], upper[96], work[96];
		const char *opts[4] = { lower, upper, work, NULL };
		int at, fd, src, rc;
		struct stat st;

		if (t->type != S_IFDIR && t->type != S_IFREG)
			continue;
		at = open_in_root(rootfd, t->rel, O_PATH | O_NOFOLLOW,
				  RESOLVE_NO_SYMLINKS);
		if (at < 0)
			continue; /* a link of the container's on the way */
		fd = open_in_root(ctrfd, t->rel, O_PATH | O_NOFOLLOW,
				  RESOLVE_NO_SYMLINKS);
		if (fd >= 0 && (t->type != S_IFDIR || fstat(fd, &st) < 0 ||
				!S_ISDIR(st.st_mode))) {
			close(fd);
			close(at);
			continue; /* the container's own stays */
		}
		if (fd < 0 && errno != ENOENT) {
			close(at);
			continue;
		}
		if (fd >= 0) {
			close(fd);
			snprintf(name, sizeof(name), "upper-%zu", i);
			if (staging_dir(s, name, &fd, err) < 0) {
				close(at);
				return -1;
			}
			close(fd);
			snprintf(name, sizeof(name), "work-%zu", i);
			if (staging_dir(s, name, &fd, err) < 0) {
				close(at);
				return -1;
			}
			close(fd);
			snprintf(lower, sizeof(lower),
				 "lowerdir=%s/target/%s:%s/tools/%s", s->path,
				 t->rel, s->path, t->rel);
			snprintf(upper, sizeof(upper), "upperdir=%s/upper-%zu",
				 s->path, i);
			snprintf(work, sizeof(work), "workdir=%s/work-%zu",
				 s->path, i);
			rc = mount_fresh("overlay", opts,
					 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
					 at);
		} else {
			src = open_in_root(s->fd, "tools", O_PATH | O_DIRECTORY,
					   RESOLVE_NO_SYMLINKS);
			fd = src < 0
				 ? -1
				 : pe_sys_open_tree(src, t->rel,
						    OPEN_TREE_CLONE |
							AT_RECURSIVE |
							AT_SYMLINK_NOFOLLOW |
							OPEN_TREE_CLOEXEC);
			if (src >= 0)
				close(src);
			rc = fd < 0 ? -1 : attach_fd(fd, at);
			if (fd >= 0)
				close(fd);
		}
		close(at);
		if (rc < 0)
			return pe_error_errno(err,
					      "bringing the tools' /%s into "
					      "the merged view",
					      t->rel);
	}
	return 0;
}

/*
 * What the tools view adds to its root (rootfd): the container at /target,
 * the pod's /etc files (may_write: see copy_pod_etc), fresh /tmp and /run.
 */
static int finish_tools_root(const struct staging *s, int rootfd, int ctrfd,
			     bool may_write, bool fresh_scratch,
			     struct pe_error *err)
{
	static const char *const tmp_opts[] = { "mode=1777", NULL };
	static const char *const run_opts[] = { "mode=0755", NULL };
	/* The container's tree moves from the staging dir to /target as it
	 * is (ctrfd: its root, attached there), with the attributes it got
	 * while detached. A second recursive clone would copy every mount
	 * of the container again, and the staging copy would then be
	 * detached with the old root: both per session. */
	int dirfd = ensure_dir(rootfd, "target", 0755);

	(void)s;
	if (dirfd < 0 || attach_fd(ctrfd, dirfd) < 0) {
		pe_error_errno(err, "mounting the container at /target");
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	close(dirfd);
	if (copy_pod_etc(rootfd, ctrfd, may_write, err) < 0)
		return -1;
	if (fresh_scratch &&
	    (mount_fresh_at(rootfd, "tmp", 01777, "tmpfs", tmp_opts,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err) < 0 ||
	     mount_fresh_at(rootfd, "run", 0755, "tmpfs", run_opts,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err) < 0))
		return -1;
	return 0;
}

static int mount_overlay(const struct staging *s, bool with_container,
			 bool with_tools, struct pe_error *err)
{
	char data[1024];
	char target[128];

	if (with_container && with_tools)
		snprintf(data, sizeof(data),
			 "lowerdir=%s/target:%s/tools,upperdir=%s/"
			 "upper,workdir=%s/work",
			 s->path, s->path, s->path, s->path);
	else
		snprintf(data, sizeof(data),
			 "lowerdir=%s/%s,upperdir=%s/upper,workdir=%s/work",
			 s->path, with_container ? "target" : "tools", s->path,
			 s->path);
	snprintf(target, sizeof(target), "%s/root", s->path);
	if (mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, data) <
	    0) {
		int saved = errno;

		pe_error_errno(err, "mounting the overlay for the view");
		if (saved == ELOOP && with_container && with_tools)
			pe_error_hint(
			    err, "overlayfs refuses layers inside one "
				 "another: the container's root lies inside "
				 "the tools tree; use other tools (--tools "
				 "builtin) or --view tools");
		else
			pe_error_hint(err,
				      "overlayfs stacks at most two levels "
				      "deep; try --view tools");
		return -1;
	}
	return 0;
}

/*
 * The private mount namespace the view is built in: the small one
 * podenter is in already (clone_target_root), with what the build needs
 * made in its empty root (a staging mount point, and for the merged view a
 * /proc to read mountinfo from); else a copy of the node's, made private.
 */
static int enter_view_ns(bool in_small_ns, bool with_proc, struct pe_error *err)
{
	static const char *const no_opts[] = { NULL };
	int fd;

	if (in_small_ns) {
		if (mkdir(staging_candidates[0], 0700) < 0 && errno != EEXIST)
			return pe_error_errno(err,
					      "creating %s in the view's "
					      "namespace",
					      staging_candidates[0]);
		if (!with_proc)
			return 0;
		if (mkdir("/proc", 0555) < 0 && errno != EEXIST)
			return pe_error_errno(err, "creating /proc in the "
						   "view's namespace");
		fd = open("/proc",
			  O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || mount_fresh("proc", no_opts,
					  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					      MOUNT_ATTR_NOEXEC,
					  fd) < 0) {
			if (fd >= 0)
				close(fd);
			return pe_error_errno(err, "mounting /proc in the "
						   "view's namespace");
		}
		close(fd);
		return 0;
	}
	if (unshare(CLONE_NEWNS) < 0)
		return pe_error_errno(err, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pe_error_errno(err, "making the private mount namespace "
					   "private");
	return 0;
}

static int enter_root(const char *path, struct pe_error *err)
{
	test_pause_at("view-staged");
	if (chdir(path) < 0)
		return pe_error_errno(err, "entering %s", path);
	if (pe_sys_pivot_root(".", ".") < 0)
		return pe_error_errno(err, "pivot_root into the view");
	/* The old root now sits on top of the new one: detach it so nothing
	 * of the host stays reachable from the session. */
	if (umount2(".", MNT_DETACH) < 0)
		return pe_error_errno(err, "detaching the host's root");
	if (chdir("/") < 0)
		return pe_error_errno(err, "entering the view's root");
	return 0;
}

static int set_root_attrs(uint64_t attrs, struct pe_error *err)
{
	struct pe_mount_attr a = { .attr_set = attrs };

	if (pe_sys_mount_setattr(AT_FDCWD, "/", 0, &a) < 0)
		return pe_error_errno(err, "making the view's root read-only");
	return 0;
}

int pe_view_enter(const struct pe_view_opts *o,
		  const struct pe_container *target, int pidfd,
		  struct pe_view *v, struct pe_error *err)
{
	struct staging s = { .fd = -1 };
	int ctrfd = -1, toolsfd = -1, rootfd = -1, dirfd = -1, rc = -1;
	bool in_small_ns = false;
	uint64_t ctr_attrs;
	bool tools = o->tools_dir != NULL;
	/* only the chosen paths of the tools source, in a tree of our own */
	bool chosen = tools && o->tools_only;
	struct tools_pieces pieces = { NULL, 0 };

	memset(v, 0, sizeof(*v));
	v->kind = o->kind;
	v->rw = o->rw;
	v->has_tools = tools;
	if (o->kind == PE_VIEW_MERGED && o->rw) {
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "--rw does not apply to --view merged");
		pe_error_hint(err, "writes in the merged view always vanish; "
				   "use --view tools --rw to write to /target");
		return -1;
	}
	if (o->kind != PE_VIEW_TOOLS && !tools) {
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "--view %s needs a tools source",
			     pe_view_name(o->kind));
		return -1;
	}

	/* the target's guards of /proc and /sys, while its /proc/PID is
	 * ours to read */
	if (o->has_procfd) {
		if (pe_proc_guard_read(o->procfd, &v->guard, err) < 0)
			return -1;
	} else {
		pe_proc_guard_defaults(&v->guard);
	}
	/* libmount, like the tools, comes from the node's root, now. */
	if (o->kind == PE_VIEW_MERGED && pe_mnt_load(err) < 0)
		return -1;
	/* Tools are opened by path while the host is still our root. */
	if (tools) {
		int probe =
		    open(o->tools_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (probe < 0)
			return pe_error_errno(err, "opening the tools tree %s",
					      o->tools_dir);
		close(probe);
	}

	/* The tools are cloned while the node's paths are ours: before the
	 * target's clone, after which podenter is in the view's namespace. */
	if (chosen) {
		if (collect_tools_pieces(o->tools_dir, o->tools_only, &pieces,
					 err) < 0)
			goto out;
	} else if (tools) {
		toolsfd = pe_sys_open_tree(
		    AT_FDCWD, o->tools_dir,
		    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			(o->kind == PE_VIEW_CONTAINER ? AT_RECURSIVE : 0));
		if (toolsfd < 0) {
			int saved = errno;

			pe_error_errno(err, "cloning the tools tree %s",
				       o->tools_dir);
			hint_if_no_open_tree(err, saved);
			goto out;
		}
		if (set_tree_attrs(toolsfd,
				   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				       MOUNT_ATTR_NODEV,
				   true, err, "the tools tree") < 0)
			goto out;
	}

	ctrfd = clone_target_root(target, pidfd, o->has_procfd ? o->procfd : -1,
				  &in_small_ns, err);
	if (ctrfd < 0)
		goto out;
	/* The container view keeps the container's own nosuid/nodev choices
	 * (its /dev must work); elsewhere its tree is data, not devices. */
	if (o->kind == PE_VIEW_CONTAINER)
		ctr_attrs = o->rw ? 0 : MOUNT_ATTR_RDONLY;
	else
		ctr_attrs = (o->rw ? 0 : MOUNT_ATTR_RDONLY) |
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (set_tree_attrs(ctrfd, ctr_attrs, true, err,
			   "the container's tree") < 0)
		goto out;
	test_pause_at("view-cloned");

	if (enter_view_ns(in_small_ns, o->kind == PE_VIEW_MERGED, err) < 0)
		goto out;
	if (in_small_ns && chosen && o->kind == PE_VIEW_TOOLS) {
		/* The small namespace's root is an empty tmpfs of ours that
		 * nothing else holds: the tools view is built on it as it is.
		 * No staging tmpfs, no second tmpfs for the tools, no
		 * pivot_root, and no detach of an old root (each unmount
		 * waits for an expedited RCU grace period). The container's
		 * detached tree is attached at /target once the tools tree
		 * is read-only (finish_tools_root). */
		int attrfd = -1;

		rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		attrfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0 || attrfd < 0) {
			pe_error_errno(err, "opening the view's root");
			close_fd(&attrfd);
			goto out;
		}
		rc = fill_tools_tree(rootfd, attrfd, &pieces, true, true, err);
		close_fd(&attrfd);
		if (rc < 0)
			goto out;
		rc = -1;
		if (finish_tools_root(NULL, rootfd, ctrfd, false, false, err) <
			0 ||
		    bind_scratch(rootfd, err) < 0)
			goto out;
		test_pause_at("view-staged");
		if (chdir("/") < 0) {
			pe_error_errno(err, "entering the view's root");
			goto out;
		}
		if (set_root_attrs(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				       MOUNT_ATTR_NODEV,
				   err) < 0)
			goto out;
		rc = 0;
		test_pause_at("view-entered");
		goto out;
	}

	if (mount_staging(&s, err) < 0)
		goto out;
	if (staging_dir(&s, "target", &dirfd, err) < 0)
		goto out;
	if (attach_fd(ctrfd, dirfd) < 0) {
		pe_error_errno(err, "attaching the container's tree");
		goto out;
	}
	close_fd(&dirfd);
	close_fd(&ctrfd);
	/* From here on the clone is reached through its place in the staging
	 * tree, like every other piece of the view. */
	ctrfd = open_in_root(s.fd, "target", O_PATH | O_DIRECTORY,
			     RESOLVE_NO_SYMLINKS);
	if (ctrfd < 0) {
		pe_error_errno(err, "opening the attached container tree");
		goto out;
	}
	if (chosen) {
		if (build_tools_tree(&s, &pieces, o->kind == PE_VIEW_TOOLS,
				     err) < 0)
			goto out;
	} else if (tools) {
		if (staging_dir(&s, "tools", &dirfd, err) < 0)
			goto out;
		if (attach_fd(toolsfd, dirfd) < 0) {
			pe_error_errno(err, "attaching the tools tree");
			goto out;
		}
		close_fd(&dirfd);
		close_fd(&toolsfd);
	}
	if (staging_dir(&s, "root", &dirfd, err) < 0)
		goto out;
	close_fd(&dirfd);

	if (o->kind == PE_VIEW_CONTAINER) {
		char root[128];
		static const char *const root_opts[] = { "mode=0755", NULL };

		if (staging_dir(&s, "root", &dirfd, err) < 0)
			goto out;
		if (mount_fresh("tmpfs", root_opts, MOUNT_ATTR_NOSUID, dirfd) <
		    0) {
			pe_error_errno(err, "mounting the view's root");
			goto out;
		}
		close_fd(&dirfd);
		snprintf(root, sizeof(root), "%s/root", s.path);
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			pe_error_errno(err, "opening %s", root);
			goto out;
		}
		if (build_container_root(rootfd, ctrfd, err) < 0)
			goto out;
		toolsfd = pe_sys_open_tree(s.fd, "tools",
					   OPEN_TREE_CLONE | AT_RECURSIVE |
					       OPEN_TREE_CLOEXEC);
		dirfd = ensure_dir(rootfd, &PE_VIEW_TOOLS_MOUNT[1], 0755);
		if (toolsfd < 0 || dirfd < 0 || attach_fd(toolsfd, dirfd) < 0) {
			pe_error_errno(err, "mounting the tools at %s",
				       PE_VIEW_TOOLS_MOUNT);
			goto out;
		}
		close_fd(&dirfd);
		close_fd(&toolsfd);
		snprintf(v->path_append, sizeof(v->path_append), "%s/bin",
			 PE_VIEW_TOOLS_MOUNT);
		if (enter_root(root, err) < 0 ||
		    set_root_attrs(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				       MOUNT_ATTR_NODEV,
				   err) < 0)
			goto out;
		test_pause_at("view-entered");
		rc = 0;
		goto out;
	}

	if (chosen && o->kind == PE_VIEW_TOOLS) {
		/* The tools tree is ours and holds the mount points: it is the
		 * view's root as it is, no overlay needed. */
		char root[128];

		snprintf(root, sizeof(root), "%s/tools", s.path);
		rootfd = open_in_root(s.fd, "tools", O_RDONLY | O_DIRECTORY,
				      RESOLVE_NO_SYMLINKS);
		if (rootfd < 0) {
			pe_error_errno(err, "opening %s", root);
			goto out;
		}
		if (finish_tools_root(&s, rootfd, ctrfd, false, true, err) <
			0 ||
		    build_dev(rootfd, err) < 0 || enter_root(root, err) < 0 ||
		    set_root_attrs(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				       MOUNT_ATTR_NODEV,
				   err) < 0)
			goto out;
	} else {
		char root[128];
		int fd;

		if (staging_dir(&s, "upper", &fd, err) < 0)
			goto out;
		/* the overlay's root takes the upper dir's mode: 0700 would
		 * lock a session running as --user out of its own / */
		if (fchmodat(s.fd, "upper", 0755, 0) < 0) {
			pe_error_errno(err, "chmod %s/upper", s.path);
			close(fd);
			goto out;
		}
		close(fd);
		if (staging_dir(&s, "work", &fd, err) < 0)
			goto out;
		close(fd);
		if (mount_overlay(&s, o->kind == PE_VIEW_MERGED, tools, err) <
		    0)
			goto out;
		snprintf(root, sizeof(root), "%s/root", s.path);
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			pe_error_errno(err, "opening %s", root);
			goto out;
		}
		if (o->kind == PE_VIEW_TOOLS) {
			if (finish_tools_root(&s, rootfd, ctrfd, true, true,
					      err) < 0)
				goto out;
		} else {
			char ctr_path[128];

			snprintf(ctr_path, sizeof(ctr_path), "%s/target",
				 s.path);
			if (chosen && merge_tools_pieces(&s, rootfd, ctrfd,
							 &pieces, err) < 0)
				goto out;
			if (rebind_submounts(ctr_path, rootfd, err) < 0)
				goto out;
		}
		if (build_dev(rootfd, err) < 0)
			goto out;
		for (int i = 0; i < 2; i++) {
			fd = ensure_dir(rootfd, i ? "sys" : "proc", 0555);
			if (fd < 0) {
				pe_error_errno(err, "preparing /%s in the view",
					       i ? "sys" : "proc");
				goto out;
			}
			close(fd);
		}
		if (enter_root(root, err) < 0)
			goto out;
		/* The tools tree is read-only below the overlay; in the tools
		 * view the overlay root is too, so nothing can replace a tool.
		 * The merged root keeps its vanishing tmpfs writes. */
		if (set_root_attrs(o->kind == PE_VIEW_TOOLS
				       ? MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					     MOUNT_ATTR_NODEV
				       : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
				   err) < 0)
			goto out;
	}
	rc = 0;
	test_pause_at("view-entered");
out:
	free_tools_pieces(&pieces);
	close_fd(&ctrfd);
	close_fd(&toolsfd);
	close_fd(&rootfd);
	close_fd(&dirfd);
	close_fd(&s.fd);
	return rc;
}

int pe_view_mount_proc_sys(const struct pe_view *v, int pidns_fd,
			   unsigned long clone_pidns_ino, struct pe_error *err)
{
	/* the container view too: its /proc is the container's procfs,
	 * which a container with CAP_SYS_ADMIN may have rearranged, and
	 * whose guards a privileged pod lacks. Cloned (clone_pidns_ino):
	 * the container's procfs mount where this view has it, alone */
	struct pe_guard_kit kit = PE_GUARD_KIT_INIT;
	int r = clone_pidns_ino
		    ? pe_ns_mount_target_proc(
			  &v->guard,
			  v->kind == PE_VIEW_TOOLS ? "/target/proc" : "/proc",
			  clone_pidns_ino, &kit, err)
		    : pe_ns_mount_fresh_proc(&v->guard, pidns_fd, &kit, err);

	if (r == 0)
		r = pe_ns_guard_sys(&v->guard, v->kind != PE_VIEW_CONTAINER,
				    &kit, err);
	pe_guard_kit_close(&kit);
	return r < 0 ? -1 : 0;
}

/* The pieces podenter copy builds its root with too (viewparts.h). */
int pe_viewpart_build_dev(int rootfd, struct pe_error *err)
{
	return build_dev(rootfd, err);
}

int pe_viewpart_mount_fresh(const char *fstype, const char *const *opts,
			    unsigned int attrs, int target_fd)
{
	return mount_fresh(fstype, opts, attrs, target_fd);
}
