/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter [OPTIONS] TARGET [-- COMMAND [ARG]...]
 *
 * The enter command's CLI: options in, a session (src/lib/session.c) run,
 * errors printed. What entering does is written down in session.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/cgroupjoin.h"
#include "podenter/nsjoin.h"
#include "podenter/passwd.h"
#include "podenter/sandbox.h"
#include "podenter/session.h"
#include "podenter/tools.h"

enum {
	/* --ipc, --uts, ... (pe_ns_table): OPT_NS + the namespace type */
	OPT_NS = OPT_SESSION_LAST,
	OPT_NET_ONLY = OPT_NS + PE_NS_COUNT,
	OPT_ENV_FROM_TARGET,
	OPT_HELP_ENTER,
	OPT_VIEW,
	OPT_RW,
	OPT_NO_STDIN,
	OPT_FOLLOW_CONTEXT,
	OPT_GROUP_ADD,
	OPT_EACH,
	OPT_NO_PREFIX,
	OPT_MAX_PARALLEL,
	OPT_TIMEOUT,
};

#define ENTER_SHORTOPTS "+" CLI_COMMON_SHORTOPTS "a" CLI_SESSION_SHORTOPTS

struct enter_opts {
	struct cli_common common;
	const char *target;
	char **command; /* NULL: the default shell */
	pe_ns_set chosen; /* 0: the default set for the target */
	bool net_only;
	/* --user: NULL (root), "target" or NAME|UID[:GROUP|GID]; --wd: NULL
	 * ("/"), "target" or a path */
	struct cli_session_args session;
	const char **group_add; /* --group-add GROUP|GID, in order */
	size_t n_group_add;
	bool env_from_target;
	const char *view; /* --view NAME (NULL: podenter.conf's, if any) */
	bool rw; /* --rw: /target writes reach the container */
	struct pe_sandbox sandbox;
	bool no_stdin; /* --no-stdin: podenter does not read its stdin */
	bool follow_context; /* --follow-context: the target's LSM label */
	bool each; /* --each: every pod TARGET matches (cmd_each.c) */
	bool each_tuning; /* --no-prefix, --max-parallel or --timeout */
	struct cli_each each_opts;
};

