/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's terminal and the byte proxy; see include/podenter/pty.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "podenter/pty.h"
#include "podenter/reaper.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

void pe_pty_init(struct pe_pty *p)
{
	p->master = -1;
	p->peer = -1;
}

void pe_pty_close(struct pe_pty *p)
{
	if (p->master >= 0)
		close(p->master);
	if (p->peer >= 0)
		close(p->peer);
	pe_pty_init(p);
}

int pe_pty_open(struct pe_pty *p, int size_from, struct pe_error *err)
{
	pe_pty_init(p);
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0)
		return pe_error_errno(err, "allocating a pty (/dev/ptmx)");
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0) {
		pe_error_errno(err, "unlocking the new pty");
		goto fail;
	}
	p->peer = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->peer < 0 && (errno == EINVAL || errno == ENOTTY)) {
		/* kernels before 4.13: by name, still in the host's /dev */
		char name[128];

		if (ptsname_r(p->master, name, sizeof(name)) != 0) {
			pe_error_errno(err, "naming the new pty");
			goto fail;
		}
		p->peer = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	if (p->peer < 0) {
		pe_error_errno(err, "opening the new pty's peer");
		goto fail;
	}
	if (size_from >= 0 && isatty(size_from))
		pe_pty_copy_winsize(size_from, p->master);
	return 0;
fail:
	pe_pty_close(p);
	return -1;
}

int pe_pty_copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) < 0)
		return -1;
	return ioctl(to, TIOCSWINSZ, &ws);
}

int pe_pty_attach_child(int peer, struct pe_error *err)
{
	if (setsid() < 0)
		return pe_error_errno(err, "starting a new session");
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return pe_error_errno(err, "making the pty the controlling "
					   "terminal");
	for (int fd = 0; fd < 3; fd++) {
		if (dup2(peer, fd) < 0)
			return pe_error_errno(err, "attaching the pty");
	}
	if (peer > 2)
		close(peer);
	return 0;
}

int pe_stdio_attach_child(const int fds[3], struct pe_error *err)
{
	if (setsid() < 0)
		return pe_error_errno(err, "starting a new session");
	for (int fd = 0; fd < 3; fd++) {
		if (fds[fd] >= 0 && fds[fd] != fd && dup2(fds[fd], fd) < 0)
			return pe_error_errno(err, "attaching stdio");
	}
	return 0;
}

int pe_term_raw(struct pe_term *t, int fd, struct pe_error *err)
{
	struct termios raw;

	t->fd = fd;
	t->saved = false;
	if (tcgetattr(fd, &t->orig) < 0)
		return pe_error_errno(err, "reading the terminal's settings");
	raw = t->orig;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return pe_error_errno(err, "putting the terminal in raw mode");
	t->saved = true;
	return 0;
}

void pe_term_restore(struct pe_term *t)
{
	if (t->saved && t->fd >= 0) {
		/* TCSAFLUSH could drop what the operator typed last */
		(void)tcsetattr(t->fd, TCSADRAIN, &t->orig);
		t->saved = false;
	}
}

void pe_proxy_init(struct pe_proxy *px, int sigfd, pid_t child)
{
	/* field by field: the streams' buffers (pe_proxy_add sets the rest)
	 * are touched only by what flows through them, and a page touched
	 * costs a fault */
	px->nstreams = 0;
	px->hung_up = false;
	px->watch = NULL;
	px->watch_event = false;
	px->sigfd = sigfd;
	px->child = child;
	px->winsize_from = -1;
	px->winsize_to = -1;
}

int pe_proxy_add(struct pe_proxy *px, int from, int to, bool is_input,
		 bool close_to_on_eof)
{
	struct pe_proxy_stream *s;

	if (px->nstreams >= PE_PROXY_MAX_STREAMS) {
		errno = E2BIG;
		return -1;
	}
	s = &px->streams[px->nstreams++];
	s->from = from;
	s->to = to;
	s->is_input = is_input;
	s->close_to_on_eof = close_to_on_eof;
	s->done = false;
	s->len = s->off = 0;
	return 0;
}

static void stream_finish(struct pe_proxy_stream *s)
{
	s->done = true;
	s->len = s->off = 0;
	if (s->close_to_on_eof && s->to >= 0) {
		close(s->to);
		s->to = -1;
	}
}

/* One read into an empty buffer; returns false when the stream ended. */
static bool stream_fill(struct pe_proxy_stream *s)
{
	ssize_t n = read(s->from, s->buf, sizeof(s->buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		/* EOF, or EIO from a master whose peer is gone */
		stream_finish(s);
		return false;
	}
	s->len = (size_t)n;
	s->off = 0;
	return true;
}

static void stream_flush(struct pe_proxy_stream *s)
{
	ssize_t n = write(s->to, s->buf + s->off, s->len - s->off);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		/* the reader went away: drop this stream's data */
		stream_finish(s);
		return;
	}
	s->off += (size_t)n;
	if (s->off == s->len)
		s->len = s->off = 0;
}

