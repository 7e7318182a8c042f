/*
 * Unit tests: every end state of the intake path (intake.h) without an
 * MTA, one test each: quarantined:too-large, quarantined:mixed-recipients,
 * quarantined:unauthenticated, quarantined:parse-error,
 * quarantined:render-error, deferred:rate-limit and tempfail (a state DB
 * or a routing DB that cannot be read); notified, duplicate,
 * quarantined:unrouted and quarantined:not-a-report are also checked here
 * so that the whole list sits in one file (test-intake.c checks them in
 * more depth).
 *
 * The fixture is the one of test-intake.c (daemon_fixture.h): routes
 * compiled by meldpunt-route from the sample sources, the source tree's
 * templates (or a broken copy), a state DB in a temp dir, a test DNS zone
 * that holds the keys of two sample reporters, who sign the sample
 * reports. Each test
 * writes the configuration it needs (conf_write) and loads a snapshot from
 * it. Outcomes are compared by their printed names, the words of the log
 * line and of X-Meldpunt-Outcome.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gdbm.h>
#include <gmime/gmime.h>

#include "daemon_fixture.h"
#include "outcome.h"
#include "pending.h"
#include "pending_rows.h"
#include "pendrow.h"
#include "seen.h"

#define INTAKE	"meldingen@meldpunt.test"
#define REVIEW	"review@meldpunt.test"

static char tmp[64];
static const char *srcdir;
static struct mp_signer *reporter[FX_REPORTERS];

static void
setup(void)
{
	srcdir = fx_srcdir();
	mp_check_tmpdir(tmp, sizeof(tmp), "test-intake-states");
	fx_sample_routes(tmp);
	fx_reporters_make(tmp, reporter);
}

static void
teardown(void)
{
	fx_reporters_free(reporter);
	mp_check_rmtree(tmp);
}

/*
 * A configuration in the temp dir and a snapshot of it. NULL for the
 * defaults: routes.db and state.db in the temp dir, the source tree's
 * templates; `extra` is added as is.
 */
static struct mp_snapshot *
conf_write(const char *routes, const char *state, const char *templates,
    const char *extra)
{
	char dflt_routes[256], dflt_state[256], dflt_tmpl[256];

	snprintf(dflt_routes, sizeof(dflt_routes), "%s/routes.db", tmp);
	snprintf(dflt_state, sizeof(dflt_state), "%s/state.db", tmp);
	snprintf(dflt_tmpl, sizeof(dflt_tmpl), "%s/templates", srcdir);
	fx_write(tmp, "meldpunt.conf", "IntakeAddress " INTAKE "\n"
	    "RoutingDB %s\nTemplateDirectory %s\nStateDB %s\n"
	    "Identity " INTAKE " Meldpunt Test\n"
	    "UnknownReporters accept\nDNSZoneFile %s/dns.zone\n"
	    "QuarantineAddress " REVIEW "\n%s\n",
	    routes ? routes : dflt_routes, templates ? templates : dflt_tmpl,
	    state ? state : dflt_state, tmp, extra ? extra : "");
	return fx_snapshot(tmp, "meldpunt.conf");
}

static struct mp_snapshot *
snapshot(void)
{
	return conf_write(NULL, NULL, NULL, NULL);
}

/*
 * The file as on the wire (CRLF), DKIM-signed by the sample reporter of
 * its From when there is one; else left unsigned.
 */
static void
wire_message(const char *name, struct mp_buf *msg)
{
	struct mp_buf raw;
	int r;

	fx_wire_file(name, &raw);
	r = fx_reporter_of(&raw);
	/* unsigned, or signed already (a retry's very bytes, signed_copy) */
	if (r < 0 || strncmp(raw.data, "DKIM-Signature:", 15) == 0) {
		*msg = raw;
		return;
	}
	fx_sign(reporter[r], &raw, msg);
	mp_buf_free(&raw);
}

static const struct fx_client loopback = {
	"127.0.0.1", "smtpd", "mx.example.com", "<fbl@mailbox.example.com>"
};

/*
 * Feed a message into the envelope the way the milter callbacks do, to
 * the recipients `rcpts` (NULL-terminated), then decide at EOH and EOM.
 */
