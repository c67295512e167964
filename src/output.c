/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables aligned like kubectl's, and the stable JSON shape. */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "podenter/cgroup.h"

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *container_label(const struct pe_container *c)
{
	if (c->is_sandbox)
		return "(sandbox)";
	return or_dash(c->container);
}

enum {
	COL_NS,
	COL_POD,
	COL_CONTAINER,
	COL_STATE,
	COL_PID,
	COL_RUNTIME,
	COL_ID,
	COL_IMAGE,
	COL_UID,
	COL_COUNT
};

static const char *const headers[COL_COUNT] = {
	"NAMESPACE", "POD",	     "CONTAINER", "STATE",   "PID",
	"RUNTIME",   "CONTAINER-ID", "IMAGE",	  "POD-UID",
};

static void cells_of(const struct pe_container *c, char pidbuf[16],
		     char idbuf[16], const char *cells[COL_COUNT])
{
	snprintf(pidbuf, 16, "%d", (int)c->pid);
	snprintf(idbuf, 16, "%.13s", or_dash(c->container_id));
	cells[COL_NS] = or_dash(c->namespace);
	cells[COL_POD] = or_dash(c->pod);
	cells[COL_CONTAINER] = container_label(c);
	cells[COL_STATE] = pe_container_state(c);
	cells[COL_PID] = c->pid > 0 ? pidbuf : "-";
	cells[COL_RUNTIME] = pe_runtime_name(c->runtime);
	cells[COL_ID] = idbuf;
	cells[COL_IMAGE] = or_dash(c->image);
	cells[COL_UID] = or_dash(c->pod_uid);
}

static bool shown(const struct pe_container *c, bool include_sandboxes)
{
	return include_sandboxes || !c->is_sandbox;
}

static void print_row(FILE *out, const char *const *cells, const size_t *width,
		      int ncols)
{
	for (int i = 0; i < ncols; i++) {
		if (i + 1 < ncols)
			fprintf(out, "%-*s   ", (int)width[i], cells[i]);
		else
			fprintf(out, "%s\n", cells[i]);
	}
}

void output_table(FILE *out, const struct pe_container_list *l, bool wide,
		  bool include_sandboxes)
{
	int ncols = wide ? COL_COUNT : COL_RUNTIME + 1;
	size_t width[COL_COUNT];

	for (int i = 0; i < COL_COUNT; i++)
		width[i] = strlen(headers[i]);
	for (size_t r = 0; r < l->len; r++) {
		const char *cells[COL_COUNT];
		char pidbuf[16], idbuf[16];

		if (!shown(&l->items[r], include_sandboxes))
			continue;
		cells_of(&l->items[r], pidbuf, idbuf, cells);
		for (int i = 0; i < ncols; i++)
			if (strlen(cells[i]) > width[i])
				width[i] = strlen(cells[i]);
	}
	print_row(out, headers, width, ncols);
	for (size_t r = 0; r < l->len; r++) {
		const char *cells[COL_COUNT];
		char pidbuf[16], idbuf[16];

		if (!shown(&l->items[r], include_sandboxes))
			continue;
		cells_of(&l->items[r], pidbuf, idbuf, cells);
		print_row(out, cells, width, ncols);
	}
}

static void put_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static struct json_object *container_json(const struct pe_container *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ns = json_object_new_object();
	struct pe_cgroup_info info;

	put_str(o, "namespace", c->namespace);
	put_str(o, "pod", c->pod);
	put_str(o, "pod_uid", c->pod_uid);
	put_str(o, "container", c->is_sandbox ? NULL : c->container);
	put_str(o, "container_id", c->container_id);
	json_object_object_add(o, "pid", json_object_new_int(c->pid));
	put_str(o, "runtime", pe_runtime_name(c->runtime));
	put_str(o, "state", pe_container_state(c));
	put_str(o, "sandbox_id", c->sandbox_id);
	put_str(o, "image", c->image);
	json_object_object_add(o, "is_sandbox",
			       json_object_new_boolean(c->is_sandbox));
	json_object_object_add(o, "attempt",
			       c->attempt >= 0 ? json_object_new_int(c->attempt)
					       : NULL);
	json_object_object_add(o, "start_time",
			       json_object_new_uint64(c->start_time));
	put_str(o, "cgroup", c->cgroup);
	put_str(o, "qos",
		c->cgroup && pe_cgroup_parse_path(c->cgroup, &info) &&
			info.qos != PE_QOS_UNKNOWN
		    ? pe_qos_name(info.qos)
		    : NULL);
	json_object_object_add(o, "user_namespaced",
			       json_object_new_boolean(c->user_namespaced));
	put_str(o, "source", pe_source_name(c->source));
	put_str(o, "bundle", c->bundle);
	put_str(o, "log_path", c->log_path);
	for (int t = 0; t < PE_NS_COUNT; t++)
		if (c->ns_inode[t])
			json_object_object_add(
			    ns, pe_ns_name((enum pe_ns_type)t),
			    json_object_new_uint64(c->ns_inode[t]));
	json_object_object_add(o, "namespaces", ns);
	return o;
}

