/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every cgroup layout in shared/notes/node-artifacts.md, and then some. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "podenter/cgroup.h"

#define ID "066d0965a5ad1f2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1e27a"
#define UID "93c18bc4-a134-4b86-b764-a7c6cf5c0ec1"
#define UID_ "93c18bc4_a134_4b86_b764_a7c6cf5c0ec1"

struct layout {
	const char *path;
	enum pe_runtime runtime;
	const char *id;
	const char *uid;
	enum pe_qos qos;
	bool conmon;
};

static const struct layout layouts[] = {
	/* cgroupfs driver, every QoS class */
	{ "/kubepods/besteffort/pod" UID "/" ID, PE_RT_UNKNOWN, ID, UID,
	  PE_QOS_BESTEFFORT, false },
	{ "/kubepods/burstable/pod" UID "/" ID, PE_RT_UNKNOWN, ID, UID,
	  PE_QOS_BURSTABLE, false },
	{ "/kubepods/pod" UID "/" ID, PE_RT_UNKNOWN, ID, UID, PE_QOS_GUARANTEED,
	  false },
	/* systemd driver, cgroup v2 */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  PE_RT_CONTAINERD, ID, UID, PE_QOS_BURSTABLE, false },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID
	  ".scope",
	  PE_RT_CONTAINERD, ID, UID, PE_QOS_GUARANTEED, false },
	/* kubelet systemd, containerd cgroupfs (k3s) */
	{ "/kubepods-burstable-pod" UID_ ".slice:cri-containerd:" ID,
	  PE_RT_CONTAINERD, ID, UID, PE_QOS_BURSTABLE, false },
	/* CRI-O: container, crun's extra level, conmon, cgroupfs */
	{ "/kubepods.slice/kubepods-besteffort.slice/"
	  "kubepods-besteffort-pod" UID_ ".slice/crio-" ID ".scope",
	  PE_RT_CRIO, ID, UID, PE_QOS_BESTEFFORT, false },
	{ "/kubepods.slice/kubepods-besteffort.slice/"
	  "kubepods-besteffort-pod" UID_ ".slice/crio-" ID ".scope/container",
	  PE_RT_CRIO, ID, UID, PE_QOS_BESTEFFORT, false },
	{ "/kubepods.slice/kubepods-besteffort.slice/"
	  "kubepods-besteffort-pod" UID_ ".slice/crio-conmon-" ID ".scope",
	  PE_RT_CRIO, ID, UID, PE_QOS_BESTEFFORT, true },
	{ "/kubepods/besteffort/pod" UID "/crio-" ID, PE_RT_CRIO, ID, UID,
	  PE_QOS_BESTEFFORT, false },
	/* cri-dockerd */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/docker-" ID ".scope",
	  PE_RT_DOCKER, ID, UID, PE_QOS_BURSTABLE, false },
	/* podman */
	{ "/machine.slice/machine-libpod_pod_0123456789ab.slice/libpod-" ID
	  ".scope/container",
	  PE_RT_PODMAN, ID, "", PE_QOS_UNKNOWN, false },
	/* kind, from the host: the deepest container wins, not the node's */
	{ "/system.slice/"
	  "docker-"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	  "scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID
	  ".scope",
	  PE_RT_CONTAINERD, ID, UID, PE_QOS_BESTEFFORT, false },
	/* a cgroupRoot above kubepods (kind's /kubelet) */
	{ "/kubelet/kubepods/besteffort/pod" UID "/" ID, PE_RT_UNKNOWN, ID, UID,
	  PE_QOS_BESTEFFORT, false },
	/* the pod level alone (a pod cgroup, no container) */
	{ "/kubepods/burstable/pod" UID, PE_RT_UNKNOWN, "", UID,
	  PE_QOS_BURSTABLE, false },
};

static void test_layouts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		struct pe_cgroup_info info;

		print_message("layout %zu: %s\n", i, l->path);
		assert_true(pe_cgroup_parse_path(l->path, &info));
		assert_string_equal(info.container_id, l->id);
		assert_string_equal(info.pod_uid, l->uid);
		assert_int_equal(info.runtime, l->runtime);
		assert_int_equal(info.qos, l->qos);
		assert_int_equal(info.is_conmon, l->conmon);
	}
}

static void test_not_containers(void **state)
{
	struct pe_cgroup_info info;

	(void)state;
	assert_false(pe_cgroup_parse_path("/", &info));
	assert_false(pe_cgroup_parse_path(
	    "/user.slice/user-0.slice/session-3.scope", &info));
	assert_false(
	    pe_cgroup_parse_path("/system.slice/containerd.service", &info));
	/* a bare hex component outside any known tree is not a container */
	assert_false(pe_cgroup_parse_path("/build/" ID, &info));
	/* too short to be an id */
	assert_false(
	    pe_cgroup_parse_path("/system.slice/docker-abc.scope", &info));
	assert_false(pe_cgroup_parse_path("", &info));
}