static int
decide_to(struct mp_snapshot *s, const char *file, const char *const *rcpts,
    const struct fx_client *cl, struct mp_plan *plan)
{
	struct mp_envelope env;
	struct mp_buf msg;
	size_t n;

	for (n = 0; rcpts[n] != NULL; n++)
		;
	wire_message(file, &msg);
	fx_envelope(&env, s, cl, rcpts, n, msg.data, msg.len);
	mp_buf_free(&msg);
	return fx_decide(s, &env, plan, NULL);
}

static int
decide(struct mp_snapshot *s, const char *file, struct mp_plan *plan)
{
	static const char *const to[] = { INTAKE, NULL };

	return decide_to(s, file, to, &loopback, plan);
}

/*
 * A quarantine: passed on (250) unchanged but for the X-Meldpunt fields,
 * to QuarantineAddress instead of its own recipients; the outcome in
 * X-Meldpunt-Outcome, the reason (holding `why`) in X-Meldpunt-Reason.
 */
static void
assert_quarantined(const struct mp_plan *p, const char *outcome,
    const char *why)
{
	const char *h;

	ck_assert_int_eq(p->verdict, MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p->outcome), outcome);
	ck_assert_msg(strstr(p->reason, why) != NULL, "reason: %s", p->reason);
	ck_assert_uint_eq(p->nadd, 1);
	ck_assert_str_eq(p->add_rcpts[0], REVIEW);
	ck_assert_uint_ge(p->ndel, 1);
	ck_assert(!p->replace_body);
	ck_assert_ptr_null(p->new_sender);
	ck_assert_ptr_nonnull(h = fx_plan_added(p, "X-Meldpunt-Outcome"));
	ck_assert_str_eq(h, outcome);
	ck_assert_ptr_nonnull(h = fx_plan_added(p, "X-Meldpunt-Reason"));
	ck_assert_msg(strstr(h, why) != NULL, "X-Meldpunt-Reason: %s", h);
}

/* A tempfail: 451 4.3.0 with the generic text; the cause in the reason. */
static void
assert_tempfail(const struct mp_plan *p, const char *why)
{
	ck_assert_int_eq(p->verdict, MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p->outcome), "tempfail");
	ck_assert_str_eq(p->smtp_code, "451");
	ck_assert_msg(strstr(p->reason, why) != NULL, "reason: %s", p->reason);
	ck_assert_uint_eq(p->nadd, 0);
	ck_assert_uint_eq(p->nhdrs, 0);
	ck_assert(!p->replace_body);
}

