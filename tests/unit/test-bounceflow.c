/*
 * Unit tests: the bounce flow (bounceflow.h) without an MTA. Real bounces
 * of the sisimai corpus, sent to a notification's return path
 * (bounces+<notice id>@) or, rewritten to return an X-Meldpunt-Id, to the
 * plain bounce address; the notice records they are matched to are
 * written into the state DB first, as intake writes them. Checked: the
 * flow, the outcome (bounce:hard, bounce:soft, bounce:auto-reply,
 * bounce:unmatched, bounce:not-a-bounce), the reason, the contact's
 * health record and the unreachable rule, delivery to ArchiveAddress (or
 * the bounce mailbox), tempfail when the state DB cannot answer; the
 * re-notification of a hard bounce's incident to the next tier (pending
 * rows, pendrow.h), once however often the DSN comes.
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
#include "flow.h"
#include "health.h"
#include "notices.h"
#include "outcome.h"
#include "pending_rows.h"
#include "route_build.h"
#include "seen.h"

#define INTAKE	"meldingen@meldpunt.test"
#define ARCHIVE	"archive@meldpunt.test"
#define SISIMAI	"tests/corpus/sisimai/maildir/bsd/"

static char tmp[64];

static void
setup(void)
{
	mp_check_tmpdir(tmp, sizeof(tmp), "test-bounceflow");
}

static void
teardown(void)
{
	mp_check_rmtree(tmp);
}

static struct mp_snapshot *
conf_write(const char *state, const char *extra)
{
	char dflt_state[256];

	snprintf(dflt_state, sizeof(dflt_state), "%s/state.db", tmp);
	fx_write(tmp, "meldpunt.conf", "IntakeAddress " INTAKE "\n"
	    "TemplateDirectory %s/templates\nStateDB %s\n"
	    "Identity " INTAKE " Meldpunt Test\n"
	    "BounceAddress bounces@meldpunt.test\n%s\n",
	    fx_srcdir(), state ? state : dflt_state, extra ? extra : "");
	return fx_snapshot(tmp, "meldpunt.conf");
}

/* A notice record as intake makes it: one contact, or two. */
static void
notice(struct mp_snapshot *s, const char *id, const char *contact,
    const char *other)
{
	struct mp_notice_rec r;
	struct mp_error err;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.type, sizeof(r.type), "spam");
	snprintf(r.source, sizeof(r.source), "192.0.2.25");
	r.at = time(NULL) - 60;
	snprintf(r.contact[0].addr, sizeof(r.contact[0].addr), "%s", contact);
	snprintf(r.contact[0].rule, sizeof(r.contact[0].rule), "org");
	snprintf(r.contact[0].matched, sizeof(r.contact[0].matched),
	    "192.0.2.0/24");
	r.ncontacts = 1;
	if (other != NULL) {
		snprintf(r.contact[1].addr, sizeof(r.contact[1].addr), "%s",
		    other);
		snprintf(r.contact[1].rule, sizeof(r.contact[1].rule), "org");
		r.ncontacts = 2;
	}
	ck_assert_int_eq(mp_notice_record(fx_seen(s), &r, &err), MP_OK);
}

/* Feed a message to `rcpt` from the null sender as the callbacks do. */
static int
decide_to(struct mp_snapshot *s, const char *file, const char *rcpt,
    struct mp_plan *plan, enum mp_flow *flow)
{
	static const struct fx_client mx = {
		"127.0.0.1", "smtpd", "mx.example.com", "<>"
	};
	struct mp_envelope env;
	struct mp_buf msg;

	fx_wire_file(file, &msg);
	fx_envelope(&env, s, &mx, &rcpt, 1, msg.data, msg.len);
	mp_buf_free(&msg);
	return fx_decide(s, &env, plan, flow);
}

