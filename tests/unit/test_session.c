/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's plan (session.h), without root and without a target: a
 * pin is only a set of namespace inodes to the plan.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "podenter/session.h"

struct fixture {
	struct pe_session_opts o;
	struct pe_container c;
	struct pe_pin pin;
	struct pe_sandbox sb;
	struct pe_config cfg;
	struct pe_session_plan plan;
	struct pe_error err;
};

static struct fixture f;

/* A container in namespaces of its own; the caller shares none. */
static void setup(bool container)
{
	memset(&f, 0, sizeof(f));
	pe_pin_init(&f.pin);
	f.pin.pid = 4242;
	for (int t = 0; t < PE_NS_COUNT; t++) {
		f.pin.ns_inode[t] = 4026532000UL + (unsigned long)t;
		f.pin.self_ns_inode[t] = 4026531000UL + (unsigned long)t;
	}
	/* same user namespace as the caller: not user-namespaced */
	f.pin.ns_inode[PE_NS_USER] = f.pin.self_ns_inode[PE_NS_USER];
	f.c.pid = 4242;
	f.c.container_id = container ? (char *)"0123456789abcdef" : NULL;
	pe_sandbox_init(&f.sb, PE_PROFILE_GENERAL);
	f.o.sandbox = &f.sb;
	f.o.config = &f.cfg;
	pe_error_clear(&f.err);
}

static int plan(void)
{
	return pe_session_plan(&f.o, &f.c, &f.pin, &f.plan, &f.err);
}

static const pe_ns_set default_no_mnt =
    PE_NS_BIT(PE_NS_NET) | PE_NS_BIT(PE_NS_PID) | PE_NS_BIT(PE_NS_IPC) |
    PE_NS_BIT(PE_NS_UTS) | PE_NS_BIT(PE_NS_CGROUP);

static void test_container_gets_tools_view(void **state)
{
	(void)state;
	setup(true);
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_VIEW);
	assert_int_equal(f.plan.view, PE_VIEW_TOOLS);
	/* the view replaces the mount namespace join */
	assert_int_equal(f.plan.join, default_no_mnt);
	assert_false(f.plan.join_user);
	assert_true(f.plan.pid_joined);
	assert_false(f.plan.own_files);
	assert_string_equal(f.plan.wd, "/");
	assert_null(f.plan.tools);
	assert_int_equal(f.plan.user, PE_USER_ROOT);
	assert_string_equal(f.plan.argv[0], PE_SESSION_SHELL);
	assert_int_equal(f.plan.stdio, PE_STDIO_PIPES);
}

static void test_pid_target_own_files(void **state)
{
	(void)state;
	setup(false);
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_OWN_COPY);
	assert_int_equal(f.plan.join, default_no_mnt | PE_NS_BIT(PE_NS_MNT));
	assert_true(f.plan.own_files);
	assert_string_equal(f.plan.wd, "/");
}

static void test_net_only_keeps_node_files(void **state)
{
	(void)state;
	setup(true);
	f.o.chosen = PE_NS_BIT(PE_NS_NET);
	f.o.net_only = true;
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.join, PE_NS_BIT(PE_NS_NET));
	assert_int_equal(f.plan.mount, PE_MOUNT_HOST_COPY);
	assert_false(f.plan.pid_joined);
	/* the caller's directory, so "-w out.pcap" lands there */
	assert_string_equal(f.plan.wd, ".");
}

static void test_view_needs_mount_namespace(void **state)
{
	(void)state;
	setup(true);
	f.o.chosen = PE_NS_BIT(PE_NS_NET);
	f.o.view = "tools";
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_USAGE);
	/* a config default is simply not applied */
	setup(true);
	f.o.chosen = PE_NS_BIT(PE_NS_NET);
	strcpy(f.cfg.view, "merged");
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_HOST_COPY);
}

static void test_config_view_and_explicit_none(void **state)
{
	(void)state;
	setup(true);
	strcpy(f.cfg.view, "none");
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_OWN_COPY);
	setup(false);
	f.o.view = "container";
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_VIEW);
	assert_true(f.plan.own_files);
	/* the container view's automatic tools are the static builtin */
	assert_string_equal(f.plan.tools, "builtin");
}

