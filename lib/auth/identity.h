/*
 * NAME
 *	identity - who may speak for a protected domain
 * SYNOPSIS
 *	#include "identity.h"
 * DESCRIPTION
 *	mp_identity_decide() is the pure decision the milter takes at EOH/EOM
 *	for mail whose header From or envelope sender is in ProtectedDomains:
 *	accept it only from a SASL-authenticated user ({auth_authen}) that
 *	IdentityMap allows every protected address of the message, or - when
 *	no SASL user is given - from a TrustedHosts client that came in
 *	through a designated submission service ({daemon_name}). A trusted
 *	address alone (127.0.0.1) is not proof: Postfix shows local
 *	sendmail(1) submissions as coming from localhost. When a SASL user is
 *	given, IdentityMap alone decides: the login is the more precise claim.
 *
 *	Whoever sends, a message that speaks for a protected domain is
 *	rejected when it has several addresses in From, a From that does not
 *	parse, or a display name, comment or address that names a protected
 *	domain while the address is elsewhere ("abuse@meldpunt.nl"
 *	<x@evil.example>, abuse@meldpunt.nl.evil.example).
 *
 *	Two rules hold for every message, protected domain or not, because
 *	what cannot be read cannot be cleared (a reader may see a protected
 *	domain in what we could not parse): more than one From
 *	field is rejected however many there are (nfrom_seen counts the ones
 *	the glue did not keep), and a From that cannot be read - it does not
 *	parse, an encoded word cannot be decoded, raw bytes are not UTF-8 -
 *	is rejected unless the sender may speak for some protected domain
 *	(an IdentityMap user, or a TrustedHosts client through a submission
 *	service); from such a sender it is passed unsigned when it names no
 *	protected domain. Other mail that names no protected domain is
 *	accepted untouched. Every decision carries a sentence saying why; a
 *	reject is meant as "550 5.7.1 <reason>".
 *
 *	"Names a protected domain": the domain's text, with no ASCII letter
 *	or digit right before or after it, in the field read as a person
 *	would - encoded words decoded in their declared charset (iconv via
 *	glib: UTF-7, UTF-16, ISO-8859-x ...), NFKD with accents dropped,
 *	U+3002/U+FF61 as '.', common Cyrillic and Greek look-alikes as Latin
 *	letters, invisible format characters dropped, case ignored, white
 *	space next to '.' and '@' ignored - and also as its raw bytes stand.
 *	tests/fuzz/fuzz-from.c checks this against an independent reading
 *	and against GMime's address parser.
 *
 *	The From parser is mail's (from.h), IdentityMap is idmap.h, TrustedHosts
 *	trusted.h; this module holds the decision over them.
 * OWNERSHIP
 *	The policy and input structs are borrowed; the decision is
 *	caller-owned and fixed size. Pure: call it from any thread (glib's
 *	Unicode functions are thread-safe).
 * LIMITS
 *	Those of the From parser, IdentityMap and TrustedHosts.
 */
#ifndef MP_IDENTITY_H
#define MP_IDENTITY_H

#include <stddef.h>

#include "addr.h"
#include "error.h"
#include "from.h"
#include "idmap.h"
#include "trusted.h"

/* ---- the decision ---- */

struct mp_identity_policy {
	char *const *protected_domains;		/* lower case, NULL-terminated */
	const struct mp_identity_map *map;	/* NULL: no SASL user is allowed */
	const struct mp_netlist *trusted;	/* NULL: no trusted hosts */
	char *const *submission_daemons;	/* {daemon_name} values, NULL-terminated */
};

struct mp_identity_input {
	const char *auth_authen;	/* {auth_authen}; NULL or "" = none */
	const char *daemon_name;	/* {daemon_name} */
	const char *client_addr;	/* textual client address; NULL = unknown */
	const char *envelope_sender;	/* MAIL FROM, raw or normalized */
	const char *const *from;	/* the raw From values kept, in order */
	size_t nfrom;
	size_t nfrom_seen;		/* From fields the message has (>= nfrom;
					   0 = nfrom): more than one is refused */
	const struct mp_from_read *read; /* the same, read (from.h); NULL: the
					   decision reads them itself */
};

enum mp_identity_verdict {
	MP_IDENTITY_ACCEPT = 0,
	MP_IDENTITY_REJECT = 1,
};

struct mp_identity_decision {
	enum mp_identity_verdict verdict;
	int protected;		/* the message speaks for a protected domain */
	char reason[512];	/* a sentence, no control characters */
};

#define MP_IDENTITY_RCODE	"550"
#define MP_IDENTITY_XCODE	"5.7.1"

/* 0 with the decision filled in, or MP_ENOMEM (then tempfail). */
int mp_identity_decide(const struct mp_identity_policy *pol,
    const struct mp_identity_input *in, struct mp_identity_decision *d);

#endif
