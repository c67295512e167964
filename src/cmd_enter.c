/* SPDX-License-Identifier: GPL-2.0-or-later */
/* podenter [OPTIONS] TARGET [-- COMMAND...]: being written (issue 3). */
#include "config.h"

#include <stdio.h>

#include "cli.h"

int cmd_enter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("podenter: entering a target is not built yet\n", stderr);
	return PE_EXIT_FAILURE;
}
