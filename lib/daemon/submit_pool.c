/*
 * submit_pool - see submit_pool.h
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit_pool.h"

struct mp_submit_pool {
	char *addr, *helo;
	unsigned timeout;
	mp_submit_done_fn done;
	void *arg;

	pthread_mutex_t mu;		/* the queue and the flags */
	pthread_cond_t work, room;
	struct mp_submit_msg *q;	/* ring of cap */
	size_t cap, head, count;
	int closing, down;

	pthread_mutex_t done_mu;	/* one `done` call at a time */
	pthread_t tid[MP_SUBMIT_POOL_MAX];
	unsigned nthreads;
};

/* The next queued message into *m: 1, or 0 when closing and none is left. */
static int
next(struct mp_submit_pool *p, struct mp_submit_msg *m, int *down)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->closing)
		pthread_cond_wait(&p->work, &p->mu);
	if (p->count == 0) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	*m = p->q[p->head];
	p->head = (p->head + 1) % p->cap;
	p->count--;
	*down = p->down;
	pthread_cond_signal(&p->room);
	pthread_mutex_unlock(&p->mu);
	return 1;
}

static void *
worker(void *arg)
{
	struct mp_submit_pool *p = arg;
	struct mp_submit_conn *c = NULL;
	struct mp_submit_result res;
	struct mp_submit_msg m;
	struct mp_error err;
	int rc, down, tried;

	while (next(p, &m, &down)) {
		mp_error_clear(&err);
		memset(&res, 0, sizeof(res));
		tried = !down;
		if (down) {
			snprintf(res.reply, sizeof(res.reply), "not tried: the MTA "
			    "did not take another message in this pass");
			rc = mp_error_set(&err, MP_ERETRY, "%s", res.reply);
		} else {
			rc = MP_OK;
			if (!mp_submit_usable(c)) {
				mp_submit_close(&c);
				rc = mp_submit_open(p->addr, p->helo, p->timeout,
				    &c, &res, &err);
			}
			if (rc == MP_OK)
				rc = mp_submit_send(c, m.sender, m.rcpts, m.nrcpts,
				    m.data, m.len, &res, &err);
			if (rc == MP_ERETRY) {	/* the others stop at once */
				pthread_mutex_lock(&p->mu);
				p->down = 1;
				pthread_cond_broadcast(&p->room);
				pthread_mutex_unlock(&p->mu);
			}
		}
		pthread_mutex_lock(&p->done_mu);
		p->done(p->arg, &m, tried, rc, &res, &err);
		pthread_mutex_unlock(&p->done_mu);
	}
	mp_submit_close(&c);
	return NULL;
}

struct mp_submit_pool *
mp_submit_pool_new(const char *addr, const char *helo, unsigned timeout,
    unsigned conns, size_t queue, mp_submit_done_fn done, void *arg,
    struct mp_error *err)
{
	struct mp_submit_pool *p;

	if (conns == 0 || conns > MP_SUBMIT_POOL_MAX) {
		mp_error_set(err, MP_EINPUT, "%u connections to the MTA: from 1 "
		    "to %d", conns, MP_SUBMIT_POOL_MAX);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->addr = strdup(addr)) == NULL || (p->helo = strdup(helo)) == NULL ||
	    (p->q = calloc(queue ? queue : 1, sizeof(*p->q))) == NULL) {
		if (p != NULL) {
			free(p->addr);
			free(p->helo);
		}
		free(p);
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	p->cap = queue ? queue : 1;
	p->timeout = timeout;
	p->done = done;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->done_mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	for (; p->nthreads < conns; p->nthreads++)
		if (pthread_create(&p->tid[p->nthreads], NULL, worker, p) != 0)
			break;
	if (p->nthreads == 0) {
		mp_error_set(err, MP_ERETRY, "cannot start a thread to submit "
		    "to the MTA");
		mp_submit_pool_finish(&p);
		return NULL;
	}
	return p;	/* fewer threads than asked for still send everything */
}

int
mp_submit_pool_put(struct mp_submit_pool *p, const struct mp_submit_msg *m)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == p->cap && !p->down)
		pthread_cond_wait(&p->room, &p->mu);
	if (p->down) {
		pthread_mutex_unlock(&p->mu);
		return MP_ERETRY;
	}
	p->q[(p->head + p->count) % p->cap] = *m;
	p->count++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return MP_OK;
}

int
mp_submit_pool_down(struct mp_submit_pool *p)
{
	int down;

	pthread_mutex_lock(&p->mu);
	down = p->down;
	pthread_mutex_unlock(&p->mu);
	return down;
}

void
mp_submit_pool_finish(struct mp_submit_pool **pp)
{
	struct mp_submit_pool *p = *pp;
	unsigned i;

	if (p == NULL)
		return;
	*pp = NULL;
	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->done_mu);
	free(p->q);
	free(p->addr);
	free(p->helo);
	free(p);
}
