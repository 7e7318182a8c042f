/*
 * route_write - part of the routing compiler (route_build.h):
 *	the model, resolved, into a new GDBM file beside the target,
 *	fsync'ed and renamed into place.
 *	The model it shares is route_build_int.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "route_build_int.h"

/* ---- writing ---- */

static int
store(GDBM_FILE db, const void *k, size_t kl, const void *v, size_t vl,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)kl }, val = { (char *)v, (int)vl };

	if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		return mp_error_set(err, MP_EIO, "cannot write the routing database: %s",
		    gdbm_db_strerror(db));
	return MP_OK;
}

static int
count_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[1] != y[1] ? (x[1] > y[1] ? -1 : 1) : (x[0] > y[0]) - (x[0] < y[0]);
}

/* One page: count, boundaries, and the routes it uses most, inline. */
static size_t
build_page(unsigned char *page, int fam, const struct bound *b, size_t n,
    const struct routes *rt)
{
	size_t w = fam == 4 ? 4 : 16, ew = MP_ROUTE_ENTRY(fam), j, k, nu = 0, o, used = 0;
	uint32_t uniq[MP_ROUTE_PAGE][2];	/* id, uses */

	page[0] = (unsigned char)(n >> 8);
	page[1] = (unsigned char)n;
	for (j = 0; j < n; j++) {
		unsigned char *e = page + 2 + j * ew;

		if (fam == 4)
			mp_put_u32(e, (uint32_t)b[j].start);
		else
			mp_put_u128(e, b[j].start);
		mp_put_u32(e + w, b[j].route);
		memcpy(e + w + 4, b[j].lens, MP_ROUTE_NLENS);
		if (b[j].route == 0)
			continue;
		for (k = 0; k < nu && uniq[k][0] != b[j].route; k++)
			;
		if (k == nu) {
			uniq[nu][0] = b[j].route;
			uniq[nu++][1] = 0;
		}
		uniq[k][1]++;
	}
	o = 2 + n * ew;
	qsort(uniq, nu, sizeof(uniq[0]), count_cmp);
	for (k = 0; k < nu; k++) {
		const char *t = rt->t.str[uniq[k][0]];
		size_t len = strlen(t);

		if (len > 0xffff || used + 6 + len > MP_ROUTE_INLINE)
			continue;
		mp_put_u32(page + o, uniq[k][0]);
		page[o + 4] = (unsigned char)(len >> 8);
		page[o + 5] = (unsigned char)len;
		memcpy(page + o + 6, t, len);
		o += 6 + len;
		used += 6 + len;
	}
	return o;
}

static int
write_pages(GDBM_FILE db, int fam, const struct bvec *bv, const struct routes *rt,
    struct mp_routec_counts *cnt, struct mp_error *err)
{
	size_t w = fam == 4 ? 4 : 16, npages, i, len;
	unsigned char *idx, page[2 + MP_ROUTE_PAGE * MP_ROUTE_ENTRY(6) + MP_ROUTE_INLINE], key[6];
	int rc = MP_OK;

