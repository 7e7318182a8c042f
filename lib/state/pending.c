/*
 * pending - see pending.h
 *
 * A row's value:
 *   seen(8) received(8) asn(4) port(4) ncells(4)
 *   ip NUL protocol NUL hostname NUL tags NUL cves NUL severity NUL
 *   cell NUL ... (ncells)
 * "" stands for a field that is not given.
 */
#include "config.h"

#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pending.h"
#include "seen.h"

#define ROW_FIXED	(8 + 8 + 4 + 4 + 4)
#define ROW_STRINGS	6

static void
put_n(unsigned char *p, uint64_t u, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

static uint64_t
get_n(const unsigned char *p, int n)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < n; i++)
		u = (u << 8) | p[i];
	return u;
}

static int
db_error(GDBM_FILE db, const char *what, struct mp_error *err)
{
	int rc = mp_error_set(err, MP_ERETRY, "cannot %s a pending record in "
	    "the state DB: %s", what, gdbm_db_strerror(db));

	if (gdbm_needs_recovery(db))
		(void)gdbm_recover(db, NULL, 0);
	return rc;
}

static int
put(struct mp_seen *s, const void *k, size_t klen, const void *v, size_t vlen,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)klen }, val = { (char *)v, (int)vlen };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		rc = db_error(db, "write", err);
	mp_seen_unlock(s);
	return rc;
}