START_TEST(notified)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;

	ck_assert_int_eq(decide(s, "examples/arf-spam.eml", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert(p.replace_body);
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "meldingen@zorgcert.example.nl");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"), "notified");
	ck_assert_ptr_null(fx_plan_added(&p, "X-Meldpunt-Reason"));
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(duplicate)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	struct mp_plan_held held = { 0 };

	decide(s, "examples/arf-spam.eml", &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "duplicate");
	ck_assert(!p.replace_body);
	ck_assert_uint_eq(p.nadd, 0);	/* no ArchiveAddress: kept as sent */
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"), "duplicate");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

START_TEST(unrouted_and_not_a_report)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;

	decide(s, "tests/e2e/data/unrouted-arf.eml", &p);
	assert_quarantined(&p, "quarantined:unrouted", "no contact for 100.64.0.1");
	mp_plan_free(&p);
	decide(s, "tests/e2e/data/not-a-report.eml", &p);
	assert_quarantined(&p, "quarantined:not-a-report", "not a report");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* Larger than MaximumMessageSize: not read, sent to review as it is. */
START_TEST(too_large)
{
	struct mp_snapshot *s = conf_write(NULL, NULL, NULL,
	    "MaximumMessageSize 1K");
	struct mp_plan p;

	decide(s, "examples/arf-spam.eml", &p);
	assert_quarantined(&p, "quarantined:too-large", "MaximumMessageSize");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* A report with another recipient, or to the intake address twice. */
START_TEST(mixed_recipients)
{
	static const char *const other[] = { INTAKE, "someone@example.org", NULL };
	static const char *const twice[] = { INTAKE, INTAKE, NULL };
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;

	decide_to(s, "examples/arf-spam.eml", other, &loopback, &p);
	assert_quarantined(&p, "quarantined:mixed-recipients", "alone");
	ck_assert_uint_eq(p.ndel, 2);	/* both recipients go to review */
	mp_plan_free(&p);
	decide_to(s, "examples/arf-spam.eml", twice, &loopback, &p);
	assert_quarantined(&p, "quarantined:mixed-recipients", "2 recipients");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * A known reporter (etc/routes.conf: cert.example.com, auth both) whose
 * report comes unsigned from a client its SPF record does not name.
 */
START_TEST(unauthenticated)
{
	static const char *const to[] = { INTAKE, NULL };
	struct fx_client cl = { "192.0.2.200", "smtpd",
	    "mail.cert.example.com", "<feeds@cert.example.com>" };
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	const char *file = fx_edited(tmp, "examples/arf-spam.eml",
	    "s/mailbox\\.example\\.com/cert.example.com/g", "cert.eml");

	decide_to(s, file, to, &cl, &p);
	assert_quarantined(&p, "quarantined:unauthenticated", "cert.example.com");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * A report that is one, but cannot be read: its XARF JSON nests deeper
 * than MP_REPORT_MAX_DEPTH (a limit, MP_ELIMIT), not malformed input.
 */
START_TEST(parse_error)
{
	struct mp_snapshot *s = snapshot();
	struct mp_plan p;
	char script[512];
	int i, n;

	n = snprintf(script, sizeof(script), "s/\"severity\": \"critical\"/"
	    "\"severity\": ");
	for (i = 0; i < 40; i++)
		n += snprintf(script + n, sizeof(script) - (size_t)n, "[");
	for (i = 0; i < 40; i++)
		n += snprintf(script + n, sizeof(script) - (size_t)n, "]");
	snprintf(script + n, sizeof(script) - (size_t)n, "/");
	decide(s, fx_edited(tmp, "examples/xarf4-vulnerable.eml", script,
	    "deep.eml"), &p);
	assert_quarantined(&p, "quarantined:parse-error", "limit");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * A template set that loads but cannot render this report: the spam
 * template repeats the phone number until the text is over
 * MP_NOTIFY_TEXT_MAX. Nobody is told, nothing is marked as sent.
 */
START_TEST(render_error)
{
	struct mp_snapshot *s;
	struct mp_plan p;
	char cmd[1024], tdir[256], phone[400], extra[512];

	snprintf(tdir, sizeof(tdir), "%s/templates", tmp);
	snprintf(cmd, sizeof(cmd), "cp -R '%s/templates' '%s' && chmod -R u+w "
	    "'%s' && for l in nl en; do { echo 'Subject: spam'; echo; "
	    "i=0; while [ $i -lt 3000 ]; do printf '{{phone}}'; i=$((i+1)); "
	    "done; echo; } >'%s'/$l/spam.tmpl; done", srcdir, tmp, tdir, tdir);
	fx_run(cmd);
	memset(phone, '0', 300);
	memcpy(phone, "+31 ", 4);
	phone[300] = '\0';
	snprintf(extra, sizeof(extra), "IdentityPhone %s", phone);
	s = conf_write(NULL, NULL, tdir, extra);
	decide(s, "examples/arf-spam.eml", &p);
	assert_quarantined(&p, "quarantined:render-error", "larger than");
	mp_plan_free(&p);
	fx_release(s);

	/* the dedup mark was taken back: with good templates it is news */
	s = snapshot();
	decide(s, "examples/arf-spam.eml", &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/*
 * MaxNoticesPerContact 1: a second report for the same contact within the
 * hour (another address of the same network) waits: 4xx, nobody told,
 * and the third try is deferred again (the deferral marked nothing).
 */
START_TEST(rate_limit)
{
	struct mp_snapshot *s = conf_write(NULL, NULL, NULL,
	    "MaxNoticesPerContact 1");
	struct mp_plan p;
	struct mp_plan_held held = { 0 };
	const char *file;
	int i;

	decide(s, "examples/arf-spam.eml", &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);
	file = fx_edited(tmp, "examples/arf-spam.eml",
	    "s/192\\.0\\.2\\.25/192.0.2.26/g;"
	    "s/fbl-20261122-0001/fbl-20261122-0002/", "second.eml");
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(decide(s, file, &p), MP_VERDICT_TEMPFAIL);
		ck_assert_str_eq(mp_outcome_name(p.outcome), "deferred:rate-limit");
		ck_assert_str_eq(p.smtp_code, "451");
		ck_assert_str_eq(p.smtp_xcode, "4.7.1");
		ck_assert_msg(strstr(p.reason, "meldingen@zorgcert.example.nl") &&
		    strstr(p.smtp_text, "this hour"), "reason: %s; reply: %s",
		    p.reason, p.smtp_text);
		ck_assert_uint_eq(p.nadd, 0);
		ck_assert(!p.replace_body);
		mp_plan_free(&p);
	}
	fx_release(s);
}
END_TEST

/* A StateDB that cannot be opened (its directory is missing). */
START_TEST(tempfail_statedb)
{
	char state[256];
	struct mp_snapshot *s;
	struct mp_plan p;

	snprintf(state, sizeof(state), "%s/no-such-dir/state.db", tmp);
	s = conf_write(NULL, state, NULL, NULL);
	decide(s, "examples/arf-spam.eml", &p);
	assert_tempfail(&p, "StateDB");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* A RoutingDB that cannot be read: missing, or not a routing database. */
START_TEST(tempfail_routedb)
{
	char routes[256], cmd[512];
	struct mp_snapshot *s;
	struct mp_plan p;

	snprintf(routes, sizeof(routes), "%s/missing.db", tmp);
	s = conf_write(routes, NULL, NULL, NULL);
	decide(s, "examples/arf-spam.eml", &p);
	assert_tempfail(&p, "missing.db");
	mp_plan_free(&p);
	fx_release(s);

	snprintf(routes, sizeof(routes), "%s/garbage.db", tmp);
	snprintf(cmd, sizeof(cmd), "head -c 4096 /dev/zero >'%s'", routes);
	fx_run(cmd);
	s = conf_write(routes, NULL, NULL, NULL);
	decide(s, "examples/arf-spam.eml", &p);
	assert_tempfail(&p, "garbage.db");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST


/*
 * A list report (issue 14): a signed Shadowserver sample (9 rows) over
 * a routes source that routes 4 of its addresses to three contacts:
 * queued, archived with the summary, its rows pending per contact; the
 * same message again (the MTA's retry) changes nothing; another copy
 * after the first was taken finds every row a duplicate.
 */
#define SS_SAMPLE "tests/corpus/abuseio/extra/notifier-samples/shadowserver/" \
	"2015-01-01-scan_ntp-sample-asn.csv.zip.eml"
#define ARCHIVE "archive@meldpunt.test"

static struct mp_snapshot *
feed_snapshot(void)
{
	char db[256], state[256];

	fx_routes(tmp, "feed-routes",
	    "organisation a\n    contact noc@a.example\n    language nl\n"
	    "    network 76.22.0.0/16\n"
	    "organisation b\n    contact abuse@b.example\n    language en\n"
	    "    network 193.158.0.0/16\n"
	    "organisation c\n    contact cert@c.example\n    language en\n"
	    "    network 115.91.0.0/16\n    network 106.243.0.0/16\n"
	    "reporter research.example.org\n    auth dkim\n"
	    "    listtype vulnerable-service\n    case DIVD-2026-00042\n");
	snprintf(db, sizeof(db), "%s/feed-routes.db", tmp);
	snprintf(state, sizeof(state), "%s/feed-state.db", tmp);
	unlink(state);
	return conf_write(db, state, NULL, "ArchiveAddress " ARCHIVE);
}

/* The pending groups, as "contact type lang rows" lines. */
static void
feed_groups(struct mp_snapshot *s, char *out, size_t size)
{
	struct mp_pending_group *g;
	struct mp_error err;
	struct mp_seen *seen;
	size_t n, i, len = 0;

	ck_assert_ptr_nonnull(seen = fx_seen(s));
	ck_assert_int_eq(mp_pending_groups(seen, &g, &n, &err), MP_OK);
	out[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s %s %s %zu\n",
		    g[i].contact, g[i].type, g[i].lang, g[i].rows);
	mp_pending_groups_free(&g, n);
}

/* The file signed once, for sending the same bytes twice. */
static const char *
signed_copy(const char *file, const char *name)
{
	static char path[256];
	struct mp_buf w;
	FILE *fp;

	wire_message(file, &w);
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(w.data, 1, w.len, fp), w.len);
	fclose(fp);
	mp_buf_free(&w);
	return path;
}

START_TEST(list_report_queued)
{
	static const char groups[] =
	    "abuse@b.example open-service:scan_ntp en 1\n"
	    "cert@c.example open-service:scan_ntp en 2\n"
	    "noc@a.example open-service:scan_ntp nl 1\n";
	struct mp_snapshot *s = feed_snapshot();
	struct mp_plan_held held = { 0 };
	struct mp_plan p;
	const char *h, *msg;
	char got[1024];

	msg = signed_copy(fx_edited(tmp, SS_SAMPLE,
	    "s/autoreports@shadowserver.org/feeds@research.example.org/",
	    "ss.eml"), "ss-signed.eml");
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], ARCHIVE);
	ck_assert(!p.replace_body);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"), "queued");
	ck_assert_ptr_nonnull(h = fx_plan_added(&p, "X-Meldpunt-Summary"));
	ck_assert_str_eq(h, "9 rows in 1 list: 4 pending for 3 contacts, "
	    "0 duplicates, 5 unrouted, 0 invalid");
	ck_assert_ptr_nonnull(h = fx_plan_added(&p, "X-Meldpunt-Unrouted"));
	ck_assert_str_eq(h, "123.23.130.233 (row 2); 221.112.23.116 (row 4); "
	    "62.212.206.130 (row 5); 118.186.156.166 (row 8); "
	    "91.191.233.205 (row 9)");
	ck_assert_ptr_null(fx_plan_added(&p, "X-Meldpunt-Invalid"));
	ck_assert_msg(strstr(p.reason, "unrouted: 123.23.130.233 (row 2)") !=
	    NULL, "reason: %s", p.reason);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, groups);
	mp_plan_free(&p);

	/* the MTA's retry of the same bytes: the same rows, once */
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Summary"), "9 rows in 1 "
	    "list: 4 pending for 3 contacts, 0 duplicates, 5 unrouted, "
	    "0 invalid");
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, groups);
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);

	/* another copy: every routed row was recorded within RenotifyInterval */
	msg = fx_edited(tmp, SS_SAMPLE, "s/autoreports@shadowserver.org/"
	    "feeds@research.example.org/;s/^Subject: /Subject: Fwd: /", "ss2.eml");
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Summary"), "9 rows in 1 "
	    "list: 0 pending for 0 contacts, 4 duplicates, 5 unrouted, "
	    "0 invalid");
	mp_plan_free(&p);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, groups);
	fx_release(s);
}
END_TEST

