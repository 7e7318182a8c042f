/*
 * Unit tests for the concepts that exist once (issue 13, item 2), each at
 * its one place, with the rules that were decided where the copies
 * disagreed: UTF-8 and printable text (core/text), times (core/datetime),
 * IP addresses, prefixes and domains (mail/addr), the language type
 * (route/lang) and DKIM alignment (dkim/align); and the configuration
 * values that are parsed once, at load (TrustedHosts, UnknownReporters).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_tap.h"
#include "addr.h"
#include "align.h"
#include "conf.h"
#include "datetime.h"
#include "envelope.h"
#include "error.h"
#include "lang.h"
#include "text.h"

#define U(s) ((const unsigned char *)(s))

START_TEST(utf8_decoder)
{
	unsigned long cp = 0;

	ck_assert_uint_eq(mp_utf8_decode(U("a"), 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(mp_utf8_decode(U("\xc3\xa9"), 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(mp_utf8_decode(U("\xf0\x9f\x98\x80"), 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	ck_assert_uint_eq(mp_utf8_seq(U("\xc0\xaf"), 2), 0);		/* overlong */
	ck_assert_uint_eq(mp_utf8_seq(U("\xe0\x80\xaf"), 3), 0);	/* overlong */
	ck_assert_uint_eq(mp_utf8_seq(U("\xed\xa0\x80"), 3), 0);	/* surrogate */
	ck_assert_uint_eq(mp_utf8_seq(U("\xf4\x90\x80\x80"), 4), 0);	/* > U+10FFFF */
	ck_assert_uint_eq(mp_utf8_seq(U("\xc3\xa9"), 1), 0);		/* cut short */
	ck_assert_uint_eq(mp_utf8_seq(U("\x80"), 1), 0);
	ck_assert_uint_eq(mp_utf8_seq(U(""), 0), 0);
}
END_TEST

START_TEST(printable_text)
{
	char a[8], *t;
	int oom;

	t = mp_text_printable("  a\r\n\tb\xff\xc2\x85" "c  ", 13, 100, &oom);
	ck_assert_str_eq(t, "a b? c");
	free(t);
	t = mp_text_printable("ab\xc3\xa9", 4, 3, &oom);	/* cut on a boundary */
	ck_assert_str_eq(t, "ab");
	free(t);
	ck_assert_ptr_null(mp_text_printable(" \t ", 3, 100, &oom));
	ck_assert_int_eq(oom, 0);
	mp_text_ascii(a, sizeof(a), "x\"\xc3\xa9\ny-long");
	ck_assert_str_eq(a, "x????y-");
	mp_text_ascii(a, sizeof(a), NULL);
	ck_assert_str_eq(a, "");
}
END_TEST

static time_t
tp(const char *s, int flags, int *rc)
{
	time_t t = -1;

	*rc = mp_time_parse(s, strlen(s), flags, &t);
	return t;
}

