/*
 * Unit tests for tests/bench/milterproto: the milter-protocol codec of
 * the load client. Byte layouts are written out by hand from the
 * protocol (4-byte big-endian length of command + data, command, data).
 */
#include "config.h"

#include <string.h>

#include "check_tap.h"
#include "milterproto.h"

static int
bytes_eq(const struct mp_buf *b, const char *want, size_t n)
{
	return b->len == n && memcmp(b->data, want, n) == 0;
}

START_TEST(put_optneg)
{
	struct mp_buf b;

	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_mproto_put_optneg(&b, 6, 0x1ff, 0x1fffff), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x0d" "O" "\0\0\0\x06" "\0\0\x01\xff"
	    "\0\x1f\xff\xff", 17));
	mp_buf_free(&b);
}
END_TEST

START_TEST(put_strs_and_empty)
{
	struct mp_buf b;

	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_mproto_put_strs(&b, MP_MC_MAIL,
	    (const char *const[]){ "<a@b>", "SIZE=9" }, 2), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x0e" "M" "<a@b>\0SIZE=9\0", 18));
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_mproto_put(&b, MP_MC_EOH, NULL, 0), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x01" "N", 5));
	mp_buf_free(&b);
}
END_TEST

START_TEST(put_connect)
{
	struct mp_buf b;

	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_mproto_put_connect(&b, "h", '4', 25, "1.2.3.4"), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x0e" "C" "h\0" "4\0\x19" "1.2.3.4\0", 18));
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_mproto_put_connect(&b, "h", 'U', 0, NULL), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x04" "C" "h\0U", 8));
	mp_buf_free(&b);
}
END_TEST

START_TEST(put_macros)
{
	struct mp_buf b;

	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_mproto_put_macros(&b, 'M',
	    (const char *const[]){ "i", "{auth_authen}" },
	    (const char *const[]){ "Q1", "noc" }, 2), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x19" "D" "M" "i\0Q1\0{auth_authen}\0noc\0", 29));
	mp_buf_free(&b);
}
END_TEST

START_TEST(put_header_leadspc)
{
	struct mp_buf b;

	mp_buf_init(&b, 0);
	ck_assert_int_eq(mp_mproto_put_header(&b, "Subject", " \thi", 0), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x0c" "L" "Subject\0hi\0", 16));
	mp_buf_reset(&b);
	ck_assert_int_eq(mp_mproto_put_header(&b, "Subject", " hi", 1), MP_OK);
	ck_assert(bytes_eq(&b, "\0\0\0\x0d" "L" "Subject\0 hi\0", 17));
	mp_buf_free(&b);
}
END_TEST

/* A capped buffer that cannot take the packet is left as it was. */
START_TEST(put_all_or_nothing)
{
	struct mp_buf b;

	mp_buf_init(&b, 12);
	ck_assert_int_eq(mp_mproto_put(&b, MP_MC_EOH, NULL, 0), MP_OK);
	ck_assert_int_eq(mp_mproto_put_strs(&b, MP_MC_RCPT,
	    (const char *const[]){ "<someone@example.org>" }, 1), MP_ELIMIT);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(mp_mproto_put_macros(&b, 'R',
	    (const char *const[]){ "{rcpt_addr}" },
	    (const char *const[]){ "someone@example.org" }, 1), MP_ELIMIT);
	ck_assert_uint_eq(b.len, 5);
	mp_buf_free(&b);
}
END_TEST

START_TEST(take_partial_and_whole)
{
	const char in[] = "\0\0\0\x01" "c" "\0\0\0\x02" "t";
	struct mp_mproto_pkt pkt;
	struct mp_error err;
	size_t used = 0, i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(mp_mproto_take(in, i, &pkt, &used, &err), 0);
	ck_assert_int_eq(mp_mproto_take(in, sizeof(in) - 1, &pkt, &used, &err), 1);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(pkt.cmd, 'c');
	ck_assert_uint_eq(pkt.len, 0);
	/* the second packet claims one data byte it does not have yet */
	ck_assert_int_eq(mp_mproto_take(in + 5, 5, &pkt, &used, &err), 0);
}
END_TEST

START_TEST(take_refuses_bad_lengths)
{
	struct mp_mproto_pkt pkt;
	struct mp_error err;
	size_t used;

	ck_assert_int_eq(mp_mproto_take("\0\0\0\0c", 5, &pkt, &used, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "length 0"));
	ck_assert_int_eq(mp_mproto_take("\x7f\0\0\0c", 5, &pkt, &used, &err), MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "(limit)"));
	ck_assert_int_eq(mp_mproto_take("\0\x10\0\x01" "c", 5, &pkt, &used, &err), 0);
}
END_TEST

