/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads of node files beneath the host root. With openat2 and
 * RESOLVE_IN_ROOT, absolute symlinks on the node (kubelet's
 * /var/log/containers links, for one) resolve inside the host root, as they
 * would on the node itself, and ".." cannot climb out of it. Kernels without
 * openat2 fall back to openat(), which is what "/" as host root needs anyway.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/hostroot.h"
#include "syscalls.h"

/* -1 unknown, 0 missing, 1 works; probed once per process */
static int openat2_state = -1;

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

int pe_host_open(const struct pe_hostroot *hr, const char *path, int flags)
{
	const char *rel = relative(path);
	int fd;

	flags |= O_CLOEXEC;
	if (hr->is_slash)
		return openat(hr->dirfd, rel, flags);
	if (openat2_state != 0) {
		struct pe_open_how how = {
			.flags = (uint64_t)flags,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};

		fd = pe_sys_openat2(hr->dirfd, rel, &how);
		if (fd >= 0 || errno != ENOSYS) {
			openat2_state = 1;
			return fd;
		}
		openat2_state = 0;
	}
	return openat(hr->dirfd, rel, flags);
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

/* Read all of fd and close it, keeping read's errno. */
static ssize_t read_and_close(int fd, size_t max, char **out)
{
	ssize_t r;
	int saved;

	if (fd < 0)
		return -1;
	r = read_all_fd(fd, max, out);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

ssize_t pe_host_read_file(const struct pe_hostroot *hr, const char *path,
			  size_t max, char **out)
{
	return read_and_close(pe_host_open(hr, path, O_RDONLY), max, out);
}

ssize_t pe_read_file_at(int dirfd, const char *name, size_t max, char **out)
{
	return read_and_close(
	    openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), max, out);
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
