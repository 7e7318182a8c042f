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
#include "seen_int.h"
#include "seen.h"

#define ROW_FIXED	(8 + 8 + 4 + 4 + 4)
#define ROW_STRINGS	6

struct mp_pending_batch;

/* One group's rows not yet written, and its key (room for the chunk). */
struct chunkbuf {
	unsigned char *key;
	size_t klen;
	unsigned char *data;
	size_t len, cap;
	unsigned chunk;
	struct mp_pending_batch *batch;
};

struct mp_pending_batch {
	struct chunkbuf *g;
	size_t n;
	size_t *slot, nslot;	/* open addressing: index+1 into g */
	size_t held;		/* bytes buffered in all groups */
	size_t last;		/* the group of the last row, index+1 */
};

static int
put(struct mp_seen *s, const void *k, size_t klen, const void *v, size_t vlen,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)klen }, val = { (char *)v, (int)vlen };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write a pending record in", err);
	mp_seen_unlock(s);
	return rc;
}

static size_t
msg_key(unsigned char *k, char tag, uint64_t msg, int item, unsigned n)
{
	k[0] = (unsigned char)tag;
	mp_seen_putn_(k + 1, msg, 8);
	if (item < 0)
		return 9;
	mp_seen_putn_(k + 9, n, 2);
	return 11;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* Room for a row's value of at most vlen bytes, its fixed fields
 * written: where the value starts, or NULL (no memory). */
static unsigned char *
row_start(struct chunkbuf *b, const struct mp_pending_row *r, size_t vlen,
    size_t ncells)
{
	size_t need = b->len + 8 + vlen;
	unsigned char *v, *nb;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < need)
			cap *= 2;
		if ((nb = realloc(b->data, cap)) == NULL)
			return NULL;
		b->data = nb;
		b->cap = cap;
	}
	v = b->data + b->len + 8;
	mp_seen_putn_(v, (uint64_t)r->seen, 8);
	mp_seen_putn_(v + 8, (uint64_t)r->received, 8);
	mp_seen_putn_(v + 16, r->asn, 4);
	mp_seen_putn_(v + 20, r->port, 4);
	mp_seen_putn_(v + 24, ncells, 4);
	return v;
}

/* The row's value is done at p: its length and row number before it. */
static void
row_end(struct chunkbuf *b, const struct mp_pending_row *r,
    const unsigned char *p)
{
	size_t vlen = (size_t)(p - (b->data + b->len + 8));

	mp_seen_putn_(b->data + b->len, vlen, 4);
	mp_seen_putn_(b->data + b->len + 4, r->row, 4);
	b->len += 8 + vlen;
}

/* A row whose cells come packed and fit: one copy for all of them. */
static int
row_append_packed(struct chunkbuf *b, const struct mp_pending_row *r,
    const char **str, const size_t *len, size_t vlen)
{
	unsigned char *v, *p;
	size_t i;

	if ((v = row_start(b, r, vlen + r->packed_len, r->ncells)) == NULL)
		return -1;
	p = v + ROW_FIXED;
	for (i = 0; i < ROW_STRINGS; i++) {
		memcpy(p, str[i], len[i] + 1);
		p += len[i] + 1;
	}
	memcpy(p, r->packed, r->packed_len);
	row_end(b, r, p + r->packed_len);
	return 0;
}

/* The row's value (the layout above), appended to b with its length
 * and row number before it: a chunk is a sequence of these. */
static int
row_append(struct chunkbuf *b, const struct mp_pending_row *r)
{
	const char *str[ROW_STRINGS + MP_PENDING_CELLS_MAX] = { r->ip,
	    r->protocol, r->hostname, r->tags, r->cves, r->severity };
	size_t len[ROW_STRINGS + MP_PENDING_CELLS_MAX];
	size_t n, i, vlen, room, ncells = r->ncells;
	unsigned char *v, *p;
	const char *c = r->packed;

	if (ncells > MP_PENDING_CELLS_MAX)
		ncells = MP_PENDING_CELLS_MAX;
	vlen = ROW_FIXED;
	for (i = 0; i < ROW_STRINGS; i++) {
		str[i] = nz(str[i]);
		len[i] = strlen(str[i]);
		vlen += len[i] + 1;
	}
	if (c != NULL && ncells == r->ncells &&
	    vlen + r->packed_len <= MP_PENDING_VALUE_MAX)
		return row_append_packed(b, r, str, len, vlen);
	for (i = ROW_STRINGS; i < ROW_STRINGS + ncells; i++) {
		if (c != NULL) {
			str[i] = c;
			len[i] = strlen(c);
			c += len[i] + 1;
		} else {
			str[i] = nz(r->cells[i - ROW_STRINGS]);
			len[i] = strlen(str[i]);
		}
		vlen += len[i] + 1;
	}
	if (vlen > MP_PENDING_VALUE_MAX)
		vlen = MP_PENDING_VALUE_MAX;
	if ((v = row_start(b, r, vlen, ncells)) == NULL)
		return -1;
	p = v + ROW_FIXED;
	/* room for the NULs of what follows is kept back: cut, not dropped */
	room = vlen - ROW_FIXED - ROW_STRINGS - ncells;
	for (i = 0; i < ROW_STRINGS + ncells; i++) {
		n = len[i] < room ? len[i] : room;
		memcpy(p, str[i], n);
		p[n] = '\0';
		p += n + 1;
		room -= n;
	}
	row_end(b, r, p);
	return 0;
}

