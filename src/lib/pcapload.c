/* SPDX-License-Identifier: GPL-2.0-or-later */
#define PE_PCAPLOAD_IMPL
#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "pcapload.h"

struct pe_pcap_api pe_pcap;

/* Sonames by distribution: Debian/Ubuntu 0.8, upstream and others 1. */
static const char *const sonames[] = { "libpcap.so.0.8", "libpcap.so.1",
				       "libpcap.so" };

#define SYMBOL(field, name)                                                    \
	{                                                                      \
		offsetof(struct pe_pcap_api, field), name                      \
	}
static const struct {
	size_t offset;
	const char *name;
} symbols[] = {
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

int pe_pcap_load(struct pe_error *err)
{
	static bool loaded;
	void *lib = NULL;

	if (loaded)
		return 0;
	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]) && !lib;
	     i++)
		lib = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
			     "cannot load libpcap (%s)", dlerror());
		pe_error_hint(err, "install libpcap (Debian: apt-get install "
				   "libpcap0.8)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *fn = dlsym(lib, symbols[i].name);

		if (!fn) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				     "libpcap lacks %s: too old?",
				     symbols[i].name);
			dlclose(lib);
			return -1;
		}
		/* POSIX makes object and function pointers interchangeable
		 * for dlsym(); the table holds them as functions */
		*(void **)((char *)&pe_pcap + symbols[i].offset) = fn;
	}
	loaded = true;
	return 0;
}
