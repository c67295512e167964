/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI layout and docker-save tarballs unpacked into a cache of tools trees.
 *
 * The cache: <cache>/<key>/rootfs and <cache>/<key>/tree.sha256, where key
 * is a sha256 over the digests of the image's manifest, config and every
 * layer (each layer checked against its digest first: a config shared by
 * two images with other layers must not make them share a tree), and
 * tree.sha256 records the unpacked tree's shape. A copy whose shape no longer
 * matches is removed and unpacked again. New copies are built under a temporary
 * name and renamed into place, so an interrupted unpack is never reused.
 *
 * Every file operation inside a tree being built is relative to its
 * directory fd and resolved with openat2(RESOLVE_IN_ROOT): a symlink laid
 * down by an earlier entry cannot redirect a later one outside.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "podenter/image.h"
#include "podenter/tar.h"
#include "sha256.h"
#include "syscalls.h"

extern char **environ;

/* Limits on hostile input: a name, a pax header, a JSON file. */
#define TAR_NAME_MAX PE_TAR_NAME_MAX
#define JSON_MAX (4 * 1024 * 1024)
#define LAYERS_MAX 256

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --- removing ------------------------------------------------------------ */

static int remove_children(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		close(dfd);
		return -1;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (pe_image_remove_tree(dirfd(d), e->d_name) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int pe_image_remove_tree(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		int fd =
		    openat(dirfd, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || remove_children(fd) < 0)
			return -1;
		return unlinkat(dirfd, name, AT_REMOVEDIR);
	}
	return unlinkat(dirfd, name, 0);
}

/* --- reading the archive (the format: tar.c) -------------------------------
 */

/* What is left of an image's limits while its archives are applied. */
struct unpack_budget {
	uint64_t bytes; /* decompressed bytes */
	uint64_t files; /* entries written */
	uint64_t max_bytes, max_files; /* for messages */
};

static void budget_init(struct unpack_budget *b, const struct pe_image_opts *o)
{
	b->max_bytes =
	    o && o->max_bytes ? o->max_bytes : PE_IMAGE_MAX_BYTES_DEFAULT;
	b->max_files =
	    o && o->max_files ? o->max_files : PE_IMAGE_MAX_FILES_DEFAULT;
	b->bytes = b->max_bytes;
	b->files = b->max_files;
}

/* A layer is read through zlib (plain tar passes through unchanged). */
static ssize_t gz_read(void *ctx, void *buf, size_t n)
{
	int k = gzread((gzFile)ctx, buf,
		       (unsigned)(n > (1u << 30) ? (1u << 30) : n));

	return k < 0 ? -1 : k;
}

static int over_budget(const struct pe_tar_reader *r, struct pe_error *err)
{
	pe_tar_over_limit(r, err);
	pe_error_hint(err,
		      "a decompression bomb, or a very big image: raise "
		      "'image-max-bytes' in podenter.conf if you trust it");
	return -1;
}

static int tar_next(struct pe_tar_reader *r, struct pe_tar_entry *e,
		    struct pe_error *err)
{
	int k = pe_tar_next(r, e, err);

	if (k < 0 && r->over)
		over_budget(r, err);
	return k;
}

/* --- writing entries ---------------------------------------------------------
 */

static int open_in_root(int rootfd, const char *rel, int flags, uint64_t extra)
{
	return pe_open_in_root(rootfd, rel, flags, extra);
}

/* mkdir -p of a relative path inside rootfd, each prefix resolved inside
 * the root; returns an O_PATH fd of the last directory. */
static int make_dirs(int rootfd, const char *path)
{
	char prefix[TAR_NAME_MAX];
	size_t at = 0;

	for (;;) {
		size_t n = strcspn(path + at, "/");
		int fd;

		if (at + n >= sizeof(prefix)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(prefix, path, at + n);
		prefix[at + n] = '\0';
		fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT) {
			const char *base;
			char *slash = strrchr(prefix, '/');
			int pfd;

			if (slash) {
				*slash = '\0';
				base = slash + 1;
			} else {
				base = prefix;
			}
			pfd = open_in_root(rootfd, slash ? prefix : ".",
					   O_PATH | O_DIRECTORY, 0);
			if (pfd < 0)
				return -1;
			if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST) {
				close(pfd);
				return -1;
			}
			close(pfd);
			if (slash)
				*slash = '/';
			fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY,
					  0);
		}
		if (fd < 0)
			return -1;
		at += n;
		if (path[at] == '\0')
			return fd;
		close(fd);
		at++;
	}
}

/* Open (creating as needed) the parent directory of name inside rootfd;
 * *base points at the last component. */
static int open_parent(int rootfd, char *name, const char **base)
{
	char *slash = strrchr(name, '/');
	int fd;

	if (!slash) {
		*base = name;
		return open_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0);
	}
	*slash = '\0';
	*base = slash + 1;
	fd = open_in_root(rootfd, name, O_PATH | O_DIRECTORY, 0);
	if (fd < 0 && errno == ENOENT)
		fd = make_dirs(rootfd, name);
	*slash = '/';
	return fd;
}

static int write_data(struct pe_tar_reader *r, int fd, uint64_t size)
{
	char buf[65536];

	while (size) {
		size_t n = size > sizeof(buf) ? sizeof(buf) : (size_t)size;
		if (pe_tar_read_data(r, buf, n) < 0)
			return -1;
		for (size_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += (size_t)w;
		}
		size -= n;
	}
	return 0;
}

