/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tar format (include/podenter/tar.h): read from a caller's stream,
 * written to an fd. Shared by tools images (image.c) and podenter cp
 * (cp.c); neither lets this file touch a file system.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/tar.h"

#define BLOCK 512

/* --- names -----------------------------------------------------------------
 */

int pe_tar_clean_name(char *name)
{
	char *out = name, *p = name;

	if (name[0] == '/')
		return -1;
	while (*p) {
		char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* "//" or "./": nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			return -1;
		} else {
			if (out != name)
				*out++ = '/';
			memmove(out, p, n);
			out += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	*out = '\0';
	return 0;
}

bool pe_tar_link_inside(const char *name, const char *target,
			bool allow_absolute)
{
	int depth = 0;
	const char *p;

	if (target[0] == '\0')
		return false;
	if (target[0] == '/')
		return allow_absolute;
	/* The link lives in name's directory: start at its depth. */
	for (p = name; *p; p++)
		if (*p == '/')
			depth++;
	p = target;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n != 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

/* --- reading ---------------------------------------------------------------
 */

void pe_tar_reader_reset(struct pe_tar_reader *r)
{
	r->skip = 0;
	r->consumed = 0;
	r->seen_header = false;
	r->over = false;
}

/* Count n more bytes; false (and r->over) past the limit. */
static bool account(struct pe_tar_reader *r, size_t n)
{
	if (r->consumed + n > r->limit || r->consumed + n < r->consumed) {
		r->over = true;
		return false;
	}
	r->consumed += n;
	return true;
}

/* Read up to n bytes: how many came before the end of the stream, or -1. */
static ssize_t read_some(struct pe_tar_reader *r, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = r->read(r->ctx, (char *)buf + got, n - got);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int read_exact(struct pe_tar_reader *r, void *buf, size_t n)
{
	if (!account(r, n))
		return -1;
	return read_some(r, buf, n) == (ssize_t)n ? 0 : -1;
}

int pe_tar_read_data(struct pe_tar_reader *r, void *buf, size_t n)
{
	if (n > r->skip || read_exact(r, buf, n) < 0)
		return -1;
	r->skip -= n;
	return 0;
}

static int skip_data(struct pe_tar_reader *r)
{
	char buf[16384];

	while (r->skip) {
		size_t n =
		    r->skip > sizeof(buf) ? sizeof(buf) : (size_t)r->skip;
		if (read_exact(r, buf, n) < 0)
			return -1;
		r->skip -= n;
	}
	return 0;
}

static uint64_t tar_number(const char *f, size_t len)
{
	uint64_t v = 0;

	if ((unsigned char)f[0] & 0x80) {
		/* GNU base-256 for values that do not fit in octal */
		v = (unsigned char)f[0] & 0x3f;
		for (size_t i = 1; i < len; i++)
			v = (v << 8) | (unsigned char)f[i];
		return v;
	}
	for (size_t i = 0; i < len && f[i]; i++) {
		if (f[i] == ' ')
			continue;
		if (f[i] < '0' || f[i] > '7')
			break;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	return v;
}

static bool block_is_zero(const unsigned char *b)
{
	for (int i = 0; i < BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

static bool checksum_ok(const unsigned char *b)
{
	uint64_t want = tar_number((const char *)b + 148, 8), sum = 0;

	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : b[i];
	return sum == want;
}

/* Read a long name (GNU L/K) or pax record block into a buffer. */
static char *read_blob(struct pe_tar_reader *r, uint64_t size)
{
	char *buf;
	uint64_t padded = (size + BLOCK - 1) & ~(uint64_t)(BLOCK - 1);

	if (size > PE_TAR_PAX_MAX)
		return NULL;
	buf = malloc((size_t)padded + 1);
	if (!buf || read_exact(r, buf, (size_t)padded) < 0) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

struct pax_seen {
	bool name, link, size, uid, gid, mtime;
};

static void pax_apply(const char *recs, size_t len, struct pe_tar_entry *e,
		      struct pax_seen *seen)
{
	const char *p = recs, *end = recs + len;

	while (p < end) {
		char *after;
		unsigned long n = strtoul(p, &after, 10);
		const char *kv, *eq, *rec_end;

		if (n == 0 || after >= end || *after != ' ' ||
		    n > (size_t)(end - p) || p + n <= after + 1)
			return;
		kv = after + 1;
		rec_end = p + n - 1; /* the '\n' */
		eq = memchr(kv, '=', (size_t)(rec_end - kv));
		if (eq) {
			size_t klen = (size_t)(eq - kv);
			size_t vlen = (size_t)(rec_end - eq - 1);

			if (klen == 4 && memcmp(kv, "path", 4) == 0 &&
			    vlen < sizeof(e->name)) {
				memcpy(e->name, eq + 1, vlen);
				e->name[vlen] = '\0';
				seen->name = true;
			} else if (klen == 8 &&
				   memcmp(kv, "linkpath", 8) == 0 &&
				   vlen < sizeof(e->link)) {
				memcpy(e->link, eq + 1, vlen);
				e->link[vlen] = '\0';
				seen->link = true;
			} else if (klen == 4 && memcmp(kv, "size", 4) == 0) {
				e->size = strtoull(eq + 1, NULL, 10);
				seen->size = true;
			} else if (klen == 3 && memcmp(kv, "uid", 3) == 0) {
				e->uid = (uid_t)strtoul(eq + 1, NULL, 10);
				seen->uid = true;
			} else if (klen == 3 && memcmp(kv, "gid", 3) == 0) {
				e->gid = (gid_t)strtoul(eq + 1, NULL, 10);
				seen->gid = true;
			} else if (klen == 5 && memcmp(kv, "mtime", 5) == 0) {
				/* "1700000000.123": the fraction is dropped */
				e->mtime = strtoll(eq + 1, NULL, 10);
				seen->mtime = true;
			}
		}
		p += n;
	}
}

int pe_tar_over_limit(const struct pe_tar_reader *r, struct pe_error *err)
{
	return pe_error_set(
	    err, PE_ERR_PARSE, EFBIG,
	    "%s: refused: the %s unpacks to more than %llu "
	    "bytes",
	    r->path, r->what ? r->what : "archive",
	    (unsigned long long)(r->limit_shown ? r->limit_shown : r->limit));
}

static int truncated(const struct pe_tar_reader *r, struct pe_error *err)
{
	if (r->over)
		return pe_tar_over_limit(r, err);
	return pe_error_set(err, PE_ERR_PARSE, 0, "%s: truncated archive",
			    r->path);
}

/* The header block b, with what extended headers said before it. */
static void fill_entry(const unsigned char *b, const struct pe_tar_entry *ext,
		       const struct pax_seen *seen, struct pe_tar_entry *e)
{
	uint64_t size = tar_number((const char *)b + 124, 12);

	memset(e, 0, sizeof(*e));
	if (seen->name) {
		memcpy(e->name, ext->name, sizeof(e->name));
	} else {
		char prefix[156] = "", nm[101];

		memcpy(nm, b, 100);
		nm[100] = '\0';
		if (memcmp(b + 257, "ustar", 5) == 0) {
			memcpy(prefix, b + 345, 155);
			prefix[155] = '\0';
		}
		if (prefix[0])
			snprintf(e->name, sizeof(e->name), "%s/%s", prefix, nm);
		else
			snprintf(e->name, sizeof(e->name), "%s", nm);
	}
	if (seen->link) {
		memcpy(e->link, ext->link, sizeof(e->link));
	} else {
		memcpy(e->link, b + 157, 100);
		e->link[100] = '\0';
	}
	e->type = (char)(b[156] ? b[156] : '0');
	e->mode = (mode_t)tar_number((const char *)b + 100, 8) & 07777;
	e->uid =
	    seen->uid ? ext->uid : (uid_t)tar_number((const char *)b + 108, 8);
	e->gid =
	    seen->gid ? ext->gid : (gid_t)tar_number((const char *)b + 116, 8);
	e->mtime = seen->mtime ? ext->mtime
			       : (int64_t)tar_number((const char *)b + 136, 12);
	e->size = seen->size ? ext->size : size;
	e->dev_major = (unsigned)tar_number((const char *)b + 329, 8);
	e->dev_minor = (unsigned)tar_number((const char *)b + 337, 8);
	/* Only regular files carry data a reader uses */
	if (e->type == '1' || e->type == '2' || e->type == '3' ||
	    e->type == '4' || e->type == '5' || e->type == '6')
		e->size = 0;
}

int pe_tar_next(struct pe_tar_reader *r, struct pe_tar_entry *e,
		struct pe_error *err)
{
	unsigned char b[BLOCK];
	struct pax_seen seen = { 0 };
	struct pe_tar_entry *ext = calloc(1, sizeof(*ext));
	int rc = -1;

	if (!ext)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "%s: reading",
				    r->path);
	if (skip_data(r) < 0) {
		truncated(r, err);
		goto out;
	}
	for (;;) {
		uint64_t size;
		ssize_t k;
		char *blob;

		if (!account(r, sizeof(b))) {
			truncated(r, err);
			goto out;
		}
		k = read_some(r, b, sizeof(b));
		if (k == 0) {
			rc = 0;
			goto out;
		}
		if (k != (ssize_t)sizeof(b)) {
			if (r->seen_header || k < 0)
				truncated(r, err);
			else
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s: not a tar archive "
					     "(too short)",
					     r->path);
			goto out;
		}
		if (block_is_zero(b)) {
			rc = 0;
			goto out;
		}
		if (!checksum_ok(b)) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s: not a tar archive (bad header "
				     "checksum)",
				     r->path);
			goto out;
		}
		r->seen_header = true;
		size = tar_number((char *)b + 124, 12);
		switch (b[156]) {
		case 'x':
		case 'L':
		case 'K':
			blob = read_blob(r, size);
			if (!blob) {
				if (r->over)
					pe_tar_over_limit(r, err);
				else
					pe_error_set(err, PE_ERR_PARSE, 0,
						     "%s: oversized or "
						     "truncated extended "
						     "header",
						     r->path);
				goto out;
			}
			if (b[156] == 'x') {
				pax_apply(blob, (size_t)size, ext, &seen);
			} else if (b[156] == 'L') {
				snprintf(ext->name, sizeof(ext->name), "%s",
					 blob);
				seen.name = true;
			} else {
				snprintf(ext->link, sizeof(ext->link), "%s",
					 blob);
				seen.link = true;
			}
			free(blob);
			continue;
		case 'g':
			r->skip = (size + BLOCK - 1) & ~(uint64_t)(BLOCK - 1);
			if (skip_data(r) < 0) {
				truncated(r, err);
				goto out;
			}
			continue;
		default:
			break;
		}
		fill_entry(b, ext, &seen, e);
		r->skip = (e->size + BLOCK - 1) & ~(uint64_t)(BLOCK - 1);
		rc = 1;
		goto out;
	}
out:
	free(ext);
	return rc;
}

/* --- writing ---------------------------------------------------------------
 */

static int write_all(struct pe_tar_writer *w, const void *buf, size_t n,
		     struct pe_error *err)
{
	size_t off = 0;

	while (off < n) {
		ssize_t k = write(w->fd, (const char *)buf + off, n - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return pe_error_errno(err, "writing the archive");
		off += (size_t)k;
	}
	w->written += n;
	return 0;
}

/* An octal field of len bytes (len-1 digits and a NUL); false when v does
 * not fit. */
static bool put_octal(char *f, size_t len, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*" PRIo64, (int)(len - 1), v);

	if (n < 0 || (size_t)n > len - 1)
		return false;
	memcpy(f, tmp, len - 1);
	f[len - 1] = '\0';
	return true;
}

static void put_checksum(unsigned char *b)
{
	unsigned sum = 0;

	memset(b + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	b[155] = ' ';
}

/* ustar's name: in name (100) or split at a '/' into prefix (155) + name. */
static bool put_name(unsigned char *b, const char *name)
{
	size_t len = strlen(name), at;

	if (len <= 100) {
		memcpy(b, name, len);
		return true;
	}
	if (len > 256)
		return false;
	/* the first '/' that leaves at most 100 bytes after it: the
	 * shortest prefix */
	for (at = len - 101; at < len && name[at] != '/'; at++)
		;
	if (at >= len || at > 155 || at == 0)
		return false;
	memcpy(b + 345, name, at);
	memcpy(b, name + at + 1, len - at - 1);
	return true;
}

/* One "LEN key=value\n" record, LEN counting itself. */
static int pax_record(char *out, size_t room, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3; /* ' ', '=', '\n' */
	size_t len = body + 1;
	int n;

	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	n = snprintf(out, room, "%zu %s=%s\n", len, key, val);
	return n < 0 || (size_t)n >= room ? -1 : n;
}

static void fill_header(unsigned char *b, char type, const char *name,
			mode_t mode, uint64_t uid, uint64_t gid, uint64_t size,
			int64_t mtime)
{
	memset(b, 0, BLOCK);
	put_name(b, name);
	put_octal((char *)b + 100, 8, mode & 07777);
	if (!put_octal((char *)b + 108, 8, uid))
		put_octal((char *)b + 108, 8, 0);
	if (!put_octal((char *)b + 116, 8, gid))
		put_octal((char *)b + 116, 8, 0);
	if (!put_octal((char *)b + 124, 12, size))
		put_octal((char *)b + 124, 12, 0);
	if (mtime < 0 || !put_octal((char *)b + 136, 12, (uint64_t)mtime))
		put_octal((char *)b + 136, 12, 0);
	b[156] = (unsigned char)type;
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
}

int pe_tar_write_header(struct pe_tar_writer *w, const struct pe_tar_entry *e,
			struct pe_error *err)
{
	unsigned char b[BLOCK], probe[BLOCK];
	char num[32];
	bool pax_name, pax_link, pax_size, pax_uid, pax_gid, pax_time;

	memset(probe, 0, sizeof(probe));
	pax_name = !put_name(probe, e->name);
	pax_link = strlen(e->link) > 100;
	pax_size = !put_octal(num, 12, e->size);
	pax_uid = !put_octal(num, 8, e->uid);
	pax_gid = !put_octal(num, 8, e->gid);
	pax_time = e->mtime < 0 || !put_octal(num, 12, (uint64_t)e->mtime);
	if (pax_name || pax_link || pax_size || pax_uid || pax_gid ||
	    pax_time) {
		size_t cap = 2 * PE_TAR_NAME_MAX + 256, len = 0;
		char *recs = malloc(cap);
		int n = 0, rc;

		if (!recs)
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "writing the archive");
#define PAX(cond, key, val)                                                    \
	do {                                                                   \
		if ((cond) && n >= 0) {                                        \
			n = pax_record(recs + len, cap - len, key, val);       \
			len += n > 0 ? (size_t)n : 0;                          \
		}                                                              \
	} while (0)
		PAX(pax_name, "path", e->name);
		PAX(pax_link, "linkpath", e->link);
		snprintf(num, sizeof(num), "%" PRIu64, e->size);
		PAX(pax_size, "size", num);
		snprintf(num, sizeof(num), "%lu", (unsigned long)e->uid);
		PAX(pax_uid, "uid", num);
		snprintf(num, sizeof(num), "%lu", (unsigned long)e->gid);
		PAX(pax_gid, "gid", num);
		snprintf(num, sizeof(num), "%" PRId64, e->mtime);
		PAX(pax_time, "mtime", num);
#undef PAX
		if (n < 0) {
			free(recs);
			return pe_error_set(err, PE_ERR_SYSTEM, ENAMETOOLONG,
					    "%s: name too long for the archive",
					    e->name);
		}
		fill_header(b, 'x', "././@PaxHeader", 0644, 0, 0, len, 0);
		put_checksum(b);
		rc = write_all(w, b, sizeof(b), err);
		if (rc == 0)
			rc = write_all(w, recs, len, err);
		free(recs);
		if (rc < 0 || pe_tar_write_pad(w, len, err) < 0)
			return -1;
	}
	fill_header(b, e->type, e->name, e->mode, e->uid, e->gid,
		    e->type == '0' ? e->size : 0, e->mtime);
	if (!pax_link)
		memcpy(b + 157, e->link, strlen(e->link));
	put_checksum(b);
	return write_all(w, b, sizeof(b), err);
}

int pe_tar_write_pad(struct pe_tar_writer *w, uint64_t size,
		     struct pe_error *err)
{
	static const unsigned char zero[BLOCK];
	size_t pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);

	return pad ? write_all(w, zero, pad, err) : 0;
}

int pe_tar_write_end(struct pe_tar_writer *w, struct pe_error *err)
{
	static const unsigned char zero[2 * BLOCK];

	return write_all(w, zero, sizeof(zero), err);
}