/* Taken back: a plan the milter could not carry out hides its rows. */
START_TEST(list_report_rollback)
{
	struct mp_snapshot *s = feed_snapshot();
	struct mp_plan p;
	const char *msg;
	char got[1024];

	msg = fx_edited(tmp, SS_SAMPLE, "s/autoreports@shadowserver.org/"
	    "feeds@research.example.org/", "ss.eml");
	decide(s, msg, &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, "");
	/* and the retry is not a duplicate of it */
	decide(s, msg, &p);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Summary"), "9 rows in 1 "
	    "list: 4 pending for 3 contacts, 0 duplicates, 5 unrouted, "
	    "0 invalid");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST

/* A researcher's CSV list: its type and case from the reporter's record. */
START_TEST(list_report_generic_csv)
{
	struct mp_snapshot *s = feed_snapshot();
	struct mp_plan p;
	char path[256], got[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/list.eml", tmp);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs("From: DIVD <feeds@research.example.org>\n"
	    "To: " INTAKE "\n"
	    "Subject: Vulnerable hosts in your constituency\n"
	    "Date: Mon, 30 Nov 2026 09:00:00 +0100\n"
	    "Message-ID: <list-1@research.example.org>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nThe list is attached.\n"
	    "--b\nContent-Type: text/csv; name=\"hosts.csv\"\n"
	    "Content-Disposition: attachment; filename=\"hosts.csv\"\n\n"
	    "ip,port,timestamp\n76.22.1.1,443,2026-11-29 10:00:00\n"
	    "193.158.2.2,443,2026-11-29 11:00:00\n"
	    "8.8.8.8,443,2026-11-29 12:00:00\nnot-an-ip,443,\n"
	    "--b--\n", fp);
	fclose(fp);
	ck_assert_int_eq(decide(s, path, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Summary"), "4 rows in 1 "
	    "list: 2 pending for 2 contacts, 0 duplicates, 1 unrouted, 1 invalid "
	    "(ip is not an address: 1)");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Unrouted"),
	    "8.8.8.8 (row 3)");
	mp_plan_free(&p);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got,
	    "abuse@b.example vulnerable-service:list en 1\n"
	    "noc@a.example vulnerable-service:list nl 1\n");
	fx_release(s);
}
END_TEST


