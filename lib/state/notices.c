/*
 * notices - see notices.h
 *
 * Record: "n" lower-cased id  ->  8-byte time, then NUL-terminated
 * strings: type, source, and per contact address, rule, matched.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notices.h"
#include "seen.h"
#include "seen_int.h"

#define REC_MAX (8 + MP_NOTICE_WORD_MAX + MP_NOTICE_TEXT_MAX + \
	MP_NOTICE_CONTACTS * (MP_NOTICE_ADDR_MAX + MP_NOTICE_WORD_MAX + \
	MP_NOTICE_TEXT_MAX))

static int
make_key(const char *id, char *k, size_t *klen, struct mp_error *err)
{
	size_t i, n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n >= MP_NOTICE_ID_MAX)
		return mp_error_set(err, MP_EINPUT, "notice id empty or longer "
		    "than %d bytes", MP_NOTICE_ID_MAX - 1);
	k[0] = 'n';
	for (i = 0; i < n; i++)
		k[1 + i] = (char)tolower((unsigned char)id[i]);
	*klen = n + 1;
	return MP_OK;
}

static int
put(char *buf, size_t *len, const char *s, size_t max, struct mp_error *err)
{
	size_t n = strlen(s != NULL ? s : "");

	if (n >= max)
		return mp_error_set(err, MP_EINPUT, "notice record field longer "
		    "than %zu bytes", max - 1);
	memcpy(buf + *len, s != NULL ? s : "", n + 1);
	*len += n + 1;
	return MP_OK;
}

int
mp_notice_record(struct mp_seen *s, const struct mp_notice_rec *r,
    struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX], *v;
	size_t klen, len = 8, i;
	datum key, val;
	int rc;

	if ((rc = make_key(r->id, k, &klen, err)) != MP_OK)
		return rc;
	if (r->ncontacts > MP_NOTICE_CONTACTS)
		return mp_error_set(err, MP_EINPUT, "more than %d contacts in a "
		    "notice record", MP_NOTICE_CONTACTS);
	if ((v = malloc(REC_MAX)) == NULL)
		return mp_error_set(err, MP_ERETRY, "out of memory");
	mp_seen_put64_((unsigned char *)v, r->at);
	rc = put(v, &len, r->type, MP_NOTICE_WORD_MAX, err);
	if (rc == MP_OK)
		rc = put(v, &len, r->source, MP_NOTICE_TEXT_MAX, err);
	for (i = 0; rc == MP_OK && i < r->ncontacts; i++)
		if ((rc = put(v, &len, r->contact[i].addr, MP_NOTICE_ADDR_MAX,
		    err)) != MP_OK ||
		    (rc = put(v, &len, r->contact[i].rule, MP_NOTICE_WORD_MAX,
		    err)) != MP_OK)
			break;
		else
			rc = put(v, &len, r->contact[i].matched,
			    MP_NOTICE_TEXT_MAX, err);
	if (rc == MP_OK) {
		key.dptr = k, key.dsize = (int)klen;
		val.dptr = v, val.dsize = (int)len;
		pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
		if (gdbm_store(s->db, key, val, GDBM_REPLACE) != 0)
			rc = mp_seen_db_error_(s, "write", err);
		pthread_mutex_unlock(&s->lock);
	}
	free(v);
	return rc;
}

/* The next string of `v` into out[max]; -1 when there is none or too long. */
static int
take(const char *v, size_t len, size_t *pos, char *out, size_t max)
{
	const char *nul;
	size_t n;

	if (*pos >= len || (nul = memchr(v + *pos, '\0', len - *pos)) == NULL)
		return -1;
	n = (size_t)(nul - (v + *pos));
	if (n >= max)
		return -1;
	memcpy(out, v + *pos, n + 1);
	*pos += n + 1;
	return 0;
}

static int
decode(const char *v, size_t len, struct mp_notice_rec *r)
{
	size_t pos = 8;
	struct mp_notice_contact *c;

	if (len < 8)
		return -1;
	r->at = mp_seen_get64_((const unsigned char *)v);
	if (take(v, len, &pos, r->type, sizeof(r->type)) != 0 ||
	    take(v, len, &pos, r->source, sizeof(r->source)) != 0)
		return -1;
	for (r->ncontacts = 0; pos < len; r->ncontacts++) {
		if (r->ncontacts == MP_NOTICE_CONTACTS)
			return -1;
		c = &r->contact[r->ncontacts];
		if (take(v, len, &pos, c->addr, sizeof(c->addr)) != 0 ||
		    take(v, len, &pos, c->rule, sizeof(c->rule)) != 0 ||
		    take(v, len, &pos, c->matched, sizeof(c->matched)) != 0)
			return -1;
	}
	return 0;
}

enum mp_lookup
mp_notice_get(struct mp_seen *s, const char *id, struct mp_notice_rec *r,
    struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t klen;
	datum val;
	enum mp_lookup lk = MP_NOTFOUND;

	memset(r, 0, sizeof(*r));
	if (make_key(id, k, &klen, NULL) != MP_OK)
		return MP_NOTFOUND;	/* no such id can have been recorded */
	lk = mp_seen_get_(s, k, klen, &val, "read", err);
	if (lk == MP_FOUND) {
		lk = MP_NOTFOUND;	/* until it decodes */
		if (decode(val.dptr, (size_t)val.dsize, r) == 0) {
			memcpy(r->id, k + 1, klen - 1);
			r->id[klen - 1] = '\0';
			lk = MP_FOUND;
		} else
			memset(r, 0, sizeof(*r));	/* damaged: absent */
		free(val.dptr);
	}
	return lk;
}

int
mp_notice_forget(struct mp_seen *s, const char *id, struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t klen;
	datum key;
	int rc;

	if ((rc = make_key(id, k, &klen, err)) != MP_OK)
		return rc;
	key.dptr = k, key.dsize = (int)klen;
	pthread_mutex_lock(&s->lock);
	mp_seen_recover_(s);
	if (gdbm_delete(s->db, key) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "update", err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

const struct mp_notice_contact *
mp_notice_contact_of(const struct mp_notice_rec *r, const char *addr)
{
	size_t i;

	for (i = 0; addr != NULL && i < r->ncontacts; i++)
		if (strcasecmp(r->contact[i].addr, addr) == 0)
			return &r->contact[i];
	return NULL;
}

int
mp_notice_expired_(datum val, time_t now)
{
	return val.dsize < 8 ||
	    mp_seen_get64_((unsigned char *)val.dptr) + MP_NOTICE_KEEP <=
	    (int64_t)now;
}
