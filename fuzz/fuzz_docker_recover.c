/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: Docker's config.v2.json and hostconfig.json as `podenter
 * copy` reads them (pe_recover_docker_parse): the input is the two files
 * joined by one NUL byte (no NUL: config.v2.json alone). What comes out,
 * the built spec, goes through copy's spec parser as copy would take it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/copy.h"
#include "podenter/recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t clen = nul ? (size_t)(nul - data) : size;
	struct pe_recovered_container c;
	struct pe_copy_spec spec;
	struct pe_error err;

	memset(&c, 0, sizeof(c));
	pe_error_clear(&err);
	if (pe_recover_docker_parse((const char *)data, clen,
				    nul ? (const char *)nul + 1 : NULL,
				    nul ? size - clen - 1 : 0, &c, &err) == 0) {
		memset(&spec, 0, sizeof(spec));
		if (pe_copy_spec_parse(c.spec_json, &spec, &err) == 0)
			pe_copy_spec_clear(&spec);
	}
	pe_recovered_container_clear(&c);
	return 0;
}
