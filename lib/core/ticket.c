/*
 * ticket - see ticket.h
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ticket.h"

#define TAG_OPEN	"[Meldpunt #"

/* 1 when s[0..17) is YYYYMMDD-NNNNNNNN (what follows is not looked at). */
static int
ticket_at(const char *s)
{
	size_t i;

	for (i = 0; i < MP_TICKET_MAX - 1; i++)
		if (i == 8 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
mp_ticket_valid(const char *s)
{
	return s != NULL && strnlen(s, MP_TICKET_MAX) == MP_TICKET_MAX - 1 &&
	    ticket_at(s);
}

int
mp_ticket_scan(const char *text, char *out)
{
	size_t open = sizeof(TAG_OPEN) - 1;
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p++)
		if (strncasecmp(p, TAG_OPEN, open) == 0 &&
		    strnlen(p + open, MP_TICKET_MAX) == MP_TICKET_MAX &&
		    ticket_at(p + open) && p[open + MP_TICKET_MAX - 1] == ']') {
			memcpy(out, p + open, MP_TICKET_MAX - 1);
			out[MP_TICKET_MAX - 1] = '\0';
			return 1;
		}
	return 0;
}

int
mp_ticket_subject_tag(const char *ticket, char *out, size_t outsz)
{
	int n;

	if (!mp_ticket_valid(ticket))
		return -1;
	n = snprintf(out, outsz, TAG_OPEN "%s] ", ticket);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}
