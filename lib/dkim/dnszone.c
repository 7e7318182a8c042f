/*
 * dnszone - see dnszone.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "dnszone.h"
#include "readfile.h"

struct zrec {
	char *name;
	char *value;
	enum mp_dns_type type;
	enum mp_dns_status status;
};

struct mp_dnszone {
	int flags;		/* MP_DNSZONE_KEYFILE: a key file's lines */
	size_t n;
	struct zrec *r;
	struct mp_dns_record *view;	/* built once parsing is done */
};

static const char *const type_names[] = {
	[MP_DNS_A] = "A", [MP_DNS_AAAA] = "AAAA", [MP_DNS_MX] = "MX",
	[MP_DNS_TXT] = "TXT", [MP_DNS_PTR] = "PTR", [MP_DNS_ANY] = "ANY",
};

const char *
mp_dns_type_name(enum mp_dns_type t)
{
	return (unsigned)t <= MP_DNS_ANY ? type_names[t] : "?";
}

/* One position in the text, for messages: "file:line". */
struct zpos {
	const char *file;
	size_t line;
};

static int __attribute__((format(printf, 4, 5)))
zerr(const struct zpos *pos, struct mp_error *err, int code, const char *fmt, ...)
{
	char msg[MP_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mp_error_set(err, code, "%s:%zu: %s", pos->file, pos->line, msg);
}

#define ZERR(pos, code, ...) zerr((pos), err, (code), __VA_ARGS__)

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A host name as DNS has it, by the one rule (mp_domain_norm(), addr.h).
 * Lower-cased in place; a trailing dot is dropped by the caller.
 */
static int
valid_name(char *s, size_t n)
{
	return n <= MP_DNSZONE_NAME_MAX && mp_domain_norm(s, n, s, n + 1) == MP_OK;
}

static int
parse_type(const char *p, size_t n, enum mp_dns_type *t)
{
	unsigned i;

	for (i = 0; i <= MP_DNS_ANY; i++)
		if (strlen(type_names[i]) == n && strncasecmp(p, type_names[i], n) == 0) {
			*t = (enum mp_dns_type)i;
			return 0;
		}
	return MP_EINPUT;
}

static int
parse_status(const char *p, size_t n, enum mp_dns_status *st)
{
	static const struct { const char *w; enum mp_dns_status st; } words[] = {
		{ "NXDOMAIN", MP_DNS_NXDOMAIN }, { "NODATA", MP_DNS_NODATA },
		{ "TEMPFAIL", MP_DNS_TEMPFAIL },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == n && memcmp(p, words[i].w, n) == 0) {
			*st = words[i].st;
			return 1;
		}
	return 0;
}

/* TXT: "a" "b" joined, or the text as is. MP_EINPUT on a stray quote. */
static int
txt_value(const char *p, const char *e, struct mp_buf *out)
{
	if (*p != '"')
		return mp_buf_append(out, p, (size_t)(e - p));
	while (p < e) {
		const char *q;

		if (*p != '"')
			return MP_EINPUT;
		q = memchr(p + 1, '"', (size_t)(e - p - 1));
		if (q == NULL)
			return MP_EINPUT;
		if (mp_buf_append(out, p + 1, (size_t)(q - p - 1)) != 0)
			return MP_ENOMEM;
		for (p = q + 1; p < e && is_blank(*p); p++)
			;
	}
	return out->data == NULL ? mp_buf_append(out, "", 0) : 0;
}

/* Check and normalise one data value into a new string in *out. */
static int
record_value(enum mp_dns_type t, const char *p, const char *e, char **out,
    const struct zpos *pos, struct mp_error *err)
{
	mp_u128 addr;
	struct mp_buf b;
	int fam;
	char *s;
	long prio;
	int rc;

	if (t == MP_DNS_TXT) {
		mp_buf_init(&b, MP_DNSZONE_LINE_MAX);
		rc = txt_value(p, e, &b);
		if (rc != 0) {
			mp_buf_free(&b);
			return rc == MP_EINPUT
			    ? ZERR(pos, MP_EINPUT, "unbalanced quotes in the TXT value")
			    : ZERR(pos, MP_ENOMEM, "out of memory");
		}
		*out = b.data;
		return 0;
	}
	s = strndup(p, (size_t)(e - p));
	if (s == NULL)
		return ZERR(pos, MP_ENOMEM, "out of memory");
	*out = s;
	switch (t) {
	case MP_DNS_A:
		if (mp_ip_parse(s, strlen(s), &addr, &fam) == MP_OK && fam == 4)
			return 0;
		return ZERR(pos, MP_EINPUT, "\"%.64s\" is not an IPv4 address", s);
	case MP_DNS_AAAA:
		if (mp_ip_parse(s, strlen(s), &addr, &fam) == MP_OK && fam == 6)
			return 0;
		return ZERR(pos, MP_EINPUT, "\"%.64s\" is not an IPv6 address", s);
	case MP_DNS_MX:
		if (!isdigit((unsigned char)*s))
			return ZERR(pos, MP_EINPUT, "MX value must be \"preference host\"");
		prio = strtol(s, &s, 10);
		if (prio > 65535 || !is_blank(*s))
			return ZERR(pos, MP_EINPUT, "MX value must be \"preference host\" (0-65535)");
		while (is_blank(*s))
			s++;
		break;
	default:	/* PTR */
		break;
	}
	{
		size_t n = strlen(s);

		if (n > 1 && s[n - 1] == '.')
			s[--n] = '\0';
		if (!valid_name(s, n))
			return ZERR(pos, MP_EINPUT, "\"%.64s\" is not a host name", s);
	}
	return 0;
}

/* The rules a name/type set must keep, checked against what came before. */
static int
conflicts(const struct mp_dnszone *z, const struct zrec *nr,
    const struct zpos *pos, struct mp_error *err)
{
	size_t i;

	for (i = 0; i < z->n; i++) {
		const struct zrec *o = &z->r[i];

		if (strcmp(o->name, nr->name) != 0)
			continue;
		if (o->type == MP_DNS_ANY || nr->type == MP_DNS_ANY)
			return ZERR(pos, MP_EINPUT,
			    "%s has an ANY record and another record", nr->name);
		if (o->type == nr->type && (o->status != MP_DNS_OK || nr->status != MP_DNS_OK))
			return ZERR(pos, MP_EINPUT,
			    "%s %s has a status word and another record", nr->name,
			    mp_dns_type_name(nr->type));
	}
	return 0;
}

/* A "selector._domainkey.domain" name, as a key file holds only those. */
static int
has_domainkey(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i + 12 < n; i++)
		if (strncasecmp(s + i, "._domainkey.", 12) == 0)
			return 1;
	return 0;
}

