/*
 * route_resolve - part of the routing compiler (route_build.h):
 *	the decision chain of each network, AS and domain, and the sweep
 *	that makes nested prefixes into disjoint intervals.
 *	The model it shares is route_build_int.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route_build_int.h"

/* ---- resolution ---- */

/* Append s with '%' escaped; TAB/CR/LF never occur (readers drop them). */
static int
put_lit(struct mp_buf *b, const char *s)
{
	int rc = MP_OK;

	for (; *s != '\0' && rc == MP_OK; s++) {
		if (*s == '%')
			rc = mp_buf_append(b, "%%", 2);
		else if ((unsigned char)*s < ' ')
			rc = mp_buf_append(b, " ", 1);
		else
			rc = mp_buf_append(b, s, 1);
	}
	return rc;
}

const char *
rb_str(const struct mp_routec *c, uint32_t id)
{
	return id ? c->s.str[id] : "";
}

/* One "C" line; matched is a template already, why is built by the caller
 * as a template. The address's policy ends the line (route_fmt.h). */
static int
put_contact(const struct mp_routec *c, struct mp_buf *b, const char *rule,
    enum mp_lang lang, uint32_t addr, const char *matched, const char *why)
{
	unsigned interval;
	int digest, rc = mp_buf_printf(b, "C\t%s\t%s\t", rule, mp_lang_name(lang));

	rb_policy(c, addr, &interval, &digest);
	if (rc == MP_OK)
		rc = put_lit(b, rb_str(c, addr));
	if (rc == MP_OK)
		rc = mp_buf_printf(b, "\t%s\t%s\t%u\t%d\n", matched, why, interval,
		    digest);
	return rc;
}

static void
ent_desc(const struct mp_routec *c, const struct entity *e, char *out, size_t outsz)
{
	struct mp_buf b;

	mp_buf_init(&b, outsz - 1);
	mp_buf_printf(&b, "%s ", e->is_interm ? "intermediary" : "organisation");
	put_lit(&b, rb_str(c, e->id));
	if (e->name) {
		mp_buf_puts(&b, " (");
		put_lit(&b, rb_str(c, e->name));
		mp_buf_puts(&b, ")");
	}
	snprintf(out, outsz, "%s", b.data ? b.data : "");
	mp_buf_free(&b);
}

static int
put_sectxt(const struct mp_routec *c, struct mp_buf *b, uint32_t dom, const char *suffix)
{
	const struct sectxt *s = &c->sec[c->info[dom].dom_sec - 1];
	char why[MP_ROUTE_WHY * 2];
	size_t i;
	int rc = MP_OK;

	snprintf(why, sizeof(why), "security.txt of %s%s", rb_str(c, dom), suffix);
	for (i = 0; i < s->ncontacts && rc == MP_OK; i++)
		rc = put_contact(c, b, "securitytxt", s->lang, s->contacts[i],
		    rb_str(c, dom), why);
	return rc;
}

