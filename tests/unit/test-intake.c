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

#include "check_tap.h"
#include "envelope.h"
#include "eom.h"
#include "plan.h"
#include "sign.h"
#include "health.h"
#include "notices.h"
#include "snapshot.h"
#include "statedb.h"

static char tmp[64];
static const char *srcdir, *builddir;
/* The sample reporters sign their reports: they are known reporters that
 * must pass DKIM (etc/routes.conf); their keys go into the test zone. */
static struct mp_signer *reporter[2];
static const char *const reporter_domain[2] = {
	"mailbox.example.com", "research.example.org",
};

static void
make_reporters(FILE *zone)
{
	char cmd[512], key[256];
	struct mp_error err;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s/%s.key", tmp, reporter_domain[i]);
		snprintf(cmd, sizeof(cmd), "umask 077; openssl genpkey -algorithm "
		    "ed25519 -out '%s' 2>/dev/null", key);
		ck_assert_int_eq(system(cmd), 0);
		reporter[i] = mp_signer_load(reporter_domain[i], NULL, NULL, "rep",
		    key, &err);
		ck_assert_msg(reporter[i] != NULL, "%s", err.msg);
		fprintf(zone, "%s TXT \"%s\"\n", mp_signer_record_name(reporter[i], 0),
		    mp_signer_txt(reporter[i], 0));
	}
}

