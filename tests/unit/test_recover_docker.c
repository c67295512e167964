/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recovering Docker containers for `podenter copy` from the files the real
 * Docker 20.10 wrote (tests/fixtures/docker and docker-moved-root, captured
 * by tests/node/docker-e2e.sh through capture-docker-fixture.sh), compared
 * with `docker inspect` of the same containers (expected-inspect.json):
 * the layer chain against GraphDriver.Data.LowerDir, the exit against
 * State, the process against Path/Args/Config, the identity against the
 * labels. Then the same files made hostile: every id that becomes a path
 * component, and the JSON's types.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/copy.h"
#include "podenter/recover.h"
#include "json_fields.h"

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want || !*want)
		assert_true(!got || !*got);
	else
		assert_non_null(got), assert_string_equal(got, want);
}

/* One container: what podenter recovers against what docker inspect said. */
static void check_one(const struct pe_hostroot *hr, const char *data_root,
		      struct json_object *in, int *crash_seen)
{
	const char *id = sfield(in, "Id");
	struct json_object *state = field(in, "State");
	struct json_object *config = field(in, "Config");
	struct json_object *labels = field(config, "Labels");
	struct json_object *gd = field(field(in, "GraphDriver"), "Data");
	struct json_object *args = field(in, "Args");
	struct pe_recovered_container c;
	struct pe_copy_spec spec;
	struct pe_error err;
	char lower[8192] = "";
	size_t used = 0, n;

	memset(&c, 0, sizeof(c));
	memset(&spec, 0, sizeof(spec));
	pe_error_clear(&err);
	if (pe_recover_docker(hr, data_root, id, &c, &err) != 0)
		fail_msg("%s: %s", id, err.msg);
	assert_string_equal(c.id, id);
	/* the layers, top first, as Docker mounted them */
	for (size_t i = 0; i < c.n_lowerdirs; i++)
		used += (size_t)snprintf(lower + used, sizeof(lower) - used,
					 "%s/%s", i ? ":" : "", c.lowerdirs[i]);
	assert_string_equal(lower, sfield(gd, "LowerDir"));
	/* the upper layer's diff is not captured (no container's files) */
	assert_null(c.upperdir);
	assert_non_null(c.layers_root);
	assert_true(strncmp(c.layers_root, data_root, strlen(data_root)) == 0);
	/* the exit, as cri-dockerd would report it */
	if (json_object_get_boolean(field(state, "Running"))) {
		assert_false(c.has_exit);
	} else {
		assert_true(c.has_exit);
		assert_int_equal(c.exit_code,
				 json_object_get_int(field(state, "ExitCode")));
		assert_string_equal(c.reason,
				    c.exit_code ? "Error" : "Completed");
		assert_true(c.finished_at_ns > 0);
	}
	assert_str_or_null(c.pod, sfield(labels, "io.kubernetes.pod.name"));
	assert_str_or_null(c.pod_uid, sfield(labels, "io.kubernetes.pod.uid"));
	assert_str_or_null(c.container,
			   sfield(labels, "io.kubernetes.container.name"));
	assert_str_or_null(c.sandbox_id,
			   sfield(labels, "io.kubernetes.sandbox.id"));
	/* the built spec, through copy's own parser */
	if (pe_copy_spec_parse(c.spec_json, &spec, &err) != 0)
		fail_msg("%s: %s\n%s", id, err.msg, c.spec_json);
	n = json_object_array_length(args);
	assert_int_equal(spec.n_args, n + 1);
	assert_string_equal(spec.args[0], sfield(in, "Path"));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(
		    spec.args[i + 1],
		    json_object_get_string(json_object_array_get_idx(args, i)));
	assert_string_equal(spec.hostname, sfield(config, "Hostname"));
	if (c.container && strcmp(c.container, "crash") == 0) {
		/* --user 1000:1000 --group-add 2000 --workdir /www */
		assert_string_equal(sfield(config, "User"), "1000:1000");
		assert_int_equal(spec.uid, 1000);
		assert_int_equal(spec.gid, 1000);
		assert_int_equal(spec.n_group_add, 1);
		assert_string_equal(spec.group_add[0], "2000");
		assert_string_equal(spec.cwd, sfield(config, "WorkingDir"));
		assert_non_null(
		    strstr(c.spec_json, "CRASH_MARK=written-by-crash"));
		/* and what dockerd adds to every container's environment */
		assert_non_null(strstr(c.spec_json, "\"PATH=/usr/local/sbin:"));
		assert_non_null(
		    strstr(c.spec_json, "\"HOSTNAME=pe-dock-web\""));
		/* hosts, hostname, resolv.conf: the sandbox's, which copy
		 * binds as the runtime's own */
		for (size_t i = 0; i < spec.n_mounts; i++)
			if (strcmp(spec.mounts[i].dest, "/etc/hostname") == 0)
				assert_int_equal(pe_copy_classify_source_of(
						     &c, spec.mounts[i].source),
						 PE_COPY_SRC_RUNTIME);
		assert_non_null(c.log_path);
		(*crash_seen)++;
	} else {
		assert_int_equal(spec.uid, 0);
		assert_string_equal(spec.cwd, "/");
	}
	pe_copy_spec_clear(&spec);
	pe_recovered_container_clear(&c);
}

