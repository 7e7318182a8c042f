/*
 * Unit tests for lib/report/feed*: Shadowserver file names and aliases,
 * columns by name, every hostile CSV and zip case of feed.h's LIMITS,
 * the defang helper, generic lists, and whole messages (a Shadowserver
 * mail, a digest, a link-only report, the single-incident path).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "check_tap.h"
#include "feed.h"
#include "message.h"
#include "report.h"

static const char ss_head[] =
    "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\","
    "\"asn\",\"geo\",\"severity\"\n";

static struct mp_feed *
ss(const char *name, const char *csv, const struct mp_feed_limits *lim,
    int want)
{
	struct mp_feed *f = NULL;
	struct mp_error err;
	int rc;

	mp_error_clear(&err);
	rc = mp_feed_parse_shadowserver(name, csv, strlen(csv), lim, &f, &err);
	ck_assert_msg(rc == want, "rc %d, want %d: %s", rc, want, err.msg);
	if (f != NULL)
		ck_assert_uint_eq(f->nvalid + f->ninvalid, f->nrows);
	return f;
}

static void
row_invalid(const struct mp_feed *f, size_t i, const char *reason)
{
	ck_assert_uint_gt(f->nrows, i);
	ck_assert_int_eq(f->rows[i].state, MP_ROW_INVALID);
	ck_assert_msg(strstr(f->rows[i].reason, reason) != NULL,
	    "row %zu: \"%s\" lacks \"%s\"", i + 1, f->rows[i].reason, reason);
}

START_TEST(filenames)
{
	char t[64];
	time_t d;
	const struct mp_shadowserver_type *e;

	ck_assert(mp_shadowserver_filename("2019-10-15-scan_rsync-sample-asn.csv",
	    t, sizeof(t), &d));
	ck_assert_str_eq(t, "scan_rsync");
	ck_assert_int_eq(d, 1571097600);
	ck_assert(mp_shadowserver_filename(
	    "2015-01-01-dns_openresolver-sample-asn.csv.zip", t, sizeof(t), &d));
	ck_assert_str_eq(t, "dns_openresolver");
	ck_assert(!mp_shadowserver_filename("report.csv", t, sizeof(t), &d));
	ck_assert(!mp_shadowserver_filename("2019-10-15-scan_x.txt", t,
	    sizeof(t), &d));
	ck_assert(!mp_shadowserver_filename("2019-1x-15-scan_x-a-b.csv", t,
	    sizeof(t), &d));
	ck_assert(!mp_shadowserver_filename("2019-10-15-../x-a-b.csv", t,
	    sizeof(t), &d));
	e = mp_shadowserver_lookup("dns_openresolver");
	ck_assert_str_eq(e->name, "scan_dns");
	ck_assert_int_eq(e->type, MP_TYPE_OPEN_SERVICE);
	e = mp_shadowserver_lookup("sinkhole_http_drone");
	ck_assert_str_eq(e->name, "event4_sinkhole_http");
	ck_assert_int_eq(e->type, MP_TYPE_MALWARE);
	ck_assert_int_eq(mp_shadowserver_lookup("scan_http_vulnerable")->type,
	    MP_TYPE_VULNERABLE_SERVICE);
	ck_assert_int_eq(mp_shadowserver_lookup("event4_honeypot_brute_force")
	    ->type, MP_TYPE_LOGIN_ATTACK);
	ck_assert_int_eq(mp_shadowserver_lookup("compromised_website")->type,
	    MP_TYPE_COMPROMISED_WEBSITE);
	ck_assert_ptr_nonnull(mp_shadowserver_lookup("blocklist"));
	ck_assert_ptr_nonnull(mp_shadowserver_lookup("device_id"));
	ck_assert_ptr_nonnull(mp_shadowserver_lookup("special"));
	ck_assert_ptr_null(mp_shadowserver_lookup("scan_nothing"));
}
END_TEST

/* Every alias points at a canonical type of the same report type. */
START_TEST(alias_table)
{
	const struct mp_shadowserver_type *t, *c;
	size_t i;

	for (i = 0; (t = mp_shadowserver_type_row(i)) != NULL; i++) {
		if (t->alias_of == NULL)
			continue;
		c = mp_shadowserver_lookup(t->alias_of);
		ck_assert_ptr_nonnull(c);
		ck_assert_ptr_null(c->alias_of);
		ck_assert_int_eq(c->type, t->type);
	}
	ck_assert_uint_gt(i, 100);
}
END_TEST

