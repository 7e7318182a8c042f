/*
 * Unit tests: the sender (sender.h) without an MTA. A snapshot like the
 * milter's (routes compiled by meldpunt-route, the source tree's
 * templates, a signing key, a state DB in a temp dir) whose SubmitAddress
 * is a stub SMTP server in a thread (smtp_stub.h). Pending rows are put
 * in the state DB with the pending API (pending.h), one report a chunk;
 * each mp_sender_pass() is given its time, so that AggregateDelay and
 * NotifyInterval are checked without waiting.
 *
 * The stub plays the MTA: it takes (250), defers (451) or refuses (550)
 * the data, or it runs the milter's decision on what it received as the
 * MTA's submission service would (mp_eom_decide: the sender's
 * notification is signed once, outcome "sent"; a second copy is
 * "discarded:repeat") and answers by the verdict.
 *
 * Checked: a due group is sent once, its chunks and outbox record go, its
 * time is noted; groups not yet due are left (AggregateDelay from the
 * newest row, NotifyInterval, a contact's notifyinterval); MaxRowsPerNotice
 * makes several notifications in one pass; a 4xx or no server keeps the
 * notification (attempts counted), makes nothing new, and the next pass
 * submits the same bytes; a 5xx is kept and not tried again (nor its rows
 * sent another way) until a request names its group; an outbox record of
 * a pass that stopped before submitting goes first; the notice record,
 * the ticket and its index.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "daemon_fixture.h"
#include "notices.h"
#include "notify.h"
#include "outbox.h"
#include "pending.h"
#include "pendrow.h"
#include "report.h"
#include "route.h"
#include "seen.h"
#include "sender.h"
#include "smtp_stub.h"
#include "ticket.h"
#include "tickets.h"

#define IDENTITY	"noreply@meldpunt.test"
#define HELPDESK	"helpdesk@meldpunt.test"
#define A		"noc@a.example"		/* nl, NotifyInterval */
#define B		"abuse@b.example"	/* en, notifyinterval 1h */
#define TYPE		"open-service:scan_ntp"
#define T0		((time_t)1800000000)	/* 2027-01-15 08:00:00Z */
#define MINUTE		60
#define HOUR		3600
#define DAY		86400
#define MSGS_MAX	32

static char tmp[64];

/* The MTA the stub plays: how it answers the data, what it received. */
enum mta_mode { MTA_TAKE, MTA_LATER, MTA_REFUSE, MTA_MILTER };

struct got {
	char from[MP_NOTICE_ADDR_MAX + 4], to[MP_NOTICE_ADDR_MAX + 4];
	char *data;			/* un-stuffed, CRLF */
	size_t len;
	enum mp_outcome outcome;	/* MTA_MILTER: the milter's */
	enum mp_verdict verdict;
};

static struct {
	pthread_mutex_t lock;
	enum mta_mode mode;
	const struct mp_snapshot *snap;	/* MTA_MILTER */
	char from[MP_NOTICE_ADDR_MAX + 4], to[MP_NOTICE_ADDR_MAX + 4];
	struct got msg[MSGS_MAX];
	size_t n;
} mta;

static struct smtp_stub stub;
static int stub_up;

/*
 * The milter's decision on a message as the submission service hands it
 * over (client 127.0.0.1, {daemon_name} ORIGINATING): header fields one
 * by one (folds kept), end of header, the body, end of message. The plan
 * is settled as after the MTA kept the message (the once-only mark stays).
 */
static enum mp_verdict
milter(const struct mp_snapshot *s, const char *from, const char *to,
    const char *msg, size_t len, enum mp_outcome *outcome)
{
	const struct fx_client submission = {
		"127.0.0.1", "ORIGINATING", "localhost", from
	};
	struct mp_plan_held held = { 0 };
	struct mp_envelope env;
	struct mp_plan p;
	enum mp_verdict v;

	fx_envelope(&env, s, &submission, &to, 1, msg, len);
	v = fx_decide(s, &env, &p, NULL);
	/* the milter's last step before its answer (callbacks.c): the
	 * sender's mark, which may turn the plan into a discard */
	if (v == MP_VERDICT_CONTINUE && mp_plan_last(&p) != MP_OK)
		v = p.verdict;
	*outcome = p.outcome;
	if (v == MP_VERDICT_CONTINUE)	/* sent on: signed */
		ck_assert_msg(fx_plan_hdr(&p, MP_HDR_INSERT0, "DKIM-Signature",
		    0) != NULL, "%s: not signed", mp_outcome_name(p.outcome));
	if (v == MP_VERDICT_CONTINUE || v == MP_VERDICT_DISCARD)
		mp_plan_hold(&p, &held);
	else
		mp_plan_rollback(&p);
	mp_plan_free(&p);
	mp_plan_settle(&held);
	return v;
}

/* "<a@b>" of "MAIL FROM:<a@b> ..." */
static void
path_of(const char *cmd, size_t len, char *out, size_t size)
{
	const char *lt = memchr(cmd, '<', len), *gt;

	out[0] = '\0';
	if (lt != NULL && (gt = memchr(lt, '>', len - (size_t)(lt - cmd))))
		snprintf(out, size, "%.*s", (int)(gt - lt + 1), lt);
}

