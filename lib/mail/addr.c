/*
 * addr - see addr.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "error.h"

int
mp_addr_normalize(const char *in, char *out, size_t outsz)
{
	const char *s = in, *e;
	size_t n, i, ats = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	n = (size_t)(e - s);
	if (n >= outsz || n >= MP_ADDR_MAX)
		return MP_EINPUT;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',')
			return MP_EINPUT;
		if (c == '@')
			ats++;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	if (n == 0)
		return MP_OK;	/* the null sender */
	if (ats != 1 || out[0] == '@' || out[n - 1] == '@')
		return MP_EINPUT;
	return MP_OK;
}

const char *
mp_addr_domain(const char *norm)
{
	const char *at = strrchr(norm, '@');

	return at ? at + 1 : "";
}

int
mp_domain_in(const char *domain, char *const *list)
{
	size_t dl = strlen(domain), el;

	/* "meldpunt.nl." is the same domain, written absolute. */
	while (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (dl == 0 || list == NULL)
		return 0;
	for (; *list != NULL; list++) {
		el = strlen(*list);
		if (el == 0 || el > dl)
			continue;
		if (strncasecmp(domain + dl - el, *list, el) != 0)
			continue;
		if (el == dl || domain[dl - el - 1] == '.')
			return 1;
	}
	return 0;
}

int
mp_addr_in(const char *addr, char *const *list)
{
	if (*addr == '\0' || list == NULL)
		return 0;
	for (; *list != NULL; list++)
		if (strcasecmp(addr, *list) == 0)
			return 1;
	return 0;
}

/* ---- IP addresses and prefixes ---- */

void
mp_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

uint32_t
mp_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
mp_put_u128(unsigned char *p, mp_u128 v)
{
	int i;

	for (i = 15; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

mp_u128
mp_get_u128(const unsigned char *p)
{
	mp_u128 v = 0;
	int i;

	for (i = 0; i < 16; i++)
		v = v << 8 | p[i];
	return v;
}

/* The text of an address literal as an MTA shows it: "IPv6:x", "[x]". */
static void
strip_literal(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np;

	if (n >= 5 && strncasecmp(s, "IPv6:", 5) == 0)
		s += 5, n -= 5;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		s++, n -= 2;
	*sp = s;
	*np = n;
}

int
mp_ip_parse_as(const char *s, size_t n, int flags, mp_u128 *addr, int *fam)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char b[16];

	if (flags & MP_IP_LITERAL)
		strip_literal(&s, &n);
	if (n == 0 || n >= sizeof(tmp))
		return MP_EINPUT;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, b) == 1) {
		*addr = mp_get_u32(b);
		*fam = 4;
		return MP_OK;
	}
	if (inet_pton(AF_INET6, tmp, b) != 1)
		return MP_EINPUT;
	*addr = mp_get_u128(b);
	*fam = 6;
	/* ::ffff:a.b.c.d is the IPv4 host a.b.c.d talking over IPv6. */
	if ((flags & MP_IP_UNMAP) && (*addr >> 32) == 0xffff) {
		*addr &= 0xffffffffu;
		*fam = 4;
	}
	return MP_OK;
}

int
mp_ip_parse(const char *s, size_t n, mp_u128 *addr, int *fam)
{
	return mp_ip_parse_as(s, n, 0, addr, fam);
}

int
mp_prefix_parse_as(const char *s, size_t n, int flags, mp_u128 *addr, int *len,
    int *fam)
{
	const char *slash = memchr(s, '/', n);
	size_t i;
	int l = 0;

	if (slash == NULL) {
		if (mp_ip_parse_as(s, n, flags, addr, fam) != MP_OK)
			return MP_EINPUT;
		*len = mp_fam_bits(*fam);
		return MP_OK;
	}
	if (mp_ip_parse_as(s, (size_t)(slash - s), flags, addr, fam) != MP_OK)
		return MP_EINPUT;
	i = (size_t)(slash - s) + 1;
	if (i >= n || n - i > 3)
		return MP_EINPUT;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return MP_EINPUT;
		l = l * 10 + (s[i] - '0');
	}
	if (l > mp_fam_bits(*fam))
		return MP_EINPUT;
	*len = l;
	return MP_OK;
}

int
mp_prefix_parse(const char *s, size_t n, mp_u128 *addr, int *len, int *fam)
{
	return mp_prefix_parse_as(s, n, 0, addr, len, fam);
}

static mp_u128
hostmask(int len, int fam)
{
	int host = mp_fam_bits(fam) - len;

	if (host <= 0)
		return 0;
	if (host >= 128)
		return ~(mp_u128)0;
	return ((mp_u128)1 << host) - 1;
}

mp_u128
mp_ip_mask(mp_u128 a, int len, int fam)
{
	return a & ~hostmask(len, fam);
}

mp_u128
mp_ip_last(mp_u128 a, int len, int fam)
{
	return mp_ip_mask(a, len, fam) | hostmask(len, fam);
}

/* Copy s (n bytes) into out[outsz] as snprintf("%s") would: cut, NUL. */
static void
put_cut(char *out, size_t outsz, const char *s, size_t n)
{
	if (outsz == 0)
		return;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Decimal digits of v (< 1000 unless big) at p; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	char d[12];
	size_t k = 0;

	do
		d[k++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (k > 0)
		*p++ = d[--k];
	return p;
}

/*
 * inet_ntop's text. IPv4 is written here: glibc's inet_ntop formats it
 * with sprintf, and a list report formats an address or two a row
 * (the row's, the routed prefix's), 100,000 rows a report.
 */
static size_t
ip_text(mp_u128 a, int fam, char *tmp)
{
	unsigned char b[16];
	char *p = tmp;
	int i;

	if (fam == 4) {
		mp_put_u32(b, (uint32_t)a);
		for (i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			p = put_dec(p, b[i]);
		}
		*p = '\0';
		return (size_t)(p - tmp);
	}
	mp_put_u128(b, a);
	inet_ntop(AF_INET6, b, tmp, INET6_ADDRSTRLEN);
	return strlen(tmp);
}

void
mp_ip_format(mp_u128 a, int fam, char *out, size_t outsz)
{
	char tmp[INET6_ADDRSTRLEN];

	put_cut(out, outsz, tmp, ip_text(a, fam, tmp));
}

void
mp_prefix_format(mp_u128 a, int len, int fam, char *out, size_t outsz)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	size_t n = ip_text(mp_ip_mask(a, len, fam), fam, tmp);
	char *p = tmp + n;

	*p++ = '/';
	if (len < 0) {
		*p++ = '-';
		len = -len;
	}
	p = put_dec(p, (unsigned)len);
	put_cut(out, outsz, tmp, (size_t)(p - tmp));
}

/* ---- domains ---- */

int
mp_domain_norm(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > MP_DOMAIN_MAX || n >= outsz)
		return MP_EINPUT;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return MP_EINPUT;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return MP_EINPUT;
		} else {
			return MP_EINPUT;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0)		/* "a.b..": an empty last label */
		return MP_EINPUT;
	out[n] = '\0';
	return MP_OK;
}

int
mp_domain_valid(const char *s)
{
	char tmp[MP_DOMAIN_MAX + 1];
	size_t n = strlen(s);

	return n > 0 && s[n - 1] != '.' && mp_domain_norm(s, n, tmp, sizeof(tmp)) == MP_OK;
}
