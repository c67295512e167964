/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter cp (include/podenter/cp.h). A source (a tree walked by fd, or
 * a tar stream) feeds a sink (a destination directory written by fd, or a
 * tar stream) entry by entry; the pieces are combined by the three entry
 * points at the end.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "podenter/cp.h"
#include "podenter/hostroot.h"
#include "podenter/tar.h"
#include "syscalls.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

#define CP_DEPTH_MAX 256 /* directories below the source */
#define CP_CHUNK (8u << 20) /* bytes between two looks at `cancelled` */
#define CP_BUF (1u << 20)

/* What a sink is told about an entry. */
struct cp_meta {
	mode_t mode; /* S_IFMT | permission bits */
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
	uint64_t size; /* regular files */
};

/* Where a regular file's bytes come from. */
struct cp_data {
	int fd; /* a regular file opened for reading, or -1 */
	struct pe_tar_reader *tar; /* the entry's data in an archive */
};

struct cp_sink {
	int (*dir)(struct cp_sink *s, const char *rel, const struct cp_meta *m,
		   struct pe_error *err);
	int (*file)(struct cp_sink *s, const char *rel, const struct cp_meta *m,
		    struct cp_data *d, struct pe_error *err);
	int (*symlink)(struct cp_sink *s, const char *rel,
		       const struct cp_meta *m, const char *target,
		       struct pe_error *err);
	int (*hardlink)(struct cp_sink *s, const char *rel,
			const struct cp_meta *m, const char *linkname,
			struct pe_error *err);
	const struct pe_cp_opts *o;
	struct pe_cp_stats *st;
	const char *shown; /* the destination, for messages */
	/* the directories being walked, from the source down: one seen again
	 * below itself (a bind mount of an ancestor) is not walked twice */
	struct {
		dev_t dev;
		ino_t ino;
	} walking[CP_DEPTH_MAX + 2];
	size_t top_len; /* rel's first part names the source itself */
	size_t dest_top_len; /* ... or the destination itself (DEST) */
};

static void close_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

static bool cancelled(const struct pe_cp_opts *o)
{
	return o->cancelled && o->cancelled(o->ctx);
}

static int interrupted(struct pe_error *err)
{
	return pe_error_set(err, PE_ERR_SYSTEM, EINTR,
			    "interrupted; the file being written was removed");
}

