/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the archive `podenter cp - POD:DIR` unpacks is hostile
 * input (an operator may pipe in anything). Each input is unpacked by
 * pe_cp_from_tar into a fresh directory, removed afterwards; nothing may be
 * written outside it, whatever the input (tree_guard.h checks).
 */
#include "config.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "podenter/cp.h"
#include "tree_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_cp_opts opts = { .preserve = true };
	struct pe_cp_place dst = { .path = "root", .shown = "root" };
	struct pe_cp_stats st = { 0 };
	struct pe_error err;
	int memfd = memfd_create("archive", MFD_CLOEXEC);

	if (memfd < 0 || write(memfd, data, size) != (ssize_t)size ||
	    lseek(memfd, 0, SEEK_SET) != 0) {
		if (memfd >= 0)
			close(memfd);
		return 0;
	}
	/* the destination resolved as a container path, inside base/level */
	dst.root = tree_guard_begin("fuzz_cp_tar");
	pe_error_clear(&err);
	pe_cp_from_tar(memfd, "archive", &dst, &opts, &st, &err);
	close(memfd);
	tree_guard_end();
	return 0;
}
