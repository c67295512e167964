/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: --each's line splitter (src/lib/each.c) on what a pod
 * prints, cut into the reads the runner would see. The first byte picks
 * the size of the reads. Checked: every output line starts with the
 * prefix and ends with '\n', and the pod's bytes all come out, in order,
 * with nothing but prefixes and line ends added.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "podenter/each.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char prefix[] = "ns/pod-0: ";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct pe_linebuf lb = { 0 };
	size_t step, plen = strlen(prefix), k = 0;
	char *out;
	off_t n;

	if (size < 1)
		return 0;
	if (fd < 0 && (fd = memfd_create("fuzz-each", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
	step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	for (size_t i = 0; i < size; i += step) {
		size_t len = size - i < step ? size - i : step;

		if (pe_linebuf_feed(&lb, prefix, fd, (const char *)data + i,
				    len) < 0)
			abort();
	}
	if (pe_linebuf_finish(&lb, prefix, fd) < 0)
		abort();
	n = lseek(fd, 0, SEEK_END);
	out = malloc((size_t)n + 1);
	if (!out || pread(fd, out, (size_t)n, 0) != n)
		abort();
	/* line by line: the prefix, then the pod's bytes up to a '\n' */
	for (off_t at = 0; at < n;) {
		char *nl = memchr(out + at, '\n', (size_t)(n - at));
		size_t body;

		if (!nl || (size_t)(n - at) < plen ||
		    memcmp(out + at, prefix, plen) != 0)
			abort();
		body = (size_t)(nl - (out + at)) - plen;
		if (body > PE_EACH_LINE_MAX)
			abort();
		for (size_t j = 0; j < body; j++, k++) {
			if (k >= size || data[k] != (uint8_t)out[at + plen + j])
				abort();
		}
		/* the line's end: the input's own '\n', or one added (at the
		 * end, or cutting a line at its longest) */
		if (body < PE_EACH_LINE_MAX && k < size && data[k] == '\n')
			k++;
		at = (nl - out) + 1;
	}
	if (k != size)
		abort(); /* something of the pod's was lost */
	free(out);
	return 0;
}