START_TEST(times)
{
	int rc;

	/* RFC 3339: everything required. */
	ck_assert_int_eq(tp("1970-01-01T00:00:00Z", MP_TIME_RFC3339, &rc), 0);
	ck_assert_int_eq(rc, MP_OK);
	ck_assert_int_eq(tp("2030-06-01T10:00:00.5+02:00", MP_TIME_RFC3339, &rc),
	    tp("2030-06-01T08:00:00Z", MP_TIME_RFC3339, &rc));
	tp("2030-06-01T10:00Z", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01T10:00:00", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01T10:00:00+0200", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01T10:00:00,5Z", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01T10:00:00Z ", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	/* Decided: offsets are range-checked in both profiles. */
	tp("2030-06-01T10:00:00+99:99", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-06-01T10:00:00+24:00", 0, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("2030-13-01T00:00:00Z", MP_TIME_RFC3339, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	/* ISO 8601 as reporters write it. */
	ck_assert_int_eq(tp("1970-01-02", 0, &rc), 86400);
	ck_assert_int_eq(rc, MP_OK);
	ck_assert_int_eq(tp("1970-01-01 01:00", 0, &rc), 3600);
	ck_assert_int_eq(tp("1970-01-01T01:00:00,25+01", 0, &rc), 0);
	ck_assert_int_eq(rc, MP_OK);
	ck_assert_int_eq(tp("1970-01-01T01:30:00+0130  ", 0, &rc), 0);
	ck_assert_int_eq(rc, MP_OK);
	ck_assert_int_eq(tp("2000-02-29T00:00:00z", 0, &rc), 951782400);
	ck_assert_int_eq(tp("1970-01-01T23:59:60Z", 0, &rc), 86400);	/* leap second */
	tp("1970-01-01T24:00:00Z", 0, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("1970-01-01T10", 0, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
	tp("1970-01-01x", 0, &rc);
	ck_assert_int_eq(rc, MP_EINPUT);
}
END_TEST

static int
ip(const char *s, int flags, char *out, size_t n)
{
	mp_u128 a;
	int fam;

	if (mp_ip_parse_as(s, strlen(s), flags, &a, &fam) != MP_OK)
		return 0;
	mp_ip_format(a, fam, out, n);
	return fam;
}

/*
 * Durations: one reader for meldpunt.conf, the routing source and
 * meldpunt-route (each had its own; the tool took negative numbers).
 */
START_TEST(durations)
{
	char out[MP_DURATION_STR];
	unsigned d = 7;

	ck_assert_int_eq(mp_duration_parse("90", 1000, &d), 0);
	ck_assert_uint_eq(d, 90);
	ck_assert_int_eq(mp_duration_parse("90s", 1000, &d), 0);
	ck_assert_uint_eq(d, 90);
	ck_assert_int_eq(mp_duration_parse("15m", 86400, &d), 0);
	ck_assert_uint_eq(d, 900);
	ck_assert_int_eq(mp_duration_parse("1h", 86400, &d), 0);
	ck_assert_uint_eq(d, 3600);
	ck_assert_int_eq(mp_duration_parse("365d", 365U * 86400, &d), 0);
	ck_assert_uint_eq(d, 365U * 86400);
	d = 7;
	ck_assert_int_eq(mp_duration_parse("366d", 365U * 86400, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("-1", 1000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("", 1000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("h", 1000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("1hh", 100000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("1 h", 100000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("1w", 10000000, &d), MP_EINPUT);
	ck_assert_int_eq(mp_duration_parse("99999999999999", 4000000000U, &d),
	    MP_EINPUT);
	ck_assert_uint_eq(d, 7);	/* untouched on failure */
	mp_duration_format(3600, out, sizeof(out));
	ck_assert_str_eq(out, "1h");
	mp_duration_format(86400, out, sizeof(out));
	ck_assert_str_eq(out, "1d");
	mp_duration_format(5400, out, sizeof(out));
	ck_assert_str_eq(out, "90m");
	mp_duration_format(61, out, sizeof(out));
	ck_assert_str_eq(out, "61s");
	mp_duration_format(0, out, sizeof(out));
	ck_assert_str_eq(out, "0s");
}
END_TEST

START_TEST(ip_addresses)
{
	char o[64];

	ck_assert_int_eq(ip("192.0.2.1", 0, o, sizeof(o)), 4);
	ck_assert_str_eq(o, "192.0.2.1");
	ck_assert_int_eq(ip("2001:DB8::1", 0, o, sizeof(o)), 6);
	ck_assert_str_eq(o, "2001:db8::1");
	ck_assert_int_eq(ip("::ffff:192.0.2.1", 0, o, sizeof(o)), 6);
	ck_assert_int_eq(ip("::ffff:192.0.2.1", MP_IP_UNMAP, o, sizeof(o)), 4);
	ck_assert_str_eq(o, "192.0.2.1");
	ck_assert_int_eq(ip("[2001:db8::1]", 0, o, sizeof(o)), 0);
	ck_assert_int_eq(ip("[2001:db8::1]", MP_IP_LITERAL, o, sizeof(o)), 6);
	ck_assert_int_eq(ip("IPv6:2001:db8::1", MP_IP_LITERAL, o, sizeof(o)), 6);
	ck_assert_int_eq(ip("ipv6:[::ffff:10.0.0.1]", MP_IP_LITERAL | MP_IP_UNMAP, o,
	    sizeof(o)), 4);
	ck_assert_str_eq(o, "10.0.0.1");
	ck_assert_int_eq(ip("192.0.2", 0, o, sizeof(o)), 0);
	ck_assert_int_eq(ip("0300.0.2.1", 0, o, sizeof(o)), 0);	/* no octal */
	ck_assert_int_eq(ip("192.0.2.1 ", 0, o, sizeof(o)), 0);
	ck_assert_int_eq(ip("", MP_IP_LITERAL, o, sizeof(o)), 0);
	ck_assert_int_eq(ip("[]", MP_IP_LITERAL, o, sizeof(o)), 0);
}
END_TEST

/* The address text is inet_ntop's, byte for byte (addr.c writes IPv4
 * itself), and a prefix's is "%s/%d"; both cut as snprintf cuts. */
START_TEST(ip_format_as_inet_ntop)
{
	char o[64], want[64], pfx[80];
	unsigned char b[4];
	uint32_t x = 0x12345678u, i;
	int len;

	for (i = 0; i < 200000; i++) {
		/* every octet value at every place, edges included */
		x = i < 1024 ? (i & 3) == 0 ? 0 : (i & 3) == 1 ? 0xffffffffu :
		    (i & 3) == 2 ? i * 0x01010101u : (i << 24) | i :
		    x * 1103515245u + 12345u;
		b[0] = (unsigned char)(x >> 24), b[1] = (unsigned char)(x >> 16);
		b[2] = (unsigned char)(x >> 8), b[3] = (unsigned char)x;
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, b, want, sizeof(want)));
		mp_ip_format((mp_u128)x, 4, o, sizeof(o));
		ck_assert_str_eq(o, want);
		len = (int)(i % 33);
		mp_prefix_format((mp_u128)x, len, 4, o, sizeof(o));
		mp_ip_format(mp_ip_mask((mp_u128)x, len, 4), 4, want, sizeof(want));
		snprintf(pfx, sizeof(pfx), "%s/%d", want, len);
		ck_assert_str_eq(o, pfx);
	}
	mp_ip_format((mp_u128)0xc0000201u, 4, o, 5);
	ck_assert_str_eq(o, "192.");
	mp_prefix_format((mp_u128)0xc0000201u, 24, 4, o, 12);
	ck_assert_str_eq(o, "192.0.2.0/2");
	mp_prefix_format(((mp_u128)0x20010db8u << 96) | 1, 128, 6, o, sizeof(o));
	ck_assert_str_eq(o, "2001:db8::1/128");
}
END_TEST

START_TEST(ip_prefixes)
{
	mp_u128 a;
	int len, fam;

	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/8", 10, &a, &len, &fam), MP_OK);
	ck_assert_int_eq(len, 8);
	ck_assert_int_eq(mp_prefix_parse("10.1.2.3", 8, &a, &len, &fam), MP_OK);
	ck_assert_int_eq(len, 32);
	ck_assert_int_eq(mp_prefix_parse("2001:db8::/32", 13, &a, &len, &fam), MP_OK);
	ck_assert_int_eq(fam, 6);
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/0", 10, &a, &len, &fam), MP_OK);
	ck_assert_int_eq(len, 0);
	/* Decided: the length is 1-3 ASCII digits, no sign, no blanks. */
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/+8", 11, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/ 8", 11, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/", 9, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/33", 11, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse("10.0.0.0/0008", 13, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse_as("[2001:db8::]/32", 15, MP_IP_LITERAL, &a,
	    &len, &fam), MP_OK);
	ck_assert_int_eq(mp_prefix_parse_as("::ffff:10.0.0.0/104", 19, MP_IP_UNMAP, &a,
	    &len, &fam), MP_EINPUT);	/* read as IPv4: /104 is too long */
}
END_TEST

START_TEST(domains)
{
	char o[MP_DOMAIN_MAX + 1], big[300];

	ck_assert_int_eq(mp_domain_norm("Mail.Example.NL.", 16, o, sizeof(o)), MP_OK);
	ck_assert_str_eq(o, "mail.example.nl");
	ck_assert(mp_domain_valid("s1._domainkey.x-y.example"));
	ck_assert(mp_domain_valid("-x.example"));	/* as DNS: only LDH-ness */
	ck_assert(mp_domain_valid("localhost"));
	/* Decided: bytes >= 0x80 are no domain anywhere (A-labels are). */
	ck_assert(!mp_domain_valid("b\xc3\xbc" "cher.example"));
	ck_assert(mp_domain_valid("xn--bcher-kva.example"));
	ck_assert(!mp_domain_valid("example.nl."));	/* valid: as it stands */
	ck_assert(!mp_domain_valid("a..b"));
	ck_assert(!mp_domain_valid(".a"));
	ck_assert(!mp_domain_valid(""));
	ck_assert(!mp_domain_valid("a b.example"));
	ck_assert_int_eq(mp_domain_norm("a.b..", 5, o, sizeof(o)), MP_EINPUT);
	ck_assert_int_eq(mp_domain_norm(".", 1, o, sizeof(o)), MP_EINPUT);
	memset(big, 'a', 64);
	strcpy(big + 64, ".example");
	ck_assert(!mp_domain_valid(big));		/* a label over 63 bytes */
	memset(big, 'a', 254);
	big[254] = '\0';
	for (size_t i = 60; i < 254; i += 61)
		big[i] = '.';
	ck_assert(!mp_domain_valid(big));		/* over 253 bytes */
	big[253] = '\0';
	ck_assert(mp_domain_valid(big));
}
END_TEST

START_TEST(languages)
{
	ck_assert_int_eq(mp_lang_parse("nl", 2), MP_LANG_NL);
	ck_assert_int_eq(mp_lang_parse("EN", 2), MP_LANG_EN);	/* case ignored */
	ck_assert_int_eq(mp_lang_parse("en-GB", 5), MP_LANG_UNKNOWN);
	ck_assert_int_eq(mp_lang_parse("nld", 3), MP_LANG_UNKNOWN);
	ck_assert_int_eq(mp_lang_parse("", 0), MP_LANG_UNKNOWN);
	ck_assert_str_eq(mp_lang_name(MP_LANG_NL), "nl");
	ck_assert_str_eq(mp_lang_name(MP_LANG_EN), "en");
	ck_assert_str_eq(mp_lang_name(MP_LANG_UNKNOWN), "unknown");
}
END_TEST

START_TEST(dkim_alignment)
{
	ck_assert(mp_dkim_aligned("x.example", "x.example"));
	ck_assert(mp_dkim_aligned("X.Example.", "x.example"));
	ck_assert(mp_dkim_aligned("mail.x.example", "x.example"));
	ck_assert(mp_dkim_aligned("x.example", "feeds.x.example"));
	/* Decided: a parent of one label never aligns (it did for
	 * meldpunt-verify and the SigningDomain check)... */
	ck_assert(!mp_dkim_aligned("example", "feeds.x.example"));
	ck_assert(!mp_dkim_aligned("nl", "meldpunt.nl"));
	ck_assert(!mp_dkim_aligned("example.", "x.example"));
	/* ...and a subdomain aligns (it did not for those two). */
	ck_assert(mp_dkim_aligned("mail.meldpunt.nl", "meldpunt.nl"));
	ck_assert(!mp_dkim_aligned("x.example.evil", "x.example"));
	ck_assert(!mp_dkim_aligned("evilx.example", "x.example"));
	ck_assert(!mp_dkim_aligned("x.example", "y.example"));
	ck_assert(!mp_dkim_aligned("x\xc3\xa9.example", "x\xc3\xa9.example"));
	ck_assert(!mp_dkim_aligned(NULL, "x.example"));
	ck_assert(!mp_dkim_aligned("x.example", ""));
}
END_TEST

static struct mp_conf *
conf(const char *text, struct mp_error *err)
{
	return mp_conf_parse("t.conf", text, strlen(text), err);
}

START_TEST(trusted_hosts_once)
{
	struct mp_error e;
	struct mp_conf *c;

	c = conf("TrustedHosts 10.0.0.0/8\nTrustedHosts [2001:db8::]/32, IPv6:::1\n", &e);
	ck_assert_ptr_nonnull(c);
	ck_assert(mp_netlist_match(c->trusted, "10.1.2.3"));
	ck_assert(mp_netlist_match(c->trusted, "::ffff:10.1.2.3"));
	ck_assert(mp_netlist_match(c->trusted, "IPv6:2001:db8::25"));
	ck_assert(mp_netlist_match(c->trusted, "[::1]"));
	ck_assert(!mp_netlist_match(c->trusted, "11.0.0.1"));
	mp_conf_free(&c);
	/* Errors name the file and the line of the value. */
	ck_assert_ptr_null(conf("TrustedHosts 10.0.0.0/8\n\nTrustedHosts 10.0.0.0/+8\n", &e));
	ck_assert_str_eq(e.msg, "t.conf:3: TrustedHosts: \"10.0.0.0/+8\" has a bad "
	    "prefix length (0 to 32)");
	ck_assert_ptr_null(conf("TrustedHosts localhost\n", &e));
	ck_assert_str_eq(e.msg, "t.conf:1: TrustedHosts: \"localhost\" is not an "
	    "IPv4 or IPv6 address");
	c = conf("Socket unix:/x.sock\n", &e);
	ck_assert_ptr_null(c->trusted);
	mp_conf_free(&c);
}
END_TEST

START_TEST(unknown_reporters_once)
{
	struct mp_error e;
	struct mp_conf *c;

	c = conf("UnknownReporters Accept\n", &e);
	ck_assert_int_eq(c->unknown_reporters, MP_UNKNOWN_ACCEPT);
	mp_conf_free(&c);
	c = conf("Socket unix:/x.sock\n", &e);
	ck_assert_int_eq(c->unknown_reporters, MP_UNKNOWN_QUARANTINE);
	mp_conf_free(&c);
	ck_assert_ptr_null(conf("UnknownReporters reject\n", &e));
	ck_assert_str_eq(e.msg, "t.conf:1: UnknownReporters: \"reject\" is not "
	    "quarantine or accept");
}
END_TEST

/* From is read once, at EOH, into the envelope (issue 13, item 4). */
START_TEST(from_read_at_eoh)
{
	struct mp_error e;
	struct mp_conf *c = conf("ProtectedDomains meldpunt.nl\n", &e);
	struct mp_envelope env;

	ck_assert_ptr_nonnull(c);
	mp_env_init(&env, c);
	ck_assert_int_eq(mp_env_header(&env, "From", "Abuse <abuse@Meldpunt.NL>", 1), MP_OK);
	ck_assert_int_eq(mp_env_header(&env, "from", "bad <<", 1), MP_OK);
	ck_assert_uint_eq(env.nread, 0);
	ck_assert_int_eq(mp_env_eoh(&env), MP_OK);
	ck_assert_uint_eq(env.nread, 2);
	ck_assert_int_eq(env.from_read[0].rc, MP_OK);
	ck_assert_uint_eq(env.from_read[0].f.n, 1);
	ck_assert_str_eq(env.from_read[0].f.mbox[0].addr, "abuse@meldpunt.nl");
	ck_assert_str_eq(env.from_read[0].f.mbox[0].display, "Abuse");
	ck_assert_int_eq(env.from_read[1].rc, MP_EINPUT);
	ck_assert_str_ne(env.from_read[1].err.msg, "");
	mp_env_reset(&env);
	ck_assert_uint_eq(env.nread, 0);
	mp_env_free(&env);
	mp_conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("concepts");
	TCase *tc = tcase_create("concepts");

	tcase_add_test(tc, utf8_decoder);
	tcase_add_test(tc, printable_text);
	tcase_add_test(tc, times);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, ip_addresses);
	tcase_add_test(tc, ip_format_as_inet_ntop);
	tcase_add_test(tc, ip_prefixes);
	tcase_add_test(tc, domains);
	tcase_add_test(tc, languages);
	tcase_add_test(tc, dkim_alignment);
	tcase_add_test(tc, trusted_hosts_once);
	tcase_add_test(tc, unknown_reporters_once);
	tcase_add_test(tc, from_read_at_eoh);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
