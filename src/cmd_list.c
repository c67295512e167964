/* SPDX-License-Identifier: GPL-2.0-or-later */
/* podenter list [OPTIONS] [POD-PATTERN] */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "podenter/target.h"

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS,
						  { NULL, 0, NULL, 0 } };
	struct pe_container_list l = { 0 };
	struct pe_scan_report rep;
	struct cli_common co;
	struct pe_hostroot hr;
	struct pe_target t = { 0 };
	struct pe_error err;
	bool any_state = false;
	int opt, rc = 0;

	cli_common_init(&co);
	pe_error_clear(&err);
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
				  NULL)) != -1) {
		int r = cli_common_option(&co, opt, optarg, "list");

		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r == 0)
			return cli_usage_error("list", "unknown option");
	}
	if (argc - optind > 1)
		return cli_usage_error("list",
				       "list takes at most one POD-PATTERN");
	if (co.container)
		return cli_usage_error("list", "-c does not apply to list");
	if (argc - optind == 1) {
		if (pe_target_parse(argv[optind], co.namespace, &t, &err) < 0) {
			cli_print_error(&err);
			return PE_EXIT_FAILURE;
		}
		if (t.kind != PE_TARGET_POD)
			return cli_usage_error("list",
					       "POD-PATTERN must be a pod "
					       "name or pattern");
		if (t.namespace_given)
			co.all_namespaces = false;
	} else {
		t.kind = PE_TARGET_POD;
		snprintf(t.namespace, sizeof(t.namespace), "%s", co.namespace);
	}
	if (pe_hostroot_open(&hr, co.host_root, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	if (pe_resolve_pods(&hr, &t, co.all_namespaces, &l, &rep, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	for (unsigned i = 0; i < rep.ntried; i++)
		any_state |= rep.tried_exists[i];
	if (!any_state && rep.sources_found == 0 && !co.quiet)
		fprintf(stderr,
			"podenter: no container runtime state under %s (try "
			"--host-root)\n",
			co.host_root);
	switch (co.output) {
	case CLI_OUT_JSON:
		output_json_list(stdout, &l, co.all);
		break;
	case CLI_OUT_NAME:
		output_names(stdout, &l);
		break;
	default:
		if (l.len == 0 && !co.quiet)
			fprintf(stderr, "No pods found in %s.\n",
				co.all_namespaces ? "any namespace"
						  : "this namespace");
		else
			output_table(stdout, &l, co.output == CLI_OUT_WIDE,
				     co.all);
	}
out:
	pe_list_free(&l);
	pe_hostroot_close(&hr);
	return rc;
}