static void warn(const struct pe_cp_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(const struct pe_cp_opts *o, const char *fmt, ...)
{
	char msg[PE_ERROR_MSG_MAX];
	va_list ap;

	if (!o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->warn(o->ctx, msg);
}

/* An errno of a write, in words an operator acts on. */
static int write_failed(struct pe_error *err, const struct cp_sink *s,
			const char *rel, const char *what)
{
	int e = errno;
	const char *below =
	    strlen(rel) >= s->dest_top_len ? rel + s->dest_top_len : "";

	pe_error_errno(err, "%s%s%s: %s", s->shown,
		       s->dest_top_len == 0 && below[0] ? "/" : "", below,
		       what);
	if (e == EROFS)
		pe_error_hint(err, "the path is on a read-only mount (a "
				   "readOnlyRootFilesystem, a read-only "
				   "volume)");
	else if (e == ENOSPC || e == EDQUOT)
		pe_error_hint(err, "the file system is full; nothing partial "
				   "was left");
	else if (e == EBUSY)
		pe_error_hint(err, "the path is a mount point (a file kubelet "
				   "bind-mounts, as /etc/hosts): a file is "
				   "replaced whole, and a mount point cannot "
				   "be");
	else if (e == ELOOP || e == EXDEV)
		pe_error_hint(err, "a symlink or '..' on the way leads out of "
				   "the destination: refused");
	return -1;
}

/* --- places -----------------------------------------------------------------
 */

/* Open a place's path: inside the container's root, links confined to it,
 * or in the caller's own files. */
static int open_place(const struct pe_cp_place *p, const char *path, int flags)
{
	if (p->root >= 0)
		return pe_open_in_root(p->root, path, flags, 0);
	return openat(AT_FDCWD, path, flags | O_CLOEXEC);
}

static int place_error(struct pe_error *err, const struct pe_cp_place *p,
		       const char *what)
{
	int e = errno;

	if (e == ENOENT || e == ENOTDIR)
		pe_error_set(err, PE_ERR_NOT_FOUND, 0, "%s: %s", p->shown,
			     what);
	else
		pe_error_errno(err, "%s: %s", p->shown, what);
	if (e == ELOOP || e == EXDEV)
		pe_error_hint(err, "the path leads out of the container's "
				   "files (a /proc link): refused");
	return -1;
}

int pe_cp_open_root(const struct pe_pin *pin, struct pe_error *err)
{
	int fd = openat(pin->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pe_error_errno(err, "opening the files of process %d",
				      (int)pin->pid);
	if (pe_pin_check_alive(pin, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* --- reading a file without ever opening anything else ------------------- */

/* Our own /proc/self/fd, checked to be a procfs: reopening an O_PATH fd
 * there opens exactly the inode fstat looked at. */
static int self_fd_dir(void)
{
	static int fd = -1;
	struct statfs sfs;

	if (fd >= 0)
		return fd;
	fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 &&
	    (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)) {
		close(fd);
		fd = -1;
		errno = EMEDIUMTYPE;
	}
	return fd;
}

/* Reopen the file behind pathfd (O_PATH) with flags. */
static int reopen(int pathfd, int flags)
{
	char name[32];
	int dir = self_fd_dir();

	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "%d", pathfd);
	return openat(dir, name, flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

/* Reopen the regular file behind pathfd (O_PATH) for reading. */
static int reopen_regular(int pathfd)
{
	return reopen(pathfd, O_RDONLY);
}

/* --- moving bytes -------------------------------------------------------- */

/* Write all of buf. */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t k = write(fd, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Copy from the regular file in to out: exactly `want` bytes when exact
 * (a tar entry whose header is written; a shorter file is EIO), else up to
 * the end of in. copy_file_range where both are files (reflinks, no copy
 * through user space), else sendfile (any out), else read/write. Returns
 * the bytes copied or -1 (errno; EINTR when cancelled). *out_side tells
 * whether a failure was writing (true) or reading.
 */
static int64_t copy_fd(int in, int out, uint64_t want, bool exact,
		       const struct pe_cp_opts *o, bool *out_side)
{
	int method = 0; /* 0 copy_file_range, 1 sendfile, 2 read/write */
	uint64_t done = 0;
	char *buf = NULL;

	*out_side = false;
	for (;;) {
		size_t n = CP_CHUNK;
		ssize_t k;

		if (exact && want - done < n)
			n = (size_t)(want - done);
		if (exact && n == 0)
			break;
		if (cancelled(o)) {
			free(buf);
			errno = EINTR;
			return -1;
		}
		if (method == 0) {
			k = copy_file_range(in, NULL, out, NULL, n, 0);
			if (k < 0 &&
			    (errno == EXDEV || errno == EINVAL ||
			     errno == EOPNOTSUPP || errno == ENOSYS ||
			     errno == EBADF || errno == EPERM) &&
			    done == 0) {
				method = 1;
				continue;
			}
		} else if (method == 1) {
			k = sendfile(out, in, NULL, n);
			if (k < 0 && (errno == EINVAL || errno == ENOSYS) &&
			    done == 0) {
				method = 2;
				continue;
			}
		} else {
			if (!buf && !(buf = malloc(CP_BUF)))
				return -1;
			if (n > CP_BUF)
				n = CP_BUF;
			k = read(in, buf, n);
			if (k > 0 && write_all(out, buf, (size_t)k) < 0) {
				*out_side = true;
				free(buf);
				return -1;
			}
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			/* which side failed: a write error names the
			 * destination (ENOSPC, EROFS, EPIPE) */
			*out_side = errno == ENOSPC || errno == EDQUOT ||
				    errno == EROFS || errno == EPIPE ||
				    errno == EFBIG;
			free(buf);
			return -1;
		}
		if (k == 0)
			break;
		done += (uint64_t)k;
	}
	free(buf);
	if (exact && done != want) {
		errno = EIO; /* the file shrank while it was read */
		return -1;
	}
	return (int64_t)done;
}

/* --- the directory sink: writing beneath a destination directory --------- */

struct created_dir {
	char *rel;
	struct cp_meta meta;
};

struct dir_sink {
	struct cp_sink s;
	int base; /* the destination directory, O_RDONLY */
	struct created_dir *dirs; /* to finish (modes, owners, times) last */
	size_t ndirs, cap;
};

/* The parent of rel beneath base: no symlink on the way, nothing above
 * base; with create, missing directories are made (as a tar archive may
 * skip them). *name points at rel's last component. */
static int open_parent(struct dir_sink *d, char *rel, const char **name,
		       bool create)
{
	char *slash = strrchr(rel, '/');
	int fd;

	if (!slash) {
		*name = rel;
		return fcntl(d->base, F_DUPFD_CLOEXEC, 0);
	}
	*slash = '\0';
	*name = slash + 1;
	fd = pe_open_beneath(d->base, rel, O_RDONLY | O_DIRECTORY,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && errno == ENOENT && create) {
		/* mkdir -p, each step opened beneath base again */
		for (char *p = rel;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			int pfd;
			const char *leaf;
			char *cut = NULL;

			*p = '\0';
			cut = strrchr(rel, '/');
			if (cut)
				*cut = '\0';
			leaf = cut ? cut + 1 : rel;
			pfd = cut ? pe_open_beneath(
					d->base, rel, O_RDONLY | O_DIRECTORY,
					RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					    RESOLVE_NO_MAGICLINKS)
				  : fcntl(d->base, F_DUPFD_CLOEXEC, 0);
			if (cut)
				*cut = '/';
			if (pfd < 0) {
				*p = c;
				break;
			}
			if (mkdirat(pfd, leaf, 0755) < 0 && errno != EEXIST) {
				close_keep_errno(pfd);
				*p = c;
				break;
			}
			close(pfd);
			*p = c;
			if (c == '\0')
				break;
		}
		fd = pe_open_beneath(d->base, rel, O_RDONLY | O_DIRECTORY,
				     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					 RESOLVE_NO_MAGICLINKS);
	}
	*slash = '/';
	return fd;
}

/* A temporary name in dirfd, created with O_EXCL (never an existing file,
 * never through a link). */
static int make_temp(int dirfd, char name[32],
		     int (*make)(int, const char *, void *), void *arg)
{
	static unsigned counter;

	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, 32, ".podenter-cp.%d.%x%04x", (int)getpid(),
			 (unsigned)ts.tv_nsec & 0xfffff, ++counter & 0xffff);
		r = make(dirfd, name, arg);
		if (r >= 0 || errno != EEXIST)
			return r;
	}
	return -1;
}

static int make_file(int dirfd, const char *name, void *arg)
{
	(void)arg;
	return openat(dirfd, name,
		      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);
}

static int make_symlink(int dirfd, const char *name, void *arg)
{
	return symlinkat((const char *)arg, dirfd, name);
}

static int make_hardlink(int dirfd, const char *name, void *arg)
{
	return linkat(*(int *)arg, "", dirfd, name, AT_EMPTY_PATH);
}

static mode_t kept_mode(const struct dir_sink *d, mode_t mode)
{
	mode &= 07777;
	if (d->s.o->dest_is_node && !d->s.o->preserve)
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	return mode;
}

/* Owner, mode, times of what fd (or name in dirfd, a link) is. */
static int set_meta(struct dir_sink *d, int fd, int dirfd, const char *name,
		    const struct cp_meta *m, bool is_link)
{
	const struct pe_cp_opts *o = d->s.o;
	uid_t uid = o->preserve ? m->uid : 0;
	gid_t gid = o->preserve ? m->gid : 0;
	struct timespec ts[2] = { m->atime, m->mtime };

	/* into a user-namespaced container: its ids, as the node numbers
	 * them */
	if (!o->dest_is_node && o->uid_map && o->gid_map) {
		uid = pe_idmap_to_host(o->uid_map, uid);
		gid = pe_idmap_to_host(o->gid_map, gid);
	}

	if (is_link)
		return fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) <
				   0 ||
			       utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) <
				   0
			   ? -1
			   : 0;
	/* chown first: it clears set-user-ID bits that fchmod then sets */
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, kept_mode(d, m->mode)) < 0 ||
	    futimens(fd, ts) < 0)
		return -1;
	return 0;
}

/* Whether name in pfd is the root of a mount: a file kubelet bind-mounts
 * into the container (/etc/hosts), a subPath volume. */
static bool is_mount_root(int pfd, const char *name)
{
	struct statx stx;
	unsigned long parent;
	int fd;
	bool root;

	if (statx(pfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		  STATX_BASIC_STATS, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
	/* before Linux 5.8: the mount the name leads to is another one */
	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	parent = pe_fd_mount_id(pfd);
	root = parent && pe_fd_mount_id(fd) && pe_fd_mount_id(fd) != parent;
	close(fd);
	return root;
}

enum replace { REPLACE_BY_RENAME = 0, REPLACE_IN_PLACE = 1 };

/*
 * How the entry at name may be replaced: by renaming over it, unless it is
 * a directory (a file never replaces one) or a mount point. Renaming over a
 * mount point in the container's namespace would detach that mount there
 * (the kernel does so for a mount namespace not the caller's): a regular
 * file on a mount point is written in place instead (in_place allowed),
 * as the container's own writes would land; anything else is refused.
 */
static int check_replaceable(struct dir_sink *d, int pfd, const char *name,
			     const char *rel, bool in_place,
			     struct pe_error *err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return REPLACE_BY_RENAME;
	if (S_ISDIR(st.st_mode) && !is_mount_root(pfd, name)) {
		errno = EISDIR;
		return write_failed(err, &d->s, rel,
				    "a directory is there; not replaced");
	}
	if (!is_mount_root(pfd, name))
		return REPLACE_BY_RENAME;
	if (in_place && S_ISREG(st.st_mode))
		return REPLACE_IN_PLACE;
	errno = EBUSY;
	return write_failed(err, &d->s, rel, "not replaced");
}

/* The regular file at name (a mount point), opened to be written in place:
 * O_PATH and fstat first, so nothing but a regular file is opened. */
static int open_in_place(int pfd, const char *name)
{
	struct stat st;
	int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), w;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EBUSY;
		return -1;
	}
	w = reopen(fd, O_WRONLY | O_TRUNC);
	close_keep_errno(fd);
	return w;
}

/* Put the temporary entry tmp in place of name, or remove it. */
static int commit_temp(struct dir_sink *d, int pfd, const char *tmp,
		       const char *name, const char *rel, struct pe_error *err)
{
	if (renameat(pfd, tmp, pfd, name) < 0) {
		write_failed(err, &d->s, rel, "renaming into place");
		unlinkat(pfd, tmp, 0);
		return -1;
	}
	return 0;
}

static int dir_file(struct cp_sink *s, const char *rel_in,
		    const struct cp_meta *m, struct cp_data *data,
		    struct pe_error *err)
{
	struct dir_sink *d = (struct dir_sink *)s;
	char rel[PATH_MAX], tmp[32];
	const char *name;
	int pfd, fd, rc = -1, how;
	uint64_t copied = 0;

	snprintf(rel, sizeof(rel), "%s", rel_in);
	pfd = open_parent(d, rel, &name, data->tar != NULL);
	if (pfd < 0)
		return write_failed(err, s, rel, "opening its directory");
	how = check_replaceable(d, pfd, name, rel, true, err);
	if (how < 0)
		goto out;
	if (how == REPLACE_IN_PLACE) {
		tmp[0] = '\0';
		fd = open_in_place(pfd, name);
	} else {
		fd = make_temp(pfd, tmp, make_file, NULL);
	}
	if (fd < 0) {
		write_failed(err, s, rel, "creating");
		goto out;
	}
	if (data->tar) {
		char *buf = malloc(CP_BUF);
		uint64_t left = m->size;

		while (buf && left) {
			size_t n = left > CP_BUF ? CP_BUF : (size_t)left;

			if (cancelled(s->o)) {
				interrupted(err);
				goto fail_buf;
			}
			if (pe_tar_read_data(data->tar, buf, n) < 0) {
				if (data->tar->over)
					pe_tar_over_limit(data->tar, err);
				else
					pe_error_set(err, PE_ERR_PARSE, EIO,
						     "%s: truncated archive",
						     data->tar->path);
				goto fail_buf;
			}
			if (write_all(fd, buf, n) < 0) {
				write_failed(err, s, rel, "writing");
				goto fail_buf;
			}
			left -= n;
		}
		if (!buf) {
			pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copying");
			goto fail;
		}
		free(buf);
		copied = m->size;
		goto written;
	fail_buf:
		free(buf);
		goto fail;
	} else {
		bool out_side;
		int64_t n = copy_fd(data->fd, fd, 0, false, s->o, &out_side);

		if (n < 0) {
			if (errno == EINTR)
				interrupted(err);
			else if (out_side)
				write_failed(err, s, rel, "writing");
			else
				pe_error_errno(err, "reading the source of %s",
					       rel);
			goto fail;
		}
		copied = (uint64_t)n;
	}
written:
	if (set_meta(d, fd, -1, NULL, m, false) < 0) {
		write_failed(err, s, rel, "setting owner, mode, times");
		goto fail;
	}
	close(fd);
	fd = -1;
	if (tmp[0] && commit_temp(d, pfd, tmp, name, rel, err) < 0)
		goto out;
	s->st->files++;
	s->st->bytes += copied;
	rc = 0;
	goto out;
fail:
	close(fd);
	if (tmp[0])
		unlinkat(pfd, tmp, 0);
out:
	close(pfd);
	return rc;
}

static int dir_symlink(struct cp_sink *s, const char *rel_in,
		       const struct cp_meta *m, const char *target,
		       struct pe_error *err)
{
	struct dir_sink *d = (struct dir_sink *)s;
	char rel[PATH_MAX], tmp[32];
	const char *name;
	int pfd, rc = -1;

	snprintf(rel, sizeof(rel), "%s", rel_in);
	pfd = open_parent(d, rel, &name, true);
	if (pfd < 0)
		return write_failed(err, s, rel, "opening its directory");
	if (check_replaceable(d, pfd, name, rel, false, err) < 0)
		goto out;
	if (make_temp(pfd, tmp, make_symlink, (void *)target) < 0) {
		write_failed(err, s, rel, "creating the link");
		goto out;
	}
	if (set_meta(d, -1, pfd, tmp, m, true) < 0) {
		write_failed(err, s, rel, "setting owner and times");
		unlinkat(pfd, tmp, 0);
		goto out;
	}
	if (commit_temp(d, pfd, tmp, name, rel, err) < 0)
		goto out;
	s->st->symlinks++;
	rc = 0;
out:
	close(pfd);
	return rc;
}

/* A hard link in an archive: to a regular file already beneath the
 * destination, reached with no link and no ".." on the way. */
static int dir_hardlink(struct cp_sink *s, const char *rel_in,
			const struct cp_meta *m, const char *linkname,
			struct pe_error *err)
{
	struct dir_sink *d = (struct dir_sink *)s;
	char rel[PATH_MAX], target[PATH_MAX], tmp[32];
	const char *name;
	struct stat st;
	int pfd, src, rc = -1;

	(void)m;
	snprintf(rel, sizeof(rel), "%s", rel_in);
	snprintf(target, sizeof(target), "%s", linkname);
	if (pe_tar_clean_name(target) < 0 || !target[0])
		return pe_error_set(err, PE_ERR_USAGE, EXDEV,
				    "%s: refused: hard link '%s' -> '%s' "
				    "leads out of %s",
				    rel, rel, linkname, s->shown);
	src = pe_open_beneath(d->base, target, O_PATH | O_NOFOLLOW,
			      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				  RESOLVE_NO_MAGICLINKS);
	if (src < 0 || fstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (src >= 0)
			errno = EPERM;
		pe_error_errno(err,
			       "%s: refused: hard link to '%s', not a regular "
			       "file beneath %s",
			       rel, linkname, s->shown);
		close_keep_errno(src);
		return -1;
	}
	pfd = open_parent(d, rel, &name, true);
	if (pfd < 0) {
		close(src);
		return write_failed(err, s, rel, "opening its directory");
	}
	if (check_replaceable(d, pfd, name, rel, false, err) < 0)
		goto out;
	if (make_temp(pfd, tmp, make_hardlink, &src) < 0) {
		write_failed(err, s, rel, "linking");
		goto out;
	}
	if (commit_temp(d, pfd, tmp, name, rel, err) < 0)
		goto out;
	s->st->hardlinks++;
	rc = 0;
out:
	close(src);
	close(pfd);
	return rc;
}

static int dir_dir(struct cp_sink *s, const char *rel_in,
		   const struct cp_meta *m, struct pe_error *err)
{
	struct dir_sink *d = (struct dir_sink *)s;
	char rel[PATH_MAX];
	const char *name;
	struct stat st;
	int pfd;

	if (!rel_in[0])
		return 0; /* the destination itself: left as it is */
	snprintf(rel, sizeof(rel), "%s", rel_in);
	pfd = open_parent(d, rel, &name, true);
	if (pfd < 0)
		return write_failed(err, s, rel, "opening its directory");
	if (mkdirat(pfd, name, 0700) == 0) {
		if (d->ndirs == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 64;
			struct created_dir *n =
			    realloc(d->dirs, cap * sizeof(*n));

			if (!n) {
				close(pfd);
				return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
						    "copying");
			}
			d->dirs = n;
			d->cap = cap;
		}
		d->dirs[d->ndirs].rel = strdup(rel);
		d->dirs[d->ndirs].meta = *m;
		if (d->dirs[d->ndirs].rel)
			d->ndirs++;
		s->st->dirs++;
	} else if (errno != EEXIST ||
		   fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		   !S_ISDIR(st.st_mode)) {
		if (errno == EEXIST)
			errno = ENOTDIR;
		write_failed(err, s, rel, "creating the directory");
		close(pfd);
		return -1;
	}
	close(pfd);
	return 0;
}

