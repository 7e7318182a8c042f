/*
 * NAME
 *	bounceflow - mail that came back to BounceAddress: classified, matched
 *	to its notification and contact, counted, archived
 * DESCRIPTION
 *	flow.c makes a message whose recipient is BounceAddress, or its
 *	local part with BounceDelimiter and a tag (the notice id), flow
 *	"bounce". mp_bounce_is_addr() is that test.
 *
 *	mp_bounceflow_decide(), at end of message:
 *	  1. classifies the message (bounce.h, mp_bounce_classify);
 *	  2. finds the notification: the tag of the recipient it came to,
 *	     else the X-Meldpunt-Id the bounce returned; its notice record
 *	     (notices.h) names the contacts;
 *	  3. finds the contact: a failed recipient of the DSN that is one of
 *	     the notice's contacts, else the notice's only contact;
 *	  4. for a hard bounce routes the notice's incident (its type and
 *	     source) again, the bounced address passed over whatever its
 *	     health and every other as intake does, and records it as a
 *	     pending row (pendrow.h) for the contacts of the tier that
 *	     answers, for the sender to notify: "re-notified (queued for the
 *	     sender) to ADDR [rule matched]" in the reason; or says why not:
 *	     no RoutingDB, no contact left (with the skipped ones), a
 *	     contact of the same notice had it, a contact was told within
 *	     RenotifyInterval;
 *	  5. then adds the bounce to the contact's health record (health.h)
 *	     and says in the reason whether the address is now unreachable
 *	     (BounceLimit within BounceWindow). The rows are recorded before
 *	     the bounce is counted, so the same DSN again -- its notice
 *	     already in the health record -- is neither counted nor
 *	     re-notified twice ("the same bounce again");
 *	  6. delivers the message to ArchiveAddress instead of the bounce
 *	     recipients (without ArchiveAddress: to them, the bounce
 *	     mailbox) -- never to a person, never dropped; what is not
 *	     returned mail at all (bounce:not-a-bounce) stays with its own
 *	     recipients, as before the bounce flow -- with
 *	     X-Meldpunt-Flow, -Outcome, -Reason and, when matched, -Id.
 *	Outcomes (outcome.h): bounce:hard, bounce:soft, bounce:auto-reply
 *	(matched or not), bounce:unmatched (a hard or soft bounce no notice
 *	or contact was found for), bounce:not-a-bounce.
 *	A state DB or a RoutingDB that cannot answer is a tempfail (the MTA
 *	keeps the bounce); what a tempfailed plan recorded (the bounce, the
 *	pending rows, the seen records of the re-notified contacts) is taken
 *	back, and the seen records are made final once the MTA took it.
 */
#ifndef MP_BOUNCEFLOW_H
#define MP_BOUNCEFLOW_H

#include "conf.h"
#include "envelope.h"
#include "plan.h"
#include "snapshot.h"

/* 1 when normalized `rcpt` is BounceAddress or one of its tagged forms. */
int mp_bounce_is_addr(const struct mp_conf *conf, const char *rcpt);

void mp_bounceflow_decide(const struct mp_snapshot *snap,
    const struct mp_envelope *env, struct mp_plan *plan);

#endif
