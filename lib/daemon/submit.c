/*
 * submit - see submit.h
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "submit.h"

struct mp_submit_conn {
	int fd;			/* -1: closed (broken, or not yet open) */
	unsigned timeout;
	unsigned carried;	/* messages taken over this connection */
	int ehlo;		/* reading the answer to EHLO */
	int pipelining;		/* the MTA said PIPELINING (RFC 2920) */
	char *addr, *helo;	/* to open it again */
	char in[4096];
	size_t inlen, inpos;
	struct mp_submit_result *res;	/* the current call's */
};

/* Wait for `events` on the socket, at most the timeout. 0, or -1. */
static int
wait_for(struct mp_submit_conn *c, short events)
{
	struct pollfd p = { c->fd, events, 0 };
	int n;

	do
		n = poll(&p, 1, (int)c->timeout * 1000);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		snprintf(c->res->reply, sizeof(c->res->reply), "%s",
		    n == 0 ? "timed out waiting for the MTA" : strerror(errno));
		return -1;
	}
	return 0;
}

static int
send_all(struct mp_submit_conn *c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (wait_for(c, POLLOUT) != 0)
			return -1;
		if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(c->res->reply, sizeof(c->res->reply),
			    "cannot write to the MTA: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line of the reply, without its CRLF, cut at the buffer. */
static int
read_line(struct mp_submit_conn *c, char *line, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		if (c->inpos == c->inlen) {
			if (wait_for(c, POLLIN) != 0)
				return -1;
			if ((r = recv(c->fd, c->in, sizeof(c->in), 0)) <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				snprintf(c->res->reply, sizeof(c->res->reply),
				    "the MTA closed the connection%s%s",
				    r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
				return -1;
			}
			c->inlen = (size_t)r;
			c->inpos = 0;
		}
		ch = c->in[c->inpos++];
		if (ch == '\n')
			break;
		if (ch != '\r' && n + 1 < size)
			line[n++] = ch;
	}
	line[n] = '\0';
	return 0;
}

/* A whole (multi-line) reply: its code, the text of its last line kept. */
static int
reply(struct mp_submit_conn *c)
{
	char line[MP_SUBMIT_LINE_MAX];
	int lines = 0;

	do {
		if (read_line(c, line, sizeof(line)) != 0)
			return -1;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			snprintf(c->res->reply, sizeof(c->res->reply),
			    "not an SMTP reply: \"%.200s\"", line);
			return -1;
		}
		if (++lines > 1000) {
			snprintf(c->res->reply, sizeof(c->res->reply),
			    "an SMTP reply of more than 1000 lines");
			return -1;
		}
		if (c->ehlo && strlen(line) >= 14 &&
		    strncasecmp(line + 4, "PIPELINING", 10) == 0 &&
		    (line[14] == '\0' || line[14] == ' '))
			c->pipelining = 1;
	} while (line[3] == '-');
	c->res->code = atoi(line);
	snprintf(c->res->reply, sizeof(c->res->reply), "%.*s",
	    (int)sizeof(c->res->reply) - 1, line);
	return c->res->code;
}

/* Send the command pre arg post CRLF, read the reply: its code, or -1. */
static int
command(struct mp_submit_conn *c, const char *pre, const char *arg,
    const char *post)
{
	char line[MP_SUBMIT_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s%s%s\r\n", pre, arg, post);

	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(c->res->reply, sizeof(c->res->reply),
		    "an SMTP command longer than %zu bytes", sizeof(line));
		return -1;
	}
	if (send_all(c, line, (size_t)n) != 0)
		return -1;
	return reply(c);
}

static int
connect_to(const char *addr, struct mp_submit_conn *c)
{
	struct addrinfo hints, *ai = NULL, *a;
	struct sockaddr_un un;
	char host[256];
	const char *port, *h = addr;
	size_t hl;
	int rc, fd = -1;

	if (strncmp(addr, "unix:", 5) == 0) {
		if (strlen(addr + 5) >= sizeof(un.sun_path)) {
			snprintf(c->res->reply, sizeof(c->res->reply),
			    "socket path too long: %s", addr + 5);
			return -1;
		}
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		strcpy(un.sun_path, addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
			snprintf(c->res->reply, sizeof(c->res->reply),
			    "cannot connect to %s: %s", addr, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		c->fd = fd;
		return 0;
	}
	if ((port = strrchr(addr, ':')) == NULL || port[1] == '\0') {
		snprintf(c->res->reply, sizeof(c->res->reply), "SubmitAddress "
		    "\"%s\" is not HOST:PORT, [IPV6]:PORT or unix:PATH", addr);
		return -1;
	}
	hl = (size_t)(port - addr);
	if (*h == '[' && hl >= 2 && addr[hl - 1] == ']')
		h++, hl -= 2;
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(c->res->reply, sizeof(c->res->reply), "SubmitAddress "
		    "\"%s\" has no host", addr);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port + 1, &hints, &ai)) != 0) {
		snprintf(c->res->reply, sizeof(c->res->reply), "SubmitAddress "
		    "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
		    a->ai_protocol)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		snprintf(c->res->reply, sizeof(c->res->reply),
		    "cannot connect to %s: %s", addr, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	c->fd = fd;
	return 0;
}

/* The message with leading dots doubled and a CRLF line end at the end,
 * then the end of data; written a line run at a time. */
static int
send_data(struct mp_submit_conn *c, const char *msg, size_t len)
{
	struct mp_buf b;
	const char *p = msg, *end = msg + len, *nl;
	int rc = MP_OK;

	mp_buf_init(&b, 0);
	while (p < end && rc == MP_OK) {
		if (*p == '.')
			rc = mp_buf_append(&b, ".", 1);
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl + 1 : end;
		if (rc == MP_OK)
			rc = mp_buf_append(&b, p, (size_t)(nl - p));
		p = nl;
		/* flush in pieces: a message may be megabytes */
		if (rc == MP_OK && b.len >= 65536) {
			if (send_all(c, b.data, b.len) != 0) {
				mp_buf_free(&b);
				return -1;
			}
			mp_buf_reset(&b);
		}
	}
	if (rc == MP_OK && len > 0 && msg[len - 1] != '\n')
		rc = mp_buf_puts(&b, "\r\n");
	if (rc == MP_OK)
		rc = mp_buf_puts(&b, ".\r\n");
	if (rc != MP_OK) {
		mp_buf_free(&b);
		snprintf(c->res->reply, sizeof(c->res->reply), "out of memory");
		return -1;
	}
	rc = send_all(c, b.data, b.len);
	mp_buf_free(&b);
	return rc;
}

static void
drop(struct mp_submit_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inlen = c->inpos = 0;
}

/* Connect, read the greeting, EHLO: 0, or -1 (closed; c->res says). */
static int
greet(struct mp_submit_conn *c)
{
	int code;

	if (connect_to(c->addr, c) != 0)
		return -1;
	c->pipelining = 0;
	if ((code = reply(c)) == 220) {
		c->ehlo = 1;
		code = command(c, "EHLO ", c->helo, "");
		c->ehlo = 0;
		if (code == 250)
			return 0;
	}
	if (code > 0) {		/* an answer, but not the one wanted */
		struct mp_submit_result keep = *c->res;

		(void)command(c, "QUIT", "", "");
		*c->res = keep;
	}
	drop(c);
	return -1;
}

/* The error for a connection that could not be opened. */
static int
open_error(const struct mp_submit_conn *c, struct mp_error *err)
{
	return mp_error_set(err, MP_ERETRY, "%s: %s", c->addr,
	    c->res->reply[0] ? c->res->reply : "no answer");
}

void
mp_submit_close(struct mp_submit_conn **cp)
{
	struct mp_submit_result scratch;
	struct mp_submit_conn *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	/* QUIT is a courtesy whose answer changes nothing */
	if (c->fd >= 0) {
		c->res = &scratch;
		(void)command(c, "QUIT", "", "");
	}
	drop(c);
	free(c->addr);
	free(c->helo);
	free(c);
}

int
mp_submit_open(const char *addr, const char *helo, unsigned timeout,
    struct mp_submit_conn **cp, struct mp_submit_result *res,
    struct mp_error *err)
{
	struct mp_submit_conn *c;

	*cp = NULL;
	memset(res, 0, sizeof(*res));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->addr = strdup(addr)) == NULL || (c->helo = strdup(helo)) == NULL) {
		if (c != NULL)
			free(c->addr);
		free(c);
		snprintf(res->reply, sizeof(res->reply), "out of memory");
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	c->fd = -1;
	c->timeout = timeout ? timeout : 60;
	c->res = res;
	if (greet(c) != 0) {
		open_error(c, err);
		mp_submit_close(&c);
		return MP_ERETRY;
	}
	*cp = c;
	return MP_OK;
}

int
mp_submit_usable(const struct mp_submit_conn *c)
{
	return c != NULL && c->fd >= 0;
}

/*
 * MAIL, RCPT for each recipient, DATA: 354 to go on, the first answer
 * that refused (c->res holds it), or -1 (broken; closed when the
 * connection cannot go on). With PIPELINING (RFC 2920) they go in one
 * write and the answers are read in order, all of them: one round trip
 * instead of 2 + nrcpts, for the MTA's smtpd as much as for us.
 */
static int
envelope(struct mp_submit_conn *c, const char *sender, const char *const *rcpts,
    size_t nrcpts)
{
	struct mp_submit_result first;
	struct mp_buf b;
	int code, bad = 0, rc = MP_OK;
	size_t i;

	if (!c->pipelining) {
		if ((code = command(c, "MAIL FROM:<", sender, ">")) != 250)
			return code;
		for (i = 0; i < nrcpts; i++)
			if ((code = command(c, "RCPT TO:<", rcpts[i], ">")) !=
			    250 && code != 251)
				return code;
		return command(c, "DATA", "", "");
	}
	if (strlen(sender) > MP_SUBMIT_LINE_MAX - 16) {
		snprintf(c->res->reply, sizeof(c->res->reply), "an SMTP command "
		    "longer than %d bytes", MP_SUBMIT_LINE_MAX);
		return -1;
	}
	mp_buf_init(&b, 0);
	rc = mp_buf_printf(&b, "MAIL FROM:<%s>\r\n", sender);
	for (i = 0; i < nrcpts && rc == MP_OK; i++)
		rc = strlen(rcpts[i]) > MP_SUBMIT_LINE_MAX - 16 ? MP_ELIMIT :
		    mp_buf_printf(&b, "RCPT TO:<%s>\r\n", rcpts[i]);
	if (rc == MP_OK)
		rc = mp_buf_puts(&b, "DATA\r\n");
	if (rc != MP_OK) {
		mp_buf_free(&b);
		snprintf(c->res->reply, sizeof(c->res->reply), rc == MP_ELIMIT ?
		    "an SMTP command longer than %d bytes" : "out of memory",
		    MP_SUBMIT_LINE_MAX);
		return -1;
	}
	rc = send_all(c, b.data, b.len);
	mp_buf_free(&b);
	if (rc != 0)
		return -1;
	memset(&first, 0, sizeof(first));
	for (i = 0; i < nrcpts + 2; i++) {
		if ((code = reply(c)) < 0)
			return -1;
		if (bad == 0 && (i == 0 ? code != 250 : i <= nrcpts ?
		    code != 250 && code != 251 : code != 354)) {
			bad = code;
			first = *c->res;
		}
	}
	if (bad == 0)
		return 354;
	if (code == 354) {
		/* DATA went on though MAIL or RCPT was refused (an MTA
		 * should answer 554): no message to end it with, so the
		 * connection goes */
		drop(c);
	}
	*c->res = first;
	return bad;
}

int
mp_submit_send(struct mp_submit_conn *c, const char *sender,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    struct mp_submit_result *res, struct mp_error *err)
{
	int code;

	memset(res, 0, sizeof(*res));
	c->res = res;
	if (c->fd < 0) {
		snprintf(res->reply, sizeof(res->reply), "the connection to the "
		    "MTA was lost before this message");
		return mp_error_set(err, MP_ERETRY, "%s: %s", c->addr, res->reply);
	}
	code = envelope(c, sender, rcpts, nrcpts);
	/* A kept connection the MTA closed while it was idle: nothing of
	 * this message was taken (no data was sent); once more on a new
	 * one. */
	if (code < 0 && c->carried > 0) {
		drop(c);
		memset(res, 0, sizeof(*res));
		if (greet(c) != 0)
			return open_error(c, err);
		c->carried = 0;
		code = envelope(c, sender, rcpts, nrcpts);
	}
	if (code != 354)
		goto fail;
	if (send_data(c, msg, len) != 0) {
		code = -1;
		goto fail;
	}
	if ((code = reply(c)) != 250)
		goto fail;
	c->carried++;
	return MP_OK;
fail:
	if (code < 0 || c->fd < 0)
		drop(c);	/* broken: what state the MTA is in is unknown */
	else {
		/* an answer that ends this message: a clean slate for the
		 * next one, or no next one on this connection */
		struct mp_submit_result keep = *res;

		if (command(c, "RSET", "", "") != 250)
			drop(c);
		*res = keep;
	}
	if (code >= 500 && code < 600)
		return mp_error_set(err, MP_EINPUT, "%s refused the message: %s",
		    c->addr, res->reply);
	return mp_error_set(err, MP_ERETRY, "%s: %s", c->addr,
	    res->reply[0] ? res->reply : "no answer");
}

int
mp_submit(const char *addr, const char *helo, unsigned timeout,
    const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *msg, size_t len, struct mp_submit_result *res,
    struct mp_error *err)
{
	struct mp_submit_conn *c = NULL;
	int rc;

	if ((rc = mp_submit_open(addr, helo, timeout, &c, res, err)) != MP_OK)
		return rc;
	rc = mp_submit_send(c, sender, rcpts, nrcpts, msg, len, res, err);
	mp_submit_close(&c);
	return rc;
}
