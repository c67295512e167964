/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recovering podman (and CRI-O: the same containers/storage) containers for
 * `podenter copy` (recover_storage.c). First on the files real podman 4.3.1
 * wrote (tests/fixtures/podman, captured by tests/node/podman-e2e.sh
 * through capture-podman-fixture.sh), compared with `podman inspect` of the
 * same containers (expected-inspect.json): the layer chain against
 * GraphDriver.Data.LowerDir and UpperDir, the process against Config's
 * Env, WorkingDir and User, the name. Then the same layout made hostile:
 * every id that becomes a path component, chains that loop or never end,
 * the JSON's types, files that are links or FIFOs, a lower file that
 * disagrees with layers.json.
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

static bool spec_env_has(struct json_object *spec, const char *kv)
{
	struct json_object *env = field(field(spec, "process"), "env");

	for (size_t i = 0; env && i < json_object_array_length(env); i++)
		if (strcmp(json_object_get_string(
			       json_object_array_get_idx(env, i)),
			   kv) == 0)
			return true;
	return false;
}

/* One container: what podenter recovers against what podman inspect said. */
static void check_one(const struct pe_hostroot *hr, struct json_object *in,
		      int *crash_seen)
{
	const char *id = sfield(in, "Id");
	struct json_object *gd = field(field(in, "GraphDriver"), "Data");
	struct json_object *config = field(in, "Config");
	struct json_object *env = field(config, "Env");
	struct json_object *spec;
	struct pe_recovered_container c;
	struct pe_copy_spec cs;
	struct pe_error err;
	char lower[16384] = "";
	size_t used = 0;

	memset(&c, 0, sizeof(c));
	memset(&cs, 0, sizeof(cs));
	pe_error_clear(&err);
	if (pe_recover_storage(hr, NULL, NULL, id, &c, &err) != 0)
		fail_msg("%s: %s", id, err.msg);
	assert_string_equal(c.id, id);
	/* the layers, top first, as podman mounted them */
	for (size_t i = 0; i < c.n_lowerdirs; i++)
		used += (size_t)snprintf(lower + used, sizeof(lower) - used,
					 "%s/%s", i ? ":" : "", c.lowerdirs[i]);
	assert_string_equal(lower, sfield(gd, "LowerDir"));
	/* the upper layer's diff is not captured (no container's files) */
	assert_null(c.upperdir);
	assert_string_equal(c.layers_root,
			    "/var/lib/containers/storage/overlay");
	assert_string_equal(c.snapshotter, "overlay");
	/* the container's own userdata is the runtime's */
	assert_non_null(c.runtime_dirs[0]);
	assert_non_null(strstr(c.runtime_dirs[0], id));
	/* the spec as podman wrote it, through copy's own parser */
	if (pe_copy_spec_parse(c.spec_json, &cs, &err) != 0)
		fail_msg("%s: %s", id, err.msg);
	spec = json_tokener_parse(c.spec_json);
	assert_non_null(spec);
	for (size_t i = 0; env && i < json_object_array_length(env); i++)
		if (!spec_env_has(spec, json_object_get_string(
					    json_object_array_get_idx(env, i))))
			fail_msg("%s: inspect's env %s is not in the spec", id,
				 json_object_get_string(
				     json_object_array_get_idx(env, i)));
	assert_string_equal(cs.cwd, sfield(config, "WorkingDir"));
	/* the exit, from podman's database, as podman inspect says it */
	if (strcmp(sfield(field(in, "State"), "Status"), "exited") == 0) {
		assert_true(c.has_exit);
		assert_int_equal(
		    c.exit_code,
		    json_object_get_int(field(field(in, "State"), "ExitCode")));
		assert_true(c.finished_at_ns > 0);
	} else {
		assert_false(c.has_exit);
	}
	if (strcmp(sfield(in, "Name"), "pe-e2e-copy-crash") == 0) {
		/* --user 1234:2345 --workdir /www -e CRASH_ENV=..., a
		 * k8s-file log beside the spec */
		assert_string_equal(sfield(config, "User"), "1234:2345");
		assert_int_equal(cs.uid, 1234);
		assert_int_equal(cs.gid, 2345);
		assert_string_equal(cs.cwd, "/www");
		assert_int_equal(c.exit_code, 3);
		assert_string_equal(c.reason, "Error");
		assert_int_equal(c.restart_count, 0);
		/* its image is podman's import plus a podman commit: two
		 * layers below its own */
		assert_int_equal(c.n_lowerdirs, 2);
		assert_true(spec_env_has(spec, "CRASH_ENV=from the spec"));
		assert_string_equal(c.container, "pe-e2e-copy-crash");
		assert_string_equal(c.namespace, "podman");
		assert_non_null(c.sandbox_id);
		/* the pod's infra holds hosts and hostname: the runtime's */
		assert_non_null(c.runtime_dirs[2]);
		for (size_t i = 0; i < cs.n_mounts; i++)
			if (cs.mounts[i].kind == PE_COPY_MOUNT_BIND)
				assert_int_equal(pe_copy_classify_source_of(
						     &c, cs.mounts[i].source),
						 PE_COPY_SRC_RUNTIME);
		assert_non_null(c.log_path);
		assert_non_null(strstr(c.log_path, "/userdata/ctr.log"));
		(*crash_seen)++;
	}
	json_object_put(spec);
	pe_copy_spec_clear(&cs);
	pe_recovered_container_clear(&c);
}

