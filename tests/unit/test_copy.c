/* SPDX-License-Identifier: GPL-2.0-or-later */
/* podenter copy's checks of what a hostile pod may have influenced: paths,
 * bind sources, the spec, the layers, the last run's log (src/lib/copy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/copy.h"

#define UID "0f1e2d3c-aaaa-bbbb-cccc-000000000001"
#define SB "4ea30c79a3c8dc5111e1b9882d370dca0a3b5b17eb9423c1e0ac052f651335c1"
#define SNAP                                                                   \
	"/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"

static void test_clean_paths(void **state)
{
	static const char *const good[] = { "/", "/a", "/etc/app-config",
					    "/var/lib/x.y/z-1_2" };
	static const char *const bad[] = {
		"",	 "a",	   "/a/",
		"//a",	 "/a//b",  "/a/../b",
		"/..",	 "/a/./b", "/a,lowerdir=/",
		"/a:/b", "/a\nb",  "/a\\054b",
		"/a\tb", NULL,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(pe_copy_path_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(pe_copy_path_ok(bad[i]));
}

static void test_bind_sources(void **state)
{
	(void)state;
	assert_int_equal(pe_copy_classify_source("/var/lib/kubelet/pods/" UID
						 "/etc-hosts",
						 UID, SB),
			 PE_COPY_SRC_POD);
	assert_int_equal(pe_copy_classify_source(
			     "/var/lib/kubelet/pods/" UID
			     "/volumes/kubernetes.io~configmap/app-config",
			     UID, SB),
			 PE_COPY_SRC_POD);
	assert_int_equal(
	    pe_copy_classify_source("/var/lib/containerd/io.containerd.grpc.v1."
				    "cri/sandboxes/" SB "/resolv.conf",
				    UID, SB),
	    PE_COPY_SRC_RUNTIME);
	assert_int_equal(
	    pe_copy_classify_source("/run/containerd/io.containerd.grpc.v1.cri/"
				    "sandboxes/" SB "/shm",
				    UID, SB),
	    PE_COPY_SRC_RUNTIME);
	/* k3s's and rke2's containerd */
	assert_int_equal(pe_copy_classify_source(
			     "/run/k3s/containerd/io.containerd.grpc.v1.cri/"
			     "sandboxes/" SB "/shm",
			     UID, SB),
			 PE_COPY_SRC_RUNTIME);
	assert_int_equal(
	    pe_copy_classify_source("/var/lib/rancher/rke2/agent/containerd/"
				    "io.containerd.grpc.v1.cri/sandboxes/" SB
				    "/hostname",
				    UID, SB),
	    PE_COPY_SRC_RUNTIME);
	/* another sandbox's */
	assert_int_equal(
	    pe_copy_classify_source("/run/containerd/io.containerd.grpc.v1.cri/"
				    "sandboxes/0ther/shm",
				    UID, SB),
	    PE_COPY_SRC_OTHER);
	/* a hostPath, another pod's volume, the pod's directory itself, a
	 * name that only starts like the pod's, a climb out */
	assert_int_equal(pe_copy_classify_source("/etc", UID, SB),
			 PE_COPY_SRC_OTHER);
	assert_int_equal(
	    pe_copy_classify_source("/var/lib/kubelet/pods/other-uid/volumes",
				    UID, SB),
	    PE_COPY_SRC_OTHER);
	assert_int_equal(
	    pe_copy_classify_source("/var/lib/kubelet/pods/" UID, UID, SB),
	    PE_COPY_SRC_OTHER);
	assert_int_equal(pe_copy_classify_source(
			     "/var/lib/kubelet/pods/" UID "x/volumes", UID, SB),
			 PE_COPY_SRC_OTHER);
	assert_int_equal(pe_copy_classify_source("/var/lib/kubelet/pods/" UID
						 "/../../../../etc",
						 UID, SB),
			 PE_COPY_SRC_OTHER);
	/* an identity that is no plain name matches nothing */
	assert_int_equal(pe_copy_classify_source(
			     "/var/lib/kubelet/pods/x/etc-hosts", "..", SB),
			 PE_COPY_SRC_OTHER);
	assert_int_equal(
	    pe_copy_classify_source("/var/lib/kubelet/pods/a", NULL, NULL),
	    PE_COPY_SRC_OTHER);
}