START_TEST(by_name_not_position)
{
	struct mp_feed *a, *b;

	a = ss("2024-01-02-scan_ntp-org-asn.csv",
	    "timestamp,ip,port,asn,protocol\n"
	    "2024-01-02 03:04:05,192.0.2.1,123,64500,udp\n", NULL, MP_OK);
	b = ss("2024-01-02-scan_ntp-org-asn.csv",
	    "extra,protocol,asn,ip,timestamp,port\n"
	    "x,udp,AS64500,192.0.2.1,2024-01-02T03:04:05Z,123\n", NULL, MP_OK);
	ck_assert_str_eq(a->rows[0].r.source_ip, b->rows[0].r.source_ip);
	ck_assert_int_eq(a->rows[0].r.source_port, 123);
	ck_assert_int_eq(b->rows[0].r.service_port, 123);
	ck_assert_uint_eq(a->rows[0].r.asn, 64500);
	ck_assert_uint_eq(b->rows[0].r.asn, 64500);
	ck_assert_int_eq(a->rows[0].r.first_seen, 1704164645);
	ck_assert_int_eq(b->rows[0].r.first_seen, 1704164645);
	ck_assert_str_eq(b->rows[0].protocol, "udp");
	ck_assert_str_eq(b->rows[0].r.service, "ntp");
	ck_assert_str_eq(mp_feed_cell(&b->rows[0], 0), "x");
	ck_assert_int_eq(mp_feed_column(b, "IP"), 3);
	mp_feed_free(&a);
	mp_feed_free(&b);
}
END_TEST

START_TEST(event_columns)
{
	struct mp_feed *f;

	f = ss("2024-01-02-event4_sinkhole-org-asn.csv",
	    "timestamp,src_ip,src_port,src_asn,dst_ip,infection,tag\n"
	    "2024-01-02 00:00:00,2001:DB8::1,4444,64501,198.51.100.1,mirai,"
	    "mirai;CVE-2017-17215\n", NULL, MP_OK);
	ck_assert_str_eq(f->rows[0].r.source_ip, "2001:db8::1");
	ck_assert_int_eq(f->rows[0].r.source_port, 4444);
	ck_assert_uint_eq(f->rows[0].r.asn, 64501);
	ck_assert_str_eq(f->rows[0].r.type_detail, "event4_sinkhole: mirai");
	ck_assert_str_eq(f->rows[0].cves, "CVE-2017-17215");
	ck_assert_int_eq(f->rows[0].r.type, MP_TYPE_MALWARE);
	mp_feed_free(&f);
}
END_TEST

START_TEST(tags_and_cves)
{
	struct mp_feed *f;
	char csv[512];

	snprintf(csv, sizeof(csv), "%s%s", ss_head,
	    "2024-01-02 00:00:00,192.0.2.9,tcp,443,h.example.NL,"
	    "\"cve-2023-4966 ; citrix,netscaler;CVE-2023-3519\",64500,NL,"
	    "critical\n");
	f = ss("2024-01-02-scan_http_vulnerable-org-asn.csv", csv, NULL, MP_OK);
	ck_assert_str_eq(f->rows[0].tags,
	    "cve-2023-4966,citrix,netscaler,CVE-2023-3519");
	ck_assert_str_eq(f->rows[0].cves, "CVE-2023-4966,CVE-2023-3519");
	ck_assert_str_eq(f->rows[0].severity, "critical");
	ck_assert_str_eq(f->rows[0].r.domain, "h.example.nl");
	ck_assert_int_eq(f->rows[0].r.type, MP_TYPE_VULNERABLE_SERVICE);
	mp_feed_free(&f);
}
END_TEST