/* Modes, owners and times of the directories made, deepest last written
 * first (writing into a directory changes its times). */
static int dir_finish(struct dir_sink *d, bool apply, struct pe_error *err)
{
	int rc = 0;

	while (d->ndirs) {
		struct created_dir *c = &d->dirs[--d->ndirs];
		int fd = -1;

		if (apply && rc == 0) {
			fd = pe_open_beneath(
			    d->base, c->rel, O_RDONLY | O_DIRECTORY,
			    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS);
			if (fd < 0 ||
			    set_meta(d, fd, -1, NULL, &c->meta, false) < 0)
				rc = write_failed(err, &d->s, c->rel,
						  "setting owner, mode, times");
			close_keep_errno(fd);
		}
		free(c->rel);
	}
	free(d->dirs);
	d->dirs = NULL;
	d->cap = 0;
	return rc;
}

static void dir_sink_init(struct dir_sink *d, int base,
			  const struct pe_cp_opts *o, struct pe_cp_stats *st,
			  const char *shown)
{
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->s.dir = dir_dir;
	d->s.file = dir_file;
	d->s.symlink = dir_symlink;
	d->s.hardlink = dir_hardlink;
	d->s.o = o;
	d->s.st = st;
	d->s.shown = shown;
}

/* --- the tar sink: an archive on an fd ------------------------------------ */

