/*
 * trusted - see trusted.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "trusted.h"

struct net {
	mp_u128 a;		/* masked to bits */
	int fam;		/* 4 or 6 */
	int bits;
};

struct mp_netlist {
	size_t n;
	struct net net[];
};

/* Postfix's forms of a client address, and one host in either family. */
#define CLIENT	(MP_IP_LITERAL | MP_IP_UNMAP)

int
mp_netlist_add(struct mp_netlist **np, const char *name, const char *text,
    struct mp_error *err)
{
	struct mp_netlist *nl = *np;
	const char *p = text, *s;
	char tok[INET6_ADDRSTRLEN + 16], *slash;
	struct net *n;
	size_t len;
	int rc;

	if (nl == NULL &&
	    (nl = calloc(1, sizeof(*nl) + MP_NETLIST_MAX * sizeof(struct net))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		for (s = p; *s && *s != ' ' && *s != '\t' && *s != ',' && *s != '\n' && *s != '\r'; s++)
			;
		len = (size_t)(s - p);
		if (nl->n == MP_NETLIST_MAX) {
			rc = mp_error_set(err, MP_ELIMIT, "%s: more than %d networks (limit)", name,
			    MP_NETLIST_MAX);
			goto fail;
		}
		if (len >= sizeof(tok)) {
			rc = mp_error_set(err, MP_EINPUT, "%s: \"%.40s...\" is not an address or network",
			    name, p);
			goto fail;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p = s;
		n = &nl->net[nl->n];
		slash = strchr(tok, '/');
		if (mp_ip_parse_as(tok, slash != NULL ? (size_t)(slash - tok) : len, CLIENT,
		    &n->a, &n->fam) != MP_OK) {
			rc = mp_error_set(err, MP_EINPUT, "%s: \"%.*s\" is not an IPv4 or IPv6 address",
			    name, (int)(slash != NULL ? slash - tok : (ptrdiff_t)len), tok);
			goto fail;
		}
		if (mp_prefix_parse_as(tok, len, CLIENT, &n->a, &n->bits, &n->fam) != MP_OK) {
			rc = mp_error_set(err, MP_EINPUT, "%s: \"%s\" has a bad prefix length "
			    "(0 to %d)", name, tok, mp_fam_bits(n->fam));
			goto fail;
		}
		n->a = mp_ip_mask(n->a, n->bits, n->fam);
		nl->n++;
	}
	*np = nl;
	return MP_OK;
fail:
	if (*np == NULL)
		free(nl);
	return rc;
}

struct mp_netlist *
mp_netlist_parse(const char *name, const char *text, struct mp_error *err)
{
	struct mp_netlist *nl = NULL;

	return mp_netlist_add(&nl, name, text, err) == MP_OK ? nl : NULL;
}

void
mp_netlist_free(struct mp_netlist **np)
{
	free(*np);
	*np = NULL;
}

int
mp_netlist_match(const struct mp_netlist *nl, const char *addr)
{
	mp_u128 a;
	int fam;
	size_t i;

	if (nl == NULL || addr == NULL ||
	    mp_ip_parse_as(addr, strlen(addr), CLIENT, &a, &fam) != MP_OK)
		return 0;
	for (i = 0; i < nl->n; i++)
		if (nl->net[i].fam == fam &&
		    mp_ip_mask(a, nl->net[i].bits, fam) == nl->net[i].a)
			return 1;
	return 0;
}
