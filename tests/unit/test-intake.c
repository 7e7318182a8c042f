/*
 * Unit tests for the end-of-message decision on the intake path (eom.c,
 * intake.c) without an MTA: a snapshot from a real configuration (routes
 * compiled by meldpunt-route, the source tree's templates, a state DB in
 * a temp dir, a test DNS zone), a sample report fed into the envelope as
 * libmilter would, and the plan checked. Run under ASan by scripts/test.sh,
 * which is where leaks on the rarer paths (rollback, duplicate) show.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "daemon_fixture.h"
#include "health.h"
#include "notices.h"

static char tmp[64];
/* The sample reporters sign their reports (daemon_fixture.h). */
static struct mp_signer *reporter[FX_REPORTERS];

static void
setup(void)
{
	mp_check_tmpdir(tmp, sizeof(tmp), "test-intake");
	fx_sample_routes(tmp);
	fx_reporters_make(tmp, reporter);
	fx_write(tmp, "meldpunt.conf", "IntakeAddress meldingen@meldpunt.test\n"
	    "RoutingDB %s/routes.db\nTemplateDirectory %s/templates\n"
	    "StateDB %s/state.db\nIdentity meldingen@meldpunt.test Meldpunt Test\n"
	    "UnknownReporters accept\nDNSZoneFile %s/dns.zone\n"
	    "QuarantineAddress review@meldpunt.test\n",
	    tmp, fx_srcdir(), tmp, tmp);
}

static void
teardown(void)
{
	fx_reporters_free(reporter);
	mp_check_rmtree(tmp);
}

static struct mp_snapshot *
snapshot(void)
{
	return fx_snapshot(tmp, "meldpunt.conf");
}

/* The file as on the wire (CRLF), signed by the reporter of its From
 * (a path starting with '/' is taken as is; `unsigned_ok`: a From of no
 * sample reporter leaves it unsigned). */
static void
wire_message(const char *name, int unsigned_ok, struct mp_buf *msg)
{
	struct mp_buf raw;
	int r;

	fx_wire_file(name, &raw);
	r = fx_reporter_of(&raw);
	if (r < 0 && unsigned_ok) {
		*msg = raw;
		return;
	}
	ck_assert_int_ge(r, 0);
	fx_sign(reporter[r], &raw, msg);
	mp_buf_free(&raw);
}

static const struct fx_client loopback = {
	"127.0.0.1", "smtpd", "mx.example.com", "<fbl@mailbox.example.com>"
};

/* The flow is decided at end of header, the plan at end of message. */
static int
decide_from(struct mp_snapshot *s, const char *file, const char *rcpt,
    const struct fx_client *cl, struct mp_plan *plan)
{
	struct mp_envelope env;
	struct mp_buf msg;

	wire_message(file, cl != &loopback, &msg);
	fx_envelope(&env, s, cl, &rcpt, 1, msg.data, msg.len);
	mp_buf_free(&msg);
	return fx_decide(s, &env, plan, NULL);
}

static int
decide(struct mp_snapshot *s, const char *file, const char *rcpt,
    struct mp_plan *plan)
{
	return decide_from(s, file, rcpt, &loopback, plan);
}

/* A snapshot of the same configuration over another DNS zone. */
static struct mp_snapshot *
snapshot_zone(const char *extra)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && cp dns.zone dns2.zone && "
	    "printf '%%s\\n' '%s' >>dns2.zone && sed 's/dns.zone/dns2.zone/' "
	    "meldpunt.conf >meldpunt2.conf", tmp, extra);
	ck_assert_int_eq(system(cmd), 0);
	return fx_snapshot(tmp, "meldpunt2.conf");
}