struct tar_sink {
	struct cp_sink s;
	struct pe_tar_writer w;
};

static void tar_entry_of(struct pe_tar_entry *e, const char *rel, char type,
			 const struct cp_meta *m)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s%s", rel, type == '5' ? "/" : "");
	e->type = type;
	e->mode = m->mode & 07777;
	e->uid = m->uid;
	e->gid = m->gid;
	e->mtime = m->mtime.tv_sec;
}

static int tar_dir(struct cp_sink *s, const char *rel, const struct cp_meta *m,
		   struct pe_error *err)
{
	struct tar_sink *t = (struct tar_sink *)s;
	struct pe_tar_entry *e;
	int rc;

	if (!rel[0])
		return 0;
	e = malloc(sizeof(*e));
	if (!e)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "archiving");
	tar_entry_of(e, rel, '5', m);
	rc = pe_tar_write_header(&t->w, e, err);
	free(e);
	if (rc == 0)
		s->st->dirs++;
	return rc;
}

static int tar_file(struct cp_sink *s, const char *rel, const struct cp_meta *m,
		    struct cp_data *data, struct pe_error *err)
{
	struct tar_sink *t = (struct tar_sink *)s;
	struct pe_tar_entry *e = malloc(sizeof(*e));
	bool out_side;
	int64_t n;
	int rc;

