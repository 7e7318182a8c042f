/*
 * Unit tests for the routing database: formats, importers, compiler and
 * reader, with golden cases for each resolution step and their order.
 */
#include "config.h"

#include <gdbm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check_tap.h"
#include "route.h"
#include "route_build.h"
#include "route_fmt.h"
#include "route_rpsl.h"
#include "datetime.h"
#include "route_sectxt.h"

/* 2026-01-01: fixed, so "expired" does not depend on the day tests run. */
#define NOW ((time_t)1767225600)

static char tmpdir[64];
static char warnings[8192];
static int nwarn;

static void
collect(void *arg, const char *msg)
{
	size_t n = strlen(warnings);

	(void)arg;
	nwarn++;
	snprintf(warnings + n, sizeof(warnings) - n, "%s\n", msg);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-route.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	warnings[0] = '\0';
	nwarn = 0;
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Sources for most tests: an organisation of each kind, a RIPE tree. */
static const char *own_src =
    "# test source\n"
    "intermediary zcert\n"
    "    name     Zorg CERT\n"
    "    contact  meldingen@zcert.example.nl\n"
    "    language nl\n"
    "    network  192.0.2.128/25\n"
    "    asn      AS64510\n"
    "    domain   zorg.example.nl\n"
    "\n"
    "organisation zkh\n"
    "    name         Ziekenhuis\n"
    "    contact      soc@zkh.example.nl\n"
    "    contact      <Security@ZKH.example.nl>\n"
    "    language     nl\n"
    "    wants        malware, phishing\n"
    "    intermediary zcert\n"
    "    network      192.0.2.0/26\n"
    "    network      2001:db8:100::/48\n"
    "    asn          AS64501\n"
    "    domain       zkh.example.nl\n"
    "\n"
    "organisation outer\n"
    "    contact  noc@outer.example.com\n"
    "    language en\n"
    "    network  203.0.113.0/24\n"
    "organisation inner\n"
    "    contact  noc@inner.example.com\n"
    "    network  203.0.113.16/28\n"
    "organisation innermost\n"
    "    contact  noc@innermost.example.com\n"
    "    network  203.0.113.20/30\n"
    "    domain   shop.example.com\n"
    "\n"
    "reporter cert.example.com\n"
    "    name  Example CERT\n"
    "    auth both\n"
    "    disclose name+address\n"
    "reporter scanner.example.nl\n"
    "    auth dkim\n"
    "reporter quiet.example.nl\n"
    "    name Quiet Scanner\n"
    "    auth dkim\n"
    "    disclose NONE\n"
    "reporter lists.example.org\n"
    "    name Lists\n"
    "    auth dkim\n"
    "    listtype Vulnerable-Service\n"
    "    case DIVD-2026-00042\n";

static const char *rpsl_src =
    "% comment line\n"
    "role:          Hosting abuse\n"
    "nic-hdl:       HA1-RIPE\n"
    "abuse-mailbox: abuse@hosting.example.nl\n"
    "\n"
    "inetnum:       192.0.2.0 - 192.0.2.255\n"
    "netname:       HOSTING\n"
    "abuse-c:       HA1-RIPE\n"
    "\n"
    "inetnum:       198.51.100.0 - 198.51.100.255\n"
    "abuse-c:       ha1-ripe # lower case handle\n"
    "\n"
    "inetnum:       198.51.100.64 - 198.51.100.127\n"
    "netname:       NO-ABUSE-C\n"
    "\n"
    "inetnum:       198.51.100.200 - 198.51.100.211\n"
    "org:           ORG-K1-RIPE\n"
    "\n"
    "organisation:  ORG-K1-RIPE\n"
    "abuse-c:       K1-RIPE\n"
    "\n"
    "role:          Klant\n"
    "nic-hdl:       K1-RIPE\n"
    "abuse-mailbox: abuse@klant.example.com\n"
    "\n"
    "inet6num:      2001:db8::/32\n"
    "abuse-c:       HA1-RIPE\n"
    "\n"
    "aut-num:       AS64496\n"
    "org:           ORG-K1-RIPE\n";

static const char *sectxt_zkh =
    "Contact: mailto:csirt@zkh.example.nl\n"
    "Expires: 2099-01-01T00:00:00Z\n"
    "Preferred-Languages: en, nl\n";

static const char *sectxt_shop =
    "Contact: mailto:security@shop.example.com\n"
    "Expires: 2099-01-01T00:00:00Z\n";

static const char *sectxt_old =
    "Contact: mailto:security@old.example.nl\n"
    "Expires: 2020-01-01T00:00:00Z\n";

/* Compile the given sources into tmpdir/NAME; returns the path (static). */
static const char *
build(const char *name, const char *own, const char *rpsl, int with_sectxt,
    struct mp_routec_counts *out)
{
	static char path[128];
	struct mp_routec *c = mp_routec_new(collect, NULL);
	struct mp_error err;

	ck_assert_ptr_nonnull(c);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (own)
		ck_assert_int_eq(mp_routec_add_source(c, "own.conf", own, strlen(own)), 0);
	if (rpsl)
		ck_assert_int_eq(mp_routec_add_rpsl(c, "ripe.db", rpsl, strlen(rpsl)), 0);
	if (with_sectxt) {
		ck_assert_int_eq(mp_routec_add_securitytxt(c, "zkh.example.nl", "zkh.txt",
		    sectxt_zkh, strlen(sectxt_zkh), NOW), 0);
		ck_assert_int_eq(mp_routec_add_securitytxt(c, "shop.example.com", "shop.txt",
		    sectxt_shop, strlen(sectxt_shop), NOW), 0);
		ck_assert_int_eq(mp_routec_add_securitytxt(c, "old.example.nl", "old.txt",
		    sectxt_old, strlen(sectxt_old), NOW), 0);
	}
	ck_assert_int_eq(mp_routec_write(c, path, &err), MP_OK);
	if (out)
		memcpy(out, mp_routec_counts(c), sizeof(*out));
	mp_routec_free(&c);
	return path;
}

static struct mp_routedb *
open_all(void)
{
	struct mp_routedb *db;
	struct mp_error err;

	ck_assert_int_eq(mp_routedb_open(build("all.db", own_src, rpsl_src, 1, NULL), &db, &err), MP_OK);
	return db;
}

/* Assert contact i: rule, address, matched. */
#define CONTACT(r, i, rl, addr, m) do { \
	ck_assert_uint_gt((r)->ncontacts, (i)); \
	ck_assert_str_eq(mp_route_rule_name((r)->contacts[i].rule), rl); \
	ck_assert_str_eq((r)->contacts[i].address, addr); \
	ck_assert_str_eq((r)->contacts[i].matched, m); \
} while (0)

static enum mp_lookup
look(struct mp_routedb *db, const char *q, struct mp_route *r)
{
	struct mp_error err;

	return mp_route_lookup(db, q, r, &err);
}

