/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's reaper: see include/podenter/reaper.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/exec.h"
#include "fsmount.h"
#include "podenter/reaper.h"
#include "syscalls.h"

/* podenter's own failure (cli.h's PE_EXIT_FAILURE), for a reaper that
 * cannot follow its command */
#define REAPER_FAILED 125

/* Most children listed per round; more are found in the next one. */
#define CHILDREN_BUF 8192

/*
 * A procfs of our own, never attached anywhere: the /proc the session sees
 * may be the container's (the container view), and a container could plant
 * a list of its own processes there for a privileged reaper to kill. A new
 * instance shows the reaper's PID namespace as the kernel has it.
 */
static int open_own_procfs(void)
{
	return pe_fs_new_detached("proc", NULL,
				  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC);
}

/* Kill and reap the children listed in buf; how many were listed. */
static int kill_listed(char *buf)
{
	int listed = 0;

	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid <= 0)
			continue;
		kill((pid_t)pid, SIGKILL);
		listed++;
		while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return listed;
}

int pe_reaper_kill_descendants(void)
{
	static char buf[CHILDREN_BUF];
	int killed = 0, procfd = open_own_procfs();

	/* Each round kills the children listed; their own children are then
	 * re-parented to us (we are their subreaper) and listed next. */
	for (int round = 0; procfd >= 0 && round < 4096; round++) {
		int fd = openat(procfd, "thread-self/children",
				O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		int listed;

		if (fd >= 0)
			close(fd);
		if (n < 0) {
			killed = killed ? killed : -1;
			break;
		}
		buf[n] = '\0';
		listed = kill_listed(buf);
		if (listed == 0)
			break;
		killed += listed;
	}
	if (procfd >= 0)
		close(procfd);
	else
		killed = -1;
	/* zombies the list no longer shows */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return killed;
}

int pe_exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return REAPER_FAILED;
}

static void __attribute__((noreturn))
reaper_run(pid_t cmd, pid_t parent, const sigset_t *forward, int parent_died)
{
	sigset_t wait = *forward;
	int status = W_EXITCODE(REAPER_FAILED, 0);
	bool orphans = true;

	/* the command's process has its own copies of every fd; the reaper
	 * keeps none, not even the caller's stdio */
	pe_close_fds_from(0);
	sigaddset(&wait, SIGCHLD);
	sigaddset(&wait, parent_died);
	/* podenter's death is a signal we catch, not a SIGKILL: the session
	 * must be cleaned up first. If podenter died before this, our parent
	 * has changed already. */
	if (prctl(PR_SET_PDEATHSIG, parent_died, 0, 0, 0) < 0 ||
	    getppid() != parent)
		goto end;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&wait, &si);
		bool done = false;

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (sig == parent_died)
			break;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p < 0 && errno == ECHILD)
				orphans = false; /* nothing is left to kill */
			if (p <= 0)
				break;
			if (p == cmd) {
				status = st;
				done = true;
			}
		}
		if (done)
			break;
	}
end:
	if (orphans)
		pe_reaper_kill_descendants();
	_exit(pe_exit_code_of(status));
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

void pe_reaper_run(const sigset_t *forward, void (*in_reaper)(void),
		   pe_session_command command, void *arg, struct pe_error *err)
{
	int parent_died = SIGRTMIN;
	pid_t self = getpid(), parent = getppid(), cmd;
	sigset_t block;

	/* blocked before it can arrive: its default action is to terminate */
	sigemptyset(&block);
	sigaddset(&block, parent_died);
	if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		pe_error_errno(err, "blocking signals");
		return;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		pe_error_errno(err, "becoming the session's reaper");
		return;
	}
	cmd = spawn_command(command, arg, self);
	if (cmd < 0) {
		pe_error_errno(err, "starting the session's command");
		return;
	}
	if (in_reaper)
		in_reaper();
	reaper_run(cmd, parent, forward, parent_died);
}