/* Passed on, archived, with flow and outcome in its header. */
static void
assert_archived(const struct mp_plan *p, const char *rcpt, const char *outcome)
{
	ck_assert_int_eq(p->verdict, MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p->outcome), outcome);
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Flow"), "bounce");
	ck_assert_str_eq(fx_plan_added(p, "X-Meldpunt-Outcome"), outcome);
	ck_assert_uint_eq(p->ndel, 1);
	ck_assert_str_eq(p->del_rcpts[0], rcpt);
	ck_assert_uint_eq(p->nadd, 1);
	ck_assert_str_eq(p->add_rcpts[0], ARCHIVE);
	ck_assert_ptr_null(p->new_sender);
	ck_assert(!p->replace_body);
}

START_TEST(flow_is_bounce)
{
	struct mp_snapshot *s = conf_write(NULL, NULL);
	const struct mp_conf *c = s->conf;

	ck_assert_int_eq(mp_flow_classify(c, "", "bounces@meldpunt.test",
	    MP_FLOW_OTHER), MP_FLOW_BOUNCE);
	ck_assert_int_eq(mp_flow_classify(c, "", "bounces+mp-abc@meldpunt.test",
	    MP_FLOW_OTHER), MP_FLOW_BOUNCE);
	/* a mangled tag is still the bounce address */
	ck_assert_int_eq(mp_flow_classify(c, "", "bounces+a.b@meldpunt.test",
	    MP_FLOW_OTHER), MP_FLOW_BOUNCE);
	ck_assert_int_eq(mp_flow_classify(c, "", "bounces+mp-abc@other.test",
	    MP_FLOW_OTHER), MP_FLOW_OTHER);
	ck_assert_int_eq(mp_flow_classify(c, "", "bouncesx@meldpunt.test",
	    MP_FLOW_OTHER), MP_FLOW_OTHER);
	/* intake wins */
	ck_assert_int_eq(mp_flow_classify(c, "", INTAKE, MP_FLOW_BOUNCE),
	    MP_FLOW_INTAKE);
	ck_assert_int_eq(mp_flow_classify(c, "", "bounces@meldpunt.test",
	    MP_FLOW_INTAKE), MP_FLOW_INTAKE);
	ck_assert_str_eq(mp_flow_name(MP_FLOW_BOUNCE), "bounce");
	fx_release(s);
}
END_TEST

/* Two hard bounces by the VERP tag: counted; the second makes it unreachable. */
START_TEST(hard_by_tag_then_unreachable)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE);
	const char *to = "r@p351355.pool.example.ne.jp";
	struct mp_plan p;
	struct mp_health h;
	struct mp_error err;
	enum mp_flow flow;

	notice(s, "MP-aaaa", to, "other@example.net");
	notice(s, "MP-bbbb", to, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-aaaa@meldpunt.test", &p, &flow), MP_VERDICT_CONTINUE);
	ck_assert_int_eq(flow, MP_FLOW_BOUNCE);
	assert_archived(&p, "bounces+mp-aaaa@meldpunt.test", "bounce:hard");
	ck_assert_msg(strstr(p.reason, "hard 5.1.1 for " "r@p351355.pool.example.ne.jp"
	    " [org 192.0.2.0/24] notice mp-aaaa") != NULL, "%s", p.reason);
	ck_assert_msg(strstr(p.reason, "1 of BounceLimit 2") != NULL, "%s",
	    p.reason);
	ck_assert_msg(strstr(p.reason, "not re-notified: no RoutingDB is set")
	    != NULL, "%s", p.reason);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Id"), "mp-aaaa");
	ck_assert_str_eq(p.notice_id, "mp-aaaa");
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_get(fx_seen(s), to, &h, &err), MP_FOUND);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_str_eq(h.b[0].status, "5.1.1");
	ck_assert_str_eq(h.b[0].notice, "mp-aaaa");

	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-bbbb@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-bbbb@meldpunt.test", "bounce:hard");
	ck_assert_msg(strstr(p.reason, "unreachable since ") != NULL &&
	    strstr(p.reason, "(2 bounces)") != NULL, "%s", p.reason);
	/* not carried out: the count is taken back */
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_get(fx_seen(s), to, &h, &err), MP_FOUND);
	ck_assert_uint_eq(h.n, 1);
	fx_release(s);
}
END_TEST