static struct { mp_u128 a[8]; int l[8]; int n; } got;

static int
emit(void *arg, mp_u128 s, int l)
{
	(void)arg;
	got.a[got.n] = s;
	got.l[got.n++] = l;
	return got.n < 8 ? 0 : -1;
}

START_TEST(fmt_range_split)
{
	mp_u128 a, b;
	int fam, len;

	got.n = 0;
	ck_assert_int_eq(mp_ip_parse("198.51.100.200", 14, &a, &fam), 0);
	ck_assert_int_eq(mp_ip_parse("198.51.100.211", 14, &b, &fam), 0);
	ck_assert_int_eq(mp_range_split(a, b, 4, emit, NULL), 0);
	ck_assert_int_eq(got.n, 2);
	ck_assert_int_eq(got.l[0], 29);
	ck_assert_int_eq(got.l[1], 30);
	got.n = 0;
	ck_assert_int_eq(mp_range_split(0, 0xffffffffu, 4, emit, NULL), 0);
	ck_assert_int_eq(got.n, 1);
	ck_assert_int_eq(got.l[0], 0);
	got.n = 0;
	ck_assert_int_eq(mp_range_split(0, ~(mp_u128)0, 6, emit, NULL), 0);
	ck_assert_int_eq(got.l[0], 0);
	ck_assert_int_eq(mp_prefix_parse("2001:db8::/129", 14, &a, &len, &fam), MP_EINPUT);
	ck_assert_int_eq(mp_prefix_parse("192.0.2.0/24", 12, &a, &len, &fam), 0);
	ck_assert_int_eq(len, 24);
}
END_TEST

