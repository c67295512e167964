/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter [OPTIONS] PATTERN --each -- COMMAND [ARG]...
 *
 * The command in every pod PATTERN matches, at once: one session per pod
 * (src/lib/session.c, the same path as entering one), run by the --each
 * runner (src/lib/each.c) in a child of its own, with stdin on /dev/null;
 * every line they print prefixed with "NS/POD: ", then a summary on
 * stderr. The exit status is 0 when every command exited 0, else the
 * highest status among the pods (125 for a pod podenter could not run it
 * in, or did not start because of an interrupt).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/each.h"
#include "podenter/session.h"
#include "podenter/target.h"

struct each_ctx {
	const struct pe_session_opts *so;
	const struct pe_hostroot *hr;
	const struct pe_resolved *pods;
};

/* In the job's child: the session, or why this pod has none. Errors go to
 * its stderr, so they come out with the pod's prefix. */
static int each_session(void *ctx, size_t i)
{
	const struct each_ctx *x = ctx;
	const struct pe_resolved *p = &x->pods[i];
	struct pe_error err;
	int rc;

	if (!p->ok) {
		cli_print_error(&p->err);
		return pe_error_exit_code(&p->err, 0);
	}
	pe_error_clear(&err);
	rc = pe_session_run(x->so, &p->c, x->hr, &err);
	if (rc < 0) {
		cli_print_error(&err);
		rc = pe_error_exit_code(&err, 0);
	}
	fflush(NULL);
	return rc;
}

static const char *container_of(const struct pe_resolved *p)
{
	if (!p->ok)
		return NULL;
	return p->c.container ? p->c.container : "sandbox";
}

/* One line per pod that did not succeed, after a count. */
static int summary(const struct pe_resolved *pods,
		   const struct pe_each_job *jobs, size_t n, bool interrupted)
{
	size_t ok = 0;
	int worst = 0;

	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state == PE_EACH_EXITED && jobs[i].status == 0)
			ok++;
		if (jobs[i].status > worst)
			worst = jobs[i].status;
	}
	fprintf(stderr, "podenter: %zu pod%s: %zu succeeded, %zu failed%s\n", n,
		n == 1 ? "" : "s", ok, n - ok,
		interrupted ? " (interrupted)" : "");
	for (size_t i = 0; i < n; i++) {
		const char *cname = container_of(&pods[i]);

		if (jobs[i].state == PE_EACH_EXITED && jobs[i].status == 0)
			continue;
		fprintf(stderr, "podenter:   %s/%s%s%s%s: ", pods[i].namespace,
			pods[i].pod, cname ? " (" : "", cname ? cname : "",
			cname ? ")" : "");
		switch (jobs[i].state) {
		case PE_EACH_NOT_STARTED:
			fputs("not started\n", stderr);
			break;
		case PE_EACH_TIMED_OUT:
			fprintf(stderr, "timed out (exit %d)\n",
				jobs[i].status);
			break;
		case PE_EACH_EXITED:
			fprintf(stderr, "exit %d\n", jobs[i].status);
			break;
		}
	}
	return worst;
}

int cli_each(const struct cli_common *co, const struct pe_hostroot *hr,
	     const char *target, const struct pe_session_opts *so,
	     const struct cli_each *eo)
{
	struct pe_resolve_opts ro = { .container = co->container,
				      .include_sandboxes = co->all };
	struct pe_resolved *pods = NULL;
	struct pe_each_job *jobs = NULL;
	char(*prefixes)[520] = NULL;
	struct each_ctx x = { .so = so, .hr = hr };
	struct pe_each_opts eopts = {
		/* on a terminal, a pod's \r or escape sequence must not
		 * overwrite another pod's prefix */
		.escape_controls = { !eo->no_prefix && isatty(STDOUT_FILENO),
				     !eo->no_prefix && isatty(STDERR_FILENO) },
		.max_parallel = eo->max_parallel,
		.timeout_ms = eo->timeout_s * 1000U,
		.out_fd = STDOUT_FILENO,
		.err_fd = STDERR_FILENO,
		.run = each_session,
		.ctx = &x,
	};
	struct pe_target t;
	struct pe_error err;
	size_t n = 0;
	bool interrupted = false;
	int rc = PE_EXIT_FAILURE;

	pe_error_clear(&err);
	if (pe_target_parse(target, co->namespace, &t, &err) < 0 ||
	    pe_resolve_each(hr, &t, &ro, &pods, &n, &err) < 0) {
		cli_print_error(&err);
		return pe_error_exit_code(&err, 0);
	}
	jobs = calloc(n, sizeof(*jobs));
	prefixes = calloc(n, sizeof(*prefixes));
	if (!jobs || !prefixes) {
		fputs("podenter: out of memory\n", stderr);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(prefixes[i], sizeof(prefixes[i]),
			 "%s/%s: ", pods[i].namespace, pods[i].pod);
		jobs[i].prefix = eo->no_prefix ? NULL : prefixes[i];
	}
	x.pods = pods;
	fflush(NULL);
	if (pe_each_run(&eopts, jobs, n, &interrupted, &err) < 0) {
		cli_print_error(&err);
		goto out;
	}
	rc = summary(pods, jobs, n, interrupted);
out:
	free(prefixes);
	free(jobs);
	pe_resolved_free(pods, n);
	return rc;
}
