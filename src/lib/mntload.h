/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libmount, loaded when a view needs it. Debian's libmount pulls in
 * libblkid, libselinux and libpcre2, and libselinux's constructor probes
 * /sys/fs/selinux and reads /proc/filesystems: linked, that cost every
 * podenter run about 0.4 ms before main(), a fifth of attaching to a
 * process, for the one view (merged) that reads mountinfo with it.
 * view.c includes this header after <libmount.h>: its mnt_* calls go
 * through the table filled by pe_mnt_load(), which must succeed before the
 * first of them and must run while podenter's root is still the node's, so
 * the library comes from the node and never from a container's tree.
 */
#ifndef PODENTER_MNTLOAD_H
#define PODENTER_MNTLOAD_H

#include <libmount.h>

#include "podenter/error.h"

struct pe_mnt_api {
	struct libmnt_table *(*new_table_from_file)(const char *);
	struct libmnt_iter *(*new_iter)(int);
	struct libmnt_fs *(*table_find_target)(struct libmnt_table *,
					       const char *, int);
	int (*table_next_fs)(struct libmnt_table *, struct libmnt_iter *,
			     struct libmnt_fs **);
	int (*fs_get_id)(struct libmnt_fs *);
	int (*fs_get_parent_id)(struct libmnt_fs *);
	const char *(*fs_get_target)(struct libmnt_fs *);
	void (*free_iter)(struct libmnt_iter *);
	void (*unref_table)(struct libmnt_table *);
};

extern struct pe_mnt_api pe_mnt;

/* Load libmount once; later calls return at once. -1 + error when it
 * cannot be loaded or lacks a function. */
int pe_mnt_load(struct pe_error *err);

#ifndef PE_MNTLOAD_IMPL
#define mnt_new_table_from_file pe_mnt.new_table_from_file
#define mnt_new_iter pe_mnt.new_iter
#define mnt_table_find_target pe_mnt.table_find_target
#define mnt_table_next_fs pe_mnt.table_next_fs
#define mnt_fs_get_id pe_mnt.fs_get_id
#define mnt_fs_get_parent_id pe_mnt.fs_get_parent_id
#define mnt_fs_get_target pe_mnt.fs_get_target
#define mnt_free_iter pe_mnt.free_iter
#define mnt_unref_table pe_mnt.unref_table
#endif

#endif
