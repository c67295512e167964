/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bbolt reader on files the real containerd 1.6 wrote on the node
 * harness (tests/fixtures/containerd-meta, made by
 * tests/node/capture-recover-fixture.sh), checked against what
 * `ctr containers info` said about them; then the same files damaged in the
 * ways a torn write or a hostile file would: every one must be refused with
 * a message, never read out of bounds, never loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/bbolt.h"

#define FX FIXTURES "/containerd-meta"
#define ROOT FX "/var/lib/containerd"
#define META_DB ROOT "/io.containerd.metadata.v1.bolt/meta.db"
#define OVERLAY_DB ROOT "/io.containerd.snapshotter.v1.overlayfs/metadata.db"
/* the meta pages as containerd left them: page 1 the newer */
#define NEWEST_TXID 133
#define CRASHLOOP_ID                                                           \
	"21507440af9d77f3e2e9767af7f2f3f80a21fcbb717abcbed9677652a13891d0"

static uint8_t *load(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return buf;
}

static struct pe_bolt *open_path(const char *path)
{
	struct pe_error err = { 0 };
	struct pe_bolt *db = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	if (pe_bolt_open_fd(fd, path, &db, &err))
		fail_msg("open %s: %s", path, err.msg);
	close(fd);
	return db;
}

struct names {
	char list[64][128];
	size_t n;
	size_t buckets;
};

static int collect(const void *k, size_t klen, const void *v, size_t vlen,
		   bool is_bucket, void *arg)
{
	struct names *n = arg;

	(void)v;
	(void)vlen;
	assert_true(klen < sizeof(n->list[0]));
	assert_true(n->n < 64);
	memcpy(n->list[n->n], k, klen);
	n->list[n->n++][klen] = '\0';
	n->buckets += is_bucket;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The ids ctr listed: one expected/<id>.info.json each. */
static size_t ctr_ids(char out[64][128])
{
	DIR *d = opendir(FX "/expected");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char *dot = strstr(e->d_name, ".info.json");

		if (!dot || dot[strlen(".info.json")] != '\0')
			continue;
		assert_true(n < 64);
		snprintf(out[n], 128, "%.*s", (int)(dot - e->d_name),
			 e->d_name);
		n++;
	}
	closedir(d);
	qsort(out, n, 128, cmp_str);
	return n;
}

static struct json_object *ctr_info(const char *id)
{
	char path[512];
	struct json_object *o;

