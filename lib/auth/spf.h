/*
 * NAME
 *	spf - SPF check of a reporter's envelope sender (libspf2), time-boxed
 * SYNOPSIS
 *	#include "spf.h"
 * DESCRIPTION
 *	mp_spf_check() evaluates SPF (RFC 7208) for a client IP address, HELO
 *	name and envelope sender, and answers pass, fail, softfail, neutral,
 *	none, permerror or RETRY. RETRY covers temperror and every DNS
 *	problem, including a check that ran out of time: a DNS problem is
 *	never a pass and never a fail; the milter turns it into a tempfail.
 *
 *	Time budget. Postfix gives a milter milter_command_timeout (30 s) per
 *	command, and SPF may need up to ~20 DNS queries. Each check gets a
 *	budget (SPFTimeout, default MP_SPF_BUDGET_DEFAULT ms), enforced twice:
 *	1. a DNS layer of ours sits above libspf2's resolver and answers
 *	   TRY_AGAIN (so libspf2 ends in temperror) to every query asked
 *	   after the deadline;
 *	2. the check runs in a worker thread; the caller waits at most the
 *	   budget (plus MP_SPF_GRACE_MS) and then answers RETRY, whatever a
 *	   stuck resolver call inside libspf2 does. An abandoned worker
 *	   finishes on its own, bounded by the resolver's per-query timeout,
 *	   which mp_spf_resolver_setup() sets (RES_OPTIONS timeout/attempts,
 *	   read by res_ninit() in each worker thread) - libspf2 has no API for
 *	   it. At most MP_SPF_MAX_INFLIGHT workers run at once; beyond that
 *	   a check answers RETRY at once rather than pile up threads.
 *	Our layer also answers the obsolete SPF RR type (99) with NODATA
 *	itself: RFC 7208 dropped it, and asking halves the queries libspf2
 *	1.2.10 would make.
 *
 *	Threads. libspf2's resolver keeps a thread-local res_state
 *	(pthread_key, res_ninit), and an SPF_server_t carries per-check
 *	state; so every check gets its own SPF_server_t in its own thread,
 *	while the DNS layers below (resolver or zone) are shared read-only.
 *
 *	Tests. With a zone (dnszone.h) the answers come from libspf2's own
 *	zone DNS layer (SPF_dns_zone_new/SPF_dns_zone_add_str) filled from
 *	the zone records, never from the network. test_delay_ms makes every
 *	query take that long, so tests can reach the budget.
 *
 *	A loopback client gets libspf2's "localhost is always allowed" pass;
 *	we answer none instead: 127.0.0.1 proves nothing about a sender.
 *
 *	libspf2 aborts the process on some internal errors (SPF_error) and
 *	has open crash reports upstream (github.com/shevek/libspf2 issues
 *	52: a segfault in spf_interpret.c; 15: a use after free); this
 *	module does not
 *	isolate it in a process of its own.
 * THREADS
 *	An mp_spf is immutable after creation; any number of threads may
 *	check with it at once. mp_spf_free() waits for abandoned workers.
 * OWNERSHIP
 *	mp_spf_new() copies what it needs from the options and the zone; the
 *	caller frees the result with mp_spf_free(&s). struct mp_spf_outcome
 *	is caller-owned, fixed size.
 * LIMITS
 *	Budget MP_SPF_BUDGET_MIN..MP_SPF_BUDGET_MAX ms; sender MP_ADDR_MAX
 *	bytes, HELO 255 bytes; MP_SPF_MAX_INFLIGHT workers.
 */
#ifndef MP_SPF_H
#define MP_SPF_H

#include <stddef.h>

#include "dnszone.h"
#include "error.h"

#define MP_SPF_BUDGET_DEFAULT	10000	/* ms: a third of milter_command_timeout */
#define MP_SPF_BUDGET_MIN	10
#define MP_SPF_BUDGET_MAX	25000	/* stay below Postfix's 30 s */
#define MP_SPF_GRACE_MS		50
#define MP_SPF_MAX_INFLIGHT	256
#define MP_SPF_HELO_MAX		255

enum mp_spf_result {
	MP_SPF_NONE = 0,
	MP_SPF_NEUTRAL,
	MP_SPF_PASS,
	MP_SPF_FAIL,
	MP_SPF_SOFTFAIL,
	MP_SPF_PERMERROR,
	MP_SPF_RETRY,		/* temperror, DNS trouble, out of time */
};

struct mp_spf_opts {
	unsigned budget_ms;			/* 0: MP_SPF_BUDGET_DEFAULT */
	const struct mp_dnszone *zone;		/* NULL: real DNS */
	unsigned test_delay_ms;			/* tests only: per query */
};

struct mp_spf_outcome {
	enum mp_spf_result result;
	char domain[256];	/* the domain checked: sender's, else HELO */
	char why[300];		/* "x.example does not designate 192.0.2.1 ..." */
};

struct mp_spf;

struct mp_spf *mp_spf_new(const struct mp_spf_opts *opts, struct mp_error *err);
void mp_spf_free(struct mp_spf **sp);

/*
 * 0 with the outcome (RETRY is an outcome), or MP_EINPUT (ip, helo or
 * sender malformed), MP_ENOMEM, MP_EINTERNAL (no worker thread).
 * `ip` is textual IPv4 or IPv6 (an IPv4-mapped IPv6 address is taken as
 * IPv4); NULL or "" (a local submission) gives none. `sender` is the
 * normalised envelope sender (addr.h), "" for <>: then HELO is checked.
 */
int mp_spf_check(struct mp_spf *s, const char *ip, const char *helo,
    const char *sender, struct mp_spf_outcome *out, struct mp_error *err);

/*
 * Call once at start, before any thread: sets RES_OPTIONS so each
 * resolver query of libspf2 gives up after about `budget_ms` / 2 (one
 * attempt per server, timeout at least 1 s). Keeps other options a user
 * set. 0, or MP_ENOMEM.
 */
int mp_spf_resolver_setup(unsigned budget_ms, struct mp_error *err);

const char *mp_spf_result_name(enum mp_spf_result r);	/* "pass", "retry", ... */

#endif
