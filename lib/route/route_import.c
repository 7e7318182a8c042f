/*
 * route_import - part of the routing compiler (route_build.h):
 *	RPSL dumps and security.txt files into the model.
 *	The model it shares is route_build_int.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "route_build_int.h"

/* ---- RPSL ---- */

static const char *
attr(const struct mp_rpsl_obj *o, const char *name)
{
	const struct mp_rpsl_attr *a = mp_rpsl_get(o, name);

	return a != NULL && a->vlen > 0 ? a->value : NULL;
}

static int
rpsl_object(struct mp_routec *c, const struct mp_rpsl_obj *o, char *why, size_t whysz)
{
	const char *cls = o->attr[0].name, *key = o->attr[0].value, *v;
	char mbox[MP_ADDR_MAX + 1];
	uint32_t asn, h;

	if (strcmp(cls, "inetnum") == 0 || strcmp(cls, "inet6num") == 0) {
		uint32_t a = (v = attr(o, "abuse-c")) ? rb_handle_id(c, v) : 0;
		uint32_t org = (v = attr(o, "org")) ? rb_handle_id(c, v) : 0;
		size_t dummy = 0;
		int rc;

		if ((strchr(key, ':') != NULL) != (cls[4] == '6')) {
			snprintf(why, whysz, "%s \"%.80s\" is not an IPv%c network", cls, key,
			    cls[4] == '6' ? '6' : '4');
			return MP_EINPUT;
		}
		if ((rc = rb_add_network_text(c, key, K_RIPE, a, org, &dummy, why, whysz)) != MP_OK)
			return rc;
		if (cls[4] == '6')
			c->counts.inet6num++;
		else
			c->counts.inetnum++;
		return MP_OK;
	}
	if (strcmp(cls, "aut-num") == 0) {
		if (rb_parse_asn(key, &asn) != MP_OK) {
			snprintf(why, whysz, "aut-num \"%.40s\" is not an AS number", key);
			return MP_EINPUT;
		}
		c->counts.autnum++;
		{
			const char *ac = attr(o, "abuse-c"), *og = attr(o, "org");

			return rb_add_asn(c, asn, K_RIPE, ac ? rb_handle_id(c, ac) : 0,
			    og ? rb_handle_id(c, og) : 0);
		}
	}
	if (strcmp(cls, "role") == 0 || strcmp(cls, "person") == 0 ||
	    strcmp(cls, "organisation") == 0) {
		int is_org = cls[0] == 'o';

		if ((v = is_org ? key : attr(o, "nic-hdl")) == NULL) {
			snprintf(why, whysz, "%s \"%.60s\" has no nic-hdl", cls, key);
			return MP_EINPUT;
		}
		if ((h = rb_handle_id(c, v)) == 0) {
			snprintf(why, whysz, "%s handle \"%.60s\" is not a handle (letters, digits, '-', at most 127)", cls, v);
			return MP_EINPUT;
		}
		if ((v = attr(o, "abuse-mailbox")) != NULL) {
			if (mp_addr_normalize(v, mbox, sizeof(mbox)) != 0 || mbox[0] == '\0') {
				snprintf(why, whysz, "abuse-mailbox \"%.80s\" of %s is not one mail address",
				    v, c->s.str[h]);
				return MP_EINPUT;
			}
			if (is_org)
				c->info[h].rorg_mbox = rb_sidz(c, mbox);
			else
				c->info[h].role_mbox = rb_sidz(c, mbox);
		}
		if (is_org) {
			if ((v = attr(o, "abuse-c")) != NULL)
				c->info[h].rorg_abusec = rb_handle_id(c, v);
			c->counts.rpsl_org++;
		} else if (cls[0] == 'r') {
			c->counts.role++;
		} else {
			c->counts.rpsl_other++;
		}
		return MP_OK;
	}
	c->counts.rpsl_other++;
	return MP_OK;
}

int
mp_routec_add_rpsl(struct mp_routec *c, const char *file, const char *text, size_t len)
{
	struct mp_rpsl_reader r;
	struct mp_error err;
	char why[MP_ERROR_MAX];
	int rc;

	mp_rpsl_init(&r, text, len);
	while ((rc = mp_rpsl_next(&r, c->obj, &err)) != 0) {
		if (rc < 0) {
			rb_cwarn(c, "%s:%s (object skipped)", file, err.msg + 5);
			c->counts.skipped++;
			continue;
		}
		why[0] = '\0';
		if ((rc = rpsl_object(c, c->obj, why, sizeof(why))) == MP_ENOMEM)
			return rc;
		if (rc != MP_OK) {
			rb_cwarn(c, "%s:%u: %s (object skipped)", file, c->obj->line, why);
			c->counts.skipped++;
		}
	}
	return MP_OK;
}

/* ---- security.txt ---- */

int
mp_routec_add_securitytxt(struct mp_routec *c, const char *domain, const char *file,
    const char *text, size_t len, time_t now)
{
	struct mp_sectxt st;
	struct mp_error err;
	struct sectxt *p;
	char dom[MP_DOMAIN_MAX + 1];
	uint32_t d;
	size_t i;

	if (mp_domain_norm(domain, strlen(domain), dom, sizeof(dom)) != MP_OK) {
		rb_cwarn(c, "%s: \"%.80s\" is not a domain name (skipped)", file, domain);
		c->counts.skipped++;
		return MP_OK;
	}
	if (mp_sectxt_parse(text, len, now, &st, &err) != MP_OK) {
		rb_cwarn(c, "%s: %s (security.txt of %s skipped)", file, err.msg, dom);
		c->counts.skipped++;
		return MP_OK;
	}
	for (i = 0; i < st.nwarn; i++)
		rb_cwarn(c, "%s: %s", file, st.warn[i]);
	if (st.expired) {
		rb_cwarn(c, "%s: expired (Expires is in the past): security.txt of %s ignored", file, dom);
		c->counts.securitytxt_expired++;
		return MP_OK;
	}
	if ((d = rb_sidz(c, dom)) == 0)
		return MP_ENOMEM;
	if (c->info[d].dom_sec != 0) {
		rb_cwarn(c, "%s: a second security.txt for %s: the first one holds", file, dom);
		c->counts.skipped++;
		return MP_OK;
	}
	if ((p = rb_grow(c->sec, &c->sizesec, c->nsec + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	c->sec = p;
	p = &c->sec[c->nsec++];
	memset(p, 0, sizeof(*p));
	p->domain = d;
	p->lang = st.lang;
	for (i = 0; i < st.ncontacts; i++)
		if ((p->contacts[p->ncontacts++] = rb_sidz(c, st.contacts[i])) == 0)
			return MP_ENOMEM;
	c->info[d].dom_sec = (uint32_t)c->nsec;
	c->counts.securitytxt++;
	return MP_OK;
}