static int refuse(struct pe_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct pe_error *err, const char *path, const char *fmt, ...)
{
	char what[TAR_NAME_MAX * 2 + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pe_error_set(err, PE_ERR_PARSE, 0, "%s: refused: %s", path, what);
	pe_error_hint(err, "the archive is hostile or damaged; nothing of it "
			   "is used");
	return -1;
}

static int extract_entry(int rootfd, struct pe_tar_reader *r,
			 struct pe_tar_entry *e, enum pe_tar_mode mode,
			 const struct pe_image_opts *o, struct pe_error *err)
{
	const char *base;
	int pfd, fd, rc = -1;
	struct stat st;
	bool exists;

	pfd = open_parent(rootfd, e->name, &base);
	if (pfd < 0)
		return pe_error_errno(err, "%s: creating the parent of %s",
				      r->path, e->name);
	exists = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	/* Whatever was there (from a lower layer) is replaced, never written
	 * through; a directory stays when a directory replaces it. */
	if (exists && !(e->type == '5' && S_ISDIR(st.st_mode))) {
		if (pe_image_remove_tree(pfd, base) < 0) {
			pe_error_errno(err, "%s: replacing %s", r->path,
				       e->name);
			goto out;
		}
		exists = false;
	}
	switch (e->type) {
	case '0':
	case '7':
		fd = openat(
		    pfd, base,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || write_data(r, fd, e->size) < 0) {
			if (r->over)
				over_budget(r, err);
			else
				pe_error_errno(err, "%s: writing %s", r->path,
					       e->name);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		break;
	case '5':
		if (!exists && mkdirat(pfd, base, 0755) < 0) {
			pe_error_errno(err, "%s: creating %s", r->path,
				       e->name);
			goto out;
		}
		break;
	case '2':
		if (symlinkat(e->link, pfd, base) < 0) {
			pe_error_errno(err, "%s: creating %s", r->path,
				       e->name);
			goto out;
		}
		break;
	case '1': {
		int src =
		    open_in_root(rootfd, e->link, O_PATH, RESOLVE_NO_SYMLINKS);
		if (src < 0 || linkat(src, "", pfd, base, AT_EMPTY_PATH) < 0) {
			pe_error_errno(err, "%s: linking %s to %s", r->path,
				       e->name, e->link);
			if (src >= 0)
				close(src);
			goto out;
		}
		close(src);
		break;
	}
	case '3':
	case '4':
		if (mknodat(pfd, base,
			    (e->type == '3' ? S_IFCHR : S_IFBLK) | 0600,
			    makedev(e->dev_major, e->dev_minor)) < 0) {
			pe_error_errno(err, "%s: creating %s", r->path,
				       e->name);
			goto out;
		}
		break;
	case '6':
		if (mkfifoat(pfd, base, 0600) < 0) {
			pe_error_errno(err, "%s: creating %s", r->path,
				       e->name);
			goto out;
		}
		break;
	default:
		rc = 0; /* sparse, contiguous extras...: not in images */
		goto out;
	}
	(void)o;
	if (mode == PE_TAR_LAYER && e->type != '1') {
		if (fchownat(pfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) <
		    0) {
			pe_error_errno(err, "%s: owning %s", r->path, e->name);
			goto out;
		}
	}
	if (e->type != '2' && e->type != '1' &&
	    fchmodat(pfd, base, e->mode & 07777, 0) < 0) {
		pe_error_errno(err, "%s: mode of %s", r->path, e->name);
		goto out;
	}
	rc = 0;
out:
	close(pfd);
	return rc;
}

static const char *whiteout_of(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return strncmp(base, ".wh.", 4) == 0 ? base : NULL;
}

/*
 * A whiteout ".wh.NAME" removes NAME from the layers below, in the same
 * directory. NAME must be a plain entry name: "" and "." would remove the
 * directory itself and ".." its parent, which for a top-level whiteout is
 * outside the tree being unpacked (the cache). ".wh..wh..opq" is the one
 * marker with a ".wh." name; other ".wh..wh.*" names are aufs bookkeeping
 * that no image should carry.
 */
static bool whiteout_target_ok(const char *wh)
{
	const char *target = wh + 4;

	if (strcmp(wh, ".wh..wh..opq") == 0)
		return true;
	return target[0] != '\0' && strcmp(target, ".") != 0 &&
	       strcmp(target, "..") != 0 && strncmp(target, ".wh.", 4) != 0;
}

/* Check an entry before anything of it is written. */
static int vet_entry(const struct pe_tar_reader *r, struct pe_tar_entry *e,
		     enum pe_tar_mode mode, const struct pe_image_opts *o,
		     struct pe_error *err)
{
	char shown[TAR_NAME_MAX];

	snprintf(shown, sizeof(shown), "%s", e->name);
	if (pe_tar_clean_name(e->name) < 0)
		return refuse(err, r->path, "entry '%s' leaves the root",
			      shown);
	{
		unsigned depth = 1;

		for (const char *c = e->name; *c; c++)
			depth += *c == '/';
		if (depth > PE_IMAGE_MAX_DEPTH)
			return refuse(err, r->path,
				      "entry '%.64s...' is more than %d "
				      "directories deep",
				      shown, PE_IMAGE_MAX_DEPTH);
	}
	/* the declared size, before a byte of it is written */
	if (e->size > r->limit - r->consumed)
		return over_budget(r, err);
	if (mode == PE_TAR_LAYER && whiteout_of(e->name) &&
	    !whiteout_target_ok(whiteout_of(e->name)))
		return refuse(err, r->path,
			      "whiteout '%s' names no entry of its directory",
			      shown);
	if (mode == PE_TAR_LAYOUT && e->type != '0' && e->type != '7' &&
	    e->type != '5')
		return refuse(err, r->path,
			      "entry '%s' is a link or special file in an "
			      "image layout",
			      shown);
	if (e->type == '2' &&
	    !pe_tar_link_inside(e->name, e->link, mode == PE_TAR_LAYER))
		return refuse(err, r->path,
			      "symlink '%s' -> '%s' leaves the root", shown,
			      e->link);
	if (e->type == '1') {
		char target[TAR_NAME_MAX];
		snprintf(target, sizeof(target), "%s", e->link);
		if (pe_tar_clean_name(e->link) < 0 || e->link[0] == '\0')
			return refuse(err, r->path,
				      "hard link '%s' -> '%s' leaves the root",
				      shown, target);
	}
	if ((e->type == '3' || e->type == '4') && !o->allow_device_nodes) {
		refuse(err, r->path, "device node '%s'", shown);
		pe_error_hint(err, "allow them with 'allow-device-nodes = yes' "
				   "in podenter.conf if you trust this image");
		return -1;
	}
	return 0;
}

/* Pass 1 of a layer: what it removes from the layers below. */
static int apply_whiteouts(int rootfd, struct pe_tar_reader *r,
			   const struct pe_image_opts *o, struct pe_error *err)
{
	struct pe_tar_entry e;
	int k;

	while ((k = tar_next(r, &e, err)) == 1) {
		const char *wh;
		char parent[TAR_NAME_MAX];
		int pfd;

		if (vet_entry(r, &e, PE_TAR_LAYER, o, err) < 0)
			return -1;
		wh = whiteout_of(e.name);
		if (!wh)
			continue;
		snprintf(parent, sizeof(parent), "%.*s",
			 (int)(wh - e.name ? wh - e.name - 1 : 0), e.name);
		pfd = open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
		if (pfd < 0)
			continue; /* nothing below to hide */
		if (strcmp(wh, ".wh..wh..opq") == 0) {
			int dup_fd = dup(pfd);
			if (dup_fd < 0 || remove_children(dup_fd) < 0) {
				close(pfd);
				return pe_error_errno(err,
						      "%s: emptying opaque "
						      "directory %s",
						      r->path, parent);
			}
		} else if (pe_image_remove_tree(pfd, wh + 4) < 0) {
			close(pfd);
			return pe_error_errno(err, "%s: whiteout %s", r->path,
					      e.name);
		}
		close(pfd);
	}
	return k;
}

/* Apply the tar stream on fd (consumed); tar_path names it in messages. */
static int apply_tar_fd(int rootfd, int fd, const char *tar_path,
			enum pe_tar_mode mode, const struct pe_image_opts *o,
			struct unpack_budget *budget, struct pe_error *err)
{
	struct pe_tar_reader r = { .read = gz_read,
				   .path = tar_path,
				   .what = "image",
				   .limit = budget->bytes,
				   .limit_shown = budget->max_bytes };
	struct pe_tar_entry e;
	int k, rc = -1;
	gzFile gz = gzdopen(fd, "rb");

	r.ctx = gz;
	if (!gz) {
		close(fd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "reading %s",
				    tar_path);
	}
	gzbuffer(gz, 128 * 1024);
	if (mode == PE_TAR_LAYER) {
		if (apply_whiteouts(rootfd, &r, o, err) < 0)
			goto out;
		if (gzrewind(gz) < 0) {
			pe_error_set(err, PE_ERR_SYSTEM, EIO, "rereading %s",
				     tar_path);
			goto out;
		}
		pe_tar_reader_reset(&r);
	}
	while ((k = tar_next(&r, &e, err)) == 1) {
		if (vet_entry(&r, &e, mode, o, err) < 0)
			goto out;
		if (e.name[0] == '\0' || whiteout_of(e.name))
			continue;
		if (budget->files == 0) {
			refuse(err, tar_path,
			       "the image holds more than %llu entries",
			       (unsigned long long)budget->max_files);
			pe_error_hint(err, "raise 'image-max-files' in "
					   "podenter.conf if you trust it");
			goto out;
		}
		budget->files--;
		if (extract_entry(rootfd, &r, &e, mode, o, err) < 0)
			goto out;
	}
	if (k == 0)
		rc = 0;
	budget->bytes -= r.consumed;
out:
	gzclose(gz);
	return rc;
}

int pe_image_apply_tar(int rootfd, const char *tar_path, enum pe_tar_mode mode,
		       const struct pe_image_opts *o, struct pe_error *err)
{
	struct unpack_budget budget;
	int fd = open(tar_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pe_error_errno(err, "opening %s", tar_path);
	budget_init(&budget, o);
	return apply_tar_fd(rootfd, fd, tar_path, mode, o, &budget, err);
}

/* --- digests ----------------------------------------------------------------
 */

static int sha256_file(int dirfd, const char *rel, char out[65])
{
	unsigned char md[32], buf[65536];
	struct pe_sha256 ctx;
	int fd = open_in_root(dirfd, rel, O_RDONLY, RESOLVE_NO_SYMLINKS);
	ssize_t n;

	if (fd < 0)
		return -1;
	pe_sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		pe_sha256_update(&ctx, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return -1;
	pe_sha256_final(&ctx, md);
	pe_sha256_hex(md, out);
	return 0;
}

/* sha256 of rel's content after gzip decompression (as is when it is not
 * gzip): a docker-save layer's diff_id. At most *budget bytes are read
 * (a bomb); -1 with errno EFBIG past it. */
static int sha256_uncompressed(int dirfd, const char *rel, uint64_t budget,
			       char out[65])
{
	unsigned char md[32], buf[65536];
	struct pe_sha256 ctx;
	int fd = open_in_root(dirfd, rel, O_RDONLY, RESOLVE_NO_SYMLINKS);
	uint64_t total = 0;
	gzFile gz;
	int n;

	if (fd < 0)
		return -1;
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	pe_sha256_init(&ctx);
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		total += (uint64_t)n;
		if (total > budget) {
			gzclose(gz);
			errno = EFBIG;
			return -1;
		}
		pe_sha256_update(&ctx, buf, (size_t)n);
	}
	gzclose(gz);
	if (n < 0) {
		errno = EIO;
		return -1;
	}
	pe_sha256_final(&ctx, md);
	pe_sha256_hex(md, out);
	return 0;
}

static int digest_walk(struct pe_sha256 *ctx, int dfd, const char *prefix)
{
	struct dirent **list = NULL;
	char path[PATH_MAX];
	int n, rc = 0;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		return -1;
	}
	/* scandir wants a path; read names, then sort them ourselves. */
	{
		struct dirent *e;
		size_t cap = 0, len = 0;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if (len == cap) {
				cap = cap ? cap * 2 : 64;
				struct dirent **nl =
				    realloc(list, cap * sizeof(*list));
				if (!nl) {
					rc = -1;
					break;
				}
				list = nl;
			}
			list[len] = malloc(sizeof(struct dirent));
			if (!list[len]) {
				rc = -1;
				break;
			}
			memcpy(list[len], e, sizeof(struct dirent));
			len++;
		}
		n = (int)len;
	}
	if (rc == 0)
		qsort(list, (size_t)n, sizeof(*list),
		      (int (*)(const void *, const void *))alphasort);
	for (int i = 0; i < n && rc == 0; i++) {
		struct stat st;
		char line[PATH_MAX + 256], link[PATH_MAX] = "";
		const char *nm = list[i]->d_name;

		snprintf(path, sizeof(path), "%s/%s", prefix, nm);
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t l =
			    readlinkat(dirfd(d), nm, link, sizeof(link) - 1);
			link[l > 0 ? l : 0] = '\0';
		}
		snprintf(line, sizeof(line), "%s %o %u %u %lld %s\n", path,
			 (unsigned)st.st_mode, (unsigned)st.st_uid,
			 (unsigned)st.st_gid,
			 S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL,
			 link);
		pe_sha256_update(ctx, line, strlen(line));
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), nm,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			if (sub < 0 || digest_walk(ctx, sub, path) < 0)
				rc = -1;
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	closedir(d);
	return rc;
}

