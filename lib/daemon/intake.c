/*
 * intake - see intake.h
 *
 * Each step either hands on to the next or ends the message in one
 * visible state through quarantine(), duplicate(), tempfail() or
 * notified(). Nothing here talks to the MTA: the plan is carried out by
 * the milter, and rolled back (state DB records taken back) when it
 * cannot be.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "buf.h"
#include "conf.h"
#include "feed.h"
#include "health.h"
#include "identity.h"
#include "intake.h"
#include "listseen.h"
#include "message.h"
#include "notices.h"
#include "notify.h"
#include "pending.h"
#include "pendrow.h"
#include "report.h"
#include "reporter_auth.h"
#include "route.h"
#include "seen.h"
#include "sign.h"
#include "spf.h"
#include "statedb.h"
#include "tickets.h"
#include "verify.h"

/* On the archived or quarantined copy of a report: what it lacked. */
#define MP_HDR_WARNINGS	"X-Meldpunt-Warnings"

/* What one message needs while it is decided. */
struct intake {
	const struct mp_snapshot *snap;
	const struct mp_conf *conf;
	const struct mp_envelope *env;
	struct mp_plan *plan;
	struct mp_report *report;
	char query[MP_ROUTE_MATCHED];	/* what was routed: IP, domain, AS */
	struct mp_route route;
	const struct mp_route_contact *to[MP_ROUTE_CONTACTS];
	size_t nto;
	struct mp_route_pick pick;	/* with the contacts skipped as unreachable */
	char skipped[512];		/* "; skipped: ADDR [rule] why; ..." or "" */
	/* Contacts that asked for digests (route.h): queued, not notified. */
	const struct mp_route_contact *dig[MP_ROUTE_CONTACTS];
	size_t ndig;
	char queued[512];		/* "ADDR [rule matched], ..." or "" */
	/* The known-reporter record, for what the notification may say about
	 * the reporter (route.h, disclose); zero (disclose name, no name)
	 * for an unknown reporter. */
	struct mp_route_reporter rep;
	struct list_summary *list;	/* a list report's summary fields */
	char ticket[MP_TICKET_MAX];	/* the notification's ticket, or "" */
};

/* State DB records made for this message, to take back on failure. */
struct marks {
	struct mp_statedb *sdb;
	time_t at;
	size_t n;
	struct { char *type, *source, *contact; } m[MP_ROUTE_CONTACTS];
	char notice[MP_NOTICE_ID_MAX];	/* the notice record made, "" if none */
	struct feed_marks *feed;	/* a list report's records */
	uint64_t digest;		/* the digest rows' key (pendrow.h), 0 none */
};

_Static_assert(MP_ROUTE_CONTACTS <= MP_NOTICE_CONTACTS,
    "a notice record holds every routed contact");

static void feed_marks_undo(struct marks *mk);
static void feed_marks_commit(struct marks *mk);
static void feed_marks_free(struct marks *mk);

static void
marks_clear(struct marks *mk)
{
	size_t i;

	for (i = 0; i < mk->n; i++) {
		free(mk->m[i].type);
		free(mk->m[i].source);
		free(mk->m[i].contact);
	}
	mk->n = 0;
}

static void
marks_undo(void *arg)
{
	struct marks *mk = arg;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

	if ((seen = mp_statedb_get(mk->sdb, &err)) != NULL) {
		for (i = 0; i < mk->n; i++)
			mp_seen_undo(seen, mk->m[i].type, mk->m[i].source,
			    mk->m[i].contact, mk->at, &err);
		if (mk->notice[0] != '\0')
			mp_notice_forget(seen, mk->notice, &err);
		if (mk->digest != 0)
			(void)mp_pendrow_undo(seen, mk->digest, &err);
	}
	mk->notice[0] = '\0';
	mk->digest = 0;
	marks_clear(mk);
	feed_marks_undo(mk);
}

/* The MTA took the message: the records are final (seen.h). */
static void
marks_commit(void *arg)
{
	struct marks *mk = arg;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

	feed_marks_commit(mk);
	if (mk->n == 0 || (seen = mp_statedb_get(mk->sdb, &err)) == NULL)
		return;
	for (i = 0; i < mk->n; i++)
		mp_seen_commit(seen, mk->m[i].type, mk->m[i].source,
		    mk->m[i].contact, mk->at, &err);
}

static void
marks_free(void *arg)
{
	struct marks *mk = arg;

	marks_clear(mk);
	feed_marks_free(mk);
	mp_statedb_unref(&mk->sdb);
	free(mk);
}

static void
tempfail(struct intake *in, const char *why)
{
	mp_plan_internal(in->plan, why);
}

/* Take the message away from every recipient the MTA gave it. */
static int
drop_rcpts(struct intake *in)
{
	size_t i;
	int rc = MP_OK;

	for (i = 0; rc == MP_OK && i < in->env->nrcpts; i++)
		rc = mp_plan_del_rcpt(in->plan, in->env->rcpts[i]);
	return rc;
}

/* Deliver the message as it is to `addr` (a config key) instead, if set. */
static void
redirect(struct intake *in, const char *addr, const char *key)
{
	char why[64];

	if (addr == NULL)
		return;
	if (drop_rcpts(in) != MP_OK || mp_plan_add_rcpt(in->plan, addr) != MP_OK) {
		snprintf(why, sizeof(why), "cannot redirect to %s", key);
		tempfail(in, why);
	}
}

/* Send the message as it is to the review mailbox, saying why. */
static void
quarantine(struct intake *in, enum mp_outcome outcome, const char *why)
{
	mp_plan_outcome(in->plan, outcome, why);
	redirect(in, in->conf->quarantine_addr, "QuarantineAddress");
}

static int
only_intake_recipients(const struct intake *in)
{
	size_t i;

	for (i = 0; i < in->env->nrcpts; i++)
		if (!mp_addr_in(in->env->rcpts_norm[i], in->conf->intake))
			return 0;
	return 1;
}

/* The domain of the first From address, or "" (not parsed: no domain). */
static void
from_domain(const struct mp_envelope *env, char *out, size_t size)
{
	const struct mp_from_read *r = &env->from_read[0];

	out[0] = '\0';
	if (env->nread == 0 || r->rc != MP_OK)
		return;
	if (r->f.n > 0)
		snprintf(out, size, "%s", mp_addr_domain(r->f.mbox[0].addr));
}

/*
 * Who sent the report, checked against the known-reporter records: 0 to
 * go on, -1 when the message has been quarantined or tempfailed.
 */