START_TEST(bom_crlf_quotes)
{
	struct mp_feed *f;

	f = ss("2024-01-02-scan_ssh-org-asn.csv",
	    "\xef\xbb\xbf\"ip\",\"note\"\r\n"
	    "192.0.2.1,\"a, b\"\r\n"
	    "192.0.2.2,\"say \"\"hi\"\"\"\r\n"
	    "192.0.2.3,\"two\r\nlines\"\r\n"
	    "192.0.2.4,\"stray \"quote\" inside\"\r\n"
	    "\r\n"
	    "192.0.2.5,last", NULL, MP_OK);
	ck_assert_str_eq(f->columns[0], "ip");
	ck_assert_uint_eq(f->nrows, 5);
	ck_assert_str_eq(mp_feed_cell(&f->rows[0], 1), "a, b");
	ck_assert_str_eq(mp_feed_cell(&f->rows[1], 1), "say \"hi\"");
	ck_assert_str_eq(mp_feed_cell(&f->rows[2], 1), "two\r\nlines");
	ck_assert_str_eq(f->rows[4].r.source_ip, "192.0.2.5");
	/* The stray quotes: a row all the same, valid or not, never lost. */
	ck_assert_str_eq(f->rows[3].r.source_ip, "192.0.2.4");
	ck_assert_uint_eq(f->nvalid, 5);
	mp_feed_free(&f);
}
END_TEST

START_TEST(header_repeated_and_duplicates)
{
	struct mp_feed *f;

	f = ss("2024-01-02-scan_ssh-org-asn.csv",
	    "ip,port\n192.0.2.1,22\n\"ip\",\"port\"\n192.0.2.2,22\n"
	    "192.0.2.1,22\n192.0.2.1,2222\n", NULL, MP_OK);
	ck_assert_uint_eq(f->nrows, 5);
	row_invalid(f, 1, "header repeated");
	row_invalid(f, 3, "duplicate of row 1");
	ck_assert_int_eq(f->rows[4].state, MP_ROW_VALID);
	ck_assert_uint_eq(f->nvalid, 3);
	ck_assert_uint_eq(f->ninvalid, 2);
	mp_feed_free(&f);
}
END_TEST

START_TEST(bad_values)
{
	struct mp_feed *f;

	f = ss("2024-01-02-scan_ssh-org-asn.csv",
	    "ip,port,asn,timestamp\n"
	    ",22,1,\n"
	    "192.0.2.300,22,1,\n"
	    "192.0.2.1,65536,1,\n"
	    "192.0.2.1,22,AS-x,\n"
	    "192.0.2.1,22,1,yesterday\n"
	    "192.0.2.1,22\n"
	    "192.0.2.1,22,1,2024-01-02 00:00:00,extra\n"
	    "192.0.2.1,-,-,-\n", NULL, MP_OK);
	ck_assert_uint_eq(f->nrows, 8);
	row_invalid(f, 0, "ip is empty");
	row_invalid(f, 1, "ip is not an address: \"192.0.2.300\"");
	row_invalid(f, 2, "port is not a port number: \"65536\"");
	row_invalid(f, 3, "asn is not an AS number");
	row_invalid(f, 4, "timestamp is not a date: \"yesterday\"");
	row_invalid(f, 5, "2 columns, the header has 4");
	row_invalid(f, 6, "5 columns, the header has 4");
	ck_assert_int_eq(f->rows[7].state, MP_ROW_VALID);
	ck_assert_int_eq(f->rows[7].r.source_port, 0);
	mp_feed_free(&f);
	/* A NUL byte inside a cell (found by fuzz-csv): the row keeps its
	 * cells apart, is invalid, and the next row is unharmed. */
	{
		static const char csv[] = "ip,a\n192.0.2.1,x\0y\n192.0.2.2,z\n";
		struct mp_error err;

		f = NULL;
		ck_assert_int_eq(mp_feed_parse_shadowserver(
		    "2024-01-02-scan_ssh-org-asn.csv", csv, sizeof(csv) - 1,
		    NULL, &f, &err), MP_OK);
		ck_assert_uint_eq(f->nrows, 2);
		row_invalid(f, 0, "NUL byte");
		ck_assert_str_eq(mp_feed_cell(&f->rows[0], 1), "x?y");
		ck_assert_int_eq(f->rows[1].state, MP_ROW_VALID);
		ck_assert_str_eq(mp_feed_cell(&f->rows[1], 1), "z");
		mp_feed_free(&f);
	}
}
END_TEST