static void
setup(void)
{
	char cmd[2048], conf[256];
	FILE *fp;

	srcdir = mp_check_dir("top_srcdir", ".");
	builddir = mp_check_dir("top_builddir", ".");
	snprintf(tmp, sizeof(tmp), "/tmp/test-intake.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "'%s/tools/meldpunt-route' compile -o '%s/routes.db' "
	    "--rpsl '%s/examples/ripe-sample.db' '%s/etc/routes.conf' >/dev/null 2>&1",
	    builddir, tmp, srcdir, srcdir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(conf, sizeof(conf), "%s/dns.zone", tmp);
	fp = fopen(conf, "w");
	ck_assert_ptr_nonnull(fp);
	make_reporters(fp);
	fclose(fp);
	snprintf(conf, sizeof(conf), "%s/meldpunt.conf", tmp);
	fp = fopen(conf, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "IntakeAddress meldingen@meldpunt.test\n"
	    "RoutingDB %s/routes.db\nTemplateDirectory %s/templates\n"
	    "StateDB %s/state.db\nIdentity meldingen@meldpunt.test Meldpunt Test\n"
	    "UnknownReporters accept\nDNSZoneFile %s/dns.zone\n"
	    "QuarantineAddress review@meldpunt.test\n",
	    tmp, srcdir, tmp, tmp);
	fclose(fp);
}

static void
teardown(void)
{
	char cmd[128];

	mp_signer_free(&reporter[0]);
	mp_signer_free(&reporter[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
}

static struct mp_snapshot *
snapshot(void)
{
	char conf[256];
	struct mp_error err;
	struct mp_snapshot *s;

	snprintf(conf, sizeof(conf), "%s/meldpunt.conf", tmp);
	s = mp_snapshot_load(conf, NULL, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

/* The file as on the wire (CRLF), signed by the reporter of its From
 * (a path starting with '/' is taken as is; `unsigned_ok`: a From of no
 * sample reporter leaves it unsigned). */
static void
wire_message(const char *name, int unsigned_ok, struct mp_buf *msg)
{
	char path[512], line[4096];
	struct mp_sign_out out;
	struct mp_error err;
	struct mp_buf raw;
	const char *v;
	FILE *fp;
	int i, r = -1;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", srcdir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	mp_buf_init(&raw, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		mp_buf_printf(&raw, "%s\r\n", line);
		if (strncmp(line, "From:", 5) == 0)
			for (i = 0; i < 2; i++)
				if (strstr(line, reporter_domain[i]) != NULL)
					r = i;
	}
	fclose(fp);
	if (r < 0 && unsigned_ok) {
		*msg = raw;
		return;
	}
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(mp_sign_message(reporter[r], raw.data, raw.len, &out,
	    &err), MP_OK);
	mp_buf_init(msg, 0);
	mp_buf_puts(msg, "DKIM-Signature: ");
	for (v = out.hdr[0].value; *v; v++)	/* libmilter folds: LF to CRLF */
		mp_buf_puts(msg, *v == '\n' ? "\r\n" : (char[]){ *v, '\0' });
	mp_buf_puts(msg, "\r\n");
	mp_buf_append(msg, raw.data, raw.len);
	mp_sign_out_clear(&out);
	mp_buf_free(&raw);
}

/* Who sends, as the MTA tells the milter. */
struct client {
	const char *addr, *helo, *sender;
};
static const struct client loopback = {
	"127.0.0.1", "mx.example.com", "<fbl@mailbox.example.com>"
};

/* Feed a message into the envelope the way the milter callbacks do. */
static void
feed(struct mp_envelope *env, const char *name, const char *rcpt,
    const struct client *cl)
{
	char hname[256];
	struct mp_buf msg, value;
	const char *p, *e, *nl, *colon;
	int have = 0;

	wire_message(name, cl != &loopback, &msg);
	mp_env_connection(env, cl->addr, "smtpd");
	mp_env_helo(env, cl->helo);
	mp_env_sender(env, cl->sender, NULL);
	ck_assert_int_eq(mp_env_rcpt(env, rcpt), MP_OK);
	mp_buf_init(&value, 0);
	for (p = msg.data, e = msg.data + msg.len; p < e; p = nl + 2) {
		nl = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(nl);
		if ((*p == ' ' || *p == '\t') && have) {
			mp_buf_puts(&value, "\n");
			mp_buf_append(&value, p, (size_t)(nl - p));
			continue;
		}
		if (have)
			mp_env_header(env, hname, value.data, 0);
		if (nl == p) {
			mp_env_eoh(env);
			mp_env_body(env, (const unsigned char *)nl + 2,
			    (size_t)(e - nl - 2));
			break;
		}
		colon = memchr(p, ':', (size_t)(nl - p));
		ck_assert_ptr_nonnull(colon);
		snprintf(hname, sizeof(hname), "%.*s", (int)(colon - p), p);
		mp_buf_reset(&value);
		mp_buf_append(&value, colon + 1, (size_t)(nl - colon - 1));
		have = 1;
	}
	mp_buf_free(&value);
	mp_buf_free(&msg);
}

/* Free a snapshot the way the daemon does: through a holder. */
static void
release(struct mp_snapshot *s)
{
	struct mp_current cur;

	mp_current_init(&cur);
	mp_current_install(&cur, s);
	mp_current_clear(&cur);
}

static int
decide_from(struct mp_snapshot *s, const char *file, const char *rcpt,
    const struct client *cl, struct mp_plan *plan)
{
	struct mp_envelope env;

	mp_env_init(&env, s->conf);
	feed(&env, file, rcpt, cl);	/* the flow is decided at end of header */
	mp_plan_init(plan);
	mp_eom_decide(s, &env, plan);
	mp_env_free(&env);
	return plan->verdict;
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
	snprintf(cmd, sizeof(cmd), "%s/meldpunt2.conf", tmp);
	{
		struct mp_error err;
		struct mp_snapshot *s = mp_snapshot_load(cmd, NULL, &err);

		ck_assert_msg(s != NULL, "%s", err.msg);
		return s;
	}
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
		struct mp_seen *seen = mp_statedb_get(s->statedb, &err);

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
	release(s);
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
	struct mp_seen *seen = mp_statedb_get(s->statedb, &err);
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
	release(s);
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
		struct mp_seen *seen = mp_statedb_get(s->statedb, &err);

		ck_assert_int_eq(mp_notice_get(seen, p.notice_id, &r, &err),
		    MP_NOTFOUND);
	}
	mp_plan_free(&p);
	ck_assert_int_eq(decide(s, "examples/xarf4-vulnerable.eml",
	    "meldingen@meldpunt.test", &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	release(s);
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
	release(s);
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
	release(s);
}
END_TEST

/* The same for SPF: a reporter registered for SPF whose record cannot be
 * fetched now, from a client that is not loopback. */
START_TEST(spf_dns_trouble_is_tempfail)
{
	struct mp_snapshot *s;
	struct mp_plan p;
	struct client cl = { "192.0.2.200", "mail.honeypot.example.org",
	    "<reports@honeypot.example.org>" };
	char cmd[1024], file[256];

	snprintf(file, sizeof(file), "%s/spf-report.eml", tmp);
	snprintf(cmd, sizeof(cmd), "sed 's/honeypot\\.example\\.com/"
	    "honeypot.example.org/g' '%s/examples/xarf-login-attack.eml' >'%s'",
	    srcdir, file);
	ck_assert_int_eq(system(cmd), 0);
	s = snapshot_zone("honeypot.example.org TXT TEMPFAIL");
	ck_assert_int_eq(decide_from(s, file, "meldingen@meldpunt.test", &cl,
	    &p), MP_VERDICT_TEMPFAIL);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "tempfail");
	ck_assert_msg(strstr(p.reason, "SPF") != NULL, "reason: %s", p.reason);
	mp_plan_free(&p);
	release(s);

	/* with the record back, the same report passes SPF */
	s = snapshot_zone("honeypot.example.org TXT \"v=spf1 ip4:192.0.2.200 -all\"");
	ck_assert_int_eq(decide_from(s, file, "meldingen@meldpunt.test", &cl,
	    &p), MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	mp_plan_rollback(&p);
	mp_plan_free(&p);
	release(s);
}
END_TEST

static const struct mp_hdr_change *
plan_hdr(const struct mp_plan *p, enum mp_hdr_op op, const char *name)
{
	size_t i;

	for (i = 0; i < p->nhdrs; i++)
		if (p->hdrs[i].op == op && strcasecmp(p->hdrs[i].name, name) == 0)
			return &p->hdrs[i];
	return NULL;
}

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
	char cmd[1024], file[256];

	snprintf(file, sizeof(file), "%s/arf-no-ua.eml", tmp);
	snprintf(cmd, sizeof(cmd), "sed -e '/^User-Agent:/d' -e '/^Version:/d' "
	    "-e '1i X-Meldpunt-Warnings: none, trust me' "
	    "'%s/examples/arf-spam.eml' >'%s'", srcdir, file);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(decide(s, file, "meldingen@meldpunt.test", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "notified");
	ck_assert_msg(strstr(p.warnings, "ARF field User-Agent is missing") &&
	    strstr(p.warnings, "ARF field Version is missing"), "warnings: %s",
	    p.warnings);
	ck_assert_ptr_null(plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Warnings"));
	mp_plan_hold(&p, &held);
	mp_plan_free(&p);
	mp_plan_settle(&held);

	ck_assert_int_eq(decide(s, file, "meldingen@meldpunt.test", &p),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(p.outcome), "duplicate");
	h = plan_hdr(&p, MP_HDR_ADD, "X-Meldpunt-Warnings");
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h->value, "User-Agent"));
	h = plan_hdr(&p, MP_HDR_DELETE, "X-Meldpunt-Warnings");
	ck_assert_ptr_nonnull(h);	/* the sender's own */
	ck_assert_uint_eq(h->index, 1);
	mp_plan_free(&p);
	release(s);
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
