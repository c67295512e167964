/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiled seccomp filters, kept between sessions. Building podenter's
 * runtime-default filter with libseccomp costs about 8 ms in every session
 * (rule insertion, the binary-tree layout, BPF generation), while its inputs
 * (the profile, the capability set, the architecture, what of the kernel
 * the profile looks at, the library and the podenter binary) rarely change. The
 * BPF is exported once into /run/podenter/seccomp/<key>.bpf (root-only
 * directory) and later sessions load it as it is. Any doubt about a cached file
 * (owner, mode, size) means the filter is built again; the cache is only ever
 * an optimisation.
 */
#ifndef PODENTER_BPFCACHE_H
#define PODENTER_BPFCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "podenter/error.h"

struct pe_bpf {
	void *insns; /* struct sock_filter[len] */
	size_t len;
};

/* The key for a filter described by `what` (profile, capabilities, the
 * profile file's digest...), plus what else decides the BPF: podenter's
 * binary (device, inode, size, mtime), libseccomp's version, the arch. */
void pe_bpf_cache_key(const char *what, char key[65]);

/* A cached program, or false (missing, or not to be trusted). */
bool pe_bpf_cache_get(const char *key, struct pe_bpf *out);

/* Store a program; failures are silent (the next session builds again). */
void pe_bpf_cache_put(const char *key, const struct pe_bpf *prog);

/* A libseccomp filter (scmp_filter_ctx) as BPF. */
int pe_bpf_export(void *scmp_ctx, struct pe_bpf *out, struct pe_error *err);

/*
 * What pe_bpf_load gives the kernel: the program behind one load of the
 * instruction pointer, a value nothing uses (the program's own first load
 * replaces it). When a filter is attached, the kernel runs it for every
 * system call number of every architecture to find those it always allows
 * (its action cache, seccomp_cache_prepare); a load of anything but the
 * number or the architecture ends that at once. The cache cost every
 * session about 35 us for the command's filter and 25 us for the reaper's;
 * without it an allowed call runs the JITed filter, a handful of
 * instructions. Jumps are relative: the program behind the new first
 * instruction is unchanged. -1 + errno (E2BIG, ENOMEM).
 */
int pe_bpf_uncached(const struct pe_bpf *in, struct pe_bpf *out);

/* Install the program in this thread (no_new_privs or CAP_SYS_ADMIN). */
int pe_bpf_load(const struct pe_bpf *prog, struct pe_error *err);

void pe_bpf_free(struct pe_bpf *prog);

#endif
