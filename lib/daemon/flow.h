/*
 * NAME
 *	flow - which way a message goes through the clearinghouse
 * DESCRIPTION
 *	Decided at RCPT time, one recipient at a time:
 *	  intake    a recipient is one of IntakeAddress (a report coming in);
 *	  outbound  the envelope sender is in ProtectedDomains (mail that
 *		    speaks as the clearinghouse);
 *	  bounce    a recipient is BounceAddress or its tagged form
 *		    (bounceflow.h): returned mail;
 *	  other     anything else: passed on untouched.
 *	Intake wins over bounce, bounce over outbound: once a message has an
 *	intake recipient it is handled as a report whoever sent it.
 *
 *	  reply     an answer to a notification. Not decided here: whether
 *		    a message is one takes its header and the state DB (is
 *		    the notification it names still known?), so it is decided
 *		    at end of message, by replyflow.h, before any report
 *		    parser runs. The envelope's flow stays what RCPT and EOH
 *		    said (it decides what is buffered); the plan's `flow`
 *		    (plan.h) is the flow the message took, reply included,
 *		    and is what the log line and the counters say.
 *
 *	At end of header, mp_flow_eoh() promotes: a message that is "other"
 *	by its envelope but has a From address in ProtectedDomains becomes
 *	outbound, so that its body is kept for signing (and the identity
 *	check at end of message decides whether it may speak as that domain).
 *	The envelope (envelope.h) asks both as the facts arrive; nothing else
 *	decides the flow.
 */
#ifndef MP_FLOW_H
#define MP_FLOW_H

#include <stddef.h>

#include "conf.h"

enum mp_flow {
	MP_FLOW_OTHER = 0,
	MP_FLOW_OUTBOUND,
	MP_FLOW_INTAKE,
	MP_FLOW_BOUNCE,
	MP_FLOW_REPLY,		/* only ever set by mp_eom_decide() in a plan */
};

const char *mp_flow_name(enum mp_flow flow);

/*
 * `sender` and `rcpt` are normalized addresses (addr.h); `current` is the
 * flow decided from earlier recipients of the same message.
 */
enum mp_flow mp_flow_classify(const struct mp_conf *conf, const char *sender,
    const char *rcpt, enum mp_flow current);

/* `from` are the message's first `nfrom` From fields as read at EOH. */
struct mp_from_read;
enum mp_flow mp_flow_eoh(const struct mp_conf *conf, enum mp_flow current,
    const struct mp_from_read *from, size_t nfrom);

#endif
