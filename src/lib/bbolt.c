/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A read-only bbolt reader (the format of etcd-io/bbolt: page.go, db.go,
 * bucket.go, node.go), for containerd's metadata stores.
 *
 * The file, little-endian, in pages of meta.pageSize bytes:
 *   page header (16): id u64, flags u16, count u16, overflow u32
 *   pages 0 and 1: meta (after the header): magic u32, version u32,
 *     pageSize u32, flags u32, root bucket {root u64, sequence u64},
 *     freelist u64, pgid u64 (high-water mark), txid u64, checksum u64
 *     (FNV-64a of the 56 bytes before it)
 *   branch page: count x {pos u32, ksize u32, pgid u64}, key at elem+pos
 *   leaf page:   count x {flags u32, pos u32, ksize u32, vsize u32}, key at
 *     elem+pos, value right after the key; flags 1 = the value is a bucket
 *     header {root u64, sequence u64}, and root 0 means an inline bucket:
 *     its leaf page follows the header inside the value
 *   a page spans 1 + overflow pages.
 * Nothing here trusts the file: see bbolt.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/bbolt.h"

#define PAGE_HEADER_SIZE 16u
#define ELEM_SIZE 16u /* branch and leaf elements alike */
#define BUCKET_HEADER_SIZE 16u
#define META_SIZE 64u
#define META_CHECKSUMMED 56u
#define BOLT_MAGIC 0xED0CDAEDu
#define BOLT_VERSION 2u

#define FLAG_BRANCH 0x01u
#define FLAG_LEAF 0x02u
#define FLAG_META 0x04u
#define LEAF_FLAG_BUCKET 0x01u

/* A B+tree taller than this within one bucket is not a real file: bbolt
 * fills pages to half at least, so 32 levels would be astronomically many
 * keys. Bounds every descent and the walk's explicit stack. */
#define MAX_HEIGHT 32
/* A page with its overflow holds one node; containerd's largest values (a
 * spec) are kilobytes. Bounds what one read may allocate. */
#define MAX_PAGE_BYTES (64u << 20)
#define MIN_PAGE_SIZE 512u
#define MAX_PAGE_SIZE 65536u

/* One page (with its overflow) as read; data owned unless the handle reads
 * from memory. mark is the walk that last visited it (cycle detection). */
struct cached_page {
	uint64_t id;
	const uint8_t *data;
	size_t len;
	uint64_t mark;
	bool used;
};

struct pe_bolt {
	int fd; /* -1 when reading from memory */
	const uint8_t *mem;
	uint64_t file_size;
	uint32_t page_size;
	uint64_t root_pgid;
	uint64_t high_water; /* meta.pgid: pages at or above are not in use */
	uint64_t txid;
	uint64_t bytes_read;
	struct cached_page *cache; /* open addressing, power-of-two size */
	size_t cache_cap, cache_len;
	uint64_t walk_mark; /* walks started so far (nested ones too) */
	char name[512];
};

/* Where a bucket's tree is: a page id, or an inline leaf page in a value. */
struct bucket_ref {
	uint64_t root;
	const uint8_t *inline_page;
	size_t inline_len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t fnv64a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int corrupt(struct pe_bolt *db, struct pe_error *err, const char *what,
		   unsigned long long pgid)
{
	return pe_error_set(err, PE_ERR_PARSE, EINVAL,
			    "%s: not a valid bbolt file: page %llu: %s",
			    db->name, pgid, what);
}

/* Read exactly len bytes at off from the handle's source into buf. */
static int read_at(struct pe_bolt *db, uint8_t *buf, size_t len, uint64_t off,
		   struct pe_error *err)
{
	size_t done = 0;

