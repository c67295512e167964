/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpcap, loaded when a capture needs it. Debian's libpcap links dbus,
 * systemd and gcrypt; loading all of that at start cost every podenter run
 * (list, inspect, entering a pod) about 2 ms before main(), for a library
 * only `sniff` uses. Files that capture include this header after
 * <pcap/pcap.h>: the pcap_* calls they make go through the table filled by
 * pe_pcap_load(), which must succeed before the first of them.
 */
#ifndef PODENTER_PCAPLOAD_H
#define PODENTER_PCAPLOAD_H

#include <pcap/pcap.h>

#include "podenter/error.h"

struct pe_pcap_api {
	pcap_t *(*create)(const char *, char *);
	int (*activate)(pcap_t *);
	void (*breakloop)(pcap_t *);
	void (*close)(pcap_t *);
	int (*compile)(pcap_t *, struct bpf_program *, const char *, int,
		       bpf_u_int32);
	int (*datalink)(pcap_t *);
	const char *(*datalink_val_to_name)(int);
	int (*dispatch)(pcap_t *, int, pcap_handler, u_char *);
	void (*freecode)(struct bpf_program *);
	int (*get_selectable_fd)(pcap_t *);
	char *(*geterr)(pcap_t *);
	int (*next_ex)(pcap_t *, struct pcap_pkthdr **, const u_char **);
	pcap_t *(*open_dead)(int, int);
	int (*set_buffer_size)(pcap_t *, int);
	int (*set_promisc)(pcap_t *, int);
	int (*set_snaplen)(pcap_t *, int);
	int (*set_timeout)(pcap_t *, int);
	int (*set_tstamp_precision)(pcap_t *, int);
	int (*setfilter)(pcap_t *, struct bpf_program *);
	int (*setnonblock)(pcap_t *, int, char *);
	int (*snapshot)(pcap_t *);
	int (*stats)(pcap_t *, struct pcap_stat *);
};

extern struct pe_pcap_api pe_pcap;

/* Load libpcap once; later calls return at once. -1 + error when no
 * libpcap can be loaded (it names the libraries tried). */
int pe_pcap_load(struct pe_error *err);

#ifndef PE_PCAPLOAD_IMPL
#define pcap_create pe_pcap.create
#define pcap_activate pe_pcap.activate
#define pcap_breakloop pe_pcap.breakloop
#define pcap_close pe_pcap.close
#define pcap_compile pe_pcap.compile
#define pcap_datalink pe_pcap.datalink
#define pcap_datalink_val_to_name pe_pcap.datalink_val_to_name
#define pcap_dispatch pe_pcap.dispatch
#define pcap_freecode pe_pcap.freecode
#define pcap_get_selectable_fd pe_pcap.get_selectable_fd
#define pcap_geterr pe_pcap.geterr
#define pcap_next_ex pe_pcap.next_ex
#define pcap_open_dead pe_pcap.open_dead
#define pcap_set_buffer_size pe_pcap.set_buffer_size
#define pcap_set_promisc pe_pcap.set_promisc
#define pcap_set_snaplen pe_pcap.set_snaplen
#define pcap_set_timeout pe_pcap.set_timeout
#define pcap_set_tstamp_precision pe_pcap.set_tstamp_precision
#define pcap_setfilter pe_pcap.setfilter
#define pcap_setnonblock pe_pcap.setnonblock
#define pcap_snapshot pe_pcap.snapshot
#define pcap_stats pe_pcap.stats
#endif

#endif
