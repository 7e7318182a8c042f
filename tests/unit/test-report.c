/*
 * Unit tests for lib/mail/message and lib/report/report*: limits, sanitising, the
 * mapping table, field parsing, evidence kept byte for byte, and threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_tap.h"
#include "message.h"
#include "report.h"
#include "report_int.h"

static const char arf_fields[] =
    "Feedback-Type: abuse\n"
    "User-Agent: t/1\n"
    "Version: 1\n"
    "Source-IP: 192.0.2.1\n"
    "Reported-Domain: Example.NL.\n";

static char *
arf_msg(const char *fields, const char *cte)
{
	static const char fmt[] =
	    "From: FBL <fbl@isp.example>\n"
	    "Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
	    "Message-ID: <m1@isp.example>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=feedback-report; "
	    "boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nreport\n"
	    "--b\nContent-Type: message/feedback-report\n%s\n%s\n"
	    "--b--\n";
	char hdr[128] = "";

	if (cte != NULL)
		snprintf(hdr, sizeof(hdr), "Content-Transfer-Encoding: %s\n", cte);
	return g_strdup_printf(fmt, hdr, fields);
}

static int
parse_str(const char *s, struct mp_report **r, struct mp_error *err)
{
	return mp_report_parse_buffer(s, strlen(s), NULL, r, err);
}

START_TEST(type_names)
{
	ck_assert_str_eq(mp_report_type_name(MP_TYPE_SPAM), "spam");
	ck_assert_str_eq(mp_report_type_name(MP_TYPE_VULNERABLE_SERVICE),
	    "vulnerable-service");
	ck_assert_str_eq(mp_report_type_name((enum mp_report_type)99), "other");
	ck_assert_str_eq(mp_report_format_name(MP_FMT_XARF02), "x-arf-0.2");
}
END_TEST

START_TEST(mapping)
{
	ck_assert_int_eq(mp_report_map_type("arf", NULL, "ABUSE"), MP_TYPE_SPAM);
	ck_assert_int_eq(mp_report_map_type("arf", NULL, "opt-out"),
	    MP_TYPE_OTHER);
	ck_assert_int_eq(mp_report_map_type("x-arf", "fraud", "phishing"),
	    MP_TYPE_PHISHING);
	ck_assert_int_eq(mp_report_map_type("x-arf", "abuse", "phishing"),
	    MP_TYPE_OTHER);
	ck_assert_int_eq(mp_report_map_type("xarf4", "vulnerability",
	    "open_service"), MP_TYPE_OPEN_SERVICE);
	ck_assert_int_eq(mp_report_map_type("xarf3", "Activity", "LoginAttack"),
	    MP_TYPE_LOGIN_ATTACK);
	ck_assert_int_eq(mp_report_map_type("nope", "x", "y"), MP_TYPE_OTHER);
	ck_assert_ptr_nonnull(mp_report_map_row(0));
	ck_assert_ptr_null(mp_report_map_row(100000));
}
END_TEST

START_TEST(text_sanitised)
{
	int oom;
	char *s;

	s = mp_rpt_text("  a\r\nBcc: x\x01\x7f y  ", 17, &oom);
	ck_assert_str_eq(s, "a Bcc: x y");
	free(s);
	s = mp_rpt_text("\xff\xc3\xa9\xc2\x85z", 6, &oom);	/* bad, é, NEL */
	ck_assert_str_eq(s, "?\xc3\xa9 z");
	free(s);
	s = mp_rpt_text("a\0b", 3, &oom);
	ck_assert_str_eq(s, "a b");
	free(s);
	ck_assert_ptr_null(mp_rpt_text(" \r\n\t", 4, &oom));
	ck_assert_int_eq(oom, 0);
}
END_TEST

START_TEST(text_cut_on_char)
{
	char in[MP_REPORT_MAX_VALUE + 8];
	int oom;
	char *s;

	memset(in, 'a', sizeof(in));
	memcpy(in + MP_REPORT_MAX_VALUE - 1, "\xc3\xa9", 2);
	s = mp_rpt_text(in, sizeof(in), &oom);
	ck_assert_uint_eq(strlen(s), MP_REPORT_MAX_VALUE - 1);
	free(s);
}
END_TEST

START_TEST(ip_canonical)
{
	struct mp_report r;
	struct mp_error err;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(mp_rpt_set_ip(&r, "2001:DB8:0::1", "f", &err), MP_OK);
	ck_assert_str_eq(r.source_ip, "2001:db8::1");
	ck_assert_int_eq(mp_rpt_set_ip(&r, " [::ffff:192.0.2.7] ", "f", &err),
	    MP_OK);
	ck_assert_str_eq(r.source_ip, "192.0.2.7");
	ck_assert_int_eq(mp_rpt_set_ip(&r, "192.0.2.8 (mx.example)", "f", &err),
	    MP_OK);
	ck_assert_str_eq(r.source_ip, "192.0.2.8");
	ck_assert_int_eq(mp_rpt_set_ip(&r, "192.0.2.8 junk", "f", &err),
	    MP_EINPUT);
	ck_assert_int_eq(mp_rpt_set_ip(&r, "1.2.3.4\r\n", "Src", &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "Src is not an IP address"));
	free(r.source_ip);
}
END_TEST

