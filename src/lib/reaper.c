/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's reaper: see include/podenter/reaper.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfcache.h"
#include "podenter/exec.h"
#include "fsmount.h"
#include "podenter/reaper.h"
#include "podenter/testhooks.h"
#include "podenter/sandbox.h"
#include "syscalls.h"

/* the tiny reaper's ELF bytes, from podenter-reaper.c (Makefile.am) */
#include "reaper-blob.h"

/* podenter's own failure (cli.h's PE_EXIT_FAILURE) */
#define REAPER_FAILED 125

/* the tiny reaper's file descriptors across execve (podenter-reaper.c) */
#define REAPER_CHILDREN_FD 0
#define REAPER_PROGRAM_FD 1

#if defined(__x86_64__)
#define REAPER_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define REAPER_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
// cppcheck-suppress preprocessorErrorDirective
#error "the reaper's seccomp filter knows no audit arch for this architecture"
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS SECCOMP_RET_KILL
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int pe_exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return REAPER_FAILED;
}

/* --- the reaper, in the target's PID namespace ---------------------------- */

/* fd's file system is a procfs */
static bool on_procfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/*
 * The session's /proc, when it is what the session mounted (a fresh procfs
 * for the reaper's PID namespace, pe_ns_mount_fresh_proc): its
 * thread-self directory is a procfs one whose "stat" names this thread by
 * the number this PID namespace gives it, and "children" in the same
 * directory is a procfs file (no bind over it). Everything is opened
 * beneath that one directory fd. -1 otherwise (the caller makes its own).
 */
