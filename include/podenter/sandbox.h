/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a debug session may do once it runs: a capability profile (the
 * kubectl debug --profile names, translated to a process on the node),
 * no_new_privs, and a seccomp filter (podenter's runtime-default, none, or an
 * OCI/Docker JSON profile), plus the target's LSM label.
 *
 * Everything that can fail on bad input is done in the parent, before any
 * namespace is joined (pe_sandbox_prepare: parse, build the filter), so a bad
 * --seccomp FILE is a clear message and exit 125 with nothing left behind.
 * The child then applies the pieces in the order of security.md:
 *   pe_sandbox_set_exec_label()       LSM label via a verified procfs
 *   (groups)                           exec.c
 *   pe_sandbox_drop_bounding()         before the uid change
 *   (setgid/setuid)                    exec.c
 *   pe_sandbox_set_caps()              permitted/effective/inheritable/ambient
 *   pe_sandbox_set_no_new_privs()
 *   (close fds)                        exec.c
 *   pe_sandbox_load_seccomp()          last, right before execve
 */
#ifndef PODENTER_SANDBOX_H
#define PODENTER_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "podenter/error.h"

enum pe_profile {
	PE_PROFILE_GENERAL = 0, /* the default: container caps + SYS_PTRACE */
	PE_PROFILE_BASELINE, /* the container runtime's default caps */
	PE_PROFILE_RESTRICTED, /* non-root, no capabilities */
	PE_PROFILE_NETADMIN, /* baseline + NET_ADMIN, NET_RAW (also ambient) */
	PE_PROFILE_SYSADMIN, /* every capability, no seccomp, no NNP */
	PE_PROFILE_COUNT
};

enum pe_seccomp_mode {
	PE_SECCOMP_PROFILE_DEFAULT = 0, /* what the profile says */
	PE_SECCOMP_RUNTIME_DEFAULT,
	PE_SECCOMP_UNCONFINED,
	PE_SECCOMP_FILE,
};

/* Capabilities as a bit set: bit N is capability N (CAP_CHOWN = 0 ...). */
typedef uint64_t pe_capset;
#define PE_CAP_BIT(c) ((pe_capset)1 << (c))

struct pe_sandbox {
	enum pe_profile profile;
	pe_capset caps; /* bounding = permitted = effective */
	pe_capset ambient; /* raised only when the session is not root */
	bool no_new_privs;
	bool run_as_nonroot; /* restricted: uid 0 is refused */
	enum pe_seccomp_mode seccomp;
	const char *seccomp_file; /* PE_SECCOMP_FILE */
	void *filter; /* built libseccomp filter (scmp_filter_ctx), or NULL */
	void *bpf; /* or the same as compiled BPF (struct sock_filter[]), */
	size_t bpf_len; /* from the cache or exported once (bpfcache.c) */
};

/* "general", ... -> profile; USAGE error with the list otherwise. */
int pe_profile_parse(const char *name, enum pe_profile *out,
		     struct pe_error *err);
const char *pe_profile_name(enum pe_profile p);

/* The profile's settings, without any filter yet. */
void pe_sandbox_init(struct pe_sandbox *sb, enum pe_profile p);

/* "NET_ADMIN", "cap_net_admin", "net_admin" or "ALL" -> set. */
int pe_cap_parse(const char *name, pe_capset *out, struct pe_error *err);
/* A comma-separated list of the above. */
int pe_cap_parse_list(const char *list, pe_capset *out, struct pe_error *err);
/* "CAP_CHOWN,CAP_KILL" into buf ("" for none). */
void pe_capset_format(pe_capset set, char *buf, size_t size);
/* Every capability this kernel knows (0 .. CAP_LAST_CAP). */
pe_capset pe_capset_all(void);

/* --cap-add / --cap-drop: drop also removes from the ambient set. */
void pe_sandbox_cap_add(struct pe_sandbox *sb, pe_capset add);
void pe_sandbox_cap_drop(struct pe_sandbox *sb, pe_capset drop);

/* "runtime-default" | "unconfined" | a path to a JSON profile. */
int pe_sandbox_set_seccomp(struct pe_sandbox *sb, const char *spec,
			   struct pe_error *err);

/*
 * Build the seccomp filter now (in the parent): podenter's runtime-default,
 * or the JSON file read and translated, with caps-conditional rules decided
 * by sb->caps. A malformed file is a PARSE error naming the file and field.
 */
