/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter sniff [OPTIONS] TARGET... [-- FILTER]
 *
 * Capture one or many pods' traffic from the node into one pcapng stream
 * (or classic pcap), or run the host's tcpdump in each pod's network
 * namespace for its text decoding. Only the network namespace is entered,
 * and only by this process (to open sockets) or by tcpdump.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/exec.h"
#include "podenter/outfile.h"
#include "podenter/sniff.h"
#include "podenter/target.h"
#include "syscalls.h"

enum {
	OPT_COUNT = OPT_COMMON_LAST + 1,
	OPT_DURATION,
	OPT_TCPDUMP,
	OPT_FORMAT,
};

struct sniff_cli {
	struct cli_common co;
	struct pe_sniff_opts so;
	const char *write_path; /* NULL: stdout (not a terminal) */
	bool tcpdump;
	char *filter;
	struct pe_sniff_pod *pods;
	size_t npods;
	struct pe_identity tcpdump_user; /* --tcpdump: who it runs as */
};

void cmd_sniff_usage(FILE *out)
{
	fputs(
	    "Usage: podenter sniff [OPTIONS] TARGET... [-- FILTER]\n\n"
	    "Capture pods' traffic from the node, in each pod's network "
	    "namespace\n"
	    "only: several targets or a pattern ('nginx-deployment', 'web-*') "
	    "are\n"
	    "captured at once into one pcapng whose interface names say which "
	    "pod\n"
	    "a packet came from (default/web-0:eth0). Nothing is added to the "
	    "pods.\n"
	    "FILTER is a pcap-filter(7) expression, as for tcpdump.\n\n"
	    "Options:\n"
	    "  -w, --write FILE        write the capture to FILE; '-' streams "
	    "to stdout\n"
	    "                          (podenter sniff web-0 -w - | wireshark "
	    "-k -i -)\n"
	    "  -i, --interface IFACE   capture only IFACE in each pod "
	    "(default: every\n"
	    "                          interface that is up, except lo; 'any' "
	    "for all)\n"
	    "      --count N           stop after N packets in all\n"
	    "      --duration SECONDS  stop after this long (10, 2.5, 500ms, "
	    "5m)\n"
	    "  -s, --snaplen BYTES     bytes kept per packet (default 262144)\n"
	    "  -B, --buffer-size KIB   kernel ring per interface (default "
	    "4096)\n"
	    "      --format FORMAT     pcapng (default) or pcap (one pod, one "
	    "interface)\n"
	    "      --tcpdump           run the host's tcpdump in each pod "
	    "instead and\n"
	    "                          print its text (each line prefixed by "
	    "the pod\n"
	    "                          when there are several)\n"
	    "  -n, --namespace NS      namespace of the pods (default: "
	    "default)\n"
	    "  -A, --all-namespaces    a pattern matches pods in every "
	    "namespace\n"
	    "  -c, --container NAME    capture through this container's "
	    "process\n"
	    "      --host-root DIR     read the node through DIR (default /)\n"
	    "  -q, --quiet             no notes or summary on stderr\n"
	    "  -h, --help              show this help\n\n"
	    "Stops on SIGINT/SIGTERM, --count or --duration with a valid file, "
	    "and\n"
	    "prints packets captured and dropped by the kernel per pod on "
	    "stderr.\n"
	    "A pod that goes away ends its part; the others go on.\n",
	    out);
}

/* ---- targets ----------------------------------------------------------- */

static void label_of(const struct pe_container *c, char *buf, size_t size)
{
	if (c->namespace && c->pod)
		snprintf(buf, size, "%s/%s", c->namespace, c->pod);
	else if (c->pid == 1)
		snprintf(buf, size, "node");
	else
		snprintf(buf, size, "pid:%d", (int)c->pid);
}

static bool usable(const struct pe_container *c)
{
	return c->running && c->pid > 0 && c->pid_state == PE_PID_VERIFIED;
}

static bool same_pod(const struct pe_container *a, const struct pe_container *b)
{
	if (a->pod_uid && b->pod_uid)
		return strcmp(a->pod_uid, b->pod_uid) == 0;
	return a->namespace && b->namespace && a->pod && b->pod &&
	       strcmp(a->namespace, b->namespace) == 0 &&
	       strcmp(a->pod, b->pod) == 0;
}

/*
 * Pin one container's process and add it, unless a pod already added shares
 * its network namespace (two targets naming one pod, or hostNetwork pods).
 */
