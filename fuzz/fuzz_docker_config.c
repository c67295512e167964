/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: Docker's config.v2.json, read by the node scan from
 * /var/lib/docker/containers/<id>/ under a host root. Its labels and names
 * come from the pod spec (cri-dockerd), so their content is the user's.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/hostroot.h"
#include "podenter/resolve.h"
#include "runtime/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID "6f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c"

static char root[4096];
static struct pe_hostroot hr;
static int ready;

static void mkdirs(const char *base, const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_container_list list;
	struct pe_error err;
	char file[4200];
	int fd;

	if (!ready) {
		const char *tmp = getenv("TMPDIR");

		snprintf(root, sizeof(root), "%s/fuzz_docker_config.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(root))
			abort();
		mkdirs(root, "var/lib/docker/containers/" ID);
		pe_error_clear(&err);
		if (pe_hostroot_open(&hr, root, &err) < 0)
			abort();
		ready = 1;
	}
	snprintf(file, sizeof(file),
		 "%s/var/lib/docker/containers/" ID "/config.v2.json", root);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	memset(&list, 0, sizeof(list));
	pe_error_clear(&err);
	(void)pe_scan_docker(&hr, NULL, &list, NULL, &err);
	for (size_t i = 0; i < list.len; i++)
		pe_container_state(&list.items[i]);
	pe_list_free(&list);
	return 0;
}