/* After the child exited: what is already buffered in the kernel still
 * goes out, without waiting for processes that keep the pty or a pipe. */
static void drain_outputs(struct pe_proxy *px)
{
	for (size_t i = 0; i < px->nstreams; i++) {
		struct pe_proxy_stream *s = &px->streams[i];
		int rounds = 0;

		if (s->is_input)
			continue;
		while (!s->done && rounds++ < 4096) {
			struct pollfd p = { .fd = s->from, .events = POLLIN };

			while (s->len && !s->done)
				stream_flush(s);
			if (s->done || poll(&p, 1, 0) <= 0 ||
			    !(p.revents & (POLLIN | POLLHUP | POLLERR)))
				break;
			if (!stream_fill(s))
				break;
		}
		while (s->len && !s->done)
			stream_flush(s);
	}
}

static void hang_up(struct pe_proxy *px)
{
	px->hung_up = true;
	kill(px->child, SIGHUP);
	kill(px->child, SIGCONT);
	/* nobody reads or writes the operator's side any more */
	for (size_t i = 0; i < px->nstreams; i++) {
		if (px->streams[i].is_input)
			stream_finish(&px->streams[i]);
	}
}

/* Returns 1 when the child exited (status filled), 0 otherwise. */
static int handle_signal(struct pe_proxy *px, int *status)
{
	struct signalfd_siginfo si;
	ssize_t n = read(px->sigfd, &si, sizeof(si));
	pid_t r;

	if (n != (ssize_t)sizeof(si))
		return 0;
	if (px->watch && si.ssi_signo == SIGCHLD) {
		px->watch_event = true;
		return 0;
	}
	switch (si.ssi_signo) {
	case SIGCHLD:
		r = waitpid(px->child, status, WNOHANG);
		return r == px->child &&
		       (WIFEXITED(*status) || WIFSIGNALED(*status));
	case SIGWINCH:
		if (px->winsize_from >= 0 && px->winsize_to >= 0)
			pe_pty_copy_winsize(px->winsize_from, px->winsize_to);
		return 0;
	case SIGHUP:
		hang_up(px);
		return 0;
	default:
		if (px->watch)
			pe_reaper_watch_forward(px->watch, (int)si.ssi_signo);
		else
			kill(px->child, (int)si.ssi_signo);
		return 0;
	}
}

int pe_proxy_run(struct pe_proxy *px, int *status, struct pe_error *err)
{
	for (;;) {
		struct pollfd fds[1 + PE_PROXY_MAX_STREAMS];
		int map[1 + PE_PROXY_MAX_STREAMS];
		nfds_t n = 0;
		int ready, timeout = -1;

		fds[n].fd = px->sigfd;
		fds[n].events = POLLIN;
		map[n++] = -1;
		if (px->watch)
			timeout = pe_reaper_watch_timeout(px->watch);
		for (size_t i = 0; i < px->nstreams; i++) {
			struct pe_proxy_stream *s = &px->streams[i];

			if (s->done)
				continue;
			if (s->len) {
				fds[n].fd = s->to;
				fds[n].events = POLLOUT;
			} else {
				fds[n].fd = s->from;
				fds[n].events = POLLIN;
			}
			map[n++] = (int)i;
		}
		ready = poll(fds, n, timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return pe_error_errno(err, "waiting for the session");
		}
		for (nfds_t k = 1; k < n; k++) {
			struct pe_proxy_stream *s = &px->streams[map[k]];

			if (!fds[k].revents || s->done)
				continue;
			if (s->len) {
				if (fds[k].revents & (POLLERR | POLLNVAL))
					stream_finish(s);
				else
					stream_flush(s);
			} else {
				stream_fill(s);
			}
		}
		if (fds[0].revents & POLLIN) {
			if (handle_signal(px, status)) {
				drain_outputs(px);
				return 0;
			}
		}
		/* when due, whatever else happened: a flood of output must
		 * not keep the bounds from being checked */
		if (px->watch && (px->watch_event || ready == 0 ||
				  pe_reaper_watch_timeout(px->watch) == 0)) {
			int rc = pe_reaper_watch_check(px->watch, status, err);

			px->watch_event = false;
			if (rc < 0)
				return -1;
			if (rc > 0) {
				drain_outputs(px);
				return 0;
			}
		}
	}
}
