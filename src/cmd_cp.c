/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter cp [OPTIONS] [NS/]POD:PATH DEST
 * podenter cp [OPTIONS] SRC [NS/]POD:PATH
 *
 * kubectl cp from the node, without tar (or anything) in the image:
 * podenter reads and writes the container's files itself, beneath the
 * pinned process's root (src/lib/cp.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/audit.h"
#include "podenter/copy.h"
#include "podenter/cp.h"
#include "podenter/nsjoin.h"
#include "podenter/testhooks.h"

/* --audit-log is the session options' OPT_AUDIT_LOG (cli.h) */
enum { OPT_PRESERVE = OPT_SESSION_LAST };

void cmd_cp_usage(FILE *out)
{
	fputs(
	    "Usage: podenter cp [OPTIONS] [NS/]POD:PATH DEST\n"
	    "       podenter cp [OPTIONS] SRC [NS/]POD:PATH\n\n"
	    "Copy files and directories between the node and a container, as "
	    "kubectl cp,\n"
	    "without tar or anything else in the image: podenter reads and "
	    "writes the\n"
	    "container's files itself, as the container sees them (volumes "
	    "included).\n\n"
	    "  POD:PATH         also NS/POD:PATH, pid:PID:PATH, "
	    "id:PREFIX:PATH; "
	    "PATH is\n"
	    "                   resolved in the container (its symlinks stay "
	    "inside it)\n"
	    "  -                as SRC: a tar archive on stdin, unpacked into "
	    "the\n"
	    "                   directory POD:PATH; as DEST: POD:PATH written "
	    "as a tar\n"
	    "                   archive to stdout\n"
	    "  DIR/.            the directory's contents rather than the "
	    "directory\n\n"
	    "A directory is copied recursively; into DEST when DEST is a "
	    "directory, as\n"
	    "DEST otherwise. Symlinks are copied as symlinks, never followed; "
	    "device nodes,\n"
	    "FIFOs and sockets are never opened (skipped with a warning inside "
	    "a directory).\n"
	    "Modes and times are kept; owners are root's unless --preserve.\n\n"
	    "A container that is not running (exited, crash-looping) is read "
	    "as its last\n"
	    "run left it: its image's layers, its writable layer and its "
	    "volumes, all\n"
	    "read-only, from the runtime's files (as podenter copy "
	    "--last-run sees it).\n"
	    "Copying into it is refused: its writable layer is its "
	    "runtime's.\n\n"
	    "Options:\n"
	    "  -c, --container NAME    container (default: the first app "
	    "container)\n"
	    "  -n, --namespace NS      namespace of the pod (default: "
	    "default)\n"
	    "      --preserve          keep owners (uid/gid numbers) and "
	    "set-user-ID bits\n"
	    "  -v, --verbose           report files and bytes copied\n"
	    "      --audit-log FILE    also append the copy's JSON records "
	    "to FILE\n"
	    "      --any               several pods match: take the first\n"
	    "      --all               allow the pod sandbox as a target\n"
	    "      --host-root DIR     read the node through DIR (default /)\n"
	    "  -q, --quiet             no notes on stderr\n"
	    "  -h, --help              show this help\n\n"
	    "Exit status: 0 copied; 125 podenter failed (no such path, a path "
	    "leading\n"
	    "out, a read-only or full file system, ...): each file appears "
	    "whole or not\n"
	    "at all, and no temporary file is left.\n\n"
	    "Each copy is recorded like a session (syslog LOG_AUTHPRIV; "
	    "command\n"
	    "[\"cp\", SRC, DEST]).\n",
	    out);
}

/* One argument: the container's side (target text + path) or not. */
struct cp_arg {
	const char *text;
	bool remote;
	bool stream; /* "-" */
	char target[512];
	const char *path;
};

