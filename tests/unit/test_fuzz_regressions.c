/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inputs the fuzzers (fuzz/) found to crash a parser, kept as tests so the
 * fix stays. Each input is also a seed in fuzz/seeds/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "podenter/container.h"
#include "podenter/error.h"
#include "podenter/sandbox.h"
#include "runtime/sources.h"

#define UID "93c18bc4-a134-4b86-b764-a7c6cf5c0ec1"

/* fuzz_oci_config: "cgroupsPath": null reached pe_cgroup_parse_path(NULL)
 * and crashed `podenter list` on any node holding such a config.json. */
static void oci_config_null_cgroups_path(void **state)
{
	static const char *const inputs[] = {
		"{\"linux\":{\"cgroupsPath\":null}}",
		"{\"linux\":{\"cgroupsPath\":7}}",
		"{\"linux\":{\"cgroupsPath\":[\"/kubepods\"]}}",
		("{\"annotations\":{\"io.container.manager\":\"libpod\"},"
		 "\"linux\":{\"cgroupsPath\":null},\"hostname\":null}"),
	};
	struct pe_container c;

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(pe_containerd_record_from_json(inputs[i], &c),
				 0);
		assert_null(c.pod_uid);
		pe_container_clear(&c);
		memset(&c, 0, sizeof(c));
		assert_int_equal(pe_crio_record_from_json(inputs[i], &c), 0);
		pe_container_clear(&c);
	}
}

/* The buffer readers are the scans' readers: a string cgroupsPath still
 * yields the pod UID, and non-JSON is refused. */
static void oci_config_buffer_reader_is_the_scan_reader(void **state)
{
	struct pe_container c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    pe_containerd_record_from_json(
		"{\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"web\","
		"\"io.kubernetes.cri.container-name\":\"app\"},"
		"\"linux\":{\"cgroupsPath\":\"/kubepods/besteffort/pod" UID
		"/0123\"}}",
		&c),
	    0);
	assert_string_equal(c.pod, "web");
	assert_string_equal(c.container, "app");
	assert_non_null(c.pod_uid);
	assert_string_equal(c.pod_uid, UID);
	pe_container_clear(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pe_containerd_record_from_json("{not json", &c), -1);
	assert_int_equal(pe_crio_record_from_json("", &c), -1);
	pe_container_clear(&c);
}

/* fuzz_seccomp_profile: rules on one call that partly cover each other
 * (the third covers the first) make libseccomp 2.5.4 lose tree nodes it
 * allocated in db_rule_add. The profile is valid and must translate; the
 * leak check (test.sh) runs this with fuzz/lsan.supp, which lists that
 * libseccomp frame and nothing of ours, so a filter we fail to free still
 * fails it. */
static void seccomp_rules_libseccomp_prunes(void **state)
{
	static const char profile[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
	    "{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
	    "{\"index\":5,\"value\":8,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
	    "{\"index\":5,\"value\":0,\"op\":\"SCMP_CMP_LT\"},"
	    "{\"index\":5,\"value\":8,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
	struct pe_error err;
	void *filter = NULL;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(
	    pe_seccomp_from_json(profile, "regression", 0, &filter, &err), 0);
	assert_non_null(filter);
	pe_seccomp_filter_free(filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oci_config_null_cgroups_path),
		cmocka_unit_test(oci_config_buffer_reader_is_the_scan_reader),
		cmocka_unit_test(seccomp_rules_libseccomp_prunes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
