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
			end = mp_ip_last(first, width - host, fam);
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
