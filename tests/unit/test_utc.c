/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 3339 in UTC without the time zone database, against gmtime_r. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "podenter/utc.h"

static void expect_as_gmtime(time_t t)
{
	char mine[64], libc[64];
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	snprintf(libc, sizeof(libc), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	assert_int_equal(pe_utc_format(t, -1, mine, sizeof(mine)),
			 (int)strlen(libc));
	if (strcmp(mine, libc) != 0)
		fail_msg("%lld: %s, gmtime_r says %s", (long long)t, mine,
			 libc);
}

/* Every day from 1900 to 2400 (leap days of 1900, 2000, 2100, 2400) at a
 * time of day that moves, and the seconds around each midnight. */
static void test_every_day_as_gmtime(void **state)
{
	(void)state;
	for (long long d = -25567; d <= 157800; d++) {
		time_t midnight = (time_t)(d * 86400);

		expect_as_gmtime(midnight + (d * 7919) % 86400);
		expect_as_gmtime(midnight);
		expect_as_gmtime(midnight - 1);
	}
}

static void test_known_moments(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(pe_utc_format(0, 0, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	pe_utc_format(951782400, 5, buf, sizeof(buf)); /* a leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00.005Z");
	pe_utc_format(1796534947, 999, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-06T05:29:07.999Z");
	pe_utc_format(-1, -1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(pe_utc_format(0, 1000, buf, sizeof(buf)), -1);
}

/* as snprintf: truncated to the buffer, the full length returned */
static void test_truncated(void **state)
{
	char buf[11];

	(void)state;
	assert_int_equal(pe_utc_format(0, -1, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "1970-01-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_day_as_gmtime),
		cmocka_unit_test(test_known_moments),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
