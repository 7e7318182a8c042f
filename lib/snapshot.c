/*
 * snapshot - see snapshot.h
 */
#include "config.h"

#include <stdlib.h>

#include "snapshot.h"

static void
snapshot_free(struct mp_snapshot *s)
{
	mp_conf_free(&s->conf);
	free(s);
}

struct mp_snapshot *
mp_snapshot_load(const char *conf_path, struct mp_error *err)
{
	struct mp_snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	s->refs = 1;
	s->loaded = time(NULL);
	if ((s->conf = mp_conf_load(conf_path, err)) == NULL) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

void
mp_current_init(struct mp_current *cur)
{
	pthread_mutex_init(&cur->lock, NULL);
	cur->snap = NULL;
	cur->generation = 0;
}

static void
unref_locked(struct mp_snapshot *s)
{
	if (s != NULL && --s->refs == 0)
		snapshot_free(s);
}

void
mp_current_install(struct mp_current *cur, struct mp_snapshot *snap)
{
	pthread_mutex_lock(&cur->lock);
	snap->generation = ++cur->generation;
	unref_locked(cur->snap);
	cur->snap = snap;
	pthread_mutex_unlock(&cur->lock);
}

struct mp_snapshot *
mp_current_acquire(struct mp_current *cur)
{
	struct mp_snapshot *s;

	pthread_mutex_lock(&cur->lock);
	if ((s = cur->snap) != NULL)
		s->refs++;
	pthread_mutex_unlock(&cur->lock);
	return s;
}

void
mp_current_release(struct mp_current *cur, struct mp_snapshot **snapp)
{
	if (*snapp == NULL)
		return;
	pthread_mutex_lock(&cur->lock);
	unref_locked(*snapp);
	pthread_mutex_unlock(&cur->lock);
	*snapp = NULL;
}

void
mp_current_clear(struct mp_current *cur)
{
	pthread_mutex_lock(&cur->lock);
	unref_locked(cur->snap);
	cur->snap = NULL;
	pthread_mutex_unlock(&cur->lock);
}