static int parse_arg(const char *text, struct cp_arg *a)
{
	const char *colon, *from = text;

	memset(a, 0, sizeof(*a));
	a->text = text;
	a->path = text;
	if (strcmp(text, "-") == 0) {
		a->stream = true;
		return 0;
	}
	/* a path the node knows: never a pod (kubectl's rule) */
	if (text[0] == '/' || text[0] == '.')
		return 0;
	if (strncmp(text, "pid:", 4) == 0)
		from = text + 4;
	else if (strncmp(text, "id:", 3) == 0)
		from = text + 3;
	colon = strchr(from, ':');
	if (!colon)
		return 0;
	if ((size_t)(colon - text) >= sizeof(a->target))
		return -!!cli_usage_error("cp", "target too long: '%s'", text);
	memcpy(a->target, text, (size_t)(colon - text));
	a->target[colon - text] = '\0';
	a->path = colon + 1;
	a->remote = true;
	if (!a->target[0] || (from != text && colon == from))
		return -!!cli_usage_error("cp", "no pod in '%s'", text);
	if (!a->path[0])
		return -!!cli_usage_error(
		    "cp", "no path in '%s' (POD:PATH, e.g. %s:/etc)", text,
		    a->target);
	return 0;
}

static bool stop_pending(void *ctx)
{
	sigset_t pending;

	(void)ctx;
	if (sigpending(&pending) < 0)
		return false;
	return sigismember(&pending, SIGINT) ||
	       sigismember(&pending, SIGTERM) || sigismember(&pending, SIGHUP);
}

static void print_warning(void *ctx, const char *msg)
{
	if (*(const bool *)ctx)
		return; /* -q */
	fprintf(stderr, "podenter: warning: %s\n", msg);
}

/* The copy's audit record, as a session's: who, which container, what. */
static void audit_fill(struct pe_audit_record *r, const struct pe_container *c,
		       bool exited, char *const *command)
{
	memset(r, 0, sizeof(*r));
	pe_audit_fill_caller(r);
	r->namespace = c->namespace;
	r->pod = c->pod;
	r->container = c->container;
	r->container_id = c->container_id;
	r->runtime = pe_runtime_name(c->runtime);
	r->target_pid = exited ? 0 : c->pid;
	/* files only: no namespace joined, nothing run */
	r->view = exited ? "cp-exited" : "cp";
	r->command = command;
}

static void print_copy_note(const char *msg)
{
	fprintf(stderr, "podenter: %s\n", msg);
}

/*
 * The container cp works on. A running one as every verb resolves it
 * (pe_resolve). When a pod has no such container running (resolution fell
 * back to the sandbox, or -c names a container that is not running), the
 * container podenter copy would copy (its newest attempt); id:PREFIX may
 * name one that is not running too. *exited says so, and its files are
 * read from what its runtime left on disk.
 */
static int resolve_cp_target(const struct cli_common *co,
			     const struct pe_hostroot *hr, const char *text,
			     struct pe_container *out, bool *exited)
{
	struct pe_resolve_opts ro = { .container = co->container,
				      .any = co->any,
				      .include_sandboxes = co->all,
				      .allow_exited = true };
	struct pe_resolve_note note;
	struct pe_container last = { 0 };
	struct pe_target t;
	struct pe_error err, last_err;
	int r;

	*exited = false;
	pe_error_clear(&err);
	if (pe_target_parse(text, co->namespace, &t, &err) < 0) {
		cli_print_error(&err);
		return pe_error_exit_code(&err, 0);
	}
	r = pe_resolve(hr, &t, &ro, out, &note, &err);
	if (t.kind == PE_TARGET_POD &&
	    (r < 0 ? err.kind == PE_ERR_NOT_FOUND : note.sandbox_fallback)) {
		pe_error_clear(&last_err);
		if (pe_resolve_for_copy(hr, &t, co->container, co->any, &last,
					NULL, &last_err) == 0) {
			if (r == 0)
				pe_container_clear(out);
			*out = last; /* moved */
			*exited = last.pid_state != PE_PID_VERIFIED;
			return 0;
		}
	}
	if (r < 0) {
		cli_print_error(&err);
		return pe_error_exit_code(&err, 0);
	}
	/* id:PREFIX of a container that is not running */
	*exited = t.kind == PE_TARGET_ID && out->pid_state != PE_PID_VERIFIED;
	cli_print_resolve_note(co, &t, out, &note);
	return 0;
}

/*
 * An exited container's files: its image's layers and its last run's
 * writable layer, with its volumes, as podenter copy builds them from the
 * runtime's files (copy.h), every mount read-only, in a mount namespace of
 * a helper's. On success *root is the copy's root.
 */
