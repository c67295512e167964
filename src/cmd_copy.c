/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter copy [OPTIONS] POD [-- COMMAND [ARG]...]
 *
 * The copy command's CLI: options in, the container and its definition
 * found (resolve.h, copy.h, recover.h), why its last run ended shown, a
 * session (src/lib/session.c) run in the copy, errors printed.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/cgroupjoin.h"
#include "podenter/copy.h"
#include "podenter/recover.h"
#include "podenter/session.h"
#include "podenter/utc.h"

enum {
	OPT_LAST_RUN = OPT_SESSION_LAST,
	OPT_NET,
	OPT_SHARE_PROCESSES,
	OPT_PRINT_COMMAND,
	OPT_HOST_PATHS,
	OPT_TAIL,
};

struct copy_opts {
	struct cli_common common;
	const char *target;
	char **command;
	bool last_run, net_none, share_processes, print_command, host_paths;
	/* --user and --wd: NULL, the container's own */
	struct cli_session_args session;
	struct pe_sandbox sandbox;
	long tail;
};

void cmd_copy_usage(FILE *out)
{
	fputs(
	    "Usage: podenter copy [OPTIONS] POD [-- COMMAND [ARG]...]\n\n"
	    "Run COMMAND (default: a shell) in a copy of one of the pod's "
	    "containers,\n"
	    "made from its definition as the runtime last started it: its "
	    "image's\n"
	    "layers (writes go to a private layer that vanishes), environment, "
	    "working\n"
	    "directory, user and groups, volumes, /etc/hosts, resolv.conf and "
	    "hostname;\n"
	    "in the pod's network, IPC and UTS namespaces, in a PID namespace "
	    "of its\n"
	    "own. For a container that crash-loops, exited or must not be "
	    "touched.\n"
	    "Shows why the last run ended and the last lines of its log.\n\n"
	    "      --last-run          start from what the last run wrote (its "
	    "writable\n"
	    "                          layer, read, never written)\n"
	    "      --net MODE          pod (default): the pod's network; none: "
	    "loopback only\n"
	    "      --share-processes   the pod's PID namespace\n"
	    "      --print-command     print the container's entrypoint and "
	    "args, and exit\n"
	    "      --host-paths        also bind mounts from outside the pod's "
	    "and the\n"
	    "                          runtime's directories (hostPath), "
	    "read-only\n"
	    "      --tail N            log lines of the last run to show "
	    "(default 10)\n"
	    "      --user SPEC         run as SPEC (default: the container's "
	    "user)\n"
	    "      --wd DIR            working directory (default: the "
	    "container's)\n"
	    "  -e, --env KEY=VALUE     add to the container's environment\n"
	    "      --tools SOURCE      tools at /.podenter (default builtin)\n"
	    "      --profile NAME, --cap-add CAPS, --cap-drop CAPS, --seccomp "
	    "WHAT,\n"
	    "  -t, --tty, --no-tty, --audit-log FILE, --join-cgroup WHERE: as "
	    "for entering\n"
	    "                          (podenter --help-enter)\n\n"
	    "Also the common options: -n, -c, --host-root, --any, -q.\n",
	    out);
}

static int parse_value_option(struct copy_opts *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case OPT_NET:
		if (strcmp(arg, "none") != 0 && strcmp(arg, "pod") != 0)
			return cli_usage_error("copy",
					       "--net '%s': expected pod or "
					       "none",
					       arg);
		o->net_none = strcmp(arg, "none") == 0;
		return 0;
	case OPT_TAIL:
		o->tail = strtol(arg, &end, 10);
		if (*end || o->tail < 0 || o->tail > 10000)
			return cli_usage_error("copy",
					       "--tail '%s': expected 0 to "
					       "10000",
					       arg);
		return 0;
	default:
		return cli_usage_error("copy", "unknown option");
	}
}

