/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trace guard: see include/podenter/traceguard.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "podenter/testhooks.h"
#include "podenter/traceguard.h"
#include "fsmount.h"
#include "syscalls.h"

/* The session's process, its command's, and a few more if podenter's code
 * ever starts them: each one is held until it executes or exits. */
#define GUARD_MAX_TRACEES 8

/* ---- in the stage -------------------------------------------------------- */

/*
 * A number from a procfs file of a procfs instance of our own (of the
 * stage's PID namespace, the node's: attached nowhere, so the pod's /proc,
 * which the stage may see by now, has no say), -1 when unreadable.
 */
static long read_own_proc_number(int procfd, const char *file, const char *key)
{
	char buf[4096];
	ssize_t n;
	int fd = openat(procfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	const char *p;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!key)
		return strtol(buf, NULL, 10);
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int pe_trace_guard_take(enum pe_trace_guard_holder *holder,
			struct pe_error *err)
{
	int saved, procfd;
	long tracer, scope;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0) {
		*holder = PE_TRACE_GUARD_PODENTER;
		return 0;
	}
	saved = errno;
	/* only on this rare path: is someone else holding us already, or
	 * may nobody attach at all? */
	procfd = pe_fs_new_detached("proc", NULL,
				    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					MOUNT_ATTR_NOEXEC);
	tracer = procfd < 0 ? -1
			    : read_own_proc_number(procfd, "thread-self/status",
						   "\nTracerPid:\t");
	scope = procfd < 0 ? -1
			   : read_own_proc_number(
				 procfd, "sys/kernel/yama/ptrace_scope", NULL);
	if (procfd >= 0)
		close(procfd);
	if (tracer > 0 || scope == 3) {
		*holder = PE_TRACE_GUARD_ELSEWHERE;
		return 0;
	}
	pe_error_set(err, PE_ERR_SYSTEM, saved,
		     "cannot keep the pod from ptracing the session's process "
		     "(PTRACE_TRACEME)");
	pe_error_hint(err, "a security module keeps podenter from tracing its "
			   "own child; podenter will not enter a pod without "
			   "that guard");
	return -1;
}

/* ---- in podenter --------------------------------------------------------- */

struct tracee {
	pid_t pid;
	bool started; /* its first stop (the attach's SIGSTOP) was seen */
	bool done;
	/* stopped at its exec (done), until the first has executed too */
	bool exec_held;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

/* A tracee stopped at its exec, let go: the command with the CPUs podenter
 * had (cpu), given while it is stopped: once let go it may run (and fork)
 * before podenter does anything more. The session's process, now the tiny
 * reaper that only waits, stays on podenter's CPU (cpu NULL). */
static void let_go(struct tracee *t, const struct pe_trace_guard_cpu *cpu)
{
	if (cpu && cpu->pinned)
		(void)sched_setaffinity(t->pid, sizeof(cpu->saved),
					&cpu->saved);
	(void)ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
	t->exec_held = false;
}

/* The session's process has executed (or exited): the commands that wait
 * at their exec go. */
static void let_go_exec_held(struct tracee *ts, size_t n,
			     const struct pe_trace_guard_cpu *cpu)
{
	for (size_t i = 1; i < n; i++)
		if (ts[i].exec_held)
			let_go(&ts[i], cpu);
}

/*
 * One ptrace-stop of t (its wait status st): the events podenter asked for,
 * or a signal. Returns 0, or -1 when a new tracee does not fit (err).
 */
static int on_stop(struct tracee *ts, size_t *n, struct tracee *t, int st,
		   const struct pe_trace_guard_cpu *cpu, struct pe_error *err)
{
	const unsigned int event = (unsigned int)st >> 16;
	int sig = WSTOPSIG(st);
	unsigned long msg;

	if (!t->started) {
		/* the attach's stop, before any of its code ran: from here
		 * its children are held from their birth too, and all of
		 * them die with podenter */
		t->started = true;
		(void)ptrace(PTRACE_SETOPTIONS, t->pid, NULL,
			     (void *)(PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK |
				      PTRACE_O_TRACEVFORK |
				      PTRACE_O_TRACECLONE |
				      PTRACE_O_TRACEEXEC));
		if (sig == SIGSTOP)
			sig = 0;
	}
	switch (event) {
	case PTRACE_EVENT_EXEC:
		/* podenter's code is gone from it. The command waits at its
		 * exec until the session's process has executed the tiny
		 * reaper too: no code of the pod's runs while podenter's
		 * still is in the pod (traceguard.h). */
		t->done = true;
		if (t != &ts[0] && !ts[0].done) {
			t->exec_held = true;
			return 0;
		}
		/* the commands first: their wake-up (on another CPU, often)
		 * then overlaps the tiny reaper's first steps */
		if (t == &ts[0])
			let_go_exec_held(ts, *n, cpu);
		let_go(t, t != &ts[0] ? cpu : NULL);
		return 0;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &msg) == 0) {
			if (*n == GUARD_MAX_TRACEES)
				return pe_error_set(
				    err, PE_ERR_SYSTEM, EAGAIN,
				    "the session's process started more "
				    "processes than podenter holds");
			ts[(*n)++] = (struct tracee){ .pid = (pid_t)msg };
		}
		sig = 0;
		break;
	case 0:
		break;
	default: /* an event not asked for */
		sig = 0;
	}
	if (sig && is_stop_signal(sig)) {
		/* (tests: PODENTER_TEST_PAUSE_AT stops a process of the
		 * session on purpose; it is let go stopped, untraced) */
		if (pe_test_value("PAUSE_AT") && sig == SIGSTOP) {
			(void)ptrace(PTRACE_DETACH, t->pid, NULL,
				     (void *)(long)SIGSTOP);
			t->done = true;
			return 0;
		}
		/* the pod stops it while it is podenter's code: no */
		sig = 0;
	}
	(void)ptrace(PTRACE_CONT, t->pid, NULL, (void *)(long)sig);
	return 0;
}

