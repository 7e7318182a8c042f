/*
 * NAME
 *	addr - envelope and header address helpers
 * DESCRIPTION
 *	mp_addr_normalize() turns an address as an MTA passes it ("<A@B.nl>",
 *	"a@b.nl", with optional spaces) into the canonical form used for
 *	matching: no angle brackets, lower case. It refuses addresses with
 *	control characters, spaces inside, several @ or no domain, because an
 *	address that reaches a routing decision must be exactly one mailbox.
 *	The null sender "<>" normalizes to "".
 *
 *	mp_domain_in() tells whether a domain equals, or is a subdomain of,
 *	one of a list of domains, in any case, with or without trailing dots
 *	("Meldpunt.NL." is meldpunt.nl).
 */
#ifndef MP_ADDR_H
#define MP_ADDR_H

#include <stddef.h>

#define MP_ADDR_MAX 320	/* RFC 5321 64 + 1 + 255, rounded */

/* Returns 0, or MP_EINPUT when `in` is not one plain address. */
int mp_addr_normalize(const char *in, char *out, size_t outsz);

/* The domain part of a normalized address, or "" when there is none. */
const char *mp_addr_domain(const char *norm);

/* 1 when `domain` equals or is below one entry of the NULL-terminated list. */
int mp_domain_in(const char *domain, char *const *list);

/* 1 when normalized `addr` equals one entry of the NULL-terminated list. */
int mp_addr_in(const char *addr, char *const *list);

#endif
