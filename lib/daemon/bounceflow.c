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

/* The health record a plan added, to take back if the plan fails. */
struct hmark {
	struct mp_statedb *sdb;
	time_t at;
	char addr[MP_HEALTH_ADDR_MAX];
};

static void
hmark_undo(void *arg)
{
	struct hmark *h = arg;
	struct mp_error err;
	struct mp_seen *seen;

	if (h->addr[0] != '\0' && (seen = mp_statedb_get(h->sdb, &err)) != NULL)
		mp_health_undo(seen, h->addr, h->at, &err);
	h->addr[0] = '\0';
}

static void
hmark_free(void *arg)
{
	struct hmark *h = arg;

	mp_statedb_unref(&h->sdb);
	free(h);
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

/* A hard bounce of a known contact: count it. -1 when tempfailed. */
static int
count_hard(struct bctx *bc, struct mp_seen *seen, time_t now)
{
	struct hmark *hm;
	struct mp_health *h;
	struct mp_error err;
	char when[32];
	time_t since;
	unsigned n;

	if ((hm = calloc(1, sizeof(*hm))) == NULL ||
	    (h = malloc(sizeof(*h))) == NULL) {
		free(hm);
		mp_plan_internal(bc->plan, "out of memory");
		return -1;
	}
	if (mp_health_add(seen, bc->who->addr, now, bc->status, bc->rec.id,
	    &err) != MP_OK) {
		free(h);
		free(hm);
		mp_plan_internal(bc->plan, err.msg);
		return -1;
	}
	hm->sdb = mp_statedb_ref(bc->snap->statedb);
	hm->at = now;
	snprintf(hm->addr, sizeof(hm->addr), "%s", bc->who->addr);
	bc->plan->undo_fn = hmark_undo;
	bc->plan->undo_free = hmark_free;
	bc->plan->undo_arg = hm;
	if (mp_health_get(seen, bc->who->addr, h, &err) == MP_RETRY) {
		hmark_undo(hm);
		free(h);
		mp_plan_internal(bc->plan, err.msg);
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
		if (count_hard(bc, seen, now) != 0)
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
