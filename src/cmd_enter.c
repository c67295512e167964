/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter [OPTIONS] TARGET [-- COMMAND [ARG]...]
 *
 * resolve -> non-dumpable -> pin (pidfd) + re-verify -> mount step ->
 * setns(pidfd, mask) -> fork into the PID namespace -> child: /proc, user
 * namespace, cwd, identity, fds, exec; parent: forward signals, pass the
 * exit status through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/audit.h"
#include "podenter/cgroupjoin.h"
#include "podenter/exec.h"
#include "podenter/nsjoin.h"
#include "podenter/passwd.h"
#include "podenter/pty.h"
#include "podenter/reaper.h"
#include "podenter/sandbox.h"
#include "podenter/tools.h"
#include "podenter/view.h"

enum {
	OPT_IPC = OPT_COMMON_LAST,
	OPT_UTS,
	OPT_CGROUP,
	OPT_TIME,
	OPT_NET_ONLY,
	OPT_USER,
	OPT_WD,
	OPT_ENV_FROM_TARGET,
	OPT_HELP_ENTER,
	OPT_VIEW,
	OPT_TOOLS,
	OPT_RW,
	OPT_PROFILE,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SECCOMP,
	OPT_NO_TTY,
	OPT_AUDIT_LOG,
	OPT_JOIN_CGROUP,
	OPT_FOLLOW_CONTEXT,
	OPT_GROUP_ADD,
};

#define ENTER_SHORTOPTS "+" CLI_COMMON_SHORTOPTS "NPMUae:t"

struct enter_opts {
	struct cli_common common;
	const char *target;
	char **command; /* NULL: the default shell */
	pe_ns_set chosen; /* 0: the default set for the target */
	bool net_only;
	const char *user; /* NULL (root), "target" or NAME|UID[:GROUP|GID] */
	const char **group_add; /* --group-add GROUP|GID, in order */
	size_t n_group_add;
	const char *wd; /* NULL ("/"), "target" or a path */
	bool env_from_target;
	char **env_add; /* -e KEY=VAL, in order */
	size_t n_env_add;
	const char *view; /* --view NAME (NULL: podenter.conf's, if any) */
	const char *tools; /* --tools SOURCE */
	bool rw; /* --rw: /target writes reach the container */
	/* what the session may do (sandbox.h): --profile, --cap-add,
	 * --cap-drop, --seccomp, built before anything is touched */
	const char *profile;
	pe_capset cap_add, cap_drop;
	const char *seccomp;
	struct pe_sandbox sandbox;
	bool force_tty; /* -t: a pty even when stdin is no terminal */
	bool no_tty; /* --no-tty: never a pty */
	const char *audit_log; /* --audit-log FILE (JSON lines) */
	enum pe_cgroup_place cgroup_place; /* --join-cgroup */
	bool follow_context; /* --follow-context: the target's LSM label */
};

/* What the steps before fork decided, for the child. */
struct enter_plan {
	pe_ns_set join; /* joined by setns in podenter's process */
	bool join_user; /* joined in the child, last */
	bool pid_joined; /* the child is in the target's PID namespace */
	bool private_mnt; /* a private mount namespace exists for the session */
	bool own_files; /* the command runs in the target's own files */
	char wd[PATH_MAX];
	bool view_active; /* the session's files are a view (view.c) */
	struct pe_view view;
};

static const char default_shell[] = "/bin/sh";

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
	    "terminal\n\n"
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
	    "Also the common options: -n, -c, --host-root, --all (allow the "
	    "pod\n"
	    "sandbox), --any, -q. Options after TARGET and before '--' are "
	    "podenter's.\n",
	    out);
}