static void test_captured(void **state)
{
	struct json_object *all;
	struct pe_hostroot hr;
	struct pe_error err;
	int crash_seen = 0;
	size_t checked = 0;

	(void)state;
	pe_error_clear(&err);
	if (pe_hostroot_open(&hr, FIXTURES "/podman", &err))
		fail_msg("%s", err.msg);
	all = json_object_from_file(FIXTURES "/podman/expected-inspect.json");
	assert_non_null(all);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *in = json_object_array_get_idx(all, i);

		/* podman writes the spec at the first start: a container
		 * only created has none (see test_created_never_started) */
		if (strcmp(sfield(field(in, "State"), "Status"), "created") ==
		    0)
			continue;
		check_one(&hr, in, &crash_seen);
		checked++;
	}
	assert_true(checked >= 8);
	assert_int_equal(crash_seen, 1);
	json_object_put(all);
	pe_hostroot_close(&hr);
}

static void test_created_never_started(void **state)
{
	struct json_object *all;
	struct pe_recovered_container c;
	struct pe_hostroot hr;
	struct pe_error err;
	int seen = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	pe_error_clear(&err);
	if (pe_hostroot_open(&hr, FIXTURES "/podman", &err))
		fail_msg("%s", err.msg);
	all = json_object_from_file(FIXTURES "/podman/expected-inspect.json");
	assert_non_null(all);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *in = json_object_array_get_idx(all, i);

		if (strcmp(sfield(field(in, "State"), "Status"), "created") !=
		    0)
			continue;
		pe_error_clear(&err);
		assert_int_equal(pe_recover_storage(&hr, NULL, NULL,
						    sfield(in, "Id"), &c, &err),
				 -1);
		assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
		assert_non_null(strstr(err.msg, "no OCI spec"));
		assert_non_null(strstr(err.hint, "never started"));
		seen++;
	}
	assert_int_equal(seen, 1);
	json_object_put(all);
	pe_hostroot_close(&hr);
}

/* ---- hostile files -------------------------------------------------------
 */

#define CID "1111111111111111111111111111111111111111111111111111111111111111"
#define TOP "2222222222222222222222222222222222222222222222222222222222222222"
#define MID "3333333333333333333333333333333333333333333333333333333333333333"
#define BASE "4444444444444444444444444444444444444444444444444444444444444444"
#define SB "5555555555555555555555555555555555555555555555555555555555555555"
#define GRAPH "var/lib/containers/storage"