START_TEST(limits)
{
	struct mp_feed_limits lim;
	struct mp_feed *f;
	char big[300];

	mp_feed_limits_default(&lim);
	lim.max_bytes = 20;
	ss("2024-01-02-scan_ssh-org-asn.csv", "ip\n192.0.2.1\n192.0.2.2\n",
	    &lim, MP_ELIMIT);
	mp_feed_limits_default(&lim);
	lim.max_rows = 2;
	ss("2024-01-02-scan_ssh-org-asn.csv", "ip\n192.0.2.1\n192.0.2.2\n"
	    "192.0.2.3\n", &lim, MP_ELIMIT);
	mp_feed_limits_default(&lim);
	lim.max_columns = 2;
	ss("2024-01-02-scan_ssh-org-asn.csv", "ip,a,b\n192.0.2.1,1,2\n", &lim,
	    MP_ELIMIT);
	f = ss("2024-01-02-scan_ssh-org-asn.csv", "ip,a\n192.0.2.1,1,2,3,4\n",
	    &lim, MP_OK);
	row_invalid(f, 0, "columns, the header has 2");
	mp_feed_free(&f);
	mp_feed_limits_default(&lim);
	lim.max_field = 100;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char csv[400];

		snprintf(csv, sizeof(csv), "ip,a\n192.0.2.1,%s\n192.0.2.2,y\n",
		    big);
		f = ss("2024-01-02-scan_ssh-org-asn.csv", csv, &lim, MP_OK);
	}
	row_invalid(f, 0, "a cell of 299 bytes (limit 100)");
	ck_assert_uint_le(strlen(mp_feed_cell(&f->rows[0], 1)), 100);
	ck_assert_int_eq(f->rows[1].state, MP_ROW_VALID);
	mp_feed_free(&f);
	/* No header, no ip column, a name that is no Shadowserver name. */
	ss("2024-01-02-scan_ssh-org-asn.csv", "", NULL, MP_EINPUT);
	ss("2024-01-02-scan_ssh-org-asn.csv", "host,port\na,1\n", NULL,
	    MP_EINPUT);
	ss("scan_ssh.csv", "ip\n192.0.2.1\n", NULL, MP_EINPUT);
}
END_TEST

START_TEST(defang)
{
	char b[128];

	ck_assert_str_eq(mp_feed_defang("=HYPERLINK(\"x\")", b, sizeof(b)),
	    "'=HYPERLINK(\"x\")");
	ck_assert_str_eq(mp_feed_defang("+1+cmd", b, sizeof(b)), "'+1+cmd");
	ck_assert_str_eq(mp_feed_defang("-2+3", b, sizeof(b)), "'-2+3");
	ck_assert_str_eq(mp_feed_defang("@SUM(A1)", b, sizeof(b)), "'@SUM(A1)");
	ck_assert_str_eq(mp_feed_defang("-22.776", b, sizeof(b)), "-22.776");
	ck_assert_str_eq(mp_feed_defang("+31", b, sizeof(b)), "+31");
	ck_assert_str_eq(mp_feed_defang("a\r\nBcc: victim@example.org\r\n\r\n"
	    "body", b, sizeof(b)), "a Bcc: victim@example.org body");
	ck_assert_str_eq(mp_feed_defang("\tx\x01y\x7f", b, sizeof(b)), "x y");
	ck_assert_str_eq(mp_feed_defang("caf\xc3\xa9 \xff", b, sizeof(b)),
	    "caf\xc3\xa9 ?");
	ck_assert_str_eq(mp_feed_defang("abcdef", b, 4), "abc");
	/* Found by fuzz-csv: the prefix after leading blanks and CR/LF. */
	ck_assert_str_eq(mp_feed_defang("\r\n =,@x\r\n", b, sizeof(b)),
	    "'=,@x");
	ck_assert_str_eq(mp_feed_defang("\t-1", b, sizeof(b)), "-1");
	ck_assert_str_eq(mp_feed_defang(NULL, b, sizeof(b)), "");
}
END_TEST

