/*
 * notify_value - part of mp_notify_render() (notify.h):
 *	the value policy: what of a hostile report may reach a reader,
 *	sanitised, defanged, cut, and which evidence goes out.
 *	The job it shares is notify_int.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "encode.h"
#include "redact.h"
#include "notify_int.h"

/* A code point that must not reach a reader: controls, separators, bidi. */
static int
unsafe_cp(const unsigned char *p, size_t seq)
{
	unsigned cp;

	if (seq == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	cp = seq == 2 ? ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu) :
	    seq == 3 ? ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
	    (p[2] & 0x3fu) : 0x10000;
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0xfeff;
}

/* Valid, printable UTF-8 of at most `max` bytes (then "..."). */
static int
sanitize(const char *in, size_t max, struct mp_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, seq, start = out->len;
	int rc = MP_OK;

	while (i < len && rc == MP_OK) {
		seq = mp_utf8_seq(p + i, len - i);
		if (out->len - start + (seq ? seq : 3) > max)
			return mp_buf_puts(out, ELLIPSIS);
		if (seq == 0) {
			rc = mp_buf_puts(out, REPLACEMENT);
			i++;
		} else if (p[i] == '\t') {
			rc = mp_buf_puts(out, " ");
			i++;
		} else if (unsafe_cp(p + i, seq)) {
			rc = mp_buf_puts(out, REPLACEMENT);
			i += seq;
		} else {
			rc = mp_buf_append(out, p + i, seq);
			i += seq;
		}
	}
	return rc;
}

/* hxxp://host[.]example/path: no mail program makes a link of it. */
static int
defang(const char *s, struct mp_buf *out)
{
	const char *host = strstr(s, "://"), *p;
	int rc = MP_OK;

	if (host != NULL) {
		for (p = s; p < host && rc == MP_OK; p++)
			rc = mp_buf_append(out, (p - s == 1 || p - s == 2) &&
			    (*p == 't' || *p == 'T') &&
			    (s[0] == 'h' || s[0] == 'H') ? "x" : p, 1);
		if (rc == MP_OK)
			rc = mp_buf_puts(out, "://");
		s = host + 3;
	}
	for (p = s; *p != '\0' && rc == MP_OK; p++) {
		if (strchr("/?#", *p) != NULL)
			return mp_buf_puts(out, p);
		rc = *p == '.' ? mp_buf_puts(out, "[.]") : mp_buf_append(out, p, 1);
	}
	return rc;
}

int
nt_text(struct render *rd, const char *v, size_t max, struct mp_buf *out)
{
	struct mp_buf clean;
	int rc;

	if (v == NULL || *v == '\0')
		return MP_OK;
	mp_buf_init(&clean, 0);
	if ((rc = sanitize(v, max, &clean)) == MP_OK)
		rc = mp_redact(clean.data, clean.len, 0, out, &rd->n->redacted);
	mp_buf_free(&clean);
	return rc;
}

/* One report string into a template value: safe, redacted, bounded. */
static int
set_text(struct render *rd, enum mp_tfield f, const char *v, size_t max)
{
	struct mp_buf red;
	int rc;

	if (f != MP_TF_URL)
		return nt_text(rd, v, max, &rd->val[f]);
	mp_buf_init(&red, 0);
	if ((rc = nt_text(rd, v, max, &red)) == MP_OK && red.data != NULL)
		rc = defang(red.data, &rd->val[f]);
	mp_buf_free(&red);
	return rc;
}

int
nt_time(time_t t, struct mp_buf *out)
{
	struct tm tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL)
		return MP_OK;
	return mp_buf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d UTC",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static int
set_time(struct render *rd, enum mp_tfield f, time_t t)
{
	return nt_time(t, &rd->val[f]);
}

static const char *
format_name(enum mp_report_format fmt)
{
	switch (fmt) {
	case MP_FMT_ARF: return "ARF";
	case MP_FMT_XARF01: return "X-ARF 0.1";
	case MP_FMT_XARF02: return "X-ARF 0.2";
	case MP_FMT_XARF3: return "XARF 3";
	case MP_FMT_XARF4: return "XARF 4";
	}
	return "";
}

/* TLP amber and red mean: do not pass on who reported it. */
static int
may_name_reporter(const char *tlp)
{
	return tlp == NULL || *tlp == '\0' || strcasecmp(tlp, "clear") == 0 ||
	    strcasecmp(tlp, "white") == 0 || strcasecmp(tlp, "green") == 0;
}

