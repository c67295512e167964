/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 (FIPS 180-4), for image blob digests and the cache's tree digest.
 * Our own, so that no podenter run loads libcrypto (~1 ms of relocations at
 * every start) for the one hash image unpacking needs.
 */
#ifndef PODENTER_SHA256_H
#define PODENTER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pe_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	unsigned char block[64];
	size_t used; /* bytes waiting in block */
};

void pe_sha256_init(struct pe_sha256 *s);
void pe_sha256_update(struct pe_sha256 *s, const void *data, size_t len);
void pe_sha256_final(struct pe_sha256 *s, unsigned char out[32]);
/* Lower-case hex of the digest, NUL-terminated. */
void pe_sha256_hex(const unsigned char digest[32], char out[65]);

#endif