/* The stub's answers (on its thread). */
static const char *
mta_reply(struct smtp_stub *st, const char *cmd, size_t len, int data)
{
	const char *a = "250 2.0.0 ok\r\n", *q, *e = cmd + len;
	struct got *g;
	size_t i;

	(void)st;
	if (!data) {
		if (strncasecmp(cmd, "EHLO", 4) == 0)
			return "250-stub.test\r\n250 8BITMIME\r\n";
		if (strncasecmp(cmd, "MAIL", 4) == 0)
			path_of(cmd, len, mta.from, sizeof(mta.from));
		if (strncasecmp(cmd, "RCPT", 4) == 0)
			path_of(cmd, len, mta.to, sizeof(mta.to));
		if (strncasecmp(cmd, "DATA", 4) == 0)
			return "354 go on\r\n";
		if (strncasecmp(cmd, "QUIT", 4) == 0)
			return "221 bye\r\n";
		return a;
	}
	pthread_mutex_lock(&mta.lock);
	if (mta.n == MSGS_MAX) {
		pthread_mutex_unlock(&mta.lock);
		return "452 4.3.1 the test's MTA is full\r\n";
	}
	g = &mta.msg[mta.n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->from, sizeof(g->from), "%s", mta.from);
	snprintf(g->to, sizeof(g->to), "%s", mta.to);
	/* undo the dot-stuffing: a line's leading dot was doubled */
	ck_assert_ptr_nonnull(g->data = malloc(len + 1));
	for (q = cmd, i = 0; q < e; q++) {
		if (*q == '.' && (q == cmd || q[-1] == '\n'))
			q++;
		g->data[i++] = *q;
	}
	g->data[i] = '\0';
	g->len = i;
	switch (mta.mode) {
	case MTA_TAKE:
		break;
	case MTA_LATER:
		a = "451 4.3.0 try again later\r\n";
		break;
	case MTA_REFUSE:
		a = "550 5.7.1 not from you\r\n";
		break;
	case MTA_MILTER:
		g->verdict = milter(mta.snap, g->from, g->to, g->data, g->len,
		    &g->outcome);
		a = g->verdict == MP_VERDICT_CONTINUE ||
		    g->verdict == MP_VERDICT_DISCARD ? "250 2.0.0 queued\r\n" :
		    g->verdict == MP_VERDICT_TEMPFAIL ? "451 4.3.0 milter\r\n" :
		    "550 5.7.1 milter\r\n";
		break;
	}
	pthread_mutex_unlock(&mta.lock);
	return a;
}

static void
mta_mode(enum mta_mode m, const struct mp_snapshot *s)
{
	pthread_mutex_lock(&mta.lock);
	mta.mode = m;
	mta.snap = s;
	pthread_mutex_unlock(&mta.lock);
}

static size_t
mta_count(void)
{
	size_t n;

	pthread_mutex_lock(&mta.lock);
	n = mta.n;
	pthread_mutex_unlock(&mta.lock);
	return n;
}

static void
stub_start(void)
{
	stub.greeting = "220 stub.test ESMTP\r\n";
	stub.reply = mta_reply;
	ck_assert_int_eq(smtp_stub_start(&stub), 0);
	stub_up = 1;
}

/* The MTA goes away: nothing listens on SubmitAddress. */
static void
stub_stop(void)
{
	smtp_stub_stop(&stub);
	stub_up = 0;
}

static void
write_conf(const char *name, const char *extra)
{
	fx_write(tmp, name, "IntakeAddress meldingen@meldpunt.test\n"
	    "Identity " IDENTITY " Meldpunt Test\n"
	    "ProtectedDomains meldpunt.test\nSigningDomain meldpunt.test\n"
	    "Ed25519Selector ed1\nEd25519KeyFile %s/sign.key\n"
	    "TrustedHosts 127.0.0.1\nSubmissionDaemons ORIGINATING\n"
	    "RoutingDB %s/routes.db\nTemplateDirectory %s/templates\n"
	    "StateDB %s/state.db\nDNSZoneFile %s/dns.zone\n"
	    "BounceAddress bounces@meldpunt.test\nBounceDelimiter +\n"
	    "ReplyAddress " HELPDESK "\n"
	    /* one connection: the stub sees the notifications in the order
	     * they were made (several are tested in test-submit) */
	    "SubmitAddress %s\nSubmitTimeout 5s\nSubmitConnections 1\n"
	    "AggregateDelay 15m\nNotifyInterval 1d\nMaxRowsPerNotice 100\n%s\n",
	    tmp, tmp, fx_srcdir(), tmp, tmp, stub.addr, extra ? extra : "");
}

