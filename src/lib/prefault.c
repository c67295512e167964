/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stack, heap and writable segment made present at start, and again once
 * the session's processes executed (prefault.h). */
#include "config.h"

#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"
#include "syscalls.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* What pe_prefault_process made present, for pe_prefault_again. */
static struct {
	uintptr_t page, stack_from, stack_to, heap_from, heap_to;
} made;

static void populate(uintptr_t from, uintptr_t to)
{
	/* a failure leaves the pages to fault in as before */
	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
}

/* The program's writable segment (.data.rel.ro, .data, .bss), pages
 * rounded, from its own ELF header (__ehdr_start: hidden, so reached
 * relative to the code, relocated or not); with relro_done, without the
 * part the C library made read-only once relocated (PT_GNU_RELRO, its end
 * rounded down as glibc's _dl_protect_relro does). 0, 0 when there is
 * none. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

static inline __attribute__((always_inline)) void
writable_segment(uintptr_t page, bool relro_done, uintptr_t *from,
		 uintptr_t *to)
{
	const char *base = (const char *)&__ehdr_start;
	const ElfW(Phdr) *ph =
	    (const ElfW(Phdr) *)(base + __ehdr_start.e_phoff);
	uintptr_t relro_end = 0;

	*from = *to = 0;
	for (unsigned int i = 0; i < __ehdr_start.e_phnum; i++) {
		uintptr_t start = (uintptr_t)base + ph[i].p_vaddr;
		uintptr_t end = start + ph[i].p_memsz;

		if (ph[i].p_type == PT_GNU_RELRO && relro_done)
			relro_end = end & ~(page - 1);
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W) || *to)
			continue;
		*from = start & ~(page - 1);
		*to = (end + page - 1) & ~(page - 1);
	}
	if (relro_end > *from)
		*from = relro_end;
}

/* The stack: the page of this frame and PE_PREFAULT_STACK below it. The
 * kernel maps 128 KiB below the arguments at exec (setup_arg_pages), so
 * the range is mapped unless the stack limit is smaller (then ENOMEM). */
static __attribute__((noinline)) void populate_stack(uintptr_t page)
{
	volatile char here = 0;
	uintptr_t top = ((uintptr_t)&here & ~(page - 1)) + page;

	made.stack_from = top - page - PE_PREFAULT_STACK;
	made.stack_to = top;
	populate(made.stack_from, made.stack_to);
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
	if (to > from && to - from <= PE_PREFAULT_HEAP_MAX) {
		made.heap_from = from;
		made.heap_to = to;
		populate(from, to);
	}
}

void pe_prefault_process(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		return;
	made.page = (uintptr_t)page;
	populate_stack(made.page);
	populate_heap(made.page);
}

void pe_prefault_again(void)
{
	uintptr_t from, to;

	if (!made.page)
		return;
	populate(made.stack_from, made.stack_to);
	populate(made.heap_from, made.heap_to);
	writable_segment(made.page, true, &from, &to);
	if (to - from <= PE_PREFAULT_SEGMENT_MAX)
		populate(from, to);
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
void pe_start_populate(void);
__attribute__((used, no_stack_protector)) void pe_start_populate(void)
{
	uintptr_t from, to;

	writable_segment(4096 /* x86_64 */, false, &from, &to);
	if (to > from)
		(void)pe_sys_madvise_early(from, to - from,
					   MADV_POPULATE_WRITE);
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