static void test_env_from_target_only_in_own_files(void **state)
{
	(void)state;
	setup(true);
	f.o.env_from_target = true;
	/* no automatic view then: the target's own files */
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.mount, PE_MOUNT_OWN_COPY);
	assert_true(f.plan.env_from_target);
	setup(true);
	f.o.env_from_target = true;
	f.o.view = "tools";
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_USAGE);
	setup(true);
	f.o.env_from_target = true;
	f.o.chosen = PE_NS_BIT(PE_NS_NET);
	assert_int_equal(plan(), -1);
	assert_non_null(strstr(f.err.msg, "own files"));
}

static void test_wd(void **state)
{
	(void)state;
	setup(false);
	f.o.wd = "target";
	assert_int_equal(plan(), 0);
	assert_true(f.plan.wd_target);
	setup(true);
	f.o.wd = "target";
	f.o.chosen = PE_NS_BIT(PE_NS_NET);
	assert_int_equal(plan(), -1);
	setup(true);
	f.o.wd = "/srv";
	assert_int_equal(plan(), 0);
	assert_string_equal(f.plan.wd, "/srv");
	assert_false(f.plan.wd_target);
}

static void test_user(void **state)
{
	(void)state;
	setup(true);
	f.o.user = "4242:4343";
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.user, PE_USER_SPEC);
	assert_string_equal(f.plan.user_spec, "4242:4343");
	/* a name is looked up when run, in the files the command sees */
	setup(true);
	f.o.user = "nobody";
	assert_int_equal(plan(), 0);
	assert_string_equal(f.plan.user_spec, "nobody");
	setup(true);
	f.o.user = "a/b";
	assert_int_equal(plan(), -1);
	setup(true);
	f.o.user = "target";
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.user, PE_USER_TARGET);
	/* restricted: nobody by default, root refused before anything runs */
	setup(true);
	pe_sandbox_init(&f.sb, PE_PROFILE_RESTRICTED);
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.user, PE_USER_NOBODY);
	assert_string_equal(f.plan.user_spec, "65534:65534");
	f.o.user = "0";
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_USAGE);
}

static void test_namespaces(void **state)
{
	(void)state;
	/* a user-namespaced target: the user namespace joined last */
	setup(false);
	f.pin.ns_inode[PE_NS_USER] = 4026539999UL;
	assert_int_equal(plan(), 0);
	assert_true(f.plan.join_user);
	assert_false(f.plan.join & PE_NS_BIT(PE_NS_USER));
	/* shared namespaces are not joined */
	setup(false);
	f.pin.ns_inode[PE_NS_IPC] = f.pin.self_ns_inode[PE_NS_IPC];
	assert_int_equal(plan(), 0);
	assert_false(f.plan.join & PE_NS_BIT(PE_NS_IPC));
	/* a missing one: refused unless --all-ns */
	setup(false);
	f.pin.ns_inode[PE_NS_UTS] = 0;
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_UNSUPPORTED);
	setup(false);
	f.pin.ns_inode[PE_NS_TIME] = 0;
	f.o.chosen = PE_NS_ALL;
	assert_int_equal(plan(), 0);
	assert_false(f.plan.join & PE_NS_BIT(PE_NS_TIME));
}

static void test_stdio_and_command(void **state)
{
	static char *cmd[] = { "true", NULL };

	(void)state;
	setup(true);
	f.o.stdin_is_tty = true;
	f.o.command = cmd;
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.stdio, PE_STDIO_PTY);
	assert_string_equal(f.plan.argv[0], "true");
	f.o.no_tty = true;
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.stdio, PE_STDIO_PIPES);
	f.o.no_tty = false;
	f.o.stdin_is_tty = false;
	f.o.force_tty = true;
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.stdio, PE_STDIO_PTY);
	assert_false(f.plan.stdin_closed);
	/* --no-stdin: pipes even at a terminal, stdin at end-of-file; with
	 * -t it is a usage error (a terminal's input is its stdin) */
	assert_int_equal(plan(), 0);
	f.o.no_stdin = true;
	assert_int_equal(plan(), -1);
	f.o.force_tty = false;
	f.o.stdin_is_tty = true;
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.stdio, PE_STDIO_PIPES);
	assert_true(f.plan.stdin_closed);
}