static void
setup(void)
{
	char key[256];

	mp_check_tmpdir(tmp, sizeof(tmp), "test-sender");
	fx_routes(tmp, "routes", "organisation a\n    contact " A "\n"
	    "    language nl\n    network 10.0.0.0/16\n"
	    "organisation b\n    contact " B "\n    language en\n"
	    "    notifyinterval 1h\n    network 10.1.0.0/16\n");
	snprintf(key, sizeof(key), "%s/sign.key", tmp);
	fx_keygen(key);
	fx_write(tmp, "dns.zone", "%s", "");	/* no records */
	pthread_mutex_init(&mta.lock, NULL);
	mta.n = 0;
	mta.mode = MTA_TAKE;
	memset(&stub, 0, sizeof(stub));
	stub_start();
	write_conf("meldpunt.conf", NULL);
}

static void
teardown(void)
{
	size_t i;

	if (stub_up)
		stub_stop();
	smtp_stub_free(&stub);
	for (i = 0; i < mta.n; i++)
		free(mta.msg[i].data);
	mp_check_rmtree(tmp);
}

/*
 * A report `msg` that arrived at `at` with n rows for the group
 * (contact, TYPE, lang): one chunk, made visible and synced as intake
 * does. Row i is 10.<msg>.<i / 250>.<i % 250> port 123.
 */
static void
put_rows(struct mp_seen *seen, const char *contact, const char *lang,
    uint64_t msg, time_t at, unsigned n)
{
	static const char *const columns[] = { "ip", "port" };
	struct mp_pending_batch *b;
	struct mp_pending_feed f;
	struct mp_pending_row r;
	struct mp_error err;
	const char *cells[2];
	char ip[32];
	unsigned i;

	ck_assert_ptr_nonnull(b = mp_pending_batch_new());
	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(msg % 250),
		    i / 250, i % 250);
		cells[0] = ip;
		cells[1] = "123";
		memset(&r, 0, sizeof(r));
		r.contact = contact;
		r.type = TYPE;
		r.lang = lang;
		r.msg = msg;
		r.row = i + 2;
		r.seen = at - HOUR;
		r.received = at;
		r.ip = ip;
		r.port = 123;
		r.protocol = "udp";
		r.cells = cells;
		r.ncells = 2;
		ck_assert_int_eq(mp_pending_batch_add(seen, b, &r, &err), MP_OK);
	}
	ck_assert_int_eq(mp_pending_batch_flush(seen, b, &err), MP_OK);
	mp_pending_batch_free(&b);
	memset(&f, 0, sizeof(f));
	f.msg = msg;
	f.name = "scan_ntp";
	f.filename = "scan_ntp.csv";
	f.report_id = "feed-1";
	f.columns = columns;
	f.ncolumns = 2;
	ck_assert_int_eq(mp_pending_put_feed(seen, &f, &err), MP_OK);
	ck_assert_int_eq(mp_pending_put_msg(seen, msg, at, n, &err), MP_OK);
	ck_assert_int_eq(mp_seen_sync(seen, &err), MP_OK);
}

/* Pending rows of a contact's group (0: none). */
static size_t
pending_of(struct mp_seen *seen, const char *contact)
{
	struct mp_pending_group *g = NULL;
	struct mp_error err;
	size_t n = 0, i, rows = 0;

	ck_assert_int_eq(mp_pending_groups(seen, &g, &n, &err), MP_OK);
	for (i = 0; i < n; i++)
		if (strcmp(g[i].contact, contact) == 0)
			rows += g[i].rows;
	mp_pending_groups_free(&g, n);
	return rows;
}

/* The ids in the outbox; the first in *first (oldest). */
static size_t
outbox_count(struct mp_seen *seen, char *first)
{
	char (*ids)[MP_NOTICE_ID_MAX] = NULL;
	struct mp_error err;
	size_t n = 0;

	ck_assert_int_eq(mp_outbox_ids(seen, &ids, &n, &err), MP_OK);
	if (first != NULL)
		snprintf(first, MP_NOTICE_ID_MAX, "%s", n ? ids[0] : "");
	free(ids);
	return n;
}

static void
pass(const struct mp_snapshot *s, time_t now,
    const struct mp_sender_request *req, size_t nreq,
    struct mp_sender_tally *t)
{
	struct mp_error err;

	mp_error_clear(&err);
	ck_assert_msg(mp_sender_pass(s, now, req, nreq, NULL, NULL, t, &err)
	    == MP_OK, "%s", err.msg);
	(void)mta_count();	/* what the stub wrote is the test's to read */
}

/* A header field of a received message, unfolded (and its CRLF gone). */
static const char *
field(const struct got *g, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name), o = 0;
	const char *q = g->data, *nl;

	out[0] = '\0';
	for (; (nl = strstr(q, "\r\n")) != NULL && nl != q; q = nl + 2) {
		if (strncasecmp(q, name, nlen) != 0 || q[nlen] != ':')
			continue;
		for (q += nlen + 1; *q == ' ' || *q == '\t'; q++)
			;
		for (;;) {
			nl = strstr(q, "\r\n");
			while (q < nl && o + 1 < size)
				out[o++] = *q++;
			if (nl[2] != ' ' && nl[2] != '\t')
				break;
			q = nl + 2;
		}
		out[o] = '\0';
		return out;
	}
	return NULL;
}