static int open_exited_root(const struct cli_common *co,
			    const struct pe_hostroot *hr,
			    const struct pe_container *c, struct pe_copy *cpy,
			    struct pe_copy_root *root, struct pe_error *err)
{
	if (pe_copy_load_definition(hr, c, &cpy->def, err) < 0)
		return -1;
	cpy->readonly = true;
	/* what the container saw when it died; a container that never ran
	 * (or whose layer the runtime removed) has its image only */
	cpy->last_run = cpy->def.upperdir != NULL;
	if (pe_copy_prepare(cpy, err) < 0)
		return -1;
	if (!co->quiet) {
		fprintf(
		    stderr, "podenter: container '%s' of %s/%s is not running",
		    c->container ? c->container : "?",
		    c->namespace ? c->namespace : "?", c->pod ? c->pod : "?");
		if (cpy->def.has_exit)
			fprintf(stderr, " (exited with code %d)",
				cpy->def.exit_code);
		fprintf(stderr, "; reading its files as %s (read only)\n",
			cpy->last_run ? "its last run left them"
				      : "its image has them (no writable layer "
					"is left)");
	}
	return pe_copy_root_open(cpy, hr, co->quiet ? NULL : print_copy_note,
				 root, err);
}

static int copy(struct cli_common *co, const struct cp_arg *src,
		const struct cp_arg *dst, bool preserve, bool verbose,
		const char *audit_log)
{
	const struct cp_arg *pod = src->remote ? src : dst;
	struct pe_cp_opts o = { .preserve = preserve,
				.dest_is_node = !dst->remote,
				.cancelled = stop_pending,
				.warn = print_warning,
				.ctx = &co->quiet };
	struct pe_cp_place ps = { .root = -1, .path = src->path },
			   pd = { .root = -1, .path = dst->path };
	struct pe_cp_stats st = { 0 };
	struct pe_container c = { 0 };
	char src_shown[4200], dst_shown[4200];
	struct pe_hostroot hr;
	struct pe_error err;
	struct pe_pin pin;
	struct pe_audit audit;
	struct pe_audit_record record;
	char *command[] = { "cp", (char *)src->text, (char *)dst->text, NULL };
	struct pe_idmap *uid_map = NULL, *gid_map = NULL;
	struct pe_copy cpy;
	struct pe_copy_root exited_root = { .rootfd = -1, .nsfd = -1 };
	bool audited = false, exited = false;
	sigset_t stop;
	int rc, root = -1;

	pe_error_clear(&err);
	pe_pin_init(&pin);
	pe_audit_init(&audit);
	memset(&cpy, 0, sizeof(cpy));
	if (pe_hostroot_open(&hr, co->host_root, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	rc = resolve_cp_target(co, &hr, pod->target, &c, &exited);
	if (rc != 0) {
		pe_hostroot_close(&hr);
		return rc;
	}
	rc = PE_EXIT_FAILURE;
	if (exited && dst->remote) {
		pe_error_set(&err, PE_ERR_USAGE, EROFS,
			     "container '%s' of %s/%s is not running: podenter "
			     "cp copies into running containers only",
			     c.container ? c.container : "?",
			     c.namespace ? c.namespace : "?",
			     c.pod ? c.pod : "?");
		pe_error_hint(
		    &err, "an exited container's writable layer belongs to "
			  "its runtime (which keeps, reuses or removes it); "
			  "podenter reads it (cp out of the container), "
			  "never writes it");
		goto fail;
	}
	/* recorded before a file is touched; an unwritable log stops it */
	audit_fill(&record, &c, exited, command);
	if (pe_audit_open(&audit, audit_log, &err) < 0 ||
	    pe_audit_start(&audit, &record, &err) < 0)
		goto fail;
	audited = true;
	if (exited) {
		if (open_exited_root(co, &hr, &c, &cpy, &exited_root, &err) < 0)
			goto fail;
		root = exited_root.rootfd;
	} else {
		if (pe_pin_target(&hr, &c, &pin, &err) < 0)
			goto fail;
		root = pe_cp_open_root(&pin, &err);
		if (root < 0)
			goto fail;
	}
	/* (tests: the container's files open, nothing copied yet) */
	pe_test_pause_at("cp-root-open");
	/* a user-namespaced container numbers owners its own way */
	if (!exited && pin.ns_inode[PE_NS_USER] &&
	    pin.ns_inode[PE_NS_USER] != pin.self_ns_inode[PE_NS_USER]) {
		uid_map = malloc(sizeof(*uid_map));
		gid_map = malloc(sizeof(*gid_map));
		if (!uid_map || !gid_map) {
			pe_error_set(&err, PE_ERR_SYSTEM, ENOMEM, "id maps");
			goto fail;
		}
		if (pe_idmap_read(pin.procfd, "uid_map", uid_map, &err) < 0 ||
		    pe_idmap_read(pin.procfd, "gid_map", gid_map, &err) < 0)
			goto fail;
		o.uid_map = uid_map;
		o.gid_map = gid_map;
	}
	/* messages name the pod as the operator named it */
	snprintf(src_shown, sizeof(src_shown), "%s",
		 src->stream ? "stdin" : src->text);
	snprintf(dst_shown, sizeof(dst_shown), "%s",
		 dst->stream ? "stdout" : dst->text);
	ps.shown = src_shown;
	pd.shown = dst_shown;
	if (src->remote)
		ps.root = root;
	else
		pd.root = root;
	/* stop between blocks, so the file being written is removed */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (dst->stream)
		rc = pe_cp_to_tar(&ps, STDOUT_FILENO, &o, &st, &err);
	else if (src->stream)
		rc = pe_cp_from_tar(STDIN_FILENO, "stdin", &pd, &o, &st, &err);
	else
		rc = pe_cp_copy(&ps, &pd, &o, &st, &err);
	if (rc < 0)
		goto fail;
	if (verbose)
		fprintf(stderr,
			"podenter: copied %llu files (%llu bytes), %llu "
			"directories, %llu symlinks, %llu hard links; "
			"skipped %llu\n",
			(unsigned long long)st.files,
			(unsigned long long)st.bytes,
			(unsigned long long)st.dirs,
			(unsigned long long)st.symlinks,
			(unsigned long long)st.hardlinks,
			(unsigned long long)st.skipped);
	rc = 0;
	goto out;
fail:
	cli_print_error(&err);
	if (verbose && (st.files || st.dirs))
		fprintf(stderr,
			"podenter: before the failure: %llu files (%llu "
			"bytes), %llu directories were copied\n",
			(unsigned long long)st.files,
			(unsigned long long)st.bytes,
			(unsigned long long)st.dirs);
	rc = PE_EXIT_FAILURE;
out:
	if (audited) {
		pe_error_clear(&err);
		if (pe_audit_end(&audit, &record, rc, &err) < 0)
			cli_print_error(&err);
	}
	pe_audit_close(&audit);
	free(uid_map);
	free(gid_map);
	if (exited)
		pe_copy_root_close(&exited_root);
	else if (root >= 0)
		close(root);
	pe_copy_clear(&cpy);
	pe_pin_release(&pin);
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
	return rc;
}

int cmd_cp(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "preserve", no_argument, NULL, OPT_PRESERVE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common co;
	struct cp_arg src, dst;
	bool preserve = false, verbose = false;
	const char *audit_log = NULL;
	int opt;

	cli_common_init(&co);
	while ((opt = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS "v",
				  longopts, NULL)) != -1) {
		int r = cli_common_option(&co, opt, optarg, "cp");

		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_PRESERVE:
			preserve = true;
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_AUDIT_LOG:
			audit_log = optarg;
			break;
		default:
			return cli_usage_error("cp", "unknown option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("cp", "want SRC and DEST, one of them "
					     "POD:PATH");
	if (co.output != CLI_OUT_TABLE || co.all_namespaces)
		return cli_usage_error("cp", "-o and -A do not apply to cp");
	if (parse_arg(argv[optind], &src) < 0 ||
	    parse_arg(argv[optind + 1], &dst) < 0)
		return PE_EXIT_FAILURE;
	if (src.remote == dst.remote)
		return cli_usage_error(
		    "cp", "one of SRC and DEST must be POD:PATH, the other "
			  "a node path or - (a local name with ':' is "
			  "written ./NAME)");
	if (src.stream && dst.stream)
		return cli_usage_error("cp", "- on both sides");
	if (src.stream && isatty(STDIN_FILENO))
		return cli_usage_error("cp", "not reading a tar archive from a "
					     "terminal; redirect stdin");
	if (dst.stream && isatty(STDOUT_FILENO))
		return cli_usage_error("cp", "not writing a tar archive to a "
					     "terminal; redirect stdout");
	return copy(&co, &src, &dst, preserve, verbose, audit_log);
}
