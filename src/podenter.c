/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter: enter a Kubernetes pod's namespaces from its node, by name,
 * from the node's own files.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "prefault.h"
#include "podenter/target.h"

void cli_version(void)
{
	printf("podenter %s\n", PACKAGE_VERSION);
	exit(EXIT_SUCCESS);
}

static void usage_list(FILE *out)
{
	fputs("Usage: podenter list [OPTIONS] [POD-PATTERN]\n\n"
	      "List the pods and containers on this node, from the "
	      "node's own files.\n"
	      "POD-PATTERN: a pod name, a glob ('nginx-*') or an owner "
	      "prefix\n"
	      "('nginx-deployment' matches its replicas).\n\n"
	      "Options:\n"
	      "  -n, --namespace NS      namespace to list (default: "
	      "default)\n"
	      "  -A, --all-namespaces    list every namespace\n"
	      "      --all               also show pod sandboxes "
	      "(pause containers)\n"
	      "                          and containers only "
	      "containerd's meta.db knows\n"
	      "  -o, --output FORMAT     table (default), wide, json "
	      "or name\n"
	      "      --host-root DIR     read the node through DIR "
	      "(default /)\n"
	      "  -q, --quiet             no notes on stderr\n"
	      "  -h, --help              show this help\n",
	      out);
}

static void usage_inspect(FILE *out)
{
	fputs("Usage: podenter inspect [OPTIONS] TARGET\n\n"
	      "Show everything the node knows about one target.\n\n"
	      "Options:\n"
	      "  -n, --namespace NS      namespace of the pod "
	      "(default: default)\n"
	      "  -c, --container NAME    container (default: the first "
	      "app container)\n"
	      "      --any               several pods match: take the "
	      "first\n"
	      "      --all               allow the pod sandbox as a "
	      "target\n"
	      "  -o, --output FORMAT     table (default) or json\n"
	      "      --host-root DIR     read the node through DIR "
	      "(default /)\n"
	      "  -q, --quiet             no notes on stderr\n"
	      "  -h, --help              show this help\n",
	      out);
}

static int cmd_help(int argc, char **argv)
{
	cli_usage(stdout, argc >= 2 ? argv[1] : NULL);
	return EXIT_SUCCESS;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_version();
	return EXIT_SUCCESS;
}

/* The subcommands, written once: dispatch, hoisting and help use this.
 * Entering a target is the default (no word); its help is "enter". */
static const struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
} commands[] = {
	{ "list", cmd_list, usage_list },
	{ "inspect", cmd_inspect, usage_inspect },
	{ "sniff", cmd_sniff, cmd_sniff_usage },
	{ "port-forward", cmd_portforward, cmd_portforward_usage },
	{ "copy", cmd_copy, cmd_copy_usage },
	{ "cp", cmd_cp, cmd_cp_usage },
	{ "help", cmd_help, NULL },
	{ "version", cmd_version, NULL },
};

