/*
 * NAME
 *	pendrow - one incident as a pending row, for the sender
 * DESCRIPTION
 *	Most pending rows (pending.h) are rows of list reports. Two kinds of
 *	single incident wait for the sender the same way:
 *	  - a single-incident report for a contact whose routing record asks
 *	    for digests (route.h, digest): intake.c queues it for that
 *	    contact instead of notifying it at once;
 *	  - the incident of a notification that bounced hard: bounceflow.c
 *	    routes it again past the bounced address and queues it for the
 *	    next tier's contacts.
 *	mp_pendrow_record() is the one conversion for both: the report (only
 *	its type, addresses, port, service, AS, times, TLP and id are read)
 *	becomes one row per contact, in the group (contact, "<type>:report",
 *	the contact's language), of the feed "report" whose columns are
 *	MP_PENDROW_COLUMNS (the sender's CSV attachment). It writes the rows,
 *	the feed record and last the message record that makes them visible,
 *	then syncs: recorded before the MTA is answered, like list rows.
 *
 *	`msg` is the caller's fingerprint of what is recorded (the message's
 *	bytes; the bounced notice and address): the same fingerprint again
 *	writes the same keys, so a retry records every row once.
 *	mp_pendrow_undo() hides the rows again (the plan was not carried
 *	out): the retry writes them anew.
 *
 *	What a contact may learn about the reporter is decided here, as the
 *	notification decides it (notify.h, "The reporter"): with disclose
 *	none the reference and the reporter are left out; with TLP amber or
 *	red the reporter is. Cells are redacted (redact.h): a password in a
 *	URL never waits in the state DB.
 *
 *	mp_pendrow_report() fills a report from a notice record's type and
 *	source (an IP address, "AS64500", a URL or a domain), for the
 *	incident of a bounced notification.
 * LIMITS
 *	MP_ROUTE_CONTACTS contacts a call; cells of MP_PENDROW_CELL_MAX bytes.
 * OWNERSHIP
 *	mp_pendrow_report() borrows `type` and `source`: the report holds
 *	pointers into them and must not be freed with mp_report_free().
 */
#ifndef MP_PENDROW_H
#define MP_PENDROW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "report.h"
#include "route.h"

struct mp_seen;

/* The feed's name and columns (the feed record of pending.h). */
#define MP_PENDROW_FEED	"report"
#define MP_PENDROW_COLUMNS { "timestamp", "ip", "port", "service", "domain", \
	"url", "asn", "type", "detail", "tlp", "reference", "note" }
#define MP_PENDROW_NCOLUMNS	12
#define MP_PENDROW_CELL_MAX	2048

struct mp_pendrow {
	uint64_t msg;			/* the key (above), not 0 */
	time_t received;		/* when it was taken */
	enum mp_disclose disclose;	/* the reporter's record; 0: name */
	const char *reporter;		/* its domain or address, or NULL */
	const char *note;		/* why it waits; NULL for a digest */
};

/* MP_OK, or an error (err): MP_ERETRY (state DB), MP_ENOMEM, MP_EINPUT. */
int mp_pendrow_record(struct mp_seen *seen, const struct mp_report *r,
    const struct mp_route_contact *const *to, size_t nto,
    const struct mp_pendrow *how, struct mp_error *err);
int mp_pendrow_undo(struct mp_seen *seen, uint64_t msg, struct mp_error *err);

void mp_pendrow_report(const char *type, char *source, struct mp_report *r);

#endif
