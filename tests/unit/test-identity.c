/*
 * Unit tests for lib/auth/identity: the strict From parser, IdentityMap and
 * TrustedHosts parsers, and the sender-identity decision.
 */
#include "config.h"

#include <string.h>

#include "check_tap.h"
#include "identity.h"

static int
parse(const char *v, struct mp_from *f, struct mp_error *e)
{
	return mp_from_parse(v, strlen(v), f, e);
}

START_TEST(from_good)
{
	static const struct { const char *in, *addr, *disp; } t[] = {
		{ "abuse@meldpunt.nl", "abuse@meldpunt.nl", "" },
		{ "Meldpunt <Abuse@Meldpunt.NL>", "abuse@meldpunt.nl", "Meldpunt" },
		{ "\"Meldpunt, NL\" <abuse@meldpunt.nl>", "abuse@meldpunt.nl", "Meldpunt, NL" },
		{ "<abuse@meldpunt.nl>", "abuse@meldpunt.nl", "" },
		{ "John Q. Public <jqp@example.org>", "jqp@example.org", "John Q. Public" },
		{ "abuse@meldpunt.nl (Meldpunt)", "abuse@meldpunt.nl", " Meldpunt" },
		{ "Name\r\n <a@b.example>", "a@b.example", "Name" },
		{ "\"jo\"@example.org", "jo@example.org", "" },
		{ "=?utf-8?q?Meld=C3=A9punt?= <a@b.example>", "a@b.example", "Meld\xc3\xa9punt" },
		{ "(a (nested) comment) x@y.example", "x@y.example", " a (nested) comment" },
	};
	struct mp_from f;
	struct mp_error e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(parse(t[i].in, &f, &e) == 0, "%s: %s", t[i].in, e.msg);
		ck_assert_uint_eq(f.n, 1);
		ck_assert_str_eq(f.mbox[0].addr, t[i].addr);
		ck_assert_msg(strcmp(f.mbox[0].display, t[i].disp) == 0, "%s: display [%s]",
		    t[i].in, f.mbox[0].display);
		mp_from_clear(&f);
	}
	ck_assert_int_eq(parse("a@b.example, \"C\" <c@d.example>", &f, &e), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(f.mbox[1].addr, "c@d.example");
	mp_from_clear(&f);
}
END_TEST

START_TEST(from_bad)
{
	static const struct { const char *in, *why; } t[] = {
		{ "", "empty" },
		{ "   ", "empty" },
		{ "nobody", "no address" },
		{ "Name only", "no address" },
		{ "Name (c) <", "local part" },
		{ "Name \"q\" x@y", "no address" },
		{ "a@b.example,", "empty list member" },
		{ "a@b.example,,c@d.example", "empty list member" },
		{ "Undisclosed: a@b.example;", "group" },
		{ "x <a@b.example", "closing" },
		{ "<@route.example:a@b.example>", "source route" },
		{ "a@b.example\r\nBcc: x@y", "line break" },
		{ "a@b.example\nX", "line break" },
		{ "a@b.example\rX", "bare CR" },
		{ "\"x\x01\" <a@b.example>", "control character 0x01" },
		{ "(unclosed a@b.example", "unclosed comment" },
		{ "\"unclosed <a@b.example>", "unclosed quoted" },
		{ "a..b@c.example", "empty part" },
		{ "a@[192.0.2.1]", "literal" },
		{ "\"a b\"@c.example", "quoted local part" },
		{ "a@b.example x", "after an address" },
		{ "((((((((((deep))))))))))a@b.example", "nested" },
	};
	struct mp_from f;
	struct mp_error e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(parse(t[i].in, &f, &e) != 0, "accepted: %s", t[i].in);
		ck_assert_msg(strstr(e.msg, t[i].why) != NULL, "%s: [%s] lacks [%s]",
		    t[i].in, e.msg, t[i].why);
		ck_assert_uint_eq(f.n, 0);
	}
}
END_TEST

START_TEST(from_limits)
{
	struct mp_from f;
	struct mp_error e;
	char big[MP_FROM_MAX + 2];
	char list[70 * 16] = "";
	int i;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(mp_from_parse(big, strlen(big), &f, &e), MP_ELIMIT);
	for (i = 0; i < 65; i++)
		strcat(list, i ? ",a@b.example" : "a@b.example");
	ck_assert_int_eq(parse(list, &f, &e), MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(e.msg, "limit"));
}
END_TEST

