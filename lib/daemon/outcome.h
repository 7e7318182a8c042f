/*
 * NAME
 *	outcome - the one vocabulary of how a message ended
 * DESCRIPTION
 *	Every message the milter sees ends in exactly one outcome. The plan
 *	(plan.h) holds it as an enum mp_outcome; its name is what the
 *	X-Meldpunt-Outcome header says on an intake copy, what the counters
 *	are called (stats.h, StatsFile, `meldpunt-milter -s`) and, but for
 *	"passed", what the log line says after outcome=. MP_OUTCOMES is the
 *	one list: the enum, the name table and the counters are all made
 *	from it, so an outcome cannot be added without a name and a counter.
 *
 *	  notified                 a notification went to the routed contacts
 *	  duplicate                every contact was told within RenotifyInterval
 *	  queued                   a list report: its rows recorded as pending
 *	                           for their contacts (pending.h), the original
 *	                           archived with a summary; or a single report
 *	                           whose contacts all asked for digests
 *	                           (pendrow.h)
 *	  quarantined:<reason>     delivered to the review mailbox, with the reason
 *	  signed                   outbound mail, DKIM-signed
 *	  rejected:<reason>        an SMTP 5xx the sender sees
 *	  deferred:rate-limit      a 4xx: a contact has had MaxNoticesPerContact
 *	  bounce:<kind>            mail to BounceAddress (bounceflow.h): hard,
 *	                           soft, auto-reply, unmatched, not-a-bounce;
 *	                           archived
 *	  reply:<kind>             an answer to a notification (replyflow.h):
 *	                           forwarded to ReplyAddress; auto-reply,
 *	                           archived; unforwarded, to the review mailbox
 *	                           for want of a ReplyAddress
 *	  tempfail                 an internal error or a fault: the MTA retries
 *	  passed                   passed on untouched (the log says "-")
 *
 *	mp_outcome_name() gives the name; mp_outcome_log_word() the word of
 *	the log line; mp_outcome_from_name() reads a name back (MP_OK, or
 *	MP_EINPUT for a word that is no outcome).
 */
#ifndef MP_OUTCOME_H
#define MP_OUTCOME_H

/* X(identifier, name): in the order the counters are written. */
#define MP_OUTCOMES(X) \
	X(NOTIFIED,			"notified") \
	X(DUPLICATE,			"duplicate") \
	X(QUEUED,			"queued") \
	X(QUARANTINED_UNAUTHENTICATED,	"quarantined:unauthenticated") \
	X(QUARANTINED_NOT_A_REPORT,	"quarantined:not-a-report") \
	X(QUARANTINED_PARSE_ERROR,	"quarantined:parse-error") \
	X(QUARANTINED_UNROUTED,		"quarantined:unrouted") \
	X(QUARANTINED_TOO_LARGE,	"quarantined:too-large") \
	X(QUARANTINED_MIXED_RECIPIENTS,	"quarantined:mixed-recipients") \
	X(QUARANTINED_RENDER_ERROR,	"quarantined:render-error") \
	X(QUARANTINED_LINK_ONLY,	"quarantined:link-only") \
	X(SIGNED,			"signed") \
	X(SENT,				"sent") \
	X(DISCARDED_REPEAT,		"discarded:repeat") \
	X(REJECTED_IDENTITY,		"rejected:identity") \
	X(REJECTED_TOO_LARGE,		"rejected:too-large") \
	X(REJECTED_UNSIGNABLE,		"rejected:unsignable") \
	X(DEFERRED_RATE_LIMIT,		"deferred:rate-limit") \
	X(TEMPFAIL,			"tempfail") \
	X(PASSED,			"passed") \
	X(BOUNCE_HARD,			"bounce:hard") \
	X(BOUNCE_SOFT,			"bounce:soft") \
	X(BOUNCE_AUTO_REPLY,		"bounce:auto-reply") \
	X(BOUNCE_UNMATCHED,		"bounce:unmatched") \
	X(BOUNCE_NOT_A_BOUNCE,		"bounce:not-a-bounce") \
	X(REPLY_FORWARDED,		"reply:forwarded") \
	X(REPLY_AUTO_REPLY,		"reply:auto-reply") \
	X(REPLY_UNFORWARDED,		"reply:unforwarded")

enum mp_outcome {
#define MP_OUTCOME_ENUM_(id, name) MP_OUTCOME_##id,
	MP_OUTCOMES(MP_OUTCOME_ENUM_)
#undef MP_OUTCOME_ENUM_
	MP_OUTCOME_COUNT
};

/* The name; "" for a value that is no outcome. */
const char *mp_outcome_name(enum mp_outcome o);
/* The word of the log line: the name, or "-" for passed. */
const char *mp_outcome_log_word(enum mp_outcome o);
int mp_outcome_from_name(const char *name, enum mp_outcome *o_r);

#endif
