/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's mount namespace, torn down by the kernel after the session
 * instead of on its way out.
 *
 * A mount namespace is torn down when its last holder lets go of it: every
 * mount in it is unmounted, the kernel waits for an expedited RCU grace
 * period, each file system of its own (the session's fresh procfs, the
 * view's tmpfs) is released. The last holder is a process of the session
 * (the reaper, or podenter itself in a view's namespace) on its exit, and
 * podenter's caller waits for all of it: 0.1-0.2 ms of each session on the
 * machines measured (docs/benchmarks-attach.md). Registered as a file of
 * an io_uring, the namespace keeps one more reference, which the kernel
 * drops in a worker once the ring is released (pe_teardown_release, or
 * podenter's exit): the same teardown, after the caller has its status.
 *
 * Nothing can reach the namespace meanwhile: no process is in it, and the
 * ring is podenter's alone (podenter is non-dumpable and in the node's PID
 * namespace; the fd is closed on exec). Where the ring or the namespace's
 * fd cannot be had (kernel.io_uring_disabled, a container runtime's
 * seccomp profile, a kernel before 6.11 without PIDFD_GET_MNT_NAMESPACE),
 * the teardown stays where it was; nothing fails.
 */
#ifndef PODENTER_TEARDOWN_H
#define PODENTER_TEARDOWN_H

#include <sys/types.h>

/*
 * Hold the mount namespace of pid (a child of the caller, not yet reaped:
 * its PID cannot name another process) until pe_teardown_release. Returns
 * the holding ring's fd (O_CLOEXEC), or -1 with errno when it cannot be
 * held (the caller goes on without).
 */
int pe_teardown_hold_mnt_ns(pid_t pid);

/* Let go of the ring (fd may be -1): the kernel tears the namespace down
 * in a worker of its own, if nothing else holds it. *fd becomes -1. */
void pe_teardown_release(int *fd);

#endif