int pe_image_tree_digest(int dirfd, char out[65], struct pe_error *err)
{
	unsigned char md[32];
	struct pe_sha256 ctx;
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return pe_error_errno(err, "digesting an unpacked tree");
	pe_sha256_init(&ctx);
	if (digest_walk(&ctx, dfd, "") < 0)
		return pe_error_errno(err, "digesting an unpacked tree");
	pe_sha256_final(&ctx, md);
	pe_sha256_hex(md, out);
	return 0;
}

/* --- the image formats ------------------------------------------------------
 */

static struct json_object *read_json(int dirfd, const char *rel,
				     const char *what, struct pe_error *err)
{
	int fd = open_in_root(dirfd, rel, O_RDONLY, RESOLVE_NO_SYMLINKS);
	struct json_object *j;
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0) {
		pe_error_errno(err, "%s: %s", what, rel);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size > JSON_MAX) {
		close(fd);
		pe_error_set(err, PE_ERR_PARSE, 0, "%s: %s is too big", what,
			     rel);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		pe_error_errno(err, "%s: reading %s", what, rel);
		return NULL;
	}
	buf[n] = '\0';
	j = json_tokener_parse(buf);
	free(buf);
	if (!j)
		pe_error_set(err, PE_ERR_PARSE, 0, "%s: %s is not JSON", what,
			     rel);
	return j;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "sha256:<64 hex>" -> "blobs/sha256/<hex>"; -1 when malformed. */