static int
reply(const char *bytes, size_t n, struct mp_mproto_reply *r, struct mp_error *err)
{
	struct mp_mproto_pkt pkt;
	size_t used;

	ck_assert_int_eq(mp_mproto_take(bytes, n, &pkt, &used, err), 1);
	ck_assert_uint_eq(used, n);
	return mp_mproto_parse_reply(&pkt, r, err);
}

#define REPLY(lit, r, e) reply(lit, sizeof(lit) - 1, r, e)

START_TEST(optneg_reply)
{
	const char in[] = "\0\0\0\x15" "O" "\0\0\0\x06" "\0\0\0\x3f" "\0\0\x02\x82"
	    "\0\0\0\x01" "i j\0";
	struct mp_mproto_pkt pkt;
	struct mp_mproto_neg neg;
	struct mp_error err;
	size_t used;

	ck_assert_int_eq(mp_mproto_take(in, sizeof(in) - 1, &pkt, &used, &err), 1);
	ck_assert_int_eq(mp_mproto_parse_optneg(&pkt, &neg, &err), MP_OK);
	ck_assert_uint_eq(neg.version, 6);
	ck_assert_uint_eq(neg.actions, 0x3f);
	ck_assert_uint_eq(neg.protocol, MP_MP_NOHELO | MP_MP_NR_HDR | MP_MP_NODATA);
	ck_assert_uint_eq(neg.nsymlists, 1);
	pkt.len = 8;
	ck_assert_int_eq(mp_mproto_parse_optneg(&pkt, &neg, &err), MP_EINPUT);
	pkt.len = 18;	/* a symlist cut before its NUL */
	ck_assert_int_eq(mp_mproto_parse_optneg(&pkt, &neg, &err), MP_EINPUT);
	pkt.cmd = 'c';
	ck_assert_int_eq(mp_mproto_parse_optneg(&pkt, &neg, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not 'O'"));
}
END_TEST

START_TEST(optneg_version)
{
	const char in[] = "\0\0\0\x0d" "O" "\0\0\0\x07" "\0\0\0\0" "\0\0\0\0";
	struct mp_mproto_pkt pkt;
	struct mp_mproto_neg neg;
	struct mp_error err;
	size_t used;

	ck_assert_int_eq(mp_mproto_take(in, sizeof(in) - 1, &pkt, &used, &err), 1);
	ck_assert_int_eq(mp_mproto_parse_optneg(&pkt, &neg, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "version 7"));
}
END_TEST

START_TEST(reply_finals)
{
	struct mp_mproto_reply r;
	struct mp_error err;
	const char *fin = "acdrtsf4";
	char pkt[5] = { 0, 0, 0, 1, 0 };

	for (; *fin; fin++) {
		pkt[4] = *fin;
		ck_assert_int_eq(reply(pkt, 5, &r, &err), MP_OK);
		ck_assert_int_eq(r.kind, MP_MPROTO_FINAL);
		ck_assert_int_eq(r.cmd, *fin);
	}
	ck_assert_int_eq(REPLY("\0\0\0\x01" "p", &r, &err), MP_OK);
	ck_assert_int_eq(r.kind, MP_MPROTO_PROGRESS);
	ck_assert_int_eq(REPLY("\0\0\0\x11" "y" "451 4.7.1 later\0", &r, &err), MP_OK);
	ck_assert_int_eq(r.kind, MP_MPROTO_FINAL);
	ck_assert_str_eq(r.value, "451 4.7.1 later");
	ck_assert_int_eq(REPLY("\0\0\0\x04" "y" "ok\0", &r, &err), MP_EINPUT);
	ck_assert_int_eq(REPLY("\0\0\0\x05" "y" "250\0", &r, &err), MP_EINPUT);
	ck_assert_int_eq(REPLY("\0\0\0\x01" "Z", &r, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown reply command 0x5a"));
}
END_TEST

START_TEST(reply_headers)
{
	struct mp_mproto_reply r;
	struct mp_error err;

	ck_assert_int_eq(REPLY("\0\0\0\x12" "h" "DKIM-Signature\0v\0", &r, &err), MP_OK);
	ck_assert_int_eq(r.kind, MP_MPROTO_MODIFY);
	ck_assert_str_eq(r.name, "DKIM-Signature");
	ck_assert_str_eq(r.value, "v");
	ck_assert_int_eq(REPLY("\0\0\0\x0d" "i" "\0\0\0\0" "X-A\0a=1\0", &r, &err), MP_OK);
	ck_assert_uint_eq(r.index, 0);
	ck_assert_str_eq(r.name, "X-A");
	ck_assert_str_eq(r.value, "a=1");
	ck_assert_int_eq(REPLY("\0\0\0\x0a" "m" "\0\0\0\x02" "X-A\0\0", &r, &err), MP_OK);
	ck_assert_uint_eq(r.index, 2);
	ck_assert_str_eq(r.value, "");	/* empty value: delete */
	/* missing NUL, missing index, empty name */
	ck_assert_int_eq(REPLY("\0\0\0\x06" "h" "X-A\0v", &r, &err), MP_EINPUT);
	ck_assert_int_eq(REPLY("\0\0\0\x03" "i" "\0\0", &r, &err), MP_EINPUT);
	ck_assert_int_eq(REPLY("\0\0\0\x04" "h" "\0v\0", &r, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "malformed 'addheader'"));
}
END_TEST

START_TEST(reply_envelope_and_body)
{
	struct mp_mproto_reply r;
	struct mp_error err;

	ck_assert_int_eq(REPLY("\0\0\0\x07" "+" "<a@b>\0", &r, &err), MP_OK);
	ck_assert_str_eq(r.value, "<a@b>");
	ck_assert_ptr_null(r.args);
	ck_assert_int_eq(REPLY("\0\0\0\x07" "-" "<a@b>\0", &r, &err), MP_OK);
	ck_assert_int_eq(REPLY("\0\0\0\x14" "2" "<a@b>\0NOTIFY=NEVER\0", &r, &err), MP_OK);
	ck_assert_str_eq(r.args, "NOTIFY=NEVER");
	ck_assert_int_eq(REPLY("\0\0\0\x07" "e" "<c@d>\0", &r, &err), MP_OK);
	ck_assert_ptr_null(r.args);
	ck_assert_int_eq(REPLY("\0\0\0\x0a" "e" "<c@d>\0RET", &r, &err), MP_EINPUT);
	ck_assert_int_eq(REPLY("\0\0\0\x05" "q" "why\0", &r, &err), MP_OK);
	ck_assert_str_eq(r.value, "why");
	ck_assert_int_eq(REPLY("\0\0\0\x06" "b" "x\0y\r\n", &r, &err), MP_OK);
	ck_assert_int_eq(r.kind, MP_MPROTO_MODIFY);
	ck_assert_uint_eq(r.len, 5);
	ck_assert_int_eq(REPLY("\0\0\0\x01" "+", &r, &err), MP_EINPUT);
}
END_TEST

START_TEST(reply_names)
{
	ck_assert_str_eq(mp_mproto_reply_name('i'), "insheader");
	ck_assert_str_eq(mp_mproto_reply_name('t'), "tempfail");
	ck_assert_str_eq(mp_mproto_reply_name('Z'), "unknown");
}
END_TEST

START_TEST(msg_lf_and_folding)
{
	const char text[] = "From: a@b\nSubject: one\n\ttwo\nX-E:\n\nline 1\nline 2";
	struct mp_mproto_msg m;
	struct mp_error err;

	ck_assert_int_eq(mp_mproto_msg_load(text, sizeof(text) - 1, &m, &err), MP_OK);
	ck_assert_uint_eq(m.nhdrs, 3);
	ck_assert_str_eq(m.hdrs[0].name, "From");
	ck_assert_str_eq(m.hdrs[0].value, " a@b");
	ck_assert_str_eq(m.hdrs[1].value, " one\n\ttwo");
	ck_assert_str_eq(m.hdrs[2].name, "X-E");
	ck_assert_str_eq(m.hdrs[2].value, "");
	ck_assert_uint_eq(m.body_len, 16);
	ck_assert(memcmp(m.body, "line 1\r\nline 2\r\n", 16) == 0);
	mp_mproto_msg_free(&m);
	ck_assert_ptr_null(m.hdrs);
}
END_TEST

START_TEST(msg_crlf_kept)
{
	const char text[] = "A: 1\r\n\r\nx\r\n\r\ny\r\n";
	struct mp_mproto_msg m;
	struct mp_error err;

	ck_assert_int_eq(mp_mproto_msg_load(text, sizeof(text) - 1, &m, &err), MP_OK);
	ck_assert_uint_eq(m.nhdrs, 1);
	ck_assert_uint_eq(m.body_len, 8);
	ck_assert(memcmp(m.body, "x\r\n\r\ny\r\n", 8) == 0);
	mp_mproto_msg_free(&m);
}
END_TEST

START_TEST(msg_no_body)
{
	struct mp_mproto_msg m;
	struct mp_error err;

	ck_assert_int_eq(mp_mproto_msg_load("A: 1\nB: 2\n", 10, &m, &err), MP_OK);
	ck_assert_uint_eq(m.nhdrs, 2);
	ck_assert_uint_eq(m.body_len, 0);
	mp_mproto_msg_free(&m);
}
END_TEST

START_TEST(msg_refused)
{
	struct mp_mproto_msg m;
	struct mp_error err;

	ck_assert_int_eq(mp_mproto_msg_load("A: 1\nnot a header\n\nb\n", 21, &m, &err),
	    MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 2: not a header field"));
	ck_assert_ptr_null(m.hdrs);
	ck_assert_int_eq(mp_mproto_msg_load(" cont\n\nb\n", 9, &m, &err), MP_EINPUT);
	ck_assert_int_eq(mp_mproto_msg_load(": v\n\n", 5, &m, &err), MP_EINPUT);
	ck_assert_int_eq(mp_mproto_msg_load("\nbody only\n", 11, &m, &err), MP_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no header fields"));
}
END_TEST

START_TEST(msg_header_limit)
{
	struct mp_mproto_msg m;
	struct mp_error err;
	struct mp_buf b;
	int i;

	mp_buf_init(&b, 0);
	for (i = 0; i <= MP_MPROTO_MAX_HEADERS; i++)
		ck_assert_int_eq(mp_buf_puts(&b, "X: y\n"), MP_OK);
	ck_assert_int_eq(mp_mproto_msg_load(b.data, b.len, &m, &err), MP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 1000 header fields (limit)"));
	mp_buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("milterproto");
	TCase *tc = tcase_create("codec");

	suite_add_tcase(s, tc);
	tcase_add_test(tc, put_optneg);
	tcase_add_test(tc, put_strs_and_empty);
	tcase_add_test(tc, put_connect);
	tcase_add_test(tc, put_macros);
	tcase_add_test(tc, put_header_leadspc);
	tcase_add_test(tc, put_all_or_nothing);
	tcase_add_test(tc, take_partial_and_whole);
	tcase_add_test(tc, take_refuses_bad_lengths);
	tcase_add_test(tc, optneg_reply);
	tcase_add_test(tc, optneg_version);
	tcase_add_test(tc, reply_finals);
	tcase_add_test(tc, reply_headers);
	tcase_add_test(tc, reply_envelope_and_body);
	tcase_add_test(tc, reply_names);
	tcase_add_test(tc, msg_lf_and_folding);
	tcase_add_test(tc, msg_crlf_kept);
	tcase_add_test(tc, msg_no_body);
	tcase_add_test(tc, msg_refused);
	tcase_add_test(tc, msg_header_limit);
	return mp_check_run(s);
}
