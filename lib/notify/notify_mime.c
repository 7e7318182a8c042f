/*
 * notify_mime - part of mp_notify_render() (notify.h):
 *	the MIME message around the rendered text: headers (folded
 *	for the milter and for the message), the multipart body with the
 *	evidence, and the last 7-bit guard.
 *	The job it shares is notify_int.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "encode.h"
#include "notify_int.h"

/* A display name as an atom sequence, a quoted-string or encoded words. */
static int
display_name(const char *name, struct mp_buf *out)
{
	const unsigned char *p;
	int ascii = 1, special = 0, rc;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		ascii &= (*p < 0x80);
		special |= (strchr("()<>[]:;@\\,.\"", *p) != NULL);
	}
	if (!ascii || strstr(name, "=?") != NULL)
		return mp_enc_header_text(name, out);
	if (!special)
		return mp_buf_puts(out, name);
	rc = mp_buf_puts(out, "\"");
	for (p = (const unsigned char *)name; *p != '\0' && rc == MP_OK; p++)
		rc = mp_buf_printf(out, "%s%c", *p == '"' || *p == '\\' ?
		    "\\" : "", *p);
	return rc == MP_OK ? mp_buf_puts(out, "\"") : rc;
}

/* Add a header: `value` (7-bit, unfolded) stored folded for libmilter. */
static int
add_header(struct render *rd, const char *name, const char *value,
    const char **alias)
{
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	int rc;

	if (n->nheaders >= MP_NOTICE_MAX_HEADERS)
		return MP_EINTERNAL;
	mp_buf_init(&b, 0);
	if ((rc = mp_enc_fold(name, value, FOLD_MILTER, 1, &b)) != MP_OK) {
		mp_buf_free(&b);
		return rc;
	}
	n->headers[n->nheaders].name = name;
	n->headers[n->nheaders].value = b.data ? b.data : strdup("");
	if (n->headers[n->nheaders].value == NULL)
		return MP_ENOMEM;
	if (alias != NULL)
		*alias = n->headers[n->nheaders].value;
	n->nheaders++;
	return MP_OK;
}

static int
rfc5322_date(time_t t, struct mp_buf *out)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return MP_EINTERNAL;
	return mp_buf_printf(out, "%.3s, %02d %.3s %04d %02d:%02d:%02d +0000",
	    days + 3 * tm.tm_wday, tm.tm_mday, mons + 3 * tm.tm_mon,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
address_headers(struct render *rd)
{
	const struct mp_notify_conf *c = rd->conf;
	char addr[MP_ADDR_MAX + 1];
	struct mp_buf from, to;
	size_t i;
	int rc = MP_OK;

	mp_buf_init(&from, 0);
	mp_buf_init(&to, 0);
	if (rd->vals[MP_TF_IDENTITY_NAME] != NULL &&
	    (rc = display_name(rd->vals[MP_TF_IDENTITY_NAME], &from)) == MP_OK)
		rc = mp_buf_puts(&from, " ");
	if (rc == MP_OK)
		rc = mp_buf_printf(&from, "<%s>", rd->from_addr);
	for (i = 0; rc == MP_OK && i < c->nto; i++) {
		if (c->to[i] == NULL ||
		    mp_addr_normalize(c->to[i], addr, sizeof(addr)) != 0 ||
		    *addr == '\0') {
			rc = MP_EINPUT;
			break;
		}
		rc = mp_buf_printf(&to, "%s%s", i ? ", " : "", addr);
	}
	if (rc == MP_OK)
		rc = add_header(rd, "From", from.data, &rd->n->from);
	if (rc == MP_OK && to.len > 0)
		rc = add_header(rd, "To", to.data, &rd->n->to);
	/* Answers go to the helpdesk, a person, not to the Identity address */
	if (rc == MP_OK && rd->reply_to[0] != '\0') {
		mp_buf_reset(&to);
		if ((rc = mp_buf_printf(&to, "<%s>", rd->reply_to)) == MP_OK)
			rc = add_header(rd, "Reply-To", to.data, &rd->n->reply_to);
	}
	mp_buf_free(&from);
	mp_buf_free(&to);
	return rc;
}

int
nt_headers(struct render *rd)
{
	static const char *const lang[MP_LANG_COUNT] = {
	    [MP_LANG_UNKNOWN] = "nl, en", [MP_LANG_NL] = "nl", [MP_LANG_EN] = "en" };
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	int rc;

	mp_buf_init(&b, 0);
	if ((rc = address_headers(rd)) != MP_OK)
		goto out;
	if ((rc = mp_enc_header_text(n->subject_text, &b)) != MP_OK ||
	    (rc = add_header(rd, "Subject", b.data ? b.data : "", &n->subject))
	    != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = rfc5322_date(rd->conf->now, &b)) != MP_OK ||
	    (rc = add_header(rd, "Date", b.data, &n->date)) != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = mp_buf_printf(&b, "<%s@%s>", n->notice_id,
	    mp_addr_domain(rd->from_addr))) != MP_OK ||
	    (rc = add_header(rd, "Message-ID", b.data, &n->message_id)) != MP_OK ||
	    (rc = add_header(rd, "X-Meldpunt-Id", n->notice_id, NULL)) != MP_OK ||
	    (rc = add_header(rd, "Auto-Submitted", "auto-generated", NULL)) != MP_OK ||
	    (rc = add_header(rd, "Content-Language", lang[n->lang], NULL)) != MP_OK ||
	    (rc = add_header(rd, "MIME-Version", "1.0", &n->mime_version)) != MP_OK)
		goto out;
	mp_buf_reset(&b);
	if ((rc = mp_buf_printf(&b, "multipart/mixed; boundary=\"%s\"",
	    rd->boundary)) != MP_OK ||
	    (rc = add_header(rd, "Content-Type", b.data, &n->content_type)) != MP_OK)
		goto out;
	rc = add_header(rd, "Content-Transfer-Encoding", "7bit",
	    &n->content_transfer_encoding);
