/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a file podenter writes on the operator's behalf (a capture with
 * `sniff -w`, the `--audit-log`): podenter runs as root, and the path may
 * be in a directory others can write (/tmp, a hostPath a pod shares). So
 * the file is never reached through a symlink (O_NOFOLLOW), must be a
 * regular file with no other hard link (a FIFO, device or directory is
 * refused before any write, and opening never blocks), and is emptied only
 * after those checks, never by O_TRUNC on whatever the path named.
 */
#ifndef PODENTER_OUTFILE_H
#define PODENTER_OUTFILE_H

#include <sys/types.h>

#include "podenter/error.h"

enum pe_output_mode {
	PE_OUTPUT_REPLACE, /* empty it: a new capture */
	PE_OUTPUT_APPEND, /* add at the end: a log */
};

/*
 * Open path for writing, creating it with mode perm when missing. Returns
 * an O_CLOEXEC fd (O_APPEND in append mode), or -1 with err naming the
 * path and why (a symlink, not a regular file, other hard links).
 */
int pe_open_output(const char *path, enum pe_output_mode mode, mode_t perm,
		   struct pe_error *err);

#endif
