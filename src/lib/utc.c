/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 3339 time in UTC without the time zone database (utc.h). */
#include "config.h"

#include <stdio.h>

#include "podenter/utc.h"

/* The proleptic Gregorian date of a day number (days since 1970-01-01),
 * in 400-year eras of 146097 days that start on March 1 (so the leap day
 * is the last of its year): the civil-from-days algorithm of Howard
 * Hinnant's "chrono-Compatible Low-Level Date Algorithms". */
static void civil_from_days(long long days, long long *year, int *month,
			    int *day)
{
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097; /* [0, 146096] */
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) /
			365; /* [0, 399] */
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
	long long mp = (5 * doy + 2) / 153; /* [0, 11], March first */

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

int pe_utc_format(time_t secs, long millis, char *buf, size_t size)
{
	long long t = (long long)secs;
	long long days = t / 86400, rem = t % 86400, year;
	int month, day;

	if (millis > 999)
		return -1;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	if (millis < 0)
		return snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
				year, month, day, (int)(rem / 3600),
				(int)(rem / 60 % 60), (int)(rem % 60));
	return snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			year, month, day, (int)(rem / 3600),
			(int)(rem / 60 % 60), (int)(rem % 60), millis);
}
