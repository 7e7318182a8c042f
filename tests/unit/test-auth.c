/*
 * test-auth - libmpauth: the test DNS zone, SPF through libspf2's zone
 * layer (no network), the reporter authentication decision.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check_tap.h"
#include "dnszone.h"
#include "align.h"
#include "reporter_auth.h"
#include "spf.h"

static const char zone_text[] =
    "# SPF test zone\n"
    "x.example            TXT  \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 -all\"\n"
    "soft.example         TXT  \"v=spf1 ip4:192.0.2.1 ~all\"\n"
    "neutral.example      TXT  \"v=spf1 ?all\"\n"
    "nospf.example        TXT  \"some other text\"\n"
    "nospf.example        A    192.0.2.9\n"
    "broken.example       TXT  \"v=spf1 ip4:192.0.2.300 -all\"\n"
    "two.example          TXT  \"v=spf1 -all\"\n"
    "two.example          TXT  \"v=spf1 +all\"\n"
    "unknownmech.example  TXT  \"v=spf1 foo:bar -all\"\n"
    "temp.example         TXT  TEMPFAIL\n"
    "down.example         ANY  TEMPFAIL\n"
    "inc.example          TXT  \"v=spf1 \" \"include:_spf.inc.example -all\"\n"
    "_spf.inc.example     TXT  \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
    "inctemp.example      TXT  \"v=spf1 include:temp.example -all\"\n"
    "incnone.example      TXT  \"v=spf1 include:nothing.example -all\"\n"
    "redir.example        TXT  \"v=spf1 redirect=x.example\"\n"
    "redirtemp.example    TXT  \"v=spf1 redirect=down.example\"\n"
    "amx.example          TXT  \"v=spf1 a mx -all\"\n"
    "amx.example          A    203.0.113.1\n"
    "amx.example          MX   10 mail.amx.example.\n"
    "mail.amx.example     A    203.0.113.25\n"
    "mxtemp.example       TXT  \"v=spf1 mx -all\"\n"
    "mxtemp.example       MX   10 mx.down.example\n"
    "mx.down.example      A    TEMPFAIL\n"
    "helo.example         TXT  \"v=spf1 ip4:192.0.2.77 -all\"\n"
    "chain1.example       TXT  \"v=spf1 include:chain2.example -all\"\n"
    "chain2.example       TXT  \"v=spf1 include:chain3.example -all\"\n"
    "chain3.example       TXT  \"v=spf1 include:chain4.example -all\"\n"
    "chain4.example       TXT  \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "s1._domainkey.x.example TXT \"v=DKIM1; k=ed25519; \" \"p=AAAA\"\n"
    "s2._domainkey.x.example TXT TEMPFAIL\n";

static struct mp_dnszone *
zone(void)
{
	struct mp_error err;
	struct mp_dnszone *z = mp_dnszone_parse("test.zone", zone_text,
	    sizeof(zone_text) - 1, &err);

	ck_assert_msg(z != NULL, "%s", err.msg);
	return z;
}

static struct mp_spf *
spf_with(unsigned budget, unsigned delay)
{
	struct mp_error err;
	struct mp_dnszone *z = zone();
	struct mp_spf_opts o = { budget, z, delay };
	struct mp_spf *s = mp_spf_new(&o, &err);

	ck_assert_msg(s != NULL, "%s", err.msg);
	mp_dnszone_free(&z);		/* the SPF layer keeps its own copy */
	return s;
}

static enum mp_spf_result
check(struct mp_spf *s, const char *ip, const char *helo, const char *sender,
    struct mp_spf_outcome *o)
{
	struct mp_error err;

	ck_assert_msg(mp_spf_check(s, ip, helo, sender, o, &err) == 0, "%s", err.msg);
	return o->result;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "(null)";
}

#define SPF_IS(s, ip, helo, snd, want) do { \
	struct mp_spf_outcome o_; \
	enum mp_spf_result r_ = check((s), (ip), (helo), (snd), &o_); \
	ck_assert_msg(r_ == (want), "%s from %s: got %s (%s), want %s", nz(snd), nz(ip), \
	    mp_spf_result_name(r_), o_.why, mp_spf_result_name(want)); \
} while (0)

/* ---- the zone parser ---- */

