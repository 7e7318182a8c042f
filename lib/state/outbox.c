/*
 * outbox - see outbox.h
 */
#include "config.h"

#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "seen.h"
#include "seen_int.h"

#define FIXED	(8 + 4 + 4 + 1)
#define NSTR	6

static int
id_key(char tag, const char *id, char *k, size_t *klen, struct mp_error *err)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n >= MP_NOTICE_ID_MAX)
		return mp_error_set(err, MP_EINPUT, "notice id empty or longer "
		    "than %d bytes", MP_NOTICE_ID_MAX - 1);
	k[0] = tag;
	memcpy(k + 1, id, n);
	*klen = n + 1;
	return MP_OK;
}

static int
group_key(const char *contact, const char *type, const char *lang, char *k,
    size_t *klen, struct mp_error *err)
{
	const char *part[3] = { contact, type, lang };
	size_t i, n;

	k[0] = 'l';
	*klen = 1;
	for (i = 0; i < 3; i++) {
		if ((n = strlen(part[i])) > MP_PENDING_PART_MAX)
			return mp_error_set(err, MP_EINPUT, "group key part "
			    "longer than %d bytes", MP_PENDING_PART_MAX);
		memcpy(k + *klen, part[i], n + 1);
		*klen += n + 1;
	}
	return MP_OK;
}

int
mp_outbox_add_key(struct mp_outbox_item *it, const void *key, size_t klen)
{
	unsigned char *nk;

	if (klen > 0xffff ||
	    (nk = realloc(it->keys, it->keys_len + 2 + klen)) == NULL)
		return MP_ENOMEM;
	mp_seen_putn_(nk + it->keys_len, klen, 2);
	memcpy(nk + it->keys_len + 2, key, klen);
	it->keys = nk;
	it->keys_len += 2 + klen;
	return MP_OK;
}

int
mp_outbox_put(struct mp_seen *s, const struct mp_outbox_item *it,
    struct mp_error *err)
{
	const char *str[NSTR] = { it->ticket, it->contact, it->type, it->lang,
	    it->sender, it->reply };
	char k[1 + MP_NOTICE_ID_MAX];
	unsigned char *v, *p;
	size_t klen = 0, len = FIXED + 4 + it->keys_len + it->message_len, i;
	datum key, val;
	GDBM_FILE db;
	int rc;

