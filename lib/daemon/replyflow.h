/*
 * NAME
 *	replyflow - a person's answer to a notification: recognised before
 *	any report parser, forwarded to the helpdesk; auto-replies archived
 * DESCRIPTION
 *	A notification's Message-ID is <notice id@Identity domain> (notify.h;
 *	notice ids are "MP-" and 26 base32 characters), its Subject starts
 *	with "[Meldpunt #TICKET]" (ticket.h) and its Reply-To is ReplyAddress,
 *	the helpdesk. Most answers therefore go to the helpdesk directly;
 *	those that reach another clearinghouse address must not be taken for
 *	a report (intake would quarantine them as not-a-report) or lost in
 *	the bounce mailbox.
 *
 *	mp_reply_is_addr() says whether a recipient is a clearinghouse
 *	address: an IntakeAddress, the Identity address, BounceAddress or its
 *	tagged form (bounceflow.h), or ReplyAddress.
 *
 *	mp_replyflow_decide(), at end of message, after the identity check
 *	and before intake, says whether the message is a reply. It is not
 *	(0, the plan untouched: the message takes its own flow) unless
 *	  - every recipient is a clearinghouse address (a reply with another
 *	    recipient is that recipient's mail too: it is left alone);
 *	  - its header was kept (not larger than MaximumMessageSize) and reads
 *	    as MIME (message.h);
 *	  - In-Reply-To or References name a notification's Message-ID (the
 *	    Identity domain, or a ProtectedDomains one for notifications made
 *	    under an earlier Identity), or the Subject (RFC 2047 decoded)
 *	    carries a ticket; and
 *	  - the state DB still knows that notification (notices.h, tickets.h;
 *	    MP_NOTICE_KEEP): ids that match nothing are not a reply.
 *	The first id that is known wins: In-Reply-To, then References, then
 *	the ticket. A reply is then (1, the plan decided):
 *	  reply:auto-reply   the message is automatic: an RFC 3834
 *			     Auto-Submitted other than "no", X-Autoreply and
 *			     friends, Precedence auto_reply, a vacation
 *			     Subject, a challenge-response request, or an
 *			     RFC 3464 delivery status notification, as
 *			     bounce.h classifies returned mail; delivered to
 *			     ArchiveAddress (without it, to its own recipients);
 *	  reply:forwarded    a person's answer: delivered to ReplyAddress
 *			     alone instead of its own recipients;
 *	  reply:unforwarded  the same without a ReplyAddress: delivered to
 *			     QuarantineAddress, the review mailbox (without it,
 *			     to its own recipients), the reason saying so;
 *	  tempfail	     the state DB cannot answer, or no memory: the MTA
 *			     keeps the message and the sender retries.
 *	Every X-Meldpunt-* field the sender put in is removed first; then
 *	X-Meldpunt-Flow: reply, -Outcome, -Reason, -Notice (the notice id),
 *	-Ticket (when the notification had one), one -Contact per contact it
 *	went to ("address [rule matched]") and -Report ("type source") are
 *	appended. The plan's flow is MP_FLOW_REPLY, its notice_id the
 *	notice's. Nothing is recorded: there is nothing to take back.
 *
 *	The caller (eom.c) asks only for mail that does not speak for a
 *	protected domain (the clearinghouse's own mail keeps its rules), and,
 *	for mail to the bounce address alone, only once bounceflow.h found
 *	it is not returned mail.
 * LIMITS
 *	MP_REPLY_IDS notification ids per message are looked up; the header
 *	is read under message.h's limits (one field at most
 *	MP_ENV_HEADER_MAX). A reply whose header does not read is not a reply.
 *	XXX A message whose only automatic sign is the text of an MTA's
 *	failure notice (bounce.h, MP_BSIG_MTA_TEXT) is forwarded, not
 *	archived: a person may paste a bounce into an answer without '>',
 *	and a person's words must reach the helpdesk. (Bounces go to the
 *	notification's return path, the bounce flow, not here.)
 */
#ifndef MP_REPLYFLOW_H
#define MP_REPLYFLOW_H

#include "conf.h"
#include "envelope.h"
#include "plan.h"
#include "snapshot.h"

#define MP_REPLY_IDS	8

/* The header fields a forwarded reply carries (and a sender's are removed). */
#define MP_HDR_NOTICE	"X-Meldpunt-Notice"
#define MP_HDR_TICKET	"X-Meldpunt-Ticket"
#define MP_HDR_CONTACT	"X-Meldpunt-Contact"
#define MP_HDR_REPORT	"X-Meldpunt-Report"

/* 1 when normalized `rcpt` is a clearinghouse address (see above). */
int mp_reply_is_addr(const struct mp_conf *conf, const char *rcpt);

/* 1 when the message is a reply and `plan` decides it; 0 when it is not
 * (the plan untouched). */
int mp_replyflow_decide(const struct mp_snapshot *snap,
    const struct mp_envelope *env, struct mp_plan *plan);

#endif
