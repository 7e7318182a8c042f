/*
 * listseen - see listseen.h
 *
 * In memory, a session keeps the (type, contact) pairs it met ("sets",
 * each with its "B" record and a bit per bucket: read, changed, written)
 * and the entries of the buckets it read or changed, in one table keyed
 * by set and source; each set chains its own entries, so writing a set
 * touches only those. Sources live in a block store freed with the
 * entries.
 */
#include "config.h"

#include <errno.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listseen.h"
#include "seen_int.h"

#define ENTRY_FIXED	24	/* time, msg, row */
#define KEY_MAX		(1 + 2 * (MP_SEEN_PART_MAX + 1) + 5)
#define STORE_BLOCK	(64u * 1024)
#define NONE		UINT32_MAX

struct lentry {
	uint64_t h;		/* hash of the source */
	int64_t t;
	uint64_t msg, row;
	const char *src;
	uint32_t srclen;
	uint32_t set;
	uint32_t next;		/* the set's next entry, or NONE */
};

struct lset {
	char *type, *contact;
	size_t tlen, clen;
	unsigned bits;		/* as the "B" record says (0 when none) */
	uint32_t count;		/* the "B" record's count */
	int exists;		/* the "B" record is there */
	uint32_t added;		/* entries new since the last write */
	unsigned char *loaded, *dirty;	/* a bit per bucket of `bits` */
	unsigned char *written;	/* buckets written, of written_bits */
	unsigned written_bits;
	int recorded;		/* a check recorded something */
	uint32_t head;		/* its entries in memory, chained */
};

struct sblock {
	struct sblock *next;
	size_t used;
	char data[STORE_BLOCK];
};

struct mp_listseen {
	struct mp_seen *s;
	uint64_t msg;
	int64_t now;
	unsigned interval;
	int locked;
	struct lset *sets;
	size_t nsets, capsets;
	size_t last;		/* the set of the last check, + 1 */
	struct lentry *e;
	size_t ne, cape;
	uint64_t *idx;		/* open addressing: h's high half, index + 1 */
	size_t nidx;
	struct sblock *store;
};

static uint64_t
hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	/* FNV's low bits are its best; the bucket takes the high ones */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint32_t
bucket_of(uint64_t h, unsigned bits)
{
	return bits == 0 ? 0 : (uint32_t)(h >> (64 - bits));
}

static int
bit(const unsigned char *m, uint32_t b)
{
	return m != NULL && (m[b >> 3] >> (b & 7)) & 1;
}

static void
set_bit(unsigned char *m, uint32_t b)
{
	m[b >> 3] |= (unsigned char)(1u << (b & 7));
}

static size_t
map_bytes(unsigned bits)
{
	return ((size_t)1 << bits) / 8 + 1;
}

/* ---- the state DB, one call at a time under its lock ---- */

static int
db_fetch(struct mp_seen *s, const unsigned char *k, size_t klen, datum *v,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)klen };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	*v = gdbm_fetch(db, key);
	if (v->dptr == NULL && gdbm_errno != GDBM_ITEM_NOT_FOUND)
		rc = mp_seen_db_error_(s, "read a list row record in", err);
	mp_seen_unlock(s);
	return rc;
}

/* Store, or delete when vlen is 0. */
static int
db_store(struct mp_seen *s, const unsigned char *k, size_t klen,
    const void *v, size_t vlen, struct mp_error *err)
{
	datum key = { (char *)k, (int)klen }, val = { (char *)v, (int)vlen };
	GDBM_FILE db = mp_seen_lock(s);
	int rc = MP_OK;

	if (vlen == 0) {
		if (gdbm_delete(db, key) != 0 &&
		    gdbm_errno != GDBM_ITEM_NOT_FOUND)
			rc = mp_seen_db_error_(s, "delete a list row record in",
			    err);
	} else if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		rc = mp_seen_db_error_(s, "write a list row record in", err);
	mp_seen_unlock(s);
	return rc;
}