	if (off > db->file_size || len > db->file_size - off)
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: read of %zu bytes at %llu is beyond "
				    "the end of the file (%llu bytes)",
				    db->name, len, (unsigned long long)off,
				    (unsigned long long)db->file_size);
	if (db->fd < 0) {
		memcpy(buf, db->mem + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t n =
		    pread(db->fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pe_error_errno(err, "%s: read", db->name);
		if (n == 0)
			return pe_error_set(err, PE_ERR_PARSE, EIO,
					    "%s: the file shrank while read",
					    db->name);
		done += (size_t)n;
	}
	return 0;
}

static struct cached_page *cache_slot(struct pe_bolt *db, uint64_t id)
{
	size_t mask = db->cache_cap - 1;
	size_t i = (size_t)(id * 0x9E3779B97F4A7C15ull) & mask;

	while (db->cache[i].used && db->cache[i].id != id)
		i = (i + 1) & mask;
	return &db->cache[i];
}

static int cache_grow(struct pe_bolt *db, struct pe_error *err)
{
	struct cached_page *old = db->cache;
	size_t old_cap = db->cache_cap;
	size_t cap = old_cap ? old_cap * 2 : 64;

	db->cache = calloc(cap, sizeof(*db->cache));
	if (!db->cache) {
		db->cache = old;
		return pe_error_errno(err, "%s: page cache", db->name);
	}
	db->cache_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*cache_slot(db, old[i].id) = old[i];
	free(old);
	return 0;
}

/*
 * The page pgid with its overflow pages, checked: within the pages in use
 * and the file, its header naming itself. Pointers stay valid until close.
 */
static int read_page(struct pe_bolt *db, uint64_t pgid,
		     const struct cached_page **out, struct pe_error *err)
{
	struct cached_page *slot;
	uint8_t header[PAGE_HEADER_SIZE];
	uint64_t off, span, len;
	uint8_t *buf;

	if (pgid < 2 || pgid >= db->high_water)
		return corrupt(db, err,
			       "page id outside the pages in use (meta pages, "
			       "or past the high-water mark)",
			       pgid);
	if (db->cache_len * 2 >= db->cache_cap && cache_grow(db, err))
		return -1;
	slot = cache_slot(db, pgid);
	if (slot->used) {
		*out = slot;
		return 0;
	}
	off = pgid * db->page_size;
	if (read_at(db, header, sizeof(header), off, err))
		return pe_error_wrap(err, "page %llu",
				     (unsigned long long)pgid);
	if (get64(header) != pgid)
		return corrupt(db, err,
			       "its header names another page (torn read, or a "
			       "page reused by a newer transaction)",
			       pgid);
	span = 1 + (uint64_t)get32(header + 12);
	if (span > db->high_water - pgid)
		return corrupt(db, err,
			       "its overflow runs past the high-water mark",
			       pgid);
	len = span * db->page_size;
	if (len > MAX_PAGE_BYTES)
		return corrupt(db, err,
			       "larger than any value podenter reads (64 MiB)",
			       pgid);
	if (off > db->file_size || len > db->file_size - off)
		return corrupt(db, err, "it runs past the end of the file",
			       pgid);
	/* every page is read once; a file claiming more is lying */
	if (len > 2 * db->file_size - db->bytes_read)
		return corrupt(db, err, "pages overlap beyond reason", pgid);
	if (db->fd < 0) {
		buf = NULL;
		slot->data = db->mem + off;
	} else {
		buf = malloc(len);
		if (!buf)
			return pe_error_errno(err, "%s: page %llu", db->name,
					      (unsigned long long)pgid);
		if (read_at(db, buf, len, off, err)) {
			free(buf);
			return pe_error_wrap(err, "page %llu",
					     (unsigned long long)pgid);
		}
		if (get64(buf) != pgid) {
			free(buf);
			return corrupt(db, err, "changed while read", pgid);
		}
		slot->data = buf;
	}
	db->bytes_read += len;
	slot->id = pgid;
	slot->len = (size_t)len;
	slot->mark = 0;
	slot->used = true;
	db->cache_len++;
	*out = slot;
	return 0;
}

/* A node: a branch or leaf page, from a page or an inline bucket. */
struct node {
	const uint8_t *p; /* the page header */
	size_t len; /* bytes of p that belong to the page */
	uint64_t pgid; /* 0 for inline pages, for messages */
	uint16_t flags;
	uint16_t count;
};

static int node_from(struct pe_bolt *db, const uint8_t *p, size_t len,
		     uint64_t pgid, struct node *n, struct pe_error *err)
{
	if (len < PAGE_HEADER_SIZE)
		return corrupt(db, err, "shorter than a page header", pgid);
	n->p = p;
	n->len = len;
	n->pgid = pgid;
	n->flags = get16(p + 8);
	n->count = get16(p + 10);
	if (n->flags != FLAG_BRANCH && n->flags != FLAG_LEAF)
		return corrupt(db, err, "neither a branch nor a leaf page",
			       pgid);
	if ((size_t)n->count * ELEM_SIZE > len - PAGE_HEADER_SIZE)
		return corrupt(db, err, "more elements than the page holds",
			       pgid);
	if (n->flags == FLAG_BRANCH && n->count == 0)
		return corrupt(db, err, "an empty branch page", pgid);
	return 0;
}

/* Element i's key (and value for leaves), bounds-checked within the page. */
static int node_elem(struct pe_bolt *db, const struct node *n, unsigned i,
		     const uint8_t **key, size_t *klen, const uint8_t **val,
		     size_t *vlen, uint32_t *leaf_flags, uint64_t *child,
		     struct pe_error *err)
{
	const uint8_t *e = n->p + PAGE_HEADER_SIZE + (size_t)i * ELEM_SIZE;
	uint64_t key_off, ks, vs;

	if (n->flags == FLAG_BRANCH) {
		key_off = (uint64_t)(e - n->p) + get32(e);
		ks = get32(e + 4);
		*child = get64(e + 8);
		vs = 0;
	} else {
		*leaf_flags = get32(e);
		key_off = (uint64_t)(e - n->p) + get32(e + 4);
		ks = get32(e + 8);
		vs = get32(e + 12);
	}
	if (key_off > n->len || ks > n->len - key_off ||
	    vs > n->len - key_off - ks)
		return corrupt(db, err, "a key or value outside its page",
			       n->pgid);
	*key = n->p + key_off;
	*klen = (size_t)ks;
	if (val) {
		*val = n->p + key_off + ks;
		*vlen = (size_t)vs;
	}
	return 0;
}

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The bucket a leaf value describes. */
static int bucket_from_value(struct pe_bolt *db, const uint8_t *v, size_t vlen,
			     uint64_t pgid, struct bucket_ref *b,
			     struct pe_error *err)
{
	if (vlen < BUCKET_HEADER_SIZE)
		return corrupt(db, err,
			       "a bucket value shorter than its header", pgid);
	b->root = get64(v);
	b->inline_page = NULL;
	b->inline_len = 0;
	if (b->root == 0) {
		if (vlen < BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE)
			return corrupt(
			    db, err, "an inline bucket without its page", pgid);
		b->inline_page = v + BUCKET_HEADER_SIZE;
		b->inline_len = vlen - BUCKET_HEADER_SIZE;
	}
	return 0;
}

static int bucket_root_node(struct pe_bolt *db, const struct bucket_ref *b,
			    struct node *n, const struct cached_page **pg,
			    struct pe_error *err)
{
	*pg = NULL;
	if (b->inline_page) {
		if (node_from(db, b->inline_page, b->inline_len, 0, n, err))
			return -1;
		if (n->flags != FLAG_LEAF)
			return corrupt(db, err,
				       "an inline bucket that is not a "
				       "leaf page",
				       0);
		return 0;
	}
	if (read_page(db, b->root, pg, err))
		return -1;
	return node_from(db, (*pg)->data, (*pg)->len, b->root, n, err);
}

/*
 * Find key in bucket b. Returns 0 with the leaf element's value and flags,
 * 1 when absent, -1 on error. The descent is bounded by MAX_HEIGHT.
 */
static int bucket_seek(struct pe_bolt *db, const struct bucket_ref *b,
		       const uint8_t *key, size_t klen, const uint8_t **val,
		       size_t *vlen, uint32_t *leaf_flags, struct pe_error *err)
{
	const struct cached_page *pg;
	struct node n;

	if (bucket_root_node(db, b, &n, &pg, err))
		return -1;
	for (int depth = 0;; depth++) {
		const uint8_t *k, *v;
		size_t kl, vl;
		uint32_t lf = 0;
		uint64_t child = 0, pick = 0;

		if (n.flags == FLAG_LEAF) {
			for (unsigned i = 0; i < n.count; i++) {
				if (node_elem(db, &n, i, &k, &kl, &v, &vl, &lf,
					      &child, err))
					return -1;
				if (key_cmp(k, kl, key, klen) == 0) {
					*val = v;
					*vlen = vl;
					*leaf_flags = lf;
					return 0;
				}
			}
			return 1;
		}
		if (depth >= MAX_HEIGHT)
			return corrupt(
			    db, err, "a tree deeper than any real one", n.pgid);
		/* the last child whose first key is <= key (the first when key
		 * sorts before all of them) */
		for (unsigned i = 0; i < n.count; i++) {
			if (node_elem(db, &n, i, &k, &kl, NULL, NULL, &lf,
				      &child, err))
				return -1;
			if (i == 0 || key_cmp(k, kl, key, klen) <= 0)
				pick = child;
			else
				break;
		}
		if (read_page(db, pick, &pg, err) ||
		    node_from(db, pg->data, pg->len, pick, &n, err))
			return -1;
	}
}

/* Prepend "in bucket a/b/c" (names shown up to 64 bytes each). */
static int wrap_bucket(struct pe_error *err, const char *const *path,
		       size_t depth)
{
	char buf[512];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < depth && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
					 "%s%.64s", i ? "/" : "", path[i]);
	return pe_error_wrap(err, "in bucket %s", depth ? buf : "(root)");
}

/* Follow path from the root bucket. 0 found, 1 absent, -1 error. */
static int bucket_at(struct pe_bolt *db, const char *const *path, size_t depth,
		     struct bucket_ref *b, struct pe_error *err)
{
	if (depth > PE_BOLT_MAX_PATH)
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "%s: bucket path deeper than %d", db->name,
				    PE_BOLT_MAX_PATH);
	b->root = db->root_pgid;
	b->inline_page = NULL;
	b->inline_len = 0;
	for (size_t i = 0; i < depth; i++) {
		const uint8_t *v;
		size_t vlen;
		uint32_t lf;
		int r = bucket_seek(db, b, (const uint8_t *)path[i],
				    strlen(path[i]), &v, &vlen, &lf, err);

		if (r < 0)
			return wrap_bucket(err, path, i);
		if (r > 0 || !(lf & LEAF_FLAG_BUCKET))
			return 1;
		if (bucket_from_value(db, v, vlen, b->root, b, err))
			return wrap_bucket(err, path, i + 1);
	}
	return 0;
}

