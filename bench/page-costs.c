/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (not a test): what a page costs the first time a process
 * touches it, by how the process was made. A session's processes are forked
 * from podenter (the session's process, the command before it executes):
 * every page they read or write is a page of a new address space, where on a
 * virtual machine with shadow page tables each first touch is an exit to
 * the hypervisor even when the page is present (docs/benchmarks-attach.md,
 * fourteenth session).
 *   cc -O2 -o /tmp/page-costs bench/page-costs.c && /tmp/page-costs [PAGES]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *mem = NULL;
static long pages = 400;
static int writes;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* us per page for one pass over the pages, reading or writing each */
static double pass(void)
{
	volatile char sink = 0;
	double t = now_us();

	for (long i = 0; i < pages; i++) {
		if (writes)
			mem[i * 4096]++;
		else
			sink += mem[i * 4096];
	}
	(void)sink;
	return (now_us() - t) / (double)pages;
}

static int child(void *arg)
{
	double first = pass(), second = pass();

	printf("  %-28s first touch %6.2f us/page, again %5.3f\n",
	       (const char *)arg, first, second);
	fflush(stdout);
	return 0;
}

static void run(int flags, const char *what)
{
	static char stack[256 * 1024];
	pid_t pid;

	pid =
	    clone(child, stack + sizeof(stack), flags | SIGCHLD, (void *)what);
	if (pid < 0) {
		perror("clone");
		exit(1);
	}
	waitpid(pid, NULL, 0);
}

/* the pages mapped anew, present and written by this process only */
static int fresh(void)
{
	if (mem)
		munmap(mem, (size_t)pages * 4096);
	mem = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	for (long i = 0; i < pages; i++)
		mem[i * 4096] = 1;
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	double t;

	if (argc > 1)
		pages = atol(argv[1]);
	if (pages <= 0)
		return 1;
	for (writes = 0; writes <= 1; writes++) {
		printf("%s %ld pages the parent wrote:\n",
		       writes ? "writing" : "reading", pages);
		if (fresh() < 0)
			return 1;
		run(0, "forked child");
		if (fresh() < 0)
			return 1;
		run(CLONE_VM, "child sharing the memory");
	}
	/* the parent's own pages, write-protected by a fork */
	if (fresh() < 0)
		return 1;
	writes = 0;
	run(0, "forked child, reading");
	t = now_us();
	for (long i = 0; i < pages; i++)
		mem[i * 4096]++;
	printf("  %-28s first touch %6.2f us/page\n",
	       "parent writing, after a fork", (now_us() - t) / (double)pages);
	return 0;
}
