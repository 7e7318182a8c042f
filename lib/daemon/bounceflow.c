/*
 * bounceflow - see bounceflow.h
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "bounce.h"
#include "bounceflow.h"
#include "health.h"
#include "notices.h"
#include "pendrow.h"
#include "route.h"
#include "seen.h"
#include "statedb.h"

/* The local part of BounceAddress into out; 0, or -1 when it has none. */
static int
bounce_local(const struct mp_conf *conf, char *out, size_t size)
{
	const char *at;

	if (conf->bounce_addr == NULL ||
	    (at = strrchr(conf->bounce_addr, '@')) == NULL ||
	    (size_t)(at - conf->bounce_addr) >= size)
		return -1;
	memcpy(out, conf->bounce_addr, (size_t)(at - conf->bounce_addr));
	out[at - conf->bounce_addr] = '\0';
	return 0;
}

int
mp_bounce_is_addr(const struct mp_conf *conf, const char *rcpt)
{
	char local[MP_ADDR_MAX + 1], tag[MP_NOTICE_ID_MAX];

	if (conf->bounce_addr == NULL || rcpt == NULL)
		return 0;
	if (strcasecmp(rcpt, conf->bounce_addr) == 0)
		return 1;
	if (bounce_local(conf, local, sizeof(local)) != 0 ||
	    strcasecmp(mp_addr_domain(rcpt), mp_addr_domain(conf->bounce_addr))
	    != 0)
		return 0;
	/* a mangled tag is still the bounce address: MP_EINPUT */
	return mp_bounce_verp_tag(rcpt, local, conf->bounce_delim, tag,
	    sizeof(tag)) != MP_NOTFOUND;
}

/*
 * What a plan recorded, to take back if the plan fails (mp_plan_rollback)
 * or to make final once the MTA has taken the bounce: the health record's
 * bounce, and the re-notified incident's seen records and pending rows.
 */
struct bmark {
	struct mp_statedb *sdb;
	time_t at;
	char addr[MP_HEALTH_ADDR_MAX];		/* bounce counted, "" none */
	uint64_t rows;				/* pendrow.h key, 0 none */
	char type[MP_NOTICE_WORD_MAX];		/* the seen records' */
	char source[MP_NOTICE_TEXT_MAX];
	size_t nseen;
	char seen[MP_ROUTE_CONTACTS][MP_ADDR_MAX + 1];
};

static void
bmark_undo(void *arg)
{
	struct bmark *m = arg;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

	if ((seen = mp_statedb_get(m->sdb, &err)) != NULL) {
		if (m->addr[0] != '\0')
			mp_health_undo(seen, m->addr, m->at, &err);
		if (m->rows != 0)
			(void)mp_pendrow_undo(seen, m->rows, &err);
		for (i = 0; i < m->nseen; i++)
			mp_seen_undo(seen, m->type, m->source, m->seen[i], m->at,
			    &err);
	}
	m->addr[0] = '\0';
	m->rows = 0;
	m->nseen = 0;
}

/* The MTA took the bounce: the re-notified contacts' records are final. */
static void
bmark_commit(void *arg)
{
	struct bmark *m = arg;
	struct mp_error err;
	struct mp_seen *seen;
	size_t i;

	if (m->nseen == 0 || (seen = mp_statedb_get(m->sdb, &err)) == NULL)
		return;
	for (i = 0; i < m->nseen; i++)
		mp_seen_commit(seen, m->type, m->source, m->seen[i], m->at, &err);
}

static void
bmark_free(void *arg)
{
	struct bmark *m = arg;

	mp_statedb_unref(&m->sdb);
	free(m);
}

struct bctx {
	const struct mp_snapshot *snap;
	const struct mp_conf *conf;
	const struct mp_envelope *env;
	struct mp_plan *plan;
	struct mp_bounce b;
	char tag[MP_NOTICE_ID_MAX];
	struct mp_notice_rec rec;
	int have_rec;
	const struct mp_notice_contact *who;
	const char *status;		/* of that contact's failure */
	char why[512];
	struct bmark *mark;		/* the plan's records, once there are any */
	/* the re-notification: the incident routed again */
	struct mp_route route;
	struct mp_route_pick pick;
	const struct mp_route_contact *to[MP_ROUTE_CONTACTS];
};