static const char *const good_containers =
    "[{\"id\":\"" CID "\",\"names\":[\"crash\"],\"layer\":\"" TOP "\","
    "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/x:1\\\"}\"}]";
static const char *const good_layers =
    "[{\"id\":\"" BASE "\"},{\"id\":\"" MID "\",\"parent\":\"" BASE "\"},"
    "{\"id\":\"" TOP "\",\"parent\":\"" MID "\"}]";
static const char *const good_config =
    "{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"A=1\"],\"cwd\":\"/w\","
    "\"user\":{\"uid\":7,\"gid\":8}},\"hostname\":\"h\","
    "\"annotations\":{\"io.container.manager\":\"libpod\","
    "\"io.kubernetes.cri-o.ContainerType\":\"container\","
    "\"io.kubernetes.cri-o.SandboxID\":\"" SB "\"}}";

static int parse(const char *containers, const char *layers, const char *config,
		 struct pe_recovered_container *c, struct pe_error *err)
{
	pe_error_clear(err);
	return pe_recover_storage_parse(containers, strlen(containers), layers,
					strlen(layers), config, strlen(config),
					CID, GRAPH, c, err);
}

static void refused(const char *containers, const char *layers,
		    const char *config, enum pe_error_kind kind,
		    const char *words)
{
	struct pe_recovered_container c;
	struct pe_error err;

	memset(&c, 0, sizeof(c));
	if (parse(containers, layers, config, &c, &err) != -1)
		fail_msg("accepted: %s | %s | %s", containers, layers, config);
	assert_int_equal(err.kind, kind);
	if (!strstr(err.msg, words))
		fail_msg("message '%s' lacks '%s'", err.msg, words);
	/* nothing half-filled is left */
	assert_null(c.spec_json);
	assert_int_equal(c.n_lowerdirs, 0);
}

