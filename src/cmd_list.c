/* SPDX-License-Identifier: GPL-2.0-or-later */
/* podenter list [OPTIONS] [POD-PATTERN] */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "podenter/recover.h"
#include "podenter/target.h"

struct list_filter {
	const struct pe_target *t;
	bool all_namespaces;
};

/* The same match as pe_resolve_pods: namespace (unless -A), pod pattern. */
static bool list_wants(const struct pe_container *c, void *arg)
{
	const struct list_filter *lf = arg;

	if (!lf->all_namespaces &&
	    (!c->namespace || strcmp(c->namespace, lf->t->namespace) != 0))
		return false;
	return !lf->t->pod[0] ||
	       (c->pod &&
		pe_pod_name_matches(lf->t->pod, lf->t->pod_is_glob, c->pod));
}

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
	/* --all: also what only containerd's metadata still knows (exited
	 * containers whose kubelet logs are gone, created ones). Read only
	 * here, never on the way into a pod. */
	if (co.all) {
		struct list_filter lf = { .t = &t,
					  .all_namespaces = co.all_namespaces };
		struct pe_error merr;

		pe_error_clear(&merr);
		if (pe_recover_merge_containerd(&hr, NULL, NULL, list_wants,
						&lf, &l, &merr) < 0 &&
		    !co.quiet)
			fprintf(stderr, "podenter: warning: %s\n", merr.msg);
		pe_list_sort(&l);
	}
	for (unsigned i = 0; i < rep.ntried; i++)
		any_state |= rep.tried_exists[i];
	if (!any_state && rep.sources_found == 0 && l.len == 0 && !co.quiet)
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
