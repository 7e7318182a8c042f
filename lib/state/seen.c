/*
 * seen - see seen.h
 *
 * Records, keys and values in network byte order:
 *   "d" type NUL source NUL contact  ->  8-byte time of the last notice,
 *                                        then, until mp_seen_commit(), the
 *                                        8-byte fingerprint of the message
 *                                        that made it (final records, and
 *                                        those from before, have none)
 *   "r" contact                      ->  8-byte times of the last hour
 *   "n" notice id, "h" contact         notices.c, health.c (their own
 *                                      expiry: expired() below)
 *   "b" list row buckets               listseen.c (expired when all their
 *                                      entries are; "B" records stay)
 */
#include "config.h"

#include <errno.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"
#include "seen_int.h"
#include "outbox.h"
#include "tickets.h"


struct key {
	char d[1 + 3 * (MP_SEEN_PART_MAX + 1)];
	size_t dlen;
	char r[1 + MP_SEEN_PART_MAX + 1];
	size_t rlen;
};

const char *
mp_seen_verdict_name(enum mp_seen_verdict v)
{
	switch (v) {
	case MP_SEEN_NEW: return "new";
	case MP_SEEN_DUPLICATE: return "duplicate";
	case MP_SEEN_RATE_LIMITED: return "rate-limited";
	}
	return "?";
}

int
mp_seen_db_error_(struct mp_seen *s, const char *what, struct mp_error *err)
{
	int rc = mp_error_set(err, MP_ERETRY, "%s: cannot %s the state DB: %s",
	    s->path, what, gdbm_db_strerror(s->db));

	/* A failed write can leave GDBM wanting recovery; try, then retry. */
	if (gdbm_needs_recovery(s->db))
		(void)gdbm_recover(s->db, NULL, 0);
	return rc;
}

/* One handle: `flags` GDBM's, `how` for the error ("writing", "reading"). */
static struct mp_seen *
open_db(const char *path, int flags, const char *how, struct mp_error *err)
{
	struct mp_seen *s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		mp_error_set(err, MP_ERETRY, "%s: out of memory", path);
		return NULL;
	}
	s->db = gdbm_open(path, 0, flags | GDBM_CLOEXEC, 0600, NULL);
	if (s->db == NULL) {
		mp_error_set(err, MP_ERETRY, "%s: cannot open the state DB "
		    "(StateDB) for %s: %s%s%s", path, how,
		    gdbm_strerror(gdbm_errno),
		    gdbm_check_syserr(gdbm_errno) ? ": " : "",
		    gdbm_check_syserr(gdbm_errno) ? strerror(errno) : "");
		free(s->path);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->list_lock, NULL);
	return s;
}

struct mp_seen *
mp_seen_open(const char *path, struct mp_error *err)
{
	/* No mmap: a list report adds a record per row, and remapping the
	 * growing file cost a third of its time (tests/bench, bench-feed). */
	return open_db(path, GDBM_WRCREAT | GDBM_NOMMAP, "writing", err);
}

struct mp_seen *
mp_seen_open_read(const char *path, struct mp_error *err)
{
	/* No lock: the milter holds the writer's; a read may see a record
	 * being written (seen.h). */
	return open_db(path, GDBM_READER | GDBM_NOLOCK, "reading", err);
}

void
mp_seen_close(struct mp_seen **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	gdbm_close((*sp)->db);
	pthread_mutex_destroy(&(*sp)->lock);
	pthread_mutex_destroy(&(*sp)->list_lock);
	free((*sp)->path);
	free(*sp);
	*sp = NULL;
}

static int
make_key(struct key *k, const char *type, const char *source,
    const char *contact, struct mp_error *err)
{
	const char *part[3] = { type, source, contact };
	size_t i, n;
	char *p = k->d;

	*p++ = 'd';
	for (i = 0; i < 3; i++) {
		if (part[i] == NULL)
			part[i] = "";
		if ((n = strlen(part[i])) > MP_SEEN_PART_MAX)
			return mp_error_set(err, MP_EINPUT, "state key part "
			    "longer than %d bytes (limit)", MP_SEEN_PART_MAX);
		memcpy(p, part[i], n + 1);	/* with the NUL separator */
		p += n + 1;
	}
	k->dlen = (size_t)(p - k->d);
	n = strlen(part[2]);
	k->r[0] = 'r';
	memcpy(k->r + 1, part[2], n);
	k->rlen = n + 1;
	return MP_OK;
}

