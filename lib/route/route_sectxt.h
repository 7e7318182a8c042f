/*
 * NAME
 *	route_sectxt - read a security.txt file (RFC 9116)
 * DESCRIPTION
 *	mp_sectxt_parse() takes the text of one security.txt and keeps what
 *	routing needs: the "Contact: mailto:" addresses in order (other
 *	contact URIs are noted in a warning and not used), "Expires" and
 *	"Preferred-Languages" (the first of nl or en listed).
 *
 *	A PGP cleartext-signed file (RFC 4880 section 7) is accepted: the
 *	armour headers and the signature block are skipped and dash-escaped
 *	lines unescaped. The signature is NOT verified; out->is_signed says
 *	it was there.
 *
 *	An expired file (Expires before `now`) parses with out->expired set:
 *	the caller ignores it with a warning. A missing Expires, an unknown
 *	field or a bad line is a warning, not an error; a file without a
 *	mailto: contact is an error (MP_EINPUT).
 *
 *	Pure: no I/O, no clock (now is given), no allocation.
 * OWNERSHIP
 *	The caller owns *out, fixed-size.
 * LIMITS
 *	MP_SECTXT_MAX bytes of input, MP_SECTXT_CONTACTS mailto contacts,
 *	MP_SECTXT_WARNINGS warnings kept (more are counted in nwarn_lost).
 */
#ifndef MP_ROUTE_SECTXT_H
#define MP_ROUTE_SECTXT_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "error.h"
#include "route.h"

#define MP_SECTXT_MAX 32768
#define MP_SECTXT_CONTACTS 8
#define MP_SECTXT_WARNINGS 8
#define MP_SECTXT_WARN_LEN 200

struct mp_sectxt {
	size_t ncontacts;
	char contacts[MP_SECTXT_CONTACTS][MP_ADDR_MAX + 1];
	enum mp_lang lang;
	time_t expires;		/* 0 = none given */
	int expired;
	int is_signed;
	size_t nwarn, nwarn_lost;
	char warn[MP_SECTXT_WARNINGS][MP_SECTXT_WARN_LEN];
};

int mp_sectxt_parse(const char *text, size_t len, time_t now, struct mp_sectxt *out,
    struct mp_error *err);

#endif
