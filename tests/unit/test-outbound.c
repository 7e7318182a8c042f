/*
 * Unit tests: the outbound path of mp_eom_decide() (eom.h) without an
 * MTA. Mail that speaks for a protected domain is DKIM-signed when its
 * sender may speak for it (outcome "signed"), or rejected:
 * rejected:identity (550 5.7.1, the identity check), rejected:unsignable
 * (550 5.6.0, no Date: or Message-ID:), rejected:too-large (550 5.3.4,
 * over MaximumMessageSize); a notification of the sender (outbox.h) is
 * signed once, its mark the plan's last step (mp_plan_last), a second
 * copy discarded. The snapshot signs with an Ed25519 key made
 * in a temp dir; its public key is in a test DNS zone, so that the
 * signed message as delivered is checked by the DKIM verifier.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "daemon_fixture.h"
#include "outcome.h"
#include "dnszone.h"
#include "outbox.h"
#include "seen.h"
#include "verify.h"

static char tmp[64];

static void
setup(void)
{
	struct mp_signer *sg;

	mp_check_tmpdir(tmp, sizeof(tmp), "test-outbound");
	sg = fx_signer(tmp, "sign.key", "meldpunt.test", "ed1");
	mp_signer_free(&sg);
}

static void
teardown(void)
{
	mp_check_rmtree(tmp);
}

static struct mp_snapshot *
snapshot(const char *extra)
{
	fx_write(tmp, "meldpunt.conf", "ProtectedDomains meldpunt.test\n"
	    "SigningDomain meldpunt.test\nEd25519Selector ed1\n"
	    "Ed25519KeyFile %s/sign.key\n"
	    "TrustedHosts 127.0.0.1\nSubmissionDaemons ORIGINATING\n"
	    "DNSZoneFile %s/dns.zone\n%s\n", tmp, tmp, extra ? extra : "");
	return fx_snapshot(tmp, "meldpunt.conf");
}

/* Who sends: client address, {daemon_name}, HELO name, MAIL FROM. */
static const struct fx_client submission = {
	"127.0.0.1", "ORIGINATING", "client.example", "<noreply@meldpunt.test>"
};
static const struct fx_client stranger = {
	"192.0.2.99", "smtpd", "client.example", "<noreply@meldpunt.test>"
};

/* The header fields of the test message (CRLF), without the blank line. */
#define HDR_FROM	"From: Meldpunt <noreply@meldpunt.test>\r\n"
#define HDR_REST	"To: security@example.org\r\n" \
			"Subject: Test message from the clearinghouse\r\n"
#define HDR_DATE	"Date: Sun, 22 Nov 2026 12:00:00 +0100\r\n"
#define HDR_MSGID	"Message-ID: <outbound-1@meldpunt.test>\r\n"
#define BODY		"Sent as the clearinghouse itself.\r\n"

/*
 * Feed header text `hdr` (CRLF fields, no folds) and `body` as the
 * milter callbacks do, decide at EOH and EOM; the flow it ended in is
 * returned in *flow.
 */
static int
decide(struct mp_snapshot *s, const struct fx_client *cl, const char *hdr,
    const char *body, struct mp_plan *plan, enum mp_flow *flow)
{
	static const char *const to = "<security@example.org>";
	struct mp_envelope env;
	struct mp_buf msg;

	mp_buf_init(&msg, 0);
	mp_buf_printf(&msg, "%s\r\n%s", hdr, body);
	fx_envelope(&env, s, cl, &to, 1, msg.data, msg.len);
	mp_buf_free(&msg);
	return fx_decide(s, &env, plan, flow);
}

/*
 * The message as the MTA delivers it after the plan (no deletions here):
 * inserted fields first, then the original header, then added fields,
 * then the body; a verifier over the test zone checks it (the
 * snapshot has its own only for intake).
 */
