/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TARGET text as a person types it:
 *   POD | NAMESPACE/POD | pid:PID | id:CONTAINER-ID-PREFIX | node
 * POD may be a glob ("nginx-*") or a Deployment-like prefix.
 */
#ifndef PODENTER_TARGET_H
#define PODENTER_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

#include "podenter/error.h"

enum pe_target_kind {
	PE_TARGET_POD = 1,
	PE_TARGET_PID,
	PE_TARGET_ID,
	PE_TARGET_NODE,
};

struct pe_target {
	enum pe_target_kind kind;
	char namespace[254]; /* empty: use the default or -n */
	bool namespace_given; /* NAMESPACE/ was part of the text */
	char pod[254]; /* pod name or pattern */
	bool pod_is_glob; /* contains * ? or [ */
	char id[129]; /* container id prefix (lower-case hex) */
	pid_t pid;
};

/*
 * Parse TARGET. default_ns applies when the text has no NAMESPACE/ part
 * (NULL means "default"). Returns 0 or -1 with a USAGE error.
 */
int pe_target_parse(const char *text, const char *default_ns,
		    struct pe_target *out, struct pe_error *err);

/* True when name is a valid Kubernetes DNS-1123 subdomain (pods) or label
 * (namespaces, containers); used to refuse junk before touching the node. */
bool pe_k8s_name_valid(const char *s, bool subdomain);

/* fnmatch-style glob with * ? and [...] */
bool pe_glob_match(const char *pattern, const char *s);

#endif
