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
 *	mp_from_parse() is a strict RFC 5322 (3.4, 3.6.2) mailbox-list
 *	parser: quoted strings, nested comments, folding; no group syntax, no
 *	empty list members, no bare CR or LF, no control characters. Display
 *	names and comments are collected (RFC 2047 encoded words decoded in
 *	their charset into UTF-8, any control character turned into '?') so
 *	the pretence check can see them; an encoded word that cannot be
 *	decoded or 8-bit text that is not UTF-8 is a parse error.
 *
 *	IdentityMap file: one SASL user a line, then the addresses
 *	("abuse@meldpunt.nl") and whole domains ("@meldpunt.nl", that domain
 *	only, not its subdomains) it may use, separated by commas or white
 *	space; '#' starts a comment. See meldpunt-identity(5).
 *	TrustedHosts: IPv4/IPv6 addresses or networks ("10.1.0.0/16",
 *	"2001:db8::/32"), separated by commas or white space.
 * OWNERSHIP
 *	Parsers return objects the caller frees with mp_identity_map_free(&m),
 *	mp_netlist_free(&n); mp_from_parse() fills a caller-owned struct
 *	mp_from released by mp_from_clear(). The policy and input structs
 *	are borrowed; the decision is caller-owned and fixed size.
 *	All of it is immutable after parsing: share it between threads
 *	(glib's g_convert and Unicode functions are thread-safe).
 * LIMITS
 *	From value MP_FROM_MAX bytes, MP_FROM_MAX_MAILBOXES mailboxes,
 *	comments nested MP_FROM_MAX_DEPTH deep. IdentityMap: MP_IDMAP_MAX
 *	bytes, MP_IDMAP_LINE_MAX bytes a line, MP_IDMAP_MAX_USERS users,
 *	MP_IDMAP_MAX_VALUES values a user, user names MP_IDMAP_USER_MAX
 *	bytes. TrustedHosts: MP_NETLIST_MAX networks.
 */
#ifndef MP_IDENTITY_H
#define MP_IDENTITY_H

#include <stddef.h>

#include "addr.h"
#include "error.h"

#define MP_FROM_MAX		8192
#define MP_FROM_MAX_MAILBOXES	64
#define MP_FROM_MAX_DEPTH	8
#define MP_IDMAP_MAX		(4 * 1024 * 1024)
#define MP_IDMAP_LINE_MAX	4096
#define MP_IDMAP_MAX_USERS	100000
#define MP_IDMAP_MAX_VALUES	256
#define MP_IDMAP_USER_MAX	256
#define MP_NETLIST_MAX		1024

/* ---- From: parsing ---- */

struct mp_mailbox {
	char addr[MP_ADDR_MAX + 1];	/* normalized (addr.h), lower case */
	char *display;			/* display name and comments, decoded; "" if none */
};

struct mp_from {
	size_t n;
	struct mp_mailbox *mbox;
};

/* 0, or MP_EINPUT / MP_ELIMIT with the reason; `out` is cleared first. */
int mp_from_parse(const char *value, size_t len, struct mp_from *out,
    struct mp_error *err);
void mp_from_clear(struct mp_from *f);

/* ---- IdentityMap ---- */

struct mp_identity_map;

struct mp_identity_map *mp_identity_map_load(const char *path, struct mp_error *err);
struct mp_identity_map *mp_identity_map_parse(const char *name, const char *text,
    size_t len, struct mp_error *err);
void mp_identity_map_free(struct mp_identity_map **mp);
size_t mp_identity_map_count(const struct mp_identity_map *m);

/* MP_FOUND when `user` may use normalized `addr`; MP_NOTFOUND otherwise. */
enum mp_lookup mp_identity_map_allows(const struct mp_identity_map *m,
    const char *user, const char *addr);

/* ---- TrustedHosts ---- */

struct mp_netlist;

struct mp_netlist *mp_netlist_parse(const char *name, const char *text,
    struct mp_error *err);
void mp_netlist_free(struct mp_netlist **np);
/* 1 when the textual address (IPv4, IPv6, "IPv6:..." or [..]) is listed. */
int mp_netlist_match(const struct mp_netlist *n, const char *addr);

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
