/* SPDX-License-Identifier: GPL-2.0-or-later */
#define PE_MNTLOAD_IMPL
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#include "dlload.h"
#include "mntload.h"

struct pe_mnt_api pe_mnt;

/* libmount's soname has been libmount.so.1 since util-linux 2.18 */
static const char *const sonames[] = { "libmount.so.1", NULL };

#define SYMBOL(field, name)                                                    \
	{                                                                      \
		offsetof(struct pe_mnt_api, field), name                       \
	}
static const struct pe_dl_symbol symbols[] = {
	SYMBOL(new_table_from_file, "mnt_new_table_from_file"),
	SYMBOL(new_iter, "mnt_new_iter"),
	SYMBOL(table_find_target, "mnt_table_find_target"),
	SYMBOL(table_next_fs, "mnt_table_next_fs"),
	SYMBOL(fs_get_id, "mnt_fs_get_id"),
	SYMBOL(fs_get_parent_id, "mnt_fs_get_parent_id"),
	SYMBOL(fs_get_target, "mnt_fs_get_target"),
	SYMBOL(free_iter, "mnt_free_iter"),
	SYMBOL(unref_table, "mnt_unref_table"),
};

static const struct pe_dl_library library = {
	.name = "libmount",
	.sonames = sonames,
	.symbols = symbols,
	.nsymbols = sizeof(symbols) / sizeof(symbols[0]),
	.hint = "install libmount (Debian: apt-get install libmount1)",
};

int pe_mnt_load(struct pe_error *err)
{
	static bool loaded;

	if (!loaded && pe_dl_load(&library, &pe_mnt, err) < 0)
		return -1;
	loaded = true;
	return 0;
}
