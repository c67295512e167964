/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test hooks of testhooks.h; compiled empty without PE_TEST_HOOKS. */
#include "config.h"

#include "podenter/testhooks.h"

#ifdef PE_TEST_HOOKS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pe_test_hook_value(const char *name)
{
	char var[64];

	snprintf(var, sizeof(var), "PODENTER_TEST_%s", name);
	return getenv(var);
}

bool pe_test_hook_flag(const char *name)
{
	const char *v = pe_test_hook_value(name);

	return v && strcmp(v, "1") == 0;
}

void pe_test_hook_pause_at(const char *point)
{
	const char *v = pe_test_hook_value("PAUSE_AT");

	if (v && strcmp(v, point) == 0)
		raise(SIGSTOP);
}
#else
/* ISO C wants something in a translation unit */
typedef int pe_test_hooks_disabled;
#endif
