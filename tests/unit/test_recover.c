/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recovering containers from the files the real containerd 1.6 wrote on
 * the node harness (tests/fixtures/containerd-meta: restarts.json and
 * web-sidecar.json pods), compared with what containerd and CRI said then:
 * `ctr containers info` (spec, image, snapshot key), `ctr snapshots mounts`
 * (the overlay's upperdir and lowerdir), and CRI's ContainerStatus (exit
 * code, reason, log path, restart count) and ListContainers.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/recover.h"

#define FX FIXTURES "/containerd-meta"
#define CRASHLOOP_0                                                            \
	"21507440af9d77f3e2e9767af7f2f3f80a21fcbb717abcbed9677652a13891d0"

static struct pe_hostroot hr;

static int setup(void **state)
{
	struct pe_error err = { 0 };

	(void)state;
	if (pe_hostroot_open(&hr, FX, &err))
		fail_msg("%s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pe_hostroot_close(&hr);
	return 0;
}

static struct json_object *expected(const char *id, const char *what)
{
	char path[512];

	snprintf(path, sizeof(path), FX "/expected/%s.%s", id, what);
	return json_object_from_file(path);
}

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *sfield(struct json_object *o, const char *key)
{
	struct json_object *v = field(o, key);

	assert_non_null(v);
	return json_object_get_string(v);
}

/* The value of "opt" in ctr's "mount -t overlay ... -o a=b,c=d" line. */
static void mount_option(const char *mounts, const char *opt, char *out,
			 size_t size)
{
	const char *p = strstr(mounts, opt);
	size_t n;

	assert_non_null(p);
	p += strlen(opt);
	n = strcspn(p, ", \n");
	assert_true(n < size);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* upperdir and lowerdir as containerd's snapshotter would mount them (our
 * paths are relative to the host root, ctr's absolute on the node). */
static void check_layers(const struct pe_recovered_container *c)
{
	char path[512], mounts[4096], upper[1024], lower[4096], got[4096];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), FX "/expected/%s.mounts", c->id);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(mounts, 1, sizeof(mounts) - 1, f);
	fclose(f);
	mounts[len] = '\0';
	mount_option(mounts, "upperdir=", upper, sizeof(upper));
	mount_option(mounts, "lowerdir=", lower, sizeof(lower));
	assert_non_null(c->upperdir);
	snprintf(path, sizeof(path), "/%s", c->upperdir);
	assert_string_equal(path, upper);
	assert_true(c->n_lowerdirs >= 1);
	got[0] = '\0';
	for (size_t i = 0; i < c->n_lowerdirs; i++) {
		assert_true(strlen(got) + strlen(c->lowerdirs[i]) + 3 <
			    sizeof(got));
		strcat(got, i ? ":/" : "/");
		strcat(got, c->lowerdirs[i]);
	}
	assert_string_equal(got, lower);
}

/* Every container CRI listed, recovered and compared with ctr and CRI. */
static void test_every_container_as_containerd_says(void **state)
{
	struct json_object *list = json_object_from_file(FX "/expected/"
							    "containers.json");
	size_t n;

	(void)state;
	assert_non_null(list);
	n = json_object_array_length(list);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(list, i);
		const char *id = sfield(row, "container_id");
		struct json_object *info = expected(id, "info.json");
		struct json_object *status = expected(id, "status.json");
		struct json_object *spec = NULL, *want_spec, *ann;
		struct pe_recovered_container c;
		struct pe_error err = { 0 };
		const char *state_name = sfield(row, "state");

		assert_non_null(info);
		assert_non_null(status);
		if (pe_recover_containerd(&hr, NULL, NULL, id, &c, &err))
			fail_msg("%s: %s", id, err.msg);
		assert_string_equal(c.id, id);
		assert_string_equal(c.sandbox_id, sfield(row, "sandbox_id"));
		assert_string_equal(c.image, sfield(info, "Image"));
		assert_string_equal(c.image, sfield(row, "image"));
		assert_string_equal(c.snapshotter, "overlayfs");
		assert_string_equal(c.snapshot_key,
				    sfield(info, "SnapshotKey"));
		assert_string_equal(c.namespace, sfield(row, "namespace"));
		assert_string_equal(c.pod, sfield(row, "pod"));
		assert_string_equal(c.pod_uid, sfield(row, "pod_uid"));
		assert_string_equal(c.container, sfield(row, "container"));
		assert_int_equal(c.attempt,
				 json_object_get_int(field(row, "attempt")));

		spec = json_tokener_parse(c.spec_json);
		assert_non_null(spec);
		want_spec = field(info, "Spec");
		assert_true(json_object_equal(spec, want_spec));
		json_object_put(spec);

		check_layers(&c);

		assert_string_equal(c.log_path, sfield(status, "log_path"));
		ann = field(status, "annotations");
		assert_int_equal(
		    c.restart_count,
		    atoi(sfield(ann, "io.kubernetes.container.restartCount")));
		assert_int_equal(c.has_exit, strcmp(state_name, "exited") == 0);
		if (c.has_exit) {
			assert_int_equal(
			    c.exit_code,
			    json_object_get_int(field(status, "exit_code")));
			assert_string_equal(c.reason, sfield(status, "reason"));
			assert_true(c.finished_at_ns ==
				    atoll(sfield(status, "finished_at")));
		}
		assert_true(c.started_at_ns ==
			    atoll(sfield(status, "started_at")));
		assert_true(c.created_at_ns > 0);

		pe_recovered_container_clear(&c);
		json_object_put(info);
		json_object_put(status);
	}
	json_object_put(list);
}