/* State DB records whose key starts with `tag` (read beside the open
 * handle, as the tools do). */
static size_t
state_keys(char tag)
{
	char path[256];
	GDBM_FILE db;
	datum k, next;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/feed-state.db", tmp);
	ck_assert_ptr_nonnull(db = gdbm_open(path, 0, GDBM_READER |
	    GDBM_NOLOCK, 0, NULL));
	for (k = gdbm_firstkey(db); k.dptr != NULL; k = next) {
		n += k.dsize > 0 && k.dptr[0] == tag;
		next = gdbm_nextkey(db, k);
		free(k.dptr);
	}
	gdbm_close(db);
	return n;
}

/* A mail with Shadowserver tables: `rows` routed rows of 300 bytes in
 * the first, and a second without an ip column when `broken`. */
static const char *
two_tables(const char *name, int rows, int broken)
{
	static char path[256];
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "From: Feeds <feeds@research.example.org>\n"
	    "To: " INTAKE "\n"
	    "Subject: Shadowserver scan_ntp report\n"
	    "Date: Mon, 30 Nov 2026 09:00:00 +0100\n"
	    "Message-ID: <%s@research.example.org>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nAttached.\n"
	    "--b\nContent-Type: text/csv\n"
	    "Content-Disposition: attachment; "
	    "filename=\"2026-11-29-scan_ntp-a-asn.csv\"\n\n"
	    "timestamp,ip,port,note\n", name);
	for (i = 0; i < rows; i++)
		fprintf(fp, "2026-11-29 10:00:00,76.22.%d.%d,123,%0260d\n",
		    i / 250, i % 250 + 1, i);
	if (broken)
		fputs("--b\nContent-Type: text/csv\n"
		    "Content-Disposition: attachment; "
		    "filename=\"2026-11-29-scan_ntp-b-asn.csv\"\n\n"
		    "timestamp,host\n2026-11-29 10:00:00,h.example\n", fp);
	fputs("--b--\n", fp);
	fclose(fp);
	return path;
}