static int add_env(struct enter_opts *o, char *kv)
{
	char **v = realloc(o->env_add, (o->n_env_add + 1) * sizeof(*v));

	if (!v)
		return -1;
	o->env_add = v;
	o->env_add[o->n_env_add++] = kv;
	return 0;
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

static int parse_options(int argc, char **argv, struct enter_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "net", no_argument, NULL, 'N' },
		{ "pid", no_argument, NULL, 'P' },
		{ "mount", no_argument, NULL, 'M' },
		{ "userns", no_argument, NULL, 'U' },
		{ "all-ns", no_argument, NULL, 'a' },
		{ "ipc", no_argument, NULL, OPT_IPC },
		{ "uts", no_argument, NULL, OPT_UTS },
		{ "cgroup", no_argument, NULL, OPT_CGROUP },
		{ "time", no_argument, NULL, OPT_TIME },
		{ "net-only", no_argument, NULL, OPT_NET_ONLY },
		{ "user", required_argument, NULL, OPT_USER },
		{ "group-add", required_argument, NULL, OPT_GROUP_ADD },
		{ "wd", required_argument, NULL, OPT_WD },
		{ "env-from-target", no_argument, NULL, OPT_ENV_FROM_TARGET },
		{ "env", required_argument, NULL, 'e' },
		{ "help-enter", no_argument, NULL, OPT_HELP_ENTER },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "tools", required_argument, NULL, OPT_TOOLS },
		{ "rw", no_argument, NULL, OPT_RW },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
		{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		{ "tty", no_argument, NULL, 't' },
		{ "no-tty", no_argument, NULL, OPT_NO_TTY },
		{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
		{ "join-cgroup", required_argument, NULL, OPT_JOIN_CGROUP },
		{ "follow-context", no_argument, NULL, OPT_FOLLOW_CONTEXT },
		{ NULL, 0, NULL, 0 }
	};

	for (;;) {
		int before = optind;
		int opt =
		    getopt_long(argc, argv, ENTER_SHORTOPTS, longopts, NULL);
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
		switch (opt) {
		case 'N':
			o->chosen |= PE_NS_BIT(PE_NS_NET);
			continue;
		case 'P':
			o->chosen |= PE_NS_BIT(PE_NS_PID);
			continue;
		case 'M':
			o->chosen |= PE_NS_BIT(PE_NS_MNT);
			continue;
		case 'U':
			o->chosen |= PE_NS_BIT(PE_NS_USER);
			continue;
		case 'a':
			o->chosen |= PE_NS_ALL;
			continue;
		case OPT_IPC:
			o->chosen |= PE_NS_BIT(PE_NS_IPC);
			continue;
		case OPT_UTS:
			o->chosen |= PE_NS_BIT(PE_NS_UTS);
			continue;
		case OPT_CGROUP:
			o->chosen |= PE_NS_BIT(PE_NS_CGROUP);
			continue;
		case OPT_TIME:
			o->chosen |= PE_NS_BIT(PE_NS_TIME);
			continue;
		case OPT_NET_ONLY:
			o->net_only = true;
			continue;
		case OPT_USER:
			o->user = optarg;
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
		case OPT_WD:
			o->wd = optarg;
			continue;
		case OPT_ENV_FROM_TARGET:
			o->env_from_target = true;
			continue;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_usage_error(
				    NULL, "-e '%s': expected KEY=VALUE",
				    optarg);
			if (add_env(o, optarg) < 0)
				return cli_usage_error(NULL, "out of memory");
			continue;
		case OPT_VIEW:
			o->view = optarg;
			continue;
		case OPT_TOOLS:
			o->tools = optarg;
			continue;
		case OPT_RW:
			o->rw = true;
			continue;
		case OPT_PROFILE:
			o->profile = optarg;
			continue;
		case OPT_SECCOMP:
			o->seccomp = optarg;
			continue;
		case 't':
			o->force_tty = true;
			o->no_tty = false;
			continue;
		case OPT_NO_TTY:
			o->no_tty = true;
			o->force_tty = false;
			continue;
		case OPT_AUDIT_LOG:
			o->audit_log = optarg;
			continue;
		case OPT_FOLLOW_CONTEXT:
			o->follow_context = true;
			continue;
		case OPT_JOIN_CGROUP: {
			struct pe_error err;

			if (pe_cgroup_place_parse(optarg, &o->cgroup_place,
						  &err) < 0) {
				cli_print_error(&err);
				return PE_EXIT_FAILURE;
			}
			continue;
		}
		case OPT_CAP_ADD:
		case OPT_CAP_DROP: {
			struct pe_error err;
			pe_capset set;

			if (pe_cap_parse_list(optarg, &set, &err) < 0) {
				cli_print_error(&err);
				return PE_EXIT_FAILURE;
			}
			if (opt == OPT_CAP_ADD)
				o->cap_add |= set;
			else
				o->cap_drop |= set;
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

/* Test-only hook (PODENTER_TEST_PAUSE_AT=before-pin|after-pin|
 * child-attached): stop here
 * so a test can kill or replace the target at a precise point. */
static void test_pause_at(const char *point)
{
	const char *v = getenv("PODENTER_TEST_PAUSE_AT");

	if (v && strcmp(v, point) == 0)
		raise(SIGSTOP);
}

/*
 * The mount namespace step, one place for every way of building the files
 * the session sees. Called after pinning, before setns (a view is built
 * from the target's mount namespace while podenter is still on the host
 * side); finished by mount_step_after_join().
 */
static int mount_step(const struct enter_opts *o, struct enter_plan *plan,
		      struct pe_error *err)
{
	(void)o;
	(void)err;
	/* Until views exist: the container's own mount namespace, joined in
	 * the same setns() as the others, then a private copy of it. */
	plan->own_files = plan->join & PE_NS_BIT(PE_NS_MNT);
	plan->private_mnt =
	    plan->own_files ||
	    (plan->join & (PE_NS_BIT(PE_NS_NET) | PE_NS_BIT(PE_NS_PID)));
	return 0;
}

static int mount_step_after_join(const struct enter_opts *o,
				 const struct enter_plan *plan,
				 struct pe_error *err)
{
	(void)o;
	if (plan->view_active)
		return 0;
	if (plan->own_files)
		return pe_ns_private_mount_copy(err);
	if (plan->private_mnt)
		return pe_ns_private_host_mounts(
		    plan->join & PE_NS_BIT(PE_NS_NET), err);
	return 0;
}

/*
 * A view (--view, --tools or podenter.conf): the tools are found while the
 * node's files are still reachable, then view.c builds the private mount
 * namespace and moves podenter into it; the target's mount namespace is
 * then not joined.
 */
static int view_step(const struct enter_opts *o, const struct pe_container *c,
		     const struct pe_hostroot *hr, const struct pe_pin *pin,
		     struct enter_plan *plan, struct pe_error *err)
{
	struct pe_view_opts vo = { 0 };
	struct pe_config cfg;
	struct pe_tools tools;
	const char *name = o->view;

	if (pe_config_load(NULL, &cfg, err) < 0)
		return -1;
	if (!name && cfg.view[0])
		name = cfg.view;
	if (!name && (o->tools || o->rw))
		name = "tools";
	/* A container's own files may hold no tools at all (distroless), so
	 * by default the session gets tools beside them. The node and plain
	 * host processes are entered as they are, and so is a container when
	 * the session asks for its own environment or working directory. */
	if (!name && c->container_id && !o->env_from_target &&
	    !(o->wd && strcmp(o->wd, "target") == 0))
		name = "tools";
	if (!name || strcmp(name, "none") == 0)
		return 0;
	if (!(plan->join & PE_NS_BIT(PE_NS_MNT))) {
		if (!o->view && !o->tools && !o->rw)
			return 0; /* a config default; this session has no
				     mount namespace to view */
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "--view, --tools and --rw need the target's mount "
			     "namespace");
		pe_error_hint(err, "drop --net-only/-N or add -M");
		return -1;
	}
	if (pe_view_parse(name, &vo.kind, err) < 0)
		return -1;
	if (vo.kind != PE_VIEW_CONTAINER &&
	    (o->env_from_target || (o->wd && !strcmp(o->wd, "target"))))
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "--env-from-target and --wd target need "
				    "--view container");
	/* the container's own tree runs what it has: only static tools work
	 * beside it, so the automatic choice is the builtin toolbox */
	if (pe_tools_resolve(o->tools ? o->tools
			     : (vo.kind == PE_VIEW_CONTAINER && !cfg.tools[0])
				 ? "builtin"
				 : NULL,
			     hr, &cfg, &tools, err) < 0)
		return -1;
	if (vo.kind == PE_VIEW_CONTAINER && !tools.is_static) {
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "--view container needs static tools; %s (%s) "
			     "needs its own libraries",
			     tools.given, tools.dir);
		pe_error_hint(err, "use --tools builtin or a static tools "
				   "image");
		return -1;
	}
	if (!o->common.quiet) {
		fprintf(stderr, "podenter: tools: %s (%s)%s%s%s\n", tools.given,
			tools.dir, tools.why[0] ? ": " : "", tools.why,
			tools.cached ? ", cached" : "");
		if (o->rw && vo.kind != PE_VIEW_MERGED)
			fprintf(stderr,
				"podenter: --rw: writes to the container's "
				"files (%s) go through to the container\n",
				vo.kind == PE_VIEW_TOOLS ? "/target" : "/");
	}
	vo.tools_dir = tools.dir;
	vo.rw = o->rw;
	vo.has_procfd = true;
	vo.procfd = pin->procfd;
	if (pe_view_enter(&vo, c, pin->pidfd, &plan->view, err) < 0)
		return -1;
	plan->view_active = true;
	plan->join &= ~PE_NS_BIT(PE_NS_MNT);
	plan->private_mnt = true;
	plan->own_files = vo.kind == PE_VIEW_CONTAINER;
	if (!o->wd)
		snprintf(plan->wd, sizeof(plan->wd), "/");
	return 0;
}

/* Fill the plan from the options and the pinned target; checks that need
 * no namespace yet. */
static int make_plan(const struct enter_opts *o, const struct pe_container *c,
		     const struct pe_pin *pin, struct enter_plan *plan,
		     struct pe_error *err)
{
	const unsigned long *self = pin->self_ns_inode;
	pe_ns_set want;

	memset(plan, 0, sizeof(*plan));
	want = o->chosen;
	if (!want) {
		struct pe_container tmp = *c;

		/* resolution compares with PID 1's user namespace, which may
		 * be unreadable; compare with ours */
		tmp.user_namespaced =
		    c->user_namespaced ||
		    (self[PE_NS_USER] && pin->ns_inode[PE_NS_USER] &&
		     self[PE_NS_USER] != pin->ns_inode[PE_NS_USER]);
		want = pe_ns_default_set(&tmp);
	}
	/* --all-ns takes what the kernel has; anything else must be there */
	for (int t = 0; t < PE_NS_COUNT; t++) {
		char rel[32];
		struct stat st;

		if (!(want & PE_NS_BIT(t)) || pin->ns_inode[t])
			continue;
		if (o->chosen == PE_NS_ALL) {
			want &= ~PE_NS_BIT(t);
			continue;
		}
		snprintf(rel, sizeof(rel), "ns/%s",
			 pe_ns_name((enum pe_ns_type)t));
		errno = ENOENT;
		fstatat(pin->procfd, rel, &st, 0);
		pe_error_set(err, PE_ERR_UNSUPPORTED, errno,
			     "cannot read /proc/%d/%s", (int)pin->pid, rel);
		if (errno == EACCES || errno == EPERM)
			pe_error_hint(
			    err, "the target holds privileges podenter "
				 "lacks (ptrace access check); run podenter "
				 "with all capabilities");
		return -1;
	}
	want = pe_ns_drop_shared(pin, want);
	plan->join_user = want & PE_NS_BIT(PE_NS_USER);
	plan->join = want & ~PE_NS_BIT(PE_NS_USER);
	plan->pid_joined = plan->join & PE_NS_BIT(PE_NS_PID);
	if (mount_step(o, plan, err) < 0)
		return -1;
	if (o->env_from_target && !plan->own_files) {
		pe_error_set(
		    err, PE_ERR_USAGE, 0,
		    "--env-from-target is only for commands run in the "
		    "target's own files");
		pe_error_hint(err, "the target's environment (LD_PRELOAD, ...) "
				   "must not reach the node's binaries; "
				   "add single settings with -e KEY=VALUE");
		return -1;
	}
	if (o->wd && strcmp(o->wd, "target") == 0) {
		if (!plan->own_files)
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "--wd target needs the target's "
					    "mount namespace");
		if (pe_target_cwd(pin->procfd, plan->wd, sizeof(plan->wd),
				  err) < 0)
			return -1;
	} else if (o->wd) {
		snprintf(plan->wd, sizeof(plan->wd), "%s", o->wd);
	} else {
		/* the node's files: stay where the caller is, so that
		 * "-w out.pcap" lands there (as with ip netns exec) */
		snprintf(plan->wd, sizeof(plan->wd), "%s",
			 plan->own_files ? "/" : ".");
	}
	return 0;
}