static const char spec_good[] =
    "{\"ociVersion\":\"1.0.2\",\"hostname\":\"writer\","
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"process\":{\"args\":[\"sh\",\"-c\",\"exit 3\"],\"cwd\":\"/www\","
    "\"env\":[\"A=b\"],\"user\":{\"uid\":1234,\"gid\":2345,"
    "\"additionalGids\":[2345,7]}},"
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev/shm\",\"type\":\"bind\",\"source\":\"/run/"
    "containerd/x/shm\",\"options\":[\"rbind\",\"ro\"]},"
    "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/var/"
    "lib/kubelet/pods/u/etc-hosts\",\"options\":[\"rbind\",\"rw\"]},"
    "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\"}],"
    "\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/cmdline\","
    "\"/etc/shadow\"],\"readonlyPaths\":[\"/proc/sys\"]}}";

static void test_spec(void **state)
{
	struct pe_copy_spec s;
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_copy_spec_parse(spec_good, &s, &err), 0);
	assert_int_equal(s.n_args, 3);
	assert_string_equal(s.args[2], "exit 3");
	assert_null(s.args[3]);
	assert_string_equal(s.cwd, "/www");
	assert_int_equal(s.uid, 1234);
	assert_int_equal(s.gid, 2345);
	assert_int_equal(s.n_group_add, 2);
	assert_string_equal(s.group_add[1], "7");
	assert_string_equal(s.hostname, "writer");
	assert_true(s.root_readonly);
	assert_int_equal(s.n_mounts, 5);
	assert_int_equal(s.mounts[0].kind, PE_COPY_MOUNT_SESSION);
	assert_int_equal(s.mounts[1].kind, PE_COPY_MOUNT_BIND);
	assert_true(s.mounts[1].readonly);
	assert_string_equal(s.mounts[2].source,
			    "/var/lib/kubelet/pods/u/etc-hosts");
	assert_false(s.mounts[2].readonly);
	assert_int_equal(s.mounts[3].kind, PE_COPY_MOUNT_TMPFS);
	assert_int_equal(s.mounts[4].kind, PE_COPY_MOUNT_SESSION);
	/* guards under /proc and /sys, relative; others are not the
	 * session's /proc's business */
	assert_int_equal(s.n_masked, 2);
	assert_string_equal(s.masked[1], "proc/cmdline");
	assert_int_equal(s.n_readonly, 1);
	assert_string_equal(s.readonly[0], "proc/sys");
	pe_copy_spec_clear(&s);
}

static void spec_refused(const char *json, const char *in_msg)
{
	struct pe_copy_spec s;
	struct pe_error err;

	pe_error_clear(&err);
	assert_int_equal(pe_copy_spec_parse(json, &s, &err), -1);
	assert_int_equal(err.kind, PE_ERR_PARSE);
	assert_non_null(strstr(err.msg, in_msg));
	assert_null(s.mounts);
}

static void test_hostile_spec(void **state)
{
	(void)state;
	spec_refused("[]", "not a JSON object");
	spec_refused("{\"mounts\":[]}", "no process");
	spec_refused("{\"process\":{\"args\":[1]}}", "process.args[0]");
	spec_refused("{\"process\":{\"cwd\":\"/a/../../b\"}}", "process.cwd");
	spec_refused("{\"process\":{},\"mounts\":[{\"destination\":\"/etc/"
		     "../../x\",\"type\":\"bind\",\"source\":\"/var\"}]}",
		     "not a clean absolute path");
	spec_refused("{\"process\":{},\"mounts\":[{\"destination\":\"x\","
		     "\"type\":\"tmpfs\"}]}",
		     "not a clean absolute path");
	spec_refused("{\"process\":{},\"mounts\":[{\"destination\":\"/x\","
		     "\"type\":\"bind\",\"source\":\"/a,upperdir=/\"}]}",
		     "/a,upperdir=/");
	spec_refused("{\"process\":{},\"mounts\":[{\"destination\":\"/x\","
		     "\"options\":[\"rbind\"],\"source\":\"etc\"}]}",
		     "'etc'");
	spec_refused("{\"process\":{\"user\":{\"additionalGids\":[-1]}}}",
		     "additional group");
	spec_refused("{\"process\":{},\"mounts\":[7]}", "mounts[0]");
	spec_refused("{\"process\":{},\"linux\":{\"maskedPaths\":[\"/proc/"
		     "../etc\"]}}",
		     "masked or read-only path");
}

