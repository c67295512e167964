/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's reaper: nothing the session started outlives it.
 *
 * A shell in the pod may leave processes behind: `cmd &` after which the
 * shell exits, `nohup`, `setsid`, a daemon that double-forks. Orphans are
 * re-parented to the pod's init and would keep running in the pod after the
 * session ended, or after podenter itself was killed. So the forked session
 * process splits in two, in the target's PID namespace: the reaper (podenter
 * code, a child subreaper, holding no fd) and the command under it. Every
 * orphan of the session is re-parented to the reaper. When the command
 * exits, the reaper kills what is left of the session and exits with the
 * command's status; when podenter dies, the reaper is told (a parent-death
 * signal it catches) and does the same. Only a SIGKILL of the reaper itself,
 * from inside the pod, lets orphans escape to the pod's init.
 */
#ifndef PODENTER_REAPER_H
#define PODENTER_REAPER_H

#include <signal.h>
#include <sys/types.h>

#include "podenter/error.h"

/* The session's command: runs in the reaper's child, must execute or
 * _exit(), never return. reaper: the reaper's PID as the command sees it
 * (its parent: compare getppid() after arming a parent-death signal). */
typedef void (*pe_session_command)(void *arg, pid_t reaper);

/*
 * Become the session's reaper and start command(arg) in a child of it.
 * The caller has `forward` blocked (the signals podenter passes on,
 * SIGCHLD among them). in_reaper, when not NULL, runs in the reaper once
 * the command has executed or exited (the CLI wipes its command line
 * there: the command's argv may point into it until then). Returns
 * only when the command could not be started (-1 in err); otherwise the
 * caller is the reaper until the end and _exit()s with the command's exit
 * status, 128+N when the command died of signal N.
 */
void pe_reaper_run(const sigset_t *forward, void (*in_reaper)(void),
		   pe_session_command command, void *arg, struct pe_error *err);

/*
 * Kill every descendant of the calling process and reap them: SIGKILL to
 * each child listed in thread-self/children of a procfs instance of its
 * own (not the session's /proc, which may be the container's), again as
 * orphans are re-parented, until none is left. Returns how many were
 * killed, -1 when the list cannot be read.
 */
int pe_reaper_kill_descendants(void);

/* A wait status as a shell's exit code: the exit status, 128+N for signal
 * N, 125 (podenter's own failure) for anything else. The reaper exits with
 * it and podenter passes it on. */
int pe_exit_code_of(int status);

#endif