static size_t
header_key(const struct lset *st, unsigned char *k)
{
	k[0] = 'B';
	memcpy(k + 1, st->type, st->tlen + 1);
	memcpy(k + 2 + st->tlen, st->contact, st->clen);
	return 2 + st->tlen + st->clen;
}

static size_t
bucket_key(const struct lset *st, unsigned bits, uint32_t b, unsigned char *k)
{
	size_t n = header_key(st, k);

	k[0] = 'b';
	k[n++] = '\0';
	k[n++] = (unsigned char)bits;
	mp_seen_putn_(k + n, b, 4);
	return n + 4;
}

/* ---- the session's memory ---- */

static const char *
store_str(struct mp_listseen *ls, const char *s, size_t n)
{
	struct sblock *b = ls->store;
	char *p;

	if (b == NULL || STORE_BLOCK - b->used < n + 1) {
		if ((b = malloc(sizeof(*b))) == NULL)
			return NULL;
		b->used = 0;
		b->next = ls->store;
		ls->store = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

/* Forget every entry (written out, or taken back); sets stay. */
static void
drop_entries(struct mp_listseen *ls)
{
	struct sblock *b, *next;
	size_t i;

	for (b = ls->store; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	ls->store = NULL;
	ls->ne = 0;
	if (ls->idx != NULL)
		memset(ls->idx, 0, ls->nidx * sizeof(*ls->idx));
	for (i = 0; i < ls->nsets; i++) {
		struct lset *st = &ls->sets[i];

		st->head = NONE;
		free(st->loaded);
		free(st->dirty);
		st->loaded = st->dirty = NULL;
	}
}

static uint64_t
slot_hash(uint64_t h, uint32_t set)
{
	return h ^ ((uint64_t)set * 0x9e3779b97f4a7c15ULL);
}

/* A slot: the entry's hash, high half, and its index + 1 (0: empty).
 * A probe looks at an entry only when the halves agree. */
static uint64_t
slot_of(uint64_t h, size_t i)
{
	return (h & 0xffffffff00000000ULL) | (uint64_t)(i + 1);
}

static int
grow_idx(struct mp_listseen *ls)
{
	size_t n = ls->nidx ? ls->nidx * 2 : 4096, i, j;
	uint64_t *ni = calloc(n, sizeof(*ni));

	if (ni == NULL)
		return -1;
	for (i = 0; i < ls->ne; i++) {
		for (j = slot_hash(ls->e[i].h, ls->e[i].set) & (n - 1);
		    ni[j] != 0; j = (j + 1) & (n - 1))
			;
		ni[j] = slot_of(ls->e[i].h, i);
	}
	free(ls->idx);
	ls->idx = ni;
	ls->nidx = n;
	return 0;
}

/* The entry of (set, source), or NULL; *slot is where it would go. */
static struct lentry *
find(struct mp_listseen *ls, uint32_t set, uint64_t h, const char *src,
    size_t n, size_t *slot)
{
	size_t j;
	uint64_t hi = h & 0xffffffff00000000ULL;

	for (j = slot_hash(h, set) & (ls->nidx - 1); ls->idx[j] != 0;
	    j = (j + 1) & (ls->nidx - 1)) {
		struct lentry *e;

		if ((ls->idx[j] & 0xffffffff00000000ULL) != hi)
			continue;
		e = &ls->e[(ls->idx[j] & 0xffffffffULL) - 1];
		if (e->h == h && e->set == set && e->srclen == n &&
		    memcmp(e->src, src, n) == 0)
			return e;
	}
	*slot = j;
	return NULL;
}

/* Room for one more entry: the table at most half full. */
static int
room(struct mp_listseen *ls)
{
	return (ls->ne + 1) * 2 > ls->nidx ? grow_idx(ls) : 0;
}

/* A new entry for (set, source) at `slot` (find's, after room()), or
 * NULL (no memory). */
static struct lentry *
add_at(struct mp_listseen *ls, size_t slot, uint32_t set, uint64_t h,
    const char *src, size_t n)
{
	struct lentry *e;

	if (ls->ne == ls->cape) {
		size_t cap = ls->cape ? ls->cape * 2 : 4096;
		struct lentry *ne = realloc(ls->e, cap * sizeof(*ne));

		if (ne == NULL)
			return NULL;
		ls->e = ne;
		ls->cape = cap;
	}
	e = &ls->e[ls->ne];
	memset(e, 0, sizeof(*e));
	if ((e->src = store_str(ls, src, n)) == NULL)
		return NULL;
	e->h = h;
	e->srclen = (uint32_t)n;
	e->set = set;
	e->next = ls->sets[set].head;
	ls->sets[set].head = (uint32_t)ls->ne;
	ls->idx[slot] = slot_of(h, ls->ne++);
	return e;
}

/* The entry of (set, source), found or new; NULL: no memory. */
static struct lentry *
add(struct mp_listseen *ls, uint32_t set, uint64_t h, const char *src,
    size_t n)
{
	struct lentry *e;
	size_t slot;

	if (room(ls) != 0)
		return NULL;
	if ((e = find(ls, set, h, src, n, &slot)) != NULL)
		return e;
	return add_at(ls, slot, set, h, src, n);
}

static int
oom(struct mp_error *err)
{
	return mp_error_set(err, MP_ERETRY, "out of memory recording list "
	    "rows");
}

/* The bit maps of a set's current generation. */
static int
maps(struct lset *st)
{
	if (st->loaded == NULL &&
	    (st->loaded = calloc(1, map_bytes(st->bits))) == NULL)
		return -1;
	if (st->dirty == NULL &&
	    (st->dirty = calloc(1, map_bytes(st->bits))) == NULL)
		return -1;
	return 0;
}

/* Bucket b of the set's generation `bits` into memory, expired entries
 * left out. A damaged record is read as far as it goes. */
static int
load(struct mp_listseen *ls, uint32_t set, uint32_t b, struct mp_error *err)
{
	struct lset *st = &ls->sets[set];
	unsigned char k[KEY_MAX];
	const unsigned char *p, *end;
	datum v;
	int rc;

	if ((rc = db_fetch(ls->s, k, bucket_key(st, st->bits, b, k), &v, err))
	    != MP_OK)
		return rc;
	set_bit(st->loaded, b);
	if (v.dptr == NULL)
		return MP_OK;
	p = (const unsigned char *)v.dptr;
	end = p + v.dsize;
	while (end - p > ENTRY_FIXED) {
		const char *src = (const char *)p + ENTRY_FIXED;
		const char *z = memchr(src, '\0', (size_t)(end - p) -
		    ENTRY_FIXED);
		int64_t t = (int64_t)mp_seen_getn_(p, 8);
		struct lentry *e;
		size_t n;
		uint64_t h;

		if (z == NULL) {
			set_bit(st->dirty, b);	/* damaged: written anew */
			break;
		}
		n = (size_t)(z - src);
		h = hash(src, n);
		if (t + (int64_t)ls->interval > ls->now && n <= MP_SEEN_PART_MAX &&
		    bucket_of(h, st->bits) == b) {
			if ((e = add(ls, set, h, src, n)) == NULL) {
				free(v.dptr);
				return oom(err);
			}
			e->t = t;
			e->msg = mp_seen_getn_(p + 8, 8);
			e->row = mp_seen_getn_(p + 16, 8);
		}
		p = (const unsigned char *)z + 1;
	}
	free(v.dptr);
	return MP_OK;
}

/* The set of (type, contact), found or made (its "B" record read). */
static int
set_of(struct mp_listseen *ls, const char *type, const char *contact,
    uint32_t *out, struct mp_error *err)
{
	struct lset *st;
	unsigned char k[KEY_MAX];
	size_t i;
	datum v;
	int rc;

	if (ls->last > 0) {
		st = &ls->sets[ls->last - 1];
		if (strcmp(st->contact, contact) == 0 &&
		    strcmp(st->type, type) == 0) {
			*out = (uint32_t)(ls->last - 1);
			return MP_OK;
		}
	}
	for (i = 0; i < ls->nsets; i++)
		if (strcmp(ls->sets[i].contact, contact) == 0 &&
		    strcmp(ls->sets[i].type, type) == 0) {
			ls->last = i + 1;
			*out = (uint32_t)i;
			return MP_OK;
		}
	if (ls->nsets == ls->capsets) {
		size_t cap = ls->capsets ? 2 * ls->capsets : 8;
		struct lset *ns = realloc(ls->sets, cap * sizeof(*ns));

		if (ns == NULL)
			return oom(err);
		ls->sets = ns;
		ls->capsets = cap;
	}
	if (strlen(type) > MP_SEEN_PART_MAX || strlen(contact) >
	    MP_SEEN_PART_MAX)
		return mp_error_set(err, MP_EINPUT, "state key part longer "
		    "than %d bytes (limit)", MP_SEEN_PART_MAX);
	st = &ls->sets[ls->nsets];
	memset(st, 0, sizeof(*st));
	st->head = NONE;
	st->tlen = strlen(type);
	st->clen = strlen(contact);
	if ((st->type = strdup(type)) == NULL ||
	    (st->contact = strdup(contact)) == NULL) {
		free(st->type);
		return oom(err);
	}
	ls->nsets++;
	if ((rc = db_fetch(ls->s, k, header_key(st, k), &v, err)) != MP_OK)
		return rc;
	if (v.dptr != NULL && v.dsize == 5 && v.dptr[0] <= MP_LISTSEEN_MAXBITS) {
		st->exists = 1;
		st->bits = (unsigned char)v.dptr[0];
		st->count = (uint32_t)mp_seen_getn_((unsigned char *)v.dptr + 1, 4);
	}
	free(v.dptr);
	ls->last = ls->nsets;
	*out = (uint32_t)(ls->nsets - 1);
	return MP_OK;
}

/* ---- writing a set ---- */

/* One bucket's entries (chained by `next` from first), as its record. */
static int
write_bucket(struct mp_listseen *ls, const struct lset *st, unsigned bits,
    uint32_t b, const uint32_t *first, const uint32_t *chain,
    unsigned char **buf, size_t *cap, struct mp_error *err)
{
	unsigned char k[KEY_MAX];
	size_t len = 0;
	uint32_t i;

	for (i = first[b]; i != NONE; i = chain[i]) {
		const struct lentry *e = &ls->e[i];
		size_t need = len + ENTRY_FIXED + e->srclen + 1;

		if (need > *cap) {
			size_t nc = *cap ? *cap : 4096;
			unsigned char *nb;

			while (nc < need)
				nc *= 2;
			if ((nb = realloc(*buf, nc)) == NULL)
				return oom(err);
			*buf = nb;
			*cap = nc;
		}
		mp_seen_putn_(*buf + len, (uint64_t)e->t, 8);
		mp_seen_putn_(*buf + len + 8, e->msg, 8);
		mp_seen_putn_(*buf + len + 16, e->row, 8);
		memcpy(*buf + len + ENTRY_FIXED, e->src, e->srclen + 1);
		len = need;
	}
	return db_store(ls->s, k, bucket_key(st, bits, b, k), *buf, len, err);
}

static unsigned
bits_for(uint64_t count)
{
	unsigned b = 0;

	while (b < MP_LISTSEEN_MAXBITS &&
	    count > ((uint64_t)MP_LISTSEEN_BUCKET << b))
		b++;
	return b;
}

/*
 * Write the set's changed buckets, or, when it has outgrown them, all of
 * its entries over a new number of buckets (listseen.h). Afterwards its
 * entries in memory are still those of whole buckets of `bits`.
 */
static int
write_set(struct mp_listseen *ls, uint32_t set, struct mp_error *err)
{
	struct lset *st = &ls->sets[set];
	uint64_t want = (uint64_t)st->count + st->added;
	unsigned nbits = st->bits, old = st->bits;
	unsigned char k[KEY_MAX], hv[5], *buf = NULL;
	uint32_t *first = NULL, *chain = NULL, b, nb, i, exact;
	size_t cap = 0;
	int rc = MP_OK, resize = 0, any = 0;

	if (st->dirty == NULL)
		return MP_OK;
	for (b = 0; b < ((uint32_t)1 << st->bits) && !any; b++)
		any = bit(st->dirty, b);
	if (!any)
		return MP_OK;
	/* A set of more than MP_LISTSEEN_HELD entries is not read whole
	 * again: its buckets just grow (listseen.h, LIMITS). */
	if (want > (2 * (uint64_t)MP_LISTSEEN_BUCKET << st->bits) &&
	    want <= MP_LISTSEEN_HELD && st->bits < MP_LISTSEEN_MAXBITS) {
		/* read every bucket, count exactly, then decide */
		for (b = 0; b < ((uint32_t)1 << st->bits); b++)
			if (!bit(st->loaded, b) &&
			    (rc = load(ls, set, b, err)) != MP_OK)
				return rc;
		for (exact = 0, i = st->head; i != NONE; i = ls->e[i].next)
			exact++;
		st->count = exact;
		st->added = 0;
		nbits = bits_for(exact);
		resize = nbits != st->bits;
	}
	nb = (uint32_t)1 << nbits;
	if ((first = malloc(nb * sizeof(*first))) == NULL ||
	    (chain = malloc(ls->ne * sizeof(*chain) + 1)) == NULL) {
		free(first);
		return oom(err);
	}
	for (b = 0; b < nb; b++)
		first[b] = NONE;
	for (i = st->head; i != NONE; i = ls->e[i].next) {
		b = bucket_of(ls->e[i].h, nbits);
		chain[i] = first[b];
		first[b] = i;
	}
	if (resize || st->written == NULL || st->written_bits != nbits) {
		free(st->written);
		st->written = calloc(1, map_bytes(nbits));
		st->written_bits = nbits;
		if (st->written == NULL)
			rc = oom(err);
	}
	for (b = 0; b < nb && rc == MP_OK; b++) {
		if (!resize && !bit(st->dirty, b))
			continue;
		/* a resize writes every bucket: stale ones of a crashed
		 * resize to the same bits go too */
		rc = write_bucket(ls, st, nbits, b, first, chain, &buf, &cap,
		    err);
		if (rc == MP_OK)
			set_bit(st->written, b);
	}
	if (rc == MP_OK) {
		st->count += st->added;
		st->added = 0;
		hv[0] = (unsigned char)nbits;
		mp_seen_putn_(hv + 1, st->count, 4);
		rc = db_store(ls->s, k, header_key(st, k), hv, sizeof(hv), err);
	}
	if (rc == MP_OK && resize) {
		/* the new generation is in force: the old one goes */
		for (b = 0; b < ((uint32_t)1 << old) && rc == MP_OK; b++)
			rc = db_store(ls->s, k, bucket_key(st, old, b, k), NULL,
			    0, err);
		st->bits = nbits;
		free(st->loaded);
		free(st->dirty);
		st->loaded = st->dirty = NULL;
		if (rc == MP_OK && maps(st) != 0)
			rc = oom(err);
		if (rc == MP_OK)
			memset(st->loaded, 0xff, map_bytes(nbits));
	} else if (rc == MP_OK)
		memset(st->dirty, 0, map_bytes(st->bits));
	st->exists = st->exists || rc == MP_OK;
	free(buf);
	free(first);
	free(chain);
	return rc;
}

static int
write_all(struct mp_listseen *ls, struct mp_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < ls->nsets; i++)
		if ((rc = write_set(ls, (uint32_t)i, err)) != MP_OK)
			return rc;
	return MP_OK;
}

/* ---- the session ---- */

static int
lock(struct mp_listseen *ls, struct mp_error *err)
{
	struct timespec until;
	int e;

	if (ls->locked)
		return MP_OK;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MP_LISTSEEN_WAIT;
	if ((e = pthread_mutex_timedlock(&ls->s->list_lock, &until)) != 0)
		return mp_error_set(err, MP_ERETRY, "%s: another list report "
		    "held the state DB for more than %d seconds%s",
		    ls->s->path, MP_LISTSEEN_WAIT, e == ETIMEDOUT ? "" :
		    " (lock error)");
	ls->locked = 1;
	return MP_OK;
}

static void
unlock(struct mp_listseen *ls)
{
	if (ls->locked) {
		pthread_mutex_unlock(&ls->s->list_lock);
		ls->locked = 0;
	}
}

int
mp_listseen_begin(struct mp_seen *s, uint64_t msg, time_t now,
    unsigned interval, struct mp_listseen **out, struct mp_error *err)
{
	struct mp_listseen *ls;
	int rc;

	*out = NULL;
	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return oom(err);
	ls->s = s;
	ls->msg = msg;
	ls->now = (int64_t)now;
	ls->interval = interval;
	if (interval > 0 && (rc = lock(ls, err)) != MP_OK) {
		free(ls);
		return rc;
	}
	*out = ls;
	return MP_OK;
}

int
mp_listseen_check(struct mp_listseen *ls, const char *type,
    const char *source, const char *contact, uint64_t row,
    enum mp_seen_verdict *verdict, struct mp_error *err)
{
	struct lentry *e;
	struct lset *st;
	size_t n = strlen(source), slot;
	uint32_t set, b;
	uint64_t h;
	int rc;

	*verdict = MP_SEEN_NEW;
	if (ls->interval == 0)
		return MP_OK;
	if (n > MP_SEEN_PART_MAX)	/* type and contact: set_of() */
		return mp_error_set(err, MP_EINPUT, "state key part longer "
		    "than %d bytes (limit)", MP_SEEN_PART_MAX);
	if (!ls->locked)
		return mp_error_set(err, MP_EINTERNAL, "list row session "
		    "used after its flush");
	if ((rc = set_of(ls, type, contact, &set, err)) != MP_OK)
		return rc;
	st = &ls->sets[set];
	if (maps(st) != 0)
		return oom(err);
	h = hash(source, n);
	b = bucket_of(h, st->bits);
	if (!bit(st->loaded, b) && (rc = load(ls, set, b, err)) != MP_OK)
		return rc;
	if (room(ls) != 0)
		return oom(err);
	if ((e = find(ls, set, h, source, n, &slot)) != NULL &&
	    ls->now - e->t < (int64_t)ls->interval &&
	    !(e->msg == ls->msg && e->row == row)) {
		*verdict = MP_SEEN_DUPLICATE;
		return MP_OK;
	}
	if (e == NULL) {
		if ((e = add_at(ls, slot, set, h, source, n)) == NULL)
			return oom(err);
		st->added++;
	}
	e->t = ls->now;
	e->msg = ls->msg;
	e->row = row;
	set_bit(st->dirty, b);
	st->recorded = 1;
	if (ls->ne >= MP_LISTSEEN_HELD) {
		/* out with it all; what is needed again is read again */
		if ((rc = write_all(ls, err)) != MP_OK)
			return rc;
		drop_entries(ls);
	}
	return MP_OK;
}

int
mp_listseen_flush(struct mp_listseen *ls, struct mp_error *err)
{
	int rc = MP_OK;

	if (ls->locked)
		rc = write_all(ls, err);
	drop_entries(ls);
	unlock(ls);
	return rc;
}

/* Entries of the session's msg made at its now, out of one bucket. */
static int
undo_bucket(struct mp_listseen *ls, const struct lset *st, unsigned bits,
    uint32_t b, struct mp_error *err)
{
	unsigned char k[KEY_MAX], *p, *end, *w;
	size_t klen = bucket_key(st, bits, b, k);
	datum v;
	int rc, changed = 0;

	if ((rc = db_fetch(ls->s, k, klen, &v, err)) != MP_OK ||
	    v.dptr == NULL)
		return rc;
	p = w = (unsigned char *)v.dptr;
	end = p + v.dsize;
	while (end - p > ENTRY_FIXED) {
		unsigned char *z = memchr(p + ENTRY_FIXED, '\0',
		    (size_t)(end - p) - ENTRY_FIXED);
		size_t n;

		if (z == NULL)
			break;
		n = (size_t)(z + 1 - p);
		if ((int64_t)mp_seen_getn_(p, 8) == ls->now &&
		    mp_seen_getn_(p + 8, 8) == ls->msg)
			changed = 1;
		else {
			memmove(w, p, n);
			w += n;
		}
		p = z + 1;
	}
	if (changed)
		rc = db_store(ls->s, k, klen, v.dptr,
		    (size_t)(w - (unsigned char *)v.dptr), err);
	free(v.dptr);
	return rc;
}

int
mp_listseen_undo(struct mp_listseen *ls, struct mp_error *err)
{
	unsigned char k[KEY_MAX];
	size_t i;
	uint32_t b;
	unsigned bits;
	datum v;
	int rc = MP_OK;

	drop_entries(ls);	/* what was not written is simply forgotten */
	for (i = 0; i < ls->nsets && rc == MP_OK; i++) {
		struct lset *st = &ls->sets[i];

		if (st->written == NULL)
			continue;
		if ((rc = lock(ls, err)) != MP_OK ||
		    (rc = db_fetch(ls->s, k, header_key(st, k), &v, err)) !=
		    MP_OK)
			break;
		if (v.dptr == NULL || v.dsize != 5 ||
		    v.dptr[0] > MP_LISTSEEN_MAXBITS) {
			free(v.dptr);
			continue;
		}
		bits = (unsigned char)v.dptr[0];
		free(v.dptr);
		/* another report may have resized it since: then all */
		for (b = 0; b < ((uint32_t)1 << bits) && rc == MP_OK; b++)
			if (bits != st->written_bits || bit(st->written, b))
				rc = undo_bucket(ls, st, bits, b, err);
		if (rc == MP_OK) {
			free(st->written);
			st->written = NULL;
		}
	}
	unlock(ls);
	return rc;
}

void
mp_listseen_end(struct mp_listseen **lsp)
{
	struct mp_listseen *ls = *lsp;
	size_t i;

	*lsp = NULL;
	if (ls == NULL)
		return;
	drop_entries(ls);
	unlock(ls);
	for (i = 0; i < ls->nsets; i++) {
		free(ls->sets[i].type);
		free(ls->sets[i].contact);
		free(ls->sets[i].written);
	}
	free(ls->sets);
	free(ls->e);
	free(ls->idx);
	free(ls);
}

int
mp_listseen_expired_(const char *key, size_t klen, const char *val,
    size_t vlen, time_t now, unsigned interval)
{
	const unsigned char *p = (const unsigned char *)val, *end = p + vlen;

	(void)key;
	(void)klen;
	while (end - p > ENTRY_FIXED) {
		const unsigned char *z = memchr(p + ENTRY_FIXED, '\0',
		    (size_t)(end - p) - ENTRY_FIXED);

		if (z == NULL)
			break;
		if ((int64_t)mp_seen_getn_(p, 8) + (int64_t)interval > (int64_t)now)
			return 0;
		p = z + 1;
	}
	return 1;
}
