/*
 * NAME
 *	bounce - classify returned mail: hard, soft, auto-reply or not a bounce
 * SYNOPSIS
 *	#include "bounce.h"
 * DESCRIPTION
 *	mp_bounce_classify() reads one raw message that came back to a
 *	notification's return path (or to any clearinghouse address) and
 *	says what it is, and why:
 *
 *	MP_BOUNCE_HARD		a permanent failure: an RFC 3464 DSN whose
 *				Status is 5.x.x, or a known MTA's text with
 *				a 5xx reply, or a failure notice of a known
 *				shape that names no code at all
 *	MP_BOUNCE_SOFT		a temporary one: Status 4.x.x, Action:
 *				delayed, a 4xx reply, or an MTA's "warning
 *				only" delay notice
 *	MP_BOUNCE_AUTO_REPLY	RFC 3834 Auto-Submitted (not "no"),
 *				X-Autoreply and friends, Precedence:
 *				auto_reply, a vacation Subject ("Out of
 *				Office", "Automatic reply", "Afwezig",
 *				"Automatisch antwoord", ...), or a
 *				challenge-response request
 *	MP_BOUNCE_NONE		none of these: a person's message, a
 *				success DSN (Action: delivered/relayed/
 *				expanded), a report
 *
 *	The order is fixed: a message/delivery-status part decides first
 *	(signal MP_BSIG_DSN), then the text of a known MTA (MP_BSIG_MTA_TEXT,
 *	`shape` names which), and only then auto-reply markers: Exim and
 *	Postfix put "Auto-Submitted: auto-replied" on their bounces, so the
 *	header alone must not turn a bounce into an auto-reply.
 *
 *	For a bounce it also fills in up to MP_BOUNCE_MAX_RCPTS failed
 *	recipients (address, Status, Action, Diagnostic-Code, Remote-MTA)
 *	and, when the returned part carries them, the original message's
 *	Message-ID and X-Meldpunt-Id: from a message/rfc822 part first,
 *	then text/rfc822-headers, then header lines quoted inline in the
 *	notification text. Every string is made safe: valid UTF-8 or '?',
 *	no control characters (CR and LF included), at most the size of
 *	its array; Diagnostic-Code is cut at `max_diag`.
 *
 *	mp_bounce_verp_tag() takes the envelope recipient the bounce came to,
 *	"<bounce-local><delim><tag>@domain" (the delimiter as in Postfix's
 *	recipient_delimiter), and copies out the tag: the notice id.
 *	mp_bounce_return_path() makes that address from BounceAddress.
 *
 *	The kind, signal and shape names (mp_bounce_kind_name(), ...) are
 *	the words of the corpus table tests/corpus/expected/bounce.tsv and
 *	of docs/bounce.md.
 * LIMITS
 *	msg			the MIME message (message.h): bytes, depth,
 *				parts, header fields
 *	max_text		bytes of notification text scanned for an MTA
 *				shape, codes and quoted headers
 *				(MP_BOUNCE_MAX_TEXT); the rest is not read
 *	max_rcpts		failed recipients kept (<= MP_BOUNCE_MAX_RCPTS);
 *				more are counted in `more_rcpts`
 *	max_groups		field groups read in a delivery-status part
 *				(MP_BOUNCE_MAX_GROUPS)
 *	max_diag		bytes of a Diagnostic-Code kept
 *				(<= MP_BOUNCE_DIAG_MAX - 1)
 *	Fixed: MP_BOUNCE_ADDR_MAX, MP_BOUNCE_MTA_MAX, MP_BOUNCE_ID_MAX bytes
 *	per address, Remote-MTA and message id (longer values are cut).
 *	A message beyond a MIME limit is refused (MP_ELIMIT naming it); one
 *	beyond max_text or max_groups is classified on what was read.
 * THREADS
 *	Pure: no globals, no logging, no network, nothing allocated that
 *	outlives the call. Safe from many threads once g_mime_init() ran.
 * OWNERSHIP
 *	struct mp_bounce is caller-owned and fixed size; nothing to free.
 */
#ifndef MP_BOUNCE_H
#define MP_BOUNCE_H

#include <stddef.h>

#include "error.h"
#include "message.h"

#define MP_BOUNCE_MAX_RCPTS	16
#define MP_BOUNCE_MAX_TEXT	(256u * 1024)
#define MP_BOUNCE_MAX_GROUPS	64
#define MP_BOUNCE_DIAG_MAX	512
#define MP_BOUNCE_ADDR_MAX	256
#define MP_BOUNCE_MTA_MAX	256
#define MP_BOUNCE_ID_MAX	256
#define MP_BOUNCE_STATUS_MAX	16	/* "5.123.123" and NUL */
#define MP_BOUNCE_ACTION_MAX	16

enum mp_bounce_kind {
	MP_BOUNCE_NONE = 0,	/* not a bounce */
	MP_BOUNCE_HARD,
	MP_BOUNCE_SOFT,
	MP_BOUNCE_AUTO_REPLY,
};

