/*
 * NAME
 *	submit - hand one message to the MTA over SMTP
 * DESCRIPTION
 *	The sender (sender.h) makes new messages, which a milter cannot: it
 *	submits each to the MTA's submission service for the clearinghouse
 *	(SubmitAddress, meldpunt.conf(5)), where meldpunt-milter signs it as
 *	outbound like any other mail of the clearinghouse. Plain SMTP
 *	(RFC 5321) on a loopback or local listener: EHLO, then per message
 *	MAIL FROM, one RCPT TO per recipient, DATA with the message
 *	dot-stuffed; QUIT at the end. When the MTA offers PIPELINING (RFC
 *	2920), MAIL, RCPT and DATA go in one write. No TLS or AUTH: the listener is the
 *	MTA's own, on this host, for this sender alone (docs/feeds.md shows
 *	the Postfix master.cf line).
 *
 *	mp_submit_open() connects and says EHLO; mp_submit_send() hands one
 *	message over the connection and may be called again for the next:
 *	a connection carries many messages, so a backlog does not pay for a
 *	connection, a greeting and the MTA's milter connection per message.
 *	A transaction the MTA refused part-way is ended with RSET; a
 *	connection that broke (or would not RSET) is closed, and the next
 *	mp_submit_send() on it says so at once (MP_ERETRY). When a kept
 *	connection turns out to be closed by the MTA before it answered MAIL
 *	(it timed out an idle client), the message is tried once on a new
 *	connection: nothing of it had been taken. mp_submit_close() says
 *	QUIT and frees. mp_submit() is the three for one message.
 *
 *	`addr` is "HOST:PORT" (a name or IPv4 address), "[IPV6]:PORT", or
 *	"unix:PATH". Every read and write waits at most `timeout` seconds.
 * RETURNS
 *	MP_OK when the MTA answered 250 to the end of DATA (it has the
 *	message); MP_ERETRY when it could not be reached, timed out, closed
 *	the connection or answered 4xx (try again: nothing was taken, or
 *	the milter discards the repeat); MP_EINPUT when it answered 5xx (the
 *	message is refused for good: res->reply says why). res->code and
 *	res->reply hold the last answer, or what went wrong.
 * THREADS
 *	A connection is used by one thread at a time; different connections
 *	are independent (submit_pool.h runs several at once).
 * LIMITS
 *	A reply line is read up to MP_SUBMIT_LINE_MAX bytes; longer is cut.
 */
#ifndef MP_SUBMIT_H
#define MP_SUBMIT_H

#include <stddef.h>

#include "error.h"

#define MP_SUBMIT_LINE_MAX	1024
#define MP_SUBMIT_REPLY_MAX	512

struct mp_submit_result {
	int code;			/* the last SMTP reply code, 0: none */
	char reply[MP_SUBMIT_REPLY_MAX];	/* its text, or the local error */
};

struct mp_submit_conn;

int mp_submit_open(const char *addr, const char *helo, unsigned timeout,
    struct mp_submit_conn **cp, struct mp_submit_result *res,
    struct mp_error *err);
int mp_submit_send(struct mp_submit_conn *c, const char *sender,
    const char *const *rcpts, size_t nrcpts, const char *msg, size_t len,
    struct mp_submit_result *res, struct mp_error *err);
/* 1 while the connection can carry another message. */
int mp_submit_usable(const struct mp_submit_conn *c);
/* QUIT (when the connection is still usable), close, free; NULLs *cp. */
void mp_submit_close(struct mp_submit_conn **cp);

int mp_submit(const char *addr, const char *helo, unsigned timeout,
    const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *msg, size_t len, struct mp_submit_result *res,
    struct mp_error *err);

#endif
