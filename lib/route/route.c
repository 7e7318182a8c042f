/*
 * route - see route.h
 */
#include "config.h"

#include <errno.h>
#include <gdbm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "route.h"
#include "route_fmt.h"

struct cache_slot {
	uint32_t id;		/* 0 = empty */
	char *rec;
	size_t len;
};

struct mp_routedb {
	char *path;
	GDBM_FILE dbf;
	pthread_mutex_t lock;
	struct stat st;		/* of the file opened */
	mp_u128 *idx[2];	/* first address of each IPv4 / IPv6 page */
	size_t nidx[2];
	struct cache_slot cache[MP_ROUTEDB_CACHE];
};

const char *
mp_route_rule_name(enum mp_route_rule rule)
{
	switch (rule) {
	case MP_RULE_ORG:		return "org";
	case MP_RULE_SECURITYTXT:	return "securitytxt";
	case MP_RULE_INTERMEDIARY:	return "intermediary";
	case MP_RULE_ABUSEC:		return "abuse-c";
	}
	return "unknown";
}

const char *
mp_reporter_auth_name(enum mp_reporter_auth auth)
{
	switch (auth) {
	case MP_AUTH_SPF:	return "spf";
	case MP_AUTH_DKIM:	return "dkim";
	case MP_AUTH_BOTH:	return "both";
	}
	return "unknown";
}