static int blob_path(const char *digest, char *out, size_t size)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 ||
	    strlen(digest + 7) != 64 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return -1;
	snprintf(out, size, "blobs/sha256/%s", digest + 7);
	return 0;
}

/* A blob whose content does not match its name is refused. */
static int verify_blob(int layout, const char *digest, struct pe_error *err,
		       const char *what)
{
	char rel[128], got[65];

	if (blob_path(digest, rel, sizeof(rel)) < 0)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%s: malformed digest '%s'", what,
				    digest ? digest : "(none)");
	if (sha256_file(layout, rel, got) < 0)
		return pe_error_errno(err, "%s: reading %s", what, rel);
	if (strcmp(got, digest + 7) != 0)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%s: %s does not match its digest", what,
				    rel);
	return 0;
}

static const char *host_arch(void)
{
	struct utsname u;
	static char arch[32];

	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	snprintf(arch, sizeof(arch), "%s", u.machine);
	return arch;
}

struct image_plan {
	char config[128]; /* relative path of the config blob */
	char *layers[LAYERS_MAX]; /* relative paths, in order */
	size_t n_layers;
	char manifest[72]; /* OCI: "sha256:<hex>" of the manifest, else "" */
	/* each layer's checked digest: OCI the blob's, docker-save the
	 * uncompressed tar's (its diff_id) */
	char layer_digest[LAYERS_MAX][65];
};