START_TEST(fmt_query)
{
	struct mp_query q;
	struct mp_error err;

	ck_assert_int_eq(mp_query_parse("192.0.2.1", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_IP4);
	ck_assert_int_eq(mp_query_parse("[2001:db8::1]", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_IP6);
	ck_assert_int_eq(mp_query_parse("as64500", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_ASN);
	ck_assert_uint_eq(q.asn, 64500);
	ck_assert_int_eq(mp_query_parse("AS4294967296", &q, &err), MP_EINPUT);
	ck_assert_int_eq(mp_query_parse("WWW.Example.NL.", &q, &err), 0);
	ck_assert_str_eq(q.domain, "www.example.nl");
	ck_assert_int_eq(mp_query_parse("https://user:pw@Shop.Example.com:8443/a?b#c", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_DOMAIN);
	ck_assert_str_eq(q.domain, "shop.example.com");
	ck_assert_int_eq(mp_query_parse("http://[2001:db8::5]:80/", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_IP6);
	ck_assert_int_eq(mp_query_parse("http://198.51.100.7/x", &q, &err), 0);
	ck_assert_int_eq(q.kind, MP_Q_IP4);
	ck_assert_int_eq(mp_query_parse("a b", &q, &err), MP_EINPUT);
	ck_assert_int_eq(mp_query_parse("bad..domain", &q, &err), MP_EINPUT);
	ck_assert_int_eq(mp_query_parse("http:///nohost", &q, &err), MP_EINPUT);
	ck_assert_int_eq(mp_query_parse("", &q, &err), MP_EINPUT);
}
END_TEST

/* Step 1..4 in order for an address of a registered organisation. */
START_TEST(step_precedence)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;

	ck_assert_int_eq(look(db, "192.0.2.10", &r), MP_FOUND);
	ck_assert_uint_eq(r.ncontacts, 5);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "192.0.2.0/26");
	CONTACT(&r, 1, "org", "security@zkh.example.nl", "192.0.2.0/26");
	CONTACT(&r, 2, "securitytxt", "csirt@zkh.example.nl", "zkh.example.nl");
	CONTACT(&r, 3, "intermediary", "meldingen@zcert.example.nl", "192.0.2.0/26");
	CONTACT(&r, 4, "abuse-c", "abuse@hosting.example.nl", "192.0.2.0/24");
	ck_assert_int_eq(r.contacts[0].lang, MP_LANG_NL);
	ck_assert_int_eq(r.contacts[2].lang, MP_LANG_EN);
	ck_assert_ptr_nonnull(strstr(r.contacts[0].why, "organisation zkh (Ziekenhuis)"));
	ck_assert_ptr_nonnull(strstr(r.contacts[3].why, "serves organisation zkh"));
	ck_assert_str_eq(r.wants, "malware,phishing");
	ck_assert_int_eq(mp_route_wants(&r, "phishing"), 1);
	ck_assert_int_eq(mp_route_wants(&r, "spam"), 0);
	mp_routedb_close(&db);
	ck_assert_ptr_null(db);
}
END_TEST

START_TEST(step_intermediary_network)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;

	ck_assert_int_eq(look(db, "192.0.2.255", &r), MP_FOUND);
	ck_assert_uint_eq(r.ncontacts, 2);
	CONTACT(&r, 0, "intermediary", "meldingen@zcert.example.nl", "192.0.2.128/25");
	ck_assert_ptr_nonnull(strstr(r.contacts[0].why, "serves network 192.0.2.128/25"));
	CONTACT(&r, 1, "abuse-c", "abuse@hosting.example.nl", "192.0.2.0/24");
	ck_assert_str_eq(r.wants, "");
	ck_assert_int_eq(mp_route_wants(&r, "spam"), 1);
	/* Between the organisation and the intermediary: only RIPE. */
	ck_assert_int_eq(look(db, "192.0.2.64", &r), MP_FOUND);
	ck_assert_uint_eq(r.ncontacts, 1);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "192.0.2.0/24");
	mp_routedb_close(&db);
}
END_TEST

/* mp_route_pick: tier order, wants, and unreachable contacts skipped. */
static int
fake_health(const char *addr, void *arg, char *why, size_t whylen,
    struct mp_error *err)
{
	const char *dead = arg;

	if (strcmp(addr, "retry@x.example") == 0) {
		mp_error_set(err, MP_ERETRY, "state DB trouble");
		return -1;
	}
	if (dead != NULL && strstr(dead, addr) != NULL) {
		snprintf(why, whylen, "unreachable since T (2 bounces)");
		return 1;
	}
	return 0;
}

static void
add_contact(struct mp_route *r, const char *addr, enum mp_route_rule rule)
{
	struct mp_route_contact *c = &r->contacts[r->ncontacts++];

	memset(c, 0, sizeof(*c));
	snprintf(c->address, sizeof(c->address), "%s", addr);
	c->rule = rule;
}

START_TEST(pick_tiers_and_health)
{
	struct mp_route r;
	struct mp_route_pick p;
	struct mp_error err;

	memset(&r, 0, sizeof(r));
	add_contact(&r, "org@x.example", MP_RULE_ORG);
	add_contact(&r, "org2@x.example", MP_RULE_ORG);
	add_contact(&r, "cert@x.example", MP_RULE_INTERMEDIARY);
	add_contact(&r, "abuse@x.example", MP_RULE_ABUSEC);
	ck_assert_int_eq(mp_route_pick(&r, "spam", NULL, NULL, &p, &err),
	    MP_FOUND);
	ck_assert_uint_eq(p.nto, 2);
	ck_assert_str_eq(p.to[0]->address, "org@x.example");
	ck_assert_uint_eq(p.nskipped, 0);
	/* one of the tier unreachable: the other one of it */
	ck_assert_int_eq(mp_route_pick(&r, "spam", fake_health,
	    (void *)"org@x.example", &p, &err), MP_FOUND);
	ck_assert_uint_eq(p.nto, 1);
	ck_assert_str_eq(p.to[0]->address, "org2@x.example");
	ck_assert_uint_eq(p.nskipped, 1);
	ck_assert_str_eq(p.skipped[0].c->address, "org@x.example");
	ck_assert_str_eq(p.skipped[0].why, "unreachable since T (2 bounces)");
	/* the whole tier: the next one */
	ck_assert_int_eq(mp_route_pick(&r, "spam", fake_health,
	    (void *)"org@x.example org2@x.example", &p, &err), MP_FOUND);
	ck_assert_uint_eq(p.nto, 1);
	ck_assert_str_eq(p.to[0]->address, "cert@x.example");
	ck_assert_uint_eq(p.nskipped, 2);
	ck_assert_int_eq(mp_route_pick(&r, "spam", fake_health,
	    (void *)"org@x.example org2@x.example cert@x.example", &p, &err),
	    MP_FOUND);
	ck_assert_str_eq(p.to[0]->address, "abuse@x.example");
	/* all unreachable: none */
	ck_assert_int_eq(mp_route_pick(&r, "spam", fake_health,
	    (void *)"org@x.example org2@x.example cert@x.example abuse@x.example",
	    &p, &err), MP_NOTFOUND);
	ck_assert_uint_eq(p.nto, 0);
	ck_assert_uint_eq(p.nskipped, 4);
	/* wants: the organisation does not want spam */
	snprintf(r.wants, sizeof(r.wants), "malware");
	ck_assert_int_eq(mp_route_pick(&r, "spam", NULL, NULL, &p, &err),
	    MP_FOUND);
	ck_assert_str_eq(p.to[0]->address, "cert@x.example");
	/* the health check cannot tell: RETRY, never "unreachable" */
	add_contact(&r, "retry@x.example", MP_RULE_INTERMEDIARY);
	ck_assert_int_eq(mp_route_pick(&r, "spam", fake_health, NULL, &p, &err),
	    MP_RETRY);
	ck_assert_str_eq(err.msg, "state DB trouble");
}
END_TEST

START_TEST(step_abuse_c)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;

	/* Own abuse-c, handle matched case-insensitively. */
	ck_assert_int_eq(look(db, "198.51.100.1", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "198.51.100.0/24");
	/* Inherited from the parent. */
	ck_assert_int_eq(look(db, "198.51.100.100", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "198.51.100.64/26");
	ck_assert_ptr_nonnull(strstr(r.contacts[0].why, "inherited"));
	ck_assert_ptr_nonnull(strstr(r.contacts[0].why, "198.51.100.0/24"));
	/* Through the organisation, on both prefixes of a split range. */
	ck_assert_int_eq(look(db, "198.51.100.200", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@klant.example.com", "198.51.100.200/29");
	ck_assert_ptr_nonnull(strstr(r.contacts[0].why, "organisation ORG-K1-RIPE"));
	ck_assert_int_eq(look(db, "198.51.100.211", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@klant.example.com", "198.51.100.208/30");
	ck_assert_int_eq(look(db, "198.51.100.212", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "198.51.100.0/24");
	ck_assert_int_eq(look(db, "198.51.99.255", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "10.1.2.3", &r), MP_NOTFOUND);
	ck_assert_uint_eq(r.ncontacts, 0);
	mp_routedb_close(&db);
}
END_TEST

START_TEST(overlapping_prefixes)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;
	static const struct { const char *q, *who, *m; } cases[] = {
		{ "203.0.113.0", "noc@outer.example.com", "203.0.113.0/24" },
		{ "203.0.113.15", "noc@outer.example.com", "203.0.113.0/24" },
		{ "203.0.113.16", "noc@inner.example.com", "203.0.113.16/28" },
		{ "203.0.113.19", "noc@inner.example.com", "203.0.113.16/28" },
		{ "203.0.113.20", "noc@innermost.example.com", "203.0.113.20/30" },
		{ "203.0.113.23", "noc@innermost.example.com", "203.0.113.20/30" },
		{ "203.0.113.24", "noc@inner.example.com", "203.0.113.16/28" },
		{ "203.0.113.31", "noc@inner.example.com", "203.0.113.16/28" },
		{ "203.0.113.32", "noc@outer.example.com", "203.0.113.0/24" },
		{ "203.0.113.255", "noc@outer.example.com", "203.0.113.0/24" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(look(db, cases[i].q, &r), MP_FOUND);
		CONTACT(&r, 0, "org", cases[i].who, cases[i].m);
	}
	ck_assert_int_eq(look(db, "203.0.114.0", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "203.0.112.255", &r), MP_NOTFOUND);
	/* The innermost's security.txt comes from its domain. */
	ck_assert_int_eq(look(db, "203.0.113.21", &r), MP_FOUND);
	CONTACT(&r, 1, "securitytxt", "security@shop.example.com", "shop.example.com");
	mp_routedb_close(&db);
}
END_TEST

START_TEST(ipv6)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;

	ck_assert_int_eq(look(db, "2001:db8:100:ffff::1", &r), MP_FOUND);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "2001:db8:100::/48");
	CONTACT(&r, 4, "abuse-c", "abuse@hosting.example.nl", "2001:db8::/32");
	ck_assert_ptr_nonnull(strstr(r.contacts[4].why, "inet6num"));
	ck_assert_int_eq(look(db, "2001:db8:101::1", &r), MP_FOUND);
	ck_assert_uint_eq(r.ncontacts, 1);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "2001:db8::/32");
	ck_assert_int_eq(look(db, "2001:db9::1", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "::", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &r), MP_NOTFOUND);
	mp_routedb_close(&db);
}
END_TEST

START_TEST(asn_domain_url)
{
	struct mp_routedb *db = open_all();
	struct mp_route r;

	ck_assert_int_eq(look(db, "AS64501", &r), MP_FOUND);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "AS64501");
	CONTACT(&r, 3, "intermediary", "meldingen@zcert.example.nl", "AS64501");
	ck_assert_int_eq(look(db, "AS64510", &r), MP_FOUND);
	CONTACT(&r, 0, "intermediary", "meldingen@zcert.example.nl", "AS64510");
	ck_assert_int_eq(look(db, "AS64496", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@klant.example.com", "AS64496");
	ck_assert_int_eq(look(db, "AS64497", &r), MP_NOTFOUND);
	/* Closest parent domain. */
	ck_assert_int_eq(look(db, "a.b.zkh.example.nl", &r), MP_FOUND);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "zkh.example.nl");
	CONTACT(&r, 2, "securitytxt", "csirt@zkh.example.nl", "zkh.example.nl");
	CONTACT(&r, 3, "intermediary", "meldingen@zcert.example.nl", "zkh.example.nl");
	ck_assert_int_eq(look(db, "https://www.zorg.example.nl/login.php", &r), MP_FOUND);
	CONTACT(&r, 0, "intermediary", "meldingen@zcert.example.nl", "zorg.example.nl");
	ck_assert_int_eq(look(db, "example.nl", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "xzkh.example.nl", &r), MP_NOTFOUND);
	/* Expired security.txt: ignored, so unrouted. */
	ck_assert_int_eq(look(db, "old.example.nl", &r), MP_NOTFOUND);
	ck_assert_int_eq(look(db, "http://198.51.100.70/x", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@hosting.example.nl", "198.51.100.64/26");
	mp_routedb_close(&db);
}
END_TEST

START_TEST(reporters)
{
	struct mp_routedb *db = open_all();
	enum mp_reporter_auth auth;
	char matched[MP_ROUTE_MATCHED];
	struct mp_error err;

	ck_assert_int_eq(mp_route_reporter(db, "cert.example.com", &auth, matched, &err), MP_FOUND);
	ck_assert_int_eq(auth, MP_AUTH_BOTH);
	ck_assert_int_eq(mp_route_reporter(db, "Mail.Scanner.Example.NL", &auth, matched, &err), MP_FOUND);
	ck_assert_int_eq(auth, MP_AUTH_DKIM);
	ck_assert_str_eq(matched, "scanner.example.nl");
	ck_assert_int_eq(mp_route_reporter(db, "example.com", &auth, NULL, &err), MP_NOTFOUND);
	ck_assert_int_eq(mp_route_reporter(db, "bad domain", &auth, NULL, &err), MP_NOTFOUND);
	ck_assert_int_eq(err.code, MP_EINPUT);
	mp_routedb_close(&db);
}
END_TEST

/* The whole reporter record: disclose and name. */
START_TEST(reporter_records)
{
	struct mp_routedb *db = open_all();
	struct mp_route_reporter rec;
	struct mp_error err;
	const char *path;
	GDBM_FILE g;
	datum k, v;

	ck_assert_int_eq(mp_route_reporter_rec(db, "feeds.cert.example.com", &rec,
	    &err), MP_FOUND);
	ck_assert_int_eq(rec.auth, MP_AUTH_BOTH);
	ck_assert_int_eq(rec.disclose, MP_DISCLOSE_NAME_ADDRESS);
	ck_assert_str_eq(rec.name, "Example CERT");
	ck_assert_str_eq(rec.domain, "cert.example.com");
	/* no disclose, no name: the default, an empty name */
	ck_assert_int_eq(mp_route_reporter_rec(db, "scanner.example.nl", &rec,
	    &err), MP_FOUND);
	ck_assert_int_eq(rec.disclose, MP_DISCLOSE_NAME);
	ck_assert_str_eq(rec.name, "");
	ck_assert_int_eq(mp_route_reporter_rec(db, "quiet.example.nl", &rec,
	    &err), MP_FOUND);
	ck_assert_int_eq(rec.disclose, MP_DISCLOSE_NONE);
	ck_assert_str_eq(rec.name, "Quiet Scanner");
	ck_assert_str_eq(rec.listtype, "");
	ck_assert_str_eq(rec.case_ref, "");
	/* a generic CSV list's type and case (docs/feeds.md) */
	ck_assert_int_eq(mp_route_reporter_rec(db, "lists.example.org", &rec,
	    &err), MP_FOUND);
	ck_assert_str_eq(rec.name, "Lists");
	ck_assert_str_eq(rec.listtype, "vulnerable-service");
	ck_assert_str_eq(rec.case_ref, "DIVD-2026-00042");
	mp_routedb_close(&db);

	/* A record as the first version wrote it (auth only) still reads;
	 * a damaged one is RETRY, never "not a reporter". */
	path = build("oldrep.db", own_src, NULL, 0, NULL);
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	ck_assert_ptr_nonnull(g);
	k.dptr = "Kscanner.example.nl";
	k.dsize = 19;
	v.dptr = "dkim";
	v.dsize = 4;
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	k.dptr = "Kquiet.example.nl";
	k.dsize = 17;
	v.dptr = "dkim\tsometimes\tQ";
	v.dsize = 16;
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_reporter_rec(db, "scanner.example.nl", &rec,
	    &err), MP_FOUND);
	ck_assert_int_eq(rec.auth, MP_AUTH_DKIM);
	ck_assert_int_eq(rec.disclose, MP_DISCLOSE_NAME);
	ck_assert_int_eq(mp_route_reporter_rec(db, "quiet.example.nl", &rec,
	    &err), MP_RETRY);
	ck_assert_int_eq(err.code, MP_ERETRY);
	mp_routedb_close(&db);
}
END_TEST

START_TEST(retry_missing_and_broken)
{
	struct mp_routedb *db;
	struct mp_error err;
	struct mp_route r;
	char path[128];
	GDBM_FILE g;
	datum k, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/missing.db", tmpdir);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	ck_assert_ptr_null(db);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing.db"));
	/* Not GDBM at all. */
	snprintf(path, sizeof(path), "%s/garbage.db", tmpdir);
	f = fopen(path, "w");
	fputs("this is not a database\n", f);
	fclose(f);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	/* GDBM, but a page is missing: RETRY, never NOTFOUND. */
	memcpy(path, build("broken.db", own_src, NULL, 0, NULL), sizeof(path));
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	ck_assert_ptr_nonnull(g);
	k.dptr = "P4\0\0\0\0";
	k.dsize = 6;
	ck_assert_int_eq(gdbm_delete(g, k), 0);
	k.dptr = "R\0\0\0\1";
	k.dsize = 5;
	v.dptr = "C\tbogus";
	v.dsize = 7;
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_lookup(db, "192.0.2.1", &r, &err), MP_RETRY);
	ck_assert_int_eq(err.code, MP_ERETRY);
	/* AS and domain records are elsewhere: still found. */
	ck_assert_int_eq(mp_route_lookup(db, "AS64501", &r, &err), MP_FOUND);
	mp_routedb_close(&db);
	/* No meta record: refused. */
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	k.dptr = "M";
	k.dsize = 1;
	ck_assert_int_eq(gdbm_delete(g, k), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a meldpunt routing database"));
}
END_TEST

START_TEST(damaged_route_is_retry)
{
	struct mp_route r;
	struct mp_error err;
	struct mp_routedb *db;
	const char *path = build("damaged.db", own_src, NULL, 0, NULL);
	/* One boundary at 0.0.0.0 naming route 7, which the page does not carry. */
	unsigned char page[2 + MP_ROUTE_ENTRY(4)] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 24 };
	unsigned char pkey[6] = { 'P', '4', 0, 0, 0, 0 }, rkey[5] = { 'R', 0, 0, 0, 7 };
	GDBM_FILE g;
	datum k, v;

	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	ck_assert_ptr_nonnull(g);
	k.dptr = (char *)pkey;
	k.dsize = 6;
	v.dptr = (char *)page;
	v.dsize = sizeof(page);
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	k.dptr = (char *)rkey;
	k.dsize = 5;
	v.dptr = "C\tbogus";
	v.dsize = 7;
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	/* A damaged route template: RETRY, not NOTFOUND. */
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_lookup(db, "192.0.2.10", &r, &err), MP_RETRY);
	mp_routedb_close(&db);
	/* A missing one: RETRY too. */
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	ck_assert_int_eq(gdbm_delete(g, k), 0);
	/* And a page that is cut short. */
	k.dptr = (char *)pkey;
	k.dsize = 6;
	v.dptr = (char *)page;
	v.dsize = 5;
	pkey[1] = '6';
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_lookup(db, "192.0.2.10", &r, &err), MP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "route 7 is missing"));
	ck_assert_int_eq(mp_route_lookup(db, "2001:db8:100::1", &r, &err), MP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged"));
	mp_routedb_close(&db);
	uint8_t lens[MP_ROUTE_NLENS] = { 24, 0, 16, 16 };
	const char *ok = "W\tspam\nC\torg\tnl\ta@b.nl\t%0\tfor %0 and %2, 100%%\t3600\t1\n";

	ck_assert_int_eq(mp_route_decode(ok, strlen(ok), 0xc0000201u, 4, lens, &r, &err), MP_OK);
	ck_assert_str_eq(r.contacts[0].matched, "192.0.2.0/24");
	ck_assert_str_eq(r.contacts[0].why, "for 192.0.2.0/24 and 192.0.0.0/16, 100%");
	ck_assert_str_eq(r.wants, "spam");
	ck_assert_uint_eq(r.contacts[0].notify_interval, 3600);
	ck_assert_int_eq(r.contacts[0].digest, 1);
	/* version 1's contact line (no policy), or a policy that is not one */
	ck_assert_int_eq(mp_route_decode("C\torg\tnl\ta@b.nl\tm\tw", 20, 0, 0, NULL, &r,
	    &err), MP_EINPUT);
	ck_assert_int_eq(mp_route_decode("C\torg\tnl\ta@b.nl\tm\tw\t-1\t0", 25, 0, 0,
	    NULL, &r, &err), MP_EINPUT);
	ck_assert_int_eq(mp_route_decode("C\torg\tnl\ta@b.nl\tm\tw\t60\tyes", 27, 0, 0,
	    NULL, &r, &err), MP_EINPUT);
	ck_assert_int_eq(mp_route_decode("C\tbogus", 7, 0, 0, NULL, &r, &err), MP_EINPUT);
	ck_assert_int_eq(mp_route_decode("C\tnope\tnl\ta\tb\tc", 15, 0, 0, NULL, &r, &err), MP_EINPUT);
}
END_TEST