void cmd_enter_usage(FILE *out)
{
	fputs(
	    "Usage: podenter [OPTIONS] TARGET [-- COMMAND [ARG]...]\n\n"
	    "Run COMMAND (default /bin/sh) in the target's namespaces.\n"
	    "TARGET:  POD | NAMESPACE/POD | pid:PID | id:CONTAINER-ID-PREFIX | "
	    "node\n\n"
	    "Namespaces (default for a container: net, pid, ipc, uts, cgroup "
	    "and mnt,\n"
	    "plus user for a user-namespaced pod; any of these flags selects "
	    "exactly\n"
	    "the ones given; -n and -c keep their meaning: namespace, "
	    "container):\n"
	    "  -N, --net               network namespace\n"
	    "  -P, --pid               PID namespace (with a fresh /proc)\n"
	    "      --ipc               IPC namespace\n"
	    "      --uts               UTS namespace (hostname)\n"
	    "  -M, --mount             mount namespace (a private copy of it)\n"
	    "      --cgroup            cgroup namespace\n"
	    "  -U, --userns            user namespace (joined last)\n"
	    "      --time              time namespace\n"
	    "  -a, --all-ns            every namespace the target has\n"
	    "      --net-only          only the network namespace, with the "
	    "node's own\n"
	    "                          files and binaries (/sys shows the "
	    "pod's devices)\n"
	    "                          e.g. podenter POD --net-only -- tcpdump "
	    "-i eth0\n\n"
	    "Views (the container's files with tools beside them):\n"
	    "      --view NAME         tools: the tools at /, the container at "
	    "/target;\n"
	    "                          merged: the container's root over the "
	    "tools,\n"
	    "                          writes vanish; container: its own tree, "
	    "tools\n"
	    "                          at /.podenter; none: its own files "
	    "only\n"
	    "                          (default: podenter.conf's view, else "
	    "tools for\n"
	    "                          a container, none for node and host "
	    "PIDs)\n"
	    "      --tools SOURCE      host, builtin, image:REF, a directory "
	    "or "
	    "an\n"
	    "                          OCI/docker-save tarball (default: host "
	    "if "
	    "it\n"
	    "                          has a shell, else builtin); implies "
	    "--view tools\n"
	    "      --rw                writes to the container's files go "
	    "through\n\n"
	    "Limits (what the session may do):\n"
	    "      --profile NAME      general (default: the container "
	    "runtime's\n"
	    "                          capabilities + SYS_PTRACE), baseline, "
	    "restricted\n"
	    "                          (non-root, no capabilities), netadmin "
	    "(+NET_ADMIN,\n"
	    "                          NET_RAW), sysadmin (all, no seccomp)\n"
	    "      --cap-add CAPS      add capabilities (NET_ADMIN,SYS_ADMIN "
	    "or "
	    "ALL)\n"
	    "      --cap-drop CAPS     drop capabilities\n"
	    "      --seccomp WHAT      runtime-default (the profile's default "
	    "but for\n"
	    "                          sysadmin), unconfined, or an OCI/Docker "
	    "JSON file\n\n"
	    "Terminal (the session never gets the caller's terminal):\n"
	    "  -t, --tty               a new pty, proxied (default when stdin "
	    "is a\n"
	    "                          terminal)\n"
	    "      --no-tty            no pty: pipes, no controlling "
	    "terminal\n"
	    "      --no-stdin          do not read stdin; the command reads "
	    "end-of-file\n"
	    "                          (as ssh -n: for loops that read "
	    "stdin)\n\n"
	    "      --join-cgroup WHERE pod, container or host (default): "
	    "charge the\n"
	    "                          session to the pod's or container's "
	    "cgroups\n"
	    "                          (its limits apply) or keep podenter's "
	    "own\n\n"
	    "      --follow-context    run with the target's AppArmor profile "
	    "or SELinux\n"
	    "                          label (set through the host's "
	    "verified procfs)\n\n"
	    "Audit (always to syslog, LOG_AUTHPRIV):\n"
	    "      --audit-log FILE    also append JSON lines to FILE; the "
	    "session does\n"
	    "                          not start if it cannot be written\n\n"
	    "Inside:\n"
	    "      --user SPEC         run as 'target' (its uid, gid, groups), "
	    "NAME,\n"
	    "                          UID, NAME:GROUP or UID:GID, looked up "
	    "in the\n"
	    "                          container's /etc/passwd and /etc/group "
	    "(default:\n"
	    "                          root)\n"
	    "      --group-add GROUP   add a supplementary group (a name in "
	    "the "
	    "container's\n"
	    "                          /etc/group, or a GID); may be repeated\n"
	    "      --wd DIR            working directory: a path, or 'target' "
	    "for the\n"
	    "                          target's own (default /)\n"
	    "      --env-from-target   add the target's environment (only when "
	    "the\n"
	    "                          command runs in the target's own "
	    "files)\n"
	    "  -e, --env KEY=VALUE     add to the environment (default: the "
	    "container's\n"
	    "                          configured one, the tools' PATH in the "
	    "tools view,\n"
	    "                          TERM, LANG, HOSTNAME, and HOME, USER, "
	    "LOGNAME\n"
	    "                          from its /etc/passwd)\n\n"
	    "Every replica (one command in every pod TARGET matches, at "
	    "once):\n"
	    "      --each              TARGET is a pattern (a glob or a "
	    "Deployment/\n"
	    "                          ReplicaSet prefix); a COMMAND is "
	    "required; each\n"
	    "                          pod gets a session of its own, stdin "
	    "/dev/null,\n"
	    "                          no pty; lines are prefixed 'NS/POD: ' "
	    "(stdout's\n"
	    "                          to stdout, stderr's to stderr), then a "
	    "summary on\n"
	    "                          stderr; exit 0 when all exited 0, else "
	    "the highest\n"
	    "                          status of any pod (125: podenter "
	    "could not run it)\n"
	    "      --no-prefix         (--each) print the lines without the "
	    "prefix\n"
	    "      --max-parallel N    (--each) at most N sessions at once "
	    "(default 16)\n"
	    "      --timeout SECONDS   (--each) SIGTERM a pod's command after "
	    "SECONDS,\n"
	    "                          SIGKILL 5 s later (default: none)\n\n"
	    "Also the common options: -n, -c, --host-root, --all (allow the "
	    "pod\n"
	    "sandbox), --any, -q. Options after TARGET and before '--' are "
	    "podenter's.\n",
	    out);
}

/* The namespace options come from the namespace table (nsjoin.h): -N/--net,
 * --ipc, ... Which namespace an option value selects, -1 for none. */
static int ns_of_option(int opt)
{
	for (size_t i = 0; i < PE_NS_COUNT; i++)
		if (opt == (pe_ns_table[i].short_opt
				? pe_ns_table[i].short_opt
				: OPT_NS + (int)pe_ns_table[i].type))
			return (int)pe_ns_table[i].type;
	return -1;
}

/* getopt_long's tables: the namespace table's options, then enter's. */
static void ns_options(struct option *longopts, char *shortopts, size_t size)
{
	size_t used = strlen(shortopts);

	for (size_t i = 0; i < PE_NS_COUNT; i++) {
		const struct pe_ns_info *ns = &pe_ns_table[i];

		longopts[i] =
		    (struct option){ ns->long_opt, no_argument, NULL,
				     ns->short_opt ? ns->short_opt
						   : OPT_NS + (int)ns->type };
		if (ns->short_opt && used + 1 < size) {
			shortopts[used++] = ns->short_opt;
			shortopts[used] = '\0';
		}
	}
}

