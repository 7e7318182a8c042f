/*
 * route_src - part of the routing compiler (route_build.h):
 *	meldpunt's own source format (meldpunt-routes(5)) into the model.
 *	The model it shares is route_build_int.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "datetime.h"
#include "route_build_int.h"

/* ---- own source format ---- */

static const char *const report_types[] = {
	"malware", "vulnerable-service", "open-service", "login-attack", "spam",
	"phishing", "leaked-credentials", "compromised-website", "ddos", "other", NULL
};

static int
valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return i > 0 && i <= 64;
}

/* Check and normalize a comma/space separated list of report types. */
static int
wants_list(const char *v, char *out, size_t outsz, char *why, size_t whysz)
{
	size_t o = 0, n, i;
	const char *p = v;

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, ", ");
		for (i = 0; report_types[i] != NULL; i++)
			if (strlen(report_types[i]) == n && strncasecmp(p, report_types[i], n) == 0)
				break;
		if (report_types[i] == NULL) {
			snprintf(why, whysz, "unknown report type \"%.*s\" (one of malware, "
			    "vulnerable-service, open-service, login-attack, spam, phishing, "
			    "leaked-credentials, compromised-website, ddos, other)", (int)(n > 40 ? 40 : n), p);
			return MP_EINPUT;
		}
		if (o + strlen(report_types[i]) + 2 > outsz) {
			snprintf(why, whysz, "too many report types");
			return MP_ELIMIT;
		}
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? "," : "", report_types[i]);
		p += n;
	}
	return MP_OK;
}

static int
parse_lang(const char *v, enum mp_lang *lang)
{
	*lang = mp_lang_parse(v, strlen(v));
	return *lang != MP_LANG_UNKNOWN ? MP_OK : MP_EINPUT;
}

/*
 * A contact's notification policy (meldpunt-routes(5)): how often the
 * sender may notify it, and whether it wants single reports aggregated.
 * At least a minute: the sender's own delay makes anything shorter
 * meaningless, and 0 means "the default" in the database.
 */
#define POLICY_INTERVAL_MIN	60U
#define POLICY_INTERVAL_MAX	(365U * 86400)

static int
parse_interval(const char *v, unsigned *out, char *why, size_t whysz)
{
	if (mp_duration_parse(v, POLICY_INTERVAL_MAX, out) != 0 ||
	    *out < POLICY_INTERVAL_MIN) {
		snprintf(why, whysz, "notifyinterval \"%.40s\" is not a duration "
		    "from 1m to 365d (seconds, or a number with s, m, h or d: "
		    "1h, 24h)", v);
		return MP_EINPUT;
	}
	return MP_OK;
}

