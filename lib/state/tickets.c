/*
 * tickets - see tickets.h
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notices.h"
#include "seen.h"
#include "seen_int.h"
#include "tickets.h"

#define DAY_KEEP	(2L * 86400)

/* "YYYYMMDD" of `at` (UTC) into day[9]. */
static int
day_of(time_t at, char *day)
{
	struct tm tm;

	if (gmtime_r(&at, &tm) == NULL ||
	    strftime(day, 9, "%Y%m%d", &tm) != 8)
		return -1;
	return 0;
}

int
mp_ticket_next(struct mp_seen *s, time_t at, char *out, struct mp_error *err)
{
	char k[1 + 8];
	unsigned char v[8];
	datum key, val, cur;
	int64_t n = 0;
	int rc = MP_OK;

	k[0] = 'T';
	if (day_of(at, k + 1) != 0)
		return mp_error_set(err, MP_EINPUT, "no calendar day for time %lld",
		    (long long)at);
	key.dptr = k, key.dsize = (int)sizeof(k);
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	cur = gdbm_fetch(s->db, key);
	if (cur.dptr == NULL && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "read", err);
	else if (cur.dptr != NULL && cur.dsize == 8)
		n = mp_seen_get64_((unsigned char *)cur.dptr);
	free(cur.dptr);
	if (rc == MP_OK && n >= 99999999)
		rc = mp_error_set(err, MP_ELIMIT, "no ticket number left for "
		    "%.8s (99999999 used)", k + 1);
	if (rc == MP_OK) {
		mp_seen_put64_(v, ++n);
		val.dptr = (char *)v, val.dsize = 8;
		if (gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
			rc = mp_seen_db_error_(s, "write", err);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc == MP_OK)
		snprintf(out, MP_TICKET_MAX, "%.8s-%08u", k + 1,
		    (unsigned)(n % 100000000));
	return rc;
}

/* "u" and the lower-cased notice id: the key of the way back. */
static size_t
back_key(const char *id, size_t n, char *k)
{
	size_t i;

	k[0] = 'u';
	for (i = 0; i < n; i++)
		k[1 + i] = (char)tolower((unsigned char)id[i]);
	return n + 1;
}

int
mp_ticket_bind(struct mp_seen *s, const char *ticket, const char *id,
    time_t at, struct mp_error *err)
{
	char k[MP_TICKET_MAX], v[8 + MP_NOTICE_ID_MAX];
	char bk[1 + MP_NOTICE_ID_MAX], bv[8 + MP_TICKET_MAX];
	size_t n = id != NULL ? strlen(id) : 0;
	datum key, val;
	int rc = MP_OK;

	if (!mp_ticket_valid(ticket) || n == 0 || n >= MP_NOTICE_ID_MAX)
		return mp_error_set(err, MP_EINPUT, "not a ticket and notice id: "
		    "\"%s\" \"%s\"", ticket ? ticket : "", id ? id : "");
	k[0] = 't';
	memcpy(k + 1, ticket, MP_TICKET_MAX - 1);
	mp_seen_put64_((unsigned char *)v, at);
	memcpy(v + 8, id, n);
	mp_seen_put64_((unsigned char *)bv, at);
	memcpy(bv + 8, ticket, MP_TICKET_MAX - 1);
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	key.dptr = k, key.dsize = (int)sizeof(k);
	val.dptr = v, val.dsize = (int)(8 + n);
	if (gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write", err);
	key.dptr = bk, key.dsize = (int)back_key(id, n, bk);
	val.dptr = bv, val.dsize = (int)(8 + MP_TICKET_MAX - 1);
	if (rc == MP_OK && gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write", err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum mp_lookup
mp_ticket_of(struct mp_seen *s, const char *id, char *ticket,
    struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t n = id != NULL ? strlen(id) : 0;
	datum val;
	enum mp_lookup lk = MP_NOTFOUND;

	ticket[0] = '\0';
	if (n == 0 || n >= MP_NOTICE_ID_MAX)
		return MP_NOTFOUND;	/* no such id can have been bound */
	lk = mp_seen_get_(s, k, back_key(id, n, k), &val, "read", err);
	if (lk == MP_FOUND) {
		lk = MP_NOTFOUND;	/* until it reads as a ticket */
		/* a record of another size is damaged: absent */
		if (val.dsize == 8 + MP_TICKET_MAX - 1) {
			memcpy(ticket, val.dptr + 8, MP_TICKET_MAX - 1);
			ticket[MP_TICKET_MAX - 1] = '\0';
			if (mp_ticket_valid(ticket))
				lk = MP_FOUND;
			else
				ticket[0] = '\0';
		}
		free(val.dptr);
	}
	return lk;
}

enum mp_lookup
mp_ticket_find(struct mp_seen *s, const char *ticket, char *id, size_t idsz,
    struct mp_error *err)
{
	char k[MP_TICKET_MAX];
	datum val;
	enum mp_lookup lk = MP_NOTFOUND;

	if (!mp_ticket_valid(ticket))
		return MP_NOTFOUND;
	k[0] = 't';
	memcpy(k + 1, ticket, MP_TICKET_MAX - 1);
	lk = mp_seen_get_(s, k, sizeof(k), &val, "read", err);
	if (lk == MP_FOUND) {
		lk = MP_NOTFOUND;	/* until it reads as an id */
		if (val.dsize > 8 && (size_t)val.dsize - 8 < idsz) {
			memcpy(id, val.dptr + 8, (size_t)val.dsize - 8);
			id[val.dsize - 8] = '\0';
			lk = MP_FOUND;
		}
		free(val.dptr);
	}
	return lk;
}

int
mp_ticket_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now)
{
	char today[9];

	if (klen < 1)
		return 1;
	if (key[0] == 't' || key[0] == 'u')
		return vlen < 8 || mp_seen_get64_((const unsigned char *)val) +
		    MP_NOTICE_KEEP <= (int64_t)now;
	/* "T" YYYYMMDD: kept while it may still be counted on (day and next) */
	if (klen != 9 || day_of(now - DAY_KEEP, today) != 0)
		return 0;
	return memcmp(key + 1, today, 8) < 0;
}
