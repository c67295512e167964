/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container images as tools trees: an OCI image layout tarball or a
 * `docker save` tarball is unpacked once into a cache directory, its layers
 * applied in order with whiteouts and opaque directories honoured. Archives
 * are hostile input: entries naming ".." or absolute paths, links leaving
 * the root and (unless allowed) device nodes make the whole image refused.
 * Nothing is ever written through a symlink found in the tree being built.
 */
#ifndef PODENTER_IMAGE_H
#define PODENTER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "podenter/error.h"
#include "podenter/tar.h"
#include "podenter/hostroot.h"

#define PE_IMAGE_CACHE_DEFAULT "/var/cache/podenter"

/*
 * Limits on what one image may unpack to (decompression bombs): bytes
 * decompressed from all its archives, entries written, components in an
 * entry's name. Over a limit the image is refused and nothing of it kept.
 */
#define PE_IMAGE_MAX_BYTES_DEFAULT (8ULL << 30)
#define PE_IMAGE_MAX_FILES_DEFAULT 1000000ULL
#define PE_IMAGE_MAX_DEPTH 128

struct pe_image_opts {
	/* NULL: PE_IMAGE_CACHE_DEFAULT. It must be a directory (not a
	 * symlink) owned by podenter's user and writable by no one else;
	 * podenter makes it so when it creates it, and refuses it otherwise. */
	const char *cache_dir;
	uint64_t max_bytes; /* 0: PE_IMAGE_MAX_BYTES_DEFAULT */
	uint64_t max_files; /* 0: PE_IMAGE_MAX_FILES_DEFAULT */
	bool allow_device_nodes; /* root said so in podenter.conf */
	/* "unix:///path" or a socket path for ctr's --address; NULL: default */
	const char *containerd_address;
};

struct pe_image_result {
	char rootfs[4096]; /* the unpacked tree */
	/* the cache key, hex: sha256 over the manifest's, the config's and
	 * every layer's digest (two images sharing a config but not their
	 * layers never share a tree) */
	char key[72];
	bool reused; /* found complete in the cache */
	bool rebuilt; /* a corrupt cached copy was replaced */
};

/* Unpack (or reuse) an OCI layout or docker-save tarball. */
int pe_image_from_tarball(const char *tarball, const struct pe_image_opts *o,
			  struct pe_image_result *res, struct pe_error *err);

/*
 * An image already on the node: exported from containerd's content store
 * with `ctr images export` (namespaces k8s.io, then default), or from
 * podman with `podman save`, then unpacked like a tarball.
 */
int pe_image_from_runtime(const char *ref, const struct pe_image_opts *o,
			  struct pe_image_result *res, struct pe_error *err);

/* --- the pieces, for tests ------------------------------------------------ */

/* Entry names and link targets: the rules of the tar format (tar.h),
 * under the names image tests know. */
static inline int pe_image_clean_name(char *name)
{
	return pe_tar_clean_name(name);
}

static inline bool pe_image_link_inside(const char *name, const char *target,
					bool allow_absolute)
{
	return pe_tar_link_inside(name, target, allow_absolute);
}

enum pe_tar_mode {
	PE_TAR_LAYER, /* an image layer: whiteouts, links, owners */
	PE_TAR_LAYOUT, /* the outer archive: regular files and dirs only */
};

/* Apply one (optionally gzip-compressed) tar stream onto the directory
 * rootfd, within the limits of o (max_bytes, max_files, depth). */
int pe_image_apply_tar(int rootfd, const char *tar_path, enum pe_tar_mode mode,
		       const struct pe_image_opts *o, struct pe_error *err);

/* A digest of the tree's shape (names, types, modes, sizes, owners, link
 * targets): what the cache records to notice a damaged copy. */
int pe_image_tree_digest(int dirfd, char out[65], struct pe_error *err);

/* pe_open_in_root(), the safe open inside a tree, is in hostroot.h. */

/* Remove name under dirfd and everything below it, never following links. */
int pe_image_remove_tree(int dirfd, const char *name);

#endif
