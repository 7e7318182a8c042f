/*
 * callbacks - the libmilter callbacks: thin glue between the MTA and lib/
 *
 * Connection state (the pinned snapshot, the client) lives in a struct
 * conn set with smfi_setpriv at connect and freed at close; message state
 * is the struct mp_envelope inside it, reset at each MAIL FROM and at
 * abort. All callbacks of one connection run on one thread, so none of
 * this needs a lock. Decisions and parsing are in lib/; this file only
 * moves data and calls the modification functions at end of message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "apply.h"
#include "envelope.h"
#include "eom.h"
#include "log.h"
#include "milter.h"

/* The actions later stages need; all must be offered by the MTA. */
#define MP_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | \
	SMFIF_DELRCPT | SMFIF_CHGBODY | SMFIF_CHGFROM)

/*
 * The macros trust decisions rest on, pinned so that an MTA's defaults
 * cannot drift away from them: {daemon_name} at connect (Postfix sets
 * it per service, milter_macro_daemon_name in master.cf), {auth_authen}
 * at MAIL (the SASL login). A list given here
 * replaces the MTA's list for that stage.
 */
static const struct {
	int stage;
	const char *macros;
} symlists[] = {
	{ SMFIM_CONNECT, "j _ {daemon_name} {daemon_addr} {client_addr}" },
	{ SMFIM_ENVFROM, "i {auth_type} {auth_authen} {mail_addr}" },
	{ SMFIM_EOH, "i" },
	{ SMFIM_EOM, "i" },
};

struct conn {
	struct mp_snapshot *snap;	/* pinned for the connection's life */
	char client[INET6_ADDRSTRLEN];
	int can_skip;			/* the MTA offered SMFIP_SKIP */
	int hdr_noreply;		/* header replies negotiated away */
	int leadspc;			/* header values keep their leading space */
	struct mp_envelope env;
	/* The last message's state DB records, made final by the next
	 * command: the MTA has then had our reply and taken the message. A
	 * milter killed before its reply leaves them pending (seen.h), so the
	 * MTA's retry is not taken for a duplicate of itself. */
	struct mp_plan_held held;
};

static struct conn *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/*
 * Every tempfail says why in the log: the MTA only logs "milter ...
 * tempfail", and a mail admin must be able to act on it.
 */
static sfsistat
tempfail(const char *stage, const char *why)
{
	mp_log(LOG_ERR, "%s: tempfail: %s", stage, why);
	return SMFIS_TEMPFAIL;
}

/* No connection state: negotiation or connect failed before (logged). */
#define NO_STATE "no connection state (an earlier step failed)"

static sfsistat
mp_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c;
	unsigned long want = SMFIP_NOUNKNOWN | SMFIP_NODATA;

	if ((f0 & MP_ACTIONS) != MP_ACTIONS) {
		mp_log(LOG_ERR, "the MTA does not offer the modifications "
		    "meldpunt needs (offered 0x%lx, need 0x%lx): use "
		    "milter_protocol = 6", f0, (unsigned long)MP_ACTIONS);
		return SMFIS_REJECT;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return tempfail("negotiate", "out of memory");
	if (f1 & SMFIP_SKIP)
		c->can_skip = 1, want |= SMFIP_SKIP;
	if (f1 & SMFIP_NR_HDR)
		c->hdr_noreply = 1, want |= SMFIP_NR_HDR;
	if (f1 & SMFIP_HDR_LEADSPC)
		c->leadspc = 1, want |= SMFIP_HDR_LEADSPC;
	*pf0 = MP_ACTIONS;
	if (f0 & SMFIF_SETSYMLIST) {
		size_t i;

		*pf0 |= SMFIF_SETSYMLIST;
		for (i = 0; i < sizeof(symlists) / sizeof(symlists[0]); i++)
			smfi_setsymlist(ctx, symlists[i].stage,
			    (char *)symlists[i].macros);
	}
	*pf1 = want & f1;
	*pf2 = *pf3 = 0;
	smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static sfsistat
mp_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL) {	/* an MTA that skipped negotiation: cannot happen with v6 */
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return tempfail("connect", "out of memory");
		smfi_setpriv(ctx, c);
	}
	if ((c->snap = mp_current_acquire(&mp_current_conf)) == NULL)
		return tempfail("connect", "no configuration loaded");
	mp_env_init(&c->env, c->snap->conf);
	c->client[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    c->client, sizeof(c->client));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
		    c->client, sizeof(c->client));
	mp_env_connection(&c->env, c->client, smfi_getsymval(ctx, "{daemon_name}"));
	if (c->client[0] == '\0')
		strcpy(c->client, "unknown");
	return SMFIS_CONTINUE;
}

/* HELO is kept for SPF (a null sender is checked by its HELO name). */
static sfsistat
mp_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || c->snap == NULL)
		return tempfail("helo", NO_STATE);
	mp_env_helo(&c->env, helo);
	return SMFIS_CONTINUE;
}

static sfsistat
mp_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || c->snap == NULL)
		return tempfail("mail", NO_STATE);
	mp_plan_settle(&c->held);
	mp_env_sender(&c->env, argv[0] ? argv[0] : "",
	    smfi_getsymval(ctx, "{auth_authen}"));
	return SMFIS_CONTINUE;
}