/* One object at a time: a json-c tree of the whole node held ~4 KiB per
 * container (30 MiB at 5,000), while an array written element by element
 * holds one. The text is the same array. */
void output_json_list(FILE *out, const struct pe_container_list *l,
		      bool include_sandboxes)
{
	bool first = true;

	fputs("[", out);
	for (size_t i = 0; i < l->len; i++) {
		struct json_object *o;

		if (!shown(&l->items[i], include_sandboxes))
			continue;
		o = container_json(&l->items[i]);
		fprintf(
		    out, "%s\n%s", first ? "" : ",",
		    json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(o);
		first = false;
	}
	fputs(first ? "]\n" : "\n]\n", out);
}

void output_json_one(FILE *out, const struct pe_container *c)
{
	struct json_object *o = container_json(c);

	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

void output_names(FILE *out, const struct pe_container_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct pe_container *c = &l->items[i];
		bool dup = false;

		if (!c->pod || !c->namespace)
			continue;
		/* one line per pod: the list is sorted, compare with the
		 * previous */
		if (i > 0) {
			const struct pe_container *p = &l->items[i - 1];

			dup = p->pod && p->namespace &&
			      strcmp(p->pod, c->pod) == 0 &&
			      strcmp(p->namespace, c->namespace) == 0;
		}
		if (!dup)
			fprintf(out, "%s/%s\n", c->namespace, c->pod);
	}
}

void output_inspect_text(FILE *out, const struct pe_container *c)
{
	struct pe_cgroup_info info;

	fprintf(out, "Namespace:     %s\n", or_dash(c->namespace));
	fprintf(out, "Pod:           %s\n", or_dash(c->pod));
	fprintf(out, "Pod UID:       %s\n", or_dash(c->pod_uid));
	fprintf(out, "Container:     %s\n", container_label(c));
	fprintf(out, "Container ID:  %s\n", or_dash(c->container_id));
	fprintf(out, "Sandbox ID:    %s\n", or_dash(c->sandbox_id));
	fprintf(out, "Image:         %s\n", or_dash(c->image));
	fprintf(out, "Runtime:       %s\n", pe_runtime_name(c->runtime));
	fprintf(out, "State:         %s\n", pe_container_state(c));
	fprintf(out, "PID:           %d\n", (int)c->pid);
	fprintf(out, "Start time:    %llu (clock ticks after boot)\n",
		c->start_time);
	fprintf(out, "Cgroup:        %s\n", or_dash(c->cgroup));
	if (c->cgroup && pe_cgroup_parse_path(c->cgroup, &info) &&
	    info.qos != PE_QOS_UNKNOWN)
		fprintf(out, "QoS class:     %s\n", pe_qos_name(info.qos));
	fprintf(out, "User ns:       %s\n",
		c->user_namespaced ? "yes (hostUsers: false)" : "host");
	fprintf(out, "Source:        %s\n", pe_source_name(c->source));
	fprintf(out, "Bundle:        %s\n", or_dash(c->bundle));
	fprintf(out, "Log:           %s\n", or_dash(c->log_path));
	fprintf(out, "Namespaces:\n");
	for (int t = 0; t < PE_NS_COUNT; t++)
		if (c->ns_inode[t])
			fprintf(out, "  %-7s %lu\n",
				pe_ns_name((enum pe_ns_type)t), c->ns_inode[t]);
}
