/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the bytes as containerd's meta.db (and as the overlayfs
 * snapshotter's metadata.db) under a scratch host root, then the list of
 * containers and the recovery of each: the spec's protobuf Any and JSON,
 * CRI's extension, the snapshot chain, all from an untrusted file.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[4096];
static struct pe_hostroot hr;

static void write_file(const char *rel, const uint8_t *data, size_t size)
{
	char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void mkdirs(const char *rel)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
}

static int setup(void)
{
	struct pe_error err;
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/fuzz_recover.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		abort();
	mkdirs("var/lib/containerd/io.containerd.metadata.v1.bolt");
	mkdirs("var/lib/containerd/io.containerd.snapshotter.v1.overlayfs");
	if (pe_hostroot_open(&hr, root, &err))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct pe_container_list l = { 0 };
	struct pe_error err;

	if (!ready)
		ready = !setup();
	write_file("var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db",
		   data, size);
	write_file("var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
		   "metadata.db",
		   data, size);
	if (pe_recover_list_containerd(&hr, NULL, NULL, &l, &err) == 0) {
		for (size_t i = 0; i < l.len && i < 16; i++) {
			struct pe_recovered_container c;

			if (pe_recover_containerd(&hr, NULL, NULL,
						  l.items[i].container_id, &c,
						  &err) == 0)
				pe_recovered_container_clear(&c);
		}
	}
	pe_list_free(&l);
	return 0;
}