/*
 * Who reported it, as far as the reporter's record (disclose) and the
 * report's TLP allow (notify.h, "The reporter").
 */
static int
set_reporter(struct render *rd)
{
	const struct mp_report *r = rd->r;
	const struct mp_notify_conf *c = rd->conf;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	const char *name;
	int rc = MP_OK;

	if (c->disclose == MP_DISCLOSE_NONE)
		return MP_OK;
	rc |= set_text(rd, MP_TF_REPORT_ID, r->report_id, vm);
	if (!may_name_reporter(r->tlp))
		return rc;
	name = c->reporter_name != NULL && *c->reporter_name != '\0' ?
	    c->reporter_name : r->reporter_org;
	if (c->disclose == MP_DISCLOSE_NAME_ADDRESS) {
		/* no name known: the address alone still says who */
		rc |= set_text(rd, MP_TF_REPORTER, name != NULL ? name :
		    r->reporter_addr, vm);
		if (name != NULL)
			rc |= set_text(rd, MP_TF_REPORTER_ADDRESS,
			    r->reporter_addr, vm);
	} else
		rc |= set_text(rd, MP_TF_REPORTER, name, vm);
	return rc;
}

int
nt_set_report_values(struct render *rd)
{
	const struct mp_report *r = rd->r;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	time_t when = r->last_seen ? r->last_seen :
	    r->first_seen ? r->first_seen : r->reported_at;
	int rc = MP_OK;

	rc |= mp_buf_puts(&rd->val[MP_TF_TYPE], mp_report_type_name(r->type));
	rc |= mp_buf_puts(&rd->val[MP_TF_FORMAT], format_name(r->format));
	rc |= set_text(rd, MP_TF_TYPE_DETAIL, r->type_detail, vm);
	rc |= set_text(rd, MP_TF_SOURCE_IP, r->source_ip, vm);
	rc |= set_text(rd, MP_TF_DOMAIN, r->domain, vm);
	rc |= set_text(rd, MP_TF_URL, r->url, MP_NOTIFY_URL_MAX);
	rc |= set_text(rd, MP_TF_SERVICE, r->service, vm);
	rc |= set_text(rd, MP_TF_TLP, r->tlp, vm);
	rc |= set_reporter(rd);
	if (r->source_port > 0 && r->source_port <= 65535)
		rc |= mp_buf_printf(&rd->val[MP_TF_SOURCE_PORT], "%d",
		    r->source_port);
	if (r->asn != 0)
		rc |= mp_buf_printf(&rd->val[MP_TF_ASN], "AS%u", (unsigned)r->asn);
	if (r->occurrences != 0)
		rc |= mp_buf_printf(&rd->val[MP_TF_OCCURRENCES], "%u",
		    r->occurrences);
	rc |= set_time(rd, MP_TF_TIME, when);
	rc |= set_time(rd, MP_TF_FIRST_SEEN, r->first_seen);
	rc |= set_time(rd, MP_TF_LAST_SEEN, r->last_seen);
	rc |= set_time(rd, MP_TF_REPORTED_AT, r->reported_at);
	/* The MP_E* codes are negative: any failure leaves rc non-zero. */
	return rc == MP_OK ? MP_OK : MP_ENOMEM;
}

int
nt_set_conf_values(struct render *rd)
{
	const struct mp_notify_conf *c = rd->conf;
	const size_t vm = MP_NOTIFY_VALUE_MAX;
	size_t i;
	int rc = MP_OK;

	rc |= mp_buf_puts(&rd->val[MP_TF_NOTICE_ID], rd->n->notice_id);
	rc |= set_time(rd, MP_TF_DATE, c->now);
	rc |= mp_buf_puts(&rd->val[MP_TF_IDENTITY], rd->from_addr);
	rc |= mp_buf_puts(&rd->val[MP_TF_IDENTITY_DOMAIN],
	    mp_addr_domain(rd->from_addr));
	rc |= set_text(rd, MP_TF_IDENTITY_NAME, c->from_name, vm);
	rc |= set_text(rd, MP_TF_WEBSITE, c->website, vm);
	rc |= set_text(rd, MP_TF_PHONE, c->phone, vm);
	/* both checked by prepare(): a ticket, one plain address */
	if (c->ticket != NULL)
		rc |= mp_buf_puts(&rd->val[MP_TF_TICKET], c->ticket);
	rc |= mp_buf_puts(&rd->val[MP_TF_REPLY_TO], rd->reply_to);
	for (i = 0; i < c->nto; i++)
		rc |= mp_buf_printf(&rd->val[MP_TF_CONTACT], "%s%s",
		    i ? ", " : "", c->to[i]);
	for (i = 0; i < rd->nparts; i++)
		rc |= mp_buf_printf(&rd->val[MP_TF_ATTACHMENT], "%s%s",
		    i ? ", " : "", rd->parts[i].name);
	if (rd->n->redacted)
		rc |= mp_buf_puts(&rd->val[MP_TF_REDACTED], "yes");
	return rc == MP_OK ? MP_OK : MP_ENOMEM;
}