/* ---- zip ---- */

struct zfile {
	const char *name;
	const void *data;
	size_t len;
};

static unsigned char *
mkzip(const struct zfile *fs, size_t n, size_t *len)
{
	zip_error_t ze;
	zip_source_t *src, *fsrc;
	zip_stat_t st;
	zip_t *z;
	unsigned char *out;
	size_t i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	ck_assert_ptr_nonnull(src);
	zip_source_keep(src);
	z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	ck_assert_ptr_nonnull(z);
	for (i = 0; i < n; i++) {
		fsrc = zip_source_buffer(z, fs[i].data, fs[i].len, 0);
		ck_assert_ptr_nonnull(fsrc);
		ck_assert_int_ge(zip_file_add(z, fs[i].name, fsrc, 0), 0);
	}
	ck_assert_int_eq(zip_close(z), 0);
	ck_assert_int_eq(zip_source_stat(src, &st), 0);
	*len = (size_t)st.size;
	out = malloc(*len);
	ck_assert_int_eq(zip_source_open(src), 0);
	ck_assert_int_eq(zip_source_read(src, out, *len), (zip_int64_t)*len);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

static int
zip_rc(const struct zfile *fs, size_t n, const struct mp_feed_limits *lim,
    const char *want)
{
	struct mp_zip_entry *es = NULL;
	struct mp_error err;
	unsigned char *z;
	size_t len, ne;
	int rc;

	z = mkzip(fs, n, &len);
	mp_error_clear(&err);
	rc = mp_zip_read(z, len, lim, &es, &ne, &err);
	if (want != NULL)
		ck_assert_msg(strstr(err.msg, want) != NULL, "\"%s\" lacks "
		    "\"%s\"", err.msg, want);
	mp_zip_entries_free(es, rc == MP_OK ? ne : 0);
	free(z);
	return rc;
}

START_TEST(zip_ok_and_feed)
{
	static const char csv[] = "ip,port\n192.0.2.1,22\n";
	struct zfile zf = { "2024-01-02-scan_ssh-org-asn.csv", csv, sizeof(csv) - 1 };
	struct mp_feed *f = NULL;
	struct mp_error err;
	unsigned char *z;
	size_t len;

	z = mkzip(&zf, 1, &len);
	ck_assert_int_eq(mp_feed_parse_shadowserver(
	    "2024-01-02-scan_ssh-org-asn.csv.zip", z, len, NULL, &f, &err), MP_OK);
	ck_assert_str_eq(f->entry, "2024-01-02-scan_ssh-org-asn.csv");
	ck_assert_uint_eq(f->nvalid, 1);
	mp_feed_free(&f);
	/* Corrupt it: refused, not crashed. */
	z[len / 2] ^= 0x55;
	z[len / 2 + 1] ^= 0x55;
	(void)mp_feed_parse_shadowserver("2024-01-02-scan_ssh-org-asn.csv.zip",
	    z, len, NULL, &f, &err);
	mp_feed_free(&f);
	ck_assert_int_eq(mp_feed_parse_shadowserver(
	    "2024-01-02-scan_ssh-org-asn.csv.zip", "PK\003\004junk", 10, NULL,
	    &f, &err), MP_EINPUT);
	free(z);
}
END_TEST

START_TEST(zip_hostile)
{
	static const char csv[] = "ip\n192.0.2.1\n";
	struct mp_feed_limits lim;
	struct zfile zf[3] = {
		{ "a.csv", csv, sizeof(csv) - 1 },
		{ "b.csv", csv, sizeof(csv) - 1 },
		{ "c.csv", csv, sizeof(csv) - 1 },
	};
	struct zfile bad;
	char *zeros;
	size_t zl = 4u * 1024 * 1024;

	mp_feed_limits_default(&lim);
	ck_assert_int_eq(zip_rc(zf, 3, NULL, NULL), MP_OK);
	lim.max_zip_entries = 2;
	ck_assert_int_eq(zip_rc(zf, 3, &lim, "3 entries, more than 2"),
	    MP_ELIMIT);
	bad = zf[0];
	bad.name = "../../etc/cron.d/x.csv";
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "has a path"), MP_EINPUT);
	bad.name = "dir/x.csv";
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "has a path"), MP_EINPUT);
	bad.name = "/abs.csv";
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "has a path"), MP_EINPUT);
	bad.name = "C:\\x.csv";
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "has a path"), MP_EINPUT);
	bad.name = "x.exe";
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "not a .csv"), MP_EINPUT);
	/* A bomb: 4 MiB of one byte compresses about 1000 times. */
	zeros = malloc(zl);
	memset(zeros, ',', zl);
	bad.name = "bomb.csv";
	bad.data = zeros;
	bad.len = zl;
	ck_assert_int_eq(zip_rc(&bad, 1, NULL, "times, more than 200"),
	    MP_ELIMIT);
	mp_feed_limits_default(&lim);
	lim.max_zip_ratio = 100000;
	lim.max_zip_size = 1024 * 1024;
	ck_assert_int_eq(zip_rc(&bad, 1, &lim, "more than 1048576 bytes"),
	    MP_ELIMIT);
	free(zeros);
}
END_TEST

