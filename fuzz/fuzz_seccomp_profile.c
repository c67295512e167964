/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: --seccomp FILE, an OCI or Docker JSON profile, through
 * the translator that builds the libseccomp filter (nothing is loaded).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_error err;
	void *filter = NULL;
	char *buf = malloc(size + 1);
	pe_capset caps = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* the first byte picks which capabilities the session holds, so the
	 * includes/excludes paths are both taken */
	if (size)
		caps = (pe_capset)data[0] * 0x0101010101ull;
	pe_error_clear(&err);
	if (pe_seccomp_from_json(buf, "fuzz", caps, &filter, &err) == 0)
		pe_seccomp_filter_free(filter);
	free(buf);
	return 0;
}