	snprintf(path, sizeof(path), FX "/expected/%s.info.json", id);
	o = json_object_from_file(path);
	assert_non_null(o);
	return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

/* Both meta pages are valid; the newer wins. */
static void test_meta_pages(void **state)
{
	struct pe_bolt *db = open_path(META_DB);

	(void)state;
	assert_int_equal(pe_bolt_txid(db), NEWEST_TXID);
	pe_bolt_close(db);
	db = open_path(OVERLAY_DB);
	assert_int_equal(pe_bolt_txid(db), 16);
	pe_bolt_close(db);
}

/* The containers bucket lists what ctr listed, in key order. */
static void test_containers_as_ctr_lists_them(void **state)
{
	const char *path[] = { "v1", "k8s.io", "containers" };
	struct pe_error err = { 0 };
	struct pe_bolt *db = open_path(META_DB);
	static char want[64][128];
	struct names got = { 0 };
	size_t n = ctr_ids(want);

	(void)state;
	assert_int_equal(n, 9);
	assert_int_equal(pe_bolt_foreach(db, path, 3, collect, &got, &err), 0);
	assert_int_equal(got.n, n);
	assert_int_equal(got.buckets, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got.list[i], want[i]);
	pe_bolt_close(db);
}

/* Every container's values equal ctr's view of them: image, snapshot,
 * runtime, labels, and the spec inside its protobuf Any. */
static void test_values_as_ctr_shows_them(void **state)
{
	static char ids[64][128];
	struct pe_error err = { 0 };
	struct pe_bolt *db = open_path(META_DB);
	size_t n = ctr_ids(ids);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *cp[] = { "v1", "k8s.io", "containers", ids[i],
				     "labels" };
		const char *rp[] = { "v1", "k8s.io", "containers", ids[i],
				     "runtime" };
		struct json_object *info = ctr_info(ids[i]), *labels, *spec,
				   *want_spec;
		const uint8_t *json = NULL;
		struct pe_pb_field f;
		const void *v;
		size_t vlen, pos = 0;
		char *text;
		int r;

		assert_int_equal(
		    pe_bolt_get(db, cp, 4, "image", 5, &v, &vlen, &err), 0);
		assert_int_equal(vlen, strlen(jstr(info, "Image")));
		assert_memory_equal(v, jstr(info, "Image"), vlen);
		assert_int_equal(
		    pe_bolt_get(db, cp, 4, "snapshotKey", 11, &v, &vlen, &err),
		    0);
		assert_memory_equal(v, jstr(info, "SnapshotKey"), vlen);
		assert_int_equal(
		    pe_bolt_get(db, rp, 5, "name", 4, &v, &vlen, &err), 0);
		assert_memory_equal(v, "io.containerd.runc.v2", vlen);

		assert_true(json_object_object_get_ex(info, "Labels", &labels));
		json_object_object_foreach(labels, lk, lv)
		{
			assert_int_equal(pe_bolt_get(db, cp, 5, lk, strlen(lk),
						     &v, &vlen, &err),
					 0);
			assert_int_equal(vlen,
					 strlen(json_object_get_string(lv)));
			assert_memory_equal(v, json_object_get_string(lv),
					    vlen);
		}

		assert_int_equal(
		    pe_bolt_get(db, cp, 4, "spec", 4, &v, &vlen, &err), 0);
		while ((r = pe_pb_next(v, vlen, &pos, &f)) == 1)
			if (f.number == 2) {
				json = f.data;
				vlen = f.len;
				break;
			}
		assert_int_equal(r, 1);
		text = strndup((const char *)json, vlen);
		assert_non_null(text);
		spec = json_tokener_parse(text);
		free(text);
		assert_non_null(spec);
		assert_true(
		    json_object_object_get_ex(info, "Spec", &want_spec));
		assert_true(json_object_equal(spec, want_spec));
		json_object_put(spec);
		json_object_put(info);
	}
	pe_bolt_close(db);
}

/* Absent buckets and keys, and a key naming a bucket, are 1, not errors. */
static void test_absent(void **state)
{
	const char *cp[] = { "v1", "k8s.io", "containers", CRASHLOOP_ID };
	const char *nop[] = { "v1", "nonexistent", "containers" };
	struct pe_error err = { 0 };
	struct pe_bolt *db = open_path(META_DB);
	struct names got = { 0 };

	(void)state;
	assert_int_equal(pe_bolt_get(db, cp, 4, NULL, 0, NULL, NULL, &err), 0);
	assert_int_equal(pe_bolt_get(db, cp, 4, "nope", 4, NULL, NULL, &err),
			 1);
	assert_int_equal(pe_bolt_get(db, cp, 4, "labels", 6, NULL, NULL, &err),
			 1);
	assert_int_equal(pe_bolt_get(db, nop, 3, NULL, 0, NULL, NULL, &err), 1);
	assert_int_equal(pe_bolt_foreach(db, nop, 3, collect, &got, &err), 1);
	assert_int_equal(got.n, 0);
	assert_int_equal(err.kind, PE_ERR_NONE);
	pe_bolt_close(db);
}

/* containerd holds an exclusive flock on meta.db while it runs: a reader
 * that locked would wait forever behind a hung daemon. */
static void test_reads_past_an_exclusive_lock(void **state)
{
	char path[] = "/tmp/test_bbolt_XXXXXX";
	size_t size;
	uint8_t *buf = load(META_DB, &size);
	int fd = mkstemp(path), holder;
	struct pe_bolt *db;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	holder = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(flock(holder, LOCK_EX | LOCK_NB), 0);
	db = open_path(path);
	assert_int_equal(pe_bolt_txid(db), NEWEST_TXID);
	pe_bolt_close(db);
	close(holder);
	unlink(path);
	free(buf);
}

static void test_refuses_a_fifo(void **state)
{
	char dir[] = "/tmp/test_bbolt_XXXXXX", path[64];
	struct pe_error err = { 0 };
	struct pe_bolt *db = NULL;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pe_bolt_open_fd(fd, path, &db, &err), -1);
	assert_null(db);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Walk every bucket of the file, nested, the way the fuzzer does. Returns
 * the first error (-1) or 0. */
