/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Libraries loaded when a feature needs them (pcapload.c: libpcap for
 * sniff, mntload.c: libmount for the merged view), into a table of
 * function pointers, so that their dependencies cost nothing to the runs
 * that do not use them.
 */
#ifndef PODENTER_DLLOAD_H
#define PODENTER_DLLOAD_H

#include <stddef.h>

#include "podenter/error.h"

struct pe_dl_symbol {
	size_t offset; /* of its pointer in the table */
	const char *name;
};

struct pe_dl_library {
	const char *name; /* "libpcap", for messages */
	const char *const *sonames; /* NULL-terminated, tried in order */
	const struct pe_dl_symbol *symbols;
	size_t nsymbols;
	const char *hint; /* how to install it */
};

/* dlopen() the first soname that loads and fill table with every symbol;
 * -1 + error (nothing filled) when none loads or a symbol is missing. */
int pe_dl_load(const struct pe_dl_library *lib, void *table,
	       struct pe_error *err);

#endif