static int open_session_children_list(void)
{
	char buf[64];
	ssize_t n;
	int dir, fd, children = -1;

	dir = open("/proc/thread-self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	fd = on_procfs(dir) ? openat(dir, "stat", O_RDONLY | O_CLOEXEC) : -1;
	n = fd >= 0 && on_procfs(fd) ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		if (strtol(buf, NULL, 10) == (long)gettid())
			children = openat(dir, "children",
					  O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	close(dir);
	if (children >= 0 && !on_procfs(children)) {
		close(children);
		children = -1;
	}
	return children;
}

/*
 * The list of the reaper's children. Never a procfs the pod could have
 * arranged (the container's own /proc: a planted list of its processes
 * for the reaper to kill): the session's fresh /proc, checked, or else a
 * procfs instance of our own never attached anywhere (about 70 us more).
 * Only the file is kept: a procfs itself (unmasked, /proc/sys included)
 * must never be reachable through the reaper's fds. The file stays bound
 * to this task across execve.
 */
static int open_children_list(struct pe_error *err)
{
	int procfd, fd = open_session_children_list();

	if (fd >= 0)
		return fd;
	procfd = pe_fs_new_detached("proc", NULL,
				    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					MOUNT_ATTR_NOEXEC);
	if (procfd < 0)
		return pe_error_errno(err, "mounting a procfs for the reaper");
	fd = openat(procfd, "thread-self/children",
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		pe_error_errno(err, "opening the reaper's list of children");
	close(procfd);
	return fd;
}

static int write_blob(int fd)
{
	size_t done = 0;

	while (done < sizeof(reaper_blob)) {
		ssize_t n =
		    write(fd, reaper_blob + done, sizeof(reaper_blob) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/*
 * Where memfds may not be executed (vm.memfd_noexec=2 in the pod's PID
 * namespace or above it): the same program as the only file of a tmpfs of
 * its own that is attached nowhere (reachable through this fd alone, never
 * through a path of the node's or the pod's), made read-only once written.
 * A pod process allowed to open /proc/<reaper>/exe gets this copy, which it
 * cannot write (read-only mount, and ETXTBSY while it runs); the node's
 * binary is never involved.
 */
static int make_program_file(struct pe_error *err)
{
	struct pe_mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	int mnt, fd, prog = -1;

	mnt = pe_fs_new_detached("tmpfs",
				 (const char *const[]){ "mode=0500", NULL },
				 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return pe_error_errno(err,
				      "making a file system for the reaper "
				      "(memfds may not be executed here)");
	fd = openat(mnt, "podenter-reaper",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0100);
	if (fd < 0 || write_blob(fd) < 0 || close(fd) < 0) {
		pe_error_errno(err, "writing the reaper's program");
		goto out;
	}
	if (pe_sys_mount_setattr(mnt, "", AT_EMPTY_PATH, &ro) < 0) {
		pe_error_errno(err, "making the reaper's program read-only");
		goto out;
	}
	prog =
	    openat(mnt, "podenter-reaper", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (prog < 0)
		pe_error_errno(err, "opening the reaper's program");
out:
	close(mnt);
	return prog;
}

/*
 * The tiny reaper (podenter-reaper.c, embedded at build time) in a memfd
 * that nobody can change: sealed against writes, growth and shrinking,
 * and its seals sealed. Mode 0100: execute only, so that executing it
 * without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH leaves the process
 * non-dumpable from the first instruction (an unreadable file).
 */
int pe_reaper_program_open(struct pe_error *err)
{
	const unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd = memfd_create("podenter-reaper", flags | MFD_EXEC);

	if (fd < 0 && errno == EINVAL) /* MFD_EXEC is Linux 6.3 */
		fd = memfd_create("podenter-reaper", flags);
	if (fd < 0 && errno == EACCES) /* vm.memfd_noexec=2 */
		return make_program_file(err);
	if (fd < 0)
		return pe_error_errno(err, "creating the reaper's memfd");
	if (write_blob(fd) < 0) {
		pe_error_errno(err, "writing the reaper's memfd");
		goto fail;
	}
	if (fchmod(fd, S_IXUSR) < 0 ||
	    fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) <
		0) {
		pe_error_errno(err, "sealing the reaper's memfd");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* fd moved to number `to` (dup3: O_CLOEXEC when asked); from >= 3 */
static int move_fd(int from, int to, int flags)
{
	int rc = dup3(from, to, flags);

	close(from);
	return rc;
}

/*
 * What the reaper may call once podenter's code is gone: exactly what
 * podenter-reaper.c uses, execveat of its own program (fd 1, empty path)
 * first. Everything else fails with EPERM; another ABI (i386, x32) kills.
 */
static int load_reaper_filter(struct pe_error *err)
{
#define ALLOW(nr)                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                       \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, REAPER_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), /* x32 */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		ALLOW(__NR_rt_sigtimedwait),
		ALLOW(__NR_rt_sigprocmask),
		ALLOW(__NR_wait4),
		ALLOW(__NR_kill),
		ALLOW(__NR_pread64),
		ALLOW(__NR_exit_group),
		ALLOW(__NR_exit),
		ALLOW(__NR_restart_syscall),
		ALLOW(__NR_rt_sigreturn),
		/* prctl: non-dumpable again after exec, and its name */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_NAME, 0, 6),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* execveat(REAPER_PROGRAM_FD, "", ..., AT_EMPTY_PATH) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, REAPER_PROGRAM_FD, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AT_EMPTY_PATH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct pe_bpf prog = { insns, sizeof(insns) / sizeof(insns[0]) };
#undef ALLOW
#undef ARG_LO

	return pe_bpf_load(&prog, err);
}

/*
 * Replace podenter's code in the reaper by the tiny reaper: nothing of
 * the node's binary stays in the pod's PID namespace (/proc/PID/exe, mem,
 * maps, environ). Before execveat: the children list on fd 0, the
 * program on fd 1 (closed by the exec), nothing else but stderr (closed
 * by the exec too, kept for this function's errors); the bounding,
 * permitted and effective sets are {CAP_KILL} (to kill the session's
 * processes whatever their uid), no_new_privs, non-dumpable, the filter
 * above. uid 0 stays: no credential change, so the subreaper flag and
 * the parent-death signal stay armed. Returns only on failure.
 */
static void exec_reaper(pid_t cmd, int parent_died, int prog,
			pe_capset bounding, struct pe_error *err)
{
	struct pe_sandbox kill_only = { .caps = PE_CAP_BIT(CAP_KILL),
					.no_new_privs = true };
	char cmd_arg[24], sig_arg[24];
	char *argv[] = { "podenter-reaper", cmd_arg, sig_arg, NULL };
	char *envp[] = { NULL };
	int children;

	snprintf(cmd_arg, sizeof(cmd_arg), "%d", (int)cmd);
	snprintf(sig_arg, sizeof(sig_arg), "%d", parent_died);
	children = open_children_list(err);
	if (children < 0)
		return;
	/* both above stdio first, then in place; stderr dies at execve */
	children = fcntl(children, F_DUPFD_CLOEXEC, 3);
	prog = fcntl(prog, F_DUPFD_CLOEXEC, 3);
	if (children < 0 || prog < 0 ||
	    move_fd(children, REAPER_CHILDREN_FD, 0) < 0 ||
	    move_fd(prog, REAPER_PROGRAM_FD, O_CLOEXEC) < 0 ||
	    fcntl(STDERR_FILENO, F_SETFD, FD_CLOEXEC) < 0 ||
	    pe_close_fds_from(3) < 0) {
		pe_error_errno(err, "arranging the reaper's descriptors");
		return;
	}
	/* its working directory is the session's root, not podenter's */
	if (chdir("/") < 0) {
		pe_error_errno(err, "changing the reaper's directory");
		return;
	}
	if (pe_sandbox_drop_bounding(&kill_only, &bounding, err) < 0 ||
	    pe_sandbox_set_caps(&kill_only, bounding, err) < 0 ||
	    pe_sandbox_set_no_new_privs(&kill_only, err) < 0)
		return;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		pe_error_errno(err, "making the reaper non-dumpable");
		return;
	}
	if (load_reaper_filter(err) < 0)
		return;
	pe_sys_execveat(REAPER_PROGRAM_FD, "", argv, envp, AT_EMPTY_PATH);
	pe_error_errno(err, "executing the reaper");
}

/* The command's pidfd to podenter's watch on channel (the reaper's end,
 * see pe_reaper_watch_open), which is closed then: podenter sees the
 * command end without trusting the reaper. */
static void report_command(int channel, pid_t cmd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char byte = 'c';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	int pidfd;

	if (channel < 0)
		return;
	pidfd = pe_sys_pidfd_open(cmd, 0);
	if (pidfd >= 0) {
		memset(&control, 0, sizeof(control));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pidfd, sizeof(int));
		(void)sendmsg(channel, &msg, MSG_NOSIGNAL);
		close(pidfd);
	}
	close(channel);
}

/*
 * vfork(): the command's process borrows the reaper's memory until it
 * executes, so neither copies page tables nor takes copy-on-write faults;
 * the reaper has nothing to do before then. The command never returns
 * into this frame (it executes or _exit()s), which vfork() requires; what
 * it changes in memory before that is the command's own business: the
 * reaper uses nothing of it but `cmd`.
 */
static __attribute__((noinline)) pid_t spawn_command(pe_session_command fn,
						     void *arg, pid_t reaper)
{
	pid_t cmd = vfork();

	if (cmd == 0)
		fn(arg, reaper);
	return cmd;
}

void pe_reaper_run(const sigset_t *forward, void (*in_reaper)(void *arg),
		   int channel, int program, pe_capset bounding,
		   pe_session_command command, void *arg, struct pe_error *err)
{
	int parent_died = SIGRTMIN;
	pid_t self = getpid(), parent = getppid(), cmd;
	sigset_t block;

	(void)forward; /* blocked by the caller: still blocked after execve */
	/* blocked before it can arrive: its default action is to terminate */
	sigemptyset(&block);
	sigaddset(&block, parent_died);
	if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		pe_error_errno(err, "blocking signals");
		return;
	}
	/* podenter's death is a signal the reaper catches, not a SIGKILL: the
	 * session must be cleaned up first. Both settings survive execve (no
	 * uid change, no capability gained). If podenter died before this,
	 * our parent has changed already. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, parent_died, 0, 0, 0) < 0) {
		pe_error_errno(err, "becoming the session's reaper");
		return;
	}
	if (getppid() != parent) {
		pe_error_set(err, PE_ERR_SYSTEM, ESRCH, "podenter died");
		return;
	}
	cmd = spawn_command(command, arg, self);
	if (cmd < 0) {
		pe_error_errno(err, "starting the session's command");
		return;
	}
	report_command(channel, cmd);
	if (in_reaper)
		in_reaper(arg);
	/* (tests: the reaper's last steps made slow, so that a command let go
	 * before them would meet podenter's code here: traceguard.h) */
	if (pe_test_flag("SLOW_REAPER"))
		usleep(300000);
	exec_reaper(cmd, parent_died, program, bounding, err);
	/* the reaper could not be made safe: the session ends now */
	kill(cmd, SIGKILL);
	while (waitpid(cmd, NULL, 0) < 0 && errno == EINTR)
		;
}

/* --- podenter's side: watching the session with a bound ------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pe_reaper_watch_open(struct pe_reaper_watch *w, struct pe_error *err)
{
	int sv[2];

	w->reaper = -1;
	w->channel = w->reaper_end = w->cmd_pidfd = -1;
	w->cmd_ended = false;
	w->stops = 0;
	w->deadline = w->start_deadline = w->next_tick = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pe_error_errno(err, "creating the session's channel");
	w->channel = sv[0];
	w->reaper_end = sv[1];
	return 0;
}

/* podenter's copy of the reaper's end: once closed, the channel reads
 * end-of-file as soon as the reaper is gone, with or without a report */
static void close_reaper_end(struct pe_reaper_watch *w)
{
	if (w->reaper_end >= 0)
		close(w->reaper_end);
	w->reaper_end = -1;
}

void pe_reaper_watch_started(struct pe_reaper_watch *w, pid_t reaper)
{
	w->reaper = reaper;
	w->start_deadline = now_ms() + PE_REAPER_START_MS;
	w->next_tick = now_ms() + PE_REAPER_TICK_MS;
	close_reaper_end(w);
}

void pe_reaper_watch_close(struct pe_reaper_watch *w)
{
	if (w->channel >= 0)
		close(w->channel);
	if (w->cmd_pidfd >= 0)
		close(w->cmd_pidfd);
	w->channel = w->cmd_pidfd = -1;
	close_reaper_end(w);
}

int pe_reaper_watch_timeout(const struct pe_reaper_watch *w)
{
	long long until = w->next_tick, left;

	/* the next tick, or an armed deadline before it */
	if (w->deadline && w->deadline < until)
		until = w->deadline;
	left = until - now_ms();
	if (left <= 0)
		return 0;
	return left > PE_REAPER_TICK_MS ? PE_REAPER_TICK_MS : (int)left;
}

void pe_reaper_watch_forward(struct pe_reaper_watch *w, int sig)
{
	/* straight to the command when podenter holds it: a reaper that the
	 * pod stopped or took over would pass nothing on */
	if (w->cmd_pidfd >= 0 && !w->cmd_ended &&
	    pe_sys_pidfd_send_signal(w->cmd_pidfd, sig) == 0)
		return;
	kill(w->reaper, sig);
}

static void arm_deadline(struct pe_reaper_watch *w)
{
	if (!w->deadline)
		w->deadline = now_ms() + PE_REAPER_GRACE_MS;
}

/*
 * What the reaper sent is checked, not trusted: until it executes the tiny
 * reaper it is podenter's code in the pod's PID namespace; podenter holds
 * it as its tracer then (traceguard.h), but were a pod holding
 * CAP_SYS_PTRACE ever to take it over, it could make it send any fd, to aim the
 * operator's signals (and podenter's SIGKILL) at a process of its choice.
 * Only a pidfd (pidfs) of a live child of the reaper is kept: 1. A pidfd
 * whose process is gone (reaped: ESRCH) says the command ended, and is not
 * kept: 0. Anything else is refused: -1, as on kernels before 6.13 that
 * cannot tell (no PIDFD_GET_INFO): signals then go to the reaper, as
 * before any pidfd arrived.
 */
static int check_command_pidfd(int fd, pid_t reaper)
{
	struct pe_pidfd_info info;
	struct statfs sfs;

	/* the ioctl only on a pidfd: another file's driver could read its
	 * number as a request of its own */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PE_PIDFS_MAGIC)
		return -1;
	if (pe_sys_pidfd_info(fd, &info) < 0)
		return errno == ESRCH ? 0 : -1;
	if (!(info.mask & PE_PIDFD_INFO_PID) || info.pid != info.tgid ||
	    (pid_t)info.ppid != reaper)
		return -1;
	return 1;
}

/* The command's pidfd, once the reaper sent it (or the channel closed). */
static void receive_command(struct pe_reaper_watch *w)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	if (w->channel < 0)
		return;
	n = recvmsg(w->channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
		int fd;

		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		switch (check_command_pidfd(fd, w->reaper)) {
		case 1:
			w->cmd_pidfd = fd;
			break;
		case 0:
			close(fd);
			w->cmd_ended = true;
			arm_deadline(w);
			break;
		default:
			close(fd);
		}
	}
	close(w->channel);
	w->channel = -1;
}

/* The reaper did not finish in time: podenter ends the session itself. */
static int give_up(struct pe_reaper_watch *w, struct pe_error *err)
{
	long long until = now_ms() + 1000;
	int status;

	if (w->cmd_pidfd >= 0 && !w->cmd_ended)
		pe_sys_pidfd_send_signal(w->cmd_pidfd, SIGKILL);
	kill(w->reaper, SIGKILL);
	/* SIGKILL ends even a stopped or traced reaper; still, bounded */
	while (waitpid(w->reaper, &status, WNOHANG) == 0 && now_ms() < until)
		poll(NULL, 0, 10);
	if (w->channel >= 0)
		pe_error_set(err, PE_ERR_SYSTEM, ETIMEDOUT,
			     "the session's command did not start within %d "
			     "ms (its processes stopped or taken over from "
			     "inside the pod); podenter killed the session",
			     PE_REAPER_START_MS);
	else
		pe_error_set(err, PE_ERR_SYSTEM, ETIMEDOUT,
			     "the session's reaper in the pod did not finish "
			     "within %d ms %s (stopped or taken over from "
			     "inside the pod); podenter killed it",
			     PE_REAPER_GRACE_MS,
			     w->cmd_ended ? "after the command ended"
					  : "while the pod kept stopping it");
	pe_error_hint(err, "processes the session left in the pod may "
			   "survive it; the pod is hostile or broken");
	return -1;
}

int pe_reaper_watch_check(struct pe_reaper_watch *w, int *status,
			  struct pe_error *err)
{
	struct pollfd pfd;
	int st;
	pid_t r;

	w->next_tick = now_ms() + PE_REAPER_TICK_MS;
	receive_command(w);
	if (w->cmd_pidfd >= 0 && !w->cmd_ended) {
		pfd.fd = w->cmd_pidfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) > 0) {
			w->cmd_ended = true;
			arm_deadline(w);
		}
	}
	while ((r = waitpid(w->reaper, &st, WNOHANG | WUNTRACED)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pe_error_errno(err, "waiting for the session");
		if (WIFSTOPPED(st)) {
			/* only the pod (or the node) stops the reaper: go on */
			kill(w->reaper, SIGCONT);
			if (++w->stops >= PE_REAPER_MAX_STOPS &&
			    w->cmd_pidfd < 0)
				arm_deadline(w);
			continue;
		}
		*status = st;
		return 1;
	}
	if ((w->deadline && now_ms() >= w->deadline) ||
	    (w->channel >= 0 && now_ms() >= w->start_deadline))
		return give_up(w, err);
	return 0;
}

int pe_reaper_wait(struct pe_reaper_watch *w, const sigset_t *waitset,
		   struct pe_error *err)
{
	int sigfd = signalfd(-1, waitset, SFD_CLOEXEC | SFD_NONBLOCK);
	int status = 0, rc = 0;

	if (sigfd < 0) {
		kill(w->reaper, SIGKILL);
		return pe_error_errno(err, "waiting for the session");
	}
	while (rc == 0) {
		struct pollfd pfd = { .fd = sigfd, .events = POLLIN };
		struct signalfd_siginfo si;

		if (poll(&pfd, 1, pe_reaper_watch_timeout(w)) < 0 &&
		    errno != EINTR) {
			kill(w->reaper, SIGKILL);
			rc = pe_error_errno(err, "waiting for the session");
			break;
		}
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			/* the child has a session of its own (io_child): no
			 * terminal signals it; this is the only way */
			if (si.ssi_signo != SIGCHLD)
				pe_reaper_watch_forward(w, (int)si.ssi_signo);
		}
		rc = pe_reaper_watch_check(w, &status, err);
	}
	close(sigfd);
	return rc < 0 ? -1 : pe_exit_code_of(status);
}
