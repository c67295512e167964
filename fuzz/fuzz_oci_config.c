/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: an OCI config.json as containerd, CRI-O or podman wrote
 * it, fed through the same annotation readers the node scans use, and the
 * reader of its process.env (the session's default environment). The
 * annotations and the environment come from the pod spec, so their content
 * is the user's.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"
#include "podenter/exec.h"
#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_container c;
	struct pe_env env = { 0 };
	struct pe_error err;
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

	pe_error_clear(&err);
	if (pe_env_from_config_json(&env, buf, &err) == 0) {
		for (size_t i = 0; i < env.len; i++)
			if (!strchr(env.v[i], '=') || env.v[i][0] == '=')
				abort();
		if (env.len && env.v[env.len])
			abort();
	}
	pe_env_free(&env);
	free(buf);
	return 0;
}
