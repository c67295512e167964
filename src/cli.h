/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI layer: options, output and exit codes. Only this layer prints.
 */
#ifndef PODENTER_CLI_H
#define PODENTER_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "podenter/cgroupjoin.h"
#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"
#include "podenter/resolve.h"
#include "podenter/sandbox.h"
#include "podenter/tools.h"

enum cli_output { CLI_OUT_TABLE = 0, CLI_OUT_WIDE, CLI_OUT_JSON, CLI_OUT_NAME };

/* Options every subcommand shares (the command-line contract). */
struct cli_common {
	const char *host_root; /* --host-root, default "/" */
	const char *namespace; /* -n, default "default" */
	const char *container; /* -c */
	enum cli_output output; /* -o */
	bool all_namespaces; /* -A */
	bool all; /* --all: show sandboxes */
	bool any; /* --any: first of several matching pods */
	bool quiet; /* -q: no notes on stderr */
};

/* Long-only option ids shared by the subcommands' getopt tables. */
enum { OPT_HOST_ROOT = 0x100, OPT_ALL, OPT_ANY, OPT_COMMON_LAST };

/* getopt_long entries for the common options; each subcommand's table
 * starts with these (terminated by its own entries and a zero row). */
#define CLI_COMMON_LONGOPTS                                                    \
	{ "namespace", required_argument, NULL, 'n' },                         \
	    { "container", required_argument, NULL, 'c' },                     \
	    { "output", required_argument, NULL, 'o' },                        \
	    { "all-namespaces", no_argument, NULL, 'A' },                      \
	    { "host-root", required_argument, NULL, OPT_HOST_ROOT },           \
	    { "all", no_argument, NULL, OPT_ALL },                             \
	    { "any", no_argument, NULL, OPT_ANY },                             \
	    { "quiet", no_argument, NULL, 'q' },                               \
	    { "help", no_argument, NULL, 'h' },                                \
	{                                                                      \
		"version", no_argument, NULL, 'V'                              \
	}
#define CLI_COMMON_SHORTOPTS "n:c:o:AqhV"

void cli_common_init(struct cli_common *c);
/* Handle a common option. Returns 1 if handled, 0 if not a common
 * option, -1 on a bad value (message printed). 'h' and 'V' print and exit. */
int cli_common_option(struct cli_common *c, int opt, const char *arg,
		      const char *subcommand);

