/*
 * eom - see eom.h
 */
#include "config.h"

#include <stdio.h>

#include "eom.h"

/* Forged copies are deleted from the last instance down. */
static int
strip_forged(const struct mp_envelope *env, struct mp_plan *plan)
{
	unsigned i;
	int h, rc;

	for (h = 0; h < MP_OWNED_COUNT; h++)
		for (i = env->owned[h]; i >= 1; i--) {
			rc = mp_plan_header(plan, MP_HDR_DELETE,
			    mp_owned_hdr_name(h), NULL);
			if (rc != MP_OK)
				return rc;
			plan->hdrs[plan->nhdrs - 1].index = i;
		}
	return MP_OK;
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
	if (plan->reason[0] == '\0')
		return MP_OK;
	return mp_plan_header(plan, MP_HDR_ADD, MP_HDR_REASON, plan->reason);
}

static void
decide_intake(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	char reason[200];

	if (env->too_large) {
		snprintf(reason, sizeof(reason), "message of %zu bytes is larger "
		    "than MaximumMessageSize %zu; not processed", env->size,
		    snap->conf->max_message_size);
		mp_plan_outcome(plan, "quarantined:too-large", reason);
	}
}

void
mp_eom_decide(const struct mp_snapshot *snap, const struct mp_envelope *env,
    struct mp_plan *plan)
{
	if (strip_forged(env, plan) != MP_OK ||
	    mp_plan_header(plan, MP_HDR_ADD, MP_HDR_FLOW,
	    mp_flow_name(env->flow)) != MP_OK) {
		mp_plan_tempfail(plan, "meldpunt: internal error, try again later");
		return;
	}
	if (env->flow == MP_FLOW_INTAKE)
		decide_intake(snap, env, plan);
	if (plan->verdict == MP_VERDICT_CONTINUE && outcome_headers(plan) != MP_OK)
		mp_plan_tempfail(plan, "meldpunt: internal error, try again later");
}