/* No tag: the X-Meldpunt-Id the bounce returned finds the notice. */
START_TEST(hard_by_returned_id)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE);
	struct mp_plan p;
	struct mp_health h;
	struct mp_error err;
	const char *f = fx_edited(tmp, SISIMAI "lhost-postfix-01.eml",
	    "/^Content-Type: message\\/rfc822/{n;a\\\nX-Meldpunt-Id: MP-cccc\n}",
	    "returned-id.eml");

	notice(s, "MP-cccc", "r@p351355.pool.example.ne.jp", NULL);
	ck_assert_int_eq(decide_to(s, f, "bounces@meldpunt.test", &p, NULL),
	    MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces@meldpunt.test", "bounce:hard");
	ck_assert_msg(strstr(p.reason, "notice mp-cccc") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_get(fx_seen(s), "r@p351355.pool.example.ne.jp",
	    &h, &err), MP_FOUND);
	fx_release(s);
}
END_TEST

START_TEST(soft_not_counted)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE);
	struct mp_plan p;
	struct mp_health h;
	struct mp_error err;

	notice(s, "MP-dddd", "kijitora@example.org", NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-05.eml",
	    "bounces+MP-dddd@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+MP-dddd@meldpunt.test", "bounce:soft");
	ck_assert_msg(strstr(p.reason, "soft 4.1.1 for kijitora@example.org")
	    != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_get(fx_seen(s), "kijitora@example.org", &h,
	    &err), MP_NOTFOUND);
	fx_release(s);
}
END_TEST

