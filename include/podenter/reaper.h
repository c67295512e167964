/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's reaper: nothing the session started outlives it, and
 * nothing of podenter's inside the pod is worth taking over.
 *
 * A shell in the pod may leave processes behind: `cmd &` after which the
 * shell exits, `nohup`, `setsid`, a daemon that double-forks. Orphans are
 * re-parented to the pod's init and would keep running in the pod after the
 * session ended, or after podenter itself was killed. So the forked session
 * process splits in two, in the target's PID namespace: the reaper (a child
 * subreaper) and the command under it. Every orphan of the session is
 * re-parented to the reaper. When the command exits, the reaper kills what
 * is left of the session and exits with the command's status; when
 * podenter dies, the reaper is told (a parent-death signal it catches) and
 * does the same. Only a SIGKILL of the reaper itself, from inside the pod,
 * lets orphans escape to the pod's init.
 *
 * The reaper lives in the pod's PID namespace for the whole session, so
 * the pod can reach it: ptrace and /proc/PID/mem with CAP_SYS_PTRACE,
 * /proc/PID/exe (CVE-2019-5736), signals. Once the command runs, it
 * replaces podenter's code by a tiny static program (podenter-reaper.c,
 * embedded at build time) executed from a sealed memfd, holding only
 * CAP_KILL (bounding = permitted = effective), no_new_privs, a seccomp
 * allowlist of the dozen calls it makes, non-dumpable, with a procfs
 * children list as its one fd, its root the session's, no environment.
 *
 * podenter does not trust it either (pe_reaper_watch): it holds a pidfd
 * of the command, resumes a stopped reaper, forwards signals to the
 * command itself, and gives the reaper PE_REAPER_GRACE_MS after the
 * command ended before it kills it and fails with a clear error (exit
 * 125).
 */
#ifndef PODENTER_REAPER_H
#define PODENTER_REAPER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "podenter/error.h"
#include "podenter/sandbox.h"

/* The session's command: runs in the reaper's child, must execute or
 * _exit(), never return. reaper: the reaper's PID as the command sees it
 * (its parent: compare getppid() after arming a parent-death signal). */
typedef void (*pe_session_command)(void *arg, pid_t reaper);

/*
 * Become the session's reaper and start command(arg) in a child of it.
 * The caller has `forward` blocked (the signals podenter passes on,
 * SIGCHLD among them): they stay blocked across execve and are the tiny
 * reaper's wait set. channel is the reaper's end of the watch's channel
 * (pe_reaper_watch_open's reaper_end, -1: nobody watches): the command's
 * pidfd is sent on it, then it is closed. program: the tiny reaper's
 * (pe_reaper_program_open), executed once the command has. in_reaper(arg),
 * when not NULL, runs in the reaper once the command has executed or
 * exited. bounding: the caller's bounding set as it is (see
 * pe_sandbox_drop_bounding), the tiny reaper's starting point. Returns
 * only on failure (err set; the command, if it started,
 * was killed); otherwise the process becomes the tiny reaper, which exits
 * with the command's exit status, 128+N when the command died of signal
 * N.
 */
void pe_reaper_run(const sigset_t *forward, void (*in_reaper)(void *arg),
		   int channel, int program, pe_capset bounding,
		   pe_session_command command, void *arg, struct pe_error *err);

/*
 * The tiny reaper's program for pe_reaper_run (program): a sealed memfd,
 * or where memfds may not be executed (vm.memfd_noexec=2) a read-only file
 * of a tmpfs attached nowhere, which takes CAP_SYS_ADMIN. Made by the
 * session's stage in the node's PID namespace: the setting that counts is
 * the node's, and the session's processes in the pod never need that
 * capability. Returns an fd (close-on-exec), or -1 with err.
 */
int pe_reaper_program_open(struct pe_error *err);

/* A wait status as a shell's exit code: the exit status, 128+N for signal
 * N, 125 (podenter's own failure) for anything else. The reaper exits with
 * it and podenter passes it on. */
int pe_exit_code_of(int status);

/* --- podenter's side, in the node's PID namespace ------------------------ */

/* How long the reaper may take to finish once the command ended (it only
 * kills and reaps what the session left): past it the pod holds it. */
#define PE_REAPER_GRACE_MS 2000
/* Stops of the reaper resumed before podenter, not knowing yet whether
 * the command still runs, starts the same grace. */
#define PE_REAPER_MAX_STOPS 16
/* How long the command may take from the fork to its execve (podenter's
 * own setup: the pod can only make it longer by stopping or tracing the
 * session's processes); past it the session is killed. */
#define PE_REAPER_START_MS 30000
/* How often podenter looks at the command and the bounds while nothing
 * happens (it sees the command's end at most this late). */
#define PE_REAPER_TICK_MS 500

struct pe_reaper_watch {
	pid_t reaper; /* podenter's child */
	int channel; /* until the reaper sent the command's pidfd */
	/* the reaper's end of the channel: handed down to the reaper
	 * (pe_reaper_run), closed in podenter once it started */
	int reaper_end;
	int cmd_pidfd; /* the command, -1 when unknown */
	bool cmd_ended;
	unsigned int stops; /* of the reaper, each resumed */
	long long deadline; /* CLOCK_MONOTONIC ms, 0: none */
	long long start_deadline; /* for the command's pidfd to arrive */
	long long next_tick; /* the next look at the command */
};

#define PE_REAPER_WATCH_INIT                                                   \
	{                                                                      \
		.reaper = -1, .channel = -1, .reaper_end = -1, .cmd_pidfd = -1 \
	}

/* Before the session's process is forked: the channel the reaper reports
 * the command on (w->reaper_end is the reaper's end). */
int pe_reaper_watch_open(struct pe_reaper_watch *w, struct pe_error *err);
/* In podenter, once the reaper exists: reaper is its PID (podenter's
 * child); podenter's copy of the reaper's end is closed. */
void pe_reaper_watch_started(struct pe_reaper_watch *w, pid_t reaper);
void pe_reaper_watch_close(struct pe_reaper_watch *w);

/* For a caller's own poll loop (the pty proxy): the poll timeout in ms,
 * 0 when a check is due; call pe_reaper_watch_check() after each SIGCHLD
 * and whenever one is due. Nothing of
 * the watch wakes podenter but SIGCHLD (the reaper exited or stopped) and
 * a tick: an attach costs no more wake-ups than before. */
int pe_reaper_watch_timeout(const struct pe_reaper_watch *w);
/* 1: the reaper exited, its wait status in *status; 0: go on; -1: the
 * reaper was stopped or held past the bound and killed (err says so). */
int pe_reaper_watch_check(struct pe_reaper_watch *w, int *status,
			  struct pe_error *err);
/* A signal for the session (SIGINT, SIGTERM...): to the command. */
void pe_reaper_watch_forward(struct pe_reaper_watch *w, int sig);

/* Forward the signals of waitset (SIGCHLD aside) and wait for the session
 * with the bounds above: the exit code to pass on, or -1 (err). */
int pe_reaper_wait(struct pe_reaper_watch *w, const sigset_t *waitset,
		   struct pe_error *err);

#endif