/* The notice id: the recipient's tag, else the returned X-Meldpunt-Id. */
static void
find_tag(struct bctx *bc)
{
	char local[MP_ADDR_MAX + 1];
	size_t i;

	bc->tag[0] = '\0';
	if (bounce_local(bc->conf, local, sizeof(local)) == 0)
		for (i = 0; i < bc->env->nrcpts && bc->tag[0] == '\0'; i++)
			if (mp_bounce_verp_tag(bc->env->rcpts_norm[i], local,
			    bc->conf->bounce_delim, bc->tag, sizeof(bc->tag))
			    != MP_FOUND)
				bc->tag[0] = '\0';
	if (bc->tag[0] == '\0' && bc->b.orig_meldpunt_id[0] != '\0' &&
	    strlen(bc->b.orig_meldpunt_id) < sizeof(bc->tag))
		snprintf(bc->tag, sizeof(bc->tag), "%s", bc->b.orig_meldpunt_id);
}

/* The notice's contact that failed: named by the DSN, else the only one. */
static void
find_contact(struct bctx *bc)
{
	const struct mp_notice_contact *c;
	size_t i;

	bc->who = NULL;
	bc->status = bc->b.status;
	for (i = 0; i < bc->b.nrcpts && bc->who == NULL; i++) {
		if (bc->b.rcpt[i].kind != bc->b.kind && bc->b.rcpt[i].kind !=
		    MP_BOUNCE_NONE)
			continue;
		if ((c = mp_notice_contact_of(&bc->rec, bc->b.rcpt[i].addr))
		    != NULL) {
			bc->who = c;
			if (bc->b.rcpt[i].status[0] != '\0')
				bc->status = bc->b.rcpt[i].status;
		}
	}
	if (bc->who == NULL && bc->rec.ncontacts == 1)
		bc->who = &bc->rec.contact[0];
}

/* Deliver to ArchiveAddress instead of the bounce recipients, if set. */
static int
archive(const struct mp_conf *conf, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	size_t i;
	int rc = MP_OK;

	if (conf->archive_addr == NULL)
		return MP_OK;
	for (i = 0; rc == MP_OK && i < env->nrcpts; i++)
		if (mp_bounce_is_addr(conf, env->rcpts_norm[i]))
			rc = mp_plan_del_rcpt(plan, env->rcpts[i]);
	if (rc == MP_OK)
		rc = mp_plan_add_rcpt(plan, conf->archive_addr);
	return rc;
}