static int add_group(struct enter_opts *o, const char *group)
{
	const char **v =
	    realloc(o->group_add, (o->n_group_add + 1) * sizeof(*v));

	if (!v)
		return -1;
	o->group_add = v;
	o->group_add[o->n_group_add++] = group;
	return 0;
}

/* A count for --max-parallel and --timeout: decimal, at most 100000. */
static int parse_count(const char *text, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*text || *text == '-' || *text == '+')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > 100000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct enter_opts *o)
{
	static const struct option enter_longopts[] = {
		CLI_COMMON_LONGOPTS,
		CLI_SESSION_LONGOPTS,
		{ "all-ns", no_argument, NULL, 'a' },
		{ "net-only", no_argument, NULL, OPT_NET_ONLY },
		{ "group-add", required_argument, NULL, OPT_GROUP_ADD },
		{ "env-from-target", no_argument, NULL, OPT_ENV_FROM_TARGET },
		{ "help-enter", no_argument, NULL, OPT_HELP_ENTER },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "rw", no_argument, NULL, OPT_RW },
		{ "no-stdin", no_argument, NULL, OPT_NO_STDIN },
		{ "follow-context", no_argument, NULL, OPT_FOLLOW_CONTEXT },
		{ "each", no_argument, NULL, OPT_EACH },
		{ "no-prefix", no_argument, NULL, OPT_NO_PREFIX },
		{ "max-parallel", required_argument, NULL, OPT_MAX_PARALLEL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 }
	};
	struct option longopts[PE_NS_COUNT + sizeof(enter_longopts) /
						 sizeof(enter_longopts[0])];
	char shortopts[64] = ENTER_SHORTOPTS;

	ns_options(longopts, shortopts, sizeof(shortopts));
	memcpy(&longopts[PE_NS_COUNT], enter_longopts, sizeof(enter_longopts));
	for (;;) {
		int before = optind;
		int opt = getopt_long(argc, argv, shortopts, longopts, NULL);
		bool dashdash;
		int r;

		if (opt == -1) {
			dashdash = optind == before + 1 &&
				   strcmp(argv[before], "--") == 0;
			if (optind >= argc)
				break;
			if (!o->target) {
				/* options may follow TARGET up to "--" */
				o->target = argv[optind++];
				if (!dashdash)
					continue;
			}
			o->command = &argv[optind];
			break;
		}
		if (ns_of_option(opt) >= 0) {
			o->chosen |= PE_NS_BIT(ns_of_option(opt));
			continue;
		}
		switch (opt) {
		case 'a':
			o->chosen |= PE_NS_ALL;
			continue;
		case OPT_NET_ONLY:
			o->net_only = true;
			continue;
		case OPT_GROUP_ADD: {
			struct pe_error err;

			if (pe_group_spec_check(optarg, &err) < 0) {
				cli_print_error(&err);
				return PE_EXIT_FAILURE;
			}
			if (add_group(o, optarg) < 0)
				return cli_usage_error(NULL, "out of memory");
			continue;
		}
		case OPT_ENV_FROM_TARGET:
			o->env_from_target = true;
			continue;
		case OPT_VIEW:
			o->view = optarg;
			continue;
		case OPT_RW:
			o->rw = true;
			continue;
		case OPT_NO_STDIN:
			o->no_stdin = true;
			continue;
		case OPT_FOLLOW_CONTEXT:
			o->follow_context = true;
			continue;
		case OPT_EACH:
			o->each = true;
			continue;
		case OPT_NO_PREFIX:
			o->each_opts.no_prefix = true;
			o->each_tuning = true;
			continue;
		case OPT_MAX_PARALLEL:
		case OPT_TIMEOUT: {
			unsigned v;

			if (parse_count(optarg, &v) < 0 ||
			    (opt == OPT_MAX_PARALLEL && v == 0))
				return cli_usage_error(
				    NULL, "--%s '%s': expected a number %s",
				    opt == OPT_TIMEOUT ? "timeout"
						       : "max-parallel",
				    optarg,
				    opt == OPT_TIMEOUT ? "of seconds (0: none)"
						       : "from 1 to 100000");
			if (opt == OPT_TIMEOUT)
				o->each_opts.timeout_s = v;
			else
				o->each_opts.max_parallel = v;
			o->each_tuning = true;
			continue;
		}
		case OPT_HELP_ENTER:
			cmd_enter_usage(stdout);
			exit(EXIT_SUCCESS);
		case 'h':
			cli_usage(stdout, NULL);
			exit(EXIT_SUCCESS);
		default:
			break;
		}
		r = cli_session_option(&o->session, opt, optarg, NULL);
		if (r == 1)
			continue;
		if (r)
			return r;
		r = cli_common_option(&o->common, opt, optarg, NULL);
		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r == 0)
			return cli_usage_error(NULL, "unknown option");
	}
	if (!o->target)
		return cli_usage_error(NULL, "no TARGET given");
	if (o->command && !o->command[0])
		o->command = NULL;
	if (o->each_tuning && !o->each)
		return cli_usage_error(NULL, "--no-prefix, --max-parallel and "
					     "--timeout go with --each");
	if (o->each && !o->command)
		return cli_usage_error(NULL, "--each needs a COMMAND (after "
					     "'--'): there is no terminal for "
					     "a shell in every pod");
	if (o->each && o->session.force_tty)
		return cli_usage_error(NULL, "--each runs without a pty: -t "
					     "cannot be used with it");
	if (o->each && o->common.any)
		return cli_usage_error(NULL, "--each and --any contradict "
					     "each other");
	if (o->net_only && o->chosen & ~PE_NS_BIT(PE_NS_NET))
		return cli_usage_error(
		    NULL, "--net-only cannot be combined with other "
			  "namespace options");
	if (o->chosen == PE_NS_BIT(PE_NS_NET))
		o->net_only = true;
	if (o->net_only)
		o->chosen = PE_NS_BIT(PE_NS_NET);
	return 0;
}

