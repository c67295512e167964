/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: an OCI config.json as containerd, CRI-O or podman wrote
 * it, fed through the same annotation readers the node scans use. The
 * annotations come from the pod spec, so their content is the user's.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"
#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_container c;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	memset(&c, 0, sizeof(c));
	pe_containerd_record_from_json(buf, &c);
	pe_container_state(&c);
	pe_container_clear(&c);

	memset(&c, 0, sizeof(c));
	pe_crio_record_from_json(buf, &c);
	pe_container_clear(&c);
	free(buf);
	return 0;
}