/*
 * The command's environment: the allowlist, then the container's
 * configured one (read from its bundle before any switch, `configured`):
 * as it is for the container's own binaries (--view none, container), and
 * without what makes a node binary load the container's files in the tools
 * and merged views (pe_env_unsafe_for_node); the tools view keeps the
 * tools' PATH (the container's names its files, which are at /target). HOME,
 * USER and LOGNAME come later, from the passwd file (session_identity).
 */
static int build_env(const struct enter_opts *o, const struct enter_plan *plan,
		     const struct pe_pin *pin, const struct pe_env *configured,
		     struct pe_env *env, struct pe_error *err)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (pe_env_from_allowlist(env, host, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < configured->len; i++) {
		bool tools_view =
		    plan->view_active && plan->view.kind == PE_VIEW_TOOLS;

		if ((!plan->own_files &&
		     pe_env_unsafe_for_node(configured->v[i])) ||
		    (tools_view && strncmp(configured->v[i], "PATH=", 5) == 0))
			continue;
		if (pe_env_put(env, configured->v[i], err) < 0)
			return -1;
	}
	if (o->env_from_target && pe_env_add_target(env, pin->procfd, err) < 0)
		return -1;
	if (plan->view_active && plan->view.path_append[0]) {
		char path[PATH_MAX];
		const char *cur = pe_env_get(env, "PATH");

		snprintf(path, sizeof(path), "%s:%s",
			 cur ? cur : PE_DEFAULT_PATH, plan->view.path_append);
		if (pe_env_set(env, "PATH", path, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < o->n_env_add; i++)
		if (pe_env_put(env, o->env_add[i], err) < 0)
			return -1;
	return 0;
}

static int child_exit_for(const struct pe_error *err)
{
	if (err->kind == PE_ERR_NOT_FOUND)
		return PE_EXIT_NOT_FOUND;
	return PE_EXIT_CANNOT_EXEC;
}

/*
 * The session's stdio (pty.h). With a terminal: a fresh pty from the host's
 * /dev/ptmx, opened before any namespace is joined. Without one: the
 * command gets the caller's fds unless one of them is a terminal, which is
 * replaced by a pipe podenter copies through. Either way the command runs
 * in a session of its own, with the caller's terminal out of reach.
 */
struct session_io {
	bool use_pty;
	bool proxy;
	struct pe_pty pty;
	int child_fds[3]; /* what the child's 0-2 become (-1: inherited) */
	int parent_fds[3]; /* podenter's ends of those pipes */
	int lsm_procfd; /* --follow-context: the host's /proc */
};

static void io_init(struct session_io *io)
{
	memset(io, 0, sizeof(*io));
	pe_pty_init(&io->pty);
	for (int i = 0; i < 3; i++)
		io->child_fds[i] = io->parent_fds[i] = -1;
	io->lsm_procfd = -1;
}

static void io_close_child_ends(struct session_io *io)
{
	if (io->pty.peer >= 0)
		close(io->pty.peer);
	io->pty.peer = -1;
	for (int i = 0; i < 3; i++) {
		if (io->child_fds[i] >= 0)
			close(io->child_fds[i]);
		io->child_fds[i] = -1;
	}
}

static void io_release(struct session_io *io)
{
	io_close_child_ends(io);
	pe_pty_close(&io->pty);
	if (io->lsm_procfd >= 0)
		close(io->lsm_procfd);
	io->lsm_procfd = -1;
	for (int i = 0; i < 3; i++) {
		if (io->parent_fds[i] >= 0)
			close(io->parent_fds[i]);
		io->parent_fds[i] = -1;
	}
}

/* podenter's own /proc, opened while it is the host's (before a view
 * replaces it): the label is written through it, never through the
 * container's /proc */
static int io_open_lsm_proc(const struct enter_opts *o, struct session_io *io,
			    struct pe_error *err)
{
	if (!o->follow_context)
		return 0;
	io->lsm_procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return io->lsm_procfd < 0 ? pe_error_errno(err, "opening /proc") : 0;
}

static int io_setup(const struct enter_opts *o, struct session_io *io,
		    struct pe_error *err)
{
	io->use_pty = o->force_tty || (!o->no_tty && isatty(STDIN_FILENO));
	if (io->use_pty) {
		io->proxy = true;
		if (pe_pty_open(&io->pty, STDIN_FILENO, err) < 0)
			return -1;
		return fcntl(io->pty.master, F_SETFL, O_NONBLOCK) < 0
			   ? pe_error_errno(err, "setting up the pty")
			   : 0;
	}
	for (int fd = 0; fd < 3; fd++) {
		int p[2];

		if (!isatty(fd))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			return pe_error_errno(err, "creating a pipe");
		io->proxy = true;
		io->child_fds[fd] = fd == 0 ? p[0] : p[1];
		io->parent_fds[fd] = fd == 0 ? p[1] : p[0];
		if (fcntl(io->parent_fds[fd], F_SETFL, O_NONBLOCK) < 0)
			return pe_error_errno(err, "setting up a pipe");
	}
	return 0;
}

static int io_child(const struct session_io *io, struct pe_error *err)
{
	if (io->use_pty)
		return pe_pty_attach_child(io->pty.peer, err);
	return pe_stdio_attach_child(io->child_fds, err);
}

/* The parent's side when there is something to copy. */
static int io_run(struct session_io *io, pid_t child, const sigset_t *waitset)
{
	struct pe_term term = { .fd = -1 };
	struct pe_proxy px;
	struct pe_error err;
	int sigfd, status = 0, rc;

	pe_error_clear(&err);
	io_close_child_ends(io);
	sigfd = signalfd(-1, waitset, SFD_CLOEXEC);
	if (sigfd < 0) {
		kill(child, SIGKILL);
		perror("podenter: signalfd");
		return PE_EXIT_FAILURE;
	}
	pe_proxy_init(&px, sigfd, child);
	if (io->use_pty) {
		/* the operator's keys go to the session's terminal as typed:
		 * ^C, ^Z and ^\ become signals there, not here */
		if (isatty(STDIN_FILENO))
			pe_term_raw(&term, STDIN_FILENO, &err);
		pe_proxy_add(&px, STDIN_FILENO, io->pty.master, true, false);
		pe_proxy_add(&px, io->pty.master, STDOUT_FILENO, false, false);
		px.winsize_from = STDIN_FILENO;
		px.winsize_to = io->pty.master;
	} else {
		if (io->parent_fds[0] >= 0)
			pe_proxy_add(&px, STDIN_FILENO, io->parent_fds[0], true,
				     true);
		for (int fd = 1; fd < 3; fd++) {
			if (io->parent_fds[fd] >= 0)
				pe_proxy_add(&px, io->parent_fds[fd], fd, false,
					     false);
		}
	}
	rc = pe_proxy_run(&px, &status, &err);
	pe_term_restore(&term);
	close(sigfd);
	if (rc < 0) {
		kill(child, SIGKILL);
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	return pe_exit_code_of(status);
}

/* --join-cgroup: podenter moves itself into the target's cgroups while it
 * still sees the host's cgroup mounts; the session it forks is born there. */
static int cgroup_step(const struct enter_opts *o, const struct pe_container *c,
		       const struct pe_pin *pin, struct pe_error *err)
{
	struct pe_cgroup_join cj;
	char *mountinfo = NULL;
	int rc;

	if (o->cgroup_place == PE_CGROUP_HOST)
		return 0;
	if (pe_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 22,
			    &mountinfo) < 0)
		return pe_error_errno(err, "reading /proc/self/mountinfo");
	rc = pe_cgroup_join_prepare(pin->procfd, mountinfo, o->cgroup_place,
				    c->pod_uid, &cj, err);
	free(mountinfo);
	if (rc == 0)
		rc = pe_cgroup_join_apply(&cj, 0, err);
	pe_cgroup_join_release(&cj);
	return rc;
}

/* The session's record (audit.h), written before any namespace is joined:
 * when a configured audit log cannot be written, nothing starts. */
static int audit_start(const struct enter_opts *o, const struct pe_container *c,
		       const struct enter_plan *plan,
		       const struct session_io *io, struct pe_audit *a,
		       struct pe_audit_record *r, struct pe_error *err)
{
	static char *const shell[] = { (char *)default_shell, NULL };
	size_t used = 0;

	/* r's caller part (uid, login uid, tty) was filled by enter() */
	r->namespace = c->namespace;
	r->pod = c->pod;
	r->container = c->container;
	r->container_id = c->container_id;
	r->runtime = pe_runtime_name(c->runtime);
	r->target_pid = c->pid;
	for (int t = 0; t < PE_NS_COUNT; t++) {
		if (!(plan->join & PE_NS_BIT(t)) &&
		    !(t == PE_NS_USER && plan->join_user))
			continue;
		used += (size_t)snprintf(
		    r->namespaces + used, sizeof(r->namespaces) - used, "%s%s",
		    used ? "," : "", pe_ns_name((enum pe_ns_type)t));
		if (used >= sizeof(r->namespaces))
			break;
	}
	r->view = plan->view_active ? pe_view_name(plan->view.kind) : "none";
	r->tools = o->tools;
	r->profile = pe_profile_name(o->sandbox.profile);
	pe_capset_format(o->sandbox.caps, r->capabilities,
			 sizeof(r->capabilities));
	r->seccomp =
	    o->sandbox.seccomp == PE_SECCOMP_FILE ? o->sandbox.seccomp_file
	    : o->sandbox.seccomp == PE_SECCOMP_UNCONFINED ? "unconfined"
							  : "runtime-default";
	r->no_new_privs = o->sandbox.no_new_privs;
	r->user =
	    o->user ? o->user : (o->sandbox.run_as_nonroot ? "65534" : "0");
	r->tty_allocated = io->use_pty;
	r->cgroup = pe_cgroup_place_name(o->cgroup_place);
	r->command = o->command ? o->command : shell;
	return pe_audit_start(a, r, err);
}

static void audit_end(struct pe_audit *a, const struct pe_audit_record *r,
		      bool started, int rc)
{
	struct pe_error err;

	pe_error_clear(&err);
	if (started && pe_audit_end(a, r, rc, &err) < 0)
		cli_print_error(&err);
	pe_audit_close(a);
}

/* The reaper stays in the target's PID namespace for the whole session:
 * what the pod can read of it must not be podenter's command line. */
static void hide_cmdline(void)
{
	cli_hide_cmdline("podenter: session");
}

/* What the session's command needs, handed from run_child() to it. */
struct session_cmd {
	const struct enter_opts *o;
	const struct enter_plan *plan;
	const struct pe_pin *pin;
	struct pe_env *env;
	const sigset_t *oldmask;
	const struct session_io *io;
	char *const *argv;
};

/*
 * Who the command runs as, from the passwd and group files it sees (the
 * container's; in the tools view the container's files are at /target),
 * read beneath that root (passwd.h), and HOME, USER and LOGNAME to match.
 */
static int session_identity(const struct enter_opts *o,
			    const struct enter_plan *plan,
			    const struct pe_pin *pin, struct pe_env *env,
			    struct pe_identity *id, struct pe_error *err)
{
	const char *root = plan->view_active && plan->view.kind == PE_VIEW_TOOLS
			       ? "/target"
			       : "/";
	/* restricted, no --user: nobody, with nobody's group whatever the
	 * files say (gid 0 would be the runc default for a missing entry) */
	const char *spec = o->user		       ? o->user
			   : o->sandbox.run_as_nonroot ? "65534:65534"
						       : NULL;
	const char *const *groups = (const char *const *)o->group_add;
	struct pe_account acct;
	int rootfd, rc;

	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pe_error_errno(err, "opening %s", root);
	if (spec && strcmp(spec, "target") == 0) {
		rc = pe_identity_of_target(pin->procfd, id, err);
		if (rc == 0)
			rc = pe_identity_complete(
			    rootfd, groups, o->n_group_add, id, &acct, err);
	} else {
		rc = pe_identity_resolve(rootfd, spec, groups, o->n_group_add,
					 id, &acct, err);
	}
	close(rootfd);
	if (rc == 0)
		rc = pe_env_set_account(env, id->uid, &acct, err);
	return rc;
}

/*
 * The command's process, a child of the reaper (which waits, suspended,
 * until it executes: see reaper.h). Never returns.
 */
static void __attribute__((noreturn)) run_command(void *arg, pid_t reaper)
{
	const struct session_cmd *sc = arg;
	const struct enter_opts *o = sc->o;
	const struct enter_plan *plan = sc->plan;
	const struct pe_pin *pin = sc->pin;
	const struct session_io *io = sc->io;
	char *const *argv = sc->argv;
	struct pe_identity id = { 0 };
	struct pe_error err;

	pe_error_clear(&err);
	/* it dies with the reaper (and so with podenter) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != reaper)
		_exit(PE_EXIT_FAILURE);
	if (io_child(io, &err) < 0)
		goto fail;
	if (plan->join_user && pe_ns_join_user(pin, &err) < 0)
		goto fail;
	if (pe_chdir_checked(plan->wd, &err) < 0)
		goto fail;
	/* ids are read after joining the user namespace so they are the
	 * namespace's own numbers */
	if (session_identity(o, plan, pin, sc->env, &id, &err) < 0)
		goto fail;
	if (o->sandbox.run_as_nonroot && id.uid == 0) {
		pe_error_set(&err, PE_ERR_USAGE, EPERM,
			     "--profile restricted runs as non-root, and the "
			     "session user is root");
		goto fail;
	}
	/* the LSM label first (it applies at execve), then the bounding
	 * set before the uid change, capabilities after it */
	if (o->follow_context &&
	    pe_sandbox_set_exec_label(pin->procfd, io->lsm_procfd, NULL, 0,
				      &err) < 0)
		goto fail;
	if (pe_sandbox_drop_bounding(&o->sandbox, &err) < 0 ||
	    pe_identity_apply(&id, &err) < 0 ||
	    pe_sandbox_set_caps(&o->sandbox, &err) < 0)
		goto fail;
	/* a uid or gid change cleared the parent-death signal: arm it again,
	 * then check the reaper did not die in between */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != reaper)
		_exit(PE_EXIT_FAILURE);
	/* (tests: the child fully attached, still holding podenter's fds) */
	test_pause_at("child-attached");
	if (pe_close_fds_from(3) < 0) {
		pe_error_errno(&err, "closing inherited file descriptors");
		goto fail;
	}
	if (sigprocmask(SIG_SETMASK, sc->oldmask, NULL) < 0) {
		pe_error_errno(&err, "restoring the signal mask");
		goto fail;
	}
	/* seccomp last: nothing of podenter's own runs under it but execve */
	if (pe_sandbox_set_no_new_privs(&o->sandbox, &err) < 0 ||
	    pe_sandbox_load_seccomp(&o->sandbox, &err) < 0)
		goto fail;
	pe_exec_command(argv, sc->env->v, &err);
	if (err.kind == PE_ERR_NOT_FOUND && !o->command) {
		pe_error_set(&err, PE_ERR_NOT_FOUND, 0,
			     "the target has no %s (a distroless image?)",
			     default_shell);
		pe_error_hint(&err,
			      "give a COMMAND that exists in it, use "
			      "--net-only for the node's tools, or a tools "
			      "view (--view tools)");
	} else if (err.kind == PE_ERR_NOT_FOUND && !strchr(argv[0], '/')) {
		pe_error_set(&err, PE_ERR_NOT_FOUND, 0,
			     "%s: command not found in the target", argv[0]);
		pe_error_hint(&err, "searched PATH=%s inside the target",
			      pe_env_get(sc->env, "PATH")
				  ? pe_env_get(sc->env, "PATH")
				  : PE_DEFAULT_PATH);
	}
	cli_print_error(&err);
	_exit(child_exit_for(&err));
fail:
	cli_print_error(&err);
	_exit(PE_EXIT_FAILURE);
}

/*
 * In the forked child, inside the namespaces. Never returns. The mounts it
 * makes are shared with the command; then it becomes the session's reaper
 * (reaper.h) and the command runs in a child of it (run_command).
 */
static void __attribute__((noreturn))
run_child(const struct enter_opts *o, const struct enter_plan *plan,
	  const struct pe_pin *pin, struct pe_env *env, pid_t parent,
	  const sigset_t *oldmask, const sigset_t *forwarded,
	  const struct session_io *io)
{
	char *shell_argv[] = { (char *)default_shell, NULL };
	struct session_cmd sc = {
		.o = o,
		.plan = plan,
		.pin = pin,
		.env = env,
		.oldmask = oldmask,
		.io = io,
		.argv = o->command ? o->command : shell_argv,
	};
	struct pe_error err;

	pe_error_clear(&err);
	/* the child must not outlive podenter (nor start after it died) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != (plan->pid_joined ? 0 : parent))
		_exit(PE_EXIT_FAILURE);
	if (plan->view_active) {
		if (pe_view_finish_in_child(&plan->view, &err) < 0)
			goto fail;
		/* a distroless container's own tree: the tools' shell */
		if (plan->view.kind == PE_VIEW_CONTAINER && !o->command &&
		    access(default_shell, X_OK) != 0)
			shell_argv[0] = (char *)PE_VIEW_TOOLS_MOUNT "/bin/sh";
	} else if (plan->pid_joined && plan->private_mnt &&
		   pe_ns_mount_fresh_proc(&err) < 0) {
		goto fail;
	}
	pe_reaper_run(forwarded, hide_cmdline, run_command, &sc, &err);
fail:
	cli_print_error(&err);
	_exit(PE_EXIT_FAILURE);
}

