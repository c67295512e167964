/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One command in many targets at once: a child per job, its output passed
 * on whole lines at a time with the job's prefix (each.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "podenter/each.h"
#include "podenter/reaper.h"

/* ---- the line splitter -------------------------------------------------- */

/* fd may be non-blocking (a terminal shared with a shell that set it so):
 * wait until it takes more rather than drop a line. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			(void)poll(&pfd, 1, -1);
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* What one feed writes, gathered so it goes out in one write. */
struct outbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void out_put(struct outbuf *b, const char *s, size_t n)
{
	if (b->failed || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Bytes of a line, control characters as ^X when asked. */
static void out_text(struct outbuf *b, const char *s, size_t n, bool escape)
{
	size_t start = 0;

	if (!escape) {
		out_put(b, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char shown[2] = { '^', (char)(ch == 0x7f ? '?' : ch + '@') };

		if ((ch >= 0x20 && ch != 0x7f) || ch == '\t')
			continue;
		out_put(b, s + start, i - start);
		out_put(b, shown, 2);
		start = i + 1;
	}
	out_put(b, s + start, n - start);
}

/* prefix, a and c (the line's end: its '\n', or one added) */
static void out_line(struct outbuf *b, const char *prefix, size_t plen,
		     const char *a, size_t alen, const char *c, size_t clen,
		     bool escape)
{
	out_put(b, prefix, plen);
	if (clen && c[clen - 1] == '\n') {
		out_text(b, a, alen, escape);
		out_text(b, c, clen - 1, escape);
		out_put(b, "\n", 1);
		return;
	}
	out_text(b, a, alen, escape);
	out_text(b, c, clen, escape);
}

static int out_flush(struct outbuf *b, int fd)
{
	int rc = 0;

	if (b->failed) {
		errno = ENOMEM;
		rc = -1;
	} else if (b->len) {
		rc = write_all(fd, b->p, b->len);
	}
	free(b->p);
	memset(b, 0, sizeof(*b));
	return rc;
}

int pe_linebuf_feed(struct pe_linebuf *lb, const char *prefix, int fd,
		    const char *data, size_t n)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	struct outbuf out = { 0 };

	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;

		if (nl && lb->len + take <= PE_EACH_LINE_MAX) {
			/* a whole line: what was pending, then this */
			out_line(&out, prefix, plen, lb->data ? lb->data : "",
				 lb->len, data, take, lb->escape_controls);
			lb->len = 0;
			data += take;
			n -= take;
			continue;
		}
		/* no end of line yet: keep it, up to the longest line */
		if (!lb->data && !(lb->data = malloc(PE_EACH_LINE_MAX))) {
			errno = ENOMEM;
			return -1;
		}
		if (take > PE_EACH_LINE_MAX - lb->len)
			take = PE_EACH_LINE_MAX - lb->len;
		memcpy(lb->data + lb->len, data, take);
		lb->len += take;
		data += take;
		n -= take;
		if (lb->len == PE_EACH_LINE_MAX) {
			/* too long to wait for its end: a line of its own */
			out_line(&out, prefix, plen, lb->data, lb->len, "\n", 1,
				 lb->escape_controls);
			lb->len = 0;
		}
	}
	return out_flush(&out, fd);
}

int pe_linebuf_finish(struct pe_linebuf *lb, const char *prefix, int fd)
{
	struct outbuf out = { 0 };
	int rc;

	if (lb->len)
		out_line(&out, prefix, prefix ? strlen(prefix) : 0, lb->data,
			 lb->len, "\n", 1, lb->escape_controls);
	rc = out_flush(&out, fd);
	free(lb->data);
	lb->data = NULL;
	lb->len = 0;
	return rc;
}

/* ---- the runner --------------------------------------------------------- */

struct running {
	pid_t pid; /* 0: not started, -1: reaped */
	int fd[2]; /* read ends of its stdout and stderr, -1 at EOF */
	struct pe_linebuf lb[2];
	long long started_ms;
	bool term_sent, kill_sent;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static const int passed_on[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* The job's child: /dev/null, the pipes, the caller's signal mask, and
 * nothing of the other jobs; never returns. */
static void __attribute__((noreturn))
job_child(const struct pe_each_opts *o, size_t i, struct running *r,
	  size_t njobs, const int out[2], int sigfd, const sigset_t *oldmask,
	  pid_t parent)
{
	int devnull;

	/* the run ends with podenter: an orphaned job would go on with
	 * nobody reading its output or bounding its time */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    getppid() != parent)
		_exit(PE_EXIT_FAILURE);
	/* a process group of its own: the terminal's ^C reaches this
	 * process's parent alone, which passes it on once to every job */
	(void)setpgid(0, 0);
	close(sigfd);
	for (size_t k = 0; k < njobs; k++)
		for (int s = 0; s < 2; s++)
			if (r[k].fd[s] >= 0)
				close(r[k].fd[s]);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(out[0], STDOUT_FILENO) < 0 || dup2(out[1], STDERR_FILENO) < 0)
		_exit(PE_EXIT_FAILURE);
	if (devnull > STDERR_FILENO)
		close(devnull);
	for (int s = 0; s < 2; s++)
		if (out[s] > STDERR_FILENO)
			close(out[s]);
	if (sigprocmask(SIG_SETMASK, oldmask, NULL) < 0)
		_exit(PE_EXIT_FAILURE);
	_exit(o->run(o->ctx, i));
}

static int job_start(const struct pe_each_opts *o, struct running *r, size_t i,
		     size_t njobs, int sigfd, const sigset_t *oldmask,
		     struct pe_error *err)
{
	int pout[2], perr[2];
	pid_t parent = getpid(), pid;

