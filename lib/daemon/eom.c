/*
 * eom - see eom.h
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounceflow.h"
#include "eom.h"
#include "identity.h"
#include "intake.h"
#include "msgsplit.h"
#include "notices.h"
#include "outbox.h"
#include "seen.h"
#include "replyflow.h"
#include "sign.h"
#include "statedb.h"

/*
 * The identity check. Returns 1 when the message speaks for a protected
 * domain and may (so it is to be signed), 0 when it does not speak for
 * one, -1 when the plan now rejects or tempfails it.
 */
static int
check_identity(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	const struct mp_conf *c = snap->conf;
	struct mp_identity_policy pol = {
		.protected_domains = c->protected_domains,
		.map = snap->idmap,
		.trusted = snap->trusted,
		.submission_daemons = c->submission_daemons,
	};
	struct mp_identity_input in = {
		.auth_authen = env->auth_authen,
		.daemon_name = env->daemon_name,
		.client_addr = env->client_addr[0] ? env->client_addr : NULL,
		/* as given: a source route must not hide a protected domain */
		.envelope_sender = env->sender_raw,
		.from = (const char *const *)env->from,
		/* read at EOH; without one (no EOH yet) the decision reads them */
		.read = env->nread == env->nfrom || env->nread == MP_ENV_FROM_MAX ?
		    env->from_read : NULL,
		.nfrom = env->nfrom < MP_ENV_FROM_MAX ? env->nfrom : MP_ENV_FROM_MAX,
		.nfrom_seen = env->nfrom,
	};
	struct mp_identity_decision d;
	char why[128];
	int rc;

	if (c->protected_domains == NULL)
		return 0;
	if ((rc = mp_identity_decide(&pol, &in, &d)) != MP_OK) {
		snprintf(why, sizeof(why), "the identity check of the From "
		    "fields could not be made: %s", mp_strerror(rc));
		mp_plan_internal(plan, why);
		return -1;
	}
	if (d.verdict == MP_IDENTITY_REJECT) {
		mp_plan_reject(plan, MP_IDENTITY_XCODE, d.reason);
		mp_plan_outcome(plan, MP_OUTCOME_REJECTED_IDENTITY, d.reason);
		return -1;
	}
	return d.protected;
}

/* 1 when the buffered header has a field `name`. */
static int
has_field(const struct mp_envelope *env, const char *name)
{
	struct mp_msg L;
	size_t i;
	int found = 0;

	if (mp_msg_split(env->msg.data, env->msg.len, MP_SIGN_MAX_FIELDS, &L, NULL) != 0)
		return 1;	/* the signer says what is wrong with it */
	for (i = 0; i < L.n && !found; i++)
		found = mp_msg_field_is(&L.f[i], name);
	mp_msg_clear(&L);
	return found;
}

static void
sign_message(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	/* Signed as delivered: forged meldpunt fields deleted
	 * (mp_env_drop_forged), X-Meldpunt-Flow appended (mp_eom_decide). */
	static const char *const drop[] = { MP_HDR_FLOW, MP_HDR_OUTCOME, MP_HDR_REASON,
	    MP_HDR_ID, NULL };
	const char *add_name[] = { MP_HDR_FLOW }, *add_value[] = { mp_flow_name(env->flow) };
	struct mp_sign_edit ed = { drop, add_name, add_value, 1 };
	struct mp_error err;

	if (snap->signer == NULL)
		return;
	if (env->too_large) {
		mp_plan_reject(plan, "5.3.4", "meldpunt: message too large to "
		    "sign (MaximumMessageSize)");
		mp_plan_outcome(plan, MP_OUTCOME_REJECTED_TOO_LARGE,
		    "too large to sign");
		return;
	}
	/* Date and Message-ID are oversigned: added by the MTA after the
	 * signature, they would break it. The sender must write them. */
	if (!has_field(env, "Date") || !has_field(env, "Message-ID")) {
		mp_plan_reject(plan, "5.6.0", "meldpunt: mail sent as a protected "
		    "domain needs its own Date: and Message-ID: header fields "
		    "before it is signed");
		mp_plan_outcome(plan, MP_OUTCOME_REJECTED_UNSIGNABLE,
		    "no Date: or Message-ID:");
		return;
	}
	if (mp_plan_sign(plan, snap->signer, env->msg.data, env->msg.len, &ed,
	    &err) != MP_OK) {
		mp_plan_internal(plan, err.msg);
		return;
	}
	mp_plan_outcome(plan, MP_OUTCOME_SIGNED, NULL);
}

