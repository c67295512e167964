/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: file names under /var/log/containers and /var/log/pods.
 * A pod's name and namespace end up in those names, so they are input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_kubelet_log_name ln;
	char ns[64], pod[254], uid[64], small[4];
	char *name = malloc(size + 1);

	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';

	pe_kubelet_parse_log_name(name, &ln);
	pe_kubelet_parse_pod_dir(name, ns, sizeof(ns), pod, sizeof(pod), uid,
				 sizeof(uid));
	/* buffers too small for any real name must be refused, not overrun */
	pe_kubelet_parse_pod_dir(name, small, sizeof(small), small,
				 sizeof(small), small, sizeof(small));
	free(name);
	return 0;
}
