/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small, strict, read-only reader of bbolt files (etcd-io/bbolt, the
 * format of containerd's meta.db and its snapshotters' metadata.db).
 *
 * The file is never trusted: both meta pages are validated (magic, version
 * 2, FNV-64a checksum) and the newest valid one by txid is used; every page
 * id, offset, element count and key/value range is checked against the file
 * size and the page it lives in; tree height and bucket nesting are bounded
 * and a walk never visits a page twice. The file is read with pread(2),
 * never mmap'd (a daemon truncating it must not SIGBUS us) and never
 * locked (containerd holds flock on it while it runs, and it may be hung or
 * SIGSTOPped: a reader must not wait for it).
 *
 * A writer may change the file while we read it (bbolt writes new pages,
 * then a meta page). A page that no longer matches what the tree says
 * (wrong id, wrong type) is reported as PE_ERR_PARSE; callers that may race
 * a live daemon retry once by reopening.
 */
#ifndef PODENTER_BBOLT_H
#define PODENTER_BBOLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "podenter/error.h"

struct pe_bolt;

/* Deepest bucket nesting a path may name (containerd uses 6). */
#define PE_BOLT_MAX_PATH 16

/*
 * Open a bbolt file from an fd open for reading (the caller opened it under
 * the host root, e.g. with pe_host_open(hr, path, O_RDONLY)). The fd is
 * duplicated; the caller keeps its own. name is used in messages ("/var/lib/
 * containerd/io.containerd.metadata.v1.bolt/meta.db"), may be NULL.
 * Returns 0, or -1 with err (PE_ERR_PARSE: not a valid bbolt file).
 */
int pe_bolt_open_fd(int fd, const char *name, struct pe_bolt **out,
		    struct pe_error *err);

/* The same on bytes in memory (fuzzers, tests). data must outlive the
 * handle; it is not copied. */
int pe_bolt_open_mem(const void *data, size_t size, const char *name,
		     struct pe_bolt **out, struct pe_error *err);

/* NULL is ignored. Invalidates every pointer the handle gave out. */
void pe_bolt_close(struct pe_bolt *db);

/* The name given at open, for messages. */
const char *pe_bolt_name(const struct pe_bolt *db);

/* The transaction id of the meta page in use (tests, retry logic). */
uint64_t pe_bolt_txid(const struct pe_bolt *db);

/*
 * Whether what was read so far is still the tree of the meta page chosen at
 * open: 0 while no transaction committed since (bbolt reuses a tree's
 * pages only in the transaction after the one that replaced them), 1 when
 * the caller must reopen and read again, -1 with err on an I/O error.
 */
int pe_bolt_unchanged(struct pe_bolt *db, struct pe_error *err);

/*
 * Look up key in the bucket named by path (bucket names from the root,
 * depth of them; depth 0 is the root bucket, which holds only buckets).
 * key NULL asks whether the bucket itself exists.
 * Returns 0 and sets *val and *vlen (pointing into the handle's memory, valid
 * until pe_bolt_close) when found; 1 when the bucket or the key does not
 * exist, or the key names a nested bucket rather than a value (err is not
 * touched); -1 with err on a corrupt file or I/O error. val and vlen may be
 * NULL.
 */
int pe_bolt_get(struct pe_bolt *db, const char *const *path, size_t depth,
		const void *key, size_t klen, const void **val, size_t *vlen,
		struct pe_error *err);

/*
 * Call fn for every key of the bucket named by path, in key order. For a
 * nested bucket is_bucket is true and v/vlen are NULL/0. fn returns 0 to go
 * on; any other value stops the walk and is returned by pe_bolt_foreach.
 * fn may call pe_bolt_get, and pe_bolt_foreach on a nested bucket (never on
 * the bucket being walked or its parents: a page seen twice is corruption).
 * Returns 0 after the last key, 1 when the bucket does not exist, -1 with
 * err on a corrupt file or I/O error.
 */
typedef int (*pe_bolt_foreach_fn)(const void *k, size_t klen, const void *v,
				  size_t vlen, bool is_bucket, void *arg);
int pe_bolt_foreach(struct pe_bolt *db, const char *const *path, size_t depth,
		    pe_bolt_foreach_fn fn, void *arg, struct pe_error *err);

/*
 * A tiny strict protobuf wire reader, for the few protobuf values bbolt
 * files hold (containerd's Any: type_url = 1, value = 2). Fields are read in
 * order; unknown fields are skipped; varints longer than 10 bytes, lengths
 * beyond the buffer, and wire types 3/4/6/7 are errors.
 */
struct pe_pb_field {
	uint32_t number;
	uint8_t wire_type; /* 0 varint, 1 fixed64, 2 bytes, 5 fixed32 */
	uint64_t varint; /* wire types 0, 1, 5 */
	const uint8_t *data; /* wire type 2 */
	size_t len;
};
/* Read the next field at *pos. Returns 1 with *f filled, 0 at the end,
 * -1 on malformed input. */
int pe_pb_next(const uint8_t *buf, size_t size, size_t *pos,
	       struct pe_pb_field *f);
/* A lone unsigned varint (bbolt values such as the overlayfs snapshot id).
 * Returns bytes read, 0 on malformed input. */
size_t pe_uvarint(const uint8_t *buf, size_t size, uint64_t *out);

#endif
