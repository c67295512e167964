/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files podenter writes; see outfile.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/outfile.h"

static const char *type_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static int refuse(struct pe_error *err, const char *path, const char *why)
{
	pe_error_set(err, PE_ERR_USAGE, EINVAL,
		     "refusing to write %s: it is %s", path, why);
	pe_error_hint(err, "name a new file or an existing regular file "
			   "(podenter follows no link when it writes)");
	return -1;
}

int pe_open_output(const char *path, enum pe_output_mode mode, mode_t perm,
		   struct pe_error *err)
{
	/* O_NONBLOCK: a FIFO must not make the open wait for a reader;
	 * O_NOCTTY: a terminal device must not become ours */
	const int base = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
			 O_NOCTTY | (mode == PE_OUTPUT_APPEND ? O_APPEND : 0);
	struct stat before, st;
	bool created = false;
	int fd;

	/* Look before opening: opening a device can act (a tape rewinds), so
	 * only a regular file or nothing is opened at all. */
	if (lstat(path, &before) < 0) {
		if (errno != ENOENT)
			return pe_error_errno(err, "cannot write %s", path);
		fd = open(path, base | O_CREAT | O_EXCL, perm);
		if (fd < 0 && errno != EEXIST)
			return pe_error_errno(err, "cannot create %s", path);
		if (fd < 0)
			return refuse(err, path, "appeared while opening");
		created = true;
	} else {
		if (!S_ISREG(before.st_mode))
			return refuse(err, path, type_of(before.st_mode));
		fd = open(path, base);
		if (fd < 0) {
			if (errno == ELOOP)
				return refuse(err, path,
					      type_of(S_IFLNK)); /* swapped */
			return pe_error_errno(err, "cannot write %s", path);
		}
	}
	if (fstat(fd, &st) < 0) {
		pe_error_errno(err, "cannot write %s", path);
		goto fail;
	}
	/* the file opened must be the one looked at (no swap in between) */
	if (!S_ISREG(st.st_mode) ||
	    (!created &&
	     (st.st_dev != before.st_dev || st.st_ino != before.st_ino))) {
		refuse(err, path,
		       S_ISREG(st.st_mode) ? "replaced while opening"
					   : type_of(st.st_mode));
		goto fail;
	}
	/* a hard link elsewhere (/etc/shadow linked into /tmp) is that file */
	if (st.st_nlink != 1) {
		refuse(err, path, "a file with other hard links");
		goto fail;
	}
	if (mode == PE_OUTPUT_REPLACE && !created && ftruncate(fd, 0) < 0) {
		pe_error_errno(err, "cannot empty %s", path);
		goto fail;
	}
	/* blocking writes from here: a regular file never waits anyway */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		pe_error_errno(err, "cannot write %s", path);
		goto fail;
	}
	return fd;
fail:
	/* a file just created stays (empty): removing it by name again could
	 * remove whatever the name means by now */
	close(fd);
	return -1;
}
