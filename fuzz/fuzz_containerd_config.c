/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: containerd's config.toml, for the top-level `root`
 * recover.c looks for (the containerd root moved elsewhere).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), out[4096];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (pe_containerd_root_from_config(buf, out, sizeof(out)) &&
	    (out[0] != '/' || strlen(out) >= sizeof(out)))
		abort();
	free(buf);
	return 0;
}