static int
valid_ctype(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t i;

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL || strlen(s) >= 100)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != '/' && !isalnum((unsigned char)s[i]) &&
		    strchr("!#$&^_.+-", s[i]) == NULL)
			return 0;
	return 1;
}

static void
evidence_type(struct nt_part *p, const struct mp_evidence *ev)
{
	size_t i;

	snprintf(p->type, sizeof(p->type), "%s",
	    ev->content_type && valid_ctype(ev->content_type) ?
	    ev->content_type : "application/octet-stream");
	for (i = 0; p->type[i] != '\0'; i++)
		p->type[i] = (char)tolower((unsigned char)p->type[i]);
	/* RFC 2046 5.2: these may only be 7bit/8bit/binary, never base64. */
	if (strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/partial") == 0 ||
	    strcmp(p->type, "message/external-body") == 0)
		snprintf(p->type, sizeof(p->type), "application/octet-stream");
}

size_t
nt_safe_name(const char *s, char *out, size_t size)
{
	const char *p;
	size_t o = 0;

	if (size == 0)
		return 0;
	if (s != NULL) {
		if ((p = strrchr(s, '/')) != NULL)
			s = p + 1;
		if ((p = strrchr(s, '\\')) != NULL)
			s = p + 1;
		while (*s == '.')
			s++;
		for (; *s != '\0' && o < 64 && o + 1 < size; s++)
			out[o++] = isalnum((unsigned char)*s) ||
			    strchr("._-", *s) ? *s : '_';
	}
	out[o] = '\0';
	return o;
}

/* A file name made only of [A-Za-z0-9._-], or a default for the type. */
static void
evidence_name(struct nt_part *p, const struct mp_evidence *ev)
{
	if (nt_safe_name(ev->filename, p->name, sizeof(p->name)) > 0)
		return;
	snprintf(p->name, sizeof(p->name), "report.%s",
	    strstr(ev->content_type ? ev->content_type : "", "json") ? "json" :
	    ev->content_type && strcasecmp(ev->content_type,
	    "message/rfc822") == 0 ? "eml" :
	    ev->content_type && (strncasecmp(ev->content_type, "text/", 5) == 0 ||
	    strncasecmp(ev->content_type, "message/", 8) == 0) ? "txt" : "bin");
}

static int
utf8_text(const unsigned char *p, size_t len)
{
	size_t i = 0, seq;

	while (i < len) {
		if (p[i] == '\0' || (seq = mp_utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += seq;
	}
	return 1;
}

/* What of the evidence goes out: all of it, redacted, or nothing. */
int
nt_prepare_evidence(struct render *rd)
{
	const struct mp_evidence *ev = &rd->r->evidence;
	int changed = 0, rc;

	rd->n->evidence = 0;
	if (ev->data == NULL || ev->len == 0)
		return MP_OK;
	evidence_type(&rd->ev, ev);
	evidence_name(&rd->ev, ev);
	if (rd->r->type != MP_TYPE_LEAKED_CREDENTIALS) {
		rd->ev.data = ev->data;
		rd->ev.len = ev->len;
		rd->parts = &rd->ev;
		rd->nparts = 1;
		rd->n->evidence = 1;
		return MP_OK;
	}
	if (!utf8_text(ev->data, ev->len)) {
		rd->n->evidence = 3;
		rd->n->redacted = 1;
		return MP_OK;
	}
	if ((rc = mp_redact((const char *)ev->data, ev->len, 1, &rd->evidence,
	    &changed)) != MP_OK)
		return rc;
	rd->ev.data = (const unsigned char *)rd->evidence.data;
	rd->ev.len = rd->evidence.len;
	rd->parts = &rd->ev;
	rd->nparts = 1;
	rd->n->evidence = changed ? 2 : 1;
	rd->n->redacted |= changed;
	return MP_OK;
}
