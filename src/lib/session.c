/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A debug session (see include/podenter/session.h): the plan, then the run
 * in privilege phases, numbered in the order they happen: read
 * pe_session_run() (phases 1-6 and 10, podenter on the node), then
 * run_stage() (7-9, in the node's PID namespace), run_child() (11) and
 * run_command() (12, in the pod's PID namespace), top to bottom. Each phase
 * says what the pod can reach at that point. The order is that of
 * shared/notes/security.md: non-dumpable, pin and re-verify, every handle
 * opened before the first setns, cgroup from the host side, setns, fork,
 * then in the child: chdir, LSM label, bounding set, groups and uid/gid,
 * capabilities, fds closed, no_new_privs, seccomp last (so that nothing of
 * podenter's runs under the filter but execve), exec. (The environment is
 * built by the stage, from the allowlist, after joining the UTS namespace.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/audit.h"
#include "podenter/passwd.h"
#include "podenter/pty.h"
#include "podenter/reaper.h"
#include "podenter/session.h"
#include "podenter/testhooks.h"
#include "podenter/traceguard.h"
#include "fsmount.h"
#include "prefault.h"
#include "syscalls.h"
#include "teardown.h"

/* podenter's own failure (error.h) */
#define SESSION_FAILED PE_EXIT_FAILURE

/* ---- the plan ------------------------------------------------------------ */

/* The namespaces: the caller's choice or the default set, each one checked
 * to exist, minus those the caller already shares with the target. */
static int plan_namespaces(const struct pe_session_opts *o,
			   const struct pe_container *c,
			   const struct pe_pin *pin,
			   struct pe_session_plan *plan, struct pe_error *err)
{
	const unsigned long *self = pin->self_ns_inode;
	pe_ns_set want = o->chosen;

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
		if (!(want & PE_NS_BIT(t)) || pin->ns_inode[t])
			continue;
		if (o->chosen == PE_NS_ALL) {
			want &= ~PE_NS_BIT(t);
			continue;
		}
		pe_error_set(err, PE_ERR_UNSUPPORTED, ENOENT,
			     "cannot read /proc/%d/ns/%s", (int)pin->pid,
			     pe_ns_name((enum pe_ns_type)t));
		pe_error_hint(err, "the kernel lacks it, or the target holds "
				   "privileges podenter lacks (ptrace access "
				   "check): run podenter with all "
				   "capabilities");
		return -1;
	}
	want = pe_ns_drop_shared(pin, want);
	plan->join_user = want & PE_NS_BIT(PE_NS_USER);
	plan->join = want & ~PE_NS_BIT(PE_NS_USER);
	plan->pid_joined = plan->join & PE_NS_BIT(PE_NS_PID);
	/* without a view: the container's own mount namespace, joined in the
	 * same setns() as the others, then a private copy of it */
	plan->own_files = plan->join & PE_NS_BIT(PE_NS_MNT);
	if (plan->own_files)
		plan->mount = PE_MOUNT_OWN_COPY;
	else if (plan->join & (PE_NS_BIT(PE_NS_NET) | PE_NS_BIT(PE_NS_PID)))
		plan->mount = PE_MOUNT_HOST_COPY;
	else
		plan->mount = PE_MOUNT_NONE;
	return 0;
}

static bool wd_is_target(const struct pe_session_opts *o)
{
	return o->wd && strcmp(o->wd, "target") == 0;
}

/*
 * A view (--view, --tools or podenter.conf): the tools beside the
 * container's files, in a mount namespace view.c builds; the target's mount
 * namespace is then not joined.
 */
static int plan_view(const struct pe_session_opts *o,
		     const struct pe_container *c, struct pe_session_plan *plan,
		     struct pe_error *err)
{
	const struct pe_config *cfg = o->config;
	const char *name = o->view;

	if (!name && cfg && cfg->view[0])
		name = cfg->view;
	if (!name && (o->tools || o->rw))
		name = "tools";
	/* A container's own files may hold no tools at all (distroless), so
	 * by default the session gets tools beside them. The node and plain
	 * host processes are entered as they are, and so is a container when
	 * the session asks for its own environment or working directory. */
	if (!name && c->container_id && !o->env_from_target && !wd_is_target(o))
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
	if (pe_view_parse(name, &plan->view, err) < 0)
		return -1;
	if (plan->view != PE_VIEW_CONTAINER &&
	    (o->env_from_target || wd_is_target(o)))
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "--env-from-target and --wd target need "
				    "--view container");
	/* the container's own tree runs what it has: only static tools work
	 * beside it, so the automatic choice is the builtin toolbox */
	plan->tools =
	    o->tools ? o->tools
	    : (plan->view == PE_VIEW_CONTAINER && !(cfg && cfg->tools[0]))
		? "builtin"
		: NULL;
	plan->mount = PE_MOUNT_VIEW;
	plan->join &= ~PE_NS_BIT(PE_NS_MNT);
	plan->own_files = plan->view == PE_VIEW_CONTAINER;
	return 0;
}

static int plan_user(const struct pe_session_opts *o,
		     struct pe_session_plan *plan, struct pe_error *err)
{
	bool nonroot = o->sandbox && o->sandbox->run_as_nonroot;

	plan->user_spec = NULL;
	if (o->user && strcmp(o->user, "target") == 0) {
		plan->user = PE_USER_TARGET; /* checked when read */
		return 0;
	}
	if (o->user) {
		if (pe_user_spec_check(o->user, err) < 0)
			return -1;
		plan->user = PE_USER_SPEC;
		plan->user_spec = o->user;
	} else if (nonroot) {
		/* restricted: nobody, with nobody's group whatever the files
		 * say (a missing entry would mean gid 0) */
		plan->user = PE_USER_NOBODY;
		plan->user_spec = "65534:65534";
	} else {
		plan->user = PE_USER_ROOT;
	}
	/* a name that is root's is refused when run */
	if (nonroot && plan->user_spec &&
	    strtoul(plan->user_spec, NULL, 10) == 0 &&
	    plan->user_spec[0] == '0')
		return pe_error_set(err, PE_ERR_USAGE, EPERM,
				    "--profile restricted runs as non-root, "
				    "and the session user is root");
	return 0;
}

/*
 * podenter copy: the sandbox's IPC, UTS and network namespaces (the pod's
 * IP and hostname), the pod's PID namespace only when asked, else a new
 * one; the copy's root is a container view of the definition (copy.h); the
 * spec's user, groups and working directory unless the caller chose.
 */
static int plan_copy(const struct pe_session_opts *o, const struct pe_pin *pin,
		     struct pe_session_plan *plan, struct pe_error *err)
{
	const struct pe_copy *cp = o->copy;
	pe_ns_set want = PE_NS_BIT(PE_NS_IPC) | PE_NS_BIT(PE_NS_UTS);

	if (!cp->net_none)
		want |= PE_NS_BIT(PE_NS_NET);
	if (cp->share_processes)
		want |= PE_NS_BIT(PE_NS_PID);
	for (int t = 0; t < PE_NS_COUNT; t++)
		if ((want & PE_NS_BIT(t)) && !pin->ns_inode[t])
			return pe_error_set(
			    err, PE_ERR_UNSUPPORTED, ENOENT,
			    "cannot read /proc/%d/ns/%s of the pod's sandbox",
			    (int)pin->pid, pe_ns_name((enum pe_ns_type)t));
	if (o->env_from_target || o->rw || o->view || o->net_only || o->chosen)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "a copy runs in the container's own "
				    "definition: no --env-from-target, --rw, "
				    "--view or namespace options");
	plan->join = pe_ns_drop_shared(pin, want);
	plan->copy = true;
	plan->new_net = cp->net_none;
	plan->new_pid = !cp->share_processes;
	/* the command's PID namespace is never the node's */
	plan->pid_joined = true;
	plan->mount = PE_MOUNT_VIEW;
	plan->view = PE_VIEW_CONTAINER;
	plan->own_files = true;
	plan->tools = o->tools				 ? o->tools
		      : o->config && o->config->tools[0] ? NULL
							 : "builtin";
	if (o->wd && strcmp(o->wd, "target") != 0)
		snprintf(plan->wd, sizeof(plan->wd), "%s", o->wd);
	else
		snprintf(plan->wd, sizeof(plan->wd), "%s",
			 cp->spec.cwd ? cp->spec.cwd : "/");
	if (o->user)
		return plan_user(o, plan, err);
	snprintf(plan->copy_user, sizeof(plan->copy_user), "%u:%u",
		 cp->spec.uid, cp->spec.gid);
	plan->user = PE_USER_SPEC;
	plan->user_spec = plan->copy_user;
	if (o->sandbox && o->sandbox->run_as_nonroot && cp->spec.uid == 0)
		return pe_error_set(err, PE_ERR_USAGE, EPERM,
				    "--profile restricted runs as non-root, "
				    "and the container's user is root");
	return 0;
}