/*
 * The CSV attachments of a received notification, decoded (base64 up to
 * the next boundary), into out: the rows it carries. Returns how many
 * rows (lines but the column names of each).
 */
static size_t
csv_of(const struct got *g, char *out, size_t size)
{
	static const char cte[] = "Content-Transfer-Encoding: base64\r\n";
	const char *q = g->data, *end;
	size_t len = 0, rows = 0, n;
	guchar *bin;
	gchar *b64;
	gsize blen;

	out[0] = '\0';
	while ((q = strstr(q, cte)) != NULL) {
		ck_assert_ptr_nonnull(q = strstr(q, "\r\n\r\n"));
		q += 4;
		ck_assert_ptr_nonnull(end = strstr(q, "\r\n--"));
		b64 = g_strndup(q, (gsize)(end - q));
		bin = g_base64_decode(b64, &blen);
		for (n = 0; n < blen; n++)
			rows += bin[n] == '\n';
		rows--;		/* the column names */
		n = blen < size - 1 - len ? blen : size - 1 - len;
		memcpy(out + len, bin, n);
		out[len += n] = '\0';
		g_free(bin);
		g_free(b64);
		q = end;
	}
	return rows;
}

/* A due group: sent once, chunks and outbox record gone, time noted. */
START_TEST(due_group_sent_once)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_tally t;
	struct mp_notice_rec *rec;
	char buf[1024], id[MP_NOTICE_ID_MAX], ticket[MP_TICKET_MAX], rp[512];
	struct mp_error err;
	const char *v;
	time_t last;

	put_rows(seen, A, "nl", 1, T0, 3);
	ck_assert_uint_eq(pending_of(seen, A), 3);
	/* within AggregateDelay: nothing made, nobody called */
	pass(s, T0 + 14 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	ck_assert_uint_eq(smtp_stub_conns(&stub), 0);
	ck_assert_uint_eq(pending_of(seen, A), 3);

	mta_mode(MTA_MILTER, s);
	pass(s, T0 + 15 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 1);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(t.rows, 3);
	ck_assert_uint_eq(t.deferred + t.refused, 0);
	ck_assert_uint_eq(mta_count(), 1);
	ck_assert_str_eq(mta.msg[0].to, "<" A ">");
	/* the milter signed it as the sender's, once */
	ck_assert_int_eq(mta.msg[0].verdict, MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(mta.msg[0].outcome), "sent");
	/* its chunks and its outbox record are gone, its time is noted */
	ck_assert_uint_eq(pending_of(seen, A), 0);
	ck_assert_uint_eq(outbox_count(seen, NULL), 0);
	ck_assert_int_eq(mp_outbox_last(seen, A, TYPE, "nl", &last, &err),
	    MP_FOUND);
	ck_assert_int_eq((long)last, (long)(T0 + 15 * MINUTE));

	/* the notice id, the return path tagged with it, the ticket */
	ck_assert_ptr_nonnull(v = field(&mta.msg[0], "X-Meldpunt-Id", buf,
	    sizeof(buf)));
	snprintf(id, sizeof(id), "%s", v);
	ck_assert_msg(strncmp(id, "MP-", 3) == 0, "%s", id);
	ck_assert_int_eq(mp_bounce_return_path("bounces@meldpunt.test", '+',
	    id, rp + 1, sizeof(rp) - 2), MP_OK);
	rp[0] = '<';
	strcat(rp, ">");
	ck_assert_str_eq(mta.msg[0].from, rp);
	ck_assert_ptr_nonnull(v = field(&mta.msg[0], "Subject", buf,
	    sizeof(buf)));
	ck_assert_msg(strncmp(v, "[Meldpunt #20270115-", 20) == 0, "%s", v);
	ck_assert(mp_ticket_scan(v, ticket));
	ck_assert_ptr_nonnull(v = field(&mta.msg[0], "Reply-To", buf,
	    sizeof(buf)));
	ck_assert_ptr_nonnull(strstr(v, HELPDESK));
	ck_assert_ptr_nonnull(v = field(&mta.msg[0], "To", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(strstr(v, A));
	/* the ticket's index and the notice record (bounces, replies) */
	ck_assert_int_eq(mp_ticket_find(seen, ticket, buf, sizeof(buf), &err),
	    MP_FOUND);
	ck_assert_str_eq(buf, id);
	ck_assert_ptr_nonnull(rec = malloc(sizeof(*rec)));
	ck_assert_int_eq(mp_notice_get(seen, id, rec, &err), MP_FOUND);
	ck_assert_str_eq(rec->type, "open-service");
	ck_assert_uint_eq(rec->ncontacts, 1);
	ck_assert_str_eq(rec->contact[0].addr, A);
	ck_assert_str_eq(rec->contact[0].matched, TYPE);
	ck_assert_int_eq((long)rec->at, (long)(T0 + 15 * MINUTE));
	ck_assert_str_eq(rec->source, "");	/* three rows: no one source */
	free(rec);

	/* sent once: the next passes have nothing to do */
	pass(s, T0 + 16 * MINUTE, NULL, 0, &t);
	pass(s, T0 + 2 * DAY, NULL, 0, &t);
	ck_assert_uint_eq(t.due + t.sent, 0);
	ck_assert_uint_eq(smtp_stub_conns(&stub), 1);
	ck_assert_uint_eq(mta_count(), 1);
	fx_release(s);
}
END_TEST

/* One row: the notice record names its incident (a bounce re-routes it). */
START_TEST(one_row_names_its_source)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_tally t;
	struct mp_notice_rec *rec;
	char buf[256];
	struct mp_error err;

	put_rows(seen, B, "en", 7, T0, 1);
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_ptr_nonnull(field(&mta.msg[0], "X-Meldpunt-Id", buf,
	    sizeof(buf)));
	ck_assert_ptr_nonnull(rec = malloc(sizeof(*rec)));
	ck_assert_int_eq(mp_notice_get(seen, buf, rec, &err), MP_FOUND);
	ck_assert_str_eq(rec->source, "10.7.0.0");
	ck_assert_str_eq(rec->contact[0].addr, B);
	free(rec);
	fx_release(s);
}
END_TEST

/*
 * A single report queued as a row (pendrow.h: a digest contact's, or a
 * bounced notice's incident) that names no IP address: the notice record
 * names it by its URL or AS number, as intake routed it, so that a bounce
 * of this notification can route it again (mp_pendrow_report).
 */
START_TEST(one_row_url_or_as)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_route_contact ca = { .address = A, .lang = MP_LANG_NL };
	struct mp_route_contact cb = { .address = B, .lang = MP_LANG_EN };
	const struct mp_route_contact *to[1];
	struct mp_pendrow how = { .msg = 11, .received = T0,
	    .reporter = "cert.example.com" };
	struct mp_sender_tally t;
	struct mp_notice_rec *rec;
	struct mp_report r, back;
	struct mp_error err;
	char buf[256], url[] = "https://shop.example.nl/login/verify";
	size_t i;

	memset(&r, 0, sizeof(r));
	r.type = MP_TYPE_PHISHING;
	r.url = url;
	to[0] = &ca;
	ck_assert_int_eq(mp_pendrow_record(seen, &r, to, 1, &how, &err), MP_OK);
	memset(&r, 0, sizeof(r));
	r.type = MP_TYPE_DDOS;
	r.asn = 64500;
	to[0] = &cb;
	how.msg = 12;
	ck_assert_int_eq(mp_pendrow_record(seen, &r, to, 1, &how, &err), MP_OK);
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 2);
	ck_assert_ptr_nonnull(rec = malloc(sizeof(*rec)));
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(field(&mta.msg[i], "X-Meldpunt-Id", buf,
		    sizeof(buf)));
		ck_assert_int_eq(mp_notice_get(seen, buf, rec, &err), MP_FOUND);
		mp_pendrow_report(rec->type, rec->source, &back);
		if (strcmp(mta.msg[i].to, "<" A ">") == 0) {
			ck_assert_str_eq(rec->type, "phishing");
			ck_assert_str_eq(rec->source, url);
			ck_assert_ptr_nonnull(back.url);
		} else {
			ck_assert_str_eq(rec->type, "ddos");
			ck_assert_str_eq(rec->source, "AS64500");
			ck_assert_uint_eq(back.asn, 64500);
		}
	}
	free(rec);
	fx_release(s);
}
END_TEST

