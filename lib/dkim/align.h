/*
 * NAME
 *	align - whether a DKIM signing domain speaks for a domain
 * SYNOPSIS
 *	#include "align.h"
 * DESCRIPTION
 *	mp_dkim_aligned() is the one alignment rule of the tree, for the
 *	three places that ask: a reporter's signature at intake (d= against
 *	the reporter's domain), meldpunt-verify (d= against From) and the
 *	configuration check (SigningDomain against the Identity's domain).
 *
 *	`d` aligns with `domain` when the two are the same name, or one is
 *	below the other and the shorter of the two has at least two labels:
 *	DMARC's relaxed alignment (RFC 7489 3.1.1) with "the shorter name
 *	has two labels" standing in for the organizational domain, so that a
 *	signature by "nl" never speaks for meldpunt.nl. Case and one final
 *	dot are ignored; a name with control characters, blanks or bytes >=
 *	0x80 aligns with nothing. (The copies disagreed: meldpunt-verify and
 *	the configuration let any parent align, "nl" included, but not a
 *	subdomain; intake let a subdomain align and a parent of two labels.)
 *	XXX a public suffix of two labels ("co.uk") still counts as an
 *	organization: meldpunt carries no public suffix list.
 * OWNERSHIP
 *	None: pure, thread-safe.
 * LIMITS
 *	Names up to 253 bytes; longer ones align with nothing.
 */
#ifndef MP_ALIGN_H
#define MP_ALIGN_H

/* 1 when d= `d` aligns with `domain`, else 0 (NULL aligns with nothing). */
int mp_dkim_aligned(const char *d, const char *domain);

#endif