static int
zone_line(struct mp_dnszone *z, const char *p, const char *e,
    const struct zpos *pos, struct mp_error *err)
{
	struct zrec nr = { NULL, NULL, MP_DNS_A, MP_DNS_OK };
	int keys = (z->flags & MP_DNSZONE_KEYFILE) != 0;
	const char *ns, *ne, *ts;
	struct zrec *grown;
	size_t i;

	for (i = 0; p + i < e; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return ZERR(pos, MP_EINPUT, "control character in the line");
		else if ((unsigned char)p[i] == 0x7f)
			return ZERR(pos, MP_EINPUT, "control character in the line");
	while (p < e && is_blank(*p))
		p++;
	while (e > p && is_blank(e[-1]))
		e--;
	if (p == e || *p == '#')
		return 0;
	for (ns = p; p < e && !is_blank(*p); p++)
		;
	ne = p;
	while (p < e && is_blank(*p))
		p++;
	for (ts = p; p < e && !is_blank(*p); p++)
		;
	if (keys && ts == e)
		return ZERR(pos, MP_EINPUT, "expected \"selector._domainkey.domain TXT-record\"");
	if (keys && !has_domainkey(ns, (size_t)(ne - ns)))
		return ZERR(pos, MP_EINPUT, "\"%.*s\" is not a selector._domainkey.domain name",
		    (int)(ne - ns > 100 ? 100 : ne - ns), ns);
	if (parse_type(ts, (size_t)(p - ts), &nr.type) != 0) {
		if (!keys)
			return ZERR(pos, MP_EINPUT, "expected \"name TYPE value\" with TYPE "
			    "A, AAAA, MX, TXT, PTR or ANY");
		nr.type = MP_DNS_TXT;	/* a key file's "name TXT-content" */
		p = ts;
	}
	while (p < e && is_blank(*p))
		p++;
	if (p == e)
		return ZERR(pos, MP_EINPUT, "no value after the type");
	if (ne - ns > 1 && ne[-1] == '.')
		ne--;
	if (z->n == MP_DNSZONE_MAX_RECORDS)
		return ZERR(pos, MP_ELIMIT, "more than %d records (limit)",
		    MP_DNSZONE_MAX_RECORDS);
	nr.name = strndup(ns, (size_t)(ne - ns));
	if (nr.name == NULL)
		return ZERR(pos, MP_ENOMEM, "out of memory");
	if (!valid_name(nr.name, strlen(nr.name))) {
		ZERR(pos, MP_EINPUT, "\"%.64s\" is not a domain name", nr.name);
		goto fail;
	}
	if (parse_status(p, (size_t)(e - p), &nr.status)) {
		if (nr.type == MP_DNS_ANY && nr.status == MP_DNS_NODATA) {
			ZERR(pos, MP_EINPUT, "ANY takes NXDOMAIN or TEMPFAIL, not NODATA");
			goto fail;
		}
	} else if (nr.type == MP_DNS_ANY) {
		ZERR(pos, MP_EINPUT, "ANY takes NXDOMAIN or TEMPFAIL, not data");
		goto fail;
	} else if (record_value(nr.type, p, e, &nr.value, pos, err) != 0)
		goto fail;
	if (conflicts(z, &nr, pos, err) != 0)
		goto fail;
	grown = realloc(z->r, (z->n + 1) * sizeof(*z->r));
	if (grown == NULL) {
		ZERR(pos, MP_ENOMEM, "out of memory");
		goto fail;
	}
	z->r = grown;
	z->r[z->n++] = nr;
	return 0;
fail:
	free(nr.name);
	free(nr.value);
	return err->code;
}

static int
build_view(struct mp_dnszone *z)
{
	size_t i;

	z->view = calloc(z->n + 1, sizeof(*z->view));
	if (z->view == NULL)
		return MP_ENOMEM;
	for (i = 0; i < z->n; i++) {
		z->view[i].name = z->r[i].name;
		z->view[i].type = z->r[i].type;
		z->view[i].status = z->r[i].status;
		z->view[i].value = z->r[i].value;
	}
	return 0;
}

struct mp_dnszone *
mp_dnszone_parse(const char *name, const char *text, size_t len,
    struct mp_error *err)
{
	return mp_dnszone_parse_as(name, text, len, 0, err);
}

struct mp_dnszone *
mp_dnszone_parse_as(const char *name, const char *text, size_t len, int flags,
    struct mp_error *err)
{
	struct mp_dnszone *z;
	const char *p = text, *e = text + len, *nl;
	struct zpos pos = { name, 0 };

	mp_error_clear(err);
	if (len > MP_DNSZONE_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s: larger than %d bytes (limit)",
		    name, MP_DNSZONE_MAX), NULL;
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name), NULL;
	z->flags = flags;
	for (; p < e; p = nl + 1) {
		const char *le;

		pos.line++;
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if ((size_t)(le - p) > MP_DNSZONE_LINE_MAX) {
			ZERR(&pos, MP_ELIMIT, "line longer than %d bytes (limit)",
			    MP_DNSZONE_LINE_MAX);
			goto fail;
		}
		if (zone_line(z, p, le, &pos, err) != 0)
			goto fail;
		if (nl == e)
			break;
	}
	if (build_view(z) != 0) {
		mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	return z;
fail:
	mp_dnszone_free(&z);
	return NULL;
}

struct mp_dnszone *
mp_dnszone_load(const char *path, struct mp_error *err)
{
	return mp_dnszone_load_as(path, 0, err);
}

struct mp_dnszone *
mp_dnszone_load_as(const char *path, int flags, struct mp_error *err)
{
	struct mp_dnszone *z = NULL;
	struct mp_buf b;

	if (mp_read_file(path, MP_DNSZONE_MAX, &b, err) == 0)
		z = mp_dnszone_parse_as(path, b.data != NULL ? b.data : "", b.len, flags,
		    err);
	mp_buf_free(&b);
	return z;
}

void
mp_dnszone_free(struct mp_dnszone **zp)
{
	size_t i;

	if (*zp == NULL)
		return;
	for (i = 0; i < (*zp)->n; i++) {
		free((*zp)->r[i].name);
		free((*zp)->r[i].value);
	}
	free((*zp)->r);
	free((*zp)->view);
	free(*zp);
	*zp = NULL;
}

size_t
mp_dnszone_count(const struct mp_dnszone *z)
{
	return z->n;
}

const struct mp_dns_record *
mp_dnszone_record(const struct mp_dnszone *z, size_t i)
{
	return i < z->n ? &z->view[i] : NULL;
}

enum mp_lookup
mp_dnszone_dkim_lookup(void *arg, const char *name, char *txt, size_t txtsz)
{
	const struct mp_dnszone *z = arg;
	size_t i, nl = strlen(name);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	for (i = 0; i < z->n; i++) {
		const struct zrec *r = &z->r[i];

		if (strlen(r->name) != nl || strncasecmp(r->name, name, nl) != 0)
			continue;
		if (r->type != MP_DNS_TXT && r->type != MP_DNS_ANY)
			continue;
		if (r->status == MP_DNS_TEMPFAIL)
			return MP_RETRY;
		if (r->status != MP_DNS_OK || strlen(r->value) >= txtsz)
			return MP_NOTFOUND;
		strcpy(txt, r->value);
		return MP_FOUND;
	}
	return MP_NOTFOUND;
}