int pe_bolt_get(struct pe_bolt *db, const char *const *path, size_t depth,
		const void *key, size_t klen, const void **val, size_t *vlen,
		struct pe_error *err)
{
	struct bucket_ref b;
	const uint8_t *v;
	size_t vl;
	uint32_t lf;
	int r = bucket_at(db, path, depth, &b, err);

	if (r || !key)
		return r;
	r = bucket_seek(db, &b, key, klen, &v, &vl, &lf, err);
	if (r < 0)
		return wrap_bucket(err, path, depth);
	if (r)
		return r;
	if (lf & LEAF_FLAG_BUCKET)
		return 1;
	if (val)
		*val = v;
	if (vlen)
		*vlen = vl;
	return 0;
}

/*
 * Walk the bucket's tree in key order with an explicit stack (no recursion),
 * marking each page visited so that a page reached twice (a cycle or shared
 * subtree, never in a real file) stops the walk instead of multiplying it.
 */
int pe_bolt_foreach(struct pe_bolt *db, const char *const *path, size_t depth,
		    pe_bolt_foreach_fn fn, void *arg, struct pe_error *err)
{
	struct {
		struct node n;
		unsigned next;
	} stack[MAX_HEIGHT + 1];
	const struct cached_page *pg;
	struct bucket_ref b;
	int top = 0;
	uint64_t mark;
	int r = bucket_at(db, path, depth, &b, err);

	if (r)
		return r;
	mark = ++db->walk_mark;
	if (bucket_root_node(db, &b, &stack[0].n, &pg, err))
		return wrap_bucket(err, path, depth);
	if (pg) {
		/* cache pointers are stable, but not const to us: find the slot
		 */
		cache_slot(db, pg->id)->mark = mark;
	}
	stack[0].next = 0;
	while (top >= 0) {
		struct node *n = &stack[top].n;
		const uint8_t *k, *v;
		size_t kl, vl;
		uint32_t lf = 0;
		uint64_t child = 0;
		unsigned i = stack[top].next;

		if (i >= n->count) {
			top--;
			continue;
		}
		stack[top].next++;
		if (n->flags == FLAG_LEAF) {
			if (node_elem(db, n, i, &k, &kl, &v, &vl, &lf, &child,
				      err))
				return wrap_bucket(err, path, depth);
			if (lf & LEAF_FLAG_BUCKET)
				r = fn(k, kl, NULL, 0, true, arg);
			else
				r = fn(k, kl, v, vl, false, arg);
			if (r)
				return r;
			continue;
		}
		if (node_elem(db, n, i, &k, &kl, NULL, NULL, &lf, &child, err))
			return wrap_bucket(err, path, depth);
		if (top >= MAX_HEIGHT) {
			corrupt(db, err, "a tree deeper than any real one",
				n->pgid);
			return wrap_bucket(err, path, depth);
		}
		if (read_page(db, child, &pg, err))
			return wrap_bucket(err, path, depth);
		/* marked by this walk, or by a walk fn started inside it
		 * (a nested bucket): every page belongs to one tree only */
		if (pg->mark >= mark) {
			corrupt(db, err, "reached twice in one walk (a cycle)",
				child);
			return wrap_bucket(err, path, depth);
		}
		cache_slot(db, child)->mark = mark;
		top++;
		if (node_from(db, pg->data, pg->len, child, &stack[top].n, err))
			return wrap_bucket(err, path, depth);
		stack[top].next = 0;
	}
	return 0;
}

