/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolution on fixture node trees (tests/fixtures/<tree> as host root):
 * the real containerd 1.6 capture and the synthetic layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/cgroup.h"
#include "podenter/exec.h"
#include "podenter/resolve.h"
#include "runtime/sources.h"

static void open_tree(const char *name, struct pe_hostroot *hr)
{
	char path[4096];
	struct pe_error err;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	assert_int_equal(pe_hostroot_open(hr, path, &err), 0);
}

static int resolve(const char *tree, const char *text, const char *container,
		   bool any, struct pe_container *out, struct pe_error *err)
{
	struct pe_resolve_opts o = { .container = container, .any = any };
	struct pe_hostroot hr;
	struct pe_target t;
	int r;

	open_tree(tree, &hr);
	pe_error_clear(err);
	assert_int_equal(pe_target_parse(text, NULL, &t, err), 0);
	r = pe_resolve(&hr, &t, &o, out, NULL, err);
	pe_hostroot_close(&hr);
	return r;
}

/* The records a scan of a fixture tree with filter f finds, into l. */
static void scan_tree(const char *tree, const struct pe_scan_filter *f,
		      struct pe_container_list *l)
{
	struct pe_hostroot hr;
	struct pe_error err;

	open_tree(tree, &hr);
	assert_int_equal(pe_node_scan(&hr, f, l, NULL, &err), 0);
	pe_hostroot_close(&hr);
}

static void test_real_containerd_pod(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(resolve("containerd-real",
				 "default/web-6c9f8d7b5-q4x2m", "sidecar",
				 false, &c, &err),
			 0);
	assert_string_equal(c.container, "sidecar");
	assert_int_equal(c.pid, 5529);
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	assert_int_equal(c.runtime, PE_RT_CONTAINERD);
	assert_string_equal(c.pod_uid, "3a384993-ecc9-41d1-8ced-8605e85b58ad");
	assert_true(c.ns_inode[PE_NS_NET] != 0);
	assert_true(c.start_time != 0);
	pe_container_clear(&c);

	/* default container: the first started app container */
	assert_int_equal(resolve("containerd-real", "web-6c9f8d7b5-q4x2m", NULL,
				 false, &c, &err),
			 0);
	assert_string_equal(c.container, "app");
	pe_container_clear(&c);
}

/* The configured environment comes with the record (config.json parsed
 * once), and the session takes it from there, not from the file again. */