/* What decided the kind. */
enum mp_bounce_signal {
	MP_BSIG_NONE = 0,
	MP_BSIG_DSN,		/* RFC 3464 message/delivery-status */
	MP_BSIG_MTA_TEXT,	/* a known MTA's human-readable notice */
	MP_BSIG_AUTO_SUBMITTED,	/* RFC 3834 Auto-Submitted */
	MP_BSIG_AUTO_HEADER,	/* X-Autoreply, X-Autorespond, Precedence: auto_reply */
	MP_BSIG_VACATION,	/* a vacation Subject */
	MP_BSIG_CHALLENGE,	/* challenge-response */
};

/* Whose text it was (MP_BSIG_MTA_TEXT), or MP_BSHAPE_RFC3464. */
enum mp_bounce_shape {
	MP_BSHAPE_NONE = 0,
	MP_BSHAPE_RFC3464,
	MP_BSHAPE_POSTFIX,
	MP_BSHAPE_SENDMAIL,
	MP_BSHAPE_EXIM,
	MP_BSHAPE_QMAIL,
	MP_BSHAPE_EXCHANGE,	/* Exchange 2003 and older: "did not reach" */
	MP_BSHAPE_OFFICE365,	/* Exchange 2007+ / Office 365 text NDR */
	MP_BSHAPE_GMAIL,
	MP_BSHAPE_YAHOO,
	MP_BSHAPE_NOTES,	/* Lotus Notes / Domino text */
	MP_BSHAPE_OPENSMTPD,
	MP_BSHAPE_GENERIC,	/* a mailer-daemon's failure Subject */
};

struct mp_bounce_limits {
	struct mp_message_limits msg;
	size_t max_text;
	unsigned max_rcpts;
	unsigned max_groups;
	size_t max_diag;
};

struct mp_bounce_rcpt {
	enum mp_bounce_kind kind;		/* HARD, SOFT or NONE (delivered) */
	char addr[MP_BOUNCE_ADDR_MAX];		/* Final-Recipient, else Original-Recipient; "" if neither */
	char status[MP_BOUNCE_STATUS_MAX];	/* "5.1.1", "" if none */
	char action[MP_BOUNCE_ACTION_MAX];	/* "failed", "delayed", ...; lower case */
	char diag[MP_BOUNCE_DIAG_MAX];		/* Diagnostic-Code, or the MTA's line */
	char remote_mta[MP_BOUNCE_MTA_MAX];	/* Remote-MTA, "dns; " kept */
};

struct mp_bounce {
	enum mp_bounce_kind kind;
	enum mp_bounce_signal signal;
	enum mp_bounce_shape shape;
	char status[MP_BOUNCE_STATUS_MAX];	/* the status that decided, "" if none */
	char reply[4];				/* the SMTP reply code that decided, "" if none */
	struct mp_bounce_rcpt rcpt[MP_BOUNCE_MAX_RCPTS];
	size_t nrcpts;
	size_t more_rcpts;			/* recipients seen beyond max_rcpts */
	char orig_message_id[MP_BOUNCE_ID_MAX];	/* without <>, "" if not found */
	char orig_meldpunt_id[MP_BOUNCE_ID_MAX];/* X-Meldpunt-Id, "" if not found */
};

void mp_bounce_limits_default(struct mp_bounce_limits *lim);

/*
 * Classify `len` bytes at `msg`. `lim` may be NULL for the defaults.
 * Returns MP_OK with *out filled in (kind MP_BOUNCE_NONE included), or
 * MP_ELIMIT / MP_EINPUT / MP_ENOMEM from the MIME parser with err filled
 * in and *out cleared (kind MP_BOUNCE_NONE).
 */
int mp_bounce_classify(const char *msg, size_t len,
    const struct mp_bounce_limits *lim, struct mp_bounce *out,
    struct mp_error *err);

/*
 * The tag of `rcpt` ("bounce+MP-abc@example.nl", angle brackets allowed)
 * when its local part is `bounce_local` (case-insensitive), then
 * `delim`, then the tag. Returns MP_FOUND with the tag in tag[taglen],
 * MP_NOTFOUND when the address is not of that form (another local part,
 * no delimiter, no '@'), or MP_EINPUT when the tag is empty, does not fit
 * taglen, or holds anything but letters, digits and '-' (a notice id's
 * characters): a forged or mangled return path, not "no tag".
 */
int mp_bounce_verp_tag(const char *rcpt, const char *bounce_local, char delim,
    char *tag, size_t taglen);

/*
 * The other way round: the return path of the notification whose notice
 * id is `tag`: "local@domain" of `bounce_addr` becomes
 * "local<delim>tag@domain" in out[outlen]. MP_OK; MP_EINPUT when
 * bounce_addr has no local part or domain, delim is NUL or '@', or the
 * tag is empty or holds anything but letters, digits and '-';
 * MP_ELIMIT when it does not fit (out is then "").
 */
int mp_bounce_return_path(const char *bounce_addr, char delim, const char *tag,
    char *out, size_t outlen);

/* "hard", "soft", "auto-reply", "not-a-bounce". */
const char *mp_bounce_kind_name(enum mp_bounce_kind kind);
/* "dsn", "mta-text", "auto-submitted", "auto-header", "vacation", "challenge", "none". */
const char *mp_bounce_signal_name(enum mp_bounce_signal sig);
/* "rfc3464", "postfix", "exim", ..., "none". */
const char *mp_bounce_shape_name(enum mp_bounce_shape shape);

#endif