START_TEST(zone_parses)
{
	struct mp_dnszone *z = zone();
	const struct mp_dns_record *r;
	char txt[512];

	ck_assert_uint_eq(mp_dnszone_count(z), 31);
	r = mp_dnszone_record(z, 11);
	ck_assert_str_eq(r->name, "inc.example");
	ck_assert_str_eq(r->value, "v=spf1 include:_spf.inc.example -all");
	r = mp_dnszone_record(z, 19);
	ck_assert_int_eq(r->type, MP_DNS_MX);
	ck_assert_str_eq(r->value, "10 mail.amx.example");
	ck_assert_ptr_null(mp_dnszone_record(z, 31));
	ck_assert_int_eq(mp_dnszone_dkim_lookup(z, "S1._domainkey.x.example.", txt,
	    sizeof(txt)), MP_FOUND);
	ck_assert_str_eq(txt, "v=DKIM1; k=ed25519; p=AAAA");
	ck_assert_int_eq(mp_dnszone_dkim_lookup(z, "s2._domainkey.x.example", txt,
	    sizeof(txt)), MP_RETRY);
	ck_assert_int_eq(mp_dnszone_dkim_lookup(z, "down.example", txt, sizeof(txt)),
	    MP_RETRY);
	ck_assert_int_eq(mp_dnszone_dkim_lookup(z, "s3._domainkey.x.example", txt,
	    sizeof(txt)), MP_NOTFOUND);
	ck_assert_int_eq(mp_dnszone_dkim_lookup(z, "s1._domainkey.x.example", txt, 8),
	    MP_NOTFOUND);
	mp_dnszone_free(&z);
	ck_assert_ptr_null(z);
}
END_TEST

static void
zone_bad(const char *text, const char *want)
{
	struct mp_error err;
	struct mp_dnszone *z = mp_dnszone_parse("t.zone", text, strlen(text), &err);

	ck_assert_msg(z == NULL, "accepted: %s", text);
	ck_assert_msg(strstr(err.msg, want) != NULL, "\"%s\" lacks \"%s\"", err.msg, want);
}

START_TEST(zone_rejects)
{
	char big[MP_DNSZONE_LINE_MAX + 40];

	zone_bad("x.example CNAME y.example\n", "t.zone:1: expected \"name TYPE value\"");
	zone_bad("# ok\nx.example A 192.0.2.300\n", "t.zone:2: \"192.0.2.300\" is not an IPv4");
	zone_bad("x.example AAAA 192.0.2.1\n", "not an IPv6 address");
	zone_bad("x.example MX mail.x.example\n", "MX value must be");
	zone_bad("x.example MX 70000 mail.x.example\n", "0-65535");
	zone_bad("x.example PTR bad_host!\n", "is not a host name");
	zone_bad("x.example TXT \"unbalanced\n", "unbalanced quotes");
	zone_bad("x.example TXT \"a\" b\n", "unbalanced quotes");
	zone_bad("x.example TXT\n", "t.zone:1: no value after the type");
	zone_bad("x.example A\t\n", "no value after the type");
	zone_bad("x.example\n", "expected \"name TYPE value\"");
	zone_bad("x..example A 192.0.2.1\n", "is not a domain name");
	zone_bad("*.example A 192.0.2.1\n", "is not a domain name");
	zone_bad("x.example ANY 192.0.2.1\n", "ANY takes NXDOMAIN or TEMPFAIL");
	zone_bad("x.example ANY NODATA\n", "not NODATA");
	zone_bad("x.example A 192.0.2.1\nx.example ANY NXDOMAIN\n", "ANY record and another");
	zone_bad("x.example TXT TEMPFAIL\nx.example TXT \"v=spf1\"\n",
	    "x.example TXT has a status word");
	zone_bad("x.example TXT \"a\"\nx.example TXT NODATA\n", "status word");
	zone_bad("x.example TXT \"a\x01\"\n", "control character");
	zone_bad("x.example TXT \"a\x7f\"\n", "control character");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	zone_bad(big, "longer than 8192 bytes (limit)");
}
END_TEST

START_TEST(zone_limits)
{
	struct mp_error err;
	struct mp_buf b;
	struct mp_dnszone *z;
	int i;

	mp_buf_init(&b, 0);
	for (i = 0; i <= MP_DNSZONE_MAX_RECORDS; i++)
		ck_assert_int_eq(mp_buf_printf(&b, "h%d.example A 192.0.2.1\n", i), 0);
	z = mp_dnszone_parse("t.zone", b.data, b.len, &err);
	ck_assert_ptr_null(z);
	ck_assert_msg(strstr(err.msg, "t.zone:4097: more than 4096 records (limit)") != NULL,
	    "%s", err.msg);
	mp_buf_free(&b);
	z = mp_dnszone_parse("t.zone", "", 0, &err);
	ck_assert_ptr_nonnull(z);
	ck_assert_uint_eq(mp_dnszone_count(z), 0);
	mp_dnszone_free(&z);
	z = mp_dnszone_load("/nonexistent/zone", &err);
	ck_assert_ptr_null(z);
	ck_assert_int_eq(err.code, MP_EIO);
}
END_TEST

/* ---- SPF ---- */

