/*
 * Unit tests for the sender's SMTP submission (submit.h) against a
 * scripted server on 127.0.0.1 in a thread: what the MTA sees (commands,
 * dot-stuffed data), and how its answers map to MP_OK, MP_ERETRY and
 * MP_EINPUT.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_tap.h"
#include "submit.h"

/* The server: answers in order, one per command it reads (a line, or the
 * whole data up to "\r\n.\r\n" after DATA's 354); "" closes at once. */
struct script {
	const char *greeting;
	const char *answers[8];
	int lfd;
	char seen[8192];	/* what the client sent */
	size_t seenlen;
};

/* The next answer to send, or -1 when the script says close. */
static int
answer(struct script *sc, int fd, size_t *i, int *in_data)
{
	const char *a = sc->answers[*i];

	if (a == NULL || a[0] == '\0')
		return -1;
	(void)!write(fd, a, strlen(a));
	*in_data = strncmp(a, "354", 3) == 0;
	(*i)++;
	return 0;
}

static void *
serve(void *arg)
{
	struct script *sc = arg;
	size_t i = 0, done = 0;	/* what of seen is answered */
	int fd, in_data = 0;
	const char *eol;
	ssize_t n;

	if ((fd = accept(sc->lfd, NULL, NULL)) < 0)
		return NULL;
	if (sc->greeting[0] == '\0') {
		close(fd);
		return NULL;
	}
	(void)!write(fd, sc->greeting, strlen(sc->greeting));
	while (sc->seenlen + 1 < sizeof(sc->seen) &&
	    (n = read(fd, sc->seen + sc->seenlen,
	    sizeof(sc->seen) - 1 - sc->seenlen)) > 0) {
		sc->seenlen += (size_t)n;
		sc->seen[sc->seenlen] = '\0';
		/* one answer per command line, one for the whole data */
		for (;;) {
			eol = in_data ? strstr(sc->seen + done, "\r\n.\r\n") :
			    strstr(sc->seen + done, "\r\n");
			if (eol == NULL)
				break;
			done = (size_t)(eol - sc->seen) + (in_data ? 5 : 2);
			if (answer(sc, fd, &i, &in_data) != 0)
				goto out;
		}
	}
out:
	close(fd);
	return NULL;
}

static int
listen_on(unsigned short *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int
run(struct script *sc, const char *msg, struct mp_submit_result *res,
    struct mp_error *err)
{
	static const char *const rcpt[] = { "noc@a.example" };
	unsigned short port;
	char addr[64];
	pthread_t t;
	int rc;

	sc->lfd = listen_on(&port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	ck_assert_int_eq(pthread_create(&t, NULL, serve, sc), 0);
	rc = mp_submit(addr, "mx.test", 5, "bounces+MP-x@m.test", rcpt, 1, msg,
	    strlen(msg), res, err);
	pthread_join(t, NULL);
	close(sc->lfd);
	return rc;
}

START_TEST(taken)
{
	struct script sc = { "220 mx ESMTP\r\n", { "250-mx\r\n250 8BITMIME\r\n",
	    "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 2.0.0 queued as X\r\n",
	    "221 bye\r\n", NULL }, 0, "", 0 };
	struct mp_submit_result res;
	struct mp_error err;

	ck_assert_int_eq(run(&sc, "Subject: t\r\n\r\n.line\r\n..two\r\nend",
	    &res, &err), MP_OK);
	ck_assert_int_eq(res.code, 250);
	ck_assert_str_eq(res.reply, "250 2.0.0 queued as X");
	ck_assert_ptr_nonnull(strstr(sc.seen, "EHLO mx.test\r\n"));
	ck_assert_ptr_nonnull(strstr(sc.seen, "MAIL FROM:<bounces+MP-x@m.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(sc.seen, "RCPT TO:<noc@a.example>\r\n"));
	/* leading dots doubled, a line end added, then the end of data */
	ck_assert_ptr_nonnull(strstr(sc.seen,
	    "DATA\r\nSubject: t\r\n\r\n..line\r\n...two\r\nend\r\n.\r\n"));
}
END_TEST

START_TEST(refused_for_good)
{
	struct script sc = { "220 mx\r\n", { "250 mx\r\n", "250 ok\r\n",
	    "550 5.1.1 no such user\r\n", "221 bye\r\n", NULL }, 0, "", 0 };
	struct mp_submit_result res;
	struct mp_error err;

	ck_assert_int_eq(run(&sc, "x\r\n", &res, &err), MP_EINPUT);
	ck_assert_int_eq(res.code, 550);
	ck_assert_ptr_nonnull(strstr(err.msg, "550 5.1.1 no such user"));
}
END_TEST

START_TEST(try_again)
{
	struct script t4 = { "220 mx\r\n", { "250 mx\r\n", "250 ok\r\n",
	    "250 ok\r\n", "354 go\r\n", "451 4.3.0 milter says later\r\n",
	    "221 bye\r\n", NULL }, 0, "", 0 };
	struct script gone = { "220 mx\r\n", { "250 mx\r\n", "", NULL }, 0, "", 0 };
	struct script mute = { "", { NULL }, 0, "", 0 };
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
