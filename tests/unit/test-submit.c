/*
 * Unit tests for the sender's SMTP submission (submit.h) against a
 * scripted server on 127.0.0.1 in a thread: what the MTA sees (commands,
 * dot-stuffed data), and how its answers map to MP_OK, MP_ERETRY and
 * MP_EINPUT; a connection carrying many messages (RSET after a refused
 * one, a connection the MTA closed reopened); and several connections at
 * once (submit_pool.h) against a small SMTP server with a thread per
 * connection.
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
#include "submit_pool.h"

/* The server: answers in order, one per command it reads (a line, or the
 * whole data up to "\r\n.\r\n" after DATA's 354); "" closes at once. */
struct script {
	const char *greeting;
	const char *answers[8];
	int lfd;
	char seen[8192];	/* what the client sent */
	size_t seenlen;
	int batch;		/* answer MAIL only with DATA already in */
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
			/* a server that waits for the pipelined group: a
			 * client that does not pipeline waits for ever */
			if (sc->batch && strncmp(sc->seen + done, "MAIL", 4) == 0 &&
			    strstr(sc->seen + done, "DATA\r\n") == NULL)
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
	ck_assert_int_eq(listen(fd, 16), 0);
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
	    "221 bye\r\n", NULL }, 0, "", 0, 0 };
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

/* PIPELINING offered: MAIL, RCPT and DATA in one go (the server below
 * answers MAIL only once DATA is in); a refused RCPT is still the
 * answer that counts, whatever DATA got. */
START_TEST(pipelined)
{
	struct script sc = { "220 mx ESMTP\r\n", { "250-mx\r\n250 PIPELINING\r\n",
	    "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 2.0.0 queued as P\r\n",
	    "221 bye\r\n", NULL }, 0, "", 0, 1 };
	struct script no = { "220 mx ESMTP\r\n", { "250-mx\r\n250 PIPELINING\r\n",
	    "250 ok\r\n", "550 5.1.1 no such user\r\n",
	    "554 5.5.1 no valid recipients\r\n", "250 reset\r\n", "221 bye\r\n",
	    NULL }, 0, "", 0, 1 };
	struct mp_submit_result res;
	struct mp_error err;

	ck_assert_int_eq(run(&sc, "Subject: p\r\n\r\nbody\r\n", &res, &err),
	    MP_OK);
	ck_assert_str_eq(res.reply, "250 2.0.0 queued as P");
	ck_assert_ptr_nonnull(strstr(sc.seen, "MAIL FROM:<bounces+MP-x@m.test>"
	    "\r\nRCPT TO:<noc@a.example>\r\nDATA\r\n"));
	ck_assert_int_eq(run(&no, "x\r\n", &res, &err), MP_EINPUT);
	ck_assert_int_eq(res.code, 550);
	ck_assert_ptr_nonnull(strstr(err.msg, "550 5.1.1 no such user"));
	ck_assert_ptr_nonnull(strstr(no.seen, "RSET\r\n"));
}
END_TEST

START_TEST(refused_for_good)
{
	struct script sc = { "220 mx\r\n", { "250 mx\r\n", "250 ok\r\n",
	    "550 5.1.1 no such user\r\n", "221 bye\r\n", NULL }, 0, "", 0, 0 };
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
	    "221 bye\r\n", NULL }, 0, "", 0, 0 };
	struct script gone = { "220 mx\r\n", { "250 mx\r\n", "", NULL }, 0, "", 0, 0 };
	struct script mute = { "", { NULL }, 0, "", 0, 0 };
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

/*
 * A small SMTP server: every connection its own thread; 250 to all but
 * RCPT TO:<refuse@...> (550) and RCPT TO:<later@...> (451); 354 to DATA
 * after a recipient was taken, else 554 (as Postfix answers a pipelined
 * DATA);
 * after `per_conn` messages (0: no limit) it closes the connection
 * without a word, as an MTA that timed out an idle client.
 */
struct mta {
	int lfd;
	unsigned per_conn;
	pthread_mutex_t mu;
	unsigned conns, ehlos, rsets, taken, quits, busy, most_busy;
	char rcpts[4096];		/* the recipients of the taken messages */
};

struct session {
	struct mta *m;
	int fd;
};