struct walk {
	struct pe_bolt *db;
	const char *path[PE_BOLT_MAX_PATH];
	char names[PE_BOLT_MAX_PATH][256];
	size_t depth;
	struct pe_error *err;
	size_t keys;
};

static int walk_cb(const void *k, size_t klen, const void *v, size_t vlen,
		   bool is_bucket, void *arg)
{
	struct walk *w = arg;
	int r;

	(void)v;
	(void)vlen;
	w->keys++;
	if (!is_bucket || w->depth >= PE_BOLT_MAX_PATH || klen >= 256 ||
	    memchr(k, '\0', klen))
		return 0;
	memcpy(w->names[w->depth], k, klen);
	w->names[w->depth][klen] = '\0';
	w->path[w->depth] = w->names[w->depth];
	w->depth++;
	r = pe_bolt_foreach(w->db, w->path, w->depth, walk_cb, w, w->err);
	w->depth--;
	return r < 0 ? -1 : 0;
}

static int walk_all(struct pe_bolt *db, struct pe_error *err, size_t *keys)
{
	struct walk w = { .db = db, .err = err };
	int r = pe_bolt_foreach(db, w.path, 0, walk_cb, &w, err);

	*keys = w.keys;
	return r;
}

static void test_walk_whole_file(void **state)
{
	struct pe_error err = { 0 };
	struct pe_bolt *db = open_path(META_DB);
	size_t keys;

	(void)state;
	assert_int_equal(walk_all(db, &err, &keys), 0);
	assert_true(keys > 200);
	pe_bolt_close(db);
}

static struct pe_bolt *open_mem_ok(const uint8_t *buf, size_t size)
{
	struct pe_error err = { 0 };
	struct pe_bolt *db = NULL;

	if (pe_bolt_open_mem(buf, size, "damaged", &db, &err))
		fail_msg("open: %s", err.msg);
	return db;
}

static void expect_open_fails(const uint8_t *buf, size_t size, const char *why)
{
	struct pe_error err = { 0 };
	struct pe_bolt *db = NULL;

	assert_int_equal(pe_bolt_open_mem(buf, size, "damaged", &db, &err), -1);
	assert_null(db);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	if (!strstr(err.msg, why))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, why);
}

/* A torn meta page (bad checksum) falls back to the other one; both torn,
 * or a wrong magic or version, is not a bbolt file. */
static void test_meta_checksums(void **state)
{
	size_t size;
	uint8_t *buf = load(META_DB, &size);
	uint8_t *m0 = buf + 16, *m1 = buf + 4096 + 16;
	uint8_t *newer = rd64(m1 + 48) > rd64(m0 + 48) ? m1 : m0;
	uint8_t *older = newer == m1 ? m0 : m1;
	struct pe_bolt *db;

	(void)state;
	assert_int_equal(rd64(newer + 48), NEWEST_TXID);
	assert_int_equal(rd64(older + 48), NEWEST_TXID - 1);
	newer[48] ^= 1; /* the newer txid, under the checksum */
	db = open_mem_ok(buf, size);
	assert_int_equal(pe_bolt_txid(db), NEWEST_TXID - 1);
	pe_bolt_close(db);
	older[4] = 3; /* version of the other one */
	expect_open_fails(buf, size, "no meta page");
	older[4] = 2;
	newer[48] ^= 1;
	older[0] ^= 0xff; /* magic of the older: the newer still stands */
	db = open_mem_ok(buf, size);
	assert_int_equal(pe_bolt_txid(db), NEWEST_TXID);
	pe_bolt_close(db);
	newer[56] ^= 1; /* and the newer's checksum */
	expect_open_fails(buf, size, "no meta page");
	free(buf);
}

/* A file cut short, or shorter than its meta says. */
static void test_truncated(void **state)
{
	size_t size;
	uint8_t *buf = load(META_DB, &size);

	(void)state;
	expect_open_fails(buf, size - 4096, "pages in use");
	expect_open_fails(buf, 100, "pages in use");
	expect_open_fails(buf, 79, "no meta page");
	expect_open_fails(buf, 0, "no meta page");
	free(buf);
}