int
rb_compose(const struct mp_routec *c, const struct chain *ch, struct mp_buf *b)
{
	char desc[MP_ROUTE_WHY], why[3 * MP_ROUTE_WHY], idesc[MP_ROUTE_WHY];
	const struct entity *e = ch->org >= 0 ? &c->ent[ch->org] : NULL, *ie = NULL;
	size_t i;
	int rc = MP_OK;

	mp_buf_reset(b);
	if (e != NULL) {
		ent_desc(c, e, desc, sizeof(desc));
		if (e->wants)
			rc = mp_buf_printf(b, "W\t%s\n", rb_str(c, e->wants));
		snprintf(why, sizeof(why), "%s is registered for %s", desc, ch->org_m);
		for (i = 0; i < e->ncontacts && rc == MP_OK; i++)
			rc = put_contact(c, b, "org", e->lang, e->contacts[i], ch->org_m,
			    why);
	}
	if (ch->sec_dom != 0 && rc == MP_OK) {
		rc = put_sectxt(c, b, ch->sec_dom, "");
	} else if (e != NULL) {
		for (i = 0; i < e->ndomains && rc == MP_OK; i++) {
			char suffix[MP_ROUTE_WHY + 64];

			if (c->info[e->domains[i]].dom_sec == 0)
				continue;
			snprintf(suffix, sizeof(suffix), ", a domain of %s", desc);
			rc = put_sectxt(c, b, e->domains[i], suffix);
		}
	}
	if (e != NULL && e->interm >= 0) {
		ie = &c->ent[e->interm];
		ent_desc(c, ie, idesc, sizeof(idesc));
		snprintf(why, sizeof(why), "%s serves %s", idesc, desc);
		for (i = 0; i < ie->ncontacts && rc == MP_OK; i++)
			rc = put_contact(c, b, "intermediary", ie->lang,
			    ie->contacts[i], ch->org_m, why);
	} else if (ch->interm >= 0) {
		ie = &c->ent[ch->interm];
		ent_desc(c, ie, idesc, sizeof(idesc));
		snprintf(why, sizeof(why), "%s serves %s%s", idesc,
		    ch->int_m[0] == '%' ? "network " : "", ch->int_m);
		for (i = 0; i < ie->ncontacts && rc == MP_OK; i++)
			rc = put_contact(c, b, "intermediary", ie->lang,
			    ie->contacts[i], ch->int_m, why);
	}
	if (ch->mbox != 0 && rc == MP_OK) {
		if (ch->rorg != 0 && ch->handle != 0)
			snprintf(why, sizeof(why), "abuse-mailbox of %s, abuse-c of organisation %s holding %s %s",
			    rb_str(c, ch->handle), rb_str(c, ch->rorg), ch->objname, ch->abuse_src);
		else if (ch->rorg != 0)
			snprintf(why, sizeof(why), "abuse-mailbox of organisation %s holding %s %s",
			    rb_str(c, ch->rorg), ch->objname, ch->abuse_src);
		else
			snprintf(why, sizeof(why), "abuse-mailbox of %s, abuse-c of %s %s",
			    rb_str(c, ch->handle), ch->objname, ch->abuse_src);
		if (ch->templ) {
			size_t n = strlen(why);

			snprintf(why + n, sizeof(why) - n, "%%I");
		} else if (ch->inherited) {
			size_t n = strlen(why);

			snprintf(why + n, sizeof(why) - n, " (inherited: %s %s has no abuse-c)",
			    ch->objname, ch->abuse_m);
		}
		rc = put_contact(c, b, "abuse-c", MP_LANG_UNKNOWN, ch->mbox,
		    ch->abuse_m, why);
	}
	return rc;
}

/* The abuse mailbox of a RIPE object: its abuse-c, else its org's. */
uint32_t
rb_ripe_abuse(struct mp_routec *c, uint32_t abuse_c, uint32_t org, uint32_t *handle,
    uint32_t *rorg)
{
	*handle = 0;
	*rorg = 0;
	if (abuse_c != 0 && c->info[abuse_c].role_mbox != 0) {
		*handle = abuse_c;
		return c->info[abuse_c].role_mbox;
	}
	if (abuse_c != 0)
		c->counts.unresolved++;
	if (org != 0) {
		uint32_t oa = c->info[org].rorg_abusec;

		if (oa != 0 && c->info[oa].role_mbox != 0) {
			*handle = oa;
			*rorg = org;
			return c->info[oa].role_mbox;
		}
		if (c->info[org].rorg_mbox != 0) {
			*rorg = org;
			return c->info[org].rorg_mbox;
		}
	}
	return 0;
}

static uint32_t
route_id(struct routes *r, const struct mp_buf *text)
{
	if (text->len == 0)
		return 0;
	return rb_strtab_id(&r->t, text->data, text->len, 1);
}