static void test_configured_env_read_with_the_record(void **state)
{
	struct pe_container c;
	struct pe_env e = { 0 };
	struct pe_hostroot hr;
	struct pe_error err;

	(void)state;
	assert_int_equal(
	    resolve("containerd-real", "hello", NULL, false, &c, &err), 0);
	assert_non_null(c.config_env);
	assert_string_equal(c.config_env[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			    "/usr/bin:/sbin:/bin");
	assert_string_equal(c.config_env[1], "HOSTNAME=hello");
	assert_null(c.config_env[2]);
	/* the bundle gone: the record's copy is what is used */
	free(c.bundle);
	c.bundle = strdup("/nonexistent-bundle");
	open_tree("containerd-real", &hr);
	assert_int_equal(pe_env_load_configured(&hr, &c, &e, &err), 1);
	assert_string_equal(pe_env_get(&e, "HOSTNAME"), "hello");
	pe_hostroot_close(&hr);
	pe_env_free(&e);
	{
		struct pe_container copy;

		assert_int_equal(pe_container_copy(&copy, &c), 0);
		assert_string_equal(copy.config_env[1], "HOSTNAME=hello");
		assert_null(copy.config_env[2]);
		pe_container_clear(&copy);
	}
	pe_container_clear(&c);
}

/*
 * A real systemd + cgroup v2 node (tests/vm, captured with VM_CAPTURE):
 * containerd 1.6 with SystemdCgroup = true, kubelet's slice names (the UID's
 * '-' escaped as '_'), each container in cri-containerd-<id>.scope.
 */
static void test_real_systemd_cgroup2_pods(void **state)
{
	static const struct {
		const char *target, *uid, *cgroup;
		pid_t pid;
		enum pe_qos qos;
	} want[] = {
		{ "qos/qos-burstable", "0689d4d1-9fb6-420f-9f71-a2e415af33c2",
		  "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod0689d4d1_9fb6_420f_9f71_a2e415af33c2."
		  "slice/cri-containerd-"
		  "4d73365f31cc65951ec467e8573131d9a0c4de9c2621ccd1abaafba1f03e"
		  "0011.scope",
		  1068, PE_QOS_BURSTABLE },
		{ "qos/qos-guaranteed", "ac965452-03a5-4008-90b3-0ad201ddfe61",
		  "/kubepods.slice/"
		  "kubepods-podac965452_03a5_4008_90b3_0ad201ddfe61.slice/"
		  "cri-containerd-"
		  "d6e598900b334ad08a49fef163aaa65e5e7ba46a7ff2e406e32e05e08d27"
		  "3fb3.scope",
		  973, PE_QOS_GUARANTEED },
		{ "qos/qos-besteffort", "2f48a8d5-ad2c-49c9-a228-f7bb3ad98680",
		  "/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod2f48a8d5_ad2c_49c9_a228_f7bb3ad98680."
		  "slice/cri-containerd-"
		  "1fe059ebf00558a79a866f4bbe9d66f7f8dc39ccec668fe6d82cfb7e6f18"
		  "12a9.scope",
		  1167, PE_QOS_BESTEFFORT },
	};
	struct pe_container c;
	struct pe_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pe_cgroup_info info;

		assert_int_equal(resolve("containerd-systemd-real",
					 want[i].target, NULL, false, &c, &err),
				 0);
		assert_int_equal(c.pid, want[i].pid);
		assert_int_equal(c.pid_state, PE_PID_VERIFIED);
		assert_int_equal(c.runtime, PE_RT_CONTAINERD);
		assert_string_equal(c.pod_uid, want[i].uid);
		assert_string_equal(c.cgroup, want[i].cgroup);
		assert_true(pe_cgroup_parse_path(c.cgroup, &info));
		assert_int_equal(info.qos, want[i].qos);
		assert_string_equal(info.pod_uid, want[i].uid);
		assert_string_equal(info.container_id, c.container_id);
		pe_container_clear(&c);
	}
	/* two containers of one pod, the second by name */
	assert_int_equal(resolve("containerd-systemd-real",
				 "default/web-6c9f8d7b5-q4x2m", "sidecar",
				 false, &c, &err),
			 0);
	assert_int_equal(c.pid, 1944);
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	pe_container_clear(&c);
}

static void test_same_name_two_namespaces(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(
	    resolve("containerd-real", "staging/api", NULL, false, &c, &err),
	    0);
	assert_string_equal(c.namespace, "staging");
	assert_int_equal(c.pid, 5406);
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("containerd-real", "default/api", NULL, false, &c, &err),
	    0);
	assert_int_equal(c.pid, 5316);
	pe_container_clear(&c);
	/* wrong namespace names where it is */
	assert_int_equal(resolve("containerd-real", "kube-system/api", NULL,
				 false, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "default, staging"));
}

static void test_restarted_takes_running_attempt(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(
	    resolve("containerd-real", "restarted", "app", false, &c, &err), 0);
	assert_int_equal(c.pid, 5005);
	assert_string_equal(c.container_id, "5387f7a039eaa0c42be4e04d9910a917"
					    "ae8a24353cf6415a69de0868806ead8a");
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	pe_container_clear(&c);
}