/* A report refused after its first table was read and recorded (its
 * second has no ip column): every record of it is taken back, so the
 * corrected report finds nothing of it -- no duplicates. */
START_TEST(list_report_refused_late)
{
	struct mp_snapshot *s = feed_snapshot();
	struct mp_plan p;
	char got[1024];

	/* 400 rows of 300 bytes: more than one chunk is written before
	 * the second table is met */
	decide(s, two_tables("late.eml", 400, 1), &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome),
	    "quarantined:not-a-report");
	mp_plan_free(&p);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, "");
	ck_assert_uint_eq(state_keys('p'), 0);
	ck_assert_uint_eq(state_keys('f'), 0);
	ck_assert_uint_eq(state_keys('m'), 0);
	ck_assert_uint_eq(state_keys('b'), 0);
	decide(s, two_tables("fixed.eml", 400, 0), &p);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Summary"), "400 rows in "
	    "1 list: 400 pending for 1 contact, 0 duplicates, 0 unrouted, "
	    "0 invalid");
	mp_plan_free(&p);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, "noc@a.example open-service:scan_ntp nl 400\n");
	ck_assert_uint_gt(state_keys('p'), 1);
	fx_release(s);
}
END_TEST

/* A report that only links to its data. */
START_TEST(link_only)
{
	struct mp_snapshot *s = feed_snapshot();
	struct mp_plan p;
	const char *msg;

	msg = fx_edited(tmp, "tests/e2e/data/link-only.eml", "", "link.eml");
	decide(s, msg, &p);
	assert_quarantined(&p, "quarantined:link-only", "only links");
	mp_plan_free(&p);
	fx_release(s);
}
END_TEST


/*
 * Digests (route.h, digest): a single report for a contact that asked
 * for digests is a pending row for it (pendrow.h), not a notification;
 * the report's other contacts are told at once as ever.
 */