START_TEST(spf_results)
{
	struct mp_spf *s = spf_with(2000, 0);
	struct mp_spf_outcome o;

	SPF_IS(s, "192.0.2.1", "mail.x.example", "reports@x.example", MP_SPF_PASS);
	SPF_IS(s, "2001:db8:1::25", "mail.x.example", "reports@x.example", MP_SPF_PASS);
	SPF_IS(s, "::ffff:192.0.2.1", "mail.x.example", "reports@x.example", MP_SPF_PASS);
	SPF_IS(s, "198.51.100.1", "mail.x.example", "reports@x.example", MP_SPF_FAIL);
	SPF_IS(s, "198.51.100.1", "h", "a@soft.example", MP_SPF_SOFTFAIL);
	SPF_IS(s, "198.51.100.1", "h", "a@neutral.example", MP_SPF_NEUTRAL);
	SPF_IS(s, "198.51.100.1", "h", "a@nospf.example", MP_SPF_NONE);
	SPF_IS(s, "198.51.100.1", "h", "a@nothing.example", MP_SPF_NONE);
	SPF_IS(s, "198.51.100.1", "h", "a@broken.example", MP_SPF_PERMERROR);
	SPF_IS(s, "198.51.100.1", "h", "a@two.example", MP_SPF_PERMERROR);
	SPF_IS(s, "198.51.100.1", "h", "a@unknownmech.example", MP_SPF_PERMERROR);
	check(s, "198.51.100.1", "h", "a@broken.example", &o);
	ck_assert_msg(strstr(o.why, "the SPF record of broken.example is broken: "
	    "Invalid IPv4 address literal") != NULL, "%s", o.why);
	ck_assert_int_eq(check(s, "198.51.100.1", "h", "reports@x.example", &o), MP_SPF_FAIL);
	ck_assert_str_eq(o.domain, "x.example");
	ck_assert_str_eq(o.why, "x.example does not designate 198.51.100.1 as a permitted sender");
	mp_spf_free(&s);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(spf_dns_trouble_is_retry)
{
	struct mp_spf *s = spf_with(2000, 0);
	struct mp_spf_outcome o;

	SPF_IS(s, "192.0.2.1", "h", "a@temp.example", MP_SPF_RETRY);
	SPF_IS(s, "192.0.2.1", "h", "a@down.example", MP_SPF_RETRY);
	SPF_IS(s, "192.0.2.1", "h", "a@inctemp.example", MP_SPF_RETRY);
	SPF_IS(s, "192.0.2.1", "h", "a@redirtemp.example", MP_SPF_RETRY);
	SPF_IS(s, "192.0.2.1", "h", "a@mxtemp.example", MP_SPF_RETRY);
	check(s, "192.0.2.1", "h", "a@temp.example", &o);
	ck_assert_msg(strstr(o.why, "temporary DNS error") != NULL, "%s", o.why);
	mp_spf_free(&s);
}
END_TEST

START_TEST(spf_include_redirect_a_mx)
{
	struct mp_spf *s = spf_with(2000, 0);

	SPF_IS(s, "198.51.100.7", "h", "a@inc.example", MP_SPF_PASS);
	SPF_IS(s, "192.0.2.7", "h", "a@inc.example", MP_SPF_FAIL);
	SPF_IS(s, "192.0.2.7", "h", "a@incnone.example", MP_SPF_PERMERROR);
	SPF_IS(s, "192.0.2.7", "h", "a@redir.example", MP_SPF_PASS);
	SPF_IS(s, "198.51.100.7", "h", "a@redir.example", MP_SPF_FAIL);
	SPF_IS(s, "203.0.113.1", "h", "a@amx.example", MP_SPF_PASS);
	SPF_IS(s, "203.0.113.25", "h", "a@amx.example", MP_SPF_PASS);
	SPF_IS(s, "203.0.113.26", "h", "a@amx.example", MP_SPF_FAIL);
	SPF_IS(s, "192.0.2.1", "h", "a@chain1.example", MP_SPF_PASS);
	mp_spf_free(&s);
}
END_TEST

START_TEST(spf_special_clients)
{
	struct mp_spf *s = spf_with(2000, 0);
	struct mp_spf_outcome o;
	struct mp_error err;

	/* Null sender: the HELO identity is checked. */
	SPF_IS(s, "192.0.2.77", "helo.example", "", MP_SPF_PASS);
	SPF_IS(s, "192.0.2.78", "helo.example", "", MP_SPF_FAIL);
	/* Loopback is not proof, whatever libspf2 says. */
	ck_assert_int_eq(check(s, "127.0.0.1", "h", "reports@x.example", &o), MP_SPF_NONE);
	ck_assert_msg(strstr(o.why, "loopback") != NULL, "%s", o.why);
	SPF_IS(s, "::1", "h", "reports@x.example", MP_SPF_NONE);
	SPF_IS(s, "", "h", "reports@x.example", MP_SPF_NONE);
	SPF_IS(s, NULL, "h", "reports@x.example", MP_SPF_NONE);
	SPF_IS(s, "192.0.2.1", "", "", MP_SPF_NONE);
	ck_assert_int_eq(mp_spf_check(s, "192.0.2.999", "h", "a@x.example", &o, &err),
	    MP_EINPUT);
	ck_assert_msg(strstr(err.msg, "\"192.0.2.999\" is not an IP address") != NULL,
	    "%s", err.msg);
	ck_assert_int_eq(mp_spf_check(s, "192.0.2.1", "h\r\nx", "a@x.example", &o, &err),
	    MP_EINPUT);
	ck_assert_int_eq(mp_spf_check(s, "192.0.2.1", "h", "a b@x.example", &o, &err),
	    MP_EINPUT);
	mp_spf_free(&s);
}
END_TEST

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

START_TEST(spf_budget)
{
	/* 5 queries of 60 ms each against a budget of 150 ms. */
	struct mp_spf *s = spf_with(150, 60);
	struct mp_spf_outcome o;
	struct timespec t0;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(check(s, "192.0.2.1", "h", "a@chain1.example", &o), MP_SPF_RETRY);
	ms = elapsed_ms(&t0);
	ck_assert_msg(strstr(o.why, "ran out of its 150 ms time budget (SPFTimeout)") != NULL,
	    "%s", o.why);
	ck_assert_msg(ms < 150 + MP_SPF_GRACE_MS + 100, "took %ld ms", ms);
	/* One query fits. */
	SPF_IS(s, "192.0.2.1", "h", "reports@x.example", MP_SPF_PASS);
	mp_spf_free(&s);
}
END_TEST

START_TEST(spf_budget_limits)
{
	struct mp_error err;
	struct mp_spf_opts o = { 30000, NULL, 0 };

	ck_assert_ptr_null(mp_spf_new(&o, &err));
	ck_assert_int_eq(err.code, MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "30000 ms is outside 10..25000 ms") != NULL, "%s", err.msg);
	/* below the floor: refused the same way, with its own number */
	o.budget_ms = 5;
	mp_error_clear(&err);
	ck_assert_ptr_null(mp_spf_new(&o, &err));
	ck_assert_int_eq(err.code, MP_ECONFIG);
	ck_assert_msg(strstr(err.msg, "5 ms is outside 10..25000 ms") != NULL, "%s", err.msg);
	/* the bounds themselves are allowed */
	o.budget_ms = 10;
	{
		struct mp_spf *s = mp_spf_new(&o, &err);

		ck_assert_msg(s != NULL, "%s", err.msg);
		mp_spf_free(&s);
		o.budget_ms = 25000;
		s = mp_spf_new(&o, &err);
		ck_assert_msg(s != NULL, "%s", err.msg);
		mp_spf_free(&s);
	}
	ck_assert_str_eq(mp_spf_result_name(MP_SPF_RETRY), "retry");
	ck_assert_str_eq(mp_spf_result_name(MP_SPF_SOFTFAIL), "softfail");
}
END_TEST