static int add_pod(struct sniff_cli *sc, const struct pe_hostroot *hr,
		   const struct pe_container *c)
{
	struct pe_sniff_pod pod, *n;
	struct pe_error err;
	char label[512];

	pe_error_clear(&err);
	label_of(c, label, sizeof(label));
	if (pe_sniff_pin(hr, c, label, &pod, &err) < 0) {
		cli_print_error(&err);
		return -1;
	}
	for (size_t k = 0; k < sc->npods; k++) {
		if (sc->pods[k].netns_inode != pod.netns_inode)
			continue;
		if (!sc->co.quiet && strcmp(sc->pods[k].label, label) != 0)
			fprintf(
			    stderr,
			    "podenter: %s shares its network namespace with "
			    "%s; captured once, as %s\n",
			    label, sc->pods[k].label, sc->pods[k].label);
		pe_sniff_pod_close(&pod);
		return 0;
	}
	n = realloc(sc->pods, (sc->npods + 1) * sizeof(*n));
	if (!n) {
		pe_sniff_pod_close(&pod);
		fputs("podenter: out of memory\n", stderr);
		return -1;
	}
	sc->pods = n;
	sc->pods[sc->npods++] = pod;
	return 0;
}

/* The process that best holds a pod's network namespace: -c's container,
 * else the sandbox (it lives as long as the pod), else any app container. */
static const struct pe_container *pick_holder(const struct pe_container_list *l,
					      size_t first, size_t end,
					      const char *container)
{
	const struct pe_container *app = NULL;

	for (size_t k = first; k < end; k++) {
		const struct pe_container *c = &l->items[k];

		if (!usable(c))
			continue;
		if (container) {
			if (c->container &&
			    strcmp(c->container, container) == 0)
				return c;
			continue;
		}
		if (c->is_sandbox)
			return c;
		if (!app)
			app = c;
	}
	return app;
}

static int resolve_pattern(struct sniff_cli *sc, const struct pe_hostroot *hr,
			   const struct pe_target *t, const char *text)
{
	struct pe_container_list l = { 0 };
	struct pe_scan_report rep;
	struct pe_error err;
	size_t first = 0, pods = 0;
	int rc = 0;

	pe_error_clear(&err);
	if (pe_resolve_pods(hr, t, sc->co.all_namespaces && !t->namespace_given,
			    &l, &rep, &err) < 0) {
		cli_print_error(&err);
		return -1;
	}
	while (first < l.len && rc == 0) {
		const struct pe_container *holder;
		char label[512];
		size_t end = first + 1;

		while (end < l.len && same_pod(&l.items[first], &l.items[end]))
			end++;
		pods++;
		holder = pick_holder(&l, first, end, sc->co.container);
		label_of(&l.items[first], label, sizeof(label));
		if (holder) {
			rc = add_pod(sc, hr, holder);
		} else if (sc->co.container) {
			fprintf(stderr,
				"podenter: %s has no running container '%s'\n",
				label, sc->co.container);
			rc = -1;
		} else if (!sc->co.quiet) {
			fprintf(stderr,
				"podenter: %s has no running process; "
				"skipped\n",
				label);
		}
		first = end;
	}
	pe_list_free(&l);
	if (rc == 0 && pods == 0) {
		/* let resolution say why, with its near names and namespaces */
		struct pe_container c = { 0 };

		if (cli_resolve_target(&sc->co, hr, text, &c) != 0)
			return -1;
		rc = add_pod(sc, hr, &c);
		pe_container_clear(&c);
	}
	return rc;
}

