/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter cp: files between the node and a container, read and written by
 * podenter itself (nothing runs in the pod, no tar needed in the image).
 *
 * The container's side is a root fd of its mount namespace (the pinned
 * process's /proc/PID/root: its volumes are there as it sees them). Paths
 * given on the command line resolve inside it (pe_open_in_root: a symlink
 * the pod planted, absolute or "..", stays in the pod's files); below that
 * every step is relative to a directory fd already open, links are never
 * followed (copied as links), and only regular files are opened for
 * reading, after an O_PATH fstat and a reopen of that very inode (a device
 * node or FIFO is never opened: refused on the command line, skipped with a
 * warning inside a directory). A file is written under a temporary name
 * (O_EXCL) in its directory and renamed over its name when complete, so it
 * appears whole or not at all, and the temporary name is removed on every
 * failure. Archives read from stdin land beneath the destination directory
 * only: a name with "..", a symlink on the way or a hard link to anything
 * outside it is refused.
 */
#ifndef PODENTER_CP_H
#define PODENTER_CP_H

#include <stdbool.h>
#include <stdint.h>

#include "podenter/error.h"
#include "podenter/nsjoin.h"

/* One side of a copy: a path in a container (root >= 0) or in the caller's
 * own files (root < 0). shown names it in messages ("default/web:/etc"). */
struct pe_cp_place {
	int root;
	const char *path;
	const char *shown;
};

struct pe_cp_opts {
	/* owners as in the source (numbers); else files written are
	 * root's (0:0, the container's root in a user namespace). Modes and
	 * times are always kept; set-user-ID and set-group-ID bits are dropped
	 * on the node unless preserve. */
	bool preserve;
	bool dest_is_node; /* the destination is the node's own files */
	/* a user-namespaced container's uid_map and gid_map (NULL: it numbers
	 * ids as the node does). Owners read from it are given as it numbers
	 * them (an archive, --preserve); owners written into it are its own
	 * (root: its root). */
	const struct pe_idmap *uid_map, *gid_map;
	/* polled between blocks: true stops the copy (it fails, EINTR) */
	bool (*cancelled)(void *ctx);
	/* an entry skipped (a device node, a FIFO, a socket) */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

struct pe_cp_stats {
	uint64_t files, bytes, dirs, symlinks, hardlinks, skipped;
};

/*
 * The pinned target's root directory, O_PATH: /proc/PID/root through the
 * pin's verified /proc/PID, the process checked alive afterwards (so the
 * root is the pinned process's). -1 with err.
 */
int pe_cp_open_root(const struct pe_pin *pin, struct pe_error *err);

/* Copy src (a file, a link, or a directory recursively) to dst, as cp -R
 * does: into dst when it is a directory, as dst otherwise. A source path
 * ending in "/." copies the directory's contents. */
int pe_cp_copy(const struct pe_cp_place *src, const struct pe_cp_place *dst,
	       const struct pe_cp_opts *o, struct pe_cp_stats *st,
	       struct pe_error *err);

/* Write src as a tar archive (ustar, pax where needed) to outfd. */
int pe_cp_to_tar(const struct pe_cp_place *src, int outfd,
		 const struct pe_cp_opts *o, struct pe_cp_stats *st,
		 struct pe_error *err);

/* Unpack the tar archive read from infd (named shown) into the directory
 * dst. */
int pe_cp_from_tar(int infd, const char *shown, const struct pe_cp_place *dst,
		   const struct pe_cp_opts *o, struct pe_cp_stats *st,
		   struct pe_error *err);

#endif