/* Print "podenter: message" and the hint lines, once. */
void cli_print_error(const struct pe_error *err);
/* Print a usage error with a pointer to --help; returns PE_EXIT_FAILURE. */
int cli_usage_error(const char *subcommand, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cli_usage(FILE *out, const char *subcommand);
void cli_version(void);

/* The process's original command line (main's argv), and a way to wipe
 * it: a process left in a pod's PID namespace must not show the node's
 * paths and options in /proc/PID/cmdline, which anyone there may read. */
void cli_remember_cmdline(int argc, char **argv);
void cli_hide_cmdline(const char *title);

/* output.c */
void output_table(FILE *out, const struct pe_container_list *l, bool wide,
		  bool include_sandboxes);
void output_json_list(FILE *out, const struct pe_container_list *l,
		      bool include_sandboxes);
void output_json_one(FILE *out, const struct pe_container *c);
void output_names(FILE *out, const struct pe_container_list *l);
void output_inspect_text(FILE *out, const struct pe_container *c);

/* Resolve TARGET text with the common options; prints errors and notes.
 * Returns 0 or an exit code. */
int cli_resolve_target(const struct cli_common *co,
		       const struct pe_hostroot *hr, const char *text,
		       struct pe_container *out);
/* What resolution decided on its own (--any, the defaulted container, the
 * sandbox), said on stderr unless -q. */
void cli_print_resolve_note(const struct cli_common *co,
			    const struct pe_target *t,
			    const struct pe_container *out,
			    const struct pe_resolve_note *note);

/* --each (cmd_each.c): the command in every pod TARGET matches, one
 * session each; prints their prefixed lines and a summary, returns the
 * exit code. */
struct pe_session_opts;
struct cli_each {
	unsigned max_parallel; /* 0: the default */
	unsigned timeout_s; /* 0: none */
	bool no_prefix;
};
int cli_each(const struct cli_common *co, const struct pe_hostroot *hr,
	     const char *target, const struct pe_session_opts *so,
	     const struct cli_each *eo);

int cmd_list(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_enter(int argc, char **argv);
int cmd_sniff(int argc, char **argv);
void cmd_sniff_usage(FILE *out);
int cmd_portforward(int argc, char **argv);
void cmd_portforward_usage(FILE *out);
int cmd_cp(int argc, char **argv);
void cmd_cp_usage(FILE *out);
/* the options of entering a target (cmd_enter.c) */
void cmd_enter_usage(FILE *out);
int cmd_copy(int argc, char **argv);
void cmd_copy_usage(FILE *out);

/* cli_session.c: the options of every verb that runs a session (enter,
 * copy): who the command runs as and where, what it may do, how it is
 * recorded. Each subcommand's getopt table holds CLI_SESSION_LONGOPTS and
 * its short options CLI_SESSION_SHORTOPTS; its own option ids start at
 * OPT_SESSION_LAST. */
struct cli_session_args {
	const char *user; /* --user: NULL (the verb's default) or a spec */
	const char *wd; /* --wd */
	char **env_add; /* -e KEY=VAL, in order */
	size_t n_env_add;
	const char *tools; /* --tools SOURCE */
	/* what the session may do (sandbox.h), decided before anything is
	 * touched: --profile, --cap-add, --cap-drop, --seccomp */
	const char *profile;
	pe_capset cap_add, cap_drop;
	const char *seccomp;
	bool force_tty; /* -t: a pty even when stdin is no terminal */
	bool no_tty; /* --no-tty: never a pty */
	const char *audit_log; /* --audit-log FILE (JSON lines) */
	enum pe_cgroup_place cgroup_place; /* --join-cgroup */
};

enum {
	OPT_USER = OPT_COMMON_LAST,
	OPT_WD,
	OPT_TOOLS,
	OPT_PROFILE,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SECCOMP,
	OPT_NO_TTY,
	OPT_AUDIT_LOG,
	OPT_JOIN_CGROUP,
	OPT_SESSION_LAST
};

#define CLI_SESSION_LONGOPTS                                                   \
	{ "user", required_argument, NULL, OPT_USER },                         \
	    { "wd", required_argument, NULL, OPT_WD },                         \
	    { "env", required_argument, NULL, 'e' },                           \
	    { "tools", required_argument, NULL, OPT_TOOLS },                   \
	    { "profile", required_argument, NULL, OPT_PROFILE },               \
	    { "cap-add", required_argument, NULL, OPT_CAP_ADD },               \
	    { "cap-drop", required_argument, NULL, OPT_CAP_DROP },             \
	    { "seccomp", required_argument, NULL, OPT_SECCOMP },               \
	    { "tty", no_argument, NULL, 't' },                                 \
	    { "no-tty", no_argument, NULL, OPT_NO_TTY },                       \
	    { "audit-log", required_argument, NULL, OPT_AUDIT_LOG },           \
	{                                                                      \
		"join-cgroup", required_argument, NULL, OPT_JOIN_CGROUP        \
	}
#define CLI_SESSION_SHORTOPTS "e:t"

/* Handle a session option (optarg kept, not copied). Returns 1 if handled,
 * 0 if not a session option, or an exit code (message printed). */
int cli_session_option(struct cli_session_args *s, int opt, char *arg,
		       const char *subcommand);
void cli_session_args_free(struct cli_session_args *s);

/* The session's limits from --profile, --cap-add, --cap-drop, --seccomp
 * and podenter.conf, decided and checked before the target is touched. */
int cli_sandbox_setup(struct pe_sandbox *sb,
		      const struct cli_session_args *args,
		      const struct pe_config *cfg, struct pe_error *err);
/* The note and cmdline hooks of a session; and the way out once a target
 * was pinned (_exit: no exit handler may run inside the target's
 * namespaces). */
void cli_print_note(const char *msg);
void cli_session_hide_cmdline(void);
void __attribute__((noreturn)) cli_leave(int rc);

#endif
