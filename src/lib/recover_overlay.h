/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the readers of overlay layer stores share (recover_docker.c:
 * Docker's overlay2; recover_storage.c: containers/storage's overlay, the
 * same driver's descendant): one rule for an id, for a strict JSON
 * document, for a small id file and for the chain a layer's "lower" file
 * names. Written once, in recover_docker.c.
 */
#ifndef PODENTER_RECOVER_OVERLAY_H
#define PODENTER_RECOVER_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "podenter/error.h"
#include "podenter/recover.h"

#include <json-c/json.h>

/* Exactly 64 lower-case hex digits (len of them): a Docker or
 * containers/storage id of a container, a layer or an image. */
bool pe_recover_hex64(const char *s, size_t len);

/* One JSON object filling buf[0..len) (white space after it only), or
 * NULL. The caller puts it. */
struct json_object *pe_recover_parse_strict(const char *buf, size_t len);
/* The same for a document of another type (an array). */
struct json_object *pe_recover_parse_strict_as(const char *buf, size_t len,
					       json_type type);

/* A small id file (at most 256 bytes; a trailing newline or space is
 * dropped) beneath rootfd, no symbolic link followed, into buf. -1 with
 * errno (ENOENT stays for the caller, EFBIG when it does not fit). */
int pe_recover_read_id_file(int rootfd, const char *rel, char *buf,
			    size_t size);

/* RFC 3339 with an optional fraction, in UTC ("Z") or with a zone offset
 * ("+01:00"), as Go writes time.Time, into Unix nanoseconds; 0 for Go's
 * zero time, anything else, or a time out of range. */
long long pe_recover_rfc3339_ns(const char *s);

/*
 * The overlay driver's own record of a layer's chain,
 * <driver_dir>/<mount_id>/lower ("l/SHORT:l/SHORT:...", top first, each
 * SHORT being a layer's <driver_dir>/<layer>/link), must name the layers
 * of c->lowerdirs ("<rel_root>/<driver_dir>/<layer>/diff") in the same
 * order, no more and no fewer: what the runtime mounted is what copy
 * mounts. rootfd is the directory rel_root names. -1 with err.
 */
int pe_recover_check_lower(int rootfd, const char *driver_dir,
			   const char *mount_id,
			   const struct pe_recovered_container *c,
			   const char *rel_root, struct pe_error *err);

#endif