static int
emit(struct bvec *bv, mp_u128 start, const struct frame *f)
{
	static const uint8_t none[MP_ROUTE_NLENS];
	const uint8_t *lens = f ? f->lens : none;
	uint32_t route = f ? f->route : 0;
	struct bound *p;

	if (bv->n > 0 && bv->v[bv->n - 1].start == start)
		bv->n--;
	if (bv->n > 0 && bv->v[bv->n - 1].route == route &&
	    memcmp(bv->v[bv->n - 1].lens, lens, MP_ROUTE_NLENS) == 0)
		return MP_OK;
	if ((p = rb_grow(bv->v, &bv->size, bv->n + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	bv->v = p;
	bv->v[bv->n].start = start;
	memcpy(bv->v[bv->n].lens, lens, MP_ROUTE_NLENS);
	bv->v[bv->n++].route = route;
	return MP_OK;
}

static int
net_cmp(const void *a, const void *b)
{
	const struct net *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* Own entities after RIPE at the same prefix: order is irrelevant to
	 * the result, but must be stable for reproducible files. */
	return (int)x->kind - (int)y->kind;
}

static int
push_frame(struct mp_routec *c, struct routes *rt, int fam, const struct net *p,
    const struct frame *parent, struct frame *f)
{
	struct chain ch;
	int rc;

	if (parent != NULL)
		*f = *parent;
	else {
		memset(f, 0, sizeof(*f));
		f->org = f->interm = -1;
	}
	f->end = mp_ip_last(p->start, p->len, fam);
	if (p->kind == K_ENT) {
		if (c->ent[p->ref].is_interm) {
			f->interm = (int)p->ref;
			f->int_len = p->len;
		} else {
			f->org = (int)p->ref;
			f->org_len = p->len;
		}
	} else {
		uint32_t h, o, m = rb_ripe_abuse(c, p->ref, p->org, &h, &o);

		f->leaf_len = p->len;
		f->has_ripe = 1;
		if (m != 0) {
			f->mbox = m;
			f->handle = h;
			f->rorg = o;
			f->src_len = p->len;
		}
	}
	memset(&ch, 0, sizeof(ch));
	ch.org = f->org;
	ch.interm = f->interm;
	snprintf(ch.org_m, sizeof(ch.org_m), "%%0");
	snprintf(ch.int_m, sizeof(ch.int_m), "%%1");
	ch.mbox = f->mbox;
	ch.handle = f->handle;
	ch.rorg = f->rorg;
	ch.objname = fam == 4 ? "inetnum" : "inet6num";
	snprintf(ch.abuse_m, sizeof(ch.abuse_m), "%%2");
	snprintf(ch.abuse_src, sizeof(ch.abuse_src), "%%3");
	ch.templ = 1;	/* inherited or not is told by the lengths */
	if ((rc = rb_compose(c, &ch, &rt->b)) != MP_OK)
		return rc;
	f->route = route_id(rt, &rt->b);
	/* Only lengths the route names are kept, so equal neighbours merge. */
	memset(f->lens, 0, sizeof(f->lens));
	if (f->route != 0) {
		f->lens[0] = (uint8_t)(ch.org >= 0 ? f->org_len : 0);
		f->lens[1] = (uint8_t)(ch.interm >= 0 ? f->int_len : 0);
		f->lens[2] = (uint8_t)(f->mbox ? f->leaf_len : 0);
		f->lens[3] = (uint8_t)(f->mbox ? f->src_len : 0);
	}
	if (rt->b.len > 0 && f->route == 0)
		return MP_ENOMEM;
	return MP_OK;
}

int
rb_sweep(struct mp_routec *c, struct routes *rt, int fam, struct bvec *bv)
{
	struct netvec *nv = &c->nets[fam == 4 ? 0 : 1];
	mp_u128 maxa = fam == 4 ? 0xffffffffu : ~(mp_u128)0;
	struct frame *st = NULL;
	size_t sp = 0, ssize = 0, i;
	int rc = MP_OK;

	if (nv->n > 0)
		qsort(nv->v, nv->n, sizeof(*nv->v), net_cmp);
	if ((rc = emit(bv, 0, NULL)) != MP_OK)
		return rc;
	for (i = 0; i <= nv->n && rc == MP_OK; i++) {
		/* Close the frames that end before this prefix (all at the end). */
		while (sp > 0 && (i == nv->n || st[sp - 1].end < nv->v[i].start)) {
			struct frame *t = &st[--sp];

			if (t->end != maxa && (rc = emit(bv, t->end + 1,
			    sp > 0 ? &st[sp - 1] : NULL)) != MP_OK)
				break;
		}
		if (i == nv->n || rc != MP_OK)
			break;
		if ((st = rb_grow(st, &ssize, sp + 1, sizeof(*st))) == NULL)
			return MP_ENOMEM;
		rc = push_frame(c, rt, fam, &nv->v[i], sp > 0 ? &st[sp - 1] : NULL, &st[sp]);
		if (rc == MP_OK)
			rc = emit(bv, nv->v[i].start, &st[sp]);
		sp++;
	}
	free(st);
	return rc;
}