static int resolve_targets(struct sniff_cli *sc, const struct pe_hostroot *hr,
			   char **targets, int n)
{
	for (int k = 0; k < n; k++) {
		struct pe_target t;
		struct pe_error err;

		pe_error_clear(&err);
		if (pe_target_parse(targets[k], sc->co.namespace, &t, &err) <
		    0) {
			cli_print_error(&err);
			return -1;
		}
		if (t.kind == PE_TARGET_POD) {
			if (resolve_pattern(sc, hr, &t, targets[k]) < 0)
				return -1;
		} else {
			struct pe_container c = { 0 };
			int rc =
			    cli_resolve_target(&sc->co, hr, targets[k], &c);

			if (rc == 0)
				rc = add_pod(sc, hr, &c);
			pe_container_clear(&c);
			if (rc != 0)
				return -1;
		}
	}
	if (sc->npods == 0) {
		fputs("podenter: no running pod to capture\n", stderr);
		return -1;
	}
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

/* SIGINT/SIGTERM/SIGHUP end the capture cleanly; they are read from a
 * signalfd so the capture loop can poll for them. */
static int stop_signals(sigset_t *old, bool children)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (children)
		sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/* a reader that leaves (| head, Wireshark closed) is a normal end */
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

/* ---- pcap capture ------------------------------------------------------ */

static void note_pod_ended(void *ctx, const struct pe_sniff_pod *pod)
{
	(void)ctx;
	fprintf(stderr,
		"podenter: %s: %s; its capture ends, the others go on\n",
		pod->label, pod->end_reason);
}

static void print_summary(const struct sniff_cli *sc)
{
	uint64_t total = 0, drops = 0;

	for (size_t p = 0; p < sc->npods; p++) {
		const struct pe_sniff_pod *pod = &sc->pods[p];

		total += pod->captured;
		drops += pod->kernel_drop;
		fprintf(stderr,
			"%s: %llu packets captured, %llu dropped by the "
			"kernel%s%s%s\n",
			pod->label, (unsigned long long)pod->captured,
			(unsigned long long)pod->kernel_drop,
			pod->ended ? " (ended: " : "",
			pod->ended ? pod->end_reason : "",
			pod->ended ? ")" : "");
	}
	if (sc->npods > 1)
		fprintf(stderr,
			"total: %llu packets captured, %llu dropped by "
			"the kernel\n",
			(unsigned long long)total, (unsigned long long)drops);
}

static int run_capture(struct sniff_cli *sc, int sigfd)
{
	struct pe_sniff_events ev = { .pod_ended = note_pod_ended };
	struct pe_sniff *s = NULL;
	struct pe_error err;
	int out_fd = STDOUT_FILENO, rc = 0;

	pe_error_clear(&err);
	if (pe_sniff_open(&s, sc->pods, sc->npods, &sc->so, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	/* the sockets hold the namespaces now; keep only the pidfds */
	for (size_t p = 0; p < sc->npods; p++) {
		close(sc->pods[p].netns_fd);
		sc->pods[p].netns_fd = -1;
	}
	if (sc->write_path && strcmp(sc->write_path, "-") != 0) {
		/* captures hold other people's traffic: owner-only */
		out_fd = pe_open_output(sc->write_path, PE_OUTPUT_REPLACE, 0600,
					&err);
		if (out_fd < 0) {
			cli_print_error(&err);
			pe_sniff_close(s);
			return PE_EXIT_FAILURE;
		}
	}
	if (!sc->co.quiet) {
		fputs("podenter: capturing on ", stderr);
		for (size_t k = 0; k < pe_sniff_iface_count(s); k++)
			fprintf(stderr, "%s%s", k ? ", " : "",
				pe_sniff_iface_name(s, k));
		for (size_t p = 0; p < sc->npods; p++)
			if (sc->pods[p].skipped[0])
				fprintf(stderr, " (%s: down, skipped: %s)",
					sc->pods[p].label, sc->pods[p].skipped);
		fputs("\n", stderr);
		for (size_t p = 0; p < sc->npods; p++)
			if (sc->pods[p].host_network)
				fprintf(stderr,
					"podenter: %s uses the node's network: "
					"this "
					"captures the node's interfaces\n",
					sc->pods[p].label);
	}
	if (pe_sniff_run(s, out_fd, sigfd, &ev, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
	}
	pe_sniff_close(s);
	if (out_fd != STDOUT_FILENO && close(out_fd) < 0 && rc == 0) {
		fprintf(stderr, "podenter: writing %s: %s\n", sc->write_path,
			strerror(errno));
		rc = PE_EXIT_FAILURE;
	}
	if (!sc->co.quiet)
		print_summary(sc);
	return rc;
}

/* ---- --tcpdump --------------------------------------------------------- */

struct tcpdump_child {
	pid_t pid;
	int out; /* line pipe when several pods share the terminal */
	char partial[4096];
	size_t plen;
	bool done;
	int status;
};

/*
 * The tcpdump child gets the session's hygiene (as session.c gives the
 * session's command): it dies with podenter, an allowlisted environment
 * (the caller's LD_PRELOAD or anything else never reaches a node binary),
 * only fds 0-2, no_new_privs. It runs as tcpdump's own user from the
 * start, with CAP_NET_RAW and CAP_NET_ADMIN alone (pe_sniff_tcpdump_drop):
 * were tcpdump to drop to that user itself (-Z, its default), the uid
 * change would clear the parent-death signal and tcpdump would outlive a
 * podenter killed with SIGKILL.
 */
static void child_exec_tcpdump(const struct sniff_cli *sc,
			       const struct pe_sniff_pod *pod, int out_fd,
			       int errpipe, const sigset_t *oldmask,
			       pid_t parent)
{
	char snap[32], count[32], ifname[IFNAMSIZ], host[256] = "";
	const char *argv[16];
	const char *iface = sc->so.iface;
	struct pe_env env = { 0 };
	struct pe_error err;
	int n = 0, e;

	pe_error_clear(&err);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		goto fail;
	if (getppid() != parent) {
		errno = ESRCH;
		goto fail;
	}
	if (setns(pod->netns_fd, CLONE_NEWNET) < 0)
		goto fail;
	if (!iface) {
		/* one interface besides lo: capture it (Ethernet headers);
		 * several: tcpdump's "any" */
		pe_sniff_default_iface(ifname, sizeof(ifname));
		iface = ifname;
	}
	argv[n++] = "tcpdump";
	argv[n++] = "-n";
	argv[n++] =
	    "-l"; /* line-buffered: lines reach the terminal as they come */
	argv[n++] =
	    "-p"; /* no promiscuous mode: leave the pod's interface alone */
	argv[n++] = "-i";
	argv[n++] = iface;
	if (sc->so.snaplen) {
		snprintf(snap, sizeof(snap), "%u", sc->so.snaplen);
		argv[n++] = "-s";
		argv[n++] = snap;
	}
	if (sc->so.count) {
		snprintf(count, sizeof(count), "%llu",
			 (unsigned long long)sc->so.count);
		argv[n++] = "-c";
		argv[n++] = count;
	}
	if (sc->filter && *sc->filter) {
		argv[n++] = "--";
		argv[n++] = sc->filter;
	}
	argv[n] = NULL;
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		goto fail;
	/* fd 3: the error pipe (close-on-exec), nothing else beyond 0-2 */
	if ((errpipe != 3 && dup2(errpipe, 3) < 0) ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		_exit(PE_EXIT_CANNOT_EXEC);
	errpipe = 3;
	if (pe_close_fds_from(4) < 0)
		goto fail;
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (pe_env_from_allowlist(&env, host, "/root", &err) < 0) {
		errno = err.errnum ? err.errnum : ENOMEM;
		goto fail;
	}
	if (pe_sniff_tcpdump_drop(&sc->tcpdump_user, parent, &err) < 0) {
		errno = err.errnum ? err.errnum : EPERM;
		goto fail;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	pe_exec_command((char *const *)argv, env.v, &err);
	errno = err.kind == PE_ERR_NOT_FOUND ? ENOENT
		: err.errnum		     ? err.errnum
					     : EACCES;
fail:
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(PE_EXIT_CANNOT_EXEC);
	_exit(e == ENOENT ? PE_EXIT_NOT_FOUND : PE_EXIT_CANNOT_EXEC);
}

static int spawn_tcpdump(const struct sniff_cli *sc,
			 const struct pe_sniff_pod *pod,
			 struct tcpdump_child *ch, bool prefix,
			 const sigset_t *oldmask)
{
	int errp[2], outp[2] = { -1, -1 }, e = 0;
	pid_t self = getpid();
	ssize_t n;

	if (pipe2(errp, O_CLOEXEC) < 0)
		return -1;
	if (prefix && pipe2(outp, O_CLOEXEC) < 0) {
		close(errp[0]);
		close(errp[1]);
		return -1;
	}
	fflush(NULL);
	ch->pid = fork();
	if (ch->pid == 0) {
		close(errp[0]);
		child_exec_tcpdump(sc, pod, outp[1], errp[1], oldmask, self);
	}
	close(errp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	ch->out = outp[0];
	if (ch->pid < 0) {
		e = errno;
		close(errp[0]);
		if (ch->out >= 0)
			close(ch->out);
		errno = e;
		return -1;
	}
	n = read(errp[0], &e, sizeof(e));
	close(errp[0]);
	if (n == sizeof(e)) {
		waitpid(ch->pid, NULL, 0);
		ch->pid = -1;
		if (ch->out >= 0)
			close(ch->out);
		ch->out = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* Print complete lines prefixed by the pod; false when stdout is gone. */
static bool relay_lines(struct tcpdump_child *ch, const char *label, bool eof)
{
	char *start = ch->partial, *nl;

	while ((nl = memchr(start, '\n',
			    ch->plen - (size_t)(start - ch->partial)))) {
		/* tcpdump prints a bare newline when it stops */
		if (nl > start)
			printf("%s: %.*s\n", label, (int)(nl - start), start);
		start = nl + 1;
	}
	ch->plen -= (size_t)(start - ch->partial);
	memmove(ch->partial, start, ch->plen);
	if (ch->plen == sizeof(ch->partial) || (eof && ch->plen)) {
		printf("%s: %.*s\n", label, (int)ch->plen, ch->partial);
		ch->plen = 0;
	}
	return fflush(stdout) == 0 && !ferror(stdout);
}

static int run_tcpdump(struct sniff_cli *sc, int sigfd, const sigset_t *oldmask)
{
	/* the last slot is stdout, polled for POLLERR: its reader left */
	size_t n = sc->npods, nfds = 1 + 2 * n + 1;
	struct tcpdump_child *ch = calloc(n, sizeof(*ch));
	struct pollfd *fds = calloc(nfds, sizeof(*fds));
	bool prefix = n > 1, stopping = false;
	struct pe_error err;
	struct timespec start;
	size_t running = 0;
	int rc = 0;

	if (!ch || !fds) {
		free(ch);
		free(fds);
		fputs("podenter: out of memory\n", stderr);
		return PE_EXIT_FAILURE;
	}
	pe_error_clear(&err);
	if (pe_sniff_tcpdump_identity(&sc->tcpdump_user, &err) < 0) {
		cli_print_error(&err);
		free(ch);
		free(fds);
		return PE_EXIT_FAILURE;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (size_t k = 0; k < n; k++) {
		ch[k].out = -1;
		if (spawn_tcpdump(sc, &sc->pods[k], &ch[k], prefix, oldmask) <
		    0) {
			int e = errno;

			fprintf(stderr,
				"podenter: cannot run tcpdump in %s: %s\n",
				sc->pods[k].label, strerror(e));
			rc = e == ENOENT ? PE_EXIT_NOT_FOUND
					 : PE_EXIT_CANNOT_EXEC;
			ch[k].done = true;
			stopping = true;
			break;
		}
		running++;
	}
	fds[0].fd = sigfd;
	fds[nfds - 1].fd = prefix ? STDOUT_FILENO : -1;
	fds[nfds - 1].events = 0;
	fds[0].events = POLLIN;
	for (size_t k = 0; k < n; k++) {
		fds[1 + k].fd = ch[k].done ? -1 : sc->pods[k].pidfd;
		fds[1 + k].events = POLLIN;
		fds[1 + n + k].fd = ch[k].out;
		fds[1 + n + k].events = POLLIN;
	}
	if (stopping)
		for (size_t k = 0; k < n; k++)
			if (ch[k].pid > 0)
				kill(ch[k].pid, SIGINT);
	while (running) {
		struct signalfd_siginfo si;
		int timeout = -1;
		pid_t w;
		int st;

		if (sc->so.duration_ms && !stopping) {
			struct timespec now;
			long long el;

			clock_gettime(CLOCK_MONOTONIC, &now);
			el = (now.tv_sec - start.tv_sec) * 1000LL +
			     (now.tv_nsec - start.tv_nsec) / 1000000;
			timeout = el >= sc->so.duration_ms
				      ? 0
				      : (int)(sc->so.duration_ms - el);
		}
		if (poll(fds, nfds, timeout) < 0 && errno != EINTR)
			break;
		if ((fds[nfds - 1].revents & POLLERR) && !stopping) {
			/* the reader left (| head): a normal end */
			stopping = true;
			fds[nfds - 1].fd = -1;
			for (size_t k = 0; k < n; k++)
				if (!ch[k].done)
					kill(ch[k].pid, SIGINT);
		}
		if (timeout == 0 && !stopping) {
			stopping = true;
			for (size_t k = 0; k < n; k++)
				if (!ch[k].done)
					kill(ch[k].pid, SIGINT);
		}
		while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			stopping = true;
			for (size_t k = 0; k < n; k++)
				if (!ch[k].done)
					kill(ch[k].pid, (int)si.ssi_signo);
		}
		for (size_t k = 0; k < n; k++) {
			struct pollfd *o = &fds[1 + n + k];

			if (o->fd >= 0 && o->revents) {
				ssize_t r =
				    read(o->fd, ch[k].partial + ch[k].plen,
					 sizeof(ch[k].partial) - ch[k].plen);

				if (r > 0) {
					ch[k].plen += (size_t)r;
					if (!relay_lines(&ch[k],
							 sc->pods[k].label,
							 false) &&
					    !stopping) {
						/* the reader left (| head):
						 * a normal end */
						stopping = true;
						for (size_t j = 0; j < n; j++)
							if (!ch[j].done)
								kill(ch[j].pid,
								     SIGINT);
					}
				} else {
					relay_lines(&ch[k], sc->pods[k].label,
						    true);
					close(o->fd);
					o->fd = -1;
				}
			}
			if (fds[1 + k].fd >= 0 && fds[1 + k].revents &&
			    !ch[k].done) {
				fprintf(stderr,
					"podenter: %s: its process %d exited: "
					"the pod "
					"went away; its capture ends%s\n",
					sc->pods[k].label, (int)sc->pods[k].pid,
					n > 1 ? ", the others go on" : "");
				kill(ch[k].pid, SIGINT);
				fds[1 + k].fd = -1;
			}
		}
		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			for (size_t k = 0; k < n; k++) {
				if (ch[k].pid != w)
					continue;
				ch[k].done = true;
				ch[k].status = st;
				fds[1 + k].fd = -1;
				running--;
				/* tcpdump ends with 0 after our SIGINT too */
				if (WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
				    rc == 0)
					rc = WEXITSTATUS(st);
				else if (WIFSIGNALED(st) && !stopping &&
					 rc == 0)
					rc = 128 + WTERMSIG(st);
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (fds[1 + n + k].fd >= 0) {
			ssize_t r;

			while ((r = read(fds[1 + n + k].fd,
					 ch[k].partial + ch[k].plen,
					 sizeof(ch[k].partial) - ch[k].plen)) >
			       0) {
				ch[k].plen += (size_t)r;
				relay_lines(&ch[k], sc->pods[k].label, false);
			}
			relay_lines(&ch[k], sc->pods[k].label, true);
			close(fds[1 + n + k].fd);
		}
	}
	free(ch);
	free(fds);
	return rc;
}

/* ---- options ----------------------------------------------------------- */

static int parse_number(const char *opt, const char *arg,
			unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || *out > max) {
		cli_usage_error("sniff",
				"%s wants a number up to %llu, not '%s'", opt,
				max, arg);
		return -1;
	}
	return 0;
}

static int parse_duration(const char *arg, unsigned *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end != arg && (strcmp(end, "s") == 0 || !*end))
		v *= 1000;
	else if (end != arg && strcmp(end, "ms") == 0)
		;
	else if (end != arg && strcmp(end, "m") == 0)
		v *= 60000;
	else
		v = -1;
	if (errno || v < 1 || v > (double)UINT_MAX) {
		cli_usage_error("sniff",
				"--duration wants seconds (e.g. 10, 2.5, "
				"500ms, 5m), not '%s'",
				arg);
		return -1;
	}
	*ms = (unsigned)v;
	return 0;
}

/* Everything after "--" is the filter, as tcpdump joins its arguments. */
static char *join_filter(int argc, char **argv, int from)
{
	size_t len = 1;
	char *f;

	for (int k = from; k < argc; k++)
		len += strlen(argv[k]) + 1;
	f = calloc(1, len);
	if (!f)
		return NULL;
	for (int k = from; k < argc; k++) {
		if (k > from)
			strcat(f, " ");
		strcat(f, argv[k]);
	}
	return f;
}

int cmd_sniff(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "interface", required_argument, NULL, 'i' },
		{ "write", required_argument, NULL, 'w' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "tcpdump", no_argument, NULL, OPT_TCPDUMP },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	struct sniff_cli sc;
	struct pe_hostroot hr;
	struct pe_error err;
	sigset_t oldmask;
	int opt, optc = argc, sigfd, rc;
	unsigned long long v;

	memset(&sc, 0, sizeof(sc));
	cli_common_init(&sc.co);
	sc.so.snaplen = 262144;
	pe_error_clear(&err);
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0) {
			optc = k;
			sc.filter = join_filter(argc, argv, k + 1);
			if (!sc.filter) {
				fputs("podenter: out of memory\n", stderr);
				return PE_EXIT_FAILURE;
			}
			break;
		}
	}
	rc = PE_EXIT_FAILURE;
	while ((opt = getopt_long(optc, argv, CLI_COMMON_SHORTOPTS "i:w:s:B:",
				  longopts, NULL)) != -1) {
		int r = cli_common_option(&sc.co, opt, optarg, "sniff");

		if (r < 0)
			goto out_free;
		if (r > 0)
			continue;
		switch (opt) {
		case 'i':
			if (!*optarg || strlen(optarg) >= 16 ||
			    strchr(optarg, '/')) {
				cli_usage_error("sniff",
						"'%s' is not an interface name",
						optarg);
				goto out_free;
			}
			sc.so.iface = optarg;
			break;
		case 'w':
			sc.write_path = optarg;
			break;
		case 's':
			if (parse_number("-s", optarg, 262144, &v) < 0)
				goto out_free;
			sc.so.snaplen = v ? (uint32_t)v : 262144;
			break;
		case 'B':
			if (parse_number("-B (KiB)", optarg, 1 << 20, &v) < 0)
				goto out_free;
			sc.so.buffer_kib = (int)v;
			break;
		case OPT_COUNT:
			if (parse_number("--count", optarg, ULLONG_MAX, &v) <
				0 ||
			    v == 0) {
				if (v == 0)
					cli_usage_error(
					    "sniff",
					    "--count wants at least 1");
				goto out_free;
			}
			sc.so.count = v;
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, &sc.so.duration_ms) < 0)
				goto out_free;
			break;
		case OPT_TCPDUMP:
			sc.tcpdump = true;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "pcapng") == 0)
				sc.so.format = PE_SNIFF_PCAPNG;
			else if (strcmp(optarg, "pcap") == 0)
				sc.so.format = PE_SNIFF_PCAP;
			else {
				cli_usage_error(
				    "sniff",
				    "--format is pcapng or pcap, not '%s'",
				    optarg);
				goto out_free;
			}
			break;
		default:
			cli_usage_error("sniff", "unknown option");
			goto out_free;
		}
	}
	if (optind >= optc) {
		cli_usage_error("sniff", "which pod? (TARGET...)");
		goto out_free;
	}
	if (sc.co.output != CLI_OUT_TABLE) {
		cli_usage_error("sniff", "-o does not apply to sniff (see -w)");
		goto out_free;
	}
	if (sc.tcpdump && (sc.write_path || sc.so.format == PE_SNIFF_PCAP)) {
		cli_usage_error("sniff",
				"--tcpdump prints text; -w and --format are "
				"for pcap output");
		goto out_free;
	}
	if (!sc.tcpdump &&
	    (!sc.write_path || strcmp(sc.write_path, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		cli_usage_error("sniff",
				"refusing to write a binary capture to a "
				"terminal: use -w FILE, -w - | wireshark "
				"-k -i -, or --tcpdump for text");
		goto out_free;
	}
	sc.so.filter = sc.filter;
	/* before touching the node: a typo in the filter costs nothing */
	if (pe_sniff_check_filter(sc.filter, sc.so.snaplen, &err) < 0) {
		cli_print_error(&err);
		goto out_free;
	}
	if (pe_hostroot_open(&hr, sc.co.host_root, &err) < 0) {
		cli_print_error(&err);
		goto out_free;
	}
	if (resolve_targets(&sc, &hr, argv + optind, optc - optind) < 0) {
		pe_hostroot_close(&hr);
		goto out_pods;
	}
	pe_hostroot_close(&hr);
	sigfd = stop_signals(&oldmask, sc.tcpdump);
	if (sigfd < 0) {
		fprintf(stderr, "podenter: signalfd: %s\n", strerror(errno));
		goto out_pods;
	}
	if (sc.tcpdump)
		rc = run_tcpdump(&sc, sigfd, &oldmask);
	else
		rc = run_capture(&sc, sigfd);
	close(sigfd);
out_pods:
	for (size_t k = 0; k < sc.npods; k++)
		pe_sniff_pod_close(&sc.pods[k]);
	free(sc.pods);
out_free:
	free(sc.filter);
	return rc;
}