int
mp_route_wants(const struct mp_route *route, const char *type)
{
	const char *p = route->wants;
	size_t tl = strlen(type), n;

	if (*p == '\0')
		return 1;
	while (*p != '\0') {
		n = strcspn(p, ",");
		if (n == tl && strncasecmp(p, type, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

enum mp_lookup
mp_route_pick(const struct mp_route *route, const char *type,
    mp_route_health_fn health, void *arg, struct mp_route_pick *pick,
    struct mp_error *err)
{
	static const enum mp_route_rule order[] = { MP_RULE_ORG,
	    MP_RULE_SECURITYTXT, MP_RULE_INTERMEDIARY, MP_RULE_ABUSEC };
	int wanted = mp_route_wants(route, type);
	size_t k, i;
	int h;

	memset(pick, 0, sizeof(*pick));
	for (k = 0; k < sizeof(order) / sizeof(order[0]) && pick->nto == 0;
	    k++) {
		if (!wanted && (order[k] == MP_RULE_ORG ||
		    order[k] == MP_RULE_SECURITYTXT))
			continue;
		for (i = 0; i < route->ncontacts; i++) {
			const struct mp_route_contact *c = &route->contacts[i];

			if (c->rule != order[k])
				continue;
			h = 0;
			if (health != NULL) {
				pick->skipped[pick->nskipped].why[0] = '\0';
				h = health(c->address, arg,
				    pick->skipped[pick->nskipped].why,
				    MP_ROUTE_SKIP_WHY, err);
			}
			if (h < 0)
				return MP_RETRY;
			if (h > 0)
				pick->skipped[pick->nskipped++].c = c;
			else
				pick->to[pick->nto++] = c;
		}
	}
	return pick->nto > 0 ? MP_FOUND : MP_NOTFOUND;
}

/* Copy src[0..n) into out, expanding %0-%3 and %%; cut at outsz. */
static void
expand(const char *src, size_t n, mp_u128 addr, int fam, const uint8_t *lens,
    char *out, size_t outsz)
{
	size_t o = 0, i = 0;
	char pfx[MP_PREFIX_STR];

	while (i < n && o + 1 < outsz) {
		if (src[i] == '%' && i + 1 < n && src[i + 1] == '%') {
			out[o++] = '%';
			i += 2;
		} else if (src[i] == '%' && i + 1 < n && src[i + 1] == 'I' && lens != NULL) {
			/* The abuse-c came from a less specific network. */
			char sub[MP_ROUTE_WHY];

			i += 2;
			if (lens[2] != lens[3]) {
				static const char inh[] = " (inherited: %2 has no abuse-c of its own)";

				expand(inh, sizeof(inh) - 1, addr, fam, lens, sub, sizeof(sub));
				for (size_t k = 0; sub[k] != '\0' && o + 1 < outsz; k++)
					out[o++] = sub[k];
			}
		} else if (src[i] == '%' && i + 1 < n && src[i + 1] >= '0' &&
		    src[i + 1] < '0' + MP_ROUTE_NLENS && lens != NULL) {
			int len = lens[src[i + 1] - '0'];
			size_t k;

			i += 2;
			if (len > mp_fam_bits(fam))
				len = mp_fam_bits(fam);
			mp_prefix_format(addr, len, fam, pfx, sizeof(pfx));
			for (k = 0; pfx[k] != '\0' && o + 1 < outsz; k++)
				out[o++] = pfx[k];
		} else {
			out[o++] = src[i++];
		}
	}
	out[o] = '\0';
}

/* Contacts past ncontacts are never read: clearing 13 KB per lookup
 * would cost more than the lookup's arithmetic. */
static void
route_reset(struct mp_route *route)
{
	route->ncontacts = 0;
	route->truncated = 0;
	route->wants[0] = '\0';
}

static int
rule_parse(const char *s, size_t n)
{
	static const char *names[] = { "org", "securitytxt", "intermediary", "abuse-c" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return (int)i + MP_RULE_ORG;
	return 0;
}

int
mp_route_decode(const char *rec, size_t len, mp_u128 addr, int fam,
    const uint8_t *lens, struct mp_route *route, struct mp_error *err)
{
	const char *p = rec, *end = rec + len, *nl, *f[8];
	size_t fl[8], i, nf;
	struct mp_route_contact *c;
	char num[16];

	route_reset(route);
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		for (nf = 0; nf < 8 && p <= nl; nf++) {
			const char *t = memchr(p, '\t', (size_t)(nl - p));

			f[nf] = p;
			fl[nf] = (size_t)((t ? t : nl) - p);
			p = t ? t + 1 : nl + 1;
		}
		if (nf == 2 && fl[0] == 1 && f[0][0] == 'W') {
			expand(f[1], fl[1], 0, 0, NULL, route->wants, sizeof(route->wants));
			continue;
		}
		if (nf != 8 || fl[0] != 1 || f[0][0] != 'C' || rule_parse(f[1], fl[1]) == 0 ||
		    fl[6] == 0 || fl[6] >= sizeof(num) || strspn(f[6], "0123456789") < fl[6] ||
		    fl[7] != 1 || (f[7][0] != '0' && f[7][0] != '1'))
			return mp_error_set(err, MP_EINPUT,
			    "a route record in the routing database is damaged: rebuild it with meldpunt-route compile");
		if (route->ncontacts == MP_ROUTE_CONTACTS) {
			route->truncated = 1;
			continue;
		}
		c = &route->contacts[route->ncontacts];
		c->rule = (enum mp_route_rule)rule_parse(f[1], fl[1]);
		c->lang = mp_lang_parse(f[2], fl[2]);
		expand(f[3], fl[3], 0, 0, NULL, c->address, sizeof(c->address));
		expand(f[4], fl[4], addr, fam, lens, c->matched, sizeof(c->matched));
		expand(f[5], fl[5], addr, fam, lens, c->why, sizeof(c->why));
		memcpy(num, f[6], fl[6]);
		num[fl[6]] = '\0';
		c->notify_interval = (unsigned)strtoul(num, NULL, 10);
		c->digest = f[7][0] == '1';
		/* Several templates may name one address: keep the first. */
		for (i = 0; i < route->ncontacts; i++)
			if (strcmp(route->contacts[i].address, c->address) == 0)
				break;
		if (i == route->ncontacts)
			route->ncontacts++;
	}
	return MP_OK;
}

/*
 * Fetch a key. MP_FOUND with *val malloc'ed (GDBM's own allocation),
 * MP_NOTFOUND, or MP_RETRY on any other GDBM error. Caller holds the lock.
 */
static enum mp_lookup
fetch(struct mp_routedb *db, const void *key, size_t klen, datum *val,
    struct mp_error *err)
{
	datum k;

	k.dptr = (char *)key;
	k.dsize = (int)klen;
	*val = gdbm_fetch(db->dbf, k);
	if (val->dptr != NULL)
		return MP_FOUND;
	if (gdbm_last_errno(db->dbf) == GDBM_ITEM_NOT_FOUND)
		return MP_NOTFOUND;
	mp_error_set(err, MP_ERETRY, "%s: cannot read the routing database: %s",
	    db->path, gdbm_db_strerror(db->dbf));
	return MP_RETRY;
}

static enum mp_lookup
load_index(struct mp_routedb *db, int fam, struct mp_error *err)
{
	char key[2] = { 'I', fam == 4 ? '4' : '6' };
	size_t w = fam == 4 ? 4 : 16, n, i;
	enum mp_lookup r;
	datum v;

	if ((r = fetch(db, key, 2, &v, err)) == MP_RETRY)
		return r;
	if (r == MP_NOTFOUND)
		return MP_FOUND;	/* no networks of this family */
	if (v.dsize <= 0 || (size_t)v.dsize % w != 0) {
		free(v.dptr);
		mp_error_set(err, MP_EIO, "%s: the page index is damaged", db->path);
		return MP_RETRY;
	}
	n = (size_t)v.dsize / w;
	if ((db->idx[fam == 4 ? 0 : 1] = calloc(n, sizeof(mp_u128))) == NULL) {
		free(v.dptr);
		mp_error_set(err, MP_ENOMEM, "out of memory loading the page index");
		return MP_RETRY;
	}
	for (i = 0; i < n; i++)
		db->idx[fam == 4 ? 0 : 1][i] = fam == 4 ?
		    mp_get_u32((unsigned char *)v.dptr + i * 4) :
		    mp_get_u128((unsigned char *)v.dptr + i * 16);
	db->nidx[fam == 4 ? 0 : 1] = n;
	free(v.dptr);
	return MP_FOUND;
}

/*
 * The meta record names the format's version (route_fmt.h): a file of
 * another version is refused, saying which, so that the operator knows
 * whether to compile again or to upgrade the milter.
 */
static int
check_version(const char *path, const char *meta, size_t len, struct mp_error *err)
{
	static const char word[] = "meldpunt-routes ";
	size_t n = sizeof(word) - 1, i;
	unsigned long ver = 0;

	if (len < n || memcmp(meta, word, n) != 0)
		return mp_error_set(err, MP_EIO, "%s: not a meldpunt routing database "
		    "(its meta record names no version)", path);
	for (i = n; i < len && i < n + 6 && meta[i] >= '0' && meta[i] <= '9'; i++)
		ver = ver * 10 + (unsigned long)(meta[i] - '0');
	if (i == n || i == len || meta[i] != '\n')
		return mp_error_set(err, MP_EIO, "%s: not a meldpunt routing database "
		    "(its meta record names no version)", path);
	if (ver > MP_ROUTE_VERSION)
		return mp_error_set(err, MP_EIO, "%s: a routing database of version "
		    "%lu, newer than this meldpunt reads (%d): compile it with this "
		    "meldpunt's meldpunt-route, or upgrade meldpunt", path, ver,
		    MP_ROUTE_VERSION);
	if (ver < MP_ROUTE_VERSION)
		return mp_error_set(err, MP_EIO, "%s: a routing database of version "
		    "%lu, older than this meldpunt reads (%d): compile it again with "
		    "meldpunt-route compile", path, ver, MP_ROUTE_VERSION);
	return MP_OK;
}

int
mp_routedb_open(const char *path, struct mp_routedb **dbp, struct mp_error *err)
{
	struct mp_routedb *db;
	int cache = MP_ROUTEDB_BUCKETS;
	datum v;

	*dbp = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL || (db->path = strdup(path)) == NULL) {
		free(db);
		return mp_error_set(err, MP_ENOMEM, "out of memory opening %s", path);
	}
	pthread_mutex_init(&db->lock, NULL);
	if (stat(path, &db->st) != 0) {
		mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* Readers never lock: the file is replaced by rename, never rewritten. */
	db->dbf = gdbm_open(path, 0, GDBM_READER | GDBM_NOLOCK | GDBM_NOMMAP, 0, NULL);
	if (db->dbf == NULL) {
		mp_error_set(err, MP_EIO, "%s: cannot open the routing database: %s",
		    path, gdbm_strerror(gdbm_errno));
		goto fail;
	}
	/* A small bucket cache keeps memory flat whatever the file size. */
	gdbm_setopt(db->dbf, GDBM_SETCACHESIZE, &cache, sizeof(cache));
	if (fetch(db, "M", 1, &v, err) != MP_FOUND) {
		mp_error_set(err, MP_EIO, "%s: not a meldpunt routing database (no meta record)", path);
		goto fail;
	}
	if (check_version(path, v.dptr, (size_t)v.dsize, err) != MP_OK) {
		free(v.dptr);
		goto fail;
	}
	free(v.dptr);
	if (load_index(db, 4, err) != MP_FOUND || load_index(db, 6, err) != MP_FOUND) {
		err->code = MP_EIO;
		goto fail;
	}
	*dbp = db;
	return MP_OK;
fail:
	mp_routedb_close(&db);
	return err ? err->code : MP_EIO;
}

void
mp_routedb_close(struct mp_routedb **dbp)
{
	struct mp_routedb *db = *dbp;
	size_t i;

	if (db == NULL)
		return;
	if (db->dbf != NULL)
		gdbm_close(db->dbf);
	for (i = 0; i < MP_ROUTEDB_CACHE; i++)
		free(db->cache[i].rec);
	pthread_mutex_destroy(&db->lock);
	free(db->idx[0]);
	free(db->idx[1]);
	free(db->path);
	free(db);
	*dbp = NULL;
}

const char *
mp_routedb_path(const struct mp_routedb *db)
{
	return db->path;
}

int
mp_routedb_changed(struct mp_routedb *db)
{
	struct stat st;

	if (stat(db->path, &st) != 0)
		return 0;
	return st.st_dev != db->st.st_dev || st.st_ino != db->st.st_ino ||
	    st.st_size != db->st.st_size ||
	    st.st_mtim.tv_sec != db->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != db->st.st_mtim.tv_nsec;
}

/* Index of the last element <= a in a sorted array (or 0). */
static size_t
search(const mp_u128 *v, size_t n, mp_u128 a)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= a)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The route holding for `a`, from its page (see route_fmt.h): *id and
 * lens, and *text and *tlen when the page carries the route itself. *page
 * is GDBM's allocation, for the caller to free. Caller holds the lock.
 */
static enum mp_lookup
interval_route(struct mp_routedb *db, int fam, mp_u128 a, datum *page, uint32_t *id,
    uint8_t *lens, const char **text, size_t *tlen, struct mp_error *err)
{
	unsigned char key[6], *p;
	size_t pn, w = fam == 4 ? 4 : 16, ew = MP_ROUTE_ENTRY(fam), n, lo, hi, off, len;
	enum mp_lookup r;

	page->dptr = NULL;
	*text = NULL;
	if (db->nidx[fam == 4 ? 0 : 1] == 0)
		return MP_NOTFOUND;
	pn = search(db->idx[fam == 4 ? 0 : 1], db->nidx[fam == 4 ? 0 : 1], a);
	key[0] = 'P';
	key[1] = fam == 4 ? '4' : '6';
	mp_put_u32(key + 2, (uint32_t)pn);
	if ((r = fetch(db, key, sizeof(key), page, err)) != MP_FOUND) {
		if (r == MP_NOTFOUND)
			mp_error_set(err, MP_ERETRY, "%s: page %zu of the IPv%d index is missing",
			    db->path, pn, fam);
		return MP_RETRY;
	}
	p = (unsigned char *)page->dptr;
	n = page->dsize >= 2 ? (size_t)(p[0] << 8 | p[1]) : 0;
	if (n == 0 || n > MP_ROUTE_PAGE || 2 + n * ew > (size_t)page->dsize) {
		mp_error_set(err, MP_ERETRY, "%s: page %zu of the IPv%d index is damaged",
		    db->path, pn, fam);
		return MP_RETRY;
	}
	p += 2;
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		mp_u128 s = fam == 4 ? mp_get_u32(p + mid * ew) : mp_get_u128(p + mid * ew);

		if (s <= a)
			lo = mid;
		else
			hi = mid;
	}
	*id = mp_get_u32(p + lo * ew + w);
	memcpy(lens, p + lo * ew + w + 4, MP_ROUTE_NLENS);
	if (*id == 0)
		return MP_NOTFOUND;
	/* The routes carried by the page: id, length, text. */
	for (off = 2 + n * ew; off + 6 <= (size_t)page->dsize; off += 6 + len) {
		p = (unsigned char *)page->dptr + off;
		len = (size_t)(p[4] << 8 | p[5]);
		if (off + 6 + len > (size_t)page->dsize)
			break;
		if (mp_get_u32(p) == *id) {
			*text = (const char *)p + 6;
			*tlen = len;
			break;
		}
	}
	return MP_FOUND;
}

/* Route template `id` into the cache; returns its slot. Lock held. */
static enum mp_lookup
route_record(struct mp_routedb *db, uint32_t id, struct cache_slot **slotp,
    struct mp_error *err)
{
	struct cache_slot *s = &db->cache[id % MP_ROUTEDB_CACHE];
	unsigned char key[5];
	enum mp_lookup r;
	datum v;

	if (s->id != id) {
		key[0] = 'R';
		mp_put_u32(key + 1, id);
		if ((r = fetch(db, key, sizeof(key), &v, err)) != MP_FOUND) {
			if (r == MP_NOTFOUND)
				mp_error_set(err, MP_ERETRY, "%s: route %u is missing", db->path, id);
			return MP_RETRY;
		}
		free(s->rec);
		s->rec = v.dptr;
		s->len = (size_t)v.dsize;
		s->id = id;
	}
	*slotp = s;
	return MP_FOUND;
}

static enum mp_lookup
lookup_ip(struct mp_routedb *db, const struct mp_query *q, struct mp_route *route,
    struct mp_error *err)
{
	int fam = q->kind == MP_Q_IP4 ? 4 : 6;
	uint8_t lens[MP_ROUTE_NLENS];
	struct cache_slot *slot;
	const char *text;
	enum mp_lookup r;
	size_t tlen = 0;
	uint32_t id;
	datum page;

	pthread_mutex_lock(&db->lock);
	r = interval_route(db, fam, q->addr, &page, &id, lens, &text, &tlen, err);
	if (r == MP_FOUND && text == NULL && (r = route_record(db, id, &slot, err)) == MP_FOUND) {
		text = slot->rec;
		tlen = slot->len;
	}
	if (r == MP_FOUND && mp_route_decode(text, tlen, q->addr, fam, lens, route, err) != MP_OK)
		r = MP_RETRY;
	pthread_mutex_unlock(&db->lock);
	free(page.dptr);
	return r;
}

/* Fetch "<tag><name>" for `name` or its closest parent. Lock not held. */
static enum mp_lookup
walk_domain(struct mp_routedb *db, char tag, const char *name, datum *val,
    char *matched, size_t msz, struct mp_error *err)
{
	char key[1 + MP_DOMAIN_MAX + 1];
	const char *p = name;
	enum mp_lookup r;

	for (;;) {
		size_t n = strlen(p);

		key[0] = tag;
		memcpy(key + 1, p, n);
		pthread_mutex_lock(&db->lock);
		r = fetch(db, key, n + 1, val, err);
		pthread_mutex_unlock(&db->lock);
		if (r != MP_NOTFOUND) {
			if (r == MP_FOUND && matched != NULL)
				snprintf(matched, msz, "%s", p);
			return r;
		}
		if ((p = strchr(p, '.')) == NULL)
			return MP_NOTFOUND;
		p++;
	}
}

enum mp_lookup
mp_route_lookup(struct mp_routedb *db, const char *query, struct mp_route *route,
    struct mp_error *err)
{
	struct mp_query q;
	enum mp_lookup r;
	char key[16];
	datum v;
	int n;

	route_reset(route);
	mp_error_clear(err);
	if (mp_query_parse(query, &q, err) != MP_OK)
		return MP_NOTFOUND;
	switch (q.kind) {
	case MP_Q_IP4:
	case MP_Q_IP6:
		return lookup_ip(db, &q, route, err);
	case MP_Q_ASN:
		n = snprintf(key, sizeof(key), "A%u", q.asn);
		pthread_mutex_lock(&db->lock);
		r = fetch(db, key, (size_t)n, &v, err);
		pthread_mutex_unlock(&db->lock);
		break;
	default:
		r = walk_domain(db, 'D', q.domain, &v, NULL, 0, err);
		break;
	}
	if (r != MP_FOUND)
		return r;
	if (mp_route_decode(v.dptr, (size_t)v.dsize, 0, 0, NULL, route, err) != MP_OK)
		r = MP_RETRY;
	free(v.dptr);
	return r;
}

/*
 * A reporter record is "auth" (version 1 as first shipped), or
 * "auth TAB disclose TAB name", or that and "TAB listtype TAB case".
 */
static int
reporter_value(const char *p, size_t n, struct mp_route_reporter *rec)
{
	const char *t1 = memchr(p, '\t', n), *t2;
	size_t alen = t1 != NULL ? (size_t)(t1 - p) : n;
	char word[16];

	if (alen == 3 && memcmp(p, "spf", 3) == 0)
		rec->auth = MP_AUTH_SPF;
	else if (alen == 4 && memcmp(p, "dkim", 4) == 0)
		rec->auth = MP_AUTH_DKIM;
	else if (alen == 4 && memcmp(p, "both", 4) == 0)
		rec->auth = MP_AUTH_BOTH;
	else
		return -1;
	rec->disclose = MP_DISCLOSE_NAME;
	rec->name[0] = '\0';
	if (t1 == NULL)
		return 0;
	t1++;
	n -= (size_t)(t1 - p);
	if ((t2 = memchr(t1, '\t', n)) == NULL || (size_t)(t2 - t1) >= sizeof(word))
		return -1;
	memcpy(word, t1, (size_t)(t2 - t1));
	word[t2 - t1] = '\0';
	if (mp_disclose_parse(word, &rec->disclose) != 0)
		return -1;
	n -= (size_t)(t2 + 1 - t1);
	t1 = t2 + 1;
	/* the name, then perhaps listtype TAB case (no tab in a name) */
	if ((t2 = memchr(t1, '\t', n)) == NULL) {
		if (n >= sizeof(rec->name))
			return -1;
		memcpy(rec->name, t1, n);
		rec->name[n] = '\0';
		return 0;
	}
	if ((size_t)(t2 - t1) >= sizeof(rec->name))
		return -1;
	memcpy(rec->name, t1, (size_t)(t2 - t1));
	rec->name[t2 - t1] = '\0';
	n -= (size_t)(t2 + 1 - t1);
	t1 = t2 + 1;
	if ((t2 = memchr(t1, '\t', n)) == NULL ||
	    (size_t)(t2 - t1) >= sizeof(rec->listtype))
		return -1;
	memcpy(rec->listtype, t1, (size_t)(t2 - t1));
	rec->listtype[t2 - t1] = '\0';
	n -= (size_t)(t2 + 1 - t1);
	if (n >= sizeof(rec->case_ref))
		return -1;
	memcpy(rec->case_ref, t2 + 1, n);
	rec->case_ref[n] = '\0';
	return 0;
}

enum mp_lookup
mp_route_reporter_rec(struct mp_routedb *db, const char *domain,
    struct mp_route_reporter *rec, struct mp_error *err)
{
	char norm[MP_DOMAIN_MAX + 1];
	enum mp_lookup r;
	datum v;

	mp_error_clear(err);
	memset(rec, 0, sizeof(*rec));
	if (mp_domain_norm(domain, strlen(domain), norm, sizeof(norm)) != MP_OK) {
		mp_error_set(err, MP_EINPUT, "\"%.200s\" is not a domain name", domain);
		return MP_NOTFOUND;
	}
	if ((r = walk_domain(db, 'K', norm, &v, rec->domain, sizeof(rec->domain),
	    err)) != MP_FOUND)
		return r;
	if (reporter_value(v.dptr, (size_t)v.dsize, rec) != 0) {
		r = MP_RETRY;
		mp_error_set(err, MP_ERETRY, "%s: the reporter record of %s is damaged",
		    db->path, norm);
	}
	free(v.dptr);
	return r;
}

enum mp_lookup
mp_route_reporter(struct mp_routedb *db, const char *domain,
    enum mp_reporter_auth *auth, char *matched, struct mp_error *err)
{
	struct mp_route_reporter rec;
	enum mp_lookup r;

	r = mp_route_reporter_rec(db, domain, &rec, err);
	if (r == MP_FOUND) {
		*auth = rec.auth;
		if (matched != NULL)
			snprintf(matched, MP_ROUTE_MATCHED, "%s", rec.domain);
	}
	return r;
}

enum mp_lookup
mp_route_contact_policy(struct mp_routedb *db, const char *addr,
    struct mp_route_policy *p, struct mp_error *err)
{
	char key[1 + MP_ADDR_MAX + 1], val[32];
	enum mp_lookup r;
	unsigned long iv;
	size_t n;
	datum v;
	char *end;

	mp_error_clear(err);
	memset(p, 0, sizeof(*p));
	if (addr == NULL || mp_addr_normalize(addr, key + 1, sizeof(key) - 1) != 0 ||
	    key[1] == '\0') {
		mp_error_set(err, MP_EINPUT, "\"%.200s\" is not a mail address",
		    addr != NULL ? addr : "");
		return MP_NOTFOUND;
	}
	key[0] = 'N';
	n = strlen(key);
	pthread_mutex_lock(&db->lock);
	r = fetch(db, key, n, &v, err);
	pthread_mutex_unlock(&db->lock);
	if (r != MP_FOUND)
		return r;
	/* "interval TAB digest" (route_fmt.h) */
	if ((size_t)v.dsize < sizeof(val)) {
		memcpy(val, v.dptr, (size_t)v.dsize);
		val[v.dsize] = '\0';
	} else
		val[0] = '\0';
	free(v.dptr);
	iv = strtoul(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || *end != '\t' || (end[1] != '0' && end[1] != '1') ||
	    end[2] != '\0' || iv > 0xffffffffUL) {
		mp_error_set(err, MP_ERETRY, "%s: the policy record of %s is damaged: "
		    "rebuild it with meldpunt-route compile", db->path, key + 1);
		return MP_RETRY;
	}
	p->notify_interval = (unsigned)iv;
	p->digest = end[1] == '1';
	return MP_FOUND;
}

const char *
mp_disclose_name(enum mp_disclose d)
{
	switch (d) {
	case MP_DISCLOSE_NONE:		return "none";
	case MP_DISCLOSE_NAME_ADDRESS:	return "name+address";
	default:			return "name";
	}
}

int
mp_disclose_parse(const char *s, enum mp_disclose *d)
{
	if (strcasecmp(s, "name") == 0)
		*d = MP_DISCLOSE_NAME;
	else if (strcasecmp(s, "none") == 0)
		*d = MP_DISCLOSE_NONE;
	else if (strcasecmp(s, "name+address") == 0)
		*d = MP_DISCLOSE_NAME_ADDRESS;
	else
		return MP_EINPUT;
	return 0;
}