int pe_session_plan(const struct pe_session_opts *o,
		    const struct pe_container *c, const struct pe_pin *pin,
		    struct pe_session_plan *plan, struct pe_error *err)
{
	static char *const shell[] = { (char *)PE_SESSION_SHELL, NULL };

	memset(plan, 0, sizeof(*plan));
	plan->argv = o->command && o->command[0] ? o->command : shell;
	if (o->copy) {
		if (plan_copy(o, pin, plan, err) < 0)
			return -1;
		plan->stdio = o->force_tty || (!o->no_tty && o->stdin_is_tty)
				  ? PE_STDIO_PTY
				  : PE_STDIO_PIPES;
		return 0;
	}
	if (plan_namespaces(o, c, pin, plan, err) < 0)
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
	plan->env_from_target = o->env_from_target;
	if (wd_is_target(o)) {
		if (!plan->own_files)
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "--wd target needs the target's "
					    "mount namespace");
		plan->wd_target = true;
	} else if (o->wd) {
		snprintf(plan->wd, sizeof(plan->wd), "%s", o->wd);
	} else {
		/* the node's files: stay where the caller is, so that
		 * "-w out.pcap" lands there (as with ip netns exec) */
		snprintf(plan->wd, sizeof(plan->wd), "%s",
			 plan->own_files ? "/" : ".");
	}
	if (plan_view(o, c, plan, err) < 0)
		return -1;
	/* a view starts at its own root */
	if (plan->mount == PE_MOUNT_VIEW && !o->wd)
		snprintf(plan->wd, sizeof(plan->wd), "/");
	if (plan_user(o, plan, err) < 0)
		return -1;
	if (o->no_stdin && o->force_tty)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "-t and --no-stdin: a terminal's input is "
				    "its stdin");
	plan->stdin_closed = o->no_stdin;
	plan->stdio =
	    o->force_tty || (!o->no_tty && !o->no_stdin && o->stdin_is_tty)
		? PE_STDIO_PTY
		: PE_STDIO_PIPES;
	return 0;
}

/* ---- the run: state and helpers ------------------------------------------ */

/*
 * The session's stdio (pty.h). With a terminal: a fresh pty from the node's
 * /dev/ptmx, opened before any view or namespace. Without one: pipes podenter
 * copies through, never the caller's own fds. Either way the command runs in
 * a session of its own, with the caller's terminal out of reach.
 */
struct session_io {
	struct pe_pty pty;
	int child_fds[3]; /* the session's ends of the pipes, for its 0-2 */
	int parent_fds[3]; /* podenter's ends (-1: the caller's fd is closed) */
};

struct session {
	const struct pe_session_opts *o;
	const struct pe_container *c;
	const struct pe_hostroot *hr;
	struct pe_session_plan plan;
	struct pe_pin pin;
	struct pe_view view; /* PE_MOUNT_VIEW, once entered */
	struct pe_proc_guard guard; /* a fresh /proc's masks (no view) */
	char wd[PATH_MAX]; /* the plan's, or the target's own cwd */
	struct session_io io;
	struct pe_audit audit;
	struct pe_audit_record record;
	bool audited;
	struct pe_env env;
	struct pe_env configured; /* the container's, from its bundle */
	sigset_t waitset, oldmask;
	struct pe_reaper_watch watch; /* the reaper, from podenter's side */
	/* --join-cgroup: podenter's own cgroups, to step back out to once
	 * the session is born in the target's; on v2 for the pod, the leaf
	 * podenter made and moved into, removed when the session ends. NULL
	 * without --join-cgroup: 25 KB of handles and paths that the stage
	 * would copy, page by page, for nothing. */
	struct pe_cgroup_join *cgroup;
	char *shell_argv[2];
	char *const *argv;
	/* podenter's own children list (host /proc, opened before a view):
	 * how it learns the session's PID from the stage */
	int children_fd;
	/* What the session's process needs from the host side, prepared by
	 * the stage so that the process itself holds no host handle: */
	int userns_fd; /* the target's user namespace (join_user) */
	int pidns_fd; /* the target's PID namespace (the stage's /proc) */
	/* the session's /proc and /sys were made by the stage; and all its
	 * privileged steps (else the session's process does the rest) */
	bool proc_done, privileged_done;
	int label_procfd; /* --follow-context: a procfs to write attr/exec */
	int reaper_program; /* the tiny reaper's (pe_reaper_program_open) */
	/* the session's mount namespace, held for the kernel to tear down
	 * after the session (teardown.h), -1 when not */
	int teardown_ring;
	/* podenter's CPU while it holds the session's processes */
	struct pe_trace_guard_cpu cpu;
	bool held_by_podenter; /* the trace guard's holder, set by the stage */
	struct pe_identity target_id; /* PE_USER_TARGET, in its numbers */
	char label[4096]; /* --follow-context: for attr/exec, "" none */
	/* the stage's signal mask, given back to the session's process
	 * (the stage blocks every signal while it is traced) */
	sigset_t stage_mask;
	/* the session's process's bounding set once it dropped to the
	 * session's capabilities (drop_to_session_caps: in the stage, or
	 * in that process); the command's drop starts from it */
	pe_capset bounding;
	/* the stage's copy of this record, in podenter's heap (stage_main) */
	struct session *stage_copy;
};

/* The stage's exit status once it forked the session's process: whether
 * podenter holds that process as its tracer (traceguard.h). */
#define STAGE_FORKED_HELD 0
#define STAGE_FORKED_HELD_ELSEWHERE 1

/* Test hook (before-pin|after-pin|child-attached, testhooks.h): stop here
 * so a test can kill or replace the target at a precise point; nothing in
 * a release build. */
static void test_pause_at(const char *point)
{
	(void)point;
	pe_test_pause_at(point);
}