static int
say_line(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

/* One line (CRLF cut) into buf; 0, or -1 at the end. */
static int
get_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char ch;

	while (read(fd, &ch, 1) == 1) {
		if (ch == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return 0;
		}
		if (n + 1 < size)
			buf[n++] = ch;
	}
	return -1;
}

static void
count(struct mta *m, unsigned *field, int d)
{
	pthread_mutex_lock(&m->mu);
	*field += (unsigned)d;
	if (field == &m->busy && m->busy > m->most_busy)
		m->most_busy = m->busy;
	pthread_mutex_unlock(&m->mu);
}

static void *
session(void *arg)
{
	struct session *ss = arg;
	struct mta *m = ss->m;
	char line[1024], rcpt[256] = "";
	unsigned carried = 0;
	int rcpt_ok = 0;
	int fd = ss->fd;

	free(ss);
	count(m, &m->busy, 1);
	say_line(fd, "220 mta ESMTP\r\n");
	while (get_line(fd, line, sizeof(line)) == 0) {
		if (strncmp(line, "EHLO", 4) == 0) {
			count(m, &m->ehlos, 1);
			say_line(fd, "250-mta\r\n250 PIPELINING\r\n");
		} else if (strncmp(line, "MAIL", 4) == 0) {
			if (m->per_conn && carried == m->per_conn)
				break;		/* closed while "idle" */
			say_line(fd, "250 ok\r\n");
		} else if (strncmp(line, "RCPT", 4) == 0) {
			snprintf(rcpt, sizeof(rcpt), "%.200s", line + 8);
			rcpt_ok = strncmp(rcpt, "<refuse@", 8) != 0 &&
			    strncmp(rcpt, "<later@", 7) != 0;
			say_line(fd, strncmp(rcpt, "<refuse@", 8) == 0 ?
			    "550 5.1.1 no\r\n" : strncmp(rcpt, "<later@", 7) == 0 ?
			    "451 4.3.0 later\r\n" : "250 ok\r\n");
		} else if (strcmp(line, "DATA") == 0) {
			if (!rcpt_ok) {
				say_line(fd, "554 5.5.1 no valid recipients\r\n");
				continue;
			}
			rcpt_ok = 0;
			say_line(fd, "354 go\r\n");
			while (get_line(fd, line, sizeof(line)) == 0 &&
			    strcmp(line, ".") != 0)
				;
			carried++;
			pthread_mutex_lock(&m->mu);
			m->taken++;
			if (strlen(m->rcpts) + strlen(rcpt) + 2 < sizeof(m->rcpts)) {
				strcat(m->rcpts, rcpt);
				strcat(m->rcpts, " ");
			}
			pthread_mutex_unlock(&m->mu);
			usleep(2000);		/* an MTA takes its time */
			say_line(fd, "250 2.0.0 queued\r\n");
		} else if (strcmp(line, "RSET") == 0) {
			rcpt_ok = 0;
			count(m, &m->rsets, 1);
			say_line(fd, "250 reset\r\n");
		} else if (strcmp(line, "QUIT") == 0) {
			count(m, &m->quits, 1);
			say_line(fd, "221 bye\r\n");
			break;
		} else
			say_line(fd, "500 what\r\n");
	}
	count(m, &m->busy, -1);
	close(fd);
	return NULL;
}

static void *
mta_accept(void *arg)
{
	struct mta *m = arg;
	struct session *ss;
	pthread_t t;
	int fd;

	while ((fd = accept(m->lfd, NULL, NULL)) >= 0) {
		count(m, &m->conns, 1);
		ss = malloc(sizeof(*ss));
		ss->m = m;
		ss->fd = fd;
		if (pthread_create(&t, NULL, session, ss) == 0)
			pthread_detach(t);
	}
	return NULL;
}

static pthread_t mta_thread;

static void
mta_start(struct mta *m, unsigned per_conn, char *addr, size_t size)
{
	unsigned short port;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
	m->per_conn = per_conn;
	m->lfd = listen_on(&port);
	snprintf(addr, size, "127.0.0.1:%u", port);
	ck_assert_int_eq(pthread_create(&mta_thread, NULL, mta_accept, m), 0);
}