START_TEST(generic_list)
{
	struct mp_feed *f = NULL;
	struct mp_error err;
	static const char csv[] =
	    "IP,Port,Hostname,CVE,type,first seen\n"
	    "192.0.2.10,443,vpn.example.nl,CVE-2024-3400,,2024-04-12\n"
	    "192.0.2.11,443,,,open-service,2024-04-12\n"
	    "not-an-ip,443,,,,\n";

	ck_assert_int_eq(mp_feed_parse_list("divd.csv", csv, sizeof(csv) - 1,
	    MP_TYPE_VULNERABLE_SERVICE, "DIVD-2024-00011", NULL, &f, &err),
	    MP_OK);
	ck_assert_uint_eq(f->nrows, 3);
	ck_assert_str_eq(f->case_ref, "DIVD-2024-00011");
	ck_assert_str_eq(f->rows[0].r.report_id, "DIVD-2024-00011");
	ck_assert_int_eq(f->rows[0].r.type, MP_TYPE_VULNERABLE_SERVICE);
	ck_assert_str_eq(f->rows[0].cves, "CVE-2024-3400");
	ck_assert_str_eq(f->rows[0].r.domain, "vpn.example.nl");
	ck_assert_int_eq(f->rows[1].r.type, MP_TYPE_OPEN_SERVICE);
	row_invalid(f, 2, "IP is not an address: \"not-an-ip\"");
	ck_assert_str_eq(mp_feed_cell(&f->rows[0], 5), "2024-04-12");
	mp_feed_free(&f);
	ck_assert_int_eq(mp_feed_parse_list("x.csv", "host\na\n", 7,
	    MP_TYPE_OTHER, NULL, NULL, &f, &err), MP_EINPUT);
	ck_assert_ptr_null(f);
}
END_TEST

/* ---- whole messages ---- */

static struct mp_report_set *
parse_msg(const char *raw, const struct mp_feed_opts *o, int want,
    struct mp_error *err)
{
	struct mp_report_set *s = NULL;
	struct mp_message *m;
	int rc;

	ck_assert_int_eq(mp_message_parse(raw, strlen(raw), NULL, &m, err),
	    MP_OK);
	mp_error_clear(err);
	rc = mp_report_parse_all(m, o, &s, err);
	ck_assert_msg(rc == want, "rc %d: %s", rc, err->msg);
	mp_message_free(&m);
	return s;
}

