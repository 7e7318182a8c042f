/*
 * bounce - classify returned mail; see bounce.h
 *
 * Three readers, tried in order, each bounded:
 *
 * 1. dsn_*: the first message/delivery-status (or message/global-
 *    delivery-status) part outside any attached message. Its content is
 *    a per-message field group and per-recipient groups separated by
 *    empty lines (RFC 3464 section 2). A group counts as a recipient when
 *    it has Final-Recipient, Original-Recipient, Action or Status.
 * 2. text_*: the first text part outside any attached message (the whole
 *    body of a message that is not MIME). Its first MP_BOUNCE_SCAN_LINES
 *    lines are matched against the sentences known MTAs write; the
 *    notice ends where the returned message begins ("--- Below this line
 *    is a copy of the message.", ...), and only the notice is searched
 *    for an enhanced status code (x.y.z) or an SMTP reply (4xx/5xx).
 *    Lines quoted with '>' are skipped: a person forwarding a bounce is
 *    not a bounce.
 * 3. auto_*: the top-level header: Auto-Submitted, X-Autoreply,
 *    Precedence, a challenge-response or vacation Subject.
 *
 * For a bounce (steps 1 and 2), orig_* looks for the returned message's
 * Message-ID and X-Meldpunt-Id. An ARF report (a message/feedback-report
 * part) skips step 3: it is a report whatever its Auto-Submitted says.
 *
 * XXX Known limits: a text bounce's Remote-MTA is not read (the host is
 * in the diagnostic line); text/html-only notices are matched as text,
 * tags and all; a notice whose sentence or code is past the first 200
 * lines or max_text bytes is not recognised.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "message.h"
#include "report_int.h"

/* Lines of a notice searched for an MTA's sentences. */
#define MP_BOUNCE_SCAN_LINES	200

struct line {
	const char *p;
	size_t len;
};

/* One "Name: value" field of a delivery-status group. */
struct dsn_field {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

#define DSN_GROUP_FIELDS	32

struct dsn_group {
	struct dsn_field f[DSN_GROUP_FIELDS];
	size_t n;
};

static const char *const kind_names[] = {
	"not-a-bounce", "hard", "soft", "auto-reply",
};
static const char *const signal_names[] = {
	"none", "dsn", "mta-text", "auto-submitted", "auto-header",
	"vacation", "challenge",
};
static const char *const shape_names[] = {
	"none", "rfc3464", "postfix", "sendmail", "exim", "qmail", "exchange",
	"office365", "gmail", "yahoo", "notes", "opensmtpd", "generic",
};

const char *
mp_bounce_kind_name(enum mp_bounce_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[kind] : "not-a-bounce";
}

const char *
mp_bounce_signal_name(enum mp_bounce_signal sig)
{
	return (unsigned)sig < sizeof(signal_names) / sizeof(signal_names[0]) ?
	    signal_names[sig] : "none";
}

const char *
mp_bounce_shape_name(enum mp_bounce_shape shape)
{
	return (unsigned)shape < sizeof(shape_names) / sizeof(shape_names[0]) ?
	    shape_names[shape] : "none";
}

void
mp_bounce_limits_default(struct mp_bounce_limits *lim)
{
	mp_message_limits_default(&lim->msg);
	lim->max_text = MP_BOUNCE_MAX_TEXT;
	lim->max_rcpts = MP_BOUNCE_MAX_RCPTS;
	lim->max_groups = MP_BOUNCE_MAX_GROUPS;
	lim->max_diag = MP_BOUNCE_DIAG_MAX - 1;
}

/* ---- small text helpers ---- */

/* Case-insensitive search for needle in p[len]. */
static const char *
memcasemem(const char *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0 || n > len)
		return NULL;
	for (i = 0; i + n <= len; i++)
		if (strncasecmp(p + i, needle, n) == 0)
			return p + i;
	return NULL;
}

/*
 * Copy n bytes at s into dst[size] made safe (report_int.h's rule: valid
 * UTF-8, no control characters, white space collapsed, trimmed), cut at
 * `max` bytes (and size - 1) on a character boundary. Returns MP_OK or
 * MP_ENOMEM.
 */
static int
put_text(char *dst, size_t size, size_t max, const char *s, size_t n)
{
	char *v;
	size_t l;
	int oom;

	dst[0] = '\0';
	if (s == NULL || n == 0)
		return MP_OK;
	v = mp_rpt_text(s, n, &oom);
	if (oom)
		return MP_ENOMEM;
	if (v == NULL)
		return MP_OK;
	l = strlen(v);
	if (max > size - 1)
		max = size - 1;
	if (l > max) {
		l = max;
		/* Back up over UTF-8 continuation bytes. */
		while (l > 0 && ((unsigned char)v[l] & 0xc0) == 0x80)
			l--;
	}
	memcpy(dst, v, l);
	dst[l] = '\0';
	while (l > 0 && dst[l - 1] == ' ')
		dst[--l] = '\0';
	free(v);
	return MP_OK;
}

/* The next line of p[len] from *off; 0 at the end. CR before LF dropped. */
static int
next_line(const char *p, size_t len, size_t *off, struct line *l)
{
	const char *nl;

	if (*off >= len)
		return 0;
	l->p = p + *off;
	nl = memchr(l->p, '\n', len - *off);
	l->len = nl != NULL ? (size_t)(nl - l->p) : len - *off;
	*off += l->len + (nl != NULL);
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	return 1;
}

static int
is_blank(const struct line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t')
			return 0;
	return 1;
}

/*
 * An enhanced status code (RFC 3463) starting at s[0] of p[len]:
 * class 2, 4 or 5, then two numbers of 1-3 digits, not part of a longer
 * dotted number (an IP address, a version). Returns its length or 0.
 */