static void
assert_verifies(const struct mp_plan *p, const char *hdr, const char *body)
{
	struct mp_verify_result vr;
	struct mp_verifier *ver;
	struct mp_dnszone *zone;
	struct mp_error err;
	struct mp_buf m;
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/dns.zone", tmp);
	zone = mp_dnszone_load(path, &err);
	ck_assert_msg(zone != NULL, "%s", err.msg);
	ver = mp_verifier_new(mp_dnszone_dkim_lookup, zone, 1, &err);
	ck_assert_msg(ver != NULL, "%s", err.msg);

	mp_buf_init(&m, 0);
	for (i = p->nhdrs; i > 0; i--)	/* INSERT0: the last goes first */
		if (p->hdrs[i - 1].op == MP_HDR_INSERT0) {
			mp_buf_printf(&m, "%s: ", p->hdrs[i - 1].name);
			fx_crlf(&m, p->hdrs[i - 1].value);
			mp_buf_puts(&m, "\r\n");
		}
	mp_buf_puts(&m, hdr);
	for (i = 0; i < p->nhdrs; i++) {
		ck_assert_int_ne(p->hdrs[i].op, MP_HDR_DELETE);
		if (p->hdrs[i].op == MP_HDR_ADD)
			mp_buf_printf(&m, "%s: %s\r\n", p->hdrs[i].name,
			    p->hdrs[i].value);
	}
	mp_buf_printf(&m, "\r\n%s", body);
	ck_assert_int_eq(mp_verify_message(ver, m.data, m.len, &vr, &err),
	    MP_OK);
	ck_assert_uint_eq(vr.n, 1);
	ck_assert_str_eq(vr.sig[0].domain, "meldpunt.test");
	ck_assert_str_eq(vr.sig[0].selector, "ed1");
	ck_assert_msg(vr.sig[0].result == MP_DKIM_PASS, "DKIM: %s",
	    vr.sig[0].why);
	mp_buf_free(&m);
	mp_verifier_free(&ver);
	mp_dnszone_free(&zone);
}

/* From a submission service on a trusted host: signed, passed on. */
START_TEST(signed_from_submission)
{
	static const char hdr[] = HDR_FROM HDR_REST HDR_DATE HDR_MSGID;
	struct mp_snapshot *s = snapshot(NULL);
	const struct mp_hdr_change *h;
	enum mp_flow flow;
	struct mp_plan p;

	ck_assert_int_eq(decide(s, &submission, hdr, BODY, &p, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(flow, MP_FLOW_OUTBOUND);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "signed");
	ck_assert_ptr_nonnull(h = fx_plan_hdr(&p, MP_HDR_INSERT0,
	    "DKIM-Signature", 0));
	ck_assert_ptr_nonnull(strstr(h->value, "d=meldpunt.test"));
	ck_assert_ptr_nonnull(h = fx_plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Flow",
	    0));
	ck_assert_str_eq(h->value, "outbound");
	/* the outcome header speaks of intake only */
	ck_assert_ptr_null(fx_plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Outcome",
	    0));
	ck_assert_uint_eq(p.nadd, 0);
	ck_assert(!p.replace_body);
	assert_verifies(&p, hdr, BODY);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * Envelope sender elsewhere, From protected: "other" by its envelope,
 * promoted to outbound at EOH (its body is kept) and signed.
 */