/* No notice, or no contact of it: unmatched, archived all the same. */
START_TEST(unmatched)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE);
	struct mp_plan p;

	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-none@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-none@meldpunt.test", "bounce:unmatched");
	ck_assert_msg(strstr(p.reason, "no such notice") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces@meldpunt.test", "bounce:unmatched");
	ck_assert_msg(strstr(p.reason, "names no notice") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	/* two contacts, the DSN names neither */
	notice(s, "MP-eeee", "a@example.net", "b@example.net");
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-eeee@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-eeee@meldpunt.test", "bounce:unmatched");
	ck_assert_msg(strstr(p.reason, "names none of its contacts") != NULL,
	    "%s", p.reason);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(auto_reply_and_not_a_bounce)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE);
	struct mp_plan p;

	notice(s, "MP-ffff", "kijitora@example.jp", NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "rfc3834-01.eml",
	    "bounces+mp-ffff@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-ffff@meldpunt.test", "bounce:auto-reply");
	mp_plan_free(&p);
	ck_assert_int_eq(decide_to(s, "examples/arf-spam.eml",
	    "bounces@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	/* not returned mail: stays with its own recipient, marked */
	ck_assert_str_eq(mp_outcome_name(p.outcome), "bounce:not-a-bounce");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"),
	    "bounce:not-a-bounce");
	ck_assert_uint_eq(p.ndel, 0);
	ck_assert_uint_eq(p.nadd, 0);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Without ArchiveAddress the bounce stays with its own recipient. */
START_TEST(no_archive_keeps_recipient)
{
	struct mp_snapshot *s = conf_write(NULL, NULL);
	struct mp_plan p;

	notice(s, "MP-gggg", "r@p351355.pool.example.ne.jp", NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-gggg@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "bounce:hard");
	ck_assert_uint_eq(p.ndel, 0);
	ck_assert_uint_eq(p.nadd, 0);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * What is not returned mail stays with its recipients, who may be
 * people (BounceAddress defaults to the Identity address): an outsider's
 * protected From is refused there as anywhere, DSN-shaped or not.
 */
START_TEST(not_a_bounce_keeps_identity_check)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE
	    "\nProtectedDomains meldpunt.test");
	struct mp_plan p;
	const char *f = fx_edited(tmp, "examples/outbound-notice.eml",
	    "s/^From: .*/From: Meldpunt <noc@meldpunt.test>/", "spoof.eml");

	ck_assert_int_eq(decide_to(s, f, "bounces@meldpunt.test", &p, NULL),
	    MP_VERDICT_REJECT);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "rejected:identity");
	ck_assert_str_eq(p.smtp_code, "550");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* A state DB that cannot be opened: tempfail, the MTA keeps the bounce. */
/*
 * The MTA's own DSN speaks as its host (MAILER-DAEMON@ a protected
 * domain): to the bounce address alone it needs no identity check (it is
 * archived, never signed, never sent on); with another recipient it does.
 */
START_TEST(own_dsn_needs_no_identity)
{
	struct mp_snapshot *s = conf_write(NULL, "ArchiveAddress " ARCHIVE
	    "\nProtectedDomains meldpunt.test");
	struct mp_plan p;
	const char *f = fx_edited(tmp, SISIMAI "lhost-postfix-01.eml",
	    "s/^From: MAILER-DAEMON@[^ ]*/From: MAILER-DAEMON@mx.meldpunt.test/",
	    "own-dsn.eml");

	notice(s, "MP-hhhh", "r@p351355.pool.example.ne.jp", NULL);
	ck_assert_int_eq(decide_to(s, f, "bounces+mp-hhhh@meldpunt.test", &p,
	    NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-hhhh@meldpunt.test", "bounce:hard");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(tempfail_on_state_db)
{
	char bad[256];
	struct mp_snapshot *s;
	struct mp_plan p;

	snprintf(bad, sizeof(bad), "%s/missing/state.db", tmp);
	s = conf_write(bad, "ArchiveAddress " ARCHIVE);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-aaaa@meldpunt.test", &p, NULL), MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "tempfail");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST


/*
 * ---- Re-notification: the incident of a hard bounce, routed again ----
 *
 * The routes: the network's organisation has the address that bounces
 * in the sample (and perhaps another), its intermediary comes next.
 */
#define BOUNCED	"r@p351355.pool.example.ne.jp"

static void
warn_fail(void *arg, const char *msg)
{
	(void)arg;
	ck_abort_msg("routing source: %s", msg);
}

/* A routing DB from `src` in the temp dir; "RoutingDB PATH" in `line`. */
static void
routes(const char *src, char *line, size_t size)
{
	struct mp_routec *c = mp_routec_new(warn_fail, NULL);
	struct mp_error err;
	char path[256];

	ck_assert_ptr_nonnull(c);
	snprintf(path, sizeof(path), "%s/routes.db", tmp);
	ck_assert_int_eq(mp_routec_add_source(c, "routes.conf", src,
	    strlen(src)), MP_OK);
	ck_assert_int_eq(mp_routec_write(c, path, &err), MP_OK);
	mp_routec_free(&c);
	snprintf(line, size, "ArchiveAddress " ARCHIVE "\nRoutingDB %s", path);
}

static const char *two_tiers =
    "organisation net\n"
    "    contact " BOUNCED "\n"
    "    intermediary ic\n"
    "    network 192.0.2.0/24\n"
    "intermediary ic\n"
    "    contact cert@ic.example\n"
    "    language en\n";

static size_t
rows(struct mp_snapshot *s, char *out, size_t size)
{
	return pending_rows(fx_seen(s), out, size);
}

START_TEST(renotify_next_tier)
{
	struct mp_plan_held held = { 0 };
	struct mp_snapshot *s;
	struct mp_health h;
	struct mp_error err;
	struct mp_plan p;
	char extra[512], got[4096];
	int i;

	routes(two_tiers, extra, sizeof(extra));
	s = conf_write(NULL, extra);
	notice(s, "MP-aaaa", BOUNCED, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-aaaa@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-aaaa@meldpunt.test", "bounce:hard");
	ck_assert_msg(strstr(p.reason, "; re-notified (queued for the sender) to "
	    "cert@ic.example [intermediary 192.0.2.0/24]; 1 of BounceLimit 2")
	    != NULL, "%s", p.reason);
	/* the archived bounce carries it */
	ck_assert_ptr_nonnull(strstr(fx_plan_added(&p, "X-Meldpunt-Reason"),
	    "re-notified (queued for the sender) to cert@ic.example"));
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);
	ck_assert_msg(strncmp(got, "cert@ic.example spam:report en 1: ",
	    strlen("cert@ic.example spam:report en 1: ")) == 0 &&
	    strstr(got, "|192.0.2.25||||||spam||||re-notified: notice mp-aaaa of ")
	    != NULL && strstr(got, "could not be delivered to the contact "
	    "before you\n") != NULL && strstr(got, BOUNCED) == NULL, "%s", got);
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);

	/* the MTA delivers the same DSN again (twice): nothing new */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
		    "bounces+mp-aaaa@meldpunt.test", &p, NULL),
		    MP_VERDICT_CONTINUE);
		assert_archived(&p, "bounces+mp-aaaa@meldpunt.test", "bounce:hard");
		ck_assert_msg(strstr(p.reason, "; the same bounce again: counted "
		    "and re-notified before") != NULL, "%s", p.reason);
		mp_plan_hold(&p, &held);
		mp_plan_free(&p);
		mp_plan_settle(&held);
	}
	ck_assert_int_eq(mp_health_get(fx_seen(s), BOUNCED, &h, &err), MP_FOUND);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);

	/*
	 * Another notice about the same incident bounces: the intermediary
	 * was told within RenotifyInterval (by the first re-notification,
	 * made final above): said so, no second row.
	 */
	notice(s, "MP-bbbb", BOUNCED, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-bbbb@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_msg(strstr(p.reason, "; not re-notified: told within "
	    "RenotifyInterval: cert@ic.example [intermediary 192.0.2.0/24]; "
	    "unreachable since") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);
	fx_release(s);
}
END_TEST

/* Not carried out: rows, seen records and the count taken back; the retry
 * does it all again. */
START_TEST(renotify_rollback)
{
	struct mp_snapshot *s;
	struct mp_health h;
	struct mp_error err;
	struct mp_plan p;
	char extra[512], got[4096];

	routes(two_tiers, extra, sizeof(extra));
	s = conf_write(NULL, extra);
	notice(s, "MP-cccc", BOUNCED, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-cccc@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 0);
	ck_assert_int_eq(mp_health_get(fx_seen(s), BOUNCED, &h, &err),
	    MP_NOTFOUND);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-cccc@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_msg(strstr(p.reason, "re-notified (queued for the sender) to "
	    "cert@ic.example") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);
	fx_release(s);
}
END_TEST

/*
 * Nobody left: the reason (and the archived bounce) says so. Another
 * contact of the same notice had it: said so, nobody re-notified.
 */
START_TEST(renotify_nobody_left)
{
	struct mp_snapshot *s;
	struct mp_plan p;
	char extra[512], got[4096];

	routes("organisation net\n    contact " BOUNCED "\n"
	    "    network 192.0.2.0/24\n", extra, sizeof(extra));
	s = conf_write(NULL, extra);
	notice(s, "MP-dddd", BOUNCED, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-dddd@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	assert_archived(&p, "bounces+mp-dddd@meldpunt.test", "bounce:hard");
	ck_assert_msg(strstr(p.reason, "; not re-notified: no contact left for "
	    "192.0.2.25; skipped: " BOUNCED " [org] its notice mp-dddd bounced; "
	    "1 of BounceLimit 2") != NULL, "%s", p.reason);
	ck_assert_ptr_nonnull(strstr(fx_plan_added(&p, "X-Meldpunt-Reason"),
	    "not re-notified: no contact left"));
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 0);
	fx_release(s);

	routes("organisation net\n    contact " BOUNCED "\n"
	    "    contact other@example.net\n    network 192.0.2.0/24\n"
	    "    intermediary ic\n"
	    "intermediary ic\n    contact cert@ic.example\n", extra,
	    sizeof(extra));
	s = conf_write(NULL, extra);
	notice(s, "MP-eeee", BOUNCED, "other@example.net");
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-eeee@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_msg(strstr(p.reason, "; not re-notified: had it in the same "
	    "notice: other@example.net [org 192.0.2.0/24]") != NULL, "%s",
	    p.reason);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 0);

	/* a notice that names no single incident (no source): said so */
	{
		struct mp_notice_rec r;
		struct mp_error err;

		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "MP-gggg");
		snprintf(r.type, sizeof(r.type), "open-service:scan_ntp");
		r.at = time(NULL) - 60;
		snprintf(r.contact[0].addr, sizeof(r.contact[0].addr), BOUNCED);
		snprintf(r.contact[0].rule, sizeof(r.contact[0].rule), "org");
		r.ncontacts = 1;
		ck_assert_int_eq(mp_notice_record(fx_seen(s), &r, &err), MP_OK);
	}
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-gggg@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_msg(strstr(p.reason, "; not re-notified: the notice names no "
	    "incident to route") != NULL, "%s", p.reason);
	mp_plan_free(&p);

	/* a list row's type ("open-service:scan_ntp") routes as its meldpunt
	 * type; the organisation's other contact did not have this notice */
	{
		struct mp_notice_rec r;
		struct mp_error err;

		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "MP-hhhh");
		snprintf(r.type, sizeof(r.type), "open-service:scan_ntp");
		snprintf(r.source, sizeof(r.source), "192.0.2.25");
		r.at = time(NULL) - 60;
		snprintf(r.contact[0].addr, sizeof(r.contact[0].addr), BOUNCED);
		snprintf(r.contact[0].rule, sizeof(r.contact[0].rule), "org");
		r.ncontacts = 1;
		ck_assert_int_eq(mp_notice_record(fx_seen(s), &r, &err), MP_OK);
	}
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-hhhh@meldpunt.test", &p, NULL), MP_VERDICT_CONTINUE);
	ck_assert_msg(strstr(p.reason, "; re-notified (queued for the sender) to "
	    "other@example.net [org 192.0.2.0/24]") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows(s, got, sizeof(got)), 1);
	ck_assert_msg(strncmp(got, "other@example.net open-service:report "
	    "unknown 1: ", strlen("other@example.net open-service:report "
	    "unknown 1: ")) == 0, "%s", got);
	fx_release(s);
}
END_TEST