static int
parse_digest(const char *v, int *out, char *why, size_t whysz)
{
	if (strcasecmp(v, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0)
		*out = 0;
	else {
		snprintf(why, whysz, "digest \"%.40s\" is not yes or no", v);
		return MP_EINPUT;
	}
	return MP_OK;
}

/* The policy record of normalized address `addr`, if there is one. */
static struct policy *
policy_find(struct mp_routec *c, const char *addr)
{
	uint32_t id = rb_strtab_id(&c->s, addr, strlen(addr), 0);

	if (id == 0 || id >= c->ninfo || c->info[id].pol == 0)
		return NULL;
	return &c->pol[c->info[id].pol - 1];
}

/* The same, made when there is none; NULL: no memory. */
static struct policy *
policy_make(struct mp_routec *c, const char *addr)
{
	struct policy *p;
	uint32_t id;

	if ((p = policy_find(c, addr)) != NULL)
		return p;
	if ((id = rb_sidz(c, addr)) == 0 ||
	    (p = rb_grow(c->pol, &c->sizepol, c->npol + 1, sizeof(*p))) == NULL)
		return NULL;
	c->pol = p;
	p = &c->pol[c->npol++];
	memset(p, 0, sizeof(*p));
	p->addr = id;
	p->obj_digest = p->ent_digest = -1;
	c->info[id].pol = (uint32_t)c->npol;
	return p;
}

/*
 * An organisation or intermediary that gives its contacts a policy must
 * agree with every other one that lists the same address: a contact is
 * notified as one mailbox, whoever listed it. why set on a conflict.
 */
static int
policy_conflict(struct mp_routec *c, const char *addr, unsigned interval,
    const char *interval_text, int digest, char *why, size_t whysz)
{
	const struct policy *p = policy_find(c, addr);
	const struct entity *o;
	char b[MP_DURATION_STR];

	if (p == NULL)
		return MP_OK;
	if (interval != 0 && p->ent_interval != 0 && p->ent_interval != interval) {
		o = &c->ent[p->ent_interval_by - 1];
		mp_duration_format(p->ent_interval, b, sizeof(b));
		snprintf(why, whysz, "notifyinterval %.40s for contact %s, but %s "
		    "%s (%s:%u) gives it %s: a contact has one policy (give it "
		    "once, or in a contact object)", interval_text, addr, o->is_interm ?
		    "intermediary" : "organisation", rb_str(c, o->id),
		    rb_str(c, o->file), o->line, b);
		return MP_EINPUT;
	}
	if (digest >= 0 && p->ent_digest >= 0 && p->ent_digest != digest) {
		o = &c->ent[p->ent_digest_by - 1];
		snprintf(why, whysz, "digest %s for contact %s, but %s %s (%s:%u) "
		    "says %s: a contact has one policy (give it once, or in a "
		    "contact object)", digest ? "yes" : "no", addr,
		    o->is_interm ? "intermediary" : "organisation",
		    rb_str(c, o->id), rb_str(c, o->file), o->line,
		    p->ent_digest ? "yes" : "no");
		return MP_EINPUT;
	}
	return MP_OK;
}

/* One "organisation" or "intermediary" object. why set on error. */
static int
own_entity(struct mp_routec *c, const struct mp_rpsl_obj *o, uint32_t file,
    int is_interm, char *why, size_t whysz, unsigned *line)
{
	struct entity e, *ep;
	char tmp[MP_ADDR_MAX + 1], wants[MP_ROUTE_WANTS];
	size_t i, idx;
	uint32_t *doms = NULL, asn;
	unsigned interval = 0;
	int rc = MP_OK, digest = -1;
	const char *interval_text = "";

	memset(&e, 0, sizeof(e));
	e.interm = -1;
	e.is_interm = is_interm;
	e.file = file;
	e.line = o->line;
	*line = o->line;
	if (!valid_id(o->attr[0].value)) {
		snprintf(why, whysz, "the %s id \"%.64s\" must be 1 to 64 letters, digits, '-', '_' or '.'",
		    o->attr[0].name, o->attr[0].value);
		return MP_EINPUT;
	}
	if ((e.id = rb_sidz(c, o->attr[0].value)) == 0)
		return MP_ENOMEM;
	if (c->info[e.id].ent != 0) {
		snprintf(why, whysz, "%s \"%s\" is defined twice (first at %s:%u)",
		    o->attr[0].name, o->attr[0].value,
		    c->s.str[c->ent[c->info[e.id].ent - 1].file], c->ent[c->info[e.id].ent - 1].line);
		return MP_EINPUT;
	}
	idx = c->nent;
	/* First pass: validate everything, so a bad object adds nothing. */
	for (i = 1; i < o->nattr; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];
		const char *n = a->name;
		mp_u128 ad;
		int l, f;

		*line = a->line;
		if (a->vlen == 0) {
			snprintf(why, whysz, "\"%s\" without a value", n);
			return MP_EINPUT;
		}
		if (strcmp(n, "name") == 0) {
			continue;
		} else if (strcmp(n, "contact") == 0) {
			if (mp_addr_normalize(a->value, tmp, sizeof(tmp)) != 0 || tmp[0] == '\0') {
				snprintf(why, whysz, "contact \"%.80s\" is not one mail address", a->value);
				return MP_EINPUT;
			}
			if (++e.ncontacts > MP_ROUTEC_CONTACTS) {
				snprintf(why, whysz, "more than %d contacts (limit)", MP_ROUTEC_CONTACTS);
				return MP_ELIMIT;
			}
		} else if (strcmp(n, "notifyinterval") == 0) {
			if (interval != 0) {
				snprintf(why, whysz, "notifyinterval given twice");
				return MP_EINPUT;
			}
			if (parse_interval(a->value, &interval, why, whysz) != MP_OK)
				return MP_EINPUT;
			interval_text = a->value;
		} else if (strcmp(n, "digest") == 0) {
			if (digest >= 0) {
				snprintf(why, whysz, "digest given twice");
				return MP_EINPUT;
			}
			if (parse_digest(a->value, &digest, why, whysz) != MP_OK)
				return MP_EINPUT;
		} else if (strcmp(n, "language") == 0) {
			if (parse_lang(a->value, &e.lang) != MP_OK) {
				snprintf(why, whysz, "language \"%.20s\" is not nl or en", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "wants") == 0 && !is_interm) {
			if ((rc = wants_list(a->value, wants, sizeof(wants), why, whysz)) != MP_OK)
				return rc;
		} else if (strcmp(n, "intermediary") == 0 && !is_interm) {
			if (!valid_id(a->value)) {
				snprintf(why, whysz, "intermediary \"%.64s\" is not an id", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "network") == 0) {
			const char *dash = strchr(a->value, '-');

			if (dash == NULL && (mp_prefix_parse(a->value, a->vlen, &ad, &l, &f) != MP_OK ||
			    mp_ip_mask(ad, l, f) != ad)) {
				snprintf(why, whysz, "network \"%.80s\" is not a prefix (192.0.2.0/24) or range (192.0.2.10 - 192.0.2.20)",
				    a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "asn") == 0) {
			if (rb_parse_asn(a->value, &asn) != MP_OK) {
				snprintf(why, whysz, "asn \"%.40s\" is not an AS number (AS64500)", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "domain") == 0) {
			if (mp_domain_norm(a->value, a->vlen, tmp, sizeof(tmp)) != MP_OK) {
				snprintf(why, whysz, "domain \"%.80s\" is not a domain name", a->value);
				return MP_EINPUT;
			}
			if (++e.ndomains > MP_ROUTEC_DOMAINS) {
				snprintf(why, whysz, "more than %d domains (limit)", MP_ROUTEC_DOMAINS);
				return MP_ELIMIT;
			}
		} else {
			snprintf(why, whysz, "unknown attribute \"%.40s\" in %s", n, o->attr[0].name);
			return MP_EINPUT;
		}
	}
	*line = o->line;
	if (is_interm && e.ncontacts == 0) {
		snprintf(why, whysz, "intermediary \"%s\" has no contact", o->attr[0].value);
		return MP_EINPUT;
	}
	for (i = 1; i < o->nattr && (interval != 0 || digest >= 0); i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];

		if (strcmp(a->name, "contact") != 0)
			continue;
		*line = a->line;
		mp_addr_normalize(a->value, tmp, sizeof(tmp));
		if (policy_conflict(c, tmp, interval, interval_text, digest,
		    why, whysz) != MP_OK)
			return MP_EINPUT;
	}
	*line = o->line;
	if (e.ndomains > 0 && (doms = calloc(e.ndomains, sizeof(*doms))) == NULL)
		return MP_ENOMEM;
	e.ncontacts = e.ndomains = 0;
	/* Second pass: keep it. Ranges were checked by parsing them again
	 * below; a bad range still rejects the whole object. */
	for (i = 1; i < o->nattr && rc == MP_OK; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];
		const char *n = a->name;

		*line = a->line;
		if (strcmp(n, "name") == 0) {
			e.name = rb_sidz(c, a->value);
		} else if (strcmp(n, "contact") == 0) {
			mp_addr_normalize(a->value, tmp, sizeof(tmp));
			e.contacts[e.ncontacts++] = rb_sidz(c, tmp);
		} else if (strcmp(n, "wants") == 0) {
			wants_list(a->value, wants, sizeof(wants), why, whysz);
			e.wants = rb_sidz(c, wants);
		} else if (strcmp(n, "intermediary") == 0) {
			e.interm_id = rb_sidz(c, a->value);
		} else if (strcmp(n, "domain") == 0) {
			mp_domain_norm(a->value, a->vlen, tmp, sizeof(tmp));
			doms[e.ndomains] = rb_sidz(c, tmp);
			if (c->info[doms[e.ndomains]].dom_ent != 0) {
				snprintf(why, whysz, "domain %s is already claimed by %s", tmp,
				    c->s.str[c->ent[c->info[doms[e.ndomains]].dom_ent - 1].id]);
				rc = MP_EINPUT;
				break;
			}
			e.ndomains++;
		}
	}
	if (rc != MP_OK) {
		free(doms);
		return rc;
	}
	/* Networks and ASNs: validated above except ranges. */
	{
		size_t nets_before[2] = { c->nets[0].n, c->nets[1].n }, nasn_before = c->nasn;

		for (i = 1; i < o->nattr && rc == MP_OK; i++) {
			const struct mp_rpsl_attr *a = &o->attr[i];

			*line = a->line;
			if (strcmp(a->name, "network") == 0)
				rc = rb_add_network_text(c, a->value, K_ENT, (uint32_t)idx, 0,
				    &c->counts.networks, why, whysz);
			else if (strcmp(a->name, "asn") == 0) {
				rb_parse_asn(a->value, &asn);
				rc = rb_add_asn(c, asn, K_ENT, (uint32_t)idx, 0);
				c->counts.asns++;
			}
		}
		if (rc != MP_OK) {
			c->nets[0].n = nets_before[0];
			c->nets[1].n = nets_before[1];
			c->nasn = nasn_before;
			free(doms);
			return rc;
		}
	}
	*line = o->line;
	if ((ep = rb_grow(c->ent, &c->sizeent, c->nent + 1, sizeof(*ep))) == NULL) {
		free(doms);
		return MP_ENOMEM;
	}
	c->ent = ep;
	e.domains = doms;
	c->ent[c->nent++] = e;
	c->info[e.id].ent = (uint32_t)c->nent;
	for (i = 0; i < e.ndomains; i++)
		c->info[doms[i]].dom_ent = (uint32_t)c->nent;
	/* Its contacts' policy, checked above: nothing is refused now. */
	for (i = 0; i < e.ncontacts && (interval != 0 || digest >= 0); i++) {
		struct policy *p = policy_make(c, rb_str(c, e.contacts[i]));

		if (p == NULL)
			return MP_ENOMEM;
		if (interval != 0) {
			p->ent_interval = interval;
			p->ent_interval_by = (uint32_t)c->nent;
		}
		if (digest >= 0) {
			p->ent_digest = digest;
			p->ent_digest_by = (uint32_t)c->nent;
		}
	}
	c->counts.domains += e.ndomains;
	if (is_interm)
		c->counts.intermediaries++;
	else
		c->counts.organisations++;
	return MP_OK;
}

static int
own_reporter(struct mp_routec *c, const struct mp_rpsl_obj *o, char *why, size_t whysz,
    unsigned *line)
{
	char dom[MP_DOMAIN_MAX + 1];
	enum mp_disclose disclose = MP_DISCLOSE_NAME;
	const char *name = NULL, *listtype = NULL, *case_ref = NULL;
	int auth = 0;
	size_t i, k;
	uint32_t d, nid = 0, lid = 0, cid = 0;

	*line = o->line;
	if (mp_domain_norm(o->attr[0].value, o->attr[0].vlen, dom, sizeof(dom)) != MP_OK) {
		snprintf(why, whysz, "reporter \"%.80s\" is not a domain name", o->attr[0].value);
		return MP_EINPUT;
	}
	for (i = 1; i < o->nattr; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];

		*line = a->line;
		if (strcmp(a->name, "name") == 0) {
			/* shown to contacts: plain text, one line, bounded */
			if (a->vlen == 0 || a->vlen >= MP_REPORTER_NAME_MAX) {
				snprintf(why, whysz, "reporter name must be 1 to %d bytes",
				    MP_REPORTER_NAME_MAX - 1);
				return MP_EINPUT;
			}
			for (k = 0; k < a->vlen; k++)
				if ((unsigned char)a->value[k] < 0x20 || a->value[k] == 0x7f) {
					snprintf(why, whysz, "reporter name has a control character");
					return MP_EINPUT;
				}
			name = a->value;
			continue;
		}
		if (strcmp(a->name, "listtype") == 0) {
			/* one report type, as in "wants" */
			for (k = 0; report_types[k] != NULL; k++)
				if (strcasecmp(a->value, report_types[k]) == 0)
					break;
			if (report_types[k] == NULL || strchr(a->value, ',') != NULL) {
				snprintf(why, whysz, "listtype \"%.40s\" is not one "
				    "report type (malware, vulnerable-service, "
				    "open-service, login-attack, spam, phishing, "
				    "leaked-credentials, compromised-website, ddos, "
				    "other)", a->value);
				return MP_EINPUT;
			}
			listtype = report_types[k];
			continue;
		}
		if (strcmp(a->name, "case") == 0) {
			if (a->vlen == 0 || a->vlen >= MP_REPORTER_CASE_MAX) {
				snprintf(why, whysz, "case must be 1 to %d bytes",
				    MP_REPORTER_CASE_MAX - 1);
				return MP_EINPUT;
			}
			for (k = 0; k < a->vlen; k++)
				if ((unsigned char)a->value[k] <= 0x20 ||
				    a->value[k] == 0x7f) {
					snprintf(why, whysz, "case has a space or a "
					    "control character");
					return MP_EINPUT;
				}
			case_ref = a->value;
			continue;
		}
		if (strcmp(a->name, "disclose") == 0) {
			if (mp_disclose_parse(a->value, &disclose) != 0) {
				snprintf(why, whysz, "disclose \"%.40s\" is not none, name or "
				    "name+address", a->value);
				return MP_EINPUT;
			}
			continue;
		}
		if (strcmp(a->name, "auth") != 0) {
			snprintf(why, whysz, "unknown attribute \"%.40s\" in reporter", a->name);
			return MP_EINPUT;
		}
		if (strcasecmp(a->value, "spf") == 0)
			auth = MP_AUTH_SPF;
		else if (strcasecmp(a->value, "dkim") == 0)
			auth = MP_AUTH_DKIM;
		else if (strcasecmp(a->value, "both") == 0)
			auth = MP_AUTH_BOTH;
		else {
			snprintf(why, whysz, "auth \"%.40s\" is not spf, dkim or both", a->value);
			return MP_EINPUT;
		}
	}
	*line = o->line;
	if (auth == 0) {
		snprintf(why, whysz, "reporter %s has no \"auth spf|dkim|both\"", dom);
		return MP_EINPUT;
	}
	if ((d = rb_sidz(c, dom)) == 0 || (name != NULL && (nid = rb_sidz(c, name)) == 0) ||
	    (listtype != NULL && (lid = rb_sidz(c, listtype)) == 0) ||
	    (case_ref != NULL && (cid = rb_sidz(c, case_ref)) == 0))
		return MP_ENOMEM;
	if (c->info[d].reporter != 0) {
		snprintf(why, whysz, "reporter %s is defined twice", dom);
		return MP_EINPUT;
	}
	c->info[d].reporter = (uint8_t)auth;
	c->info[d].rep_disclose = (uint8_t)disclose;
	c->info[d].rep_name = nid;
	c->info[d].rep_listtype = lid;
	c->info[d].rep_case = cid;
	c->counts.reporters++;
	return MP_OK;
}

/*
 * A "contact" object: the policy of one address, whoever lists it (an
 * organisation, a security.txt, a RIPE abuse-mailbox). It wins over
 * what an organisation or intermediary says for its contacts.
 */
static int
own_contact(struct mp_routec *c, const struct mp_rpsl_obj *o, uint32_t file,
    char *why, size_t whysz, unsigned *line)
{
	char addr[MP_ADDR_MAX + 1];
	unsigned interval = 0;
	int digest = -1;
	struct policy *p;
	size_t i;

	*line = o->line;
	if (mp_addr_normalize(o->attr[0].value, addr, sizeof(addr)) != 0 ||
	    addr[0] == '\0') {
		snprintf(why, whysz, "contact \"%.80s\" is not one mail address",
		    o->attr[0].value);
		return MP_EINPUT;
	}
	if ((p = policy_find(c, addr)) != NULL && p->obj) {
		snprintf(why, whysz, "contact %s is defined twice (first at %s:%u)",
		    addr, rb_str(c, p->obj_file), p->obj_line);
		return MP_EINPUT;
	}
	for (i = 1; i < o->nattr; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];

		*line = a->line;
		if (strcmp(a->name, "notifyinterval") == 0) {
			if (interval != 0) {
				snprintf(why, whysz, "notifyinterval given twice");
				return MP_EINPUT;
			}
			if (parse_interval(a->value, &interval, why, whysz) != MP_OK)
				return MP_EINPUT;
		} else if (strcmp(a->name, "digest") == 0) {
			if (digest >= 0) {
				snprintf(why, whysz, "digest given twice");
				return MP_EINPUT;
			}
			if (parse_digest(a->value, &digest, why, whysz) != MP_OK)
				return MP_EINPUT;
		} else {
			snprintf(why, whysz, "unknown attribute \"%.40s\" in contact "
			    "(notifyinterval, digest)", a->name);
			return MP_EINPUT;
		}
	}
	*line = o->line;
	if (interval == 0 && digest < 0) {
		snprintf(why, whysz, "contact %s sets nothing (notifyinterval, "
		    "digest)", addr);
		return MP_EINPUT;
	}
	if ((p = policy_make(c, addr)) == NULL)
		return MP_ENOMEM;
	p->obj = 1;
	p->obj_file = file;
	p->obj_line = o->line;
	p->obj_interval = interval;
	p->obj_digest = digest;
	c->counts.contacts++;
	return MP_OK;
}

