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
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "submit.h"

struct conn {
	int fd;
	unsigned timeout;
	char in[4096];
	size_t inlen, inpos;
	struct mp_submit_result *res;
};

/* Wait for `events` on the socket, at most the timeout. 0, or -1. */
static int
wait_for(struct conn *c, short events)
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
send_all(struct conn *c, const char *p, size_t n)
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
read_line(struct conn *c, char *line, size_t size)
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
reply(struct conn *c)
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
	} while (line[3] == '-');
	c->res->code = atoi(line);
	snprintf(c->res->reply, sizeof(c->res->reply), "%.*s",
	    (int)sizeof(c->res->reply) - 1, line);
	return c->res->code;
}

/* Send the command pre arg post CRLF, read the reply: its code, or -1. */
static int
command(struct conn *c, const char *pre, const char *arg, const char *post)
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
connect_to(const char *addr, struct conn *c)
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
 * then the end of data. */
static int
send_data(struct conn *c, const char *msg, size_t len)
{
	struct mp_buf b;
	size_t i;
	int rc = MP_OK, bol = 1;

	mp_buf_init(&b, 0);
	for (i = 0; i < len && rc == MP_OK; i++) {
		if (bol && msg[i] == '.')
			rc = mp_buf_append(&b, ".", 1);
		if (rc == MP_OK)
			rc = mp_buf_append(&b, msg + i, 1);
		bol = msg[i] == '\n';
		/* flush in pieces: a message may be megabytes */
		if (rc == MP_OK && b.len >= 65536) {
			if (send_all(c, b.data, b.len) != 0) {
				mp_buf_free(&b);
				return -1;
			}
			mp_buf_reset(&b);
		}
	}
	if (rc == MP_OK && !bol)
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

/* QUIT and close; its answer does not replace the one that counts. */
static void
quit(struct conn *c)
{
	struct mp_submit_result keep = *c->res;

	(void)command(c, "QUIT", "", "");
	*c->res = keep;
	close(c->fd);
	c->fd = -1;
}

int
mp_submit(const char *addr, const char *helo, unsigned timeout,
    const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *msg, size_t len, struct mp_submit_result *res,
    struct mp_error *err)
{
	struct conn c = { -1, timeout ? timeout : 60, { 0 }, 0, 0, res };
	int code = -1;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (connect_to(addr, &c) != 0)
		goto fail;
	if ((code = reply(&c)) != 220 ||
	    (code = command(&c, "EHLO ", helo, "")) != 250 ||
	    (code = command(&c, "MAIL FROM:<", sender, ">")) != 250)
		goto fail;
	for (i = 0; i < nrcpts; i++)
		if ((code = command(&c, "RCPT TO:<", rcpts[i], ">")) != 250 &&
		    code != 251)
			goto fail;
	if ((code = command(&c, "DATA", "", "")) != 354)
		goto fail;
	if (send_data(&c, msg, len) != 0) {
		code = -1;
		goto fail;
	}
	if ((code = reply(&c)) != 250)
		goto fail;
	/* it is taken; QUIT is a courtesy whose answer changes nothing */
	quit(&c);
	return MP_OK;
fail:
	if (c.fd >= 0) {
		if (code > 0)
			quit(&c);
		else
			close(c.fd);
	}
	if (code >= 500 && code < 600)
		return mp_error_set(err, MP_EINPUT, "%s refused the message: %s",
		    addr, res->reply);
	return mp_error_set(err, MP_ERETRY, "%s: %s", addr,
	    res->reply[0] ? res->reply : "no answer");
}
