/*
 * notify - see notify.h
 *
 * Ids, languages, the rendering of the templates and the steps of one
 * rendering in order (nt_run(), for single and list notifications). The
 * value policy is notify_value.c, the MIME message notify_mime.c, the
 * list parts notify_list.c and notify_csv.c; they share the rendering
 * job through notify_int.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "addr.h"
#include "buf.h"
#include "encode.h"
#include "notify_int.h"
#include "ticket.h"


static int
random_bytes(unsigned char *p, size_t n, struct mp_error *err)
{
	ssize_t got;

	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return mp_error_set(err, MP_ERETRY,
			    "no random bytes for a notice id: %s",
			    strerror(errno));
		p += got;
		n -= (size_t)got;
	}
	return MP_OK;
}

int
mp_notify_new_id(char *out, size_t outsz, struct mp_error *err)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	unsigned bits = 0, acc = 0;
	size_t i, o = 3;
	int rc;

	if (outsz < MP_NOTIFY_ID_MAX)
		return mp_error_set(err, MP_EINTERNAL, "notice id buffer too small");
	if ((rc = random_bytes(rnd, sizeof(rnd), err)) != MP_OK)
		return rc;
	memcpy(out, "MP-", 3);
	for (i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return MP_OK;
}

enum mp_lang
mp_notify_lang_pick(const char *const *langs, size_t n)
{
	enum mp_lang pick = MP_LANG_UNKNOWN, one;
	size_t i;

	for (i = 0; i < n; i++) {
		one = langs[i] != NULL ? mp_lang_parse(langs[i], strlen(langs[i])) :
		    MP_LANG_UNKNOWN;
		if (one == MP_LANG_UNKNOWN)
			return MP_LANG_UNKNOWN;
		if (i > 0 && one != pick)
			return MP_LANG_UNKNOWN;
		pick = one;
	}
	return pick;
}

const char *
mp_notify_lang_name(enum mp_lang lang)
{
	return lang == MP_LANG_NL ? "nl" : lang == MP_LANG_EN ? "en" :
	    "nl+en";
}

void
mp_notice_free(struct mp_notice **np)
{
	size_t i;

	if (np == NULL || *np == NULL)
		return;
	for (i = 0; i < (*np)->nheaders; i++)
		free((*np)->headers[i].value);
	free((*np)->subject_text);
	free((*np)->text);
	free((*np)->body);
	free((*np)->message);
	free(*np);
	*np = NULL;
}

static int
render_one(struct render *rd, enum mp_lang l, struct mp_buf *subject,
    struct mp_buf *text)
{
	const struct mp_template *t = rd->list != NULL ?
	    mp_templates_get_list(rd->setp, l, rd->type) :
	    mp_templates_get(rd->setp, l, rd->type);
	int rc;

	if ((rc = mp_template_render(t, rd->vals, subject, text)) != MP_OK)
		return rc;
	if (rd->after_text != NULL && (rc = rd->after_text(rd, l, text)) != MP_OK)
		return rc;
	return mp_template_render(mp_templates_footer(rd->setp, l), rd->vals,
	    NULL, text);
}

/* One line, single spaces, at most MP_NOTIFY_SUBJECT_MAX characters. */
static int
tidy_subject(const char *in, struct mp_buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, chars = 0, seq, len = strlen(in);
	int rc = MP_OK, space = 0;

	while (p[i] == ' ')
		i++;
	for (; i < len && rc == MP_OK; i += seq) {
		seq = mp_utf8_seq(p + i, len - i);
		seq = seq ? seq : 1;
		if (p[i] == ' ') {
			space = 1;
			continue;
		}
		if (++chars > MP_NOTIFY_SUBJECT_MAX)
			return mp_buf_puts(out, ELLIPSIS);
		if (space && out->len > 0)
			rc = mp_buf_puts(out, " ");
		space = 0;
		if (rc == MP_OK)
			rc = mp_buf_append(out, p + i, seq);
	}
	return rc;
}

