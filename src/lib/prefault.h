/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pages podenter is about to write, made present in one system call
 * instead of one page fault each.
 *
 * A session writes about 50 pages of stack and heap it never touched
 * before (resolution, the plan, the view, the stage's copy of the session),
 * each a page fault. On the machines podenter is measured on (a VM: every
 * fault is an exit to the hypervisor) a first write to a fresh page costs
 * 10-11 us, and the same page made present by MADV_POPULATE_WRITE 0.6-1 us
 * (docs/benchmarks-attach.md, tenth session). So podenter populates, at its
 * start, PE_PREFAULT_STACK of stack below main's frame and the heap's first
 * extension (glibc's 128 KiB top pad): 30 page faults fewer, -0.1 to
 * -0.5 ms a session there, with the machine's state.
 *
 * A static PIE on x86_64 (configure.ac) goes further: its own entry point,
 * pe_start, populates the program's writable segment before the C library
 * relocates it (a dozen copy-on-write faults at every start, -0.26 ms to
 * main, -0.6 ms a session there: docs/benchmarks-attach.md, twelfth
 * session), then jumps to glibc's _start.
 *
 * Nothing depends on it: before Linux 5.14 (EINVAL), under a seccomp
 * profile that denies madvise, with a stack limit below the range
 * (ENOMEM), or with an allocator that is not glibc's brk heap (the
 * sanitizers'), the pages fault in as before.
 */
#ifndef PODENTER_PREFAULT_H
#define PODENTER_PREFAULT_H

/* what a session on the node harness touched, rounded up (perf, page
 * faults by address: 30-60 KiB of stack below main, 90-100 KiB of heap) */
#define PE_PREFAULT_STACK (64 * 1024)
/* more than a first extension of the heap would be another allocator */
#define PE_PREFAULT_HEAP_MAX (256 * 1024)
/* podenter's own writable segment is 40-70 KiB; a sanitizer's runtime
 * linked in makes it megabytes of shadow bookkeeping, never all touched */
#define PE_PREFAULT_SEGMENT_MAX (256 * 1024)

/* First thing in main(): populate the stack below the caller's frame and
 * the heap's first extension. */
void pe_prefault_process(void);

/*
 * In podenter once the session's processes have executed (the trace guard
 * saw both execs): fork() made every page of podenter's write-protected,
 * shared with the session's process, and each first write since costs a
 * fault (19 a session, 15-27 us each while shared). Once that process
 * executed they are podenter's alone again: the stack and heap ranges
 * populated at start (the same ones: what the heap grew by since is left
 * to fault) and the writable segment (up to PE_PREFAULT_SEGMENT_MAX) are
 * made writable in one call each, beside the command's start (about 1 us
 * a page), instead of one fault each on the way to podenter's exit
 * (docs/benchmarks-attach.md, twelfth session). (In --each's sessions,
 * forks of a process that lives on, the pages stay shared with it and are
 * copied: some 60 pages of CPU work per pod, beside the command.)
 */
void pe_prefault_again(void);

#endif