START_TEST(changed_after_recompile)
{
	struct mp_routedb *db;
	struct mp_error err;
	const char *p = build("c.db", own_src, NULL, 0, NULL);

	ck_assert_int_eq(mp_routedb_open(p, &db, &err), MP_OK);
	ck_assert_int_eq(mp_routedb_changed(db), 0);
	build("c.db", own_src, rpsl_src, 0, NULL);
	ck_assert_int_eq(mp_routedb_changed(db), 1);
	mp_routedb_close(&db);
}
END_TEST

START_TEST(rpsl_edge_cases)
{
	static const char text[] =
	    "%comment\r\n"
	    "inetnum: 192.0.2.0 - 192.0.2.255\r\n"
	    "descr:   first\r\n"
	    "         second # a comment\r\n"
	    "\tthird\r\n"
	    "+\r\n"
	    "+        fifth\r\n"
	    "# comment inside\r\n"
	    "abuse-c: X1-RIPE\r\n"
	    "\r\n"
	    "not an attribute line\n"
	    "abuse-c: Y\n"
	    "\n"
	    " continuation first\n"
	    "\n"
	    "role: a\x01" "b\n"
	    "\n"
	    "aut-num: AS1\n";
	struct mp_rpsl_obj *o = malloc(sizeof(*o));
	struct mp_rpsl_reader r;
	struct mp_error err;

	mp_rpsl_init(&r, text, sizeof(text) - 1);
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), 1);
	ck_assert_uint_eq(o->line, 2);
	ck_assert_str_eq(o->attr[0].name, "inetnum");
	ck_assert_str_eq(o->attr[0].value, "192.0.2.0 - 192.0.2.255");
	ck_assert_str_eq(mp_rpsl_get(o, "descr")->value, "first second third fifth");
	ck_assert_str_eq(mp_rpsl_get(o, "abuse-c")->value, "X1-RIPE");
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 11"));
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 14"));
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "control character"));
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), 1);
	ck_assert_str_eq(o->attr[0].value, "AS1");
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), 0);
	free(o);
}
END_TEST

