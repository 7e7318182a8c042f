/*
 * health - see health.h
 *
 * Record: "h" lower-cased address  ->  n entries of 8-byte time,
 * MP_HEALTH_STATUS_MAX bytes of Status, MP_HEALTH_ID_MAX bytes of
 * notice id (NUL-padded), oldest first.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "seen.h"
#include "seen_int.h"

#define ENTRY (8 + MP_HEALTH_STATUS_MAX + MP_HEALTH_ID_MAX)

static int
make_key(const char *addr, char *k, size_t *klen, struct mp_error *err)
{
	size_t i, n = addr != NULL ? strlen(addr) : 0;

	if (n == 0 || n >= MP_HEALTH_ADDR_MAX)
		return mp_error_set(err, MP_EINPUT, "contact address empty or "
		    "longer than %d bytes", MP_HEALTH_ADDR_MAX - 1);
	k[0] = 'h';
	for (i = 0; i < n; i++)
		k[1 + i] = (char)tolower((unsigned char)addr[i]);
	*klen = n + 1;
	return MP_OK;
}

static void
decode(const char *k, size_t klen, const char *v, size_t len,
    struct mp_health *h)
{
	size_t i;
	const char *e;

	memset(h, 0, sizeof(*h));
	memcpy(h->addr, k + 1, klen - 1);
	if (len % ENTRY != 0 || len / ENTRY > MP_HEALTH_KEEP)
		return;		/* damaged: no bounces */
	h->n = len / ENTRY;
	for (i = 0; i < h->n; i++) {
		e = v + i * ENTRY;
		h->b[i].at = mp_seen_get64_((const unsigned char *)e);
		memcpy(h->b[i].status, e + 8, MP_HEALTH_STATUS_MAX - 1);
		memcpy(h->b[i].notice, e + 8 + MP_HEALTH_STATUS_MAX,
		    MP_HEALTH_ID_MAX - 1);
	}
}

static void
encode(const struct mp_health *h, char *v)
{
	size_t i;
	char *e;

	memset(v, 0, h->n * ENTRY);
	for (i = 0; i < h->n; i++) {
		e = v + i * ENTRY;
		mp_seen_put64_((unsigned char *)e, h->b[i].at);
		memcpy(e + 8, h->b[i].status, strlen(h->b[i].status));
		memcpy(e + 8 + MP_HEALTH_STATUS_MAX, h->b[i].notice,
		    strlen(h->b[i].notice));
	}
}

/* Fetch under the lock; MP_RETRY with err on a DB error. */
static enum mp_lookup
fetch_locked(struct mp_seen *s, const char *k, size_t klen, struct mp_health *h,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)klen }, val;

	val = gdbm_fetch(s->db, key);
	if (val.dptr == NULL) {
		memset(h, 0, sizeof(*h));
		memcpy(h->addr, k + 1, klen - 1);
		if (gdbm_errno != GDBM_ITEM_NOT_FOUND) {
			mp_seen_db_error_(s, "read", err);
			return MP_RETRY;
		}
		return MP_NOTFOUND;
	}
	decode(k, klen, val.dptr, (size_t)val.dsize, h);
	free(val.dptr);
	return MP_FOUND;
}

