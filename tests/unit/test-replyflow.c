/*
 * Unit tests: replies to notifications (replyflow.h) through the
 * end-of-message decision, without an MTA. A real notification is made
 * first (a signed sample report through intake, with the routes compiled
 * by meldpunt-route and the source tree's templates): its ticket, Reply-To
 * and the state DB records a reply is matched by. Then answers to it are
 * fed into the envelope as libmilter would, to the intake address, the
 * Identity address (also BounceAddress here) and the helpdesk, and the
 * plan is checked: forwarded to ReplyAddress with the notice's header
 * fields, auto-replies archived, unforwarded without ReplyAddress, ids
 * that match nothing (or match outside our domain) left to their own
 * flow, the identity check first, tempfail when the state DB cannot
 * answer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "daemon_fixture.h"
#include "notices.h"
#include "replyflow.h"
#include "ticket.h"
#include "tickets.h"

#define INTAKE		"meldingen@meldpunt.test"
#define IDENTITY	"noreply@meldpunt.test"
#define HELPDESK	"helpdesk@meldpunt.test"
#define ARCHIVE		"archive@meldpunt.test"
#define REVIEW		"review@meldpunt.test"
#define CONTACT		"meldingen@zorgcert.example.nl"

static char tmp[64];
static struct mp_signer *reporter;

/* The notification made by setup's report: what a reply quotes. */
static struct {
	char id[MP_NOTICE_ID_MAX];		/* as the plan says: "MP-..." */
	char message_id[128];			/* "<MP-...@meldpunt.test>" */
	char subject[256];
	char ticket[MP_TICKET_MAX];
	char reply_to[128];
	char reason[512];
} note;

static void
write_conf(const char *name, const char *state, const char *extra)
{
	fx_write(tmp, name, "IntakeAddress " INTAKE "\n"
	    "RoutingDB %s/routes.db\nTemplateDirectory %s/templates\n"
	    "StateDB %s\nIdentity " IDENTITY " Meldpunt Test\n"
	    "DNSZoneFile %s/dns.zone\nQuarantineAddress " REVIEW "\n%s\n",
	    tmp, fx_srcdir(), state, tmp, extra);
}

/* Text with "\n" line ends, as on the wire (CRLF). */
static void
wire(struct mp_buf *out, const char *text)
{
	mp_buf_init(out, 0);
	fx_crlf(out, text);
}

static int
decide_rcpts(struct mp_snapshot *s, const struct mp_buf *msg,
    const char *sender, const char *const *rcpt, size_t n, struct mp_plan *p)
{
	const struct fx_client cl = {
		"127.0.0.1", "smtpd", "mx.zorgcert.example.nl", sender
	};
	struct mp_envelope env;

	fx_envelope(&env, s, &cl, rcpt, n, msg->data, msg->len);
	return fx_decide(s, &env, p, NULL);
}

/* A contact's message (text with "\n") to `rcpt`. */
static int
answer(struct mp_snapshot *s, const char *text, const char *rcpt,
    struct mp_plan *p)
{
	struct mp_buf msg;
	int v;

	wire(&msg, text);
	v = decide_rcpts(s, &msg, "<" CONTACT ">", &rcpt, 1, p);
	mp_buf_free(&msg);
	return v;
}

static int
deleted(const struct mp_plan *p, const char *name)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->nhdrs; i++)
		n += p->hdrs[i].op == MP_HDR_DELETE &&
		    strcasecmp(p->hdrs[i].name, name) == 0;
	return n;
}