/* Found by fuzz-rpsl: an error message read past a text without a NUL. */
START_TEST(rpsl_error_at_end_of_text)
{
	static const char text[] = "inetnum: 192.0.2.0/24\nbad line without colon";
	struct mp_rpsl_obj *o = malloc(sizeof(*o));
	char *exact = malloc(sizeof(text) - 1);
	struct mp_rpsl_reader r;
	struct mp_error err;

	memcpy(exact, text, sizeof(text) - 1);
	mp_rpsl_init(&r, exact, sizeof(text) - 1);
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "found \"bad line without colon\""));
	memcpy(exact, "ab:", 3);
	mp_rsrc_init(&r, exact, 3);
	ck_assert_int_eq(mp_rpsl_next(&r, o, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "found \"ab:\""));
	free(exact);
	free(o);
}
END_TEST

START_TEST(rpsl_limits_and_skips)
{
	struct mp_routec_counts n;
	struct mp_buf b;
	size_t i;
	const char *bad =
	    "inetnum: 192.0.2.300 - 192.0.2.400\n\n"
	    "inetnum: 192.0.2.9 - 192.0.2.1\n\n"
	    "inet6num: 192.0.2.0/24\n\n"
	    "inetnum: 2001:db8::/32\n\n"
	    "aut-num: ASX\n\n"
	    "role: r\nabuse-mailbox: not a mailbox\nnic-hdl: R1\n\n"
	    "role: no handle\n\n"
	    "inetnum: 192.0.2.0/25\nabuse-c: MISSING-RIPE\n\n"
	    "mntner: FOO-MNT\n";

	build("skips.db", NULL, bad, 0, &n);
	ck_assert_uint_eq(n.skipped, 7);
	ck_assert_uint_eq(n.inetnum, 1);
	ck_assert_uint_eq(n.unresolved, 1);
	ck_assert_uint_eq(n.rpsl_other, 1);
	ck_assert_ptr_nonnull(strstr(warnings, "ripe.db:1: \"192.0.2.300 - 192.0.2.400\" is not an address range"));
	ck_assert_ptr_nonnull(strstr(warnings, "ripe.db:3: range"));
	/* An object over the attribute limit is skipped, the next one read. */
	mp_buf_init(&b, 0);
	mp_buf_puts(&b, "inetnum: 192.0.2.0/24\n");
	for (i = 0; i < MP_RPSL_ATTRS + 1; i++)
		mp_buf_puts(&b, "remarks: x\n");
	mp_buf_puts(&b, "\naut-num: AS64500\n");
	warnings[0] = '\0';
	build("limit.db", NULL, b.data, 0, &n);
	ck_assert_uint_eq(n.skipped, 1);
	ck_assert_uint_eq(n.autnum, 1);
	ck_assert_ptr_nonnull(strstr(warnings, "limit"));
	mp_buf_free(&b);
}
END_TEST