static const char ss_mail[] =
    "From: Shadowserver <autoreports@shadowserver.org>\n"
    "Subject: [example] Shadowserver NL Open NTP Report: 2024-01-02\n"
    "Message-ID: <r1@reports.shadowserver.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n\n"
    "--b\nContent-Type: text/plain\n\nSee the attachment; download it at "
    "https://dl.shadowserver.org/x\n"
    "--b\nContent-Type: text/csv\n"
    "Content-Disposition: attachment; filename=2024-01-02-scan_ntp-example-asn.csv\n\n"
    "ip,port,asn\n192.0.2.1,123,64500\n192.0.2.2,123,64500\n"
    "--b\nContent-Type: text/csv\n"
    "Content-Disposition: attachment; filename=2024-01-02-scan_ssdp-example-asn.csv\n\n"
    "ip,port,asn\n192.0.2.3,1900,64500\n"
    "--b--\n";

START_TEST(message_feeds)
{
	struct mp_report_set *s;
	struct mp_error err;

	s = parse_msg(ss_mail, NULL, MP_OK, &err);
	ck_assert_uint_eq(s->n, 2);
	ck_assert_int_eq(s->items[0].kind, MP_ITEM_FEED);
	ck_assert_str_eq(s->items[0].feed->name, "scan_ntp");
	ck_assert_uint_eq(s->items[0].feed->nrows, 2);
	ck_assert_str_eq(s->items[0].feed->reporter_addr,
	    "autoreports@shadowserver.org");
	ck_assert_str_eq(s->items[0].feed->rows[0].r.reporter_addr,
	    "autoreports@shadowserver.org");
	ck_assert_str_eq(s->items[1].feed->name, "scan_ssdp");
	mp_report_set_free(&s);
}
END_TEST

START_TEST(message_link_only)
{
	static const char mail[] =
	    "From: Shadowserver <autoreports@shadowserver.org>\n"
	    "Subject: Shadowserver NL Open NTP Report: 2024-01-02\n"
	    "Content-Type: text/plain\n\n"
	    "The report content can be obtained from the following link:\n"
	    "https://dl.shadowserver.org/abc?x=1\n";
	static const char not_link[] =
	    "From: a@example.org\nSubject: hello\n\nsee http://example.org/\n";
	struct mp_report_set *s;
	struct mp_error err;

	s = parse_msg(mail, NULL, MP_OK, &err);
	ck_assert_uint_eq(s->n, 1);
	ck_assert_int_eq(s->items[0].kind, MP_ITEM_LINK_ONLY);
	ck_assert_str_eq(s->items[0].link, "https://dl.shadowserver.org/abc?x=1");
	ck_assert_str_eq(mp_item_kind_name(s->items[0].kind), "link-only");
	mp_report_set_free(&s);
	s = parse_msg(not_link, NULL, MP_EINPUT, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strncmp(err.msg, "not a report: ", 14) == 0, "%s",
	    err.msg);
}
END_TEST

#define ARF(ip) \
    "From: FBL <fbl@isp.example>\n" \
    "MIME-Version: 1.0\n" \
    "Content-Type: multipart/report; report-type=feedback-report; " \
    "boundary=r\n\n" \
    "--r\nContent-Type: text/plain\n\nreport\n" \
    "--r\nContent-Type: message/feedback-report\n\n" \
    "Feedback-Type: abuse\nUser-Agent: t/1\nVersion: 1\n" \
    "Source-IP: " ip "\n\n" \
    "--r--\n"

START_TEST(message_digest)
{
	static const char digest[] =
	    "From: list-request@lists.example\n"
	    "Subject: abuse-reports Digest, Vol 1, Issue 2\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=top\n\n"
	    "--top\nContent-Type: text/plain\n\nToday's Topics: 3\n"
	    "--top\nContent-Type: multipart/digest; boundary=d\n\n"
	    "--d\nContent-Type: message/rfc822\n\n" ARF("192.0.2.21")
	    "--d\nContent-Type: message/rfc822\n\n"
	    "From: x@example.org\nSubject: hi\n\njust chat\n"
	    "--d\nContent-Type: message/rfc822\n\n" ARF("192.0.2.22")
	    "--d--\n--top--\n";
	struct mp_report_set *s;
	struct mp_error err;

	s = parse_msg(digest, NULL, MP_OK, &err);
	ck_assert_uint_eq(s->n, 3);
	ck_assert_int_eq(s->items[0].kind, MP_ITEM_REPORT);
	ck_assert_str_eq(s->items[0].report->source_ip, "192.0.2.21");
	ck_assert_uint_eq(s->items[0].digest_part, 1);
	ck_assert_int_eq(s->items[1].kind, MP_ITEM_REFUSED);
	ck_assert_ptr_nonnull(strstr(s->items[1].why, "not a report"));
	ck_assert_int_eq(s->items[2].kind, MP_ITEM_REPORT);
	ck_assert_str_eq(s->items[2].report->source_ip, "192.0.2.22");
	ck_assert_uint_eq(s->items[2].digest_part, 3);
	mp_report_set_free(&s);
}
END_TEST

