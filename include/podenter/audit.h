/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail of debug sessions: who entered what, when, how, and how
 * it ended. Each session writes a "session-start" record before any
 * namespace is joined and a "session-end" record with the exit status and
 * duration, as one JSON object per line, to syslog (LOG_AUTHPRIV, which
 * journald collects) and, when configured, appended to a file. A configured
 * file that cannot be written stops the session before it starts.
 */
#ifndef PODENTER_AUDIT_H
#define PODENTER_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "podenter/error.h"

struct pe_audit_record {
	/* who */
	uid_t uid;
	long long loginuid; /* -1 when unset */
	char tty[64]; /* the caller's terminal, "" for none */
	pid_t podenter_pid;
	/* what */
	const char *namespace, *pod, *container, *container_id, *runtime;
	pid_t target_pid;
	char namespaces[128]; /* "net,pid,..." joined */
	const char *view, *tools, *profile, *seccomp, *user;
	char capabilities[1024];
	bool no_new_privs;
	bool tty_allocated;
	const char *cgroup; /* --join-cgroup: pod, container, host */
	char *const *command; /* NULL-terminated */
};

struct pe_audit {
	int fd; /* the --audit-log file, -1 when none */
	int syslog_fd; /* connected to the node's syslog socket, or -1 */
	char session[33];
	struct timespec started; /* CLOCK_MONOTONIC */
	char start_time[40]; /* RFC 3339, UTC */
	const char *syslog_path; /* /dev/log, or the SYSLOG test hook's */
};

void pe_audit_init(struct pe_audit *a);
/* The caller's identity: uid, login uid, tty, pid. */
void pe_audit_fill_caller(struct pe_audit_record *r);
/* Open the sinks while podenter still sees the node's files (before any
 * view or mount namespace): connect to the syslog socket (none is fine)
 * and open the JSON lines file (append, created 0600, never through a
 * symlink; NULL or "" means no file). The records go through these fds
 * later, from wherever podenter is by then. */
int pe_audit_open(struct pe_audit *a, const char *path, struct pe_error *err);
/* The start record; fails only when the file cannot be written. */
int pe_audit_start(struct pe_audit *a, const struct pe_audit_record *r,
		   struct pe_error *err);
/* The end record: exit status (as podenter exits) and duration. */
int pe_audit_end(struct pe_audit *a, const struct pe_audit_record *r,
		 int exit_status, struct pe_error *err);
void pe_audit_close(struct pe_audit *a);

/* One record as a JSON text without newline (malloc'd), for both sinks and
 * the unit tests. exit_status < 0 and duration_ms < 0 leave them out. */
char *pe_audit_json(const struct pe_audit *a, const struct pe_audit_record *r,
		    const char *event, int exit_status, long long duration_ms);

#endif
