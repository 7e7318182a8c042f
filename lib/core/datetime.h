/*
 * NAME
 *	datetime - dates and times written by people and programs
 * SYNOPSIS
 *	#include "datetime.h"
 * DESCRIPTION
 *	mp_time_parse() is the one RFC 3339 / ISO 8601 date-time parser of
 *	the tree. It reads "YYYY-MM-DD", then 'T', 't' or ' ' and
 *	"hh:mm[:ss[.frac]]", then 'Z', 'z' or an offset "+hh:mm", into
 *	seconds since the epoch (proleptic Gregorian, no timegm(), no
 *	locale, no time zone database).
 *
 *	With MP_TIME_RFC3339 it takes RFC 3339 (5.6) date-time only: the
 *	time, its seconds and the offset are required, the offset is
 *	"+hh:mm", a fraction follows '.', nothing trails: security.txt's
 *	Expires (RFC 9116). Without it, the ISO 8601 profile reporters
 *	write: a date alone is midnight UTC, seconds are optional, a
 *	fraction may follow ',', no offset is UTC, the offset may be "+hh",
 *	"+hhmm" or "+hh:mm", blanks may trail.
 *
 *	Both profiles check the ranges alike: month 1-12, day 1-31 (a
 *	day past the month's end runs into the next month, as timegm()
 *	does), hour 0-23, minute 0-59, second 0-60 (a leap second is the
 *	next second), offset hours 0-23 and minutes 0-59. (The security.txt
 *	parser used to take any two digits as an offset; the report parser
 *	used timegm(). Fractions are dropped in both.)
 *
 *	mp_duration_parse() is the one reader of a duration as people write
 *	it in meldpunt.conf (RenotifyInterval, BounceWindow) and the routing
 *	source (notifyinterval): whole seconds, or a number with one of s, m,
 *	h, d ("90", "90s", "15m", "1h", "30d"), at most `max` seconds.
 *	mp_duration_format() writes seconds back in the largest unit that
 *	divides them ("3600" -> "1h", "5400" -> "90m").
 * OWNERSHIP
 *	None: pure, thread-safe.
 * LIMITS
 *	Years 0000-9999.
 */
#ifndef MP_DATETIME_H
#define MP_DATETIME_H

#include <stddef.h>
#include <time.h>

#define MP_TIME_RFC3339	1

/* 0 with *t set, or MP_EINPUT. */
int mp_time_parse(const char *s, size_t n, int flags, time_t *t);

/* 0 with *out set, or MP_EINPUT (not a duration, or more than max). */
int mp_duration_parse(const char *s, unsigned max, unsigned *out);
/* "1h"; at least MP_DURATION_STR bytes of out. */
#define MP_DURATION_STR 16
void mp_duration_format(unsigned secs, char *out, size_t size);

#endif
