/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: image archives are hostile input. Each input is a tar
 * stream (plain or gzip) applied as an image layer onto a fresh directory,
 * which is removed afterwards; it also feeds the entry-name and link checks.
 * Nothing may be written outside the directory, whatever the input.
 */
#include "config.h"

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
static int basefd = -1;

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
		if (basefd < 0)
			abort();
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
	if (mkdirat(basefd, "root", 0755) < 0)
		abort(); /* the previous input's tree was not removed */
	rootfd = openat(basefd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pe_error_clear(&err);
	pe_image_apply_tar(rootfd, path, PE_TAR_LAYER, &opts, &err);
	close(rootfd);
	close(memfd);
	if (pe_image_remove_tree(basefd, "root") < 0)
		abort();
	return 0;
}
