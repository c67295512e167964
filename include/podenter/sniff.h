/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capturing pods' traffic from the node: each pod's network namespace is
 * entered only long enough to open packet sockets there (a socket keeps the
 * namespace it was created in), then every capture runs in this process,
 * in the host's namespaces, merged into one pcapng stream whose interface
 * names say which pod a packet came from ("default/web-0:eth0").
 *
 * The pcapng/pcap encoders are separate and pure (buffers in, bytes out) so
 * they can be tested against libpcap's reader.
 */
#ifndef PODENTER_SNIFF_H
#define PODENTER_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/exec.h"
#include "podenter/hostroot.h"

/* ---- encoders (pcapng.c) ---------------------------------------------- */

/* A growable byte buffer the encoders append to. */
struct pe_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

void pe_buf_free(struct pe_buf *b);

/* Section Header Block; user_appl may be NULL. -1 on ENOMEM. */
int pe_pcapng_shb(struct pe_buf *b, const char *user_appl);
/* Interface Description Block with if_name, optional if_description and
 * nanosecond timestamps (if_tsresol 9). */
int pe_pcapng_idb(struct pe_buf *b, uint16_t linktype, uint32_t snaplen,
		  const char *name, const char *description);
/* Enhanced Packet Block; ts_ns is nanoseconds since the epoch. */
int pe_pcapng_epb(struct pe_buf *b, uint32_t ifid, uint64_t ts_ns,
		  const unsigned char *data, uint32_t caplen, uint32_t origlen);
/* Interface Statistics Block: packets received and dropped by the kernel,
 * as pcap_stats() counts them. */
int pe_pcapng_isb(struct pe_buf *b, uint32_t ifid, uint64_t ts_ns,
		  uint64_t received, uint64_t dropped);

/* Classic pcap with nanosecond timestamps (magic a1b23c4d). */
int pe_pcap_header(struct pe_buf *b, uint32_t linktype, uint32_t snaplen);
int pe_pcap_record(struct pe_buf *b, uint64_t ts_ns, const unsigned char *data,
		   uint32_t caplen, uint32_t origlen);

/* ---- capture (sniff.c) ------------------------------------------------- */

enum pe_sniff_format { PE_SNIFF_PCAPNG = 0, PE_SNIFF_PCAP };

/* One pod (or process) whose network namespace is captured. */
struct pe_sniff_pod {
	char label[512]; /* "namespace/pod" or "pid:1234": prefixes if_name */
	pid_t pid; /* the process pinning the pod's netns */
	int pidfd; /* readable when that process exits: the pod is gone */
	int netns_fd; /* /proc/PID/ns/net, opened while the pid was pinned */
	unsigned long netns_inode;
	bool host_network; /* shares this process's network namespace */

	/* filled by the capture */
	unsigned n_ifaces;
	char skipped[256]; /* interfaces left out (down), for a note */
	uint64_t captured; /* packets written */
	uint64_t kernel_recv; /* pcap_stats ps_recv, summed */
	uint64_t kernel_drop; /* ps_drop: the ring was full */
	/* (no ps_ifdrop: libpcap reads it from /sys/class/net, which is the
	 * node's sysfs here, not the pod's) */
	bool ended; /* its part ended before the capture did */
	char end_reason[256];
};

/*
 * Pin c's process with a pidfd, re-check that it is the process that was
 * resolved (start time, network namespace inode), and open its network
 * namespace. label names the pod in the output.
 */
int pe_sniff_pin(const struct pe_hostroot *hr, const struct pe_container *c,
		 const char *label, struct pe_sniff_pod *pod,
		 struct pe_error *err);
void pe_sniff_pod_close(struct pe_sniff_pod *pod);

struct pe_sniff_opts {
	const char *iface; /* NULL: every interface that is up, except lo */
	const char *filter; /* BPF filter text, NULL or "" for none */
	uint32_t snaplen;
	uint64_t count; /* stop after this many packets; 0: never */
	unsigned duration_ms; /* stop after this long; 0: never */
	int buffer_kib; /* kernel ring per interface; 0: default */
	enum pe_sniff_format format;
};

/*
 * Check a filter once before anything is opened: compile it for Ethernet.
 * The error points at the offending word of the filter text when libpcap
 * names one.
 */
int pe_sniff_check_filter(const char *filter, uint32_t snaplen,
			  struct pe_error *err);

struct pe_sniff;

/* Callbacks for the CLI; called from pe_sniff_run()'s thread. */
struct pe_sniff_events {
	void *ctx;
	void (*pod_ended)(void *ctx, const struct pe_sniff_pod *pod);
};

/*
 * Open the captures: enter each pod's network namespace in turn, open one
 * handle per interface, set the filter, come back. The pods array must
 * outlive the session (its counters are updated). Nothing is written yet.
 */
int pe_sniff_open(struct pe_sniff **out, struct pe_sniff_pod *pods,
		  size_t npods, const struct pe_sniff_opts *o,
		  struct pe_error *err);

/* Interfaces opened, for the "capturing on ..." note: "pod:eth0" names. */
size_t pe_sniff_iface_count(const struct pe_sniff *s);
const char *pe_sniff_iface_name(const struct pe_sniff *s, size_t i);

/*
 * Capture into out_fd until stop_fd becomes readable (a signalfd, say),
 * the count or duration is reached, every pod has gone, or the reader of
 * out_fd went away (EPIPE: a normal end). The output is valid at every
 * write: headers first, then whole blocks only. Returns 0, or -1 on a write
 * or capture error.
 */
int pe_sniff_run(struct pe_sniff *s, int out_fd, int stop_fd,
		 const struct pe_sniff_events *ev, struct pe_error *err);

/* True when the last run ended because the reader of the output left. */
bool pe_sniff_reader_gone(const struct pe_sniff *s);

void pe_sniff_close(struct pe_sniff *s);

/*
 * For running tcpdump in a pod: call with the pod's network namespace as
 * this thread's. The one interface that is up besides lo, else "any".
 */
void pe_sniff_default_iface(char *out, size_t size);

/*
 * tcpdump's own user: the "tcpdump" account of the node's /etc/passwd (the
 * one tcpdump -Z would switch to), else nobody (65534). podenter runs
 * tcpdump as that user from its start (pe_sniff_tcpdump_drop) instead of
 * letting tcpdump switch to it: a uid change clears the parent-death
 * signal, and a tcpdump that switched itself outlives a killed podenter.
 */
int pe_sniff_tcpdump_identity(struct pe_identity *id, struct pe_error *err);

/*
 * In tcpdump's process, before exec: become id with CAP_NET_RAW and
 * CAP_NET_ADMIN alone (bounding, permitted, effective, inheritable and
 * ambient: they survive the exec of a non-root program, and tcpdump, not
 * root, changes no uid itself), then arm the parent-death signal (SIGKILL)
 * after the uid change and check that parent is still there.
 */
int pe_sniff_tcpdump_drop(const struct pe_identity *id, pid_t parent,
			  struct pe_error *err);

#endif