static void plan_free(struct image_plan *p)
{
	for (size_t i = 0; i < p->n_layers; i++)
		free(p->layers[i]);
	p->n_layers = 0;
}

/* From an index (or nested index) choose this machine's manifest. */
static struct json_object *pick_manifest(int layout, struct json_object *index,
					 const char *what, int depth,
					 char *digest_out, size_t dsize,
					 struct pe_error *err)
{
	struct json_object *mans, *chosen = NULL;

	if (depth > 4 ||
	    !json_object_object_get_ex(index, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array) ||
	    json_object_array_length(mans) == 0) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: index.json lists no manifest", what);
		return NULL;
	}
	for (size_t i = 0; i < json_object_array_length(mans); i++) {
		struct json_object *m = json_object_array_get_idx(mans, i), *pl;
		if (!chosen)
			chosen = m;
		if (json_object_object_get_ex(m, "platform", &pl)) {
			const char *os = jstr(pl, "os"),
				   *ar = jstr(pl, "architecture");
			if (os && ar && strcmp(os, "linux") == 0 &&
			    strcmp(ar, host_arch()) == 0) {
				chosen = m;
				break;
			}
		}
	}
	{
		const char *digest = jstr(chosen, "digest");
		const char *mt = jstr(chosen, "mediaType");
		char rel[128];
		struct json_object *j;

		if (verify_blob(layout, digest, err, what) < 0)
			return NULL;
		blob_path(digest, rel, sizeof(rel));
		j = read_json(layout, rel, what, err);
		if (!j)
			return NULL;
		if ((mt && strstr(mt, "index")) ||
		    (mt && strstr(mt, "manifest.list"))) {
			struct json_object *m = pick_manifest(
			    layout, j, what, depth + 1, digest_out, dsize, err);
			json_object_put(j);
			return m;
		}
		snprintf(digest_out, dsize, "%s", digest);
		return j;
	}
}

static int plan_oci(int layout, const char *what, struct image_plan *p,
		    struct pe_error *err)
{
	struct json_object *index = read_json(layout, "index.json", what, err);
	struct json_object *man, *layers, *cfg;
	char digest[80];
	int rc = -1;

	if (!index)
		return -1;
	man =
	    pick_manifest(layout, index, what, 0, digest, sizeof(digest), err);
	json_object_put(index);
	if (!man)
		return -1;
	snprintf(p->manifest, sizeof(p->manifest), "%s", digest);
	if (!json_object_object_get_ex(man, "config", &cfg) ||
	    verify_blob(layout, jstr(cfg, "digest"), err, what) < 0) {
		if (!err->msg[0])
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s: manifest has no config", what);
		goto out;
	}
	blob_path(jstr(cfg, "digest"), p->config, sizeof(p->config));
	if (!json_object_object_get_ex(man, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		pe_error_set(err, PE_ERR_PARSE, 0, "%s: manifest has no layers",
			     what);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = jstr(l, "mediaType");
		char rel[128];

		if (mt && strstr(mt, "zstd")) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, ENOTSUP,
				     "%s: layer %zu is zstd-compressed", what,
				     i + 1);
			pe_error_hint(err, "re-export the image with gzip "
					   "layers");
			goto out;
		}
		if (p->n_layers == LAYERS_MAX ||
		    verify_blob(layout, jstr(l, "digest"), err, what) < 0)
			goto out;
		blob_path(jstr(l, "digest"), rel, sizeof(rel));
		snprintf(p->layer_digest[p->n_layers],
			 sizeof(p->layer_digest[0]), "%s",
			 jstr(l, "digest") + 7);
		p->layers[p->n_layers] = strdup(rel);
		if (!p->layers[p->n_layers])
			goto out;
		p->n_layers++;
	}
	rc = 0;
out:
	json_object_put(man);
	return rc;
}

/* `docker save`: manifest.json names the config and the layer tars by
 * their paths in the archive. */
static int plan_docker(int layout, const char *what, struct image_plan *p,
		       struct pe_error *err)
{
	struct json_object *man = read_json(layout, "manifest.json", what, err);
	struct json_object *first, *layers;
	const char *cfg;
	int rc = -1;

