/*
 * NAME
 *	reporter_auth - is this report really from the reporter it claims?
 * SYNOPSIS
 *	#include "reporter_auth.h"
 * DESCRIPTION
 *	mp_reporter_decide() is the pure decision the milter takes at EOM
 *	for intake mail (is the report from the reporter it claims to be
 *	from?), from facts gathered elsewhere:
 *	the known-reporter record of the routing database (which of SPF and
 *	DKIM the reporter must pass), the SPF outcome for the envelope
 *	sender (spf.h) and the DKIM results (verify.h). It answers PASS,
 *	FAIL with a sentence (the milter quarantines the report as
 *	quarantined:unauthenticated, never forwards it) or RETRY (DNS or
 *	database trouble: a tempfail, never a pass, never a fail).
 *
 *	The reporter domain is the domain of the known-reporter record that
 *	matched (the registered domain, e.g. "cert.example" for From
 *	"reports@feeds.cert.example"). The caller looks the record up by the
 *	From domain (the identity the report shows), or by the envelope
 *	sender's domain when there is no From domain. A From domain outside
 *	the reporter domain fails: the report would show an identity nobody
 *	vouched for.
 *
 *	Alignment. SPF counts only when it passes and the envelope sender's
 *	domain is the reporter domain or below it. A DKIM signature counts
 *	only when it verifies, signs the whole body (no l=), and its d= is
 *	the reporter domain, below it, or a parent of it with at least two
 *	labels ("cert.example" signs for "feeds.cert.example"; "example"
 *	does not): mp_dkim_aligned() (align.h), the one rule. This is DMARC's relaxed alignment without a public suffix
 *	list: without one the organisational domain cannot be found, so we
 *	accept only the parent chain, which the key owner controls anyway.
 *	Look-alikes ("cert.example.evil", "evilcert.example") never align.
 *
 *	Unknown reporters (no record) follow UnknownReporters: quarantine
 *	(the default: the clearinghouse must never sign words an attacker
 *	chose, and an unknown sender is exactly that) or accept (PASS,
 *	unless SPF fails outright for the sender's domain - a plain forgery).
 *
 *	RETRY. A required method that did not pass, but whose answer was a
 *	DNS problem (SPF retry for an aligned sender, or an aligned DKIM
 *	signature whose key could not be fetched), makes RETRY - unless
 *	another required method failed for certain, which is FAIL.
 *	A fault (spf_fault, dkim_fault: no memory, no worker thread, a
 *	library's internal error, a failing key lookup) makes RETRY whatever
 *	else is known, with the fault in the reason: a check that did not
 *	run says nothing about the reporter, and a verdict taken without it
 *	could quarantine a good report or pass a forged one.
 * OWNERSHIP
 *	Inputs are borrowed; the decision is caller-owned and fixed size.
 *	Pure: no allocation, no I/O, no globals.
 */
#ifndef MP_REPORTER_AUTH_H
#define MP_REPORTER_AUTH_H

#include <stddef.h>

#include "error.h"
#include "spf.h"
#include "verify.h"

/* enum mp_reporter_auth comes with the routing database (route.h). */
#if defined(__has_include)
#if __has_include("route.h")
#include "route.h"
#define MP_HAVE_ROUTE_H 1
#endif
#endif
#ifndef MP_HAVE_ROUTE_H
enum mp_reporter_auth {
	MP_AUTH_SPF = 1,
	MP_AUTH_DKIM = 2,
	MP_AUTH_BOTH = 3,	/* SPF and DKIM */
};
#endif

enum mp_unknown_policy {
	MP_UNKNOWN_QUARANTINE = 0,	/* default */
	MP_UNKNOWN_ACCEPT,
};

enum mp_reporter_verdict {
	MP_REPORTER_PASS = 0,
	MP_REPORTER_FAIL,
	MP_REPORTER_RETRY,
};

struct mp_reporter_facts {
	const char *env_sender;		/* normalised (addr.h), "" for <> */
	const char *from_domain;	/* header From domain, "" if none */
	enum mp_lookup known;		/* record lookup: FOUND/NOTFOUND/RETRY */
	enum mp_reporter_auth required;	/* when FOUND */
	const char *reporter_domain;	/* when FOUND: the record's domain */
	const struct mp_spf_outcome *spf;	/* NULL: SPF was not checked */
	const char *client_ip;		/* for the reason sentence */
	const struct mp_verify_result *dkim;	/* NULL: no DKIM results */
	enum mp_unknown_policy unknown;
	/*
	 * A check that could not run at all: its error code (MP_ENOMEM,
	 * MP_EINTERNAL, MP_ERETRY) and words; 0 when it ran (or was refused
	 * for malformed input, which is no fault: then spf/dkim is NULL).
	 */
	int spf_fault;
	const char *spf_fault_why;
	int dkim_fault;
	const char *dkim_fault_why;
};

#define MP_REPORTER_REASON_MAX 400

struct mp_reporter_decision {
	enum mp_reporter_verdict verdict;
	char passed[16];	/* what proved it: "spf", "dkim", "spf+dkim", "" */
	char reason[MP_REPORTER_REASON_MAX];	/* one or two sentences */
};

void mp_reporter_decide(const struct mp_reporter_facts *f,
    struct mp_reporter_decision *d);

/* 1 when `domain` is `reporter` or below it (case-insensitive). */
int mp_reporter_within(const char *domain, const char *reporter);

const char *mp_reporter_verdict_name(enum mp_reporter_verdict v);
const char *mp_unknown_policy_name(enum mp_unknown_policy p);
/* "quarantine"/"accept" (case-insensitive): 0, or MP_EINPUT. */
int mp_unknown_policy_parse(const char *s, enum mp_unknown_policy *p);

#endif