/* The sample spam report, signed by its reporter, through intake. */
static void
notify(struct mp_snapshot *s)
{
	struct mp_buf raw, msg;
	struct mp_plan p;
	struct mp_plan_held held = { 0 };
	const char *v, *rcpt = INTAKE;

	fx_wire_file("examples/arf-spam.eml", &raw);
	fx_sign(reporter, &raw, &msg);
	mp_buf_free(&raw);
	ck_assert_int_eq(decide_rcpts(s, &msg, "<fbl@mailbox.example.com>",
	    &rcpt, 1, &p), MP_VERDICT_CONTINUE);
	mp_buf_free(&msg);
	ck_assert_msg(p.outcome == MP_OUTCOME_NOTIFIED, "%s: %s",
	    mp_outcome_name(p.outcome), p.reason);
	snprintf(note.id, sizeof(note.id), "%s", p.notice_id);
	snprintf(note.message_id, sizeof(note.message_id), "%s",
	    fx_plan_added(&p, "Message-ID"));
	snprintf(note.subject, sizeof(note.subject), "%s",
	    fx_plan_added(&p, "Subject"));
	v = fx_plan_added(&p, "Reply-To");
	snprintf(note.reply_to, sizeof(note.reply_to), "%s", v ? v : "");
	snprintf(note.reason, sizeof(note.reason), "%s", p.reason);
	ck_assert(mp_ticket_scan(note.subject, note.ticket));
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);
}

static void
setup(void)
{
	char cmd[256];

	mp_check_tmpdir(tmp, sizeof(tmp), "test-replyflow");
	fx_sample_routes(tmp);
	reporter = fx_signer(tmp, "rep.key", "mailbox.example.com", "rep");
	snprintf(cmd, sizeof(cmd), "%s/state.db", tmp);
	write_conf("meldpunt.conf", cmd, "ReplyAddress " HELPDESK
	    "\nArchiveAddress " ARCHIVE "\nUnknownReporters accept");
	/* its own state DB: the same report is not a duplicate there */
	snprintf(cmd, sizeof(cmd), "%s/state2.db", tmp);
	write_conf("noreply.conf", cmd, "UnknownReporters accept");
	snprintf(cmd, sizeof(cmd), "%s/missing/state.db", tmp);
	write_conf("nostate.conf", cmd, "ReplyAddress " HELPDESK);
}

static void
teardown(void)
{
	mp_signer_free(&reporter);
	mp_check_rmtree(tmp);
}

/* A reply's message from `from`: `extra` header lines, then a body. */
static char *
reply_from(const char *from, const char *to, const char *extra,
    const char *body)
{
	static char text[4096];
	static unsigned seq;

	snprintf(text, sizeof(text), "From: %s\n"
	    "To: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
	    "Message-ID: <answer-%u@zorgcert.example.nl>\n%s\n\n%s\n", from,
	    to, ++seq, extra, body);
	return text;
}

static char *
reply_text(const char *to, const char *extra, const char *body)
{
	return reply_from("Zorg CERT <" CONTACT ">", to, extra, body);
}

/* Forwarded to the helpdesk alone, with the notice's fields. */
static void
assert_forwarded(const struct mp_plan *p, const char *from_rcpt,
    const char *by)
{
	char want[128];

	ck_assert_int_eq(p->verdict, MP_VERDICT_CONTINUE);
	ck_assert_msg(p->outcome == MP_OUTCOME_REPLY_FORWARDED, "%s: %s",
	    mp_outcome_name(p->outcome), p->reason);
	ck_assert_int_eq(p->flow, MP_FLOW_REPLY);
	ck_assert_str_eq(p->notice_id, note.id);
	ck_assert_uint_eq(p->ndel, 1);
	ck_assert_str_eq(p->del_rcpts[0], from_rcpt);
	ck_assert_uint_eq(p->nadd, 1);
	ck_assert_str_eq(p->add_rcpts[0], HELPDESK);
	ck_assert_ptr_null(p->new_sender);
	ck_assert(!p->replace_body);
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Flow"), "reply");
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Outcome"),
	    "reply:forwarded");
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Notice"), note.id);
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Ticket"), note.ticket);
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Contact"),
	    CONTACT " [intermediary 192.0.2.0/26]");
	ck_assert_ptr_null(fx_plan_hdr(p, MP_HDR_ADD, "X-Meldpunt-Contact", 1));
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Report"),
	    "spam 192.0.2.25");
	snprintf(want, sizeof(want), "matched by %s", by);
	ck_assert_msg(strstr(p->reason, want) != NULL, "%s", p->reason);
}

