/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads of node files beneath the host root. With openat2 and
 * RESOLVE_IN_ROOT, absolute symlinks on the node (kubelet's
 * /var/log/containers links, for one) resolve inside the host root, as they
 * would on the node itself, and ".." cannot climb out of it. Kernels without
 * openat2 get the same resolution from a component walk (pe_open_beneath),
 * never from a plain openat(). "/" as host root needs neither.
 *
 * pe_open_beneath() is podenter's one way to open a path inside a tree it
 * does not trust: the node seen from a pod, a container's root, an archive
 * being unpacked, a cgroup hierarchy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "podenter/hostroot.h"
#include "syscalls.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static unsigned long user_ns_inode_at(int procfd)
{
	char buf[64];
	ssize_t n = readlinkat(procfd, "ns/user", buf, sizeof(buf) - 1);
	const char *lb;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	lb = strchr(buf, '[');
	return lb ? strtoul(lb + 1, NULL, 10) : 0;
}

/*
 * The node's user namespace: PID 1's, read once here because resolution
 * compares every container's with it. Where PID 1's links are closed to us
 * (a PID 1 holding capabilities we lack, as in some sandboxes), podenter's
 * own is the node's when it reads the node through "/": a tool run as root
 * on the node, or from a hostPID pod that shares it, is in the initial one.
 */
static unsigned long node_user_ns(const struct pe_hostroot *hr)
{
	int fd = pe_host_open(hr, "/proc/1", O_PATH | O_DIRECTORY);
	unsigned long ino = 0;

	if (fd >= 0) {
		ino = user_ns_inode_at(fd);
		close(fd);
	}
	if (ino == 0 && hr->is_slash) {
		fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			ino = user_ns_inode_at(fd);
			close(fd);
		}
	}
	return ino;
}

int pe_hostroot_open(struct pe_hostroot *hr, const char *path,
		     struct pe_error *err)
{
	struct stat st;
	char real[PATH_MAX];

	memset(hr, 0, sizeof(*hr));
	hr->dirfd = -1;
	if (!path || !*path)
		path = "/";
	snprintf(hr->path, sizeof(hr->path), "%s", path);
	hr->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hr->dirfd < 0) {
		pe_error_errno(err, "cannot open host root %s", path);
		pe_error_hint(
		    err, "--host-root names the directory where the node's "
			 "root file system is mounted (e.g. /host)");
		return -1;
	}
	if (fstat(hr->dirfd, &st) < 0) {
		pe_error_errno(err, "cannot stat host root %s", path);
		pe_hostroot_close(hr);
		return -1;
	}
	hr->is_slash = realpath(path, real) && strcmp(real, "/") == 0;
	hr->user_ns = node_user_ns(hr);
	return 0;
}

void pe_hostroot_close(struct pe_hostroot *hr)
{
	if (hr->dirfd >= 0)
		close(hr->dirfd);
	hr->dirfd = -1;
}

