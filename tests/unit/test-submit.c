/*
 * Unit tests for the sender's SMTP submission (submit.h) against a
 * scripted server on 127.0.0.1 in a thread: what the MTA sees (commands,
 * dot-stuffed data), and how its answers map to MP_OK, MP_ERETRY and
 * MP_EINPUT.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check_tap.h"
#include "smtp_stub.h"
#include "submit.h"

/* The script: answers in order, one per command the stub reads (a line,
 * or the whole data after DATA's 354); "" closes. */
struct script {
	const char *greeting;
	const char *answers[8];
	size_t next;
	struct smtp_stub st;	/* st.seen: what the client sent */
};

static const char *
answer(struct smtp_stub *st, const char *cmd, size_t len, int data)
{
	struct script *sc = st->arg;

	(void)cmd, (void)len, (void)data;
	return sc->answers[sc->next] != NULL ? sc->answers[sc->next++] : NULL;
}

/* One submission to the script; the stub serves it on its thread. */
static int
run(struct script *sc, const char *msg, struct mp_submit_result *res,
    struct mp_error *err)
{
	static const char *const rcpt[] = { "noc@a.example" };
	int rc;

	sc->st.greeting = sc->greeting;
	sc->st.reply = answer;
	sc->st.arg = sc;
	ck_assert_int_eq(smtp_stub_start(&sc->st), 0);
	rc = mp_submit(sc->st.addr, "mx.test", 5, "bounces+MP-x@m.test", rcpt,
	    1, msg, strlen(msg), res, err);
	smtp_stub_stop(&sc->st);
	ck_assert_uint_eq(sc->st.conns, 1);
	return rc;
}

START_TEST(taken)
{
	struct script sc = { .greeting = "220 mx ESMTP\r\n", .answers = {
	    "250-mx\r\n250 8BITMIME\r\n", "250 ok\r\n", "250 ok\r\n",
	    "354 go\r\n", "250 2.0.0 queued as X\r\n", "221 bye\r\n", NULL } };
	struct mp_submit_result res;
	struct mp_error err;

	ck_assert_int_eq(run(&sc, "Subject: t\r\n\r\n.line\r\n..two\r\nend",
	    &res, &err), MP_OK);
	ck_assert_int_eq(res.code, 250);
	ck_assert_str_eq(res.reply, "250 2.0.0 queued as X");
	ck_assert_ptr_nonnull(strstr(sc.st.seen, "EHLO mx.test\r\n"));
	ck_assert_ptr_nonnull(strstr(sc.st.seen, "MAIL FROM:<bounces+MP-x@m.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(sc.st.seen, "RCPT TO:<noc@a.example>\r\n"));
	/* leading dots doubled, a line end added, then the end of data */
	ck_assert_ptr_nonnull(strstr(sc.st.seen,
	    "DATA\r\nSubject: t\r\n\r\n..line\r\n...two\r\nend\r\n.\r\n"));
	smtp_stub_free(&sc.st);
}
END_TEST

START_TEST(refused_for_good)
{
	struct script sc = { .greeting = "220 mx\r\n", .answers = {
	    "250 mx\r\n", "250 ok\r\n", "550 5.1.1 no such user\r\n",
	    "221 bye\r\n", NULL } };
	struct mp_submit_result res;
	struct mp_error err;

	ck_assert_int_eq(run(&sc, "x\r\n", &res, &err), MP_EINPUT);
	ck_assert_int_eq(res.code, 550);
	ck_assert_ptr_nonnull(strstr(err.msg, "550 5.1.1 no such user"));
	smtp_stub_free(&sc.st);
}
END_TEST

START_TEST(try_again)
{
	struct script t4 = { .greeting = "220 mx\r\n", .answers = {
	    "250 mx\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n",
	    "451 4.3.0 milter says later\r\n", "221 bye\r\n", NULL } };
	struct script gone = { .greeting = "220 mx\r\n",
	    .answers = { "250 mx\r\n", "", NULL } };
	struct script mute = { .greeting = "", .answers = { NULL } };
	struct mp_submit_result res;
	struct mp_error err;
	static const char *const rcpt[] = { "a@b.example" };

	ck_assert_int_eq(run(&t4, "x\r\n", &res, &err), MP_ERETRY);
	ck_assert_int_eq(res.code, 451);
	ck_assert_int_eq(run(&gone, "x\r\n", &res, &err), MP_ERETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "closed the connection"));
	ck_assert_int_eq(run(&mute, "x\r\n", &res, &err), MP_ERETRY);
	/* nobody listening, and an address that is none */
	ck_assert_int_eq(mp_submit("127.0.0.1:1", "h", 2, "a@b", rcpt, 1, "x",
	    1, &res, &err), MP_ERETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot connect"));
	ck_assert_int_eq(mp_submit("no-port", "h", 2, "a@b", rcpt, 1, "x", 1,
	    &res, &err), MP_ERETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "HOST:PORT"));
	smtp_stub_free(&t4.st);
	smtp_stub_free(&gone.st);
	smtp_stub_free(&mute.st);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("submit");
	TCase *tc = tcase_create("submit");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, taken);
	tcase_add_test(tc, refused_for_good);
	tcase_add_test(tc, try_again);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
