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
 *
 *	IP addresses and prefixes (the one parser of the tree: reports,
 *	routes, TrustedHosts, SPF and the test DNS zone use it). Both
 *	families are held as a 128-bit unsigned integer (mp_u128) with the
 *	family's width (32 or 128 bits); an IPv4 address is the low 32 bits.
 *	mp_ip_parse() takes what inet_pton(3) takes, IPv4 in dotted quad
 *	only. mp_ip_parse_as() adds, by flag, what the callers that read an
 *	MTA's or a reporter's text need: MP_IP_LITERAL takes "IPv6:x" and
 *	"[x]" (RFC 5321 address literals, Postfix's client address);
 *	MP_IP_UNMAP reads an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the
 *	IPv4 address it is - for a client or a source, where both spellings
 *	are one host; routing sources keep the family they are written in.
 *	A prefix is "addr/len" or a bare address (len = the full width); the
 *	length is 1 to 3 ASCII digits, at most the family's width: no sign,
 *	no blanks (TrustedHosts used to take "/+8" and "/ 8" through
 *	strtoul). Host bits under the prefix are kept; callers mask them.
 *
 *	Domains (the one validator): mp_domain_norm() drops one final dot
 *	and lower-cases; mp_domain_valid() takes no final dot. The rule is a
 *	DNS name in ASCII: labels of 1 to 63 bytes of letters, digits, '-'
 *	and '_' ("_domainkey", "_dmarc"), at most MP_DOMAIN_MAX bytes in all.
 *	Bytes >= 0x80 are refused everywhere: a name in another script is
 *	written as its A-labels ("xn--..."), which is what DNS and the
 *	routing database hold. (The report parser used to let UTF-8 through,
 *	which the router then refused; the IdentityMap and SigningDomain
 *	checks refused '_' and a label over 63 bytes went unnoticed.)
 */
#ifndef MP_ADDR_H
#define MP_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define MP_ADDR_MAX 320	/* RFC 5321 64 + 1 + 255, rounded */

/* Returns 0, or MP_EINPUT when `in` is not one plain address. */
int mp_addr_normalize(const char *in, char *out, size_t outsz);

/* The domain part of a normalized address, or "" when there is none. */
const char *mp_addr_domain(const char *norm);

/* 1 when `domain` equals or is below one entry of the NULL-terminated list. */
int mp_domain_in(const char *domain, char *const *list);

/* 1 when normalized `addr` equals one entry of the NULL-terminated list. */
int mp_addr_in(const char *addr, char *const *list);

/* ---- IP addresses and prefixes ---- */

typedef unsigned __int128 mp_u128;

#define MP_IP_LITERAL	1	/* also "IPv6:x" and "[x]" */
#define MP_IP_UNMAP	2	/* ::ffff:a.b.c.d is IPv4 a.b.c.d */

/* Width in bits of a family (4 or 6). */
static inline int mp_fam_bits(int fam) { return fam == 4 ? 32 : 128; }

/* Parse an IPv4 or IPv6 address; sets *fam to 4 or 6. 0 or MP_EINPUT. */
int mp_ip_parse(const char *s, size_t n, mp_u128 *addr, int *fam);
int mp_ip_parse_as(const char *s, size_t n, int flags, mp_u128 *addr, int *fam);
/* "addr/len" or a bare address (len = full width). 0 or MP_EINPUT. */
int mp_prefix_parse(const char *s, size_t n, mp_u128 *addr, int *len, int *fam);
int mp_prefix_parse_as(const char *s, size_t n, int flags, mp_u128 *addr,
    int *len, int *fam);
mp_u128 mp_ip_mask(mp_u128 a, int len, int fam);
/* Last address of a prefix. */
mp_u128 mp_ip_last(mp_u128 a, int len, int fam);
void mp_ip_format(mp_u128 a, int fam, char *out, size_t outsz);
void mp_prefix_format(mp_u128 a, int len, int fam, char *out, size_t outsz);

/* Big-endian helpers. */
void mp_put_u32(unsigned char *p, uint32_t v);
uint32_t mp_get_u32(const unsigned char *p);
void mp_put_u128(unsigned char *p, mp_u128 v);
mp_u128 mp_get_u128(const unsigned char *p);

/* ---- domains ---- */

#define MP_DOMAIN_MAX 253

/* Normalize a domain into out (lower case, no final dot). 0 or MP_EINPUT. */
int mp_domain_norm(const char *s, size_t n, char *out, size_t outsz);
/* 1 when `s` is a domain name as it stands (no final dot), else 0. */
int mp_domain_valid(const char *s);

#endif
