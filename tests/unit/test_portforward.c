/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port-forward's spec and --address parsing (src/lib/portforward.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "podenter/portforward.h"

static struct pe_pf_spec parse_ok(const char *text)
{
	struct pe_pf_spec s;
	struct pe_error err;

	pe_error_clear(&err);
	assert_int_equal(pe_pf_parse_spec(text, &s, &err), 0);
	return s;
}

static void parse_fails(const char *text, const char *expect_in_msg)
{
	struct pe_pf_spec s;
	struct pe_error err;

	pe_error_clear(&err);
	assert_int_equal(pe_pf_parse_spec(text, &s, &err), -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, expect_in_msg));
	/* a usage error carries no errno text */
	assert_null(strstr(err.msg, "Invalid argument"));
	assert_non_null(strstr(err.hint, "LOCAL:REMOTE"));
}

static void test_kubectl_forms(void **state)
{
	struct pe_pf_spec s;

	(void)state;
	s = parse_ok("8080:80");
	assert_int_equal(s.local, 8080);
	assert_int_equal(s.remote, 80);
	assert_false(s.udp);
	assert_string_equal(s.address, "");
	s = parse_ok("80");
	assert_int_equal(s.local, 80);
	assert_int_equal(s.remote, 80);
	s = parse_ok(":80");
	assert_int_equal(s.local, 0);
	assert_int_equal(s.remote, 80);
	s = parse_ok("0:443");
	assert_int_equal(s.local, 0);
	assert_int_equal(s.remote, 443);
	s = parse_ok("65535:1");
	assert_int_equal(s.local, 65535);
	assert_int_equal(s.remote, 1);
}

static void test_udp_and_addresses(void **state)
{
	struct pe_pf_spec s;

	(void)state;
	s = parse_ok("5353:53/udp");
	assert_true(s.udp);
	assert_int_equal(s.local, 5353);
	assert_int_equal(s.remote, 53);
	s = parse_ok("53/udp");
	assert_true(s.udp);
	assert_int_equal(s.local, 53);
	s = parse_ok("8080:80/tcp");
	assert_false(s.udp);
	s = parse_ok("127.0.0.2:8080:80");
	assert_string_equal(s.address, "127.0.0.2");
	assert_int_equal(s.local, 8080);
	s = parse_ok("localhost:0:80/udp");
	assert_string_equal(s.address, "127.0.0.1");
	assert_true(s.udp);
	s = parse_ok("[::1]:8080:80");
	assert_string_equal(s.address, "::1");
	s = parse_ok("[0:0::1]::80");
	assert_string_equal(s.address, "::1");
	assert_int_equal(s.local, 0);
}

static void test_bad_specs(void **state)
{
	(void)state;
	parse_fails("", "empty");
	parse_fails("0", "1 to 65535");
	parse_fails("80:0", "REMOTE");
	parse_fails("70000:80", "LOCAL");
	parse_fails("8080:65536", "REMOTE");
	parse_fails("http", "1 to 65535");
	parse_fails("8080:", "REMOTE");
	parse_fails("-1:80", "LOCAL");
	parse_fails("+80:80", "LOCAL");
	parse_fails(" 80:80", "LOCAL");
	parse_fails("80:80/sctp", "/tcp or /udp");
	parse_fails("80:80/udp/udp", "REMOTE");
	parse_fails("1.2.3:80:80", "numeric address");
	parse_fails("example.com:80:80", "numeric address");
	parse_fails("::1:80:80", "brackets");
	parse_fails("[::1]80:80", "[ADDR]");
	parse_fails("[1.2.3.4]:80:80", "IPv6");
	parse_fails("[::1]:80", "LOCAL:REMOTE");
	parse_fails("1:2:3", "numeric address");
	parse_fails("000000080:80", "LOCAL");
}

static void test_addresses(void **state)
{
	char a[4][PE_PF_ADDR_MAX];
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_pf_parse_addresses("localhost", a, 4, &err), 1);
	assert_string_equal(a[0], "127.0.0.1");
	assert_int_equal(
	    pe_pf_parse_addresses("127.0.0.1,::1,localhost", a, 4, &err), 2);
	assert_string_equal(a[1], "::1");
	assert_int_equal(pe_pf_parse_addresses("127.0.0.1,", a, 4, &err), -1);
	assert_int_equal(pe_pf_parse_addresses("", a, 4, &err), -1);
	assert_int_equal(pe_pf_parse_addresses("node1", a, 4, &err), -1);
	assert_non_null(strstr(err.msg, "'node1'"));
	assert_int_equal(
	    pe_pf_parse_addresses("127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,"
				  "127.0.0.5",
				  a, 4, &err),
	    -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubectl_forms),
		cmocka_unit_test(test_udp_and_addresses),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