static int
authenticate(struct intake *in)
{
	const struct mp_snapshot *snap = in->snap;
	const struct mp_envelope *env = in->env;
	struct mp_reporter_facts f;
	struct mp_reporter_decision d;
	struct mp_spf_outcome spf;
	struct mp_verify_result dkim;
	char fdom[256];
	char spf_why[MP_ERROR_MAX], dkim_why[MP_ERROR_MAX];
	struct mp_error err;
	const char *domain;
	int rc;

	from_domain(env, fdom, sizeof(fdom));
	domain = fdom[0] ? fdom : mp_addr_domain(env->sender);
	memset(&f, 0, sizeof(f));
	f.env_sender = env->sender;
	f.from_domain = fdom;
	f.client_ip = env->client_addr;
	f.unknown = in->conf->unknown_reporters;
	f.known = *domain ? mp_route_reporter_rec(snap->routedb, domain,
	    &in->rep, &err) : MP_NOTFOUND;
	if (f.known == MP_RETRY) {
		tempfail(in, err.msg);
		return -1;
	}
	if (f.known != MP_FOUND)
		memset(&in->rep, 0, sizeof(in->rep));
	f.required = f.known == MP_FOUND ? in->rep.auth : MP_AUTH_BOTH;
	f.reporter_domain = in->rep.domain;
	/*
	 * A check that could not run is a fault, never a verdict about the
	 * reporter (reporter_auth.h). Malformed input (MP_EINPUT: a bad HELO
	 * or sender; MP_ELIMIT: a message DKIM cannot read) is the reporter's
	 * doing: then that method just has no result.
	 */
	rc = mp_spf_check(snap->spf, env->client_addr, env->helo, env->sender,
	    &spf, &err);
	if (rc == MP_OK)
		f.spf = &spf;
	else if (rc != MP_EINPUT) {
		f.spf_fault = rc;
		snprintf(spf_why, sizeof(spf_why), "%s", err.msg);
		f.spf_fault_why = spf_why;
	}
	rc = mp_verify_message(snap->verifier, env->msg.data, env->msg.len,
	    &dkim, &err);
	if (rc == MP_OK)
		f.dkim = &dkim;
	else if (rc != MP_EINPUT && rc != MP_ELIMIT) {
		f.dkim_fault = rc;
		snprintf(dkim_why, sizeof(dkim_why), "%s", err.msg);
		f.dkim_fault_why = dkim_why;
	}
	mp_reporter_decide(&f, &d);
	if (d.verdict == MP_REPORTER_RETRY) {
		/* DNS trouble or a fault: the reporter retries, the reason logs */
		tempfail(in, d.reason);
		return -1;
	}
	if (d.verdict == MP_REPORTER_FAIL) {
		quarantine(in, MP_OUTCOME_QUARANTINED_UNAUTHENTICATED, d.reason);
		return -1;
	}
	return 0;
}

/*
 * A code that says something went wrong here, not in the message: the
 * answer is a tempfail, never a quarantine.
 */
static int
is_fault(int rc)
{
	return rc == MP_ENOMEM || rc == MP_ERETRY || rc == MP_EINTERNAL ||
	    rc == MP_EIO;
}

static int
parse(struct intake *in)
{
	struct mp_error err;
	int rc;

	rc = mp_report_parse_buffer(in->env->msg.data, in->env->msg.len, NULL,
	    &in->report, &err);
	if (rc == MP_OK) {
		/* noted, never a reason to stop (report.h, the one rule) */
		char w[sizeof(in->plan->warnings)];

		mp_report_warnings_text(in->report, w, sizeof(w));
		mp_plan_warnings(in->plan, w);
		return 0;
	}
	if (is_fault(rc))
		tempfail(in, rc == MP_ENOMEM ? "out of memory parsing the report" :
		    err.msg);
	else if (rc == MP_EINPUT) {
		/* not one incident: perhaps a list (list_report) */
		snprintf(in->plan->reason, sizeof(in->plan->reason), "%s",
		    err.msg);
		return 1;
	}
	else
		quarantine(in, MP_OUTCOME_QUARANTINED_PARSE_ERROR, err.msg);
	return -1;
}

/* What the report is about, most precise first. */
static int
pick_query(struct intake *in)
{
	const struct mp_report *r = in->report;

	if (r->source_ip != NULL)
		snprintf(in->query, sizeof(in->query), "%s", r->source_ip);
	else if (r->domain != NULL)
		snprintf(in->query, sizeof(in->query), "%s", r->domain);
	else if (r->url != NULL)
		snprintf(in->query, sizeof(in->query), "%s", r->url);
	else if (r->asn != 0)
		snprintf(in->query, sizeof(in->query), "AS%u", (unsigned)r->asn);
	else
		return -1;
	return 0;
}

/* Contact health (health.h): the routing layer asks, the state DB says. */
static int
contact_health(const char *addr, void *arg, char *why, size_t whylen,
    struct mp_error *err)
{
	struct intake *in = arg;
	struct mp_seen *seen;

	if ((seen = mp_statedb_get(in->snap->statedb, err)) == NULL)
		return -1;
	return mp_health_check(seen, addr, time(NULL), in->conf->bounce_limit,
	    in->conf->bounce_window, why, whylen, err);
}

/*
 * The contacts of the most specific rule that has any reachable
 * (intake.h, route.h mp_route_pick); "skipped: ..." for the reason.
 */
static enum mp_lookup
pick_contacts(struct intake *in, struct mp_error *err)
{
	enum mp_lookup lk;
	size_t i, len = 0;

	lk = mp_route_pick(&in->route, mp_report_type_name(in->report->type),
	    in->snap->statedb != NULL ? contact_health : NULL, in, &in->pick,
	    err);
	in->nto = 0;
	if (lk == MP_FOUND)
		for (i = 0; i < in->pick.nto; i++)
			in->to[in->nto++] = in->pick.to[i];
	in->skipped[0] = '\0';
	for (i = 0; i < in->pick.nskipped && len < sizeof(in->skipped); i++)
		len += (size_t)snprintf(in->skipped + len, sizeof(in->skipped) -
		    len, "%s%s [%s] %s", i ? "; " : "; skipped: ",
		    in->pick.skipped[i].c->address,
		    mp_route_rule_name(in->pick.skipped[i].c->rule),
		    in->pick.skipped[i].why);
	return lk;
}

static int
route(struct intake *in)
{
	const struct mp_snapshot *snap = in->snap;
	struct mp_error err;
	char why[MP_ROUTE_MATCHED + MP_ERROR_MAX + sizeof(in->skipped) + 32];
	enum mp_lookup lk;

	if (pick_query(in) != 0) {
		quarantine(in, MP_OUTCOME_QUARANTINED_UNROUTED, "the report names no IP address, "
		    "domain, URL or AS number");
		return -1;
	}
	if (snap->routedb == NULL) {
		tempfail(in, snap->routedb_why);
		return -1;
	}
	mp_error_clear(&err);
	lk = mp_route_lookup(snap->routedb, in->query, &in->route, &err);
	if (lk == MP_RETRY) {
		tempfail(in, err.msg);
		return -1;
	}
	if (lk == MP_FOUND && pick_contacts(in, &err) == MP_RETRY) {
		tempfail(in, err.msg);
		return -1;
	}
	if (lk == MP_NOTFOUND || in->nto == 0) {
		snprintf(why, sizeof(why), "no contact for %s%s%s%s", in->query,
		    err.msg[0] ? ": " : "", err.msg, in->skipped);
		quarantine(in, MP_OUTCOME_QUARANTINED_UNROUTED, why);
		return -1;
	}
	return 0;
}

static int
mark(struct marks *mk, const char *type, const char *source,
    const char *contact)
{
	size_t i = mk->n;

	mk->m[i].type = strdup(type);
	mk->m[i].source = strdup(source);
	mk->m[i].contact = strdup(contact);
	if (mk->m[i].type == NULL || mk->m[i].source == NULL ||
	    mk->m[i].contact == NULL) {
		free(mk->m[i].type);
		free(mk->m[i].source);
		free(mk->m[i].contact);
		return -1;
	}
	mk->n++;
	return 0;
}

/*
 * The message's fingerprint in the state DB (seen.h): its retry after a
 * crash between record and reply is not a duplicate of itself. FNV-1a:
 * a collision can at worst tell a contact twice.
 */