void
rb_policy(const struct mp_routec *c, uint32_t addr, unsigned *interval,
    int *digest)
{
	char norm[MP_ADDR_MAX + 1];
	const struct policy *p = NULL;
	uint32_t id;

	*interval = 0;
	*digest = 0;
	if (c->npol == 0 || addr == 0)
		return;
	/* The lists and importers may keep an address as written: the
	 * policy is the normalized address's (as the reader looks it up). */
	if (c->info[addr].pol != 0)
		p = &c->pol[c->info[addr].pol - 1];
	else if (mp_addr_normalize(rb_str(c, addr), norm, sizeof(norm)) == 0 &&
	    /* add 0: only reads the table */
	    (id = rb_strtab_id((struct strtab *)&c->s, norm, strlen(norm), 0))
	    != 0 && id < c->ninfo && c->info[id].pol != 0)
		p = &c->pol[c->info[id].pol - 1];
	if (p == NULL)
		return;
	*interval = p->obj_interval != 0 ? p->obj_interval : p->ent_interval;
	*digest = p->obj_digest >= 0 ? p->obj_digest :
	    p->ent_digest >= 0 ? p->ent_digest : 0;
}

int
mp_routec_add_source(struct mp_routec *c, const char *file, const char *text, size_t len)
{
	struct mp_rpsl_reader r;
	struct mp_error err;
	char why[MP_ERROR_MAX];
	uint32_t fid = rb_sidz(c, file);
	unsigned line;
	int rc;

	if (fid == 0)
		return MP_ENOMEM;
	mp_rsrc_init(&r, text, len);
	while ((rc = mp_rpsl_next(&r, c->obj, &err)) != 0) {
		const char *kind;

		if (rc < 0) {
			rb_cwarn(c, "%s:%s", file, err.msg + 5);
			c->counts.errors++;
			continue;
		}
		kind = c->obj->attr[0].name;
		why[0] = '\0';
		if (strcmp(kind, "organisation") == 0 || strcmp(kind, "organization") == 0)
			rc = own_entity(c, c->obj, fid, 0, why, sizeof(why), &line);
		else if (strcmp(kind, "intermediary") == 0)
			rc = own_entity(c, c->obj, fid, 1, why, sizeof(why), &line);
		else if (strcmp(kind, "reporter") == 0)
			rc = own_reporter(c, c->obj, why, sizeof(why), &line);
		else if (strcmp(kind, "contact") == 0)
			rc = own_contact(c, c->obj, fid, why, sizeof(why), &line);
		else {
			line = c->obj->line;
			snprintf(why, sizeof(why), "unknown object kind \"%.40s\" (organisation, intermediary, contact or reporter)", kind);
			rc = MP_EINPUT;
		}
		if (rc == MP_ENOMEM)
			return rc;
		if (rc != MP_OK) {
			rb_cwarn(c, "%s:%u: %s", file, line, why);
			c->counts.errors++;
		}
	}
	return MP_OK;
}
