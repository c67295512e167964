/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "podenter/target.h"

static void parse_ok(const char *text, const char *ns, struct pe_target *t)
{
	struct pe_error err;

	pe_error_clear(&err);
	assert_int_equal(pe_target_parse(text, ns, t, &err), 0);
}

static void parse_fails(const char *text, const char *expect_in_msg)
{
	struct pe_target t;
	struct pe_error err;

	pe_error_clear(&err);
	assert_int_equal(pe_target_parse(text, NULL, &t, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, expect_in_msg));
}

static void test_pod_default_namespace(void **state)
{
	struct pe_target t;

	(void)state;
	parse_ok("ledger-api-5f7c9d8b4-qm2xz", NULL, &t);
	assert_int_equal(t.kind, PE_TARGET_POD);
	assert_string_equal(t.namespace, "default");
	assert_false(t.namespace_given);
	assert_string_equal(t.pod, "ledger-api-5f7c9d8b4-qm2xz");
	assert_false(t.pod_is_glob);
}

static void test_pod_with_namespace(void **state)
{
	struct pe_target t;

	(void)state;
	parse_ok("payments/ledger-api", "other", &t);
	assert_string_equal(t.namespace, "payments");
	assert_true(t.namespace_given);
	assert_string_equal(t.pod, "ledger-api");
	parse_ok("ledger-api", "payments", &t);
	assert_string_equal(t.namespace, "payments");
}

static void test_pod_glob(void **state)
{
	struct pe_target t;

	(void)state;
	parse_ok("nginx-deployment-*", NULL, &t);
	assert_true(t.pod_is_glob);
	assert_true(pe_glob_match(t.pod, "nginx-deployment-7848d4b86f-6qzm9"));
	assert_false(pe_glob_match(t.pod, "nginx-7848d4b86f-6qzm9"));
}

static void test_pid_and_id_and_node(void **state)
{
	struct pe_target t;

	(void)state;
	parse_ok("pid:4242", NULL, &t);
	assert_int_equal(t.kind, PE_TARGET_PID);
	assert_int_equal(t.pid, 4242);
	parse_ok("id:ABCdef0123", NULL, &t);
	assert_int_equal(t.kind, PE_TARGET_ID);
	assert_string_equal(t.id, "abcdef0123"); /* ids are lower-case */
	parse_ok("node", NULL, &t);
	assert_int_equal(t.kind, PE_TARGET_NODE);
}

static void test_bad_targets(void **state)
{
	(void)state;
	parse_fails("", "no target");
	parse_fails("pid:", "invalid PID");
	parse_fails("pid:0", "invalid PID");
	parse_fails("pid:-3", "invalid PID");
	parse_fails("pid:12x", "invalid PID");
	parse_fails("pid:99999999999", "invalid PID");
	parse_fails("id:", "invalid container id");
	parse_fails("id:xyz", "not hexadecimal");
	parse_fails("Payments/api", "not a valid Kubernetes namespace");
	parse_fails("/api", "invalid namespace");
	parse_fails("a/b/c", "more than one '/'");
	parse_fails("API_Server", "is not a pod name");
	parse_fails("../../etc", "more than one");
	parse_fails("../etc", "not a valid Kubernetes namespace");
	parse_fails("pod;rm", "is not a pod name");
}

static void test_names(void **state)
{
	char long_label[70];

	(void)state;
	assert_true(pe_k8s_name_valid("kube-system", false));
	assert_false(pe_k8s_name_valid("-kube", false));
	assert_false(pe_k8s_name_valid("kube-", false));
	assert_false(pe_k8s_name_valid("a.b", false));
	assert_true(pe_k8s_name_valid("a.b", true));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(pe_k8s_name_valid(long_label, false));
	assert_true(pe_k8s_name_valid(long_label, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_default_namespace),
		cmocka_unit_test(test_pod_with_namespace),
		cmocka_unit_test(test_pod_glob),
		cmocka_unit_test(test_pid_and_id_and_node),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