/* The group's rows so far, as its next chunk. */
static int
chunk_write(struct mp_seen *s, struct chunkbuf *g, struct mp_error *err)
{
	int rc;

	if (g->len == 0)
		return MP_OK;
	mp_seen_putn_(g->key + g->klen, g->chunk, 4);
	if ((rc = put(s, g->key, g->klen + 4, g->data, g->len, err)) != MP_OK)
		return rc;
	g->chunk++;
	g->batch->held -= g->len;
	g->len = 0;
	/* A report over many contacts fills many buffers: each gives its
	 * memory back once written, so what a batch holds stays about
	 * MP_PENDING_HELD, not a chunk for every group. */
	free(g->data);
	g->data = NULL;
	g->cap = 0;
	return MP_OK;
}

struct mp_pending_batch *
mp_pending_batch_new(void)
{
	return calloc(1, sizeof(struct mp_pending_batch));
}

void
mp_pending_batch_free(struct mp_pending_batch **bp)
{
	struct mp_pending_batch *b = *bp;
	size_t i;

	*bp = NULL;
	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->g[i].data);
		free(b->g[i].key);
	}
	free(b->g);
	free(b->slot);
	free(b);
}

static uint64_t
fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* The group's buffer (found or made), or NULL (no memory). */
static struct chunkbuf *
group_of(struct mp_pending_batch *b, const unsigned char *key, size_t klen)
{
	size_t i, j, ns;
	uint64_t h = fnv(key, klen);
	struct chunkbuf *ng;
	size_t *nslot;

	for (i = h & (b->nslot - 1); b->nslot > 0 && b->slot[i] != 0;
	    i = (i + 1) & (b->nslot - 1)) {
		struct chunkbuf *g = &b->g[b->slot[i] - 1];

		if (g->klen == klen && memcmp(g->key, key, klen) == 0)
			return g;
	}
	if (2 * (b->n + 1) > b->nslot) {
		ns = b->nslot ? 2 * b->nslot : 64;
		if ((nslot = calloc(ns, sizeof(*nslot))) == NULL)
			return NULL;
		for (j = 0; j < b->n; j++) {
			for (i = fnv(b->g[j].key, b->g[j].klen) & (ns - 1);
			    nslot[i] != 0; i = (i + 1) & (ns - 1))
				;
			nslot[i] = j + 1;
		}
		free(b->slot);
		b->slot = nslot;
		b->nslot = ns;
		if ((ng = realloc(b->g, ns / 2 * sizeof(*ng))) == NULL)
			return NULL;
		b->g = ng;
		for (i = h & (ns - 1); b->slot[i] != 0; i = (i + 1) & (ns - 1))
			;
	}
	ng = &b->g[b->n];
	memset(ng, 0, sizeof(*ng));
	if ((ng->key = malloc(klen + 4)) == NULL)
		return NULL;
	memcpy(ng->key, key, klen);
	ng->klen = klen;
	ng->batch = b;
	b->slot[i] = ++b->n;
	return ng;
}

