/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For unit tests that compare what a reader recovered with the JSON it
 * read: a member of an object (NULL if o is NULL or has none), and a
 * string member (NULL unless it is a string).
 */
#ifndef PODENTER_TESTS_JSON_FIELDS_H
#define PODENTER_TESTS_JSON_FIELDS_H

#include <json-c/json.h>
#include <stddef.h>

static inline struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static inline const char *sfield(struct json_object *o, const char *key)
{
	struct json_object *v = field(o, key);

	return v && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

#endif