/* Validate the meta page at off; fills the handle on success. */
static bool meta_valid(const uint8_t *page, uint64_t expect_id,
		       uint32_t expect_page_size)
{
	const uint8_t *m = page + PAGE_HEADER_SIZE;
	uint32_t psize = get32(m + 8);

	if (get64(page) != expect_id || !(get16(page + 8) & FLAG_META))
		return false;
	if (get32(m) != BOLT_MAGIC || get32(m + 4) != BOLT_VERSION)
		return false;
	if (get64(m + META_CHECKSUMMED) != fnv64a(m, META_CHECKSUMMED))
		return false;
	if (psize < MIN_PAGE_SIZE || psize > MAX_PAGE_SIZE ||
	    (psize & (psize - 1)))
		return false;
	return expect_page_size == 0 || psize == expect_page_size;
}

static int open_common(struct pe_bolt *db, struct pe_error *err)
{
	static const uint32_t sizes[] = { 4096,	 8192, 16384, 32768,
					  65536, 512,  1024,  2048 };
	uint8_t p0[PAGE_HEADER_SIZE + META_SIZE];
	uint8_t p1[PAGE_HEADER_SIZE + META_SIZE];
	bool v0 = false, v1 = false;
	const uint8_t *m;
	uint32_t psize = 0;

	if (db->file_size >= sizeof(p0) && read_at(db, p0, sizeof(p0), 0, err))
		return -1;
	if (db->file_size >= sizeof(p0))
		v0 = meta_valid(p0, 0, 0);
	if (v0) {
		psize = get32(p0 + PAGE_HEADER_SIZE + 8);
		if (db->file_size >= (uint64_t)psize + sizeof(p1)) {
			if (read_at(db, p1, sizeof(p1), psize, err))
				return -1;
			v1 = meta_valid(p1, 1, psize);
		}
	} else {
		/* meta 0 is torn: find meta 1 where a page size puts it */
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			if (db->file_size < (uint64_t)sizes[i] + sizeof(p1))
				continue;
			if (read_at(db, p1, sizeof(p1), sizes[i], err))
				return -1;
			if (meta_valid(p1, 1, sizes[i])) {
				v1 = true;
				psize = sizes[i];
				break;
			}
		}
	}
	if (!v0 && !v1)
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: not a valid bbolt file: no meta page "
				    "with the magic, version 2 and a good "
				    "checksum",
				    db->name);
	if (v0 && v1)
		m = get64(p1 + PAGE_HEADER_SIZE + 48) >
			    get64(p0 + PAGE_HEADER_SIZE + 48)
			? p1 + PAGE_HEADER_SIZE
			: p0 + PAGE_HEADER_SIZE;
	else
		m = (v0 ? p0 : p1) + PAGE_HEADER_SIZE;
	db->page_size = psize;
	db->root_pgid = get64(m + 16);
	db->high_water = get64(m + 40);
	db->txid = get64(m + 48);
	if (db->high_water > db->file_size / psize)
		return pe_error_set(
		    err, PE_ERR_PARSE, EINVAL,
		    "%s: not a valid bbolt file: %llu pages in "
		    "use but the file holds %llu",
		    db->name, (unsigned long long)db->high_water,
		    (unsigned long long)(db->file_size / psize));
	if (db->root_pgid < 2 || db->root_pgid >= db->high_water)
		return corrupt(db, err, "the root bucket's page is not in use",
			       db->root_pgid);
	return 0;
}

