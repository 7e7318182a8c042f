/*
 * msgsplit - see msgsplit.h
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgsplit.h"

/* The end of the line starting at p (its CR or LF, or e); *next after it. */
static const char *
line_end(const char *p, const char *e, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(e - p));

	if (lf == NULL) {
		*next = e;
		return e;
	}
	*next = lf + 1;
	return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

static int
grow(struct mp_msg *m, size_t *cap, struct mp_error *err)
{
	struct mp_msg_field *nf;

	if (m->n < *cap)
		return 0;
	nf = realloc(m->f, 2 * *cap * sizeof(*nf));
	if (nf == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory indexing the message");
	m->f = nf;
	*cap *= 2;
	return 0;
}

int
mp_msg_split(const char *msg, size_t len, size_t max_fields, struct mp_msg *m,
    struct mp_error *err)
{
	const char *p = msg, *e = msg + len, *le, *next, *colon;
	size_t cap = 32, line = 0;
	int rc;

	m->n = 0;
	m->body = e;
	m->bodylen = 0;
	m->f = malloc(cap * sizeof(*m->f));
	if (m->f == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory indexing the message");
	for (; p < e; p = next) {
		line++;
		le = line_end(p, e, &next);
		if (le == p) {			/* the empty line: the body follows */
			m->body = next;
			m->bodylen = (size_t)(e - next);
			return 0;
		}
		if (*p == ' ' || *p == '\t') {
			if (m->n == 0)
				return mp_error_set(err, MP_EINPUT,
				    "message line 1 starts with white space, not a header field name");
			m->f[m->n - 1].len = (size_t)(le - m->f[m->n - 1].p);
			continue;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon == NULL || colon == p)
			return mp_error_set(err, MP_EINPUT,
			    "message line %zu is not a header field (no name and colon)", line);
		if (m->n == max_fields)
			return mp_error_set(err, MP_ELIMIT,
			    "message has more than %zu header fields (limit)", max_fields);
		if ((rc = grow(m, &cap, err)) != 0)
			return rc;
		m->f[m->n].p = p;
		m->f[m->n].len = (size_t)(le - p);
		while (colon > p && (colon[-1] == ' ' || colon[-1] == '\t'))
			colon--;
		m->f[m->n].namelen = (size_t)(colon - p);
		m->n++;
	}
	return 0;	/* headers only: the body is empty */
}

void
mp_msg_clear(struct mp_msg *m)
{
	free(m->f);
	m->f = NULL;
	m->n = 0;
}

int
mp_msg_field_is(const struct mp_msg_field *f, const char *name)
{
	return f->namelen == strlen(name) && strncasecmp(f->p, name, f->namelen) == 0;
}
