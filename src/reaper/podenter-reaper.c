/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's reaper as it runs inside the pod: a tiny static program
 * without a C library, embedded in podenter at build time and executed from
 * a sealed memfd (src/lib/reaper.c), so that what the pod can reach of it
 * (/proc/PID/exe, mem, maps) is this program and not the node's podenter.
 * It starts with CAP_KILL alone, no_new_privs and a seccomp allowlist of
 * exactly the calls below, already installed by podenter before execveat.
 *
 *   argv[1]  the command's PID (as the reaper sees it)
 *   argv[2]  the parent-death signal podenter's death raises here
 *   fd 0     thread-self/children of a procfs instance of its own
 *
 * The signals to wait for are the ones blocked across execve: the ones
 * podenter forwards, SIGCHLD and the parent-death signal. See reaper.h.
 */
#include <asm/unistd.h>

#define REAPER_FAILED 125 /* podenter's own failure */
#define CHILDREN_FD 0
#define SIG_KILL 9
#define SIG_CHLD 17
#define W_NOHANG 1
#define W_ALL 0x40000000
#define E_INTR 4
#define E_CHILD 10
#define PR_DUMPABLE 4
#define PR_NAME 15

#if defined(__x86_64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call reaper_main\n"
	"	hlt\n");

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	bl reaper_main\n"
	"	brk #0\n");

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
// cppcheck-suppress preprocessorErrorDirective
#error "podenter-reaper: no system call stub for this architecture"
#endif

static long sys(long n, long a, long b, long c, long d)
{
	return sys6(n, a, b, c, d, 0, 0);
}

/* a compiler may emit calls to these even in a freestanding program */
void *memset(void *dst, int c, unsigned long n);
void *memset(void *dst, int c, unsigned long n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

static long parse_long(const char *s, const char **end)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (end)
		*end = s;
	return v;
}

static void __attribute__((noreturn)) leave(int code)
{
	for (;;)
		sys(__NR_exit_group, code, 0, 0, 0);
}

static int exit_code_of(int status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff; /* exited */
	if ((status & 0x7f) != 0x7f)
		return 128 + (status & 0x7f); /* killed by a signal */
	return REAPER_FAILED;
}

static void reap(long pid)
{
	int st;

	while (sys(__NR_wait4, pid, (long)&st, W_ALL, 0) == -E_INTR)
		;
}

/* Kill and reap every child listed; how many were listed. */
static int kill_listed(const char *p)
{
	int listed = 0;

	while (*p) {
		const char *end;
		long pid = parse_long(p, &end);

		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (pid <= 0)
			continue;
		sys(__NR_kill, pid, SIG_KILL, 0, 0);
		reap(pid);
		listed++;
	}
	return listed;
}

/* Each round kills the children listed; their own children are then
 * re-parented to us (a child subreaper) and listed in the next one. */
static void kill_descendants(void)
{
	static char buf[8192];
	int st;

	for (int round = 0; round < 4096; round++) {
		long n = sys6(__NR_pread64, CHILDREN_FD, (long)buf,
			      sizeof(buf) - 1, 0, 0, 0);

		if (n < 0)
			break;
		buf[n] = '\0';
		if (kill_listed(buf) == 0)
			break;
	}
	/* zombies the list no longer shows */
	while (sys(__NR_wait4, -1, (long)&st, W_NOHANG | W_ALL, 0) > 0)
		;
}

int reaper_main(long *sp);
int reaper_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	unsigned long blocked = 0;
	int status = REAPER_FAILED << 8, orphans = 1;
	long cmd, parent_died;

	/* exec made us dumpable again unless the file was unreadable to us
	 * (it is, but fs.suid_dumpable=1 would undo that): say it again */
	sys(__NR_prctl, PR_DUMPABLE, 0, 0, 0);
	sys(__NR_prctl, PR_NAME, (long)"podenter-reaper", 0, 0);
	if (sp[0] < 3)
		leave(REAPER_FAILED);
	cmd = parse_long(argv[1], 0);
	parent_died = parse_long(argv[2], 0);
	if (cmd <= 0 || parent_died <= 0 || parent_died > 64)
		leave(REAPER_FAILED);
	/* the wait set: what podenter blocked before the fork */
	if (sys(__NR_rt_sigprocmask, 0, 0, (long)&blocked, sizeof(blocked)) < 0)
		leave(REAPER_FAILED);
	blocked |= 1UL << (SIG_CHLD - 1);
	blocked |= 1UL << (parent_died - 1);
	for (;;) {
		char info[128];
		long sig = sys(__NR_rt_sigtimedwait, (long)&blocked, (long)info,
			       0, sizeof(blocked));
		int done = 0;

		if (sig == -E_INTR)
			continue;
		if (sig < 0 || sig == parent_died)
			break;
		if (sig != SIG_CHLD) {
			sys(__NR_kill, cmd, sig, 0, 0);
			continue;
		}
		for (;;) {
			int st;
			long p =
			    sys(__NR_wait4, -1, (long)&st, W_NOHANG | W_ALL, 0);

			if (p == -E_CHILD)
				orphans = 0; /* nothing is left to kill */
			if (p <= 0)
				break;
			if (p == cmd) {
				status = st;
				done = 1;
			}
		}
		if (done)
			break;
	}
	if (orphans)
		kill_descendants();
	leave(exit_code_of(status));
}
