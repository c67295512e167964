/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: /proc/PID/stat as the identity checks read it (start
 * time, state). The command name in it, between the first '(' and the last
 * ')', is whatever the process called itself: a hostile container's
 * process chooses it (spaces, parentheses, newlines).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int procfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char state;
	int fd;

	if (procfd < 0) {
		const char *tmp = getenv("TMPDIR");
		char base[4096];

		snprintf(base, sizeof(base), "%s/fuzz_proc_stat.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(base))
			abort();
		procfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (procfd < 0 || mkdirat(procfd, "4242", 0755) < 0)
			abort();
	}
	fd = openat(procfd, "4242/stat",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	(void)pe_proc_start_time_at(procfd, "4242");
	(void)pe_proc_stat_at(procfd, "4242", &state);
	return 0;
}