int
mp_pending_batch_add(struct mp_seen *s, struct mp_pending_batch *b,
    const struct mp_pending_row *r, struct mp_error *err)
{
	const char *part[3] = { r->contact, r->type, r->lang };
	unsigned char key[3 * (MP_PENDING_PART_MAX + 1) + 1 + 10];
	struct chunkbuf *g;
	size_t klen = 1, n, i, before;
	int rc;

	key[0] = 'p';
	for (i = 0; i < 3; i++) {
		if ((n = strlen(nz(part[i]))) > MP_PENDING_PART_MAX)
			return mp_error_set(err, MP_EINPUT, "pending key part "
			    "longer than %d bytes (limit)", MP_PENDING_PART_MAX);
		memcpy(key + klen, nz(part[i]), n + 1);
		klen += n + 1;
	}
	mp_seen_putn_(key + klen, r->msg, 8);
	mp_seen_putn_(key + klen + 8, r->item, 2);
	klen += 10;
	/* Rows come in runs for one contact: compare before hashing. */
	if (b->last > 0 && b->g[b->last - 1].klen == klen &&
	    memcmp(b->g[b->last - 1].key, key, klen) == 0)
		g = &b->g[b->last - 1];
	else if ((g = group_of(b, key, klen)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	b->last = (size_t)(g - b->g) + 1;
	before = g->len;
	if (row_append(g, r) != 0)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	b->held += g->len - before;
	if (g->len >= MP_PENDING_CHUNK)
		return chunk_write(s, g, err);
	if (b->held > MP_PENDING_HELD) {
		/* many groups at once: out with all of them */
		for (i = 0; i < b->n; i++)
			if ((rc = chunk_write(s, &b->g[i], err)) != MP_OK)
				return rc;
	}
	return MP_OK;
}

int
mp_pending_batch_flush(struct mp_seen *s, struct mp_pending_batch *b,
    struct mp_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++)
		if ((rc = chunk_write(s, &b->g[i], err)) != MP_OK)
			return rc;
	return MP_OK;
}

void
mp_pending_batch_release(struct mp_pending_batch *b)
{
	size_t i;

	for (i = 0; b != NULL && i < b->n; i++) {
		free(b->g[i].data);
		b->g[i].data = NULL;
		b->g[i].len = b->g[i].cap = 0;
	}
	if (b != NULL)
		b->held = 0;
}

int
mp_pending_batch_undo(struct mp_seen *s, struct mp_pending_batch *b,
    struct mp_error *err)
{
	GDBM_FILE db;
	datum key;
	size_t i;
	unsigned c;
	int rc = MP_OK;

	mp_pending_batch_release(b);
	db = mp_seen_lock(s);
	for (i = 0; i < b->n; i++) {
		struct chunkbuf *g = &b->g[i];

		for (c = 0; c < g->chunk && rc == MP_OK; c++) {
			mp_seen_putn_(g->key + g->klen, c, 4);
			key.dptr = (char *)g->key;
			key.dsize = (int)(g->klen + 4);
			if (gdbm_delete(db, key) != 0 &&
			    gdbm_errno != GDBM_ITEM_NOT_FOUND)
				rc = mp_seen_db_error_(s, "delete a pending "
				    "record in", err);
		}
		if (rc == MP_OK)
			g->chunk = 0;
	}
	mp_seen_unlock(s);
	return rc;
}

int
mp_pending_undo_feed(struct mp_seen *s, uint64_t msg, unsigned item,
    struct mp_error *err)
{
	unsigned char k[16];
	datum key = { (char *)k, (int)msg_key(k, 'f', msg, 1, item) };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	if (gdbm_delete(db, key) != 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "delete a pending record in", err);
	mp_seen_unlock(s);
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
	mp_seen_putn_(b, f->ncolumns, 4);
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

	mp_seen_putn_(v, (uint64_t)received, 8);
	mp_seen_putn_(v + 8, rows, 4);
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
		rc = mp_seen_db_error_(s, "delete a pending record in", err);
	mp_seen_unlock(s);
	return rc;
}

int
mp_pending_chunk_next(const void *key, size_t klen, const void *val,
    size_t vlen, size_t *off, struct mp_pending_row *r, const char **cells,
    size_t maxcells, struct mp_error *err)
{
	const char *k = key, *v, *end;
	const char **str[ROW_STRINGS] = { &r->ip, &r->protocol, &r->hostname,
	    &r->tags, &r->cves, &r->severity };
	const char *part[3];
	size_t i, n, len, at = 1;

	memset(r, 0, sizeof(*r));
	if (*off >= vlen)
		return 0;
	if (klen < 1 + 3 + 14 || k[0] != 'p' || k[klen - 15] != '\0' ||
	    vlen - *off < 8) {
		mp_error_set(err, MP_EINPUT, "damaged pending record");
		return -1;
	}
	for (i = 0; i < 3; i++) {
		part[i] = k + at;
		n = strnlen(k + at, klen - 14 - at);
		if (at + n >= klen - 14) {
			mp_error_set(err, MP_EINPUT, "damaged pending key");
			return -1;
		}
		at += n + 1;
	}
	r->contact = part[0], r->type = part[1], r->lang = part[2];
	r->msg = mp_seen_getn_((const unsigned char *)k + at, 8);
	r->item = (unsigned)mp_seen_getn_((const unsigned char *)k + at + 8, 2);
	v = (const char *)val + *off;
	len = (size_t)mp_seen_getn_((const unsigned char *)v, 4);
	r->row = (unsigned)mp_seen_getn_((const unsigned char *)v + 4, 4);
	if (len < ROW_FIXED || len > vlen - *off - 8 || v[8 + len - 1] != '\0') {
		mp_error_set(err, MP_EINPUT, "damaged pending row");
		return -1;
	}
	v += 8;
	end = v + len;
	*off += 8 + len;
	r->seen = (time_t)mp_seen_getn_((const unsigned char *)v, 8);
	r->received = (time_t)mp_seen_getn_((const unsigned char *)v + 8, 8);
	r->asn = (uint32_t)mp_seen_getn_((const unsigned char *)v + 16, 4);
	r->port = (unsigned)mp_seen_getn_((const unsigned char *)v + 20, 4);
	n = (size_t)mp_seen_getn_((const unsigned char *)v + 24, 4);
	v += ROW_FIXED;
	for (i = 0; i < ROW_STRINGS + n; i++) {
		if (v >= end) {
			mp_error_set(err, MP_EINPUT, "damaged pending row");
			return -1;
		}
		if (i < ROW_STRINGS)
			*str[i] = *v ? v : NULL;
		else if (i - ROW_STRINGS < maxcells)
			cells[i - ROW_STRINGS] = v;
		v += strlen(v) + 1;
	}
	r->cells = cells;
	r->ncells = n < maxcells ? n : maxcells;
	return 1;
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

static int
chunk_cmp(const void *a, const void *b)
{
	const struct mp_pending_chunk *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c;

	if (x->received != y->received)
		return x->received < y->received ? -1 : 1;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/*
 * One "p" record into the groups: its rows counted, its key kept. All
 * rows of a chunk are of one group (the key names it). 0, or -1 when
 * there is no memory (err set); a damaged chunk is skipped: the rows it
 * held cannot be read by the sender either.
 */
static int
scan_chunk(GDBM_FILE db, datum key, datum val, struct mp_pending_group **gp,
    size_t *np, size_t *capp, uint64_t *last, int *last_ok,
    struct mp_error *err)
{
	struct mp_pending_group *g = *gp, *ng, *grp;
	struct mp_pending_chunk *ch, *nc;
	struct mp_pending_row r, head;
	struct mp_error skip;
	const char *cells[1];
	size_t off = 0, i, rows = 0;
	time_t t, oldest = 0, newest = 0, received = 0;
	int first = 1;

	while (mp_pending_chunk_next(key.dptr, (size_t)key.dsize, val.dptr,
	    (size_t)val.dsize, &off, &r, cells, 0, &skip) == 1) {
		if (first && !msg_recorded(db, r.msg, last, last_ok))
			return 0;	/* not visible (yet) */
		if (first)
			head = r;	/* its strings point into the key */
		t = r.seen ? r.seen : r.received;
		if (first || t < oldest)
			oldest = t;
		if (first || t > newest)
			newest = t;
		if (first || r.received > received)
			received = r.received;
		first = 0;
		rows++;
	}
	if (rows == 0)
		return 0;
	r = head;
	for (i = 0; i < *np; i++)
		if (strcmp(g[i].contact, r.contact) == 0 &&
		    strcmp(g[i].type, r.type) == 0 && strcmp(g[i].lang, r.lang) == 0)
			break;
	if (i == *np) {
		if (*np == *capp) {
			*capp = *capp ? 2 * *capp : 16;
			if ((ng = realloc(g, *capp * sizeof(*g))) == NULL)
				goto nomem;
			*gp = g = ng;
		}
		grp = &g[i];
		memset(grp, 0, sizeof(*grp));
		snprintf(grp->contact, sizeof(grp->contact), "%s", r.contact);
		snprintf(grp->type, sizeof(grp->type), "%s", r.type);
		snprintf(grp->lang, sizeof(grp->lang), "%s", r.lang);
		grp->oldest = oldest, grp->newest = newest;
		grp->received = received;
		(*np)++;
	}
	grp = &g[i];
	if ((nc = realloc(grp->chunks, (grp->nchunks + 1) * sizeof(*nc))) == NULL)
		goto nomem;
	grp->chunks = nc;
	ch = &nc[grp->nchunks];
	if ((ch->key = malloc((size_t)key.dsize)) == NULL)
		goto nomem;
	memcpy(ch->key, key.dptr, (size_t)key.dsize);
	ch->klen = (size_t)key.dsize;
	ch->rows = rows;
	ch->received = received;
	ch->msg = r.msg;
	ch->item = r.item;
	grp->nchunks++;
	grp->rows += rows;
	if (oldest < grp->oldest)
		grp->oldest = oldest;
	if (newest > grp->newest)
		grp->newest = newest;
	if (received > grp->received)
		grp->received = received;
	return 0;
nomem:
	mp_error_set(err, MP_ENOMEM, "out of memory");
	return -1;
}

int
mp_pending_groups(struct mp_seen *s, struct mp_pending_group **gp,
    size_t *np, struct mp_error *err)
{
	struct mp_pending_group *g = NULL;
	size_t n = 0, cap = 0, i;
	uint64_t last = 0;
	int last_ok = -1, rc = MP_OK;
	GDBM_FILE db = mp_seen_lock(s);
	datum key, next, val;

	*gp = NULL;
	*np = 0;
	key = gdbm_firstkey(db);
	while (key.dptr != NULL && rc == MP_OK) {
		if (key.dsize > 0 && key.dptr[0] == 'p' &&
		    (val = gdbm_fetch(db, key)).dptr != NULL) {
			if (scan_chunk(db, key, val, &g, &n, &cap, &last,
			    &last_ok, err) != 0)
				rc = MP_ENOMEM;
			free(val.dptr);
		}
		next = gdbm_nextkey(db, key);
		free(key.dptr);
		key = next;
	}
	free(key.dptr);
	if (rc == MP_OK && gdbm_errno != GDBM_ITEM_NOT_FOUND &&
	    gdbm_errno != GDBM_NO_ERROR)
		rc = mp_seen_db_error_(s, "read the pending records of", err);
	mp_seen_unlock(s);
	if (rc != MP_OK) {
		mp_pending_groups_free(&g, n);
		return rc;
	}
	if (n > 1)
		qsort(g, n, sizeof(*g), group_cmp);
	for (i = 0; i < n; i++)
		if (g[i].nchunks > 1)
			qsort(g[i].chunks, g[i].nchunks, sizeof(*g[i].chunks),
			    chunk_cmp);
	*gp = g;
	*np = n;
	return MP_OK;
}

void
mp_pending_groups_free(struct mp_pending_group **gp, size_t n)
{
	size_t i, j;

	if (*gp == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < (*gp)[i].nchunks; j++)
			free((*gp)[i].chunks[j].key);
		free((*gp)[i].chunks);
	}
	free(*gp);
	*gp = NULL;
}

enum mp_lookup
mp_pending_get(struct mp_seen *s, const void *k, size_t klen, void **valp,
    size_t *vlenp, struct mp_error *err)
{
	datum val;
	enum mp_lookup lk;

	lk = mp_seen_get_(s, k, klen, &val, "read a pending record of", err);
	*valp = val.dptr;
	*vlenp = val.dptr != NULL ? (size_t)val.dsize : 0;
	return lk;
}

enum mp_lookup
mp_pending_feed_get(struct mp_seen *s, uint64_t msg, unsigned item,
    struct mp_pending_feed_rec *f, struct mp_error *err)
{
	unsigned char key[16];
	const char **str[5] = { &f->feed.name, &f->feed.filename,
	    &f->feed.report_id, &f->feed.case_ref, &f->feed.reporter };
	const char *p, *end, **cols;
	size_t i, n, vlen;
	void *val;
	enum mp_lookup lk;

	memset(f, 0, sizeof(*f));
	lk = mp_pending_get(s, key, msg_key(key, 'f', msg, 1, item), &val,
	    &vlen, err);
	if (lk != MP_FOUND)
		return lk;
	f->buf = val;
	if (vlen < 4 || ((char *)val)[vlen - 1] != '\0')
		goto damaged;
	n = (size_t)mp_seen_getn_(val, 4);
	if (n > vlen || (cols = calloc(n ? n : 1, sizeof(*cols))) == NULL)
		goto damaged;
	f->cols = cols;
	p = (const char *)val + 4;
	end = (const char *)val + vlen;
	for (i = 0; i < 5 + n; i++) {
		if (p >= end)
			goto damaged;
		if (i < 5)
			*str[i] = *p ? p : NULL;
		else
			cols[i - 5] = p;
		p += strlen(p) + 1;
	}
	f->feed.msg = msg;
	f->feed.item = item;
	f->feed.columns = cols;
	f->feed.ncolumns = n;
	return MP_FOUND;
damaged:
	mp_pending_feed_rec_free(f);
	mp_error_set(err, MP_EINPUT, "damaged pending feed record");
	return MP_NOTFOUND;
}

void
mp_pending_feed_rec_free(struct mp_pending_feed_rec *f)
{
	free(f->buf);
	free(f->cols);
	memset(f, 0, sizeof(*f));
}