/* The namespace table (nsjoin.h): each namespace once, the mount
 * namespace joined after the others, the user namespace last. */
static void test_namespace_table(void **state)
{
	pe_ns_set seen = 0;

	(void)state;
	for (size_t i = 0; i < PE_NS_COUNT; i++) {
		assert_false(seen & PE_NS_BIT(pe_ns_table[i].type));
		seen |= PE_NS_BIT(pe_ns_table[i].type);
		assert_int_equal(pe_ns_clone_flag(pe_ns_table[i].type),
				 pe_ns_table[i].clone_flag);
		assert_non_null(pe_ns_table[i].long_opt);
	}
	assert_int_equal(seen, PE_NS_ALL);
	assert_int_equal(pe_ns_table[PE_NS_COUNT - 1].type, PE_NS_USER);
	assert_int_equal(pe_ns_table[PE_NS_COUNT - 2].type, PE_NS_MNT);
	assert_int_equal(pe_ns_default_set(NULL),
			 default_no_mnt | PE_NS_BIT(PE_NS_MNT));
}

/* podenter copy: the sandbox's IPC, UTS and network; a PID namespace of
 * its own; the spec's user, groups and working directory; enter's view and
 * namespace options refused. */
static void test_copy_plan(void **state)
{
	struct pe_copy cp;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	cp.spec.uid = 1234;
	cp.spec.gid = 2345;
	cp.spec.cwd = (char *)"/www";
	setup(false);
	f.o.copy = &cp;
	assert_int_equal(plan(), 0);
	assert_true(f.plan.copy);
	assert_int_equal(f.plan.join, PE_NS_BIT(PE_NS_NET) |
					  PE_NS_BIT(PE_NS_IPC) |
					  PE_NS_BIT(PE_NS_UTS));
	assert_true(f.plan.new_pid);
	assert_false(f.plan.new_net);
	assert_true(f.plan.pid_joined);
	assert_int_equal(f.plan.mount, PE_MOUNT_VIEW);
	assert_int_equal(f.plan.view, PE_VIEW_CONTAINER);
	assert_string_equal(f.plan.tools, "builtin");
	assert_int_equal(f.plan.user, PE_USER_SPEC);
	assert_string_equal(f.plan.user_spec, "1234:2345");
	assert_string_equal(f.plan.wd, "/www");

	/* --net none, --share-processes, --user, --wd */
	cp.net_none = cp.share_processes = true;
	f.o.user = "0";
	f.o.wd = "/";
	assert_int_equal(plan(), 0);
	assert_int_equal(f.plan.join, PE_NS_BIT(PE_NS_PID) |
					  PE_NS_BIT(PE_NS_IPC) |
					  PE_NS_BIT(PE_NS_UTS));
	assert_true(f.plan.new_net);
	assert_false(f.plan.new_pid);
	assert_string_equal(f.plan.user_spec, "0");
	assert_string_equal(f.plan.wd, "/");

	/* restricted: a root container is refused */
	setup(false);
	cp.spec.uid = 0;
	f.o.copy = &cp;
	pe_sandbox_init(&f.sb, PE_PROFILE_RESTRICTED);
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_USAGE);

	/* enter's options have no meaning in a copy */
	setup(false);
	f.o.copy = &cp;
	f.o.view = "tools";
	assert_int_equal(plan(), -1);
	assert_int_equal(f.err.kind, PE_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_gets_tools_view),
		cmocka_unit_test(test_pid_target_own_files),
		cmocka_unit_test(test_net_only_keeps_node_files),
		cmocka_unit_test(test_view_needs_mount_namespace),
		cmocka_unit_test(test_config_view_and_explicit_none),
		cmocka_unit_test(test_env_from_target_only_in_own_files),
		cmocka_unit_test(test_wd),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_stdio_and_command),
		cmocka_unit_test(test_namespace_table),
		cmocka_unit_test(test_copy_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
