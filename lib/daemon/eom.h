/*
 * NAME
 *	eom - decide what happens to a message at its end
 * DESCRIPTION
 *	mp_eom_decide() turns one message (struct mp_envelope: envelope, flow
 *	and buffered bytes) and the configuration snapshot into a plan
 *	(plan.h) that the milter carries out. Whatever the flow, a message
 *	whose envelope sender or header From is in ProtectedDomains must pass
 *	the identity check (identity.h) or it is rejected with 550 5.7.1 and
 *	the reason (rejected:identity). Then, by flow (flow.h decides it):
 *	  intake    mp_intake_decide() (intake.h) makes the whole plan, its
 *		    X-Meldpunt-* header fields included;
 *	  outbound, other
 *		    any X-Meldpunt-* field a sender put in is deleted and
 *		    X-Meldpunt-Flow added; when the message speaks for a
 *		    protected domain (and passed the check) it is DKIM-signed
 *		    with every configured key (signed, or rejected:too-large /
 *		    rejected:unsignable); else it is passed on.
 *	The plan's outcome (outcome.h) and reason are what the log line says.
 *
 *	A notification of the sender (sender.h, outbox.h) is signed; the
 *	mark that makes a second copy a repeat is the plan's last step
 *	(mp_plan_last), which the milter runs once the plan's changes are
 *	with the MTA, just before its answer.
 *
 *	An internal error (no memory, a database that cannot be read) gives
 *	a tempfail plan: the MTA keeps the message and the sender retries.
 */
#ifndef MP_EOM_H
#define MP_EOM_H

#include "envelope.h"
#include "plan.h"
#include "snapshot.h"

void mp_eom_decide(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan);

#endif
