/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's terminal. A process in the container must never hold the
 * operator's terminal (TIOCSTI would let it type into the operator's shell),
 * so an interactive session gets a fresh pty allocated on the host side
 * before any namespace is joined: the command gets only the peer, as
 * session leader with it as controlling terminal, and podenter copies bytes
 * between the operator's terminal (in raw mode, always restored) and the
 * pty's master, forwarding window size changes. Without a terminal the
 * command gets pipes (or the caller's non-terminal fds) and no controlling
 * terminal at all.
 */
#ifndef PODENTER_PTY_H
#define PODENTER_PTY_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "podenter/error.h"

struct pe_pty {
	int master; /* podenter's end (O_CLOEXEC) */
	int peer; /* the session's end, until the child takes it */
};

void pe_pty_init(struct pe_pty *p);
/* Allocate from the host's /dev/ptmx, the peer opened through the master
 * (TIOCGPTPEER) so no /dev/pts path is looked up. The window size is copied
 * from size_from when that is a terminal (-1: none). */
int pe_pty_open(struct pe_pty *p, int size_from, struct pe_error *err);
void pe_pty_close(struct pe_pty *p);

/* In the child: a new session, peer as its controlling terminal and as fds
 * 0, 1 and 2; the peer's own fd is closed. */
int pe_pty_attach_child(int peer, struct pe_error *err);

/* In the child without a terminal: a new session (no controlling terminal),
 * and fds[i] >= 0 dup'ed onto fd i. */
int pe_stdio_attach_child(const int fds[3], struct pe_error *err);

/* The operator's terminal: raw mode, and the way back. */
struct pe_term {
	int fd;
	bool saved;
	struct termios orig;
};

int pe_term_raw(struct pe_term *t, int fd, struct pe_error *err);
/* Safe to call more than once, and when pe_term_raw was not called or
 * failed (t zeroed with fd -1 by the caller). */
void pe_term_restore(struct pe_term *t);

/* Copy the window size of one terminal to another (SIGWINCH). */
int pe_pty_copy_winsize(int from, int to);

/*
 * The byte proxy. Streams copy from -> to; input streams (the operator's
 * stdin) close their destination on EOF when it is a pipe (close_to_on_eof)
 * so the command sees end of input. The proxy reads signals from sigfd (a
 * signalfd of the caller's blocked set): SIGCHLD ends it once the child
 * exited and the output was drained; SIGWINCH copies the window size;
 * SIGHUP (the operator's connection is gone) hangs the session up; other
 * signals are forwarded to the child, which has its own session and so
 * gets none from the operator's terminal.
 */
#define PE_PROXY_MAX_STREAMS 3

struct pe_proxy_stream {
	int from;
	int to;
	bool close_to_on_eof;
	bool is_input; /* reads the operator's side */
	/* internal */
	bool done;
	size_t len, off;
	char buf[16384];
};

struct pe_proxy {
	struct pe_proxy_stream streams[PE_PROXY_MAX_STREAMS];
	size_t nstreams;
	int sigfd;
	pid_t child;
	int winsize_from; /* -1: no window size forwarding */
	int winsize_to;
	bool hung_up; /* out: SIGHUP ended the session */
	/* when set (after pe_proxy_init), the child is the session's reaper
	 * and its end is judged by the watch, with its bounds (reaper.h) */
	struct pe_reaper_watch *watch;
	bool watch_event; /* internal */
};

struct pe_reaper_watch;

void pe_proxy_init(struct pe_proxy *px, int sigfd, pid_t child);
int pe_proxy_add(struct pe_proxy *px, int from, int to, bool is_input,
		 bool close_to_on_eof);
/* Returns 0 with the child's wait status in *status, or -1. */
int pe_proxy_run(struct pe_proxy *px, int *status, struct pe_error *err);

#endif