START_TEST(notification_carries_ticket_and_reply_to)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	char id[MP_NOTICE_ID_MAX], t[MP_TICKET_MAX];
	struct mp_error err;
	struct mp_seen *seen;

	notify(s);
	ck_assert_int_eq(strncmp(note.subject, "[Meldpunt #", 11), 0);
	ck_assert(mp_ticket_valid(note.ticket));
	ck_assert_msg(strncasecmp(note.message_id + 1, note.id, strlen(note.id))
	    == 0 && strstr(note.message_id, "@meldpunt.test>") != NULL, "%s",
	    note.message_id);
	ck_assert_ptr_nonnull(seen = fx_seen(s));
	ck_assert_int_eq(mp_ticket_find(seen, note.ticket, id, sizeof(id), &err),
	    MP_FOUND);
	ck_assert_str_eq(id, note.id);
	ck_assert_int_eq(mp_ticket_of(seen, note.id, t, &err), MP_FOUND);
	ck_assert_str_eq(t, note.ticket);
	/* answers go to the helpdesk; the log line names the ticket */
	ck_assert_str_eq(note.reply_to, "<" HELPDESK ">");
	ck_assert_msg(strstr(note.reason, "; ticket ") != NULL &&
	    strstr(note.reason, note.ticket) != NULL, "%s", note.reason);
	fx_release(s);
	/* without ReplyAddress, no Reply-To */
	s = fx_snapshot(tmp, "noreply.conf");
	notify(s);
	ck_assert_str_eq(note.reply_to, "");
	fx_release(s);
}
END_TEST

/* In-Reply-To, to the intake address: forwarded; forged fields removed. */
START_TEST(in_reply_to_forwarded)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	char extra[2048];
	struct mp_plan p;

	notify(s);
	snprintf(extra, sizeof(extra), "Subject: Re: something else\n"
	    "In-Reply-To: %s (the notification)\n"
	    "X-Meldpunt-Notice: MP-forged\nX-Meldpunt-Outcome: notified\n"
	    "x-meldpunt-notice: MP-forged-again\nX-Meldpunt-Whatever: 1",
	    note.message_id);
	ck_assert_int_eq(answer(s, reply_text(INTAKE, extra, "Fixed, thanks."),
	    INTAKE, &p), MP_VERDICT_CONTINUE);
	assert_forwarded(&p, INTAKE, "In-Reply-To");
	/* every instance of a sender's X-Meldpunt-* field goes */
	ck_assert_int_eq(deleted(&p, "X-Meldpunt-Notice"), 2);
	ck_assert_int_eq(deleted(&p, "X-Meldpunt-Outcome"), 1);
	ck_assert_int_eq(deleted(&p, "X-Meldpunt-Whatever"), 1);
	mp_plan_free(&p);

	/* References, the id among others and in another case */
	snprintf(extra, sizeof(extra), "Subject: Re: Re: x\n"
	    "References: <a@b.example> %c%s\n\t<c@d.example>", '<',
	    note.message_id + 1);
	for (char *q = extra; *q; q++)
		if (strncmp(q, "<MP-", 4) == 0)
			q[1] = 'm', q[2] = 'p';
	ck_assert_int_eq(answer(s, reply_text(INTAKE, extra, "Is this real?"),
	    INTAKE, &p), MP_VERDICT_CONTINUE);
	assert_forwarded(&p, INTAKE, "References");
	ck_assert_int_eq(deleted(&p, "X-Meldpunt-Notice"), 0);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * Only the ticket, in an RFC 2047-encoded Subject, to the Identity
 * address (BounceAddress by default: not returned mail, so a reply).
 */