	if (!man)
		return -1;
	if (!json_object_is_type(man, json_type_array) ||
	    json_object_array_length(man) == 0) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: manifest.json names no image", what);
		goto out;
	}
	if (json_object_array_length(man) > 1) {
		pe_error_set(err, PE_ERR_USAGE, 0, "%s holds %zu images", what,
			     json_object_array_length(man));
		pe_error_hint(err, "save one image per tarball");
		goto out;
	}
	first = json_object_array_get_idx(man, 0);
	cfg = jstr(first, "Config");
	if (!cfg || strlen(cfg) >= sizeof(p->config)) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: manifest.json has no Config", what);
		goto out;
	}
	snprintf(p->config, sizeof(p->config), "%s", cfg);
	if (pe_tar_clean_name(p->config) < 0) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: refused: Config path '%s' leaves the archive",
			     what, cfg);
		goto out;
	}
	if (!json_object_object_get_ex(first, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: manifest.json has no Layers", what);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		const char *l = json_object_get_string(
		    json_object_array_get_idx(layers, i));
		if (!l || p->n_layers == LAYERS_MAX)
			goto out;
		p->layers[p->n_layers] = strdup(l);
		if (!p->layers[p->n_layers])
			goto out;
		if (pe_tar_clean_name(p->layers[p->n_layers++]) < 0) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s: refused: layer path '%s' leaves the "
				     "archive",
				     what, l);
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(man);
	return rc;
}

/*
 * docker-save names its layers by path: each layer's uncompressed content
 * must be what the config's rootfs.diff_ids says it is, in order, so the
 * layers are the ones the config (whose digest is checked) describes.
 */
static int verify_docker_layers(int layout, const char *what,
				struct image_plan *p, uint64_t max_bytes,
				struct pe_error *err)
{
	struct json_object *cfg = read_json(layout, p->config, what, err);
	struct json_object *rootfs, *ids;
	int rc = -1;

	if (!cfg)
		return -1;
	if (!json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &ids) ||
	    !json_object_is_type(ids, json_type_array) ||
	    json_object_array_length(ids) != p->n_layers) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s: refused: the config's rootfs.diff_ids do not "
			     "list the %zu layers of manifest.json",
			     what, p->n_layers);
		goto out;
	}
	for (size_t i = 0; i < p->n_layers; i++) {
		const char *want =
		    json_object_get_string(json_object_array_get_idx(ids, i));

		if (sha256_uncompressed(layout, p->layers[i], max_bytes,
					p->layer_digest[i]) < 0) {
			if (errno == EFBIG) {
				pe_error_set(err, PE_ERR_PARSE, 0,
					     "%s: refused: layer %s unpacks "
					     "to more than %llu bytes",
					     what, p->layers[i],
					     (unsigned long long)max_bytes);
				pe_error_hint(err, "a decompression bomb, or a "
						   "very big image: raise "
						   "'image-max-bytes' in "
						   "podenter.conf if you "
						   "trust it");
			} else {
				pe_error_errno(err, "%s: reading layer %s",
					       what, p->layers[i]);
			}
			goto out;
		}
		if (!want || strncmp(want, "sha256:", 7) != 0 ||
		    strcmp(want + 7, p->layer_digest[i]) != 0) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s: refused: layer %s does not match "
				     "the config's diff_id %s",
				     what, p->layers[i],
				     want ? want : "(none)");
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(cfg);
	return rc;
}

/* --- the cache -------------------------------------------------------------
 */

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Open the cache directory, making it (0700) when it is missing. One that
 * exists must look like podenter made it: a directory, not a symlink,
 * owned by this user and writable by no one else; anyone else who can
 * write there could plant a tree that sessions would run as tools.
 */
static int open_cache(const char *cache_dir, struct pe_error *err)
{
	struct stat st;
	int fd;

	if (mkdir_p(cache_dir, 0700) < 0)
		return pe_error_errno(err, "creating the cache %s", cache_dir);
	fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR) {
			pe_error_set(err, PE_ERR_USAGE, errno,
				     "refused: the cache %s is a symlink or "
				     "not a directory",
				     cache_dir);
			pe_error_hint(err, "point cache-dir in podenter.conf "
					   "at a directory of root's");
			return -1;
		}
		return pe_error_errno(err, "opening the cache %s", cache_dir);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return pe_error_errno(err, "opening the cache %s", cache_dir);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		pe_error_set(err, PE_ERR_USAGE, EPERM,
			     "refused: the cache %s is %s (owner uid %u, mode "
			     "%04o), not podenter's own",
			     cache_dir,
			     st.st_uid != geteuid() ? "owned by another user"
						    : "writable by others",
			     (unsigned)st.st_uid,
			     (unsigned)(st.st_mode & 07777));
		pe_error_hint(err, "remove it (podenter makes it, mode 0700), "
				   "or point cache-dir in podenter.conf "
				   "elsewhere");
		return -1;
	}
	return fd;
}

/* The cache key: what makes the tree, every piece by its checked digest. */
static void cache_key(const struct image_plan *p, const char *cfg_digest,
		      char out[65])
{
	struct pe_sha256 ctx;
	unsigned char md[32];
	char line[128];

	pe_sha256_init(&ctx);
	snprintf(line, sizeof(line), "podenter image cache 2\nmanifest %s\n",
		 p->manifest);
	pe_sha256_update(&ctx, line, strlen(line));
	snprintf(line, sizeof(line), "config sha256:%s\n", cfg_digest);
	pe_sha256_update(&ctx, line, strlen(line));
	for (size_t i = 0; i < p->n_layers; i++) {
		snprintf(line, sizeof(line), "layer sha256:%s\n",
			 p->layer_digest[i]);
		pe_sha256_update(&ctx, line, strlen(line));
	}
	pe_sha256_final(&ctx, md);
	pe_sha256_hex(md, out);
}