static void test_parse_good(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err;

	(void)state;
	memset(&c, 0, sizeof(c));
	if (parse(good_containers, good_layers, good_config, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.upperdir, GRAPH "/overlay/" TOP "/diff");
	assert_int_equal(c.n_lowerdirs, 2);
	assert_string_equal(c.lowerdirs[0], GRAPH "/overlay/" MID "/diff");
	assert_string_equal(c.lowerdirs[1], GRAPH "/overlay/" BASE "/diff");
	assert_string_equal(c.sandbox_id, SB);
	assert_string_equal(c.container, "crash");
	assert_string_equal(c.image, "localhost/x:1");
	assert_string_equal(c.spec_json, good_config);
	pe_recovered_container_clear(&c);
}

static void test_parse_hostile_ids(void **state)
{
	char containers[1024], layers[1024], config[2048];

	(void)state;
	/* the container's layer: upper case, short, a path, none */
	static const char *const bad_layers[] = {
		"2222222222222222222222222222222222222222222222222222222222222"
		"A",
		"22222222",
		"../../../../etc",
		"22222222222222222222222222222222222222222222222222222222222222"
		"22/"
		"..",
	};
	for (size_t i = 0; i < sizeof(bad_layers) / sizeof(*bad_layers); i++) {
		snprintf(containers, sizeof(containers),
			 "[{\"id\":\"" CID "\",\"layer\":\"%s\"}]",
			 bad_layers[i]);
		refused(containers, good_layers, good_config, PE_ERR_PARSE,
			"not a layer id");
	}
	refused("[{\"id\":\"" CID "\"}]", good_layers, good_config,
		PE_ERR_PARSE, "not a layer id");
	refused("[{\"id\":\"" CID "\",\"layer\":7}]", good_layers, good_config,
		PE_ERR_PARSE, "not a layer id");
	/* a parent that is a path */
	snprintf(layers, sizeof(layers),
		 "[{\"id\":\"" TOP "\",\"parent\":\"../" BASE "\"}]");
	refused(good_containers, layers, good_config, PE_ERR_PARSE,
		"not a layer id");
	/* a sandbox id that is a path (it names runtime directories) */
	snprintf(config, sizeof(config),
		 "{\"process\":{},\"annotations\":{\"io.container.manager\":"
		 "\"libpod\",\"io.kubernetes.cri-o.SandboxID\":\"../../x\"}}");
	refused(good_containers, good_layers, config, PE_ERR_PARSE,
		"sandbox id");
	/* the container is not in the index */
	refused("[]", good_layers, good_config, PE_ERR_NOT_FOUND,
		"no container");
	/* the layer is not in layers.json, nor its parent */
	refused(good_containers, "[]", good_config, PE_ERR_NOT_FOUND,
		"no layer");
	refused(good_containers,
		"[{\"id\":\"" TOP "\",\"parent\":\"" MID "\"}]", good_config,
		PE_ERR_NOT_FOUND, "parent of");
}

static void test_parse_hostile_chains(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err;
	char *layers;
	size_t size = 600 * 160, used = 0;

	(void)state;
	/* a loop: TOP -> MID -> BASE -> MID */
	refused(good_containers,
		"[{\"id\":\"" BASE "\",\"parent\":\"" MID "\"},"
		"{\"id\":\"" MID "\",\"parent\":\"" BASE "\"},"
		"{\"id\":\"" TOP "\",\"parent\":\"" MID "\"}]",
		good_config, PE_ERR_PARSE, "loop");
	/* the container's layer its own parent */
	refused(good_containers,
		"[{\"id\":\"" TOP "\",\"parent\":\"" TOP "\"}]", good_config,
		PE_ERR_PARSE, "loop");
	/* a chain of 501 layers below the container's: refused, bounded */
	layers = malloc(size);
	assert_non_null(layers);
	used += (size_t)snprintf(layers + used, size - used, "[");
	for (int i = 0; i <= 501; i++)
		used += (size_t)snprintf(
		    layers + used, size - used,
		    "%s{\"id\":\"%064x\",\"parent\":\"%064x\"}", i ? "," : "",
		    i == 0 ? 0x2222 : i, i + 1);
	used += (size_t)snprintf(layers + used, size - used,
				 ",{\"id\":\"%064x\"}]", 502);
	assert_true(used < size);
	memset(&c, 0, sizeof(c));
	pe_error_clear(&err);
	assert_int_equal(
	    pe_recover_storage_parse(
		"[{\"id\":\"" CID
		"\",\"layer\":\"0000000000000000000000000000000000000000000000"
		"000000000000002222\"}]",
		strlen("[{\"id\":\"" CID
		       "\",\"layer\":\"000000000000000000000000000000000000000"
		       "0000000000000000000002222\"}]"),
		layers, used, good_config, strlen(good_config), CID, GRAPH, &c,
		&err),
	    -1);
	assert_non_null(strstr(err.msg, "more than 500"));
	free(layers);
}

static void test_parse_hostile_json(void **state)
{
	(void)state;
	refused("{}", good_layers, good_config, PE_ERR_PARSE,
		"containers.json is not");
	refused(good_containers, "{}", good_config, PE_ERR_PARSE,
		"layers.json is not");
	refused(good_containers, good_layers, "[]", PE_ERR_PARSE,
		"config.json is not");
	/* trailing bytes after the document */
	refused("[] []", good_layers, good_config, PE_ERR_PARSE,
		"containers.json is not");
	refused(good_containers, good_layers, "{} x", PE_ERR_PARSE,
		"config.json is not");
	/* a parent of another type */
	refused(good_containers,
		"[{\"id\":\"" TOP "\",\"parent\":[\"" MID "\"]}]", good_config,
		PE_ERR_PARSE, "not what containers/storage writes");
	refused(good_containers, "[{\"parent\":\"" MID "\"}]", good_config,
		PE_ERR_PARSE, "not what containers/storage writes");
}

/* ---- hostile trees on disk -----------------------------------------------
 */

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

static void good_tree(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/var %s/run %s/etc", scratch,
		 scratch, scratch);
	assert_int_equal(system(cmd), 0);
	put(GRAPH "/overlay-containers/containers.json", good_containers);
	put(GRAPH "/overlay-layers/layers.json", good_layers);
	put(GRAPH "/overlay-containers/" CID "/userdata/config.json",
	    good_config);
	put(GRAPH "/overlay/" BASE "/link", "BBBB");
	put(GRAPH "/overlay/" MID "/link", "MMMM");
	put(GRAPH "/overlay/" MID "/lower", "l/BBBB");
	put(GRAPH "/overlay/" TOP "/link", "TTTT");
	put(GRAPH "/overlay/" TOP "/lower", "l/MMMM:l/BBBB");
	mkdir(scratch, 0700);
	put("run/containers/storage/.keep", "");
}