static void test_file_v1_and_v2(void **state)
{
	static const char v1[] =
	    "12:pids:/kubepods/besteffort/pod" UID "/" ID "\n"
	    "11:memory:/kubepods/besteffort/pod" UID "/" ID "\n"
	    "1:name=systemd:/kubepods/besteffort/pod" UID "/" ID "\n"
	    "0::/kubepods/besteffort/pod" UID "/" ID "\n";
	static const char v2[] = "0::/kubepods.slice/kubepods-pod" UID_
				 ".slice/cri-containerd-" ID ".scope\n";
	static const char host[] = "0::/init.scope\n";
	static const char garbage[] = "no colons here\n::\n:::\n";
	struct pe_cgroup_info info;

	(void)state;
	assert_true(pe_cgroup_parse_file(v1, &info));
	assert_string_equal(info.container_id, ID);
	assert_true(pe_cgroup_parse_file(v2, &info));
	assert_string_equal(info.pod_uid, UID);
	assert_false(pe_cgroup_parse_file(host, &info));
	assert_false(pe_cgroup_parse_file(garbage, &info));
	assert_false(pe_cgroup_parse_file("", &info));
}

static void test_names_id(void **state)
{
	static const char v2[] = "0::/kubepods.slice/kubepods-pod" UID_
				 ".slice/cri-containerd-" ID ".scope\n";
	static const char hybrid[] =
	    "0::/kubepods-pod" UID_ ".slice:cri-containerd:" ID "\n";
	char path[512];

	(void)state;
	assert_true(pe_cgroup_names_id(v2, ID));
	assert_true(pe_cgroup_names_id(hybrid, ID));
	/* a prefix of the id is not the id */
	assert_false(pe_cgroup_names_id(v2, "066d0965a5ad1f2e"));
	/* another id sharing a prefix */
	assert_false(pe_cgroup_names_id(v2, ID "00"));
	assert_false(pe_cgroup_names_id("0::/init.scope\n", ID));
	assert_true(pe_cgroup_path_of(v2, ID, path, sizeof(path)));
	assert_string_equal(path, "/kubepods.slice/kubepods-pod" UID_
				  ".slice/cri-containerd-" ID ".scope");
}

/* where the frozen state of one /proc/PID/cgroup line is read */
static size_t freezer(const char *line, char files[2][4400],
		      const char **frozen)
{
	return pe_cgroup_freezer_files(line, strlen(line), files, frozen);
}

static void test_freezer_files(void **state)
{
	char files[PE_CGROUP_FREEZER_FILES][4400];
	const char *frozen;

	(void)state;
	assert_int_equal(freezer("6:freezer:/docker/abc", files, &frozen), 1);
	assert_string_equal(files[0],
			    "/sys/fs/cgroup/freezer/docker/abc/freezer.state");
	assert_string_equal(frozen, "FROZEN");
	/* a v1 hierarchy holding several controllers */
	assert_int_equal(freezer("3:cpu,freezer:/x", files, &frozen), 1);
	assert_int_equal(freezer("0::/kubepods/pod1/abc", files, &frozen), 2);
	assert_string_equal(files[0],
			    "/sys/fs/cgroup/kubepods/pod1/abc/cgroup.events");
	assert_string_equal(
	    files[1], "/sys/fs/cgroup/unified/kubepods/pod1/abc/cgroup.events");
	assert_string_equal(frozen, "\nfrozen 1");
	/* other hierarchies, and what the kernel cannot have written */
	assert_int_equal(freezer("4:memory:/docker/abc", files, &frozen), 0);
	assert_int_equal(freezer("4:freezerx:/docker/abc", files, &frozen), 0);
	assert_int_equal(freezer("6:freezer:docker/abc", files, &frozen), 0);
	assert_int_equal(freezer("6:freezer:/a/../b", files, &frozen), 0);
	assert_int_equal(freezer("0::/a/..", files, &frozen), 0);
	assert_int_equal(freezer("0::", files, &frozen), 0);
	assert_int_equal(freezer("no colons", files, &frozen), 0);
	assert_int_equal(freezer("0::/a/..b/c", files, &frozen), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_not_containers),
		cmocka_unit_test(test_file_v1_and_v2),
		cmocka_unit_test(test_names_id),
		cmocka_unit_test(test_freezer_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
