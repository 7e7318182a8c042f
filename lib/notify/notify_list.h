/*
 * NAME
 *	notify_list - one notification for many rows of list reports
 * DESCRIPTION
 *	mp_notify_render_list() renders the rows of one group (one contact,
 *	one report type, one language: the sender's unit) of list reports
 *	(Shadowserver CSV feeds, generic CSV lists; feed.h) into one
 *	notification, the same struct mp_notice as mp_notify_render()
 *	(notify.h): the same headers (From, To, Reply-To, Subject with the
 *	ticket, Date, Message-ID, X-Meldpunt-Id, Auto-Submitted,
 *	Content-Language, MIME), the same language rule (MP_LANG_UNKNOWN:
 *	nl then en), 7-bit, CRLF, lines of at most 998 bytes.
 *
 *	The text, per language: the list variant of the type's template
 *	(LANG/list/TYPE.tmpl, meldpunt-templates(5)) with the list fields
 *	(rows, plural, feed, first_seen, last_seen, time, reporter,
 *	report_id, case_ref, ticket, attachment); then, written by the
 *	renderer, the first MP_NOTIFY_LIST_TABLE_ROWS rows as a table of
 *	fixed-width plain text (time UTC, IP address, port, protocol, host
 *	name, tags / CVEs; a column nobody has is left out; the feed's name
 *	when the rows come from differently named feeds), "and N more rows
 *	in the attachment" when there are more, and a note naming the
 *	attachments; then the language's footer.
 *
 *	The attachments: every row, each exactly once, as CSV (RFC 4180:
 *	comma, CRLF, quotes doubled; UTF-8) with the feed's own column names
 *	and cells in the feed's order, one file per feed that has rows, in
 *	the order of `feeds`. Its name is the feed's file name made safe
 *	([A-Za-z0-9._-]; ".zip" dropped, ".csv" added when missing), else
 *	meldpunt-TYPE-TICKET.csv (the notice id without a ticket); a name
 *	that repeats gets -2, -3, ... A CSV of more than
 *	MP_NOTIFY_LIST_ZIP_AT bytes goes as NAME.zip (application/zip,
 *	deflate, the one entry NAME.csv): a mail program shows such a file
 *	as a download rather than opening megabytes of text, and feeds
 *	compress about tenfold, which keeps the message under mailbox
 *	limits.
 *
 *	Cells are hostile. Every cell and column name passes mp_feed_defang()
 *	(feed.h: CR, LF and other controls become spaces, invalid UTF-8 '?',
 *	a leading = + - @ gets a "'"), then the password redaction of every
 *	notification (redact.h; strict for leaked-credentials); a column
 *	whose name is a password word (mp_redact_key()) has every cell
 *	[REDACTED]. The table's values pass mp_feed_defang() and the value
 *	policy of notify.h (U+FFFD for bidirectional overrides, redaction)
 *	and are cut to their column's width.
 *
 *	Group-wide values: feed, reporter, report_id and case_ref join the
 *	distinct non-empty values of the feeds that have rows with ", ";
 *	reporter is taken as given (the caller applied disclose); first_seen
 *	and last_seen are the earliest and latest row time, both empty when
 *	they are equal, and time the latest.
 * LIMITS
 *	max_bytes (0, or more than MP_NOTIFY_MESSAGE_MAX: that) bytes of
 *	message, checked before encoding from the attachments' sizes and
 *	after; MP_NOTIFY_LIST_CSV_MAX bytes of one CSV before zipping. Above
 *	either: MP_ELIMIT with the limit and the rows, and nothing is made:
 *	the caller sends fewer rows at a time.
 * OWNERSHIP
 *	As mp_notify_render(): a new struct mp_notice, mp_notice_free(&n).
 *	The list and everything it points to are only read.
 */
#ifndef MP_NOTIFY_LIST_H
#define MP_NOTIFY_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "lang.h"
#include "notify.h"
#include "template.h"

#define MP_NOTIFY_LIST_TABLE_ROWS	20
#define MP_NOTIFY_LIST_ZIP_AT		(512u * 1024)	/* CSV bytes */
#define MP_NOTIFY_LIST_CSV_MAX		(128u * 1024 * 1024)

/* One table of one report. */
struct mp_notify_list_feed {
	const char *name;	/* Shadowserver type ("scan_rdp") or "list" */
	const char *filename;	/* the attachment's name in the report, or NULL */
	const char *report_id;	/* NULL when none */
	const char *case_ref;
	const char *reporter;	/* as disclose allows; NULL: none */
	const char *const *columns;	/* the feed's own column names */
	size_t ncolumns;
};

struct mp_notify_list_row {
	size_t feed;		/* index into feeds */
	time_t seen;		/* the row's own time (0: none) */
	const char *ip;		/* NULL when none, as the strings below */
	unsigned port;		/* 0: none */
	const char *protocol, *hostname, *tags, *cves, *severity;
	uint32_t asn;
	const char *const *cells;	/* raw, in the feed's column order */
	size_t ncells;
};

struct mp_notify_list {
	const char *type;	/* report type word: "vulnerable-service" */
	const struct mp_notify_list_feed *feeds;
	size_t nfeeds;
	const struct mp_notify_list_row *rows;	/* in the order to show */
	size_t nrows;		/* at least 1 */
	size_t max_bytes;	/* of the message; 0: MP_NOTIFY_MESSAGE_MAX */
};

/*
 * MP_OK with *np; MP_EINPUT (no rows, an unknown type, a row naming no
 * feed, conf as mp_notify_render()), MP_ECONFIG (conf), MP_ELIMIT,
 * MP_ENOMEM, MP_ERETRY (no randomness for the notice id).
 */
int mp_notify_render_list(const struct mp_template_set *set,
    const struct mp_notify_list *list, enum mp_lang lang,
    const struct mp_notify_conf *conf, struct mp_notice **np,
    struct mp_error *err);

#endif
