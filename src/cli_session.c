/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every verb that runs a session (enter, copy) shares on the command
 * line: the session options, the limits they set, the note and cmdline
 * hooks, and the way out once a target was pinned.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int add_env(struct cli_session_args *s, char *kv)
{
	char **v = realloc(s->env_add, (s->n_env_add + 1) * sizeof(*v));

	if (!v)
		return -1;
	s->env_add = v;
	s->env_add[s->n_env_add++] = kv;
	return 0;
}

int cli_session_option(struct cli_session_args *s, int opt, char *arg,
		       const char *subcommand)
{
	struct pe_error err;
	pe_capset set;

	pe_error_clear(&err);
	switch (opt) {
	case OPT_USER:
		s->user = arg;
		return 1;
	case OPT_WD:
		s->wd = arg;
		return 1;
	case 'e':
		if (!strchr(arg, '=') || arg[0] == '=')
			return cli_usage_error(
			    subcommand, "-e '%s': expected KEY=VALUE", arg);
		if (add_env(s, arg) < 0)
			return cli_usage_error(subcommand, "out of memory");
		return 1;
	case OPT_TOOLS:
		s->tools = arg;
		return 1;
	case OPT_PROFILE:
		s->profile = arg;
		return 1;
	case OPT_CAP_ADD:
	case OPT_CAP_DROP:
		if (pe_cap_parse_list(arg, &set, &err) < 0)
			break;
		if (opt == OPT_CAP_ADD)
			s->cap_add |= set;
		else
			s->cap_drop |= set;
		return 1;
	case OPT_SECCOMP:
		s->seccomp = arg;
		return 1;
	case 't':
		s->force_tty = true;
		s->no_tty = false;
		return 1;
	case OPT_NO_TTY:
		s->no_tty = true;
		s->force_tty = false;
		return 1;
	case OPT_AUDIT_LOG:
		s->audit_log = arg;
		return 1;
	case OPT_JOIN_CGROUP:
		if (pe_cgroup_place_parse(arg, &s->cgroup_place, &err) < 0)
			break;
		return 1;
	default:
		return 0;
	}
	cli_print_error(&err);
	return PE_EXIT_FAILURE;
}

void cli_session_args_free(struct cli_session_args *s)
{
	free(s->env_add);
	s->env_add = NULL;
	s->n_env_add = 0;
}

/* The session's limits, decided and checked before the target is touched
 * (a bad --seccomp FILE fails here, leaving nothing behind). */
int cli_sandbox_setup(struct pe_sandbox *sb,
		      const struct cli_session_args *args,
		      const struct pe_config *cfg, struct pe_error *err)
{
	enum pe_profile profile = PE_PROFILE_GENERAL;
	const char *name = args->profile;

	/* no --profile: podenter.conf's, if it names one */
	if (!name && cfg->profile[0])
		name = cfg->profile;
	if (name && pe_profile_parse(name, &profile, err) < 0)
		return -1;
	pe_sandbox_init(sb, profile);
	pe_sandbox_cap_add(sb, args->cap_add);
	pe_sandbox_cap_drop(sb, args->cap_drop);
	if (args->seccomp && pe_sandbox_set_seccomp(sb, args->seccomp, err) < 0)
		return -1;
	return pe_sandbox_prepare(sb, err);
}

void cli_print_note(const char *msg)
{
	fprintf(stderr, "podenter: %s\n", msg);
}

/* The reaper stays in the target's PID namespace for the whole session:
 * what the pod can read of it must not be podenter's command line. */
void cli_session_hide_cmdline(void)
{
	cli_hide_cmdline("podenter: session");
}

/*
 * Once the target is pinned, podenter ends with _exit(): exit handlers
 * (library destructors, a sanitizer's leak check) must not run inside the
 * target's namespaces. They could touch the container's files, and
 * LeakSanitizer's stop-the-world tracer, forked into the target's PID
 * namespace, can never attach to its parent and spins forever.
 */
void cli_leave(int rc)
{
	fflush(NULL);
	_exit(rc);
}
