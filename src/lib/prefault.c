/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stack and heap pages made present at start (prefault.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

static void populate(uintptr_t from, uintptr_t to)
{
	/* a failure leaves the pages to fault in as before */
	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
}

/* The stack: the page of this frame and PE_PREFAULT_STACK below it. The
 * kernel maps 128 KiB below the arguments at exec (setup_arg_pages), so
 * the range is mapped unless the stack limit is smaller (then ENOMEM). */
static __attribute__((noinline)) void populate_stack(uintptr_t page)
{
	volatile char here = 0;
	uintptr_t top = ((uintptr_t)&here & ~(page - 1)) + page;

	populate(top - page - PE_PREFAULT_STACK, top);
}

/* The heap: what glibc's first brk extension made (the request and its
 * 128 KiB top pad, M_TOP_PAD), from the first chunk's page to the break.
 * An allocator whose chunks are not just below the break (the
 * sanitizers') is left alone. */
static void populate_heap(uintptr_t page)
{
	void *first = malloc(1);
	uintptr_t from, to;

	if (!first)
		return;
	from = (uintptr_t)first & ~(page - 1);
	to = (uintptr_t)sbrk(0);
	free(first);
	if (to > from && to - from <= PE_PREFAULT_HEAP_MAX)
		populate(from, to);
}

void pe_prefault_process(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		return;
	populate_stack((uintptr_t)page);
	populate_heap((uintptr_t)page);
}

#ifdef PE_STATIC_ENTRY
/*
 * The static PIE's entry point (configure.ac links podenter with
 * -e pe_start on x86_64): its writable segment made present, then glibc's
 * _start with the registers and stack the kernel gave. The C library
 * relocates that segment first thing (2500 addresses written over a dozen
 * pages, a copy-on-write fault each), before main could do anything
 * about it. Populated in one call instead: a page 5-6 us rather than
 * 15-27 (prefault.h).
 *
 * What runs here runs before any of the C library's setup: no thread
 * storage (so no stack protector and no errno), nothing relocated (so
 * only addresses relative to the code: __ehdr_start, the program's own
 * ELF header, is hidden, hence reached that way). A failure (a kernel
 * before 5.14) leaves the pages to fault in as before.
 */
#include <elf.h>
#include <link.h>

#include "syscalls.h"

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

void pe_start_populate(void);
__attribute__((used, no_stack_protector)) void pe_start_populate(void)
{
	const char *base = (const char *)&__ehdr_start;
	const ElfW(Phdr) *ph =
	    (const ElfW(Phdr) *)(base + __ehdr_start.e_phoff);
	const unsigned long page = 4096; /* x86_64 */

	for (unsigned int i = 0; i < __ehdr_start.e_phnum; i++) {
		unsigned long from, to;

		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		from = ((unsigned long)base + ph[i].p_vaddr) & ~(page - 1);
		to = ((unsigned long)base + ph[i].p_vaddr + ph[i].p_memsz +
		      page - 1) &
		     ~(page - 1);
		(void)pe_sys_madvise_early(from, to - from,
					   MADV_POPULATE_WRITE);
	}
}

/* The kernel starts the process with the stack aligned for a call and
 * rdx (a function for atexit, none here) that _start reads: kept in r12,
 * which the call preserves. */
__asm__(".text\n"
	".globl pe_start\n"
	".type pe_start, @function\n"
	"pe_start:\n"
	"\tendbr64\n"
	"\tmov %rdx, %r12\n"
	"\tcall pe_start_populate\n"
	"\tmov %r12, %rdx\n"
	"\tjmp _start\n"
	".size pe_start, .-pe_start\n");
#endif