static void kill_all(const struct tracee *ts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ts[i].done || ts[i].exec_held)
			kill(ts[i].pid, SIGKILL);
}

/* Every event of t that is there now; true when there was one. */
static int poll_tracee(struct tracee *ts, size_t *n, size_t i,
		       const struct pe_trace_guard_cpu *cpu, bool *first_exited,
		       bool *progress, struct pe_error *err)
{
	struct tracee *t = &ts[i];
	siginfo_t si;
	int st;

	memset(&si, 0, sizeof(si));
	/* a look first: the session's process's exit is for the caller */
	if (waitid(P_PID, (id_t)t->pid, &si,
		   WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) < 0) {
		if (errno == ECHILD) { /* gone, and not ours to wait for */
			t->done = true;
			if (i == 0)
				let_go_exec_held(ts, *n, cpu);
			*progress = true;
			return 0;
		}
		return pe_error_errno(err, "waiting for the session's process");
	}
	if (si.si_pid == 0)
		return 0;
	*progress = true;
	if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
	    si.si_code == CLD_DUMPED) {
		t->done = true;
		if (i == 0) {
			*first_exited = true;
			let_go_exec_held(ts, *n, cpu);
		} else /* a tracee of ours that is not our child: released */
			(void)waitpid(t->pid, &st, __WALL);
		return 0;
	}
	if (waitpid(t->pid, &st, __WALL | WNOHANG) <= 0 || !WIFSTOPPED(st))
		return 0;
	return on_stop(ts, n, t, st, cpu, err);
}

void pe_trace_guard_cpu_pin(struct pe_trace_guard_cpu *cpu)
{
	cpu_set_t one;
	int here = sched_getcpu();

	cpu->pinned = false;
	if (here < 0 || here >= CPU_SETSIZE ||
	    sched_getaffinity(0, sizeof(cpu->saved), &cpu->saved) < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(here, &one);
	cpu->pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
}

void pe_trace_guard_cpu_release(const struct pe_trace_guard_cpu *cpu)
{
	/* a failure leaves the pin, or the cpuset's CPUs: never fatal */
	if (cpu->pinned)
		(void)sched_setaffinity(0, sizeof(cpu->saved), &cpu->saved);
}

int pe_trace_guard_hold(pid_t first, int timeout_ms,
			const struct pe_trace_guard_cpu *cpu,
			bool *first_exited, struct pe_error *err)
{
	struct tracee ts[GUARD_MAX_TRACEES] = { { .pid = first } };
	const long long deadline = now_ms() + timeout_ms;
	size_t n = 1;
	sigset_t chld;

	*first_exited = false;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD); /* blocked by the caller */
	for (;;) {
		bool progress = false, left = false;

		for (size_t i = 0; i < n; i++) {
			if (ts[i].done)
				continue;
			if (poll_tracee(ts, &n, i, cpu, first_exited, &progress,
					err) < 0) {
				kill_all(ts, n);
				return -1;
			}
		}
		for (size_t i = 0; i < n; i++)
			left |= !ts[i].done;
		if (!left)
			break;
		if (progress)
			continue;
		{
			long long wait = deadline - now_ms();
			struct timespec ts_wait;

			if (wait <= 0) {
				kill_all(ts, n);
				return pe_error_set(
				    err, PE_ERR_SYSTEM, ETIMEDOUT,
				    "the session's command did not start "
				    "within %d ms; podenter killed the session",
				    timeout_ms);
			}
			ts_wait.tv_sec = wait / 1000;
			ts_wait.tv_nsec = (wait % 1000) * 1000000;
			(void)sigtimedwait(&chld, NULL, &ts_wait);
		}
	}
	/* the SIGCHLD of that exit was taken here: the caller's wait for
	 * the session must still see it */
	if (*first_exited)
		raise(SIGCHLD);
	return 0;
}