static int
render_text(struct render *rd, enum mp_lang lang)
{
	struct mp_buf subj, en, text, tidy;
	int rc;

	mp_buf_init(&subj, 4096);
	mp_buf_init(&en, 4096);
	mp_buf_init(&text, MP_NOTIFY_TEXT_MAX);
	mp_buf_init(&tidy, 0);
	if (lang == MP_LANG_UNKNOWN) {
		if ((rc = mp_buf_puts(&text, BILINGUAL_TOP)) == MP_OK &&
		    (rc = render_one(rd, MP_LANG_NL, &subj, &text)) == MP_OK &&
		    (rc = mp_buf_puts(&text, BILINGUAL_SEP)) == MP_OK &&
		    (rc = render_one(rd, MP_LANG_EN, &en, &text)) == MP_OK)
			rc = mp_buf_printf(&subj, " / %s", en.data ? en.data : "");
	} else
		rc = render_one(rd, lang == MP_LANG_EN ? MP_LANG_EN :
		    MP_LANG_NL, &subj, &text);
	if (rc == MP_OK && rd->conf->ticket != NULL) {
		char tag[MP_TICKET_MAX + 16];

		/* checked by prepare() */
		if (mp_ticket_subject_tag(rd->conf->ticket, tag, sizeof(tag)) == 0)
			rc = mp_buf_puts(&tidy, tag);
	}
	if (rc == MP_OK)
		rc = tidy_subject(subj.data ? subj.data : "", &tidy);
	if (rc == MP_OK) {
		rd->n->subject_text = tidy.data ? tidy.data : strdup("");
		rd->n->text = text.data ? text.data : strdup("");
		mp_buf_init(&tidy, 0);
		mp_buf_init(&text, 0);
		if (rd->n->subject_text == NULL || rd->n->text == NULL)
			rc = MP_ENOMEM;
	}
	mp_buf_free(&subj);
	mp_buf_free(&en);
	mp_buf_free(&text);
	mp_buf_free(&tidy);
	if (rc == MP_ELIMIT)
		return mp_error_set(rd->err, rc, "the rendered notification is "
		    "larger than %d bytes (limit)", MP_NOTIFY_TEXT_MAX);
	return rc == MP_OK ? MP_OK : mp_error_set(rd->err, rc, "out of memory");
}

static int
prepare(struct render *rd, enum mp_lang lang)
{
	const struct mp_notify_conf *c = rd->conf;
	unsigned char rnd[16];
	size_t i;
	int rc;

	rd->n->lang = lang;
	if (c->from_addr == NULL ||
	    mp_addr_normalize(c->from_addr, rd->from_addr,
	    sizeof(rd->from_addr)) != 0 || *mp_addr_domain(rd->from_addr) == '\0')
		return mp_error_set(rd->err, MP_ECONFIG, "Identity: \"%s\" is "
		    "not one plain address", c->from_addr ? c->from_addr : "");
	rd->reply_to[0] = '\0';
	if (c->reply_to != NULL && *c->reply_to != '\0' &&
	    (mp_addr_normalize(c->reply_to, rd->reply_to,
	    sizeof(rd->reply_to)) != 0 || *mp_addr_domain(rd->reply_to) == '\0'))
		return mp_error_set(rd->err, MP_ECONFIG, "ReplyAddress: \"%s\" is "
		    "not one plain address", c->reply_to);
	if (c->ticket != NULL && !mp_ticket_valid(c->ticket))
		return mp_error_set(rd->err, MP_EINPUT, "ticket \"%s\" is not "
		    "YYYYMMDD-NNNNNNNN", c->ticket);
	if (c->notice_id != NULL) {
		for (i = 0; c->notice_id[i] != '\0'; i++)
			if (!isalnum((unsigned char)c->notice_id[i]) &&
			    c->notice_id[i] != '-')
				break;
		if (i == 0 || c->notice_id[i] != '\0' || i >= MP_NOTIFY_ID_MAX)
			return mp_error_set(rd->err, MP_EINPUT, "notice id "
			    "must be 1 to %d letters, digits or '-'",
			    MP_NOTIFY_ID_MAX - 1);
		memcpy(rd->n->notice_id, c->notice_id, i + 1);
	} else if ((rc = mp_notify_new_id(rd->n->notice_id,
	    sizeof(rd->n->notice_id), rd->err)) != MP_OK)
		return rc;
	if ((rc = random_bytes(rnd, sizeof(rnd), rd->err)) != MP_OK)
		return rc;
	/* "=_" never occurs in quoted-printable or base64 output. */
	memcpy(rd->boundary, "=_mp_", 6);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(rd->boundary + 5 + 2 * i, 3, "%02x", rnd[i]);
	return MP_OK;
}