static size_t
msg_key(unsigned char *k, char tag, uint64_t msg, int item, unsigned n)
{
	k[0] = (unsigned char)tag;
	put_n(k + 1, msg, 8);
	if (item < 0)
		return 9;
	put_n(k + 9, n, 2);
	return 11;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

int
mp_pending_put_row(struct mp_seen *s, const struct mp_pending_row *r,
    struct mp_error *err)
{
	const char *part[3] = { r->contact, r->type, r->lang };
	const char *str[ROW_STRINGS] = { r->ip, r->protocol, r->hostname,
	    r->tags, r->cves, r->severity };
	unsigned char key[3 * (MP_PENDING_PART_MAX + 1) + 1 + 14], *v, *p;
	size_t klen = 1, n, i, vlen, room;
	int rc;

	key[0] = 'p';
	for (i = 0; i < 3; i++) {
		if ((n = strlen(nz(part[i]))) > MP_PENDING_PART_MAX)
			return mp_error_set(err, MP_EINPUT, "pending key part "
			    "longer than %d bytes (limit)", MP_PENDING_PART_MAX);
		memcpy(key + klen, nz(part[i]), n + 1);
		klen += n + 1;
	}
	put_n(key + klen, r->msg, 8);
	put_n(key + klen + 8, r->item, 2);
	put_n(key + klen + 10, r->row, 4);
	klen += 14;

	vlen = ROW_FIXED;
	for (i = 0; i < ROW_STRINGS; i++)
		vlen += strlen(nz(str[i])) + 1;
	for (i = 0; i < r->ncells; i++)
		vlen += strlen(nz(r->cells[i])) + 1;
	if (vlen > MP_PENDING_VALUE_MAX)
		vlen = MP_PENDING_VALUE_MAX;
	if ((v = malloc(vlen)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	put_n(v, (uint64_t)r->seen, 8);
	put_n(v + 8, (uint64_t)r->received, 8);
	put_n(v + 16, r->asn, 4);
	put_n(v + 20, r->port, 4);
	put_n(v + 24, r->ncells, 4);
	p = v + ROW_FIXED;
	/* room for the NULs of what follows is kept back: cut, not dropped */
	room = vlen - ROW_FIXED - ROW_STRINGS - r->ncells;
	for (i = 0; i < ROW_STRINGS + r->ncells; i++) {
		const char *t = i < ROW_STRINGS ? nz(str[i]) :
		    nz(r->cells[i - ROW_STRINGS]);

		n = strlen(t);
		if (n > room)
			n = room;
		memcpy(p, t, n);
		p[n] = '\0';
		p += n + 1;
		room -= n;
	}
	rc = put(s, key, klen, v, (size_t)(p - v), err);
	free(v);
	return rc;
}

/* NUL-terminated strings, one after the other. */
static int
add_str(unsigned char **bp, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(nz(s)) + 1;
	unsigned char *nb;

	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		if ((nb = realloc(*bp, *cap)) == NULL)
			return -1;
		*bp = nb;
	}
	memcpy(*bp + *len, nz(s), n);
	*len += n;
	return 0;
}

int
mp_pending_put_feed(struct mp_seen *s, const struct mp_pending_feed *f,
    struct mp_error *err)
{
	const char *head[5] = { f->name, f->filename, f->report_id, f->case_ref,
	    f->reporter };
	unsigned char key[16], *b = NULL;
	size_t klen = msg_key(key, 'f', f->msg, 1, f->item), len = 4, cap = 0;
	size_t i;
	int rc = 0;

	if ((b = malloc(cap = 256)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	put_n(b, f->ncolumns, 4);
	for (i = 0; rc == 0 && i < 5; i++)
		rc = add_str(&b, &len, &cap, head[i]);
	for (i = 0; rc == 0 && i < f->ncolumns; i++)
		rc = add_str(&b, &len, &cap, f->columns[i]);
	if (rc != 0) {
		free(b);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	rc = put(s, key, klen, b, len, err);
	free(b);
	return rc;
}

int
mp_pending_put_msg(struct mp_seen *s, uint64_t msg, time_t received,
    unsigned rows, struct mp_error *err)
{
	unsigned char key[16], v[12];

	put_n(v, (uint64_t)received, 8);
	put_n(v + 8, rows, 4);
	return put(s, key, msg_key(key, 'm', msg, -1, 0), v, sizeof(v), err);
}

int
mp_pending_undo_msg(struct mp_seen *s, uint64_t msg, struct mp_error *err)
{
	unsigned char k[16];
	datum key = { (char *)k, (int)msg_key(k, 'm', msg, -1, 0) };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	if (gdbm_delete(db, key) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = db_error(db, "delete", err);
	mp_seen_unlock(s);
	return rc;
}

int
mp_pending_row_decode(const void *key, size_t klen, const void *val,
    size_t vlen, struct mp_pending_row *r, const char **cells,
    size_t maxcells, struct mp_error *err)
{
	const char *k = key, *v = val, *end;
	const char **str[ROW_STRINGS] = { &r->ip, &r->protocol, &r->hostname,
	    &r->tags, &r->cves, &r->severity };
	const char *part[3];
	size_t i, n, off = 1;

	memset(r, 0, sizeof(*r));
	if (klen < 1 + 3 + 14 || k[0] != 'p' || k[klen - 15] != '\0' ||
	    vlen < ROW_FIXED || v[vlen - 1] != '\0')
		return mp_error_set(err, MP_EINPUT, "damaged pending record");
	for (i = 0; i < 3; i++) {
		part[i] = k + off;
		n = strnlen(k + off, klen - 14 - off);
		if (off + n >= klen - 14)
			return mp_error_set(err, MP_EINPUT, "damaged pending key");
		off += n + 1;
	}
	r->contact = part[0], r->type = part[1], r->lang = part[2];
	r->msg = get_n((const unsigned char *)k + off, 8);
	r->item = (unsigned)get_n((const unsigned char *)k + off + 8, 2);
	r->row = (unsigned)get_n((const unsigned char *)k + off + 10, 4);
	r->seen = (time_t)get_n((const unsigned char *)v, 8);
	r->received = (time_t)get_n((const unsigned char *)v + 8, 8);
	r->asn = (uint32_t)get_n((const unsigned char *)v + 16, 4);
	r->port = (unsigned)get_n((const unsigned char *)v + 20, 4);
	n = (size_t)get_n((const unsigned char *)v + 24, 4);
	end = v + vlen;
	v += ROW_FIXED;
	for (i = 0; i < ROW_STRINGS + n; i++) {
		if (v >= end)
			return mp_error_set(err, MP_EINPUT, "damaged pending row");
		if (i < ROW_STRINGS)
			*str[i] = *v ? v : NULL;
		else if (i - ROW_STRINGS < maxcells)
			cells[i - ROW_STRINGS] = v;
		v += strlen(v) + 1;
	}
	r->cells = cells;
	r->ncells = n < maxcells ? n : maxcells;
	return MP_OK;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct mp_pending_group *x = a, *y = b;
	int c;

	if ((c = strcmp(x->contact, y->contact)) != 0 ||
	    (c = strcmp(x->type, y->type)) != 0)
		return c;
	return strcmp(x->lang, y->lang);
}

/* 1 when the report `msg` is recorded (its "m" record exists). */
static int
msg_recorded(GDBM_FILE db, uint64_t msg, uint64_t *last, int *last_ok)
{
	unsigned char k[16];
	datum key = { (char *)k, (int)msg_key(k, 'm', msg, -1, 0) };

	if (*last_ok >= 0 && *last == msg)
		return *last_ok;
	*last = msg;
	*last_ok = gdbm_exists(db, key) ? 1 : 0;
	return *last_ok;
}

int
mp_pending_groups(struct mp_seen *s, struct mp_pending_group **gp,
    size_t *np, struct mp_error *err)
{
	struct mp_pending_group *g = NULL, *ng, want;
	struct mp_pending_row r;
	size_t n = 0, cap = 0, i;
	uint64_t last = 0;
	int last_ok = -1, rc = MP_OK;
	const char *cells[1];
	GDBM_FILE db = mp_seen_lock(s);
	datum key, next, val;
	time_t t;

	*gp = NULL;
	*np = 0;
	key = gdbm_firstkey(db);
	while (key.dptr != NULL && rc == MP_OK) {
		if (key.dsize > 0 && key.dptr[0] == 'p' &&
		    (val = gdbm_fetch(db, key)).dptr != NULL) {
			if (mp_pending_row_decode(key.dptr, (size_t)key.dsize,
			    val.dptr, (size_t)val.dsize, &r, cells, 0, err) == MP_OK &&
			    msg_recorded(db, r.msg, &last, &last_ok)) {
				snprintf(want.contact, sizeof(want.contact), "%s",
				    r.contact);
				snprintf(want.type, sizeof(want.type), "%s", r.type);
				snprintf(want.lang, sizeof(want.lang), "%s", r.lang);
				t = r.seen ? r.seen : r.received;
				for (i = 0; i < n && group_cmp(&g[i], &want) != 0; i++)
					;
				if (i == n) {
					if (n == cap) {
						cap = cap ? 2 * cap : 16;
						if ((ng = realloc(g, cap * sizeof(*g))) == NULL) {
							rc = mp_error_set(err, MP_ENOMEM,
							    "out of memory");
							free(val.dptr);
							break;
						}
						g = ng;
					}
					g[n] = want;
					g[n].rows = 0;
					g[n].oldest = g[n].newest = t;
					n++;
				}
				g[i].rows++;
				if (t < g[i].oldest)
					g[i].oldest = t;
				if (t > g[i].newest)
					g[i].newest = t;
			}
			free(val.dptr);
		}
		next = gdbm_nextkey(db, key);
		free(key.dptr);
		key = next;
	}
	free(key.dptr);
	if (rc == MP_OK && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR)
		rc = db_error(db, "read", err);
	mp_seen_unlock(s);
	if (rc != MP_OK) {
		free(g);
		return rc;
	}
	if (n > 1)
		qsort(g, n, sizeof(*g), group_cmp);
	*gp = g;
	*np = n;
	return MP_OK;
}