static int recover_scratch(struct pe_recovered_container *c,
			   struct pe_error *err)
{
	struct pe_hostroot hr;
	int rc;

	pe_error_clear(err);
	if (pe_hostroot_open(&hr, scratch, err))
		fail_msg("%s", err->msg);
	rc = pe_recover_storage(&hr, NULL, NULL, CID, c, err);
	pe_hostroot_close(&hr);
	return rc;
}

static void test_tree_hostile(void **state)
{
	struct pe_recovered_container c;
	struct pe_error err;
	char path[1024];

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(scratch, sizeof(scratch), "/tmp/test_recover_storage.XXXXXX");
	assert_non_null(mkdtemp(scratch));

	/* the good tree passes, or the rest proves nothing */
	good_tree();
	if (recover_scratch(&c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(c.n_lowerdirs, 2);
	assert_null(c.upperdir); /* no diff directory: the layer is gone */
	assert_string_equal(c.runtime_dirs[0],
			    "/" GRAPH "/overlay-containers/" CID "/userdata");
	assert_string_equal(c.runtime_dirs[1],
			    "/run/containers/storage/overlay-containers/" CID
			    "/userdata");
	assert_string_equal(c.runtime_dirs[2],
			    "/" GRAPH "/overlay-containers/" SB "/userdata");
	assert_null(c.log_path);
	pe_recovered_container_clear(&c);

	/* with its diff and its log: the last run's layer, the log */
	put(GRAPH "/overlay/" TOP "/diff/f", "x");
	put(GRAPH "/overlay-containers/" CID "/userdata/ctr.log", "");
	assert_int_equal(recover_scratch(&c, &err), 0);
	assert_string_equal(c.upperdir, GRAPH "/overlay/" TOP "/diff");
	assert_string_equal(c.log_path, "/" GRAPH "/overlay-containers/" CID
					"/userdata/ctr.log");
	pe_recovered_container_clear(&c);

	/* the diff a symbolic link out of the storage: not the last run's */
	snprintf(path, sizeof(path), "%s/" GRAPH "/overlay/" TOP "/diff",
		 scratch);
	assert_int_equal(system("true"), 0);
	{
		char cmd[1200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s && ln -s /etc %s", path,
			 path);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(recover_scratch(&c, &err), 0);
	assert_null(c.upperdir);
	pe_recovered_container_clear(&c);

	/* the lower file names another chain */
	put(GRAPH "/overlay/" TOP "/lower", "l/BBBB:l/MMMM");
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "lower"));
	put(GRAPH "/overlay/" TOP "/lower", "l/MMMM");
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "number of layers"));
	put(GRAPH "/overlay/" TOP "/lower", "l/MMMM:l/BBBB");

	/* layers.json a symbolic link (to a file that would pass) */
	put("elsewhere/layers.json", good_layers);
	snprintf(path, sizeof(path), "%s/" GRAPH "/overlay-layers/layers.json",
		 scratch);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("../../../../../elsewhere/layers.json", path),
			 0);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_non_null(strstr(err.msg, "layers.json"));
	assert_int_equal(unlink(path), 0);

	/* a FIFO planted as layers.json: refused, never read (no hang) */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_equal(unlink(path), 0);
	put(GRAPH "/overlay-layers/layers.json", good_layers);

	/* the container's userdata a symbolic link */
	snprintf(path, sizeof(path), "%s/" GRAPH "/overlay-containers/" CID,
		 scratch);
	{
		char cmd[1200];

		snprintf(
		    cmd, sizeof(cmd),
		    "mv %s %s/elsewhere/ud && ln -s ../../../../elsewhere/ud "
		    "%s",
		    path, scratch, path);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_not_equal(err.kind, PE_ERR_NOT_FOUND);

	/* no spec at all (created, never started): NOT_FOUND with a hint */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(recover_scratch(&c, &err), -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_non_null(strstr(err.hint, "never started"));

	/* bad ids from the caller */
	{
		struct pe_hostroot hr;

		assert_int_equal(pe_hostroot_open(&hr, scratch, &err), 0);
		assert_int_equal(
		    pe_recover_storage(&hr, NULL, NULL, "../../etc", &c, &err),
		    -1);
		assert_int_equal(err.kind, PE_ERR_USAGE);
		pe_hostroot_close(&hr);
	}
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
		assert_int_equal(system(cmd), 0);
	}
}