/* A cached copy is usable when its recorded shape matches what is there. */
static bool cache_valid(int cachefd, const char *key)
{
	char rel[128], recorded[80] = "", now[65];
	int kfd, rfd, fd;
	ssize_t n;
	struct pe_error ignored = { 0 };
	bool ok = false;

	kfd = openat(cachefd, key,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kfd < 0)
		return false;
	fd = openat(kfd, "tree.sha256", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, recorded, sizeof(recorded) - 1);
		recorded[n > 0 ? n : 0] = '\0';
		recorded[strcspn(recorded, "\n")] = '\0';
		close(fd);
	}
	snprintf(rel, sizeof(rel), "rootfs");
	rfd = openat(kfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd >= 0 && recorded[0] &&
	    pe_image_tree_digest(rfd, now, &ignored) == 0)
		ok = strcmp(now, recorded) == 0;
	if (rfd >= 0)
		close(rfd);
	close(kfd);
	return ok;
}

static int unpack_layout(int layout, const char *what, const char *cache_dir,
			 int cachefd, const struct pe_image_opts *o,
			 struct unpack_budget *budget,
			 struct pe_image_result *res, struct pe_error *err)
{
	struct image_plan *plan_mem = calloc(1, sizeof(*plan_mem));
	char cfg_digest[65], tmpname[128] = "", digest[65], key[65];
	int tmpfd = -1, rootfd = -1, fd, rc = -1;

	if (!plan_mem)
		return pe_error_errno(err, "planning %s", what);
#define plan (*plan_mem)