static const char *relative(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/*
 * The fallback of pe_open_beneath() where openat2 is missing (Linux < 5.6,
 * or a seccomp filter that hides it): the same resolution one component at
 * a time. Every step is an O_PATH|O_NOFOLLOW open relative to the previous
 * directory's fd, so the kernel never follows a link on our behalf: a
 * symlink is read through its own fd and its text resolved again from the
 * root (absolute, RESOLVE_IN_ROOT), refused (absolute, RESOLVE_BENEATH) or
 * from the current directory (relative); ".." pops the stack of directories
 * already opened, so no lookup ever leaves the root, even when a directory
 * is moved meanwhile. Links on a procfs are refused under
 * RESOLVE_NO_MAGICLINKS (their text, "/" for /proc/PID/root, is not where
 * they lead). A component swapped for a link after it was checked makes the
 * final O_NOFOLLOW open fail, never escape. RESOLVE_NO_XDEV compares mount
 * ids (/proc/self/fdinfo, Linux 3.15); where /proc is not mounted, the
 * st_dev of directories (overlayfs gives files the st_dev of the layer
 * below), so there a bind mount of the same file system is not noticed.
 */
#define WALK_DEPTH_MAX 128
#define WALK_LINKS_MAX 40

static bool on_procfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static ssize_t read_all_fd(int fd, size_t max, char **out);

/* The mount id of fd from /proc/self/fdinfo, 0 when it cannot be read. */
unsigned long pe_fd_mount_id(int fd)
{
	char path[64], *buf = NULL, *line;
	unsigned long id = 0;
	int ffd;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ffd = open(path, O_RDONLY | O_CLOEXEC);
	if (ffd < 0)
		return 0;
	if (read_all_fd(ffd, 4096, &buf) < 0) {
		close(ffd);
		return 0;
	}
	close(ffd);
	line = strstr(buf, "mnt_id:");
	if (line)
		id = strtoul(line + 7, NULL, 10);
	free(buf);
	return id;
}

/* RESOLVE_NO_XDEV for the walk: is next on the root's mount? */
static bool same_mount(int next, const struct stat *st, unsigned long root_mnt,
		       const struct stat *root_st)
{
	if (root_mnt)
		return pe_fd_mount_id(next) == root_mnt;
	return !S_ISDIR(st->st_mode) || st->st_dev == root_st->st_dev;
}

static int open_walk(int rootfd, const char *path, int flags, uint64_t resolve)
{
	char *buf = malloc(2 * PATH_MAX), *tmp = malloc(2 * PATH_MAX), *p;
	int stack[WALK_DEPTH_MAX], depth = 0, links = 0, fd = -1, saved;
	struct stat root_st;
	unsigned long root_mnt = 0;

	if (!buf || !tmp) {
		free(buf);
		free(tmp);
		errno = ENOMEM;
		return -1;
	}
	snprintf(buf, 2 * PATH_MAX, "%s", path);
	stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (stack[0] < 0 || fstat(stack[0], &root_st) < 0)
		goto out;
	if (resolve & RESOLVE_NO_XDEV)
		root_mnt = pe_fd_mount_id(stack[0]);
	if (buf[0] == '/' && (resolve & RESOLVE_BENEATH)) {
		errno = EXDEV;
		goto out;
	}
	p = buf;
	for (;;) {
		char comp[NAME_MAX + 1];
		size_t n;
		struct stat st;
		int next;

		while (*p == '/')
			p++;
		if (*p == '\0') {
			fd = openat(stack[depth], ".", flags | O_CLOEXEC);
			goto out;
		}
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (depth > 0) {
				close(stack[depth--]);
			} else if (resolve & RESOLVE_BENEATH) {
				errno = EXDEV;
				goto out;
			}
			continue;
		}
		next =
		    openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto out;
		if (fstat(next, &st) < 0) {
			close(next);
			goto out;
		}
		if ((resolve & RESOLVE_NO_XDEV) &&
		    !same_mount(next, &st, root_mnt, &root_st)) {
			close(next);
			errno = EXDEV;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t l;

			if (*p == '\0' && (flags & O_NOFOLLOW)) {
				/* the link itself, as openat2 gives it */
				if (flags & O_PATH) {
					fd = next;
					goto out;
				}
				close(next);
				errno = ELOOP;
				goto out;
			}
			if ((resolve & RESOLVE_NO_SYMLINKS) ||
			    ((resolve & RESOLVE_NO_MAGICLINKS) &&
			     on_procfs(next)) ||
			    ++links > WALK_LINKS_MAX) {
				close(next);
				errno = ELOOP;
				goto out;
			}
			l = readlinkat(next, "", tmp, PATH_MAX);
			close(next);
			if (l < 0 || l >= PATH_MAX) {
				errno = l < 0 ? errno : ENAMETOOLONG;
				goto out;
			}
			tmp[l] = '\0';
			if (tmp[0] == '/') {
				if (resolve & RESOLVE_BENEATH) {
					errno = EXDEV;
					goto out;
				}
				while (depth > 0)
					close(stack[depth--]);
			}
			snprintf(tmp + l, 2 * PATH_MAX - (size_t)l, "/%s", p);
			memcpy(buf, tmp, 2 * PATH_MAX);
			p = buf;
			continue;
		}
		if (*p == '\0') {
			close(next);
			fd = openat(stack[depth], comp,
				    flags | O_NOFOLLOW | O_CLOEXEC);
			goto out;
		}
		if (!S_ISDIR(st.st_mode) || depth + 1 >= WALK_DEPTH_MAX) {
			close(next);
			errno = S_ISDIR(st.st_mode) ? ENAMETOOLONG : ENOTDIR;
			goto out;
		}
		stack[++depth] = next;
	}
out:
	saved = errno;
	for (int i = 0; i <= depth; i++)
		if (stack[i] >= 0)
			close(stack[i]);
	free(buf);
	free(tmp);
	errno = saved;
	return fd;
}

int pe_open_beneath(int rootfd, const char *rel, int flags, uint64_t resolve)
{
	/* -1 unknown, 0 missing, 1 works; probed once per process */
	static int openat2_state = -1;
	struct pe_open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve,
	};
	int fd, tries = 0;

	if (!(resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH))) {
		errno = EINVAL;
		return -1;
	}
	if (rel[0] == '\0')
		rel = ".";
	if (openat2_state != 0) {
		/* EAGAIN: a rename raced the lookup; the kernel asks to retry
		 */
		do
			fd = pe_sys_openat2(rootfd, rel, &how);
		while (fd < 0 && errno == EAGAIN && ++tries < 16);
		/* Only a kernel (or filter) without openat2 falls back, and
		 * then to the walk: any other refusal (ELOOP for a magic link,
		 * EXDEV for a way out) is the answer, never retried by a plain
		 * openat that would follow the link. */
		if (fd >= 0 || errno != ENOSYS) {
			openat2_state = 1;
			return fd;
		}
		openat2_state = 0;
	}
	return open_walk(rootfd, rel, flags, resolve);
}

