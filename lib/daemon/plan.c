/*
 * plan - see plan.h
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "error.h"
#include "plan.h"
#include "sign.h"

void
mp_plan_init(struct mp_plan *p)
{
	memset(p, 0, sizeof(*p));
	mp_buf_init(&p->body, 0);
	p->outcome = MP_OUTCOME_PASSED;
}

static void
free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void
mp_plan_free(struct mp_plan *p)
{
	size_t i;

	for (i = 0; i < p->nhdrs; i++) {
		free(p->hdrs[i].name);
		free(p->hdrs[i].value);
	}
	free(p->hdrs);
	free_list(p->del_rcpts, p->ndel);
	free_list(p->add_rcpts, p->nadd);
	free(p->new_sender);
	mp_buf_free(&p->body);
	if (p->undo_free != NULL)
		p->undo_free(p->undo_arg);
	mp_plan_init(p);
}

void
mp_plan_rollback(struct mp_plan *p)
{
	if (p->undo_fn != NULL)
		p->undo_fn(p->undo_arg);
	p->undo_fn = NULL;
	p->commit_fn = NULL;
}

int
mp_plan_last(struct mp_plan *p)
{
	int (*fn)(struct mp_plan *, void *) = p->last_fn;

	p->last_fn = NULL;
	return fn != NULL ? fn(p, p->undo_arg) : MP_OK;
}

void
mp_plan_hold(struct mp_plan *p, struct mp_plan_held *h)
{
	mp_plan_settle(h);
	h->commit_fn = p->commit_fn;
	h->free_fn = p->undo_free;
	h->arg = p->undo_arg;
	p->undo_fn = NULL;
	p->commit_fn = NULL;
	p->undo_free = NULL;
	p->undo_arg = NULL;
}

void
mp_plan_settle(struct mp_plan_held *h)
{
	if (h->commit_fn != NULL)
		h->commit_fn(h->arg);
	if (h->free_fn != NULL)
		h->free_fn(h->arg);
	memset(h, 0, sizeof(*h));
}

int
mp_header_value_ok(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	for (; *s; s++) {
		if (*s == '\n') {
			/* libmilter wants folds as LF + white space */
			if (s[1] != ' ' && s[1] != '\t')
				return 0;
			continue;
		}
		if ((*s < ' ' && *s != '\t') || *s == 0x7f)
			return 0;
	}
	return 1;
}

static int
name_ok(const char *n)
{
	if (*n == '\0')
		return 0;
	for (; *n; n++)
		if (*n <= ' ' || *n >= 0x7f || *n == ':')
			return 0;
	return 1;
}

int
mp_plan_header(struct mp_plan *p, enum mp_hdr_op op, const char *name,
    const char *value)
{
	struct mp_hdr_change *h;

	if (!name_ok(name) || (op != MP_HDR_DELETE &&
	    (value == NULL || !mp_header_value_ok(value))))
		return MP_EINPUT;
	if (p->nhdrs >= MP_PLAN_HDR_MAX)
		return MP_ELIMIT;
	if ((h = realloc(p->hdrs, (p->nhdrs + 1) * sizeof(*h))) == NULL)
		return MP_ENOMEM;
	p->hdrs = h;
	h = &p->hdrs[p->nhdrs];
	memset(h, 0, sizeof(*h));
	h->op = op;
	if ((h->name = strdup(name)) == NULL ||
	    (op != MP_HDR_DELETE && (h->value = strdup(value)) == NULL)) {
		free(h->name);
		return MP_ENOMEM;
	}
	p->nhdrs++;
	return MP_OK;
}

int
mp_plan_delete(struct mp_plan *p, const char *name, unsigned index)
{
	int rc;

	if ((rc = mp_plan_header(p, MP_HDR_DELETE, name, NULL)) == MP_OK)
		p->hdrs[p->nhdrs - 1].index = index;
	return rc;
}

struct hname {
	char name[128];
	unsigned count;
};

static int delete_fields(struct mp_plan *p, const char *msg, size_t len,
    const char *only);

int
mp_plan_delete_headers(struct mp_plan *p, const char *msg, size_t len)
{
	int rc;

	if ((rc = delete_fields(p, msg, len, NULL)) == MP_OK)
		p->headers_replaced = 1;
	return rc;
}

int
mp_plan_delete_named(struct mp_plan *p, const char *msg, size_t len,
    const char *name)
{
	return delete_fields(p, msg, len, name);
}

/* Delete every field of the header of `msg`, or every one named `only`. */
static int
delete_fields(struct mp_plan *p, const char *msg, size_t len, const char *only)
{
	struct hname *names = NULL, *t;
	size_t nnames = 0, pos = 0, i, n;
	unsigned k;
	int rc = MP_OK;

	/* Count each field name; a field starts a line that is not a fold. */
	while (pos < len) {
		const char *line = msg + pos, *eol, *colon;

		eol = memchr(line, '\n', len - pos);
		n = eol ? (size_t)(eol - line) + 1 : len - pos;
		pos += n;
		if (*line == '\r' || *line == '\n')
			break;		/* end of header */
		if (*line == ' ' || *line == '\t')
			continue;
		colon = memchr(line, ':', n);
		if (colon == NULL || colon == line || (size_t)(colon - line) >= 128)
			continue;
		if (only != NULL && (strlen(only) != (size_t)(colon - line) ||
		    strncasecmp(only, line, (size_t)(colon - line)) != 0))
			continue;
		for (i = 0; i < nnames; i++)
			if (strncasecmp(names[i].name, line, (size_t)(colon - line)) == 0 &&
			    names[i].name[colon - line] == '\0')
				break;
		if (i == nnames) {
			if ((t = realloc(names, (nnames + 1) * sizeof(*t))) == NULL) {
				free(names);
				return MP_ENOMEM;
			}
			names = t;
			memcpy(names[i].name, line, (size_t)(colon - line));
			names[i].name[colon - line] = '\0';
			names[i].count = 0;
			nnames++;
		}
		names[i].count++;
	}
	for (i = 0; i < nnames && rc == MP_OK; i++) {
		/* Some field names are not valid header names: skip them. */
		if (!name_ok(names[i].name))
			continue;
		for (k = names[i].count; k >= 1 && rc == MP_OK; k--)
			rc = mp_plan_delete(p, names[i].name, k);
	}
	free(names);
	return rc;
}