/* A single report is what mp_report_parse() makes of it; a broken ARF
 * report stays refused even though it carries a message. */
START_TEST(message_single_unchanged)
{
	static const char broken[] =
	    "From: FBL <fbl@isp.example>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report; "
	    "boundary=r\n\n"
	    "--r\nContent-Type: message/feedback-report\n\n"
	    "Feedback-Type: abuse\nSource-IP: 10.0.0.300\n\n"
	    "--r\nContent-Type: message/rfc822\n\n" ARF("192.0.2.23")
	    "--r--\n";
	struct mp_report_set *s;
	struct mp_error err;

	s = parse_msg(ARF("192.0.2.20"), NULL, MP_OK, &err);
	ck_assert_uint_eq(s->n, 1);
	ck_assert_int_eq(s->items[0].kind, MP_ITEM_REPORT);
	ck_assert_uint_eq(s->items[0].digest_part, 0);
	mp_report_set_free(&s);
	s = parse_msg(broken, NULL, MP_EINPUT, &err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, "10.0.0.300"));
}
END_TEST

START_TEST(message_list_opt_and_limits)
{
	static const char mail[] =
	    "From: research@divd.example\nSubject: vulnerable hosts\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nList attached.\n"
	    "--b\nContent-Type: text/csv\n"
	    "Content-Disposition: attachment; filename=hosts.csv\n\n"
	    "ip,port\n192.0.2.30,443\n"
	    "--b--\n";
	struct mp_feed_limits lim;
	struct mp_feed_opts o;
	struct mp_report_set *s;
	struct mp_error err;

	/* Without the reporter's record it is no report. */
	s = parse_msg(mail, NULL, MP_EINPUT, &err);
	ck_assert_ptr_null(s);
	memset(&o, 0, sizeof(o));
	o.list = 1;
	o.list_type = MP_TYPE_VULNERABLE_SERVICE;
	o.case_ref = "DIVD-2024-1";
	s = parse_msg(mail, &o, MP_OK, &err);
	ck_assert_int_eq(s->items[0].kind, MP_ITEM_FEED);
	ck_assert_str_eq(s->items[0].feed->rows[0].r.report_id, "DIVD-2024-1");
	mp_report_set_free(&s);
	mp_feed_limits_default(&lim);
	lim.max_items = 1;
	memset(&o, 0, sizeof(o));
	o.limits = &lim;
	s = parse_msg(ss_mail, &o, MP_ELIMIT, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 1 reports"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feed");

	g_mime_init();
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filenames);
	tcase_add_test(tc, alias_table);
	tcase_add_test(tc, by_name_not_position);
	tcase_add_test(tc, event_columns);
	tcase_add_test(tc, tags_and_cves);
	tcase_add_test(tc, bom_crlf_quotes);
	tcase_add_test(tc, header_repeated_and_duplicates);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, defang);
	tcase_add_test(tc, zip_ok_and_feed);
	tcase_add_test(tc, zip_hostile);
	tcase_add_test(tc, generic_list);
	tcase_add_test(tc, message_feeds);
	tcase_add_test(tc, message_link_only);
	tcase_add_test(tc, message_digest);
	tcase_add_test(tc, message_single_unchanged);
	tcase_add_test(tc, message_list_opt_and_limits);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
