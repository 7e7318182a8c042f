/*
 * statedb - see statedb.h
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seen.h"
#include "statedb.h"

struct mp_statedb {
	unsigned refs;		/* atomic */
	pthread_mutex_t lock;	/* guards seen, last_try, why */
	char *path;
	struct mp_seen *seen;
	time_t last_try;
	char why[MP_ERROR_MAX];
};

struct mp_statedb *
mp_statedb_new(const char *path, struct mp_error *err)
{
	struct mp_statedb *sdb;

	if ((sdb = calloc(1, sizeof(*sdb))) == NULL ||
	    (sdb->path = strdup(path)) == NULL) {
		free(sdb);
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	sdb->refs = 1;
	pthread_mutex_init(&sdb->lock, NULL);
	return sdb;
}

struct mp_statedb *
mp_statedb_ref(struct mp_statedb *sdb)
{
	__atomic_add_fetch(&sdb->refs, 1, __ATOMIC_SEQ_CST);
	return sdb;
}

void
mp_statedb_unref(struct mp_statedb **sdbp)
{
	struct mp_statedb *sdb = *sdbp;

	*sdbp = NULL;
	if (sdb == NULL || __atomic_sub_fetch(&sdb->refs, 1, __ATOMIC_SEQ_CST) != 0)
		return;
	mp_seen_close(&sdb->seen);
	pthread_mutex_destroy(&sdb->lock);
	free(sdb->path);
	free(sdb);
}

const char *
mp_statedb_path(const struct mp_statedb *sdb)
{
	return sdb->path;
}

struct mp_seen *
mp_statedb_get(struct mp_statedb *sdb, struct mp_error *err)
{
	struct mp_seen *seen;
	time_t now = time(NULL);

	pthread_mutex_lock(&sdb->lock);
	if (sdb->seen == NULL && now - sdb->last_try >= MP_STATEDB_RETRY) {
		sdb->last_try = now;
		if ((sdb->seen = mp_seen_open(sdb->path, err)) == NULL)
			snprintf(sdb->why, sizeof(sdb->why), "%s", err->msg);
	}
	if ((seen = sdb->seen) == NULL)
		mp_error_set(err, MP_ERETRY, "StateDB %s: %s", sdb->path,
		    sdb->why[0] ? sdb->why : "not open");
	pthread_mutex_unlock(&sdb->lock);
	return seen;
}
