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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "conf.h"
#include "health.h"
#include "identity.h"
#include "intake.h"
#include "notices.h"
#include "notify.h"
#include "report.h"
#include "reporter_auth.h"
#include "route.h"
#include "seen.h"
#include "sign.h"
#include "spf.h"
#include "statedb.h"
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
	/* The known-reporter record, for what the notification may say about
	 * the reporter (route.h, disclose); zero (disclose name, no name)
	 * for an unknown reporter. */
	struct mp_route_reporter rep;
};

/* State DB records made for this message, to take back on failure. */
struct marks {
	struct mp_statedb *sdb;
	time_t at;
	size_t n;
	struct { char *type, *source, *contact; } m[MP_ROUTE_CONTACTS];
	char notice[MP_NOTICE_ID_MAX];	/* the notice record made, "" if none */
};

_Static_assert(MP_ROUTE_CONTACTS <= MP_NOTICE_CONTACTS,
    "a notice record holds every routed contact");

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
	}
	mk->notice[0] = '\0';
	marks_clear(mk);
}

/* The MTA took the message: the records are final (seen.h). */
static void
marks_commit(void *arg)
{
	struct marks *mk = arg;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

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
	else if (rc == MP_EINPUT)
		quarantine(in, MP_OUTCOME_QUARANTINED_NOT_A_REPORT, err.msg);
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
		if (mp_seen_check_and_record_msg(seen, type, in->query,
		    in->to[i]->address, fp, mk->at, in->conf->renotify_interval,
		    in->conf->max_notices, &v, &err) != MP_OK) {
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

static int
render(struct intake *in, struct mp_notice **np)
{
	const char *langs[MP_ROUTE_CONTACTS], *to[MP_ROUTE_CONTACTS];
	struct mp_notify_conf nc;
	struct mp_error err;
	size_t i;
	int rc;

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
 * finds its contact by it. Taken back with the marks.
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
		snprintf(why + len, sizeof(why) - len, "%s", in->skipped);
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

static void
decide(struct intake *in)
{
	const struct mp_snapshot *snap = in->snap;
	const struct mp_envelope *env = in->env;
	struct mp_plan *plan = in->plan;
	struct mp_notice *notice = NULL;
	struct marks *mk;
	char why[200];

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

	if (authenticate(in) != 0 || parse(in) != 0 || route(in) != 0 ||
	    dedup(in, mk) != 0)
		goto done;
	if (in->nto == 0)
		duplicate(in);
	else if (render(in, &notice) == 0)
		notified(in, mk, notice);
	if (plan->verdict != MP_VERDICT_CONTINUE ||
	    plan->outcome != MP_OUTCOME_NOTIFIED)
		marks_undo(mk);		/* nothing was sent */
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
}
