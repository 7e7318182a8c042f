/*
 * replyflow - see replyflow.h
 *
 * Nothing here writes the state DB: a reply is only looked up, so a
 * plan that is not carried out has nothing to take back, and a retry
 * after a tempfail is decided the same way.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bounce.h"
#include "bounceflow.h"
#include "message.h"
#include "msgsplit.h"
#include "notices.h"
#include "replyflow.h"
#include "seen.h"
#include "statedb.h"
#include "ticket.h"
#include "tickets.h"

#define NOTICE_ID_LEN	29	/* "MP-" and 26 base32 characters */
#define HDR_PREFIX	"X-Meldpunt-"
#define HDR_NAME_MAX	128	/* longer names are not ours (plan.c) */
/* One X-Meldpunt-Contact value: address [rule matched]; with the name,
 * within the 998 bytes of a header line. */
#define CONTACT_VALUE_MAX (MP_NOTICE_ADDR_MAX + MP_NOTICE_WORD_MAX + \
	MP_NOTICE_TEXT_MAX + 4)

int
mp_reply_is_addr(const struct mp_conf *conf, const char *rcpt)
{
	if (rcpt == NULL || *rcpt == '\0')
		return 0;
	return mp_addr_in(rcpt, conf->intake) ||
	    (conf->identity_addr != NULL &&
	    strcasecmp(rcpt, conf->identity_addr) == 0) ||
	    (conf->reply_addr != NULL &&
	    strcasecmp(rcpt, conf->reply_addr) == 0) ||
	    mp_bounce_is_addr(conf, rcpt);
}

struct rctx {
	const struct mp_snapshot *snap;
	const struct mp_conf *conf;
	const struct mp_envelope *env;
	struct mp_plan *plan;
	size_t hlen;			/* bytes of the header, blank line included */
	char ids[MP_REPLY_IDS][NOTICE_ID_LEN + 1];
	const char *id_from[MP_REPLY_IDS];	/* the field that named it */
	size_t nids;
	char ticket[MP_TICKET_MAX];	/* the Subject's, or "" */
	struct mp_notice_rec rec;	/* the notification replied to */
	const char *by;			/* what matched: a field name, "ticket" */
	char rec_ticket[MP_TICKET_MAX];	/* the notification's ticket, or "" */
	char why[512];
};

