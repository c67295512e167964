/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A moment as RFC 3339 text in UTC, computed from the seconds since the
 * epoch alone. glibc's gmtime_r() loads the time zone database on its first
 * call (TZ, /etc/localtime: an open, two reads, a parse and the pages they
 * touch; 0.5 ms of a session on the VM of docs/benchmarks-attach.md,
 * thirteenth session) although UTC needs none of it.
 */
#ifndef PODENTER_UTC_H
#define PODENTER_UTC_H

#include <stddef.h>
#include <time.h>

/* "2026-12-06T05:09:07.123Z", or without ".123" when millis < 0. Returns
 * the length written (as snprintf: size is the buffer's, output truncated
 * to it), or -1 when millis > 999. */
int pe_utc_format(time_t secs, long millis, char *buf, size_t size);

#endif