/* AggregateDelay counts from the group's newest row. */
START_TEST(aggregate_delay_from_newest)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_tally t;

	put_rows(seen, A, "nl", 1, T0, 2);
	put_rows(seen, A, "nl", 2, T0 + 10 * MINUTE, 2);
	pass(s, T0 + 20 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	ck_assert_uint_eq(mta_count(), 0);
	pass(s, T0 + 25 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(t.rows, 4);		/* both reports, one notice */
	ck_assert_uint_eq(mta_count(), 1);
	ck_assert_uint_eq(pending_of(seen, A), 0);
	fx_release(s);
}
END_TEST

/*
 * NotifyInterval since the group's last notification (1d), or the
 * contact's own notifyinterval from the routing DB (B: 1h).
 */
START_TEST(notify_interval)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_tally t;
	time_t t1 = T0 + 15 * MINUTE;

	put_rows(seen, A, "nl", 1, T0, 1);
	put_rows(seen, B, "en", 2, T0, 1);
	pass(s, t1, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 2);
	/* new rows for both, past AggregateDelay */
	put_rows(seen, A, "nl", 3, t1 + MINUTE, 1);
	put_rows(seen, B, "en", 4, t1 + MINUTE, 1);
	pass(s, t1 + 30 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	/* an hour after B's last notification: B's, not A's */
	pass(s, t1 + HOUR - 1, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	pass(s, t1 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(mta_count(), 3);
	ck_assert_str_eq(mta.msg[2].to, "<" B ">");
	ck_assert_uint_eq(pending_of(seen, A), 1);
	ck_assert_uint_eq(pending_of(seen, B), 0);
	pass(s, t1 + DAY - 1, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	pass(s, t1 + DAY, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_str_eq(mta.msg[3].to, "<" A ">");
	ck_assert_uint_eq(pending_of(seen, A), 0);
	/* mp_sender_due says the same for meldpunt-queue list */
	ck_assert_int_eq((long)mp_sender_due(s->conf, 0, 1, t1, t1),
	    (long)(t1 + DAY));
	ck_assert_int_eq((long)mp_sender_due(s->conf, HOUR, 1, t1, t1),
	    (long)(t1 + HOUR));
	ck_assert_int_eq((long)mp_sender_due(s->conf, 0, 100, t1, t1), 0);
	fx_release(s);
}
END_TEST

/*
 * MaxRowsPerNotice (100): five reports of 50 rows are one group of 250,
 * due at once for its size; one pass makes two notifications of 100
 * (whole chunks), the last 50 wait for their time, or a request.
 */
START_TEST(max_rows_splits)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_request rq = { A, NULL, NULL };
	struct mp_sender_tally t;
	char a[128], b[128], *csv;
	uint64_t m;

	ck_assert_ptr_nonnull(csv = malloc(65536));
	for (m = 1; m <= 5; m++)
		put_rows(seen, A, "nl", m, T0 + (time_t)m, 50);
	ck_assert_uint_eq(pending_of(seen, A), 250);
	pass(s, T0 + 10, NULL, 0, &t);	/* before AggregateDelay */
	ck_assert_uint_eq(t.due, 1);
	ck_assert_uint_eq(t.sent, 2);
	ck_assert_uint_eq(t.rows, 200);
	ck_assert_uint_eq(mta_count(), 2);
	ck_assert_uint_eq(pending_of(seen, A), 50);
	ck_assert_str_ne(field(&mta.msg[0], "X-Meldpunt-Id", a, sizeof(a)),
	    field(&mta.msg[1], "X-Meldpunt-Id", b, sizeof(b)));
	ck_assert_str_ne(field(&mta.msg[0], "Subject", a, sizeof(a)),
	    field(&mta.msg[1], "Subject", b, sizeof(b)));	/* a ticket each */
	/* the oldest rows first: reports 1 and 2, then 3 and 4 */
	ck_assert_uint_eq(csv_of(&mta.msg[0], csv, 65536), 100);
	ck_assert_ptr_nonnull(strstr(csv, "10.1.0.0,123\r\n"));
	ck_assert_ptr_nonnull(strstr(csv, "10.2.0.49,123\r\n"));
	ck_assert_ptr_null(strstr(csv, "10.3.0."));
	ck_assert_uint_eq(csv_of(&mta.msg[1], csv, 65536), 100);
	ck_assert_ptr_nonnull(strstr(csv, "10.3.0.0,123\r\n"));
	ck_assert_ptr_nonnull(strstr(csv, "10.4.0.49,123\r\n"));
	ck_assert_ptr_null(strstr(csv, "10.5.0."));
	/* the rest: its NotifyInterval, unless asked for */
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.due, 0);
	pass(s, T0 + HOUR, &rq, 1, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(t.rows, 50);
	ck_assert_uint_eq(csv_of(&mta.msg[2], csv, 65536), 50);
	ck_assert_ptr_nonnull(strstr(csv, "10.5.0.49,123\r\n"));
	ck_assert_uint_eq(pending_of(seen, A), 0);
	free(csv);
	fx_release(s);
}
END_TEST

/*
 * 4xx, then no server at all: what was made stays in the outbox with its
 * attempts counted, nothing new is made meanwhile; once the MTA takes
 * mail again the same bytes go. A batch is recorded before any of it is
 * submitted, so both groups' notifications are made in the first pass:
 * the one the MTA saw is deferred, the other not tried.
 */
START_TEST(deferred_same_bytes)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_tally t;
	struct mp_outbox_item it;
	struct mp_error err;
	char id[MP_NOTICE_ID_MAX], buf[256];
	const char *to_a, *to_b;
	char *first;
	size_t first_len, i, again = 0;

	put_rows(seen, A, "nl", 1, T0, 3);
	put_rows(seen, B, "en", 2, T0, 2);
	mta_mode(MTA_LATER, NULL);
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 0);
	ck_assert_uint_eq(t.deferred, 2);
	ck_assert_uint_eq(mta_count(), 1);
	ck_assert_uint_eq(outbox_count(seen, NULL), 2);
	ck_assert_ptr_nonnull(field(&mta.msg[0], "X-Meldpunt-Id", id, sizeof(id)));
	ck_assert_int_eq(mp_outbox_get(seen, id, &it, &err), MP_FOUND);
	ck_assert_uint_eq(it.attempts, 1);
	ck_assert_int_eq(it.failed, 0);
	ck_assert_ptr_nonnull(strstr(it.reply, "451 4.3.0"));
	/* what the MTA saw is what the outbox holds */
	ck_assert_uint_eq(mta.msg[0].len, it.message_len);
	ck_assert(memcmp(mta.msg[0].data, it.message, it.message_len) == 0);
	mp_outbox_item_free(&it);
	/* the rows stay pending until the MTA has them */
	ck_assert_uint_eq(pending_of(seen, A), 3);
	ck_assert_uint_eq(pending_of(seen, B), 2);
	first = mta.msg[0].data;
	first_len = mta.msg[0].len;

	/* nobody listening: nothing sent, nothing new made */
	stub_stop();
	pass(s, T0 + HOUR + MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 0);
	ck_assert_uint_ge(t.deferred, 1);
	ck_assert_uint_eq(outbox_count(seen, NULL), 2);
	ck_assert_int_eq(mp_outbox_get(seen, id, &it, &err), MP_FOUND);
	ck_assert_uint_ge(it.attempts, 1);
	mp_outbox_item_free(&it);

	/* back, and the milter behind it: the same bytes go, both sent */
	stub_start();
	mta_mode(MTA_MILTER, s);
	pass(s, T0 + HOUR + 2 * MINUTE, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 2);
	ck_assert_uint_eq(t.deferred, 0);
	ck_assert_uint_eq(mta_count(), 3);
	to_a = to_b = NULL;
	for (i = 1; i < 3; i++) {
		ck_assert_str_eq(mp_outcome_name(mta.msg[i].outcome), "sent");
		if (strcmp(mta.msg[i].to, "<" A ">") == 0)
			to_a = mta.msg[i].to;
		if (strcmp(mta.msg[i].to, "<" B ">") == 0)
			to_b = mta.msg[i].to;
		if (strcmp(field(&mta.msg[i], "X-Meldpunt-Id", buf,
		    sizeof(buf)), id) == 0) {
			again++;
			ck_assert_uint_eq(mta.msg[i].len, first_len);
			ck_assert(memcmp(mta.msg[i].data, first, first_len) == 0);
		}
	}
	ck_assert_ptr_nonnull(to_a);
	ck_assert_ptr_nonnull(to_b);
	ck_assert_uint_eq(again, 1);
	ck_assert_uint_eq(outbox_count(seen, NULL), 0);
	ck_assert_uint_eq(pending_of(seen, A) + pending_of(seen, B), 0);
	fx_release(s);
}
END_TEST

/*
 * 5xx: refused for good, kept and marked; the next passes neither submit
 * it again nor send its rows in another notification, until a request
 * names its group. Rows that come later go in a notification of their
 * own.
 */
START_TEST(refused_until_asked)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_sender_request other = { B, NULL, NULL };
	struct mp_sender_request mine = { A, TYPE, "nl" };
	struct mp_sender_tally t;
	struct mp_outbox_item it;
	struct mp_error err;
	char id[MP_NOTICE_ID_MAX], csv[4096];

	put_rows(seen, A, "nl", 1, T0, 3);
	mta_mode(MTA_REFUSE, NULL);
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(t.refused, 1);
	ck_assert_uint_eq(t.sent, 0);
	ck_assert_uint_eq(outbox_count(seen, id), 1);
	ck_assert_int_eq(mp_outbox_get(seen, id, &it, &err), MP_FOUND);
	ck_assert_int_eq(it.failed, 1);
	ck_assert_uint_eq(it.attempts, 1);
	ck_assert_ptr_nonnull(strstr(it.reply, "550 5.7.1"));
	mp_outbox_item_free(&it);

	/* the MTA would take mail now: still not tried, its rows not sent */
	mta_mode(MTA_TAKE, NULL);
	pass(s, T0 + 2 * HOUR, NULL, 0, &t);
	pass(s, T0 + 3 * DAY, &other, 1, &t);
	ck_assert_uint_eq(t.sent, 0);
	ck_assert_uint_eq(mta_count(), 1);
	ck_assert_uint_eq(outbox_count(seen, NULL), 1);

	/* a later report for the group: its own notification, those rows */
	put_rows(seen, A, "nl", 2, T0 + 3 * DAY, 2);
	pass(s, T0 + 4 * DAY, NULL, 0, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(t.rows, 2);
	ck_assert_uint_eq(mta_count(), 2);
	ck_assert_uint_eq(csv_of(&mta.msg[1], csv, sizeof(csv)), 2);
	ck_assert_ptr_nonnull(strstr(csv, "10.2.0.1,123\r\n"));
	ck_assert_uint_eq(outbox_count(seen, NULL), 1);

	/* asked for: the same bytes again */
	pass(s, T0 + 4 * DAY + MINUTE, &mine, 1, &t);
	ck_assert_uint_eq(t.sent, 1);
	ck_assert_uint_eq(t.rows, 3);
	ck_assert_uint_eq(mta_count(), 3);
	ck_assert_uint_eq(mta.msg[2].len, mta.msg[0].len);
	ck_assert(memcmp(mta.msg[2].data, mta.msg[0].data, mta.msg[0].len)
	    == 0);
	ck_assert_uint_eq(outbox_count(seen, NULL), 0);
	ck_assert_uint_eq(pending_of(seen, A), 0);
	fx_release(s);
}
END_TEST

/*
 * A pass that stopped after recording a notification in the outbox (here
 * put by hand, covering A's chunk) and before the MTA answered: the MTA
 * had taken it (the milter signed it: "sent"). The next pass submits it
 * first, before B's new one; the milter discards the copy
 * ("discarded:repeat"), the MTA answers 250, and the sender completes.
 */
START_TEST(crashed_pass_first)
{
	struct mp_snapshot *s = fx_snapshot(tmp, "meldpunt.conf");
	struct mp_seen *seen = fx_seen(s);
	struct mp_pending_group *g = NULL;
	struct mp_sender_tally t;
	struct mp_outbox_item it;
	struct mp_error err;
	struct mp_buf msg;
	enum mp_outcome o;
	char buf[MP_NOTICE_ADDR_MAX + 4];
	size_t n = 0, i, j;

	put_rows(seen, A, "nl", 1, T0, 3);
	put_rows(seen, B, "en", 2, T0, 2);
	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(mp_notify_new_id(it.id, sizeof(it.id), &err), MP_OK);
	ck_assert_int_eq(mp_ticket_next(seen, T0, it.ticket, &err), MP_OK);
	snprintf(it.contact, sizeof(it.contact), A);
	snprintf(it.type, sizeof(it.type), TYPE);
	snprintf(it.lang, sizeof(it.lang), "nl");
	ck_assert_int_eq(mp_bounce_return_path("bounces@meldpunt.test", '+',
	    it.id, it.sender, sizeof(it.sender)), MP_OK);
	it.made = T0 + 20 * MINUTE;
	it.rows = 3;
	ck_assert_int_eq(mp_pending_groups(seen, &g, &n, &err), MP_OK);
	for (i = 0; i < n; i++)
		for (j = 0; strcmp(g[i].contact, A) == 0 && j < g[i].nchunks;
		    j++)
			ck_assert_int_eq(mp_outbox_add_key(&it, g[i].chunks[j].key,
			    g[i].chunks[j].klen), MP_OK);
	mp_pending_groups_free(&g, n);
	ck_assert_uint_gt(it.keys_len, 0);
	mp_buf_init(&msg, 0);
	mp_buf_printf(&msg, "From: Meldpunt Test <" IDENTITY ">\r\n"
	    "To: " A "\r\nSubject: [Meldpunt #%s] open NTP servers\r\n"
	    "Date: Fri, 15 Jan 2027 08:20:00 +0000\r\n"
	    "Message-ID: <%s@meldpunt.test>\r\nX-Meldpunt-Id: %s\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "\r\n.three rows (a leading dot)\r\n", it.ticket, it.id, it.id);
	it.message = msg.data;
	it.message_len = msg.len;
	ck_assert_int_eq(mp_outbox_put(seen, &it, &err), MP_OK);
	ck_assert_int_eq(mp_seen_sync(seen, &err), MP_OK);
	it.message = NULL;	/* msg's */
	mp_outbox_item_free(&it);
	/* the MTA took it before the stop: the milter signed it then */
	snprintf(buf, sizeof(buf), "<%s>", it.sender);
	ck_assert_int_eq(milter(s, buf, "<" A ">", msg.data, msg.len, &o),
	    MP_VERDICT_CONTINUE);
	ck_assert_str_eq(mp_outcome_name(o), "sent");

	mta_mode(MTA_MILTER, s);
	pass(s, T0 + HOUR, NULL, 0, &t);
	ck_assert_uint_eq(mta_count(), 2);
	/* first the outbox: the same bytes, discarded as a repeat */
	ck_assert_uint_eq(mta.msg[0].len, msg.len);
	ck_assert(memcmp(mta.msg[0].data, msg.data, msg.len) == 0);
	ck_assert_str_eq(mta.msg[0].from, buf);
	ck_assert_int_eq(mta.msg[0].verdict, MP_VERDICT_DISCARD);
	ck_assert_str_eq(mp_outcome_name(mta.msg[0].outcome),
	    "discarded:repeat");
	/* then B's, new */
	ck_assert_str_eq(mta.msg[1].to, "<" B ">");
	ck_assert_str_eq(mp_outcome_name(mta.msg[1].outcome), "sent");
	ck_assert_uint_eq(t.sent, 2);
	ck_assert_uint_eq(t.rows, 5);
	/* done: A's rows are not made into another notification */
	ck_assert_uint_eq(outbox_count(seen, NULL), 0);
	ck_assert_uint_eq(pending_of(seen, A) + pending_of(seen, B), 0);
	pass(s, T0 + 3 * DAY, NULL, 0, &t);
	ck_assert_uint_eq(mta_count(), 2);
	mp_buf_free(&msg);
	fx_release(s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sender");
	TCase *tc = tcase_create("sender");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, due_group_sent_once);
	tcase_add_test(tc, one_row_names_its_source);
	tcase_add_test(tc, one_row_url_or_as);
	tcase_add_test(tc, aggregate_delay_from_newest);
	tcase_add_test(tc, notify_interval);
	tcase_add_test(tc, max_rows_splits);
	tcase_add_test(tc, deferred_same_bytes);
	tcase_add_test(tc, refused_until_asked);
	tcase_add_test(tc, crashed_pass_first);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_mime_init();
	return mp_check_run(suite());
}