static struct mp_snapshot *
routes_snapshot(const char *src, const char *extra)
{
	char db[256], state[256], conf[512];

	fx_routes(tmp, "digest-routes", src);
	snprintf(db, sizeof(db), "%s/digest-routes.db", tmp);
	snprintf(state, sizeof(state), "%s/digest-state.db", tmp);
	unlink(state);
	snprintf(conf, sizeof(conf), "ArchiveAddress " ARCHIVE "\n%s",
	    extra ? extra : "");
	return conf_write(db, state, NULL, conf);
}

static size_t
rows_of(struct mp_snapshot *s, char *out, size_t size)
{
	return pending_rows(fx_seen(s), out, size);
}

/* arf-spam.eml as a pending row: the columns of MP_PENDROW_COLUMNS. */
#define SPAM_ROW "spam:report nl 1: 2026-11-22 07:55:03|192.0.2.25|50122||" \
	"shop.example.nl|||spam|abuse||fbl-20261122-0001@mailbox.example.com|\n"

START_TEST(digest_queued)
{
	struct mp_snapshot *s = routes_snapshot("organisation a\n"
	    "    contact noc@a.example\n    language nl\n    digest yes\n"
	    "    network 192.0.2.0/24\n", NULL);
	struct mp_plan_held held = { 0 };
	struct mp_plan p;
	const char *msg;
	char got[4096];

	msg = signed_copy("examples/arf-spam.eml", "spam-signed.eml");
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	ck_assert_msg(strstr(p.reason, "spam 192.0.2.25 queued for the sender "
	    "(digest) for noc@a.example [org 192.0.2.0/24]") != NULL, "%s",
	    p.reason);
	ck_assert(!p.replace_body);
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], ARCHIVE);
	ck_assert_ptr_null(p.new_sender);
	ck_assert_str_eq(fx_plan_added(&p, "X-Meldpunt-Outcome"), "queued");
	ck_assert_ptr_nonnull(strstr(fx_plan_added(&p, "X-Meldpunt-Reason"),
	    "noc@a.example"));
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 1);
	ck_assert_str_eq(got, "noc@a.example " SPAM_ROW);
	feed_groups(s, got, sizeof(got));
	ck_assert_str_eq(got, "noc@a.example spam:report nl 1\n");
	/* not carried out: out of sight, and the retry is not a duplicate */
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 0);
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	mp_plan_free(&p);
	/* the MTA's retry of the same bytes: the same row, once */
	ck_assert_int_eq(decide(s, msg, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 1);
	/* another copy within RenotifyInterval: a duplicate, no new row */
	ck_assert_int_eq(decide(s, "examples/arf-spam.eml", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "duplicate");
	mp_plan_free(&p);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 1);
	fx_release(s);
}
END_TEST

/*
 * One contact of the report asked for digests (a contact object), the
 * other did not: the other is notified, and the notification says
 * nothing of the first; the first has its row.
 */
START_TEST(digest_mixed)
{
	struct mp_snapshot *s = routes_snapshot("organisation a\n"
	    "    contact noc@a.example\n    contact soc@a.example\n"
	    "    language nl\n    network 192.0.2.0/24\n"
	    "contact noc@a.example\n    digest yes\n", NULL);
	struct mp_plan p;
	char got[4096];
	size_t i;

	ck_assert_int_eq(decide(s, "examples/arf-spam.eml", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert(p.replace_body);
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "soc@a.example");
	ck_assert_msg(strstr(p.reason, "to soc@a.example [org 192.0.2.0/24]; "
	    "queued for the sender (digest) for noc@a.example [org "
	    "192.0.2.0/24]") != NULL, "%s", p.reason);
	ck_assert_ptr_null(strstr(p.body.data, "noc@a.example"));
	for (i = 0; i < p.nhdrs; i++)
		ck_assert_msg(p.hdrs[i].value == NULL ||
		    strstr(p.hdrs[i].value, "noc@a.example") == NULL, "%s: %s",
		    p.hdrs[i].name, p.hdrs[i].value);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 1);
	ck_assert_str_eq(got, "noc@a.example " SPAM_ROW);
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 0);
	fx_release(s);
}
END_TEST

/*
 * MaxNoticesPerContact is the sender's business for a digest contact,
 * as for list rows: two reports within the hour are both queued. A
 * reporter that may not be named (disclose none) leaves no reference.
 */