/* Damage inside the tree: a page that names another, an element count
 * beyond the page, a key beyond the page, a branch pointing to itself.
 * Each walk of the whole file must end with an error naming a page. */
static void damage_and_walk(uint8_t *orig, size_t size,
			    void (*damage)(uint8_t *buf, uint64_t pgid),
			    uint16_t want_flags, const char *why)
{
	uint8_t *buf = malloc(size);
	bool found = false;

	assert_non_null(buf);
	for (uint64_t pgid = 2; pgid < size / 4096; pgid++) {
		uint8_t *p = orig + pgid * 4096;
		struct pe_error err = { 0 };
		struct pe_bolt *db;
		size_t keys;
		int r;

		if (rd64(p) != pgid || (p[8] | p[9] << 8) != want_flags)
			continue;
		memcpy(buf, orig, size);
		damage(buf + pgid * 4096, pgid);
		db = open_mem_ok(buf, size);
		r = walk_all(db, &err, &keys);
		pe_bolt_close(db);
		if (r == 0)
			continue; /* a page not in the live tree (freed) */
		assert_int_equal(r, -1);
		assert_int_equal(err.kind, PE_ERR_PARSE);
		if (!strstr(err.msg, why))
			fail_msg("page %llu: \"%s\" lacks \"%s\"",
				 (unsigned long long)pgid, err.msg, why);
		found = true;
	}
	assert_true(found);
	free(buf);
}

static void wrong_id(uint8_t *p, uint64_t pgid)
{
	wr64(p, pgid + 1);
}

static void huge_count(uint8_t *p, uint64_t pgid)
{
	(void)pgid;
	p[10] = p[11] = 0xff;
}

static void key_out_of_page(uint8_t *p, uint64_t pgid)
{
	(void)pgid;
	p[16 + 4] = p[16 + 5] = p[16 + 6] = 0xff; /* leaf elem 0: pos */
}

static void self_loop(uint8_t *p, uint64_t pgid)
{
	wr64(p + 16 + 8, pgid); /* branch elem 0: child = itself */
}

static void test_damaged_pages(void **state)
{
	size_t size;
	uint8_t *buf = load(META_DB, &size);

	(void)state;
	damage_and_walk(buf, size, wrong_id, 2, "names another page");
	damage_and_walk(buf, size, huge_count, 2,
			"more elements than the page holds");
	damage_and_walk(buf, size, key_out_of_page, 2, "outside its page");
	damage_and_walk(buf, size, huge_count, 1,
			"more elements than the page holds");
	damage_and_walk(buf, size, self_loop, 1, "reached twice");
	free(buf);
}

/* The root bucket pointing at a meta page, or past the pages in use. */
static void test_bad_root(void **state)
{
	size_t size;
	uint8_t *buf = load(META_DB, &size);
	uint8_t *m0 = buf + 16, *m1 = buf + 4096 + 16;
	uint64_t h = 0xcbf29ce484222325ull;

	(void)state;
	m1[56] ^= 1; /* use meta 0 only */
	wr64(m0 + 16, 1);
	for (int i = 0; i < 56; i++) {
		h ^= m0[i];
		h *= 0x100000001b3ull;
	}
	wr64(m0 + 56, h);
	expect_open_fails(buf, size, "root bucket");
	free(buf);
}

static void set_meta_txid(uint8_t *meta, uint64_t txid)
{
	uint64_t h = 0xcbf29ce484222325ull;

	wr64(meta + 48, txid);
	for (int i = 0; i < 56; i++) {
		h ^= meta[i];
		h *= 0x100000001b3ull;
	}
	wr64(meta + 56, h);
}

/* A commit by the daemon while we read: the caller is told to read again
 * (bbolt may reuse the pages we read once the next one begins). */
static void test_unchanged_until_a_commit(void **state)
{
	char path[] = "/tmp/test_bbolt_XXXXXX";
	struct pe_error err = { 0 };
	size_t size;
	uint8_t *buf = load(META_DB, &size);
	int fd = mkstemp(path);
	struct pe_bolt *db;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	db = open_path(path);
	assert_int_equal(pe_bolt_unchanged(db, &err), 0);
	/* the daemon commits the next txid into the older meta page (0) */
	set_meta_txid(buf + 16, NEWEST_TXID + 1);
	assert_int_equal(pwrite(fd, buf, 4096, 0), 4096);
	assert_int_equal(pe_bolt_unchanged(db, &err), 1);
	pe_bolt_close(db);
	db = open_path(path);
	assert_int_equal(pe_bolt_txid(db), NEWEST_TXID + 1);
	assert_int_equal(pe_bolt_unchanged(db, &err), 0);
	pe_bolt_close(db);
	close(fd);
	unlink(path);
	free(buf);
}