static void check_fixture(const char *name, const char *data_root)
{
	char path[512];
	struct json_object *all;
	struct pe_hostroot hr;
	struct pe_error err;
	int crash_seen = 0;

	pe_error_clear(&err);
	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	if (pe_hostroot_open(&hr, path, &err))
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), FIXTURES "/%s/expected-inspect.json",
		 name);
	all = json_object_from_file(path);
	assert_non_null(all);
	assert_true(json_object_array_length(all) >= 7);
	for (size_t i = 0; i < json_object_array_length(all); i++)
		check_one(&hr, data_root, json_object_array_get_idx(all, i),
			  &crash_seen);
	assert_int_equal(crash_seen, 1);
	json_object_put(all);
	pe_hostroot_close(&hr);
}

static void test_captured_default_root(void **state)
{
	(void)state;
	check_fixture("docker", "/var/lib/docker");
}

static void test_captured_moved_root(void **state)
{
	(void)state;
	check_fixture("docker-moved-root",
		      "/var/lib/podenter-docker-e2e-moved");
}

static void test_data_root_of(void **state)
{
	char out[256];
	const char *id =
	    "653dfa1087d48981b13b034377812f4b79431b4cd1019eb41458fcd6793f38af";
	char rec[512];

	(void)state;
	snprintf(rec, sizeof(rec), "/var/lib/docker/containers/%s", id);
	assert_true(pe_docker_data_root_of(rec, id, out, sizeof(out)));
	assert_string_equal(out, "/var/lib/docker");
	snprintf(rec, sizeof(rec), "/srv/d/containers/%s/config.v2.json", id);
	assert_true(pe_docker_data_root_of(rec, id, out, sizeof(out)));
	assert_string_equal(out, "/srv/d");
	assert_false(
	    pe_docker_data_root_of("/containers/x", "x", out, sizeof(out)));
	snprintf(rec, sizeof(rec), "/var/lib/docker/containers/%s", id);
	assert_false(
	    pe_docker_data_root_of(rec, "../../etc", out, sizeof(out)));
}

/* ---- hostile files -------------------------------------------------------
 */

#define HID "1111111111111111111111111111111111111111111111111111111111111111"
#define LAYER "2222222222222222222222222222222222222222222222222222222222222222"
#define CHAIN "3333333333333333333333333333333333333333333333333333333333333333"

static char scratch[256];