int pe_sandbox_prepare(struct pe_sandbox *sb, struct pe_error *err);

/* Translate a JSON profile held in buf (the file reader's core, exposed for
 * the unit tests and fuzz/fuzz_seccomp_profile.c). On success *filter is a
 * scmp_filter_ctx owned by the caller (pe_seccomp_filter_free). */
int pe_seccomp_from_json(const char *buf, const char *origin, pe_capset caps,
			 void **filter, struct pe_error *err);
/*
 * podenter's runtime-default filter for a session holding caps: the
 * container runtimes' default profile (an allowlist; anything else gets
 * EPERM) plus the denial of ioctl TIOCSTI and TIOCLINUX.
 */
int pe_seccomp_runtime_default(pe_capset caps, void **filter,
			       struct pe_error *err);
/* The same filter as BPF (struct pe_bpf, src/lib/bpfcache.h), its
 * unconditional allows written as ranges of numbers (src/lib/bpftree.h):
 * what every session loads. */
struct pe_bpf;
int pe_seccomp_runtime_default_bpf(pe_capset caps, struct pe_bpf *out,
				   struct pe_error *err);

/* What runtime-default's table says of one system call, by name. */
enum pe_syscall_verdict {
	PE_SYSCALL_DENIED = 0, /* EPERM (also any name not in the table) */
	PE_SYSCALL_ALLOWED,
	PE_SYSCALL_SOME_ARGS, /* allowed for some argument values only */
	PE_SYSCALL_ENOSYS, /* clone3 without CAP_SYS_ADMIN */
};
enum pe_syscall_verdict pe_seccomp_runtime_default_verdict(const char *name,
							   pe_capset caps);
void pe_seccomp_filter_free(void *filter);

void pe_sandbox_release(struct pe_sandbox *sb);

/* --- the child's steps, in order ----------------------------------------- */

/*
 * Write the target's LSM label (AppArmor profile or SELinux context, read
 * from /proc/<pid>/attr/current of the pinned target through target_procfd)
 * to /proc/thread-self/attr/exec of a procfs that is verified to be one
 * (PROC_SUPER_MAGIC and its root inode), so it applies at execve. Returns 0
 * and does nothing when no LSM is active or the target is unconfined;
 * writes what it applied into label (may be NULL).
 */
int pe_sandbox_set_exec_label(int target_procfd, int host_procfd, char *label,
			      size_t size, struct pe_error *err);

/* The two halves of it, for a caller that reads the label on the host
 * side and writes it later in another process: the text to write to
 * attr/exec ("" when there is none), and the write through procfd (any
 * procfs verified to be one, e.g. a private instance). */
int pe_sandbox_read_label(int target_procfd, char *attr, size_t size,
			  struct pe_error *err);
int pe_sandbox_write_exec_label(int procfd, const char *attr,
				struct pe_error *err);

/* The calling thread's bounding set, read from the kernel (one prctl() per
 * capability it knows). */
pe_capset pe_sandbox_read_bounding(void);

/* Drop every capability outside sb->caps from the bounding set, and keep the
 * permitted set across the coming setuid (PR_SET_KEEPCAPS). *bounding is
 * the bounding set as it is now (pe_sandbox_read_bounding, or what an
 * earlier drop of this process or its parent left: it is inherited) and
 * becomes what it is after; only what it holds is dropped. It must not
 * lack a capability the kernel still holds (that one would stay); one too
 * many costs a drop for nothing. */
int pe_sandbox_drop_bounding(const struct pe_sandbox *sb, pe_capset *bounding,
			     struct pe_error *err);

/* After setuid: permitted = effective = sb->caps within bounding (the
 * bounding set as pe_sandbox_drop_bounding left it), inheritable empty
 * unless ambient capabilities are needed (non-root), ambient =
 * sb->ambient. */
int pe_sandbox_set_caps(const struct pe_sandbox *sb, pe_capset bounding,
			struct pe_error *err);

int pe_sandbox_set_no_new_privs(const struct pe_sandbox *sb,
				struct pe_error *err);

/* Load the prepared filter (nothing when unconfined). Call last. */
int pe_sandbox_load_seccomp(const struct pe_sandbox *sb, struct pe_error *err);

#endif
