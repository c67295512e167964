/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forwarding ports of a pod from the node, without any process in the pod:
 * listeners on the node, and for each connection (or UDP client) a socket
 * made inside the pod's network namespace by this process, connected to the
 * pod's own loopback: 127.0.0.1 for a listener on an IPv4 address, ::1 for
 * one on an IPv6 address. One thread, one epoll loop.
 *
 * The spec syntax is kubectl port-forward's plus an address and /udp:
 *   [ADDR:]LOCAL:REMOTE[/udp] | :REMOTE | REMOTE        (LOCAL 0: any free)
 * ADDR is a numeric IPv4 address, an IPv6 one in brackets, or localhost.
 */
#ifndef PODENTER_PORTFORWARD_H
#define PODENTER_PORTFORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "podenter/error.h"
#include "podenter/nsjoin.h"

#define PE_PF_ADDR_MAX 64 /* a numeric address, as text */

struct pe_pf_spec {
	char address[PE_PF_ADDR_MAX]; /* "" when the spec names none */
	uint16_t local; /* 0: pick a free port */
	uint16_t remote; /* 1..65535 */
	bool udp;
};

/* Parse one spec. Returns 0, or -1 with a USAGE error naming the text. */
int pe_pf_parse_spec(const char *text, struct pe_pf_spec *out,
		     struct pe_error *err);

/*
 * Parse --address's comma-separated list into numeric addresses (localhost
 * becomes 127.0.0.1; duplicates are dropped). Returns the number of
 * addresses (>= 1), or -1 with a USAGE error.
 */
int pe_pf_parse_addresses(const char *list, char out[][PE_PF_ADDR_MAX],
			  size_t max, struct pe_error *err);

struct pe_pf_opts {
	unsigned udp_idle_ms; /* a UDP client's pod socket is closed after
				 this long without traffic; 0: 60 s */
	unsigned max_udp_clients; /* per listener; 0: 1024 */
};

/* One node-side listener, for the "Forwarding from" lines. */
struct pe_pf_listener_info {
	char address[PE_PF_ADDR_MAX];
	uint16_t port; /* the one bound (the picked one for LOCAL 0) */
	uint16_t remote;
	bool udp;
};

/* What the loop tells the CLI; called from pe_pf_run()'s thread. */
struct pe_pf_events {
	void *ctx;
	/* a connection or UDP client was accepted for this listener */
	void (*accepted)(void *ctx, const struct pe_pf_listener_info *l);
	/* one connection failed (refused inside the pod, reset...): the
	 * forward goes on */
	void (*conn_error)(void *ctx, const struct pe_pf_listener_info *l,
			   const char *what, int errnum);
};

/* Why pe_pf_run() returned 0 or 1. */
enum pe_pf_end { PE_PF_STOPPED = 0, PE_PF_POD_GONE = 1 };

struct pe_pf;

/*
 * Open the network namespace of the pinned target (through its pinned
 * /proc/PID, checked against the pin's inode), refuse a target that shares
 * this process's network namespace (host network), and bind every
 * listener on the node: each spec on its own address, or on every address
 * of addrs. A port in use fails the whole open, with nothing left bound.
 * The pin must outlive the forward (its pidfd says when the pod is gone).
 */
int pe_pf_open(struct pe_pf **out, const struct pe_pin *pin,
	       const struct pe_pf_spec *specs, size_t nspecs,
	       const char (*addrs)[PE_PF_ADDR_MAX], size_t naddrs,
	       const struct pe_pf_opts *o, struct pe_error *err);

size_t pe_pf_listener_count(const struct pe_pf *pf);
const struct pe_pf_listener_info *pe_pf_listener(const struct pe_pf *pf,
						 size_t i);

/*
 * Forward until stop_fd becomes readable (a signalfd: returns
 * PE_PF_STOPPED) or the pinned process exits (PE_PF_POD_GONE). Returns -1
 * on an error of the forward itself (not of one connection).
 */
int pe_pf_run(struct pe_pf *pf, int stop_fd, const struct pe_pf_events *ev,
	      struct pe_error *err);

/* Connections open now (for tests and the summary). */
size_t pe_pf_open_connections(const struct pe_pf *pf);

/* Close every listener, connection and pod socket. */
void pe_pf_close(struct pe_pf *pf);

#endif