START_TEST(notified_then_duplicate)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	struct mp_plan_held held = { 0 };

	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "meldingen@zorgcert.example.nl");
	ck_assert_uint_eq(p.ndel, 1);
	ck_assert(p.replace_body);
	ck_assert_int_ne(p.notice_id[0], '\0');
	{
		/* Its own return path: BounceAddress (here Identity), '+', the
		 * id (the address normalized: lower case) */
		char rpath[128];

		snprintf(rpath, sizeof(rpath), "meldingen+%s@meldpunt.test",
		    p.notice_id);
		ck_assert_int_eq(strcasecmp(p.new_sender, rpath), 0);
	}
	{
		/* What it was, under its id, for a bounce to find (notices.h) */
		struct mp_notice_rec r;
		struct mp_error err;
		struct mp_seen *seen = fx_seen(s);

		ck_assert_ptr_nonnull(seen);
		ck_assert_int_eq(mp_notice_get(seen, p.notice_id, &r, &err),
		    MP_FOUND);
		ck_assert_str_eq(r.type, "spam");
		ck_assert_uint_eq(r.ncontacts, 1);
		ck_assert_str_eq(r.contact[0].addr, "meldingen@zorgcert.example.nl");
		ck_assert_str_ne(r.contact[0].rule, "");
		ck_assert_str_ne(r.source, "");
	}
	mp_plan_hold(&p, &held);	/* the MTA took it */
	mp_plan_free(&p);
	mp_plan_settle(&held);

	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "duplicate");
	ck_assert_uint_eq(p.nadd, 0);		/* no ArchiveAddress: stays */
	ck_assert(!p.replace_body);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * A contact with BounceLimit hard bounces within BounceWindow is skipped:
 * the next tier is told, and the reason says why.
 */
