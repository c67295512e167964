/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the archive `podenter cp - POD:DIR` unpacks is hostile
 * input (an operator may pipe in anything). Each input is unpacked by
 * pe_cp_from_tar into a fresh directory, removed afterwards. Nothing may
 * be written outside it, whatever the input: the directory is two levels
 * below the base directory, next to sentinel files, and after each input
 * both levels must hold exactly what they held before (a '..', an absolute
 * name, a symlink or a hard link stepping out would add, change or remove
 * an entry there); any difference aborts.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/cp.h"
#include "podenter/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[4096];
static int basefd = -1; /* base: "sentinel" and "level" */
static int levelfd = -1; /* base/level: "sentinel" and "root" (the tree) */

static const char sentinel_text[] = "outside the tree\n";

static void put_sentinel(int dirfd)
{
	int fd = openat(dirfd, "sentinel",
			O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, sentinel_text, sizeof(sentinel_text) - 1) !=
			  (ssize_t)(sizeof(sentinel_text) - 1))
		abort();
	close(fd);
}

/* dirfd holds exactly "sentinel" (unchanged) and `other`, a directory. */
static void check_level(int dirfd, const char *other)
{
	char buf[sizeof(sentinel_text) + 8];
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
	if (n != (ssize_t)(sizeof(sentinel_text) - 1) ||
	    memcmp(buf, sentinel_text, (size_t)n) != 0)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_cp_opts opts = { .preserve = true };
	struct pe_cp_place dst = { .path = "root", .shown = "root" };
	struct pe_cp_stats st = { 0 };
	struct pe_error err;
	int memfd;

	if (basefd < 0) {
		const char *tmp = getenv("TMPDIR");

		/* fuzz/run.sh points TMPDIR at fuzz-build/tmp and empties it */
		snprintf(base, sizeof(base), "%s/fuzz_cp_tar.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(base))
			abort();
		basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (basefd < 0 || mkdirat(basefd, "level", 0755) < 0)
			abort();
		levelfd =
		    openat(basefd, "level", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (levelfd < 0)
			abort();
		put_sentinel(basefd);
		put_sentinel(levelfd);
	}
	memfd = memfd_create("archive", MFD_CLOEXEC);
	if (memfd < 0 || write(memfd, data, size) != (ssize_t)size ||
	    lseek(memfd, 0, SEEK_SET) != 0) {
		if (memfd >= 0)
			close(memfd);
		return 0;
	}
	if (mkdirat(levelfd, "root", 0755) < 0)
		abort(); /* the previous input's tree was not removed */
	/* the destination resolved as a container path, inside levelfd */
	dst.root = levelfd;
	pe_error_clear(&err);
	pe_cp_from_tar(memfd, "archive", &dst, &opts, &st, &err);
	close(memfd);
	check_level(basefd, "level");
	check_level(levelfd, "root");
	if (pe_image_remove_tree(levelfd, "root") < 0)
		abort();
	return 0;
}
