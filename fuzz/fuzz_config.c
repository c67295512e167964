/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: podenter.conf ("key = value" lines, '#' comments).
 * Root writes it, but a long line, a missing '=', a NUL or a value longer
 * than its field must give an error with the line number, never a crash.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/error.h"
#include "podenter/tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_config c;
	struct pe_error err;
	int fd;

	if (!path[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/fuzz_config.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
	}
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	memset(&c, 0, sizeof(c));
	pe_error_clear(&err);
	if (pe_config_load(path, &c, &err) == 0) {
		/* what was loaded fits its fields, terminated */
		if (strnlen(c.tools, sizeof(c.tools)) == sizeof(c.tools) ||
		    strnlen(c.view, sizeof(c.view)) == sizeof(c.view) ||
		    strnlen(c.profile, sizeof(c.profile)) ==
			sizeof(c.profile) ||
		    strnlen(c.cache_dir, sizeof(c.cache_dir)) ==
			sizeof(c.cache_dir))
			abort();
	}
	return 0;
}
