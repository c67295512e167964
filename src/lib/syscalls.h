/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only place podenter calls syscall() directly: wrappers for what the
 * C library may lack, each returning -1 with errno set (ENOSYS when the
 * kernel or the headers do not know the call, so callers can fall back).
 * Prefixed pe_sys_ so they never shadow a libc function of the same name.
 */
#ifndef PODENTER_SYSCALLS_H
#define PODENTER_SYSCALLS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#if !defined(__NR_seccomp) && defined(__x86_64__)
#define __NR_seccomp 317 /* per-arch, unlike the calls from 424 on */
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif

struct pe_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

struct pe_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

struct pe_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

static inline int pe_sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(__NR_pidfd_open, pid, flags);
}

/* pidfs (6.11): a process's mount namespace through its pidfd, with no
 * /proc at all; older kernels answer ENOTTY/EINVAL, callers fall back. */
#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#endif

static inline int pe_sys_pidfd_mnt_ns(int pidfd)
{
	return ioctl(pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
}

/* pidfs (6.9): a pidfd lives on a file system of its own; before, on the
 * anonymous inode file system (where nothing tells a pidfd apart). */
#define PE_PIDFS_MAGIC 0x50494446

/* pidfs (6.13): what a pidfd refers to, numbered in the caller's PID
 * namespace; ESRCH once the process was reaped, ENOTTY on older kernels.
 * The first version of the kernel's struct pidfd_info (64 bytes): the
 * kernel takes any size from that one on. */
struct pe_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid;
	uint32_t ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	uint32_t spare0;
};
#define PE_PIDFD_INFO_PID 1ull
#define PE_PIDFD_GET_INFO _IOWR(0xFF, 11, struct pe_pidfd_info)

static inline int pe_sys_pidfd_info(int pidfd, struct pe_pidfd_info *info)
{
	*info = (struct pe_pidfd_info){ .mask = PE_PIDFD_INFO_PID };
	return ioctl(pidfd, PE_PIDFD_GET_INFO, info);
}

/* io_uring (5.1): a ring is used here only to hold files (teardown.c); its
 * parameters are the kernel's struct io_uring_params, all zero but what
 * the kernel fills in. ENOSYS where the kernel or a seccomp profile (a
 * container runtime's) has no io_uring; EPERM under
 * kernel.io_uring_disabled. */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#define PE_IORING_REGISTER_FILES 2

struct pe_io_uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle;
	uint32_t features, wq_fd, resv[3];
	uint32_t sq_off[10], cq_off[10];
};

static inline int pe_sys_io_uring_setup(unsigned int entries,
					struct pe_io_uring_params *p)
{
	*p = (struct pe_io_uring_params){ 0 };
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static inline int pe_sys_io_uring_register(int ring, unsigned int opcode,
					   const void *arg, unsigned int n)
{
	return (int)syscall(__NR_io_uring_register, ring, opcode, arg, n);
}

static inline int pe_sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* glibc has no seccomp(2) wrapper */
static inline int pe_sys_seccomp(unsigned int op, unsigned int flags,
				 void *args)
{
#ifdef __NR_seccomp
	return (int)syscall(__NR_seccomp, op, flags, args);
#else
	(void)op, (void)flags, (void)args;
	errno = ENOSYS;
	return -1;
#endif
}

static inline int pe_sys_openat2(int dirfd, const char *path,
				 struct pe_open_how *how)
{
	return (int)syscall(__NR_openat2, dirfd, path, how, sizeof(*how));
}

static inline int pe_sys_open_tree(int dirfd, const char *path,
				   unsigned int flags)
{
	return (int)syscall(__NR_open_tree, dirfd, path, flags);
}

static inline int pe_sys_move_mount(int from_dirfd, const char *from_path,
				    int to_dirfd, const char *to_path,
				    unsigned int flags)
{
	return (int)syscall(__NR_move_mount, from_dirfd, from_path, to_dirfd,
			    to_path, flags);
}

/* glibc has no wrapper for pivot_root(2) */
static inline int pe_sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static inline int pe_sys_mount_setattr(int dirfd, const char *path,
				       unsigned int flags,
				       struct pe_mount_attr *attr)
{
	return (int)syscall(__NR_mount_setattr, dirfd, path, flags, attr,
			    sizeof(*attr));
}

static inline int pe_sys_fsopen(const char *fsname, unsigned int flags)
{
	return (int)syscall(__NR_fsopen, fsname, flags);
}

static inline int pe_sys_fsconfig(int fd, unsigned int cmd, const char *key,
				  const void *value, int aux)
{
	return (int)syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int pe_sys_fsmount(int fd, unsigned int flags,
				 unsigned int attr_flags)
{
	return (int)syscall(__NR_fsmount, fd, flags, attr_flags);
}

static inline long pe_sys_clone3(struct pe_clone_args *args)
{
	return syscall(__NR_clone3, args, sizeof(*args));
}

/*
 * fork(2) with extra clone flags (CLONE_PARENT: the child becomes a
 * sibling of the caller and inherits the caller's exit signal, which
 * clone3 then wants as 0): clone3, else clone with no new stack, which is
 * fork's semantics. glibc's fork handlers do not run in the child.
 */
static inline pid_t pe_sys_fork_flags(uint64_t flags)
{
	struct pe_clone_args a = { .flags = flags,
				   .exit_signal =
				       (flags & CLONE_PARENT) ? 0 : SIGCHLD };
	long r = pe_sys_clone3(&a);

	if (r < 0 && errno == ENOSYS)
		r = syscall(__NR_clone, (unsigned long)flags | SIGCHLD, 0UL,
			    NULL, NULL, 0UL);
	return (pid_t)r;
}

/*
 * close_range(2) with a fallback that walks /proc/self/fd is in
 * pe_close_fds_from() (nsjoin.c); this is the raw call.
 */
/* glibc's fexecve() goes through /proc/self/fd when the kernel lacks
 * execveat (before 3.19); the reaper's seccomp filter allows this call
 * alone to execute, on one fd number */
static inline int pe_sys_execveat(int dirfd, const char *path,
				  char *const argv[], char *const envp[],
				  int flags)
{
#ifdef __NR_execveat
	return (int)syscall(__NR_execveat, dirfd, path, argv, envp, flags);
#else
	(void)dirfd, (void)path, (void)argv, (void)envp, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static inline int pe_sys_close_range(unsigned int first, unsigned int last,
				     unsigned int flags)
{
	return (int)syscall(__NR_close_range, first, last, flags);
}

/* madvise() as the very first instructions of the process can make it
 * (prefault.c's pe_start): no C library yet, so no errno to set (thread
 * storage is not set up) and no relocated data to read. Returns 0 or
 * -errno; x86_64 only (-ENOSYS elsewhere). */
static inline __attribute__((always_inline)) long
pe_sys_madvise_early(unsigned long start, unsigned long len, long advice)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)__NR_madvise), "D"(start), "S"(len),
			   "d"(advice)
			 : "rcx", "r11", "memory");
	return ret;
#else
	(void)start, (void)len, (void)advice;
	return -ENOSYS;
#endif
}

/* getpid through the x32 ABI: fails with ENOSYS when the kernel runs no x32
 * code (x86_64 only; ENOSYS elsewhere). Only for a process under no seccomp
 * filter: a filter that leaves x32 out kills the caller instead. */
static inline long pe_sys_x32_getpid(void)
{
#if defined(__x86_64__) && defined(__NR_getpid)
	return syscall(0x40000000 /* __X32_SYSCALL_BIT */ | __NR_getpid);
#else
	errno = ENOSYS;
	return -1;
#endif
}

#endif
