/*
 * eom - see eom.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "eom.h"
#include "identity.h"
#include "intake.h"
#include "msgsplit.h"
#include "sign.h"

/* On the archived or quarantined copy of a report: what it lacked. */
#define MP_HDR_WARNINGS	"X-Meldpunt-Warnings"

/* 1 when some From address is in a protected domain. */
static int
from_protected(const struct mp_conf *conf, const struct mp_envelope *env)
{
	const struct mp_from *f;
	size_t i, j;
	int hit = 0;

	for (i = 0; i < env->nread && !hit; i++) {
		if (env->from_read[i].rc != MP_OK)
			continue;
		f = &env->from_read[i].f;
		for (j = 0; j < f->n && !hit; j++)
			hit = mp_domain_in(mp_addr_domain(f->mbox[j].addr),
			    conf->protected_domains);
	}
	return hit;
}

void
mp_eoh_decide(const struct mp_snapshot *snap, struct mp_envelope *env)
{
	if (env->flow == MP_FLOW_OTHER && snap->conf->protected_domains != NULL &&
	    from_protected(snap->conf, env))
		env->flow = MP_FLOW_OUTBOUND;
}

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
		mp_plan_outcome(plan, "rejected:identity", d.reason);
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
	/* Signed as delivered: forged meldpunt fields deleted (strip_forged),
	 * X-Meldpunt-Flow appended (mp_eom_decide). */
	static const char *const drop[] = { MP_HDR_FLOW, MP_HDR_OUTCOME, MP_HDR_REASON,
	    MP_HDR_ID, NULL };
	const char *add_name[] = { MP_HDR_FLOW }, *add_value[] = { mp_flow_name(env->flow) };
	struct mp_sign_edit ed = { drop, add_name, add_value, 1 };
	struct mp_sign_out out;
	struct mp_error err;
	size_t i;

	if (snap->signer == NULL)
		return;
	if (env->too_large) {
		mp_plan_reject(plan, "5.3.4", "meldpunt: message too large to "
		    "sign (MaximumMessageSize)");
		mp_plan_outcome(plan, "rejected:too-large", "too large to sign");
		return;
	}
	/* Date and Message-ID are oversigned: added by the MTA after the
	 * signature, they would break it. The sender must write them. */
	if (!has_field(env, "Date") || !has_field(env, "Message-ID")) {
		mp_plan_reject(plan, "5.6.0", "meldpunt: mail sent as a protected "
		    "domain needs its own Date: and Message-ID: header fields "
		    "before it is signed");
		mp_plan_outcome(plan, "rejected:unsignable", "no Date: or Message-ID:");
		return;
	}
	if (mp_sign_edited(snap->signer, env->msg.data, env->msg.len, &ed, &out,
	    &err) != MP_OK) {
		mp_plan_internal(plan, err.msg);
		return;
	}
	/* Inserted at the top one by one: the last goes in first. */
	for (i = out.n; i > 0; i--)
		if (mp_plan_header(plan, MP_HDR_INSERT0, out.hdr[i - 1].name,
		    out.hdr[i - 1].value) != MP_OK) {
			mp_plan_internal(plan, "cannot add the DKIM-Signature "
			    "header to the plan (out of memory)");
			break;
		}
	if (plan->verdict == MP_VERDICT_CONTINUE)
		mp_plan_outcome(plan, "signed", NULL);
	mp_sign_out_clear(&out);
}

/* Forged copies are deleted from the last instance down. */
static int
strip_forged(const struct mp_envelope *env, struct mp_plan *plan)
{
	unsigned i;
	int h, rc = MP_OK;

	for (h = 0; h < MP_OWNED_COUNT; h++)
		for (i = env->owned[h]; i >= 1 && rc == MP_OK; i--)
			rc = mp_plan_delete(plan, mp_owned_hdr_name(h), i);
	return rc;
}

static int
outcome_headers(struct mp_plan *plan)
{
	int rc;

	if (plan->outcome[0] == '\0')
		return MP_OK;
	if ((rc = mp_plan_header(plan, MP_HDR_ADD, MP_HDR_OUTCOME,
	    plan->outcome)) != MP_OK)
		return rc;
	/* A notification's reason names every contact and rule, and its
	 * warnings are about the reporter's report: log only. */
	if (strcmp(plan->outcome, "notified") == 0)
		return MP_OK;
	if (plan->reason[0] != '\0' && (rc = mp_plan_header(plan, MP_HDR_ADD,
	    MP_HDR_REASON, plan->reason)) != MP_OK)
		return rc;
	if (plan->warnings[0] == '\0')
		return MP_OK;
	return mp_plan_header(plan, MP_HDR_ADD, MP_HDR_WARNINGS, plan->warnings);
}

void
mp_eom_decide(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	int speaks, replaced = 0;

	if ((speaks = check_identity(snap, env, plan)) < 0)
		return;
	if (env->flow == MP_FLOW_INTAKE)
		mp_intake_decide(snap, env, plan, &replaced);
	if (plan->verdict != MP_VERDICT_CONTINUE)
		return;
	/* A replaced header has lost the forged copies with the rest. The
	 * review copy of a report must not carry the sender's own
	 * X-Meldpunt-Warnings (envelope.c does not count that one). */
	if ((!replaced && strip_forged(env, plan) != MP_OK) ||
	    (!replaced && env->flow == MP_FLOW_INTAKE &&
	    mp_plan_delete_named(plan, env->msg.data, env->msg.len,
	    MP_HDR_WARNINGS) != MP_OK) ||
	    mp_plan_header(plan, MP_HDR_ADD, MP_HDR_FLOW,
	    mp_flow_name(env->flow)) != MP_OK) {
		mp_plan_internal(plan, "cannot add the X-Meldpunt header changes "
		    "to the plan (out of memory)");
		return;
	}
	if (env->flow != MP_FLOW_INTAKE && speaks)
		sign_message(snap, env, plan);
	/* "signed" is the log's business; the header speaks of intake only. */
	if (plan->verdict == MP_VERDICT_CONTINUE && env->flow == MP_FLOW_INTAKE &&
	    outcome_headers(plan) != MP_OK) {
		/* Keep the outcome that was decided in the reason. */
		char why[sizeof(plan->outcome) + 64];

		snprintf(why, sizeof(why), "cannot add the X-Meldpunt-Outcome "
		    "header (%s) to the plan", plan->outcome);
		mp_plan_internal(plan, why);
	}
}
