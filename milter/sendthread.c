/*
 * sendthread - see sendthread.h
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "milter.h"
#include "sender.h"
#include "sendthread.h"

#define REQ_MAX		64		/* requests read per pass */
#define REQ_FILE_MAX	(64 * 1024)

static pthread_t tid;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static int started, stopping, woken;

static void
note(void *arg, int problem, const char *line)
{
	(void)arg;
	mp_log(problem ? LOG_WARNING : LOG_INFO, "sender: %s", line);
}

/*
 * Take the request file: renamed first, so that a request written while
 * it is read waits for the next pass instead of being lost. Fields are
 * split in place in buf; returns how many requests.
 */
static size_t
take_requests(const char *statedb, char *buf, size_t size,
    struct mp_sender_request *req)
{
	char path[4096], taking[4096 + 8];
	size_t len, n = 0;
	char *line, *next, *f2, *f3;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s.send", statedb) >= (int)sizeof(path))
		return 0;
	snprintf(taking, sizeof(taking), "%s.taking", path);
	if (rename(path, taking) != 0) {
		if (errno != ENOENT)
			mp_log(LOG_WARNING, "sender: cannot take %s: %s", path,
			    strerror(errno));
		return 0;
	}
	if ((f = fopen(taking, "r")) == NULL) {
		mp_log(LOG_WARNING, "sender: cannot read %s: %s", taking,
		    strerror(errno));
		return 0;
	}
	len = fread(buf, 1, size - 1, f);
	fclose(f);
	unlink(taking);
	buf[len] = '\0';
	for (line = buf; line != NULL && *line != '\0' && n < REQ_MAX;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		memset(&req[n], 0, sizeof(req[n]));
		req[n].contact = line;
		if ((f2 = strchr(line, '\t')) != NULL) {
			*f2++ = '\0';
			req[n].type = f2;
			if ((f3 = strchr(f2, '\t')) != NULL) {
				*f3++ = '\0';
				req[n].lang = f3;
			}
		}
		mp_log(LOG_INFO, "sender: asked to send now: contact=%s type=%s "
		    "lang=%s", *req[n].contact ? req[n].contact : "*",
		    req[n].type && *req[n].type ? req[n].type : "*",
		    req[n].lang && *req[n].lang ? req[n].lang : "*");
		n++;
	}
	return n;
}

static unsigned
pass(void)
{
	static char buf[REQ_FILE_MAX];
	struct mp_sender_request req[REQ_MAX];
	struct mp_sender_tally t;
	struct mp_snapshot *snap = mp_current_acquire(&mp_current_conf);
	struct mp_error err;
	unsigned interval = MP_CONF_DEFAULT_SENDERINTERVAL;
	size_t n = 0;

	if (snap == NULL)
		return interval;
	interval = snap->conf->sender_interval;
	if (snap->conf->submit_addr != NULL) {
		if (snap->conf->state_db != NULL)
			n = take_requests(snap->conf->state_db, buf, sizeof(buf),
			    req);
		mp_error_clear(&err);
		if (mp_sender_pass(snap, time(NULL), req, n, note, NULL, &t,
		    &err) != MP_OK)
			mp_log(LOG_WARNING, "sender: the pass stopped: %s; "
			    "trying again in %u s", err.msg, interval);
		else if (t.due > 0 || t.sent > 0 || t.deferred > 0)
			mp_log(LOG_INFO, "sender: pass: %u due, %u sent (%u rows), "
			    "%u deferred, %u refused", t.due, t.sent, t.rows,
			    t.deferred, t.refused);
	}
	mp_current_release(&mp_current_conf, &snap);
	return interval;
}

static void *
run(void *arg)
{
	struct timespec until;
	unsigned interval = 0;
	int rc;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += interval;
		rc = 0;
		while (!stopping && !woken && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&cond, &lock, &until);
		woken = 0;
		if (stopping) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		interval = pass();
	}
	return NULL;
}

int
mp_sendthread_start(void)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&cond, &ca) != 0 ||
	    pthread_create(&tid, NULL, run, NULL) != 0) {
		mp_log(LOG_ERR, "cannot start the sender thread");
		return -1;
	}
	pthread_condattr_destroy(&ca);
	started = 1;
	return 0;
}

void
mp_sendthread_wake(void)
{
	pthread_mutex_lock(&lock);
	woken = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

void
mp_sendthread_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(tid, NULL);
	started = 0;
}