START_TEST(idmap_parse)
{
	const char *text =
	    "# SASL user   may send as\n"
	    "alice   alice@Meldpunt.nl, abuse@meldpunt.nl  # two addresses\n"
	    "\n"
	    "notifier @meldpunt.nl\r\n"
	    "bob bob@meldpunt.nl,@Example.ORG\n";
	struct mp_error e;
	struct mp_identity_map *m = mp_identity_map_parse("idmap", text, strlen(text), &e);

	ck_assert_msg(m != NULL, "%s", e.msg);
	ck_assert_uint_eq(mp_identity_map_count(m), 3);
	ck_assert_int_eq(mp_identity_map_allows(m, "alice", "abuse@meldpunt.nl"), MP_FOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "alice", "alice@meldpunt.nl"), MP_FOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "alice", "bob@meldpunt.nl"), MP_NOTFOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "Alice", "alice@meldpunt.nl"), MP_NOTFOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "notifier", "x@meldpunt.nl"), MP_FOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "notifier", "x@sub.meldpunt.nl"), MP_NOTFOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "bob", "z@example.org"), MP_FOUND);
	ck_assert_int_eq(mp_identity_map_allows(m, "nobody", "z@example.org"), MP_NOTFOUND);
	mp_identity_map_free(&m);
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(idmap_errors)
{
	static const struct { const char *in, *why; } t[] = {
		{ "alice\n", "idmap:1: user alice has no address" },
		{ "a x@y.example\n\na z@y.example\n", "idmap:3: user a is already listed at line 1" },
		{ "a not-an-address\n", "idmap:1: \"not-an-address\" is neither" },
		{ "a @bad..domain\n", "is not @domain" },
		{ "a x@y.example\x01\n", "control character" },
		{ "a x@y.example <b@c.example>\n", "neither" },
	};
	struct mp_error e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_ptr_null(mp_identity_map_parse("idmap", t[i].in, strlen(t[i].in), &e));
		ck_assert_msg(strstr(e.msg, t[i].why) != NULL, "[%s] lacks [%s]", e.msg, t[i].why);
	}
}
END_TEST

START_TEST(netlist)
{
	struct mp_error e;
	struct mp_netlist *n = mp_netlist_parse("TrustedHosts",
	    "10.1.0.0/16, 192.0.2.7 2001:db8::/32,::1", &e);

	ck_assert_msg(n != NULL, "%s", e.msg);
	ck_assert(mp_netlist_match(n, "10.1.200.3"));
	ck_assert(!mp_netlist_match(n, "10.2.0.1"));
	ck_assert(mp_netlist_match(n, "192.0.2.7"));
	ck_assert(!mp_netlist_match(n, "192.0.2.8"));
	ck_assert(mp_netlist_match(n, "IPv6:2001:db8:1::5"));
	ck_assert(mp_netlist_match(n, "[::1]"));
	ck_assert(mp_netlist_match(n, "::ffff:10.1.0.9"));
	ck_assert(!mp_netlist_match(n, "127.0.0.1"));
	ck_assert(!mp_netlist_match(n, "junk"));
	ck_assert(!mp_netlist_match(n, NULL));
	mp_netlist_free(&n);
	ck_assert_ptr_null(mp_netlist_parse("TrustedHosts", "10.0.0.0/33", &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "prefix"));
	ck_assert_ptr_null(mp_netlist_parse("TrustedHosts", "10.0.0.0/", &e));
	ck_assert_ptr_null(mp_netlist_parse("TrustedHosts", "localhost", &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "\"localhost\" is not"));
}
END_TEST

/* ---- decisions ---- */

static char *pd[] = { "meldpunt.nl", NULL };
static char *daemons[] = { "ORIGINATING", "notifier", NULL };

