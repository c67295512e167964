/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: containers/storage's containers.json (podman's names
 * and image names), then the same bytes as a cgroupsPath and as a
 * config.json filled against that index. Container names are the user's.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"
#include "runtime/podman.h"
#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_podman_index ix = { 0 };
	struct pe_container_list l = { 0 };
	struct json_object *cfg;
	struct pe_container *c;
	const char *name, *image;
	char pod[65];
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	(void)pe_podman_index_add_json(&ix, buf);
	pe_podman_index_lookup(&ix, buf, &name, &image);
	(void)pe_podman_pod_of_cgroups_path(buf, pod);

	cfg = json_tokener_parse(buf);
	if (cfg) {
		for (int i = 0; i < 2; i++) {
			c = pe_list_add(&l);
			if (!c)
				break;
			c->container_id = strdup(i ? "infra" : buf);
			(void)pe_podman_fill(c, cfg, &ix);
		}
		json_object_put(cfg);
		(void)pe_podman_link_pods(&l, 0);
	}
	pe_list_free(&l);
	pe_podman_index_free(&ix);
	free(buf);
	return 0;
}
