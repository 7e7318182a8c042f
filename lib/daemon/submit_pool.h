/*
 * NAME
 *	submit_pool - several SMTP connections to the MTA at once
 * DESCRIPTION
 *	One submission is a chain of steps, each waiting on the one before:
 *	the MTA's smtpd, the milter (which signs and syncs its mark), the
 *	MTA's cleanup writing and syncing its queue file. Over a single
 *	connection the machine idles between them, and the sender's rate is
 *	one message per chain. The pool runs `conns` threads, each with one
 *	connection (submit.h) kept open for as many messages as come, so
 *	that a backlog goes out at the rate the MTA takes mail from several
 *	clients.
 *
 *	mp_submit_pool_put() queues a message (the pool keeps the pointers,
 *	not a copy of the bytes: they must stay until `done` has been
 *	called for it); it waits while `queue` messages are waiting already.
 *	A pool thread submits it and calls `done` with the outcome: one call
 *	at a time, from the pool's threads, in the order the MTA answered.
 *
 *	The first message that comes back MP_ERETRY (the MTA cannot be
 *	reached, timed out, answered 4xx) puts the pool down: the messages
 *	still waiting go to `done` untried (tried 0), and put refuses new
 *	ones (MP_ERETRY, the message not taken); the sender tries again at
 *	its next pass. mp_submit_pool_down() tells whether that happened.
 *
 *	mp_submit_pool_finish() waits until every queued message has been
 *	through `done`, says QUIT on each connection, joins the threads and
 *	frees the pool.
 * THREADS
 *	put, down and finish from one thread (the sender's); `done` runs in
 *	the pool's threads, one call at a time.
 * LIMITS
 *	At most MP_SUBMIT_POOL_MAX connections.
 */
#ifndef MP_SUBMIT_POOL_H
#define MP_SUBMIT_POOL_H

#include <stddef.h>

#include "error.h"
#include "submit.h"

#define MP_SUBMIT_POOL_MAX	64

struct mp_submit_msg {
	const char *sender;
	const char *const *rcpts;
	size_t nrcpts;
	const char *data;
	size_t len;
	void *arg;		/* the caller's, handed back to done */
};

typedef void (*mp_submit_done_fn)(void *arg, const struct mp_submit_msg *m,
    int tried, int rc, const struct mp_submit_result *res,
    const struct mp_error *err);

struct mp_submit_pool;

struct mp_submit_pool *mp_submit_pool_new(const char *addr, const char *helo,
    unsigned timeout, unsigned conns, size_t queue, mp_submit_done_fn done,
    void *arg, struct mp_error *err);
int mp_submit_pool_put(struct mp_submit_pool *p, const struct mp_submit_msg *m);
int mp_submit_pool_down(struct mp_submit_pool *p);
void mp_submit_pool_finish(struct mp_submit_pool **pp);

#endif