/* The value of the first header field `name`, unfolded, in out[size]; 0
 * when there is none. */
static int
field_value(const struct mp_envelope *env, const char *name, char *out,
    size_t size)
{
	struct mp_msg L;
	size_t i, n;
	const char *v;
	int found = 0;

	if (mp_msg_split(env->msg.data, env->msg.len, MP_SIGN_MAX_FIELDS, &L,
	    NULL) != 0)
		return 0;
	for (i = 0; i < L.n && !found; i++) {
		if (!mp_msg_field_is(&L.f[i], name))
			continue;
		if ((v = memchr(L.f[i].p, ':', L.f[i].len)) == NULL)
			continue;
		v++;
		n = L.f[i].len - (size_t)(v - L.f[i].p);
		while (n > 0 && (*v == ' ' || *v == '\t'))
			v++, n--;
		while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
		    v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n > 0 && n < size && memchr(v, '\n', n) == NULL) {
			memcpy(out, v, n);
			out[n] = '\0';
			found = 1;
		}
	}
	mp_msg_clear(&L);
	return found;
}

/* The mark of a sender notification, taken back when the MTA does not
 * keep the message (mp_plan_rollback). */
struct smark {
	struct mp_statedb *sdb;
	char id[MP_NOTICE_ID_MAX];
};

static void
smark_undo(void *arg)
{
	struct smark *m = arg;
	struct mp_error err;
	struct mp_seen *seen = mp_statedb_get(m->sdb, &err);

	if (seen != NULL)
		(void)mp_outbox_unsign(seen, m->id, &err);
}

static void
smark_free(void *arg)
{
	struct smark *m = arg;

	mp_statedb_unref(&m->sdb);
	free(m);
}

/* The plan for a repeat of notice `id`: discarded. */
static void
repeat(struct mp_plan *plan, const char *id)
{
	char why[MP_NOTICE_ID_MAX + 128];

	snprintf(why, sizeof(why), "notice %s was signed and handed on "
	    "before: a repeat from the sender, discarded", id);
	mp_plan_discard(plan);
	mp_plan_outcome(plan, MP_OUTCOME_DISCARDED_REPEAT, why);
}

/*
 * The last step of a sender notice's plan (mp_plan_last): the mark,
 * synced (outbox.c), once the signature is at the MTA. A copy signed at
 * the same time got there first: this one is a repeat.
 */
static int
smark_last(struct mp_plan *plan, void *arg)
{
	struct smark *m = arg;
	enum mp_outbox_sign v;
	struct mp_error err;
	struct mp_seen *seen;

	mp_error_clear(&err);
	if ((seen = mp_statedb_get(m->sdb, &err)) == NULL ||
	    mp_outbox_sign_once(seen, m->id, time(NULL), &v, &err) != MP_OK) {
		mp_plan_internal(plan, err.msg);
		return MP_ERETRY;
	}
	if (v != MP_OUTBOX_FIRST) {
		repeat(plan, m->id);
		return MP_EINPUT;
	}
	plan->undo_fn = smark_undo;	/* the MTA did not keep it after all */
	return MP_OK;
}

/*
 * A notification of the sender (sender.h): its X-Meldpunt-Id names a
 * record in the outbox, which only the sender writes, under an id no one
 * else has seen yet - that is its authority to speak as the
 * clearinghouse. Signed once; a repeat (the sender died before it knew
 * the MTA had the first) is discarded, which is what makes the sending
 * exactly once (outbox.h). Returns 1 when the plan is made, 0 when the
 * message is not the sender's.
 *
 * The mark is the last thing done before the answer: asked for first
 * (peek), signed, and marked and synced in the plan's last step
 * (smark_last), which the milter runs once the signature is at the MTA.
 * A milter killed after the mark and before the MTA has the answer
 * leaves a mark for a copy the MTA did not keep, and the sender's next
 * copy is discarded (outbox.h, "the one gap"); marking last keeps that
 * window to the mark's own sync (outbox.c syncs what was written before
 * it first). Two copies signed at the same time meet at the mark: the
 * second is discarded.
 */