START_TEST(own_source_errors)
{
	struct mp_routec *c = mp_routec_new(collect, NULL);
	const struct mp_routec_counts *n;
	struct mp_error err;
	char path[128];
	const char *src =
	    "organisation a\n"
	    "    contact   a@a.example.nl\n"
	    "    intermediary nope\n"
	    "organisation a\n"		/* line 4: twice */
	    "    contact b@a.example.nl\n"
	    "organisation b\n"
	    "    network 192.0.2.1/24\n"	/* line 7: host bits */
	    "organisation c\n"
	    "    language de\n"		/* line 9 */
	    "organisation d\n"
	    "    wants spam, cookies\n"	/* line 11 */
	    "    colour blue\n"
	    "  stray\n"
	    "intermediary i\n"		/* line 14: no contact */
	    "    name I\n"
	    "reporter r.example.nl\n"
	    "    auth maybe\n"		/* line 17 */
	    "reporter s.example.nl\n"
	    "    auth dkim\n"
	    "    disclose all\n"		/* line 20 */
	    "banana x\n"		/* line 21 */
	    "reporter t.example.nl\n"
	    "    auth dkim\n"
	    "    listtype spam,phishing\n"	/* line 24 */
	    "    case two words\n";		/* line 25 */

	ck_assert_int_eq(mp_routec_add_source(c, "r.conf", src, strlen(src)), 0);
	snprintf(path, sizeof(path), "%s/e.db", tmpdir);
	ck_assert_int_eq(mp_routec_write(c, path, &err), MP_OK);
	n = mp_routec_counts(c);
	ck_assert_uint_eq(n->organisations, 1);
	ck_assert_uint_eq(n->errors, 10);
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:4: organisation \"a\" is defined twice (first at r.conf:1)"));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:7: network \"192.0.2.1/24\""));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:9: language \"de\" is not nl or en"));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:11: unknown report type \"cookies\""));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:14: intermediary \"i\" has no contact"));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:17: auth \"maybe\""));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:20: disclose \"all\" is not none, name or name+address"));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:21: unknown object kind \"banana\""));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:24: listtype \"spam,phishing\" is not one report type"));
	ck_assert_ptr_nonnull(strstr(warnings, "r.conf:1: organisation a names intermediary \"nope\", which is not defined"));
	mp_routec_free(&c);
}
END_TEST


/*
 * Notification policy (meldpunt-routes(5)): notifyinterval and digest
 * of an organisation or intermediary for its contacts, a contact object
 * for any address (a security.txt contact, a RIPE abuse-mailbox), which
 * wins; the route's contacts carry it and the sender finds it by address.
 */
static const char *policy_src =
    "intermediary zcert\n"
    "    contact  meldingen@zcert.example.nl\n"
    "    notifyinterval 4h\n"
    "    network  192.0.2.128/25\n"
    "organisation zkh\n"
    "    contact      soc@zkh.example.nl\n"
    "    contact      Security@ZKH.example.nl\n"
    "    notifyinterval 1h\n"
    "    digest       yes\n"
    "    intermediary zcert\n"
    "    network      192.0.2.0/26\n"
    "    domain       zkh.example.nl\n"
    "organisation lab\n"
    "    contact      soc@zkh.example.nl\n"	/* the same address, agreeing */
    "    digest       YES\n"
    "    network      192.0.2.64/26\n"
    "contact security@zkh.example.nl\n"	/* wins over zkh's digest */
    "    digest no\n"
    "contact csirt@zkh.example.nl\n"	/* the security.txt contact */
    "    notifyinterval 2d\n"
    "contact ABUSE@hosting.example.nl\n"	/* the RIPE abuse-mailbox */
    "    digest yes\n";