	if ((rc = id_key('o', it->id, k, &klen, err)) != MP_OK)
		return rc;
	for (i = 0; i < NSTR; i++)
		len += strlen(str[i]) + 1;
	if ((v = malloc(len)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	mp_seen_putn_(v, (uint64_t)it->made, 8);
	mp_seen_putn_(v + 8, it->rows, 4);
	mp_seen_putn_(v + 12, it->attempts, 4);
	v[16] = it->failed ? 1 : 0;
	p = v + FIXED;
	for (i = 0; i < NSTR; i++) {
		memcpy(p, str[i], strlen(str[i]) + 1);
		p += strlen(str[i]) + 1;
	}
	mp_seen_putn_(p, it->keys_len, 4);
	/* memcpy from NULL is undefined even for 0 bytes (no keys: a test's
	 * hand-made record) */
	if (it->keys_len > 0)
		memcpy(p + 4, it->keys, it->keys_len);
	if (it->message_len > 0)
		memcpy(p + 4 + it->keys_len, it->message, it->message_len);
	key.dptr = k, key.dsize = (int)klen;
	val.dptr = (char *)v, val.dsize = (int)len;
	db = mp_seen_lock(s);
	if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write an outbox record in", err);
	mp_seen_unlock(s);
	free(v);
	return rc;
}

static int
decode(const unsigned char *v, size_t len, struct mp_outbox_item *it)
{
	char *str[NSTR] = { it->ticket, it->contact, it->type, it->lang,
	    it->sender, it->reply };
	size_t size[NSTR] = { sizeof(it->ticket), sizeof(it->contact),
	    sizeof(it->type), sizeof(it->lang), sizeof(it->sender),
	    sizeof(it->reply) };
	size_t pos = FIXED, i, n;

	if (len < FIXED)
		return -1;
	it->made = (time_t)mp_seen_getn_(v, 8);
	it->rows = (unsigned)mp_seen_getn_(v + 8, 4);
	it->attempts = (unsigned)mp_seen_getn_(v + 12, 4);
	it->failed = v[16];
	for (i = 0; i < NSTR; i++) {
		n = strnlen((const char *)v + pos, len - pos);
		if (pos + n >= len || n >= size[i])
			return -1;
		memcpy(str[i], v + pos, n + 1);
		pos += n + 1;
	}
	if (len - pos < 4 || (n = (size_t)mp_seen_getn_(v + pos, 4)) > len - pos - 4)
		return -1;
	pos += 4;
	if ((it->keys = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(it->keys, v + pos, n);
	it->keys_len = n;
	pos += n;
	if ((it->message = malloc(len - pos + 1)) == NULL)
		return -1;
	memcpy(it->message, v + pos, len - pos);
	it->message[len - pos] = '\0';
	it->message_len = len - pos;
	return 0;
}

enum mp_lookup
mp_outbox_get(struct mp_seen *s, const char *id, struct mp_outbox_item *it,
    struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t klen = 0;
	datum val;
	enum mp_lookup lk = MP_NOTFOUND;

	memset(it, 0, sizeof(*it));
	if (id_key('o', id, k, &klen, NULL) != MP_OK)
		return MP_NOTFOUND;
	if ((lk = mp_seen_get_(s, k, klen, &val, "read an outbox record of",
	    err)) != MP_FOUND)
		return lk;
	if (decode((unsigned char *)val.dptr, (size_t)val.dsize, it) == 0) {
		memcpy(it->id, k + 1, klen - 1);
		it->id[klen - 1] = '\0';
		lk = MP_FOUND;
	} else {
		mp_outbox_item_free(it);
		mp_error_set(err, MP_EINPUT, "damaged outbox record %s", id);
		lk = MP_NOTFOUND;
	}
	free(val.dptr);
	return lk;
}

void
mp_outbox_item_free(struct mp_outbox_item *it)
{
	free(it->keys);
	free(it->message);
	it->keys = NULL;
	it->message = NULL;
	it->keys_len = it->message_len = 0;
}

struct idmade {
	char id[MP_NOTICE_ID_MAX];
	int64_t made;
};

static int
idmade_cmp(const void *a, const void *b)
{
	const struct idmade *x = a, *y = b;

	if (x->made != y->made)
		return x->made < y->made ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
mp_outbox_ids(struct mp_seen *s, char (**idsp)[MP_NOTICE_ID_MAX],
    size_t *np, struct mp_error *err)
{
	struct idmade *l = NULL, *nl;
	char (*ids)[MP_NOTICE_ID_MAX];
	size_t n = 0, cap = 0, i;
	GDBM_FILE db = mp_seen_lock(s);
	datum key, next, val;
	int rc = MP_OK;

	*idsp = NULL;
	*np = 0;
	for (key = gdbm_firstkey(db); key.dptr != NULL && rc == MP_OK;
	    key = next) {
		if (key.dptr[0] == 'o' && key.dsize > 1 &&
		    key.dsize <= MP_NOTICE_ID_MAX &&
		    (val = gdbm_fetch(db, key)).dptr != NULL) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if ((nl = realloc(l, cap * sizeof(*l))) == NULL)
					rc = mp_error_set(err, MP_ENOMEM,
					    "out of memory");
				else
					l = nl;
			}
			if (rc == MP_OK) {
				memcpy(l[n].id, key.dptr + 1, (size_t)key.dsize - 1);
				l[n].id[key.dsize - 1] = '\0';
				l[n].made = val.dsize >= 8 ?
				    (int64_t)mp_seen_getn_((unsigned char *)val.dptr, 8) : 0;
				n++;
			}
			free(val.dptr);
		}
		next = gdbm_nextkey(db, key);
		free(key.dptr);
	}
	free(key.dptr);
	if (rc == MP_OK && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR)
		rc = mp_seen_db_error_(s, "read the outbox of", err);
	mp_seen_unlock(s);
	if (rc == MP_OK && n > 0 && (ids = calloc(n, sizeof(*ids))) == NULL)
		rc = mp_error_set(err, MP_ENOMEM, "out of memory");
	if (rc != MP_OK || n == 0) {
		free(l);
		return rc;
	}
	qsort(l, n, sizeof(*l), idmade_cmp);
	for (i = 0; i < n; i++)
		memcpy(ids[i], l[i].id, sizeof(ids[i]));
	free(l);
	*idsp = ids;
	*np = n;
	return MP_OK;
}

/* Delete the chunks `it` covers; with the lock held. */
static int
delete_chunks(struct mp_seen *s, GDBM_FILE db, const struct mp_outbox_item *it,
    struct mp_error *err)
{
	size_t pos, n;
	datum key;

	for (pos = 0; pos + 2 <= it->keys_len; pos += 2 + n) {
		n = (size_t)mp_seen_getn_(it->keys + pos, 2);
		if (pos + 2 + n > it->keys_len)
			break;
		key.dptr = (char *)it->keys + pos + 2, key.dsize = (int)n;
		if (gdbm_delete(db, key) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
			return mp_seen_db_error_(s, "delete a sent chunk in", err);
	}
	return MP_OK;
}

int
mp_outbox_done(struct mp_seen *s, const struct mp_outbox_item *it, time_t at,
    struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX], gk[3 * (MP_PENDING_PART_MAX + 1) + 1];
	unsigned char v[8];
	size_t klen = 0, gklen = 0;
	datum key, val;
	GDBM_FILE db;
	int rc;

	if ((rc = id_key('o', it->id, k, &klen, err)) != MP_OK ||
	    (rc = group_key(it->contact, it->type, it->lang, gk, &gklen,
	    err)) != MP_OK)
		return rc;
	db = mp_seen_lock(s);
	/* the chunks first, the record last: a stop between leaves the
	 * record, whose repeat the milter discards and which ends here */
	rc = delete_chunks(s, db, it, err);
	mp_seen_putn_(v, (uint64_t)at, 8);
	key.dptr = gk, key.dsize = (int)gklen;
	val.dptr = (char *)v, val.dsize = 8;
	if (rc == MP_OK && gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write", err);
	key.dptr = k, key.dsize = (int)klen;
	if (rc == MP_OK && gdbm_delete(db, key) != 0 &&
	    gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "delete an outbox record in", err);
	mp_seen_unlock(s);
	return rc;
}

int
mp_outbox_refused(struct mp_seen *s, const struct mp_outbox_item *it,
    struct mp_error *err)
{
	GDBM_FILE db;
	int rc;

	if ((rc = mp_outbox_put(s, it, err)) != MP_OK)
		return rc;
	db = mp_seen_lock(s);
	rc = delete_chunks(s, db, it, err);
	mp_seen_unlock(s);
	return rc;
}

enum mp_lookup
mp_outbox_last(struct mp_seen *s, const char *contact, const char *type,
    const char *lang, time_t *at, struct mp_error *err)
{
	char gk[3 * (MP_PENDING_PART_MAX + 1) + 1];
	size_t gklen = 0;
	datum val;
	enum mp_lookup lk = MP_NOTFOUND;

	*at = 0;
	if (group_key(contact, type, lang, gk, &gklen, NULL) != MP_OK)
		return MP_NOTFOUND;
	if ((lk = mp_seen_get_(s, gk, gklen, &val, "read", err)) != MP_FOUND)
		return lk;
	lk = MP_NOTFOUND;	/* another size is damaged: absent */
	if (val.dsize == 8) {
		*at = (time_t)mp_seen_getn_((unsigned char *)val.dptr, 8);
		lk = MP_FOUND;
	}
	free(val.dptr);
	return lk;
}

int
mp_outbox_sign_once(struct mp_seen *s, const char *id, time_t now,
    enum mp_outbox_sign *v, struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	unsigned char t[8];
	size_t klen = 0;
	datum key, val;
	GDBM_FILE db;
	int rc = MP_OK, r;

	*v = MP_OUTBOX_NOT_OURS;
	if (id_key('o', id, k, &klen, NULL) != MP_OK)
		return MP_OK;
	key.dptr = k, key.dsize = (int)klen;
	db = mp_seen_lock(s);
	if (!gdbm_exists(db, key)) {
		if (gdbm_errno != GDBM_ITEM_NOT_FOUND && gdbm_errno != GDBM_NO_ERROR)
			rc = mp_seen_db_error_(s, "read", err);
		mp_seen_unlock(s);
		return rc;
	}
	k[0] = 's';
	mp_seen_putn_(t, (uint64_t)now, 8);
	val.dptr = (char *)t, val.dsize = 8;
	/*
	 * Written, not synced: once gdbm_store() returns the mark is in the
	 * kernel's page cache and outlives this process, so the gap outbox.h
	 * names (killed between the mark and the answer to the MTA) is the
	 * few microseconds to that answer, not an fsync. A power cut can take
	 * an unsynced mark: then a copy is sent twice, never lost. The
	 * sender's next sync (its done record) makes it durable.
	 */
	r = gdbm_store(db, key, val, GDBM_INSERT);
	if (r == 1)
		*v = MP_OUTBOX_REPEAT;
	else if (r != 0)
		rc = mp_seen_db_error_(s, "write", err);
	else
		*v = MP_OUTBOX_FIRST;
	mp_seen_unlock(s);
	return rc;
}

int
mp_outbox_sign_peek(struct mp_seen *s, const char *id,
    enum mp_outbox_sign *v, struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t klen = 0;
	datum key;
	GDBM_FILE db;
	int rc = MP_OK;

	*v = MP_OUTBOX_NOT_OURS;
	if (id_key('o', id, k, &klen, NULL) != MP_OK)
		return MP_OK;
	key.dptr = k, key.dsize = (int)klen;
	db = mp_seen_lock(s);
	if (gdbm_exists(db, key)) {
		k[0] = 's';
		*v = gdbm_exists(db, key) ? MP_OUTBOX_REPEAT : MP_OUTBOX_FIRST;
	}
	if (*v != MP_OUTBOX_REPEAT && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR) {
		*v = MP_OUTBOX_NOT_OURS;
		rc = mp_seen_db_error_(s, "read", err);
	}
	mp_seen_unlock(s);
	return rc;
}

int
mp_outbox_unsign(struct mp_seen *s, const char *id, struct mp_error *err)
{
	char k[1 + MP_NOTICE_ID_MAX];
	size_t klen = 0;
	datum key;
	GDBM_FILE db;
	int rc;

	if ((rc = id_key('s', id, k, &klen, err)) != MP_OK)
		return rc;
	key.dptr = k, key.dsize = (int)klen;
	db = mp_seen_lock(s);
	if (gdbm_delete(db, key) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "update", err);
	mp_seen_unlock(s);
	return rc;
}

int
mp_outbox_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now)
{
	long keep = key[0] == 's' ? MP_OUTBOX_SIGNED_KEEP : MP_OUTBOX_LAST_KEEP;

	return klen < 2 || vlen != 8 ||
	    (int64_t)mp_seen_getn_((const unsigned char *)val, 8) + keep <= (int64_t)now;
}
