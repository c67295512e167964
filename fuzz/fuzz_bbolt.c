/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the bytes as a bbolt file (containerd's meta.db and
 * the overlayfs snapshotter's metadata.db are the seeds). Opens it, walks
 * every bucket nested as deep as the reader allows, looks up the keys
 * recover.c reads, and feeds every value to the protobuf reader.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/bbolt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	struct pe_bolt *db;
	const char *path[PE_BOLT_MAX_PATH];
	char names[PE_BOLT_MAX_PATH][128];
	size_t depth;
	struct pe_error err;
	size_t budget; /* keys visited: a walk of a huge valid file stops */
};

static void protobuf(const void *v, size_t vlen)
{
	struct pe_pb_field f;
	size_t pos = 0;
	uint64_t u;

	while (pe_pb_next(v, vlen, &pos, &f) == 1)
		if (f.wire_type == 2)
			(void)pe_uvarint(f.data, f.len, &u);
	(void)pe_uvarint(v, vlen, &u);
}

static int visit(const void *k, size_t klen, const void *v, size_t vlen,
		 bool is_bucket, void *arg)
{
	struct walk *w = arg;
	const void *got;
	size_t glen;

	if (w->budget-- == 0)
		return 1;
	if (!is_bucket) {
		protobuf(v, vlen);
		return 0;
	}
	if (w->depth >= PE_BOLT_MAX_PATH || klen >= sizeof(w->names[0]) ||
	    memchr(k, '\0', klen))
		return 0;
	memcpy(w->names[w->depth], k, klen);
	w->names[w->depth][klen] = '\0';
	w->path[w->depth] = w->names[w->depth];
	w->depth++;
	(void)pe_bolt_get(w->db, w->path, w->depth, "spec", 4, &got, &glen,
			  &w->err);
	(void)pe_bolt_get(w->db, w->path, w->depth, "id", 2, &got, &glen,
			  &w->err);
	if (pe_bolt_foreach(w->db, w->path, w->depth, visit, w, &w->err) < 0) {
		w->depth--;
		return -1;
	}
	w->depth--;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct walk w;
	const char *cpath[] = { "v1", "k8s.io", "containers" };
	struct pe_error err;

	memset(&w, 0, sizeof(w));
	w.budget = 100000;
	if (pe_bolt_open_mem(data, size, "fuzz", &w.db, &err))
		return 0;
	(void)pe_bolt_txid(w.db);
	(void)pe_bolt_get(w.db, cpath, 3, NULL, 0, NULL, NULL, &err);
	(void)pe_bolt_foreach(w.db, w.path, 0, visit, &w, &w.err);
	pe_bolt_close(w.db);
	return 0;
}
