/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the first bytes of a file execve refused (a "#!" line
 * or an ELF header and program headers, written by the container), read
 * to name the cause of the failure.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "podenter/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int errs[] = { ENOENT, EACCES, ENOEXEC, ELOOP };
	char out[PATH_MAX], msg[1024];
	const char *kind;
	struct stat st;

	if (pe_exec_interpreter(data, size, out, sizeof(out), &kind) == 1 &&
	    (strlen(out) == 0 || !kind))
		abort();
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0755;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		pe_exec_explain("/x", errs[i], data, size, &st, false, false,
				msg, sizeof(msg));
	return 0;
}