	if (!e)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "archiving");
	tar_entry_of(e, rel, '0', m);
	e->size = m->size;
	rc = pe_tar_write_header(&t->w, e, err);
	free(e);
	if (rc < 0)
		return -1;
	n = copy_fd(data->fd, t->w.fd, m->size, true, s->o, &out_side);
	if (n < 0) {
		if (errno == EINTR)
			return interrupted(err);
		return pe_error_errno(err, "%s: %s", rel,
				      out_side	     ? "writing the archive"
				      : errno == EIO ? "changed size while read"
						     : "reading");
	}
	t->w.written += (uint64_t)n;
	if (pe_tar_write_pad(&t->w, m->size, err) < 0)
		return -1;
	s->st->files++;
	s->st->bytes += m->size;
	return 0;
}

static int tar_symlink(struct cp_sink *s, const char *rel,
		       const struct cp_meta *m, const char *target,
		       struct pe_error *err)
{
	struct tar_sink *t = (struct tar_sink *)s;
	struct pe_tar_entry *e = malloc(sizeof(*e));
	int rc;

	if (!e)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "archiving");
	tar_entry_of(e, rel, '2', m);
	snprintf(e->link, sizeof(e->link), "%s", target);
	rc = pe_tar_write_header(&t->w, e, err);
	free(e);
	if (rc == 0)
		s->st->symlinks++;
	return rc;
}

