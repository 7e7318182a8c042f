/*
 * report_util - hostile values into model fields; see report_int.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "datetime.h"
#include "text.h"
#include "report_int.h"

/*
 * Invalid bytes become '?'; control characters and all white space one
 * space; trimmed and cut at MP_REPORT_MAX_VALUE (text.h).
 */
char *
mp_rpt_text(const char *in, size_t n, int *oom)
{
	return mp_text_printable(in, n, MP_REPORT_MAX_VALUE, oom);
}

const char *
mp_rpt_quote(const char *s, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; s != NULL && s[i] != '\0' && o + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
		if (i == 63) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
	}
	buf[o] = '\0';
	return buf;
}

int
mp_rpt_set_text(char **dst, const char *s, struct mp_error *err)
{
	char *v;
	int oom;

	if (s == NULL)
		return MP_OK;
	v = mp_rpt_text(s, strlen(s), &oom);
	if (oom)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	if (v == NULL)
		return MP_OK;
	free(*dst);
	*dst = v;
	return MP_OK;
}

/* s without blanks, a trailing "(comment)", [brackets] or "IPv6:". */
static int
ip_parse(const char *s, char *out, size_t size)
{
	const char *e, *rest;
	mp_u128 a;
	size_t n;
	int fam;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s;
	while (*e != '\0' && *e != ' ' && *e != '\t' && *e != '(')
		e++;
	rest = e;
	n = (size_t)(e - s);
	for (; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest != '\0' && *rest != '(')
		return -1;
	/* An IPv4-mapped address routes as the IPv4 address it is. */
	if (mp_ip_parse_as(s, n, MP_IP_LITERAL | MP_IP_UNMAP, &a, &fam) != MP_OK)
		return -1;
	mp_ip_format(a, fam, out, size);
	return 0;
}

int
mp_rpt_is_ip(const char *s)
{
	char out[INET6_ADDRSTRLEN];

	return ip_parse(s, out, sizeof(out)) == 0;
}

int
mp_rpt_set_ip(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err)
{
	char out[INET6_ADDRSTRLEN], q[80];

	if (ip_parse(s, out, sizeof(out)) != 0)
		return mp_error_set(err, MP_EINPUT,
		    "%s is not an IP address: \"%s\"", what,
		    mp_rpt_quote(s, q, sizeof(q)));
	return mp_rpt_set_text(&r->source_ip, out, err);
}


int
mp_rpt_set_domain(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err)
{
	char q[80], *v;
	size_t n, i;
	int oom;

	if ((v = mp_rpt_text(s, strlen(s), &oom)) == NULL)
		return oom ? mp_error_set(err, MP_ENOMEM, "out of memory") :
		    MP_OK;
	n = strlen(v);
	if (n > 1 && v[n - 1] == '.')
		v[--n] = '\0';
	for (i = 0; i < n; i++)
		v[i] = (char)tolower((unsigned char)v[i]);
	if (!mp_domain_valid(v)) {
		free(v);
		return mp_error_set(err, MP_EINPUT,
		    "%s is not a domain name: \"%s\"", what,
		    mp_rpt_quote(s, q, sizeof(q)));
	}
	free(r->domain);
	r->domain = v;
	return MP_OK;
}

/*
 * A URL is kept as given (made safe); its host also fills in the domain
 * or, for an address literal, the source IP, when the report gave none.
 */