START_TEST(signed_after_eoh_promotion)
{
	static const char hdr[] = HDR_FROM HDR_REST HDR_DATE HDR_MSGID;
	struct fx_client cl = submission;
	struct mp_snapshot *s = snapshot(NULL);
	enum mp_flow flow;
	struct mp_plan p;

	cl.sender = "<bounces@lists.example.org>";
	ck_assert_int_eq(decide(s, &cl, hdr, BODY, &p, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(flow, MP_FLOW_OUTBOUND);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "signed");
	assert_verifies(&p, hdr, BODY);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* The same message from a client that may not speak for the domain. */
START_TEST(rejected_identity)
{
	static const char hdr[] = HDR_FROM HDR_REST HDR_DATE HDR_MSGID;
	struct mp_snapshot *s = snapshot(NULL);
	enum mp_flow flow;
	struct mp_plan p;

	ck_assert_int_eq(decide(s, &stranger, hdr, BODY, &p, &flow),
	    MP_VERDICT_REJECT);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:identity");
	ck_assert_str_eq(p.smtp_code, "550");
	ck_assert_str_eq(p.smtp_xcode, "5.7.1");
	ck_assert_int_ne(p.reason[0], '\0');
	ck_assert_uint_eq(p.nhdrs, 0);
	mp_plan_free(&p);

	/* a display name that names the domain, the address elsewhere */
	{
		static const char hdr2[] = "From: \"noreply@meldpunt.test\" "
		    "<x@evil.example>\r\n" HDR_REST HDR_DATE HDR_MSGID;
		struct fx_client cl = stranger;

		cl.sender = "<x@evil.example>";
		ck_assert_int_eq(decide(s, &cl, hdr2, BODY, &p, &flow),
		    MP_VERDICT_REJECT);
		ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:identity");
		mp_plan_free(&p);
	}
	fx_release(s);
}
END_TEST

/* Date and Message-ID are oversigned: the sender must write them. */
START_TEST(rejected_unsignable)
{
	static const char no_date[] = HDR_FROM HDR_REST HDR_MSGID;
	static const char no_msgid[] = HDR_FROM HDR_REST HDR_DATE;
	struct mp_snapshot *s = snapshot(NULL);
	enum mp_flow flow;
	struct mp_plan p;

	ck_assert_int_eq(decide(s, &submission, no_date, BODY, &p, &flow),
	    MP_VERDICT_REJECT);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:unsignable");
	ck_assert_str_eq(p.smtp_code, "550");
	ck_assert_str_eq(p.smtp_xcode, "5.6.0");
	ck_assert_ptr_null(fx_plan_hdr(&p, MP_HDR_INSERT0, "DKIM-Signature",
	    0));
	mp_plan_free(&p);
	ck_assert_int_eq(decide(s, &submission, no_msgid, BODY, &p, &flow),
	    MP_VERDICT_REJECT);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:unsignable");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Over MaximumMessageSize the body is not kept: it cannot be signed. */
START_TEST(rejected_too_large)
{
	static const char hdr[] = HDR_FROM HDR_REST HDR_DATE HDR_MSGID;
	struct mp_snapshot *s = snapshot("MaximumMessageSize 1K");
	enum mp_flow flow;
	struct mp_plan p;
	char body[4096];
	size_t i;

	for (i = 0; i < 60; i++) {	/* 60 lines of 64 bytes */
		memset(body + i * 64, 'x', 62);
		memcpy(body + i * 64 + 62, "\r\n", 2);
	}
	body[60 * 64] = '\0';
	ck_assert_int_eq(decide(s, &submission, hdr, body, &p, &flow),
	    MP_VERDICT_REJECT);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:too-large");
	ck_assert_str_eq(p.smtp_code, "550");
	ck_assert_str_eq(p.smtp_xcode, "5.3.4");
	mp_plan_free(&p);

	/* the same small message is signed */
	ck_assert_int_eq(decide(s, &submission, hdr, BODY, &p, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "signed");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Mail that names no protected domain is passed on untouched. */
START_TEST(other_passed_on)
{
	static const char hdr[] = "From: someone@example.org\r\n" HDR_REST
	    HDR_DATE;
	struct fx_client cl = stranger;
	struct mp_snapshot *s = snapshot(NULL);
	enum mp_flow flow;
	struct mp_plan p;

	cl.sender = "<someone@example.org>";
	ck_assert_int_eq(decide(s, &cl, hdr, BODY, &p, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_int_eq(flow, MP_FLOW_OTHER);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "passed");
	ck_assert_ptr_null(fx_plan_hdr(&p, MP_HDR_INSERT0, "DKIM-Signature",
	    0));
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * The sender's notification (its X-Meldpunt-Id names an outbox record):
 * signed, outcome "sent", and marked only in the plan's last step, once
 * the changes are at the MTA. Two copies decided before either is
 * marked meet at the mark: the second is turned into a discard. A copy
 * decided after the mark is a repeat at once; a mark whose plan was
 * taken back (the MTA did not keep it) is gone.
 */
START_TEST(sender_notice_marked_last)
{
	static const char hdr[] = HDR_FROM HDR_REST HDR_DATE HDR_MSGID
	    "X-Meldpunt-Id: MP-outbound1\r\n";
	struct mp_outbox_item it;
	struct mp_snapshot *s;
	struct mp_plan p, p2, p3;
	enum mp_outbox_sign v;
	struct mp_error err;
	struct mp_seen *seen;
	enum mp_flow flow;
	char extra[1024];

	snprintf(extra, sizeof(extra), "StateDB %s/state.db\n"
	    "SubmitAddress 127.0.0.1:10587\nIntakeAddress intake@meldpunt.test\n"
	    "Identity noreply@meldpunt.test\nTemplateDirectory %s/templates",
	    tmp, mp_check_dir("top_srcdir", "."));
	s = snapshot(extra);
	ck_assert_ptr_nonnull(seen = mp_statedb_get(s->statedb, &err));
	memset(&it, 0, sizeof(it));
	snprintf(it.id, sizeof(it.id), "MP-outbound1");
	snprintf(it.contact, sizeof(it.contact), "security@example.org");
	snprintf(it.type, sizeof(it.type), "open-service:scan_ntp");
	snprintf(it.lang, sizeof(it.lang), "en");
	it.message = (char *)"x";
	it.message_len = 1;
	ck_assert_int_eq(mp_outbox_put(seen, &it, &err), MP_OK);

	ck_assert_int_eq(decide(s, &submission, hdr, BODY, &p, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "sent");
	ck_assert_ptr_nonnull(fx_plan_hdr(&p, MP_HDR_INSERT0, "DKIM-Signature", 0));
	ck_assert_ptr_nonnull(p.last_fn);
	ck_assert_int_eq(mp_outbox_sign_peek(seen, "MP-outbound1", &v, &err),
	    MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_FIRST);	/* not marked yet */
	ck_assert_int_eq(decide(s, &submission, hdr, BODY, &p2, &flow),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p2.outcome), "sent");

	ck_assert_int_eq(mp_plan_last(&p), MP_OK);
	ck_assert_int_eq(p.verdict, MP_VERDICT_CONTINUE);
	ck_assert_int_eq(mp_outbox_sign_peek(seen, "MP-outbound1", &v, &err),
	    MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_REPEAT);
	ck_assert_int_ne(mp_plan_last(&p2), MP_OK);	/* the second copy */
	ck_assert_int_eq(p2.verdict, MP_VERDICT_DISCARD);
	ck_assert_str_eq(mp_outcome_name(p2.outcome), "discarded:repeat");
	ck_assert_int_eq(mp_plan_last(&p2), MP_OK);	/* once only */

	ck_assert_int_eq(decide(s, &submission, hdr, BODY, &p3, &flow),
	    MP_VERDICT_DISCARD);
	ck_assert_str_eq(mp_outcome_name(p3.outcome), "discarded:repeat");
	ck_assert_ptr_null(p3.last_fn);

	mp_plan_rollback(&p);		/* the MTA did not keep the first */
	ck_assert_int_eq(mp_outbox_sign_peek(seen, "MP-outbound1", &v, &err),
	    MP_OK);
	ck_assert_int_eq(v, MP_OUTBOX_FIRST);
	mp_plan_free(&p);
	mp_plan_free(&p2);
	mp_plan_free(&p3);
	fx_release(s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("outbound");
	TCase *tc = tcase_create("outbound");

	g_mime_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, signed_from_submission);
	tcase_add_test(tc, signed_after_eoh_promotion);
	tcase_add_test(tc, rejected_identity);
	tcase_add_test(tc, rejected_unsignable);
	tcase_add_test(tc, rejected_too_large);
	tcase_add_test(tc, other_passed_on);
	tcase_add_test(tc, sender_notice_marked_last);
	suite_add_tcase(su, tc);
	return mp_check_run(su);
}
