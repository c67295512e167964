/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the one-pass reader of a bundle's config.json
 * (runtime/ocipick.c) against json-c's reading of the same bytes. The
 * picker may be unsure of anything; whatever it reads, json-c must read
 * too, into the same record and environment, or the run aborts. The
 * annotations and the environment come from the pod spec: their content
 * is the user's.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"
#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_container a, b;
	char *buf = malloc(size + 1);
	size_t i;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	r = pe_containerd_record_pick(buf, &a);
	if (r == 0 && (a.pod || a.config_env))
		abort(); /* unsure, yet something filled in */
	if (r == 1) {
		if (pe_containerd_record_from_json(buf, &b) != 0)
			abort(); /* read what json-c refuses */
		if (a.is_sandbox != b.is_sandbox ||
		    differ(a.sandbox_id, b.sandbox_id) ||
		    differ(a.namespace, b.namespace) || differ(a.pod, b.pod) ||
		    differ(a.pod_uid, b.pod_uid) || differ(a.image, b.image) ||
		    differ(a.container, b.container) || !a.config_env ||
		    !b.config_env)
			abort();
		for (i = 0; a.config_env[i] && b.config_env[i]; i++)
			if (strcmp(a.config_env[i], b.config_env[i]) != 0)
				abort();
		if (a.config_env[i] || b.config_env[i])
			abort();
	}
	pe_container_clear(&a);
	pe_container_clear(&b);
	free(buf);
	return 0;
}