static int forward_and_wait(pid_t child, const sigset_t *waitset)
{
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(waitset, &info);
		int status;
		pid_t r;

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			kill(child, SIGKILL);
			return PE_EXIT_FAILURE;
		}
		if (sig != SIGCHLD) {
			/* the terminal already signalled the whole foreground
			 * process group, the child included */
			/* the child has a session of its own (io_child): no
			 * terminal signals it; this is the only way */
			kill(child, sig);
			continue;
		}
		r = waitpid(child, &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		if (r < 0)
			return PE_EXIT_FAILURE;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return pe_exit_code_of(status);
	}
}

/*
 * Once the target is pinned, podenter ends with _exit(): exit handlers
 * (library destructors, a sanitizer's leak check) must not run inside the
 * target's namespaces. They could touch the container's files, and
 * LeakSanitizer's stop-the-world tracer, forked into the target's PID
 * namespace, can never attach to its parent and spins forever.
 */
static void __attribute__((noreturn)) leave(int rc)
{
	fflush(NULL);
	_exit(rc);
}

static int enter(const struct enter_opts *o, const struct pe_container *c,
		 const struct pe_hostroot *hr)
{
	static const int forwarded[] = { SIGINT,   SIGTERM, SIGHUP, SIGQUIT,
					 SIGWINCH, SIGUSR1, SIGUSR2 };
	struct pe_env env = { 0 }, configured = { 0 };
	struct enter_plan plan;
	struct session_io io;
	struct pe_audit audit;
	struct pe_audit_record record;
	bool audited = false;
	struct pe_pin pin;
	struct pe_error err;
	sigset_t waitset, oldmask;
	pid_t child, self = getpid();
	int rc = PE_EXIT_FAILURE;

	pe_error_clear(&err);
	io_init(&io);
	pe_audit_init(&audit);
	test_pause_at("before-pin");
	if (pe_pin_target(hr, c, &pin, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	/* The audit sinks are the node's: open them while podenter still
	 * sees the node's files, before a view or namespace changes what a
	 * path names; the caller's login uid and terminal are read from the
	 * node's /proc now too (a view has none). (The cgroup step, too,
	 * needs the host's mounts.) */
	memset(&record, 0, sizeof(record));
	pe_audit_fill_caller(&record);
	if (pe_audit_open(&audit, o->audit_log, &err) < 0 ||
	    cgroup_step(o, c, &pin, &err) < 0 ||
	    make_plan(o, c, &pin, &plan, &err) < 0 ||
	    (plan.own_files &&
	     pe_env_load_configured(hr, c, &configured, &err) < 0) ||
	    io_open_lsm_proc(o, &io, &err) < 0 ||
	    view_step(o, c, hr, &pin, &plan, &err) < 0 ||
	    io_setup(o, &io, &err) < 0)
		goto fail;
	if (audit_start(o, c, &plan, &io, &audit, &record, &err) < 0)
		goto fail;
	audited = true;
	test_pause_at("after-pin");
	/* HOSTNAME is the target's: the environment is built after joining
	 * its UTS namespace */
	if (pe_ns_join(&pin, plan.join, NULL, &err) < 0 ||
	    mount_step_after_join(o, &plan, &err) < 0 ||
	    build_env(o, &plan, &pin, &configured, &env, &err) < 0)
		goto fail;
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&waitset, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &waitset, &oldmask) < 0) {
		pe_error_errno(&err, "blocking signals");
		goto fail;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		pe_error_errno(&err, "forking into the target");
		if (errno == ENOMEM && plan.pid_joined)
			pe_error_hint(&err, "the target's PID namespace may "
					    "have no init any more");
		goto fail;
	}
	if (child == 0)
		run_child(o, &plan, &pin, &env, self, &oldmask, &waitset, &io);
	pe_pin_release(&pin);
	pe_env_free(&env);
	pe_env_free(&configured);
	if (io.proxy)
		rc = io_run(&io, child, &waitset);
	else
		rc = forward_and_wait(child, &waitset);
	io_release(&io);
	audit_end(&audit, &record, audited, rc);
	leave(rc);
fail:
	cli_print_error(&err);
	io_release(&io);
	audit_end(&audit, &record, audited, rc);
	pe_pin_release(&pin);
	pe_env_free(&env);
	pe_env_free(&configured);
	leave(rc);
}