START_TEST(ticket_forwarded)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	char extra[2048], enc[256];
	struct mp_plan p;
	size_t i, n = 0;

	notify(s);
	/* "Re: [Meldpunt #T] Opgelost é" as a mail program encodes it */
	n = (size_t)snprintf(enc, sizeof(enc), "=?utf-8?q?Re=3A_=5BMeldpunt_=23");
	for (i = 0; note.ticket[i] != '\0'; i++)
		enc[n++] = note.ticket[i];
	snprintf(enc + n, sizeof(enc) - n, "=5D_Opgelost_=C3=A9?=");
	snprintf(extra, sizeof(extra), "Subject: %s", enc);
	ck_assert_int_eq(answer(s, reply_text(IDENTITY, extra, "Opgelost."),
	    IDENTITY, &p), MP_VERDICT_CONTINUE);
	assert_forwarded(&p, IDENTITY, "ticket");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Straight to the helpdesk (the Reply-To): stays there, with the fields. */
START_TEST(to_helpdesk_annotated)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	char extra[2048];
	struct mp_plan p;

	notify(s);
	snprintf(extra, sizeof(extra), "Subject: Re: %s\nIn-Reply-To: %s",
	    note.subject, note.message_id);
	ck_assert_int_eq(answer(s, reply_text(HELPDESK, extra, "Done."),
	    HELPDESK, &p), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_REPLY_FORWARDED);
	ck_assert_uint_eq(p.ndel, 0);
	ck_assert_uint_eq(p.nadd, 0);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Notice"), note.id);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Out of office, by RFC 3834 or by its Subject: archived, not forwarded. */
START_TEST(auto_reply_archived)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	static const char *const how[] = {
		"Auto-Submitted: auto-replied\nSubject: Re: notice",
		"Subject: Out of Office: notice",
		"Subject: Re: notice\nX-Autoreply: yes",
		"Subject: Automatisch antwoord: melding",
	};
	char extra[2048];
	struct mp_plan p;
	size_t i;

	notify(s);
	for (i = 0; i < sizeof(how) / sizeof(how[0]); i++) {
		snprintf(extra, sizeof(extra), "%s\nIn-Reply-To: %s", how[i],
		    note.message_id);
		ck_assert_int_eq(answer(s, reply_text(INTAKE, extra,
		    "I am away until Monday."), INTAKE, &p), MP_VERDICT_CONTINUE);
		ck_assert_msg(p.outcome == MP_OUTCOME_REPLY_AUTO_REPLY, "%zu: %s: "
		    "%s", i, mp_outcome_name(p.outcome), p.reason);
		ck_assert_int_eq(p.flow, MP_FLOW_REPLY);
		ck_assert_uint_eq(p.ndel, 1);
		ck_assert_str_eq(p.del_rcpts[0], INTAKE);
		ck_assert_uint_eq(p.nadd, 1);
		ck_assert_str_eq(p.add_rcpts[0], ARCHIVE);
		ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"),
		    "reply:auto-reply");
		ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Notice"),
		    note.id);
		ck_assert_msg(strncmp(p.reason, "automatic answer (", 18) == 0 &&
		    strstr(p.reason, "; to ArchiveAddress") != NULL, "%s",
		    p.reason);
		mp_plan_free(&p);
	}
	fx_release(s);
}
END_TEST