START_TEST(spf_resolver_setup)
{
	struct mp_error err;

	setenv("RES_OPTIONS", "rotate", 1);
	ck_assert_int_eq(mp_spf_resolver_setup(10000, &err), 0);
	ck_assert_str_eq(getenv("RES_OPTIONS"), "rotate timeout:5 attempts:1");
	unsetenv("RES_OPTIONS");
	ck_assert_int_eq(mp_spf_resolver_setup(500, &err), 0);
	ck_assert_str_eq(getenv("RES_OPTIONS"), "timeout:1 attempts:1");
	unsetenv("RES_OPTIONS");
}
END_TEST

static void *
hammer(void *arg)
{
	struct mp_spf *s = arg;
	struct mp_spf_outcome o;
	struct mp_error err;
	int i, bad = 0;

	for (i = 0; i < 25; i++) {
		if (mp_spf_check(s, "198.51.100.9", "h", "a@inc.example", &o, &err) != 0
		    || o.result != MP_SPF_PASS)
			bad++;
		if (mp_spf_check(s, "192.0.2.9", "h", "a@temp.example", &o, &err) != 0
		    || o.result != MP_SPF_RETRY)
			bad++;
	}
	return (void *)(long)bad;
}

START_TEST(spf_threads)
{
	struct mp_spf *s = spf_with(2000, 0);
	pthread_t t[6];
	void *bad;
	int i;

	for (i = 0; i < 6; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, s), 0);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_int_eq((long)bad, 0);
	}
	mp_spf_free(&s);
}
END_TEST

/* ---- the decision ---- */

static struct mp_spf_outcome spf_out;
static struct mp_verify_result dkim_out;