static const struct cli_command *find_command(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(word, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

void cli_usage(FILE *out, const char *sub)
{
	const struct cli_command *cmd = sub ? find_command(sub) : NULL;

	if (sub && strcmp(sub, "enter") == 0) {
		cmd_enter_usage(out);
		return;
	}
	if (cmd && cmd->usage) {
		cmd->usage(out);
		return;
	}
	fputs(
	    "Usage:\n"
	    "  podenter [OPTIONS] TARGET [-- COMMAND [ARG]...]   enter the "
	    "target\n"
	    "  podenter [OPTIONS] POD-PATTERN --each -- COMMAND  the command "
	    "in every\n"
	    "                                                   matching pod "
	    "at once\n"
	    "  podenter list    [OPTIONS] [POD-PATTERN]          pods and "
	    "containers on this node\n"
	    "  podenter inspect [OPTIONS] TARGET                 everything "
	    "known about one target\n"
	    "  podenter sniff   [OPTIONS] TARGET... [-- FILTER]  capture pods' "
	    "traffic (pcapng)\n"
	    "  podenter port-forward [OPTIONS] TARGET PORT...   forward node "
	    "ports to a pod\n"
	    "  podenter copy    [OPTIONS] POD [-- COMMAND...]   run a copy of "
	    "a container\n"
	    "                                                   (crash loops)\n"
	    "  podenter cp      [OPTIONS] SRC DEST               copy files "
	    "(POD:PATH) in or out\n"
	    "\n"
	    "TARGET:  POD | NAMESPACE/POD | pid:PID | id:CONTAINER-ID-PREFIX | "
	    "node\n"
	    "\n"
	    "Common options:\n"
	    "  -n, --namespace NS      namespace of the pod (default: "
	    "default)\n"
	    "  -A, --all-namespaces    (list) every namespace\n"
	    "  -c, --container NAME    container (default: the pod's first app "
	    "container)\n"
	    "      --host-root DIR     read the node through DIR (default /; "
	    "e.g. /host)\n"
	    "  -o, --output FORMAT     table, wide, json (and name for list)\n"
	    "      --all               include pod sandboxes\n"
	    "      --any               several pods match: take the first\n"
	    "  -q, --quiet             no notes on stderr\n"
	    "  -h, --help              show help (podenter SUBCOMMAND --help "
	    "for more)\n"
	    "  -V, --version           show the version\n"
	    "\n"
	    "Exit status: the command's own status when it ran; 125 when "
	    "podenter itself\n"
	    "failed; 126 when the command could not be run; 127 when it was "
	    "not found;\n"
	    "128+N when the command died of signal N.\n"
	    "\n"
	    "Run 'podenter --help-enter' for the options of entering a "
	    "target.\n",
	    out);
	/* entering is the default subcommand: its options belong here */
	fputc('\n', out);
	cmd_enter_usage(out);
}

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof(*c));
	c->host_root = getenv("PODENTER_HOST_ROOT");
	if (!c->host_root || !*c->host_root)
		c->host_root = "/";
	c->namespace = "default";
}

int cli_common_option(struct cli_common *c, int opt, const char *arg,
		      const char *subcommand)
{
	switch (opt) {
	case 'n':
		c->namespace = arg;
		return 1;
	case 'c':
		c->container = arg;
		return 1;
	case 'A':
		c->all_namespaces = true;
		return 1;
	case 'q':
		c->quiet = true;
		return 1;
	case OPT_HOST_ROOT:
		c->host_root = arg;
		return 1;
	case OPT_ALL:
		c->all = true;
		return 1;
	case OPT_ANY:
		c->any = true;
		return 1;
	case 'o':
		if (strcmp(arg, "table") == 0)
			c->output = CLI_OUT_TABLE;
		else if (strcmp(arg, "wide") == 0)
			c->output = CLI_OUT_WIDE;
		else if (strcmp(arg, "json") == 0)
			c->output = CLI_OUT_JSON;
		else if (strcmp(arg, "name") == 0)
			c->output = CLI_OUT_NAME;
		else {
			cli_usage_error(
			    subcommand,
			    "unknown output format '%s' (table, wide, "
			    "json, name)",
			    arg);
			return -1;
		}
		return 1;
	case 'h':
		cli_usage(stdout, subcommand);
		exit(EXIT_SUCCESS);
	case 'V':
		cli_version();
		return 1;
	default:
		return 0;
	}
}

void cli_print_error(const struct pe_error *err)
{
	const char *h = err->hint;

	fprintf(stderr, "podenter: %s\n",
		err->msg[0] ? err->msg : "unknown error");
	while (h && *h) {
		const char *nl = strchr(h, '\n');
		int len = nl ? (int)(nl - h) : (int)strlen(h);

		fprintf(stderr, "  %.*s\n", len, h);
		h = nl ? nl + 1 : NULL;
	}
}

int cli_usage_error(const char *subcommand, const char *fmt, ...)
{
	va_list ap;

	fputs("podenter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'podenter%s%s --help' for more information.\n",
		subcommand ? " " : "", subcommand ? subcommand : "");
	return PE_EXIT_FAILURE;
}