static size_t
status_at(const char *p, size_t len, size_t i)
{
	size_t j = i, d, part;

	if (i > 0 && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '.' ||
	    p[i - 1] == '-' || p[i - 1] == '/'))
		return 0;
	if (j >= len || (p[j] != '2' && p[j] != '4' && p[j] != '5'))
		return 0;
	j++;
	for (part = 0; part < 2; part++) {
		if (j >= len || p[j] != '.')
			return 0;
		j++;
		for (d = 0; j < len && isdigit((unsigned char)p[j]) && d < 4;
		    j++, d++)
			;
		if (d == 0 || d > 3)
			return 0;
	}
	if (j < len && (isalnum((unsigned char)p[j]) || p[j] == '-' ||
	    p[j] == '/'))
		return 0;
	if (j + 1 < len && p[j] == '.' && isdigit((unsigned char)p[j + 1]))
		return 0;
	return j - i;
}

/* A 3-digit SMTP reply code 4xx/5xx at p[i], alone as a word. */
static int
reply_at(const char *p, size_t len, size_t i)
{
	if (i + 3 > len || (p[i] != '4' && p[i] != '5') ||
	    !isdigit((unsigned char)p[i + 1]) || !isdigit((unsigned char)p[i + 2]))
		return 0;
	if (i > 0 && p[i - 1] != ' ' && p[i - 1] != '\t' && p[i - 1] != ':' &&
	    p[i - 1] != '\'' && p[i - 1] != '"' && p[i - 1] != '(' &&
	    p[i - 1] != '<')
		return 0;
	if (i + 3 < len && p[i + 3] != ' ' && p[i + 3] != '-' &&
	    p[i + 3] != '\t' && p[i + 3] != '\'')
		return 0;
	return 1;
}

/* The first enhanced status of class 4/5 in p[len], copied into st. */
static int
find_status(const char *p, size_t len, char *st)
{
	size_t i, n;

	for (i = 0; i < len; i++) {
		if (p[i] != '4' && p[i] != '5')
			continue;
		if ((n = status_at(p, len, i)) > 0 && n < MP_BOUNCE_STATUS_MAX) {
			memcpy(st, p + i, n);
			st[n] = '\0';
			return 1;
		}
	}
	return 0;
}

/* The first SMTP reply code 4xx/5xx in p[len], copied into rc[4]. */
static int
find_reply(const char *p, size_t len, char *rc)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++)
		if (reply_at(p, len, i)) {
			memcpy(rc, p + i, 3);
			rc[3] = '\0';
			return 1;
		}
	return 0;
}

static enum mp_bounce_kind
class_kind(char c)
{
	return c == '5' ? MP_BOUNCE_HARD : c == '4' ? MP_BOUNCE_SOFT :
	    MP_BOUNCE_NONE;
}

/* ---- RFC 3464 ---- */

/* Split the next group of fields from *off; 0 when no group is left. */
static int
dsn_group(const char *p, size_t len, size_t *off, struct dsn_group *g)
{
	struct line l;
	size_t save;
	const char *colon;
	int kept = 0;	/* the last field line was kept */

	g->n = 0;
	/* Skip empty lines before the group. */
	for (;;) {
		save = *off;
		if (!next_line(p, len, off, &l))
			return 0;
		if (!is_blank(&l))
			break;
	}
	*off = save;
	while (next_line(p, len, off, &l)) {
		if (is_blank(&l))
			break;
		if ((l.p[0] == ' ' || l.p[0] == '\t')) {
			/* A continuation: extend the last value over it. */
			if (kept && g->n > 0)
				g->f[g->n - 1].vlen =
				    (size_t)(l.p + l.len - g->f[g->n - 1].val);
			continue;
		}
		colon = memchr(l.p, ':', l.len);
		kept = colon != NULL && colon != l.p && g->n < DSN_GROUP_FIELDS;
		if (!kept)
			continue;	/* not a field, or too many: ignored */
		g->f[g->n].name = l.p;
		g->f[g->n].nlen = (size_t)(colon - l.p);
		while (g->f[g->n].nlen > 0 &&
		    (l.p[g->f[g->n].nlen - 1] == ' ' ||
		    l.p[g->f[g->n].nlen - 1] == '\t'))
			g->f[g->n].nlen--;
		g->f[g->n].val = colon + 1;
		g->f[g->n].vlen = (size_t)(l.p + l.len - (colon + 1));
		g->n++;
	}
	return 1;
}

static const struct dsn_field *
dsn_get(const struct dsn_group *g, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < g->n; i++)
		if (g->f[i].nlen == n && strncasecmp(g->f[i].name, name, n) == 0)
			return &g->f[i];
	return NULL;
}