/* Append to the reason, cut at its size. */
static void say(struct bctx *bc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
say(struct bctx *bc, const char *fmt, ...)
{
	size_t len = strlen(bc->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bc->why + len, sizeof(bc->why) - len, fmt, ap);
	va_end(ap);
}

static void
fmt_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* The plan's records, made (and hooked into the plan) at first use. */
static struct bmark *
mark_of(struct bctx *bc, time_t now)
{
	struct bmark *m;

	if (bc->mark != NULL)
		return bc->mark;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->sdb = mp_statedb_ref(bc->snap->statedb);
	m->at = now;
	snprintf(m->type, sizeof(m->type), "%s", bc->rec.type);
	snprintf(m->source, sizeof(m->source), "%s", bc->rec.source);
	bc->plan->undo_fn = bmark_undo;
	bc->plan->commit_fn = bmark_commit;
	bc->plan->undo_free = bmark_free;
	bc->plan->undo_arg = m;
	return bc->mark = m;
}

/* A fault after records were made: take them back, then tempfail. */
static void
fault(struct bctx *bc, const char *why)
{
	char copy[MP_ERROR_MAX];

	snprintf(copy, sizeof(copy), "%s", why);
	if (bc->plan->undo_fn != NULL)
		mp_plan_rollback(bc->plan);
	mp_plan_internal(bc->plan, copy);
}

/*
 * The same DSN again (the MTA may deliver it twice): the contact's
 * health record already holds a bounce of this notice. It is counted
 * once, and its incident re-notified once: the rows were recorded
 * before the bounce was (decide). 1 a repeat, 0 not, -1 tempfailed.
 */
static int
repeat(struct bctx *bc, struct mp_seen *seen)
{
	struct mp_health *h;
	struct mp_error err;
	enum mp_lookup lk;
	size_t i;
	int r = 0;

	if ((h = malloc(sizeof(*h))) == NULL) {
		fault(bc, "out of memory");
		return -1;
	}
	lk = mp_health_get(seen, bc->who->addr, h, &err);
	if (lk == MP_RETRY) {
		free(h);
		fault(bc, err.msg);
		return -1;
	}
	for (i = 0; lk == MP_FOUND && i < h->n && !r; i++)
		r = strcasecmp(h->b[i].notice, bc->rec.id) == 0;
	free(h);
	return r;
}

/* A hard bounce of a known contact: count it. -1 when tempfailed. */
static int
count_hard(struct bctx *bc, struct mp_seen *seen, time_t now)
{
	struct bmark *m;
	struct mp_health *h;
	struct mp_error err;
	char when[32];
	time_t since;
	unsigned n;

	if ((m = mark_of(bc, now)) == NULL ||
	    (h = malloc(sizeof(*h))) == NULL) {
		fault(bc, "out of memory");
		return -1;
	}
	if (mp_health_add(seen, bc->who->addr, now, bc->status, bc->rec.id,
	    &err) != MP_OK) {
		free(h);
		fault(bc, err.msg);
		return -1;
	}
	snprintf(m->addr, sizeof(m->addr), "%s", bc->who->addr);
	if (mp_health_get(seen, bc->who->addr, h, &err) == MP_RETRY) {
		free(h);
		fault(bc, err.msg);
		return -1;
	}
	if (mp_health_judge(h, now, bc->conf->bounce_limit,
	    bc->conf->bounce_window, &since, &n)) {
		fmt_time(since, when, sizeof(when));
		say(bc, "; unreachable since %s (%u bounces)", when, n);
	} else
		say(bc, "; %u of BounceLimit %u hard bounces", n,
		    bc->conf->bounce_limit);
	free(h);
	return 0;
}

/*
 * Routing asks about each contact (route.h, mp_route_pick): the bounced
 * address is passed over whatever its health (the incident did not
 * reach it); every other one as intake asks (health.h).
 */
static int
renotify_health(const char *addr, void *arg, char *why, size_t whylen,
    struct mp_error *err)
{
	struct bctx *bc = arg;
	struct mp_seen *seen;

	if (strcasecmp(addr, bc->who->addr) == 0) {
		snprintf(why, whylen, "its notice %s bounced", bc->rec.id);
		return 1;
	}
	if ((seen = mp_statedb_get(bc->snap->statedb, err)) == NULL)
		return -1;
	return mp_health_check(seen, addr, time(NULL), bc->conf->bounce_limit,
	    bc->conf->bounce_window, why, whylen, err);
}

/* The re-notification's key (pendrow.h): the notice and bounced address. */
static uint64_t
renotify_key(const struct bctx *bc)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *part[3] = { "renotify", bc->rec.id, bc->who->addr };
	size_t i, k;

	for (k = 0; k < 3; k++)
		for (i = 0; i <= strlen(part[k]); i++)	/* with the NUL */
			h = (h ^ (unsigned char)(part[k][i] >= 'A' &&
			    part[k][i] <= 'Z' ? part[k][i] + 32 : part[k][i])) *
			    0x100000001b3ULL;
	return h ? h : 1;
}

/* "; label: ADDR [rule matched], ..." for the reason. */
static void
say_list(struct bctx *bc, const char *label,
    const struct mp_route_contact *const *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		say(bc, "%s%s [%s %s]", i ? ", " : label, c[i]->address,
		    mp_route_rule_name(c[i]->rule), c[i]->matched);
}

/*
 * The incident of the bounced notification, routed again past the
 * bounced address and recorded as a pending row for the contacts of the
 * next tier (pendrow.h; the sender notifies them). Contacts of the same
 * notice had it; a contact told about it within RenotifyInterval has
 * it. Whatever happens is in the reason: nothing is dropped unsaid.
 * 0 to go on, -1 when tempfailed.
 */