/* A RoutingDB that is set but cannot be read: tempfail, nothing counted. */
START_TEST(renotify_tempfail)
{
	struct mp_snapshot *s;
	struct mp_health h;
	struct mp_error err;
	struct mp_plan p;
	char extra[512];

	snprintf(extra, sizeof(extra), "ArchiveAddress " ARCHIVE
	    "\nRoutingDB %s/missing.db", tmp);
	s = conf_write(NULL, extra);
	notice(s, "MP-ffff", BOUNCED, NULL);
	ck_assert_int_eq(decide_to(s, SISIMAI "lhost-postfix-01.eml",
	    "bounces+mp-ffff@meldpunt.test", &p, NULL), MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "tempfail");
	ck_assert_msg(strstr(p.reason, "missing.db") != NULL, "%s", p.reason);
	mp_plan_free(&p);
	ck_assert_int_eq(mp_health_get(fx_seen(s), BOUNCED, &h, &err),
	    MP_NOTFOUND);
	fx_release(s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("bounceflow");
	TCase *tc = tcase_create("bounceflow");

	g_mime_init();
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flow_is_bounce);
	tcase_add_test(tc, hard_by_tag_then_unreachable);
	tcase_add_test(tc, hard_by_returned_id);
	tcase_add_test(tc, soft_not_counted);
	tcase_add_test(tc, unmatched);
	tcase_add_test(tc, auto_reply_and_not_a_bounce);
	tcase_add_test(tc, not_a_bounce_keeps_identity_check);
	tcase_add_test(tc, no_archive_keeps_recipient);
	tcase_add_test(tc, tempfail_on_state_db);
	tcase_add_test(tc, own_dsn_needs_no_identity);
	tcase_add_test(tc, renotify_next_tier);
	tcase_add_test(tc, renotify_rollback);
	tcase_add_test(tc, renotify_nobody_left);
	tcase_add_test(tc, renotify_tempfail);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
