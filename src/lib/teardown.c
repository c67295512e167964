/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's mount namespace, torn down after the session (teardown.h). */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "syscalls.h"
#include "teardown.h"

_Static_assert(sizeof(struct pe_io_uring_params) == 120,
	       "struct io_uring_params is 120 bytes");

int pe_teardown_hold_mnt_ns(pid_t pid)
{
	struct pe_io_uring_params params;
	int pidfd, nsfd, ring, saved;

	pidfd = pe_sys_pidfd_open(pid, 0);
	if (pidfd < 0)
		return -1;
	nsfd = pe_sys_pidfd_mnt_ns(pidfd);
	saved = errno;
	close(pidfd);
	if (nsfd < 0) {
		errno = saved;
		return -1;
	}
	/* one entry: the ring is never submitted to, only its file table
	 * is used */
	ring = pe_sys_io_uring_setup(1, &params);
	if (ring >= 0 && pe_sys_io_uring_register(
			     ring, PE_IORING_REGISTER_FILES, &nsfd, 1) < 0) {
		saved = errno;
		close(ring);
		ring = -1;
		errno = saved;
	}
	saved = errno;
	close(nsfd); /* the ring holds its own reference */
	errno = saved;
	return ring;
}

void pe_teardown_release(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