static int
renotify(struct bctx *bc, struct mp_seen *seen, time_t now)
{
	const struct mp_route_contact *had[MP_ROUTE_CONTACTS];
	const struct mp_route_contact *told[MP_ROUTE_CONTACTS];
	struct mp_report r;
	struct mp_pendrow how;
	struct mp_error err;
	enum mp_seen_verdict v;
	enum mp_lookup lk;
	struct bmark *m;
	char source[MP_NOTICE_TEXT_MAX], note[256], when[32];
	char type[MP_NOTICE_WORD_MAX];
	size_t i, nto = 0, nhad = 0, ntold = 0;

	if (bc->conf->routing_db == NULL) {
		say(bc, "; not re-notified: no RoutingDB is set");
		return 0;
	}
	if (bc->rec.source[0] == '\0') {
		say(bc, "; not re-notified: the notice names no incident to route");
		return 0;
	}
	/* meldpunt's report type: a list row's "open-service:scan_ntp" too */
	snprintf(type, sizeof(type), "%.*s", (int)strcspn(bc->rec.type, ":"),
	    bc->rec.type);
	if (bc->snap->routedb == NULL) {
		fault(bc, bc->snap->routedb_why);
		return -1;
	}
	mp_error_clear(&err);
	lk = mp_route_lookup(bc->snap->routedb, bc->rec.source, &bc->route, &err);
	if (lk == MP_RETRY) {
		fault(bc, err.msg);
		return -1;
	}
	if (lk == MP_FOUND)
		lk = mp_route_pick(&bc->route, type, renotify_health, bc,
		    &bc->pick, &err);
	if (lk == MP_RETRY) {
		fault(bc, err.msg);
		return -1;
	}
	if (lk == MP_NOTFOUND) {
		say(bc, "; not re-notified: no contact left for %s%s%s",
		    bc->rec.source, err.msg[0] ? ": " : "", err.msg);
		for (i = 0; i < bc->pick.nskipped; i++)
			say(bc, "%s%s [%s] %s", i ? "; " : "; skipped: ",
			    bc->pick.skipped[i].c->address,
			    mp_route_rule_name(bc->pick.skipped[i].c->rule),
			    bc->pick.skipped[i].why);
		return 0;
	}
	if ((m = mark_of(bc, now)) == NULL) {
		fault(bc, "out of memory");
		return -1;
	}
	memset(&how, 0, sizeof(how));
	how.msg = renotify_key(bc);
	for (i = 0; i < bc->pick.nto; i++) {
		const struct mp_route_contact *c = bc->pick.to[i];

		if (mp_notice_contact_of(&bc->rec, c->address) != NULL) {
			had[nhad++] = c;
			continue;
		}
		/* The retry of this very DSN is not a duplicate of itself:
		 * the key is the seen record's fingerprint (seen.h). */
		if (mp_seen_check_and_record_msg(seen, bc->rec.type,
		    bc->rec.source, c->address, how.msg, now,
		    bc->conf->renotify_interval, 0, &v, &err) != MP_OK) {
			fault(bc, err.msg);
			return -1;
		}
		if (v != MP_SEEN_NEW) {
			told[ntold++] = c;
			continue;
		}
		snprintf(m->seen[m->nseen++], sizeof(m->seen[0]), "%s",
		    c->address);
		bc->to[nto++] = c;
	}
	if (nto > 0) {
		snprintf(source, sizeof(source), "%s", bc->rec.source);
		mp_pendrow_report(type, source, &r);
		r.reported_at = (time_t)bc->rec.at;
		fmt_time((time_t)bc->rec.at, when, sizeof(when));
		/* the bounced address is another contact's: not named */
		snprintf(note, sizeof(note), "re-notified: notice %s of %s could "
		    "not be delivered to the contact before you", bc->rec.id, when);
		how.received = now;
		how.note = note;
		m->rows = how.msg;	/* a fault half way hides them too */
		if (mp_pendrow_record(seen, &r, bc->to, nto, &how, &err) != MP_OK) {
			fault(bc, err.msg);
			return -1;
		}
		say_list(bc, "; re-notified (queued for the sender) to ", bc->to,
		    nto);
	} else
		say(bc, "; not re-notified:");
	if (nhad > 0)
		say_list(bc, nto ? "; had it in the same notice: " :
		    " had it in the same notice: ", had, nhad);
	if (ntold > 0)
		say_list(bc, nto || nhad ? "; told within RenotifyInterval: " :
		    " told within RenotifyInterval: ", told, ntold);
	return 0;
}