static void note(const struct pe_session_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(const struct pe_session_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->note(msg);
}

/* An error in a process that never returns to the caller. */
static void __attribute__((noreturn))
child_fail(const struct pe_session_opts *o, const struct pe_error *err,
	   int code)
{
	if (o->report)
		o->report(err);
	_exit(code);
}

static void io_init(struct session_io *io)
{
	memset(io, 0, sizeof(*io));
	pe_pty_init(&io->pty);
	for (int i = 0; i < 3; i++)
		io->child_fds[i] = io->parent_fds[i] = -1;
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
	for (int i = 0; i < 3; i++) {
		if (io->parent_fds[i] >= 0)
			close(io->parent_fds[i]);
		io->parent_fds[i] = -1;
	}
}

static int io_setup(struct session *s, struct pe_error *err)
{
	struct session_io *io = &s->io;

	if (s->plan.stdio == PE_STDIO_PTY) {
		if (pe_pty_open(&io->pty, STDIN_FILENO, err) < 0)
			return -1;
		return fcntl(io->pty.master, F_SETFL, O_NONBLOCK) < 0
			   ? pe_error_errno(err, "setting up the pty")
			   : 0;
	}
	/* a pipe for each of 0-2: the session never holds the caller's own
	 * fds (a file on the node, a socket); one the caller has closed is a
	 * pipe with no other end */
	for (int fd = 0; fd < 3; fd++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return pe_error_errno(err, "creating a pipe");
		io->child_fds[fd] = fd == 0 ? p[0] : p[1];
		io->parent_fds[fd] = fd == 0 ? p[1] : p[0];
		if ((fd == 0 && s->plan.stdin_closed) ||
		    fcntl(fd, F_GETFD) < 0) {
			close(io->parent_fds[fd]);
			io->parent_fds[fd] = -1;
		} else if (fcntl(io->parent_fds[fd], F_SETFL, O_NONBLOCK) < 0) {
			return pe_error_errno(err, "setting up a pipe");
		}
	}
	return 0;
}

static int io_child(const struct session *s, struct pe_error *err)
{
	if (s->plan.stdio == PE_STDIO_PTY)
		return pe_pty_attach_child(s->io.pty.peer, err);
	return pe_stdio_attach_child(s->io.child_fds, err);
}

/* What a stage that failed wrote into the session's pipes (its message,
 * once its own stderr was the pipe): copied out, nothing waited for. */
static void io_pass_on_leftovers(struct session_io *io)
{
	char buf[4096];

	for (int fd = 1; fd < 3; fd++) {
		ssize_t n;

		if (io->parent_fds[fd] < 0)
			continue;
		while ((n = read(io->parent_fds[fd], buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) != n)
				break;
	}
}

/* podenter's side: copy the stdio, forward signals (the session has a
 * session of its own: no terminal signals it), wait for it with the
 * watch's bounds (reaper.h). */
static int io_run(struct session *s, struct pe_error *err)
{
	pid_t child = s->watch.reaper;
	struct session_io *io = &s->io;
	struct pe_term term = { .fd = -1 };
	struct pe_proxy px;
	struct pe_error ignored;
	int sigfd, status = 0, rc;

	io_close_child_ends(io);
	sigfd = signalfd(-1, &s->waitset, SFD_CLOEXEC);
	if (sigfd < 0) {
		kill(child, SIGKILL);
		return pe_error_errno(err, "signalfd");
	}
	pe_proxy_init(&px, sigfd, child);
	px.watch = &s->watch;
	if (s->plan.stdio == PE_STDIO_PTY) {
		/* the operator's keys go to the session's terminal as typed:
		 * ^C, ^Z and ^\ become signals there, not here */
		if (isatty(STDIN_FILENO))
			pe_term_raw(&term, STDIN_FILENO, &ignored);
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
	rc = pe_proxy_run(&px, &status, err);
	pe_term_restore(&term);
	close(sigfd);
	if (rc < 0) {
		kill(child, SIGKILL);
		return -1;
	}
	return pe_exit_code_of(status);
}

/* --join-cgroup: podenter moves itself into the target's cgroups while it
 * still sees the host's cgroup mounts; the session it forks is born there.
 * (For the pod on cgroup v2, into a leaf it makes under the pod's cgroup,
 * kept in s->cgroup until session_release removes it.) Its own cgroups'
 * handles stay in s->cgroup: it steps back out once the session is born. */
static int cgroup_step(struct session *s, struct pe_error *err)
{
	struct pe_cgroup_join *cj;
	char *mountinfo = NULL;
	int rc;

	if (s->o->cgroup_place == PE_CGROUP_HOST)
		return 0;
	cj = s->cgroup = malloc(sizeof(*cj));
	if (!cj)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "allocating the cgroup join");
	pe_cgroup_join_init(cj);
	if (pe_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 22,
			    &mountinfo) < 0)
		return pe_error_errno(err, "reading /proc/self/mountinfo");
	rc = pe_cgroup_join_prepare(s->pin.procfd, mountinfo,
				    s->o->cgroup_place, s->c->pod_uid, cj, err);
	free(mountinfo);
	if (rc == 0)
		rc = pe_cgroup_join_apply(cj, 0, err);
	pe_cgroup_join_release(cj);
	if (rc == 0 && cj->leaf.dir_fd >= 0)
		note(s->o, "cgroup: %s (the pod's limits apply)",
		     cj->leaf.where);
	return rc;
}

/*
 * The view: the tools are found while the node's files are still
 * reachable, then view.c builds the private mount namespace and moves
 * podenter into it.
 */
static int view_step(struct session *s, struct pe_error *err)
{
	const struct pe_session_opts *o = s->o;
	struct pe_config none;
	struct pe_view_opts vo = { 0 };
	struct pe_tools tools;

	if (s->plan.mount != PE_MOUNT_VIEW)
		return 0;
	memset(&none, 0, sizeof(none));
	vo.kind = s->plan.view;
	if (pe_tools_resolve(s->plan.tools, s->hr,
			     o->config ? o->config : &none, &tools, err) < 0)
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
	note(o, "tools: %s (%s)%s%s%s", tools.given, tools.dir,
	     tools.why[0] ? ": " : "", tools.why,
	     tools.cached ? ", cached" : "");
	if (s->plan.copy)
		return pe_copy_enter(o->copy, s->hr, tools.dir, s->pin.procfd,
				     &s->view, o->note, err);
	if (o->rw && vo.kind != PE_VIEW_MERGED)
		note(o,
		     "--rw: writes to the container's files (%s) go through "
		     "to the container",
		     vo.kind == PE_VIEW_TOOLS ? "/target" : "/");
	vo.tools_dir = tools.dir;
	if (tools.kind == PE_TOOLS_HOST)
		vo.tools_only = pe_tools_host_paths;
	vo.rw = o->rw;
	vo.has_procfd = true;
	vo.procfd = s->pin.procfd;
	return pe_view_enter(&vo, s->c, s->pin.pidfd, &s->view, err);
}

static int mount_step_after_join(const struct session *s, struct pe_error *err)
{
	switch (s->plan.mount) {
	case PE_MOUNT_OWN_COPY:
		return pe_ns_private_mount_copy(err);
	case PE_MOUNT_HOST_COPY:
		return pe_ns_private_host_mounts(
		    s->plan.join & PE_NS_BIT(PE_NS_NET), err);
	case PE_MOUNT_VIEW: /* built before the join (view_step) */
	case PE_MOUNT_NONE:
		break;
	}
	return 0;
}

/* podenter copy: a network namespace of its own (--net none: loopback
 * only) and a PID namespace of its own (the session's reaper is its init:
 * when it ends, everything of the copy ends), after the join. */
static int unshare_step_after_join(const struct session *s,
				   struct pe_error *err)
{
	if (s->plan.new_net) {
		if (unshare(CLONE_NEWNET) < 0)
			return pe_error_errno(err, "unshare(CLONE_NEWNET)");
		if (pe_copy_loopback_up(err) < 0)
			return -1;
	}
	if (s->plan.new_pid && unshare(CLONE_NEWPID) < 0)
		return pe_error_errno(err, "unshare(CLONE_NEWPID)");
	return 0;
}

/* The session's record (audit.h), written before any namespace is joined:
 * when a configured audit log cannot be written, nothing starts. */
static int audit_start(struct session *s, struct pe_error *err)
{
	const struct pe_session_opts *o = s->o;
	const struct pe_container *c = s->c;
	struct pe_audit_record *r = &s->record;
	size_t used = 0;

	/* r's caller part (uid, login uid, tty) was filled before */
	r->namespace = c->namespace;
	r->pod = c->pod;
	r->container = c->container;
	r->container_id = c->container_id;
	r->runtime = pe_runtime_name(c->runtime);
	r->target_pid = c->pid;
	for (int t = 0; t < PE_NS_COUNT; t++) {
		if (!(s->plan.join & PE_NS_BIT(t)) &&
		    !(t == PE_NS_USER && s->plan.join_user))
			continue;
		used += (size_t)snprintf(
		    r->namespaces + used, sizeof(r->namespaces) - used, "%s%s",
		    used ? "," : "", pe_ns_name((enum pe_ns_type)t));
		if (used >= sizeof(r->namespaces))
			break;
	}
	r->view = s->plan.copy			   ? "copy"
		  : s->plan.mount == PE_MOUNT_VIEW ? pe_view_name(s->plan.view)
						   : "none";
	if (s->plan.copy) {
		/* the copied container, not the sandbox that was pinned */
		r->container = o->copy->def.container;
		r->container_id = o->copy->def.id;
	}
	r->tools = o->tools;
	r->profile = pe_profile_name(o->sandbox->profile);
	pe_capset_format(o->sandbox->caps, r->capabilities,
			 sizeof(r->capabilities));
	r->seccomp =
	    o->sandbox->seccomp == PE_SECCOMP_FILE ? o->sandbox->seccomp_file
	    : o->sandbox->seccomp == PE_SECCOMP_UNCONFINED ? "unconfined"
							   : "runtime-default";
	r->no_new_privs = o->sandbox->no_new_privs;
	r->user =
	    o->user ? o->user : (o->sandbox->run_as_nonroot ? "65534" : "0");
	r->tty_allocated = s->plan.stdio == PE_STDIO_PTY;
	r->cgroup = pe_cgroup_place_name(o->cgroup_place);
	r->command = s->plan.argv;
	if (pe_audit_start(&s->audit, r, err) < 0)
		return -1;
	s->audited = true;
	return 0;
}

/* The audit end record; an error there is reported, the session's exit
 * code stands. */
static void audit_end(struct session *s, int rc)
{
	struct pe_error err;

	pe_error_clear(&err);
	if (s->audited && pe_audit_end(&s->audit, &s->record, rc, &err) < 0 &&
	    s->o->report)
		s->o->report(&err);
	pe_audit_close(&s->audit);
}

/*
 * The command's environment: the allowlist, then the container's
 * configured one (read from its bundle before the view, s->configured): as
 * it is for the container's own binaries (--view none, container), and
 * without what makes a node binary load the container's files in the tools
 * and merged views (pe_env_unsafe_for_node); the tools view keeps the
 * tools' PATH (the container's names its files, which are at /target).
 * HOME, USER and LOGNAME come when run, from the passwd file
 * (session_identity).
 */
static int build_env(const struct session *s, struct pe_env *env,
		     struct pe_error *err)
{
	const struct pe_session_opts *o = s->o;
	bool tools_view =
	    s->plan.mount == PE_MOUNT_VIEW && s->plan.view == PE_VIEW_TOOLS;
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (pe_env_from_allowlist(env, host, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < s->configured.len; i++) {
		const char *kv = s->configured.v[i];

		if ((!s->plan.own_files && pe_env_unsafe_for_node(kv)) ||
		    (tools_view && strncmp(kv, "PATH=", 5) == 0))
			continue;
		if (pe_env_put(env, kv, err) < 0)
			return -1;
	}
	if (s->plan.env_from_target &&
	    pe_env_add_target(env, s->pin.procfd, err) < 0)
		return -1;
	if (s->plan.mount == PE_MOUNT_VIEW && s->view.path_append[0]) {
		char path[PATH_MAX];
		const char *cur = pe_env_get(env, "PATH");

		snprintf(path, sizeof(path), "%s:%s",
			 cur ? cur : PE_DEFAULT_PATH, s->view.path_append);
		if (pe_env_set(env, "PATH", path, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < o->n_env_add; i++)
		if (pe_env_put(env, o->env_add[i], err) < 0)
			return -1;
	return 0;
}

/* A host uid or gid as a user namespace numbers it (its uid_map or gid_map
 * read through the pin), the overflow id 65534 when unmapped. */
static int map_into_userns(int procfd, const char *mapfile, unsigned *id,
			   struct pe_error *err)
{
	struct pe_idmap *m = malloc(sizeof(*m));

	if (!m)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "%s", mapfile);
	if (pe_idmap_read(procfd, mapfile, m, err) < 0) {
		free(m);
		return -1;
	}
	*id = pe_idmap_to_inside(m, *id);
	free(m);
	return 0;
}

/* --user target: the target's ids, read on the host side and numbered as
 * its user namespace numbers them when that is joined */
static int read_target_identity(struct session *s, struct pe_error *err)
{
	struct pe_identity *id = &s->target_id;
	unsigned v;

	if (pe_identity_of_target(s->pin.procfd, id, err) < 0)
		return -1;
	if (!s->plan.join_user)
		return 0;
	v = id->uid;
	if (map_into_userns(s->pin.procfd, "uid_map", &v, err) < 0)
		return -1;
	id->uid = v;
	v = id->gid;
	if (map_into_userns(s->pin.procfd, "gid_map", &v, err) < 0)
		return -1;
	id->gid = v;
	for (size_t i = 0; i < id->ngroups; i++) {
		v = id->groups[i];
		if (map_into_userns(s->pin.procfd, "gid_map", &v, err) < 0)
			return -1;
		id->groups[i] = v;
	}
	return 0;
}

/* A read through the pin failed: when the target died meanwhile, the
 * pin's own error is the one to report ("exited between lookup and join",
 * exit 125 as ever), not the read's (ESRCH from a dead process's file). */
static void target_gone_or(const struct pe_pin *pin, struct pe_error *err)
{
	struct pe_error gone;

	pe_error_clear(&gone);
	if (pe_pin_check_alive(pin, &gone) < 0 && gone.kind == PE_ERR_STALE)
		*err = gone;
}

/* Phase 7's reads (run_stage), in the stage, through the pin. */
/* The session gets a fresh /proc (and /sys) of its PID namespace. */
static bool needs_fresh_proc(const struct pe_session_plan *plan)
{
	return plan->copy || plan->mount == PE_MOUNT_VIEW ||
	       (plan->pid_joined && plan->mount != PE_MOUNT_NONE);
}

static int read_target_facts(struct session *s, struct pe_error *err)
{
	if (s->plan.join_user) {
		s->userns_fd = pe_ns_open(&s->pin, PE_NS_USER, err);
		if (s->userns_fd < 0)
			return -1;
	}
	if (s->plan.user == PE_USER_TARGET && read_target_identity(s, err) < 0)
		return -1;
	if (s->o->follow_context &&
	    pe_sandbox_read_label(s->pin.procfd, s->label, sizeof(s->label),
				  err) < 0)
		return -1;
	if (s->plan.mount != PE_MOUNT_VIEW && s->plan.mount != PE_MOUNT_NONE &&
	    s->plan.pid_joined &&
	    pe_proc_guard_read(s->pin.procfd, &s->guard, err) < 0)
		return -1;
	/* the stage makes the pod's procfs from the node's side */
	if ((needs_fresh_proc(&s->plan) || s->label[0]) && s->plan.pid_joined &&
	    !s->plan.new_pid) {
		s->pidns_fd = pe_ns_open(&s->pin, PE_NS_PID, err);
		if (s->pidns_fd < 0)
			return -1;
	}
	return 0;
}

/* Move *fd onto target (closing the original; close-on-exec above
 * stdio); -1 on failure. */
static int move_fd(int *fd, int target)
{
	if (dup3(*fd, target, target > 2 ? O_CLOEXEC : 0) < 0)
		return -1;
	close(*fd);
	*fd = target;
	return 0;
}

/* Move *fd to a number >= floor, out of the way of the fds being placed
 * below it; -1 on failure. */
static int lift_fd(int *fd, int floor)
{
	int lifted;

	if (*fd < 0)
		return 0;
	lifted = fcntl(*fd, F_DUPFD_CLOEXEC, floor);
	if (lifted < 0)
		return -1;
	close(*fd);
	*fd = lifted;
	return 0;
}

/* Close every fd >= first, without relying on a /proc that may be the
 * pod's by now (a planted /proc/self/fd would list nothing). */
static void close_fds_from(int first)
{
	long max;

	if (pe_sys_close_range((unsigned)first, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (int fd = first; fd < max; fd++)
		close(fd);
}

/*
 * What the session's process will hold, and nothing else: its stdio on
 * 0-2 (the pty's peer, or the pipes' ends), then from fd 3 on, each
 * close-on-exec: the user namespace's handle when that is joined, and the
 * reaper's end of the watch's channel (reaper.h: the reaper sends podenter
 * the command's pidfd on it, then closes it). Everything else the stage
 * holds (the pin, the host root, the audit sinks, the caller's own stdio,
 * podenter's end of the channel) is closed before the fork that enters
 * the pod's PID namespace.
 */
static int keep_only_session_fds(struct session *s, struct pe_error *err)
{
	int *const kept[] = { &s->userns_fd, &s->watch.reaper_end,
			      &s->label_procfd, &s->reaper_program };
	const int n_kept = (int)(sizeof(kept) / sizeof(kept[0]));
	int next = 3;

	/* every fd to place out of the way first: no move below overwrites
	 * one still waiting for its own place */
	for (int i = 0; i < n_kept; i++)
		if (lift_fd(kept[i], 3 + n_kept) < 0)
			return pe_error_errno(err, "keeping the session's fds");
	if (lift_fd(&s->io.pty.peer, 3 + n_kept) < 0)
		return pe_error_errno(err, "attaching the pty");
	for (int fd = 0; fd < 3; fd++)
		if (lift_fd(&s->io.child_fds[fd], 3 + n_kept) < 0)
			return pe_error_errno(err, "attaching stdio");

	if (s->plan.stdio == PE_STDIO_PTY) {
		for (int fd = 0; fd < 3; fd++)
			if (dup2(s->io.pty.peer, fd) < 0)
				return pe_error_errno(err, "attaching the pty");
		close(s->io.pty.peer);
		s->io.pty.peer = 0;
	} else {
		for (int fd = 0; fd < 3; fd++) {
			if (move_fd(&s->io.child_fds[fd], fd) < 0)
				return pe_error_errno(err, "attaching stdio");
			s->io.child_fds[fd] = -1;
		}
	}
	for (int i = 0; i < n_kept; i++) {
		if (*kept[i] < 0)
			continue;
		if (move_fd(kept[i], next) < 0)
			return pe_error_errno(err, "keeping the session's fds");
		next++;
	}
	close_fds_from(next);
	s->pin.pidfd = s->pin.procfd = -1; /* closed just now */
	s->watch.channel = -1; /* podenter's end, closed just now */
	return 0;
}

/*
 * The session's fresh /proc, guarded, and its /sys, in the session's mount
 * namespace: a procfs of the PID namespace pidns_fd, made by the stage from
 * outside it; with clone_ino (the stage, where the kernel cannot do that)
 * the target's own procfs instance, checked to be of that namespace; with
 * neither, one of the caller's own, made by the session's process inside
 * it. EOPNOTSUPP (nothing mounted): not this way.
 */
static int proc_sys_step(const struct session *s, int pidns_fd,
			 unsigned long clone_ino, struct pe_error *err)
{
	const struct pe_session_plan *plan = &s->plan;
	struct pe_guard_kit kit = PE_GUARD_KIT_INIT;
	int r;

	if (plan->copy) { /* the copy's root has empty /proc and /sys */
		if (clone_ino)
			return pe_error_set(err, PE_ERR_SYSTEM, EOPNOTSUPP,
					    "a copy has no procfs of its own");
		r = pe_ns_mount_fresh_proc(&s->view.guard, pidns_fd, &kit,
					   err) < 0 ||
			    pe_ns_guard_sys(&s->view.guard, true, &kit, err) < 0
			? -1
			: 0;
		pe_guard_kit_close(&kit);
		return r;
	}
	if (plan->mount == PE_MOUNT_VIEW)
		return pe_view_mount_proc_sys(&s->view, pidns_fd, clone_ino,
					      err);
	if (!plan->pid_joined || plan->mount == PE_MOUNT_NONE)
		return 0;
	r = clone_ino ? pe_ns_mount_target_proc(&s->guard, "/proc", clone_ino,
						&kit, err)
		      : pe_ns_mount_fresh_proc(&s->guard, pidns_fd, &kit, err);
	if (r == 0)
		r = pe_ns_guard_sys(&s->guard, false, &kit, err) < 0 ? -1 : 0;
	pe_guard_kit_close(&kit);
	return r < 0 ? -1 : 0;
}

/* --follow-context: the procfs the command writes its attr/exec through
 * (processes only: no /proc/sys in a handle the session holds), of the
 * PID namespace pidns_fd or, with -1, the caller's. */
static int label_procfs_step(struct session *s, int pidns_fd,
			     struct pe_error *err)
{
	if (!s->label[0])
		return 0;
	s->label_procfd = pe_ns_new_pid_procfs(pidns_fd);
	if (s->label_procfd < 0)
		return pe_error_errno(err, "making a procfs for the LSM label");
	return 0;
}

/*
 * What the session's processes may hold once they are in the pod's PID
 * namespace, until they execute: the command's own capabilities, and what
 * setting it up takes (its uid and groups: SETUID, SETGID; its bounding
 * set: SETPCAP; the reaper: KILL; the container's passwd files and working
 * directory, whatever their modes: DAC_OVERRIDE), all of them in a
 * container runtime's default set. The bounding set too: a process of the
 * pod holding CAP_SYS_PTRACE can write into their memory through
 * /proc/PID/mem or process_vm_writev (the trace guard stops ptrace itself,
 * not these), and code it puts there that executes a file would otherwise
 * regain every capability. So taking them over gains a pod nothing beyond
 * its runtime's defaults and the session's own command.
 */
#define SESSION_SETUP_CAPS                                                     \
	(PE_CAP_BIT(CAP_SETUID) | PE_CAP_BIT(CAP_SETGID) |                     \
	 PE_CAP_BIT(CAP_SETPCAP) | PE_CAP_BIT(CAP_KILL) |                      \
	 PE_CAP_BIT(CAP_DAC_OVERRIDE))

static int drop_to_session_caps(struct session *s, struct pe_error *err)
{
	const struct pe_sandbox in_pod = {
		.caps = s->o->sandbox->caps | SESSION_SETUP_CAPS,
	};

	/* read once here; the reaper and the command start from what is
	 * left (s->bounding, inherited with the process's memory) */
	s->bounding = pe_sandbox_read_bounding();
	if (pe_sandbox_drop_bounding(&in_pod, &s->bounding, err) < 0 ||
	    pe_sandbox_set_caps(&in_pod, s->bounding, err) < 0)
		return -1;
	return 0;
}

/* A step tried one way: done (1), not this way (0: EOPNOTSUPP, nothing
 * done), or failed (-1, err). */
static int tried(int rc, struct pe_error *err)
{
	if (rc == 0)
		return 1;
	if (err->errnum != EOPNOTSUPP)
		return -1;
	pe_error_clear(err);
	return 0;
}

/*
 * In the stage: every step of the session that needs more than the
 * session's processes may hold (a fresh /proc and /sys, and the reaper's
 * program where memfds may not be executed, need CAP_SYS_ADMIN), done from
 * the node's PID namespace, where no pod process can reach it. A kernel
 * that cannot make a procfs of another PID namespace (before 6.18) gets
 * the target's own procfs instance, checked. What cannot be done here (a
 * new PID namespace, podenter copy's; a target whose /proc is not its own
 * procfs on such a kernel; --follow-context's procfs there) the session's
 * process does, and drops right after (run_child).
 */
static int privileged_steps_in_stage(struct session *s, struct pe_error *err)
{
	int r = 0;

	s->reaper_program = pe_reaper_program_open(err);
	if (s->reaper_program < 0)
		return -1;
	if (s->pidns_fd >= 0 && needs_fresh_proc(&s->plan)) {
		r = tried(proc_sys_step(s, s->pidns_fd, 0, err), err);
		if (r == 0)
			r = tried(proc_sys_step(
				      s, -1, s->pin.ns_inode[PE_NS_PID], err),
				  err);
		if (r < 0)
			return -1;
		s->proc_done = r == 1;
	}
	if (s->pidns_fd >= 0 && s->label[0]) {
		r = tried(label_procfs_step(s, s->pidns_fd, err), err);
		if (r < 0)
			return -1;
	}
	s->privileged_done = (s->proc_done || !needs_fresh_proc(&s->plan)) &&
			     (s->label_procfd >= 0 || !s->label[0]);
	return 0;
}

/* The session's PID: podenter's only child once the stage is gone. */
static pid_t session_pid(const struct session *s, struct pe_error *err)
{
	char buf[64];
	ssize_t n = pread(s->children_fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return pe_error_set(err, PE_ERR_SYSTEM, n < 0 ? errno : ESRCH,
				    "finding the session's process");
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ESRCH,
				    "finding the session's process");
	return (pid_t)pid;
}

static void __attribute__((noreturn))
run_stage(struct session *s, pid_t parent);

struct stage_start {
	const struct session *s;
	pid_t parent;
	/* the stage's copy of the session, for podenter to free once the
	 * stage is gone (set in podenter's memory by a vfork()ed stage) */
	struct session *volatile copy;
};

/* The stage works on a copy of the session: it shares podenter's memory
 * until it exits (below), and what it closes or moves must stay open in
 * podenter's own record. The copy is on the heap, not the stage's stack:
 * the heap has room podenter has touched already (what resolution freed),
 * where 31.6 KB more of stack below this frame are pages never touched, a
 * page fault each (5 a session, and the copy-on-write of them in podenter
 * after the session's process is forked). */
static void __attribute__((noreturn)) stage_main(struct stage_start *start)
{
	struct session *copy = malloc(sizeof(*copy));
	struct pe_error err;

	if (!copy) {
		pe_error_set(&err, PE_ERR_SYSTEM, ENOMEM,
			     "copying the session for its stage");
		child_fail(start->s->o, &err, SESSION_FAILED);
	}
	*copy = *start->s;
	start->copy = copy;
	run_stage(copy, start->parent);
}

/*
 * Start the stage with vfork(): it shares podenter's memory (no page tables
 * copied) and runs on podenter's own stack, below this frame, podenter
 * suspended until it exits; its own fd table and namespaces all the same.
 * The session's process it forks gets a copy of that memory as it is then.
 * Returns the stage's PID once it has exited (reap it), -1 on failure.
 * The stage never returns into this frame (it _exit()s), which vfork()
 * requires. Not on a stack of its own (as posix_spawn starts a child):
 * those pages are new, a page fault each where a page fault costs 10 us
 * (docs/benchmarks-attach.md, ninth session), and the session's process
 * copies them once more; the pages below this frame were touched already.
 * A time namespace is joined only by a process that shares its memory
 * with no other (setns: EUSERS): then the stage is an ordinary fork.
 */
/* AddressSanitizer does not follow a child that shares its memory (its
 * shadow of the stage's frames is podenter's), so a sanitizer build forks
 * the stage, as a session joining a time namespace does. */
#if defined(__SANITIZE_ADDRESS__)
#define STAGE_NEEDS_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STAGE_NEEDS_FORK 1
#endif
#endif
#ifndef STAGE_NEEDS_FORK
#define STAGE_NEEDS_FORK 0
#endif

static __attribute__((noinline)) pid_t
spawn_stage(const struct session *s, pid_t parent, struct session **copy)
{
	struct stage_start start = { .s = s, .parent = parent };
	pid_t pid;

	if ((s->plan.join & PE_NS_BIT(PE_NS_TIME)) || STAGE_NEEDS_FORK)
		pid = fork();
	else
		pid = vfork();
	if (pid == 0)
		stage_main(&start);
	/* the session's process has its own copy of the memory (a fork);
	 * podenter frees this one once that process executed */
	*copy = start.copy;
	return pid;
}
static void __attribute__((noreturn))
run_child(struct session *s, pid_t parent);
static void __attribute__((noreturn)) run_command(void *arg, pid_t reaper);

/* ---- the run: phases in order -------------------------------------------- */

static void session_release(struct session *s, int rc)
{
	struct pe_error left;

	pe_reaper_watch_close(&s->watch);
	/* after the reaper: the session's processes are gone from the leaf */
	if (s->cgroup && pe_cgroup_join_leave(s->cgroup, &left) < 0)
		note(s->o, "%s%s%s", left.msg, left.hint[0] ? ": " : "",
		     left.hint);
	free(s->cgroup);
	s->cgroup = NULL;
	io_release(&s->io);
	audit_end(s, rc);
	pe_pin_release(&s->pin);
	pe_env_free(&s->env);
	pe_env_free(&s->configured);
	free(s->stage_copy);
	s->stage_copy = NULL;
	if (s->children_fd >= 0)
		close(s->children_fd);
	s->children_fd = -1;
	/* last: the kernel's worker may start on the namespace now */
	pe_teardown_release(&s->teardown_ring);
}

int pe_session_run(const struct pe_session_opts *o,
		   const struct pe_container *c, const struct pe_hostroot *hr,
		   struct pe_error *err)
{
	static const int forwarded[] = { SIGINT,   SIGTERM, SIGHUP, SIGQUIT,
					 SIGWINCH, SIGUSR1, SIGUSR2 };
	struct session *s;
	struct pe_error ignored_err;
	pid_t stage, child, self = getpid();
	int rc = SESSION_FAILED, status;

	s = calloc(1, sizeof(*s));
	if (!s)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "allocating the session");
	s->o = o;
	s->c = c;
	s->hr = hr;
	s->children_fd = s->userns_fd = s->pidns_fd = s->label_procfd =
	    s->reaper_program = s->teardown_ring = -1;
	/* until drop_to_session_caps reads it: more, never less */
	s->bounding = pe_capset_all();
	pe_pin_init(&s->pin);
	io_init(&s->io);
	pe_audit_init(&s->audit);
	s->watch = (struct pe_reaper_watch)PE_REAPER_WATCH_INIT;

	/*
	 * Phase 1, on the node, nothing of the pod held yet. podenter is
	 * non-dumpable from here on: no process of the pod can ptrace it or
	 * open its /proc/PID/fd.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		pe_error_errno(err, "prctl(PR_SET_DUMPABLE)");
		goto fail;
	}
	test_pause_at("before-pin");

	/*
	 * Phase 2, pin: a pidfd and /proc/PID of the target, then its
	 * identity re-checked (start time, cgroup), so a reused PID is
	 * refused. The pod can reach nothing of ours: we are in none of its
	 * namespaces.
	 */
	if (pe_pin_target(hr, c, &s->pin, err) < 0)
		goto fail;

	/*
	 * Phase 3, the plan, decided once from the options and the pin.
	 */
	if (pe_session_plan(o, c, &s->pin, &s->plan, err) < 0)
		goto fail;
	s->argv = s->plan.argv;
	s->shell_argv[0] = (char *)PE_SESSION_SHELL;
	if (s->plan.wd_target &&
	    pe_target_cwd(s->pin.procfd, s->wd, sizeof(s->wd), err) < 0)
		goto fail;
	if (!s->plan.wd_target)
		snprintf(s->wd, sizeof(s->wd), "%s", s->plan.wd);

	/*
	 * Phase 4, host-side handles, opened while podenter still sees the
	 * node's files (a view or namespace changes what a path names): the
	 * audit sinks, the caller's login uid and terminal from the node's
	 * /proc, the cgroup move (needs the host's mounts), podenter's own
	 * children list, and the stdio: a pty always from the node's
	 * /dev/ptmx (after a view, /dev/ptmx would be the pod's: it would
	 * read the operator's keys, or have a planted node opened by root).
	 * The pod still reaches nothing of ours.
	 */
	pe_audit_fill_caller(&s->record);
	if (pe_audit_open(&s->audit, o->audit_log, err) < 0 ||
	    cgroup_step(s, err) < 0 || io_setup(s, err) < 0)
		goto fail;
	s->children_fd =
	    open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
	if (s->children_fd < 0) {
		pe_error_errno(err, "opening /proc/thread-self/children");
		goto fail;
	}

	/*
	 * Phase 5, the view: podenter moves into a private mount namespace
	 * built from the pod's files and the tools (the node's files are
	 * unreachable from here on). To clone the container's root it joins
	 * the target's mount namespace for a moment and makes the view's
	 * namespace from a copy of that one (view.c): it resolves no path of
	 * the pod's there, and the pod still reaches nothing of ours (node
	 * PID namespace, non-dumpable).
	 */
	if (s->plan.copy) {
		if (pe_env_from_config_json(&s->configured,
					    o->copy->def.spec_json, err) < 0)
			goto fail;
	} else if ((s->plan.own_files || s->plan.mount == PE_MOUNT_VIEW) &&
		   pe_env_load_configured(s->hr, s->c, &s->configured, err) <
		       0) {
		goto fail;
	}
	if (view_step(s, err) < 0) {
		target_gone_or(&s->pin, err);
		goto fail;
	}

	/* The record, before any namespace is joined. */
	if (audit_start(s, err) < 0)
		goto fail;
	test_pause_at("after-pin");

	/*
	 * Phase 6, the stage (run_stage, phases 7 to 9) is forked while
	 * podenter is still in the node's PID namespace; podenter keeps the
	 * host side: the audit sinks, the pty's master or the pipes' ends,
	 * the caller's stdio, its end of the watch's channel (on which the
	 * reaper sends the command's pidfd: podenter then bounds its wait on
	 * the reaper, reaper.h). It joins nothing itself.
	 */
	sigemptyset(&s->waitset);
	sigaddset(&s->waitset, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&s->waitset, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &s->waitset, &s->oldmask) < 0) {
		pe_error_errno(err, "blocking signals");
		goto fail;
	}
	if (pe_reaper_watch_open(&s->watch, err) < 0)
		goto fail;
	fflush(NULL);
	pe_trace_guard_cpu_pin(&s->cpu);
	stage = spawn_stage(s, self, &s->stage_copy);
	if (stage < 0) {
		pe_error_errno(err, "starting the session's stage");
		goto fail;
	}
	while (waitpid(stage, &status, 0) < 0)
		if (errno != EINTR) {
			pe_error_errno(err, "waiting for the session's stage");
			goto fail;
		}
	if (!WIFEXITED(status) ||
	    (WEXITSTATUS(status) != STAGE_FORKED_HELD &&
	     WEXITSTATUS(status) != STAGE_FORKED_HELD_ELSEWHERE)) {
		/* the stage reported its error (the report hook), late ones
		 * into the session's stderr pipe: pass them on */
		pe_trace_guard_cpu_release(&s->cpu);
		io_close_child_ends(&s->io);
		io_pass_on_leftovers(&s->io);
		rc = pe_exit_code_of(status);
		session_release(s, rc);
		free(s);
		return rc;
	}
	child = session_pid(s, err);
	if (child < 0)
		goto fail;
	/* the session's processes are born in the target's cgroups (or
	 * podenter's leaf under the pod's, on v2), and stay there: podenter
	 * itself steps out, back to its own cgroups, so the target's limits
	 * (its OOM killer) never pick the relay of the session's stdio */
	if (s->cgroup && pe_cgroup_join_step_out(s->cgroup, &ignored_err) < 0)
		note(o, "%s (the session goes on; podenter stays there)",
		     ignored_err.msg);

	/*
	 * Phase 10, podenter, while phases 11 and 12 run in the pod: first it
	 * holds the session's process as its tracer from its birth
	 * (traceguard.h), and the command's process likewise, until each has
	 * executed: while they are podenter's code with podenter's
	 * capabilities in the pod's PID namespace, no process of the pod can
	 * ptrace them (nor stop them).
	 */
	if (WEXITSTATUS(status) == STAGE_FORKED_HELD) {
		bool exited;

		if (pe_trace_guard_hold(child, PE_REAPER_START_MS, &s->cpu,
					&exited, err) < 0)
			goto fail;
		/* both have executed: podenter's pages are its own again
		 * (prefault.h) */
		pe_prefault_again();
	}
	pe_trace_guard_cpu_release(&s->cpu);
	/* What podenter holds of the session's side and no longer needs (the
	 * pin, the child's ends of the stdio, the stage's copy), let go only
	 * now: until the session's process executed, every page podenter
	 * writes is a copy-on-write fault that process waits behind
	 * (prefault.h). */
	pe_pin_release(&s->pin);
	io_close_child_ends(&s->io);
	free(s->stage_copy);
	s->stage_copy = NULL;
	/* The session's own mount namespace (a view's, or a copy of the
	 * target's or the node's) is torn down by a kernel worker after the
	 * session, not by the exit podenter's caller waits for (teardown.h);
	 * while the command starts, on podenter's side. */
	if (s->plan.mount != PE_MOUNT_NONE)
		s->teardown_ring = pe_teardown_hold_mnt_ns(child);

	/*
	 * Then it forwards signals, copies the stdio, passes the exit status
	 * through. The pod can stop or take over the reaper: the wait
	 * on it is bounded (pe_reaper_watch: the command's pidfd, a stopped
	 * reaper resumed, PE_REAPER_GRACE_MS after the command ended).
	 */
	pe_reaper_watch_started(&s->watch, child);
	rc = io_run(s, err);
	session_release(s, rc < 0 ? SESSION_FAILED : rc);
	free(s);
	return rc;
fail:
	session_release(s, rc);
	free(s);
	return -1;
}

/* ---- the stage, in the node's PID namespace ----------------------------- */

/*
 * The stage: a child of podenter in the node's PID namespace, where no
 * process of the pod can see it. It joins the pod's namespaces, prepares
 * what the session's process needs, drops every host handle, then forks
 * that process (a sibling, so podenter is its parent) into the pod's PID
 * namespace, and exits. Never returns.
 */
static void __attribute__((noreturn)) run_stage(struct session *s, pid_t parent)
{
	enum pe_trace_guard_holder holder;
	struct pe_error err;
	sigset_t all;
	pid_t child;

	pe_error_clear(&err);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(SESSION_FAILED);
	/* podenter's own ends stay with podenter */
	pe_audit_close(&s->audit);
	if (s->io.pty.master >= 0)
		close(s->io.pty.master);
	s->io.pty.master = -1;
	for (int i = 0; i < 3; i++) {
		if (s->io.parent_fds[i] >= 0)
			close(s->io.parent_fds[i]);
		s->io.parent_fds[i] = -1;
	}
	close(s->children_fd);
	close(s->watch.channel);
	s->watch.channel = -1;

	/*
	 * Phase 7, every handle and fact the session needs from the target,
	 * read through the pin before the first setns: the user namespace
	 * handle (checked to be the pinned process's), the target's ids, its
	 * LSM label, and what its mount table masks or keeps read-only under
	 * /proc and /sys (the guards of the session's fresh /proc; a view
	 * read them in phase 5). The stage is in the node's PID namespace:
	 * the pod cannot see it.
	 */
	if (read_target_facts(s, &err) < 0) {
		target_gone_or(&s->pin, &err);
		goto fail;
	}

	/*
	 * Phase 8, join: setns(pidfd, mask) into every namespace but the
	 * user namespace, then the mount step; the stage is now in the pod's
	 * network, IPC, UTS, cgroup (and mount) namespaces, still root on
	 * the node, non-dumpable, unseen by the pod. HOSTNAME is the
	 * target's: the environment is built after joining its UTS
	 * namespace. Then every host handle is closed: the pin, the host
	 * root, the audit sinks, the caller's stdio, podenter's end of the
	 * watch's channel.
	 */
	if (pe_ns_join(&s->pin, s->plan.join, NULL, &err) < 0 ||
	    mount_step_after_join(s, &err) < 0 ||
	    unshare_step_after_join(s, &err) < 0 ||
	    privileged_steps_in_stage(s, &err) < 0 ||
	    build_env(s, &s->env, &err) < 0 ||
	    pe_pin_check_alive(&s->pin, &err) < 0 ||
	    keep_only_session_fds(s, &err) < 0)
		goto fail;

	/*
	 * Phase 9, fork into the pod's PID namespace (setns does not move
	 * the caller): from here a pod process whose privileges cover the
	 * session's may look at it through /proc; it holds its stdio, the
	 * pod's own user namespace and the reaper's end of the watch's
	 * channel, nothing of the node's. It is born traced by podenter
	 * (traceguard.h): no process of the pod can ptrace it while it is
	 * podenter's code. The stage is traced by podenter meanwhile: every
	 * signal is blocked (a stop would wait for podenter, which waits for
	 * the stage), and it exits right after.
	 */
	if (sigfillset(&all) < 0 ||
	    sigprocmask(SIG_SETMASK, &all, &s->stage_mask) < 0) {
		pe_error_errno(&err, "blocking signals");
		goto fail;
	}
	if (pe_trace_guard_take(&holder, &err) < 0 ||
	    (s->privileged_done && drop_to_session_caps(s, &err) < 0))
		goto fail;
	s->held_by_podenter = holder == PE_TRACE_GUARD_PODENTER;
	child = pe_sys_fork_flags(CLONE_PARENT | PE_TRACE_GUARD_CLONE_FLAGS);
	if (child < 0) {
		pe_error_errno(&err, "forking into the target");
		if (errno == ENOMEM && s->plan.pid_joined)
			pe_error_hint(&err, "the target's PID namespace may "
					    "have no init any more");
		goto fail;
	}
	if (child == 0)
		run_child(s, parent);
	_exit(holder == PE_TRACE_GUARD_PODENTER ? STAGE_FORKED_HELD
						: STAGE_FORKED_HELD_ELSEWHERE);
fail:
	child_fail(s->o, &err, SESSION_FAILED);
}

/* ---- in the pod's PID namespace ------------------------------------------ */

/*
 * Phase 11, the session's process, born in the pod's PID namespace as a
 * child of podenter (CLONE_PARENT), holding its stdio, at most the pod's
 * user namespace, and the reaper's end of the watch's channel. Never
 * returns. The mounts it makes (a fresh /proc, guarded) are shared with
 * the command; then it becomes the session's reaper (reaper.h) and the
 * command runs in a child of it (run_command). Once the command executed,
 * the reaper sends podenter its pidfd and executes the tiny reaper from a
 * sealed memfd with CAP_KILL alone, no_new_privs and seccomp: from then on
 * a pod process that takes it over gains nothing; until then it is
 * podenter's code, held by podenter as its tracer from its birth
 * (traceguard.h), so that no process of the pod can ptrace it, and
 * non-dumpable.
 */
/* In the reaper, once the command executed, before the tiny reaper does:
 * the command line hidden. (It keeps podenter's CPU: traceguard.h.) */
static void reaper_before_exec(void *arg)
{
	const struct session *s = arg;

	if (s->o->hide_cmdline)
		s->o->hide_cmdline();
}

static void __attribute__((noreturn)) run_child(struct session *s, pid_t parent)
{
	const struct pe_session_plan *plan = &s->plan;
	struct pe_error err;

	pe_error_clear(&err);
	/* the signals the stage blocked while it was traced */
	if (sigprocmask(SIG_SETMASK, &s->stage_mask, NULL) < 0)
		_exit(SESSION_FAILED);
	/* the child must not outlive podenter (nor start after it died) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != (plan->pid_joined ? 0 : parent))
		_exit(SESSION_FAILED);
	/* what the stage could not do from outside (privileged_steps_in_
	 * stage), then down to what the session may hold in the pod */
	if (!s->privileged_done &&
	    ((!s->proc_done && proc_sys_step(s, -1, 0, &err) < 0) ||
	     (s->label_procfd < 0 && label_procfs_step(s, -1, &err) < 0) ||
	     drop_to_session_caps(s, &err) < 0))
		goto fail;
	/* a distroless container's own tree: the tools' shell */
	if (plan->mount == PE_MOUNT_VIEW && plan->view == PE_VIEW_CONTAINER &&
	    !(s->o->command && s->o->command[0]) &&
	    access(PE_SESSION_SHELL, X_OK) != 0) {
		s->shell_argv[0] = (char *)PE_VIEW_TOOLS_MOUNT "/bin/sh";
		s->argv = s->shell_argv;
	}
	pe_reaper_run(&s->waitset, reaper_before_exec, s->watch.reaper_end,
		      s->reaper_program, s->bounding, run_command, s, &err);
fail:
	child_fail(s->o, &err, SESSION_FAILED);
}

/*
 * Who the command runs as, from the passwd and group files it sees (the
 * container's; in the tools view the container's files are at /target),
 * read beneath that root (passwd.h), and HOME, USER and LOGNAME to match.
 * --user target: the target's ids (read and mapped by the stage) with the
 * groups the files give.
 */
static int session_identity(const struct session *s, struct pe_env *env,
			    struct pe_identity *id, struct pe_error *err)
{
	const struct pe_session_opts *o = s->o;
	const struct pe_session_plan *plan = &s->plan;
	const char *root =
	    plan->mount == PE_MOUNT_VIEW && plan->view == PE_VIEW_TOOLS
		? "/target"
		: "/";
	struct pe_account acct;
	int rootfd, rc;

	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pe_error_errno(err, "opening %s", root);
	if (plan->user == PE_USER_TARGET) {
		*id = s->target_id;
		rc = pe_identity_complete(rootfd, o->group_add, o->n_group_add,
					  id, &acct, err);
	} else if (plan->copy && !o->user && !o->n_group_add) {
		/* the spec's supplementary groups, as the runtime set them */
		rc = pe_identity_resolve(
		    rootfd, plan->user_spec,
		    (const char *const *)o->copy->spec.group_add,
		    o->copy->spec.n_group_add, id, &acct, err);
	} else {
		rc = pe_identity_resolve(rootfd, plan->user_spec, o->group_add,
					 o->n_group_add, id, &acct, err);
	}
	close(rootfd);
	if (rc == 0)
		rc = pe_env_set_account(env, id->uid, &acct, err);
	return rc;
}

/*
 * Phase 12, the command's process, a child of the reaper (which waits,
 * suspended, until it executes: see reaper.h), in the pod's PID namespace.
 * It holds its stdio (a pipe or the pty's peer on 0-2) and the user
 * namespace handle, nothing of the node's (the reaper's end of the
 * watch's channel, inherited, is closed first). In order: its own session and
 * terminal, the user namespace, the working directory, the identity, the
 * LSM label, the bounding set, uid/gid, capabilities, fds closed,
 * no_new_privs, seccomp, exec. Never returns.
 */
static void __attribute__((noreturn)) run_command(void *arg, pid_t reaper)
{
	const struct session *s = arg;
	const struct pe_session_opts *o = s->o;
	const struct pe_session_plan *plan = &s->plan;
	struct pe_identity id = { 0 };
	struct pe_env env = { 0 };
	/* our own copy: we share the reaper's memory until we execute */
	pe_capset bounding = s->bounding;
	struct pe_error err;

	pe_error_clear(&err);
	/* the reaper reports us on the channel; we have no use for it (our
	 * own fd table: closing it here leaves the reaper's open) */
	if (s->watch.reaper_end >= 0)
		close(s->watch.reaper_end);
	/* nor for the reaper's program */
	if (s->reaper_program >= 0)
		close(s->reaper_program);
	/* it dies with the reaper (and so with podenter) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != reaper)
		_exit(SESSION_FAILED);
	if (io_child(s, &err) < 0)
		goto fail;
	if (plan->join_user && pe_ns_join_user_fd(s->userns_fd, &err) < 0)
		goto fail;
	if (pe_chdir_checked(s->wd, &err) < 0)
		goto fail;
	/* ids are the user namespace's own numbers (the target's were
	 * mapped by the stage); the environment gets HOME, USER and LOGNAME
	 * to match (this process's own copy of it) */
	for (size_t i = 0; i < s->env.len; i++)
		if (pe_env_put(&env, s->env.v[i], &err) < 0)
			goto fail;
	if (session_identity(s, &env, &id, &err) < 0)
		goto fail;
	if (o->sandbox->run_as_nonroot && id.uid == 0) {
		pe_error_set(&err, PE_ERR_USAGE, EPERM,
			     "--profile restricted runs as non-root, "
			     "and the session user is root");
		goto fail;
	}
	/* the LSM label first (it applies at execve), then the bounding
	 * set before the uid change, capabilities after it */
	/* through a procfs of our own, of the pod's PID namespace, attached
	 * nowhere, so nothing of the pod's can stand in for it (made by the
	 * stage, or by the reaper before it dropped: label_procfs_step) */
	if (s->label[0] &&
	    pe_sandbox_write_exec_label(s->label_procfd, s->label, &err) < 0)
		goto fail;
	if (pe_sandbox_drop_bounding(o->sandbox, &bounding, &err) < 0 ||
	    pe_identity_apply(&id, &err) < 0 ||
	    pe_sandbox_set_caps(o->sandbox, bounding, &err) < 0)
		goto fail;
	/* a uid or gid change cleared the parent-death signal: arm it again,
	 * then check the reaper did not die in between */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != reaper)
		_exit(SESSION_FAILED);
	/* (tests: the child fully attached, before it closes its fds) */
	test_pause_at("child-attached");
	if (pe_close_fds_from(3) < 0) {
		pe_error_errno(&err, "closing inherited file descriptors");
		goto fail;
	}
	if (sigprocmask(SIG_SETMASK, &s->oldmask, NULL) < 0) {
		pe_error_errno(&err, "restoring the signal mask");
		goto fail;
	}
	/* the CPU podenter held it on, given back (traceguard.h); podenter
	 * does that at the exec when it holds us */
	if (!s->held_by_podenter)
		pe_trace_guard_cpu_release(&s->cpu);
	/* seccomp last: nothing of podenter's own runs under it but execve */
	if (pe_sandbox_set_no_new_privs(o->sandbox, &err) < 0 ||
	    pe_sandbox_load_seccomp(o->sandbox, &err) < 0)
		goto fail;
	pe_exec_command(s->argv, env.v, &err);
	if (err.kind == PE_ERR_NOT_FOUND && !(o->command && o->command[0])) {
		pe_error_set(&err, PE_ERR_NOT_FOUND, 0,
			     "the target has no %s (a distroless image?)",
			     PE_SESSION_SHELL);
		pe_error_hint(&err,
			      "give a COMMAND that exists in it, use "
			      "--net-only for the node's tools, or a tools "
			      "view (--view tools)");
	} else if (err.kind == PE_ERR_NOT_FOUND && !strchr(s->argv[0], '/')) {
		pe_error_set(&err, PE_ERR_NOT_FOUND, 0,
			     "%s: command not found in the target", s->argv[0]);
		pe_error_hint(&err, "searched PATH=%s inside the target",
			      pe_env_get(&env, "PATH")
				  ? pe_env_get(&env, "PATH")
				  : PE_DEFAULT_PATH);
	}
	child_fail(o, &err, pe_error_exit_code(&err, 1));
fail:
	child_fail(o, &err, SESSION_FAILED);
}
