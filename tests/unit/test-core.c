/*
 * Unit tests for the core modules: buf, addr, conf, flow, snapshot.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "check_tap.h"
#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "envelope.h"
#include "flow.h"
#include "plan.h"
#include "snapshot.h"

static struct mp_conf *
parse(const char *text, struct mp_error *err)
{
	return mp_conf_parse("t.conf", text, strlen(text), err);
}

/* Bounces and contact health: defaults, values, refusals. */
START_TEST(conf_bounce_keys)
{
	struct mp_error err;
	struct mp_conf *c;

	c = parse("Socket inet:1@localhost\n", &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(c->bounce_delim, '+');
	ck_assert_uint_eq(c->bounce_limit, 2);
	ck_assert_uint_eq(c->bounce_window, 30u * 86400);
	mp_conf_free(&c);
	c = parse("BounceDelimiter =\nBounceLimit 3\nBounceWindow 7d\n", &err);
	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_int_eq(c->bounce_delim, '=');
	ck_assert_uint_eq(c->bounce_limit, 3);
	ck_assert_uint_eq(c->bounce_window, 7u * 86400);
	mp_conf_free(&c);
	ck_assert_ptr_null(parse("BounceDelimiter ++\n", &err));
	ck_assert_ptr_null(parse("BounceDelimiter @\n", &err));
	ck_assert_ptr_null(parse("BounceDelimiter a\n", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "BounceDelimiter"));
	ck_assert_ptr_null(parse("BounceWindow forever\n", &err));
}
END_TEST

START_TEST(buf_caps)
{
	struct mp_buf b;

	mp_buf_init(&b, 8);
	ck_assert_int_eq(mp_buf_puts(&b, "12345678"), MP_OK);
	ck_assert_int_eq(mp_buf_puts(&b, "9"), MP_ELIMIT);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_buf_printf(&b, "%d-%s", 42, "x"), MP_OK);
	ck_assert_str_eq(b.data, "42-x");
	mp_buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(addr_normalize)
{
	char out[MP_ADDR_MAX + 1];

	ck_assert_int_eq(mp_addr_normalize("<Abuse@Example.NL>", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "abuse@example.nl");
	ck_assert_int_eq(mp_addr_normalize("  a@b.nl ", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a@b.nl");
	ck_assert_int_eq(mp_addr_normalize("<>", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(mp_addr_normalize("a@b@c", out, sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_addr_normalize("a b@c.nl", out, sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_addr_normalize("a@c.nl\r\nRCPT TO:<x@y>", out, sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_addr_normalize("a@b,c@d", out, sizeof(out)), MP_EINPUT);
	ck_assert_int_eq(mp_addr_normalize("nodomain", out, sizeof(out)), MP_EINPUT);
	ck_assert_str_eq(mp_addr_domain("x@meldpunt.nl"), "meldpunt.nl");
}
END_TEST

START_TEST(domain_match)
{
	char *list[] = { "meldpunt.nl", "example.org", NULL };

	ck_assert(mp_domain_in("meldpunt.nl", list));
	ck_assert(mp_domain_in("MAIL.Meldpunt.NL", list));
	ck_assert(!mp_domain_in("evilmeldpunt.nl", list));
	ck_assert(!mp_domain_in("nl", list));
	ck_assert(!mp_domain_in("", list));
}
END_TEST

START_TEST(conf_good)
{
	struct mp_error err;
	struct mp_conf *c = parse(
	    "# comment\n"
	    "Socket  inet:8891@127.0.0.1   # trailing comment\n"
	    "umask 007\n"
	    "IntakeAddress <Meld@Meldpunt.nl>, intake2@meldpunt.nl\n"
	    "IntakeAddress third@meldpunt.nl\n"
	    "ProtectedDomains meldpunt.nl\n"
	    "MaximumMessageSize 2M\n"
	    "SyslogFacility local3\n"
	    "Syslog no\n", &err);

	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_str_eq(c->socket, "inet:8891@127.0.0.1");
	ck_assert_int_eq(c->umask, 07);
	ck_assert(c->umask_set);
	ck_assert_str_eq(c->intake[0], "meld@meldpunt.nl");
	ck_assert_str_eq(c->intake[2], "third@meldpunt.nl");
	ck_assert_ptr_null(c->intake[3]);
	ck_assert_uint_eq(c->max_message_size, 2 * 1024 * 1024);
	ck_assert_int_eq(c->syslog_facility, LOG_LOCAL3);
	ck_assert_int_eq(c->syslog, 0);
	mp_conf_free(&c);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(conf_defaults)
{
	struct mp_error err;
	struct mp_conf *c = parse("", &err);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->socket, MP_CONF_DEFAULT_SOCKET);
	ck_assert_uint_eq(c->max_message_size, MP_CONF_DEFAULT_MAXSIZE);
	ck_assert_int_eq(c->syslog_facility, LOG_MAIL);
	mp_conf_free(&c);
}
END_TEST

/* Messages about a key's value point at its FILE:LINE. */
START_TEST(conf_where)
{
	struct mp_error err;
	char buf[256];
	struct mp_conf *c = parse("# comment\nSyslog no\n\nTemplateDirectory /x/t\n"
	    "LogFile /var/log/m.log\n", &err);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(mp_conf_where(c, "TemplateDirectory", buf, sizeof(buf)),
	    "t.conf:4: TemplateDirectory");
	ck_assert_str_eq(mp_conf_where(c, "StateDB", buf, sizeof(buf)),
	    "t.conf: StateDB (default)");
	ck_assert_str_eq(c->log_file, "/var/log/m.log");
	mp_conf_free(&c);
}
END_TEST

static void
expect_error(const char *text, const char *msg)
{
	struct mp_error err;
	struct mp_conf *c = parse(text, &err);

	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, MP_ECONFIG);
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(conf_errors)
{
	expect_error("Socket unix:/x.sock\nSokcet unix:/y\n",
	    "t.conf:2: unknown key \"Sokcet\"");
	expect_error("\n\nMaximumMessageSize 10X\n",
	    "t.conf:3: MaximumMessageSize: \"10X\" is not a size (a positive "
	    "number of bytes, optionally with K, M or G)");
	expect_error("Socket unix:/a\nSocket unix:/b\n",
	    "t.conf:2: Socket is already set on line 1");
	expect_error("Socket tcp:25\n",
	    "t.conf:1: Socket: socket \"tcp:25\" must start with unix:, "
	    "local:, inet: or inet6:");
	expect_error("Socket inet:99999@localhost\n",
	    "t.conf:1: Socket: socket \"inet:99999@localhost\": port must be "
	    "a number from 1 to 65535");
	expect_error("Umask 999\n",
	    "t.conf:1: Umask: \"999\" is not an octal mode from 000 to 777");
	expect_error("IntakeAddress not-an-address\n",
	    "t.conf:1: IntakeAddress: \"not-an-address\" is not an address of "
	    "the form local@domain");
	expect_error("ProtectedDomains bad..domain\n",
	    "t.conf:1: ProtectedDomains: \"bad..domain\" is not a domain name");
	expect_error("PidFile\n", "t.conf:1: PidFile needs a value");
	expect_error("Syslog maybe\n", "t.conf:1: Syslog: \"maybe\" is not yes or no");
	expect_error("Identity a@other.example\nSigningDomain meldpunt.nl\n"
	    "RSASelector s\nRSAKeyFile /k\n",
	    "t.conf: the Identity a@other.example is not in SigningDomain "
	    "meldpunt.nl: notifications would fail DKIM alignment (DMARC) and "
	    "meldpunt-verify");
	expect_error("SyslogFacility kern\n",
	    "t.conf:1: SyslogFacility: unknown facility \"kern\" (use mail, "
	    "daemon, user or local0 to local7)");
}
END_TEST

START_TEST(conf_long_line)
{
	char text[MP_CONF_LINE_MAX + 64];
	struct mp_error err;

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	ck_assert_ptr_null(mp_conf_parse("t.conf", text, strlen(text), &err));
	ck_assert_str_eq(err.msg, "t.conf:1: line longer than 4096 bytes");
	ck_assert_ptr_null(mp_conf_parse("t.conf", "Socket unix:/a\0b", 16, &err));
	ck_assert_str_eq(err.msg, "t.conf:1: NUL byte in line");
}
END_TEST

START_TEST(flow_classify)
{
	struct mp_error err;
	struct mp_conf *c = parse("IntakeAddress meld@meldpunt.nl\n"
	    "ProtectedDomains meldpunt.nl\n", &err);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(mp_flow_classify(c, "r@cert.example", "meld@meldpunt.nl",
	    MP_FLOW_OTHER), MP_FLOW_INTAKE);
	ck_assert_int_eq(mp_flow_classify(c, "noc@meldpunt.nl", "x@y.nl",
	    MP_FLOW_OTHER), MP_FLOW_OUTBOUND);
	ck_assert_int_eq(mp_flow_classify(c, "noc@meldpunt.nl", "meld@meldpunt.nl",
	    MP_FLOW_OUTBOUND), MP_FLOW_INTAKE);
	ck_assert_int_eq(mp_flow_classify(c, "a@b.nl", "x@y.nl", MP_FLOW_INTAKE),
	    MP_FLOW_INTAKE);
	ck_assert_int_eq(mp_flow_classify(c, "", "x@y.nl", MP_FLOW_OTHER),
	    MP_FLOW_OTHER);
	ck_assert_str_eq(mp_flow_name(MP_FLOW_OUTBOUND), "outbound");
	mp_conf_free(&c);
}
END_TEST

START_TEST(snapshot_refs)
{
	struct mp_current cur;
	struct mp_snapshot *a, *b, *held;

	mp_current_init(&cur);
	a = calloc(1, sizeof(*a));
	a->refs = 1;
	mp_current_install(&cur, a);
	held = mp_current_acquire(&cur);
	ck_assert_ptr_eq(held, a);
	ck_assert_uint_eq(a->generation, 1);
	b = calloc(1, sizeof(*b));
	b->refs = 1;
	mp_current_install(&cur, b);	/* a lives on: a connection holds it */
	ck_assert_uint_eq(a->refs, 1);
	ck_assert_uint_eq(b->generation, 2);
	mp_current_release(&cur, &held);	/* frees a */
	ck_assert_ptr_null(held);
	held = mp_current_acquire(&cur);
	ck_assert_ptr_eq(held, b);
	mp_current_release(&cur, &held);
	mp_current_clear(&cur);
}
END_TEST

static struct mp_conf *
env_conf(void)
{
	struct mp_error err;
	struct mp_conf *c = parse("IntakeAddress meld@meldpunt.nl\n"
	    "ProtectedDomains meldpunt.nl\nMaximumMessageSize 200\n", &err);

	ck_assert_msg(c != NULL, "%s", err.msg);
	return c;
}

START_TEST(envelope_buffers_intake)
{
	struct mp_conf *c = env_conf();
	struct mp_envelope env;
	static const char body[] = "line 1\r\nline 2\r\n";

	mp_env_init(&env, c);
	mp_env_sender(&env, "<r@cert.example>", NULL);
	ck_assert_int_eq(mp_env_rcpt(&env, "<Meld@meldpunt.nl>"), MP_OK);
	ck_assert_int_eq(env.flow, MP_FLOW_INTAKE);
	ck_assert_str_eq(env.rcpts[0], "<Meld@meldpunt.nl>");
	ck_assert_str_eq(env.rcpts_norm[0], "meld@meldpunt.nl");
	ck_assert_int_eq(mp_env_header(&env, "Subject", "two\n\tlines", 1), MP_OK);
	ck_assert_int_eq(mp_env_header(&env, "X-Meldpunt-Flow", " forged", 0), MP_OK);
	ck_assert_int_eq(mp_env_header(&env, "x-meldpunt-outcome", " forged", 0), MP_OK);
	ck_assert_int_eq(mp_env_eoh(&env), MP_OK);
	ck_assert_int_eq(mp_env_body(&env, (const unsigned char *)body,
	    sizeof(body) - 1), MP_OK);
	ck_assert_str_eq(env.msg.data, "Subject: two\r\n\tlines\r\n"
	    "X-Meldpunt-Flow: forged\r\nx-meldpunt-outcome: forged\r\n\r\n"
	    "line 1\r\nline 2\r\n");
	ck_assert_uint_eq(env.owned[MP_OWNED_FLOW], 1);
	ck_assert_uint_eq(env.owned[MP_OWNED_OUTCOME], 1);
	ck_assert(!env.too_large);
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

START_TEST(envelope_too_large)
{
	struct mp_conf *c = env_conf();
	struct mp_envelope env;
	unsigned char chunk[190];

	memset(chunk, 'x', sizeof(chunk));
	mp_env_init(&env, c);
	mp_env_sender(&env, "r@cert.example", NULL);
	mp_env_rcpt(&env, "meld@meldpunt.nl");
	ck_assert_int_eq(mp_env_header(&env, "Subject", "hi", 1), MP_OK);
	mp_env_eoh(&env);
	ck_assert_int_eq(mp_env_body(&env, chunk, sizeof(chunk)), MP_ELIMIT);
	ck_assert(env.too_large);
	ck_assert(!mp_env_wants_body(&env));
	ck_assert_int_eq(mp_env_body(&env, chunk, sizeof(chunk)), MP_OK);
	ck_assert_uint_eq(env.size, 13 + 2 + 380);
	ck_assert_ptr_null(env.msg.data);
	/* the next message on the same connection starts clean */
	mp_env_sender(&env, "r@cert.example", NULL);
	ck_assert(!env.too_large);
	ck_assert_uint_eq(env.nrcpts, 0);
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

START_TEST(envelope_other_not_buffered)
{
	struct mp_conf *c = env_conf();
	struct mp_envelope env;

	mp_env_init(&env, c);
	mp_env_sender(&env, "<a b@c>", NULL);	/* not one address */
	ck_assert(env.sender_bad);
	mp_env_rcpt(&env, "x@example.org");
	ck_assert_int_eq(env.flow, MP_FLOW_OTHER);
	mp_env_eoh(&env);
	ck_assert_int_eq(mp_env_body(&env, (const unsigned char *)"body\r\n", 6),
	    MP_OK);
	ck_assert_str_eq(env.msg.data, "\r\n");	/* header kept, body not */
	ck_assert_uint_gt(env.size, 0);
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

/* Issue 11: every From field is counted, however many; the raw MAIL
 * FROM is kept for the identity check. */
START_TEST(envelope_counts_every_from)
{
	struct mp_conf *c = env_conf();
	struct mp_envelope env;
	int i;

	mp_env_init(&env, c);
	mp_env_sender(&env, "<@relay.example:abuse@meldpunt.nl>", NULL);
	ck_assert(env.sender_bad);
	ck_assert_str_eq(env.sender_raw, "<@relay.example:abuse@meldpunt.nl>");
	/* counted also past the buffer's limit (MP_ELIMIT: too large) */
	for (i = 0; i < 8; i++)
		(void)mp_env_header(&env, "From", "crook@example.net", 1);
	(void)mp_env_header(&env, "FROM", "abuse@meldpunt.nl", 1);
	ck_assert_uint_eq(env.nfrom, 9);
	ck_assert_str_eq(env.from[MP_ENV_FROM_MAX - 1], "crook@example.net");
	mp_env_reset(&env);
	ck_assert_uint_eq(env.nfrom, 0);
	ck_assert_str_eq(env.sender_raw, "");
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

START_TEST(plan_refuses_injection)
{
	struct mp_plan p;

	mp_plan_init(&p);
	ck_assert_int_eq(mp_plan_header(&p, MP_HDR_ADD, "Subject",
	    "hi\r\nBcc: x@evil.example"), MP_EINPUT);
	ck_assert_int_eq(mp_plan_header(&p, MP_HDR_ADD, "Subject",
	    "hi\nBcc: x@evil.example"), MP_EINPUT);
	ck_assert_int_eq(mp_plan_header(&p, MP_HDR_ADD, "Bad Name", "v"), MP_EINPUT);
	ck_assert_int_eq(mp_plan_header(&p, MP_HDR_ADD, "Subject",
	    "folded\n\tline"), MP_OK);
	ck_assert_int_eq(mp_plan_add_rcpt(&p, "a@b.nl, c@evil.example"), MP_EINPUT);
	ck_assert_int_eq(mp_plan_add_rcpt(&p, "a@b.nl>\r\nRCPT TO:<c@d"), MP_EINPUT);
	ck_assert_int_eq(mp_plan_add_rcpt(&p, "<Abuse@Example.NL>"), MP_OK);
	ck_assert_int_eq(mp_plan_add_rcpt(&p, "abuse@example.nl"), MP_OK);
	ck_assert_uint_eq(p.nadd, 1);
	ck_assert_str_eq(p.add_rcpts[0], "abuse@example.nl");
	mp_plan_outcome(&p, MP_OUTCOME_QUARANTINED_PARSE_ERROR, "why\r\nX-Evil: 1");
	ck_assert_str_eq(p.reason, "why  X-Evil: 1");
	mp_plan_tempfail(&p, "100% \r\nbroken");
	ck_assert_str_eq(p.smtp_text, "100    broken");
	ck_assert_str_eq(p.smtp_code, "451");
	mp_plan_free(&p);
}
END_TEST

START_TEST(plan_deletes_all_headers)
{
	static const char msg[] = "Received: a\r\n\tb\r\nSubject: x\r\n"
	    "received: c\r\nFrom: f\r\n\r\nBody: not a header\r\n";
	struct mp_plan p;

	mp_plan_init(&p);
	ck_assert_int_eq(mp_plan_delete_headers(&p, msg, sizeof(msg) - 1), MP_OK);
	ck_assert_uint_eq(p.nhdrs, 4);
	ck_assert_str_eq(p.hdrs[0].name, "Received");
	ck_assert_uint_eq(p.hdrs[0].index, 2);	/* last instance first */
	ck_assert_uint_eq(p.hdrs[1].index, 1);
	ck_assert_str_eq(p.hdrs[2].name, "Subject");
	ck_assert_str_eq(p.hdrs[3].name, "From");
	mp_plan_free(&p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_caps);
	tcase_add_test(tc, conf_bounce_keys);
	tcase_add_test(tc, addr_normalize);
	tcase_add_test(tc, domain_match);
	tcase_add_test(tc, conf_good);
	tcase_add_test(tc, conf_defaults);
	tcase_add_test(tc, conf_where);
	tcase_add_test(tc, conf_errors);
	tcase_add_test(tc, conf_long_line);
	tcase_add_test(tc, flow_classify);
	tcase_add_test(tc, snapshot_refs);
	tcase_add_test(tc, envelope_buffers_intake);
	tcase_add_test(tc, envelope_too_large);
	tcase_add_test(tc, envelope_other_not_buffered);
	tcase_add_test(tc, envelope_counts_every_from);
	tcase_add_test(tc, plan_refuses_injection);
	tcase_add_test(tc, plan_deletes_all_headers);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
