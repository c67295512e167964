/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podman 4.3's files, as the real podman on Debian 12 writes them: the
 * storage index (containers.json), the pod id in cgroupsPath, the infra
 * and member config.json, and resolution on the tree captured from real
 * podman (tests/fixtures/podman, tests/node/capture-podman-fixture.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/resolve.h"
#include "runtime/podman.h"
#include "runtime/sources.h"

#define POD_ID                                                                 \
	"08d794666b6ae743de74f51540397b8561ec9eac42a8899a7f11785095d0984f"
#define INFRA_ID                                                               \
	"91ac2d86b9b55442bb39a8e3bd4edb90e207cb0daf669a7ce44b0bab840bc026"
#define APP_ID                                                                 \
	"1c469c816300b6b92eb38823f078e60900bfe91f91fb8a0fe679eb8b82069ef7"
#define PLAIN_ID                                                               \
	"7d5ed59383c580f4078e1adf65aa1a66d8375b3811c2d89c5fc0dac6b45505a3"

/* containers.json as podman 4.3 writes it (metadata is JSON in a string) */
static const char index_json[] =
    "[{\"id\":\"" INFRA_ID "\",\"names\":[\"08d794666b6a-infra\"],"
    "\"image\":\"40b8\",\"layer\":\"x\",\"metadata\":\"{\\\"image-name\\\":"
    "\\\"localhost/podenter-e2e-pause:1\\\",\\\"name\\\":\\\"08d794666b6a-"
    "infra\\\",\\\"created-at\\\":1796398843}\",\"created\":\"2026-12-04\","
    "\"flags\":{\"MountLabel\":\"\"}},"
    "{\"id\":\"" APP_ID "\",\"names\":[\"pe-e2e-pod-app\"],\"metadata\":"
    "\"{\\\"image-name\\\":\\\"localhost/podenter-e2e-busybox:1\\\"}\"},"
    "{\"names\":[\"no-id\"]},{\"id\":\"" PLAIN_ID "\",\"names\":7,"
    "\"metadata\":\"not json\"}]";

static void test_index_names_and_images(void **state)
{
	struct pe_podman_index ix = { 0 };
	const char *name, *image;

	(void)state;
	assert_int_equal(pe_podman_index_add_json(&ix, index_json), 0);
	pe_podman_index_lookup(&ix, INFRA_ID, &name, &image);
	assert_string_equal(name, "08d794666b6a-infra");
	assert_string_equal(image, "localhost/podenter-e2e-pause:1");
	pe_podman_index_lookup(&ix, APP_ID, &name, &image);
	assert_string_equal(name, "pe-e2e-pod-app");
	assert_string_equal(image, "localhost/podenter-e2e-busybox:1");
	/* malformed entries: listed without name or image, never a crash */
	pe_podman_index_lookup(&ix, PLAIN_ID, &name, &image);
	assert_null(name);
	assert_null(image);
	pe_podman_index_lookup(&ix, "nope", &name, &image);
	assert_null(name);
	/* not an array: refused, what was loaded stays */
	assert_int_equal(pe_podman_index_add_json(&ix, "{\"id\":1}"), -1);
	assert_int_equal(pe_podman_index_add_json(&ix, "[1,"), -1);
	pe_podman_index_lookup(&ix, APP_ID, &name, &image);
	assert_string_equal(name, "pe-e2e-pod-app");
	pe_podman_index_free(&ix);
	pe_podman_index_lookup(&ix, APP_ID, &name, &image);
	assert_null(name);
}

static void test_pod_of_cgroups_path(void **state)
{
	char pod[65];

	(void)state;
	assert_true(pe_podman_pod_of_cgroups_path(
	    "/libpod_parent/" POD_ID "/libpod-" APP_ID, pod));
	assert_string_equal(pod, POD_ID);
	assert_true(pe_podman_pod_of_cgroups_path(
	    "machine-libpod_pod_" POD_ID ".slice:libpod:" APP_ID, pod));
	assert_string_equal(pod, POD_ID);
	/* a plain container: no pod level */
	assert_false(pe_podman_pod_of_cgroups_path(
	    "/libpod_parent/libpod-" PLAIN_ID, pod));
	assert_false(pe_podman_pod_of_cgroups_path(
	    "machine.slice:libpod:" PLAIN_ID, pod));
	assert_false(pe_podman_pod_of_cgroups_path(
	    "/libpod_parent/" POD_ID "x/libpod-" APP_ID, pod));
	assert_false(pe_podman_pod_of_cgroups_path("/" POD_ID, pod));
	assert_false(pe_podman_pod_of_cgroups_path("", pod));
	assert_false(pe_podman_pod_of_cgroups_path(NULL, pod));
	assert_false(
	    pe_podman_pod_of_cgroups_path("libpod_pod_" POD_ID "0.slice", pod));
}

/* config.json of podman 4.3's infra, member and plain containers (trimmed
 * to what is read; the annotations are complete) */
#define ANN_COMMON                                                             \
	"\"io.container.manager\":\"libpod\",\"io.kubernetes.cri-o.Created\":" \
	"\"2026-12-04T15:40:43Z\",\"io.kubernetes.cri-o.TTY\":\"false\","      \
	"\"org.opencontainers.image.stopSignal\":\"15\""
static const char infra_cfg[] =
    "{\"hostname\":\"pe-e2e-pod\",\"annotations\":{" ANN_COMMON "},"
    "\"linux\":{\"cgroupsPath\":\"/libpod_parent/" POD_ID "/libpod-" INFRA_ID
    "\"}}";
static const char member_cfg[] =
    "{\"annotations\":{" ANN_COMMON ",\"io.kubernetes.cri-o.ContainerType\":"
    "\"container\",\"io.kubernetes.cri-o.SandboxID\":\"" INFRA_ID "\"},"
    "\"linux\":{\"cgroupsPath\":\"/libpod_parent/" POD_ID "/libpod-" APP_ID
    "\"}}";
static const char plain_cfg[] =
    "{\"hostname\":\"7d5ed59383c5\",\"annotations\":{" ANN_COMMON "},"
    "\"linux\":{\"cgroupsPath\":\"/libpod_parent/libpod-" PLAIN_ID "\"}}";

static void fill(const char *cfg_text, const char *id,
		 const struct pe_podman_index *ix, struct pe_container *c)
{
	struct json_object *cfg = json_tokener_parse(cfg_text);

	assert_non_null(cfg);
	memset(c, 0, sizeof(*c));
	c->container_id = strdup(id);
	assert_int_equal(pe_podman_fill(c, cfg, ix), 0);
	json_object_put(cfg);
}

static void test_fill_infra_member_plain(void **state)
{
	struct pe_podman_index ix = { 0 };
	struct pe_container_list l = { 0 };
	struct pe_container *c;
	const char plain_index[] =
	    "[{\"id\":\"" PLAIN_ID "\",\"names\":[\"pe-e2e-plain\"]}]";

	(void)state;
	assert_int_equal(pe_podman_index_add_json(&ix, index_json), 0);
	assert_int_equal(pe_podman_index_add_json(&ix, plain_index), 0);

	/* a member listed before its infra: linked after the scan */
	c = pe_list_add(&l);
	fill(member_cfg, APP_ID, &ix, c);
	assert_false(c->is_sandbox);
	assert_string_equal(c->sandbox_id, INFRA_ID);
	assert_string_equal(c->namespace, PE_PODMAN_NAMESPACE);
	assert_string_equal(c->pod_uid, POD_ID);
	assert_string_equal(c->image, "localhost/podenter-e2e-busybox:1");
	assert_null(c->pod);

	c = pe_list_add(&l);
	fill(infra_cfg, INFRA_ID, &ix, c);
	assert_true(c->is_sandbox);
	assert_string_equal(c->pod, "pe-e2e-pod");
	assert_string_equal(c->pod_uid, POD_ID);
	assert_null(c->container);

	c = pe_list_add(&l);
	fill(plain_cfg, PLAIN_ID, &ix, c);
	assert_false(c->is_sandbox);
	assert_null(c->sandbox_id);
	assert_null(c->pod_uid);
	assert_string_equal(c->pod, "pe-e2e-plain");
	assert_string_equal(c->container, "pe-e2e-plain");

	assert_int_equal(pe_podman_link_pods(&l, 0), 0);
	assert_string_equal(l.items[0].pod, "pe-e2e-pod");
	assert_string_equal(l.items[0].container, "app");
	/* the plain container keeps its whole name */
	assert_string_equal(l.items[2].container, "pe-e2e-plain");
	pe_list_free(&l);
	pe_podman_index_free(&ix);
}

/* Without the index (the fuzz entry point) nothing is invented. */
static void test_record_from_json_without_index(void **state)
{
	struct pe_container c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pe_crio_record_from_json(member_cfg, &c), 0);
	assert_int_equal(c.runtime, PE_RT_PODMAN);
	assert_null(c.container);
	assert_null(c.pod);
	pe_container_clear(&c);
}