START_TEST(unreachable_contact_skipped)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	struct mp_error err;
	struct mp_seen *seen = fx_seen(s);
	time_t now = time(NULL);

	ck_assert_ptr_nonnull(seen);
	ck_assert_int_eq(mp_health_add(seen, "meldingen@zorgcert.example.nl",
	    now - 3600, "5.1.1", "MP-one", &err), MP_OK);
	/* one bounce: still reachable */
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert_str_eq(p.add_rcpts[0], "meldingen@zorgcert.example.nl");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_add(seen, "meldingen@zorgcert.example.nl",
	    now - 60, "5.1.1", "MP-two", &err), MP_OK);
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "abuse@hosting.example.nl");
	ck_assert_msg(strstr(p.reason, "abuse@hosting.example.nl [abuse-c") &&
	    strstr(p.reason, "skipped: meldingen@zorgcert.example.nl "
	    "[intermediary] unreachable since ") &&
	    strstr(p.reason, "(2 bounces)"), "%s", p.reason);
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	/* reset: reachable again */
	ck_assert_int_eq(mp_health_reset(seen, "meldingen@zorgcert.example.nl",
	    NULL, &err), MP_FOUND);
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(p.add_rcpts[0], "meldingen@zorgcert.example.nl");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(rollback_is_not_a_duplicate)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;

	ck_assert_int_eq(decide(s, "examples/xarf4-vulnerable.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);		/* the MTA did not take it */
	{
		/* nor its notice record */
		struct mp_notice_rec r;
		struct mp_error err;
		struct mp_seen *seen = fx_seen(s);

		ck_assert_int_eq(mp_notice_get(seen, p.notice_id, &r, &err),
		    MP_NOTFOUND);
	}
	mp_plan_free(&p);
	ck_assert_int_eq(decide(s, "examples/xarf4-vulnerable.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(quarantine_states)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;

	decide(s, "tests/e2e/data/not-a-report.eml", "meldingen@meldpunt.test", &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "quarantined:not-a-report");
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "review@meldpunt.test");
	ck_assert(!p.replace_body);
	mp_plan_free(&p);
	decide(s, "tests/e2e/data/unrouted-arf.eml", "meldingen@meldpunt.test", &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "quarantined:unrouted");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * DNS trouble while checking a reporter: a tempfail
 * with the reason in the outcome (the log line), never a quarantine as
 * unauthenticated. The zone answers SERVFAIL (TEMPFAIL) for the key.
 */
START_TEST(dkim_dns_trouble_is_tempfail)
{
	struct mp_snapshot *s;
	struct mp_plan p;
	char line[512];

	/* the key record of the reporter now answers SERVFAIL */
	snprintf(line, sizeof(line), "%s TXT TEMPFAIL",
	    mp_signer_record_name(reporter[0], 0));
	/* the zone may hold data or a status per name: drop the data */
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "cd '%s' && grep -v '^%s ' dns.zone "
		    ">dns.tmp && mv dns.tmp dns.zone", tmp,
		    mp_signer_record_name(reporter[0], 0));
		ck_assert_int_eq(system(cmd), 0);
	}
	s = snapshot_zone(line);
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "tempfail");
	ck_assert_str_eq(p.smtp_code, "451");
	ck_assert_msg(strstr(p.reason, "DKIM") != NULL, "reason: %s", p.reason);
	ck_assert_msg(strstr(p.reason, "mailbox.example.com") != NULL,
	    "reason: %s", p.reason);
	ck_assert_uint_eq(p.nadd, 0);		/* not sent to review */
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* The same for SPF: a reporter registered for SPF whose record cannot be
 * fetched now, from a client that is not loopback. */
START_TEST(spf_dns_trouble_is_tempfail)
{
	struct mp_snapshot *s;
	struct mp_plan p;
	struct fx_client cl = { "192.0.2.200", "smtpd",
	    "mail.honeypot.example.org", "<reports@honeypot.example.org>" };
	const char *file = fx_edited(tmp, "examples/xarf-login-attack.eml",
	    "s/honeypot\\.example\\.com/honeypot.example.org/g",
	    "spf-report.eml");

	s = snapshot_zone("honeypot.example.org TXT TEMPFAIL");
	ck_assert_int_eq(decide_from(s, file, "meldingen@meldpunt.test", &cl,
	    &p), MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "tempfail");
	ck_assert_msg(strstr(p.reason, "SPF") != NULL, "reason: %s", p.reason);
	mp_plan_free(&p);
	fx_release(s);

	/* with the record back, the same report passes SPF */
	s = snapshot_zone("honeypot.example.org TXT \"v=spf1 ip4:192.0.2.200 -all\"");
	ck_assert_int_eq(decide_from(s, file, "meldingen@meldpunt.test", &cl,
	    &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * One rule for required fields, whatever the format: an ARF report without
 * User-Agent and Version is notified, the lack noted in the plan's
 * warnings (the log line) but not in the notification; its archived
 * duplicate carries X-Meldpunt-Warnings, and the sender's own copy of
 * that header is deleted.
 */
START_TEST(warnings_noted_not_stopping)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	struct mp_plan_held held = { 0 };
	const struct mp_hdr_change *h;
	const char *file = fx_edited(tmp, "examples/arf-spam.eml",
	    "/^User-Agent:/d;/^Version:/d;"
	    "1i X-Meldpunt-Warnings: none, trust me", "arf-no-ua.eml");

	ck_assert_int_eq(decide(s, file, "meldingen@meldpunt.test", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert_msg(strstr(p.warnings, "ARF field User-Agent is missing") &&
	    strstr(p.warnings, "ARF field Version is missing"), "warnings: %s",
	    p.warnings);
	ck_assert_ptr_null(fx_plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Warnings",
	    0));
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);

	ck_assert_int_eq(decide(s, file, "meldingen@meldpunt.test", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "duplicate");
	h = fx_plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Warnings", 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h->value, "User-Agent"));
	h = fx_plan_hdr(&p, MP_HDR_DELETE, "X-Meldpunt-Warnings", 0);
	ck_assert_ptr_nonnull(h);	/* the sender's own */
	ck_assert_uint_eq(h->index, 1);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("intake");
	TCase *tc = tcase_create("intake");

	g_mime_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, notified_then_duplicate);
	tcase_add_test(tc, rollback_is_not_a_duplicate);
	tcase_add_test(tc, unreachable_contact_skipped);
	tcase_add_test(tc, quarantine_states);
	tcase_add_test(tc, dkim_dns_trouble_is_tempfail);
	tcase_add_test(tc, spf_dns_trouble_is_tempfail);
	tcase_add_test(tc, warnings_noted_not_stopping);
	suite_add_tcase(su, tc);
	return mp_check_run(su);
}
