/*
 * datetime - see datetime.h
 */
#include "config.h"

#include <stdio.h>

#include "datetime.h"
#include "error.h"

/* n digits at s[*i] into *v, advancing *i; 0 when they are not there. */
static int
digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	int k;

	*v = 0;
	if (len - *i < (size_t)n)
		return 0;
	for (k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return 0;
		*v = *v * 10 + (c - '0');
	}
	*i += (size_t)n;
	return 1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); no timegm(),
 * which is not in C11 and whose range checks differ between libcs. */
static long long
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long long)era * 146097 + doe - 719468;
}

static int
at(const char *s, size_t n, size_t i, char c)
{
	return i < n && s[i] == c;
}

int
mp_time_parse(const char *s, size_t n, int flags, time_t *t)
{
	int strict = (flags & MP_TIME_RFC3339) != 0;
	int Y, M, D, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	size_t i = 0;

	if (!digits(s, n, &i, 4, &Y) || !at(s, n, i++, '-') ||
	    !digits(s, n, &i, 2, &M) || !at(s, n, i++, '-') ||
	    !digits(s, n, &i, 2, &D))
		return MP_EINPUT;
	if (at(s, n, i, 'T') || at(s, n, i, 't') || at(s, n, i, ' ')) {
		i++;
		if (!digits(s, n, &i, 2, &h) || !at(s, n, i++, ':') ||
		    !digits(s, n, &i, 2, &mi))
			return MP_EINPUT;
		if (at(s, n, i, ':')) {
			i++;
			if (!digits(s, n, &i, 2, &sec))
				return MP_EINPUT;
			if (at(s, n, i, '.') || (!strict && at(s, n, i, ',')))
				for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
					;
		} else if (strict)
			return MP_EINPUT;
	} else if (strict)
		return MP_EINPUT;
	if (at(s, n, i, 'Z') || at(s, n, i, 'z'))
		i++;
	else if (at(s, n, i, '+') || at(s, n, i, '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if (!digits(s, n, &i, 2, &oh))
			return MP_EINPUT;
		if (at(s, n, i, ':'))
			i++;
		else if (strict)
			return MP_EINPUT;
		if ((strict || i < n) && !digits(s, n, &i, 2, &om))
			return MP_EINPUT;
	} else if (strict)
		return MP_EINPUT;
	while (!strict && at(s, n, i, ' '))
		i++;
	if (i != n || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59)
		return MP_EINPUT;
	*t = (time_t)(days_from_civil(Y, M, D) * 86400LL + h * 3600 + mi * 60 +
	    sec - sign * (oh * 3600 + om * 60));
	return MP_OK;
}

int
mp_duration_parse(const char *s, unsigned max, unsigned *out)
{
	unsigned long long n = 0, mul = 1;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		n = n * 10 + (unsigned)(s[i] - '0');
		if (n > 0xffffffffULL)
			return MP_EINPUT;
	}
	if (i == 0)
		return MP_EINPUT;
	switch (s[i]) {
	case '\0': case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return MP_EINPUT;
	}
	if (s[i] != '\0' && s[i + 1] != '\0')
		return MP_EINPUT;
	if (n * mul > max)
		return MP_EINPUT;
	*out = (unsigned)(n * mul);
	return 0;
}

void
mp_duration_format(unsigned secs, char *out, size_t size)
{
	if (secs != 0 && secs % 86400 == 0)
		snprintf(out, size, "%ud", secs / 86400);
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(out, size, "%uh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(out, size, "%um", secs / 60);
	else
		snprintf(out, size, "%us", secs);
}
