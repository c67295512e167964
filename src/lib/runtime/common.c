/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the runtime sources. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/sources.h"

void pe_report_tried(struct pe_scan_report *report, const char *path,
		     bool exists)
{
	if (!report || report->ntried >= PE_SCAN_MAX_TRIED)
		return;
	snprintf(report->tried[report->ntried], sizeof(report->tried[0]), "%s",
		 path);
	report->tried_exists[report->ntried] = exists;
	report->ntried++;
}

/* An id names a directory of the runtime's state: one path component.
 * The ids of an exact-ids scan come from files a container's spec reaches
 * (a sandbox-id annotation): "../x" must not lead out of the state dir. */
static bool id_is_one_component(const char *id)
{
	return id[0] && !strchr(id, '/') && strcmp(id, ".") != 0 &&
	       strcmp(id, "..") != 0;
}

/*
 * Parsing JSON costs far more than reading it; a file that does not contain
 * the pod name (or the id prefix) as plain bytes cannot match, so skip it.
 * The id itself usually is the directory name and is checked there.
 */
bool pe_filter_wants_id(const struct pe_scan_filter *f, const char *id)
{
	if (id && !id_is_one_component(id))
		return false;
	if (!f || !id)
		return true;
	if (f->id_prefix && *f->id_prefix &&
	    strncmp(id, f->id_prefix, strlen(f->id_prefix)) != 0)
		return false;
	if (f->nids > 0) {
		for (size_t i = 0; i < f->nids; i++)
			if (strcmp(f->ids[i], id) == 0)
				return true;
		return false;
	}
	return true;
}

bool pe_file_may_match(const char *buf, const struct pe_scan_filter *f,
		       const char *id)
{
	if (!f)
		return true;
	if (!pe_filter_wants_id(f, id))
		return false;
	if (f->nids > 0)
		return true; /* exact ids: the name test is moot */
	if (f->literal && *f->literal && !strstr(buf, f->literal))
		return false;
	return true;
}

const char *pe_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

pid_t pe_read_pidfile_at(int dirfd, const char *name)
{
	char *buf = NULL;
	char *end;
	long v;

	if (pe_read_file_at(dirfd, name, 64, &buf) < 0)
		return 0;
	errno = 0;
	v = strtol(buf, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	if (errno || *end || v <= 0 || v > 0x3fffffff) {
		free(buf);
		return 0;
	}
	free(buf);
	return (pid_t)v;
}

int pe_strdup_into(char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}
