/*
 * route_sectxt - see route_sectxt.h
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "route_sectxt.h"

static void
warn(struct mp_sectxt *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(struct mp_sectxt *out, const char *fmt, ...)
{
	va_list ap;

	if (out->nwarn == MP_SECTXT_WARNINGS) {
		out->nwarn_lost++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(out->warn[out->nwarn++], MP_SECTXT_WARN_LEN, fmt, ap);
	va_end(ap);
}

/* "mailto:a@b.nl?subject=x" -> a@b.nl; returns 1 when it was a mailto. */
static int
contact(struct mp_sectxt *out, const char *v, size_t n, unsigned line)
{
	char tmp[MP_ADDR_MAX + 1], norm[MP_ADDR_MAX + 1];
	size_t k, i;

	if (n < 7 || strncasecmp(v, "mailto:", 7) != 0) {
		warn(out, "line %u: Contact \"%.60s\" is not a mailto: address: not used", line, v);
		return 0;
	}
	v += 7;
	n -= 7;
	k = strcspn(v, "?");
	if (k < n)
		n = k;
	if (n >= sizeof(tmp)) {
		warn(out, "line %u: Contact address longer than %d bytes: not used", line, MP_ADDR_MAX);
		return 0;
	}
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (mp_addr_normalize(tmp, norm, sizeof(norm)) != 0 || norm[0] == '\0') {
		warn(out, "line %u: Contact \"mailto:%.60s\" is not one mail address: not used", line, tmp);
		return 0;
	}
	for (i = 0; i < out->ncontacts; i++)
		if (strcmp(out->contacts[i], norm) == 0)
			return 1;
	if (out->ncontacts == MP_SECTXT_CONTACTS) {
		warn(out, "line %u: more than %d mailto: contacts (limit): %s not used",
		    line, MP_SECTXT_CONTACTS, norm);
		return 1;
	}
	memcpy(out->contacts[out->ncontacts++], norm, strlen(norm) + 1);
	return 1;
}

static void
languages(struct mp_sectxt *out, const char *v, size_t n)
{
	size_t i = 0, k;

	if (out->lang != MP_LANG_UNKNOWN)
		return;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == ','))
			i++;
		for (k = i; k < n && v[k] != ',' && v[k] != ' '; k++)
			;
		if ((out->lang = mp_lang_parse(v + i, k - i)) != MP_LANG_UNKNOWN)
			return;
		i = k;
	}
}

static int
is_line(const char *s, size_t n, const char *what)
{
	return n == strlen(what) && memcmp(s, what, n) == 0;
}

int
mp_sectxt_parse(const char *text, size_t len, time_t now, struct mp_sectxt *out,
    struct mp_error *err)
{
	const char *p = text, *end = text + len, *nl, *s;
	size_t n, i, k;
	unsigned line = 0;
	int pgp = 0;	/* 0 plain, 1 armour headers, 2 signed body, 3 signature */
	int seen_expires = 0, any = 0;

	memset(out, 0, sizeof(*out));
	if (len > MP_SECTXT_MAX)
		return mp_error_set(err, MP_ELIMIT,
		    "security.txt larger than %d bytes (limit)", MP_SECTXT_MAX);
	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		s = p;
		n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		line++;
		if (pgp == 0 && !any && is_line(s, n, "-----BEGIN PGP SIGNED MESSAGE-----")) {
			pgp = 1;
			out->is_signed = 1;
			continue;
		}
		if (pgp == 1) {
			if (n == 0)
				pgp = 2;
			continue;
		}
		if (pgp == 2 && is_line(s, n, "-----BEGIN PGP SIGNATURE-----")) {
			pgp = 3;
			continue;
		}
		if (pgp == 3)
			continue;
		if (pgp == 2 && n >= 2 && s[0] == '-' && s[1] == ' ') {
			s += 2;
			n -= 2;
		}
		any = 1;
		for (i = 0; i < n; i++)
			if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
				break;
		if (i < n) {
			warn(out, "line %u: control character: line ignored", line);
			continue;
		}
		if (n == 0 || s[0] == '#')
			continue;
		k = 0;
		while (k < n && s[k] != ':' && s[k] != ' ')
			k++;
		if (k == 0 || k == n || s[k] != ':') {
			warn(out, "line %u: not a \"Field: value\" line: ignored", line);
			continue;
		}
		{
			const char *v = s + k + 1;
			size_t vn = n - k - 1;
			char vbuf[1024];

			while (vn > 0 && (*v == ' ' || *v == '\t'))
				v++, vn--;
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (vn >= sizeof(vbuf)) {
				warn(out, "line %u: value longer than %zu bytes: ignored", line,
				    sizeof(vbuf) - 1);
				continue;
			}
			memcpy(vbuf, v, vn);
			vbuf[vn] = '\0';
			if (k == 7 && strncasecmp(s, "Contact", 7) == 0) {
				contact(out, vbuf, vn, line);
			} else if (k == 7 && strncasecmp(s, "Expires", 7) == 0) {
				if (seen_expires++)
					warn(out, "line %u: Expires given twice: the first one holds", line);
				else if (mp_time_parse(vbuf, vn, MP_TIME_RFC3339, &out->expires) != MP_OK)
					warn(out, "line %u: Expires \"%.40s\" is not an RFC 3339 date", line, vbuf);
			} else if (k == 19 && strncasecmp(s, "Preferred-Languages", 19) == 0) {
				languages(out, vbuf, vn);
			}
		}
	}
	if (pgp == 1 || pgp == 2)
		warn(out, "PGP signed message without a signature block");
	if (!seen_expires)
		warn(out, "no Expires field (RFC 9116 requires one)");
	if (out->expires != 0 && out->expires < now)
		out->expired = 1;
	if (out->ncontacts == 0)
		return mp_error_set(err, MP_EINPUT, "no \"Contact: mailto:\" field");
	return MP_OK;
}
