/* SPDX-License-Identifier: GPL-2.0-or-later */
/* podenter inspect [OPTIONS] TARGET */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS,
						  { NULL, 0, NULL, 0 } };
	struct pe_container c = { 0 };
	struct cli_common co;
	struct pe_hostroot hr;
	struct pe_error err;
	int opt, rc;

	cli_common_init(&co);
	pe_error_clear(&err);
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
				  NULL)) != -1) {
		int r = cli_common_option(&co, opt, optarg, "inspect");

		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r == 0)
			return cli_usage_error("inspect", "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage_error("inspect",
				       "inspect takes exactly one TARGET");
	if (pe_hostroot_open(&hr, co.host_root, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	rc = cli_resolve_target(&co, &hr, argv[optind], &c);
	if (rc == 0) {
		pe_note_paused(&hr, &c);
		if (co.output == CLI_OUT_JSON)
			output_json_one(stdout, &c);
		else
			output_inspect_text(stdout, &c);
	}
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
	return rc;
}