START_TEST(dates)
{
	struct mp_error err;
	time_t t = 0;

	ck_assert_int_eq(mp_rpt_date("2024-01-02T03:04:05Z", &t, "d", &err), 0);
	ck_assert_int_eq(t, 1704164645);
	ck_assert_int_eq(mp_rpt_date("2024-01-02T04:04:05.123+01:00", &t, "d",
	    &err), 0);
	ck_assert_int_eq(t, 1704164645);
	ck_assert_int_eq(mp_rpt_date("Tue, 02 Jan 2024 03:04:05 +0000", &t,
	    "d", &err), 0);
	ck_assert_int_eq(t, 1704164645);
	ck_assert_int_eq(mp_rpt_date("(invalid)", &t, "X-ARF field Date", &err),
	    MP_EINPUT);
	ck_assert_str_eq(err.msg, "X-ARF field Date is not a date: \"(invalid)\"");
}
END_TEST

START_TEST(domain_url)
{
	struct mp_report r;
	struct mp_error err;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(mp_rpt_set_url(&r, "http://user@[2001:db8::5]:8080/x",
	    "u", &err), MP_OK);
	ck_assert_str_eq(r.source_ip, "2001:db8::5");
	ck_assert_ptr_null(r.domain);
	ck_assert_int_eq(mp_rpt_set_url(&r, "https://WWW.Example.org/p?q", "u",
	    &err), MP_OK);
	ck_assert_str_eq(r.domain, "www.example.org");
	ck_assert_int_eq(mp_rpt_set_url(&r, "not a url", "u", &err), MP_EINPUT);
	ck_assert_int_eq(mp_rpt_set_domain(&r, "a..b", "d", &err), MP_EINPUT);
	ck_assert_int_eq(mp_rpt_set_domain(&r, "x@y.nl", "d", &err), MP_EINPUT);
	free(r.source_ip);
	free(r.domain);
	free(r.url);
}
END_TEST

START_TEST(arf_base64_evidence_exact)
{
	/* base64 of arf_fields */
	gchar *b64 = g_base64_encode((const guchar *)arf_fields,
	    strlen(arf_fields));
	char *m = arf_msg(b64, "base64");
	struct mp_report *r;
	struct mp_error err;

	ck_assert_int_eq(parse_str(m, &r, &err), MP_OK);
	ck_assert_int_eq(r->format, MP_FMT_ARF);
	ck_assert_int_eq(r->type, MP_TYPE_SPAM);
	ck_assert_str_eq(r->source_ip, "192.0.2.1");
	ck_assert_str_eq(r->domain, "example.nl");
	ck_assert_str_eq(r->report_id, "m1@isp.example");
	ck_assert_str_eq(r->reporter_addr, "fbl@isp.example");
	ck_assert_str_eq(r->evidence.content_type, "message/feedback-report");
	ck_assert_uint_eq(r->evidence.len, strlen(arf_fields));
	ck_assert_mem_eq(r->evidence.data, arf_fields, strlen(arf_fields));
	mp_report_free(&r);
	ck_assert_ptr_null(r);
	g_free(b64);
	g_free(m);
}
END_TEST

START_TEST(arf_embedded_not_counted)
{
	/* A feedback-report part inside the attached message is not ours. */
	const char *m =
	    "From: a@b.example\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\nContent-Type: message/rfc822\n\n"
	    "From: x@y.example\nMIME-Version: 1.0\nX-ARF: YES\n"
	    "Content-Type: multipart/report; report-type=feedback-report; "
	    "boundary=i\n\n"
	    "--i\nContent-Type: message/feedback-report\n\n"
	    "Feedback-Type: abuse\nSource-IP: 192.0.2.1\n--i--\n"
	    "--o--\n";
	struct mp_report *r;
	struct mp_error err;

	ck_assert_int_eq(parse_str(m, &r, &err), MP_EINPUT);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.msg, "not a report: no message/feedback-report "
	    "part and no X-ARF marker");
}
END_TEST

