/*
 * NAME
 *	eom - decide what happens to a message at its end
 * DESCRIPTION
 *	mp_eom_decide() turns one message (struct mp_envelope: envelope, flow
 *	and buffered bytes) and the configuration snapshot into a plan
 *	(plan.h) that the milter carries out. Every message loses any
 *	X-Meldpunt-* header a sender put in and gets X-Meldpunt-Flow. Then,
 *	by flow:
 *	  intake    larger than MaximumMessageSize: quarantined:too-large;
 *	  outbound  passed on;
 *	  other     passed on.
 *	Whatever the flow, a message whose envelope sender or header From is
 *	in ProtectedDomains must pass the identity check (identity.h) or it
 *	is rejected with 550 5.7.1 and the reason; when it passes and is not
 *	an intake message, it is DKIM-signed with every configured key.
 *
 *	The flow is decided before (flow.h): a message that is "other" by
 *	its envelope but whose From is in a protected domain became outbound
 *	at end of header, so that its body was kept for signing.
 *	The plan's outcome and reason are what the log line and the
 *	X-Meldpunt-Outcome / X-Meldpunt-Reason headers say.
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