	if (plan_oci(layout, what, &plan, err) < 0) {
		struct pe_error first = *err;
		int fd_json = open_in_root(layout, "manifest.json", O_PATH, 0);
		if (fd_json < 0) {
			*err = first;
			goto out;
		}
		close(fd_json);
		plan_free(&plan);
		pe_error_clear(err);
		if (plan_docker(layout, what, &plan, err) < 0 ||
		    verify_docker_layers(layout, what, &plan, budget->bytes,
					 err) < 0)
			goto out;
	}
	if (sha256_file(layout, plan.config, cfg_digest) < 0) {
		pe_error_errno(err, "%s: reading the image config %s", what,
			       plan.config);
		goto out;
	}
	cache_key(&plan, cfg_digest, key);
	snprintf(res->key, sizeof(res->key), "%s", key);
	snprintf(res->rootfs, sizeof(res->rootfs), "%s/%s/rootfs", cache_dir,
		 key);
	if (cache_valid(cachefd, key)) {
		res->reused = true;
		rc = 0;
		goto out;
	}
	snprintf(tmpname, sizeof(tmpname), ".unpack-%s-%d", key, (int)getpid());
	(void)pe_image_remove_tree(cachefd, tmpname);
	if (mkdirat(cachefd, tmpname, 0700) < 0 ||
	    (tmpfd = openat(cachefd, tmpname,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		0 ||
	    mkdirat(tmpfd, "rootfs", 0755) < 0 ||
	    (rootfd = openat(tmpfd, "rootfs",
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		0) {
		pe_error_errno(err, "creating %s/%s", cache_dir, tmpname);
		goto out;
	}
	for (size_t i = 0; i < plan.n_layers; i++) {
		int lfd = open_in_root(layout, plan.layers[i], O_RDONLY,
				       RESOLVE_NO_SYMLINKS);
		if (lfd < 0) {
			pe_error_errno(err, "%s: layer %s", what,
				       plan.layers[i]);
			goto out;
		}
		if (apply_tar_fd(rootfd, lfd, plan.layers[i], PE_TAR_LAYER, o,
				 budget, err) < 0) {
			pe_error_wrap(err, "%s: layer %zu", what, i + 1);
			goto out;
		}
	}
	if (pe_image_tree_digest(rootfd, digest, err) < 0)
		goto out;
	fd = openat(tmpfd, "tree.sha256",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", digest) < 0 || fsync(fd) < 0) {
		pe_error_errno(err, "recording the unpacked tree");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* Replace a damaged copy (or lose a race to another podenter that
	 * unpacked the same image: then use its copy). */
	if (faccessat(cachefd, key, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		char old[160];
		snprintf(old, sizeof(old), ".old-%s-%d", key, (int)getpid());
		if (cache_valid(cachefd, key)) {
			res->reused = true;
			rc = 0;
			goto out;
		}
		if (renameat(cachefd, key, cachefd, old) == 0)
			(void)pe_image_remove_tree(cachefd, old);
		res->rebuilt = true;
	}
	if (renameat(cachefd, tmpname, cachefd, key) < 0) {
		/* another podenter renamed its copy in meanwhile: use it */
		if ((errno == ENOTEMPTY || errno == EEXIST) &&
		    cache_valid(cachefd, key)) {
			res->reused = true;
			rc = 0;
			goto out;
		}
		pe_error_errno(err, "moving the unpacked image into %s",
			       cache_dir);
		goto out;
	}
	tmpname[0] = '\0';
	rc = 0;
out:
	if (cachefd >= 0 && tmpname[0] && rc < 0)
		(void)pe_image_remove_tree(cachefd, tmpname);
	else if (cachefd >= 0 && tmpname[0] && res->reused)
		(void)pe_image_remove_tree(cachefd, tmpname);
	close_fd(&rootfd);
	close_fd(&tmpfd);
	plan_free(&plan);
#undef plan
	free(plan_mem);
	return rc;
}

int pe_image_from_tarball(const char *tarball, const struct pe_image_opts *o,
			  struct pe_image_result *res, struct pe_error *err)
{
	const char *cache_dir =
	    o->cache_dir ? o->cache_dir : PE_IMAGE_CACHE_DEFAULT;
	char scratch[PATH_MAX];
	struct unpack_budget budget;
	int sfd = -1, rc = -1, cachefd, tfd;

	memset(res, 0, sizeof(*res));
	budget_init(&budget, o);
	cachefd = open_cache(cache_dir, err);
	if (cachefd < 0)
		return -1;
	/* The outer archive is unpacked (files only) into scratch space in
	 * the cache's file system, then its layers are applied. */
	snprintf(scratch, sizeof(scratch), "%s/.layout-XXXXXX", cache_dir);
	if (!mkdtemp(scratch)) {
		close(cachefd);
		return pe_error_errno(err, "creating scratch space in %s",
				      cache_dir);
	}
	sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0) {
		pe_error_errno(err, "opening %s", scratch);
		goto out;
	}
	tfd = open(tarball, O_RDONLY | O_CLOEXEC);
	if (tfd < 0) {
		pe_error_errno(err, "opening %s", tarball);
		goto out;
	}
	if (apply_tar_fd(sfd, tfd, tarball, PE_TAR_LAYOUT, o, &budget, err) < 0)
		goto out;
	rc = unpack_layout(sfd, tarball, cache_dir, cachefd, o, &budget, res,
			   err);
out:
	close_fd(&sfd);
	(void)pe_image_remove_tree(cachefd, strrchr(scratch, '/') + 1);
	close(cachefd);
	return rc;
}

/* Run argv with stdout and stderr to errfd; returns exit status or -1. */
static int run_quiet(char *const argv[], int errfd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int pe_image_from_runtime(const char *ref, const struct pe_image_opts *o,
			  struct pe_image_result *res, struct pe_error *err)
{
	const char *cache_dir =
	    o->cache_dir ? o->cache_dir : PE_IMAGE_CACHE_DEFAULT;
	static const char *const namespaces[] = { "k8s.io", "default" };
	char out[PATH_MAX], log[PATH_MAX], said[512] = "";
	int logfd, rc = -1;
	bool exported = false;

	memset(res, 0, sizeof(*res));
	if (!ref[0] || ref[0] == '-')
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "bad image reference '%s'", ref);
	logfd = open_cache(cache_dir, err);
	if (logfd < 0)
		return -1;
	close(logfd);
	snprintf(out, sizeof(out), "%s/.export-%d.tar", cache_dir,
		 (int)getpid());
	snprintf(log, sizeof(log), "%s/.export-%d.log", cache_dir,
		 (int)getpid());
	logfd = open(log, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return pe_error_errno(err, "creating %s", log);
	unlink(log);
	for (size_t i = 0; i < 2 && !exported; i++) {
		char *argv[10];
		int n = 0;
		argv[n++] = (char *)"ctr";
		if (o->containerd_address) {
			argv[n++] = (char *)"--address";
			argv[n++] = (char *)o->containerd_address;
		}
		argv[n++] = (char *)"-n";
		argv[n++] = (char *)namespaces[i];
		argv[n++] = (char *)"images";
		argv[n++] = (char *)"export";
		argv[n++] = out;
		argv[n++] = (char *)ref;
		argv[n] = NULL;
		if (ftruncate(logfd, 0) == 0 &&
		    lseek(logfd, 0, SEEK_SET) == 0 &&
		    run_quiet(argv, logfd) == 0)
			exported = true;
	}
	if (!exported) {
		char *argv[] = { (char *)"podman",   (char *)"save",
				 (char *)"--format", (char *)"oci-archive",
				 (char *)"-o",	     out,
				 (char *)ref,	     NULL };
		int k;
		ssize_t n;
		lseek(logfd, 0, SEEK_SET);
		n = read(logfd, said, sizeof(said) - 1);
		said[n > 0 ? n : 0] = '\0';
		said[strcspn(said, "\n")] = '\0';
		unlink(out);
		k = run_quiet(argv, logfd);
		exported = k == 0;
	}
	close(logfd);
	if (!exported) {
		unlink(out);
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "image '%s' is not available from the node's "
			     "runtime",
			     ref);
		if (said[0])
			pe_error_hint(err, "ctr said: %s", said);
		pe_error_hint(err, "pull it on the node first (ctr -n k8s.io "
				   "images pull), or use --tools "
				   "FILE.tar, a directory, host or builtin");
		return -1;
	}
	rc = pe_image_from_tarball(out, o, res, err);
	unlink(out);
	return rc;
}