	/* A family without networks has only the boundary (0, none). */
	if (bv->n <= 1 && (bv->n == 0 || bv->v[0].route == 0))
		return MP_OK;
	npages = (bv->n + MP_ROUTE_PAGE - 1) / MP_ROUTE_PAGE;
	if ((idx = malloc(npages * w)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	key[0] = 'P';
	key[1] = fam == 4 ? '4' : '6';
	for (i = 0; i < npages && rc == MP_OK; i++) {
		size_t first = i * MP_ROUTE_PAGE, n = bv->n - first;

		if (n > MP_ROUTE_PAGE)
			n = MP_ROUTE_PAGE;
		len = build_page(page, fam, bv->v + first, n, rt);
		if (fam == 4)
			mp_put_u32(idx + i * w, (uint32_t)bv->v[first].start);
		else
			mp_put_u128(idx + i * w, bv->v[first].start);
		mp_put_u32(key + 2, (uint32_t)i);
		rc = store(db, key, sizeof(key), page, len, err);
	}
	if (rc == MP_OK)
		rc = store(db, fam == 4 ? "I4" : "I6", 2, idx, npages * w, err);
	free(idx);
	if (fam == 4) {
		cnt->intervals4 = bv->n;
		cnt->pages4 = npages;
	} else {
		cnt->intervals6 = bv->n;
		cnt->pages6 = npages;
	}
	return rc;
}

static int
asn_cmp(const void *a, const void *b)
{
	const struct asn *x = a, *y = b;

	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int
write_asns(struct mp_routec *c, GDBM_FILE db, struct routes *rt, struct mp_error *err)
{
	size_t i = 0, j;
	int rc = MP_OK;

	if (c->nasn > 0)
		qsort(c->asns, c->nasn, sizeof(*c->asns), asn_cmp);
	while (i < c->nasn && rc == MP_OK) {
		struct chain ch;
		char key[16];
		int n;

		memset(&ch, 0, sizeof(ch));
		ch.org = ch.interm = -1;
		ch.objname = "aut-num";
		for (j = i; j < c->nasn && c->asns[j].asn == c->asns[i].asn; j++) {
			const struct asn *a = &c->asns[j];

			if (a->kind == K_ENT && c->ent[a->ref].is_interm)
				ch.interm = (int)a->ref;
			else if (a->kind == K_ENT)
				ch.org = (int)a->ref;
			else if (ch.mbox == 0)
				ch.mbox = rb_ripe_abuse(c, a->ref, a->org, &ch.handle, &ch.rorg);
		}
		snprintf(ch.org_m, sizeof(ch.org_m), "AS%u", c->asns[i].asn);
		snprintf(ch.int_m, sizeof(ch.int_m), "AS%u", c->asns[i].asn);
		snprintf(ch.abuse_m, sizeof(ch.abuse_m), "AS%u", c->asns[i].asn);
		snprintf(ch.abuse_src, sizeof(ch.abuse_src), "AS%u", c->asns[i].asn);
		if ((rc = rb_compose(c, &ch, &rt->b)) != MP_OK)
			return mp_error_set(err, rc, "out of memory");
		if (rt->b.len > 0) {
			n = snprintf(key, sizeof(key), "A%u", c->asns[i].asn);
			rc = store(db, key, (size_t)n, rt->b.data, rt->b.len, err);
			c->counts.asn_keys++;
		}
		i = j;
	}
	return rc;
}

/* The closest domain at or above d (an interned id) with a given info field. */
static uint32_t
closest(struct mp_routec *c, const char *d, int which)
{
	const char *p = d;

	for (;;) {
		uint32_t id = rb_strtab_id(&c->s, p, strlen(p), 0);

		if (id != 0 && id < c->ninfo) {
			const struct strinfo *in = &c->info[id];

			if ((which == 0 && in->dom_ent && !c->ent[in->dom_ent - 1].is_interm) ||
			    (which == 1 && in->dom_ent && c->ent[in->dom_ent - 1].is_interm) ||
			    (which == 2 && in->dom_sec))
				return id;
		}
		if ((p = strchr(p, '.')) == NULL)
			return 0;
		p++;
	}
}

static int
write_domains(struct mp_routec *c, GDBM_FILE db, struct routes *rt, struct mp_error *err)
{
	char key[1 + MP_DOMAIN_MAX + 1];
	uint32_t id;
	int rc = MP_OK;

	for (id = 1; id <= c->s.n && rc == MP_OK; id++) {
		const struct strinfo *in = &c->info[id];
		const char *d = c->s.str[id];
		uint32_t o, m, s;
		struct chain ch;
		size_t n;

		if (in->reporter != 0) {
			/* "auth TAB disclose TAB name[TAB listtype TAB case]"
			 * (route_fmt.h) */
			char rv[16 + MP_REPORTER_NAME_MAX + MP_REPORTER_WORD_MAX +
			    MP_REPORTER_CASE_MAX];
			int rn;

			key[0] = 'K';
			n = strlen(d);
			memcpy(key + 1, d, n);
			rn = snprintf(rv, sizeof(rv), "%s\t%s\t%s",
			    mp_reporter_auth_name(in->reporter),
			    mp_disclose_name((enum mp_disclose)in->rep_disclose),
			    in->rep_name != 0 ? c->s.str[in->rep_name] : "");
			if (in->rep_listtype != 0 || in->rep_case != 0)
				rn += snprintf(rv + rn, sizeof(rv) - (size_t)rn,
				    "\t%s\t%s", in->rep_listtype != 0 ?
				    c->s.str[in->rep_listtype] : "",
				    in->rep_case != 0 ? c->s.str[in->rep_case] : "");
			rc = store(db, key, n + 1, rv, (size_t)rn, err);
			c->counts.reporter_keys++;
		}
		if ((in->dom_ent == 0 && in->dom_sec == 0) || rc != MP_OK)
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.org = ch.interm = -1;
		if ((o = closest(c, d, 0)) != 0) {
			ch.org = (int)c->info[o].dom_ent - 1;
			snprintf(ch.org_m, sizeof(ch.org_m), "%s", c->s.str[o]);
		}
		if ((m = closest(c, d, 1)) != 0) {
			ch.interm = (int)c->info[m].dom_ent - 1;
			snprintf(ch.int_m, sizeof(ch.int_m), "%s", c->s.str[m]);
		}
		/* The domain's own security.txt (or its parent's) before the org's. */
		if ((s = closest(c, d, 2)) != 0 && (o == 0 || strlen(c->s.str[s]) >= strlen(c->s.str[o])))
			ch.sec_dom = s;
		else if (o == 0)
			ch.sec_dom = s;
		if ((rc = rb_compose(c, &ch, &rt->b)) != MP_OK)
			return mp_error_set(err, rc, "out of memory");
		key[0] = 'D';
		n = strlen(d);
		memcpy(key + 1, d, n);
		rc = store(db, key, n + 1, rt->b.data, rt->b.len, err);
		c->counts.domain_keys++;
	}
	return rc;
}

/* "N"+address -> "interval TAB digest" for every address with a policy. */
static int
write_policies(struct mp_routec *c, GDBM_FILE db, struct mp_error *err)
{
	char key[1 + MP_ADDR_MAX + 1], val[32];
	unsigned interval;
	size_t i, n;
	int digest, vn, rc = MP_OK;

	for (i = 0; i < c->npol && rc == MP_OK; i++) {
		const char *a = rb_str(c, c->pol[i].addr);

		if ((n = strlen(a)) > MP_ADDR_MAX)
			continue;	/* normalized at parse: never */
		rb_policy(c, c->pol[i].addr, &interval, &digest);
		key[0] = 'N';
		memcpy(key + 1, a, n);
		vn = snprintf(val, sizeof(val), "%u\t%d", interval, digest);
		rc = store(db, key, n + 1, val, (size_t)vn, err);
		c->counts.policy_keys++;
	}
	return rc;
}

static int
resolve_interm(struct mp_routec *c)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < c->nent; i++) {
		struct entity *e = &c->ent[i];
		uint32_t x;

		if (e->interm_id == 0)
			continue;
		x = c->info[e->interm_id].ent;
		if (x == 0 || !c->ent[x - 1].is_interm) {
			rb_cwarn(c, "%s:%u: organisation %s names intermediary \"%s\", which is not defined",
			    rb_str(c, e->file), e->line, rb_str(c, e->id), rb_str(c, e->interm_id));
			c->counts.errors++;
			bad++;
			continue;
		}
		e->interm = (int)x - 1;
	}
	return bad;
}

static int
write_all(struct mp_routec *c, GDBM_FILE db, struct mp_error *err)
{
	struct routes rt;
	struct bvec bv[2];
	char meta[512];
	uint32_t id;
	int rc = MP_OK, fam, n;

	memset(&rt, 0, sizeof(rt));
	memset(bv, 0, sizeof(bv));
	mp_buf_init(&rt.b, 0);
	resolve_interm(c);
	c->counts.prefixes4 = c->nets[0].n;
	c->counts.prefixes6 = c->nets[1].n;
	for (fam = 4; fam <= 6 && rc == MP_OK; fam += 2) {
		if ((rc = rb_sweep(c, &rt, fam, &bv[fam == 4 ? 0 : 1])) != MP_OK)
			mp_error_set(err, rc, "out of memory");
		else
			rc = write_pages(db, fam, &bv[fam == 4 ? 0 : 1], &rt, &c->counts, err);
	}
	for (id = 1; id <= rt.t.n && rc == MP_OK; id++) {
		unsigned char key[5];

		key[0] = 'R';
		mp_put_u32(key + 1, id);
		rc = store(db, key, sizeof(key), rt.t.str[id], strlen(rt.t.str[id]), err);
	}
	c->counts.routes = rt.t.n;
	if (rc == MP_OK)
		rc = write_asns(c, db, &rt, err);
	if (rc == MP_OK)
		rc = write_domains(c, db, &rt, err);
	if (rc == MP_OK)
		rc = write_policies(c, db, err);
	if (rc == MP_OK) {
		n = snprintf(meta, sizeof(meta), "%sroutes %zu\nprefixes4 %zu\nprefixes6 %zu\n"
		    "asns %zu\ndomains %zu\nreporters %zu\npolicies %zu\n", MP_ROUTE_MAGIC,
		    c->counts.routes, c->counts.prefixes4, c->counts.prefixes6,
		    c->counts.asn_keys, c->counts.domain_keys, c->counts.reporter_keys,
		    c->counts.policy_keys);
		rc = store(db, "M", 1, meta, (size_t)n, err);
	}
	free(bv[0].v);
	free(bv[1].v);
	rb_strtab_free(&rt.t);
	mp_buf_free(&rt.b);
	return rc;
}

static int
fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
mp_routec_write(struct mp_routec *c, const char *path, struct mp_error *err)
{
	char tmp[4096], dir[4096];
	const char *slash;
	GDBM_FILE db;
	int rc, cache = 4096;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return mp_error_set(err, MP_EINPUT, "path too long: %s", path);
	unlink(tmp);
	db = gdbm_open(tmp, 0, GDBM_NEWDB | GDBM_NOLOCK, 0644, NULL);
	if (db == NULL)
		return mp_error_set(err, MP_EIO, "%s: cannot create: %s", tmp,
		    gdbm_strerror(gdbm_errno));
	gdbm_setopt(db, GDBM_SETCACHESIZE, &cache, sizeof(cache));
	rc = write_all(c, db, err);
	if (rc == MP_OK && gdbm_sync(db) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: %s", tmp, gdbm_db_strerror(db));
	if (gdbm_close(db) != 0 && rc == MP_OK)
		rc = mp_error_set(err, MP_EIO, "%s: %s", tmp, gdbm_strerror(gdbm_errno));
	/* 0644 whatever the caller's umask: the milter (another user, or
	 * root compiling for it) must read it; nothing in it is secret. */
	if (rc == MP_OK && chmod(tmp, 0644) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: chmod 0644: %s", tmp, strerror(errno));
	if (rc == MP_OK && fsync_path(tmp, 0) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: fsync: %s", tmp, strerror(errno));
	if (rc == MP_OK && rename(tmp, path) != 0)
		rc = mp_error_set(err, MP_EIO, "rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc != MP_OK) {
		unlink(tmp);
		return rc;
	}
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + (slash == path)) : 1,
	    slash ? path : ".");
	fsync_path(dir, 1);
	return MP_OK;
}