static sfsistat
mp_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	int rc;

	if (c == NULL || c->snap == NULL)
		return tempfail("rcpt", NO_STATE);
	/* Never reject or tempfail here: non_smtpd_milters must accept RCPT. */
	if ((rc = mp_env_rcpt(&c->env, argv[0] ? argv[0] : "")) != MP_OK)
		mp_log(LOG_WARNING, "recipient %s not recorded: %s",
		    argv[0] ? argv[0] : "", mp_strerror(rc));
	return SMFIS_CONTINUE;
}

static sfsistat
mp_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || c->snap == NULL)
		return tempfail("header", NO_STATE);
	/* Without HDR_LEADSPC the MTA has stripped the space after the colon. */
	if (mp_env_header(&c->env, name, value, !c->leadspc) == MP_ENOMEM)
		return tempfail("header", "out of memory buffering the header");
	return c->hdr_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
mp_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL || c->snap == NULL)
		return tempfail("eoh", NO_STATE);
	if (mp_env_eoh(&c->env) == MP_ENOMEM)
		return tempfail("eoh", "out of memory reading the header");
	return SMFIS_CONTINUE;
}

static sfsistat
mp_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);
	int rc;

	if (c == NULL || c->snap == NULL)
		return tempfail("body", NO_STATE);
	rc = mp_env_body(&c->env, chunk, len);
	if (rc == MP_ENOMEM)
		return tempfail("body", "out of memory buffering the body");
	/* Nothing more to buffer: let the MTA stop sending the body. */
	if (!mp_env_wants_body(&c->env) && c->can_skip)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

/* How the message ended: the plan's outcome, unless carrying it out failed. */
enum mp_outcome
mp_outcome_final(const struct mp_plan *plan, sfsistat rc)
{
	if (rc == SMFIS_TEMPFAIL && (plan->verdict != MP_VERDICT_TEMPFAIL ||
	    plan->outcome == MP_OUTCOME_PASSED))
		return MP_OUTCOME_TEMPFAIL;	/* applying the plan failed */
	return plan->outcome;
}

static sfsistat
mp_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct mp_plan plan;
	enum mp_outcome outcome;
	const char *qid;
	sfsistat rc;
	int reply;

	if (c == NULL || c->snap == NULL)
		return tempfail("eom", NO_STATE);
	qid = smfi_getsymval(ctx, "i");
	qid = qid ? qid : "NOQUEUE";
	mp_plan_init(&plan);
	mp_eom_decide(c->snap, &c->env, &plan);
	rc = mp_apply(ctx, &plan, c->leadspc, qid);
	/* its last step, with the changes at the MTA and just before the
	 * answer (the sender's mark: outbox.h); what it turns the plan into
	 * (a discard, a tempfail) is the answer then */
	if (rc == SMFIS_CONTINUE && mp_plan_last(&plan) != MP_OK)
		rc = mp_apply(ctx, &plan, c->leadspc, qid);
	if (rc != SMFIS_CONTINUE)
		mp_plan_rollback(&plan);	/* the sender retries: not sent yet */
	else
		mp_plan_hold(&plan, &c->held);	/* final at the next command */
	outcome = mp_outcome_final(&plan, rc);
	/* The reply is logged only where it says more than the reason. */
	reply = plan.smtp_text[0] && strcmp(plan.smtp_text, plan.reason) != 0;
	mp_log(rc == SMFIS_CONTINUE ? LOG_INFO : LOG_WARNING,
	    "%s: client=%s flow=%s outcome=%s%s%s%s%s%s%s%s%s%s%s%s", qid,
	    c->client, mp_flow_name(plan.flow), mp_outcome_log_word(outcome),
	    plan.notice_id[0] ? " id=" : "", plan.notice_id,
	    plan.reason[0] ? " reason=\"" : "", plan.reason,
	    plan.reason[0] ? "\"" : "",
	    plan.warnings[0] ? " warnings=\"" : "", plan.warnings,
	    plan.warnings[0] ? "\"" : "",
	    reply ? " reply=\"" : "", reply ? plan.smtp_text : "",
	    reply ? "\"" : "");
	mp_stats_count(&mp_stats_all, plan.flow, outcome);
	mp_plan_free(&plan);
	mp_env_reset(&c->env);
	return rc;
}

static sfsistat
mp_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL)
		mp_plan_settle(&c->held);
	if (c != NULL && c->snap != NULL)
		mp_env_reset(&c->env);
	return SMFIS_CONTINUE;
}

static sfsistat
mp_close(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	/* A port monitor may connect and close without negotiating. */
	if (c == NULL)
		return SMFIS_CONTINUE;
	mp_plan_settle(&c->held);
	if (c->snap != NULL) {
		mp_env_free(&c->env);
		mp_current_release(&mp_current_conf, &c->snap);
	}
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc mp_filter = {
	.xxfi_name = "meldpunt",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = MP_ACTIONS | SMFIF_SETSYMLIST,
	.xxfi_connect = mp_connect,
	.xxfi_helo = mp_helo,
	.xxfi_envfrom = mp_envfrom,
	.xxfi_envrcpt = mp_envrcpt,
	.xxfi_header = mp_header,
	.xxfi_eoh = mp_eoh,
	.xxfi_body = mp_body,
	.xxfi_eom = mp_eom,
	.xxfi_abort = mp_abort,
	.xxfi_close = mp_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mp_negotiate,
};