static int parse_options(int argc, char **argv, struct copy_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		CLI_SESSION_LONGOPTS,
		{ "last-run", no_argument, NULL, OPT_LAST_RUN },
		{ "net", required_argument, NULL, OPT_NET },
		{ "share-processes", no_argument, NULL, OPT_SHARE_PROCESSES },
		{ "print-command", no_argument, NULL, OPT_PRINT_COMMAND },
		{ "host-paths", no_argument, NULL, OPT_HOST_PATHS },
		{ "tail", required_argument, NULL, OPT_TAIL },
		{ NULL, 0, NULL, 0 }
	};

	/* argv[0] is "copy" */
	for (;;) {
		int before = optind;
		int opt = getopt_long(
		    argc, argv, "+" CLI_COMMON_SHORTOPTS CLI_SESSION_SHORTOPTS,
		    longopts, NULL);
		int r;

		if (opt == -1) {
			bool dashdash = optind == before + 1 &&
					strcmp(argv[before], "--") == 0;

			if (optind >= argc)
				break;
			if (!o->target) {
				o->target = argv[optind++];
				if (!dashdash)
					continue;
			}
			o->command = &argv[optind];
			break;
		}
		switch (opt) {
		case OPT_LAST_RUN:
			o->last_run = true;
			continue;
		case OPT_SHARE_PROCESSES:
			o->share_processes = true;
			continue;
		case OPT_PRINT_COMMAND:
			o->print_command = true;
			continue;
		case OPT_HOST_PATHS:
			o->host_paths = true;
			continue;
		case 'h':
			cmd_copy_usage(stdout);
			exit(EXIT_SUCCESS);
		case OPT_NET:
		case OPT_TAIL:
			r = parse_value_option(o, opt, optarg);
			if (r)
				return r;
			continue;
		default:
			break;
		}
		r = cli_session_option(&o->session, opt, optarg, "copy");
		if (r == 1)
			continue;
		if (r)
			return r;
		r = cli_common_option(&o->common, opt, optarg, "copy");
		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r == 0)
			return cli_usage_error("copy", "unknown option");
	}
	if (!o->target)
		return cli_usage_error("copy", "no POD given");
	if (o->command && !o->command[0])
		o->command = NULL;
	if (o->session.user && strcmp(o->session.user, "target") == 0)
		return cli_usage_error("copy", "--user target: a copy runs as "
					       "the container's user already");
	return 0;
}

/* The container's own entrypoint and args, quoted for a POSIX shell. */
static void print_command(const struct pe_copy_spec *spec)
{
	for (size_t i = 0; i < spec->n_args; i++) {
		const char *a = spec->args[i];

		fputs(i ? " " : "", stdout);
		if (*a &&
		    strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
			      "QRSTUVWXYZ0123456789_-./=:,@%+") == strlen(a)) {
			fputs(a, stdout);
			continue;
		}
		fputc('\'', stdout);
		for (; *a; a++)
			if (*a == '\'')
				fputs("'\\''", stdout);
			else
				fputc(*a, stdout);
		fputc('\'', stdout);
	}
	fputc('\n', stdout);
}

static void format_time(long long ns, char *buf, size_t size)
{
	if (ns <= 0 ||
	    pe_utc_format((time_t)(ns / 1000000000LL), -1, buf, size) < 0)
		snprintf(buf, size, "an unknown time");
}

/* Why the last run ended, and the last lines of its log (stderr). */
static void show_last_run(const struct copy_opts *o,
			  const struct pe_hostroot *hr,
			  const struct pe_container *c,
			  const struct pe_recovered_container *def)
{
	const char *log_path = def->log_path ? def->log_path : c->log_path;
	int restarts = def->restart_count >= 0 ? def->restart_count
		       : def->attempt >= 0     ? def->attempt
					       : c->attempt;
	char when[64], *lines = NULL;
	struct pe_error err;

	fprintf(stderr, "podenter: copy of %s/%s container %s (%.12s)",
		c->namespace ? c->namespace : "?", c->pod ? c->pod : "?",
		c->container ? c->container : "?",
		c->container_id ? c->container_id : "?");
	if (restarts >= 0)
		fprintf(stderr, ", restart count %d", restarts);
	fputc('\n', stderr);
	if (c->pid_state == PE_PID_VERIFIED) {
		fprintf(stderr, "podenter: it is running; the copy is beside "
				"it\n");
	} else if (def->has_exit) {
		format_time(def->finished_at_ns, when, sizeof(when));
		fprintf(stderr,
			"podenter: last run exited with code %d%s%s%s at %s\n",
			def->exit_code, def->reason ? " (" : "",
			def->reason ? def->reason : "", def->reason ? ")" : "",
			when);
	} else {
		fprintf(stderr, "podenter: last run: no exit recorded (never "
				"started, or the runtime died first)\n");
	}
	if (!log_path || o->tail == 0)
		return;
	pe_error_clear(&err);
	if (pe_copy_log_tail(hr, log_path, (size_t)o->tail, &lines, &err) < 0) {
		fprintf(stderr, "podenter: no log of the last run: %s\n",
			err.msg);
		return;
	}
	fprintf(stderr, "podenter: last %ld lines of %s:\n", o->tail, log_path);
	for (char *line = lines, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		fprintf(stderr, "  | %s\n", line);
	}
	free(lines);
}