/* "rfc822; <a@b>" → "a@b": after the type, brackets and blanks off. */
static int
put_addr(char *dst, size_t size, const char *v, size_t n)
{
	const char *semi = memchr(v, ';', n);
	size_t i;

	if (semi != NULL) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	while (n > 0 && (*v == ' ' || *v == '\t' || *v == '<' || *v == '\r' ||
	    *v == '\n')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '>' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	/* An address has no blanks: cut at the first (a comment follows). */
	for (i = 0; i < n; i++)
		if (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')
			break;
	return put_text(dst, size, size - 1, v, i);
}

/* The status token of a Status value ("5.1.1 (user unknown)"). */
static void
put_status(char *dst, const char *v, size_t n)
{
	size_t i = 0, k;

	dst[0] = '\0';
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	/* status_at() must see the code as a word of its own. */
	if ((k = status_at(v + i, n - i, 0)) > 0 && k < MP_BOUNCE_STATUS_MAX) {
		memcpy(dst, v + i, k);
		dst[k] = '\0';
	}
}

static int
dsn_rcpt(struct mp_bounce *b, const struct dsn_group *g,
    const struct mp_bounce_limits *lim)
{
	const struct dsn_field *fr, *ac, *st, *dc, *rm;
	struct mp_bounce_rcpt *r;
	char code[4];
	size_t i;

	if (b->nrcpts >= lim->max_rcpts) {
		b->more_rcpts++;
		return MP_OK;
	}
	r = &b->rcpt[b->nrcpts++];
	memset(r, 0, sizeof(*r));
	if ((fr = dsn_get(g, "Final-Recipient")) == NULL)
		fr = dsn_get(g, "Original-Recipient");
	ac = dsn_get(g, "Action");
	st = dsn_get(g, "Status");
	dc = dsn_get(g, "Diagnostic-Code");
	rm = dsn_get(g, "Remote-MTA");
	if ((fr != NULL && put_addr(r->addr, sizeof(r->addr), fr->val,
	    fr->vlen) != MP_OK) ||
	    (ac != NULL && put_text(r->action, sizeof(r->action),
	    sizeof(r->action) - 1, ac->val, ac->vlen) != MP_OK) ||
	    (dc != NULL && put_text(r->diag, sizeof(r->diag), lim->max_diag,
	    dc->val, dc->vlen) != MP_OK) ||
	    (rm != NULL && put_text(r->remote_mta, sizeof(r->remote_mta),
	    sizeof(r->remote_mta) - 1, rm->val, rm->vlen) != MP_OK))
		return MP_ENOMEM;
	for (i = 0; r->action[i] != '\0'; i++)
		r->action[i] = (char)tolower((unsigned char)r->action[i]);
	if (st != NULL)
		put_status(r->status, st->val, st->vlen);

	if (strcmp(r->action, "delayed") == 0)
		r->kind = MP_BOUNCE_SOFT;
	else if (strcmp(r->action, "delivered") == 0 ||
	    strcmp(r->action, "relayed") == 0 ||
	    strcmp(r->action, "expanded") == 0)
		r->kind = MP_BOUNCE_NONE;
	else if (r->status[0] != '\0' && r->status[0] != '2')
		r->kind = class_kind(r->status[0]);
	else if (r->diag[0] != '\0' && find_status(r->diag, strlen(r->diag),
	    r->status))
		r->kind = class_kind(r->status[0]);
	else if (r->diag[0] != '\0' && find_reply(r->diag, strlen(r->diag),
	    code))
		r->kind = class_kind(code[0]);
	else if (strcmp(r->action, "failed") == 0)
		r->kind = MP_BOUNCE_HARD;
	else
		r->kind = MP_BOUNCE_NONE;
	return MP_OK;
}

/*
 * The delivery-status part, if any. Returns MP_OK with b->signal set to
 * MP_BSIG_DSN when it held at least one recipient group.
 */
static int
dsn_read(const struct mp_message *m, const struct mp_bounce_limits *lim,
    struct mp_bounce *b, struct mp_error *err)
{
	const struct mp_part *pt = NULL;
	GMimeContentType *ct;
	GByteArray *ba;
	struct dsn_group *g;
	size_t i, off = 0, ngroups = 0, first;
	int rc;

	for (i = 0; i < mp_message_nparts(m); i++) {
		const struct mp_part *c = mp_message_part(m, i);

		if (c->embedded || !GMIME_IS_PART(c->obj))
			continue;
		ct = g_mime_object_get_content_type(c->obj);
		if (ct != NULL && (g_mime_content_type_is_type(ct, "message",
		    "delivery-status") || g_mime_content_type_is_type(ct,
		    "message", "global-delivery-status"))) {
			pt = c;
			break;
		}
	}
	if (pt == NULL)
		return MP_OK;
	rc = mp_message_part_content(pt->obj, lim->msg.max_size, &ba, err);
	if (rc == MP_ELIMIT || rc == MP_EINPUT)
		return MP_OK;	/* read as text below */
	if (rc != MP_OK)
		return rc;
	if ((g = malloc(sizeof(*g))) == NULL) {
		g_byte_array_unref(ba);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	rc = MP_OK;
	first = b->nrcpts;
	while (ngroups < lim->max_groups &&
	    dsn_group((const char *)ba->data, ba->len, &off, g)) {
		ngroups++;
		if (dsn_get(g, "Final-Recipient") == NULL &&
		    dsn_get(g, "Original-Recipient") == NULL &&
		    dsn_get(g, "Action") == NULL && dsn_get(g, "Status") == NULL)
			continue;	/* the per-message group */
		if ((rc = dsn_rcpt(b, g, lim)) != MP_OK) {
			rc = mp_error_set(err, rc, "out of memory");
			break;
		}
	}
	free(g);
	g_byte_array_unref(ba);
	if (rc != MP_OK || (b->nrcpts == first && b->more_rcpts == 0))
		return rc;
	b->signal = MP_BSIG_DSN;
	b->shape = MP_BSHAPE_RFC3464;
	b->kind = MP_BOUNCE_NONE;
	for (i = 0; i < b->nrcpts; i++)
		if (b->rcpt[i].kind == MP_BOUNCE_HARD)
			b->kind = MP_BOUNCE_HARD;
		else if (b->rcpt[i].kind == MP_BOUNCE_SOFT &&
		    b->kind == MP_BOUNCE_NONE)
			b->kind = MP_BOUNCE_SOFT;
	/* The status of the first recipient that decided. */
	for (i = 0; i < b->nrcpts && b->kind != MP_BOUNCE_NONE; i++)
		if (b->rcpt[i].kind == b->kind) {
			memcpy(b->status, b->rcpt[i].status, sizeof(b->status));
			break;
		}
	return MP_OK;
}

/* ---- known MTA text ---- */

struct shape_rule {
	const char *needle;
	enum mp_bounce_shape shape;
	enum mp_bounce_kind kind;	/* when no code says otherwise */
};

/*
 * The sentences, most specific first. A delay notice (SOFT) wins over
 * the failure sentence of the same MTA, which its delay notices repeat.
 */
static const struct shape_rule shape_rules[] = {
	{ "THIS IS A WARNING ONLY", MP_BSHAPE_POSTFIX, MP_BOUNCE_SOFT },
	{ "This is the Postfix program at host", MP_BSHAPE_POSTFIX, MP_BOUNCE_HARD },
	{ "This is the mail system at host", MP_BSHAPE_POSTFIX, MP_BOUNCE_HARD },
	{ "Warning: could not send message for past", MP_BSHAPE_SENDMAIL, MP_BOUNCE_SOFT },
	{ "The following addresses had permanent fatal errors", MP_BSHAPE_SENDMAIL, MP_BOUNCE_HARD },
	{ "----- Transcript of session follows -----", MP_BSHAPE_SENDMAIL, MP_BOUNCE_HARD },
	{ "has not yet been delivered to one or more of its", MP_BSHAPE_EXIM, MP_BOUNCE_SOFT },
	{ "This message was created automatically by mail delivery software", MP_BSHAPE_EXIM, MP_BOUNCE_HARD },
	{ "This is the qmail-send program", MP_BSHAPE_QMAIL, MP_BOUNCE_HARD },
	{ "Delivery to the following recipients has been delayed", MP_BSHAPE_EXCHANGE, MP_BOUNCE_SOFT },
	{ "did not reach the following recipient", MP_BSHAPE_EXCHANGE, MP_BOUNCE_HARD },
	{ "Delivery is delayed to these recipients or groups", MP_BSHAPE_OFFICE365, MP_BOUNCE_SOFT },
	{ "Delivery has failed to these recipients or groups", MP_BSHAPE_OFFICE365, MP_BOUNCE_HARD },
	{ "THIS IS A WARNING MESSAGE ONLY", MP_BSHAPE_GMAIL, MP_BOUNCE_SOFT },
	{ "Delivery to the following recipient has been delayed", MP_BSHAPE_GMAIL, MP_BOUNCE_SOFT },
	{ "There was a temporary problem delivering your message", MP_BSHAPE_GMAIL, MP_BOUNCE_SOFT },
	{ "Delivery to the following recipient failed permanently", MP_BSHAPE_GMAIL, MP_BOUNCE_HARD },
	{ "Your message wasn't delivered to", MP_BSHAPE_GMAIL, MP_BOUNCE_HARD },
	{ "Sorry, we were unable to deliver your message to the following address", MP_BSHAPE_YAHOO, MP_BOUNCE_HARD },
	{ "was not delivered to:", MP_BSHAPE_NOTES, MP_BOUNCE_HARD },
	{ "------- Failure Reasons", MP_BSHAPE_NOTES, MP_BOUNCE_HARD },
	{ "this is only a temporary failure report", MP_BSHAPE_OPENSMTPD, MP_BOUNCE_SOFT },
	{ "This is the MAILER-DAEMON, please DO NOT REPLY", MP_BSHAPE_OPENSMTPD, MP_BOUNCE_HARD },
};

/* Where the returned message starts: the notice ends before. */
static const char *const cut_marks[] = {
	"This is a copy of the message",
	"Below this line is a copy of the message",
	"----- Original message -----",
	"Original message headers:",
	"----- Unsent message follows -----",
	"------- Returned Message --------",
	"Below is a copy of the original message",
	"----- Undelivered message follows -----",
};

/* Subjects of a mailer-daemon's notice when no sentence is known. */
static const struct {
	const char *prefix;
	enum mp_bounce_kind kind;
} generic_subjects[] = {
	{ "Delayed Mail", MP_BOUNCE_SOFT },
	{ "Delivery Status Notification (Delay)", MP_BOUNCE_SOFT },
	{ "Warning: message", MP_BOUNCE_SOFT },
	{ "Undeliverable", MP_BOUNCE_HARD },
	{ "Undelivered Mail", MP_BOUNCE_HARD },
	{ "Returned mail", MP_BOUNCE_HARD },
	{ "Mail delivery failed", MP_BOUNCE_HARD },
	{ "failure notice", MP_BOUNCE_HARD },
	{ "Delivery Status Notification (Failure)", MP_BOUNCE_HARD },
	{ "Delivery failure", MP_BOUNCE_HARD },
	{ "Mail System Error", MP_BOUNCE_HARD },
	{ "Nondeliverable mail", MP_BOUNCE_HARD },
};

static int
is_cut(const struct line *l)
{
	size_t i;

	for (i = 0; i < sizeof(cut_marks) / sizeof(cut_marks[0]); i++)
		if (memcasemem(l->p, l->len, cut_marks[i]) != NULL)
			return 1;
	return 0;
}

static int
quoted(const struct line *l)
{
	return l->len > 0 && l->p[0] == '>';
}

/*
 * A line that starts with an address: "  a@b.example", "<a@b>:",
 * "a@b on Thu, ...", "a@b<mailto:a@b>". The address goes to out[size].
 */
static int
rcpt_line(const struct line *l, char *out, size_t size)
{
	size_t i = 0, s, e, at = 0;

	while (i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'))
		i++;
	if (i < l->len && l->p[i] == '<')
		i++;
	s = i;
	for (e = s; e < l->len; e++) {
		char c = l->p[e];

		if (c == '@' && at == 0)
			at = e;
		else if (c == '@' || c == ' ' || c == '\t' || c == '<' ||
		    c == '>' || c == ':' || c == ',' || c == ';' || c == '(' ||
		    c == ')' || c == '"' || c == '[' || c == ']')
			break;
	}
	if (at == 0 || at == s || e - at < 4 ||
	    memchr(l->p + at, '.', e - at) == NULL || l->p[e - 1] == '.')
		return 0;
	/* What follows must not make it prose: end, ':', '>', " on ", '<'. */
	if (e < l->len && l->p[e] != ':' && l->p[e] != '>' && l->p[e] != '<' &&
	    !(l->len - e >= 4 && memcmp(l->p + e, " on ", 4) == 0) &&
	    !(l->p[e] == ' ' && e + 1 < l->len && l->p[e + 1] == '('))
		return 0;
	return put_text(out, size, size - 1, l->p + s, e - s) == MP_OK &&
	    out[0] != '\0';
}

/*
 * The first address in p[len]: a word with one '@' and a dot after it;
 * with `angle`, only one in <brackets>.
 */
static int
addr_in(const char *p, size_t len, int angle, char *out, size_t size)
{
	size_t i, s, e;
	const char *at;

	for (i = 0; i < len; i++) {
		if (p[i] != '@')
			continue;
		/* Bounded both ways: a line of "@@@@" stays linear. */
		for (s = i; s > 0 && i - s < MP_BOUNCE_ADDR_MAX &&
		    !strchr(" \t<>:,;()[]\"'", p[s - 1]); s--)
			;
		for (e = i + 1; e < len && e - i < MP_BOUNCE_ADDR_MAX &&
		    !strchr(" \t<>:,;()[]\"'", p[e]); e++)
			;
		while (e > i + 1 && p[e - 1] == '.')
			e--;
		if (s == i || e - i < 4 || (at = memchr(p + i + 1, '.',
		    e - i - 1)) == NULL || memchr(p + i + 1, '@', e - i - 1))
			continue;
		if (angle && (s == 0 || p[s - 1] != '<' || e >= len ||
		    p[e] != '>'))
			continue;
		return put_text(out, size, size - 1, p + s, e - s) == MP_OK &&
		    out[0] != '\0';
	}
	return 0;
}

/* Add addr unless listed; returns its index, or -1 (listed, or beyond
 * max_rcpts and counted). */
static int
add_text_rcpt(struct mp_bounce *b, const struct mp_bounce_limits *lim,
    const char *addr)
{
	size_t i;

	for (i = 0; i < b->nrcpts; i++)
		if (strcasecmp(b->rcpt[i].addr, addr) == 0)
			return -1;
	if (b->nrcpts >= lim->max_rcpts) {
		b->more_rcpts++;
		return -1;
	}
	memset(&b->rcpt[b->nrcpts], 0, sizeof(b->rcpt[0]));
	memcpy(b->rcpt[b->nrcpts].addr, addr, strlen(addr) + 1);
	return (int)b->nrcpts++;
}

/*
 * The first code in the unquoted lines of t[from, to): the enhanced
 * status into st (else ""), else the SMTP reply into rc (else ""); the
 * line it was on in *doff, *dlen. Returns 1 when one was found.
 */
static int
code_in(const char *t, size_t from, size_t to, char *st, char *rc,
    size_t *doff, size_t *dlen)
{
	struct line l;
	size_t off = from;

	st[0] = rc[0] = '\0';
	while (next_line(t, to, &off, &l))
		if (!quoted(&l) && find_status(l.p, l.len, st)) {
			*doff = (size_t)(l.p - t);
			*dlen = l.len;
			return 1;
		}
	off = from;
	while (next_line(t, to, &off, &l))
		if (!quoted(&l) && find_reply(l.p, l.len, rc)) {
			*doff = (size_t)(l.p - t);
			*dlen = l.len;
			return 1;
		}
	return 0;
}

/* The notification text part: the first text/plain outside an attached
 * message, else the first other text part (not text/rfc822-headers). */
static GMimeObject *
text_part(const struct mp_message *m)
{
	GMimeObject *other = NULL;
	GMimeContentType *ct;
	size_t i;

	for (i = 0; i < mp_message_nparts(m); i++) {
		const struct mp_part *c = mp_message_part(m, i);

		if (c->embedded || !GMIME_IS_PART(c->obj))
			continue;
		ct = g_mime_object_get_content_type(c->obj);
		if (ct == NULL)
			continue;
		if (g_mime_content_type_is_type(ct, "text", "plain"))
			return c->obj;
		if (other == NULL && g_mime_content_type_is_type(ct, "text",
		    "*") && !g_mime_content_type_is_type(ct, "text",
		    "rfc822-headers"))
			other = c->obj;
	}
	return other;
}

static int
from_daemon(const struct mp_message *m)
{
	const char *from = mp_message_header(m, "From");

	return from != NULL && (memcasemem(from, strlen(from),
	    "mailer-daemon") != NULL || memcasemem(from, strlen(from),
	    "postmaster") != NULL || memcasemem(from, strlen(from),
	    "Mail Delivery") != NULL);
}

static enum mp_bounce_kind
generic_subject(const struct mp_message *m)
{
	const char *s = mp_message_header(m, "Subject");
	size_t i;

	if (s == NULL || !from_daemon(m))
		return MP_BOUNCE_NONE;
	while (*s == ' ' || *s == '\t')
		s++;
	for (i = 0; i < sizeof(generic_subjects) / sizeof(generic_subjects[0]);
	    i++)
		if (strncasecmp(s, generic_subjects[i].prefix,
		    strlen(generic_subjects[i].prefix)) == 0)
			return generic_subjects[i].kind;
	return MP_BOUNCE_NONE;
}

/*
 * The text reader. `t` is the decoded notification text, at most
 * max_text bytes of it.
 */
static int
text_read(const struct mp_message *m, const char *t, size_t tlen,
    const struct mp_bounce_limits *lim, struct mp_bounce *b)
{
	const struct shape_rule *rule = NULL;
	enum mp_bounce_kind gkind;
	struct line l;
	size_t off = 0, nlines = 0, notice_end = tlen, i, diag_off = 0,
	    diag_len = 0, roff[MP_BOUNCE_MAX_RCPTS];
	char addr[MP_BOUNCE_ADDR_MAX], rreply[MP_BOUNCE_MAX_RCPTS][4];
	int k, own = 0;

	/* The sentence, and where the notice ends. */
	while (next_line(t, tlen, &off, &l)) {
		if (is_cut(&l)) {
			notice_end = (size_t)(l.p - t);
			break;
		}
		if (quoted(&l) || nlines++ >= MP_BOUNCE_SCAN_LINES)
			continue;
		for (i = 0; i < sizeof(shape_rules) / sizeof(shape_rules[0]);
		    i++) {
			if (memcasemem(l.p, l.len, shape_rules[i].needle) ==
			    NULL)
				continue;
			if (rule == NULL || (shape_rules[i].kind ==
			    MP_BOUNCE_SOFT && rule->kind != MP_BOUNCE_SOFT))
				rule = &shape_rules[i];
			break;
		}
	}
	gkind = generic_subject(m);
	if (rule == NULL && gkind == MP_BOUNCE_NONE)
		return MP_OK;
	b->signal = MP_BSIG_MTA_TEXT;
	b->shape = rule != NULL ? rule->shape : MP_BSHAPE_GENERIC;
	b->kind = rule != NULL ? rule->kind : gkind;
	if (gkind == MP_BOUNCE_SOFT)
		b->kind = MP_BOUNCE_SOFT;	/* "Delayed Mail" said so */

	/* The first code in an unquoted line of the notice decides. */
	if (code_in(t, 0, notice_end, b->status, b->reply, &diag_off,
	    &diag_len))
		b->kind = class_kind(b->status[0] != '\0' ? b->status[0] :
		    b->reply[0]);

	/*
	 * Recipients: lines of the notice that start with an address. Each
	 * one's own code is the first in its lines, up to the next one's
	 * (Exim, qmail, Postfix and OpenSMTPD list them so).
	 */
	off = 0;
	while (next_line(t, notice_end, &off, &l))
		if (!quoted(&l) && rcpt_line(&l, addr, sizeof(addr)) &&
		    (k = add_text_rcpt(b, lim, addr)) >= 0)
			roff[k] = (size_t)(l.p - t);
	/*
	 * None: the first address in the line with the code, else the first
	 * <address> of the notice outside a "please contact <postmaster>"
	 * line. One recipient at most: prose names others too.
	 */
	if (b->nrcpts == 0 && diag_len > 0 &&
	    addr_in(t + diag_off, diag_len, 0, addr, sizeof(addr)) &&
	    (k = add_text_rcpt(b, lim, addr)) >= 0)
		roff[k] = SIZE_MAX;
	off = 0;
	while (b->nrcpts == 0 && next_line(t, notice_end, &off, &l))
		if (!quoted(&l) && memcasemem(l.p, l.len, "contact") == NULL &&
		    addr_in(l.p, l.len, 1, addr, sizeof(addr)) &&
		    (k = add_text_rcpt(b, lim, addr)) >= 0)
			roff[k] = SIZE_MAX;
	for (i = 0; i < b->nrcpts; i++) {
		struct mp_bounce_rcpt *r = &b->rcpt[i];
		size_t end = notice_end, j, doff = diag_off, dlen = diag_len;
		char rc[4];

		r->kind = b->kind;
		memcpy(r->status, b->status, sizeof(r->status));
		memcpy(rreply[i], b->reply, sizeof(rreply[i]));
		if (roff[i] != SIZE_MAX) {
			for (j = 0; j < b->nrcpts; j++)
				if (roff[j] != SIZE_MAX && roff[j] > roff[i] &&
				    roff[j] < end)
					end = roff[j];
			if (code_in(t, roff[i], end, r->status, rc, &doff,
			    &dlen)) {
				r->kind = class_kind(r->status[0] != '\0' ?
				    r->status[0] : rc[0]);
				memcpy(rreply[i], rc, sizeof(rreply[i]));
				own = 1;
			} else {
				memcpy(r->status, b->status, sizeof(r->status));
				doff = diag_off;
				dlen = diag_len;
			}
		}
		snprintf(r->action, sizeof(r->action), "%s",
		    r->kind == MP_BOUNCE_SOFT ? "delayed" : "failed");
		if (dlen > 0 && put_text(r->diag, sizeof(r->diag),
		    lim->max_diag, t + doff, dlen) != MP_OK)
			return MP_ENOMEM;
	}
	/* Codes of their own: hard if any is, as for a DSN. */
	if (own) {
		enum mp_bounce_kind kind = MP_BOUNCE_NONE;

		for (i = 0; i < b->nrcpts; i++)
			if (b->rcpt[i].kind == MP_BOUNCE_HARD)
				kind = MP_BOUNCE_HARD;
			else if (b->rcpt[i].kind == MP_BOUNCE_SOFT &&
			    kind == MP_BOUNCE_NONE)
				kind = MP_BOUNCE_SOFT;
		for (i = 0; i < b->nrcpts && kind != b->kind; i++)
			if (b->rcpt[i].kind == kind) {
				memcpy(b->status, b->rcpt[i].status,
				    sizeof(b->status));
				memcpy(b->reply, rreply[i], sizeof(b->reply));
				b->kind = kind;
			}
	}
	return MP_OK;
}

/* ---- auto-replies ---- */

static const char *const vacation_words[] = {
	"out of office", "out of the office", "automatic reply",
	"automatisch antwoord", "automatische reactie", "afwezig",
	"auto reply", "auto-reply", "autoreply", "autorespons",
	"auto response", "auto-response", "automated response",
	"vacation", "away from the office", "abwesenheit",
	"automatische antwort", "r\xc3\xa9ponse automatique",
	"respuesta autom\xc3\xa1tica", "risposta automatica",
	"resposta autom\xc3\xa1tica",
};

static const char *const challenge_words[] = {
	"please confirm your message", "confirm your e-mail",
	"confirm your email", "verify your email", "requires verification",
	"your message is awaiting verification", "spam arrest",
	"anti-spam verification", "challenge-response",
};

static int
header_says(const struct mp_message *m, const char *name)
{
	const char *v = mp_message_header(m, name);

	while (v != NULL && (*v == ' ' || *v == '\t'))
		v++;
	return v != NULL && *v != '\0' && strncasecmp(v, "no", 2) != 0;
}

static int
any_of(const char *s, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (memcasemem(s, strlen(s), words[i]) != NULL)
			return 1;
	return 0;
}

/*
 * A vacation Subject: it starts with one of the words ("Automatic reply:
 * ...", "Afwezig: ..."), or holds one anywhere in a message with
 * Precedence bulk or junk (old vacation programs: "Re: x [vacation]").
 * A person's "Re: ... I was on vacation" is not one.
 */
static int
vacation_subject(const char *subj, const char *prec)
{
	size_t i, n;

	if (subj == NULL)
		return 0;
	while (*subj == ' ' || *subj == '\t')
		subj++;
	for (i = 0; i < sizeof(vacation_words) / sizeof(vacation_words[0]);
	    i++) {
		n = strlen(vacation_words[i]);
		if (strncasecmp(subj, vacation_words[i], n) == 0)
			return 1;
	}
	return prec != NULL && (memcasemem(prec, strlen(prec), "bulk") ||
	    memcasemem(prec, strlen(prec), "junk")) &&
	    any_of(subj, vacation_words,
	    sizeof(vacation_words) / sizeof(vacation_words[0]));
}

static void
auto_read(const struct mp_message *m, struct mp_bounce *b)
{
	const char *subj = mp_message_header(m, "Subject");
	const char *prec = mp_message_header(m, "Precedence");
	const char *as = mp_message_header(m, "Auto-Submitted");

	while (as != NULL && (*as == ' ' || *as == '\t'))
		as++;
	if (as != NULL && *as != '\0' && strncasecmp(as, "no", 2) != 0)
		b->signal = MP_BSIG_AUTO_SUBMITTED;
	else if (header_says(m, "X-Autoreply") ||
	    header_says(m, "X-Autorespond") ||
	    header_says(m, "X-Autoresponder") ||
	    (prec != NULL && memcasemem(prec, strlen(prec), "auto_reply")))
		b->signal = MP_BSIG_AUTO_HEADER;
	else if (any_of(subj, challenge_words,
	    sizeof(challenge_words) / sizeof(challenge_words[0])) ||
	    mp_message_header(m, "X-Challenge") != NULL)
		b->signal = MP_BSIG_CHALLENGE;
	else if (vacation_subject(subj, prec))
		b->signal = MP_BSIG_VACATION;
	if (b->signal != MP_BSIG_NONE)
		b->kind = MP_BOUNCE_AUTO_REPLY;
}

/*
 * An ARF report (a message/feedback-report part of our own) is a report
 * for the report flow, not an auto-reply, whatever its Auto-Submitted.
 */
static int
is_feedback_report(const struct mp_message *m)
{
	GMimeContentType *ct;
	size_t i;

	for (i = 0; i < mp_message_nparts(m); i++) {
		const struct mp_part *c = mp_message_part(m, i);

		if (c->embedded)
			continue;
		ct = g_mime_object_get_content_type(c->obj);
		if (ct != NULL && g_mime_content_type_is_type(ct, "message",
		    "feedback-report"))
			return 1;
	}
	return 0;
}

/* ---- the returned message's ids ---- */

static int
put_id(char *dst, size_t size, const char *v, size_t n)
{
	size_t i;

	while (n > 0 && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) {
		v++;
		n--;
	}
	if (n > 0 && *v == '<') {
		v++;
		n--;
	}
	for (i = 0; i < n; i++)
		if (v[i] == '>' || v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n')
			break;
	return put_text(dst, size, size - 1, v, i);
}

/*
 * The first "Message-ID:" and "X-Meldpunt-Id:" lines of p[len] (a value
 * folded onto the next line is read there).
 */
static int
ids_in_lines(const char *p, size_t len, struct mp_bounce *b)
{
	struct line l, nx;
	size_t off = 0, save;
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{ "Message-ID:", offsetof(struct mp_bounce, orig_message_id) },
		{ "X-Meldpunt-Id:", offsetof(struct mp_bounce, orig_meldpunt_id) },
	};
	size_t i, n;

	while (next_line(p, len, &off, &l)) {
		for (i = 0; i < 2; i++) {
			char *dst = (char *)b + want[i].off;

			n = strlen(want[i].name);
			if (dst[0] != '\0' || l.len < n ||
			    strncasecmp(l.p, want[i].name, n) != 0)
				continue;
			if (is_blank(&(struct line){ l.p + n, l.len - n })) {
				save = off;
				if (next_line(p, len, &save, &nx) && nx.len > 0 &&
				    (nx.p[0] == ' ' || nx.p[0] == '\t')) {
					if (put_id(dst, MP_BOUNCE_ID_MAX, nx.p,
					    nx.len) != MP_OK)
						return MP_ENOMEM;
				}
			} else if (put_id(dst, MP_BOUNCE_ID_MAX, l.p + n,
			    l.len - n) != MP_OK)
				return MP_ENOMEM;
		}
		if (b->orig_message_id[0] != '\0' &&
		    b->orig_meldpunt_id[0] != '\0')
			break;
	}
	return MP_OK;
}

static int
orig_read(const struct mp_message *m, const char *t, size_t tlen,
    const struct mp_bounce_limits *lim, struct mp_bounce *b,
    struct mp_error *err)
{
	GMimeContentType *ct;
	GByteArray *ba;
	struct line l;
	size_t i, off = 0;
	int rc;

	/* message/rfc822 (or message/global) outside any attached message. */
	for (i = 0; i < mp_message_nparts(m); i++) {
		const struct mp_part *c = mp_message_part(m, i);
		GMimeMessage *inner;
		const char *v;

		if (c->embedded || !GMIME_IS_MESSAGE_PART(c->obj))
			continue;
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(c->obj));
		if (inner == NULL)
			continue;
		if ((v = g_mime_object_get_header(GMIME_OBJECT(inner),
		    "Message-ID")) != NULL && put_id(b->orig_message_id,
		    sizeof(b->orig_message_id), v, strlen(v)) != MP_OK)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		if ((v = g_mime_object_get_header(GMIME_OBJECT(inner),
		    "X-Meldpunt-Id")) != NULL && put_id(b->orig_meldpunt_id,
		    sizeof(b->orig_meldpunt_id), v, strlen(v)) != MP_OK)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		return MP_OK;
	}
	/* text/rfc822-headers: the header block as text. */
	for (i = 0; i < mp_message_nparts(m); i++) {
		const struct mp_part *c = mp_message_part(m, i);

		if (c->embedded || !GMIME_IS_PART(c->obj))
			continue;
		ct = g_mime_object_get_content_type(c->obj);
		if (ct == NULL || !g_mime_content_type_is_type(ct, "text",
		    "rfc822-headers"))
			continue;
		rc = mp_message_part_content(c->obj, lim->msg.max_size, &ba,
		    err);
		if (rc == MP_ENOMEM)
			return rc;
		if (rc != MP_OK)
			return MP_OK;
		rc = ids_in_lines((const char *)ba->data,
		    ba->len < lim->max_text ? ba->len : lim->max_text, b);
		g_byte_array_unref(ba);
		if (rc != MP_OK)
			return mp_error_set(err, rc, "out of memory");
		return MP_OK;
	}
	/* Quoted inline, after the notice. */
	if (t == NULL)
		return MP_OK;
	while (next_line(t, tlen, &off, &l))
		if (is_cut(&l))
			break;
	if (off >= tlen)
		off = 0;	/* no marker: the whole text */
	if (ids_in_lines(t + off, tlen - off, b) != MP_OK)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	return MP_OK;
}

/* ---- the entry points ---- */

int
mp_bounce_classify(const char *msg, size_t len,
    const struct mp_bounce_limits *lim, struct mp_bounce *out,
    struct mp_error *err)
{
	struct mp_bounce_limits dflt;
	struct mp_message *m = NULL;
	GMimeObject *tp;
	GByteArray *ba = NULL;
	const char *t = NULL;
	size_t tlen = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (lim == NULL) {
		mp_bounce_limits_default(&dflt);
		lim = &dflt;
	} else if (lim->max_rcpts > MP_BOUNCE_MAX_RCPTS ||
	    lim->max_diag >= MP_BOUNCE_DIAG_MAX) {
		dflt = *lim;
		if (dflt.max_rcpts > MP_BOUNCE_MAX_RCPTS)
			dflt.max_rcpts = MP_BOUNCE_MAX_RCPTS;
		if (dflt.max_diag >= MP_BOUNCE_DIAG_MAX)
			dflt.max_diag = MP_BOUNCE_DIAG_MAX - 1;
		lim = &dflt;
	}
	if ((rc = mp_message_parse(msg, len, &lim->msg, &m, err)) != MP_OK)
		return rc;

	if ((tp = text_part(m)) != NULL) {
		rc = mp_message_part_content(tp, lim->msg.max_size, &ba, err);
		if (rc == MP_ENOMEM)
			goto out;
		if (rc == MP_OK) {
			t = (const char *)ba->data;
			tlen = ba->len < lim->max_text ? ba->len : lim->max_text;
		}
		rc = MP_OK;
	}
	if ((rc = dsn_read(m, lim, out, err)) != MP_OK)
		goto out;
	if (out->signal == MP_BSIG_NONE && t != NULL &&
	    (rc = text_read(m, t, tlen, lim, out)) != MP_OK) {
		rc = mp_error_set(err, rc, "out of memory");
		goto out;
	}
	if (out->signal == MP_BSIG_NONE && t == NULL && generic_subject(m) !=
	    MP_BOUNCE_NONE && (rc = text_read(m, "", 0, lim, out)) != MP_OK) {
		rc = mp_error_set(err, rc, "out of memory");
		goto out;
	}
	if (out->signal == MP_BSIG_NONE && !is_feedback_report(m))
		auto_read(m, out);
	/* The returned message is a bounce's; an auto-reply or a person's
	 * message quoting another is for the reply flow (In-Reply-To). */
	if (out->signal == MP_BSIG_DSN || out->signal == MP_BSIG_MTA_TEXT)
		rc = orig_read(m, t, tlen, lim, out, err);
out:
	if (ba != NULL)
		g_byte_array_unref(ba);
	mp_message_free(&m);
	if (rc != MP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
mp_bounce_verp_tag(const char *rcpt, const char *bounce_local, char delim,
    char *tag, size_t taglen)
{
	const char *at, *s = rcpt, *t;
	size_t bl, n, i;

	if (taglen > 0)
		tag[0] = '\0';
	if (rcpt == NULL || bounce_local == NULL || *bounce_local == '\0' ||
	    delim == '\0' || delim == '@')
		return MP_NOTFOUND;
	if (*s == '<')
		s++;
	if ((at = strrchr(s, '@')) == NULL)
		return MP_NOTFOUND;
	bl = strlen(bounce_local);
	if (at[1] == '\0' || at[1] == '>')
		return MP_NOTFOUND;
	if ((size_t)(at - s) <= bl || strncasecmp(s, bounce_local, bl) != 0 ||
	    s[bl] != delim)
		return MP_NOTFOUND;
	t = s + bl + 1;
	n = (size_t)(at - t);
	if (n == 0 || n >= taglen)
		return MP_EINPUT;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '-')
			return MP_EINPUT;
	memcpy(tag, t, n);
	tag[n] = '\0';
	return MP_FOUND;
}

int
mp_bounce_return_path(const char *bounce_addr, char delim, const char *tag,
    char *out, size_t outlen)
{
	const char *at;
	size_t i, n;
	int w;

	if (outlen > 0)
		out[0] = '\0';
	if (bounce_addr == NULL || tag == NULL || *tag == '\0' ||
	    delim == '\0' || delim == '@' ||
	    (at = strrchr(bounce_addr, '@')) == NULL || at == bounce_addr ||
	    at[1] == '\0')
		return MP_EINPUT;
	for (i = 0; tag[i] != '\0'; i++)
		if (!isalnum((unsigned char)tag[i]) && tag[i] != '-')
			return MP_EINPUT;
	n = (size_t)(at - bounce_addr);
	w = snprintf(out, outlen, "%.*s%c%s%s", (int)n, bounce_addr, delim, tag,
	    at);
	if (w < 0 || (size_t)w >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return MP_ELIMIT;
	}
	return MP_OK;
}