static uint64_t
fingerprint(const struct mp_envelope *env)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < env->msg.len; i++)
		h = (h ^ (unsigned char)env->msg.data[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

/*
 * Drop the contacts told about this within RenotifyInterval; a contact
 * over its hourly budget makes the whole message wait (4xx). 0 to go on
 * with in->to[] the contacts to tell, -1 when the message is decided.
 */
static int
dedup(struct intake *in, struct marks *mk)
{
	const char *type = mp_report_type_name(in->report->type);
	enum mp_seen_verdict v;
	struct mp_error err;
	struct mp_seen *seen;
	char why[MP_ERROR_MAX];
	size_t i, keep = 0;
	uint64_t fp = fingerprint(in->env);

	if ((seen = mp_statedb_get(in->snap->statedb, &err)) == NULL) {
		tempfail(in, err.msg);
		return -1;
	}
	for (i = 0; i < in->nto; i++) {
		/* A digest contact's rate is the sender's business, as a
		 * list row's: its notifications are the sender's. */
		if (mp_seen_check_and_record_msg(seen, type, in->query,
		    in->to[i]->address, fp, mk->at, in->conf->renotify_interval,
		    in->to[i]->digest ? 0 : in->conf->max_notices, &v,
		    &err) != MP_OK) {
			marks_undo(mk);
			tempfail(in, err.msg);
			return -1;
		}
		if (v == MP_SEEN_RATE_LIMITED) {
			marks_undo(mk);
			snprintf(why, sizeof(why), "meldpunt: %s has had %u "
			    "notifications this hour; try again later",
			    in->to[i]->address, in->conf->max_notices);
			mp_plan_tempfail(in->plan, why);
			mp_plan_outcome(in->plan, MP_OUTCOME_DEFERRED_RATE_LIMIT, why);
			snprintf(in->plan->smtp_xcode, sizeof(in->plan->smtp_xcode),
			    "4.7.1");
			return -1;
		}
		if (v == MP_SEEN_NEW) {
			if (mark(mk, type, in->query, in->to[i]->address) != 0) {
				/* this record was made but cannot be listed */
				mp_seen_undo(seen, type, in->query,
				    in->to[i]->address, mk->at, &err);
				marks_undo(mk);
				tempfail(in, "out of memory");
				return -1;
			}
			in->to[keep++] = in->to[i];
		}
	}
	in->nto = keep;
	return 0;
}

/* Every contact already knows: log it, and archive it when asked to. */
static void
duplicate(struct intake *in)
{
	char why[MP_ERROR_MAX];

	snprintf(why, sizeof(why), "%s about %s was notified to every contact "
	    "within RenotifyInterval (%us)", mp_report_type_name(in->report->type),
	    in->query, in->conf->renotify_interval);
	mp_plan_outcome(in->plan, MP_OUTCOME_DUPLICATE, why);
	redirect(in, in->conf->archive_addr, "ArchiveAddress");
}

/*
 * The contacts that asked for digests (route.h) get the report as a
 * pending row for the sender (pendrow.h) instead of a notification;
 * in->to[] keeps the others. 0 to go on, -1 when tempfailed.
 */
static int
digest(struct intake *in, struct marks *mk)
{
	struct mp_pendrow how;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i, keep = 0, len = 0;

	in->ndig = 0;
	in->queued[0] = '\0';
	for (i = 0; i < in->nto; i++)
		if (in->to[i]->digest)
			in->dig[in->ndig++] = in->to[i];
		else
			in->to[keep++] = in->to[i];
	in->nto = keep;
	if (in->ndig == 0)
		return 0;
	memset(&how, 0, sizeof(how));
	how.msg = fingerprint(in->env);
	how.received = mk->at;
	how.disclose = in->rep.disclose;
	how.reporter = in->rep.domain[0] ? in->rep.domain :
	    in->report->reporter_addr;
	mk->digest = how.msg;	/* a fault half way hides them too */
	if ((seen = mp_statedb_get(in->snap->statedb, &err)) == NULL ||
	    mp_pendrow_record(seen, in->report, in->dig, in->ndig, &how,
	    &err) != MP_OK) {
		marks_undo(mk);
		tempfail(in, err.msg);
		return -1;
	}
	for (i = 0; i < in->ndig && len < sizeof(in->queued); i++)
		len += (size_t)snprintf(in->queued + len, sizeof(in->queued) - len,
		    "%s%s [%s %s]", i ? ", " : "", in->dig[i]->address,
		    mp_route_rule_name(in->dig[i]->rule), in->dig[i]->matched);
	return 0;
}

/* Every contact to tell asked for digests: queued, the report archived. */
static void
queued(struct intake *in)
{
	char why[sizeof(in->queued) + sizeof(in->skipped) + MP_ROUTE_MATCHED + 64];

	snprintf(why, sizeof(why), "%s %s queued for the sender (digest) for %s%s",
	    mp_report_type_name(in->report->type), in->query, in->queued,
	    in->skipped);
	mp_plan_outcome(in->plan, MP_OUTCOME_QUEUED, why);
	redirect(in, in->conf->archive_addr, "ArchiveAddress");
}

/*
 * The notification's ticket (tickets.h): taken from the day's counter
 * now, bound to the notice id in record_notice(). A number taken by a
 * notification that is then not sent is simply skipped. 0, or -1 when
 * the message is decided (tempfail).
 */
static int
take_ticket(struct intake *in, time_t now)
{
	struct mp_error err;
	struct mp_seen *seen;
	int rc;

	in->ticket[0] = '\0';
	if ((seen = mp_statedb_get(in->snap->statedb, &err)) == NULL) {
		tempfail(in, err.msg);
		return -1;
	}
	rc = mp_ticket_next(seen, now, in->ticket, &err);
	if (rc == MP_ELIMIT)		/* the day's numbers used up: none */
		in->ticket[0] = '\0';
	else if (rc != MP_OK) {
		tempfail(in, err.msg);
		return -1;
	}
	return 0;
}

static int
render(struct intake *in, struct mp_notice **np)
{
	const char *langs[MP_ROUTE_CONTACTS], *to[MP_ROUTE_CONTACTS];
	struct mp_notify_conf nc;
	struct mp_error err;
	time_t now = time(NULL);
	size_t i;
	int rc;

	if (take_ticket(in, now) != 0)
		return -1;
	for (i = 0; i < in->nto; i++) {
		to[i] = in->to[i]->address;
		langs[i] = mp_lang_name(in->to[i]->lang);
	}
	memset(&nc, 0, sizeof(nc));
	nc.from_addr = in->conf->identity_addr;
	nc.from_name = in->conf->identity_name;
	nc.website = in->conf->identity_website;
	nc.phone = in->conf->identity_phone;
	nc.to = to;
	nc.nto = in->nto;
	nc.disclose = in->rep.disclose;
	nc.reporter_name = in->rep.name;
	nc.now = now;		/* the Date and the ticket's day agree */
	nc.ticket = in->ticket[0] != '\0' ? in->ticket : NULL;
	nc.reply_to = in->conf->reply_addr;
	rc = mp_notify_render(in->snap->templates, in->report,
	    mp_notify_lang_pick(langs, in->nto), &nc, np, &err);
	if (rc == MP_OK)
		return 0;
	if (is_fault(rc))
		tempfail(in, err.msg);
	else
		quarantine(in, MP_OUTCOME_QUARANTINED_RENDER_ERROR, err.msg);
	return -1;
}

/*
 * The X-Meldpunt fields intake appends for `outcome`, in order: the flow,
 * the outcome and, but on a notification (whose reason names every
 * contact and rule, and whose warnings are about the reporter's report:
 * log only), the reason and warnings. Returns how many (at most
 * MP_TRAILER_MAX).
 */
#define MP_TRAILER_MAX 4
static size_t
trailer(const struct intake *in, enum mp_outcome outcome,
    const char *name[MP_TRAILER_MAX], const char *value[MP_TRAILER_MAX])
{
	const struct mp_plan *plan = in->plan;
	size_t n = 0;

	name[n] = MP_HDR_FLOW, value[n++] = mp_flow_name(MP_FLOW_INTAKE);
	name[n] = MP_HDR_OUTCOME, value[n++] = mp_outcome_name(outcome);
	if (outcome == MP_OUTCOME_NOTIFIED)
		return n;
	if (plan->reason[0] != '\0')
		name[n] = MP_HDR_REASON, value[n++] = plan->reason;
	if (plan->warnings[0] != '\0')
		name[n] = MP_HDR_WARNINGS, value[n++] = plan->warnings;
	return n;
}

/* The notice's own header fields, then its DKIM signatures on top. */
static int
notice_headers(struct intake *in, const struct mp_notice *n,
    struct mp_error *err)
{
	/* Signed as delivered: outcome_headers() appends the trailer after
	 * the notice's own fields, and a field added unsigned could be
	 * changed on a copy without breaking the signatures. */
	const char *add_name[MP_TRAILER_MAX], *add_value[MP_TRAILER_MAX];
	struct mp_sign_edit delivered = { NULL, add_name, add_value, 0 };
	struct mp_plan *plan = in->plan;
	size_t i;
	int rc = MP_OK;

	/* X-Meldpunt-Id is among them. */
	for (i = 0; i < n->nheaders && rc == MP_OK; i++)
		rc = mp_plan_header(plan, MP_HDR_ADD, n->headers[i].name,
		    n->headers[i].value);
	if (rc != MP_OK)
		return mp_error_set(err, rc, "cannot add the notification's "
		    "header fields to the plan: %s", mp_strerror(rc));
	if (in->snap->signer == NULL)
		return rc;
	delivered.nadd = trailer(in, MP_OUTCOME_NOTIFIED, add_name, add_value);
	if ((rc = mp_plan_sign(plan, in->snap->signer, n->message,
	    n->message_len, &delivered, err)) != MP_OK)
		mp_error_prefix(err, "signing the notification");
	return rc;
}

/*
 * What the notification was, under its notice id (notices.h): a bounce
 * finds its contact by it, a reply its contacts and report. Taken back
 * with the marks. Its ticket is bound to the notice id (tickets.h), and
 * both are made durable before the notification leaves (the ticket
 * counter with them: no number is handed out twice after a crash).
 */
static int
record_notice(struct intake *in, struct marks *mk, const struct mp_notice *n,
    struct mp_error *err)
{
	struct mp_notice_rec *r;
	struct mp_seen *seen;
	size_t i;
	int rc;

	if ((seen = mp_statedb_get(in->snap->statedb, err)) == NULL)
		return MP_ERETRY;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	snprintf(r->id, sizeof(r->id), "%s", n->notice_id);
	snprintf(r->type, sizeof(r->type), "%s",
	    mp_report_type_name(in->report->type));
	snprintf(r->source, sizeof(r->source), "%s", in->query);
	r->at = mk->at;
	for (i = 0; i < in->nto; i++) {
		snprintf(r->contact[i].addr, sizeof(r->contact[i].addr), "%s",
		    in->to[i]->address);
		snprintf(r->contact[i].rule, sizeof(r->contact[i].rule), "%s",
		    mp_route_rule_name(in->to[i]->rule));
		snprintf(r->contact[i].matched, sizeof(r->contact[i].matched),
		    "%s", in->to[i]->matched);
	}
	r->ncontacts = in->nto;
	if ((rc = mp_notice_record(seen, r, err)) == MP_OK)
		snprintf(mk->notice, sizeof(mk->notice), "%s", n->notice_id);
	free(r);
	if (rc == MP_OK && in->ticket[0] != '\0')
		rc = mp_ticket_bind(seen, in->ticket, n->notice_id, mk->at, err);
	if (rc == MP_OK)
		rc = mp_seen_sync(seen, err);
	return rc;
}

static void
notified(struct intake *in, struct marks *mk, const struct mp_notice *n)
{
	const struct mp_envelope *env = in->env;
	struct mp_plan *plan = in->plan;
	struct mp_error err;
	char why[MP_ERROR_MAX + 40];
	char rpath[MP_ADDR_MAX];
	size_t i, len;
	int rc;

	mp_error_clear(&err);
	rc = mp_plan_delete_headers(plan, env->msg.data, env->msg.len);
	if (rc != MP_OK)
		mp_error_set(&err, rc, "cannot list the report's header fields "
		    "for deletion: %s", mp_strerror(rc));
	else
		rc = notice_headers(in, n, &err);
	if (rc == MP_OK && (rc = mp_plan_body(plan, n->body, n->body_len)) != MP_OK)
		mp_error_set(&err, rc, "cannot hold the notification body");
	if (rc == MP_OK && (rc = drop_rcpts(in)) != MP_OK)
		mp_error_set(&err, rc, "cannot drop the intake recipient");
	for (i = 0; rc == MP_OK && i < in->nto; i++)
		if ((rc = mp_plan_add_rcpt(plan, in->to[i]->address)) != MP_OK)
			mp_error_set(&err, rc, "cannot add contact %s as a "
			    "recipient", in->to[i]->address);
	if (rc == MP_OK && in->conf->bounce_addr != NULL) {
		/* Its own return path: a bounce names the notice (bounce.h). */
		if ((rc = mp_bounce_return_path(in->conf->bounce_addr,
		    in->conf->bounce_delim, n->notice_id, rpath,
		    sizeof(rpath))) != MP_OK ||
		    (rc = mp_plan_sender(plan, rpath)) != MP_OK)
			mp_error_set(&err, rc, "cannot set BounceAddress %s "
			    "with notice id %s as the envelope sender",
			    in->conf->bounce_addr, n->notice_id);
	}
	if (rc == MP_OK)
		rc = record_notice(in, mk, n, &err);
	if (rc != MP_OK) {
		snprintf(why, sizeof(why), "cannot build the notification: %s",
		    err.msg);
		tempfail(in, why);
		return;
	}
	snprintf(plan->notice_id, sizeof(plan->notice_id), "%s", n->notice_id);
	/* The reason says whom and why: the decision chain, for the log. */
	len = (size_t)snprintf(why, sizeof(why), "%s %s (%s) to",
	    mp_report_type_name(in->report->type), in->query,
	    mp_notify_lang_name(n->lang));
	for (i = 0; i < in->nto && len < sizeof(why); i++)
		len += (size_t)snprintf(why + len, sizeof(why) - len, " %s [%s %s]",
		    in->to[i]->address, mp_route_rule_name(in->to[i]->rule),
		    in->to[i]->matched);
	if (len < sizeof(why))
		len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%s%s",
		    in->skipped, in->ndig ?
		    "; queued for the sender (digest) for " : "", in->queued);
	if (len < sizeof(why) && in->ticket[0] != '\0')
		snprintf(why + len, sizeof(why) - len, "; ticket %s", in->ticket);
	mp_plan_outcome(plan, MP_OUTCOME_NOTIFIED, why);
}

/*
 * The plan is decided: the sender's X-Meldpunt-* fields go (unless the
 * whole header was replaced), and intake's own are appended.
 */
static void
outcome_headers(struct intake *in)
{
	const char *name[MP_TRAILER_MAX], *value[MP_TRAILER_MAX];
	const struct mp_envelope *env = in->env;
	struct mp_plan *plan = in->plan;
	char why[128];
	size_t i, n;

	/* The review copy of a report must not carry the sender's own
	 * X-Meldpunt-Warnings (envelope.c does not count that one). */
	if (!plan->headers_replaced && (mp_env_drop_forged(env, plan) != MP_OK ||
	    mp_plan_delete_named(plan, env->msg.data, env->msg.len,
	    MP_HDR_WARNINGS) != MP_OK)) {
		tempfail(in, "cannot add the X-Meldpunt header changes to the "
		    "plan (out of memory)");
		return;
	}
	n = trailer(in, plan->outcome, name, value);
	for (i = 0; i < n; i++)
		if (mp_plan_header(plan, MP_HDR_ADD, name[i], value[i]) != MP_OK)
			break;
	if (i == 0)
		tempfail(in, "cannot add the X-Meldpunt header changes to the "
		    "plan (out of memory)");
	else if (i < n) {
		/* Keep the outcome that was decided in the reason. */
		snprintf(why, sizeof(why), "cannot add the X-Meldpunt-Outcome "
		    "header (%s) to the plan", mp_outcome_name(plan->outcome));
		tempfail(in, why);
	}
}

/*
 * ---- List reports: one message, many rows (docs/feeds.md) ----
 *
 * A message that is not one incident may hold lists (feed.h). Every
 * valid row is routed with the single report's contact policy
 * (list_pick: pick_contacts' rule), deduplicated per (type, address and
 * port, contact) (listseen.h), and recorded as pending for each contact
 * (pending.h) before the message is accepted; one sync per report. The
 * original goes to ArchiveAddress, outcome queued, with a summary. A row
 * is in exactly one tally: pending, duplicate, unrouted or invalid.
 *
 * The rows are not collected first: the parser hands each to the sink
 * below as soon as it is unzipped and read (feed.h, struct
 * mp_feed_sink), and it is routed, checked and recorded then. Whatever a
 * report recorded before it failed (a limit met in its second table, a
 * damaged zip end, a state DB error) is taken back before the message is
 * quarantined or tempfailed.
 */

/* Header fields a list report's archived copy carries (list_headers). */
#define MP_HDR_SUMMARY	"X-Meldpunt-Summary"
#define MP_HDR_UNROUTED	"X-Meldpunt-Unrouted"
#define MP_HDR_INVALID	"X-Meldpunt-Invalid"
#define LIST_FIELD_MAX	900	/* bytes of one listing field */
#define LIST_REASONS	8	/* invalid-row reasons counted by name */
#define LIST_CONTACTS	1024	/* contacts counted by name */
#define LIST_HEALTH	64	/* contacts whose health a report remembers */

struct list_summary {
	size_t rows, lists, pending, duplicates, unrouted, invalid, other;
	size_t contacts;
	const char *contact[LIST_CONTACTS];	/* borrowed: list_report only */
	uint32_t cslot[2 * LIST_CONTACTS];	/* contact index + 1, by hash */
	struct { char why[64]; size_t n; } reason[LIST_REASONS + 1];
	size_t nreasons;
	char summary[512];
	char unrouted_list[LIST_FIELD_MAX];
	size_t unrouted_more;
	char invalid_list[LIST_FIELD_MAX];
	size_t invalid_more;
	char *contact_store;	/* the contact names, NUL-separated */
	size_t store_len, store_cap;
};

/* What a list report recorded, to take back when it is not taken. */
struct feed_marks {
	struct mp_listseen *rows;	/* the rows' seen records */
	struct mp_pending_batch *batch;	/* the rows, in chunks */
	unsigned *items;		/* the tables whose "f" record is written */
	size_t nitems;
	uint64_t msg;
	int recorded;		/* the message record is written */
};

static void
feed_marks_undo_all(struct marks *mk)
{
	struct feed_marks *fm = mk->feed;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

	if (fm == NULL || (seen = mp_statedb_get(mk->sdb, &err)) == NULL)
		return;
	if (fm->recorded) {
		/* the rows go out of sight first: the MTA did not take it */
		(void)mp_pending_undo_msg(seen, fm->msg, &err);
		fm->recorded = 0;
	}
	if (fm->rows != NULL)
		(void)mp_listseen_undo(fm->rows, &err);
	if (fm->batch != NULL)
		(void)mp_pending_batch_undo(seen, fm->batch, &err);
	for (i = 0; i < fm->nitems; i++)
		(void)mp_pending_undo_feed(seen, fm->msg, fm->items[i], &err);
	fm->nitems = 0;
	(void)mp_seen_sync(seen, &err);
}

static void
feed_marks_undo(struct marks *mk)
{
	feed_marks_undo_all(mk);
	feed_marks_free(mk);
}

/*
 * The MTA took the report. Its rows' seen records stay pending (seen.h,
 * listseen.h): making 100,000 of them final after the reply would hold
 * the state DB for as long again, and all it buys is that the very same
 * bytes sent again later count as duplicates; as it is, they rewrite the
 * same pending keys (a row already sent is told again: told twice beats
 * never told).
 */
static void
feed_marks_commit(struct marks *mk)
{
	(void)mk;
}

static void
feed_marks_free(struct marks *mk)
{
	if (mk->feed == NULL)
		return;
	mp_listseen_end(&mk->feed->rows);
	mp_pending_batch_free(&mk->feed->batch);
	free(mk->feed->items);
	free(mk->feed);
	mk->feed = NULL;
}

/* Append to a bounded listing; past the bound, count. */
static void
list_add(char *list, size_t size, size_t *more, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
list_add(char *list, size_t size, size_t *more, const char *fmt, ...)
{
	char item[256];
	size_t len, n;
	va_list ap;

	/* full: only counted, and without formatting the row */
	if (*more > 0) {
		(*more)++;
		return;
	}
	len = strlen(list);
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	n = strlen(item);
	/* room kept for " (+N more)" */
	if (len + n + 2 + 24 >= size) {
		(*more)++;
		return;
	}
	snprintf(list + len, size - len, "%s%s", len ? "; " : "", item);
}

/* "ip is not an address: \"x\"" -> "ip is not an address"; digits as N. */
static void
reason_class(const char *why, char *out, size_t size)
{
	size_t o = 0;

	for (; *why && *why != ':' && o + 1 < size; why++) {
		if (*why >= '0' && *why <= '9') {
			if (o == 0 || out[o - 1] != 'N')
				out[o++] = 'N';
			continue;
		}
		out[o++] = (unsigned char)*why < 0x20 ? ' ' : *why;
	}
	out[o] = '\0';
}

static void
count_reason(struct list_summary *ls, const char *why)
{
	char c[64];
	size_t i;

	reason_class(why != NULL ? why : "invalid", c, sizeof(c));
	for (i = 0; i < ls->nreasons; i++)
		if (strcmp(ls->reason[i].why, c) == 0)
			break;
	if (i == ls->nreasons) {
		if (i == LIST_REASONS)
			snprintf(c, sizeof(c), "other reasons");
		for (i = 0; i < ls->nreasons; i++)
			if (strcmp(ls->reason[i].why, c) == 0)
				break;
		if (i == ls->nreasons) {
			snprintf(ls->reason[i].why, sizeof(ls->reason[i].why),
			    "%s", c);
			ls->reason[i].n = 0;
			ls->nreasons++;
		}
	}
	ls->reason[i].n++;
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Count a contact once (by name, up to LIST_CONTACTS). */
static int
count_contact(struct list_summary *ls, const char *addr)
{
	size_t i, n, j;
	char *nb;

	for (j = name_hash(addr) & (2 * LIST_CONTACTS - 1); ls->cslot[j] != 0;
	    j = (j + 1) & (2 * LIST_CONTACTS - 1))
		if (strcmp(ls->contact[ls->cslot[j] - 1], addr) == 0)
			return 0;
	if (ls->contacts >= LIST_CONTACTS) {
		ls->contacts++;		/* an estimate past the bound */
		return 0;
	}
	n = strlen(addr) + 1;
	if (ls->store_len + n > ls->store_cap) {
		/* the pointers move with the store: keep offsets until done */
		size_t cap = ls->store_cap ? 2 * ls->store_cap : 4096;

		while (cap < ls->store_len + n)
			cap *= 2;
		if ((nb = realloc(ls->contact_store, cap)) == NULL)
			return -1;
		for (i = 0; i < ls->contacts; i++)
			ls->contact[i] = nb + (ls->contact[i] - ls->contact_store);
		ls->contact_store = nb;
		ls->store_cap = cap;
	}
	memcpy(ls->contact_store + ls->store_len, addr, n);
	ls->contact[ls->contacts++] = ls->contact_store + ls->store_len;
	ls->cslot[j] = (uint32_t)ls->contacts;
	ls->store_len += n;
	return 0;
}

/* A seen record's row for one row of a message: the same row again is
 * not its own duplicate; another row is (listseen.h). Never 0. */
static uint64_t
row_id(size_t item, size_t line)
{
	return ((uint64_t)item << 40 | (uint64_t)line) + 1;
}

/*
 * The message's fingerprint for its list records (pending.h, listseen.h):
 * the MTA's retry of the same bytes writes the same keys. fingerprint()
 * reads a byte at a time, 6 ms for a 6 MB report; this reads words.
 */
static uint64_t
list_fingerprint(const struct mp_envelope *env)
{
	const unsigned char *p = (const unsigned char *)env->msg.data;
	size_t n = env->msg.len;
	uint64_t a = 0xcbf29ce484222325ULL ^ n, b = 0x9e3779b97f4a7c15ULL, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		a = (a ^ w) * 0x100000001b3ULL;
		a ^= a >> 31;
		b = (b + w) * 0xff51afd7ed558ccdULL;
		b ^= b >> 29;
	}
	for (; n > 0; p++, n--)
		a = (a ^ *p) * 0x100000001b3ULL;
	a ^= b * 0xc4ceb9fe1a85ec53ULL;
	a ^= a >> 33;
	return a ? a : 1;
}

/* One list report on its way through the sink (list_report). */
struct list_run {
	struct intake *in;
	struct marks *mk;
	struct list_summary *ls;
	struct mp_seen *seen;
	time_t received;
	int fault;		/* the state DB failed us: err says how */
	struct mp_error err;
	char type[96];		/* the rows' type, for type_f and type_t */
	const struct mp_feed *type_f;
	enum mp_report_type type_t;
	/* contact health, asked once a report per contact (list_health) */
	struct { char *addr; int h; char why[MP_ROUTE_SKIP_WHY]; }
	    health[LIST_HEALTH];
	size_t nhealth;
};

/* contact_health(), remembered for the report: a row asks for each of
 * its contacts, and a report has 100,000 rows and a few contacts. */
static int
list_health(const char *addr, void *arg, char *why, size_t whylen,
    struct mp_error *err)
{
	struct list_run *run = arg;
	size_t i;
	int h;

	for (i = 0; i < run->nhealth; i++)
		if (strcmp(run->health[i].addr, addr) == 0) {
			snprintf(why, whylen, "%s", run->health[i].why);
			return run->health[i].h;
		}
	h = contact_health(addr, run->in, why, whylen, err);
	if (h >= 0 && run->nhealth < LIST_HEALTH &&
	    (run->health[run->nhealth].addr = strdup(addr)) != NULL) {
		run->health[run->nhealth].h = h;
		snprintf(run->health[run->nhealth].why,
		    sizeof(run->health[run->nhealth].why), "%s", why);
		run->nhealth++;
	}
	return h;
}

/* The contacts of a row (pick_contacts' rule): in->to[], in->nto. */
static enum mp_lookup
list_pick(struct list_run *run, const struct mp_feed_row *row,
    struct mp_error *err)
{
	struct intake *in = run->in;
	enum mp_lookup lk;
	size_t i;

	in->nto = 0;
	lk = mp_route_lookup(in->snap->routedb, row->r.source_ip, &in->route,
	    err);
	if (lk != MP_FOUND)
		return lk;
	lk = mp_route_pick(&in->route, mp_report_type_name(row->r.type),
	    list_health, run, &in->pick, err);
	if (lk == MP_FOUND)
		for (i = 0; i < in->pick.nto; i++)
			in->to[in->nto++] = in->pick.to[i];
	return lk;
}

/* A row's source for its seen record: "ADDR port N", or ADDR without a
 * port (as a single report's). snprintf costs more than the rest of a
 * row's bookkeeping. */
static void
list_source(char *out, size_t size, const char *ip, int port)
{
	char d[12];
	size_t n = strlen(ip), k = 0;

	if (n + 6 + sizeof(d) >= size) {
		snprintf(out, size, port > 0 ? "%s port %d" : "%s", ip, port);
		return;
	}
	memcpy(out, ip, n);
	if (port > 0) {
		memcpy(out + n, " port ", 6);
		n += 6;
		do
			d[k++] = (char)('0' + port % 10);
		while ((port /= 10) > 0);
		while (k > 0)
			out[n++] = d[--k];
	}
	out[n] = '\0';
}

/* The state DB failed us: the parse stops with it. */
static int
list_fault(struct list_run *run, int rc, const struct mp_error *err)
{
	run->fault = 1;
	run->err = *err;
	return rc;
}

/* The report's records: a session for the seen records and a batch for
 * the rows, made at its first table. */
static int
list_open(struct list_run *run, struct mp_error *err)
{
	struct feed_marks *fm = run->mk->feed;
	int rc;

	if (fm->rows == NULL && (rc = mp_listseen_begin(run->seen, fm->msg,
	    run->mk->at, run->in->conf->renotify_interval, &fm->rows, err)) !=
	    MP_OK)
		return rc;
	if (fm->batch == NULL && (fm->batch = mp_pending_batch_new()) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	return MP_OK;
}

/* Sink: a table's header is read: its record (the feed's columns). */
static int
list_begin(void *arg, const struct mp_feed *f, size_t item,
    struct mp_error *err)
{
	struct list_run *run = arg;
	struct feed_marks *fm = run->mk->feed;
	struct mp_pending_feed pf;
	unsigned *ni;
	int rc;

	if ((rc = list_open(run, err)) != MP_OK)
		return list_fault(run, rc, err);
	run->ls->lists++;
	memset(&pf, 0, sizeof(pf));
	pf.msg = fm->msg;
	pf.item = (unsigned)item;
	pf.name = f->name;
	pf.filename = f->filename;
	pf.report_id = f->report_id;
	pf.case_ref = f->case_ref;
	pf.reporter = run->in->rep.domain[0] ? run->in->rep.domain :
	    f->reporter_addr;
	pf.columns = f->columns;
	pf.ncolumns = f->ncolumns;
	if ((ni = realloc(fm->items, (fm->nitems + 1) * sizeof(*ni))) == NULL)
		return list_fault(run, mp_error_set(err, MP_ENOMEM,
		    "out of memory"), err);
	fm->items = ni;
	fm->items[fm->nitems++] = (unsigned)item;
	if ((rc = mp_pending_put_feed(run->seen, &pf, err)) != MP_OK)
		return list_fault(run, rc, err);
	return MP_OK;
}

/*
 * Sink: one row, in exactly one tally. A valid row is routed,
 * deduplicated and recorded for each contact.
 */
static int
list_row(void *arg, const struct mp_feed *f, size_t item,
    const struct mp_feed_row *row, const char *const *cells,
    struct mp_error *err)
{
	struct list_run *run = arg;
	struct intake *in = run->in;
	struct list_summary *ls = run->ls;
	struct feed_marks *fm = run->mk->feed;
	struct mp_pending_row pr;
	enum mp_seen_verdict v;
	enum mp_lookup lk;
	char source[MP_ROUTE_MATCHED + 16];
	size_t i, fresh = 0;
	int rc;

	ls->rows++;
	if (row->state != MP_ROW_VALID || row->r.source_ip == NULL) {
		ls->invalid++;
		count_reason(ls, row->reason);
		list_add(ls->invalid_list, sizeof(ls->invalid_list),
		    &ls->invalid_more, "row %zu: %.120s", row->line,
		    row->reason != NULL ? row->reason : "no address");
		return MP_OK;
	}
	mp_error_clear(err);
	if ((lk = list_pick(run, row, err)) == MP_RETRY)
		/* the routing DB, or a contact's health, could not be read */
		return list_fault(run, MP_ERETRY, err);
	if (in->nto == 0) {
		ls->unrouted++;
		list_add(ls->unrouted_list, sizeof(ls->unrouted_list),
		    &ls->unrouted_more, "%s (row %zu)", row->r.source_ip,
		    row->line);
		return MP_OK;
	}
	/* "<meldpunt type>:<feed type>", once a table unless rows differ */
	if (run->type_f != f || run->type_t != row->r.type) {
		snprintf(run->type, sizeof(run->type), "%s:%s",
		    mp_report_type_name(row->r.type), f->name != NULL ? f->name :
		    "list");
		run->type_f = f;
		run->type_t = row->r.type;
	}
	list_source(source, sizeof(source), row->r.source_ip,
	    row->r.source_port);
	memset(&pr, 0, sizeof(pr));
	pr.type = run->type;
	pr.msg = fm->msg;
	pr.item = (unsigned)item;
	pr.row = (unsigned)row->line;
	pr.seen = row->r.last_seen ? row->r.last_seen : row->r.first_seen;
	pr.received = run->received;
	pr.ip = row->r.source_ip;
	pr.port = row->r.source_port > 0 ? (unsigned)row->r.source_port : 0;
	pr.protocol = row->protocol;
	pr.hostname = row->r.domain;
	pr.tags = row->tags;
	pr.cves = row->cves;
	pr.severity = row->severity;
	pr.asn = row->r.asn;
	pr.cells = cells;
	pr.ncells = row->ncells < MP_FEED_MAX_COLUMNS ? row->ncells :
	    MP_FEED_MAX_COLUMNS;
	if (pr.ncells == row->ncells) {
		/* the row's cells as the parser packed them: one copy */
		pr.packed = row->cells;
		pr.packed_len = row->cells_len;
	}
	for (i = 0; i < in->nto; i++) {
		const char *addr = in->to[i]->address;

		if ((rc = mp_listseen_check(fm->rows, run->type, source, addr,
		    row_id(item, row->line), &v, err)) != MP_OK)
			return list_fault(run, rc, err);
		if (v != MP_SEEN_NEW)
			continue;
		pr.contact = addr;
		pr.lang = mp_lang_name(in->to[i]->lang);
		if ((rc = mp_pending_batch_add(run->seen, fm->batch, &pr,
		    err)) != MP_OK)
			return list_fault(run, rc, err);
		if (count_contact(ls, addr) != 0)
			return list_fault(run, mp_error_set(err, MP_ENOMEM,
			    "out of memory"), err);
		fresh++;
	}
	if (fresh > 0)
		ls->pending++;
	else
		ls->duplicates++;
	return MP_OK;
}

static void
list_summarise(struct list_summary *ls, char *reason, size_t size)
{
	size_t len, i;

	len = (size_t)snprintf(ls->summary, sizeof(ls->summary), "%zu rows in "
	    "%zu list%s: %zu pending for %zu contact%s, %zu duplicate%s, "
	    "%zu unrouted, %zu invalid", ls->rows, ls->lists,
	    ls->lists == 1 ? "" : "s", ls->pending, ls->contacts,
	    ls->contacts == 1 ? "" : "s", ls->duplicates,
	    ls->duplicates == 1 ? "" : "s", ls->unrouted, ls->invalid);
	for (i = 0; i < ls->nreasons && len < sizeof(ls->summary); i++)
		len += (size_t)snprintf(ls->summary + len, sizeof(ls->summary) -
		    len, "%s%s: %zu", i ? "; " : " (", ls->reason[i].why,
		    ls->reason[i].n);
	if (ls->nreasons > 0 && len < sizeof(ls->summary))
		len += (size_t)snprintf(ls->summary + len,
		    sizeof(ls->summary) - len, ")");
	if (ls->other > 0 && len < sizeof(ls->summary))
		snprintf(ls->summary + len, sizeof(ls->summary) - len,
		    "; %zu other part%s not handled (link-only or no report)",
		    ls->other, ls->other == 1 ? "" : "s");
	if (ls->unrouted_more > 0) {
		len = strlen(ls->unrouted_list);
		snprintf(ls->unrouted_list + len, sizeof(ls->unrouted_list) - len,
		    " (+%zu more)", ls->unrouted_more);
	}
	if (ls->invalid_more > 0) {
		len = strlen(ls->invalid_list);
		snprintf(ls->invalid_list + len, sizeof(ls->invalid_list) - len,
		    " (+%zu more)", ls->invalid_more);
	}
	/* the log line: the summary, then what the operators must look at */
	len = (size_t)snprintf(reason, size, "%s", ls->summary);
	if (ls->unrouted > 0 && len < size)
		len += (size_t)snprintf(reason + len, size - len,
		    "; unrouted: %.300s", ls->unrouted_list);
	if (ls->invalid > 0 && len < size)
		snprintf(reason + len, size - len, "; invalid: %.300s",
		    ls->invalid_list);
}

/*
 * Every row is in: the seen records and the rest of the rows written,
 * then the message record that makes them visible, then one sync.
 */
static int
list_finish(struct list_run *run, struct mp_error *err)
{
	struct feed_marks *fm = run->mk->feed;
	int rc;

	if ((rc = list_open(run, err)) != MP_OK ||
	    (rc = mp_listseen_flush(fm->rows, err)) != MP_OK ||
	    (rc = mp_pending_batch_flush(run->seen, fm->batch, err)) != MP_OK ||
	    (rc = mp_pending_put_msg(run->seen, fm->msg, run->received,
	    (unsigned)run->ls->pending, err)) != MP_OK)
		return rc;
	fm->recorded = 1;
	return mp_seen_sync(run->seen, err);
}

/*
 * The message is no single incident (`in->plan->reason` says why):
 * its lists are recorded, or it ends as link-only / not a report.
 */
static void
list_report(struct intake *in, struct marks *mk)
{
	struct mp_feed_opts opts;
	struct mp_feed_sink sink;
	struct mp_message *msg = NULL;
	struct mp_report_set *set = NULL;
	struct list_run *run = NULL;
	struct mp_error err;
	char first[MP_ERROR_MAX], why[sizeof(in->plan->reason)];
	const char *t;
	size_t i, feeds = 0, links = 0;
	int rc;

	snprintf(first, sizeof(first), "%s", in->plan->reason);
	in->plan->reason[0] = '\0';
	memset(&opts, 0, sizeof(opts));
	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->ls = calloc(1, sizeof(*run->ls))) == NULL ||
	    (mk->feed = calloc(1, sizeof(*mk->feed))) == NULL) {
		tempfail(in, "out of memory");
		goto out;
	}
	if ((run->seen = mp_statedb_get(in->snap->statedb, &err)) == NULL) {
		tempfail(in, err.msg);
		goto out;
	}
	run->in = in;
	run->mk = mk;
	run->received = mk->at;
	in->list = run->ls;
	mk->feed->msg = list_fingerprint(in->env);
	rc = mp_message_parse(in->env->msg.data, in->env->msg.len, NULL, &msg,
	    &err);
	if (rc == MP_OK) {
		/* A generic CSV list: its type and case from the reporter's
		 * record, else from the mail (docs/feeds.md, "Intake"). */
		t = in->rep.listtype[0] ? in->rep.listtype :
		    mp_message_header(msg, "X-Feed-Type");
		for (i = 0; t != NULL && i < MP_TYPE_COUNT; i++)
			if (strcasecmp(t, mp_report_type_name(
			    (enum mp_report_type)i)) == 0)
				break;
		if (t != NULL && i < MP_TYPE_COUNT) {
			opts.list = 1;
			opts.list_type = (enum mp_report_type)i;
			opts.case_ref = in->rep.listtype[0] ?
			    (in->rep.case_ref[0] ? in->rep.case_ref : NULL) :
			    mp_message_header(msg, "X-Feed-Case");
		}
		sink.begin = list_begin;
		sink.row = list_row;
		sink.arg = run;
		opts.sink = &sink;
		rc = mp_report_parse_all(msg, &opts, &set, &err);
	}
	if (rc != MP_OK) {
		/* what its first tables recorded goes */
		feed_marks_undo_all(mk);
		if (run->fault)
			tempfail(in, run->err.msg);
		else if (is_fault(rc))
			tempfail(in, err.msg);
		else if (rc == MP_EINPUT)
			quarantine(in, MP_OUTCOME_QUARANTINED_NOT_A_REPORT, first);
		else
			quarantine(in, MP_OUTCOME_QUARANTINED_PARSE_ERROR, err.msg);
		goto out;
	}
	for (i = 0; i < set->n; i++) {
		feeds += set->items[i].kind == MP_ITEM_FEED;
		links += set->items[i].kind == MP_ITEM_LINK_ONLY;
	}
	if (feeds == 0) {
		if (links > 0)
			quarantine(in, MP_OUTCOME_QUARANTINED_LINK_ONLY, "the report "
			    "only links to its data (nothing is fetched during "
			    "intake); fetch and send it as an attachment");
		else
			quarantine(in, MP_OUTCOME_QUARANTINED_NOT_A_REPORT, first);
		goto out;
	}
	run->ls->other = set->n - feeds;
	if ((rc = list_finish(run, &err)) != MP_OK) {
		marks_undo(mk);
		tempfail(in, err.msg);
		goto out;
	}
	list_summarise(run->ls, why, sizeof(why));
	mp_plan_outcome(in->plan, MP_OUTCOME_QUEUED, why);
	redirect(in, in->conf->archive_addr, "ArchiveAddress");
	if (in->plan->verdict != MP_VERDICT_CONTINUE)
		marks_undo(mk);
	else if (mk->feed != NULL) {
		/* only what undo needs stays until the plan is settled */
		mp_pending_batch_release(mk->feed->batch);
	}
out:
	if (run != NULL) {
		for (i = 0; i < run->nhealth; i++)
			free(run->health[i].addr);
		if (in->list == NULL)
			free(run->ls);
		free(run);
	}
	in->report = NULL;
	mp_report_set_free(&set);
	mp_message_free(&msg);
}

/* The summary fields on the archived copy of a queued list report. */
static void
list_headers(struct intake *in)
{
	struct list_summary *ls = in->list;
	struct mp_plan *plan = in->plan;
	int rc = MP_OK;

	if (ls == NULL)
		return;
	if (plan->verdict == MP_VERDICT_CONTINUE &&
	    plan->outcome == MP_OUTCOME_QUEUED) {
		rc = mp_plan_header(plan, MP_HDR_ADD, MP_HDR_SUMMARY, ls->summary);
		if (rc == MP_OK && ls->unrouted > 0)
			rc = mp_plan_header(plan, MP_HDR_ADD, MP_HDR_UNROUTED,
			    ls->unrouted_list);
		if (rc == MP_OK && ls->invalid > 0)
			rc = mp_plan_header(plan, MP_HDR_ADD, MP_HDR_INVALID,
			    ls->invalid_list);
		if (rc != MP_OK)
			tempfail(in, "cannot add the X-Meldpunt-Summary header to "
			    "the plan (out of memory)");
	}
	free(ls->contact_store);
	free(ls);
	in->list = NULL;
}

static void
decide(struct intake *in)
{
	const struct mp_snapshot *snap = in->snap;
	const struct mp_envelope *env = in->env;
	struct mp_plan *plan = in->plan;
	struct mp_notice *notice = NULL;
	struct marks *mk;
	char why[200];
	int rc;

	if (env->too_large) {
		snprintf(why, sizeof(why), "message of %zu bytes is larger than "
		    "MaximumMessageSize %zu; not processed", env->size,
		    in->conf->max_message_size);
		quarantine(in, MP_OUTCOME_QUARANTINED_TOO_LARGE, why);
		return;
	}
	if (!only_intake_recipients(in)) {
		quarantine(in, MP_OUTCOME_QUARANTINED_MIXED_RECIPIENTS, "a report "
		    "must be sent to the intake address alone, not with other "
		    "recipients");
		return;
	}
	/*
	 * One recipient, too: only then does the MTA's own Received header
	 * of the intake hop say "for <intake address>", which is what the
	 * MTA's rule that removes it keys on (a milter cannot: Postfix and
	 * Sendmail hide their own Received header from it; docs/privacy.md).
	 * Two intake addresses, or one twice, would leave that hop - with
	 * the reporter's client address and HELO name - in the notification.
	 */
	if (env->nrcpts != 1) {
		snprintf(why, sizeof(why), "a report must be sent to one intake "
		    "address, once (it has %zu recipients)", env->nrcpts);
		quarantine(in, MP_OUTCOME_QUARANTINED_MIXED_RECIPIENTS, why);
		return;
	}
	if (snap->templates == NULL || snap->statedb == NULL) {
		tempfail(in, "intake is not configured (TemplateDirectory, StateDB)");
		return;
	}
	if (snap->routedb == NULL) {
		tempfail(in, snap->routedb_why);
		return;
	}
	if ((mk = calloc(1, sizeof(*mk))) == NULL) {
		tempfail(in, "out of memory");
		return;
	}
	mk->sdb = mp_statedb_ref(snap->statedb);
	mk->at = time(NULL);
	plan->undo_fn = marks_undo;
	plan->commit_fn = marks_commit;
	plan->undo_free = marks_free;
	plan->undo_arg = mk;

	if (authenticate(in) != 0)
		goto done;
	if ((rc = parse(in)) == 1) {
		list_report(in, mk);
		goto done;
	}
	if (rc != 0 || route(in) != 0 || dedup(in, mk) != 0 ||
	    digest(in, mk) != 0)
		goto done;
	if (in->nto == 0 && in->ndig == 0)
		duplicate(in);
	else if (in->nto == 0)
		queued(in);
	else if (render(in, &notice) == 0)
		notified(in, mk, notice);
	if (plan->verdict != MP_VERDICT_CONTINUE ||
	    (plan->outcome != MP_OUTCOME_NOTIFIED &&
	    plan->outcome != MP_OUTCOME_QUEUED))
		marks_undo(mk);		/* nothing was sent or queued */
done:
	mp_notice_free(&notice);
	mp_report_free(&in->report);
}

void
mp_intake_decide(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	struct intake in;

	memset(&in, 0, sizeof(in));
	in.snap = snap;
	in.conf = snap->conf;
	in.env = env;
	in.plan = plan;
	decide(&in);
	if (plan->verdict == MP_VERDICT_CONTINUE)
		outcome_headers(&in);
	list_headers(&in);
}
