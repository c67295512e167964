/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: image archives are hostile input. Each input is a tar
 * stream (plain or gzip) applied as an image layer onto a fresh directory,
 * which is removed afterwards; it also feeds the entry-name and link checks.
 * Nothing may be written outside the directory, whatever the input
 * (tree_guard.h checks).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "podenter/image.h"
#include "tree_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_image_opts opts = { 0 };
	struct pe_error err;
	char path[64], *name;
	int memfd, rootfd;

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
	rootfd = openat(tree_guard_begin("fuzz_image_tar"), "root",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pe_error_clear(&err);
	pe_image_apply_tar(rootfd, path, PE_TAR_LAYER, &opts, &err);
	close(rootfd);
	close(memfd);
	tree_guard_end();
	return 0;
}