static void
decide(struct bctx *bc)
{
	struct mp_error err;
	struct mp_seen *seen;
	enum mp_outcome o;
	enum mp_lookup lk;
	time_t now = time(NULL);
	int rc;

	if (bc->env->too_large) {
		mp_plan_outcome(bc->plan, MP_OUTCOME_BOUNCE_UNMATCHED, "larger "
		    "than MaximumMessageSize: not read");
		return;
	}
	rc = mp_bounce_classify(bc->env->msg.data, bc->env->msg.len, NULL,
	    &bc->b, &err);
	if (rc == MP_ENOMEM) {
		mp_plan_internal(bc->plan, "out of memory classifying a bounce");
		return;
	}
	if (rc != MP_OK) {
		say(bc, "cannot be read: %s", err.msg);
		mp_plan_outcome(bc->plan, MP_OUTCOME_BOUNCE_NOT_A_BOUNCE, bc->why);
		return;
	}
	find_tag(bc);
	if (bc->tag[0] != '\0' && bc->snap->statedb != NULL) {
		if ((seen = mp_statedb_get(bc->snap->statedb, &err)) == NULL) {
			mp_plan_internal(bc->plan, err.msg);
			return;
		}
		lk = mp_notice_get(seen, bc->tag, &bc->rec, &err);
		if (lk == MP_RETRY) {
			mp_plan_internal(bc->plan, err.msg);
			return;
		}
		if ((bc->have_rec = lk == MP_FOUND))
			find_contact(bc);
	} else
		seen = NULL;
	if (bc->have_rec)
		snprintf(bc->plan->notice_id, sizeof(bc->plan->notice_id), "%s",
		    bc->rec.id);
	switch (bc->b.kind) {
	case MP_BOUNCE_NONE:
		mp_plan_outcome(bc->plan, MP_OUTCOME_BOUNCE_NOT_A_BOUNCE, NULL);
		return;
	case MP_BOUNCE_AUTO_REPLY:
		say(bc, "%s%s%s", mp_bounce_signal_name(bc->b.signal),
		    bc->who != NULL ? " from " : "",
		    bc->who != NULL ? bc->who->addr : "");
		mp_plan_outcome(bc->plan, MP_OUTCOME_BOUNCE_AUTO_REPLY, bc->why);
		return;
	default:
		break;
	}
	if (bc->who == NULL) {
		say(bc, "%s bounce%s%s: %s",
		    mp_bounce_kind_name(bc->b.kind),
		    bc->tag[0] ? " for notice " : "", bc->tag,
		    !bc->tag[0] ? "names no notice" : !bc->have_rec ?
		    "no such notice (expired or never sent)" :
		    "names none of its contacts");
		mp_plan_outcome(bc->plan, MP_OUTCOME_BOUNCE_UNMATCHED, bc->why);
		return;
	}
	say(bc, "%s %s for %s [%s %s] notice %s (%s %s)", mp_bounce_kind_name(bc->b.kind),
	    bc->status[0] ? bc->status : "-", bc->who->addr, bc->who->rule,
	    bc->who->matched, bc->rec.id, bc->rec.type, bc->rec.source);
	o = MP_OUTCOME_BOUNCE_SOFT;
	if (bc->b.kind == MP_BOUNCE_HARD) {
		o = MP_OUTCOME_BOUNCE_HARD;
		/*
		 * The incident's rows are recorded before the bounce is
		 * counted: a bounce in the health record means its rows were
		 * written, so the same DSN again (repeat) needs neither.
		 */
		if ((rc = repeat(bc, seen)) < 0)
			return;
		if (rc == 1)
			say(bc, "; the same bounce again: counted and re-notified "
			    "before");
		else if (renotify(bc, seen, now) != 0 ||
		    count_hard(bc, seen, now) != 0)
			return;
	}
	mp_plan_outcome(bc->plan, o, bc->why);
}

void
mp_bounceflow_decide(const struct mp_snapshot *snap,
    const struct mp_envelope *env, struct mp_plan *plan)
{
	const char *name[4], *value[4];
	struct bctx *bc;
	size_t i, n = 0;

	if ((bc = calloc(1, sizeof(*bc))) == NULL) {
		mp_plan_internal(plan, "out of memory");
		return;
	}
	bc->snap = snap;
	bc->conf = snap->conf;
	bc->env = env;
	bc->plan = plan;
	decide(bc);
	free(bc);
	if (plan->verdict != MP_VERDICT_CONTINUE)
		return;
	name[n] = MP_HDR_FLOW, value[n++] = mp_flow_name(MP_FLOW_BOUNCE);
	name[n] = MP_HDR_OUTCOME, value[n++] = mp_outcome_name(plan->outcome);
	if (plan->reason[0] != '\0')
		name[n] = MP_HDR_REASON, value[n++] = plan->reason;
	if (plan->notice_id[0] != '\0')
		name[n] = MP_HDR_ID, value[n++] = plan->notice_id;
	if (mp_env_drop_forged(env, plan) != MP_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (mp_plan_header(plan, MP_HDR_ADD, name[i], value[i]) != MP_OK)
			goto fail;
	/* Not returned mail (a person writing to BounceAddress, which is the
	 * Identity address when unset): left with its own recipients. */
	if (plan->outcome != MP_OUTCOME_BOUNCE_NOT_A_BOUNCE &&
	    archive(snap->conf, env, plan) != MP_OK)
		goto fail;
	return;
fail:
	if (plan->undo_fn != NULL)
		mp_plan_rollback(plan);
	mp_plan_internal(plan, "cannot add the bounce's header fields or "
	    "ArchiveAddress to the plan (out of memory)");
}
