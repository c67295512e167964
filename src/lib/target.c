/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/target.h"

bool pe_glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * DNS-1123: lower-case alphanumerics and '-', starting and ending with an
 * alphanumeric; subdomains (pod names) also allow '.', up to 253 chars;
 * labels (namespaces, container names) up to 63.
 */
bool pe_k8s_name_valid(const char *s, bool subdomain)
{
	size_t len = strlen(s);

	if (len == 0 || len > (subdomain ? 253u : 63u))
		return false;
	if (!isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (isdigit(ch) || (ch >= 'a' && ch <= 'z') || ch == '-')
			continue;
		if (subdomain && ch == '.')
			continue;
		return false;
	}
	return true;
}

/* A pod pattern: a valid name, or a name with glob characters. */
static bool pod_pattern_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (isdigit(ch) || (ch >= 'a' && ch <= 'z') || ch == '-' ||
		    ch == '.' || ch == '*' || ch == '?' || ch == '[' ||
		    ch == ']' || ch == '!')
			continue;
		return false;
	}
	return true;
}

static int parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

int pe_target_parse(const char *text, const char *default_ns,
		    struct pe_target *out, struct pe_error *err)
{
	const char *slash;

	memset(out, 0, sizeof(*out));
	if (!default_ns || !*default_ns)
		default_ns = "default";
	if (!text || !*text)
		return pe_error_set(err, PE_ERR_USAGE, 0, "no target given");

	if (strcmp(text, "node") == 0) {
		out->kind = PE_TARGET_NODE;
		return 0;
	}
	if (strncmp(text, "pid:", 4) == 0) {
		out->kind = PE_TARGET_PID;
		if (parse_pid(text + 4, &out->pid) < 0)
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "invalid PID in target '%s'", text);
		return 0;
	}
	if (strncmp(text, "id:", 3) == 0) {
		const char *id = text + 3;
		size_t len = strlen(id);

		out->kind = PE_TARGET_ID;
		if (len == 0 || len >= sizeof(out->id))
			return pe_error_set(
			    err, PE_ERR_USAGE, 0,
			    "invalid container id in target '%s'", text);
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)id[i];

			if (!isxdigit(ch))
				return pe_error_set(
				    err, PE_ERR_USAGE, 0,
				    "container id '%s' is not hexadecimal", id);
			out->id[i] = (char)tolower(ch);
		}
		return 0;
	}

	out->kind = PE_TARGET_POD;
	slash = strchr(text, '/');
	if (slash) {
		size_t nslen = (size_t)(slash - text);

		if (nslen == 0 || nslen >= sizeof(out->namespace))
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "invalid namespace in target '%s'",
					    text);
		memcpy(out->namespace, text, nslen);
		out->namespace[nslen] = '\0';
		out->namespace_given = true;
		text = slash + 1;
		if (strchr(text, '/'))
			return pe_error_set(
			    err, PE_ERR_USAGE, 0,
			    "target '%s' has more than one '/': use "
			    "NAMESPACE/POD",
			    text);
	} else {
		if (strlen(default_ns) >= sizeof(out->namespace))
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "namespace name too long");
		strcpy(out->namespace, default_ns);
	}
	if (!pe_k8s_name_valid(out->namespace, false))
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "'%s' is not a valid Kubernetes namespace "
				    "name",
				    out->namespace);
	if (!pod_pattern_valid(text))
		return pe_error_set(
		    err, PE_ERR_USAGE, 0,
		    "'%s' is not a pod name (lower-case letters, digits, "
		    "'-' and '.'; or a glob), pid:PID, id:ID or node",
		    text);
	strcpy(out->pod, text);
	out->pod_is_glob = has_glob_chars(text);
	return 0;
}