static int run_copy(const struct copy_opts *o, const struct pe_config *cfg,
		    const struct pe_hostroot *hr, struct pe_copy *cp,
		    const struct pe_container *sandbox)
{
	struct pe_session_opts so = {
		.user = o->session.user,
		.wd = o->session.wd,
		.env_add = o->session.env_add,
		.n_env_add = o->session.n_env_add,
		.tools = o->session.tools,
		.sandbox = &o->sandbox,
		.force_tty = o->session.force_tty,
		.no_tty = o->session.no_tty,
		.stdin_is_tty = isatty(STDIN_FILENO),
		.audit_log = o->session.audit_log,
		.cgroup_place = o->session.cgroup_place,
		.command = o->command,
		.config = cfg,
		.copy = cp,
		.report = cli_print_error,
		.note = o->common.quiet ? NULL : cli_print_note,
		.hide_cmdline = cli_session_hide_cmdline,
	};
	struct pe_error err;
	int rc;

	pe_error_clear(&err);
	rc = pe_session_run(&so, sandbox, hr, &err);
	if (rc < 0) {
		cli_print_error(&err);
		rc = pe_error_exit_code(&err, 0);
	}
	cli_leave(rc);
}

int cmd_copy(int argc, char **argv)
{
	struct copy_opts o;
	struct pe_container c = { 0 }, sandbox = { 0 };
	struct pe_copy cp;
	struct pe_hostroot hr = { .dirfd = -1 };
	struct pe_config cfg;
	struct pe_target t;
	struct pe_error err;
	int rc;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		perror("podenter: prctl(PR_SET_DUMPABLE)");
		return PE_EXIT_FAILURE;
	}
	memset(&o, 0, sizeof(o));
	memset(&cp, 0, sizeof(cp));
	o.tail = 10;
	cli_common_init(&o.common);
	pe_error_clear(&err);
	rc = parse_options(argc, argv, &o);
	if (rc != 0)
		goto out;
	rc = PE_EXIT_FAILURE;
	if (pe_config_load(NULL, &cfg, &err) < 0 ||
	    cli_sandbox_setup(&o.sandbox, &o.session, &cfg, &err) < 0 ||
	    pe_hostroot_open(&hr, o.common.host_root, &err) < 0 ||
	    pe_target_parse(o.target, o.common.namespace, &t, &err) < 0 ||
	    pe_resolve_for_copy(&hr, &t, o.common.container, o.common.any, &c,
				&sandbox, &err) < 0 ||
	    pe_copy_load_definition(&hr, &c, &cp.def, &err) < 0)
		goto fail;
	cp.last_run = o.last_run;
	cp.net_none = o.net_none;
	cp.share_processes = o.share_processes;
	cp.host_paths = o.host_paths;
	if (pe_copy_prepare(&cp, &err) < 0)
		goto fail;
	if (o.print_command) {
		print_command(&cp.spec);
		rc = 0;
		goto out;
	}
	if (!o.common.quiet)
		show_last_run(&o, &hr, &c, &cp.def);
	run_copy(&o, &cfg, &hr, &cp, &sandbox);
fail:
	cli_print_error(&err);
	rc = pe_error_exit_code(&err, 0);
out:
	pe_copy_clear(&cp);
	pe_container_clear(&c);
	pe_container_clear(&sandbox);
	if (hr.dirfd >= 0)
		pe_hostroot_close(&hr);
	pe_sandbox_release(&o.sandbox);
	cli_session_args_free(&o.session);
	return rc;
}
