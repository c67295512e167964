/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: /proc/self/mountinfo as read by --join-cgroup to find
 * the cgroup hierarchies (mount points may hold any bytes a mounter chose).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/cgroupjoin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const wanted[] = { "cpu",	    "cpu,cpuacct",
					      "memory",	    "name=systemd",
					      "pids,,",	    "",
					      "misc,memory" };
	char *text = malloc(size + 1);
	char out[512], tiny[2];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		pe_cgroup_mount_for(text, wanted[i], false, out, sizeof(out));
		pe_cgroup_mount_for(text, wanted[i], true, tiny, sizeof(tiny));
	}
	free(text);
	return 0;
}
