/*
 * NAME
 *	notify - render a report into a complete, 7-bit, MIME notification
 * DESCRIPTION
 *	mp_notify_render() fills the template for the report's type in the
 *	chosen language (nl, en, or bilingual: nl then en), appends the
 *	language's footer (how to check the message is genuine, how to
 *	answer) and builds:
 *
 *	    multipart/mixed
 *	      text/plain; charset=utf-8, quoted-printable   the notification
 *	      <evidence content type>, base64, attachment    the original
 *
 *	The evidence (report->evidence) is attached byte-exact, except for
 *	leaked-credentials reports: their evidence is redacted (redact.h)
 *	when it is UTF-8 text and left out when it is not, so that no
 *	password ever leaves. message/rfc822, message/partial and
 *	message/external-body may not be base64-encoded (RFC 2045/2046) and
 *	are attached as application/octet-stream with their file name.
 *
 *	The result is 7-bit clean with lines of at most 998 bytes, CRLF line
 *	ends: Postfix would otherwise downgrade 8-bit after signing.
 *
 *	Report values are hostile. They reach the notification only as
 *	template values in the text body (never in a header except through
 *	the template's Subject line), after: invalid UTF-8 replaced by
 *	U+FFFD; control characters, C1 controls, line/paragraph separators
 *	and bidirectional overrides replaced by U+FFFD; length capped
 *	(MP_NOTIFY_VALUE_MAX, "..." appended); passwords redacted (redact.h);
 *	URLs defanged ("hxxp://", "[.]") so mail programs make no link of
 *	them. The Subject is capped at MP_NOTIFY_SUBJECT_MAX characters,
 *	RFC 2047-encoded when it is not plain ASCII or contains "=?", and
 *	folded.
 *
 *	The reporter. A notification never carries the reporter's client
 *	address, HELO name or envelope sender (none of them is a template
 *	value). In the text it is named as its known-reporter record allows
 *	(disclose in meldpunt-routes(5)): name (the default) gives the
 *	record's name, else the organisation the report names, and no
 *	address; name+address adds the report's contact address
 *	(reporter_address); none names nobody and leaves out report_id too
 *	(an ARF report's id is its Message-ID, which names the reporter's
 *	domain). Whatever the setting, TLP amber and red name nobody.
 *
 *	The notice id ("MP-" and 26 base32 characters: 128 random bits from
 *	getrandom(2)) and the Message-ID (<id@identity-domain>) are unique
 *	and unguessable.
 *
 *	The seam for signing: the notice is complete before signing; a
 *	signer adds its header to what the milter sets.
 *
 *	Many rows of list reports for one contact make one notification
 *	through mp_notify_render_list() (notify_list.h), with the same
 *	headers and rules and the struct mp_notice below.
 * OUTPUT
 *	struct mp_notice carries the pieces the milter sets (header values
 *	folded with "\n\t" as libmilter wants, `body` with CRLF for
 *	smfi_replacebody) and `message`, the whole RFC 5322 message as
 *	bytes (CRLF), for tools, tests and archiving.
 * LIMITS
 *	MP_NOTIFY_VALUE_MAX bytes per value (URL: MP_NOTIFY_URL_MAX),
 *	MP_NOTIFY_SUBJECT_MAX characters of Subject, MP_NOTIFY_TEXT_MAX
 *	bytes of rendered text, MP_NOTIFY_MESSAGE_MAX bytes in all.
 * OWNERSHIP
 *	mp_notify_render() returns a new struct mp_notice owned by the
 *	caller, released with mp_notice_free(&n). The template set and the
 *	report are only read; they may be shared by threads.
 */
#ifndef MP_NOTIFY_H
#define MP_NOTIFY_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "report.h"
#include "route.h"
#include "template.h"

#define MP_NOTIFY_VALUE_MAX	512
#define MP_NOTIFY_URL_MAX	2048
#define MP_NOTIFY_SUBJECT_MAX	200
#define MP_NOTIFY_TEXT_MAX	(256 * 1024)
#define MP_NOTIFY_MESSAGE_MAX	(64UL * 1024 * 1024)
#define MP_NOTIFY_ID_MAX	32	/* "MP-" + 26 + NUL fits */

/* What the operator configured, and the recipients. */
struct mp_notify_conf {
	const char *from_addr;	/* Identity address: required, one mailbox */
	const char *from_name;	/* Identity display name, UTF-8, or NULL */
	const char *website;	/* shown in the footer, or NULL */
	const char *phone;	/* shown in the footer, or NULL */
	const char *const *to;	/* contact addresses for To:, or NULL */
	size_t nto;
	time_t now;		/* Date; 0 = time(NULL) */
	const char *notice_id;	/* NULL = generate one */
	/*
	 * What may be said about the reporter: its record's disclose setting
	 * (0: name, the default) and name (NULL or "": the report's own
	 * organisation stands in). See "The reporter" above.
	 */
	enum mp_disclose disclose;
	const char *reporter_name;
	/* The ticket (ticket.h), put before the Subject as "[Meldpunt
	 * #TICKET] ", or NULL; the helpdesk address for Reply-To, or NULL. */
	const char *ticket;
	const char *reply_to;
};

struct mp_notice_header {
	const char *name;	/* static: "From", "Subject", ... */
	char *value;		/* 7-bit, folded with "\n\t" */
};

#define MP_NOTICE_MAX_HEADERS 16

struct mp_notice {
	char notice_id[MP_NOTIFY_ID_MAX];	/* also X-Meldpunt-Id */
	char *subject_text;	/* the Subject as UTF-8, unencoded (logs) */
	char *text;		/* the plain text as UTF-8 (tools, tests) */
	/* Headers in message order; the named pointers alias into it. */
	struct mp_notice_header headers[MP_NOTICE_MAX_HEADERS];
	size_t nheaders;
	const char *from, *to, *reply_to, *subject, *date, *message_id;
	const char *mime_version, *content_type, *content_transfer_encoding;
	char *body;		/* the MIME body, CRLF, 7-bit */
	size_t body_len;
	char *message;		/* headers + body: the whole message, CRLF */
	size_t message_len;
	enum mp_lang lang;
	int redacted;		/* something was redacted */
	int evidence;		/* 0 none, 1 attached as is, 2 redacted, 3 left out */
};

/*
 * The language for a notification to contacts whose preferences are
 * langs[0..n): "nl" or "en" when all agree, bilingual (MP_LANG_UNKNOWN:
 * nl then en) otherwise
 * (unknown, empty, mixed, n == 0).
 */
enum mp_lang mp_notify_lang_pick(const char *const *langs, size_t n);
const char *mp_notify_lang_name(enum mp_lang lang); /* nl, en, nl+en */

/* A new notice id in out (at least MP_NOTIFY_ID_MAX bytes); MP_ERETRY
 * when the kernel has no randomness to give. */
int mp_notify_new_id(char *out, size_t outsz, struct mp_error *err);

int mp_notify_render(const struct mp_template_set *set,
    const struct mp_report *r, enum mp_lang lang,
    const struct mp_notify_conf *conf, struct mp_notice **np,
    struct mp_error *err);

void mp_notice_free(struct mp_notice **np);

#endif