out:
	mp_buf_free(&b);
	if (rc == MP_EINPUT)
		return mp_error_set(rd->err, rc, "a contact address is not one "
		    "plain address; nothing was sent");
	return rc == MP_OK ? MP_OK :
	    mp_error_set(rd->err, rc, "cannot build the notification headers");
}

int
nt_body(struct render *rd)
{
	const struct nt_part *p;
	struct mp_buf b;
	size_t i;
	int rc;

	mp_buf_init(&b, rd->max_message);
	rc = mp_buf_printf(&b, "This is a MIME message. Dit is een MIME-bericht."
	    "\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Content-Disposition: inline\r\n\r\n", rd->boundary);
	if (rc == MP_OK)
		rc = mp_enc_qp(rd->n->text, strlen(rd->n->text), &b);
	for (i = 0; rc == MP_OK && i < rd->nparts; i++) {
		p = &rd->parts[i];
		rc = mp_buf_printf(&b, "\r\n--%s\r\nContent-Type: %s; "
		    "name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		    rd->boundary, p->type, p->name, p->name);
		if (rc == MP_OK)
			rc = mp_enc_base64(p->data, p->len, &b);
	}
	if (rc == MP_OK)
		rc = mp_buf_printf(&b, "\r\n--%s--\r\n", rd->boundary);
	if (rc != MP_OK) {
		mp_buf_free(&b);
		if (rc == MP_ELIMIT)
			return mp_error_set(rd->err, rc, "the notification is "
			    "larger than %zu bytes (limit)", rd->max_message);
		return mp_error_set(rd->err, rc, "out of memory");
	}
	rd->n->body = b.data;
	rd->n->body_len = b.len;
	return MP_OK;
}

int
nt_whole_message(struct render *rd)
{
	struct mp_notice *n = rd->n;
	struct mp_buf b;
	size_t i;
	int rc = MP_OK;

	mp_buf_init(&b, 0);
	for (i = 0; rc == MP_OK && i < n->nheaders; i++) {
		/* Re-fold from the unfolded value with CRLF breaks. */
		struct mp_buf v;
		char *p;

		mp_buf_init(&v, 0);
		rc = mp_buf_puts(&v, n->headers[i].value);
		for (p = v.data; rc == MP_OK && p && *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		if (rc == MP_OK &&
		    (rc = mp_enc_fold(n->headers[i].name, v.data, FOLD_MESSAGE,
		    0, &b)) == MP_OK)
			rc = mp_buf_puts(&b, "\r\n");
		mp_buf_free(&v);
	}
	if (rc == MP_OK && (rc = mp_buf_puts(&b, "\r\n")) == MP_OK)
		rc = mp_buf_append(&b, n->body, n->body_len);
	if (rc != MP_OK) {
		mp_buf_free(&b);
		return mp_error_set(rd->err, rc, "out of memory");
	}
	n->message = b.data;
	n->message_len = b.len;
	return MP_OK;
}

/* The last guard: 7-bit, CRLF only, lines of at most 998 bytes. */
int
nt_check_7bit(const char *p, size_t len, struct mp_error *err)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80 || p[i] == '\0' ||
		    (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			return mp_error_set(err, MP_EINTERNAL, "the notification "
			    "is not 7-bit clean at byte %zu (a bug)", i);
		col = p[i] == '\n' ? 0 : col + 1;
		if (col > 999)
			return mp_error_set(err, MP_EINTERNAL, "a notification "
			    "line is over 998 bytes at byte %zu (a bug)", i);
	}
	return MP_OK;
}