static int
list_add(char ***l, size_t *n, const char *v)
{
	char **t;

	if (*n >= MP_PLAN_RCPT_MAX)
		return MP_ELIMIT;
	if ((t = realloc(*l, (*n + 1) * sizeof(*t))) == NULL)
		return MP_ENOMEM;
	*l = t;
	if ((t[*n] = strdup(v)) == NULL)
		return MP_ENOMEM;
	(*n)++;
	return MP_OK;
}

int
mp_plan_del_rcpt(struct mp_plan *p, const char *rcpt)
{
	/* As the MTA gave it (it matches the original recipient). */
	if (!mp_header_value_ok(rcpt) || strchr(rcpt, '\n') != NULL)
		return MP_EINPUT;
	return list_add(&p->del_rcpts, &p->ndel, rcpt);
}

int
mp_plan_add_rcpt(struct mp_plan *p, const char *addr)
{
	char norm[MP_ADDR_MAX + 1];
	size_t i;

	if (mp_addr_normalize(addr, norm, sizeof(norm)) != MP_OK || norm[0] == '\0')
		return MP_EINPUT;
	for (i = 0; i < p->nadd; i++)
		if (strcmp(p->add_rcpts[i], norm) == 0)
			return MP_OK;	/* once is enough */
	return list_add(&p->add_rcpts, &p->nadd, norm);
}

int
mp_plan_sender(struct mp_plan *p, const char *addr)
{
	char norm[MP_ADDR_MAX + 1];

	if (mp_addr_normalize(addr, norm, sizeof(norm)) != MP_OK)
		return MP_EINPUT;
	free(p->new_sender);
	if ((p->new_sender = strdup(norm)) == NULL)
		return MP_ENOMEM;
	return MP_OK;
}

int
mp_plan_sign(struct mp_plan *p, const struct mp_signer *s, const char *msg,
    size_t len, const struct mp_sign_edit *ed, struct mp_error *err)
{
	struct mp_sign_out out;
	size_t i;
	int rc;

	if ((rc = mp_sign_edited(s, msg, len, ed, &out, err)) != MP_OK)
		return rc;
	/* Inserted at the top one by one: the last goes in first. */
	for (i = out.n; i > 0 && rc == MP_OK; i--)
		rc = mp_plan_header(p, MP_HDR_INSERT0, out.hdr[i - 1].name,
		    out.hdr[i - 1].value);
	mp_sign_out_clear(&out);
	if (rc != MP_OK)
		mp_error_set(err, rc, "cannot add the DKIM-Signature header to "
		    "the plan: %s", mp_strerror(rc));
	return rc;
}

int
mp_plan_body(struct mp_plan *p, const void *body, size_t len)
{
	mp_buf_reset(&p->body);
	p->replace_body = 1;
	return mp_buf_append(&p->body, body, len);
}

static void
set_reply(struct mp_plan *p, enum mp_verdict v, const char *code,
    const char *xcode, const char *why)
{
	size_t i;

	p->verdict = v;
	snprintf(p->smtp_code, sizeof(p->smtp_code), "%s", code);
	snprintf(p->smtp_xcode, sizeof(p->smtp_xcode), "%s", xcode);
	snprintf(p->smtp_text, sizeof(p->smtp_text), "%s", why);
	/* An SMTP reply line carries no control characters, and no '%'
	 * (libmilter treats the text as a format). */
	for (i = 0; p->smtp_text[i]; i++)
		if ((unsigned char)p->smtp_text[i] < ' ' || p->smtp_text[i] == '%')
			p->smtp_text[i] = ' ';
}

void
mp_plan_tempfail(struct mp_plan *p, const char *why)
{
	set_reply(p, MP_VERDICT_TEMPFAIL, "451", "4.3.0", why);
}

void
mp_plan_internal(struct mp_plan *p, const char *why)
{
	mp_plan_tempfail(p, MP_REPLY_INTERNAL);
	mp_plan_outcome(p, MP_OUTCOME_TEMPFAIL, why != NULL && *why != '\0' ? why :
	    "internal error (no reason given)");
}

void
mp_plan_discard(struct mp_plan *p)
{
	p->verdict = MP_VERDICT_DISCARD;
}

void
mp_plan_reject(struct mp_plan *p, const char *xcode, const char *why)
{
	set_reply(p, MP_VERDICT_REJECT, "550", xcode, why);
}

void
mp_plan_warnings(struct mp_plan *p, const char *warnings)
{
	mp_strcpy_printable(p->warnings, sizeof(p->warnings), warnings, ' ');
}

/* The reason goes into a header and the log: printable only. */
void
mp_plan_outcome(struct mp_plan *p, enum mp_outcome outcome, const char *reason)
{
	p->outcome = outcome;
	mp_strcpy_printable(p->reason, sizeof(p->reason), reason, ' ');
}
