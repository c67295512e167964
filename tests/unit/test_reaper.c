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
#include <string.h>
#include <sys/socket.h>
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

/*
 * A fake reaper sends, on the watch's channel, what a pod that took the
 * reaper over could: the pidfd of its own child (the real command's case),
 * of a process that is not its child, or a file that is no pidfd at all.
 * podenter keeps the first only (signals it forwards go there).
 */
enum sent { SENT_OWN_CHILD, SENT_BYSTANDER, SENT_PIPE };

static void send_fd(int channel, int fd)
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

	memset(&control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(channel, &msg, MSG_NOSIGNAL) != 1)
		_exit(3);
}

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &waitset, NULL);
		for (;;)
			pause();
	}
	return pid;
}

static bool kept_after_sending(enum sent what)
{
	struct pe_reaper_watch w = PE_REAPER_WATCH_INIT;
	struct pe_error err;
	pid_t bystander, reaper;
	bool kept;

	pe_error_clear(&err);
	assert_int_equal(pe_reaper_watch_open(&w, &err), 0);
	bystander = sleeper();
	assert_true(bystander > 0);
	reaper = fork();
	if (reaper == 0) {
		int p[2], fd = -1;
		pid_t child = sleeper();

		close(w.channel);
		if (what == SENT_OWN_CHILD)
			fd = pe_sys_pidfd_open(child, 0);
		else if (what == SENT_BYSTANDER)
			fd = pe_sys_pidfd_open(bystander, 0);
		else if (pipe(p) == 0)
			fd = p[0];
		if (fd < 0)
			_exit(2);
		send_fd(w.reaper_end, fd);
		close(w.reaper_end);
		/* stays, with its child, until the test is done */
		sigprocmask(SIG_UNBLOCK, &waitset, NULL);
		for (;;)
			pause();
	}
	assert_true(reaper > 0);
	pe_reaper_watch_started(&w, reaper);
	for (int i = 0; i < 500 && w.channel >= 0; i++) {
		int st;

		assert_int_equal(pe_reaper_watch_check(&w, &st, &err), 0);
		if (w.channel >= 0)
			usleep(10000);
	}
	assert_true(w.channel < 0); /* received */
	kept = w.cmd_pidfd >= 0;
	if (kept && what == SENT_OWN_CHILD) {
		struct pe_pidfd_info info;

		assert_int_equal(pe_sys_pidfd_info(w.cmd_pidfd, &info), 0);
		assert_int_equal((pid_t)info.ppid, reaper);
	}
	kill(reaper, SIGKILL);
	kill(bystander, SIGKILL);
	waitpid(reaper, NULL, 0);
	waitpid(bystander, NULL, 0);
	pe_reaper_watch_close(&w);
	return kept;
}

static void test_only_a_pidfd_of_the_reapers_child_is_kept(void **state)
{
	struct pe_pidfd_info info;
	int self = pe_sys_pidfd_open(getpid(), 0);

	(void)state;
	/* a kernel that cannot tell (before 6.13) keeps none: not tested */
	if (self < 0 || pe_sys_pidfd_info(self, &info) < 0) {
		if (self >= 0)
			close(self);
		skip();
	}
	close(self);
	assert_true(kept_after_sending(SENT_OWN_CHILD));
	assert_false(kept_after_sending(SENT_BYSTANDER));
	assert_false(kept_after_sending(SENT_PIPE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_reaper_is_resumed),
		cmocka_unit_test(test_reaper_held_past_the_grace),
		cmocka_unit_test(test_signal_goes_to_the_command),
		cmocka_unit_test(
		    test_only_a_pidfd_of_the_reapers_child_is_kept),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