START_TEST(digest_no_rate_limit)
{
	struct mp_snapshot *s = routes_snapshot("organisation a\n"
	    "    contact noc@a.example\n    digest yes\n"
	    "    network 192.0.2.0/24\n"
	    "reporter mailbox.example.com\n    auth dkim\n    disclose none\n",
	    "MaxNoticesPerContact 1");
	struct mp_plan_held held = { 0 };
	struct mp_plan p;
	const char *file;
	char got[4096];

	ck_assert_int_eq(decide(s, "examples/arf-spam.eml", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);
	file = fx_edited(tmp, "examples/arf-spam.eml",
	    "s/192\\.0\\.2\\.25/192.0.2.26/g;"
	    "s/fbl-20261122-0001/fbl-20261122-0002/", "second.eml");
	ck_assert_int_eq(decide(s, file, &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "queued");
	mp_plan_free(&p);
	ck_assert_uint_eq(rows_of(s, got, sizeof(got)), 2);
	ck_assert_str_eq(got,
	    "noc@a.example spam:report unknown 1: 2026-11-22 07:55:03|"
	    "192.0.2.25|50122||shop.example.nl|||spam|abuse|||\n"
	    "noc@a.example spam:report unknown 1: 2026-11-22 07:55:03|"
	    "192.0.2.26|50122||shop.example.nl|||spam|abuse|||\n");
	fx_release(s);
}
END_TEST

/*
 * The conversion itself (pendrow.h): a password in a URL is redacted,
 * TLP amber keeps the reporter out of the feed record but not the
 * reference, the same key again writes the same row once, and the undo
 * hides it.
 */
START_TEST(pendrow_cells)
{
	struct mp_snapshot *s = routes_snapshot("organisation a\n"
	    "    contact noc@a.example\n    network 192.0.2.0/24\n", NULL);
	struct mp_route_contact c = { .address = "noc@a.example",
	    .lang = MP_LANG_EN, .rule = MP_RULE_ORG };
	const struct mp_route_contact *to[1] = { &c };
	struct mp_pendrow how = { .msg = 42, .received = 1800000000,
	    .reporter = "cert.example.com", .note = "a note" };
	struct mp_report r;
	struct mp_error err;
	struct mp_seen *seen;
	char got[4096], url[] = "https://admin:hunter2@shop.example.nl/login",
	    tlp[] = "amber", id[] = "case-7";
	int i;

	ck_assert_ptr_nonnull(seen = fx_seen(s));
	memset(&r, 0, sizeof(r));
	r.type = MP_TYPE_PHISHING;
	r.url = url;
	r.tlp = tlp;
	r.report_id = id;
	r.asn = 64500;
	r.service_port = 443;
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(mp_pendrow_record(seen, &r, to, 1, &how, &err),
		    MP_OK);
	ck_assert_uint_eq(pending_rows(seen, got, sizeof(got)), 1);
	ck_assert_str_eq(got, "noc@a.example phishing:report en 1: ||443|||"
	    "https://admin:[REDACTED]@shop.example.nl/login|64500|phishing||"
	    "amber|case-7|a note\n");
	ck_assert_int_eq(mp_pendrow_undo(seen, 42, &err), MP_OK);
	ck_assert_uint_eq(pending_rows(seen, got, sizeof(got)), 0);
	how.msg = 0;
	ck_assert_int_eq(mp_pendrow_record(seen, &r, to, 1, &how, &err),
	    MP_EINPUT);
	fx_release(s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("intake-states");
	TCase *tc = tcase_create("intake-states");

	g_mime_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, notified);
	tcase_add_test(tc, duplicate);
	tcase_add_test(tc, unrouted_and_not_a_report);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, mixed_recipients);
	tcase_add_test(tc, unauthenticated);
	tcase_add_test(tc, parse_error);
	tcase_add_test(tc, render_error);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, tempfail_statedb);
	tcase_add_test(tc, tempfail_routedb);
	tcase_add_test(tc, list_report_queued);
	tcase_add_test(tc, list_report_rollback);
	tcase_add_test(tc, list_report_refused_late);
	tcase_add_test(tc, link_only);
	tcase_add_test(tc, list_report_generic_csv);
	tcase_add_test(tc, digest_queued);
	tcase_add_test(tc, digest_mixed);
	tcase_add_test(tc, digest_no_rate_limit);
	tcase_add_test(tc, pendrow_cells);
	suite_add_tcase(su, tc);
	return mp_check_run(su);
}