/* --- the tree source: walking by fd -------------------------------------- */

/* An entry's metadata; out of a user-namespaced container, its owners as
 * the container numbers them. */
static void meta_of(const struct cp_sink *s, const struct stat *st,
		    struct cp_meta *m)
{
	const struct pe_cp_opts *o = s->o;

	m->mode = st->st_mode;
	m->uid = st->st_uid;
	m->gid = st->st_gid;
	if (o->dest_is_node && o->uid_map && o->gid_map) {
		m->uid = pe_idmap_to_inside(o->uid_map, st->st_uid);
		m->gid = pe_idmap_to_inside(o->gid_map, st->st_gid);
	}
	m->atime = st->st_atim;
	m->mtime = st->st_mtim;
	m->size = (uint64_t)st->st_size;
}

static int walk_entry(struct cp_sink *s, int pathfd, const struct stat *st,
		      const char *rel, const char *shown, int depth,
		      struct pe_error *err);

/* The kernel's own file systems: files that act when read (kmsg, trace
 * pipes), never end, or describe the node. A directory copy does not go
 * into them (a pod's "/" holds /proc and /sys); a single file named on the
 * command line is still copied (its read never blocks: O_NONBLOCK). */
static const char *kernel_fs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return NULL;
	switch ((unsigned long)sfs.f_type) {
	case PROC_SUPER_MAGIC:
		return "procfs";
	case SYSFS_MAGIC:
		return "sysfs";
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return "cgroup";
	case DEBUGFS_MAGIC:
		return "debugfs";
	case TRACEFS_MAGIC:
		return "tracefs";
	case SECURITYFS_MAGIC:
		return "securityfs";
	case BPF_FS_MAGIC:
		return "bpf";
	case DEVPTS_SUPER_MAGIC:
		return "devpts";
	default:
		return NULL;
	}
}

/* The source path of rel, for messages: the source as the operator named
 * it, and what is below it. */
static void source_name(const struct cp_sink *s, const char *shown,
			const char *rel, char *buf, size_t size)
{
	const char *below = strlen(rel) >= s->top_len ? rel + s->top_len : "";

	size_t n = strlen(shown);
	bool ends_in_slash = n > 0 && shown[n - 1] == '/';
	bool slash = s->top_len == 0 && below[0] && !ends_in_slash;

	if (ends_in_slash && below[0] == '/')
		below++;

	snprintf(buf, size, "%s%s%s", shown, slash ? "/" : "", below);
}

/* Every entry of the directory dirfd (read by fd, never by name). */
static int walk_dir(struct cp_sink *s, int dirfd, const char *rel,
		    const char *shown, int depth, struct pe_error *err)
{
	int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	char where[PATH_MAX + 64];
	int rc = 0;

	source_name(s, shown, rel, where, sizeof(where));
	if (!dir) {
		close_keep_errno(dup_fd);
		return pe_error_errno(err, "%s: reading the directory", where);
	}
	while (rc == 0 && (errno = 0, de = readdir(dir))) {
		char sub[PATH_MAX];
		struct stat st;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cancelled(s->o)) {
			rc = interrupted(err);
			break;
		}
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel,
				     rel[0] ? "/" : "",
				     de->d_name) >= sizeof(sub)) {
			rc = pe_error_set(err, PE_ERR_SYSTEM, ENAMETOOLONG,
					  "%s/%s: name too long", where,
					  de->d_name);
			break;
		}
		fd = openat(dirfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (errno == ENOENT) { /* gone meanwhile */
				close_keep_errno(fd);
				continue;
			}
			rc = pe_error_errno(err, "%s/%s", where, de->d_name);
			close_keep_errno(fd);
			break;
		}
		rc = walk_entry(s, fd, &st, sub, shown, depth + 1, err);
		close(fd);
	}
	if (rc == 0 && errno != 0)
		rc = pe_error_errno(err, "%s: reading the directory", where);
	closedir(dir);
	return rc;
}

static int walk_entry(struct cp_sink *s, int pathfd, const struct stat *st,
		      const char *rel, const char *shown, int depth,
		      struct pe_error *err)
{
	struct cp_meta m;
	char where[PATH_MAX + 64];