static void put(const char *rel, const char *text)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	for (char *p = path + strlen(scratch) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *const good_config =
    "{\"ID\":\"" HID "\",\"Name\":\"/x\",\"Driver\":\"overlay2\","
    "\"Path\":\"/bin/sh\",\"Args\":[\"-c\",\"exit 1\"],"
    "\"State\":{\"Running\":false,\"ExitCode\":1,"
    "\"FinishedAt\":\"2026-12-04T17:57:11.260534208Z\"},"
    "\"Config\":{\"Hostname\":\"h\",\"User\":\"\",\"Env\":[\"A=1\"]},"
    "\"MountPoints\":{}}";

static void hostile_tree(const char *config, const char *mount_id,
			 const char *init_id, const char *parent)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/var", scratch);
	assert_int_equal(system(cmd), 0);
	put("var/lib/docker/containers/" HID "/config.v2.json", config);
	put("var/lib/docker/containers/" HID "/hostconfig.json", "{}");
	put("var/lib/docker/image/overlay2/layerdb/mounts/" HID "/mount-id",
	    mount_id);
	if (init_id)
		put("var/lib/docker/image/overlay2/layerdb/mounts/" HID
		    "/init-id",
		    init_id);
	put("var/lib/docker/image/overlay2/layerdb/mounts/" HID "/parent",
	    parent);
	put("var/lib/docker/image/overlay2/layerdb/sha256/" CHAIN "/cache-id",
	    LAYER);
	put("var/lib/docker/overlay2/" LAYER "/link", "AAAA");
	put("var/lib/docker/overlay2/" LAYER "-init/link", "BBBB");
}

static int recover_scratch(struct pe_recovered_container *c,
			   struct pe_error *err)
{
	struct pe_hostroot hr;
	int rc;

	pe_error_clear(err);
	if (pe_hostroot_open(&hr, scratch, err))
		fail_msg("%s", err->msg);
	rc = pe_recover_docker(&hr, "/var/lib/docker", HID, c, err);
	pe_hostroot_close(&hr);
	return rc;
}

