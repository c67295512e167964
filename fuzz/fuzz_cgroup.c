/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: /proc/PID/cgroup content as a hostile container could
 * shape it (its cgroup names are chosen by whoever creates the cgroups),
 * and each line as the name of a child of a pod's cgroup (podenter's
 * stale-leaf removal reads those: cgroupjoin.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/cgroup.h"
#include "podenter/cgroupjoin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_cgroup_info info;
	char *text = malloc(size + 1);
	char path[4096];
	const char *nl;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	pe_cgroup_parse_file(text, &info);
	/* the first line, as a bare path */
	nl = strchr(text, '\n');
	if (nl) {
		char *first = strndup(text, (size_t)(nl - text));

		if (first) {
			pe_cgroup_parse_path(first, &info);
			/* the rest of the input is the id asked about */
			pe_cgroup_names_id(nl + 1, first);
			pe_cgroup_path_of(nl + 1, first, path, sizeof(path));
			pe_cgroup_path_of(nl + 1, first, path, 1);
			free(first);
		}
	} else {
		pe_cgroup_parse_path(text, &info);
	}
	/* every line, as pe_note_paused reads it */
	for (const char *line = text; *line;) {
		char files[PE_CGROUP_FREEZER_FILES][4400];
		const char *frozen;
		size_t len = strcspn(line, "\n");

		char *name = strndup(line, len);
		pid_t owner;

		pe_cgroup_freezer_files(line, len, files, &frozen);
		if (name) {
			pe_cgroup_leaf_owner(name, &owner);
			free(name);
		}
		line += len;
		if (*line)
			line++;
	}
	if (info.container_id[0]) {
		pe_cgroup_names_id(text, info.container_id);
		pe_cgroup_path_of(text, info.container_id, path, sizeof(path));
	}
	free(text);
	return 0;
}