static void
run(const char *auth, const char *daemon, const char *client, const char *env,
    const char *const *from, size_t nfrom, struct mp_identity_decision *d)
{
	static const char *map =
	    "alice alice@meldpunt.nl abuse@meldpunt.nl\n"
	    "injector @meldpunt.nl\n";
	struct mp_error e;
	struct mp_identity_map *m = mp_identity_map_parse("m", map, strlen(map), &e);
	struct mp_netlist *n = mp_netlist_parse("t", "127.0.0.1 10.0.0.0/8", &e);
	struct mp_identity_policy pol = { pd, m, n, daemons };
	struct mp_identity_input in = { auth, daemon, client, env, from, nfrom, 0, NULL };

	ck_assert_int_eq(mp_identity_decide(&pol, &in, d), 0);
	ck_assert(strchr(d->reason, '\n') == NULL && strchr(d->reason, '\r') == NULL);
	mp_identity_map_free(&m);
	mp_netlist_free(&n);
}

#define FROM1(x) (const char *const[]){ x }, 1

static void
expect(const struct mp_identity_decision *d, enum mp_identity_verdict v,
    const char *needle)
{
	ck_assert_msg(d->verdict == v, "verdict %d: %s", d->verdict, d->reason);
	ck_assert_msg(strstr(d->reason, needle) != NULL, "[%s] lacks [%s]", d->reason, needle);
}