/* CRI-O's shape of the same storage (written from CRI-O's source, not seen
 * here: CRI-O is not packaged for Debian 12): the spec under the run root
 * only, kubelet's identity in the annotations, kubelet's log path. */
#define POD_UID "0bd32637-9c26-4ca4-8bcf-5424e20cc34a"
static const char *const crio_config =
    "{\"process\":{\"args\":[\"/app\"],\"cwd\":\"/\",\"user\":{\"uid\":"
    "1000,\"gid\":1000}},\"mounts\":["
    "{\"destination\":\"/etc/config\",\"type\":\"bind\",\"source\":"
    "\"/var/lib/kubelet/pods/" POD_UID
    "/volumes/kubernetes.io~configmap/cfg\",\"options\":[\"ro\"]},"
    "{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":"
    "\"/run/containers/storage/overlay-containers/" SB
    "/userdata/resolv.conf\",\"options\":[\"ro\"]},"
    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":"
    "\"/srv/data\",\"options\":[]}],"
    "\"annotations\":{\"io.container.manager\":\"cri-o\","
    "\"io.kubernetes.cri-o.ContainerType\":\"container\","
    "\"io.kubernetes.cri-o.SandboxID\":\"" SB "\","
    "\"io.kubernetes.cri-o.LogPath\":\"/var/log/pods/default_web_" POD_UID
    "/app/0.log\",\"io.kubernetes.pod.name\":\"web\","
    "\"io.kubernetes.pod.namespace\":\"default\","
    "\"io.kubernetes.pod.uid\":\"" POD_UID "\","
    "\"io.kubernetes.container.name\":\"app\"}}";