static void test_crashloop_falls_back_to_sandbox(void **state)
{
	struct pe_resolve_opts o = { 0 };
	struct pe_resolve_note note;
	struct pe_container c;
	struct pe_hostroot hr;
	struct pe_target t;
	struct pe_error err;

	(void)state;
	open_tree("containerd-real", &hr);
	assert_int_equal(pe_target_parse("crashloop", NULL, &t, &err), 0);
	assert_int_equal(pe_resolve(&hr, &t, &o, &c, &note, &err), 0);
	assert_true(c.is_sandbox);
	assert_true(note.sandbox_fallback);
	assert_int_equal(c.pid, 5073);
	pe_container_clear(&c);
	/* asking for the exited container by name says it is not running */
	o.container = "app";
	assert_int_equal(pe_resolve(&hr, &t, &o, &c, &note, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	assert_non_null(strstr(err.hint, "sandbox"));
	pe_hostroot_close(&hr);
}

static void test_deployment_prefix_is_ambiguous(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(resolve("containerd-real", "nginx-deployment", NULL,
				 false, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_AMBIGUOUS);
	assert_non_null(strstr(err.msg, "matches 3 pods"));
	assert_non_null(strstr(err.hint, "nginx-deployment-7848d4b86f-88nj7"));
	assert_non_null(strstr(err.hint, "--any"));
	assert_int_equal(resolve("containerd-real", "nginx-deployment", NULL,
				 true, &c, &err),
			 0);
	assert_string_equal(c.container, "nginx");
	pe_container_clear(&c);
	assert_int_equal(resolve("containerd-real", "nginx-deployment-*-bpvd6",
				 NULL, false, &c, &err),
			 0);
	assert_int_equal(c.pid, 4581);
	pe_container_clear(&c);
}

static void test_not_found_suggests(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(resolve("containerd-real",
				 "ngnix-deployment-7848d4b86f-88nj7", NULL,
				 false, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_non_null(
	    strstr(err.hint,
		   "did you mean default/nginx-deployment-7848d4b86f-88nj7?"));
	assert_int_equal(resolve("containerd-real", "web-6c9f8d7b5-q4x2m",
				 "nope", false, &c, &err),
			 -1);
	assert_non_null(strstr(err.hint, "app (running), sidecar (running)"));
}

static void test_stale_and_gone_pids_refused(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(resolve("containerd2-systemd-v2", "payments/stale-pod",
				 "app", false, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_STALE);
	assert_non_null(strstr(err.msg, "stale"));
	assert_int_equal(resolve("containerd2-systemd-v2", "payments/gone-pod",
				 "app", false, &c, &err),
			 -1);
	assert_non_null(strstr(err.msg, "no longer exists"));
	/* a zombie still names its cgroup, but it has exited */
	assert_int_equal(resolve("containerd2-systemd-v2",
				 "payments/zombie-pod", "app", false, &c, &err),
			 -1);
	assert_non_null(strstr(err.msg, "no longer exists"));
}

static void test_containerd2_sandbox_controller(void **state)
{
	struct pe_container_list l = { 0 };
	struct pe_hostroot hr;
	struct pe_error err;
	unsigned sandboxes = 0;

	(void)state;
	open_tree("containerd2-systemd-v2", &hr);
	assert_int_equal(pe_node_scan(&hr, NULL, &l, NULL, &err), 0);
	for (size_t i = 0; i < l.len; i++)
		sandboxes += l.items[i].is_sandbox;
	assert_int_equal(sandboxes, 6);
	pe_list_free(&l);
	pe_hostroot_close(&hr);
}

static void test_other_runtimes(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(resolve("crio",
				 "openshift-monitoring/prometheus-k8s-0",
				 "config-reloader", false, &c, &err),
			 0);
	assert_int_equal(c.runtime, PE_RT_CRIO);
	assert_int_equal(c.pid, 4102);
	pe_container_clear(&c);
	/* Docker: test_docker_captured */
	assert_int_equal(
	    resolve("podman", "podman/pe-e2e-kube", NULL, false, &c, &err), 0);
	assert_int_equal(c.runtime, PE_RT_PODMAN);
	assert_string_equal(c.container, "web"); /* captured: test_podman.c */
	pe_container_clear(&c);
	/* k3s state root, containerd 1.5 without sandbox-uid annotations */
	assert_int_equal(resolve("k3s", "kube-system/coredns-6799fbcd5-9xk2d",
				 NULL, false, &c, &err),
			 0);
	assert_int_equal(c.pid, 3101);
	assert_non_null(c.pod_uid);
	pe_container_clear(&c);
}

/* tests/fixtures/docker: captured from Docker 20.10 by
 * tests/node/docker-e2e.sh (its expected-inspect.json is docker inspect) */
static void test_docker_captured(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	/* cri-dockerd's names: attempt 1 of app runs, attempt 0 exited */
	assert_int_equal(
	    resolve("docker", "default/pe-dock-web", NULL, false, &c, &err), 0);
	assert_int_equal(c.runtime, PE_RT_DOCKER);
	assert_string_equal(c.container, "app");
	assert_int_equal(c.pid, 17845);
	assert_int_equal(c.attempt, 1);
	assert_string_equal(c.pod_uid, "0d0c4e2e-7a3b-4c55-9f10-5e2e0d0c4e2e");
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("docker", "pe-dock-web", "side", false, &c, &err), 0);
	assert_int_equal(c.pid, 17896);
	assert_int_equal(c.attempt, 0);
	pe_container_clear(&c);
	/* a plain container: its own pod, by its name, namespace docker */
	assert_int_equal(
	    resolve("docker", "docker/pe-dock-plain", NULL, false, &c, &err),
	    0);
	assert_int_equal(c.pid, 17949);
	assert_string_equal(c.container, "pe-dock-plain");
	assert_int_equal(c.attempt, -1);
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("docker", "docker/pe-dock-stopped", NULL, false, &c, &err),
	    -1);
	assert_non_null(strstr(err.msg, "has no running container"));
	/* a moved data root (--data-root): found through the root.path of
	 * dockerd's containerd tasks */
	assert_int_equal(
	    resolve("docker-moved-root", "pe-dock-web", NULL, false, &c, &err),
	    0);
	assert_int_equal(c.pid, 20228);
	assert_string_equal(c.container, "app");
	pe_container_clear(&c);
	assert_int_equal(resolve("docker-moved-root", "docker/pe-dock-stopped",
				 NULL, false, &c, &err),
			 -1);
	assert_non_null(strstr(err.msg, "has no running container"));
	assert_non_null(strstr(err.hint, "pe-dock-stopped (exited)"));
}

/* docker pause froze the container's v1 freezer cgroup (captured) */
static void test_docker_paused_is_paused(void **state)
{
	struct pe_container_list l = { 0 };
	struct pe_hostroot hr;
	struct pe_target t;
	struct pe_error err;

	(void)state;
	open_tree("docker", &hr);
	assert_int_equal(pe_target_parse("docker/pe-dock-*", NULL, &t, &err),
			 0);
	assert_int_equal(pe_resolve_pods(&hr, &t, false, &l, NULL, &err), 0);
	assert_int_equal(l.len, 3);
	for (size_t i = 0; i < l.len; i++) {
		const char *want =
		    strcmp(l.items[i].pod, "pe-dock-paused") == 0 ? "paused"
		    : strcmp(l.items[i].pod, "pe-dock-stopped") == 0
			? "exited"
			: "running";

		assert_string_equal(pe_container_state(&l.items[i]), want);
	}
	pe_list_free(&l);
	pe_hostroot_close(&hr);
}

static void test_docker_attempt_of_name(void **state)
{
	(void)state;
	assert_int_equal(pe_docker_attempt_of_name("/k8s_app_web_default_"
						   "0d0c-uid_3"),
			 3);
	assert_int_equal(pe_docker_attempt_of_name("k8s_POD_web_default_u_0"),
			 0);
	assert_int_equal(pe_docker_attempt_of_name("/plain"), -1);
	assert_int_equal(pe_docker_attempt_of_name(NULL), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d"), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d_e_7"), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d_x"), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d_1x"), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d_"), -1);
	assert_int_equal(pe_docker_attempt_of_name("k8s_a_b_c_d_-1"), -1);
	assert_int_equal(
	    pe_docker_attempt_of_name("k8s_a_b_c_d_99999999999999999999"), -1);
}

static void test_proc_fallback(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	/* names come from kubelet's logs, the init is the oldest process */
	assert_int_equal(
	    resolve("procscan", "web-5f4d8-hhx2k", NULL, false, &c, &err), 0);
	assert_string_equal(c.container, "web");
	assert_int_equal(c.pid, 7101);
	assert_int_equal(c.source, PE_SRC_PROC_CGROUP);
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("procscan", "kind/nginx-kind-0", NULL, false, &c, &err), 0);
	assert_int_equal(c.pid, 7201);
	assert_int_equal(c.runtime, PE_RT_CONTAINERD);
	pe_container_clear(&c);
}

static void test_id_and_pid_targets(void **state)
{
	struct pe_container c;
	struct pe_error err;

	(void)state;
	assert_int_equal(
	    resolve("containerd-real", "id:cf915b40", NULL, false, &c, &err),
	    0);
	assert_string_equal(c.container, "app");
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("containerd-real", "pid:5529", NULL, false, &c, &err), 0);
	assert_string_equal(c.container, "sidecar");
	assert_string_equal(c.pod, "web-6c9f8d7b5-q4x2m");
	pe_container_clear(&c);
	assert_int_equal(
	    resolve("containerd-real", "pid:999999", NULL, false, &c, &err),
	    -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	assert_int_equal(resolve("containerd-real", "id:ffffffffffff", NULL,
				 false, &c, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
}

static void test_no_runtime_state(void **state)
{
	struct pe_container c;
	struct pe_hostroot hr;
	struct pe_target t;
	struct pe_error err;

	(void)state;
	assert_int_equal(pe_hostroot_open(&hr, FIXTURES "/..", &err), 0);
	assert_int_equal(pe_target_parse("web", NULL, &t, &err), 0);
	assert_int_equal(pe_resolve(&hr, &t, NULL, &c, NULL, &err), -1);
	assert_int_equal(err.kind, PE_ERR_NO_RUNTIME);
	assert_non_null(
	    strstr(err.hint,
		   "/run/containerd/io.containerd.runtime.v2.task (missing)"));
	pe_hostroot_close(&hr);
}

static void test_filtered_scan_reads_only_matches(void **state)
{
	struct pe_scan_filter f = { .literal = "qos-burstable" };
	struct pe_container_list l = { 0 };

	(void)state;
	scan_tree("containerd-real", &f, &l);
	assert_int_equal(l.len, 2); /* sandbox and app: nothing else parsed */
	pe_list_free(&l);
}

/* The kubelet-index fast path must give what a full scan gives, for every
 * container of every pod of the real capture. */
/* Every running container of a tree, resolved by its pod's name (through
 * kubelet's log index when the tree has one), is the one the full scan
 * finds. Returns how many were checked. */
static unsigned fast_path_agrees(const char *tree)
{
	struct pe_container_list all = { 0 };
	struct pe_hostroot hr;
	struct pe_error err;
	unsigned checked = 0;

	open_tree(tree, &hr);
	assert_int_equal(pe_node_scan(&hr, NULL, &all, NULL, &err), 0);
	for (size_t i = 0; i < all.len; i++) {
		struct pe_container *want = &all.items[i];
		struct pe_resolve_opts o = { .container = want->container };
		struct pe_container got;
		struct pe_target t;
		char text[600];

		if (want->is_sandbox || !want->container)
			continue;
		pe_verify_pid(&hr, want);
		if (want->pid_state != PE_PID_VERIFIED)
			continue;
		snprintf(text, sizeof(text), "%s/%s", want->namespace,
			 want->pod);
		assert_int_equal(pe_target_parse(text, NULL, &t, &err), 0);
		assert_int_equal(pe_resolve(&hr, &t, &o, &got, NULL, &err), 0);
		assert_string_equal(got.container_id, want->container_id);
		assert_int_equal(got.pid, want->pid);
		if (want->sandbox_id)
			assert_string_equal(got.sandbox_id, want->sandbox_id);
		pe_container_clear(&got);
		checked++;
	}
	pe_list_free(&all);
	pe_hostroot_close(&hr);
	return checked;
}

static void test_fast_path_agrees_with_full_scan(void **state)
{
	(void)state;
	assert_true(fast_path_agrees("containerd-real") >= 12);
	/* Docker with kubelet's log links, as cri-dockerd nodes have them:
	 * app, side, a plain and a paused container */
	assert_int_equal(fast_path_agrees("docker"), 4);
	assert_int_equal(fast_path_agrees("docker-moved-root"), 4);
	/* the systemd cgroup v2 node (tests/vm): 16 running containers */
	assert_true(fast_path_agrees("containerd-systemd-real") >= 12);
}

static void test_exact_ids_filter(void **state)
{
	static const char *const ids[] = {
		"cf915b40983c8ff71b64e75fe7c363b3cf1bca31790a5f8d51afa7bafa12c2"
		"45",
	};
	struct pe_scan_filter f = { .ids = ids, .nids = 1 };
	struct pe_container_list l = { 0 };

	(void)state;
	scan_tree("containerd-real", &f, &l);
	assert_int_equal(l.len, 1);
	assert_string_equal(l.items[0].container, "app");
	pe_list_free(&l);
}

/* Resolution by pod name reads the containers' bundles by id (kubelet's
 * log index); their sandboxes come from the same directory in the same
 * pass (with_sandboxes), not from a second scan of every source. */
static void test_exact_ids_with_their_sandboxes(void **state)
{
	static const char *const ids[] = {
		"cf915b40983c8ff71b64e75fe7c363b3cf1bca31790a5f8d51afa7bafa12c2"
		"45",
	};
	struct pe_scan_filter f = { .ids = ids,
				    .nids = 1,
				    .with_sandboxes = true };
	struct pe_container_list l = { 0 };

	(void)state;
	scan_tree("containerd-real", &f, &l);
	assert_int_equal(l.len, 2);
	assert_string_equal(l.items[0].container, "app");
	assert_non_null(l.items[0].sandbox_id);
	assert_true(l.items[1].is_sandbox);
	assert_string_equal(l.items[1].container_id, l.items[0].sandbox_id);
	pe_list_free(&l);
}

/* An id is one directory name of the runtime's state: the ids of an
 * exact-ids scan come from files a container's spec reaches (a sandbox-id
 * annotation), and "../" must not lead out (here: back into the same
 * bundle, which would be found if the id were opened as a path). */
static void test_ids_are_one_path_component(void **state)
{
	static const char *const ids[] = {
		("../k8s.io/cf915b40983c8ff71b64e75fe7c363b3cf1bca31790a5f8d51"
		 "afa7bafa12c245"),
		"..",
		".",
	};
	struct pe_scan_filter f = { .ids = ids, .nids = 3 };
	struct pe_container_list l = { 0 };

	(void)state;
	scan_tree("containerd-real", &f, &l);
	assert_int_equal(l.len, 0);
	pe_list_free(&l);
}

static void test_kubelet_log_names(void **state)
{
	struct pe_kubelet_log_name n;
	char ns[64], pod[254], uid[64];

	(void)state;
	assert_true(pe_kubelet_parse_log_name(
	    "nginx-deployment-7848d4b86f-6qzm9_default_nginx-abc123.log", &n));
	assert_string_equal(n.pod, "nginx-deployment-7848d4b86f-6qzm9");
	assert_string_equal(n.namespace, "default");
	assert_string_equal(n.container, "nginx");
	assert_string_equal(n.id, "abc123");
	/* container names hold '-': the id is after the LAST '-' */
	assert_true(
	    pe_kubelet_parse_log_name("p_ns_config-reloader-ff00.log", &n));
	assert_string_equal(n.container, "config-reloader");
	assert_string_equal(n.id, "ff00");
	assert_false(pe_kubelet_parse_log_name("p_ns_c.log", &n));
	assert_false(pe_kubelet_parse_log_name("p_ns_c-1.txt", &n));
	assert_false(pe_kubelet_parse_log_name("a_b_c_d-1.log", &n));
	assert_false(pe_kubelet_parse_log_name(".log", &n));
	assert_true(pe_kubelet_parse_pod_dir(
	    "kube-system_coredns-1_93c18bc4-a134", ns, sizeof(ns), pod,
	    sizeof(pod), uid, sizeof(uid)));
	assert_string_equal(ns, "kube-system");
	assert_string_equal(pod, "coredns-1");
	assert_string_equal(uid, "93c18bc4-a134");
	assert_false(pe_kubelet_parse_pod_dir("nounderscores", ns, sizeof(ns),
					      pod, sizeof(pod), uid,
					      sizeof(uid)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_containerd_pod),
		cmocka_unit_test(test_real_systemd_cgroup2_pods),
		cmocka_unit_test(test_configured_env_read_with_the_record),
		cmocka_unit_test(test_same_name_two_namespaces),
		cmocka_unit_test(test_restarted_takes_running_attempt),
		cmocka_unit_test(test_crashloop_falls_back_to_sandbox),
		cmocka_unit_test(test_deployment_prefix_is_ambiguous),
		cmocka_unit_test(test_not_found_suggests),
		cmocka_unit_test(test_stale_and_gone_pids_refused),
		cmocka_unit_test(test_containerd2_sandbox_controller),
		cmocka_unit_test(test_other_runtimes),
		cmocka_unit_test(test_docker_captured),
		cmocka_unit_test(test_docker_paused_is_paused),
		cmocka_unit_test(test_docker_attempt_of_name),
		cmocka_unit_test(test_proc_fallback),
		cmocka_unit_test(test_id_and_pid_targets),
		cmocka_unit_test(test_no_runtime_state),
		cmocka_unit_test(test_filtered_scan_reads_only_matches),
		cmocka_unit_test(test_kubelet_log_names),
		cmocka_unit_test(test_fast_path_agrees_with_full_scan),
		cmocka_unit_test(test_exact_ids_filter),
		cmocka_unit_test(test_exact_ids_with_their_sandboxes),
		cmocka_unit_test(test_ids_are_one_path_component),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