/* Resolution on the tree captured from real podman, against what podman
 * itself said at capture time (expected-containers.json). */
static struct json_object *expected(const char *name)
{
	char path[4096];
	struct json_object *all, *hit = NULL;

	snprintf(path, sizeof(path), "%s/podman/expected-containers.json",
		 FIXTURES);
	all = json_object_from_file(path);
	assert_non_null(all);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *c = json_object_array_get_idx(all, i), *n;

		json_object_object_get_ex(c, "Names", &n);
		if (strcmp(
			json_object_get_string(json_object_array_get_idx(n, 0)),
			name) == 0)
			hit = json_object_get(c);
	}
	json_object_put(all);
	assert_non_null(hit);
	return hit;
}

static int resolve(const char *text, const char *container,
		   struct pe_container *out, struct pe_error *err)
{
	struct pe_resolve_opts o = { .container = container };
	struct pe_hostroot hr;
	struct pe_target t;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/podman", FIXTURES);
	assert_int_equal(pe_hostroot_open(&hr, path, err), 0);
	assert_int_equal(pe_target_parse(text, NULL, &t, err), 0);
	r = pe_resolve(&hr, &t, &o, out, NULL, err);
	pe_hostroot_close(&hr);
	return r;
}

static void expect_resolves(const char *text, const char *container,
			    const char *podman_name, const char *short_name)
{
	struct json_object *want = expected(podman_name), *v;
	struct pe_container c;
	struct pe_error err;

	assert_int_equal(resolve(text, container, &c, &err), 0);
	json_object_object_get_ex(want, "Pid", &v);
	assert_int_equal(c.pid, json_object_get_int(v));
	json_object_object_get_ex(want, "Id", &v);
	assert_string_equal(c.container_id, json_object_get_string(v));
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	assert_int_equal(c.runtime, PE_RT_PODMAN);
	assert_string_equal(c.namespace, "podman");
	assert_string_equal(c.container, short_name);
	pe_container_clear(&c);
	json_object_put(want);
}

static void test_real_podman_tree(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	expect_resolves("podman/pe-e2e-pod", NULL, "pe-e2e-pod-app", "app");
	expect_resolves("podman/pe-e2e-pod", "side", "pe-e2e-pod-side", "side");
	expect_resolves("podman/pe-e2e-kube", "web", "pe-e2e-kube-web", "web");
	expect_resolves("podman/pe-e2e-plain", NULL, "pe-e2e-plain",
			"pe-e2e-plain");
	/* stopped: podman left a pidfile naming a process that is gone */
	assert_int_equal(resolve("podman/pe-e2e-stopped", NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "no running container"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_names_and_images),
		cmocka_unit_test(test_pod_of_cgroups_path),
		cmocka_unit_test(test_fill_infra_member_plain),
		cmocka_unit_test(test_record_from_json_without_index),
		cmocka_unit_test(test_real_podman_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