int
mp_rpt_set_url(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err)
{
	char q[80], host[256], *v;
	const char *p, *h, *e;
	size_t n;
	int oom, rc;

	if ((v = mp_rpt_text(s, strlen(s), &oom)) == NULL)
		return oom ? mp_error_set(err, MP_ENOMEM, "out of memory") :
		    MP_OK;
	for (p = v; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (p == v || *p != ':' || !isalpha((unsigned char)v[0]) ||
	    strchr(v, ' ') != NULL) {
		free(v);
		return mp_error_set(err, MP_EINPUT, "%s is not a URL: \"%s\"",
		    what, mp_rpt_quote(s, q, sizeof(q)));
	}
	free(r->url);
	r->url = v;
	if (strncmp(p, "://", 3) != 0)
		return MP_OK;
	h = p + 3;
	if ((e = strpbrk(h, "@/?#")) != NULL && *e == '@')
		h = e + 1;
	if (*h == '[') {
		e = strchr(h, ']');
		if (e == NULL)
			return MP_OK;
		h++;
	} else
		e = h + strcspn(h, ":/?#");
	n = (size_t)(e - h);
	if (n == 0 || n >= sizeof(host))
		return MP_OK;
	memcpy(host, h, n);
	host[n] = '\0';
	if (mp_rpt_is_ip(host))
		return r->source_ip == NULL ?
		    mp_rpt_set_ip(r, host, what, err) : MP_OK;
	if (r->domain == NULL && (rc = mp_rpt_set_domain(r, host, what, err)))
		return rc;
	return MP_OK;
}

static int
number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno != 0 || *end != '\0' || *out > max)
		return -1;
	return 0;
}

int
mp_rpt_port(const char *s, int *port, const char *what, struct mp_error *err)
{
	unsigned long v;
	char q[80];

	if (number(s, 65535, &v) != 0 || v == 0)
		return mp_error_set(err, MP_EINPUT,
		    "%s is not a port number (1-65535): \"%s\"", what,
		    mp_rpt_quote(s, q, sizeof(q)));
	*port = (int)v;
	return MP_OK;
}

int
mp_rpt_asn(const char *s, uint32_t *asn, const char *what,
    struct mp_error *err)
{
	unsigned long v;
	char q[80];

	while (*s == ' ')
		s++;
	if (strncasecmp(s, "AS", 2) == 0)
		s += 2;
	if (number(s, 0xffffffffUL, &v) != 0)
		return mp_error_set(err, MP_EINPUT,
		    "%s is not an AS number: \"%s\"", what,
		    mp_rpt_quote(s, q, sizeof(q)));
	*asn = (uint32_t)v;
	return MP_OK;
}

int
mp_rpt_count(const char *s, unsigned *n, const char *what,
    struct mp_error *err)
{
	unsigned long v;
	char q[80];

	if (number(s, UINT_MAX, &v) != 0)
		return mp_error_set(err, MP_EINPUT,
		    "%s is not a count: \"%s\"", what,
		    mp_rpt_quote(s, q, sizeof(q)));
	*n = (unsigned)v;
	return MP_OK;
}

/* TLP 1.0 "white" is TLP 2.0 "clear"; "amber+strict" is kept as amber. */
int
mp_rpt_tlp(struct mp_report *r, const char *s, const char *what,
    struct mp_error *err)
{
	static const char *const names[] = { "clear", "green", "amber", "red" };
	char buf[16], q[80];
	size_t i, n;

	while (*s == ' ')
		s++;
	if (strncasecmp(s, "TLP:", 4) == 0)
		s += 4;
	for (n = 0; s[n] != '\0' && s[n] != ' ' && n < sizeof(buf) - 1; n++)
		buf[n] = (char)tolower((unsigned char)s[n]);
	buf[n] = '\0';
	if (strcmp(buf, "white") == 0)
		return mp_rpt_set_text(&r->tlp, "clear", err);
	if (strcmp(buf, "amber+strict") == 0)
		return mp_rpt_set_text(&r->tlp, "amber", err);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(buf, names[i]) == 0)
			return mp_rpt_set_text(&r->tlp, names[i], err);
	return mp_error_set(err, MP_EINPUT, "%s is not a TLP colour: \"%s\"",
	    what, mp_rpt_quote(s, q, sizeof(q)));
}

int
mp_rpt_date(const char *s, time_t *t, const char *what, struct mp_error *err)
{
	GDateTime *dt;
	char q[80];
	gint64 v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (mp_time_parse(s, strlen(s), 0, t) == MP_OK && *t >= 0)
		return MP_OK;
	if ((dt = g_mime_utils_header_decode_date(s)) != NULL) {
		v = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		/* GMime answers the epoch for dates it cannot read. */
		if (v > 0 && v < 253402300800LL) {
			*t = (time_t)v;
			return MP_OK;
		}
	}
	return mp_error_set(err, MP_EINPUT, "%s is not a date: \"%s\"", what,
	    mp_rpt_quote(s, q, sizeof(q)));
}

