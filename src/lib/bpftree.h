/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A seccomp allowlist's unconditional part as ranges of system call numbers,
 * in front of a libseccomp program that keeps the rest.
 *
 * Why: the kernel JIT-compiles a filter when it is loaded, in every session,
 * at about 0.13 us per instruction on this kind of machine. libseccomp writes
 * one comparison per allowed system call and architecture (the
 * runtime-default allowlist was 987 instructions, 150 us per load), while
 * the allowed numbers are mostly consecutive: written as a binary search over
 * runs of allowed numbers the same allowlist needs a fraction of that
 * (485 instructions for this machine's session filter; with the search's
 * leaves shared, bpftree.c's "folded search", 322 and 100 us per load, of
 * which about a third is the kernel's per-number action cache, not the
 * length).
 *
 * The prefix only ever answers ALLOW, for a number that is in an
 * architecture's set; everything else (another number, an unknown
 * architecture, a call whose arguments matter) goes on to the libseccomp
 * program, unchanged. So the whole filter allows exactly what the libseccomp
 * program allows once it also holds the sets' rules (tests/unit/test_bpftree.c
 * compares the two on every number).
 */
#ifndef PODENTER_BPFTREE_H
#define PODENTER_BPFTREE_H

#include <stddef.h>
#include <stdint.h>

#include "bpfcache.h"

/* The numbers one architecture (its AUDIT_ARCH_* value) always allows. */
struct pe_bpf_allowset {
	uint32_t audit_arch;
	uint32_t *nrs; /* any order, duplicates allowed */
	size_t n;
	/* numbers allowed unless the low 32 bits of argument checked_arg are
	 * one of denied_low32[] (ioctl's TIOCSTI...): those go on to the rest
	 * (at most 250 values) */
	uint32_t *checked_nrs;
	size_t n_checked;
	unsigned int checked_arg;
	const uint32_t *denied_low32;
	size_t n_denied;
};

/*
 * out = the range prefix for sets[0..n_sets) followed by rest (the libseccomp
 * program). 0, or -1 with errno (ENOMEM, E2BIG: longer than the kernel takes).
 */
int pe_bpf_allowset_prepend(const struct pe_bpf_allowset *sets, size_t n_sets,
			    const struct pe_bpf *rest, struct pe_bpf *out);

#endif