static void test_crio_shape(void **state)
{
	struct pe_recovered_container c;
	struct pe_copy_spec cs;
	struct pe_error err;
	char path[1024];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&cs, 0, sizeof(cs));
	snprintf(scratch, sizeof(scratch), "/tmp/test_recover_storage.XXXXXX");
	assert_non_null(mkdtemp(scratch));
	good_tree();
	snprintf(path, sizeof(path),
		 "%s/" GRAPH "/overlay-containers/" CID "/userdata/config.json",
		 scratch);
	assert_int_equal(unlink(path), 0);
	put("run/containers/storage/overlay-containers/" CID
	    "/userdata/config.json",
	    crio_config);
	if (recover_scratch(&c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.namespace, "default");
	assert_string_equal(c.pod, "web");
	assert_string_equal(c.pod_uid, POD_UID);
	assert_string_equal(c.container, "app");
	assert_string_equal(c.sandbox_id, SB);
	assert_string_equal(c.log_path,
			    "/var/log/pods/default_web_" POD_UID "/app/0.log");
	assert_int_equal(pe_copy_spec_parse(c.spec_json, &cs, &err), 0);
	assert_int_equal(cs.n_mounts, 3);
	/* kubelet's volume of the pod, the sandbox's resolv.conf, a
	 * hostPath */
	assert_int_equal(pe_copy_classify_source_of(&c, cs.mounts[0].source),
			 PE_COPY_SRC_POD);
	assert_int_equal(pe_copy_classify_source_of(&c, cs.mounts[1].source),
			 PE_COPY_SRC_RUNTIME);
	assert_int_equal(pe_copy_classify_source_of(&c, cs.mounts[2].source),
			 PE_COPY_SRC_OTHER);
	/* another container's userdata is not this pod's runtime's */
	assert_int_equal(pe_copy_classify_source_of(
			     &c,
			     "/run/containers/storage/overlay-containers/" MID
			     "/userdata/hosts"),
			 PE_COPY_SRC_OTHER);
	/* no podman database: no exit known */
	assert_false(c.has_exit);
	pe_copy_spec_clear(&cs);
	pe_recovered_container_clear(&c);
	snprintf(path, sizeof(path), "rm -rf %s", scratch);
	assert_int_equal(system(path), 0);
}

/* a literal and its length */
#define LIT(s) s, strlen(s)

static void test_podman_state(void **state)
{
	struct pe_recovered_container c;
	const char *exited =
	    "{\"state\":6,\"startedTime\":\"2026-12-04T20:55:01.5+01:00\","
	    "\"finishedTime\":\"2026-12-04T19:55:02.25Z\",\"exitCode\":3,"
	    "\"exited\":true,\"restartCount\":2}";

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    pe_recover_podman_state_parse(exited, strlen(exited), &c), 0);
	assert_true(c.has_exit);
	assert_int_equal(c.exit_code, 3);
	assert_string_equal(c.reason, "Error");
	assert_int_equal(c.restart_count, 2);
	/* +01:00 is an hour ahead of UTC: the same instant, 750 ms apart */
	assert_int_equal(c.finished_at_ns - c.started_at_ns, 750000000LL);
	pe_recovered_container_clear(&c);
	/* running: no exit; OOM */
	assert_int_equal(
	    pe_recover_podman_state_parse(LIT("{\"state\":3}"), &c), 0);
	assert_false(c.has_exit);
	assert_int_equal(
	    pe_recover_podman_state_parse(
		LIT("{\"exited\":true,\"oomKilled\":true,\"exitCode\":137}"),
		&c),
	    0);
	assert_string_equal(c.reason, "OOMKilled");
	pe_recovered_container_clear(&c);
	/* the wrong types, not JSON, trailing bytes */
	assert_int_equal(
	    pe_recover_podman_state_parse(LIT("{\"exited\":\"yes\"}"), &c), -1);
	assert_int_equal(
	    pe_recover_podman_state_parse(LIT("{\"exitCode\":\"3\"}"), &c), -1);
	assert_int_equal(pe_recover_podman_state_parse(LIT("[]"), &c), -1);
	assert_int_equal(pe_recover_podman_state_parse(LIT("{} {}"), &c), -1);
	assert_int_equal(
	    pe_recover_podman_state_parse(LIT("{\"exited\":tr"), &c), -1);
	pe_recovered_container_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured),
		cmocka_unit_test(test_created_never_started),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_hostile_ids),
		cmocka_unit_test(test_parse_hostile_chains),
		cmocka_unit_test(test_parse_hostile_json),
		cmocka_unit_test(test_tree_hostile),
		cmocka_unit_test(test_podman_state),
		cmocka_unit_test(test_crio_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