	source_name(s, shown, rel, where, sizeof(where));
	meta_of(s, st, &m);
	if (S_ISDIR(st->st_mode)) {
		int dfd;
		int rc;

		if (depth > CP_DEPTH_MAX)
			return pe_error_set(err, PE_ERR_SYSTEM, ELOOP,
					    "%s: more than %d directories deep",
					    where, CP_DEPTH_MAX);
		/* a directory is never a device: open it as it is */
		dfd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return pe_error_errno(err, "%s: opening", where);
		for (int i = 0; i < depth && i <= CP_DEPTH_MAX; i++) {
			if (s->walking[i].dev != st->st_dev ||
			    s->walking[i].ino != st->st_ino)
				continue;
			warn(s->o,
			     "%s: skipped: the same directory as one it is in "
			     "(a bind mount of an ancestor)",
			     where);
			s->st->skipped++;
			close(dfd);
			return 0;
		}
		s->walking[depth].dev = st->st_dev;
		s->walking[depth].ino = st->st_ino;
		if (kernel_fs(dfd) && depth > 0) {
			warn(s->o,
			     "%s: skipped: a %s mount (the kernel's files are "
			     "not copied with a directory)",
			     where, kernel_fs(dfd));
			s->st->skipped++;
			close(dfd);
			return 0;
		}
		rc = s->dir(s, rel, &m, err);
		if (rc == 0 && kernel_fs(dfd))
			warn(s->o, "%s: a %s directory: its files are skipped",
			     where, kernel_fs(dfd));
		else if (rc == 0)
			rc = walk_dir(s, dfd, rel, shown, depth, err);
		close(dfd);
		return rc;
	}
	if (S_ISREG(st->st_mode)) {
		struct cp_data data = { .fd = reopen_regular(pathfd) };
		struct stat again;
		int rc;

		if (data.fd < 0 || fstat(data.fd, &again) < 0 ||
		    again.st_ino != st->st_ino || again.st_dev != st->st_dev) {
			rc = pe_error_errno(err, "%s: opening", where);
			close_keep_errno(data.fd);
			return rc;
		}
		meta_of(s, &again, &m);
		rc = s->file(s, rel, &m, &data, err);
		close(data.fd);
		return rc;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(pathfd, "", target, sizeof(target) - 1);

		if (n < 0)
			return pe_error_errno(err, "%s: reading the link",
					      where);
		target[n] = '\0';
		return s->symlink(s, rel, &m, target, err);
	}
	if (depth == 0) {
		errno = EPERM;
		return pe_error_set(err, PE_ERR_USAGE, EPERM,
				    "%s: refused: not a regular file, "
				    "directory or symlink (a device node, "
				    "FIFO or socket is never opened)",
				    shown);
	}
	warn(s->o, "%s: skipped: a %s is never opened or copied", where,
	     S_ISFIFO(st->st_mode)			    ? "FIFO"
	     : S_ISSOCK(st->st_mode)			    ? "socket"
	     : S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "device node"
							    : "special file");
	s->st->skipped++;
	return 0;
}

/* --- the tar source --------------------------------------------------------
 */

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	for (;;) {
		ssize_t k = read(*(int *)ctx, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		return k;
	}
}

static int unpack(struct cp_sink *s, struct pe_tar_reader *r,
		  struct pe_error *err)
{
	struct pe_tar_entry *e = malloc(sizeof(*e));
	int k = 0, rc = 0;

	if (!e)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "unpacking");
	while (rc == 0 && (k = pe_tar_next(r, e, err)) == 1) {
		struct cp_meta m = { .mode = e->mode,
				     .uid = e->uid,
				     .gid = e->gid,
				     .size = e->size };
		char shown[96];

		snprintf(shown, sizeof(shown), "%.80s", e->name);
		m.mtime.tv_sec = e->mtime;
		m.atime = m.mtime;
		if (cancelled(s->o)) {
			rc = interrupted(err);
			break;
		}
		if (pe_tar_clean_name(e->name) < 0) {
			rc = pe_error_set(err, PE_ERR_USAGE, EXDEV,
					  "%s: refused: entry '%s' leads out "
					  "of %s",
					  r->path, shown, s->shown);
			break;
		}
		switch (e->type) {
		case '0':
		case '7':
			if (!e->name[0]) {
				rc = pe_error_set(err, PE_ERR_USAGE, EISDIR,
						  "%s: refused: a file entry "
						  "names the destination",
						  r->path);
				break;
			}
			m.mode |= S_IFREG;
			rc = s->file(s, e->name, &m,
				     &(struct cp_data){ .fd = -1, .tar = r },
				     err);
			break;
		case '5':
			m.mode |= S_IFDIR;
			rc = s->dir(s, e->name, &m, err);
			break;
		case '2':
			m.mode |= S_IFLNK;
			rc = e->name[0]
				 ? s->symlink(s, e->name, &m, e->link, err)
				 : 0;
			break;
		case '1':
			rc = e->name[0]
				 ? s->hardlink(s, e->name, &m, e->link, err)
				 : 0;
			break;
		default:
			warn(s->o,
			     "%s: %s: skipped: entry type '%c' (devices, "
			     "FIFOs are never created)",
			     r->path, shown, e->type);
			s->st->skipped++;
			break;
		}
	}
	free(e);
	if (rc == 0 && k < 0)
		rc = -1;
	return rc;
}

/* --- putting it together ------------------------------------------------- */

/* What a source path names: its O_PATH fd and stat; its entry name (the
 * last component; "" for "DIR/." and "/", whose contents are copied). */
struct source {
	int fd;
	struct stat st;
	char name[NAME_MAX + 1];
};

static int open_source(const struct pe_cp_place *src, struct source *out,
		       struct pe_error *err)
{
	char path[PATH_MAX];
	size_t len;
	const char *slash;

	out->fd = -1;
	out->name[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s", src->path) >=
	    sizeof(path))
		return pe_error_set(err, PE_ERR_USAGE, ENAMETOOLONG,
				    "%s: path too long", src->shown);
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	slash = strrchr(path, '/');
	if (strcmp(slash ? slash + 1 : path, ".") != 0 && strcmp(path, "/"))
		snprintf(out->name, sizeof(out->name), "%s",
			 slash ? slash + 1 : path);
	if (strcmp(out->name, "..") == 0)
		out->name[0] = '\0';
	out->fd = open_place(src, path, O_PATH);
	if (out->fd < 0 || fstat(out->fd, &out->st) < 0) {
		place_error(err, src, "no such file or directory");
		close_keep_errno(out->fd);
		out->fd = -1;
		return -1;
	}
	if (!out->name[0] && !S_ISDIR(out->st.st_mode)) {
		close(out->fd);
		out->fd = -1;
		errno = ENOTDIR;
		return place_error(err, src, "not a directory");
	}
	return 0;
}

