/*
 * NAME
 *	route_fmt - addresses, prefixes, queries and the key layout of the
 *	routing database, shared by its writer (route_build) and reader (route)
 * DESCRIPTION
 *	Addresses of both families are held as a 128-bit unsigned integer
 *	(mp_u128) with the family's width (32 or 128 bits); an IPv4 address
 *	is the low 32 bits.
 *
 *	Key layout of the GDBM file (version 2). Speed comes from turning the
 *	nested prefixes into disjoint address intervals at compile time, so a
 *	lookup is one binary search in memory plus one or two fetches:
 *	  "M"             meta: MP_ROUTE_MAGIC ("meldpunt-routes 2\n") then
 *	                  "name value" lines
 *	  "I4" / "I6"     page index: the first address of every page, as
 *	                  4 / 16 big-endian bytes each, loaded at open
 *	  "P4"+u32 / "P6"+u32
 *	                  a page: up to MP_ROUTE_PAGE boundaries, each the
 *	                  first address of an interval (4 / 16 bytes) and the
 *	                  route id (u32) that holds from there on (0 = none)
 *	  "R"+u32         a route template shared by every interval with the
 *	                  same decision chain (see below)
 *	  "A"+decimal     the route of an AS number
 *	  "D"+domain      the route of a domain and everything below it that
 *	                  has no key of its own
 *	  "K"+domain      a known reporter: "auth TAB disclose TAB name",
 *	                  auth "spf", "dkim" or "both", disclose "name",
 *	                  "none" or "name+address", name as the source says
 *	                  (may be empty); a bare "auth" (the first files)
 *	                  reads as disclose name, no name
 *	  "N"+address     a contact's notification policy (a normalized
 *	                  address): "interval TAB digest", interval in
 *	                  seconds (0: meldpunt.conf's NotifyInterval),
 *	                  digest 1 or 0
 *	All integers are big-endian.
 *
 *	A route record is text, one line per item, fields separated by TAB:
 *	  W <report types the organisation wants, comma-separated>
 *	  C <rule> <lang> <address> <matched> <why> <interval> <digest>
 *	(interval and digest: the address's policy, as its "N" key says).
 *	In "R" records, "%0" to "%3" in matched and why stand for the
 *	queried address masked to the interval's first to fourth prefix
 *	length (organisation, intermediary, most specific RIPE network, the
 *	RIPE network whose abuse-c is used), so one record serves every
 *	network with the same decision chain; "%I" stands for a note that
 *	the abuse-c was inherited, when the last two lengths differ; "%%"
 *	stands for "%". Values
 *	never hold TAB, CR, LF or control characters.
 *
 *	Versions: a reader opens only its own (MP_ROUTE_VERSION) and says
 *	which it found; the database is compiled from its sources, so the
 *	answer to another version is to compile again. Version 2 added the
 *	contact policy ("N" keys, the last two fields of "C" lines): a
 *	version 1 reader refuses it rather than notify a contact that asked
 *	for digests at once.
 * LIMITS
 *	MP_ROUTE_PAGE boundaries per page; a query of at most MP_QUERY_MAX
 *	bytes; domain names at most 253 bytes.
 */
#ifndef MP_ROUTE_FMT_H
#define MP_ROUTE_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define MP_ROUTE_PAGE 64
#define MP_ROUTE_NLENS 4
#define MP_ROUTE_INLINE 2048
/* Bytes of one page entry of a family. */
#define MP_ROUTE_ENTRY(fam) (((fam) == 4 ? 4 : 16) + 4 + MP_ROUTE_NLENS)
#define MP_ROUTE_VERSION 2
#define MP_ROUTE_MAGIC "meldpunt-routes 2\n"
#define MP_QUERY_MAX 2048
#define MP_PREFIX_STR 64	/* "ffff:...:ffff/128" and more */

enum mp_query_kind { MP_Q_IP4 = 4, MP_Q_IP6 = 6, MP_Q_ASN = 1, MP_Q_DOMAIN = 2 };

struct mp_query {
	enum mp_query_kind kind;
	mp_u128 addr;		/* IP4 / IP6 */
	uint32_t asn;		/* ASN */
	char domain[MP_DOMAIN_MAX + 1];	/* DOMAIN: lower case, no final dot */
	int from_url;		/* the host came out of a URL */
};

/* Addresses, prefixes and domains are mail's (addr.h). */

/*
 * Split the inclusive range first..last into CIDR prefixes, smallest
 * count, ascending. Calls emit() for each; stops at its first non-zero
 * return and passes it on. At most 2 * width prefixes.
 */
int mp_range_split(mp_u128 first, mp_u128 last, int fam,
    int (*emit)(void *arg, mp_u128 start, int len), void *arg);

/*
 * Classify a query: an IP address, "AS64500", a domain, or a URL (its
 * host is used). Returns 0, or MP_EINPUT with a sentence in err.
 */
struct mp_error;
int mp_query_parse(const char *q, struct mp_query *out, struct mp_error *err);

#endif
