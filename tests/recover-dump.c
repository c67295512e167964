/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What pe_recover_containerd() reads, as JSON, for the node harness's
 * checks against ctr and CRI (tests/node/recover-checks.sh). Test-only:
 * `podenter copy` is the user's way to this.
 *
 *   recover-dump [--host-root DIR] [--root ROOT] [--ns NS] ID
 *   recover-dump [--host-root DIR] [--root ROOT] [--ns NS] --list
 */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/recover.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static struct json_object *dump(const struct pe_recovered_container *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *layers = json_object_new_array();

	add_str(o, "id", c->id);
	add_str(o, "sandbox_id", c->sandbox_id);
	add_str(o, "image", c->image);
	add_str(o, "snapshotter", c->snapshotter);
	add_str(o, "snapshot_key", c->snapshot_key);
	for (size_t i = 0; i < c->n_lowerdirs; i++)
		json_object_array_add(layers,
				      json_object_new_string(c->lowerdirs[i]));
	json_object_object_add(o, "lowerdirs", layers);
	add_str(o, "upperdir", c->upperdir);
	add_str(o, "log_path", c->log_path);
	json_object_object_add(o, "has_exit",
			       json_object_new_boolean(c->has_exit));
	json_object_object_add(o, "exit_code",
			       json_object_new_int(c->exit_code));
	add_str(o, "reason", c->reason);
	json_object_object_add(o, "created_at_ns",
			       json_object_new_int64(c->created_at_ns));
	json_object_object_add(o, "started_at_ns",
			       json_object_new_int64(c->started_at_ns));
	json_object_object_add(o, "finished_at_ns",
			       json_object_new_int64(c->finished_at_ns));
	json_object_object_add(o, "restart_count",
			       json_object_new_int(c->restart_count));
	json_object_object_add(o, "attempt", json_object_new_int(c->attempt));
	add_str(o, "namespace", c->namespace);
	add_str(o, "pod", c->pod);
	add_str(o, "pod_uid", c->pod_uid);
	add_str(o, "container", c->container);
	json_object_object_add(o, "spec", json_tokener_parse(c->spec_json));
	return o;
}

static struct json_object *dump_list(const struct pe_container_list *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->len; i++) {
		const struct pe_container *c = &l->items[i];
		struct json_object *o = json_object_new_object();

		add_str(o, "container_id", c->container_id);
		add_str(o, "sandbox_id", c->sandbox_id);
		add_str(o, "namespace", c->namespace);
		add_str(o, "pod", c->pod);
		add_str(o, "container", c->container);
		json_object_object_add(o, "is_sandbox",
				       json_object_new_boolean(c->is_sandbox));
		json_object_object_add(o, "attempt",
				       json_object_new_int(c->attempt));
		json_object_array_add(a, o);
	}
	return a;
}

int main(int argc, char **argv)
{
	const char *host = "/", *root = NULL, *ns = NULL, *id = NULL;
	struct pe_container_list l = { 0 };
	struct pe_recovered_container c;
	struct json_object *out;
	struct pe_hostroot hr;
	struct pe_error err = { 0 };
	bool list = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--host-root") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--ns") == 0 && i + 1 < argc)
			ns = argv[++i];
		else if (strcmp(argv[i], "--list") == 0)
			list = true;
		else
			id = argv[i];
	}
	if (!list && !id) {
		fprintf(stderr, "usage: recover-dump [--host-root DIR] "
				"[--root ROOT] [--ns NS] ID|--list\n");
		return PE_EXIT_FAILURE;
	}
	if (pe_hostroot_open(&hr, host, &err))
		goto fail;
	if (list) {
		if (pe_recover_list_containerd(&hr, root, ns, &l, &err))
			goto fail;
		out = dump_list(&l);
		pe_list_free(&l);
	} else {
		if (pe_recover_containerd(&hr, root, ns, id, &c, &err))
			goto fail;
		out = dump(&c);
		pe_recovered_container_clear(&c);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
	json_object_put(out);
	pe_hostroot_close(&hr);
	return 0;
fail:
	fprintf(stderr, "recover-dump: %s\n", err.msg);
	return PE_EXIT_FAILURE;
}
