/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --join-cgroup's pieces that need no real cgroups: names, mountinfo and
 * the names of podenter's leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "podenter/cgroupjoin.h"

static const char hybrid[] =
    "25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "27 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "29 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    /* a cgroup bind-mounted from a subdirectory: not the hierarchy root */
    "30 25 0:26 /kubepods /mnt/kp rw - cgroup cgroup rw,memory\n"
    "31 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
    "rw,net_cls,net_prio\n";

static void mount_points_of_hierarchies(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(
	    pe_cgroup_mount_for(hybrid, "", true, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(
	    pe_cgroup_mount_for(hybrid, "memory", false, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/memory");
	assert_int_equal(
	    pe_cgroup_mount_for(hybrid, "cpu,cpuacct", false, out, sizeof(out)),
	    0);
	assert_string_equal(out, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(pe_cgroup_mount_for(hybrid, "name=systemd", false, out,
					     sizeof(out)),
			 0);
	assert_string_equal(out, "/sys/fs/cgroup/systemd");
	/* "net" is not "net_cls": whole names only */
	assert_int_equal(
	    pe_cgroup_mount_for(hybrid, "net", false, out, sizeof(out)), -1);
	assert_int_equal(
	    pe_cgroup_mount_for(hybrid, "pids", false, out, sizeof(out)), -1);
	assert_int_equal(pe_cgroup_mount_for("", "", true, out, sizeof(out)),
			 -1);
}

static void placement_names(void **state)
{
	enum pe_cgroup_place p;
	struct pe_error err;

	(void)state;
	assert_int_equal(pe_cgroup_place_parse("pod", &p, &err), 0);
	assert_int_equal(p, PE_CGROUP_POD);
	assert_string_equal(pe_cgroup_place_name(p), "pod");
	assert_int_equal(pe_cgroup_place_parse("container", &p, &err), 0);
	assert_int_equal(p, PE_CGROUP_CONTAINER);
	assert_int_equal(pe_cgroup_place_parse("host", &p, &err), 0);
	assert_int_equal(p, PE_CGROUP_HOST);
	assert_int_equal(pe_cgroup_place_parse("node", &p, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, "node"));
}

/* Only podenter's own leaves (podenter-<pid>) are ever removed as stale:
 * nothing a runtime or systemd names, nothing with more after the PID. */
static void leaf_names(void **state)
{
	pid_t owner = 0;

	(void)state;
	assert_true(pe_cgroup_leaf_owner("podenter-1234", &owner));
	assert_int_equal(owner, 1234);
	assert_true(pe_cgroup_leaf_owner("podenter-1", &owner));
	assert_int_equal(owner, 1);
	assert_false(pe_cgroup_leaf_owner("podenter-", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter-0", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter-012", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter-12.scope", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter-12-1", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter--12", &owner));
	assert_false(pe_cgroup_leaf_owner("podenter-99999999999", &owner));
	assert_false(pe_cgroup_leaf_owner("cri-containerd-12.scope", &owner));
	assert_false(pe_cgroup_leaf_owner("xpodenter-12", &owner));
	assert_false(pe_cgroup_leaf_owner("", &owner));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mount_points_of_hierarchies),
		cmocka_unit_test(placement_names),
		cmocka_unit_test(leaf_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