static void reseal_meta(uint8_t *meta)
{
	set_meta_txid(meta, rd64(meta + 48));
}

/* A page whose overflow claims 70 MB inside a file that has them: refused
 * before anything that large is allocated. */
static void test_huge_page(void **state)
{
	size_t size, big = 72u << 20;
	uint8_t *orig = load(META_DB, &size);
	uint8_t *buf = calloc(1, big);
	bool found = false;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, orig, size);
	for (int m = 0; m < 2; m++) { /* both metas: pages in use = all */
		wr64(buf + m * 4096 + 16 + 40, big / 4096);
		reseal_meta(buf + m * 4096 + 16);
	}
	for (uint64_t pgid = 2; pgid < size / 4096 && !found; pgid++) {
		uint8_t *p = buf + pgid * 4096;
		struct pe_error err = { 0 };
		struct pe_bolt *db;
		uint32_t saved;
		size_t keys;

		if (rd64(p) != pgid || p[8] != 2)
			continue;
		memcpy(&saved, p + 12, 4);
		p[12] = 0x68; /* overflow 17000 pages */
		p[13] = 0x42;
		p[14] = p[15] = 0;
		db = open_mem_ok(buf, big);
		if (walk_all(db, &err, &keys) < 0 &&
		    strstr(err.msg, "larger than any value"))
			found = true;
		pe_bolt_close(db);
		memcpy(p + 12, &saved, 4);
	}
	assert_true(found);
	free(buf);
	free(orig);
}

static void test_protobuf_reader(void **state)
{
	static const uint8_t any[] = { 0x0a, 0x01, 'x', 0x12, 0x02, '{', '}' };
	static const uint8_t long_len[] = { 0x12, 0x05, 'a' };
	static const uint8_t group[] = { 0x0b };
	static const uint8_t long_varint[] = { 0x08, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0x7f };
	static const uint8_t zero_field[] = { 0x00, 0x01 };
	static const uint8_t ten[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
				       0x80, 0x80, 0x80, 0x80, 0x01 };
	struct pe_pb_field f;
	size_t pos = 0;
	uint64_t v;

	(void)state;
	assert_int_equal(pe_pb_next(any, sizeof(any), &pos, &f), 1);
	assert_int_equal(f.number, 1);
	assert_int_equal(f.len, 1);
	assert_int_equal(pe_pb_next(any, sizeof(any), &pos, &f), 1);
	assert_int_equal(f.number, 2);
	assert_memory_equal(f.data, "{}", 2);
	assert_int_equal(pe_pb_next(any, sizeof(any), &pos, &f), 0);
	pos = 0;
	assert_int_equal(pe_pb_next(long_len, sizeof(long_len), &pos, &f), -1);
	pos = 0;
	assert_int_equal(pe_pb_next(group, sizeof(group), &pos, &f), -1);
	pos = 0;
	assert_int_equal(pe_pb_next(long_varint, sizeof(long_varint), &pos, &f),
			 -1);
	pos = 0;
	assert_int_equal(pe_pb_next(zero_field, sizeof(zero_field), &pos, &f),
			 -1);
	assert_int_equal(pe_uvarint(ten, sizeof(ten), &v), 10);
	assert_true(v == 1ull << 63);
	assert_int_equal(pe_uvarint(ten, 9, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_pages),
		cmocka_unit_test(test_containers_as_ctr_lists_them),
		cmocka_unit_test(test_values_as_ctr_shows_them),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_reads_past_an_exclusive_lock),
		cmocka_unit_test(test_refuses_a_fifo),
		cmocka_unit_test(test_walk_whole_file),
		cmocka_unit_test(test_meta_checksums),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_damaged_pages),
		cmocka_unit_test(test_bad_root),
		cmocka_unit_test(test_unchanged_until_a_commit),
		cmocka_unit_test(test_huge_page),
		cmocka_unit_test(test_protobuf_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