/* The crash-looping container's first run, by a prefix of its id. */
static void test_crashloop_by_prefix(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err = { 0 };

	(void)state;
	assert_int_equal(pe_recover_containerd(&hr, "/var/lib/containerd/",
					       "k8s.io", "215074", &c, &err),
			 0);
	assert_string_equal(c.id, CRASHLOOP_0);
	assert_true(c.has_exit);
	assert_int_equal(c.exit_code, 1);
	assert_string_equal(c.reason, "Error");
	assert_string_equal(c.pod, "crashloop");
	assert_int_equal(c.restart_count, 0);
	assert_string_equal(c.upperdir,
			    "var/lib/containerd/"
			    "io.containerd.snapshotter.v1.overlayfs/snapshots/"
			    "8/fs");
	assert_int_equal(c.n_lowerdirs, 1);
	assert_non_null(strstr(c.spec_json, "echo starting; exit 1"));
	pe_recovered_container_clear(&c);
	assert_null(c.id);
}

static void test_errors(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err = { 0 };
	struct pe_hostroot empty;
	char dir[] = "/tmp/test_recover_XXXXXX";

	(void)state;
	assert_int_equal(
	    pe_recover_containerd(&hr, NULL, NULL, "deadbeef", &c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "deadbeef"));
	assert_null(c.id);
	/* too short a prefix to guess from */
	assert_int_equal(
	    pe_recover_containerd(&hr, NULL, NULL, "215", &c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_int_equal(
	    pe_recover_containerd(&hr, NULL, NULL, "../../etc", &c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_int_equal(
	    pe_recover_containerd(&hr, NULL, "other", CRASHLOOP_0, &c, &err),
	    -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_int_equal(pe_recover_containerd(&hr,
					       "/var/lib/rancher/k3s/"
					       "agent/containerd",
					       NULL, CRASHLOOP_0, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_NO_RUNTIME);
	assert_non_null(strstr(err.msg, "meta.db"));

	assert_non_null(mkdtemp(dir));
	assert_int_equal(pe_hostroot_open(&empty, dir, &err), 0);
	assert_int_equal(
	    pe_recover_containerd(&empty, NULL, NULL, CRASHLOOP_0, &c, &err),
	    -1);
	assert_int_equal(err.kind, PE_ERR_NO_RUNTIME);
	{
		struct pe_container_list l = { 0 };

		assert_int_equal(
		    pe_recover_list_containerd(&empty, NULL, NULL, &l, &err),
		    0);
		assert_int_equal(l.len, 0);
	}
	pe_hostroot_close(&empty);
	rmdir(dir);
}

/* The list: every container and sandbox, none running, names as CRI has
 * them. */
static void test_list(void **state)
{
	struct json_object *rows = json_object_from_file(FX "/expected/"
							    "containers.json");
	struct pe_container_list l = { 0 };
	struct pe_error err = { 0 };
	size_t sandboxes = 0;

	(void)state;
	assert_int_equal(pe_recover_list_containerd(&hr, NULL, NULL, &l, &err),
			 0);
	assert_int_equal(l.len, 9);
	for (size_t i = 0; i < l.len; i++) {
		const struct pe_container *c = &l.items[i];

		assert_int_equal(c->runtime, PE_RT_CONTAINERD);
		assert_int_equal(c->source, PE_SRC_CONTAINERD_META);
		assert_false(c->running);
		assert_int_equal(c->pid, 0);
		assert_non_null(c->pod);
		assert_non_null(c->namespace);
		assert_non_null(c->sandbox_id);
		if (c->is_sandbox) {
			sandboxes++;
			assert_string_equal(c->sandbox_id, c->container_id);
			continue;
		}
		for (size_t j = 0; j < json_object_array_length(rows); j++) {
			struct json_object *row =
			    json_object_array_get_idx(rows, j);

			if (strcmp(sfield(row, "container_id"),
				   c->container_id) != 0)
				continue;
			assert_string_equal(c->pod, sfield(row, "pod"));
			assert_string_equal(c->container,
					    sfield(row, "container"));
			assert_string_equal(c->sandbox_id,
					    sfield(row, "sandbox_id"));
			assert_int_equal(c->attempt, json_object_get_int(field(
							 row, "attempt")));
			assert_non_null(c->log_path);
		}
	}
	assert_int_equal(sandboxes, 3);
	pe_list_free(&l);
	json_object_put(rows);
}

/* The status checkpoint: a clean exit is "Completed", a reason given is
 * kept, a running container has no exit, and what is not JSON is refused. */
static void test_cri_status(void **state)
{
	static const char ok[] = "{\"FinishedAt\":5,\"ExitCode\":0}";
	static const char oom[] =
	    "{\"FinishedAt\":5,\"ExitCode\":137,\"Reason\":\"OOMKilled\"}";
	static const char running[] = "{\"StartedAt\":4,\"FinishedAt\":0}";
	static const char odd[] = "{\"FinishedAt\":\"x\",\"ExitCode\":[]}";
	struct pe_recovered_container c = { 0 };

	(void)state;
	assert_int_equal(pe_recover_parse_cri_status(ok, strlen(ok), &c), 0);
	assert_true(c.has_exit);
	assert_int_equal(c.exit_code, 0);
	assert_string_equal(c.reason, "Completed");
	pe_recovered_container_clear(&c);
	assert_int_equal(pe_recover_parse_cri_status(oom, strlen(oom), &c), 0);
	assert_int_equal(c.exit_code, 137);
	assert_string_equal(c.reason, "OOMKilled");
	pe_recovered_container_clear(&c);
	assert_int_equal(
	    pe_recover_parse_cri_status(running, strlen(running), &c), 0);
	assert_false(c.has_exit);
	assert_true(c.started_at_ns == 4);
	assert_null(c.reason);
	assert_int_equal(pe_recover_parse_cri_status(odd, strlen(odd), &c), 0);
	assert_false(c.has_exit);
	assert_int_equal(
	    pe_recover_parse_cri_status("{\"FinishedAt\":5}\n", 17, &c), 0);
	assert_true(c.has_exit);
	pe_recovered_container_clear(&c);
	assert_int_equal(pe_recover_parse_cri_status("[1]", 3, &c), -1);
	assert_int_equal(pe_recover_parse_cri_status("{\"a\":1} x", 9, &c), -1);
	pe_recovered_container_clear(&c);
}

static void test_root_from_config(void **state)
{
	char out[64];

	(void)state;
	assert_true(pe_containerd_root_from_config(
	    "version = 2\n# root = \"/no\"\n  root = \"/data/ctr\" # moved\n"
	    "state = \"/run/containerd\"\n",
	    out, sizeof(out)));
	assert_string_equal(out, "/data/ctr");
	assert_true(
	    pe_containerd_root_from_config("root='/x'", out, sizeof(out)));
	assert_string_equal(out, "/x");
	/* only top-level: a table's root is something else */
	assert_false(pe_containerd_root_from_config(
	    "[plugins.x]\nroot = \"/y\"\n", out, sizeof(out)));
	assert_false(
	    pe_containerd_root_from_config("root = \"rel\"", out, sizeof(out)));
	assert_false(pe_containerd_root_from_config("root = \"/a\\\"b\"", out,
						    sizeof(out)));
	assert_false(
	    pe_containerd_root_from_config("root = \"/open", out, sizeof(out)));
	assert_false(pe_containerd_root_from_config("rootless = true", out,
						    sizeof(out)));
	assert_false(pe_containerd_root_from_config("", out, sizeof(out)));
}

/* A root moved by containerd's config is where recover looks. */
static void test_root_moved_by_config(void **state)
{
	char dir[] = "/tmp/test_recover_XXXXXX", cmd[512];
	struct pe_recovered_container c;
	struct pe_error err = { 0 };
	struct pe_hostroot moved;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/data %s/etc/containerd && cp -a "
		 "%s/var/lib/containerd %s/data/ctr && printf 'version = "
		 "2\nroot = \"/data/ctr\"\n' >%s/etc/containerd/config.toml",
		 dir, dir, FX, dir, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pe_hostroot_open(&moved, dir, &err), 0);
	if (pe_recover_containerd(&moved, NULL, NULL, CRASHLOOP_0, &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.upperdir,
			    "data/ctr/io.containerd.snapshotter.v1.overlayfs/"
			    "snapshots/8/fs");
	pe_recovered_container_clear(&c);
	pe_hostroot_close(&moved);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A damaged meta.db: the error names the file, the bucket and the page. */
static void test_damaged_meta_db(void **state)
{
	char dir[] = "/tmp/test_recover_XXXXXX", cmd[512], db[256];
	struct pe_recovered_container c;
	struct pe_error err = { 0 };
	struct pe_hostroot bad;
	unsigned char page[4096];
	unsigned damaged = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -a %s/var %s/", FX, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(db, sizeof(db),
		 "%s/var/lib/containerd/io.containerd.metadata.v1.bolt/"
		 "meta.db",
		 dir);
	f = fopen(db, "r+b");
	assert_non_null(f);
	/* every leaf page holding a container's keys: element count 0xffff */
	for (long pg = 2; fseek(f, pg * 4096, SEEK_SET) == 0 &&
			  fread(page, 1, sizeof(page), f) == sizeof(page);
	     pg++) {
		if (page[8] != 2 || page[9] != 0 ||
		    !memmem(page, sizeof(page), "snapshotKey", 11))
			continue;
		page[10] = page[11] = 0xff;
		assert_int_equal(fseek(f, pg * 4096, SEEK_SET), 0);
		assert_int_equal(fwrite(page, 1, sizeof(page), f),
				 sizeof(page));
		damaged++;
	}
	fclose(f);
	assert_true(damaged > 0);
	assert_int_equal(pe_hostroot_open(&bad, dir, &err), 0);
	assert_int_equal(
	    pe_recover_containerd(&bad, NULL, NULL, CRASHLOOP_0, &c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	assert_non_null(strstr(err.msg, "meta.db"));
	assert_non_null(
	    strstr(err.msg, "in bucket v1/k8s.io/containers/" CRASHLOOP_0));
	assert_non_null(strstr(err.msg, "more elements than the page holds"));
	assert_null(c.id);
	pe_hostroot_close(&bad);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static bool only_crashloop(const struct pe_container *c, void *arg)
{
	(void)arg;
	return c->pod && strcmp(c->pod, "crashloop") == 0;
}

/* Merged into what other sources found: a known record keeps its state and
 * gains what it lacked; the others are added once. */
static void test_merge(void **state)
{
	struct pe_container_list l = { 0 };
	struct pe_error err = { 0 };
	struct pe_container *c = pe_list_add(&l);

	(void)state;
	assert_non_null(c);
	c->container_id = strdup(CRASHLOOP_0);
	c->pod = strdup("from-logs");
	c->running = false;
	c->pid = 0;
	assert_int_equal(pe_recover_merge_containerd(
			     &hr, NULL, NULL, only_crashloop, NULL, &l, &err),
			 0);
	assert_int_equal(l.len, 3); /* its sandbox and the second attempt */
	assert_int_equal(
	    pe_recover_merge_containerd(&hr, NULL, NULL, NULL, NULL, &l, &err),
	    0);
	assert_int_equal(l.len, 9);
	c = pe_list_find_id(&l, CRASHLOOP_0);
	assert_non_null(c);
	assert_string_equal(c->pod, "from-logs");
	assert_string_equal(c->container, "app");
	assert_non_null(c->sandbox_id);
	assert_int_equal(c->attempt, 0);
	assert_int_equal(c->runtime, PE_RT_CONTAINERD);
	assert_int_equal(
	    pe_recover_merge_containerd(&hr, NULL, NULL, NULL, NULL, &l, &err),
	    0);
	assert_int_equal(l.len, 9);
	pe_list_free(&l);
}

/* k3s keeps containerd's root under /var/lib/rancher: found without being
 * told, and the layer paths follow it. */
static void test_k3s_root(void **state)
{
	char dir[] = "/tmp/test_recover_XXXXXX", cmd[512];
	struct pe_recovered_container c;
	struct pe_error err = { 0 };
	struct pe_hostroot k3s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/var/lib/rancher/k3s/agent && cp -a "
		 "%s/var/lib/containerd %s/var/lib/rancher/k3s/agent/",
		 dir, FX, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pe_hostroot_open(&k3s, dir, &err), 0);
	if (pe_recover_containerd(&k3s, NULL, NULL, CRASHLOOP_0, &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.upperdir,
			    "var/lib/rancher/k3s/agent/containerd/"
			    "io.containerd.snapshotter.v1.overlayfs/snapshots/"
			    "8/fs");
	assert_true(c.has_exit);
	pe_recovered_container_clear(&c);
	pe_hostroot_close(&k3s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_container_as_containerd_says),
		cmocka_unit_test(test_crashloop_by_prefix),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_k3s_root),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_damaged_meta_db),
		cmocka_unit_test(test_cri_status),
		cmocka_unit_test(test_root_from_config),
		cmocka_unit_test(test_root_moved_by_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
