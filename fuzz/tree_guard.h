/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For the harnesses that unpack hostile archives (fuzz_cp_tar,
 * fuzz_image_tar): nothing may be written outside the tree being unpacked,
 * whatever the input. The tree ("root") is two levels below a base
 * directory, next to sentinel files; after each input both levels must hold
 * exactly what they held before (a '..', an absolute name, a whiteout, a
 * symlink or a hard link stepping out would add, change or remove an entry
 * there), and any difference aborts.
 *
 *   base/sentinel
 *   base/level/sentinel
 *   base/level/root/...   the tree, made before and removed after each input
 */
#ifndef PODENTER_FUZZ_TREE_GUARD_H
#define PODENTER_FUZZ_TREE_GUARD_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/image.h"

static const char tree_guard_sentinel[] = "outside the tree\n";

static void tree_guard_put_sentinel(int dirfd)
{
	int fd = openat(dirfd, "sentinel",
			O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 ||
	    write(fd, tree_guard_sentinel, sizeof(tree_guard_sentinel) - 1) !=
		(ssize_t)(sizeof(tree_guard_sentinel) - 1))
		abort();
	close(fd);
}

/* dirfd holds exactly "sentinel" (unchanged) and `other`, a directory. */
static void tree_guard_check_level(int dirfd, const char *other)
{
	char buf[sizeof(tree_guard_sentinel) + 8];
	struct stat st;
	struct dirent *e;
	int fd = openat(dirfd, "sentinel", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;
	int count = 0;
	DIR *d;

	if (fd < 0)
		abort();
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != (ssize_t)(sizeof(tree_guard_sentinel) - 1) ||
	    memcmp(buf, tree_guard_sentinel, (size_t)n) != 0)
		abort();
	if (fstatat(dirfd, other, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		abort();
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		abort();
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			count++;
	closedir(d);
	if (count != 2)
		abort();
}

static int tree_guard_basefd = -1;
static int tree_guard_levelfd = -1;

/* Makes base/level/root for the next input (the base and the sentinels
 * the first time, under $TMPDIR: fuzz/run.sh points it at fuzz-build/tmp
 * and empties it) and returns the fd of base/level, in which "root" is. */
static int tree_guard_begin(const char *harness)
{
	if (tree_guard_basefd < 0) {
		const char *tmp = getenv("TMPDIR");
		char base[4096];

		snprintf(base, sizeof(base), "%s/%s.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp", harness);
		if (!mkdtemp(base))
			abort();
		tree_guard_basefd =
		    open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tree_guard_basefd < 0 ||
		    mkdirat(tree_guard_basefd, "level", 0755) < 0)
			abort();
		tree_guard_levelfd = openat(tree_guard_basefd, "level",
					    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tree_guard_levelfd < 0)
			abort();
		tree_guard_put_sentinel(tree_guard_basefd);
		tree_guard_put_sentinel(tree_guard_levelfd);
	}
	if (mkdirat(tree_guard_levelfd, "root", 0755) < 0)
		abort(); /* the previous input's tree was not removed */
	return tree_guard_levelfd;
}

/* Checks both levels and removes the tree. */
static void tree_guard_end(void)
{
	tree_guard_check_level(tree_guard_basefd, "level");
	tree_guard_check_level(tree_guard_levelfd, "root");
	if (pe_image_remove_tree(tree_guard_levelfd, "root") < 0)
		abort();
}

#endif
