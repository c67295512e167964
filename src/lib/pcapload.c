/* SPDX-License-Identifier: GPL-2.0-or-later */
#define PE_PCAPLOAD_IMPL
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#include "dlload.h"
#include "pcapload.h"

struct pe_pcap_api pe_pcap;

/* Sonames by distribution: Debian/Ubuntu 0.8, upstream and others 1. */
static const char *const sonames[] = { "libpcap.so.0.8", "libpcap.so.1",
				       "libpcap.so", NULL };

#define SYMBOL(field, name)                                                    \
	{                                                                      \
		offsetof(struct pe_pcap_api, field), name                      \
	}
static const struct pe_dl_symbol symbols[] = {
	SYMBOL(create, "pcap_create"),
	SYMBOL(activate, "pcap_activate"),
	SYMBOL(breakloop, "pcap_breakloop"),
	SYMBOL(close, "pcap_close"),
	SYMBOL(compile, "pcap_compile"),
	SYMBOL(datalink, "pcap_datalink"),
	SYMBOL(datalink_val_to_name, "pcap_datalink_val_to_name"),
	SYMBOL(dispatch, "pcap_dispatch"),
	SYMBOL(freecode, "pcap_freecode"),
	SYMBOL(get_selectable_fd, "pcap_get_selectable_fd"),
	SYMBOL(geterr, "pcap_geterr"),
	SYMBOL(next_ex, "pcap_next_ex"),
	SYMBOL(open_dead, "pcap_open_dead"),
	SYMBOL(set_buffer_size, "pcap_set_buffer_size"),
	SYMBOL(set_promisc, "pcap_set_promisc"),
	SYMBOL(set_snaplen, "pcap_set_snaplen"),
	SYMBOL(set_timeout, "pcap_set_timeout"),
	SYMBOL(set_tstamp_precision, "pcap_set_tstamp_precision"),
	SYMBOL(setfilter, "pcap_setfilter"),
	SYMBOL(setnonblock, "pcap_setnonblock"),
	SYMBOL(snapshot, "pcap_snapshot"),
	SYMBOL(stats, "pcap_stats"),
};

static const struct pe_dl_library library = {
	.name = "libpcap",
	.sonames = sonames,
	.symbols = symbols,
	.nsymbols = sizeof(symbols) / sizeof(symbols[0]),
	.hint = "install libpcap (Debian: apt-get install libpcap0.8)",
};

int pe_pcap_load(struct pe_error *err)
{
	static bool loaded;

	if (!loaded && pe_dl_load(&library, &pe_pcap, err) < 0)
		return -1;
	loaded = true;
	return 0;
}