/* Ids that match nothing are no reply: the message takes its own flow. */
START_TEST(unknown_ids_take_their_flow)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	char extra[2048], other[128];
	struct mp_plan p;
	const char *at;

	notify(s);
	/* well-formed, never sent */
	ck_assert_int_eq(answer(s, reply_text(INTAKE, "Subject: Re: x\n"
	    "In-Reply-To: <MP-aaaaaaaaaaaaaaaaaaaaaaaaaa@meldpunt.test>",
	    "?"), INTAKE, &p), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.flow, MP_FLOW_INTAKE);
	ck_assert_msg(p.outcome == MP_OUTCOME_QUARANTINED_NOT_A_REPORT, "%s: %s",
	    mp_outcome_name(p.outcome), p.reason);
	ck_assert_ptr_null(fx_plan_added(&p, "X-Meldpunt-Notice"));
	mp_plan_free(&p);
	/* a ticket nobody was given */
	ck_assert_int_eq(answer(s, reply_text(INTAKE, "Subject: Re: [Meldpunt "
	    "#20200101-00000001] x", "?"), INTAKE, &p), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_QUARANTINED_NOT_A_REPORT);
	mp_plan_free(&p);
	/* the real id at another domain is not our Message-ID */
	at = strchr(note.message_id, '@');
	snprintf(other, sizeof(other), "%.*s@example.org>",
	    (int)(at - note.message_id), note.message_id);
	snprintf(extra, sizeof(extra), "Subject: Re: x\nIn-Reply-To: %s", other);
	ck_assert_int_eq(answer(s, reply_text(INTAKE, extra, "?"), INTAKE, &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_QUARANTINED_NOT_A_REPORT);
	mp_plan_free(&p);
	/* to the Identity (bounce) address: not returned mail, left there */
	ck_assert_int_eq(answer(s, reply_text(IDENTITY, "Subject: Re: x\n"
	    "In-Reply-To: <MP-aaaaaaaaaaaaaaaaaaaaaaaaaa@meldpunt.test>", "?"),
	    IDENTITY, &p), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.flow, MP_FLOW_BOUNCE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_BOUNCE_NOT_A_BOUNCE);
	ck_assert_uint_eq(p.nadd, 0);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Another recipient shares the message: it is not taken from them. */
START_TEST(other_recipient_not_a_reply)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	const char *rcpts[] = { INTAKE, "colleague@zorgcert.example.nl" };
	char extra[2048];
	struct mp_buf msg;
	struct mp_plan p;

	notify(s);
	snprintf(extra, sizeof(extra), "Subject: Re: x\nIn-Reply-To: %s",
	    note.message_id);
	wire(&msg, reply_text(INTAKE, extra, "cc"));
	ck_assert_int_eq(decide_rcpts(s, &msg, "<" CONTACT ">", rcpts, 2, &p),
	    MP_VERDICT_CONTINUE);
	mp_buf_free(&msg);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_QUARANTINED_MIXED_RECIPIENTS);
	mp_plan_free(&p);
	/* but several clearinghouse addresses: one copy to the helpdesk */
	rcpts[1] = HELPDESK;
	wire(&msg, reply_text(INTAKE, extra, "both"));
	ck_assert_int_eq(decide_rcpts(s, &msg, "<" CONTACT ">", rcpts, 2, &p),
	    MP_VERDICT_CONTINUE);
	mp_buf_free(&msg);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_REPLY_FORWARDED);
	ck_assert_uint_eq(p.ndel, 1);
	ck_assert_str_eq(p.del_rcpts[0], INTAKE);
	ck_assert_uint_eq(p.nadd, 0);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Without ReplyAddress: to the review mailbox, saying why. */
START_TEST(no_reply_address_unforwarded)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "noreply.conf");
	char extra[2048];
	struct mp_plan p;

	notify(s);
	snprintf(extra, sizeof(extra), "Subject: Re: x\nIn-Reply-To: %s",
	    note.message_id);
	ck_assert_int_eq(answer(s, reply_text(INTAKE, extra, "?"), INTAKE, &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_REPLY_UNFORWARDED);
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], REVIEW);
	ck_assert_msg(strstr(p.reason, "ReplyAddress is not set: to "
	    "QuarantineAddress") != NULL, "%s", p.reason);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Reason"), p.reason);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* An outsider speaking for the clearinghouse is refused, reply or not. */