/* Stop accepting; give the sessions time to see their client go. */
static void
mta_stop(struct mta *m)
{
	int i;

	shutdown(m->lfd, SHUT_RDWR);
	close(m->lfd);
	pthread_join(mta_thread, NULL);
	for (i = 0; i < 200 && m->busy > 0; i++)
		usleep(10000);
}

START_TEST(many_on_one)
{
	static const char *const ok[] = { "a@x.example" };
	static const char *const no[] = { "refuse@x.example" };
	struct mp_submit_conn *c = NULL;
	struct mp_submit_result res;
	struct mp_error err;
	static struct mta m;	/* the sessions' threads outlive a call */
	char addr[64];

	mta_start(&m, 0, addr, sizeof(addr));
	ck_assert_int_eq(mp_submit_open(addr, "h.test", 5, &c, &res, &err), MP_OK);
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "x\r\n", 3, &res,
	    &err), MP_OK);
	ck_assert_str_eq(res.reply, "250 2.0.0 queued");
	/* refused: the transaction ended with RSET, the connection goes on */
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", no, 1, "x\r\n", 3, &res,
	    &err), MP_EINPUT);
	ck_assert_int_eq(res.code, 550);
	ck_assert_int_eq(mp_submit_usable(c), 1);
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "y\r\n", 3, &res,
	    &err), MP_OK);
	mp_submit_close(&c);
	ck_assert_ptr_null(c);
	mta_stop(&m);
	ck_assert_uint_eq(m.conns, 1);
	ck_assert_uint_eq(m.ehlos, 1);
	ck_assert_uint_eq(m.taken, 2);
	ck_assert_uint_eq(m.rsets, 1);
	ck_assert_uint_eq(m.quits, 1);
}
END_TEST

START_TEST(closed_while_idle)
{
	static const char *const ok[] = { "a@x.example" };
	struct mp_submit_conn *c = NULL;
	struct mp_submit_result res;
	struct mp_error err;
	static struct mta m;	/* the sessions' threads outlive a call */
	char addr[64];
	int i;

	/* the MTA closes after each message: every next one on a new
	 * connection, none lost, none reported as a failure */
	mta_start(&m, 1, addr, sizeof(addr));
	ck_assert_int_eq(mp_submit_open(addr, "h.test", 5, &c, &res, &err), MP_OK);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "x\r\n", 3,
		    &res, &err), MP_OK);
	mp_submit_close(&c);
	mta_stop(&m);
	ck_assert_uint_eq(m.taken, 3);
	ck_assert_uint_eq(m.conns, 3);
	/* nobody there any more: the same connection says so, and a
	 * reopen that finds nobody is MP_ERETRY, not a refusal */
	mta_start(&m, 1, addr, sizeof(addr));
	ck_assert_int_eq(mp_submit_open(addr, "h.test", 5, &c, &res, &err), MP_OK);
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "x\r\n", 3, &res,
	    &err), MP_OK);
	mta_stop(&m);
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "x\r\n", 3, &res,
	    &err), MP_ERETRY);
	ck_assert_int_eq(mp_submit_usable(c), 0);
	ck_assert_int_eq(mp_submit_send(c, "s@m.test", ok, 1, "x\r\n", 3, &res,
	    &err), MP_ERETRY);
	ck_assert_ptr_nonnull(strstr(err.msg, "lost"));
	mp_submit_close(&c);
}
END_TEST

/* The pool's `done`: counts, and keeps what came back. */
struct outcome {
	pthread_mutex_t mu;
	unsigned done, ok, tried, retry, refused, calls_at_once, most_at_once;
};

static void
pool_done(void *arg, const struct mp_submit_msg *msg, int tried, int rc,
    const struct mp_submit_result *res, const struct mp_error *err)
{
	struct outcome *o = arg;

	(void)msg;
	(void)res;
	(void)err;
	pthread_mutex_lock(&o->mu);
	if (++o->calls_at_once > o->most_at_once)
		o->most_at_once = o->calls_at_once;
	pthread_mutex_unlock(&o->mu);
	usleep(100);
	pthread_mutex_lock(&o->mu);
	o->calls_at_once--;
	o->done++;
	o->tried += tried != 0;
	o->ok += rc == MP_OK;
	o->retry += rc == MP_ERETRY;
	o->refused += rc == MP_EINPUT;
	pthread_mutex_unlock(&o->mu);
}

