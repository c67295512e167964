/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A debug session: the one way into a pod, used by every subcommand that
 * runs something there.
 *
 * Two steps. pe_session_plan() is pure: from what the caller asked for and
 * what pinning found out about the target, it decides which namespaces are
 * joined, how the session's files are built (mount mode, view, tools), who
 * the command runs as, where, with which environment and which stdio. The
 * plan is made once and never rewritten. pe_session_run() then carries it
 * out in privilege phases, in the order of the trusted runtimes (see
 * session.c and the security notes): non-dumpable, pin, host-side handles
 * (audit, cgroup, the pty), view, then a stage in the node's PID namespace
 * joins, reads what the session needs and drops every host handle before
 * forking the session into the pod's PID namespace, which drops its
 * privileges and executes; podenter copies the stdio and passes the exit
 * status through.
 *
 * The library prints nothing: errors come back in a struct pe_error, or,
 * from processes that never return to the caller (the session's child),
 * through the report hook.
 */
#ifndef PODENTER_SESSION_H
#define PODENTER_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "podenter/cgroupjoin.h"
#include "podenter/container.h"
#include "podenter/copy.h"
#include "podenter/error.h"
#include "podenter/exec.h"
#include "podenter/hostroot.h"
#include "podenter/nsjoin.h"
#include "podenter/sandbox.h"
#include "podenter/tools.h"
#include "podenter/view.h"

/* The command run when the caller gives none. */
#define PE_SESSION_SHELL "/bin/sh"

/* What the caller asked for (the CLI's options, parsed once). */
struct pe_session_opts {
	pe_ns_set chosen; /* 0: the default set for the target */
	bool net_only; /* only the network namespace, the node's files */
	const char *user; /* NULL (root), "target" or NAME|UID[:GROUP|GID] */
	const char *const *group_add; /* --group-add GROUP|GID, in order */
	size_t n_group_add;
	const char *wd; /* NULL (default), "target" or a path */
	bool env_from_target;
	char *const *env_add; /* -e KEY=VAL, in order */
	size_t n_env_add;
	const char *view; /* --view NAME (NULL: the config's, or automatic) */
	const char *tools; /* --tools SOURCE */
	bool rw; /* --rw: /target writes reach the container */
	const struct pe_sandbox *sandbox; /* prepared (pe_sandbox_prepare) */
	bool force_tty; /* -t */
	bool no_tty; /* --no-tty */
	bool no_stdin; /* --no-stdin: the session reads end-of-file */
	bool stdin_is_tty; /* isatty(0), as the caller found it */
	const char *audit_log; /* --audit-log FILE, or NULL */
	enum pe_cgroup_place cgroup_place; /* --join-cgroup */
	bool follow_context; /* the target's LSM label */
	char **command; /* NULL: PE_SESSION_SHELL */
	const struct pe_config *config; /* podenter.conf, loaded once */
	/* podenter copy (copy.h): the session runs in a copy of this
	 * container's definition beside the pod, the target being the pod's
	 * sandbox; NULL for every other verb */
	const struct pe_copy *copy;

	/* The caller's sinks; the library prints nothing itself. */
	/* An error in a process that never returns to the caller (the
	 * session's child): print it, the process exits after. */
	void (*report)(const struct pe_error *err);
	/* A note for the operator ("tools: host (/)"); NULL: quiet. */
	void (*note)(const char *msg);
	/* In the reaper, once the command executed: wipe the command line
	 * the pod can read (may be NULL). */
	void (*hide_cmdline)(void);
};

/* How the session's mount namespace is made. */
enum pe_mount_mode {
	PE_MOUNT_NONE = 0, /* the caller's own (no mnt, net or pid joined) */
	PE_MOUNT_HOST_COPY, /* a slave copy of the node's (--net-only) */
	PE_MOUNT_OWN_COPY, /* a private copy of the target's own */
	PE_MOUNT_VIEW, /* a view built by view.c (tools beside the pod) */
};

enum pe_session_user {
	PE_USER_ROOT = 0, /* uid 0 (no --user) */
	PE_USER_NOBODY, /* --profile restricted without --user: 65534:65534 */
	PE_USER_SPEC, /* --user NAME|UID[:GROUP|GID]: plan.user_spec */
	PE_USER_TARGET, /* --user target: the target's, read when run */
};

/* How the command's fds 0-2 are made. Never the caller's own: a pod
 * process could reopen them through /proc/<session>/fd (the operator's
 * output file, for writing). */
enum pe_session_stdio {
	PE_STDIO_PIPES = 0, /* pipes podenter copies through */
	PE_STDIO_PTY, /* a fresh pty from the node's devpts, proxied */
};

struct pe_session_plan {
	pe_ns_set join; /* joined by setns, user namespace excluded */
	bool join_user; /* joined in the child, last */
	bool pid_joined; /* the command runs in the target's PID ns */
	enum pe_mount_mode mount;
	bool own_files; /* the command runs in the target's own files */
	/* PE_MOUNT_VIEW */
	enum pe_view_kind view;
	const char *tools; /* tools source to resolve (NULL: automatic) */
	/* who */
	enum pe_session_user user;
	/* resolved when run, in the passwd and group files the command sees
	 * (passwd.h); NULL: root */
	const char *user_spec;
	/* where: wd, or the target's own cwd when wd_target */
	bool wd_target;
	char wd[PATH_MAX];
	/* the environment: the allowlist, the container's configured one
	 * (without loader variables for node binaries), the target's (only
	 * in its own files), the view's PATH element, then -e settings;
	 * HOME, USER, LOGNAME from the passwd file when run */
	bool env_from_target;
	enum pe_session_stdio stdio;
	/* --no-stdin: podenter never reads its own stdin, the session's is a
	 * pipe at end-of-file (as ssh -n) */
	bool stdin_closed;
	char *const *argv; /* the command */
	/* podenter copy: the copy's root (a container view of the
	 * definition, copy.h), joined to the sandbox's IPC, UTS and (unless
	 * new_net) network namespaces, in a PID namespace of its own unless
	 * the pod's is joined; the spec's user and working directory unless
	 * the caller chose others */
	bool copy;
	bool new_pid; /* unshare a PID namespace before the session's fork */
	bool new_net; /* unshare a network namespace: loopback only */
	char copy_user[32]; /* "UID:GID" from the spec */
};

/*
 * Decide the session. Pure: reads nothing but its arguments (pin supplies
 * the target's and the caller's namespace inodes; nothing is opened through
 * it). A USAGE error for combinations that cannot work, UNSUPPORTED when a
 * wanted namespace is missing.
 */
int pe_session_plan(const struct pe_session_opts *o,
		    const struct pe_container *target, const struct pe_pin *pin,
		    struct pe_session_plan *plan, struct pe_error *err);

/*
 * Enter target (resolved, not yet pinned) and run the command there until
 * it ends. Returns its exit code (0-255, 128+N for signal N), or -1 with
 * err when podenter itself failed before the command ran (errors of the
 * stage or the session's process went to the report hook; their exit code
 * is returned). The caller must leave with _exit() afterwards: its process
 * may be in a view's mount namespace.
 */
int pe_session_run(const struct pe_session_opts *o,
		   const struct pe_container *target,
		   const struct pe_hostroot *hr, struct pe_error *err);

#endif
