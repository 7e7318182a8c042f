/*
 * route_rpsl - see route_rpsl.h
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "route_rpsl.h"

void
mp_rpsl_init(struct mp_rpsl_reader *r, const char *text, size_t len)
{
	r->p = text;
	r->end = text + len;
	r->line = 1;
	r->own = 0;
}

void
mp_rsrc_init(struct mp_rpsl_reader *r, const char *text, size_t len)
{
	mp_rpsl_init(r, text, len);
	r->own = 1;
}

/* The next line, without its LF (and a CR before it). */
static int
next_line(struct mp_rpsl_reader *r, const char **s, size_t *n, unsigned *line)
{
	const char *nl;

	if (r->p >= r->end)
		return 0;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	*s = r->p;
	*n = (size_t)((nl ? nl : r->end) - r->p);
	r->p = nl ? nl + 1 : r->end;
	if (*n > 0 && (*s)[*n - 1] == '\r')
		(*n)--;
	*line = r->line++;
	return 1;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Peek: does the next line continue the current object? */
static int
peek_continues(const struct mp_rpsl_reader *r)
{
	const char *p = r->p;

	if (p >= r->end)
		return 0;
	if (r->own) {
		/* Blank and comment lines inside a stanza are skipped, so look
		 * past them for an indented line. */
		while (p < r->end) {
			const char *nl = memchr(p, '\n', (size_t)(r->end - p));
			const char *e = nl ? nl : r->end, *q = p;

			while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q < e && *q != '#')
				return p[0] == ' ' || p[0] == '\t';
			if (nl == NULL)
				return 0;
			p = nl + 1;
		}
		return 0;
	}
	return *p != '\n' && *p != '\r';
}

/* Skip the rest of a bad object. */
static void
skip_object(struct mp_rpsl_reader *r)
{
	const char *s;
	size_t n;
	unsigned line;

	while (peek_continues(r))
		if (!next_line(r, &s, &n, &line))
			break;
}

/* Strip a comment: RPSL "#" anywhere; own format "#" at start or after blank. */
static size_t
strip_comment(const char *s, size_t n, int own)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '#' && (!own || i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return n;
}

/* Append value text to the last attribute, one space between pieces. */
static int
append_value(struct mp_rpsl_obj *obj, const char *s, size_t n, unsigned line,
    struct mp_error *err)
{
	struct mp_rpsl_attr *a = &obj->attr[obj->nattr - 1];
	size_t i;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return MP_OK;
	if (a->vlen + n + 1 > MP_RPSL_VALUE || obj->used + n + 2 > MP_RPSL_BUF)
		return mp_error_set(err, MP_ELIMIT,
		    "line %u: the value of \"%s\" is longer than %d bytes (limit)",
		    line, a->name, MP_RPSL_VALUE);
	/* The value is the last thing in buf, so it can grow in place. */
	if (a->vlen > 0)
		obj->buf[obj->used - 1] = ' ', obj->used++, a->vlen++;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			c = ' ';
		else if (c < ' ' || c == 0x7f)
			return mp_error_set(err, MP_EINPUT,
			    "line %u: control character 0x%02x in the value of \"%s\"",
			    line, c, a->name);
		obj->buf[obj->used - 1 + i] = (char)c;
	}
	obj->used += n;
	a->vlen += n;
	obj->buf[obj->used - 1] = '\0';
	return MP_OK;
}

/* Start a new attribute "name" (n bytes). */
static int
new_attr(struct mp_rpsl_obj *obj, const char *name, size_t n, unsigned line,
    struct mp_error *err)
{
	struct mp_rpsl_attr *a;
	size_t i;