START_TEST(limits_named)
{
	struct mp_message_limits lim;
	struct mp_message *msg;
	struct mp_error err;
	char *m = arf_msg(arf_fields, NULL);

	mp_message_limits_default(&lim);
	lim.max_size = 100;
	ck_assert_int_eq(mp_message_parse(m, strlen(m), &lim, &msg, &err),
	    MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 100 (limit)"));
	mp_message_limits_default(&lim);
	lim.max_parts = 2;
	ck_assert_int_eq(mp_message_parse(m, strlen(m), &lim, &msg, &err),
	    MP_ELIMIT);
	ck_assert_str_eq(err.msg, "more than 2 MIME parts (limit)");
	mp_message_limits_default(&lim);
	lim.max_depth = 0;
	ck_assert_int_eq(mp_message_parse(m, strlen(m), &lim, &msg, &err),
	    MP_ELIMIT);
	ck_assert_str_eq(err.msg, "MIME parts nested more than 0 deep (limit)");
	mp_message_limits_default(&lim);
	lim.max_header = 10;
	ck_assert_int_eq(mp_message_parse(m, strlen(m), &lim, &msg, &err),
	    MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 10 (limit)"));
	ck_assert_int_eq(mp_message_parse(m, strlen(m), NULL, &msg, &err),
	    MP_OK);
	ck_assert_uint_eq(mp_message_nparts(msg), 3);
	ck_assert_uint_eq(mp_message_part(msg, 1)->depth, 1);
	mp_message_free(&msg);
	ck_assert_ptr_null(msg);
	g_free(m);
}
END_TEST

START_TEST(xarf_yaml_limits)
{
	GString *g = g_string_new("From: c@cert.example\nX-ARF: YES\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n"
	    "--x\nContent-Type: text/plain\n\nhi\n--x\n"
	    "Content-Type: text/plain; name=report.txt\n\n---\nA: ");
	struct mp_report *r;
	struct mp_error err;
	int i;

	for (i = 0; i < 40; i++)
		g_string_append(g, "[");
	g_string_append(g, "\n--x--\n");
	ck_assert_int_eq(parse_str(g->str, &r, &err), MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "deeper than 32 levels (limit)"));
	g_string_free(g, TRUE);
}
END_TEST

START_TEST(json_bare_v4)
{
	const char *j = "{\"xarf_version\":\"4.0.0\",\"report_id\":\"x\","
	    "\"timestamp\":\"2024-01-01T00:00:00Z\",\"reporter\":{\"org\":\"O\","
	    "\"contact\":\"c@o.example\"},\"source_identifier\":\"evil.example\","
	    "\"category\":\"content\",\"type\":\"phishing\","
	    "\"url\":\"http://evil.example/x\"}";
	struct mp_report *r;
	struct mp_error err;

	ck_assert_int_eq(parse_str(j, &r, &err), MP_OK);
	ck_assert_int_eq(r->format, MP_FMT_XARF4);
	ck_assert_int_eq(r->type, MP_TYPE_PHISHING);
	ck_assert_str_eq(r->domain, "evil.example");
	ck_assert_ptr_null(r->source_ip);
	ck_assert_str_eq(r->evidence.content_type, "application/json");
	ck_assert_uint_eq(r->evidence.len, strlen(j));
	mp_report_free(&r);
}
END_TEST

START_TEST(fuzz_regressions)
{
	/* Inputs that once misbehaved; each must just be refused. */
	static const char *const cases[] = {
		"",
		"{",
		"\xef\xbb\xbf{}",
		"X-ARF: YES\n\n",
		"Content-Type: message/feedback-report\n\nFeedback-Type:",
		"Content-Type: message/feedback-report\n\n:\n \n",
		/* fuzz: an empty report.txt made libyaml assert (NULL input) */
		"X-XARF: PLAIN\nContent-Type: multipart/mixed; boundary=q\n\n"
		"--q\n\nx\n--q\nContent-Type: text/plain; name=report.txt\n\n"
		"--q--\n",
		"X-XARF: PLAIN\nContent-Type: text/plain; name=report.txt\n\n",
	};
	struct mp_report *r;
	struct mp_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_ne(parse_str(cases[i], &r, &err), MP_OK);
		ck_assert_ptr_null(r);
		ck_assert_int_eq(strncmp(err.msg, "not a report: ", 14), 0);
	}
}
END_TEST

static void *
worker(void *arg)
{
	const char *m = arg;
	long bad = 0;
	int i;

	for (i = 0; i < 200; i++) {
		struct mp_report *r;
		struct mp_error err;

		if (parse_str(m, &r, &err) != MP_OK ||
		    strcmp(r->source_ip, "192.0.2.1") != 0)
			bad++;
		mp_report_free(&r);
	}
	return (void *)bad;
}

START_TEST(threads)
{
	char *m = arf_msg(arf_fields, NULL);
	pthread_t t[4];
	void *bad;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, m), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		ck_assert_ptr_null(bad);
	}
	g_free(m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	g_mime_init();
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, mapping);
	tcase_add_test(tc, text_sanitised);
	tcase_add_test(tc, text_cut_on_char);
	tcase_add_test(tc, ip_canonical);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, domain_url);
	tcase_add_test(tc, arf_base64_evidence_exact);
	tcase_add_test(tc, arf_embedded_not_counted);
	tcase_add_test(tc, limits_named);
	tcase_add_test(tc, xarf_yaml_limits);
	tcase_add_test(tc, json_bare_v4);
	tcase_add_test(tc, fuzz_regressions);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