START_TEST(decide_unprotected_passes)
{
	struct mp_identity_decision d;

	run(NULL, "smtpd", "203.0.113.5", "x@example.org", FROM1("X <x@example.org>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "no protected domain");
	ck_assert_int_eq(d.protected, 0);
	/* a display name that only looks like it: a letter before */
	run(NULL, "smtpd", "203.0.113.5", "x@example.org",
	    FROM1("notmeldpunt.nl <x@example.org>"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
	/* other charsets that read fine and name nothing, Outlook's names too */
	run(NULL, "smtpd", "203.0.113.5", "x@example.org",
	    FROM1("=?ISO-8859-1?Q?Andr=E9?= <x@example.org>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "no protected domain");
	run(NULL, "smtpd", "203.0.113.5", "x@example.org",
	    FROM1("=?ks_c_5601-1987?B?sKGzqg==?= <x@example.org>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "no protected domain");
	run(NULL, "smtpd", "203.0.113.5", "x@example.org",
	    FROM1("=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?= <x@example.org>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "no protected domain");
	/* a lookalike domain is not protected */
	run(NULL, "smtpd", "203.0.113.5", "", FROM1("x@evilmeldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
}
END_TEST

START_TEST(decide_spoof_rejected)
{
	struct mp_identity_decision d;

	run(NULL, "smtpd", "203.0.113.5", "x@example.org", FROM1("abuse@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_REJECT, "did not authenticate");
	ck_assert_int_eq(d.protected, 1);
	/* envelope only */
	run(NULL, "smtpd", "203.0.113.5", "<abuse@meldpunt.nl>", FROM1("x@example.org"), &d);
	expect(&d, MP_IDENTITY_REJECT, "abuse@meldpunt.nl is in a protected domain");
	/* subdomains are protected too */
	run(NULL, "smtpd", "203.0.113.5", "", FROM1("a@mail.meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
}
END_TEST

START_TEST(decide_localhost_is_not_proof)
{
	struct mp_identity_decision d;

	run(NULL, "smtpd", "127.0.0.1", "", FROM1("abuse@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_REJECT, "not a designated submission service");
	run(NULL, NULL, "127.0.0.1", "", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
	/* designated service but untrusted client */
	run(NULL, "ORIGINATING", "203.0.113.5", "", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
	/* trusted network through the designated service */
	run(NULL, "ORIGINATING", "10.3.4.5", "", FROM1("abuse@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "TrustedHosts");
	run(NULL, "notifier", "127.0.0.1", "abuse@meldpunt.nl", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
}
END_TEST

START_TEST(decide_sasl)
{
	struct mp_identity_decision d;

	run("alice", "submission", "203.0.113.5", "alice@meldpunt.nl",
	    FROM1("Alice <alice@meldpunt.nl>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "SASL user alice is allowed alice@meldpunt.nl");
	run("alice", "submission", "203.0.113.5", "alice@meldpunt.nl",
	    FROM1("director@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_REJECT, "SASL user alice may not send as director@meldpunt.nl");
	/* From allowed but the envelope is not */
	run("alice", "submission", "203.0.113.5", "director@meldpunt.nl",
	    FROM1("alice@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_REJECT, "director@meldpunt.nl");
	run("mallory", "submission", "203.0.113.5", "", FROM1("abuse@meldpunt.nl"), &d);
	expect(&d, MP_IDENTITY_REJECT, "not in IdentityMap");
	run("injector", "submission", "203.0.113.5", "bounce@meldpunt.nl",
	    FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
	/* SASL decides even from a trusted host on a designated service */
	run("mallory", "ORIGINATING", "10.0.0.1", "", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
	/* control characters in the login never reach the sentence */
	run("mal\r\nlory", "ORIGINATING", "10.0.0.1", "", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
}
END_TEST

START_TEST(decide_shape)
{
	struct mp_identity_decision d;

	/* even an allowed user: several From fields, several addresses */
	run("alice", "submission", "10.0.0.1", "",
	    (const char *const[]){ "alice@meldpunt.nl", "x@example.org" }, 2, &d);
	expect(&d, MP_IDENTITY_REJECT, "2 From: header fields");
	run("alice", "submission", "10.0.0.1", "", FROM1("alice@meldpunt.nl, x@example.org"), &d);
	expect(&d, MP_IDENTITY_REJECT, "holds 2 addresses");
	run(NULL, "smtpd", "203.0.113.5", "",
	    FROM1("\"abuse@meldpunt.nl\" <x@evil.example>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "names the protected domain meldpunt.nl");
	ck_assert_int_eq(d.protected, 1);
	run(NULL, "smtpd", "203.0.113.5", "",
	    FROM1("Meldpunt.NL Security <x@evil.example>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "");
	run(NULL, "smtpd", "203.0.113.5", "",
	    FROM1("x@evil.example (abuse@meldpunt.nl)"), &d);
	expect(&d, MP_IDENTITY_REJECT, "");
	/* split over two encoded words */
	run(NULL, "smtpd", "203.0.113.5", "",
	    FROM1("=?utf-8?q?abuse=40meldpunt?= =?utf-8?b?Lm5s?= <x@evil.example>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "meldpunt.nl");
	run(NULL, "smtpd", "203.0.113.5", "",
	    FROM1("abuse@meldpunt.nl.evil.example <x@evil.example>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "");
	/* an allowed user may not name another protected address in the display */
	run("alice", "submission", "203.0.113.5", "",
	    FROM1("\"director@meldpunt.nl\" <alice@meldpunt.nl>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "names director@meldpunt.nl");
	/* unreadable From naming a protected domain */
	run("alice", "submission", "203.0.113.5", "",
	    FROM1("alice@meldpunt.nl <x@y"), &d);
	expect(&d, MP_IDENTITY_REJECT, "cannot be read");
	/* protected envelope, unreadable From */
	run("alice", "submission", "203.0.113.5", "alice@meldpunt.nl", FROM1("???"), &d);
	expect(&d, MP_IDENTITY_REJECT, "cannot be read");
}
END_TEST


/* Issue 11: nine From fields, the protected address in the last: the
 * glue keeps eight, but every field counts. */
START_TEST(decide_many_from)
{
	struct mp_identity_policy pol = { pd, NULL, NULL, daemons };
	struct mp_identity_input in = { NULL, "smtpd", "203.0.113.5", "x@example.org",
	    NULL, 0, 0, NULL };
	struct mp_identity_decision d;
	const char *kept[8];
	size_t i;

	for (i = 0; i < 8; i++)
		kept[i] = "x@example.org";
	in.from = kept;
	in.nfrom = 8;
	in.nfrom_seen = 9;
	ck_assert_int_eq(mp_identity_decide(&pol, &in, &d), 0);
	expect(&d, MP_IDENTITY_REJECT, "9 From: header fields");
	/* two harmless fields are refused as well: RFC 5322 allows one */
	run(NULL, "smtpd", "203.0.113.5", "x@example.org",
	    (const char *const[]){ "a@example.org", "b@example.org" }, 2, &d);
	expect(&d, MP_IDENTITY_REJECT, "2 From: header fields");
}
END_TEST

/* Issue 11: display names in a charset the old decoder ignored. */
START_TEST(decide_charsets)
{
	static const char *const spoof[] = {
		/* UTF-7: +AEA- is '@' */
		"=?UTF-7?Q?abuse+AEA-meldpunt.nl?= <crook@example.net>",
		"=?utf-7?B?YWJ1c2UrQUVBLW1lbGRwdW50Lm5s?= <crook@example.net>",
		/* UTF-16BE and LE "abuse@meldpunt.nl" (base64) */
		"=?UTF-16BE?B?AGEAYgB1AHMAZQBAAG0AZQBsAGQAcAB1AG4AdAAuAG4AbA==?= <crook@example.net>",
		"=?UTF-16LE?B?YQBiAHUAcwBlAEAAbQBlAGwAZABwAHUAbgB0AC4AbgBsAA==?= <crook@example.net>",
		/* ISO-8859-1 with a soft hyphen inside the domain */
		"=?ISO-8859-1?Q?meld=ADpunt.nl?= <crook@example.net>",
		/* RFC 2231 language tag */
		"=?UTF-7*en?Q?abuse+AEA-meldpunt.nl?= <crook@example.net>",
	};
	static const char *const unreadable[] = {
		"=?x-no-such-charset?Q?abuse?= <crook@example.net>",
		"=?utf-8?X?abuse?= <crook@example.net>",
		"=?utf-8?B?!!!!?= <crook@example.net>",
		"=?us-ascii?Q?=E9?= <crook@example.net>",
		"=?utf-8?Q?=FF=FE?= <crook@example.net>",
		"Andr\xe9 <crook@example.net>",		/* raw Latin-1, not UTF-8 */
	};
	struct mp_identity_decision d;
	size_t i;

	for (i = 0; i < sizeof(spoof) / sizeof(spoof[0]); i++) {
		run(NULL, "smtpd", "203.0.113.5", "crook@example.net", FROM1(spoof[i]), &d);
		ck_assert_msg(d.verdict == MP_IDENTITY_REJECT, "%s: %s", spoof[i], d.reason);
		ck_assert_msg(strstr(d.reason, "meldpunt.nl") != NULL, "%s", d.reason);
	}
	for (i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]); i++) {
		run(NULL, "smtpd", "203.0.113.5", "crook@example.net", FROM1(unreadable[i]), &d);
		ck_assert_msg(d.verdict == MP_IDENTITY_REJECT, "%s: %s", unreadable[i], d.reason);
		ck_assert_msg(strstr(d.reason, "cannot be read") != NULL, "%s", d.reason);
	}
	/* an allowed sender's unreadable From is not ours: passed, unsigned */
	run("alice", "submission", "203.0.113.5", "", FROM1(unreadable[0]), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
	ck_assert_int_eq(d.protected, 0);
	run(NULL, "ORIGINATING", "10.1.1.1", "", FROM1(unreadable[1]), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_ACCEPT);
}
END_TEST

/* Look-alikes of '@' and '.', and of letters, after decoding. */
START_TEST(decide_lookalikes)
{
	static const char *const spoof[] = {
		"\"abuse\xef\xbc\xa0meldpunt.nl\" <crook@example.net>",	/* U+FF20 */
		"\"abuse\xef\xb9\xabmeldpunt.nl\" <crook@example.net>",	/* U+FE6B */
		"\"abuse@meldpunt\xef\xbc\x8enl\" <crook@example.net>",	/* U+FF0E */
		"\"abuse@meldpunt\xe3\x80\x82nl\" <crook@example.net>",	/* U+3002 */
		"\"abuse@meldpunt\xef\xbd\xa1nl\" <crook@example.net>",	/* U+FF61 */
		"=?utf-8?b?77yt77yl77ys77yk77yw77y177yu77y0Lm5s?= <crook@example.net>",	/* fullwidth MELDPUNT */
		"\"m\xd0\xb5ldpunt.nl\" <crook@example.net>",		/* Cyrillic e */
		"\"meld\xe2\x80\x8bpunt.nl\" <crook@example.net>",	/* zero-width space */
		"abuse@meldpunt\xef\xbc\x8enl",				/* in the address */
		"crook@meldpunt.nl.evil.example",			/* its own domain */
		"meldpunt.nl@evil.example",				/* the local part */
		"abuse-meldpunt.nl <crook@example.net>",		/* '-' is a boundary */
		"MELDPUNT.NL. <crook@example.net>",			/* case, trailing dot */
		"crook@example.net (abuse@meldpunt.nl)",		/* a comment */
		"crook@(meldpunt.nl)example.net",			/* a comment inside */
		"\"abuse@meldpunt\r\n .nl\" <crook@example.net>",	/* folded at the dot */
		"abuse @ meldpunt . nl <crook@example.net>",		/* spaced out */
		"\"x\xc2\xbdmeldpunt.nl\" <crook@example.net>",		/* "½" is no letter */
		"\"m\xc3\xa9ldpunt.nl\" <crook@example.net>",		/* an accent */
		"\"\xef\xac\x81meldpunt.nl\" <crook@example.net>",	/* ligature before */
	};
	struct mp_identity_decision d;
	size_t i;

	for (i = 0; i < sizeof(spoof) / sizeof(spoof[0]); i++) {
		run(NULL, "smtpd", "203.0.113.5", "crook@example.net", FROM1(spoof[i]), &d);
		ck_assert_msg(d.verdict == MP_IDENTITY_REJECT, "%s: %s", spoof[i], d.reason);
	}
}
END_TEST

/* The shapes the strict parser does not take: unreadable, so refused
 * from outsiders, and refused from everyone when they name the domain. */
START_TEST(decide_odd_shapes)
{
	static const char *const t[] = {
		"Meldpunt: abuse@meldpunt.nl;",				/* group */
		"undisclosed-recipients:;",				/* empty group */
		"\"abuse@meldpunt.nl\"@evil.example",			/* quoted local part */
		"abuse@[192.0.2.1]",					/* literal */
		"<@relay.example:abuse@meldpunt.nl>",			/* source route */
		"abuse@meldpunt.nl.",					/* trailing dot */
		"Abuse <abuse@MELDPUNT.nl>\r\n (folded)",		/* folded: readable */
	};
	struct mp_identity_decision d;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		run(NULL, "smtpd", "203.0.113.5", "crook@example.net", FROM1(t[i]), &d);
		ck_assert_msg(d.verdict == MP_IDENTITY_REJECT, "%s: %s", t[i], d.reason);
		ck_assert_int_eq(d.protected, 1);
	}
	/* an allowed sender may not use them for a protected domain either */
	run("alice", "submission", "203.0.113.5", "", FROM1("Meldpunt: alice@meldpunt.nl;"), &d);
	expect(&d, MP_IDENTITY_REJECT, "names the protected domain");
	/* folded and in another case: alice's own address, accepted */
	run("alice", "submission", "203.0.113.5", "",
	    FROM1("Alice\r\n <Alice@Meldpunt.NL>"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "alice@meldpunt.nl");
	/* with a trailing dot it does not parse, and names the domain */
	run("alice", "submission", "203.0.113.5", "", FROM1("Alice <alice@meldpunt.nl.>"), &d);
	expect(&d, MP_IDENTITY_REJECT, "cannot be read");
}
END_TEST

/* Envelope senders: null, trailing dot, source route, case. */
START_TEST(decide_envelope)
{
	struct mp_identity_decision d;

	run(NULL, "smtpd", "203.0.113.5", "<abuse@MELDPUNT.NL.>", FROM1("x@example.org"), &d);
	expect(&d, MP_IDENTITY_REJECT, "protected domain");
	run(NULL, "smtpd", "203.0.113.5", "<@relay.example:abuse@meldpunt.nl>",
	    FROM1("x@example.org"), &d);
	expect(&d, MP_IDENTITY_REJECT, "protected domain");
	run(NULL, "smtpd", "203.0.113.5", "<>", FROM1("x@example.org"), &d);
	expect(&d, MP_IDENTITY_ACCEPT, "no protected domain");
	run(NULL, "smtpd", "203.0.113.5", "<>", FROM1("abuse@meldpunt.nl"), &d);
	ck_assert_int_eq(d.verdict, MP_IDENTITY_REJECT);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("identity");

	tcase_add_test(tc, from_good);
	tcase_add_test(tc, from_bad);
	tcase_add_test(tc, from_limits);
	tcase_add_test(tc, idmap_parse);
	tcase_add_test(tc, idmap_errors);
	tcase_add_test(tc, netlist);
	tcase_add_test(tc, decide_unprotected_passes);
	tcase_add_test(tc, decide_spoof_rejected);
	tcase_add_test(tc, decide_localhost_is_not_proof);
	tcase_add_test(tc, decide_sasl);
	tcase_add_test(tc, decide_shape);
	tcase_add_test(tc, decide_many_from);
	tcase_add_test(tc, decide_charsets);
	tcase_add_test(tc, decide_lookalikes);
	tcase_add_test(tc, decide_odd_shapes);
	tcase_add_test(tc, decide_envelope);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