static void
sig(const char *d, enum mp_dkim_result r, int partial)
{
	struct mp_dkim_sig *s = &dkim_out.sig[dkim_out.n++];

	memset(s, 0, sizeof(*s));
	snprintf(s->domain, sizeof(s->domain), "%s", d);
	snprintf(s->selector, sizeof(s->selector), "s1");
	snprintf(s->alg, sizeof(s->alg), "ed25519-sha256");
	s->result = r;
	s->partial = partial;
	s->code = r == MP_DKIM_PASS ? MP_DKIM_WHY_OK : r == MP_DKIM_RETRY
	    ? MP_DKIM_WHY_DNS : MP_DKIM_WHY_BODY;
	snprintf(s->why, sizeof(s->why), "%s", r == MP_DKIM_PASS ? "verified"
	    : r == MP_DKIM_RETRY ? "key not fetched" : "body hash mismatch");
}

static struct mp_reporter_facts
facts(enum mp_reporter_auth req, enum mp_spf_result spf)
{
	struct mp_reporter_facts f;

	memset(&f, 0, sizeof(f));
	memset(&dkim_out, 0, sizeof(dkim_out));
	memset(&spf_out, 0, sizeof(spf_out));
	spf_out.result = spf;
	snprintf(spf_out.why, sizeof(spf_out.why), "DNS said SERVFAIL");
	f.env_sender = "reports@x.example";
	f.from_domain = "x.example";
	f.known = MP_FOUND;
	f.required = req;
	f.reporter_domain = "x.example";
	f.spf = &spf_out;
	f.client_ip = "192.0.2.1";
	f.dkim = &dkim_out;
	f.unknown = MP_UNKNOWN_QUARANTINE;
	return f;
}

static struct mp_reporter_decision
decide(const struct mp_reporter_facts *f)
{
	struct mp_reporter_decision d;

	mp_reporter_decide(f, &d);
	return d;
}

#define VERDICT(f, want, text) do { \
	struct mp_reporter_decision d_ = decide(&(f)); \
	ck_assert_msg(d_.verdict == (want) && strstr(d_.reason, (text)) != NULL, \
	    "line %d: got %s \"%s\", want %s \"%s\"", __LINE__, \
	    mp_reporter_verdict_name(d_.verdict), d_.reason, \
	    mp_reporter_verdict_name(want), (text)); \
} while (0)

/* Every required auth x SPF result x DKIM result, against the rule. */
START_TEST(decision_table)
{
	static const enum mp_reporter_auth reqs[] = { MP_AUTH_SPF, MP_AUTH_DKIM, MP_AUTH_BOTH };
	static const enum mp_spf_result spfs[] = {
		MP_SPF_NONE, MP_SPF_NEUTRAL, MP_SPF_PASS, MP_SPF_FAIL, MP_SPF_SOFTFAIL,
		MP_SPF_PERMERROR, MP_SPF_RETRY,
	};
	/* DKIM: 0 unsigned, 1 pass, 2 fail, 3 retry, 4 pass with l= */
	size_t a, b, c;
	int n = 0;

	for (a = 0; a < 3; a++)
		for (b = 0; b < sizeof(spfs) / sizeof(spfs[0]); b++)
			for (c = 0; c < 5; c++) {
				struct mp_reporter_facts f = facts(reqs[a], spfs[b]);
				struct mp_reporter_decision d;
				int sv, dv, want;	/* 0 pass, 1 fail, 2 retry */

				if (c == 1 || c == 4)
					sig("x.example", MP_DKIM_PASS, c == 4);
				else if (c == 2)
					sig("x.example", MP_DKIM_FAIL, 0);
				else if (c == 3)
					sig("x.example", MP_DKIM_RETRY, 0);
				sv = spfs[b] == MP_SPF_PASS ? 0 : spfs[b] == MP_SPF_RETRY ? 2 : 1;
				dv = c == 1 ? 0 : c == 3 ? 2 : 1;
				if (reqs[a] == MP_AUTH_SPF)
					want = sv;
				else if (reqs[a] == MP_AUTH_DKIM)
					want = dv;
				else
					want = sv == 1 || dv == 1 ? 1 : sv == 2 || dv == 2 ? 2 : 0;
				mp_reporter_decide(&f, &d);
				ck_assert_msg((int)d.verdict == want,
				    "req %d spf %s dkim %zu: got %s (%s)", reqs[a],
				    mp_spf_result_name(spfs[b]), c,
				    mp_reporter_verdict_name(d.verdict), d.reason);
				ck_assert(d.reason[0] != '\0');
				if (want == 0)
					ck_assert_str_eq(d.passed, reqs[a] == MP_AUTH_SPF ? "spf"
					    : reqs[a] == MP_AUTH_DKIM ? "dkim" : "spf+dkim");
				else
					ck_assert_str_eq(d.passed, "");
				n++;
			}
	ck_assert_int_eq(n, 105);
}
END_TEST

