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