static int
sender_notice(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	static const char *const drop[] = { NULL };
	const char *add_name[] = { MP_HDR_FLOW }, *add_value[] = { "outbound" };
	struct mp_sign_edit ed = { drop, add_name, add_value, 1 };
	char id[MP_NOTICE_ID_MAX], why[MP_NOTICE_ID_MAX + 128];
	enum mp_outbox_sign v;
	struct mp_error err;
	struct mp_seen *seen;
	struct smark *m;

	if (snap->conf->submit_addr == NULL || env->flow != MP_FLOW_OUTBOUND ||
	    !field_value(env, MP_HDR_ID, id, sizeof(id)))
		return 0;
	mp_error_clear(&err);
	if ((seen = mp_statedb_get(snap->statedb, &err)) == NULL ||
	    mp_outbox_sign_peek(seen, id, &v, &err) != MP_OK) {
		mp_plan_internal(plan, err.msg);
		return 1;
	}
	if (v == MP_OUTBOX_NOT_OURS)
		return 0;
	if (v == MP_OUTBOX_REPEAT) {
		repeat(plan, id);
		return 1;
	}
	if (mp_plan_header(plan, MP_HDR_ADD, MP_HDR_FLOW, "outbound") != MP_OK) {
		mp_plan_internal(plan, "out of memory");
		return 1;
	}
	/* without keys it leaves unsigned, as every notification then does */
	if (snap->signer != NULL && mp_plan_sign(plan, snap->signer,
	    env->msg.data, env->msg.len, &ed, &err) != MP_OK) {
		mp_plan_internal(plan, err.msg);
		return 1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		mp_plan_internal(plan, "out of memory");
		return 1;
	}
	m->sdb = mp_statedb_ref(snap->statedb);
	snprintf(m->id, sizeof(m->id), "%s", id);
	plan->last_fn = smark_last;
	plan->undo_free = smark_free;
	plan->undo_arg = m;
	snprintf(plan->notice_id, sizeof(plan->notice_id), "%s", id);
	snprintf(why, sizeof(why), "notice %s of the sender", id);
	mp_plan_outcome(plan, MP_OUTCOME_SENT, why);
	return 1;
}

/*
 * Intake writes its own header fields (intake.h), and so do the bounce
 * and reply flows; every other flow loses the sender's X-Meldpunt-*
 * fields and gets X-Meldpunt-Flow, and is signed when it speaks for a
 * protected domain. The header says no outcome: "signed" is the log's
 * business.
 *
 * Replies (replyflow.h) are told apart before any report parser runs:
 * after the identity check (an outsider's protected From is refused
 * whatever it answers) and, for mail to the bounce address alone, after
 * the bounce flow found it is not returned mail. Mail that speaks for a
 * protected domain may (the clearinghouse's own) is never a reply.
 */
void
mp_eom_decide(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	int speaks;
	size_t i;

	plan->flow = env->flow;
	/*
	 * Returned mail to the bounce address alone is archived, never
	 * signed and never sent on: the MTA's own DSN (From MAILER-DAEMON@
	 * its host name, often in a protected domain) needs no identity
	 * check. What is not returned mail stays with its own recipients -
	 * people, when BounceAddress is the Identity address - so it is
	 * judged like any other mail: an outsider's protected From is
	 * refused there too.
	 */
	if (env->flow == MP_FLOW_BOUNCE) {
		for (i = 0; i < env->nrcpts; i++)
			if (!mp_bounce_is_addr(snap->conf, env->rcpts_norm[i]))
				break;
		if (i == env->nrcpts) {
			mp_bounceflow_decide(snap, env, plan);
			if (plan->verdict != MP_VERDICT_CONTINUE ||
			    plan->outcome != MP_OUTCOME_BOUNCE_NOT_A_BOUNCE)
				return;
			/* not-a-bounce makes no marks; start over */
			if (plan->undo_fn != NULL)
				mp_plan_rollback(plan);
			mp_plan_free(plan);
			mp_plan_init(plan);
			plan->flow = env->flow;
		}
	}
	if (sender_notice(snap, env, plan))
		return;
	if ((speaks = check_identity(snap, env, plan)) < 0)
		return;
	if (!speaks && mp_replyflow_decide(snap, env, plan))
		return;
	if (env->flow == MP_FLOW_INTAKE) {
		mp_intake_decide(snap, env, plan);
		return;
	}
	if (env->flow == MP_FLOW_BOUNCE) {
		mp_bounceflow_decide(snap, env, plan);
		return;
	}
	if (mp_env_drop_forged(env, plan) != MP_OK ||
	    mp_plan_header(plan, MP_HDR_ADD, MP_HDR_FLOW,
	    mp_flow_name(env->flow)) != MP_OK) {
		mp_plan_internal(plan, "cannot add the X-Meldpunt header changes "
		    "to the plan (out of memory)");
		return;
	}
	if (speaks)
		sign_message(snap, env, plan);
}