static int
render_all(struct render *rd, enum mp_lang lang)
{
	struct mp_notice *n = rd->n;
	int rc;

	if ((rc = prepare(rd, lang)) != MP_OK)
		return rc;
	if ((rc = rd->values(rd)) != MP_OK)
		return rc;
	if ((rc = nt_set_conf_values(rd)) != MP_OK)
		return mp_error_set(rd->err, rc, "out of memory");
	for (size_t i = 0; i < MP_TF_COUNT; i++)
		rd->vals[i] = rd->val[i].data;
	if ((rc = render_text(rd, lang)) != MP_OK ||
	    (rc = nt_headers(rd)) != MP_OK ||
	    (rc = nt_body(rd)) != MP_OK ||
	    (rc = nt_whole_message(rd)) != MP_OK)
		return rc;
	if (n->message_len > rd->max_message)
		return mp_error_set(rd->err, MP_ELIMIT, "the notification is "
		    "%zu bytes, larger than %zu bytes (limit)", n->message_len,
		    rd->max_message);
	return nt_check_7bit(n->message, n->message_len, rd->err);
}

int
nt_run(struct render *rd, enum mp_lang lang, struct mp_notice **np)
{
	size_t i;
	int rc;

	*np = NULL;
	rd->conf = &rd->c;
	if (rd->c.now == 0)
		rd->c.now = time(NULL);
	if (rd->max_message == 0 || rd->max_message > MP_NOTIFY_MESSAGE_MAX)
		rd->max_message = MP_NOTIFY_MESSAGE_MAX;
	for (i = 0; i < MP_TF_COUNT; i++)
		mp_buf_init(&rd->val[i], 0);
	mp_buf_init(&rd->evidence, 0);
	if ((rd->n = calloc(1, sizeof(*rd->n))) == NULL)
		rc = mp_error_set(rd->err, MP_ENOMEM, "out of memory");
	else
		rc = render_all(rd, lang);
	for (i = 0; i < MP_TF_COUNT; i++)
		mp_buf_free(&rd->val[i]);
	mp_buf_free(&rd->evidence);
	for (i = 0; i < rd->nparts; i++)
		free(rd->parts[i].own);
	if (rd->parts != &rd->ev)
		free(rd->parts);
	rd->parts = NULL;
	rd->nparts = 0;
	if (rc != MP_OK) {
		mp_notice_free(&rd->n);
		return rc;
	}
	*np = rd->n;
	return MP_OK;
}

/* A single report's values: its evidence and its fields. */
static int
report_values(struct render *rd)
{
	int rc;

	if ((rc = nt_prepare_evidence(rd)) != MP_OK ||
	    (rc = nt_set_report_values(rd)) != MP_OK)
		return mp_error_set(rd->err, rc, "out of memory");
	return MP_OK;
}

int
mp_notify_render(const struct mp_template_set *set, const struct mp_report *r,
    enum mp_lang lang, const struct mp_notify_conf *conf,
    struct mp_notice **np, struct mp_error *err)
{
	struct render rd;

	memset(&rd, 0, sizeof(rd));
	rd.setp = set;
	rd.c = *conf;
	rd.err = err;
	rd.r = r;
	rd.type = r->type;
	rd.values = report_values;
	return nt_run(&rd, lang, np);
}
