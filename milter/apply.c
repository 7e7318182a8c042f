/*
 * apply - carry out a plan (lib/daemon/plan.h) with libmilter's modification calls
 *
 * The only place that turns a lib/ decision into smfi_* calls, and the one
 * place where a failure becomes SMFIS_TEMPFAIL: if any change cannot be
 * made, the MTA keeps the message and the sender retries.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "log.h"

/*
 * With SMFIP_HDR_LEADSPC negotiated the MTA adds no space after the
 * colon, so the value must bring its own.
 */
static int
add_header(SMFICTX *ctx, const struct mp_hdr_change *h, int leadspc)
{
	char *v = h->value;
	int rc;

	if (leadspc && (v = malloc(strlen(h->value) + 2)) != NULL) {
		v[0] = ' ';
		strcpy(v + 1, h->value);
	}
	if (v == NULL)
		return MI_FAILURE;
	if (h->op == MP_HDR_INSERT0)
		rc = smfi_insheader(ctx, 0, h->name, v);
	else
		rc = smfi_addheader(ctx, h->name, v);
	if (v != h->value)
		free(v);
	return rc;
}

static int
apply_headers(SMFICTX *ctx, const struct mp_plan *p, int leadspc)
{
	size_t i;
	int rc = MI_SUCCESS;

	for (i = 0; i < p->nhdrs && rc == MI_SUCCESS; i++) {
		const struct mp_hdr_change *h = &p->hdrs[i];

		if (h->op == MP_HDR_DELETE)
			rc = smfi_chgheader(ctx, h->name, (int)h->index, NULL);
		else
			rc = add_header(ctx, h, leadspc);
	}
	return rc;
}

static int
apply_envelope(SMFICTX *ctx, const struct mp_plan *p)
{
	size_t i;

	for (i = 0; i < p->ndel; i++)
		if (smfi_delrcpt(ctx, p->del_rcpts[i]) != MI_SUCCESS)
			return MI_FAILURE;
	for (i = 0; i < p->nadd; i++)
		if (smfi_addrcpt(ctx, p->add_rcpts[i]) != MI_SUCCESS)
			return MI_FAILURE;
	if (p->new_sender != NULL &&
	    smfi_chgfrom(ctx, p->new_sender, NULL) != MI_SUCCESS)
		return MI_FAILURE;
	return MI_SUCCESS;
}

sfsistat
mp_apply(SMFICTX *ctx, const struct mp_plan *p, int leadspc, const char *qid)
{
	if (p->verdict == MP_VERDICT_DISCARD)
		return SMFIS_DISCARD;
	if (p->verdict != MP_VERDICT_CONTINUE) {
		smfi_setreply(ctx, (char *)p->smtp_code, (char *)p->smtp_xcode,
		    (char *)p->smtp_text);
		return p->verdict == MP_VERDICT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
	}
	if (apply_headers(ctx, p, leadspc) != MI_SUCCESS) {
		mp_log(LOG_ERR, "%s: changing the header failed; tempfail", qid);
		return SMFIS_TEMPFAIL;
	}
	if (p->replace_body &&
	    smfi_replacebody(ctx, (unsigned char *)p->body.data, (int)p->body.len)
	    != MI_SUCCESS) {
		mp_log(LOG_ERR, "%s: replacing the body failed; tempfail", qid);
		return SMFIS_TEMPFAIL;
	}
	if (apply_envelope(ctx, p) != MI_SUCCESS) {
		mp_log(LOG_ERR, "%s: changing the envelope failed; tempfail", qid);
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}