/* Append to the reason, cut at its size. */
static void say(struct rctx *rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
say(struct rctx *rc, const char *fmt, ...)
{
	size_t len = strlen(rc->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rc->why + len, sizeof(rc->why) - len, fmt, ap);
	va_end(ap);
}

/* 1 when p[n] is a notice id as notify.c makes them. */
static int
notice_id_form(const char *p, size_t n)
{
	size_t i;

	if (n != NOTICE_ID_LEN || strncasecmp(p, "MP-", 3) != 0)
		return 0;
	for (i = 3; i < n; i++)
		if (!isalpha((unsigned char)p[i]) && (p[i] < '2' || p[i] > '7'))
			return 0;
	return 1;
}

/* 1 when p[n] is the Identity domain or in ProtectedDomains. */
static int
our_domain(const struct mp_conf *c, const char *p, size_t n)
{
	char d[MP_ADDR_MAX + 1];
	const char *idd;

	if (n == 0 || n >= sizeof(d))
		return 0;
	memcpy(d, p, n);
	d[n] = '\0';
	if (c->identity_addr != NULL && *(idd = mp_addr_domain(c->identity_addr))
	    != '\0' && strcasecmp(d, idd) == 0)
		return 1;
	return mp_domain_in(d, c->protected_domains);
}

/*
 * The notice ids of the notification Message-IDs in `v` (In-Reply-To or
 * References: "<id@domain>" among other ids and comments), each once, up
 * to MP_REPLY_IDS in all.
 */
static void
scan_ids(struct rctx *rc, const char *v, const char *field)
{
	const char *p = v, *lt, *gt, *at;
	size_t i;

	while (p != NULL && rc->nids < MP_REPLY_IDS &&
	    (lt = strchr(p, '<')) != NULL && (gt = strchr(lt + 1, '>')) != NULL) {
		p = gt + 1;
		if ((at = memchr(lt + 1, '@', (size_t)(gt - lt - 1))) == NULL ||
		    !notice_id_form(lt + 1, (size_t)(at - lt - 1)) ||
		    !our_domain(rc->conf, at + 1, (size_t)(gt - at - 1)))
			continue;
		for (i = 0; i < rc->nids; i++)
			if (strncasecmp(rc->ids[i], lt + 1, NOTICE_ID_LEN) == 0)
				break;
		if (i < rc->nids)
			continue;
		memcpy(rc->ids[rc->nids], lt + 1, NOTICE_ID_LEN);
		rc->ids[rc->nids][NOTICE_ID_LEN] = '\0';
		rc->id_from[rc->nids++] = field;
	}
}

/*
 * What the header names: notification ids and a ticket. 1 when it names
 * any, 0 when not (or it does not read as MIME), -1 when the plan now
 * tempfails (no memory).
 */
static int
read_header(struct rctx *rc)
{
	const struct mp_buf *msg = &rc->env->msg;
	struct mp_message_limits lim;
	struct mp_message *m = NULL;
	struct mp_error err;
	const char *end, *subj;
	int r;

	end = msg->len >= 4 ? memmem(msg->data, msg->len, "\r\n\r\n", 4) : NULL;
	rc->hlen = end != NULL ? (size_t)(end - msg->data) + 4 : msg->len;
	mp_message_limits_default(&lim);
	lim.max_size = rc->hlen;
	lim.max_header = MP_ENV_HEADER_MAX;
	r = mp_message_parse(msg->data, rc->hlen, &lim, &m, &err);
	if (r == MP_ENOMEM) {
		mp_plan_internal(rc->plan, "out of memory reading a header");
		return -1;
	}
	if (r != MP_OK)
		return 0;
	scan_ids(rc, mp_message_header(m, "In-Reply-To"), "In-Reply-To");
	scan_ids(rc, mp_message_header(m, "References"), "References");
	/* decoded: mail programs RFC 2047-encode a Subject with an accent */
	if ((subj = mp_message_header(m, "Subject")) == NULL ||
	    !mp_ticket_scan(subj, rc->ticket))
		rc->ticket[0] = '\0';
	mp_message_free(&m);
	return rc->nids > 0 || rc->ticket[0] != '\0';
}

/*
 * The notification it answers. 1 found (rc->rec, rc->by), 0 none known,
 * -1 when the plan now tempfails (the state DB cannot answer).
 */
static int
find_notice(struct rctx *rc)
{
	char id[MP_NOTICE_ID_MAX];
	struct mp_error err;
	struct mp_seen *seen;
	enum mp_lookup lk;
	size_t i;

	mp_error_clear(&err);
	if ((seen = mp_statedb_get(rc->snap->statedb, &err)) == NULL)
		goto retry;
	for (i = 0; i < rc->nids; i++) {
		if ((lk = mp_notice_get(seen, rc->ids[i], &rc->rec, &err)) ==
		    MP_RETRY)
			goto retry;
		if (lk == MP_FOUND) {
			rc->by = rc->id_from[i];
			break;
		}
	}
	if (rc->by == NULL && rc->ticket[0] != '\0') {
		if ((lk = mp_ticket_find(seen, rc->ticket, id, sizeof(id), &err))
		    == MP_RETRY)
			goto retry;
		/* a ticket whose notification was taken back leads nowhere */
		if (lk == MP_FOUND && (lk = mp_notice_get(seen, id, &rc->rec,
		    &err)) == MP_RETRY)
			goto retry;
		if (lk == MP_FOUND)
			rc->by = "ticket";
	}
	if (rc->by == NULL)
		return 0;
	/* stored lower-cased (notices.h); shown as notify.c writes it */
	if (strncasecmp(rc->rec.id, "MP-", 3) == 0)
		memcpy(rc->rec.id, "MP-", 3);
	/* the notification's own ticket, whatever the Subject says now */
	if (mp_ticket_of(seen, rc->rec.id, rc->rec_ticket, &err) == MP_RETRY)
		goto retry;
	return 1;
retry:
	mp_plan_internal(rc->plan, err.msg[0] ? err.msg : "the state DB cannot "
	    "answer whether this is a reply to a notification");
	return -1;
}

/*
 * 1 when the message is automatic, with what said so in *sig; 0 when a
 * person wrote it (or it does not read: a person decides); -1 when the
 * plan now tempfails.
 */
static int
automatic(struct rctx *rc, const char **sig)
{
	struct mp_bounce *b;
	struct mp_error err;
	int r, yes = 0;

	if ((b = malloc(sizeof(*b))) == NULL) {
		mp_plan_internal(rc->plan, "out of memory");
		return -1;
	}
	r = mp_bounce_classify(rc->env->msg.data, rc->env->msg.len, NULL, b, &err);
	if (r == MP_ENOMEM) {
		free(b);
		mp_plan_internal(rc->plan, "out of memory classifying a reply");
		return -1;
	}
	if (r == MP_OK && (b->kind == MP_BOUNCE_AUTO_REPLY ||
	    b->signal == MP_BSIG_DSN)) {
		*sig = mp_bounce_signal_name(b->signal);
		yes = 1;
	}
	free(b);
	return yes;
}

/* Delete every X-Meldpunt-* field of the header, each name once. */
static int
drop_ours(struct rctx *rc)
{
	const struct mp_buf *msg = &rc->env->msg;
	size_t pre = sizeof(HDR_PREFIX) - 1, i, j;
	char name[HDR_NAME_MAX];
	struct mp_msg L;
	int r = MP_OK;

	/* GMime forgives more than the splitter (a header that starts with
	 * a fold): then the fields the envelope counted go, as for any flow. */
	if (mp_msg_split(msg->data, rc->hlen, MP_MESSAGE_MAX_HEADERS, &L, NULL)
	    != MP_OK)
		return mp_env_drop_forged(rc->env, rc->plan);
	for (i = 0; r == MP_OK && i < L.n; i++) {
		if (L.f[i].namelen < pre || L.f[i].namelen >= sizeof(name) ||
		    strncasecmp(L.f[i].p, HDR_PREFIX, pre) != 0)
			continue;
		for (j = 0; j < i; j++)
			if (L.f[j].namelen == L.f[i].namelen &&
			    strncasecmp(L.f[j].p, L.f[i].p, L.f[i].namelen) == 0)
				break;
		if (j < i)
			continue;	/* that name is done */
		memcpy(name, L.f[i].p, L.f[i].namelen);
		name[L.f[i].namelen] = '\0';
		r = mp_plan_delete_named(rc->plan, msg->data, rc->hlen, name);
	}
	mp_msg_clear(&L);
	return r;
}

/* Add a field; one whose value the plan refuses (it came from a report,
 * through the state DB) is left out rather than failing the reply. */
static int
add(struct mp_plan *plan, const char *name, const char *value)
{
	int r = mp_plan_header(plan, MP_HDR_ADD, name, value);

	return r == MP_EINPUT ? MP_OK : r;
}

static int
headers(struct rctx *rc)
{
	struct mp_plan *plan = rc->plan;
	char v[CONTACT_VALUE_MAX];
	size_t i;
	int r;

	if ((r = drop_ours(rc)) != MP_OK ||
	    (r = add(plan, MP_HDR_FLOW, mp_flow_name(MP_FLOW_REPLY))) != MP_OK ||
	    (r = add(plan, MP_HDR_OUTCOME, mp_outcome_name(plan->outcome))) !=
	    MP_OK ||
	    (r = add(plan, MP_HDR_REASON, plan->reason)) != MP_OK ||
	    (r = add(plan, MP_HDR_NOTICE, rc->rec.id)) != MP_OK)
		return r;
	if (rc->rec_ticket[0] != '\0' &&
	    (r = add(plan, MP_HDR_TICKET, rc->rec_ticket)) != MP_OK)
		return r;
	for (i = 0; i < rc->rec.ncontacts; i++) {
		snprintf(v, sizeof(v), "%s [%s %s]", rc->rec.contact[i].addr,
		    rc->rec.contact[i].rule, rc->rec.contact[i].matched);
		if ((r = add(plan, MP_HDR_CONTACT, v)) != MP_OK)
			return r;
	}
	snprintf(v, sizeof(v), "%s %s", rc->rec.type, rc->rec.source);
	return add(plan, MP_HDR_REPORT, v);
}

/* Deliver to `to` alone instead of the recipients; NULL: leave them. */
static int
redirect(struct rctx *rc, const char *to)
{
	const struct mp_envelope *env = rc->env;
	size_t i;
	int r = MP_OK, kept = 0;

	if (to == NULL)
		return MP_OK;
	for (i = 0; r == MP_OK && i < env->nrcpts; i++) {
		if (strcasecmp(env->rcpts_norm[i], to) == 0 && !kept)
			kept = 1;	/* already there: once */
		else
			r = mp_plan_del_rcpt(rc->plan, env->rcpts[i]);
	}
	if (r == MP_OK && !kept)
		r = mp_plan_add_rcpt(rc->plan, to);
	return r;
}

/* The plan for a reply to rc->rec. */
static void
decide(struct rctx *rc)
{
	const struct mp_conf *c = rc->conf;
	struct mp_plan *plan = rc->plan;
	const char *sig = NULL, *to;
	enum mp_outcome o;
	int a;

	if ((a = automatic(rc, &sig)) < 0)
		return;
	if (a)
		say(rc, "automatic answer (%s) to notice %s", sig, rc->rec.id);
	else
		say(rc, "reply to notice %s", rc->rec.id);
	if (rc->rec_ticket[0] != '\0')
		say(rc, " [ticket %s]", rc->rec_ticket);
	say(rc, " (%s %s), matched by %s", rc->rec.type, rc->rec.source, rc->by);
	if (a) {
		o = MP_OUTCOME_REPLY_AUTO_REPLY;
		to = c->archive_addr;
		say(rc, "; %s", to ? "to ArchiveAddress" : "no ArchiveAddress: "
		    "left with its recipients");
	} else if (c->reply_addr != NULL) {
		o = MP_OUTCOME_REPLY_FORWARDED;
		to = c->reply_addr;
	} else {
		o = MP_OUTCOME_REPLY_UNFORWARDED;
		to = c->quarantine_addr;
		say(rc, "; ReplyAddress is not set: %s", to ? "to QuarantineAddress"
		    : "left with its recipients");
	}
	plan->flow = MP_FLOW_REPLY;
	snprintf(plan->notice_id, sizeof(plan->notice_id), "%s", rc->rec.id);
	mp_plan_outcome(plan, o, rc->why);
	if (headers(rc) != MP_OK || redirect(rc, to) != MP_OK)
		mp_plan_internal(plan, "cannot add a reply's header fields or "
		    "recipient to the plan (out of memory)");
}

int
mp_replyflow_decide(const struct mp_snapshot *snap,
    const struct mp_envelope *env, struct mp_plan *plan)
{
	struct rctx *rc;
	size_t i;
	int r;

	/* Whose header is gone, or who has another recipient: not ours. */
	if (env->too_large || env->msg.len == 0 || env->nrcpts == 0 ||
	    snap->statedb == NULL)
		return 0;
	for (i = 0; i < env->nrcpts; i++)
		if (!mp_reply_is_addr(snap->conf, env->rcpts_norm[i]))
			return 0;
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		mp_plan_internal(plan, "out of memory");
		return 1;
	}
	rc->snap = snap;
	rc->conf = snap->conf;
	rc->env = env;
	rc->plan = plan;
	if ((r = read_header(rc)) > 0 && (r = find_notice(rc)) > 0)
		decide(rc);
	free(rc);
	return r != 0;
}