START_TEST(identity_check_first)
{
	struct mp_snapshot *s;
	char extra[2048], state[256];
	struct mp_plan p;

	snprintf(state, sizeof(state), "%s/state.db", tmp);
	write_conf("protected.conf", state, "ReplyAddress " HELPDESK
	    "\nProtectedDomains meldpunt.test\nUnknownReporters accept");
	s = fx_snapshot(tmp, "protected.conf");
	notify(s);
	snprintf(extra, sizeof(extra), "Subject: Re: x\nIn-Reply-To: %s",
	    note.message_id);
	ck_assert_int_eq(answer(s, reply_text(INTAKE, extra, "?"), INTAKE, &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_REPLY_FORWARDED);
	mp_plan_free(&p);
	ck_assert_int_eq(answer(s, reply_from("Meldpunt <noc@meldpunt.test>",
	    INTAKE, extra, "?"), INTAKE, &p), MP_VERDICT_REJECT);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_REJECTED_IDENTITY);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* A state DB that cannot answer: tempfail, the MTA keeps it. */
START_TEST(tempfail_on_state_db)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "nostate.conf");
	struct mp_plan p;

	ck_assert_int_eq(answer(s, reply_text(IDENTITY, "Subject: Re: x\n"
	    "In-Reply-To: <MP-aaaaaaaaaaaaaaaaaaaaaaaaaa@meldpunt.test>", "?"),
	    IDENTITY, &p), MP_VERDICT_TEMPFAIL);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_TEMPFAIL);
	mp_plan_free(&p);
	/* naming no notification, it never asks: passed on as before */
	ck_assert_int_eq(answer(s, reply_text(IDENTITY, "Subject: hello",
	    "?"), IDENTITY, &p), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(p.outcome, MP_OUTCOME_BOUNCE_NOT_A_BOUNCE);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(clearinghouse_addresses)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	const struct mp_conf *c = s->conf;

	ck_assert(mp_reply_is_addr(c, INTAKE));
	ck_assert(mp_reply_is_addr(c, IDENTITY));	/* and BounceAddress */
	ck_assert(mp_reply_is_addr(c, "noreply+mp-abc@meldpunt.test"));
	ck_assert(mp_reply_is_addr(c, HELPDESK));
	ck_assert(!mp_reply_is_addr(c, ARCHIVE));
	ck_assert(!mp_reply_is_addr(c, REVIEW));
	ck_assert(!mp_reply_is_addr(c, "meldingen@meldpunt.test.example"));
	ck_assert(!mp_reply_is_addr(c, ""));
	fx_release(s);
}
END_TEST

/* ReplyAddress must be a mailbox people read, not one the flow takes. */
START_TEST(reply_address_checked)
{
	static const char *const bad[] = { INTAKE, IDENTITY };
	char state[256], path[256];
	struct mp_error err;
	size_t i;

	snprintf(state, sizeof(state), "%s/state.db", tmp);
	for (i = 0; i < 2; i++) {
		char extra[128];

		snprintf(extra, sizeof(extra), "ReplyAddress %s", bad[i]);
		write_conf("bad.conf", state, extra);
		snprintf(path, sizeof(path), "%s/bad.conf", tmp);
		ck_assert_ptr_null(mp_snapshot_load(path, NULL, &err));
		ck_assert_msg(strstr(err.msg, "bad.conf:8: ReplyAddress") != NULL &&
		    strstr(err.msg, "name the helpdesk's own mailbox") != NULL,
		    "%s", err.msg);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("replyflow");
	TCase *tc = tcase_create("replyflow");

	g_mime_init();
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, notification_carries_ticket_and_reply_to);
	tcase_add_test(tc, in_reply_to_forwarded);
	tcase_add_test(tc, ticket_forwarded);
	tcase_add_test(tc, to_helpdesk_annotated);
	tcase_add_test(tc, auto_reply_archived);
	tcase_add_test(tc, unknown_ids_take_their_flow);
	tcase_add_test(tc, other_recipient_not_a_reply);
	tcase_add_test(tc, no_reply_address_unforwarded);
	tcase_add_test(tc, identity_check_first);
	tcase_add_test(tc, tempfail_on_state_db);
	tcase_add_test(tc, clearinghouse_addresses);
	tcase_add_test(tc, reply_address_checked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
