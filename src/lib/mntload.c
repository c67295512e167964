/* SPDX-License-Identifier: GPL-2.0-or-later */
#define PE_MNTLOAD_IMPL
#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "mntload.h"

struct pe_mnt_api pe_mnt;

#define SYMBOL(field, name)                                                    \
	{                                                                      \
		offsetof(struct pe_mnt_api, field), name                       \
	}
static const struct {
	size_t offset;
	const char *name;
} symbols[] = {
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

int pe_mnt_load(struct pe_error *err)
{
	static bool loaded;
	void *lib;

	if (loaded)
		return 0;
	/* libmount's soname has been libmount.so.1 since util-linux 2.18 */
	lib = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
			     "cannot load libmount (%s)", dlerror());
		pe_error_hint(err, "install libmount (Debian: apt-get install "
				   "libmount1)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *fn = dlsym(lib, symbols[i].name);

		if (!fn) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				     "libmount lacks %s: too old?",
				     symbols[i].name);
			dlclose(lib);
			return -1;
		}
		/* POSIX makes object and function pointers interchangeable
		 * for dlsym(); the table holds them as functions */
		*(void **)((char *)&pe_mnt + symbols[i].offset) = fn;
	}
	loaded = true;
	return 0;
}