START_TEST(pool_at_once)
{
	static const char *const ok[] = { "a@x.example" };
	static const char *const no[] = { "refuse@x.example" };
	struct mp_submit_msg msg[40];
	struct mp_submit_pool *p;
	struct outcome o;
	struct mp_error err;
	static struct mta m;	/* the sessions' threads outlive a call */
	char addr[64];
	int i;

	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.mu, NULL);
	mta_start(&m, 0, addr, sizeof(addr));
	p = mp_submit_pool_new(addr, "h.test", 5, 3, 4, pool_done, &o, &err);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 40; i++) {
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].sender = "s@m.test";
		msg[i].rcpts = i == 7 ? no : ok;	/* one refused for good */
		msg[i].nrcpts = 1;
		msg[i].data = "Subject: x\r\n\r\nbody\r\n";
		msg[i].len = strlen(msg[i].data);
		ck_assert_int_eq(mp_submit_pool_put(p, &msg[i]), MP_OK);
	}
	mp_submit_pool_finish(&p);
	ck_assert_ptr_null(p);
	mta_stop(&m);
	ck_assert_uint_eq(o.done, 40);
	ck_assert_uint_eq(o.tried, 40);
	ck_assert_uint_eq(o.ok, 39);
	ck_assert_uint_eq(o.refused, 1);	/* a 5xx does not stop the pool */
	ck_assert_uint_eq(o.most_at_once, 1);	/* done: one call at a time */
	ck_assert_uint_eq(m.taken, 39);
	ck_assert_uint_le(m.conns, 3);		/* kept open, at most 3 */
	ck_assert_uint_ge(m.most_busy, 2);	/* and used at once */
	ck_assert_uint_eq(m.quits, m.conns);
}
END_TEST

START_TEST(pool_down)
{
	static const char *const ok[] = { "a@x.example" };
	static const char *const later[] = { "later@x.example" };
	struct mp_submit_msg msg[30];
	struct mp_submit_pool *p;
	struct outcome o;
	struct mp_error err;
	static struct mta m;	/* the sessions' threads outlive a call */
	char addr[64];
	int i, refused = 0;

	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.mu, NULL);
	mta_start(&m, 0, addr, sizeof(addr));
	/* one connection: the queue behind the 4xx is known */
	p = mp_submit_pool_new(addr, "h.test", 5, 1, 8, pool_done, &o, &err);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 30; i++) {
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].sender = "s@m.test";
		msg[i].rcpts = i == 2 ? later : ok;
		msg[i].nrcpts = 1;
		msg[i].data = "x\r\n";
		msg[i].len = 3;
		if (mp_submit_pool_put(p, &msg[i]) != MP_OK)
			refused++;
	}
	ck_assert_int_eq(mp_submit_pool_down(p), 1);
	mp_submit_pool_finish(&p);
	mta_stop(&m);
	/* every message taken by put came back through done once: two
	 * sent, the 4xx, the rest untried; put refused the others */
	ck_assert_uint_eq(o.done + (unsigned)refused, 30);
	ck_assert_uint_eq(o.ok, 2);
	ck_assert_uint_eq(o.tried, 3);
	ck_assert_uint_eq(o.retry, o.done - 2);
	ck_assert_int_gt(refused, 0);
	ck_assert_uint_eq(m.taken, 2);
	/* nobody listening: the first message puts the pool down */
	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.mu, NULL);
	p = mp_submit_pool_new(addr, "h.test", 2, 2, 4, pool_done, &o, &err);
	ck_assert_ptr_nonnull(p);
	(void)mp_submit_pool_put(p, &msg[0]);
	mp_submit_pool_finish(&p);
	ck_assert_uint_eq(o.done, 1);
	ck_assert_uint_eq(o.retry, 1);
	ck_assert_ptr_null(mp_submit_pool_new(addr, "h", 2, 0, 4, pool_done, &o,
	    &err));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("submit");
	TCase *tc = tcase_create("submit");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, taken);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, refused_for_good);
	tcase_add_test(tc, try_again);
	tcase_add_test(tc, many_on_one);
	tcase_add_test(tc, closed_while_idle);
	tcase_add_test(tc, pool_at_once);
	tcase_add_test(tc, pool_down);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return mp_check_run(suite());
}