START_TEST(contact_policy)
{
	struct mp_routec_counts n;
	struct mp_route_policy pol;
	struct mp_routedb *db;
	struct mp_error err;
	struct mp_route r;

	ck_assert_int_eq(mp_routedb_open(build("pol.db", policy_src, rpsl_src, 1, &n),
	    &db, &err), MP_OK);
	ck_assert_msg(n.errors == 0, "%s", warnings);
	ck_assert_uint_eq(n.contacts, 3);
	ck_assert_uint_eq(n.policy_keys, 5);
	ck_assert_int_eq(look(db, "192.0.2.10", &r), MP_FOUND);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "192.0.2.0/26");
	ck_assert_uint_eq(r.contacts[0].notify_interval, 3600);
	ck_assert_int_eq(r.contacts[0].digest, 1);
	/* the contact object's digest no, the organisation's interval */
	CONTACT(&r, 1, "org", "security@zkh.example.nl", "192.0.2.0/26");
	ck_assert_uint_eq(r.contacts[1].notify_interval, 3600);
	ck_assert_int_eq(r.contacts[1].digest, 0);
	CONTACT(&r, 2, "securitytxt", "csirt@zkh.example.nl", "zkh.example.nl");
	ck_assert_uint_eq(r.contacts[2].notify_interval, 2 * 86400);
	ck_assert_int_eq(r.contacts[2].digest, 0);
	CONTACT(&r, 3, "intermediary", "meldingen@zcert.example.nl", "192.0.2.0/26");
	ck_assert_uint_eq(r.contacts[3].notify_interval, 4 * 3600);
	CONTACT(&r, 4, "abuse-c", "abuse@hosting.example.nl", "192.0.2.0/24");
	ck_assert_uint_eq(r.contacts[4].notify_interval, 0);
	ck_assert_int_eq(r.contacts[4].digest, 1);
	/* the same address through the other organisation */
	ck_assert_int_eq(look(db, "192.0.2.70", &r), MP_FOUND);
	CONTACT(&r, 0, "org", "soc@zkh.example.nl", "192.0.2.64/26");
	ck_assert_uint_eq(r.contacts[0].notify_interval, 3600);
	ck_assert_int_eq(r.contacts[0].digest, 1);
	/* no policy: the defaults */
	ck_assert_int_eq(look(db, "198.51.100.201", &r), MP_FOUND);
	CONTACT(&r, 0, "abuse-c", "abuse@klant.example.com", "198.51.100.200/29");
	ck_assert_uint_eq(r.contacts[0].notify_interval, 0);
	ck_assert_int_eq(r.contacts[0].digest, 0);

	/* by address, as the sender asks; any case, angle brackets */
	ck_assert_int_eq(mp_route_contact_policy(db, "<SOC@zkh.example.NL>", &pol,
	    &err), MP_FOUND);
	ck_assert_uint_eq(pol.notify_interval, 3600);
	ck_assert_int_eq(pol.digest, 1);
	ck_assert_int_eq(mp_route_contact_policy(db, "abuse@hosting.example.nl",
	    &pol, &err), MP_FOUND);
	ck_assert_uint_eq(pol.notify_interval, 0);
	ck_assert_int_eq(pol.digest, 1);
	pol.digest = 7;
	ck_assert_int_eq(mp_route_contact_policy(db, "noc@outer.example.com", &pol,
	    &err), MP_NOTFOUND);
	ck_assert_int_eq(err.code, 0);
	ck_assert_int_eq(pol.digest, 0);
	ck_assert_uint_eq(pol.notify_interval, 0);
	ck_assert_int_eq(mp_route_contact_policy(db, "not an address", &pol, &err),
	    MP_NOTFOUND);
	ck_assert_int_eq(err.code, MP_EINPUT);
	mp_routedb_close(&db);
}
END_TEST

/* Every error names FILE:LINE and the value; the object adds nothing. */
START_TEST(contact_policy_errors)
{
	struct mp_routec *c = mp_routec_new(collect, NULL);
	const struct mp_routec_counts *n;
	struct mp_route_policy pol;
	struct mp_routedb *db;
	struct mp_error err;
	struct mp_route r;
	char path[128];
	const char *src =
	    "organisation a\n"
	    "    contact a@a.example.nl\n"
	    "    notifyinterval 1h\n"
	    "    network 192.0.2.0/26\n"
	    "organisation b\n"
	    "    contact a@a.example.nl\n"		/* line 6: 1h elsewhere */
	    "    notifyinterval 24h\n"
	    "    network 192.0.2.64/26\n"
	    "organisation c\n"
	    "    contact c@c.example.nl\n"
	    "    notifyinterval 1w\n"		/* line 11 */
	    "organisation d\n"
	    "    contact d@d.example.nl\n"
	    "    notifyinterval 30s\n"		/* line 14: under a minute */
	    "organisation e\n"
	    "    contact e@e.example.nl\n"
	    "    digest sometimes\n"		/* line 17 */
	    "organisation f\n"
	    "    contact f@f.example.nl\n"
	    "    digest yes\n"
	    "    digest no\n"			/* line 21 */
	    "organisation g\n"
	    "    contact a@a.example.nl\n"		/* line 23: digest disagrees? no: */
	    "    digest no\n"			/* a has none yet: fine */
	    "    network 192.0.2.128/26\n"
	    "organisation h\n"
	    "    contact a@a.example.nl\n"		/* line 27: g said no */
	    "    digest yes\n"
	    "contact x@x.example.nl\n"
	    "    digest yes\n"
	    "contact X@x.example.nl\n"		/* line 31: twice */
	    "    digest no\n"
	    "contact nobody\n"			/* line 33 */
	    "    digest yes\n"
	    "contact y@y.example.nl\n"		/* line 35: sets nothing */
	    "contact z@z.example.nl\n"
	    "    language nl\n";			/* line 37 */

	ck_assert_int_eq(mp_routec_add_source(c, "p.conf", src, strlen(src)), 0);
	snprintf(path, sizeof(path), "%s/p.db", tmpdir);
	ck_assert_int_eq(mp_routec_write(c, path, &err), MP_OK);
	n = mp_routec_counts(c);
	ck_assert_msg(n->errors == 10, "%zu errors:\n%s", n->errors, warnings);
	ck_assert_uint_eq(n->organisations, 2);	/* a and g */
	ck_assert_uint_eq(n->contacts, 1);
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:6: notifyinterval 24h for "
	    "contact a@a.example.nl, but organisation a (p.conf:1) gives it 1h"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:11: notifyinterval \"1w\" is "
	    "not a duration"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:14: notifyinterval \"30s\""));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:17: digest \"sometimes\" is "
	    "not yes or no"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:21: digest given twice"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:27: digest yes for contact "
	    "a@a.example.nl, but organisation g (p.conf:22) says no"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:31: contact x@x.example.nl is "
	    "defined twice (first at p.conf:29)"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:33: contact \"nobody\" is not "
	    "one mail address"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:35: contact y@y.example.nl "
	    "sets nothing"));
	ck_assert_ptr_nonnull(strstr(warnings, "p.conf:37: unknown attribute "
	    "\"language\" in contact"));
	mp_routec_free(&c);
	/* what was refused added nothing: b's 24h is nowhere */
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_contact_policy(db, "a@a.example.nl", &pol, &err),
	    MP_FOUND);
	ck_assert_uint_eq(pol.notify_interval, 3600);
	ck_assert_int_eq(pol.digest, 0);
	ck_assert_int_eq(look(db, "192.0.2.70", &r), MP_NOTFOUND);
	ck_assert_int_eq(mp_route_contact_policy(db, "x@x.example.nl", &pol, &err),
	    MP_FOUND);
	ck_assert_int_eq(pol.digest, 1);
	mp_routedb_close(&db);
}
END_TEST

/*
 * The format's version: a file of another one is refused saying which
 * and what to do; a damaged policy record is RETRY, never "the defaults".
 */