static void prepare_with(const char *lower, const char *upper, bool last_run,
			 int want, enum pe_error_kind kind)
{
	struct pe_copy cp;
	struct pe_error err;
	char *lowers[2] = { (char *)lower, NULL };

	memset(&cp, 0, sizeof(cp));
	cp.def.spec_json = (char *)spec_good;
	cp.def.lowerdirs = lowers;
	cp.def.n_lowerdirs = 1;
	cp.def.upperdir = (char *)upper;
	cp.last_run = last_run;
	pe_error_clear(&err);
	assert_int_equal(pe_copy_prepare(&cp, &err), want);
	if (want < 0)
		assert_int_equal(err.kind, kind);
	pe_copy_spec_clear(&cp.spec);
}

static void test_layers(void **state)
{
	(void)state;
	/* recover.h's form (relative to the host root) and the absolute one */
	prepare_with(&(SNAP "/12/fs")[1], &(SNAP "/13/fs")[1], true, 0, 0);
	prepare_with(SNAP "/12/fs", NULL, false, 0, 0);
	prepare_with(SNAP "/12/fs", NULL, true, -1, PE_ERR_NOT_FOUND);
	prepare_with("/etc", NULL, false, -1, PE_ERR_PARSE);
	prepare_with(SNAP "/12/fs/..", NULL, false, -1, PE_ERR_PARSE);
	prepare_with(SNAP "/12/../../../../../../fs", NULL, false, -1,
		     PE_ERR_PARSE);
	prepare_with(SNAP "/12/fs:/etc", NULL, false, -1, PE_ERR_PARSE);
	prepare_with(SNAP "/x/fs", NULL, false, -1, PE_ERR_PARSE);
	prepare_with(SNAP "/12/fs", "/", true, -1, PE_ERR_PARSE);
	prepare_with("var/lib/rancher/k3s/agent/containerd/"
		     "io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs",
		     NULL, false, 0, 0);
	prepare_with("/var/lib/rancher/k3s/agent/containerdx/"
		     "io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs",
		     NULL, false, -1, PE_ERR_PARSE);
}

static void test_cri_log(void **state)
{
	static const char log[] = "2026-12-04T17:24:22.1Z stdout F one\n"
				  "garbage\n"
				  "2026-12-04T17:24:22.2Z stderr P two-\n"
				  "2026-12-04T17:24:22.3Z stderr F and-a-half\n"
				  "2026-12-04T17:24:22.4Z stdout F three\n"
				  "2026-12-04T17:24:22.5Z stdout F four";
	char *t;

	(void)state;
	t = pe_copy_cri_log_text(log, strlen(log), 10);
	assert_string_equal(t, "one\ntwo-and-a-half\nthree\nfour\n");
	free(t);
	t = pe_copy_cri_log_text(log, strlen(log), 2);
	assert_string_equal(t, "three\nfour\n");
	free(t);
	t = pe_copy_cri_log_text(log, strlen(log), 0);
	assert_string_equal(t, "");
	free(t);
	/* a hostile log line cannot steer the operator's terminal */
	t = pe_copy_cri_log_text("T stdout F \033]0;owned\007x\0y\n", 25, 5);
	assert_string_equal(t, "?]0;owned?x?y\n");
	free(t);
	t = pe_copy_cri_log_text("", 0, 5);
	assert_string_equal(t, "");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_paths),
		cmocka_unit_test(test_bind_sources),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_hostile_spec),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_cri_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
