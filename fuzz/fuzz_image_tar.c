/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: image archives are hostile input. Each input is a tar
 * stream (plain or gzip) applied as an image layer onto a fresh directory,
 * which is removed afterwards; it also feeds the entry-name and link checks.
 * Nothing may be written outside the directory, whatever the input: the
 * tree is unpacked two levels below the base directory, next to sentinel
 * files, and after each input both levels must hold exactly what they held
 * before (a whiteout or link stepping out would add, change or remove an
 * entry there); any difference aborts.
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
	struct pe_image_opts opts = { 0 };
	struct pe_error err;
	char path[64], *name;
	int memfd, rootfd;

	if (basefd < 0) {
		const char *tmp = getenv("TMPDIR");

		/* fuzz/run.sh points TMPDIR at fuzz-build/tmp and empties it */
		snprintf(base, sizeof(base), "%s/fuzz_image_tar.XXXXXX",
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
	name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	pe_image_link_inside(name, name + size / 2, false);
	pe_image_link_inside(name, name + size / 2, true);
	pe_image_clean_name(name);
	free(name);

	memfd = memfd_create("layer", MFD_CLOEXEC);
	if (memfd < 0 || write(memfd, data, size) != (ssize_t)size) {
		if (memfd >= 0)
			close(memfd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	if (mkdirat(levelfd, "root", 0755) < 0)
		abort(); /* the previous input's tree was not removed */
	rootfd = openat(levelfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pe_error_clear(&err);
	pe_image_apply_tar(rootfd, path, PE_TAR_LAYER, &opts, &err);
	close(rootfd);
	close(memfd);
	check_level(basefd, "level");
	check_level(levelfd, "root");
	if (pe_image_remove_tree(levelfd, "root") < 0)
		abort();
	return 0;
}