int
mp_health_add(struct mp_seen *s, const char *addr, time_t at,
    const char *status, const char *notice, struct mp_error *err)
{
	char k[1 + MP_HEALTH_ADDR_MAX], v[MP_HEALTH_KEEP * ENTRY];
	struct mp_health *h;
	datum key, val;
	size_t klen;
	int rc;

	if ((rc = make_key(addr, k, &klen, err)) != MP_OK)
		return rc;
	if ((h = malloc(sizeof(*h))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if (fetch_locked(s, k, klen, h, err) == MP_RETRY)
		rc = MP_ERETRY;
	else {
		if (h->n == MP_HEALTH_KEEP) {	/* the oldest goes */
			memmove(&h->b[0], &h->b[1], (h->n - 1) * sizeof(h->b[0]));
			h->n--;
		}
		memset(&h->b[h->n], 0, sizeof(h->b[0]));
		h->b[h->n].at = at;
		snprintf(h->b[h->n].status, MP_HEALTH_STATUS_MAX, "%s",
		    status != NULL ? status : "");
		snprintf(h->b[h->n].notice, MP_HEALTH_ID_MAX, "%s",
		    notice != NULL ? notice : "");
		h->n++;
		encode(h, v);
		key.dptr = k, key.dsize = (int)klen;
		val.dptr = v, val.dsize = (int)(h->n * ENTRY);
		if (gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
			rc = mp_seen_db_error_(s, "write", err);
	}
	pthread_mutex_unlock(&s->lock);
	free(h);
	return rc;
}

int
mp_health_undo(struct mp_seen *s, const char *addr, time_t at,
    struct mp_error *err)
{
	char k[1 + MP_HEALTH_ADDR_MAX], v[MP_HEALTH_KEEP * ENTRY];
	struct mp_health *h;
	datum key, val;
	size_t klen, i;
	int rc;

	if ((rc = make_key(addr, k, &klen, err)) != MP_OK)
		return rc;
	if ((h = malloc(sizeof(*h))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if (fetch_locked(s, k, klen, h, err) == MP_RETRY)
		rc = MP_ERETRY;
	/* newest first: the one to take back was the last added */
	for (i = h->n; rc == MP_OK && i-- > 0;)
		if (h->b[i].at == (int64_t)at) {
			memmove(&h->b[i], &h->b[i + 1],
			    (h->n - i - 1) * sizeof(h->b[0]));
			h->n--;
			key.dptr = k, key.dsize = (int)klen;
			encode(h, v);
			val.dptr = v, val.dsize = (int)(h->n * ENTRY);
			if ((h->n == 0 ? gdbm_delete(s->db, key) :
			    gdbm_store(s->db, key, val, GDBM_REPLACE)) != 0)
				rc = mp_seen_db_error_(s, "update", err);
			break;
		}
	pthread_mutex_unlock(&s->lock);
	free(h);
	return rc;
}

enum mp_lookup
mp_health_get(struct mp_seen *s, const char *addr, struct mp_health *h,
    struct mp_error *err)
{
	char k[1 + MP_HEALTH_ADDR_MAX];
	size_t klen;
	enum mp_lookup lk;

	memset(h, 0, sizeof(*h));
	if (make_key(addr, k, &klen, NULL) != MP_OK)
		return MP_NOTFOUND;
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	lk = fetch_locked(s, k, klen, h, err);
	pthread_mutex_unlock(&s->lock);
	return lk;
}

int
mp_health_judge(const struct mp_health *h, time_t now, unsigned limit,
    unsigned window, time_t *since, unsigned *count)
{
	unsigned c = 0;
	time_t t = 0;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->b[i].at > (int64_t)now - (int64_t)window &&
		    h->b[i].at <= (int64_t)now && ++c == limit)
			t = (time_t)h->b[i].at;
	if (since != NULL)
		*since = limit > 0 && c >= limit ? t : 0;
	if (count != NULL)
		*count = c;
	return limit > 0 && c >= limit;
}

enum mp_lookup
mp_health_reset(struct mp_seen *s, const char *addr, struct mp_health *was,
    struct mp_error *err)
{
	char k[1 + MP_HEALTH_ADDR_MAX];
	struct mp_health h;
	size_t klen;
	datum key;
	enum mp_lookup lk;

	if (make_key(addr, k, &klen, NULL) != MP_OK)
		return MP_NOTFOUND;
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	lk = fetch_locked(s, k, klen, &h, err);
	key.dptr = k, key.dsize = (int)klen;
	if (lk == MP_FOUND && gdbm_delete(s->db, key) != 0 &&
	    gdbm_errno != GDBM_ITEM_NOT_FOUND) {
		mp_seen_db_error_(s, "update", err);
		lk = MP_RETRY;
	}
	pthread_mutex_unlock(&s->lock);
	if (was != NULL)
		*was = h;
	return lk;
}

int
mp_health_list(struct mp_seen *s,
    int (*fn)(const struct mp_health *h, void *arg), void *arg,
    struct mp_error *err)
{
	struct mp_health *h;
	datum key, next, val;
	int rc = MP_OK;

	if ((h = malloc(sizeof(*h))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	key = gdbm_firstkey(s->db);
	while (key.dptr != NULL && rc == MP_OK) {
		if (key.dsize > 1 && key.dsize <= MP_HEALTH_ADDR_MAX &&
		    key.dptr[0] == 'h') {
			val = gdbm_fetch(s->db, key);
			if (val.dptr != NULL) {
				decode(key.dptr, (size_t)key.dsize, val.dptr,
				    (size_t)val.dsize, h);
				free(val.dptr);
				rc = fn(h, arg);
			}
		}
		next = gdbm_nextkey(s->db, key);
		free(key.dptr);
		key = next;
	}
	free(key.dptr);
	if (rc == MP_OK && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR)
		rc = mp_seen_db_error_(s, "walk", err);
	pthread_mutex_unlock(&s->lock);
	free(h);
	return rc;
}

int
mp_health_check(struct mp_seen *s, const char *addr, time_t now,
    unsigned limit, unsigned window, char *why, size_t whylen,
    struct mp_error *err)
{
	struct mp_health *h;
	char when[32];
	struct tm tm;
	time_t since;
	unsigned n;
	enum mp_lookup lk;
	int r = 0;

	if (limit == 0)
		return 0;
	if ((h = malloc(sizeof(*h))) == NULL) {
		mp_error_set(err, MP_ERETRY, "out of memory");
		return -1;
	}
	lk = mp_health_get(s, addr, h, err);
	if (lk == MP_RETRY)
		r = -1;
	else if (lk == MP_FOUND && mp_health_judge(h, now, limit, window,
	    &since, &n)) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
		    gmtime_r(&since, &tm));
		snprintf(why, whylen, "unreachable since %s (%u bounces)", when,
		    n);
		r = 1;
	}
	free(h);
	return r;
}