/*
 * bbolt never writes into the pages of the tree the newest meta names: a
 * write transaction T+1 writes pages that were free when it began, then the
 * other meta page. The pages of tree T it replaced are only pending; the
 * next transaction (T+2) may reuse them as it begins. So what we read of
 * tree T is intact as long as no transaction committed since we opened.
 */
int pe_bolt_unchanged(struct pe_bolt *db, struct pe_error *err)
{
	uint8_t p[PAGE_HEADER_SIZE + META_SIZE];
	uint64_t newest = 0;

	for (uint64_t i = 0; i < 2; i++) {
		if (read_at(db, p, sizeof(p), i * db->page_size, err))
			return -1;
		if (meta_valid(p, i, db->page_size) &&
		    get64(p + PAGE_HEADER_SIZE + 48) > newest)
			newest = get64(p + PAGE_HEADER_SIZE + 48);
	}
	return newest == db->txid ? 0 : 1;
}

static struct pe_bolt *bolt_new(const char *name)
{
	struct pe_bolt *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->fd = -1;
	snprintf(db->name, sizeof(db->name), "%s", name ? name : "bbolt file");
	return db;
}

int pe_bolt_open_fd(int fd, const char *name, struct pe_bolt **out,
		    struct pe_error *err)
{
	struct pe_bolt *db = bolt_new(name);
	struct stat st;

