/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: an image archive's JSON (OCI index.json and the
 * manifests and configs it points to, docker save's manifest.json), as
 * --tools IMAGE.tar reads them. The input is two parts split at the first
 * NUL byte: A, written as index.json and as manifest.json, and B, a blob
 * stored under its sha256 digest; "@@D@@" in A becomes "sha256:<B's
 * digest>", so A can reach B (a manifest, a config, a nested index)
 * through digest checks the fuzzer could not satisfy by itself. The
 * archive is built in memory and unpacked into a scratch cache, which is
 * removed after each input.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/error.h"
#include "podenter/image.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[4096];
static int basefd = -1;

static void tar_file(int fd, const char *name, const void *body, size_t len)
{
	unsigned char h[512] = { 0 };
	static const unsigned char zero[512];
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	memcpy(h + 136, "00000000000", 12);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    write(fd, body, len) != (ssize_t)len ||
	    write(fd, zero, (512 - len % 512) % 512) !=
		(ssize_t)((512 - len % 512) % 512))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zero[1024];
	const uint8_t *nul = memchr(data, 0, size);
	size_t alen = nul ? (size_t)(nul - data) : size;
	const uint8_t *b = nul ? nul + 1 : (const uint8_t *)"";
	size_t blen = nul ? size - alen - 1 : 0;
	struct pe_image_opts opts = { 0 };
	struct pe_image_result res;
	struct pe_sha256 ctx;
	unsigned char digest[32];
	char hex[65], blob[128], cache[4200], path[64], *a, *p;
	struct pe_error err;
	int memfd;

	if (basefd < 0) {
		const char *tmp = getenv("TMPDIR");

		snprintf(base, sizeof(base), "%s/fuzz_image_index.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(base))
			abort();
		basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (basefd < 0)
			abort();
	}
	pe_sha256_init(&ctx);
	pe_sha256_update(&ctx, b, blen);
	pe_sha256_final(&ctx, digest);
	pe_sha256_hex(digest, hex);

	/* A with each "@@D@@" replaced by the digest (at most 16 times) */
	a = malloc(alen * 16 + 16 * 80 + 1);
	if (!a)
		return 0;
	p = a;
	for (size_t i = 0, n = 0; i < alen;) {
		if (n < 16 && alen - i >= 5 &&
		    memcmp(data + i, "@@D@@", 5) == 0) {
			p += sprintf(p, "sha256:%s", hex);
			i += 5;
			n++;
		} else {
			*p++ = (char)data[i++];
		}
	}

	memfd = memfd_create("image", MFD_CLOEXEC);
	if (memfd < 0) {
		free(a);
		return 0;
	}
	tar_file(memfd, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	tar_file(memfd, "index.json", a, (size_t)(p - a));
	tar_file(memfd, "manifest.json", a, (size_t)(p - a));
	snprintf(blob, sizeof(blob), "blobs/sha256/%s", hex);
	tar_file(memfd, blob, b, blen);
	if (write(memfd, zero, sizeof(zero)) != (ssize_t)sizeof(zero))
		abort();
	free(a);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	snprintf(cache, sizeof(cache), "%s/cache", base);
	opts.cache_dir = cache;
	pe_error_clear(&err);
	(void)pe_image_from_tarball(path, &opts, &res, &err);
	close(memfd);
	if (pe_image_remove_tree(basefd, "cache") < 0 && errno != ENOENT)
		abort();
	return 0;
}
