/*
 * report_parse - which format is this message in? The dispatcher.
 *
 * Order: a message/feedback-report part makes it ARF (or XARF v4 in an
 * ARF envelope); an X-ARF/X-XARF header makes it X-ARF; an
 * application/json (or *.json) part makes it XARF v3/v4. Only the
 * reporter's own parts count, never those of an attached message: a
 * forwarded spam must not turn into a report by what it carries.
 * Anything else is refused, naming the feed when we recognise it, so
 * the review mailbox shows why.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "report_int.h"
#include "text.h"

static int
is_type(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, subtype);
}

static const char *
part_filename(GMimeObject *obj)
{
	return GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) :
	    NULL;
}

static GMimeObject *
find_part(const struct mp_message *msg, const char *type, const char *sub)
{
	size_t i;

	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);

		if (!p->embedded && GMIME_IS_PART(p->obj) &&
		    is_type(p->obj, type, sub))
			return p->obj;
	}
	return NULL;
}

GMimeObject *
mp_rpt_find_json(const struct mp_message *msg)
{
	GMimeObject *obj = find_part(msg, "application", "json");
	size_t i;

	for (i = 0; obj == NULL && i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);

		if (!p->embedded && mp_text_ends_with(part_filename(p->obj), ".json"))
			obj = p->obj;
	}
	return obj;
}

/*
 * The X-ARF report: the part named report.txt, else the second part of
 * the top multipart (the layout the X-ARF spec prescribes).
 */
static GMimeObject *
find_xarf(const struct mp_message *msg)
{
	GMimeObject *top;
	size_t i;

	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);
		const char *fn = part_filename(p->obj);

		if (!p->embedded && fn != NULL && strcasecmp(fn, "report.txt") == 0)
			return p->obj;
	}
	top = g_mime_message_get_mime_part(mp_message_mime(msg));
	if (top != NULL && GMIME_IS_MULTIPART(top) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(top)) >= 2) {
		GMimeObject *second =
		    g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);

		if (GMIME_IS_PART(second) && is_type(second, "text", "plain"))
			return second;
	}
	return NULL;
}

/* 1 for "X-ARF: YES", 2 for "X-XARF: PLAIN" alone, 0 for neither. */
static int
xarf_marker(const struct mp_message *msg)
{
	const char *v;

	if ((v = mp_message_header(msg, "X-ARF")) != NULL &&
	    strncasecmp(v + strspn(v, " \t"), "yes", 3) == 0)
		return 1;
	if ((v = mp_message_header(msg, "X-XARF")) != NULL &&
	    strncasecmp(v + strspn(v, " \t"), "plain", 5) == 0)
		return 2;
	return 0;
}

/* Feeds we know by their sender: not ARF, so name them in the refusal. */
static const struct {
	const char *sender;	/* "@domain" suffix or a full address */
	const char *name;
} feeds[] = {
	{ "@shadowserver.org", "Shadowserver CSV" },
	{ ".shadowserver.org", "Shadowserver CSV" },
	{ ".abusehub.nl", "AbuseHUB CSV" },
	{ "@abusehub.nl", "AbuseHUB CSV" },
	{ ".spamcop.net", "SpamCop" },
	{ "@spamcop.net", "SpamCop" },
	{ "@spamhaus.org", "Spamhaus SBL notice" },
	{ "staff@hotmail.com", "Hotmail JMRP complaint" },
};

static const char *
unsupported(const struct mp_message *msg)
{
	InternetAddressList *from =
	    g_mime_message_get_from(mp_message_mime(msg));
	const char *addr = NULL, *fn;
	size_t i;

	if (from != NULL && internet_address_list_length(from) > 0) {
		InternetAddress *ia = internet_address_list_get_address(from, 0);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia));
	}
	for (i = 0; addr != NULL && i < sizeof(feeds) / sizeof(feeds[0]); i++)
		if (mp_text_ends_with(addr, feeds[i].sender))
			return feeds[i].name;
	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);

		if (p->embedded)
			continue;
		fn = part_filename(p->obj);
		if (is_type(p->obj, "application", "xml") ||
		    is_type(p->obj, "text", "xml") || mp_text_ends_with(fn, ".xml"))
			return "XML notice (ACNS or similar)";
		if (mp_text_ends_with(fn, ".csv") || mp_text_ends_with(fn, ".csv.zip") ||
		    is_type(p->obj, "text", "csv"))
			return "CSV attachment";
	}
	return NULL;
}

static int
dispatch(const struct mp_message *msg, struct mp_report **rp,
    struct mp_error *err)
{
	GMimeObject *part;
	const char *name;
	int hint;

	if ((part = find_part(msg, "message", "feedback-report")) != NULL)
		return mp_report_parse_arf(msg, part, rp, err);
	if ((hint = xarf_marker(msg)) != 0) {
		if ((part = find_xarf(msg)) == NULL)
			return mp_error_set(err, MP_EINPUT, "X-ARF marker but "
			    "no report.txt part");
		return mp_report_parse_xarf(msg, part, hint, rp, err);
	}
	if ((part = mp_rpt_find_json(msg)) != NULL) {
		GByteArray *ba;
		int rc;

		if ((rc = mp_message_part_content(part, MP_REPORT_MAX_DOC, &ba,
		    err)) != MP_OK)
			return rc;
		rc = mp_report_parse_json(msg, (const char *)ba->data, ba->len,
		    "application/json", part_filename(part), rp, err);
		g_byte_array_unref(ba);
		return rc;
	}
	if ((name = unsupported(msg)) != NULL)
		return mp_error_set(err, MP_EINPUT, "unsupported format: %s",
		    name);
	return mp_error_set(err, MP_EINPUT,
	    "no message/feedback-report part and no X-ARF marker");
}

int
mp_report_parse(const struct mp_message *msg, struct mp_report **rp,
    struct mp_error *err)
{
	int rc;

	*rp = NULL;
	rc = dispatch(msg, rp, err);
	if (rc == MP_EINPUT || rc == MP_ELIMIT)
		mp_error_prefix(err, "not a report");
	return rc;
}

int
mp_report_parse_buffer(const void *data, size_t len,
    const struct mp_message_limits *lim, struct mp_report **rp,
    struct mp_error *err)
{
	const unsigned char *p = data;
	struct mp_message *msg;
	size_t i = 0, bom = 0;
	int rc;

	*rp = NULL;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = bom = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (i < len && p[i] == '{') {
		rc = mp_report_parse_json(NULL, (const char *)p + bom, len - bom,
		    "application/json", NULL, rp, err);
		if (rc == MP_EINPUT || rc == MP_ELIMIT)
			mp_error_prefix(err, "not a report");
		return rc;
	}
	if ((rc = mp_message_parse(data, len, lim, &msg, err)) != MP_OK) {
		if (rc == MP_EINPUT || rc == MP_ELIMIT)
			mp_error_prefix(err, "not a report");
		return rc;
	}
	rc = mp_report_parse(msg, rp, err);
	mp_message_free(&msg);
	return rc;
}
