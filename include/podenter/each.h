/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One command in many targets at once (`podenter PATTERN --each`).
 *
 * Each job runs in a child process of its own (a session changes the
 * namespaces of the process that runs it, so the jobs cannot share one),
 * with stdin on /dev/null and stdout/stderr on pipes this process reads.
 * Their output is passed on line by line, each line whole and with the
 * job's prefix: stdout's lines to out_fd, stderr's to err_fd, so lines of
 * different jobs never mix within a line. At most max_parallel jobs run at
 * a time. SIGINT, SIGTERM, SIGHUP and SIGQUIT received while jobs run are
 * passed to every running job, and no further job is started; every child
 * is reaped before pe_each_run() returns.
 *
 * Nothing here prints on its own: the lines written are the jobs' own.
 */
#ifndef PODENTER_EACH_H
#define PODENTER_EACH_H

#include <stdbool.h>
#include <stddef.h>

#include "podenter/error.h"

/* Jobs running at once when the caller does not say. */
#define PE_EACH_DEFAULT_PARALLEL 16
/* After --timeout's SIGTERM, how long a job has before SIGKILL. */
#define PE_EACH_KILL_GRACE_MS 5000
/* A line longer than this is passed on in pieces, each prefixed. */
#define PE_EACH_LINE_MAX 65536

/* What became of one job. */
enum pe_each_state {
	PE_EACH_NOT_STARTED = 0, /* interrupted before its turn */
	PE_EACH_EXITED, /* status is its exit code (128+N: signal N) */
	PE_EACH_TIMED_OUT, /* ended after the timeout's SIGTERM/SIGKILL */
};

struct pe_each_job {
	const char *prefix; /* written before each line; NULL or "": none */
	/* results */
	enum pe_each_state state;
	int status; /* 0-255 when it ran */
};

struct pe_each_opts {
	/* Show control characters of the jobs' lines as ^X (cat -v): for a
	 * terminal, where a pod's \r or escape sequence could otherwise move
	 * the cursor over another pod's prefix. [0] stdout, [1] stderr. */
	bool escape_controls[2];
	unsigned max_parallel; /* 0: PE_EACH_DEFAULT_PARALLEL */
	unsigned timeout_ms; /* 0: none; else SIGTERM, then SIGKILL after
				PE_EACH_KILL_GRACE_MS */
	int out_fd, err_fd; /* where the jobs' stdout and stderr lines go */
	/* Runs job i in its child (stdin /dev/null, stdout and stderr the
	 * pipes, the caller's signal mask); the child _exits with what it
	 * returns. */
	int (*run)(void *ctx, size_t i);
	void *ctx;
};

/*
 * Run every job, as described above. Returns 0 once every child is
 * reaped (the jobs' results in jobs[]; *interrupted set when a signal
 * stopped the run), or -1 with err when the run could not be set up (no
 * job is left running).
 */
int pe_each_run(const struct pe_each_opts *o, struct pe_each_job *jobs,
		size_t njobs, bool *interrupted, struct pe_error *err);

/*
 * The line splitter, on its own for tests: data of one stream appended to
 * a pending partial line; every whole line (with its '\n') is written to
 * fd with the prefix before it; a line reaching PE_EACH_LINE_MAX is
 * written as a line of its own ('\n' added). pe_linebuf_finish() writes
 * what is left as a last line with a '\n' added. Both return -1 with
 * errno when a write fails. With escape_controls, bytes below 0x20 but
 * '\t', and 0x7f, are written as ^X (the line's own '\n' ends it).
 */
struct pe_linebuf {
	char *data;
	size_t len;
	bool escape_controls;
};

int pe_linebuf_feed(struct pe_linebuf *lb, const char *prefix, int fd,
		    const char *data, size_t n);
int pe_linebuf_finish(struct pe_linebuf *lb, const char *prefix, int fd);

#endif
