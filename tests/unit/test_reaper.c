/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter's side of the session's end (reaper.h), without namespaces: a
 * forked child stands for the reaper, another for the command. A stopped
 * reaper is resumed; a reaper that does not finish after the command ended
 * is killed once PE_REAPER_GRACE_MS passed; signals go to the command
 * itself, past a reaper that passes nothing on. (The start bound,
 * PE_REAPER_START_MS, is 30 s: not tested here.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "podenter/reaper.h"
#include "syscalls.h"

static sigset_t waitset;

static int setup(void **state)
{
	(void)state;
	alarm(60); /* a wait that hangs fails the test, it does not hang it */
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGTERM);
	return sigprocmask(SIG_BLOCK, &waitset, NULL);
}

static long long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* a "reaper" that never finishes */
static pid_t fork_stuck(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void test_stopped_reaper_is_resumed(void **state)
{
	struct pe_reaper_watch w = PE_REAPER_WATCH_INIT;
	struct pe_error err;
	pid_t reaper;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_reaper_watch_open(&w, &err), 0);
	reaper = fork();
	if (reaper == 0) {
		raise(SIGSTOP); /* as a pod would */
		_exit(3);
	}
	assert_true(reaper > 0);
	pe_reaper_watch_started(&w, reaper);
	assert_int_equal(pe_reaper_wait(&w, &waitset, &err), 3);
	assert_true(w.stops >= 1);
	pe_reaper_watch_close(&w);
}

/* The command ended; the reaper does not finish: killed after the grace. */
static void test_reaper_held_past_the_grace(void **state)
{
	struct pe_reaper_watch w = PE_REAPER_WATCH_INIT;
	struct pe_error err;
	struct timespec t0;
	pid_t cmd, reaper;
	long long ms;
	int st;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_reaper_watch_open(&w, &err), 0);
	cmd = fork();
	if (cmd == 0)
		_exit(0);
	assert_true(cmd > 0);
	reaper = fork_stuck();
	assert_true(reaper > 0);
	pe_reaper_watch_started(&w, reaper);
	/* what the reaper would have sent: the command's pidfd */
	w.cmd_pidfd = pe_sys_pidfd_open(cmd, 0);
	if (w.cmd_pidfd < 0) {
		kill(reaper, SIGKILL);
		waitpid(reaper, NULL, 0);
		skip(); /* no pidfd_open before Linux 5.3 */
	}
	close(w.channel); /* sent */
	w.channel = -1;
	waitpid(cmd, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pe_reaper_wait(&w, &waitset, &err), -1);
	ms = elapsed_ms(&t0);
	assert_int_equal(err.errnum, ETIMEDOUT);
	assert_true(ms >= PE_REAPER_GRACE_MS - 50);
	assert_true(ms < PE_REAPER_GRACE_MS + 1500);
	/* podenter killed and reaped it */
	assert_int_equal(waitpid(reaper, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	pe_reaper_watch_close(&w);
}

/* SIGTERM for the session reaches the command though the reaper is stuck. */
static void test_signal_goes_to_the_command(void **state)
{
	struct pe_reaper_watch w = PE_REAPER_WATCH_INIT;
	struct pe_error err;
	pid_t cmd, reaper;
	int st;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_reaper_watch_open(&w, &err), 0);
	cmd = fork();
	if (cmd == 0) {
		sigprocmask(SIG_UNBLOCK, &waitset, NULL);
		for (;;)
			pause();
	}
	assert_true(cmd > 0);
	reaper = fork_stuck();
	assert_true(reaper > 0);
	pe_reaper_watch_started(&w, reaper);
	w.cmd_pidfd = pe_sys_pidfd_open(cmd, 0);
	if (w.cmd_pidfd < 0) {
		kill(reaper, SIGKILL);
		kill(cmd, SIGKILL);
		waitpid(reaper, NULL, 0);
		waitpid(cmd, NULL, 0);
		skip();
	}
	close(w.channel); /* sent */
	w.channel = -1;
	kill(getpid(), SIGTERM); /* the operator's; blocked, in waitset */
	assert_int_equal(pe_reaper_wait(&w, &waitset, &err), -1);
	assert_int_equal(waitpid(cmd, &st, 0), cmd);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	pe_reaper_watch_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_reaper_is_resumed),
		cmocka_unit_test(test_reaper_held_past_the_grace),
		cmocka_unit_test(test_signal_goes_to_the_command),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