void
mp_seen_putn_(unsigned char *p, uint64_t u, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

uint64_t
mp_seen_getn_(const unsigned char *p, int n)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < n; i++)
		u = (u << 8) | p[i];
	return u;
}

void
mp_seen_put64_(unsigned char *p, int64_t v)
{
	mp_seen_putn_(p, (uint64_t)v, 8);
}

int64_t
mp_seen_get64_(const unsigned char *p)
{
	return (int64_t)mp_seen_getn_(p, 8);
}

enum mp_lookup
mp_seen_get_(struct mp_seen *s, const void *k, size_t klen, datum *val,
    const char *what, struct mp_error *err)
{
	datum key = { (char *)k, (int)klen };
	enum mp_lookup lk = MP_FOUND;

	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	*val = gdbm_fetch(s->db, key);
	if (val->dptr == NULL) {
		lk = MP_NOTFOUND;
		if (gdbm_errno != GDBM_ITEM_NOT_FOUND) {
			mp_seen_db_error_(s, what, err);
			lk = MP_RETRY;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return lk;
}

/* Fetch; *out NULL when absent. MP_ERETRY on a DB error. */
static int
fetch(struct mp_seen *s, const char *k, size_t klen, datum *out,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)klen };

	*out = gdbm_fetch(s->db, key);
	if (out->dptr == NULL && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		return mp_seen_db_error_(s, "read", err);
	return MP_OK;
}

static int
store(struct mp_seen *s, const char *k, size_t klen, const void *v,
    size_t vlen, struct mp_error *err)
{
	datum key = { (char *)k, (int)klen }, val = { (char *)v, (int)vlen };

	if (vlen == 0) {
		if (gdbm_delete(s->db, key) != 0 &&
		    gdbm_errno != GDBM_ITEM_NOT_FOUND)
			return mp_seen_db_error_(s, "update", err);
		return MP_OK;
	}
	if (gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
		return mp_seen_db_error_(s, "write", err);
	return MP_OK;
}

/*
 * The dedup record's time, or -1 when there is none (or it is damaged),
 * and the fingerprint of the message that made it (0: none kept).
 */
static int
dedup_time(struct mp_seen *s, const struct key *k, int64_t *t, uint64_t *by,
    struct mp_error *err)
{
	datum v;
	int rc;

	*t = -1;
	*by = 0;
	if ((rc = fetch(s, k->d, k->dlen, &v, err)) != MP_OK)
		return rc;
	if (v.dptr != NULL && (v.dsize == 8 || v.dsize == 16))
		*t = mp_seen_get64_((unsigned char *)v.dptr);
	if (v.dptr != NULL && v.dsize == 16)
		*by = (uint64_t)mp_seen_get64_((unsigned char *)v.dptr + 8);
	free(v.dptr);
	return MP_OK;
}

/*
 * The contact's times within the hour before now, oldest first; one time
 * equal to `skip` (the notice a retried message had recorded) left out.
 */
static int
rate_times(struct mp_seen *s, const struct key *k, time_t now, int64_t skip,
    unsigned char *times, size_t *n, struct mp_error *err)
{
	size_t i, cnt;
	datum v;
	int rc;

	*n = 0;
	if ((rc = fetch(s, k->r, k->rlen, &v, err)) != MP_OK)
		return rc;
	if (v.dptr != NULL && v.dsize % 8 == 0 &&
	    (size_t)v.dsize <= 8 * MP_SEEN_RATE_MAX) {
		cnt = (size_t)v.dsize / 8;
		for (i = 0; i < cnt; i++) {
			const unsigned char *p = (unsigned char *)v.dptr + 8 * i;

			if (skip >= 0 && mp_seen_get64_(p) == skip) {
				skip = -1;
				continue;
			}
			if (mp_seen_get64_(p) > (int64_t)now - MP_SEEN_HOUR)
				memcpy(times + 8 * (*n)++, p, 8);
		}
	}
	free(v.dptr);
	return MP_OK;
}

static int
record(struct mp_seen *s, const struct key *k, time_t now, uint64_t by,
    unsigned char *times, size_t n, unsigned max, unsigned interval,
    struct mp_error *err)
{
	unsigned char t[16];
	int rc;

	if (max > 0) {
		mp_seen_put64_(times + 8 * n, now);
		if ((rc = store(s, k->r, k->rlen, times, 8 * (n + 1), err))
		    != MP_OK)
			return rc;
	}
	if (interval == 0)
		return MP_OK;
	mp_seen_put64_(t, now);
	mp_seen_put64_(t + 8, (int64_t)by);
	if ((rc = store(s, k->d, k->dlen, t, by ? 16 : 8, err)) != MP_OK &&
	    max > 0) {
		/* Leave the rate as it was: the notice is not going out. */
		(void)store(s, k->r, k->rlen, times, 8 * n, NULL);
	}
	return rc;
}

static int
prune_locked(struct mp_seen *s, time_t now, unsigned interval,
    unsigned *removed, struct mp_error *err);

int
mp_seen_check_and_record(struct mp_seen *s, const char *type,
    const char *source, const char *contact, time_t now, unsigned interval,
    unsigned max_per_hour, enum mp_seen_verdict *verdict,
    struct mp_error *err)
{
	return mp_seen_check_and_record_msg(s, type, source, contact, 0, now,
	    interval, max_per_hour, verdict, err);
}

int
mp_seen_check_and_record_msg(struct mp_seen *s, const char *type,
    const char *source, const char *contact, uint64_t msg, time_t now,
    unsigned interval, unsigned max_per_hour, enum mp_seen_verdict *verdict,
    struct mp_error *err)
{
	unsigned char *times = NULL;
	struct key k;
	int64_t prev = -1, again = -1;
	uint64_t by = 0;
	size_t n = 0;
	int rc;

	*verdict = MP_SEEN_NEW;
	if (max_per_hour > MP_SEEN_RATE_MAX)
		return mp_error_set(err, MP_ECONFIG, "MaxNoticesPerContact %u "
		    "is more than %d (limit)", max_per_hour, MP_SEEN_RATE_MAX);
	if ((rc = make_key(&k, type, source, contact, err)) != MP_OK)
		return rc;
	if (max_per_hour > 0 &&
	    (times = malloc(8 * ((size_t)MP_SEEN_RATE_MAX + 1))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if (interval > 0 && (rc = dedup_time(s, &k, &prev, &by, err)) == MP_OK &&
	    prev >= 0 && (int64_t)now - prev < (int64_t)interval) {
		/* The message that made the record, again: not a duplicate. */
		if (msg != 0 && by == msg)
			again = prev;
		else
			*verdict = MP_SEEN_DUPLICATE;
	}
	if (rc == MP_OK && *verdict == MP_SEEN_NEW && max_per_hour > 0 &&
	    (rc = rate_times(s, &k, now, again, times, &n, err)) == MP_OK &&
	    n >= max_per_hour)
		*verdict = MP_SEEN_RATE_LIMITED;
	if (rc == MP_OK && *verdict == MP_SEEN_NEW)
		rc = record(s, &k, now, msg, times, n, max_per_hour, interval,
		    err);
	if (rc == MP_OK && now - s->last_prune >= MP_SEEN_HOUR) {
		s->last_prune = now;
		(void)prune_locked(s, now, interval, NULL, NULL);
	}
	pthread_mutex_unlock(&s->lock);
	free(times);
	if (rc != MP_OK)
		*verdict = MP_SEEN_NEW;	/* meaningless: the caller retries */
	return rc;
}

static int
undo_rate(struct mp_seen *s, const struct key *k, time_t now,
    struct mp_error *err)
{
	size_t i, n;
	datum v;
	int rc;

	if ((rc = fetch(s, k->r, k->rlen, &v, err)) != MP_OK || v.dptr == NULL)
		return rc;
	n = v.dsize % 8 == 0 ? (size_t)v.dsize / 8 : 0;
	/* Newest first: the record to take back was the last added. */
	for (i = n; i-- > 0;) {
		if (mp_seen_get64_((unsigned char *)v.dptr + 8 * i) == (int64_t)now) {
			memmove(v.dptr + 8 * i, v.dptr + 8 * (i + 1),
			    8 * (n - i - 1));
			rc = store(s, k->r, k->rlen, v.dptr, 8 * (n - 1), err);
			break;
		}
	}
	free(v.dptr);
	return rc;
}

int
mp_seen_undo(struct mp_seen *s, const char *type, const char *source,
    const char *contact, time_t now, struct mp_error *err)
{
	struct key k;
	uint64_t by;
	int64_t t;
	int rc;

	if ((rc = make_key(&k, type, source, contact, err)) != MP_OK)
		return rc;
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if ((rc = dedup_time(s, &k, &t, &by, err)) == MP_OK && t == (int64_t)now)
		rc = store(s, k.d, k.dlen, NULL, 0, err);
	if (rc == MP_OK)
		rc = undo_rate(s, &k, now, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
mp_seen_commit(struct mp_seen *s, const char *type, const char *source,
    const char *contact, time_t now, struct mp_error *err)
{
	unsigned char t[8];
	struct key k;
	uint64_t by;
	int64_t tm;
	int rc;

	if ((rc = make_key(&k, type, source, contact, err)) != MP_OK)
		return rc;
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if ((rc = dedup_time(s, &k, &tm, &by, err)) == MP_OK &&
	    tm == (int64_t)now && by != 0) {
		mp_seen_put64_(t, now);
		rc = store(s, k.d, k.dlen, t, 8, err);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Whether a record has nothing left to say at `now`. */
static int
expired(datum key, datum val, time_t now, unsigned interval)
{
	size_t i;

	if (key.dsize < 1 || val.dptr == NULL)
		return 1;
	if (key.dptr[0] == 'n')
		return mp_notice_expired_(val, now);
	if (key.dptr[0] == 's' || key.dptr[0] == 'l')
		return mp_outbox_expired_(key.dptr, (size_t)key.dsize, val.dptr,
		    (size_t)val.dsize, now);
	if (key.dptr[0] == 't' || key.dptr[0] == 'T' || key.dptr[0] == 'u')
		return mp_ticket_expired_(key.dptr, (size_t)key.dsize, val.dptr,
		    (size_t)val.dsize, now);
	if (key.dptr[0] == 'b')
		return mp_listseen_expired_(key.dptr, (size_t)key.dsize,
		    val.dptr, (size_t)val.dsize, now, interval);
	/* Health records stay until reset (health.h); the file's other
	 * records (pending.h, ...) are not seen's to prune. */
	if (key.dptr[0] != 'd' && key.dptr[0] != 'r')
		return 0;
	if (val.dsize % 8 != 0)
		return 1;
	if (key.dptr[0] == 'd')
		return (val.dsize != 8 && val.dsize != 16) ||
		    mp_seen_get64_((unsigned char *)val.dptr) + interval <= (int64_t)now;
	if (key.dptr[0] != 'r')
		return 1;
	for (i = 0; i < (size_t)val.dsize / 8; i++)
		if (mp_seen_get64_((unsigned char *)val.dptr + 8 * i) >
		    (int64_t)now - MP_SEEN_HOUR)
			return 0;
	return 1;
}

/* GDBM forbids deleting while walking: collect the keys, then delete. */
static int
prune_locked(struct mp_seen *s, time_t now, unsigned interval,
    unsigned *removed, struct mp_error *err)
{
	datum key, next, val, *doomed;
	size_t n = 0, i;
	int rc = MP_OK, drop;

	if ((doomed = calloc(MP_SEEN_PRUNE_MAX, sizeof(*doomed))) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	key = gdbm_firstkey(s->db);
	while (key.dptr != NULL) {
		val = gdbm_fetch(s->db, key);
		drop = expired(key, val, now, interval);
		free(val.dptr);
		next = gdbm_nextkey(s->db, key);
		if (drop)
			doomed[n++] = key;
		else
			free(key.dptr);
		key = next;
		if (n == MP_SEEN_PRUNE_MAX) {
			free(key.dptr);	/* the rest waits for the next pass */
			break;
		}
	}
	if (key.dptr == NULL && n < MP_SEEN_PRUNE_MAX &&
	    gdbm_errno != GDBM_ITEM_NOT_FOUND && gdbm_errno != GDBM_NO_ERROR)
		rc = mp_seen_db_error_(s, "walk", err);
	for (i = 0; i < n; i++) {
		if (rc == MP_OK && gdbm_delete(s->db, doomed[i]) != 0 &&
		    gdbm_errno != GDBM_ITEM_NOT_FOUND)
			rc = mp_seen_db_error_(s, "prune", err);
		free(doomed[i].dptr);
	}
	free(doomed);
	if (removed != NULL)
		*removed = rc == MP_OK ? (unsigned)n : 0;
	return rc;
}

int
mp_seen_prune(struct mp_seen *s, time_t now, unsigned interval,
    unsigned *removed, struct mp_error *err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	rc = prune_locked(s, now, interval, removed, err);
	s->last_prune = now;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void *
mp_seen_lock(struct mp_seen *s)
{
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);	/* as every other use of the handle does */
	return s->db;
}

void
mp_seen_unlock(struct mp_seen *s)
{
	pthread_mutex_unlock(&s->lock);
}

int
mp_seen_sync(struct mp_seen *s, struct mp_error *err)
{
	int rc = MP_OK;

	pthread_mutex_lock(&s->lock);
	if (gdbm_sync(s->db) != 0)
		rc = mp_seen_db_error_(s, "sync", err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}
