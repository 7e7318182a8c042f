/*
 * route_fmt - see route_fmt.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "error.h"
#include "route_fmt.h"

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

int
mp_ip_parse(const char *s, size_t n, mp_u128 *addr, int *fam)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char b[16];

	if (n == 0 || n >= sizeof(tmp))
		return MP_EINPUT;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, b) == 1) {
		*addr = mp_get_u32(b);
		*fam = 4;
		return MP_OK;
	}
	if (inet_pton(AF_INET6, tmp, b) == 1) {
		*addr = mp_get_u128(b);
		*fam = 6;
		return MP_OK;
	}
	return MP_EINPUT;
}

int
mp_prefix_parse(const char *s, size_t n, mp_u128 *addr, int *len, int *fam)
{
	const char *slash = memchr(s, '/', n);
	size_t i;
	int l = 0;

	if (slash == NULL) {
		if (mp_ip_parse(s, n, addr, fam) != MP_OK)
			return MP_EINPUT;
		*len = mp_fam_bits(*fam);
		return MP_OK;
	}
	if (mp_ip_parse(s, (size_t)(slash - s), addr, fam) != MP_OK)
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

void
mp_ip_format(mp_u128 a, int fam, char *out, size_t outsz)
{
	unsigned char b[16];
	char tmp[INET6_ADDRSTRLEN];

	if (fam == 4) {
		mp_put_u32(b, (uint32_t)a);
		inet_ntop(AF_INET, b, tmp, sizeof(tmp));
	} else {
		mp_put_u128(b, a);
		inet_ntop(AF_INET6, b, tmp, sizeof(tmp));
	}
	snprintf(out, outsz, "%s", tmp);
}

void
mp_prefix_format(mp_u128 a, int len, int fam, char *out, size_t outsz)
{
	char ip[INET6_ADDRSTRLEN];

	mp_ip_format(mp_ip_mask(a, len, fam), fam, ip, sizeof(ip));
	snprintf(out, outsz, "%s/%d", ip, len);
}

int
mp_range_split(mp_u128 first, mp_u128 last, int fam,
    int (*emit)(void *arg, mp_u128 start, int len), void *arg)
{
	int width = mp_fam_bits(fam), host, rc;
	mp_u128 end;

	if (first > last)
		return MP_EINPUT;
	for (;;) {
		/* The largest aligned block at `first` that does not pass `last`. */
		host = 0;
		while (host < width && (first & ((mp_u128)1 << host)) == 0)
			host++;
		for (;;) {
			end = first | hostmask(width - host, fam);
			if (end <= last)
				break;
			host--;
		}
		if ((rc = emit(arg, first, width - host)) != 0)
			return rc;
		if (end >= last)
			return MP_OK;
		first = end + 1;
	}
}

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
	out[n] = '\0';
	return MP_OK;
}

/* The host of a URL: after "scheme://", before any of "/?#", without
 * "user@" and ":port"; an IPv6 literal keeps only what is inside [ ]. */
static int
url_host(const char *q, const char **hp, size_t *hn)
{
	const char *p = strstr(q, "://"), *h, *e, *at;

	if (p == NULL)
		return MP_EINPUT;
	h = p + 3;
	e = h + strcspn(h, "/?#");
	at = memchr(h, '@', (size_t)(e - h));
	while (at != NULL) {	/* the last @ of the authority */
		h = at + 1;
		at = memchr(h, '@', (size_t)(e - h));
	}
	if (h < e && *h == '[') {
		const char *rb = memchr(h, ']', (size_t)(e - h));

		if (rb == NULL)
			return MP_EINPUT;
		*hp = h + 1;
		*hn = (size_t)(rb - h - 1);
		return MP_OK;
	}
	p = memchr(h, ':', (size_t)(e - h));
	if (p != NULL)
		e = p;
	*hp = h;
	*hn = (size_t)(e - h);
	return *hn > 0 ? MP_OK : MP_EINPUT;
}

int
mp_query_parse(const char *q, struct mp_query *out, struct mp_error *err)
{
	const char *h = q;
	size_t n = strlen(q), i;
	int fam;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n > MP_QUERY_MAX)
		return mp_error_set(err, MP_EINPUT,
		    "a query is an IP address, AS number, domain or URL of 1 to %d bytes",
		    MP_QUERY_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)q[i] <= ' ' || q[i] == 0x7f)
			return mp_error_set(err, MP_EINPUT,
			    "the query holds a space or control character at byte %zu", i + 1);
	if (strstr(q, "://") != NULL) {
		if (url_host(q, &h, &n) != MP_OK)
			return mp_error_set(err, MP_EINPUT, "no host in URL \"%.200s\"", q);
		out->from_url = 1;
	} else if (n > 1 && q[0] == '[' && q[n - 1] == ']') {
		h = q + 1;
		n -= 2;
	}
	if (mp_ip_parse(h, n, &out->addr, &fam) == MP_OK) {
		out->kind = fam == 4 ? MP_Q_IP4 : MP_Q_IP6;
		return MP_OK;
	}
	if (!out->from_url && n > 2 && strncasecmp(h, "AS", 2) == 0 &&
	    isdigit((unsigned char)h[2])) {
		unsigned long long v = 0;

		for (i = 2; i < n; i++) {
			if (!isdigit((unsigned char)h[i]) || i > 12)
				return mp_error_set(err, MP_EINPUT,
				    "\"%.40s\" is not an AS number (AS0 to AS4294967295)", h);
			v = v * 10 + (unsigned)(h[i] - '0');
		}
		if (v > 0xffffffffULL)
			return mp_error_set(err, MP_EINPUT,
			    "\"%.40s\" is not an AS number (AS0 to AS4294967295)", h);
		out->kind = MP_Q_ASN;
		out->asn = (uint32_t)v;
		return MP_OK;
	}
	if (mp_domain_norm(h, n, out->domain, sizeof(out->domain)) == MP_OK) {
		out->kind = MP_Q_DOMAIN;
		return MP_OK;
	}
	return mp_error_set(err, MP_EINPUT,
	    "\"%.200s\" is neither an IP address, an AS number (AS64500), a domain nor a URL", q);
}