/* The session's limits, decided and checked before the target is touched
 * (a bad --seccomp FILE fails here, leaving nothing behind). */
static int sandbox_setup(struct enter_opts *o, struct pe_error *err)
{
	enum pe_profile profile = PE_PROFILE_GENERAL;
	const char *name = o->profile;
	struct pe_config cfg;

	/* no --profile: podenter.conf's, if it names one */
	if (!name) {
		if (pe_config_load(NULL, &cfg, err) < 0)
			return -1;
		if (cfg.profile[0])
			name = cfg.profile;
	}
	if (name && pe_profile_parse(name, &profile, err) < 0)
		return -1;
	pe_sandbox_init(&o->sandbox, profile);
	pe_sandbox_cap_add(&o->sandbox, o->cap_add);
	pe_sandbox_cap_drop(&o->sandbox, o->cap_drop);
	if (o->seccomp &&
	    pe_sandbox_set_seccomp(&o->sandbox, o->seccomp, err) < 0)
		return -1;
	return pe_sandbox_prepare(&o->sandbox, err);
}

int cmd_enter(int argc, char **argv)
{
	struct enter_opts o;
	struct pe_container c = { 0 };
	struct pe_hostroot hr;
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
	if (o.user && pe_user_spec_check(o.user, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	if (sandbox_setup(&o, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	if (pe_hostroot_open(&hr, o.common.host_root, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	rc = cli_resolve_target(&o.common, &hr, o.target, &c);
	if (rc == 0)
		rc = enter(&o, &c, &hr);
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
out:
	pe_sandbox_release(&o.sandbox);
	free(o.env_add);
	free(o.group_add);
	return rc;
}
