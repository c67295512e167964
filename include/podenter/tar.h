/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tar format, and only the format: reading entries (ustar, pax extended
 * headers, GNU long names and links, base-256 numbers) from a stream the
 * caller supplies, and writing ustar entries with pax records where a field
 * does not fit. No file is created or opened here: image.c (tools images)
 * and cp.c (podenter cp) do every file operation themselves, beneath a root
 * fd. Archives are hostile input: every length is bounded, names are
 * returned as found (clean them with pe_tar_clean_name before use).
 */
#ifndef PODENTER_TAR_H
#define PODENTER_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "podenter/error.h"

#define PE_TAR_NAME_MAX 4096 /* a name or link target, with its NUL */
#define PE_TAR_PAX_MAX (64 * 1024) /* an extended header's records */

struct pe_tar_entry {
	char name[PE_TAR_NAME_MAX];
	char link[PE_TAR_NAME_MAX];
	char type; /* '0' file, '1' hard link, '2' symlink, '5' dir, ... */
	mode_t mode; /* permission bits only (07777) */
	uid_t uid;
	gid_t gid;
	uint64_t size; /* data bytes that follow (0 but for files) */
	int64_t mtime; /* seconds */
	unsigned int dev_major, dev_minor;
};

struct pe_tar_reader {
	/* the stream: bytes read (0 at its end), or -1 */
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	void *ctx;
	const char *path; /* names the stream in messages */
	const char *what; /* "archive" (default) or "image": messages */
	uint64_t limit; /* at most this many bytes read (UINT64_MAX: any) */
	uint64_t limit_shown; /* the limit messages name (0: limit) */
	/* state */
	uint64_t skip; /* data + padding of the current entry left unread */
	uint64_t consumed; /* bytes read so far */
	bool seen_header;
	bool over; /* a read went past the limit */
};

/* Forget the position (after the caller rewound the stream). */
void pe_tar_reader_reset(struct pe_tar_reader *r);

/* The next entry: 1, the end of the archive: 0, an error: -1 (err set;
 * r->over when it was the limit). The unread data of the previous entry is
 * skipped first. */
int pe_tar_next(struct pe_tar_reader *r, struct pe_tar_entry *e,
		struct pe_error *err);

/* Read n bytes of the current entry's data (n <= what is left of it).
 * 0, or -1 (truncated stream or past the limit: r->over). */
int pe_tar_read_data(struct pe_tar_reader *r, void *buf, size_t n);

/* The message for a read past the limit, into err. Returns -1. */
int pe_tar_over_limit(const struct pe_tar_reader *r, struct pe_error *err);

/*
 * Clean an entry name in place: "./a//b/" -> "a/b". -1 when it is absolute
 * or has a ".." component (it would leave the directory it is unpacked
 * into). "" (the archive's root itself) is a valid result.
 */
int pe_tar_clean_name(char *name);

/*
 * Whether a symlink at entry `name` pointing at `target` stays inside the
 * root when resolved lexically. Absolute targets count as inside only
 * when allow_absolute (a layer's links resolve in the image's own root).
 */
bool pe_tar_link_inside(const char *name, const char *target,
			bool allow_absolute);

struct pe_tar_writer {
	int fd; /* where the archive goes (a pipe, a file) */
	uint64_t written; /* bytes of archive written */
};

/* Write e's header (a pax extended header first when the name, the link,
 * the size, an owner or the time do not fit ustar's fields). The caller
 * then writes e->size bytes of data to w->fd and calls pe_tar_write_pad. */
int pe_tar_write_header(struct pe_tar_writer *w, const struct pe_tar_entry *e,
			struct pe_error *err);

/* Pad the data of size bytes just written to the block size. */
int pe_tar_write_pad(struct pe_tar_writer *w, uint64_t size,
		     struct pe_error *err);

/* The end of the archive: two zero blocks. */
int pe_tar_write_end(struct pe_tar_writer *w, struct pe_error *err);

#endif