int cli_resolve_target(const struct cli_common *co,
		       const struct pe_hostroot *hr, const char *text,
		       struct pe_container *out)
{
	struct pe_resolve_opts ro = { .container = co->container,
				      .any = co->any,
				      .include_sandboxes = co->all };
	struct pe_resolve_note note;
	struct pe_target t;
	struct pe_error err;

	pe_error_clear(&err);
	if (pe_target_parse(text, co->namespace, &t, &err) < 0 ||
	    pe_resolve(hr, &t, &ro, out, &note, &err) < 0) {
		cli_print_error(&err);
		return pe_error_exit_code(&err, 0);
	}
	cli_print_resolve_note(co, &t, out, &note);
	return 0;
}

void cli_print_resolve_note(const struct cli_common *co,
			    const struct pe_target *t,
			    const struct pe_container *out,
			    const struct pe_resolve_note *note)
{
	if (co->quiet)
		return;
	if (note->matched_pods > 1)
		fprintf(stderr,
			"podenter: %u pods match '%s'; --any took %s/%s\n",
			note->matched_pods, t->pod, out->namespace, out->pod);
	if (note->defaulted_container[0] && note->other_containers[0])
		fprintf(
		    stderr,
		    "podenter: defaulting to container '%s' (also in pod: %s; "
		    "choose with -c)\n",
		    note->defaulted_container, note->other_containers);
	if (note->sandbox_fallback)
		fprintf(stderr,
			"podenter: no app container of %s/%s is running; using "
			"the pod sandbox's namespaces%s%s%s\n",
			out->namespace, out->pod,
			note->other_containers[0] ? " (containers: " : "",
			note->other_containers,
			note->other_containers[0] ? ")" : "");
}

/* Options with a value, so "podenter -n ns list" finds "list" and not
 * "ns" as the subcommand word. */
static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"-n",	       "-c",	   "-o",	  "--namespace",
		"--container", "--output", "--host-root",
	};

	if (strchr(opt, '='))
		return false;
	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (strcmp(opt, with_value[i]) == 0)
			return true;
	return false;
}

/* Common options may come before the subcommand (as with kubectl): move
 * the subcommand word to argv[1], keeping the others in order. */
static void hoist_subcommand(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *word = argv[i];

		if (strcmp(word, "--") == 0)
			return;
		if (word[0] == '-') {
			if (takes_value(word))
				i++;
			continue;
		}
		if (!find_command(word))
			return; /* the TARGET of an enter */
		memmove(&argv[2], &argv[1], (size_t)(i - 1) * sizeof(*argv));
		argv[1] = word;
		return;
	}
}

static char *cmdline_start, *cmdline_end;

void cli_remember_cmdline(int argc, char **argv)
{
	/* the kernel lays the arguments out end to end */
	if (argc < 1 || !argv[0])
		return;
	cmdline_start = argv[0];
	cmdline_end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
}

void cli_hide_cmdline(const char *title)
{
	size_t room;

	if (!cmdline_start || cmdline_end <= cmdline_start)
		return;
	room = (size_t)(cmdline_end - cmdline_start);
	memset(cmdline_start, 0, room);
	snprintf(cmdline_start, room, "%s", title);
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	/* before anything has touched the pages (prefault.h) */
	pe_prefault_process();
	cli_remember_cmdline(argc, argv);
	hoist_subcommand(argc, argv);
	if (argc >= 2) {
		cmd = find_command(argv[1]);
		if (cmd)
			return cmd->run(argc - 1, argv + 1);
		if (strcmp(argv[1], "--version") == 0 ||
		    strcmp(argv[1], "-V") == 0)
			cli_version();
		if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
				  strcmp(argv[1], "-h") == 0)) {
			cli_usage(stdout, NULL);
			return EXIT_SUCCESS;
		}
	}
	return cmd_enter(argc, argv);
}