	if (pipe2(pout, O_CLOEXEC) < 0)
		return pe_error_errno(err, "creating a pipe");
	if (pipe2(perr, O_CLOEXEC) < 0) {
		close(pout[0]);
		close(pout[1]);
		return pe_error_errno(err, "creating a pipe");
	}
	r[i].fd[0] = pout[0];
	r[i].fd[1] = perr[0];
	pid = fork();
	if (pid == 0) {
		const int out[2] = { pout[1], perr[1] };

		r[i].fd[0] = r[i].fd[1] = -1;
		close(pout[0]);
		close(perr[0]);
		job_child(o, i, r, njobs, out, sigfd, oldmask, parent);
	}
	close(pout[1]);
	close(perr[1]);
	if (pid < 0) {
		close(pout[0]);
		close(perr[0]);
		r[i].fd[0] = r[i].fd[1] = -1;
		return pe_error_errno(err, "forking the session of job %zu",
				      i + 1);
	}
	for (int s = 0; s < 2; s++)
		(void)fcntl(r[i].fd[s], F_SETFL, O_NONBLOCK);
	r[i].pid = pid;
	r[i].started_ms = now_ms();
	return 0;
}

/* Read what a job wrote and pass it on; EOF closes that pipe. */
static void job_output(const struct pe_each_opts *o,
		       const struct pe_each_job *job, struct running *r, int s)
{
	char buf[16384];
	int to = s ? o->err_fd : o->out_fd;

	for (;;) {
		ssize_t n = read(r->fd[s], buf, sizeof(buf));

		if (n > 0) {
			/* a caller's output that went away (a closed pipe)
			 * drops the lines, the jobs still run to their end */
			(void)pe_linebuf_feed(&r->lb[s], job->prefix, to, buf,
					      (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		(void)pe_linebuf_finish(&r->lb[s], job->prefix, to);
		close(r->fd[s]);
		r->fd[s] = -1;
		return;
	}
}

static void reap(struct pe_each_job *jobs, struct running *r, size_t njobs)
{
	for (size_t i = 0; i < njobs; i++) {
		int status;

		if (r[i].pid <= 0 || waitpid(r[i].pid, &status, WNOHANG) <= 0)
			continue;
		r[i].pid = -1;
		jobs[i].status = pe_exit_code_of(status);
		jobs[i].state =
		    r[i].term_sent ? PE_EACH_TIMED_OUT : PE_EACH_EXITED;
	}
}

/* --timeout: SIGTERM when it runs out, SIGKILL after the grace; returns
 * the poll timeout until the next of these. */
static int enforce_timeout(const struct pe_each_opts *o, struct running *r,
			   size_t njobs)
{
	long long now = now_ms(), next = -1;

	if (!o->timeout_ms)
		return -1;
	for (size_t i = 0; i < njobs; i++) {
		long long due;

		if (r[i].pid <= 0 || r[i].kill_sent)
			continue;
		due = r[i].started_ms + o->timeout_ms +
		      (r[i].term_sent ? PE_EACH_KILL_GRACE_MS : 0);
		if (now >= due) {
			kill(r[i].pid, r[i].term_sent ? SIGKILL : SIGTERM);
			if (r[i].term_sent)
				r[i].kill_sent = true;
			r[i].term_sent = true;
			due = now + PE_EACH_KILL_GRACE_MS;
			if (r[i].kill_sent)
				continue;
		}
		if (next < 0 || due < next)
			next = due;
	}
	return next < 0 ? -1 : (int)(next - now);
}

int pe_each_run(const struct pe_each_opts *o, struct pe_each_job *jobs,
		size_t njobs, bool *interrupted, struct pe_error *err)
{
	unsigned max =
	    o->max_parallel ? o->max_parallel : PE_EACH_DEFAULT_PARALLEL;
	struct running *r = calloc(njobs ? njobs : 1, sizeof(*r));
	struct pollfd *pfds = calloc(2 * njobs + 1, sizeof(*pfds));
	sigset_t set, oldmask;
	size_t next = 0, live = 0;
	int sigfd = -1, rc = 0;
	bool stop = false;

	*interrupted = false;
	if (!r || !pfds) {
		free(r);
		free(pfds);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "--each");
	}
	for (size_t i = 0; i < njobs; i++) {
		r[i].fd[0] = r[i].fd[1] = -1;
		r[i].lb[0].escape_controls = o->escape_controls[0];
		r[i].lb[1].escape_controls = o->escape_controls[1];
		jobs[i].state = PE_EACH_NOT_STARTED;
		jobs[i].status = PE_EXIT_FAILURE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t k = 0; k < sizeof(passed_on) / sizeof(passed_on[0]); k++)
		sigaddset(&set, passed_on[k]);
	if (sigprocmask(SIG_BLOCK, &set, &oldmask) < 0) {
		free(r);
		free(pfds);
		return pe_error_errno(err, "blocking signals");
	}
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		rc = pe_error_errno(err, "signalfd");
		goto out;
	}
	for (;;) {
		struct signalfd_siginfo si;
		size_t npfds = 0;
		int timeout;

		while (!stop && next < njobs && live < max) {
			if (job_start(o, r, next, njobs, sigfd, &oldmask, err) <
			    0) {
				/* the ones running are ended below */
				rc = -1;
				stop = true;
				for (size_t i = 0; i < next; i++)
					if (r[i].pid > 0)
						kill(r[i].pid, SIGTERM);
				break;
			}
			next++;
			live++;
		}
		reap(jobs, r, njobs);
		live = 0;
		for (size_t i = 0; i < njobs; i++) {
			if (r[i].pid > 0 || r[i].fd[0] >= 0 || r[i].fd[1] >= 0)
				live++;
			for (int s = 0; s < 2; s++)
				if (r[i].fd[s] >= 0)
					pfds[npfds++] =
					    (struct pollfd){ .fd = r[i].fd[s],
							     .events = POLLIN };
		}
		if (!live && (stop || next >= njobs))
			break;
		if (!live)
			continue; /* start the next ones */
		pfds[npfds++] =
		    (struct pollfd){ .fd = sigfd, .events = POLLIN };
		timeout = enforce_timeout(o, r, njobs);
		if (poll(pfds, npfds, timeout) < 0 && errno != EINTR) {
			/* cannot wait for them: end them, leave none behind */
			rc = pe_error_errno(err, "poll");
			for (size_t i = 0; i < njobs; i++)
				if (r[i].pid > 0) {
					kill(r[i].pid, SIGKILL);
					(void)waitpid(r[i].pid, NULL, 0);
					r[i].pid = -1;
				}
			goto out;
		}
		for (size_t i = 0; i < njobs; i++)
			for (int s = 0; s < 2; s++)
				if (r[i].fd[s] >= 0)
					job_output(o, &jobs[i], &r[i], s);
		while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			/* the operator's ^C or a stop: every running job gets
			 * it (each session passes it to its command), no new
			 * one starts */
			stop = true;
			*interrupted = true;
			for (size_t i = 0; i < njobs; i++)
				if (r[i].pid > 0)
					kill(r[i].pid, (int)si.ssi_signo);
		}
	}
out:
	if (sigfd >= 0)
		close(sigfd);
	(void)sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (size_t i = 0; i < njobs; i++)
		for (int s = 0; s < 2; s++) {
			free(r[i].lb[s].data);
			if (r[i].fd[s] >= 0)
				close(r[i].fd[s]);
		}
	free(r);
	free(pfds);
	return rc;
}