static void test_hostile_layers(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err;
	/* a mount id of 64 hex chars that is not LAYER: "LAYER0" is 65 */
	const char *mid =
	    "4444444444444444444444444444444444444444444444444444444444444444";
	char lower_path[512];

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(scratch, sizeof(scratch), "/tmp/test_recover_docker.XXXXXX");
	assert_non_null(mkdtemp(scratch));

	/* a well-formed tree first: it must pass, or the rest proves nothing */
	hostile_tree(good_config, mid, LAYER "-init", "sha256:" CHAIN);
	snprintf(lower_path, sizeof(lower_path),
		 "var/lib/docker/overlay2/%s/lower", mid);
	put(lower_path, "l/BBBB:l/AAAA");
	if (recover_scratch(&c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.n_lowerdirs, 2);
	assert_string_equal(c.lowerdirs[0],
			    "var/lib/docker/overlay2/" LAYER "-init/diff");
	assert_string_equal(c.lowerdirs[1],
			    "var/lib/docker/overlay2/" LAYER "/diff");
	assert_true(c.has_exit);
	assert_int_equal(c.exit_code, 1);
	pe_recovered_container_clear(&c);

	/* the lower file disagrees with layerdb: refused */
	put(lower_path, "l/AAAA:l/BBBB");
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	assert_non_null(strstr(err.msg, "lower"));
	put(lower_path, "l/BBBB");
	assert_int_equal(recover_scratch(&c, &err), -1);
	put(lower_path, "l/BBBB:l/AAAA");

	/* ids that would leave overlay2/: never a path */
	hostile_tree(good_config, "../../../../etc", NULL, "sha256:" CHAIN);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	assert_non_null(strstr(err.msg, "not a layer id"));
	hostile_tree(good_config, mid, "../" LAYER, "sha256:" CHAIN);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "not an init layer id"));
	hostile_tree(good_config, mid, NULL, "sha256:../../" CHAIN);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "not sha256:<64 hex>"));
	hostile_tree(good_config, mid, NULL, "sha256:" CHAIN);
	put("var/lib/docker/image/overlay2/layerdb/sha256/" CHAIN "/cache-id",
	    "/etc");
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "not a layer id"));
	/* a chain that loops is bounded */
	hostile_tree(good_config, mid, NULL, "sha256:" CHAIN);
	put("var/lib/docker/image/overlay2/layerdb/sha256/" CHAIN "/parent",
	    "sha256:" CHAIN);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "more than"));
	/* a symbolic link on the way is not followed */
	hostile_tree(good_config, mid, NULL, "sha256:" CHAIN);
	{
		char link[512], target[512];

		snprintf(
		    link, sizeof(link),
		    "%s/var/lib/docker/image/overlay2/layerdb/sha256/" CHAIN
		    "/cache-id",
		    scratch);
		snprintf(target, sizeof(target), "%s/etc-like", scratch);
		put("etc-like", LAYER);
		unlink(link);
		assert_int_equal(symlink(target, link), 0);
	}
	assert_int_equal(recover_scratch(&c, &err), -1);
	/* another storage driver */
	{
		char *cfg = strdup(good_config), *p = strstr(cfg, "overlay2");

		memcpy(p, "vfs     ", 8); /* "vfs" and spaces: Docker's vfs */
		memmove(p + 3, p + 8, strlen(p + 8) + 1);
		hostile_tree(cfg, mid, NULL, "sha256:" CHAIN);
		free(cfg);
	}
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_UNSUPPORTED);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_hostile_json(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{}{}",
		"{} x",
		"{\"ID\":\"short\"}",
		"{\"ID\":\"" HID "\",\"Config\":[]}",
		"{\"ID\":\"" HID "\",\"Config\":{},\"State\":{},\"Path\":1}",
		"{\"ID\":\"" HID "\",\"Config\":{\"Env\":[1]},\"State\":{}}",
		"{\"ID\":\"" HID "\",\"Config\":{},\"State\":{},"
		"\"MountPoints\":{\"/a\":{\"Destination\":2}}}",
		"{\"ID\":\"" HID "\",\"Config\":{\"Labels\":{"
		"\"io.kubernetes.sandbox.id\":\"../x\"}},\"State\":{}}",
	};
	struct pe_recovered_container c;
	struct pe_error err;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pe_error_clear(&err);
		if (pe_recover_docker_parse(bad[i], strlen(bad[i]), "{}", 2, &c,
					    &err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(err.kind, PE_ERR_PARSE);
	}
	/* a time past 2262 does not fit in nanoseconds: unknown, no
	 * overflow (found by fuzz_docker_recover) */
	{
		const char *cfg =
		    "{\"ID\":\"" HID "\",\"Config\":{},\"State\":{"
		    "\"FinishedAt\":\"9999-12-31T23:59:59.999999999Z\"}}";

		pe_error_clear(&err);
		assert_int_equal(pe_recover_docker_parse(cfg, strlen(cfg), NULL,
							 0, &c, &err),
				 0);
		assert_int_equal(c.finished_at_ns, 0);
		assert_false(c.has_exit);
		pe_recovered_container_clear(&c);
	}
	/* a user by name: refused with a hint, never guessed */
	{
		const char *cfg =
		    "{\"ID\":\"" HID "\",\"Config\":{\"User\":\"nobody\"},"
		    "\"State\":{}}";

		pe_error_clear(&err);
		assert_int_equal(pe_recover_docker_parse(cfg, strlen(cfg), NULL,
							 0, &c, &err),
				 -1);
		assert_int_equal(err.kind, PE_ERR_UNSUPPORTED);
	}
	/* a mount that leaves the clean path form: copy refuses the spec */
	{
		const char *cfg =
		    "{\"ID\":\"" HID "\",\"Config\":{},\"State\":{},"
		    "\"MountPoints\":{\"/a\":{\"Destination\":\"/a/../../b\","
		    "\"Source\":\"/x\",\"RW\":true,\"Type\":\"bind\"}}}";
		struct pe_copy_spec spec;

		memset(&spec, 0, sizeof(spec));
		pe_error_clear(&err);
		assert_int_equal(pe_recover_docker_parse(cfg, strlen(cfg), "{}",
							 2, &c, &err),
				 0);
		assert_int_equal(pe_copy_spec_parse(c.spec_json, &spec, &err),
				 -1);
		pe_copy_spec_clear(&spec);
		pe_recovered_container_clear(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_default_root),
		cmocka_unit_test(test_captured_moved_root),
		cmocka_unit_test(test_data_root_of),
		cmocka_unit_test(test_hostile_layers),
		cmocka_unit_test(test_hostile_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
