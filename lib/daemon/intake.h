/*
 * NAME
 *	intake - one report in: a notification, or another visible state, out
 * DESCRIPTION
 *	mp_intake_decide() takes an intake message (envelope.h) and fills in
 *	the plan (plan.h) for it, in this order:
 *
 *	  too large          quarantined:too-large
 *	  other recipients   quarantined:mixed-recipients (a milter cannot
 *	                     split a message: reports go to the intake address
 *	                     in a message of their own)
 *	  authenticate       SPF + DKIM against the known-reporter records
 *	                     (reporter_auth.h): quarantined:unauthenticated
 *	  parse              quarantined:not-a-report / parse-error
 *	  route              quarantined:unrouted
 *	  dedup, flood       duplicate (to ArchiveAddress when set), or a 4xx
 *	                     when a contact has had MaxNoticesPerContact this
 *	                     hour (but a digest contact: below)
 *	  digest             the contacts whose routing record asks for
 *	                     digests (route.h) get the report as a pending
 *	                     row for the sender (pendrow.h) instead; when
 *	                     nobody else is told: queued (to ArchiveAddress
 *	                     when set), the reason naming them
 *	  render             quarantined:render-error
 *	  notified           the original header is replaced by the
 *	                     notification's, the body by its body; the intake
 *	                     recipients by the routed contacts; the envelope
 *	                     sender by BounceAddress; DKIM-signed. The
 *	                     log's reason names the digest contacts too;
 *	                     the notification never does.
 *
 *	A quarantined message is delivered unchanged to QuarantineAddress
 *	(when set; else to its own recipients) with X-Meldpunt-Outcome and
 *	X-Meldpunt-Reason. Any internal trouble (routing or state DB not
 *	readable, DNS trouble while authenticating, no memory) is a tempfail:
 *	the sender retries; nothing is dropped and nobody wrong is told.
 *
 *	Contacts: of the route's contacts (route.h, most specific first) the
 *	notification goes to those of the first rule that has any, in the
 *	order org, securitytxt, intermediary, abuse-c. An organisation that
 *	listed the report types it wants and not this one is passed over,
 *	with its security.txt contact: the intermediary or network owner is
 *	told instead. A contact address that is unreachable (BounceLimit
 *	hard bounces within BounceWindow, health.h) is skipped; a rule
 *	whose contacts are all skipped gives way to the next (route.h,
 *	mp_route_pick), and the reason says "skipped: ADDR [rule]
 *	unreachable since ... (N bounces)". No contact left is
 *	quarantined:unrouted with that reason.
 *
 *	Intake writes its own header fields: unless the plan replaced the
 *	whole header (plan.h, headers_replaced), the sender's X-Meldpunt-*
 *	fields (and X-Meldpunt-Warnings) are deleted; then X-Meldpunt-Flow:
 *	intake and X-Meldpunt-Outcome (outcome.h) are appended, and on any
 *	copy but a notification X-Meldpunt-Reason and X-Meldpunt-Warnings
 *	when there is one. A notification's DKIM signatures cover the two
 *	fields appended after its own.
 */
#ifndef MP_INTAKE_H
#define MP_INTAKE_H

#include "envelope.h"
#include "plan.h"
#include "snapshot.h"

void mp_intake_decide(const struct mp_snapshot *snap,
    const struct mp_envelope *env, struct mp_plan *plan);

#endif