	*out = NULL;
	if (!db)
		return pe_error_errno(err, "%s", name ? name : "bbolt file");
	if (fstat(fd, &st) < 0) {
		pe_error_errno(err, "%s: stat", db->name);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		pe_error_set(err, PE_ERR_PARSE, EINVAL,
			     "%s: not a regular file", db->name);
		goto fail;
	}
	db->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (db->fd < 0) {
		pe_error_errno(err, "%s: dup", db->name);
		goto fail;
	}
	db->file_size = (uint64_t)st.st_size;
	if (open_common(db, err))
		goto fail;
	*out = db;
	return 0;
fail:
	pe_bolt_close(db);
	return -1;
}

int pe_bolt_open_mem(const void *data, size_t size, const char *name,
		     struct pe_bolt **out, struct pe_error *err)
{
	struct pe_bolt *db = bolt_new(name);

	*out = NULL;
	if (!db)
		return pe_error_errno(err, "%s", name ? name : "bbolt file");
	db->mem = data;
	db->file_size = size;
	if (open_common(db, err)) {
		pe_bolt_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void pe_bolt_close(struct pe_bolt *db)
{
	if (!db)
		return;
	if (db->fd >= 0) {
		for (size_t i = 0; i < db->cache_cap; i++)
			if (db->cache[i].used)
				free((void *)db->cache[i].data);
		close(db->fd);
	}
	free(db->cache);
	free(db);
}

const char *pe_bolt_name(const struct pe_bolt *db)
{
	return db->name;
}

uint64_t pe_bolt_txid(const struct pe_bolt *db)
{
	return db->txid;
}

size_t pe_uvarint(const uint8_t *buf, size_t size, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size && i < 10; i++) {
		/* the tenth byte may carry only the top bit of 64 */
		if (i == 9 && buf[i] > 1)
			return 0;
		v |= (uint64_t)(buf[i] & 0x7f) << (7 * i);
		if (!(buf[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

int pe_pb_next(const uint8_t *buf, size_t size, size_t *pos,
	       struct pe_pb_field *f)
{
	uint64_t tag, len;
	size_t n;

	if (*pos >= size)
		return 0;
	n = pe_uvarint(buf + *pos, size - *pos, &tag);
	if (!n || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return -1;
	*pos += n;
	memset(f, 0, sizeof(*f));
	f->number = (uint32_t)(tag >> 3);
	f->wire_type = (uint8_t)(tag & 7);
	switch (f->wire_type) {
	case 0:
		n = pe_uvarint(buf + *pos, size - *pos, &f->varint);
		if (!n)
			return -1;
		*pos += n;
		return 1;
	case 1:
		if (size - *pos < 8)
			return -1;
		f->varint = get64(buf + *pos);
		*pos += 8;
		return 1;
	case 5:
		if (size - *pos < 4)
			return -1;
		f->varint = get32(buf + *pos);
		*pos += 4;
		return 1;
	case 2:
		n = pe_uvarint(buf + *pos, size - *pos, &len);
		if (!n || len > size - *pos - n)
			return -1;
		*pos += n;
		f->data = buf + *pos;
		f->len = (size_t)len;
		*pos += (size_t)len;
		return 1;
	default: /* groups (3, 4) are not used by anything we read */
		return -1;
	}
}