int pe_open_in_root(int rootfd, const char *rel, int flags, uint64_t resolve)
{
	return pe_open_beneath(rootfd, rel, flags,
			       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
				   resolve);
}

int pe_host_open(const struct pe_hostroot *hr, const char *path, int flags)
{
	const char *rel = relative(path);

	if (hr->is_slash)
		return openat(hr->dirfd, rel, flags | O_CLOEXEC);
	/* absolute links on the node (kubelet's /var/log/containers) resolve
	 * inside the host root as on the node itself; the node's /proc links
	 * (/host/proc/self/root) would lead to podenter's own root */
	return pe_open_in_root(hr->dirfd, rel, flags, 0);
}

/*
 * The host root's /proc, for what is trusted with it (pinning a process,
 * opening its namespaces): it must be a procfs root (PROC_SUPER_MAGIC and
 * the root inode), not a directory of files that look like one, which a
 * copied tree or an over-mounted /host/proc would be (CVE-2019-16884 class).
 * The lists and names read from a fixture tree do not need this.
 */
#define PROC_ROOT_INO 1

int pe_host_open_procfs(const struct pe_hostroot *hr, const char *sub,
			int flags)
{
	struct statfs sfs;
	struct stat st;
	int procfd, fd, saved;

	procfd = pe_host_open(hr, "/proc", O_PATH | O_DIRECTORY);
	if (procfd < 0)
		return -1;
	if (fstatfs(procfd, &sfs) < 0 || fstat(procfd, &st) < 0) {
		saved = errno;
		close(procfd);
		errno = saved;
		return -1;
	}
	if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO) {
		close(procfd);
		errno = EMEDIUMTYPE;
		return -1;
	}
	if (!sub || !*sub || strcmp(sub, ".") == 0)
		return procfd;
	/* inside a procfs: "PID" or "PID/..." with no link to follow */
	fd = pe_open_beneath(procfd, relative(sub), flags,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	saved = errno;
	close(procfd);
	errno = saved;
	return fd;
}

int pe_host_opendir_fd(const struct pe_hostroot *hr, const char *path)
{
	return pe_host_open(hr, path, O_RDONLY | O_DIRECTORY);
}

static ssize_t read_all_fd(int fd, size_t max, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return (ssize_t)len;
}

/*
 * Read all of fd and close it, keeping read's errno. Only regular files:
 * a FIFO or a device planted where a node file should be would block the
 * read forever (or do worse); the fd was opened with O_NONBLOCK so that
 * the open itself did not wait for a FIFO's writer.
 */
static ssize_t read_and_close(int fd, size_t max, char **out)
{
	struct stat st;
	ssize_t r = -1;
	int saved;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		saved = errno;
	} else if (!S_ISREG(st.st_mode)) {
		saved = EINVAL;
	} else {
		r = read_all_fd(fd, max, out);
		saved = errno;
	}
	close(fd);
	errno = saved;
	return r;
}

#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)

ssize_t pe_host_read_file(const struct pe_hostroot *hr, const char *path,
			  size_t max, char **out)
{
	return read_and_close(pe_host_open(hr, path, READ_FLAGS), max, out);
}

ssize_t pe_read_file_at(int dirfd, const char *name, size_t max, char **out)
{
	int fd;

	/* "PID/stat", "<id>/config.v2.json": beneath dirfd, no link on the
	 * way; a lone name or a path from the caller's own root as before */
	if (dirfd != AT_FDCWD && name[0] != '/' && strchr(name, '/'))
		fd = pe_open_beneath(dirfd, name, READ_FLAGS,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					 RESOLVE_NO_MAGICLINKS);
	else
		fd = openat(dirfd, name, READ_FLAGS | O_CLOEXEC | O_NOFOLLOW);
	return read_and_close(fd, max, out);
}

ssize_t pe_host_readlink(const struct pe_hostroot *hr, const char *path,
			 char *buf, size_t size)
{
	char parent[4096];
	const char *slash = strrchr(path, '/');
	const char *base;
	int dfd;
	ssize_t n;
	int saved;

	if (!slash || size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)(slash - path) >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	base = slash + 1;
	dfd = pe_host_open(hr, parent[0] ? parent : "/", O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return -1;
	n = readlinkat(dfd, base, buf, size - 1);
	saved = errno;
	close(dfd);
	errno = saved;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool pe_host_exists(const struct pe_hostroot *hr, const char *path)
{
	int fd = pe_host_open(hr, path, O_PATH);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void pe_host_display(const struct pe_hostroot *hr, const char *path, char *buf,
		     size_t size)
{
	if (hr->is_slash)
		snprintf(buf, size, "%s", path);
	else
		snprintf(buf, size, "%s%s%s", hr->path,
			 path[0] == '/' ? "" : "/", path);
}