START_TEST(decision_reasons)
{
	struct mp_reporter_facts f;

	f = facts(MP_AUTH_SPF, MP_SPF_FAIL);
	VERDICT(f, MP_REPORTER_FAIL, "SPF fail for reports@x.example from 192.0.2.1");
	f = facts(MP_AUTH_SPF, MP_SPF_SOFTFAIL);
	VERDICT(f, MP_REPORTER_FAIL, "SPF softfail for reports@x.example from 192.0.2.1 "
	    "(required: spf)");
	f = facts(MP_AUTH_SPF, MP_SPF_RETRY);
	VERDICT(f, MP_REPORTER_RETRY, "cannot be checked now: DNS said SERVFAIL");
	f = facts(MP_AUTH_DKIM, MP_SPF_PASS);
	VERDICT(f, MP_REPORTER_FAIL, "no valid DKIM signature aligned with x.example "
	    "(required: dkim)");
	f = facts(MP_AUTH_DKIM, MP_SPF_PASS);
	sig("x.example", MP_DKIM_FAIL, 0);
	sig("evil.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_FAIL, "(required: dkim) (d=x.example: body hash mismatch; "
	    "d=evil.example: not aligned)");
	f = facts(MP_AUTH_DKIM, MP_SPF_PASS);
	sig("x.example", MP_DKIM_PASS, 1);
	VERDICT(f, MP_REPORTER_FAIL, "d=x.example: l= leaves part of the body unsigned");
	f = facts(MP_AUTH_DKIM, MP_SPF_FAIL);
	sig("x.example", MP_DKIM_RETRY, 0);
	VERDICT(f, MP_REPORTER_RETRY, "the DKIM key of d=x.example cannot be fetched now");
	/* A retry and a pass: the pass decides. */
	f = facts(MP_AUTH_DKIM, MP_SPF_FAIL);
	sig("x.example", MP_DKIM_RETRY, 0);
	sig("x.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_PASS, "DKIM pass for d=x.example (s=s1, ed25519-sha256)");
	/* Both required, both fail: both said. */
	f = facts(MP_AUTH_BOTH, MP_SPF_FAIL);
	VERDICT(f, MP_REPORTER_FAIL, "SPF fail for reports@x.example from 192.0.2.1 "
	    "(required: spf and dkim); no valid DKIM signature aligned with x.example");
	/* Both required: a sure failure beats a retry. */
	f = facts(MP_AUTH_BOTH, MP_SPF_RETRY);
	VERDICT(f, MP_REPORTER_FAIL, "no valid DKIM signature");
	f = facts(MP_AUTH_BOTH, MP_SPF_PASS);
	sig("x.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_PASS, "SPF pass for reports@x.example from 192.0.2.1; "
	    "DKIM pass for d=x.example");
	/* SPF not checked at all is not a pass. */
	f = facts(MP_AUTH_SPF, MP_SPF_PASS);
	f.spf = NULL;
	VERDICT(f, MP_REPORTER_FAIL, "SPF was not checked");
	f = facts(MP_AUTH_DKIM, MP_SPF_PASS);
	f.dkim = NULL;
	VERDICT(f, MP_REPORTER_FAIL, "no valid DKIM signature");
	/* A broken record fails closed. */
	f = facts(0, MP_SPF_PASS);
	VERDICT(f, MP_REPORTER_FAIL, "no required method");
	f = facts(MP_AUTH_SPF, MP_SPF_PASS);
	f.reporter_domain = "";
	VERDICT(f, MP_REPORTER_FAIL, "has no domain");
}
END_TEST

START_TEST(alignment)
{
	struct mp_reporter_facts f;

	ck_assert(mp_dkim_aligned("x.example", "x.example"));
	ck_assert(mp_dkim_aligned("X.Example.", "x.example"));
	ck_assert(mp_dkim_aligned("mail.x.example", "x.example"));
	ck_assert(mp_dkim_aligned("x.example", "feeds.x.example"));
	ck_assert(!mp_dkim_aligned("example", "feeds.x.example"));
	ck_assert(!mp_dkim_aligned("example.", "x.example"));
	ck_assert(!mp_dkim_aligned("x.example.evil", "x.example"));
	ck_assert(!mp_dkim_aligned("evilx.example", "x.example"));
	ck_assert(!mp_dkim_aligned("y.example", "x.example"));
	ck_assert(!mp_dkim_aligned("", "x.example"));
	ck_assert(!mp_dkim_aligned("x.example", ""));
	ck_assert(!mp_dkim_aligned("x.exam ple", "x.exam ple"));
	ck_assert(mp_reporter_within("a.b.x.example", "x.example"));
	ck_assert(!mp_reporter_within("ax.example", "x.example"));

	/* SPF: the envelope sender must be the reporter domain or below. */
	f = facts(MP_AUTH_SPF, MP_SPF_PASS);
	f.env_sender = "bounce@mail.x.example";
	VERDICT(f, MP_REPORTER_PASS, "SPF pass for bounce@mail.x.example");
	f.env_sender = "reports@x.example.evil";
	VERDICT(f, MP_REPORTER_FAIL, "envelope sender reports@x.example.evil is not within "
	    "x.example, so its SPF does not count (required: spf)");
	f.env_sender = "reports@evilx.example";
	VERDICT(f, MP_REPORTER_FAIL, "is not within x.example");
	f.env_sender = "reports@example";	/* a parent: not the reporter's */
	VERDICT(f, MP_REPORTER_FAIL, "is not within x.example");
	f.env_sender = "";
	VERDICT(f, MP_REPORTER_FAIL, "the envelope sender is empty (<>)");
	/* An unaligned sender's DNS trouble does not make a retry. */
	f = facts(MP_AUTH_SPF, MP_SPF_RETRY);
	f.env_sender = "bounce@esp.example";
	VERDICT(f, MP_REPORTER_FAIL, "is not within x.example");

	/* DKIM from a parent, a subdomain, a look-alike. */
	f = facts(MP_AUTH_DKIM, MP_SPF_NONE);
	f.from_domain = "feeds.x.example";
	f.reporter_domain = "feeds.x.example";
	sig("x.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_PASS, "DKIM pass for d=x.example");
	f = facts(MP_AUTH_DKIM, MP_SPF_NONE);
	sig("x.example.evil", MP_DKIM_PASS, 0);
	sig("evilx.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_FAIL, "d=x.example.evil: not aligned; d=evilx.example: "
	    "not aligned");
	f = facts(MP_AUTH_DKIM, MP_SPF_NONE);
	sig("example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_FAIL, "d=example: not aligned");
	/* An unaligned signature's DNS trouble does not make a retry either. */
	f = facts(MP_AUTH_DKIM, MP_SPF_NONE);
	sig("esp.example", MP_DKIM_RETRY, 0);
	VERDICT(f, MP_REPORTER_FAIL, "no valid DKIM signature aligned with x.example");

	/* From must be within the reporter domain. */
	f = facts(MP_AUTH_SPF, MP_SPF_PASS);
	f.from_domain = "bank.example";
	VERDICT(f, MP_REPORTER_FAIL, "From domain bank.example is not within the known "
	    "reporter x.example");
	f.from_domain = "Feeds.X.Example.";
	VERDICT(f, MP_REPORTER_PASS, "SPF pass");
	f.from_domain = "";
	VERDICT(f, MP_REPORTER_PASS, "SPF pass");
}
END_TEST

START_TEST(unknown_reporters)
{
	struct mp_reporter_facts f;
	enum mp_unknown_policy p;

	f = facts(MP_AUTH_SPF, MP_SPF_PASS);
	f.known = MP_NOTFOUND;
	sig("x.example", MP_DKIM_PASS, 0);
	VERDICT(f, MP_REPORTER_FAIL, "x.example is not a known reporter "
	    "(UnknownReporters quarantine)");
	f.from_domain = "";
	VERDICT(f, MP_REPORTER_FAIL, "x.example is not a known reporter");
	f.env_sender = "";
	VERDICT(f, MP_REPORTER_FAIL, "the sender is not a known reporter");
	f = facts(MP_AUTH_SPF, MP_SPF_NONE);
	f.known = MP_NOTFOUND;
	f.unknown = MP_UNKNOWN_ACCEPT;
	VERDICT(f, MP_REPORTER_PASS, "accepted (UnknownReporters accept)");
	spf_out.result = MP_SPF_FAIL;
	VERDICT(f, MP_REPORTER_FAIL, "SPF fail for reports@x.example from 192.0.2.1: "
	    "a forged sender");
	spf_out.result = MP_SPF_RETRY;
	VERDICT(f, MP_REPORTER_RETRY, "cannot be checked now");
	spf_out.result = MP_SPF_SOFTFAIL;
	VERDICT(f, MP_REPORTER_PASS, "accepted");
	/* Database trouble is a retry, whatever the policy. */
	f.known = MP_RETRY;
	VERDICT(f, MP_REPORTER_RETRY, "known-reporter records cannot be read now");
	f.unknown = MP_UNKNOWN_QUARANTINE;
	VERDICT(f, MP_REPORTER_RETRY, "cannot be read now");

	ck_assert_int_eq(mp_unknown_policy_parse("Quarantine", &p), 0);
	ck_assert_int_eq(p, MP_UNKNOWN_QUARANTINE);
	ck_assert_int_eq(mp_unknown_policy_parse("accept", &p), 0);
	ck_assert_int_eq(p, MP_UNKNOWN_ACCEPT);
	ck_assert_int_eq(mp_unknown_policy_parse("reject", &p), MP_EINPUT);
	ck_assert_str_eq(mp_unknown_policy_name(MP_UNKNOWN_ACCEPT), "accept");
	ck_assert_str_eq(mp_reporter_verdict_name(MP_REPORTER_RETRY), "retry");
}
END_TEST

/* The SPF module and the decision, end to end through the zone. */
START_TEST(spf_into_decision)
{
	struct mp_spf *s = spf_with(2000, 0);
	struct mp_reporter_facts f = facts(MP_AUTH_SPF, MP_SPF_NONE);

	check(s, "198.51.100.1", "mail.x.example", "reports@x.example", &spf_out);
	f.client_ip = "198.51.100.1";
	VERDICT(f, MP_REPORTER_FAIL, "SPF fail for reports@x.example from 198.51.100.1");
	check(s, "192.0.2.1", "mail.x.example", "reports@x.example", &spf_out);
	VERDICT(f, MP_REPORTER_PASS, "SPF pass");
	mp_spf_free(&s);
}
END_TEST

/*
 * A check that could not run (no memory, an internal library error, a
 * key lookup that failed) is a fault: RETRY with the fault in the reason,
 * whatever the other method says and whoever the reporter is - never
 * FAIL (quarantined:unauthenticated) and never PASS.
 */
START_TEST(faults_are_retry)
{
	static const enum mp_reporter_auth reqs[] = { MP_AUTH_SPF, MP_AUTH_DKIM,
	    MP_AUTH_BOTH };
	static const int codes[] = { MP_ENOMEM, MP_EINTERNAL, MP_ERETRY };
	struct mp_reporter_facts f;
	size_t a, c;

	for (a = 0; a < 3; a++)
		for (c = 0; c < 3; c++) {
			/* SPF fault; DKIM would have failed for certain */
			f = facts(reqs[a], MP_SPF_PASS);
			f.spf = NULL;
			f.spf_fault = codes[c];
			f.spf_fault_why = "SPF: out of memory";
			VERDICT(f, MP_REPORTER_RETRY, "the SPF check could not run");
			/* DKIM fault; SPF fails outright */
			f = facts(reqs[a], MP_SPF_FAIL);
			f.dkim = NULL;
			f.dkim_fault = codes[c];
			f.dkim_fault_why = "libopendkim: internal error";
			VERDICT(f, MP_REPORTER_RETRY, "libopendkim: internal error");
			/* an unknown reporter under either policy */
			f.known = MP_NOTFOUND;
			VERDICT(f, MP_REPORTER_RETRY, "the DKIM check could not run");
			f.unknown = MP_UNKNOWN_ACCEPT;
			VERDICT(f, MP_REPORTER_RETRY, "the DKIM check could not run");
		}
	/* Both at once: both named. */
	f = facts(MP_AUTH_BOTH, MP_SPF_PASS);
	f.spf_fault = MP_ENOMEM;
	f.dkim_fault = MP_EINTERNAL;
	VERDICT(f, MP_REPORTER_RETRY, "SPF check could not run (out of memory)");
	VERDICT(f, MP_REPORTER_RETRY, "DKIM check could not run (internal error)");
	/* No fault, no results (malformed input): a verdict, as before. */
	f = facts(MP_AUTH_DKIM, MP_SPF_PASS);
	f.dkim = NULL;
	VERDICT(f, MP_REPORTER_FAIL, "no valid DKIM signature");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tz = tcase_create("zone"), *ts = tcase_create("spf");
	TCase *td = tcase_create("decision");

	tcase_add_test(tz, zone_parses);
	tcase_add_test(tz, zone_rejects);
	tcase_add_test(tz, zone_limits);
	tcase_set_timeout(ts, 20);
	tcase_add_test(ts, spf_results);
	tcase_add_test(ts, spf_dns_trouble_is_retry);
	tcase_add_test(ts, spf_include_redirect_a_mx);
	tcase_add_test(ts, spf_special_clients);
	tcase_add_test(ts, spf_budget);
	tcase_add_test(ts, spf_budget_limits);
	tcase_add_test(ts, spf_resolver_setup);
	tcase_add_test(ts, spf_threads);
	tcase_add_test(td, decision_table);
	tcase_add_test(td, decision_reasons);
	tcase_add_test(td, alignment);
	tcase_add_test(td, unknown_reporters);
	tcase_add_test(td, spf_into_decision);
	tcase_add_test(td, faults_are_retry);
	suite_add_tcase(s, tz);
	suite_add_tcase(s, ts);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