	if (obj->nattr == MP_RPSL_ATTRS)
		return mp_error_set(err, MP_ELIMIT,
		    "line %u: more than %d attributes in one object (limit)", line, MP_RPSL_ATTRS);
	if (obj->used + n + 2 > MP_RPSL_BUF)
		return mp_error_set(err, MP_ELIMIT,
		    "line %u: the object is larger than %d bytes (limit)", line, MP_RPSL_BUF);
	a = &obj->attr[obj->nattr++];
	for (i = 0; i < n; i++)
		obj->buf[obj->used + i] = (char)tolower((unsigned char)name[i]);
	obj->buf[obj->used + n] = '\0';
	a->name = obj->buf + obj->used;
	obj->used += n + 1;
	obj->buf[obj->used++] = '\0';
	a->value = obj->buf + obj->used - 1;
	a->vlen = 0;
	a->line = line;
	return MP_OK;
}

/* Length of an attribute name at s: [A-Za-z0-9_-]+ */
static size_t
name_len(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 64; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			break;
	return i;
}

/* One line of an object; *first is set for the line that starts it. */
static int
take_line(struct mp_rpsl_reader *r, struct mp_rpsl_obj *obj, const char *s,
    size_t n, unsigned line, struct mp_error *err)
{
	size_t k;
	int rc;

	n = strip_comment(s, n, r->own);
	if (r->own) {
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n == 0)
			return MP_OK;
		k = name_len(s, n);
		if (k == 0 || (k < n && s[k] != ' ' && s[k] != '\t'))
			return mp_error_set(err, MP_EINPUT,
			    "line %u: expected \"keyword value\", found \"%.*s\"", line,
			    (int)(n < 40 ? n : 40), s);
		if ((rc = new_attr(obj, s, k, line, err)) != MP_OK)
			return rc;
		return append_value(obj, s + k, n - k, line, err);
	}
	if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '+')) {
		if (obj->nattr == 0)
			return mp_error_set(err, MP_EINPUT,
			    "line %u: a continuation line before any attribute", line);
		return append_value(obj, s + 1, n - 1, line, err);
	}
	k = name_len(s, n);
	if (k == 0 || k >= n || s[k] != ':')
		return mp_error_set(err, MP_EINPUT,
		    "line %u: expected \"attribute: value\", found \"%.*s\"", line,
		    (int)(n < 40 ? n : 40), s);
	if ((rc = new_attr(obj, s, k, line, err)) != MP_OK)
		return rc;
	return append_value(obj, s + k + 1, n - k - 1, line, err);
}

int
mp_rpsl_next(struct mp_rpsl_reader *r, struct mp_rpsl_obj *obj, struct mp_error *err)
{
	const char *s;
	size_t n;
	unsigned line;
	int rc;

	obj->nattr = 0;
	obj->used = 0;
	/* Find the first line of an object. */
	for (;;) {
		if (!next_line(r, &s, &n, &line))
			return 0;
		if (blank(s, n) || s[0] == '#' || (!r->own && s[0] == '%'))
			continue;
		if (r->own && (s[0] == ' ' || s[0] == '\t')) {
			mp_error_set(err, MP_EINPUT,
			    "line %u: an indented line outside an object (an object starts with \"kind id\" at the start of a line)",
			    line);
			skip_object(r);
			return MP_EINPUT;
		}
		break;
	}
	obj->line = line;
	for (;;) {
		if ((rc = take_line(r, obj, s, n, line, err)) != MP_OK) {
			skip_object(r);
			return rc;
		}
		/* RPSL comment lines inside an object are skipped. */
		while (!r->own && r->p < r->end && (*r->p == '%' || *r->p == '#'))
			next_line(r, &s, &n, &line);
		if (!peek_continues(r))
			break;
		next_line(r, &s, &n, &line);
	}
	return 1;
}

const struct mp_rpsl_attr *
mp_rpsl_get(const struct mp_rpsl_obj *obj, const char *name)
{
	size_t i;

	for (i = 0; i < obj->nattr; i++)
		if (strcmp(obj->attr[i].name, name) == 0)
			return &obj->attr[i];
	return NULL;
}
