/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the audit record's JSON text (audit.c writes it
 * itself) from fields that are the pod author's or the caller's (pod and
 * container names, the command line): whatever they hold, the text is one
 * line of JSON that json-c reads back into the very same strings.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* NUL-separated: pod, container, then the command's words */
	char *buf = malloc(size + 1), *parts[8] = { 0 }, *json;
	struct json_object *o, *t, *cmd;
	struct pe_audit_record r;
	struct pe_audit a;
	size_t n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; n < 7 && p <= buf + size; p += strlen(p) + 1)
		parts[n++] = p;
	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	r.pod = parts[0];
	r.container = parts[1];
	r.command = n > 2 ? parts + 2 : NULL;
	json = pe_audit_json(&a, &r, "session-end", 1, 2);
	if (!json || strchr(json, '\n'))
		abort();
	o = json_tokener_parse(json);
	if (!o || !json_object_object_get_ex(o, "target", &t) ||
	    !json_object_object_get_ex(o, "command", &cmd))
		abort();
	if ((r.pod && strcmp(field(t, "pod"), r.pod) != 0) ||
	    (r.container && strcmp(field(t, "container"), r.container) != 0))
		abort();
	for (size_t i = 0; r.command && r.command[i]; i++)
		if (strcmp(json_object_get_string(
			       json_object_array_get_idx(cmd, i)),
			   r.command[i]) != 0)
			abort();
	json_object_put(o);
	free(json);
	free(buf);
	return 0;
}
