/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: a container's /etc/passwd or /etc/group (the container
 * writes them; podenter parses them as root) through every lookup the
 * session makes, and the first line as a --user / --group-add value.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pe_passwd_entry e;
	struct pe_error err;
	gid_t g, groups[64];
	char spec[64];
	size_t n, speclen;

	/* no copy: the parsers must never read past size nor need a NUL */
	pe_passwd_lookup(buf, size, "root", 0, &e);
	pe_passwd_lookup(buf, size, NULL, 0, &e);
	pe_passwd_lookup(buf, size, NULL, 1000, &e);
	if (pe_passwd_lookup(buf, size, NULL, 65534, &e) == 1) {
		if (strlen(e.name) >= sizeof(e.name) ||
		    strlen(e.home) >= sizeof(e.home))
			abort();
		n = pe_group_memberships(buf, size, e.name, groups, 0, 64);
		if (n > 64)
			abort();
	}
	pe_group_lookup(buf, size, "wheel", 0, &g);
	pe_group_lookup(buf, size, NULL, 10, &g);
	n = pe_group_memberships(buf, size, "app", groups, 0, 64);
	if (n > 64)
		abort();
	n = pe_group_memberships(buf, size, "app", groups, 0, 1);
	if (n > 1)
		abort();

	{
		const char *nl = memchr(buf, '\n', size);

		speclen = nl ? (size_t)(nl - buf) : size;
	}
	if (speclen >= sizeof(spec))
		speclen = sizeof(spec) - 1;
	memcpy(spec, data, speclen);
	spec[speclen] = '\0';
	pe_error_clear(&err);
	pe_user_spec_check(spec, &err);
	pe_group_spec_check(spec, &err);
	return 0;
}