/* What the session is asked for, from the options (one session, or one
 * per pod with --each: no pty, stdin /dev/null, no notes per pod). */
static void session_opts_of(const struct enter_opts *o,
			    const struct pe_config *cfg,
			    struct pe_session_opts *so)
{
	*so = (struct pe_session_opts){
		.chosen = o->chosen,
		.net_only = o->net_only,
		.user = o->session.user,
		.group_add = o->group_add,
		.n_group_add = o->n_group_add,
		.wd = o->session.wd,
		.env_from_target = o->env_from_target,
		.env_add = o->session.env_add,
		.n_env_add = o->session.n_env_add,
		.view = o->view,
		.tools = o->session.tools,
		.rw = o->rw,
		.sandbox = &o->sandbox,
		.force_tty = o->session.force_tty,
		.no_tty = o->session.no_tty || o->each,
		.no_stdin = o->no_stdin,
		.stdin_is_tty = !o->each && isatty(STDIN_FILENO),
		.audit_log = o->session.audit_log,
		.cgroup_place = o->session.cgroup_place,
		.follow_context = o->follow_context,
		.command = o->command,
		.config = cfg,
		.report = cli_print_error,
		.note = o->common.quiet || o->each ? NULL : cli_print_note,
		.hide_cmdline = cli_session_hide_cmdline,
	};
}

static int enter(const struct enter_opts *o, const struct pe_config *cfg,
		 const struct pe_container *c, const struct pe_hostroot *hr)
{
	struct pe_session_opts so;
	struct pe_error err;
	int rc;

	session_opts_of(o, cfg, &so);
	pe_error_clear(&err);
	rc = pe_session_run(&so, c, hr, &err);
	if (rc < 0) {
		cli_print_error(&err);
		rc = pe_error_exit_code(&err, 0);
	}
	cli_leave(rc);
}

int cmd_enter(int argc, char **argv)
{
	struct enter_opts o;
	struct pe_container c = { 0 };
	struct pe_hostroot hr;
	struct pe_config cfg;
	struct pe_error err;
	int rc;

	/* before anything of the target is touched: no ptrace, no
	 * /proc/<podenter>/fd for processes in the target */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		perror("podenter: prctl(PR_SET_DUMPABLE)");
		return PE_EXIT_FAILURE;
	}
	memset(&o, 0, sizeof(o));
	cli_common_init(&o.common);
	pe_error_clear(&err);
	rc = parse_options(argc, argv, &o);
	if (rc != 0)
		goto out;
	/* podenter.conf, read once: the profile here, view and tools in the
	 * session's plan */
	if (pe_config_load(NULL, &cfg, &err) < 0 ||
	    cli_sandbox_setup(&o.sandbox, &o.session, &cfg, &err) < 0 ||
	    pe_hostroot_open(&hr, o.common.host_root, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	if (o.each) {
		/* this process joins nothing: each session runs in a child */
		struct pe_session_opts so;

		session_opts_of(&o, &cfg, &so);
		rc = cli_each(&o.common, &hr, o.target, &so, &o.each_opts);
		pe_hostroot_close(&hr);
		goto out;
	}
	rc = cli_resolve_target(&o.common, &hr, o.target, &c);
	if (rc == 0)
		rc = enter(&o, &cfg, &c, &hr);
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
out:
	pe_sandbox_release(&o.sandbox);
	cli_session_args_free(&o.session);
	free(o.group_add);
	return rc;
}