START_TEST(format_version)
{
	struct mp_route_policy pol;
	struct mp_routedb *db;
	struct mp_error err;
	const char *path = build("ver.db", policy_src, NULL, 0, NULL);
	GDBM_FILE g;
	datum k, v;

	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	mp_routedb_close(&db);
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	ck_assert_ptr_nonnull(g);
	k.dptr = "M";
	k.dsize = 1;
	v.dptr = "meldpunt-routes 1\nroutes 1\n";
	v.dsize = (int)strlen(v.dptr);
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	ck_assert_msg(strstr(err.msg, "a routing database of version 1, older than "
	    "this meldpunt reads (2): compile it again") != NULL, "%s", err.msg);
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	v.dptr = "meldpunt-routes 3\nroutes 1\n";
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	ck_assert_msg(strstr(err.msg, "version 3, newer than this meldpunt reads "
	    "(2)") != NULL, "%s", err.msg);
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	v.dptr = "meldpunt-routes x\n";
	v.dsize = (int)strlen(v.dptr);
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "names no version"));
	/* back to 2, with a damaged policy record */
	g = gdbm_open(path, 0, GDBM_WRITER | GDBM_NOLOCK, 0, NULL);
	v.dptr = MP_ROUTE_MAGIC;
	v.dsize = (int)strlen(v.dptr);
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	k.dptr = "Nsoc@zkh.example.nl";
	k.dsize = (int)strlen(k.dptr);
	v.dptr = "3600\tmaybe";
	v.dsize = (int)strlen(v.dptr);
	ck_assert_int_eq(gdbm_store(g, k, v, GDBM_REPLACE), 0);
	gdbm_close(g);
	ck_assert_int_eq(mp_routedb_open(path, &db, &err), MP_OK);
	ck_assert_int_eq(mp_route_contact_policy(db, "soc@zkh.example.nl", &pol,
	    &err), MP_RETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged"));
	ck_assert_int_eq(mp_route_contact_policy(db, "meldingen@zcert.example.nl",
	    &pol, &err), MP_FOUND);
	ck_assert_uint_eq(pol.notify_interval, 4 * 3600);
	mp_routedb_close(&db);
}
END_TEST

START_TEST(sectxt_plain_signed_expired)
{
	struct mp_sectxt s;
	struct mp_error err;
	static const char signed_txt[] =
	    "-----BEGIN PGP SIGNED MESSAGE-----\n"
	    "Hash: SHA512\n"
	    "\n"
	    "Contact: mailto:Sec@Example.NL?subject=hi\n"
	    "Contact: https://example.nl/report\n"
	    "Contact: mailto:sec@example.nl\n"
	    "Expires: 2030-06-01T12:00:00+02:00\n"
	    "Preferred-Languages: de, nl, en\n"
	    "- Contact: mailto:escaped@example.nl\n"
	    "-----BEGIN PGP SIGNATURE-----\n"
	    "\n"
	    "Contact: mailto:not-signed@example.nl\n"
	    "-----END PGP SIGNATURE-----\n";
	time_t t;

	ck_assert_int_eq(mp_sectxt_parse(signed_txt, sizeof(signed_txt) - 1, NOW, &s, &err), 0);
	ck_assert_int_eq(s.is_signed, 1);
	ck_assert_int_eq(s.expired, 0);
	ck_assert_uint_eq(s.ncontacts, 2);
	ck_assert_str_eq(s.contacts[0], "sec@example.nl");
	ck_assert_str_eq(s.contacts[1], "escaped@example.nl");
	ck_assert_int_eq(s.lang, MP_LANG_NL);
	ck_assert_uint_eq(s.nwarn, 1);	/* the https contact */
	ck_assert_int_eq(mp_time_parse("2030-06-01T10:00:00Z", 20, MP_TIME_RFC3339, &t), 0);
	ck_assert_int_eq(s.expires, t);
	ck_assert_int_eq(mp_sectxt_parse(sectxt_old, strlen(sectxt_old), NOW, &s, &err), 0);
	ck_assert_int_eq(s.expired, 1);
	ck_assert_int_eq(mp_sectxt_parse("Expires: 2099-01-01T00:00:00Z\n", 30, NOW, &s, &err), MP_EINPUT);
	ck_assert_int_eq(mp_sectxt_parse("Contact: mailto:a@b.nl\n", 23, NOW, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(s.warn[0], "no Expires"));
	ck_assert_int_eq(mp_time_parse("2030-13-01T00:00:00Z", 20, MP_TIME_RFC3339, &t), MP_EINPUT);
	ck_assert_int_eq(mp_time_parse("2030-01-01T00:00:00", 19, MP_TIME_RFC3339, &t), MP_EINPUT);
	ck_assert_int_eq(mp_time_parse("1970-01-01T00:00:00.123Z", 24, MP_TIME_RFC3339, &t), 0);
	ck_assert_int_eq(t, 0);
}
END_TEST

START_TEST(sectxt_import_counts)
{
	struct mp_routec_counts n;

	build("s.db", own_src, NULL, 1, &n);
	ck_assert_uint_eq(n.securitytxt, 2);
	ck_assert_uint_eq(n.securitytxt_expired, 1);
	ck_assert_ptr_nonnull(strstr(warnings, "old.txt: expired"));
}
END_TEST

static void *
run(void *arg)
{
	struct mp_routedb *db = arg;
	struct mp_route r;
	struct mp_error err;
	long k, fails = 0;

	for (k = 0; k < 2000; k++) {
		fails += mp_route_lookup(db, k & 1 ? "192.0.2.10" : "AS64501", &r, &err) != MP_FOUND;
		fails += strcmp(r.contacts[0].address, "soc@zkh.example.nl") != 0;
	}
	return (void *)fails;
}

START_TEST(threads_share_a_handle)
{
	struct mp_routedb *db = open_all();
	pthread_t th[4];
	int i, bad = 0;
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, run, db);
	for (i = 0; i < 4; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		bad += (int)(long)ret;
	}
	ck_assert_int_eq(bad, 0);
	mp_routedb_close(&db);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fmt_range_split);
	tcase_add_test(tc, fmt_query);
	tcase_add_test(tc, step_precedence);
	tcase_add_test(tc, step_intermediary_network);
	tcase_add_test(tc, step_abuse_c);
	tcase_add_test(tc, pick_tiers_and_health);
	tcase_add_test(tc, overlapping_prefixes);
	tcase_add_test(tc, ipv6);
	tcase_add_test(tc, asn_domain_url);
	tcase_add_test(tc, reporters);
	tcase_add_test(tc, reporter_records);
	tcase_add_test(tc, retry_missing_and_broken);
	tcase_add_test(tc, damaged_route_is_retry);
	tcase_add_test(tc, changed_after_recompile);
	tcase_add_test(tc, rpsl_edge_cases);
	tcase_add_test(tc, rpsl_error_at_end_of_text);
	tcase_add_test(tc, rpsl_limits_and_skips);
	tcase_add_test(tc, own_source_errors);
	tcase_add_test(tc, contact_policy);
	tcase_add_test(tc, contact_policy_errors);
	tcase_add_test(tc, format_version);
	tcase_add_test(tc, sectxt_plain_signed_expired);
	tcase_add_test(tc, sectxt_import_counts);
	tcase_add_test(tc, threads_share_a_handle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
