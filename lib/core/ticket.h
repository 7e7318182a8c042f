/*
 * NAME
 *	ticket - a notification's ticket number as text
 * DESCRIPTION
 *	A ticket is "YYYYMMDD-NNNNNNNN": the UTC day a notification was made
 *	and that day's sequence number (tickets.h in lib/state hands them
 *	out). It goes in the notification's Subject as "[Meldpunt #TICKET] "
 *	so that a person can read it out on the telephone, and a reply whose
 *	Subject keeps it is matched to its notification even when the mail
 *	program dropped In-Reply-To.
 *
 *	mp_ticket_valid() says whether a string is exactly one ticket;
 *	mp_ticket_scan() finds the first tag in text (a Subject), "Meldpunt"
 *	in any case; mp_ticket_subject_tag() writes the tag.
 */
#ifndef MP_TICKET_H
#define MP_TICKET_H

#include <stddef.h>

#define MP_TICKET_MAX	18	/* "YYYYMMDD-NNNNNNNN" and its NUL */

int mp_ticket_valid(const char *s);
/* 1 with the first ticket of `text` in out[MP_TICKET_MAX], else 0. */
int mp_ticket_scan(const char *text, char *out);
/* "[Meldpunt #" ticket "] " into out[outsz]: 0, or -1 when it does not
 * fit or `ticket` is not one. */
int mp_ticket_subject_tag(const char *ticket, char *out, size_t outsz);

#endif