/*
 * Where src goes: dst when it is a directory (into it, under src's name),
 * else dst's parent under dst's name. *base gets an O_RDONLY directory
 * fd, name the entry name ("" when contents go into the directory).
 */
static int open_destination(const struct pe_cp_place *dst,
			    const struct source *src, int *base, char *name,
			    bool *dest_is_name, struct pe_error *err)
{
	char path[PATH_MAX], parent[PATH_MAX];
	struct stat st;
	bool trailing;
	size_t len;
	char *slash;
	int fd;

	*base = -1;
	*dest_is_name = true;
	if ((size_t)snprintf(path, sizeof(path), "%s", dst->path) >=
	    sizeof(path))
		return pe_error_set(err, PE_ERR_USAGE, ENAMETOOLONG,
				    "%s: path too long", dst->shown);
	len = strlen(path);
	trailing = len > 1 && path[len - 1] == '/';
	fd = open_place(dst, path, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		*base = fd;
		*dest_is_name = false;
		snprintf(name, NAME_MAX + 1, "%s", src->name);
		return 0;
	}
	if (errno != ENOTDIR && errno != ENOENT)
		return place_error(err, dst, "opening");
	/* not a directory (or not there): it is the name to write */
	fd = open_place(dst, path, O_PATH);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(src->st.st_mode)) {
		close(fd);
		errno = ENOTDIR;
		return place_error(err, dst,
				   "not a directory; a directory is not "
				   "copied onto a file");
	}
	close_keep_errno(fd);
	if (trailing) {
		errno = ENOENT;
		return place_error(err, dst, "no such directory");
	}
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	slash = strrchr(path, '/');
	snprintf(name, NAME_MAX + 1, "%s", slash ? slash + 1 : path);
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		errno = EINVAL;
		return place_error(err, dst, "not a name to write");
	}
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == path)
		snprintf(parent, sizeof(parent), "/");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path),
			 path);
	fd = open_place(dst, parent, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return place_error(err, dst, "its directory does not exist");
	*base = fd;
	return 0;
}

int pe_cp_copy(const struct pe_cp_place *src, const struct pe_cp_place *dst,
	       const struct pe_cp_opts *o, struct pe_cp_stats *st,
	       struct pe_error *err)
{
	struct source s;
	struct dir_sink d;
	char name[NAME_MAX + 1];
	bool dest_is_name;
	int base, rc;

	if (open_source(src, &s, err) < 0)
		return -1;
	if (open_destination(dst, &s, &base, name, &dest_is_name, err) < 0) {
		close(s.fd);
		return -1;
	}
	dir_sink_init(&d, base, o, st, dst->shown);
	d.s.top_len = strlen(name);
	/* DEST named the entry itself, or the directory it goes into */
	d.s.dest_top_len = dest_is_name ? strlen(name) : 0;
	rc = walk_entry(&d.s, s.fd, &s.st, name, src->shown, 0, err);
	if (dir_finish(&d, rc == 0, err) < 0)
		rc = -1;
	close(base);
	close(s.fd);
	return rc;
}

int pe_cp_to_tar(const struct pe_cp_place *src, int outfd,
		 const struct pe_cp_opts *o, struct pe_cp_stats *st,
		 struct pe_error *err)
{
	struct tar_sink t = { .s = { .dir = tar_dir,
				     .file = tar_file,
				     .symlink = tar_symlink,
				     .o = o,
				     .st = st,
				     .shown = "the archive" },
			      .w = { .fd = outfd } };
	struct source s;
	int rc;

	if (open_source(src, &s, err) < 0)
		return -1;
	if (!s.name[0] && !S_ISDIR(s.st.st_mode))
		snprintf(s.name, sizeof(s.name), "file");
	t.s.top_len = strlen(s.name);
	rc = walk_entry(&t.s, s.fd, &s.st, s.name, src->shown, 0, err);
	if (rc == 0)
		rc = pe_tar_write_end(&t.w, err);
	close(s.fd);
	return rc;
}

int pe_cp_from_tar(int infd, const char *shown, const struct pe_cp_place *dst,
		   const struct pe_cp_opts *o, struct pe_cp_stats *st,
		   struct pe_error *err)
{
	struct pe_tar_reader r = { .read = fd_read,
				   .ctx = &infd,
				   .path = shown,
				   .limit = UINT64_MAX };
	struct dir_sink d;
	int base, rc;

	base = open_place(dst, dst->path, O_RDONLY | O_DIRECTORY);
	if (base < 0)
		return place_error(err, dst,
				   "no such directory (an archive "
				   "is unpacked into a directory)");
	dir_sink_init(&d, base, o, st, dst->shown);
	rc = unpack(&d.s, &r, err);
	if (dir_finish(&d, rc == 0, err) < 0)
		rc = -1;
	close(base);
	return rc;
}