int
mp_rpt_evidence(struct mp_report *r, const char *ctype, const char *filename,
    const void *data, size_t len, struct mp_error *err)
{
	struct mp_evidence *ev = &r->evidence;
	int rc;

	free(ev->data);
	if ((ev->data = malloc(len + 1)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	if (len > 0)
		memcpy(ev->data, data, len);
	ev->data[len] = '\0';
	ev->len = len;
	if ((rc = mp_rpt_set_text(&ev->content_type, ctype, err)) != MP_OK)
		return rc;
	return mp_rpt_set_text(&ev->filename, filename, err);
}

int
mp_rpt_from_headers(struct mp_report *r, const struct mp_message *msg,
    struct mp_error *err)
{
	GMimeMessage *m = mp_message_mime(msg);
	InternetAddressList *from = g_mime_message_get_from(m);
	GDateTime *date;
	int rc, i, n;

	n = from != NULL ? internet_address_list_length(from) : 0;
	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(from, i);
		char norm[MP_ADDR_MAX + 1];
		const char *addr;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		if (r->reporter_addr == NULL && addr != NULL &&
		    mp_addr_normalize(addr, norm, sizeof(norm)) == 0 &&
		    (rc = mp_rpt_set_text(&r->reporter_addr, norm, err)))
			return rc;
		if (r->reporter_org == NULL &&
		    (rc = mp_rpt_set_text(&r->reporter_org,
		    internet_address_get_name(ia), err)))
			return rc;
		break;
	}
	if (r->reported_at == 0 && (date = g_mime_message_get_date(m)) != NULL) {
		gint64 v = g_date_time_to_unix(date);

		if (v > 0 && v < 253402300800LL)
			r->reported_at = (time_t)v;
	}
	return MP_OK;
}

struct mp_report *
mp_rpt_new(enum mp_report_format fmt, struct mp_error *err)
{
	struct mp_report *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	r->format = fmt;
	return r;
}

int
mp_rpt_warn(struct mp_report *r, struct mp_error *err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int oom;

	if (r->nwarnings >= MP_REPORT_MAX_WARNINGS) {
		r->more_warnings++;
		return MP_OK;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((r->warnings[r->nwarnings] = mp_rpt_text(buf, strlen(buf), &oom)) == NULL)
		return oom ? mp_error_set(err, MP_ENOMEM, "out of memory") : MP_OK;
	r->nwarnings++;
	return MP_OK;
}

int
mp_rpt_want(struct mp_report *r, int present, const char *what,
    const char *name, struct mp_error *err)
{
	if (present)
		return MP_OK;
	return mp_rpt_warn(r, err, "%s field %s is missing", what, name);
}

int
mp_rpt_no_source(const char *what, const char *fields, struct mp_error *err)
{
	return mp_error_set(err, MP_EINPUT, "%s report names no source: no valid "
	    "IP address, domain or URL in %s", what, fields);
}

static int
is_ftext(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != ':';
}

/* Header-like "Name: value" lines, folded lines joined; others skipped. */
int
mp_rpt_fields_split(const char *p, size_t len, struct mp_rpt_fields *af,
    const char *what, struct mp_error *err)
{
	struct mp_rpt_field *cur = NULL;
	size_t i = 0, eol, j;

	af->n = 0;
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);

		eol = nl ? (size_t)(nl - p) : len;
		if ((p[i] == ' ' || p[i] == '\t') && cur != NULL) {
			cur->vlen = eol - (size_t)(cur->val - p);
		} else {
			cur = NULL;
			for (j = i; j < eol && is_ftext((unsigned char)p[j]); j++)
				;
			if (j > i && j < eol && p[j] == ':') {
				if (af->n == MP_REPORT_MAX_FIELDS)
					return mp_error_set(err, MP_ELIMIT,
					    "%s has more than %d fields (limit)",
					    what, MP_REPORT_MAX_FIELDS);
				cur = &af->f[af->n++];
				cur->name = p + i;
				cur->nlen = j - i;
				cur->val = p + j + 1;
				cur->vlen = eol - j - 1;
			}
		}
		i = eol + 1;
	}
	return MP_OK;
}
