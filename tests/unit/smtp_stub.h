/*
 * smtp_stub - a test helper: an SMTP server on 127.0.0.1 in a thread,
 * for test-submit.c (a scripted exchange) and test-sender.c (an MTA
 * whose end of data runs the milter's decision).
 *
 * smtp_stub_start() listens on a free port of 127.0.0.1 (or on `port`
 * when it is set: the same address again after smtp_stub_stop()) and
 * serves connections one after the other until smtp_stub_stop(). On
 * each it sends `greeting` ("" closes the connection at once: an MTA
 * that goes away), then one answer per command line, and one for the
 * whole data after a "354" answer up to "\r\n.\r\n" (dot-stuffed, as
 * sent, without the final ".\r\n"). The answer is what reply() returns;
 * NULL or "" closes the connection. Everything the clients sent is
 * kept in `seen` (NUL-terminated, all connections in order, across a
 * stop and start; the struct starts zeroed, smtp_stub_free() at the
 * end).
 *
 * LIMITS
 *	Waits are bounded: a connection that sends nothing for
 *	SMTP_STUB_IDLE_MS is closed; `seen` stops growing at
 *	SMTP_STUB_SEEN_MAX bytes (the connection is then closed).
 * THREADS
 *	reply() runs on the stub's thread; what it shares with the test
 *	is the test's to lock. Read `seen` after smtp_stub_stop().
 */
#ifndef MP_TEST_SMTP_STUB_H
#define MP_TEST_SMTP_STUB_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SMTP_STUB_IDLE_MS	10000
#define SMTP_STUB_SEEN_MAX	(16u * 1024 * 1024)

struct smtp_stub {
	/* the caller's */
	const char *greeting;
	const char *(*reply)(struct smtp_stub *st, const char *cmd, size_t len,
	    int data);
	void *arg;
	unsigned short port;		/* 0: any free one (set on start) */
	/* the stub's */
	char addr[32];			/* "127.0.0.1:PORT" */
	unsigned conns;			/* connections accepted */
	char *seen;
	size_t seenlen, seensize;
	int lfd;
	pthread_t thread;
	pthread_mutex_t lock;
	int stop;
};

static inline int
smtp_stub_stopping_(struct smtp_stub *st)
{
	int s;

	pthread_mutex_lock(&st->lock);
	s = st->stop;
	pthread_mutex_unlock(&st->lock);
	return s;
}

/* Read more of a connection into seen: bytes read, 0 at its end. */
static inline ssize_t
smtp_stub_read_(struct smtp_stub *st, int fd)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	char *n;
	ssize_t r;

	if (st->seensize - st->seenlen < 4096) {
		if (st->seensize >= SMTP_STUB_SEEN_MAX ||
		    (n = realloc(st->seen, st->seensize * 2)) == NULL)
			return 0;
		st->seen = n;
		st->seensize *= 2;
	}
	if (poll(&pf, 1, SMTP_STUB_IDLE_MS) != 1)
		return 0;
	r = read(fd, st->seen + st->seenlen, st->seensize - 1 - st->seenlen);
	if (r <= 0)
		return 0;
	st->seenlen += (size_t)r;
	st->seen[st->seenlen] = '\0';
	return r;
}

static inline void
smtp_stub_serve_(struct smtp_stub *st, int fd)
{
	size_t done = st->seenlen;	/* what of seen is answered */
	const char *eol, *a;
	int in_data = 0;

	if (st->greeting[0] == '\0')
		return;
	(void)!write(fd, st->greeting, strlen(st->greeting));
	while (smtp_stub_read_(st, fd) > 0) {
		for (;;) {
			eol = in_data ? strstr(st->seen + done, "\r\n.\r\n") :
			    strstr(st->seen + done, "\r\n");
			if (eol == NULL)
				break;
			a = st->reply(st, st->seen + done, (size_t)(eol - st->seen -
			    done) + 2, in_data);
			done = (size_t)(eol - st->seen) + (in_data ? 5 : 2);
			if (a == NULL || a[0] == '\0')
				return;
			(void)!write(fd, a, strlen(a));
			in_data = strncmp(a, "354", 3) == 0;
		}
	}
}

static inline void *
smtp_stub_run_(void *arg)
{
	struct smtp_stub *st = arg;
	struct pollfd pf = { st->lfd, POLLIN, 0 };
	int fd;

	while (!smtp_stub_stopping_(st)) {
		pf.revents = 0;
		if (poll(&pf, 1, 50) != 1 ||
		    (fd = accept(st->lfd, NULL, NULL)) < 0)
			continue;
		pthread_mutex_lock(&st->lock);
		st->conns++;
		pthread_mutex_unlock(&st->lock);
		smtp_stub_serve_(st, fd);
		close(fd);
	}
	return NULL;
}

/* 0, or -1 when it cannot listen (errno). */
static inline int
smtp_stub_start(struct smtp_stub *st)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;

	st->stop = 0;
	if (st->seen == NULL) {		/* kept across a restart */
		st->seensize = 65536;
		st->seenlen = 0;
		if ((st->seen = calloc(1, st->seensize)) == NULL)
			return -1;
	}
	if ((st->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)setsockopt(st->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(st->port);
	if (bind(st->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(st->lfd, 8) != 0 ||
	    getsockname(st->lfd, (struct sockaddr *)&a, &len) != 0) {
		close(st->lfd);
		return -1;
	}
	st->port = ntohs(a.sin_port);
	snprintf(st->addr, sizeof(st->addr), "127.0.0.1:%u", st->port);
	pthread_mutex_init(&st->lock, NULL);
	if (pthread_create(&st->thread, NULL, smtp_stub_run_, st) != 0) {
		close(st->lfd);
		return -1;
	}
	return 0;
}

/* How many connections it accepted so far (while it runs). */
static inline unsigned
smtp_stub_conns(struct smtp_stub *st)
{
	unsigned n;

	pthread_mutex_lock(&st->lock);
	n = st->conns;
	pthread_mutex_unlock(&st->lock);
	return n;
}

/* Stop serving and close the listener: the port answers nothing now. */
static inline void
smtp_stub_stop(struct smtp_stub *st)
{
	pthread_mutex_lock(&st->lock);
	st->stop = 1;
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
	close(st->lfd);
	pthread_mutex_destroy(&st->lock);
}

static inline void
smtp_stub_free(struct smtp_stub *st)
{
	free(st->seen);
	st->seen = NULL;
	st->seenlen = st->seensize = 0;
}

#endif
